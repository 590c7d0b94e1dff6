//! Duplicate suppression for retried callbacks: a bounded, time-limited set
//! of the event ids seen, oldest evicted first.
//!
//! Only a 64-bit keyed hash of each id is kept (SipHash with a per-process
//! random key), so memory per entry is fixed whatever the payload sends:
//! about 40 bytes. Two distinct ids collide with probability ~n²/2⁶⁵
//! (3·10⁻¹⁰ with the set full at 100,000), and nobody outside can aim for it.

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::EventId;
use crate::prehashed;

/// `--dedupe.*`; `Default` gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupeConfig {
    /// `--dedupe.capacity`: recent events remembered; 0 turns it off.
    pub capacity: usize,
    /// `--dedupe.ttl`: how long an event is remembered.
    pub ttl: Duration,
}

impl Default for DedupeConfig {
    fn default() -> Self {
        DedupeConfig {
            capacity: 100_000,
            ttl: Duration::from_secs(3600),
        }
    }
}

pub struct Dedupe {
    hasher: RandomState,
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    ids: prehashed::Set,
    /// Insertion order, for expiry and eviction. Entries are unique: an id is
    /// pushed only when absent from `ids`.
    order: VecDeque<(u64, Instant)>,
}

impl Dedupe {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Dedupe {
            hasher: RandomState::new(),
            capacity,
            ttl,
            inner: Mutex::new(Seen::default()),
        }
    }

    /// Records `id` and says whether it is the first delivery within the TTL.
    pub fn first_delivery(&self, id: &EventId) -> bool {
        self.first_delivery_at(id, Instant::now())
    }

    pub fn first_delivery_at(&self, id: &EventId, now: Instant) -> bool {
        if self.capacity == 0 {
            return true;
        }
        let hash = self.hasher.hash_one(id);
        // A poisoned lock only means another request panicked mid-insert; the
        // set is still consistent enough to keep deduplicating.
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        seen.expire(now, self.ttl);
        if seen.ids.contains(&hash) {
            return false;
        }
        if seen.order.len() >= self.capacity {
            if let Some((oldest, _)) = seen.order.pop_front() {
                seen.ids.remove(&oldest);
            }
        }
        seen.ids.insert(hash);
        seen.order.push_back((hash, now));
        true
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .order
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Seen {
    fn expire(&mut self, now: Instant, ttl: Duration) {
        while let Some(&(hash, at)) = self.order.front() {
            if now.saturating_duration_since(at) < ttl {
                break;
            }
            self.order.pop_front();
            self.ids.remove(&hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Params, StatusEvent};

    fn id(call: &str, seq: &str) -> EventId {
        StatusEvent::parse(
            &[
                ("CallSid", call),
                ("CallStatus", "completed"),
                ("SequenceNumber", seq),
            ]
            .into_iter()
            .collect::<Params>(),
        )
        .unwrap()
        .id
    }

    #[test]
    fn repeats_within_ttl_are_duplicates() {
        let d = Dedupe::new(10, Duration::from_secs(60));
        let t = Instant::now();
        assert!(d.first_delivery_at(&id("CA1", "3"), t));
        assert!(!d.first_delivery_at(&id("CA1", "3"), t));
        assert!(d.first_delivery_at(&id("CA1", "4"), t));
        assert!(d.first_delivery_at(&id("CA1", "3"), t + Duration::from_secs(60)));
    }

    #[test]
    fn a_full_set_evicts_the_oldest_first_and_stays_bounded_at_scale() {
        const CAP: usize = 20_000;
        let d = Dedupe::new(CAP, Duration::from_secs(3600));
        let t = Instant::now();
        let ids: Vec<_> = (0..2 * CAP).map(|i| id(&format!("CA{i}"), "0")).collect();
        for id in &ids {
            assert!(d.first_delivery_at(id, t));
        }
        assert_eq!(d.len(), CAP);
        // The newest CAP are remembered; asking does not insert.
        for id in &ids[CAP..] {
            assert!(!d.first_delivery_at(id, t));
        }
        assert_eq!(d.len(), CAP);
        // The oldest are forgotten; re-adding one evicts the then-oldest.
        assert!(d.first_delivery_at(&ids[0], t));
        assert!(d.first_delivery_at(&ids[CAP], t));
        assert!(!d.first_delivery_at(&ids[CAP + 2], t));
        assert_eq!(d.len(), CAP);
    }

    #[test]
    fn a_zero_capacity_lets_every_delivery_through() {
        let d = Dedupe::new(0, Duration::from_secs(1));
        assert!(d.first_delivery(&id("CA1", "1")));
        assert!(d.first_delivery(&id("CA1", "1")));
    }
}
