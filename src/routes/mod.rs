//! HTTP routes: one concern a module.

mod landing;
mod metrics;
mod status_callback;

use std::sync::Arc;

use axum::routing::{any, get};
use axum::Router;

use crate::configuration::Settings;
use crate::dedupe::Dedupe;
use crate::recorder::Recorder;
use crate::signature::{SignedUrl, Verifier};

pub const STATUS_CALLBACK_PATH: &str = "/status-callback";

/// What the webhook needs to accept a callback.
pub struct Webhook {
    /// `None` when signature validation is off.
    pub verifier: Option<Verifier>,
    pub signed_url: SignedUrl,
    pub dedupe: Dedupe,
    pub max_body_bytes: usize,
    pub read_timeout: std::time::Duration,
}

#[derive(Clone)]
pub struct AppState {
    pub webhook: Arc<Webhook>,
    pub recorder: Arc<Recorder>,
}

impl AppState {
    pub fn new(settings: &Settings) -> Self {
        let verifier = settings.signing_keys.as_deref().map(Verifier::new);
        AppState {
            recorder: Arc::new(Recorder::new(verifier.is_some())),
            webhook: Arc::new(Webhook {
                verifier,
                signed_url: settings.signed_url.clone(),
                dedupe: Dedupe::new(settings.dedupe_capacity, settings.dedupe_ttl),
                max_body_bytes: settings.max_body_bytes,
                read_timeout: settings.read_timeout,
            }),
        }
    }
}

pub fn router(settings: &Settings, state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(landing::page))
        .route("/healthz", get(landing::healthz))
        .route(STATUS_CALLBACK_PATH, any(status_callback::handle))
        .route(&settings.telemetry_path, get(metrics::scrape))
        .fallback(landing::not_found)
        .with_state(state);
    let routes = routes.layer(axum::Extension(landing::Links::new(settings)));
    if settings.route_prefix.is_empty() {
        routes
    } else {
        Router::new()
            .nest(&settings.route_prefix, routes)
            .fallback(landing::not_found)
    }
}
