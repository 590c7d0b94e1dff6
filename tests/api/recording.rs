//! What one accepted callback adds to /metrics, exactly.

use crate::helpers::*;

#[tokio::test]
async fn terminal_form_event_records_every_metric_exactly() {
    let app = TestApp::spawn().await;
    let response = app.post_form(&completed_call("CA100")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.unwrap(), "");

    let m = app.metrics().await;
    let l = INBOUND_COMPLETED;
    assert_eq!(m.value("signalwire_call_events_total", l), 1.0);
    assert_eq!(m.sum("signalwire_call_events_total"), 1.0);
    assert_eq!(m.value("signalwire_audio_in_packets_total", l), 2829.0);
    assert_eq!(m.value("signalwire_audio_in_skipped_packets_total", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_flushed_packets_total", l), 2.0);
    assert_eq!(m.value("signalwire_audio_in_dtmf_packets_total", l), 4.0);
    assert_eq!(m.value("signalwire_audio_out_packets_total", l), 2712.0);
    assert_eq!(m.value("signalwire_audio_out_dtmf_packets_total", l), 0.0);
    assert_eq!(
        m.value(
            "signalwire_sip_responses_total",
            &[
                ("code", "200"),
                ("direction", "inbound"),
                ("status", "completed")
            ]
        ),
        1.0
    );

    assert_eq!(m.value("signalwire_audio_in_mos_count", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_mos_sum", l), 4.5);
    assert_eq!(
        m.value("signalwire_audio_in_mos_bucket", &bucket(l, "3.5")),
        0.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_bucket", &bucket(l, "4.4")),
        0.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_mos_bucket", &bucket(l, "4.5")),
        1.0
    );

    // 1 lost of 2830 expected packets.
    assert_eq!(
        m.value("signalwire_audio_in_packet_loss_ratio_sum", l),
        1.0 / 2830.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_packet_loss_ratio_bucket",
            &bucket(l, "0")
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_packet_loss_ratio_bucket",
            &bucket(l, "0.001")
        ),
        1.0
    );

    assert_eq!(
        m.value("signalwire_audio_in_jitter_max_variance_sum", l),
        85.95
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_jitter_max_variance_bucket",
            &bucket(l, "50")
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_jitter_max_variance_bucket",
            &bucket(l, "100")
        ),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_jitter_min_variance_sum", l),
        0.36
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_jitter_min_variance_bucket",
            &bucket(l, "0.1")
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_jitter_min_variance_bucket",
            &bucket(l, "0.5")
        ),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_largest_jitter_buffer_size_sum", l),
        3.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_largest_jitter_buffer_size_bucket",
            &bucket(l, "2")
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_largest_jitter_buffer_size_bucket",
            &bucket(l, "3")
        ),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_average_ptime_seconds_sum", l),
        0.02001
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_average_ptime_seconds_bucket",
            &bucket(l, "0.019")
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_audio_in_average_ptime_seconds_bucket",
            &bucket(l, "0.021")
        ),
        1.0
    );
    assert_eq!(m.value("signalwire_call_duration_seconds_sum", l), 57.0);
    assert_eq!(
        m.value("signalwire_call_duration_seconds_bucket", &bucket(l, "30")),
        0.0
    );
    assert_eq!(
        m.value("signalwire_call_duration_seconds_bucket", &bucket(l, "60")),
        1.0
    );
    assert_eq!(
        m.value("signalwire_recording_duration_seconds_count", l),
        0.0
    );

    // The Timestamp is from 2025: far older than the largest bucket.
    assert_eq!(
        m.value("signalwire_webhook_delivery_delay_seconds_count", &[]),
        1.0
    );
    assert_eq!(
        m.value(
            "signalwire_webhook_delivery_delay_seconds_bucket",
            &[("le", "3600")]
        ),
        0.0
    );

    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(m.sum("signalwire_exporter_invalid_fields_total"), 0.0);
    assert_eq!(m.sum("signalwire_exporter_unrecognized_values_total"), 0.0);
}

#[tokio::test]
async fn progress_events_count_but_record_no_call_totals() {
    let app = TestApp::spawn().await;
    for (seq, status) in [("0", "initiated"), ("1", "ringing"), ("2", "in-progress")] {
        // Even if a progress event carried totals, they are not final yet.
        let fields = with(
            with(completed_call("CA200"), "CallStatus", status),
            "SequenceNumber",
            seq,
        );
        assert_eq!(app.post_form(&fields).await.status(), 204);
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
    assert_eq!(m.sum("signalwire_audio_in_packets_total"), 0.0);
    assert_eq!(m.sum("signalwire_audio_in_mos_count"), 0.0);
    assert_eq!(m.sum("signalwire_sip_responses_total"), 0.0);
    assert_eq!(m.sum("signalwire_call_duration_seconds_count"), 0.0);
    // Delivery delay is observed for every accepted event.
    assert_eq!(
        m.value("signalwire_webhook_delivery_delay_seconds_count", &[]),
        3.0
    );
}

#[tokio::test]
async fn calls_without_media_have_no_quality_observations() {
    let app = TestApp::spawn().await;
    let fields = with(
        with(completed_call("CA300"), "AudioInMediaPacketCount", "0"),
        "AudioInMos",
        "garbage",
    );
    let fields = with(
        with(fields, "CallStatus", "no-answer"),
        "SipResultCode",
        "480",
    );
    assert_eq!(app.post_form(&fields).await.status(), 204);
    let m = app.metrics().await;
    let l = &[("direction", "inbound"), ("status", "no-answer")];
    assert_eq!(m.value("signalwire_audio_in_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_audio_in_skipped_packets_total", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_mos_count", l), 0.0);
    assert_eq!(
        m.value("signalwire_audio_in_packet_loss_ratio_count", l),
        0.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_jitter_max_variance_count", l),
        0.0
    );
    // MOS is not validated where it would not be recorded.
    assert_eq!(
        m.value(
            "signalwire_exporter_invalid_fields_total",
            &[("field", "AudioInMos")]
        ),
        0.0
    );
    assert_eq!(
        m.value(
            "signalwire_sip_responses_total",
            &[
                ("code", "480"),
                ("direction", "inbound"),
                ("status", "no-answer")
            ]
        ),
        1.0
    );
}

#[tokio::test]
async fn invalid_fields_are_counted_and_skipped_while_the_rest_counts() {
    let app = TestApp::spawn().await;
    let fields = completed_call("CA400");
    let fields = with(fields, "AudioInMos", "7");
    let fields = with(fields, "AudioInJitterMaxVariance", "NaN");
    let fields = with(fields, "AudioInDtmfPacketCount", "-1");
    let fields = with(fields, "CallDuration", "1e400");
    let fields = with(fields, "Timestamp", "yesterday");
    let fields = with(fields, "RecordingDuration", "");
    assert_eq!(app.post_form(&fields).await.status(), 204);

    let m = app.metrics().await;
    let invalid = |f| m.value("signalwire_exporter_invalid_fields_total", &[("field", f)]);
    assert_eq!(invalid("AudioInMos"), 1.0);
    assert_eq!(invalid("AudioInJitterMaxVariance"), 1.0);
    assert_eq!(invalid("AudioInDtmfPacketCount"), 1.0);
    assert_eq!(invalid("CallDuration"), 1.0);
    assert_eq!(invalid("Timestamp"), 1.0);
    assert_eq!(
        invalid("RecordingDuration"),
        0.0,
        "empty is absent, not invalid"
    );
    assert_eq!(m.sum("signalwire_exporter_invalid_fields_total"), 5.0);

    let l = INBOUND_COMPLETED;
    assert_eq!(m.value("signalwire_call_events_total", l), 1.0);
    assert_eq!(m.value("signalwire_audio_in_packets_total", l), 2829.0);
    assert_eq!(m.value("signalwire_audio_in_dtmf_packets_total", l), 0.0);
    assert_eq!(m.value("signalwire_audio_in_mos_count", l), 0.0);
    assert_eq!(
        m.value("signalwire_audio_in_jitter_max_variance_count", l),
        0.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_jitter_min_variance_count", l),
        1.0
    );
    assert_eq!(m.value("signalwire_call_duration_seconds_count", l), 0.0);
    assert_eq!(
        m.value("signalwire_webhook_delivery_delay_seconds_count", &[]),
        0.0
    );

    // An invalid media count means no quality observations and no loss ratio.
    let fields = with(completed_call("CA401"), "AudioInMediaPacketCount", "lots");
    assert_eq!(app.post_form(&fields).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value(
            "signalwire_exporter_invalid_fields_total",
            &[("field", "AudioInMediaPacketCount")]
        ),
        1.0
    );
    assert_eq!(m.value("signalwire_audio_in_mos_count", l), 0.0);
    assert_eq!(
        m.value("signalwire_audio_in_packet_loss_ratio_count", l),
        1.0
    );
}

#[tokio::test]
async fn future_timestamps_count_as_zero_delay() {
    let app = TestApp::spawn().await;
    let fields = with(
        completed_call("CA500"),
        "Timestamp",
        "Fri, 01 Jan 2100 00:00:00 +0000",
    );
    assert_eq!(app.post_form(&fields).await.status(), 204);
    let m = app.metrics().await;
    assert_eq!(
        m.value(
            "signalwire_webhook_delivery_delay_seconds_bucket",
            &[("le", "0.05")]
        ),
        1.0
    );
    assert_eq!(
        m.value("signalwire_webhook_delivery_delay_seconds_sum", &[]),
        0.0
    );
}

#[tokio::test]
async fn unknown_values_become_other_and_are_counted() {
    let app = TestApp::spawn().await;
    let fields = with(completed_call("CA600"), "CallStatus", "exploded");
    assert_eq!(app.post_form(&fields).await.status(), 204);
    let fields = with(
        without(completed_call("CA601"), "Direction"),
        "SipResultCode",
        "7xx",
    );
    assert_eq!(app.post_form(&fields).await.status(), 204);
    let fields = with(
        with(completed_call("CA602"), "Direction", "Inbound"),
        "SipResultCode",
        "999",
    );
    assert_eq!(app.post_form(&fields).await.status(), 204);

    let m = app.metrics().await;
    assert_eq!(
        m.value(
            "signalwire_call_events_total",
            &[("direction", "inbound"), ("status", "other")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "signalwire_call_events_total",
            &[("direction", "other"), ("status", "completed")]
        ),
        2.0
    );
    // An unknown status is not terminal: no totals, no SIP code.
    assert_eq!(
        m.get(
            "signalwire_audio_in_packets_total",
            &[("direction", "inbound"), ("status", "other")]
        ),
        None
    );
    assert_eq!(
        m.value(
            "signalwire_sip_responses_total",
            &[
                ("code", "other"),
                ("direction", "other"),
                ("status", "completed")
            ]
        ),
        2.0
    );
    let unrecognized = |f| {
        m.value(
            "signalwire_exporter_unrecognized_values_total",
            &[("field", f)],
        )
    };
    assert_eq!(unrecognized("CallStatus"), 1.0);
    assert_eq!(unrecognized("Direction"), 2.0);
    assert_eq!(unrecognized("SipResultCode"), 2.0);
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

#[tokio::test]
async fn every_label_combination_is_its_own_series() {
    let app = TestApp::spawn().await;
    let statuses = [
        "queued",
        "initiated",
        "ringing",
        "in-progress",
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
        "zzz",
    ];
    let directions = ["inbound", "outbound-api", "outbound-dial", "zzz"];
    let mut sent = 0;
    for (i, status) in statuses.iter().enumerate() {
        for (j, direction) in directions.iter().enumerate() {
            // n events for combination n, so a merged series cannot hide.
            for k in 0..=(i * directions.len() + j) {
                let sid: &'static str = Box::leak(format!("CA{i}-{j}-{k}").into_boxed_str());
                let fields = with(
                    with(
                        with(completed_call(sid), "CallStatus", status),
                        "Direction",
                        direction,
                    ),
                    "SipResultCode",
                    "200",
                );
                assert_eq!(app.post_form(&fields).await.status(), 204);
                sent += 1;
            }
        }
    }
    let m = app.metrics().await;
    assert_eq!(m.sum("signalwire_call_events_total"), f64::from(sent));
    assert_eq!(m.series_count("signalwire_call_events_total"), 40);
    for (i, status) in statuses.iter().enumerate() {
        for (j, direction) in directions.iter().enumerate() {
            let status = if *status == "zzz" { "other" } else { status };
            let direction = if *direction == "zzz" {
                "other"
            } else {
                direction
            };
            let expected = (i * directions.len() + j + 1) as f64;
            let l = &[("direction", direction), ("status", status)];
            assert_eq!(
                m.value("signalwire_call_events_total", l),
                expected,
                "{l:?}"
            );
            if ["completed", "busy", "failed", "no-answer", "canceled"].contains(&status) {
                assert_eq!(
                    m.value("signalwire_audio_in_packets_total", l),
                    expected * 2829.0,
                    "{l:?}"
                );
                assert_eq!(
                    m.value("signalwire_audio_in_mos_count", l),
                    expected,
                    "{l:?}"
                );
            } else {
                assert_eq!(m.get("signalwire_audio_in_packets_total", l), None, "{l:?}");
            }
        }
    }
}
