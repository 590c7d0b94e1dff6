//! The simulator against a real exporter on loopback: what the summary says
//! was sent must be exactly what /metrics shows.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use crate::support::*;

/// One seeded run of 200 degraded calls (5 % retried, 20 % with two events
/// swapped, 10 % without their terminal event) against a fresh exporter, and
/// the scrape after it; shared by the tests that compare the two, so that
/// each mismatch is its own failure.
fn degraded_run() -> &'static (Summary, Metrics) {
    static RUN: OnceLock<(Summary, Metrics)> = OnceLock::new();
    RUN.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let app = TestApp::spawn().await;
            let mut config = SimConfig::new(app.webhook(), SigningKey::new(KEY));
            config.seed = 20_260_101;
            config.calls = Some(200);
            config.rate = 5_000.0;
            config.duplicate_ratio = 0.05;
            config.out_of_order_ratio = 0.2;
            config.lose_terminal_ratio = 0.1;
            config.profile = Profile::Degraded;
            let summary = tokio::time::timeout(
                Duration::from_secs(60),
                simulator::run(config, std::future::pending()),
            )
            .await
            .expect("200 calls within a minute");
            (summary, app.metrics().await)
        })
    })
}

#[test]
fn the_summary_is_one_line_of_json_that_reads_back_as_itself() {
    let (summary, _) = degraded_run();
    let json = summary.to_json();
    assert!(!json.contains('\n'));
    assert_eq!(&serde_json::from_str::<Summary>(&json).unwrap(), summary);
    let mut checks = Checklist::default();
    for key in [
        "seed",
        "calls",
        "deliveries",
        "duplicates",
        "non_2xx",
        "errors",
        "events",
        "terminal",
        "audio_in_packets",
        "audio_in_skipped_packets",
        "mos_observations",
        "mos_at_or_below_3_5",
        "sip_responses",
        "post_dial_delay",
        "answer_delay",
        "quality_issues",
        "calls_with_media",
        "silent_calls",
        "unfinished",
        "active_at_end",
        "calls_ended_by_country",
    ] {
        checks.that(
            format!("{key} in {json}"),
            json.contains(&format!("\"{key}\":")),
        );
    }
}

#[test]
fn the_summary_counts_what_the_seeded_run_sent() {
    let (summary, _) = degraded_run();
    let json = summary.to_json();
    assert_eq!(summary.seed, 20_260_101);
    assert_eq!(summary.calls, 200);
    assert_eq!((summary.non_2xx, summary.errors), (0, 0), "{json}");
    assert!(summary.duplicates > 0, "{json}");
    assert!(summary.mos_at_or_below_3_5 > 0, "{json}");
    // Every call ended, or lost its terminal event and is still active.
    let ended = summary.terminal.values().sum::<u64>();
    let unfinished = summary.unfinished.values().sum::<u64>();
    assert_eq!(ended + unfinished, 200, "{json}");
    assert_eq!(summary.active_at_end, summary.unfinished, "{json}");
    assert!((10..=30).contains(&unfinished), "{json}");
}

#[test]
fn every_status_and_direction_shown_equals_the_summary_zeros_included() {
    let (summary, m) = degraded_run();
    assert!(
        m.series_count("signalwire_call_events_total") >= 27,
        "{}",
        m.text
    );
    let mut checks = Checklist::default();
    let mut shown = 0;
    for s in m.samples("signalwire_call_events_total") {
        let key = format!("{}/{}", s.labels["status"], s.labels["direction"]);
        let sent = summary.events.get(&key).copied().unwrap_or(0);
        checks.eq(format!("events {key}"), s.value, sent as f64);
        shown += sent;
    }
    checks.eq("events, all", shown, summary.events.values().sum::<u64>());
}

#[test]
fn terminal_events_and_sip_codes_equal_the_summary() {
    let (summary, m) = degraded_run();
    let mut checks = Checklist::default();
    for (key, n) in &summary.terminal {
        let (status, direction) = key.split_once('/').unwrap();
        checks.that(
            format!("{key} is terminal"),
            CallStatus::parse(status).is_terminal(),
        );
        checks.eq(
            format!("a call's terminal event is unique: {key}"),
            summary.events[key],
            *n,
        );
        let codes = m.sum_matching(
            "signalwire_sip_responses_total",
            &[("status", status), ("direction", direction)],
        );
        checks.eq(format!("sip responses {key}"), codes, *n as f64);
    }
    for (code, n) in &summary.sip_responses {
        let shown = m.sum_matching("signalwire_sip_responses_total", &[("code", code)]);
        checks.eq(format!("code {code}"), shown, *n as f64);
    }
}

#[test]
fn audio_totals_equal_the_summary() {
    let (summary, m) = degraded_run();
    let mut checks = Checklist::default();
    for (name, matching, sent) in [
        (
            "signalwire_audio_in_packets_total",
            &[][..],
            summary.audio_in_packets,
        ),
        (
            "signalwire_audio_in_skipped_packets_total",
            &[],
            summary.audio_in_skipped_packets,
        ),
        (
            "signalwire_audio_in_mos_count",
            &[],
            summary.mos_observations,
        ),
        (
            "signalwire_audio_in_mos_bucket",
            &[("le", "3.5")],
            summary.mos_at_or_below_3_5,
        ),
    ] {
        checks.eq(name, m.sum_matching(name, matching), sent as f64);
    }
}

#[test]
fn webhook_outcomes_equal_the_summary_and_no_value_is_refused() {
    let (summary, m) = degraded_run();
    let mut checks = Checklist::default();
    checks.eq(
        "duplicates",
        m.outcome("duplicate"),
        summary.duplicates as f64,
    );
    checks.eq(
        "accepted",
        m.outcome("accepted"),
        (summary.deliveries - summary.duplicates) as f64,
    );
    checks.eq(
        "no request refused",
        m.sum("signalwire_exporter_webhooks_total"),
        summary.deliveries as f64,
    );
    checks.eq("every simulated field is valid", m.sum(INVALID_FIELDS), 0.0);
    checks.eq(
        "every simulated value is recognised",
        m.sum(UNRECOGNIZED_VALUES),
        0.0,
    );
}

/// Every bucket, `_count` and `_sum` of a delay histogram by direction.
fn check_delays(
    checks: &mut Checklist,
    m: &Metrics,
    name: &str,
    summary: &BTreeMap<String, simulator::Histogram>,
) {
    for (direction, h) in summary {
        let d = [("direction", direction.as_str())];
        checks.eq(
            format!("{name}_count {direction}"),
            m.value(&format!("{name}_count"), &d),
            h.count as f64,
        );
        checks.eq(
            format!("{name}_sum {direction}"),
            m.value(&format!("{name}_sum"), &d),
            h.sum as f64,
        );
        for (le, n) in &h.buckets.0 {
            let labels = bucket(&d, le);
            let shown = m.value(&format!("{name}_bucket"), &labels);
            checks.eq(format!("{name} {direction} le={le}"), shown, *n as f64);
        }
    }
    let observed: u64 = summary.values().map(|h| h.count).sum();
    checks.eq(
        format!("{name}_count, all"),
        m.sum(&format!("{name}_count")),
        observed as f64,
    );
}

#[test]
fn both_delays_equal_the_summary_bucket_by_bucket() {
    let (summary, m) = degraded_run();
    let mut checks = Checklist::default();
    checks.that(
        "post-dial delays observed",
        !summary.post_dial_delay.is_empty(),
    );
    check_delays(
        &mut checks,
        m,
        "signalwire_call_post_dial_delay_seconds",
        &summary.post_dial_delay,
    );
    check_delays(
        &mut checks,
        m,
        "signalwire_call_answer_delay_seconds",
        &summary.answer_delay,
    );
}

#[test]
fn quality_issues_calls_with_media_silent_calls_and_active_calls_equal_the_summary() {
    let (summary, m) = degraded_run();
    let mut checks = Checklist::default();
    let issues = "signalwire_call_quality_issues_total";
    for (key, n) in &summary.quality_issues {
        let (issue, direction) = key.split_once('/').unwrap();
        let labels = [("direction", direction), ("issue", issue)];
        checks.eq(format!("issue {key}"), m.value(issues, &labels), *n as f64);
    }
    let all: u64 = summary.quality_issues.values().sum();
    checks.eq("issues, all", m.sum(issues), all as f64);
    let media = "signalwire_calls_with_media_total";
    for (direction, n) in &summary.calls_with_media {
        let shown = m.value(media, &[("direction", direction)]);
        checks.eq(format!("with media {direction}"), shown, *n as f64);
    }
    let all: u64 = summary.calls_with_media.values().sum();
    checks.eq("with media, all", m.sum(media), all as f64);
    let silent = "signalwire_calls_silent_total";
    for (direction, n) in &summary.silent_calls {
        let shown = m.value(silent, &[("direction", direction)]);
        checks.eq(format!("silent {direction}"), shown, *n as f64);
    }
    let all: u64 = summary.silent_calls.values().sum();
    checks.that(format!("silent calls in {all}"), all > 0);
    checks.eq("silent, all", m.sum(silent), all as f64);
    let active = "signalwire_calls_active";
    for (direction, n) in &summary.active_at_end {
        let shown = m.value(active, &[("direction", direction)]);
        checks.eq(format!("active {direction}"), shown, *n as f64);
    }
    let all: u64 = summary.active_at_end.values().sum();
    checks.eq("active, all", m.sum(active), all as f64);
    // Within --calls.max-age nothing is unfinished yet.
    checks.eq(
        "unfinished",
        m.sum("signalwire_calls_unfinished_total"),
        0.0,
    );
}

#[tokio::test]
async fn calls_that_lost_their_terminal_event_are_unfinished_once_max_age_passes() {
    const MAX_AGE: Duration = Duration::from_secs(6);
    let mut settings = settings();
    settings.calls.max_age = MAX_AGE;
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(settings, &clock).await;
    let mut config = SimConfig::new(app.webhook(), SigningKey::new(KEY));
    config.seed = 7;
    config.calls = Some(60);
    config.rate = 5_000.0;
    config.lose_terminal_ratio = 0.2;
    let summary = simulator::run(config, std::future::pending()).await;
    let json = summary.to_json();
    assert!(summary.ok(), "{json}");
    let lost: u64 = summary.unfinished.values().sum();
    assert!(lost > 0, "{json}");
    let before = app.metrics().await;
    assert_eq!(
        before.sum("signalwire_calls_unfinished_total"),
        0.0,
        "{json}"
    );
    assert_eq!(before.sum("signalwire_calls_active"), lost as f64, "{json}");
    clock.advance(MAX_AGE);
    let after = app.metrics().await;
    let mut checks = Checklist::default();
    for (direction, n) in &summary.unfinished {
        let labels = [("direction", direction.as_str()), ("reason", "max_age")];
        let shown = after.value("signalwire_calls_unfinished_total", &labels);
        checks.eq(format!("unfinished {direction}"), shown, *n as f64);
    }
    checks.eq(
        "unfinished, all",
        after.sum("signalwire_calls_unfinished_total"),
        lost as f64,
    );
    checks.eq(
        "active once expired",
        after.sum("signalwire_calls_active"),
        0.0,
    );
}

#[tokio::test]
async fn a_wrong_key_is_counted_as_non_2xx() {
    let app = TestApp::spawn().await;
    let mut config = SimConfig::new(app.webhook(), SigningKey::new("wrong"));
    config.seed = 1;
    config.calls = Some(3);
    config.rate = 1_000.0;
    config.duplicate_ratio = 0.0;
    let summary = simulator::run(config, std::future::pending()).await;
    assert!(!summary.ok());
    assert_eq!(summary.non_2xx, summary.deliveries);
    assert!(summary.events.is_empty());
}

#[tokio::test]
async fn a_shutdown_stops_an_endless_run() {
    let app = TestApp::spawn().await;
    let mut config = SimConfig::new(app.webhook(), SigningKey::new(KEY));
    config.calls = None;
    config.rate = 200.0;
    let summary = tokio::time::timeout(
        Duration::from_secs(10),
        simulator::run(config, tokio::time::sleep(Duration::from_millis(300))),
    )
    .await
    .expect("stops soon after shutdown");
    assert!(summary.calls > 0 && summary.ok(), "{}", summary.to_json());
}

/// SignalWire signs the URL it calls, prefix included, so the webhook must
/// not rebuild the URL from the nested (prefix-stripped) request URI.
#[tokio::test]
async fn a_route_prefix_without_external_url_is_signed_with_the_prefix() {
    let mut settings = settings();
    settings.route_prefix = "/sw".into();
    settings.signed_url = SignedUrl::new(None, "/sw", false);
    let app = TestApp::spawn_with(settings).await;
    let mut config = SimConfig::new(app.url("/sw/status-callback"), SigningKey::new(KEY));
    config.seed = 2;
    config.calls = Some(3);
    config.rate = 1_000.0;
    let summary = simulator::run(config, std::future::pending()).await;
    assert!(summary.ok(), "{}", summary.to_json());
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let a = plan(Profile::Good, 300, 42);
    let b = plan(Profile::Good, 300, 42);
    assert_eq!(a, b);
    assert_ne!(a, plan(Profile::Good, 300, 43));
    // Call n does not depend on how many calls are planned, nor on the
    // duplicate ratio.
    assert_eq!(plan(Profile::Good, 10, 42)[..], a[..10]);
    let no_retries: Vec<_> = Generator::new(Profile::Good, 42)
        .duplicate_ratio(0.0)
        .take(300)
        .collect();
    for (x, y) in a.iter().zip(&no_retries) {
        assert_eq!((&x.call_sid, x.terminal), (&y.call_sid, y.terminal));
    }
    assert!(no_retries
        .iter()
        .flat_map(|c| &c.events)
        .all(|e| !e.duplicate));
}

/// Share of answered calls with MOS <= 3.5, and of calls not answered.
fn shares(profile: Profile) -> (f64, f64) {
    let calls = plan(profile, 4000, 9);
    let answered: Vec<_> = calls
        .iter()
        .filter(|c| c.terminal.media_packets > 0)
        .collect();
    let poor = answered.iter().filter(|c| c.terminal.mos <= 3.5).count();
    (
        poor as f64 / answered.len() as f64,
        1.0 - answered.len() as f64 / calls.len() as f64,
    )
}

#[test]
fn the_profiles_differ_in_quality_and_failures() {
    let (good_poor, good_failed) = shares(Profile::Good);
    let (degraded_poor, degraded_failed) = shares(Profile::Degraded);
    let (outage_poor, outage_failed) = shares(Profile::Outage);
    assert!(good_poor < 0.03, "good: {good_poor}");
    assert!((0.03..0.08).contains(&good_failed), "good: {good_failed}");
    assert!(
        (0.18..0.32).contains(&degraded_poor),
        "degraded: {degraded_poor}"
    );
    assert!(degraded_poor > 5.0 * good_poor.max(0.01));
    assert!(degraded_failed > 2.0 * good_failed);
    assert!(
        outage_poor > 0.5 && outage_failed > 0.8,
        "{outage_poor} {outage_failed}"
    );
    let failed_503 = plan(Profile::Outage, 1000, 3)
        .iter()
        .filter(|c| c.terminal.sip_code == 503)
        .count();
    assert!(failed_503 > 700, "{failed_503}");
}

#[test]
fn good_calls_sound_good() {
    let calls = plan(Profile::Good, 1000, 5);
    let mos: Vec<f64> = calls
        .iter()
        .filter(|c| c.terminal.media_packets > 0)
        .map(|c| c.terminal.mos)
        .collect();
    let median = {
        let mut m = mos.clone();
        m.sort_by(f64::total_cmp);
        m[m.len() / 2]
    };
    assert!((4.3..=4.5).contains(&median), "{median}");
    for c in &calls {
        let t = c.terminal;
        let fields: BTreeMap<_, _> = c.events.last().unwrap().params.iter().cloned().collect();
        assert_eq!(fields["SipResultCode"], t.sip_code.to_string());
        assert_eq!(
            fields["AudioInMediaPacketCount"],
            t.media_packets.to_string()
        );
        assert_eq!(fields["AudioInMos"].parse::<f64>().unwrap(), t.mos);
        // The remote party is anywhere; our own numbers are North American.
        let (own, remote) = match c.direction {
            signalwire_exporter::domain::Direction::Inbound => (&fields["To"], &fields["From"]),
            _ => (&fields["From"], &fields["To"]),
        };
        assert!(own.starts_with("+1") && own.len() == 12, "{own}");
        assert!(remote.starts_with('+'), "{remote}");
        let expected_sip: &[u16] = match t.status {
            CallStatus::Completed => &[200],
            CallStatus::Busy => &[486],
            CallStatus::NoAnswer => &[480, 408],
            CallStatus::Failed => &[404, 503],
            CallStatus::Canceled => &[487],
            s => panic!("not terminal: {s:?}"),
        };
        assert!(expected_sip.contains(&t.sip_code), "{t:?}");
    }
}

/// `--webhook both`: every other call as SWML call-state events. The
/// summary still equals /metrics: events (the answer as `answered`,
/// `outbound`), SIP codes and audio of the form calls only, both delays,
/// end reasons, and every request accepted by one of the two routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_split_between_both_webhooks_equals_the_metrics() {
    let app = TestApp::spawn().await;
    let mut config = SimConfig::new(app.webhook(), SigningKey::new(KEY));
    config.seed = 20_261_207;
    config.calls = Some(120);
    config.rate = 5_000.0;
    config.duplicate_ratio = 0.05;
    config.out_of_order_ratio = 0.2;
    config.webhook = simulator::Webhook::Both;
    let summary = simulator::run(config, std::future::pending()).await;
    assert!(summary.ok(), "{}", summary.to_json());
    let m = app.metrics().await;
    let mut checks = Checklist::default();
    for s in m.samples("signalwire_call_events_total") {
        let key = format!("{}/{}", s.labels["status"], s.labels["direction"]);
        let sent = summary.events.get(&key).copied().unwrap_or(0);
        checks.eq(format!("events {key}"), s.value, sent as f64);
    }
    checks.eq(
        "events, all",
        m.sum("signalwire_call_events_total"),
        summary.events.values().sum::<u64>() as f64,
    );
    checks.that(
        "answered events",
        summary.events.keys().any(|k| k.starts_with("answered/")),
    );
    checks.that(
        "outbound events",
        summary.events.keys().any(|k| k.ends_with("/outbound")),
    );
    for (code, n) in &summary.sip_responses {
        let shown = m.sum_matching("signalwire_sip_responses_total", &[("code", code)]);
        checks.eq(format!("code {code}"), shown, *n as f64);
    }
    checks.eq(
        "audio in packets",
        m.sum("signalwire_audio_in_packets_total"),
        summary.audio_in_packets as f64,
    );
    let post_dial = "signalwire_call_post_dial_delay_seconds";
    check_delays(&mut checks, &m, post_dial, &summary.post_dial_delay);
    let answer = "signalwire_call_answer_delay_seconds";
    check_delays(&mut checks, &m, answer, &summary.answer_delay);
    checks.that("end reasons", !summary.end_reasons.is_empty());
    for (key, n) in &summary.end_reasons {
        let (reason, direction) = key.split_once('/').unwrap();
        let labels = [("direction", direction), ("end_reason", reason)];
        let shown = m.value("signalwire_call_end_reasons_total", &labels);
        checks.eq(format!("end reason {key}"), shown, *n as f64);
    }
    let call_state = "signalwire_exporter_call_state_webhooks_total";
    let accepted = m.outcome("accepted") + m.value(call_state, &[("outcome", "accepted")]);
    let duplicate = m.outcome("duplicate") + m.value(call_state, &[("outcome", "duplicate")]);
    checks.eq(
        "accepted",
        accepted,
        (summary.deliveries - summary.duplicates) as f64,
    );
    checks.eq("duplicates", duplicate, summary.duplicates as f64);
    checks.that(
        "call-state requests",
        m.value(call_state, &[("outcome", "accepted")]) > 0.0,
    );
    checks.eq("nothing unrecognized", m.sum(UNRECOGNIZED_VALUES), 0.0);
}

/// A run of 300 degraded calls sent over `webhook` to an exporter with
/// `--labels.country`: its summary, the scrape, and the summary's JSON.
async fn country_run(webhook: simulator::Webhook) -> (Summary, Metrics, String) {
    use signalwire_exporter::domain::CountryLabels;
    let mut settings = settings();
    settings.calls.countries = Some(CountryLabels::all());
    let app = TestApp::spawn_with(settings).await;
    let mut config = SimConfig::new(app.webhook(), SigningKey::new(KEY));
    config.seed = 20_261_207;
    config.calls = Some(300);
    config.rate = 5_000.0;
    config.profile = Profile::Degraded;
    config.webhook = webhook;
    let summary = simulator::run(config, std::future::pending()).await;
    let json = summary.to_json();
    assert!(summary.ok(), "{json}");
    (summary, app.metrics().await, json)
}

/// The non-zero series of `signalwire_country_calls_ended_total`, keyed as
/// the summary keys them (every status of a country and direction is
/// created at once).
fn ended_by_country(m: &Metrics) -> BTreeMap<String, u64> {
    let mut shown = BTreeMap::new();
    for s in m.samples("signalwire_country_calls_ended_total") {
        let key = format!(
            "{}/{}/{}",
            s.labels["country"], s.labels["status"], s.labels["direction"]
        );
        if s.value > 0.0 {
            shown.insert(key, s.value as u64);
        }
    }
    shown
}

/// With `--labels.country`, the degraded run's calls ended by country equal
/// the summary's, and the bad calls are those of MX.
#[tokio::test]
async fn calls_ended_by_country_equal_the_summary_and_the_bad_ones_are_mexicos() {
    let (summary, m, json) = country_run(simulator::Webhook::StatusCallback).await;
    let mut checks = Checklist::default();
    let by_country = &summary.calls_ended_by_country;
    checks.eq("calls ended by country", &ended_by_country(&m), by_country);
    checks.eq("every call ended", by_country.values().sum::<u64>(), 300);
    // Low MOS: MX has most of them.
    let issues = "signalwire_country_call_quality_issues_total";
    let low = |country| m.sum_matching(issues, &[("country", country), ("issue", "low_mos")]);
    let all_low = m.sum_matching(issues, &[("issue", "low_mos")]);
    checks.that(
        format!("MX has {} of {all_low} low-MOS calls", low("MX")),
        low("MX") > 0.8 * all_low && all_low > 10.0,
    );
    checks.that(
        format!("no unknown country in {json}"),
        !json.contains("unknown/"),
    );
}

/// Call-state events carry the same numbers in `device.params`.
#[tokio::test]
async fn call_state_calls_ended_by_country_equal_the_summary() {
    let (summary, m, json) = country_run(simulator::Webhook::CallState).await;
    let shown = ended_by_country(&m);
    assert_eq!(shown, summary.calls_ended_by_country, "{json}");
    assert!(
        shown.keys().any(|k| k.starts_with("MX/failed/outbound")),
        "{json}"
    );
    assert!(!json.contains("unknown/"), "{json}");
}
