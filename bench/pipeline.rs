//! The webhook's pipeline without HTTP: decode, verify and parse one signed
//! form callback from `bench/run`'s request file, N times. Run under
//! callgrind with N = 1 and N = 10,001, the difference over 10,000 is the
//! pipeline's instructions per callback, free of the server around it:
//!
//!     cargo build --release --example pipeline
//!     valgrind --tool=callgrind target/release/examples/pipeline FILE 10001
//!
//! `bash bench/instructions` runs it after the servers.

#![forbid(unsafe_code)]

use signalwire_exporter::domain::{Params, StatusEvent};
use signalwire_exporter::signature::{SigningKey, Verifier};

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
        .expect("a '# url=' line")
        .to_owned();
    let (signature, body) = text
        .lines()
        .find(|l| !l.starts_with('#'))
        .and_then(|l| l.split_once(' '))
        .expect("a 'SIGNATURE BODY' line");
    let verifier = Verifier::new(&[SigningKey::new("benchkey")]);
    for _ in 0..times {
        let mut bytes = body.as_bytes().to_vec();
        let params = Params::decode_form(&mut bytes).expect("a decodable body");
        assert!(verifier.verify_form(&url, &params, signature.as_bytes()));
        let event = StatusEvent::parse(&params).expect("an event");
        std::hint::black_box(event);
    }
}
