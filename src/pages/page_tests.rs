//! Both pages as a whole, rendered from the fixtures.

use std::time::Duration;

use super::fixtures::{call, counts, hour, idle, issues, links, snapshot, with_counts};
use super::{render_calls_page, render_status_page, StatusFigures};
use crate::call_state::CallsQuery;
use crate::domain::{CallStatus, Direction, Issue, Outcome};
use crate::recorder::WindowCounts;

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
        "<div class=\"banner red\" id=\"verdict\">Calls degraded: \
         low MOS in 11% of 100 calls with media in the last 5 minutes.</div>"
    ));
    assert!(html.contains("MOS ≤ 3.5 · 11 of 100 calls</div>"));
    assert!(html.contains("loss &gt; 5% · 10 of 100 calls</div>"));
}

#[test]
fn the_outcome_cards_count_each_terminal_status_and_the_failures_share() {
    let html = render_status_page(&snapshot());
    assert!(html.contains(
        "<div class=\"card neutral\" id=\"calls-ended\"><div class=\"big\">120</div>\
         <div class=\"what\">Calls ended</div>\
         <div class=\"sub\">100 with media · last 5 minutes</div></div>"
    ));
    assert!(html.contains(
        "<div class=\"card neutral\" id=\"ended-completed\"><div class=\"big\">110</div>\
         <div class=\"what\">completed</div><div class=\"sub\">91.7% of calls ended</div>"
    ));
    assert!(html.contains(
        "<a class=\"card neutral\" id=\"ended-failed\" href=\"/p/calls?status=failed\">\
         <div class=\"big\">6</div><div class=\"what\">failed</div>\
         <div class=\"sub\">5% of calls ended</div></a>"
    ));
    assert!(html.contains("id=\"ended-no-answer\" href=\"/p/calls?status=no-answer\">"));
    assert!(html.contains("<div class=\"card neutral\" id=\"ended-canceled\">"));
    // 9 of 120 is 7.5%: above half of SignalWireCallFailureRateHigh's 10%.
    assert!(html.contains(
        "<div class=\"card amber\" id=\"share-failures\"><div class=\"big\">7.5%</div>\
         <div class=\"what\">Failures</div>\
         <div class=\"sub\">failed, busy or no-answer · 9 of 120 calls</div></div>"
    ));
    // 2 of 110 completed is 1.8%, under half of SignalWireSilentCalls' 5%.
    assert!(html.contains(
        "<a class=\"card green\" id=\"share-silence\" href=\"/p/calls?issue=silence\">\
         <div class=\"big\">1.8%</div><div class=\"what\">Silent</div>\
         <div class=\"sub\">no inbound audio · 2 of 110 calls</div></a>"
    ));
}

#[test]
fn the_banner_names_the_worst_condition_with_its_share() {
    let mut c = counts();
    c.issues = issues(7, 1, 7, 8);
    assert!(render_status_page(&with_counts(c.clone())).contains(
        "<div class=\"banner amber\" id=\"verdict\">Calls need watching: \
         failures in 7.5% of 120 calls ended in the last 5 minutes.</div>"
    ));
    c.ended = [60, 20, 10, 10, 0];
    c.silent = 12;
    assert!(render_status_page(&with_counts(c.clone())).contains(
        "<div class=\"banner red\" id=\"verdict\">Calls degraded: \
         failures in 40% of 100 calls ended in the last 5 minutes.</div>"
    ));
    c.ended = [110, 0, 0, 1, 0];
    c.issues = issues(1, 0, 0, 1);
    c.silent = 0;
    assert!(render_status_page(&with_counts(c)).contains(
        "<div class=\"banner green\" id=\"verdict\">\
         Calls look healthy: 111 calls ended in the last 5 minutes.</div>"
    ));
}

#[test]
fn few_calls_say_the_alerts_wait_for_volume() {
    let mut c = counts();
    c.with_media = 29;
    c.ended = [20, 0, 0, 9, 0];
    let html = render_status_page(&with_counts(c.clone()));
    assert!(html.contains("MOS ≤ 3.5 · 11 of 29 calls, under 30: no alert</div>"));
    assert!(html.contains("failed, busy or no-answer · 9 of 29 calls, under 50: no alert</div>"));
    assert!(html.contains("no inbound audio · 2 of 20 calls, under 30: no alert</div>"));
    assert!(html.contains(
        "<div class=\"banner grey\" id=\"verdict\">\
         Too few calls to judge: 29 calls ended in the last 5 minutes.</div>"
    ));
    c.with_media = 30;
    let html = render_status_page(&with_counts(c));
    assert!(html.contains("MOS ≤ 3.5 · 11 of 30 calls</div>"));
}

#[test]
fn before_five_minutes_the_page_says_since_start() {
    let mut s = snapshot();
    s.figures = StatusFigures::new(Duration::from_secs(90), counts(), hour(Default::default()));
    let html = render_status_page(&s);
    assert!(html.contains("<div class=\"sub\">100 with media · since start (1 min 30 s)</div>"));
    assert!(html.contains("· since start (1 min 30 s), 100 calls with a MOS</span>"));
    let banner = "low MOS in 11% of 100 calls with media since start (1 min 30 s).</div>";
    assert!(html.contains(banner));
    assert!(!html.contains("last 5 minutes"));
}

#[test]
fn the_status_page_shows_the_trend_the_mos_chart_and_every_webhook_outcome() {
    let html = render_status_page(&snapshot());
    assert_eq!(html.matches("<g class=\"minute\">").count(), 60);
    assert_eq!(html.matches("<rect class=\"ended completed\"").count(), 60);
    assert!(html.contains("<path class=\"trend-any\" d=\"M55.5 222 L70.5 222"));
    assert_eq!(html.matches("<rect class=\"bar\"").count(), 12);
    assert!(html.contains("· last 5 minutes, 100 calls with a MOS</span>"));
    assert_eq!(
        html.matches("<tr class=\"outcome\">").count(),
        Outcome::COUNT
    );
    assert!(html.contains("· last 5 minutes, 130 requests</span>"));
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
    assert!(html.contains("failed, busy or no-answer · no calls ended yet</div>"));
    assert!(html.contains("no inbound audio · no completed calls yet</div>"));
    assert!(html.contains("· calls ended per minute, 0 in all</span>"));
    assert!(html.contains("No MOS yet: it comes from <code>AudioInMos</code>"));
    assert!(html.contains("<p class=\"muted\">No bad calls yet: calls with a quality issue"));
    assert!(!html.contains("<rect class=\"bar\""));
    assert!(!html.contains("<rect class=\"ended"));
    assert!(!html.contains("<tr class=\"call\">"));
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"10\">"));
}

#[test]
fn calls_without_media_are_too_few_to_judge() {
    let mut c = WindowCounts::zero();
    c.ended = [0, 0, 4, 0, 0];
    c.webhooks[Outcome::Accepted.index()] = 4;
    let html = render_status_page(&with_counts(c));
    assert!(html.contains(
        "<div class=\"banner grey\" id=\"verdict\">\
         Too few calls to judge: 4 calls ended in the last 5 minutes.</div>"
    ));
    assert!(!html.contains("getting-started"));
}

#[test]
fn payload_text_renders_as_text_on_both_pages() {
    let mut hostile = call("<script>alert(1)</script>", CallStatus::Failed, &[]);
    hostile.account_sid = "\"><img src=x>".into();
    let mut s = snapshot();
    s.latest_bad_calls = Some(vec![hostile.clone()]);
    let pages = [
        render_status_page(&s),
        render_calls_page(&links(), &[hostile], &CallsQuery::default()),
    ];
    for html in pages {
        assert!(html.contains(
            "<td class=\"sid\" title=\"Account &quot;&gt;&lt;img src=x&gt;\">\
             &lt;script&gt;alert(1)&lt;/script&gt;</td>"
        ));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
    }
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
fn a_row_shows_its_receipt_time_to_the_millisecond_and_no_empty_account() {
    let html = render_status_page(&snapshot());
    assert!(html.contains(
        "<tr class=\"call\"><td><span class=\"muted\">2026-11-29</span> 18:41:07.412Z</td>\
         <td class=\"sid\">CA1</td>"
    ));
    assert!(html.contains("<td class=\"num\">–</td>"));
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
    let filters = CallsQuery {
        issue: Some(Issue::LowMos),
        limit: Some(50),
        ..CallsQuery::default()
    };
    let calls = [call(
        "CA1",
        CallStatus::Completed,
        &[Issue::LowMos, Issue::HighPacketLoss],
    )];
    let html = render_calls_page(&links(), &calls, &filters);
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
    let filters = CallsQuery {
        status: Some(CallStatus::Busy),
        ..CallsQuery::default()
    };
    let html = render_calls_page(&links, &[], &filters);
    assert!(html.contains("<b>Status</b><a href=\"?\">all</a>"));
    assert!(html.contains("<a href=\"?issue=any&amp;status=busy\">any</a>"));
}

#[test]
fn an_empty_list_says_why() {
    let none = CallsQuery::default();
    let html = render_calls_page(&links(), &[], &none);
    assert!(html.contains("<h2>0 calls</h2>"));
    assert!(html.contains("No bad calls yet. This list holds the latest finished calls"));
    let inbound = CallsQuery {
        direction: Some(Direction::Inbound),
        ..none
    };
    let html = render_calls_page(&links(), &[], &inbound);
    assert!(html.contains("<h2>0 calls · direction = inbound</h2>"));
    assert!(html.contains("No call matches these filters. <a href=\"/p/calls\">Show all</a>"));
}

#[test]
fn the_filter_bar_offers_silence_and_a_silent_call_shows_it_among_its_issues() {
    let filters = CallsQuery {
        silence: true,
        direction: Some(Direction::Inbound),
        ..CallsQuery::default()
    };
    let mut silent = call("CA1", CallStatus::Completed, &[Issue::LowMos]);
    silent.audio.silent = true;
    let html = render_calls_page(&links(), &[silent], &filters);
    for link in [
        "<b>Issue</b><a href=\"/p/calls?direction=inbound\">all</a>",
        "<a href=\"/p/calls?issue=high_jitter&amp;direction=inbound\">high_jitter</a>\
         <a class=\"on\" href=\"/p/calls?issue=silence&amp;direction=inbound\">silence</a>\
         <a href=\"/p/calls?issue=any&amp;direction=inbound\">any</a>",
        "<a href=\"/p/calls?issue=silence&amp;direction=inbound&amp;status=completed\">",
        "<td class=\"issues\">\
         <a class=\"pill\" href=\"/p/calls?issue=low_mos&amp;direction=inbound\">low_mos</a>\
         <a class=\"pill\" href=\"/p/calls?issue=silence&amp;direction=inbound\">silence</a></td>",
    ] {
        assert!(html.contains(link), "{link}");
    }
    assert!(html.contains("<h2>1 call · issue = silence · direction = inbound</h2>"));
    assert!(html.contains("calls with a quality issue, silent, or that ended failed"));
    assert!(!html.contains("<th>Project</th>"));
    assert!(!html.contains("<th>Country</th>"));
    let html = render_calls_page(&links(), &[], &CallsQuery::default());
    assert!(html.contains("quality issue, were <code>silent</code> (no inbound audio) or ended"));
}

#[test]
fn project_and_country_columns_show_when_the_calls_carry_them_and_links_keep_them() {
    let filters = CallsQuery::parse(Some("project=prod&country=gb")).unwrap();
    let mut row = call("CA1", CallStatus::Failed, &[]);
    row.project = Some("prod".into());
    row.country = crate::domain::Country::from_name("GB");
    let mut other = call("CA2", CallStatus::Busy, &[]);
    other.project = Some("other".into());
    other.country = Some(crate::domain::Country::Unknown);
    let html = render_calls_page(&links(), &[row, other], &filters);
    for link in [
        "<th>Direction</th><th>Project</th><th>Country</th><th class=\"num\">SIP</th>",
        "<td><a href=\"/p/calls?project=prod&amp;country=GB\">prod</a></td>\
         <td><a href=\"/p/calls?project=prod&amp;country=GB\">GB</a></td>",
        "<td><a href=\"/p/calls?project=other&amp;country=GB\">other</a></td>\
         <td><a href=\"/p/calls?project=prod&amp;country=unknown\">unknown</a></td>",
        "<a href=\"/p/calls?issue=silence&amp;project=prod&amp;country=GB\">silence</a>",
        "<a href=\"/p/calls?status=busy&amp;project=prod&amp;country=GB\">busy</a>",
        "<b>Project</b><a href=\"/p/calls?country=GB\">all</a>\
         <a class=\"on\" href=\"/p/calls?project=prod&amp;country=GB\">prod</a>",
        "<b>Country</b><a href=\"/p/calls?project=prod\">all</a>\
         <a class=\"on\" href=\"/p/calls?project=prod&amp;country=GB\">GB</a>",
    ] {
        assert!(html.contains(link), "{link}");
    }
    assert!(html.contains("<h2>2 calls · project = prod · country = GB</h2>"));
    let html = render_calls_page(&links(), &[call("CA3", CallStatus::Busy, &[])], &filters);
    assert!(!html.contains("<th>Project</th>"));
}

#[test]
fn the_silent_card_links_to_silent_calls_and_a_project_view_keeps_its_project() {
    let html = render_status_page(&snapshot());
    assert!(html.contains(
        "<a class=\"card green\" id=\"share-silence\" href=\"/p/calls?issue=silence\">\
         <div class=\"big\">1.8%</div>"
    ));
    assert!(!html.contains("<b>Project</b>"));
    let mut s = snapshot();
    s.project = CallsQuery::parse(Some("project=staging")).unwrap().project;
    let html = render_status_page(&s);
    for link in [
        "id=\"share-silence\" href=\"/p/calls?issue=silence&amp;project=staging\">",
        "id=\"share-low_mos\" href=\"/p/calls?issue=low_mos&amp;project=staging\">",
        "id=\"ended-failed\" href=\"/p/calls?status=failed&amp;project=staging\">",
        "<a class=\"bad\" href=\"/p/calls?status=failed&amp;project=staging\">failed</a>",
        "<a href=\"/p/calls?project=staging\">All bad calls →</a>",
    ] {
        assert!(html.contains(link), "{link}");
    }
    s.latest_bad_calls = Some(Vec::new());
    assert!(render_status_page(&s).contains("calls with a quality issue, silent calls, or calls"));
}
