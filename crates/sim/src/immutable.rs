//! The fields the API server refuses to change once an object exists (a Deployment's
//! selector, a Service's clusterIP, a Job's template, most of a StatefulSet's spec): an update,
//! patch or apply — dry run or not — that changes one is a 422 naming the field, which is what
//! `helm upgrade` fails on and what an upgrade's preflight looks for.

use serde_json::Value;

use super::resources::ResourceInfo;
use super::store::{ApiError, prune_nulls};

/// The StatefulSet spec fields an update may change; any other is forbidden.
const STATEFULSET_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// Refuses `new` when it changes a field of `old` that cannot change after creation.
pub fn check(info: &ResourceInfo, old: &Value, new: &Value) -> Result<(), ApiError> {
    let name = new["metadata"]["name"].as_str().unwrap_or_default();
    let mut causes = Vec::new();
    let mut immutable = |path: &str| {
        if changed(at(old, path), at(new, path)) {
            causes.push((path.to_string(), immutable_message(at(new, path))));
        }
    };
    match (info.group.as_str(), info.plural.as_str()) {
        ("apps", "deployments" | "replicasets" | "daemonsets") => immutable("spec.selector"),
        ("batch", "jobs") => {
            immutable("spec.selector");
            immutable("spec.template");
        }
        ("", "services") => {
            // An empty or missing clusterIP keeps the allocated one (the server fills it).
            let wanted = at(new, "spec.clusterIP").as_str().unwrap_or_default();
            let had = at(old, "spec.clusterIP").as_str().unwrap_or_default();
            if !wanted.is_empty() && !had.is_empty() && wanted != had {
                causes.push((
                    "spec.clusterIPs[0]".to_string(),
                    immutable_message(at(new, "spec.clusterIP")),
                ));
            }
        }
        ("apps", "statefulsets") => {
            let frozen = |spec: &Value| -> Value {
                let mut spec = spec.clone();
                if let Some(map) = spec.as_object_mut() {
                    map.retain(|k, _| !STATEFULSET_MUTABLE.contains(&k.as_str()));
                }
                spec
            };
            // Fields the request leaves out keep their stored (defaulted) values.
            let (was, now) = (frozen(&old["spec"]), frozen(&new["spec"]));
            let differs = now
                .as_object()
                .into_iter()
                .flatten()
                .any(|(k, v)| changed(&was[k.as_str()], v));
            if differs {
                causes.push((
                    "spec".to_string(),
                    "Forbidden: updates to statefulset spec for fields other than 'replicas', \
                     'ordinals', 'template', 'updateStrategy', \
                     'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
                        .to_string(),
                ));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&info.kind, &info.group, name, &causes))
    }
}

fn at<'a>(obj: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(obj, |v, key| &v[key])
}

/// Whether a field the request sets differs from the stored one (nulls pruned: an empty
/// field and a missing one are the same to the server).
fn changed(old: &Value, new: &Value) -> bool {
    let pruned = |v: &Value| {
        let mut v = v.clone();
        prune_nulls(&mut v);
        v
    };
    !new.is_null() && pruned(old) != pruned(new)
}

fn immutable_message(value: &Value) -> String {
    format!("Invalid value: {value}: field is immutable")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtin;
    use serde_json::json;

    fn info(plural: &str) -> ResourceInfo {
        builtin()
            .into_iter()
            .find(|r| r.plural == plural)
            .expect("a built-in resource")
    }

    fn deployment(labels: Value, image: &str) -> Value {
        json!({"metadata": {"name": "tiny"}, "spec": {"selector": {"matchLabels": labels},
            "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
    }

    #[test]
    fn a_deployment_selector_cannot_change_but_its_template_can() {
        let old = deployment(json!({"app": "tiny"}), "a:1");
        assert!(
            check(
                &info("deployments"),
                &old,
                &deployment(json!({"app": "tiny"}), "a:2")
            )
            .is_ok()
        );
        let error = check(
            &info("deployments"),
            &old,
            &deployment(json!({"app": "tiny", "tier": "web"}), "a:1"),
        )
        .expect_err("a new selector is refused");
        assert_eq!(error.code, 422);
        assert!(
            error
                .message
                .starts_with("Deployment.apps \"tiny\" is invalid: spec.selector: Invalid value")
                && error.message.ends_with("field is immutable"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_service_keeps_its_cluster_ip() {
        let service = |ip: &str| json!({"metadata": {"name": "s"}, "spec": {"clusterIP": ip}});
        let svc = info("services");
        assert!(check(&svc, &service("10.0.0.1"), &service("")).is_ok());
        assert!(check(&svc, &service("10.0.0.1"), &service("10.0.0.1")).is_ok());
        let error = check(&svc, &service("10.0.0.1"), &service("10.0.0.2")).unwrap_err();
        assert!(
            error.message.contains("spec.clusterIPs[0]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_job_template_cannot_change() {
        let job = |image: &str| {
            json!({"metadata": {"name": "migrate"}, "spec": {"template": {"spec": {
                "containers": [{"name": "m", "image": image}]}}}})
        };
        let jobs = info("jobs");
        assert!(check(&jobs, &job("m:1"), &job("m:1")).is_ok());
        let error = check(&jobs, &job("m:1"), &job("m:2")).unwrap_err();
        assert!(
            error.message.contains("spec.template: Invalid value"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_statefulset_may_change_only_some_fields() {
        let sts = |replicas: u32, storage: &str| {
            json!({"metadata": {"name": "db"}, "spec": {"replicas": replicas,
                "podManagementPolicy": "OrderedReady",
                "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": storage}}}}]}})
        };
        let info = info("statefulsets");
        assert!(check(&info, &sts(1, "1Gi"), &sts(3, "1Gi")).is_ok());
        // A request without a defaulted field keeps it.
        let mut partial = sts(1, "1Gi");
        partial["spec"]["podManagementPolicy"] = Value::Null;
        assert!(check(&info, &sts(1, "1Gi"), &partial).is_ok());
        let error = check(&info, &sts(1, "1Gi"), &sts(1, "5Gi")).unwrap_err();
        assert!(
            error.message.contains("updates to statefulset spec"),
            "{}",
            error.message
        );
    }
}
