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

/// The fields the exporter reads, first occurrence of each.
#[derive(Default)]
struct Known<'p, 'a> {
    call_sid: Option<&'p Value<'a>>,
    call_status: Option<&'p Value<'a>>,
    account_sid: Option<&'p Value<'a>>,
    sequence: Option<&'p Value<'a>>,
    direction: Option<&'p Value<'a>>,
    sip_result_code: Option<&'p Value<'a>>,
    timestamp: Option<&'p Value<'a>>,
    call_duration: Option<&'p Value<'a>>,
    recording_duration: Option<&'p Value<'a>>,
    mos: Option<&'p Value<'a>>,
    media: Option<&'p Value<'a>>,
    skipped: Option<&'p Value<'a>>,
    flushed: Option<&'p Value<'a>>,
    dtmf: Option<&'p Value<'a>>,
    out_media: Option<&'p Value<'a>>,
    out_dtmf: Option<&'p Value<'a>>,
    jitter_max: Option<&'p Value<'a>>,
    jitter_min: Option<&'p Value<'a>>,
    jitter_buffer: Option<&'p Value<'a>>,
    ptime: Option<&'p Value<'a>>,
}

impl StatusEvent {
    /// Reads the fields it knows from `params` in one pass; the rest are
    /// ignored.
    pub fn parse(params: &Params<'_>) -> Result<Self, EventError> {
        let mut k = Known::default();
        for (name, value) in params.iter() {
            let slot = match name {
                "CallSid" => &mut k.call_sid,
                "CallStatus" => &mut k.call_status,
                "AccountSid" => &mut k.account_sid,
                "SequenceNumber" => &mut k.sequence,
                "Direction" => &mut k.direction,
                "SipResultCode" => &mut k.sip_result_code,
                "Timestamp" => &mut k.timestamp,
                "CallDuration" => &mut k.call_duration,
                "RecordingDuration" => &mut k.recording_duration,
                "AudioInMos" => &mut k.mos,
                "AudioInMediaPacketCount" => &mut k.media,
                "AudioInSkipPacketCount" => &mut k.skipped,
                "AudioInFlushPacketCount" => &mut k.flushed,
                "AudioInDtmfPacketCount" => &mut k.dtmf,
                "AudioOutMediaPacketCount" => &mut k.out_media,
                "AudioOutDtmfPacketCount" => &mut k.out_dtmf,
                "AudioInJitterMaxVariance" => &mut k.jitter_max,
                "AudioInJitterMinVariance" => &mut k.jitter_min,
                "AudioInLargestJbSize" => &mut k.jitter_buffer,
                "AudioInAveragePtime" => &mut k.ptime,
                _ => continue,
            };
            // The first occurrence wins, as in every form parser users know.
            slot.get_or_insert(value);
        }

        let call_sid = required(k.call_sid, "CallSid")?;
        let status_text = required(k.call_status, "CallStatus")?;
        let position = match nonempty(k.sequence) {
            Some(Value::Text(s)) => match s.parse::<f64>() {
                // Normalise the number so JSON 1 and form "1" meet; -0.0 and
                // 0.0 are one value too.
                Ok(x) if x.is_finite() => Position::Sequence((x + 0.0).to_bits()),
                _ => Position::SequenceText(s.to_string()),
            },
            _ => Position::Status(status_text.to_owned()),
        };
        let timestamp = match nonempty(k.timestamp) {
            None => Reading::Absent,
            Some(Value::Text(s)) => {
                OffsetDateTime::parse(s, &Rfc2822).map_or(Reading::Invalid, Reading::Valid)
            }
            Some(Value::NotText) => Reading::Invalid,
        };
        Ok(StatusEvent {
            id: EventId {
                account_sid: text(k.account_sid).unwrap_or_default().to_owned(),
                call_sid: call_sid.to_owned(),
                position,
            },
            status: CallStatus::parse(status_text),
            direction: text(k.direction).map_or(Direction::Other, Direction::parse),
            sip_code: text(k.sip_result_code)
                .filter(|s| !s.is_empty())
                .map(SipCode::parse),
            timestamp,
            call_duration: Count::parse(k.call_duration),
            recording_duration: Count::parse(k.recording_duration),
            audio: AudioStats {
                mos: Mos::parse(k.mos),
                media_packets: Count::parse(k.media),
                skipped_packets: Count::parse(k.skipped),
                flushed_packets: Count::parse(k.flushed),
                dtmf_packets: Count::parse(k.dtmf),
                out_media_packets: Count::parse(k.out_media),
                out_dtmf_packets: Count::parse(k.out_dtmf),
                jitter_max_variance: Count::parse(k.jitter_max),
                jitter_min_variance: Count::parse(k.jitter_min),
                largest_jitter_buffer: Count::parse(k.jitter_buffer),
                average_ptime: Milliseconds::parse(k.ptime),
            },
        })
    }
}

fn text<'p>(value: Option<&'p Value<'_>>) -> Option<&'p str> {
    value.and_then(Value::as_text)
}

/// A value that is present and not the empty string.
fn nonempty<'p, 'a>(value: Option<&'p Value<'a>>) -> Option<&'p Value<'a>> {
    value.filter(|v| v.as_text() != Some(""))
}

fn required<'p>(value: Option<&'p Value<'_>>, name: &'static str) -> Result<&'p str, EventError> {
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
    fn first_occurrence_wins() {
        let e = event(&[
            ("CallSid", "CA1"),
            ("CallStatus", "busy"),
            ("CallStatus", "completed"),
            ("AudioInMos", "4"),
            ("AudioInMos", "2"),
        ])
        .unwrap();
        assert_eq!(e.status, CallStatus::Busy);
        assert_eq!(e.audio.mos, Mos::parse(Some(&Value::Text("4".into()))));
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
