//! `/status-callback`: the webhook SignalWire calls. This adapts HTTP to
//! the ingest step (`crate::ingest`): it reads the body within its limits
//! and turns the outcome into a response.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::AppState;
use crate::ingest::{BodyKind, Ingest, Rejection};

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let ingest = &state.ingest;
    let (parts, body) = request.into_parts();
    let result = match ingest.body_kind(&parts) {
        Ok(BodyKind::Query) => ingest.ingest(&parts, &[]),
        Ok(BodyKind::Form | BodyKind::Json) => {
            match read_body(ingest, &parts.headers, body).await {
                Ok(bytes) => ingest.ingest(&parts, &bytes),
                Err(rejection) => Err(ingest.refuse(rejection)),
            }
        }
        Err(rejection) => Err(ingest.refuse(rejection)),
    };
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => {
            tracing::debug!(reason = %rejection, "callback rejected");
            respond(rejection)
        }
    }
}

/// The whole body, within `--web.max-body-bytes` and `--web.read-timeout`.
pub(super) async fn read_body(
    ingest: &Ingest,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, Rejection> {
    let limit = ingest.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Rejection::TooLarge(limit));
    }
    let mut read = pin!(Limited::new(body, limit).collect());
    // A callback's body nearly always arrives with its head: then it is read
    // without registering a timer for it. Only a body still in flight after
    // the first poll gets the deadline.
    let read = match poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await {
        Poll::Ready(done) => Ok(done),
        Poll::Pending => tokio::time::timeout(ingest.read_timeout, read).await,
    };
    match read {
        Err(_) => Err(Rejection::Timeout(ingest.read_timeout)),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Rejection::TooLarge(limit))
        }
        Ok(Err(_)) => Err(Rejection::UnreadableBody),
    }
}

/// The status and one line of text; `Allow` with a 405.
fn respond(rejection: Rejection) -> Response {
    let mut response = (rejection.status(), format!("{rejection}\n")).into_response();
    if matches!(rejection, Rejection::MethodNotAllowed) {
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    }
    response
}
