//! HTTP routes: one concern a module.

mod basic_auth;
pub mod html;
mod landing;
mod metrics;
pub mod metrics_auth;
mod status_callback;
pub mod status_page;

use std::sync::Arc;

use axum::routing::{any, get};
use axum::Router;

use crate::configuration::Settings;
use crate::dedupe::Dedupe;
use crate::recorder::Recorder;
use crate::signature::{SignedUrl, Verifier};

pub const STATUS_CALLBACK_PATH: &str = "/status-callback";
const HEALTHZ_PATH: &str = "/healthz";

/// Paths that `--web.telemetry-path` may not take: the routes beside
/// /metrics, and `/calls`, kept for the per-call view that comes next.
pub const TAKEN_PATHS: &[&str] = &["/", HEALTHZ_PATH, STATUS_CALLBACK_PATH, "/calls"];

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

/// The routes of the main listener: the webhook, the landing page, health,
/// and /metrics unless it has a listener of its own.
pub fn router(settings: &Settings, state: AppState) -> Router {
    let mut routes = Router::new()
        .route("/", landing::page(settings))
        .route(HEALTHZ_PATH, get(landing::healthz))
        .route(STATUS_CALLBACK_PATH, any(status_callback::handle));
    if settings.metrics_listen_address.is_none() {
        routes = routes.merge(metrics_routes(settings));
    }
    prefixed(settings, routes.with_state(state))
}

/// The routes of `--web.metrics-listen-address`, when set: /metrics and health.
pub fn metrics_router(settings: &Settings, state: AppState) -> Router {
    let routes = metrics_routes(settings).route(HEALTHZ_PATH, get(landing::healthz));
    prefixed(settings, routes.with_state(state))
}

fn metrics_routes(settings: &Settings) -> Router<AppState> {
    let guard = metrics_auth::Guard::new(&settings.metrics_auth);
    let auth = axum::middleware::from_fn_with_state(guard, metrics_auth::require);
    Router::new().route(&settings.telemetry_path, get(metrics::scrape).layer(auth))
}

fn prefixed(settings: &Settings, routes: Router) -> Router {
    let routes = routes.fallback(landing::not_found);
    if settings.route_prefix.is_empty() {
        routes
    } else {
        Router::new()
            .nest(&settings.route_prefix, routes)
            .fallback(landing::not_found)
    }
}
