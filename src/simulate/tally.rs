//! The summary: what was sent and acknowledged, and what the exporter's
//! series should show for it. The per-call series are predicted by the rules
//! of `crate::call_state`, replayed per call in delivery order: a call's events
//! go one after another, so the exporter sees them in the order sent.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::plan::{PlannedCall, TerminalStats};
use crate::catalogue::{ANSWER_DELAY_BUCKETS, POST_DIAL_DELAY_BUCKETS};
use crate::domain::CallStatus;
use crate::domain::{Quality, Thresholds};

/// What was sent and acknowledged. Event and audio counts cover events that
/// got at least one 2xx answer, so with no failures they equal what the
/// exporter's /metrics shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    pub seed: u64,
    /// Calls started.
    pub calls: u64,
    /// HTTP requests sent, retries included.
    pub deliveries: u64,
    /// Retried deliveries (identical body and signature).
    pub duplicates: u64,
    pub non_2xx: u64,
    /// Transport errors (refused, reset, timed out).
    pub errors: u64,
    /// Unique events by "CallStatus/Direction".
    pub events: BTreeMap<String, u64>,
    /// Terminal events by "CallStatus/Direction".
    pub terminal: BTreeMap<String, u64>,
    /// Σ AudioInMediaPacketCount over terminal events.
    pub audio_in_packets: u64,
    /// Σ AudioInSkipPacketCount over terminal events.
    pub audio_in_skipped_packets: u64,
    /// Terminal events with media, whose AudioInMos the exporter observes.
    pub mos_observations: u64,
    pub mos_at_or_below_3_5: u64,
    /// Terminal events by SipResultCode.
    pub sip_responses: BTreeMap<String, u64>,
    /// `signalwire_call_post_dial_delay_seconds` by direction.
    pub post_dial_delay: BTreeMap<String, Histogram>,
    /// `signalwire_call_answer_delay_seconds` by direction.
    pub answer_delay: BTreeMap<String, Histogram>,
    /// `signalwire_call_quality_issues_total` by "issue/direction".
    pub quality_issues: BTreeMap<String, u64>,
    /// `signalwire_calls_with_media_total` by direction.
    pub calls_with_media: BTreeMap<String, u64>,
    /// `signalwire_calls_silent_total` by direction.
    pub silent_calls: BTreeMap<String, u64>,
    /// Calls the exporter holds in progress whose terminal event was lost
    /// (never sent, or refused): `signalwire_calls_unfinished_total`
    /// `{reason="max_age"}` by direction once `--calls.max-age` has passed.
    pub unfinished: BTreeMap<String, u64>,
    /// `signalwire_calls_active` by direction when the run ended: the
    /// unfinished calls, and calls cut short by a shutdown.
    pub active_at_end: BTreeMap<String, u64>,
    /// `signalwire_call_end_reasons_total` by "end_reason/direction": calls
    /// sent as call-state events only.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub end_reasons: BTreeMap<String, u64>,
    /// `signalwire_country_calls_ended_total` (`--labels.country`) by
    /// "country/status/direction".
    pub calls_ended_by_country: BTreeMap<String, u64>,
}

/// A histogram of whole seconds as the exporter exposes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// `_count`.
    pub count: u64,
    /// `_sum`, in seconds.
    pub sum: u64,
    /// `_bucket`: cumulative counts by `le`, `+Inf` last.
    pub buckets: Buckets,
}

impl Histogram {
    pub(super) fn new(bounds: &[f64]) -> Self {
        let mut les: Vec<(String, u64)> = bounds.iter().map(|b| (b.to_string(), 0)).collect();
        les.push(("+Inf".to_owned(), 0));
        Histogram {
            count: 0,
            sum: 0,
            buckets: Buckets(les),
        }
    }

    pub(super) fn observe(&mut self, bounds: &[f64], seconds: u64) {
        self.count += 1;
        self.sum += seconds;
        for (i, (_, n)) in self.buckets.0.iter_mut().enumerate() {
            if bounds.get(i).is_none_or(|b| seconds as f64 <= *b) {
                *n += 1;
            }
        }
    }
}

/// Cumulative bucket counts keyed by the exporter's `le` strings, in the
/// order of the bounds (a JSON object in that order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets(pub Vec<(String, u64)>);

impl Buckets {
    /// The count of the bucket `le`.
    pub fn get(&self, le: &str) -> Option<u64> {
        self.0.iter().find(|(l, _)| l == le).map(|(_, n)| *n)
    }
}

impl Serialize for Buckets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (le, n) in &self.0 {
            map.serialize_entry(le, n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Buckets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Buckets;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of le to a count")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Buckets, A::Error> {
                let mut buckets = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    buckets.push(entry);
                }
                Ok(Buckets(buckets))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// What the exporter's call table holds about one call, as predicted from
/// the events of it that were acknowledged so far.
#[derive(Debug, Clone, Default)]
pub(super) struct CallState {
    /// Known to the table: in progress, or finished.
    seen: bool,
    /// In progress: counted in `signalwire_calls_active`.
    live: bool,
    /// Its first terminal event was recorded.
    ended: bool,
    /// Timestamps (Unix seconds) of initiated, ringing and the answer.
    stamps: [Option<i64>; 3],
}

impl CallState {
    /// Fills the Timestamp of `status`, first one only, and returns the
    /// (post-dial, answer) delays that this completes, as the table does.
    fn fill(&mut self, status: CallStatus, timestamp: i64) -> (Option<i64>, Option<i64>) {
        let slot = match status {
            CallStatus::Initiated => 0,
            CallStatus::Ringing => 1,
            CallStatus::InProgress | CallStatus::Answered => 2,
            _ => return (None, None),
        };
        if self.stamps[slot].is_some() {
            return (None, None);
        }
        self.stamps[slot] = Some(timestamp);
        let [initiated, ringing, answered] = self.stamps;
        let post_dial = (slot < 2).then(|| Some(ringing? - initiated?)).flatten();
        let answer = (slot > 0).then(|| Some(answered? - ringing?)).flatten();
        (post_dial, answer)
    }
}

/// What the exporter reads of a terminal event as the plan sends it: the
/// media statistics only with media, CallDuration only when answered.
fn read(t: &TerminalStats) -> Quality {
    let media = t.media_packets > 0;
    let answered = media || t.duration > 0;
    Quality {
        mos: media.then_some(t.mos),
        media_packets: Some(t.media_packets as f64),
        skipped_packets: Some(t.skipped_packets as f64),
        jitter_max_variance: media.then_some(t.jitter_max_variance),
        duration_seconds: answered.then_some(f64::from(t.duration)),
        average_ptime_seconds: media.then_some(t.average_ptime / 1000.0),
        completed: t.status == CallStatus::Completed,
        ..Quality::default()
    }
}

fn add(map: &mut BTreeMap<String, u64>, key: impl Into<String>, n: u64) {
    *map.entry(key.into()).or_default() += n;
}

impl Summary {
    /// No request was refused or lost.
    pub fn ok(&self) -> bool {
        self.non_2xx == 0 && self.errors == 0
    }

    /// The one-line JSON printed at the end of a run.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary serializes")
    }

    /// Counts `call.events[index]`, which got a 2xx answer and carried
    /// `timestamp` (Unix seconds), as the call's next event in the table.
    pub(super) fn acknowledged(
        &mut self,
        call: &PlannedCall,
        index: usize,
        state: &mut CallState,
        timestamp: i64,
    ) {
        let status = call.events[index].status;
        let key = format!("{}/{}", status.as_str(), call.direction.as_str());
        add(&mut self.events, key.clone(), 1);
        if status.is_terminal() {
            self.terminal_counts(call, key);
            self.ended(call, state);
        } else {
            self.progressed(call, status, state, timestamp);
        }
    }

    fn terminal_counts(&mut self, call: &PlannedCall, key: String) {
        let t = &call.terminal;
        add(&mut self.terminal, key, 1);
        // 0: a call-state event, which carries no SIP code.
        if t.sip_code != 0 {
            add(&mut self.sip_responses, t.sip_code.to_string(), 1);
        }
        self.audio_in_packets += t.media_packets;
        self.audio_in_skipped_packets += t.skipped_packets;
        if t.media_packets > 0 {
            self.mos_observations += 1;
            if t.mos <= 3.5 {
                self.mos_at_or_below_3_5 += 1;
            }
        }
    }

    /// A progress event: starts the call unless the table knows it, which
    /// a late event after the terminal one never revives.
    fn progressed(
        &mut self,
        call: &PlannedCall,
        status: CallStatus,
        state: &mut CallState,
        timestamp: i64,
    ) {
        let direction = call.direction.as_str();
        if status == CallStatus::Other {
            return;
        }
        if !state.seen {
            state.seen = true;
            state.live = true;
            add(&mut self.active_at_end, direction, 1);
        }
        // Negative differences are not observed; our timelines have none.
        let (post_dial, answer) = state.fill(status, timestamp);
        if let Some(seconds) = post_dial.and_then(|d| u64::try_from(d).ok()) {
            self.post_dial_delay
                .entry(direction.to_owned())
                .or_insert_with(|| Histogram::new(POST_DIAL_DELAY_BUCKETS))
                .observe(POST_DIAL_DELAY_BUCKETS, seconds);
        }
        if let Some(seconds) = answer.and_then(|d| u64::try_from(d).ok()) {
            self.answer_delay
                .entry(direction.to_owned())
                .or_insert_with(|| Histogram::new(ANSWER_DELAY_BUCKETS))
                .observe(ANSWER_DELAY_BUCKETS, seconds);
        }
    }

    /// The first terminal event of a call ends it and counts its quality.
    fn ended(&mut self, call: &PlannedCall, state: &mut CallState) {
        if state.ended {
            return;
        }
        let direction = call.direction.as_str();
        state.seen = true;
        state.ended = true;
        let status = call.terminal.status.as_str();
        let key = format!("{}/{status}/{direction}", call.country);
        add(&mut self.calls_ended_by_country, key, 1);
        if std::mem::take(&mut state.live) {
            if let Some(n) = self.active_at_end.get_mut(direction) {
                *n = n.saturating_sub(1);
            }
        }
        let terminal = call.events.iter().find(|e| e.status.is_terminal());
        let reason = terminal.and_then(|e| e.params.iter().find(|(n, _)| *n == "end_reason"));
        if let Some((_, reason)) = reason {
            add(&mut self.end_reasons, format!("{reason}/{direction}"), 1);
        }
        // The exporter's own rules, on what the plan sends: the prediction
        // is of what it counts, not a second copy of the thresholds.
        let audio = Thresholds::default().assess(&read(&call.terminal));
        if audio.silent {
            add(&mut self.silent_calls, direction, 1);
        }
        if !audio.with_media {
            return;
        }
        add(&mut self.calls_with_media, direction, 1);
        for issue in audio.issues.labels() {
            add(&mut self.quality_issues, format!("{issue}/{direction}"), 1);
        }
    }

    /// After the last delivery of a call: when the table still holds it in
    /// progress, its terminal event was lost and it will be unfinished.
    pub(super) fn call_done(&mut self, call: &PlannedCall, state: &CallState) {
        if state.live {
            add(&mut self.unfinished, call.direction.as_str(), 1);
        }
    }

    /// The end of the run: directions without an active call are left out,
    /// as in the other maps.
    pub(super) fn finish(&mut self) {
        self.active_at_end.retain(|_, n| *n > 0);
    }
}
