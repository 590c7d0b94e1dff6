//! `simulate`: sends realistic, signed Voice Status Callbacks to an exporter,
//! the way SignalWire would, and tallies a summary that can be compared with
//! the exporter's /metrics. It depends only on `domain` (what a callback
//! holds), `signature` (how it is signed) and `call_state`'s thresholds,
//! bucket bounds and default capacity; its flags live in `crate::cli`.
//!
//! - `plan`: the pure, seeded generator (profile + seed → calls → events).
//! - `timeline`: when each event happens, and the order of delivery.
//! - `run`: the sender (HTTP client, pacing, concurrency, retries).
//! - `call_state_wire`: the same calls as SWML call-state events (JSON).
//! - `tally`: the summary, with what the exporter's per-call series should
//!   show, predicted by the rules of `call_state`.

mod call_state_wire;
mod plan;
mod run;
mod tally;
mod timeline;

#[cfg(test)]
mod simulate_tests;

pub use call_state_wire::Webhook;
pub use plan::{
    mos_from_r, plan, Generator, PlannedCall, PlannedEvent, Profile, Quality, TerminalStats,
    DEFAULT_DUPLICATE_RATIO, DEFAULT_LOSE_TERMINAL_RATIO, DEFAULT_OUT_OF_ORDER_RATIO,
};
pub use run::{
    check_target, run, Pace, SimConfig, DEFAULT_CALLS, DEFAULT_CONCURRENCY, DEFAULT_RATE,
    RATE_RANGE,
};
pub use tally::{Buckets, Histogram, Summary};
pub use timeline::Timeline;
