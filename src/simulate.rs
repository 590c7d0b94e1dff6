//! `simulate`: sends realistic, signed Voice Status Callbacks to an exporter,
//! the way SignalWire would, and tallies a summary that can be compared with
//! the exporter's /metrics. It depends only on `domain` (what a callback
//! holds) and `signature` (how it is signed); its flags live in `crate::cli`.
//!
//! - `plan`: the pure, seeded generator (profile + seed → calls → events).
//! - `run`: the sender (HTTP client, pacing, concurrency, retries, summary).

mod plan;
mod run;

pub use plan::{
    mos_from_r, plan, Generator, PlannedCall, PlannedEvent, Profile, Quality, TerminalStats,
    DEFAULT_DUPLICATE_RATIO,
};
pub use run::{check_target, run, SimConfig, Summary, RATE_RANGE};
