//! `--labels.country`: the signalwire_country_* families, `/calls`'
//! `country` key and filter, the allow-list, and the flags refused at
//! start, read back over loopback with exact values.

use serde_json::Value;

use signalwire_exporter::domain::CountryLabels;

use crate::support::*;

const ENDED: &str = "signalwire_country_calls_ended_total";
const MEDIA: &str = "signalwire_country_calls_with_media_total";
const ISSUES: &str = "signalwire_country_call_quality_issues_total";
const SILENT: &str = "signalwire_country_calls_silent_total";

fn with_countries(allow: Option<&str>) -> Settings {
    let mut s = settings();
    s.calls.countries = Some(match allow {
        None => CountryLabels::all(),
        Some(list) => CountryLabels::allowing(list).unwrap(),
    });
    s
}

/// A finished call of `direction` between `from` and `to`.
fn call(sid: &str, direction: &str, from: &str, to: &str) -> Callback {
    Callback::completed(sid)
        .with("Direction", direction)
        .with("From", from)
        .with("To", to)
}

async fn send_all(app: &TestApp, callbacks: &[Callback]) {
    for c in callbacks {
        assert_eq!(app.post_form(c).await.status(), 204);
    }
}

async fn calls(app: &TestApp, query: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(&format!("/calls{query}")))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn countries(page: &Value) -> Vec<String> {
    page["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["call_sid"].as_str().unwrap(), c["country"]))
        .collect()
}

#[tokio::test]
async fn without_the_flag_there_is_no_country_family_and_calls_show_null() {
    let app = TestApp::spawn().await;
    let low = call("CA1", "inbound", "+442079460123", "+14155550100").with("AudioInMos", "3.0");
    send_all(&app, &[low]).await;
    let m = app.metrics().await;
    for family in [ENDED, MEDIA, ISSUES, SILENT] {
        assert_eq!(m.series_count(family), 0, "{family}");
    }
    let (_, page) = calls(&app, "").await;
    assert_eq!(countries(&page), ["CA1:null"]);
}

#[tokio::test]
async fn each_finished_call_counts_once_by_the_remote_partys_country() {
    let app = TestApp::spawn_with(with_countries(None)).await;
    let us_to_gb = "+14155550100";
    send_all(
        &app,
        &[
            // Inbound: From is the remote party.
            call("CA1", "inbound", "+442079460123", us_to_gb).with("AudioInMos", "3.0"),
            // Outbound: To is.
            call("CA2", "outbound-api", us_to_gb, "+390612345678"),
            call("CA3", "outbound-dial", us_to_gb, "+390669812345")
                .with("CallStatus", "failed")
                .with("AudioInMediaPacketCount", "0"),
            call("CA4", "inbound", "sip:alice@example.com", us_to_gb).with("CallStatus", "busy"),
            call("CA5", "inbound", "+1 (415) 555-0100", us_to_gb).with("CallStatus", "busy"),
            call("CA6", "outbound-api", us_to_gb, "client:bob").with("CallStatus", "busy"),
            call("CA7", "outbound-api", us_to_gb, "+999123").with("CallStatus", "busy"),
            call("CA8", "sideways", "+442079460123", "+442079460123"),
        ],
    )
    .await;
    let m = app.metrics().await;
    let labels = |c, d, s| vec![("country", c), ("direction", d), ("status", s)];
    assert_eq!(m.value(ENDED, &labels("GB", "inbound", "completed")), 1.0);
    assert_eq!(m.value(ENDED, &labels("GB", "inbound", "failed")), 0.0);
    assert_eq!(
        m.value(ENDED, &labels("IT", "outbound-api", "completed")),
        1.0
    );
    assert_eq!(
        m.value(ENDED, &labels("VA", "outbound-dial", "failed")),
        1.0
    );
    assert_eq!(m.value(ENDED, &labels("unknown", "inbound", "busy")), 2.0);
    assert_eq!(
        m.value(ENDED, &labels("unknown", "outbound-api", "busy")),
        2.0
    );
    assert_eq!(
        m.value(ENDED, &labels("unknown", "other", "completed")),
        1.0
    );
    assert_eq!(m.sum(ENDED), 8.0);
    // 5 groups (country × direction) × 5 terminal statuses, created at first use.
    assert_eq!(m.series_count(ENDED), 6 * 5);
    let gb = [("country", "GB"), ("direction", "inbound")];
    assert_eq!(m.value(MEDIA, &gb), 1.0);
    assert_eq!(m.value(ISSUES, &[gb[0], gb[1], ("issue", "low_mos")]), 1.0);
    assert_eq!(m.value(ISSUES, &[gb[0], gb[1], ("issue", "any")]), 1.0);
    assert_eq!(
        m.value(MEDIA, &[("country", "VA"), ("direction", "outbound-dial")]),
        0.0
    );
    assert_eq!(m.value(SILENT, &gb), 0.0);
    // The main families keep their labels.
    let main = m
        .samples("signalwire_call_quality_issues_total")
        .next()
        .unwrap();
    assert!(!main.labels.contains_key("country"));
    for v in m.label_values() {
        assert!(
            !v.contains("555") && !v.contains("alice") && !v.contains("bob"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn calls_carry_the_country_and_filter_by_it_in_either_case() {
    let app = TestApp::spawn_with(with_countries(None)).await;
    let failed =
        |sid, to| call(sid, "outbound-api", "+14155550100", to).with("CallStatus", "failed");
    send_all(
        &app,
        &[
            failed("CA1", "+442079460123"),
            failed("CA2", "+79123456789"),
            failed("CA3", "x"),
        ],
    )
    .await;
    let (_, page) = calls(&app, "").await;
    assert_eq!(
        countries(&page),
        ["CA3:\"unknown\"", "CA2:\"RU\"", "CA1:\"GB\""]
    );
    let (_, page) = calls(&app, "?country=gb").await;
    assert_eq!(countries(&page), ["CA1:\"GB\""]);
    let (_, page) = calls(&app, "?country=unknown&status=failed").await;
    assert_eq!(countries(&page), ["CA3:\"unknown\""]);
    let (status, body) = calls(&app, "?country=UK").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        Value::String("country=\"UK\" is not a two-letter region code, other or unknown\n".into())
    );
}

#[tokio::test]
async fn the_allow_list_keeps_its_countries_and_makes_the_rest_other() {
    let app = TestApp::spawn_with(with_countries(Some("us,GB"))).await;
    send_all(
        &app,
        &[
            call("CA1", "inbound", "+442079460123", "+1"),
            call("CA2", "inbound", "+79123456789", "+1"),
            call("CA3", "inbound", "+16135550123", "+1"),
            call("CA4", "inbound", "+7912", "+1"),
        ],
    )
    .await;
    let m = app.metrics().await;
    let ended = |c| {
        m.value(
            ENDED,
            &[
                ("country", c),
                ("direction", "inbound"),
                ("status", "completed"),
            ],
        )
    };
    assert_eq!(
        (ended("GB"), ended("other"), ended("unknown")),
        (1.0, 2.0, 1.0)
    );
    let values: Vec<&str> = m
        .samples(ENDED)
        .map(|s| s.labels["country"].as_str())
        .collect();
    assert!(
        values
            .iter()
            .all(|c| ["GB", "other", "unknown"].contains(c)),
        "{values:?}"
    );
}
