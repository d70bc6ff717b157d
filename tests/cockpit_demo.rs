//! The cockpit's data path against the embedded simulator: connect through the demo's
//! kubeconfig exactly as `strata demo` does, watch namespaces and pods, and see the demo stack
//! arrive both as row changes (what the app applies) and in the reflector stores (what later
//! views read). Every wait has a timeout so a stuck simulator fails instead of hanging.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, PostParams};
use strata::cluster::watch::{watch_namespaces, watch_pods};
use strata::cluster::{
    self, ClusterError, ConnectTarget, Connection, KubeconfigSource, NamespaceScope, PodInfo,
    PodKey, WatchChange,
};
use strata_sim::{self as sim, RunningSim, SimConfig};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(20);

async fn demo() -> (RunningSim, Connection) {
    let sim = sim::start(SimConfig {
        runs: false,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts on 127.0.0.1:0");
    let connection = cluster::connect(&ConnectTarget {
        source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
        context: Some("strata-sim".into()),
    })
    .await
    .expect("the demo kubeconfig is usable");
    (sim, connection)
}

/// The next change that is not a failure, failing the test on timeout.
async fn next_change<T>(changes: &mut BoxStream<'static, WatchChange<T>>) -> WatchChange<T> {
    tokio::time::timeout(WAIT, async {
        loop {
            match changes.next().await {
                Some(WatchChange::Failed(error)) => eprintln!("retrying after: {error}"),
                Some(change) => return change,
                None => panic!("a watch stream must never end"),
            }
        }
    })
    .await
    .expect("a watch change within the timeout")
}

/// Applies pod changes the way the app does until `done` holds for the rows, failing the
/// test on timeout. The demo's controllers create most pods after start-up, so the first
/// list is not the whole stack.
async fn pods_until(
    changes: &mut BoxStream<'static, WatchChange<PodInfo>>,
    done: impl Fn(&BTreeMap<PodKey, PodInfo>) -> bool,
) -> BTreeMap<PodKey, PodInfo> {
    let mut rows = BTreeMap::new();
    let waited = tokio::time::timeout(WAIT, async {
        while !done(&rows) {
            match changes.next().await {
                Some(WatchChange::Resynced(all)) => {
                    rows = all.into_iter().map(|p| (p.key.clone(), p)).collect();
                }
                Some(WatchChange::Applied(pod)) => {
                    rows.insert(pod.key.clone(), pod);
                }
                Some(WatchChange::Deleted(pod)) => {
                    rows.remove(&pod.key);
                }
                Some(WatchChange::Failed(error)) => eprintln!("retrying after: {error}"),
                None => panic!("a watch stream must never end"),
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out; pods so far: {:?}", rows.keys());
    rows
}

fn resynced<T>(change: WatchChange<T>) -> Vec<T> {
    match change {
        WatchChange::Resynced(rows) => rows,
        _ => panic!("the first change of a watch is the complete list"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_stack_arrives_in_rows_and_stores() {
    let (_sim, connection) = demo().await;
    assert_eq!(connection.context, "strata-sim");
    assert!(connection.cluster_url.starts_with("http://127.0.0.1:"));
    let version = cluster::probe(&connection)
        .await
        .expect("the simulator answers /version");
    assert!(version.starts_with('v'), "{version}");

    let mut namespaces = watch_namespaces(connection.client.clone());
    let listed: BTreeSet<String> = resynced(next_change(&mut namespaces.changes).await)
        .into_iter()
        .map(|ns| ns.name)
        .collect();
    for expected in [
        "kube-system",
        "ingestion",
        "orchestration",
        "warehouse",
        "platform",
    ] {
        assert!(
            listed.contains(expected),
            "{expected} missing from {listed:?}"
        );
    }
    let stored: BTreeSet<String> = namespaces
        .store
        .state()
        .iter()
        .map(|ns| ns.name_any())
        .collect();
    assert_eq!(stored, listed, "the reflector holds what the rows show");

    let mut pods = watch_pods(connection.client.clone(), &NamespaceScope::All);
    let stack = ["ingestion", "orchestration", "warehouse", "platform"];
    let rows = pods_until(&mut pods.changes, |rows| {
        stack
            .iter()
            .all(|ns| rows.keys().any(|key| key.namespace == *ns))
    })
    .await;
    assert!(
        rows.values()
            .all(|p| !p.key.name.is_empty() && !p.status.is_empty())
    );
    let cached = pods.store.state();
    assert_eq!(
        cached.len(),
        rows.len(),
        "the reflector holds what the rows show"
    );
    assert!(
        cached.iter().all(|pod| pod.managed_fields().is_empty()),
        "managedFields are stripped before caching"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_watch_sees_only_its_namespace() {
    let (_sim, connection) = demo().await;
    let mut pods = watch_pods(
        connection.client.clone(),
        &NamespaceScope::Only("orchestration".into()),
    );
    let rows = pods_until(&mut pods.changes, |rows| rows.len() >= 3).await;
    assert!(
        rows.keys().all(|key| key.namespace == "orchestration"),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_names_the_ones_there_are() {
    let sim = sim::start(SimConfig {
        runs: false,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let error = cluster::connect(&ConnectTarget {
        source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
        context: Some("production".into()),
    })
    .await
    .expect_err("there is no such context");
    assert!(
        matches!(error, ClusterError::UnknownContext { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("strata-sim"), "{error}");
}

/// A TCP relay in front of the simulator that can drop every connection and refuse new ones,
/// then come back on the same port: a network outage without losing the cluster's state.
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    cut: Option<watch::Sender<bool>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay binds");
        let mut relay = Relay {
            addr: listener.local_addr().expect("relay address"),
            upstream,
            cut: None,
        };
        relay.serve(listener);
        relay
    }

    fn serve(&mut self, listener: TcpListener) {
        let (cut, mut down) = watch::channel(false);
        let upstream = self.upstream;
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(_) => continue,
                    },
                    _ = down.changed() => return,
                };
                let mut down = down.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = down.changed() => {}
                    }
                });
            }
        });
        self.cut = Some(cut);
    }

    fn cut(&mut self) {
        if let Some(cut) = self.cut.take() {
            let _ = cut.send(true);
        }
    }

    async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("the relay gets its port back");
        self.serve(listener);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_outage_is_reported_retried_and_recovered() {
    let (sim, direct) = demo().await;
    let mut relay = Relay::start(sim.addr).await;
    let through_relay = sim
        .kubeconfig_yaml()
        .replace(&sim.url(), &format!("http://{}", relay.addr));
    let connection = cluster::connect(&ConnectTarget {
        source: KubeconfigSource::Inline(through_relay),
        context: Some("strata-sim".into()),
    })
    .await
    .expect("the relayed kubeconfig is usable");
    let mut pods = watch_pods(connection.client.clone(), &NamespaceScope::All);
    pods_until(&mut pods.changes, |rows| !rows.is_empty()).await;

    relay.cut();
    let mut failures = Vec::new();
    let reported = tokio::time::timeout(WAIT, async {
        // Two failures in a row: the watch is retried, not abandoned.
        while failures.len() < 2 {
            match pods.changes.next().await {
                Some(WatchChange::Failed(error)) => failures.push(error),
                Some(_) => {}
                None => panic!("a watch stream must never end"),
            }
        }
    })
    .await;
    assert!(reported.is_ok(), "the outage is reported, got {failures:?}");
    assert!(
        failures.iter().all(|f| f.starts_with("pods: ")),
        "{failures:?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.to_lowercase().contains("refused")),
        "the cause is named: {failures:?}"
    );

    relay.restore().await;
    let probe: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "after-the-outage", "namespace": "default"},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}
    }))
    .expect("a valid pod");
    Api::<Pod>::namespaced(direct.client.clone(), "default")
        .create(&PostParams::default(), &probe)
        .await
        .expect("the simulator accepts a pod");
    let rows = pods_until(&mut pods.changes, |rows| {
        rows.contains_key(&PodKey::new("default", "after-the-outage"))
    })
    .await;
    assert!(rows.contains_key(&PodKey::new("default", "after-the-outage")));
}
