//! `GET /` (links to everything, like node_exporter's page), `/healthz`, 404.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, MethodRouter};
use bytes::Bytes;

use super::{AppState, STATUS_CALLBACK_PATH};
use crate::configuration::Settings;
use crate::pages::{render_landing_page, LandingLinks};

/// The landing page, rendered once at start: nothing on it changes.
pub fn page(settings: &Settings) -> MethodRouter<AppState> {
    let p = &settings.route_prefix;
    let links = LandingLinks {
        metrics: format!("{p}{}", settings.telemetry_path),
        healthz: format!("{p}/healthz"),
        webhook: format!("{p}{STATUS_CALLBACK_PATH}"),
    };
    let html = Bytes::from(render_landing_page(env!("CARGO_PKG_VERSION"), &links));
    get(move || std::future::ready(Html(html.clone())))
}

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}
