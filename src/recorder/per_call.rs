//! The per-call series the recorder feeds: call-setup delays, quality
//! issues and calls with media (active and unfinished calls are the call
//! state's). Every series has a slot per closed label value, resolved once.

use std::sync::OnceLock;

use prometheus::{Counter, CounterVec, Histogram, HistogramOpts, HistogramVec, Registry};

use super::families::{counter_vec, register};
use crate::catalogue::{self, Family};
use crate::catalogue::{ANSWER_DELAY_BUCKETS, POST_DIAL_DELAY_BUCKETS};
use crate::domain::{Direction, Issue};

/// The series of one direction.
struct DirectionSeries {
    post_dial_delay: Histogram,
    answer_delay: Histogram,
    /// Index: `Issue::index()`.
    issues: [Counter; Issue::COUNT],
    with_media: Counter,
}

pub(super) struct CallMetrics {
    post_dial_delay: HistogramVec,
    answer_delay: HistogramVec,
    issues: CounterVec,
    with_media: CounterVec,
    /// Index: `Direction::index()`.
    by_direction: [OnceLock<DirectionSeries>; Direction::COUNT],
}

fn histogram_vec(r: &Registry, family: Family, buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(family.name, family.help).buckets(buckets.to_vec());
    register(r, HistogramVec::new(opts, &["direction"]))
}

impl CallMetrics {
    /// Registers the families, with every known direction's series at 0.
    pub(super) fn register(r: &Registry) -> Self {
        let metrics = CallMetrics {
            post_dial_delay: histogram_vec(r, catalogue::POST_DIAL_DELAY, POST_DIAL_DELAY_BUCKETS),
            answer_delay: histogram_vec(r, catalogue::ANSWER_DELAY, ANSWER_DELAY_BUCKETS),
            issues: counter_vec(r, catalogue::QUALITY_ISSUES, &["direction", "issue"]),
            with_media: counter_vec(r, catalogue::WITH_MEDIA, &["direction"]),
            by_direction: std::array::from_fn(|_| OnceLock::new()),
        };
        for direction in Direction::known() {
            metrics.of(direction);
        }
        metrics
    }

    fn of(&self, direction: Direction) -> &DirectionSeries {
        self.by_direction[direction.index()].get_or_init(|| {
            let d = direction.as_str();
            DirectionSeries {
                post_dial_delay: self.post_dial_delay.with_label_values(&[d]),
                answer_delay: self.answer_delay.with_label_values(&[d]),
                issues: std::array::from_fn(|i| {
                    let issue = Issue::ALL[i].as_str();
                    self.issues.with_label_values(&[d, issue])
                }),
                with_media: self.with_media.with_label_values(&[d]),
            }
        })
    }

    pub(super) fn post_dial_delay(&self, direction: Direction, seconds: f64) {
        self.of(direction).post_dial_delay.observe(seconds);
    }

    pub(super) fn answer_delay(&self, direction: Direction, seconds: f64) {
        self.of(direction).answer_delay.observe(seconds);
    }

    pub(super) fn issue(&self, direction: Direction, issue: Issue) {
        self.of(direction).issues[issue.index()].inc();
    }

    pub(super) fn with_media(&self, direction: Direction) {
        self.of(direction).with_media.inc();
    }
}
