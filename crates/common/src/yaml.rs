//! The YAML text of an object: as `kubectl get -o yaml` shows it, without `managedFields`,
//! with Secret values masked until revealed on purpose, and a Secret's values decoded for the
//! reveal. Plain, sanitized text: the cockpit styles it (`ui::yaml::styled_line`).

use serde_json::Value;

use crate::text::sanitize;

/// What a masked Secret value reads as.
pub const MASK: &str = "••••••";

/// The annotation `kubectl apply` writes: the whole applied object, so on a Secret it holds
/// the very values the mask hides.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `obj` as YAML. `managedFields` is dropped (noise nobody reads); on a Secret every value of
/// `data` and `stringData` becomes `MASK` (the keys stay, so you see what is there) and so does
/// the last-applied annotation, unless `reveal_secrets`. Each line is safe to draw.
pub fn to_yaml(obj: &Value, reveal_secrets: bool) -> String {
    let mut obj = obj.clone();
    if let Some(metadata) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    if !reveal_secrets && is_secret(&obj) {
        mask_secret(&mut obj);
    }
    let yaml = serde_saphyr::to_string(&obj).unwrap_or_else(|error| {
        // A JSON value always serializes; if the emitter ever refuses, say so in the view
        // rather than showing nothing.
        format!("# cannot show this object as YAML: {error}\n")
    });
    // The emitter quotes and escapes control characters; this is the belt to those braces.
    yaml.lines()
        .map(|line| sanitize(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A Secret's values decoded for reading (what k9s's `x` shows): (key, text) sorted by key,
/// from `data` (base64) and `stringData`. Binary or undecodable values are described, not
/// dumped; text is sanitized and multi-line values keep their lines joined by `⏎`. Only for a
/// view the user opened on purpose (`reveal_secret`).
pub fn secret_values(obj: &Value) -> Vec<(String, String)> {
    use base64::Engine;
    let mut values = std::collections::BTreeMap::new();
    if let Some(data) = obj.get("data").and_then(Value::as_object) {
        for (key, value) in data {
            let encoded = value.as_str().unwrap_or("");
            let text = match base64::engine::general_purpose::STANDARD.decode(encoded) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => readable(&text),
                    Err(error) => format!("<{} bytes of binary data>", error.as_bytes().len()),
                },
                Err(_) => "<not valid base64>".to_string(),
            };
            values.insert(sanitize(key).into_owned(), text);
        }
    }
    if let Some(data) = obj.get("stringData").and_then(Value::as_object) {
        for (key, value) in data {
            values.insert(
                sanitize(key).into_owned(),
                readable(value.as_str().unwrap_or("")),
            );
        }
    }
    values.into_iter().collect()
}

fn readable(text: &str) -> String {
    text.trim_end_matches('\n')
        .split('\n')
        .map(|line| sanitize(line).into_owned())
        .collect::<Vec<_>>()
        .join(" ⏎ ")
}

fn is_secret(obj: &Value) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("Secret")
}

fn mask_secret(obj: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(values) = obj.get_mut(field).and_then(Value::as_object_mut) {
            for value in values.values_mut() {
                *value = Value::String(MASK.to_string());
            }
        }
    }
    if let Some(annotation) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        .and_then(|annotations| annotations.get_mut(LAST_APPLIED))
    {
        *annotation = Value::String(MASK.to_string());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn secret() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "airflow-metadata",
                "namespace": "orchestration",
                "annotations": {
                    LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"connection\":\"postgresql://airflow:s3cr3t-pw@db/airflow\"}}",
                    "meta.helm.sh/release-name": "airflow"
                },
                "managedFields": [{"manager": "helm", "operation": "Update"}]
            },
            "type": "Opaque",
            "data": {"connection": "cG9zdGdyZXNxbDovL2FpcmZsb3c6czNjcjN0LXB3QGRiL2FpcmZsb3c="},
            "stringData": {"extra": "s3cr3t-pw"}
        })
    }

    #[test]
    fn secret_values_are_masked_everywhere_until_revealed() {
        let yaml = to_yaml(&secret(), false);
        for leak in ["s3cr3t", "cG9zdGdyZXNxbDovL2", "postgresql://"] {
            assert!(!yaml.contains(leak), "{leak} leaked:\n{yaml}");
        }
        // The keys stay visible, the values read as the mask.
        assert!(yaml.contains("connection:"), "{yaml}");
        assert!(yaml.contains("extra:"), "{yaml}");
        assert!(yaml.contains(MASK), "{yaml}");
        assert!(
            yaml.contains("meta.helm.sh/release-name: airflow"),
            "{yaml}"
        );
        assert!(!yaml.contains("managedFields"), "{yaml}");

        let revealed = to_yaml(&secret(), true);
        assert!(revealed.contains("cG9zdGdyZXNxbDovL2FpcmZsb3c6czNjcjN0LXB3QGRiL2FpcmZsb3c="));
        assert!(revealed.contains("s3cr3t-pw"));
        assert!(!revealed.contains("managedFields"));
    }

    #[test]
    fn revealed_values_are_decoded_and_safe() {
        let mut obj = secret();
        obj["data"]["cert"] = json!("//79");
        obj["data"]["bad"] = json!("%%%");
        obj["data"]["evil"] = json!("YQobWzJKYgo="); // "a\n\x1b[2Jb\n"
        let values = secret_values(&obj);
        let get = |key: &str| values.iter().find(|(k, _)| k == key).unwrap().1.clone();
        assert_eq!(
            get("connection"),
            "postgresql://airflow:s3cr3t-pw@db/airflow"
        );
        assert_eq!(get("extra"), "s3cr3t-pw");
        assert_eq!(get("cert"), "<3 bytes of binary data>");
        assert_eq!(get("bad"), "<not valid base64>");
        assert_eq!(get("evil"), "a ⏎ b");
    }

    #[test]
    fn other_kinds_are_not_masked() {
        let config_map = json!({
            "kind": "ConfigMap",
            "metadata": {"name": "c", "annotations": {LAST_APPLIED: "{\"data\":{}}"}},
            "data": {"airflow.cfg": "[core]\nexecutor = KubernetesExecutor\n"}
        });
        let yaml = to_yaml(&config_map, false);
        assert!(yaml.contains("KubernetesExecutor"), "{yaml}");
        assert!(!yaml.contains(MASK), "{yaml}");
    }

    #[test]
    fn the_yaml_parses_back_to_the_object() {
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "airflow-scheduler-0",
                "labels": {"release": "airflow", "tier": "airflow"},
                "annotations": {"checksum/config": "0767e4", "yes": "no", "n": "0123"}
            },
            "spec": {
                "containers": [{
                    "name": "scheduler",
                    "image": "apache/airflow:3.0.2",
                    "args": ["bash", "-c", "exec airflow scheduler"],
                    "env": [{"name": "EMPTY", "value": ""}, {"name": "MULTI", "value": "a\nb: c\n"}]
                }],
                "priority": 0,
                "enableServiceLinks": true
            },
            "status": {"phase": "Running", "podIP": null}
        });
        let yaml = to_yaml(&pod, false);
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, pod);
        // Masked secrets round-trip too, as the masked object.
        let yaml = to_yaml(&secret(), false);
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed["data"]["connection"], MASK);
        assert_eq!(parsed["metadata"]["name"], "airflow-metadata");
        pod["metadata"]["managedFields"] = json!([{"manager": "kubectl"}]);
        assert!(!to_yaml(&pod, false).contains("manager"));
    }

    #[test]
    fn control_characters_never_reach_the_view() {
        let obj = json!({"kind": "Pod", "metadata": {"name": "x\u{1b}[2Jy", "labels": {"a": "\u{9b}31m"}}});
        let yaml = to_yaml(&obj, false);
        assert!(
            !yaml.chars().any(|c| c.is_control() && c != '\n'),
            "{yaml:?}"
        );
    }
}
