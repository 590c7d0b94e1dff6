//! The command line: flags (each also an environment variable) in, a running
//! exporter or tool out. It sits above every other module: it turns flags
//! into `configuration::Settings` and starts the server, the demo or the
//! simulator; nothing else in the crate imports it.
//!
//! - `server`: the exporter's flags, one group per part, and the one start
//!   path (settings, bind, exit codes) that the exporter and the demo share.
//! - `web_args` (with `addresses`, the checks of what they name), `keys`
//!   (the signature flags, and the one reader of signing-key files) and
//!   `ingest_args` (dedupe, calls, quality) and `label_args` (optional
//!   label breakdowns): those groups.
//! - `traffic`: the simulator's flags, shared by `simulate` and `demo`.
//! - `demo`: the exporter fed by an in-process simulator.

mod addresses;
#[cfg(feature = "simulator")]
mod demo;
mod ingest_args;
mod keys;
mod label_args;
mod server;
#[cfg(feature = "simulator")]
mod traffic;
mod web_args;

use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

#[cfg(feature = "simulator")]
pub use demo::DemoArgs;
pub use ingest_args::{CallsArgs, DedupeArgs, QualityArgs};
pub use keys::SignatureArgs;
pub use label_args::LabelArgs;
pub use server::ServerArgs;
#[cfg(feature = "simulator")]
pub use traffic::{SimulateArgs, TrafficArgs};
pub use web_args::WebArgs;

use crate::telemetry::{self, LogFormat, LogLevel};

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
    #[cfg(feature = "simulator")]
    Simulate(SimulateArgs),
    /// Run the exporter with a built-in simulator feeding it, for a first look.
    #[cfg(feature = "simulator")]
    Demo(Box<DemoArgs>),
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Only log messages with the given severity or above.
    #[arg(
        long = "log.level",
        global = true,
        env = "SIGNALWIRE_EXPORTER_LOG_LEVEL",
        value_enum,
        default_value_t = LogLevel::Info
    )]
    pub level: LogLevel,

    /// Output format of log messages.
    #[arg(
        long = "log.format",
        global = true,
        env = "SIGNALWIRE_EXPORTER_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Logfmt
    )]
    pub format: LogFormat,
}

/// Parses the process's arguments; on a bad flag, prints clap's message and
/// exits 2 (0 for --help and --version).
pub fn parse() -> Cli {
    let matches = Cli::command().get_matches();
    let parsed = Cli::from_arg_matches(&matches).and_then(|cli| with_demo_flags(cli, &matches));
    parsed.unwrap_or_else(|e| e.format(&mut Cli::command()).exit())
}

/// `demo` takes the exporter's flags after its name too.
#[cfg(feature = "simulator")]
fn with_demo_flags(mut cli: Cli, matches: &clap::ArgMatches) -> Result<Cli, clap::Error> {
    if let Some(Command::Demo(demo)) = &mut cli.command {
        demo.server = demo::server_args(matches)?;
    }
    Ok(cli)
}

#[cfg(not(feature = "simulator"))]
fn with_demo_flags(cli: Cli, _: &clap::ArgMatches) -> Result<Cli, clap::Error> {
    Ok(cli)
}

/// The whole program: parse, log, run.
pub async fn main() -> ExitCode {
    let cli = parse();
    telemetry::init(cli.log.level, cli.log.format);
    match cli.command {
        #[cfg(feature = "simulator")]
        Some(Command::Simulate(args)) => traffic::simulate(args).await,
        #[cfg(feature = "simulator")]
        Some(Command::Demo(args)) => demo::run(*args).await,
        None => server::serve(&cli.server).await,
    }
}

/// A configuration error: one line on stderr, exit code 2.
fn refuse(program: &str, message: &str) -> ExitCode {
    eprintln!("{program}: {message}");
    ExitCode::from(2)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
