//! The web flags' values as written (listen addresses, the external URL,
//! route paths) checked and turned into what the server uses; each error is
//! one line naming the flag.

use std::net::{SocketAddr, ToSocketAddrs};

use axum::http::Uri;

/// `host:port`, or `:port` for all interfaces.
pub(super) fn parse_listen_address(addr: &str, flag: &str) -> Result<SocketAddr, String> {
    let expected = "expected host:port or :port, e.g. 127.0.0.1:9711";
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err(format!("{flag} {addr:?}: no port; {expected}"));
    };
    let port: u16 = match port.parse::<u64>() {
        Ok(p) => u16::try_from(p)
            .map_err(|_| format!("{flag} {addr:?}: port {p} is out of range (1-65535)"))?,
        Err(_) => {
            return Err(format!(
                "{flag} {addr:?}: port {port:?} is not a number; {expected}"
            ))
        }
    };
    let host = match host {
        "" => "0.0.0.0",
        h => h.trim_start_matches('[').trim_end_matches(']'),
    };
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{flag} {addr:?}: cannot resolve host {host:?}; {expected}"))
}

/// The path of `--web.external-url`, which must be an absolute http(s) URL.
pub(super) fn external_url_path(url: &str) -> Result<String, String> {
    let expected = |why: &str| {
        let example = match url.split_once("://") {
            Some(_) => "https://hooks.example.com/signalwire".to_owned(),
            None => example_for(url),
        };
        format!("--web.external-url {url:?}: {why}, e.g. {example}")
    };
    let uri: Uri = url
        .parse()
        .map_err(|_| expected("expected an absolute http(s) URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => {}
        _ => return Err(expected("expected an absolute http(s) URL")),
    }
    if uri.query().is_some() {
        return Err(expected("must not carry a query string"));
    }
    Ok(uri.path().to_owned())
}

/// An absolute URL for a value written without a scheme: `hooks.example.com/sw`
/// names its host, while `/sw` or `sw` (no dot, port or `localhost` before the
/// first slash) is only a path, which gets an example host rather than
/// becoming one (`https://sw`).
fn example_for(url: &str) -> String {
    let first = url.split('/').next().unwrap_or_default();
    let names_a_host = first.contains(['.', ':']) || first.eq_ignore_ascii_case("localhost");
    if names_a_host {
        format!("https://{url}")
    } else {
        format!("https://hooks.example.com/{}", url.trim_start_matches('/'))
    }
}

/// "" or "/prefix": no trailing slash, one leading slash.
pub(super) fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// A path that the router can serve as written: a leading slash and URL-safe
/// characters only, so that no `{capture}` or `*wildcard` sneaks in.
pub(super) fn check_path(path: &str, flag: &str) -> Result<(), String> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
    if !path.starts_with('/') || path.contains("//") || !path.chars().all(safe) {
        return Err(format!(
            "{flag} {path:?}: expected a path such as /metrics \
             (letters, digits and - . _ ~ between slashes)"
        ));
    }
    Ok(())
}

/// `--web.telemetry-path` must not shadow or be shadowed by another route.
pub(super) fn check_telemetry_path(path: &str, taken: &[&str]) -> Result<(), String> {
    let flag = "--web.telemetry-path";
    check_path(path, flag)?;
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || taken.iter().any(|t| t.trim_end_matches('/') == trimmed) {
        return Err(format!(
            "{flag} {path:?} collides with a route of the exporter ({}); \
             choose another path, e.g. /metrics",
            taken.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_accept_host_port_and_port_only() {
        let parse = |a| parse_listen_address(a, "--f");
        assert_eq!(parse(":9711"), Ok("0.0.0.0:9711".parse().unwrap()));
        assert_eq!(
            parse("127.0.0.1:1234"),
            Ok("127.0.0.1:1234".parse().unwrap())
        );
        assert_eq!(parse("[::1]:80"), Ok("[::1]:80".parse().unwrap()));
    }

    #[test]
    fn listen_address_errors_say_what_is_wrong() {
        let parse = |a| parse_listen_address(a, "--f").unwrap_err();
        assert_eq!(
            parse(":99999"),
            r#"--f ":99999": port 99999 is out of range (1-65535)"#
        );
        assert!(parse("9711").contains("no port"), "{}", parse("9711"));
        assert!(
            parse(":http").contains("is not a number"),
            "{}",
            parse(":http")
        );
    }

    #[test]
    fn external_url_must_be_absolute_and_the_error_shows_an_example() {
        assert_eq!(
            external_url_path("https://h.example/sw/"),
            Ok("/sw/".into())
        );
        assert_eq!(
            external_url_path("hooks.example.com/signalwire").unwrap_err(),
            "--web.external-url \"hooks.example.com/signalwire\": expected an absolute \
             http(s) URL, e.g. https://hooks.example.com/signalwire"
        );
        // A path alone is not a host: the example keeps it as a path.
        for path in ["/signalwire", "signalwire", "//signalwire"] {
            assert_eq!(
                external_url_path(path).unwrap_err(),
                format!(
                    "--web.external-url {path:?}: expected an absolute http(s) URL, \
                     e.g. https://hooks.example.com/signalwire"
                )
            );
        }
        assert!(external_url_path("localhost:9711/sw")
            .unwrap_err()
            .ends_with("e.g. https://localhost:9711/sw"));
        assert!(external_url_path("ftp://h/x").is_err());
        assert!(external_url_path("https://h/x?a=1")
            .unwrap_err()
            .contains("query string"));
    }

    #[test]
    fn telemetry_path_must_not_collide_with_another_route() {
        let taken = ["/", "/healthz", "/status-callback", "/calls"];
        assert_eq!(check_telemetry_path("/metrics", &taken), Ok(()));
        assert_eq!(check_telemetry_path("/internal/metrics", &taken), Ok(()));
        for bad in ["/", "/healthz", "/status-callback", "/calls/", "/healthz/"] {
            let err = check_telemetry_path(bad, &taken).unwrap_err();
            assert!(err.starts_with("--web.telemetry-path"), "{err}");
            assert!(err.contains("collides"), "{err}");
        }
        for bad in ["metrics", "/{x}", "/*rest", "/a b", "//m"] {
            let err = check_telemetry_path(bad, &taken).unwrap_err();
            assert!(err.contains("expected a path"), "{err}");
        }
    }
}
