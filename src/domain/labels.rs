//! Closed label sets. Every label value the exporter can emit is a variant
//! here, so no payload can create a new series and every series has a fixed
//! slot (`index`) that the recorder fills without hashing strings.

/// Declares a fieldless enum with its wire spelling, an `ALL` list in
/// declaration order and a dense `index()`.
macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const COUNT: usize = Self::ALL.len();

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub const fn index(self) -> usize {
                self as usize
            }

            /// The variant spelt `s` exactly.
            pub fn from_name(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_set!(
    /// CallStatus. `Other` stands for every value SignalWire does not document.
    CallStatus {
        Queued => "queued",
        Initiated => "initiated",
        Ringing => "ringing",
        Answered => "answered",
        InProgress => "in-progress",
        Completed => "completed",
        Busy => "busy",
        Failed => "failed",
        NoAnswer => "no-answer",
        Canceled => "canceled",
        Other => "other",
    }
);

impl CallStatus {
    /// Exact match on SignalWire's lowercase spelling; anything else is `Other`.
    pub fn parse(s: &str) -> Self {
        Self::from_name(s).unwrap_or(CallStatus::Other)
    }

    /// The last event of a call: the one that carries its totals.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::Failed
                | CallStatus::NoAnswer
                | CallStatus::Canceled
        )
    }

    pub fn known() -> impl Iterator<Item = CallStatus> {
        Self::ALL
            .iter()
            .copied()
            .filter(|s| *s != CallStatus::Other)
    }
}

closed_set!(
    /// Direction. A missing Direction is `Other` too. `Outbound` is the
    /// call-state webhooks' only: a form callback never carries it.
    Direction {
        Inbound => "inbound",
        OutboundApi => "outbound-api",
        OutboundDial => "outbound-dial",
        Outbound => "outbound",
        Other => "other",
    }
);

impl Direction {
    /// A form callback's Direction: `outbound` is not one of its values.
    pub fn parse(s: &str) -> Self {
        match Self::from_name(s) {
            Some(Direction::Outbound) | None => Direction::Other,
            Some(d) => d,
        }
    }

    /// A call-state event's `direction`: `inbound` or `outbound`.
    pub fn parse_call_state(s: &str) -> Self {
        match s {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            _ => Direction::Other,
        }
    }

    /// The directions whose series exist from the start: `other` and
    /// `outbound` are created on first use, so the series at start stay
    /// those of the form callbacks' documented values.
    pub fn known() -> impl Iterator<Item = Direction> {
        Self::ALL
            .iter()
            .copied()
            .filter(|d| !matches!(d, Direction::Other | Direction::Outbound))
    }
}

/// SipResultCode: three ASCII digits from 100 to 699, or `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SipCode {
    Code(u16),
    Other,
}

impl SipCode {
    pub const OTHER_INDEX: usize = 600;
    /// 100..=699 plus `other`.
    pub const COUNT: usize = 601;

    pub fn parse(s: &str) -> Self {
        match s.as_bytes() {
            [a @ b'1'..=b'6', b @ b'0'..=b'9', c @ b'0'..=b'9'] => SipCode::Code(
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'),
            ),
            _ => SipCode::Other,
        }
    }

    pub const fn index(self) -> usize {
        match self {
            SipCode::Code(c) => (c - 100) as usize,
            SipCode::Other => Self::OTHER_INDEX,
        }
    }

    pub fn label(self) -> std::borrow::Cow<'static, str> {
        match self {
            SipCode::Code(c) => c.to_string().into(),
            SipCode::Other => "other".into(),
        }
    }
}

closed_set!(
    /// What became of one request to the webhook.
    Outcome {
        Accepted => "accepted",
        Duplicate => "duplicate",
        InvalidSignature => "invalid_signature",
        BadRequest => "bad_request",
        PayloadTooLarge => "payload_too_large",
        UnsupportedMediaType => "unsupported_media_type",
        MethodNotAllowed => "method_not_allowed",
    }
);

closed_set!(
    /// What became of one request to `/call-state`.
    CallStateOutcome {
        Accepted => "accepted",
        Duplicate => "duplicate",
        Ignored => "ignored",
        InvalidSignature => "invalid_signature",
        BadRequest => "bad_request",
        PayloadTooLarge => "payload_too_large",
        UnsupportedMediaType => "unsupported_media_type",
        MethodNotAllowed => "method_not_allowed",
    }
);

impl From<Outcome> for CallStateOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Accepted => CallStateOutcome::Accepted,
            Outcome::Duplicate => CallStateOutcome::Duplicate,
            Outcome::InvalidSignature => CallStateOutcome::InvalidSignature,
            Outcome::BadRequest => CallStateOutcome::BadRequest,
            Outcome::PayloadTooLarge => CallStateOutcome::PayloadTooLarge,
            Outcome::UnsupportedMediaType => CallStateOutcome::UnsupportedMediaType,
            Outcome::MethodNotAllowed => CallStateOutcome::MethodNotAllowed,
        }
    }
}

closed_set!(
    /// A call-state event's `end_reason`: the nine SignalWire documents, or
    /// `Other`.
    EndReason {
        Hangup => "hangup",
        Busy => "busy",
        NoAnswer => "noAnswer",
        Cancel => "cancel",
        Decline => "decline",
        Error => "error",
        Abandoned => "abandoned",
        MaxDuration => "maxDuration",
        NotFound => "notFound",
        Other => "other",
    }
);

impl EndReason {
    /// Exact match on SignalWire's spelling; anything else is `Other`.
    pub fn parse(s: &str) -> Self {
        Self::from_name(s).unwrap_or(EndReason::Other)
    }

    /// The status label of an `ended` event with this reason.
    pub const fn status(self) -> CallStatus {
        match self {
            EndReason::Hangup | EndReason::MaxDuration => CallStatus::Completed,
            EndReason::Busy | EndReason::Decline => CallStatus::Busy,
            EndReason::NoAnswer => CallStatus::NoAnswer,
            EndReason::Cancel | EndReason::Abandoned => CallStatus::Canceled,
            EndReason::Error | EndReason::NotFound | EndReason::Other => CallStatus::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_exactly() {
        for s in CallStatus::ALL {
            let expected = *s;
            assert_eq!(CallStatus::parse(s.as_str()), expected);
        }
        assert_eq!(CallStatus::parse("Completed"), CallStatus::Other);
        assert_eq!(CallStatus::parse("completed "), CallStatus::Other);
        assert_eq!(CallStatus::known().count(), 10);
        assert_eq!(CallStatus::parse("answered"), CallStatus::Answered);
        assert!(!CallStatus::Answered.is_terminal());
        assert_eq!(Direction::parse("outbound-dial"), Direction::OutboundDial);
        assert_eq!(Direction::parse(""), Direction::Other);
        // A form callback's Direction is read exactly as before `outbound`.
        assert_eq!(Direction::parse("outbound"), Direction::Other);
        assert_eq!(Direction::known().count(), 3);
        assert_eq!(Direction::parse_call_state("outbound"), Direction::Outbound);
        assert_eq!(
            Direction::parse_call_state("outbound-api"),
            Direction::Other
        );
    }

    #[test]
    fn sip_codes_are_three_digits_in_range() {
        assert_eq!(SipCode::parse("100"), SipCode::Code(100));
        assert_eq!(SipCode::parse("699"), SipCode::Code(699));
        assert_eq!(SipCode::parse("487"), SipCode::Code(487));
        for bad in [
            "099",
            "700",
            "99",
            "1000",
            "+200",
            "20a",
            "２００",
            "200 ",
            "",
        ] {
            assert_eq!(SipCode::parse(bad), SipCode::Other, "{bad}");
        }
        assert_eq!(SipCode::Code(699).index(), 599);
        assert_eq!(SipCode::Other.index(), SipCode::COUNT - 1);
    }
}
