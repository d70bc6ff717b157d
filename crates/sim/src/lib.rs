//! Embedded Kubernetes API simulator: an in-process API server on 127.0.0.1 that speaks the
//! real Kubernetes REST protocol (JSON over HTTP/1.1), with small controllers and scripted
//! pods. It is the demo cluster and the test cluster; clients reach it through a kubeconfig
//! exactly as they reach a real cluster.

pub(crate) use strata_common::{printers, release};

pub mod access;
pub mod admission;
pub mod api;
pub mod controllers;
pub mod cron;
pub mod fields;
pub mod http;
pub mod ids;
pub mod kubelet;
pub mod logstream;
pub mod openapi;
pub mod patch;
pub mod podlogs;
pub mod protobuf;
pub mod resources;
pub mod scenario;
pub mod script;
pub mod selectors;
pub mod store;
pub mod table;

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
    /// Run the scenario's run generators (off for deterministic tests).
    pub runs: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: ScenarioName::Demo,
            options: ScenarioOptions::default(),
            runs: true,
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
}

/// A running simulator; it stops when dropped.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub state: Arc<http::SimState>,
    shutdown: watch::Sender<bool>,
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
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a simulator on the current tokio runtime: binds, seeds the scenario, starts the
/// controllers and the run generators, and serves until stopped.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
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
    let scenario = scenario::build(config.scenario, &config.options);
    for obj in scenario.objects {
        state.seed(obj)?;
    }
    let (shutdown, rx) = watch::channel(false);
    let synced = controllers::spawn(state.clone(), rx.clone());
    // Serve a settled cluster: controllers have made the pods of existing workloads.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), synced).await;
    if config.runs {
        controllers::spawn_runs(state.clone(), scenario.runs, rx.clone());
    }
    tokio::spawn(http::serve(listener, state.clone(), rx));
    Ok(RunningSim {
        addr,
        state,
        shutdown,
    })
}
