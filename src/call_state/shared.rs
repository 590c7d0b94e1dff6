//! The call table behind its one lock, shared by the ingest step, the pages
//! and the scrape, with the series only it can keep up to date.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use time::OffsetDateTime;

use super::series::{TableCollector, TableSeries};
use super::{CallEvent, CallTable, CallsConfig, Effects};
use crate::domain::{
    CountryLabels, Numbers, Params, Project, ProjectId, ProjectNames, StatusEvent,
};

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
        Self::with_projects(config, clock, Arc::new(ProjectNames::unlabelled()))
    }

    /// With the series of `names`' projects (labelled with a projects file).
    pub fn with_projects(
        config: &CallsConfig,
        clock: Clock,
        names: Arc<ProjectNames>,
    ) -> Arc<Self> {
        Arc::new(CallState {
            table: Mutex::new(CallTable::new(config)),
            include_numbers: config.include_numbers,
            countries: config.countries.clone(),
            series: TableSeries::new(names),
            clock,
        })
    }

    /// A listed project's series at 0, at start or when a reload adds it.
    pub fn start_project(&self, project: ProjectId) {
        self.series.start(project);
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
        self.record_in(&Project::NONE, event, params, at)
    }

    /// [`Self::record`] for an event of `project`.
    pub fn record_in(
        &self,
        project: &Project,
        event: &StatusEvent,
        params: &Params<'_>,
        at: OffsetDateTime,
    ) -> Effects {
        let mut call = CallEvent::from_status(event, params, self.include_numbers);
        call.project = project;
        // The number is read here only, and only its country goes on.
        if let Some(countries) = self.countries.as_ref() {
            if event.status.is_terminal() {
                call.country = Some(countries.of_call(event.direction, params));
            }
        }
        self.follow(&call, at)
    }

    /// One event into the table, under one hold of its lock.
    fn follow(&self, call: &CallEvent<'_>, at: OffsetDateTime) -> Effects {
        let now = (self.clock)();
        let mut table = self.lock();
        let effects = table.record(call, now, at);
        if !effects.unfinished.is_empty() {
            self.series.sync(&table);
        }
        effects
    }

    /// As [`CallState::record`], for an event whose numbers are not form
    /// fields (a call-state webhook's device); kept only with
    /// `--calls.include-numbers`.
    pub fn record_with(
        &self,
        project: &Project,
        event: &StatusEvent,
        numbers: Numbers<'_>,
        at: OffsetDateTime,
    ) -> Effects {
        let none = Params::default();
        let mut call = CallEvent::from_status(event, &none, false);
        call.project = project;
        if let Some(countries) = self.countries.as_ref() {
            if event.status.is_terminal() {
                call.country = Some(countries.of_remote(event.direction, numbers.from, numbers.to));
            }
        }
        if self.include_numbers {
            call.numbers = numbers;
        }
        self.follow(&call, at)
    }

    /// Forgets the calls older than `--calls.max-age` and sets the gauge of
    /// calls in progress.
    pub(super) fn refresh(&self) {
        let mut table = self.lock();
        table.expire((self.clock)());
        self.series.sync(&table);
    }
}
