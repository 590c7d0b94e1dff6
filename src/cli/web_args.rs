//! The web flags: listeners, /metrics access and TLS (by flags or by
//! --web.config.file), paths, limits and timeouts. They are the server's own
//! fields of `configuration::Settings`.

use std::path::PathBuf;

use clap::Args;

use super::addresses::{
    check_path, check_telemetry_path, external_url_path, normalise_prefix, parse_listen_address,
};
use super::keys;
use crate::configuration::{self as config, Settings};
use crate::routes::TAKEN_PATHS;
use crate::scrape_auth::MetricsAuth;
use crate::signature::SignedUrl;
use crate::tls::{ClientAuth, TlsFiles};
use crate::web_config;

#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// Address to listen on for the webhook, and (unless
    /// --web.metrics-listen-address) metrics, /calls and the status page
    /// (":port" means all interfaces).
    #[arg(
        long = "web.listen-address",
        env = "SIGNALWIRE_EXPORTER_WEB_LISTEN_ADDRESS",
        default_value = config::DEFAULT_LISTEN_ADDRESS,
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
        default_value = config::DEFAULT_TELEMETRY_PATH,
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
        default_value_t = config::DEFAULT_MAX_BODY_BYTES,
        value_name = "BYTES"
    )]
    pub max_body_bytes: usize,

    /// Time a client has to send request headers, and again its body.
    #[arg(
        long = "web.read-timeout",
        env = "SIGNALWIRE_EXPORTER_WEB_READ_TIMEOUT",
        default_value_t = config::DEFAULT_READ_TIMEOUT.into(),
        value_name = "DURATION"
    )]
    pub read_timeout: humantime::Duration,

    /// On SIGTERM or SIGINT, how long in-flight requests may take to finish.
    #[arg(
        long = "web.shutdown-timeout",
        env = "SIGNALWIRE_EXPORTER_WEB_SHUTDOWN_TIMEOUT",
        default_value_t = config::DEFAULT_SHUTDOWN_TIMEOUT.into(),
        value_name = "DURATION"
    )]
    pub shutdown_timeout: humantime::Duration,
}

impl WebArgs {
    /// The settings of these flags, or what is wrong with them; the other
    /// parts at their defaults, accepting no key until
    /// [`super::ServerArgs::settings`] fills them in.
    pub fn settings(&self) -> Result<Settings, String> {
        let metrics_listen_address = match &self.metrics_listen_address {
            Some(a) => Some(parse_listen_address(a, "--web.metrics-listen-address")?),
            None => None,
        };
        check_telemetry_path(&self.telemetry_path, TAKEN_PATHS)?;
        let external_path = match &self.external_url {
            Some(url) => Some(external_url_path(url)?),
            None => None,
        };
        let (prefix, flag) = match (&self.route_prefix, &external_path) {
            (Some(prefix), _) => (prefix.as_str(), "--web.route-prefix"),
            (None, path) => (path.as_deref().unwrap_or("/"), "--web.external-url"),
        };
        let route_prefix = normalise_prefix(prefix);
        if !route_prefix.is_empty() {
            check_path(&route_prefix, flag)?;
        }
        let (metrics_auth, tls) = self.access()?;
        Ok(Settings {
            listen_address: parse_listen_address(&self.listen_address, "--web.listen-address")?,
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
            read_timeout: self.read_timeout.into(),
            shutdown_timeout: self.shutdown_timeout.into(),
            ..Settings::local(Vec::new())
        })
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
}
