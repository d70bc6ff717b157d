//! Size filler for benchmarks (`--pods N`): N bare pods already Running and Ready, spread over
//! `bench-<k>` namespaces of 1000 pods each. Built directly as JSON (no YAML per pod) so that
//! 50 000 pods cost well under a second.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::cluster::{NODES, namespace};
use super::meta::kube_time;
use super::status::{Placement, running};
use crate::script::SCRIPT_ANNOTATION;

pub const PODS_PER_NAMESPACE: usize = 1000;

/// The (namespace, name) of bench pod number `i`.
pub fn pod_key(i: usize) -> (String, String) {
    (
        format!("bench-{}", i / PODS_PER_NAMESPACE),
        format!("bench-pod-{i:06}"),
    )
}

/// The namespaces (first) and pods of `count` benchmark pods.
pub fn objects(count: usize, now: DateTime<Utc>) -> Vec<Value> {
    let namespaces = count.div_ceil(PODS_PER_NAMESPACE);
    let mut out = Vec::with_capacity(count + namespaces);
    let created = now - Duration::hours(3);
    for k in 0..namespaces {
        out.push(namespace(&format!("bench-{k}"), created));
    }
    let at = kube_time(created);
    for i in 0..count {
        let node = &NODES[i % NODES.len()];
        // Addresses from a /14 pod range so that every pod has its own.
        let pod_ip = format!(
            "10.{}.{}.{}",
            244 + ((i >> 16) & 3),
            (i >> 8) & 255,
            i & 255
        );
        let (namespace, name) = pod_key(i);
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "creationTimestamp": at,
                "labels": {"app.kubernetes.io/name": "bench", "app.kubernetes.io/part-of": "strata-bench"},
                // Born running; only the churn (when asked for) writes their status, so the
                // first change of one is a status change like any other.
                "annotations": {SCRIPT_ANNOTATION: "external"},
            },
            "spec": {
                "nodeName": node.name,
                "restartPolicy": "Always",
                "containers": [{
                    "name": "app",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }],
            },
        });
        pod["status"] = running(
            &pod,
            &Placement {
                host_ip: node.ip,
                pod_ip: &pod_ip,
            },
            created + Duration::seconds(4),
        );
        out.push(pod);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_namespaces_are_exact() {
        let objs = objects(2_500, Utc::now());
        let pods: Vec<&Value> = objs.iter().filter(|o| o["kind"] == "Pod").collect();
        let nss: Vec<&str> = objs
            .iter()
            .filter(|o| o["kind"] == "Namespace")
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(pods.len(), 2_500);
        assert_eq!(nss, ["bench-0", "bench-1", "bench-2"]);
        let last = pods.last().unwrap();
        assert_eq!(last["metadata"]["namespace"], "bench-2");
        assert_eq!(last["status"]["phase"], "Running");
        assert_eq!(last["status"]["containerStatuses"][0]["ready"], true);
        assert_eq!(
            (
                last["metadata"]["namespace"].as_str().unwrap().to_string(),
                last["metadata"]["name"].as_str().unwrap().to_string()
            ),
            pod_key(2_499)
        );
        assert!(last["status"]["podIP"].is_string() && last["spec"]["nodeName"].is_string());
        let mut ips: Vec<&str> = pods
            .iter()
            .map(|p| p["status"]["podIP"].as_str().unwrap())
            .collect();
        ips.sort_unstable();
        ips.dedup();
        assert_eq!(ips.len(), 2_500, "pod IPs are unique");
        assert!(objects(0, Utc::now()).is_empty());
    }
}
