//! The facts classification and health need from one API object, projected once from its
//! JSON (as the API server, a watcher or a fixture file hands it over): identity, labels (own
//! and pod-template), the annotations that carry meaning, owners, containers with normalized
//! images and command lines, and a kind-specific status digest. Big fields (managedFields,
//! `last-applied-configuration`, env, volumes) are never copied.

use chrono::{DateTime, Utc};
use serde_json::Value;
use strata_common::json::{str_at, string_map, time_at, u32_at};
use strata_common::sym::{Sym, SymMap};

/// Labels or annotations: sorted (lookups are cheap, output is stable) and made of shared
/// strings, since the same keys and values repeat across thousands of objects.
pub type Labels = SymMap;

/// Annotations longer than this are not kept: nothing classification reads is that long, and
/// `kubectl.kubernetes.io/last-applied-configuration` would otherwise copy whole objects.
const MAX_ANNOTATION_BYTES: usize = 512;

/// The kinds Strata knows how to judge; anything else (ConfigMaps, RBAC, custom resources)
/// is still classified, by its metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Pod,
    Service,
    Other(Sym),
}

impl ObjectKind {
    pub fn parse(kind: &str) -> ObjectKind {
        match kind {
            "Deployment" => ObjectKind::Deployment,
            "StatefulSet" => ObjectKind::StatefulSet,
            "DaemonSet" => ObjectKind::DaemonSet,
            "ReplicaSet" => ObjectKind::ReplicaSet,
            "Job" => ObjectKind::Job,
            "CronJob" => ObjectKind::CronJob,
            "Pod" => ObjectKind::Pod,
            "Service" => ObjectKind::Service,
            other => ObjectKind::Other(Sym::intern(other)),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ObjectKind::Deployment => "Deployment",
            ObjectKind::StatefulSet => "StatefulSet",
            ObjectKind::DaemonSet => "DaemonSet",
            ObjectKind::ReplicaSet => "ReplicaSet",
            ObjectKind::Job => "Job",
            ObjectKind::CronJob => "CronJob",
            ObjectKind::Pod => "Pod",
            ObjectKind::Service => "Service",
            ObjectKind::Other(kind) => kind,
        }
    }

    /// Kinds that run containers (and so have a health of their own).
    pub fn runs_containers(&self) -> bool {
        matches!(
            self,
            ObjectKind::Deployment
                | ObjectKind::StatefulSet
                | ObjectKind::DaemonSet
                | ObjectKind::ReplicaSet
                | ObjectKind::Job
                | ObjectKind::CronJob
                | ObjectKind::Pod
        )
    }
}

/// An `ownerReferences` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRef {
    pub kind: Sym,
    pub name: Sym,
    pub controller: bool,
}

/// A container image split the way rules match it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// As written in the spec.
    pub full: Sym,
    /// Without registry host, tag or digest, and without Docker Hub's `library/`:
    /// `apachesuperset.docker.scarf.sh/apache/superset:5.0.0` → `apache/superset`.
    pub repository: Sym,
    /// The tag (`5.0.0`), empty when absent.
    pub tag: Sym,
    /// `repository:tag` (just the repository without a tag): what a rule with a tag in
    /// its pattern matches.
    pub reference: Sym,
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let full = image.trim();
        let without_digest = full.split('@').next().unwrap_or(full);
        // A first path segment with a dot, a port or `localhost` is a registry host.
        let rest = match without_digest.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                rest
            }
            _ => without_digest,
        };
        // The tag is after the last `:` of the last path segment (a registry port has been
        // cut off above).
        let (repo, tag) = match rest.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, tag),
            _ => (rest, ""),
        };
        let repo = repo.strip_prefix("library/").unwrap_or(repo);
        ImageRef {
            full: Sym::intern(full),
            repository: Sym::intern(repo),
            tag: Sym::intern(tag),
            reference: if tag.is_empty() {
                Sym::intern(repo)
            } else {
                Sym::intern(&format!("{repo}:{tag}"))
            },
        }
    }
}

/// One container (init containers included: they identify tools too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerFacts {
    pub name: Sym,
    pub image: ImageRef,
    /// `command` then `args`, joined by spaces, with the program's directory dropped
    /// (`/usr/local/bin/dbt run` → `dbt run`).
    pub command_line: Sym,
    pub init: bool,
}

/// A pod's condition as an operator reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodState {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown` (empty when not reported).
    pub phase: Sym,
    /// The pod's Ready condition.
    pub ready: bool,
    pub containers: u32,
    pub containers_ready: u32,
    pub restarts: u32,
    /// When a container last terminated before a restart (kubectl's "(2m ago)").
    pub last_restart: Option<DateTime<Utc>>,
    /// The most telling problem of a container: a waiting reason other than the normal
    /// start-up ones (`CrashLoopBackOff`, `ImagePullBackOff`, `CreateContainerConfigError`…)
    /// or a terminated reason (`Error`, `OOMKilled`), with the container and its image.
    pub problem: Option<Box<ContainerProblem>>,
    /// Why the scheduler cannot place the pod (`0/3 nodes are available: …`).
    pub unschedulable: Option<Sym>,
    /// The exit code of a finished main container.
    pub exit_code: Option<i32>,
    pub deleting: bool,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    /// The pod's own `status.reason` (`Evicted`, `DeadlineExceeded`, `NodeLost`).
    pub reason: Option<Sym>,
    /// The pod's own `status.message` (why it was evicted).
    pub message: Option<Sym>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerProblem {
    pub reason: Sym,
    pub container: Sym,
    pub image: Sym,
    pub message: Sym,
}

/// What a workload's status says, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ObjectState {
    /// No status reported (a manifest, or an object the controllers have not seen yet).
    #[default]
    Unreported,
    /// Deployments, StatefulSets, ReplicaSets and DaemonSets.
    Replicated {
        desired: u32,
        ready: u32,
        /// Set when a rollout exceeded its progress deadline (the condition's message).
        stalled: Option<Sym>,
    },
    Job(JobState),
    CronJob {
        suspended: bool,
        active: u32,
        last_schedule: Option<DateTime<Utc>>,
        last_success: Option<DateTime<Utc>>,
    },
    Pod(PodState),
    /// A custom resource's phase or state word (`Completed`, `RUNNING`, `FAILED`…).
    Custom {
        state: Sym,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobState {
    pub active: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub completions: u32,
    pub complete: bool,
    /// Reason and message of the `Failed` condition.
    pub failure: Option<(Sym, Sym)>,
    pub suspended: bool,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
}

/// The projection of one API object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackObject {
    pub kind: ObjectKind,
    pub name: Sym,
    /// Empty for cluster-scoped objects.
    pub namespace: Sym,
    /// The object's own labels merged with its pod template's (own labels win): charts put
    /// the telling labels on one or the other.
    pub labels: Labels,
    /// The pod template's labels alone (what a Service selector matches); empty for a Pod,
    /// whose own labels are its pod labels.
    pub template_labels: Labels,
    /// Annotations up to [`MAX_ANNOTATION_BYTES`] (own and pod template's).
    pub annotations: Labels,
    pub owners: Vec<OwnerRef>,
    pub containers: Vec<ContainerFacts>,
    /// A Service's selector.
    pub selector: Labels,
    pub created: Option<DateTime<Utc>>,
    pub state: ObjectState,
}

impl StackObject {
    /// Projects an API object (or a manifest) given as JSON. Objects without a kind or name
    /// are projected anyway, with empty strings: classification still shows them.
    pub fn from_json(object: &Value) -> StackObject {
        let kind = ObjectKind::parse(str_at(object, &["kind"]));
        let metadata = &object["metadata"];
        let pod_template = match kind {
            ObjectKind::Pod => Some(object),
            ObjectKind::CronJob => Some(&object["spec"]["jobTemplate"]["spec"]["template"]),
            _ => object["spec"].get("template").filter(|t| t.is_object()),
        };
        let mut labels: Labels = string_map(&metadata["labels"], usize::MAX);
        let mut template_labels = Labels::new();
        let mut annotations: Labels = string_map(&metadata["annotations"], MAX_ANNOTATION_BYTES);
        if let Some(template) = pod_template
            && kind != ObjectKind::Pod
        {
            template_labels = string_map(&template["metadata"]["labels"], usize::MAX);
            labels = labels.merged_under(&template_labels);
            annotations = annotations.merged_under(&string_map(
                &template["metadata"]["annotations"],
                MAX_ANNOTATION_BYTES,
            ));
        }
        if kind == ObjectKind::CronJob {
            // The Job template's own labels identify the runs too.
            labels = labels.merged_under(&string_map(
                &object["spec"]["jobTemplate"]["metadata"]["labels"],
                usize::MAX,
            ));
        }
        let containers = pod_template
            .map(|t| containers(&t["spec"]))
            .unwrap_or_default();
        let owners = metadata["ownerReferences"]
            .as_array()
            .map(|refs| {
                refs.iter()
                    .map(|r| OwnerRef {
                        kind: Sym::intern(str_at(r, &["kind"])),
                        // ReplicaSets and Jobs own many pods each: their names repeat.
                        name: Sym::intern(str_at(r, &["name"])),
                        controller: r["controller"].as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let selector = if kind == ObjectKind::Service {
            string_map(&object["spec"]["selector"], usize::MAX)
        } else {
            Labels::new()
        };
        let state = state(&kind, object);
        StackObject {
            name: Sym::unique(str_at(metadata, &["name"])),
            namespace: Sym::intern(str_at(metadata, &["namespace"])),
            created: time_at(metadata, &["creationTimestamp"]),
            kind,
            labels,
            template_labels,
            annotations,
            owners,
            containers,
            selector,
            state,
        }
    }

    /// A label of the object or its pod template.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(Sym::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(Sym::as_str)
    }

    /// A value the tools write as a label and, unshortened, as an annotation (Airflow's
    /// `dag_id`): the annotation when present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.annotation(key).or_else(|| self.label(key))
    }

    /// The controlling owner (or the first owner when none is marked as controller).
    pub fn controller(&self) -> Option<&OwnerRef> {
        self.owners
            .iter()
            .find(|o| o.controller)
            .or_else(|| self.owners.first())
    }

    /// Whether Helm runs this object as a hook rather than keeping it in the release.
    pub fn is_helm_hook(&self) -> bool {
        self.annotations.contains_key("helm.sh/hook")
    }
}

fn containers(pod_spec: &Value) -> Vec<ContainerFacts> {
    let mut out = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        let Some(list) = pod_spec[key].as_array() else {
            continue;
        };
        for c in list {
            let mut words: Vec<&str> = Vec::new();
            for part in ["command", "args"] {
                if let Some(items) = c[part].as_array() {
                    words.extend(items.iter().filter_map(Value::as_str));
                }
            }
            let mut command_line = String::new();
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    command_line.push(' ');
                }
                // The program's directory says nothing about what runs.
                let word = if i == 0 {
                    word.rsplit('/').next().unwrap_or(word)
                } else {
                    word
                };
                command_line.push_str(word);
            }
            out.push(ContainerFacts {
                name: Sym::intern(str_at(c, &["name"])),
                image: ImageRef::parse(str_at(c, &["image"])),
                command_line: Sym::intern(&command_line),
                init,
            });
        }
    }
    out
}

fn state(kind: &ObjectKind, object: &Value) -> ObjectState {
    let status = &object["status"];
    let spec = &object["spec"];
    let reported = status.as_object().is_some_and(|s| !s.is_empty());
    match kind {
        ObjectKind::Deployment | ObjectKind::StatefulSet | ObjectKind::ReplicaSet => {
            if !reported {
                return ObjectState::Unreported;
            }
            let desired = spec["replicas"]
                .as_u64()
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .unwrap_or(1);
            let stalled = status["conditions"].as_array().and_then(|conds| {
                conds
                    .iter()
                    .find(|c| {
                        c["type"] == "Progressing"
                            && c["status"] == "False"
                            && c["reason"] == "ProgressDeadlineExceeded"
                    })
                    .map(|c| Sym::unique(str_at(c, &["message"])))
            });
            ObjectState::Replicated {
                desired,
                ready: u32_at(status, "readyReplicas"),
                stalled,
            }
        }
        ObjectKind::DaemonSet => {
            if !reported {
                return ObjectState::Unreported;
            }
            ObjectState::Replicated {
                desired: u32_at(status, "desiredNumberScheduled"),
                ready: u32_at(status, "numberReady"),
                stalled: None,
            }
        }
        ObjectKind::Job => {
            let conditions = status["conditions"].as_array();
            let condition = |kind: &str| {
                conditions.and_then(|all| {
                    all.iter()
                        .find(|c| c["type"] == kind && c["status"] == "True")
                })
            };
            let failure = condition("Failed").map(|c| {
                (
                    Sym::intern(str_at(c, &["reason"])),
                    Sym::unique(str_at(c, &["message"])),
                )
            });
            if !reported && !spec.is_object() {
                return ObjectState::Unreported;
            }
            ObjectState::Job(JobState {
                active: u32_at(status, "active"),
                succeeded: u32_at(status, "succeeded"),
                failed: u32_at(status, "failed"),
                completions: spec["completions"]
                    .as_u64()
                    .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                    .unwrap_or(1),
                complete: condition("Complete").is_some(),
                failure,
                suspended: spec["suspend"].as_bool().unwrap_or(false),
                started: time_at(status, &["startTime"]),
                finished: time_at(status, &["completionTime"]).or_else(|| {
                    condition("Failed").and_then(|c| time_at(c, &["lastTransitionTime"]))
                }),
            })
        }
        ObjectKind::CronJob => ObjectState::CronJob {
            suspended: spec["suspend"].as_bool().unwrap_or(false),
            active: status["active"].as_array().map_or(0, |a| a.len() as u32),
            last_schedule: time_at(status, &["lastScheduleTime"]),
            last_success: time_at(status, &["lastSuccessfulTime"]),
        },
        ObjectKind::Pod => {
            if !reported {
                return ObjectState::Unreported;
            }
            ObjectState::Pod(pod_state(object))
        }
        ObjectKind::Service => ObjectState::Unreported,
        ObjectKind::Other(_) => {
            // Custom resources put their state in different places; these cover the
            // operators of the stack (Spark operator, Altinity) and the common `phase`.
            let state = [
                str_at(status, &["applicationState", "state"]),
                str_at(status, &["status"]),
                str_at(status, &["scheduleState"]),
                str_at(status, &["phase"]),
                str_at(status, &["state"]),
            ]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default();
            if state.is_empty() {
                ObjectState::Unreported
            } else {
                ObjectState::Custom {
                    state: Sym::intern(state),
                }
            }
        }
    }
}

/// Waiting reasons that are part of a normal start.
const STARTING: [&str; 2] = ["ContainerCreating", "PodInitializing"];

fn pod_state(pod: &Value) -> PodState {
    let status = &pod["status"];
    let conditions = status["conditions"].as_array();
    let condition = |kind: &str| conditions.and_then(|all| all.iter().find(|c| c["type"] == kind));
    let images: Vec<(&str, &str)> = ["initContainers", "containers"]
        .iter()
        .filter_map(|k| pod["spec"][*k].as_array())
        .flatten()
        .map(|c| (str_at(c, &["name"]), str_at(c, &["image"])))
        .collect();
    let image_of = |name: &str| {
        images
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, i)| Sym::intern(i))
            .unwrap_or_default()
    };
    let mut state = PodState {
        phase: Sym::intern(str_at(status, &["phase"])),
        ready: condition("Ready").is_some_and(|c| c["status"] == "True"),
        deleting: !pod["metadata"]["deletionTimestamp"].is_null(),
        started: time_at(status, &["startTime"]),
        reason: Some(str_at(status, &["reason"]))
            .filter(|r| !r.is_empty())
            .map(Sym::intern),
        message: Some(str_at(status, &["message"]))
            .filter(|m| !m.is_empty())
            .map(Sym::unique),
        ..PodState::default()
    };
    if let Some(c) = condition("PodScheduled")
        && c["status"] == "False"
    {
        let message = str_at(c, &["message"]);
        state.unschedulable = Some(if message.is_empty() {
            Sym::intern(str_at(c, &["reason"]))
        } else {
            Sym::intern(message)
        });
    }
    let mut finished: Option<DateTime<Utc>> = None;
    for (key, init) in [
        ("initContainerStatuses", true),
        ("containerStatuses", false),
    ] {
        let Some(list) = status[key].as_array() else {
            continue;
        };
        for c in list {
            let name = str_at(c, &["name"]);
            state.restarts = state.restarts.saturating_add(u32_at(c, "restartCount"));
            state.last_restart = state
                .last_restart
                .max(time_at(&c["lastState"]["terminated"], &["finishedAt"]));
            if !init {
                state.containers += 1;
                if c["ready"].as_bool().unwrap_or(false) {
                    state.containers_ready += 1;
                }
            }
            let waiting = &c["state"]["waiting"];
            let terminated = &c["state"]["terminated"];
            let problem = if waiting.is_object() {
                let reason = str_at(waiting, &["reason"]);
                (!reason.is_empty() && !STARTING.contains(&reason))
                    .then(|| (reason, str_at(waiting, &["message"])))
            } else if terminated.is_object() {
                let code = terminated["exitCode"].as_i64().unwrap_or(0);
                if !init {
                    state.exit_code = i32::try_from(code).ok();
                    finished = finished.max(time_at(terminated, &["finishedAt"]));
                }
                (code != 0).then(|| {
                    let reason = str_at(terminated, &["reason"]);
                    (
                        if reason.is_empty() { "Error" } else { reason },
                        str_at(terminated, &["message"]),
                    )
                })
            } else {
                None
            };
            // The first problem wins: init containers run first, and the first container
            // is the main one by convention.
            if let Some((reason, message)) = problem
                && state.problem.is_none()
            {
                state.problem = Some(Box::new(ContainerProblem {
                    reason: Sym::intern(reason),
                    container: Sym::intern(name),
                    image: image_of(name),
                    message: Sym::unique(message),
                }));
            }
        }
    }
    if state.containers == 0 {
        state.containers = images.len() as u32;
    }
    state.finished = finished;
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_lose_registry_tag_digest_and_library() {
        let cases = [
            (
                "apachesuperset.docker.scarf.sh/apache/superset:5.0.0",
                "apache/superset",
                "5.0.0",
            ),
            ("docker.io/library/postgres:14.6", "postgres", "14.6"),
            ("postgres", "postgres", ""),
            (
                "ghcr.io/kubeflow/spark-operator/controller:2.5.2",
                "kubeflow/spark-operator/controller",
                "2.5.2",
            ),
            (
                "localhost:5000/team/dbt-postgres:1.9@sha256:abc",
                "team/dbt-postgres",
                "1.9",
            ),
            (
                "apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1",
                "apache/airflow",
                "airflow-pgbouncer-2025.03.05-1.23.1",
            ),
            (
                "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.12.4",
                "eks/coredns",
                "v1.12.4",
            ),
        ];
        for (image, repo, tag) in cases {
            let r = ImageRef::parse(image);
            assert_eq!(
                (r.repository.as_str(), r.tag.as_str()),
                (repo, tag),
                "{image}"
            );
        }
    }

    #[test]
    fn a_deployment_merges_template_labels_and_reads_replicas() {
        let object = StackObject::from_json(&json!({
            "kind": "Deployment",
            "metadata": {"name": "airbyte-server", "namespace": "ingestion",
                "labels": {"helm.sh/chart": "server-1.9.2", "app.kubernetes.io/name": "server"},
                "annotations": {"meta.helm.sh/release-name": "airbyte",
                    "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(4000)}},
            "spec": {"replicas": 2, "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "other", "tier": "t"}},
                "spec": {"containers": [{"name": "s", "image": "airbyte/server:2.0.1",
                    "command": ["/usr/bin/tini", "--"], "args": ["run"]}]}}},
            "status": {"readyReplicas": 1, "replicas": 2},
        }));
        assert_eq!(object.kind, ObjectKind::Deployment);
        assert_eq!(object.label("app.kubernetes.io/name"), Some("server"));
        assert_eq!(object.label("tier"), Some("t"));
        assert_eq!(object.template_labels.len(), 2);
        assert_eq!(
            object.annotation("meta.helm.sh/release-name"),
            Some("airbyte")
        );
        assert!(
            object
                .annotation("kubectl.kubernetes.io/last-applied-configuration")
                .is_none()
        );
        assert_eq!(object.containers[0].command_line, "tini -- run");
        assert_eq!(
            object.state,
            ObjectState::Replicated {
                desired: 2,
                ready: 1,
                stalled: None
            }
        );
    }

    #[test]
    fn a_crash_looping_pod_names_its_problem() {
        let object = StackObject::from_json(&json!({
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n",
                "ownerReferences": [{"kind": "ReplicaSet", "name": "d-5f9", "controller": true}]},
            "spec": {"containers": [{"name": "main", "image": "x/y:1"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{"name": "main", "ready": false, "restartCount": 14,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m"}}}]},
        }));
        let ObjectState::Pod(pod) = &object.state else {
            panic!("{:?}", object.state)
        };
        assert_eq!(pod.restarts, 14);
        assert!(!pod.ready);
        let problem = pod.problem.as_ref().unwrap();
        assert_eq!(problem.reason, "CrashLoopBackOff");
        assert_eq!(problem.image, "x/y:1");
        assert_eq!(object.controller().unwrap().name, "d-5f9");
    }

    #[test]
    fn a_manifest_has_no_state() {
        let object = StackObject::from_json(&json!({"kind": "StatefulSet",
            "metadata": {"name": "s"}, "spec": {"template": {}}}));
        assert_eq!(object.state, ObjectState::Unreported);
        assert_eq!(object.namespace, "");
    }
}
