//! `GET /calls`: the latest finished calls worth a look, as JSON by default
//! or as HTML for a browser (Accept prefers text/html, or `format=html`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::call_state::CallsQuery;
use crate::domain::FinishedCall;
use crate::pages::{render_calls_page, CONTENT_SECURITY_POLICY};

const TEXT: &str = "text/plain; charset=utf-8";

pub async fn list(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (query, html) = match parse(uri.query(), &headers) {
        Ok(parsed) => parsed,
        Err(reason) => {
            let body = format!("{reason}\n");
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, TEXT)],
                body,
            )
                .into_response();
        }
    };
    if html {
        // Copied out so the page renders without holding the table's lock.
        let calls: Vec<FinishedCall> = {
            let table = state.calls.lock();
            table.recent().select(&query).cloned().collect()
        };
        return html_response(render_calls_page(&state.site.links, &calls, &query));
    }
    let body = {
        let table = state.calls.lock();
        serde_json::to_vec(&table.recent().page(&query))
    };
    match body {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// An HTML page with the strict policy it is written for.
pub fn html_response(page: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        ],
        page,
    )
        .into_response()
}

/// The filters, and whether to answer HTML; or why the request is refused.
fn parse(query: Option<&str>, headers: &HeaderMap) -> Result<(CallsQuery, bool), String> {
    let filters = CallsQuery::parse(query).map_err(|e| e.to_string())?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| e.to_string())?;
    let mut formats = pairs.iter().filter(|(k, _)| k == "format").map(|(_, v)| v);
    let html = match (formats.next().map(String::as_str), formats.next()) {
        (_, Some(_)) => return Err("format= is given more than once".into()),
        (Some("html"), None) => true,
        (Some("json"), None) => false,
        (Some(other), None) => return Err(format!("format={other:?} is not one of html, json")),
        (None, None) => prefers_html(headers),
    };
    Ok((filters, html))
}

/// Whether the Accept header rates text/html above application/json; JSON
/// on a tie (`*/*`, or no header).
fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    quality(accept, "text", "html") > quality(accept, "application", "json")
}

/// The q-value `accept` gives `kind/sub`, from its most specific range.
pub(super) fn quality(accept: &str, kind: &str, sub: &str) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let Some((k, s)) = parts.next().and_then(|m| m.split_once('/')) else {
            continue;
        };
        let specificity = match (k, s) {
            _ if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 2,
            _ if k.eq_ignore_ascii_case(kind) && s == "*" => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn browsers_get_html_and_clients_that_accept_anything_get_json() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(&accept(firefox)));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept("application/json, text/html;q=0.5")));
        assert!(prefers_html(&accept("text/*")));
        assert!(!prefers_html(&accept("text/html;q=0, */*")));
    }

    #[test]
    fn format_overrides_accept_and_bad_values_are_refused_in_one_line() {
        let html = accept("text/html");
        assert!(!parse(Some("format=json"), &html).unwrap().1);
        assert!(parse(Some("format=html"), &HeaderMap::new()).unwrap().1);
        let e = parse(Some("format=xml"), &html).unwrap_err();
        assert_eq!(e, "format=\"xml\" is not one of html, json");
        assert!(parse(Some("format=html&format=json"), &html).is_err());
    }
}
