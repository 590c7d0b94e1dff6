//! SignalWire request signatures (the Twilio scheme), checked in constant time.
//!
//! - Form and GET: `base64(HMAC-SHA1(key, url + Σ sorted(name + value)))`.
//! - JSON with `bodySHA256=<hex>` in the URL: the URL alone is signed that
//!   way and `hex(sha256(body))` must equal the parameter.
//! - JSON otherwise: `hex(HMAC-SHA1(key, url + body))`.
//!
//! Every configured key (rotation) and both port variants of the URL are tried.

mod order;
mod url;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use subtle::ConstantTimeEq;

use crate::domain::Params;
use order::append_signed_params;
pub use url::{port_variants, SignedUrl};

type HmacSha1 = Hmac<Sha1>;

/// A SignalWire Signing Key. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(String);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Signing keys written in a key file or a secret: one a line, trimmed;
/// blank lines and `#` comments are skipped. Commas are part of a key.
pub fn keys_from_text(text: &str) -> Vec<SigningKey> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(SigningKey::new)
        .collect()
}

impl SigningKey {
    pub fn new(secret: impl Into<String>) -> Self {
        SigningKey(secret.into())
    }

    /// The secret itself: for the HMAC, and for the demo to print the key
    /// it made up.
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }

    fn mac(&self) -> HmacSha1 {
        HmacSha1::new_from_slice(self.reveal().as_bytes()).expect("HMAC takes keys of any length")
    }

    /// The form/GET signature of `params` sent to `url`, as the header carries it.
    pub fn sign_form(&self, url: &str, params: &Params) -> String {
        let mut mac = self.mac();
        mac.update(url.as_bytes());
        mac.update(&signed_params(params));
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// The JSON signature (no `bodySHA256` in the URL).
    pub fn sign_json(&self, url: &str, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(url.as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Checks signatures against every configured key. The keys' HMAC state is
/// prepared once at start, so a check costs only the hashing of the request.
#[derive(Clone)]
pub struct Verifier {
    macs: Vec<HmacSha1>,
}

impl Verifier {
    pub fn new(keys: &[SigningKey]) -> Self {
        Verifier {
            macs: keys.iter().map(SigningKey::mac).collect(),
        }
    }

    /// Form body or GET query parameters.
    pub fn verify_form(&self, url: &str, params: &Params, signature: &[u8]) -> bool {
        let Some(expected) = decode_base64_mac(signature) else {
            return false;
        };
        // This thread's buffer, reused: no allocation per callback.
        SIGNED.with_borrow_mut(|signed| {
            signed.clear();
            // A huge body's text is not kept beyond the next callback.
            signed.shrink_to(16 * 1024);
            append_signed_params(params, signed);
            self.any_mac(url, &expected, |mac| mac.update(signed))
        })
    }

    /// A JSON body, signed by either of SignalWire's JSON schemes.
    pub fn verify_json(&self, url: &str, body: &[u8], signature: &[u8]) -> bool {
        match body_sha256_param(url) {
            Some(claimed) => {
                // Hash check first: it is the cheaper way to refuse a forged body.
                let actual = Sha256::digest(body);
                let matches =
                    hex::decode(claimed).is_ok_and(|c| bool::from(c.ct_eq(actual.as_slice())));
                matches
                    && decode_base64_mac(signature)
                        .is_some_and(|expected| self.any_mac(url, &expected, |_| {}))
            }
            None => {
                let Some(expected) = std::str::from_utf8(signature)
                    .ok()
                    .and_then(|s| hex::decode(s).ok())
                else {
                    return false;
                };
                self.any_mac(url, &expected, |mac| mac.update(body))
            }
        }
    }

    /// Whether any key signed `url` + what `feed` adds. Each comparison is
    /// constant-time; stopping at the first match reveals only which public
    /// URL variant or which key slot matched.
    fn any_mac(&self, url: &str, expected: &[u8], feed: impl Fn(&mut HmacSha1)) -> bool {
        port_variants(url).any(|candidate| {
            self.macs.iter().any(|mac| {
                let mut mac = mac.clone();
                mac.update(candidate.as_bytes());
                feed(&mut mac);
                mac.verify_slice(expected).is_ok()
            })
        })
    }
}

/// A base64 MAC, decoded without allocating: any longer than the buffer is
/// not a SHA-1 MAC anyway.
fn decode_base64_mac(signature: &[u8]) -> Option<MacBytes> {
    let mut bytes = [0; 32];
    let len = BASE64.decode_slice(signature, &mut bytes).ok()?;
    Some(MacBytes { bytes, len })
}

/// A decoded MAC of up to 32 bytes.
struct MacBytes {
    bytes: [u8; 32],
    len: usize,
}

impl std::ops::Deref for MacBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The signed text after the URL, for signing.
fn signed_params(params: &Params<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    append_signed_params(params, &mut out);
    out
}

thread_local! {
    /// [`Verifier::verify_form`]'s signed text, per thread.
    static SIGNED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn body_sha256_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let params = Params::from_form(query.as_bytes()).ok()?;
    params
        .get("bodySHA256")?
        .as_text()
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn params(caller: &str) -> Params<'_> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn a_key_file_holds_one_key_a_line_with_comments_and_blanks_skipped() {
        let keys = keys_from_text("# rotated 2026-11\n  newkey \n\n\toldkey\n#old,older\na,b\n");
        assert_eq!(keys, ["newkey", "oldkey", "a,b"].map(SigningKey::new));
        assert_eq!(format!("{keys:?}").matches("<redacted>").count(), 3);
        assert!(!format!("{keys:?}").contains("newkey"));
    }

    #[test]
    fn signatures_match_the_published_test_vectors() {
        let key = SigningKey::new("12345");
        assert_eq!(
            key.sign_form(URL, &params("+12349013030")),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
        assert_eq!(
            key.sign_form(URL, &params("+14158675309")),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert_eq!(
            key.sign_form(
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                &params("+14158675309")
            ),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
    }

    #[test]
    fn a_form_signature_verifies_with_either_port_variant_and_any_key() {
        let v = Verifier::new(&[SigningKey::new("old"), SigningKey::new("12345")]);
        let p = params("+14158675309");
        assert!(v.verify_form(URL, &p, b"RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        assert!(v.verify_form(URL, &p, b"kvajT1Ptam85bY51eRf/AJRuM3w="));
        assert!(v.verify_form(
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &p,
            b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!v.verify_form(
            URL,
            &params("+12349013030"),
            b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!v.verify_form(URL, &p, b"not base64!"));
        assert!(!v.verify_form(URL, &p, b""));
        assert!(!Verifier::new(&[SigningKey::new("other")]).verify_form(
            URL,
            &p,
            b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn repeated_names_sign_sorted_distinct_values() {
        let key = SigningKey::new("k");
        let a: Params = [("b", "2"), ("a", "y"), ("a", "x"), ("a", "y")]
            .into_iter()
            .collect();
        let b: Params = [("a", "x"), ("a", "y"), ("b", "2")].into_iter().collect();
        assert_eq!(
            key.sign_form("http://h/", &a),
            key.sign_form("http://h/", &b)
        );
    }

    #[test]
    fn a_json_body_verifies_signed_whole_or_by_a_body_hash_in_the_url() {
        let key = SigningKey::new("12345");
        let v = Verifier::new(std::slice::from_ref(&key));
        let body = br#"{"CallSid":"CA1","CallStatus":"completed"}"#;
        let sig = key.sign_json("https://h.example/cb", body);
        assert!(v.verify_json("https://h.example/cb", body, sig.as_bytes()));
        assert!(v.verify_json("https://h.example:443/cb", body, sig.as_bytes()));
        assert!(!v.verify_json("https://h.example/cb", b"{}", sig.as_bytes()));

        let url = format!(
            "https://h.example/cb?bodySHA256={}",
            hex::encode(Sha256::digest(body))
        );
        let sig = key.sign_form(&url, &Params::default());
        assert!(v.verify_json(&url, body, sig.as_bytes()));
        assert!(!v.verify_json(
            &url,
            br#"{"CallSid":"CA2","CallStatus":"completed"}"#,
            sig.as_bytes()
        ));
    }
}
