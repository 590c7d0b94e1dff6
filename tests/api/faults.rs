//! Faults: a shutdown under load (in-process) must answer or refuse every
//! request cleanly and count exactly what it answered 204; SIGTERM on the
//! real binary must let requests in flight finish before it exits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::support::*;

/// What became of one request, as its client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    NoContent,
    OtherStatus(u16),
    /// No connection: the listener is gone.
    Refused,
    /// The request failed before any response (e.g. a keep-alive connection
    /// closed by the drain as the request was sent): not processed.
    FailedBeforeResponse,
    /// A response whose body broke off: the failure case.
    Truncated,
}

#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    no_content: usize,
    other: usize,
    refused: usize,
    failed: usize,
    truncated: usize,
}

impl Tally {
    fn add(&mut self, seen: &[Seen]) {
        for s in seen {
            self.sent += 1;
            match s {
                Seen::NoContent => self.no_content += 1,
                Seen::OtherStatus(_) => self.other += 1,
                Seen::Refused => self.refused += 1,
                Seen::FailedBeforeResponse => self.failed += 1,
                Seen::Truncated => self.truncated += 1,
            }
        }
    }
}

async fn post_signed(client: &reqwest::Client, request: &Signed) -> Seen {
    match request.request(client).send().await {
        Err(e) if e.is_connect() => Seen::Refused,
        Err(_) => Seen::FailedBeforeResponse,
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Err(_) => Seen::Truncated,
                Ok(_) if status == 204 => Seen::NoContent,
                Ok(_) => Seen::OtherStatus(status),
            }
        }
    }
}

/// `clients` tasks posting distinct signed events until refused (at most
/// `max_each` requests each); `answered` counts the 204s as they come.
fn load(
    addr: std::net::SocketAddr,
    key_text: &'static str,
    tag: &'static str,
    clients: usize,
    max_each: usize,
    answered: Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<Vec<Seen>>> {
    (0..clients)
        .map(|c| {
            let answered = Arc::clone(&answered);
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(PATIENCE)
                    .build()
                    .unwrap();
                let key = SigningKey::new(key_text);
                let url = format!("http://{addr}/status-callback");
                let mut seen = Vec::new();
                for i in 0..max_each {
                    let call = Callback::completed(format!("CA-{tag}-{c}-{i}"));
                    let request = Signed::callback(&key, &url, Wire::Form, &call);
                    let s = post_signed(&client, &request).await;
                    seen.push(s);
                    match s {
                        Seen::NoContent => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Seen::Refused => break,
                        _ => {}
                    }
                }
                seen
            })
        })
        .collect()
}

async fn wait_for(answered: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while answered.load(Ordering::Relaxed) < n {
        assert!(Instant::now() < deadline, "load never reached {n} answers");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_under_load_counts_exactly_what_it_answered() {
    const CLIENTS: usize = 8;
    let mut settings = settings();
    settings.shutdown_timeout = Duration::from_secs(5);
    let app = Application::build(&settings).await.unwrap();
    let addr = app.local_addr();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    let answered = Arc::new(AtomicUsize::new(0));
    let clients = load(addr, KEY, "SD", CLIENTS, 5000, Arc::clone(&answered));
    wait_for(&answered, 300).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("drained within the shutdown timeout")
        .unwrap();

    let mut tally = Tally::default();
    for c in clients {
        let seen = tokio::time::timeout(PATIENCE, c).await.unwrap().unwrap();
        // Each client ran until the closed listener refused it.
        assert_eq!(seen.last(), Some(&Seen::Refused), "{seen:?}");
        tally.add(&seen);
    }
    println!("in-process shutdown under load: {tally:?}");
    assert_eq!(tally.truncated, 0, "{tally:?}");
    assert_eq!(tally.other, 0, "{tally:?}");
    assert_eq!(tally.refused, CLIENTS, "{tally:?}");
    assert!(tally.no_content >= 300, "{tally:?}");

    let m = Metrics::parse(&state.recorder.render());
    assert_eq!(m.outcome("accepted"), tally.no_content as f64, "{tally:?}");
    assert_eq!(
        m.sum("signalwire_call_events_total"),
        tally.no_content as f64
    );
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        2829.0 * tally.no_content as f64
    );
    assert_eq!(m.outcome("duplicate"), 0.0);
    assert_eq!(m.outcome("bad_request"), 0.0);
}

/// A request on a raw socket with its head and half its body sent: in
/// flight until [`Held::finish`] sends the rest.
struct Held {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Held {
    async fn start(exporter: &Exporter, key: &SigningKey, call: &str) -> Self {
        let call = Callback::completed(call);
        let url = exporter.url("/status-callback");
        let signed = Signed::callback(key, &url, Wire::Form, &call);
        let (first, rest) = signed.body.split_at(signed.body.len() / 2);
        let mut stream = TcpStream::connect(exporter.addr).await.unwrap();
        stream
            .write_all(signed.raw_head().as_bytes())
            .await
            .unwrap();
        stream.write_all(first).await.unwrap();
        Held {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body and reads the answer; none at all (the
    /// process exited under it) fails the test.
    async fn finish(mut self) -> RawResponse {
        // A closed connection shows in the read; the write may still succeed.
        let _ = self.stream.write_all(&self.rest).await;
        let bytes = until_closed(&mut self.stream).await;
        assert!(
            !bytes.is_empty(),
            "the request in flight got no answer: the drain did not wait for it"
        );
        RawResponse::parse(&bytes)
    }
}

/// Polls (bounded) until `addr` refuses connections: the listener is closed.
async fn refuses_connections(addr: std::net::SocketAddr) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// The real binary's SIGTERM path, step by step rather than racing a
/// sleep: each step waits for what the previous one must cause, so the test
/// fails if the drain stops waiting for requests in flight. Metrics have a
/// listener of their own, which the exporter closes only after the main one
/// has drained, so what a drained request recorded can be read meanwhile.
#[tokio::test]
async fn sigterm_refuses_new_connections_and_exits_zero_once_requests_in_flight_finish() {
    const KEY_TEXT: &str = "sigterm-key";
    let metrics = format!("127.0.0.1:{}", free_port());
    let args = [
        "--web.shutdown-timeout",
        "10s",
        "--web.metrics-listen-address",
        &metrics,
    ];
    let mut exporter = Exporter::start(KEY_TEXT, None, &args).await;
    let key = SigningKey::new(KEY_TEXT);
    let scrape_url = format!("http://{metrics}/metrics");
    let first = Held::start(&exporter, &key, "CA-INFLIGHT-1").await;
    let second = Held::start(&exporter, &key, "CA-INFLIGHT-2").await;
    let before = scrape(&reqwest::Client::new(), &scrape_url).await;
    assert_eq!(before.outcome("accepted"), 0.0);

    exporter.terminate();
    assert!(
        refuses_connections(exporter.addr).await,
        "still accepting after SIGTERM\n{}",
        exporter.log()
    );
    // Time for a drain that does not wait to end the process (it takes a
    // few ms); one that waits holds it until the requests finish.
    let early = exporter.wait_exit(Duration::from_millis(500)).await;
    assert!(
        early.is_none(),
        "exited mid-drain: {early:?}\n{}",
        exporter.log()
    );

    // Answered as usual, and recorded, while the second holds the drain.
    let r = first.finish().await;
    assert_eq!(r.status, 204, "{}", r.text);
    let m = scrape(&reqwest::Client::new(), &scrape_url).await;
    assert_eq!(m.outcome("accepted"), 1.0);
    assert_eq!(
        m.value("signalwire_call_events_total", INBOUND_COMPLETED),
        1.0
    );
    assert_eq!(
        m.value("signalwire_audio_in_packets_total", INBOUND_COMPLETED),
        2829.0
    );
    assert!(exporter.running(), "exited mid-drain\n{}", exporter.log());

    let r = second.finish().await;
    assert_eq!(r.status, 204, "{}", r.text);
    let status = exporter
        .wait_exit(Duration::from_secs(5))
        .await
        .expect("exited once the last request in flight finished");
    assert!(status.success(), "{status:?}\n{}", exporter.log());
    let log = exporter.log();
    assert!(log.contains("shutting down, draining connections"), "{log}");
    assert!(!log.contains("shutdown timeout reached"), "{log}");
    assert!(TcpStream::connect(&metrics).await.is_err());
}

#[tokio::test]
async fn sigterm_stops_the_metrics_listeners_thread_too_and_exits_zero() {
    let metrics = format!("127.0.0.1:{}", free_port());
    let args = [
        "--web.shutdown-timeout",
        "5s",
        "--web.metrics-listen-address",
        &metrics,
    ];
    let mut exporter = Exporter::start("sigterm-metrics-key", None, &args).await;
    // Served from its own thread, and left open and idle across the signal.
    let client = reqwest::Client::new();
    let scrape = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);

    exporter.terminate();
    let status = exporter
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("exited within the shutdown timeout");
    assert!(status.success(), "{status:?}\n{}", exporter.log());
    assert!(TcpStream::connect(exporter.addr).await.is_err());
    assert!(TcpStream::connect(&metrics).await.is_err());
}
