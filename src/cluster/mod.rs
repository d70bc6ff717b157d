//! The cockpit's view of a cluster: connecting through a kubeconfig, the one shared cache of
//! watched objects (projected into compact rows), and the live layer report on top of it. No
//! UI here.

pub mod cache;
pub mod catalog;
pub mod connection;
pub mod contexts;
pub mod edit;
pub mod exec;
pub mod forward;
pub mod incident;
pub mod layers;
pub mod logs;
pub mod posture;
pub mod resource;
pub mod rollout;
pub mod run_reasons;
pub mod trigger;

use std::path::PathBuf;

pub use cache::{Cache, CacheEvent, Subscription, WatchStatus};
pub use catalog::{Catalog, ResourceKind};
pub use connection::{ConnectTarget, Connection, KubeconfigSource, connect, probe};
pub use resource::{ColumnHeader, Drill, ResourceRow, RowKey};

/// Which namespaces a namespaced watch covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NamespaceScope {
    All,
    Only(String),
}

impl NamespaceScope {
    pub fn contains(&self, namespace: &str) -> bool {
        match self {
            NamespaceScope::All => true,
            NamespaceScope::Only(only) => only == namespace,
        }
    }
}

/// What a view watches: a kind, a namespace scope and server-side selectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchTarget {
    pub kind: ResourceKind,
    pub scope: NamespaceScope,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    /// Only metadata (`PartialObjectMetadata`): what the labels say is enough, and the rest
    /// (a Helm release's payload) must not cross the wire.
    pub metadata_only: bool,
}

impl WatchTarget {
    /// Every object of `kind` in `scope`.
    pub fn of(kind: ResourceKind, scope: NamespaceScope) -> WatchTarget {
        WatchTarget {
            kind,
            scope,
            label_selector: None,
            field_selector: None,
            metadata_only: false,
        }
    }
}

/// Why the cockpit cannot reach a cluster. Each message says what failed and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no kubeconfig found: KUBECONFIG is not set and ~/.kube/config does not exist; \
         pass --kubeconfig PATH, or try `strata demo` for a built-in cluster"
    )]
    NoKubeconfig,
    #[error(
        "kubeconfig {} does not exist; pass --kubeconfig PATH or fix KUBECONFIG",
        path.display()
    )]
    KubeconfigMissing { path: PathBuf },
    #[error("cannot read kubeconfig {}: {source}; check its permissions", path.display())]
    KubeconfigUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "kubeconfig {origin} is not valid: {reason}; fix the file or pass another with --kubeconfig"
    )]
    KubeconfigInvalid { origin: String, reason: String },
    #[error(
        "the kubeconfig names no current context; pass --context NAME (available: {})",
        list_or_none(available)
    )]
    NoCurrentContext { available: Vec<String> },
    #[error(
        "context {context:?} is not in the kubeconfig; pass --context with one of: {}",
        list_or_none(available)
    )]
    UnknownContext {
        context: String,
        available: Vec<String>,
    },
    #[error(
        "context {context:?} in {origin} cannot be used: {reason}; fix its cluster or user entry"
    )]
    ContextUnusable {
        context: String,
        origin: String,
        reason: String,
    },
    #[error("cannot build a client for context {context:?}: {reason}")]
    Client { context: String, reason: String },
    #[error(
        "cannot reach the API server: {reason}; check that the cluster is up and that your \
         network or VPN reaches {url} (the cockpit keeps retrying)"
    )]
    Unreachable { url: String, reason: String },
    #[error(
        "the API server at {url} refused the credentials of context {context:?} ({code}: \
         {message}); log in again or pick another context"
    )]
    Rejected {
        url: String,
        context: String,
        code: u16,
        message: String,
    },
}

/// An error with its causes, for one line on screen: kube's own message often stops at
/// "client error (Connect)" and leaves the useful part ("connection refused") to its sources.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Many errors repeat their source in their own message.
        if !parts.iter().any(|known| known.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
