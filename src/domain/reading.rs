//! Numeric field values, validated once. A field is `Absent` (missing or
//! empty: skipped, not an error; or meaningless where it was sent, see
//! `fields::Row`), `Invalid` (present but not a finite number in range:
//! counted) or `Valid`.

use super::params::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading<T> {
    Absent,
    Invalid,
    Valid(T),
}

impl<T> Reading<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        match self {
            Reading::Absent => Reading::Absent,
            Reading::Invalid => Reading::Invalid,
            Reading::Valid(v) => Reading::Valid(f(v)),
        }
    }

    pub fn valid(self) -> Option<T> {
        match self {
            Reading::Valid(v) => Some(v),
            _ => None,
        }
    }
}

/// Parses a numeric field: text that Rust's f64 parser accepts, finite,
/// then `accept` decides the range.
pub(super) fn number<T>(
    value: Option<Value<'_>>,
    accept: impl FnOnce(f64) -> Option<T>,
) -> Reading<T> {
    match value {
        None => Reading::Absent,
        Some(Value::Text("")) => Reading::Absent,
        Some(Value::Text(s)) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() => accept(x).map_or(Reading::Invalid, Reading::Valid),
            _ => Reading::Invalid,
        },
        Some(Value::NotText) => Reading::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(s: Option<&str>) -> Reading<f64> {
        let value = s.map(Value::Text);
        number(value, |x| (0.0..=10.0).contains(&x).then_some(x))
    }

    #[test]
    fn numbers_are_finite_text_and_in_range() {
        assert_eq!(count(Some("2")), Reading::Valid(2.0));
        assert_eq!(count(Some("1e1")), Reading::Valid(10.0));
        assert_eq!(count(Some("-1")), Reading::Invalid);
        assert_eq!(count(Some("11")), Reading::Invalid);
        assert_eq!(count(Some("NaN")), Reading::Invalid);
        assert_eq!(count(Some("inf")), Reading::Invalid);
        assert_eq!(count(Some("1e400")), Reading::Invalid);
        assert_eq!(count(Some(" 1")), Reading::Invalid);
        assert_eq!(count(Some(&"9".repeat(400))), Reading::Invalid);
        assert_eq!(count(Some("")), Reading::Absent);
        assert_eq!(count(None), Reading::Absent);
        assert_eq!(number(Some(Value::NotText), Some), Reading::Invalid);
    }
}
