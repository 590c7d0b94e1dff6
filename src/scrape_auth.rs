//! Who may scrape /metrics, and the check of one `Authorization` header
//! against the flags' basic-auth user and bearer token. Plain data and a
//! pure check, below the settings that hold it and the middleware
//! (`routes::metrics_auth`) that applies it; the bcrypt users of
//! --web.config.file are checked there, with their cache.

use std::collections::BTreeMap;

use axum::http::HeaderValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Who may scrape /metrics. With none set, /metrics is open.
#[derive(Clone, Default)]
pub struct MetricsAuth {
    /// `user:password`, as it appears decoded in the Basic header.
    pub basic: Option<String>,
    pub bearer: Option<String>,
    /// `basic_auth_users` of `--web.config.file`: user → bcrypt hash, each
    /// checked when the file was read. Never set with the two above.
    pub users: BTreeMap<String, String>,
}

impl MetricsAuth {
    pub fn is_enabled(&self) -> bool {
        self.basic.is_some() || self.bearer.is_some() || !self.users.is_empty()
    }

    /// Whether the header carries the flags' basic credentials or bearer
    /// token, compared in constant time.
    pub(crate) fn allows(&self, authorization: Option<&HeaderValue>) -> bool {
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

impl std::fmt::Debug for MetricsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsAuth")
            .field("basic", &self.basic.as_ref().map(|_| "<redacted>"))
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_bearer_credentials_are_accepted_exactly_and_never_shown() {
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
