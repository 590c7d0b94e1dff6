//! `GET /` where /metrics is served: the status page, from live figures;
//! `?project=NAME` shows one project's (with a projects file).

use std::time::Instant;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::calls::html_response;
use super::AppState;
use crate::call_state::CallsQuery;
use crate::pages::{render_status_page, StatusSnapshot};
use crate::recorder::WINDOW;

/// Bad calls shown on the page; the rest are a click away.
const LATEST_CALLS: usize = 10;

pub async fn page(State(state): State<AppState>, uri: Uri) -> Response {
    // Only `project=` is read; the calls filters' rules check its value.
    let project = match CallsQuery::parse(uri.query()) {
        Ok(q) => q.project,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let query = CallsQuery {
        limit: Some(LATEST_CALLS),
        project,
        ..CallsQuery::default()
    };
    html_response(render_status_page(&snapshot(&state, &query)))
}

fn snapshot(state: &AppState, query: &CallsQuery) -> StatusSnapshot {
    // Copied out so the page renders without holding the table's lock.
    let latest = {
        let table = state.calls.lock();
        table.recent().select(query).cloned().collect()
    };
    let now = Instant::now();
    let names = state.ingest.keys.names();
    let counts = match query.project {
        None => state.recorder.window(now),
        Some(p) => match names.find(p.as_str()) {
            Some(id) if names.is_labelled() => state.recorder.project_window(id, now),
            // No such project: an empty view.
            _ => state
                .recorder
                .project_window(Default::default(), now)
                .zero_of(),
        },
    };
    StatusSnapshot {
        version: env!("CARGO_PKG_VERSION"),
        links: state.site.links.clone(),
        window: WINDOW,
        counts,
        thresholds: state.site.thresholds,
        latest_bad_calls: Some(latest),
        projects: project_links(state),
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
