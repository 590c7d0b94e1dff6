//! The sending half of the simulator: pacing, concurrency and signing; what
//! was acknowledged goes to the tally that becomes the summary.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::call_state_wire::{self, as_call_state, call_state_url, Webhook};
use super::plan::{
    Generator, PlannedCall, Profile, DEFAULT_DUPLICATE_RATIO, DEFAULT_LOSE_TERMINAL_RATIO,
    DEFAULT_OUT_OF_ORDER_RATIO,
};
use super::tally::{CallState, Summary};
use crate::call_state::CallsConfig;
use crate::domain::Params;
use crate::signature::SigningKey;

/// How many rejected answers and transport errors are logged (at warn).
const LOGGED_FAILURES: u64 = 5;
/// After shutdown, how long calls already started may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Calls started per second that the pacing can represent: at the low end
/// the gap between calls still fits a `Duration` for any realistic run.
pub const RATE_RANGE: std::ops::RangeInclusive<f64> = 0.001..=100_000.0;

/// `--rate`: calls started per second.
pub const DEFAULT_RATE: f64 = 10.0;
/// `simulate --calls`.
pub const DEFAULT_CALLS: u64 = 100;
/// `simulate --concurrency`: requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// When a call's events are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pace {
    /// Each event when its Timestamp comes: a call lasts as long as it says
    /// (a run of --calls N as long as its last call), and delivery delays
    /// stay under a second (out-of-order events aside).
    RealTime,
    /// A call's events one after another without waiting: Timestamps follow
    /// the call's timeline from its start, so later ones are ahead of the
    /// clock (the exporter observes a delivery delay of 0 for them).
    BackToBack,
}

/// What to simulate and where to send it.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where the callbacks are POSTed.
    pub target: String,
    /// The URL signed; `None` signs `target` exactly (query included).
    pub signed_url: Option<String>,
    pub key: SigningKey,
    pub profile: Profile,
    pub seed: u64,
    /// Calls started per second.
    pub rate: f64,
    /// Calls to simulate; `None` runs until shutdown.
    pub calls: Option<u64>,
    /// Share of deliveries sent twice, as a retry.
    pub duplicate_ratio: f64,
    /// Share of calls with two events delivered in the wrong order.
    pub out_of_order_ratio: f64,
    /// Share of calls whose terminal event is never sent.
    pub lose_terminal_ratio: f64,
    pub pace: Pace,
    /// Requests in flight at once (one per call at most, so back to back
    /// also calls at once).
    pub concurrency: usize,
    /// `None`: a random one per run, so that reruns with the same seed are
    /// not duplicates to a running exporter.
    pub account_sid: Option<String>,
    /// Per request.
    pub timeout: Duration,
    /// Status callbacks, call-state events, or both.
    pub webhook: Webhook,
}

impl SimConfig {
    pub fn new(target: impl Into<String>, key: SigningKey) -> Self {
        SimConfig {
            target: target.into(),
            signed_url: None,
            key,
            profile: Profile::default(),
            seed: rand::random(),
            rate: DEFAULT_RATE,
            calls: Some(DEFAULT_CALLS),
            duplicate_ratio: DEFAULT_DUPLICATE_RATIO,
            out_of_order_ratio: DEFAULT_OUT_OF_ORDER_RATIO,
            lose_terminal_ratio: DEFAULT_LOSE_TERMINAL_RATIO,
            pace: Pace::BackToBack,
            concurrency: DEFAULT_CONCURRENCY,
            account_sid: None,
            timeout: Duration::from_secs(15),
            webhook: Webhook::default(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !RATE_RANGE.contains(&self.rate) {
            return Err(format!(
                "--rate must be from {} to {}, got {}",
                RATE_RANGE.start(),
                RATE_RANGE.end(),
                self.rate
            ));
        }
        for (flag, ratio) in [
            ("--duplicate-ratio", self.duplicate_ratio),
            ("--out-of-order-ratio", self.out_of_order_ratio),
            ("--lose-terminal-ratio", self.lose_terminal_ratio),
        ] {
            if !(0.0..=1.0).contains(&ratio) {
                return Err(format!("{flag} must be from 0 to 1, got {ratio}"));
            }
        }
        if self.concurrency == 0 {
            return Err("--concurrency must be at least 1".into());
        }
        check_target(&self.target).map_err(|e| format!("--target {:?}: {e}", self.target))
    }
}

/// Whether the sender can reach `target`: an absolute http:// URL.
pub fn check_target(target: &str) -> Result<(), String> {
    let example = "e.g. http://127.0.0.1:9711/status-callback";
    match reqwest::Url::parse(target) {
        Ok(url) if url.scheme() == "http" && url.has_host() => Ok(()),
        Ok(url) if url.scheme() == "https" => Err(format!(
            "only http:// is supported (this build has no TLS client), {example}"
        )),
        _ => Err(format!("expected an absolute http:// URL, {example}")),
    }
}

/// Shared by the call tasks.
struct Sender {
    client: reqwest::Client,
    target: String,
    signed_url: String,
    key: SigningKey,
    account_sid: String,
    pace: Pace,
    webhook: Webhook,
    /// Where call-state events go, and the URL they are signed for.
    call_state_target: String,
    call_state_signed_url: String,
    /// Requests in flight.
    requests: Semaphore,
    summary: Mutex<Summary>,
}

/// Sends the simulated calls of `config` until they are all sent or
/// `shutdown` resolves, and returns what happened. After shutdown no call is
/// started; calls under way may finish for a few seconds.
pub async fn run(config: SimConfig, shutdown: impl Future<Output = ()>) -> Summary {
    if let Err(e) = config.validate() {
        tracing::error!("{e}");
        return Summary {
            seed: config.seed,
            errors: 1,
            ..Summary::default()
        };
    }
    let sender = Arc::new(Sender::new(&config));
    tracing::info!(
        target_url = %config.target,
        profile = %config.profile,
        seed = config.seed,
        rate = config.rate,
        pace = ?config.pace,
        calls = config.calls.map_or_else(|| "until stopped".to_owned(), |n| n.to_string()),
        "simulating SignalWire status callbacks"
    );
    tokio::pin!(shutdown);
    let mut tasks = JoinSet::new();
    let shut_down = start_calls(&config, &sender, &mut tasks, shutdown.as_mut()).await;
    let finished = !shut_down
        && tokio::select! {
            () = drain(&mut tasks) => true,
            () = &mut shutdown => false,
        };
    if !finished {
        // Calls under way may finish; past the grace period they are cut.
        if tokio::time::timeout(SHUTDOWN_GRACE, drain(&mut tasks))
            .await
            .is_err()
        {
            tasks.abort_all();
            drain(&mut tasks).await;
        }
    }
    let mut summary = sender.summary.lock().unwrap_or_else(|e| e.into_inner());
    summary.finish();
    summary.clone()
}

/// Starts the planned calls at the configured rate, each on a task of
/// `tasks`, at most `concurrency` at once back to back (a call sends one
/// request at a time) or, in real time (a call waits for its events), the
/// exporter's default `--calls.capacity`: beyond it, calls would be
/// evicted. True if `shutdown` came first.
async fn start_calls<F: Future<Output = ()>>(
    config: &SimConfig,
    sender: &Arc<Sender>,
    tasks: &mut JoinSet<()>,
    mut shutdown: Pin<&mut F>,
) -> bool {
    let generator = Generator::new(config.profile, config.seed)
        .duplicate_ratio(config.duplicate_ratio)
        .out_of_order_ratio(config.out_of_order_ratio)
        .lose_terminal_ratio(config.lose_terminal_ratio);
    let slots = Arc::new(Semaphore::new(match config.pace {
        Pace::BackToBack => config.concurrency,
        Pace::RealTime => CallsConfig::default().capacity,
    }));
    let start = Instant::now();
    let mut lag_warned = false;
    for (i, call) in generator.enumerate() {
        let i = i as u64;
        if config.calls.is_some_and(|n| i >= n) {
            break;
        }
        let due = start + Duration::from_secs_f64(i as f64 / config.rate);
        tokio::select! {
            () = tokio::time::sleep_until(due) => {}
            () = shutdown.as_mut() => return true,
        }
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit,
            () = shutdown.as_mut() => return true,
        };
        let permit = permit.expect("the semaphore is never closed");
        if !lag_warned && due.elapsed() > Duration::from_secs(2) {
            lag_warned = true;
            tracing::warn!(
                rate = config.rate,
                concurrency = config.concurrency,
                "the target answers too slowly for this rate; calls start late"
            );
        }
        sender
            .summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .calls += 1;
        let sender = Arc::clone(sender);
        tasks.spawn(async move {
            sender.send_call(&call).await;
            drop(permit);
        });
        // Reap finished calls so that an endless run stays small.
        while tasks.try_join_next().is_some() {}
    }
    false
}

async fn drain(tasks: &mut JoinSet<()>) {
    while tasks.join_next().await.is_some() {}
}

impl Sender {
    fn new(config: &SimConfig) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                "signalwire-exporter-simulate/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(Duration::from_secs(2).min(config.timeout))
            .timeout(config.timeout)
            .build()
            .expect("an HTTP client without TLS builds");
        let account_sid = config
            .account_sid
            .clone()
            .unwrap_or_else(|| super::plan::uuid(&mut rand::thread_rng()));
        let signed_url = config
            .signed_url
            .clone()
            .unwrap_or_else(|| config.target.clone());
        Sender {
            client,
            call_state_target: call_state_url(&config.target),
            call_state_signed_url: call_state_url(&signed_url),
            webhook: config.webhook,
            signed_url,
            target: config.target.clone(),
            key: config.key.clone(),
            account_sid,
            pace: config.pace,
            requests: Semaphore::new(config.concurrency),
            summary: Mutex::new(Summary {
                seed: config.seed,
                ..Summary::default()
            }),
        }
    }

    /// The events of one call in delivery order, each retried when planned
    /// so; in real time, each when its Timestamp comes.
    async fn send_call(&self, call: &PlannedCall) {
        let json = self.webhook.is_call_state(call.index);
        let swml = json.then(|| as_call_state(call));
        let call = swml.as_ref().unwrap_or(call);
        let clock = CallClock::start();
        let mut state = CallState::default();
        for &index in &call.delivery {
            let event = &call.events[index];
            let offset = u64::from(event.offset);
            if self.pace == Pace::RealTime {
                tokio::time::sleep_until(clock.instant + Duration::from_secs(offset)).await;
            }
            let request = if json {
                self.call_state_request(call, index, clock.wall)
            } else {
                self.form_request(call, index, clock.wall)
            };
            let permit = self.requests.acquire().await;
            let mut acknowledged = self.deliver(&request, false).await;
            if event.duplicate {
                acknowledged |= self.deliver(&request, true).await;
            }
            drop(permit);
            if acknowledged {
                let timestamp = clock.wall.unix_timestamp() + offset as i64;
                self.tally()
                    .acknowledged(call, index, &mut state, timestamp);
            }
        }
        self.tally().call_done(call, &state);
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `events[index]` as a signed form callback.
    fn form_request(&self, call: &PlannedCall, index: usize, start: OffsetDateTime) -> Request<'_> {
        let fields = call.fields(index, &self.account_sid, start);
        let body = serde_urlencoded::to_string(&fields).expect("text fields encode");
        let params: Params = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let signature = self.key.sign_form(&self.signed_url, &params);
        Request {
            url: &self.target,
            content_type: "application/x-www-form-urlencoded",
            body,
            signatures: vec![("x-signalwire-signature", signature)],
        }
    }

    /// `events[index]` as a call-state event, with both Scheme A headers.
    fn call_state_request(
        &self,
        call: &PlannedCall,
        index: usize,
        start: OffsetDateTime,
    ) -> Request<'_> {
        let body = call_state_wire::body(call, index, &self.account_sid, start);
        let url = &self.call_state_signed_url;
        let sha1 = self.key.sign_json(url, body.as_bytes());
        let sha256 = call_state_wire::sign_sha256(&self.key, url, body.as_bytes());
        Request {
            url: &self.call_state_target,
            content_type: "application/json",
            body,
            signatures: vec![
                ("x-signalwire-signature", sha1),
                ("x-signalwire-sha256-signature", sha256),
            ],
        }
    }

    /// One POST; true on a 2xx answer.
    async fn deliver(&self, request: &Request<'_>, retry: bool) -> bool {
        let mut builder = self
            .client
            .post(request.url)
            .header("content-type", request.content_type);
        for (name, value) in &request.signatures {
            builder = builder.header(*name, value);
        }
        let result = builder.body(request.body.clone()).send().await;
        let failure = match result {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                Some(Err((status, text)))
            }
            Err(e) => Some(Ok(e)),
        };
        let mut summary = self.tally();
        summary.deliveries += 1;
        if retry {
            summary.duplicates += 1;
        }
        match failure {
            None => true,
            Some(Err((status, text))) => {
                summary.non_2xx += 1;
                if summary.non_2xx <= LOGGED_FAILURES {
                    tracing::warn!(
                        status = status.as_u16(),
                        body = %text.trim_end(),
                        "callback refused"
                    );
                }
                false
            }
            Some(Ok(e)) => {
                summary.errors += 1;
                if summary.errors <= LOGGED_FAILURES {
                    tracing::warn!(error = %error_chain(&e), "callback not delivered");
                }
                false
            }
        }
    }
}

/// One signed request, sent once or twice (a retry is identical).
struct Request<'a> {
    url: &'a str,
    content_type: &'static str,
    body: String,
    signatures: Vec<(&'static str, String)>,
}

/// When a call started: its `initiated` Timestamp, a whole second, and the
/// monotonic instant of that second, which later events are paced from.
struct CallClock {
    wall: OffsetDateTime,
    instant: Instant,
}

impl CallClock {
    fn start() -> Self {
        let now = OffsetDateTime::now_utc();
        let instant = Instant::now();
        let fraction = Duration::from_nanos(u64::from(now.nanosecond()));
        CallClock {
            wall: now.replace_nanosecond(0).unwrap_or(now),
            instant: instant.checked_sub(fraction).unwrap_or(instant),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
