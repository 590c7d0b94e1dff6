//! Turns accepted events into Prometheus series, and renders them.
//!
//! Every label set is closed (see `domain::labels`), so each series has a
//! fixed slot: the webhook path finds its counters and histograms by index
//! and touches only atomics, never a lock that a scrape holds. The per-call
//! series come from the field table (`domain::FIELDS`), one per row.

mod country;
mod families;
mod per_call;
mod window;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use prometheus::core::Collector;
use prometheus::{Counter, CounterVec, Gauge, Histogram, Registry, TextEncoder};
use time::OffsetDateTime;

use crate::call_state::{Clock, Effects};
use crate::domain::{
    with_project, CallStateOutcome, CallStatus, Direction, EndReason, Field, Numeric, Outcome,
    ProjectId, ProjectNames, ProjectSlots, Reading, SipCode, Special, StatusEvent,
};
use families::{counter_vec, delivery_delay, exporter_metrics, CallFamilies, CallSeries};
use families::{reload_gauges, unix_now};
use per_call::CallMetrics;
pub use window::{
    ended_index, mos_bounds, Ended, Minute, MinuteCounts, WindowCounts, ENDED, MINUTES,
    WINDOW_SECONDS,
};

/// Whose calls the status page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    All,
    Project(ProjectId),
    /// A name no project has: nothing.
    Nobody,
}

pub struct Recorder {
    registry: Registry,
    families: CallFamilies,
    /// The `project` label values, when call families carry it.
    names: Arc<ProjectNames>,
    /// The call series of each project (one, unnamed, without a file).
    projects: ProjectSlots<ProjectSeries>,
    delivery_delay: Histogram,
    outcomes: Vec<Counter>,
    /// Index: `CallStateOutcome::index()`.
    call_state_outcomes: Vec<Counter>,
    /// Index: direction × end reason; created on first use.
    end_reasons: Box<[OnceLock<Counter>]>,
    end_reasons_vec: CounterVec,
    /// `unrecognized_values_total{field="end_reason"}`, on first use.
    unrecognized_end_reason: OnceLock<Counter>,
    unrecognized_vec: CounterVec,
    /// Index: `Field::index()`; `None` where the field cannot be that.
    invalid: Vec<Option<Counter>>,
    unrecognized: Vec<Option<Counter>>,
    /// The per-call series (`crate::call_state`).
    per_call: CallMetrics,
    /// The status page's recent counts.
    window: window::Window,
    /// The same per project, with a projects file only.
    project_windows: Option<ProjectSlots<window::Window>>,
    /// Where the windows read the time: a test's clock, or the real one.
    clock: Clock,
    reload_successful: Gauge,
    reload_success_time: Gauge,
    /// `--labels.country`: the `signalwire_country_*` families.
    countries: Option<country::CountryMetrics>,
}

/// A project's event and terminal series.
struct ProjectSeries {
    /// Index: status × direction.
    events: Box<[OnceLock<Counter>]>,
    /// Index: status × direction; only terminal statuses are ever filled.
    calls: Box<[OnceLock<CallSeries>]>,
    /// Index: (status × direction) × SIP code.
    sip: Box<[OnceLock<Counter>]>,
}

impl ProjectSeries {
    fn new() -> Self {
        ProjectSeries {
            events: slots(CallStatus::COUNT * Direction::COUNT),
            calls: slots(CallStatus::COUNT * Direction::COUNT),
            sip: slots(CallStatus::COUNT * Direction::COUNT * SipCode::COUNT),
        }
    }
}

fn slots<T>(n: usize) -> Box<[OnceLock<T>]> {
    (0..n).map(|_| OnceLock::new()).collect()
}

fn series_index(status: CallStatus, direction: Direction) -> usize {
    status.index() * Direction::COUNT + direction.index()
}

/// One counter per field in `fields`, indexed by `Field::index()`.
fn by_field(vec: &CounterVec, fields: impl Iterator<Item = Field>) -> Vec<Option<Counter>> {
    let mut slots = vec![None; Field::COUNT];
    for f in fields {
        slots[f.index()] = Some(vec.with_label_values(&[f.name()]));
    }
    slots
}

impl Recorder {
    /// Without a projects file: no `project` label, every series at start.
    pub fn new(signature_validation: bool) -> Self {
        let names = ProjectNames::unlabelled().into();
        let recorder = Self::with_projects(signature_validation, names, Arc::new(Instant::now));
        recorder.start_project(ProjectId::default());
        recorder
    }

    /// With call families labelled as `names` says, and the status page's
    /// windows reading `clock`; a project's series are made by
    /// [`Self::start_project`].
    pub fn with_projects(
        signature_validation: bool,
        names: Arc<ProjectNames>,
        clock: Clock,
    ) -> Self {
        let r = Registry::new();
        let families = CallFamilies::register(&r, names.is_labelled());
        let delivery_delay = delivery_delay(&r);
        let outcomes_vec = counter_vec(&r, crate::catalogue::WEBHOOKS, &["outcome"]);
        let call_state_vec = counter_vec(&r, crate::catalogue::CALL_STATE_WEBHOOKS, &["outcome"]);
        let end_reasons_vec = counter_vec(
            &r,
            crate::catalogue::END_REASONS,
            &["direction", "end_reason"],
        );
        let (invalid_vec, unrecognized_vec) = exporter_metrics(&r, signature_validation);
        let per_call = CallMetrics::register(&r, Arc::clone(&names));
        let (reload_successful, reload_success_time) = reload_gauges(&r);
        Recorder {
            invalid: by_field(&invalid_vec, Field::validated()),
            unrecognized: by_field(&unrecognized_vec, Field::ENUMERATED.into_iter()),
            outcomes: Outcome::ALL
                .iter()
                .map(|o| outcomes_vec.with_label_values(&[o.as_str()]))
                .collect(),
            call_state_outcomes: CallStateOutcome::ALL
                .iter()
                .map(|o| call_state_vec.with_label_values(&[o.as_str()]))
                .collect(),
            end_reasons: slots(Direction::COUNT * EndReason::COUNT),
            end_reasons_vec,
            unrecognized_end_reason: OnceLock::new(),
            unrecognized_vec: unrecognized_vec.clone(),
            registry: r,
            families,
            projects: ProjectSlots::new(names.capacity()),
            project_windows: names
                .is_labelled()
                .then(|| ProjectSlots::new(names.capacity())),
            names,
            delivery_delay,
            per_call,
            window: window::Window::new(clock()),
            clock,
            reload_successful,
            reload_success_time,
            countries: None,
        }
    }

    /// A project's series at 0: at start, and when a reload lists it.
    pub fn start_project(&self, p: ProjectId) {
        // rate() and alerts need zeros, not absent series: a series born with
        // its first event already counted loses that event to increase().
        for status in CallStatus::known() {
            for direction in Direction::known() {
                self.events(p, status, direction);
                if status.is_terminal() {
                    self.calls(p, status, direction);
                }
            }
        }
        self.per_call.start(p);
    }

    /// Sets the reload gauges after a reload.
    pub fn reloaded(&self, successful: bool) {
        self.reload_successful
            .set(if successful { 1.0 } else { 0.0 });
        if successful {
            self.reload_success_time.set(unix_now());
        }
    }

    /// Applies `update` to the window's slot of now, and to the project's
    /// window with a projects file.
    fn window_add(&self, p: ProjectId, update: impl Fn(&mut WindowCounts)) {
        let now = (self.clock)();
        self.window.add(now, &update);
        if let Some(w) = self.project_window(p) {
            w.add(now, update);
        }
    }

    /// Counts a finished call in the windows, as `window_add`.
    fn window_call(&self, p: ProjectId, call: &crate::domain::FinishedCall) {
        let now = (self.clock)();
        self.window.call(now, call);
        if let Some(w) = self.project_window(p) {
            w.call(now, call);
        }
    }

    /// A project's window, made on first use; `None` without a projects file.
    fn project_window(&self, p: ProjectId) -> Option<&window::Window> {
        let windows = self.project_windows.as_ref()?;
        Some(windows.get_or_init(p, || self.window.sibling()))
    }

    /// The window `view` reads; `None` where nothing was counted.
    fn window_of(&self, view: View) -> Option<&window::Window> {
        match view {
            View::All => Some(&self.window),
            View::Project(p) => self.project_windows.as_ref()?.get(p),
            View::Nobody => None,
        }
    }

    /// The status page's counts over the window ending now; zeros for a
    /// project without calls.
    pub fn window(&self, view: View) -> WindowCounts {
        match self.window_of(view) {
            Some(w) => w.sum((self.clock)()),
            None => WindowCounts::zero(),
        }
    }

    /// The status page's trend: the last `MINUTES` minutes, oldest first.
    pub fn minutes(&self, view: View) -> Vec<Minute> {
        let now = (self.clock)();
        match self.window_of(view) {
            Some(w) => w.minutes(now),
            None => self.window.sibling().minutes(now),
        }
    }

    /// How long the window has counted: the exporter's uptime.
    pub fn uptime(&self) -> Duration {
        self.window.uptime((self.clock)())
    }

    /// Registers the `signalwire_country_*` families (`--labels.country`);
    /// their series come with each country's first call.
    pub fn with_countries(mut self) -> Self {
        let project = self.names.is_labelled();
        self.countries = Some(country::CountryMetrics::register(&self.registry, project));
        self
    }

    pub fn outcome(&self, outcome: Outcome) {
        self.outcomes[outcome.index()].inc();
        self.window
            .add((self.clock)(), |c| c.webhooks[outcome.index()] += 1);
    }

    pub fn call_state_outcome(&self, outcome: CallStateOutcome) {
        self.call_state_outcomes[outcome.index()].inc();
    }

    /// Adds a collector of series kept elsewhere (the call state's), to be
    /// gathered with the rest at each scrape.
    pub fn register(&self, collector: impl Collector + 'static) {
        self.registry
            .register(Box::new(collector))
            .expect("metric names are unique");
    }

    /// What the call table made of one event: delays and the finished call.
    fn record_call(&self, effects: &Effects) {
        let (m, direction, p) = (&self.per_call, effects.direction, effects.project);
        if let Some(seconds) = effects.post_dial_delay {
            m.post_dial_delay(p, direction, seconds);
        }
        if let Some(seconds) = effects.answer_delay {
            m.answer_delay(p, direction, seconds);
        }
        for _ in 0..effects.negative_delays {
            self.invalid(Field::Special(Special::Timestamp));
        }
        let Some(call) = &effects.finished else {
            return;
        };
        let with_media = call.audio.with_media;
        if with_media {
            m.with_media(p, direction);
        }
        for issue in call.issues().labels() {
            m.issue(p, direction, issue);
        }
        if call.is_silent() {
            m.silent(p, direction);
        }
        if let Some(countries) = &self.countries {
            countries.record(self.name(p).as_deref(), call);
        }
        self.window_call(p, call);
    }

    /// Records one accepted, non-duplicate event received at `now`, and
    /// what the call state made of it.
    pub fn record(&self, event: &StatusEvent, effects: &Effects, now: OffsetDateTime) {
        self.record_event(effects.project, event, now);
        if event.status.is_terminal() {
            self.record_terminal(effects.project, event);
        }
        self.record_call(effects);
    }

    /// A call-state event: as a form callback's, without the per-field
    /// series (it carries no media figures, so it creates none), with its
    /// raw end reason once per finished call.
    pub fn record_call_state(
        &self,
        event: &StatusEvent,
        effects: &Effects,
        now: OffsetDateTime,
        end_reason: (Option<EndReason>, bool),
    ) {
        self.record_event(effects.project, event, now);
        self.record_call(effects);
        let (reason, unrecognized) = end_reason;
        if unrecognized {
            self.unrecognized_end_reason
                .get_or_init(|| self.unrecognized_vec.with_label_values(&["end_reason"]))
                .inc();
        }
        if let Some(reason) = reason.filter(|_| effects.finished.is_some()) {
            let direction = effects.direction;
            let i = direction.index() * EndReason::COUNT + reason.index();
            self.end_reasons[i]
                .get_or_init(|| {
                    self.end_reasons_vec
                        .with_label_values(&[direction.as_str(), reason.as_str()])
                })
                .inc();
        }
    }

    /// The event's own series: its count and delivery delay.
    fn record_event(&self, p: ProjectId, event: &StatusEvent, now: OffsetDateTime) {
        let (status, direction) = (event.status, event.direction);
        self.events(p, status, direction).inc();
        if status == CallStatus::Other {
            self.unrecognized(Special::CallStatus);
        }
        if direction == Direction::Other {
            self.unrecognized(Special::Direction);
        }
        match event.timestamp {
            Reading::Valid(at) => self
                .delivery_delay
                .observe((now - at).as_seconds_f64().max(0.0)),
            Reading::Invalid => self.invalid(Field::Special(Special::Timestamp)),
            Reading::Absent => {}
        }
    }

    /// The totals of a finished call: its SIP code and every numeric field
    /// the domain found meaningful (`StatusEvent::value`).
    fn record_terminal(&self, p: ProjectId, event: &StatusEvent) {
        let (status, direction) = (event.status, event.direction);
        if let Some(code) = event.sip_code {
            self.sip(p, status, direction, code).inc();
            if code == SipCode::Other {
                self.unrecognized(Special::SipResultCode);
            }
        }
        let s = self.calls(p, status, direction);
        for field in Numeric::ALL {
            match event.value(field) {
                Reading::Valid(v) => s.fields[field.index()].record(v),
                Reading::Invalid => self.invalid(Field::Numeric(field)),
                Reading::Absent => {}
            }
        }
        if let Some(loss) = event.packet_loss_ratio() {
            s.loss.record(loss);
        }
        if let Reading::Valid(mos) = event.value(Numeric::AudioInMos) {
            self.window_add(p, |c| c.mos(mos));
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let families = self.registry.gather();
        let mut out = String::with_capacity(64 * 1024);
        TextEncoder::new()
            .encode_utf8(&families, &mut out)
            .expect("text encoding into a String cannot fail");
        out
    }

    pub const CONTENT_TYPE: &'static str = prometheus::TEXT_FORMAT;

    fn invalid(&self, field: Field) {
        if let Some(c) = &self.invalid[field.index()] {
            c.inc();
        }
    }

    fn unrecognized(&self, field: Special) {
        if let Some(c) = &self.unrecognized[Field::Special(field).index()] {
            c.inc();
        }
    }

    fn project(&self, p: ProjectId) -> &ProjectSeries {
        self.projects.get_or_init(p, ProjectSeries::new)
    }

    /// The label value of `p`, when call families carry one.
    fn name(&self, p: ProjectId) -> Option<Arc<str>> {
        self.names.name(p).filter(|_| self.names.is_labelled())
    }

    fn events(&self, p: ProjectId, status: CallStatus, direction: Direction) -> &Counter {
        self.project(p).events[series_index(status, direction)].get_or_init(|| {
            let name = self.name(p);
            let labels = with_project(&name, &[status.as_str(), direction.as_str()]);
            self.families.events.with_label_values(&labels)
        })
    }

    fn sip(
        &self,
        p: ProjectId,
        status: CallStatus,
        direction: Direction,
        code: SipCode,
    ) -> &Counter {
        let i = series_index(status, direction) * SipCode::COUNT + code.index();
        self.project(p).sip[i].get_or_init(|| {
            let (name, code) = (self.name(p), code.label());
            let labels = with_project(&name, &[status.as_str(), direction.as_str(), &code]);
            self.families.sip.with_label_values(&labels)
        })
    }

    fn calls(&self, p: ProjectId, status: CallStatus, direction: Direction) -> &CallSeries {
        self.project(p).calls[series_index(status, direction)].get_or_init(|| {
            let name = self.name(p);
            let labels = with_project(&name, &[status.as_str(), direction.as_str()]);
            let f = &self.families;
            CallSeries {
                fields: std::array::from_fn(|i| f.fields[i].child(&labels)),
                loss: f.loss.child(&labels),
            }
        })
    }
}
