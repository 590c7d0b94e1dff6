//! A status callback as the exporter understands it.

use std::fmt;
use std::hash::{Hash, Hasher};

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::labels::{CallStatus, Direction, SipCode};
use super::params::{Params, Value};
use super::reading::{Count, Milliseconds, Mos, Reading, Seconds};

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
    account_sid: String,
    call_sid: String,
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
}

impl Hash for EventId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Length-prefixed by `str`'s Hash, so ("a","bc") and ("ab","c") differ.
        self.account_sid.hash(state);
        self.call_sid.hash(state);
        self.position.hash(state);
    }
}

/// The audio statistics of a call, reported on its terminal event.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioStats {
    pub mos: Reading<Mos>,
    pub media_packets: Reading<Count>,
    pub skipped_packets: Reading<Count>,
    pub flushed_packets: Reading<Count>,
    pub dtmf_packets: Reading<Count>,
    pub out_media_packets: Reading<Count>,
    pub out_dtmf_packets: Reading<Count>,
    /// Milliseconds squared, as FreeSWITCH reports the running variance.
    pub jitter_max_variance: Reading<Count>,
    pub jitter_min_variance: Reading<Count>,
    pub largest_jitter_buffer: Reading<Count>,
    pub average_ptime: Reading<Milliseconds>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvent {
    pub id: EventId,
    pub status: CallStatus,
    pub direction: Direction,
    pub sip_code: Option<SipCode>,
    pub timestamp: Reading<OffsetDateTime>,
    pub call_duration: Reading<Seconds>,
    pub recording_duration: Reading<Seconds>,
    pub audio: AudioStats,
}

impl StatusEvent {
    /// Takes the fields it knows out of `params`; the rest are ignored.
    pub fn parse(mut params: Params) -> Result<Self, EventError> {
        let call_sid = required(&mut params, "CallSid")?;
        let status_text = required(&mut params, "CallStatus")?;
        let account_sid = text(params.take("AccountSid")).unwrap_or_default();
        let position = match params.take("SequenceNumber") {
            Some(Value::Text(s)) if !s.is_empty() => match s.parse::<f64>() {
                // Normalise the number so JSON 1 and form "1" meet; -0.0 and
                // 0.0 are one value too.
                Ok(x) if x.is_finite() => Position::Sequence((x + 0.0).to_bits()),
                _ => Position::SequenceText(s),
            },
            _ => Position::Status(status_text.clone()),
        };
        let status = CallStatus::parse(&status_text);
        let direction =
            text(params.take("Direction")).map_or(Direction::Other, |d| Direction::parse(&d));
        let sip_code = text(params.take("SipResultCode"))
            .filter(|s| !s.is_empty())
            .map(|s| SipCode::parse(&s));
        let timestamp = match params.take("Timestamp") {
            None => Reading::Absent,
            Some(Value::Text(s)) if s.is_empty() => Reading::Absent,
            Some(Value::Text(s)) => {
                OffsetDateTime::parse(&s, &Rfc2822).map_or(Reading::Invalid, Reading::Valid)
            }
            Some(Value::NotText) => Reading::Invalid,
        };
        let audio = AudioStats {
            mos: Mos::parse(params.take("AudioInMos")),
            media_packets: Count::parse(params.take("AudioInMediaPacketCount")),
            skipped_packets: Count::parse(params.take("AudioInSkipPacketCount")),
            flushed_packets: Count::parse(params.take("AudioInFlushPacketCount")),
            dtmf_packets: Count::parse(params.take("AudioInDtmfPacketCount")),
            out_media_packets: Count::parse(params.take("AudioOutMediaPacketCount")),
            out_dtmf_packets: Count::parse(params.take("AudioOutDtmfPacketCount")),
            jitter_max_variance: Count::parse(params.take("AudioInJitterMaxVariance")),
            jitter_min_variance: Count::parse(params.take("AudioInJitterMinVariance")),
            largest_jitter_buffer: Count::parse(params.take("AudioInLargestJbSize")),
            average_ptime: Milliseconds::parse(params.take("AudioInAveragePtime")),
        };
        Ok(StatusEvent {
            id: EventId {
                account_sid,
                call_sid,
                position,
            },
            status,
            direction,
            sip_code,
            timestamp,
            call_duration: Count::parse(params.take("CallDuration")),
            recording_duration: Count::parse(params.take("RecordingDuration")),
            audio,
        })
    }
}

fn text(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::Text(s)) => Some(s),
        _ => None,
    }
}

fn required(params: &mut Params, name: &'static str) -> Result<String, EventError> {
    text(params.take(name))
        .filter(|s| !s.is_empty())
        .ok_or(EventError::Missing(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(pairs: &[(&str, &str)]) -> Result<StatusEvent, EventError> {
        StatusEvent::parse(pairs.iter().copied().collect())
    }

    #[test]
    fn requires_call_sid_and_status() {
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
    fn parses_rfc2822_timestamp_and_labels() {
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
}
