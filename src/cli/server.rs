//! The exporter's flags, and the one way from flags to a bound server that
//! the exporter and the demo share (with its exit codes: 2 for a bad
//! setting, 1 for a port that cannot be opened).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::{keys, refuse, shutdown_signal};
use crate::configuration::{
    self as config, ClientAuth, MetricsAuth, Settings, SignedUrl, TlsFiles,
};
use crate::routes::TAKEN_PATHS;
use crate::startup::{Application, BindError, Listener, StartError};
use crate::web_config;

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on for the webhook, and (unless
    /// --web.metrics-listen-address) metrics, /calls and the status page
    /// (":port" means all interfaces).
    #[arg(
        long = "web.listen-address",
        env = "SIGNALWIRE_EXPORTER_WEB_LISTEN_ADDRESS",
        default_value = ":9711",
        value_name = "ADDR"
    )]
    pub listen_address: String,

    /// Serve /metrics, /calls and the status page on this address instead,
    /// so the webhook port can face the internet while they stay internal.
    #[arg(
        long = "web.metrics-listen-address",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_LISTEN_ADDRESS",
        value_name = "ADDR"
    )]
    pub metrics_listen_address: Option<String>,

    /// Require HTTP basic auth on /metrics with this user
    /// (password from --web.metrics-basic-auth-password-file).
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

    /// File holding a bearer token that /metrics requires
    /// (Prometheus: authorization.credentials_file).
    #[arg(
        long = "web.metrics-bearer-token-file",
        env = "SIGNALWIRE_EXPORTER_WEB_METRICS_BEARER_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub metrics_bearer_token_file: Option<PathBuf>,

    /// exporter-toolkit web configuration file: TLS on both listeners, and
    /// basic auth (bcrypt) on /metrics. Not with the /metrics flags above.
    #[arg(
        long = "web.config.file",
        env = "SIGNALWIRE_EXPORTER_WEB_CONFIG_FILE",
        value_name = "FILE"
    )]
    pub web_config_file: Option<PathBuf>,

    /// Path under which to expose metrics.
    #[arg(
        long = "web.telemetry-path",
        env = "SIGNALWIRE_EXPORTER_WEB_TELEMETRY_PATH",
        default_value = "/metrics",
        value_name = "PATH"
    )]
    pub telemetry_path: String,

    /// The URL under which SignalWire reaches the exporter (e.g. behind a
    /// proxy): the signed URL is built from it, and its path is the default
    /// route prefix.
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

    /// Without --web.external-url, take the signed URL's scheme and host from
    /// X-Forwarded-Proto and X-Forwarded-Host. Only behind a proxy that sets
    /// them.
    #[arg(
        long = "web.trust-forwarded-headers",
        env = "SIGNALWIRE_EXPORTER_WEB_TRUST_FORWARDED_HEADERS"
    )]
    pub trust_forwarded_headers: bool,

    /// Largest accepted callback body (or GET query string), in bytes.
    #[arg(
        long = "web.max-body-bytes",
        env = "SIGNALWIRE_EXPORTER_WEB_MAX_BODY_BYTES",
        default_value_t = 64 * 1024,
        value_name = "BYTES"
    )]
    pub max_body_bytes: usize,

    /// Time a client has to send request headers, and again its body.
    #[arg(
        long = "web.read-timeout",
        env = "SIGNALWIRE_EXPORTER_WEB_READ_TIMEOUT",
        default_value = "10s",
        value_parser = humantime::parse_duration,
        value_name = "DURATION"
    )]
    pub read_timeout: Duration,

    /// On SIGTERM or SIGINT, how long in-flight requests may take to finish.
    #[arg(
        long = "web.shutdown-timeout",
        env = "SIGNALWIRE_EXPORTER_WEB_SHUTDOWN_TIMEOUT",
        default_value = "10s",
        value_parser = humantime::parse_duration,
        value_name = "DURATION"
    )]
    pub shutdown_timeout: Duration,

    /// SignalWire Signing Key (repeat, or comma-separate in the variable, to
    /// accept several during rotation).
    #[arg(
        long = "signalwire.signing-key",
        env = "SIGNALWIRE_SIGNING_KEY",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub signing_keys: Vec<String>,

    /// File holding signing keys, one per line; blank lines and # comments
    /// are skipped (e.g. a container secret).
    #[arg(
        long = "signalwire.signing-key-file",
        env = "SIGNALWIRE_SIGNING_KEY_FILE",
        value_name = "FILE"
    )]
    pub signing_key_file: Option<PathBuf>,

    /// Accept callbacks without checking their signature. Anyone who can
    /// reach the port can then write metrics.
    #[arg(
        long = "insecure.skip-signature-validation",
        env = "SIGNALWIRE_EXPORTER_INSECURE_SKIP_SIGNATURE_VALIDATION"
    )]
    pub skip_signature_validation: bool,

    /// How many recent events to remember for duplicate suppression
    /// (0 turns it off).
    #[arg(
        long = "dedupe.capacity",
        env = "SIGNALWIRE_EXPORTER_DEDUPE_CAPACITY",
        default_value_t = 100_000,
        value_name = "ENTRIES"
    )]
    pub dedupe_capacity: usize,

    /// How long an event is remembered for duplicate suppression.
    #[arg(
        long = "dedupe.ttl",
        env = "SIGNALWIRE_EXPORTER_DEDUPE_TTL",
        default_value = "1h",
        value_parser = humantime::parse_duration,
        value_name = "DURATION"
    )]
    pub dedupe_ttl: Duration,

    /// A call in progress is forgotten (counted unfinished, reason max_age)
    /// this long after its first event.
    #[arg(
        long = "calls.max-age",
        env = "SIGNALWIRE_EXPORTER_CALLS_MAX_AGE",
        default_value = "5h",
        value_parser = humantime::parse_duration,
        value_name = "DURATION"
    )]
    pub calls_max_age: Duration,

    /// Calls in progress kept at most; a new call evicts the oldest
    /// (counted unfinished, reason capacity).
    #[arg(
        long = "calls.capacity",
        env = "SIGNALWIRE_EXPORTER_CALLS_CAPACITY",
        default_value_t = 100_000,
        value_name = "CALLS"
    )]
    pub calls_capacity: usize,

    /// Finished calls with a quality issue or a failed end kept for /calls.
    #[arg(
        long = "calls.recent",
        env = "SIGNALWIRE_EXPORTER_CALLS_RECENT",
        default_value_t = 500,
        value_name = "CALLS"
    )]
    pub calls_recent: usize,

    /// Show phone numbers and caller names (personal data) in /calls and
    /// in the log line of each listed call.
    #[arg(
        long = "calls.include-numbers",
        env = "SIGNALWIRE_EXPORTER_CALLS_INCLUDE_NUMBERS"
    )]
    pub calls_include_numbers: bool,

    /// A call with media has the low_mos issue when its MOS is at most this
    /// (1 to 5).
    #[arg(
        long = "quality.low-mos",
        env = "SIGNALWIRE_EXPORTER_QUALITY_LOW_MOS",
        default_value_t = 3.5,
        value_name = "MOS"
    )]
    pub quality_low_mos: f64,

    /// high_packet_loss above this share of inbound packets lost (0 to 1).
    #[arg(
        long = "quality.high-packet-loss",
        env = "SIGNALWIRE_EXPORTER_QUALITY_HIGH_PACKET_LOSS",
        default_value_t = 0.05,
        value_name = "RATIO"
    )]
    pub quality_high_packet_loss: f64,

    /// high_jitter above this AudioInJitterMaxVariance, in ms² (900 is a
    /// 30 ms deviation).
    #[arg(
        long = "quality.high-jitter-variance",
        env = "SIGNALWIRE_EXPORTER_QUALITY_HIGH_JITTER_VARIANCE",
        default_value_t = 900.0,
        value_name = "MS2"
    )]
    pub quality_high_jitter_variance: f64,
}

const NO_KEY: &str = "no signing key configured: set --signalwire.signing-key \
    (or SIGNALWIRE_SIGNING_KEY, or --signalwire.signing-key-file) to your SignalWire \
    project's Signing Key, or pass --insecure.skip-signature-validation to accept \
    unsigned callbacks";

impl ServerArgs {
    /// The settings these flags describe, or what is wrong with them.
    pub fn settings(&self) -> Result<Settings, String> {
        let metrics_listen_address = match &self.metrics_listen_address {
            Some(a) => Some(config::parse_listen_address(
                a,
                "--web.metrics-listen-address",
            )?),
            None => None,
        };
        config::check_telemetry_path(&self.telemetry_path, TAKEN_PATHS)?;
        let external_path = match &self.external_url {
            Some(url) => Some(config::external_url_path(url)?),
            None => None,
        };
        let (prefix, flag) = match (&self.route_prefix, &external_path) {
            (Some(prefix), _) => (prefix.as_str(), "--web.route-prefix"),
            (None, path) => (path.as_deref().unwrap_or("/"), "--web.external-url"),
        };
        let route_prefix = config::normalise_prefix(prefix);
        if !route_prefix.is_empty() {
            config::check_path(&route_prefix, flag)?;
        }
        let (metrics_auth, tls) = self.access()?;
        let settings = Settings {
            listen_address: config::parse_listen_address(
                &self.listen_address,
                "--web.listen-address",
            )?,
            metrics_listen_address,
            metrics_auth,
            telemetry_path: self.telemetry_path.clone(),
            signed_url: SignedUrl::new(
                self.external_url.as_deref(),
                &route_prefix,
                self.trust_forwarded_headers,
            )
            .served_over_tls(tls.is_some()),
            tls,
            route_prefix,
            max_body_bytes: self.max_body_bytes,
            read_timeout: self.read_timeout,
            shutdown_timeout: self.shutdown_timeout,
            signing_keys: self.signing_keys()?,
            dedupe_capacity: self.dedupe_capacity,
            dedupe_ttl: self.dedupe_ttl,
            calls_max_age: self.calls_max_age,
            calls_capacity: self.calls_capacity,
            calls_recent: self.calls_recent,
            calls_include_numbers: self.calls_include_numbers,
            quality_low_mos: self.quality_low_mos,
            quality_high_packet_loss: self.quality_high_packet_loss,
            quality_high_jitter_variance: self.quality_high_jitter_variance,
        };
        settings.check_calls()?;
        Ok(settings)
    }

    /// Who may scrape /metrics, and the listeners' TLS: from the credential
    /// flags, or from --web.config.file, never both (one would go unused).
    fn access(&self) -> Result<(MetricsAuth, Option<TlsFiles>), String> {
        let Some(path) = &self.web_config_file else {
            return Ok((self.metrics_auth()?, None));
        };
        let flags = [
            (
                "--web.metrics-basic-auth-user",
                self.metrics_basic_auth_user.is_some(),
            ),
            (
                "--web.metrics-bearer-token-file",
                self.metrics_bearer_token_file.is_some(),
            ),
        ];
        if let Some((flag, _)) = flags.iter().find(|(_, set)| *set) {
            return Err(format!(
                "--web.config.file cannot be combined with {flag}: \
                 put the credentials in the file's basic_auth_users instead"
            ));
        }
        let web = web_config::load(path)?;
        let asks_for_certificates = web
            .tls
            .as_ref()
            .is_some_and(|t| t.client_auth != ClientAuth::NoClientCert);
        if asks_for_certificates && self.metrics_listen_address.is_none() {
            return Err(format!(
                "--web.config.file {}: client_auth_type applies to --web.metrics-listen-address \
                 only (SignalWire cannot present a client certificate to the webhook): set it",
                path.display()
            ));
        }
        let auth = MetricsAuth {
            users: web.users,
            ..MetricsAuth::default()
        };
        Ok((auth, web.tls))
    }

    fn metrics_auth(&self) -> Result<MetricsAuth, String> {
        let basic = match (
            &self.metrics_basic_auth_user,
            &self.metrics_basic_auth_password_file,
        ) {
            (Some(user), Some(file)) => {
                let flag = "--web.metrics-basic-auth-password-file";
                Some(format!("{user}:{}", keys::read_secret(file, flag)?))
            }
            _ => None,
        };
        let bearer = match &self.metrics_bearer_token_file {
            Some(file) => Some(keys::read_secret(file, "--web.metrics-bearer-token-file")?),
            None => None,
        };
        Ok(MetricsAuth {
            basic,
            bearer,
            users: Default::default(),
        })
    }

    fn signing_keys(&self) -> Result<Option<Vec<config::SigningKey>>, String> {
        if self.skip_signature_validation {
            return Ok(None);
        }
        let file = self.signing_key_file.as_deref();
        let keys = keys::collect(&self.signing_keys, file, "--signalwire.signing-key-file")?;
        if keys.is_empty() {
            return Err(NO_KEY.into());
        }
        Ok(Some(keys))
    }
}

/// The start shared by the exporter and the demo: settings from flags, then
/// the listeners, or the exit code and a one-line reason.
pub(super) async fn start(
    args: &ServerArgs,
    program: &str,
) -> Result<(Settings, Application), ExitCode> {
    let settings = args.settings().map_err(|e| refuse(program, &e))?;
    if let Some(file) = &args.web_config_file {
        tracing::info!(
            file = %file.display(),
            tls = settings.tls.is_some(),
            basic_auth_users = settings.metrics_auth.users.len(),
            "web config loaded"
        );
    }
    if settings.signing_keys.is_none() {
        tracing::warn!(
            "signature validation is OFF (--insecure.skip-signature-validation): \
             anyone who can reach this port can write metrics"
        );
    }
    match Application::build(&settings).await {
        Ok(app) => Ok((settings, app)),
        Err(StartError::Bind(e)) => {
            eprintln!("{program}: {} ({})", e, flag_of(&e));
            Err(ExitCode::FAILURE)
        }
        Err(StartError::Tls(e)) => Err(refuse(program, &format!("--web.config.file: {e}"))),
    }
}

fn flag_of(e: &BindError) -> &'static str {
    match e.listener {
        Listener::Main => "--web.listen-address",
        Listener::Metrics => "--web.metrics-listen-address",
    }
}

/// The exporter: serves until SIGTERM or SIGINT.
pub(super) async fn serve(args: &ServerArgs) -> ExitCode {
    let (settings, app) = match start(args, "signalwire-exporter").await {
        Ok(started) => started,
        Err(code) => return code,
    };
    tracing::info!(
        address = %app.local_addr(),
        version = env!("CARGO_PKG_VERSION"),
        keys = settings.signing_keys.as_ref().map_or(0, Vec::len),
        "listening"
    );
    app.run_until(shutdown_signal()).await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        server: ServerArgs,
    }

    fn settings(args: &[&str]) -> Result<Settings, String> {
        let flags = Flags::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        flags.server.settings()
    }

    #[test]
    fn calls_and_quality_flags_default_as_documented_and_out_of_range_ones_are_named() {
        let s = settings(&["--insecure.skip-signature-validation"]).unwrap();
        assert_eq!(s.calls_max_age, Duration::from_secs(5 * 3600));
        assert_eq!((s.calls_capacity, s.calls_recent), (100_000, 500));
        assert!(!s.calls_include_numbers);
        assert_eq!(s.quality_low_mos, 3.5);
        assert_eq!(s.quality_high_packet_loss, 0.05);
        assert_eq!(s.quality_high_jitter_variance, 900.0);
        let refused = |flag: &str, value: &str| {
            let args = ["--insecure.skip-signature-validation", flag, value];
            settings(&args).unwrap_err()
        };
        assert_eq!(
            refused("--quality.low-mos", "0.5"),
            "--quality.low-mos must be from 1 to 5, not 0.5"
        );
        assert_eq!(
            refused("--quality.high-packet-loss", "1.5"),
            "--quality.high-packet-loss must be from 0 to 1, not 1.5"
        );
        assert_eq!(
            refused("--quality.high-jitter-variance", "NaN"),
            "--quality.high-jitter-variance must be 0 or more (ms²), not NaN"
        );
        assert_eq!(
            refused("--calls.max-age", "0s"),
            "--calls.max-age must be longer than 0"
        );
        let s = settings(&[
            "--insecure.skip-signature-validation",
            "--calls.max-age=90m",
            "--calls.include-numbers",
        ])
        .unwrap();
        assert_eq!(s.calls_max_age, Duration::from_secs(5400));
        assert!(s.calls_include_numbers);
    }

    #[test]
    fn without_a_key_the_exporter_refuses_to_start_and_names_both_flags() {
        assert_eq!(settings(&[]).unwrap_err(), NO_KEY);
        assert!(NO_KEY.contains("--signalwire.signing-key"));
        assert!(NO_KEY.contains("--insecure.skip-signature-validation"));
        let insecure = settings(&["--insecure.skip-signature-validation"]).unwrap();
        assert!(insecure.signing_keys.is_none());
    }

    #[test]
    fn external_url_path_is_the_default_route_prefix() {
        let key = "--signalwire.signing-key=k";
        let s = settings(&[key, "--web.external-url=https://h.example/sw/"]).unwrap();
        assert_eq!(s.route_prefix, "/sw");
        let s = settings(&[
            key,
            "--web.external-url=https://h.example/sw",
            "--web.route-prefix=/",
        ])
        .unwrap();
        assert_eq!(s.route_prefix, "");
    }

    #[test]
    fn listen_address_defaults_to_all_interfaces_on_9711() {
        let s = settings(&["--signalwire.signing-key=k"]).unwrap();
        assert_eq!(s.listen_address, "0.0.0.0:9711".parse().unwrap());
    }

    #[test]
    fn keys_from_flag_variable_and_file_are_kept_in_order() {
        let s = settings(&[
            "--signalwire.signing-key=a, b",
            "--signalwire.signing-key=c",
        ]);
        let keys = s.unwrap().signing_keys.unwrap();
        assert_eq!(keys, ["a", "b", "c"].map(config::SigningKey::new));
    }

    #[test]
    fn the_web_config_file_is_refused_beside_the_metrics_credential_flags_before_any_read() {
        let err = settings(&[
            "--signalwire.signing-key=k",
            "--web.config.file=/nonexistent/web.yml",
            "--web.metrics-bearer-token-file=/nonexistent/token",
        ])
        .unwrap_err();
        assert_eq!(
            err,
            "--web.config.file cannot be combined with --web.metrics-bearer-token-file: \
             put the credentials in the file's basic_auth_users instead"
        );
    }

    #[test]
    fn a_colliding_telemetry_path_or_a_capture_in_the_prefix_is_refused() {
        let key = "--signalwire.signing-key=k";
        let err = settings(&[key, "--web.telemetry-path=/healthz"]).unwrap_err();
        assert!(
            err.starts_with("--web.telemetry-path \"/healthz\" collides"),
            "{err}"
        );
        let err = settings(&[key, "--web.route-prefix=/{x}"]).unwrap_err();
        assert!(err.starts_with("--web.route-prefix \"/{x}\""), "{err}");
        let s = settings(&[key, "--web.route-prefix=sw/"]).unwrap();
        assert_eq!(s.route_prefix, "/sw");
    }
}
