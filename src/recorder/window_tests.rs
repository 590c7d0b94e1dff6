use super::*;
use crate::domain::{Audio, Direction, Issues};
use time::macros::datetime;

fn at(start: Instant, seconds: u64) -> Instant {
    start + Duration::from_secs(seconds)
}

fn finished(status: CallStatus, audio: Audio) -> FinishedCall {
    FinishedCall {
        sequence: 1,
        received_at: datetime!(2026-12-07 11:00:00 UTC),
        project: None,
        account_sid: String::new(),
        call_sid: "CA1".into(),
        status,
        direction: Direction::Inbound,
        sip_result_code: None,
        duration_seconds: None,
        audio,
        post_dial_delay_seconds: None,
        answer_delay_seconds: None,
        numbers: None,
        country: None,
    }
}

fn low_mos() -> Audio {
    Audio {
        with_media: true,
        issues: Issues::of(&[Issue::LowMos]),
        ..Audio::default()
    }
}

fn silent() -> Audio {
    Audio {
        silent: true,
        ..Audio::default()
    }
}

/// A window whose wall clock starts 30 s into a minute.
fn window() -> (Instant, Window) {
    let start = Instant::now();
    (start, Window::at(start, datetime!(2026-12-07 11:00:30 UTC)))
}

#[test]
fn counts_stay_for_five_minutes_then_leave_by_slot() {
    let (start, w) = window();
    w.add(at(start, 5), |c| c.silent += 1);
    w.add(at(start, 15), |c| c.silent += 2);
    assert_eq!(w.sum(at(start, 15)).silent, 3);
    assert_eq!(w.sum(at(start, 299)).silent, 3);
    // The slot of 0-9 s leaves at 300 s, that of 10-19 s at 310 s.
    assert_eq!(w.sum(at(start, 300)).silent, 2);
    assert_eq!(w.sum(at(start, 310)).silent, 0);
}

#[test]
fn a_reused_slot_starts_from_zero() {
    let (start, w) = window();
    w.add(at(start, 1), |c| c.webhooks[Outcome::Accepted.index()] += 4);
    w.add(at(start, 301), |c| {
        c.webhooks[Outcome::Accepted.index()] += 1
    });
    assert_eq!(w.sum(at(start, 301)).webhooks[Outcome::Accepted.index()], 1);
}

#[test]
fn a_finished_call_counts_by_status_in_the_window_and_its_minute() {
    let (start, w) = window();
    w.call(at(start, 1), &finished(CallStatus::Completed, low_mos()));
    w.call(at(start, 2), &finished(CallStatus::Completed, silent()));
    w.call(
        at(start, 40),
        &finished(CallStatus::NoAnswer, Audio::default()),
    );
    // Not terminal: never a finished call, and counted nowhere if it were.
    w.call(at(start, 41), &finished(CallStatus::Other, low_mos()));
    let c = w.sum(at(start, 41));
    assert_eq!(c.ended, [2, 0, 1, 0, 0]);
    assert_eq!((c.ended_total(), c.with_media, c.silent), (3, 1, 1));
    assert_eq!(c.issues[Issue::LowMos.index()], 1);
    assert_eq!(c.issues[Issue::Any.index()], 1);
    let minutes = w.minutes(at(start, 41));
    assert_eq!(minutes.len(), MINUTES);
    // 11:00:30 + 1 s is in 11:00, + 40 s in 11:01, the current minute.
    let (before, now) = (minutes[58], minutes[59]);
    assert_eq!(before.start, datetime!(2026-12-07 11:00 UTC));
    assert_eq!(now.start, datetime!(2026-12-07 11:01 UTC));
    assert_eq!(minutes[0].start, datetime!(2026-12-07 10:02 UTC));
    let expected = MinuteCounts {
        ended: [2, 0, 0, 0, 0],
        with_media: 1,
        any: 1,
        silent: 1,
    };
    assert_eq!(before.counts, expected);
    assert_eq!(now.counts.ended, [0, 0, 1, 0, 0]);
}

#[test]
fn a_minute_leaves_the_trend_after_an_hour_and_its_slot_starts_from_zero() {
    let (start, w) = window();
    w.call(
        at(start, 0),
        &finished(CallStatus::Failed, Audio::default()),
    );
    // 11:00 is the oldest minute until 11:59 ends.
    let at_1159 = at(start, 59 * 60);
    assert_eq!(w.minutes(at_1159)[0].counts.ended[3], 1);
    let at_1200 = at(start, 59 * 60 + 30);
    let minutes = w.minutes(at_1200);
    assert_eq!(minutes[0].start, datetime!(2026-12-07 11:01 UTC));
    assert!(minutes.iter().all(|m| m.counts == MinuteCounts::default()));
    // 12:00 reuses 11:00's slot.
    w.call(at_1200, &finished(CallStatus::Busy, Audio::default()));
    assert_eq!(w.minutes(at_1200)[59].counts.ended, [0, 1, 0, 0, 0]);
    let starts: Vec<_> = minutes
        .windows(2)
        .map(|p| p[1].start - p[0].start)
        .collect();
    assert!(starts.iter().all(|d| *d == time::Duration::MINUTE));
}

#[test]
fn mos_falls_in_the_bucket_of_the_first_bound_at_or_above_it() {
    let (start, w) = window();
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
