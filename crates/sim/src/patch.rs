//! Applying PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge
//! patch for the common built-in list fields, and a server-side apply approximation.

use serde_json::{Map, Value};

use super::store::ApiError;

/// The patch flavours of the `Content-Type` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchKind {
    pub fn from_content_type(ct: &str) -> Option<PatchKind> {
        let base = ct.split(';').next().unwrap_or_default().trim();
        match base {
            "application/json-patch+json" => Some(PatchKind::Json),
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchKind::Apply)
            }
            _ => None,
        }
    }
}

/// Parses a patch body (JSON, or YAML for apply patches).
pub fn parse_body(kind: PatchKind, body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("patch body is not valid UTF-8"))?;
    match kind {
        PatchKind::Apply => serde_saphyr::from_str::<Value>(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}"))),
        _ => serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request(format!(
                "error decoding patch: invalid character in JSON patch body: {e}"
            ))
        }),
    }
}

/// Applies `patch` of `kind` to `doc` (the live object).
pub fn apply(kind: PatchKind, doc: &Value, patch: &Value) -> Result<Value, ApiError> {
    let mut out = doc.clone();
    match kind {
        PatchKind::Merge => {
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "error decoding patch: merge patch must be a JSON object",
                ));
            }
            json_patch::merge(&mut out, patch);
        }
        PatchKind::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut out, &ops).map_err(|e| {
                ApiError::new_invalid_patch(format!(
                    "the server rejected our request due to an error in our request: {e}"
                ))
            })?;
        }
        PatchKind::Strategic | PatchKind::Apply => {
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "error decoding patch: strategic merge patch must be a JSON object",
                ));
            }
            strategic_merge(&mut out, patch, "");
        }
    }
    Ok(out)
}

impl ApiError {
    /// A JSON patch whose operations cannot be applied (missing path, failed test): 422.
    fn new_invalid_patch(message: String) -> ApiError {
        ApiError {
            code: 422,
            reason: "Invalid",
            message,
            details: None,
        }
    }
}

/// The merge key of a list field, as the Go types' `patchMergeKey` tags declare it.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let has = |k: &str| items.iter().any(|i| i.get(k).is_some());
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" if has("containerPort") => Some("containerPort"),
        "ports" if has("port") => Some("port"),
        _ => None,
    }
}

/// Primitive lists that strategic merge unions instead of replacing.
fn merges_primitives(field: &str) -> bool {
    field == "finalizers"
}

/// Strategic merge of `patch` into `doc`, honouring `$patch`, `$retainKeys`,
/// `$deleteFromPrimitiveList/…` and ignoring `$setElementOrder/…` (order is kept as is).
pub fn strategic_merge(doc: &mut Value, patch: &Value, field: &str) {
    let Some(pmap) = patch.as_object() else {
        *doc = patch.clone();
        return;
    };
    if pmap.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut clean = patch.clone();
        strip_directives(&mut clean);
        *doc = clean;
        return;
    }
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let retain: Option<Vec<String>> = pmap.get("$retainKeys").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    });
    let Some(dmap) = doc.as_object_mut() else {
        return;
    };
    for (key, pval) in pmap {
        if key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch" {
            continue;
        }
        if let Some(list_field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Some(remove)) =
                (dmap.get_mut(list_field), pval.as_array())
            {
                cur.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if pval.is_null() {
            dmap.remove(key);
            continue;
        }
        match (dmap.get_mut(key), pval) {
            (Some(dval @ Value::Object(_)), Value::Object(_)) => strategic_merge(dval, pval, key),
            (Some(Value::Array(cur)), Value::Array(items)) => {
                merge_list(cur, items, key);
            }
            (_, _) => {
                let mut clean = pval.clone();
                strip_directives(&mut clean);
                dmap.insert(key.clone(), clean);
            }
        }
    }
    if let Some(keep) = retain {
        dmap.retain(|k, _| keep.contains(k));
    }
    let _ = field;
}

fn merge_list(cur: &mut Vec<Value>, items: &[Value], field: &str) {
    if let Some(mk) = merge_key(field, items).or_else(|| merge_key(field, cur)) {
        for item in items {
            let Some(id) = item.get(mk) else {
                continue;
            };
            let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
            match cur.iter().position(|c| c.get(mk) == Some(id)) {
                Some(i) if delete => {
                    cur.remove(i);
                }
                Some(i) => strategic_merge(&mut cur[i], item, field),
                None if delete => {}
                None => {
                    let mut clean = item.clone();
                    strip_directives(&mut clean);
                    cur.push(clean);
                }
            }
        }
    } else if merges_primitives(field) {
        for item in items {
            if !cur.contains(item) {
                cur.push(item.clone());
            }
        }
    } else {
        *cur = items.to_vec();
        for v in cur.iter_mut() {
            strip_directives(v);
        }
    }
}

fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('$'));
            for x in m.values_mut() {
                strip_directives(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"metadata": {"name": "d", "labels": {"a": "1"}, "finalizers": ["x"]},
               "spec": {"replicas": 1, "template": {"spec": {"containers": [
                   {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}], "ports": [{"containerPort": 80}]},
                   {"name": "side", "image": "envoy:1"}]}}}})
    }

    #[test]
    fn merge_patch_replaces_lists_and_deletes_nulls() {
        let out = apply(
            PatchKind::Merge,
            &deploy(),
            &json!({"metadata": {"labels": {"a": null, "b": "2"}}, "spec": {"replicas": 3}}),
        )
        .unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
        assert_eq!(out["spec"]["replicas"], 3);
        assert!(apply(PatchKind::Merge, &deploy(), &json!([1])).is_err());
    }

    #[test]
    fn json_patch_ops_and_failures() {
        let out = apply(
            PatchKind::Json,
            &deploy(),
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]),
        )
        .unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
        let err = apply(
            PatchKind::Json,
            &deploy(),
            &json!([{"op": "remove", "path": "/spec/nope"}]),
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            apply(PatchKind::Json, &deploy(), &json!({"op": "x"}))
                .unwrap_err()
                .code,
            400
        );
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
            "containers": [{"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
                           {"name": "side", "$patch": "delete"}]}}},
            "metadata": {"finalizers": ["y"], "$deleteFromPrimitiveList/finalizers": ["x"]}});
        let out = apply(PatchKind::Strategic, &deploy(), &patch).unwrap();
        let containers = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0]["image"], "nginx:2");
        assert_eq!(containers[0]["env"].as_array().unwrap().len(), 2);
        assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
        assert_eq!(out["metadata"]["finalizers"], json!(["y"]));
        assert!(out.to_string().find('$').is_none());
    }

    #[test]
    fn apply_patch_reads_yaml() {
        let body = b"metadata:\n  labels:\n    c: \"3\"\nspec:\n  replicas: 2\n";
        let p = parse_body(PatchKind::Apply, body).unwrap();
        let out = apply(PatchKind::Apply, &deploy(), &p).unwrap();
        assert_eq!(out["spec"]["replicas"], 2);
        assert_eq!(out["metadata"]["labels"]["a"], "1");
        assert!(parse_body(PatchKind::Merge, b"{not json").is_err());
    }
}
