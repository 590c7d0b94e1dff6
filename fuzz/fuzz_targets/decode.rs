//! Payload decoding: any bytes as a form body (or query string) and as a JSON
//! body, then `StatusEvent::parse`, the call state and `Recorder::record` on fresh ones.
//! Nothing may panic, and what decodes must keep the decoder's promises.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use signalwire_exporter::call_state::{CallState, CallsConfig};
use signalwire_exporter::domain::{Params, StatusEvent, Value};
use signalwire_exporter::recorder::Recorder;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let form = Params::from_form(data);
    if let Ok(params) = &form {
        // One field per non-empty '&'-separated piece, every value text.
        let pieces = data.split(|&b| b == b'&').filter(|p| !p.is_empty()).count();
        assert_eq!(params.len(), pieces);
        assert!(params.iter().all(|(_, v)| matches!(v, Value::Text(_))));
    }
    let json = Params::from_json(data);
    for params in [form.ok(), json.ok()].into_iter().flatten() {
        let Ok(event) = StatusEvent::parse(&params) else {
            continue;
        };
        let recorder = Recorder::new(true);
        let calls = CallState::new(&CallsConfig::default());
        // Far from the event's Timestamp in both directions.
        for now in [OffsetDateTime::now_utc(), OffsetDateTime::UNIX_EPOCH] {
            recorder.record(&event, &calls.record(&event, &params, now), now);
        }
    }
});
