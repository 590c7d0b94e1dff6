//! Which URL the sender signed.

use std::borrow::Cow;

use axum::http::{header, HeaderMap, HeaderName, Uri};

/// How to rebuild the URL SignalWire called from what reaches the exporter.
#[derive(Debug, Clone)]
pub struct SignedUrl {
    /// `--web.external-url` without its trailing slash.
    pub(crate) external: Option<String>,
    /// The route prefix, stripped from request paths before appending them to
    /// the external URL; "" when routes are served at the root.
    pub(crate) route_prefix: String,
    pub(crate) trust_forwarded_headers: bool,
    /// The exporter serves TLS itself: without an external URL or a trusted
    /// X-Forwarded-Proto, callbacks were signed for an https URL.
    pub(crate) served_over_tls: bool,
}

impl SignedUrl {
    pub fn new(external: Option<&str>, route_prefix: &str, trust_forwarded_headers: bool) -> Self {
        SignedUrl {
            external: external.map(|u| u.trim_end_matches('/').to_owned()),
            route_prefix: route_prefix.trim_end_matches('/').to_owned(),
            trust_forwarded_headers,
            served_over_tls: false,
        }
    }

    /// Marks the listeners as TLS ones (`--web.config.file`).
    pub fn served_over_tls(mut self, tls: bool) -> Self {
        self.served_over_tls = tls;
        self
    }

    /// The full URL, query string included, that the request was signed for.
    pub fn for_request(&self, uri: &Uri, headers: &HeaderMap) -> String {
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        match &self.external {
            Some(base) => {
                let rest = path_and_query
                    .strip_prefix(self.route_prefix.as_str())
                    .unwrap_or(path_and_query);
                concat(&[base.as_str(), rest])
            }
            None => {
                let header = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
                let forwarded = |name: &HeaderName| {
                    self.trust_forwarded_headers
                        .then(|| header(name))
                        .flatten()
                        .and_then(|v| v.split(',').next())
                        .map(str::trim)
                };
                // A callback that reached a TLS listener was signed for https.
                let listener = if self.served_over_tls {
                    "https"
                } else {
                    "http"
                };
                let scheme = forwarded(&X_FORWARDED_PROTO).unwrap_or(listener);
                let host = forwarded(&X_FORWARDED_HOST)
                    .or_else(|| header(&header::HOST))
                    .or_else(|| uri.authority().map(|a| a.as_str()))
                    .unwrap_or("");
                concat(&[scheme, "://", host, path_and_query])
            }
        }
    }
}

/// Named once: a header looked up by `&str` is parsed and hashed each time.
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The pieces joined, with one allocation: `format!` costs ~2,000
/// instructions per callback for the same string.
fn concat(parts: &[&str]) -> String {
    let mut url = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| url.push_str(p));
    url
}

/// The URL as given, plus its default-port twin: with no port, the URL with
/// :443 (https) or :80 (http); with an explicit :443 or :80, the URL without.
/// Senders disagree on whether the default port is part of what they sign.
pub fn port_variants(url: &str) -> impl Iterator<Item = Cow<'_, str>> {
    // The twin is built only if the URL as given did not match.
    std::iter::once(Cow::Borrowed(url))
        .chain(std::iter::once_with(|| twin(url)).flatten().map(Cow::Owned))
}

fn twin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_end = if authority.starts_with('[') {
        authority.find(']')? + 1
    } else {
        0
    };
    match authority[host_end..].rfind(':').map(|i| i + host_end) {
        Some(colon) => {
            let port = &authority[colon + 1..];
            (port == "443" || port == "80")
                .then(|| format!("{scheme}://{}{tail}", &authority[..colon]))
        }
        None => {
            let port = match scheme.to_ascii_lowercase().as_str() {
                "https" => "443",
                "http" => "80",
                _ => return None,
            };
            Some(format!("{scheme}://{authority}:{port}{tail}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variants(url: &str) -> Vec<String> {
        port_variants(url).map(Cow::into_owned).collect()
    }

    #[test]
    fn a_tls_listener_means_an_https_url_unless_told_otherwise() {
        let uri: Uri = "/status-callback?a=1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "h.example:9711".parse().unwrap());
        let url = |trusted: bool, tls: bool, headers: &HeaderMap| {
            let signed = SignedUrl::new(None, "", trusted).served_over_tls(tls);
            signed.for_request(&uri, headers)
        };
        assert_eq!(
            url(false, true, &headers),
            "https://h.example:9711/status-callback?a=1"
        );
        assert_eq!(
            url(false, false, &headers),
            "http://h.example:9711/status-callback?a=1"
        );
        headers.insert("x-forwarded-proto", "http".parse().unwrap());
        assert_eq!(
            url(true, true, &headers),
            "http://h.example:9711/status-callback?a=1"
        );
    }

    #[test]
    fn a_url_is_also_tried_with_its_default_port_added_or_removed() {
        assert_eq!(
            variants("https://a.com/x?y=1"),
            ["https://a.com/x?y=1", "https://a.com:443/x?y=1"]
        );
        assert_eq!(
            variants("http://a.com:80/x"),
            ["http://a.com:80/x", "http://a.com/x"]
        );
        assert_eq!(
            variants("http://a.com"),
            ["http://a.com", "http://a.com:80"]
        );
        assert_eq!(variants("http://[::1]:8080/x"), ["http://[::1]:8080/x"]);
        assert_eq!(
            variants("https://[::1]/x"),
            ["https://[::1]/x", "https://[::1]:443/x"]
        );
        assert_eq!(variants("not a url"), ["not a url"]);
    }

    #[test]
    fn external_url_replaces_scheme_host_and_prefix() {
        let s = SignedUrl::new(Some("https://hooks.example.com/sw/"), "/sw", false);
        let uri: Uri = "/sw/status-callback?a=1".parse().unwrap();
        assert_eq!(
            s.for_request(&uri, &HeaderMap::new()),
            "https://hooks.example.com/sw/status-callback?a=1"
        );
        let s = SignedUrl::new(Some("https://hooks.example.com/sw"), "/", false);
        let uri: Uri = "/status-callback".parse().unwrap();
        assert_eq!(
            s.for_request(&uri, &HeaderMap::new()),
            "https://hooks.example.com/sw/status-callback"
        );
    }

    #[test]
    fn forwarded_headers_make_the_signed_url_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("host", "internal:9711".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert("x-forwarded-host", "hooks.example.com".parse().unwrap());
        let uri: Uri = "/status-callback".parse().unwrap();
        assert_eq!(
            SignedUrl::new(None, "", false).for_request(&uri, &h),
            "http://internal:9711/status-callback"
        );
        assert_eq!(
            SignedUrl::new(None, "", true).for_request(&uri, &h),
            "https://hooks.example.com/status-callback"
        );
    }
}
