//! What the server runs with, as plain data, and the pure checks that turn
//! flag values into it. Nothing here imports from the rest of the crate: the
//! command line (`crate::cli`) fills these settings and the server reads
//! them. Secrets are plain data too, with a `Debug` that never shows them;
//! signing and checking with them is `crate::signature`'s business.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use axum::http::Uri;

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
    pub dedupe_capacity: usize,
    pub dedupe_ttl: Duration,
    /// `--calls.max-age`: a call in progress is forgotten this long after
    /// its first event.
    pub calls_max_age: Duration,
    /// `--calls.capacity`: calls in progress kept at most.
    pub calls_capacity: usize,
    /// `--calls.recent`: finished bad calls listed by `/calls`.
    pub calls_recent: usize,
    /// `--calls.include-numbers`: phone numbers and names in `/calls` and logs.
    pub calls_include_numbers: bool,
    /// `--quality.low-mos`: `low_mos` when MOS ≤ this (1 to 5).
    pub quality_low_mos: f64,
    /// `--quality.high-packet-loss`: `high_packet_loss` above this ratio (0 to 1).
    pub quality_high_packet_loss: f64,
    /// `--quality.high-jitter-variance`: `high_jitter` above this, in ms².
    pub quality_high_jitter_variance: f64,
}

impl Settings {
    /// Settings for tests: loopback on a free port.
    pub fn local(keys: Vec<SigningKey>) -> Self {
        Settings {
            listen_address: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen_address: None,
            metrics_auth: MetricsAuth::default(),
            tls: None,
            telemetry_path: "/metrics".into(),
            route_prefix: String::new(),
            signed_url: SignedUrl::new(None, "", false),
            max_body_bytes: 64 * 1024,
            read_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(10),
            signing_keys: Some(keys),
            dedupe_capacity: 100_000,
            dedupe_ttl: Duration::from_secs(3600),
            calls_max_age: Duration::from_secs(5 * 3600),
            calls_capacity: 100_000,
            calls_recent: 500,
            calls_include_numbers: false,
            quality_low_mos: 3.5,
            quality_high_packet_loss: 0.05,
            quality_high_jitter_variance: 900.0,
        }
    }

    /// The `--calls.*` and `--quality.*` values that make no sense, as one
    /// line naming the flag.
    pub fn check_calls(&self) -> Result<(), String> {
        if self.calls_max_age.is_zero() {
            return Err("--calls.max-age must be longer than 0".into());
        }
        let in_range = |value: f64, low: f64, high: f64, flag: &str| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(format!("{flag} must be from {low} to {high}, not {value}"))
            }
        };
        in_range(self.quality_low_mos, 1.0, 5.0, "--quality.low-mos")?;
        in_range(
            self.quality_high_packet_loss,
            0.0,
            1.0,
            "--quality.high-packet-loss",
        )?;
        let jitter = self.quality_high_jitter_variance;
        if jitter.is_finite() && jitter >= 0.0 {
            Ok(())
        } else {
            Err(format!(
                "--quality.high-jitter-variance must be 0 or more (ms²), not {jitter}"
            ))
        }
    }
}

/// A SignalWire Signing Key. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(String);

impl SigningKey {
    pub fn new(secret: impl Into<String>) -> Self {
        SigningKey(secret.into())
    }

    /// The secret itself: for the HMAC, and for the demo to print the key
    /// it made up.
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// How to rebuild the URL SignalWire called from what reaches the exporter
/// (`crate::signature` does the rebuilding).
#[derive(Debug, Clone)]
pub struct SignedUrl {
    /// `--web.external-url` without its trailing slash.
    pub(crate) external: Option<String>,
    /// The route prefix, stripped from request paths before appending them to
    /// the external URL; "" when routes are served at the root.
    pub(crate) route_prefix: String,
    pub(crate) trust_forwarded_headers: bool,
    /// The exporter serves TLS itself: without an external URL or a trusted
    /// X-Forwarded-Proto, callbacks were signed for an https URL.
    pub(crate) served_over_tls: bool,
}

impl SignedUrl {
    pub fn new(external: Option<&str>, route_prefix: &str, trust_forwarded_headers: bool) -> Self {
        SignedUrl {
            external: external.map(|u| u.trim_end_matches('/').to_owned()),
            route_prefix: route_prefix.trim_end_matches('/').to_owned(),
            trust_forwarded_headers,
            served_over_tls: false,
        }
    }

    /// Marks the listeners as TLS ones (`--web.config.file`).
    pub fn served_over_tls(mut self, tls: bool) -> Self {
        self.served_over_tls = tls;
        self
    }
}

/// Who may scrape /metrics (`crate::routes::metrics_auth` checks requests).
/// With none set, /metrics is open.
#[derive(Clone, Default)]
pub struct MetricsAuth {
    /// `user:password`, as it appears decoded in the Basic header.
    pub basic: Option<String>,
    pub bearer: Option<String>,
    /// `basic_auth_users` of `--web.config.file`: user → bcrypt hash, each
    /// checked when the file was read. Never set with the two above.
    pub users: BTreeMap<String, String>,
}

impl MetricsAuth {
    pub fn is_enabled(&self) -> bool {
        self.basic.is_some() || self.bearer.is_some() || !self.users.is_empty()
    }
}

impl std::fmt::Debug for MetricsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsAuth")
            .field("basic", &self.basic.as_ref().map(|_| "<redacted>"))
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The listeners' TLS, from `tls_server_config` of `--web.config.file`:
/// read, PEM-decoded and checked when the file was read (`crate::tls` turns
/// it into acceptors).
#[derive(Clone)]
pub struct TlsFiles {
    /// The server's certificate chain, DER, leaf first.
    pub cert_chain: Vec<Vec<u8>>,
    /// The server's private key. Its `Debug` never shows it.
    pub key: PrivateKey,
    /// Applies to `--web.metrics-listen-address` only: SignalWire cannot
    /// present a client certificate to the webhook.
    pub client_auth: ClientAuth,
    /// DER certificates of the CAs that sign client certificates.
    pub client_cas: Vec<Vec<u8>>,
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
    /// exporter-toolkit's `prefer_server_cipher_suites` (default true).
    pub prefer_server_cipher_suites: bool,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("certificates", &self.cert_chain.len())
            .field("client_auth", &self.client_auth)
            .field("client_cas", &self.client_cas.len())
            .field("versions", &(self.min_version, self.max_version))
            .finish_non_exhaustive()
    }
}

/// A DER private key and its encoding.
#[derive(Clone)]
pub struct PrivateKey {
    pub format: KeyFormat,
    pub der: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Pkcs1,
    Pkcs8,
    Sec1,
}

/// exporter-toolkit's `client_auth_type`, the values that verify what they
/// accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    NoClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// The TLS versions the exporter offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// Signing keys written in a key file or a secret: one a line, trimmed;
/// blank lines and `#` comments are skipped. Commas are part of a key.
pub fn keys_from_text(text: &str) -> Vec<SigningKey> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(SigningKey::new)
        .collect()
}

/// `host:port`, or `:port` for all interfaces.
pub fn parse_listen_address(addr: &str, flag: &str) -> Result<SocketAddr, String> {
    let expected = "expected host:port or :port, e.g. 127.0.0.1:9711";
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err(format!("{flag} {addr:?}: no port; {expected}"));
    };
    let port: u16 = match port.parse::<u64>() {
        Ok(p) => u16::try_from(p)
            .map_err(|_| format!("{flag} {addr:?}: port {p} is out of range (1-65535)"))?,
        Err(_) => {
            return Err(format!(
                "{flag} {addr:?}: port {port:?} is not a number; {expected}"
            ))
        }
    };
    let host = match host {
        "" => "0.0.0.0",
        h => h.trim_start_matches('[').trim_end_matches(']'),
    };
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{flag} {addr:?}: cannot resolve host {host:?}; {expected}"))
}

/// The path of `--web.external-url`, which must be an absolute http(s) URL.
pub fn external_url_path(url: &str) -> Result<String, String> {
    let expected = |why: &str| {
        let example = match url.split_once("://") {
            Some(_) => "https://hooks.example.com/signalwire".to_owned(),
            None => format!("https://{}", url.trim_start_matches('/')),
        };
        format!("--web.external-url {url:?}: {why}, e.g. {example}")
    };
    let uri: Uri = url
        .parse()
        .map_err(|_| expected("expected an absolute http(s) URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => {}
        _ => return Err(expected("expected an absolute http(s) URL")),
    }
    if uri.query().is_some() {
        return Err(expected("must not carry a query string"));
    }
    Ok(uri.path().to_owned())
}

/// "" or "/prefix": no trailing slash, one leading slash.
pub fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// A path that the router can serve as written: a leading slash and URL-safe
/// characters only, so that no `{capture}` or `*wildcard` sneaks in.
pub fn check_path(path: &str, flag: &str) -> Result<(), String> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
    if !path.starts_with('/') || path.contains("//") || !path.chars().all(safe) {
        return Err(format!(
            "{flag} {path:?}: expected a path such as /metrics \
             (letters, digits and - . _ ~ between slashes)"
        ));
    }
    Ok(())
}

/// `--web.telemetry-path` must not shadow or be shadowed by another route.
pub fn check_telemetry_path(path: &str, taken: &[&str]) -> Result<(), String> {
    let flag = "--web.telemetry-path";
    check_path(path, flag)?;
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || taken.iter().any(|t| t.trim_end_matches('/') == trimmed) {
        return Err(format!(
            "{flag} {path:?} collides with a route of the exporter ({}); \
             choose another path, e.g. /metrics",
            taken.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_holds_one_key_a_line_with_comments_and_blanks_skipped() {
        let keys = keys_from_text("# rotated 2026-11\n  newkey \n\n\toldkey\n#old,older\na,b\n");
        assert_eq!(keys, ["newkey", "oldkey", "a,b"].map(SigningKey::new));
        assert_eq!(format!("{keys:?}").matches("<redacted>").count(), 3);
        assert!(!format!("{keys:?}").contains("newkey"));
    }

    #[test]
    fn listen_addresses_accept_host_port_and_port_only() {
        let parse = |a| parse_listen_address(a, "--f");
        assert_eq!(parse(":9711"), Ok("0.0.0.0:9711".parse().unwrap()));
        assert_eq!(
            parse("127.0.0.1:1234"),
            Ok("127.0.0.1:1234".parse().unwrap())
        );
        assert_eq!(parse("[::1]:80"), Ok("[::1]:80".parse().unwrap()));
    }

    #[test]
    fn listen_address_errors_say_what_is_wrong() {
        let parse = |a| parse_listen_address(a, "--f").unwrap_err();
        assert_eq!(
            parse(":99999"),
            r#"--f ":99999": port 99999 is out of range (1-65535)"#
        );
        assert!(parse("9711").contains("no port"), "{}", parse("9711"));
        assert!(
            parse(":http").contains("is not a number"),
            "{}",
            parse(":http")
        );
    }

    #[test]
    fn external_url_must_be_absolute_and_the_error_shows_an_example() {
        assert_eq!(
            external_url_path("https://h.example/sw/"),
            Ok("/sw/".into())
        );
        assert_eq!(
            external_url_path("hooks.example.com/signalwire").unwrap_err(),
            "--web.external-url \"hooks.example.com/signalwire\": expected an absolute \
             http(s) URL, e.g. https://hooks.example.com/signalwire"
        );
        assert!(external_url_path("ftp://h/x").is_err());
        assert!(external_url_path("https://h/x?a=1")
            .unwrap_err()
            .contains("query string"));
    }

    #[test]
    fn telemetry_path_must_not_collide_with_another_route() {
        let taken = ["/", "/healthz", "/status-callback", "/calls"];
        assert_eq!(check_telemetry_path("/metrics", &taken), Ok(()));
        assert_eq!(check_telemetry_path("/internal/metrics", &taken), Ok(()));
        for bad in ["/", "/healthz", "/status-callback", "/calls/", "/healthz/"] {
            let err = check_telemetry_path(bad, &taken).unwrap_err();
            assert!(err.starts_with("--web.telemetry-path"), "{err}");
            assert!(err.contains("collides"), "{err}");
        }
        for bad in ["metrics", "/{x}", "/*rest", "/a b", "//m"] {
            let err = check_telemetry_path(bad, &taken).unwrap_err();
            assert!(err.contains("expected a path"), "{err}");
        }
    }
}
