//! Why a request was refused: each renders as a status and one line of text.

use axum::http::StatusCode;

use crate::domain::{CallStateError, DecodeError, EventError, Outcome};

#[derive(Debug)]
pub enum Rejection {
    MethodNotAllowed,
    UnsupportedMediaType,
    TooLarge(usize),
    Timeout(std::time::Duration),
    UnreadableBody,
    Undecodable(DecodeError),
    MissingSignature,
    InvalidSignature,
    BadEvent(EventError),
    /// `/call-state` takes POST only.
    PostOnly,
    /// `/call-state` takes JSON only.
    NotJson,
    BadCallState(CallStateError),
}

impl Rejection {
    /// The `outcome` label it counts under.
    pub fn outcome(&self) -> Outcome {
        match self {
            Rejection::MethodNotAllowed | Rejection::PostOnly => Outcome::MethodNotAllowed,
            Rejection::UnsupportedMediaType | Rejection::NotJson => Outcome::UnsupportedMediaType,
            Rejection::TooLarge(_) => Outcome::PayloadTooLarge,
            Rejection::MissingSignature | Rejection::InvalidSignature => Outcome::InvalidSignature,
            Rejection::Timeout(_)
            | Rejection::UnreadableBody
            | Rejection::Undecodable(_)
            | Rejection::BadEvent(_)
            | Rejection::BadCallState(_) => Outcome::BadRequest,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MethodNotAllowed | Rejection::PostOnly => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::UnsupportedMediaType | Rejection::NotJson => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Rejection::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Rejection::UnreadableBody
            | Rejection::Undecodable(_)
            | Rejection::BadEvent(_)
            | Rejection::BadCallState(_) => StatusCode::BAD_REQUEST,
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
            Rejection::PostOnly => "method not allowed: use POST with application/json",
            Rejection::NotJson => "unsupported content type: use application/json",
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
            Rejection::BadCallState(e) => return write!(f, "{e}"),
        };
        f.write_str(fixed)
    }
}
