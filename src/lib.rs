//! signalwire-exporter: SignalWire Voice Status Callbacks in, Prometheus
//! call-quality metrics out.
//!
//! Follow one field from the wire to /metrics:
//! `routes::status_callback` (HTTP checks) → `domain::Params` (decode) →
//! `signature` (verify) → `domain::StatusEvent` (parse) → `dedupe` →
//! `recorder` (record) → `routes::metrics` (render).

pub mod calls;
pub mod configuration;
pub mod dedupe;
pub mod demo;
pub mod domain;
pub mod recorder;
pub mod routes;
pub mod signature;
pub mod simulate;
pub mod startup;
pub mod telemetry;
pub mod watchdog;
