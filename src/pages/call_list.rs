//! The HTML view of `/calls`: the filters as links, then the table.

use maud::{html, Markup};

use super::call_table::calls_table;
use super::filters::{calls_url, describe, with_issue, with_silence};
use super::layout::{header, page};
use super::Links;
use crate::call_state::CallsQuery;
use crate::domain::{CallStatus, Direction, FinishedCall, Issue, SILENCE};

/// The `/calls` page: `calls` as the call table selected them for `filters`.
pub fn render_calls_page(links: &Links, calls: &[FinishedCall], filters: &CallsQuery) -> String {
    // Without a configured path the links stay relative to the page itself.
    let base = links.calls.as_deref().unwrap_or("");
    let mut nav = vec![(links.home.as_str(), "Status")];
    if let Some(metrics) = &links.metrics {
        nav.push((metrics.as_str(), "Metrics"));
    }
    let note = "calls with a quality issue, silent, or that ended failed, busy or no-answer, \
                newest first";
    let body = html! {
        (header("Bad calls", note, &nav))
        (filter_bar(base, filters))
        section id="calls" {
            h2 {
                (calls.len()) " " (if calls.len() == 1 { "call" } else { "calls" })
                (describe(filters))
            }
            @if calls.is_empty() {
                (no_calls(base, filters))
            } @else {
                (calls_table(calls, Some(base), filters))
            }
        }
    };
    page("Bad calls · SignalWire Exporter", None, body)
}

fn no_calls(base: &str, filters: &CallsQuery) -> Markup {
    if *filters == CallsQuery::default() {
        return html! {
            p class="muted" {
                "No bad calls yet. This list holds the latest finished calls that had a \
                 quality issue, were " code { "silent" } " (no inbound audio) or ended "
                code { "failed" } ", " code { "busy" } " or " code { "no-answer" } "."
            }
        };
    }
    html! {
        p class="muted" {
            "No call matches these filters. "
            a href=(calls_url(base, &CallsQuery::default())) { "Show all" }
        }
    }
}

/// One link of the filter bar: `on` for the current value.
struct Choice {
    text: String,
    query: CallsQuery,
    on: bool,
}

/// "all" and each of `values`, `set` making the query that picks one.
fn choices<T: Copy + PartialEq>(
    current: Option<T>,
    values: impl IntoIterator<Item = T>,
    name: fn(T) -> &'static str,
    set: impl Fn(Option<T>) -> CallsQuery,
) -> Vec<Choice> {
    let all = Choice {
        text: "all".into(),
        query: set(None),
        on: current.is_none(),
    };
    let each = values.into_iter().map(|v| Choice {
        text: name(v).into(),
        query: set(Some(v)),
        on: current == Some(v),
    });
    std::iter::once(all).chain(each).collect()
}

/// The issue line: "all", each quality issue, silence, then "any".
fn issue_choices(q: &CallsQuery) -> Vec<Choice> {
    let none = !q.silence && q.issue.is_none();
    let issue = |i: Issue| Choice {
        text: i.as_str().into(),
        query: with_issue(q, Some(i)),
        on: q.issue == Some(i),
    };
    let silence = Choice {
        text: SILENCE.into(),
        query: with_silence(q),
        on: q.silence,
    };
    let all = Choice {
        text: "all".into(),
        query: with_issue(q, None),
        on: none,
    };
    std::iter::once(all)
        .chain(Issue::named().map(issue))
        .chain([silence, issue(Issue::Any)])
        .collect()
}

/// The project or country filter in use and "all" to drop it; no line
/// without one (each row's value links to its filter).
fn kept_choices(value: Option<String>, all: CallsQuery, q: &CallsQuery) -> Vec<Choice> {
    let Some(value) = value else {
        return Vec::new();
    };
    let all = Choice {
        text: "all".into(),
        query: all,
        on: false,
    };
    let each = Choice {
        text: value,
        query: *q,
        on: true,
    };
    vec![all, each]
}

/// One line per filter: "all" and each value, the current one highlighted.
fn filter_bar(base: &str, q: &CallsQuery) -> Markup {
    let q = *q;
    let statuses = CallStatus::known().filter(|s| s.is_terminal());
    let groups = [
        ("Issue", issue_choices(&q)),
        (
            "Direction",
            choices(
                q.direction,
                Direction::ALL.iter().copied(),
                Direction::as_str,
                |d| CallsQuery { direction: d, ..q },
            ),
        ),
        (
            "Status",
            choices(q.status, statuses, CallStatus::as_str, |status| {
                CallsQuery { status, ..q }
            }),
        ),
        (
            "Project",
            kept_choices(
                q.project.map(|p| p.as_str().to_owned()),
                CallsQuery { project: None, ..q },
                &q,
            ),
        ),
        (
            "Country",
            kept_choices(
                q.country.map(|c| c.to_string()),
                CallsQuery { country: None, ..q },
                &q,
            ),
        ),
    ];
    html! {
        section class="filters" id="filters" {
            @for (title, choices) in groups.iter().filter(|(_, c)| !c.is_empty()) {
                div {
                    b { (title) }
                    @for c in choices {
                        a class=[c.on.then_some("on")] href=(calls_url(base, &c.query)) { (c.text) }
                    }
                }
            }
        }
    }
}
