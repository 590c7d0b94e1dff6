//! SignalWire request signatures (the Twilio scheme), checked in constant time.
//!
//! - Form and GET: `base64(HMAC-SHA1(key, url + Σ sorted(name + value)))`.
//! - JSON with `bodySHA256=<hex>` in the URL: the URL alone is signed that
//!   way and `hex(sha256(body))` must equal the parameter.
//! - JSON otherwise: `hex(HMAC-SHA1(key, url + body))`.
//!
//! Every configured key (rotation) and both port variants of the URL are tried.

mod url;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use subtle::ConstantTimeEq;

pub use crate::configuration::{SignedUrl, SigningKey};
use crate::domain::Params;
pub use url::port_variants;

type HmacSha1 = Hmac<Sha1>;

// The key is configuration's plain data; signing with it happens here.
impl SigningKey {
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

fn decode_base64_mac(signature: &[u8]) -> Option<Vec<u8>> {
    BASE64.decode(signature).ok()
}

/// The parameters sorted by name, each name's distinct values sorted, as
/// twilio-python's validator does; `emit` receives them in that order.
fn for_each_sorted<'p>(params: &'p Params<'_>, mut emit: impl FnMut(&'p str, &'p str)) {
    // Sorting ~50 names that share prefixes ("AudioIn…", "Call…") by string
    // comparison costs more than the HMAC. Instead sort plain integers: a
    // name's first twelve bytes over the field's index. They tell nearly all
    // names apart; only runs with an equal prefix (a repeated name, or names
    // such as AudioInJitterMax/MinVariance) are then compared as strings.
    let n = params.len();
    let name_key = |i: usize| {
        params
            .text_at(i)
            .map_or(0, |(name, _)| prefix12(name.as_bytes()))
    };
    let key = |i: usize| name_key(i) << 32 | i as u128;
    // Only fields with text are signed (a form's always all have it).
    let all_text = params.iter().all(|(_, v)| v.as_text().is_some());
    // A sender lays out its callbacks the same way each time, so the keys
    // are laid out in the order the last body with as many fields sorted to:
    // the sort then finds one ascending run and returns after n compares.
    // Any other body just sorts as usual.
    let mut keys: Vec<u128> = LAST_ORDER.with_borrow(|orders| {
        let order = &orders[n % ORDER_SLOTS];
        if all_text && order.len() == n {
            order.iter().map(|&i| key(i as usize)).collect()
        } else {
            (0..n)
                .filter(|&i| params.text_at(i).is_some())
                .map(key)
                .collect()
        }
    });
    keys.sort_unstable();
    if all_text {
        remember_order(&keys);
    }
    // Every key is of a field with text.
    let field = |key: &u128| params.text_at(*key as u32 as usize).unwrap_or_default();
    for run in keys.chunk_by(|a, b| a >> 32 == b >> 32) {
        if let [key] = run {
            let (name, value) = field(key);
            emit(name, value);
        } else {
            let mut tied: Vec<(&str, &str)> = run.iter().map(field).collect();
            tied.sort_unstable();
            tied.dedup();
            for (name, value) in tied {
                emit(name, value);
            }
        }
    }
}

/// How many field layouts each worker thread remembers: slot `n % ORDER_SLOTS`
/// holds the last order of a body with `n` fields.
const ORDER_SLOTS: usize = 4;

thread_local! {
    /// Per worker thread, the sorted field order of recent bodies, by field
    /// count (a sender's progress and terminal callbacks differ).
    static LAST_ORDER: RefCell<[Vec<u32>; ORDER_SLOTS]> = RefCell::new(Default::default());
}

/// Keeps the order `keys` sorted to for the next body with as many fields.
fn remember_order(keys: &[u128]) {
    LAST_ORDER.with_borrow_mut(|orders| {
        let order = &mut orders[keys.len() % ORDER_SLOTS];
        order.clear();
        order.extend(keys.iter().map(|&k| k as u32));
    });
}

/// The first twelve bytes of `name` as a big-endian integer, zero-padded:
/// integer order is byte order, and a shorter name sorts first.
fn prefix12(name: &[u8]) -> u128 {
    // Whole-word loads: copying into a zeroed array and reading it back
    // stalls on store forwarding, and this runs once per field.
    match name.first_chunk::<12>() {
        Some(head) => {
            let (high, low) = head.split_at(8);
            let high = u64::from_be_bytes(high.try_into().expect("8 bytes"));
            let low = u32::from_be_bytes(low.try_into().expect("4 bytes"));
            u128::from(high) << 32 | u128::from(low)
        }
        // Most names are shorter: one copy into a zeroed word beats a
        // variable shift of a u128 per byte.
        None => {
            let mut padded = [0u8; 16];
            padded[..name.len()].copy_from_slice(name);
            u128::from_be_bytes(padded) >> 32
        }
    }
}

/// Σ name + value over the sorted parameters, the part of the signed text
/// after the URL, gathered into one buffer so the MAC gets one `update`
/// instead of one per name and per value (~130 for a callback).
fn signed_params(params: &Params<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    append_signed_params(params, &mut out);
    out
}

fn append_signed_params(params: &Params<'_>, out: &mut Vec<u8>) {
    out.reserve(params.text_len());
    for_each_sorted(params, |name, value| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(value.as_bytes());
    });
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
    fn published_vectors() {
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
    fn verifies_with_either_port_variant_and_any_key() {
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
    fn prefix_keyed_sort_is_plain_lexicographic_order() {
        let names = [
            "AudioInMos",
            "AudioInMediaPacketCount",
            "AudioIn",
            "Audio",
            "AudioIn\u{0}",
            "A",
            "",
            "Call",
            "Caller",
            "CallSid",
            "Zé",
            "Z",
        ];
        let values = ["b", "a", ""];
        let params: Params = names
            .iter()
            .flat_map(|n| values.iter().map(move |v| (*n, *v)))
            .collect();
        let mut expected: Vec<(&str, &str)> = params
            .iter()
            .map(|(n, v)| (n, v.as_text().unwrap()))
            .collect();
        expected.sort();
        expected.dedup();
        let mut sorted = Vec::new();
        for_each_sorted(&params, |n, v| sorted.push((n, v)));
        assert_eq!(sorted, expected);
    }

    #[test]
    fn json_schemes() {
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
