//! The three payload Timestamps a call's delays are made of, in 24 bytes.

use time::OffsetDateTime;

use crate::domain::CallStatus;

/// One Timestamp slot: unknown (no such event yet), spoiled (the event came
/// with an absent or unparseable Timestamp) or Unix microseconds: whole
/// seconds for an RFC 2822 Timestamp, the fraction of a call-state event's
/// float kept. The two sentinels lie far outside the years `time` can
/// represent, so they never collide with a real instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(i64);

const UNKNOWN: Stamp = Stamp(i64::MIN);
const SPOILED: Stamp = Stamp(i64::MIN + 1);

impl Stamp {
    fn from_payload(timestamp: Option<Result<OffsetDateTime, ()>>) -> Stamp {
        match timestamp {
            // Rounded to the microsecond: a float's noise below it would
            // turn 0.2 s into 0.2000000477 s.
            Some(Ok(t)) => Stamp((t.unix_timestamp_nanos() + 500).div_euclid(1000) as i64),
            Some(Err(())) | None => SPOILED,
        }
    }

    fn micros(self) -> Option<i64> {
        (self != UNKNOWN && self != SPOILED).then_some(self.0)
    }
}

/// Timestamps of `initiated`, `ringing` and the answer (`answered` or
/// `in-progress`, the earliest known when the answer delay is observed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamps {
    initiated: Stamp,
    ringing: Stamp,
    answered: Stamp,
}

/// Delays completed by one event: raw differences in microseconds, negative
/// ones included (the caller reports those as invalid Timestamps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Completed {
    pub post_dial: Option<i64>,
    pub answer: Option<i64>,
}

impl Default for Stamps {
    fn default() -> Self {
        Stamps {
            initiated: UNKNOWN,
            ringing: UNKNOWN,
            answered: UNKNOWN,
        }
    }
}

impl Stamps {
    /// Fills the slot of `status` from the first such event received, and
    /// returns the delays that this completes. Each slot is filled once, so
    /// each delay is completed at most once per call, in any arrival order;
    /// a later event of the same status (a second `ringing` with another
    /// SequenceNumber) changes nothing, even when the first one's Timestamp
    /// was unusable: the delays it spoiled stay unobserved. The answer slot
    /// is the exception while `ringing` is unknown: `answered` and
    /// `in-progress` both answer the call, so the earliest stamp wins until
    /// the delay is observed.
    pub fn fill(
        &mut self,
        status: CallStatus,
        timestamp: Option<Result<OffsetDateTime, ()>>,
    ) -> Completed {
        let stamp = Stamp::from_payload(timestamp);
        let slot = match status {
            CallStatus::Initiated => &mut self.initiated,
            CallStatus::Ringing => &mut self.ringing,
            CallStatus::InProgress | CallStatus::Answered => return self.answer_with(stamp),
            _ => return Completed::default(),
        };
        if *slot != UNKNOWN {
            return Completed::default();
        }
        *slot = stamp;
        Completed {
            post_dial: self.post_dial(),
            answer: match status {
                CallStatus::Ringing => self.answer(),
                _ => None,
            },
        }
    }

    /// An `answered` or `in-progress` event: before `ringing` is known the
    /// earliest usable stamp is kept; once it is, the first answer known
    /// completes the delay and later ones change nothing.
    fn answer_with(&mut self, stamp: Stamp) -> Completed {
        if self.ringing == UNKNOWN {
            let earlier = match (stamp.micros(), self.answered.micros()) {
                (Some(new), Some(old)) => new < old,
                _ => self.answered == UNKNOWN,
            };
            if earlier {
                self.answered = stamp;
            }
            return Completed::default();
        }
        if self.answered != UNKNOWN {
            return Completed::default();
        }
        self.answered = stamp;
        Completed {
            post_dial: None,
            answer: self.answer(),
        }
    }

    /// Timestamp(ringing) − Timestamp(initiated) in µs, when both are known.
    pub fn post_dial(&self) -> Option<i64> {
        Some(self.ringing.micros()? - self.initiated.micros()?)
    }

    /// Timestamp(answer) − Timestamp(ringing) in µs, when both are known.
    pub fn answer(&self) -> Option<i64> {
        Some(self.answered.micros()? - self.ringing.micros()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A second, in the stamps' microseconds.
    const S: i64 = 1_000_000;

    fn at(second: i64) -> Option<Result<OffsetDateTime, ()>> {
        Some(Ok(
            datetime!(2026-11-27 12:00:00 UTC) + time::Duration::seconds(second)
        ))
    }

    #[test]
    fn each_delay_is_completed_by_the_second_of_its_two_timestamps() {
        let mut s = Stamps::default();
        assert_eq!(s.fill(CallStatus::InProgress, at(9)), Completed::default());
        assert_eq!(s.fill(CallStatus::Initiated, at(0)), Completed::default());
        assert_eq!(
            s.fill(CallStatus::Ringing, at(3)),
            Completed {
                post_dial: Some(3 * S),
                answer: Some(6 * S)
            }
        );
        assert_eq!((s.post_dial(), s.answer()), (Some(3 * S), Some(6 * S)));
    }

    #[test]
    fn a_second_event_of_the_same_status_changes_nothing() {
        let mut s = Stamps::default();
        s.fill(CallStatus::Initiated, at(0));
        assert_eq!(s.fill(CallStatus::Ringing, at(2)).post_dial, Some(2 * S));
        assert_eq!(s.fill(CallStatus::Ringing, at(5)), Completed::default());
        assert_eq!(s.post_dial(), Some(2 * S));
    }

    #[test]
    fn an_unusable_timestamp_spoils_its_slot_for_good() {
        let mut s = Stamps::default();
        s.fill(CallStatus::Initiated, Some(Err(())));
        assert_eq!(s.fill(CallStatus::Initiated, at(0)), Completed::default());
        assert_eq!(s.fill(CallStatus::Ringing, at(2)), Completed::default());
        assert_eq!(s.fill(CallStatus::InProgress, None).answer, None);
        assert_eq!((s.post_dial(), s.answer()), (None, None));
    }

    #[test]
    fn negative_differences_are_returned_as_they_are() {
        let mut s = Stamps::default();
        s.fill(CallStatus::Ringing, at(10));
        assert_eq!(
            s.fill(CallStatus::Initiated, at(12)).post_dial,
            Some(-2 * S)
        );
        assert_eq!(s.fill(CallStatus::InProgress, at(10)).answer, Some(0));
    }

    #[test]
    fn the_earliest_answer_known_when_ringing_arrives_is_the_answer() {
        let mut s = Stamps::default();
        assert_eq!(s.fill(CallStatus::InProgress, at(9)), Completed::default());
        assert_eq!(s.fill(CallStatus::Answered, at(7)), Completed::default());
        assert_eq!(s.fill(CallStatus::InProgress, None), Completed::default());
        assert_eq!(s.fill(CallStatus::Ringing, at(3)).answer, Some(4 * S));
        // Observed once: an earlier-stamped answer arriving later changes nothing.
        assert_eq!(s.fill(CallStatus::Answered, at(4)), Completed::default());
        assert_eq!(s.answer(), Some(4 * S));
    }

    #[test]
    fn after_ringing_the_first_answer_received_completes_the_delay() {
        let mut s = Stamps::default();
        s.fill(CallStatus::Ringing, at(3));
        assert_eq!(s.fill(CallStatus::Answered, at(8)).answer, Some(5 * S));
        assert_eq!(s.fill(CallStatus::InProgress, at(6)), Completed::default());
        assert_eq!(s.answer(), Some(5 * S));
    }

    #[test]
    fn sub_second_timestamps_keep_their_microseconds() {
        let instant = |x: f64| {
            let t = OffsetDateTime::from_unix_timestamp_nanos((x * 1e9) as i128).unwrap();
            Some(Ok(t))
        };
        let mut s = Stamps::default();
        s.fill(CallStatus::Initiated, instant(1_764_000_000.1));
        assert_eq!(
            s.fill(CallStatus::Ringing, instant(1_764_000_000.3))
                .post_dial,
            Some(200_000)
        );
    }

    #[test]
    fn statuses_without_a_slot_fill_nothing() {
        let mut s = Stamps::default();
        for status in [CallStatus::Queued, CallStatus::Completed, CallStatus::Other] {
            assert_eq!(s.fill(status, at(1)), Completed::default());
        }
        assert_eq!(s, Stamps::default());
    }
}
