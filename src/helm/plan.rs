//! A rollback plan from a release's revisions: which revision to go back to, what changes per
//! object, the hooks that will (or will not) run, whether a GitOps tool owns the release, and
//! whether a stuck `pending-*` revision has to be unlocked first.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::revisions::Revision;
use crate::release::{HelmRelease, ReleaseStatus};

/// How one object differs between the current revision and the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectChange {
    /// `Deployment/tiny`.
    pub object: String,
    pub change: Change,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// In the target, not in the current revision: the rollback creates it.
    Added,
    /// In the current revision only: the rollback deletes it.
    Removed,
    Changed,
}

impl Change {
    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "created",
            Change::Removed => "deleted",
            Change::Changed => "changed",
        }
    }
}

/// What `strata rollback` is about to do and what it found on the way.
#[derive(Clone, Debug)]
pub struct RollbackPlan {
    pub release: String,
    pub namespace: String,
    pub current: u32,
    pub current_status: ReleaseStatus,
    pub target: u32,
    pub target_chart: String,
    pub changes: Vec<ObjectChange>,
    /// Hooks worth a word before rolling back (migrations do not run backwards).
    pub hook_warnings: Vec<String>,
    /// GitOps owners found; any stops the rollback (the tool would undo it).
    pub gitops: Vec<String>,
    /// The current revision is stuck `pending-*` (for this long, when known) and is unlocked
    /// first.
    pub unlock: Option<String>,
    /// Other checks that stop the rollback (nothing to roll back to, the target's chart or
    /// images on this cluster), and notes from the cluster.
    pub failed: Vec<String>,
    pub notes: Vec<String>,
}

impl RollbackPlan {
    /// The plan for `release` from its revisions (oldest first); `to` is `--to REV`.
    pub fn build(
        release: &str,
        namespace: &str,
        revisions: &[Revision],
        to: Option<u32>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<RollbackPlan, String> {
        let current = revisions
            .last()
            .ok_or_else(|| format!("no Helm release {release} in namespace {namespace}"))?;
        if let Some(plan) = nothing_to_roll_back(release, namespace, revisions) {
            return Ok(plan);
        }
        let target = match to {
            Some(number) => revisions
                .iter()
                .find(|r| r.number == number)
                .ok_or_else(|| format!("{release} has no revision {number}"))?,
            None => revisions
                .iter()
                .rev()
                .skip(1)
                .find(|r| {
                    matches!(
                        r.status,
                        ReleaseStatus::Deployed | ReleaseStatus::Superseded
                    )
                })
                .ok_or_else(|| {
                    format!(
                        "{release} has no earlier deployed or superseded revision to roll back \
                         to; give --to REV"
                    )
                })?,
        };
        if target.number == current.number {
            return Err(format!(
                "revision {} is the current one; roll back to an earlier revision",
                target.number
            ));
        }
        let target_release = target.release.as_ref().map_err(|e| {
            format!(
                "revision {} cannot be read ({e}); choose another with --to",
                target.number
            )
        })?;
        let current_release = current.release.as_ref().ok();
        let changes = object_changes(
            current_release.map_or("", |r| r.manifest.as_str()),
            &target_release.manifest,
        );
        let mut hook_warnings = hook_warnings(target_release, "the target");
        if let Some(current_release) = current_release {
            hook_warnings.extend(hook_warnings_of_current(current_release));
        }
        let manifests: Vec<&str> = [Some(target_release), current_release]
            .into_iter()
            .flatten()
            .map(|r| r.manifest.as_str())
            .collect();
        let gitops = release_gitops(current, &manifests);
        let unlock = current.status.is_pending().then(|| {
            let age = current
                .created
                .map(|at| format!(" for {}", crate::printers::age(Some(at), now)))
                .unwrap_or_default();
            format!(
                "revision {} has been {}{age}: it is marked failed first (helm refuses to act \
                 on a release while an operation looks in progress)",
                current.number,
                current.status.as_str()
            )
        });
        Ok(RollbackPlan {
            release: release.to_string(),
            namespace: namespace.to_string(),
            current: current.number,
            current_status: current.status,
            target: target.number,
            target_chart: target_release.chart_label(),
            changes,
            hook_warnings,
            gitops,
            unlock,
            failed: Vec::new(),
            notes: Vec::new(),
        })
    }

    /// The checks that stop the rollback (the GitOps owner would undo it).
    pub fn failed_checks(&self) -> Vec<String> {
        self.failed
            .iter()
            .cloned()
            .chain(
                self.gitops
                    .iter()
                    .map(|owner| gitops_stop(owner, "roll back", "a rollback")),
            )
            .collect()
    }

    /// The plan as printed before anything is done.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.target == self.current {
            let _ = writeln!(
                out,
                "Nothing to roll back: {}/{} has only revision {} ({}).",
                self.namespace,
                self.release,
                self.current,
                self.current_status.as_str()
            );
            for check in self.failed_checks() {
                let _ = writeln!(out, "check failed: {check}");
            }
            return out;
        }
        let _ = writeln!(
            out,
            "Roll back {}/{} from revision {} ({}) to revision {} ({}).",
            self.namespace,
            self.release,
            self.current,
            self.current_status.as_str(),
            self.target,
            self.target_chart
        );
        if let Some(unlock) = &self.unlock {
            let _ = writeln!(out, "Unlock: {unlock}.");
        }
        if self.changes.is_empty() {
            let _ = writeln!(out, "Objects: no change between the two manifests.");
        } else {
            let _ = writeln!(out, "Objects:");
            for change in &self.changes {
                let _ = writeln!(out, "  {:<8} {}", change.change.word(), change.object);
            }
        }
        for warning in &self.hook_warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        let _ = writeln!(
            out,
            "note: Helm does not roll back CRDs; custom resource definitions stay as they are."
        );
        let failed = self.failed_checks();
        if failed.is_empty() {
            let _ = writeln!(out, "Checks: ok.");
        } else {
            for check in failed {
                let _ = writeln!(out, "check failed: {check}");
            }
        }
        out
    }
}

/// A release whose only revision never got deployed (`pending-install`, or a failed
/// install) has nothing to roll back to: the plan that says so and what to do instead.
fn nothing_to_roll_back(
    release: &str,
    namespace: &str,
    revisions: &[Revision],
) -> Option<RollbackPlan> {
    let [only] = revisions else {
        return None;
    };
    if !matches!(
        only.status,
        ReleaseStatus::PendingInstall | ReleaseStatus::Failed
    ) {
        return None;
    }
    let guidance = format!(
        "revision {} is the release's first and only one, {}: there is no earlier revision to \
         roll back to. Remove it and install again: helm uninstall {release} -n {namespace}, \
         then helm install {release} CHART -n {namespace}",
        only.number,
        only.status.as_str()
    );
    Some(RollbackPlan {
        release: release.to_string(),
        namespace: namespace.to_string(),
        current: only.number,
        current_status: only.status,
        target: only.number,
        target_chart: only
            .release
            .as_ref()
            .map_or_else(|_| "?".to_string(), HelmRelease::chart_label),
        changes: Vec::new(),
        hook_warnings: Vec::new(),
        gitops: Vec::new(),
        unlock: None,
        failed: vec![guidance],
        notes: Vec::new(),
    })
}

/// The check a GitOps owner makes fail: `act` (`roll back`) belongs in Git, `an_act` here
/// (`a rollback`) would be undone.
pub fn gitops_stop(owner: &str, act: &str, an_act: &str) -> String {
    format!(
        "{owner}: {act} in Git (or suspend the tool's sync) instead; {an_act} here would be \
         undone by the next sync"
    )
}

/// Kinds whose `spec.template` is a pod template: a change there restarts the pods.
const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// The workloads of `changes` whose pod template differs between `before` and `after`: their
/// pods are replaced.
pub fn restarts(before: &str, after: &str, changes: &[ObjectChange]) -> Vec<String> {
    let (before, after) = (objects_by_key(before), objects_by_key(after));
    changes
        .iter()
        .filter(|c| c.change == Change::Changed)
        .filter_map(|c| Some((before.get(&c.object)?, after.get(&c.object)?)))
        .filter(|(old, new)| {
            WORKLOADS.contains(&new["kind"].as_str().unwrap_or_default())
                && old["spec"]["template"] != new["spec"]["template"]
        })
        .map(|(_, new)| object_key(new))
        .collect()
}

/// The objects of a rendered manifest (Helm joins them with `---`).
pub fn manifest_objects(manifest: &str) -> Vec<Value> {
    let mut documents = vec![String::new()];
    for line in manifest.lines() {
        if line.trim_end() == "---" {
            documents.push(String::new());
        } else if let Some(last) = documents.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    documents
        .iter()
        .filter_map(|doc| serde_saphyr::from_str::<Value>(doc).ok())
        .filter(|v| v.get("kind").is_some())
        .collect()
}

/// `Kind/name`, how plans name an object.
pub fn object_key(object: &Value) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or("?"),
        object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// The objects of a manifest by `Kind/name`.
fn objects_by_key(manifest: &str) -> BTreeMap<String, Value> {
    manifest_objects(manifest)
        .into_iter()
        .map(|o| (object_key(&o), o))
        .collect()
}

/// Per object: what a rollback from `current` to `target` creates, deletes or changes.
pub fn object_changes(current: &str, target: &str) -> Vec<ObjectChange> {
    let (now, then) = (objects_by_key(current), objects_by_key(target));
    let mut changes = Vec::new();
    for (key, object) in &then {
        match now.get(key) {
            None => changes.push(ObjectChange {
                object: key.clone(),
                change: Change::Added,
            }),
            Some(live) if live != object => changes.push(ObjectChange {
                object: key.clone(),
                change: Change::Changed,
            }),
            Some(_) => {}
        }
    }
    for key in now.keys().filter(|k| !then.contains_key(*k)) {
        changes.push(ObjectChange {
            object: key.clone(),
            change: Change::Removed,
        });
    }
    changes
}

/// Database migration hooks of the data stack's charts, by the names they use.
pub fn is_migration(name: &str) -> bool {
    [
        "migrat",
        "bootloader",
        "init-db",
        "upgrade-db",
        "db-upgrade",
    ]
    .iter()
    .any(|marker| name.contains(marker))
}

/// The rollback hooks of the target (they run) and its migration hooks (they do not).
fn hook_warnings(release: &HelmRelease, which: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    for hook in &release.hooks {
        let events = hook.events.join(",");
        if events.contains("rollback") {
            warnings.push(format!(
                "{which} revision has a {events} hook {} {} that helm runs during the rollback",
                hook.kind, hook.name
            ));
        } else if is_migration(&hook.name) {
            warnings.push(format!(
                "{which} revision's {events} hook {} {} migrates a database; a rollback does not \
                 run it backwards: downgrade or restore the database first if the newer \
                 revision migrated it",
                hook.kind, hook.name
            ));
        }
    }
    warnings
}

/// The current revision's upgrade hooks already ran (a migration may have happened).
fn hook_warnings_of_current(release: &HelmRelease) -> Vec<String> {
    release
        .hooks
        .iter()
        .filter(|hook| is_migration(&hook.name))
        .map(|hook| {
            format!(
                "the current revision ran hook {} {}, a database migration: the older \
                 revision's pods may not start against the migrated schema",
                hook.kind, hook.name
            )
        })
        .collect()
}

/// The GitOps tools owning a release: marks on its storage Secret (`current`'s) or on any
/// object of `manifests`; sorted, each once.
pub fn release_gitops(current: &Revision, manifests: &[&str]) -> Vec<String> {
    let storage = format!("Secret {}", current.secret_name);
    let mut gitops: Vec<String> = gitops_owner(
        &current.secret_labels,
        &current.secret_annotations,
        &storage,
    )
    .into_iter()
    .collect();
    for manifest in manifests {
        for object in manifest_objects(manifest) {
            gitops.extend(object_gitops(&object));
        }
    }
    gitops.sort();
    gitops.dedup();
    gitops
}

/// The GitOps marks on one object (from its manifest or as it is live).
pub fn object_gitops(object: &Value) -> Vec<String> {
    let map = |field: &str| -> BTreeMap<String, String> {
        object["metadata"][field]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    gitops_owner(&map("labels"), &map("annotations"), &object_key(object))
        .into_iter()
        .collect()
}

/// Which GitOps tool, if any, owns what carries these labels and annotations.
pub fn gitops_owner(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    what: &str,
) -> Option<String> {
    if let Some(name) = labels.get("helm.toolkit.fluxcd.io/name") {
        return Some(format!("Flux HelmRelease {name} manages {what}"));
    }
    if let Some(name) = labels.get("kustomize.toolkit.fluxcd.io/name") {
        return Some(format!("Flux Kustomization {name} manages {what}"));
    }
    if let Some(app) = labels.get("argocd.argoproj.io/instance") {
        return Some(format!("Argo CD application {app} manages {what}"));
    }
    // Charts set app.kubernetes.io/instance themselves; only Argo's tracking annotation
    // makes it Argo's.
    if let Some(tracking) = annotations.get("argocd.argoproj.io/tracking-id") {
        let app = tracking.split(':').next().unwrap_or(tracking);
        return Some(format!("Argo CD application {app} manages {what}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "---\n# Source: tiny/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny-config\ndata:\n  tag: \"1.0\"\n---\n# Source: tiny/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tiny\nspec:\n  replicas: 1\n";
    const V2: &str = "---\n# Source: tiny/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tiny\nspec:\n  replicas: 2\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: tiny\n";

    #[test]
    fn changes_are_per_object() {
        let changes = object_changes(V2, V1);
        let said: Vec<(String, Change)> =
            changes.into_iter().map(|c| (c.object, c.change)).collect();
        assert_eq!(
            said,
            vec![
                ("ConfigMap/tiny-config".to_string(), Change::Added),
                ("Deployment/tiny".to_string(), Change::Changed),
                ("Service/tiny".to_string(), Change::Removed),
            ]
        );
        assert!(object_changes(V1, V1).is_empty());
    }

    #[test]
    fn gitops_owners_are_told_apart_from_charts() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let none = BTreeMap::new();
        // A chart's own instance label is not Argo's.
        assert_eq!(
            gitops_owner(
                &labels(&[("app.kubernetes.io/instance", "tiny")]),
                &none,
                "x"
            ),
            None
        );
        assert!(
            gitops_owner(
                &labels(&[("app.kubernetes.io/instance", "tiny")]),
                &labels(&[(
                    "argocd.argoproj.io/tracking-id",
                    "data:apps/Deployment:ns/tiny"
                )]),
                "x"
            )
            .unwrap()
            .starts_with("Argo CD application data")
        );
        assert!(
            gitops_owner(
                &labels(&[("helm.toolkit.fluxcd.io/name", "airflow")]),
                &none,
                "x"
            )
            .unwrap()
            .starts_with("Flux HelmRelease airflow")
        );
    }

    #[test]
    fn a_release_pending_its_first_install_has_nothing_to_roll_back_to() {
        let release: HelmRelease = serde_json::from_value(serde_json::json!({
            "name": "tiny", "version": 1, "namespace": "data",
            "info": {"status": "pending-install"}, "manifest": V1,
        }))
        .expect("a release");
        let only = Revision {
            number: 1,
            status: ReleaseStatus::PendingInstall,
            release: Ok(release),
            secret_name: "sh.helm.release.v1.tiny.v1".into(),
            secret_labels: BTreeMap::new(),
            secret_annotations: BTreeMap::new(),
            created: None,
        };
        let plan = RollbackPlan::build("tiny", "data", &[only], None, chrono::Utc::now())
            .expect("a plan that says so");
        assert_eq!(
            (plan.current, plan.target, plan.unlock.is_none()),
            (1, 1, true)
        );
        let failed = plan.failed_checks();
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].contains("helm uninstall tiny -n data, then helm install tiny CHART -n data"),
            "{failed:?}"
        );
        assert!(
            plan.render().starts_with(
                "Nothing to roll back: data/tiny has only revision 1 (pending-install)."
            )
        );
    }

    #[test]
    fn migration_hooks_are_named_by_the_data_stack_charts() {
        assert!(is_migration("airflow-run-airflow-migrations"));
        assert!(is_migration("airbyte-airbyte-bootloader"));
        assert!(is_migration("superset-init-db"));
        assert!(!is_migration("tiny-test-connection"));
    }
}
