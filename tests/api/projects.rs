//! Projects with their own keys (`--signalwire.projects-file`): which key
//! a callback needs, the `project` label, `/calls`, and reloads by `POST
//! /-/reload` and by SIGHUP; the start errors' exact lines.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

const PROD_SID: &str = "9b2c6e0a-prod";
const STAGING_SID: &str = "4f1d77aa-staging";
const PROD_KEY: &str = "PSK_prod";
const STAGING_KEY: &str = "PSK_staging";
const EVENTS: &str = "signalwire_call_events_total";
const RELOAD_OK: &str = "signalwire_exporter_config_last_reload_successful";
const RELOAD_AT: &str = "signalwire_exporter_config_last_reload_success_timestamp_seconds";

/// A directory of a projects file and its key files, removed at the end.
struct Files(PathBuf);

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Files {
    /// production (absolute key path) and staging (relative key path).
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("swx-proj-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = Files(dir);
        files.write("prod-key", &format!("# production\n{PROD_KEY}\n"));
        files.write("staging-key", &format!("{STAGING_KEY}\n"));
        files.write_projects(&[
            (
                "production",
                PROD_SID,
                &files.path("prod-key").display().to_string(),
            ),
            ("staging", STAGING_SID, "staging-key"),
        ]);
        files
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn write_projects(&self, entries: &[(&str, &str, &str)]) {
        let mut yaml = String::from("projects:\n");
        for (name, sid, key_file) in entries {
            yaml += &format!(
                "  - name: {name}\n    account_sid: {sid}\n    signing_key_files: [{key_file}]\n"
            );
        }
        self.write("projects.yml", &yaml);
    }

    fn projects(&self) -> PathBuf {
        self.path("projects.yml")
    }

    /// Settings with this projects file and the global keys `global`.
    fn settings(&self, global: &[&str]) -> Settings {
        let mut s = Settings::local(global.iter().map(|k| SigningKey::new(*k)).collect());
        s.key_sources.projects_file = Some(self.projects());
        s.projects = Some(project_keys::load(&self.projects()).expect("a valid projects file"));
        s
    }
}

fn of(account: &str, sid: &str) -> Callback {
    Callback::completed(sid).with("AccountSid", account)
}

async fn post_with(app: &TestApp, key: &str, wire: Wire, callback: &Callback) -> u16 {
    let signed = Signed::callback(&SigningKey::new(key), &app.webhook(), wire, callback);
    app.send(&signed).await.status().as_u16()
}

fn labels(project: &str) -> Vec<(&str, &str)> {
    vec![
        ("project", project),
        ("direction", "inbound"),
        ("status", "completed"),
    ]
}

#[tokio::test]
async fn a_listed_project_takes_only_its_own_keys_and_unlisted_accounts_the_global_ones() {
    let files = Files::new("keys");
    let app = TestApp::spawn_with(files.settings(&[KEY])).await;
    for wire in [Wire::Form, Wire::Json, Wire::Get] {
        let n = format!("{wire:?}");
        let own = post_with(&app, PROD_KEY, wire, &of(PROD_SID, &format!("CA-own-{n}"))).await;
        assert_eq!(own, 204, "{wire:?}");
        let staging_key = of(PROD_SID, &format!("CA-x-{n}"));
        assert_eq!(post_with(&app, STAGING_KEY, wire, &staging_key).await, 403);
        assert_eq!(
            post_with(&app, KEY, wire, &staging_key).await,
            403,
            "global key"
        );
        let unlisted = of("AC-unlisted", &format!("CA-u-{n}"));
        assert_eq!(post_with(&app, KEY, wire, &unlisted).await, 204);
        let unlisted = of("AC-unlisted", &format!("CA-u2-{n}"));
        assert_eq!(post_with(&app, PROD_KEY, wire, &unlisted).await, 403);
    }
    let m = app.metrics().await;
    m.check(&[
        (EVENTS, &labels("production"), 3.0),
        (EVENTS, &labels("other"), 3.0),
        (EVENTS, &labels("staging"), 0.0),
        ("signalwire_audio_in_mos_sum", &labels("production"), 13.5),
    ]);
    assert_eq!(m.outcome("invalid_signature"), 9.0);
    assert_eq!(m.outcome("accepted"), 6.0);
}

#[tokio::test]
async fn without_global_keys_an_unlisted_account_gets_403_and_a_forged_json_body_is_never_recorded()
{
    let files = Files::new("noglobal");
    let app = TestApp::spawn_with(files.settings(&[])).await;
    assert_eq!(
        post_with(&app, KEY, Wire::Form, &of("AC-unlisted", "CA1")).await,
        403
    );
    assert_eq!(
        post_with(&app, PROD_KEY, Wire::Form, &of("AC-unlisted", "CA2")).await,
        403
    );
    assert_eq!(
        post_with(&app, STAGING_KEY, Wire::Form, &of(STAGING_SID, "CA3")).await,
        204
    );
    // Signed by staging but claiming production: refused, counted nowhere.
    let body = of(PROD_SID, "CA4").json();
    let forged = Signed::json(&SigningKey::new(STAGING_KEY), &app.webhook(), body);
    assert_eq!(app.send(&forged).await.status(), 403);
    let unparseable = Signed::json(&SigningKey::new(PROD_KEY), &app.webhook(), "{not json");
    assert_eq!(app.send(&unparseable).await.status(), 403);
    let m = app.metrics().await;
    assert_eq!(m.value(EVENTS, &labels("staging")), 1.0);
    assert_eq!(m.value(EVENTS, &labels("production")), 0.0);
    assert_eq!(
        m.get(EVENTS, &labels("other")),
        None,
        "other appears on first use"
    );
    assert_eq!(m.outcome("invalid_signature"), 4.0);
}

#[tokio::test]
async fn every_call_family_carries_the_project_and_listed_ones_start_at_zero() {
    let files = Files::new("labels");
    let app = TestApp::spawn_with(files.settings(&[KEY])).await;
    let m = app.metrics().await;
    let inbound = |p| vec![("project", p), ("direction", "inbound")];
    m.check(&[
        (EVENTS, &labels("staging"), 0.0),
        ("signalwire_calls_active", &inbound("production"), 0.0),
        (
            "signalwire_calls_with_media_total",
            &inbound("staging"),
            0.0,
        ),
        (
            "signalwire_call_answer_delay_seconds_count",
            &inbound("production"),
            0.0,
        ),
    ]);
    assert_eq!(m.series_count("signalwire_call_events_total"), 2 * 10 * 3);
    let ringing = of(PROD_SID, "CA-live").with("CallStatus", "ringing");
    assert_eq!(post_with(&app, PROD_KEY, Wire::Form, &ringing).await, 204);
    let m = app.metrics().await;
    m.check(&[
        ("signalwire_calls_active", &inbound("production"), 1.0),
        ("signalwire_calls_active", &inbound("staging"), 0.0),
    ]);
    // The exporter's own families keep their labels.
    let own = m.samples("signalwire_exporter_webhooks_total");
    assert!(own.into_iter().all(|s| !s.labels.contains_key("project")));
    for family in [
        "signalwire_call_events_total",
        "signalwire_audio_in_mos_bucket",
    ] {
        let all = m.samples(family);
        assert!(
            all.into_iter().all(|s| s.labels.contains_key("project")),
            "{family}"
        );
    }
}

#[tokio::test]
async fn without_a_projects_file_no_series_has_a_project_label_and_calls_show_null() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_form(&Callback::completed("CA1").with("CallStatus", "failed"))
            .await
            .status(),
        204
    );
    let m = app.metrics().await;
    assert!(m.all().all(|s| !s.labels.contains_key("project")));
    assert_eq!(m.value(RELOAD_OK, &[]), 1.0);
    let calls = app.client.get(app.url("/calls")).send().await.unwrap();
    let calls: serde_json::Value = serde_json::from_str(&calls.text().await.unwrap()).unwrap();
    assert_eq!(calls["calls"][0]["project"], serde_json::Value::Null);
}

#[tokio::test]
async fn calls_entries_name_their_project_and_filter_by_it() {
    let files = Files::new("calls");
    let app = TestApp::spawn_with(files.settings(&[KEY])).await;
    let failed = |account, sid| of(account, sid).with("CallStatus", "failed");
    assert_eq!(
        post_with(&app, PROD_KEY, Wire::Form, &failed(PROD_SID, "CA1")).await,
        204
    );
    assert_eq!(
        post_with(&app, KEY, Wire::Form, &failed("AC-x", "CA2")).await,
        204
    );
    let get = |q: &'static str| {
        let url = app.url(&format!("/calls{q}"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let sids = |text: String| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["call_sid"].as_str().unwrap().to_owned(),
                    c["project"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let all = sids(get("").await.text().await.unwrap());
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(all, [pair("CA2", "other"), pair("CA1", "production")]);
    let prod = sids(get("?project=production").await.text().await.unwrap());
    assert_eq!(prod, [pair("CA1", "production")]);
    let none = sids(get("?project=staging").await.text().await.unwrap());
    assert!(none.is_empty());
    let bad = get("?project=Prod").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.text().await.unwrap(),
        "project=\"Prod\" is not a project name (1 to 32 of a-z, 0-9, _ and -)\n"
    );
}

async fn reload(app: &TestApp) -> (u16, String) {
    let r = app.client.post(app.url("/-/reload")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_reload_rotates_keys_adds_projects_and_a_bad_file_keeps_the_old_configuration() {
    let files = Files::new("reload");
    let app = TestApp::spawn_with(files.settings(&[])).await;
    assert_eq!(
        post_with(&app, PROD_KEY, Wire::Form, &of(PROD_SID, "CA1")).await,
        204
    );
    let started_at = app.metrics().await.value(RELOAD_AT, &[]);

    // A rotated key: the new one and the old one while SignalWire switches.
    files.write("prod-key", "PSK_prod_new\nPSK_prod\n");
    let qa_key = files.path("qa-key").display().to_string();
    files.write("qa-key", "PSK_qa\n");
    let prod_key = files.path("prod-key").display().to_string();
    files.write_projects(&[
        ("production", PROD_SID, &prod_key),
        ("staging", STAGING_SID, "staging-key"),
        ("qa", "AC-qa", &qa_key),
    ]);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(reload(&app).await, (200, String::new()));
    assert_eq!(
        post_with(&app, "PSK_prod_new", Wire::Form, &of(PROD_SID, "CA2")).await,
        204
    );
    assert_eq!(
        post_with(&app, "PSK_qa", Wire::Form, &of("AC-qa", "CA3")).await,
        204
    );
    let m = app.metrics().await;
    assert_eq!(
        m.value(EVENTS, &labels("production")),
        2.0,
        "counters survive"
    );
    assert_eq!(m.value(EVENTS, &labels("qa")), 1.0);
    let qa_failed = [
        ("project", "qa"),
        ("direction", "outbound-api"),
        ("status", "failed"),
    ];
    assert_eq!(
        m.value(EVENTS, &qa_failed),
        0.0,
        "a new project's series start at 0"
    );
    assert_eq!(m.value(RELOAD_OK, &[]), 1.0);
    assert!(m.value(RELOAD_AT, &[]) > started_at);

    // The old key removed; then a broken file: refused, the keys in force stay.
    files.write("prod-key", "PSK_prod_new\n");
    assert_eq!(reload(&app).await.0, 200);
    assert_eq!(
        post_with(&app, PROD_KEY, Wire::Form, &of(PROD_SID, "CA4")).await,
        403
    );
    let good_at = app.metrics().await.value(RELOAD_AT, &[]);
    files.write(
        "projects.yml",
        &format!(
        "projects:\n  - name: production\n    account_sid: {PROD_SID}\n    signing_key_files: []\n"
    ),
    );
    let (status, reason) = reload(&app).await;
    assert_eq!(status, 500);
    let file = files.projects().display().to_string();
    assert_eq!(
        reason,
        format!(
            "--signalwire.projects-file {file}: projects[0] \"production\": no \
                 signing_key_files: a project needs at least one key\n"
        )
    );
    assert_eq!(
        post_with(&app, "PSK_prod_new", Wire::Form, &of(PROD_SID, "CA5")).await,
        204
    );
    assert_eq!(
        post_with(&app, "PSK_qa", Wire::Form, &of("AC-qa", "CA6")).await,
        204
    );
    let m = app.metrics().await;
    assert_eq!(
        (m.value(RELOAD_OK, &[]), m.value(RELOAD_AT, &[])),
        (0.0, good_at)
    );

    // A removed project keeps its series; its account falls to other.
    files.write_projects(&[("production", PROD_SID, &prod_key)]);
    assert_eq!(reload(&app).await.0, 200);
    assert_eq!(
        post_with(&app, "PSK_qa", Wire::Form, &of("AC-qa", "CA7")).await,
        403
    );
    let m = app.metrics().await;
    assert_eq!(m.value(EVENTS, &labels("qa")), 2.0);
    assert_eq!(m.value(RELOAD_OK, &[]), 1.0);
}

#[tokio::test]
async fn the_reload_endpoint_is_behind_the_metrics_authentication() {
    let files = Files::new("auth");
    let mut settings = files.settings(&[KEY]);
    settings.metrics_auth = MetricsAuth {
        bearer: Some("s3cret".into()),
        ..MetricsAuth::default()
    };
    let app = TestApp::spawn_with(settings).await;
    assert_eq!(reload(&app).await.0, 401);
    let r = app
        .client
        .post(app.url("/-/reload"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let get = app
        .client
        .get(app.url("/-/reload"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn sighup_reloads_the_real_binary_and_a_bad_file_is_logged_naming_it() {
    let files = Files::new("sighup");
    let projects = files.projects().display().to_string();
    let exporter = Exporter::start(KEY, None, &["--signalwire.projects-file", &projects]).await;
    let client = reqwest::Client::new();
    let webhook = exporter.url("/status-callback");
    let send = |key: &str, sid: &str| {
        let signed = Signed::form(&SigningKey::new(key), &webhook, of(PROD_SID, sid).form());
        let client = client.clone();
        async move { signed.send(&client).await.status().as_u16() }
    };
    assert_eq!(send(PROD_KEY, "CA1").await, 204);
    files.write("prod-key", "PSK_rotated\n");
    let hup = || {
        let status = Command::new("kill")
            .arg("-HUP")
            .arg(exporter.pid().to_string())
            .status();
        assert!(status.unwrap().success());
    };
    hup();
    let mut rotated = false;
    for i in 0..100 {
        if send("PSK_rotated", &format!("CA-r{i}")).await == 204 {
            rotated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rotated, "{}", exporter.log());
    assert_eq!(send(PROD_KEY, "CA2").await, 403);

    files.write("projects.yml", "projects: [");
    hup();
    let metrics = exporter.url("/metrics");
    let mut failed = false;
    for _ in 0..100 {
        let m = scrape(&client, &metrics).await;
        if m.value(RELOAD_OK, &[]) == 0.0 {
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed, "{}", exporter.log());
    let log = exporter.log();
    let line = log
        .lines()
        .find(|l| l.contains("reload failed"))
        .unwrap_or_default();
    assert!(
        line.contains(&format!("--signalwire.projects-file {projects}: ")),
        "{log}"
    );
    assert_eq!(send("PSK_rotated", "CA3").await, 204, "the old keys stay");
    assert_eq!(
        scrape(&client, &metrics)
            .await
            .value(EVENTS, &labels("production")),
        3.0,
        "CA1, the first rotated one and CA3"
    );
}

/// The binary's exit code and stderr for `args` (no environment).
fn start(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args(["--web.listen-address=127.0.0.1:0"])
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("run the exporter");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refused_with(files: &Files, yaml: &str) -> String {
    files.write("projects.yml", yaml);
    let projects = files.projects().display().to_string();
    let (code, stderr) = start(&["--signalwire.projects-file", &projects]);
    assert_eq!(code, Some(2), "{stderr}");
    stderr
        .replace(&projects, "F")
        .replace(&files.0.display().to_string(), "D")
}

#[test]
fn each_bad_projects_file_stops_the_start_with_one_line_naming_the_file_and_entry() {
    let files = Files::new("start");
    files.write("empty-key", "# none yet\n");
    let entry = |name: &str, sid: &str, keys: &str| {
        format!("  - name: {name}\n    account_sid: {sid}\n    signing_key_files: {keys}\n")
    };
    let ok = entry("production", "A1", "[staging-key]");
    let p = "signalwire-exporter: --signalwire.projects-file F: ";
    let cases = [
        (
            format!(
                "projects:\n{ok}{}",
                entry("production", "A2", "[staging-key]")
            ),
            "projects[1] \"production\": the name is also projects[0]'s",
        ),
        (
            format!("projects:\n{ok}{}", entry("staging", "A1", "[staging-key]")),
            "projects[1] \"staging\": account_sid \"A1\" is also projects[0] \"production\"'s",
        ),
        (
            format!("projects:\n{}", entry("Prod!", "A1", "[staging-key]")),
            "projects[0] \"Prod!\": the name must be 1 to 32 characters of a-z, 0-9, _ and -",
        ),
        (
            format!("projects:\n{}", entry("other", "A1", "[staging-key]")),
            "projects[0] \"other\": the name \"other\" is reserved for unlisted accounts",
        ),
        (
            format!("projects:\n{}", entry("p", "A1", "[]")),
            "projects[0] \"p\": no signing_key_files: a project needs at least one key",
        ),
        (
            format!("projects:\n{}", entry("p", "A1", "[empty-key]")),
            "projects[0] \"p\": signing key file D/empty-key has no key",
        ),
        (
            format!("projects:\n{}", entry("p", "A1", "[missing-key]")),
            "projects[0] \"p\": signing key file D/missing-key: No such file or directory \
          (os error 2)",
        ),
    ];
    for (yaml, want) in cases {
        assert_eq!(
            refused_with(&files, &yaml),
            format!("{p}{want}\n"),
            "{yaml}"
        );
    }
    let (code, stderr) = start(&["--signalwire.projects-file", "/nonexistent/projects.yml"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "signalwire-exporter: --signalwire.projects-file /nonexistent/projects.yml: \
         No such file or directory (os error 2)\n"
    );
    // Without a file or a key, the start is refused as before.
    let (code, stderr) = start(&[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("signalwire-exporter: no signing key configured"),
        "{stderr}"
    );
}

#[test]
fn with_a_projects_file_the_global_keys_are_optional() {
    let files = Files::new("optional");
    let projects = files.projects().display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args([
            "--web.listen-address=127.0.0.1:0",
            "--signalwire.projects-file",
            &projects,
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(running, "the exporter should serve without global keys");
}

#[tokio::test]
async fn the_status_page_links_a_view_per_project_and_takes_project() {
    let files = Files::new("page");
    let app = TestApp::spawn_with(files.settings(&[KEY])).await;
    let failed = of(PROD_SID, "CA-page").with("CallStatus", "failed");
    assert_eq!(post_with(&app, PROD_KEY, Wire::Form, &failed).await, 204);
    let page = |q: &str| {
        let (client, url) = (app.client.clone(), app.url(&format!("/{q}")));
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, all) = page("").await;
    assert_eq!(status, 200);
    let links = concat!(
        r#"Projects: <a href="/">All</a> · <a href="/?project=production">production</a> · "#,
        r#"<a href="/?project=staging">staging</a> · <a href="/?project=other">other</a>"#,
    );
    assert!(all.contains(links), "{all}");
    assert!(all.contains("CA-page"));
    let (status, staging) = page("?project=staging").await;
    assert_eq!(status, 200);
    assert!(!staging.contains("CA-page"));
    assert!(page("?project=production").await.1.contains("CA-page"));
    assert_eq!(page("?project=Bad!").await.0, 400);
    // Without a projects file there is no list.
    let plain = TestApp::spawn().await;
    let text = plain
        .client
        .get(plain.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("Projects: "));
}

#[tokio::test]
async fn a_call_state_event_takes_its_projects_keys_and_label_whichever_header_signs_it() {
    let files = Files::new("callstate");
    let app = TestApp::spawn_with(files.settings(&[KEY])).await;
    let url = app.call_state_url();
    let body = |call: &str| {
        serde_json::json!({
            "event_type": "calling.call.state", "timestamp": 1_764_000_000.5,
            "project_id": PROD_SID,
            "params": {"call_id": call, "call_state": "ringing", "direction": "inbound"},
        })
        .to_string()
    };
    let sha1 = |key: &str, body: &str| SigningKey::new(key).sign_json(&url, body.as_bytes());
    let json = Some("application/json");
    for (key, status) in [(PROD_KEY, 204), (STAGING_KEY, 403), (KEY, 403)] {
        let b = body(&format!("call-{key}"));
        let r = app.post(&url, json, Some(&sha1(key, &b)), b.clone()).await;
        assert_eq!(r.status(), status, "{key}");
    }
    // SHA-256 alone, with the project's key.
    let b = body("call-sha256");
    let sha256 = SigningKey::new(PROD_KEY).sign_sha256(&url, b.as_bytes());
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .header("x-signalwire-sha256-signature", sha256)
        .body(b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let ringing = |project| {
        vec![
            ("project", project),
            ("direction", "inbound"),
            ("status", "ringing"),
        ]
    };
    let m = app.metrics().await;
    m.check(&[
        (EVENTS, &ringing("production"), 2.0),
        (EVENTS, &ringing("staging"), 0.0),
        (
            "signalwire_exporter_call_state_webhooks_total",
            &[("outcome", "invalid_signature")],
            2.0,
        ),
    ]);
}
