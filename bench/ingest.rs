//! Per-event and per-scrape cost, without HTTP (issue "Performance", item 2):
//!
//! - `event/hmac_sha1_only`: HMAC-SHA1 over the signed bytes of one 1.5 KB
//!   callback — the unavoidable part;
//! - `event/parse_verify_dedupe_record`: what the webhook does per event
//!   after reading the body: decode, verify, parse, dedupe, record;
//! - `scrape/render_all_series`: one /metrics encode with every status ×
//!   direction combination and a spread of SIP codes populated.
//!
//! Run: `cargo bench --bench ingest` (bench/run does, and prints the figures).

#![forbid(unsafe_code)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use signalwire_exporter::call_state::{CallState, CallsConfig};
use signalwire_exporter::dedupe::{Dedupe, DedupeConfig};
use signalwire_exporter::domain::{CallStatus, Direction, Params, StatusEvent};
use signalwire_exporter::recorder::Recorder;
use signalwire_exporter::signature::{SigningKey, Verifier};
use time::OffsetDateTime;

const URL: &str = "http://127.0.0.1:9711/status-callback";
const KEY: &str = "PSK_benchmark_signing_key_0123456789";

/// A terminal callback of about 1.5 KB, as SignalWire sends it.
fn fields(call_sid: &str, status: &str, direction: &str, sip: &str) -> Vec<(String, String)> {
    [
        ("AccountSid", "AC2b8c4c3a-5e1f-4a9b-9d1e-0f5c2a7b9e31"),
        ("ApiVersion", "2010-04-01"),
        ("AudioInAveragePtime", "20.01"),
        ("AudioInDtmfPacketCount", "4"),
        ("AudioInFlushPacketCount", "2"),
        ("AudioInJitterMaxVariance", "85.95"),
        ("AudioInJitterMinVariance", "0.36"),
        ("AudioInLargestJbSize", "3"),
        ("AudioInMediaPacketCount", "2829"),
        ("AudioInMos", "4.38"),
        ("AudioInSkipPacketCount", "11"),
        ("AudioOutDtmfPacketCount", "0"),
        ("AudioOutLost", "0"),
        ("AudioOutMediaPacketCount", "2712"),
        ("CallDuration", "57"),
        ("CallSid", call_sid),
        ("CallStatus", status),
        ("CallbackSource", "call-progress-events"),
        ("Called", "+18005551212"),
        ("CalledCity", "SAN FRANCISCO"),
        ("CalledCountry", "US"),
        ("CalledState", "CA"),
        ("CalledZip", "94105"),
        ("Caller", "+14158675309"),
        ("CallerCity", "OAKLAND"),
        ("CallerCountry", "US"),
        ("CallerName", "Jenny Example"),
        ("CallerState", "CA"),
        ("CallerZip", "94612"),
        ("Direction", direction),
        ("ForwardedFrom", "+14155550100"),
        ("From", "+14158675309"),
        ("HangupBy", "+14158675309"),
        ("HangupDirection", "inbound"),
        ("ParentCallSid", "c0ffee00-1234-4abc-9def-0123456789ab"),
        ("RecordingDuration", "55"),
        ("RecordingSid", "RE5c1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
        ("RecordingUrl", "https://example.signalwire.com/api/laml/2010-04-01/Accounts/AC2b8c4c3a/Recordings/RE5c1f0a2b"),
        ("SequenceNumber", "3"),
        ("SipCallId", "3c2a9b1e-77f0-4d3e-a1b2-5f6e7d8c9b0a@sip.example.signalwire.com"),
        ("SipInviteResultPhrase", "OK"),
        ("SipResultCode", sip),
        ("Timestamp", "Fri, 27 Nov 2026 12:00:00 +0000"),
        ("To", "+18005551212"),
        ("ToCity", "SAN FRANCISCO"),
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("ToZip", "94105"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect()
}

/// `application/x-www-form-urlencoded` as browsers and HTTP libraries write
/// it: alphanumerics and `*-._` as they are, space as `+`, the rest escaped.
fn form_body(fields: &[(String, String)]) -> String {
    const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b' ');
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, FORM)
            .to_string()
            .replace(' ', "+")
    };
    fields
        .iter()
        .map(|(n, v)| format!("{}={}", enc(n), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn event(c: &mut Criterion) {
    let key = SigningKey::new(KEY);
    let verifier = Verifier::new(std::slice::from_ref(&key));
    let recorder = Recorder::new(true);
    let calls = CallState::new(&CallsConfig::default());
    // The default capacity, cycling through twice as many distinct calls:
    // a body comes round again only after it was evicted, so every iteration
    // is a first delivery into a full set — the steady state under load.
    let config = DedupeConfig::default();
    let dedupe = Dedupe::new(config.capacity, config.ttl);
    // `cargo test --all-targets` runs this once without `--bench`: keep that quick.
    let distinct = if std::env::args().any(|a| a == "--bench") {
        2 * config.capacity
    } else {
        1_000
    };
    let bodies: Vec<(String, String)> = (0..distinct)
        .map(|i| {
            let f = fields(&format!("CA{i:032x}"), "completed", "inbound", "200");
            let params: Params = f.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            (form_body(&f), key.sign_form(URL, &params))
        })
        .collect();
    let signed_bytes: Vec<u8> = {
        let params = Params::from_form(bodies[0].0.as_bytes()).unwrap();
        let mut sorted: Vec<(&str, &str)> = params
            .iter()
            .map(|(n, v)| (n, v.as_text().unwrap()))
            .collect();
        sorted.sort_unstable();
        let mut out = URL.as_bytes().to_vec();
        for (n, v) in sorted {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        out
    };
    eprintln!(
        "body: {} bytes; signed string: {} bytes",
        bodies[0].0.len(),
        signed_bytes.len()
    );

    let mut group = c.benchmark_group("event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hmac_sha1_only", |b| {
        let mac = Hmac::<Sha1>::new_from_slice(KEY.as_bytes()).unwrap();
        b.iter(|| {
            let mut m = mac.clone();
            m.update(black_box(&signed_bytes));
            black_box(m.finalize().into_bytes())
        })
    });
    let mut n: usize = 0;
    group.bench_function("parse_verify_dedupe_record", |b| {
        b.iter(|| {
            let (body, signature) = &bodies[n % bodies.len()];
            n += 1;
            // As the webhook does: the body in a buffer of its own, decoded in place.
            let mut body = body.as_bytes().to_vec();
            let params = Params::decode_form(&mut body).unwrap();
            assert!(verifier.verify_form(URL, &params, signature.as_bytes()));
            let event = StatusEvent::parse(&params).unwrap();
            assert!(dedupe.first_delivery(&event.id));
            let now = OffsetDateTime::now_utc();
            recorder.record(&event, &calls.record(&event, &params, now), now);
        })
    });
    group.finish();
}

fn scrape(c: &mut Criterion) {
    let recorder = Recorder::new(true);
    let calls = CallState::new(&CallsConfig::default());
    recorder.register(calls.collector());
    let sips = [
        "200", "404", "408", "480", "486", "487", "503", "603", "other",
    ];
    let mut i = 0;
    for status in CallStatus::ALL {
        for direction in Direction::ALL {
            for sip in sips {
                let f = fields(&format!("CA{i}"), status.as_str(), direction.as_str(), sip);
                let params: Params = f.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                let event = StatusEvent::parse(&params).unwrap();
                let now = OffsetDateTime::now_utc();
                recorder.record(&event, &calls.record(&event, &params, now), now);
                i += 1;
            }
        }
    }
    let text = recorder.render();
    eprintln!(
        "scrape: {} bytes, {} lines",
        text.len(),
        text.lines().count()
    );
    c.bench_function("scrape/render_all_series", |b| {
        b.iter(|| black_box(recorder.render()))
    });
}

criterion_group!(benches, event, scrape);
criterion_main!(benches);
