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
    let (post_dial, answer) = (
        Seconds::of(call.post_dial_delay_seconds),
        Seconds::of(call.answer_delay_seconds),
    );
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
        post_dial_delay_seconds = delay(&post_dial),
        answer_delay_seconds = delay(&answer),
        issues = %issues.join(","),
        from = number(|n| &n.from),
        to = number(|n| &n.to),
        forwarded_from = number(|n| &n.forwarded_from),
        caller_name = number(|n| &n.caller_name),
        "call needs a look"
    );
}

/// A delay as the log has always written it, a whole number where whole:
/// only a call-state event's timestamps carry a fraction.
enum Seconds {
    Whole(u64),
    Fraction(f64),
}

impl Seconds {
    fn of(delay: Option<f64>) -> Option<Seconds> {
        delay.map(|d| {
            if d.fract() == 0.0 && d < u64::MAX as f64 {
                Seconds::Whole(d as u64)
            } else {
                Seconds::Fraction(d)
            }
        })
    }
}

fn delay(s: &Option<Seconds>) -> Option<&dyn tracing::Value> {
    s.as_ref().map(|s| match s {
        Seconds::Whole(n) => n as &dyn tracing::Value,
        Seconds::Fraction(x) => x as &dyn tracing::Value,
    })
}
