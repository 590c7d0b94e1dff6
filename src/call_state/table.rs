//! The bounded table of calls in progress, and the bounded memory of calls
//! that left it.
//!
//! A call is known by a 64-bit keyed hash of (AccountSid, CallSid), SipHash
//! with a per-process random key as in `dedupe`: memory per call is fixed
//! whatever the payload sends, and nobody outside can aim for a collision
//! (~n²/2⁶⁵ by chance). Per call in progress: 49 bytes of hash table and up
//! to 64 of eviction queue; per call that left: 41 and 8; hash tables keep
//! up to twice that as spare room. Measured by `bench/calls_memory.rs`.

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::recent::RecentCalls;
use super::stamps::{Completed, Stamps};
use super::{CallEvent, CallsConfig, Thresholds};
use crate::domain::{CallStatus, Direction, FinishedCall, ProjectId, RecordedNumbers};

/// Why a call was forgotten before its terminal event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnfinishedReason {
    MaxAge,
    Capacity,
}

impl UnfinishedReason {
    pub const ALL: [UnfinishedReason; 2] = [UnfinishedReason::MaxAge, UnfinishedReason::Capacity];

    pub const fn as_str(self) -> &'static str {
        match self {
            UnfinishedReason::MaxAge => "max_age",
            UnfinishedReason::Capacity => "capacity",
        }
    }
}

/// Calls forgotten without a terminal event, by direction and reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unfinished([[u64; 2]; Direction::COUNT]);

impl Unfinished {
    pub fn get(&self, direction: Direction, reason: UnfinishedReason) -> u64 {
        self.0[direction.index()][reason as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().flatten().all(|n| *n == 0)
    }

    /// The non-zero counts, to add to `signalwire_calls_unfinished_total`.
    pub fn iter(&self) -> impl Iterator<Item = (Direction, UnfinishedReason, u64)> + '_ {
        Direction::ALL.iter().flat_map(move |d| {
            UnfinishedReason::ALL
                .into_iter()
                .map(move |r| (*d, r, self.get(*d, r)))
                .filter(|(_, _, n)| *n > 0)
        })
    }

    fn add(&mut self, direction: Direction, reason: UnfinishedReason) {
        self.0[direction.index()][reason as usize] += 1;
    }
}

/// What one event did, for the caller to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    /// The call's direction (that of its first event received): the label
    /// of the delays and of `terminal`.
    pub direction: Direction,
    /// Seconds to observe in `signalwire_call_post_dial_delay_seconds`.
    pub post_dial_delay: Option<f64>,
    /// Seconds to observe in `signalwire_call_answer_delay_seconds`.
    pub answer_delay: Option<f64>,
    /// Delays found negative: each counts once as an invalid Timestamp.
    pub negative_delays: u32,
    /// Calls forgotten while making room or because they were too old; not
    /// this event's call, which is never forgotten by its own event.
    pub unfinished: Unfinished,
    /// The record of the call, on its first terminal event.
    pub finished: Option<FinishedCall>,
    /// The event's project: the slot of its series.
    pub project: ProjectId,
}

type Keyed<V> = crate::prehashed::Map<V>;

/// A call in progress.
#[derive(Debug, Clone, Copy)]
struct Live {
    /// Tells this call's entry in `order` from those of an earlier call with
    /// the same key, left behind when it ended (lazy deletion).
    generation: u64,
    stamps: Stamps,
    direction: Direction,
    status: CallStatus,
    /// Whose active calls it counts in.
    project: ProjectId,
}

/// A call that left the table: ended, or forgotten before its end.
#[derive(Debug, Clone, Copy)]
struct Gone {
    stamps: Stamps,
    direction: Direction,
    ended: bool,
}

/// A call in progress and what a snapshot shows of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallView {
    pub direction: Direction,
    pub last_status: CallStatus,
    /// Seconds, negative ones included.
    pub post_dial_delay: Option<f64>,
    pub answer_delay: Option<f64>,
}

pub struct CallTable {
    capacity: usize,
    max_age: Duration,
    finished_capacity: usize,
    include_numbers: bool,
    thresholds: Thresholds,
    hasher: RandomState,
    live: Keyed<Live>,
    /// (first event received, key, generation), oldest first.
    order: VecDeque<(Instant, u64, u64)>,
    gone: Keyed<Gone>,
    /// Keys of `gone`, oldest first; each key once.
    gone_order: VecDeque<u64>,
    /// Index: `ProjectId::index()`, then `Direction::index()`; grown when
    /// a project has its first call.
    active: Vec<[u64; Direction::COUNT]>,
    /// Calls forgotten unfinished since start, by project, direction and
    /// reason: the scrape brings the counters up to these.
    unfinished_totals: Vec<[[u64; 2]; Direction::COUNT]>,
    generations: u64,
    terminals: u64,
    recent: RecentCalls,
}

impl CallTable {
    pub fn new(config: &CallsConfig) -> Self {
        CallTable {
            capacity: config.capacity,
            max_age: config.max_age,
            finished_capacity: config.finished_capacity,
            include_numbers: config.include_numbers,
            thresholds: config.thresholds,
            hasher: RandomState::new(),
            live: Keyed::default(),
            order: VecDeque::new(),
            gone: Keyed::default(),
            gone_order: VecDeque::new(),
            active: vec![[0; Direction::COUNT]],
            unfinished_totals: vec![[[0; 2]; Direction::COUNT]],
            generations: 0,
            terminals: 0,
            recent: RecentCalls::new(config.recent),
        }
    }

    /// Calls in progress with this direction: `signalwire_calls_active`.
    pub fn active(&self, direction: Direction) -> u64 {
        self.active.iter().map(|a| a[direction.index()]).sum()
    }

    /// Calls in progress by project (index: `ProjectId::index()`) and
    /// direction.
    pub fn active_by_project(&self) -> &[[u64; Direction::COUNT]] {
        &self.active
    }

    /// Calls forgotten unfinished since start, by project, direction and
    /// reason (`UnfinishedReason as usize`).
    pub fn unfinished_by_project(&self) -> &[[[u64; 2]; Direction::COUNT]] {
        &self.unfinished_totals
    }

    fn active_mut(&mut self, project: ProjectId) -> &mut [u64; Direction::COUNT] {
        let i = project.index();
        if self.active.len() <= i {
            self.active.resize(i + 1, [0; Direction::COUNT]);
        }
        &mut self.active[i]
    }

    /// Calls in progress, all directions.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    pub fn recent(&self) -> &RecentCalls {
        &self.recent
    }

    /// The call in progress with these ids, if any.
    pub fn get(&self, account_sid: &str, call_sid: &str) -> Option<CallView> {
        let live = self.live.get(&self.key(account_sid, call_sid))?;
        Some(CallView {
            direction: live.direction,
            last_status: live.status,
            post_dial_delay: live.stamps.post_dial().map(seconds),
            answer_delay: live.stamps.answer().map(seconds),
        })
    }

    /// Entries of the eviction queue, stale ones included.
    #[cfg(test)]
    pub(super) fn queued(&self) -> usize {
        self.order.len()
    }

    fn key(&self, account_sid: &str, call_sid: &str) -> u64 {
        // `str` hashes length-prefixed: ("a","bc") and ("ab","c") differ.
        self.hasher.hash_one((account_sid, call_sid))
    }

    /// Forgets the calls in progress whose first event came `max_age` ago or
    /// earlier; call it before reading `active` for a scrape.
    pub fn expire(&mut self, now: Instant) -> Unfinished {
        let mut unfinished = Unfinished::default();
        self.expire_into(now, &mut unfinished);
        unfinished
    }

    fn expire_into(&mut self, now: Instant, unfinished: &mut Unfinished) {
        while let Some(&(first_seen, key, generation)) = self.order.front() {
            if self
                .live
                .get(&key)
                .is_some_and(|l| l.generation == generation)
            {
                if now.saturating_duration_since(first_seen) < self.max_age {
                    return;
                }
                self.forget(key, UnfinishedReason::MaxAge, unfinished);
            }
            self.order.pop_front();
        }
    }

    /// Moves a call in progress to the memory of calls gone, unfinished.
    fn forget(&mut self, key: u64, reason: UnfinishedReason, unfinished: &mut Unfinished) {
        if let Some(live) = self.live.remove(&key) {
            self.active_mut(live.project)[live.direction.index()] -= 1;
            unfinished.add(live.direction, reason);
            let i = live.project.index();
            if self.unfinished_totals.len() <= i {
                self.unfinished_totals
                    .resize(i + 1, [[0; 2]; Direction::COUNT]);
            }
            self.unfinished_totals[i][live.direction.index()][reason as usize] += 1;
            self.remember(key, live.stamps, live.direction, false);
        }
    }

    fn remember(&mut self, key: u64, stamps: Stamps, direction: Direction, ended: bool) {
        // Without room for calls in progress, no call has a history to keep.
        if self.finished_capacity == 0 || self.capacity == 0 {
            return;
        }
        if self.gone.len() >= self.finished_capacity {
            if let Some(oldest) = self.gone_order.pop_front() {
                self.gone.remove(&oldest);
            }
        }
        let gone = Gone {
            stamps,
            direction,
            ended,
        };
        if self.gone.insert(key, gone).is_none() {
            self.gone_order.push_back(key);
        }
    }

    /// Drops the entries of calls no longer in progress from `order` once
    /// they outnumber the live ones: amortized O(1) per call.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.live.len() + 1024 {
            let live = &self.live;
            self.order
                .retain(|(_, key, g)| live.get(key).is_some_and(|l| l.generation == *g));
        }
    }

    /// Records one accepted, non-duplicate event received at `now`
    /// (monotonic, for ages) and `received_at` (wall clock, for the list).
    pub fn record(
        &mut self,
        event: &CallEvent<'_>,
        now: Instant,
        received_at: OffsetDateTime,
    ) -> Effects {
        let mut effects = Effects {
            direction: event.direction,
            post_dial_delay: None,
            answer_delay: None,
            negative_delays: 0,
            unfinished: Unfinished::default(),
            finished: None,
            project: event.project.id,
        };
        self.expire_into(now, &mut effects.unfinished);
        let key = self.key(event.account_sid, event.call_sid);
        match event.status {
            CallStatus::Other => {}
            s if s.is_terminal() => self.end(key, event, received_at, &mut effects),
            _ => self.progress(key, event, now, &mut effects),
        }
        effects
    }

    fn progress(&mut self, key: u64, event: &CallEvent<'_>, now: Instant, fx: &mut Effects) {
        let completed = if let Some(live) = self.live.get_mut(&key) {
            live.status = event.status;
            fx.direction = live.direction;
            live.stamps.fill(event.status, event.timestamp)
        } else if let Some(gone) = self.gone.get_mut(&key) {
            // Late or after an eviction: completes delays, never revives.
            fx.direction = gone.direction;
            gone.stamps.fill(event.status, event.timestamp)
        } else {
            self.start(key, event, now, &mut fx.unfinished)
        };
        fx.add_delays(completed);
    }

    /// A call's first event, unless the table can hold no call at all.
    fn start(
        &mut self,
        key: u64,
        event: &CallEvent<'_>,
        now: Instant,
        unfinished: &mut Unfinished,
    ) -> Completed {
        if self.capacity == 0 {
            return Completed::default();
        }
        while self.live.len() >= self.capacity {
            let Some((_, oldest, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .live
                .get(&oldest)
                .is_some_and(|l| l.generation == generation)
            {
                self.forget(oldest, UnfinishedReason::Capacity, unfinished);
            }
        }
        let mut stamps = Stamps::default();
        let completed = stamps.fill(event.status, event.timestamp);
        self.generations += 1;
        let live = Live {
            generation: self.generations,
            stamps,
            direction: event.direction,
            status: event.status,
            project: event.project.id,
        };
        self.live.insert(key, live);
        self.order.push_back((now, key, self.generations));
        self.active_mut(event.project.id)[event.direction.index()] += 1;
        completed
    }

    fn end(
        &mut self,
        key: u64,
        event: &CallEvent<'_>,
        received_at: OffsetDateTime,
        fx: &mut Effects,
    ) {
        let (stamps, direction) = if let Some(live) = self.live.remove(&key) {
            self.active_mut(live.project)[live.direction.index()] -= 1;
            self.remember(key, live.stamps, live.direction, true);
            self.compact();
            (live.stamps, live.direction)
        } else if let Some(gone) = self.gone.get_mut(&key) {
            if gone.ended {
                // Another terminal event of a call already counted.
                fx.direction = gone.direction;
                return;
            }
            gone.ended = true;
            (gone.stamps, gone.direction)
        } else {
            // Only its terminal event seen, or forgotten long ago.
            self.remember(key, Stamps::default(), event.direction, true);
            (Stamps::default(), event.direction)
        };
        fx.direction = direction;
        self.terminals += 1;
        let call = self.finished(event, received_at, direction, &stamps);
        if call.is_worth_listing() {
            self.recent.push(call.clone());
        }
        fx.finished = Some(call);
    }

    fn finished(
        &self,
        event: &CallEvent<'_>,
        received_at: OffsetDateTime,
        direction: Direction,
        stamps: &Stamps,
    ) -> FinishedCall {
        let non_negative = |d: Option<i64>| d.filter(|d| *d >= 0).map(seconds);
        FinishedCall {
            sequence: self.terminals,
            received_at,
            account_sid: event.account_sid.to_owned(),
            call_sid: event.call_sid.to_owned(),
            project: event.project.name.clone(),
            status: event.status,
            direction,
            sip_result_code: event.quality.sip_result_code,
            duration_seconds: event.quality.duration_seconds,
            audio: self.thresholds.assess(&event.quality),
            post_dial_delay_seconds: non_negative(stamps.post_dial()),
            answer_delay_seconds: non_negative(stamps.answer()),
            numbers: self
                .include_numbers
                .then(|| Box::new(RecordedNumbers::of(&event.numbers))),
            country: event.country,
        }
    }
}

impl Effects {
    fn add_delays(&mut self, completed: Completed) {
        let mut take = |delay: Option<i64>| match delay {
            Some(micros) if micros >= 0 => Some(seconds(micros)),
            Some(_) => {
                self.negative_delays += 1;
                None
            }
            None => None,
        };
        let post_dial = take(completed.post_dial);
        let answer = take(completed.answer);
        self.post_dial_delay = post_dial;
        self.answer_delay = answer;
    }
}

/// The stamps' microseconds, in seconds.
fn seconds(micros: i64) -> f64 {
    micros as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn entries_have_the_sizes_the_memory_figures_assume() {
        assert_eq!(size_of::<(u64, Live)>(), 48);
        assert_eq!(size_of::<(Instant, u64, u64)>(), 32);
        assert_eq!(size_of::<(u64, Gone)>(), 40);
    }
}
