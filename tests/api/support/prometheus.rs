//! A real Prometheus on loopback, started from a configuration the test
//! writes, and a client of its HTTP API.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::process::{free_port, tool, Guard};

/// Prometheus running `config` (YAML) from `dir`, its TSDB and log in
/// `dir` too; not yet ready when this returns (see [`Api::ready`]).
pub fn start_prometheus(dir: &Path, client: &reqwest::Client, config: &str) -> (Guard, Api) {
    let port = free_port();
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, config).unwrap();
    let child = Command::new(tool("prometheus"))
        .arg(format!("--config.file={}", path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
        .spawn()
        .unwrap();
    let api = Api {
        client: client.clone(),
        base: format!("http://127.0.0.1:{port}"),
    };
    (Guard(child), api)
}

/// Polls `check` every 100 ms until it holds; fails the test naming `what`
/// after `timeout`.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn answers_200(client: &reqwest::Client, url: String) -> bool {
    client
        .get(url)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

/// Waits (30 s at most) until `url` answers 200.
pub async fn wait_for_ok(client: &reqwest::Client, what: &str, url: String) {
    wait_for(what, Duration::from_secs(30), || {
        answers_200(client, url.clone())
    })
    .await;
}

/// A sample's value, which Prometheus' API sends as text.
pub fn value(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

/// `le` values compared as numbers: "1", "1.0" and "+Inf"/"inf" alike.
pub fn label_key(label: &str, value: &str) -> String {
    match (label, value.parse::<f64>()) {
        ("le", Ok(le)) => le.to_string(),
        _ => value.to_owned(),
    }
}

/// Prometheus' HTTP API.
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

impl Api {
    /// Waits (30 s at most) until Prometheus says it is ready.
    pub async fn ready(&self) {
        let url = format!("{}/-/ready", self.base);
        wait_for_ok(&self.client, "Prometheus to be ready", url).await;
    }

    /// The `data` of a successful answer to `path_and_query`.
    pub async fn get(&self, path_and_query: &str) -> Value {
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
    pub async fn query(&self, expr: &str) -> Vec<Value> {
        let q = percent_encoding::utf8_percent_encode(expr, percent_encoding::NON_ALPHANUMERIC);
        let data = self.get(&format!("/api/v1/query?query={q}")).await;
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// The first sample's value of `expr`, if it has one.
    pub async fn scalar(&self, expr: &str) -> Option<f64> {
        let result = self.query(expr).await;
        result.first().map(|s| value(&s["value"][1]))
    }

    /// The sum of an instant vector; 0 when it is empty.
    pub async fn sum(&self, expr: &str) -> f64 {
        let result = self.query(&format!("sum({expr})")).await;
        result.first().map_or(0.0, |s| value(&s["value"][1]))
    }

    /// `sum by (labels)` as a map keyed by the label values joined with '/'.
    pub async fn by(&self, expr: &str, labels: &[&str]) -> BTreeMap<String, f64> {
        let by = labels.join(", ");
        let result = self.query(&format!("sum by ({by}) ({expr})")).await;
        let key = |s: &Value| {
            let parts: Vec<&str> = labels
                .iter()
                .map(|l| s["metric"][*l].as_str().unwrap())
                .collect();
            parts.join("/")
        };
        result
            .iter()
            .map(|s| (key(s), value(&s["value"][1])))
            .collect()
    }

    /// The non-zero values of `expr`, keyed by the values of `labels`
    /// joined with '/' (`le` normalised to a float).
    pub async fn by_labels(&self, expr: &str, labels: &[&str]) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for series in self.query(expr).await {
            let key: Vec<String> = labels
                .iter()
                .map(|l| label_key(l, series["metric"][*l].as_str().unwrap_or("")))
                .collect();
            *out.entry(key.join("/")).or_default() += value(&series["value"][1]);
        }
        out.retain(|_, v| *v != 0.0);
        out
    }
}
