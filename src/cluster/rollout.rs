//! The rollout history of a plain workload and its undo, as `kubectl rollout history` and
//! `kubectl rollout undo` see them: a Deployment's revisions are its ReplicaSets (annotation
//! `deployment.kubernetes.io/revision`), a StatefulSet's or DaemonSet's its ControllerRevisions.
//! Undo puts the chosen revision's pod template back, and an image bump sets one container's
//! image; both replace the workload with the resourceVersion it was read at, so a change made
//! meanwhile is not overwritten.

use chrono::{DateTime, Utc};
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;

/// The kinds with a rollout history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    pub fn parse(kind: &str) -> Option<WorkloadKind> {
        match kind {
            "Deployment" => Some(WorkloadKind::Deployment),
            "StatefulSet" => Some(WorkloadKind::StatefulSet),
            "DaemonSet" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    /// The plural, for RBAC (`update deployments`).
    pub fn plural(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployments",
            WorkloadKind::StatefulSet => "statefulsets",
            WorkloadKind::DaemonSet => "daemonsets",
        }
    }

    fn api(self, client: &Client, namespace: &str) -> Api<DynamicObject> {
        let gvk = GroupVersionKind::gvk("apps", "v1", self.as_str());
        Api::namespaced_with(
            client.clone(),
            namespace,
            &ApiResource::from_gvk_with_plural(&gvk, self.plural()),
        )
    }
}

/// One revision of a workload's pod template.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub revision: i64,
    /// The ReplicaSet or ControllerRevision that keeps it.
    pub keeper: String,
    /// The images of its containers, in order.
    pub images: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    /// `kubernetes.io/change-cause`, when someone wrote one.
    pub cause: Option<String>,
    /// Whether the workload runs this template now.
    pub current: bool,
    template: Value,
}

fn said(what: &str, error: kube::Error) -> String {
    format!("cannot {what}: {}", super::with_causes(&error))
}

fn images_of(template: &Value) -> Vec<String> {
    template["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str().map(str::to_string))
        .collect()
}

/// A template as the workload would hold it: without the labels and directives its keeper
/// adds (`pod-template-hash`, `controller-revision-hash`, `$patch`).
fn clean(mut template: Value) -> Value {
    if let Some(object) = template.as_object_mut() {
        object.remove("$patch");
    }
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
        labels.remove("controller-revision-hash");
    }
    template
}

fn owned_by(object: &DynamicObject, uid: &str) -> bool {
    object
        .metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.uid == uid)
}

/// The workload's revisions, newest first.
pub async fn history(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<Vec<Revision>, String> {
    let workload = read(client, kind, namespace, name).await?;
    let uid = workload.metadata.uid.clone().unwrap_or_default();
    // Which revision runs now, as the controllers record it: a Deployment's revision
    // annotation, a StatefulSet's or DaemonSet's update revision; else the template itself.
    let current_revision: Option<i64> = workload
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .and_then(|r| r.parse().ok());
    let update_revision = workload.data["status"]["updateRevision"]
        .as_str()
        .map(str::to_string);
    let current_template = clean(workload.data["spec"]["template"].clone());
    let (keepers, what) = match kind {
        WorkloadKind::Deployment => ("replicasets", "ReplicaSet"),
        _ => ("controllerrevisions", "ControllerRevision"),
    };
    let gvk = GroupVersionKind::gvk("apps", "v1", what);
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        namespace,
        &ApiResource::from_gvk_with_plural(&gvk, keepers),
    );
    let listed = api
        .list(&ListParams::default())
        .await
        .map_err(|e| said(&format!("list {keepers} in {namespace}"), e))?;
    let mut revisions: Vec<Revision> = listed
        .items
        .into_iter()
        .filter(|k| owned_by(k, &uid))
        .filter_map(|keeper| {
            let annotations = keeper.metadata.annotations.clone().unwrap_or_default();
            let (revision, template) = match kind {
                WorkloadKind::Deployment => (
                    annotations
                        .get("deployment.kubernetes.io/revision")?
                        .parse()
                        .ok()?,
                    keeper.data["spec"]["template"].clone(),
                ),
                _ => (
                    keeper.data["revision"].as_i64()?,
                    keeper.data["data"]["spec"]["template"].clone(),
                ),
            };
            let template = clean(template);
            let keeper_name = keeper.metadata.name.clone().unwrap_or_default();
            let current = match (kind, current_revision, &update_revision) {
                (WorkloadKind::Deployment, Some(current), _) => current == revision,
                (_, _, Some(update)) if kind != WorkloadKind::Deployment => *update == keeper_name,
                _ => template == current_template,
            };
            Some(Revision {
                revision,
                keeper: keeper_name,
                images: images_of(&template),
                created: keeper
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .and_then(|t| DateTime::from_timestamp(t.0.as_second(), 0)),
                cause: annotations.get("kubernetes.io/change-cause").cloned(),
                current,
                template,
            })
        })
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    Ok(revisions)
}

/// Puts revision `to`'s pod template back (a new rollout); what happened, for the operator.
pub async fn undo(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    to: i64,
) -> Result<String, String> {
    let revisions = history(client, kind, namespace, name).await?;
    let target = revisions.iter().find(|r| r.revision == to).ok_or_else(|| {
        let known: Vec<String> = revisions.iter().map(|r| r.revision.to_string()).collect();
        format!(
            "{} {namespace}/{name} has no revision {to} (it has {})",
            kind.as_str(),
            known.join(", ")
        )
    })?;
    if target.current {
        return Err(format!(
            "{} {namespace}/{name} already runs revision {to}; nothing was changed",
            kind.as_str()
        ));
    }
    let api = kind.api(client, namespace);
    let mut workload = api
        .get(name)
        .await
        .map_err(|e| said(&format!("read {} {namespace}/{name}", kind.as_str()), e))?;
    workload.data["spec"]["template"] = target.template.clone();
    // Replaced at the resourceVersion just read: a change made meanwhile makes this a 409.
    api.replace(name, &PostParams::default(), &workload)
        .await
        .map_err(|e| {
            said(
                &format!("roll back {} {namespace}/{name}", kind.as_str()),
                e,
            )
        })?;
    Ok(format!(
        "{} {namespace}/{name} rolled back to revision {to} ({})",
        kind.as_str(),
        target.images.join(", ")
    ))
}

/// The workload as it is now.
async fn read(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<DynamicObject, String> {
    kind.api(client, namespace)
        .get(name)
        .await
        .map_err(|e| said(&format!("read {} {namespace}/{name}", kind.as_str()), e))
}

/// The label selector of a workload's pods (`spec.selector`, expressions included), as the
/// API's `labelSelector` query takes it.
pub async fn selector(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let workload = read(client, kind, namespace, name).await?;
    crate::printers::label_selector_string(&workload.data["spec"]["selector"])
        // An empty selector selects every pod of the namespace: never this workload's.
        .filter(|selector| !selector.is_empty())
        .ok_or_else(|| {
            format!(
                "{} {namespace}/{name} has no usable pod selector",
                kind.as_str()
            )
        })
}

/// The replicas a workload asks for (`spec.replicas`, 1 when unset).
pub async fn replicas(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<i64, String> {
    if kind == WorkloadKind::DaemonSet {
        return Err("a DaemonSet runs one pod per node: it has no replicas to scale".into());
    }
    let workload = read(client, kind, namespace, name).await?;
    Ok(workload.data["spec"]["replicas"].as_i64().unwrap_or(1))
}

/// `kubectl scale`: the workload's replicas set through its scale subresource.
pub async fn scale(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    replicas: i32,
) -> Result<String, String> {
    let what = format!("{} {namespace}/{name}", kind.as_str());
    let before = self::replicas(client, kind, namespace, name).await?;
    let patch = serde_json::json!({"spec": {"replicas": replicas}});
    kind.api(client, namespace)
        .patch_scale(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| said(&format!("scale {what}"), e))?;
    Ok(format!(
        "{what} scaled from {before} to {replicas} replica(s)"
    ))
}

/// `kubectl rollout restart`: a new pod template (the restart annotation with the time), so
/// the controller replaces the pods as its strategy says.
pub async fn restart(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let what = format!("{} {namespace}/{name}", kind.as_str());
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": now}}}}});
    kind.api(client, namespace)
        .patch(name, &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .map_err(|e| said(&format!("restart {what}"), e))?;
    Ok(format!("{what} restarted at {now}"))
}

/// Deletes an object of `resource` (in `namespace`, empty for a cluster-wide kind); `force`:
/// with no grace period, as `kubectl delete --force --grace-period=0` does for a stuck pod.
pub async fn delete(
    client: &Client,
    resource: &super::ResourceKind,
    namespace: &str,
    name: &str,
    force: bool,
) -> Result<String, String> {
    let api: Api<DynamicObject> = if namespace.is_empty() {
        Api::all_with(client.clone(), &resource.api_resource())
    } else {
        Api::namespaced_with(client.clone(), namespace, &resource.api_resource())
    };
    let params = if force {
        DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        }
    } else {
        DeleteParams::default()
    };
    let what = format!("{} {name}", resource.kind);
    api.delete(name, &params)
        .await
        .map_err(|e| said(&format!("delete {what}"), e))?;
    Ok(format!(
        "{what} deleted{}",
        if force {
            " at once (no grace period)"
        } else {
            ""
        }
    ))
}

/// What a workload's template runs now, as typed to change it: `IMAGE` for its only
/// container, else `CONTAINER=IMAGE` of its first.
pub async fn image_to_edit(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let workload = read(client, kind, namespace, name).await?;
    let containers = workload.data["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let first = containers.first().ok_or("it has no containers")?;
    let image = first["image"].as_str().unwrap_or_default();
    Ok(if containers.len() == 1 {
        image.to_string()
    } else {
        format!("{}={image}", first["name"].as_str().unwrap_or_default())
    })
}

/// Which container of `containers` (a pod template's) `asked` names; a one-container
/// template needs no name.
fn container_index(containers: &[Value], asked: Option<&str>) -> Result<usize, String> {
    let names: Vec<&str> = containers
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default())
        .collect();
    match asked {
        Some(asked) => names
            .iter()
            .position(|n| *n == asked)
            .ok_or_else(|| format!("no container {asked} (it has {})", names.join(", "))),
        None if names.len() == 1 => Ok(0),
        None => Err(format!(
            "name the container: CONTAINER=IMAGE (it has {})",
            names.join(", ")
        )),
    }
}

/// Sets the image of a container of the workload's pod template (`kubectl set image`),
/// replaced at the resourceVersion just read; what changed.
pub async fn set_image(
    client: &Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    container: Option<&str>,
    image: &str,
) -> Result<String, String> {
    let api = kind.api(client, namespace);
    let what = format!("{} {namespace}/{name}", kind.as_str());
    let mut workload = api
        .get(name)
        .await
        .map_err(|e| said(&format!("read {what}"), e))?;
    let containers = workload.data["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .ok_or_else(|| format!("{what} has no containers"))?;
    let index = container_index(containers, container)?;
    let chosen = &mut containers[index];
    let container = chosen["name"].as_str().unwrap_or_default().to_string();
    let before = chosen["image"].as_str().unwrap_or_default().to_string();
    if before == image {
        return Err(format!(
            "container {container} of {what} already runs {image}; nothing was changed"
        ));
    }
    chosen["image"] = Value::String(image.to_string());
    api.replace(name, &PostParams::default(), &workload)
        .await
        .map_err(|e| said(&format!("set the image of {what}"), e))?;
    Ok(format!("{what}: container {container} {before} → {image}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_container_is_named_unless_there_is_one() {
        let one = [json!({"name": "web", "image": "nginx"})];
        let two = [json!({"name": "web"}), json!({"name": "sidecar"})];
        assert_eq!(container_index(&one, None), Ok(0));
        assert_eq!(container_index(&two, Some("sidecar")), Ok(1));
        assert_eq!(
            container_index(&two, None).unwrap_err(),
            "name the container: CONTAINER=IMAGE (it has web, sidecar)"
        );
        assert!(
            container_index(&two, Some("db"))
                .unwrap_err()
                .contains("no container db")
        );
        // The selector a change is watched by: the shared printer's, as the API takes it.
        assert_eq!(
            crate::printers::label_selector_string(
                &json!({"matchLabels": {"app": "web", "tier": "front"}})
            )
            .as_deref(),
            Some("app=web,tier=front")
        );
    }

    #[test]
    fn a_keepers_own_labels_and_directives_are_not_part_of_the_template() {
        let kept = json!({"$patch": "replace",
            "metadata": {"labels": {"app": "web", "pod-template-hash": "5d8f",
                                    "controller-revision-hash": "web-7c9"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                    {"name": "sidecar", "image": "envoy:1.30"}]}});
        let template = clean(kept);
        assert_eq!(template["metadata"]["labels"], json!({"app": "web"}));
        assert!(template.get("$patch").is_none());
        assert_eq!(images_of(&template), ["nginx:1.27", "envoy:1.30"]);
    }
}
