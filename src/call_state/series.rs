//! The series that only the call table knows: calls in progress and calls
//! forgotten unfinished. They are brought up to date when /metrics is
//! gathered, through [`TableCollector`], so no route writes state.

use std::sync::{Arc, OnceLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Counter, CounterVec, Gauge, GaugeVec, Opts};

use super::shared::CallState;
use super::{CallTable, UnfinishedReason};
use crate::catalogue::{self, Family};
use crate::domain::{project_labels, with_project, Direction, ProjectId, ProjectNames};
use crate::domain::{ProjectSlots, MAX_PROJECTS};

/// The series of one direction.
struct DirectionSeries {
    active: Gauge,
    /// Index: `UnfinishedReason as usize`.
    unfinished: [Counter; 2],
}

/// Index: `Direction::index()`.
type ProjectSeries = [OnceLock<DirectionSeries>; Direction::COUNT];

pub(super) struct TableSeries {
    active: GaugeVec,
    unfinished: CounterVec,
    names: Arc<ProjectNames>,
    by_project: ProjectSlots<ProjectSeries>,
}

fn opts(f: Family) -> Opts {
    Opts::new(f.name, f.help)
}

impl TableSeries {
    /// Every known direction's series at 0 (of each listed project with a
    /// projects file); `other` once it has a call.
    pub(super) fn new(names: Arc<ProjectNames>) -> Self {
        let labels = |rest: &[&'static str]| project_labels(names.is_labelled(), rest);
        let series = TableSeries {
            active: GaugeVec::new(opts(catalogue::ACTIVE), &labels(&["direction"]))
                .expect("valid metric definition"),
            unfinished: CounterVec::new(
                opts(catalogue::UNFINISHED),
                &labels(&["direction", "reason"]),
            )
            .expect("valid metric definition"),
            by_project: ProjectSlots::new(names.capacity()),
            names,
        };
        if !series.names.is_labelled() {
            series.start(ProjectId::default());
        }
        series
    }

    /// A project's series at 0, for each known direction.
    pub(super) fn start(&self, project: ProjectId) {
        for direction in Direction::known() {
            self.of(project, direction);
        }
    }

    fn of(&self, project: ProjectId, direction: Direction) -> &DirectionSeries {
        let slots = self
            .by_project
            .get_or_init(project, || std::array::from_fn(|_| OnceLock::new()));
        slots[direction.index()].get_or_init(|| {
            let name = self
                .names
                .name(project)
                .filter(|_| self.names.is_labelled());
            let d = direction.as_str();
            DirectionSeries {
                active: self.active.with_label_values(&with_project(&name, &[d])),
                unfinished: UnfinishedReason::ALL.map(|r| {
                    let labels = with_project(&name, &[d, r.as_str()]);
                    self.unfinished.with_label_values(&labels)
                }),
            }
        })
    }

    /// Brings the gauges and counters up to the table's figures; `other`
    /// directions (and an unlisted project) appear once they have a call.
    pub(super) fn sync(&self, table: &CallTable) {
        let active = table.active_by_project();
        let totals = table.unfinished_by_project();
        for i in 0..active.len().max(totals.len()).min(MAX_PROJECTS) {
            let project = ProjectId::from_index(i);
            for direction in Direction::ALL.iter().copied() {
                let d = direction.index();
                let calls = active.get(i).map_or(0, |a| a[d]);
                let gone = totals.get(i).map_or([0, 0], |t| t[d]);
                let made = self
                    .by_project
                    .get(project)
                    .is_some_and(|s| s[d].get().is_some());
                if !made && calls == 0 && gone == [0, 0] {
                    continue;
                }
                let s = self.of(project, direction);
                s.active.set(calls as f64);
                for (counter, total) in s.unfinished.iter().zip(gone) {
                    // Counts are far below 2^53: exact in an f64.
                    let behind = total as f64 - counter.get();
                    if behind > 0.0 {
                        counter.inc_by(behind);
                    }
                }
            }
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
