//! The step for `POST /call-state`, SWML's and the Calling API's JSON
//! call-state webhooks: method and content type, size, signature (Scheme A
//! over the raw body, before it is parsed), decode, dedupe, call state,
//! record. The event is mapped into a `StatusEvent`
//! (`domain::call_state_event`), so the call table and the recorder take
//! it as a form callback.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use time::OffsetDateTime;

use super::{called, content_kind, BodyKind, Ingest, Rejection};
use super::{SIGNALWIRE_SIGNATURE, TWILIO_SIGNATURE};
use crate::domain::{CallStateEvent, CallStateOutcome, Decoded};

impl Ingest {
    /// Method and content type, before the body is read.
    pub fn call_state_request(&self, parts: &Parts) -> Result<(), Rejection> {
        if parts.method != Method::POST {
            return Err(Rejection::PostOnly);
        }
        match content_kind(&parts.headers) {
            Ok(BodyKind::Json) => Ok(()),
            _ => Err(Rejection::NotJson),
        }
    }

    /// The whole step for a call-state request whose body has been read;
    /// counts its outcome.
    pub fn ingest_call_state(
        &self,
        parts: &Parts,
        body: &[u8],
    ) -> Result<CallStateOutcome, Rejection> {
        let result = self.accept_call_state(parts, body);
        let outcome = match &result {
            Ok(outcome) => *outcome,
            Err(rejection) => rejection.outcome().into(),
        };
        self.recorder.call_state_outcome(outcome);
        result
    }

    /// Counts a call-state request refused before the step.
    pub fn refuse_call_state(&self, rejection: Rejection) -> Rejection {
        self.recorder.call_state_outcome(rejection.outcome().into());
        rejection
    }

    fn accept_call_state(&self, parts: &Parts, body: &[u8]) -> Result<CallStateOutcome, Rejection> {
        self.call_state_request(parts)?;
        if body.len() > self.max_body_bytes {
            return Err(Rejection::TooLarge(self.max_body_bytes));
        }
        if let Some(verifier) = &self.verifier {
            let url = self.signed_url.for_request(called(parts), &parts.headers);
            let signature = call_state_signature(&parts.headers)?;
            if !verifier.verify_json(&url, body, signature) {
                return Err(Rejection::InvalidSignature);
            }
        }
        let Decoded::State(decoded) =
            CallStateEvent::decode(body).map_err(Rejection::BadCallState)?
        else {
            return Ok(CallStateOutcome::Ignored);
        };
        let mapped = decoded.mapped();
        if !self.dedupe.first_delivery(&mapped.event.id) {
            return Ok(CallStateOutcome::Duplicate);
        }
        if mapped.ending {
            return Ok(CallStateOutcome::Accepted);
        }
        let received_at = OffsetDateTime::now_utc();
        let event = &mapped.event;
        let effects = self
            .calls
            .record_with(event, decoded.numbers(), received_at);
        let end_reason = (mapped.end_reason, mapped.unrecognized_end_reason);
        self.recorder
            .record_call_state(event, &effects, received_at, end_reason);
        super::log_if_worth_it(&effects);
        Ok(CallStateOutcome::Accepted)
    }
}

/// The signature header of a call-state request: `X-SignalWire-Signature`
/// (hex HMAC-SHA1), `X-Twilio-Signature` as an alias. The one place to add
/// the SHA-256 header first.
fn call_state_signature(headers: &HeaderMap) -> Result<&[u8], Rejection> {
    headers
        .get(SIGNALWIRE_SIGNATURE)
        .or_else(|| headers.get(TWILIO_SIGNATURE))
        .map(|v| v.as_bytes())
        .ok_or(Rejection::MissingSignature)
}
