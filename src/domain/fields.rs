//! The payload fields the exporter reads, as one table.
//!
//! Each numeric field is one row of [`FIELDS`]: its wire name (the variant's
//! name), what kind of number it is (which gives its valid range and its
//! scale), whether it means anything without media, whether it is a per-call
//! total sent on the terminal event, and the metric it feeds. Parsing, the
//! `field` label of the invalid counter, registration and recording are loops
//! over it, so a new numeric field is a new row.
//!
//! The fields that are not numbers ([`Special`]: identifiers, labels, the
//! Timestamp) and the derived [`PACKET_LOSS`] have dedicated code.

use super::params::Value;
use super::reading::{number, Reading};

/// What a number is: its range (in the payload's unit) and its scale follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Packets, including the jitter-buffer size FreeSWITCH reports in packets.
    Count,
    /// A duration in whole or fractional seconds.
    Seconds,
    /// A duration in milliseconds, exported in seconds.
    Milliseconds,
    /// A variance in milliseconds squared, as FreeSWITCH reports jitter.
    MsSquared,
    /// A mean opinion score, 1 to 5.
    Score,
}

/// Largest accepted count, size, variance or duration: 2⁵³, beyond which
/// f64 stops counting in ones, and far beyond anything a call reports. It
/// keeps counters from being driven to +Inf by a few absurd values.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

impl Kind {
    /// Valid values, inclusive, in the payload's unit. Never negative, so
    /// every kind can feed a counter.
    pub const fn range(self) -> (f64, f64) {
        match self {
            Kind::Score => (1.0, 5.0),
            Kind::Count | Kind::Seconds | Kind::Milliseconds | Kind::MsSquared => (0.0, MAX_COUNT),
        }
    }

    /// What the payload's value is divided by to get the metric's unit.
    pub const fn divisor(self) -> f64 {
        match self {
            Kind::Milliseconds => 1000.0,
            _ => 1.0,
        }
    }

    /// A finite number in range, scaled; `-0` reads as `0`.
    pub fn read(self, value: Option<Value<'_>>) -> Reading<f64> {
        let (low, high) = self.range();
        number(value, |x| {
            (low..=high)
                .contains(&x)
                .then_some((x + 0.0) / self.divisor())
        })
    }
}

/// A metric's name, help text and type; its labels are the caller's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    pub name: &'static str,
    pub help: &'static str,
    pub series: Series,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Series {
    /// Summed over calls.
    Counter,
    /// Observed once per call, with these upper bounds.
    Histogram(&'static [f64]),
}

const fn counter(name: &'static str, help: &'static str) -> MetricDef {
    MetricDef {
        name,
        help,
        series: Series::Counter,
    }
}

const fn histogram(name: &'static str, help: &'static str, buckets: &'static [f64]) -> MetricDef {
    MetricDef {
        name,
        help,
        series: Series::Histogram(buckets),
    }
}

/// One numeric payload field: how to read it, and what it feeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub kind: Kind,
    /// Meaningless without media (a valid AudioInMediaPacketCount above 0):
    /// SignalWire sends placeholders then, which are neither observed nor
    /// counted as invalid.
    pub needs_media: bool,
    /// A per-call total, read on the terminal event only: read earlier too,
    /// it would count twice. Every row is one today, and the recorder feeds
    /// per-call series from terminal events only: a field read on every
    /// event would need series for progress statuses first.
    pub terminal_only: bool,
    /// What it feeds, per status × direction.
    pub metric: MetricDef,
}

/// Declares [`Numeric`], a variant per row named as the payload field;
/// [`FIELDS`], the rows in the same order; [`Special`], a variant per other
/// field read; and `Field::find`, one `match` over all their names.
macro_rules! fields {
    (numeric { $($name:ident: $row:expr,)+ } special { $($special:ident,)+ }) => {
        /// A numeric payload field; its row is `FIELDS[field.index()]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Numeric { $($name),+ }

        impl Numeric {
            pub const ALL: [Numeric; FIELDS.len()] = [$(Numeric::$name),+];
            pub const COUNT: usize = Self::ALL.len();

            /// The name in the payload, and the `field` label value.
            pub const fn name(self) -> &'static str {
                match self { $(Numeric::$name => stringify!($name)),+ }
            }

            pub const fn index(self) -> usize {
                self as usize
            }

            pub const fn row(self) -> &'static Row {
                &FIELDS[self.index()]
            }
        }

        /// The rows, in [`Numeric`] order.
        pub const FIELDS: [Row; [$(stringify!($name)),+].len()] = [$($row),+];

        /// The fields read that are not numbers, each with code of its own
        /// in `StatusEvent::parse`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Special { $($special),+ }

        impl Special {
            pub const ALL: &'static [Special] = &[$(Special::$special),+];
            pub const COUNT: usize = Self::ALL.len();

            /// The name in the payload, and the `field` label value.
            pub const fn name(self) -> &'static str {
                match self { $(Special::$special => stringify!($special)),+ }
            }

            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl Field {
            /// The field named `name` exactly. A `match`, which the compiler
            /// turns into a switch on the length and a few word compares: a
            /// callback has ~50 parameters, 20 of them read.
            #[inline]
            pub fn find(name: &str) -> Option<Field> {
                match name {
                    $(stringify!($name) => Some(Field::Numeric(Numeric::$name)),)+
                    $(stringify!($special) => Some(Field::Special(Special::$special)),)+
                    _ => None,
                }
            }
        }
    };
}

fields! {
    numeric {
        AudioInMos: Row {
            kind: Kind::Score,
            needs_media: true,
            terminal_only: true,
            metric: histogram(
                "signalwire_audio_in_mos",
                "Mean opinion score of inbound audio per call (AudioInMos, 1 to 5), \
                 calls with media only.",
                MOS_BUCKETS,
            ),
        },
        AudioInMediaPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_in_packets_total",
                "Inbound audio packets received (AudioInMediaPacketCount), \
                 summed over calls on their terminal event.",
            ),
        },
        AudioInSkipPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_in_skipped_packets_total",
                "Inbound audio packets not received at their ptime, i.e. lost \
                 (AudioInSkipPacketCount).",
            ),
        },
        AudioInFlushPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_in_flushed_packets_total",
                "Inbound packets dropped by jitter-buffer overflow or underflow \
                 (AudioInFlushPacketCount).",
            ),
        },
        AudioInDtmfPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_in_dtmf_packets_total",
                "Inbound DTMF packets (AudioInDtmfPacketCount).",
            ),
        },
        AudioOutMediaPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_out_packets_total",
                "Outbound audio packets sent (AudioOutMediaPacketCount).",
            ),
        },
        AudioOutDtmfPacketCount: Row {
            kind: Kind::Count,
            needs_media: false,
            terminal_only: true,
            metric: counter(
                "signalwire_audio_out_dtmf_packets_total",
                "Outbound DTMF packets (AudioOutDtmfPacketCount).",
            ),
        },
        AudioInJitterMaxVariance: Row {
            kind: Kind::MsSquared,
            needs_media: true,
            terminal_only: true,
            metric: histogram(
                "signalwire_audio_in_jitter_max_variance",
                "Maximum jitter variance of inbound audio per call, in milliseconds squared \
                 (AudioInJitterMaxVariance).",
                JITTER_BUCKETS,
            ),
        },
        AudioInJitterMinVariance: Row {
            kind: Kind::MsSquared,
            needs_media: true,
            terminal_only: true,
            metric: histogram(
                "signalwire_audio_in_jitter_min_variance",
                "Minimum jitter variance of inbound audio per call, in milliseconds squared \
                 (AudioInJitterMinVariance).",
                JITTER_BUCKETS,
            ),
        },
        AudioInLargestJbSize: Row {
            kind: Kind::Count,
            needs_media: true,
            terminal_only: true,
            metric: histogram(
                "signalwire_audio_in_largest_jitter_buffer_size",
                "Largest jitter-buffer size per call, in packets as reported \
                 (AudioInLargestJbSize).",
                JITTER_BUFFER_BUCKETS,
            ),
        },
        AudioInAveragePtime: Row {
            kind: Kind::Milliseconds,
            needs_media: true,
            terminal_only: true,
            metric: histogram(
                "signalwire_audio_in_average_ptime_seconds",
                "Mean inter-arrival time of inbound packets per call \
                 (AudioInAveragePtime, reported in ms).",
                PTIME_BUCKETS,
            ),
        },
        CallDuration: Row {
            kind: Kind::Seconds,
            needs_media: false,
            terminal_only: true,
            metric: histogram(
                "signalwire_call_duration_seconds",
                "Duration of finished calls (CallDuration).",
                DURATION_BUCKETS,
            ),
        },
        RecordingDuration: Row {
            kind: Kind::Seconds,
            needs_media: false,
            terminal_only: true,
            metric: histogram(
                "signalwire_recording_duration_seconds",
                "Duration of call recordings (RecordingDuration).",
                DURATION_BUCKETS,
            ),
        },
    }
    special {
        CallSid,
        CallStatus,
        AccountSid,
        SequenceNumber,
        Direction,
        SipResultCode,
        Timestamp,
    }
}

/// Derived from two rows: skipped / (media + skipped), on calls with media.
pub const PACKET_LOSS: MetricDef = histogram(
    "signalwire_audio_in_packet_loss_ratio",
    "Share of inbound packets lost per call: skipped / (media + skipped).",
    LOSS_BUCKETS,
);

// The media count decides whether the media statistics mean anything, so it
// cannot depend on media itself.
const _: () = assert!(!Numeric::AudioInMediaPacketCount.row().needs_media);

pub const MOS_BUCKETS: &[f64] = &[1.0, 2.0, 2.6, 3.1, 3.5, 3.6, 4.0, 4.2, 4.3, 4.4, 4.5];
const LOSS_BUCKETS: &[f64] = &[
    0.0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0,
];
const JITTER_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
];
/// FreeSWITCH reports its largest jitter buffer in packets: a few for a
/// clean path, tens to hundreds when the network stutters.
const JITTER_BUFFER_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
];
/// Packetisation is 10, 20, 30 or 40 ms; narrow buckets around 20 and 30
/// show drift from the nominal interval.
const PTIME_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.015, 0.019, 0.021, 0.025, 0.029, 0.031, 0.04, 0.05, 0.06, 0.1, 0.2,
];
const DURATION_BUCKETS: &[f64] = &[
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14400.0,
];

/// A payload field the exporter reads. Its `index()` is dense over every
/// field read (the rows first), and its name is the label value of
/// `signalwire_exporter_invalid_fields_total` and
/// `signalwire_exporter_unrecognized_values_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Numeric(Numeric),
    Special(Special),
}

impl Field {
    pub const COUNT: usize = Numeric::COUNT + Special::COUNT;

    /// Fields whose values can be malformed: the numbers and the Timestamp.
    pub fn validated() -> impl Iterator<Item = Field> {
        let numbers = Numeric::ALL.into_iter().map(Field::Numeric);
        numbers.chain([Field::Special(Special::Timestamp)])
    }

    /// Fields with a closed set of values, whose strays become `other`.
    pub const ENUMERATED: [Field; 3] = [
        Field::Special(Special::CallStatus),
        Field::Special(Special::Direction),
        Field::Special(Special::SipResultCode),
    ];

    pub const fn index(self) -> usize {
        match self {
            Field::Numeric(n) => n.index(),
            Field::Special(s) => Numeric::COUNT + s.index(),
        }
    }

    /// The name in the payload, and the `field` label value.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Numeric(n) => n.name(),
            Field::Special(s) => s.name(),
        }
    }

    #[cfg(test)]
    fn all() -> impl Iterator<Item = Field> {
        let numbers = Numeric::ALL.into_iter().map(Field::Numeric);
        numbers.chain(Special::ALL.iter().copied().map(Field::Special))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_exact_name_and_nothing_else() {
        for (i, field) in Field::all().enumerate() {
            assert_eq!(field.index(), i);
            assert_eq!(Field::find(field.name()), Some(field));
        }
        assert_eq!(
            Field::find("AudioInMos"),
            Some(Field::Numeric(Numeric::AudioInMos))
        );
        assert_eq!(
            Field::find("CallSid"),
            Some(Field::Special(Special::CallSid))
        );
        for stray in [
            "",
            "audioinmos",
            "AudioInMos ",
            "AudioInMo",
            "CallSids",
            "To",
        ] {
            assert_eq!(Field::find(stray), None, "{stray:?}");
        }
        assert_eq!(Field::find(&"A".repeat(10_000)), None);
    }

    #[test]
    fn every_row_feeds_a_metric_of_its_own_named_by_the_conventions() {
        let mut names: Vec<&str> = FIELDS.iter().map(|r| r.metric.name).collect();
        names.push(PACKET_LOSS.name);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Numeric::COUNT + 1);
        for field in Numeric::ALL {
            let Row { kind, metric, .. } = field.row();
            let counter = metric.series == Series::Counter;
            assert_eq!(metric.name.ends_with("_total"), counter, "{field:?}");
            let seconds = matches!(kind, Kind::Seconds | Kind::Milliseconds);
            assert_eq!(metric.name.ends_with("_seconds"), seconds, "{field:?}");
            // Someone reading the help finds the payload field it comes from.
            assert!(
                metric.help.contains(&format!("({}", field.name())),
                "{field:?}"
            );
            assert!(metric.name.starts_with("signalwire_"), "{field:?}");
        }
    }

    #[test]
    fn kinds_read_their_range_and_scale() {
        let text = |s: &'static str| Value::Text(s);
        assert_eq!(Kind::Score.read(Some(text("1"))), Reading::Valid(1.0));
        assert_eq!(Kind::Score.read(Some(text("5"))), Reading::Valid(5.0));
        assert_eq!(Kind::Score.read(Some(text("0.99"))), Reading::Invalid);
        assert_eq!(Kind::Score.read(Some(text("5.01"))), Reading::Invalid);
        assert_eq!(
            Kind::Milliseconds.read(Some(text("20.01"))),
            Reading::Valid(0.02001)
        );
        assert_eq!(
            Kind::Count.read(Some(text("9007199254740992"))),
            Reading::Valid(MAX_COUNT)
        );
        assert_eq!(Kind::Count.read(Some(text("1e300"))), Reading::Invalid);
        let zero = Kind::Seconds.read(Some(text("-0"))).valid().unwrap();
        assert!(zero.is_sign_positive());
    }
}
