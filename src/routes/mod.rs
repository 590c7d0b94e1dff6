//! HTTP routes: one concern a module.

mod basic_auth;
mod calls;
mod landing;
mod metrics;
pub mod metrics_auth;
mod status_page;
mod webhook;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::routing::{any, get};
use axum::Router;

use crate::call_state::{CallTable, CallsConfig, Thresholds};
use crate::configuration::Settings;
use crate::dedupe::Dedupe;
use crate::domain::Direction;
use crate::recorder::Recorder;
use crate::signature::{SignedUrl, Verifier};

pub const STATUS_CALLBACK_PATH: &str = "/status-callback";
const HEALTHZ_PATH: &str = "/healthz";
const CALLS_PATH: &str = "/calls";

/// Paths that `--web.telemetry-path` may not take: the routes beside /metrics.
pub const TAKEN_PATHS: &[&str] = &["/", HEALTHZ_PATH, STATUS_CALLBACK_PATH, CALLS_PATH];

/// What the webhook needs to accept a callback.
pub struct Webhook {
    /// `None` when signature validation is off.
    pub verifier: Option<Verifier>,
    pub signed_url: SignedUrl,
    pub dedupe: Dedupe,
    pub max_body_bytes: usize,
    pub read_timeout: std::time::Duration,
}

/// The per-call state (`crate::call_state`), behind the one lock of its table.
pub struct Calls {
    table: Mutex<CallTable>,
    /// `--calls.include-numbers`: read phone numbers and names at all.
    pub include_numbers: bool,
}

impl Calls {
    pub fn lock(&self) -> MutexGuard<'_, CallTable> {
        // A poisoned lock only means a request panicked mid-update; the table
        // stays bounded and usable, as dedupe's does.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the pages show that does not change while serving.
pub struct Site {
    pub links: crate::pages::Links,
    /// The `--quality.*` flags, which the status page explains.
    pub thresholds: crate::domain::Thresholds,
}

#[derive(Clone)]
pub struct AppState {
    pub webhook: Arc<Webhook>,
    pub recorder: Arc<Recorder>,
    pub calls: Arc<Calls>,
    pub site: Arc<Site>,
}

fn calls_config(settings: &Settings) -> CallsConfig {
    CallsConfig {
        capacity: settings.calls_capacity,
        max_age: settings.calls_max_age,
        recent: settings.calls_recent,
        include_numbers: settings.calls_include_numbers,
        thresholds: Thresholds {
            low_mos: settings.quality_low_mos,
            high_packet_loss: settings.quality_high_packet_loss,
            high_jitter_variance: settings.quality_high_jitter_variance,
        },
        ..CallsConfig::default()
    }
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
    /// Forgets the calls older than `--calls.max-age` and sets the gauge of
    /// calls in progress: before each scrape.
    pub fn refresh_calls(&self) {
        let (unfinished, active) = {
            let mut table = self.calls.lock();
            let unfinished = table.expire(Instant::now());
            let active: [u64; Direction::COUNT] =
                std::array::from_fn(|i| table.active(Direction::ALL[i]));
            (unfinished, active)
        };
        self.recorder.calls_unfinished(&unfinished);
        for (direction, calls) in Direction::ALL.iter().zip(active) {
            self.recorder.calls_active(*direction, calls);
        }
    }

    pub fn new(settings: &Settings) -> Self {
        let verifier = settings.signing_keys.as_deref().map(Verifier::new);
        let config = calls_config(settings);
        AppState {
            site: Arc::new(site(settings, &config)),
            calls: Arc::new(Calls {
                table: Mutex::new(CallTable::new(&config)),
                include_numbers: config.include_numbers,
            }),
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
