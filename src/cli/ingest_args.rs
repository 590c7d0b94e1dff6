//! The flags of what the exporter keeps and judges of each accepted
//! callback: duplicate suppression, per-call state and the quality
//! thresholds. Each group builds its part's typed configuration, whose
//! `Default` is also the default the flag shows.

use clap::Args;

use crate::call_state::CallsConfig;
use crate::dedupe::DedupeConfig;
use crate::domain::Thresholds;

#[derive(Debug, Clone, Args)]
pub struct DedupeArgs {
    /// How many recent events to remember for duplicate suppression
    /// (0 turns it off).
    #[arg(
        long = "dedupe.capacity",
        env = "SIGNALWIRE_EXPORTER_DEDUPE_CAPACITY",
        default_value_t = DedupeConfig::default().capacity,
        value_name = "ENTRIES"
    )]
    pub dedupe_capacity: usize,

    /// How long an event is remembered for duplicate suppression.
    #[arg(
        long = "dedupe.ttl",
        env = "SIGNALWIRE_EXPORTER_DEDUPE_TTL",
        default_value_t = DedupeConfig::default().ttl.into(),
        value_name = "DURATION"
    )]
    pub dedupe_ttl: humantime::Duration,
}

impl DedupeArgs {
    pub fn config(&self) -> DedupeConfig {
        DedupeConfig {
            capacity: self.dedupe_capacity,
            ttl: self.dedupe_ttl.into(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CallsArgs {
    /// A call in progress is forgotten (counted unfinished, reason max_age)
    /// this long after its first event.
    #[arg(
        long = "calls.max-age",
        env = "SIGNALWIRE_EXPORTER_CALLS_MAX_AGE",
        default_value_t = CallsConfig::default().max_age.into(),
        value_name = "DURATION"
    )]
    pub calls_max_age: humantime::Duration,

    /// Calls in progress kept at most; a new call evicts the oldest
    /// (counted unfinished, reason capacity).
    #[arg(
        long = "calls.capacity",
        env = "SIGNALWIRE_EXPORTER_CALLS_CAPACITY",
        default_value_t = CallsConfig::default().capacity,
        value_name = "CALLS"
    )]
    pub calls_capacity: usize,

    /// Finished calls with a quality issue or a failed end kept for /calls.
    #[arg(
        long = "calls.recent",
        env = "SIGNALWIRE_EXPORTER_CALLS_RECENT",
        default_value_t = CallsConfig::default().recent,
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
}

impl CallsArgs {
    /// The per-call state these flags and the quality ones describe, or the
    /// one line naming the flag whose value makes no sense (`--calls.*`
    /// first).
    pub fn config(&self, quality: &QualityArgs) -> Result<CallsConfig, String> {
        if self.calls_max_age.is_zero() {
            return Err("--calls.max-age must be longer than 0".into());
        }
        Ok(CallsConfig {
            capacity: self.calls_capacity,
            max_age: self.calls_max_age.into(),
            recent: self.calls_recent,
            include_numbers: self.calls_include_numbers,
            thresholds: quality.thresholds()?,
            ..CallsConfig::default()
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct QualityArgs {
    /// A call with media has the low_mos issue when its MOS is at most this
    /// (1 to 5).
    #[arg(
        long = "quality.low-mos",
        env = "SIGNALWIRE_EXPORTER_QUALITY_LOW_MOS",
        default_value_t = Thresholds::default().low_mos,
        value_name = "MOS"
    )]
    pub quality_low_mos: f64,

    /// high_packet_loss above this share of inbound packets lost (0 to 1).
    #[arg(
        long = "quality.high-packet-loss",
        env = "SIGNALWIRE_EXPORTER_QUALITY_HIGH_PACKET_LOSS",
        default_value_t = Thresholds::default().high_packet_loss,
        value_name = "RATIO"
    )]
    pub quality_high_packet_loss: f64,

    /// high_jitter above this AudioInJitterMaxVariance, in ms² (900 is a
    /// 30 ms deviation).
    #[arg(
        long = "quality.high-jitter-variance",
        env = "SIGNALWIRE_EXPORTER_QUALITY_HIGH_JITTER_VARIANCE",
        default_value_t = Thresholds::default().high_jitter_variance,
        value_name = "MS2"
    )]
    pub quality_high_jitter_variance: f64,

    /// A completed call at least this long is judged for silence (one-way
    /// audio).
    #[arg(
        long = "quality.silence-min-duration",
        env = "SIGNALWIRE_EXPORTER_QUALITY_SILENCE_MIN_DURATION",
        default_value_t = Thresholds::default().silence_min_duration.into(),
        value_name = "DURATION"
    )]
    pub quality_silence_min_duration: humantime::Duration,

    /// Such a call is silent when its inbound packets are below this share
    /// of CallDuration / ptime (0 to 1).
    #[arg(
        long = "quality.silence-ratio",
        env = "SIGNALWIRE_EXPORTER_QUALITY_SILENCE_RATIO",
        default_value_t = Thresholds::default().silence_ratio,
        value_name = "RATIO"
    )]
    pub quality_silence_ratio: f64,
}

impl QualityArgs {
    /// The thresholds, or the one line naming the flag out of its range.
    pub fn thresholds(&self) -> Result<Thresholds, String> {
        let in_range = |value: f64, low: f64, high: f64, flag: &str| {
            if (low..=high).contains(&value) {
                Ok(value)
            } else {
                Err(format!("{flag} must be from {low} to {high}, not {value}"))
            }
        };
        let low_mos = in_range(self.quality_low_mos, 1.0, 5.0, "--quality.low-mos")?;
        let high_packet_loss = in_range(
            self.quality_high_packet_loss,
            0.0,
            1.0,
            "--quality.high-packet-loss",
        )?;
        let jitter = self.quality_high_jitter_variance;
        if !(jitter.is_finite() && jitter >= 0.0) {
            return Err(format!(
                "--quality.high-jitter-variance must be 0 or more (ms²), not {jitter}"
            ));
        }
        let silence_ratio = in_range(
            self.quality_silence_ratio,
            0.0,
            1.0,
            "--quality.silence-ratio",
        )?;
        // A threshold without a flag keeps its default.
        #[allow(clippy::needless_update)]
        Ok(Thresholds {
            low_mos,
            high_packet_loss,
            high_jitter_variance: jitter,
            silence_min_duration: self.quality_silence_min_duration.into(),
            silence_ratio,
            ..Thresholds::default()
        })
    }
}
