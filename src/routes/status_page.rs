//! `GET /` where /metrics is served: the status page, from live figures.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::calls::html_response;
use super::AppState;
use crate::call_state::CallsQuery;
use crate::pages::{render_status_page, StatusSnapshot};
use crate::recorder::WINDOW;

/// Bad calls shown on the page; the rest are a click away.
const LATEST_CALLS: usize = 10;

pub async fn page(State(state): State<AppState>) -> Response {
    html_response(render_status_page(&snapshot(&state)))
}

fn snapshot(state: &AppState) -> StatusSnapshot {
    let query = CallsQuery {
        limit: Some(LATEST_CALLS),
        ..CallsQuery::default()
    };
    // Copied out so the page renders without holding the table's lock.
    let latest = {
        let table = state.calls.lock();
        table.recent().select(&query).cloned().collect()
    };
    StatusSnapshot {
        version: env!("CARGO_PKG_VERSION"),
        links: state.site.links.clone(),
        window: WINDOW,
        counts: state.recorder.window(Instant::now()),
        thresholds: state.site.thresholds,
        latest_bad_calls: Some(latest),
    }
}
