//! The pod row the cockpit keeps: READY, STATUS and RESTARTS computed the way `kubectl get pods`
//! computes them (kubectl's `printPod`), so operators see the words they already know.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// Identity of a pod; the order (namespace, then name) is the table's order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodKey {
    pub namespace: String,
    pub name: String,
}

impl PodKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        PodKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// What the STATUS word means for an operator; the theme colours by this, not by the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodHealth {
    /// Running with every container ready.
    Running,
    /// Ran to completion.
    Completed,
    /// Scheduling, pulling, initializing: not wrong yet.
    Pending,
    /// Running but not all containers ready.
    Degraded,
    /// Crashing, failed, evicted, cannot pull: needs someone.
    Failed,
    Terminating,
    Unknown,
}

impl PodHealth {
    /// Classifies a kubectl STATUS word.
    pub fn of_status(status: &str, ready: u32, total: u32) -> PodHealth {
        match status {
            "Running" if ready == total => PodHealth::Running,
            "Running" | "NotReady" => PodHealth::Degraded,
            "Completed" | "Succeeded" => PodHealth::Completed,
            "Terminating" => PodHealth::Terminating,
            "Unknown" | "" => PodHealth::Unknown,
            "Pending" | "ContainerCreating" | "PodInitializing" | "SchedulingGated" => {
                PodHealth::Pending
            }
            // `Init:1/3` is progress; `Init:CrashLoopBackOff` or `Init:Error` is not.
            init if init
                .strip_prefix("Init:")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                PodHealth::Pending
            }
            _ => PodHealth::Failed,
        }
    }
}

/// One row of the pods table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInfo {
    pub key: PodKey,
    pub ready: u32,
    pub total: u32,
    /// kubectl's STATUS column (`Running`, `CrashLoopBackOff`, `Init:0/2`, `Terminating`…).
    pub status: String,
    pub health: PodHealth,
    pub restarts: u32,
    /// When a container last terminated before its restart (kubectl's "(5m ago)").
    pub last_restart: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
}

/// kubectl's reason when the node of a deleted pod stopped answering.
const NODE_LOST: &str = "NodeLost";

impl PodInfo {
    pub fn from_pod(pod: &Pod) -> PodInfo {
        let meta = &pod.metadata;
        let key = PodKey::new(
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        );
        let empty_containers: Vec<Container> = Vec::new();
        let (containers, init_containers) = match &pod.spec {
            Some(spec) => (
                &spec.containers,
                spec.init_containers.as_ref().unwrap_or(&empty_containers),
            ),
            None => (&empty_containers, &empty_containers),
        };
        let no_statuses: Vec<ContainerStatus> = Vec::new();
        let status = pod.status.as_ref();
        let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
        let pod_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or("");
        let conditions = status.and_then(|s| s.conditions.as_ref());
        let condition_true = |kind: &str| {
            conditions.is_some_and(|all| all.iter().any(|c| c.type_ == kind && c.status == "True"))
        };
        let init_statuses = status
            .and_then(|s| s.init_container_statuses.as_ref())
            .unwrap_or(&no_statuses);
        let statuses = status
            .and_then(|s| s.container_statuses.as_ref())
            .unwrap_or(&no_statuses);

        let is_sidecar = |name: &str| {
            init_containers
                .iter()
                .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
        };
        let mut total = containers.len() as u32
            + init_containers
                .iter()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"))
                .count() as u32;
        let mut ready = 0u32;
        let mut restarts = 0u32;
        let mut last_restart: Option<DateTime<Utc>> = None;
        let mut sidecar_restarts = 0u32;
        let mut sidecar_last_restart: Option<DateTime<Utc>> = None;

        let mut reason = if pod_reason.is_empty() {
            phase.to_string()
        } else {
            pod_reason.to_string()
        };
        if conditions.is_some_and(|all| {
            all.iter().any(|c| {
                c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated")
            })
        }) {
            reason = "SchedulingGated".to_string();
        }

        let mut initializing = false;
        for (index, container) in init_statuses.iter().enumerate() {
            let count = container.restart_count.max(0) as u32;
            restarts += count;
            let finished = last_termination(container);
            last_restart = later(last_restart, finished);
            let sidecar = is_sidecar(&container.name);
            if sidecar {
                sidecar_restarts += count;
                sidecar_last_restart = later(sidecar_last_restart, finished);
            }
            let state = container.state.as_ref();
            let terminated = state.and_then(|s| s.terminated.as_ref());
            let waiting = state.and_then(|s| s.waiting.as_ref());
            if terminated.is_some_and(|t| t.exit_code == 0) {
                continue;
            }
            if sidecar && container.started == Some(true) {
                if container.ready {
                    ready += 1;
                }
                continue;
            }
            if let Some(terminated) = terminated {
                reason = match terminated.reason.as_deref() {
                    Some(why) if !why.is_empty() => format!("Init:{why}"),
                    _ => match terminated.signal {
                        Some(signal) if signal != 0 => format!("Init:Signal:{signal}"),
                        _ => format!("Init:ExitCode:{}", terminated.exit_code),
                    },
                };
            } else if let Some(why) = waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|why| !why.is_empty() && *why != "PodInitializing")
            {
                reason = format!("Init:{why}");
            } else {
                reason = format!("Init:{index}/{}", init_containers.len());
            }
            initializing = true;
            break;
        }

        if !initializing || condition_true("Initialized") {
            restarts = sidecar_restarts;
            last_restart = sidecar_last_restart;
            let mut has_running = false;
            // kubectl walks the containers backwards so that the first container's state
            // decides the reason when several are unhappy.
            for container in statuses.iter().rev() {
                restarts += container.restart_count.max(0) as u32;
                last_restart = later(last_restart, last_termination(container));
                let state = container.state.as_ref();
                let terminated = state.and_then(|s| s.terminated.as_ref());
                let waiting_reason = state
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    .filter(|why| !why.is_empty());
                if let Some(why) = waiting_reason {
                    reason = why.to_string();
                } else if let Some(terminated) = terminated {
                    reason = match terminated.reason.as_deref() {
                        Some(why) if !why.is_empty() => why.to_string(),
                        _ => match terminated.signal {
                            Some(signal) if signal != 0 => format!("Signal:{signal}"),
                            _ => format!("ExitCode:{}", terminated.exit_code),
                        },
                    };
                } else if container.ready && state.is_some_and(|s| s.running.is_some()) {
                    has_running = true;
                    ready += 1;
                }
            }
            // A finished container next to one still running does not make the pod done.
            if reason == "Completed" && has_running {
                reason = if condition_true("Ready") {
                    "Running".to_string()
                } else {
                    "NotReady".to_string()
                };
            }
        }

        if meta.deletion_timestamp.is_some() {
            if pod_reason == NODE_LOST {
                reason = "Unknown".to_string();
            } else if phase != "Succeeded" && phase != "Failed" {
                reason = "Terminating".to_string();
            }
        }

        // Pods from a partial status can report more ready containers than the spec lists.
        total = total.max(ready);
        let health = PodHealth::of_status(&reason, ready, total);
        PodInfo {
            key,
            ready,
            total,
            status: reason,
            health,
            restarts,
            last_restart,
            created: meta.creation_timestamp.as_ref().and_then(to_utc),
        }
    }
}

fn last_termination(container: &ContainerStatus) -> Option<DateTime<Utc>> {
    container
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .and_then(to_utc)
}

fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) fn to_utc(time: &Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(time.0.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> PodInfo {
        let mut base = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "main"}]},
        });
        merge(&mut base, value);
        PodInfo::from_pod(&serde_json::from_value(base).unwrap())
    }

    fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
        match (base, patch) {
            (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
                for (k, v) in p {
                    merge(b.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
            (b, p) => *b = p,
        }
    }

    fn running(name: &str, ready: bool, restarts: i32) -> serde_json::Value {
        json!({"name": name, "ready": ready, "restartCount": restarts, "image": "", "imageID": "",
               "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}})
    }

    #[test]
    fn running_and_ready() {
        let info = pod(
            json!({"status": {"phase": "Running", "containerStatuses": [running("main", true, 0)]}}),
        );
        assert_eq!(
            (info.status.as_str(), info.ready, info.total),
            ("Running", 1, 1)
        );
        assert_eq!(info.health, PodHealth::Running);
        assert_eq!(info.key, PodKey::new("ns", "p"));
        assert!(info.created.is_some());
    }

    #[test]
    fn running_but_not_ready_is_degraded() {
        let info = pod(
            json!({"status": {"phase": "Running", "containerStatuses": [running("main", false, 0)]}}),
        );
        assert_eq!((info.status.as_str(), info.ready), ("Running", 0));
        assert_eq!(info.health, PodHealth::Degraded);
    }

    #[test]
    fn crash_loop_shows_the_waiting_reason_and_restarts() {
        let info = pod(
            json!({"status": {"phase": "Running", "containerStatuses": [{
                "name": "main", "ready": false, "restartCount": 7, "image": "", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-01-01T01:00:00Z"}}
            }]}}),
        );
        assert_eq!(info.status, "CrashLoopBackOff");
        assert_eq!(info.restarts, 7);
        assert_eq!(info.health, PodHealth::Failed);
        assert_eq!(
            info.last_restart.unwrap().to_rfc3339(),
            "2026-01-01T01:00:00+00:00"
        );
    }

    #[test]
    fn completed_job_pod() {
        let info = pod(
            json!({"status": {"phase": "Succeeded", "containerStatuses": [{
                "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}
            }]}}),
        );
        assert_eq!((info.status.as_str(), info.ready), ("Completed", 0));
        assert_eq!(info.health, PodHealth::Completed);
    }

    #[test]
    fn terminated_without_reason_shows_the_exit_code_or_signal() {
        let exit = pod(json!({"status": {"phase": "Failed", "containerStatuses": [{
            "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
            "state": {"terminated": {"exitCode": 3}}}]}}));
        assert_eq!(exit.status, "ExitCode:3");
        let signal = pod(json!({"status": {"phase": "Failed", "containerStatuses": [{
            "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
            "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}}));
        assert_eq!(signal.status, "Signal:9");
        assert_eq!(signal.health, PodHealth::Failed);
    }

    #[test]
    fn pending_pod_uses_the_phase() {
        let info = pod(json!({"status": {"phase": "Pending"}}));
        assert_eq!(
            (info.status.as_str(), info.health),
            ("Pending", PodHealth::Pending)
        );
        let creating = pod(
            json!({"status": {"phase": "Pending", "containerStatuses": [{
            "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
            "state": {"waiting": {"reason": "ContainerCreating"}}}]}}),
        );
        assert_eq!(creating.health, PodHealth::Pending);
    }

    #[test]
    fn init_containers_show_progress_then_failure() {
        let spec = json!({"spec": {"initContainers": [{"name": "a"}, {"name": "b"}]}});
        let mut progress = spec.clone();
        merge(
            &mut progress,
            json!({"status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": false, "restartCount": 0, "image": "", "imageID": "",
             "state": {"running": {}}}]}}),
        );
        let info = pod(progress);
        assert_eq!(
            (info.status.as_str(), info.health),
            ("Init:1/2", PodHealth::Pending)
        );

        let mut failed = spec;
        merge(
            &mut failed,
            json!({"status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "a", "ready": false, "restartCount": 2, "image": "", "imageID": "",
             "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
        );
        let info = pod(failed);
        assert_eq!(
            (info.status.as_str(), info.restarts),
            ("Init:CrashLoopBackOff", 2)
        );
        assert_eq!(info.health, PodHealth::Failed);
    }

    #[test]
    fn sidecars_count_towards_ready() {
        let info = pod(json!({
            "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true, "restartCount": 1,
                    "image": "", "imageID": "", "state": {"running": {}}}],
                "containerStatuses": [running("main", true, 2)]}
        }));
        assert_eq!((info.ready, info.total, info.restarts), (2, 2, 3));
        assert_eq!(info.status, "Running");
    }

    #[test]
    fn a_finished_container_beside_a_running_one_is_not_completed() {
        let info = pod(json!({
            "spec": {"containers": [{"name": "main"}, {"name": "side"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [
                    running("main", true, 0),
                    {"name": "side", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
        }));
        assert_eq!(info.status, "NotReady");
        assert_eq!(info.health, PodHealth::Degraded);
    }

    #[test]
    fn deletion_marks_terminating_unless_finished_or_node_lost() {
        let terminating = pod(
            json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"phase": "Running", "containerStatuses": [running("main", true, 0)]}}),
        );
        assert_eq!(terminating.status, "Terminating");
        assert_eq!(terminating.health, PodHealth::Terminating);
        let lost = pod(
            json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"phase": "Running", "reason": "NodeLost"}}),
        );
        assert_eq!(lost.status, "Unknown");
        let done = pod(
            json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"phase": "Succeeded"}}),
        );
        assert_eq!(done.status, "Succeeded");
    }

    #[test]
    fn evicted_pods_show_the_pod_reason() {
        let info = pod(json!({"status": {"phase": "Failed", "reason": "Evicted"}}));
        assert_eq!(
            (info.status.as_str(), info.health),
            ("Evicted", PodHealth::Failed)
        );
    }

    #[test]
    fn a_pod_without_spec_or_status_does_not_panic() {
        let info = PodInfo::from_pod(&Pod::default());
        assert_eq!((info.ready, info.total, info.status.as_str()), (0, 0, ""));
    }
}
