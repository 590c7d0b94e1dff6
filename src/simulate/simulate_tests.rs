//! The simulator without a server: seeded timelines, delivery order, and the
//! summary's predictions checked against `call_state::CallTable` fed the same
//! deliveries, parsed from the very fields that would be sent.

use std::collections::BTreeMap;
use std::time::Instant;

use time::macros::datetime;
use time::OffsetDateTime;

use super::tally::CallState;
use super::*;
use crate::call_state::{CallEvent, CallTable, CallsConfig, UnfinishedReason};
use crate::catalogue::{ANSWER_DELAY_BUCKETS, POST_DIAL_DELAY_BUCKETS};
use crate::domain::{CallStatus, Direction, Params, StatusEvent};

const T0: OffsetDateTime = datetime!(2026-11-29 12:00:00 UTC);
const ACCOUNT: &str = "AC-simulate-tests";

use CallStatus::{Busy, Canceled, Completed, Failed, NoAnswer};

fn offsets(call: &PlannedCall) -> Vec<u32> {
    call.events.iter().map(|e| e.offset).collect()
}

/// (outcome, event offsets, delivery order) of the first calls.
fn first(generator: Generator, n: usize) -> Vec<(CallStatus, Vec<u32>, Vec<usize>)> {
    generator
        .take(n)
        .map(|c| (c.terminal.status, offsets(&c), c.delivery.clone()))
        .collect()
}

#[test]
fn timelines_and_delivery_orders_are_drawn_exactly_from_the_seed() {
    assert_eq!(
        first(Generator::new(Profile::Good, 42), 4),
        [
            (Completed, vec![0, 3, 6, 30], vec![0, 1, 2, 3]),
            (Canceled, vec![0, 2, 14], vec![0, 1, 2]),
            (Completed, vec![0, 3, 10, 83], vec![1, 0, 2, 3]),
            (Completed, vec![0, 6, 13, 108], vec![0, 1, 2, 3]),
        ]
    );
    assert_eq!(
        first(Generator::new(Profile::Degraded, 42), 4),
        [
            (Completed, vec![0, 5, 10, 34], vec![0, 1, 2, 3]),
            (Canceled, vec![0, 4, 20], vec![0, 1, 2]),
            (Failed, vec![0, 9], vec![1, 0]),
            (Completed, vec![0, 28, 42, 137], vec![0, 1, 2, 3]),
        ]
    );
    // The failed INVITE at 68 s is cut at SIP's 32 s timeout.
    assert_eq!(
        first(Generator::new(Profile::Outage, 42), 4),
        [
            (NoAnswer, vec![0, 9, 53], vec![0, 1, 2]),
            (Canceled, vec![0, 6, 25], vec![0, 1, 2]),
            (Failed, vec![0, 16], vec![1, 0]),
            (Failed, vec![0, 32], vec![0, 1]),
        ]
    );
    let call = Generator::new(Profile::Good, 42).call(0);
    assert_eq!(call.timeline.post_dial_delay(), Some(3));
    assert_eq!(call.timeline.answer_delay(), Some(3));
    assert_eq!(call.terminal.duration, 24);
}

#[test]
fn each_event_carries_the_timestamp_of_its_place_in_the_timeline() {
    let call = Generator::new(Profile::Good, 42).call(0);
    let stamps: Vec<String> = (0..call.events.len())
        .map(|i| {
            let fields = call.fields(i, ACCOUNT, T0);
            assert_eq!(fields[fields.len() - 2], ("AccountSid", ACCOUNT.to_owned()));
            fields.last().unwrap().1.clone()
        })
        .collect();
    assert_eq!(
        stamps,
        [
            "Sun, 29 Nov 2026 12:00:00 +0000",
            "Sun, 29 Nov 2026 12:00:03 +0000",
            "Sun, 29 Nov 2026 12:00:06 +0000",
            "Sun, 29 Nov 2026 12:00:30 +0000",
        ]
    );
}

/// Post-dial delays of calls that rang, answer delays of answered calls.
fn delays(profile: Profile) -> (Vec<u32>, Vec<u32>) {
    let calls = plan(profile, 4000, 9);
    let post_dial = calls.iter().filter_map(|c| c.timeline.post_dial_delay());
    let answer = calls.iter().filter_map(|c| c.timeline.answer_delay());
    (post_dial.collect(), answer.collect())
}

fn share(xs: &[u32], range: std::ops::RangeInclusive<u32>) -> f64 {
    xs.iter().filter(|x| range.contains(x)).count() as f64 / xs.len() as f64
}

fn quantile(xs: &[u32], q: f64) -> u32 {
    let mut sorted = xs.to_vec();
    sorted.sort_unstable();
    sorted[((sorted.len() - 1) as f64 * q) as usize]
}

#[test]
fn good_calls_ring_within_1_to_4_seconds_and_are_answered_within_2_to_10() {
    let (post_dial, answer) = delays(Profile::Good);
    assert!(
        share(&post_dial, 1..=4) > 0.9,
        "{}",
        share(&post_dial, 1..=4)
    );
    assert!(share(&answer, 2..=10) > 0.9, "{}", share(&answer, 2..=10));
}

#[test]
fn degraded_and_outage_calls_are_slower_to_set_up_with_long_tails() {
    let (good_pdd, good_answer) = delays(Profile::Good);
    let (bad_pdd, bad_answer) = delays(Profile::Degraded);
    let (outage_pdd, _) = delays(Profile::Outage);
    // (median, 90th percentile) in seconds.
    let p = |xs: &[u32]| (quantile(xs, 0.5), quantile(xs, 0.9));
    assert_eq!(p(&good_pdd), (3, 4));
    assert_eq!(p(&good_answer), (5, 8));
    assert_eq!(p(&bad_pdd), (5, 12));
    assert_eq!(p(&bad_answer), (8, 18));
    assert_eq!(p(&outage_pdd), (8, 21));
    assert!(
        share(&bad_pdd, 16..=90) > 0.02,
        "{}",
        share(&bad_pdd, 16..=90)
    );
}

#[test]
fn outage_calls_mostly_fail_before_they_ring() {
    let calls = plan(Profile::Outage, 2000, 3);
    let rang = calls
        .iter()
        .filter(|c| c.timeline.ringing.is_some())
        .count();
    let answered = calls
        .iter()
        .filter(|c| c.timeline.answered.is_some())
        .count();
    assert!(
        rang < 500 && answered < 300,
        "{rang} rang, {answered} answered"
    );
}

#[test]
fn events_happen_in_sequence_order_and_each_ending_takes_its_time() {
    for profile in [Profile::Good, Profile::Degraded, Profile::Outage] {
        for c in plan(profile, 1000, 5) {
            let (t, o) = (c.timeline, offsets(&c));
            assert!(o.windows(2).all(|w| w[0] <= w[1]), "{o:?}");
            assert_eq!(o[0], 0);
            let ring = t.ended - t.ringing.unwrap_or(0);
            match (c.terminal.status, c.terminal.sip_code) {
                (Completed, _) => {
                    assert_eq!(t.ended, t.answered.unwrap() + c.terminal.duration)
                }
                (Busy, _) => assert!(ring <= 3, "{t:?}"),
                (NoAnswer, 408) => assert!((30..=60).contains(&ring), "{t:?}"),
                (NoAnswer, _) => assert!((15..=30).contains(&ring), "{t:?}"),
                (Canceled, _) => assert!(ring >= 1, "{t:?}"),
                (Failed, _) => assert!(t.ringing.is_none() && t.ended <= 32, "{t:?}"),
                (s, _) => panic!("not an ending: {s:?}"),
            }
        }
    }
}

/// Whether `order` is 0..n with at most one pair of neighbours swapped.
fn at_most_one_swap(order: &[usize]) -> bool {
    let moved: Vec<usize> = (0..order.len()).filter(|&i| order[i] != i).collect();
    match moved[..] {
        [] => true,
        [a, b] => b == a + 1 && order[a] == b && order[b] == a,
        _ => false,
    }
}

#[test]
fn out_of_order_swaps_two_neighbours_in_about_the_share_of_calls_asked() {
    let count = |ratio: f64| {
        let calls: Vec<_> = Generator::new(Profile::Good, 7)
            .out_of_order_ratio(ratio)
            .take(4000)
            .collect();
        assert!(calls.iter().all(|c| at_most_one_swap(&c.delivery)));
        assert!(calls.iter().all(|c| !c.terminal_lost()));
        calls.iter().filter(|c| c.out_of_order()).count()
    };
    assert_eq!(count(0.0), 0);
    assert_eq!(count(1.0), 4000);
    let some = count(0.25);
    assert!((900..1100).contains(&some), "{some}");
    // The terminal event before the answer, and after nothing at all.
    let orders: Vec<Vec<usize>> = Generator::new(Profile::Good, 7)
        .out_of_order_ratio(1.0)
        .take(200)
        .map(|c| c.delivery)
        .collect();
    assert!(orders.contains(&vec![0, 1, 3, 2]));
    assert!(orders.contains(&vec![1, 0]) || orders.contains(&vec![0, 2, 1]));
}

#[test]
fn lost_terminals_are_never_sent_and_each_ratio_changes_nothing_else() {
    let with = |lose: f64, reorder: f64| -> Vec<PlannedCall> {
        Generator::new(Profile::Degraded, 11)
            .lose_terminal_ratio(lose)
            .out_of_order_ratio(reorder)
            .take(3000)
            .collect()
    };
    let kept = with(0.0, 0.2);
    let lost = with(0.3, 0.2);
    let n = lost.iter().filter(|c| c.terminal_lost()).count();
    assert!((810..990).contains(&n), "{n}");
    assert_eq!(
        with(1.0, 0.2).iter().filter(|c| c.terminal_lost()).count(),
        3000
    );
    for (k, l) in kept.iter().zip(&lost) {
        assert_eq!((&k.events, k.timeline), (&l.events, l.timeline));
        let terminal = k.events.len() - 1;
        let mut expected = k.delivery.clone();
        if l.terminal_lost() {
            expected.retain(|&i| i != terminal);
        }
        assert_eq!(l.delivery, expected);
    }
    let lost_again: Vec<bool> = with(0.3, 0.0).iter().map(|c| c.terminal_lost()).collect();
    let lost_before: Vec<bool> = lost.iter().map(|c| c.terminal_lost()).collect();
    assert_eq!(lost_again, lost_before);
}

/// Deliveries refused by a flaky exporter in the cross-checks: one in 13.
fn refused(call: u64, event: usize) -> bool {
    (call * 5 + event as u64) % 13 == 0
}

/// The summary's tally of `calls`, each started one second after the last,
/// its deliveries acknowledged unless `refused`.
fn predicted(calls: &[PlannedCall]) -> Summary {
    let mut summary = Summary::default();
    for (i, call) in calls.iter().enumerate() {
        let start = T0 + time::Duration::seconds(i as i64);
        let mut state = CallState::default();
        for &index in &call.delivery {
            if !refused(call.index, index) {
                let timestamp = start.unix_timestamp() + i64::from(call.events[index].offset);
                summary.acknowledged(call, index, &mut state, timestamp);
            }
        }
        summary.call_done(call, &state);
    }
    summary.finish();
    summary
}

/// What the exporter's per-call series would show: delays observed, and
/// counts by "issue/direction" or direction.
#[derive(Debug, Default)]
struct Shown {
    post_dial: BTreeMap<String, Vec<u64>>,
    answer: BTreeMap<String, Vec<u64>>,
    quality_issues: BTreeMap<String, u64>,
    with_media: BTreeMap<String, u64>,
    silent: BTreeMap<String, u64>,
    active: BTreeMap<String, u64>,
    unfinished: BTreeMap<String, u64>,
}

/// `calls` sent to a call table as `predicted` assumes, then aged out.
fn shown(calls: &[PlannedCall]) -> Shown {
    let config = CallsConfig::default();
    let mut table = CallTable::new(&config);
    let mut shown = Shown::default();
    let now = Instant::now();
    for (i, call) in calls.iter().enumerate() {
        let start = T0 + time::Duration::seconds(i as i64);
        for &index in call.delivery.iter().filter(|&&e| !refused(call.index, e)) {
            let fields = call.fields(index, ACCOUNT, start);
            let params: Params = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let event = StatusEvent::parse(&params).unwrap();
            let call_event = CallEvent::from_status(&event, &params, false);
            let fx = table.record(&call_event, now, start);
            let direction = fx.direction.as_str().to_owned();
            assert_eq!(fx.negative_delays, 0);
            if let Some(d) = fx.post_dial_delay {
                shown
                    .post_dial
                    .entry(direction.clone())
                    .or_default()
                    .push(d as u64);
            }
            if let Some(d) = fx.answer_delay {
                shown
                    .answer
                    .entry(direction.clone())
                    .or_default()
                    .push(d as u64);
            }
            let Some(terminal) = fx.finished else {
                continue;
            };
            for issue in terminal.issues().labels() {
                *shown
                    .quality_issues
                    .entry(format!("{issue}/{direction}"))
                    .or_default() += 1;
            }
            if terminal.is_silent() {
                *shown.silent.entry(direction.clone()).or_default() += 1;
            }
            if terminal.audio.with_media {
                *shown.with_media.entry(direction).or_default() += 1;
            }
        }
    }
    for d in Direction::ALL.iter().filter(|d| table.active(**d) > 0) {
        shown.active.insert(d.as_str().to_owned(), table.active(*d));
    }
    for (d, reason, n) in table.expire(now + config.max_age).iter() {
        assert_eq!(reason, UnfinishedReason::MaxAge);
        shown.unfinished.insert(d.as_str().to_owned(), n);
    }
    shown
}

/// The histograms the exporter would expose for these observations.
fn histograms(
    observed: &BTreeMap<String, Vec<u64>>,
    bounds: &[f64],
) -> BTreeMap<String, Histogram> {
    let histogram = |xs: &Vec<u64>| {
        let mut buckets: Vec<(String, u64)> = bounds
            .iter()
            .map(|b| {
                (
                    b.to_string(),
                    xs.iter().filter(|x| **x as f64 <= *b).count() as u64,
                )
            })
            .collect();
        buckets.push(("+Inf".to_owned(), xs.len() as u64));
        Histogram {
            count: xs.len() as u64,
            sum: xs.iter().sum(),
            buckets: Buckets(buckets),
        }
    };
    observed
        .iter()
        .map(|(d, xs)| (d.clone(), histogram(xs)))
        .collect()
}

#[test]
fn predictions_equal_what_the_call_table_computes_from_the_same_deliveries() {
    for profile in [Profile::Good, Profile::Degraded, Profile::Outage] {
        let calls: Vec<_> = Generator::new(profile, 2026)
            .out_of_order_ratio(0.3)
            .lose_terminal_ratio(0.15)
            .take(3000)
            .collect();
        let (summary, shown) = (predicted(&calls), shown(&calls));
        let json = summary.to_json();
        let post_dial = histograms(&shown.post_dial, POST_DIAL_DELAY_BUCKETS);
        assert_eq!(summary.post_dial_delay, post_dial, "{profile}: {json}");
        let answer = histograms(&shown.answer, ANSWER_DELAY_BUCKETS);
        assert_eq!(summary.answer_delay, answer, "{profile}: {json}");
        assert_eq!(summary.quality_issues, shown.quality_issues, "{profile}");
        assert_eq!(summary.calls_with_media, shown.with_media, "{profile}");
        assert_eq!(summary.silent_calls, shown.silent, "{profile}");
        assert_eq!(summary.active_at_end, shown.active, "{profile}");
        assert_eq!(summary.unfinished, shown.unfinished, "{profile}");
        // Not a comparison of empty maps: every kind of value is there.
        let total = |m: &BTreeMap<String, u64>| m.values().sum::<u64>();
        assert!(total(&summary.unfinished) > 300, "{profile}: {json}");
        assert!(summary.answer_delay.values().all(|h| h.count > 0), "{json}");
        assert!(total(&summary.quality_issues) > 0, "{profile}: {json}");
    }
}

#[test]
fn the_degraded_profile_shows_every_quality_issue_and_many_calls_with_one() {
    let summary = predicted(&plan(Profile::Degraded, 2000, 4));
    let by_issue = |issue: &str| -> u64 {
        let prefix = format!("{issue}/");
        summary
            .quality_issues
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(_, v)| v)
            .sum()
    };
    let with_media: u64 = summary.calls_with_media.values().sum();
    for issue in ["low_mos", "high_packet_loss", "high_jitter"] {
        assert!(by_issue(issue) > with_media / 10, "{issue}: {summary:?}");
    }
    let any = by_issue("any") as f64 / with_media as f64;
    assert!((0.2..0.35).contains(&any), "{any}");
}

#[test]
fn the_degraded_profile_has_about_8_percent_silent_calls_and_the_others_none() {
    let silent_share = |profile| {
        let summary = predicted(&plan(profile, 4000, 5));
        let silent: u64 = summary.silent_calls.values().sum();
        let completed: u64 = summary
            .terminal
            .iter()
            .filter(|(k, _)| k.starts_with("completed/"))
            .map(|(_, n)| n)
            .sum();
        silent as f64 / completed as f64
    };
    let degraded = silent_share(Profile::Degraded);
    assert!((0.065..0.095).contains(&degraded), "{degraded}");
    assert_eq!(silent_share(Profile::Good), 0.0);
    assert_eq!(silent_share(Profile::Outage), 0.0);
}

#[test]
fn the_summary_shows_histograms_in_bucket_order_and_reads_back_as_itself() {
    let mut summary = Summary::default();
    let mut h = Histogram::new(POST_DIAL_DELAY_BUCKETS);
    h.observe(POST_DIAL_DELAY_BUCKETS, 3);
    h.observe(POST_DIAL_DELAY_BUCKETS, 75);
    summary.post_dial_delay.insert("inbound".into(), h);
    summary.unfinished.insert("outbound-api".into(), 2);
    let json = summary.to_json();
    assert!(
        json.contains(
            "\"post_dial_delay\":{\"inbound\":{\"count\":2,\"sum\":78,\"buckets\":\
             {\"0\":0,\"1\":0,\"2\":0,\"3\":1,\"4\":1,\"5\":1,\"7\":1,\"10\":1,\"15\":1,\
             \"20\":1,\"30\":1,\"60\":1,\"+Inf\":2}}}"
        ),
        "{json}"
    );
    assert!(
        json.contains("\"unfinished\":{\"outbound-api\":2}"),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), summary);
    assert_eq!(
        summary.post_dial_delay["inbound"].buckets.get("+Inf"),
        Some(2)
    );
}
