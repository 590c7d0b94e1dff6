//! The status page's figures, built once per request: the window's counts,
//! its span, the verdict and the hour's trend. The page renders them as
//! HTML and `GET /` with `Accept: application/json` as JSON, so both say
//! the same.

use std::time::Duration;

use serde::ser::{Serialize, SerializeMap, Serializer};
use time::format_description::well_known::Rfc3339;

use super::verdict::{verdict, Verdict};
use crate::domain::Issue;
use crate::recorder::{Ended, Minute, WindowCounts, ENDED, WINDOW_SECONDS};

/// How much time the counts cover: 5 minutes, or the uptime until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub seconds: u64,
}

impl Span {
    pub fn of(uptime: Duration) -> Span {
        Span {
            seconds: uptime.as_secs().min(WINDOW_SECONDS),
        }
    }

    /// Whether the exporter has run for the whole window.
    pub fn is_full(self) -> bool {
        self.seconds >= WINDOW_SECONDS
    }

    /// As a title reads it: "last 5 minutes", "since start (1 min 30 s)".
    pub fn label(self) -> String {
        if self.is_full() {
            return "last 5 minutes".to_owned();
        }
        let (m, s) = (self.seconds / 60, self.seconds % 60);
        match (m, s) {
            (0, s) => format!("since start ({s} s)"),
            (m, 0) => format!("since start ({m} min)"),
            (m, s) => format!("since start ({m} min {s} s)"),
        }
    }

    /// As it ends a sentence: "in the last 5 minutes", "since start (42 s)".
    pub fn phrase(self) -> String {
        match self.is_full() {
            true => format!("in the {}", self.label()),
            false => self.label(),
        }
    }
}

/// Everything the status page says about calls.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusFigures {
    pub span: Span,
    pub counts: WindowCounts,
    pub verdict: Verdict,
    /// The last hour, oldest first, the current minute last.
    pub minutes: Vec<Minute>,
}

impl StatusFigures {
    pub fn new(uptime: Duration, counts: WindowCounts, minutes: Vec<Minute>) -> Self {
        let span = Span::of(uptime);
        StatusFigures {
            verdict: verdict(&counts, &span.phrase()),
            span,
            counts,
            minutes,
        }
    }
}

/// `{"completed": n, "busy": n, ...}`.
struct EndedKeys<'a>(&'a Ended);

impl Serialize for EndedKeys<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(ENDED.iter().map(|st| st.as_str()).zip(self.0.iter()))
    }
}

struct Issues<'a>(&'a [u64; Issue::COUNT]);

impl Serialize for Issues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(Issue::ALL.iter().map(|i| (i.as_str(), self.0[i.index()])))
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("level", self.level.as_str())?;
        m.serialize_entry("condition", &self.condition.map(|c| c.as_str()))?;
        m.serialize_entry("text", &self.text)?;
        m.end()
    }
}

struct MinuteKeys<'a>(&'a Minute);

impl Serialize for MinuteKeys<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (start, c) = (self.0.start.format(&Rfc3339).ok(), &self.0.counts);
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("start", &start)?;
        m.serialize_entry("ended", &EndedKeys(&c.ended))?;
        m.serialize_entry("with_media", &c.with_media)?;
        m.serialize_entry("any", &c.any)?;
        m.serialize_entry("silent", &c.silent)?;
        m.end()
    }
}

impl Serialize for StatusFigures {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.counts;
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("window_seconds", &self.span.seconds)?;
        m.serialize_entry("ended", &EndedKeys(&c.ended))?;
        m.serialize_entry("with_media", &c.with_media)?;
        m.serialize_entry("issues", &Issues(&c.issues))?;
        m.serialize_entry("silent", &c.silent)?;
        m.serialize_entry("verdict", &self.verdict)?;
        let minutes: Vec<MinuteKeys<'_>> = self.minutes.iter().map(MinuteKeys).collect();
        m.serialize_entry("minutes", &minutes)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_says_since_start_until_five_minutes_have_passed() {
        let span = |s| Span::of(Duration::from_millis(s));
        assert_eq!(span(42_900).label(), "since start (42 s)");
        assert_eq!(span(90_000).phrase(), "since start (1 min 30 s)");
        assert_eq!(span(240_000).label(), "since start (4 min)");
        assert_eq!(span(299_999).seconds, 299);
        assert_eq!(span(300_000).phrase(), "in the last 5 minutes");
        assert_eq!(span(86_400_000).seconds, 300);
    }
}
