//! The HTML of `/calls` and the status page's links to it, over HTTP:
//! silence among the filters and in a silent call's row, the project and
//! country columns only where their labels are in use, and links that keep
//! `project=` and `country=`.

use crate::support::*;

/// A completed inbound call of a minute with no inbound audio at all.
fn silent(sid: &str) -> Callback {
    Callback::completed(sid)
        .with("CallDuration", "60")
        .with("AudioInMediaPacketCount", "0")
        .with("AudioInMos", "0")
        .with("AudioInAveragePtime", "0")
}

async fn send_all(app: &TestApp, callbacks: &[Callback]) {
    for c in callbacks {
        assert_eq!(app.post_form(c).await.status(), 204, "{c:?}");
    }
}

/// The HTML at `path`, with a 200.
async fn page(app: &TestApp, path: &str) -> String {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    response.text().await.unwrap()
}

fn rows(html: &str) -> usize {
    html.matches("<tr class=\"call\">").count()
}

#[tokio::test]
async fn the_calls_page_filters_on_silence_and_a_silent_calls_row_shows_it() {
    let app = TestApp::spawn().await;
    let failed = Callback::completed("CA-failed").with("CallStatus", "failed");
    send_all(&app, &[silent("CA-silent"), failed]).await;
    let all = page(&app, "/calls?format=html").await;
    assert_eq!(rows(&all), 2, "{all}");
    assert!(all.contains(
        "<a href=\"/calls?issue=high_jitter\">high_jitter</a>\
         <a href=\"/calls?issue=silence\">silence</a><a href=\"/calls?issue=any\">any</a>"
    ));
    assert!(all.contains("<td class=\"sid\" title=\"Account AC0a1b2c3d\">CA-silent</td>"));
    assert!(all.contains(
        "<td class=\"issues\"><a class=\"pill\" href=\"/calls?issue=silence\">silence</a></td>"
    ));
    assert!(!all.contains("<th>Project</th>") && !all.contains("<th>Country</th>"));

    let only = page(&app, "/calls?format=html&issue=silence&direction=inbound").await;
    assert_eq!(rows(&only), 1, "{only}");
    assert!(only.contains("CA-silent") && !only.contains("CA-failed"));
    assert!(only.contains("<h2>1 call · issue = silence · direction = inbound</h2>"));
    assert!(only.contains(
        "<a class=\"on\" href=\"/calls?issue=silence&amp;direction=inbound\">silence</a>"
    ));
    assert!(only.contains("<a href=\"/calls?issue=low_mos&amp;direction=inbound\">low_mos</a>"));

    let status = page(&app, "/").await;
    // 1 of 1 completed call silent, under the alert's floor of 30.
    assert!(
        status.contains(
            "id=\"share-silence\" href=\"/calls?issue=silence\"><div class=\"big\">100%</div>\
         <div class=\"what\">Silent</div>\
         <div class=\"sub\">no inbound audio · 1 of 1 call, under 30: no alert</div></a>"
        ),
        "{status}"
    );
}

#[tokio::test]
async fn with_labels_country_the_calls_page_shows_each_calls_country_as_a_filter() {
    let mut settings = settings();
    settings.calls.countries = Some(signalwire_exporter::domain::CountryLabels::all());
    let app = TestApp::spawn_with(settings).await;
    let london = silent("CA-gb").with("From", "+442079460958");
    let sip = silent("CA-sip").with("From", "sip:alice@example.com");
    send_all(&app, &[london, sip]).await;
    let html = page(&app, "/calls?format=html&issue=silence").await;
    assert_eq!(rows(&html), 2, "{html}");
    assert!(html.contains("<th>Direction</th><th>Country</th><th class=\"num\">SIP</th>"));
    assert!(!html.contains("<th>Project</th>"));
    assert!(html.contains("<td><a href=\"/calls?issue=silence&amp;country=GB\">GB</a></td>"));
    assert!(
        html.contains("<td><a href=\"/calls?issue=silence&amp;country=unknown\">unknown</a></td>")
    );
    let gb = page(&app, "/calls?format=html&country=gb").await;
    assert_eq!(rows(&gb), 1, "{gb}");
    assert!(gb.contains(
        "<b>Country</b><a href=\"/calls\">all</a>\
                         <a class=\"on\" href=\"/calls?country=GB\">GB</a>"
    ));
    assert!(gb.contains("<a href=\"/calls?issue=silence&amp;country=GB\">silence</a>"));
}

#[tokio::test]
async fn with_a_projects_file_the_pages_show_and_keep_the_project() {
    let dir = std::env::temp_dir().join(format!("swx-callspage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key"), "PSK_staging\n").unwrap();
    let yaml = "projects:\n  - name: staging\n    account_sid: 4f1d77aa-staging\n    \
                signing_key_files: [key]\n";
    std::fs::write(dir.join("projects.yml"), yaml).unwrap();
    let mut s = Settings::local(vec![SigningKey::new(KEY)]);
    s.key_sources.projects_file = Some(dir.join("projects.yml"));
    s.projects = Some(project_keys::load(&dir.join("projects.yml")).unwrap());
    let app = TestApp::spawn_with(s).await;
    // An unlisted account with a global key: project "other".
    send_all(&app, &[silent("CA-other")]).await;
    let html = page(&app, "/calls?format=html").await;
    assert!(html.contains("<th>Direction</th><th>Project</th><th class=\"num\">SIP</th>"));
    assert!(html.contains("<td><a href=\"/calls?project=other\">other</a></td>"));
    let other = page(&app, "/calls?format=html&project=other").await;
    assert_eq!(rows(&other), 1, "{other}");
    assert!(other.contains("<a href=\"/calls?issue=silence&amp;project=other\">silence</a>"));
    assert!(other.contains("<b>Project</b><a href=\"/calls\">all</a>"));
    let status = page(&app, "/?project=other").await;
    assert!(
        status.contains("id=\"share-silence\" href=\"/calls?issue=silence&amp;project=other\">")
    );
    assert!(status.contains("<a href=\"/calls?project=other\">All bad calls →</a>"));
    let staging = page(&app, "/?project=staging").await;
    assert!(
        staging.contains("id=\"share-silence\" href=\"/calls?issue=silence&amp;project=staging\">")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
