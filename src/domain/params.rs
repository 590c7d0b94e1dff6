//! The wire format: a callback's fields as decoded name/value pairs, from a
//! form body, a query string or a JSON object. Nothing is interpreted here.

use std::fmt;

/// One field's value as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, or a JSON number kept as its literal so that `20.01` and
    /// `"20.01"` parse to the same f64.
    Text(String),
    /// A JSON `true`, `null`, array or object: never a valid field value.
    NotText,
}

impl Value {
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
pub struct Params(Vec<(String, Value)>);

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

impl Params {
    /// `application/x-www-form-urlencoded` body or query string. Strict about
    /// UTF-8, unlike the WHATWG parser, so that bytes which cannot be the
    /// text SignalWire signed are refused rather than silently replaced.
    pub fn from_form(input: &[u8]) -> Result<Self, DecodeError> {
        let mut fields = Vec::with_capacity(32);
        for pair in input.split(|&b| b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            fields.push((
                decode_component(name)?,
                Value::Text(decode_component(value)?),
            ));
        }
        Ok(Params(fields))
    }

    /// `application/json`: an object whose values are strings or numbers.
    pub fn from_json(input: &[u8]) -> Result<Self, DecodeError> {
        let value: serde_json::Value = serde_json::from_slice(input)
            .map_err(|e| DecodeError::Json(first_line(&e.to_string())))?;
        let serde_json::Value::Object(map) = value else {
            return Err(DecodeError::NotAnObject);
        };
        let fields = map
            .into_iter()
            .map(|(name, v)| {
                let v = match v {
                    serde_json::Value::String(s) => Value::Text(s),
                    // arbitrary_precision keeps the literal, so 400-digit
                    // numbers and 1e400 reach the range checks intact.
                    serde_json::Value::Number(n) => Value::Text(n.to_string()),
                    _ => Value::NotText,
                };
                (name, v)
            })
            .collect();
        Ok(Params(fields))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Removes and returns the first value under `name`.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.0.iter().position(|(n, _)| n == name)?;
        Some(std::mem::replace(&mut self.0[i].1, Value::NotText))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Params(
            iter.into_iter()
                .map(|(n, v)| (n.into(), Value::Text(v.into())))
                .collect(),
        )
    }
}

fn decode_component(raw: &[u8]) -> Result<String, DecodeError> {
    let plus_free: std::borrow::Cow<[u8]> = if raw.contains(&b'+') {
        raw.iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect::<Vec<u8>>()
            .into()
    } else {
        raw.into()
    };
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_free).collect();
    String::from_utf8(bytes).map_err(|_| DecodeError::Utf8)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decodes_plus_percent_and_keeps_repeats() {
        let p = Params::from_form(b"From=%2B1415&Name=a+b&Name=c&Empty=&Bare").unwrap();
        assert_eq!(p.get("From"), Some(&Value::Text("+1415".into())));
        assert_eq!(p.get("Name"), Some(&Value::Text("a b".into())));
        assert_eq!(p.len(), 5);
        assert_eq!(p.get("Bare"), Some(&Value::Text(String::new())));
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
    fn json_numbers_keep_their_literal() {
        let p =
            Params::from_json(br#"{"A":20.01,"B":"20.01","C":1e400,"D":true,"E":null,"F":[1]}"#)
                .unwrap();
        assert_eq!(p.get("A"), Some(&Value::Text("20.01".into())));
        // Out of f64 range, yet kept as text so the field (not the body) is invalid.
        let c = p.get("C").and_then(Value::as_text).unwrap();
        assert_eq!(c.parse::<f64>(), Ok(f64::INFINITY));
        assert_eq!(p.get("D"), Some(&Value::NotText));
        assert_eq!(p.get("F"), Some(&Value::NotText));
        assert_eq!(Params::from_json(b"[1]"), Err(DecodeError::NotAnObject));
        assert!(matches!(Params::from_json(b"{"), Err(DecodeError::Json(_))));
    }
}
