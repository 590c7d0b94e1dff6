//! The one ingest step, without HTTP: request parts and body in, an outcome
//! out. decode → verify → parse → dedupe → call state → record, in that
//! order, each refusal with its own status code: method (405), content type
//! (415), size (413), decoding (400), signature (403), the event itself
//! (400); a duplicate is accepted unrecorded. JSON is the exception to
//! "decode, then verify": it is signed over its raw bytes, so a forged body
//! is refused before it is parsed.
//!
//! `routes::webhook` adapts HTTP to it; the tests, the fuzz target and
//! `bench/pipeline.rs` call it directly.

mod buffer;
mod call_log;
mod call_state;
mod rejection;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::OriginalUri;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use time::OffsetDateTime;

use crate::call_state::CallState;
use crate::dedupe::Dedupe;
use crate::domain::{Outcome, Params, Project, StatusEvent};
use crate::projects::{KeyRing, Keys};
use crate::recorder::Recorder;
use crate::signature::{SignedUrl, Verifier};
use buffer::Buffer;
pub use rejection::Rejection;
pub use verify::verify_json_request;
use verify::verify_with_keys;

/// What accepting a callback needs, and where it goes.
pub struct Ingest {
    /// The keys in force (per project, and global), swapped by a reload.
    pub keys: Arc<KeyRing>,
    pub signed_url: SignedUrl,
    pub dedupe: Dedupe,
    /// `--web.max-body-bytes`: bodies and GET queries.
    pub max_body_bytes: usize,
    /// `--web.read-timeout`, for the route reading a body.
    pub read_timeout: Duration,
    pub calls: Arc<CallState>,
    pub recorder: Arc<Recorder>,
}

/// How the payload is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Query,
    Form,
    Json,
}

impl Ingest {
    /// Method and content type: all the route needs to know before it reads
    /// a body (a GET has none to read).
    pub fn body_kind(&self, parts: &Parts) -> Result<BodyKind, Rejection> {
        match parts.method {
            Method::GET => Ok(BodyKind::Query),
            Method::POST => content_kind(&parts.headers),
            _ => Err(Rejection::MethodNotAllowed),
        }
    }

    /// The whole step for a request whose body has been read; counts its
    /// outcome.
    pub fn ingest(&self, parts: &Parts, body: &[u8]) -> Result<Outcome, Rejection> {
        let result = self.accept(parts, body);
        let outcome = match &result {
            Ok(outcome) => *outcome,
            Err(rejection) => rejection.outcome(),
        };
        self.recorder.outcome(outcome);
        result
    }

    /// Counts a request refused before the step (its body unreadable).
    pub fn refuse(&self, rejection: Rejection) -> Rejection {
        self.recorder.outcome(rejection.outcome());
        rejection
    }

    fn accept(&self, parts: &Parts, body: &[u8]) -> Result<Outcome, Rejection> {
        let kind = self.body_kind(parts)?;
        let query = parts.uri.query().unwrap_or_default();
        let mut bytes = match kind {
            BodyKind::Query if query.len() > self.max_body_bytes => {
                return Err(Rejection::TooLarge(self.max_body_bytes));
            }
            // A copy of the query, so it is decoded in place like a form body.
            BodyKind::Query => Buffer::copy_of(query.as_bytes()),
            BodyKind::Form | BodyKind::Json if body.len() > self.max_body_bytes => {
                return Err(Rejection::TooLarge(self.max_body_bytes));
            }
            BodyKind::Form | BodyKind::Json => Buffer::copy_of(body),
        };
        let keys = self.keys.current();
        let (params, project) = self.verified_params(parts, kind, body, &mut bytes, &keys)?;
        let event = StatusEvent::parse(&params).map_err(Rejection::BadEvent)?;
        if !self.dedupe.first_delivery(&event.id) {
            return Ok(Outcome::Duplicate);
        }
        let received_at = OffsetDateTime::now_utc();
        let effects = self.calls.record_in(project, &event, &params, received_at);
        self.recorder.record(&event, &effects, received_at);
        log_if_worth_it(&effects);
        Ok(Outcome::Accepted)
    }

    /// The parameters of a callback whose signature holds, and its project:
    /// the keys are those of its AccountSid (`Keys::resolve`). `body` is the
    /// body as sent (the SHA-256 header signs it); `bytes` its copy.
    fn verified_params<'b, 'k>(
        &self,
        parts: &Parts,
        kind: BodyKind,
        body: &[u8],
        bytes: &'b mut [u8],
        keys: &'k Keys,
    ) -> Result<(Params<'b>, &'k Project), Rejection> {
        let validation = self.keys.validation();
        // A GET has no body: its query is in the signed URL.
        let raw = if kind == BodyKind::Query {
            &[][..]
        } else {
            body
        };
        let verify = |v: Option<&Verifier>, check: &dyn Fn(&Verifier, &str, &[u8]) -> bool| {
            let url = || self.signed_url.for_request(called(parts), &parts.headers);
            match validation {
                false => Ok(()),
                true => verify_with_keys(v, &parts.headers, url, raw, check),
            }
        };
        match kind {
            BodyKind::Query | BodyKind::Form => {
                let params = Params::decode_form(bytes).map_err(Rejection::Undecodable)?;
                let (v, project) = resolve(keys, &params);
                // A query is part of the signed URL; it has no body params.
                let none = Params::default();
                let signed = if kind == BodyKind::Query {
                    &none
                } else {
                    &params
                };
                verify(v, &|v, url, sig| v.verify_form(url, signed, sig))?;
                Ok((params, project))
            }
            BodyKind::Json if !keys.has_projects() => {
                let (v, project) = keys.resolve("");
                verify(v, &|v, url, sig| v.verify_json(url, bytes, sig))?;
                let params = Params::from_json(bytes).map_err(Rejection::Undecodable)?;
                Ok((params, project))
            }
            // The account is inside the body: parsed first, recorded only
            // once its signature holds. A body that does not parse is
            // checked with the global keys, so a forgery still gets 403.
            BodyKind::Json => {
                let bytes: &'b [u8] = bytes;
                let parsed = Params::from_json(bytes);
                let (v, project) = match &parsed {
                    Ok(params) => resolve(keys, params),
                    Err(_) => keys.resolve(""),
                };
                verify(v, &|v, url, sig| v.verify_json(url, bytes, sig))?;
                Ok((parsed.map_err(Rejection::Undecodable)?, project))
            }
        }
    }
}

/// The keys and project of the AccountSid a callback claims. Without a
/// projects file the field is not even looked up.
fn resolve<'k>(keys: &'k Keys, params: &Params<'_>) -> (Option<&'k Verifier>, &'k Project) {
    if !keys.has_projects() {
        return keys.resolve("");
    }
    let account_sid = params.get("AccountSid").and_then(|v| v.as_text());
    keys.resolve(account_sid.unwrap_or(""))
}

fn log_if_worth_it(effects: &crate::call_state::Effects) {
    if let Some(call) = effects.finished.as_ref().filter(|c| c.is_worth_listing()) {
        call_log::log(call);
    }
}

/// The URI the sender called: under a route prefix axum hands the handler
/// the path with the prefix removed, and the sender signed the whole path.
fn called(parts: &Parts) -> &axum::http::Uri {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0)
}

fn content_kind(headers: &HeaderMap) -> Result<BodyKind, Rejection> {
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
