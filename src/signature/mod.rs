//! SignalWire request signatures, checked in constant time.
//!
//! - `X-SignalWire-Sha256-Signature`, any request: `hex(HMAC-SHA256(key,
//!   url + raw body))`, the body as sent (none for a GET).
//! - Form and GET: `base64(HMAC-SHA1(key, url + Σ sorted(name + value)))`,
//!   repeated names in either validator's order (`order.rs`).
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
use order::{append_in_submission_order, append_signed_params};
pub use url::{port_variants, SignedUrl};

type HmacSha1 = Hmac<Sha1>;
type HmacSha256 = Hmac<Sha256>;

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

    fn mac256(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(self.reveal().as_bytes()).expect("HMAC takes keys of any length")
    }

    /// The form/GET signature of `params` sent to `url`, as the header carries it.
    pub fn sign_form(&self, url: &str, params: &Params) -> String {
        let mut mac = self.mac();
        mac.update(url.as_bytes());
        mac.update(&signed_params(params));
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// The form signature with repeated names in submission order, as
    /// SignalWire's SDK builds it ([`Self::sign_form`] is twilio-python's).
    pub fn sign_form_in_submission_order(&self, url: &str, params: &Params) -> String {
        let mut signed = Vec::new();
        append_in_submission_order(params, &mut signed);
        let mut mac = self.mac();
        mac.update(url.as_bytes());
        mac.update(&signed);
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// The `X-SignalWire-Sha256-Signature` of a request: `raw` is the body
    /// as sent, empty for a GET.
    pub fn sign_sha256(&self, url: &str, raw: &[u8]) -> String {
        let mut mac = self.mac256();
        mac.update(url.as_bytes());
        mac.update(raw);
        hex::encode(mac.finalize().into_bytes())
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
    macs256: Vec<HmacSha256>,
}

impl Verifier {
    pub fn new(keys: &[SigningKey]) -> Self {
        Verifier {
            macs: keys.iter().map(SigningKey::mac).collect(),
            macs256: keys.iter().map(SigningKey::mac256).collect(),
        }
    }

    /// `X-SignalWire-Sha256-Signature`: lowercase hex HMAC-SHA256 of the
    /// URL and `raw`, the body as sent (empty for a GET), any content type.
    pub fn verify_sha256(&self, url: &str, raw: &[u8], signature: &[u8]) -> bool {
        let mut expected = [0; 32];
        // Lowercase only, as the SDK compares the hex text itself.
        let lowercase = signature.iter().all(|b| !b.is_ascii_uppercase());
        lowercase
            && hex::decode_to_slice(signature, &mut expected).is_ok()
            && any_mac(&self.macs256, url, &expected, |mac| mac.update(raw))
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
            let repeated = append_signed_params(params, signed);
            if any_mac(&self.macs, url, &expected, |mac| mac.update(signed)) {
                return true;
            }
            // Only a repeated name makes the SDK's order another text.
            repeated && {
                signed.clear();
                append_in_submission_order(params, signed);
                any_mac(&self.macs, url, &expected, |mac| mac.update(signed))
            }
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
                        .is_some_and(|expected| any_mac(&self.macs, url, &expected, |_| {}))
            }
            None => {
                let Some(expected) = std::str::from_utf8(signature)
                    .ok()
                    .and_then(|s| hex::decode(s).ok())
                else {
                    return false;
                };
                any_mac(&self.macs, url, &expected, |mac| mac.update(body))
            }
        }
    }
}

/// Whether any key signed `url` + what `feed` adds. Each comparison is
/// constant-time; stopping at the first match reveals only which public
/// URL variant or which key slot matched.
fn any_mac<M: Mac + Clone>(macs: &[M], url: &str, expected: &[u8], feed: impl Fn(&mut M)) -> bool {
    #[cfg(test)]
    tests::PASSES.with(|n| n.set(n.get() + 1));
    port_variants(url).any(|candidate| {
        macs.iter().any(|mac| {
            let mut mac = mac.clone();
            mac.update(candidate.as_bytes());
            feed(&mut mac);
            mac.verify_slice(expected).is_ok()
        })
    })
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
    use std::cell::Cell;

    thread_local! {
        /// How many times this thread's checks ran the MAC over the text.
        pub(super) static PASSES: Cell<usize> = const { Cell::new(0) };
    }

    fn passes<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = PASSES.get();
        let result = f();
        (result, PASSES.get() - before)
    }

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

    /// The table in signalwire-sdk 3.7.5's docs/security.md.
    const SDK_KEY: &str = "PSKtest1234567890abcdef";
    const SDK_URL: &str = "https://example.ngrok.io/webhook";
    const SDK_BODY: &[u8] =
        br#"{"event":"call.state","params":{"call_id":"abc-123","state":"answered"}}"#;

    #[test]
    fn the_sdk_docs_scheme_a_vector_verifies() {
        let key = SigningKey::new(SDK_KEY);
        let sig = "c3c08c1fefaf9ee198a100d5906765a6f394bf0f";
        assert_eq!(key.sign_json(SDK_URL, SDK_BODY), sig);
        let v = Verifier::new(&[key]);
        assert!(v.verify_json(SDK_URL, SDK_BODY, sig.as_bytes()));
        assert!(!v.verify_json(SDK_URL, b"{}", sig.as_bytes()));
    }

    #[test]
    fn the_sdk_docs_scheme_b_form_vector_verifies() {
        let key = SigningKey::new("12345");
        let p = params("+14158675309");
        let sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert_eq!(key.sign_form(URL, &p), sig);
        assert_eq!(key.sign_form_in_submission_order(URL, &p), sig);
        assert!(Verifier::new(&[key]).verify_form(URL, &p, sig.as_bytes()));
    }

    #[test]
    fn the_sdk_docs_scheme_b_json_vector_verifies() {
        let url = "https://example.ngrok.io/webhook?bodySHA256=\
                   69f3cbfc18e386ef8236cb7008cd5a54b7fed637a8cb3373b5a1591d7f0fd5f4";
        let body = br#"{"event":"call.state"}"#;
        let v = Verifier::new(&[SigningKey::new(SDK_KEY)]);
        assert!(v.verify_json(url, body, b"dfO9ek8mxyFtn2nMz24plPmPfIY="));
        assert!(!v.verify_json(
            url,
            br#"{"event":"call.ended"}"#,
            b"dfO9ek8mxyFtn2nMz24plPmPfIY="
        ));
    }

    #[test]
    fn a_sha256_signature_is_lowercase_hex_over_the_url_and_raw_body() {
        // The SDK's _hex_hmac_sha256(SDK_KEY, SDK_URL + SDK_BODY).
        let sig = "2a29f8a92b11df39da80c3b185fd62173d49c294184da585ff951eae4433571c";
        let key = SigningKey::new(SDK_KEY);
        assert_eq!(key.sign_sha256(SDK_URL, SDK_BODY), sig);
        let v = Verifier::new(&[SigningKey::new("old"), key]);
        assert!(v.verify_sha256(SDK_URL, SDK_BODY, sig.as_bytes()));
        assert!(v.verify_sha256(
            "https://example.ngrok.io:443/webhook",
            SDK_BODY,
            sig.as_bytes()
        ));
        assert!(!v.verify_sha256(SDK_URL, b"{}", sig.as_bytes()));
        assert!(!v.verify_sha256(SDK_URL, SDK_BODY, sig.to_uppercase().as_bytes()));
        assert!(!v.verify_sha256(SDK_URL, SDK_BODY, &sig.as_bytes()[..40]));
        assert!(!v.verify_sha256(SDK_URL, SDK_BODY, b""));
    }

    #[test]
    fn repeated_names_verify_in_the_sdks_order_and_in_twilio_pythons() {
        let v = Verifier::new(&[SigningKey::new("k")]);
        let mut body = b"b=2&a=y&a=x&a=y".to_vec();
        let p = Params::decode_form(&mut body).unwrap();
        // The SDK (text "ayaxayb2") and twilio-python ("axayb2"), computed
        // with signalwire-sdk 3.7.5's webhook_validator.
        let (sdk, twilio) = (
            "F0W00+HqWcEmjCMCrt0GT81eomg=",
            "hiWak8XuqjVtEEmPFZAe2QaqOVM=",
        );
        let key = SigningKey::new("k");
        assert_eq!(key.sign_form_in_submission_order("http://h/", &p), sdk);
        assert_eq!(key.sign_form("http://h/", &p), twilio);
        assert_eq!(
            passes(|| v.verify_form("http://h/", &p, twilio.as_bytes())),
            (true, 1)
        );
        assert_eq!(
            passes(|| v.verify_form("http://h/", &p, sdk.as_bytes())),
            (true, 2)
        );
        assert_eq!(
            passes(|| v.verify_form("http://h/", &p, b"AAAA")),
            (false, 2)
        );
    }

    #[test]
    fn without_repeated_names_the_mac_runs_once_whatever_the_verdict() {
        let v = Verifier::new(&[SigningKey::new("12345")]);
        let p = params("+14158675309");
        // Twice: the second time through the remembered order.
        for _ in 0..2 {
            let sig = b"RSOYDt4T1cUTdK1PDd93/VVr8B8=";
            assert_eq!(passes(|| v.verify_form(URL, &p, sig)), (true, 1));
            assert_eq!(passes(|| v.verify_form(URL, &p, b"AAAA")), (false, 1));
        }
    }
}
