//! Memory and cost of per-call state (issue 10), in process:
//!
//! 1. the worst case: N calls (default 1,000,000) that each send only
//!    `initiated` and never end, at default capacity: the resident memory of
//!    this process is sampled every 10% and must stay under 128 MiB;
//! 2. the cost per event of the call table alone, over whole calls
//!    (`initiated`, `ringing`, `in-progress`, `completed`), as a printed figure.
//!
//! ```text
//! cargo run --release --example calls_memory [calls]
//! ```
//!
//! Prints one `CALLS_MEMORY_JSON {...}` line.

use std::fmt::Write;
use std::time::{Duration, Instant};

use signalwire_exporter::call_state::{
    CallEvent, CallTable, CallsConfig, Numbers, Quality, NO_PROJECT,
};
use signalwire_exporter::domain::{CallStatus, Direction};
use time::OffsetDateTime;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a /proc/self/status field in kB")
}

fn event<'a>(call_sid: &'a str, status: CallStatus, at: OffsetDateTime) -> CallEvent<'a> {
    CallEvent {
        account_sid: "AC0123456789abcdef0123456789abcdef",
        call_sid,
        status,
        direction: Direction::OutboundApi,
        timestamp: Some(Ok(at)),
        quality: Quality {
            mos: Some(4.4),
            media_packets: Some(2829.0),
            skipped_packets: Some(3.0),
            jitter_max_variance: Some(12.5),
            sip_result_code: Some(200),
            duration_seconds: Some(57.0),
            average_ptime_seconds: Some(0.020),
            completed: status == CallStatus::Completed,
        },
        numbers: Numbers::default(),
        project: &NO_PROJECT,
        country: None,
    }
}

fn sid(buf: &mut String, i: u64) -> &str {
    buf.clear();
    write!(buf, "CA{i:032x}").expect("writing to a String");
    buf
}

/// Calls that never end: returns (RSS samples, unfinished by capacity, ns/event).
fn never_ending(calls: u64) -> (Vec<(u64, u64)>, u64, f64) {
    let mut table = CallTable::new(&CallsConfig::default());
    let start = Instant::now();
    let wall = OffsetDateTime::now_utc();
    let mut samples = vec![(0, status_kib("VmRSS:"))];
    let (mut buf, mut evicted) = (String::new(), 0);
    let step = (calls / 10).max(1);
    let mut busy = Duration::ZERO;
    for i in 0..calls {
        let e = event(sid(&mut buf, i), CallStatus::Initiated, wall);
        // One microsecond apart: none reaches the 5 h maximum age.
        let now = start + Duration::from_micros(i);
        let t = Instant::now();
        let fx = table.record(&e, now, wall);
        busy += t.elapsed();
        evicted += fx.unfinished.iter().map(|(_, _, n)| n).sum::<u64>();
        if (i + 1) % step == 0 {
            samples.push((i + 1, status_kib("VmRSS:")));
        }
    }
    assert_eq!(table.len() as u64, calls.min(100_000));
    (samples, evicted, busy.as_nanos() as f64 / calls as f64)
}

/// Whole calls, four events each: ns per event.
fn whole_calls(calls: u64) -> f64 {
    let mut table = CallTable::new(&CallsConfig::default());
    let start = Instant::now();
    let wall = OffsetDateTime::now_utc();
    let mut buf = String::new();
    let statuses = [
        CallStatus::Initiated,
        CallStatus::Ringing,
        CallStatus::InProgress,
        CallStatus::Completed,
    ];
    let mut busy = Duration::ZERO;
    for i in 0..calls {
        let sid = sid(&mut buf, i);
        for (n, status) in statuses.into_iter().enumerate() {
            let e = event(sid, status, wall + Duration::from_secs(3 * n as u64));
            let now = start + Duration::from_micros(i);
            let t = Instant::now();
            std::hint::black_box(table.record(&e, now, wall));
            busy += t.elapsed();
        }
    }
    assert!(table.is_empty());
    busy.as_nanos() as f64 / (4 * calls) as f64
}

fn main() {
    let calls: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("calls: a whole number"))
        .unwrap_or(1_000_000);
    let (samples, evicted, ns_initiated) = never_ending(calls);
    for (n, kib) in &samples {
        eprintln!("{n} calls: rss {kib} KiB");
    }
    let peak = status_kib("VmHWM:");
    let ns_whole = whole_calls(calls);
    eprintln!("peak rss {peak} KiB, {evicted} calls evicted for capacity");
    eprintln!(
        "{ns_initiated:.0} ns per initiated event, {ns_whole:.0} ns per event of whole calls"
    );
    let (first, last) = (samples[0].1, samples.last().map_or(0, |s| s.1));
    let samples: Vec<String> = samples
        .iter()
        .map(|(n, kib)| format!("[{n},{kib}]"))
        .collect();
    println!(
        "CALLS_MEMORY_JSON {{\"calls\":{calls},\"rss_start_kib\":{},\"rss_end_kib\":{},\
         \"rss_peak_kib\":{peak},\"evicted_capacity\":{evicted},\
         \"ns_per_initiated_event\":{ns_initiated:.0},\"ns_per_event_whole_calls\":{ns_whole:.0},\
         \"samples\":[{}]}}",
        first,
        last,
        samples.join(",")
    );
}
