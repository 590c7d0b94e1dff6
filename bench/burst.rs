//! A burst of hang-ups (issue 13, target 5), against a running server:
//! COUNT signed terminal callbacks sent by CONCURRENCY workers at once, each
//! callback on a fresh TCP connection with `Connection: close`, while a
//! scraper polls `/metrics` every 50 ms. Before the burst the scraper polls
//! the idle server the same way, for the idle p99.
//!
//! ```text
//! cargo build --release --bin signalwire-exporter --example burst
//! target/release/signalwire-exporter --web.listen-address 127.0.0.1:19790 --signalwire.signing-key benchkey &
//! target/release/examples/burst 127.0.0.1:19790 bench/results/requests-19790-250000-1.txt 20000 1000
//! ```
//!
//! The request file is the one `bench/run` generates (one `SIGNATURE BODY`
//! per line, signed for `http://127.0.0.1:19790/status-callback`), so the
//! server must listen on that address. Options after the four arguments:
//! `--no-scrape` runs no scraper (`bench/run` scrapes from another process
//! while this one runs at nice 19, as a sender on another machine would);
//! `--ready FILE` creates FILE when the burst starts.
//!
//! Prints one `BURST_JSON {...}` line: answers by status, connection errors by
//! kind (refused, reset, timed out after 10 s, other), latency percentiles of
//! the callbacks (connect to end of answer), and of `/metrics` idle and
//! during the burst.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Past this a callback counts as timed out (SignalWire reads for 5 s).
const TIMEOUT: Duration = Duration::from_secs(10);
const SCRAPE_EVERY: Duration = Duration::from_millis(50);

/// What one exchange on a fresh connection came to.
enum Answer {
    Status(u16),
    Error(&'static str),
}

fn load_requests(path: &str, addr: &str, count: usize) -> Vec<Vec<u8>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    let requests: Vec<Vec<u8>> = std::io::BufReader::new(file)
        .lines()
        .map(|l| l.expect("request file is text"))
        .filter(|l| !l.starts_with('#'))
        .take(count)
        .filter_map(|l| {
            let (signature, body) = l.split_once(' ')?;
            let request = format!(
                "POST /status-callback HTTP/1.1\r\nHost: {addr}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 X-SignalWire-Signature: {signature}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            Some(request.into_bytes())
        })
        .collect();
    assert_eq!(
        requests.len(),
        count,
        "{path} holds fewer than {count} requests"
    );
    requests
}

/// One request on a fresh connection, read to the server's close.
async fn exchange(addr: &str, request: &[u8]) -> Answer {
    let attempt = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        stream.write_all(request).await?;
        let mut answer = Vec::with_capacity(256);
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(TIMEOUT, attempt).await {
        Err(_) => Answer::Error("timed_out"),
        Ok(Err(e)) => Answer::Error(match e.kind() {
            ErrorKind::ConnectionRefused => "refused",
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                "reset"
            }
            _ => "other",
        }),
        Ok(Ok(answer)) => std::str::from_utf8(&answer)
            .ok()
            .and_then(|a| a.strip_prefix("HTTP/1.1 "))
            .and_then(|a| a.get(..3))
            .and_then(|code| code.parse().ok())
            .map_or(Answer::Error("other"), Answer::Status),
    }
}

/// Polls `/metrics` over one kept-alive connection, as Prometheus does,
/// until `stop`, returning each answer's latency in µs (a failed scrape
/// counts as the timeout, and the next one reconnects).
async fn scrape_until(addr: String, stop: Arc<AtomicBool>) -> Vec<u64> {
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut latencies = Vec::new();
    let mut connection: Option<BufReader<TcpStream>> = None;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let scrape = async {
            let stream = match connection.as_mut() {
                Some(stream) => stream,
                None => connection.insert(BufReader::new(TcpStream::connect(&addr).await?)),
            };
            stream.get_mut().write_all(request.as_bytes()).await?;
            read_answer(stream).await
        };
        let ok = matches!(tokio::time::timeout(TIMEOUT, scrape).await, Ok(Ok(200)));
        if !ok {
            connection = None;
        }
        let took = if ok { started.elapsed() } else { TIMEOUT };
        latencies.push(took.as_micros() as u64);
        tokio::time::sleep(SCRAPE_EVERY.saturating_sub(started.elapsed())).await;
    }
    latencies
}

/// Reads one answer with a Content-Length body from a kept-alive connection
/// and returns its status.
async fn read_answer(stream: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let bad = || std::io::Error::new(ErrorKind::InvalidData, "unexpected answer");
    let mut head = Vec::with_capacity(512);
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read_until(b'\n', &mut head).await? == 0 {
            return Err(bad());
        }
    }
    let head = String::from_utf8(head).map_err(|_| bad())?;
    let status = head
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(bad)?;
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn summary(name: &str, mut us: Vec<u64>) -> String {
    us.sort_unstable();
    format!(
        "\"{name}_count\":{},\"{name}_p50_ms\":{:.2},\"{name}_p99_ms\":{:.2},\"{name}_max_ms\":{:.2}",
        us.len(),
        percentile(&us, 50.0),
        percentile(&us, 99.0),
        percentile(&us, 100.0)
    )
}

/// The burst: `concurrency` workers take the next request until none is left.
async fn burst(
    addr: &str,
    requests: Arc<Vec<Vec<u8>>>,
    concurrency: usize,
) -> (Duration, Vec<u64>, BTreeMap<String, u64>) {
    let next = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let start = Arc::new(tokio::sync::Barrier::new(concurrency + 1));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (addr, requests, next) = (addr.to_string(), requests.clone(), next.clone());
        let (outcomes, start) = (outcomes.clone(), start.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            start.wait().await;
            while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                let started = Instant::now();
                let key = match exchange(&addr, request).await {
                    Answer::Status(code) => code.to_string(),
                    Answer::Error(kind) => kind.to_string(),
                };
                latencies.push(started.elapsed().as_micros() as u64);
                *outcomes
                    .lock()
                    .expect("not poisoned")
                    .entry(key)
                    .or_default() += 1;
            }
            latencies
        }));
    }
    start.wait().await;
    let began = Instant::now();
    let mut latencies = Vec::with_capacity(requests.len());
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let outcomes = outcomes.lock().expect("not poisoned").clone();
    (began.elapsed(), latencies, outcomes)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let addr = arg(1, "127.0.0.1:19790");
    let path = arg(2, "bench/results/requests-19790-250000-1.txt");
    let count: usize = arg(3, "20000").parse().expect("COUNT is a number");
    let concurrency: usize = arg(4, "1000").parse().expect("CONCURRENCY is a number");
    let scrape = !args.iter().any(|a| a == "--no-scrape");
    let ready = args
        .iter()
        .position(|a| a == "--ready")
        .and_then(|i| args.get(i + 1));
    let requests = Arc::new(load_requests(&path, &addr, count));

    let mut idle = Vec::new();
    if scrape {
        let stop = Arc::new(AtomicBool::new(false));
        let scraper = tokio::spawn(scrape_until(addr.clone(), stop.clone()));
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, Ordering::Relaxed);
        idle = scraper.await.expect("scraper");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let scraper = scrape.then(|| tokio::spawn(scrape_until(addr.clone(), stop.clone())));
    if let Some(ready) = ready {
        std::fs::write(ready, b"").unwrap_or_else(|e| panic!("write {ready}: {e}"));
    }
    let (took, latencies, outcomes) = burst(&addr, requests, concurrency).await;
    stop.store(true, Ordering::Relaxed);
    let loaded = match scraper {
        Some(s) => s.await.expect("scraper"),
        None => Vec::new(),
    };
    let outcomes: Vec<String> = outcomes
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    println!(
        "BURST_JSON {{\"count\":{count},\"concurrency\":{concurrency},\"seconds\":{:.3},\
         \"rps\":{:.0},\"outcomes\":{{{}}},{},{},{}}}",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64(),
        outcomes.join(","),
        summary("callback", latencies),
        summary("metrics_idle", idle),
        summary("metrics_burst", loaded),
    );
}
