//! The table of finished calls: the status page's latest bad calls and the
//! `/calls` view. Each row is a [`FinishedCall`] as the call table keeps it.

use maud::{html, Markup};
use time::OffsetDateTime;

use super::filters::{calls_url, project_name, with_issue, with_silence};
use super::format::{self, percent, received_at, seconds, variance, DASH};
use crate::call_state::CallsQuery;
use crate::domain::{CallStatus, FinishedCall, Issue, SILENCE};

/// The optional columns: each only when its label is in use, which is when
/// the calls carry it (a projects file, `--labels.country`).
#[derive(Debug, Clone, Copy)]
struct Columns {
    project: bool,
    country: bool,
}

impl Columns {
    fn of(calls: &[FinishedCall]) -> Self {
        Columns {
            project: calls.iter().any(|c| c.project.is_some()),
            country: calls.iter().any(|c| c.country.is_some()),
        }
    }
}

/// The calls as a table; with `base` (the `/calls` view), status, direction
/// and issues link to the list filtered on them, on top of `filters`.
pub fn calls_table(calls: &[FinishedCall], base: Option<&str>, filters: &CallsQuery) -> Markup {
    let columns = Columns::of(calls);
    html! {
        div class="scroll" {
            table class="calls" {
                (headings(columns))
                tbody {
                    @for call in calls { (row(call, base, filters, columns)) }
                }
            }
        }
    }
}

fn headings(columns: Columns) -> Markup {
    html! {
        thead {
            tr {
                th { "Received" }
                th { "Call SID" }
                th { "Status" }
                th { "Direction" }
                @if columns.project { th { "Project" } }
                @if columns.country { th { "Country" } }
                @for heading in ["SIP", "Duration", "MOS", "Loss"] {
                    th class="num" { (heading) }
                }
                th class="num" title="AudioInJitterMaxVariance, ms²" { "Jitter var." }
                th class="num" { "Post-dial" }
                th class="num" { "Answer" }
                th { "Issues" }
            }
        }
    }
}

fn row(call: &FinishedCall, base: Option<&str>, filters: &CallsQuery, columns: Columns) -> Markup {
    let failed = matches!(
        call.status,
        CallStatus::Failed | CallStatus::Busy | CallStatus::NoAnswer
    );
    let account = Some(call.account_sid.as_str())
        .filter(|a| !a.is_empty())
        .map(|a| format!("Account {a}"));
    // Each value links to the list filtered on it, the other filters kept.
    let link = |query: CallsQuery, text: &str, class| filter_link(base, &query, text, class);
    let status = CallsQuery {
        status: Some(call.status),
        ..*filters
    };
    let direction = CallsQuery {
        direction: Some(call.direction),
        ..*filters
    };
    let issue = |issue: Issue| with_issue(filters, Some(issue));
    html! {
        tr class="call" {
            td { (received(call.received_at)) }
            td class="sid" title=[account] { (call.call_sid) }
            td { (link(status, call.status.as_str(), failed.then_some("bad"))) }
            td { (link(direction, call.direction.as_str(), None)) }
            (label_cells(call, base, filters, columns))
            (figures(call))
            td class="issues" {
                @for i in call.issues().named() {
                    (link(issue(i), i.as_str(), Some("pill")))
                }
                @if call.is_silent() {
                    (link(with_silence(filters), SILENCE, Some("pill")))
                }
            }
        }
    }
}

/// The project and country cells, where their columns are shown; each
/// links to the list filtered on it.
fn label_cells(
    call: &FinishedCall,
    base: Option<&str>,
    filters: &CallsQuery,
    columns: Columns,
) -> Markup {
    let project = call.project.as_deref();
    let by_project = CallsQuery {
        project: project.and_then(project_name),
        ..*filters
    };
    let by_country = CallsQuery {
        country: call.country,
        ..*filters
    };
    let country = call.country.map(|c| c.to_string());
    html! {
        @if columns.project {
            td {
                @match project {
                    Some(p) => (filter_link(base, &by_project, p, None)),
                    None => (DASH),
                }
            }
        }
        @if columns.country {
            td {
                @match &country {
                    Some(c) => (filter_link(base, &by_country, c, None)),
                    None => (DASH),
                }
            }
        }
    }
}

/// The SIP code, duration, audio and delays; a figure that raised an issue
/// in red.
fn figures(call: &FinishedCall) -> Markup {
    let issues = call.issues();
    let audio = &call.audio;
    let delay = |s: Option<f64>| number_cell(s, false, seconds);
    html! {
        td class="num" {
            @match call.sip_result_code { Some(code) => (code), None => (DASH) }
        }
        (number_cell(call.duration_seconds, false, seconds))
        (number_cell(audio.mos, issues.contains(Issue::LowMos), format::mos))
        (number_cell(audio.packet_loss_ratio, issues.contains(Issue::HighPacketLoss), percent))
        (number_cell(audio.jitter_max_variance, issues.contains(Issue::HighJitter), variance))
        (delay(call.post_dial_delay_seconds))
        (delay(call.answer_delay_seconds))
    }
}

/// The receipt time with its date muted: the time is what tells rows apart.
fn received(at: OffsetDateTime) -> Markup {
    let text = received_at(at);
    html! {
        @match text.split_once('T') {
            Some((date, time)) => { span class="muted" { (date) } " " (time) }
            None => (text),
        }
    }
}

fn number_cell(value: Option<f64>, bad: bool, show: impl Fn(f64) -> String) -> Markup {
    let text = value.map_or_else(|| DASH.to_owned(), show);
    html! {
        td class=(if bad { "num bad" } else { "num" }) { (text) }
    }
}

/// `text` as a link to the list filtered on `query`, or as plain text
/// without a list to link to.
pub fn filter_link(
    base: Option<&str>,
    query: &CallsQuery,
    text: &str,
    class: Option<&str>,
) -> Markup {
    html! {
        @match base {
            Some(base) => a class=[class] href=(calls_url(base, query)) { (text) },
            None => span class=[class] { (text) },
        }
    }
}
