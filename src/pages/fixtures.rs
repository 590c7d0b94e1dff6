//! What the page tests render: links under a prefix, a busy window and an
//! idle one, and finished calls as the call table keeps them.

use time::macros::datetime;

use super::{Links, StatusSnapshot};
use crate::domain::{Audio, CallStatus, Direction, FinishedCall, Issue, Issues, Thresholds};
use crate::recorder::{mos_bounds, WindowCounts};

pub fn links() -> Links {
    Links {
        home: "/p/".into(),
        metrics: Some("/p/metrics".into()),
        healthz: "/p/healthz".into(),
        calls: Some("/p/calls".into()),
        webhook: "/p/status-callback".into(),
    }
}

/// An inbound call with MOS 3.1 and 8.3% loss, and `issues` as its verdict.
pub fn call(sid: &str, status: CallStatus, issues: &[Issue]) -> FinishedCall {
    FinishedCall {
        sequence: 1,
        received_at: datetime!(2026-11-29 18:41:07.412 UTC),
        account_sid: String::new(),
        call_sid: sid.into(),
        status,
        direction: Direction::Inbound,
        sip_result_code: None,
        duration_seconds: None,
        audio: Audio {
            with_media: true,
            issues: Issues::of(issues),
            mos: Some(3.1),
            packet_loss_ratio: Some(0.083),
            jitter_max_variance: None,
        },
        post_dial_delay_seconds: None,
        answer_delay_seconds: None,
        numbers: None,
        country: None,
    }
}

/// Issue counts in `Issue::ALL` order: low MOS, high loss, high jitter, any.
pub fn issues(
    low_mos: u64,
    high_packet_loss: u64,
    high_jitter: u64,
    any: u64,
) -> [u64; Issue::COUNT] {
    let mut counts = [0; Issue::COUNT];
    for (issue, n) in [
        (Issue::LowMos, low_mos),
        (Issue::HighPacketLoss, high_packet_loss),
        (Issue::HighJitter, high_jitter),
        (Issue::Any, any),
    ] {
        counts[issue.index()] = n;
    }
    counts
}

/// 120 calls ended, 100 with media: 11% low MOS (red), 10% high loss
/// (amber), 5% high jitter (green), 6% with any.
pub fn snapshot() -> StatusSnapshot {
    let buckets = mos_bounds().len() + 1;
    let mut mos = vec![0; buckets];
    mos[0] = 100;
    let mut webhooks = [0; crate::domain::Outcome::COUNT];
    webhooks[crate::domain::Outcome::Accepted.index()] = 130;
    StatusSnapshot {
        version: "0.1.0",
        links: links(),
        window: "last 5 minutes",
        counts: WindowCounts {
            ended: 120,
            with_media: 100,
            issues: issues(11, 10, 5, 6),
            mos,
            webhooks,
        },
        thresholds: Thresholds::default(),
        latest_bad_calls: Some(vec![call("CA1", CallStatus::Failed, &[Issue::LowMos])]),
    }
}

/// Nothing received yet.
pub fn idle() -> StatusSnapshot {
    StatusSnapshot {
        counts: WindowCounts {
            mos: vec![0; mos_bounds().len() + 1],
            ..WindowCounts::default()
        },
        latest_bad_calls: Some(Vec::new()),
        ..snapshot()
    }
}
