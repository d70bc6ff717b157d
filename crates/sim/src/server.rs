//! The listening side of the API: one incarnation accepts connections until it is stopped,
//! and [`ApiServer`] takes the API down and brings it back on the same address with the same
//! store and resourceVersion clock — an outage, as a real API server restart looks to clients.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Mutex, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::SimError;
use super::http::{self, SimState};

/// The API server's listener, which can be suspended and resumed.
pub struct ApiServer {
    addr: SocketAddr,
    state: Arc<SimState>,
    /// The whole simulator's stop signal.
    shutdown: watch::Receiver<bool>,
    running: Mutex<Option<Incarnation>>,
}

/// One period of the API being up.
struct Incarnation {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ApiServer {
    /// Starts serving on `listener` (already bound, so callers learn the port first).
    pub fn start(
        listener: TcpListener,
        addr: SocketAddr,
        state: Arc<SimState>,
        shutdown: watch::Receiver<bool>,
    ) -> ApiServer {
        let first = Incarnation::spawn(listener, state.clone(), shutdown.clone());
        ApiServer {
            addr,
            state,
            shutdown,
            running: Mutex::new(Some(first)),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the API currently accepts connections.
    pub async fn is_up(&self) -> bool {
        self.running.lock().await.is_some()
    }

    /// Takes the API down: stops listening (new connections are refused) and drops every open
    /// connection, long-running watches and log streams included, so clients see their
    /// streams end. Returns once the port is closed; false when it was already down.
    pub async fn suspend(&self) -> bool {
        let mut running = self.running.lock().await;
        match running.take() {
            Some(incarnation) => {
                incarnation.stop().await;
                true
            }
            None => false,
        }
    }

    /// Listens again on the same address. False when the API was already up.
    pub async fn resume(&self) -> Result<bool, SimError> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(false);
        }
        if *self.shutdown.borrow() {
            return Err(SimError::Stopped);
        }
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.addr,
                source,
            })?;
        *running = Some(Incarnation::spawn(
            listener,
            self.state.clone(),
            self.shutdown.clone(),
        ));
        Ok(true)
    }

    /// Down for `duration`, then back. False (and nothing done) when already down.
    pub async fn outage(&self, duration: Duration) -> Result<bool, SimError> {
        if !self.suspend().await {
            return Ok(false);
        }
        tokio::time::sleep(duration).await;
        self.resume().await
    }
}

impl Incarnation {
    fn spawn(
        listener: TcpListener,
        state: Arc<SimState>,
        shutdown: watch::Receiver<bool>,
    ) -> Incarnation {
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, state, shutdown, stop_rx));
        Incarnation { stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        // The loop drops the listener and every connection before it returns.
        let _ = self.task.await;
    }
}

/// Accepts connections until this incarnation or the simulator stops, then drops the
/// listener and every connection it accepted.
async fn accept_loop(
    listener: TcpListener,
    state: Arc<SimState>,
    mut shutdown: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    // Handlers' streams (watches, followed logs) end when this fires or its sender drops.
    let (streams_stop, streams_stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    if !*shutdown.borrow() {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve_connection(stream, state.clone(), streams_stop_rx.clone()));
                    }
                    // Accept errors (fd exhaustion) are transient: back off briefly.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                _ = shutdown.changed() => break,
                _ = stop.changed() => break,
            }
        }
    }
    drop(listener);
    let _ = streams_stop.send(true);
    // Aborting a connection's task drops its socket mid-response, as a dying server does.
    connections.shutdown().await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    state: Arc<SimState>,
    streams_stop: watch::Receiver<bool>,
) {
    let io = hyper_util::rt::TokioIo::new(stream);
    let svc = hyper::service::service_fn(move |req| {
        let state = state.clone();
        let streams_stop = streams_stop.clone();
        async move { Ok::<_, Infallible>(http::handle(req, state, streams_stop).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, svc)
        .with_upgrades()
        .await;
}
