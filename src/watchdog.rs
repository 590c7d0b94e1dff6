//! Cuts off connections that hold the server without sending a request:
//! slow headers (slowloris) and idle keep-alive connections.
//!
//! hyper's own `header_read_timeout` arms a timer for every request, which
//! cost more CPU per callback than verifying its signature. Here each
//! connection has one coarse check instead: reads and request boundaries
//! stamp an atomic clock, and a task per connection looks at it a few times
//! per timeout. Bodies are not its business: the webhook times them out
//! itself with a 408.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::service::Service;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tower::ServiceExt;

/// One connection under watch: its stream stamps reads, its service stamps
/// request boundaries, and a guard closes it when it outstays the limit.
pub struct Watch {
    activity: Arc<Activity>,
}

impl Watch {
    pub fn new() -> Self {
        Watch {
            activity: Activity::new(),
        }
    }

    /// The connection's stream, stamping activity when bytes arrive.
    pub fn stream<T>(&self, inner: T) -> Watched<T> {
        Watched::new(inner, Arc::clone(&self.activity))
    }

    /// `router` as a hyper service that stamps where each request begins
    /// and ends: while one is handled, the handler governs the time.
    pub fn service(
        &self,
        router: Router,
    ) -> impl Service<
        hyper::Request<Incoming>,
        Response = Response,
        Error = std::convert::Infallible,
        Future = impl Future<Output = Result<Response, std::convert::Infallible>> + Send,
    > {
        let activity = Arc::clone(&self.activity);
        hyper::service::service_fn(move |request| {
            activity.begin_request();
            let done = Arc::clone(&activity);
            let response = router.clone().oneshot(request);
            async move {
                let response = response.await;
                done.end_request();
                response
            }
        })
    }

    /// Runs `connection` until it ends or outstays `limit` outside a
    /// request (the caller gives it a task of its own).
    pub async fn run<F>(self, connection: F, limit: Duration)
    where
        F: Future<Output = Result<(), hyper::Error>>,
    {
        match guard(connection, self.activity, limit).await {
            Some(Err(e)) => tracing::debug!(error = %e, "connection ended with an error"),
            None => {
                tracing::debug!("connection closed: no complete request within the read timeout")
            }
            Some(Ok(())) => {}
        }
    }
}

/// Milliseconds since the first call, never 0 (0 means "not set").
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

impl Default for Watch {
    fn default() -> Self {
        Self::new()
    }
}

/// What a connection has been doing, stamped as it happens.
#[derive(Debug)]
struct Activity {
    /// When the first byte of the next request arrived; 0 between requests.
    reading_since: AtomicU64,
    /// When the connection last finished a request (or opened).
    idle_since: AtomicU64,
    /// A request is being handled: its handler governs the time.
    in_request: AtomicBool,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Activity {
            reading_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(now_ms()),
            in_request: AtomicBool::new(false),
        })
    }

    /// hyper has read a request's head and hands it to the service.
    fn begin_request(&self) {
        self.in_request.store(true, Ordering::Relaxed);
        self.reading_since.store(0, Ordering::Relaxed);
    }

    fn end_request(&self) {
        self.idle_since.store(now_ms(), Ordering::Relaxed);
        self.in_request.store(false, Ordering::Relaxed);
    }

    fn bytes_read(&self) {
        if !self.in_request.load(Ordering::Relaxed)
            && self.reading_since.load(Ordering::Relaxed) == 0
        {
            self.reading_since.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// Whether a connection outside any request has used up `limit`, either
    /// sending a request head or sitting idle.
    fn is_overdue(&self, limit: Duration) -> bool {
        if self.in_request.load(Ordering::Relaxed) {
            return false;
        }
        let since = match self.reading_since.load(Ordering::Relaxed) {
            0 => self.idle_since.load(Ordering::Relaxed),
            reading => reading,
        };
        now_ms().saturating_sub(since) > limit.as_millis() as u64
    }
}

/// Resolves when the connection should be closed: a few looks per `limit`.
async fn until_overdue(activity: Arc<Activity>, limit: Duration) {
    let tick = (limit / 4).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(tick).await;
        if activity.is_overdue(limit) {
            return;
        }
    }
}

/// An IO stream that stamps `Activity` when bytes arrive.
pub struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> Watched<T> {
    fn new(inner: T, activity: Arc<Activity>) -> Self {
        Watched { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Runs `connection` until it ends or its activity expires.
async fn guard<F: Future>(
    connection: F,
    activity: Arc<Activity>,
    limit: Duration,
) -> Option<F::Output> {
    tokio::select! {
        out = connection => Some(out),
        () = until_overdue(activity, limit) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_applies_only_outside_requests() {
        let a = Activity::new();
        assert!(!a.is_overdue(Duration::from_secs(60)));
        a.begin_request();
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            !a.is_overdue(Duration::ZERO),
            "a request in progress is the handler's business"
        );
        a.end_request();
        a.bytes_read();
        let started = a.reading_since.load(Ordering::Relaxed);
        assert_ne!(started, 0);
        a.bytes_read();
        assert_eq!(
            a.reading_since.load(Ordering::Relaxed),
            started,
            "the first byte starts the clock"
        );
        std::thread::sleep(Duration::from_millis(5));
        assert!(a.is_overdue(Duration::from_millis(1)));
    }
}
