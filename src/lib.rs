//! signalwire-exporter: SignalWire Voice Status Callbacks in, Prometheus
//! call-quality metrics out.
//!
//! Follow one field from the wire to /metrics (docs/architecture.md walks
//! it): `routes::webhook` (reads the body) → `ingest` (the one step) →
//! `domain::Params` (decode) → `signature` (verify) → `domain::StatusEvent`
//! (parse) → `dedupe` → `call_state` (the call's history, its
//! `domain::FinishedCall`) → `recorder` (record) → `routes::metrics`
//! (render). Every family's name and help: `catalogue`.
//!
//! Around the pipeline: `cli` (flags in, a running process out; above
//! everything), `configuration` (gathers each part's typed settings: the
//! web part's own, `signature` keys, `dedupe`, `call_state`), `web_config`
//! (reads `--web.config.file`), `tls` (its TLS data and the acceptors),
//! `scrape_auth` (who may scrape /metrics), `startup` and `watchdog`
//! (listeners, connections, shutdown), `telemetry` (logs), `pages` (the
//! HTML), and the tools: `simulate` (which `cli` also runs as `demo`).
//! Modules the binary and the tests do not need are private.

#![forbid(unsafe_code)]

pub mod call_state;
pub mod catalogue;
pub mod cli;
pub mod configuration;
pub mod dedupe;
pub mod domain;
pub mod ingest;
pub mod pages;
mod prehashed;
pub mod projects;
pub mod recorder;
pub mod routes;
pub mod scrape_auth;
pub mod signature;
#[cfg(feature = "simulator")]
pub mod simulate;
pub mod startup;
mod telemetry;
mod tls;
mod watchdog;
mod web_config;
