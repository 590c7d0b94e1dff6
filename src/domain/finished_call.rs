//! One record per finished call: built once, from its terminal event and
//! what its earlier events left in the call table. `/calls` serializes it,
//! the pages and the log line render it, the recorder counts it.

use serde::ser::{Serialize, SerializeMap, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::country::Country;
use super::labels::{CallStatus, Direction};
use super::params::{Params, Value};
use super::quality::{Audio, Issue, Issues};

/// A call that ended, once per call.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedCall {
    /// Receipt order of the terminal event: exact where `received_at` has
    /// the clock's resolution.
    pub sequence: u64,
    pub received_at: OffsetDateTime,
    pub account_sid: String,
    pub call_sid: String,
    /// The `project` label value; `None` without a projects file.
    pub project: Option<std::sync::Arc<str>>,
    pub status: CallStatus,
    pub direction: Direction,
    pub sip_result_code: Option<u16>,
    pub duration_seconds: Option<f64>,
    /// Its audio: MOS, loss and jitter, and the quality issues they raise.
    pub audio: Audio,
    /// Whole seconds from form callbacks; a call-state event's timestamps
    /// carry fractions.
    pub post_dial_delay_seconds: Option<f64>,
    pub answer_delay_seconds: Option<f64>,
    /// `Some` only with `include_numbers`; the keys are absent otherwise.
    pub numbers: Option<Box<RecordedNumbers>>,
    /// The remote party's country, with `--labels.country` only.
    pub country: Option<Country>,
}

/// Personal data of a call: phone numbers and the caller's name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Numbers<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub forwarded_from: Option<&'a str>,
    pub caller_name: Option<&'a str>,
}

impl<'a> Numbers<'a> {
    /// From, To, ForwardedFrom and CallerName, where present and not empty.
    pub fn from_params(params: &'a Params<'_>) -> Self {
        let text = |name: &str| {
            params
                .get(name)
                .and_then(Value::as_text)
                .filter(|s| !s.is_empty())
        };
        Numbers {
            from: text("From"),
            to: text("To"),
            forwarded_from: text("ForwardedFrom"),
            caller_name: text("CallerName"),
        }
    }
}

/// [`Numbers`], owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedNumbers {
    pub from: Option<String>,
    pub to: Option<String>,
    pub forwarded_from: Option<String>,
    pub caller_name: Option<String>,
}

impl RecordedNumbers {
    pub fn of(n: &Numbers<'_>) -> Self {
        RecordedNumbers {
            from: n.from.map(str::to_owned),
            to: n.to.map(str::to_owned),
            forwarded_from: n.forwarded_from.map(str::to_owned),
            caller_name: n.caller_name.map(str::to_owned),
        }
    }
}

impl FinishedCall {
    pub fn issues(&self) -> Issues {
        self.audio.issues
    }

    /// Completed with next to no inbound audio (`Thresholds::assess`).
    pub fn is_silent(&self) -> bool {
        self.audio.silent
    }

    /// Whether the call belongs on `/calls`: a quality issue, silence, or
    /// an end as `failed`, `busy` or `no-answer`.
    pub fn is_worth_listing(&self) -> bool {
        !self.issues().is_empty()
            || self.is_silent()
            || matches!(
                self.status,
                CallStatus::Failed | CallStatus::Busy | CallStatus::NoAnswer
            )
    }
}

/// Whole numbers print without a fraction (`57`, not `57.0`); values that
/// JSON cannot carry print as `null`.
struct Number(Option<f64>);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match self.0 {
            Some(x) if x.fract() == 0.0 && x.abs() <= EXACT => s.serialize_i64(x as i64),
            Some(x) if x.is_finite() => s.serialize_f64(x),
            _ => s.serialize_none(),
        }
    }
}

/// What `/calls` and the log line list for a call: its quality issues, then
/// `silence`.
pub const SILENCE: &str = "silence";

impl FinishedCall {
    /// The `issues` of its `/calls` entry, in order.
    pub fn issue_names(&self) -> impl Iterator<Item = &'static str> {
        let silence = self.is_silent().then_some(SILENCE);
        self.issues().named().map(Issue::as_str).chain(silence)
    }
}

struct IssueNames<'a>(&'a FinishedCall);

impl Serialize for IssueNames<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.issue_names())
    }
}

impl Serialize for FinishedCall {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("received_at", &self.received_at.format(&Rfc3339).ok())?;
        m.serialize_entry("account_sid", &self.account_sid)?;
        m.serialize_entry("call_sid", &self.call_sid)?;
        m.serialize_entry("project", &self.project.as_deref())?;
        m.serialize_entry("status", self.status.as_str())?;
        m.serialize_entry("direction", self.direction.as_str())?;
        m.serialize_entry("sip_result_code", &self.sip_result_code)?;
        m.serialize_entry("duration_seconds", &Number(self.duration_seconds))?;
        m.serialize_entry("mos", &Number(self.audio.mos))?;
        m.serialize_entry("packet_loss_ratio", &Number(self.audio.packet_loss_ratio))?;
        m.serialize_entry(
            "jitter_max_variance",
            &Number(self.audio.jitter_max_variance),
        )?;
        m.serialize_entry(
            "post_dial_delay_seconds",
            &Number(self.post_dial_delay_seconds),
        )?;
        m.serialize_entry("answer_delay_seconds", &Number(self.answer_delay_seconds))?;
        m.serialize_entry("issues", &IssueNames(self))?;
        m.serialize_entry("country", &self.country.as_ref().map(Country::as_str))?;
        if let Some(n) = &self.numbers {
            m.serialize_entry("from", &n.from)?;
            m.serialize_entry("to", &n.to)?;
            m.serialize_entry("forwarded_from", &n.forwarded_from)?;
            m.serialize_entry("caller_name", &n.caller_name)?;
        }
        m.end()
    }
}
