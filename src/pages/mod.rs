//! The status page (`GET /`) and the HTML view of `/calls`, rendered from
//! plain data: what a person needs to see without Grafana. Pure functions, so
//! the routes only gather a snapshot and every pixel is tested here.
//!
//! Colours follow the alert thresholds (README, "Alerts"): an issue share
//! above 10% is red, as `SignalWireLowMOS` and `SignalWireHighPacketLoss`
//! fire above it; above 5%, half way there, amber; green otherwise.

use crate::domain::{CallStatus, Direction};

pub mod html;

use html::{escape, page, url_with_query};

/// Everything the status page shows. Counts are over `window`.
#[derive(Debug, Clone)]
pub struct StatusSnapshot {
    pub version: String,
    pub links: Links,
    /// The counts' window as it reads after "in the", e.g. "last 5 minutes".
    pub window: String,
    /// Calls with a terminal event in the window.
    pub calls_ended: u64,
    /// The denominator of every issue share: ended calls with inbound media.
    pub calls_with_media: u64,
    pub issues: IssueCounts,
    pub thresholds: QualityThresholds,
    /// MOS histogram as Prometheus keeps it: (upper bound `le`, cumulative
    /// count), ascending, the last bound `f64::INFINITY`.
    pub mos_buckets: Vec<(f64, u64)>,
    /// Webhook outcome label → requests, in display order.
    pub webhooks: Vec<(&'static str, u64)>,
    /// The newest bad calls, newest first; `None` hides the table (say,
    /// because `/calls` needs credentials this page does not ask for).
    pub latest_bad_calls: Option<Vec<CallRow>>,
}

/// Where things are, route prefix included. `None`: not served on this listener.
#[derive(Debug, Clone)]
pub struct Links {
    /// The status page itself.
    pub home: String,
    pub metrics: Option<String>,
    pub healthz: String,
    /// The HTML view of `/calls`.
    pub calls: Option<String>,
    /// The status callback URL to give SignalWire: `--web.external-url` and
    /// the path when known, else the path.
    pub webhook: String,
}

/// Calls in the window with each quality issue (`any`: at least one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueCounts {
    pub low_mos: u64,
    pub high_packet_loss: u64,
    pub high_jitter: u64,
    pub any: u64,
}

/// The `--quality.*` flags, to say what each issue means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityThresholds {
    pub low_mos: f64,
    pub high_packet_loss: f64,
    pub high_jitter_variance: f64,
}

/// One finished call of `/calls`. Strings come from payloads: they are
/// escaped when rendered. `None` where unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallRow {
    /// RFC 3339.
    pub received_at: String,
    pub account_sid: Option<String>,
    pub call_sid: String,
    pub status: String,
    /// The label value.
    pub direction: String,
    pub sip_result_code: Option<String>,
    pub duration_seconds: Option<f64>,
    pub mos: Option<f64>,
    pub packet_loss_ratio: Option<f64>,
    pub jitter_max_variance: Option<f64>,
    pub post_dial_delay_seconds: Option<f64>,
    pub answer_delay_seconds: Option<f64>,
    /// Issue names, without `any`.
    pub issues: Vec<&'static str>,
}

/// The filters of a `/calls` request, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallsFilters {
    pub issue: Option<String>,
    pub direction: Option<String>,
    pub status: Option<String>,
    pub limit: Option<usize>,
}

/// The issue names of `/calls?issue=`, in display order.
pub const ISSUES: [&str; 4] = ["low_mos", "high_packet_loss", "high_jitter", "any"];

/// An issue share above this many percent is red: the `SignalWireLowMOS` threshold.
const RED_ABOVE_PERCENT: u128 = 10;
/// Above this, amber: half way to the alert.
const AMBER_ABOVE_PERCENT: u128 = 5;
/// The alerts' minimum volume: fewer calls with media never page.
const ALERT_MIN_CALLS: u64 = 30;

/// How a figure compares with the alert thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing to judge: no calls with media.
    None,
    Green,
    Amber,
    Red,
}

impl Level {
    fn class(self) -> &'static str {
        match self {
            Level::None => "grey",
            Level::Green => "green",
            Level::Amber => "amber",
            Level::Red => "red",
        }
    }
}

/// The colour of `calls` out of `with_media`: red above 10%, amber above 5%.
pub fn share_level(calls: u64, with_media: u64) -> Level {
    if with_media == 0 {
        return Level::None;
    }
    // Integer comparisons: exactly 10% is not "more than 10%".
    let (calls, total) = (u128::from(calls), u128::from(with_media));
    if calls * 100 > total * RED_ABOVE_PERCENT {
        Level::Red
    } else if calls * 100 > total * AMBER_ABOVE_PERCENT {
        Level::Amber
    } else {
        Level::Green
    }
}

/// The status page.
pub fn render_status_page(s: &StatusSnapshot) -> String {
    let mut body = String::from("<main>\n");
    let note = format!("version {}", s.version);
    body.push_str(&header("SignalWire Exporter", &note, &status_nav(&s.links)));
    body.push_str(&banner(s));
    if s.webhooks.iter().all(|(_, n)| *n == 0) {
        body.push_str(&getting_started(&s.links));
    }
    body.push_str(&cards(s));
    body.push_str("<div class=\"cols\">\n");
    body.push_str(&mos_section(s));
    body.push_str(&webhooks_section(&s.webhooks, &s.window));
    body.push_str("</div>\n");
    if let Some(rows) = &s.latest_bad_calls {
        body.push_str(&latest_calls_section(rows, &s.links));
    }
    body.push_str("</main>\n");
    page("SignalWire Exporter", Some(10), &body)
}

/// The page title, a muted note after it, and navigation links.
fn header(title: &str, note: &str, nav: &[(&str, &str)]) -> String {
    let nav: String = nav
        .iter()
        .map(|(href, text)| format!("<a href=\"{}\">{}</a>", escape(href), escape(text)))
        .collect();
    format!(
        "<header><h1>{}</h1><span class=\"ver\">{}</span><nav>{nav}</nav></header>\n",
        escape(title),
        escape(note)
    )
}

/// The navigation of the status page: only what this listener serves.
fn status_nav(links: &Links) -> Vec<(&str, &str)> {
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

/// The issues in display order with their names and what they mean.
fn issue_list(s: &StatusSnapshot) -> [(&'static str, &'static str, u64, String); 4] {
    let t = &s.thresholds;
    let i = &s.issues;
    [
        (
            "low_mos",
            "Low MOS",
            i.low_mos,
            format!("MOS ≤ {}", t.low_mos),
        ),
        (
            "high_packet_loss",
            "High packet loss",
            i.high_packet_loss,
            format!("loss > {}", percent(t.high_packet_loss)),
        ),
        (
            "high_jitter",
            "High jitter",
            i.high_jitter,
            format!("jitter variance > {} ms²", t.high_jitter_variance),
        ),
        (
            "any",
            "Any issue",
            i.any,
            "at least one of these".to_owned(),
        ),
    ]
}

/// One line that says whether anything is wrong, coloured by the worst share.
fn banner(s: &StatusSnapshot) -> String {
    let issues = issue_list(s);
    let worst = issues
        .iter()
        .map(|(_, _, n, _)| share_level(*n, s.calls_with_media))
        .max()
        .unwrap_or(Level::None);
    // The issues at the worst level; `any` only when it alone is there (say,
    // 6% low MOS and 6% high loss in different calls make 12% with any).
    let at_worst: Vec<_> = issues
        .iter()
        .filter(|(_, _, n, _)| share_level(*n, s.calls_with_media) == worst)
        .collect();
    let named: Vec<String> = at_worst
        .iter()
        .filter(|(name, ..)| *name != "any" || at_worst.len() == 1)
        .map(|(_, label, n, _)| {
            format!("{} in {}", lowercase(label), share(*n, s.calls_with_media))
        })
        .collect();
    let text = match worst {
        Level::None if s.calls_ended == 0 => format!("No calls ended in the {}.", s.window),
        Level::None => format!(
            "{} calls ended in the {}, none with inbound media to judge.",
            s.calls_ended, s.window
        ),
        Level::Green => format!(
            "Call quality looks healthy: {} calls ended in the {}.",
            s.calls_ended, s.window
        ),
        Level::Amber => format!(
            "Call quality needs watching: {} of calls with media.",
            named.join(", ")
        ),
        Level::Red => format!(
            "Call quality degraded: {} of calls with media.",
            named.join(", ")
        ),
    };
    format!(
        "<div class=\"banner {}\" id=\"verdict\">{}</div>\n",
        worst.class(),
        escape(&text)
    )
}

/// "Low MOS" → "low MOS": a label inside a sentence.
fn lowercase(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// Shown until the first webhook arrives: what to configure.
fn getting_started(links: &Links) -> String {
    format!(
        "<section id=\"getting-started\"><h2>No status callbacks received yet</h2>\n\
         <p>Point SignalWire's status callback at <code>{}</code> (the <code>StatusCallback</code> \
         of a call, or the phone number's status change webhook), by POST or GET.</p>\n\
         <p>Send <code>StatusCallbackEvent=initiated ringing answered completed</code> for \
         setup delays and active calls; <code>completed</code> alone (SignalWire's default) is \
         enough for call quality.</p></section>\n",
        escape(&links.webhook)
    )
}

fn cards(s: &StatusSnapshot) -> String {
    let mut out = String::from("<div class=\"cards\">\n");
    out.push_str(&format!(
        "<div class=\"card neutral\" id=\"calls-ended\"><div class=\"big\">{}</div>\
         <div class=\"what\">Calls ended</div>\
         <div class=\"sub\">{} with media · {}</div></div>\n",
        s.calls_ended,
        s.calls_with_media,
        escape(&s.window)
    ));
    for (name, label, n, meaning) in issue_list(s) {
        out.push_str(&issue_card(s, name, label, n, &meaning));
    }
    out.push_str("</div>\n");
    out
}

fn issue_card(s: &StatusSnapshot, name: &str, label: &str, n: u64, meaning: &str) -> String {
    let level = share_level(n, s.calls_with_media);
    let calls = match s.calls_with_media {
        0 => "no calls with media yet".to_owned(),
        m if m < ALERT_MIN_CALLS => format!("{n} of {m} calls, under {ALERT_MIN_CALLS}: no alert"),
        m => format!("{n} of {m} calls"),
    };
    let inner = format!(
        "<div class=\"big\">{}</div><div class=\"what\">{label}</div>\
         <div class=\"sub\">{} · {calls}</div>",
        share(n, s.calls_with_media),
        escape(meaning),
    );
    let attrs = format!("class=\"card {}\" id=\"share-{name}\"", level.class());
    match &s.links.calls {
        Some(calls) => {
            let href = url_with_query(calls, &[("issue", name)]);
            format!("<a {attrs} href=\"{}\">{inner}</a>\n", escape(&href))
        }
        None => format!("<div {attrs}>{inner}</div>\n"),
    }
}

/// `n` out of `total` as a percentage with one decimal, or a dash.
fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return "–".to_owned();
    }
    percent(n as f64 / total as f64)
}

/// A ratio as a percentage with at most one decimal: 0.05 → "5%", 0.2312 → "23.1%".
fn percent(ratio: f64) -> String {
    format!("{}%", trimmed(ratio * 100.0, 1))
}

/// `v` with `decimals` decimals, without a trailing ".0".
fn trimmed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_suffix(&format!(".{}", "0".repeat(decimals))) {
        Some(whole) if decimals > 0 => whole.to_owned(),
        _ => text,
    }
}

/// One bar of the MOS chart: calls with MOS in (`lo`, `hi`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Band {
    lo: Option<f64>,
    hi: f64,
    count: u64,
}

/// Cumulative buckets to per-band counts. A bucket below the one before it
/// (a window delta across a restart) counts 0 rather than wrapping.
fn mos_bands(buckets: &[(f64, u64)]) -> Vec<Band> {
    let mut lo = None;
    let mut below = 0u64;
    buckets
        .iter()
        .map(|&(hi, cumulative)| {
            let band = Band {
                lo,
                hi,
                count: cumulative.saturating_sub(below),
            };
            lo = Some(hi);
            below = below.max(cumulative);
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

fn mos_section(s: &StatusSnapshot) -> String {
    let bands = mos_bands(&s.mos_buckets);
    let total: u64 = bands.iter().map(|b| b.count).sum();
    let mut out = format!(
        "<section id=\"mos\"><h2>MOS distribution \
         <span class=\"muted\">· {}, {total} calls with a MOS</span></h2>\n",
        escape(&s.window)
    );
    if total == 0 {
        out.push_str(
            "<p class=\"muted\">No MOS yet: it comes from <code>AudioInMos</code> on \
             completed calls with inbound media.</p>\n",
        );
    } else {
        out.push_str(&mos_chart(&bands, total, s.thresholds.low_mos));
        out.push_str(&mos_legend(s.thresholds.low_mos));
    }
    out.push_str("</section>\n");
    out
}

/// Horizontal bars, best MOS on top as on the dashboard's heatmap, widths
/// proportional to the largest band.
fn mos_chart(bands: &[Band], total: u64, low_mos: f64) -> String {
    let max = bands.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let height = ROW * bands.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {CHART_WIDTH} {height}\" role=\"img\" \
         aria-label=\"Calls by MOS band\" font-size=\"12\">\n"
    );
    for (row, band) in bands.iter().rev().enumerate() {
        svg.push_str(&mos_bar(band, row as f64 * ROW + 2.0, max, total));
    }
    // The low_mos threshold as a dashed line on the band boundary it falls on.
    if let Some(k) = bands.iter().position(|b| (b.hi - low_mos).abs() < 1e-9) {
        // Midway in the gap above the band's bar.
        let y = (bands.len() - 1 - k) as f64 * ROW + 2.0 - (ROW - BAR_HEIGHT) / 2.0;
        svg.push_str(&format!(
            "<line class=\"threshold\" x1=\"0\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" \
             stroke=\"#cf222e\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
            BAR_X + BAR_MAX
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn mos_bar(band: &Band, y: f64, max: u64, total: u64) -> String {
    let width = (band.count as f64 / max as f64 * BAR_MAX * 10.0).round() / 10.0;
    let (colour, quality) = band.quality();
    let label = escape(&band.label()).into_owned();
    let text_y = y + BAR_HEIGHT / 2.0 + 4.0;
    format!(
        "<text x=\"{lx}\" y=\"{text_y}\" text-anchor=\"end\" fill=\"#424a53\">{label}</text>\
         <rect x=\"{BAR_X}\" y=\"{y}\" width=\"{BAR_MAX}\" height=\"{BAR_HEIGHT}\" \
         fill=\"#f1f3f5\"/>\
         <rect class=\"bar\" x=\"{BAR_X}\" y=\"{y}\" width=\"{width}\" height=\"{BAR_HEIGHT}\" \
         fill=\"{colour}\"><title>MOS {label}: {count} calls, {quality}</title></rect>\
         <text x=\"{cx}\" y=\"{text_y}\" fill=\"#424a53\">{count} · {share}</text>\n",
        lx = BAR_X - 8.0,
        count = band.count,
        share = share(band.count, total),
        cx = BAR_X + BAR_MAX + 8.0,
    )
}

fn mos_legend(low_mos: f64) -> String {
    let keys: String = MOS_QUALITY
        .iter()
        .map(|(_, colour, name)| {
            format!("<span class=\"key\"><i style=\"background:{colour}\"></i>{name}</span>")
        })
        .collect();
    format!(
        "<div class=\"legend\">{keys}<span class=\"key\"><i class=\"dash\"></i>\
         low_mos: MOS ≤ {low_mos}</span></div>\n"
    )
}

fn webhooks_section(webhooks: &[(&'static str, u64)], window: &str) -> String {
    let total: u64 = webhooks.iter().map(|(_, n)| n).sum();
    let max = webhooks.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut out = format!(
        "<section id=\"webhooks\"><h2>Webhooks <span class=\"muted\">· {}, {total} requests\
         </span></h2>\n<table>\n",
        escape(window)
    );
    for (name, n) in webhooks {
        let width = (*n as f64 / max as f64 * 1000.0).round() / 10.0;
        out.push_str(&format!(
            "<tr class=\"outcome\"><td><code>{}</code></td><td class=\"num\">{n}</td>\
             <td><div class=\"meter\"><div style=\"width:{width}%;background:{}\"></div>\
             </div></td></tr>\n",
            escape(name),
            outcome_colour(name)
        ));
    }
    out.push_str("</table>\n");
    let count = |wanted: &str| {
        webhooks
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, n)| *n)
    };
    if count("invalid_signature").unwrap_or(0) > 0 && count("accepted") == Some(0) {
        out.push_str(
            "<p class=\"bad\">Every signed webhook was rejected: check the signing key and \
             that <code>--web.external-url</code> is the URL SignalWire calls.</p>\n",
        );
    }
    out.push_str("</section>\n");
    out
}

/// Green for accepted, grey for harmless duplicates, red for what an alert
/// watches (`invalid_signature`, `bad_request`), amber for the other rejections.
fn outcome_colour(name: &str) -> &'static str {
    match name {
        "accepted" => "#1a7f37",
        "duplicate" => "#8c959f",
        "invalid_signature" | "bad_request" => "#cf222e",
        _ => "#d97706",
    }
}

fn latest_calls_section(rows: &[CallRow], links: &Links) -> String {
    let mut out = String::from("<section id=\"latest-bad-calls\"><h2>Latest bad calls</h2>\n");
    if rows.is_empty() {
        out.push_str(
            "<p class=\"muted\">No bad calls yet: calls with a quality issue, or that ended \
             <code>failed</code>, <code>busy</code> or <code>no-answer</code>, appear here.</p>\n",
        );
    } else {
        out.push_str(&calls_table(
            rows,
            links.calls.as_deref(),
            &CallsFilters::default(),
        ));
    }
    if let Some(calls) = &links.calls {
        out.push_str(&format!(
            "<p class=\"more\"><a href=\"{}\">All bad calls →</a></p>\n",
            escape(calls)
        ));
    }
    out.push_str("</section>\n");
    out
}

const TABLE_HEAD: &str = "<thead><tr><th>Received</th><th>Call SID</th><th>Status</th>\
    <th>Direction</th><th class=\"num\">SIP</th><th class=\"num\">Duration</th>\
    <th class=\"num\">MOS</th><th class=\"num\">Loss</th>\
    <th class=\"num\" title=\"AudioInJitterMaxVariance, ms²\">Jitter var.</th>\
    <th class=\"num\">Post-dial</th><th class=\"num\">Answer</th><th>Issues</th></tr></thead>\n";

/// The calls as a table; with `base` (the `/calls` view), status, direction
/// and issues link to the list filtered on them, on top of `filters`.
fn calls_table(rows: &[CallRow], base: Option<&str>, filters: &CallsFilters) -> String {
    let mut out = format!("<div class=\"scroll\"><table class=\"calls\">\n{TABLE_HEAD}<tbody>\n");
    for row in rows {
        out.push_str(&call_row(row, base, filters));
    }
    out.push_str("</tbody></table></div>\n");
    out
}

fn call_row(row: &CallRow, base: Option<&str>, filters: &CallsFilters) -> String {
    let has = |issue: &str| row.issues.contains(&issue);
    let failed = matches!(row.status.as_str(), "failed" | "busy" | "no-answer");
    let link = |key, value: &str, class| filter_link(base, filters, key, value, class);
    let issues: String = row
        .issues
        .iter()
        .map(|i| link("issue", i, "pill"))
        .collect();
    let account = row.account_sid.as_deref().map_or(String::new(), |a| {
        format!(" title=\"Account {}\"", escape(a))
    });
    format!(
        "<tr class=\"call\"><td>{}</td><td class=\"sid\"{account}>{}</td><td>{}</td><td>{}</td>\
         <td class=\"num\">{}</td>{}{}{}{}{}{}<td class=\"issues\">{issues}</td></tr>\n",
        received(&row.received_at),
        escape(&row.call_sid),
        link("status", &row.status, if failed { "bad" } else { "" }),
        link("direction", &row.direction, ""),
        row.sip_result_code.as_deref().map_or("–".into(), escape),
        number_cell(row.duration_seconds, false, seconds),
        number_cell(row.mos, has("low_mos"), |v| format!("{v:.2}")),
        number_cell(row.packet_loss_ratio, has("high_packet_loss"), percent),
        number_cell(row.jitter_max_variance, has("high_jitter"), variance),
        number_cell(row.post_dial_delay_seconds, false, seconds),
        number_cell(row.answer_delay_seconds, false, seconds),
    )
}

fn variance(v: f64) -> String {
    trimmed(v, 1)
}

fn seconds(v: f64) -> String {
    format!("{} s", trimmed(v, 1))
}

/// An RFC 3339 time with its date muted: the time is what tells rows apart.
fn received(at: &str) -> String {
    match at.split_once('T') {
        Some((date, time)) => {
            format!(
                "<span class=\"muted\">{}</span> {}",
                escape(date),
                escape(time)
            )
        }
        None => escape(at).into_owned(),
    }
}

fn number_cell(value: Option<f64>, bad: bool, show: impl Fn(f64) -> String) -> String {
    let class = if bad { "num bad" } else { "num" };
    let text = value.map_or_else(|| "–".to_owned(), show);
    format!("<td class=\"{class}\">{text}</td>")
}

/// `value` as a link to the list filtered on `key=value` (the other filters
/// kept), or as plain text without a list to link to.
fn filter_link(
    base: Option<&str>,
    filters: &CallsFilters,
    key: &str,
    value: &str,
    class: &str,
) -> String {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    match base {
        Some(base) => format!(
            "<a{class} href=\"{}\">{}</a>",
            escape(&filters.with(key, Some(value)).url(base)),
            escape(value)
        ),
        None => format!("<span{class}>{}</span>", escape(value)),
    }
}

impl CallsFilters {
    /// These filters with `key` set to `value` (`None`: removed).
    pub fn with(&self, key: &str, value: Option<&str>) -> CallsFilters {
        let mut next = self.clone();
        let value = value.map(str::to_owned);
        match key {
            "issue" => next.issue = value,
            "direction" => next.direction = value,
            "status" => next.status = value,
            _ => {}
        }
        next
    }

    /// The query pairs, in a fixed order so equal filters give equal URLs.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let limit = self.limit.map(|l| l.to_string());
        [
            ("issue", self.issue.clone()),
            ("direction", self.direction.clone()),
            ("status", self.status.clone()),
            ("limit", limit),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }

    /// `base` with these filters as its query string.
    pub fn url(&self, base: &str) -> String {
        let pairs = self.pairs();
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let url = url_with_query(base, &borrowed);
        // An empty href is the current URL, query included: "?" clears the query.
        if url.is_empty() {
            "?".to_owned()
        } else {
            url
        }
    }
}

/// The HTML view of `/calls`: the filters as links, then the table.
pub fn render_calls_page(links: &Links, rows: &[CallRow], filters: &CallsFilters) -> String {
    // Without a configured path the links stay relative to the page itself.
    let base = links.calls.as_deref().unwrap_or("");
    let mut nav = vec![(links.home.as_str(), "Status")];
    if let Some(metrics) = &links.metrics {
        nav.push((metrics.as_str(), "Metrics"));
    }
    let mut body = String::from("<main>\n");
    body.push_str(&header(
        "Bad calls",
        "calls with a quality issue or that ended failed, busy or no-answer, newest first",
        &nav,
    ));
    body.push_str(&filter_bar(base, filters));
    let description = describe(filters);
    body.push_str(&format!(
        "<section id=\"calls\"><h2>{} {}{}</h2>\n",
        rows.len(),
        if rows.len() == 1 { "call" } else { "calls" },
        escape(&description)
    ));
    if rows.is_empty() {
        body.push_str(&no_calls(base, filters));
    } else {
        body.push_str(&calls_table(rows, Some(base), filters));
    }
    body.push_str("</section>\n</main>\n");
    page("Bad calls · SignalWire Exporter", None, &body)
}

/// " · issue = low_mos · limit 50", or "" without filters.
fn describe(filters: &CallsFilters) -> String {
    filters
        .pairs()
        .iter()
        .map(|(key, value)| match *key {
            "limit" => format!(" · newest {value}"),
            _ => format!(" · {key} = {value}"),
        })
        .collect()
}

fn no_calls(base: &str, filters: &CallsFilters) -> String {
    if filters.pairs().is_empty() {
        return "<p class=\"muted\">No bad calls yet. This list holds the latest finished calls \
                that had a quality issue or ended <code>failed</code>, <code>busy</code> or \
                <code>no-answer</code>.</p>\n"
            .to_owned();
    }
    format!(
        "<p class=\"muted\">No call matches these filters. <a href=\"{}\">Show all</a></p>\n",
        escape(&CallsFilters::default().url(base))
    )
}

/// One line per filter: "all" and each value, the current one highlighted.
fn filter_bar(base: &str, filters: &CallsFilters) -> String {
    let directions: Vec<&str> = Direction::ALL.iter().map(|d| d.as_str()).collect();
    let statuses: Vec<&str> = CallStatus::known()
        .filter(|s| s.is_terminal())
        .map(|s| s.as_str())
        .collect();
    let groups: [(&str, &str, &[&str], Option<&String>); 3] = [
        ("issue", "Issue", &ISSUES, filters.issue.as_ref()),
        (
            "direction",
            "Direction",
            &directions,
            filters.direction.as_ref(),
        ),
        ("status", "Status", &statuses, filters.status.as_ref()),
    ];
    let mut out = String::from("<section class=\"filters\" id=\"filters\">\n");
    for (key, title, values, current) in groups {
        let choice = |value: Option<&str>, text: &str| {
            let on = if value == current.map(String::as_str) {
                " class=\"on\""
            } else {
                ""
            };
            let href = filters.with(key, value).url(base);
            format!("<a{on} href=\"{}\">{}</a>", escape(&href), escape(text))
        };
        out.push_str(&format!("<div><b>{title}</b>{}", choice(None, "all")));
        for value in values {
            out.push_str(&choice(Some(value), value));
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorder's MOS bounds, and +Inf.
    fn bounds() -> Vec<f64> {
        let mos = crate::domain::MOS_BUCKETS.iter().copied();
        mos.chain([f64::INFINITY]).collect()
    }

    fn links() -> Links {
        Links {
            home: "/p/".into(),
            metrics: Some("/p/metrics".into()),
            healthz: "/p/healthz".into(),
            calls: Some("/p/calls".into()),
            webhook: "/p/status-callback".into(),
        }
    }

    fn row(sid: &str, status: &str, issues: Vec<&'static str>) -> CallRow {
        CallRow {
            received_at: "2026-11-29T18:41:07.412Z".into(),
            call_sid: sid.into(),
            status: status.into(),
            direction: "inbound".into(),
            mos: Some(3.1),
            packet_loss_ratio: Some(0.083),
            issues,
            ..CallRow::default()
        }
    }

    fn snapshot() -> StatusSnapshot {
        StatusSnapshot {
            version: "0.1.0".into(),
            links: links(),
            window: "last 5 minutes".into(),
            calls_ended: 120,
            calls_with_media: 100,
            issues: IssueCounts {
                low_mos: 11,
                high_packet_loss: 10,
                high_jitter: 5,
                any: 6,
            },
            thresholds: QualityThresholds {
                low_mos: 3.5,
                high_packet_loss: 0.05,
                high_jitter_variance: 900.0,
            },
            mos_buckets: bounds().into_iter().map(|b| (b, 100)).collect(),
            webhooks: vec![("accepted", 130), ("invalid_signature", 0)],
            latest_bad_calls: Some(vec![row("CA1", "failed", vec!["low_mos"])]),
        }
    }

    fn idle() -> StatusSnapshot {
        StatusSnapshot {
            calls_ended: 0,
            calls_with_media: 0,
            issues: IssueCounts::default(),
            mos_buckets: bounds().into_iter().map(|b| (b, 0)).collect(),
            webhooks: vec![("accepted", 0), ("invalid_signature", 0)],
            latest_bad_calls: Some(Vec::new()),
            ..snapshot()
        }
    }

    #[test]
    fn shares_above_ten_percent_are_red_above_five_amber_else_green() {
        assert_eq!(share_level(11, 100), Level::Red);
        assert_eq!(share_level(10, 100), Level::Amber);
        assert_eq!(share_level(6, 100), Level::Amber);
        assert_eq!(share_level(5, 100), Level::Green);
        assert_eq!(share_level(0, 100), Level::Green);
        assert_eq!(share_level(0, 0), Level::None);
        assert_eq!(share_level(u64::MAX, u64::MAX), Level::Red);
    }

    #[test]
    fn each_issue_card_takes_the_colour_of_its_share_and_links_to_its_calls() {
        let html = render_status_page(&snapshot());
        for (class, issue, share) in [
            ("red", "low_mos", "11%"),
            ("amber", "high_packet_loss", "10%"),
            ("green", "high_jitter", "5%"),
            ("amber", "any", "6%"),
        ] {
            let card = format!(
                "<a class=\"card {class}\" id=\"share-{issue}\" href=\"/p/calls?issue={issue}\">\
                 <div class=\"big\">{share}</div>"
            );
            assert!(html.contains(&card), "{card}");
        }
        assert!(html.contains(
            "<div class=\"banner red\" id=\"verdict\">\
             Call quality degraded: low MOS in 11% of calls with media.</div>"
        ));
        assert!(html.contains("MOS ≤ 3.5 · 11 of 100 calls</div>"));
        assert!(html.contains("loss &gt; 5% · 10 of 100 calls</div>"));
    }

    #[test]
    fn the_verdict_is_amber_when_the_worst_share_is_amber() {
        let mut s = snapshot();
        s.issues = IssueCounts {
            low_mos: 7,
            high_packet_loss: 1,
            high_jitter: 7,
            any: 8,
        };
        assert!(render_status_page(&s).contains(
            "<div class=\"banner amber\" id=\"verdict\">Call quality needs watching: \
             low MOS in 7%, high jitter in 7% of calls with media.</div>"
        ));
        s.issues = IssueCounts {
            low_mos: 1,
            high_packet_loss: 0,
            high_jitter: 0,
            any: 1,
        };
        assert!(render_status_page(&s).contains(
            "<div class=\"banner green\" id=\"verdict\">\
             Call quality looks healthy: 120 calls ended in the last 5 minutes.</div>"
        ));
    }

    #[test]
    fn few_calls_say_the_alerts_wait_for_volume() {
        let mut s = snapshot();
        s.calls_with_media = 29;
        let html = render_status_page(&s);
        assert!(html.contains("MOS ≤ 3.5 · 11 of 29 calls, under 30: no alert</div>"));
        s.calls_with_media = 30;
        let html = render_status_page(&s);
        assert!(html.contains("MOS ≤ 3.5 · 11 of 30 calls</div>"));
    }

    #[test]
    fn mos_bars_are_as_wide_as_their_share_of_the_largest_band() {
        let mut s = snapshot();
        // Bands: ≤1: 0, 1–2: 10, 2–2.6: 5, then 5 above 4.5; the rest 0.
        let cumulative = [0, 10, 15, 15, 15, 15, 15, 15, 15, 15, 15, 20];
        s.mos_buckets = bounds().into_iter().zip(cumulative).collect();
        let html = render_status_page(&s);
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
    fn mos_bands_take_the_colour_of_their_itu_satisfaction_band() {
        let bands = mos_bands(&bounds().into_iter().map(|b| (b, 0)).collect::<Vec<_>>());
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
    fn a_bucket_lower_than_the_one_below_counts_zero() {
        let bands = mos_bands(&[(1.0, 5), (2.0, 3), (f64::INFINITY, 7)]);
        let counts: Vec<u64> = bands.iter().map(|b| b.count).collect();
        assert_eq!(counts, [5, 0, 2]);
    }

    #[test]
    fn an_empty_page_says_what_to_configure() {
        let html = render_status_page(&idle());
        assert!(html.contains(
            "<div class=\"banner grey\" id=\"verdict\">No calls ended in the last 5 minutes.</div>"
        ));
        assert!(html.contains("<h2>No status callbacks received yet</h2>"));
        assert!(html.contains("status callback at <code>/p/status-callback</code>"));
        assert!(html.contains("<div class=\"big\">–</div><div class=\"what\">Low MOS</div>"));
        assert!(html.contains("MOS ≤ 3.5 · no calls with media yet</div>"));
        assert!(html.contains("No MOS yet: it comes from <code>AudioInMos</code>"));
        assert!(html.contains("<p class=\"muted\">No bad calls yet: calls with a quality issue"));
        assert!(!html.contains("<rect class=\"bar\""));
        assert!(!html.contains("<tr class=\"call\">"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"10\">"));
    }

    #[test]
    fn calls_without_media_are_not_judged() {
        let mut s = idle();
        s.calls_ended = 4;
        s.webhooks = vec![("accepted", 4)];
        let html = render_status_page(&s);
        assert!(html.contains(
            "<div class=\"banner grey\" id=\"verdict\">\
             4 calls ended in the last 5 minutes, none with inbound media to judge.</div>"
        ));
        assert!(!html.contains("getting-started"));
    }

    #[test]
    fn payload_text_renders_as_text_on_both_pages() {
        let mut s = snapshot();
        let hostile = row("<script>alert(1)</script>", "\"><img src=x>", vec![]);
        s.latest_bad_calls = Some(vec![hostile.clone()]);
        let pages = [
            render_status_page(&s),
            render_calls_page(&links(), &[hostile], &CallsFilters::default()),
        ];
        for html in pages {
            assert!(html.contains("<td class=\"sid\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
            assert!(html.contains(">&quot;&gt;&lt;img src=x&gt;</a></td>"));
            assert!(html.contains("href=\"/p/calls?status=%22%3E%3Cimg%20src%3Dx%3E\""));
            assert!(!html.contains("<script"));
            assert!(!html.contains("<img"));
        }
    }

    #[test]
    fn webhook_meters_are_as_wide_as_their_share_of_the_largest_outcome() {
        let mut s = snapshot();
        s.webhooks = vec![("accepted", 200), ("duplicate", 50), ("bad_request", 1)];
        let html = render_status_page(&s);
        assert!(html.contains("<div style=\"width:100%;background:#1a7f37\">"));
        assert!(html.contains("<div style=\"width:25%;background:#8c959f\">"));
        assert!(html.contains("<div style=\"width:0.5%;background:#cf222e\">"));
        assert!(html.contains("· last 5 minutes, 251 requests</span>"));
    }

    #[test]
    fn only_rejected_signatures_get_a_hint() {
        let mut s = idle();
        s.webhooks = vec![("accepted", 0), ("invalid_signature", 3)];
        let hint = "Every signed webhook was rejected: check the signing key";
        assert!(render_status_page(&s).contains(hint));
        s.webhooks = vec![("accepted", 1), ("invalid_signature", 3)];
        assert!(!render_status_page(&s).contains(hint));
    }

    #[test]
    fn the_latest_calls_link_to_the_list_filtered_on_their_values() {
        let html = render_status_page(&snapshot());
        assert!(html.contains("<a class=\"bad\" href=\"/p/calls?status=failed\">failed</a>"));
        assert!(html.contains("<a href=\"/p/calls?direction=inbound\">inbound</a>"));
        assert!(html.contains("<a class=\"pill\" href=\"/p/calls?issue=low_mos\">low_mos</a>"));
        assert!(html.contains("<td class=\"num bad\">3.10</td><td class=\"num\">8.3%</td>"));
        assert!(html.contains("<a href=\"/p/calls\">All bad calls →</a>"));
    }

    #[test]
    fn without_a_calls_link_nothing_links_to_it_and_hidden_calls_stay_hidden() {
        let mut s = snapshot();
        s.links.calls = None;
        let html = render_status_page(&s);
        assert!(!html.contains("/p/calls"));
        assert!(html.contains("<div class=\"card red\" id=\"share-low_mos\">"));
        assert!(html.contains("<span class=\"bad\">failed</span>"));
        s.latest_bad_calls = None;
        assert!(!render_status_page(&s).contains("latest-bad-calls"));
    }

    #[test]
    fn filter_links_change_one_filter_and_keep_the_others() {
        let filters = CallsFilters {
            issue: Some("low_mos".into()),
            direction: None,
            status: None,
            limit: Some(50),
        };
        let rows = [row("CA1", "completed", vec!["low_mos", "high_packet_loss"])];
        let html = render_calls_page(&links(), &rows, &filters);
        for link in [
            "<a href=\"/p/calls?limit=50\">all</a>",
            "<a class=\"on\" href=\"/p/calls?issue=low_mos&amp;limit=50\">low_mos</a>",
            "<a href=\"/p/calls?issue=any&amp;limit=50\">any</a>",
            "<a href=\"/p/calls?issue=low_mos&amp;direction=outbound-api&amp;limit=50\">",
            "<a class=\"on\" href=\"/p/calls?issue=low_mos&amp;limit=50\">all</a>",
            "<a href=\"/p/calls?issue=low_mos&amp;status=no-answer&amp;limit=50\">no-answer</a>",
            "<a href=\"/p/calls?issue=low_mos&amp;direction=inbound&amp;limit=50\">inbound</a>",
            "<a class=\"pill\" href=\"/p/calls?issue=high_packet_loss&amp;limit=50\">",
        ] {
            assert!(html.contains(link), "{link}");
        }
        assert!(html.contains("<h2>1 call · issue = low_mos · newest 50</h2>"));
        assert!(html.contains("<a href=\"/p/\">Status</a>"));
        assert!(!html.contains("refresh"));
    }

    #[test]
    fn without_a_calls_path_the_filter_links_are_relative_queries() {
        let mut links = links();
        links.calls = None;
        let filters = CallsFilters {
            status: Some("busy".into()),
            ..CallsFilters::default()
        };
        let html = render_calls_page(&links, &[], &filters);
        assert!(html.contains("<b>Status</b><a href=\"?\">all</a>"));
        assert!(html.contains("<a href=\"?issue=any&amp;status=busy\">any</a>"));
    }

    #[test]
    fn an_empty_list_says_why() {
        let none = CallsFilters::default();
        let html = render_calls_page(&links(), &[], &none);
        assert!(html.contains("<h2>0 calls</h2>"));
        assert!(html.contains("No bad calls yet. This list holds the latest finished calls"));
        let inbound = none.with("direction", Some("inbound"));
        let html = render_calls_page(&links(), &[], &inbound);
        assert!(html.contains("<h2>0 calls · direction = inbound</h2>"));
        assert!(html.contains("No call matches these filters. <a href=\"/p/calls\">Show all</a>"));
    }

    #[test]
    fn numbers_read_without_useless_decimals() {
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.2312), "23.1%");
        assert_eq!(percent(0.1), "10%");
        assert_eq!(trimmed(184.0, 1), "184");
        assert_eq!(trimmed(412.55, 1), "412.6");
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(0, 0), "–");
    }
}
