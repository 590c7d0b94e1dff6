//! Shared by tests/abuse.rs, tests/faults.rs and tests/properties.rs: raw TCP
//! requests (for what reqwest will not send), signing helpers, and the real
//! binary as a child process.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use signalwire_exporter::domain::Params;
use signalwire_exporter::signature::SigningKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough to mean "it did not answer at all", never a performance figure.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A response read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub text: String,
}

impl RawResponse {
    pub fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let status = text
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP/1.1 response: {text:?}"));
        RawResponse { status, text }
    }

    pub fn body(&self) -> &str {
        self.text.split_once("\r\n\r\n").map_or("", |(_, b)| b)
    }
}

/// Writes `request` as is, then reads until the server closes (requests
/// should carry `Connection: close`), within `PATIENCE`.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // The server may answer (413) and close before it has read everything.
    let _ = stream.write_all(request).await;
    read_all(&mut stream).await
}

/// Reads to EOF within `PATIENCE`; a reset after the response counts as EOF.
pub async fn read_all(stream: &mut TcpStream) -> RawResponse {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if !buf.is_empty() => {
                    let _ = e;
                    break;
                }
                Err(e) => panic!("read failed before any response: {e}"),
            }
        }
    })
    .await;
    read.expect("the server answered and closed within the patience");
    RawResponse::parse(&buf)
}

/// The head of a request to /status-callback (no trailing blank line).
pub fn head(method: &str, target: &str, extra: &[(&str, &str)]) -> String {
    let mut h = format!("{method} {target} HTTP/1.1\r\nHost: test.local\r\nConnection: close\r\n");
    for (name, value) in extra {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    h
}

/// The URL a raw request with `Host: test.local` is signed for.
pub fn raw_url(target: &str) -> String {
    format!("http://test.local{target}")
}

pub fn sign_form_body(key: &SigningKey, url: &str, body: &[u8]) -> String {
    let params = Params::from_form(body).expect("a decodable form body");
    key.sign_form(url, &params)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The real binary, listening on loopback, killed on drop if still running.
pub struct Exporter {
    pub child: Child,
    pub addr: SocketAddr,
    pub stderr_path: std::path::PathBuf,
}

impl Exporter {
    /// Starts `signalwire-exporter` through `sh -c 'ulimit -n <fds>; exec …'`
    /// (no limit change when `fds` is None) and waits for /healthz.
    pub async fn start(key: &str, fds: Option<u32>, extra: &[&str]) -> Self {
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let stderr_path =
            std::env::temp_dir().join(format!("swx-test-{}-{port}.log", std::process::id()));
        let stderr = std::fs::File::create(&stderr_path).expect("log file");
        let script = match fds {
            Some(n) => format!("ulimit -n {n}; exec \"$0\" \"$@\""),
            None => "exec \"$0\" \"$@\"".to_owned(),
        };
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_signalwire-exporter"))
            .arg("--web.listen-address")
            .arg(addr.to_string())
            .arg("--signalwire.signing-key")
            .arg(key)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn the exporter");
        let exporter = Exporter {
            child,
            addr,
            stderr_path,
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            let healthy = client
                .get(format!("http://{addr}/healthz"))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if healthy {
                return exporter;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the exporter did not come up: {}", exporter.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (bounded) for the process to exit and returns its status.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.stderr_path);
    }
}
