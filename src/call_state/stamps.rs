//! The three payload Timestamps a call's delays are made of, in 24 bytes.

use time::OffsetDateTime;

use crate::domain::CallStatus;

/// One Timestamp slot: unknown (no such event yet), spoiled (the event came
/// with an absent or unparseable Timestamp) or whole Unix seconds, which is
/// all an RFC 2822 Timestamp carries. The two sentinels lie far outside the
/// years `time` can represent, so they never collide with a real second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(i64);

const UNKNOWN: Stamp = Stamp(i64::MIN);
const SPOILED: Stamp = Stamp(i64::MIN + 1);

impl Stamp {
    fn from_payload(timestamp: Option<Result<OffsetDateTime, ()>>) -> Stamp {
        match timestamp {
            Some(Ok(t)) => Stamp(t.unix_timestamp()),
            Some(Err(())) | None => SPOILED,
        }
    }

    fn seconds(self) -> Option<i64> {
        (self != UNKNOWN && self != SPOILED).then_some(self.0)
    }
}

/// Timestamps of `initiated`, `ringing` and the answer (first `in-progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamps {
    initiated: Stamp,
    ringing: Stamp,
    answered: Stamp,
}

/// Delays completed by one event: raw differences in seconds, negative ones
/// included (the caller reports those as invalid Timestamps).
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
    /// was unusable: the delays it spoiled stay unobserved.
    pub fn fill(
        &mut self,
        status: CallStatus,
        timestamp: Option<Result<OffsetDateTime, ()>>,
    ) -> Completed {
        let slot = match status {
            CallStatus::Initiated => &mut self.initiated,
            CallStatus::Ringing => &mut self.ringing,
            CallStatus::InProgress => &mut self.answered,
            _ => return Completed::default(),
        };
        if *slot != UNKNOWN {
            return Completed::default();
        }
        *slot = Stamp::from_payload(timestamp);
        Completed {
            post_dial: match status {
                CallStatus::Initiated | CallStatus::Ringing => self.post_dial(),
                _ => None,
            },
            answer: match status {
                CallStatus::Ringing | CallStatus::InProgress => self.answer(),
                _ => None,
            },
        }
    }

    /// Timestamp(ringing) − Timestamp(initiated), when both are known.
    pub fn post_dial(&self) -> Option<i64> {
        Some(self.ringing.seconds()? - self.initiated.seconds()?)
    }

    /// Timestamp(answer) − Timestamp(ringing), when both are known.
    pub fn answer(&self) -> Option<i64> {
        Some(self.answered.seconds()? - self.ringing.seconds()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

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
                post_dial: Some(3),
                answer: Some(6)
            }
        );
        assert_eq!((s.post_dial(), s.answer()), (Some(3), Some(6)));
    }

    #[test]
    fn a_second_event_of_the_same_status_changes_nothing() {
        let mut s = Stamps::default();
        s.fill(CallStatus::Initiated, at(0));
        assert_eq!(s.fill(CallStatus::Ringing, at(2)).post_dial, Some(2));
        assert_eq!(s.fill(CallStatus::Ringing, at(5)), Completed::default());
        assert_eq!(s.post_dial(), Some(2));
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
        assert_eq!(s.fill(CallStatus::Initiated, at(12)).post_dial, Some(-2));
        assert_eq!(s.fill(CallStatus::InProgress, at(10)).answer, Some(0));
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
