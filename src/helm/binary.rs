//! The `helm` binary: found by `--helm PATH`, else `STRATA_HELM`, else `PATH`; at least v3.13
//! (older releases lack the flags and fixes the wizards rely on); always run with an argument
//! vector, never through a shell, and with the connection's kubeconfig and context.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Helm the wizards accept.
pub const MIN_VERSION: (u32, u32) = (3, 13);

/// Why helm cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error(
        "no helm binary found (give --helm PATH, set STRATA_HELM, or put helm on PATH); reading \
         releases does not need it, changing them does"
    )]
    Missing,
    #[error("{path}: {why}")]
    Unusable { path: String, why: String },
    #[error(
        "{path} is Helm {found}; Strata needs v{}.{} or newer to change releases",
        MIN_VERSION.0,
        MIN_VERSION.1
    )]
    TooOld { path: String, found: String },
}

/// A helm binary that answered `helm version --short` with a version Strata accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmBinary {
    pub path: PathBuf,
    /// `v4.1.4+g05fa379` as helm printed it.
    pub version: String,
}

/// The connection's kubeconfig as helm's flags; helm reads `KUBECONFIG` itself otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeArgs {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

impl KubeArgs {
    /// How helm reaches the cluster Strata connected to through `source` and `context`: the
    /// kubeconfig file given, or helm's own default (`KUBECONFIG`, `~/.kube/config`) as
    /// Strata's. An inline kubeconfig (the demo's) is written to `inline_dir`, readable by the
    /// owner only; with no such folder helm cannot be told where the cluster is.
    pub fn for_source(
        source: &crate::cluster::KubeconfigSource,
        context: &str,
        inline_dir: Option<&Path>,
    ) -> Result<KubeArgs, String> {
        use crate::cluster::KubeconfigSource;
        let kubeconfig = match source {
            KubeconfigSource::File(path) => Some(path.clone()),
            KubeconfigSource::Default => None,
            KubeconfigSource::Inline(text) => {
                let dir =
                    inline_dir.ok_or("helm needs a kubeconfig file; this connection has none")?;
                let path = dir.join("demo-kubeconfig");
                write_private(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Some(path)
            }
        };
        Ok(KubeArgs {
            kubeconfig,
            context: Some(context.to_string()),
        })
    }

    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.kubeconfig {
            args.push("--kubeconfig".to_string());
            args.push(path.display().to_string());
        }
        if let Some(context) = &self.context {
            args.push("--kube-context".to_string());
            args.push(context.clone());
        }
        args
    }
}

/// What one helm command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl HelmBinary {
    /// `explicit` (`--helm PATH`), else `STRATA_HELM`, else `helm` on `PATH`, checked for its
    /// version.
    pub fn find(explicit: Option<&Path>) -> Result<HelmBinary, HelmError> {
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| {
                std::env::var_os("STRATA_HELM")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(on_path)
            .or_else(fetched)
            .ok_or(HelmError::Missing)?;
        let unusable = |why: String| HelmError::Unusable {
            path: path.display().to_string(),
            why,
        };
        let output = Command::new(&path)
            .args(["version", "--short"])
            .output()
            .map_err(|e| unusable(format!("cannot run it: {e}")))?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if !output.status.success() {
            return Err(unusable(format!(
                "`helm version --short` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        match parse_version(&version) {
            Some(found) if found >= MIN_VERSION => Ok(HelmBinary { path, version }),
            Some(_) => Err(HelmError::TooOld {
                path: path.display().to_string(),
                found: version,
            }),
            None => Err(unusable(format!("`helm version --short` said {version:?}"))),
        }
    }

    /// Runs `helm ARGS` plus the connection's flags, capturing its output; blocking, so it
    /// runs off the async workers.
    pub async fn run(&self, args: Vec<String>, kube: &KubeArgs) -> std::io::Result<HelmRun> {
        let mut command = Command::new(&self.path);
        command
            .args(&args)
            .args(kube.args())
            .stdin(std::process::Stdio::null());
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(std::io::Error::other)??;
        Ok(HelmRun {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// The copy `scripts/fetch-tools.sh` keeps in the cache (`~/.cache/strata/tools/helm`), for
/// a machine where Strata's scripts ran but helm is not installed.
fn fetched() -> Option<PathBuf> {
    let dirs = directories::BaseDirs::new()?;
    let path = dirs.cache_dir().join("strata").join("tools").join("helm");
    path.is_file().then_some(path)
}

impl HelmBinary {
    /// Runs `helm ARGS` in its own process group with its output in `log`: a dropped terminal
    /// (an SSH session gone) sends its hangup to the cockpit, not to helm, which finishes the
    /// operation instead of leaving the release `pending-*`; what it said stays in `log`.
    pub async fn run_detached(
        &self,
        args: Vec<String>,
        kube: &KubeArgs,
        log: &Path,
    ) -> std::io::Result<HelmRun> {
        use std::os::unix::process::CommandExt;
        let file = std::fs::File::create(log)?;
        let mut command = Command::new(&self.path);
        command
            .args(&args)
            .args(kube.args())
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .process_group(0);
        let status = tokio::task::spawn_blocking(move || command.status())
            .await
            .map_err(std::io::Error::other)??;
        let said = std::fs::read_to_string(log).unwrap_or_default();
        Ok(HelmRun {
            success: status.success(),
            stdout: said.clone(),
            stderr: said,
        })
    }
}

/// Writes `text` to `path` readable by its owner only (a kubeconfig holds credentials).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("helm"))
        .find(|candidate| candidate.is_file())
}

/// `v4.1.4+g05fa379` or `v3.13.0` → (major, minor).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().strip_prefix('v')?;
    let mut parts = text.split(['.', '+', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_like_helm_prints_them() {
        assert_eq!(parse_version("v4.1.4+g05fa379"), Some((4, 1)));
        assert_eq!(parse_version("v3.13.0"), Some((3, 13)));
        assert_eq!(parse_version("v3.9.4+gdbc6d8e\n"), Some((3, 9)));
        assert_eq!(parse_version("Client: v2.17.0"), None);
        assert!(parse_version("v3.12.3").unwrap() < MIN_VERSION);
        assert!(parse_version("v4.0.0").unwrap() >= MIN_VERSION);
    }

    #[test]
    fn the_connection_becomes_helm_flags() {
        let kube = KubeArgs {
            kubeconfig: Some(PathBuf::from("/k/config")),
            context: Some("prod".into()),
        };
        assert_eq!(
            kube.args(),
            ["--kubeconfig", "/k/config", "--kube-context", "prod"]
        );
        assert!(KubeArgs::default().args().is_empty());
    }

    #[test]
    fn a_missing_binary_is_unusable() {
        let error = HelmBinary::find(Some(Path::new("/nonexistent/helm"))).unwrap_err();
        assert!(matches!(error, HelmError::Unusable { .. }), "{error}");
    }
}
