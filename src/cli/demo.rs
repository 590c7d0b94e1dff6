//! `demo`: the exporter with a built-in simulator feeding it, for a first
//! look at the metrics without a SignalWire account.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser};
use rand::Rng;

use super::server::{self, ServerArgs};
use super::{shutdown_signal, TrafficArgs};
use crate::configuration::Settings;
use crate::routes::STATUS_CALLBACK_PATH;
use crate::signature::SigningKey;
use crate::simulate;
use crate::startup::Application;

/// Loopback by default: the demo is for a look on this machine, and its
/// made-up key is printed.
const DEMO_LISTEN_ADDRESS: &str = "127.0.0.1:9711";

const PROGRAM: &str = "signalwire-exporter demo";

const NO_WEB_CONFIG: &str = "--web.config.file is not for the demo: its built-in simulator \
    speaks plain HTTP; try TLS and basic auth with the exporter itself (no demo)";

#[derive(Debug, Clone, Args)]
#[command(mut_arg("listen_address", |a| a.default_value(DEMO_LISTEN_ADDRESS)))]
pub struct DemoArgs {
    /// The exporter's flags, also accepted before `demo`.
    #[command(flatten, next_help_heading = "Exporter options")]
    pub server: ServerArgs,

    #[command(flatten, next_help_heading = "Simulator options")]
    pub traffic: TrafficArgs,
}

/// The exporter's flags as the demo parses them on their own.
#[derive(Parser)]
#[command(
    name = PROGRAM,
    args_override_self = true,
    mut_arg("listen_address", |a| a.default_value(DEMO_LISTEN_ADDRESS))
)]
struct DemoServer {
    #[command(flatten)]
    server: ServerArgs,
}

/// The exporter's flags of a `demo` run, from both sides of the word `demo`:
/// those written after it win; the environment and the demo's defaults fill
/// the rest.
pub(super) fn server_args(matches: &ArgMatches) -> Result<ServerArgs, clap::Error> {
    let Some(("demo", after)) = matches.subcommand() else {
        return DemoServer::try_parse_from([PROGRAM]).map(|d| d.server);
    };
    let flags = ServerArgs::augment_args(clap::Command::new(PROGRAM));
    let mut tokens = vec![OsString::from(PROGRAM)];
    tokens.extend(given(&flags, matches));
    tokens.extend(given(&flags, after));
    DemoServer::try_parse_from(tokens).map(|d| d.server)
}

/// The flags of `flags` that `matches` got from the command line, as
/// `--name=value` tokens.
fn given(flags: &clap::Command, matches: &ArgMatches) -> Vec<OsString> {
    let mut tokens = Vec::new();
    for arg in flags.get_arguments() {
        let id = arg.get_id().as_str();
        let (Some(ValueSource::CommandLine), Some(long)) =
            (matches.value_source(id), arg.get_long())
        else {
            continue;
        };
        if !arg.get_action().takes_values() {
            tokens.push(format!("--{long}").into());
            continue;
        }
        for value in matches.get_raw(id).into_iter().flatten() {
            let mut token = OsString::from(format!("--{long}="));
            token.push(value);
            tokens.push(token);
        }
    }
    tokens
}

/// The server's flags, with a random signing key when none is configured,
/// signature validation always on, so the demo exercises the real path, and
/// `--labels.country` on.
/// Also says whether the key was made up here.
fn with_demo_key(server: &ServerArgs) -> (ServerArgs, bool) {
    let mut args = server.clone();
    let keys = &mut args.signatures;
    let made_up = keys.signing_keys.is_empty() && keys.signing_key_file.is_none();
    if made_up {
        let key: [u8; 16] = rand::thread_rng().gen();
        keys.signing_keys = vec![hex::encode(key)];
    }
    keys.skip_signature_validation = false;
    // The simulated calls go to several countries: show where.
    args.labels.labels_country = true;
    (args, made_up)
}

/// Where a client on this host reaches a listener bound to `addr`.
fn loopback(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// Where the demo's pieces are, as a client on this host reaches them.
struct Urls {
    /// The webhook, as requested.
    target: String,
    /// The URL the exporter checks signatures against: the external URL's
    /// when one is set, else the one requested.
    signed: String,
    metrics: String,
    landing_page: String,
}

impl Urls {
    fn new(settings: &Settings, server: &ServerArgs, app: &Application) -> Self {
        let base = format!(
            "http://{}{}",
            loopback(app.local_addr()),
            settings.route_prefix
        );
        let target = format!("{base}{STATUS_CALLBACK_PATH}");
        let signed = server.web.external_url.as_deref().map_or_else(
            || target.clone(),
            |u| format!("{}{STATUS_CALLBACK_PATH}", u.trim_end_matches('/')),
        );
        // With --web.metrics-listen-address, /metrics has a port of its own.
        let metrics_base = app.metrics_addr().map_or_else(
            || base.clone(),
            |addr| format!("http://{}{}", loopback(addr), settings.route_prefix),
        );
        Urls {
            metrics: format!("{metrics_base}{}", settings.telemetry_path),
            landing_page: format!("{base}/"),
            target,
            signed,
        }
    }
}

/// What a user needs to send a signed callback of their own: the key (when
/// made up here; a key the user gave is theirs already) and a ready command.
fn send_your_own(key: &SigningKey, made_up: bool, urls: &Urls) -> String {
    let body = r#"{"CallSid":"CA-demo-try-me","CallStatus":"completed","Direction":"inbound"}"#;
    let signature = key.sign_json(&urls.signed, body.as_bytes());
    let key_line = if made_up {
        format!("signing key (made up for this session): {}", key.reveal())
    } else {
        "signing key: the one you configured".to_owned()
    };
    format!(
        "{key_line}\n\
         send a signed callback of your own (JSON is signed as hex HMAC-SHA1 of URL + body):\n  \
         curl -i -H 'Content-Type: application/json' -H 'X-SignalWire-Signature: {signature}' \
         -d '{body}' '{target}'",
        target = urls.target
    )
}

pub(super) async fn run(args: DemoArgs) -> ExitCode {
    if args.server.web.web_config_file.is_some() {
        return super::refuse(PROGRAM, NO_WEB_CONFIG);
    }
    let (server_args, made_up) = with_demo_key(&args.server);
    let (settings, app) = match server::start(&server_args, PROGRAM).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    let Some(key) = settings.signing_keys.iter().flatten().next().cloned() else {
        return super::refuse(PROGRAM, "no signing key to sign the simulated calls with");
    };
    let urls = Urls::new(&settings, &args.server, &app);
    tracing::info!(
        metrics = %urls.metrics,
        landing_page = %urls.landing_page,
        "demo: exporter listening, simulated SignalWire feeding it; Ctrl-C to stop"
    );
    eprintln!("{}", send_your_own(&key, made_up, &urls));

    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let server_task = tokio::spawn(app.run_until(async {
        let _ = server_stopped.await;
    }));
    let mut config = args.traffic.config(urls.target, key);
    config.signed_url = Some(urls.signed);
    config.calls = None;
    // Events when their Timestamps come, so delivery delays stay small.
    config.pace = args.traffic.pace.unwrap_or(simulate::Pace::RealTime);
    // The simulator stops first, so the server still answers its last calls.
    let summary = simulate::run(config, shutdown_signal()).await;
    let _ = stop_server.send(());
    let _ = server_task.await;
    super::traffic::report(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::{CommandFactory, FromArgMatches};

    fn demo_server(args: &[&str]) -> ServerArgs {
        let argv = std::iter::once("signalwire-exporter").chain(args.iter().copied());
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        assert!(matches!(
            Cli::from_arg_matches(&matches).unwrap().command,
            Some(Command::Demo(_))
        ));
        server_args(&matches).unwrap()
    }

    #[test]
    fn the_demo_listens_on_loopback_unless_told_otherwise() {
        assert_eq!(
            demo_server(&["demo"]).web.listen_address,
            DEMO_LISTEN_ADDRESS
        );
        let after = demo_server(&["demo", "--web.listen-address", ":1234"]);
        assert_eq!(after.web.listen_address, ":1234");
        let before = demo_server(&["--web.listen-address=:1234", "demo"]);
        assert_eq!(before.web.listen_address, ":1234");
    }

    #[test]
    fn server_flags_after_demo_win_and_both_sides_count() {
        let args = demo_server(&[
            "--web.listen-address=:1",
            "--web.trust-forwarded-headers",
            "--signalwire.signing-key=a,b",
            "demo",
            "--rate=2",
            "--web.listen-address=:2",
            "--signalwire.signing-key=c",
            "--web.telemetry-path=/m",
        ]);
        assert_eq!(args.web.listen_address, ":2");
        assert!(args.web.trust_forwarded_headers);
        assert_eq!(args.signatures.signing_keys, ["a", "b", "c"]);
        assert_eq!(args.web.telemetry_path, "/m");
    }

    #[test]
    fn a_made_up_key_is_printed_and_a_given_one_is_not() {
        let urls = Urls {
            target: "http://127.0.0.1:9711/status-callback".into(),
            signed: "http://127.0.0.1:9711/status-callback".into(),
            metrics: String::new(),
            landing_page: String::new(),
        };
        let key = SigningKey::new("s3cret");
        let shown = send_your_own(&key, true, &urls);
        assert!(shown.starts_with("signing key (made up for this session): s3cret\n"));
        let body = r#"{"CallSid":"CA-demo-try-me","CallStatus":"completed","Direction":"inbound"}"#;
        let signature = key.sign_json(&urls.signed, body.as_bytes());
        assert!(shown.contains(&format!("X-SignalWire-Signature: {signature}'")));
        assert!(
            shown.ends_with(" 'http://127.0.0.1:9711/status-callback'"),
            "{shown}"
        );
        assert!(!send_your_own(&key, false, &urls).contains("s3cret"));
    }

    #[test]
    fn a_wildcard_listener_is_reached_on_loopback_and_others_as_they_are() {
        assert_eq!(
            loopback("0.0.0.0:9711".parse().unwrap()),
            "127.0.0.1:9711".parse().unwrap()
        );
        assert_eq!(
            loopback("[::]:9711".parse().unwrap()),
            "[::1]:9711".parse().unwrap()
        );
        assert_eq!(
            loopback("10.1.2.3:80".parse().unwrap()),
            "10.1.2.3:80".parse().unwrap()
        );
    }
}
