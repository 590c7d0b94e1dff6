//! `/call-state`: the JSON webhook of SWML's `call_state_url` and the
//! Calling API's `status_url`. Like `webhook`, it only adapts HTTP to the
//! ingest step (`Ingest::ingest_call_state`).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::webhook::read_body;
use super::AppState;
use crate::ingest::Rejection;

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let ingest = &state.ingest;
    let (parts, body) = request.into_parts();
    let result = match ingest.call_state_request(&parts) {
        Ok(()) => match read_body(ingest, &parts.headers, body).await {
            Ok(bytes) => ingest.ingest_call_state(&parts, &bytes),
            Err(rejection) => Err(ingest.refuse_call_state(rejection)),
        },
        Err(rejection) => Err(ingest.refuse_call_state(rejection)),
    };
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => {
            tracing::debug!(reason = %rejection, "call-state webhook rejected");
            respond(rejection)
        }
    }
}

/// The status and one line of text; `Allow: POST` with a 405.
fn respond(rejection: Rejection) -> Response {
    let mut response = (rejection.status(), format!("{rejection}\n")).into_response();
    if matches!(rejection, Rejection::PostOnly) {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}
