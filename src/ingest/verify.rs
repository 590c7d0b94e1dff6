//! Which signature header is checked, in which order, and what a refusal
//! logs: shared by every route SignalWire signs.

use axum::http::{HeaderMap, HeaderName};

use super::Rejection;
use crate::signature::Verifier;

/// Named once: a header looked up by `&str` is parsed and hashed each time.
const SHA256_SIGNATURE: HeaderName = HeaderName::from_static("x-signalwire-sha256-signature");
const SIGNALWIRE_SIGNATURE: HeaderName = HeaderName::from_static("x-signalwire-signature");
const TWILIO_SIGNATURE: HeaderName = HeaderName::from_static("x-twilio-signature");

/// A request signed over `url` and `raw` (the body as sent, empty for a
/// GET): `X-SignalWire-Sha256-Signature` when present, and where it is
/// absent or does not match, the SHA-1 header (`X-SignalWire-Signature`,
/// else `X-Twilio-Signature`) checked by `sha1`.
pub(super) fn verify_signature(
    verifier: &Verifier,
    headers: &HeaderMap,
    url: &str,
    raw: &[u8],
    sha1: impl FnOnce(&[u8]) -> bool,
) -> Result<(), Rejection> {
    if let Some(sha256) = headers.get(SHA256_SIGNATURE) {
        if verifier.verify_sha256(url, raw, sha256.as_bytes()) {
            return Ok(());
        }
    }
    if sha1(sha1_signature(headers)?) {
        return Ok(());
    }
    // The URL is what a user needs to fix a mismatch; the key and the
    // signatures stay out of the log.
    tracing::debug!(
        signed_url = url,
        sha256_header = headers.contains_key(SHA256_SIGNATURE),
        "signature does not match this URL with any key (nor its default-port variant, if any)"
    );
    Err(Rejection::InvalidSignature)
}

/// [`verify_signature`] with the keys of the request's account, if it has
/// any: without them the request is refused, for want of a header first.
pub(super) fn verify_with_keys(
    verifier: Option<&Verifier>,
    headers: &HeaderMap,
    url: impl FnOnce() -> String,
    raw: &[u8],
    sha1: impl FnOnce(&Verifier, &str, &[u8]) -> bool,
) -> Result<(), Rejection> {
    let Some(verifier) = verifier else {
        sha1_signature(headers)?;
        return Err(Rejection::InvalidSignature);
    };
    let url = url();
    verify_signature(verifier, headers, &url, raw, |sig| {
        sha1(verifier, &url, sig)
    })
}

/// A JSON request (Scheme A) signed over `url` and its raw `body`: SHA-256
/// first, then SHA-1 hex (or a `bodySHA256` URL), `X-Twilio-Signature` as
/// the SHA-1 header's alias. `MissingSignature` or `InvalidSignature` when
/// it does not hold.
pub fn verify_json_request(
    verifier: &Verifier,
    headers: &HeaderMap,
    url: &str,
    body: &[u8],
) -> Result<(), Rejection> {
    verify_signature(verifier, headers, url, body, |signature| {
        verifier.verify_json(url, body, signature)
    })
}

fn sha1_signature(headers: &HeaderMap) -> Result<&[u8], Rejection> {
    headers
        .get(SIGNALWIRE_SIGNATURE)
        .or_else(|| headers.get(TWILIO_SIGNATURE))
        .map(|v| v.as_bytes())
        .ok_or(Rejection::MissingSignature)
}
