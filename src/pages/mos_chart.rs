//! The status page's MOS distribution: one SVG bar per bucket of the MOS
//! histogram, coloured by the ITU-T satisfaction band it falls in.

use maud::{html, Markup};

use super::format::share;
use crate::recorder::mos_bounds;

/// One bar of the MOS chart: calls with MOS in (`lo`, `hi`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Band {
    lo: Option<f64>,
    hi: f64,
    count: u64,
}

/// Per-bucket counts (the window's, not cumulative) to bands: each bucket
/// of `mos_bounds()`, then the one above every bound.
fn mos_bands(counts: &[u64]) -> Vec<Band> {
    let bounds = mos_bounds().iter().copied().chain([f64::INFINITY]);
    let mut lo = None;
    bounds
        .zip(counts)
        .map(|(hi, &count)| {
            let band = Band { lo, hi, count };
            lo = Some(hi);
            band
        })
        .collect()
}

impl Band {
    fn label(&self) -> String {
        match self.lo {
            None => format!("≤ {}", self.hi),
            Some(lo) if self.hi.is_infinite() => format!("> {lo}"),
            Some(lo) => format!("{lo} – {}", self.hi),
        }
    }

    /// The ITU-T G.107 user-satisfaction band of the middle of the range.
    fn quality(&self) -> (&'static str, &'static str) {
        let mos = match self.lo {
            None => self.hi,
            Some(lo) if self.hi.is_infinite() => lo,
            Some(lo) => (lo + self.hi) / 2.0,
        };
        MOS_QUALITY
            .iter()
            .find(|(from, _, _)| mos >= *from)
            .map_or(("#a4161a", "not recommended"), |(_, colour, name)| {
                (colour, name)
            })
    }
}

/// ITU-T G.107 Annex B: MOS from which each user-satisfaction band starts.
const MOS_QUALITY: [(f64, &str, &str); 6] = [
    (4.34, "#1a7f37", "very satisfied"),
    (4.03, "#6cc070", "satisfied"),
    (3.60, "#e0b000", "some users dissatisfied"),
    (3.10, "#f08c00", "many users dissatisfied"),
    (2.58, "#e8590c", "nearly all users dissatisfied"),
    (f64::NEG_INFINITY, "#a4161a", "not recommended"),
];

const ROW: f64 = 24.0;
const BAR_HEIGHT: f64 = 17.0;
const BAR_X: f64 = 80.0;
const BAR_MAX: f64 = 420.0;
const CHART_WIDTH: f64 = 620.0;

/// The section: `counts` per bucket over `window`, `low_mos` marked.
pub fn mos_section(counts: &[u64], window: &str, low_mos: f64) -> Markup {
    let bands = mos_bands(counts);
    let total: u64 = bands.iter().map(|b| b.count).sum();
    html! {
        section id="mos" {
            h2 {
                "MOS distribution "
                span class="muted" { "· " (window) ", " (total) " calls with a MOS" }
            }
            @if total == 0 {
                p class="muted" {
                    "No MOS yet: it comes from " code { "AudioInMos" }
                    " on completed calls with inbound media."
                }
            } @else {
                (mos_chart(&bands, total, low_mos))
                (mos_legend(low_mos))
            }
        }
    }
}

/// Horizontal bars, best MOS on top as on the dashboard's heatmap, widths
/// proportional to the largest band.
fn mos_chart(bands: &[Band], total: u64, low_mos: f64) -> Markup {
    let max = bands.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let height = ROW * bands.len() as f64 + 4.0;
    // The low_mos threshold as a dashed line on the band boundary it falls
    // on, midway in the gap above the band's bar.
    let threshold = bands
        .iter()
        .position(|b| (b.hi - low_mos).abs() < 1e-9)
        .map(|k| (bands.len() - 1 - k) as f64 * ROW + 2.0 - (ROW - BAR_HEIGHT) / 2.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(CHART_WIDTH) height=(height)
            viewBox={ "0 0 " (CHART_WIDTH) " " (height) } role="img"
            aria-label="Calls by MOS band" font-size="12" {
            @for (row, band) in bands.iter().rev().enumerate() {
                (mos_bar(band, row as f64 * ROW + 2.0, max, total))
            }
            @if let Some(y) = threshold {
                // Closed explicitly: inside SVG an unclosed element holds what follows.
                line class="threshold" x1="0" x2=(BAR_X + BAR_MAX) y1=(y) y2=(y)
                    stroke="#cf222e" stroke-width="1.5" stroke-dasharray="5 3" {}
            }
        }
    }
}

fn mos_bar(band: &Band, y: f64, max: u64, total: u64) -> Markup {
    let width = (band.count as f64 / max as f64 * BAR_MAX * 10.0).round() / 10.0;
    let (colour, quality) = band.quality();
    let label = band.label();
    let text_y = y + BAR_HEIGHT / 2.0 + 4.0;
    let count = band.count;
    html! {
        text x=(BAR_X - 8.0) y=(text_y) text-anchor="end" fill="#424a53" { (label) }
        rect x=(BAR_X) y=(y) width=(BAR_MAX) height=(BAR_HEIGHT) fill="#f1f3f5" {}
        rect class="bar" x=(BAR_X) y=(y) width=(width) height=(BAR_HEIGHT) fill=(colour) {
            title { "MOS " (label) ": " (count) " calls, " (quality) }
        }
        text x=(BAR_X + BAR_MAX + 8.0) y=(text_y) fill="#424a53" {
            (count) " · " (share(count, total))
        }
    }
}

fn mos_legend(low_mos: f64) -> Markup {
    html! {
        div class="legend" {
            @for (_, colour, name) in MOS_QUALITY {
                span class="key" { i style={ "background:" (colour) } {} (name) }
            }
            span class="key" { i class="dash" {} "low_mos: MOS ≤ " (low_mos) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(counts: &[u64]) -> String {
        mos_section(counts, "last 5 minutes", 3.5).into_string()
    }

    #[test]
    fn mos_bars_are_as_wide_as_their_share_of_the_largest_band() {
        // Bands: ≤1: 0, 1–2: 10, 2–2.6: 5, then 5 above 4.5; the rest 0.
        let html = render(&[0, 10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 12);
        // Best on top: > 4.5 is row 0, ≤ 1 row 11; rows are 24 high from y=2.
        for (y, width) in [
            (2, "210"),
            (26, "0"),
            (218, "210"),
            (242, "420"),
            (266, "0"),
        ] {
            let bar = format!(
                "<rect class=\"bar\" x=\"80\" y=\"{y}\" width=\"{width}\" height=\"17\" \
                 fill=\"#"
            );
            assert!(html.contains(&bar), "{bar}");
        }
        assert!(html.contains(
            "width=\"210\" height=\"17\" fill=\"#1a7f37\">\
             <title>MOS &gt; 4.5: 5 calls, very satisfied</title>"
        ));
        assert!(html.contains(">10 · 50%</text>"));
        assert!(html.contains(">5 · 25%</text>"));
        // The low_mos line sits between 3.1 – 3.5 (row 7) and 3.5 – 3.6 (row 6).
        assert!(html.contains("y1=\"166.5\" y2=\"166.5\""));
        assert!(html.contains("· last 5 minutes, 20 calls with a MOS</span>"));
    }

    #[test]
    fn every_svg_element_is_closed() {
        let html = render(&[1; 12]);
        let opened = html.matches("<rect").count() + html.matches("<line").count();
        let closed = html.matches("</rect>").count() + html.matches("</line>").count();
        assert_eq!((opened, closed), (25, 25));
    }

    #[test]
    fn mos_bands_take_the_colour_of_their_itu_satisfaction_band() {
        let bands = mos_bands(&[0; 12]);
        let colours: Vec<&str> = bands.iter().map(|b| b.quality().0).collect();
        let (dark_red, red, orange, yellow, light, green) = (
            "#a4161a", "#e8590c", "#f08c00", "#e0b000", "#6cc070", "#1a7f37",
        );
        assert_eq!(
            colours,
            [
                dark_red, dark_red, dark_red, red, orange, orange, yellow, light, light, green,
                green, green
            ]
        );
    }

    #[test]
    fn without_a_mos_the_section_says_where_it_comes_from() {
        let html = render(&[0; 12]);
        assert!(html.contains("No MOS yet: it comes from <code>AudioInMos</code>"));
        assert!(!html.contains("<svg"));
    }
}
