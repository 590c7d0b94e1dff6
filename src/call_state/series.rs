//! The series that only the call table knows: calls in progress and calls
//! forgotten unfinished. They are brought up to date when /metrics is
//! gathered, through [`TableCollector`], so no route writes state.

use std::sync::{Arc, OnceLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Counter, CounterVec, Gauge, GaugeVec, Opts};

use super::shared::CallState;
use super::{Unfinished, UnfinishedReason};
use crate::catalogue::{self, Family};
use crate::domain::Direction;

/// The series of one direction.
struct DirectionSeries {
    active: Gauge,
    /// Index: `UnfinishedReason as usize`.
    unfinished: [Counter; 2],
}

pub(super) struct TableSeries {
    active: GaugeVec,
    unfinished: CounterVec,
    /// Index: `Direction::index()`.
    by_direction: [OnceLock<DirectionSeries>; Direction::COUNT],
}

fn opts(f: Family) -> Opts {
    Opts::new(f.name, f.help)
}

impl TableSeries {
    /// Every known direction's series at 0; `other` once it has a call.
    pub(super) fn new() -> Self {
        let series = TableSeries {
            active: GaugeVec::new(opts(catalogue::ACTIVE), &["direction"])
                .expect("valid metric definition"),
            unfinished: CounterVec::new(opts(catalogue::UNFINISHED), &["direction", "reason"])
                .expect("valid metric definition"),
            by_direction: std::array::from_fn(|_| OnceLock::new()),
        };
        for direction in Direction::known() {
            series.of(direction);
        }
        series
    }

    fn of(&self, direction: Direction) -> &DirectionSeries {
        self.by_direction[direction.index()].get_or_init(|| {
            let d = direction.as_str();
            DirectionSeries {
                active: self.active.with_label_values(&[d]),
                unfinished: UnfinishedReason::ALL
                    .map(|r| self.unfinished.with_label_values(&[d, r.as_str()])),
            }
        })
    }

    pub(super) fn unfinished(&self, unfinished: &Unfinished) {
        for (direction, reason, n) in unfinished.iter() {
            self.of(direction).unfinished[reason as usize].inc_by(n as f64);
        }
    }

    /// Sets the gauge; `other` is created only once it has a call.
    pub(super) fn active(&self, direction: Direction, calls: u64) {
        if calls > 0 || self.by_direction[direction.index()].get().is_some() {
            self.of(direction).active.set(calls as f64);
        }
    }
}

/// Registered with the recorder's registry: expires old calls and sets the
/// gauges, then hands over both families.
pub struct TableCollector {
    state: Arc<CallState>,
    descs: Vec<Desc>,
}

impl TableCollector {
    pub(super) fn new(state: Arc<CallState>) -> Self {
        let s = &state.series;
        let descs = s.active.desc().into_iter().chain(s.unfinished.desc());
        let descs = descs.cloned().collect();
        TableCollector { state, descs }
    }
}

impl Collector for TableCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.state.refresh();
        let s = &self.state.series;
        let mut families = s.active.collect();
        families.extend(s.unfinished.collect());
        families
    }
}
