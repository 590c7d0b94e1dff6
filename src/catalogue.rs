//! Every metric family the exporter serves: name, help and buckets, in one
//! place. The families fed by one numeric payload field each are declared by
//! that field's row (`domain::FIELDS`, and the derived `domain::PACKET_LOSS`);
//! [`field_families`] lists them, so this module is where to find them all.
//! Label names are the recorder's and the call state's, next to their series.

use crate::domain::{MetricDef, FIELDS, PACKET_LOSS};

/// A family's name and help text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
}

const fn family(name: &'static str, help: &'static str) -> Family {
    Family { name, help }
}

pub const EVENTS: Family = family(
    "signalwire_call_events_total",
    "Accepted, non-duplicate status callbacks.",
);
pub const SIP_RESPONSES: Family = family(
    "signalwire_sip_responses_total",
    "SIP result codes of finished calls (SipResultCode); \
     code=\"other\" when not a number from 100 to 699.",
);
pub const DELIVERY_DELAY: Family = family(
    "signalwire_webhook_delivery_delay_seconds",
    "Time from an event (Timestamp) to its callback's receipt; \
     0 when the Timestamp is ahead of our clock.",
);
/// Callbacks normally arrive within a second; retries come minutes later.
pub const DELIVERY_DELAY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];
pub const WEBHOOKS: Family = family(
    "signalwire_exporter_webhooks_total",
    "Requests to the status-callback endpoint by outcome.",
);
pub const CALL_STATE_WEBHOOKS: Family = family(
    "signalwire_exporter_call_state_webhooks_total",
    "Requests to the call-state endpoint (SWML and Calling API JSON webhooks) by outcome.",
);
pub const END_REASONS: Family = family(
    "signalwire_call_end_reasons_total",
    "Finished call-state calls by their end_reason; end_reason=\"other\" when undocumented.",
);
pub const INVALID_FIELDS: Family = family(
    "signalwire_exporter_invalid_fields_total",
    "Fields present but not a finite number in range (or an unparseable Timestamp); \
     skipped, the rest of the event counts.",
);
pub const UNRECOGNIZED_VALUES: Family = family(
    "signalwire_exporter_unrecognized_values_total",
    "Values outside the known set, recorded under the label value \"other\".",
);
pub const BUILD_INFO: Family = family(
    "signalwire_exporter_build_info",
    "Build information; always 1.",
);
pub const SIGNATURE_VALIDATION: Family = family(
    "signalwire_exporter_signature_validation_enabled",
    "1 when callbacks must carry a valid signature, \
     0 when --insecure.skip-signature-validation is set.",
);

// The per-call families: what a call's history tells (`call_state`).

pub const ACTIVE: Family = family(
    "signalwire_calls_active",
    "Calls with a non-terminal event (queued, initiated, ringing, in-progress) \
     and no terminal one yet.",
);
pub const POST_DIAL_DELAY: Family = family(
    "signalwire_call_post_dial_delay_seconds",
    "Timestamp of a call's ringing event minus that of its initiated event.",
);
/// Timestamps carry whole seconds, so every delay is a whole number and
/// `le="0"` holds the calls that rang (or were answered) within the second.
/// The simulator's predictions share these bounds.
pub const POST_DIAL_DELAY_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 60.0,
];
pub const ANSWER_DELAY: Family = family(
    "signalwire_call_answer_delay_seconds",
    "Timestamp of a call's first in-progress event minus that of its ringing event.",
);
pub const ANSWER_DELAY_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0,
];
pub const UNFINISHED: Family = family(
    "signalwire_calls_unfinished_total",
    "Calls forgotten without a terminal event: older than --calls.max-age (reason \
     max_age), or evicted for a new call at --calls.capacity (reason capacity).",
);
pub const QUALITY_ISSUES: Family = family(
    "signalwire_call_quality_issues_total",
    "Finished calls with media having each quality issue (--quality.* thresholds); \
     issue=\"any\" counts calls with at least one.",
);
pub const WITH_MEDIA: Family = family(
    "signalwire_calls_with_media_total",
    "Finished calls with AudioInMediaPacketCount > 0: the denominator of issue shares.",
);
pub const RELOAD_SUCCESSFUL: Family = family(
    "signalwire_exporter_config_last_reload_successful",
    "Whether the last configuration reload (SIGHUP or POST /-/reload) succeeded; \
     1 at start.",
);
pub const RELOAD_SUCCESS_TIME: Family = family(
    "signalwire_exporter_config_last_reload_success_timestamp_seconds",
    "Unix time of the last successful configuration reload, or of the start.",
);

pub const SILENT: Family = family(
    "signalwire_calls_silent_total",
    "Completed calls of at least --quality.silence-min-duration whose inbound packets \
     are below --quality.silence-ratio of those expected: one-way audio. Not a quality \
     issue; its denominator is signalwire_call_events_total{status=\"completed\"}.",
);

/// `--labels.country` only: the remote party's country (`domain::Country`).
pub const COUNTRY_CALLS_ENDED: Family = family(
    "signalwire_country_calls_ended_total",
    "Finished calls by the remote party's country (--labels.country), direction and \
     terminal status.",
);
pub const COUNTRY_WITH_MEDIA: Family = family(
    "signalwire_country_calls_with_media_total",
    "Finished calls with media by the remote party's country (--labels.country).",
);
pub const COUNTRY_QUALITY_ISSUES: Family = family(
    "signalwire_country_call_quality_issues_total",
    "Finished calls with media having each quality issue, by the remote party's country \
     (--labels.country); issue=\"any\" counts calls with at least one.",
);
pub const COUNTRY_SILENT: Family = family(
    "signalwire_country_calls_silent_total",
    "Finished silent calls by the remote party's country (--labels.country).",
);

/// The families declared here, in the order above.
pub const FAMILIES: [Family; 23] = [
    EVENTS,
    SIP_RESPONSES,
    DELIVERY_DELAY,
    WEBHOOKS,
    CALL_STATE_WEBHOOKS,
    END_REASONS,
    INVALID_FIELDS,
    UNRECOGNIZED_VALUES,
    BUILD_INFO,
    SIGNATURE_VALIDATION,
    ACTIVE,
    POST_DIAL_DELAY,
    ANSWER_DELAY,
    UNFINISHED,
    QUALITY_ISSUES,
    WITH_MEDIA,
    SILENT,
    RELOAD_SUCCESSFUL,
    RELOAD_SUCCESS_TIME,
    COUNTRY_CALLS_ENDED,
    COUNTRY_WITH_MEDIA,
    COUNTRY_QUALITY_ISSUES,
    COUNTRY_SILENT,
];

/// The families of the field table's rows, and the derived packet loss.
pub fn field_families() -> impl Iterator<Item = MetricDef> {
    FIELDS.iter().map(|row| row.metric).chain([PACKET_LOSS])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_its_own_name_with_the_exporters_prefix() {
        let mut names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        names.extend(field_families().map(|d| d.name));
        assert!(
            names.iter().all(|n| n.starts_with("signalwire_")),
            "{names:?}"
        );
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn delay_bounds_are_whole_seconds_in_increasing_order_from_zero() {
        for bounds in [POST_DIAL_DELAY_BUCKETS, ANSWER_DELAY_BUCKETS] {
            assert_eq!(bounds[0], 0.0);
            assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
            assert!(bounds.iter().all(|b| b.fract() == 0.0), "{bounds:?}");
        }
        assert_eq!(POST_DIAL_DELAY_BUCKETS.len(), 12);
        assert_eq!(ANSWER_DELAY_BUCKETS.len(), 13);
    }
}
