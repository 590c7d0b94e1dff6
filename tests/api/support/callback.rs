//! A Voice Status Callback as SignalWire sends it: ordered name/value pairs
//! that own their strings, rendered as a form body, a query string, JSON or
//! `Params`.

use super::Params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    fields: Vec<(String, String)>,
}

impl Callback {
    /// Exactly these pairs, in this order.
    pub fn of<N: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (N, V)>) -> Self {
        Callback {
            fields: pairs
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        }
    }

    /// A realistic terminal event, as captured from SignalWire: inbound,
    /// completed, 2829 packets in with 1 skipped, MOS 4.5, 57 s.
    pub fn completed(call_sid: impl Into<String>) -> Self {
        Callback::of([
            ("AccountSid", "AC0a1b2c3d"),
            ("ApiVersion", "2010-04-01"),
            ("AudioInAveragePtime", "20.01"),
            ("AudioInDtmfPacketCount", "4"),
            ("AudioInFlushPacketCount", "2"),
            ("AudioInJitterMaxVariance", "85.95"),
            ("AudioInJitterMinVariance", "0.36"),
            ("AudioInLargestJbSize", "3"),
            ("AudioInMediaPacketCount", "2829"),
            ("AudioInMos", "4.5"),
            ("AudioInSkipPacketCount", "1"),
            ("AudioOutDtmfPacketCount", "0"),
            ("AudioOutMediaPacketCount", "2712"),
            ("AudioOutLost", "0"),
            ("CallDuration", "57"),
            ("CallSid", "set below"),
            ("CallStatus", "completed"),
            ("CallbackSource", "call-progress-events"),
            ("Direction", "inbound"),
            ("From", "+14158675309"),
            ("HangupDirection", "inbound"),
            ("SequenceNumber", "3"),
            ("SipCallId", "a1b2c3@sip.example"),
            ("SipResultCode", "200"),
            ("Timestamp", "Tue, 14 Jan 2025 18:30:00 +0000"),
            ("To", "+18005551212"),
        ])
        .with("CallSid", call_sid)
    }

    /// Sets `name` where it is, or appends it.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => self.fields.push((name.to_owned(), value)),
        }
        self
    }

    /// Appends `name` even if it is already there (a repeated key).
    pub fn and(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields.push((name.to_owned(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn params(&self) -> Params<'_> {
        self.pairs().collect()
    }

    /// `application/x-www-form-urlencoded`, every byte but ASCII
    /// alphanumerics percent-encoded.
    pub fn form(&self) -> String {
        self.pairs()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same pairs as a query string (without the `?`).
    pub fn query(&self) -> String {
        self.form()
    }

    /// A JSON object with every value a string.
    pub fn json(&self) -> String {
        self.json_with_numbers(|_| false)
    }

    /// A JSON object whose values are written as JSON numbers where they
    /// parse as one and `as_number(name)` says so, strings elsewhere.
    pub fn json_with_numbers(&self, as_number: impl Fn(&str) -> bool) -> String {
        let members: Vec<String> = self
            .pairs()
            .map(|(n, v)| {
                let name = serde_json::to_string(n).unwrap();
                if as_number(n) && v.parse::<f64>().is_ok_and(f64::is_finite) {
                    format!("{name}:{v}")
                } else {
                    format!("{name}:{}", serde_json::to_string(v).unwrap())
                }
            })
            .collect();
        format!("{{{}}}", members.join(","))
    }
}

pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_renders_as_form_query_json_and_params() {
        let c = Callback::of([("CallSid", "CA 1"), ("AudioInMos", "4.5"), ("X", "a&b")])
            .with("AudioInMos", "2.1")
            .without("X")
            .with("Direction", "inbound");
        assert_eq!(
            c.form(),
            "CallSid=CA%201&AudioInMos=2%2E1&Direction=inbound"
        );
        assert_eq!(c.query(), c.form());
        assert_eq!(
            c.json(),
            r#"{"CallSid":"CA 1","AudioInMos":"2.1","Direction":"inbound"}"#
        );
        assert_eq!(
            c.json_with_numbers(|n| n != "CallSid"),
            r#"{"CallSid":"CA 1","AudioInMos":2.1,"Direction":"inbound"}"#
        );
        let p = c.params();
        assert_eq!(p.get("AudioInMos").and_then(|v| v.as_text()), Some("2.1"));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn a_completed_callback_owns_any_call_sid() {
        let sid = format!("CA-{}", 7);
        let c = Callback::completed(sid).and("CallSid", "CA-8");
        let sids: Vec<&str> = c
            .pairs()
            .filter(|(n, _)| *n == "CallSid")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(sids, ["CA-7", "CA-8"]);
        assert_eq!(c.pairs().count(), 27);
    }
}
