//! Signed GET, form and JSON callbacks; what a wrong signature gets.

use sha2::{Digest, Sha256};

use crate::support::*;

#[tokio::test]
async fn a_get_callback_is_signed_over_the_url_with_its_query() {
    let app = TestApp::spawn().await;
    let call = Callback::completed("CA700");
    assert_eq!(app.get_query(&call).await.status(), 204);
    let m = app.metrics().await;
    m.check(&[
        ("signalwire_call_events_total", INBOUND_COMPLETED, 1.0),
        ("signalwire_audio_in_mos_sum", INBOUND_COMPLETED, 4.5),
    ]);

    // Signed for another query.
    let forged = Signed::get(
        &app.key,
        &app.url("/status-callback?CallSid=CA1&CallStatus=completed"),
    )
    .to(&format!(
        "{}?{}",
        app.webhook(),
        call.with("CallSid", "CA701").query()
    ));
    assert_eq!(app.send(&forged).await.status(), 403);
}

fn json_body() -> String {
    // Numbers as JSON numbers and as strings: the same values.
    r#"{"AccountSid":"AC1","CallSid":"CA800","CallStatus":"completed","Direction":"outbound-api","SequenceNumber":4,
"AudioInMediaPacketCount":1000,"AudioInSkipPacketCount":"10","AudioInMos":3.2,"AudioInAveragePtime":"20.5",
"SipResultCode":"200","Extra":{"nested":[1,2]},"HangupBy":null}"#
        .to_owned()
}

#[tokio::test]
async fn a_json_callback_is_signed_over_the_url_and_body() {
    let app = TestApp::spawn().await;
    let request = Signed::json(&app.key, &app.webhook(), json_body())
        .content_type("application/json; charset=utf-8");
    assert_eq!(app.send(&request).await.status(), 204);
    let m = app.metrics().await;
    let l: &[(&str, &str)] = &[("direction", "outbound-api"), ("status", "completed")];
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 1000.0),
        ("signalwire_audio_in_skipped_packets_total", l, 10.0),
        ("signalwire_audio_in_mos_sum", l, 3.2),
        ("signalwire_audio_in_mos_bucket", &bucket(l, "3.1"), 0.0),
        ("signalwire_audio_in_mos_bucket", &bucket(l, "3.5"), 1.0),
        (
            "signalwire_audio_in_packet_loss_ratio_sum",
            l,
            10.0 / 1010.0,
        ),
        ("signalwire_audio_in_average_ptime_seconds_sum", l, 0.0205),
    ]);
}

#[tokio::test]
async fn a_json_callback_may_carry_its_body_hash_in_the_signed_url() {
    let app = TestApp::spawn().await;
    let body = json_body();
    let url = app.url(&format!(
        "/status-callback?bodySHA256={}",
        hex::encode(Sha256::digest(body.as_bytes()))
    ));
    let signed = Signed::get(&app.key, &url);
    let send = |body: String| app.post(&url, Some(JSON), Some(&signed.signature), body);
    assert_eq!(send(body.clone()).await.status(), 204);
    // Same signed URL, another body: the hash no longer matches.
    assert_eq!(send(body.replace("CA800", "CA801")).await.status(), 403);
    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_call_events_total"), 1.0);
    assert_eq!(m.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn the_twilio_header_and_any_configured_key_are_accepted() {
    let mut settings = Settings::local(vec![SigningKey::new("new-key"), SigningKey::new(KEY)]);
    settings.dedupe.capacity = 10;
    let app = TestApp::spawn_with(settings).await;
    let url = app.webhook();
    for (header, key, sid) in [
        ("x-twilio-signature", KEY, "CA900"),
        ("x-signalwire-signature", "new-key", "CA901"),
    ] {
        let call = Callback::completed(sid);
        let request =
            Signed::callback(&SigningKey::new(key), &url, Wire::Form, &call).header(header);
        assert_eq!(app.send(&request).await.status(), 204, "{header} {key}");
    }
    let call = Callback::completed("CA902");
    let retired = Signed::callback(&SigningKey::new("retired-key"), &url, Wire::Form, &call);
    assert_eq!(app.send(&retired).await.status(), 403);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    assert_eq!(m.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn the_external_url_and_route_prefix_build_the_signed_url() {
    let mut settings = settings();
    settings.route_prefix = "/sw".into();
    settings.signed_url = SignedUrl::new(Some("https://hooks.example.com/sw/"), "/sw", false);
    let app = TestApp::spawn_with(settings).await;
    let reached = app.url("/sw/status-callback?tenant=a");
    // SignalWire signs what it was configured with, with or without :443;
    // signed for the address the exporter listens on, it is not genuine.
    for (signed_for, sid, status) in [
        (
            "https://hooks.example.com/sw/status-callback?tenant=a",
            "CA1000",
            204,
        ),
        (
            "https://hooks.example.com:443/sw/status-callback?tenant=a",
            "CA1001",
            204,
        ),
        (reached.as_str(), "CA1002", 403),
    ] {
        let call = Callback::completed(sid);
        let request = Signed::callback(&app.key, signed_for, Wire::Form, &call).to(&reached);
        assert_eq!(app.send(&request).await.status(), status, "{signed_for}");
    }

    let m = scrape(&app.client, &app.url("/sw/metrics")).await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    let unprefixed = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(unprefixed.status(), 404);
}

#[tokio::test]
async fn insecure_mode_accepts_unsigned_callbacks_and_says_so() {
    let mut settings = Settings::local(vec![]);
    settings.signing_keys = None;
    let app = TestApp::spawn_with(settings).await;
    let call = Callback::completed("CA1100");
    let unsigned = app.signed(Wire::Form, &call).signature("");
    assert_eq!(app.send(&unsigned).await.status(), 204);
    let m = app.metrics().await;
    m.check(&[
        ("signalwire_exporter_signature_validation_enabled", &[], 0.0),
        ("signalwire_call_events_total", INBOUND_COMPLETED, 1.0),
    ]);
}
