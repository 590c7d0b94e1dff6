//! Baseline for `bench/run`: a bare axum server that does the least a
//! status-callback receiver can do -- read the whole body and answer 204.
//!
//! It is built as the `bare-axum` example of this crate so it links the exact
//! same axum/tokio versions and uses the same release profile as the exporter:
//!
//!     cargo build --release --example bare-axum
//!     target/release/examples/bare-axum 127.0.0.1:9712
//!
//! The listen address is the first CLI argument (default 127.0.0.1:9712).
//! With `--hmac` as the second, the handler also computes HMAC-SHA1 over the
//! URL and the raw body: the floor for any receiver that checks signatures,
//! which bench/run measures next to the exporter.
//! `GET /metrics` answers a small constant text body so the scrape phase of
//! the benchmark can run against this server too.
//!
//! `--hmac --spin MICROS` also busy-waits MICROS µs per request after the
//! HMAC: userspace work and nothing else, so `bench/kernel` can show what
//! a slower handler alone does to the kernel's share per request.

#![forbid(unsafe_code)]

use axum::{
    body::Bytes,
    http::StatusCode,
    routing::{get, post},
    Router,
};

async fn status_callback(body: Bytes) -> StatusCode {
    // Touch the body so reading it cannot be optimised away.
    std::hint::black_box(body.len());
    StatusCode::NO_CONTENT
}

/// The floor with signatures on: HMAC-SHA1 over the URL and the raw body
/// (no decoding, no sorting), which any validating receiver must at least do.
async fn status_callback_hmac(body: Bytes) -> StatusCode {
    use hmac::{Hmac, Mac};
    // Key and URL as bench/run's; their length, not their value, sets the cost.
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"benchkey").expect("any key length");
    mac.update(b"http://127.0.0.1:19790/status-callback");
    mac.update(&body);
    std::hint::black_box(mac.finalize().into_bytes());
    if let Some(spin) = SPIN.get() {
        let start = std::time::Instant::now();
        while start.elapsed() < *spin {
            std::hint::spin_loop();
        }
    }
    StatusCode::NO_CONTENT
}

/// `--spin MICROS`: busy time per request in the `--hmac` handler.
static SPIN: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();

async fn metrics() -> &'static str {
    "# HELP bare_axum_up Always 1.\n# TYPE bare_axum_up gauge\nbare_axum_up 1\n"
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9712".to_string());
    let args: Vec<String> = std::env::args().collect();
    if let Some(micros) = args
        .iter()
        .position(|a| a == "--spin")
        .and_then(|i| args.get(i + 1))
    {
        let micros = micros.parse().expect("--spin takes microseconds");
        SPIN.set(std::time::Duration::from_micros(micros))
            .expect("set once");
    }
    let app = Router::new()
        .route(
            "/status-callback",
            if std::env::args().nth(2).as_deref() == Some("--hmac") {
                post(status_callback_hmac)
            } else {
                post(status_callback)
            },
        )
        .route("/metrics", get(metrics));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    eprintln!("bare-axum listening on {addr}");
    axum::serve(listener, app).await.expect("server error");
}
