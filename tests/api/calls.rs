//! Per-call state through the running exporter: setup delays, calls in
//! progress, calls forgotten unfinished, quality issues, `/calls` and the
//! status page, all read back over loopback with exact values.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

const POST_DIAL: &str = "signalwire_call_post_dial_delay_seconds";
const ANSWER: &str = "signalwire_call_answer_delay_seconds";
const ACTIVE: &str = "signalwire_calls_active";
const UNFINISHED: &str = "signalwire_calls_unfinished_total";
const ISSUES: &str = "signalwire_call_quality_issues_total";
const WITH_MEDIA: &str = "signalwire_calls_with_media_total";
const INBOUND: &[(&str, &str)] = &[("direction", "inbound")];
const TIMESTAMP: &[(&str, &str)] = &[("field", "Timestamp")];

/// The payload Timestamp `seconds` after 18:30:00.
fn at(seconds: u32) -> String {
    let (m, s) = (30 + seconds / 60, seconds % 60);
    format!("Tue, 14 Jan 2025 18:{m:02}:{s:02} +0000")
}

/// A progress event of inbound call `sid`, its SequenceNumber `seq`.
fn progress(sid: &str, status: &str, seq: u32, seconds: u32) -> Callback {
    Callback::of([
        ("AccountSid", "AC0a1b2c3d"),
        ("CallSid", sid),
        ("CallStatus", status),
        ("Direction", "inbound"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ])
    .with("SequenceNumber", seq.to_string())
    .with("Timestamp", at(seconds))
}

/// The realistic completed event (MOS 4.5, no issue) of call `sid`.
fn completed(sid: &str, seconds: u32) -> Callback {
    Callback::completed(sid).with("Timestamp", at(seconds))
}

/// A completed call with every issue: MOS 3.2, 100 of 1000 packets lost,
/// jitter variance 1200 ms².
fn bad(sid: &str) -> Callback {
    completed(sid, 20)
        .with("AudioInMos", "3.2")
        .with("AudioInMediaPacketCount", "900")
        .with("AudioInSkipPacketCount", "100")
        .with("AudioInJitterMaxVariance", "1200")
}

async fn send_all(app: &TestApp, callbacks: &[Callback]) {
    for c in callbacks {
        assert_eq!(app.post_form(c).await.status(), 204, "{c:?}");
    }
}

/// The standard setup: initiated at 0 s, ringing at 3 s, answered at 5 s,
/// completed at 60 s; post-dial delay 3 s, answer delay 2 s.
fn setup(sid: &str) -> Vec<Callback> {
    vec![
        progress(sid, "initiated", 0, 0),
        progress(sid, "ringing", 1, 3),
        progress(sid, "in-progress", 2, 5),
        completed(sid, 60),
    ]
}

/// One observation of 3 s post-dial and 2 s answer delay, inbound, exactly.
fn assert_one_setup(m: &Metrics) {
    let le = |le| bucket(INBOUND, le);
    assert_eq!(m.value(&format!("{POST_DIAL}_count"), INBOUND), 1.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_sum"), INBOUND), 3.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_bucket"), &le("2")), 0.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_bucket"), &le("3")), 1.0);
    assert_eq!(m.value(&format!("{ANSWER}_count"), INBOUND), 1.0);
    assert_eq!(m.value(&format!("{ANSWER}_sum"), INBOUND), 2.0);
    assert_eq!(m.value(&format!("{ANSWER}_bucket"), &le("1")), 0.0);
    assert_eq!(m.value(&format!("{ANSWER}_bucket"), &le("2")), 1.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    assert_eq!(
        m.value("signalwire_exporter_invalid_fields_total", TIMESTAMP),
        0.0
    );
}

#[tokio::test]
async fn both_delays_are_observed_once_with_events_in_order() {
    let app = TestApp::spawn().await;
    let events = setup("CA1");
    send_all(&app, &events[..1]).await;
    assert_eq!(app.metrics().await.value(ACTIVE, INBOUND), 1.0);
    send_all(&app, &events[1..3]).await;
    assert_eq!(app.metrics().await.value(ACTIVE, INBOUND), 1.0);
    send_all(&app, &events[3..]).await;
    assert_one_setup(&app.metrics().await);
}

#[tokio::test]
async fn both_delays_are_observed_once_with_events_reversed_and_the_call_stays_ended() {
    let app = TestApp::spawn().await;
    let mut events = setup("CA1");
    events.reverse();
    send_all(&app, &events).await;
    assert_one_setup(&app.metrics().await);
}

#[tokio::test]
async fn retries_and_a_resent_ringing_observe_each_delay_once() {
    let app = TestApp::spawn().await;
    for event in setup("CA1") {
        send_all(&app, std::slice::from_ref(&event)).await;
        // An exact retry is a duplicate (204, unrecorded).
        send_all(&app, &[event]).await;
    }
    // The same status again under a new SequenceNumber and a later time.
    send_all(&app, &[progress("CA1", "ringing", 7, 9)]).await;
    let m = app.metrics().await;
    assert_one_setup(&m);
    assert_eq!(m.outcome("duplicate"), 4.0);
}

#[tokio::test]
async fn a_terminal_event_before_the_progress_ones_still_gets_both_delays() {
    let app = TestApp::spawn().await;
    let events = setup("CA1");
    send_all(&app, &[events[3].clone(), events[0].clone()]).await;
    let m = app.metrics().await;
    // A late initiated never makes an ended call active again.
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_count"), INBOUND), 0.0);
    send_all(&app, &[events[2].clone(), events[1].clone()]).await;
    assert_one_setup(&app.metrics().await);
}

#[tokio::test]
async fn calls_that_send_only_their_terminal_event_count_issues_and_no_delay() {
    let app = TestApp::spawn().await;
    send_all(&app, &[completed("CA1", 0), bad("CA2")]).await;
    let m = app.metrics().await;
    assert_eq!(m.value(WITH_MEDIA, INBOUND), 2.0);
    let issue = |i| m.value(ISSUES, &[("direction", "inbound"), ("issue", i)]);
    assert_eq!(issue("low_mos"), 1.0);
    assert_eq!(issue("high_packet_loss"), 1.0);
    assert_eq!(issue("high_jitter"), 1.0);
    assert_eq!(issue("any"), 1.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_count"), INBOUND), 0.0);
    assert_eq!(m.value(&format!("{ANSWER}_count"), INBOUND), 0.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
}

#[tokio::test]
async fn a_call_older_than_max_age_is_unfinished_at_the_next_scrape() {
    let mut settings = settings();
    settings.calls.max_age = Duration::from_secs(60);
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings, &clock).await;
    send_all(&app, &[progress("CA1", "initiated", 0, 0)]).await;
    clock.advance(Duration::from_secs(59));
    assert_eq!(app.metrics().await.value(ACTIVE, INBOUND), 1.0);
    clock.advance(Duration::from_secs(1));
    let m = app.metrics().await;
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    let reason = |r| [("direction", "inbound"), ("reason", r)];
    assert_eq!(m.value(UNFINISHED, &reason("max_age")), 1.0);
    assert_eq!(m.value(UNFINISHED, &reason("capacity")), 0.0);
    // Its late end counts its issues and delays, and never the call twice.
    send_all(&app, &[progress("CA1", "ringing", 1, 4), bad("CA1")]).await;
    let m = app.metrics().await;
    assert_eq!(m.value(UNFINISHED, &reason("max_age")), 1.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    assert_eq!(m.value(&format!("{POST_DIAL}_sum"), INBOUND), 4.0);
    assert_eq!(
        m.value(ISSUES, &[("direction", "inbound"), ("issue", "any")]),
        1.0
    );
}

#[tokio::test]
async fn a_new_call_beyond_capacity_evicts_the_oldest_as_unfinished() {
    let mut settings = settings();
    settings.calls.capacity = 2;
    let app = TestApp::spawn_with(settings).await;
    for sid in ["CA1", "CA2", "CA3"] {
        send_all(&app, &[progress(sid, "initiated", 0, 0)]).await;
    }
    let m = app.metrics().await;
    assert_eq!(m.value(ACTIVE, INBOUND), 2.0);
    let reason = |r| [("direction", "inbound"), ("reason", r)];
    assert_eq!(m.value(UNFINISHED, &reason("capacity")), 1.0);
    assert_eq!(m.value(UNFINISHED, &reason("max_age")), 0.0);
    // The evicted call's end counts as a call with media, nothing else.
    send_all(&app, &[completed("CA1", 30)]).await;
    let m = app.metrics().await;
    assert_eq!(m.value(ACTIVE, INBOUND), 2.0);
    assert_eq!(m.value(WITH_MEDIA, INBOUND), 1.0);
    assert_eq!(m.value(UNFINISHED, &reason("capacity")), 1.0);
}

#[tokio::test]
async fn a_negative_delay_counts_once_per_delay_as_an_invalid_timestamp() {
    let app = TestApp::spawn().await;
    // Ringing before initiated, in-progress before ringing: two negatives.
    let events = [
        progress("CA1", "initiated", 0, 10),
        progress("CA1", "ringing", 1, 5),
        progress("CA1", "in-progress", 2, 0),
    ];
    send_all(&app, &events).await;
    // An unparseable Timestamp counts once, for its event only.
    send_all(&app, &[progress("CA2", "initiated", 0, 0)]).await;
    let broken = progress("CA2", "ringing", 1, 0).with("Timestamp", "soon");
    send_all(&app, &[broken, progress("CA2", "in-progress", 2, 3)]).await;
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_exporter_invalid_fields_total", TIMESTAMP),
        3.0
    );
    assert_eq!(m.value(&format!("{POST_DIAL}_count"), INBOUND), 0.0);
    assert_eq!(m.value(&format!("{ANSWER}_count"), INBOUND), 0.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 2.0);
}

#[tokio::test]
async fn junk_directions_and_statuses_add_no_series_beyond_the_closed_sets() {
    let app = TestApp::spawn().await;
    let before = app.metrics().await;
    let junk = [
        progress("CA1", "teleported", 0, 0),
        progress("CA2", "initiated", 0, 0).with("Direction", "sideways"),
        bad("CA3").with("Direction", "<script>"),
    ];
    send_all(&app, &junk).await;
    let m = app.metrics().await;
    // An unknown status does not touch the table; unknown directions are
    // `other`, whose series appear once used, like every family's.
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    assert_eq!(m.value(ACTIVE, &[("direction", "other")]), 1.0);
    assert_eq!(m.value(WITH_MEDIA, &[("direction", "other")]), 1.0);
    let growth = [(ACTIVE, 1), (WITH_MEDIA, 1), (ISSUES, 4), (UNFINISHED, 2)];
    for (family, added) in growth {
        assert_eq!(before.series_count(family), 3 * added, "{family}");
        assert_eq!(m.series_count(family), 4 * added, "{family}");
    }
    let buckets = format!("{POST_DIAL}_bucket");
    assert_eq!(m.series_count(&buckets), 4 * 13);
    for value in m.label_values() {
        assert!(
            !["teleported", "sideways", "<script>"].contains(&value),
            "{value}"
        );
    }
}

async fn calls_json(app: &TestApp, query: &str) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/calls{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    assert_eq!(response.headers()["content-type"], "application/json");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// The entries without `received_at`, after checking it is RFC 3339.
fn without_received_at(page: &Value) -> Vec<Value> {
    page["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            let at = c["received_at"].as_str().unwrap().to_owned();
            assert!(at.contains('T') && at.ends_with('Z'), "{at}");
            c.as_object_mut().unwrap().remove("received_at");
            c
        })
        .collect()
}

fn failed(sid: &str) -> Callback {
    Callback::of([
        ("CallSid", sid),
        ("CallStatus", "failed"),
        ("Direction", "outbound-api"),
        ("SipResultCode", "503"),
        ("From", "+14158675309"),
        ("CallerName", "Ada Lovelace"),
    ])
}

#[tokio::test]
async fn calls_lists_bad_and_failed_calls_newest_first_with_every_key() {
    let app = TestApp::spawn().await;
    let mut events = setup("CA1");
    events[3] = bad("CA1");
    send_all(&app, &events).await;
    send_all(&app, &[completed("CA2", 0), failed("CA3")]).await;
    let page = calls_json(&app, "").await;
    let want = vec![
        json!({
            "account_sid": "", "call_sid": "CA3", "project": null, "status": "failed",
            "direction": "outbound-api", "sip_result_code": 503,
            "duration_seconds": null, "mos": null, "packet_loss_ratio": null,
            "jitter_max_variance": null, "post_dial_delay_seconds": null,
            "answer_delay_seconds": null, "issues": [], "country": null,
        }),
        json!({
            "account_sid": "AC0a1b2c3d", "call_sid": "CA1", "project": null,
            "status": "completed",
            "direction": "inbound", "sip_result_code": 200, "duration_seconds": 57,
            "mos": 3.2, "packet_loss_ratio": 0.1, "jitter_max_variance": 1200,
            "post_dial_delay_seconds": 3, "answer_delay_seconds": 2,
            "issues": ["low_mos", "high_packet_loss", "high_jitter"], "country": null,
        }),
    ];
    assert_eq!(without_received_at(&page), want);
}

#[tokio::test]
async fn calls_filters_combine_and_the_limit_applies_after_them() {
    let app = TestApp::spawn().await;
    let low_mos = completed("CA4", 0).with("AudioInMos", "3.0");
    send_all(&app, &[bad("CA1"), failed("CA2"), low_mos, failed("CA5")]).await;
    let sids = |page: Value| -> Vec<String> {
        let calls = page["calls"].as_array().unwrap().clone();
        calls
            .iter()
            .map(|c| c["call_sid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        sids(calls_json(&app, "").await),
        ["CA5", "CA4", "CA2", "CA1"]
    );
    assert_eq!(
        sids(calls_json(&app, "?issue=low_mos").await),
        ["CA4", "CA1"]
    );
    assert_eq!(sids(calls_json(&app, "?issue=high_jitter").await), ["CA1"]);
    assert_eq!(sids(calls_json(&app, "?issue=any&limit=1").await), ["CA4"]);
    assert_eq!(
        sids(calls_json(&app, "?status=failed&limit=1").await),
        ["CA5"]
    );
    let both = "?direction=inbound&status=failed";
    assert_eq!(sids(calls_json(&app, both).await), Vec::<String>::new());
    let outbound = "?direction=outbound-api&limit=5";
    assert_eq!(sids(calls_json(&app, outbound).await), ["CA5", "CA2"]);
    assert_eq!(
        sids(calls_json(&app, "?limit=0").await),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_bad_filter_or_limit_gets_400_with_a_one_line_reason() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "issue=loud",
            "issue=\"loud\" is not one of low_mos, high_packet_loss, high_jitter, silence, any\n",
        ),
        (
            "status=ringing",
            "status=\"ringing\" is not one of completed, busy, failed, no-answer, canceled\n",
        ),
        (
            "limit=-1",
            "limit=\"-1\" is not a whole number from 0 to 18446744073709551615\n",
        ),
        ("format=xml", "format=\"xml\" is not one of html, json\n"),
    ];
    for (query, reason) in cases {
        let response = app
            .client
            .get(app.url(&format!("/calls?{query}")))
            .send()
            .await;
        let response = response.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        assert_eq!(response.text().await.unwrap(), reason);
    }
}

#[tokio::test]
async fn numbers_and_names_are_hidden_by_default_and_shown_with_include_numbers() {
    let app = TestApp::spawn().await;
    send_all(&app, &[failed("CA1").with("To", "+18005551212")]).await;
    let entry = &calls_json(&app, "").await["calls"][0];
    for key in ["from", "to", "forwarded_from", "caller_name"] {
        assert!(entry.get(key).is_none(), "{key} in {entry}");
    }

    let mut settings = settings();
    settings.calls.include_numbers = true;
    let app = TestApp::spawn_with(settings).await;
    send_all(&app, &[failed("CA1").with("To", "+18005551212")]).await;
    let entry = &calls_json(&app, "").await["calls"][0];
    assert_eq!(entry["from"], "+14158675309");
    assert_eq!(entry["to"], "+18005551212");
    assert_eq!(entry["forwarded_from"], Value::Null);
    assert_eq!(entry["caller_name"], "Ada Lovelace");
}

async fn status_of(client: &reqwest::Client, url: &str, auth: Option<&str>) -> u16 {
    let mut request = client.get(url);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn calls_and_the_status_page_ask_for_the_credentials_of_metrics() {
    for (auth, header) in [
        (
            MetricsAuth {
                basic: Some("prom:s3cret".into()),
                ..MetricsAuth::default()
            },
            "Basic cHJvbTpzM2NyZXQ=",
        ),
        (
            MetricsAuth {
                bearer: Some("tok".into()),
                ..MetricsAuth::default()
            },
            "Bearer tok",
        ),
    ] {
        let mut settings = settings();
        settings.metrics_auth = auth;
        let app = TestApp::spawn_with(settings).await;
        for path in ["/calls", "/calls?format=html", "/", "/metrics"] {
            let url = app.url(path);
            assert_eq!(status_of(&app.client, &url, None).await, 401, "{path}");
            assert_eq!(status_of(&app.client, &url, Some("Bearer no")).await, 401);
            assert_eq!(
                status_of(&app.client, &url, Some(header)).await,
                200,
                "{path}"
            );
        }
        assert_eq!(
            status_of(&app.client, &app.url("/healthz"), None).await,
            200
        );
    }
}

async fn html(client: &reqwest::Client, url: &str, accept: &str) -> String {
    let response = client
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    );
    response.text().await.unwrap()
}

const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

#[tokio::test]
async fn browsers_get_calls_as_html_and_the_status_page_with_its_figures() {
    let app = TestApp::spawn().await;
    send_all(&app, &[bad("CA1"), failed("CA2")]).await;
    for page in [
        html(&app.client, &app.url("/calls"), BROWSER).await,
        html(&app.client, &app.url("/calls?format=html"), "*/*").await,
    ] {
        assert!(page.contains("<h1>Bad calls</h1>"), "{page}");
        assert!(page.contains("CA1") && page.contains("CA2"), "{page}");
    }
    let status = html(&app.client, &app.url("/"), BROWSER).await;
    assert!(status.contains("<h1>SignalWire Exporter</h1>"), "{status}");
    assert!(status.contains("CA1"), "{status}");
    assert!(status.contains("href=\"/calls"), "{status}");
}

#[tokio::test]
async fn with_a_metrics_listener_the_main_page_keeps_only_the_links() {
    let mut settings = settings();
    settings.metrics_listen_address = Some(([127, 0, 0, 1], 0).into());
    let application = Application::build(&settings).await.unwrap();
    let metrics = application.metrics_addr().unwrap();
    let app = TestApp::from_application(application);
    send_all(&app, &[bad("CA1")]).await;
    let main = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(main.status(), 200);
    let main = main.text().await.unwrap();
    assert!(main.contains("<h1>SignalWire Exporter</h1>"), "{main}");
    assert!(!main.contains("CA1"), "{main}");
    assert_eq!(status_of(&app.client, &app.url("/calls"), None).await, 404);
    let status = html(&app.client, &format!("http://{metrics}/"), BROWSER).await;
    assert!(status.contains("CA1"), "{status}");
    let calls = format!("http://{metrics}/calls");
    assert_eq!(status_of(&app.client, &calls, None).await, 200);
}

/// The exporter's log once it holds `needle` (bounded wait), or all of it.
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
    let signed = Signed::callback(&SigningKey::new("log-key"), &url, Wire::Form, callback);
    assert_eq!(signed.send(&reqwest::Client::new()).await.status(), 204);
}

#[tokio::test]
async fn each_listed_call_logs_one_line_with_its_fields_and_numbers_only_when_asked() {
    let exporter = Exporter::start("log-key", None, &[]).await;
    send_to(&exporter, &completed("CA0", 0)).await;
    send_to(&exporter, &failed("CA1")).await;
    let log = log_with(&exporter, "call_sid=CA1").await;
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("call_sid=")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    for field in [
        "level=info",
        "account_sid=",
        "status=failed",
        "direction=outbound-api",
        "sip_result_code=503",
        "issues=",
    ] {
        assert!(lines[0].contains(field), "{field} in {}", lines[0]);
    }
    assert!(
        !log.contains("+14158675309") && !log.contains("Ada"),
        "{log}"
    );

    let args = ["--calls.include-numbers", "--log.format", "json"];
    let exporter = Exporter::start("log-key", None, &args).await;
    send_to(&exporter, &failed("CA1")).await;
    let log = log_with(&exporter, "\"call_sid\":\"CA1\"").await;
    let line = log
        .lines()
        .find(|l| l.contains("\"call_sid\""))
        .expect("a call line");
    let entry: Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["from"], "+14158675309", "{line}");
    assert_eq!(entry["caller_name"], "Ada Lovelace", "{line}");
    assert_eq!(entry["sip_result_code"], 503, "{line}");
}

#[tokio::test]
async fn under_a_route_prefix_the_status_page_and_calls_link_to_each_other() {
    let mut settings = settings();
    settings.route_prefix = "/sw".into();
    settings.signed_url = SignedUrl::new(None, "/sw", false);
    let app = TestApp::spawn_with(settings).await;
    let status = html(&app.client, &app.url("/sw"), BROWSER).await;
    assert!(status.contains("href=\"/sw/calls"), "{status}");
    assert!(status.contains("href=\"/sw/metrics\""), "{status}");
    let calls = html(&app.client, &app.url("/sw/calls"), BROWSER).await;
    assert!(calls.contains("href=\"/sw\""), "{calls}");
    let json = app.client.get(app.url("/sw/calls")).send().await.unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    assert_eq!(json.text().await.unwrap(), "{\"calls\":[]}");
}

/// Subscribed to `answered`, SignalWire sends `answered` and `in-progress`:
/// both are known statuses, the call is active from either, and the answer
/// delay runs to the earliest of them, once.
#[tokio::test]
async fn an_answered_callback_is_a_known_status_that_answers_the_call() {
    let app = TestApp::spawn().await;
    send_all(
        &app,
        &[
            progress("CA1", "initiated", 0, 0),
            progress("CA1", "answered", 2, 6),
            progress("CA1", "in-progress", 4, 5),
        ],
    )
    .await;
    let m = app.metrics().await;
    let answered = &[("direction", "inbound"), ("status", "answered")];
    assert_eq!(m.value("signalwire_call_events_total", answered), 1.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 1.0);
    assert_eq!(m.value(&format!("{ANSWER}_count"), INBOUND), 0.0);
    let unrecognized = "signalwire_exporter_unrecognized_values_total";
    assert_eq!(m.value(unrecognized, &[("field", "CallStatus")]), 0.0);
    let other = &[("direction", "inbound"), ("status", "other")];
    assert_eq!(m.get("signalwire_call_events_total", other), None);

    send_all(&app, &[progress("CA1", "ringing", 1, 3)]).await;
    // An earlier-stamped answer after the delay was observed changes nothing.
    send_all(&app, &[progress("CA1", "answered", 5, 4)]).await;
    send_all(&app, &[completed("CA1", 60)]).await;
    let m = app.metrics().await;
    assert_eq!(m.value(&format!("{ANSWER}_count"), INBOUND), 1.0);
    assert_eq!(m.value(&format!("{ANSWER}_sum"), INBOUND), 2.0);
    assert_eq!(m.value(ACTIVE, INBOUND), 0.0);
    assert_eq!(m.value("signalwire_call_events_total", answered), 2.0);
    assert_eq!(m.value(unrecognized, &[("field", "CallStatus")]), 0.0);
}
