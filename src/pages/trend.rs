//! The status page's last hour, one column a minute, as inline SVG: calls
//! ended stacked by outcome, and below them the share of calls with media
//! that had a quality issue and the share of completed calls that were
//! silent.

use maud::{html, Markup};
use time::OffsetDateTime;

use super::format::share;
use crate::domain::CallStatus;
use crate::recorder::{Minute, MinuteCounts, ENDED};

const LEFT: f64 = 48.0;
const COLUMN: f64 = 15.0;
const BAR: f64 = 12.0;
const BARS_TOP: f64 = 10.0;
const BARS_HEIGHT: f64 = 110.0;
const SHARES_TOP: f64 = 142.0;
const SHARES_HEIGHT: f64 = 80.0;
const HEIGHT: f64 = 248.0;

/// Each terminal status's colour, in `ENDED` order.
fn colour(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Completed => "#2da44e",
        CallStatus::Busy => "#bf8700",
        CallStatus::NoAnswer => "#fb8f44",
        CallStatus::Failed => "#cf222e",
        _ => "#8c959f",
    }
}

const ANY_COLOUR: &str = "#0b57d0";
const SILENT_COLOUR: &str = "#8250df";

fn hh_mm(at: OffsetDateTime) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

fn ended(c: &MinuteCounts) -> u64 {
    c.ended.iter().sum()
}

fn completed(c: &MinuteCounts) -> u64 {
    c.ended[0]
}

/// The section, `minutes` oldest first.
pub fn trend_section(minutes: &[Minute]) -> Markup {
    let total: u64 = minutes.iter().map(|m| ended(&m.counts)).sum();
    html! {
        section id="trend" {
            h2 {
                "Last hour "
                span class="muted" { "· calls ended per minute, " (total) " in all" }
            }
            (trend_chart(minutes))
            div class="legend" {
                @for status in ENDED {
                    span class="key" { i style={ "background:" (colour(status)) } {} (status) }
                }
                span class="key" {
                    i style={ "background:" (ANY_COLOUR) } {}
                    "any quality issue, of calls with media"
                }
                span class="key" {
                    i style={ "background:" (SILENT_COLOUR) } {} "silent, of completed calls"
                }
            }
        }
    }
}

fn trend_chart(minutes: &[Minute]) -> Markup {
    let width = LEFT + COLUMN * minutes.len() as f64 + 8.0;
    let max = minutes
        .iter()
        .map(|m| ended(&m.counts))
        .max()
        .unwrap_or(0)
        .max(1);
    let shares = |m: &Minute| {
        [
            (m.counts.any, m.counts.with_media),
            (m.counts.silent, completed(&m.counts)),
        ]
    };
    let top_share = minutes
        .iter()
        .flat_map(&shares)
        .filter(|(_, of)| *of > 0)
        .map(|(n, of)| n as f64 / of as f64)
        .fold(0.1, f64::max);
    // The share axis ends on a whole ten percent.
    let top_share = (top_share * 10.0).ceil() / 10.0;
    let any = line(minutes, top_share, |m| shares(m)[0]);
    let silent = line(minutes, top_share, |m| shares(m)[1]);
    let bottom = BARS_TOP + BARS_HEIGHT;
    let shares_bottom = SHARES_TOP + SHARES_HEIGHT;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(HEIGHT)
            viewBox={ "0 0 " (width) " " (HEIGHT) } role="img"
            aria-label="Calls ended per minute by outcome, and the shares with an issue and silent"
            font-size="11" {
            (axis(BARS_TOP, bottom, width, &max.to_string()))
            (axis(SHARES_TOP, shares_bottom, width, &format!("{}%", (top_share * 100.0).round())))
            @for (i, m) in minutes.iter().enumerate() {
                (column(m, LEFT + COLUMN * i as f64, max))
            }
            path class="trend-any" d=(any) fill="none" stroke=(ANY_COLOUR) stroke-width="2"
                stroke-linecap="round" stroke-linejoin="round" {}
            path class="trend-silent" d=(silent) fill="none" stroke=(SILENT_COLOUR)
                stroke-width="2" stroke-linecap="round" stroke-linejoin="round" {}
            @for i in [0, minutes.len() / 2, minutes.len().saturating_sub(1)] {
                @if let Some(m) = minutes.get(i) {
                    text x=(LEFT + COLUMN * i as f64 + COLUMN / 2.0) y=(HEIGHT - 6.0)
                        text-anchor="middle" fill="#656d76" { (hh_mm(m.start)) }
                }
            }
        }
    }
}

/// A panel's baseline and top line, the top labelled.
fn axis(top: f64, bottom: f64, width: f64, label: &str) -> Markup {
    html! {
        line x1=(LEFT) x2=(width - 4.0) y1=(bottom) y2=(bottom) stroke="#d0d7de" {}
        line x1=(LEFT) x2=(width - 4.0) y1=(top) y2=(top) stroke="#eaeef2"
            stroke-dasharray="3 3" {}
        text x=(LEFT - 6.0) y=(top + 4.0) text-anchor="end" fill="#656d76" { (label) }
        text x=(LEFT - 6.0) y=(bottom + 4.0) text-anchor="end" fill="#656d76" { "0" }
    }
}

/// One minute's stacked bar, completed at the bottom.
fn column(m: &Minute, x: f64, max: u64) -> Markup {
    let c = &m.counts;
    let scale = BARS_HEIGHT / max as f64;
    let mut y = BARS_TOP + BARS_HEIGHT;
    // Each outcome's bar: status, top and height, bottom up.
    let mut bars = Vec::new();
    for (status, n) in ENDED.iter().zip(c.ended).filter(|(_, n)| *n > 0) {
        let h = round(n as f64 * scale);
        y -= h;
        bars.push((*status, round(y), h));
    }
    html! {
        g class="minute" {
            title { (column_title(m)) }
            rect x=(x) y=(BARS_TOP) width=(COLUMN) height=(BARS_HEIGHT + 1.0) fill="transparent" {}
            @for (status, y, h) in bars {
                rect class={ "ended " (status) } x=(x + (COLUMN - BAR) / 2.0) y=(y)
                    width=(BAR) height=(h) fill=(colour(status)) {}
            }
        }
    }
}

/// What a minute's tooltip says.
fn column_title(m: &Minute) -> String {
    let c = &m.counts;
    let parts: Vec<String> = ENDED
        .iter()
        .zip(c.ended)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    format!(
        "{}: {} ended{}{} · any issue {} of {} with media · silent {} of {} completed",
        hh_mm(m.start),
        ended(c),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", "),
        share(c.any, c.with_media),
        c.with_media,
        share(c.silent, completed(c)),
        completed(c),
    )
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A path through each minute's share, broken where it has no calls to
/// share; a lone minute is a dot.
fn line(minutes: &[Minute], top: f64, of: impl Fn(&Minute) -> (u64, u64)) -> String {
    let mut d = String::new();
    let mut run = 0;
    for (i, m) in minutes.iter().enumerate() {
        let (n, total) = of(m);
        if total == 0 {
            if run == 1 {
                d.push_str(" h0");
            }
            run = 0;
            continue;
        }
        let x = LEFT + COLUMN * i as f64 + COLUMN / 2.0;
        let y = round(SHARES_TOP + SHARES_HEIGHT * (1.0 - n as f64 / total as f64 / top));
        let op = if run == 0 { 'M' } else { 'L' };
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str(&format!("{op}{x} {y}"));
        run += 1;
    }
    if run == 1 {
        d.push_str(" h0");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn hour() -> Vec<Minute> {
        let start = datetime!(2026-12-07 10:02 UTC);
        (0..60)
            .map(|i| Minute {
                start: start + time::Duration::minutes(i),
                counts: MinuteCounts::default(),
            })
            .collect()
    }

    #[test]
    fn each_minute_stacks_its_outcomes_and_the_shares_are_lines() {
        let mut minutes = hour();
        // 10 ended at 11:00: 6 completed, 4 failed; 5 with media, 1 with an issue.
        minutes[58].counts = MinuteCounts {
            ended: [6, 0, 0, 4, 0],
            with_media: 5,
            any: 1,
            silent: 0,
        };
        minutes[59].counts = MinuteCounts {
            ended: [5, 0, 0, 0, 0],
            with_media: 4,
            any: 2,
            silent: 1,
        };
        let html = trend_section(&minutes).into_string();
        assert_eq!(html.matches("<g class=\"minute\">").count(), 60);
        // 11:00 is column 58, x = 48 + 58 * 15 + 1.5; 11 px a call.
        assert!(html.contains(
            "<rect class=\"ended completed\" x=\"919.5\" y=\"54\" width=\"12\" height=\"66\""
        ));
        assert!(html.contains(
            "<rect class=\"ended failed\" x=\"919.5\" y=\"10\" width=\"12\" height=\"44\""
        ));
        assert!(html.contains(
            "<title>11:00: 10 ended: 6 completed, 4 failed · any issue 20% of 5 with media · \
             silent 0% of 6 completed</title>"
        ));
        // Shares on a 0-50% axis (the top share is 50%): 20% and 50%.
        assert!(html.contains("<path class=\"trend-any\" d=\"M925.5 190 L940.5 142\""));
        assert!(html.contains("<path class=\"trend-silent\" d=\"M925.5 222 L940.5 190\""));
        assert!(html.contains(">50%</text>"));
        assert!(html.contains(">10:02</text>") && html.contains(">11:01</text>"));
        assert!(html.contains("· calls ended per minute, 15 in all</span>"));
    }

    #[test]
    fn a_lone_minute_is_a_dot_and_every_svg_element_is_closed() {
        let mut minutes = hour();
        minutes[3].counts.ended = [1, 0, 0, 0, 0];
        minutes[3].counts.with_media = 1;
        let html = trend_section(&minutes).into_string();
        assert!(html.contains("d=\"M100.5 222 h0\""), "{html}");
        assert!(html.contains("<path class=\"trend-silent\" d=\"M100.5 222 h0\""));
        for element in ["rect", "line", "path", "text", "g"] {
            let open = html.matches(&format!("<{element} ")).count()
                + html.matches(&format!("<{element}>")).count();
            assert_eq!(
                open,
                html.matches(&format!("</{element}>")).count(),
                "{element}"
            );
        }
    }
}
