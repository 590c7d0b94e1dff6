//! Every class of bad input: its status, its one-line reason, its outcome,
//! and that nothing it carried is recorded. One table, one row per class;
//! a wrong row shows beside every other wrong row.

use reqwest::Method;

use crate::support::*;

struct Case {
    what: &'static str,
    request: Signed,
    status: u16,
    reason: &'static str,
    outcome: &'static str,
}

fn cases(app: &TestApp) -> Vec<Case> {
    let url = app.webhook();
    let good = Callback::completed("CA1200");
    let form = app.signed(Wire::Form, &good);
    let signed = |call: Callback| app.signed(Wire::Form, &call);
    let json = |body: &str| Signed::json(&app.key, &url, body);
    let case = |what, request, status, reason, outcome| Case {
        what,
        request,
        status,
        reason,
        outcome,
    };
    Vec::from([
        case(
            "PUT",
            form.clone()
                .signature("")
                .without_content_type()
                .with_method(Method::PUT),
            405,
            "method not allowed",
            "method_not_allowed",
        ),
        case(
            "DELETE",
            Signed::unsigned(Method::DELETE, &url, None),
            405,
            "method not allowed",
            "method_not_allowed",
        ),
        case(
            "text/plain",
            form.clone().content_type("text/plain"),
            415,
            "unsupported content type",
            "unsupported_media_type",
        ),
        case(
            "no content type",
            form.clone().without_content_type().signature(""),
            415,
            "unsupported content type",
            "unsupported_media_type",
        ),
        case(
            "over the default limit",
            form.clone().signature("").body(vec![b'a'; 64 * 1024 + 1]),
            413,
            "larger than 65536 bytes",
            "payload_too_large",
        ),
        case(
            "unsigned",
            form.clone().signature(""),
            403,
            "missing X-SignalWire-Signature",
            "invalid_signature",
        ),
        case(
            "not a signature",
            form.clone().signature("AAAA"),
            403,
            "signature does not match",
            "invalid_signature",
        ),
        // A correct signature over other values.
        case(
            "tampered",
            form.clone()
                .body(good.clone().with("AudioInMos", "1.0").form()),
            403,
            "signature does not match",
            "invalid_signature",
        ),
        // Signed, but not an event.
        case(
            "no CallSid",
            signed(good.clone().without("CallSid")),
            400,
            "CallSid is missing or empty",
            "bad_request",
        ),
        case(
            "empty CallStatus",
            signed(good.clone().with("CallStatus", "")),
            400,
            "CallStatus is missing or empty",
            "bad_request",
        ),
        // Signed JSON that is not JSON, or not an object, or not an event.
        case(
            "cut JSON",
            json("{\"CallSid\":"),
            400,
            "not valid JSON",
            "bad_request",
        ),
        case(
            "JSON array",
            json("[1,2]"),
            400,
            "must be an object",
            "bad_request",
        ),
        case(
            "JSON CallSid true",
            json("{\"CallSid\":true,\"CallStatus\":\"completed\"}"),
            400,
            "CallSid is missing",
            "bad_request",
        ),
        // Unsigned JSON is refused before it is parsed.
        case(
            "unsigned JSON",
            json("{").signature("00"),
            403,
            "signature does not match",
            "invalid_signature",
        ),
    ])
}

#[tokio::test]
async fn each_bad_request_gets_its_status_reason_and_outcome_and_records_nothing() {
    let app = TestApp::spawn().await;
    let mut checks = Checklist::default();
    for case in cases(&app) {
        let what = case.what;
        let before = app.metrics().await;
        let r = app.send(&case.request).await;
        checks.eq(format!("{what}: status"), r.status().as_u16(), case.status);
        if case.status == 405 {
            let allow = r
                .headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_owned());
            checks.eq(
                format!("{what}: Allow"),
                allow.as_deref(),
                Some("GET, POST"),
            );
        }
        let body = r.text().await.unwrap();
        checks.that(
            format!("{what}: {body:?} is not one line with {:?}", case.reason),
            body.ends_with('\n') && body.lines().count() == 1 && body.contains(case.reason),
        );
        let after = app.metrics().await;
        let delta = |m: &Metrics| m.outcome(case.outcome);
        checks.eq(
            format!("{what}: {}", case.outcome),
            delta(&after) - delta(&before),
            1.0,
        );
        for name in [
            "signalwire_exporter_webhooks_total",
            "signalwire_call_events_total",
            "signalwire_audio_in_mos_count",
        ] {
            let moved = after.sum(name) - before.sum(name);
            let want = if name.ends_with("webhooks_total") {
                1.0
            } else {
                0.0
            };
            checks.eq(format!("{what}: {name} moved"), moved, want);
        }
    }
}

#[tokio::test]
async fn the_good_event_still_records_exactly_after_every_bad_one() {
    let app = TestApp::spawn().await;
    for case in cases(&app) {
        let r = app.send(&case.request).await;
        assert_eq!(r.status().as_u16(), case.status, "{}", case.what);
    }
    let good = app
        .signed(Wire::Form, &Callback::completed("CA1200"))
        .content_type("application/x-www-form-urlencoded; charset=utf-8");
    assert_eq!(app.send(&good).await.status(), 204);
    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 2829.0),
        ("signalwire_audio_in_mos_sum", l, 4.5),
    ]);
    assert_eq!(m.outcome("accepted"), 1.0);
}
