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

const SHA256_HEADER: &str = "x-signalwire-sha256-signature";
const MISMATCH: &str = "signature does not match: check the signing key and --web.external-url\n";

/// `X-SignalWire-Sha256-Signature` as SignalWire's SDK defines it, computed
/// here rather than by the exporter's own signer.
fn sha256_signature(key: &str, url: &str, raw: &[u8]) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    mac.update(raw);
    hex::encode(mac.finalize().into_bytes())
}

/// The SDK's form signature: a stable sort by name, every field kept.
fn sdk_form_signature(key: &str, url: &str, pairs: &[(&str, &str)]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut sorted = pairs.to_vec();
    sorted.sort_by_key(|&(name, _)| name);
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    sorted
        .iter()
        .for_each(|(n, v)| mac.update(format!("{n}{v}").as_bytes()));
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `signed` with the SHA-256 header added ("" adds none).
async fn send_with_sha256(app: &TestApp, signed: &Signed, sha256: &str) -> (u16, String) {
    let mut request = signed.request(&app.client);
    if !sha256.is_empty() {
        request = request.header(SHA256_HEADER, sha256);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_sha256_signature_is_checked_first_and_a_wrong_one_falls_back_to_sha1() {
    let app = TestApp::spawn().await;
    let url = app.webhook();
    let cases = [
        // (sid, SHA-256 right?, SHA-1 header, status, body)
        ("CA1200", Some(true), "right", 204, ""),
        ("CA1201", Some(false), "right", 204, ""),
        ("CA1202", Some(true), "absent", 204, ""),
        ("CA1203", Some(false), "wrong", 403, MISMATCH),
        ("CA1204", None, "wrong", 403, MISMATCH),
        ("CA1205", Some(true), "wrong", 204, ""),
        (
            "CA1206",
            Some(false),
            "absent",
            403,
            "missing X-SignalWire-Signature header\n",
        ),
    ];
    for (sid, sha256_right, sha1, status, text) in cases {
        let call = Callback::completed(sid);
        let form = call.form();
        let mut signed = Signed::form(&app.key, &url, form.clone());
        match sha1 {
            "absent" => signed = signed.signature(""),
            "wrong" => signed = signed.signature("RSOYDt4T1cUTdK1PDd93/VVr8B8="),
            _ => {}
        }
        let sha256 = match sha256_right {
            Some(true) => sha256_signature(KEY, &url, form.as_bytes()),
            // Right for another body.
            Some(false) => sha256_signature(KEY, &url, b"CallSid=CA1"),
            None => String::new(),
        };
        let got = send_with_sha256(&app, &signed, &sha256).await;
        assert_eq!(got, (status, text.to_owned()), "{sid}");
    }
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        4.0
    );
    assert_eq!(m.outcome("accepted"), 4.0);
    assert_eq!(m.outcome("invalid_signature"), 3.0);
}

#[tokio::test]
async fn a_sha256_signature_alone_signs_a_get_a_json_body_and_a_default_port_twin() {
    let app = TestApp::spawn().await;
    let webhook = app.webhook();
    // A GET's "raw body" is empty: the query is in the signed URL.
    let get_url = format!("{webhook}?{}", Callback::completed("CA1300").query());
    let get = Signed::get(&app.key, &get_url).signature("");
    let json = Callback::completed("CA1301").json();
    let post_json = Signed::json(&app.key, &webhook, json.clone()).signature("");
    // With its SHA-1 header: a wrong SHA-256 one falls back to it.
    let json_sha1 = Callback::completed("CA1303").json();
    let post_json_sha1 = Signed::json(&app.key, &webhook, json_sha1);
    let cases = [
        (&get, sha256_signature(KEY, &get_url, b""), 204),
        (&get, sha256_signature(KEY, &get_url, b"x"), 403),
        (
            &post_json,
            sha256_signature(KEY, &webhook, json.as_bytes()),
            204,
        ),
        (&post_json, sha256_signature(KEY, &webhook, b"{}"), 403),
        (&post_json_sha1, sha256_signature(KEY, &webhook, b"{}"), 204),
    ];
    for (signed, sha256, status) in cases {
        assert_eq!(
            send_with_sha256(&app, signed, &sha256).await.0,
            status,
            "{sha256}"
        );
    }
    // Signed for the external URL with :443, received without it.
    let mut settings = settings();
    settings.signed_url = SignedUrl::new(Some("https://hooks.example.com/"), "", false);
    let behind_proxy = TestApp::spawn_with(settings).await;
    let form = Callback::completed("CA1302").form();
    let twin = "https://hooks.example.com:443/status-callback";
    let signed = Signed::form(&app.key, &behind_proxy.webhook(), form.clone()).signature("");
    let sha256 = sha256_signature(KEY, twin, form.as_bytes());
    assert_eq!(
        send_with_sha256(&behind_proxy, &signed, &sha256).await.0,
        204
    );

    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        3.0
    );
    assert_eq!(m.outcome("invalid_signature"), 2.0);
    let m = behind_proxy.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}

#[tokio::test]
async fn repeated_names_are_accepted_in_the_sdks_order_and_in_twilio_pythons() {
    let app = TestApp::spawn().await;
    let url = app.webhook();
    // Submission order y, x, y: the SDK signs "…TagyTagxTagy", twilio-python
    // each distinct value sorted, "…TagxTagy".
    let call = |sid: &str| {
        Callback::completed(sid)
            .and("Tag", "y")
            .and("Tag", "x")
            .and("Tag", "y")
    };
    let sdk = |call: &Callback| {
        let pairs: Vec<(&str, &str)> = call.pairs().collect();
        sdk_form_signature(KEY, &url, &pairs)
    };
    let twilio = |call: &Callback| app.key.sign_form(&url, &call.params());
    // Submission order without the repeat: neither validator's text.
    let neither = |call: &Callback| {
        let pairs: Vec<(&str, &str)> = call.pairs().collect();
        sdk_form_signature(KEY, &url, &pairs[..pairs.len() - 1])
    };
    type Sign<'a> = &'a dyn Fn(&Callback) -> String;
    let orders: [(&str, Sign, u16); 3] = [
        ("CA1400", &sdk, 204),
        ("CA1401", &twilio, 204),
        ("CA1402", &neither, 403),
    ];
    for (sid, sign, status) in orders {
        let call = call(sid);
        assert_ne!(sdk(&call), twilio(&call));
        let signed = Signed::form(&app.key, &url, call.form()).signature(sign(&call));
        assert_eq!(app.send(&signed).await.status(), status, "{sid}");
    }
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    assert_eq!(m.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn a_rejected_signature_logs_the_url_it_was_checked_against_at_debug() {
    let key = "debug-log-key";
    let exporter = Exporter::start(key, None, &["--log.level=debug"]).await;
    let url = exporter.url("/status-callback?tenant=a");
    let form = Callback::completed("CA1500").form();
    let wrong = SigningKey::new("another-key");
    let signed = Signed::form(&wrong, &url, form.clone());
    let sha256 = sha256_signature("another-key", &url, form.as_bytes());
    let client = reqwest::Client::new();
    let response = signed
        .request(&client)
        .header(SHA256_HEADER, &sha256)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), MISMATCH);
    let log = exporter.log();
    let line = log
        .lines()
        .find(|l| l.contains("signature does not match this URL"))
        .unwrap_or_else(|| panic!("no rejection line in {log}"));
    assert!(line.contains(&format!("signed_url=\"{url}\"")), "{line}");
    assert!(line.contains("sha256_header=true"), "{line}");
    for secret in [key, &signed.signature, &sha256] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}
