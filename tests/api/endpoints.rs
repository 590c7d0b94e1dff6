//! Landing page, health, and what /metrics shows before any traffic.

use crate::support::*;

#[tokio::test]
async fn a_fresh_exporter_exports_every_closed_series_at_zero() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4"
    );
    let m = Metrics::parse(&response.text().await.unwrap());
    let mut checks = Checklist::default();
    // 10 statuses x 3 directions, at zero, so rate() sees zeros; call totals
    // for the 5 terminal statuses x 3 directions.
    for (name, series) in [
        ("signalwire_call_events_total", 30),
        ("signalwire_exporter_webhooks_total", 7),
        (INVALID_FIELDS, 14),
        (UNRECOGNIZED_VALUES, 3),
        ("signalwire_audio_in_mos_count", 15),
        ("signalwire_audio_in_packets_total", 15),
    ] {
        checks.eq(format!("{name} series"), m.series_count(name), series);
        checks.eq(format!("{name} sum"), m.sum(name), 0.0);
    }
    // No series for "other" until it is seen, none for calls still ringing.
    for (name, labels) in [
        (
            "signalwire_call_events_total",
            [("direction", "other"), ("status", "completed")],
        ),
        (
            "signalwire_audio_in_mos_count",
            [("direction", "inbound"), ("status", "ringing")],
        ),
        (
            "signalwire_audio_in_mos_count",
            [("direction", "other"), ("status", "completed")],
        ),
    ] {
        checks.eq(format!("{name}{labels:?}"), m.get(name, &labels), None);
    }
}

#[tokio::test]
async fn a_fresh_exporter_exports_build_info_and_process_metrics() {
    let app = TestApp::spawn().await;
    let m = app.metrics().await;
    m.check(&[
        (
            "signalwire_exporter_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        ),
        ("signalwire_exporter_signature_validation_enabled", &[], 1.0),
    ]);
    for name in [
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
    ] {
        assert!(m.value(name, &[]) > 0.0, "{name}");
    }
    // Whole seconds: a fresh test process may not have used one yet.
    assert!(m.value("process_cpu_seconds_total", &[]) >= 0.0);
}

#[tokio::test]
async fn the_landing_page_links_the_endpoints_and_health_answers() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for link in ["href=\"/metrics\"", "href=\"/healthz\"", "/status-callback"] {
        assert!(page.contains(link), "{link}");
    }
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok\n");
    let missing = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
