//! The call table behind its one lock, shared by the ingest step, the pages
//! and the scrape, with the series only it can keep up to date.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use time::OffsetDateTime;

use super::series::{TableCollector, TableSeries};
use super::{CallEvent, CallTable, CallsConfig, Effects};
use crate::domain::{CountryLabels, Direction, Params, StatusEvent};

/// Where the call state reads the time: the real monotonic clock, or a
/// test's, so expiry is tested without sleeping.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

pub struct CallState {
    table: Mutex<CallTable>,
    /// `--calls.include-numbers`: read phone numbers and names at all.
    include_numbers: bool,
    /// `--labels.country`.
    countries: Option<CountryLabels>,
    pub(super) series: TableSeries,
    clock: Clock,
}

impl CallState {
    pub fn new(config: &CallsConfig) -> Arc<Self> {
        Self::with_clock(config, Arc::new(Instant::now))
    }

    pub fn with_clock(config: &CallsConfig, clock: Clock) -> Arc<Self> {
        Arc::new(CallState {
            table: Mutex::new(CallTable::new(config)),
            include_numbers: config.include_numbers,
            countries: config.countries.clone(),
            series: TableSeries::new(),
            clock,
        })
    }

    /// The collector to register: active and unfinished calls, up to date
    /// at each gather.
    pub fn collector(self: &Arc<Self>) -> TableCollector {
        TableCollector::new(Arc::clone(self))
    }

    pub fn lock(&self) -> MutexGuard<'_, CallTable> {
        // A poisoned lock only means a request panicked mid-update; the table
        // stays bounded and usable, as dedupe's does.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows one accepted, non-duplicate event; counts the calls its
    /// arrival forgot. `numbers` are read only with `--calls.include-numbers`,
    /// and From or To, for its country, only with `--labels.country`.
    pub fn record(&self, event: &StatusEvent, params: &Params<'_>, at: OffsetDateTime) -> Effects {
        let mut call = CallEvent::from_status(event, params, self.include_numbers);
        // The number is read here only, and only its country goes on.
        if let Some(countries) = self.countries.as_ref() {
            if event.status.is_terminal() {
                call.country = Some(countries.of_call(event.direction, params));
            }
        }
        let now = (self.clock)();
        let effects = self.lock().record(&call, now, at);
        self.series.unfinished(&effects.unfinished);
        effects
    }

    /// Forgets the calls older than `--calls.max-age` and sets the gauge of
    /// calls in progress.
    pub(super) fn refresh(&self) {
        let (unfinished, active) = {
            let mut table = self.lock();
            let unfinished = table.expire((self.clock)());
            let active: [u64; Direction::COUNT] =
                std::array::from_fn(|i| table.active(Direction::ALL[i]));
            (unfinished, active)
        };
        self.series.unfinished(&unfinished);
        for (direction, calls) in Direction::ALL.iter().zip(active) {
            self.series.active(*direction, calls);
        }
    }
}
