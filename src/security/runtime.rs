//! Runtime hardening of each workload's pod template (Pod Security Standards' Baseline and
//! Restricted points that matter most): privileged containers, host paths and host network
//! (high: a way out to the node), root or no `runAsNonRoot`, and mutable images. One finding
//! per workload and check, naming the containers, so a chart with five containers reads as
//! one problem.

use super::facts::{ContainerPosture, Shape};
use super::{Finding, Scope, Severity};
use crate::stack::object::ImageRef;

pub fn check(scope: &Scope, out: &mut Vec<Finding>) {
    for (i, object) in scope.objects.iter().enumerate() {
        let Shape::Workload(pod) = &object.shape else {
            continue;
        };
        if !scope.judged(i) {
            continue;
        }
        if pod.host_network {
            out.push(scope.finding(
                i,
                "runtime.host-network",
                Severity::High,
                "spec.hostNetwork: true: the pod shares the node's network namespace".into(),
                "remove hostNetwork from the pod spec (the chart's hostNetwork value)",
            ));
        }
        if !pod.host_paths.is_empty() {
            out.push(scope.finding(
                i,
                "runtime.host-path",
                Severity::High,
                format!("hostPath volumes: {}", pod.host_paths.join(", ")),
                "use a PersistentVolumeClaim, ConfigMap or emptyDir instead of hostPath",
            ));
        }
        let names = |pick: &dyn Fn(&ContainerPosture) -> bool| -> Vec<&str> {
            pod.containers
                .iter()
                .filter(|c| pick(c))
                .map(|c| c.name.as_str())
                .collect()
        };
        let privileged = names(&|c| c.privileged);
        if !privileged.is_empty() {
            out.push(scope.finding(
                i,
                "runtime.privileged",
                Severity::High,
                format!(
                    "securityContext.privileged: true in {}",
                    containers(&privileged)
                ),
                "remove privileged: true; grant only the capabilities needed (securityContext.capabilities.add)",
            ));
        }
        let root = names(&|c| c.run_as_user == Some(0) && !c.run_as_non_root);
        if !root.is_empty() {
            out.push(scope.finding(
                i,
                "runtime.root",
                Severity::Medium,
                format!("securityContext.runAsUser: 0 in {}", containers(&root)),
                "run as a non-root user: set the chart's securityContext runAsUser to the \
                 image's user (not 0) and runAsNonRoot: true",
            ));
        }
        // No user at all: the image decides, and many run as root.
        let unset = names(&|c| c.run_as_user.is_none() && !c.run_as_non_root);
        if !unset.is_empty() {
            out.push(scope.finding(
                i,
                "runtime.run-as-non-root",
                Severity::Low,
                format!(
                    "no runAsNonRoot and no runAsUser in {}: the image decides, and may run as root",
                    containers(&unset)
                ),
                "set securityContext.runAsNonRoot: true (and a runAsUser) in the chart's \
                 podSecurityContext / securityContext values",
            ));
        }
        let mut mutable: Vec<&str> = pod
            .containers
            .iter()
            .filter(|c| is_mutable(&c.image))
            .map(|c| c.image.as_str())
            .collect();
        mutable.sort_unstable();
        mutable.dedup();
        if !mutable.is_empty() {
            out.push(scope.finding(
                i,
                "runtime.mutable-image",
                Severity::Low,
                format!("image {}: `latest` or no tag", mutable.join(", ")),
                "pin a version tag (better, a digest: image@sha256:…) in the chart's image.tag",
            ));
        }
    }
}

fn containers(names: &[&str]) -> String {
    if names.len() == 1 {
        format!("container {}", names[0])
    } else {
        format!("containers {}", names.join(", "))
    }
}

/// `:latest`, or no tag and no digest.
fn is_mutable(image: &str) -> bool {
    if image.contains('@') || image.is_empty() {
        return false;
    }
    let tag = ImageRef::parse(image).tag;
    tag.is_empty() || tag.as_str() == "latest"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutable_images() {
        assert!(is_mutable("bitnami/kubectl:latest"));
        assert!(is_mutable("localhost:5000/team/app"));
        assert!(!is_mutable("apache/airflow:3.0.2"));
        assert!(!is_mutable("app@sha256:abc"));
        assert!(!is_mutable("localhost:5000/team/app:1.2"));
    }
}
