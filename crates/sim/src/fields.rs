//! managedFields: which manager set which fields, as the API server records it for
//! server-side apply (`operation: Apply`) and for writes that name a field manager
//! (`operation: Update`). Field sets are FieldsV1 (`f:name`, `k:{…}` for keyed list items).

use chrono::{SecondsFormat, Utc};
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

/// Records (or replaces) the entry of `manager`/`operation` in `obj`'s managedFields.
pub fn record(obj: &mut Value, manager: &str, operation: &str, fields_of: &Value) {
    let api_version = obj["apiVersion"].clone();
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
    let entry = json!({
        "manager": manager, "operation": operation, "apiVersion": api_version,
        "time": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "fieldsType": "FieldsV1", "fieldsV1": set,
    });
    let list = &mut obj["metadata"]["managedFields"];
    if !list.is_array() {
        *list = json!([]);
    }
    if let Some(entries) = list.as_array_mut() {
        entries.retain(|e| !(e["manager"] == manager && e["operation"] == operation));
        entries.push(entry);
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
