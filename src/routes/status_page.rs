//! `GET /` where /metrics is served: the status page, from live figures;
//! its figures as JSON with `Accept: application/json` or `?format=json`;
//! `?project=NAME` shows one project's (with a projects file).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::calls::{html_response, quality};
use super::AppState;
use crate::call_state::CallsQuery;
use crate::pages::{render_status_page, StatusFigures, StatusSnapshot};
use crate::recorder::View;

/// Bad calls shown on the page; the rest are a click away.
const LATEST_CALLS: usize = 10;

pub async fn page(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let json = match wants_json(uri.query(), &headers) {
        Ok(json) => json,
        Err(reason) => {
            let text = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
            return (StatusCode::BAD_REQUEST, text, format!("{reason}\n")).into_response();
        }
    };
    // Only `project=` is read; the calls filters' rules check its value.
    let query = match CallsQuery::parse(uri.query()) {
        Ok(q) => CallsQuery {
            limit: Some(LATEST_CALLS),
            project: q.project,
            ..CallsQuery::default()
        },
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let figures = figures(&state, &query);
    if !json {
        return html_response(render_status_page(&snapshot(&state, figures, &query)));
    }
    match serde_json::to_vec(&figures) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// `format=json` or `format=html` decide; without it, JSON only when Accept
/// rates it above HTML, so browsers and `curl` keep the page.
fn wants_json(query: Option<&str>, headers: &HeaderMap) -> Result<bool, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| e.to_string())?;
    let mut formats = pairs.iter().filter(|(k, _)| k == "format").map(|(_, v)| v);
    match (formats.next().map(String::as_str), formats.next()) {
        (_, Some(_)) => Err("format= is given more than once".into()),
        (Some("json"), None) => Ok(true),
        (Some("html"), None) => Ok(false),
        (Some(other), None) => Err(format!("format={other:?} is not one of html, json")),
        (None, None) => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
            Ok(accept
                .is_some_and(|a| quality(a, "application", "json") > quality(a, "text", "html")))
        }
    }
}

/// The window, its verdict and the hour, read once for either format: of
/// every call, or of the project `query` names.
fn figures(state: &AppState, query: &CallsQuery) -> StatusFigures {
    let names = state.ingest.keys.names();
    let view = match query.project {
        None => View::All,
        Some(p) => match names.find(p.as_str()) {
            Some(id) if names.is_labelled() => View::Project(id),
            // No such project: an empty view.
            _ => View::Nobody,
        },
    };
    let r = &state.recorder;
    StatusFigures::new(r.uptime(), r.window(view), r.minutes(view))
}

fn snapshot(state: &AppState, figures: StatusFigures, query: &CallsQuery) -> StatusSnapshot {
    // Copied out so the page renders without holding the table's lock.
    let latest = {
        let table = state.calls.lock();
        table.recent().select(query).cloned().collect()
    };
    StatusSnapshot {
        version: env!("CARGO_PKG_VERSION"),
        links: state.site.links.clone(),
        figures,
        thresholds: state.site.thresholds,
        latest_bad_calls: Some(latest),
        projects: project_links(state),
        project: query.project,
    }
}

/// "All" and each project's view, with a projects file.
fn project_links(state: &AppState) -> Vec<(String, String)> {
    let names = state.ingest.keys.names();
    if !names.is_labelled() {
        return Vec::new();
    }
    let home = &state.site.links.home;
    let mut projects: Vec<String> = state
        .ingest
        .keys
        .current()
        .projects()
        .filter_map(|p| p.name.as_deref().map(str::to_owned))
        .collect();
    projects.sort();
    projects.push(crate::domain::OTHER.to_owned());
    std::iter::once(("All".to_owned(), home.clone()))
        .chain(projects.into_iter().map(|name| {
            // A nested router serves its root at the bare prefix only.
            let href = format!("{home}?project={name}");
            (name, href)
        }))
        .collect()
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
    fn json_when_asked_for_and_the_page_for_browsers_and_anything() {
        assert!(wants_json(None, &accept("application/json")).unwrap());
        assert!(!wants_json(None, &accept("*/*")).unwrap());
        assert!(!wants_json(None, &HeaderMap::new()).unwrap());
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(!wants_json(None, &accept(firefox)).unwrap());
        assert!(wants_json(Some("format=json"), &accept(firefox)).unwrap());
        assert!(!wants_json(Some("format=html"), &accept("application/json")).unwrap());
        let e = wants_json(Some("format=xml"), &HeaderMap::new()).unwrap_err();
        assert_eq!(e, "format=\"xml\" is not one of html, json");
    }
}
