//! Every class of bad input: its status, its one-line reason, its outcome,
//! and that nothing it carried is recorded.

use std::time::Duration;

use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::SigningKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

async fn expect(response: reqwest::Response, status: u16, reason: &str) {
    assert_eq!(response.status(), status);
    let body = response.text().await.unwrap();
    assert!(
        body.ends_with('\n') && body.lines().count() == 1,
        "not one line: {body:?}"
    );
    assert!(body.contains(reason), "{body:?} lacks {reason:?}");
}

#[tokio::test]
async fn each_bad_request_gets_its_status_reason_and_outcome_and_records_nothing() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let good = completed_call("CA1200");
    let params: Params = good.iter().copied().collect();
    let signature = app.key.sign_form(&url, &params);

    let r = app
        .client
        .put(&url)
        .body(form_body(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, POST");
    expect(r, 405, "method not allowed").await;
    let r = app.client.delete(&url).send().await.unwrap();
    expect(r, 405, "method not allowed").await;

    let r = app
        .post(&url, Some("text/plain"), Some(&signature), form_body(&good))
        .await;
    expect(r, 415, "unsupported content type").await;
    let r = app.post(&url, None, None, form_body(&good)).await;
    expect(r, 415, "unsupported content type").await;

    let r = app
        .post(&url, Some(FORM), None, vec![b'a'; 64 * 1024 + 1])
        .await;
    expect(r, 413, "larger than 65536 bytes").await;
    // Without Content-Length (chunked), the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..70).map(|_| Ok(vec![b'a'; 1024])).collect();
    let r = app
        .post(
            &url,
            Some(FORM),
            None,
            reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)),
        )
        .await;
    expect(r, 413, "larger than").await;

    // Undecodable: 400 before the signature is even looked at.
    let r = app
        .post(
            &url,
            Some(FORM),
            None,
            "CallSid=%ff%fe&CallStatus=completed",
        )
        .await;
    expect(r, 400, "not valid UTF-8").await;

    let r = app.post(&url, Some(FORM), None, form_body(&good)).await;
    expect(r, 403, "missing X-SignalWire-Signature").await;
    let r = app
        .post(&url, Some(FORM), Some("AAAA"), form_body(&good))
        .await;
    expect(r, 403, "signature does not match").await;
    // A correct signature over other values.
    let tampered = with(good.clone(), "AudioInMos", "1.0");
    let r = app
        .post(&url, Some(FORM), Some(&signature), form_body(&tampered))
        .await;
    expect(r, 403, "signature does not match").await;

    // Signed, but not an event.
    for (missing, fields) in [
        ("CallSid", without(good.clone(), "CallSid")),
        ("CallStatus", with(good.clone(), "CallStatus", "")),
    ] {
        let params: Params = fields.iter().copied().collect();
        let r = app
            .post(
                &url,
                Some(FORM),
                Some(&app.key.sign_form(&url, &params)),
                form_body(&fields),
            )
            .await;
        expect(r, 400, &format!("{missing} is missing or empty")).await;
    }

    // Signed JSON that is not JSON, or not an object.
    for (body, reason) in [
        ("{\"CallSid\":", "not valid JSON"),
        ("[1,2]", "must be an object"),
        (
            "{\"CallSid\":true,\"CallStatus\":\"completed\"}",
            "CallSid is missing",
        ),
    ] {
        let r = app.post_json(body).await;
        expect(r, 400, reason).await;
    }
    // Unsigned JSON is refused before it is parsed.
    let r = app.post(&url, Some(JSON), Some("00"), "{").await;
    expect(r, 403, "signature does not match").await;

    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_call_events_total"), 0.0);
    assert_eq!(m.sum("signalwire_audio_in_mos_count"), 0.0);
    assert_eq!(m.outcome("method_not_allowed"), 2.0);
    assert_eq!(m.outcome("unsupported_media_type"), 2.0);
    assert_eq!(m.outcome("payload_too_large"), 2.0);
    assert_eq!(m.outcome("invalid_signature"), 4.0);
    assert_eq!(m.outcome("bad_request"), 6.0);
    assert_eq!(m.outcome("accepted"), 0.0);

    // The good event still records exactly, after all of that.
    let r = app
        .client
        .post(&url)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .header("x-signalwire-signature", &signature)
        .body(form_body(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
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
        m.value("signalwire_audio_in_mos_sum", INBOUND_COMPLETED),
        4.5
    );
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_and_one_over_is_refused() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.max_body_bytes = 2048;
    let app = TestApp::spawn_with(settings).await;
    let url = app.url("/status-callback");
    let base = form_body(&completed_call("CA1300"));
    for (extra, status) in [(2048 - base.len(), 204), (2048 - base.len() + 1, 413)] {
        // Pad with an ignored field to exactly the size wanted.
        let pad = "x".repeat(extra - "&Pad=".len());
        let body = format!("{base}&Pad={pad}");
        let mut fields = completed_call("CA1300");
        fields.push(("Pad", Box::leak(pad.into_boxed_str())));
        let params: Params = fields.iter().copied().collect();
        let r = app
            .post(
                &url,
                Some(FORM),
                Some(&app.key.sign_form(&url, &params)),
                body.clone(),
            )
            .await;
        assert_eq!(r.status(), status, "body of {} bytes", body.len());
    }
}

#[tokio::test]
async fn a_slow_body_is_timed_out_with_408() {
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    settings.read_timeout = Duration::from_millis(300);
    let app = TestApp::spawn_with(settings).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"POST /status-callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallSid=")
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .expect("the server answers on its own")
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        response.contains("request body not received within 300ms"),
        "{response}"
    );
    let m = app.metrics().await;
    assert_eq!(m.outcome("bad_request"), 1.0);
}
