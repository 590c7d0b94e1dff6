//! --web.config.file, end to end: the real binary on loopback with TLS and
//! basic auth from an exporter-toolkit web configuration file, real HTTPS
//! clients (reqwest with rustls; Prometheus in the ignored test), and
//! certificates made at test time with rcgen (none committed).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::AsyncReadExt;

use crate::support::{
    exclusive, free_port, start_prometheus, wait_for_ok, Api, Guard, Params, SigningKey,
};

const KEY: &str = "tls-test-signing-key";
const USER: &str = "prometheus";
const PASSWORD: &str = "scrape-s3cret";
/// Long enough to mean "it did not answer at all", never a performance figure.
const PATIENCE: Duration = Duration::from_secs(15);

/// A temporary directory, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("swx-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM.
struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_identity: String,
}

impl Pki {
    fn new() -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "signalwire-exporter test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let leaf = |names: Vec<String>, usage| {
            let mut params = CertificateParams::new(names).unwrap();
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &ca_cert, &ca_key).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) = leaf(
            vec!["scraper.test".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        Pki {
            ca: ca_cert.pem(),
            server_cert,
            server_key,
            client_identity: format!("{client_cert}{client_key}"),
        }
    }

    /// Writes the server's files and a web config naming them by relative
    /// paths (relative to the config file, as exporter-toolkit resolves
    /// them); `extra_tls` goes under tls_server_config.
    fn web_config(&self, dir: &TempDir, extra_tls: &str) -> PathBuf {
        dir.write("ca.pem", &self.ca);
        dir.write("server.pem", &self.server_cert);
        dir.write("server-key.pem", &self.server_key);
        let hash = bcrypt::hash(PASSWORD, 4).unwrap();
        dir.write(
            "web-config.yml",
            &format!(
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n\
                 {extra_tls}basic_auth_users:\n  {USER}: {hash}\n"
            ),
        )
    }

    fn client(&self, with_certificate: bool) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca.as_bytes()).unwrap())
            .timeout(PATIENCE);
        if with_certificate {
            let identity = reqwest::Identity::from_pem(self.client_identity.as_bytes()).unwrap();
            builder = builder.identity(identity);
        }
        builder.build().unwrap()
    }
}

fn exporter_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"));
    command
        .args(["--signalwire.signing-key", KEY])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// The real binary, killed when the test ends however it ends.
struct Exporter {
    _child: Guard,
    addr: SocketAddr,
}

impl Exporter {
    /// Starts the binary with `config` on a free loopback port and waits
    /// until `client` gets an answer from /healthz over HTTPS.
    async fn start(config: &Path, client: &reqwest::Client, args: &[&str]) -> Self {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let listen = addr.to_string();
        let child = exporter_command(&["--web.listen-address", &listen])
            .arg("--web.config.file")
            .arg(config)
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let exporter = Exporter {
            _child: Guard(child),
            addr,
        };
        wait_healthy(client, &format!("https://{addr}/healthz")).await;
        exporter
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }
}

/// Waits (30 s at most) until `url` answers 200 over HTTPS.
async fn wait_healthy(client: &reqwest::Client, url: &str) {
    wait_for_ok(client, url, url.to_owned()).await;
}

/// A completed call, as SignalWire posts it, signed for `url`.
fn signed_callback(url: &str) -> (String, String) {
    let fields = [
        ("AccountSid", "AC0a1b2c3d"),
        ("AudioInMediaPacketCount", "2829"),
        ("AudioInMos", "4.5"),
        ("CallSid", "CA-tls-1"),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("SequenceNumber", "3"),
        ("SipResultCode", "200"),
        ("Timestamp", "Tue, 14 Jan 2025 18:30:00 +0000"),
    ];
    let body = serde_urlencoded::to_string(fields).unwrap();
    let params = Params::from_form(body.as_bytes()).unwrap();
    (body, SigningKey::new(KEY).sign_form(url, &params))
}

async fn scrape(client: &reqwest::Client, url: &str, password: Option<&str>) -> (u16, String) {
    let mut request = client.get(url);
    if let Some(password) = password {
        request = request.basic_auth(USER, Some(password));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_signed_callback_over_tls_is_accepted_without_credentials_and_recorded() {
    let pki = Pki::new();
    let dir = TempDir::new("callback");
    let client = pki.client(false);
    let exporter = Exporter::start(&pki.web_config(&dir, ""), &client, &[]).await;

    // Signed for the https URL SignalWire calls; no Authorization header.
    let url = exporter.url("/status-callback");
    let (body, signature) = signed_callback(&url);
    let response = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-signalwire-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.headers().get("www-authenticate").is_none());

    let (status, metrics) = scrape(&client, &exporter.url("/metrics"), Some(PASSWORD)).await;
    assert_eq!(status, 200);
    let recorded: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("signalwire_call_events_total{") && !l.ends_with(" 0"))
        .collect();
    assert_eq!(
        recorded,
        ["signalwire_call_events_total{direction=\"inbound\",status=\"completed\"} 1"]
    );
}

#[tokio::test]
async fn metrics_over_tls_need_the_basic_auth_of_the_web_config() {
    let pki = Pki::new();
    let dir = TempDir::new("auth");
    let client = pki.client(false);
    let exporter = Exporter::start(&pki.web_config(&dir, ""), &client, &[]).await;
    let metrics = exporter.url("/metrics");

    let response = client.get(&metrics).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"signalwire-exporter\""
    );
    assert_eq!(scrape(&client, &metrics, Some("wrong")).await.0, 401);
    let (status, text) = scrape(&client, &metrics, Some(PASSWORD)).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("# TYPE signalwire_call_events_total counter"),
        "{text}"
    );
    // Remembered after the first bcrypt check: still accepted, still exact.
    assert_eq!(scrape(&client, &metrics, Some(PASSWORD)).await.0, 200);
    assert_eq!(scrape(&client, &metrics, Some("wrong")).await.0, 401);

    // Health stays open (probes); the status page shows figures as
    // sensitive as /metrics, so it asks for the same credentials.
    assert_eq!(
        scrape(&client, &exporter.url("/healthz"), None).await,
        (200, "ok\n".into())
    );
    assert_eq!(scrape(&client, &exporter.url("/"), None).await.0, 401);
    assert_eq!(
        scrape(&client, &exporter.url("/"), Some(PASSWORD)).await.0,
        200
    );

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/healthz", exporter.addr))
        .timeout(PATIENCE)
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
}

#[tokio::test]
async fn the_separate_metrics_listener_speaks_tls_with_the_same_users() {
    let pki = Pki::new();
    let dir = TempDir::new("metrics-listener");
    let client = pki.client(false);
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let args = ["--web.metrics-listen-address", metrics_addr.as_str()];
    let _exporter = Exporter::start(&pki.web_config(&dir, ""), &client, &args).await;
    let metrics = format!("https://{metrics_addr}/metrics");
    wait_healthy(&client, &format!("https://{metrics_addr}/healthz")).await;

    assert_eq!(scrape(&client, &metrics, None).await.0, 401);
    assert_eq!(scrape(&client, &metrics, Some(PASSWORD)).await.0, 200);
}

/// An exporter whose metrics listener has `client_auth_type: {auth}`; its
/// metrics URL.
async fn with_client_auth(pki: &Pki, dir: &TempDir, auth: &str) -> (Exporter, String) {
    let extra = format!("  client_auth_type: {auth}\n  client_ca_file: ca.pem\n");
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let args = ["--web.metrics-listen-address", metrics_addr.as_str()];
    let exporter = Exporter::start(&pki.web_config(dir, &extra), &pki.client(false), &args).await;
    wait_healthy(
        &pki.client(true),
        &format!("https://{metrics_addr}/healthz"),
    )
    .await;
    (exporter, format!("https://{metrics_addr}/metrics"))
}

#[tokio::test]
async fn require_and_verify_client_cert_guards_the_metrics_listener_not_the_webhook() {
    let pki = Pki::new();
    let dir = TempDir::new("mtls");
    let (exporter, metrics) = with_client_auth(&pki, &dir, "RequireAndVerifyClientCert").await;
    let (with_cert, without) = (pki.client(true), pki.client(false));

    assert_eq!(scrape(&with_cert, &metrics, Some(PASSWORD)).await.0, 200);
    let refused = without
        .get(&metrics)
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");
    // SignalWire presents no certificate: the webhook's listener asks none.
    let url = exporter.url("/status-callback");
    let (body, signature) = signed_callback(&url);
    let response = without
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-signalwire-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn verify_client_cert_if_given_lets_clients_without_one_in() {
    let pki = Pki::new();
    let dir = TempDir::new("mtls-optional");
    let (_exporter, metrics) = with_client_auth(&pki, &dir, "VerifyClientCertIfGiven").await;

    assert_eq!(
        scrape(&pki.client(false), &metrics, Some(PASSWORD)).await.0,
        200
    );
    assert_eq!(
        scrape(&pki.client(true), &metrics, Some(PASSWORD)).await.0,
        200
    );
}

#[tokio::test]
async fn a_client_that_never_finishes_the_handshake_is_cut_off() {
    let pki = Pki::new();
    let dir = TempDir::new("slow-handshake");
    let client = pki.client(false);
    let args = ["--web.read-timeout", "1s"];
    let exporter = Exporter::start(&pki.web_config(&dir, ""), &client, &args).await;

    // A TLS record header promising a ClientHello that never comes.
    let mut stream = tokio::net::TcpStream::connect(exporter.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, &[0x16, 0x03, 0x01, 0x02, 0x00])
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await;
    match read.expect("the server closed the connection within the patience") {
        Ok(n) => assert_eq!(n, 0, "the server closes without answering"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }
}

/// Runs the binary to its exit; it must refuse to start.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let Output { status, stderr, .. } = exporter_command(&["--web.listen-address", &listen])
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (status.code(), String::from_utf8(stderr).unwrap())
}

/// Exit status 2 and one line of stderr holding every needle; no panic.
fn assert_refused(args: &[&str], needles: &[&str]) -> String {
    let (code, stderr) = refused(args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("signalwire-exporter: "), "{stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: {needle:?} not in {stderr}"
        );
    }
    stderr
}

#[test]
fn the_web_config_beside_the_older_metrics_credential_flags_is_refused() {
    let pki = Pki::new();
    let dir = TempDir::new("conflict");
    let config = pki.web_config(&dir, "");
    let config = config.to_str().unwrap();
    let token = dir.write("token", "t0ken\n");
    let password = dir.write("password", "pw\n");
    assert_refused(
        &[
            "--web.config.file",
            config,
            "--web.metrics-bearer-token-file",
            token.to_str().unwrap(),
        ],
        &["--web.config.file cannot be combined with --web.metrics-bearer-token-file"],
    );
    assert_refused(
        &[
            "--web.config.file",
            config,
            "--web.metrics-basic-auth-user",
            "u",
            "--web.metrics-basic-auth-password-file",
            password.to_str().unwrap(),
        ],
        &["--web.config.file cannot be combined with --web.metrics-basic-auth-user"],
    );
}

#[test]
fn bad_web_config_files_are_refused_naming_the_file_and_the_fault() {
    let pki = Pki::new();
    let dir = TempDir::new("bad");
    let good = pki.web_config(&dir, "");
    let good_text = std::fs::read_to_string(&good).unwrap();
    let missing = dir.0.join("absent.yml");
    dir.write("client.pem", &pki.client_identity);
    let cases: Vec<(String, &[&str])> = vec![
        (
            "tls_server_config:\n  cert_file: a\n key_file: b\n".into(),
            &["did not find expected key at line 3 column 2"],
        ),
        (
            "tls_server_config:\n  certfile: x\n".into(),
            &["unknown field `certfile`"],
        ),
        (
            good_text.replace("server.pem", "nowhere.pem"),
            &["cert_file", "nowhere.pem", "No such file"],
        ),
        (
            good_text.replace("key_file: server-key.pem", "key_file: ca.pem"),
            &["key_file", "ca.pem", "no PEM private key"],
        ),
        (
            good_text.replace("key_file: server-key.pem", "key_file: client.pem"),
            &["certificate and key"],
        ),
        (
            format!("basic_auth_users:\n  {USER}: plain-password\n"),
            &["basic_auth_users: prometheus: not a bcrypt hash"],
        ),
        (
            "tls_server_config:\n  cert_file: server.pem\n".into(),
            &["missing one of key or key_file"],
        ),
    ];
    for (text, needles) in cases {
        let path = dir.write("bad.yml", &text);
        let path = path.to_str().unwrap();
        let named: Vec<&str> = [path].iter().chain(needles).copied().collect();
        let stderr = assert_refused(&["--web.config.file", path], &named);
        assert!(
            !stderr.contains("plain-password"),
            "no secret echoed: {stderr}"
        );
    }
    // Client certificates on the one listener would turn SignalWire away.
    let extra = "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n";
    let mtls = pki.web_config(&dir, extra);
    assert_refused(
        &["--web.config.file", mtls.to_str().unwrap()],
        &["client_auth_type applies to --web.metrics-listen-address only"],
    );
    let missing = missing.to_str().unwrap();
    assert_refused(&["--web.config.file", missing], &[missing, "No such file"]);
}

/// The scrape targets' health and last error, by job, from Prometheus' API.
async fn target_health(api: &Api) -> Vec<(String, String, String)> {
    let url = format!("{}/api/v1/targets?state=active", api.base);
    let Ok(response) = api.client.get(url).send().await else {
        return Vec::new();
    };
    let bytes = response.bytes().await.unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let mut health: Vec<_> = body["data"]["activeTargets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let field = |name: &str| t[name].as_str().unwrap_or_default().to_owned();
            (field("scrapePool"), field("health"), field("lastError"))
        })
        .collect();
    health.sort();
    health
}

#[tokio::test]
#[ignore = "needs prometheus on PATH; bash .ci/test runs it"]
async fn prometheus_scrapes_metrics_over_tls_with_basic_auth() {
    let _turn = exclusive().await;
    let pki = Pki::new();
    let dir = TempDir::new("prometheus");
    let client = pki.client(false);
    let exporter = Exporter::start(&pki.web_config(&dir, ""), &client, &[]).await;
    let password_file = dir.write("password", PASSWORD);
    let ca = dir.0.join("ca.pem");
    // The same scrape twice: with the right password, and with a wrong one
    // to show that Prometheus' success is the password's doing.
    let job = |name: &str, password: &str| {
        format!(
            "  - job_name: {name}\n    scheme: https\n    tls_config:\n      ca_file: {ca}\n    \
             basic_auth:\n      username: {USER}\n      {password}\n    static_configs:\n      \
             - targets: ['{addr}']\n",
            ca = ca.display(),
            addr = exporter.addr,
        )
    };
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n{}{}",
        job(
            "signalwire-exporter",
            &format!("password_file: {}", password_file.display())
        ),
        job("wrong-password", "password: not-the-password"),
    );
    let (_prometheus, api) = start_prometheus(&dir.0, &reqwest::Client::new(), &config);

    let mut health = Vec::new();
    for _ in 0..240 {
        health = target_health(&api).await;
        if health.len() == 2 && health.iter().all(|(_, h, _)| h != "unknown") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let expected_error = "server returned HTTP status 401 Unauthorized";
    assert_eq!(
        health,
        [
            ("signalwire-exporter".into(), "up".into(), String::new()),
            (
                "wrong-password".into(),
                "down".into(),
                expected_error.into()
            ),
        ]
    );
    assert_eq!(
        api.scalar("up{job=\"signalwire-exporter\"}").await,
        Some(1.0)
    );
    assert_eq!(api.scalar("up{job=\"wrong-password\"}").await, Some(0.0));
}
