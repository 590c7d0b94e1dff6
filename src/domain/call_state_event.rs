//! A SWML or Calling API call-state webhook, decoded from its JSON into a
//! small borrowed struct and mapped into a [`StatusEvent`], so the call
//! table, the recorder, `/calls` and the pages take it as they take a form
//! callback.
//!
//! Every field is read loosely ([`Loose`]): a field of the wrong type is a
//! missing field with its own one-line reason, not a serde error about the
//! whole body.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use time::OffsetDateTime;

use super::event::StatusEvent;
use super::finished_call::Numbers;
use super::labels::{CallStatus, Direction, EndReason};
use super::reading::Reading;

/// The one `event_type` this route records; any other is ignored.
pub const CALL_STATE_EVENT_TYPE: &str = "calling.call.state";

/// Why a body is not a call-state event (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStateError {
    /// serde_json's own one-line reason.
    NotJson(String),
    NotObject,
    Missing(&'static str, &'static str),
}

impl fmt::Display for CallStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallStateError::NotJson(e) => write!(f, "body is not valid JSON: {e}"),
            CallStateError::NotObject => f.write_str("body is not a JSON object"),
            CallStateError::Missing(name, what) => write!(f, "{name} is missing or not {what}"),
        }
    }
}

impl std::error::Error for CallStateError {}

/// A decoded body: an event to record, or another event type.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<'a> {
    Ignored,
    State(CallStateEvent<'a>),
}

/// The fields of a `calling.call.state` event that the exporter reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CallStateEvent<'a> {
    pub project_id: Cow<'a, str>,
    pub call_id: Cow<'a, str>,
    pub call_state: Cow<'a, str>,
    /// Unix seconds, as sent.
    pub timestamp: f64,
    pub direction: Direction,
    /// `None` when missing or null; `Other` for any undocumented value.
    pub end_reason: Option<EndReason>,
    from: Option<Cow<'a, str>>,
    to: Option<Cow<'a, str>>,
}

/// A call-state event as the rest of the exporter takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// Its id is the dedupe key (project_id, call_id, call_state, timestamp).
    pub event: StatusEvent,
    /// `ending`: counted accepted, and nothing else.
    pub ending: bool,
    /// The raw end reason of an `ended` event, for the end-reason family.
    pub end_reason: Option<EndReason>,
    /// An `ended` event whose end reason is missing, null or undocumented.
    pub unrecognized_end_reason: bool,
}

impl<'a> CallStateEvent<'a> {
    /// Event type first: any other type is `Ignored`, whatever else the
    /// body holds.
    pub fn decode(body: &'a [u8]) -> Result<Decoded<'a>, CallStateError> {
        let wire: Object<Wire<'a>> =
            serde_json::from_slice(body).map_err(|e| CallStateError::NotJson(e.to_string()))?;
        // A number reaches `Object` as a map too (`NUMBER_TOKEN`): the first
        // byte tells an object.
        let object = body.trim_ascii_start().first() == Some(&b'{');
        let (Object::Is(wire), true) = (wire, object) else {
            return Err(CallStateError::NotObject);
        };
        let Loose::Text(event_type) = wire.event_type else {
            return Err(CallStateError::Missing("event_type", "a string"));
        };
        if event_type != CALL_STATE_EVENT_TYPE {
            return Ok(Decoded::Ignored);
        }
        let project_id = wire.project_id.nonempty("project_id")?;
        let Object::Is(params) = wire.params else {
            return Err(CallStateError::Missing("params", "an object"));
        };
        let call_id = params.call_id.nonempty("params.call_id")?;
        let call_state = params.call_state.nonempty("params.call_state")?;
        let Loose::Number(timestamp) = wire.timestamp else {
            return Err(CallStateError::Missing("timestamp", "a number"));
        };
        let (from, to) = match params.device {
            Object::Is(Device {
                params: Object::Is(p),
            }) => (p.from_number.text(), p.to_number.text()),
            _ => (None, None),
        };
        Ok(Decoded::State(CallStateEvent {
            project_id,
            call_id,
            call_state,
            timestamp,
            direction: params
                .direction
                .text()
                .map_or(Direction::Other, |d| Direction::parse_call_state(&d)),
            end_reason: match params.end_reason {
                Loose::Absent | Loose::Null => None,
                Loose::Text(r) => Some(EndReason::parse(&r)),
                Loose::Number(_) | Loose::Other => Some(EndReason::Other),
            },
            from,
            to,
        }))
    }

    /// The mapping table of `docs/call-state.md`.
    pub fn mapped(&self) -> Mapped {
        let ended = self.call_state == "ended";
        let status = match &*self.call_state {
            "created" => CallStatus::Initiated,
            "ringing" => CallStatus::Ringing,
            "answered" => CallStatus::Answered,
            "ended" => self
                .end_reason
                .map_or(CallStatus::Failed, EndReason::status),
            _ => CallStatus::Other,
        };
        let event = StatusEvent::from_call_state(
            &self.project_id,
            &self.call_id,
            &self.call_state,
            self.timestamp,
            status,
            self.direction,
            instant(self.timestamp),
        );
        Mapped {
            event,
            ending: self.call_state == "ending",
            end_reason: self.end_reason.filter(|_| ended),
            unrecognized_end_reason: ended && self.end_reason.is_none_or(|r| r == EndReason::Other),
        }
    }

    /// The device's numbers, for `--calls.include-numbers` only.
    pub fn numbers(&self) -> Numbers<'_> {
        fn nonempty<'n>(n: &'n Option<Cow<'_, str>>) -> Option<&'n str> {
            n.as_deref().filter(|s| !s.is_empty())
        }
        Numbers {
            from: nonempty(&self.from),
            to: nonempty(&self.to),
            forwarded_from: None,
            caller_name: None,
        }
    }
}

/// Unix seconds as an instant, to the nanosecond the float carries;
/// `Invalid` outside the years `time` represents.
fn instant(seconds: f64) -> Reading<OffsetDateTime> {
    if !seconds.is_finite() || seconds.abs() > 1e15 {
        return Reading::Invalid;
    }
    let whole = seconds.floor();
    let nanos = whole as i128 * 1_000_000_000 + ((seconds - whole) * 1e9).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_or(Reading::Invalid, Reading::Valid)
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow, default)]
    event_type: Loose<'a>,
    #[serde(borrow, default)]
    project_id: Loose<'a>,
    #[serde(borrow, default)]
    timestamp: Loose<'a>,
    #[serde(borrow, default)]
    params: Object<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow, default)]
    call_id: Loose<'a>,
    #[serde(borrow, default)]
    call_state: Loose<'a>,
    #[serde(borrow, default)]
    direction: Loose<'a>,
    #[serde(borrow, default)]
    end_reason: Loose<'a>,
    #[serde(borrow, default)]
    device: Object<Device<'a>>,
}

#[derive(Deserialize)]
struct Device<'a> {
    #[serde(borrow, default)]
    params: Object<DeviceParams<'a>>,
}

#[derive(Deserialize)]
struct DeviceParams<'a> {
    #[serde(borrow, default)]
    from_number: Loose<'a>,
    #[serde(borrow, default)]
    to_number: Loose<'a>,
}

/// Any JSON value, by what the exporter can use of it.
#[derive(Debug, Default)]
enum Loose<'a> {
    #[default]
    Absent,
    Null,
    Text(Cow<'a, str>),
    Number(f64),
    Other,
}

impl<'a> Loose<'a> {
    fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Loose::Text(s) => Some(s),
            _ => None,
        }
    }

    fn nonempty(self, name: &'static str) -> Result<Cow<'a, str>, CallStateError> {
        self.text()
            .filter(|s| !s.is_empty())
            .ok_or(CallStateError::Missing(name, "a non-empty string"))
    }
}

/// With serde_json's `arbitrary_precision`, a number reaches a visitor as
/// a map of this one key to its text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Loose::Text(Cow::Owned(s)))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Self::Value, E> {
        Ok(Loose::Number(x))
    }

    fn visit_i64<E>(self, x: i64) -> Result<Self::Value, E> {
        Ok(Loose::Number(x as f64))
    }

    fn visit_u64<E>(self, x: u64) -> Result<Self::Value, E> {
        Ok(Loose::Number(x as f64))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut first = true;
        let mut value = Loose::Other;
        while let Some(key) = map.next_key::<Key>()? {
            if first && key.0 {
                let text: NumberText = map.next_value()?;
                value = text.0.map_or(Loose::Other, Loose::Number);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            first = false;
        }
        Ok(value)
    }
}

/// An object key: whether it is serde_json's number token.
struct Key(bool);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, s: &str) -> Result<Key, E> {
                Ok(Key(s == NUMBER_TOKEN))
            }
        }
        d.deserialize_str(V)
    }
}

/// The text of an arbitrary-precision number, as an f64 when finite.
struct NumberText(Option<f64>);

impl<'de> Deserialize<'de> for NumberText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumberText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number's text")
            }
            fn visit_str<E>(self, s: &str) -> Result<NumberText, E> {
                Ok(NumberText(s.parse::<f64>().ok().filter(|x| x.is_finite())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON value that must be an object to be read as `T`.
enum Object<T> {
    Absent,
    Not,
    Is(T),
}

// By hand: a derived Default would ask `T: Default` of every payload struct.
#[allow(clippy::derivable_impls)]
impl<T> Default for Object<T> {
    fn default() -> Self {
        Object::Absent
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjectVisitor(std::marker::PhantomData))
    }
}

struct ObjectVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Object<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object::Is)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Object::Not)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Object::Not)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Result<Decoded<'_>, CallStateError> {
        CallStateEvent::decode(body.as_bytes())
    }

    const RINGING: &str = r#"{"event_type":"calling.call.state","timestamp":1764000000.5,
        "project_id":"p1","params":{"call_id":"c\u00e91","call_state":"ringing",
        "direction":"inbound","end_reason":null}}"#;

    #[test]
    fn a_call_state_event_decodes_with_escapes_and_sub_seconds() {
        let Ok(Decoded::State(e)) = decode(RINGING) else {
            panic!("{:?}", decode(RINGING));
        };
        assert_eq!((&*e.project_id, &*e.call_id), ("p1", "cé1"));
        assert_eq!(e.timestamp, 1_764_000_000.5);
        assert_eq!(e.direction, Direction::Inbound);
        assert_eq!(e.end_reason, None);
        let m = e.mapped();
        assert_eq!(m.event.status, CallStatus::Ringing);
        assert_eq!(m.event.id.account_sid(), "p1");
        let at = m.event.timestamp.valid().unwrap();
        assert_eq!(at.unix_timestamp_nanos(), 1_764_000_000_500_000_000);
        assert!(!m.ending && !m.unrecognized_end_reason);
    }

    #[test]
    fn the_dedupe_key_is_project_call_state_and_timestamp() {
        let id = |body: &str| match decode(body).unwrap() {
            Decoded::State(e) => e.mapped().event.id,
            Decoded::Ignored => panic!(),
        };
        let same = RINGING.replace("1764000000.5", "1764000000.50");
        let later = RINGING.replace("1764000000.5", "1764000000.6");
        let answered = RINGING.replace("\"ringing\"", "\"answered\"");
        assert_eq!(id(RINGING), id(&same));
        assert_ne!(id(RINGING), id(&later));
        assert_ne!(id(RINGING), id(&answered));
    }

    #[test]
    fn timestamps_outside_the_calendar_are_invalid_not_refused() {
        for t in ["1e300", "-1e20"] {
            let body = RINGING.replace("1764000000.5", t);
            let Ok(Decoded::State(e)) = decode(&body) else {
                panic!("{t}");
            };
            assert_eq!(e.mapped().event.timestamp, Reading::Invalid, "{t}");
        }
    }

    #[test]
    fn non_object_values_where_objects_belong_are_missing() {
        for params in ["5", "1.5", "true", "null", "[{}]", "\"x\""] {
            let body = format!(
                r#"{{"event_type":"calling.call.state","project_id":"p","timestamp":1,
                "params":{params}}}"#
            );
            let e = decode(&body).unwrap_err().to_string();
            assert!(e.starts_with("params"), "{params}: {e}");
        }
        assert_eq!(decode("12").unwrap_err(), CallStateError::NotObject);
    }
}
