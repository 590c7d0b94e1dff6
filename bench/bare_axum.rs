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
//! `GET /metrics` answers a small constant text body so the scrape phase of
//! the benchmark can run against this server too.

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

async fn metrics() -> &'static str {
    "# HELP bare_axum_up Always 1.\n# TYPE bare_axum_up gauge\nbare_axum_up 1\n"
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9712".to_string());
    let app = Router::new()
        .route("/status-callback", post(status_callback))
        .route("/metrics", get(metrics));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    eprintln!("bare-axum listening on {addr}");
    axum::serve(listener, app).await.expect("server error");
}
