//! How the status page judges the window: each quality issue's share of the
//! calls with media against the alert thresholds, and the one-line verdict.
//!
//! Colours follow the alert thresholds (README, "Alerts"): an issue share
//! above 10% is red, as `SignalWireLowMOS` and `SignalWireHighPacketLoss`
//! fire above it; above 5%, half way there, amber; green otherwise.

use maud::{html, Markup};

use super::format::share;
use crate::domain::Issue;
use crate::recorder::WindowCounts;

/// An issue share above this many percent is red: the `SignalWireLowMOS` threshold.
const RED_ABOVE_PERCENT: u128 = 10;
/// Above this, amber: half way to the alert.
const AMBER_ABOVE_PERCENT: u128 = 5;

/// How a figure compares with the alert thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing to judge: no calls with media.
    None,
    Green,
    Amber,
    Red,
}

impl Level {
    pub fn class(self) -> &'static str {
        match self {
            Level::None => "grey",
            Level::Green => "green",
            Level::Amber => "amber",
            Level::Red => "red",
        }
    }
}

/// The colour of `calls` out of `with_media`: red above 10%, amber above 5%.
pub fn share_level(calls: u64, with_media: u64) -> Level {
    if with_media == 0 {
        return Level::None;
    }
    // Integer comparisons: exactly 10% is not "more than 10%".
    let (calls, total) = (u128::from(calls), u128::from(with_media));
    if calls * 100 > total * RED_ABOVE_PERCENT {
        Level::Red
    } else if calls * 100 > total * AMBER_ABOVE_PERCENT {
        Level::Amber
    } else {
        Level::Green
    }
}

/// One line that says whether anything is wrong, coloured by the worst share.
pub fn banner(counts: &WindowCounts, window: &str) -> Markup {
    let level = |i: Issue| share_level(counts.issues[i.index()], counts.with_media);
    let worst = Issue::ALL
        .iter()
        .copied()
        .map(level)
        .max()
        .unwrap_or(Level::None);
    // The issues at the worst level; `any` only when it alone is there (say,
    // 6% low MOS and 6% high loss in different calls make 12% with any).
    let at_worst: Vec<Issue> = Issue::ALL
        .iter()
        .copied()
        .filter(|i| level(*i) == worst)
        .collect();
    let named: Vec<String> = at_worst
        .iter()
        .filter(|i| **i != Issue::Any || at_worst.len() == 1)
        .map(|i| {
            let n = counts.issues[i.index()];
            format!(
                "{} in {}",
                lowercase(i.title()),
                share(n, counts.with_media)
            )
        })
        .collect();
    let ended = counts.ended;
    let text = match worst {
        Level::None if ended == 0 => format!("No calls ended in the {window}."),
        Level::None => {
            format!("{ended} calls ended in the {window}, none with inbound media to judge.")
        }
        Level::Green => format!("Call quality looks healthy: {ended} calls ended in the {window}."),
        Level::Amber => format!(
            "Call quality needs watching: {} of calls with media.",
            named.join(", ")
        ),
        Level::Red => format!(
            "Call quality degraded: {} of calls with media.",
            named.join(", ")
        ),
    };
    html! { div class={ "banner " (worst.class()) } id="verdict" { (text) } }
}

/// "Low MOS" → "low MOS": a label inside a sentence.
fn lowercase(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_above_ten_percent_are_red_above_five_amber_else_green() {
        assert_eq!(share_level(11, 100), Level::Red);
        assert_eq!(share_level(10, 100), Level::Amber);
        assert_eq!(share_level(6, 100), Level::Amber);
        assert_eq!(share_level(5, 100), Level::Green);
        assert_eq!(share_level(0, 100), Level::Green);
        assert_eq!(share_level(0, 0), Level::None);
        assert_eq!(share_level(u64::MAX, u64::MAX), Level::Red);
    }
}
