//! Fields several printers read and format alike (labels, selectors, containers, access
//! modes), as kubectl's printer helpers do; the plain reading of JSON is [`crate::json`].

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Cell;
use crate::json::{items, meta_time, text};

/// The AGE cell: the time since the object was created.
pub(super) fn age(obj: &Value) -> Cell {
    Cell::Age(meta_time(&obj["metadata"]["creationTimestamp"]))
}

pub(super) fn name(obj: &Value) -> Value {
    json!(text(&obj["metadata"]["name"]))
}

pub(super) fn is_deleting(obj: &Value) -> bool {
    !obj["metadata"]["deletionTimestamp"].is_null()
}

/// Condition `kind` of a status condition list has status True (first match decides, as in
/// the printers' hasJobCondition).
pub(super) fn condition_true(conditions: &Value, kind: &str) -> bool {
    items(conditions)
        .iter()
        .find(|c| text(&c["type"]) == kind)
        .is_some_and(|c| text(&c["status"]) == "True")
}

/// `layoutContainerCells`: container names and images, comma-separated.
pub(super) fn container_cells(pod_spec: &Value) -> (Value, Value) {
    let containers = items(&pod_spec["containers"]);
    let names: Vec<&str> = containers.iter().map(|c| text(&c["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(&c["image"])).collect();
    (json!(names.join(",")), json!(images.join(",")))
}

/// `labels.FormatLabels`: `k=v` sorted by key, `<none>` when empty.
pub(super) fn format_labels(map: &Value) -> String {
    let Some(map) = map.as_object() else {
        return "<none>".into();
    };
    if map.is_empty() {
        return "<none>".into();
    }
    let mut pairs: Vec<(&String, &str)> = map.iter().map(|(k, v)| (k, text(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.LabelSelectorAsSelector(...).String()`: requirements sorted by key, `in`/`notin`
/// values sorted; "" for a nil or empty selector; None for an invalid one.
pub fn label_selector_string(selector: &Value) -> Option<String> {
    if !selector.is_object() {
        return Some(String::new());
    }
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = selector["matchLabels"].as_object() {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", text(v))));
        }
    }
    for expr in items(&selector["matchExpressions"]) {
        let key = text(&expr["key"]);
        let mut values: Vec<&str> = items(&expr["values"]).iter().map(text).collect();
        values.sort_unstable();
        let req = match text(&expr["operator"]) {
            "In" | "NotIn" if values.is_empty() => return None,
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" | "DoesNotExist" if !values.is_empty() => return None,
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        };
        reqs.push((key.to_string(), req));
    }
    // The selector sorts its requirements by key.
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Some(
        reqs.into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// `metav1.FormatLabelSelector`: like [`label_selector_string`] but `<none>` when empty and
/// `<error>` when invalid.
pub(super) fn format_label_selector(selector: &Value) -> String {
    match label_selector_string(selector) {
        Some(s) if s.is_empty() => "<none>".into(),
        Some(s) => s,
        None => "<error>".into(),
    }
}

/// An int-or-string field as `intstr.IntOrString.String()` prints it.
pub(super) fn int_or_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `helper.GetAccessModesAsString`: a fixed order, duplicates removed.
pub(super) fn access_modes(modes: &Value) -> String {
    let modes: Vec<&str> = items(modes).iter().map(text).collect();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.contains(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a PV or PVC: the beta annotation still wins over the field.
pub(super) fn storage_class(obj: &Value) -> String {
    match text(&obj["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]) {
        "" => text(&obj["spec"]["storageClassName"]).to_string(),
        class => class.to_string(),
    }
}

/// Keeps the later of two optional instants.
pub(super) fn keep_latest(latest: &mut Option<DateTime<Utc>>, candidate: Option<DateTime<Utc>>) {
    if let Some(c) = candidate
        && latest.is_none_or(|l| l < c)
    {
        *latest = Some(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors_format_like_the_api_server() {
        assert_eq!(format_label_selector(&Value::Null), "<none>");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(
            format_label_selector(&json!({"matchExpressions": [
                {"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
                {"key": "app", "operator": "Exists"}]})),
            "app,env notin (dev,prod)"
        );
        assert_eq!(
            format_label_selector(
                &json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})
            ),
            "<error>"
        );
        assert_eq!(format_labels(&json!({})), "<none>");
    }
}
