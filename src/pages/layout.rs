//! What every page shares: the policy it is written for, the document shell
//! with its one stylesheet, and the header with its navigation.

use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The policy the pages are written for, also sent in a `<meta>` so a page
/// saved to disk or served by a proxy that drops headers stays as strict.
/// No scripts and nothing fetched: the pages work offline.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The one stylesheet, inline as the policy allows.
const STYLE: &str = include_str!("style.css");

/// A whole page around `body`. `refresh_seconds` adds a meta refresh, the
/// only way to refresh without a script.
pub fn page(title: &str, refresh_seconds: Option<u32>, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CONTENT_SECURITY_POLICY);
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(seconds) = refresh_seconds {
                    meta http-equiv="refresh" content=(seconds);
                }
                title { (title) }
                // A stylesheet is raw text: escaping would change it, and it is ours.
                style { (PreEscaped(STYLE)) }
            }
            body { main { (body) } }
        }
    };
    page.into_string()
}

/// The page title, a muted note after it, and navigation links as
/// (href, text).
pub fn header(title: &str, note: &str, nav: &[(&str, &str)]) -> Markup {
    html! {
        header {
            h1 { (title) }
            span class="ver" { (note) }
            nav {
                @for (href, text) in nav {
                    a href=(href) { (text) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_carries_its_policy_and_no_script() {
        let html = page("A <title>", Some(10), html! { p { "x" } });
        assert!(html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">"
        ));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"10\">"));
        assert!(html.contains("<title>A &lt;title&gt;</title>"));
        assert!(html.contains("<main><p>x</p></main>"));
        assert!(!html.contains("<script"));
        assert!(!page("t", None, html! {}).contains("refresh"));
    }

    #[test]
    fn the_stylesheet_is_inline_and_unescaped() {
        let html = page("t", None, html! {});
        assert!(html.contains("<style>body{"));
        assert!(html.contains("'Segoe UI'"));
    }

    #[test]
    fn header_text_and_links_are_escaped() {
        let h = header("T", "a <b>", &[("/x?a=1&b=2", "X & Y")]).into_string();
        assert_eq!(
            h,
            "<header><h1>T</h1><span class=\"ver\">a &lt;b&gt;</span>\
             <nav><a href=\"/x?a=1&amp;b=2\">X &amp; Y</a></nav></header>"
        );
    }
}
