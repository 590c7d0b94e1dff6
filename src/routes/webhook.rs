//! `/status-callback`: the webhook SignalWire calls.
//!
//! Checks run in this order, each with its own status code: method (405),
//! content type (415), body size (413), decoding (400), signature (403),
//! the event itself (400); then duplicates are answered 204 unrecorded.
//! JSON is the exception to "decode, then verify": it is signed over its raw
//! bytes, so a forged body is refused before it is parsed.

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderMap, HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use axum::http::request::Parts;
use time::format_description::well_known::Rfc3339;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use time::OffsetDateTime;

use super::{AppState, Webhook};
use crate::call_state::CallEvent;
use crate::domain::{DecodeError, EventError, Outcome, Params, StatusEvent};
use crate::domain::{FinishedCall, RecordedNumbers};
use crate::signature::Verifier;

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let result = accept(&state, request).await;
    let outcome = match &result {
        Ok(outcome) => *outcome,
        Err(rejection) => rejection.outcome(),
    };
    state.recorder.outcome(outcome);
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => {
            tracing::debug!(reason = %rejection, "callback rejected");
            rejection.into_response()
        }
    }
}

async fn accept(state: &AppState, request: Request) -> Result<Outcome, Rejection> {
    let webhook = &state.webhook;
    let (parts, body) = request.into_parts();
    let kind = match parts.method {
        Method::GET => BodyKind::Query,
        Method::POST => body_kind(&parts.headers)?,
        _ => return Err(Rejection::MethodNotAllowed),
    };
    let query = parts.uri.query().unwrap_or_default();
    let mut bytes = match kind {
        BodyKind::Query if query.len() > webhook.max_body_bytes => {
            return Err(Rejection::TooLarge(webhook.max_body_bytes));
        }
        // A copy of the query, so it is decoded in place like a form body.
        BodyKind::Query => Buffer::copy_of(query.as_bytes()),
        BodyKind::Form | BodyKind::Json => read_body(webhook, &parts.headers, body).await?,
    };

    let params = verified_params(webhook, &parts, kind, &mut bytes)?;
    let event = StatusEvent::parse(&params).map_err(Rejection::BadEvent)?;
    if !webhook.dedupe.first_delivery(&event.id) {
        return Ok(Outcome::Duplicate);
    }
    let received_at = OffsetDateTime::now_utc();
    state.recorder.record(&event, received_at);
    follow_call(state, &event, &params, received_at);
    Ok(Outcome::Accepted)
}

/// The parameters of a callback whose signature holds.
fn verified_params<'b>(
    webhook: &Webhook,
    parts: &Parts,
    kind: BodyKind,
    bytes: &'b mut [u8],
) -> Result<Params<'b>, Rejection> {
    // Under a route prefix axum hands us the path with the prefix removed;
    // the sender signed the path it called.
    let called = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let verify = |check: &dyn Fn(&Verifier, &str, &[u8]) -> bool| match &webhook.verifier {
        None => Ok(()),
        Some(v) => {
            let signature = signature(&parts.headers)?;
            let url = webhook.signed_url.for_request(called, &parts.headers);
            check(v, &url, signature)
                .then_some(())
                .ok_or(Rejection::InvalidSignature)
        }
    };
    match kind {
        BodyKind::Query => {
            let params = Params::decode_form(bytes).map_err(Rejection::Undecodable)?;
            // The query is part of the signed URL; there are no body params.
            verify(&|v, url, sig| v.verify_form(url, &Params::default(), sig))?;
            Ok(params)
        }
        BodyKind::Form => {
            let params = Params::decode_form(bytes).map_err(Rejection::Undecodable)?;
            verify(&|v, url, sig| v.verify_form(url, &params, sig))?;
            Ok(params)
        }
        BodyKind::Json => {
            // JSON is signed over its raw bytes: a forged body is refused
            // before any parsing.
            verify(&|v, url, sig| v.verify_json(url, bytes, sig))?;
            Params::from_json(bytes).map_err(Rejection::Undecodable)
        }
    }
}

/// Feeds the call table, records what it found, and logs a listed call
/// once the lock is released.
fn follow_call(state: &AppState, event: &StatusEvent, params: &Params<'_>, at: OffsetDateTime) {
    let call = CallEvent::from_status(event, params, state.calls.include_numbers);
    let now = Instant::now();
    let effects = state.calls.lock().record(&call, now, at);
    state.recorder.call_effects(&effects);
    if let Some(call) = effects.finished.as_ref().filter(|c| c.is_worth_listing()) {
        log_call(call);
    }
}

/// One line per listed call, with the fields of its `/calls` entry (absent
/// where the entry has null), so a log pipeline finds calls by CallSid.
fn log_call(call: &FinishedCall) {
    let received_at = call.received_at.format(&Rfc3339).unwrap_or_default();
    let issues: Vec<&str> = call.issues().named().map(|i| i.as_str()).collect();
    let numbers = call.numbers.as_deref();
    let number = |f: fn(&RecordedNumbers) -> &Option<String>| numbers.and_then(|n| f(n).as_deref());
    tracing::info!(
        received_at = %received_at,
        account_sid = %call.account_sid,
        call_sid = %call.call_sid,
        status = call.status.as_str(),
        direction = call.direction.as_str(),
        sip_result_code = call.sip_result_code,
        duration_seconds = call.duration_seconds,
        mos = call.audio.mos,
        packet_loss_ratio = call.audio.packet_loss_ratio,
        jitter_max_variance = call.audio.jitter_max_variance,
        post_dial_delay_seconds = call.post_dial_delay_seconds,
        answer_delay_seconds = call.answer_delay_seconds,
        issues = %issues.join(","),
        from = number(|n| &n.from),
        to = number(|n| &n.to),
        forwarded_from = number(|n| &n.forwarded_from),
        caller_name = number(|n| &n.caller_name),
        "call needs a look"
    );
}

#[derive(Clone, Copy)]
enum BodyKind {
    Query,
    Form,
    Json,
}

fn body_kind(headers: &HeaderMap) -> Result<BodyKind, Rejection> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .map_or(&[][..], |v| v.as_bytes());
    // The media type, before any parameters such as `charset`.
    let end = value.iter().position(|&b| b == b';').unwrap_or(value.len());
    let mime = value[..end].trim_ascii();
    if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        Ok(BodyKind::Form)
    } else if mime.eq_ignore_ascii_case(b"application/json") {
        Ok(BodyKind::Json)
    } else {
        Err(Rejection::UnsupportedMediaType)
    }
}

/// The whole body, as a buffer of our own: form bodies are decoded in place.
async fn read_body(
    webhook: &Webhook,
    headers: &HeaderMap,
    body: Body,
) -> Result<Buffer, Rejection> {
    let limit = webhook.max_body_bytes;
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
        Poll::Pending => tokio::time::timeout(webhook.read_timeout, read).await,
    };
    match read {
        Err(_) => Err(Rejection::Timeout(webhook.read_timeout)),
        Ok(Ok(collected)) => Ok(Buffer::copy_of(&collected.to_bytes())),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Rejection::TooLarge(limit))
        }
        Ok(Err(_)) => Err(Rejection::UnreadableBody),
    }
}

/// Named once: a header looked up by `&str` is parsed and hashed each time.
const SIGNALWIRE_SIGNATURE: HeaderName = HeaderName::from_static("x-signalwire-signature");
const TWILIO_SIGNATURE: HeaderName = HeaderName::from_static("x-twilio-signature");

/// A copy of a request's bytes in this thread's reused buffer, given back
/// when dropped: a callback is decoded in place, and a fresh buffer per
/// callback would cost an allocation and its release.
struct Buffer(Vec<u8>);

thread_local! {
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Buffer {
    fn copy_of(bytes: &[u8]) -> Self {
        let mut buffer = BUFFER.with_borrow_mut(std::mem::take);
        buffer.clear();
        buffer.extend_from_slice(bytes);
        Buffer(buffer)
    }
}

impl Drop for Buffer {
    /// Kept for the next callback unless it grew past a callback's size.
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.0);
        if buffer.capacity() <= 16 * 1024 {
            let _ = BUFFER.try_with(|kept| *kept.borrow_mut() = buffer);
        }
    }
}

impl std::ops::Deref for Buffer {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl std::ops::DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

fn signature(headers: &HeaderMap) -> Result<&[u8], Rejection> {
    headers
        .get(SIGNALWIRE_SIGNATURE)
        .or_else(|| headers.get(TWILIO_SIGNATURE))
        .map(|v| v.as_bytes())
        .ok_or(Rejection::MissingSignature)
}

/// Why a request was refused; each renders as a status and one line of text.
#[derive(Debug)]
enum Rejection {
    MethodNotAllowed,
    UnsupportedMediaType,
    TooLarge(usize),
    Timeout(std::time::Duration),
    UnreadableBody,
    Undecodable(DecodeError),
    MissingSignature,
    InvalidSignature,
    BadEvent(EventError),
}

impl Rejection {
    fn outcome(&self) -> Outcome {
        match self {
            Rejection::MethodNotAllowed => Outcome::MethodNotAllowed,
            Rejection::UnsupportedMediaType => Outcome::UnsupportedMediaType,
            Rejection::TooLarge(_) => Outcome::PayloadTooLarge,
            Rejection::MissingSignature | Rejection::InvalidSignature => Outcome::InvalidSignature,
            Rejection::Timeout(_)
            | Rejection::UnreadableBody
            | Rejection::Undecodable(_)
            | Rejection::BadEvent(_) => Outcome::BadRequest,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Rejection::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Rejection::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Rejection::UnreadableBody | Rejection::Undecodable(_) | Rejection::BadEvent(_) => {
                StatusCode::BAD_REQUEST
            }
            Rejection::MissingSignature | Rejection::InvalidSignature => StatusCode::FORBIDDEN,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fixed = match self {
            Rejection::MethodNotAllowed => "method not allowed: use POST (form or JSON) or GET",
            Rejection::UnsupportedMediaType => {
                "unsupported content type: \
                 use application/x-www-form-urlencoded or application/json"
            }
            Rejection::UnreadableBody => "request body could not be read",
            Rejection::MissingSignature => "missing X-SignalWire-Signature header",
            Rejection::InvalidSignature => {
                "signature does not match: check the signing key and --web.external-url"
            }
            Rejection::TooLarge(limit) => {
                return write!(
                    f,
                    "payload larger than {limit} bytes (--web.max-body-bytes)"
                )
            }
            Rejection::Timeout(t) => {
                let t = humantime::format_duration(*t);
                return write!(f, "request body not received within {t}");
            }
            Rejection::Undecodable(e) => return write!(f, "{e}"),
            Rejection::BadEvent(e) => return write!(f, "{e}"),
        };
        f.write_str(fixed)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut response = (self.status(), format!("{self}\n")).into_response();
        if matches!(self, Rejection::MethodNotAllowed) {
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
        }
        response
    }
}
