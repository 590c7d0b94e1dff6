//! `GET /metrics`: the Prometheus text exposition.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use super::AppState;
use crate::recorder::Recorder;

pub async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, Recorder::CONTENT_TYPE)],
        state.recorder.render(),
    )
}

/// `POST /-/reload`: 200, or 500 with the one-line reason.
pub async fn reload(State(state): State<AppState>) -> impl IntoResponse {
    // Files are read off the runtime's worker threads.
    let result = tokio::task::spawn_blocking(move || state.reload()).await;
    match result {
        Ok(Ok(())) => (StatusCode::OK, String::new()),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed: {e}\n"),
        ),
    }
}
