//! Integration tests: the exporter on loopback, a real HTTP client, exact
//! values read back from /metrics.

mod bad_input;
mod concurrency;
mod dedupe;
mod endpoints;
mod exposure;
mod helpers;
mod recording;
mod signatures;
