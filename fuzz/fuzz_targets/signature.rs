//! The signature check: `Verifier::verify_form` / `verify_json` /
//! `verify_sha256` on arbitrary url, params and signature never panic;
//! signing then verifying is true;
//! a single-byte change of the body (or of the signature) is false unless
//! it leaves what is signed unchanged, which the oracle computes exactly.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use signalwire_exporter::domain::{Params, Value};
use signalwire_exporter::signature::{port_variants, SigningKey, Verifier};

/// What the form scheme signs after the URL: Σ name + value over the
/// distinct pairs sorted (independent re-statement of the scheme).
fn signed_tail(params: &Params) -> Vec<u8> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(n, v)| match v {
            Value::Text(t) => Some((n, t)),
            Value::NotText => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .flat_map(|(n, v)| n.bytes().chain(v.bytes()))
        .collect()
}

/// SignalWire's SDK's text: sorted by name alone, stably, every pair kept.
fn sdk_tail(params: &Params) -> Vec<u8> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(n, v)| v.as_text().map(|t| (n, t)))
        .collect();
    pairs.sort_by_key(|&(n, _)| n);
    pairs
        .into_iter()
        .flat_map(|(n, v)| n.bytes().chain(v.bytes()))
        .collect()
}

fn hex_value(s: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Input: `key \n url \n signature \n body` (missing lines are empty). The
/// byte to change and by how much are derived from the whole input.
fn split(data: &[u8]) -> (String, String, Vec<u8>, &[u8], usize, u8) {
    let mut lines = data.splitn(4, |&b| b == b'\n');
    let mut text = || String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let key = text();
    let url = text();
    let signature = lines.next().unwrap_or_default().to_vec();
    let body = lines.next().unwrap_or_default();
    let sum = data
        .iter()
        .fold(0usize, |a, &b| a.wrapping_mul(31).wrapping_add(b as usize));
    (key, url, signature, body, sum, ((sum >> 8) as u8).max(1))
}

fuzz_target!(|data: &[u8]| {
    let (key, url, signature, body, flip_at, flip_by) = split(data);
    let key = SigningKey::new(key);
    let verifier = Verifier::new(std::slice::from_ref(&key));

    // Arbitrary input: no panic, whatever the answer.
    let form = Params::from_form(body);
    if let Ok(params) = &form {
        let _ = verifier.verify_form(&url, params, &signature);
    }
    let _ = verifier.verify_json(&url, body, &signature);
    let _ = verifier.verify_sha256(&url, body, &signature);

    let mut mutated = body.to_vec();
    if !mutated.is_empty() {
        let i = flip_at % mutated.len();
        mutated[i] ^= flip_by;
    }

    // Form: sign then verify; the port twins verify exactly when the signed
    // URL is among their own variants.
    if let Ok(params) = &form {
        let sig = key.sign_form(&url, params);
        assert!(verifier.verify_form(&url, params, sig.as_bytes()));
        for candidate in port_variants(&url) {
            let expected = port_variants(&candidate).any(|c| c == url);
            assert_eq!(
                verifier.verify_form(&candidate, params, sig.as_bytes()),
                expected,
                "url {url:?} candidate {candidate:?}"
            );
        }
        if !body.is_empty() {
            if let Ok(changed) = Params::from_form(&mutated) {
                // Either validator's text of the changed body may match.
                let tail = signed_tail(params);
                assert_eq!(
                    verifier.verify_form(&url, &changed, sig.as_bytes()),
                    signed_tail(&changed) == tail || sdk_tail(&changed) == tail,
                );
            }
        }
        // Standard base64 with canonical padding bits: any byte changed is false.
        let mut bad = sig.clone().into_bytes();
        let i = flip_at % bad.len();
        bad[i] ^= flip_by;
        assert!(!verifier.verify_form(&url, params, &bad));
    }

    // JSON over the raw body (the bodySHA256 scheme is another oracle).
    if !url.contains("bodySHA256") {
        let sig = key.sign_json(&url, body);
        assert!(verifier.verify_json(&url, body, sig.as_bytes()));
        if !body.is_empty() {
            assert!(!verifier.verify_json(&url, &mutated, sig.as_bytes()));
        }
        // Hex is case-insensitive: a changed signature byte is false unless
        // it decodes to the same MAC.
        let mut bad = sig.clone().into_bytes();
        let i = flip_at % bad.len();
        bad[i] ^= flip_by;
        let same_mac = hex_value(&bad) == hex_value(sig.as_bytes());
        assert_eq!(verifier.verify_json(&url, body, &bad), same_mac);
    }

    // SHA-256 over the raw body: sign then verify; a changed body is false,
    // and so is any changed signature byte (lowercase hex only).
    let sig = key.sign_sha256(&url, body);
    assert!(verifier.verify_sha256(&url, body, sig.as_bytes()));
    if !body.is_empty() {
        assert!(!verifier.verify_sha256(&url, &mutated, sig.as_bytes()));
    }
    let mut bad = sig.into_bytes();
    let i = flip_at % bad.len();
    bad[i] ^= flip_by;
    assert!(!verifier.verify_sha256(&url, body, &bad));
});
