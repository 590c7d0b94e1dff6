//! Optional protection of /metrics: HTTP basic auth and/or a bearer token
//! from the flags (checked by `crate::scrape_auth`), or the bcrypt users of
//! --web.config.file, all of which Prometheus' scrape config can send.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::basic_auth::BasicAuthUsers;
pub use crate::scrape_auth::MetricsAuth;

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
