//! Turns accepted events into Prometheus series, and renders them.
//!
//! Every label set is closed (see `domain::labels`), so each series has a
//! fixed slot: the webhook path finds its counters and histograms by index
//! and touches only atomics, never a lock that a scrape holds. The per-call
//! series come from the field table (`domain::FIELDS`), one per row.

use std::sync::OnceLock;

use prometheus::core::Collector;
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, Opts, Registry,
    TextEncoder,
};
use time::OffsetDateTime;

use crate::domain::{
    CallStatus, Direction, Field, MetricDef, Numeric, Outcome, Reading, Series, SipCode, Special,
    StatusEvent, FIELDS, PACKET_LOSS,
};

const CALL_LABELS: &[&str] = &["status", "direction"];

/// Help texts of the series outside the field table, by metric name.
const EVENTS: (&str, &str) = (
    "signalwire_call_events_total",
    "Accepted, non-duplicate status callbacks.",
);
const SIP_RESPONSES: (&str, &str) = (
    "signalwire_sip_responses_total",
    "SIP result codes of finished calls (SipResultCode); \
     code=\"other\" when not a number from 100 to 699.",
);
const DELIVERY_DELAY: (&str, &str) = (
    "signalwire_webhook_delivery_delay_seconds",
    "Time from an event (Timestamp) to its callback's receipt; \
     0 when the Timestamp is ahead of our clock.",
);
/// Callbacks normally arrive within a second; retries come minutes later.
const DELAY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];
const WEBHOOKS: (&str, &str) = (
    "signalwire_exporter_webhooks_total",
    "Requests to the status-callback endpoint by outcome.",
);
const INVALID_FIELDS: (&str, &str) = (
    "signalwire_exporter_invalid_fields_total",
    "Fields present but not a finite number in range (or an unparseable Timestamp); \
     skipped, the rest of the event counts.",
);
const UNRECOGNIZED_VALUES: (&str, &str) = (
    "signalwire_exporter_unrecognized_values_total",
    "Values outside the known set, recorded under the label value \"other\".",
);
const BUILD_INFO: (&str, &str) = (
    "signalwire_exporter_build_info",
    "Build information; always 1.",
);
const SIGNATURE_VALIDATION: (&str, &str) = (
    "signalwire_exporter_signature_validation_enabled",
    "1 when callbacks must carry a valid signature, \
     0 when --insecure.skip-signature-validation is set.",
);

/// A registered family with per-call labels.
enum Family {
    Counter(CounterVec),
    Histogram(HistogramVec),
}

/// One child of a [`Family`].
enum Child {
    Counter(Counter),
    Histogram(Histogram),
}

impl Family {
    fn register(registry: &Registry, def: &MetricDef, labels: &[&str]) -> Self {
        let opts = Opts::new(def.name, def.help);
        match def.series {
            Series::Counter => Family::Counter(register(registry, CounterVec::new(opts, labels))),
            Series::Histogram(buckets) => {
                let opts = HistogramOpts::from(opts).buckets(buckets.to_vec());
                Family::Histogram(register(registry, HistogramVec::new(opts, labels)))
            }
        }
    }

    fn child(&self, labels: &[&str]) -> Child {
        match self {
            Family::Counter(vec) => Child::Counter(vec.with_label_values(labels)),
            Family::Histogram(vec) => Child::Histogram(vec.with_label_values(labels)),
        }
    }
}

impl Child {
    #[inline]
    fn record(&self, value: f64) {
        match self {
            Child::Counter(c) => c.inc_by(value),
            Child::Histogram(h) => h.observe(value),
        }
    }
}

/// The series of one status × direction that a terminal event feeds: one
/// per row of the field table, and the derived packet loss.
struct CallSeries {
    /// Index: `Numeric::index()`.
    fields: [Child; Numeric::COUNT],
    loss: Child,
}

/// The metric families with per-call labels, from which children are made.
struct CallFamilies {
    events: CounterVec,
    sip: CounterVec,
    /// Index: `Numeric::index()`.
    fields: [Family; Numeric::COUNT],
    loss: Family,
}

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
}

fn register<C: Collector + Clone + 'static>(
    registry: &Registry,
    collector: prometheus::Result<C>,
) -> C {
    let c = collector.expect("valid metric definition");
    registry
        .register(Box::new(c.clone()))
        .expect("metric names are unique");
    c
}

fn counter_vec(registry: &Registry, (name, help): (&str, &str), labels: &[&str]) -> CounterVec {
    register(registry, CounterVec::new(Opts::new(name, help), labels))
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
        slots[f.index()] = Some(vec.with_label_values(&[f.as_str()]));
    }
    slots
}

impl CallFamilies {
    fn register(r: &Registry) -> Self {
        CallFamilies {
            events: counter_vec(r, EVENTS, CALL_LABELS),
            sip: counter_vec(r, SIP_RESPONSES, &["status", "direction", "code"]),
            fields: FIELDS.map(|row| Family::register(r, &row.metric, CALL_LABELS)),
            loss: Family::register(r, &PACKET_LOSS, CALL_LABELS),
        }
    }
}

/// The series about the exporter itself, set where they are constant; the
/// invalid and unrecognized families.
fn exporter_metrics(r: &Registry, signature_validation: bool) -> (CounterVec, CounterVec) {
    let (name, help) = BUILD_INFO;
    let build_info = register(r, GaugeVec::new(Opts::new(name, help), &["version"]));
    build_info
        .with_label_values(&[env!("CARGO_PKG_VERSION")])
        .set(1.0);
    let (name, help) = SIGNATURE_VALIDATION;
    let validation = register(r, Gauge::new(name, help));
    validation.set(if signature_validation { 1.0 } else { 0.0 });
    r.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    ))
    .expect("process metrics register once");
    (
        counter_vec(r, INVALID_FIELDS, &["field"]),
        counter_vec(r, UNRECOGNIZED_VALUES, &["field"]),
    )
}

impl Recorder {
    pub fn new(signature_validation: bool) -> Self {
        let r = Registry::new();
        let families = CallFamilies::register(&r);
        let (name, help) = DELIVERY_DELAY;
        let delay = HistogramOpts::new(name, help).buckets(DELAY_BUCKETS.to_vec());
        let delivery_delay = register(&r, Histogram::with_opts(delay));
        let outcomes_vec = counter_vec(&r, WEBHOOKS, &["outcome"]);
        let (invalid_vec, unrecognized_vec) = exporter_metrics(&r, signature_validation);
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
    }

    /// Records one accepted, non-duplicate event received at `now`.
    pub fn record(&self, event: &StatusEvent, now: OffsetDateTime) {
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
        if !status.is_terminal() {
            // Per-call totals come with the terminal event only: the domain
            // leaves them absent on progress events.
            return;
        }
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
