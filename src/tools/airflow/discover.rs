//! Finding the pod that serves an Airflow's REST API, from the labels of the official chart:
//! `tier=airflow` with `component=api-server` (Airflow 3) or `component=webserver` (Airflow 2),
//! `release=<helm release>`. Pure: the caller lists the pods (with [`API_POD_SELECTOR`]) and
//! opens the port-forward.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, Pod};
use kube::Client;

use crate::tools::connector::Connector;
use crate::tools::located::PodEndpoint;
use crate::tools::pods::{is_ready, label, name, not_ready_reason};

/// A label selector for the pods that can serve Airflow's API (any release).
pub const API_POD_SELECTOR: &str = "tier=airflow,component in (api-server,webserver)";

/// Airflow's port when a container declares none.
const DEFAULT_PORT: u16 = 8080;

/// Which Airflow component serves the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiRole {
    /// Airflow 3's api-server (REST API v2).
    ApiServer,
    /// Airflow 2's webserver (REST API v1).
    Webserver,
}

/// The pod and port to forward to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiEndpoint {
    pub namespace: String,
    pub pod: String,
    pub port: u16,
    pub role: ApiRole,
    pub release: Option<String>,
}

impl ApiEndpoint {
    /// A port-forward connector to this endpoint.
    pub fn connector(&self, client: Client) -> Connector {
        Connector::port_forward(client, &self.namespace, &self.pod, self.port)
    }
}

impl PodEndpoint for ApiEndpoint {
    fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// Why no endpoint could be chosen.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiscoverError {
    #[error(
        "no Airflow api-server (Airflow 3) or webserver (Airflow 2) pod{release_part}: looked for labels {API_POD_SELECTOR}. Is Airflow installed with the official chart here? Otherwise give its URL",
        release_part = .release.as_ref().map(|r| format!(" of release {r}")).unwrap_or_default()
    )]
    NoPods { release: Option<String> },
    #[error("Airflow API pod(s) found but none is running and ready: {}. Wait for a pod to be ready, or check it with `d`", .pods.join(", "))]
    NoneReady { pods: Vec<String> },
    #[error("several Airflow releases serve an API here ({}): choose one", .releases.join(", "))]
    Ambiguous { releases: Vec<String> },
}

/// The best pod to talk to among `pods` (any namespace's list; others are ignored): an
/// api-server before a webserver (a cluster mid-upgrade from 2 to 3 has both), a running and
/// ready one, the first by name among equals so the choice is stable.
pub fn find_api_endpoint(
    pods: &[Pod],
    release: Option<&str>,
) -> Result<ApiEndpoint, DiscoverError> {
    let candidates: Vec<(&Pod, ApiRole)> = pods
        .iter()
        .filter_map(|pod| {
            let labels = pod.metadata.labels.as_ref()?;
            if labels.get("tier").map(String::as_str) != Some("airflow") {
                return None;
            }
            if let Some(want) = release
                && labels.get("release").map(String::as_str) != Some(want)
            {
                return None;
            }
            let role = match labels.get("component").map(String::as_str) {
                Some("api-server") => ApiRole::ApiServer,
                Some("webserver") => ApiRole::Webserver,
                _ => return None,
            };
            Some((pod, role))
        })
        .collect();
    if candidates.is_empty() {
        return Err(DiscoverError::NoPods {
            release: release.map(str::to_string),
        });
    }
    if release.is_none() {
        let releases: BTreeSet<String> = candidates
            .iter()
            .filter_map(|(pod, _)| {
                let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
                Some(format!("{namespace}/{}", label(pod, "release")?))
            })
            .collect();
        if releases.len() > 1 {
            return Err(DiscoverError::Ambiguous {
                releases: releases.into_iter().collect(),
            });
        }
    }
    let mut ready: Vec<&(&Pod, ApiRole)> = candidates.iter().filter(|(p, _)| is_ready(p)).collect();
    ready.sort_by_key(|(pod, role)| (*role != ApiRole::ApiServer, pod.metadata.name.clone()));
    let Some((pod, role)) = ready.first() else {
        return Err(DiscoverError::NoneReady {
            pods: candidates
                .iter()
                .map(|(p, _)| format!("{} ({})", name(p), not_ready_reason(p)))
                .collect(),
        });
    };
    Ok(ApiEndpoint {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        pod: name(pod),
        port: api_port(pod, *role),
        role: *role,
        release: label(pod, "release"),
    })
}

/// The API's port: a port named for it (`api-server` on Airflow 3, `airflow-ui` on the
/// Airflow 2 chart), else 8080 if declared, else the first port of the API container, else
/// Airflow's default 8080.
fn api_port(pod: &Pod, role: ApiRole) -> u16 {
    let containers: &[Container] = pod.spec.as_ref().map_or(&[], |s| s.containers.as_slice());
    let ports = || containers.iter().flat_map(|c| c.ports.iter().flatten());
    let wanted = match role {
        ApiRole::ApiServer => ["api-server", "api"],
        ApiRole::Webserver => ["airflow-ui", "webserver"],
    };
    let by_name = ports().find(|p| p.name.as_deref().is_some_and(|n| wanted.contains(&n)));
    let fallback = || {
        ports()
            .find(|p| p.container_port == i32::from(DEFAULT_PORT))
            .or_else(|| {
                let container = match role {
                    ApiRole::ApiServer => "api-server",
                    ApiRole::Webserver => "webserver",
                };
                containers
                    .iter()
                    .find(|c| c.name == container)
                    .and_then(|c| c.ports.as_ref()?.first())
            })
    };
    by_name
        .or_else(fallback)
        .and_then(|p| u16::try_from(p.container_port).ok())
        .unwrap_or(DEFAULT_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerPort, PodCondition, PodSpec, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde_json::Value;

    const CHART: &str = include_str!("../../../tests/fixtures/charts/airflow.yaml");

    /// A pod as the api-server Deployment of the real rendered chart would make it.
    fn chart_pod(component: &str, name: &str, phase: &str, ready: bool) -> Pod {
        let docs = serde_saphyr::from_multiple::<Value>(CHART).expect("chart parses");
        let deployment = docs
            .iter()
            .find(|d| {
                d["kind"] == "Deployment"
                    && d["spec"]["template"]["metadata"]["labels"]["component"] == component
            })
            .unwrap_or_else(|| panic!("the chart has a {component} Deployment"));
        let template = &deployment["spec"]["template"];
        let mut meta: ObjectMeta = serde_json::from_value(template["metadata"].clone()).unwrap();
        meta.name = Some(name.into());
        meta.namespace = Some("orchestration".into());
        let spec: PodSpec = serde_json::from_value(template["spec"].clone()).unwrap();
        Pod {
            metadata: meta,
            spec: Some(spec),
            status: Some(status(phase, ready)),
        }
    }

    fn status(phase: &str, ready: bool) -> PodStatus {
        PodStatus {
            phase: Some(phase.into()),
            conditions: Some(vec![PodCondition {
                type_: "Ready".into(),
                status: if ready { "True" } else { "False" }.into(),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    /// An Airflow 2 webserver pod as chart 1.x labels it (port `airflow-ui`).
    fn webserver(name: &str, release: &str, port: i32) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("legacy".into()),
                labels: Some(
                    [
                        ("tier", "airflow"),
                        ("component", "webserver"),
                        ("release", release),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "webserver".into(),
                    ports: Some(vec![ContainerPort {
                        name: Some("airflow-ui".into()),
                        container_port: port,
                        ..Default::default()
                    }]),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            status: Some(status("Running", true)),
        }
    }

    #[test]
    fn the_real_charts_api_server_pod_is_found_with_its_named_port() {
        let pods = vec![
            chart_pod("scheduler", "airflow-scheduler-abc", "Running", true),
            chart_pod("api-server", "airflow-api-server-7d9-x1", "Running", true),
        ];
        let found = find_api_endpoint(&pods, None).unwrap();
        assert_eq!(
            found,
            ApiEndpoint {
                namespace: "orchestration".into(),
                pod: "airflow-api-server-7d9-x1".into(),
                port: 8080,
                role: ApiRole::ApiServer,
                release: Some("airflow".into()),
            }
        );
        assert_eq!(find_api_endpoint(&pods, Some("airflow")).unwrap(), found);
        assert_eq!(
            find_api_endpoint(&pods, Some("other")).unwrap_err(),
            DiscoverError::NoPods {
                release: Some("other".into())
            }
        );
    }

    #[test]
    fn a_ready_pod_wins_over_a_pending_or_unready_one() {
        let pods = vec![
            chart_pod("api-server", "airflow-api-server-a", "Pending", false),
            chart_pod("api-server", "airflow-api-server-b", "Running", false),
            chart_pod("api-server", "airflow-api-server-c", "Running", true),
        ];
        assert_eq!(
            find_api_endpoint(&pods, None).unwrap().pod,
            "airflow-api-server-c"
        );
        let err = find_api_endpoint(&pods[..2], None).unwrap_err();
        assert_eq!(
            err,
            DiscoverError::NoneReady {
                pods: vec![
                    "airflow-api-server-a (Pending)".into(),
                    "airflow-api-server-b (not ready)".into()
                ]
            }
        );
        assert!(err.to_string().contains("none is running and ready"));
    }

    #[test]
    fn an_airflow_2_webserver_is_found_by_its_ui_port() {
        let pods = vec![webserver("af2-webserver-0", "af2", 8081)];
        let found = find_api_endpoint(&pods, None).unwrap();
        assert_eq!((found.role, found.port), (ApiRole::Webserver, 8081));
    }

    #[test]
    fn two_releases_must_be_told_apart() {
        let pods = vec![
            chart_pod("api-server", "airflow-api-server-x", "Running", true),
            webserver("af2-webserver-0", "af2", 8080),
        ];
        let err = find_api_endpoint(&pods, None).unwrap_err();
        assert_eq!(
            err,
            DiscoverError::Ambiguous {
                releases: vec!["legacy/af2".into(), "orchestration/airflow".into()]
            }
        );
        assert_eq!(
            find_api_endpoint(&pods, Some("af2")).unwrap().pod,
            "af2-webserver-0"
        );
    }

    #[test]
    fn nothing_airflow_is_said_plainly() {
        let err = find_api_endpoint(&[], None).unwrap_err().to_string();
        assert!(err.contains("component in (api-server,webserver)"), "{err}");
    }
}
