//! The call-state webhook in-process: the decoder
//! (`domain::CallStateEvent::decode`, then `mapped` and `numbers`) on the
//! raw input, and the real router's `POST /call-state` with the input as a
//! JSON body, signed (Scheme A, SHA-1 hex) or not by its first byte. The
//! status is always one the route documents, it agrees with the decoder (a
//! signed body the decoder refuses is a 400, one it takes a 204), a correctly
//! signed request is never refused as forged, and nothing panics.
#![no_main]
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use signalwire_exporter::configuration::Settings;
use signalwire_exporter::domain::{CallStateEvent, Decoded};
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

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let decoded = CallStateEvent::decode(body);
    if let Ok(Decoded::State(event)) = &decoded {
        let mapped = event.mapped();
        assert_eq!(mapped.event.id.account_sid(), &*event.project_id);
        let _ = event.numbers();
    }

    let w = world();
    let url = format!("http://{HOST}/call-state");
    let signed = mode & 1 == 0;
    let mut builder = Request::builder()
        .method("POST")
        .uri("/call-state")
        .header("host", HOST)
        .header("content-type", "application/json");
    if signed {
        builder = builder.header("x-signalwire-signature", w.key.sign_json(&url, body));
    } else if mode & 2 == 0 {
        builder = builder.header("x-signalwire-signature", "00");
    }
    let request = builder
        .body(Body::from(body.to_vec()))
        .expect("valid request");
    let status = w.runtime.block_on(async {
        let response = w.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        if status != 204 {
            assert!(text.ends_with(b"\n"), "{status} {text:?}");
            assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 1, "{text:?}");
        }
        status
    });
    assert!(matches!(status, 204 | 400 | 403 | 413), "{status}");
    if body.len() > LIMIT {
        assert_eq!(status, 413);
    } else if !signed {
        assert_eq!(status, 403);
    } else {
        // (A retry of an earlier input is a duplicate: 204 as well.)
        let want = if decoded.is_ok() { 204 } else { 400 };
        assert_eq!(status, want, "{decoded:?}");
    }
});
