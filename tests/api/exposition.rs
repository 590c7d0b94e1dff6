//! The whole /metrics text after fixed traffic, byte for byte against
//! `tests/golden/exposition.txt`: a refactoring of parsing, registration or
//! recording must leave every metric name, help text, bucket, label order,
//! value and invalid/unrecognized count exactly as it was.
//!
//! The traffic is a seeded simulator run at concurrency 1 (so histogram sums
//! add up in the same order every time) followed by hand-made edge events:
//! invalid numbers, unknown status, direction and SIP codes, zero media,
//! JSON values that are not text, duplicates and refused requests.
//!
//! Left out, because they depend on the clock or the process: `process_*`
//! families, and the buckets and sum of
//! `signalwire_webhook_delivery_delay_seconds` (its HELP, TYPE, `+Inf` bucket
//! and count stay).
//!
//! To accept a deliberate change of the exposition, regenerate the golden
//! file and review its diff:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test api exposition::
//! git diff tests/golden/exposition.txt
//! ```

use std::path::PathBuf;
use std::time::Duration;

use crate::support::{simulator, Application, Params, Profile, Settings, SigningKey, SimConfig};

const KEY: &str = "PSK_golden_key";
const DELAY: &str = "signalwire_webhook_delivery_delay_seconds";

struct Client {
    http: reqwest::Client,
    url: String,
    key: SigningKey,
}

impl Client {
    /// A signed form POST; returns the status code.
    async fn form(&self, fields: &[(&str, &str)]) -> u16 {
        let params: Params = fields.iter().copied().collect();
        let signature = self.key.sign_form(&self.url, &params);
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post("application/x-www-form-urlencoded", &signature, body)
            .await
    }

    /// A signed JSON POST; returns the status code.
    async fn json(&self, body: &str) -> u16 {
        let signature = self.key.sign_json(&self.url, body.as_bytes());
        self.post("application/json", &signature, body.to_owned())
            .await
    }

    /// A signed call-state event to `/call-state`; returns the status code.
    async fn call_state(&self, body: &str) -> u16 {
        let url = self.url.replace("/status-callback", "/call-state");
        let signature = self.key.sign_json(&url, body.as_bytes());
        self.post_to(&url, "application/json", &signature, body.to_owned())
            .await
    }

    async fn post(&self, content_type: &str, signature: &str, body: String) -> u16 {
        self.post_to(&self.url, content_type, signature, body).await
    }

    async fn post_to(&self, url: &str, content_type: &str, signature: &str, body: String) -> u16 {
        self.http
            .post(url)
            .header("content-type", content_type)
            .header("x-signalwire-signature", signature)
            .body(body)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }
}

/// A terminal event with every field the exporter reads, valid, then
/// `changes` applied (a name already present is replaced in place).
fn terminal<'a>(call_sid: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("AccountSid", "AC-golden"),
        ("CallSid", call_sid),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("SipResultCode", "200"),
        ("Timestamp", "Fri, 27 Nov 2026 12:00:00 +0000"),
        ("CallDuration", "61"),
        ("RecordingDuration", "59"),
        ("AudioInMos", "4.21"),
        ("AudioInMediaPacketCount", "3000"),
        ("AudioInSkipPacketCount", "7"),
        ("AudioInFlushPacketCount", "3"),
        ("AudioInDtmfPacketCount", "5"),
        ("AudioOutMediaPacketCount", "2990"),
        ("AudioOutDtmfPacketCount", "1"),
        ("AudioInJitterMaxVariance", "120.5"),
        ("AudioInJitterMinVariance", "0.25"),
        ("AudioInLargestJbSize", "4"),
        ("AudioInAveragePtime", "20.02"),
    ];
    for &(name, value) in changes {
        match fields.iter_mut().find(|(n, _)| *n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

/// Every numeric field the exporter reads, each with a value it refuses.
const ALL_INVALID: &[(&str, &str)] = &[
    ("Timestamp", "yesterday"),
    ("CallDuration", "-1"),
    ("RecordingDuration", "NaN"),
    ("AudioInMos", "5.01"),
    ("AudioInSkipPacketCount", "1e400"),
    ("AudioInFlushPacketCount", "inf"),
    ("AudioInDtmfPacketCount", " 1"),
    ("AudioOutMediaPacketCount", "9007199254740993e3"),
    ("AudioOutDtmfPacketCount", "0x10"),
    ("AudioInJitterMaxVariance", "-0.5"),
    ("AudioInJitterMinVariance", "abc"),
    ("AudioInLargestJbSize", "1,5"),
    ("AudioInAveragePtime", "-20"),
];

/// Hand-made events, each with why it is there, posted in this order.
fn edge_cases() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let mut ringing = terminal("CA-ringing", ALL_INVALID);
    ringing.retain(|(n, _)| *n != "CallStatus");
    ringing.push(("CallStatus", "ringing"));
    let mut repeated = terminal("CA-repeated", &[]);
    repeated.extend([("AudioInMos", "1.5"), ("CallStatus", "busy")]);
    vec![
        (
            "every field invalid but the media count: each counted once, the rest recorded",
            terminal("CA-invalid", ALL_INVALID),
        ),
        (
            "invalid media: MOS, jitter, buffer, ptime and loss are not read, nor counted",
            terminal(
                "CA-bad-media",
                &[("AudioInMediaPacketCount", "-3"), ("AudioInMos", "0.5")],
            ),
        ),
        (
            "no media: the MOS of 4.5 is a placeholder, and a bad jitter is not read",
            terminal(
                "CA-no-media",
                &[
                    ("AudioInMediaPacketCount", "0"),
                    ("AudioInSkipPacketCount", "0"),
                    ("AudioInMos", "4.5"),
                    ("AudioInJitterMaxVariance", "abc"),
                    ("CallStatus", "no-answer"),
                    ("SipResultCode", "487"),
                    ("Direction", "outbound-dial"),
                ],
            ),
        ),
        (
            "strays of every closed set become other (SIP not read: status not terminal)",
            terminal(
                "CA-strays",
                &[
                    ("CallStatus", "Completed"),
                    ("Direction", "sideways"),
                    ("SipResultCode", "999"),
                ],
            ),
        ),
        (
            "a SIP code that is not three digits, on a terminal event",
            terminal(
                "CA-sip",
                &[
                    ("CallStatus", "busy"),
                    ("Direction", "outbound-api"),
                    ("SipResultCode", "20a"),
                ],
            ),
        ),
        (
            "range edges: MOS 1 is valid, -0 counts as 0, 2^53 is the cap",
            terminal("CA-edges", EDGES),
        ),
        (
            "MOS 5 is valid; an empty SipResultCode is no code",
            terminal(
                "CA-top",
                &[
                    ("AudioInMos", "5"),
                    ("CallStatus", "canceled"),
                    ("SipResultCode", ""),
                ],
            ),
        ),
        (
            "media without a skip count: no loss observed; empty Direction is other",
            terminal(
                "CA-no-skip",
                &[("AudioInSkipPacketCount", ""), ("Direction", "")],
            ),
        ),
        ("a progress event: only its Timestamp is judged", ringing),
        (
            "only the required fields",
            vec![("CallSid", "CA-bare"), ("CallStatus", "queued")],
        ),
        (
            "an undocumented progress status",
            vec![("CallSid", "CA-unknown"), ("CallStatus", "answered")],
        ),
        ("the first occurrence of a repeated field wins", repeated),
    ]
}

const EDGES: &[(&str, &str)] = &[
    ("AudioInMos", "1"),
    ("AudioInSkipPacketCount", "-0"),
    ("AudioInFlushPacketCount", "9007199254740992"),
    ("CallStatus", "failed"),
    ("SipResultCode", "503"),
];

/// JSON numbers arrive as literals; values that are not text are invalid.
const JSON_EVENT: &str = r#"{"CallSid":"CA-json","CallStatus":"completed","Direction":"inbound",
    "AudioInMediaPacketCount":1000,"AudioInSkipPacketCount":10,"AudioInMos":3.2,
    "AudioInAveragePtime":"20.5","CallDuration":true,"RecordingDuration":null,
    "AudioInJitterMaxVariance":[1],"AudioInLargestJbSize":{"a":1},"SipResultCode":486,
    "Timestamp":1}"#;

/// A SWML call-state event; `end_reason` is left out when `None`.
fn call_state(call: &str, state: &str, direction: &str, end_reason: Option<&str>) -> String {
    let reason = end_reason.map_or(String::new(), |r| format!(r#","end_reason":"{r}""#));
    format!(
        r#"{{"event_type":"calling.call.state","timestamp":1795780800.25,
        "project_id":"golden-project","params":{{"call_id":"{call}","call_state":"{state}",
        "direction":"{direction}"{reason}}}}}"#
    )
}

/// Call-state webhooks: every end reason, the unmapped states, a retry,
/// an ignored event type.
async fn call_state_events(c: &Client) {
    let reasons = [
        "hangup",
        "busy",
        "noAnswer",
        "cancel",
        "decline",
        "error",
        "abandoned",
        "maxDuration",
        "notFound",
        "teleported",
    ];
    for (i, reason) in reasons.iter().enumerate() {
        let call = format!("cs-{i}");
        let direction = if i % 2 == 0 { "outbound" } else { "inbound" };
        let created = call_state(&call, "created", direction, None);
        assert_eq!(c.call_state(&created).await, 204);
        let ended = call_state(&call, "ended", direction, Some(reason));
        assert_eq!(c.call_state(&ended).await, 204);
    }
    for state in ["ending", "ended", "rebooting", "answered", "ringing"] {
        let body = call_state("cs-states", state, "sideways", None);
        assert_eq!(c.call_state(&body).await, 204, "{state}");
    }
    let retry = call_state("cs-states", "ringing", "sideways", None);
    assert_eq!(c.call_state(&retry).await, 204);
    assert_eq!(
        c.call_state(r#"{"event_type":"calling.call.connect"}"#)
            .await,
        204
    );
    assert_eq!(c.call_state("[]").await, 400);
}

async fn edge_events(c: &Client) {
    call_state_events(c).await;
    for (why, fields) in edge_cases() {
        assert_eq!(c.form(&fields).await, 204, "{why}");
    }
    assert_eq!(c.json(JSON_EVENT).await, 204);
    // A duplicate delivery, and refused requests: outcomes only.
    assert_eq!(c.form(&terminal("CA-edges", EDGES)).await, 204);
    assert_eq!(c.form(&[("CallStatus", "completed")]).await, 400);
    let body = "CallSid=CA-forged&CallStatus=completed".to_owned();
    let forged = c.post("application/x-www-form-urlencoded", "AAAA", body);
    assert_eq!(forged.await, 403);
}

/// The exposition without what depends on the clock or the process.
fn deterministic(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let name = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "))
            .unwrap_or(line);
        if name.starts_with("process_") {
            continue;
        }
        // The time of the start (the last successful reload).
        if line.starts_with("signalwire_exporter_config_last_reload_success_timestamp_seconds ") {
            continue;
        }
        let delay_sample = name.starts_with(DELAY) && !line.starts_with('#');
        let kept = name.starts_with(&format!("{DELAY}_count"))
            || name.starts_with(&format!("{DELAY}_bucket{{le=\"+Inf\"}}"));
        if delay_sample && !kept {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

async fn scrape_after_fixed_traffic() -> String {
    deterministic(&full_scrape_after_fixed_traffic().await)
}

/// The whole scrape after the fixed traffic, clock and process lines
/// included: every family the exporter has (`docs` checks metrics.md on it).
pub async fn full_scrape_after_fixed_traffic() -> String {
    let app = Application::build(&Settings::local(vec![SigningKey::new(KEY)]))
        .await
        .expect("bind loopback");
    let addr = app.local_addr();
    let server = tokio::spawn(app.run_until(std::future::pending()));
    let url = format!("http://{addr}/status-callback");

    let mut config = SimConfig::new(url.clone(), SigningKey::new(KEY));
    config.seed = 20_261_129;
    config.calls = Some(150);
    config.rate = 100_000.0;
    config.concurrency = 1;
    config.duplicate_ratio = 0.05;
    config.profile = Profile::Degraded;
    config.account_sid = Some("AC-golden-sim".into());
    let summary = tokio::time::timeout(
        Duration::from_secs(120),
        simulator::run(config, std::future::pending()),
    )
    .await
    .expect("150 calls within two minutes");
    assert!(summary.ok(), "{}", summary.to_json());

    let client = Client {
        http: reqwest::Client::new(),
        url,
        key: SigningKey::new(KEY),
    };
    edge_events(&client).await;
    let text = client
        .http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .unwrap();
    server.abort();
    text
}

/// The first lines that differ, with their numbers, for a readable failure.
fn differences(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = format!("{} lines expected, {} scraped\n", e.len(), a.len());
    let shown = (0..e.len().max(a.len()))
        .filter(|&i| e.get(i) != a.get(i))
        .take(12);
    for i in shown {
        out += &format!("line {}:\n  - {:?}\n  + {:?}\n", i + 1, e.get(i), a.get(i));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exposition_after_fixed_traffic_equals_the_golden_file() {
    let actual = scrape_after_fixed_traffic().await;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/exposition.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; UPDATE_GOLDEN=1 writes it", path.display()));
    assert!(
        expected == actual,
        "the exposition changed; if on purpose, UPDATE_GOLDEN=1 rewrites {}\n{}",
        path.display(),
        differences(&expected, &actual)
    );
}

#[test]
fn the_filter_drops_only_clock_and_process_lines() {
    let text = "# HELP process_cpu x\n# TYPE process_cpu counter\nprocess_cpu 1.5\n\
        # HELP signalwire_webhook_delivery_delay_seconds d\n\
        # TYPE signalwire_webhook_delivery_delay_seconds histogram\n\
        signalwire_webhook_delivery_delay_seconds_bucket{le=\"0.05\"} 1\n\
        signalwire_webhook_delivery_delay_seconds_bucket{le=\"+Inf\"} 2\n\
        signalwire_webhook_delivery_delay_seconds_sum 0.7\n\
        signalwire_webhook_delivery_delay_seconds_count 2\n\
        signalwire_call_events_total{direction=\"inbound\",status=\"queued\"} 0\n";
    assert_eq!(
        deterministic(text),
        "# HELP signalwire_webhook_delivery_delay_seconds d\n\
        # TYPE signalwire_webhook_delivery_delay_seconds histogram\n\
        signalwire_webhook_delivery_delay_seconds_bucket{le=\"+Inf\"} 2\n\
        signalwire_webhook_delivery_delay_seconds_count 2\n\
        signalwire_call_events_total{direction=\"inbound\",status=\"queued\"} 0\n"
    );
}
