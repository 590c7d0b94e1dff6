//! Numeric field values, validated once. A field is `Absent` (missing or
//! empty: skipped, not an error), `Invalid` (present but not a finite number
//! in range: counted) or `Valid`.

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
fn number<T>(value: Option<&Value<'_>>, accept: impl FnOnce(f64) -> Option<T>) -> Reading<T> {
    match value {
        None => Reading::Absent,
        Some(Value::Text(s)) if s.is_empty() => Reading::Absent,
        Some(Value::Text(s)) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() => accept(x).map_or(Reading::Invalid, Reading::Valid),
            _ => Reading::Invalid,
        },
        Some(Value::NotText) => Reading::Invalid,
    }
}

/// Largest accepted count, size, variance or duration: 2⁵³, beyond which
/// f64 stops counting in ones, and far beyond anything a call reports. It
/// keeps counters from being driven to +Inf by a few absurd values.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// A count, size, variance or duration: finite, from 0 to 2⁵³.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Count(f64);

impl Count {
    pub fn parse(value: Option<&Value<'_>>) -> Reading<Self> {
        // `+ 0.0` turns -0 into 0, which counters accept.
        number(value, |x| {
            (0.0..=MAX_COUNT).contains(&x).then_some(Count(x + 0.0))
        })
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// Durations in seconds (CallDuration, RecordingDuration).
pub type Seconds = Count;

/// AudioInAveragePtime, which SignalWire reports in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Milliseconds(f64);

impl Milliseconds {
    pub fn parse(value: Option<&Value<'_>>) -> Reading<Self> {
        number(value, |x| {
            (0.0..=MAX_COUNT).contains(&x).then_some(Milliseconds(x))
        })
    }

    pub fn as_seconds(self) -> f64 {
        self.0 / 1000.0
    }
}

/// Mean opinion score, 1 to 5 inclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mos(f64);

impl Mos {
    pub fn parse(value: Option<&Value<'_>>) -> Reading<Self> {
        number(value, |x| (1.0..=5.0).contains(&x).then_some(Mos(x)))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<&'static Value<'static>> {
        Some(Box::leak(Box::new(Value::Text(s.to_owned().into()))))
    }

    #[test]
    fn numbers_are_finite_and_in_range() {
        assert_eq!(Count::parse(text("2829")), Reading::Valid(Count(2829.0)));
        assert_eq!(Count::parse(text("1e3")), Reading::Valid(Count(1000.0)));
        assert_eq!(Count::parse(text("-1")), Reading::Invalid);
        assert_eq!(Count::parse(text("NaN")), Reading::Invalid);
        assert_eq!(Count::parse(text("inf")), Reading::Invalid);
        assert_eq!(Count::parse(text("1e400")), Reading::Invalid);
        assert_eq!(Count::parse(text(" 1")), Reading::Invalid);
        assert_eq!(Count::parse(text(&"9".repeat(400))), Reading::Invalid);
        assert_eq!(Count::parse(text("")), Reading::Absent);
        assert_eq!(Count::parse(None), Reading::Absent);
        assert_eq!(Count::parse(Some(&Value::NotText)), Reading::Invalid);
        assert_eq!(
            Count::parse(text("9007199254740992")),
            Reading::Valid(Count(MAX_COUNT))
        );
        assert_eq!(Count::parse(text("1e300")), Reading::Invalid);
        assert_eq!(Mos::parse(text("4.5")), Reading::Valid(Mos(4.5)));
        assert_eq!(Mos::parse(text("1")), Reading::Valid(Mos(1.0)));
        assert_eq!(Mos::parse(text("5")), Reading::Valid(Mos(5.0)));
        assert_eq!(Mos::parse(text("0.99")), Reading::Invalid);
        assert_eq!(Mos::parse(text("5.01")), Reading::Invalid);
        assert_eq!(
            Milliseconds::parse(text("20.01"))
                .valid()
                .map(|m| m.as_seconds()),
            Some(0.02001)
        );
    }
}
