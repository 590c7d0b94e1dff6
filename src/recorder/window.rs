//! The status page's recent counts: the last 5 minutes in 30 ten-second
//! slots, and the last hour in 60 one-minute slots for its trend. Both sit
//! behind one lock, and a finished call updates both in one short hold; a
//! read of the page sums or copies the slots. The clock is passed in, so
//! tests choose the time.
//!
//! The 5 minutes keep their 10 s slots rather than summing minutes: five
//! minute slots and the current one would cover 5 to 6 minutes, 30 slots of
//! 10 s cover 4 min 50 s to 5 min.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::call_state::Issue;
use crate::domain::{CallStatus, FinishedCall, Numeric, Outcome, Series};

const SLOT_SECONDS: u64 = 10;
const SLOTS: u64 = 30;
/// The page's window once the exporter has run that long.
pub const WINDOW_SECONDS: u64 = SLOT_SECONDS * SLOTS;
/// The trend's length, in one-minute slots.
pub const MINUTES: usize = 60;

/// The terminal statuses, in the order the page and its JSON show them.
pub const ENDED: [CallStatus; 5] = [
    CallStatus::Completed,
    CallStatus::Busy,
    CallStatus::NoAnswer,
    CallStatus::Failed,
    CallStatus::Canceled,
];

/// Index of `status` in [`ENDED`]; `None` for a status that ends nothing.
pub fn ended_index(status: CallStatus) -> Option<usize> {
    ENDED.iter().position(|s| *s == status)
}

/// Calls ended, by terminal status: index of [`ENDED`].
pub type Ended = [u64; ENDED.len()];

/// Counts over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Calls whose first terminal event came in the window, by status.
    pub ended: Ended,
    pub with_media: u64,
    /// Index: `Issue::index()`.
    pub issues: [u64; Issue::COUNT],
    /// Silent calls (all completed).
    pub silent: u64,
    /// Terminal events with a valid MOS, by bucket of `mos_bounds()` (not
    /// cumulative), the last one above every bound.
    pub mos: Vec<u64>,
    /// Index: `Outcome::index()`.
    pub webhooks: [u64; Outcome::COUNT],
}

impl WindowCounts {
    pub fn zero() -> Self {
        WindowCounts {
            mos: vec![0; mos_bounds().len() + 1],
            ..WindowCounts::default()
        }
    }

    /// Every call ended, whatever its status.
    pub fn ended_total(&self) -> u64 {
        self.ended.iter().sum()
    }

    /// Calls that ended `status`.
    pub fn ended(&self, status: CallStatus) -> u64 {
        ended_index(status).map_or(0, |i| self.ended[i])
    }

    fn add(&mut self, other: &WindowCounts) {
        add_all(&mut self.ended, &other.ended);
        self.with_media += other.with_media;
        add_all(&mut self.issues, &other.issues);
        self.silent += other.silent;
        add_all(&mut self.mos, &other.mos);
        add_all(&mut self.webhooks, &other.webhooks);
    }

    fn clear(&mut self) {
        self.ended = Ended::default();
        self.with_media = 0;
        self.issues = [0; Issue::COUNT];
        self.silent = 0;
        self.mos.fill(0);
        self.webhooks = [0; Outcome::COUNT];
    }

    /// Counts a MOS in its bucket.
    pub fn mos(&mut self, mos: f64) {
        let i = mos_bounds().partition_point(|le| *le < mos);
        self.mos[i] += 1;
    }

    fn call(&mut self, call: &FinishedCall, at: usize) {
        self.ended[at] += 1;
        self.with_media += u64::from(call.audio.with_media);
        for issue in call.issues().labels() {
            self.issues[issue.index()] += 1;
        }
        self.silent += u64::from(call.is_silent());
    }
}

fn add_all(to: &mut [u64], from: &[u64]) {
    for (a, b) in to.iter_mut().zip(from) {
        *a += b;
    }
}

/// One minute of the trend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinuteCounts {
    pub ended: Ended,
    pub with_media: u64,
    /// Calls with media that had at least one quality issue.
    pub any: u64,
    pub silent: u64,
}

/// A minute of the trend and when it started (UTC, on the minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minute {
    pub start: OffsetDateTime,
    pub counts: MinuteCounts,
}

/// The bucket bounds of the MOS histogram (`signalwire_audio_in_mos`).
pub fn mos_bounds() -> &'static [f64] {
    match Numeric::AudioInMos.row().metric.series {
        Series::Histogram(bounds) => bounds,
        Series::Counter => &[],
    }
}

struct Slot<T> {
    /// Which slot-length since the epoch of its clock the counts are of.
    epoch: u64,
    counts: T,
}

struct Slots {
    /// Ten seconds each, counted from the window's start.
    recent: Vec<Slot<WindowCounts>>,
    /// Minutes of the wall clock, since the Unix epoch.
    minutes: Vec<Slot<MinuteCounts>>,
}

pub struct Window {
    start: Instant,
    /// The wall clock at `start`, which names the minutes.
    start_wall: OffsetDateTime,
    slots: Mutex<Slots>,
}

impl Window {
    pub fn new(start: Instant) -> Self {
        Self::at(start, OffsetDateTime::now_utc())
    }

    /// With the wall clock reading `start_wall` at `start`.
    pub fn at(start: Instant, start_wall: OffsetDateTime) -> Self {
        let recent = (0..SLOTS)
            .map(|_| Slot {
                epoch: u64::MAX,
                counts: WindowCounts::zero(),
            })
            .collect();
        let minutes = (0..MINUTES)
            .map(|_| Slot {
                epoch: u64::MAX,
                counts: MinuteCounts::default(),
            })
            .collect();
        Window {
            start,
            start_wall,
            slots: Mutex::new(Slots { recent, minutes }),
        }
    }

    /// How long the window has been counting at `now`.
    pub fn uptime(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.start)
    }

    /// A window over the same slots' times: a project's.
    pub fn sibling(&self) -> Window {
        Window::at(self.start, self.start_wall)
    }

    fn epoch(&self, now: Instant) -> u64 {
        self.uptime(now).as_secs() / SLOT_SECONDS
    }

    /// The wall-clock minute of `now`, since the Unix epoch.
    fn minute(&self, now: Instant) -> u64 {
        let nanos = self.start_wall.unix_timestamp_nanos() + self.uptime(now).as_nanos() as i128;
        u64::try_from(nanos.div_euclid(60_000_000_000)).unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic while counting leaves counts, not broken invariants.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `update` to the 10 s slot of `now`.
    pub fn add(&self, now: Instant, update: impl FnOnce(&mut WindowCounts)) {
        let epoch = self.epoch(now);
        update(recent_slot(&mut self.lock(), epoch));
    }

    /// Counts a finished call in its 10 s slot and its minute, in one hold
    /// of the lock.
    pub fn call(&self, now: Instant, call: &FinishedCall) {
        let Some(at) = ended_index(call.status) else {
            return;
        };
        let (epoch, minute) = (self.epoch(now), self.minute(now));
        let mut slots = self.lock();
        recent_slot(&mut slots, epoch).call(call, at);
        let slot = &mut slots.minutes[(minute % MINUTES as u64) as usize];
        if slot.epoch != minute {
            *slot = Slot {
                epoch: minute,
                counts: MinuteCounts::default(),
            };
        }
        let m = &mut slot.counts;
        m.ended[at] += 1;
        m.with_media += u64::from(call.audio.with_media);
        m.any += u64::from(!call.issues().is_empty());
        m.silent += u64::from(call.is_silent());
    }

    /// The counts of the slots within the window ending at `now`.
    pub fn sum(&self, now: Instant) -> WindowCounts {
        let epoch = self.epoch(now);
        let mut total = WindowCounts::zero();
        for slot in self.lock().recent.iter() {
            if slot.epoch <= epoch && epoch - slot.epoch < SLOTS {
                total.add(&slot.counts);
            }
        }
        total
    }

    /// The last [`MINUTES`] minutes, oldest first, the last one that of `now`.
    pub fn minutes(&self, now: Instant) -> Vec<Minute> {
        let current = self.minute(now);
        let slots = self.lock();
        (0..MINUTES as u64)
            .rev()
            .map(|ago| {
                let minute = current.saturating_sub(ago);
                let slot = &slots.minutes[(minute % MINUTES as u64) as usize];
                let counts = match slot.epoch == minute && ago <= current {
                    true => slot.counts,
                    false => MinuteCounts::default(),
                };
                let start = OffsetDateTime::from_unix_timestamp(minute as i64 * 60)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                Minute { start, counts }
            })
            .collect()
    }
}

/// The 10 s slot of `epoch`, emptied first when it held an older one.
fn recent_slot(slots: &mut Slots, epoch: u64) -> &mut WindowCounts {
    let slot = &mut slots.recent[(epoch % SLOTS) as usize];
    if slot.epoch != epoch {
        slot.epoch = epoch;
        slot.counts.clear();
    }
    &mut slot.counts
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
