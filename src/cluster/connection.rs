//! Turning a kubeconfig (a file, `KUBECONFIG`, or the demo's in-memory YAML) into a
//! `kube::Client`, with errors that tell the user which file or context is wrong and what to do.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::{ClusterError, with_causes};

/// Where the kubeconfig comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KubeconfigSource {
    /// `--kubeconfig PATH`.
    File(PathBuf),
    /// `KUBECONFIG` (a list of files, merged), else `~/.kube/config`, as kubectl does.
    Default,
    /// A kubeconfig held in memory (the embedded demo cluster).
    Inline(String),
}

impl KubeconfigSource {
    /// How the source is named in messages.
    fn describe(&self) -> String {
        match self {
            KubeconfigSource::File(path) => path.display().to_string(),
            KubeconfigSource::Default => match std::env::var_os("KUBECONFIG") {
                Some(value) if !value.is_empty() => {
                    format!("$KUBECONFIG ({})", value.to_string_lossy())
                }
                _ => "~/.kube/config".to_string(),
            },
            KubeconfigSource::Inline(_) => "the demo cluster's kubeconfig".to_string(),
        }
    }
}

/// What to connect to: a kubeconfig and, optionally, a context other than its current one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectTarget {
    pub source: KubeconfigSource,
    pub context: Option<String>,
}

/// A client plus what the header shows about it.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub context: String,
    pub cluster_url: String,
    /// The context's namespace (kubectl's default for namespaced commands).
    pub default_namespace: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .field("cluster_url", &self.cluster_url)
            .field("default_namespace", &self.default_namespace)
            .finish_non_exhaustive()
    }
}

/// Reads the kubeconfig, resolves the context and builds a client. Does not talk to the
/// server: see [`probe`] for that, so that a cluster that is down does not keep the cockpit
/// from opening.
pub async fn connect(target: &ConnectTarget) -> Result<Connection, ClusterError> {
    let origin = target.source.describe();
    let kubeconfig = load_kubeconfig(&target.source)?;
    let context = resolve_context(&kubeconfig, target.context.as_deref())?;
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|source| ClusterError::ContextUnusable {
            context: context.clone(),
            origin: origin.clone(),
            reason: source.to_string(),
        })?;
    let cluster_url = config.cluster_url.to_string();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|source| ClusterError::Client {
        context: context.clone(),
        reason: source.to_string(),
    })?;
    Ok(Connection {
        client,
        context,
        cluster_url,
        default_namespace,
    })
}

/// How long the first request may take before the server counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks the API server for its version: the cheapest request that proves the server is
/// reachable and accepts our credentials.
pub async fn probe(connection: &Connection) -> Result<String, ClusterError> {
    let unreachable = |reason: String| ClusterError::Unreachable {
        url: connection.cluster_url.clone(),
        reason,
    };
    match tokio::time::timeout(PROBE_TIMEOUT, connection.client.apiserver_version()).await {
        Err(_) => Err(unreachable(format!(
            "no answer within {} s",
            PROBE_TIMEOUT.as_secs()
        ))),
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(kube::Error::Api(status))) if status.code == 401 || status.code == 403 => {
            Err(ClusterError::Rejected {
                url: connection.cluster_url.clone(),
                context: connection.context.clone(),
                code: status.code,
                message: status.message.clone(),
            })
        }
        Ok(Err(error)) => Err(unreachable(with_causes(&error))),
    }
}

pub(crate) fn load_kubeconfig(source: &KubeconfigSource) -> Result<Kubeconfig, ClusterError> {
    let origin = source.describe();
    let loaded = match source {
        KubeconfigSource::File(path) => {
            if !path.exists() {
                return Err(ClusterError::KubeconfigMissing { path: path.clone() });
            }
            Kubeconfig::read_from(path)
        }
        KubeconfigSource::Inline(yaml) => Kubeconfig::from_yaml(yaml),
        KubeconfigSource::Default => match Kubeconfig::from_env() {
            Ok(Some(config)) => Ok(config),
            Ok(None) => match default_kubeconfig_path() {
                Some(path) if path.exists() => Kubeconfig::read_from(&path),
                _ => return Err(ClusterError::NoKubeconfig),
            },
            Err(error) => Err(error),
        },
    };
    loaded.map_err(|error| kubeconfig_error(error, &origin))
}

fn default_kubeconfig_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(".kube").join("config"))
}

fn kubeconfig_error(error: KubeconfigError, origin: &str) -> ClusterError {
    match error {
        KubeconfigError::ReadConfig(source, path)
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            ClusterError::KubeconfigMissing { path }
        }
        KubeconfigError::ReadConfig(source, path) => {
            ClusterError::KubeconfigUnreadable { path, source }
        }
        KubeconfigError::Parse(source) => ClusterError::KubeconfigInvalid {
            origin: origin.to_string(),
            reason: source.to_string(),
        },
        other => ClusterError::KubeconfigInvalid {
            origin: origin.to_string(),
            reason: other.to_string(),
        },
    }
}

/// Picks the requested context, else the current one, and checks that it exists, so the
/// error can list the contexts the user could have meant.
fn resolve_context(kubeconfig: &Kubeconfig, wanted: Option<&str>) -> Result<String, ClusterError> {
    let available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let name = match wanted.or(kubeconfig.current_context.as_deref()) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => return Err(ClusterError::NoCurrentContext { available }),
    };
    if available.contains(&name) {
        Ok(name)
    } else {
        Err(ClusterError::UnknownContext {
            context: name,
            available,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_CONTEXTS: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: alpha
  context: {cluster: c, user: u, namespace: data}
- name: beta
  context: {cluster: c, user: u}
current-context: alpha
users:
- name: u
  user: {token: t}
";

    fn target(yaml: &str, context: Option<&str>) -> ConnectTarget {
        ConnectTarget {
            source: KubeconfigSource::Inline(yaml.to_string()),
            context: context.map(str::to_string),
        }
    }

    #[tokio::test]
    async fn connects_with_the_current_context_and_its_namespace() {
        let connection = connect(&target(TWO_CONTEXTS, None)).await.unwrap();
        assert_eq!(connection.context, "alpha");
        assert_eq!(connection.default_namespace, "data");
        assert_eq!(connection.cluster_url, "http://127.0.0.1:1/");
    }

    #[tokio::test]
    async fn an_explicit_context_wins() {
        let connection = connect(&target(TWO_CONTEXTS, Some("beta"))).await.unwrap();
        assert_eq!(connection.context, "beta");
        assert_eq!(connection.default_namespace, "default");
    }

    #[tokio::test]
    async fn an_unknown_context_lists_the_known_ones() {
        let error = connect(&target(TWO_CONTEXTS, Some("prod")))
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"prod\""), "{message}");
        assert!(message.contains("alpha, beta"), "{message}");
        assert!(message.contains("--context"), "{message}");
    }

    #[tokio::test]
    async fn broken_yaml_names_the_source() {
        let error = connect(&target("clusters: [unclosed", None))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ClusterError::KubeconfigInvalid { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("demo cluster"), "{error}");
    }

    #[tokio::test]
    async fn a_missing_file_says_how_to_point_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let error = connect(&ConnectTarget {
            source: KubeconfigSource::File(path.clone()),
            context: None,
        })
        .await
        .unwrap_err();
        assert!(matches!(error, ClusterError::KubeconfigMissing { .. }));
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("--kubeconfig"), "{message}");
    }

    #[tokio::test]
    async fn no_current_context_is_explained() {
        let yaml = TWO_CONTEXTS.replace("current-context: alpha\n", "");
        let error = connect(&target(&yaml, None)).await.unwrap_err();
        assert!(
            matches!(error, ClusterError::NoCurrentContext { .. }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable_not_fatal() {
        let connection = connect(&target(TWO_CONTEXTS, None)).await.unwrap();
        let error = probe(&connection).await.unwrap_err();
        assert!(matches!(error, ClusterError::Unreachable { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("http://127.0.0.1:1/"), "{message}");
        // The cause, not just kube's "client error (Connect)".
        assert!(message.to_lowercase().contains("refused"), "{message}");
    }
}
