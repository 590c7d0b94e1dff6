//! Binding, serving (over TLS when configured), and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::configuration::Settings;
use crate::routes::{self, AppState};
use crate::tls::{self, ServerTls};
use crate::watchdog::Watch;

pub struct Application {
    main: Endpoint,
    /// `--web.metrics-listen-address`, when metrics have a port of their own.
    metrics: Option<Endpoint>,
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

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Bind(BindError),
    /// `Settings::tls` does not make a TLS server (a key that does not match
    /// the certificate, say).
    Tls(String),
}

impl From<BindError> for StartError {
    fn from(e: BindError) -> Self {
        StartError::Bind(e)
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind(e) => e.fmt(f),
            StartError::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A listener, what it serves, and how it speaks TLS when it does.
struct Endpoint {
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
}

impl Endpoint {
    async fn accept(&self) -> std::io::Result<(TcpStream, &Self)> {
        let (stream, _) = self.listener.accept().await?;
        Ok((stream, self))
    }
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Self, StartError> {
        Self::build_with(settings, AppState::new(settings)).await
    }

    /// Serves `state`, made from the same settings: tests give theirs a clock.
    pub async fn build_with(settings: &Settings, state: AppState) -> Result<Self, StartError> {
        let tls = match &settings.tls {
            Some(files) => Some(ServerTls::new(files).map_err(StartError::Tls)?),
            None => None,
        };
        let main = Endpoint {
            listener: bind(settings.listen_address, Listener::Main)?,
            router: routes::router(settings, state.clone()),
            tls: tls.as_ref().map(|t| t.webhook().clone()),
        };
        let metrics = match settings.metrics_listen_address {
            Some(addr) => Some(Endpoint {
                listener: bind(addr, Listener::Metrics)?,
                router: routes::metrics_router(settings, state.clone()),
                tls: tls.as_ref().map(|t| t.metrics().clone()),
            }),
            None => None,
        };
        Ok(Application {
            main,
            metrics,
            state,
            read_timeout: settings.read_timeout,
            shutdown_timeout: settings.shutdown_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.main
            .listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The metrics listener's address, when it has its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|m| m.listener.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight
    /// requests finish for up to the shutdown timeout, and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let metrics = self.metrics.map(|endpoint| {
            let (read, drain) = (self.read_timeout, self.shutdown_timeout);
            apart::serve(endpoint, read, drain, stopped)
        });
        serve(
            self.main,
            self.read_timeout,
            self.shutdown_timeout,
            shutdown,
        )
        .await;
        let _ = stop.send(true);
        if let Some(thread) = metrics {
            // Joined off the runtime: it drains within the same timeout.
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// Serves `endpoint` until `shutdown` resolves, then stops accepting and
/// drains its connections for up to `drain`.
async fn serve(
    endpoint: Endpoint,
    read_timeout: Duration,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let connections = Connections {
        // No hyper timer: slow heads and idle connections are the
        // watchdog's (one check per connection, not a timer per
        // request), slow bodies the webhook's.
        http: http1::Builder::new(),
        graceful: GracefulShutdown::new(),
        read_timeout,
    };
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = endpoint.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, endpoint)) => connections.serve(stream, endpoint),
            Err(e) => {
                // Out of file descriptors and the like: keep serving the
                // connections we have, and back off a little.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(endpoint);
    let timeout = humantime::format_duration(drain);
    tracing::info!(%timeout, "shutting down, draining connections");
    if tokio::time::timeout(drain, connections.graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown timeout reached with connections still open");
    }
}

/// `--web.metrics-listen-address` on a thread and runtime of its own. A
/// burst of callbacks queues hundreds of connection tasks on the main
/// runtime, and a scrape woken behind them waited for all of them; the
/// kernel gives a thread of its own the CPU within its time slice
/// (docs/benchmarks.md, the burst and saturation rows).
mod apart {
    use super::*;

    pub(super) fn serve(
        endpoint: Endpoint,
        read_timeout: Duration,
        drain: Duration,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) -> std::thread::JoinHandle<()> {
        // A listener belongs to the runtime it was registered with: handed
        // over as a std one and registered again on the new runtime.
        let listener = endpoint.listener.into_std();
        let (router, tls) = (endpoint.router, endpoint.tls);
        std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => return tracing::error!(error = %e, "metrics listener not served"),
            };
            runtime.block_on(async move {
                let listener = match listener.and_then(TcpListener::from_std) {
                    Ok(listener) => listener,
                    Err(e) => return tracing::error!(error = %e, "metrics listener not served"),
                };
                let endpoint = Endpoint {
                    listener,
                    router,
                    tls,
                };
                let stop = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                super::serve(endpoint, read_timeout, drain, stop).await;
            });
        })
    }
}

/// What every accepted connection is served with.
struct Connections {
    http: http1::Builder,
    graceful: GracefulShutdown,
    read_timeout: Duration,
}

impl Connections {
    /// Serves `stream` with `endpoint`'s router on a task of its own: the
    /// TLS handshake first when the endpoint speaks TLS (bounded by the read
    /// timeout, like a request head), then HTTP under the watchdog, which
    /// sees the decrypted stream, and the graceful shutdown.
    fn serve(&self, stream: TcpStream, endpoint: &Endpoint) {
        let _ = stream.set_nodelay(true);
        let (http, watcher) = (self.http.clone(), self.graceful.watcher());
        let (router, limit) = (endpoint.router.clone(), self.read_timeout);
        let tls = endpoint.tls.clone();
        tokio::spawn(async move {
            match tls {
                None => watched(http, watcher, stream, router, limit).await,
                // On the heap: the TLS state would otherwise make every
                // plain connection's task several KB larger, and tokio
                // copies a task's future as it spawns and finishes it.
                Some(tls) => {
                    Box::pin(async move {
                        if let Some(stream) = tls::handshake(&tls, stream, limit).await {
                            watched(http, watcher, stream, router, limit).await;
                        }
                    })
                    .await
                }
            }
        });
    }
}

/// HTTP/1.1 over `io` until the connection ends or outstays `limit` outside
/// a request.
async fn watched<T>(http: http1::Builder, watcher: Watcher, io: T, router: Router, limit: Duration)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let watch = Watch::new();
    let io = TokioIo::new(watch.stream(io));
    // Boxed where it is made: hyper's connection state is ~3 KB, and tokio
    // moves a task's whole future when it spawns and finishes it.
    let connection = Box::pin(watcher.watch(http.serve_connection(io, watch.service(router))));
    watch.run(connection, limit).await;
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
