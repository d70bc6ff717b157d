//! Embedded Kubernetes API simulator: an in-process API server on 127.0.0.1 that speaks the
//! real Kubernetes REST protocol (JSON over HTTP/1.1), with small controllers and scripted
//! pods. It is the demo cluster and the test cluster; clients reach it through a kubeconfig
//! exactly as they reach a real cluster.
//!
//! Beyond the Kubernetes API, for tests and benchmarks:
//!
//! - **Metadata-only reads**: an Accept of
//!   `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` on a list, or
//!   `…as=PartialObjectMetadata…` on a get or a watch, is answered with
//!   `PartialObjectMetadata(List)` objects ([`media`]), as kube-rs `list_metadata`,
//!   `watch_metadata`, `get_metadata` and `metadata_watcher` ask for them.
//! - **The request log**: every request the API answers is recorded ([`requestlog`]); read it
//!   in process with [`http::SimState::requests`] and [`http::SimState::mutating_requests`], or
//!   over HTTP with `GET /strata-sim/requests[?since=SEQ]` (on the API port and the control
//!   port), which answers a [`requestlog::RequestSummary`] as JSON.
//! - **Outages**: [`RunningSim::suspend`] stops listening and drops every open connection
//!   (watches and log streams end mid-stream, new connections are refused);
//!   [`RunningSim::resume`] listens again on the same address, with the same store and
//!   resourceVersion clock, so a watch resumed from a version still in the history continues
//!   and an older one gets 410 Gone. Out of process, [`RunningSim::serve_control`] opens a
//!   control listener (`strata sim serve` prints its URL on its second line) that serves
//!   `POST /strata-sim/outage?seconds=N` (down when it answers 202, back N seconds later;
//!   409 while already down), `POST /strata-sim/suspend`, `POST /strata-sim/resume`,
//!   `GET /strata-sim/status` (`{"up": …}`) and the request log.
//! - **Log stream cuts**: [`RunningSim::cut_log_streams`] (or `POST
//!   /strata-sim/faults/logs?after_lines=K&count=N[&pod=NS/NAME][&mode=abrupt|clean]` on the
//!   control port) ends the next N follow streams of pod logs after K lines, as a proxy
//!   dropping the connection does; [`logstream`] says what `sinceTime` and `timestamps=true`
//!   give a client resuming the stream.
//! - **Log rates**: the pod script setting `log-rate=N` makes a pod's containers write N
//!   realistic lines a second ([`script`]).
//! - **Churn**: [`SimConfig::churn`] changes N bench pods a second ([`churn`]).
//! - **Port-forward**: `pods/portforward` over WebSocket as kube-rs speaks it, and as
//!   kubectl does (SPDY/3.1 tunnelled, [`spdy`]) ([`portforward`]); a pod names where its ports lead in the annotation
//!   [`portforward::FORWARD_ANNOTATION`] (`sim.strata.dev/forward: 8080=127.0.0.1:41873`).
//!   Authorized as `create` on `pods/portforward`; logged, but not a mutating request.
//! - **Exec**: `pods/exec` over WebSocket (`v5.channel.k8s.io`/`v4`, as kubectl 1.35 and
//!   kube-rs speak it) into a built-in [`shell`] that sees the container's env and its
//!   ConfigMap and Secret mounts ([`exec`]). Authorized as `create` on `pods/exec`; counted
//!   as a mutating request.
//! - **Stand-ins** ([`standins`], demo scenario only): an Airflow 3 REST API v2 and an Airbyte
//!   public API v1 on 127.0.0.1 ephemeral ports, reached by port-forwarding to the demo's
//!   `airflow-api-server` pod (namespace `orchestration`, port
//!   [`standins::AIRFLOW_PORT`] 8080; user `admin`, password `admin`) and `airbyte-server`
//!   pod (namespace `ingestion`, port [`standins::AIRBYTE_PORT`] 8001; client id
//!   `strata-demo`, secret `strata-demo-secret`). Triggered DAG runs and syncs make their pods
//!   in the cluster; [`RunningSim::standins`] gives their addresses and lets tests speed them
//!   up ([`standins::Standins::set_pace`]). Their writes count in the request log's
//!   `mutating` total.

pub(crate) use strata_common::{printers, release};

pub mod access;
pub mod admission;
pub mod api;
pub mod churn;
pub mod control;
pub mod controllers;
pub mod cron;
pub mod exec;
pub mod fields;
pub mod http;
pub mod ids;
pub mod immutable;
pub mod kubelet;
pub mod logstream;
pub mod media;
pub mod openapi;
pub mod patch;
pub mod podlogs;
pub mod portforward;
pub mod protobuf;
pub mod requestlog;
pub mod resources;
pub mod rollout;
pub mod scenario;
pub mod script;
pub mod selectors;
pub mod server;
pub mod shell;
pub mod spdy;
pub mod standins;
pub mod store;
pub mod table;
pub mod websocket;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use scenario::{ScenarioName, ScenarioOptions};

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Listen address; port 0 picks a free port.
    pub addr: SocketAddr,
    pub scenario: ScenarioName,
    pub options: ScenarioOptions,
    /// Run the scenario's run generators (off for deterministic tests). The demo's history
    /// of runs that finished before it opened (and the retry running then) is there either
    /// way: it is the cluster's state at start, not something that happens over time.
    pub runs: bool,
    /// Bench pod changes per second (`--churn N`; needs `options.extra_pods`), 0 for none.
    pub churn: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: ScenarioName::Demo,
            options: ScenarioOptions::default(),
            runs: true,
            churn: 0,
        }
    }
}

/// Why the simulator could not start or write its kubeconfig.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source} (is the port in use? try --addr 127.0.0.1:0)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot write kubeconfig {path}: {source}")]
    WriteKubeconfig {
        path: String,
        source: std::io::Error,
    },
    #[error("scenario object {what} was rejected: {message}")]
    Seed { what: String, message: String },
    #[error(
        "churn of {per_second} changes a second needs bench pods to change: add --pods N (the churn changes only those)"
    )]
    NothingToChurn { per_second: u32 },
    #[error("the simulator was stopped; start a new one instead of resuming it")]
    Stopped,
}

/// A running simulator; it stops when dropped.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub state: Arc<http::SimState>,
    shutdown: watch::Sender<bool>,
    server: Arc<server::ApiServer>,
    standins: Option<standins::Standins>,
}

impl RunningSim {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig with context `strata-sim` (cluster admin) and `strata-sim-viewer`
    /// (read-only, no Secrets), current context `strata-sim`.
    pub fn kubeconfig_yaml(&self) -> String {
        let url = self.url();
        let users = access::SimUser::builtin();
        let mut out = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
        for user in &users {
            // Non-admin users are told apart by a path prefix: client-go sends no token over
            // plain HTTP.
            let server = if user.name == "admin" {
                url.clone()
            } else {
                format!("{url}/u/{}", user.name)
            };
            out.push_str(&format!(
                "- name: {}\n  cluster:\n    server: {server}\n",
                user.context_name()
            ));
        }
        out.push_str("contexts:\n");
        for user in &users {
            let ctx = user.context_name();
            out.push_str(&format!(
                "- name: {ctx}\n  context:\n    cluster: {ctx}\n    user: {}\n    namespace: default\n",
                user.name
            ));
        }
        out.push_str("current-context: strata-sim\nusers:\n");
        for user in &users {
            out.push_str(&format!(
                "- name: {}\n  user:\n    token: {}\n",
                user.name, user.token
            ));
        }
        out
    }

    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SimError> {
        std::fs::write(path, self.kubeconfig_yaml()).map_err(|source| SimError::WriteKubeconfig {
            path: path.display().to_string(),
            source,
        })
    }

    /// Stops serving and the controllers.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Takes the API down as a crashing API server does: the port stops listening (new
    /// connections are refused) and every open connection is dropped, long-running watches
    /// and log streams included. Controllers, churn and the store keep running. Returns once
    /// the port is closed; false when the API was already down.
    pub async fn suspend(&self) -> bool {
        self.server.suspend().await
    }

    /// Brings the API back on the same address, with the same store and resourceVersion
    /// clock. False when it was already up.
    pub async fn resume(&self) -> Result<bool, SimError> {
        self.server.resume().await
    }

    /// Down for `duration`, then back ([`RunningSim::suspend`], then [`RunningSim::resume`]).
    /// False (and nothing done) when the API was already down.
    pub async fn outage(&self, duration: std::time::Duration) -> Result<bool, SimError> {
        self.server.outage(duration).await
    }

    /// Cuts the next `cut.count` follow streams of pod logs (of one pod, or of any) after
    /// `cut.after_lines` lines, abruptly (the connection drops mid-response) or cleanly, for
    /// clients' reconnect tests. See [`logstream`] for what a resumed request sends.
    pub fn cut_log_streams(&self, cut: logstream::LogStreamCut) {
        self.state.cut_log_streams(cut);
    }

    /// The demo's Airflow and Airbyte stand-ins (None for other scenarios): where they
    /// listen, and their pace.
    pub fn standins(&self) -> Option<&standins::Standins> {
        self.standins.as_ref()
    }

    /// Whether the API accepts connections now.
    pub async fn is_up(&self) -> bool {
        self.server.is_up().await
    }

    /// Opens the control listener on `addr` (port 0 picks one) for out-of-process tests and
    /// benchmark scripts: outages and the request log (see the crate documentation). It
    /// stays up while the API is down, and stops with the simulator. Returns its address.
    pub async fn serve_control(&self, addr: SocketAddr) -> Result<SocketAddr, SimError> {
        control::start(
            addr,
            self.server.clone(),
            self.state.clone(),
            self.shutdown.subscribe(),
        )
        .await
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a simulator on the current tokio runtime: binds, seeds the scenario, starts the
/// controllers, the run generators and the churn, and serves until stopped.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    if config.churn > 0 && config.options.extra_pods == 0 {
        return Err(SimError::NothingToChurn {
            per_second: config.churn,
        });
    }
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.addr,
        source,
    })?;
    let state = Arc::new(http::SimState::new());
    let (shutdown, rx) = watch::channel(false);
    let mut scenario = scenario::build(config.scenario, &config.options);
    // The demo's Airflow and Airbyte answer through port-forwards to their server pods.
    let standins = match config.scenario {
        ScenarioName::Demo => {
            let standins = standins::start(state.clone(), rx.clone()).await?;
            standins.wire(&mut scenario.objects);
            Some(standins)
        }
        ScenarioName::Empty => None,
    };
    for obj in scenario.objects {
        state.seed(obj)?;
    }
    let synced = controllers::spawn(state.clone(), rx.clone());
    // Serve a settled cluster: controllers have made the pods of existing workloads.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), synced).await;
    if config.runs {
        controllers::spawn_runs(state.clone(), scenario.runs, rx.clone());
    }
    churn::spawn(
        state.clone(),
        config.options.extra_pods,
        config.churn,
        rx.clone(),
    );
    let server = Arc::new(server::ApiServer::start(listener, addr, state.clone(), rx));
    Ok(RunningSim {
        addr,
        state,
        shutdown,
        server,
        standins,
    })
}
