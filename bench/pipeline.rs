//! The ingest step without HTTP (`signalwire_exporter::ingest`): decode,
//! verify, parse, dedupe, call state and record for the first N signed form
//! callbacks of `bench/run`'s request file (every one a first delivery).
//! Run under callgrind with N = 1 and N = 10,001: the difference over 10,000
//! is the step's instructions per callback, free of the server around it:
//!
//!     cargo build --release --example pipeline
//!     valgrind --tool=callgrind target/release/examples/pipeline FILE 10001
//!
//! `bash bench/instructions` runs it after the servers; with
//! `--labels.country` in `BENCH_EXPORTER_FLAGS`, with countries on.

#![forbid(unsafe_code)]

use axum::http::{header, HeaderValue, Method, Request};
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::{CountryLabels, Outcome};
use signalwire_exporter::routes::AppState;
use signalwire_exporter::signature::SigningKey;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(times)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: pipeline REQUEST_FILE TIMES");
        std::process::exit(2);
    };
    let times: usize = times.parse().expect("TIMES is a count");
    let text = std::fs::read_to_string(file).expect("a request file from bench/run");
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("# url="))
        .and_then(|l| l.split_whitespace().next())
        .expect("a '# url=' line");
    let (host, path) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('/'))
        .expect("an http:// URL");
    let requests: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .take(times)
        .collect();
    assert_eq!(
        requests.len(),
        times,
        "the file has fewer callbacks than TIMES"
    );
    let mut settings = Settings::local(vec![SigningKey::new("benchkey")]);
    let flags = std::env::var("BENCH_EXPORTER_FLAGS").unwrap_or_default();
    if flags.split_whitespace().any(|f| f == "--labels.country") {
        settings.calls.countries = Some(CountryLabels::all());
    }
    let state = AppState::new(&settings);
    let (mut parts, ()) = Request::builder()
        .method(Method::POST)
        .uri(format!("/{path}"))
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(())
        .expect("a request")
        .into_parts();
    for (signature, body) in requests {
        let signature = HeaderValue::from_str(signature).expect("a header value");
        parts.headers.insert("x-signalwire-signature", signature);
        let outcome = state.ingest.ingest(&parts, body.as_bytes());
        assert_eq!(outcome.ok(), Some(Outcome::Accepted));
    }
}
