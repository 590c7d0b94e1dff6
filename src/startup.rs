//! Binding, serving, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::configuration::Settings;
use crate::routes::{self, AppState};
use crate::watchdog;
use std::sync::Arc;
use tower::ServiceExt;

pub struct Application {
    listener: TcpListener,
    router: Router,
    /// `--web.metrics-listen-address`, when metrics have a port of their own.
    metrics: Option<(TcpListener, Router)>,
    state: AppState,
    read_timeout: Duration,
    shutdown_timeout: Duration,
}

impl Application {
    pub async fn build(settings: &Settings) -> std::io::Result<Self> {
        let state = AppState::new(settings);
        let listener = bind(settings.listen_address)?;
        let metrics = match settings.metrics_listen_address {
            Some(addr) => Some((bind(addr)?, routes::metrics_router(settings, state.clone()))),
            None => None,
        };
        Ok(Application {
            router: routes::router(settings, state.clone()),
            metrics,
            state,
            listener,
            read_timeout: settings.read_timeout,
            shutdown_timeout: settings.shutdown_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The metrics listener's address, when it has its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight
    /// requests finish for up to the shutdown timeout, and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        // No hyper timer: slow heads and idle connections are the watchdog's
        // (one check per connection, not a timer per request), slow bodies
        // the webhook's.
        let http = http1::Builder::new();
        let read_timeout = self.read_timeout;
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        let serve = |accepted: std::io::Result<(TcpStream, SocketAddr)>, router: &Router| {
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: keep serving
                    // the connections we have; the caller backs off.
                    tracing::warn!(error = %e, "accept failed");
                    return false;
                }
            };
            let _ = stream.set_nodelay(true);
            let activity = watchdog::Activity::new();
            let router = router.clone();
            let on_request = Arc::clone(&activity);
            let service = hyper::service::service_fn(move |request| {
                on_request.begin_request();
                let done = Arc::clone(&on_request);
                let response = router.clone().oneshot(request);
                async move {
                    let response = response.await;
                    done.end_request();
                    response
                }
            });
            let io = TokioIo::new(watchdog::Watched::new(stream, Arc::clone(&activity)));
            let connection = graceful.watch(http.serve_connection(io, service));
            tokio::spawn(async move {
                match watchdog::guard(connection, activity, read_timeout).await {
                    Some(Err(e)) => tracing::debug!(error = %e, "connection ended with an error"),
                    None => tracing::debug!(
                        "connection closed: no complete request within the read timeout"
                    ),
                    Some(Ok(())) => {}
                }
            });
            true
        };
        loop {
            let served = tokio::select! {
                accepted = self.listener.accept() => serve(accepted, &self.router),
                accepted = accept_on(&self.metrics) => serve(accepted, &self.metrics.as_ref().expect("accepted on it").1),
                () = &mut shutdown => break,
            };
            if !served {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        drop(self.listener);
        drop(self.metrics);
        tracing::info!(timeout = %humantime::format_duration(self.shutdown_timeout), "shutting down, draining connections");
        if tokio::time::timeout(self.shutdown_timeout, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("shutdown timeout reached with connections still open");
        }
    }
}

/// A listener with a deep accept queue: a burst of hang-ups opens many
/// connections at once, and std's default backlog of 128 drops handshakes.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

async fn accept_on(
    listener: &Option<(TcpListener, Router)>,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some((l, _)) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
