//! What a run's pod tells the tool that launched it: its phase and its container's times.
//! Both stand-ins follow their runs this way (Airflow's task tries, Airbyte's sync attempts);
//! each names the phases in its own words.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::http::SimState;
use crate::resources::ResKey;
use crate::store::{Obj, parse_kube_time};

/// A pod's phase as the kubelet reports it; anything else (or none yet) is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

/// A run pod's phase and its (first) container's start and end.
pub(crate) struct PodProgress {
    pub phase: Phase,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// The progress of a run from its pod. A pod that is gone failed: both tools report a pod
/// they lost as a failed run.
pub(crate) fn progress(pod: Option<&Value>) -> PodProgress {
    let Some(pod) = pod else {
        return PodProgress {
            phase: Phase::Failed,
            start: None,
            end: None,
        };
    };
    let status = &pod["status"];
    let phase = match status["phase"].as_str() {
        Some("Running") => Phase::Running,
        Some("Succeeded") => Phase::Succeeded,
        Some("Failed") => Phase::Failed,
        _ => Phase::Pending,
    };
    // The container's current state (running or terminated) carries its times.
    let times = |key: &str| {
        status["containerStatuses"][0]["state"]
            .as_object()
            .and_then(|st| st.values().next())
            .and_then(|v| parse_kube_time(&v[key]))
    };
    PodProgress {
        phase,
        start: times("startedAt"),
        end: times("finishedAt"),
    }
}

/// The pods in `namespace` that `wanted` picks: a tool's run pods, read each time it answers
/// (a run goes with its pods).
pub(crate) fn list(state: &SimState, namespace: &str, wanted: &dyn Fn(&Value) -> bool) -> Vec<Obj> {
    state
        .store
        .list(&ResKey::new("", "pods"), Some(namespace), wanted, None, 0)
        .items
}

/// When the pod was made (the tool launched the run), if it says.
pub(crate) fn created(pod: &Value) -> Option<DateTime<Utc>> {
    parse_kube_time(&pod["metadata"]["creationTimestamp"])
}

/// What the stand-ins' unit tests share: a cluster with a tool's namespace, and statuses as
/// the kubelet writes them.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};
    use serde_json::{Value, json};

    use crate::http::SimState;
    use crate::resources::ResKey;

    /// A status as the kubelet writes it: `phase`, and the container's times when it ran (30 s
    /// when it ended with `code`).
    pub fn status(phase: &str, started: DateTime<Utc>, code: Option<i32>) -> Value {
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let state = match code {
            None => json!({"running": {"startedAt": at(started)}}),
            Some(c) => json!({"terminated": {"startedAt": at(started),
                "finishedAt": at(started + Duration::seconds(30)), "exitCode": c}}),
        };
        json!({"phase": phase, "containerStatuses": [{"name": "base", "state": state}]})
    }

    /// A cluster with `namespace`, where a tool's pods go.
    pub fn with_namespace(namespace: &str) -> Arc<SimState> {
        let state = Arc::new(SimState::new());
        let info = state
            .by_kind("v1", "Namespace")
            .expect("namespaces are built in");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
        state
            .create_object(&info, ns)
            .expect("the namespace is stored");
        state
    }

    /// `pod` (as a generator made it) in the store with `status`; returns it as stored.
    pub fn put(state: &SimState, mut pod: Value, status: Value) -> Value {
        pod["status"] = status;
        let info = state.by_kind("v1", "Pod").expect("pods are built in");
        let created = state.create_object(&info, pod).expect("the pod is stored");
        (*created).clone()
    }

    /// The stored `pod` with a new `status`, as the kubelet moves it along.
    pub fn set_status(state: &SimState, pod: &Value, status: Value) {
        let mut pod = pod.clone();
        pod["status"] = status;
        state
            .store
            .update(&ResKey::new("", "pods"), pod, None)
            .expect("the pod is updated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phases_and_times_come_from_the_status() {
        let pod = json!({"status": {"phase": "Succeeded", "containerStatuses": [{"state":
            {"terminated": {"startedAt": "2026-01-02T03:04:05Z", "finishedAt": "2026-01-02T03:05:00Z"}}}]}});
        let p = progress(Some(&pod));
        assert_eq!(p.phase, Phase::Succeeded);
        assert_eq!(p.start.map(|t| t.timestamp()), Some(1_767_323_045));
        assert_eq!(p.end.map(|t| t.timestamp()), Some(1_767_323_100));
        let running = json!({"status": {"phase": "Running", "containerStatuses": [{"state":
            {"running": {"startedAt": "2026-01-02T03:04:05Z"}}}]}});
        let p = progress(Some(&running));
        assert_eq!((p.phase, p.end), (Phase::Running, None));
        assert!(p.start.is_some());
        assert_eq!(progress(Some(&json!({}))).phase, Phase::Pending);
        assert_eq!(progress(None).phase, Phase::Failed);
    }
}
