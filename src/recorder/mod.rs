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

use std::sync::OnceLock;
use std::time::Instant;

use prometheus::core::Collector;
use prometheus::{Counter, CounterVec, Histogram, Registry, TextEncoder};
use time::OffsetDateTime;

use crate::call_state::Effects;
use crate::domain::{
    CallStatus, Direction, Field, Numeric, Outcome, Reading, SipCode, Special, StatusEvent,
};
use families::{counter_vec, delivery_delay, exporter_metrics, CallFamilies, CallSeries};
use per_call::CallMetrics;
pub use window::{mos_bounds, WindowCounts, WINDOW};

pub struct Recorder {
    registry: Registry,
    families: CallFamilies,
    /// Index: status × direction.
    events: Box<[OnceLock<Counter>]>,
    /// Index: status × direction; only terminal statuses are ever filled.
    calls: Box<[OnceLock<CallSeries>]>,
    /// Index: (status × direction) × SIP code.
    sip: Box<[OnceLock<Counter>]>,
    delivery_delay: Histogram,
    outcomes: Vec<Counter>,
    /// Index: `Field::index()`; `None` where the field cannot be that.
    invalid: Vec<Option<Counter>>,
    unrecognized: Vec<Option<Counter>>,
    /// The per-call series (`crate::call_state`).
    per_call: CallMetrics,
    /// The status page's recent counts.
    window: window::Window,
    /// `--labels.country`: the `signalwire_country_*` families.
    countries: Option<country::CountryMetrics>,
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
    pub fn new(signature_validation: bool) -> Self {
        let r = Registry::new();
        let families = CallFamilies::register(&r);
        let delivery_delay = delivery_delay(&r);
        let outcomes_vec = counter_vec(&r, crate::catalogue::WEBHOOKS, &["outcome"]);
        let (invalid_vec, unrecognized_vec) = exporter_metrics(&r, signature_validation);
        let per_call = CallMetrics::register(&r);
        let recorder = Recorder {
            invalid: by_field(&invalid_vec, Field::validated()),
            unrecognized: by_field(&unrecognized_vec, Field::ENUMERATED.into_iter()),
            outcomes: Outcome::ALL
                .iter()
                .map(|o| outcomes_vec.with_label_values(&[o.as_str()]))
                .collect(),
            registry: r,
            families,
            events: slots(CallStatus::COUNT * Direction::COUNT),
            calls: slots(CallStatus::COUNT * Direction::COUNT),
            sip: slots(CallStatus::COUNT * Direction::COUNT * SipCode::COUNT),
            delivery_delay,
            per_call,
            window: window::Window::new(Instant::now()),
            countries: None,
        };
        // rate() and alerts need zeros, not absent series: a series born with
        // its first event already counted loses that event to increase().
        for status in CallStatus::known() {
            for direction in Direction::known() {
                recorder.events(status, direction);
                if status.is_terminal() {
                    recorder.calls(status, direction);
                }
            }
        }
        recorder
    }

    /// Registers the `signalwire_country_*` families (`--labels.country`);
    /// their series come with each country's first call.
    pub fn with_countries(mut self) -> Self {
        // LEAD: with a projects file, `true` (a leading `project` label),
        // and the call's project label value passed in `record_call`.
        self.countries = Some(country::CountryMetrics::register(&self.registry, false));
        self
    }

    pub fn outcome(&self, outcome: Outcome) {
        self.outcomes[outcome.index()].inc();
        self.window
            .add(Instant::now(), |c| c.webhooks[outcome.index()] += 1);
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
        let (m, direction) = (&self.per_call, effects.direction);
        if let Some(seconds) = effects.post_dial_delay {
            m.post_dial_delay(direction, seconds);
        }
        if let Some(seconds) = effects.answer_delay {
            m.answer_delay(direction, seconds);
        }
        for _ in 0..effects.negative_delays {
            self.invalid(Field::Special(Special::Timestamp));
        }
        let Some(call) = &effects.finished else {
            return;
        };
        let with_media = call.audio.with_media;
        if with_media {
            m.with_media(direction);
        }
        for issue in call.issues().labels() {
            m.issue(direction, issue);
        }
        if let Some(countries) = &self.countries {
            countries.record(None, call);
        }
        self.window.add(Instant::now(), |c| {
            c.ended += 1;
            c.with_media += u64::from(with_media);
            for issue in call.issues().labels() {
                c.issues[issue.index()] += 1;
            }
        });
    }

    /// The status page's counts over the window ending at `now`.
    pub fn window(&self, now: Instant) -> WindowCounts {
        self.window.sum(now)
    }

    /// Records one accepted, non-duplicate event received at `now`, and
    /// what the call state made of it.
    pub fn record(&self, event: &StatusEvent, effects: &Effects, now: OffsetDateTime) {
        self.record_event(event, now);
        self.record_call(effects);
    }

    /// The event's own series: its count, delivery delay and, when terminal,
    /// its call's totals.
    fn record_event(&self, event: &StatusEvent, now: OffsetDateTime) {
        let (status, direction) = (event.status, event.direction);
        self.events(status, direction).inc();
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
        if status.is_terminal() {
            self.record_terminal(event);
        }
    }

    /// The totals of a finished call: its SIP code and every numeric field
    /// the domain found meaningful (`StatusEvent::value`).
    fn record_terminal(&self, event: &StatusEvent) {
        let (status, direction) = (event.status, event.direction);
        if let Some(code) = event.sip_code {
            self.sip(status, direction, code).inc();
            if code == SipCode::Other {
                self.unrecognized(Special::SipResultCode);
            }
        }
        let s = self.calls(status, direction);
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
            self.window.add(Instant::now(), |c| c.mos(mos));
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

    fn events(&self, status: CallStatus, direction: Direction) -> &Counter {
        self.events[series_index(status, direction)].get_or_init(|| {
            self.families
                .events
                .with_label_values(&[status.as_str(), direction.as_str()])
        })
    }

    fn sip(&self, status: CallStatus, direction: Direction, code: SipCode) -> &Counter {
        let i = series_index(status, direction) * SipCode::COUNT + code.index();
        self.sip[i].get_or_init(|| {
            self.families.sip.with_label_values(&[
                status.as_str(),
                direction.as_str(),
                &code.label(),
            ])
        })
    }

    fn calls(&self, status: CallStatus, direction: Direction) -> &CallSeries {
        self.calls[series_index(status, direction)].get_or_init(|| {
            let labels = [status.as_str(), direction.as_str()];
            let f = &self.families;
            CallSeries {
                fields: std::array::from_fn(|i| f.fields[i].child(&labels)),
                loss: f.loss.child(&labels),
            }
        })
    }
}
