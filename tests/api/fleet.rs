//! A fleet behind HAProxy, with real processes on loopback: Debian's
//! `haproxy` running the shipped haproxy/haproxy.cfg in front of three
//! exporter replicas, a real Prometheus scraping each replica as its own
//! target, and the simulator sending through HAProxy.
//!
//! 1. Routed by CallSid, the fleet's sums through Prometheus equal the
//!    simulator's summary exactly, every replica gets a fair share, and GET
//!    and JSON callbacks are routed by CallSid too.
//! 2. Round robin, the same traffic: the figures of what breaks, printed.
//! 3. A replica SIGKILLed mid-run: HAProxy takes it out, its calls move to
//!    the others, and the fleet loses at most what it took in one scrape
//!    interval plus the deliveries in flight.
//!
//! Ignored by a plain `cargo test`; `bash .ci/test` installs haproxy and
//! prometheus and runs it. Each test takes `support::exclusive()` first, so they
//! run one at a time, as every heavy test does (they share two cores).

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    answers_200, exclusive, free_port, repo, start_prometheus, tool, value, wait_for, Api, Guard,
    Params, SigningKey,
};

const KEY: &str = "fleet-signing-key";
const SEED: &str = "20261129";
const JOB: &str = "fleet";
/// The simulator's default, and so the deliveries in flight at any moment.
const CONCURRENCY: f64 = 8.0;
/// Delivered by both the accepted and the duplicate outcome: a 2xx answer.
const ANSWERED: &str = r#"signalwire_exporter_webhooks_total{outcome=~"accepted|duplicate"}"#;
const ANSWERED_OUTCOMES: [&str; 2] = ["accepted", "duplicate"];

/// How the test's HAProxy routes: the shipped backend, or round robin.
#[derive(Clone, Copy, PartialEq)]
enum Routing {
    ByCallSid,
    RoundRobin,
}

/// A round-robin frontend and backend next to the shipped ones, logging and
/// reading CallSid alike, so that the only difference is the balancing.
const ROUND_ROBIN_CFG: &str = r#"
frontend round-robin
  bind "${SWX_RR_LISTEN}"
  log-format "%ci %b/%s %ST %HM %HP callsid=%[var(txn.callsid)]"
  default_backend round-robin

backend round-robin
  option http-buffer-request
  http-request set-var(txn.callsid) url_param(CallSid)
  http-request set-var(txn.callsid) req.body_param(CallSid) if !{ var(txn.callsid) -m found }
  balance roundrobin
  option httpchk GET /healthz
  default-server check inter 1s fall 2 rise 2 weight 100
  server replica-1 "${SWX_REPLICA_1}"
  server replica-2 "${SWX_REPLICA_2}"
  server replica-3 "${SWX_REPLICA_3}"
"#;

/// Three replicas, HAProxy in front, Prometheus scraping each replica.
struct Fleet {
    dir: PathBuf,
    client: reqwest::Client,
    replicas: Vec<(String, Option<Guard>)>,
    /// Where callbacks go, and the URL every replica verifies against.
    target: String,
    stats: String,
    api: Api,
    _haproxy: Guard,
    _prometheus: Guard,
}

impl Fleet {
    /// `flags` go to every replica.
    async fn start(name: &str, routing: Routing, scrape_interval: &str, flags: &[&str]) -> Fleet {
        let dir = std::env::temp_dir().join(format!("swx-fleet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let client = reqwest::Client::new();
        let (hash_port, rr_port, stats_port) = (free_port(), free_port(), free_port());
        let port = match routing {
            Routing::ByCallSid => hash_port,
            Routing::RoundRobin => rr_port,
        };
        let external = format!("http://127.0.0.1:{port}");
        let replicas: Vec<(String, Option<Guard>)> = (0..3)
            .map(|_| {
                let addr = format!("127.0.0.1:{}", free_port());
                let child = spawn_replica(&addr, &external, flags);
                (addr, Some(child))
            })
            .collect();
        for (addr, _) in &replicas {
            wait_for("a replica", Duration::from_secs(20), || {
                answers_200(&client, format!("http://{addr}/healthz"))
            })
            .await;
        }
        let addrs: Vec<&str> = replicas.iter().map(|(a, _)| a.as_str()).collect();
        let haproxy = spawn_haproxy(&dir, &addrs, [hash_port, rr_port, stats_port]);
        let stats = format!("http://127.0.0.1:{stats_port}/");
        let (prometheus, api) =
            start_prometheus(&dir, &client, &scrape_config(&addrs, scrape_interval));
        api.ready().await;
        let fleet = Fleet {
            dir,
            client,
            replicas,
            target: format!("{external}/status-callback"),
            stats,
            api,
            _haproxy: haproxy,
            _prometheus: prometheus,
        };
        fleet.wait_until_ready().await;
        fleet
    }

    /// Every replica UP in HAProxy and scraped once by Prometheus.
    async fn wait_until_ready(&self) {
        wait_for(
            "HAProxy to see 3 replicas up",
            Duration::from_secs(30),
            || async {
                let servers = haproxy_servers(&self.client, &self.stats).await;
                servers
                    .iter()
                    .filter(|(k, s)| k.starts_with("exporters/") && s.status == "UP")
                    .count()
                    == 3
            },
        )
        .await;
        wait_for("the first scrapes", Duration::from_secs(30), || async {
            self.api.sum(&format!("up{{job=\"{JOB}\"}}")).await == 3.0
        })
        .await;
    }

    fn haproxy_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_replica(addr: &str, external: &str, flags: &[&str]) -> Guard {
    let child = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args([
            "--web.listen-address",
            addr,
            "--signalwire.signing-key",
            KEY,
        ])
        .args(["--web.external-url", external, "--log.level", "warn"])
        .args(flags)
        .spawn()
        .unwrap();
    Guard(child)
}

/// The shipped configuration, plus the round-robin frontend, addresses from
/// the environment as the shipped file reads them.
fn spawn_haproxy(dir: &Path, replicas: &[&str], [hash, rr, stats]: [u16; 3]) -> Guard {
    let extra = dir.join("round-robin.cfg");
    std::fs::write(&extra, ROUND_ROBIN_CFG).unwrap();
    let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
    let child = Command::new(tool("haproxy"))
        .arg("-db")
        .arg("-f")
        .arg(repo("haproxy/haproxy.cfg"))
        .arg("-f")
        .arg(&extra)
        .env("SWX_LISTEN", format!("127.0.0.1:{hash}"))
        .env("SWX_RR_LISTEN", format!("127.0.0.1:{rr}"))
        .env("SWX_STATS_LISTEN", format!("127.0.0.1:{stats}"))
        .env("SWX_REPLICA_1", replicas[0])
        .env("SWX_REPLICA_2", replicas[1])
        .env("SWX_REPLICA_3", replicas[2])
        .stdout(log)
        .stderr(std::fs::File::create(dir.join("haproxy.err")).unwrap())
        .spawn()
        .unwrap();
    Guard(child)
}

/// Prometheus scraping each replica as its own target of one job.
fn scrape_config(replicas: &[&str], interval: &str) -> String {
    let targets: Vec<String> = replicas.iter().map(|a| format!("'{a}'")).collect();
    format!(
        "global:\n  scrape_interval: {interval}\nscrape_configs:\n  - job_name: {JOB}\n    \
         static_configs:\n      - targets: [{}]\n",
        targets.join(", ")
    )
}

/// One backend server's line of HAProxy's CSV statistics.
#[derive(Debug, Clone, PartialEq)]
struct Server {
    status: String,
    /// Requests sent to it (sessions), connection errors, retries and
    /// redispatches away from it.
    sessions: u64,
    failures: u64,
}

/// "backend/server" to its statistics.
async fn haproxy_servers(client: &reqwest::Client, stats: &str) -> BTreeMap<String, Server> {
    let Ok(response) = client.get(format!("{stats};csv")).send().await else {
        return BTreeMap::new();
    };
    let text = response.text().await.unwrap_or_default();
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or("")
        .trim_start_matches("# ")
        .split(',')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut out = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < header.len() || f[1] == "FRONTEND" || f[1] == "BACKEND" {
            continue;
        }
        let n = |name: &str| f[col(name)].parse::<u64>().unwrap_or(0);
        let server = Server {
            status: f[col("status")].to_owned(),
            sessions: n("stot"),
            failures: n("econ") + n("eresp") + n("wretr") + n("wredis"),
        };
        out.insert(format!("{}/{}", f[0], f[1]), server);
    }
    out
}

/// The simulator through HAProxy: back to back, retries and out-of-order
/// deliveries on. Its summary, whatever its exit code.
fn simulate(target: &str, calls: u32, rate: u32) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"));
    command
        .args([
            "simulate",
            "--target",
            target,
            "--signing-key",
            KEY,
            "--seed",
            SEED,
        ])
        .args(["--calls", &calls.to_string(), "--rate", &rate.to_string()])
        .args(["--pace", "back-to-back", "--profile", "degraded"])
        .args(["--duplicate-ratio", "0.05", "--out-of-order-ratio", "0.1"])
        .args(["--log.level", "error"])
        .stdout(Stdio::piped());
    command
}

fn summary_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("simulate prints one JSON summary")
}

fn n(summary: &Value, key: &str) -> f64 {
    summary[key]
        .as_f64()
        .unwrap_or_else(|| panic!("summary lacks {key}: {summary}"))
}

/// A summary map ("a/b" to a count), zeros left out, as Prometheus' sums are.
fn counts(map: &Value) -> BTreeMap<String, f64> {
    let entries = map.as_object().unwrap().iter();
    entries
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .filter(|(_, v)| *v != 0.0)
        .collect()
}

fn nonzero(map: BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    map.into_iter().filter(|(_, v)| *v != 0.0).collect()
}

/// CallSid to the replicas HAProxy sent its callbacks to, from its log.
fn routes(log: &str, frontend: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in log.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(server), Some(sid)) = (fields.get(1), line.split("callsid=").nth(1)) else {
            continue;
        };
        // A connection that carried no request logs "<BADREQ> callsid=-".
        if sid == "-" {
            continue;
        }
        if let Some(server) = server.strip_prefix(&format!("{frontend}/")) {
            out.entry(sid.to_owned())
                .or_default()
                .insert(server.to_owned());
        }
    }
    out
}

/// What Prometheus holds once it has scraped the last callback.
async fn settle(api: &Api, answered: f64) {
    wait_for(
        "the scrape after the traffic",
        Duration::from_secs(30),
        || async { api.sum(ANSWERED).await == answered },
    )
    .await;
}

/// A delay histogram of the summary as "direction/le" to its cumulative
/// count, plus "direction/count" and "direction/sum".
fn summary_histogram(h: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (direction, v) in h.as_object().unwrap() {
        for (le, count) in v["buckets"].as_object().unwrap() {
            out.insert(
                format!("{direction}/{}", le_key(le)),
                count.as_f64().unwrap(),
            );
        }
        out.insert(format!("{direction}/count"), n(v, "count"));
        out.insert(format!("{direction}/sum"), n(v, "sum"));
    }
    nonzero(out)
}

fn le_key(le: &str) -> String {
    format!("{:?}", le.parse::<f64>().unwrap())
}

async fn fleet_histogram(api: &Api, name: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (key, v) in api
        .by(&format!("{name}_bucket"), &["direction", "le"])
        .await
    {
        let (direction, le) = key.split_once('/').unwrap();
        out.insert(format!("{direction}/{}", le_key(le)), v);
    }
    for part in ["count", "sum"] {
        for (direction, v) in api.by(&format!("{name}_{part}"), &["direction"]).await {
            out.insert(format!("{direction}/{part}"), v);
        }
    }
    nonzero(out)
}

/// Fleet sums through Prometheus equal the summary, key by key.
async fn assert_fleet_equals_summary(api: &Api, summary: &Value) {
    let events = api
        .by("signalwire_call_events_total", &["status", "direction"])
        .await;
    assert_eq!(nonzero(events), counts(&summary["events"]), "events");
    let issues = api
        .by(
            "signalwire_call_quality_issues_total",
            &["issue", "direction"],
        )
        .await;
    assert_eq!(
        nonzero(issues),
        counts(&summary["quality_issues"]),
        "quality issues"
    );
    for (metric, key) in [
        ("signalwire_audio_in_packets_total", "audio_in_packets"),
        (
            "signalwire_audio_in_skipped_packets_total",
            "audio_in_skipped_packets",
        ),
        ("signalwire_audio_in_mos_count", "mos_observations"),
        (
            "signalwire_audio_in_mos_bucket{le=\"3.5\"}",
            "mos_at_or_below_3_5",
        ),
        (
            "signalwire_exporter_webhooks_total{outcome=\"duplicate\"}",
            "duplicates",
        ),
    ] {
        assert_eq!(api.sum(metric).await, n(summary, key), "{metric}");
    }
    for (metric, key) in [
        ("signalwire_call_post_dial_delay_seconds", "post_dial_delay"),
        ("signalwire_call_answer_delay_seconds", "answer_delay"),
    ] {
        let expected = summary_histogram(&summary[key]);
        assert_eq!(fleet_histogram(api, metric).await, expected, "{metric}");
    }
    assert_eq!(
        api.sum("signalwire_calls_active").await,
        0.0,
        "calls left active"
    );
    assert_eq!(
        api.sum("signalwire_calls_unfinished_total").await,
        0.0,
        "unfinished calls"
    );
}

/// Each replica's share of the callbacks, as Prometheus scraped them.
async fn shares(api: &Api) -> Vec<f64> {
    let by_instance = api.by(ANSWERED, &["instance"]).await;
    let total: f64 = by_instance.values().sum();
    by_instance.values().map(|v| v / total).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs haproxy and prometheus on PATH; bash .ci/test runs it"]
async fn routed_by_callsid_the_fleet_sums_to_exactly_what_the_simulator_sent() {
    let _turn = exclusive().await;
    let fleet = Fleet::start("hash", Routing::ByCallSid, "1s", &[]).await;
    let output = simulate(&fleet.target, 3000, 100_000).output().unwrap();
    let summary = summary_of(&output);
    assert!(output.status.success(), "simulate: {summary}");
    settle(&fleet.api, n(&summary, "deliveries")).await;
    assert_fleet_equals_summary(&fleet.api, &summary).await;

    let shares = shares(&fleet.api).await;
    println!(
        "fleet by CallSid: {} calls, {} deliveries, {} retries all suppressed; shares {:.1?} %",
        n(&summary, "calls"),
        n(&summary, "deliveries"),
        n(&summary, "duplicates"),
        shares.iter().map(|s| s * 100.0).collect::<Vec<_>>()
    );
    assert_eq!(shares.len(), 3, "{shares:?}");
    assert!(
        shares.iter().all(|s| *s >= 0.15),
        "uneven shares: {shares:?}"
    );
    let split = routes(&fleet.haproxy_log(), "exporters")
        .values()
        .filter(|s| s.len() > 1)
        .count();
    assert_eq!(split, 0, "calls split across replicas");

    get_and_json_callbacks_are_routed_by_callsid(&fleet).await;
}

/// One call's four events, answered after ringing, as name-value pairs.
fn own_call(sid: &str) -> Vec<Vec<(&'static str, String)>> {
    let at = |s: u32| format!("Sun, 29 Nov 2026 12:00:{s:02} +0000");
    let events = [
        ("initiated", 0),
        ("ringing", 2),
        ("in-progress", 5),
        ("completed", 30),
    ];
    let pairs = events.iter().enumerate().map(|(i, (status, second))| {
        vec![
            ("AccountSid", "AC-fleet".to_owned()),
            ("CallSid", sid.to_owned()),
            ("CallStatus", (*status).to_owned()),
            ("Direction", "inbound".to_owned()),
            ("Timestamp", at(*second)),
            ("SequenceNumber", i.to_string()),
        ]
    });
    pairs.collect()
}

/// Sends one event as JSON (CallSid in the body) or GET (in the query).
async fn send_own(fleet: &Fleet, pairs: &[(&str, String)], json: bool) {
    let key = SigningKey::new(KEY);
    let request = if json {
        let body = serde_json::to_vec(&pairs.iter().cloned().collect::<BTreeMap<_, _>>()).unwrap();
        let signature = key.sign_json(&fleet.target, &body);
        let request = fleet
            .client
            .post(&fleet.target)
            .header("content-type", "application/json");
        request
            .header("x-signalwire-signature", signature)
            .body(body)
    } else {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let url = format!("{}?{}", fleet.target, query.join("&"));
        let signature = key.sign_form(&url, &Params::default());
        fleet
            .client
            .get(url)
            .header("x-signalwire-signature", signature)
    };
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 204, "{:?}", response.text().await);
}

/// GET and JSON calls: every event of a call reaches one replica, so each
/// call's two delays are observed and none is left active.
async fn get_and_json_callbacks_are_routed_by_callsid(fleet: &Fleet) {
    let delays = "signalwire_call_post_dial_delay_seconds_count";
    let answers = "signalwire_call_answer_delay_seconds_count";
    let (pdd_before, answer_before) = (fleet.api.sum(delays).await, fleet.api.sum(answers).await);
    let sids: Vec<String> = (0..12).map(|i| format!("CAfleet{i:02}")).collect();
    send_own_calls(fleet, &sids, 0..4).await;
    let routes = routes(&fleet.haproxy_log(), "exporters");
    let servers: BTreeSet<&String> = sids.iter().flat_map(|s| &routes[s]).collect();
    for sid in &sids {
        assert_eq!(routes[sid].len(), 1, "{sid} went to {:?}", routes[sid]);
    }
    wait_for("the own calls' delays", Duration::from_secs(30), || async {
        fleet.api.sum(delays).await == pdd_before + 12.0
            && fleet.api.sum(answers).await == answer_before + 12.0
    })
    .await;
    assert_eq!(fleet.api.sum("signalwire_calls_active").await, 0.0);
    println!(
        "GET and JSON: 12 calls, 48 callbacks, each call on one replica, {} replicas used",
        servers.len()
    );
}

/// The summary's count of delays observed, both histograms, all directions.
fn summary_delays(summary: &Value) -> f64 {
    let count = |key: &str| -> f64 {
        summary[key]
            .as_object()
            .unwrap()
            .values()
            .map(|v| n(v, "count"))
            .sum()
    };
    count("post_dial_delay") + count("answer_delay")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs haproxy and prometheus on PATH; bash .ci/test runs it"]
async fn round_robin_counts_retries_twice_and_splits_calls() {
    let _turn = exclusive().await;
    // Calls left active age out 10 s after their first event: the run takes
    // less, and then the unfinished figure follows.
    let max_age = ["--calls.max-age", "10s"];
    let fleet = Fleet::start("rr", Routing::RoundRobin, "1s", &max_age).await;
    let output = simulate(&fleet.target, 3000, 100_000).output().unwrap();
    let summary = summary_of(&output);
    assert!(output.status.success(), "simulate: {summary}");
    settle(&fleet.api, n(&summary, "deliveries")).await;

    let sent: f64 = counts(&summary["events"]).values().sum();
    let counted = fleet.api.sum("signalwire_call_events_total").await;
    let delays = fleet
        .api
        .sum("signalwire_call_post_dial_delay_seconds_count")
        .await
        + fleet
            .api
            .sum("signalwire_call_answer_delay_seconds_count")
            .await;
    // On a slow machine the first calls may have aged out already.
    let active = fleet.api.sum("signalwire_calls_active").await
        + fleet.api.sum("signalwire_calls_unfinished_total").await;
    let routes = routes(&fleet.haproxy_log(), "round-robin");
    let split = routes.values().filter(|s| s.len() > 1).count();
    wait_for(
        "split calls to age out",
        Duration::from_secs(60),
        || async { fleet.api.sum("signalwire_calls_active").await == 0.0 },
    )
    .await;
    let unfinished = fleet.api.sum("signalwire_calls_unfinished_total").await;
    println!(
        "fleet round robin: {} calls, {sent} events sent once; {} counted ({} double-counted, \
         of {} retries); {split} of {} calls split across replicas; {active} call-table \
         entries left active, then {unfinished} unfinished; {} of {} delays lost",
        n(&summary, "calls"),
        counted,
        counted - sent,
        n(&summary, "duplicates"),
        routes.len(),
        summary_delays(&summary) - delays,
        summary_delays(&summary),
    );
    assert_eq!(
        routes.len() as f64,
        n(&summary, "calls"),
        "calls in HAProxy's log"
    );
    assert!(split > 0, "round robin split no call");
}

/// Callbacks a replica answered 2xx, from its own /metrics.
async fn answered_by(client: &reqwest::Client, addr: &str) -> f64 {
    let text = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    let text = text.text().await.unwrap();
    let wanted: Vec<String> = ANSWERED_OUTCOMES
        .iter()
        .map(|o| format!("signalwire_exporter_webhooks_total{{outcome=\"{o}\"}} "))
        .collect();
    let lines = text
        .lines()
        .filter_map(|l| wanted.iter().find_map(|w| l.strip_prefix(w)));
    lines.map(|v| v.parse::<f64>().unwrap()).sum()
}

/// The most a replica answered between two of its scrapes, from the raw
/// samples Prometheus holds.
async fn most_in_one_scrape(api: &Api, instance: &str) -> f64 {
    let selector = ANSWERED.replace('}', &format!(",instance=\"{instance}\"}}[10m]"));
    let mut by_time: BTreeMap<String, f64> = BTreeMap::new();
    for series in api.query(&selector).await {
        for sample in series["values"].as_array().unwrap() {
            *by_time.entry(sample[0].to_string()).or_default() += value(&sample[1]);
        }
    }
    let totals: Vec<f64> = by_time.into_values().collect();
    totals.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

/// What HAProxy did with the killed replica, seen every 50 ms until the
/// simulator is done: when it was marked DOWN and when the last connection
/// error, retry or request to it happened, both since the kill.
struct Takeover {
    down_after: Option<Duration>,
    last_attempt_after: Duration,
    survivors_requests: u64,
}

async fn watch_takeover(fleet: &Fleet, victim: &str, killed_at: Instant, sim: &Sim) -> Takeover {
    let sessions = |servers: &BTreeMap<String, Server>| -> u64 {
        let others = servers
            .iter()
            .filter(|(k, _)| k.starts_with("exporters/") && *k != victim);
        others.map(|(_, s)| s.sessions).sum()
    };
    let start = haproxy_servers(&fleet.client, &fleet.stats).await;
    let mut last = start[victim].clone();
    let mut takeover = Takeover {
        down_after: None,
        last_attempt_after: Duration::ZERO,
        survivors_requests: 0,
    };
    while !sim.is_finished() {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let servers = haproxy_servers(&fleet.client, &fleet.stats).await;
        let Some(now) = servers.get(victim) else {
            continue;
        };
        if (now.sessions, now.failures) != (last.sessions, last.failures) {
            takeover.last_attempt_after = killed_at.elapsed();
        }
        if now.status == "DOWN" && takeover.down_after.is_none() {
            takeover.down_after = Some(killed_at.elapsed());
        }
        takeover.survivors_requests = sessions(&servers) - sessions(&start);
        last = now.clone();
    }
    takeover
}

type Sim = tokio::task::JoinHandle<std::io::Result<std::process::Output>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs haproxy and prometheus on PATH; bash .ci/test runs it"]
async fn a_replica_killed_mid_run_costs_at_most_one_scrape_of_its_traffic() {
    let _turn = exclusive().await;
    let mut fleet = Fleet::start("kill", Routing::ByCallSid, "2s", &[]).await;
    let child = simulate(&fleet.target, 2500, 250).spawn().unwrap();
    let run_started = Instant::now();
    let sim: Sim = tokio::task::spawn_blocking(move || child.wait_with_output());
    tokio::time::sleep(Duration::from_secs(4)).await;
    let probes: Vec<String> = (0..30).map(|i| format!("CAprobe{i:02}")).collect();
    send_own_calls(&fleet, &probes, 0..2).await;

    let (victim_addr, victim) = (fleet.replicas[1].0.clone(), fleet.replicas[1].1.take());
    drop(victim); // SIGKILL, and reaped.
    let killed_at = Instant::now();
    let takeover = watch_takeover(&fleet, "exporters/replica-2", killed_at, &sim).await;
    let output = sim.await.unwrap().unwrap();
    send_own_calls(&fleet, &probes, 2..4).await;
    let summary = summary_of(&output);
    // The probes' four callbacks each were answered 204 (send_own asserts it).
    let answered_2xx = n(&summary, "deliveries") - n(&summary, "non_2xx") - n(&summary, "errors")
        + 4.0 * probes.len() as f64;

    let run = run_started.elapsed().as_secs() + 5;
    let (fleet_total, increase) = counted_by_fleet(&fleet, &victim_addr, run).await;
    let gap = answered_2xx - fleet_total;
    let one_scrape = most_in_one_scrape(&fleet.api, &victim_addr).await;
    println!(
        "fleet kill: 2xx answers {answered_2xx} (simulator and probes), simulator failed {} + {} \
         errors; fleet counted \
         {fleet_total} (increase() over {run}s says {increase:.0}); gap {gap}, bound {} \
         (replica's most in one 2 s scrape {one_scrape} + {CONCURRENCY} in flight); DOWN after \
         {:.2?} (bound inter 1 s x fall 2 + 1 s = 3 s); last attempt on it after {:.2?}; \
         survivors took {} requests after the kill",
        n(&summary, "non_2xx"),
        n(&summary, "errors"),
        one_scrape + CONCURRENCY,
        takeover.down_after.unwrap_or_default(),
        takeover.last_attempt_after,
        takeover.survivors_requests,
    );
    only_the_killed_replicas_calls_moved(&fleet, &probes);
    assert!(
        takeover.down_after.is_some(),
        "HAProxy never marked the replica DOWN"
    );
    assert!(
        takeover.survivors_requests > 0,
        "no traffic moved to the survivors"
    );
    assert!(gap <= one_scrape + CONCURRENCY, "gap {gap} over the bound");
    assert!(
        gap >= -CONCURRENCY,
        "the fleet counted {gap} more than the simulator"
    );
}

async fn settle_on(api: &Api, expr: &str, expected: f64) {
    wait_for(
        "the survivors' last scrape",
        Duration::from_secs(30),
        || async { api.sum(expr).await == expected },
    )
    .await;
}

/// Events `events` (of initiated, ringing, in-progress, completed) of each
/// call, as JSON and GET in turn.
async fn send_own_calls(fleet: &Fleet, sids: &[String], events: std::ops::Range<usize>) {
    for (i, sid) in sids.iter().enumerate() {
        for pairs in &own_call(sid)[events.clone()] {
            send_own(fleet, pairs, i % 2 == 0).await;
        }
    }
}

/// Calls that began before the kill and ended after it: those on replica-2
/// moved, every other one stayed where it was (consistent hashing).
fn only_the_killed_replicas_calls_moved(fleet: &Fleet, probes: &[String]) {
    let routes = routes(&fleet.haproxy_log(), "exporters");
    let mut moved = 0;
    for sid in probes {
        let servers = &routes[sid];
        if servers.contains("replica-2") {
            assert_eq!(servers.len(), 2, "{sid} on {servers:?}");
            moved += 1;
        } else {
            assert_eq!(servers.len(), 1, "{sid} on {servers:?}");
        }
    }
    println!(
        "fleet kill: of {} calls spanning the kill, {moved} were on replica-2 and moved, \
         the rest stayed",
        probes.len()
    );
    assert!(moved > 0 && moved < probes.len(), "probes all on one side");
}

/// What the fleet counted, 2xx answers: the survivors' final counts and the
/// killed replica's last scrape (every replica started at 0); and, for
/// comparison, Prometheus' `increase()` over the run, which extrapolates.
async fn counted_by_fleet(fleet: &Fleet, victim_addr: &str, run: u64) -> (f64, f64) {
    let mut survivors = 0.0;
    for (addr, _) in fleet.replicas.iter().filter(|(_, g)| g.is_some()) {
        survivors += answered_by(&fleet.client, addr).await;
    }
    let others = ANSWERED.replace('}', &format!(",instance!=\"{victim_addr}\"}}"));
    settle_on(&fleet.api, &others, survivors).await;
    let mine = ANSWERED.replace('}', &format!(",instance=\"{victim_addr}\"}}"));
    let victim_scraped = fleet.api.sum(&format!("max_over_time({mine}[10m])")).await;
    let increase = fleet
        .api
        .sum(&format!("increase({ANSWERED}[{run}s])"))
        .await;
    (survivors + victim_scraped, increase)
}
