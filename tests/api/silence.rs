//! Silent calls (one-way audio) through the running exporter: the rule at
//! its edges, `signalwire_calls_silent_total`, `/calls`, the log line and
//! the two `--quality.silence-*` flags, read back with exact values.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

const SILENT: &str = "signalwire_calls_silent_total";
const ISSUES: &str = "signalwire_call_quality_issues_total";
const INBOUND: &[(&str, &str)] = &[("direction", "inbound")];

/// A completed inbound call of `seconds` with `packets` inbound packets.
/// With 0 packets SignalWire sends no MOS, jitter or ptime to speak of.
fn call(sid: &str, seconds: &str, packets: &str) -> Callback {
    let c = Callback::completed(sid)
        .with("CallDuration", seconds)
        .with("AudioInMediaPacketCount", packets);
    if packets == "0" {
        return c.with("AudioInMos", "0").with("AudioInAveragePtime", "0");
    }
    c
}

async fn send_all(app: &TestApp, callbacks: &[Callback]) {
    for c in callbacks {
        assert_eq!(app.post_form(c).await.status(), 204, "{c:?}");
    }
}

async fn calls(app: &TestApp, query: &str) -> Vec<(String, Vec<String>)> {
    let url = app.url(&format!("/calls{query}"));
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let page: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    page["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let issues = c["issues"].as_array().unwrap().iter().map(text);
            (text(&c["call_sid"]), issues.collect())
        })
        .collect()
}

#[tokio::test]
async fn silent_calls_start_at_zero_for_each_known_direction_and_other_appears_on_use() {
    let app = TestApp::spawn().await;
    let m = app.metrics().await;
    for d in ["inbound", "outbound-api", "outbound-dial"] {
        assert_eq!(m.value(SILENT, &[("direction", d)]), 0.0, "{d}");
    }
    assert_eq!(m.series_count(SILENT), 3);
    send_all(&app, &[call("CA1", "60", "0").with("Direction", "<x>")]).await;
    let m = app.metrics().await;
    assert_eq!(m.series_count(SILENT), 4);
    assert_eq!(m.value(SILENT, &[("direction", "other")]), 1.0);
    assert_eq!(m.value(SILENT, INBOUND), 0.0);
}

#[tokio::test]
async fn a_call_is_silent_below_a_tenth_of_its_expected_packets_counted_once() {
    let app = TestApp::spawn().await;
    // At 30 ms, 60 s expects 2000 packets: silent below 200. At 20.01 ms,
    // 57 s expects 2848.6: silent below 284.86.
    let at_30 = |sid, packets| call(sid, "60", packets).with("AudioInAveragePtime", "30");
    send_all(
        &app,
        &[
            at_30("CA1", "199"),
            at_30("CA2", "200"),
            call("CA3", "57", "284"),
            call("CA4", "57", "285"),
            call("CA5", "60", "0"),
        ],
    )
    .await;
    // A retry and a second terminal event of a silent call count nothing.
    send_all(&app, &[call("CA5", "60", "0")]).await;
    send_all(&app, &[call("CA5", "61", "0").with("SequenceNumber", "9")]).await;
    let m = app.metrics().await;
    assert_eq!(m.value(SILENT, INBOUND), 3.0);
    assert_eq!(m.outcome("duplicate"), 1.0);
    // Silence is no quality issue: CA1 and CA3 have media and no issue.
    let any = [("direction", "inbound"), ("issue", "any")];
    assert_eq!(m.value(ISSUES, &any), 0.0);
    assert_eq!(m.value("signalwire_calls_with_media_total", INBOUND), 4.0);
}

#[tokio::test]
async fn short_unfinished_or_unreadable_calls_are_not_judged_and_bad_ptimes_mean_20_ms() {
    let app = TestApp::spawn().await;
    let failed = call("CA3", "60", "0").with("CallStatus", "failed");
    send_all(
        &app,
        &[
            call("CA1", "4.9", "0"),
            call("CA2", "5", "0"),
            failed,
            call("CA4", "-60", "0"),
            call("CA5", "60", "none"),
            call("CA6", "60", "-1"),
            call("CA7", "abc", "0"),
            call("CA8", "60", "0").without("CallDuration"),
            call("CA9", "60", "0").without("AudioInMediaPacketCount"),
        ],
    )
    .await;
    let m = app.metrics().await;
    // Only CA2, at exactly the minimum duration.
    assert_eq!(m.value(SILENT, INBOUND), 1.0);
    let invalid = |f| m.value(INVALID_FIELDS, &[("field", f)]);
    assert_eq!(invalid("CallDuration"), 2.0);
    assert_eq!(invalid("AudioInMediaPacketCount"), 2.0);

    // 60 s at the 20 ms fallback expects 3000: silent below 300.
    let ptime = |sid, packets, ptime| call(sid, "60", packets).with("AudioInAveragePtime", ptime);
    send_all(
        &app,
        &[
            ptime("CB1", "299", "0"),
            ptime("CB2", "300", "0"),
            ptime("CB3", "299", "-20"),
            ptime("CB4", "300", "-20"),
            ptime("CB5", "299", "soon"),
        ],
    )
    .await;
    let m = app.metrics().await;
    assert_eq!(m.value(SILENT, INBOUND), 4.0);
    assert_eq!(
        m.value(INVALID_FIELDS, &[("field", "AudioInAveragePtime")]),
        3.0
    );
}

#[tokio::test]
async fn calls_lists_a_silent_call_with_silence_after_its_issues_and_filters_for_it() {
    let app = TestApp::spawn().await;
    let low_mos_and_silent = call("CA2", "60", "100").with("AudioInMos", "3.0");
    let low_mos = Callback::completed("CA3").with("AudioInMos", "3.0");
    send_all(
        &app,
        &[
            call("CA1", "60", "0"),
            low_mos_and_silent,
            low_mos,
            Callback::completed("CA4"),
        ],
    )
    .await;
    let owned = |sid: &str, issues: &[&str]| {
        let issues = issues.iter().map(|s| s.to_string()).collect();
        (sid.to_owned(), issues)
    };
    let all = vec![
        owned("CA3", &["low_mos"]),
        owned("CA2", &["low_mos", "silence"]),
        owned("CA1", &["silence"]),
    ];
    assert_eq!(calls(&app, "").await, all);
    assert_eq!(calls(&app, "?issue=any").await, all);
    assert_eq!(calls(&app, "?issue=silence").await, all[1..]);
    assert_eq!(calls(&app, "?issue=low_mos").await, all[..2]);
    assert_eq!(calls(&app, "?issue=silence&limit=1").await, all[1..2]);
    let twice = app.url("/calls?issue=silence&issue=low_mos");
    let response = app.client.get(twice).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        "issue= is given more than once\n"
    );
}

/// The exporter's log once it holds `needle` (bounded wait).
async fn log_with(exporter: &Exporter, needle: &str) -> String {
    for _ in 0..100 {
        if exporter.log().contains(needle) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    exporter.log()
}

async fn send_to(exporter: &Exporter, callback: &Callback) {
    let url = exporter.url("/status-callback");
    let signed = Signed::callback(&SigningKey::new("silence-key"), &url, Wire::Form, callback);
    assert_eq!(signed.send(&reqwest::Client::new()).await.status(), 204);
}

#[tokio::test]
async fn the_flags_move_the_rule_and_the_log_line_names_silence() {
    let args = [
        "--quality.silence-min-duration=1m",
        "--quality.silence-ratio=0.5",
    ];
    let exporter = Exporter::start("silence-key", None, &args).await;
    // 59 s is too short now; 60 s at 20 ms expects 3000, silent below 1500.
    for c in [
        call("CA1", "59", "0"),
        call("CA2", "60", "1499"),
        call("CA3", "60", "1500"),
    ] {
        send_to(&exporter, &c).await;
    }
    let log = log_with(&exporter, "call_sid=CA2").await;
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("call_sid=")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("call_sid=CA2"), "{}", lines[0]);
    assert!(lines[0].contains("issues=silence"), "{}", lines[0]);
    let client = reqwest::Client::new();
    let m = scrape(&client, &exporter.url("/metrics")).await;
    assert_eq!(m.value(SILENT, INBOUND), 1.0);
}

/// The real binary's exit code and stderr with only `env` set.
fn refused(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .expect("run the exporter");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr)
}

/// Arguments, environment, and the first line of stderr.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn bad_silence_settings_stop_the_exporter_with_a_one_line_reason() {
    const KEY: &str = "--signalwire.signing-key=k";
    const RATIO: &str = "SIGNALWIRE_EXPORTER_QUALITY_SILENCE_RATIO";
    const DURATION: &str = "SIGNALWIRE_EXPORTER_QUALITY_SILENCE_MIN_DURATION";
    let cases: [Case; 5] = [
        (
            &[KEY, "--quality.silence-ratio=1.5"],
            &[],
            "signalwire-exporter: --quality.silence-ratio must be from 0 to 1, not 1.5\n",
        ),
        (
            &[KEY],
            &[(RATIO, "-0.1")],
            "signalwire-exporter: --quality.silence-ratio must be from 0 to 1, not -0.1\n",
        ),
        (
            &[KEY],
            &[(RATIO, "NaN")],
            "signalwire-exporter: --quality.silence-ratio must be from 0 to 1, not NaN\n",
        ),
        (
            &[KEY, "--quality.silence-ratio=tenth"],
            &[],
            "error: invalid value 'tenth' for '--quality.silence-ratio <RATIO>': \
             invalid float literal\n",
        ),
        (
            &[KEY],
            &[(DURATION, "soon")],
            "error: invalid value 'soon' for \
             '--quality.silence-min-duration <DURATION>': expected number at 0\n",
        ),
    ];
    for (args, env, message) in cases {
        let (code, stderr) = refused(args, env);
        assert_eq!(code, Some(2), "{args:?} {env:?}: {stderr}");
        // The first line: clap adds a hint to try --help after its own.
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(format!("{first}\n"), message, "{args:?} {env:?}");
    }
}
