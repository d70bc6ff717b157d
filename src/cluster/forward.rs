//! Port-forwards the operator opens (`kubectl port-forward`, kept in the background): a
//! listener on 127.0.0.1 whose every connection is carried to a pod's port over the API
//! server's `pods/portforward`, with what went through it (connections, bytes, last error).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Client;
use kube::api::{Api, ListParams};
use tokio::net::TcpListener;

/// `LOCAL:REMOTE` (or one port for both) as typed.
pub fn parse_ports(text: &str) -> Result<(u16, u16), String> {
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                format!("{p:?} is not a port (1-65535): type LOCAL:REMOTE, e.g. 8080:80")
            })
    };
    match text.split_once(':') {
        Some((local, remote)) => Ok((port(local)?, port(remote)?)),
        None => port(text).map(|p| (p, p)),
    }
}

/// The pod and port a forward to `kind` `name` reaches: a pod's first declared container
/// port; a Service's first port, through a ready pod behind its selector (a named
/// targetPort looked up in that pod's containers).
pub async fn resolve(
    client: &Client,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<(String, u16), String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    if kind == "Pod" {
        let pod = pods
            .get(name)
            .await
            .map_err(|e| format!("cannot read pod {name}: {}", super::with_causes(&e)))?;
        let port = container_ports(&pod).first().map(|(_, p)| *p).unwrap_or(0);
        return Ok((name.to_string(), port));
    }
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let service = services
        .get(name)
        .await
        .map_err(|e| format!("cannot read service {name}: {}", super::with_causes(&e)))?;
    let spec = service.spec.unwrap_or_default();
    let selector = spec
        .selector
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("service {name} has no selector: no pod to forward to"))?;
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let listed = pods
        .list(&ListParams::default().labels(&labels.join(",")))
        .await
        .map_err(|e| format!("cannot list the pods of {name}: {}", super::with_causes(&e)))?;
    let pod = listed
        .items
        .into_iter()
        .find(is_ready)
        .ok_or_else(|| format!("service {name} has no ready pod to forward to"))?;
    let target = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|p| p.target_port.unwrap_or(IntOrString::Int(p.port)));
    let port = match target {
        Some(IntOrString::Int(port)) => u16::try_from(port).unwrap_or(0),
        Some(IntOrString::String(named)) => container_ports(&pod)
            .into_iter()
            .find(|(n, _)| *n == named)
            .map(|(_, p)| p)
            .ok_or_else(|| format!("no container of its pod names a port {named:?}"))?,
        None => 0,
    };
    Ok((pod.metadata.name.unwrap_or_default(), port))
}

fn container_ports(pod: &Pod) -> Vec<(String, u16)> {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                u16::try_from(p.container_port).unwrap_or(0),
            )
        })
        .collect()
}

fn is_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_none_or(|c| c.iter().all(|c| c.type_ != "Ready" || c.status == "True"))
}

/// What went through a forward so far.
#[derive(Debug, Default)]
pub struct Traffic {
    pub connections: AtomicU64,
    pub bytes: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

/// One forward running in the background; dropping it stops it (the listener closes).
#[derive(Debug)]
pub struct Forward {
    pub namespace: String,
    pub pod: String,
    pub local: u16,
    pub remote: u16,
    pub since: DateTime<Utc>,
    pub traffic: Arc<Traffic>,
    task: tokio::task::AbortHandle,
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Forward {
    /// Listens on 127.0.0.1:`local` (0: any free port) and carries every connection to
    /// `pod`:`remote`, each over its own port-forward stream.
    pub async fn start(
        client: &Client,
        namespace: &str,
        pod: &str,
        local: u16,
        remote: u16,
    ) -> Result<Forward, String> {
        let listener = TcpListener::bind(("127.0.0.1", local))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{local}: {e}"))?;
        let local = listener.local_addr().map(|a| a.port()).unwrap_or(local);
        let traffic = Arc::new(Traffic::default());
        let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let (pod_name, seen) = (pod.to_string(), traffic.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                seen.connections.fetch_add(1, Ordering::Relaxed);
                let (api, pod, seen) = (api.clone(), pod_name.clone(), seen.clone());
                tokio::spawn(async move {
                    if let Err(error) = carry(&api, &pod, remote, &mut conn, &seen).await
                        && let Ok(mut last) = seen.last_error.lock()
                    {
                        *last = Some(error);
                    }
                });
            }
        })
        .abort_handle();
        Ok(Forward {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            local,
            remote,
            since: Utc::now(),
            traffic,
            task,
        })
    }

    pub fn connections(&self) -> u64 {
        self.traffic.connections.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.traffic.bytes.load(Ordering::Relaxed)
    }

    pub fn last_error(&self) -> Option<String> {
        self.traffic.last_error.lock().ok().and_then(|e| e.clone())
    }
}

/// One accepted connection, both ways, until either side closes.
async fn carry(
    api: &Api<Pod>,
    pod: &str,
    remote: u16,
    conn: &mut tokio::net::TcpStream,
    traffic: &Traffic,
) -> Result<(), String> {
    let mut forwarder = api.portforward(pod, &[remote]).await.map_err(|e| {
        format!(
            "cannot forward to {pod}:{remote}: {}",
            super::with_causes(&e)
        )
    })?;
    let mut upstream = forwarder
        .take_stream(remote)
        .ok_or_else(|| format!("no stream to {pod}:{remote}"))?;
    let moved = tokio::io::copy_bidirectional(conn, &mut upstream).await;
    drop(upstream);
    let _ = forwarder.join().await;
    let (up, down) = moved.map_err(|e| format!("{pod}:{remote}: {e}"))?;
    traffic.bytes.fetch_add(up + down, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_local_colon_remote_or_one_for_both() {
        assert_eq!(parse_ports("8080:80"), Ok((8080, 80)));
        assert_eq!(parse_ports(" 5432 "), Ok((5432, 5432)));
        assert!(parse_ports("0:80").is_err());
        assert!(parse_ports("http").unwrap_err().contains("LOCAL:REMOTE"));
        assert!(parse_ports("70000:80").is_err());
    }
}
