//! End to end against a real Prometheus: the exporter binary on loopback,
//! Prometheus scraping it with the shipped rules, the simulator driving
//! traffic. Then, through Prometheus' HTTP API: every rule evaluates, every
//! recording rule and dashboard expression returns data, the low-MOS and
//! silent-calls alerts go pending on degraded traffic, the scraped series (per-call ones
//! included) equal what the simulator reports sending, and `promtool check
//! metrics` has no complaint.
//!
//! A second exporter, scraped by the same Prometheus under a second job,
//! runs with a short `--calls.max-age` and gets traffic whose terminal
//! callbacks are partly lost: its lost calls count as unfinished, exactly as
//! the simulator predicts, and `SignalWireCallbacksMissing` goes pending for
//! that job only.
//!
//! Needs Debian's `prometheus` package (prometheus and promtool on PATH), so
//! it is ignored by a plain `cargo test`: `bash .ci/test` installs the
//! package and runs it with `cargo test --test api -- --ignored`.
//! Without the tools it fails, naming the package, rather than passing.
//! The figures it checks go to stderr, past the test harness' capture, so
//! CI logs show them.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    exclusive, free_port, label_key, repo, start_prometheus, tool, wait_for, wait_for_ok, Api,
    Guard,
};

const KEY: &str = "e2e-signing-key";
const SEED: &str = "20261127";
/// Not the job name of the shipped configuration: rules and dashboard must
/// not depend on it.
const JOB: &str = "callbacks-e2e";
/// The second exporter's job: terminal callbacks lost, a short max-age.
const LOST_JOB: &str = "callbacks-lost-e2e";
const LOST_SEED: &str = "20261129";
/// Short enough that the lost calls expire within the test, long enough
/// that no call of the back-to-back run (a few milliseconds each) ages out
/// before its terminal event.
const MAX_AGE: &str = "3s";

/// Counts keyed by label values joined with `/` (`le` normalised to a
/// float), zero counts left out.
type Counts = BTreeMap<String, f64>;

/// A figure for the CI log: straight to stderr, which the test harness does
/// not capture (only `print!` and `eprint!` are).
fn show(line: &str) {
    let _ = writeln!(std::io::stderr(), "prometheus_e2e: {line}");
}

/// The exporter binary, as users run it, on a free loopback port.
struct Exporter {
    _process: Guard,
    addr: String,
}

fn spawn_exporter(extra_args: &[&str]) -> Exporter {
    let addr = format!("127.0.0.1:{}", free_port());
    let process = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args([
            "--web.listen-address",
            &addr,
            "--signalwire.signing-key",
            KEY,
        ])
        .args(["--log.level", "warn"])
        .args(extra_args)
        .spawn()
        .unwrap();
    Exporter {
        _process: Guard(process),
        addr,
    }
}

/// Copies of the shipped rule files, their groups evaluated every second:
/// the mixin sets `interval: 1m` on each group, which would outlast the test.
fn shipped_rules_every_second(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("rules");
    std::fs::create_dir_all(&out).unwrap();
    for entry in std::fs::read_dir(repo("prometheus/rules")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\n  interval: 1m\n"), "{}", path.display());
        let fast = text.replace("\n  interval: 1m\n", "\n  interval: 1s\n");
        std::fs::write(out.join(path.file_name().unwrap()), fast).unwrap();
    }
    out
}

/// A real Prometheus with the shipped rules, scraping and evaluating every
/// second, one job per (name, exporter address).
async fn start_prometheus_for(
    dir: &Path,
    client: &reqwest::Client,
    jobs: &[(&str, &str)],
) -> (Guard, Api) {
    let rules = shipped_rules_every_second(dir);
    let mut config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}/*.yml\nscrape_configs:\n",
        rules.display()
    );
    for (job, addr) in jobs {
        config +=
            &format!("  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']\n");
    }
    let (process, api) = start_prometheus(dir, client, &config);
    api.ready().await;
    // One scrape of each job before traffic, so rates have a starting point.
    for (job, _) in jobs {
        wait_for("the first scrape", Duration::from_secs(30), || async {
            api.scalar(&format!("up{{job=\"{job}\"}}")).await == Some(1.0)
        })
        .await;
    }
    (process, api)
}

/// The simulator's one-line JSON summary.
struct Summary(Value);

impl Summary {
    fn n(&self, key: &str) -> f64 {
        self.0[key]
            .as_f64()
            .unwrap_or_else(|| panic!("summary lacks {key}: {}", self.0))
    }

    /// A map of counts (`events`, `quality_issues`, ...), zeros left out.
    fn counts(&self, key: &str) -> Counts {
        let map = self.0[key]
            .as_object()
            .unwrap_or_else(|| panic!("summary lacks {key}: {}", self.0));
        map.iter()
            .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
            .filter(|(_, v)| *v != 0.0)
            .collect()
    }

    /// A histogram map (`post_dial_delay`, `answer_delay`) by direction:
    /// its counts, its sums and its buckets keyed "direction/le".
    fn histogram(&self, key: &str) -> [Counts; 3] {
        let (mut count, mut sum, mut buckets) = (Counts::new(), Counts::new(), Counts::new());
        for (direction, h) in self.0[key].as_object().unwrap() {
            count.insert(direction.clone(), h["count"].as_f64().unwrap());
            sum.insert(direction.clone(), h["sum"].as_f64().unwrap());
            for (le, n) in h["buckets"].as_object().unwrap() {
                let key = format!("{direction}/{}", label_key("le", le));
                buckets.insert(key, n.as_f64().unwrap());
            }
        }
        [count, sum, buckets].map(|mut m| {
            m.retain(|_, v| *v != 0.0);
            m
        })
    }
}

fn spawn_simulation(exporter: &Exporter, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args(["simulate", "--target"])
        .arg(format!("http://{}/status-callback", exporter.addr))
        .args(["--signing-key", KEY, "--rate", "100", "--log.level", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn summary_of(simulation: Child, job: &str) -> Summary {
    let out = simulation.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "simulate for {job} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary =
        Summary(serde_json::from_slice(&out.stdout).expect("simulate prints one JSON summary"));
    assert_eq!(summary.n("non_2xx"), 0.0, "{job}");
    assert_eq!(summary.n("errors"), 0.0, "{job}");
    show(&format!(
        "{job}: simulated {} calls, {} deliveries, {} duplicates",
        summary.n("calls"),
        summary.n("deliveries"),
        summary.n("duplicates")
    ));
    summary
}

/// Asserts that Prometheus has exactly the summary's non-zero counts, and
/// shows them.
fn same(job: &str, what: &str, got: &Counts, expected: &Counts) {
    assert_eq!(
        got, expected,
        "{job}: {what}: scraped (left) vs simulator (right)"
    );
    show(&format!("{job}: {what}: {got:?}"));
}

/// Waits for the scrape that follows the last callback of `summary`.
async fn wait_for_scrape_of(api: &Api, job: &str, summary: &Summary) {
    let total: f64 = summary.counts("events").values().sum();
    let expr = format!("sum(signalwire_call_events_total{{job=\"{job}\"}})");
    wait_for(
        "the scrape after the traffic",
        Duration::from_secs(30),
        || async { api.scalar(&expr).await == Some(total) },
    )
    .await;
}

/// Events by status and direction, and SIP codes: series that each
/// callback feeds on its own.
async fn scraped_events_equal_the_summary(api: &Api, job: &str, summary: &Summary) {
    let events = api
        .by_labels(
            &format!("signalwire_call_events_total{{job=\"{job}\"}}"),
            &["status", "direction"],
        )
        .await;
    same(
        job,
        "events by status/direction",
        &events,
        &summary.counts("events"),
    );
    let sip = api
        .by_labels(
            &format!("sum by (code) (signalwire_sip_responses_total{{job=\"{job}\"}})"),
            &["code"],
        )
        .await;
    same(job, "SIP responses", &sip, &summary.counts("sip_responses"));
}

/// Audio packets, MOS and webhooks: totals over the job, as the summary
/// has them.
async fn scraped_totals_equal_the_summary(api: &Api, job: &str, summary: &Summary) {
    for (expr, key) in [
        (
            "sum(signalwire_audio_in_packets_total{J})",
            "audio_in_packets",
        ),
        (
            "sum(signalwire_audio_in_skipped_packets_total{J})",
            "audio_in_skipped_packets",
        ),
        ("sum(signalwire_audio_in_mos_count{J})", "mos_observations"),
        (
            "sum(signalwire_audio_in_mos_bucket{J,le=\"3.5\"})",
            "mos_at_or_below_3_5",
        ),
        (
            "signalwire_exporter_webhooks_total{J,outcome=\"duplicate\"}",
            "duplicates",
        ),
    ] {
        let expr = expr.replace('J', &format!("job=\"{job}\""));
        assert_eq!(
            api.scalar(&expr).await,
            Some(summary.n(key)),
            "{job}: {key}"
        );
        show(&format!("{job}: {key}: {}", summary.n(key)));
    }
    let accepted =
        format!("signalwire_exporter_webhooks_total{{job=\"{job}\",outcome=\"accepted\"}}");
    let expected = summary.n("deliveries") - summary.n("duplicates");
    assert_eq!(
        api.scalar(&accepted).await,
        Some(expected),
        "{job}: accepted webhooks"
    );
    show(&format!("{job}: accepted webhooks: {expected}"));
}

/// The per-call series: both delay histograms (count, sum, every bucket),
/// quality issues and calls with media, by direction.
async fn scraped_call_series_equal_the_summary(api: &Api, job: &str, summary: &Summary) {
    for (metric, key) in [
        ("signalwire_call_post_dial_delay_seconds", "post_dial_delay"),
        ("signalwire_call_answer_delay_seconds", "answer_delay"),
    ] {
        let [count, sum, buckets] = summary.histogram(key);
        let got = |part: &str, labels: &'static [&'static str]| {
            let expr = format!("{metric}_{part}{{job=\"{job}\"}}");
            async move { api.by_labels(&expr, labels).await }
        };
        same(
            job,
            &format!("{metric}_count"),
            &got("count", &["direction"]).await,
            &count,
        );
        same(
            job,
            &format!("{metric}_sum"),
            &got("sum", &["direction"]).await,
            &sum,
        );
        let got_buckets = got("bucket", &["direction", "le"]).await;
        same(job, &format!("{metric}_bucket"), &got_buckets, &buckets);
    }
    let issues = api
        .by_labels(
            &format!("signalwire_call_quality_issues_total{{job=\"{job}\"}}"),
            &["issue", "direction"],
        )
        .await;
    same(
        job,
        "quality issues by issue/direction",
        &issues,
        &summary.counts("quality_issues"),
    );
    let media = api
        .by_labels(
            &format!("signalwire_calls_with_media_total{{job=\"{job}\"}}"),
            &["direction"],
        )
        .await;
    same(
        job,
        "calls with media",
        &media,
        &summary.counts("calls_with_media"),
    );
    let silent = api
        .by_labels(
            &format!("signalwire_calls_silent_total{{job=\"{job}\"}}"),
            &["direction"],
        )
        .await;
    same(
        job,
        "silent calls",
        &silent,
        &summary.counts("silent_calls"),
    );
}

/// The normal run: calls in progress as predicted, none unfinished.
async fn no_call_is_left_unfinished(api: &Api, job: &str, summary: &Summary) {
    let active = api
        .by_labels(
            &format!("signalwire_calls_active{{job=\"{job}\"}}"),
            &["direction"],
        )
        .await;
    same(
        job,
        "calls active at the end",
        &active,
        &summary.counts("active_at_end"),
    );
    assert!(
        summary.counts("unfinished").is_empty(),
        "{job}: {}",
        summary.0
    );
    let unfinished = api
        .by_labels(
            &format!("signalwire_calls_unfinished_total{{job=\"{job}\"}}"),
            &["direction", "reason"],
        )
        .await;
    same(job, "unfinished calls", &unfinished, &Counts::new());
}

/// The lost run: once `--calls.max-age` has passed and a scrape happened,
/// every call whose terminal callback was lost is unfinished (`max_age`),
/// and none is active any more.
async fn lost_calls_become_unfinished(api: &Api, job: &str, summary: &Summary) {
    let expected = summary.counts("unfinished");
    let total: f64 = expected.values().sum();
    assert!(
        total > 0.0,
        "{job}: no call predicted unfinished: {}",
        summary.0
    );
    let expr = format!("sum(signalwire_calls_unfinished_total{{job=\"{job}\"}})");
    // At least the expected count, then an exact comparison: too many shows
    // as a mismatch, not as a time-out.
    wait_for(
        "the lost calls to expire",
        Duration::from_secs(30),
        || async { api.scalar(&expr).await.is_some_and(|n| n >= total) },
    )
    .await;
    let unfinished = api
        .by_labels(
            &format!("signalwire_calls_unfinished_total{{job=\"{job}\"}}"),
            &["direction", "reason"],
        )
        .await;
    let max_age: Counts = expected
        .iter()
        .map(|(direction, n)| (format!("{direction}/max_age"), *n))
        .collect();
    same(
        job,
        "unfinished calls by direction/reason",
        &unfinished,
        &max_age,
    );
    // The simulator's own account: its calls active at the end of the run
    // are the lost ones, which have expired since.
    let at_end = summary.counts("active_at_end");
    same(
        job,
        "calls active at the end of the run (simulator)",
        &at_end,
        &expected,
    );
    let active = api
        .by_labels(
            &format!("signalwire_calls_active{{job=\"{job}\"}}"),
            &["direction"],
        )
        .await;
    same(job, "calls active after max-age", &active, &Counts::new());
}

/// Every rule, once evaluated since the traffic without error.
async fn rules_are_healthy(api: &Api) -> Vec<Value> {
    let traffic_done = Instant::now();
    loop {
        let data = api.get("/api/v1/rules").await;
        let rules: Vec<Value> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap().clone())
            .collect();
        let unhealthy: Vec<&Value> = rules
            .iter()
            .filter(|r| r["health"] != "ok" || !r["lastError"].as_str().unwrap_or("").is_empty())
            .collect();
        if traffic_done.elapsed() > Duration::from_secs(3) && unhealthy.is_empty() {
            show(&format!("{} rules healthy", rules.len()));
            return rules;
        }
        assert!(
            traffic_done.elapsed() < Duration::from_secs(30),
            "rules not healthy: {unhealthy:#?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every recording rule has a value for `job` (each rule keeps the label).
async fn recording_rules_without_data(api: &Api, rules: &[Value], job: &str) -> Vec<String> {
    let mut empty = Vec::new();
    let mut recorded = 0;
    for rule in rules.iter().filter(|r| r["type"] == "recording") {
        let name = rule["name"].as_str().unwrap();
        recorded += 1;
        if api
            .query(&format!("{name}{{job=\"{job}\"}}"))
            .await
            .is_empty()
        {
            empty.push(format!("recording rule {name} for job {job}"));
        }
    }
    show(&format!("{job}: {recorded} recording rules queried"));
    empty
}

/// The alerts active now: (alertname, job, state).
async fn active_alerts(api: &Api) -> Vec<(String, String, String)> {
    let alerts = api.get("/api/v1/alerts").await;
    let label = |a: &Value, l: &str| a["labels"][l].as_str().unwrap_or("").to_owned();
    alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                label(a, "alertname"),
                label(a, "job"),
                a["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn is_active(alerts: &[(String, String, String)], name: &str, job: &str) -> bool {
    alerts.iter().any(|(n, j, _)| n == name && j == job)
}

/// The degraded profile's 8% of silent answered calls put
/// `SignalWireSilentCalls` of the normal job into pending (its `for: 10m`
/// keeps it from firing); the lost job's good traffic has no silent call.
async fn silent_calls_go_pending_for_the_degraded_job_only(api: &Api, summary: &Summary) {
    let silent: f64 = summary.counts("silent_calls").values().sum();
    assert!(silent > 0.0, "the degraded run sent no silent call");
    wait_for("SignalWireSilentCalls", Duration::from_secs(30), || async {
        is_active(&active_alerts(api).await, "SignalWireSilentCalls", JOB)
    })
    .await;
    for job in [JOB, LOST_JOB] {
        let ratio = api
            .scalar(&format!(
                "signalwire:calls_silent_ratio:rate30m{{job=\"{job}\"}}"
            ))
            .await;
        let volume = api
            .scalar(&format!(
                "signalwire:call_completed_events:increase30m{{job=\"{job}\"}}"
            ))
            .await;
        show(&format!(
            "{job}: silent share {ratio:?} of {volume:?} completed calls"
        ));
    }
    let alerts = active_alerts(api).await;
    let silent: Vec<_> = alerts
        .iter()
        .filter(|a| a.0 == "SignalWireSilentCalls")
        .collect();
    show(&format!(
        "SignalWireSilentCalls (name, job, state): {silent:?}"
    ));
    assert!(
        silent
            .iter()
            .all(|(_, job, state)| job == JOB && state == "pending"),
        "active alerts: {alerts:?}"
    );
}

/// Degraded traffic puts the low-MOS alert of the normal job into pending
/// (its `for` keeps it from firing within a test's time); no exporter or
/// webhook alert; no callbacks missing in the normal job.
async fn only_the_expected_alerts_are_active(api: &Api) {
    let alerts = active_alerts(api).await;
    show(&format!("active alerts (name, job, state): {alerts:?}"));
    assert!(
        is_active(&alerts, "SignalWireLowMOS", JOB),
        "active alerts: {alerts:?}"
    );
    for (name, _, _) in &alerts {
        assert!(
            name != "SignalWireExporterDown" && name != "SignalWireWebhookRejections",
            "active alerts: {alerts:?}"
        );
    }
    assert!(
        !is_active(&alerts, "SignalWireCallbacksMissing", JOB),
        "active alerts: {alerts:?}"
    );
}

/// Lost terminal callbacks put `SignalWireCallbacksMissing` of their job
/// into pending (its `for: 15m` keeps it from firing), and the normal job
/// stays quiet.
async fn callbacks_missing_goes_pending_for_the_lost_job_only(api: &Api) {
    wait_for(
        "SignalWireCallbacksMissing",
        Duration::from_secs(30),
        || async {
            is_active(
                &active_alerts(api).await,
                "SignalWireCallbacksMissing",
                LOST_JOB,
            )
        },
    )
    .await;
    for job in [LOST_JOB, JOB] {
        let ratio = api
            .scalar(&format!(
                "signalwire:calls_unfinished_max_age_ratio:rate1h{{job=\"{job}\"}}"
            ))
            .await;
        let volume = api
            .scalar(&format!(
                "signalwire:calls_ended_or_unfinished:increase1h{{job=\"{job}\"}}"
            ))
            .await;
        show(&format!(
            "{job}: unfinished share {ratio:?} of {volume:?} calls ended or unfinished"
        ));
    }
    let alerts = active_alerts(api).await;
    let missing: Vec<_> = alerts
        .iter()
        .filter(|a| a.0 == "SignalWireCallbacksMissing")
        .collect();
    show(&format!(
        "SignalWireCallbacksMissing (name, job, state): {missing:?}"
    ));
    assert!(
        !is_active(&alerts, "SignalWireCallbacksMissing", JOB),
        "active alerts: {alerts:?}"
    );
}

/// The dashboard's PromQL expressions, with Grafana's variables substituted
/// as a user's "All" selection would, with `$job` the normal job.
fn dashboard_expressions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo("dashboards")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let dashboard: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        fn walk(panels: &Value, out: &mut Vec<(String, String)>) {
            for panel in panels.as_array().into_iter().flatten() {
                for target in panel["targets"].as_array().into_iter().flatten() {
                    if let Some(expr) = target["expr"].as_str() {
                        let title = panel["title"].as_str().unwrap_or("?");
                        out.push((title.to_owned(), expr.to_owned()));
                    }
                }
                walk(&panel["panels"], out);
            }
        }
        walk(&dashboard["panels"], &mut out);
    }
    out.into_iter()
        .map(|(title, expr)| (title.clone(), substitute_variables(&title, expr)))
        .collect()
}

fn substitute_variables(title: &str, mut expr: String) -> String {
    for (var, value) in [
        ("${job}", JOB),
        ("$job", JOB),
        ("${status}", ".*"),
        ("$status", ".*"),
        ("${project}", ".*"),
        ("$project", ".*"),
        ("${direction}", ".*"),
        ("$direction", ".*"),
        ("${country}", ".*"),
        ("$country", ".*"),
        ("${__rate_interval}", "1m"),
        ("$__rate_interval", "1m"),
        ("${__interval}", "1m"),
        ("$__interval", "1m"),
        ("${__range}", "1m"),
        ("$__range", "1m"),
    ] {
        expr = expr.replace(var, value);
    }
    assert!(
        !expr.contains('$'),
        "unsubstituted variable in {title}: {expr}"
    );
    expr
}

/// Every dashboard query parses and returns data for the normal job.
async fn dashboard_queries_without_data(api: &Api) -> Vec<String> {
    let dashboard = dashboard_expressions();
    assert!(
        dashboard.len() >= 20,
        "only {} dashboard expressions",
        dashboard.len()
    );
    let mut empty = Vec::new();
    for (title, expr) in &dashboard {
        if api.query(expr).await.is_empty() {
            empty.push(format!("dashboard panel {title:?}: {expr}"));
        }
    }
    show(&format!(
        "{JOB}: {} dashboard expressions queried",
        dashboard.len()
    ));
    empty
}

/// The variables: the jobs found by the exporter's build info, then the
/// label values within the normal job.
async fn dashboard_variables_find_the_jobs_and_labels(api: &Api) {
    let jobs = api
        .get("/api/v1/label/job/values?match[]=signalwire_exporter_build_info")
        .await;
    let mut both = [JOB, LOST_JOB];
    both.sort_unstable();
    assert_eq!(jobs, serde_json::json!(both), "variable job");
    for label in ["status", "direction"] {
        let m = format!("signalwire_call_events_total{{job=\"{JOB}\"}}");
        let m = percent_encoding::utf8_percent_encode(&m, percent_encoding::NON_ALPHANUMERIC);
        let values = api
            .get(&format!("/api/v1/label/{label}/values?match[]={m}"))
            .await;
        assert!(
            values.as_array().is_some_and(|v| v.len() >= 3),
            "variable {label}: {values}"
        );
    }
}

/// promtool's linter on a real scrape.
async fn promtool_finds_nothing_to_complain_about(client: &reqwest::Client, exporter: &Exporter) {
    let url = format!("http://{}/metrics", exporter.addr);
    let scrape = client.get(url).send().await.unwrap().bytes().await.unwrap();
    let mut check = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(&scrape).unwrap();
    let out = check.wait_with_output().unwrap();
    let complaints = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && complaints.trim().is_empty(),
        "promtool check metrics: {complaints}"
    );
    show("promtool check metrics: clean");
}

/// The normal exporter, the one whose terminal callbacks get lost, and a
/// Prometheus scraping both (each once before traffic).
struct Setup {
    exporter: Exporter,
    lost: Exporter,
    _prometheus: Guard,
    api: Api,
}

async fn start_exporters_and_prometheus(dir: &Path, client: &reqwest::Client) -> Setup {
    // The normal job with the country breakdown, for the "Where" row.
    let exporter = spawn_exporter(&["--labels.country"]);
    let lost = spawn_exporter(&["--calls.max-age", MAX_AGE]);
    for e in [&exporter, &lost] {
        let url = format!("http://{}/healthz", e.addr);
        wait_for_ok(client, "the exporter", url).await;
    }
    let jobs = [
        (JOB, exporter.addr.as_str()),
        (LOST_JOB, lost.addr.as_str()),
    ];
    let (prometheus, api) = start_prometheus_for(dir, client, &jobs).await;
    Setup {
        exporter,
        lost,
        _prometheus: prometheus,
        api,
    }
}

/// Both runs at once. Degraded traffic: a quarter of the answered calls
/// sound poor. Lost: 30% of terminal callbacks never sent, 400 calls for the
/// alert's minimum volume (100 ended or unfinished).
fn simulate_both(setup: &Setup) -> (Summary, Summary) {
    let degraded = ["--calls", "400", "--profile", "degraded", "--seed", SEED];
    let lossy = [
        "--calls",
        "400",
        "--lose-terminal-ratio",
        "0.3",
        "--seed",
        LOST_SEED,
    ];
    let degraded = spawn_simulation(&setup.exporter, &degraded);
    let lossy = spawn_simulation(&setup.lost, &lossy);
    (summary_of(degraded, JOB), summary_of(lossy, LOST_JOB))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs prometheus and promtool on PATH; bash .ci/test runs it"]
async fn prometheus_sees_what_the_simulator_sent_and_rules_alerts_and_dashboard_work() {
    let _turn = exclusive().await;
    let started = Instant::now();
    tool("promtool");
    let dir = std::env::temp_dir().join(format!("swx-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let client = reqwest::Client::new();
    let setup = start_exporters_and_prometheus(&dir, &client).await;
    let api = &setup.api;
    let (summary, lost_summary) = simulate_both(&setup);

    wait_for_scrape_of(api, JOB, &summary).await;
    scraped_events_equal_the_summary(api, JOB, &summary).await;
    scraped_totals_equal_the_summary(api, JOB, &summary).await;
    scraped_call_series_equal_the_summary(api, JOB, &summary).await;
    no_call_is_left_unfinished(api, JOB, &summary).await;

    lost_calls_become_unfinished(api, LOST_JOB, &lost_summary).await;
    scraped_events_equal_the_summary(api, LOST_JOB, &lost_summary).await;
    scraped_totals_equal_the_summary(api, LOST_JOB, &lost_summary).await;
    scraped_call_series_equal_the_summary(api, LOST_JOB, &lost_summary).await;

    let rules = rules_are_healthy(api).await;
    let mut empty = recording_rules_without_data(api, &rules, JOB).await;
    only_the_expected_alerts_are_active(api).await;
    silent_calls_go_pending_for_the_degraded_job_only(api, &summary).await;
    empty.extend(dashboard_queries_without_data(api).await);
    dashboard_variables_find_the_jobs_and_labels(api).await;
    assert!(
        empty.is_empty(),
        "queries without data:\n{}",
        empty.join("\n")
    );

    callbacks_missing_goes_pending_for_the_lost_job_only(api).await;
    only_the_expected_alerts_are_active(api).await;
    promtool_finds_nothing_to_complain_about(&client, &setup.exporter).await;

    let _ = std::fs::remove_dir_all(&dir);
    show(&format!("done in {:.1} s", started.elapsed().as_secs_f64()));
}
