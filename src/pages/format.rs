//! Numbers and times as a person reads them: no useless decimals, times to
//! the millisecond. Plain text; the templates escape it.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Shown where a figure is unknown.
pub const DASH: &str = "–";

/// `n` out of `total` as a percentage with one decimal, or a dash.
pub fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return DASH.to_owned();
    }
    percent(n as f64 / total as f64)
}

/// A ratio as a percentage with at most one decimal: 0.05 → "5%", 0.2312 → "23.1%".
pub fn percent(ratio: f64) -> String {
    format!("{}%", trimmed(ratio * 100.0, 1))
}

/// `v` with `decimals` decimals, without a trailing ".0".
pub fn trimmed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_suffix(&format!(".{}", "0".repeat(decimals))) {
        Some(whole) if decimals > 0 => whole.to_owned(),
        _ => text,
    }
}

pub fn seconds(v: f64) -> String {
    format!("{} s", trimmed(v, 1))
}

pub fn variance(v: f64) -> String {
    trimmed(v, 1)
}

pub fn mos(v: f64) -> String {
    format!("{v:.2}")
}

/// RFC 3339 to the millisecond, which a person reads; `/calls` JSON keeps
/// the full precision.
pub fn received_at(at: OffsetDateTime) -> String {
    let millis = at.replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000);
    millis.unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_without_useless_decimals() {
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.2312), "23.1%");
        assert_eq!(percent(0.1), "10%");
        assert_eq!(trimmed(184.0, 1), "184");
        assert_eq!(trimmed(412.55, 1), "412.6");
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(0, 0), "–");
        assert_eq!(seconds(3.0), "3 s");
        assert_eq!(mos(3.1), "3.10");
    }

    #[test]
    fn receipt_times_read_to_the_millisecond() {
        use time::macros::datetime;
        let at = datetime!(2026-11-29 19:27:31.030192368 UTC);
        assert_eq!(received_at(at), "2026-11-29T19:27:31.03Z");
    }
}
