//! Every test that talks to the exporter, in one binary so the kit in
//! `support/` is compiled once: the server on loopback (in-process or the
//! real binary), a real HTTP client, exact values read back from /metrics.
//! `cargo test --test api abuse::` runs one module.

mod support;

mod abuse;
mod bad_input;
mod calls;
mod concurrency;
mod dedupe;
mod endpoints;
mod exposure;
mod faults;
mod properties;
mod recording;
mod signatures;
mod simulate;
