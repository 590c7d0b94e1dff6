//! What the recorder registers: the per-call families, one per row of the
//! field table (`domain::FIELDS`) plus the derived and special ones, and the
//! exporter's own series. Help texts live here or in the table.

use prometheus::core::Collector;
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, Opts, Registry,
};

use crate::domain::{MetricDef, Numeric, Series, FIELDS, PACKET_LOSS};

pub(super) const CALL_LABELS: &[&str] = &["status", "direction"];

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
pub(super) const WEBHOOKS: (&str, &str) = (
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
pub(super) enum Family {
    Counter(CounterVec),
    Histogram(HistogramVec),
}

/// One child of a [`Family`].
pub(super) enum Child {
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

    pub(super) fn child(&self, labels: &[&str]) -> Child {
        match self {
            Family::Counter(vec) => Child::Counter(vec.with_label_values(labels)),
            Family::Histogram(vec) => Child::Histogram(vec.with_label_values(labels)),
        }
    }
}

impl Child {
    pub(super) fn record(&self, value: f64) {
        match self {
            Child::Counter(c) => c.inc_by(value),
            Child::Histogram(h) => h.observe(value),
        }
    }
}

/// The series of one status × direction that a terminal event feeds: one
/// per row of the field table, and the derived packet loss.
pub(super) struct CallSeries {
    /// Index: `Numeric::index()`.
    pub(super) fields: [Child; Numeric::COUNT],
    pub(super) loss: Child,
}

/// The metric families with per-call labels, from which children are made.
pub(super) struct CallFamilies {
    pub(super) events: CounterVec,
    pub(super) sip: CounterVec,
    /// Index: `Numeric::index()`.
    pub(super) fields: [Family; Numeric::COUNT],
    pub(super) loss: Family,
}

pub(super) fn register<C: Collector + Clone + 'static>(
    registry: &Registry,
    collector: prometheus::Result<C>,
) -> C {
    let c = collector.expect("valid metric definition");
    registry
        .register(Box::new(c.clone()))
        .expect("metric names are unique");
    c
}

pub(super) fn counter_vec(
    registry: &Registry,
    (name, help): (&str, &str),
    labels: &[&str],
) -> CounterVec {
    register(registry, CounterVec::new(Opts::new(name, help), labels))
}

impl CallFamilies {
    pub(super) fn register(r: &Registry) -> Self {
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
pub(super) fn exporter_metrics(
    r: &Registry,
    signature_validation: bool,
) -> (CounterVec, CounterVec) {
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

/// Time from each event's Timestamp to its receipt.
pub(super) fn delivery_delay(r: &Registry) -> Histogram {
    let (name, help) = DELIVERY_DELAY;
    let opts = HistogramOpts::new(name, help).buckets(DELAY_BUCKETS.to_vec());
    register(r, Histogram::with_opts(opts))
}
