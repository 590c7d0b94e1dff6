//! What the page tests render: links under a prefix, a busy window and an
//! idle one, and finished calls as the call table keeps them.

use std::time::Duration;

use time::macros::datetime;

use super::{Links, StatusFigures, StatusSnapshot};
use crate::domain::{Audio, CallStatus, Direction, FinishedCall, Issue, Issues, Thresholds};
use crate::recorder::{mos_bounds, Minute, MinuteCounts, WindowCounts, MINUTES};

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
        project: None,
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
            silent: false,
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

/// The hour before 2026-11-29 18:42, every minute as `counts`.
pub fn hour(counts: MinuteCounts) -> Vec<Minute> {
    let start = datetime!(2026-11-29 17:43 UTC);
    (0..MINUTES as i64)
        .map(|i| Minute {
            start: start + time::Duration::minutes(i),
            counts,
        })
        .collect()
}

/// 120 calls ended: 110 completed (2 silent), 6 failed, 2 busy, 1 no-answer,
/// 1 canceled; 100 with media: 11% low MOS (red), 10% high loss (amber),
/// 5% high jitter (green), 6% with any. 10 minutes up.
pub fn counts() -> WindowCounts {
    let mut mos = vec![0; mos_bounds().len() + 1];
    mos[0] = 100;
    let mut webhooks = [0; crate::domain::Outcome::COUNT];
    webhooks[crate::domain::Outcome::Accepted.index()] = 130;
    WindowCounts {
        ended: [110, 2, 1, 6, 1],
        with_media: 100,
        issues: issues(11, 10, 5, 6),
        silent: 2,
        mos,
        webhooks,
    }
}

pub fn snapshot() -> StatusSnapshot {
    with_counts(counts())
}

/// The snapshot with `counts` in its window, 10 minutes up, and a quiet
/// hour of 2 calls a minute.
pub fn with_counts(counts: WindowCounts) -> StatusSnapshot {
    let minute = MinuteCounts {
        ended: [2, 0, 0, 0, 0],
        with_media: 2,
        ..MinuteCounts::default()
    };
    StatusSnapshot {
        version: "0.1.0",
        links: links(),
        figures: StatusFigures::new(Duration::from_secs(600), counts, hour(minute)),
        thresholds: Thresholds::default(),
        latest_bad_calls: Some(vec![call("CA1", CallStatus::Failed, &[Issue::LowMos])]),
        projects: Vec::new(),
        project: None,
    }
}

/// Nothing received yet.
pub fn idle() -> StatusSnapshot {
    StatusSnapshot {
        figures: StatusFigures::new(
            Duration::from_secs(600),
            WindowCounts::zero(),
            hour(MinuteCounts::default()),
        ),
        latest_bad_calls: Some(Vec::new()),
        ..snapshot()
    }
}
