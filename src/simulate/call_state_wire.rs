//! The same planned calls as SWML call-state webhooks: JSON events to
//! `/call-state`, signed with Scheme A (hex HMAC-SHA1 in
//! `X-SignalWire-Signature`, hex HMAC-SHA256 in
//! `X-SignalWire-Sha256-Signature`), as SignalWire's newer builds send both.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;

use super::plan::PlannedCall;
use crate::domain::{CallStatus, Direction};
use crate::signature::SigningKey;

/// Which webhook the simulated calls use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Webhook {
    /// Compatibility API status callbacks (form) to the target.
    #[default]
    StatusCallback,
    /// SWML call-state events (JSON) to the target's `/call-state`.
    CallState,
    /// Even-numbered calls as status callbacks, odd ones as call-state events.
    Both,
}

impl Webhook {
    /// Whether call `index` is sent as call-state events.
    pub fn is_call_state(self, index: u64) -> bool {
        match self {
            Webhook::StatusCallback => false,
            Webhook::CallState => true,
            Webhook::Both => index % 2 == 1,
        }
    }
}

/// The call-state URL beside a status-callback URL: its last
/// `/status-callback` replaced by `/call-state`; any other URL as it is.
pub fn call_state_url(status_callback: &str) -> String {
    let (base, query) = status_callback
        .split_once('?')
        .map_or((status_callback, None), |(b, q)| (b, Some(q)));
    let base = base
        .strip_suffix("/status-callback")
        .map_or_else(|| base.to_owned(), |b| format!("{b}/call-state"));
    match query {
        Some(q) => format!("{base}?{q}"),
        None => base,
    }
}

/// `call` as the exporter sees it through call-state events: the answer is
/// `answered`; `outbound-*` is `outbound`; no media, duration or SIP code
/// (`sip_code` 0); the terminal event's end reason as a param.
pub fn as_call_state(call: &PlannedCall) -> PlannedCall {
    let mut call = call.clone();
    call.direction = match call.direction {
        Direction::Inbound => Direction::Inbound,
        _ => Direction::Outbound,
    };
    let reason = end_reason(call.terminal.status, call.terminal.sip_code);
    for event in &mut call.events {
        if event.status == CallStatus::InProgress {
            event.status = CallStatus::Answered;
        }
        if event.status.is_terminal() {
            event.params.push(("end_reason", reason.to_owned()));
        }
    }
    let t = &mut call.terminal;
    (t.media_packets, t.skipped_packets, t.duration, t.sip_code) = (0, 0, 0, 0);
    call.quality = None;
    call
}

/// The end reason SignalWire reports for a call that ended so.
fn end_reason(status: CallStatus, sip_code: u16) -> &'static str {
    match (status, sip_code) {
        (CallStatus::Busy, _) => "busy",
        (CallStatus::NoAnswer, _) => "noAnswer",
        (CallStatus::Canceled, _) => "cancel",
        (CallStatus::Failed, 404) => "notFound",
        (CallStatus::Failed, _) => "error",
        _ => "hangup",
    }
}

/// The JSON body of `events[index]` of a call (from [`as_call_state`]) that
/// started at `start`, for project `project_id`.
pub fn body(call: &PlannedCall, index: usize, project_id: &str, start: OffsetDateTime) -> String {
    let event = &call.events[index];
    let param = |name: &str| {
        event
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let call_state = match event.status {
        CallStatus::Initiated => "created",
        CallStatus::Ringing => "ringing",
        CallStatus::Answered => "answered",
        _ => "ended",
    };
    let mut params = json!({
        "call_id": call.call_sid,
        "node_id": "simulated-node",
        "call_state": call_state,
        "direction": if call.direction == Direction::Inbound { "inbound" } else { "outbound" },
        "device": {
            "type": "phone",
            "params": {"from_number": param("From"), "to_number": param("To")},
        },
    });
    if let Some(reason) = param("end_reason") {
        params["end_reason"] = json!(reason);
    }
    let timestamp = start.unix_timestamp() + i64::from(event.offset);
    json!({
        "event_type": "calling.call.state",
        "event_channel": format!("swml:{}", call.call_sid),
        "timestamp": timestamp as f64,
        "project_id": project_id,
        "space_id": "simulated-space",
        "params": params,
    })
    .to_string()
}

/// Hex HMAC-SHA256 of URL + body: `X-SignalWire-Sha256-Signature`.
pub fn sign_sha256(key: &SigningKey, url: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.reveal().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_state_url_sits_beside_the_status_callback() {
        assert_eq!(
            call_state_url("http://127.0.0.1:9711/p/status-callback"),
            "http://127.0.0.1:9711/p/call-state"
        );
        assert_eq!(
            call_state_url("http://h/status-callback?x=1"),
            "http://h/call-state?x=1"
        );
        assert_eq!(call_state_url("http://h/hook"), "http://h/hook");
    }

    #[test]
    fn both_splits_calls_by_index() {
        assert!(!Webhook::Both.is_call_state(0));
        assert!(Webhook::Both.is_call_state(1));
        assert!(Webhook::CallState.is_call_state(0));
        assert!(!Webhook::StatusCallback.is_call_state(1));
    }
}
