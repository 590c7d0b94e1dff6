//! The status page (`GET /`): what a person needs to see without Grafana,
//! from the window's counts and the latest bad calls.

use maud::{html, Markup};

use super::call_table::calls_table;
use super::filters::calls_url;
use super::format::share;
use super::layout::{header, page};
use super::mos_chart::mos_section;
use super::verdict::{banner, share_level};
use super::webhook_meters::webhooks_section;
use super::Links;
use crate::call_state::CallsQuery;
use crate::domain::{FinishedCall, Issue, Thresholds};
use crate::recorder::WindowCounts;

/// The alerts' minimum volume: fewer calls with media never page.
const ALERT_MIN_CALLS: u64 = 30;

/// Everything the status page shows.
#[derive(Debug, Clone)]
pub struct StatusSnapshot {
    pub version: &'static str,
    pub links: Links,
    /// The counts' window as it reads after "in the", e.g. "last 5 minutes".
    pub window: &'static str,
    /// Ended calls, issues, MOS buckets and webhooks over `window`.
    pub counts: WindowCounts,
    pub thresholds: Thresholds,
    /// The newest bad calls, newest first; `None` hides the table (say,
    /// because `/calls` needs credentials this page does not ask for).
    pub latest_bad_calls: Option<Vec<FinishedCall>>,
    /// With a projects file: (label, href) of the view of all projects and
    /// of each project's; empty otherwise (no list is shown).
    pub projects: Vec<(String, String)>,
}

/// The status page, refreshing itself every 10 s.
pub fn render_status_page(s: &StatusSnapshot) -> String {
    let note = format!("version {}", s.version);
    let body = html! {
        (header("SignalWire Exporter", &note, &nav(&s.links)))
        @if !s.projects.is_empty() {
            nav id="projects" {
                "Projects: "
                @for (i, (label, href)) in s.projects.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href=(href) { (label) }
                }
            }
        }
        (banner(&s.counts, s.window))
        @if s.counts.webhooks.iter().all(|n| *n == 0) {
            (getting_started(&s.links))
        }
        (cards(s))
        div class="cols" {
            (mos_section(&s.counts.mos, s.window, s.thresholds.low_mos))
            (webhooks_section(&s.counts.webhooks, s.window))
        }
        @if let Some(calls) = &s.latest_bad_calls {
            (latest_calls_section(calls, &s.links))
        }
    };
    page("SignalWire Exporter", Some(10), body)
}

/// The navigation of the status page: only what this listener serves.
fn nav(links: &Links) -> Vec<(&str, &str)> {
    let mut nav = Vec::new();
    if let Some(calls) = &links.calls {
        nav.push((calls.as_str(), "Bad calls"));
    }
    if let Some(metrics) = &links.metrics {
        nav.push((metrics.as_str(), "Metrics"));
    }
    nav.push((links.healthz.as_str(), "Health"));
    nav
}

/// Shown until the first webhook arrives: what to configure.
fn getting_started(links: &Links) -> Markup {
    html! {
        section id="getting-started" {
            h2 { "No status callbacks received yet" }
            p {
                "Point SignalWire's status callback at " code { (links.webhook) }
                " (the " code { "StatusCallback" } " of a call, or the phone number's status \
                 change webhook), by POST or GET."
            }
            p {
                "Send " code { "StatusCallbackEvent=initiated ringing answered completed" }
                " for setup delays and active calls; " code { "completed" }
                " alone (SignalWire's default) is enough for call quality."
            }
        }
    }
}

fn cards(s: &StatusSnapshot) -> Markup {
    let c = &s.counts;
    // One column per card, so a new issue gets its card in the row.
    let columns = format!("--cards:{}", Issue::COUNT + 1);
    html! {
        div class="cards" style=(columns) {
            div class="card neutral" id="calls-ended" {
                div class="big" { (c.ended) }
                div class="what" { "Calls ended" }
                div class="sub" { (c.with_media) " with media · " (s.window) }
            }
            @for issue in Issue::ALL { (issue_card(s, *issue)) }
        }
    }
}

fn issue_card(s: &StatusSnapshot, issue: Issue) -> Markup {
    let (n, with_media) = (s.counts.issues[issue.index()], s.counts.with_media);
    let calls = match with_media {
        0 => "no calls with media yet".to_owned(),
        m if m < ALERT_MIN_CALLS => format!("{n} of {m} calls, under {ALERT_MIN_CALLS}: no alert"),
        m => format!("{n} of {m} calls"),
    };
    let class = format!("card {}", share_level(n, with_media).class());
    let id = format!("share-{}", issue.as_str());
    let inner = html! {
        div class="big" { (share(n, with_media)) }
        div class="what" { (issue.title()) }
        div class="sub" { (s.thresholds.meaning(issue)) " · " (calls) }
    };
    let query = CallsQuery {
        issue: Some(issue),
        ..CallsQuery::default()
    };
    html! {
        @match &s.links.calls {
            Some(calls) => a class=(class) id=(id) href=(calls_url(calls, &query)) { (inner) },
            None => div class=(class) id=(id) { (inner) },
        }
    }
}

fn latest_calls_section(calls: &[FinishedCall], links: &Links) -> Markup {
    html! {
        section id="latest-bad-calls" {
            h2 { "Latest bad calls" }
            @if calls.is_empty() {
                p class="muted" {
                    "No bad calls yet: calls with a quality issue, or that ended "
                    code { "failed" } ", " code { "busy" } " or " code { "no-answer" }
                    ", appear here."
                }
            } @else {
                (calls_table(calls, links.calls.as_deref(), &CallsQuery::default()))
            }
            @if let Some(href) = &links.calls {
                p class="more" { a href=(href) { "All bad calls →" } }
            }
        }
    }
}
