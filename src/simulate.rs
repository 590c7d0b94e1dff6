//! `simulate`: sends realistic, signed Voice Status Callbacks to an exporter,
//! the way SignalWire would, then prints a one-line JSON summary that can be
//! compared with the exporter's /metrics.
//!
//! - `plan`: the pure, seeded generator (profile + seed → calls → events).
//! - `run`: the sender (HTTP client, pacing, concurrency, retries, summary).

mod plan;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

pub use plan::{
    mos_from_r, plan, Generator, PlannedCall, PlannedEvent, Profile, Quality, TerminalStats,
    DEFAULT_DUPLICATE_RATIO,
};
pub use run::{run, SimConfig, Summary};

use crate::signature::SigningKey;
use crate::startup::shutdown_signal;

#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// The exporter's status-callback URL, e.g. http://127.0.0.1:9711/status-callback. Signed exactly as given, query included.
    #[arg(long, value_name = "URL")]
    pub target: String,

    /// SignalWire Signing Key the exporter checks (the first, if the variable holds a comma-separated list).
    #[arg(
        long,
        env = "SIGNALWIRE_SIGNING_KEY",
        hide_env_values = true,
        value_name = "KEY",
        required_unless_present = "signing_key_file"
    )]
    pub signing_key: Option<String>,

    /// File whose first line (not starting with #) is the signing key; wins over --signing-key.
    #[arg(long, value_name = "FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// Calls started per second.
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,

    /// Calls to simulate; 0 runs until Ctrl-C or SIGTERM.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub calls: u64,

    /// Network and carrier health of the simulated calls.
    #[arg(long, value_enum, default_value_t = Profile::Good)]
    pub profile: Profile,

    /// Seed of the generator (default: random, printed in the summary); the same seed sends the same calls.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Share of deliveries sent twice, as SignalWire retries do.
    #[arg(long, default_value_t = DEFAULT_DUPLICATE_RATIO, value_name = "R")]
    pub duplicate_ratio: f64,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "C")]
    pub concurrency: usize,
}

impl SimulateArgs {
    fn key(&self) -> Result<SigningKey, String> {
        let first = |text: &str| {
            text.lines()
                .flat_map(|l| l.split(','))
                .map(str::trim)
                .find(|k| !k.is_empty() && !k.starts_with('#'))
                .map(SigningKey::new)
        };
        match (&self.signing_key_file, &self.signing_key) {
            (Some(path), _) => {
                // The error names the file, never its content.
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--signing-key-file {}: {e}", path.display()))?;
                first(&text)
            }
            (None, Some(k)) => first(k),
            (None, None) => None,
        }
        .ok_or_else(|| {
            "no signing key: set --signing-key (or SIGNALWIRE_SIGNING_KEY) or --signing-key-file"
                .into()
        })
    }

    pub fn config(&self) -> Result<SimConfig, String> {
        let mut config = SimConfig::new(self.target.clone(), self.key()?);
        config.profile = self.profile;
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config.rate = self.rate;
        config.calls = (self.calls > 0).then_some(self.calls);
        config.duplicate_ratio = self.duplicate_ratio;
        config.concurrency = self.concurrency;
        Ok(config)
    }
}

pub async fn main(args: SimulateArgs) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("signalwire-exporter simulate: {e}");
            return ExitCode::from(2);
        }
    };
    let summary = run(config, shutdown_signal()).await;
    println!("{}", summary.to_json());
    if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
