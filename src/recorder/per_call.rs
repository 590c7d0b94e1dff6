//! The per-call series (issue 10): call-setup delays, calls in progress,
//! calls forgotten unfinished, quality issues and calls with media. Every
//! series has a slot per closed label value, resolved once.

use std::sync::OnceLock;

use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, Opts, Registry,
};

use super::families::{counter_vec, register};
use crate::call_state::buckets::{ANSWER_DELAY_BUCKETS, POST_DIAL_DELAY_BUCKETS};
use crate::call_state::{Issue, UnfinishedReason};
use crate::domain::Direction;

const ACTIVE: (&str, &str) = (
    "signalwire_calls_active",
    "Calls with a non-terminal event (queued, initiated, ringing, in-progress) \
     and no terminal one yet.",
);
const POST_DIAL_DELAY: (&str, &str) = (
    "signalwire_call_post_dial_delay_seconds",
    "Timestamp of a call's ringing event minus that of its initiated event.",
);
const ANSWER_DELAY: (&str, &str) = (
    "signalwire_call_answer_delay_seconds",
    "Timestamp of a call's first in-progress event minus that of its ringing event.",
);
const UNFINISHED: (&str, &str) = (
    "signalwire_calls_unfinished_total",
    "Calls forgotten without a terminal event: older than --calls.max-age (reason \
     max_age), or evicted for a new call at --calls.capacity (reason capacity).",
);
const QUALITY_ISSUES: (&str, &str) = (
    "signalwire_call_quality_issues_total",
    "Finished calls with media having each quality issue (--quality.* thresholds); \
     issue=\"any\" counts calls with at least one.",
);
const WITH_MEDIA: (&str, &str) = (
    "signalwire_calls_with_media_total",
    "Finished calls with AudioInMediaPacketCount > 0: the denominator of issue shares.",
);

/// The series of one direction.
struct DirectionSeries {
    active: Gauge,
    post_dial_delay: Histogram,
    answer_delay: Histogram,
    /// Index: `UnfinishedReason as usize`.
    unfinished: [Counter; 2],
    /// Index: `Issue::index()`.
    issues: [Counter; Issue::COUNT],
    with_media: Counter,
}

pub(super) struct CallMetrics {
    active: GaugeVec,
    post_dial_delay: HistogramVec,
    answer_delay: HistogramVec,
    unfinished: CounterVec,
    issues: CounterVec,
    with_media: CounterVec,
    /// Index: `Direction::index()`.
    by_direction: [OnceLock<DirectionSeries>; Direction::COUNT],
}

fn histogram_vec(r: &Registry, (name, help): (&str, &str), buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(r, HistogramVec::new(opts, &["direction"]))
}

impl CallMetrics {
    /// Registers the families, with every known direction's series at 0.
    pub(super) fn register(r: &Registry) -> Self {
        let (name, help) = ACTIVE;
        let metrics = CallMetrics {
            active: register(r, GaugeVec::new(Opts::new(name, help), &["direction"])),
            post_dial_delay: histogram_vec(r, POST_DIAL_DELAY, POST_DIAL_DELAY_BUCKETS),
            answer_delay: histogram_vec(r, ANSWER_DELAY, ANSWER_DELAY_BUCKETS),
            unfinished: counter_vec(r, UNFINISHED, &["direction", "reason"]),
            issues: counter_vec(r, QUALITY_ISSUES, &["direction", "issue"]),
            with_media: counter_vec(r, WITH_MEDIA, &["direction"]),
            by_direction: std::array::from_fn(|_| OnceLock::new()),
        };
        for direction in Direction::known() {
            metrics.of(direction);
        }
        metrics
    }

    /// Whether `direction`'s series exist yet (`other` only once used).
    fn created(&self, direction: Direction) -> bool {
        self.by_direction[direction.index()].get().is_some()
    }

    fn of(&self, direction: Direction) -> &DirectionSeries {
        self.by_direction[direction.index()].get_or_init(|| {
            let d = direction.as_str();
            DirectionSeries {
                active: self.active.with_label_values(&[d]),
                post_dial_delay: self.post_dial_delay.with_label_values(&[d]),
                answer_delay: self.answer_delay.with_label_values(&[d]),
                unfinished: UnfinishedReason::ALL
                    .map(|r| self.unfinished.with_label_values(&[d, r.as_str()])),
                issues: Issue::ALL.map(|i| self.issues.with_label_values(&[d, i.as_str()])),
                with_media: self.with_media.with_label_values(&[d]),
            }
        })
    }

    pub(super) fn post_dial_delay(&self, direction: Direction, seconds: u64) {
        self.of(direction).post_dial_delay.observe(seconds as f64);
    }

    pub(super) fn answer_delay(&self, direction: Direction, seconds: u64) {
        self.of(direction).answer_delay.observe(seconds as f64);
    }

    pub(super) fn unfinished(&self, direction: Direction, reason: UnfinishedReason, n: u64) {
        self.of(direction).unfinished[reason as usize].inc_by(n as f64);
    }

    pub(super) fn issue(&self, direction: Direction, issue: Issue) {
        self.of(direction).issues[issue.index()].inc();
    }

    pub(super) fn with_media(&self, direction: Direction) {
        self.of(direction).with_media.inc();
    }

    /// Sets the gauge; `other` is created only once it has a call.
    pub(super) fn active(&self, direction: Direction, calls: u64) {
        if calls > 0 || self.created(direction) {
            self.of(direction).active.set(calls as f64);
        }
    }
}
