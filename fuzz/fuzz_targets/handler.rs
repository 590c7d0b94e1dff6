//! The whole webhook in-process: the real router (`routes::router` with
//! `Settings::local`) called with `tower::ServiceExt::oneshot` on a request
//! built from the input (method, content type, signature header, query,
//! Content-Length, body). The status is always one the handler documents, a
//! correctly signed request is never refused as forged, and nothing panics.
#![no_main]
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::Params;
use signalwire_exporter::routes::{router, AppState};
use signalwire_exporter::signature::SigningKey;
use tower::ServiceExt;

const KEY: &str = "fuzz-signing-key";
const HOST: &str = "fuzz.local";
const LIMIT: usize = 2048;

struct World {
    runtime: tokio::runtime::Runtime,
    router: Router,
    key: SigningKey,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mut settings = Settings::local(vec![SigningKey::new(KEY)]);
        // Small, so that 413 is reachable within libFuzzer's input sizes.
        settings.max_body_bytes = LIMIT;
        let state = AppState::new(&settings);
        World {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            router: router(&settings, state),
            key: SigningKey::new(KEY),
        }
    })
}

#[derive(Debug)]
enum ContentType {
    None,
    Form,
    FormCharset,
    Json,
    JsonUpper,
    TextPlain,
    Raw(Vec<u8>),
}

#[derive(Debug)]
enum SignatureChoice {
    None,
    /// Correct for what is sent, where the body can be signed at all.
    Valid,
    /// Correct, under the Twilio header name.
    ValidTwilio,
    Raw(Vec<u8>),
}

#[derive(Debug)]
enum LengthChoice {
    Absent,
    Exact,
    Claimed(u64),
}

#[derive(Debug)]
struct Input {
    method: Option<Method>,
    content_type: ContentType,
    signature: SignatureChoice,
    length: LengthChoice,
    query: Option<Vec<u8>>,
    body: Vec<u8>,
}

/// Input: `MCSL[extra] \n query \n body`, readable so that seeds are easy
/// to write. M: G P U H D O (else: `extra` as the method). C: N F f J j T
/// (else: `extra` as the content type). S: N V W (else: `extra` as the
/// signature). L: A E, Z (claims 0), O (claims one over the limit), else
/// claims `extra` parsed as a number. A query line of "-" means no query.
fn parse(data: &[u8]) -> Option<Input> {
    let mut lines = data.splitn(3, |&b| b == b'\n');
    let control = lines.next()?;
    let query = lines.next().unwrap_or(b"-");
    let body = lines.next().unwrap_or_default().to_vec();
    let at = |i: usize| control.get(i).copied().unwrap_or(b'N');
    let extra = control.get(4..).unwrap_or_default().to_vec();
    let method = match at(0) {
        b'G' => Some(Method::GET),
        b'P' => Some(Method::POST),
        b'U' => Some(Method::PUT),
        b'H' => Some(Method::HEAD),
        b'D' => Some(Method::DELETE),
        b'O' => Some(Method::OPTIONS),
        _ => Some(Method::from_bytes(&extra).ok()?),
    };
    let content_type = match at(1) {
        b'N' => ContentType::None,
        b'F' => ContentType::Form,
        b'f' => ContentType::FormCharset,
        b'J' => ContentType::Json,
        b'j' => ContentType::JsonUpper,
        b'T' => ContentType::TextPlain,
        _ => ContentType::Raw(extra.clone()),
    };
    let signature = match at(2) {
        b'N' => SignatureChoice::None,
        b'V' => SignatureChoice::Valid,
        b'W' => SignatureChoice::ValidTwilio,
        _ => SignatureChoice::Raw(extra.clone()),
    };
    let length = match at(3) {
        b'A' => LengthChoice::Absent,
        b'E' => LengthChoice::Exact,
        b'Z' => LengthChoice::Claimed(0),
        b'O' => LengthChoice::Claimed(LIMIT as u64 + 1),
        _ => LengthChoice::Claimed(std::str::from_utf8(&extra).ok()?.parse().ok()?),
    };
    Some(Input {
        method,
        content_type,
        signature,
        length,
        query: (query != b"-").then(|| query.to_vec()),
        body,
    })
}

/// Percent-encodes what a request target cannot carry, keeping `%`, `&`,
/// `=` and `+` so that bad escapes and odd separators still reach the parser.
fn query_text(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"%&=+-._~!$'()*,;:@/?".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = parse(data) else {
        return;
    };
    let w = world();
    let Some(method) = input.method.clone() else {
        return;
    };
    let target = match &input.query {
        Some(q) => format!("/status-callback?{}", query_text(q)),
        None => "/status-callback".to_owned(),
    };
    let url = format!("http://{HOST}{target}");
    let content_type: Option<Vec<u8>> = match &input.content_type {
        ContentType::None => None,
        ContentType::Form => Some(b"application/x-www-form-urlencoded".to_vec()),
        ContentType::FormCharset => {
            Some(b"application/x-www-form-urlencoded; charset=utf-8".to_vec())
        }
        ContentType::Json => Some(b"application/json".to_vec()),
        ContentType::JsonUpper => Some(b"Application/JSON ; charset=UTF-8".to_vec()),
        ContentType::TextPlain => Some(b"text/plain".to_vec()),
        ContentType::Raw(s) => Some(s.clone()),
    };
    let mime = content_type
        .as_deref()
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());

    // The signature SignalWire would send for this request, if it can be made.
    let valid_signature = if method == Method::GET {
        Some(w.key.sign_form(&url, &Params::default()))
    } else if method == Method::POST {
        match mime.as_deref() {
            Some("application/x-www-form-urlencoded") => Params::from_form(&input.body)
                .ok()
                .map(|p| w.key.sign_form(&url, &p)),
            Some("application/json") if !url.contains("bodySHA256") => {
                Some(w.key.sign_json(&url, &input.body))
            }
            _ => None,
        }
    } else {
        None
    };
    let (header_name, header_value): (&str, Option<Vec<u8>>) = match &input.signature {
        SignatureChoice::None => ("x-signalwire-signature", None),
        SignatureChoice::Valid => (
            "x-signalwire-signature",
            valid_signature.clone().map(String::into_bytes),
        ),
        SignatureChoice::ValidTwilio => (
            "x-twilio-signature",
            valid_signature.clone().map(String::into_bytes),
        ),
        SignatureChoice::Raw(bytes) => ("x-signalwire-signature", Some(bytes.clone())),
    };
    let signed = matches!(
        input.signature,
        SignatureChoice::Valid | SignatureChoice::ValidTwilio
    ) && valid_signature.is_some();

    let mut builder = Request::builder()
        .method(method.clone())
        .uri(&target)
        .header("host", HOST);
    if let Some(ct) = &content_type {
        builder = builder.header("content-type", ct.as_slice());
    }
    if let Some(sig) = &header_value {
        builder = builder.header(header_name, sig.as_slice());
    }
    let claimed_over_limit = match input.length {
        LengthChoice::Absent => false,
        LengthChoice::Exact => {
            builder = builder.header("content-length", input.body.len());
            false
        }
        LengthChoice::Claimed(n) => {
            builder = builder.header("content-length", n);
            n > LIMIT as u64
        }
    };
    // Header values the http crate refuses never reach a server either.
    let Ok(request) = builder.body(Body::from(input.body.clone())) else {
        return;
    };

    let head = method == Method::HEAD;
    let status = w.runtime.block_on(async {
        let response = w.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("in-memory body");
        let text = body.to_bytes();
        if head {
            // HEAD answers carry no body.
            assert!(text.is_empty());
        } else if status != 204 {
            // Every refusal is one line of text.
            assert!(text.ends_with(b"\n"), "{status} {text:?}");
            assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 1, "{text:?}");
        } else {
            assert!(text.is_empty());
        }
        status
    });
    assert!(
        matches!(status, 204 | 400 | 403 | 405 | 408 | 413 | 415),
        "status {status} for {input:?}"
    );
    if signed && !claimed_over_limit && input.body.len() <= LIMIT {
        assert_ne!(
            status, 403,
            "a correctly signed request was refused: {input:?}"
        );
    }
});
