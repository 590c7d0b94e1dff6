//! Memory benchmark (issue "Performance", item 4), against a running exporter:
//!
//! 1. N accepted terminal events with N distinct CallSids (default 1,000,000):
//!    the exporter's resident memory is sampled every 10% — it must stay
//!    under 64 MiB and stop growing once the dedupe set is full;
//! 2. 100,000 signed events with random junk in CallStatus, Direction and
//!    SipResultCode: the number of series on /metrics must not change.
//!
//! ```text
//! cargo build --release --bin signalwire-exporter --example memory
//! target/release/signalwire-exporter --web.listen-address 127.0.0.1:19795 --signalwire.signing-key memkey &
//! target/release/examples/memory http://127.0.0.1:19795 memkey $! [events]
//! ```
//!
//! bench/run --memory does this. Prints one `MEMORY_JSON {...}` line.
//!
//! With `initiated` after the event count, every event is instead the
//! `initiated` of a new call that never ends: the worst case of per-call
//! state (issue 10), the call table full at its default capacity of 100,000
//! calls in progress plus as many forgotten ones.
//!
//! ```text
//! target/release/examples/memory http://127.0.0.1:19795 memkey $! 1000000 initiated
//! ```

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::SigningKey;

const CONCURRENCY: u64 = 16;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("exporter process");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn form(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(n, v)| {
            format!(
                "{n}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn event(i: u64, junk: Option<&mut SmallRng>, initiated: bool) -> Vec<(&'static str, String)> {
    let (status, direction, sip) = match junk {
        None => (
            if initiated { "initiated" } else { "completed" }.to_owned(),
            "inbound".to_owned(),
            "200".to_owned(),
        ),
        Some(rng) => {
            let mut word = |n: usize| {
                (0..n)
                    .map(|_| rng.gen_range(b'!'..=b'~') as char)
                    .collect::<String>()
            };
            (word(12), word(10), word(4))
        }
    };
    vec![
        ("AccountSid", "ACmemorybench".to_owned()),
        ("AudioInMediaPacketCount", "2829".to_owned()),
        ("AudioInMos", "4.4".to_owned()),
        ("AudioInSkipPacketCount", "3".to_owned()),
        ("AudioInJitterMaxVariance", "12.5".to_owned()),
        ("CallDuration", "57".to_owned()),
        ("CallSid", format!("CA{i:032x}")),
        ("CallStatus", status),
        ("Direction", direction),
        ("SequenceNumber", "3".to_owned()),
        ("SipResultCode", sip),
        ("Timestamp", "Fri, 27 Nov 2026 12:00:00 +0000".to_owned()),
    ]
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    key: &SigningKey,
    fields: &[(&'static str, String)],
) {
    let params: Params = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-signalwire-signature", key.sign_form(url, &params))
        .body(form(fields))
        .send()
        .await
        .expect("exporter answers");
    assert_eq!(
        response.status(),
        204,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

async fn series(client: &reqwest::Client, base: &str) -> usize {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty() && !l.starts_with("process_"))
        .count()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, key, pid, rest @ ..] = args.as_slice() else {
        eprintln!("usage: memory BASE_URL SIGNING_KEY EXPORTER_PID [EVENTS]");
        std::process::exit(2);
    };
    let pid: u32 = pid.parse().expect("pid");
    let events: u64 = rest
        .first()
        .map_or(1_000_000, |n| n.parse().expect("events"));
    let initiated = rest.get(1).is_some_and(|mode| mode == "initiated");
    let junk_events = 100_000.min(events);
    let url = Arc::new(format!("{base}/status-callback"));
    let key = SigningKey::new(key.as_str());
    let client = reqwest::Client::new();

    let start_rss = rss_kib(pid);
    let mut samples = vec![(0u64, start_rss)];
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    for checkpoint in 1..=10 {
        let until = events * checkpoint / 10;
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (client, url, key, next) = (
                    client.clone(),
                    Arc::clone(&url),
                    key.clone(),
                    Arc::clone(&next),
                );
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= until {
                            next.fetch_min(until, Ordering::Relaxed);
                            break;
                        }
                        send(&client, &url, &key, &event(i, None, initiated)).await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        next.store(until, Ordering::Relaxed);
        samples.push((until, rss_kib(pid)));
        eprintln!("{until} events: rss {} KiB", samples.last().unwrap().1);
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Junk lands on the closed `other` labels: the first junk event may
    // create the `other` series it needs, and no later one adds any.
    let series_before = series(&client, base).await;
    let mut rng = SmallRng::seed_from_u64(7);
    send(&client, &url, &key, &event(events, Some(&mut rng), false)).await;
    let series_after_first = series(&client, base).await;
    for i in 1..junk_events {
        let junk = event(events + i, Some(&mut rng), false);
        send(&client, &url, &key, &junk).await;
    }
    let series_after = series(&client, base).await;

    let peak = samples.iter().map(|s| s.1).max().unwrap();
    // After the dedupe set is full (its capacity is 10% of the default run).
    let after_full = samples[2].1;
    let last = samples.last().unwrap().1;
    let mode = if initiated { "initiated" } else { "completed" };
    println!(
        "MEMORY_JSON {{\"mode\":\"{mode}\",\"events\":{events},\"seconds\":{elapsed:.1},\"rss_start_kib\":{start_rss},\"rss_peak_kib\":{peak},\"rss_after_20pct_kib\":{after_full},\"rss_end_kib\":{last},\"samples\":[{}],\"junk_events\":{junk_events},\"series_before_junk\":{series_before},\"series_after_first_junk\":{series_after_first},\"series_after_junk\":{series_after}}}",
        samples.iter().map(|(n, r)| format!("[{n},{r}]")).collect::<Vec<_>>().join(",")
    );
}
