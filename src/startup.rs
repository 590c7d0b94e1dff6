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
use crate::watchdog::Watch;

pub struct Application {
    listener: TcpListener,
    router: Router,
    /// `--web.metrics-listen-address`, when metrics have a port of their own.
    metrics: Option<(TcpListener, Router)>,
    state: AppState,
    read_timeout: Duration,
    shutdown_timeout: Duration,
}

/// Which of the exporter's listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// `Settings::listen_address`: the webhook, landing page and health.
    Main,
    /// `Settings::metrics_listen_address`.
    Metrics,
}

/// A listener that could not be opened, and which one.
#[derive(Debug)]
pub struct BindError {
    pub listener: Listener,
    pub address: SocketAddr,
    pub source: std::io::Error,
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot listen on {}: {}", self.address, self.source)
    }
}

impl std::error::Error for BindError {}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Self, BindError> {
        let state = AppState::new(settings);
        let listener = bind(settings.listen_address, Listener::Main)?;
        let metrics = match settings.metrics_listen_address {
            Some(addr) => Some((
                bind(addr, Listener::Metrics)?,
                routes::metrics_router(settings, state.clone()),
            )),
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
        let connections = Connections {
            // No hyper timer: slow heads and idle connections are the
            // watchdog's (one check per connection, not a timer per
            // request), slow bodies the webhook's.
            http: http1::Builder::new(),
            graceful: GracefulShutdown::new(),
            read_timeout: self.read_timeout,
        };
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = accept(&self.listener, &self.router) => accepted,
                accepted = accept_metrics(&self.metrics) => accepted,
                () = &mut shutdown => break,
            };
            match accepted {
                Ok((stream, router)) => connections.serve(stream, router.clone()),
                Err(e) => {
                    // Out of file descriptors and the like: keep serving the
                    // connections we have, and back off a little.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        drop(self.listener);
        drop(self.metrics);
        let timeout = humantime::format_duration(self.shutdown_timeout);
        tracing::info!(%timeout, "shutting down, draining connections");
        if tokio::time::timeout(self.shutdown_timeout, connections.graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("shutdown timeout reached with connections still open");
        }
    }
}

/// What every accepted connection is served with.
struct Connections {
    http: http1::Builder,
    graceful: GracefulShutdown,
    read_timeout: Duration,
}

impl Connections {
    /// Serves `stream` with `router` on a task of its own, under the
    /// watchdog and the graceful shutdown.
    fn serve(&self, stream: TcpStream, router: Router) {
        let _ = stream.set_nodelay(true);
        let watch = Watch::new();
        let io = TokioIo::new(watch.stream(stream));
        let connection = self
            .graceful
            .watch(self.http.serve_connection(io, watch.service(router)));
        watch.spawn(connection, self.read_timeout);
    }
}

/// A listener with a deep accept queue: a burst of hang-ups opens many
/// connections at once, and std's default backlog of 128 drops handshakes.
fn bind(address: SocketAddr, listener: Listener) -> Result<TcpListener, BindError> {
    let bound = || {
        let socket = if address.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(address)?;
        socket.listen(4096)
    };
    bound().map_err(|source| BindError {
        listener,
        address,
        source,
    })
}

async fn accept<'r>(
    listener: &TcpListener,
    router: &'r Router,
) -> std::io::Result<(TcpStream, &'r Router)> {
    let (stream, _) = listener.accept().await?;
    Ok((stream, router))
}

/// Never resolves without a metrics listener.
async fn accept_metrics(
    metrics: &Option<(TcpListener, Router)>,
) -> std::io::Result<(TcpStream, &Router)> {
    match metrics {
        Some((listener, router)) => accept(listener, router).await,
        None => std::future::pending().await,
    }
}
