//! `GET /` (links to everything, like node_exporter's page), `/healthz`, 404.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, MethodRouter};
use bytes::Bytes;

use super::{AppState, STATUS_CALLBACK_PATH};
use crate::configuration::Settings;

/// The landing page, rendered once at start: nothing on it changes.
pub fn page(settings: &Settings) -> MethodRouter<AppState> {
    let p = &settings.route_prefix;
    // Split only to keep source lines short: the page is the same bytes.
    let html = Bytes::from(format!(
        concat!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SignalWire Exporter</title></head>
<body>
<h1>SignalWire Exporter</h1>
<p>Turns SignalWire Voice Status Callbacks into Prometheus call-quality metrics."#,
            r#" Version {version}.</p>
<ul>
<li><a href="{p}{metrics}">Metrics</a></li>
<li><a href="{p}/healthz">Health</a></li>
<li>Status callback URL for SignalWire: <code>{p}{STATUS_CALLBACK_PATH}</code>"#,
            r#" (POST form or JSON, or GET; signed)</li>
</ul>
</body></html>
"#
        ),
        version = env!("CARGO_PKG_VERSION"),
        metrics = settings.telemetry_path,
        p = p,
        STATUS_CALLBACK_PATH = STATUS_CALLBACK_PATH,
    ));
    get(move || std::future::ready(Html(html.clone())))
}

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}
