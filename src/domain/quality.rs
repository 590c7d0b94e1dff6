//! Quality issues of a terminal call, after Twilio Voice Insights' call tags,
//! and silence (one-way audio), which is judged apart: it concerns calls
//! without media too.

use std::time::Duration;

closed_set!(
    /// The `issue` label values: the quality issues (Twilio Voice Insights'
    /// call tags) and `any`, at least one of them, last. A new issue is a
    /// line here, a field of [`Thresholds`] and its check in
    /// [`Thresholds::assess`].
    Issue {
        LowMos => "low_mos",
        HighPacketLoss => "high_packet_loss",
        HighJitter => "high_jitter",
        Any => "any",
    }
);

impl Issue {
    /// Exact label value, `any` included.
    pub fn parse(s: &str) -> Option<Issue> {
        Issue::from_name(s)
    }

    /// Its name on the status page, as a card's title.
    pub fn title(self) -> &'static str {
        match self {
            Issue::LowMos => "Low MOS",
            Issue::HighPacketLoss => "High packet loss",
            Issue::HighJitter => "High jitter",
            Issue::Any => "Any issue",
        }
    }

    /// The issues themselves, without `any`.
    pub fn named() -> impl Iterator<Item = Issue> {
        Issue::ALL.iter().copied().filter(|i| *i != Issue::Any)
    }

    const fn bit(self) -> u8 {
        match self {
            Issue::Any => 0,
            _ => 1 << self as u8,
        }
    }
}

// Each issue has a bit of the set's byte.
const _: () = assert!(Issue::COUNT <= 8);

/// The issues one call has, as a set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Issues(u8);

impl Issues {
    pub fn of(issues: &[Issue]) -> Issues {
        Issues(issues.iter().fold(0, |bits, i| bits | i.bit()))
    }

    fn with(self, issue: Issue, held: bool) -> Issues {
        if held {
            Issues(self.0 | issue.bit())
        } else {
            self
        }
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `Any` is in every non-empty set.
    pub fn contains(self, issue: Issue) -> bool {
        match issue {
            Issue::Any => !self.is_empty(),
            _ => self.0 & issue.bit() != 0,
        }
    }

    /// The issues held, without `any`, in label order: the `/calls` list.
    pub fn named(self) -> impl Iterator<Item = Issue> {
        Issue::named().filter(move |i| self.contains(*i))
    }

    /// Every `issue` label to count once for this call: the issues held and
    /// `any` when there is at least one.
    pub fn labels(self) -> impl Iterator<Item = Issue> {
        Issue::ALL
            .iter()
            .copied()
            .filter(move |i| self.contains(*i))
    }
}

/// Valid readings of a terminal event; `None` when absent or invalid.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quality {
    pub mos: Option<f64>,
    pub media_packets: Option<f64>,
    pub skipped_packets: Option<f64>,
    /// AudioInJitterMaxVariance, in ms².
    pub jitter_max_variance: Option<f64>,
    /// A SipResultCode from 100 to 699; anything else is `None`.
    pub sip_result_code: Option<u16>,
    /// CallDuration.
    pub duration_seconds: Option<f64>,
    /// AudioInAveragePtime, in seconds; `None` without media.
    pub average_ptime_seconds: Option<f64>,
    /// The terminal status is `completed`: only such a call can be silent.
    pub completed: bool,
}

/// `--quality.*` thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `low_mos` when MOS ≤ this.
    pub low_mos: f64,
    /// `high_packet_loss` when skipped / (media + skipped) > this.
    pub high_packet_loss: f64,
    /// `high_jitter` when AudioInJitterMaxVariance (ms²) > this.
    pub high_jitter_variance: f64,
    /// Silence is judged on completed calls at least this long.
    pub silence_min_duration: Duration,
    /// Silent when inbound packets < this × the packets expected.
    pub silence_ratio: f64,
}

/// The ptime assumed when AudioInAveragePtime is absent, invalid or not
/// above 0: 20 ms, the usual for G.711 and Opus.
const DEFAULT_PTIME_SECONDS: f64 = 0.020;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            low_mos: 3.5,
            high_packet_loss: 0.05,
            // A 30 ms deviation, squared.
            high_jitter_variance: 900.0,
            silence_min_duration: Duration::from_secs(5),
            silence_ratio: 0.1,
        }
    }
}

/// What a terminal event says about its call's audio.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Audio {
    /// AudioInMediaPacketCount > 0.
    pub with_media: bool,
    pub issues: Issues,
    /// The readings below are `None` without media: MOS and jitter are then
    /// placeholders, as the recorder treats them.
    pub mos: Option<f64>,
    pub packet_loss_ratio: Option<f64>,
    pub jitter_max_variance: Option<f64>,
    /// Completed, long enough, and far fewer inbound packets than its
    /// duration implies: one-way audio. Not an [`Issue`].
    pub silent: bool,
}

impl Thresholds {
    /// What `issue` means under these thresholds, as the status page says it.
    pub fn meaning(&self, issue: Issue) -> String {
        // A ratio as a percentage with at most one decimal: 0.05 is "5%".
        let percent = |ratio: f64| format!("{}%", (ratio * 1000.0).round() / 10.0);
        match issue {
            Issue::LowMos => format!("MOS ≤ {}", self.low_mos),
            Issue::HighPacketLoss => format!("loss > {}", percent(self.high_packet_loss)),
            Issue::HighJitter => format!("jitter variance > {} ms²", self.high_jitter_variance),
            Issue::Any => "at least one of these".to_owned(),
        }
    }

    pub fn assess(&self, q: &Quality) -> Audio {
        let silent = self.is_silent(q);
        let Some(media) = q.media_packets.filter(|m| *m > 0.0) else {
            return Audio {
                silent,
                ..Audio::default()
            };
        };
        let loss = q.skipped_packets.map(|s| s / (media + s));
        let jitter = q.jitter_max_variance;
        let issues = Issues::default()
            .with(Issue::LowMos, q.mos.is_some_and(|m| m <= self.low_mos))
            .with(
                Issue::HighPacketLoss,
                loss.is_some_and(|l| l > self.high_packet_loss),
            )
            .with(
                Issue::HighJitter,
                jitter.is_some_and(|j| j > self.high_jitter_variance),
            );
        Audio {
            with_media: true,
            issues,
            mos: q.mos,
            packet_loss_ratio: loss,
            jitter_max_variance: jitter,
            silent,
        }
    }

    /// Silence needs a valid duration and packet count; 0 packets on a long
    /// completed call is the one-way-audio case itself.
    fn is_silent(&self, q: &Quality) -> bool {
        let (Some(duration), Some(media)) = (q.duration_seconds, q.media_packets) else {
            return false;
        };
        let ptime = q
            .average_ptime_seconds
            .filter(|p| *p > 0.0)
            .unwrap_or(DEFAULT_PTIME_SECONDS);
        q.completed
            && duration >= self.silence_min_duration.as_secs_f64()
            && media < self.silence_ratio * duration / ptime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(media: f64, skipped: f64, mos: f64, jitter: f64) -> Quality {
        Quality {
            mos: Some(mos),
            media_packets: Some(media),
            skipped_packets: Some(skipped),
            jitter_max_variance: Some(jitter),
            ..Quality::default()
        }
    }

    fn issues(q: &Quality) -> Vec<&'static str> {
        Thresholds::default()
            .assess(q)
            .issues
            .labels()
            .map(Issue::as_str)
            .collect()
    }

    #[test]
    fn each_threshold_is_inclusive_for_mos_and_strict_for_loss_and_jitter() {
        assert_eq!(issues(&audio(95.0, 5.0, 3.5, 900.0)), ["low_mos", "any"]);
        assert_eq!(issues(&audio(95.0, 5.0, 3.51, 900.0)), Vec::<&str>::new());
        assert_eq!(
            issues(&audio(94.0, 6.0, 4.4, 900.5)),
            ["high_packet_loss", "high_jitter", "any"]
        );
    }

    #[test]
    fn a_call_without_media_has_no_issue_and_no_readings() {
        for media in [None, Some(0.0)] {
            let q = Quality {
                media_packets: media,
                ..audio(0.0, 50.0, 1.0, 5000.0)
            };
            assert_eq!(Thresholds::default().assess(&q), Audio::default());
        }
    }

    #[test]
    fn invalid_readings_raise_no_issue() {
        let q = Quality {
            media_packets: Some(100.0),
            ..Quality::default()
        };
        let a = Thresholds::default().assess(&q);
        assert!(a.with_media);
        assert!(a.issues.is_empty());
        assert_eq!(a.packet_loss_ratio, None);
    }

    #[test]
    fn the_loss_ratio_counts_skipped_packets_over_all_expected() {
        let a = Thresholds::default().assess(&audio(300.0, 100.0, 4.0, 1.0));
        assert_eq!(a.packet_loss_ratio, Some(0.25));
        assert_eq!(
            a.issues.named().collect::<Vec<_>>(),
            [Issue::HighPacketLoss]
        );
    }

    fn silent(media: Option<f64>, duration: Option<f64>, ptime: Option<f64>) -> bool {
        let q = Quality {
            media_packets: media,
            duration_seconds: duration,
            average_ptime_seconds: ptime,
            completed: true,
            ..Quality::default()
        };
        Thresholds::default().assess(&q).silent
    }

    #[test]
    fn a_long_completed_call_with_fewer_than_a_tenth_of_its_packets_is_silent() {
        // 60 s at 20 ms is 3000 packets expected; silent below 300.
        assert!(silent(Some(0.0), Some(60.0), None));
        assert!(silent(Some(299.0), Some(60.0), Some(0.020)));
        assert!(!silent(Some(300.0), Some(60.0), Some(0.020)));
        // At 60 ms, 1000 expected.
        assert!(silent(Some(99.0), Some(60.0), Some(0.060)));
        assert!(!silent(Some(100.0), Some(60.0), Some(0.060)));
    }

    #[test]
    fn silence_needs_the_minimum_duration_a_packet_count_and_a_completed_call() {
        assert!(silent(Some(0.0), Some(5.0), None));
        assert!(!silent(Some(0.0), Some(4.9), None));
        assert!(!silent(None, Some(60.0), None));
        assert!(!silent(Some(0.0), None, None));
        let failed = Quality {
            media_packets: Some(0.0),
            duration_seconds: Some(60.0),
            ..Quality::default()
        };
        assert!(!Thresholds::default().assess(&failed).silent);
    }

    #[test]
    fn a_ptime_of_zero_falls_back_to_20_ms_and_silence_is_no_issue() {
        assert!(silent(Some(299.0), Some(60.0), Some(0.0)));
        assert!(!silent(Some(300.0), Some(60.0), Some(0.0)));
        let q = Quality {
            media_packets: Some(10.0),
            duration_seconds: Some(60.0),
            completed: true,
            ..Quality::default()
        };
        let a = Thresholds::default().assess(&q);
        assert!(a.silent && a.with_media && a.issues.is_empty());
    }

    #[test]
    fn issue_names_parse_exactly_and_any_is_implied() {
        assert_eq!(Issue::parse("high_jitter"), Some(Issue::HighJitter));
        assert_eq!(Issue::parse("any"), Some(Issue::Any));
        assert_eq!(Issue::parse("High_Jitter"), None);
        assert!(!Issues::default().contains(Issue::Any));
        assert!(Issues::of(&[Issue::LowMos]).contains(Issue::Any));
        assert_eq!(Issues::of(&[Issue::Any]), Issues::default());
    }

    #[test]
    fn every_issue_has_a_title_and_a_meaning() {
        let t = Thresholds::default();
        for &issue in Issue::ALL {
            assert!(!issue.title().is_empty() && !t.meaning(issue).is_empty());
        }
        assert_eq!(t.meaning(Issue::HighPacketLoss), "loss > 5%");
    }
}
