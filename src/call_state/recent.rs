//! The latest finished calls worth a look (`GET /calls`): a quality issue,
//! or an end as `failed`, `busy` or `no-answer`.

use std::collections::VecDeque;

use serde::ser::{Serialize, SerializeMap, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{CallsQuery, Issues, Numbers};
use crate::domain::{CallStatus, Direction};

/// One finished call of the list, and of its log line.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentCall {
    /// Receipt order of the terminal event: exact where `received_at` has
    /// the clock's resolution.
    pub sequence: u64,
    pub received_at: OffsetDateTime,
    pub account_sid: String,
    pub call_sid: String,
    pub status: CallStatus,
    pub direction: Direction,
    pub sip_result_code: Option<u16>,
    pub duration_seconds: Option<f64>,
    pub mos: Option<f64>,
    pub packet_loss_ratio: Option<f64>,
    pub jitter_max_variance: Option<f64>,
    pub post_dial_delay_seconds: Option<u64>,
    pub answer_delay_seconds: Option<u64>,
    pub issues: Issues,
    /// `Some` only with `include_numbers`; the keys are absent otherwise.
    pub numbers: Option<Box<RecordedNumbers>>,
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

impl RecentCall {
    /// Whether a finished call belongs on the list.
    pub fn is_worth_listing(status: CallStatus, issues: Issues) -> bool {
        !issues.is_empty()
            || matches!(
                status,
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

struct IssueNames(Issues);

impl Serialize for IssueNames {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.named().map(|i| i.as_str()))
    }
}

impl Serialize for RecentCall {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("received_at", &self.received_at.format(&Rfc3339).ok())?;
        m.serialize_entry("account_sid", &self.account_sid)?;
        m.serialize_entry("call_sid", &self.call_sid)?;
        m.serialize_entry("status", self.status.as_str())?;
        m.serialize_entry("direction", self.direction.as_str())?;
        m.serialize_entry("sip_result_code", &self.sip_result_code)?;
        m.serialize_entry("duration_seconds", &Number(self.duration_seconds))?;
        m.serialize_entry("mos", &Number(self.mos))?;
        m.serialize_entry("packet_loss_ratio", &Number(self.packet_loss_ratio))?;
        m.serialize_entry("jitter_max_variance", &Number(self.jitter_max_variance))?;
        m.serialize_entry("post_dial_delay_seconds", &self.post_dial_delay_seconds)?;
        m.serialize_entry("answer_delay_seconds", &self.answer_delay_seconds)?;
        m.serialize_entry("issues", &IssueNames(self.issues))?;
        if let Some(n) = &self.numbers {
            m.serialize_entry("from", &n.from)?;
            m.serialize_entry("to", &n.to)?;
            m.serialize_entry("forwarded_from", &n.forwarded_from)?;
            m.serialize_entry("caller_name", &n.caller_name)?;
        }
        m.end()
    }
}

/// The last `limit` listed calls, newest first.
#[derive(Debug, Clone, Default)]
pub struct RecentCalls {
    limit: usize,
    calls: VecDeque<RecentCall>,
}

impl RecentCalls {
    pub fn new(limit: usize) -> Self {
        RecentCalls {
            limit,
            calls: VecDeque::new(),
        }
    }

    pub fn push(&mut self, call: RecentCall) {
        if self.limit == 0 {
            return;
        }
        if self.calls.len() >= self.limit {
            self.calls.pop_back();
        }
        self.calls.push_front(call);
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Every call, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &RecentCall> {
        self.calls.iter()
    }

    /// The calls `query` selects, newest first, its limit applied last.
    pub fn select<'a>(&'a self, query: &'a CallsQuery) -> impl Iterator<Item = &'a RecentCall> {
        self.calls
            .iter()
            .filter(|c| query.matches(c))
            .take(query.limit.unwrap_or(usize::MAX))
    }

    /// The body of `GET /calls`.
    pub fn page<'a>(&'a self, query: &'a CallsQuery) -> CallsPage<'a> {
        CallsPage {
            calls: self.select(query).collect(),
        }
    }
}

/// `{"calls": [...]}`.
#[derive(Debug, serde::Serialize)]
pub struct CallsPage<'a> {
    pub calls: Vec<&'a RecentCall>,
}
