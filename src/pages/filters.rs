//! Links to `/calls` with its filters: a [`CallsQuery`] back to a query string.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::call_state::{CallsQuery, ProjectName};
use crate::domain::{Issue, SILENCE};

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
        ("issue", issue_value(q).and_then(text)),
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

/// The one `issue=` value of `q`: a quality issue, `any` or `silence`.
fn issue_value(q: &CallsQuery) -> Option<&'static str> {
    match (q.issue, q.silence) {
        (Some(issue), _) => Some(issue.as_str()),
        (None, true) => Some(SILENCE),
        (None, false) => None,
    }
}

/// `q` filtering on `issue` instead of its own issue or silence: the query
/// holds one `issue=` at most.
pub fn with_issue(q: &CallsQuery, issue: Option<Issue>) -> CallsQuery {
    CallsQuery {
        issue,
        silence: false,
        ..*q
    }
}

/// `q` filtering on silent calls instead of its own issue.
pub fn with_silence(q: &CallsQuery) -> CallsQuery {
    CallsQuery {
        issue: None,
        silence: true,
        ..*q
    }
}

/// A `project` label value as a filter; `None` for one the query would
/// refuse (none is: labels follow the same rule).
pub fn project_name(label: &str) -> Option<ProjectName> {
    // The query's own parser keeps the one rule for names.
    let query = url_with_query("", &[("project", label.to_owned())]);
    CallsQuery::parse(query.strip_prefix('?')).ok()?.project
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
    use crate::domain::{CallStatus, Country, Direction};

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

    #[test]
    fn silence_is_the_issue_filter_and_replaces_or_yields_to_a_quality_issue() {
        let low_mos = CallsQuery {
            issue: Some(Issue::LowMos),
            limit: Some(5),
            ..CallsQuery::default()
        };
        let silent = with_silence(&low_mos);
        assert_eq!(calls_url("/c", &silent), "/c?issue=silence&limit=5");
        assert_eq!(describe(&silent), " · issue = silence · newest 5");
        assert_eq!(CallsQuery::parse(Some("issue=silence&limit=5")), Ok(silent));
        let any = with_issue(&silent, Some(Issue::Any));
        assert_eq!(calls_url("/c", &any), "/c?issue=any&limit=5");
        assert_eq!(calls_url("/c", &with_issue(&silent, None)), "/c?limit=5");
    }

    #[test]
    fn project_and_country_filters_are_kept_in_links_and_named() {
        let q = CallsQuery {
            silence: true,
            project: project_name("prod-1"),
            country: Country::from_name("gb"),
            ..CallsQuery::default()
        };
        assert_eq!(
            calls_url("/c", &q),
            "/c?issue=silence&project=prod-1&country=GB"
        );
        assert_eq!(
            describe(&q),
            " · issue = silence · project = prod-1 · country = GB"
        );
        assert_eq!(
            project_name("other").map(|p| p.as_str().to_owned()),
            Some("other".into())
        );
        assert_eq!(project_name("Prod"), None);
    }
}
