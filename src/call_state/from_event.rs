//! A parsed status callback as the call table reads it.

use super::{CallEvent, Numbers, Quality, NO_PROJECT};
use crate::domain::{CallStatus, Numeric, Params, Reading, SipCode, StatusEvent};

impl<'a> CallEvent<'a> {
    /// `event` for the table; `numbers` are read from `params` only when
    /// `include_numbers`, so personal data is never copied otherwise.
    pub fn from_status(
        event: &'a StatusEvent,
        params: &'a Params<'_>,
        include_numbers: bool,
    ) -> Self {
        let valid = |field: Numeric| event.value(field).valid();
        CallEvent {
            account_sid: event.id.account_sid(),
            call_sid: event.id.call_sid(),
            status: event.status,
            direction: event.direction,
            timestamp: match event.timestamp {
                Reading::Valid(t) => Some(Ok(t)),
                Reading::Invalid => Some(Err(())),
                Reading::Absent => None,
            },
            quality: Quality {
                mos: valid(Numeric::AudioInMos),
                media_packets: valid(Numeric::AudioInMediaPacketCount),
                skipped_packets: valid(Numeric::AudioInSkipPacketCount),
                jitter_max_variance: valid(Numeric::AudioInJitterMaxVariance),
                sip_result_code: match event.sip_code {
                    Some(SipCode::Code(code)) => Some(code),
                    _ => None,
                },
                duration_seconds: valid(Numeric::CallDuration),
                average_ptime_seconds: valid(Numeric::AudioInAveragePtime),
                completed: event.status == CallStatus::Completed,
            },
            numbers: if include_numbers {
                Numbers::from_params(params)
            } else {
                Numbers::default()
            },
            project: &NO_PROJECT,
            country: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Direction;

    fn parse(pairs: &[(&'static str, &'static str)]) -> (StatusEvent, Params<'static>) {
        let params: Params<'static> = pairs.iter().copied().collect();
        (StatusEvent::parse(&params).unwrap(), params)
    }

    #[test]
    fn a_terminal_event_maps_its_ids_timestamp_and_valid_readings() {
        let (event, params) = parse(&[
            ("AccountSid", "AC1"),
            ("CallSid", "CA1"),
            ("CallStatus", "completed"),
            ("Direction", "inbound"),
            ("Timestamp", "Tue, 14 Jan 2025 18:30:00 +0000"),
            ("AudioInMos", "3.2"),
            ("AudioInMediaPacketCount", "950"),
            ("AudioInSkipPacketCount", "50"),
            ("AudioInJitterMaxVariance", "1200"),
            ("SipResultCode", "200"),
            ("CallDuration", "57"),
            ("From", "+15551230000"),
        ]);
        let call = CallEvent::from_status(&event, &params, false);
        assert_eq!((call.account_sid, call.call_sid), ("AC1", "CA1"));
        assert_eq!(call.status, CallStatus::Completed);
        assert_eq!(call.direction, Direction::Inbound);
        let at = call.timestamp.unwrap().unwrap();
        assert_eq!(at.unix_timestamp(), 1_736_879_400);
        let want = Quality {
            mos: Some(3.2),
            media_packets: Some(950.0),
            skipped_packets: Some(50.0),
            jitter_max_variance: Some(1200.0),
            sip_result_code: Some(200),
            duration_seconds: Some(57.0),
            average_ptime_seconds: None,
            completed: true,
        };
        assert_eq!(call.quality, want);
        assert_eq!(call.numbers, Numbers::default());
    }

    #[test]
    fn invalid_readings_are_none_and_numbers_come_only_when_asked() {
        let (event, params) = parse(&[
            ("CallSid", "CA1"),
            ("CallStatus", "failed"),
            ("Timestamp", "yesterday"),
            ("AudioInMos", "9"),
            ("SipResultCode", "abc"),
            ("From", "+15551230000"),
            ("To", ""),
            ("CallerName", "Ada"),
        ]);
        let call = CallEvent::from_status(&event, &params, true);
        assert_eq!(call.account_sid, "");
        assert_eq!(call.timestamp, Some(Err(())));
        assert_eq!(call.quality, Quality::default());
        let want = Numbers {
            from: Some("+15551230000"),
            to: None,
            forwarded_from: None,
            caller_name: Some("Ada"),
        };
        assert_eq!(call.numbers, want);
    }
}
