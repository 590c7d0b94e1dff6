//! The status page (`GET /`): what a person needs to see without Grafana,
//! from the window's counts and the latest bad calls.

use maud::{html, Markup};

use super::call_table::calls_table;
use super::figures::StatusFigures;
use super::filters::calls_url;
use super::format::share;
use super::layout::{header, page};
use super::mos_chart::mos_section;
use super::trend::trend_section;
use super::verdict::{calls as n_calls, share_level, Condition};
use super::webhook_meters::webhooks_section;
use super::Links;
use crate::call_state::{CallsQuery, ProjectName};
use crate::domain::{CallStatus, FinishedCall, Issue, Thresholds};
use crate::recorder::ENDED;

/// Everything the status page shows.
#[derive(Debug, Clone)]
pub struct StatusSnapshot {
    pub version: &'static str,
    pub links: Links,
    /// The window's counts, its verdict and the hour's trend: what the
    /// JSON of `GET /` says too.
    pub figures: StatusFigures,
    pub thresholds: Thresholds,
    /// The newest bad calls, newest first; `None` hides the table (say,
    /// because `/calls` needs credentials this page does not ask for).
    pub latest_bad_calls: Option<Vec<FinishedCall>>,
    /// With a projects file: (label, href) of the view of all projects and
    /// of each project's; empty otherwise (no list is shown).
    pub projects: Vec<(String, String)>,
    /// The project this page shows (`?project=`), which its links to
    /// `/calls` keep; `None` for every call.
    pub project: Option<ProjectName>,
}

/// The status page, refreshing itself every 10 s.
pub fn render_status_page(s: &StatusSnapshot) -> String {
    let note = format!("version {}", s.version);
    let (f, window) = (&s.figures, s.figures.span.label());
    let v = &f.verdict;
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
        div class={ "banner " (v.level.class()) } id="verdict" { (v.text) }
        @if f.counts.webhooks.iter().all(|n| *n == 0) {
            (getting_started(&s.links))
        }
        (outcome_cards(s, &window))
        (quality_cards(s))
        (trend_section(&f.minutes))
        div class="cols" {
            (mos_section(&f.counts.mos, &window, s.thresholds.low_mos))
            (webhooks_section(&f.counts.webhooks, &window))
        }
        @if let Some(calls) = &s.latest_bad_calls {
            (latest_calls_section(s, calls))
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

/// A card: a big figure, what it is, a line under it; a link when `href`.
fn card(class: &str, id: &str, href: Option<String>, big: &str, what: &str, sub: &str) -> Markup {
    let inner = html! {
        div class="big" { (big) }
        div class="what" { (what) }
        div class="sub" { (sub) }
    };
    html! {
        @match href {
            Some(href) => a class=(class) id=(id) href=(href) { (inner) },
            None => div class=(class) id=(id) { (inner) },
        }
    }
}

/// `/calls` filtered by `query` and the page's project, where this page
/// links to it.
fn calls_link(s: &StatusSnapshot, query: &CallsQuery) -> Option<String> {
    let query = CallsQuery {
        project: s.project,
        ..*query
    };
    s.links.calls.as_ref().map(|calls| calls_url(calls, &query))
}

/// Calls ended by outcome, and the failures' share of them.
fn outcome_cards(s: &StatusSnapshot, window: &str) -> Markup {
    let c = &s.figures.counts;
    let ended = c.ended_total();
    let columns = format!("--cards:{}", ENDED.len() + 2);
    let sub = format!("{} with media · {window}", c.with_media);
    html! {
        div class="cards" id="outcomes" style=(columns) {
            (card("card neutral", "calls-ended", None, &ended.to_string(), "Calls ended", &sub))
            @for status in ENDED {
                @let n = c.ended(status);
                // /calls lists every call that ended so.
                @let listed = matches!(status,
                    CallStatus::Failed | CallStatus::Busy | CallStatus::NoAnswer);
                @let query = CallsQuery { status: Some(status), ..CallsQuery::default() };
                @let href = if listed { calls_link(s, &query) } else { None };
                @let id = format!("ended-{status}");
                @let sub = format!("{} of calls ended", share(n, ended));
                (card("card neutral", &id, href, &n.to_string(), status.as_str(), &sub))
            }
            @let meaning = "failed, busy or no-answer";
            (share_card(s, Condition::Failures, "Failures", meaning, None, None))
        }
    }
}

/// Silence and each quality issue, as shares.
fn quality_cards(s: &StatusSnapshot) -> Markup {
    // One column per card, so a new issue gets its card in the row.
    let columns = format!("--cards:{}", Issue::COUNT + 1);
    let t = &s.thresholds;
    html! {
        div class="cards" id="quality" style=(columns) {
            @let silent = CallsQuery { silence: true, ..CallsQuery::default() };
            (share_card(s, Condition::Silence, "Silent", "no inbound audio", None,
                calls_link(s, &silent)))
            @for issue in Issue::ALL {
                @let query = CallsQuery { issue: Some(*issue), ..CallsQuery::default() };
                (share_card(s, Condition::of_issue(*issue), issue.title(), &t.meaning(*issue),
                    Some(*issue), calls_link(s, &query)))
            }
        }
    }
}

/// A condition's share, coloured against its alert, linking to `href`.
/// `issue`: the quality issue the card counts, rather than `condition`.
fn share_card(
    s: &StatusSnapshot,
    condition: Condition,
    title: &str,
    meaning: &str,
    issue: Option<Issue>,
    href: Option<String>,
) -> Markup {
    let c = &s.figures.counts;
    let (n, of) = match issue {
        Some(issue) => (c.issues[issue.index()], c.with_media),
        None => condition.count(c),
    };
    let rule = condition.rule();
    let what = condition.of_what();
    let calls = match of {
        0 => format!("no {what} yet"),
        d if d < rule.floor => format!("{n} of {}, under {}: no alert", n_calls(d), rule.floor),
        d => format!("{n} of {}", n_calls(d)),
    };
    let class = format!("card {}", share_level(n, of, rule).class());
    let id = match issue {
        Some(issue) => format!("share-{}", issue.as_str()),
        None => format!("share-{}", condition.as_str()),
    };
    card(
        &class,
        &id,
        href,
        &share(n, of),
        title,
        &format!("{meaning} · {calls}"),
    )
}

fn latest_calls_section(s: &StatusSnapshot, calls: &[FinishedCall]) -> Markup {
    // The rows' links, like the cards', stay within the page's project.
    let filters = CallsQuery {
        project: s.project,
        ..CallsQuery::default()
    };
    let base = s.links.calls.as_deref();
    html! {
        section id="latest-bad-calls" {
            h2 { "Latest bad calls" }
            @if calls.is_empty() {
                p class="muted" {
                    "No bad calls yet: calls with a quality issue, silent calls, or calls \
                     that ended " code { "failed" } ", " code { "busy" } " or "
                    code { "no-answer" } ", appear here."
                }
            } @else {
                (calls_table(calls, base, &filters))
            }
            @if let Some(href) = calls_link(s, &CallsQuery::default()) {
                p class="more" { a href=(href) { "All bad calls →" } }
            }
        }
    }
}
