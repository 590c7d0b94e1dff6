//! A status callback as the exporter understands it.

use std::fmt;
use std::hash::{Hash, Hasher};

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::fields::{Field, Numeric, Special, FIELDS};
use super::labels::{CallStatus, Direction, SipCode};
use super::params::{Params, Value};
use super::reading::Reading;

/// Why a decoded payload is not an event (answered with 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventError {
    Missing(&'static str),
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Missing(name) => write!(f, "{name} is missing or empty"),
        }
    }
}

impl std::error::Error for EventError {}

/// What identifies one delivery of one event, for duplicate suppression:
/// (AccountSid, CallSid, SequenceNumber), CallStatus standing in when
/// SequenceNumber is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventId {
    /// AccountSid then CallSid, in one allocation.
    sids: String,
    /// Where CallSid starts in `sids`.
    split: usize,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Position {
    /// A numeric SequenceNumber, by value: `1`, `"1"` and `1.0` are one event.
    Sequence(u64),
    /// A SequenceNumber that is not a number, as sent.
    SequenceText(String),
    /// No SequenceNumber: the CallStatus as sent.
    Status(String),
    /// A call-state event: its call_state as sent and its timestamp's bits.
    CallState(String, u64),
}

impl EventId {
    /// AccountSid, "" when absent.
    pub fn account_sid(&self) -> &str {
        self.sids.get(..self.split).unwrap_or_default()
    }

    pub fn call_sid(&self) -> &str {
        self.sids.get(self.split..).unwrap_or_default()
    }
}

impl EventId {
    fn new(account_sid: &str, call_sid: &str, position: Position) -> Self {
        let mut sids = String::with_capacity(account_sid.len() + call_sid.len());
        sids.push_str(account_sid);
        sids.push_str(call_sid);
        EventId {
            sids,
            split: account_sid.len(),
            position,
        }
    }
}

impl Hash for EventId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Length-prefixed by `str`'s Hash, so ("a","bc") and ("ab","c") differ.
        self.account_sid().hash(state);
        self.call_sid().hash(state);
        self.position.hash(state);
    }
}

/// One status callback, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvent {
    pub id: EventId,
    pub status: CallStatus,
    pub direction: Direction,
    pub sip_code: Option<SipCode>,
    pub timestamp: Reading<OffsetDateTime>,
    /// Index: `Numeric::index()`.
    values: [Reading<f64>; Numeric::COUNT],
}

impl StatusEvent {
    /// Reads the fields it knows from `params` in one pass; the rest are
    /// ignored.
    pub fn parse(params: &Params<'_>) -> Result<Self, EventError> {
        // Where each field read is: names are matched first, and only the
        // ~20 values read are looked up.
        let mut at: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
        for (i, name) in params.names().enumerate() {
            if let Some(field) = Field::find(name) {
                // The first occurrence wins, as in every form parser users know.
                at[field.index()].get_or_insert(i);
            }
        }
        let raw = at.map(|i| i.map(|i| params.value(i)));
        let special = |s: Special| raw[Field::Special(s).index()];

        let call_sid = required(special(Special::CallSid), "CallSid")?;
        let status_text = required(special(Special::CallStatus), "CallStatus")?;
        let status = CallStatus::parse(status_text);
        let position = match nonempty(special(Special::SequenceNumber)) {
            Some(Value::Text(s)) => match s.parse::<f64>() {
                // Normalise the number so JSON 1 and form "1" meet; -0.0 and
                // 0.0 are one value too.
                Ok(x) if x.is_finite() => Position::Sequence((x + 0.0).to_bits()),
                _ => Position::SequenceText(s.to_string()),
            },
            _ => Position::Status(status_text.to_owned()),
        };
        let timestamp = match nonempty(special(Special::Timestamp)) {
            None => Reading::Absent,
            Some(Value::Text(s)) => {
                OffsetDateTime::parse(s, &Rfc2822).map_or(Reading::Invalid, Reading::Valid)
            }
            Some(Value::NotText) => Reading::Invalid,
        };
        let mut event = StatusEvent {
            id: EventId::new(
                text(special(Special::AccountSid)).unwrap_or_default(),
                call_sid,
                position,
            ),
            status,
            direction: text(special(Special::Direction)).map_or(Direction::Other, Direction::parse),
            sip_code: text(special(Special::SipResultCode))
                .filter(|s| !s.is_empty())
                .map(SipCode::parse),
            timestamp,
            values: [Reading::Absent; Numeric::COUNT],
        };
        // The rows come first among the fields read.
        read_numbers(&mut event.values, &raw[..Numeric::COUNT], status);
        Ok(event)
    }

    /// A numeric field, scaled to the unit of its metric (`Kind`). `Absent`
    /// also where it means nothing: a per-call total on a progress event, or
    /// a media statistic of a call without media.
    pub fn value(&self, field: Numeric) -> Reading<f64> {
        self.values[field.index()]
    }

    /// Every numeric field with its value, as [`StatusEvent::value`].
    pub fn values(&self) -> impl Iterator<Item = (Numeric, Reading<f64>)> + '_ {
        Numeric::ALL.into_iter().zip(self.values.iter().copied())
    }

    /// A valid AudioInMediaPacketCount above 0: without media, SignalWire
    /// sends placeholders for MOS and jitter.
    pub fn has_media(&self) -> bool {
        self.value(Numeric::AudioInMediaPacketCount)
            .valid()
            .is_some_and(|m| m > 0.0)
    }

    /// Share of inbound packets lost, skipped / (media + skipped), on a call
    /// with media and a valid skip count.
    pub fn packet_loss_ratio(&self) -> Option<f64> {
        let media = self.value(Numeric::AudioInMediaPacketCount).valid()?;
        let skipped = self.value(Numeric::AudioInSkipPacketCount).valid()?;
        (media > 0.0).then(|| skipped / (media + skipped))
    }
}

impl StatusEvent {
    /// A call-state webhook's event (`super::call_state_event`): no numeric
    /// field, no SIP code; deduplicated on (project_id, call_id, call_state,
    /// timestamp).
    pub(super) fn from_call_state(
        project_id: &str,
        call_id: &str,
        call_state: &str,
        timestamp_seconds: f64,
        status: CallStatus,
        direction: Direction,
        timestamp: Reading<OffsetDateTime>,
    ) -> Self {
        // -0.0 and 0.0 are one timestamp.
        let bits = (timestamp_seconds + 0.0).to_bits();
        let position = Position::CallState(call_state.to_owned(), bits);
        StatusEvent {
            id: EventId::new(project_id, call_id, position),
            status,
            direction,
            sip_code: None,
            timestamp,
            values: [Reading::Absent; Numeric::COUNT],
        }
    }
}

/// The numeric fields by their rows: per-call totals on terminal events
/// only, media statistics on calls with media only.
fn read_numbers(
    values: &mut [Reading<f64>; Numeric::COUNT],
    raw: &[Option<Value<'_>>],
    status: CallStatus,
) {
    let terminal = status.is_terminal();
    for ((value, row), raw) in values.iter_mut().zip(&FIELDS).zip(raw) {
        if terminal || !row.terminal_only {
            *value = row.kind.read(*raw);
        }
    }
    let media = values[Numeric::AudioInMediaPacketCount.index()];
    if !media.valid().is_some_and(|m| m > 0.0) {
        for (value, row) in values.iter_mut().zip(&FIELDS) {
            if row.needs_media {
                *value = Reading::Absent;
            }
        }
    }
}

fn text(value: Option<Value<'_>>) -> Option<&str> {
    value.and_then(Value::as_text)
}

/// A value that is present and not the empty string.
fn nonempty(value: Option<Value<'_>>) -> Option<Value<'_>> {
    value.filter(|v| v.as_text() != Some(""))
}

fn required<'p>(value: Option<Value<'p>>, name: &'static str) -> Result<&'p str, EventError> {
    text(value)
        .filter(|s| !s.is_empty())
        .ok_or(EventError::Missing(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(pairs: &[(&str, &str)]) -> Result<StatusEvent, EventError> {
        StatusEvent::parse(&pairs.iter().copied().collect())
    }

    #[test]
    fn an_event_without_a_call_sid_or_a_status_is_refused() {
        assert_eq!(
            event(&[("CallStatus", "completed")]),
            Err(EventError::Missing("CallSid"))
        );
        assert_eq!(
            event(&[("CallSid", "CA1"), ("CallStatus", "")]),
            Err(EventError::Missing("CallStatus"))
        );
    }

    #[test]
    fn sequence_numbers_meet_by_value() {
        let a = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "completed"),
            ("SequenceNumber", "1"),
        ])
        .unwrap();
        let b = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "ringing"),
            ("SequenceNumber", "1.0"),
        ])
        .unwrap();
        let c = event(&[("CallSid", "CA1"), ("CallStatus", "completed")]).unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
    }

    #[test]
    fn first_occurrence_wins() {
        let e = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "busy"),
            ("CallStatus", "completed"),
            ("AudioInMos", "4"),
            ("AudioInMos", "2"),
            ("AudioInMediaPacketCount", "10"),
        ])
        .unwrap();
        assert_eq!(e.status, CallStatus::Busy);
        assert_eq!(e.value(Numeric::AudioInMos), Reading::Valid(4.0));
    }

    #[test]
    fn an_event_reads_its_rfc2822_timestamp_and_its_labels() {
        let e = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "no-answer"),
            ("Direction", "outbound-api"),
            ("SipResultCode", "487"),
            ("Timestamp", "Tue, 14 Jan 2025 18:30:00 +0000"),
        ])
        .unwrap();
        assert_eq!(e.status, CallStatus::NoAnswer);
        assert_eq!(e.direction, Direction::OutboundApi);
        assert_eq!(e.sip_code, Some(SipCode::Code(487)));
        assert_eq!(
            e.timestamp.valid().map(|t| t.unix_timestamp()),
            Some(1_736_879_400)
        );
    }

    #[test]
    fn media_statistics_mean_nothing_without_media() {
        let call = |media: &'static str| {
            event(&[
                ("CallSid", "CA1"),
                ("CallStatus", "completed"),
                ("AudioInMediaPacketCount", media),
                ("AudioInSkipPacketCount", "10"),
                ("AudioInMos", "4.5"),
                ("AudioInAveragePtime", "x"),
            ])
            .unwrap()
        };
        let with = call("90");
        assert!(with.has_media());
        assert_eq!(with.value(Numeric::AudioInMos), Reading::Valid(4.5));
        assert_eq!(with.value(Numeric::AudioInAveragePtime), Reading::Invalid);
        assert_eq!(with.packet_loss_ratio(), Some(0.1));
        for without in [call("0"), call("-1"), call("")] {
            assert!(!without.has_media());
            assert_eq!(without.value(Numeric::AudioInMos), Reading::Absent);
            assert_eq!(without.value(Numeric::AudioInAveragePtime), Reading::Absent);
            assert_eq!(
                without.value(Numeric::AudioInSkipPacketCount),
                Reading::Valid(10.0)
            );
            assert_eq!(without.packet_loss_ratio(), None);
        }
    }

    #[test]
    fn per_call_totals_are_read_on_terminal_events_only() {
        let e = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "ringing"),
            ("AudioInMediaPacketCount", "90"),
            ("CallDuration", "x"),
        ])
        .unwrap();
        assert_eq!(e.value(Numeric::AudioInMediaPacketCount), Reading::Absent);
        assert_eq!(e.value(Numeric::CallDuration), Reading::Absent);
    }
}
