//! How the status page judges its window: each condition's share against
//! its alert's threshold, with at least the alert's volume floor, and the
//! one verdict naming the worst.
//!
//! [`Condition::rule`] is the one place the page holds the shipped alert
//! rules' figures (`prometheus/rules/signalwire.rules.yml`, from
//! `mixin/config.libsonnet`); a test reads the rules to keep them equal.

use super::format::share;
use crate::domain::{CallStatus, Issue};
use crate::recorder::WindowCounts;

/// What the page judges: failures, silence and the quality issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Failures,
    Silence,
    LowMos,
    HighPacketLoss,
    HighJitter,
}

/// An alert's figures: above `threshold_permille` ‰ of at least `floor` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The alert it mirrors; `None` where there is none.
    pub alert: Option<&'static str>,
    pub threshold_permille: u64,
    pub floor: u64,
}

impl Condition {
    /// Ties go to the first.
    pub const ALL: [Condition; 5] = [
        Condition::Failures,
        Condition::Silence,
        Condition::LowMos,
        Condition::HighPacketLoss,
        Condition::HighJitter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Failures => "failures",
            Condition::Silence => "silence",
            Condition::LowMos => "low_mos",
            Condition::HighPacketLoss => "high_packet_loss",
            Condition::HighJitter => "high_jitter",
        }
    }

    /// Its name inside a sentence.
    fn name(self) -> &'static str {
        match self {
            Condition::Failures => "failures",
            Condition::Silence => "silence",
            Condition::LowMos => "low MOS",
            Condition::HighPacketLoss => "high packet loss",
            Condition::HighJitter => "high jitter",
        }
    }

    /// What its share is of, after "of 120".
    pub fn of_what(self) -> &'static str {
        match self {
            Condition::Failures => "calls ended",
            Condition::Silence => "completed calls",
            _ => "calls with media",
        }
    }

    /// The figures of the shipped alert rule it mirrors.
    pub const fn rule(self) -> Rule {
        match self {
            Condition::Failures => Rule {
                alert: Some("SignalWireCallFailureRateHigh"),
                threshold_permille: 100,
                floor: 50,
            },
            Condition::Silence => Rule {
                alert: Some("SignalWireSilentCalls"),
                threshold_permille: 50,
                floor: 30,
            },
            Condition::LowMos => Rule {
                alert: Some("SignalWireLowMOS"),
                threshold_permille: 100,
                floor: 30,
            },
            Condition::HighPacketLoss => Rule {
                alert: Some("SignalWireHighPacketLoss"),
                threshold_permille: 100,
                floor: 30,
            },
            // No alert: judged like low MOS.
            Condition::HighJitter => Rule {
                alert: None,
                ..Condition::LowMos.rule()
            },
        }
    }

    /// The condition an issue's card is judged as; `any` like low MOS.
    pub fn of_issue(issue: Issue) -> Condition {
        match issue {
            Issue::LowMos | Issue::Any => Condition::LowMos,
            Issue::HighPacketLoss => Condition::HighPacketLoss,
            Issue::HighJitter => Condition::HighJitter,
        }
    }

    /// Its calls, and the calls its share is of.
    pub fn count(self, c: &WindowCounts) -> (u64, u64) {
        let issue = |i: Issue| (c.issues[i.index()], c.with_media);
        match self {
            Condition::Failures => {
                let failed = [CallStatus::Failed, CallStatus::Busy, CallStatus::NoAnswer];
                (failed.iter().map(|s| c.ended(*s)).sum(), c.ended_total())
            }
            Condition::Silence => (c.silent, c.ended(CallStatus::Completed)),
            Condition::LowMos => issue(Issue::LowMos),
            Condition::HighPacketLoss => issue(Issue::HighPacketLoss),
            Condition::HighJitter => issue(Issue::HighJitter),
        }
    }
}

/// How a figure compares with its alert, and the verdict's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing to judge.
    Unknown,
    Ok,
    /// Above half the threshold.
    Warning,
    /// Above the threshold.
    Critical,
}

impl Level {
    /// Its colour, a class of the stylesheet.
    pub fn class(self) -> &'static str {
        match self {
            Level::Unknown => "grey",
            Level::Ok => "green",
            Level::Warning => "amber",
            Level::Critical => "red",
        }
    }

    /// Its name in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

/// `calls` out of `of` against `rule`'s threshold, whatever the volume.
pub fn share_level(calls: u64, of: u64, rule: Rule) -> Level {
    if of == 0 {
        return Level::Unknown;
    }
    // Integer comparisons: exactly 10% is not "more than 10%".
    let (calls, of) = (u128::from(calls), u128::from(of));
    let t = u128::from(rule.threshold_permille);
    if calls * 1000 > of * t {
        Level::Critical
    } else if calls * 2000 > of * t {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// The page's one-line verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub level: Level,
    /// The worst condition; `None` when the level is ok or unknown.
    pub condition: Option<Condition>,
    pub text: String,
}

/// The worst condition at or above its floor, by share over threshold.
/// `phrase` is the window as it ends a sentence ("in the last 5 minutes").
pub fn verdict(c: &WindowCounts, phrase: &str) -> Verdict {
    let judged: Vec<(Condition, u64, u64)> = Condition::ALL
        .iter()
        .map(|k| (*k, k.count(c)))
        .filter(|(k, (_, of))| *of > 0 && *of >= k.rule().floor)
        .map(|(k, (n, of))| (k, n, of))
        .collect();
    // Relative to its threshold; the first of equals wins.
    let relative = |&(k, n, of): &(Condition, u64, u64)| {
        n as f64 / of as f64 / (k.rule().threshold_permille as f64 / 1000.0)
    };
    let worst = judged
        .iter()
        .fold(None, |best: Option<&(_, _, _)>, j| match best {
            Some(b) if relative(b) >= relative(j) => Some(b),
            _ => Some(j),
        });
    let ended = c.ended_total();
    let Some(&(k, n, of)) = worst else {
        let text = match ended {
            0 => format!("No calls ended {phrase}."),
            _ => format!("Too few calls to judge: {} ended {phrase}.", calls(ended)),
        };
        return Verdict {
            level: Level::Unknown,
            condition: None,
            text,
        };
    };
    let level = share_level(n, of, k.rule());
    let named = format!(
        "{} in {} of {of} {} {phrase}.",
        k.name(),
        share(n, of),
        k.of_what()
    );
    let (condition, text) = match level {
        Level::Critical => (Some(k), format!("Calls degraded: {named}")),
        Level::Warning => (Some(k), format!("Calls need watching: {named}")),
        _ => (
            None,
            format!("Calls look healthy: {} ended {phrase}.", calls(ended)),
        ),
    };
    Verdict {
        level,
        condition,
        text,
    }
}

/// "1 call", "12 calls".
pub fn calls(n: u64) -> String {
    match n {
        1 => "1 call".to_owned(),
        n => format!("{n} calls"),
    }
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
