//! The HTML pages: the status page (`GET /`), the view of `/calls` and the
//! landing page, as maud templates that escape every value they are given.
//! Pure functions of domain types, so the routes only gather what to show
//! and every pixel is tested here. No scripts and nothing fetched: see [`CONTENT_SECURITY_POLICY`].

mod call_list;
mod call_table;
mod figures;
mod filters;
mod format;
mod landing_page;
mod layout;
mod mos_chart;
mod status;
mod trend;
mod verdict;
mod webhook_meters;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod page_tests;

pub use call_list::render_calls_page;
pub use figures::{Span, StatusFigures};
pub use landing_page::{render_landing_page, LandingLinks};
pub use layout::CONTENT_SECURITY_POLICY;
pub use status::{render_status_page, StatusSnapshot};
pub use verdict::{Condition, Level, Rule, Verdict};

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
