//! End to end against a real Prometheus: the exporter binary on loopback,
//! Prometheus scraping it with the shipped rules, the simulator driving
//! traffic. Then, through Prometheus' HTTP API: every rule evaluates, every
//! recording rule and dashboard expression returns data, the low-MOS alert
//! goes pending on degraded traffic, the scraped counts equal what the
//! simulator reports sending, and `promtool check metrics` has no complaint.
//!
//! Needs Debian's `prometheus` package (prometheus and promtool on PATH), so
//! it is ignored by a plain `cargo test`: `bash .ci/test` installs the
//! package and runs it with `cargo test --test prometheus_e2e -- --ignored`.
//! Without the tools it fails, naming the package, rather than passing.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const KEY: &str = "e2e-signing-key";
const SEED: &str = "20261127";
/// Not the job name of the shipped configuration: rules and dashboard must
/// not depend on it.
const JOB: &str = "callbacks-e2e";

/// Kills a child process when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("{name} not found on PATH: install Debian's prometheus package (bash .ci/test does)")
    })
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn get(&self, path_and_query: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert!(status.is_success(), "{path_and_query}: {status} {body}");
        assert_eq!(body["status"], "success", "{path_and_query}: {body}");
        body["data"].clone()
    }

    /// An instant query's result vector.
    async fn query(&self, expr: &str) -> Vec<Value> {
        let q = percent_encoding::utf8_percent_encode(expr, percent_encoding::NON_ALPHANUMERIC);
        let data = self.get(&format!("/api/v1/query?query={q}")).await;
        data["result"].as_array().cloned().unwrap_or_default()
    }

    async fn scalar(&self, expr: &str) -> Option<f64> {
        let result = self.query(expr).await;
        result
            .first()
            .map(|s| s["value"][1].as_str().unwrap().parse().unwrap())
    }
}

async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The dashboard's PromQL expressions, with Grafana's variables substituted
/// as a user's "All" selection would: `$job` becomes the one job Prometheus
/// scrapes the exporter under.
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
                        out.push((
                            panel["title"].as_str().unwrap_or("?").to_owned(),
                            expr.to_owned(),
                        ));
                    }
                }
                walk(&panel["panels"], out);
            }
        }
        walk(&dashboard["panels"], &mut out);
    }
    out.into_iter()
        .map(|(title, expr)| {
            let mut e = expr;
            for (var, value) in [
                ("${job}", JOB),
                ("$job", JOB),
                ("${status}", ".*"),
                ("$status", ".*"),
                ("${direction}", ".*"),
                ("$direction", ".*"),
                ("${__rate_interval}", "1m"),
                ("$__rate_interval", "1m"),
                ("${__interval}", "1m"),
                ("$__interval", "1m"),
                ("${__range}", "1m"),
                ("$__range", "1m"),
            ] {
                e = e.replace(var, value);
            }
            assert!(!e.contains('$'), "unsubstituted variable in {title}: {e}");
            (title, e)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs prometheus and promtool on PATH; bash .ci/test runs it"]
async fn prometheus_scrapes_rules_evaluate_and_dashboard_queries_return_data() {
    let prometheus = tool("prometheus");
    let promtool = tool("promtool");
    let dir = std::env::temp_dir().join(format!("swx-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The exporter, as users run it.
    let exporter_port = free_port();
    let exporter_addr = format!("127.0.0.1:{exporter_port}");
    let _exporter = Guard(
        Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
            .args([
                "--web.listen-address",
                &exporter_addr,
                "--signalwire.signing-key",
                KEY,
                "--log.level",
                "warn",
            ])
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    wait_for("the exporter", Duration::from_secs(20), || {
        let c = client.clone();
        let url = format!("http://{exporter_addr}/healthz");
        async move { c.get(url).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;

    // A real Prometheus with the shipped rules, scraping every second.
    let prom_port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {rules}/*.yml\nscrape_configs:\n  - job_name: {JOB}\n    static_configs:\n      - targets: ['{exporter_addr}']\n",
            rules = repo("prometheus/rules").display()
        ),
    )
    .unwrap();
    let _prometheus = Guard(
        Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    let api = Api {
        client: client.clone(),
        base: format!("http://127.0.0.1:{prom_port}"),
    };
    wait_for("Prometheus to be ready", Duration::from_secs(30), || {
        let c = client.clone();
        let url = format!("{}/-/ready", api.base);
        async move { c.get(url).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    // One scrape before traffic, so rates have a starting point.
    wait_for("the first scrape", Duration::from_secs(30), || async {
        api.scalar(&format!("up{{job=\"{JOB}\"}}")).await == Some(1.0)
    })
    .await;

    // Degraded traffic: a quarter of the answered calls sound poor.
    let sim = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args([
            "simulate",
            "--target",
            &format!("http://{exporter_addr}/status-callback"),
            "--signing-key",
            KEY,
            "--calls",
            "400",
            "--rate",
            "100",
            "--profile",
            "degraded",
            "--seed",
            SEED,
            "--log.level",
            "warn",
        ])
        .output()
        .unwrap();
    assert!(
        sim.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&sim.stderr)
    );
    let summary: Value =
        serde_json::from_slice(&sim.stdout).expect("simulate prints one JSON summary");
    let n = |key: &str| {
        summary[key]
            .as_f64()
            .unwrap_or_else(|| panic!("summary lacks {key}: {summary}"))
    };
    assert_eq!(n("non_2xx"), 0.0);
    assert_eq!(n("errors"), 0.0);
    let events: BTreeMap<String, f64> = summary["events"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect();
    let total_events: f64 = events.values().sum();

    // Prometheus has the scrape taken after the last callback.
    wait_for(
        "the scrape after the traffic",
        Duration::from_secs(30),
        || async { api.scalar("sum(signalwire_call_events_total)").await == Some(total_events) },
    )
    .await;

    // Scraped counts equal what the simulator sent.
    for (key, expected) in &events {
        let (status, direction) = key.split_once('/').unwrap();
        let got = api
            .scalar(&format!(
                "signalwire_call_events_total{{status=\"{status}\",direction=\"{direction}\"}}"
            ))
            .await;
        assert_eq!(got, Some(*expected), "{key}");
    }
    assert_eq!(
        api.scalar("sum(signalwire_audio_in_packets_total)").await,
        Some(n("audio_in_packets"))
    );
    assert_eq!(
        api.scalar("sum(signalwire_audio_in_skipped_packets_total)")
            .await,
        Some(n("audio_in_skipped_packets"))
    );
    assert_eq!(
        api.scalar("sum(signalwire_audio_in_mos_count)").await,
        Some(n("mos_observations"))
    );
    assert_eq!(
        api.scalar("sum(signalwire_audio_in_mos_bucket{le=\"3.5\"})")
            .await,
        Some(n("mos_at_or_below_3_5"))
    );
    assert_eq!(
        api.scalar("signalwire_exporter_webhooks_total{outcome=\"duplicate\"}")
            .await,
        Some(n("duplicates"))
    );
    assert_eq!(
        api.scalar("signalwire_exporter_webhooks_total{outcome=\"accepted\"}")
            .await,
        Some(n("deliveries") - n("duplicates"))
    );
    for (code, expected) in summary["sip_responses"].as_object().unwrap() {
        let got = api
            .scalar(&format!(
                "sum(signalwire_sip_responses_total{{code=\"{code}\"}})"
            ))
            .await;
        assert_eq!(got, Some(expected.as_f64().unwrap()), "SIP {code}");
    }

    // Every rule has been evaluated since the traffic, without error.
    let traffic_done = Instant::now();
    let rules = loop {
        let data = api.get("/api/v1/rules").await;
        let rules: Vec<Value> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap().clone())
            .collect();
        let unhealthy: Vec<&Value> = rules.iter().filter(|r| r["health"] != "ok").collect();
        if traffic_done.elapsed() > Duration::from_secs(3) && unhealthy.is_empty() {
            break rules;
        }
        assert!(
            traffic_done.elapsed() < Duration::from_secs(30),
            "rules not healthy: {unhealthy:#?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let alert_names: Vec<&str> = rules
        .iter()
        .filter(|r| r["type"] == "alerting")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for name in [
        "SignalWireLowMOS",
        "SignalWireHighPacketLoss",
        "SignalWireCallFailureRateHigh",
        "SignalWireWebhookRejections",
        "SignalWireExporterDown",
    ] {
        assert!(
            alert_names.contains(&name),
            "alert {name} missing: {alert_names:?}"
        );
    }
    let mut empty = Vec::new();
    for rule in &rules {
        assert_eq!(rule["health"], "ok", "{rule}");
        assert!(
            rule["lastError"].as_str().unwrap_or("").is_empty(),
            "{rule}"
        );
        if rule["type"] == "recording" {
            let name = rule["name"].as_str().unwrap();
            if api.query(name).await.is_empty() {
                empty.push(format!("recording rule {name}"));
            }
        }
    }

    // Degraded traffic puts the low-MOS alert into pending (its `for` keeps
    // it from firing within a test's time), and a healthy exporter is up.
    let alerts = api.get("/api/v1/alerts").await;
    let active: Vec<(String, String)> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap().to_owned(),
                a["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        active.iter().any(|(name, _)| name == "SignalWireLowMOS"),
        "active alerts: {active:?}"
    );
    assert!(
        !active
            .iter()
            .any(|(name, _)| name == "SignalWireExporterDown"
                || name == "SignalWireWebhookRejections"),
        "active alerts: {active:?}"
    );

    // Every dashboard query parses and returns data.
    let dashboard = dashboard_expressions();
    assert!(
        dashboard.len() >= 20,
        "only {} dashboard expressions",
        dashboard.len()
    );
    for (title, expr) in &dashboard {
        if api.query(expr).await.is_empty() {
            empty.push(format!("dashboard panel {title:?}: {expr}"));
        }
    }
    // The variables: the job found by the exporter's build info, then the
    // label values within it.
    let jobs = api
        .get("/api/v1/label/job/values?match[]=signalwire_exporter_build_info")
        .await;
    assert_eq!(jobs, serde_json::json!([JOB]), "variable job");
    for label in ["status", "direction"] {
        let values = api
            .get(&format!(
                "/api/v1/label/{label}/values?match[]=signalwire_call_events_total"
            ))
            .await;
        assert!(
            values.as_array().is_some_and(|v| v.len() >= 3),
            "variable {label}: {values}"
        );
    }
    assert!(
        empty.is_empty(),
        "queries without data:\n{}",
        empty.join("\n")
    );

    // promtool's linter on a real scrape.
    let scrape = client
        .get(format!("http://{exporter_addr}/metrics"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut check = Command::new(&promtool)
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

    let _ = std::fs::remove_dir_all(&dir);
}
