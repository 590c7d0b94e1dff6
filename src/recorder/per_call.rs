//! The per-call series the recorder feeds: call-setup delays, quality
//! issues, calls with media and silent calls (active and unfinished calls
//! are the call state's). Every series has a slot per project and closed label value,
//! resolved once. With a projects file every family here carries `project`
//! first: register with `self.labels(&[...])` and make children with
//! `with_project(&name, &[...])`, as below.

use std::sync::{Arc, OnceLock};

use prometheus::{Counter, CounterVec, Histogram, HistogramOpts, HistogramVec, Registry};

use super::families::{counter_vec, register};
use crate::catalogue::{self, Family};
use crate::catalogue::{ANSWER_DELAY_BUCKETS, POST_DIAL_DELAY_BUCKETS};
use crate::domain::{project_labels, with_project, Direction, Issue};
use crate::domain::{ProjectId, ProjectNames, ProjectSlots};

/// The series of one direction of one project.
struct DirectionSeries {
    post_dial_delay: Histogram,
    answer_delay: Histogram,
    /// Index: `Issue::index()`.
    issues: [Counter; Issue::COUNT],
    with_media: Counter,
    silent: Counter,
}

/// Index: `Direction::index()`.
type ProjectSeries = [OnceLock<DirectionSeries>; Direction::COUNT];

pub(super) struct CallMetrics {
    post_dial_delay: HistogramVec,
    answer_delay: HistogramVec,
    issues: CounterVec,
    with_media: CounterVec,
    silent: CounterVec,
    names: Arc<ProjectNames>,
    by_project: ProjectSlots<ProjectSeries>,
}

fn histogram_vec(r: &Registry, family: Family, buckets: &[f64], labels: &[&str]) -> HistogramVec {
    let opts = HistogramOpts::new(family.name, family.help).buckets(buckets.to_vec());
    register(r, HistogramVec::new(opts, labels))
}

impl CallMetrics {
    /// Registers the families; a project's series are made by [`Self::start`].
    pub(super) fn register(r: &Registry, names: Arc<ProjectNames>) -> Self {
        let labels = |rest: &[&'static str]| project_labels(names.is_labelled(), rest);
        let d = labels(&["direction"]);
        CallMetrics {
            post_dial_delay: histogram_vec(
                r,
                catalogue::POST_DIAL_DELAY,
                POST_DIAL_DELAY_BUCKETS,
                &d,
            ),
            answer_delay: histogram_vec(r, catalogue::ANSWER_DELAY, ANSWER_DELAY_BUCKETS, &d),
            issues: counter_vec(
                r,
                catalogue::QUALITY_ISSUES,
                &labels(&["direction", "issue"]),
            ),
            with_media: counter_vec(r, catalogue::WITH_MEDIA, &d),
            silent: counter_vec(r, catalogue::SILENT, &d),
            by_project: ProjectSlots::new(names.capacity()),
            names,
        }
    }

    /// Every known direction's series of `project` at 0.
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
            let l = with_project(&name, &[d]);
            DirectionSeries {
                post_dial_delay: self.post_dial_delay.with_label_values(&l),
                answer_delay: self.answer_delay.with_label_values(&l),
                issues: std::array::from_fn(|i| {
                    let issue = Issue::ALL[i].as_str();
                    self.issues
                        .with_label_values(&with_project(&name, &[d, issue]))
                }),
                with_media: self.with_media.with_label_values(&l),
                silent: self.silent.with_label_values(&l),
            }
        })
    }

    pub(super) fn post_dial_delay(&self, p: ProjectId, direction: Direction, seconds: f64) {
        self.of(p, direction).post_dial_delay.observe(seconds);
    }

    pub(super) fn answer_delay(&self, p: ProjectId, direction: Direction, seconds: f64) {
        self.of(p, direction).answer_delay.observe(seconds);
    }

    pub(super) fn issue(&self, p: ProjectId, direction: Direction, issue: Issue) {
        self.of(p, direction).issues[issue.index()].inc();
    }

    pub(super) fn with_media(&self, p: ProjectId, direction: Direction) {
        self.of(p, direction).with_media.inc();
    }

    pub(super) fn silent(&self, p: ProjectId, direction: Direction) {
        self.of(p, direction).silent.inc();
    }
}
