//! A real exporter on loopback and a real HTTP client talking to it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::SigningKey;
use signalwire_exporter::startup::Application;
use tokio::sync::oneshot;

pub const KEY: &str = "PSK_test_signing_key";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub key: SigningKey,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Settings::local(vec![SigningKey::new(KEY)])).await
    }

    pub async fn spawn_with(settings: Settings) -> Self {
        Self::from_application(Application::build(&settings).await.expect("bind loopback"))
    }

    pub fn from_application(app: Application) -> Self {
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            client: reqwest::Client::new(),
            key: SigningKey::new(KEY),
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A form POST to /status-callback signed for the URL the server sees.
    pub async fn post_form(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        let url = self.url("/status-callback");
        let params: Params = fields.iter().copied().collect();
        let signature = self.key.sign_form(&url, &params);
        self.post(&url, Some(FORM), Some(&signature), form_body(fields))
            .await
    }

    /// A JSON POST to /status-callback signed (hex scheme) for the URL the server sees.
    pub async fn post_json(&self, body: &str) -> reqwest::Response {
        let url = self.url("/status-callback");
        let signature = self.key.sign_json(&url, body.as_bytes());
        self.post(&url, Some(JSON), Some(&signature), body.to_owned())
            .await
    }

    /// A POST with the given content type and X-SignalWire-Signature, each
    /// left out when `None`.
    pub async fn post(
        &self,
        url: &str,
        content_type: Option<&str>,
        signature: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.post(url).body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        if let Some(sig) = signature {
            request = request.header("x-signalwire-signature", sig);
        }
        request.send().await.expect("request")
    }

    pub async fn metrics(&self) -> Metrics {
        let response = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("scrape");
        assert_eq!(response.status(), 200);
        Metrics::parse(&response.text().await.unwrap())
    }
}

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JSON: &str = "application/json";

pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A realistic terminal event, as captured from SignalWire.
pub fn completed_call(call_sid: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
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
        ("CallSid", call_sid),
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
    ]
}

pub fn with(
    mut fields: Vec<(&'static str, &'static str)>,
    name: &'static str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    match fields.iter_mut().find(|(n, _)| *n == name) {
        Some(f) => f.1 = value,
        None => fields.push((name, value)),
    }
    fields
}

pub fn without(
    fields: Vec<(&'static str, &'static str)>,
    name: &str,
) -> Vec<(&'static str, &'static str)> {
    fields.into_iter().filter(|(n, _)| *n != name).collect()
}

/// Parsed Prometheus text exposition.
#[derive(Debug)]
pub struct Metrics {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
    pub text: String,
}

impl Metrics {
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("sample line");
                let value: f64 = value.parse().expect("sample value");
                let (name, labels) = match series.split_once('{') {
                    Some((name, rest)) => {
                        let labels = rest
                            .trim_end_matches('}')
                            .split("\",")
                            .filter(|p| !p.is_empty())
                            .map(|p| {
                                let (k, v) = p.split_once("=\"").expect("label pair");
                                (k.to_owned(), v.trim_end_matches('"').to_owned())
                            })
                            .collect();
                        (name.to_owned(), labels)
                    }
                    None => (series.to_owned(), BTreeMap::new()),
                };
                (name, labels, value)
            })
            .collect();
        Metrics {
            samples,
            text: text.to_owned(),
        }
    }

    /// The value of the one series with exactly these labels, if present.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<f64> = self
            .samples
            .iter()
            .filter(|(n, l, _)| n == name && *l == want)
            .map(|(_, _, v)| *v)
            .collect();
        assert!(
            found.len() <= 1,
            "{name} {labels:?} appears {} times",
            found.len()
        );
        found.first().copied()
    }

    /// Like `get`, but the series must exist.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in:\n{}", self.text))
    }

    /// Every label value of every sample.
    pub fn label_values(&self) -> impl Iterator<Item = &str> {
        self.samples
            .iter()
            .flat_map(|(_, labels, _)| labels.values().map(String::as_str))
    }

    /// Sum over every series of a name.
    pub fn sum(&self, name: &str) -> f64 {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, _, v)| v)
            .sum()
    }

    pub fn series_count(&self, name: &str) -> usize {
        self.samples.iter().filter(|(n, _, _)| n == name).count()
    }

    pub fn outcome(&self, outcome: &str) -> f64 {
        self.value(
            "signalwire_exporter_webhooks_total",
            &[("outcome", outcome)],
        )
    }
}

pub const INBOUND_COMPLETED: &[(&str, &str)] = &[("direction", "inbound"), ("status", "completed")];

/// Labels of a call series plus `le`.
pub fn bucket<'a>(labels: &[(&'a str, &'a str)], le: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut l = labels.to_vec();
    l.push(("le", le));
    l
}
