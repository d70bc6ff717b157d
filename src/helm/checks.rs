//! Preflight checks that need the cluster as it is, not only the two manifests: the target
//! chart's `kubeVersion` against the server, the target's images against what the cluster
//! pulls (or fails to), PodDisruptionBudgets over the pods that restart, and GitOps marks on
//! the release's live objects. [`ClusterFacts`] reads the cluster once; the checks are pure.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use kube::discovery::Scope;
use serde_json::Value;
use strata_common::selector::LabelSelector;

use super::kube_version::kube_version_check;
use super::plan::{
    RollbackPlan, gitops_stop, manifest_objects, object_gitops, object_key, restarts,
};
use super::revisions::Revision;
use super::upgrade::UpgradePlan;
use crate::release::HelmRelease;

/// What the checks read from the cluster; what could not be read is said in `unread`.
#[derive(Clone, Debug, Default)]
pub struct ClusterFacts {
    /// The server's `gitVersion` (`v1.35.0`).
    pub server_version: Option<String>,
    /// Images pods fail to pull, with where that was seen.
    pub failing_images: BTreeMap<String, String>,
    /// Images of containers seen running on the cluster.
    pub running_images: BTreeSet<String>,
    /// PodDisruptionBudgets of the release's namespace.
    pub pdbs: Vec<Value>,
    /// The release's objects as they are live.
    pub live: Vec<Value>,
    /// Names of the Argo CD Applications on the cluster.
    pub argo_applications: BTreeSet<String>,
    /// What could not be read (a check that depends on it is not made).
    pub unread: Vec<String>,
}

impl ClusterFacts {
    /// Reads the facts for a release in `namespace` whose live objects are those of
    /// `manifest`.
    pub async fn read(client: &kube::Client, namespace: &str, manifest: &str) -> ClusterFacts {
        let mut facts = ClusterFacts::default();
        match client.apiserver_version().await {
            Ok(info) => facts.server_version = Some(info.git_version),
            Err(e) => facts.unread.push(format!("the server's version ({e})")),
        }
        // Images are checked cluster-wide where RBAC allows, else in the namespace.
        let pods = match Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
        {
            Ok(list) => Ok(list.items),
            Err(_) => Api::<Pod>::namespaced(client.clone(), namespace)
                .list(&ListParams::default())
                .await
                .map(|l| l.items),
        };
        match pods {
            Ok(pods) => {
                for pod in pods {
                    let pod = serde_json::to_value(pod).unwrap_or_default();
                    facts.note_pod(&pod);
                }
            }
            Err(e) => facts.unread.push(format!("pods ({e})")),
        }
        match Api::<Event>::namespaced(client.clone(), namespace)
            .list(&ListParams::default())
            .await
        {
            Ok(events) => {
                for event in events.items {
                    facts.note_event(&serde_json::to_value(event).unwrap_or_default());
                }
            }
            Err(e) => facts.unread.push(format!("events ({e})")),
        }
        match Api::<PodDisruptionBudget>::namespaced(client.clone(), namespace)
            .list(&ListParams::default())
            .await
        {
            Ok(list) => {
                facts.pdbs = list
                    .items
                    .into_iter()
                    .map(|p| serde_json::to_value(p).unwrap_or_default())
                    .collect();
            }
            Err(e) => facts.unread.push(format!("PodDisruptionBudgets ({e})")),
        }
        for object in manifest_objects(manifest) {
            if let Some(live) = live_object(client, namespace, &object).await {
                facts.live.push(live);
            }
        }
        let applications = ApiResource::from_gvk(&GroupVersionKind::gvk(
            "argoproj.io",
            "v1alpha1",
            "Application",
        ));
        // No Argo CD on the cluster reads as a 404: nothing to find.
        if let Ok(list) = Api::<DynamicObject>::all_with(client.clone(), &applications)
            .list(&ListParams::default())
            .await
        {
            facts.argo_applications = list
                .items
                .into_iter()
                .filter_map(|a| a.metadata.name)
                .collect();
        }
        facts
    }

    /// A pod's running images and the images it fails to pull.
    fn note_pod(&mut self, pod: &Value) {
        let where_ = format!(
            "pod {}/{}",
            pod["metadata"]["namespace"].as_str().unwrap_or_default(),
            pod["metadata"]["name"].as_str().unwrap_or_default()
        );
        let spec_image = |name: &str| -> Option<String> {
            ["containers", "initContainers"]
                .iter()
                .flat_map(|k| pod["spec"][k].as_array().into_iter().flatten())
                .find(|c| c["name"] == name)
                .and_then(|c| c["image"].as_str())
                .map(String::from)
        };
        for status in ["containerStatuses", "initContainerStatuses"]
            .iter()
            .flat_map(|k| pod["status"][k].as_array().into_iter().flatten())
        {
            let name = status["name"].as_str().unwrap_or_default();
            let Some(image) =
                spec_image(name).or_else(|| status["image"].as_str().map(String::from))
            else {
                continue;
            };
            let waiting = status["state"]["waiting"]["reason"]
                .as_str()
                .unwrap_or_default();
            if matches!(
                waiting,
                "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName"
            ) {
                self.failing_images
                    .entry(normal_image(&image))
                    .or_insert(format!("{where_}: {waiting}"));
            } else if !status["state"]["running"].is_null()
                || !status["state"]["terminated"].is_null()
            {
                self.running_images.insert(normal_image(&image));
            }
        }
    }

    /// A kubelet's `Failed to pull image "X": …` Event.
    fn note_event(&mut self, event: &Value) {
        if event["reason"] != "Failed" {
            return;
        }
        let message = event["message"].as_str().unwrap_or_default();
        let Some(rest) = message.strip_prefix("Failed to pull image \"") else {
            return;
        };
        let Some((image, _)) = rest.split_once('"') else {
            return;
        };
        let object = &event["involvedObject"];
        self.failing_images
            .entry(normal_image(image))
            .or_insert(format!(
                "Event on {} {}/{}: Failed to pull image",
                object["kind"].as_str().unwrap_or("pod"),
                object["namespace"].as_str().unwrap_or_default(),
                object["name"].as_str().unwrap_or_default()
            ));
    }
}

/// The live copy of a manifest object, when the server serves its kind and has it.
async fn live_object(client: &kube::Client, namespace: &str, object: &Value) -> Option<Value> {
    let api_version = object["apiVersion"].as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, object["kind"].as_str()?);
    let (resource, capabilities) = kube::discovery::pinned_kind(client, &gvk).await.ok()?;
    let api: Api<DynamicObject> = if capabilities.scope == Scope::Namespaced {
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or(namespace);
        Api::namespaced_with(client.clone(), ns, &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    let live = api
        .get_opt(object["metadata"]["name"].as_str()?)
        .await
        .ok()??;
    let mut live = serde_json::to_value(live).ok()?;
    // A dynamic object serializes without its kind when the server left it out.
    live["kind"] = object["kind"].clone();
    Some(live)
}

/// How pods name an image, as one string: `nginx:1.27` and `docker.io/library/nginx:1.27`
/// are the same image; no tag means `:latest`.
pub fn normal_image(image: &str) -> String {
    let image = image
        .strip_prefix("docker.io/library/")
        .or_else(|| image.strip_prefix("docker.io/"))
        .unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') || last.contains('@') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// The pod spec of a manifest object: a Pod's, a workload's or Job's template, a CronJob's.
fn pod_spec(object: &Value) -> Option<&Value> {
    let spec = &object["spec"];
    [
        &spec["jobTemplate"]["spec"]["template"]["spec"],
        &spec["template"]["spec"],
        spec,
    ]
    .into_iter()
    .find(|s| s["containers"].is_array())
}

/// Every container image of `manifests`' objects, each once.
pub fn manifest_images(manifests: &[&str]) -> BTreeSet<String> {
    manifests
        .iter()
        .flat_map(|m| manifest_objects(m))
        .filter_map(|o| pod_spec(&o).cloned())
        .flat_map(|spec| {
            ["initContainers", "containers"]
                .iter()
                .flat_map(|k| spec[k].as_array().cloned().unwrap_or_default())
                .filter_map(|c| c["image"].as_str().map(String::from))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What a plan learns from the cluster: checks that stop it and notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterChecks {
    pub failed: Vec<String>,
    pub notes: Vec<String>,
    /// GitOps owners of the live objects (each stops the plan).
    pub gitops: Vec<String>,
}

/// The checks of a plan to `target` (the rendered upgrade or the revision rolled back to)
/// whose pods of `restarts` (`Deployment/web`) are replaced.
pub fn cluster_checks(
    target: &HelmRelease,
    restarts: &[String],
    facts: &ClusterFacts,
) -> ClusterChecks {
    let mut checks = ClusterChecks::default();
    for unread in &facts.unread {
        checks
            .notes
            .push(format!("not checked: could not read {unread}"));
    }
    if let (Some(server), Some(chart)) = (&facts.server_version, &target.chart) {
        checks.failed.extend(kube_version_check(
            &target.chart_label(),
            &chart.metadata.kube_version,
            server,
        ));
    }
    let hooks: Vec<&str> = target.hooks.iter().map(|h| h.manifest.as_str()).collect();
    let images = manifest_images(&[&[target.manifest.as_str()][..], &hooks].concat());
    let (failed, notes) = image_checks(&images, facts);
    checks.failed.extend(failed);
    checks.notes.extend(notes);
    checks
        .notes
        .extend(pdb_notes(&target.manifest, restarts, &facts.pdbs));
    checks.gitops = live_gitops(&facts.live, &facts.argo_applications);
    checks
}

/// Images pods fail to pull stop the plan; images never seen running are a note, since only
/// the registry could tell.
pub fn image_checks(images: &BTreeSet<String>, facts: &ClusterFacts) -> (Vec<String>, Vec<String>) {
    let pods_read = !facts.unread.iter().any(|u| u.starts_with("pods"));
    let (mut failed, mut notes) = (Vec::new(), Vec::new());
    let mut unseen = Vec::new();
    for image in images {
        let normal = normal_image(image);
        if let Some(seen) = facts.failing_images.get(&normal) {
            failed.push(format!(
                "image {image} fails to pull on this cluster ({seen}): fix the tag or the pull \
                 secret first"
            ));
        } else if pods_read && !facts.running_images.contains(&normal) {
            unseen.push(image.as_str());
        }
    }
    if !unseen.is_empty() {
        notes.push(format!(
            "not seen on this cluster: {} — cannot be checked without registry access",
            unseen.join(", ")
        ));
    }
    (failed, notes)
}

/// A PodDisruptionBudget that allows no disruption now over pods that restart: what it does
/// and does not hold up.
pub fn pdb_notes(manifest: &str, restarts: &[String], pdbs: &[Value]) -> Vec<String> {
    let mut notes = Vec::new();
    for object in manifest_objects(manifest) {
        let key = object_key(&object);
        if !restarts.contains(&key) {
            continue;
        }
        let labels = &object["spec"]["template"]["metadata"]["labels"];
        for pdb in pdbs {
            // policy/v1: a null selector selects nothing, an empty one every pod. A status
            // the disruption controller has not written yet says nothing.
            if pdb["spec"]["selector"].is_null()
                || !LabelSelector::from_object(&pdb["spec"]["selector"]).matches_labels(labels)
                || pdb["status"]["disruptionsAllowed"].as_i64() != Some(0)
            {
                continue;
            }
            notes.push(format!(
                "PodDisruptionBudget {} covers the pods of {key}, which restart, and allows 0 \
                 disruptions now: the rolling update itself deletes pods without evictions and \
                 is not held by it, but a node drain (or any eviction) during the rollout \
                 stalls until enough pods are ready again",
                pdb["metadata"]["name"].as_str().unwrap_or_default()
            ));
        }
    }
    notes
}

/// GitOps owners of the live objects: the marks [`object_gitops`] reads, and an
/// `app.kubernetes.io/instance` label that names an Argo CD Application on the cluster
/// (charts set that label too; only an Application of that name makes it Argo's).
pub fn live_gitops(live: &[Value], argo_applications: &BTreeSet<String>) -> Vec<String> {
    let mut owners = Vec::new();
    for object in live {
        let marked = object_gitops(object);
        if !marked.is_empty() {
            owners.extend(marked.into_iter().map(|o| format!("{o} (live)")));
            continue;
        }
        if let Some(app) = object["metadata"]["labels"]["app.kubernetes.io/instance"].as_str()
            && argo_applications.contains(app)
        {
            owners.push(format!(
                "Argo CD application {app} manages {} (live; its app.kubernetes.io/instance \
                 label names the Application)",
                object_key(object)
            ));
        }
    }
    owners.sort();
    owners.dedup();
    owners
}

impl UpgradePlan {
    /// Adds what the cluster says of the upgrade to `rendered`: the chart's kubeVersion,
    /// images, PDBs over restarting pods, and GitOps marks on the live objects of the
    /// current revision (the last of `revisions`).
    pub async fn check_cluster(
        &mut self,
        client: &kube::Client,
        revisions: &[Revision],
        rendered: &HelmRelease,
    ) {
        let live = live_manifest(revisions);
        let facts = ClusterFacts::read(client, &self.namespace, &live).await;
        let checks = cluster_checks(rendered, &self.restarts, &facts);
        self.notes.extend(checks.notes);
        self.failed.extend(checks.failed);
        self.failed.extend(
            checks
                .gitops
                .iter()
                .map(|owner| gitops_stop(owner, "upgrade", "an upgrade")),
        );
    }
}

impl RollbackPlan {
    /// Adds what the cluster says of rolling back to the target revision (one of
    /// `revisions`): its chart's kubeVersion, its images, PDBs over the pods it restarts, and
    /// GitOps marks on the live objects.
    pub async fn check_cluster(&mut self, client: &kube::Client, revisions: &[Revision]) {
        let Some(Ok(target)) = revisions
            .iter()
            .find(|r| r.number == self.target)
            .map(|r| r.release.as_ref())
        else {
            return;
        };
        let live = live_manifest(revisions);
        let restarts = restarts(&live, &target.manifest, &self.changes);
        let facts = ClusterFacts::read(client, &self.namespace, &live).await;
        let checks = cluster_checks(target, &restarts, &facts);
        self.notes.extend(checks.notes);
        self.failed.extend(checks.failed);
        self.gitops.extend(checks.gitops);
    }
}

/// The manifest of the newest revision: the objects that are live.
fn live_manifest(revisions: &[Revision]) -> String {
    revisions
        .last()
        .and_then(|r| r.release.as_ref().ok())
        .map(|r| r.manifest.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WEB: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      initContainers:\n        - name: init\n          image: busybox\n      containers:\n        - name: web\n          image: example.org/web:2.0\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: dbt\n              image: ghcr.io/dbt-labs/dbt-core:1.10.0\n";

    #[test]
    fn images_are_read_from_every_pod_template() {
        let images: Vec<String> = manifest_images(&[WEB]).into_iter().collect();
        assert_eq!(
            images,
            [
                "busybox",
                "example.org/web:2.0",
                "ghcr.io/dbt-labs/dbt-core:1.10.0"
            ]
        );
        assert_eq!(normal_image("docker.io/library/busybox"), "busybox:latest");
        assert_eq!(
            normal_image("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(normal_image("nginx@sha256:abc"), "nginx@sha256:abc");
    }

    #[test]
    fn pull_failures_stop_and_unseen_images_are_noted() {
        let mut facts = ClusterFacts::default();
        facts.note_pod(&json!({
            "metadata": {"namespace": "data", "name": "web-1"},
            "spec": {"containers": [{"name": "web", "image": "example.org/web:2.0"},
                                    {"name": "side", "image": "docker.io/library/busybox"}]},
            "status": {"containerStatuses": [
                {"name": "web", "state": {"waiting": {"reason": "ImagePullBackOff"}}},
                {"name": "side", "state": {"running": {}}}]}
        }));
        facts.note_event(&json!({"reason": "Failed",
            "message": "Failed to pull image \"ghcr.io/x:9\": not found",
            "involvedObject": {"kind": "Pod", "namespace": "data", "name": "x-1"}}));
        let images: BTreeSet<String> = ["example.org/web:2.0", "busybox", "ghcr.io/x:9", "new:1"]
            .map(String::from)
            .into();
        let (failed, notes) = image_checks(&images, &facts);
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(
            failed[0].contains("pod data/web-1: ImagePullBackOff"),
            "{failed:?}"
        );
        assert!(failed[1].contains("Event on Pod data/x-1"), "{failed:?}");
        assert_eq!(
            notes,
            ["not seen on this cluster: new:1 — cannot be checked without registry access"]
        );
    }

    #[test]
    fn a_pdb_at_zero_over_restarting_pods_is_noted() {
        let pdb = |allowed: i64| {
            json!({"metadata": {"name": "web-pdb"},
                   "spec": {"selector": {"matchLabels": {"app": "web"}}},
                   "status": {"disruptionsAllowed": allowed}})
        };
        let restarts = ["Deployment/web".to_string()];
        let notes = pdb_notes(WEB, &restarts, &[pdb(0)]);
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("PodDisruptionBudget web-pdb covers the pods of Deployment/web")
        );
        assert!(pdb_notes(WEB, &restarts, &[pdb(1)]).is_empty());
        assert!(pdb_notes(WEB, &[], &[pdb(0)]).is_empty());
    }

    #[test]
    fn live_objects_name_their_gitops_owner() {
        let object = |labels: Value, annotations: Value| {
            json!({"kind": "Deployment", "metadata": {"name": "web", "labels": labels,
                   "annotations": annotations}})
        };
        let apps: BTreeSet<String> = ["web".to_string()].into();
        // The chart's own instance label, no Application of that name: not Argo's.
        let chart_only = object(json!({"app.kubernetes.io/instance": "tiny"}), json!({}));
        assert!(live_gitops(std::slice::from_ref(&chart_only), &apps).is_empty());
        let argo = object(json!({"app.kubernetes.io/instance": "web"}), json!({}));
        assert!(live_gitops(&[argo], &apps)[0].starts_with("Argo CD application web manages"));
        let tracked = object(
            json!({}),
            json!({"argocd.argoproj.io/tracking-id": "data:apps/Deployment:ns/web"}),
        );
        let flux = object(
            json!({"kustomize.toolkit.fluxcd.io/name": "apps"}),
            json!({}),
        );
        let owners = live_gitops(&[tracked, flux], &BTreeSet::new());
        assert_eq!(owners.len(), 2, "{owners:?}");
        assert!(owners.iter().all(|o| o.ends_with("(live)")), "{owners:?}");
    }
}
