//! Turns accepted events into Prometheus series, and renders them.
//!
//! Every label set is closed (see `domain::labels`), so each series has a
//! fixed slot: the webhook path finds its counters and histograms by index
//! and touches only atomics, never a lock that a scrape holds.

use std::sync::OnceLock;

use prometheus::core::Collector;
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, Opts, Registry,
    TextEncoder,
};
use time::OffsetDateTime;

use crate::domain::{CallStatus, Count, Direction, Field, Outcome, Reading, SipCode, StatusEvent};

const CALL_LABELS: &[&str] = &["status", "direction"];

pub const MOS_BUCKETS: &[f64] = &[1.0, 2.0, 2.6, 3.1, 3.5, 3.6, 4.0, 4.2, 4.3, 4.4, 4.5];
pub const LOSS_BUCKETS: &[f64] = &[
    0.0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0,
];
pub const JITTER_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
];
/// FreeSWITCH reports its largest jitter buffer in packets: a few for a
/// clean path, tens to hundreds when the network stutters.
pub const JITTER_BUFFER_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
];
/// Packetisation is 10, 20, 30 or 40 ms; narrow buckets around 20 and 30
/// show drift from the nominal interval.
pub const PTIME_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.015, 0.019, 0.021, 0.025, 0.029, 0.031, 0.04, 0.05, 0.06, 0.1, 0.2,
];
pub const DURATION_BUCKETS: &[f64] = &[
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14400.0,
];
/// Callbacks normally arrive within a second; retries come minutes later.
pub const DELAY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

/// The series of one status × direction that a terminal event feeds.
struct CallSeries {
    in_packets: Counter,
    in_skipped: Counter,
    in_flushed: Counter,
    in_dtmf: Counter,
    out_packets: Counter,
    out_dtmf: Counter,
    mos: Histogram,
    loss: Histogram,
    jitter_max: Histogram,
    jitter_min: Histogram,
    jitter_buffer: Histogram,
    ptime: Histogram,
    call_duration: Histogram,
    recording_duration: Histogram,
}

/// The metric families with per-call labels, from which children are made.
struct CallFamilies {
    events: CounterVec,
    in_packets: CounterVec,
    in_skipped: CounterVec,
    in_flushed: CounterVec,
    in_dtmf: CounterVec,
    out_packets: CounterVec,
    out_dtmf: CounterVec,
    sip: CounterVec,
    mos: HistogramVec,
    loss: HistogramVec,
    jitter_max: HistogramVec,
    jitter_min: HistogramVec,
    jitter_buffer: HistogramVec,
    ptime: HistogramVec,
    call_duration: HistogramVec,
    recording_duration: HistogramVec,
}

pub struct Recorder {
    registry: Registry,
    families: CallFamilies,
    /// Index: status × direction.
    events: Box<[OnceLock<Counter>]>,
    /// Index: status × direction; only terminal statuses are ever filled.
    calls: Box<[OnceLock<CallSeries>]>,
    /// Index: (status × direction) × SIP code.
    sip: Box<[OnceLock<Counter>]>,
    delivery_delay: Histogram,
    outcomes: Vec<Counter>,
    /// Index: `Field::index()`; `None` where the field cannot be that.
    invalid: Vec<Option<Counter>>,
    unrecognized: Vec<Option<Counter>>,
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> CounterVec {
    register(
        registry,
        CounterVec::new(Opts::new(name, help), labels).expect("valid metric definition"),
    )
}

fn histogram_vec(registry: &Registry, name: &str, help: &str, buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(
        registry,
        HistogramVec::new(opts, CALL_LABELS).expect("valid metric definition"),
    )
}

fn register<C: Collector + Clone + 'static>(registry: &Registry, c: C) -> C {
    registry
        .register(Box::new(c.clone()))
        .expect("metric names are unique");
    c
}

fn slots<T>(n: usize) -> Box<[OnceLock<T>]> {
    (0..n).map(|_| OnceLock::new()).collect()
}

fn series_index(status: CallStatus, direction: Direction) -> usize {
    status.index() * Direction::COUNT + direction.index()
}

impl Recorder {
    pub fn new(signature_validation: bool) -> Self {
        let r = Registry::new();
        let families = CallFamilies {
            events: counter_vec(&r, "signalwire_call_events_total", "Accepted, non-duplicate status callbacks.", CALL_LABELS),
            in_packets: counter_vec(&r, "signalwire_audio_in_packets_total", "Inbound audio packets received (AudioInMediaPacketCount), summed over calls on their terminal event.", CALL_LABELS),
            in_skipped: counter_vec(&r, "signalwire_audio_in_skipped_packets_total", "Inbound audio packets not received at their ptime, i.e. lost (AudioInSkipPacketCount).", CALL_LABELS),
            in_flushed: counter_vec(&r, "signalwire_audio_in_flushed_packets_total", "Inbound packets dropped by jitter-buffer overflow or underflow (AudioInFlushPacketCount).", CALL_LABELS),
            in_dtmf: counter_vec(&r, "signalwire_audio_in_dtmf_packets_total", "Inbound DTMF packets (AudioInDtmfPacketCount).", CALL_LABELS),
            out_packets: counter_vec(&r, "signalwire_audio_out_packets_total", "Outbound audio packets sent (AudioOutMediaPacketCount).", CALL_LABELS),
            out_dtmf: counter_vec(&r, "signalwire_audio_out_dtmf_packets_total", "Outbound DTMF packets (AudioOutDtmfPacketCount).", CALL_LABELS),
            sip: counter_vec(&r, "signalwire_sip_responses_total", "SIP result codes of finished calls (SipResultCode); code=\"other\" when not a number from 100 to 699.", &["status", "direction", "code"]),
            mos: histogram_vec(&r, "signalwire_audio_in_mos", "Mean opinion score of inbound audio per call (AudioInMos, 1 to 5), calls with media only.", MOS_BUCKETS),
            loss: histogram_vec(&r, "signalwire_audio_in_packet_loss_ratio", "Share of inbound packets lost per call: skipped / (media + skipped).", LOSS_BUCKETS),
            jitter_max: histogram_vec(&r, "signalwire_audio_in_jitter_max_variance", "Maximum jitter variance of inbound audio per call, in milliseconds squared (AudioInJitterMaxVariance).", JITTER_BUCKETS),
            jitter_min: histogram_vec(&r, "signalwire_audio_in_jitter_min_variance", "Minimum jitter variance of inbound audio per call, in milliseconds squared (AudioInJitterMinVariance).", JITTER_BUCKETS),
            jitter_buffer: histogram_vec(&r, "signalwire_audio_in_largest_jitter_buffer_size", "Largest jitter-buffer size per call, in packets as reported (AudioInLargestJbSize).", JITTER_BUFFER_BUCKETS),
            ptime: histogram_vec(&r, "signalwire_audio_in_average_ptime_seconds", "Mean inter-arrival time of inbound packets per call (AudioInAveragePtime, reported in ms).", PTIME_BUCKETS),
            call_duration: histogram_vec(&r, "signalwire_call_duration_seconds", "Duration of finished calls (CallDuration).", DURATION_BUCKETS),
            recording_duration: histogram_vec(&r, "signalwire_recording_duration_seconds", "Duration of call recordings (RecordingDuration).", DURATION_BUCKETS),
        };
        let delivery_delay = register(
            &r,
            Histogram::with_opts(
                HistogramOpts::new("signalwire_webhook_delivery_delay_seconds", "Time from an event (Timestamp) to its callback's receipt; 0 when the Timestamp is ahead of our clock.")
                    .buckets(DELAY_BUCKETS.to_vec()),
            )
            .expect("valid metric definition"),
        );
        let outcomes_vec = counter_vec(
            &r,
            "signalwire_exporter_webhooks_total",
            "Requests to the status-callback endpoint by outcome.",
            &["outcome"],
        );
        let invalid_vec = counter_vec(&r, "signalwire_exporter_invalid_fields_total", "Fields present but not a finite number in range (or an unparseable Timestamp); skipped, the rest of the event counts.", &["field"]);
        let unrecognized_vec = counter_vec(
            &r,
            "signalwire_exporter_unrecognized_values_total",
            "Values outside the known set, recorded under the label value \"other\".",
            &["field"],
        );
        let build_info = register(
            &r,
            GaugeVec::new(
                Opts::new(
                    "signalwire_exporter_build_info",
                    "Build information; always 1.",
                ),
                &["version"],
            )
            .expect("valid metric definition"),
        );
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1.0);
        let validation = register(&r, Gauge::new("signalwire_exporter_signature_validation_enabled", "1 when callbacks must carry a valid signature, 0 when --insecure.skip-signature-validation is set.").expect("valid metric definition"));
        validation.set(if signature_validation { 1.0 } else { 0.0 });
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("process metrics register once");

        let by_field = |vec: &CounterVec, fields: &mut dyn Iterator<Item = Field>| {
            let mut slots = vec![None; Field::COUNT];
            for f in fields {
                slots[f.index()] = Some(vec.with_label_values(&[f.as_str()]));
            }
            slots
        };
        let recorder = Recorder {
            invalid: by_field(&invalid_vec, &mut Field::validated()),
            unrecognized: by_field(&unrecognized_vec, &mut Field::ENUMERATED.into_iter()),
            outcomes: Outcome::ALL
                .iter()
                .map(|o| outcomes_vec.with_label_values(&[o.as_str()]))
                .collect(),
            registry: r,
            families,
            events: slots(CallStatus::COUNT * Direction::COUNT),
            calls: slots(CallStatus::COUNT * Direction::COUNT),
            sip: slots(CallStatus::COUNT * Direction::COUNT * SipCode::COUNT),
            delivery_delay,
        };
        // rate() and alerts need zeros, not absent series: a series born with
        // its first event already counted loses that event to increase().
        for status in CallStatus::known() {
            for direction in Direction::known() {
                recorder.events(status, direction);
                if status.is_terminal() {
                    recorder.calls(status, direction);
                }
            }
        }
        recorder
    }

    pub fn outcome(&self, outcome: Outcome) {
        self.outcomes[outcome.index()].inc();
    }

    /// Records one accepted, non-duplicate event received at `now`.
    pub fn record(&self, event: &StatusEvent, now: OffsetDateTime) {
        let (status, direction) = (event.status, event.direction);
        self.events(status, direction).inc();
        if status == CallStatus::Other {
            self.unrecognized(Field::CallStatus);
        }
        if direction == Direction::Other {
            self.unrecognized(Field::Direction);
        }
        match event.timestamp {
            Reading::Valid(at) => self
                .delivery_delay
                .observe((now - at).as_seconds_f64().max(0.0)),
            Reading::Invalid => self.invalid(Field::Timestamp),
            Reading::Absent => {}
        }
        if !status.is_terminal() {
            // Packet counts and durations are per-call totals: recording them
            // before the call ends would count them twice.
            return;
        }
        if let Some(code) = event.sip_code {
            self.sip(status, direction, code).inc();
            if code == SipCode::Other {
                self.unrecognized(Field::SipResultCode);
            }
        }

        let s = self.calls(status, direction);
        let a = &event.audio;
        self.add(
            a.media_packets,
            Field::AudioInMediaPacketCount,
            &s.in_packets,
        );
        self.add(
            a.skipped_packets,
            Field::AudioInSkipPacketCount,
            &s.in_skipped,
        );
        self.add(
            a.flushed_packets,
            Field::AudioInFlushPacketCount,
            &s.in_flushed,
        );
        self.add(a.dtmf_packets, Field::AudioInDtmfPacketCount, &s.in_dtmf);
        self.add(
            a.out_media_packets,
            Field::AudioOutMediaPacketCount,
            &s.out_packets,
        );
        self.add(
            a.out_dtmf_packets,
            Field::AudioOutDtmfPacketCount,
            &s.out_dtmf,
        );
        self.observe(
            event.call_duration.map(Count::get),
            Field::CallDuration,
            &s.call_duration,
        );
        self.observe(
            event.recording_duration.map(Count::get),
            Field::RecordingDuration,
            &s.recording_duration,
        );

        // Without media, MOS and jitter are meaningless placeholders.
        let Some(media) = a.media_packets.valid().map(Count::get).filter(|m| *m > 0.0) else {
            return;
        };
        self.observe(a.mos.map(|m| m.get()), Field::AudioInMos, &s.mos);
        self.observe(
            a.jitter_max_variance.map(Count::get),
            Field::AudioInJitterMaxVariance,
            &s.jitter_max,
        );
        self.observe(
            a.jitter_min_variance.map(Count::get),
            Field::AudioInJitterMinVariance,
            &s.jitter_min,
        );
        self.observe(
            a.largest_jitter_buffer.map(Count::get),
            Field::AudioInLargestJbSize,
            &s.jitter_buffer,
        );
        self.observe(
            a.average_ptime.map(|p| p.as_seconds()),
            Field::AudioInAveragePtime,
            &s.ptime,
        );
        if let Some(skipped) = a.skipped_packets.valid().map(Count::get) {
            s.loss.observe(skipped / (media + skipped));
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let families = self.registry.gather();
        let mut out = String::with_capacity(64 * 1024);
        TextEncoder::new()
            .encode_utf8(&families, &mut out)
            .expect("text encoding into a String cannot fail");
        out
    }

    pub const CONTENT_TYPE: &'static str = prometheus::TEXT_FORMAT;

    fn add(&self, reading: Reading<Count>, field: Field, counter: &Counter) {
        match reading {
            Reading::Valid(v) => counter.inc_by(v.get()),
            Reading::Invalid => self.invalid(field),
            Reading::Absent => {}
        }
    }

    fn observe(&self, reading: Reading<f64>, field: Field, histogram: &Histogram) {
        match reading {
            Reading::Valid(v) => histogram.observe(v),
            Reading::Invalid => self.invalid(field),
            Reading::Absent => {}
        }
    }

    fn invalid(&self, field: Field) {
        if let Some(c) = &self.invalid[field.index()] {
            c.inc();
        }
    }

    fn unrecognized(&self, field: Field) {
        if let Some(c) = &self.unrecognized[field.index()] {
            c.inc();
        }
    }

    fn events(&self, status: CallStatus, direction: Direction) -> &Counter {
        self.events[series_index(status, direction)].get_or_init(|| {
            self.families
                .events
                .with_label_values(&[status.as_str(), direction.as_str()])
        })
    }

    fn sip(&self, status: CallStatus, direction: Direction, code: SipCode) -> &Counter {
        let i = series_index(status, direction) * SipCode::COUNT + code.index();
        self.sip[i].get_or_init(|| {
            self.families.sip.with_label_values(&[
                status.as_str(),
                direction.as_str(),
                &code.label(),
            ])
        })
    }

    fn calls(&self, status: CallStatus, direction: Direction) -> &CallSeries {
        self.calls[series_index(status, direction)].get_or_init(|| {
            let l = [status.as_str(), direction.as_str()];
            let f = &self.families;
            CallSeries {
                in_packets: f.in_packets.with_label_values(&l),
                in_skipped: f.in_skipped.with_label_values(&l),
                in_flushed: f.in_flushed.with_label_values(&l),
                in_dtmf: f.in_dtmf.with_label_values(&l),
                out_packets: f.out_packets.with_label_values(&l),
                out_dtmf: f.out_dtmf.with_label_values(&l),
                mos: f.mos.with_label_values(&l),
                loss: f.loss.with_label_values(&l),
                jitter_max: f.jitter_max.with_label_values(&l),
                jitter_min: f.jitter_min.with_label_values(&l),
                jitter_buffer: f.jitter_buffer.with_label_values(&l),
                ptime: f.ptime.with_label_values(&l),
                call_duration: f.call_duration.with_label_values(&l),
                recording_duration: f.recording_duration.with_label_values(&l),
            }
        })
    }
}
