//! Properties (proptest): decoding never panics on any bytes or query, and
//! form decoding agrees with the WHATWG parser; any
//! valid terminal event, signed, moves the counters by exactly its values,
//! checked through the router in-process (`oneshot`, a fresh state per case)
//! and over real HTTP (one server, deltas).

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use time::OffsetDateTime;
use tower::ServiceExt;

use crate::support::*;

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Failures print their minimal case; nothing is written into tests/.
        failure_persistence: None,
        ..Config::default()
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Bytes that look like form data or JSON more often than uniform bytes do.
fn payload_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[a-zA-Z0-9%&=+._-]{0,300}".prop_map(String::into_bytes),
        r#"[{}\[\]":,0-9eE.+\-a-zA-Z\\ ]{0,300}"#.prop_map(String::into_bytes),
        (
            proptest::collection::vec(("[A-Za-z]{1,24}", "[ -~]{0,24}"), 0..30),
            any::<bool>()
        )
            .prop_map(|(pairs, json)| {
                if json {
                    let body: Vec<String> =
                        pairs.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
                    format!("{{{}}}", body.join(",")).into_bytes()
                } else {
                    Callback::of(pairs).form().into_bytes()
                }
            }),
    ]
}

#[test]
fn decoding_and_recording_any_bytes_never_panics() {
    let recorder = Recorder::new(true);
    let calls = CallState::new(&CallsConfig::default());
    recorder.register(calls.collector());
    let now = OffsetDateTime::now_utc();
    TestRunner::new(config(2048))
        .run(&payload_bytes(), |bytes| {
            for params in [Params::from_form(&bytes), Params::from_json(&bytes)]
                .into_iter()
                .flatten()
            {
                if let Ok(event) = StatusEvent::parse(&params) {
                    let effects = calls.record(&event, &params, now);
                    recorder.record(&event, &effects, now);
                }
            }
            Ok(())
        })
        .unwrap();
    // And what was recorded still renders as a valid exposition.
    Metrics::parse(&recorder.render());
}

/// The in-place form decoder agrees with the WHATWG parser
/// (`form_urlencoded`, behind serde_urlencoded) wherever the decoded text is
/// valid UTF-8, and refuses exactly the inputs that parser would have had to
/// patch with U+FFFD.
#[test]
fn form_decoding_agrees_with_the_whatwg_parser() {
    TestRunner::new(config(2048))
        .run(&payload_bytes(), |bytes| {
            let reference: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&bytes).expect("WHATWG parsing is total");
            let mut buffer = bytes.clone();
            match Params::decode_form(&mut buffer) {
                Ok(params) => {
                    let ours: Vec<(String, String)> = params
                        .iter()
                        .map(|(n, v)| (n.to_owned(), v.as_text().unwrap().to_owned()))
                        .collect();
                    prop_assert_eq!(ours, reference);
                }
                Err(_) => {
                    let patched = reference
                        .iter()
                        .any(|(n, v)| n.contains('\u{FFFD}') || v.contains('\u{FFFD}'));
                    prop_assert!(patched, "refused a body the WHATWG parser decodes cleanly");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Any request to the webhook through the real router: one of its
/// documented statuses, never a panic.
#[test]
fn any_request_through_the_router_gets_a_documented_status() {
    let rt = current_thread();
    let mut settings = settings();
    settings.max_body_bytes = 1024;
    let app = router(&settings, AppState::new(&settings));
    let strategy = (
        prop_oneof![Just(Wire::Form), Just(Wire::Json), Just(Wire::Get)],
        payload_bytes(),
        proptest::option::of("[ -~]{0,200}"),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    );
    TestRunner::new(config(512))
        .run(&strategy, |(kind, body, query, signature)| {
            let target = match &query {
                // Percent-encode what a request target cannot carry.
                Some(q) => format!(
                    "/status-callback?{}",
                    percent_encoding::utf8_percent_encode(q, percent_encoding::CONTROLS)
                        .to_string()
                        .replace(
                            ['#', ' ', '"', '<', '>', '`', '{', '}', '|', '\\', '^'],
                            "%25"
                        )
                ),
                None => "/status-callback".to_owned(),
            };
            let mut b = Request::builder().uri(&target).header("host", "prop.local");
            b = match kind {
                Wire::Get => b.method(Method::GET),
                Wire::Form => b
                    .method(Method::POST)
                    .header("content-type", "application/x-www-form-urlencoded"),
                Wire::Json => b
                    .method(Method::POST)
                    .header("content-type", "application/json"),
            };
            if let Some(sig) = &signature {
                if let Ok(v) = axum::http::HeaderValue::from_bytes(sig) {
                    b = b.header("x-signalwire-signature", v);
                }
            }
            let Ok(request) = b.body(Body::from(body)) else {
                // A target the http crate refuses never reaches a server.
                return Ok(());
            };
            let status = rt.block_on(app.clone().oneshot(request)).unwrap().status();
            prop_assert!(
                [204, 400, 403, 405, 408, 413, 415].contains(&status.as_u16()),
                "{status}"
            );
            Ok(())
        })
        .unwrap();
}

/// A valid terminal event.
#[derive(Debug, Clone)]
struct Event {
    status: &'static str,
    direction: &'static str,
    media: u64,
    skipped: u64,
    flushed: u64,
    dtmf: u64,
    out: u64,
    out_dtmf: u64,
    /// Hundredths, 100..=500.
    mos: Option<u32>,
    duration: u32,
    sip: u16,
    encoding: Wire,
}

fn terminal_event() -> impl Strategy<Value = Event> {
    let counts = (
        prop_oneof![1 => Just(0u64), 4 => 1..=1_000_000_000u64],
        0..=100_000u64,
        0..=100_000u64,
        0..=1000u64,
        0..=1_000_000_000u64,
        0..=1000u64,
    );
    (
        prop::sample::select(vec!["completed", "busy", "failed", "no-answer", "canceled"]),
        prop::sample::select(vec!["inbound", "outbound-api", "outbound-dial", "sideways"]),
        counts,
        proptest::option::of(100..=500u32),
        0..=86_400u32,
        100..=699u16,
        prop_oneof![Just(Wire::Form), Just(Wire::Json), Just(Wire::Get)],
    )
        .prop_map(
            |(
                status,
                direction,
                (media, skipped, flushed, dtmf, out, out_dtmf),
                mos,
                duration,
                sip,
                encoding,
            )| {
                Event {
                    status,
                    direction,
                    media,
                    skipped,
                    flushed,
                    dtmf,
                    out,
                    out_dtmf,
                    mos,
                    duration,
                    sip,
                    encoding,
                }
            },
        )
}

impl Event {
    fn mos_text(&self) -> Option<String> {
        self.mos.map(|m| format!("{}.{:02}", m / 100, m % 100))
    }

    fn callback(&self, call_sid: &str) -> Callback {
        let c = Callback::of([
            ("CallSid", call_sid.to_owned()),
            ("CallStatus", self.status.to_owned()),
            ("Direction", self.direction.to_owned()),
            ("AudioInMediaPacketCount", self.media.to_string()),
            ("AudioInSkipPacketCount", self.skipped.to_string()),
            ("AudioInFlushPacketCount", self.flushed.to_string()),
            ("AudioInDtmfPacketCount", self.dtmf.to_string()),
            ("AudioOutMediaPacketCount", self.out.to_string()),
            ("AudioOutDtmfPacketCount", self.out_dtmf.to_string()),
            ("CallDuration", self.duration.to_string()),
            ("SipResultCode", self.sip.to_string()),
        ]);
        match self.mos_text() {
            Some(m) => c.with("AudioInMos", m),
            None => c,
        }
    }

    fn labels(&self) -> [(&'static str, &'static str); 2] {
        let direction = match self.direction {
            "sideways" => "other",
            d => d,
        };
        [("direction", direction), ("status", self.status)]
    }

    /// The event to `base_url` (scheme and host) as `call_sid`, signed;
    /// in JSON, numbers as JSON numbers and text (the SIP code) as strings.
    fn request(&self, key: &SigningKey, base_url: &str, call_sid: &str) -> Signed {
        let url = format!("{base_url}/status-callback");
        let callback = self.callback(call_sid);
        match self.encoding {
            Wire::Json => {
                let body = callback.json_with_numbers(|name| name != "SipResultCode");
                Signed::json(key, &url, body)
            }
            wire => Signed::callback(key, &url, wire, &callback),
        }
    }

    /// Asserts the counters moved from `before` to `after` by exactly this
    /// event's values. Histogram sums are compared only when `fresh`
    /// (a running float sum need not difference back exactly).
    fn check(&self, before: Option<&Metrics>, after: &Metrics) -> Result<(), TestCaseError> {
        let l = self.labels();
        let delta = |name: &str| {
            let was = before.map_or(0.0, |b| b.get(name, &l).unwrap_or(0.0));
            after.get(name, &l).unwrap_or(0.0) - was
        };
        let counter = |name: &str, expected: u64| -> Result<(), TestCaseError> {
            prop_assert_eq!(delta(name), expected as f64, "{}", name);
            Ok(())
        };
        counter("signalwire_call_events_total", 1)?;
        counter("signalwire_audio_in_packets_total", self.media)?;
        counter("signalwire_audio_in_skipped_packets_total", self.skipped)?;
        counter("signalwire_audio_in_flushed_packets_total", self.flushed)?;
        counter("signalwire_audio_in_dtmf_packets_total", self.dtmf)?;
        counter("signalwire_audio_out_packets_total", self.out)?;
        counter("signalwire_audio_out_dtmf_packets_total", self.out_dtmf)?;
        counter("signalwire_call_duration_seconds_count", 1)?;
        let with_media = self.media > 0;
        counter(
            "signalwire_audio_in_mos_count",
            u64::from(with_media && self.mos.is_some()),
        )?;
        counter(
            "signalwire_audio_in_packet_loss_ratio_count",
            u64::from(with_media),
        )?;
        let code = self.sip.to_string();
        let sip_labels = [l[0], l[1], ("code", code.as_str())];
        let sip_before = before.map_or(0.0, |b| {
            b.get("signalwire_sip_responses_total", &sip_labels)
                .unwrap_or(0.0)
        });
        prop_assert_eq!(
            after.value("signalwire_sip_responses_total", &sip_labels) - sip_before,
            1.0
        );
        if before.is_none() {
            prop_assert_eq!(
                after.value("signalwire_call_duration_seconds_sum", &l),
                f64::from(self.duration)
            );
            if with_media {
                if let Some(m) = self.mos {
                    prop_assert_eq!(
                        after.value("signalwire_audio_in_mos_sum", &l),
                        f64::from(m) / 100.0
                    );
                }
                let (m, s) = (self.media as f64, self.skipped as f64);
                prop_assert_eq!(
                    after.value("signalwire_audio_in_packet_loss_ratio_sum", &l),
                    s / (m + s)
                );
            }
            prop_assert_eq!(after.outcome("accepted"), 1.0);
            prop_assert_eq!(after.sum(INVALID_FIELDS), 0.0);
        }
        Ok(())
    }
}

#[test]
fn a_signed_terminal_event_moves_the_counters_by_its_values_in_process() {
    let rt = current_thread();
    let key = SigningKey::new(KEY);
    TestRunner::new(config(256))
        .run(&terminal_event(), |event| {
            // A fresh exporter per case: every value is exactly the event's.
            let settings = settings();
            let state = AppState::new(&settings);
            let app = router(&settings, state.clone());
            let request = event.request(&key, "http://prop.local", "CA-PROP");
            let response = rt.block_on(app.oneshot(request.http_request())).unwrap();
            let status = response.status();
            let text = rt
                .block_on(response.into_body().collect())
                .unwrap()
                .to_bytes();
            prop_assert_eq!(status.as_u16(), 204, "{:?}", text);
            event.check(None, &Metrics::parse(&state.recorder.render()))
        })
        .unwrap();
}

#[test]
fn a_signed_terminal_event_moves_the_counters_by_its_values_over_http() {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn());
    let base = format!("http://{}", app.addr);
    TestRunner::new(config(64))
        .run(&terminal_event(), |event| {
            let sid = format!("CA-HTTP-{}", NEXT.fetch_add(1, Ordering::Relaxed));
            let request = event.request(&app.key, &base, &sid);
            rt.block_on(async {
                let before = app.metrics().await;
                let r = app.send(&request).await;
                prop_assert_eq!(r.status().as_u16(), 204);
                let after = app.metrics().await;
                event.check(Some(&before), &after)
            })
        })
        .unwrap();
}
