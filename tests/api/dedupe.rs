//! Retried deliveries are answered 204 and counted once.

use crate::support::*;

#[tokio::test]
async fn a_retried_callback_is_counted_once() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let call = Callback::completed("CA1400");
        assert_eq!(app.post_form(&call).await.status(), 204);
    }
    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 2829.0),
        ("signalwire_audio_in_mos_count", l, 1.0),
        ("signalwire_webhook_delivery_delay_seconds_count", &[], 1.0),
    ]);
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.outcome("duplicate"), 2.0);
}

#[tokio::test]
async fn an_event_is_identified_by_account_call_and_sequence() {
    let app = TestApp::spawn().await;
    let base = Callback::completed("CA1500");
    let unsequenced = base.clone().without("SequenceNumber");
    let deliveries = [
        base.clone(),
        // Another sequence number, another account, another call: all distinct.
        base.clone().with("SequenceNumber", "4"),
        base.clone().with("AccountSid", "AC-other"),
        base.clone().with("CallSid", "CA1501"),
        // "3.0" is the sequence number 3 again.
        base.clone().with("SequenceNumber", "3.0"),
        // Without SequenceNumber, CallStatus stands in.
        unsequenced.clone(),
        unsequenced.clone(),
        unsequenced.with("CallStatus", "busy"),
    ];
    for call in &deliveries {
        assert_eq!(app.post_form(call).await.status(), 204, "{call:?}");
    }

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 6.0);
    assert_eq!(m.outcome("duplicate"), 2.0);
    m.check(&[
        ("signalwire_call_events_total", INBOUND_COMPLETED, 5.0),
        (
            "signalwire_call_events_total",
            &[("direction", "inbound"), ("status", "busy")],
            1.0,
        ),
    ]);
}

#[tokio::test]
async fn a_json_number_and_a_form_string_are_the_same_event() {
    let app = TestApp::spawn().await;
    let body = r#"{"AccountSid":"AC0a1b2c3d","CallSid":"CA1600","CallStatus":"completed","Direction":"inbound","SequenceNumber":3}"#;
    assert_eq!(app.post_json(body).await.status(), 204);
    let call = Callback::completed("CA1600");
    assert_eq!(app.post_form(&call).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(m.outcome("duplicate"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}

/// The eviction order and bound are `src/dedupe.rs`'s unit test; this one
/// checks what only the API shows: `dedupe_capacity` reaches the webhook, and
/// a forgotten event is counted as accepted again, not as a duplicate.
#[tokio::test]
async fn a_full_set_forgets_the_oldest_and_keeps_working() {
    let mut settings = settings();
    settings.dedupe.capacity = 2;
    let app = TestApp::spawn_with(settings).await;
    // CA1 is evicted when CA3 arrives; CA3 is still remembered.
    for sid in ["CA1", "CA2", "CA3", "CA3", "CA1"] {
        let call = Callback::completed(sid);
        assert_eq!(app.post_form(&call).await.status(), 204);
    }
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 4.0);
    assert_eq!(m.outcome("duplicate"), 1.0);
}
