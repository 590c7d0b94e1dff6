//! Optional protection of /metrics: HTTP basic auth and/or a bearer token,
//! both of which Prometheus' scrape config can send.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use subtle::ConstantTimeEq;

pub use crate::configuration::MetricsAuth;

// Who may scrape is configuration's data; checking a request is here.
impl MetricsAuth {
    fn allows(&self, authorization: Option<&HeaderValue>) -> bool {
        let Some(value) = authorization.and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let (scheme, credential) = value.split_once(' ').unwrap_or((value, ""));
        let credential = credential.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = BASE64.decode(credential).unwrap_or_default();
            self.basic
                .as_ref()
                .is_some_and(|want| bool::from(want.as_bytes().ct_eq(&decoded)))
        } else if scheme.eq_ignore_ascii_case("bearer") {
            self.bearer
                .as_ref()
                .is_some_and(|want| bool::from(want.as_bytes().ct_eq(credential.as_bytes())))
        } else {
            false
        }
    }
}

pub async fn require(State(auth): State<MetricsAuth>, request: Request, next: Next) -> Response {
    if !auth.is_enabled() || auth.allows(request.headers().get(header::AUTHORIZATION)) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "unauthorized: /metrics needs credentials\n",
    )
        .into_response();
    if auth.basic.is_some() {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"signalwire-exporter\""),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_bearer() {
        let auth = MetricsAuth {
            basic: Some("prom:s3cret".into()),
            bearer: Some("tok".into()),
            users: Default::default(),
        };
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(auth.allows(Some(&h(&format!("Basic {}", BASE64.encode("prom:s3cret"))))));
        assert!(!auth.allows(Some(&h(&format!("Basic {}", BASE64.encode("prom:wrong"))))));
        assert!(auth.allows(Some(&h("Bearer tok"))));
        assert!(!auth.allows(Some(&h("Bearer tok2"))));
        assert!(!auth.allows(Some(&h("tok"))));
        assert!(!auth.allows(None));
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
