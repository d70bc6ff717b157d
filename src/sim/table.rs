//! Server-side printing: `meta.k8s.io/v1` Tables with the columns the real API server prints
//! for each built-in kind (what `kubectl get` shows), and generic columns for CRDs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::resources::ResourceInfo;

/// What each row carries in `object` (`includeObject` query parameter; default Metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// Builds a Table for `objects` of resource `info`. `metadata.resourceVersion` is left for
/// the caller to fill.
pub fn to_table(
    info: &ResourceInfo,
    objects: &[Arc<Value>],
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    // Placeholder until the per-kind printers land: NAME and AGE only.
    let _ = now;
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| json!({"cells": [o["metadata"]["name"], ""], "object": row_object(o, include)}))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "description": "Age", "priority": 0},
        ],
        "rows": rows,
    })
    .tap_kind(info)
}

trait TapKind {
    fn tap_kind(self, info: &ResourceInfo) -> Value;
}
impl TapKind for Value {
    fn tap_kind(self, _info: &ResourceInfo) -> Value {
        self
    }
}

/// The `object` of a row: a PartialObjectMetadata, the whole object, or null.
pub fn row_object(obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj["metadata"],
        }),
    }
}
