//! managedFields: which manager set which fields, as the API server records it for
//! server-side apply (`operation: Apply`) and for writes that name a field manager
//! (`operation: Update`). Field sets are FieldsV1 (`f:name`, `k:{…}` for keyed list items).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// Merge keys of keyed lists, so list items become `k:{"name":"web"}` entries.
fn list_key(field: &str, item: &Value) -> Option<Value> {
    let key = match field {
        "containers" | "initContainers" | "env" | "volumes" | "imagePullSecrets" => "name",
        "ports" if item.get("containerPort").is_some() => {
            return Some(
                json!({"containerPort": item["containerPort"], "protocol": item.get("protocol").cloned().unwrap_or(json!("TCP"))}),
            );
        }
        "ports" => "port",
        "volumeMounts" => "mountPath",
        "conditions" => "type",
        _ => return None,
    };
    item.get(key).map(|v| json!({key: v}))
}

/// The FieldsV1 set of the fields present in `applied`.
pub fn field_set(applied: &Value) -> Value {
    fn walk(v: &Value, field: &str) -> Value {
        let mut out = Map::new();
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if matches!(k.as_str(), "apiVersion" | "kind") && field.is_empty() {
                        continue;
                    }
                    // Strategic-merge directives (`$setElementOrder/containers`, `$patch`,
                    // `$retainKeys`) say how to merge; they are no field of the object.
                    if k.starts_with('$') {
                        continue;
                    }
                    out.insert(format!("f:{k}"), walk(child, k));
                }
            }
            Value::Array(items) => {
                for item in items {
                    if let Some(key) = list_key(field, item) {
                        let mut entry = walk(item, "");
                        if let Some(m) = entry.as_object_mut() {
                            m.insert(".".into(), json!({}));
                        }
                        out.insert(format!("k:{key}"), entry);
                    }
                }
            }
            _ => {}
        }
        Value::Object(out)
    }
    walk(applied, "")
}

/// One write as managedFields records it: who wrote, how (`Update` or `Apply`), through
/// which subresource (`status`, `scale`; `None` for the object itself), and when.
#[derive(Clone, Copy, Debug)]
pub struct Write<'a> {
    pub manager: &'a str,
    pub operation: &'a str,
    pub subresource: Option<&'a str>,
    pub time: DateTime<Utc>,
}

impl<'a> Write<'a> {
    /// A write to the object itself, now.
    pub fn now(manager: &'a str, operation: &'a str) -> Self {
        Write {
            manager,
            operation,
            subresource: None,
            time: Utc::now(),
        }
    }

    /// The same write, through `subresource`.
    pub fn through(self, subresource: Option<&'a str>) -> Self {
        Write {
            subresource,
            ..self
        }
    }
}

/// Records (or replaces) the entry of `manager`/`operation` in `obj`'s managedFields, now.
pub fn record(obj: &mut Value, manager: &str, operation: &str, fields_of: &Value) {
    record_write(obj, Write::now(manager, operation), fields_of);
}

/// Records (or replaces) `write`'s entry in `obj`'s managedFields: one entry per manager,
/// operation and subresource, as the API server keeps them, with the time of its latest
/// change (what an incident timeline reads as "changed at").
pub fn record_write(obj: &mut Value, write: Write, fields_of: &Value) {
    let api_version = obj["apiVersion"].clone();
    let set = match write.subresource {
        // A status writer owns only status; a scale writer only the replica count it set.
        Some("status") if fields_of["status"].is_null() => json!({}),
        Some("status") => field_set(&json!({"status": fields_of["status"]})),
        Some("scale") => json!({"f:spec": {"f:replicas": {}}}),
        _ => {
            let mut set = field_set(fields_of);
            if let Some(m) = set.as_object_mut() {
                // Status and server-set metadata are not the manager's fields.
                m.remove("f:status");
                if let Some(meta) = m.get_mut("f:metadata").and_then(Value::as_object_mut) {
                    for k in [
                        "f:name",
                        "f:namespace",
                        "f:uid",
                        "f:resourceVersion",
                        "f:creationTimestamp",
                        "f:generation",
                        "f:managedFields",
                    ] {
                        meta.remove(k);
                    }
                }
            }
            set
        }
    };
    let mut entry = json!({
        "manager": write.manager, "operation": write.operation, "apiVersion": api_version,
        "time": write.time.to_rfc3339_opts(SecondsFormat::Secs, true),
        "fieldsType": "FieldsV1", "fieldsV1": set,
    });
    if let Some(sub) = write.subresource {
        entry["subresource"] = json!(sub);
    }
    let list = &mut obj["metadata"]["managedFields"];
    if !list.is_array() {
        *list = json!([]);
    }
    if let Some(entries) = list.as_array_mut() {
        let same = |e: &Value| {
            e["manager"] == write.manager
                && e["operation"] == write.operation
                && e["subresource"].as_str() == write.subresource
        };
        // An Update adds to what its manager owned; an Apply owns exactly what it applied.
        if write.operation == "Update"
            && let Some(previous) = entries.iter().find(|e| same(e))
        {
            union(&mut entry["fieldsV1"], &previous["fieldsV1"]);
        }
        entries.retain(|e| !same(e));
        entries.push(entry);
    }
}

/// Gives a scenario object without managedFields the entry its real writer would have left
/// when it was created: Helm for release Secrets and charted objects, the controller manager
/// for owned ones, the kubelet for nodes, `kubectl apply` otherwise. A scenario that wrote
/// its own history (a later edit) keeps it.
pub fn record_seeded(obj: &mut Value) {
    if obj["metadata"]["managedFields"].is_array() {
        return;
    }
    let helm = obj["type"] == "helm.sh/release.v1"
        || obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm";
    let owned = obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["controller"] == true));
    let manager = if helm {
        "helm"
    } else if owned {
        "kube-controller-manager"
    } else if obj["kind"] == "Node" {
        "kubelet"
    } else {
        "kubectl-client-side-apply"
    };
    // Helm rewrites a release Secret when the next revision supersedes it, and stamps that
    // in its `modifiedAt` label (Unix seconds).
    let modified = obj["metadata"]["labels"]["modifiedAt"]
        .as_str()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    let created = obj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let time = modified.or(created).unwrap_or_else(Utc::now);
    let touched = obj.clone();
    record_write(
        obj,
        Write {
            time,
            ..Write::now(manager, "Update")
        },
        &touched,
    );
}

/// Adds the fields of set `other` to set `into`.
fn union(into: &mut Value, other: &Value) {
    let (Some(into), Some(other)) = (into.as_object_mut(), other.as_object()) else {
        return;
    };
    for (k, v) in other {
        match into.get_mut(k) {
            Some(mine) => union(mine, v),
            None => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The parts of `new` that differ from `old`: changed or added fields with their new
/// values, whole lists where a list changed. What a writer that sends whole objects (the
/// simulator's controllers) actually set, for [`record_write`].
pub fn changed(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => Value::Object(
            n.iter()
                .filter(|(k, v)| o.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), changed(o.get(k).unwrap_or(&Value::Null), v)))
                .collect(),
        ),
        _ => new.clone(),
    }
}

/// The field manager of a request: the `fieldManager` query parameter, else what the API
/// server derives from the user agent (`kubectl`, `helm`…).
pub fn manager_of(field_manager: Option<&str>, user_agent: &str) -> Option<String> {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return Some(m.to_string());
    }
    let agent = user_agent.split('/').next().unwrap_or_default().trim();
    (!agent.is_empty()).then(|| agent.to_string())
}

/// Server-side apply's removal: the fields `manager` applied last time but not in `applied`
/// now leave the object, unless another manager also owns them. Without it, an apply of an
/// older manifest (`helm rollback`) keeps what the newer one added, like a template annotation.
pub fn remove_dropped(obj: &mut Value, manager: &str, applied: &Value) {
    let entries = obj["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(previous) = entries
        .iter()
        .find(|e| e["manager"] == manager && e["operation"] == "Apply")
        .map(|e| e["fieldsV1"].clone())
    else {
        return;
    };
    let others: Vec<Value> = entries
        .iter()
        .filter(|e| !(e["manager"] == manager && e["operation"] == "Apply"))
        .map(|e| e["fieldsV1"].clone())
        .collect();
    let now = field_set(applied);
    let others: Vec<&Value> = others.iter().collect();
    drop_unapplied(obj, &previous, &now, &others);
}

/// Walks the previous field set beside the new one; `others` are the other managers' sets at
/// the same place.
fn drop_unapplied(obj: &mut Value, previous: &Value, now: &Value, others: &[&Value]) {
    let Some(previous) = previous.as_object() else {
        return;
    };
    let empty = Value::Object(Map::new());
    for (key, below) in previous {
        if key == "." {
            continue;
        }
        let others_below: Vec<&Value> = others.iter().filter_map(|o| o.get(key)).collect();
        match now.get(key) {
            Some(kept) => {
                if let Some(child) = child_mut(obj, key) {
                    drop_unapplied(child, below, kept, &others_below);
                }
            }
            None if others_below.is_empty() => remove_child(obj, key),
            // Another manager owns part of it: remove only what is this manager's alone.
            None => {
                if let Some(child) = child_mut(obj, key) {
                    drop_unapplied(child, below, &empty, &others_below);
                }
            }
        }
    }
}

/// The value a FieldsV1 key (`f:name`, `k:{…}`) names in `obj`.
fn child_mut<'a>(obj: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    if let Some(name) = key.strip_prefix("f:") {
        return obj.as_object_mut()?.get_mut(name);
    }
    let wanted: Value = serde_json::from_str(key.strip_prefix("k:")?).ok()?;
    obj.as_array_mut()?
        .iter_mut()
        .find(|item| item_matches(item, &wanted))
}

fn remove_child(obj: &mut Value, key: &str) {
    if let Some(name) = key.strip_prefix("f:") {
        if let Some(map) = obj.as_object_mut() {
            map.remove(name);
        }
    } else if let Some(wanted) = key
        .strip_prefix("k:")
        .and_then(|k| serde_json::from_str::<Value>(k).ok())
        && let Some(items) = obj.as_array_mut()
    {
        items.retain(|item| !item_matches(item, &wanted));
    }
}

fn item_matches(item: &Value, wanted: &Value) -> bool {
    wanted.as_object().is_some_and(|keys| {
        keys.iter().all(|(k, v)| match (item.get(k), k.as_str()) {
            // The API server defaults a port's protocol, which the key always names.
            (None, "protocol") => v == "TCP",
            (got, _) => got == Some(v),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_recorded_per_manager_operation_and_subresource_with_their_time() {
        let mut obj = json!({"apiVersion": "apps/v1", "metadata": {"name": "d"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "web", "image": "a"}]}}},
            "status": {"replicas": 1}});
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let first = Write {
            time: at("2026-03-01T10:00:00Z"),
            ..Write::now("kube-controller-manager", "Update")
        };
        let touched = json!({"metadata": {"annotations": {"rev": "1"}}});
        record_write(&mut obj, first, &touched);
        let later = Write {
            time: at("2026-03-01T10:05:00Z"),
            ..first
        };
        let touched = json!({"spec": {"replicas": 2}, "$setElementOrder/containers": []});
        record_write(&mut obj, later, &touched);
        let whole = obj.clone();
        record_write(&mut obj, later.through(Some("status")), &whole);
        record_write(
            &mut obj,
            Write::now("kubectl", "Update").through(Some("scale")),
            &Value::Null,
        );
        let entries = obj["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 3, "{entries:#?}");
        // One Update entry per manager: the union of what it set, at its latest write.
        let main = &entries[0];
        assert_eq!(main["time"], "2026-03-01T10:05:00Z");
        assert!(main.get("subresource").is_none());
        assert_eq!(
            main["fieldsV1"]["f:metadata"]["f:annotations"]["f:rev"],
            json!({})
        );
        assert_eq!(main["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
        assert!(!main["fieldsV1"].to_string().contains('$'), "{main}");
        let status = &entries[1];
        assert_eq!(status["subresource"], "status");
        assert_eq!(status["fieldsV1"], json!({"f:status": {"f:replicas": {}}}));
        let scale = &entries[2];
        assert_eq!(
            (&scale["manager"], &scale["subresource"]),
            (&json!("kubectl"), &json!("scale"))
        );
        assert_eq!(scale["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    }

    #[test]
    fn changed_keeps_only_what_differs() {
        let old =
            json!({"spec": {"replicas": 1, "paused": false}, "metadata": {"labels": {"a": "1"}}});
        let new = json!({"spec": {"replicas": 2, "paused": false}, "metadata": {"labels": {"a": "1", "b": "2"}}});
        assert_eq!(
            changed(&old, &new),
            json!({"spec": {"replicas": 2}, "metadata": {"labels": {"b": "2"}}})
        );
    }

    #[test]
    fn seeded_objects_get_their_real_writer_at_their_time() {
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": "sh.helm.release.v1.x.v1", "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"owner": "helm", "modifiedAt": "1767312000"}}});
        record_seeded(&mut secret);
        let entry = &secret["metadata"]["managedFields"][0];
        assert_eq!(entry["manager"], "helm");
        assert_eq!(
            entry["time"], "2026-01-02T00:00:00Z",
            "superseded at modifiedAt"
        );
        let mut rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "r", "creationTimestamp": "2026-01-01T00:00:00Z",
                "ownerReferences": [{"kind": "Deployment", "name": "d", "controller": true}]}});
        record_seeded(&mut rs);
        assert_eq!(
            rs["metadata"]["managedFields"][0]["manager"],
            "kube-controller-manager"
        );
        assert_eq!(
            rs["metadata"]["managedFields"][0]["time"],
            "2026-01-01T00:00:00Z"
        );
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
            "managedFields": [{"manager": "kubectl-edit", "operation": "Update", "time": "2026-02-01T00:00:00Z"}]}});
        let before = cm.clone();
        record_seeded(&mut cm);
        assert_eq!(cm, before, "a scenario's own history is kept");
    }

    #[test]
    fn field_sets_key_list_items() {
        let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"a": "1"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "x"}]}}}});
        let set = field_set(&applied);
        assert!(set.get("f:apiVersion").is_none());
        assert_eq!(set["f:spec"]["f:replicas"], json!({}));
        assert!(set["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["f:image"].is_object());
    }

    #[test]
    fn record_replaces_the_same_manager() {
        let mut obj = json!({"apiVersion": "v1", "metadata": {"name": "c"}, "data": {"k": "v"}});
        let applied = obj.clone();
        record(&mut obj, "kubectl", "Apply", &applied);
        record(&mut obj, "kubectl", "Apply", &applied);
        record(&mut obj, "kubectl-edit", "Update", &applied);
        let entries = obj["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["fieldsV1"]["f:data"]["f:k"], json!({}));
        assert!(
            entries[0]["fieldsV1"]["f:metadata"]
                .get("f:managedFields")
                .is_none()
        );
        assert_eq!(
            manager_of(None, "kubectl/v1.35.2 (linux/amd64)").as_deref(),
            Some("kubectl")
        );
        assert_eq!(manager_of(Some("helm"), "x").as_deref(), Some("helm"));
    }

    #[test]
    fn apply_removes_what_the_manager_no_longer_applies() {
        let first = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"metadata": {"annotations": {"a": "1"}, "labels": {"x": "y"}},
            "spec": {"containers": [{"name": "web", "image": "v2"}, {"name": "side", "image": "s"}]}}}});
        let mut obj = first.clone();
        record(&mut obj, "helm", "Apply", &first);
        // Someone else set a label of their own.
        obj["metadata"]["labels"] = json!({"other": "1"});
        record(
            &mut obj,
            "kubectl-label",
            "Update",
            &json!({"metadata": {"labels": {"other": "1"}}}),
        );
        let older = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"metadata": {"labels": {"x": "y"}},
            "spec": {"containers": [{"name": "web", "image": "v1"}]}}}});
        remove_dropped(&mut obj, "helm", &older);
        let template = &obj["spec"]["template"];
        assert!(template["metadata"].get("annotations").is_none(), "{obj}");
        assert_eq!(template["metadata"]["labels"], json!({"x": "y"}));
        assert_eq!(template["spec"]["containers"].as_array().unwrap().len(), 1);
        assert_eq!(obj["metadata"]["labels"], json!({"other": "1"}));
    }
}
