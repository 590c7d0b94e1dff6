//! The wire format: a callback's fields as decoded name/value pairs, from a
//! form body, a query string or a JSON object. Nothing is interpreted here.
//!
//! Names and values borrow from the request body where they need no
//! decoding: a callback has ~50 fields, and allocating two strings for each
//! would cost more than verifying its signature.

use std::borrow::Cow;
use std::fmt;

/// One field's value as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text, or a JSON number kept as its literal so that `20.01` and
    /// `"20.01"` parse to the same f64.
    Text(Cow<'a, str>),
    /// A JSON `true`, `null`, array or object: never a valid field value.
    NotText,
}

impl Value<'_> {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::NotText => None,
        }
    }
}

/// Decoded fields in arrival order. Repeated names are kept (the signature
/// covers all of them); the event takes the first occurrence.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params<'a>(Vec<(Cow<'a, str>, Value<'a>)>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Utf8,
    Json(String),
    NotAnObject,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Utf8 => f.write_str("form data is not valid UTF-8 after percent-decoding"),
            DecodeError::Json(e) => write!(f, "body is not valid JSON: {e}"),
            DecodeError::NotAnObject => f.write_str("JSON body must be an object of fields"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl<'a> Params<'a> {
    /// `application/x-www-form-urlencoded` body or query string, decoded in
    /// place: percent- and plus-decoding only ever shrinks a component, so
    /// the decoded fields are packed into `input` itself and every field
    /// borrows from it. Nothing is allocated but the list of fields.
    ///
    /// Strict about UTF-8, unlike the WHATWG parser, so that bytes which
    /// cannot be the text SignalWire signed are refused rather than silently
    /// replaced.
    pub fn decode_form(input: &'a mut [u8]) -> Result<Self, DecodeError> {
        // One pass, packing decoded bytes towards the front. Plain bytes take
        // one table lookup; only the four special ones branch.
        let mut fields = Vec::with_capacity(64);
        let mut spans: Vec<[u32; 3]> = Vec::with_capacity(64);
        let (mut r, mut w) = (0, 0);
        // Start of the current field and the end of its name once `=` is seen.
        let (mut field, mut eq): (usize, Option<usize>) = (0, None);
        while let Some(&b) = input.get(r) {
            if !SPECIAL[usize::from(b)] {
                input[w] = b;
                (r, w) = (r + 1, w + 1);
                continue;
            }
            input[w] = match b {
                b'&' => {
                    push_span(&mut spans, field, eq, w);
                    (field, eq) = (w + 1, None);
                    b'&'
                }
                b'=' => {
                    eq = eq.or(Some(w));
                    b'='
                }
                b'+' => b' ',
                _ => match (hex(input.get(r + 1)), hex(input.get(r + 2))) {
                    (Some(high), Some(low)) => {
                        r += 2;
                        high << 4 | low
                    }
                    // A `%` without two hex digits stays as it is (WHATWG).
                    _ => b'%',
                },
            };
            (r, w) = (r + 1, w + 1);
        }
        push_span(&mut spans, field, eq, w);

        // Separators are ASCII, so the packed text is valid UTF-8 exactly
        // when every name and value is.
        let text = std::str::from_utf8(&input[..w]).map_err(|_| DecodeError::Utf8)?;
        let part = |from: u32, to: u32| {
            text.get(from as usize..to as usize)
                .map(Cow::Borrowed)
                .ok_or(DecodeError::Utf8)
        };
        for [start, eq, end] in spans {
            fields.push(match eq {
                NO_VALUE => (part(start, end)?, Value::Text(Cow::Borrowed(""))),
                eq => (part(start, eq)?, Value::Text(part(eq + 1, end)?)),
            });
        }
        Ok(Params(fields))
    }

    /// [`Params::decode_form`] for input that cannot be decoded in place
    /// (a query string, a test's literal): decodes a copy, fields owned.
    pub fn from_form(input: &[u8]) -> Result<Params<'static>, DecodeError> {
        let mut copy = input.to_vec();
        Ok(Params::decode_form(&mut copy)?.into_owned())
    }

    /// The same fields, owning their text.
    pub fn into_owned(self) -> Params<'static> {
        Params(
            self.0
                .into_iter()
                .map(|(name, value)| {
                    let value = match value {
                        Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
                        Value::NotText => Value::NotText,
                    };
                    (Cow::Owned(name.into_owned()), value)
                })
                .collect(),
        )
    }

    /// `application/json`: an object whose values are strings or numbers.
    /// Every entry is kept in order, repeated names included, as for forms.
    pub fn from_json(input: &'a [u8]) -> Result<Self, DecodeError> {
        let JsonFields(fields) = serde_json::from_slice(input).map_err(|e| {
            if e.is_data() {
                DecodeError::NotAnObject
            } else {
                DecodeError::Json(e.to_string())
            }
        })?;
        Ok(Params(fields))
    }

    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value<'a>)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// Total length of all names and text values, in bytes.
    pub fn text_len(&self) -> usize {
        self.0
            .iter()
            .map(|(n, v)| n.len() + v.as_text().map_or(0, str::len))
            .sum()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = (Cow<'a, str>, Value<'a>);
    type IntoIter = std::vec::IntoIter<Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, N: Into<Cow<'a, str>>, V: Into<Cow<'a, str>>> FromIterator<(N, V)> for Params<'a> {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Params(
            iter.into_iter()
                .map(|(n, v)| (n.into(), Value::Text(v.into())))
                .collect(),
        )
    }
}

/// The bytes `decode_form` must act on; the rest are copied as they are.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'&' as usize] = true;
    t[b'=' as usize] = true;
    t[b'+' as usize] = true;
    t[b'%' as usize] = true;
    t
};

/// `eq` of a field without `=`: a name with an empty value.
const NO_VALUE: u32 = u32::MAX;

/// Notes the field packed into `start..end`, its name ending at `eq` if it
/// has one. Empty fields (`&&`) are skipped, as form parsers do. Offsets fit
/// in u32: bodies are limited far below 4 GiB.
fn push_span(spans: &mut Vec<[u32; 3]>, start: usize, eq: Option<usize>, end: usize) {
    if start < end {
        let eq = eq.map_or(NO_VALUE, |e| e as u32);
        spans.push([start as u32, eq, end as u32]);
    }
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match *b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A JSON object's entries in order, duplicates kept.
struct JsonFields<'a>(Vec<(Cow<'a, str>, Value<'a>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for JsonFields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonFields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some((name, value)) =
                    map.next_entry::<Cow<'de, str>, serde_json::Value>()?
                {
                    let value = match value {
                        serde_json::Value::String(s) => Value::Text(Cow::Owned(s)),
                        // arbitrary_precision keeps the literal, so 400-digit
                        // numbers and 1e400 reach the range checks intact.
                        serde_json::Value::Number(n) => Value::Text(Cow::Owned(n.to_string())),
                        _ => Value::NotText,
                    };
                    fields.push((name, value));
                }
                Ok(JsonFields(fields))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<Value<'_>> {
        Some(Value::Text(Cow::Borrowed(s)))
    }

    #[test]
    fn form_decodes_plus_percent_and_keeps_repeats() {
        let p = Params::from_form(b"From=%2B1415&Name=a+b&Name=c&Empty=&Bare&Pct=100%&Bad=%zz%4")
            .unwrap();
        assert_eq!(p.get("From").cloned(), text("+1415"));
        assert_eq!(p.get("Name").cloned(), text("a b"));
        assert_eq!(p.get("Bare").cloned(), text(""));
        assert_eq!(p.get("Pct").cloned(), text("100%"));
        assert_eq!(p.get("Bad").cloned(), text("%zz%4"));
        assert_eq!(p.len(), 7);
        // Decoded in place: every component borrows from the input.
        let mut body = b"From=%2B1415&Name=a+b".to_vec();
        let p = Params::decode_form(&mut body).unwrap();
        assert!(p
            .iter()
            .all(|(_, v)| matches!(v, Value::Text(Cow::Borrowed(_)))));
        assert_eq!(p.get("From").cloned(), text("+1415"));
    }

    #[test]
    fn form_refuses_invalid_utf8() {
        assert_eq!(Params::from_form(b"CallSid=%ff%fe"), Err(DecodeError::Utf8));
        assert_eq!(
            Params::from_form(&[b'A', b'=', 0xff]),
            Err(DecodeError::Utf8)
        );
    }

    #[test]
    fn json_numbers_keep_their_literal_and_repeats_are_kept() {
        let p = Params::from_json(
            br#"{"A":20.01,"B":"20.01","C":1e400,"D":true,"E":null,"F":[1],"A":"2"}"#,
        )
        .unwrap();
        assert_eq!(p.get("A").cloned(), text("20.01"));
        assert_eq!(p.len(), 7);
        // Out of f64 range, yet kept as text so the field (not the body) is invalid.
        let c = p.get("C").and_then(Value::as_text).unwrap();
        assert_eq!(c.parse::<f64>(), Ok(f64::INFINITY));
        assert_eq!(p.get("D"), Some(&Value::NotText));
        assert_eq!(p.get("F"), Some(&Value::NotText));
        assert_eq!(Params::from_json(b"[1]"), Err(DecodeError::NotAnObject));
        assert_eq!(Params::from_json(b"\"x\""), Err(DecodeError::NotAnObject));
        assert!(matches!(Params::from_json(b"{"), Err(DecodeError::Json(_))));
    }
}
