//! Retried deliveries are answered 204 and counted once.

use signalwire_exporter::configuration::Settings;
use signalwire_exporter::signature::SigningKey;

use crate::helpers::*;

#[tokio::test]
async fn a_retried_callback_is_counted_once() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.post_form(&completed_call("CA1400")).await.status(), 204);
    }
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        2829.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_count", INBOUND_COMPLETED),
        1.0
    );
    assert_eq!(
        m.value("signalwire_webhook_delivery_delay_seconds_count", &[]),
        1.0
    );
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.outcome("duplicate"), 2.0);
}

#[tokio::test]
async fn identity_is_account_call_and_sequence() {
    let app = TestApp::spawn().await;
    let base = completed_call("CA1500");
    // Another sequence number, another account, another call: all distinct.
    assert_eq!(app.post_form(&base).await.status(), 204);
    assert_eq!(
        app.post_form(&with(base.clone(), "SequenceNumber", "4"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.post_form(&with(base.clone(), "AccountSid", "AC-other"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.post_form(&with(base.clone(), "CallSid", "CA1501"))
            .await
            .status(),
        204
    );
    // "3.0" is the sequence number 3 again.
    assert_eq!(
        app.post_form(&with(base.clone(), "SequenceNumber", "3.0"))
            .await
            .status(),
        204
    );
    // Without SequenceNumber, CallStatus stands in.
    let unsequenced = without(base.clone(), "SequenceNumber");
    assert_eq!(app.post_form(&unsequenced).await.status(), 204);
    assert_eq!(app.post_form(&unsequenced).await.status(), 204);
    assert_eq!(
        app.post_form(&with(unsequenced, "CallStatus", "busy"))
            .await
            .status(),
        204
    );

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 6.0);
    assert_eq!(m.outcome("duplicate"), 2.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        5.0
    );
    assert_eq!(
        m.value(
            "signalwire_call_events_total",
            &[("direction", "inbound"), ("status", "busy")]
        ),
        1.0
    );
}

#[tokio::test]
async fn json_number_and_form_string_are_one_event() {
    let app = TestApp::spawn().await;
    let body = r#"{"AccountSid":"AC0a1b2c3d","CallSid":"CA1600","CallStatus":"completed","Direction":"inbound","SequenceNumber":3}"#;
    let r = app.post_json(body).await;
    assert_eq!(r.status(), 204);
    assert_eq!(app.post_form(&completed_call("CA1600")).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(m.outcome("duplicate"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}

#[tokio::test]
async fn a_full_set_forgets_the_oldest_and_keeps_working() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.dedupe_capacity = 2;
    let app = TestApp::spawn_with(settings).await;
    for sid in ["CA1", "CA2", "CA3"] {
        assert_eq!(app.post_form(&completed_call(sid)).await.status(), 204);
    }
    // CA1 was evicted when CA3 arrived; CA3 is still remembered.
    assert_eq!(app.post_form(&completed_call("CA3")).await.status(), 204);
    assert_eq!(app.post_form(&completed_call("CA1")).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 4.0);
    assert_eq!(m.outcome("duplicate"), 1.0);
}
