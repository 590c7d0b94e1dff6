//! Child processes: the real binary, for what only a process shows
//! (signals, exit codes, file descriptor limits), and the tools the heavy
//! tests run beside it (Prometheus, HAProxy, Chromium), each killed when
//! its test ends; and the lock those heavy tests take to run one at a time.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};

/// Held by every test that starts Prometheus, HAProxy, several exporters or
/// Chromium: they share two cores and some of them measure, so they run one
/// at a time while plain tests keep running in parallel.
static EXCLUSIVE: Mutex<()> = Mutex::const_new(());

/// Waits until no other heavy test runs; the turn lasts as long as the guard.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    EXCLUSIVE.lock().await
}

/// [`exclusive`] for a test without a runtime.
pub fn exclusive_blocking() -> MutexGuard<'static, ()> {
    EXCLUSIVE.blocking_lock()
}

/// Kills a child process when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An external tool, from PATH or /usr/sbin (where Debian puts haproxy); a
/// missing one fails the test naming the Debian package to install.
pub fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    let package = if name == "promtool" {
        "prometheus"
    } else {
        name
    };
    found.unwrap_or_else(|| {
        panic!("{name} not found: install Debian's {package} package (bash .ci/test does)")
    })
}

/// A file of this repository (rules, dashboards, haproxy.cfg, golden files).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// What the real binary prints on stdout for `args` (its `--help`, say), run
/// to its end with an empty environment so that no SIGNALWIRE_* variable of
/// the machine shows in the text; panics if it fails.
pub fn binary_stdout(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_signalwire-exporter"))
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("run the exporter binary");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `signalwire-exporter` listening on loopback, killed on drop if still
/// running.
pub struct Exporter {
    child: Child,
    pub addr: SocketAddr,
    stderr_path: std::path::PathBuf,
}

impl Exporter {
    /// Starts the binary through `sh -c 'ulimit -n <fds>; exec …'` (no limit
    /// change when `fds` is None) and waits for /healthz.
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
        if !exporter.becomes_healthy().await {
            panic!("the exporter did not come up: {}", exporter.log());
        }
        exporter
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Polls /healthz (bounded, about 10 s) until it answers 200.
    pub async fn becomes_healthy(&self) -> bool {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .expect("a client");
        for _ in 0..200 {
            let healthy = client
                .get(self.url("/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if healthy {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// What the process wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as a service manager stopping it would.
    pub fn terminate(&self) {
        let kill = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(kill.success());
    }

    /// Whether the process has not exited yet.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits (bounded) for the process to exit and returns its status.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
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
