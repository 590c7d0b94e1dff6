//! Turns accepted events into Prometheus series, and renders them.
//!
//! Every label set is closed (see `domain::labels`), so each series has a
//! fixed slot: the webhook path finds its counters and histograms by index
//! and touches only atomics, never a lock that a scrape holds. The per-call
//! series come from the field table (`domain::FIELDS`), one per row.

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
    CallStateOutcome, CallStatus, Direction, EndReason, Field, Numeric, Outcome, Reading, SipCode,
    Special, StatusEvent,
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
        let call_state_vec = counter_vec(&r, crate::catalogue::CALL_STATE_WEBHOOKS, &["outcome"]);
        let end_reasons_vec = counter_vec(
            &r,
            crate::catalogue::END_REASONS,
            &["direction", "end_reason"],
        );
        let (invalid_vec, unrecognized_vec) = exporter_metrics(&r, signature_validation);
        let per_call = CallMetrics::register(&r);
        let recorder = Recorder {
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
            events: slots(CallStatus::COUNT * Direction::COUNT),
            calls: slots(CallStatus::COUNT * Direction::COUNT),
            sip: slots(CallStatus::COUNT * Direction::COUNT * SipCode::COUNT),
            delivery_delay,
            per_call,
            window: window::Window::new(Instant::now()),
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

    pub fn outcome(&self, outcome: Outcome) {
        self.outcomes[outcome.index()].inc();
        self.window
            .add(Instant::now(), |c| c.webhooks[outcome.index()] += 1);
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
        if event.status.is_terminal() {
            self.record_terminal(event);
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
        self.record_event(event, now);
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
