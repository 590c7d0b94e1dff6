//! `GET /` where /metrics is served: the status page, from live figures.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::calls::{call_row, html_response};
use super::AppState;
use crate::call_state::{CallsQuery, Issue};
use crate::domain::Outcome;
use crate::pages::{render_status_page, IssueCounts, StatusSnapshot};
use crate::recorder::{mos_bounds, WindowCounts, WINDOW};

/// Bad calls shown on the page; the rest are a click away.
const LATEST_CALLS: usize = 10;

pub async fn page(State(state): State<AppState>) -> Response {
    html_response(render_status_page(&snapshot(&state)))
}

fn snapshot(state: &AppState) -> StatusSnapshot {
    let counts = state.recorder.window(Instant::now());
    let query = CallsQuery {
        limit: Some(LATEST_CALLS),
        ..CallsQuery::default()
    };
    let latest = {
        let table = state.calls.lock();
        table.recent().select(&query).map(call_row).collect()
    };
    let site = &state.site;
    StatusSnapshot {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        links: site.links.clone(),
        window: WINDOW.to_owned(),
        calls_ended: counts.ended,
        calls_with_media: counts.with_media,
        issues: issue_counts(&counts),
        thresholds: site.thresholds,
        mos_buckets: cumulative_mos(&counts),
        webhooks: Outcome::ALL
            .iter()
            .map(|o| (o.as_str(), counts.webhooks[o.index()]))
            .collect(),
        latest_bad_calls: Some(latest),
    }
}

fn issue_counts(counts: &WindowCounts) -> IssueCounts {
    let n = |issue: Issue| counts.issues[issue.index()];
    IssueCounts {
        low_mos: n(Issue::LowMos),
        high_packet_loss: n(Issue::HighPacketLoss),
        high_jitter: n(Issue::HighJitter),
        any: n(Issue::Any),
    }
}

/// (le, cumulative count) as Prometheus keeps a histogram, `+Inf` last.
fn cumulative_mos(counts: &WindowCounts) -> Vec<(f64, u64)> {
    let bounds = mos_bounds().iter().copied().chain([f64::INFINITY]);
    let mut total = 0;
    bounds
        .zip(&counts.mos)
        .map(|(le, n)| {
            total += n;
            (le, total)
        })
        .collect()
}
