//! `GET /` (links to everything, like node_exporter's page), `/healthz`, 404.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::Extension;

use super::STATUS_CALLBACK_PATH;
use crate::configuration::Settings;

#[derive(Clone)]
pub struct Links {
    metrics: String,
    status_callback: String,
    healthz: String,
}

impl Links {
    pub fn new(settings: &Settings) -> Self {
        let p = &settings.route_prefix;
        Links {
            metrics: format!("{p}{}", settings.telemetry_path),
            status_callback: format!("{p}{STATUS_CALLBACK_PATH}"),
            healthz: format!("{p}/healthz"),
        }
    }
}

pub async fn page(Extension(links): Extension<Links>) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SignalWire Exporter</title></head>
<body>
<h1>SignalWire Exporter</h1>
<p>Turns SignalWire Voice Status Callbacks into Prometheus call-quality metrics. Version {version}.</p>
<ul>
<li><a href="{metrics}">Metrics</a></li>
<li><a href="{healthz}">Health</a></li>
<li>Status callback URL for SignalWire: <code>{cb}</code> (POST form or JSON, or GET; signed)</li>
</ul>
</body></html>
"#,
        version = env!("CARGO_PKG_VERSION"),
        metrics = links.metrics,
        healthz = links.healthz,
        cb = links.status_callback,
    ))
}

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}
