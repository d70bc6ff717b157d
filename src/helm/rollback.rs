//! What a rollback is, wherever it is started (headless or the cockpit): the guard's records
//! of its steps, and the helm command it runs.

use super::plan::RollbackPlan;
use super::revisions::{Revision, read_revisions};
use crate::guard::{Access, Mutation, Target};

/// How long `helm rollback --wait` waits for the rolled-back objects.
pub const HELM_TIMEOUT: &str = "5m";

/// A step on a release (`rollback.helm`, `unlock.helm`): what it needs is to rewrite the
/// release's storage Secrets in its namespace.
pub fn release_mutation(action: &str, namespace: &str, release: &str) -> Mutation {
    Mutation::new(action, Target::new("HelmRelease", Some(namespace), release))
        .needs(Access::new("update", "", "secrets").in_namespace(namespace))
        .needs(Access::new("create", "", "secrets").in_namespace(namespace))
}

impl RollbackPlan {
    /// The plan for `release` from its revisions as the Secrets hold them now (to `to`, else
    /// its last good revision), with those revisions (oldest first) for the unlock step.
    pub async fn read(
        client: &kube::Client,
        namespace: &str,
        release: &str,
        to: Option<u32>,
    ) -> Result<(RollbackPlan, Vec<Revision>), String> {
        let revisions = read_revisions(client, namespace, release)
            .await
            .map_err(|e| {
                format!("cannot read the release Secrets of {namespace}/{release}: {e}")
            })?;
        let mut plan = RollbackPlan::build(release, namespace, &revisions, to, chrono::Utc::now())?;
        if plan.target != plan.current {
            plan.check_cluster(client, &revisions).await;
        }
        Ok((plan, revisions))
    }

    /// The guard's record of the rollback: from and to which revision, with which helm.
    pub fn mutation(&self, helm_version: &str) -> Mutation {
        release_mutation("rollback.helm", &self.namespace, &self.release)
            .parameter("from", self.current.to_string())
            .parameter("to", self.target.to_string())
            .parameter("helm", helm_version)
    }
}

/// The guard's record of unlocking `stuck`, the `pending-*` revision of `release`.
pub fn unlock_mutation(namespace: &str, release: &str, stuck: &Revision) -> Mutation {
    release_mutation("unlock.helm", namespace, release)
        .parameter("revision", stuck.number.to_string())
        .parameter("was", stuck.status.as_str())
}

/// `helm rollback RELEASE REV -n NS --wait --timeout 5m`, as an argument vector.
pub fn rollback_args(release: &str, target: u32, namespace: &str) -> Vec<String> {
    [
        "rollback",
        release,
        &target.to_string(),
        "-n",
        namespace,
        "--wait",
        "--timeout",
        HELM_TIMEOUT,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Where helm's output for an operation on `release` is kept: next to the audit log
/// (`~/.local/state/strata/helm/RELEASE-YYYYmmddTHHMMSS.log`), so it is there after a dropped
/// session; a temporary folder when there is no state folder.
pub fn run_log(
    audit_log: Option<&std::path::Path>,
    namespace: &str,
    release: &str,
) -> std::path::PathBuf {
    let dir = audit_log
        .and_then(std::path::Path::parent)
        .map(|d| d.join("helm"))
        .unwrap_or_else(|| std::env::temp_dir().join("strata-helm"));
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!(
        "{namespace}-{release}-{}.log",
        chrono::Utc::now().format("%Y%m%dT%H%M%S")
    ))
}
