//! What the server runs with, checked once at start: the web part (listeners,
//! paths, limits) as its own fields, and the typed configuration of each
//! other part as that part defines it. It only gathers: the command line
//! (`crate::cli`) fills it, the server reads it, and every default below is
//! the one the flags show.

use std::net::SocketAddr;
use std::time::Duration;

use crate::call_state::CallsConfig;
use crate::dedupe::DedupeConfig;
use crate::projects::{KeySources, ProjectEntry};
use crate::scrape_auth::MetricsAuth;
use crate::signature::{SignedUrl, SigningKey};
use crate::tls::TlsFiles;

/// `--web.listen-address`: all interfaces.
pub const DEFAULT_LISTEN_ADDRESS: &str = ":9711";
/// `--web.telemetry-path`.
pub const DEFAULT_TELEMETRY_PATH: &str = "/metrics";
/// `--web.max-body-bytes`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// `--web.read-timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// `--web.shutdown-timeout`.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server runs with, checked once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen_address: SocketAddr,
    pub metrics_listen_address: Option<SocketAddr>,
    pub metrics_auth: MetricsAuth,
    /// `tls_server_config` of `--web.config.file`: both listeners speak TLS.
    pub tls: Option<TlsFiles>,
    pub telemetry_path: String,
    /// "" or "/prefix", without trailing slash.
    pub route_prefix: String,
    pub signed_url: SignedUrl,
    pub max_body_bytes: usize,
    pub read_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// `None` when signature validation is off.
    pub signing_keys: Option<Vec<SigningKey>>,
    /// Where the keys were read from, to read again on reload.
    pub key_sources: KeySources,
    /// `--signalwire.projects-file`'s projects as read at start; `None`
    /// without the file (and then no series has a `project` label).
    pub projects: Option<Vec<ProjectEntry>>,
    pub dedupe: DedupeConfig,
    /// Per-call state, quality thresholds included.
    pub calls: CallsConfig,
}

impl Settings {
    /// The defaults on loopback, on a free port, accepting callbacks signed
    /// with `keys` (none: every signed callback is refused). For tests, and
    /// the base the command line fills in.
    pub fn local(keys: Vec<SigningKey>) -> Self {
        Settings {
            listen_address: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen_address: None,
            metrics_auth: MetricsAuth::default(),
            tls: None,
            telemetry_path: DEFAULT_TELEMETRY_PATH.into(),
            route_prefix: String::new(),
            signed_url: SignedUrl::new(None, "", false),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            read_timeout: DEFAULT_READ_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            key_sources: KeySources {
                flag_keys: keys.clone(),
                ..KeySources::default()
            },
            signing_keys: Some(keys),
            projects: None,
            dedupe: DedupeConfig::default(),
            calls: CallsConfig::default(),
        }
    }
}
