//! Reading what the incident screen needs, once, when it opens: the workloads, pods, events
//! and nodes of the scope, ConfigMaps and Secrets as metadata only (their managedFields say
//! when and which keys changed — their values are never fetched), and Helm's release
//! Secrets of the window (labels first; only revisions of the window and the one before are
//! decoded). A kind the user may not list becomes a warning; the rest still answers.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;
use serde_json::Value;

use super::{NamespaceScope, with_causes};
use crate::release::{HelmRelease, decode_release, release_secret_name};
use crate::stack::incident::{
    self, Breakage, FailedRun, IncidentReport, ReleaseRevision, job_failed_at, pod_unhealthy_since,
    referenced_config,
};
use crate::stack::{Health, StackReport};
use strata_common::json::{items, str_at, time_at};

const PAGE: u32 = 500;

/// (group, version, kind, plural, namespaced).
type Kind = (&'static str, &'static str, &'static str, &'static str, bool);

const FULL: [Kind; 9] = [
    ("", "v1", "Pod", "pods", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("batch", "v1", "Job", "jobs", true),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("", "v1", "Event", "events", true),
    ("", "v1", "Node", "nodes", false),
];

/// Read as metadata only: the values are none of the timeline's business.
const METADATA: [Kind; 2] = [
    ("", "v1", "ConfigMap", "configmaps", true),
    ("", "v1", "Secret", "secrets", true),
];

/// Lists `kind` in `scope` (metadata only when asked); each item carries its kind. A
/// forbidden list is `Err(warning)`.
async fn list(
    client: &kube::Client,
    scope: &NamespaceScope,
    (group, version, kind, plural, namespaced): Kind,
    params: ListParams,
    metadata_only: bool,
) -> Result<Vec<Value>, String> {
    let resource = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: if group.is_empty() {
            version.into()
        } else {
            format!("{group}/{version}")
        },
        kind: kind.into(),
        plural: plural.into(),
    };
    let api: Api<DynamicObject> = match scope {
        NamespaceScope::Only(ns) if namespaced => {
            Api::namespaced_with(client.clone(), ns, &resource)
        }
        _ => Api::all_with(client.clone(), &resource),
    };
    let mut params = params.limit(PAGE);
    let mut out = Vec::new();
    loop {
        let page = if metadata_only {
            api.list_metadata(&params).await.map(|page| {
                let token = page.metadata.continue_.clone();
                let items: Vec<Value> = page
                    .items
                    .into_iter()
                    .filter_map(|i| serde_json::to_value(i).ok())
                    .collect();
                (items, token)
            })
        } else {
            api.list(&params).await.map(|page| {
                let token = page.metadata.continue_.clone();
                let items: Vec<Value> = page
                    .items
                    .into_iter()
                    .filter_map(|i| serde_json::to_value(i).ok())
                    .collect();
                (items, token)
            })
        };
        match page {
            Ok((items, token)) => {
                out.extend(items.into_iter().map(|mut item| {
                    item["kind"] = kind.into();
                    slim(kind, item)
                }));
                match token {
                    Some(token) if !token.is_empty() => params = params.continue_token(&token),
                    _ => return Ok(out),
                }
            }
            Err(error) => return Err(format!("cannot list {plural}: {}", with_causes(&error))),
        }
    }
}

/// The parts of an object the timeline and the breakages read (a page at a time, so a big
/// cluster's pods are never all held whole): identity, owners, release marks, managedFields,
/// pod templates (container images, env names and references), replica and schedule
/// fields, and the status the health of pods and Jobs is judged from.
fn slim(kind: &str, item: Value) -> Value {
    const META: [&[&str]; 9] = [
        &["kind"],
        &["metadata", "name"],
        &["metadata", "namespace"],
        &["metadata", "creationTimestamp"],
        &["metadata", "ownerReferences"],
        &["metadata", "labels", "app.kubernetes.io/instance"],
        &["metadata", "labels", "release"],
        &["metadata", "annotations", "meta.helm.sh/release-name"],
        &["metadata", "annotations", "helm.sh/hook"],
    ];
    let extra: &[&[&str]] = match kind {
        "Pod" => &[
            &["status", "phase"],
            &["status", "startTime"],
            &["status", "conditions"],
            &["status", "containerStatuses"],
        ],
        "ReplicaSet" => &[
            &[
                "metadata",
                "annotations",
                "deployment.kubernetes.io/revision",
            ],
            &["spec", "template"],
        ],
        "Deployment" | "StatefulSet" | "DaemonSet" => &[
            &["metadata", "managedFields"],
            &["spec", "replicas"],
            &["spec", "template", "spec"],
        ],
        "CronJob" => &[
            &["metadata", "managedFields"],
            &["spec", "schedule"],
            &["spec", "suspend"],
            &["spec", "jobTemplate", "spec", "template", "spec"],
        ],
        "Job" => &[&["status", "conditions"], &["spec", "template", "spec"]],
        // Helm's release Secrets name their release and revision in labels.
        "ConfigMap" | "Secret" => &[
            &["metadata", "managedFields"],
            &["metadata", "labels", "name"],
            &["metadata", "labels", "version"],
        ],
        // Events and nodes are read whole: small, and most of them is read.
        _ => return item,
    };
    let mut out = Value::Object(Default::default());
    for path in META.iter().chain(extra) {
        let mut from = &item;
        for key in *path {
            from = &from[*key];
        }
        if from.is_null() {
            continue;
        }
        let mut to = &mut out;
        for key in *path {
            to = &mut to[*key];
        }
        *to = from.clone();
    }
    out
}

/// Reads and decodes one revision of a Helm release from its storage Secret.
pub async fn release_revision(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    revision: u32,
) -> Result<HelmRelease, String> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let secret_name = release_secret_name(name, revision);
    let secret = secrets
        .get(&secret_name)
        .await
        .map_err(|e| format!("cannot read Secret {namespace}/{secret_name}: {e}"))?;
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .ok_or_else(|| format!("Secret {namespace}/{secret_name} has no release data"))?;
    decode_release(&data.0).map_err(|e| format!("Secret {namespace}/{secret_name}: {e}"))
}

/// The revisions of the window (and the one before each, to say what changed).
async fn release_revisions(
    client: &kube::Client,
    scope: &NamespaceScope,
    from: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Vec<ReleaseRevision> {
    let kind = ("", "v1", "Secret", "secrets", true);
    let stored = match list(
        client,
        scope,
        kind,
        ListParams::default().labels("owner=helm"),
        true,
    )
    .await
    {
        Ok(stored) => stored,
        Err(warning) => {
            warnings.push(format!("{warning} (Helm release revisions)"));
            return Vec::new();
        }
    };
    let label = |s: &Value, key: &str| str_at(s, &["metadata", "labels", key]).to_string();
    let mut wanted: BTreeSet<(String, String, u32)> = BTreeSet::new();
    for s in &stored {
        let created = time_at(s, &["metadata", "creationTimestamp"]);
        let Ok(version) = label(s, "version").parse::<u32>() else {
            continue;
        };
        if created.is_some_and(|c| c >= from) {
            let ns = str_at(s, &["metadata", "namespace"]).to_string();
            wanted.insert((ns.clone(), label(s, "name"), version));
            if version > 1 {
                wanted.insert((ns, label(s, "name"), version - 1));
            }
        }
    }
    let mut out = Vec::new();
    for (ns, name, version) in wanted {
        match release_revision(client, &ns, &name, version).await {
            Ok(release) => out.push(ReleaseRevision {
                at: stored
                    .iter()
                    .find(|s| {
                        str_at(s, &["metadata", "namespace"]) == ns
                            && label(s, "name") == name
                            && label(s, "version") == version.to_string()
                    })
                    .and_then(|s| time_at(s, &["metadata", "creationTimestamp"]))
                    .or(release.info.last_deployed)
                    .unwrap_or(from),
                chart: release.chart_label(),
                status: release.info.status.as_str().to_string(),
                description: release.info.description.clone(),
                name,
                namespace: ns,
                revision: version,
            }),
            Err(error) => warnings.push(error),
        }
    }
    out
}

/// The incident report of `scope` from `from` to `now`, for the components `report` judged.
pub async fn read(
    client: &kube::Client,
    scope: &NamespaceScope,
    report: &StackReport,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> IncidentReport {
    let mut warnings = Vec::new();
    let mut objects: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for kind in FULL {
        match list(client, scope, kind, ListParams::default(), false).await {
            Ok(list) => {
                objects.insert(kind.2, list);
            }
            Err(warning) => warnings.push(warning),
        }
    }
    let mut config = Vec::new();
    for kind in METADATA {
        let params = if kind.2 == "Secret" {
            ListParams::default().labels("owner!=helm")
        } else {
            ListParams::default()
        };
        match list(client, scope, kind, params, true).await {
            Ok(list) => config.extend(list),
            Err(warning) => warnings.push(warning),
        }
    }
    let revisions = release_revisions(client, scope, from, &mut warnings).await;
    let empty = Vec::new();
    let of = |kind: &str| objects.get(kind).unwrap_or(&empty);

    let mut changes = incident::release_changes(&revisions);
    changes.extend(incident::rollout_changes(of("ReplicaSet"), from));
    let mut managed: Vec<Value> = config;
    for kind in ["Deployment", "StatefulSet", "CronJob"] {
        managed.extend(of(kind).iter().cloned());
    }
    changes.extend(incident::managed_changes(&managed, from));
    drop(managed);
    changes.extend(incident::node_changes(of("Node"), from));
    changes.extend(incident::restart_changes(of("Pod"), from));
    let events = incident::warning_groups(of("Event"), from);

    let breakages = breakages(report, &objects, &revisions, now);
    let failed_runs = report
        .components()
        .filter_map(|c| {
            let f = c.runs.last_failure.as_ref()?;
            f.finished.is_none_or(|t| t >= from).then(|| FailedRun {
                component: c.name.clone(),
                namespace: c.namespace.clone(),
                run: f.name.clone(),
                finished: f.finished,
                reason: f.reason.clone(),
            })
        })
        .collect();
    let mut out = incident::correlate(breakages, changes, events, failed_runs, from, now);
    out.warnings = warnings;
    out
}

/// The components not healthy, each with its objects (workloads, their pods, the config
/// they use) and since when it is broken.
fn breakages(
    report: &StackReport,
    objects: &BTreeMap<&str, Vec<Value>>,
    revisions: &[ReleaseRevision],
    now: DateTime<Utc>,
) -> Vec<Breakage> {
    let empty = Vec::new();
    let of = |kind: &str| objects.get(kind).unwrap_or(&empty);
    let key = |v: &Value| {
        (
            str_at(v, &["metadata", "namespace"]).to_string(),
            format!(
                "{}/{}",
                str_at(v, &["kind"]),
                str_at(v, &["metadata", "name"])
            ),
        )
    };
    let controller = |v: &Value| -> Option<String> {
        items(&v["metadata"]["ownerReferences"])
            .iter()
            .find(|o| o["controller"] == true)
            .map(|o| format!("{}/{}", str_at(o, &["kind"]), str_at(o, &["name"])))
    };
    // ReplicaSet → Deployment, Job → CronJob: a pod's workload is its owner's owner.
    let mut parent: BTreeMap<(String, String), String> = BTreeMap::new();
    for v in of("ReplicaSet").iter().chain(of("Job")) {
        if let Some(owner) = controller(v) {
            parent.insert(key(v), owner);
        }
    }
    let workload_of = |pod: &Value| -> Option<(String, String)> {
        let ns = str_at(pod, &["metadata", "namespace"]).to_string();
        let owner = controller(pod)?;
        let top = parent
            .get(&(ns.clone(), owner.clone()))
            .cloned()
            .unwrap_or(owner);
        Some((ns, top))
    };
    let templates: BTreeMap<(String, String), &Value> =
        ["Deployment", "StatefulSet", "DaemonSet", "Job"]
            .iter()
            .flat_map(|k| of(k).iter())
            .map(|v| (key(v), &v["spec"]["template"]["spec"]))
            .chain(of("CronJob").iter().map(|v| {
                (
                    key(v),
                    &v["spec"]["jobTemplate"]["spec"]["template"]["spec"],
                )
            }))
            .collect();
    report
        .components()
        .filter(|c| matches!(c.health, Health::Degraded | Health::Down))
        .map(|c| {
            let workloads: BTreeSet<String> = c
                .workloads
                .iter()
                .map(|w| format!("{}/{}", w.kind, w.name))
                .collect();
            let mut objects = workloads.clone();
            let mut since: Option<DateTime<Utc>> = None;
            for w in &workloads {
                if let Some(spec) = templates.get(&(c.namespace.clone(), w.clone())) {
                    objects.extend(referenced_config(spec));
                }
            }
            for pod in of("Pod") {
                let Some((ns, workload)) = workload_of(pod) else {
                    continue;
                };
                if ns == c.namespace && workloads.contains(&workload) {
                    objects.insert(format!("Pod/{}", str_at(pod, &["metadata", "name"])));
                    earliest(&mut since, pod_unhealthy_since(pod, now));
                }
            }
            for job in of("Job") {
                let (ns, id) = key(job);
                let own = workloads.contains(&id)
                    || parent.get(&(ns.clone(), id.clone())).is_some_and(|p| workloads.contains(p))
                    // Its release's hooks, not the runs it launches (a failed run is not
                    // the component breaking).
                    || c.release.is_some()
                        && incident::release_of(job) == c.release
                        && job["metadata"]["annotations"]["helm.sh/hook"].is_string();
                if ns == c.namespace && own {
                    objects.insert(id);
                    earliest(&mut since, job_failed_at(job));
                }
            }
            // A release whose newest revision failed, and nothing else says when: broken
            // since that revision.
            if since.is_none()
                && let (Some(release), Some((rev, status))) = (&c.release, &c.release_revision)
                && (status.as_str() == "failed" || status.is_pending())
            {
                earliest(
                    &mut since,
                    revisions
                        .iter()
                        .find(|r| {
                            &r.name == release && r.namespace == c.namespace && r.revision == *rev
                        })
                        .map(|r| r.at),
                );
            }
            Breakage {
                component: c.name.clone(),
                namespace: c.namespace.clone(),
                layer: c.layer,
                health: c.health,
                since,
                reasons: c.reasons.clone(),
                release: c.release.clone(),
                objects,
            }
        })
        .collect()
}

/// Keeps the earlier of `since` and `t`.
fn earliest(since: &mut Option<DateTime<Utc>>, t: Option<DateTime<Utc>>) {
    if let Some(t) = t {
        *since = Some(since.map_or(t, |s| s.min(t)));
    }
}
