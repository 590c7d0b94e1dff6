//! When a call's events happen, and in which order they are delivered.
//!
//! A call's timeline is whole seconds from its `initiated` Timestamp, as
//! RFC 2822 Timestamps carry nothing finer: the post-dial delay (initiated to
//! ringing) and the answer delay (ringing to in-progress) are drawn per
//! profile from log-normal laws, long tails included; unanswered calls ring
//! for as long as their outcome takes (a busy line at once, a no-answer
//! timeout after 15 to 60 s, a caller who gives up).

use rand::rngs::SmallRng;
use rand::Rng;

use super::plan::{normal, Profile};
use crate::domain::CallStatus;

/// Post-dial delays are capped here: SIP gives up on an INVITE by then.
const MAX_POST_DIAL: f64 = 90.0;
/// Answer delays are capped here: nobody lets a phone ring longer.
const MAX_ANSWER: f64 = 180.0;
/// An INVITE without an answer fails by then: SIP's timer B (64 × 500 ms).
const INVITE_TIMEOUT: u32 = 32;

/// A log-normal law of seconds: its median, and the spread of its log.
#[derive(Debug, Clone, Copy)]
struct LogNormal {
    median: f64,
    sigma: f64,
}

impl LogNormal {
    /// Whole seconds from 0 to `max`.
    fn draw(self, rng: &mut SmallRng, max: f64) -> u32 {
        let x = self.median * (self.sigma * normal(rng)).exp();
        x.round().clamp(0.0, max) as u32
    }
}

/// How long a profile's calls take to ring, to be answered, and how long a
/// caller waits before hanging up.
struct Setup {
    post_dial: LogNormal,
    answer: LogNormal,
    give_up: LogNormal,
}

fn setup(profile: Profile) -> Setup {
    let law = |median, sigma| LogNormal { median, sigma };
    match profile {
        // 95% ring within 1-4 s and are answered within 2-10 s.
        Profile::Good => Setup {
            post_dial: law(2.5, 0.3),
            answer: law(4.5, 0.4),
            give_up: law(8.0, 0.5),
        },
        // Slow carriers: a median of 5 s to ring, one call in ten over 11 s.
        Profile::Degraded => Setup {
            post_dial: law(5.0, 0.65),
            answer: law(8.0, 0.6),
            give_up: law(10.0, 0.6),
        },
        // Most INVITEs time out with 503 after this long instead of ringing.
        Profile::Outage => Setup {
            post_dial: law(8.0, 0.8),
            answer: law(10.0, 0.7),
            give_up: law(12.0, 0.6),
        },
    }
}

/// Seconds from a call's `initiated` Timestamp to its other events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// `None` for a failed INVITE, which never rings.
    pub ringing: Option<u32>,
    /// `None` for a call that was never answered.
    pub answered: Option<u32>,
    /// The terminal event.
    pub ended: u32,
}

impl Timeline {
    /// The timeline of a call that ends with `status` (and `sip_code`) after
    /// `duration` seconds of conversation. Every draw is made whatever the
    /// outcome, so that each call uses its stream the same way.
    pub(super) fn draw(
        rng: &mut SmallRng,
        profile: Profile,
        status: CallStatus,
        sip_code: u16,
        duration: u32,
    ) -> Timeline {
        let laws = setup(profile);
        let post_dial = laws.post_dial.draw(rng, MAX_POST_DIAL);
        let answer = laws.answer.draw(rng, MAX_ANSWER);
        let give_up = laws.give_up.draw(rng, MAX_ANSWER).max(1);
        let share: f64 = rng.gen();
        // Whole seconds from `low` to `high`, both included.
        let between = |low: u32, high: u32| low + (share * f64::from(high - low + 1)) as u32;
        let ring = match (status, sip_code) {
            (CallStatus::Completed, _) => answer,
            (CallStatus::Busy, _) => between(0, 3),
            (CallStatus::NoAnswer, 408) => between(30, 60),
            (CallStatus::NoAnswer, _) => between(15, 30),
            (CallStatus::Canceled, _) => give_up,
            // A failed INVITE ends when it would have rung, or times out.
            _ => {
                return Timeline {
                    ringing: None,
                    answered: None,
                    ended: post_dial.min(INVITE_TIMEOUT),
                }
            }
        };
        let answered = (status == CallStatus::Completed).then_some(post_dial + answer);
        Timeline {
            ringing: Some(post_dial),
            answered,
            ended: post_dial + ring + answered.map_or(0, |_| duration),
        }
    }

    /// Seconds from `initiated` to the event with `status`.
    pub fn offset(&self, status: CallStatus) -> u32 {
        match status {
            CallStatus::Ringing => self.ringing.unwrap_or(0),
            CallStatus::InProgress => self.answered.unwrap_or(0),
            s if s.is_terminal() => self.ended,
            _ => 0,
        }
    }

    /// Timestamp(ringing) − Timestamp(initiated).
    pub fn post_dial_delay(&self) -> Option<u32> {
        self.ringing
    }

    /// Timestamp(in-progress) − Timestamp(ringing).
    pub fn answer_delay(&self) -> Option<u32> {
        Some(self.answered? - self.ringing?)
    }
}

/// The order in which a call's `events` (in sequence order, the last one
/// terminal) are delivered, as indices: with probability `out_of_order`, two
/// neighbours swapped (a late progress event, or a terminal event before the
/// answer); with probability `lose_terminal`, without the terminal event, as
/// when SignalWire gives up on it. All three draws are always made, so that
/// one ratio changes nothing that the other decides.
pub(super) fn delivery_order(
    rng: &mut SmallRng,
    events: usize,
    out_of_order: f64,
    lose_terminal: f64,
) -> Vec<usize> {
    let swap = rng.gen::<f64>() < out_of_order;
    let pair = rng.gen_range(0..events.saturating_sub(1).max(1));
    let lose = rng.gen::<f64>() < lose_terminal;
    let mut order: Vec<usize> = (0..events).collect();
    if swap && pair + 1 < events {
        order.swap(pair, pair + 1);
    }
    if lose {
        order.retain(|&i| i + 1 != events);
    }
    order
}
