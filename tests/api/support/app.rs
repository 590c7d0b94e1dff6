//! The exporter in-process on loopback and a real HTTP client talking to it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{AppState, Application, Callback, Clock, Metrics, Settings, Signed, SigningKey, Wire};

pub const KEY: &str = "PSK_test_signing_key";
pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JSON: &str = "application/json";

pub const INVALID_FIELDS: &str = "signalwire_exporter_invalid_fields_total";
pub const UNRECOGNIZED_VALUES: &str = "signalwire_exporter_unrecognized_values_total";

pub const INBOUND_COMPLETED: &[(&str, &str)] = &[("direction", "inbound"), ("status", "completed")];

/// Labels of a call series plus `le`.
pub fn bucket<'a>(labels: &[(&'a str, &'a str)], le: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut l = labels.to_vec();
    l.push(("le", le));
    l
}

/// Loopback on a free port, signing key `KEY`.
pub fn settings() -> Settings {
    Settings::local(vec![SigningKey::new(KEY)])
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub key: SigningKey,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(settings()).await
    }

    pub async fn spawn_with(settings: Settings) -> Self {
        Self::from_application(Application::build(&settings).await.expect("bind loopback"))
    }

    /// With the call state reading `clock` instead of the real one.
    pub async fn spawn_with_clock(settings: Settings, clock: &ManualClock) -> Self {
        let state = AppState::with_clock(&settings, clock.clock());
        let app = Application::build_with(&settings, state).await;
        Self::from_application(app.expect("bind loopback"))
    }

    /// Runs `app` until the returned `TestApp` is dropped.
    pub fn from_application(app: Application) -> Self {
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            client: reqwest::Client::new(),
            key: SigningKey::new(KEY),
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The webhook URL, as the server sees it.
    pub fn webhook(&self) -> String {
        self.url("/status-callback")
    }

    /// `callback` as `wire` to the webhook, signed with `KEY`.
    pub fn signed(&self, wire: Wire, callback: &Callback) -> Signed {
        Signed::callback(&self.key, &self.webhook(), wire, callback)
    }

    pub async fn send(&self, request: &Signed) -> reqwest::Response {
        request.send(&self.client).await
    }

    /// A signed form POST of `callback`.
    pub async fn post_form(&self, callback: &Callback) -> reqwest::Response {
        self.send(&self.signed(Wire::Form, callback)).await
    }

    /// A signed GET with `callback` in the query.
    pub async fn get_query(&self, callback: &Callback) -> reqwest::Response {
        self.send(&self.signed(Wire::Get, callback)).await
    }

    /// A JSON body as is, signed for the webhook.
    pub async fn post_json(&self, body: impl Into<Vec<u8>>) -> reqwest::Response {
        self.send(&Signed::json(&self.key, &self.webhook(), body))
            .await
    }

    /// A POST with the given content type and X-SignalWire-Signature, each
    /// left out when `None`.
    pub async fn post(
        &self,
        url: &str,
        content_type: Option<&str>,
        signature: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.post(url).body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        if let Some(sig) = signature {
            request = request.header("x-signalwire-signature", sig);
        }
        request.send().await.expect("request")
    }

    pub async fn metrics(&self) -> Metrics {
        scrape(&self.client, &self.url("/metrics")).await
    }

    /// A scrape on a new connection. With a short read timeout the server
    /// closes idle keep-alive connections, so a pooled one may be gone.
    pub async fn metrics_on_a_new_connection(&self) -> Metrics {
        scrape(&reqwest::Client::new(), &self.url("/metrics")).await
    }
}

/// GET `url`, which must answer 200 with an exposition.
pub async fn scrape(client: &reqwest::Client, url: &str) -> Metrics {
    let response = client.get(url).send().await.expect("scrape");
    assert_eq!(response.status(), 200, "{url}");
    Metrics::parse(&response.text().await.expect("a scrape body"))
}

/// A clock the test moves by hand: expiry is tested without sleeping.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<Instant>>);

impl ManualClock {
    pub fn new() -> Self {
        ManualClock(Arc::new(Mutex::new(Instant::now())))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }

    pub fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Arc::new(move || *now.lock().unwrap())
    }
}
