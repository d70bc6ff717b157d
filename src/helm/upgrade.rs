//! An upgrade plan: the target rendered by helm itself (`helm upgrade --dry-run=server -o
//! json`, so values are merged exactly as the upgrade will merge them) compared per object
//! with the live release — restarts, CRDs, hooks — and the checks that stop an upgrade before
//! anything is applied: a stuck release, GitOps owners, API versions the server no longer
//! serves (from `helm template` when the server's render already refused them), the Airflow
//! migration-hook and `--wait` deadlock, (from [`super::preflight`]) immutable-field changes,
//! and (from [`super::checks`]) the chart's kubeVersion, images, PDBs and live GitOps marks.

use std::fmt::Write;
use std::path::PathBuf;

use serde_json::Value;

use super::plan::{
    ObjectChange, gitops_stop, is_migration, manifest_objects, object_changes, object_key,
    release_gitops, restarts,
};
use super::revisions::Revision;
use super::rollback::HELM_TIMEOUT;
use crate::release::{HelmRelease, ReleaseStatus};

/// What becomes of the release's user values (the values given with `-f`/`--set` go on top).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValuesBase {
    /// Helm's own rule: the release's values when none are given, else the chart's defaults.
    #[default]
    Helm,
    /// `--reuse-values`: the release's values merged over the *old* chart's defaults — a new
    /// chart's new defaults are missed.
    Reuse,
    /// `--reset-then-reuse-values` (helm 3.14+): the new chart's defaults, then the release's
    /// values over them — what an operator usually means by "keep my values".
    ResetThenReuse,
    /// `--reset-values`: the new chart's defaults only.
    Reset,
}

impl ValuesBase {
    fn flag(self) -> Option<&'static str> {
        match self {
            ValuesBase::Helm => None,
            ValuesBase::Reuse => Some("--reuse-values"),
            ValuesBase::ResetThenReuse => Some("--reset-then-reuse-values"),
            ValuesBase::Reset => Some("--reset-values"),
        }
    }

    /// The helm (major, minor) that first knows the flag.
    pub fn needs(self) -> (u32, u32) {
        match self {
            ValuesBase::ResetThenReuse => (3, 14),
            _ => (3, 0),
        }
    }
}

/// What to upgrade to: the chart (a folder, a `.tgz`, or `repo/name`), its version, what
/// becomes of the release's values, and the values files and `--set`s on top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpgradeTarget {
    pub chart: String,
    pub version: Option<String>,
    pub base: ValuesBase,
    pub values: Vec<PathBuf>,
    /// `--set key=value`, in order.
    pub set: Vec<String>,
}

impl UpgradeTarget {
    fn args(&self, release: &str, namespace: &str) -> Vec<String> {
        let mut args: Vec<String> = ["upgrade", release, &self.chart, "-n", namespace]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Some(version) = &self.version {
            args.extend(["--version".to_string(), version.clone()]);
        }
        args.extend(self.base.flag().map(String::from));
        for file in &self.values {
            args.extend(["-f".to_string(), file.display().to_string()]);
        }
        for set in &self.set {
            args.extend(["--set".to_string(), set.clone()]);
        }
        args
    }

    /// Why `helm_version` cannot do it, when it cannot.
    pub fn unsupported(&self, helm_version: &str) -> Option<String> {
        let found = super::binary::parse_version(helm_version)?;
        let needs = self.base.needs();
        (found < needs).then(|| {
            format!(
                "{} needs helm {}.{} or newer; this helm is {helm_version}",
                self.base.flag().unwrap_or_default(),
                needs.0,
                needs.1
            )
        })
    }

    /// `helm upgrade … --dry-run=server -o json`: the release helm would write, rendered
    /// against the server (lookups answered), nothing stored.
    pub fn render_args(&self, release: &str, namespace: &str) -> Vec<String> {
        let mut args = self.args(release, namespace);
        args.extend(["--dry-run=server", "-o", "json"].map(String::from));
        args
    }

    /// `helm upgrade … --wait --timeout 5m` and, on failure, back to the last good revision:
    /// `--rollback-on-failure` on Helm 4, `--atomic` (its old name) on Helm 3.
    pub fn upgrade_args(&self, release: &str, namespace: &str, helm_major: u32) -> Vec<String> {
        let mut args = self.args(release, namespace);
        let rollback = if helm_major >= 4 {
            "--rollback-on-failure"
        } else {
            "--atomic"
        };
        args.extend(["--wait", "--timeout", HELM_TIMEOUT, rollback].map(String::from));
        args
    }
}

/// The release `helm upgrade --dry-run -o json` printed.
pub fn parse_rendered(stdout: &str) -> Result<HelmRelease, String> {
    serde_json::from_str(stdout.trim())
        .map_err(|e| format!("helm's dry run did not print a release: {e}"))
}

/// A stuck `pending-*` release stops an upgrade (helm refuses it too): what to do instead.
pub fn stuck(release: &str, revisions: &[Revision]) -> Option<String> {
    let current = revisions.last()?;
    current.status.is_pending().then(|| {
        format!(
            "revision {} is {}: helm refuses to upgrade while an operation looks in progress; \
             roll back first (strata rollback {release}), which unlocks it",
            current.number,
            current.status.as_str()
        )
    })
}

/// API versions a Kubernetes release stopped serving: (apiVersion, kind or every kind, the
/// minor version of 1.x that removed it).
const REMOVED_APIS: &[(&str, Option<&str>, u32)] = &[
    ("extensions/v1beta1", None, 22),
    ("apps/v1beta1", None, 16),
    ("apps/v1beta2", None, 16),
    ("networking.k8s.io/v1beta1", None, 22),
    ("apiextensions.k8s.io/v1beta1", None, 22),
    ("rbac.authorization.k8s.io/v1beta1", None, 22),
    ("admissionregistration.k8s.io/v1beta1", None, 22),
    ("certificates.k8s.io/v1beta1", None, 22),
    ("coordination.k8s.io/v1beta1", None, 22),
    ("scheduling.k8s.io/v1beta1", None, 22),
    ("storage.k8s.io/v1beta1", Some("CSIDriver"), 22),
    ("storage.k8s.io/v1beta1", Some("CSINode"), 22),
    ("storage.k8s.io/v1beta1", Some("StorageClass"), 22),
    ("storage.k8s.io/v1beta1", Some("VolumeAttachment"), 22),
    ("policy/v1beta1", Some("PodDisruptionBudget"), 25),
    ("policy/v1beta1", Some("PodSecurityPolicy"), 25),
    ("batch/v1beta1", Some("CronJob"), 25),
    ("autoscaling/v2beta1", None, 25),
    ("discovery.k8s.io/v1beta1", None, 25),
    ("events.k8s.io/v1beta1", None, 25),
    ("node.k8s.io/v1beta1", None, 25),
    ("autoscaling/v2beta2", None, 26),
    ("flowcontrol.apiserver.k8s.io/v1beta1", None, 26),
    ("storage.k8s.io/v1beta1", Some("CSIStorageCapacity"), 27),
    ("flowcontrol.apiserver.k8s.io/v1beta2", None, 29),
    ("flowcontrol.apiserver.k8s.io/v1beta3", None, 32),
];

/// `Kind/name uses apiVersion, removed in 1.N` for each object the server (1.`minor`) no
/// longer serves.
pub fn removed_apis(objects: &[Value], minor: u32) -> Vec<String> {
    let mut found = Vec::new();
    for object in objects {
        let api = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let removed = REMOVED_APIS
            .iter()
            .find(|(version, only, _)| *version == api && only.is_none_or(|k| k == kind));
        if let Some((_, _, gone)) = removed
            && minor >= *gone
        {
            found.push(format!(
                "{} uses {api}, which Kubernetes 1.{gone} removed (the server is 1.{minor})",
                object_key(object)
            ));
        }
    }
    found
}

/// `helm template` with what `render_args` (`helm upgrade … --dry-run=server -o json`) asks
/// for: the chart rendered without the server, hooks included.
pub fn template_args(render_args: &[String]) -> Vec<String> {
    let mut args: Vec<String> = render_args
        .iter()
        .filter(|a| *a != "--dry-run=server")
        .cloned()
        .collect();
    if let Some(first) = args.first_mut() {
        *first = "template".into();
    }
    if let Some(at) = args.windows(2).position(|w| w[0] == "-o" && w[1] == "json") {
        args.drain(at..at + 2);
    }
    args
}

/// The checks that still say something when helm's server-side render failed: helm
/// validates its render against the server, so an object of an API version the server no
/// longer serves, or a chart whose kubeVersion excludes the server, fails the render before
/// any check could name it. The removed APIs of `helm template` of the same target (without
/// the release's values; an API version rarely depends on them), and the kubeVersion of
/// `helm show chart`; `server` is the server's gitVersion (`v1.35.0`).
pub async fn refused_render_checks(
    helm: &super::HelmBinary,
    kube: &super::KubeArgs,
    render_args: &[String],
    server: Option<&str>,
) -> Vec<String> {
    let mut failed = Vec::new();
    let Some(server) = server else {
        return failed;
    };
    if let Some(minor) = server.split('.').nth(1).and_then(server_minor)
        && let Ok(run) = helm.run(template_args(render_args), kube).await
        && run.success
    {
        failed.extend(removed_apis(&manifest_objects(&run.stdout), minor));
    }
    if let Ok(run) = helm.run(show_chart_args(render_args), kube).await
        && run.success
        && let Ok(chart) = serde_saphyr::from_str::<Value>(&run.stdout)
    {
        let label = format!(
            "{}-{}",
            chart["name"].as_str().unwrap_or("?"),
            chart["version"].as_str().unwrap_or("?")
        );
        let constraint = chart["kubeVersion"].as_str().unwrap_or_default();
        failed.extend(super::kube_version::kube_version_check(
            &label, constraint, server,
        ));
    }
    failed
}

/// `helm show chart CHART [--version V]` for the chart `render_args` upgrades to.
pub fn show_chart_args(render_args: &[String]) -> Vec<String> {
    let mut args: Vec<String> = ["show", "chart"].map(String::from).into();
    args.extend(render_args.get(2).cloned());
    if let Some(at) = render_args.iter().position(|a| a == "--version") {
        args.extend(render_args[at..].iter().take(2).cloned());
    }
    args
}

/// The server's minor version from `/version` (`35`, `32+`).
pub fn server_minor(minor: &str) -> Option<u32> {
    minor
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

/// What `strata upgrade` is about to do and what it found on the way.
#[derive(Clone, Debug)]
pub struct UpgradePlan {
    pub release: String,
    pub namespace: String,
    pub current: u32,
    pub current_status: ReleaseStatus,
    pub current_chart: String,
    pub target_chart: String,
    pub changes: Vec<ObjectChange>,
    /// Workloads whose pod template changes: their pods are replaced.
    pub restarts: Vec<String>,
    /// Hooks the upgrade runs, and warnings about them and CRDs.
    pub notes: Vec<String>,
    /// Checks that stop the upgrade; the preflight adds the server's refusals.
    pub failed: Vec<String>,
}

impl UpgradePlan {
    /// The plan from the release's revisions (oldest first), the release helm rendered, and
    /// the server's minor version (1.`minor`) when known.
    pub fn build(
        release: &str,
        namespace: &str,
        revisions: &[Revision],
        rendered: &HelmRelease,
        minor: Option<u32>,
    ) -> Result<UpgradePlan, String> {
        let current = revisions
            .last()
            .ok_or_else(|| format!("no Helm release {release} in namespace {namespace}"))?;
        let live = current.release.as_ref().map_err(|e| {
            format!(
                "revision {} cannot be read ({e}); the upgrade cannot be compared with it",
                current.number
            )
        })?;
        let changes = object_changes(&live.manifest, &rendered.manifest);
        let restarts = restarts(&live.manifest, &rendered.manifest, &changes);
        let mut notes = Vec::new();
        for change in &changes {
            if change.object.starts_with("CustomResourceDefinition/") {
                notes.push(format!(
                    "{} is {} by the manifest: custom resources of the old definition may \
                     stop validating; upgrade CRDs before the operator",
                    change.object,
                    change.change.word()
                ));
            }
        }
        notes.push(
            "Helm does not upgrade CRDs from a chart's crds/ folder; apply new ones first if \
             the chart changed them"
                .to_string(),
        );
        let mut failed = Vec::new();
        for hook in &rendered.hooks {
            let events = hook.events.join(",");
            if !events.contains("upgrade") {
                continue;
            }
            notes.push(format!(
                "the upgrade runs {events} hook {} {}",
                hook.kind, hook.name
            ));
            if is_migration(&hook.name) {
                notes.push(format!(
                    "{} migrates a database: a later rollback does not run it backwards; back \
                     the database up first",
                    hook.name
                ));
            }
            // The Airflow chart's pods wait in Init for the migrations a post-upgrade hook
            // runs, and helm runs post-upgrade hooks only once --wait saw them ready.
            if hook.name.contains("airflow-migrations") && events.contains("post-upgrade") {
                failed.push(format!(
                    "{} is a post-upgrade hook while the upgrade waits for pods that wait for \
                     it: set migrateDatabaseJob.useHelmHooks=false in the values",
                    hook.name
                ));
            }
        }
        if let Some(minor) = minor {
            let rendered_objects: Vec<Value> = manifest_objects(&rendered.manifest)
                .into_iter()
                .chain(
                    rendered
                        .hooks
                        .iter()
                        .flat_map(|h| manifest_objects(&h.manifest)),
                )
                .collect();
            failed.extend(removed_apis(&rendered_objects, minor));
            // helm itself refuses a release whose stored manifest uses removed APIs.
            failed.extend(
                removed_apis(&manifest_objects(&live.manifest), minor)
                    .into_iter()
                    .map(|found| {
                        format!("the live release's manifest: {found}; map it with helm-mapkubeapis first")
                    }),
            );
        }
        for owner in release_gitops(current, &[&live.manifest, &rendered.manifest]) {
            failed.push(gitops_stop(&owner, "upgrade", "an upgrade"));
        }
        Ok(UpgradePlan {
            release: release.to_string(),
            namespace: namespace.to_string(),
            current: current.number,
            current_status: current.status,
            current_chart: live.chart_label(),
            target_chart: rendered.chart_label(),
            changes,
            restarts,
            notes,
            failed,
        })
    }

    /// The guard's record of the upgrade: from which revision, to which chart, with which helm.
    pub fn mutation(&self, helm_version: &str) -> crate::guard::Mutation {
        super::rollback::release_mutation("upgrade.helm", &self.namespace, &self.release)
            .parameter("from", self.current.to_string())
            .parameter("chart", self.target_chart.clone())
            .parameter("helm", helm_version)
    }

    /// The plan as printed before anything is done.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Upgrade {}/{} from revision {} ({}, {}) to {}.",
            self.namespace,
            self.release,
            self.current,
            self.current_status.as_str(),
            self.current_chart,
            self.target_chart
        );
        if self.changes.is_empty() {
            let _ = writeln!(out, "Objects: no change between the two manifests.");
        } else {
            let _ = writeln!(out, "Objects:");
            for change in &self.changes {
                let restart = if self.restarts.contains(&change.object) {
                    " (pod template: its pods restart)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {:<8} {}{restart}",
                    change.change.word(),
                    change.object
                );
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        if self.failed.is_empty() {
            let _ = writeln!(out, "Checks: ok.");
        } else {
            for check in &self.failed {
                let _ = writeln!(out, "check failed: {check}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn upgrades_wait_and_roll_back_on_failure_in_each_helm() {
        let target = UpgradeTarget {
            chart: "./tiny".into(),
            version: Some("0.2.0".into()),
            values: vec![PathBuf::from("v.yaml")],
            ..UpgradeTarget::default()
        };
        assert_eq!(
            target.upgrade_args("tiny", "data", 4).join(" "),
            "upgrade tiny ./tiny -n data --version 0.2.0 -f v.yaml --wait --timeout 5m \
             --rollback-on-failure"
        );
        let keep = UpgradeTarget {
            chart: "./tiny".into(),
            base: ValuesBase::ResetThenReuse,
            set: vec!["image.tag=1.2".into()],
            ..UpgradeTarget::default()
        };
        assert_eq!(
            keep.render_args("tiny", "data").join(" "),
            "upgrade tiny ./tiny -n data --reset-then-reuse-values --set image.tag=1.2 \
             --dry-run=server -o json"
        );
        assert!(keep.unsupported("v3.13.3").unwrap().contains("3.14"));
        assert_eq!(keep.unsupported("v4.1.4"), None);
        assert!(
            target
                .upgrade_args("tiny", "data", 3)
                .ends_with(&["--atomic".to_string()])
        );
        assert_eq!(
            target.render_args("tiny", "data")[7..],
            ["-f", "v.yaml", "--dry-run=server", "-o", "json"]
        );
        assert_eq!(
            template_args(&target.render_args("tiny", "data")).join(" "),
            "template tiny ./tiny -n data --version 0.2.0 -f v.yaml"
        );
        assert_eq!(
            show_chart_args(&target.render_args("tiny", "data")).join(" "),
            "show chart ./tiny --version 0.2.0"
        );
    }

    #[test]
    fn removed_apis_depend_on_the_server() {
        let pdb = json!({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "db"}});
        let ok = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "db"}});
        let hpa = json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"}});
        assert!(removed_apis(std::slice::from_ref(&pdb), 24).is_empty());
        assert_eq!(
            removed_apis(&[pdb, ok, hpa.clone()], 25),
            [
                "PodDisruptionBudget/db uses policy/v1beta1, which Kubernetes 1.25 removed (the \
              server is 1.25)"
            ]
        );
        assert_eq!(removed_apis(&[hpa], 26).len(), 1);
        assert_eq!(server_minor("32+"), Some(32));
        assert_eq!(server_minor("35"), Some(35));
    }
}
