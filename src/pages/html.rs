//! Small helpers for the server-rendered pages: escaping, query strings and
//! the shared page skeleton. No templates and no scripts: the pages must work
//! offline and behind `default-src 'none'; style-src 'unsafe-inline'`.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The policy the pages are written for, also sent in a `<meta>` so a page
/// saved to disk or served by a proxy that drops headers stays as strict.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Escapes text for an HTML element or a double- or single-quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// RFC 3986 unreserved characters stay as they are; everything else is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `base?k=v&k=v` with each value percent-encoded, or `base` when no pair is
/// given. The result is a URL: escape it before putting it in an attribute.
pub fn url_with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    for (i, (key, value)) in pairs.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(key);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    url
}

/// A whole page: `title` is plain text, `body` is HTML already escaped.
/// `refresh_seconds` adds a meta refresh, the only way to refresh without JS.
pub fn page(title: &str, refresh_seconds: Option<u32>, body: &str) -> String {
    let refresh = refresh_seconds
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n"))
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         {refresh}<title>{title}</title>\n<style>{STYLE}</style></head>\n\
         <body>\n{body}</body></html>\n",
        csp = escape(CONTENT_SECURITY_POLICY),
        title = escape(title),
    )
}

/// The one stylesheet of both pages.
const STYLE: &str = "
body{margin:0;padding:20px 24px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;
color:#1f2328;background:#f6f7f9}
main{max-width:1160px;margin:0 auto}
h1{font-size:22px;margin:0}
h2{font-size:16px;margin:0 0 10px}
a{color:#0b57d0}
code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#eef0f3;padding:1px 4px;
border-radius:3px}
header{display:flex;align-items:baseline;gap:14px;flex-wrap:wrap;margin-bottom:14px}
header .ver{color:#656d76}
header nav{margin-left:auto;display:flex;gap:14px}
section{background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:14px 18px;
margin:0 0 16px}
.muted{color:#656d76}
.banner{border-radius:8px;padding:12px 18px;margin:0 0 16px;font-size:16px;font-weight:600;
color:#fff}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:0 0 16px}
.card{display:block;background:#fff;border:1px solid #d8dde3;border-top-width:6px;
border-radius:8px;padding:10px 14px;color:inherit;text-decoration:none}
.card .big{font-size:34px;font-weight:700;line-height:1.2}
.card .what{font-weight:600}
.card .sub{color:#656d76;font-size:12.5px}
.green{--c:#1a7f37}.amber{--c:#b35900}.red{--c:#cf222e}.grey{--c:#6e7781}
.neutral{--c:#1f2328}
.card{border-top-color:var(--c)}
.card.neutral{border-top-color:#afb8c1}
.card .big,.banner{color:var(--c)}
.banner{background:var(--c);color:#fff}
.cols{display:grid;grid-template-columns:3fr 2fr;gap:16px;margin:0 0 16px}
.cols section{margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eaeef2;white-space:nowrap}
table.calls{font-size:12.5px}
table.calls td,table.calls th{padding:4px 5px}
table.calls a{color:inherit;text-decoration:none;border-bottom:1px dotted #8c959f}
table.calls a.pill{border:1px solid #ffcecb;color:#a40e26}
table.calls a.bad{color:#cf222e}
td.issues{white-space:normal}
.scroll{overflow-x:auto}
th{font-size:12px;color:#656d76;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.sid{font:11.5px ui-monospace,Menlo,Consolas,monospace}
.bad{color:#cf222e;font-weight:600}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;margin-right:4px;
background:#ffebe9;color:#a40e26;text-decoration:none;border:1px solid #ffcecb}
.meter{background:#eef0f3;border-radius:3px;height:10px;width:160px}
.meter div{height:10px;border-radius:3px}
.filters a{display:inline-block;padding:1px 8px;margin:2px 2px;border-radius:10px;
border:1px solid #d8dde3;text-decoration:none;background:#fff}
.filters a.on{background:#0b57d0;color:#fff;border-color:#0b57d0}
.filters b{display:inline-block;width:80px}
.more{margin:10px 0 0}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:#424a53;margin-top:8px}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;
vertical-align:-1px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}
.cols{grid-template-columns:1fr}}
.key i.dash{width:16px;height:0;border-top:2px dashed #cf222e;border-radius:0;vertical-align:3px}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_turns_markup_into_text() {
        assert_eq!(
            escape(r#"<script>alert('x')</script>&"#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(escape(r#"a"b"#), "a&quot;b");
    }

    #[test]
    fn escape_borrows_text_without_special_characters() {
        assert!(matches!(
            escape("CA123 completed"),
            Cow::Borrowed("CA123 completed")
        ));
    }

    #[test]
    fn url_with_query_percent_encodes_each_value() {
        assert_eq!(url_with_query("/calls", &[]), "/calls");
        assert_eq!(
            url_with_query("/p/calls", &[("issue", "low_mos"), ("status", "a&b c<")]),
            "/p/calls?issue=low_mos&status=a%26b%20c%3C"
        );
    }

    #[test]
    fn a_page_carries_its_policy_and_no_script() {
        let html = page("A <title>", Some(10), "<p>x</p>");
        assert!(html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; \
             style-src &#39;unsafe-inline&#39;; img-src data:\">"
        ));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"10\">"));
        assert!(html.contains("<title>A &lt;title&gt;</title>"));
        assert!(!html.contains("<script"));
        assert!(!page("t", None, "").contains("refresh"));
    }
}
