//! `POST /call-state`: SWML's and the Calling API's JSON call-state
//! webhooks through the running exporter, exact values read back from
//! /metrics and /calls.

use serde_json::{json, Value};

use crate::support::*;

const EVENTS: &str = "signalwire_call_events_total";
const OUTCOMES: &str = "signalwire_exporter_call_state_webhooks_total";
const END_REASONS: &str = "signalwire_call_end_reasons_total";
const UNRECOGNIZED: &str = "signalwire_exporter_unrecognized_values_total";
const PROJECT: &str = "c2d1e0f9-project";
const T0: f64 = 1_764_000_000.0;

/// A `calling.call.state` event of `call`, `seconds` after `T0`.
fn state(call: &str, call_state: &str, seconds: f64) -> Value {
    json!({
        "event_type": "calling.call.state",
        "event_channel": "swml:0a1b",
        "timestamp": T0 + seconds,
        "project_id": PROJECT,
        "space_id": "space-1",
        "params": {
            "call_id": call,
            "node_id": "node-1",
            "call_state": call_state,
            "direction": "outbound",
            "device": {
                "type": "phone",
                "params": {"from_number": "+14158675309", "to_number": "+18005551212"}
            }
        }
    })
}

fn ended(call: &str, reason: Option<&str>, seconds: f64) -> Value {
    let mut v = state(call, "ended", seconds);
    if let Some(r) = reason {
        v["params"]["end_reason"] = json!(r);
    }
    v
}

impl TestApp {
    pub(crate) fn call_state_url(&self) -> String {
        self.url("/call-state")
    }

    /// `body` signed for /call-state.
    async fn call_state(&self, body: impl Into<Vec<u8>>) -> reqwest::Response {
        let signed = Signed::json(&self.key, &self.call_state_url(), body);
        self.send(&signed).await
    }

    async fn call_state_ok(&self, event: &Value) {
        let response = self.call_state(event.to_string()).await;
        assert_eq!(response.status(), 204, "{event}");
    }
}

fn outbound(status: &'static str) -> [(&'static str, &'static str); 2] {
    [("direction", "outbound"), ("status", status)]
}

#[tokio::test]
async fn at_start_the_call_state_outcomes_are_at_zero_and_nothing_is_outbound() {
    let app = TestApp::spawn().await;
    let m = app.metrics().await;
    let outcomes = [
        "accepted",
        "duplicate",
        "ignored",
        "invalid_signature",
        "bad_request",
        "payload_too_large",
        "unsupported_media_type",
        "method_not_allowed",
    ];
    assert_eq!(m.series_count(OUTCOMES), 8);
    for o in outcomes {
        assert_eq!(m.get(OUTCOMES, &[("outcome", o)]), Some(0.0), "{o}");
    }
    assert_eq!(m.series_count(END_REASONS), 0);
    assert!(m.all().all(|s| !s.labels.values().any(|v| v == "outbound")));
    assert_eq!(m.get(UNRECOGNIZED, &[("field", "end_reason")]), None);
}

/// Every row of the mapping table, a call each.
#[tokio::test]
async fn every_call_state_and_end_reason_maps_to_its_status() {
    let app = TestApp::spawn().await;
    let rows: &[(&str, Option<&str>, &str)] = &[
        ("created", None, "initiated"),
        ("ringing", None, "ringing"),
        ("answered", None, "answered"),
        ("ended", Some("hangup"), "completed"),
        ("ended", Some("maxDuration"), "completed"),
        ("ended", Some("busy"), "busy"),
        ("ended", Some("decline"), "busy"),
        ("ended", Some("noAnswer"), "no-answer"),
        ("ended", Some("cancel"), "canceled"),
        ("ended", Some("abandoned"), "canceled"),
        ("ended", Some("error"), "failed"),
        ("ended", Some("notFound"), "failed"),
        ("ended", Some("teleported"), "failed"),
        ("ended", None, "failed"),
        ("rebooting", None, "other"),
    ];
    for (i, (call_state, reason, _)) in rows.iter().enumerate() {
        let call = format!("call-{i}");
        let event = match *call_state {
            "ended" => ended(&call, *reason, 1.0),
            s => state(&call, s, 1.0),
        };
        app.call_state_ok(&event).await;
    }
    let mut null_reason = ended("call-null", None, 1.0);
    null_reason["params"]["end_reason"] = Value::Null;
    app.call_state_ok(&null_reason).await;
    app.call_state_ok(&state("call-ending", "ending", 1.0))
        .await;

    let m = app.metrics().await;
    let mut checks = Checklist::default();
    let mut want = std::collections::BTreeMap::new();
    for (_, _, status) in rows {
        *want.entry(*status).or_insert(0.0) += 1.0;
    }
    *want.entry("failed").or_insert(0.0) += 1.0; // the null end_reason
    for (status, n) in &want {
        checks.eq(status, m.get(EVENTS, &outbound(status)), Some(*n));
    }
    // `ending` is no event: 17 requests, 16 events.
    checks.eq(
        "events",
        m.sum_matching(EVENTS, &[("direction", "outbound")]),
        16.0,
    );
    checks.eq(
        "accepted",
        m.value(OUTCOMES, &[("outcome", "accepted")]),
        17.0,
    );
    for reason in [
        "hangup",
        "maxDuration",
        "busy",
        "decline",
        "noAnswer",
        "cancel",
        "abandoned",
        "error",
        "notFound",
        "other",
    ] {
        let l = [("direction", "outbound"), ("end_reason", reason)];
        checks.eq(reason, m.get(END_REASONS, &l), Some(1.0));
    }
    checks.eq("end reasons", m.series_count(END_REASONS), 10);
    // Undocumented, missing and null.
    checks.eq(
        "unrecognized",
        m.get(UNRECOGNIZED, &[("field", "end_reason")]),
        Some(3.0),
    );
    checks.eq(
        "CallStatus",
        m.get(UNRECOGNIZED, &[("field", "CallStatus")]),
        Some(1.0),
    );
    // The created, ringing and answered calls; `other` never touches the table.
    checks.eq(
        "active",
        m.get("signalwire_calls_active", &[("direction", "outbound")]),
        Some(3.0),
    );
    // No audio series for these calls.
    checks.eq(
        "mos",
        m.get("signalwire_audio_in_mos_count", &outbound("completed")),
        None,
    );
    checks.eq(
        "with media",
        m.get(
            "signalwire_calls_with_media_total",
            &[("direction", "outbound")],
        ),
        None,
    );
}

#[tokio::test]
async fn a_retry_is_a_duplicate_and_out_of_order_events_still_give_sub_second_delays() {
    let app = TestApp::spawn().await;
    // Answered, ended and created before ringing; created retried.
    for event in [
        state("call-1", "answered", 4.5),
        state("call-1", "created", 0.25),
        state("call-1", "created", 0.25),
        state("call-1", "ringing", 1.75),
        ended("call-1", Some("hangup"), 60.0),
        ended("call-1", Some("hangup"), 60.0),
    ] {
        app.call_state_ok(&event).await;
    }
    let m = app.metrics().await;
    let o = [("direction", "outbound")];
    m.check(&[
        (OUTCOMES, &[("outcome", "accepted")], 4.0),
        (OUTCOMES, &[("outcome", "duplicate")], 2.0),
        (EVENTS, &outbound("initiated"), 1.0),
        (EVENTS, &outbound("completed"), 1.0),
        ("signalwire_call_post_dial_delay_seconds_count", &o, 1.0),
        ("signalwire_call_post_dial_delay_seconds_sum", &o, 1.5),
        ("signalwire_call_answer_delay_seconds_count", &o, 1.0),
        ("signalwire_call_answer_delay_seconds_sum", &o, 2.75),
        (
            END_REASONS,
            &[("direction", "outbound"), ("end_reason", "hangup")],
            1.0,
        ),
    ]);
    // Like `other`, the gauge for `outbound` is created once it has a call.
    assert_eq!(m.get("signalwire_calls_active", &o), None);
    // The form route's family is the form route's alone.
    assert_eq!(m.sum("signalwire_exporter_webhooks_total"), 0.0);
}

#[tokio::test]
async fn a_second_ended_event_counts_its_end_reason_once() {
    let app = TestApp::spawn().await;
    app.call_state_ok(&ended("call-1", Some("busy"), 5.0)).await;
    app.call_state_ok(&ended("call-1", Some("busy"), 6.0)).await;
    let m = app.metrics().await;
    assert_eq!(m.value(EVENTS, &outbound("busy")), 2.0);
    let l = [("direction", "outbound"), ("end_reason", "busy")];
    assert_eq!(m.value(END_REASONS, &l), 1.0);
}

#[tokio::test]
async fn other_event_types_are_ignored_whatever_the_body_holds() {
    let app = TestApp::spawn().await;
    for body in [
        json!({"event_type": "calling.call.connect", "params": {"connect_state": "connected"}}),
        json!({"event_type": "calling.call.stream"}),
        json!({"event_type": "", "timestamp": "later"}),
    ] {
        app.call_state_ok(&body).await;
    }
    let m = app.metrics().await;
    assert_eq!(m.value(OUTCOMES, &[("outcome", "ignored")]), 3.0);
    assert_eq!(m.sum(EVENTS), 0.0);
}

#[tokio::test]
async fn bad_bodies_get_400_with_a_one_line_reason() {
    let app = TestApp::spawn().await;
    let without = |path: &[&str]| {
        let mut v = state("call-1", "ringing", 1.0);
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut v;
        for p in parents {
            at = &mut at[*p];
        }
        at.as_object_mut().unwrap().remove(*last);
        v.to_string()
    };
    let with = |path: &[&str], value: Value| {
        let mut v = state("call-1", "ringing", 1.0);
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut v;
        for p in parents {
            at = &mut at[*p];
        }
        at[*last] = value;
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("[1, 2]".into(), "body is not a JSON object"),
        ("17".into(), "body is not a JSON object"),
        ("\"text\"".into(), "body is not a JSON object"),
        ("{\"event_type\": ".into(), "body is not valid JSON: "),
        (
            without(&["event_type"]),
            "event_type is missing or not a string",
        ),
        (
            with(&["event_type"], json!(7)),
            "event_type is missing or not a string",
        ),
        (
            without(&["project_id"]),
            "project_id is missing or not a non-empty string",
        ),
        (
            with(&["project_id"], json!("")),
            "project_id is missing or not a non-empty string",
        ),
        (without(&["params"]), "params is missing or not an object"),
        (
            with(&["params"], json!([1])),
            "params is missing or not an object",
        ),
        (
            with(&["params"], json!("x")),
            "params is missing or not an object",
        ),
        (
            without(&["params", "call_id"]),
            "params.call_id is missing or not a non-empty string",
        ),
        (
            without(&["params", "call_state"]),
            "params.call_state is missing or not a non-empty string",
        ),
        (
            without(&["timestamp"]),
            "timestamp is missing or not a number",
        ),
        (
            with(&["timestamp"], json!("1764000000")),
            "timestamp is missing or not a number",
        ),
    ];
    for (body, reason) in &cases {
        let response = app.call_state(body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let text = response.text().await.unwrap();
        assert!(text.starts_with(reason), "{body}: {text}");
        assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
    }
    let m = app.metrics().await;
    assert_eq!(
        m.value(OUTCOMES, &[("outcome", "bad_request")]),
        cases.len() as f64
    );
    assert_eq!(m.sum(EVENTS), 0.0);
}

#[tokio::test]
async fn only_a_json_post_is_taken() {
    let app = TestApp::spawn().await;
    let body = state("call-1", "ringing", 1.0).to_string();
    let key = &app.key;
    let signature = key.sign_json(&app.call_state_url(), body.as_bytes());
    let form = app
        .post(
            &app.call_state_url(),
            Some("application/x-www-form-urlencoded"),
            Some(&signature),
            body.clone(),
        )
        .await;
    assert_eq!(form.status(), 415);
    assert_eq!(
        form.text().await.unwrap(),
        "unsupported content type: use application/json\n"
    );
    let get = app.client.get(app.call_state_url()).send().await.unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    assert_eq!(
        get.text().await.unwrap(),
        "method not allowed: use POST with application/json\n"
    );
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(2 << 20));
    let too_large = app.call_state(big).await;
    assert_eq!(too_large.status(), 413);
    let m = app.metrics().await;
    m.check(&[
        (OUTCOMES, &[("outcome", "unsupported_media_type")], 1.0),
        (OUTCOMES, &[("outcome", "method_not_allowed")], 1.0),
        (OUTCOMES, &[("outcome", "payload_too_large")], 1.0),
    ]);
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_refused_and_the_twilio_header_is_an_alias() {
    let app = TestApp::spawn().await;
    let body = state("call-1", "ringing", 1.0).to_string();
    let url = app.call_state_url();
    // Signed for the form route's URL: wrong for this one.
    let wrong = app.key.sign_json(&app.webhook(), body.as_bytes());
    let r = app
        .post(&url, Some("application/json"), Some(&wrong), body.clone())
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.text().await.unwrap(),
        "signature does not match: check the signing key and --web.external-url\n"
    );
    let r = app
        .post(&url, Some("application/json"), None, body.clone())
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.text().await.unwrap(),
        "missing X-SignalWire-Signature header\n"
    );
    let right = app.key.sign_json(&url, body.as_bytes());
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header("x-twilio-signature", right)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let m = app.metrics().await;
    m.check(&[
        (OUTCOMES, &[("outcome", "invalid_signature")], 2.0),
        (OUTCOMES, &[("outcome", "accepted")], 1.0),
        (EVENTS, &outbound("ringing"), 1.0),
    ]);
}

async fn calls(app: &TestApp, query: &str) -> Vec<Value> {
    let url = app.url(&format!("/calls{query}"));
    let text = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    let mut calls = page["calls"].as_array().unwrap().clone();
    for c in &mut calls {
        c.as_object_mut().unwrap().remove("received_at");
    }
    calls
}

#[tokio::test]
async fn calls_lists_a_call_state_call_under_its_project_without_numbers() {
    let app = TestApp::spawn().await;
    for event in [
        state("call-1", "created", 0.0),
        state("call-1", "ringing", 2.5),
        ended("call-1", Some("noAnswer"), 30.0),
    ] {
        app.call_state_ok(&event).await;
    }
    let want = vec![json!({
        "account_sid": PROJECT, "call_sid": "call-1", "status": "no-answer",
        "direction": "outbound", "sip_result_code": null, "duration_seconds": null,
        "mos": null, "packet_loss_ratio": null, "jitter_max_variance": null,
        "post_dial_delay_seconds": 2.5, "answer_delay_seconds": null, "issues": [],
        "project": null, "country": null,
    })];
    assert_eq!(calls(&app, "?direction=outbound").await, want);
    assert_eq!(calls(&app, "?direction=inbound").await, Vec::<Value>::new());
}

#[tokio::test]
async fn with_include_numbers_calls_shows_the_devices_numbers() {
    let mut settings = settings();
    settings.calls.include_numbers = true;
    let app = TestApp::spawn_with(settings).await;
    app.call_state_ok(&ended("call-1", Some("busy"), 3.0)).await;
    let listed = calls(&app, "").await;
    assert_eq!(listed[0]["from"], "+14158675309");
    assert_eq!(listed[0]["to"], "+18005551212");
    assert_eq!(listed[0]["caller_name"], Value::Null);
    assert_eq!(listed[0]["status"], "busy");
}
