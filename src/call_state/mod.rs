//! Per-call state (issue 10): what a call's history tells that a single
//! callback cannot: setup delays, calls in progress, calls whose terminal
//! callback never came, quality issues, and the list of the latest bad calls.
//!
//! [`CallTable`] is plain data in ([`CallEvent`]), plain data out
//! ([`Effects`], with the [`FinishedCall`](crate::domain::FinishedCall) of a
//! call that ended). [`CallState`] puts it behind one lock and keeps the two
//! families only the table can know, active and unfinished calls, which it
//! brings up to date when /metrics is gathered. The caller owns duplicate
//! suppression: every event recorded must be accepted and not a retry.

mod from_event;
mod query;
mod recent;
mod series;
mod shared;
mod stamps;
mod table;

#[cfg(test)]
mod table_tests;

use std::time::Duration;

use time::OffsetDateTime;

use crate::domain::{CallStatus, Country, CountryLabels, Direction, Project};

pub use crate::domain::{Issue, Issues, Numbers, Quality, Thresholds};
pub use query::{CallsQuery, ProjectName, QueryError};
pub use recent::{CallsPage, RecentCalls};
pub use series::TableCollector;
pub use shared::{CallState, Clock};
pub use table::{CallTable, CallView, Effects, Unfinished, UnfinishedReason};

/// One accepted, non-duplicate status callback, as the call table needs it.
#[derive(Debug, Clone, Copy)]
pub struct CallEvent<'a> {
    pub account_sid: &'a str,
    pub call_sid: &'a str,
    pub status: CallStatus,
    pub direction: Direction,
    /// The payload's Timestamp: `None` when absent, `Some(Err(()))` when
    /// unparseable (the caller has counted it invalid already), `Some(Ok(t))`.
    pub timestamp: Option<Result<OffsetDateTime, ()>>,
    /// Read on terminal events only.
    pub quality: Quality,
    /// Kept only with `include_numbers`.
    pub numbers: Numbers<'a>,
    /// Its project ([`NO_PROJECT`] without a projects file).
    pub project: &'a Project,
    /// The remote party's, on terminal events with `--labels.country`.
    pub country: Option<Country>,
}

/// The project of every event without a projects file.
pub static NO_PROJECT: Project = Project::NONE;

/// The knobs of per-call state; `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct CallsConfig {
    /// `--calls.capacity`: calls in progress kept at most.
    pub capacity: usize,
    /// `--calls.max-age`: a call in progress is forgotten (unfinished) this
    /// long after its first event was received.
    pub max_age: Duration,
    /// Calls that ended, or were forgotten, whose timestamps are kept so a
    /// late event still completes a delay and never revives the call. Outside
    /// `capacity`; the oldest is dropped first.
    pub finished_capacity: usize,
    /// `--calls.recent`: length of the list of the latest bad calls.
    pub recent: usize,
    /// `--calls.include-numbers`.
    pub include_numbers: bool,
    pub thresholds: Thresholds,
    /// `--labels.country`: `None` when off.
    pub countries: Option<CountryLabels>,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig {
            capacity: 100_000,
            max_age: Duration::from_secs(5 * 3600),
            finished_capacity: 100_000,
            recent: 500,
            include_numbers: false,
            thresholds: Thresholds::default(),
            countries: None,
        }
    }
}
