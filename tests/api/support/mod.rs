//! The one test kit, compiled once for every test module: the exporter on
//! loopback (in-process or the real binary), callbacks and their signatures,
//! a parser of the exposition, raw TCP, soft assertions for tables, and the
//! child processes of the heavy tests (Prometheus and its API, HAProxy,
//! Chromium) with the lock that runs them one at a time.
//!
//! Every path into the library goes through the re-exports below, so a
//! module that moves in the library is fixed here, once.

mod app;
mod callback;
mod checklist;
mod process;
mod prometheus;
mod raw;
mod scrape;
mod signed;

pub use app::*;
pub use callback::*;
pub use checklist::*;
pub use process::*;
pub use prometheus::*;
pub use raw::*;
pub use scrape::*;
pub use signed::*;

pub use signalwire_exporter::call_state::{CallState, CallsConfig, Clock};
pub use signalwire_exporter::configuration::Settings;
pub use signalwire_exporter::domain::{CallStatus, Params, StatusEvent};
pub use signalwire_exporter::pages::{
    render_calls_page, render_status_page, Links, StatusSnapshot,
};
pub use signalwire_exporter::projects::{self as project_keys};
pub use signalwire_exporter::recorder::Recorder;
pub use signalwire_exporter::routes::metrics_auth::MetricsAuth;
pub use signalwire_exporter::routes::{router, AppState};
pub use signalwire_exporter::signature::{SignedUrl, SigningKey};
pub use signalwire_exporter::simulate::{
    self as simulator, plan, Generator, Profile, SimConfig, Summary,
};
pub use signalwire_exporter::startup::Application;
