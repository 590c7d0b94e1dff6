//! Links to `/calls` with its filters: a [`CallsQuery`] back to a query string.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::call_state::CallsQuery;

/// RFC 3986 unreserved characters stay as they are; everything else is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `base?k=v&k=v` with each value percent-encoded, or `base` when no pair is
/// given.
pub fn url_with_query(base: &str, pairs: &[(&str, String)]) -> String {
    let mut url = base.to_owned();
    for (i, (key, value)) in pairs.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(key);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    url
}

/// The query pairs of `q`, in a fixed order so equal filters give equal URLs.
pub fn pairs(q: &CallsQuery) -> Vec<(&'static str, String)> {
    let text = |s: &str| Some(s.to_owned());
    [
        ("issue", q.issue.and_then(|i| text(i.as_str()))),
        ("direction", q.direction.and_then(|d| text(d.as_str()))),
        ("status", q.status.and_then(|s| text(s.as_str()))),
        ("project", q.project.and_then(|p| text(p.as_str()))),
        ("country", q.country.map(|c| c.to_string())),
        ("limit", q.limit.map(|l| l.to_string())),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (key, v)))
    .collect()
}

/// `base` with the filters of `q` as its query string.
pub fn calls_url(base: &str, q: &CallsQuery) -> String {
    let url = url_with_query(base, &pairs(q));
    // An empty href is the current URL, query included: "?" clears the query.
    if url.is_empty() {
        "?".to_owned()
    } else {
        url
    }
}

/// " · issue = low_mos · newest 50", or "" without filters.
pub fn describe(q: &CallsQuery) -> String {
    pairs(q)
        .iter()
        .map(|(key, value)| match *key {
            "limit" => format!(" · newest {value}"),
            _ => format!(" · {key} = {value}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CallStatus, Direction, Issue};

    #[test]
    fn url_with_query_percent_encodes_each_value() {
        assert_eq!(url_with_query("/calls", &[]), "/calls");
        let pairs = [("issue", "low_mos".into()), ("status", "a&b c<".into())];
        assert_eq!(
            url_with_query("/p/calls", &pairs),
            "/p/calls?issue=low_mos&status=a%26b%20c%3C"
        );
    }

    #[test]
    fn filters_come_back_in_a_fixed_order_and_an_empty_query_clears_the_url() {
        let q = CallsQuery {
            issue: Some(Issue::HighJitter),
            direction: Some(Direction::OutboundApi),
            status: Some(CallStatus::NoAnswer),
            project: None,
            country: None,
            limit: Some(5),
            silence: false,
        };
        assert_eq!(
            calls_url("/c", &q),
            "/c?issue=high_jitter&direction=outbound-api&status=no-answer&limit=5"
        );
        assert_eq!(calls_url("", &CallsQuery::default()), "?");
        assert_eq!(
            describe(&q),
            " · issue = high_jitter · direction = outbound-api · status = no-answer · newest 5"
        );
    }
}
