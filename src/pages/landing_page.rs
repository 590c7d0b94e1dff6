//! The landing page of the webhook's listener when /metrics and the status
//! page are served elsewhere: links, like node_exporter's page.

use maud::{html, DOCTYPE};

/// Where the landing page points, route prefix included.
#[derive(Debug, Clone)]
pub struct LandingLinks {
    pub metrics: String,
    pub healthz: String,
    /// The status callback path to give SignalWire.
    pub webhook: String,
}

pub fn render_landing_page(version: &str, links: &LandingLinks) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "SignalWire Exporter" }
            }
            body {
                h1 { "SignalWire Exporter" }
                p {
                    "Turns SignalWire Voice Status Callbacks into Prometheus call-quality \
                     metrics. Version " (version) "."
                }
                ul {
                    li { a href=(links.metrics) { "Metrics" } }
                    li { a href=(links.healthz) { "Health" } }
                    li {
                        "Status callback URL for SignalWire: " code { (links.webhook) }
                        " (POST form or JSON, or GET; signed)"
                    }
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_landing_page_links_each_endpoint() {
        let links = LandingLinks {
            metrics: "/p/metrics".into(),
            healthz: "/p/healthz".into(),
            webhook: "/p/status-callback".into(),
        };
        let html = render_landing_page("0.1.0", &links);
        assert!(html.contains("<li><a href=\"/p/metrics\">Metrics</a></li>"));
        assert!(html.contains("<li><a href=\"/p/healthz\">Health</a></li>"));
        assert!(html.contains("<code>/p/status-callback</code> (POST form or JSON"));
        assert!(html.contains("metrics. Version 0.1.0.</p>"));
    }
}
