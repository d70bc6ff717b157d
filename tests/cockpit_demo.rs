//! The cockpit's data path against the embedded simulator, as the product runs it: connect
//! through the demo's kubeconfig exactly as `strata demo` does, subscribe to the shared cache
//! (namespaces, pods; a namespace's pods served from the all-namespaces watch), and follow the
//! layers feed; through a relay that can cut the connection, see an outage reported as stale
//! and recovered. Every wait has a timeout so a stuck simulator fails instead of hanging.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use strata::cluster::layers::{self, Freshness};
use strata::cluster::{
    self, Cache, CacheEvent, Catalog, ClusterError, ConnectTarget, Connection, KubeconfigSource,
    NamespaceScope, ResourceRow, RowKey, Subscription, WatchStatus, WatchTarget,
};
use strata::stack::RuleSet;
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

fn target(plural: &str, scope: NamespaceScope) -> WatchTarget {
    let kind = Catalog::builtin()
        .resolve(plural)
        .cloned()
        .expect("a built-in kind");
    WatchTarget::of(kind, scope)
}

/// Rows as a subscriber keeps them, with the last status seen.
#[derive(Default)]
struct Seen {
    rows: BTreeMap<RowKey, Arc<ResourceRow>>,
    status: Option<WatchStatus>,
    statuses: Vec<WatchStatus>,
}

impl Seen {
    fn apply(&mut self, event: CacheEvent) {
        match event {
            CacheEvent::Reset(rows) => {
                self.rows = rows.into_iter().map(|r| (r.key.clone(), r)).collect();
            }
            CacheEvent::Applied(row) => {
                self.rows.insert(row.key.clone(), row);
            }
            CacheEvent::Deleted(row) => {
                self.rows.remove(&row.key);
            }
            CacheEvent::Status(status) => {
                self.statuses.push(status.clone());
                self.status = Some(status);
            }
            CacheEvent::Columns(_) => {}
        }
    }
}

/// Applies events until `done` holds, failing the test on timeout. The demo's controllers
/// create most pods after start-up, so the first list is not the whole stack.
async fn until(subscription: &mut Subscription, seen: &mut Seen, done: impl Fn(&Seen) -> bool) {
    let waited = tokio::time::timeout(WAIT, async {
        while !done(seen) {
            match subscription.events.recv().await {
                Some(event) => seen.apply(event),
                None => panic!("a subscription never ends while held"),
            }
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "timed out; rows so far: {:?}, status {:?}",
        seen.rows.keys().take(20).collect::<Vec<_>>(),
        seen.status
    );
}

fn live(seen: &Seen) -> bool {
    seen.status == Some(WatchStatus::Live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_stack_arrives_in_the_shared_cache() {
    let (_sim, connection) = demo().await;
    assert_eq!(connection.context, "strata-sim");
    assert!(connection.cluster_url.starts_with("http://127.0.0.1:"));
    let version = cluster::probe(&connection)
        .await
        .expect("the simulator answers /version");
    assert!(version.starts_with('v'), "{version}");
    let cache = Cache::new(connection.client.clone());

    let mut namespaces = cache.subscribe(&target("namespaces", NamespaceScope::All));
    let mut seen = Seen::default();
    until(&mut namespaces, &mut seen, live).await;
    let listed: BTreeSet<String> = seen.rows.keys().map(|k| k.name.to_string()).collect();
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

    let mut pods = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut seen = Seen::default();
    let stack = ["ingestion", "orchestration", "warehouse", "platform"];
    until(&mut pods, &mut seen, |seen| {
        stack
            .iter()
            .all(|ns| seen.rows.keys().any(|key| key.namespace == *ns))
    })
    .await;
    assert!(seen.rows.values().all(|p| !p.key.name.is_empty()
        && p.cells.len() >= 5
        && p.facts.as_ref().is_some_and(|f| f.name == p.key.name)));
    // A second view of all pods, and one of a namespace, are served by the same watch.
    let mut again = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut orchestration = cache.subscribe(&target(
        "pods",
        NamespaceScope::Only("orchestration".into()),
    ));
    let (mut all, mut one) = (Seen::default(), Seen::default());
    until(&mut again, &mut all, live).await;
    until(&mut orchestration, &mut one, live).await;
    assert_eq!(
        cache.running().len(),
        2,
        "namespaces and pods: {:?}",
        cache.running()
    );
    assert!(!one.rows.is_empty());
    assert!(one.rows.keys().all(|k| k.namespace == "orchestration"));
    let shared = one.rows.values().next().expect("a pod");
    assert!(
        Arc::ptr_eq(shared, &all.rows[&shared.key]),
        "one copy of each object, shared by every view"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_watch_sees_only_its_namespace() {
    let (_sim, connection) = demo().await;
    let cache = Cache::new(connection.client.clone());
    let mut pods = cache.subscribe(&target(
        "pods",
        NamespaceScope::Only("orchestration".into()),
    ));
    let mut seen = Seen::default();
    until(&mut pods, &mut seen, |s| s.rows.len() >= 3).await;
    assert!(
        seen.rows.keys().all(|key| key.namespace == "orchestration"),
        "{:?}",
        seen.rows.keys()
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
        // The cut listener closes on its own task: wait for the port to be free again.
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(error) if Instant::now() < deadline => {
                    eprintln!("the relay's port is not free yet: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("the relay gets its port back: {error}"),
            }
        };
        self.serve(listener);
    }
}

/// The demo through a relay that can cut it: (simulator, direct connection, relay, relayed
/// connection).
async fn relayed() -> (RunningSim, Connection, Relay, Connection) {
    let (sim, direct) = demo().await;
    let relay = Relay::start(sim.addr).await;
    let through_relay = sim
        .kubeconfig_yaml()
        .replace(&sim.url(), &format!("http://{}", relay.addr));
    let connection = cluster::connect(&ConnectTarget {
        source: KubeconfigSource::Inline(through_relay),
        context: Some("strata-sim".into()),
    })
    .await
    .expect("the relayed kubeconfig is usable");
    (sim, direct, relay, connection)
}

async fn create_pod(connection: &Connection, name: &str) {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}
    }))
    .expect("a valid pod");
    Api::<Pod>::namespaced(connection.client.clone(), "default")
        .create(&PostParams::default(), &pod)
        .await
        .expect("the simulator accepts a pod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_outage_is_reported_retried_and_recovered() {
    let (_sim, direct, mut relay, connection) = relayed().await;
    let cache = Cache::new(connection.client.clone());
    let mut pods = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut seen = Seen::default();
    until(&mut pods, &mut seen, |s| live(s) && !s.rows.is_empty()).await;
    let before = seen.rows.len();

    relay.cut();
    until(&mut pods, &mut seen, |s| {
        matches!(s.status, Some(WatchStatus::Stale { .. }))
    })
    .await;
    let Some(WatchStatus::Stale { error, .. }) = &seen.status else {
        unreachable!()
    };
    assert!(error.starts_with("pods: "), "{error}");
    // The rows stay, marked stale, while the watch is retried.
    assert_eq!(seen.rows.len(), before);

    relay.restore().await;
    create_pod(&direct, "after-the-outage").await;
    until(&mut pods, &mut seen, |s| {
        live(s)
            && s.rows
                .contains_key(&RowKey::new("default", "after-the-outage"))
    })
    .await;
}

async fn next_update(
    updates: &mut (impl futures::Stream<Item = layers::LayersUpdate> + Unpin),
    limit: Duration,
) -> layers::LayersUpdate {
    tokio::time::timeout(limit, updates.next())
        .await
        .expect("a layers update in time")
        .expect("the feed never ends")
}

/// An outage of `seconds` under the layers: stale during it (never plain live), live again
/// within 5 s of the server answering, and no warning left behind.
async fn layers_through_an_outage(seconds: u64) {
    let (_sim, _direct, mut relay, connection) = relayed().await;
    let cache = Cache::new(connection.client.clone());
    let mut updates = Box::pin(layers::watch(
        cache,
        NamespaceScope::All,
        Arc::new(RuleSet::builtin()),
    ));
    let limit = Duration::from_secs(seconds + 30);
    let mut first: layers::LayersUpdate = next_update(&mut updates, limit).await;
    while !first.freshness.is_live() {
        first = next_update(&mut updates, limit).await;
    }
    assert!(first.report.component_count() > 5);

    relay.cut();
    let cut_at = Instant::now();
    let mut update: layers::LayersUpdate = next_update(&mut updates, limit).await;
    while !matches!(update.freshness, Freshness::Stale { .. }) {
        assert!(
            cut_at.elapsed() < Duration::from_secs(15),
            "{:?}",
            update.freshness
        );
        update = next_update(&mut updates, limit).await;
    }
    let Freshness::Stale { kinds, .. } = &update.freshness else {
        unreachable!()
    };
    assert!(kinds.iter().any(|k| k == "pods"), "{kinds:?}");
    // While the server is away nothing claims to be live.
    let away = Duration::from_secs(seconds).saturating_sub(cut_at.elapsed());
    let _ = tokio::time::timeout(away, async {
        loop {
            let update: layers::LayersUpdate = next_update(&mut updates, limit).await;
            assert!(!update.freshness.is_live(), "live during the outage");
        }
    })
    .await;

    relay.restore().await;
    let back = Instant::now();
    let mut update: layers::LayersUpdate = next_update(&mut updates, limit).await;
    while !update.freshness.is_live() {
        update = next_update(&mut updates, limit).await;
    }
    let recovered = back.elapsed();
    assert!(
        recovered <= Duration::from_secs(5),
        "live again {recovered:?} after the server answered"
    );
    assert!(update.warnings.is_empty(), "{:?}", update.warnings);
    assert_eq!(
        update.report.component_count(),
        first.report.component_count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layers_survive_a_15_second_outage() {
    layers_through_an_outage(15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layers_survive_a_60_second_outage() {
    layers_through_an_outage(60).await;
}

async fn settle_layers(updates: &mut (impl futures::Stream<Item = layers::LayersUpdate> + Unpin)) {
    loop {
        if next_update(updates, WAIT).await.freshness.is_live() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_share_one_watch_which_stops_with_its_last_subscriber() {
    let (sim, connection) = demo().await;
    let before = sim.state.requests().last_seq;
    let cache = Cache::new(connection.client.clone());
    let mut layers = Box::pin(layers::watch(
        cache.clone(),
        NamespaceScope::All,
        Arc::new(RuleSet::builtin()),
    ));
    settle_layers(&mut layers).await;
    let pod_reads = |since| {
        let log = sim.state.requests_since(since);
        (log.count("watch", "pods"), log.count("list", "pods"))
    };
    let (watches, lists) = pod_reads(before);
    assert_eq!(watches + lists, 1, "the layers read pods once");

    // `:pods`, then a namespace's pods: both from the layers' watch, no second list.
    let mut all = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut one = cache.subscribe(&target("pods", NamespaceScope::Only("platform".into())));
    let (mut seen_all, mut seen_one) = (Seen::default(), Seen::default());
    until(&mut all, &mut seen_all, |s| live(s) && !s.rows.is_empty()).await;
    until(&mut one, &mut seen_one, |s| live(s) && !s.rows.is_empty()).await;
    assert_eq!(
        pod_reads(before),
        (watches, lists),
        "no second read of pods"
    );
    let pods_watches = cache
        .running()
        .iter()
        .filter(|t| t.kind.plural == "pods")
        .count();
    assert_eq!(pods_watches, 1);

    // The last subscriber leaves: the watch stops; the next one starts another.
    drop((layers, all, one));
    assert!(
        cache.running().is_empty(),
        "still running: {:?}",
        cache.running()
    );
    let mut again = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut seen = Seen::default();
    until(&mut again, &mut seen, live).await;
    let (watches_after, lists_after) = pod_reads(before);
    assert_eq!(watches_after + lists_after, watches + lists + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relist_after_410_keeps_every_subscriber_consistent() {
    use strata_sim::resources::ResKey;
    let (sim, connection) = demo().await;
    let cache = Cache::new(connection.client.clone());
    let mut all = cache.subscribe(&target("pods", NamespaceScope::All));
    let mut platform = cache.subscribe(&target("pods", NamespaceScope::Only("platform".into())));
    let (mut seen_all, mut seen_platform) = (Seen::default(), Seen::default());
    until(&mut all, &mut seen_all, |s| live(s) && !s.rows.is_empty()).await;
    until(&mut platform, &mut seen_platform, |s| {
        live(s) && !s.rows.is_empty()
    })
    .await;
    // A bare pod (no controller to bring it back) that will go during the outage.
    let gone = RowKey::new("platform", "doomed");
    let pods = ResKey::new("", "pods");
    sim.state
        .store
        .create(
            &pods,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "doomed", "namespace": "platform"},
                "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}),
        )
        .expect("a bare pod");
    for (subscription, seen) in [
        (&mut all, &mut seen_all),
        (&mut platform, &mut seen_platform),
    ] {
        until(subscription, seen, |s| s.rows.contains_key(&gone)).await;
    }
    let before = sim.state.requests().last_seq;

    // While the server is away: one pod goes, one comes, and the history the watch would
    // resume from is compacted away, so it must list again.
    assert!(sim.suspend().await);
    sim.state
        .store
        .delete(&pods, &gone.namespace, &gone.name)
        .expect("the pod existed");
    sim.state
        .store
        .create(
            &pods,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "born-during-the-outage", "namespace": "platform"},
                "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}),
        )
        .expect("a new pod");
    sim.state.store.compact(0);
    sim.resume().await.expect("the simulator comes back");

    let born = RowKey::new("platform", "born-during-the-outage");
    for (subscription, seen) in [
        (&mut all, &mut seen_all),
        (&mut platform, &mut seen_platform),
    ] {
        until(subscription, seen, |s| {
            live(s) && s.rows.contains_key(&born) && !s.rows.contains_key(&gone)
        })
        .await;
    }
    // Each view is exactly what the server has (in its scope).
    let server: BTreeSet<RowKey> = Api::<Pod>::all(connection.client.clone())
        .list(&Default::default())
        .await
        .expect("pods list")
        .items
        .iter()
        .map(|p| {
            RowKey::new(
                p.metadata.namespace.as_deref().unwrap_or_default(),
                p.metadata.name.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    let shown: BTreeSet<RowKey> = seen_all.rows.keys().cloned().collect();
    assert_eq!(shown, server);
    let in_platform: BTreeSet<RowKey> = server
        .into_iter()
        .filter(|k| k.namespace == "platform")
        .collect();
    let shown: BTreeSet<RowKey> = seen_platform.rows.keys().cloned().collect();
    assert_eq!(shown, in_platform);
    let log = sim.state.requests_since(before);
    assert!(
        log.recent
            .iter()
            .any(|r| r.resource == "pods" && r.send_initial_events),
        "the cache listed again: {:?}",
        log.recent
            .iter()
            .map(|r| (&r.verb, &r.resource, r.code))
            .collect::<Vec<_>>()
    );
}
