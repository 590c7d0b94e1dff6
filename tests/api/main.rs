//! Every test that talks to the exporter, in one binary so the kit in
//! `support/` is compiled once: the server on loopback (in-process or the
//! real binary), a real HTTP client, exact values read back from /metrics.
//! `cargo test --test api abuse::` runs one module.
//!
//! The tests that need outside programs (Prometheus, HAProxy, Chromium) are
//! `#[ignore]`d, run with `-- --ignored`, and take `support::exclusive()`
//! first so that they run one at a time; the others run in parallel.

mod support;

mod abuse;
mod bad_input;
mod call_state;
mod calls;
mod calls_page;
mod cli;
mod concurrency;
mod countries;
mod dedupe;
mod docs;
mod endpoints;
mod exposition;
mod exposure;
mod faults;
mod fleet;
mod projects;
mod prometheus_e2e;
mod properties;
mod recording;
mod signatures;
mod silence;
mod simulate;
mod status_page;
mod status_page_browser;
mod tls;
