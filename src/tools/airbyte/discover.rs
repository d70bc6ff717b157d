//! Finding the pod that serves Airbyte's API (`airbyte-server`), from the labels of both chart
//! generations: V1 (`airbyte` 1.x, a sub-chart per component) labels it
//! `app.kubernetes.io/name=server`, V2 adds `airbyte=server`. `server` alone is a common name,
//! so a V1 pod must also run Airbyte's server image. Pure: the caller lists the pods (with
//! [`SERVER_POD_SELECTORS`]) and opens the port-forward.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::tools::located::PodEndpoint;
use crate::tools::pods::{is_ready, label, name, not_ready_reason};

/// Label selectors whose union holds every server pod (one list each: a selector cannot say
/// "or").
pub const SERVER_POD_SELECTORS: [&str; 2] = ["app.kubernetes.io/name=server", "airbyte=server"];

/// The server's port when its container declares none (the chart's service `…-server-svc:8001`).
pub const DEFAULT_PORT: u16 = 8001;

/// The label of a pod's Helm release.
const INSTANCE: &str = "app.kubernetes.io/instance";

/// The pod and port to forward to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEndpoint {
    pub namespace: String,
    pub pod: String,
    pub port: u16,
    /// The Helm release (`app.kubernetes.io/instance`), when labelled.
    pub release: Option<String>,
}

impl PodEndpoint for ServerEndpoint {
    fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// Why no endpoint could be chosen.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    #[error(
        "no Airbyte server pod{where_}: looked for labels airbyte=server, or app.kubernetes.io/name=server on a pod running the airbyte/server image. Is Airbyte installed with its Helm chart here? Otherwise set airbyte_url for this context in config.toml",
        where_ = .namespace.as_ref().map(|n| format!(" in {n}")).unwrap_or_default()
    )]
    NoPods { namespace: Option<String> },
    #[error("Airbyte server pod(s) found but none is running and ready: {}. Wait for one to be ready", .pods.join(", "))]
    NoneReady { pods: Vec<String> },
    #[error("several Airbyte installations here ({}): choose one with -n NAMESPACE", .releases.join(", "))]
    Ambiguous { releases: Vec<String> },
}

/// Whether `pod` is an Airbyte server by its labels (and, for V1's generic name, its image).
fn is_server(pod: &Pod) -> bool {
    if label(pod, "airbyte").as_deref() == Some("server") {
        return true;
    }
    label(pod, "app.kubernetes.io/name").as_deref() == Some("server")
        && server_container(pod).is_some()
}

/// The container running `airbyte/server` (any registry, any tag).
fn server_container(pod: &Pod) -> Option<&Container> {
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice())?;
    containers.iter().find(|c| {
        c.image.as_deref().is_some_and(|image| {
            let path = image.split(['@', ':']).next().unwrap_or_default();
            path == "airbyte/server" || path.ends_with("/airbyte/server")
        })
    })
}

/// The best server pod among `pods` (any namespaces'; others are ignored): running and ready,
/// the first by name among equals so the choice is stable. `namespace` is what `-n` said, for
/// the message when there is none.
pub fn find_server_endpoint(
    pods: &[Pod],
    namespace: Option<&str>,
) -> Result<ServerEndpoint, DiscoverError> {
    let mut candidates: Vec<&Pod> = pods.iter().filter(|p| is_server(p)).collect();
    // The same pod may come from both selectors.
    candidates.sort_by_key(|p| (p.metadata.namespace.clone(), name(p)));
    candidates.dedup_by_key(|p| (p.metadata.namespace.clone(), name(p)));
    if candidates.is_empty() {
        return Err(DiscoverError::NoPods {
            namespace: namespace.map(str::to_string),
        });
    }
    let releases: BTreeSet<String> = candidates
        .iter()
        .map(|pod| {
            let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
            match label(pod, INSTANCE) {
                Some(release) => format!("{ns}/{release}"),
                None => ns.to_string(),
            }
        })
        .collect();
    if releases.len() > 1 {
        return Err(DiscoverError::Ambiguous {
            releases: releases.into_iter().collect(),
        });
    }
    let Some(pod) = candidates.iter().find(|p| is_ready(p)) else {
        return Err(DiscoverError::NoneReady {
            pods: candidates
                .iter()
                .map(|p| format!("{} ({})", name(p), not_ready_reason(p)))
                .collect(),
        });
    };
    Ok(ServerEndpoint {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        pod: name(pod),
        port: server_port(pod),
        release: label(pod, INSTANCE),
    })
}

/// The API's port: the server container's port named `http`, else 8001 if declared, else its
/// first port, else 8001.
fn server_port(pod: &Pod) -> u16 {
    let containers: &[Container] = pod.spec.as_ref().map_or(&[], |s| s.containers.as_slice());
    let ports: Vec<_> = server_container(pod)
        .map(std::slice::from_ref)
        .unwrap_or(containers)
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .collect();
    ports
        .iter()
        .find(|p| p.name.as_deref() == Some("http"))
        .or_else(|| {
            ports
                .iter()
                .find(|p| p.container_port == i32::from(DEFAULT_PORT))
        })
        .or_else(|| ports.first())
        .and_then(|p| u16::try_from(p.container_port).ok())
        .unwrap_or(DEFAULT_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod as the V1 chart (`airbyte` 1.9.2) or V2 makes the server: the labels, the image,
    /// the port named `http`.
    fn server(namespace: &str, name: &str, labels: serde_json::Value, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": [{
                "name": "airbyte-server-container", "image": "airbyte/server:2.0.1",
                "ports": [{"name": "http", "containerPort": 8001}]}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        }))
        .unwrap()
    }

    fn v1_labels() -> serde_json::Value {
        json!({"app.kubernetes.io/name": "server", "app.kubernetes.io/instance": "airbyte"})
    }

    #[test]
    fn the_v1_charts_server_is_found_by_label_and_image() {
        let pods = vec![server(
            "ingestion",
            "airbyte-server-abc-x1",
            v1_labels(),
            true,
        )];
        assert_eq!(
            find_server_endpoint(&pods, None).unwrap(),
            ServerEndpoint {
                namespace: "ingestion".into(),
                pod: "airbyte-server-abc-x1".into(),
                port: 8001,
                release: Some("airbyte".into()),
            }
        );
    }

    #[test]
    fn a_v2_server_is_found_by_its_airbyte_label_and_listed_twice_counts_once() {
        let labels = json!({"airbyte": "server", "app.kubernetes.io/name": "server",
            "app.kubernetes.io/instance": "ab"});
        let pod = server("data", "ab-airbyte-server-0", labels, true);
        let found = find_server_endpoint(&[pod.clone(), pod], None).unwrap();
        assert_eq!(
            (found.pod.as_str(), found.port),
            ("ab-airbyte-server-0", 8001)
        );
    }

    #[test]
    fn another_products_server_is_not_airbyte() {
        let mut pod = server(
            "web",
            "api-server-0",
            json!({"app.kubernetes.io/name": "server"}),
            true,
        );
        if let Some(spec) = pod.spec.as_mut() {
            spec.containers[0].image = Some("nginx:1.27".into());
        }
        let err = find_server_endpoint(&[pod], Some("web")).unwrap_err();
        assert_eq!(
            err,
            DiscoverError::NoPods {
                namespace: Some("web".into())
            }
        );
        assert!(err.to_string().contains("airbyte=server"), "{err}");
    }

    #[test]
    fn a_ready_pod_is_chosen_and_none_ready_is_said() {
        let pods = vec![
            server("ingestion", "airbyte-server-a", v1_labels(), false),
            server("ingestion", "airbyte-server-b", v1_labels(), true),
        ];
        assert_eq!(
            find_server_endpoint(&pods, None).unwrap().pod,
            "airbyte-server-b"
        );
        let err = find_server_endpoint(&pods[..1], None).unwrap_err();
        assert_eq!(
            err,
            DiscoverError::NoneReady {
                pods: vec!["airbyte-server-a (not ready)".into()]
            }
        );
    }

    #[test]
    fn two_installations_must_be_told_apart() {
        let pods = vec![
            server("ingestion", "airbyte-server-a", v1_labels(), true),
            server("staging", "airbyte-server-b", v1_labels(), true),
        ];
        let err = find_server_endpoint(&pods, None).unwrap_err().to_string();
        assert!(
            err.contains("ingestion/airbyte, staging/airbyte") && err.contains("-n"),
            "{err}"
        );
    }
}
