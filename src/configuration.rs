//! Command-line flags (each also an environment variable) and the validated
//! settings the server runs with.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::Uri;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::routes::metrics_auth::MetricsAuth;
use crate::signature::{SignedUrl, SigningKey};
use crate::simulate::SimulateArgs;

#[derive(Debug, Parser)]
#[command(
    name = "signalwire-exporter",
    version,
    about = "Turns SignalWire Voice Status Callbacks into Prometheus call-quality metrics.",
    after_help = "Every flag can also be set by the environment variable shown with it."
)]
pub struct Cli {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub log: LogArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send realistic, signed status callbacks to an exporter, then print a summary.
    Simulate(SimulateArgs),
    /// Run the exporter with a built-in simulator feeding it, for a first look.
    Demo(crate::demo::DemoArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on for the webhook, metrics and landing page (":port" means all interfaces).
    #[arg(
        long = "web.listen-address",
        env = "SIGNALWIRE_EXPORTER_WEB_LISTEN_ADDRESS",
        default_value = ":9711",
        value_name = "ADDR"
    )]
    pub listen_address: String,

    /// Serve /metrics on this address instead, so the webhook port can face the internet while metrics stay internal.
    #[arg(
        long = "web.metrics-listen-address",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_LISTEN_ADDRESS",
        value_name = "ADDR"
    )]
    pub metrics_listen_address: Option<String>,

    /// Require HTTP basic auth on /metrics with this user (password from --web.metrics-basic-auth-password-file).
    #[arg(
        long = "web.metrics-basic-auth-user",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_BASIC_AUTH_USER",
        value_name = "USER",
        requires = "metrics_basic_auth_password_file"
    )]
    pub metrics_basic_auth_user: Option<String>,

    /// File holding the basic-auth password for /metrics.
    #[arg(
        long = "web.metrics-basic-auth-password-file",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_BASIC_AUTH_PASSWORD_FILE",
        value_name = "FILE",
        requires = "metrics_basic_auth_user"
    )]
    pub metrics_basic_auth_password_file: Option<PathBuf>,

    /// File holding a bearer token that /metrics requires (Prometheus: authorization.credentials_file).
    #[arg(
        long = "web.metrics-bearer-token-file",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_BEARER_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub metrics_bearer_token_file: Option<PathBuf>,

    /// Path under which to expose metrics.
    #[arg(
        long = "web.telemetry-path",
        env = "SIGNALWIRE_EXPORTER_WEB_TELEMETRY_PATH",
        default_value = "/metrics",
        value_name = "PATH"
    )]
    pub telemetry_path: String,

    /// The URL under which SignalWire reaches the exporter (e.g. behind a proxy): the signed URL is built from it, and its path is the default route prefix.
    #[arg(
        long = "web.external-url",
        env = "SIGNALWIRE_EXPORTER_WEB_EXTERNAL_URL",
        value_name = "URL"
    )]
    pub external_url: Option<String>,

    /// Prefix for all routes. Defaults to the path of --web.external-url.
    #[arg(
        long = "web.route-prefix",
        env = "SIGNALWIRE_EXPORTER_WEB_ROUTE_PREFIX",
        value_name = "PATH"
    )]
    pub route_prefix: Option<String>,

    /// Without --web.external-url, take the signed URL's scheme and host from X-Forwarded-Proto and X-Forwarded-Host. Only behind a proxy that sets them.
    #[arg(
        long = "web.trust-forwarded-headers",
        env = "SIGNALWIRE_EXPORTER_WEB_TRUST_FORWARDED_HEADERS"
    )]
    pub trust_forwarded_headers: bool,

    /// Largest accepted callback body (or GET query string), in bytes.
    #[arg(long = "web.max-body-bytes", env = "SIGNALWIRE_EXPORTER_WEB_MAX_BODY_BYTES", default_value_t = 64 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// Time a client has to send request headers, and again its body.
    #[arg(long = "web.read-timeout", env = "SIGNALWIRE_EXPORTER_WEB_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub read_timeout: Duration,

    /// On SIGTERM or SIGINT, how long in-flight requests may take to finish.
    #[arg(long = "web.shutdown-timeout", env = "SIGNALWIRE_EXPORTER_WEB_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub shutdown_timeout: Duration,

    /// SignalWire Signing Key (repeat, or comma-separate in the variable, to accept several during rotation).
    #[arg(
        long = "signalwire.signing-key",
        env = "SIGNALWIRE_SIGNING_KEY",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub signing_keys: Vec<String>,

    /// File holding signing keys, one per line (e.g. a container secret).
    #[arg(
        long = "signalwire.signing-key-file",
        env = "SIGNALWIRE_SIGNING_KEY_FILE",
        value_name = "FILE"
    )]
    pub signing_key_file: Option<PathBuf>,

    /// Accept callbacks without checking their signature. Anyone who can reach the port can then write metrics.
    #[arg(
        long = "insecure.skip-signature-validation",
        env = "SIGNALWIRE_EXPORTER_INSECURE_SKIP_SIGNATURE_VALIDATION"
    )]
    pub skip_signature_validation: bool,

    /// How many recent events to remember for duplicate suppression (0 turns it off).
    #[arg(
        long = "dedupe.capacity",
        env = "SIGNALWIRE_EXPORTER_DEDUPE_CAPACITY",
        default_value_t = 100_000,
        value_name = "ENTRIES"
    )]
    pub dedupe_capacity: usize,

    /// How long an event is remembered for duplicate suppression.
    #[arg(long = "dedupe.ttl", env = "SIGNALWIRE_EXPORTER_DEDUPE_TTL", default_value = "1h", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub dedupe_ttl: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Only log messages with the given severity or above.
    #[arg(long = "log.level", global = true, env = "SIGNALWIRE_EXPORTER_LOG_LEVEL", value_enum, default_value_t = LogLevel::Info)]
    pub level: LogLevel,

    /// Output format of log messages.
    #[arg(long = "log.format", global = true, env = "SIGNALWIRE_EXPORTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Logfmt)]
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Logfmt,
    Json,
}

/// What the server runs with, checked once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen_address: SocketAddr,
    pub metrics_listen_address: Option<SocketAddr>,
    pub metrics_auth: MetricsAuth,
    pub telemetry_path: String,
    /// "" or "/prefix", without trailing slash.
    pub route_prefix: String,
    pub signed_url: SignedUrl,
    pub max_body_bytes: usize,
    pub read_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// `None` when signature validation is off.
    pub signing_keys: Option<Vec<SigningKey>>,
    pub dedupe_capacity: usize,
    pub dedupe_ttl: Duration,
}

impl Settings {
    pub fn from_args(args: &ServerArgs) -> Result<Self, String> {
        let listen_address = parse_listen_address(&args.listen_address, "--web.listen-address")?;
        let metrics_listen_address = match &args.metrics_listen_address {
            Some(a) => Some(parse_listen_address(a, "--web.metrics-listen-address")?),
            None => None,
        };
        let metrics_auth = MetricsAuth {
            basic: match (
                &args.metrics_basic_auth_user,
                &args.metrics_basic_auth_password_file,
            ) {
                (Some(user), Some(file)) => Some(format!(
                    "{user}:{}",
                    read_secret(file, "--web.metrics-basic-auth-password-file")?
                )),
                _ => None,
            },
            bearer: match &args.metrics_bearer_token_file {
                Some(file) => Some(read_secret(file, "--web.metrics-bearer-token-file")?),
                None => None,
            },
        };
        if !args.telemetry_path.starts_with('/') || args.telemetry_path.len() < 2 {
            return Err(format!(
                "--web.telemetry-path must start with / and name a path, got {:?}",
                args.telemetry_path
            ));
        }
        let external_path = match &args.external_url {
            Some(url) => Some(external_url_path(url)?),
            None => None,
        };
        let route_prefix = normalise_prefix(
            args.route_prefix
                .as_deref()
                .or(external_path.as_deref())
                .unwrap_or("/"),
        );
        let signing_keys = if args.skip_signature_validation {
            None
        } else {
            let keys = load_keys(args)?;
            if keys.is_empty() {
                return Err("no signing key configured: set --signalwire.signing-key (or SIGNALWIRE_SIGNING_KEY, or --signalwire.signing-key-file) to your SignalWire project's Signing Key, or pass --insecure.skip-signature-validation to accept unsigned callbacks".into());
            }
            Some(keys)
        };
        Ok(Settings {
            listen_address,
            metrics_listen_address,
            metrics_auth,
            telemetry_path: args.telemetry_path.clone(),
            signed_url: SignedUrl::new(
                args.external_url.as_deref(),
                &route_prefix,
                args.trust_forwarded_headers,
            ),
            route_prefix,
            max_body_bytes: args.max_body_bytes,
            read_timeout: args.read_timeout,
            shutdown_timeout: args.shutdown_timeout,
            signing_keys,
            dedupe_capacity: args.dedupe_capacity,
            dedupe_ttl: args.dedupe_ttl,
        })
    }

    /// Settings for tests and the demo: loopback on a free port.
    pub fn local(keys: Vec<SigningKey>) -> Self {
        Settings {
            listen_address: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen_address: None,
            metrics_auth: MetricsAuth::default(),
            telemetry_path: "/metrics".into(),
            route_prefix: String::new(),
            signed_url: SignedUrl::new(None, "", false),
            max_body_bytes: 64 * 1024,
            read_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(10),
            signing_keys: Some(keys),
            dedupe_capacity: 100_000,
            dedupe_ttl: Duration::from_secs(3600),
        }
    }
}

/// A one-line secret from a file; errors name the file, never the content.
fn read_secret(path: &std::path::Path, flag: &str) -> Result<String, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
    let secret = text.trim().to_owned();
    if secret.is_empty() {
        return Err(format!("{flag} {}: file is empty", path.display()));
    }
    Ok(secret)
}

fn parse_listen_address(addr: &str, flag: &str) -> Result<SocketAddr, String> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_owned()
    };
    full.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{flag}: cannot resolve {addr:?} (expected host:port or :port)"))
}

fn external_url_path(url: &str) -> Result<String, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("--web.external-url {url:?}: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => {}
        _ => {
            return Err(format!(
                "--web.external-url {url:?}: expected http(s)://host[:port][/prefix]"
            ))
        }
    }
    if uri.query().is_some() {
        return Err(format!(
            "--web.external-url {url:?}: must not carry a query string"
        ));
    }
    Ok(uri.path().to_owned())
}

fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn load_keys(args: &ServerArgs) -> Result<Vec<SigningKey>, String> {
    let mut keys: Vec<String> = args
        .signing_keys
        .iter()
        .map(|k| k.trim().to_owned())
        .collect();
    if let Some(path) = &args.signing_key_file {
        // The error names the file, never its content.
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--signalwire.signing-key-file {}: {e}", path.display()))?;
        keys.extend(
            text.lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.starts_with('#')),
        );
    }
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    Ok(keys.into_iter().map(SigningKey::new).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Result<Settings, String> {
        let cli =
            Cli::try_parse_from(std::iter::once("signalwire-exporter").chain(args.iter().copied()))
                .unwrap();
        Settings::from_args(&cli.server)
    }

    #[test]
    fn refuses_to_start_without_a_key_and_names_both_flags() {
        let err = settings(&[]).unwrap_err();
        assert!(err.contains("--signalwire.signing-key"), "{err}");
        assert!(
            err.contains("--insecure.skip-signature-validation"),
            "{err}"
        );
        assert!(settings(&["--insecure.skip-signature-validation"])
            .unwrap()
            .signing_keys
            .is_none());
    }

    #[test]
    fn external_url_path_is_the_default_route_prefix() {
        let s = settings(&[
            "--signalwire.signing-key=k",
            "--web.external-url=https://h.example/sw/",
        ])
        .unwrap();
        assert_eq!(s.route_prefix, "/sw");
        let s = settings(&[
            "--signalwire.signing-key=k",
            "--web.external-url=https://h.example/sw",
            "--web.route-prefix=/",
        ])
        .unwrap();
        assert_eq!(s.route_prefix, "");
        assert!(settings(&["--signalwire.signing-key=k", "--web.external-url=h.example"]).is_err());
    }

    #[test]
    fn listen_address_forms() {
        let s = settings(&["--signalwire.signing-key=k"]).unwrap();
        assert_eq!(s.listen_address, "0.0.0.0:9711".parse().unwrap());
        let s = settings(&[
            "--signalwire.signing-key=k",
            "--web.listen-address=127.0.0.1:1234",
        ])
        .unwrap();
        assert_eq!(s.listen_address, "127.0.0.1:1234".parse().unwrap());
    }

    #[test]
    fn keys_from_flag_and_file_never_in_debug() {
        let dir = std::env::temp_dir().join(format!("swx-keys-{}", std::process::id()));
        std::fs::write(&dir, "# rotated 2026-11\nnewkey\n\noldkey\n").unwrap();
        let s = settings(&[
            "--signalwire.signing-key=flagkey",
            "--signalwire.signing-key-file",
            dir.to_str().unwrap(),
        ])
        .unwrap();
        std::fs::remove_file(&dir).unwrap();
        let keys = s.signing_keys.unwrap();
        assert_eq!(keys, ["flagkey", "newkey", "oldkey"].map(SigningKey::new));
        let shown = format!("{keys:?}");
        assert!(
            !shown.contains("flagkey") && !shown.contains("newkey"),
            "{shown}"
        );
    }
}
