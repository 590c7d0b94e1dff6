//! What one accepted callback adds to /metrics, exactly.

use crate::support::*;

/// The series of the captured terminal event (`Callback::completed`), a
/// row each: a wrong value shows beside every other wrong value.
#[tokio::test]
async fn a_terminal_form_event_records_every_metric_exactly() {
    let app = TestApp::spawn().await;
    let response = app.post_form(&Callback::completed("CA100")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.unwrap(), "");

    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    let sip: &[(&str, &str)] = &[
        ("code", "200"),
        ("direction", "inbound"),
        ("status", "completed"),
    ];
    let b = |le| bucket(l, le);
    m.check(&[
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 2829.0),
        ("signalwire_audio_in_skipped_packets_total", l, 1.0),
        ("signalwire_audio_in_flushed_packets_total", l, 2.0),
        ("signalwire_audio_in_dtmf_packets_total", l, 4.0),
        ("signalwire_audio_out_packets_total", l, 2712.0),
        ("signalwire_audio_out_dtmf_packets_total", l, 0.0),
        ("signalwire_sip_responses_total", sip, 1.0),
        ("signalwire_audio_in_mos_count", l, 1.0),
        ("signalwire_audio_in_mos_sum", l, 4.5),
        ("signalwire_audio_in_mos_bucket", &b("3.5"), 0.0),
        ("signalwire_audio_in_mos_bucket", &b("4.4"), 0.0),
        ("signalwire_audio_in_mos_bucket", &b("4.5"), 1.0),
        // 1 lost of 2830 expected packets.
        ("signalwire_audio_in_packet_loss_ratio_sum", l, 1.0 / 2830.0),
        ("signalwire_audio_in_packet_loss_ratio_bucket", &b("0"), 0.0),
        (
            "signalwire_audio_in_packet_loss_ratio_bucket",
            &b("0.001"),
            1.0,
        ),
        ("signalwire_audio_in_jitter_max_variance_sum", l, 85.95),
        (
            "signalwire_audio_in_jitter_max_variance_bucket",
            &b("50"),
            0.0,
        ),
        (
            "signalwire_audio_in_jitter_max_variance_bucket",
            &b("100"),
            1.0,
        ),
        ("signalwire_audio_in_jitter_min_variance_sum", l, 0.36),
        (
            "signalwire_audio_in_jitter_min_variance_bucket",
            &b("0.1"),
            0.0,
        ),
        (
            "signalwire_audio_in_jitter_min_variance_bucket",
            &b("0.5"),
            1.0,
        ),
        ("signalwire_audio_in_largest_jitter_buffer_size_sum", l, 3.0),
        (
            "signalwire_audio_in_largest_jitter_buffer_size_bucket",
            &b("2"),
            0.0,
        ),
        (
            "signalwire_audio_in_largest_jitter_buffer_size_bucket",
            &b("3"),
            1.0,
        ),
        ("signalwire_audio_in_average_ptime_seconds_sum", l, 0.02001),
        (
            "signalwire_audio_in_average_ptime_seconds_bucket",
            &b("0.019"),
            0.0,
        ),
        (
            "signalwire_audio_in_average_ptime_seconds_bucket",
            &b("0.021"),
            1.0,
        ),
        ("signalwire_call_duration_seconds_sum", l, 57.0),
        ("signalwire_call_duration_seconds_bucket", &b("30"), 0.0),
        ("signalwire_call_duration_seconds_bucket", &b("60"), 1.0),
        ("signalwire_recording_duration_seconds_count", l, 0.0),
        // The Timestamp is from 2025: far older than the largest bucket.
        ("signalwire_webhook_delivery_delay_seconds_count", &[], 1.0),
        (
            "signalwire_webhook_delivery_delay_seconds_bucket",
            &[("le", "3600")],
            0.0,
        ),
    ]);
    let mut checks = Checklist::default();
    checks.eq(
        "events, all series",
        m.sum("signalwire_call_events_total"),
        1.0,
    );
    checks.eq("accepted", m.outcome("accepted"), 1.0);
    for name in [INVALID_FIELDS, UNRECOGNIZED_VALUES] {
        checks.eq(name, m.sum(name), 0.0);
    }
}

#[tokio::test]
async fn progress_events_count_but_record_no_call_totals() {
    let app = TestApp::spawn().await;
    for (seq, status) in [("0", "initiated"), ("1", "ringing"), ("2", "in-progress")] {
        // Even if a progress event carried totals, they are not final yet.
        let call = Callback::completed("CA200")
            .with("CallStatus", status)
            .with("SequenceNumber", seq);
        assert_eq!(app.post_form(&call).await.status(), 204);
    }
    let m = app.metrics().await;
    for status in ["initiated", "ringing", "in-progress"] {
        assert_eq!(
            m.value(
                "signalwire_call_events_total",
                &[("direction", "inbound"), ("status", status)]
            ),
            1.0
        );
    }
    let mut checks = Checklist::default();
    for name in [
        "signalwire_audio_in_packets_total",
        "signalwire_audio_in_mos_count",
        "signalwire_sip_responses_total",
        "signalwire_call_duration_seconds_count",
    ] {
        checks.eq(name, m.sum(name), 0.0);
    }
    // Delivery delay is observed for every accepted event.
    checks.eq(
        "delivery delays",
        m.value("signalwire_webhook_delivery_delay_seconds_count", &[]),
        3.0,
    );
}

#[tokio::test]
async fn calls_without_media_have_no_quality_observations() {
    let app = TestApp::spawn().await;
    let call = Callback::completed("CA300")
        .with("AudioInMediaPacketCount", "0")
        .with("AudioInMos", "garbage")
        .with("CallStatus", "no-answer")
        .with("SipResultCode", "480");
    assert_eq!(app.post_form(&call).await.status(), 204);
    let m = app.metrics().await;
    let l: &[(&str, &str)] = &[("direction", "inbound"), ("status", "no-answer")];
    m.check(&[
        ("signalwire_audio_in_packets_total", l, 0.0),
        ("signalwire_audio_in_skipped_packets_total", l, 1.0),
        ("signalwire_audio_in_mos_count", l, 0.0),
        ("signalwire_audio_in_packet_loss_ratio_count", l, 0.0),
        ("signalwire_audio_in_jitter_max_variance_count", l, 0.0),
        // MOS is not validated where it would not be recorded.
        (INVALID_FIELDS, &[("field", "AudioInMos")], 0.0),
        (
            "signalwire_sip_responses_total",
            &[
                ("code", "480"),
                ("direction", "inbound"),
                ("status", "no-answer"),
            ],
            1.0,
        ),
    ]);
}

#[tokio::test]
async fn invalid_fields_are_counted_and_skipped_while_the_rest_counts() {
    let app = TestApp::spawn().await;
    let call = Callback::completed("CA400")
        .with("AudioInMos", "7")
        .with("AudioInJitterMaxVariance", "NaN")
        .with("AudioInDtmfPacketCount", "-1")
        .with("CallDuration", "1e400")
        .with("Timestamp", "yesterday")
        .with("RecordingDuration", "");
    assert_eq!(app.post_form(&call).await.status(), 204);

    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    m.check(&[
        (INVALID_FIELDS, &[("field", "AudioInMos")], 1.0),
        (
            INVALID_FIELDS,
            &[("field", "AudioInJitterMaxVariance")],
            1.0,
        ),
        (INVALID_FIELDS, &[("field", "AudioInDtmfPacketCount")], 1.0),
        (INVALID_FIELDS, &[("field", "CallDuration")], 1.0),
        (INVALID_FIELDS, &[("field", "Timestamp")], 1.0),
        // Empty is absent, not invalid.
        (INVALID_FIELDS, &[("field", "RecordingDuration")], 0.0),
        ("signalwire_call_events_total", l, 1.0),
        ("signalwire_audio_in_packets_total", l, 2829.0),
        ("signalwire_audio_in_dtmf_packets_total", l, 0.0),
        ("signalwire_audio_in_mos_count", l, 0.0),
        ("signalwire_audio_in_jitter_max_variance_count", l, 0.0),
        ("signalwire_audio_in_jitter_min_variance_count", l, 1.0),
        // Media and skipped counts are valid: the loss ratio is observed.
        ("signalwire_audio_in_packet_loss_ratio_count", l, 1.0),
        ("signalwire_call_duration_seconds_count", l, 0.0),
        ("signalwire_webhook_delivery_delay_seconds_count", &[], 0.0),
    ]);
    assert_eq!(m.sum(INVALID_FIELDS), 5.0);
}

#[tokio::test]
async fn an_invalid_media_count_means_no_quality_observations_and_no_loss_ratio() {
    let app = TestApp::spawn().await;
    let call = Callback::completed("CA401").with("AudioInMediaPacketCount", "lots");
    assert_eq!(app.post_form(&call).await.status(), 204);
    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    m.check(&[
        (INVALID_FIELDS, &[("field", "AudioInMediaPacketCount")], 1.0),
        ("signalwire_audio_in_mos_count", l, 0.0),
        ("signalwire_audio_in_jitter_max_variance_count", l, 0.0),
        ("signalwire_audio_in_packet_loss_ratio_count", l, 0.0),
    ]);
}

#[tokio::test]
async fn future_timestamps_count_as_zero_delay() {
    let app = TestApp::spawn().await;
    let call = Callback::completed("CA500").with("Timestamp", "Fri, 01 Jan 2100 00:00:00 +0000");
    assert_eq!(app.post_form(&call).await.status(), 204);
    let m = app.metrics().await;
    m.check(&[
        (
            "signalwire_webhook_delivery_delay_seconds_bucket",
            &[("le", "0.05")],
            1.0,
        ),
        ("signalwire_webhook_delivery_delay_seconds_sum", &[], 0.0),
    ]);
}

#[tokio::test]
async fn unknown_values_become_other_and_are_counted() {
    let app = TestApp::spawn().await;
    for call in [
        Callback::completed("CA600").with("CallStatus", "exploded"),
        Callback::completed("CA601")
            .without("Direction")
            .with("SipResultCode", "7xx"),
        Callback::completed("CA602")
            .with("Direction", "Inbound")
            .with("SipResultCode", "999"),
    ] {
        assert_eq!(app.post_form(&call).await.status(), 204);
    }

    let m = app.metrics().await;
    m.check(&[
        (
            "signalwire_call_events_total",
            &[("direction", "inbound"), ("status", "other")],
            1.0,
        ),
        (
            "signalwire_call_events_total",
            &[("direction", "other"), ("status", "completed")],
            2.0,
        ),
        (
            "signalwire_sip_responses_total",
            &[
                ("code", "other"),
                ("direction", "other"),
                ("status", "completed"),
            ],
            2.0,
        ),
        (UNRECOGNIZED_VALUES, &[("field", "CallStatus")], 1.0),
        (UNRECOGNIZED_VALUES, &[("field", "Direction")], 2.0),
        (UNRECOGNIZED_VALUES, &[("field", "SipResultCode")], 2.0),
    ]);
    // An unknown status is not terminal: no totals, no SIP code.
    assert_eq!(
        m.get(
            "signalwire_audio_in_packets_total",
            &[("direction", "inbound"), ("status", "other")]
        ),
        None
    );
    // No payload value ever became a label value. (Sample values are not
    // checked: the delivery-delay sum can contain "999" by chance.)
    let leaked: Vec<&str> = m
        .label_values()
        .filter(|v| ["exploded", "7xx", "999"].iter().any(|bad| v.contains(bad)))
        .collect();
    assert!(
        leaked.is_empty(),
        "payload values became labels: {leaked:?}"
    );
}

const STATUSES: [&str; 11] = [
    "queued",
    "initiated",
    "ringing",
    "answered",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
    "zzz",
];
const DIRECTIONS: [&str; 4] = ["inbound", "outbound-api", "outbound-dial", "zzz"];

#[tokio::test]
async fn every_label_combination_is_its_own_series() {
    let app = TestApp::spawn().await;
    let mut sent = 0;
    for (i, status) in STATUSES.iter().enumerate() {
        for (j, direction) in DIRECTIONS.iter().enumerate() {
            // n events for combination n, so a merged series cannot hide.
            for k in 0..=(i * DIRECTIONS.len() + j) {
                let call = Callback::completed(format!("CA{i}-{j}-{k}"))
                    .with("CallStatus", *status)
                    .with("Direction", *direction)
                    .with("SipResultCode", "200");
                assert_eq!(app.post_form(&call).await.status(), 204);
                sent += 1;
            }
        }
    }
    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_call_events_total"), f64::from(sent));
    assert_eq!(m.series_count("signalwire_call_events_total"), 44);
    let mut checks = Checklist::default();
    let other = |v: &'static str| if v == "zzz" { "other" } else { v };
    for (i, status) in STATUSES.map(other).iter().enumerate() {
        for (j, direction) in DIRECTIONS.map(other).iter().enumerate() {
            let n = (i * DIRECTIONS.len() + j + 1) as f64;
            let l = &[("direction", *direction), ("status", *status)];
            let terminal =
                ["completed", "busy", "failed", "no-answer", "canceled"].contains(status);
            checks.eq(
                format!("events {l:?}"),
                m.get("signalwire_call_events_total", l),
                Some(n),
            );
            checks.eq(
                format!("packets {l:?}"),
                m.get("signalwire_audio_in_packets_total", l),
                terminal.then_some(n * 2829.0),
            );
            checks.eq(
                format!("MOS count {l:?}"),
                m.get("signalwire_audio_in_mos_count", l),
                terminal.then_some(n),
            );
        }
    }
}
