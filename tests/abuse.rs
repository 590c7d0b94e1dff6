//! Hostile input over real HTTP on loopback: slow clients, oversized and
//! malformed bodies, signature floods, hostile numbers, replays and file
//! descriptor exhaustion. Every case asserts exact statuses and counts; the
//! only timings are generous timeouts that mean "it answered at all".

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::time::Duration;

use futures_util::StreamExt;
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::SigningKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::*;
use helpers::*;

fn settings() -> Settings {
    Settings::local(vec![SigningKey::new(KEY)])
}

fn key() -> SigningKey {
    SigningKey::new(KEY)
}

/// Reads until EOF (or reset) and returns what came, bounded by `PATIENCE`.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection within the patience");
    buf
}

/// A signed form POST whose body is padded with an ignored field to exactly
/// `size` bytes.
fn padded_form(call_sid: &'static str, size: usize, url: &str) -> (Vec<u8>, String) {
    let base = form_body(&completed_call(call_sid));
    let pad = "x".repeat(size - base.len() - "&Pad=".len());
    let body = format!("{base}&Pad={pad}").into_bytes();
    assert_eq!(body.len(), size);
    let signature = sign_form_body(&key(), url, &body);
    (body, signature)
}

/// A scrape on a new connection. With a short read timeout the server closes
/// idle keep-alive connections, so a pooled one may be gone by now.
async fn fresh_metrics(app: &TestApp) -> Metrics {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Metrics::parse(&text)
}

fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

// ---------------------------------------------------------------- slow clients

#[tokio::test]
async fn slowloris_partial_header_is_cut_off_while_others_are_served() {
    let mut s = settings();
    s.read_timeout = Duration::from_millis(500);
    let app = TestApp::spawn_with(s).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"POST /status-callback HTTP/1.1\r\nHost: x\r\nX-Partial: aaaa")
        .await
        .unwrap();
    // While it stalls, a normal client is served.
    let r = tokio::time::timeout(PATIENCE, app.post_form(&completed_call("CA-SL-1")))
        .await
        .expect("a normal request is answered while a slowloris stalls");
    assert_eq!(r.status(), 204);
    // The stalled connection is closed without a response.
    assert_eq!(until_closed(&mut slow).await, b"");
    let m = fresh_metrics(&app).await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.outcome("bad_request"), 0.0);
}

#[tokio::test]
async fn slowloris_drip_fed_headers_are_cut_off() {
    let mut s = settings();
    s.read_timeout = Duration::from_millis(500);
    let app = TestApp::spawn_with(s).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One header byte every 50 ms never finishes the head; the deadline is
    // for the whole head, so the drip does not keep the connection open.
    let mut closed = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if slow.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let mut probe = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(1), slow.read(&mut probe)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) => panic!("the server answered an unfinished head"),
            Err(_) => {}
        }
    }
    assert!(closed, "a drip-fed head kept the connection open for 10 s");
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn silent_connection_is_closed_by_the_header_timeout() {
    let mut s = settings();
    s.read_timeout = Duration::from_millis(500);
    let app = TestApp::spawn_with(s).await;
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    assert_eq!(until_closed(&mut idle).await, b"");
}

#[tokio::test]
async fn slow_body_gets_408_and_is_counted_as_bad_request() {
    let mut s = settings();
    s.read_timeout = Duration::from_millis(500);
    let app = TestApp::spawn_with(s).await;
    let h = head(
        "POST",
        "/status-callback",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "1000"),
        ],
    );
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(format!("{h}\r\nCallSid=CA1&CallStatus=").as_bytes())
        .await
        .unwrap();
    let r = read_all(&mut stream).await;
    assert_eq!(r.status, 408, "{}", r.text);
    assert_eq!(r.body(), "request body not received within 500ms\n");
    // Chunked and stalled the same way.
    let h = head(
        "POST",
        "/status-callback",
        &[
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
    );
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(format!("{h}\r\n5\r\n{{\"a\":\r\n").as_bytes())
        .await
        .unwrap();
    let r = read_all(&mut stream).await;
    assert_eq!(r.status, 408, "{}", r.text);
    let m = app.metrics().await;
    assert_eq!(m.outcome("bad_request"), 2.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 0.0);
}

// ---------------------------------------------------------------- body limits

#[tokio::test]
async fn body_at_the_limit_is_accepted_with_and_without_content_length() {
    let mut s = settings();
    s.max_body_bytes = 2048;
    let app = TestApp::spawn_with(s).await;
    let url = raw_url("/status-callback");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");

    let (body, sig) = padded_form("CA-LIM-1", 2048, &url);
    let h = head(
        "POST",
        "/status-callback",
        &[
            ct,
            ("Content-Length", "2048"),
            ("X-SignalWire-Signature", &sig),
        ],
    );
    let r = raw(app.addr, &[format!("{h}\r\n").as_bytes(), &body].concat()).await;
    assert_eq!(r.status, 204, "{}", r.text);

    let (body, sig) = padded_form("CA-LIM-2", 2048, &url);
    let h = head(
        "POST",
        "/status-callback",
        &[
            ct,
            ("Transfer-Encoding", "chunked"),
            ("X-SignalWire-Signature", &sig),
        ],
    );
    let r = raw(
        app.addr,
        &[format!("{h}\r\n").as_bytes(), &chunked(&body, 300)].concat(),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
}

#[tokio::test]
async fn body_one_byte_over_the_limit_is_413_with_and_without_content_length() {
    let mut s = settings();
    s.max_body_bytes = 2048;
    let app = TestApp::spawn_with(s).await;
    let url = raw_url("/status-callback");
    let ct = ("Content-Type", "application/x-www-form-urlencoded");

    let (body, sig) = padded_form("CA-OVER-1", 2049, &url);
    let h = head(
        "POST",
        "/status-callback",
        &[
            ct,
            ("Content-Length", "2049"),
            ("X-SignalWire-Signature", &sig),
        ],
    );
    let r = raw(app.addr, &[format!("{h}\r\n").as_bytes(), &body].concat()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(
        r.body(),
        "payload larger than 2048 bytes (--web.max-body-bytes)\n"
    );

    let h = head(
        "POST",
        "/status-callback",
        &[
            ct,
            ("Transfer-Encoding", "chunked"),
            ("X-SignalWire-Signature", &sig),
        ],
    );
    let r = raw(
        app.addr,
        &[format!("{h}\r\n").as_bytes(), &chunked(&body, 300)].concat(),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text);

    // A GET whose query is one byte over.
    let query = format!(
        "CallSid=CA1&CallStatus=completed&Pad={}",
        "y".repeat(2049 - 37)
    );
    assert_eq!(query.len(), 2049);
    let r = raw(
        app.addr,
        format!(
            "{}\r\n",
            head("GET", &format!("/status-callback?{query}"), &[])
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text);

    let m = app.metrics().await;
    assert_eq!(m.outcome("payload_too_large"), 3.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 0.0);
}

#[tokio::test]
async fn body_far_over_the_limit_is_refused_without_reading_it_all() {
    let mut s = settings();
    s.max_body_bytes = 2048;
    let app = TestApp::spawn_with(s).await;
    let ct = ("Content-Type", "application/x-www-form-urlencoded");

    // Declared 10 GB, nothing sent: refused from the header alone.
    let h = head(
        "POST",
        "/status-callback",
        &[ct, ("Content-Length", "10000000000")],
    );
    let r = raw(app.addr, format!("{h}\r\n").as_bytes()).await;
    assert_eq!(r.status, 413, "{}", r.text);

    // A Content-Length beyond u64: hyper refuses the head itself (400) and
    // the webhook never sees it.
    let h = head(
        "POST",
        "/status-callback",
        &[ct, ("Content-Length", "99999999999999999999999")],
    );
    let r = raw(app.addr, format!("{h}\r\n").as_bytes()).await;
    assert_eq!(r.status, 400, "{}", r.text);

    // 8 MiB streamed in chunks: the server answers once the limit is passed
    // while the client is still writing.
    let h = head(
        "POST",
        "/status-callback",
        &[ct, ("Transfer-Encoding", "chunked")],
    );
    let stream = TcpStream::connect(app.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(format!("{h}\r\n").as_bytes()).await;
        let chunk = chunked(&[b'a'; 8192], 8192);
        let chunk = &chunk[..chunk.len() - 5]; // without the final 0-chunk
        let mut sent = 0usize;
        for _ in 0..1024 {
            if write.write_all(chunk).await.is_err() {
                break;
            }
            sent += 8192;
        }
        sent
    });
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        let mut chunk = [0u8; 4096];
        loop {
            match read.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("answered within the patience");
    let sent = tokio::time::timeout(PATIENCE, writer)
        .await
        .unwrap()
        .unwrap();
    let r = RawResponse::parse(&buf);
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(sent < 8 << 20, "the server read all {sent} bytes");

    let m = app.metrics().await;
    assert_eq!(m.outcome("payload_too_large"), 2.0);
    let r = app.post_form(&completed_call("CA-FAR-OK")).await;
    assert_eq!(r.status(), 204);
}

// ---------------------------------------------------------------- signatures

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_signature_flood_then_genuine_events_record_exactly() {
    const FLOOD: usize = 2000;
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let wrong_key = SigningKey::new("not-the-key");
    let results: Vec<u16> = futures_util::stream::iter(0..FLOOD)
        .map(|i| {
            let client = app.client.clone();
            let url = url.clone();
            let wrong_key = wrong_key.clone();
            let key = app.key.clone();
            async move {
                let sid: &'static str = Box::leak(format!("CA-FLOOD-{i}").into_boxed_str());
                let fields = completed_call(sid);
                let params: Params = fields.iter().copied().collect();
                let body = form_body(&fields);
                let form = |sig: Option<String>, header: &str| {
                    let mut rb = client
                        .post(&url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.clone());
                    if let Some(sig) = sig {
                        rb = rb.header(header, sig);
                    }
                    rb
                };
                let request = match i % 6 {
                    0 => form(
                        Some(wrong_key.sign_form(&url, &params)),
                        "x-signalwire-signature",
                    ),
                    1 => form(Some("!!not base64!!".into()), "x-signalwire-signature"),
                    2 => form(None, "x-signalwire-signature"),
                    3 => {
                        // A genuine signature, over other values.
                        let other: Params = with(fields.clone(), "AudioInMos", "1.0")
                            .iter()
                            .copied()
                            .collect();
                        form(Some(key.sign_form(&url, &other)), "x-signalwire-signature")
                    }
                    4 => form(
                        Some(wrong_key.sign_form(&url, &params)),
                        "x-twilio-signature",
                    ),
                    _ => {
                        let json =
                            format!("{{\"CallSid\":\"{sid}\",\"CallStatus\":\"completed\"}}");
                        client
                            .post(&url)
                            .header("content-type", "application/json")
                            .header(
                                "x-signalwire-signature",
                                wrong_key.sign_json(&url, json.as_bytes()),
                            )
                            .body(json)
                    }
                };
                request.send().await.expect("request").status().as_u16()
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(results.len(), FLOOD);
    assert!(
        results.iter().all(|&s| s == 403),
        "a forged request got through"
    );

    for i in 0..10 {
        let sid: &'static str = Box::leak(format!("CA-GENUINE-{i}").into_boxed_str());
        assert_eq!(app.post_form(&completed_call(sid)).await.status(), 204);
    }
    let m = app.metrics().await;
    assert_eq!(m.outcome("invalid_signature"), FLOOD as f64);
    assert_eq!(m.outcome("accepted"), 10.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 10.0);
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        28290.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_count", INBOUND_COMPLETED),
        10.0
    );
}

#[tokio::test]
async fn replays_of_a_signed_request_are_counted_once() {
    let app = TestApp::spawn().await;
    let fields = completed_call("CA-REPLAY");
    for _ in 0..100 {
        assert_eq!(app.post_form(&fields).await.status(), 204);
    }
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.outcome("duplicate"), 99.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        2829.0
    );
}

// ---------------------------------------------------------------- JSON

#[tokio::test]
async fn deeply_nested_json_is_refused_without_panic() {
    let mut s = settings();
    s.max_body_bytes = 512 * 1024;
    let app = TestApp::spawn_with(s).await;
    let url = app.url("/status-callback");
    let bodies: Vec<Vec<u8>> = vec![
        vec![b'['; 100_000],
        [b"{\"CallSid\":".as_slice(), &[b'['; 100_000]].concat(),
        b"{\"a\":".repeat(50_000),
        [vec![b'['; 100_000], vec![b']'; 100_000]].concat(),
        b"{\"a\":{".repeat(40_000),
    ];
    for body in &bodies {
        // Unsigned: refused before parsing.
        let r = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-signalwire-signature", "00")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Signed: parsed, and refused at serde_json's depth limit.
        let r = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-signalwire-signature", app.key.sign_json(&url, body))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        // A top-level array is refused as not an object before any descent;
        // an object nesting too deep hits serde_json's depth limit.
        let expected = if body[0] == b'[' {
            "JSON body must be an object"
        } else {
            "body is not valid JSON"
        };
        assert!(text.starts_with(expected), "{text}");
    }
    // Deep nesting as a form body is just text.
    let form = format!(
        "CallSid=CA-DEEP&CallStatus=completed&X={}",
        "%5B".repeat(50_000)
    );
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-signalwire-signature",
            sign_form_body(&app.key, &url, form.as_bytes()),
        )
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let m = app.metrics().await;
    let n = bodies.len() as f64;
    assert_eq!(m.outcome("invalid_signature"), n);
    assert_eq!(m.outcome("bad_request"), n);
    assert_eq!(m.outcome("accepted"), 1.0);
}

#[tokio::test]
async fn huge_json_strings_within_the_limit() {
    let mut s = settings();
    s.max_body_bytes = 256 * 1024;
    let app = TestApp::spawn_with(s).await;
    let url = app.url("/status-callback");
    let big = "A".repeat(200_000);
    let escapes = "\\u0041".repeat(40_000);
    let cases: Vec<(String, u16)> = vec![
        // A 200 kB CallSid is still an id: accepted, one fixed-size dedupe entry.
        (
            format!("{{\"CallSid\":\"{big}\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\"}}"),
            204,
        ),
        (
            format!("{{\"CallSid\":\"CA-ESC\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\",\"Junk\":\"{escapes}\"}}"),
            204,
        ),
        // Unterminated.
        (format!("{{\"CallSid\":\"{big}"), 400),
        // A lone surrogate in a huge string.
        (
            format!("{{\"CallSid\":\"{big}\\ud800\",\"CallStatus\":\"completed\"}}"),
            400,
        ),
        // A huge number literal where a count goes: the field is invalid, not the body.
        (
            format!(
                "{{\"CallSid\":\"CA-NUM\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\",\"AudioInMediaPacketCount\":{}}}",
                "9".repeat(200_000)
            ),
            204,
        ),
    ];
    for (body, status) in &cases {
        assert!(body.len() <= 256 * 1024);
        let r = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header(
                "x-signalwire-signature",
                app.key.sign_json(&url, body.as_bytes()),
            )
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), *status, "{}", &body[..40]);
    }
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header("x-signalwire-signature", app.key.sign_json(&url, b"{}"))
        .body(cases[0].0.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 3.0);
    assert_eq!(m.outcome("bad_request"), 2.0);
    assert_eq!(m.outcome("invalid_signature"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        3.0
    );
    assert_eq!(
        m.value(
            "signalwire_exporter_invalid_fields_total",
            &[("field", "AudioInMediaPacketCount")]
        ),
        1.0
    );
    // The huge values are in no label.
    assert!(!m.text.contains("AAAAAAAA"));
}

// ---------------------------------------------------------------- encodings

#[tokio::test]
async fn invalid_utf8_and_bad_percent_encoding_in_form_and_query() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let post = |body: Vec<u8>, sig: Option<String>| {
        let mut rb = app
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(sig) = sig {
            rb = rb.header("x-signalwire-signature", sig);
        }
        rb.send()
    };

    // Not UTF-8 after decoding: 400 before the signature is looked at.
    for body in [
        b"CallSid=%ff&CallStatus=completed".to_vec(),
        b"CallSid=%c3%28&CallStatus=completed".to_vec(), // bad continuation
        b"CallSid=%c0%af&CallStatus=completed".to_vec(), // overlong '/'
        b"CallSid=%ed%a0%80&CallStatus=completed".to_vec(), // UTF-16 surrogate
        b"CallSid=%f4%90%80%80&CallStatus=completed".to_vec(), // above U+10FFFF
        [
            b"CallSid=CA1&CallStatus=completed&".as_slice(),
            &[0xff, b'=', 0xfe],
        ]
        .concat(), // raw bytes
        b"%e2%82=x&CallSid=CA1&CallStatus=completed".to_vec(), // truncated, in a name
    ] {
        let r = post(body.clone(), Some("AAAA".into())).await.unwrap();
        assert_eq!(r.status(), 400, "{}", String::from_utf8_lossy(&body));
        assert_eq!(
            r.text().await.unwrap(),
            "form data is not valid UTF-8 after percent-decoding\n"
        );
    }

    // Bad escapes are kept literally (as the WHATWG decoder does) and signed so.
    let body = b"CallSid=CA-%zz%&CallStatus=completed&Direction=inbound&X=%4&Y=%%41&Z=%g0".to_vec();
    let params = Params::from_form(&body).unwrap();
    assert_eq!(
        params.get("CallSid").and_then(|v| v.as_text()),
        Some("CA-%zz%")
    );
    assert_eq!(params.get("Y").and_then(|v| v.as_text()), Some("%A"));
    let r = post(body.clone(), Some(app.key.sign_form(&url, &params)))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The same body signed as if the escapes had been dropped is forged.
    let dropped: Params = [
        ("CallSid", "CA-"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("X", ""),
        ("Y", "A"),
        ("Z", ""),
    ]
    .into_iter()
    .collect();
    let r = post(body, Some(app.key.sign_form(&url, &dropped)))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Query strings: %ff is 400; bad escapes are literal and signable.
    let r = app
        .client
        .get(format!("{url}?CallSid=%ff&CallStatus=completed"))
        .header("x-signalwire-signature", "AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let get_url = format!("{url}?CallSid=CA-Q%zz&CallStatus=completed&Direction=inbound&W=%");
    let sig = app.key.sign_form(&get_url, &Params::default());
    let r = app
        .client
        .get(&get_url)
        .header("x-signalwire-signature", sig)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Raw non-ASCII bytes in the request target never reach the webhook:
    // the HTTP layer refuses the request line.
    let r = raw(
        app.addr,
        &[
            b"GET /status-callback?CallSid=CA\xff\xfe&CallStatus=completed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .as_slice(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // A raw non-UTF-8 header value where the signature goes is just a wrong signature.
    let h = head(
        "POST",
        "/status-callback",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "32"),
        ],
    );
    let request = [
        h.as_bytes(),
        b"X-SignalWire-Signature: \xff\xfe\xfd\r\n\r\n",
        b"CallSid=CA-HDR&CallStatus=ringin",
    ]
    .concat();
    let r = raw(app.addr, &request).await;
    assert_eq!(r.status, 403, "{}", r.text);

    let m = app.metrics().await;
    assert_eq!(m.outcome("bad_request"), 8.0);
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(m.outcome("invalid_signature"), 2.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
}

#[tokio::test]
async fn repeated_form_keys_first_wins_and_the_signature_covers_all_values() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let post = |body: &str, sig: String| {
        app.client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-signalwire-signature", sig)
            .body(body.to_owned())
            .send()
    };
    let b1 = "CallSid=CA-R1&CallStatus=completed&Direction=inbound&AudioInMediaPacketCount=10&AudioInMediaPacketCount=99&CallSid=CA-R2";
    let sig1 = sign_form_body(&app.key, &url, b1.as_bytes());
    assert_eq!(post(b1, sig1.clone()).await.unwrap().status(), 204);
    // The same pairs in another order: the signature (sorted values) still
    // holds, and the first occurrences make it another event.
    let b2 = "CallSid=CA-R2&CallStatus=completed&Direction=inbound&AudioInMediaPacketCount=99&AudioInMediaPacketCount=10&CallSid=CA-R1";
    assert_eq!(post(b2, sig1.clone()).await.unwrap().status(), 204);
    // A signature over the first occurrences only does not cover the body.
    let firsts = "CallSid=CA-R1&CallStatus=completed&Direction=inbound&AudioInMediaPacketCount=10";
    let r = post(b1, sign_form_body(&app.key, &url, firsts.as_bytes()))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A repeated identical pair signs as one: same signature, same event.
    let b4 = format!("{b1}&CallSid=CA-R2");
    assert_eq!(post(&b4, sig1).await.unwrap().status(), 204);

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(m.outcome("duplicate"), 1.0);
    assert_eq!(m.outcome("invalid_signature"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        109.0
    );
}

/// Regression test for a finding (see the hardening report): a JSON object
/// with a repeated name takes the *last* value (serde_json's map), while
/// form bodies and the `Params` contract take the first.
#[tokio::test]
async fn repeated_json_keys_first_wins_like_form() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let body = r#"{"CallSid":"CA-JR","CallStatus":"completed","Direction":"inbound","AudioInMediaPacketCount":10,"AudioInMediaPacketCount":99}"#;
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header(
            "x-signalwire-signature",
            app.key.sign_json(&url, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        10.0,
        "the first AudioInMediaPacketCount should count, as in a form body"
    );
}

// ---------------------------------------------------------------- numbers

#[tokio::test]
async fn hostile_numbers_are_invalid_fields_and_the_rest_still_records() {
    let app = TestApp::spawn().await;
    let url = app.url("/status-callback");
    let huge = "9".repeat(400);
    let fields: Vec<(&str, &str)> = vec![
        ("CallSid", "CA-NUM-FORM"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("AudioInMediaPacketCount", "2829"),
        ("AudioInSkipPacketCount", "NaN"),
        ("AudioInFlushPacketCount", "inf"),
        ("AudioInDtmfPacketCount", "-1"),
        ("AudioOutMediaPacketCount", "1e5"),
        ("AudioOutDtmfPacketCount", "1e400"),
        ("CallDuration", &huge),
        ("RecordingDuration", "-0"),
        ("AudioInMos", "1e5"),
        ("AudioInJitterMaxVariance", "-inf"),
        ("AudioInJitterMinVariance", "0x10"),
        ("AudioInLargestJbSize", "1_000"),
        ("AudioInAveragePtime", "20.0"),
    ];
    assert_eq!(app.post_form(&fields).await.status(), 204);

    // The same in JSON, with number literals where JSON allows them.
    let json = format!(
        r#"{{"CallSid":"CA-NUM-JSON","CallStatus":"completed","Direction":"inbound",
        "AudioInMediaPacketCount":1e5,"AudioInSkipPacketCount":-1,
        "AudioInFlushPacketCount":1e400,"AudioInDtmfPacketCount":{huge},
        "AudioOutMediaPacketCount":"NaN","AudioOutDtmfPacketCount":"Infinity",
        "CallDuration":-0,"RecordingDuration":1E2,"AudioInMos":4.25,
        "AudioInJitterMaxVariance":-1e-400,"AudioInJitterMinVariance":[1],
        "AudioInLargestJbSize":null,"AudioInAveragePtime":true}}"#
    );
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header(
            "x-signalwire-signature",
            app.key.sign_json(&url, json.as_bytes()),
        )
        .body(json)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // NaN is no JSON literal: the whole body is refused.
    let nan = r#"{"CallSid":"CA-NAN","CallStatus":"completed","AudioInMos":NaN}"#;
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header(
            "x-signalwire-signature",
            app.key.sign_json(&url, nan.as_bytes()),
        )
        .body(nan)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let m = app.metrics().await;
    let invalid = |field: &str| {
        m.value(
            "signalwire_exporter_invalid_fields_total",
            &[("field", field)],
        )
    };
    let l = INBOUND_COMPLETED;
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(m.outcome("bad_request"), 1.0);
    assert_eq!(m.value("signalwire_call_events_total", l), 2.0);
    // Valid: media 2829 + 1e5; out 1e5 (form); durations -0 → 0 and 0, 100.
    assert_eq!(m.value("signalwire_audio_in_packets_total", l), 102_829.0);
    assert_eq!(m.value("signalwire_audio_out_packets_total", l), 100_000.0);
    assert_eq!(m.value("signalwire_audio_in_skipped_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_audio_in_flushed_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_audio_in_dtmf_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_audio_out_dtmf_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_call_duration_seconds_count", l), 1.0);
    assert_eq!(m.value("signalwire_call_duration_seconds_sum", l), 0.0);
    assert_eq!(
        m.value("signalwire_recording_duration_seconds_count", l),
        2.0
    );
    assert_eq!(
        m.value("signalwire_recording_duration_seconds_sum", l),
        100.0
    );
    assert_eq!(m.value("signalwire_audio_in_mos_count", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_mos_sum", l), 4.25);
    assert_eq!(
        m.value("signalwire_audio_in_average_ptime_seconds_count", l),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_jitter_max_variance_count", l),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_jitter_max_variance_sum", l),
        0.0
    );
    // No loss ratio where the skipped count was invalid.
    assert_eq!(
        m.value("signalwire_audio_in_packet_loss_ratio_count", l),
        0.0
    );
    // Exact invalid counts, form + JSON.
    assert_eq!(invalid("AudioInSkipPacketCount"), 2.0);
    assert_eq!(invalid("AudioInFlushPacketCount"), 2.0);
    assert_eq!(invalid("AudioInDtmfPacketCount"), 2.0);
    assert_eq!(invalid("AudioOutMediaPacketCount"), 1.0);
    assert_eq!(invalid("AudioOutDtmfPacketCount"), 2.0);
    assert_eq!(invalid("CallDuration"), 1.0);
    assert_eq!(invalid("RecordingDuration"), 0.0);
    assert_eq!(invalid("AudioInMos"), 1.0);
    assert_eq!(invalid("AudioInJitterMaxVariance"), 1.0);
    assert_eq!(invalid("AudioInJitterMinVariance"), 2.0);
    assert_eq!(invalid("AudioInLargestJbSize"), 2.0);
    assert_eq!(invalid("AudioInAveragePtime"), 1.0);
    assert_eq!(invalid("AudioInMediaPacketCount"), 0.0);
    assert_eq!(m.sum("signalwire_exporter_invalid_fields_total"), 17.0);
}

// ---------------------------------------------------------------- descriptors

/// The real binary with 256 file descriptors and 400 idle connections: it
/// runs out of descriptors, backs off on accept errors, and serves again
/// once the connections are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fd_exhaustion_backs_off_and_recovers() {
    const KEY_TEXT: &str = "fd-test-key";
    let exporter = Exporter::start(KEY_TEXT, Some(256), &[]).await;
    let addr = exporter.addr;
    // About 245 are accepted before descriptors run out and 128 more wait
    // in the listen backlog; past that the kernel drops the handshake, so
    // stop at the first connect that does not complete.
    let mut held = Vec::new();
    for _ in 0..400 {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await {
            Ok(Ok(c)) => held.push(c),
            _ => break,
        }
    }
    assert!(held.len() > 256, "only {} connections", held.len());
    // Bounded wait for the accept loop to hit the limit and say so.
    let mut saw = false;
    for _ in 0..100 {
        if exporter.log().contains("accept failed") {
            saw = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(saw, "no accept error logged:\n{}", exporter.log());
    assert!(exporter.log().contains("os error 24"), "{}", exporter.log());
    drop(held);

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut healthy = false;
    for _ in 0..100 {
        if client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healthy, "not healthy again:\n{}", exporter.log());
    let url = format!("http://{addr}/status-callback");
    let fields = completed_call("CA-FD");
    let params: Params = fields.iter().copied().collect();
    let r = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-signalwire-signature",
            SigningKey::new(KEY_TEXT).sign_form(&url, &params),
        )
        .body(form_body(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let text = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let m = Metrics::parse(&text);
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}
