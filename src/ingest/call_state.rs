//! The step for `POST /call-state`, SWML's and the Calling API's JSON
//! call-state webhooks: method and content type, size, signature (Scheme A
//! over the raw body, before it is parsed), decode, dedupe, call state,
//! record. The event is mapped into a `StatusEvent`
//! (`domain::call_state_event`), so the call table and the recorder take
//! it as a form callback.

use axum::http::request::Parts;
use axum::http::Method;
use time::OffsetDateTime;

use super::verify::verify_with_keys;
use super::{called, content_kind, BodyKind, Ingest, Rejection};
use crate::domain::{CallStateError, CallStateEvent, CallStateOutcome, Decoded, Project};
use crate::projects::Keys;

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
        // The project is inside the body: decoded first, recorded only once
        // its signature holds.
        let decoded = CallStateEvent::decode(body);
        let keys = self.keys.current();
        let project = self.verify_call_state(parts, body, &keys, &decoded)?;
        let Decoded::State(decoded) = decoded.map_err(Rejection::BadCallState)? else {
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
            .record_with(project, event, decoded.numbers(), received_at);
        let end_reason = (mapped.end_reason, mapped.unrecognized_end_reason);
        self.recorder
            .record_call_state(event, &effects, received_at, end_reason);
        super::log_if_worth_it(&effects);
        Ok(CallStateOutcome::Accepted)
    }
}

impl Ingest {
    /// Scheme A with the keys of the event's `project_id` (SHA-256 first,
    /// then SHA-1 hex, `X-Twilio-Signature` as its alias); the project.
    fn verify_call_state<'k>(
        &self,
        parts: &Parts,
        body: &[u8],
        keys: &'k Keys,
        decoded: &Result<Decoded<'_>, CallStateError>,
    ) -> Result<&'k Project, Rejection> {
        let account = match decoded {
            Ok(Decoded::State(e)) => &*e.project_id,
            // Ignored or undecodable: the global keys judge it.
            _ => "",
        };
        let (verifier, project) = keys.resolve(account);
        if !self.keys.validation() {
            return Ok(project);
        }
        let url = || self.signed_url.for_request(called(parts), &parts.headers);
        verify_with_keys(verifier, &parts.headers, url, body, |v, url, sig| {
            v.verify_json(url, body, sig)
        })?;
        Ok(project)
    }
}
