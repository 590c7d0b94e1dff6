//! Signed GET, form and JSON callbacks; what a wrong signature gets.

use sha2::{Digest, Sha256};
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::{SignedUrl, SigningKey};

use crate::helpers::*;

#[tokio::test]
async fn get_callback_signs_the_url_with_its_query() {
    let app = TestApp::spawn().await;
    let url = app.url(&format!(
        "/status-callback?{}",
        form_body(&completed_call("CA700"))
    ));
    let signature = app.key.sign_form(&url, &Params::default());
    let response = app
        .client
        .get(&url)
        .header("X-SignalWire-Signature", signature)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_sum", INBOUND_COMPLETED),
        4.5
    );

    let forged = app.key.sign_form(
        &app.url("/status-callback?CallSid=CA1&CallStatus=completed"),
        &Params::default(),
    );
    let response = app
        .client
        .get(url.replace("CA700", "CA701"))
        .header("X-SignalWire-Signature", forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

fn json_body() -> String {
    // Numbers as JSON numbers and as strings: the same values.
    r#"{"AccountSid":"AC1","CallSid":"CA800","CallStatus":"completed","Direction":"outbound-api","SequenceNumber":4,
"AudioInMediaPacketCount":1000,"AudioInSkipPacketCount":"10","AudioInMos":3.2,"AudioInAveragePtime":"20.5",
"SipResultCode":"200","Extra":{"nested":[1,2]},"HangupBy":null}"#
        .to_owned()
}

#[tokio::test]
async fn json_callback_signed_over_url_and_body() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let body = json_body();
    let signature = app.key.sign_json(&url, body.as_bytes());
    let response = app
        .post(
            &url,
            Some("application/json; charset=utf-8"),
            Some(&signature),
            body,
        )
        .await;
    assert_eq!(response.status(), 204);
    let m = app.metrics().await;
    let l = &[("direction", "outbound-api"), ("status", "completed")];
    assert_eq!(m.value("signalwire_call_events_total", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_packets_total", l), 1000.0);
    assert_eq!(
        m.value("signalwire_audio_in_skipped_packets_total", l),
        10.0
    );
    assert_eq!(m.value("signalwire_audio_in_mos_sum", l), 3.2);
    assert_eq!(
        m.value("signalwire_audio_in_mos_bucket", &bucket(l, "3.1")),
        0.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_bucket", &bucket(l, "3.5")),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_packet_loss_ratio_sum", l),
        10.0 / 1010.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_average_ptime_seconds_sum", l),
        0.0205
    );
}

#[tokio::test]
async fn json_callback_with_body_sha256_in_the_url() {
    let app = TestApp::spawn().await;
    let body = json_body();
    let url = app.url(&format!(
        "/status-callback?bodySHA256={}",
        hex::encode(Sha256::digest(body.as_bytes()))
    ));
    let signature = app.key.sign_form(&url, &Params::default());
    let send = |body: String| app.post(&url, Some(JSON), Some(&signature), body);
    assert_eq!(send(body.clone()).await.status(), 204);
    // Same signed URL, another body: the hash no longer matches.
    assert_eq!(send(body.replace("CA800", "CA801")).await.status(), 403);
    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_call_events_total"), 1.0);
    assert_eq!(m.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn twilio_header_alias_and_key_rotation() {
    let mut settings = Settings::local(vec![SigningKey::new("new-key"), SigningKey::new(KEY)]);
    settings.dedupe_capacity = 10;
    let app = TestApp::spawn_with(settings).await;
    let url = app.url("/status-callback");
    let fields = completed_call("CA900");
    let params: Params = fields.iter().copied().collect();
    for (header, key, sid) in [
        ("x-twilio-signature", KEY, "CA900"),
        ("x-signalwire-signature", "new-key", "CA901"),
    ] {
        let fields = with(fields.clone(), "CallSid", sid);
        let params: Params = fields.iter().copied().collect();
        let response = app
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header, SigningKey::new(key).sign_form(&url, &params))
            .body(form_body(&fields))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{header} {key}");
    }
    let wrong = SigningKey::new("retired-key").sign_form(&url, &params);
    let response = app
        .post(
            &url,
            Some(FORM),
            Some(&wrong),
            form_body(&with(fields, "CallSid", "CA902")),
        )
        .await;
    assert_eq!(response.status(), 403);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    assert_eq!(m.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn external_url_and_route_prefix_build_the_signed_url() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.route_prefix = "/sw".into();
    settings.signed_url = SignedUrl::new(Some("https://hooks.example.com/sw/"), "/sw", false);
    let app = TestApp::spawn_with(settings).await;
    let key = SigningKey::new(KEY);
    // SignalWire signs what it was configured with, with or without :443.
    for (signed_for, sid) in [
        (
            "https://hooks.example.com/sw/status-callback?tenant=a",
            "CA1000",
        ),
        (
            "https://hooks.example.com:443/sw/status-callback?tenant=a",
            "CA1001",
        ),
    ] {
        let fields = completed_call(sid);
        let params: Params = fields.iter().copied().collect();
        let response = app
            .post(
                &app.url("/sw/status-callback?tenant=a"),
                Some(FORM),
                Some(&key.sign_form(signed_for, &params)),
                form_body(&fields),
            )
            .await;
        assert_eq!(response.status(), 204, "{signed_for}");
    }
    // Signed for the address the exporter listens on: not what SignalWire calls.
    let fields = completed_call("CA1002");
    let params: Params = fields.iter().copied().collect();
    let response = app
        .client
        .post(app.url("/sw/status-callback?tenant=a"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-signalwire-signature",
            key.sign_form(&app.url("/sw/status-callback?tenant=a"), &params),
        )
        .body(form_body(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let text = app
        .client
        .get(app.url("/sw/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let m = Metrics::parse(&text);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    assert_eq!(
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn insecure_mode_accepts_unsigned_callbacks_and_says_so() {
    let mut settings = Settings::local(vec![]);
    settings.signing_keys = None;
    let app = TestApp::spawn_with(settings).await;
    let response = app
        .post(
            &app.url("/status-callback"),
            Some(FORM),
            None,
            form_body(&completed_call("CA1100")),
        )
        .await;
    assert_eq!(response.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_exporter_signature_validation_enabled", &[]),
        0.0
    );
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}
