//! HTTP routes: one concern a module.

mod basic_auth;
mod call_state_webhook;
mod calls;
mod landing;
mod metrics;
pub mod metrics_auth;
mod status_page;
mod webhook;

use std::sync::Arc;
use std::time::Instant;

use axum::routing::{any, get, post};
use axum::Router;

use crate::call_state::{CallState, CallsConfig, Clock};
use crate::configuration::Settings;
use crate::dedupe::Dedupe;
use crate::ingest::Ingest;
use crate::projects::{KeyConfig, KeyRing, Keys};
use crate::recorder::Recorder;

pub const STATUS_CALLBACK_PATH: &str = "/status-callback";
pub const CALL_STATE_PATH: &str = "/call-state";
const HEALTHZ_PATH: &str = "/healthz";
const CALLS_PATH: &str = "/calls";
/// Re-reads the projects file and every key file (Prometheus' convention).
pub const RELOAD_PATH: &str = "/-/reload";

/// Paths that `--web.telemetry-path` may not take: the routes beside /metrics.
pub const TAKEN_PATHS: &[&str] = &[
    "/",
    HEALTHZ_PATH,
    STATUS_CALLBACK_PATH,
    CALL_STATE_PATH,
    CALLS_PATH,
];

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

    /// With the call state and the status page's window reading `clock`:
    /// tests move time by hand.
    pub fn with_clock(settings: &Settings, clock: Clock) -> Self {
        let validation = settings.signing_keys.is_some();
        let keys = KeyConfig {
            global: settings.signing_keys.clone().unwrap_or_default(),
            projects: settings.projects.clone(),
        };
        let ring = KeyRing::new(settings.key_sources.clone(), validation, &keys)
            .expect("at most MAX_PROJECTS projects at start");
        let config = &settings.calls;
        let names = Arc::clone(ring.names());
        let mut recorder =
            Recorder::with_projects(validation, Arc::clone(&names), Arc::clone(&clock));
        if config.countries.is_some() {
            recorder = recorder.with_countries();
        }
        let recorder = Arc::new(recorder);
        let calls = CallState::with_projects(config, clock, names);
        recorder.register(calls.collector());
        let state = AppState {
            site: Arc::new(site(settings, config)),
            ingest: Arc::new(Ingest {
                keys: Arc::new(ring),
                signed_url: settings.signed_url.clone(),
                dedupe: Dedupe::new(settings.dedupe.capacity, settings.dedupe.ttl),
                max_body_bytes: settings.max_body_bytes,
                read_timeout: settings.read_timeout,
                calls: Arc::clone(&calls),
                recorder: Arc::clone(&recorder),
            }),
            recorder,
            calls,
        };
        state.start_projects(&state.ingest.keys.current());
        state
    }

    /// Series at 0 for each project (the one unnamed one without a file).
    fn start_projects(&self, keys: &Keys) {
        if !self.ingest.keys.names().is_labelled() {
            self.recorder.start_project(Default::default());
            self.calls.start_project(Default::default());
        }
        for project in keys.projects() {
            self.recorder.start_project(project.id);
            self.calls.start_project(project.id);
        }
    }

    /// Re-reads the projects file and every key file (SIGHUP, `POST
    /// /-/reload`). On failure the keys in force stay, and the reason is
    /// logged and returned in one line naming the file.
    pub fn reload(&self) -> Result<(), String> {
        let result = self.ingest.keys.reload();
        self.recorder.reloaded(result.is_ok());
        match result {
            Ok(keys) => {
                self.start_projects(&keys);
                tracing::info!(projects = keys.projects().count(), "configuration reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "configuration reload failed, keeping the old one");
                Err(e)
            }
        }
    }
}

/// The routes of the main listener: the webhook, the landing page, health,
/// and /metrics unless it has a listener of its own.
pub fn router(settings: &Settings, state: AppState) -> Router {
    let mut routes = Router::new()
        .route(HEALTHZ_PATH, get(landing::healthz))
        .route(STATUS_CALLBACK_PATH, any(webhook::handle))
        .route(CALL_STATE_PATH, any(call_state_webhook::handle));
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
    // A telemetry path of /-/reload serves both: GET scrapes, POST reloads.
    let own_path = settings.telemetry_path == RELOAD_PATH;
    let scrape = match own_path {
        true => get(metrics::scrape).post(metrics::reload),
        false => get(metrics::scrape),
    };
    let mut routes = Router::new()
        .route(&settings.telemetry_path, scrape)
        .route(CALLS_PATH, get(calls::list))
        .route("/", get(status_page::page));
    if !own_path {
        routes = routes.route(RELOAD_PATH, post(metrics::reload));
    }
    routes.route_layer(auth)
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
