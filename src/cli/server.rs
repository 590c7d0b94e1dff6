//! The exporter's flags, one group per part of the server, and the one way
//! from flags to a bound server that the exporter and the demo share (with
//! its exit codes: 2 for a bad setting, 1 for a port that cannot be opened).

use std::process::ExitCode;

use clap::Args;

use super::ingest_args::{CallsArgs, DedupeArgs, QualityArgs};
use super::keys::SignatureArgs;
use super::label_args::LabelArgs;
use super::web_args::WebArgs;
use super::{refuse, shutdown_signal};
use crate::configuration::Settings;
use crate::startup::{Application, BindError, Listener, StartError};

/// Every flag of the exporter, in the order `--help` lists them.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub web: WebArgs,
    #[command(flatten)]
    pub signatures: SignatureArgs,
    #[command(flatten)]
    pub dedupe: DedupeArgs,
    #[command(flatten)]
    pub calls: CallsArgs,
    #[command(flatten)]
    pub quality: QualityArgs,
    #[command(flatten)]
    pub labels: LabelArgs,
}

impl ServerArgs {
    /// The settings these flags describe, or what is wrong with them: the
    /// web flags are checked first, then the keys, then the calls and
    /// quality flags, then the label flags, so that with several mistakes
    /// the first is named.
    pub fn settings(&self) -> Result<Settings, String> {
        let web = self.web.settings()?;
        let (key_sources, keys, signing_keys) = self.signatures.keys()?;
        let mut calls = self.calls.config(&self.quality)?;
        calls.countries = self.labels.countries()?;
        Ok(Settings {
            signing_keys,
            key_sources,
            projects: keys.projects,
            dedupe: self.dedupe.config(),
            calls,
            ..web
        })
    }
}

/// The start shared by the exporter and the demo: settings from flags, then
/// the listeners, or the exit code and a one-line reason.
pub(super) async fn start(
    args: &ServerArgs,
    program: &str,
) -> Result<(Settings, Application), ExitCode> {
    let settings = args.settings().map_err(|e| refuse(program, &e))?;
    if let Some(file) = &args.web.web_config_file {
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
    reload_on_sighup(app.state().clone());
    app.run_until(shutdown_signal()).await;
    ExitCode::SUCCESS
}

/// Each SIGHUP re-reads the projects file and every key file, as `POST
/// /-/reload` does.
#[cfg(unix)]
fn reload_on_sighup(state: crate::routes::AppState) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return tracing::warn!("SIGHUP cannot be caught: reload with POST /-/reload");
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let state = state.clone();
            // The outcome is logged and in the reload gauges.
            let _ = tokio::task::spawn_blocking(move || state.reload()).await;
        }
    });
}

#[cfg(not(unix))]
fn reload_on_sighup(_: crate::routes::AppState) {
    // No SIGHUP here: POST /-/reload is the way to reload.
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::call_state::CallsConfig;
    use crate::cli::keys::NO_KEY;
    use crate::dedupe::DedupeConfig;
    use crate::signature::SigningKey;
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
        // The documented figures, which outside checks rely on.
        assert_eq!(s.calls.max_age, Duration::from_secs(5 * 3600));
        assert_eq!((s.calls.capacity, s.calls.recent), (100_000, 500));
        assert!(!s.calls.include_numbers);
        let t = s.calls.thresholds;
        assert_eq!(
            (t.low_mos, t.high_packet_loss, t.high_jitter_variance),
            (3.5, 0.05, 900.0)
        );
        assert_eq!(s.dedupe.capacity, 100_000);
        assert_eq!(s.dedupe.ttl, Duration::from_secs(3600));
        assert_eq!(
            (s.calls, s.dedupe),
            (CallsConfig::default(), DedupeConfig::default())
        );
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
        assert_eq!(s.calls.max_age, Duration::from_secs(5400));
        assert!(s.calls.include_numbers);
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
        assert_eq!(keys, ["a", "b", "c"].map(SigningKey::new));
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
