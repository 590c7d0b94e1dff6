//! The wire format: a callback's fields as decoded name/value pairs, from a
//! form body, a query string or a JSON object. Nothing is interpreted here.
//!
//! Names and values borrow from the request body where they need no
//! decoding: a callback has ~60 fields, and allocating two strings for each
//! would cost more than verifying its signature.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

mod form;

/// One field's value as it arrived.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Text, or a JSON number kept as its literal so that `20.01` and
    /// `"20.01"` parse to the same f64.
    Text(&'a str),
    /// A JSON `true`, `null`, array or object: never a valid field value.
    NotText,
}

impl<'a> Value<'a> {
    pub fn as_text(self) -> Option<&'a str> {
        match self {
            Value::Text(s) => Some(s),
            Value::NotText => None,
        }
    }
}

/// Decoded fields in arrival order. Repeated names are kept (the signature
/// covers all of them); the event takes the first occurrence.
///
/// Every name and value is a range of one text: the decoded body itself for
/// a form, so that decoding allocates nothing per field (a callback has ~60).
#[derive(Default, Clone)]
pub struct Params<'a> {
    text: Cow<'a, str>,
    fields: Vec<Entry>,
}

/// Where one field's name and value lie in [`Params`]'s text.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: Range<usize>,
    /// `None` for a value that is not text.
    value: Option<Range<usize>>,
}

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
    /// place: percent- and plus-decoding only ever shrinks a name or value,
    /// so each is decoded into the bytes it arrived in and the decoded body
    /// is the text every field is a range of. Nothing is allocated but the
    /// list of ranges.
    ///
    /// Strict about UTF-8, unlike the WHATWG parser, so that bytes which
    /// cannot be the text SignalWire signed are refused rather than silently
    /// replaced.
    pub fn decode_form(input: &'a mut [u8]) -> Result<Self, DecodeError> {
        // Scratch of this thread's, reused: a callback's ~60 ranges would
        // otherwise cost a few reallocations each time.
        let mut fields = RANGES.with_borrow_mut(std::mem::take);
        fields.clear();
        form::decode(input, &mut fields);
        let mut params = Params {
            text: Cow::Borrowed(""),
            fields,
        };
        // Separators and the bytes freed by decoding are ASCII, so the
        // buffer is valid UTF-8 exactly when every name and value is, and
        // every range starts and ends on a character boundary.
        let input: &'a [u8] = input;
        let text = std::str::from_utf8(input).map_err(|_| DecodeError::Utf8)?;
        params.text = Cow::Borrowed(text);
        Ok(params)
    }

    /// [`Params::decode_form`] for input that cannot be decoded in place
    /// (a query string, a test's literal): decodes a copy, fields owned.
    pub fn from_form(input: &[u8]) -> Result<Params<'static>, DecodeError> {
        let mut copy = input.to_vec();
        let owned = Params::decode_form(&mut copy)?.into_owned();
        Ok(owned)
    }

    /// The same fields, owning their text.
    pub fn into_owned(mut self) -> Params<'static> {
        Params {
            text: Cow::Owned(std::mem::take(&mut self.text).into_owned()),
            fields: std::mem::take(&mut self.fields),
        }
    }

    /// `application/json`: an object whose values are strings or numbers.
    /// Every entry is kept in order, repeated names included, as for forms.
    pub fn from_json(input: &'a [u8]) -> Result<Self, DecodeError> {
        let JsonFields(params) = serde_json::from_slice(input).map_err(|e| {
            if e.is_data() {
                DecodeError::NotAnObject
            } else {
                DecodeError::Json(e.to_string())
            }
        })?;
        Ok(params)
    }

    /// The first field named `name`.
    pub fn get(&self, name: &str) -> Option<Value<'_>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Value<'_>)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, entry)| (self.part(&entry.name), self.value(i)))
    }

    /// The names in arrival order: what a reader matches before it needs a
    /// value, which [`Params::value`] then gives by position.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|entry| self.part(&entry.name))
    }

    /// The `i`th field's value ([`Value::NotText`] past the end).
    pub fn value(&self, i: usize) -> Value<'_> {
        match self.fields.get(i).and_then(|e| e.value.as_ref()) {
            Some(value) => Value::Text(self.part(value)),
            None => Value::NotText,
        }
    }

    /// The text all ranges are of, and the `i`th field's name and value
    /// ranges if its value is text: for readers of the raw bytes, such as
    /// the signature, which copy many fields and need no `str` checks.
    pub fn spans(&self, i: usize) -> Option<(Range<usize>, Range<usize>)> {
        let entry = self.fields.get(i)?;
        Some((entry.name.clone(), entry.value.clone()?))
    }

    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// A range of the text. Every range was made on character boundaries;
    /// `get` keeps a broken one from panicking all the same.
    fn part(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// Appends a field to an owned text.
    fn push(&mut self, name: &str, value: Option<&str>) {
        let text = self.text.to_mut();
        let name_start = text.len();
        text.push_str(name);
        let name = name_start..text.len();
        let value = value.map(|v| {
            let start = text.len();
            text.push_str(v);
            start..text.len()
        });
        self.fields.push(Entry { name, value });
    }
}

impl Drop for Params<'_> {
    /// Gives the list of ranges back to this thread's scratch for the next
    /// form, unless the scratch already has as much room.
    fn drop(&mut self) {
        let fields = std::mem::take(&mut self.fields);
        if fields.capacity() <= MAX_KEPT_RANGES {
            // At thread exit the scratch may be gone: nothing to keep then.
            let _ = RANGES.try_with(|kept| {
                let mut kept = kept.borrow_mut();
                if kept.capacity() < fields.capacity() {
                    *kept = fields;
                }
            });
        }
    }
}

/// The most ranges a thread keeps between forms: a huge form's list is not
/// kept beyond it.
const MAX_KEPT_RANGES: usize = 256;

impl PartialEq for Params<'_> {
    /// The same fields in the same order, however their text is laid out.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Params<'a> {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut params = Params::default();
        for (name, value) in iter {
            params.push(name.as_ref(), Some(value.as_ref()));
        }
        params
    }
}

thread_local! {
    /// A list of ranges for the next form's [`Params`], per thread.
    static RANGES: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// A JSON object's entries in order, duplicates kept.
struct JsonFields<'a>(Params<'a>);

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
                let mut params = Params::default();
                while let Some((name, value)) =
                    map.next_entry::<Cow<'de, str>, serde_json::Value>()?
                {
                    match value {
                        serde_json::Value::String(s) => params.push(&name, Some(&s)),
                        // arbitrary_precision keeps the literal, so 400-digit
                        // numbers and 1e400 reach the range checks intact.
                        serde_json::Value::Number(n) => params.push(&name, Some(&n.to_string())),
                        _ => params.push(&name, None),
                    }
                }
                Ok(JsonFields(params))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<Value<'_>> {
        Some(Value::Text(s))
    }

    #[test]
    fn form_decodes_plus_percent_and_keeps_repeats() {
        let p = Params::from_form(b"From=%2B1415&Name=a+b&Name=c&Empty=&Bare&Pct=100%&Bad=%zz%4")
            .unwrap();
        assert_eq!(p.get("From"), text("+1415"));
        assert_eq!(p.get("Name"), text("a b"));
        assert_eq!(p.get("Bare"), text(""));
        assert_eq!(p.get("Pct"), text("100%"));
        assert_eq!(p.get("Bad"), text("%zz%4"));
        assert_eq!(p.len(), 7);
        // Decoded in place: every component borrows from the input.
        let mut body = b"From=%2B1415&Name=a+b".to_vec();
        let p = Params::decode_form(&mut body).unwrap();
        assert!(matches!(p.text, Cow::Borrowed(_)));
        assert_eq!(p.get("From"), text("+1415"));
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
        assert_eq!(p.get("A"), text("20.01"));
        assert_eq!(p.len(), 7);
        // Out of f64 range, yet kept as text so the field (not the body) is invalid.
        let c = p.get("C").and_then(Value::as_text).unwrap();
        assert_eq!(c.parse::<f64>(), Ok(f64::INFINITY));
        assert_eq!(p.get("D"), Some(Value::NotText));
        assert_eq!(p.get("F"), Some(Value::NotText));
        assert_eq!(Params::from_json(b"[1]"), Err(DecodeError::NotAnObject));
        assert_eq!(Params::from_json(b"\"x\""), Err(DecodeError::NotAnObject));
        assert!(matches!(Params::from_json(b"{"), Err(DecodeError::Json(_))));
    }
}
