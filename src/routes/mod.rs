//! HTTP routes: one concern a module.

mod basic_auth;
mod calls;
mod landing;
mod metrics;
pub mod metrics_auth;
mod status_page;
mod webhook;

use std::sync::Arc;
use std::time::Instant;

use axum::routing::{any, get};
use axum::Router;

use crate::call_state::{CallState, CallsConfig, Clock};
use crate::configuration::Settings;
use crate::dedupe::Dedupe;
use crate::ingest::Ingest;
use crate::recorder::Recorder;
use crate::signature::Verifier;

pub const STATUS_CALLBACK_PATH: &str = "/status-callback";
const HEALTHZ_PATH: &str = "/healthz";
const CALLS_PATH: &str = "/calls";

/// Paths that `--web.telemetry-path` may not take: the routes beside /metrics.
pub const TAKEN_PATHS: &[&str] = &["/", HEALTHZ_PATH, STATUS_CALLBACK_PATH, CALLS_PATH];

/// What the pages show that does not change while serving.
pub struct Site {
    pub links: crate::pages::Links,
    /// The `--quality.*` flags, which the status page explains.
    pub thresholds: crate::domain::Thresholds,
}

#[derive(Clone)]
pub struct AppState {
    pub ingest: Arc<Ingest>,
    pub recorder: Arc<Recorder>,
    pub calls: Arc<CallState>,
    pub site: Arc<Site>,
}

fn site(settings: &Settings, config: &CallsConfig) -> Site {
    let p = &settings.route_prefix;
    let webhook = match &settings.signed_url.external {
        Some(external) => format!("{external}{STATUS_CALLBACK_PATH}"),
        None => format!("{p}{STATUS_CALLBACK_PATH}"),
    };
    Site {
        links: crate::pages::Links {
            // A nested router serves its root at the bare prefix only.
            home: if p.is_empty() { "/".into() } else { p.clone() },
            metrics: Some(format!("{p}{}", settings.telemetry_path)),
            healthz: format!("{p}{HEALTHZ_PATH}"),
            calls: Some(format!("{p}{CALLS_PATH}")),
            webhook,
        },
        thresholds: config.thresholds,
    }
}

impl AppState {
    pub fn new(settings: &Settings) -> Self {
        Self::with_clock(settings, Arc::new(Instant::now))
    }

    /// With the call state reading `clock`: tests move time by hand.
    pub fn with_clock(settings: &Settings, clock: Clock) -> Self {
        let verifier = settings.signing_keys.as_deref().map(Verifier::new);
        let config = &settings.calls;
        let mut recorder = Recorder::new(verifier.is_some());
        if config.countries.is_some() {
            recorder = recorder.with_countries();
        }
        let recorder = Arc::new(recorder);
        let calls = CallState::with_clock(config, clock);
        recorder.register(calls.collector());
        AppState {
            site: Arc::new(site(settings, config)),
            ingest: Arc::new(Ingest {
                verifier,
                signed_url: settings.signed_url.clone(),
                dedupe: Dedupe::new(settings.dedupe.capacity, settings.dedupe.ttl),
                max_body_bytes: settings.max_body_bytes,
                read_timeout: settings.read_timeout,
                calls: Arc::clone(&calls),
                recorder: Arc::clone(&recorder),
            }),
            recorder,
            calls,
        }
    }
}

/// The routes of the main listener: the webhook, the landing page, health,
/// and /metrics unless it has a listener of its own.
pub fn router(settings: &Settings, state: AppState) -> Router {
    let mut routes = Router::new()
        .route(HEALTHZ_PATH, get(landing::healthz))
        .route(STATUS_CALLBACK_PATH, any(webhook::handle));
    // The status page's figures are as sensitive as /metrics: it goes where
    // /metrics goes, and the main listener keeps the plain links otherwise.
    routes = match settings.metrics_listen_address {
        None => routes.merge(metrics_routes(settings)),
        Some(_) => routes.route("/", landing::page(settings)),
    };
    prefixed(settings, routes.with_state(state))
}

/// The routes of `--web.metrics-listen-address`, when set: /metrics, /calls,
/// the status page and health.
pub fn metrics_router(settings: &Settings, state: AppState) -> Router {
    let routes = metrics_routes(settings).route(HEALTHZ_PATH, get(landing::healthz));
    prefixed(settings, routes.with_state(state))
}

fn metrics_routes(settings: &Settings) -> Router<AppState> {
    let guard = metrics_auth::Guard::new(&settings.metrics_auth);
    let auth = axum::middleware::from_fn_with_state(guard, metrics_auth::require);
    Router::new()
        .route(&settings.telemetry_path, get(metrics::scrape))
        .route(CALLS_PATH, get(calls::list))
        .route("/", get(status_page::page))
        .route_layer(auth)
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
