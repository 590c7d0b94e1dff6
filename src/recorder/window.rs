//! The status page's "last 5 minutes": counts kept in 30 ten-second slots,
//! updated as events are recorded. One short lock a update; a scrape of the
//! page sums the slots. The clock is passed in, so tests choose the time.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::call_state::Issue;
use crate::domain::{Numeric, Outcome, Series};

const SLOT_SECONDS: u64 = 10;
const SLOTS: u64 = 30;
/// What the status page says the window is.
pub const WINDOW: &str = "last 5 minutes";

/// Counts over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Calls whose first terminal event came in the window.
    pub ended: u64,
    pub with_media: u64,
    /// Index: `Issue::index()`.
    pub issues: [u64; Issue::COUNT],
    /// Terminal events with a valid MOS, by bucket of `mos_bounds()` (not
    /// cumulative), the last one above every bound.
    pub mos: Vec<u64>,
    /// Index: `Outcome::index()`.
    pub webhooks: [u64; Outcome::COUNT],
}

impl WindowCounts {
    /// The same shape, every count 0.
    pub fn zero_of(&self) -> Self {
        WindowCounts::zero()
    }

    fn zero() -> Self {
        WindowCounts {
            mos: vec![0; mos_bounds().len() + 1],
            ..WindowCounts::default()
        }
    }

    fn add(&mut self, other: &WindowCounts) {
        self.ended += other.ended;
        self.with_media += other.with_media;
        for (a, b) in self.issues.iter_mut().zip(&other.issues) {
            *a += b;
        }
        for (a, b) in self.mos.iter_mut().zip(&other.mos) {
            *a += b;
        }
        for (a, b) in self.webhooks.iter_mut().zip(&other.webhooks) {
            *a += b;
        }
    }

    /// Counts a MOS in its bucket.
    pub fn mos(&mut self, mos: f64) {
        let i = mos_bounds().partition_point(|le| *le < mos);
        self.mos[i] += 1;
    }
}

/// The bucket bounds of the MOS histogram (`signalwire_audio_in_mos`).
pub fn mos_bounds() -> &'static [f64] {
    match Numeric::AudioInMos.row().metric.series {
        Series::Histogram(bounds) => bounds,
        Series::Counter => &[],
    }
}

struct Slot {
    /// Which ten seconds since `start` the counts are of.
    epoch: u64,
    counts: WindowCounts,
}

pub struct Window {
    start: Instant,
    slots: Mutex<Vec<Slot>>,
}

impl Window {
    pub fn new(start: Instant) -> Self {
        let slots = (0..SLOTS)
            .map(|_| Slot {
                epoch: u64::MAX,
                counts: WindowCounts::zero(),
            })
            .collect();
        Window {
            start,
            slots: Mutex::new(slots),
        }
    }

    /// When slot 0 began: a project's window shares the slots' times.
    pub fn start(&self) -> Instant {
        self.start
    }

    fn epoch(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs() / SLOT_SECONDS
    }

    /// Applies `update` to the slot of `now`.
    pub fn add(&self, now: Instant, update: impl FnOnce(&mut WindowCounts)) {
        let epoch = self.epoch(now);
        // A panic while counting leaves counts, not broken invariants.
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = &mut slots[(epoch % SLOTS) as usize];
        if slot.epoch != epoch {
            slot.epoch = epoch;
            slot.counts.ended = 0;
            slot.counts.with_media = 0;
            slot.counts.issues = [0; Issue::COUNT];
            slot.counts.mos.fill(0);
            slot.counts.webhooks = [0; Outcome::COUNT];
        }
        update(&mut slot.counts);
    }

    /// The counts of the slots within the window ending at `now`.
    pub fn sum(&self, now: Instant) -> WindowCounts {
        let epoch = self.epoch(now);
        let mut total = WindowCounts::zero();
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in slots.iter() {
            if slot.epoch <= epoch && epoch - slot.epoch < SLOTS {
                total.add(&slot.counts);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(start: Instant, seconds: u64) -> Instant {
        start + Duration::from_secs(seconds)
    }

    #[test]
    fn counts_stay_for_five_minutes_then_leave_by_slot() {
        let start = Instant::now();
        let w = Window::new(start);
        w.add(at(start, 5), |c| c.ended += 1);
        w.add(at(start, 15), |c| c.ended += 2);
        assert_eq!(w.sum(at(start, 15)).ended, 3);
        assert_eq!(w.sum(at(start, 299)).ended, 3);
        // The slot of 0-9 s leaves at 300 s, that of 10-19 s at 310 s.
        assert_eq!(w.sum(at(start, 300)).ended, 2);
        assert_eq!(w.sum(at(start, 310)).ended, 0);
    }

    #[test]
    fn a_reused_slot_starts_from_zero() {
        let start = Instant::now();
        let w = Window::new(start);
        w.add(at(start, 1), |c| c.webhooks[Outcome::Accepted.index()] += 4);
        w.add(at(start, 301), |c| {
            c.webhooks[Outcome::Accepted.index()] += 1
        });
        assert_eq!(w.sum(at(start, 301)).webhooks[Outcome::Accepted.index()], 1);
    }

    #[test]
    fn mos_falls_in_the_bucket_of_the_first_bound_at_or_above_it() {
        let start = Instant::now();
        let w = Window::new(start);
        w.add(start, |c| {
            c.mos(1.0);
            c.mos(3.5);
            c.mos(3.55);
            c.mos(4.5);
            c.mos(5.0);
        });
        let mos = w.sum(start).mos;
        let bounds = mos_bounds();
        let le = |b: f64| bounds.iter().position(|x| *x == b).unwrap();
        assert_eq!(mos.len(), bounds.len() + 1);
        assert_eq!((mos[le(1.0)], mos[le(3.5)], mos[le(3.6)]), (1, 1, 1));
        assert_eq!((mos[le(4.5)], mos[bounds.len()]), (1, 1));
        assert_eq!(mos.iter().sum::<u64>(), 5);
    }
}
