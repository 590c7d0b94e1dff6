//! Optional protection of /metrics: HTTP basic auth and/or a bearer token
//! from the flags, or the bcrypt users of --web.config.file, all of which
//! Prometheus' scrape config can send.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use subtle::ConstantTimeEq;

use super::basic_auth::BasicAuthUsers;
pub use crate::configuration::MetricsAuth;

/// The middleware's state: the settings, and the bcrypt users with their
/// cache, shared by every request to the route.
#[derive(Clone)]
pub struct Guard {
    auth: MetricsAuth,
    users: Option<Arc<BasicAuthUsers>>,
}

impl Guard {
    pub fn new(auth: &MetricsAuth) -> Self {
        let users = (!auth.users.is_empty()).then(|| BasicAuthUsers::new(auth.users.clone()));
        Guard {
            auth: auth.clone(),
            users,
        }
    }
}

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

pub async fn require(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let authorization = request.headers().get(header::AUTHORIZATION);
    let allowed = match &guard.users {
        Some(users) => users.allows(authorization).await,
        None => !guard.auth.is_enabled() || guard.auth.allows(authorization),
    };
    if allowed {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "unauthorized: /metrics needs credentials\n",
    )
        .into_response();
    if guard.auth.basic.is_some() || guard.users.is_some() {
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
    fn only_the_exact_basic_credentials_or_bearer_token_are_let_in() {
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
