//! The call table driven through whole call histories.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::domain::{CallStatus, Direction};

const T0: OffsetDateTime = datetime!(2026-11-27 12:00:00 UTC);

/// A table and a clock: `at` seconds after the first event.
struct Calls {
    table: CallTable,
    start: Instant,
    clock: u64,
}

fn ts(second: i64) -> Option<Result<OffsetDateTime, ()>> {
    Some(Ok(T0 + time::Duration::seconds(second)))
}

fn event(call: &str, status: CallStatus, timestamp: Option<Result<OffsetDateTime, ()>>) -> Ev<'_> {
    Ev(CallEvent {
        account_sid: "AC0001",
        call_sid: call,
        status,
        direction: Direction::OutboundApi,
        timestamp,
        quality: Quality::default(),
        numbers: Numbers::default(),
        project: &NO_PROJECT,
        country: None,
    })
}

struct Ev<'a>(CallEvent<'a>);

impl<'a> Ev<'a> {
    fn direction(mut self, d: Direction) -> Self {
        self.0.direction = d;
        self
    }

    fn quality(mut self, q: Quality) -> Self {
        self.0.quality = q;
        self
    }

    fn numbers(mut self, n: Numbers<'a>) -> Self {
        self.0.numbers = n;
        self
    }
}

/// Good audio: media, MOS 4.4, 1% loss, low jitter.
fn good() -> Quality {
    Quality {
        mos: Some(4.4),
        media_packets: Some(990.0),
        skipped_packets: Some(10.0),
        jitter_max_variance: Some(12.5),
        sip_result_code: Some(200),
        duration_seconds: Some(57.0),
        average_ptime_seconds: Some(0.020),
        completed: true,
    }
}

fn low_mos() -> Quality {
    Quality {
        mos: Some(3.2),
        ..good()
    }
}

impl Calls {
    fn new(config: CallsConfig) -> Self {
        Calls {
            table: CallTable::new(&config),
            start: Instant::now(),
            clock: 0,
        }
    }

    fn default() -> Self {
        Self::new(CallsConfig::default())
    }

    fn now(&self) -> Instant {
        self.start + Duration::from_secs(self.clock)
    }

    /// Records `e` at the current clock, the wall clock as far from T0.
    fn send(&mut self, e: Ev<'_>) -> Effects {
        let wall = T0 + Duration::from_secs(self.clock);
        self.table.record(&e.0, self.now(), wall)
    }

    fn send_at(&mut self, second: u64, e: Ev<'_>) -> Effects {
        self.clock = second;
        self.send(e)
    }

    fn active(&self) -> [u64; 5] {
        let all: Vec<u64> = Direction::ALL
            .iter()
            .map(|d| self.table.active(*d))
            .collect();
        all.try_into().unwrap()
    }

    fn json(&self, query: &str) -> String {
        let q = CallsQuery::parse(Some(query)).unwrap();
        serde_json::to_string(&self.table.recent().page(&q)).unwrap()
    }

    fn listed(&self, query: &str) -> Vec<String> {
        let q = CallsQuery::parse(Some(query)).unwrap();
        self.table
            .recent()
            .select(&q)
            .map(|c| c.call_sid.clone())
            .collect()
    }
}

/// (post-dial, answer, negatives) of one event's effects.
fn delays(fx: &Effects) -> (Option<u64>, Option<u64>, u32) {
    (
        whole(fx.post_dial_delay),
        whole(fx.answer_delay),
        fx.negative_delays,
    )
}

/// A delay the tests' whole-second Timestamps made.
fn whole(delay: Option<f64>) -> Option<u64> {
    delay.map(|d| {
        assert_eq!(d.fract(), 0.0, "{d}");
        d as u64
    })
}

const NONE: (Option<u64>, Option<u64>, u32) = (None, None, 0);

fn unfinished(fx: &Unfinished) -> Vec<(&'static str, &'static str, u64)> {
    fx.iter()
        .map(|(d, r, n)| (d.as_str(), r.as_str(), n))
        .collect()
}

#[test]
fn answered_makes_a_call_active_and_answers_it() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Ringing, ts(2)));
    let fx = c.send(event("CA1", CallStatus::Answered, ts(6)));
    assert_eq!(delays(&fx), (None, Some(4), 0));
    assert_eq!(c.active(), [0, 1, 0, 0, 0]);
    // SignalWire sends in-progress too: the call was answered already.
    let fx = c.send(event("CA1", CallStatus::InProgress, ts(5)));
    assert_eq!(delays(&fx), NONE);
    let view = c.table.get("AC0001", "CA1").unwrap();
    assert_eq!(view.last_status, CallStatus::InProgress);
    assert_eq!(view.answer_delay, Some(4.0));
    let fx = c.send(event("CA1", CallStatus::Completed, ts(60)));
    assert_eq!(fx.finished.unwrap().answer_delay_seconds, Some(4.0));
    assert_eq!(c.active(), [0; 5]);
}

#[test]
fn answers_before_ringing_count_from_the_earliest_of_them_once() {
    let mut c = Calls::default();
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(9)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Answered, ts(8)))),
        NONE
    );
    let fx = c.send(event("CA1", CallStatus::Ringing, ts(3)));
    assert_eq!(delays(&fx), (None, Some(5), 0));
    // An earlier-stamped answer after the delay was observed changes nothing.
    let fx = c.send(event("CA1", CallStatus::Answered, ts(4)));
    assert_eq!(delays(&fx), NONE);
    assert_eq!(
        c.table.get("AC0001", "CA1").unwrap().answer_delay,
        Some(5.0)
    );
}

#[test]
fn a_late_answer_after_the_end_completes_the_delay_once() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Ringing, ts(1)));
    c.send(event("CA1", CallStatus::Completed, ts(30)));
    let fx = c.send(event("CA1", CallStatus::Answered, ts(4)));
    assert_eq!(delays(&fx), (None, Some(3), 0));
    let fx = c.send(event("CA1", CallStatus::InProgress, ts(2)));
    assert_eq!(delays(&fx), NONE);
    assert_eq!(c.active(), [0; 5]);
}

#[test]
fn sub_second_timestamps_give_sub_second_delays() {
    let at = |s: f64| Some(Ok(T0 + time::Duration::seconds_f64(s)));
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, at(0.25)));
    let fx = c.send(event("CA1", CallStatus::Ringing, at(1.75)));
    assert_eq!(fx.post_dial_delay, Some(1.5));
    let fx = c.send(event("CA1", CallStatus::Answered, at(2.0)));
    assert_eq!(fx.answer_delay, Some(0.25));
    let fx = c.send(event("CA1", CallStatus::Completed, at(9.0)));
    let call = fx.finished.unwrap();
    assert_eq!(
        (call.post_dial_delay_seconds, call.answer_delay_seconds),
        (Some(1.5), Some(0.25))
    );
}

#[test]
fn delays_in_order_are_observed_as_soon_as_both_timestamps_are_known() {
    let mut c = Calls::default();
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Queued, ts(0)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Initiated, ts(1)))),
        NONE
    );
    assert_eq!(c.active(), [0, 1, 0, 0, 0]);
    let fx = c.send(event("CA1", CallStatus::Ringing, ts(5)));
    assert_eq!(delays(&fx), (Some(4), None, 0));
    assert_eq!(fx.direction, Direction::OutboundApi);
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(12)))),
        (None, Some(7), 0)
    );
    let view = c.table.get("AC0001", "CA1").unwrap();
    assert_eq!(view.last_status, CallStatus::InProgress);
    assert_eq!(
        (view.post_dial_delay, view.answer_delay),
        (Some(4.0), Some(7.0))
    );
    let fx = c.send(event("CA1", CallStatus::Completed, ts(70)).quality(good()));
    assert_eq!(delays(&fx), NONE);
    let t = fx.finished.unwrap();
    assert!(t.audio.with_media);
    assert!(t.issues().is_empty());
    assert!(!t.is_worth_listing());
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    assert!(c.table.is_empty());
    assert!(fx.unfinished.is_empty());
}

#[test]
fn reversed_events_complete_each_delay_once_and_never_make_the_call_active() {
    let mut c = Calls::default();
    let fx = c.send(event("CA1", CallStatus::Completed, ts(70)).quality(low_mos()));
    assert_eq!(fx.finished.unwrap().issues(), Issues::of(&[Issue::LowMos]));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(12)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(5)))),
        (None, Some(7), 0)
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Initiated, ts(1)))),
        (Some(4), None, 0)
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Queued, ts(0)))),
        NONE
    );
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    assert!(c.table.is_empty());
}

#[test]
fn a_ringing_that_arrives_last_completes_both_delays_at_once() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::InProgress, ts(9)));
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(9)))),
        (Some(9), Some(0), 0)
    );
}

#[test]
fn repeated_progress_events_with_other_sequence_numbers_are_observed_once() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(3)))),
        (Some(3), None, 0)
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(5)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Initiated, ts(1)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(7)))),
        (None, Some(4), 0)
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(9)))),
        NONE
    );
    assert_eq!(c.active(), [0, 1, 0, 0, 0]);
    assert_eq!(c.table.len(), 1);
}

#[test]
fn a_second_terminal_event_of_a_call_counts_nothing() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    let first = c.send(event("CA1", CallStatus::Busy, ts(5)));
    assert!(first.finished.unwrap().is_worth_listing());
    let again = c.send(event("CA1", CallStatus::Busy, ts(5)).quality(low_mos()));
    assert_eq!(again.finished, None);
    assert_eq!(c.listed(""), ["CA1"]);
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
}

#[test]
fn a_call_seen_only_by_its_terminal_event_has_issues_and_a_list_entry() {
    let mut c = Calls::default();
    let q = Quality {
        skipped_packets: Some(60.0),
        media_packets: Some(940.0),
        ..good()
    };
    let fx = c.send(event("CA1", CallStatus::Completed, ts(60)).quality(q));
    assert_eq!(delays(&fx), NONE);
    let t = fx.finished.unwrap();
    assert!(t.audio.with_media);
    assert_eq!(
        t.issues().labels().map(Issue::as_str).collect::<Vec<_>>(),
        ["high_packet_loss", "any"]
    );
    let listed = t;
    assert_eq!(listed.audio.packet_loss_ratio, Some(0.06));
    assert_eq!(
        (listed.post_dial_delay_seconds, listed.answer_delay_seconds),
        (None, None)
    );
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    assert!(fx.unfinished.is_empty());
}

#[test]
fn a_failed_call_without_media_is_listed_without_issues() {
    let mut c = Calls::default();
    let q = Quality {
        sip_result_code: Some(404),
        duration_seconds: Some(0.0),
        ..Quality::default()
    };
    let t = c
        .send(event("CA1", CallStatus::Failed, ts(0)).quality(q))
        .finished
        .unwrap();
    assert!(!t.audio.with_media);
    assert!(t.issues().is_empty());
    assert_eq!(c.listed("issue=any"), Vec::<String>::new());
    assert_eq!(c.listed("status=failed"), ["CA1"]);
    // A canceled or completed call without an issue is not listed.
    c.send(event("CA2", CallStatus::Canceled, ts(0)));
    c.send(event("CA3", CallStatus::Completed, ts(0)).quality(good()));
    assert_eq!(c.listed(""), ["CA1"]);
}

#[test]
fn calls_older_than_max_age_are_forgotten_as_unfinished_at_expiry() {
    let mut c = Calls::new(CallsConfig {
        max_age: Duration::from_secs(10),
        ..CallsConfig::default()
    });
    c.send_at(0, event("CA1", CallStatus::Initiated, ts(0)));
    c.send_at(
        5,
        event("CA2", CallStatus::Ringing, ts(5)).direction(Direction::Inbound),
    );
    c.send_at(9, event("CA1", CallStatus::Ringing, ts(9)));
    assert!(c.table.expire(c.start + Duration::from_secs(9)).is_empty());
    let gone = c.table.expire(c.start + Duration::from_secs(10));
    assert_eq!(unfinished(&gone), [("outbound-api", "max_age", 1)]);
    assert_eq!(c.active(), [1, 0, 0, 0, 0]);
    // An event expires the table first, whichever call it is for.
    let fx = c.send_at(15, event("CA3", CallStatus::Initiated, ts(15)));
    assert_eq!(unfinished(&fx.unfinished), [("inbound", "max_age", 1)]);
    assert_eq!(c.active(), [0, 1, 0, 0, 0]);
    assert!(c.table.expire(c.start + Duration::from_secs(24)).is_empty());
}

#[test]
fn calls_that_ended_are_never_forgotten_for_their_age() {
    let mut c = Calls::new(CallsConfig {
        max_age: Duration::from_secs(10),
        ..CallsConfig::default()
    });
    c.send_at(0, event("CA1", CallStatus::Initiated, ts(0)));
    c.send_at(1, event("CA1", CallStatus::Completed, ts(1)));
    c.send_at(2, event("CA2", CallStatus::Initiated, ts(2)));
    assert!(c.table.expire(c.start + Duration::from_secs(11)).is_empty());
    let gone = c.table.expire(c.start + Duration::from_secs(12));
    assert_eq!(unfinished(&gone), [("outbound-api", "max_age", 1)]);
    assert!(c.table.is_empty());
    assert!(c.table.expire(c.start + Duration::from_secs(99)).is_empty());
}

#[test]
fn a_call_forgotten_for_its_age_still_counts_its_end_and_nothing_else() {
    let mut c = Calls::new(CallsConfig {
        max_age: Duration::from_secs(10),
        ..CallsConfig::default()
    });
    c.send_at(0, event("CA1", CallStatus::Initiated, ts(0)));
    assert_eq!(
        unfinished(&c.table.expire(c.start + Duration::from_secs(11))).len(),
        1
    );
    // A late ringing completes the delay but does not revive the call.
    let fx = c.send_at(12, event("CA1", CallStatus::Ringing, ts(12)));
    assert_eq!(delays(&fx), (Some(12), None, 0));
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    let fx = c.send_at(
        13,
        event("CA1", CallStatus::Completed, ts(13)).quality(low_mos()),
    );
    assert!(fx.unfinished.is_empty());
    assert_eq!(fx.finished.unwrap().post_dial_delay_seconds, Some(12.0));
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    assert!(c
        .table
        .expire(c.start + Duration::from_secs(100))
        .is_empty());
}

#[test]
fn a_full_table_evicts_the_call_whose_first_event_came_earliest() {
    let mut c = Calls::new(CallsConfig {
        capacity: 2,
        ..CallsConfig::default()
    });
    c.send_at(
        0,
        event("CA1", CallStatus::Initiated, ts(0)).direction(Direction::Inbound),
    );
    c.send_at(1, event("CA2", CallStatus::Initiated, ts(1)));
    c.send_at(2, event("CA1", CallStatus::Ringing, ts(2)));
    let fx = c.send_at(3, event("CA3", CallStatus::Queued, None));
    assert_eq!(unfinished(&fx.unfinished), [("inbound", "capacity", 1)]);
    assert_eq!(c.active(), [0, 2, 0, 0, 0]);
    assert_eq!(c.table.get("AC0001", "CA1"), None);
    // The evicted call's events: no revival, no eviction of another call.
    let fx = c.send_at(4, event("CA1", CallStatus::InProgress, ts(4)));
    assert_eq!(delays(&fx), (None, Some(2), 0));
    assert!(fx.unfinished.is_empty());
    assert_eq!(c.table.len(), 2);
    let fx = c.send_at(
        5,
        event("CA1", CallStatus::Completed, ts(5)).quality(low_mos()),
    );
    let t = fx.finished.unwrap();
    assert_eq!(t.issues(), Issues::of(&[Issue::LowMos]));
    assert_eq!(t.direction, Direction::Inbound);
    assert_eq!(fx.direction, Direction::Inbound);
    assert_eq!(c.active(), [0, 2, 0, 0, 0]);
}

#[test]
fn calls_that_ended_are_skipped_when_making_room() {
    let mut c = Calls::new(CallsConfig {
        capacity: 2,
        ..CallsConfig::default()
    });
    c.send_at(0, event("CA1", CallStatus::Initiated, ts(0)));
    c.send_at(1, event("CA2", CallStatus::Initiated, ts(1)));
    c.send_at(2, event("CA1", CallStatus::Completed, ts(2)));
    assert!(c
        .send_at(3, event("CA3", CallStatus::Initiated, ts(3)))
        .unfinished
        .is_empty());
    let fx = c.send_at(4, event("CA4", CallStatus::Initiated, ts(4)));
    assert_eq!(
        unfinished(&fx.unfinished),
        [("outbound-api", "capacity", 1)]
    );
    assert!(c.table.get("AC0001", "CA2").is_none());
    assert!(c.table.get("AC0001", "CA3").is_some());
    assert!(c.table.get("AC0001", "CA4").is_some());
}

#[test]
fn finished_calls_never_take_room_from_calls_in_progress() {
    let mut c = Calls::new(CallsConfig {
        capacity: 1,
        finished_capacity: 1,
        ..CallsConfig::default()
    });
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    for call in ["CA2", "CA3", "CA4"] {
        c.send(event(call, CallStatus::Completed, ts(0)));
    }
    assert_eq!(c.active(), [0, 1, 0, 0, 0]);
    assert!(c.table.get("AC0001", "CA1").is_some());
}

#[test]
fn negative_delays_are_reported_once_each_and_a_zero_is_observed() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, ts(10)));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(5)))),
        (None, None, 1)
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(5)))),
        (None, Some(0), 0)
    );
    let fx = c.send(event("CA1", CallStatus::Completed, ts(9)).quality(low_mos()));
    let listed = fx.finished.unwrap();
    assert_eq!(listed.post_dial_delay_seconds, None);
    assert_eq!(listed.answer_delay_seconds, Some(0.0));

    c.send(event("CA2", CallStatus::InProgress, ts(4)));
    c.send(event("CA2", CallStatus::Initiated, ts(12)));
    assert_eq!(
        delays(&c.send(event("CA2", CallStatus::Ringing, ts(10)))),
        (None, None, 2)
    );
}

#[test]
fn an_unusable_timestamp_spoils_its_delays_without_reporting_them() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, Some(Err(()))));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(3)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::InProgress, ts(5)))),
        (None, Some(2), 0)
    );
    c.send(event("CA2", CallStatus::Initiated, ts(0)));
    assert_eq!(
        delays(&c.send(event("CA2", CallStatus::Ringing, None))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA2", CallStatus::Ringing, ts(1)))),
        NONE
    );
    assert_eq!(
        delays(&c.send(event("CA2", CallStatus::InProgress, ts(2)))),
        NONE
    );
}

#[test]
fn a_late_progress_event_after_the_end_completes_a_delay_without_reviving_the_call() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, ts(0)).direction(Direction::OutboundDial));
    c.send(event("CA1", CallStatus::NoAnswer, ts(30)).direction(Direction::OutboundDial));
    let fx = c.send(event("CA1", CallStatus::Ringing, ts(2)).direction(Direction::Other));
    assert_eq!(delays(&fx), (Some(2), None, 0));
    assert_eq!(fx.direction, Direction::OutboundDial);
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    assert!(c.table.is_empty());
}

#[test]
fn unknown_statuses_do_not_touch_the_table() {
    let mut c = Calls::default();
    let fx = c.send(event("CA1", CallStatus::Other, ts(0)));
    assert_eq!(fx.finished, None);
    assert!(c.table.is_empty());
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    c.send(event("CA1", CallStatus::Other, ts(1)));
    assert_eq!(
        c.table.get("AC0001", "CA1").unwrap().last_status,
        CallStatus::Initiated
    );
}

#[test]
fn a_table_without_capacity_keeps_no_call_but_still_judges_their_end() {
    let mut c = Calls::new(CallsConfig {
        capacity: 0,
        ..CallsConfig::default()
    });
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    assert_eq!(
        delays(&c.send(event("CA1", CallStatus::Ringing, ts(2)))),
        NONE
    );
    assert_eq!(c.active(), [0, 0, 0, 0, 0]);
    let t = c
        .send(event("CA1", CallStatus::Completed, ts(9)).quality(low_mos()))
        .finished;
    assert_eq!(t.unwrap().issues(), Issues::of(&[Issue::LowMos]));
}

#[test]
fn the_same_call_sid_under_two_accounts_is_two_calls() {
    let mut c = Calls::default();
    c.send(event("CA1", CallStatus::Initiated, ts(0)));
    let mut other = event("CA1", CallStatus::Initiated, ts(0));
    other.0.account_sid = "AC0002";
    c.send(other);
    assert_eq!(c.table.len(), 2);
}

fn bad_calls() -> Calls {
    let mut c = Calls::new(CallsConfig {
        recent: 3,
        ..CallsConfig::default()
    });
    let jitter = Quality {
        jitter_max_variance: Some(1600.0),
        ..good()
    };
    c.send_at(
        0,
        event("CA1", CallStatus::Completed, ts(0)).quality(low_mos()),
    );
    c.send_at(
        1,
        event("CA2", CallStatus::Busy, ts(1)).direction(Direction::Inbound),
    );
    c.send_at(
        1,
        event("CA3", CallStatus::Completed, ts(1)).quality(jitter),
    );
    c.send_at(
        1,
        event("CA4", CallStatus::Completed, ts(1)).quality(low_mos()),
    );
    c
}

#[test]
fn the_list_keeps_the_last_bad_calls_newest_first_by_receipt() {
    let c = bad_calls();
    assert_eq!(c.listed(""), ["CA4", "CA3", "CA2"]);
    let seq: Vec<u64> = c.table.recent().iter().map(|r| r.sequence).collect();
    assert_eq!(seq, [4, 3, 2]);
}

#[test]
fn filters_combine_with_and_and_the_limit_applies_after_them() {
    let c = bad_calls();
    assert_eq!(c.listed("issue=any"), ["CA4", "CA3"]);
    assert_eq!(c.listed("issue=any&limit=1"), ["CA4"]);
    assert_eq!(c.listed("issue=high_jitter"), ["CA3"]);
    assert_eq!(c.listed("issue=low_mos&direction=outbound-api"), ["CA4"]);
    assert_eq!(c.listed("direction=inbound"), ["CA2"]);
    assert_eq!(
        c.listed("status=busy&direction=outbound-api"),
        Vec::<String>::new()
    );
    assert_eq!(c.listed("status=completed&limit=5"), ["CA4", "CA3"]);
    assert_eq!(c.listed("limit=0"), Vec::<String>::new());
}

#[test]
fn an_entry_has_exactly_the_documented_keys_and_no_numbers_by_default() {
    let mut c = Calls::default();
    c.send_at(0, event("CA1", CallStatus::Initiated, ts(0)));
    c.send_at(3, event("CA1", CallStatus::Ringing, ts(3)));
    c.send_at(8, event("CA1", CallStatus::InProgress, ts(8)));
    let numbers = Numbers {
        from: Some("+15550001111"),
        to: Some("+15550002222"),
        forwarded_from: None,
        caller_name: Some("Ada"),
    };
    let q = Quality {
        mos: Some(3.1),
        media_packets: Some(300.0),
        skipped_packets: Some(100.0),
        ..good()
    };
    c.send_at(
        70,
        event("CA1", CallStatus::Completed, ts(70))
            .quality(q)
            .numbers(numbers),
    );
    assert_eq!(
        c.json(""),
        concat!(
            r#"{"calls":[{"received_at":"2026-11-27T12:01:10Z","account_sid":"AC0001","#,
            r#""call_sid":"CA1","project":null,"#,
            r#""status":"completed","direction":"outbound-api","#,
            r#""sip_result_code":200,"duration_seconds":57,"mos":3.1,"#,
            r#""packet_loss_ratio":0.25,"jitter_max_variance":12.5,"#,
            r#""post_dial_delay_seconds":3,"answer_delay_seconds":5,"#,
            r#""issues":["low_mos","high_packet_loss"],"country":null}]}"#
        )
    );
}

#[test]
fn numbers_appear_only_when_included_and_unknown_values_are_null() {
    let mut c = Calls::new(CallsConfig {
        include_numbers: true,
        ..CallsConfig::default()
    });
    let numbers = Numbers {
        from: Some("+15550001111"),
        to: Some("sip:ada@example.com"),
        forwarded_from: None,
        caller_name: None,
    };
    c.send(event("CA1", CallStatus::NoAnswer, None).numbers(numbers));
    assert_eq!(
        c.json("status=no-answer"),
        concat!(
            r#"{"calls":[{"received_at":"2026-11-27T12:00:00Z","account_sid":"AC0001","#,
            r#""call_sid":"CA1","project":null,"#,
            r#""status":"no-answer","direction":"outbound-api","#,
            r#""sip_result_code":null,"duration_seconds":null,"mos":null,"#,
            r#""packet_loss_ratio":null,"jitter_max_variance":null,"#,
            r#""post_dial_delay_seconds":null,"answer_delay_seconds":null,"issues":[],"#,
            r#""country":null,"from":"+15550001111","to":"sip:ada@example.com","#,
            r#""forwarded_from":null,"#,
            r#""caller_name":null}]}"#
        )
    );
    assert_eq!(c.json("status=busy"), r#"{"calls":[]}"#);
}

#[test]
fn calls_that_end_leave_no_unbounded_trail_in_the_eviction_queue() {
    let mut c = Calls::new(CallsConfig {
        capacity: 10,
        finished_capacity: 10,
        ..CallsConfig::default()
    });
    for i in 0..50_000 {
        let sid = format!("CA{i}");
        c.send(event(&sid, CallStatus::Initiated, ts(0)));
        c.send(event(&sid, CallStatus::Completed, ts(1)));
    }
    assert!(c.table.is_empty());
    assert!(c.table.queued() <= 1024 + 1, "{}", c.table.queued());
}

/// One random event: (call, status, Timestamp second or unusable).
fn arb_event() -> impl Strategy<Value = (u8, u8, Option<i64>)> {
    (0u8..6, 0u8..8, proptest::option::weighted(0.9, 0i64..20))
}

const STATUSES: [CallStatus; 8] = [
    CallStatus::Queued,
    CallStatus::Initiated,
    CallStatus::Ringing,
    CallStatus::InProgress,
    CallStatus::Answered,
    CallStatus::Completed,
    CallStatus::Failed,
    CallStatus::Other,
];

/// The model of the stamps: the first initiated and ringing received; the
/// answer (answered or in-progress) with the earliest usable stamp until
/// ringing is known, then frozen.
fn note(first: &mut [Option<Option<i64>>; 3], status: CallStatus, second: Option<i64>) {
    let slot = match status {
        CallStatus::Initiated => 0,
        CallStatus::Ringing => 1,
        CallStatus::InProgress | CallStatus::Answered => 2,
        _ => return,
    };
    let old = first[2];
    match (slot, first[1], old) {
        (2, None, Some(Some(old))) if second.is_some_and(|s| s < old) => first[2] = Some(second),
        _ => {
            first[slot].get_or_insert(second);
        }
    }
}

/// What the stamps say a delay must be.
fn expected_delay(first: &[Option<Option<i64>>; 3], from: usize, to: usize) -> Option<i64> {
    Some(first[to]?? - first[from]??)
}

proptest! {
    #[test]
    fn each_delay_is_observed_at_most_once_per_call_and_active_matches_the_table(
        events in proptest::collection::vec(arb_event(), 0..80),
        capacity in 0usize..5,
        max_age in 1u64..40,
    ) {
        let mut c = Calls::new(CallsConfig {
            capacity,
            max_age: Duration::from_secs(max_age),
            ..CallsConfig::default()
        });
        // Per call: post-dial and answer observations and negatives, and the
        // Timestamp of the first initiated, ringing and in-progress received.
        let mut seen = [[0u32; 3]; 6];
        let mut first = [[None; 3]; 6];
        for (clock, (call, status, second)) in events.into_iter().enumerate() {
            let status = STATUSES[status as usize];
            let sid = format!("CA{call}");
            let stamp = second.map_or(Some(Err(())), ts);
            let fx = c.send_at(clock as u64, event(&sid, status, stamp));
            note(&mut first[call as usize], status, second);
            let f = &first[call as usize];
            let (post_dial, answer) = (expected_delay(f, 0, 1), expected_delay(f, 1, 2));
            let n = &mut seen[call as usize];
            n[0] += u32::from(fx.post_dial_delay.is_some());
            n[1] += u32::from(fx.answer_delay.is_some());
            n[2] += fx.negative_delays;
            let negative = u32::from(post_dial < Some(0)) + u32::from(answer < Some(0));
            prop_assert!(fx.negative_delays <= negative);
            if let Some(d) = fx.post_dial_delay {
                prop_assert_eq!(Some(d as i64), post_dial);
            }
            if let Some(d) = fx.answer_delay {
                prop_assert_eq!(Some(d as i64), answer);
            }
            prop_assert!(n[0] <= 1 && n[1] <= 1 && n[0] + n[1] + n[2] <= 2, "{:?}", n);
            let active: u64 = c.active().iter().sum();
            prop_assert_eq!(active as usize, c.table.len());
            prop_assert!(c.table.len() <= capacity);
        }
    }

    #[test]
    fn with_room_for_every_call_each_delay_is_observed_exactly_when_both_are_known(
        events in proptest::collection::vec(arb_event(), 0..80),
    ) {
        let mut c = Calls::default();
        let mut observed = [[None::<i64>; 2]; 6];
        let mut first = [[None; 3]; 6];
        for (call, status, second) in events {
            let status = STATUSES[status as usize];
            let sid = format!("CA{call}");
            let fx = c.send(event(&sid, status, second.map_or(Some(Err(())), ts)));
            note(&mut first[call as usize], status, second);
            let o = &mut observed[call as usize];
            if let Some(d) = fx.post_dial_delay {
                prop_assert!(o[0].replace(d as i64).is_none());
            }
            if let Some(d) = fx.answer_delay {
                prop_assert!(o[1].replace(d as i64).is_none());
            }
        }
        for call in 0..6 {
            let f = &first[call];
            let want = |d: Option<i64>| d.filter(|d| *d >= 0);
            prop_assert_eq!(observed[call][0], want(expected_delay(f, 0, 1)));
            prop_assert_eq!(observed[call][1], want(expected_delay(f, 1, 2)));
        }
    }
}
