//! The ingest step of `POST /call-state` without HTTP: verify (Scheme A,
//! SHA-256 first), decode, map, dedupe, call state and record for the first
//! N signed call-state events of a file this example writes (calls of
//! created, ringing, answered and ended, each event a first delivery).
//! Run under callgrind with N = 1 and N = 10,001: the difference over
//! 10,000 is the step's instructions per event, as for `pipeline`:
//!
//!     cargo build --release --example call_state_pipeline
//!     target/release/examples/call_state_pipeline --write FILE 10001
//!     valgrind --tool=callgrind target/release/examples/call_state_pipeline FILE 10001
//!
//! The file is written beforehand so that building and signing the bodies
//! is not counted. `BENCH_EXPORTER_FLAGS=--labels.country`: countries on.

#![forbid(unsafe_code)]

use std::fmt::Write as _;

use axum::http::{header, HeaderValue, Method, Request};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::{CallStateOutcome, CountryLabels};
use signalwire_exporter::routes::AppState;
use signalwire_exporter::signature::SigningKey;

const KEY: &str = "benchkey";
const URL: &str = "http://bench.local/call-state";
const STATES: [&str; 4] = ["created", "ringing", "answered", "ended"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[1..] {
        ["--write", file, n] => write(file, n.parse().expect("N is a count")),
        [file, n] => run(file, n.parse().expect("N is a count")),
        _ => {
            eprintln!("usage: call_state_pipeline [--write] FILE N");
            std::process::exit(2);
        }
    }
}

/// N events, one a line: hex SHA-256, hex SHA-1, the JSON body.
fn write(file: &str, n: usize) {
    let key = SigningKey::new(KEY);
    let mut text = format!("# url={URL}\n");
    for i in 0..n {
        let (call, state) = (i / 4, STATES[i % 4]);
        let body = body(call, state, i);
        let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("any key length");
        mac.update(URL.as_bytes());
        mac.update(body.as_bytes());
        let sha256 = hex::encode(mac.finalize().into_bytes());
        let sha1 = key.sign_json(URL, body.as_bytes());
        writeln!(text, "{sha256} {sha1} {body}").expect("a String takes writes");
    }
    std::fs::write(file, text).expect("the file is writable");
}

/// The event `state` of call `call`, the `i`-th event of the file.
fn body(call: usize, state: &str, i: usize) -> String {
    let end = if state == "ended" {
        r#","end_reason":"hangup""#
    } else {
        ""
    };
    let to = format!("+1415555{:04}", call % 10_000);
    format!(
        concat!(
            r#"{{"event_type":"calling.call.state","event_channel":"swml:c{call}","#,
            r#""timestamp":{ts}.25,"project_id":"bench-project","space_id":"bench-space","#,
            r#""params":{{"call_id":"c{call:08}","node_id":"bench-node","#,
            r#""call_state":"{state}","direction":"outbound","device":{{"type":"phone","#,
            r#""params":{{"from_number":"+12025550100","to_number":"{to}"}}}}{end}}}}}"#,
        ),
        ts = 1_780_000_000 + i,
        call = call,
        state = state,
        to = to,
        end = end,
    )
}

fn run(file: &str, n: usize) {
    let text = std::fs::read_to_string(file).expect("a file from --write");
    let events: Vec<(&str, &str, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (sha256, rest) = l.split_once(' ')?;
            let (sha1, body) = rest.split_once(' ')?;
            Some((sha256, sha1, body))
        })
        .take(n)
        .collect();
    assert_eq!(events.len(), n, "the file has fewer events than N");
    let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
    let flags = std::env::var("BENCH_EXPORTER_FLAGS").unwrap_or_default();
    if flags.split_whitespace().any(|f| f == "--labels.country") {
        settings.calls.countries = Some(CountryLabels::all());
    }
    let state = AppState::new(&settings);
    let (mut parts, ()) = Request::builder()
        .method(Method::POST)
        .uri("/call-state")
        .header(header::HOST, "bench.local")
        .header(header::CONTENT_TYPE, "application/json")
        .body(())
        .expect("a request")
        .into_parts();
    for (sha256, sha1, body) in events {
        let sha256 = HeaderValue::from_str(sha256).expect("a header value");
        let sha1 = HeaderValue::from_str(sha1).expect("a header value");
        parts
            .headers
            .insert("x-signalwire-sha256-signature", sha256);
        parts.headers.insert("x-signalwire-signature", sha1);
        let outcome = state.ingest.ingest_call_state(&parts, body.as_bytes());
        assert_eq!(outcome.ok(), Some(CallStateOutcome::Accepted));
    }
}
