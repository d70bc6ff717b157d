//! What the simulator records of changes, as real kubectl reads it back: managedFields
//! entries per writer (manager, operation, subresource) with the time of their latest write,
//! for kubectl's own writes, server-side apply, the controllers' ReplicaSets and pods, and
//! the demo's Helm release Secrets. An incident timeline reads "what changed when" from them.
//!
//! Run: `cargo test --test kubectl_changes -- --test-threads=2`.

mod support;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use support::{Sim, SimOptions, wait_until};

const NS: &str = "changes";

/// The managedFields entry of `manager` (and `subresource`), panicking with all of them.
#[track_caller]
fn entry<'a>(obj: &'a Value, manager: &str, subresource: Option<&str>) -> &'a Value {
    let entries = obj["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields");
    entries
        .iter()
        .find(|e| e["manager"] == manager && e["subresource"].as_str() == subresource)
        .unwrap_or_else(|| panic!("no {manager} {subresource:?} entry in {entries:#?}"))
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

fn get(sim: &Sim, what: &[&str]) -> Value {
    let mut args = vec!["get"];
    args.extend(what);
    args.extend(["-n", NS, "--show-managed-fields"]);
    sim.json(&args)
}

#[test]
fn every_write_is_recorded_by_its_manager_with_its_time() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    sim.namespace(NS);
    // managedFields times have whole seconds.
    let start = Utc::now().trunc_subsecs(0);
    sim.kubectl(&["create", "deployment", "web", "--image=nginx:1", "-n", NS])
        .ok();
    sim.kubectl(&[
        "create",
        "configmap",
        "cfg",
        "--from-literal=mode=a",
        "-n",
        NS,
    ])
    .ok();
    wait_until("the first ReplicaSet", Duration::from_secs(30), || {
        let list = get(&sim, &["rs"]);
        match list["items"].as_array().map(Vec::len) {
            Some(1) => Ok(()),
            _ => Err(list.to_string()),
        }
    });
    std::thread::sleep(Duration::from_millis(1100));
    let before_change = Utc::now().trunc_subsecs(0);
    sim.kubectl(&["set", "image", "deployment/web", "nginx=nginx:2", "-n", NS])
        .ok();
    sim.kubectl(&["scale", "deployment/web", "--replicas=2", "-n", NS])
        .ok();
    sim.kubectl(&[
        "patch",
        "configmap",
        "cfg",
        "-n",
        NS,
        "-p",
        r#"{"data":{"mode":"b"}}"#,
    ])
    .ok();
    sim.kubectl_with(
        &["apply", "--server-side", "-n", NS, "-f", "-"],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {k: v}\n"),
        Duration::from_secs(30),
    )
    .ok();

    let deploy = get(&sim, &["deployment", "web"]);
    let created = entry(&deploy, "kubectl-create", None);
    assert_eq!(created["operation"], "Update");
    assert!(time(&created["time"]) >= start, "{created}");
    let set = entry(&deploy, "kubectl-set", None);
    assert!(time(&set["time"]) >= before_change, "{set}");
    // A strategic-merge directive is no field.
    assert!(
        !set["fieldsV1"].to_string().contains("$setElementOrder"),
        "{set}"
    );
    let scaled = entry(&deploy, "kubectl", Some("scale"));
    assert_eq!(
        scaled["fieldsV1"],
        serde_json::json!({"f:spec": {"f:replicas": {}}})
    );

    // The template change made a second ReplicaSet, written by the controller manager then.
    let sets = wait_until("the new ReplicaSet", Duration::from_secs(30), || {
        let list = get(&sim, &["rs"]);
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if items.len() == 2 {
            Ok(items)
        } else {
            Err(list.to_string())
        }
    });
    let newest = sets
        .iter()
        .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2")
        .expect("a ReplicaSet of nginx:2");
    let made = entry(newest, "kube-controller-manager", None);
    assert_eq!(made["operation"], "Update");
    assert!(time(&made["time"]) >= before_change, "{made}");
    assert!(
        time(&newest["metadata"]["creationTimestamp"]) >= before_change,
        "{newest}"
    );

    // Pods: made by the controller manager, their status reported by the kubelet.
    let pod = wait_until("a pod with status", Duration::from_secs(30), || {
        let list = get(&sim, &["pods"]);
        list["items"]
            .as_array()
            .and_then(|items| {
                items.iter().find(|p| {
                    p["metadata"]["managedFields"]
                        .as_array()
                        .is_some_and(|e| e.iter().any(|e| e["manager"] == "kubelet"))
                })
            })
            .cloned()
            .ok_or_else(|| list.to_string())
    });
    entry(&pod, "kube-controller-manager", None);
    let status = entry(&pod, "kubelet", Some("status"));
    assert!(status["fieldsV1"]["f:status"].is_object(), "{status}");

    let cfg = get(&sim, &["configmap", "cfg"]);
    assert!(time(&entry(&cfg, "kubectl-create", None)["time"]) >= start);
    let patched = entry(&cfg, "kubectl-patch", None);
    assert!(time(&patched["time"]) >= before_change, "{patched}");
    let applied = get(&sim, &["configmap", "applied"]);
    assert_eq!(entry(&applied, "kubectl", None)["operation"], "Apply");
}

#[test]
fn the_demos_release_secrets_carry_helms_writes_at_their_times() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let list = sim.json(&[
        "get",
        "secrets",
        "-n",
        "bi",
        "-l",
        "owner=helm,name=superset",
        "--show-managed-fields",
    ]);
    let items = list["items"].as_array().expect("items");
    assert!(items.len() >= 2, "{list}");
    for secret in items {
        let helm = entry(secret, "helm", None);
        let labels = &secret["metadata"]["labels"];
        // Written when the revision was made, or rewritten when the next one superseded it.
        let want = match labels["modifiedAt"].as_str() {
            Some(secs) => DateTime::from_timestamp(secs.parse().unwrap(), 0).unwrap(),
            None => time(&secret["metadata"]["creationTimestamp"]),
        };
        assert_eq!(time(&helm["time"]), want, "{secret}");
    }
}
