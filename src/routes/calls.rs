//! `GET /calls`: the latest finished calls worth a look, as JSON by default
//! or as HTML for a browser (Accept prefers text/html, or `format=html`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::call_state::CallsQuery;
use crate::domain::FinishedCall;
use crate::pages::html::CONTENT_SECURITY_POLICY;
use crate::pages::{render_calls_page, CallRow, CallsFilters};

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
        let rows: Vec<CallRow> = {
            let table = state.calls.lock();
            table.recent().select(&query).map(call_row).collect()
        };
        let page = render_calls_page(&state.site.links, &rows, &filters(&query));
        return html_response(page);
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
fn quality(accept: &str, kind: &str, sub: &str) -> f32 {
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

fn filters(query: &CallsQuery) -> CallsFilters {
    CallsFilters {
        issue: query.issue.map(|i| i.as_str().to_owned()),
        direction: query.direction.map(|d| d.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        limit: query.limit,
    }
}

/// A listed call as the HTML pages show it: times to the millisecond, which
/// a person reads; the JSON keeps the full precision.
pub fn call_row(call: &FinishedCall) -> CallRow {
    use time::format_description::well_known::Rfc3339;
    let at = call.received_at;
    let millis = at.replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000);
    CallRow {
        received_at: millis.unwrap_or(at).format(&Rfc3339).unwrap_or_default(),
        account_sid: Some(call.account_sid.clone()).filter(|s| !s.is_empty()),
        call_sid: call.call_sid.clone(),
        status: call.status.as_str().to_owned(),
        direction: call.direction.as_str().to_owned(),
        sip_result_code: call.sip_result_code.map(|c| c.to_string()),
        duration_seconds: call.duration_seconds,
        mos: call.audio.mos,
        packet_loss_ratio: call.audio.packet_loss_ratio,
        jitter_max_variance: call.audio.jitter_max_variance,
        post_dial_delay_seconds: call.post_dial_delay_seconds.map(|s| s as f64),
        answer_delay_seconds: call.answer_delay_seconds.map(|s| s as f64),
        issues: call.issues().named().map(|i| i.as_str()).collect(),
    }
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

    #[test]
    fn the_html_row_shows_the_receipt_time_to_the_millisecond() {
        use time::macros::datetime;
        let call = FinishedCall {
            sequence: 1,
            received_at: datetime!(2026-11-29 19:27:31.030192368 UTC),
            account_sid: String::new(),
            call_sid: "CA1".into(),
            status: crate::domain::CallStatus::Busy,
            direction: crate::domain::Direction::Inbound,
            sip_result_code: Some(486),
            duration_seconds: None,
            audio: crate::domain::Audio::default(),
            post_dial_delay_seconds: Some(3),
            answer_delay_seconds: None,
            numbers: None,
        };
        let row = call_row(&call);
        assert_eq!(row.received_at, "2026-11-29T19:27:31.03Z");
        assert_eq!(row.account_sid, None);
    }
}
