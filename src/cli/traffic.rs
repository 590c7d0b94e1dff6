//! The simulator's flags: the traffic ones shared by `simulate` and `demo`,
//! checked while parsing so that a bad value stops before anything starts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{keys, refuse, shutdown_signal};
use crate::signature::SigningKey;
use crate::simulate::{
    self, Pace, Profile, SimConfig, Webhook, DEFAULT_CALLS, DEFAULT_CONCURRENCY,
    DEFAULT_DUPLICATE_RATIO, DEFAULT_LOSE_TERMINAL_RATIO, DEFAULT_OUT_OF_ORDER_RATIO, DEFAULT_RATE,
};

/// What traffic to simulate: the same flags for `simulate` and `demo`.
#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    /// Calls started per second.
    #[arg(
        long,
        default_value_t = DEFAULT_RATE,
        value_name = "N",
        value_parser = rate,
        allow_negative_numbers = true
    )]
    pub rate: f64,

    /// Network and carrier health of the simulated calls.
    #[arg(long, value_enum, default_value_t = Profile::default())]
    pub profile: Profile,

    /// Seed of the generator (default: random, printed in the summary); the
    /// same seed sends the same calls.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Share of deliveries sent twice, as SignalWire retries do.
    #[arg(
        long,
        default_value_t = DEFAULT_DUPLICATE_RATIO,
        value_name = "R",
        value_parser = ratio,
        allow_negative_numbers = true
    )]
    pub duplicate_ratio: f64,

    /// Share of calls with two neighbouring events delivered in the wrong
    /// order: a late progress event, or the terminal one before the answer.
    #[arg(
        long,
        default_value_t = DEFAULT_OUT_OF_ORDER_RATIO,
        value_name = "R",
        value_parser = ratio,
        allow_negative_numbers = true
    )]
    pub out_of_order_ratio: f64,

    /// Share of calls whose terminal callback is never sent: they stay active
    /// in the exporter until --calls.max-age, then count as unfinished.
    #[arg(
        long,
        default_value_t = DEFAULT_LOSE_TERMINAL_RATIO,
        value_name = "R",
        value_parser = ratio,
        allow_negative_numbers = true
    )]
    pub lose_terminal_ratio: f64,

    /// When events are sent [default: real-time for demo, back-to-back for
    /// simulate].
    #[arg(long, value_enum, value_name = "PACE")]
    pub pace: Option<Pace>,

    /// Which webhook the calls use: Compatibility API status callbacks
    /// (form), SWML call-state events (JSON, to the target's /call-state),
    /// or both (every other call).
    #[arg(long, value_enum, default_value_t = Webhook::default(), value_name = "WEBHOOK")]
    pub webhook: Webhook,
}

impl TrafficArgs {
    /// A simulator configuration sending this traffic to `target`.
    pub fn config(&self, target: String, key: SigningKey) -> SimConfig {
        let mut config = SimConfig::new(target, key);
        config.profile = self.profile;
        config.rate = self.rate;
        config.duplicate_ratio = self.duplicate_ratio;
        config.out_of_order_ratio = self.out_of_order_ratio;
        config.lose_terminal_ratio = self.lose_terminal_ratio;
        config.webhook = self.webhook;
        if let Some(pace) = self.pace {
            config.pace = pace;
        }
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config
    }
}

fn rate(value: &str) -> Result<f64, String> {
    let range = simulate::RATE_RANGE;
    value
        .parse::<f64>()
        .ok()
        .filter(|r| range.contains(r))
        .ok_or_else(|| {
            format!(
                "expected calls per second from {} to {}, e.g. 10",
                range.start(),
                range.end()
            )
        })
}

fn ratio(value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| "expected a share from 0 to 1, e.g. 0.02".to_owned())
}

fn target(value: &str) -> Result<String, String> {
    simulate::check_target(value).map(|()| value.to_owned())
}

fn concurrency(value: &str) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|c| (1..=10_000).contains(c))
        .ok_or_else(|| "expected a whole number from 1 to 10000, e.g. 8".to_owned())
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The exporter's status-callback URL, e.g. http://127.0.0.1:9711/status-callback.
    /// Signed exactly as given, query included.
    #[arg(long, value_name = "URL", value_parser = target)]
    pub target: String,

    /// SignalWire Signing Key the exporter checks (the first, if the variable
    /// holds a comma-separated list).
    #[arg(
        long,
        env = "SIGNALWIRE_SIGNING_KEY",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub signing_key: Vec<String>,

    /// File whose first key is used (one a line; blank lines and # comments
    /// skipped); wins over --signing-key.
    #[arg(long, value_name = "FILE")]
    pub signing_key_file: Option<PathBuf>,

    #[command(flatten)]
    pub traffic: TrafficArgs,

    /// Calls to simulate; 0 runs until Ctrl-C or SIGTERM.
    #[arg(long, default_value_t = DEFAULT_CALLS, value_name = "N")]
    pub calls: u64,

    /// Requests in flight at once.
    #[arg(
        long,
        default_value_t = DEFAULT_CONCURRENCY,
        value_name = "C",
        value_parser = concurrency
    )]
    pub concurrency: usize,
}

const NO_KEY: &str = "no signing key: set --signing-key, --signing-key-file or the \
    SIGNALWIRE_SIGNING_KEY environment variable to the Signing Key the exporter checks";

impl SimulateArgs {
    fn key(&self) -> Result<SigningKey, String> {
        let keys = match &self.signing_key_file {
            Some(file) => keys::collect(&[], Some(file), "--signing-key-file")?,
            None => keys::collect(&self.signing_key, None, "")?,
        };
        keys.into_iter().next().ok_or_else(|| NO_KEY.to_owned())
    }

    pub fn config(&self) -> Result<SimConfig, String> {
        let mut config = self.traffic.config(self.target.clone(), self.key()?);
        config.calls = (self.calls > 0).then_some(self.calls);
        config.concurrency = self.concurrency;
        Ok(config)
    }
}

/// `simulate`: sends, prints the summary, and exits 0 only if every
/// delivery was acknowledged.
pub(super) async fn simulate(args: SimulateArgs) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return refuse("signalwire-exporter simulate", &e),
    };
    let summary = simulate::run(config, shutdown_signal()).await;
    report(&summary)
}

/// Prints the one-line JSON summary; the exit code is 0 only if every
/// delivery was acknowledged.
pub(super) fn report(summary: &simulate::Summary) -> ExitCode {
    println!("{}", summary.to_json());
    if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_values_outside_their_range_are_refused_with_the_range() {
        assert_eq!(rate("0.5"), Ok(0.5));
        for bad in ["0", "-5", "NaN", "inf", "1e9", "ten"] {
            assert_eq!(
                rate(bad),
                Err("expected calls per second from 0.001 to 100000, e.g. 10".into())
            );
        }
        assert_eq!(ratio("0"), Ok(0.0));
        assert_eq!(ratio("1"), Ok(1.0));
        for bad in ["1.5", "-0.1", "NaN"] {
            assert_eq!(
                ratio(bad),
                Err("expected a share from 0 to 1, e.g. 0.02".into())
            );
        }
        assert_eq!(concurrency("8"), Ok(8));
        assert!(concurrency("0").is_err());
    }

    fn simulate_args(extra: &[&str]) -> Result<SimulateArgs, String> {
        use crate::cli::{Cli, Command};
        use clap::Parser;
        let argv = [
            "signalwire-exporter",
            "simulate",
            "--target=http://127.0.0.1:9/",
        ];
        let cli = Cli::try_parse_from(argv.iter().chain(extra)).map_err(|e| e.to_string())?;
        match cli.command {
            Some(Command::Simulate(args)) => Ok(args),
            _ => Err("not simulate".into()),
        }
    }

    #[test]
    fn delivery_flags_are_checked_like_the_other_shares_and_reach_the_config() {
        let args = simulate_args(&["--signing-key=k"]).unwrap();
        let config = args.config().unwrap();
        assert_eq!(config.out_of_order_ratio, DEFAULT_OUT_OF_ORDER_RATIO);
        assert_eq!(config.lose_terminal_ratio, 0.0);
        assert_eq!(config.pace, Pace::BackToBack);
        let args = simulate_args(&[
            "--signing-key=k",
            "--out-of-order-ratio=0.25",
            "--lose-terminal-ratio=1",
            "--pace=real-time",
        ]);
        let config = args.unwrap().config().unwrap();
        assert_eq!(config.out_of_order_ratio, 0.25);
        assert_eq!(config.lose_terminal_ratio, 1.0);
        assert_eq!(config.pace, Pace::RealTime);
        for flag in ["--out-of-order-ratio", "--lose-terminal-ratio"] {
            let error = simulate_args(&[flag, "-0.5"]).unwrap_err();
            let expected = format!(
                "error: invalid value '-0.5' for '{flag} <R>': expected a share from 0 to 1, \
                 e.g. 0.02"
            );
            assert_eq!(error.lines().next(), Some(expected.as_str()));
        }
    }

    #[test]
    fn the_key_file_wins_and_its_first_key_is_used() {
        let path = std::env::temp_dir().join(format!("swx-simkey-{}", std::process::id()));
        std::fs::write(&path, "# current first\n\nfilekey\nother\n").unwrap();
        let mut args = SimulateArgs {
            target: "http://127.0.0.1:1/status-callback".into(),
            signing_key: vec!["flagkey".into()],
            signing_key_file: Some(path.clone()),
            traffic: TrafficArgs {
                rate: 1.0,
                profile: Profile::Good,
                seed: None,
                duplicate_ratio: 0.0,
                out_of_order_ratio: 0.0,
                lose_terminal_ratio: 0.0,
                pace: None,
                webhook: Webhook::StatusCallback,
            },
            calls: 1,
            concurrency: 1,
        };
        let from_file = args.key();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(from_file, Ok(SigningKey::new("filekey")));
        args.signing_key_file = None;
        assert_eq!(args.key(), Ok(SigningKey::new("flagkey")));
        args.signing_key.clear();
        assert_eq!(args.key(), Err(NO_KEY.to_owned()));
    }
}
