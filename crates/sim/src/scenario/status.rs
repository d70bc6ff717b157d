//! Pod status blocks for pods the scenario emits already settled (benchmark pods that are
//! Running, a hook pod that completed, the demo's finished runs), in the shape the kubelet
//! reports them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::meta::{hex_id, kube_time, stable_hash};

/// Where a pod runs.
pub struct Placement<'a> {
    pub host_ip: &'a str,
    pub pod_ip: &'a str,
}

/// The image reference as the kubelet reports it (registry and `library/` filled in).
fn normalized_image(image: &str) -> String {
    let first = image.split('/').next().unwrap_or_default();
    if !image.contains('/') {
        format!("docker.io/library/{image}")
    } else if !first.contains('.') && !first.contains(':') && first != "localhost" {
        format!("docker.io/{image}")
    } else {
        image.to_string()
    }
}

fn image_id(image: &str) -> String {
    let repo = normalized_image(image);
    let repo = repo.rsplit_once(':').map(|(r, _)| r).unwrap_or(&repo);
    format!("{repo}@sha256:{}", hex_id(stable_hash(&[image]), 64))
}

fn conditions(ready: bool, reason: Option<&str>, at: &str) -> Value {
    let cond = |t: &str, ok: bool| {
        let mut c = json!({"type": t, "status": if ok { "True" } else { "False" },
            "lastProbeTime": null, "lastTransitionTime": at});
        if let (false, Some(r)) = (ok, reason) {
            c["reason"] = json!(r);
        }
        c
    };
    json!([
        cond("PodReadyToStartContainers", ready),
        cond("Initialized", true),
        cond("Ready", ready),
        cond("ContainersReady", ready),
        cond("PodScheduled", true),
    ])
}

/// Status of a pod whose containers all run and are ready.
pub fn running(pod: &Value, at: &Placement<'_>, started: DateTime<Utc>) -> Value {
    let since = kube_time(started);
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let statuses: Vec<Value> = containers(pod)
        .map(|(name, image)| {
            json!({
                "name": name,
                "state": {"running": {"startedAt": since}},
                "lastState": {},
                "ready": true,
                "restartCount": 0,
                "image": normalized_image(image),
                "imageID": image_id(image),
                "containerID": format!("containerd://{}", hex_id(stable_hash(&[pod_name, name]), 64)),
                "started": true,
            })
        })
        .collect();
    json!({
        "phase": "Running",
        "conditions": conditions(true, None, &since),
        "hostIP": at.host_ip,
        "hostIPs": [{"ip": at.host_ip}],
        "podIP": at.pod_ip,
        "podIPs": [{"ip": at.pod_ip}],
        "startTime": since,
        "containerStatuses": statuses,
        "qosClass": qos_class(pod),
    })
}

/// Status of a pod whose containers all exited 0 (`Completed`).
pub fn succeeded(
    pod: &Value,
    at: &Placement<'_>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
) -> Value {
    terminated(pod, at, started, started, finished, 0)
}

/// Status of a pod scheduled at `scheduled` whose init containers ran until `started`, and
/// whose containers then ran and exited with `code` at `finished`: `Succeeded` with
/// `Completed` containers for 0, else `Failed` with `Error`.
pub fn terminated(
    pod: &Value,
    at: &Placement<'_>,
    scheduled: DateTime<Utc>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    code: i32,
) -> Value {
    let scheduled_at = kube_time(scheduled);
    let since = kube_time(started);
    let until = kube_time(finished);
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let reason = if code == 0 { "Completed" } else { "Error" };
    let statuses: Vec<Value> = containers(pod)
        .map(|(name, image)| {
            let id = format!(
                "containerd://{}",
                hex_id(stable_hash(&[pod_name, name]), 64)
            );
            json!({
                "name": name,
                "state": {"terminated": {"exitCode": code, "reason": reason,
                    "startedAt": since, "finishedAt": until, "containerID": id}},
                "lastState": {},
                "ready": false,
                "restartCount": 0,
                "image": normalized_image(image),
                "imageID": image_id(image),
                "containerID": id,
                "started": false,
            })
        })
        .collect();
    let mut status = json!({
        "phase": if code == 0 { "Succeeded" } else { "Failed" },
        "conditions": conditions(false, Some(if code == 0 { "PodCompleted" } else { "PodFailed" }), &until),
        "hostIP": at.host_ip,
        "hostIPs": [{"ip": at.host_ip}],
        "podIP": at.pod_ip,
        "podIPs": [{"ip": at.pod_ip}],
        "startTime": scheduled_at,
        "containerStatuses": statuses,
        "qosClass": qos_class(pod),
    });
    let init: Vec<Value> = init_containers(pod)
        .map(|(name, image)| {
            let id = format!(
                "containerd://{}",
                hex_id(stable_hash(&[pod_name, name, "init"]), 64)
            );
            json!({
                "name": name,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": scheduled_at, "finishedAt": since, "containerID": id}},
                "lastState": {},
                "ready": true,
                "restartCount": 0,
                "image": normalized_image(image),
                "imageID": image_id(image),
                "containerID": id,
                "started": false,
            })
        })
        .collect();
    if !init.is_empty() {
        status["initContainerStatuses"] = json!(init);
    }
    status
}

fn init_containers(pod: &Value) -> impl Iterator<Item = (&str, &str)> {
    named_images(&pod["spec"]["initContainers"])
}

fn containers(pod: &Value) -> impl Iterator<Item = (&str, &str)> {
    named_images(&pod["spec"]["containers"])
}

fn named_images(list: &Value) -> impl Iterator<Item = (&str, &str)> {
    list.as_array().into_iter().flatten().map(|c| {
        (
            c["name"].as_str().unwrap_or_default(),
            c["image"].as_str().unwrap_or_default(),
        )
    })
}

/// BestEffort without requests or limits, Guaranteed when every container's limits equal its
/// requests, Burstable otherwise (the kubelet's rule, for cpu and memory).
fn qos_class(pod: &Value) -> &'static str {
    let cs: Vec<&Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let empty = |v: &Value| v.as_object().is_none_or(|m| m.is_empty());
    if cs
        .iter()
        .all(|c| empty(&c["resources"]["requests"]) && empty(&c["resources"]["limits"]))
    {
        return "BestEffort";
    }
    let guaranteed = cs.iter().all(|c| {
        let l = &c["resources"]["limits"];
        let r = &c["resources"]["requests"];
        ["cpu", "memory"]
            .iter()
            .all(|k| l[k].is_string() && (r[k].is_null() || r[k] == l[k]))
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_normalize_like_the_kubelet() {
        assert_eq!(normalized_image("redis:7"), "docker.io/library/redis:7");
        assert_eq!(
            normalized_image("apache/airflow:3.0.2"),
            "docker.io/apache/airflow:3.0.2"
        );
        assert_eq!(
            normalized_image("ghcr.io/dbt-labs/dbt-postgres:1.9.0"),
            "ghcr.io/dbt-labs/dbt-postgres:1.9.0"
        );
        assert!(image_id("redis:7").starts_with("docker.io/library/redis@sha256:"));
    }

    #[test]
    fn qos_follows_resources() {
        let pod = |res: Value| json!({"spec": {"containers": [{"name": "a", "image": "x", "resources": res}]}});
        assert_eq!(qos_class(&pod(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&pod(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&pod(json!({"requests": {"cpu": "1"}}))),
            "Burstable"
        );
    }
}
