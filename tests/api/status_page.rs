//! The status page's figures over HTTP: its JSON at `GET /` (exact values),
//! which format wins, the window before and after 5 minutes and the hour,
//! moved by a hand-driven clock; duplicates never count.

use std::time::Duration;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::*;

fn ended(sid: &str, status: &str) -> Callback {
    Callback::of([
        ("CallSid", sid),
        ("CallStatus", status),
        ("Direction", "outbound-api"),
    ])
}

/// A completed call with every quality issue.
fn bad(sid: &str) -> Callback {
    Callback::completed(sid)
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

async fn get(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.unwrap()
}

/// `GET /` as JSON, which must answer 200 with `application/json`.
async fn figures(app: &TestApp) -> Value {
    let response = get(app, "/", Some("application/json")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

fn none_ended() -> Value {
    json!({"completed": 0, "busy": 0, "no-answer": 0, "failed": 0, "canceled": 0})
}

/// The minutes' starts: 60 whole minutes in a row, oldest first.
fn assert_sixty_minutes(minutes: &Value) -> Vec<OffsetDateTime> {
    let minutes = minutes.as_array().unwrap();
    assert_eq!(minutes.len(), 60);
    let starts: Vec<OffsetDateTime> = minutes
        .iter()
        .map(|m| OffsetDateTime::parse(m["start"].as_str().unwrap(), &Rfc3339).unwrap())
        .collect();
    for pair in starts.windows(2) {
        assert_eq!(pair[1] - pair[0], time::Duration::MINUTE);
    }
    assert_eq!((starts[0].second(), starts[0].nanosecond()), (0, 0));
    starts
}

/// Every minute but those at `except` (index: count) is empty.
fn assert_only(minutes: &Value, except: &[(usize, Value)]) {
    for (i, m) in minutes.as_array().unwrap().iter().enumerate() {
        let mut m = m.clone();
        m.as_object_mut().unwrap().remove("start");
        let empty = json!({"ended": none_ended(), "with_media": 0, "any": 0, "silent": 0});
        let expected = except
            .iter()
            .find(|(at, _)| *at == i)
            .map_or(empty, |e| e.1.clone());
        assert_eq!(m, expected, "minute {i}");
    }
}

#[tokio::test]
async fn the_status_page_json_has_exactly_the_window_the_verdict_and_the_hour() {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings(), &clock).await;
    clock.advance(Duration::from_secs(400));
    send_all(
        &app,
        &[
            Callback::completed("CA1"),
            bad("CA2"),
            ended("CA3", "failed"),
            ended("CA4", "busy"),
            ended("CA5", "no-answer"),
            ended("CA6", "canceled"),
        ],
    )
    .await;
    let mut f = figures(&app).await;
    let minutes = f.as_object_mut().unwrap().remove("minutes").unwrap();
    assert_eq!(
        f,
        json!({
            "window_seconds": 300,
            "ended": {"completed": 2, "busy": 1, "no-answer": 1, "failed": 1, "canceled": 1},
            "with_media": 2,
            "issues": {"low_mos": 1, "high_packet_loss": 1, "high_jitter": 1, "any": 1},
            "silent": 0,
            "verdict": {
                "level": "unknown",
                "condition": null,
                "text": "Too few calls to judge: 6 calls ended in the last 5 minutes."
            }
        })
    );
    assert_sixty_minutes(&minutes);
    let now = json!({
        "ended": {"completed": 2, "busy": 1, "no-answer": 1, "failed": 1, "canceled": 1},
        "with_media": 2, "any": 1, "silent": 0
    });
    assert_only(&minutes, &[(59, now)]);
}

#[tokio::test]
async fn thirty_four_failures_out_of_fifty_ended_are_critical_failures() {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings(), &clock).await;
    clock.advance(Duration::from_secs(300));
    let calls: Vec<Callback> = (0..50)
        .map(|i| ended(&format!("CA{i}"), ["failed", "busy", "completed"][i % 3]))
        .collect();
    send_all(&app, &calls).await;
    let f = figures(&app).await;
    // 34 of 50 (68%) failed or busy: above SignalWireCallFailureRateHigh's 10%.
    assert_eq!(
        f["verdict"],
        json!({
            "level": "critical",
            "condition": "failures",
            "text": "Calls degraded: failures in 68% of 50 calls ended in the last 5 minutes."
        })
    );
}

#[tokio::test]
async fn format_json_wins_over_accept_and_a_bad_format_is_refused_in_one_line() {
    let app = TestApp::spawn().await;
    let browser = "text/html,application/xhtml+xml,*/*;q=0.8";
    for (path, accept, json) in [
        ("/?format=json", Some(browser), true),
        ("/?format=json", Some("text/html"), true),
        ("/?format=html", Some("application/json"), false),
        ("/", Some("application/json"), true),
        ("/", Some("application/json, text/html;q=0.5"), true),
        ("/", Some("*/*"), false),
        ("/", None, false),
        ("/", Some(browser), false),
    ] {
        let response = get(&app, path, accept).await;
        assert_eq!(response.status(), 200, "{path} {accept:?}");
        let ct = &response.headers()["content-type"];
        let expected = if json {
            "application/json"
        } else {
            "text/html; charset=utf-8"
        };
        assert_eq!(ct, expected, "{path} {accept:?}");
        let body = response.text().await.unwrap();
        assert_eq!(
            body.starts_with("{\"window_seconds\":"),
            json,
            "{path} {accept:?}"
        );
    }
    for (path, reason) in [
        ("/?format=xml", "format=\"xml\" is not one of html, json\n"),
        (
            "/?format=json&format=html",
            "format= is given more than once\n",
        ),
    ] {
        let response = get(&app, path, Some("application/json")).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(response.text().await.unwrap(), reason);
    }
}

#[tokio::test]
async fn the_json_asks_for_the_credentials_of_metrics() {
    let mut settings = settings();
    settings.metrics_auth = MetricsAuth {
        bearer: Some("tok".into()),
        ..MetricsAuth::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let url = app.url("/?format=json");
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
    let ok = app.client.get(&url).header("authorization", "Bearer tok");
    let response = ok.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn before_five_minutes_the_window_is_since_start_with_the_elapsed_time() {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings(), &clock).await;
    clock.advance(Duration::from_secs(90));
    send_all(&app, &[Callback::completed("CA1")]).await;
    let f = figures(&app).await;
    assert_eq!(f["window_seconds"], 90);
    assert_eq!(
        f["verdict"]["text"],
        "Too few calls to judge: 1 call ended since start (1 min 30 s)."
    );
    let page = get(&app, "/", None).await.text().await.unwrap();
    assert!(
        page.contains("1 with media · since start (1 min 30 s)</div>"),
        "{page}"
    );
    assert!(!page.contains("last 5 minutes"), "{page}");

    clock.advance(Duration::from_secs(210));
    let f = figures(&app).await;
    assert_eq!(f["window_seconds"], 300);
    // The call at 90 s is still within the last 5 minutes.
    assert_eq!(f["ended"]["completed"], 1);
    assert_eq!(
        f["verdict"]["text"],
        "Too few calls to judge: 1 call ended in the last 5 minutes."
    );
    let page = get(&app, "/", None).await.text().await.unwrap();
    assert!(
        page.contains("1 with media · last 5 minutes</div>"),
        "{page}"
    );
    clock.advance(Duration::from_secs(86_400));
    let f = figures(&app).await;
    assert_eq!(
        (f["window_seconds"].clone(), f["ended"].clone()),
        (json!(300), none_ended())
    );
    assert_eq!(
        f["verdict"]["text"],
        "No calls ended in the last 5 minutes."
    );
}

#[tokio::test]
async fn the_hour_keeps_each_call_in_its_minute_for_sixty_minutes() {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings(), &clock).await;
    send_all(&app, &[ended("CA1", "failed")]).await;
    let first = assert_sixty_minutes(&figures(&app).await["minutes"])[59];
    let failed = json!({
        "ended": {"completed": 0, "busy": 0, "no-answer": 0, "failed": 1, "canceled": 0},
        "with_media": 0, "any": 0, "silent": 0
    });
    clock.advance(Duration::from_secs(30 * 60));
    send_all(&app, &[bad("CA2")]).await;
    let f = figures(&app).await;
    let starts = assert_sixty_minutes(&f["minutes"]);
    assert_eq!(starts[59] - first, time::Duration::minutes(30));
    let bad_minute = json!({
        "ended": {"completed": 1, "busy": 0, "no-answer": 0, "failed": 0, "canceled": 0},
        "with_media": 1, "any": 1, "silent": 0
    });
    assert_only(
        &f["minutes"],
        &[(29, failed.clone()), (59, bad_minute.clone())],
    );
    // The 5-minute window forgot the first call long ago.
    assert_eq!(f["ended"]["failed"], 0);

    // 59 minutes on, the first call's minute is the oldest; one more and it is gone.
    clock.advance(Duration::from_secs(29 * 60));
    let f = figures(&app).await;
    assert_eq!(assert_sixty_minutes(&f["minutes"])[0], first);
    assert_only(&f["minutes"], &[(0, failed), (30, bad_minute.clone())]);
    clock.advance(Duration::from_secs(60));
    let f = figures(&app).await;
    assert_only(&f["minutes"], &[(29, bad_minute)]);
}

#[tokio::test]
async fn retries_and_a_second_terminal_event_of_a_call_count_it_once() {
    let app = TestApp::spawn().await;
    let call = bad("CA1");
    send_all(&app, &[call.clone(), call.clone(), call.clone()]).await;
    // Another terminal event of the same call, not a retry of the first.
    let again = bad("CA1")
        .with("CallStatus", "failed")
        .with("SequenceNumber", "9");
    send_all(&app, &[again]).await;
    assert_eq!(app.metrics().await.outcome("duplicate"), 2.0);
    let f = figures(&app).await;
    let one = json!({"completed": 1, "busy": 0, "no-answer": 0, "failed": 0, "canceled": 0});
    assert_eq!(f["ended"], one);
    assert_eq!(
        (f["with_media"].clone(), f["issues"]["any"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(f["minutes"][59]["ended"], one);
}

/// Needs the silence rule (branch "silence"): until it is merged the
/// exporter has no `signalwire_calls_silent_total` and this test returns
/// early; after the merge it runs.
#[tokio::test]
async fn a_silent_call_counts_in_the_window_the_minute_and_the_silence_card() {
    let app = TestApp::spawn().await;
    if app
        .metrics()
        .await
        .series_count("signalwire_calls_silent_total")
        == 0
    {
        eprintln!("no silence rule yet: skipped until the silence branch is merged");
        return;
    }
    let silent = Callback::completed("CA1")
        .with("CallDuration", "60")
        .with("AudioInMediaPacketCount", "0");
    send_all(&app, &[silent, Callback::completed("CA2")]).await;
    let f = figures(&app).await;
    assert_eq!(f["silent"], 1);
    assert_eq!(f["ended"]["completed"], 2);
    assert_eq!(f["minutes"][59]["silent"], 1);
    let page = get(&app, "/", None).await.text().await.unwrap();
    assert!(
        page.contains(
            "id=\"share-silence\" href=\"/calls?issue=silence\"><div class=\"big\">50%</div>\
             <div class=\"what\">Silent</div>\
             <div class=\"sub\">no inbound audio · 1 of 2 calls, under 30: no alert</div></a>"
        ),
        "{page}"
    );
}
