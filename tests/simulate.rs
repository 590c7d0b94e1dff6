//! The simulator against a real exporter on loopback: what the summary says
//! was sent must be exactly what /metrics shows.

use std::collections::BTreeMap;
use std::time::Duration;

use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::CallStatus;
use signalwire_exporter::signature::{SignedUrl, SigningKey};
use signalwire_exporter::simulate::{self, plan, Generator, Profile, SimConfig, Summary};
use signalwire_exporter::startup::Application;

/// One sample of the text exposition.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses `name{a="x",b="y"} value` lines; comments and blanks are skipped.
/// Label values are unescaped (\\, \" and \n).
fn parse_metrics(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, labels, rest) = match line.find('{') {
            Some(open) => {
                let (labels, rest) = parse_labels(&line[open + 1..]);
                (&line[..open], labels, rest)
            }
            None => {
                let space = line.find(' ').expect("a sample has a value");
                (&line[..space], BTreeMap::new(), &line[space..])
            }
        };
        let value = rest
            .split_whitespace()
            .next()
            .expect("a sample has a value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// Labels up to the closing brace, and what follows it.
fn parse_labels(s: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after);
        }
        let eq = rest.find('=').expect("label=value");
        let name = rest[..eq].trim().to_owned();
        let mut chars = rest[eq + 1..].char_indices();
        assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "quoted value");
        let mut value = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => panic!("dangling escape"),
                },
                '"' => {
                    end = Some(eq + 1 + i + 1);
                    break;
                }
                c => value.push(c),
            }
        }
        labels.insert(name, value);
        rest = &rest[end.expect("closing quote")..];
    }
}

struct Metrics(Vec<Sample>);

impl Metrics {
    /// Sum over the samples of `name` whose labels include all of `matching`.
    fn sum(&self, name: &str, matching: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                matching
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|s| s.name == name).count()
    }
}

#[test]
fn parser_reads_the_prometheus_crates_output() {
    let m = Metrics(parse_metrics(
        "# HELP x y\n# TYPE x counter\n\
         signalwire_call_events_total{direction=\"inbound\",status=\"completed\"} 3\n\
         signalwire_audio_in_mos_bucket{direction=\"inbound\",status=\"completed\",le=\"3.5\"} 1\n\
         signalwire_audio_in_mos_bucket{direction=\"inbound\",status=\"completed\",le=\"+Inf\"} 2\n\
         weird{a=\"x\\\"y,}\"} 1e3\n\
         process_open_fds 7\n",
    ));
    assert_eq!(
        m.sum(
            "signalwire_call_events_total",
            &[("direction", "inbound"), ("status", "completed")]
        ),
        3.0
    );
    assert_eq!(
        m.sum("signalwire_audio_in_mos_bucket", &[("le", "3.5")]),
        1.0
    );
    assert_eq!(m.sum("weird", &[("a", "x\"y,}")]), 1000.0);
    assert_eq!(m.sum("process_open_fds", &[]), 7.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_equals_metrics() {
    let key = "k";
    let app = Application::build(&Settings::local(vec![SigningKey::new(key)]))
        .await
        .expect("bind loopback");
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let mut config = SimConfig::new(
        format!("http://{addr}/status-callback"),
        SigningKey::new(key),
    );
    config.seed = 20_260_101;
    config.calls = Some(200);
    config.rate = 5_000.0;
    config.duplicate_ratio = 0.05;
    config.profile = Profile::Degraded;
    let summary = tokio::time::timeout(
        Duration::from_secs(60),
        simulate::run(config, std::future::pending()),
    )
    .await
    .expect("200 calls within a minute");

    // The summary is one line of JSON that reads back as itself.
    let json = summary.to_json();
    assert!(!json.contains('\n'));
    assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), summary);
    for key in [
        "seed",
        "calls",
        "deliveries",
        "duplicates",
        "non_2xx",
        "errors",
        "events",
        "terminal",
        "audio_in_packets",
        "audio_in_skipped_packets",
        "mos_observations",
        "mos_at_or_below_3_5",
        "sip_responses",
    ] {
        assert!(json.contains(&format!("\"{key}\":")), "{key} in {json}");
    }

    assert_eq!(summary.seed, 20_260_101);
    assert_eq!(summary.calls, 200);
    assert_eq!((summary.non_2xx, summary.errors), (0, 0), "{json}");
    assert!(summary.duplicates > 0, "{json}");
    assert!(summary.mos_at_or_below_3_5 > 0, "{json}");
    assert_eq!(summary.terminal.values().sum::<u64>(), 200, "{json}");

    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let m = Metrics(parse_metrics(&text));
    assert!(m.count("signalwire_call_events_total") >= 27, "{text}");

    // Every status × direction the exporter shows equals the summary, zeros included.
    let mut shown = 0;
    for s in
        m.0.iter()
            .filter(|s| s.name == "signalwire_call_events_total")
    {
        let key = format!("{}/{}", s.labels["status"], s.labels["direction"]);
        let sent = summary.events.get(&key).copied().unwrap_or(0);
        assert_eq!(s.value, sent as f64, "events {key}");
        shown += sent;
    }
    assert_eq!(shown, summary.events.values().sum::<u64>(), "{json}");
    for (key, n) in &summary.terminal {
        let (status, direction) = key.split_once('/').unwrap();
        assert!(CallStatus::parse(status).is_terminal(), "{key}");
        assert_eq!(summary.events[key], *n, "a call's terminal event is unique");
        let codes = m.sum(
            "signalwire_sip_responses_total",
            &[("status", status), ("direction", direction)],
        );
        assert_eq!(codes, *n as f64, "sip responses {key}");
    }
    for (code, n) in &summary.sip_responses {
        assert_eq!(
            m.sum("signalwire_sip_responses_total", &[("code", code)]),
            *n as f64,
            "code {code}"
        );
    }

    assert_eq!(
        m.sum("signalwire_audio_in_packets_total", &[]),
        summary.audio_in_packets as f64
    );
    assert_eq!(
        m.sum("signalwire_audio_in_skipped_packets_total", &[]),
        summary.audio_in_skipped_packets as f64
    );
    assert_eq!(
        m.sum("signalwire_audio_in_mos_count", &[]),
        summary.mos_observations as f64
    );
    assert_eq!(
        m.sum("signalwire_audio_in_mos_bucket", &[("le", "3.5")]),
        summary.mos_at_or_below_3_5 as f64
    );
    assert_eq!(
        m.sum(
            "signalwire_exporter_webhooks_total",
            &[("outcome", "duplicate")]
        ),
        summary.duplicates as f64
    );
    assert_eq!(
        m.sum(
            "signalwire_exporter_webhooks_total",
            &[("outcome", "accepted")]
        ),
        (summary.deliveries - summary.duplicates) as f64
    );
    assert_eq!(
        m.sum("signalwire_exporter_webhooks_total", &[]),
        summary.deliveries as f64,
        "no request refused"
    );
    assert_eq!(
        m.sum("signalwire_exporter_invalid_fields_total", &[]),
        0.0,
        "every simulated field is valid"
    );
    assert_eq!(
        m.sum("signalwire_exporter_unrecognized_values_total", &[]),
        0.0
    );

    let _ = stop.send(());
    server.await.unwrap();
}

#[tokio::test]
async fn wrong_key_is_counted_as_non_2xx() {
    let app = Application::build(&Settings::local(vec![SigningKey::new("right")]))
        .await
        .unwrap();
    let addr = app.local_addr();
    let server = tokio::spawn(app.run_until(std::future::pending()));
    let mut config = SimConfig::new(
        format!("http://{addr}/status-callback"),
        SigningKey::new("wrong"),
    );
    config.seed = 1;
    config.calls = Some(3);
    config.rate = 1_000.0;
    config.duplicate_ratio = 0.0;
    let summary = simulate::run(config, std::future::pending()).await;
    assert!(!summary.ok());
    assert_eq!(summary.non_2xx, summary.deliveries);
    assert!(summary.events.is_empty());
    server.abort();
}

#[tokio::test]
async fn shutdown_stops_an_endless_run() {
    let app = Application::build(&Settings::local(vec![SigningKey::new("k")]))
        .await
        .unwrap();
    let addr = app.local_addr();
    let server = tokio::spawn(app.run_until(std::future::pending()));
    let mut config = SimConfig::new(
        format!("http://{addr}/status-callback"),
        SigningKey::new("k"),
    );
    config.calls = None;
    config.rate = 200.0;
    let summary = tokio::time::timeout(
        Duration::from_secs(10),
        simulate::run(config, tokio::time::sleep(Duration::from_millis(300))),
    )
    .await
    .expect("stops soon after shutdown");
    assert!(summary.calls > 0 && summary.ok(), "{}", summary.to_json());
    server.abort();
}

/// SignalWire signs the URL it calls, prefix included. Fails today: the
/// webhook rebuilds the URL from the nested (prefix-stripped) request URI.
#[tokio::test]
async fn route_prefix_without_external_url_is_signed_with_the_prefix() {
    let mut settings = Settings::local(vec![SigningKey::new("k")]);
    settings.route_prefix = "/sw".into();
    settings.signed_url = SignedUrl::new(None, "/sw", false);
    let app = Application::build(&settings).await.unwrap();
    let addr = app.local_addr();
    let server = tokio::spawn(app.run_until(std::future::pending()));
    let mut config = SimConfig::new(
        format!("http://{addr}/sw/status-callback"),
        SigningKey::new("k"),
    );
    config.seed = 2;
    config.calls = Some(3);
    config.rate = 1_000.0;
    let summary = simulate::run(config, std::future::pending()).await;
    assert!(summary.ok(), "{}", summary.to_json());
    server.abort();
}

#[test]
fn same_seed_same_plan() {
    let a = plan(Profile::Good, 300, 42);
    let b = plan(Profile::Good, 300, 42);
    assert_eq!(a, b);
    assert_ne!(a, plan(Profile::Good, 300, 43));
    // Call n does not depend on how many calls are planned, nor on the
    // duplicate ratio.
    assert_eq!(plan(Profile::Good, 10, 42)[..], a[..10]);
    let no_retries: Vec<_> = Generator::new(Profile::Good, 42)
        .duplicate_ratio(0.0)
        .take(300)
        .collect();
    for (x, y) in a.iter().zip(&no_retries) {
        assert_eq!((&x.call_sid, x.terminal), (&y.call_sid, y.terminal));
    }
    assert!(no_retries
        .iter()
        .flat_map(|c| &c.events)
        .all(|e| !e.duplicate));
}

/// Share of answered calls with MOS <= 3.5, and of calls not answered.
fn shares(profile: Profile) -> (f64, f64) {
    let calls = plan(profile, 4000, 9);
    let answered: Vec<_> = calls
        .iter()
        .filter(|c| c.terminal.media_packets > 0)
        .collect();
    let poor = answered.iter().filter(|c| c.terminal.mos <= 3.5).count();
    (
        poor as f64 / answered.len() as f64,
        1.0 - answered.len() as f64 / calls.len() as f64,
    )
}

#[test]
fn profiles_differ_in_quality_and_failures() {
    let (good_poor, good_failed) = shares(Profile::Good);
    let (degraded_poor, degraded_failed) = shares(Profile::Degraded);
    let (outage_poor, outage_failed) = shares(Profile::Outage);
    assert!(good_poor < 0.03, "good: {good_poor}");
    assert!((0.03..0.08).contains(&good_failed), "good: {good_failed}");
    assert!(
        (0.18..0.32).contains(&degraded_poor),
        "degraded: {degraded_poor}"
    );
    assert!(degraded_poor > 5.0 * good_poor.max(0.01));
    assert!(degraded_failed > 2.0 * good_failed);
    assert!(
        outage_poor > 0.5 && outage_failed > 0.8,
        "{outage_poor} {outage_failed}"
    );
    let failed_503 = plan(Profile::Outage, 1000, 3)
        .iter()
        .filter(|c| c.terminal.sip_code == 503)
        .count();
    assert!(failed_503 > 700, "{failed_503}");
}

#[test]
fn good_calls_sound_good() {
    let calls = plan(Profile::Good, 1000, 5);
    let mos: Vec<f64> = calls
        .iter()
        .filter(|c| c.terminal.media_packets > 0)
        .map(|c| c.terminal.mos)
        .collect();
    let median = {
        let mut m = mos.clone();
        m.sort_by(f64::total_cmp);
        m[m.len() / 2]
    };
    assert!((4.3..=4.5).contains(&median), "{median}");
    for c in &calls {
        let t = c.terminal;
        let fields: BTreeMap<_, _> = c.events.last().unwrap().params.iter().cloned().collect();
        assert_eq!(fields["SipResultCode"], t.sip_code.to_string());
        assert_eq!(
            fields["AudioInMediaPacketCount"],
            t.media_packets.to_string()
        );
        assert_eq!(fields["AudioInMos"].parse::<f64>().unwrap(), t.mos);
        assert!(fields["From"].starts_with("+1") && fields["To"].len() == 12);
        let expected_sip: &[u16] = match t.status {
            CallStatus::Completed => &[200],
            CallStatus::Busy => &[486],
            CallStatus::NoAnswer => &[480, 408],
            CallStatus::Failed => &[404, 503],
            CallStatus::Canceled => &[487],
            s => panic!("not terminal: {s:?}"),
        };
        assert!(expected_sip.contains(&t.sip_code), "{t:?}");
    }
}
