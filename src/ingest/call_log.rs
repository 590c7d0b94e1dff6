//! One log line per listed call, with the fields of its `/calls` entry
//! (absent where the entry has null), so a log pipeline finds calls by
//! CallSid.

use time::format_description::well_known::Rfc3339;

use crate::domain::{FinishedCall, RecordedNumbers};

pub(super) fn log(call: &FinishedCall) {
    let received_at = call.received_at.format(&Rfc3339).unwrap_or_default();
    let issues: Vec<&str> = call.issue_names().collect();
    let numbers = call.numbers.as_deref();
    let number = |f: fn(&RecordedNumbers) -> &Option<String>| numbers.and_then(|n| f(n).as_deref());
    let audio = &call.audio;
    tracing::info!(
        received_at = %received_at,
        account_sid = %call.account_sid,
        call_sid = %call.call_sid,
        status = call.status.as_str(),
        direction = call.direction.as_str(),
        sip_result_code = call.sip_result_code,
        duration_seconds = call.duration_seconds,
        mos = audio.mos,
        packet_loss_ratio = audio.packet_loss_ratio,
        jitter_max_variance = audio.jitter_max_variance,
        post_dial_delay_seconds = call.post_dial_delay_seconds,
        answer_delay_seconds = call.answer_delay_seconds,
        issues = %issues.join(","),
        from = number(|n| &n.from),
        to = number(|n| &n.to),
        forwarded_from = number(|n| &n.forwarded_from),
        caller_name = number(|n| &n.caller_name),
        "call needs a look"
    );
}
