//! signalwire-exporter: SignalWire Voice Status Callbacks in, Prometheus
//! call-quality metrics out.
//!
//! Follow one field from the wire to /metrics:
//! `routes::status_callback` (HTTP checks) → `domain::Params` (decode) →
//! `signature` (verify) → `domain::StatusEvent` (parse) → `dedupe` →
//! `recorder` (record) → `routes::metrics` (render).
//!
//! Around the pipeline: `cli` (flags in, a running process out; above
//! everything), `configuration` (gathers each part's typed settings: the
//! web part's own, `signature` keys, `dedupe`, `call_state`; below the
//! server), `web_config` (reads `--web.config.file`), `tls` (its TLS data
//! and the acceptors), `scrape_auth` (who may scrape /metrics), `startup`
//! and `watchdog` (listeners, connections, shutdown), `telemetry` (logs),
//! and the tools: `simulate` (which `cli` also runs as `demo`).

#![forbid(unsafe_code)]

pub mod call_state;
pub mod cli;
pub mod configuration;
pub mod dedupe;
pub mod domain;
pub mod pages;
pub mod prehashed;
pub mod recorder;
pub mod routes;
pub mod scrape_auth;
pub mod signature;
pub mod simulate;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod watchdog;
pub mod web_config;
