//! Hostile input over real HTTP on loopback: slow clients, oversized and
//! malformed bodies, signature floods, hostile numbers, malformed encodings
//! and file descriptor exhaustion. Every case asserts exact statuses and
//! counts; the only timings are generous timeouts that mean "it answered at
//! all".

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

fn with_read_timeout(ms: u64) -> Settings {
    let mut s = settings();
    s.read_timeout = Duration::from_millis(ms);
    s
}

fn with_body_limit(bytes: usize) -> Settings {
    let mut s = settings();
    s.max_body_bytes = bytes;
    s
}

/// A signed form POST (for a raw request to test.local) whose body is
/// padded with an ignored field to exactly `size` bytes.
fn padded_form(call_sid: &str, size: usize) -> Signed {
    let base = Callback::completed(call_sid).form();
    let pad = "x".repeat(size - base.len() - "&Pad=".len());
    let signed = Signed::form(
        &SigningKey::new(KEY),
        &raw_url("/status-callback"),
        format!("{base}&Pad={pad}"),
    );
    assert_eq!(signed.body.len(), size);
    signed
}

/// `signed` over a raw socket, its body chunked when `chunk` is given.
async fn raw_signed(
    addr: std::net::SocketAddr,
    signed: &Signed,
    chunk: Option<usize>,
) -> RawResponse {
    let request = match chunk {
        None => [signed.raw_head().into_bytes(), signed.body.clone()].concat(),
        Some(n) => {
            let sig = ("X-SignalWire-Signature", signed.signature.as_str());
            let framing = [
                ("Content-Type", FORM),
                ("Transfer-Encoding", "chunked"),
                sig,
            ];
            let h = head("POST", "/status-callback", &framing);
            [format!("{h}\r\n").into_bytes(), chunked(&signed.body, n)].concat()
        }
    };
    raw(addr, &request).await
}

// ---------------------------------------------------------------- slow clients

#[tokio::test]
async fn a_stalled_header_is_cut_off_while_others_are_served() {
    let app = TestApp::spawn_with(with_read_timeout(500)).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"POST /status-callback HTTP/1.1\r\nHost: x\r\nX-Partial: aaaa")
        .await
        .unwrap();
    // While it stalls, a normal client is served.
    let r = tokio::time::timeout(PATIENCE, app.post_form(&Callback::completed("CA-SL-1")))
        .await
        .expect("a normal request is answered while a slowloris stalls");
    assert_eq!(r.status(), 204);
    // The stalled connection is closed without a response.
    assert_eq!(until_closed(&mut slow).await, b"");
    let m = app.metrics_on_a_new_connection().await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.outcome("bad_request"), 0.0);
}

#[tokio::test]
async fn drip_fed_headers_are_cut_off_at_the_head_deadline() {
    let app = TestApp::spawn_with(with_read_timeout(500)).await;
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
async fn a_silent_connection_is_closed_by_the_header_timeout() {
    let app = TestApp::spawn_with(with_read_timeout(500)).await;
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    assert_eq!(until_closed(&mut idle).await, b"");
}

#[tokio::test]
async fn a_slow_body_gets_408_and_is_counted_as_bad_request() {
    let app = TestApp::spawn_with(with_read_timeout(500)).await;
    let mut checks = Checklist::default();
    for (what, content_type, framing, partial) in [
        (
            "Content-Length",
            FORM,
            ("Content-Length", "1000"),
            "CallSid=CA1&CallStatus=",
        ),
        (
            "chunked",
            JSON,
            ("Transfer-Encoding", "chunked"),
            "5\r\n{\"a\":\r\n",
        ),
    ] {
        let h = head(
            "POST",
            "/status-callback",
            &[("Content-Type", content_type), framing],
        );
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(format!("{h}\r\n{partial}").as_bytes())
            .await
            .unwrap();
        let r = read_all(&mut stream).await;
        checks.eq(format!("{what}: status"), r.status, 408);
        checks.eq(
            format!("{what}: reason"),
            r.body(),
            "request body not received within 500ms\n",
        );
    }
    let m = app.metrics().await;
    checks.eq("bad requests", m.outcome("bad_request"), 2.0);
    checks.eq("events", m.sum("signalwire_call_events_total"), 0.0);
}

// ---------------------------------------------------------------- body limits

#[tokio::test]
async fn a_body_at_the_limit_is_accepted_with_and_without_content_length() {
    let app = TestApp::spawn_with(with_body_limit(2048)).await;
    let r = raw_signed(app.addr, &padded_form("CA-LIM-1", 2048), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = raw_signed(app.addr, &padded_form("CA-LIM-2", 2048), Some(300)).await;
    assert_eq!(r.status, 204, "{}", r.text);

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        2.0
    );
}

#[tokio::test]
async fn a_body_one_byte_over_the_limit_is_413_with_and_without_content_length() {
    let app = TestApp::spawn_with(with_body_limit(2048)).await;
    let over = padded_form("CA-OVER-1", 2049);
    let r = raw_signed(app.addr, &over, None).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(
        r.body(),
        "payload larger than 2048 bytes (--web.max-body-bytes)\n"
    );
    let r = raw_signed(app.addr, &over, Some(300)).await;
    assert_eq!(r.status, 413, "{}", r.text);

    // A GET whose query is one byte over.
    let query = format!(
        "CallSid=CA1&CallStatus=completed&Pad={}",
        "y".repeat(2049 - 37)
    );
    assert_eq!(query.len(), 2049);
    let target = format!("/status-callback?{query}");
    let r = raw(
        app.addr,
        format!("{}\r\n", head("GET", &target, &[])).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text);

    let m = app.metrics().await;
    assert_eq!(m.outcome("payload_too_large"), 3.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 0.0);
}

#[tokio::test]
async fn a_declared_ten_gigabytes_are_refused_from_the_header_alone() {
    let app = TestApp::spawn_with(with_body_limit(2048)).await;
    let h = head(
        "POST",
        "/status-callback",
        &[("Content-Type", FORM), ("Content-Length", "10000000000")],
    );
    let r = raw(app.addr, format!("{h}\r\n").as_bytes()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(app.metrics().await.outcome("payload_too_large"), 1.0);
}

#[tokio::test]
async fn a_content_length_beyond_u64_is_refused_before_the_webhook() {
    let app = TestApp::spawn_with(with_body_limit(2048)).await;
    let h = head(
        "POST",
        "/status-callback",
        &[
            ("Content-Type", FORM),
            ("Content-Length", "99999999999999999999999"),
        ],
    );
    let r = raw(app.addr, format!("{h}\r\n").as_bytes()).await;
    // hyper refuses the head itself: the webhook never sees it.
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        app.metrics()
            .await
            .sum("signalwire_exporter_webhooks_total"),
        0.0
    );
}

#[tokio::test]
async fn a_streamed_body_far_over_the_limit_is_refused_while_still_sending() {
    let app = TestApp::spawn_with(with_body_limit(2048)).await;
    let h = head(
        "POST",
        "/status-callback",
        &[("Content-Type", FORM), ("Transfer-Encoding", "chunked")],
    );
    // 8 MiB in chunks: the server answers once the limit is passed while
    // the client is still writing.
    let (mut read, mut write) = TcpStream::connect(app.addr).await.unwrap().into_split();
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
    let r = RawResponse::parse(&until_closed(&mut read).await);
    let sent = tokio::time::timeout(PATIENCE, writer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(sent < 8 << 20, "the server read all {sent} bytes");

    assert_eq!(app.metrics().await.outcome("payload_too_large"), 1.0);
    let r = app.post_form(&Callback::completed("CA-FAR-OK")).await;
    assert_eq!(r.status(), 204);
}

// ---------------------------------------------------------------- signatures

/// One of six forgeries of `call`, by `i`.
fn forgery(key: &SigningKey, url: &str, i: usize) -> Signed {
    let wrong_key = SigningKey::new("not-the-key");
    let call = Callback::completed(format!("CA-FLOOD-{i}"));
    let forged = Signed::callback(&wrong_key, url, Wire::Form, &call);
    match i % 6 {
        0 => forged,
        1 => forged.signature("!!not base64!!"),
        2 => forged.signature(""),
        // A genuine signature, over other values.
        3 => Signed::callback(
            key,
            url,
            Wire::Form,
            &call.clone().with("AudioInMos", "1.0"),
        )
        .body(call.form()),
        4 => forged.header("x-twilio-signature"),
        _ => Signed::json(
            &wrong_key,
            url,
            format!("{{\"CallSid\":\"CA-FLOOD-{i}\",\"CallStatus\":\"completed\"}}"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_signatures_lets_none_through_and_genuine_events_still_record() {
    const FLOOD: usize = 2000;
    let app = TestApp::spawn().await;
    let url = app.webhook();
    let statuses: Vec<u16> = futures_util::stream::iter(0..FLOOD)
        .map(|i| {
            let (client, request) = (app.client.clone(), forgery(&app.key, &url, i));
            async move { request.send(&client).await.status().as_u16() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(statuses.len(), FLOOD);
    assert!(
        statuses.iter().all(|&s| s == 403),
        "a forged request got through"
    );

    for i in 0..10 {
        let call = Callback::completed(format!("CA-GENUINE-{i}"));
        assert_eq!(app.post_form(&call).await.status(), 204);
    }
    let m = app.metrics().await;
    assert_eq!(m.outcome("invalid_signature"), FLOOD as f64);
    assert_eq!(m.outcome("accepted"), 10.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 10.0);
    m.check(&[
        (
            "signalwire_audio_in_packets_total",
            INBOUND_COMPLETED,
            28290.0,
        ),
        ("signalwire_audio_in_mos_count", INBOUND_COMPLETED, 10.0),
    ]);
}

#[tokio::test]
async fn repeated_form_keys_take_the_first_value_and_the_signature_covers_all() {
    let app = TestApp::spawn().await;
    let url = app.webhook();
    let firsts = Callback::of([
        ("CallSid", "CA-R1"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("AudioInMediaPacketCount", "10"),
    ]);
    let b1 = firsts
        .clone()
        .and("AudioInMediaPacketCount", "99")
        .and("CallSid", "CA-R2");
    let signed = Signed::form(&app.key, &url, b1.form());
    assert_eq!(app.send(&signed).await.status(), 204);
    // The same pairs in another order: the signature (sorted values) still
    // holds, and the first occurrences make it another event.
    let b2 = Callback::of([
        ("CallSid", "CA-R2"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("AudioInMediaPacketCount", "99"),
        ("AudioInMediaPacketCount", "10"),
        ("CallSid", "CA-R1"),
    ]);
    assert_eq!(
        app.send(&signed.clone().body(b2.form())).await.status(),
        204
    );
    // A signature over the first occurrences only does not cover the body.
    let only_firsts = Signed::form(&app.key, &url, firsts.form()).body(b1.form());
    assert_eq!(app.send(&only_firsts).await.status(), 403);
    // A repeated identical pair signs as one: same signature, same event.
    let b4 = b1.and("CallSid", "CA-R2");
    assert_eq!(app.send(&signed.body(b4.form())).await.status(), 204);

    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 2.0);
    assert_eq!(m.outcome("duplicate"), 1.0);
    assert_eq!(m.outcome("invalid_signature"), 1.0);
    m.check(&[
        ("signalwire_call_events_total", INBOUND_COMPLETED, 2.0),
        (
            "signalwire_audio_in_packets_total",
            INBOUND_COMPLETED,
            109.0,
        ),
    ]);
}

/// A JSON object with a repeated name used to take the *last* value
/// (serde_json's map), while form bodies and the `Params` contract take the
/// first.
#[tokio::test]
async fn repeated_json_keys_take_the_first_value_like_a_form() {
    let app = TestApp::spawn().await;
    let body = r#"{"CallSid":"CA-JR","CallStatus":"completed","Direction":"inbound","AudioInMediaPacketCount":10,"AudioInMediaPacketCount":99}"#;
    assert_eq!(app.post_json(body).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        10.0,
        "the first AudioInMediaPacketCount should count, as in a form body"
    );
}

// ---------------------------------------------------------------- numbers

/// Field, hostile form value, hostile JSON literal, and whether each is
/// refused as invalid.
const HOSTILE: &[(&str, &str, &str, bool, bool)] = &[
    ("AudioInMediaPacketCount", "2829", "1e5", false, false),
    ("AudioInSkipPacketCount", "NaN", "-1", true, true),
    ("AudioInFlushPacketCount", "inf", "1e400", true, true),
    ("AudioInDtmfPacketCount", "-1", "HUGE", true, true),
    ("AudioOutMediaPacketCount", "1e5", "\"NaN\"", false, true),
    (
        "AudioOutDtmfPacketCount",
        "1e400",
        "\"Infinity\"",
        true,
        true,
    ),
    ("CallDuration", "HUGE", "-0", true, false),
    ("RecordingDuration", "-0", "1E2", false, false),
    ("AudioInMos", "1e5", "4.25", true, false),
    ("AudioInJitterMaxVariance", "-inf", "-1e-400", true, false),
    ("AudioInJitterMinVariance", "0x10", "[1]", true, true),
    ("AudioInLargestJbSize", "1_000", "null", true, true),
    ("AudioInAveragePtime", "20.0", "true", false, true),
];

/// 400 nines: beyond f64 and any integer type.
fn huge() -> String {
    "9".repeat(400)
}

fn hostile_form(call_sid: &str) -> Callback {
    let base = Callback::of([
        ("CallSid", call_sid),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
    ]);
    HOSTILE.iter().fold(base, |c, (field, form, ..)| {
        c.with(field, form.replace("HUGE", &huge()))
    })
}

fn hostile_json(call_sid: &str) -> String {
    let members: Vec<String> = HOSTILE
        .iter()
        .map(|(field, _, json, ..)| format!("\"{field}\":{}", json.replace("HUGE", &huge())))
        .collect();
    format!(
        r#"{{"CallSid":"{call_sid}","CallStatus":"completed","Direction":"inbound",{}}}"#,
        members.join(",")
    )
}

/// Exactly the fields the table marks invalid are counted, one each.
fn check_invalid(m: &Metrics, invalid: impl Fn(&(&str, &str, &str, bool, bool)) -> bool) {
    let mut checks = Checklist::default();
    for row in HOSTILE {
        let want = f64::from(u8::from(invalid(row)));
        checks.eq(
            row.0,
            m.get(INVALID_FIELDS, &[("field", row.0)]),
            Some(want),
        );
    }
    let total = HOSTILE.iter().filter(|row| invalid(row)).count() as f64;
    checks.eq("invalid fields, all", m.sum(INVALID_FIELDS), total);
}

#[tokio::test]
async fn hostile_numbers_in_a_form_are_invalid_fields_and_the_rest_still_records() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_form(&hostile_form("CA-NUM-FORM")).await.status(),
        204
    );
    let m = app.metrics().await;
    check_invalid(&m, |row| row.3);
    let l = INBOUND_COMPLETED;
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 2829.0),
        ("signalwire_audio_out_packets_total", l, 100_000.0),
        ("signalwire_audio_in_skipped_packets_total", l, 0.0),
        ("signalwire_audio_in_flushed_packets_total", l, 0.0),
        ("signalwire_audio_in_dtmf_packets_total", l, 0.0),
        ("signalwire_audio_out_dtmf_packets_total", l, 0.0),
        ("signalwire_call_duration_seconds_count", l, 0.0),
        // -0 is 0.
        ("signalwire_recording_duration_seconds_count", l, 1.0),
        ("signalwire_recording_duration_seconds_sum", l, 0.0),
        ("signalwire_audio_in_mos_count", l, 0.0),
        ("signalwire_audio_in_average_ptime_seconds_count", l, 1.0),
        ("signalwire_audio_in_jitter_max_variance_count", l, 0.0),
        // No loss ratio where the skipped count was invalid.
        ("signalwire_audio_in_packet_loss_ratio_count", l, 0.0),
    ]);
}

#[tokio::test]
async fn hostile_numbers_in_json_are_invalid_fields_and_the_rest_still_records() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_json(hostile_json("CA-NUM-JSON")).await.status(),
        204
    );
    let m = app.metrics().await;
    check_invalid(&m, |row| row.4);
    let l = INBOUND_COMPLETED;
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 100_000.0),
        ("signalwire_audio_out_packets_total", l, 0.0),
        ("signalwire_audio_in_skipped_packets_total", l, 0.0),
        ("signalwire_audio_in_flushed_packets_total", l, 0.0),
        ("signalwire_audio_in_dtmf_packets_total", l, 0.0),
        ("signalwire_audio_out_dtmf_packets_total", l, 0.0),
        // -0 is 0.
        ("signalwire_call_duration_seconds_count", l, 1.0),
        ("signalwire_call_duration_seconds_sum", l, 0.0),
        ("signalwire_recording_duration_seconds_count", l, 1.0),
        ("signalwire_recording_duration_seconds_sum", l, 100.0),
        ("signalwire_audio_in_mos_count", l, 1.0),
        ("signalwire_audio_in_mos_sum", l, 4.25),
        ("signalwire_audio_in_average_ptime_seconds_count", l, 0.0),
        // -1e-400 underflows to -0.
        ("signalwire_audio_in_jitter_max_variance_count", l, 1.0),
        ("signalwire_audio_in_jitter_max_variance_sum", l, 0.0),
        // No loss ratio where the skipped count was invalid.
        ("signalwire_audio_in_packet_loss_ratio_count", l, 0.0),
    ]);
}

#[tokio::test]
async fn a_nan_literal_makes_a_json_body_unreadable() {
    let app = TestApp::spawn().await;
    let nan = r#"{"CallSid":"CA-NAN","CallStatus":"completed","AudioInMos":NaN}"#;
    assert_eq!(app.post_json(nan).await.status(), 400);
    let m = app.metrics().await;
    assert_eq!(m.outcome("bad_request"), 1.0);
    assert_eq!(m.sum(INVALID_FIELDS), 0.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 0.0);
}

// ---------------------------------------------------------------- JSON

#[tokio::test]
async fn deeply_nested_json_is_refused_without_a_panic() {
    let app = TestApp::spawn_with(with_body_limit(512 * 1024)).await;
    let bodies: Vec<Vec<u8>> = vec![
        vec![b'['; 100_000],
        [b"{\"CallSid\":".as_slice(), &[b'['; 100_000]].concat(),
        b"{\"a\":".repeat(50_000),
        [vec![b'['; 100_000], vec![b']'; 100_000]].concat(),
        b"{\"a\":{".repeat(40_000),
    ];
    let mut checks = Checklist::default();
    for (i, body) in bodies.iter().enumerate() {
        let signed = Signed::json(&app.key, &app.webhook(), body.clone());
        // Unsigned: refused before parsing.
        let r = app.send(&signed.clone().signature("00")).await;
        checks.eq(format!("body {i} unsigned"), r.status().as_u16(), 403);
        // Signed: parsed, and refused. A top-level array is refused as not
        // an object before any descent; an object nesting too deep hits
        // serde_json's depth limit.
        let r = app.send(&signed).await;
        checks.eq(format!("body {i} signed"), r.status().as_u16(), 400);
        let text = r.text().await.unwrap();
        let expected = if body[0] == b'[' {
            "JSON body must be an object"
        } else {
            "body is not valid JSON"
        };
        checks.that(format!("body {i}: {text}"), text.starts_with(expected));
    }
    let m = app.metrics().await;
    let n = bodies.len() as f64;
    checks.eq("invalid signatures", m.outcome("invalid_signature"), n);
    checks.eq("bad requests", m.outcome("bad_request"), n);
}

#[tokio::test]
async fn deep_nesting_in_a_form_body_is_just_text() {
    let app = TestApp::spawn_with(with_body_limit(512 * 1024)).await;
    let call = Callback::of([("CallSid", "CA-DEEP"), ("CallStatus", "completed")])
        .with("X", "[".repeat(50_000));
    assert_eq!(app.post_form(&call).await.status(), 204);
    assert_eq!(app.metrics().await.outcome("accepted"), 1.0);
}

#[tokio::test]
async fn huge_json_strings_within_the_limit_are_parsed_or_refused_exactly() {
    let app = TestApp::spawn_with(with_body_limit(256 * 1024)).await;
    let big = "A".repeat(200_000);
    let escapes = "\\u0041".repeat(40_000);
    let huge_id =
        format!("{{\"CallSid\":\"{big}\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\"}}");
    let cases: Vec<(&str, String, u16)> = vec![
        // A 200 kB CallSid is still an id: accepted, one fixed-size dedupe entry.
        ("200 kB CallSid", huge_id.clone(), 204),
        (
            "escapes",
            format!("{{\"CallSid\":\"CA-ESC\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\",\"Junk\":\"{escapes}\"}}"),
            204,
        ),
        ("unterminated", format!("{{\"CallSid\":\"{big}"), 400),
        (
            "lone surrogate",
            format!("{{\"CallSid\":\"{big}\\ud800\",\"CallStatus\":\"completed\"}}"),
            400,
        ),
        // A huge number literal where a count goes: the field is invalid, not the body.
        (
            "huge number",
            format!(
                "{{\"CallSid\":\"CA-NUM\",\"CallStatus\":\"completed\",\"Direction\":\"inbound\",\"AudioInMediaPacketCount\":{}}}",
                "9".repeat(200_000)
            ),
            204,
        ),
    ];
    let mut checks = Checklist::default();
    for (what, body, status) in &cases {
        assert!(body.len() <= 256 * 1024);
        let r = app.post_json(body.as_str()).await;
        checks.eq(*what, r.status().as_u16(), *status);
    }
    // Signed for another body.
    let forged = Signed::json(&app.key, &app.webhook(), "{}").body(huge_id);
    checks.eq("forged", app.send(&forged).await.status().as_u16(), 403);
    let m = app.metrics().await;
    checks.eq("accepted", m.outcome("accepted"), 3.0);
    checks.eq("bad requests", m.outcome("bad_request"), 2.0);
    checks.eq("invalid signatures", m.outcome("invalid_signature"), 1.0);
    checks.eq(
        "events",
        m.get("signalwire_call_events_total", INBOUND_COMPLETED),
        Some(3.0),
    );
    checks.eq(
        "invalid media count",
        m.get(INVALID_FIELDS, &[("field", "AudioInMediaPacketCount")]),
        Some(1.0),
    );
    // The huge values are in no label.
    checks.that("a huge value in a label", !m.text.contains("AAAAAAAA"));
}

// ---------------------------------------------------------------- encodings

#[tokio::test]
async fn a_form_that_is_not_utf8_after_decoding_is_400_before_the_signature() {
    let app = TestApp::spawn().await;
    let bodies = [
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
    ];
    let mut checks = Checklist::default();
    for body in &bodies {
        let what = String::from_utf8_lossy(body);
        let r = app
            .post(&app.webhook(), Some(FORM), Some("AAAA"), body.clone())
            .await;
        checks.eq(format!("{what}: status"), r.status().as_u16(), 400);
        checks.eq(
            format!("{what}: reason"),
            r.text().await.unwrap(),
            "form data is not valid UTF-8 after percent-decoding\n".to_owned(),
        );
    }
    let m = app.metrics().await;
    checks.eq(
        "bad requests",
        m.outcome("bad_request"),
        bodies.len() as f64,
    );
    checks.eq("invalid signatures", m.outcome("invalid_signature"), 0.0);
}

/// A form body with escapes that are not escapes, kept literally (as the
/// WHATWG decoder does).
const BAD_ESCAPES: &[u8] =
    b"CallSid=CA-%zz%&CallStatus=completed&Direction=inbound&X=%4&Y=%%41&Z=%g0";

#[tokio::test]
async fn bad_escapes_in_a_form_are_kept_literally_and_signed_so() {
    let app = TestApp::spawn().await;
    let params = Params::from_form(BAD_ESCAPES).unwrap();
    assert_eq!(
        params.get("CallSid").and_then(|v| v.as_text()),
        Some("CA-%zz%")
    );
    assert_eq!(params.get("Y").and_then(|v| v.as_text()), Some("%A"));
    let signed = Signed::form(&app.key, &app.webhook(), BAD_ESCAPES);
    assert_eq!(app.send(&signed).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}

#[tokio::test]
async fn bad_escapes_in_a_form_signed_as_if_dropped_are_forged() {
    let app = TestApp::spawn().await;
    let dropped = Callback::of([
        ("CallSid", "CA-"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("X", ""),
        ("Y", "A"),
        ("Z", ""),
    ]);
    let forged = app.signed(Wire::Form, &dropped).body(BAD_ESCAPES);
    assert_eq!(app.send(&forged).await.status(), 403);
    assert_eq!(app.metrics().await.outcome("invalid_signature"), 1.0);
}

#[tokio::test]
async fn a_query_that_is_not_utf8_is_400() {
    let app = TestApp::spawn().await;
    let url = format!("{}?CallSid=%ff&CallStatus=completed", app.webhook());
    let request = Signed::get(&app.key, &url).signature("AAAA");
    assert_eq!(app.send(&request).await.status(), 400);
    assert_eq!(app.metrics().await.outcome("bad_request"), 1.0);
}

#[tokio::test]
async fn bad_escapes_in_a_query_are_literal_and_signable() {
    let app = TestApp::spawn().await;
    let url = format!(
        "{}?CallSid=CA-Q%zz&CallStatus=completed&Direction=inbound&W=%",
        app.webhook()
    );
    assert_eq!(app.send(&Signed::get(&app.key, &url)).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}

#[tokio::test]
async fn raw_non_ascii_bytes_in_the_request_target_never_reach_the_webhook() {
    let app = TestApp::spawn().await;
    // The HTTP layer refuses the request line.
    let request = b"GET /status-callback?CallSid=CA\xff\xfe&CallStatus=completed HTTP/1.1\r\n\
        Host: x\r\nConnection: close\r\n\r\n";
    let r = raw(app.addr, request).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_exporter_webhooks_total"), 0.0);
}

#[tokio::test]
async fn a_raw_non_utf8_signature_header_is_just_a_wrong_signature() {
    let app = TestApp::spawn().await;
    let h = head(
        "POST",
        "/status-callback",
        &[("Content-Type", FORM), ("Content-Length", "32")],
    );
    let request = [
        h.as_bytes(),
        b"X-SignalWire-Signature: \xff\xfe\xfd\r\n\r\n",
        b"CallSid=CA-HDR&CallStatus=ringin",
    ]
    .concat();
    let r = raw(app.addr, &request).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(app.metrics().await.outcome("invalid_signature"), 1.0);
}

// ---------------------------------------------------------------- descriptors

/// The real binary with 256 file descriptors and 400 idle connections: it
/// runs out of descriptors, backs off on accept errors, and serves again
/// once the connections are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_backs_off_and_recovers() {
    const KEY_TEXT: &str = "fd-test-key";
    let exporter = Exporter::start(KEY_TEXT, Some(256), &[]).await;
    // About 245 are accepted before descriptors run out and 128 more wait
    // in the listen backlog; past that the kernel drops the handshake, so
    // stop at the first connect that does not complete.
    let mut held = Vec::new();
    for _ in 0..400 {
        let connect = TcpStream::connect(exporter.addr);
        match tokio::time::timeout(Duration::from_secs(2), connect).await {
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

    assert!(
        exporter.becomes_healthy().await,
        "not healthy again:\n{}",
        exporter.log()
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let call = Callback::completed("CA-FD");
    let url = exporter.url("/status-callback");
    let signed = Signed::callback(&SigningKey::new(KEY_TEXT), &url, Wire::Form, &call);
    assert_eq!(signed.send(&client).await.status(), 204);
    let m = scrape(&client, &exporter.url("/metrics")).await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
}
