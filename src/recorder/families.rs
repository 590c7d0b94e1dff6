//! What the recorder registers: the per-call families, one per row of the
//! field table (`domain::FIELDS`) plus the derived and special ones, and the
//! exporter's own series. Names and help texts are the catalogue's.

use prometheus::core::Collector;
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, Opts, Registry,
};

use crate::catalogue::{self, Family as Def};
use crate::domain::{project_labels, MetricDef, Numeric, Series, FIELDS, PACKET_LOSS};

pub(super) const CALL_LABELS: &[&str] = &["status", "direction"];

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

pub(super) fn counter_vec(registry: &Registry, def: Def, labels: &[&str]) -> CounterVec {
    register(
        registry,
        CounterVec::new(Opts::new(def.name, def.help), labels),
    )
}

impl CallFamilies {
    /// With `project` first in every family's labels when `labelled`.
    pub(super) fn register(r: &Registry, labelled: bool) -> Self {
        let call = project_labels(labelled, CALL_LABELS);
        let sip = project_labels(labelled, &["status", "direction", "code"]);
        CallFamilies {
            events: counter_vec(r, catalogue::EVENTS, &call),
            sip: counter_vec(r, catalogue::SIP_RESPONSES, &sip),
            fields: FIELDS.map(|row| Family::register(r, &row.metric, &call)),
            loss: Family::register(r, &PACKET_LOSS, &call),
        }
    }
}

/// The series about the exporter itself, set where they are constant; the
/// invalid and unrecognized families.
pub(super) fn exporter_metrics(
    r: &Registry,
    signature_validation: bool,
) -> (CounterVec, CounterVec) {
    let Def { name, help } = catalogue::BUILD_INFO;
    let build_info = register(r, GaugeVec::new(Opts::new(name, help), &["version"]));
    build_info
        .with_label_values(&[env!("CARGO_PKG_VERSION")])
        .set(1.0);
    let Def { name, help } = catalogue::SIGNATURE_VALIDATION;
    let validation = register(r, Gauge::new(name, help));
    validation.set(if signature_validation { 1.0 } else { 0.0 });
    r.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    ))
    .expect("process metrics register once");
    (
        counter_vec(r, catalogue::INVALID_FIELDS, &["field"]),
        counter_vec(r, catalogue::UNRECOGNIZED_VALUES, &["field"]),
    )
}

/// The reload gauges: successful, and the time of the last success (both
/// set as at a successful reload when the process starts).
pub(super) fn reload_gauges(r: &Registry) -> (Gauge, Gauge) {
    let gauge = |def: Def| register(r, Gauge::new(def.name, def.help));
    let ok = gauge(catalogue::RELOAD_SUCCESSFUL);
    let at = gauge(catalogue::RELOAD_SUCCESS_TIME);
    ok.set(1.0);
    at.set(unix_now());
    (ok, at)
}

pub(super) fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Time from each event's Timestamp to its receipt.
pub(super) fn delivery_delay(r: &Registry) -> Histogram {
    let Def { name, help } = catalogue::DELIVERY_DELAY;
    let opts = HistogramOpts::new(name, help).buckets(catalogue::DELIVERY_DELAY_BUCKETS.to_vec());
    register(r, Histogram::with_opts(opts))
}
