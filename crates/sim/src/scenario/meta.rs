//! Object-level edits the scenario builders share: metadata maps, pod templates and their
//! script annotation, timestamps as Kubernetes writes them, and stable pseudo-random ids.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::ids;
use crate::script::SCRIPT_ANNOTATION;

/// A `metav1.Time` string: RFC 3339 in UTC with whole seconds, as the API server writes it.
pub use crate::store::kube_time;

pub fn kind(obj: &Value) -> &str {
    obj["kind"].as_str().unwrap_or_default()
}

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

/// The object map under `key`, created (or replacing a `null`/scalar, as charts render
/// `annotations:` with nothing after it) when missing.
pub fn object_at<'a>(v: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    let parent = as_object(v);
    let slot = parent
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    as_object(slot)
}

fn as_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(map) => map,
        _ => unreachable!("the value was made an object just above"),
    }
}

pub fn set_label(obj: &mut Value, key: &str, value: &str) {
    object_at(object_at_value(obj, "metadata"), "labels").insert(key.into(), value.into());
}

pub fn set_annotation(obj: &mut Value, key: &str, value: &str) {
    object_at(object_at_value(obj, "metadata"), "annotations").insert(key.into(), value.into());
}

/// Like [`object_at`] but hands back the `Value`, to chain further `object_at` calls.
fn object_at_value<'a>(v: &'a mut Value, key: &str) -> &'a mut Value {
    object_at(v, key);
    &mut v[key]
}

pub fn set_creation(obj: &mut Value, at: DateTime<Utc>) {
    object_at(obj, "metadata").insert("creationTimestamp".into(), kube_time(at).into());
}

/// The pod template of a workload (`spec.template`, or the Job template's for CronJobs).
pub fn pod_template_mut(obj: &mut Value) -> Option<&mut Value> {
    match kind(obj) {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some(&mut obj["spec"]["template"])
        }
        "CronJob" => Some(&mut obj["spec"]["jobTemplate"]["spec"]["template"]),
        _ => None,
    }
}

/// Puts the simulator's pod script on a workload's pod template (the controllers copy it to
/// the pods they make) or on a bare pod.
pub fn set_script(obj: &mut Value, script: &str) {
    if kind(obj) == "Pod" {
        set_annotation(obj, SCRIPT_ANNOTATION, script);
    } else if let Some(template) = pod_template_mut(obj) {
        set_annotation(template, SCRIPT_ANNOTATION, script);
    }
}

/// Kinds without a namespace; an API server drops `metadata.namespace` on them, which
/// `helm template` output sometimes carries.
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "StorageClass"
            | "PriorityClass"
            | "IngressClass"
    )
}

/// FNV-1a over the parts (each ended by 0xff): a stable hash so names, delays and ids are
/// the same on every run of the demo.
pub fn stable_hash(parts: &[&str]) -> u64 {
    parts.iter().fold(ids::fnv1a([]), |h, part| {
        ids::fnv1a_from(h, part.bytes().chain([0xff]))
    })
}

pub use crate::ids::{alnum_id, hex_id, mix, uuid};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_tolerate_null_maps_from_charts() {
        let mut d = json!({"kind": "Deployment", "metadata": {"name": "x", "annotations": null},
            "spec": {"template": {"metadata": {"labels": {"a": "b"}}}}});
        set_annotation(&mut d, "k", "v");
        set_label(&mut d, "l", "w");
        set_script(&mut d, "crashloop=10s");
        assert_eq!(d["metadata"]["annotations"]["k"], "v");
        assert_eq!(d["metadata"]["labels"]["l"], "w");
        assert_eq!(
            d["spec"]["template"]["metadata"]["annotations"][SCRIPT_ANNOTATION],
            "crashloop=10s"
        );
        assert_eq!(d["spec"]["template"]["metadata"]["labels"]["a"], "b");
    }

    #[test]
    fn ids_are_stable_and_well_formed() {
        assert_eq!(hex_id(7, 20), hex_id(7, 20));
        assert_ne!(hex_id(7, 20), hex_id(8, 20));
        assert_eq!(hex_id(1, 40).len(), 40);
        let u = uuid(42);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(
            alnum_id(3, 8)
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }
}
