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
        Some(Value::Text(s)) => match digits(s).map_or_else(|| s.parse::<f64>(), Ok) {
            Ok(x) if x.is_finite() => accept(x).map_or(Reading::Invalid, Reading::Valid),
            _ => Reading::Invalid,
        },
        Some(Value::NotText) => Reading::Invalid,
    }
}

/// Plain decimal text, as almost every number arrives ("41945", "20.01"),
/// read without the general float parser (which costs several times more).
/// Up to 15 digits the digits are an exact integer below 2⁵³, and a power
/// of ten up to 10¹⁵ is exact too, so their one correctly rounded division
/// is the correctly rounded value: what `f64::from_str` returns.
fn digits(s: &str) -> Option<f64> {
    let (mut n, mut count, mut point) = (0u64, 0usize, None);
    for (i, b) in s.bytes().enumerate() {
        match b.wrapping_sub(b'0') {
            d @ 0..=9 => {
                n = n * 10 + u64::from(d);
                count += 1;
            }
            _ if b == b'.' && point.is_none() => point = Some(i),
            _ => return None,
        }
        if count > 15 {
            return None;
        }
    }
    let decimals = point.map_or(0, |p| s.len() - p - 1);
    (count > 0).then(|| n as f64 / POWERS_OF_TEN[decimals])
}

/// 10⁰ to 10¹⁵, each exact in an f64.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

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

    #[test]
    fn plain_decimals_read_as_the_float_parser_reads_them() {
        // A simple generator of digit strings with a point anywhere.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let decimals = (0..20_000).map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = (seed % 10u64.pow(1 + (seed >> 60) as u32 % 15)).to_string();
            let at = (seed >> 40) as usize % (digits.len() + 1);
            format!("{}.{}", &digits[..at], &digits[at..])
        });
        let samples = (0..20_000u64)
            .map(|n| n.to_string())
            .chain(decimals)
            .chain(["1.", ".5", ".000000000000001", "12345678.1234567"].map(String::from))
            .chain((0..16).map(|k| "9".repeat(k)))
            .chain(
                [
                    "007",
                    "000000000000000",
                    "123456789012345",
                    "900719925474099",
                ]
                .map(String::from),
            );
        for s in samples {
            assert_eq!(
                digits(&s),
                s.parse::<f64>().ok().filter(|_| !s.is_empty()),
                "{s}"
            );
        }
        for not_digits in [
            "",
            ".",
            "1.2.3",
            "1234567890.123456",
            "+1",
            "-1",
            "1e3",
            " 1",
            "1 ",
            "١",
            "9999999999999999",
        ] {
            assert_eq!(digits(not_digits), None, "{not_digits}");
        }
    }
}
