//! What the API server does to an object before storing it: defaulting (the fields real
//! clusters fill in, so clients see realistic objects) and validation (422 Invalid).

use serde_json::{Value, json};

use super::resources::ResourceInfo;
use super::selectors::LabelSelector;
use super::store::ApiError;
use base64::Engine;

/// Fills defaults of a newly created object of `info` (like the API server's defaulters).
pub fn default_on_create(
    info: &ResourceInfo,
    obj: &mut Value,
    cluster_ip: impl FnOnce() -> String,
) {
    match info.plural.as_str() {
        "namespaces" => {
            let name = obj["metadata"]["name"].clone();
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            obj["spec"]["finalizers"] = json!(["kubernetes"]);
            obj["status"]["phase"] = json!("Active");
        }
        "pods" => {
            default_pod_spec(&mut obj["spec"]);
            if obj["status"]["phase"].is_null() {
                obj["status"] = json!({"phase": "Pending", "qosClass": qos_class(&obj["spec"])});
            }
        }
        "deployments" => {
            set_if_null(&mut obj["spec"]["replicas"], json!(1));
            set_if_null(&mut obj["spec"]["revisionHistoryLimit"], json!(10));
            set_if_null(&mut obj["spec"]["progressDeadlineSeconds"], json!(600));
            set_if_null(
                &mut obj["spec"]["strategy"],
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
            );
            default_pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        "replicasets" => {
            set_if_null(&mut obj["spec"]["replicas"], json!(1));
            default_pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        "statefulsets" => {
            set_if_null(&mut obj["spec"]["replicas"], json!(1));
            set_if_null(
                &mut obj["spec"]["podManagementPolicy"],
                json!("OrderedReady"),
            );
            set_if_null(&mut obj["spec"]["revisionHistoryLimit"], json!(10));
            set_if_null(
                &mut obj["spec"]["updateStrategy"],
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            default_pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        "daemonsets" => {
            set_if_null(&mut obj["spec"]["revisionHistoryLimit"], json!(10));
            default_pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        "jobs" => default_job(obj),
        "cronjobs" => {
            set_if_null(&mut obj["spec"]["concurrencyPolicy"], json!("Allow"));
            set_if_null(&mut obj["spec"]["suspend"], json!(false));
            set_if_null(&mut obj["spec"]["successfulJobsHistoryLimit"], json!(3));
            set_if_null(&mut obj["spec"]["failedJobsHistoryLimit"], json!(1));
            default_pod_spec(&mut obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]);
        }
        "services" => {
            set_if_null(&mut obj["spec"]["type"], json!("ClusterIP"));
            set_if_null(&mut obj["spec"]["sessionAffinity"], json!("None"));
            if obj["spec"]["clusterIP"].is_null() {
                let ip = cluster_ip();
                obj["spec"]["clusterIP"] = json!(ip);
                obj["spec"]["clusterIPs"] = json!([ip]);
            }
            if let Some(ports) = obj["spec"]["ports"].as_array_mut() {
                for p in ports {
                    set_if_null(&mut p["protocol"], json!("TCP"));
                    if p["targetPort"].is_null() {
                        p["targetPort"] = p["port"].clone();
                    }
                }
            }
        }
        "secrets" => {
            set_if_null(&mut obj["type"], json!("Opaque"));
            // stringData is write-only: it lands base64-encoded in data.
            if let Some(sd) = obj.get("stringData").and_then(Value::as_object).cloned() {
                for (k, v) in sd {
                    let text = v.as_str().unwrap_or_default();
                    obj["data"][k] = json!(base64::engine::general_purpose::STANDARD.encode(text));
                }
                if let Some(m) = obj.as_object_mut() {
                    m.remove("stringData");
                }
            }
        }
        _ => {}
    }
}

fn set_if_null(slot: &mut Value, value: Value) {
    if slot.is_null() {
        *slot = value;
    }
}

fn default_pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    set_if_null(&mut spec["restartPolicy"], json!("Always"));
    set_if_null(&mut spec["dnsPolicy"], json!("ClusterFirst"));
    set_if_null(&mut spec["schedulerName"], json!("default-scheduler"));
    set_if_null(&mut spec["terminationGracePeriodSeconds"], json!(30));
    set_if_null(&mut spec["securityContext"], json!({}));
    if spec["serviceAccountName"].is_null() {
        spec["serviceAccountName"] = json!("default");
    }
    for list in ["initContainers", "containers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                let latest = c["image"].as_str().is_some_and(|i| {
                    !i.rsplit('/').next().unwrap_or_default().contains(':')
                        || i.ends_with(":latest")
                });
                set_if_null(
                    &mut c["imagePullPolicy"],
                    json!(if latest { "Always" } else { "IfNotPresent" }),
                );
                set_if_null(
                    &mut c["terminationMessagePath"],
                    json!("/dev/termination-log"),
                );
                set_if_null(&mut c["terminationMessagePolicy"], json!("File"));
                set_if_null(&mut c["resources"], json!({}));
                if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                    for p in ports {
                        set_if_null(&mut p["protocol"], json!("TCP"));
                    }
                }
                for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                    if let Some(p) = c.get_mut(probe).filter(|p| p.is_object()) {
                        set_if_null(&mut p["timeoutSeconds"], json!(1));
                        set_if_null(&mut p["periodSeconds"], json!(10));
                        set_if_null(&mut p["successThreshold"], json!(1));
                        set_if_null(&mut p["failureThreshold"], json!(3));
                        if let Some(h) = p.get_mut("httpGet").filter(|h| h.is_object()) {
                            set_if_null(&mut h["scheme"], json!("HTTP"));
                        }
                    }
                }
            }
        }
    }
}

fn qos_class(spec: &Value) -> &'static str {
    let cs = spec["containers"].as_array();
    let any_resources = cs
        .into_iter()
        .flatten()
        .any(|c| c["resources"]["requests"].is_object() || c["resources"]["limits"].is_object());
    if !any_resources {
        return "BestEffort";
    }
    let guaranteed = cs.into_iter().flatten().all(|c| {
        let l = &c["resources"]["limits"];
        let r = &c["resources"]["requests"];
        !l["cpu"].is_null() && !l["memory"].is_null() && (r.is_null() || r == l)
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Jobs get the controller-uid and job-name labels on selector and template, as the API
/// server adds them when `manualSelector` is not set.
fn default_job(obj: &mut Value) {
    set_if_null(&mut obj["spec"]["backoffLimit"], json!(6));
    set_if_null(&mut obj["spec"]["completions"], json!(1));
    set_if_null(&mut obj["spec"]["parallelism"], json!(1));
    set_if_null(&mut obj["spec"]["completionMode"], json!("NonIndexed"));
    set_if_null(&mut obj["spec"]["suspend"], json!(false));
    set_if_null(
        &mut obj["spec"]["podReplacementPolicy"],
        json!("TerminatingOrFailed"),
    );
    default_pod_spec(&mut obj["spec"]["template"]["spec"]);
    if obj["spec"]["manualSelector"].as_bool() == Some(true) {
        return;
    }
    let uid = obj["metadata"]["uid"].clone();
    let name = obj["metadata"]["name"].clone();
    let labels = json!({
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
        "controller-uid": uid, "job-name": name,
    });
    obj["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
    for (k, v) in labels.as_object().into_iter().flatten() {
        obj["spec"]["template"]["metadata"]["labels"][k] = v.clone();
    }
}

/// Validates an object about to be stored; the causes mirror the API server's messages.
pub fn validate(info: &ResourceInfo, obj: &Value) -> Result<(), ApiError> {
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let mut causes: Vec<(String, String)> = Vec::new();
    if !valid_name(info, name) {
        causes.push((
            "metadata.name".into(),
            format!(
                "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ),
        ));
    }
    if let Some(labels) = obj["metadata"]["labels"].as_object() {
        for (k, v) in labels {
            let ok = v.as_str().is_some_and(|s| {
                s.len() <= 63
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && s.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
                    && s.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
            });
            if !ok {
                causes.push((
                    "metadata.labels".to_string(),
                    format!("Invalid value: {v}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (label {k})"),
                ));
            }
        }
    }
    let spec = &obj["spec"];
    match info.plural.as_str() {
        "deployments" | "replicasets" | "statefulsets" | "daemonsets" => {
            if let Some(r) = spec.get("replicas")
                && !r.is_null()
            {
                match r.as_i64() {
                    Some(n) if n >= 0 => {}
                    Some(n) => causes.push((
                        "spec.replicas".into(),
                        format!("Invalid value: {n}: must be greater than or equal to 0"),
                    )),
                    None => causes.push((
                        "spec.replicas".into(),
                        format!("Invalid value: {r}: must be an integer"),
                    )),
                }
            }
            let selector = &spec["selector"];
            if selector.is_null() {
                causes.push(("spec.selector".into(), "Required value".into()));
            } else if !LabelSelector::from_object(selector)
                .matches_labels(&spec["template"]["metadata"]["labels"])
            {
                causes.push((
                    "spec.template.metadata.labels".into(),
                    format!(
                        "Invalid value: {}: `selector` does not match template `labels`",
                        spec["template"]["metadata"]["labels"]
                    ),
                ));
            }
            validate_pod_spec(&spec["template"]["spec"], "spec.template.spec", &mut causes);
        }
        "jobs" => validate_pod_spec(&spec["template"]["spec"], "spec.template.spec", &mut causes),
        "cronjobs" if spec["schedule"].as_str().is_none_or(str::is_empty) => {
            causes.push(("spec.schedule".into(), "Required value".into()));
        }
        "pods" => validate_pod_spec(spec, "spec", &mut causes),
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&info.kind, &info.group, name, &causes))
    }
}

fn validate_pod_spec(spec: &Value, path: &str, causes: &mut Vec<(String, String)>) {
    let containers = spec["containers"].as_array();
    if containers.is_none_or(|c| c.is_empty()) {
        causes.push((format!("{path}.containers"), "Required value".into()));
        return;
    }
    for (i, c) in containers.into_iter().flatten().enumerate() {
        if c["name"].as_str().is_none_or(str::is_empty) {
            causes.push((
                format!("{path}.containers[{i}].name"),
                "Required value".into(),
            ));
        }
        if c["image"].as_str().is_none_or(str::is_empty) {
            causes.push((
                format!("{path}.containers[{i}].image"),
                "Required value".into(),
            ));
        }
    }
}

fn valid_name(info: &ResourceInfo, name: &str) -> bool {
    // RBAC objects allow ':' (system:…); events allow most names.
    let extra = match info.plural.as_str() {
        "clusterroles" | "clusterrolebindings" | "roles" | "rolebindings" => ":",
        _ => "",
    };
    !name.is_empty()
        && name.len() <= 253
        && name.chars().all(|c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || c == '-'
                || c == '.'
                || extra.contains(c)
        })
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtin;

    fn info(plural: &str) -> ResourceInfo {
        builtin().into_iter().find(|r| r.plural == plural).unwrap()
    }

    #[test]
    fn deployment_validation() {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"replicas": -1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "other"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}});
        let err = validate(&info("deployments"), &d).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.contains("spec.replicas: Invalid value: -1"),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains("`selector` does not match template `labels`")
        );
        d["spec"]["replicas"] = json!(2);
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!("web");
        validate(&info("deployments"), &d).unwrap();
        d["metadata"]["name"] = json!("Bad_Name");
        assert!(
            validate(&info("deployments"), &d)
                .unwrap_err()
                .message
                .contains("RFC 1123")
        );
    }

    #[test]
    fn defaults_fill_realistic_fields() {
        let mut svc = json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        default_on_create(&info("services"), &mut svc, || "10.96.0.10".into());
        assert_eq!(svc["spec"]["clusterIP"], "10.96.0.10");
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
        let mut job = json!({"metadata": {"name": "j", "uid": "u1"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}});
        default_on_create(&info("jobs"), &mut job, String::new);
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"]["job-name"],
            "j"
        );
        assert_eq!(
            job["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
        let mut secret = json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}});
        default_on_create(&info("secrets"), &mut secret, String::new);
        assert_eq!(secret["data"]["k"], "dg==");
        assert!(secret.get("stringData").is_none());
    }
}
