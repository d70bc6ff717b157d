//! A one-shot read of everything the layer view classifies, for `strata status`: workloads,
//! pods, services, the operators' custom resources when their CRDs exist, and the newest
//! revision of every Helm release (Secrets listed with `owner=helm`, only the newest one per
//! release decoded). Lists are paged and run concurrently; what RBAC forbids becomes a
//! warning, so a read-only user still gets a report that says what it could not see.
//! [`watch`] keeps the same picture live for the cockpit's layers view with reflectors.

use std::time::Duration;

use futures::future::join_all;
use futures::{Stream, StreamExt};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use serde_json::Value;

use super::{NamespaceScope, with_causes};
use crate::release::{HelmRelease, decode_release};

/// Objects per page: big enough to keep round trips few, small enough for the API server.
const PAGE_SIZE: u32 = 500;

/// How long one page may take.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// What to list: (group, version, kind, plural, required). Optional kinds are custom
/// resources whose CRDs a cluster may not have.
const KINDS: [(&str, &str, &str, &str, bool); 11] = [
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("batch", "v1", "Job", "jobs", true),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Service", "services", true),
    (
        "clickhouse.altinity.com",
        "v1",
        "ClickHouseInstallation",
        "clickhouseinstallations",
        false,
    ),
    (
        "clickhouse-keeper.altinity.com",
        "v1",
        "ClickHouseKeeperInstallation",
        "clickhousekeeperinstallations",
        false,
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "SparkApplication",
        "sparkapplications",
        false,
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "ScheduledSparkApplication",
        "scheduledsparkapplications",
        false,
    ),
];

/// Everything read, as plain JSON objects (managedFields and Secret data dropped).
#[derive(Clone, Debug, Default)]
pub struct ClusterSnapshot {
    pub objects: Vec<Value>,
    /// The newest revision of each Helm release, decoded.
    pub releases: Vec<HelmRelease>,
    /// Newest-revision release Secrets whose payload does not decode (their metadata only:
    /// the labels still give name, revision and status).
    pub undecodable_releases: Vec<Value>,
    /// What could not be read and why (forbidden kinds, garbage release Secrets).
    pub warnings: Vec<String>,
}

/// Why the snapshot could not be taken at all.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "cannot list {what} {scope}: {reason}; check that the cluster is reachable and that \
         your context may list them (kubectl get {plural} {flag})"
    )]
    List {
        what: String,
        plural: String,
        scope: String,
        flag: String,
        reason: String,
    },
}

/// Reads the snapshot. Fails only when a core kind cannot be listed for another reason
/// than RBAC (server down, timeout): a partial picture would read as "all healthy".
pub async fn take(
    client: &Client,
    scope: &NamespaceScope,
) -> Result<ClusterSnapshot, SnapshotError> {
    let lists = KINDS
        .iter()
        .map(|&(group, version, kind, plural, required)| {
            let client = client.clone();
            async move {
                let resource = ApiResource::from_gvk_with_plural(
                    &GroupVersionKind::gvk(group, version, kind),
                    plural,
                );
                let result = list_all(&client, scope, &resource, None).await;
                (kind, plural, required, resource, result)
            }
        });
    let secrets = async {
        let resource = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("", "v1", "Secret"),
            "secrets",
        );
        list_all(client, scope, &resource, Some("owner=helm")).await
    };
    let (results, secrets) = futures::join!(join_all(lists), secrets);

    let mut snapshot = ClusterSnapshot::default();
    for (kind, plural, required, resource, result) in results {
        match result {
            Ok(items) => snapshot
                .objects
                .extend(items.into_iter().map(|item| into_json(item, &resource))),
            // The CRD is not installed: the tool is not in this cluster.
            Err(ListFailure::Api { code: 404, .. }) if !required => {}
            Err(ListFailure::Api { code: 403, message }) => snapshot.warnings.push(format!(
                "not allowed to list {plural} {}: {message}; components using them may be \
                 missing or show as unknown",
                scope_words(scope)
            )),
            Err(failure) if !required => snapshot.warnings.push(format!(
                "cannot list {plural} {}: {failure}",
                scope_words(scope)
            )),
            Err(failure) => {
                return Err(SnapshotError::List {
                    what: format!("{kind}s"),
                    plural: plural.to_string(),
                    scope: scope_words(scope),
                    flag: scope_flag(scope),
                    reason: failure.to_string(),
                });
            }
        }
    }
    match secrets {
        Ok(items) => read_releases(items, &mut snapshot),
        Err(ListFailure::Api { code: 403, message }) => snapshot.warnings.push(format!(
            "not allowed to read Helm release Secrets {}: {message}; release status (failed, \
             pending-upgrade) is not checked",
            scope_words(scope)
        )),
        Err(failure) => snapshot.warnings.push(format!(
            "cannot read Helm release Secrets {}: {failure}; release status is not checked",
            scope_words(scope)
        )),
    }
    Ok(snapshot)
}

#[derive(Debug)]
enum ListFailure {
    Api { code: u16, message: String },
    Other(String),
}

impl std::fmt::Display for ListFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListFailure::Api { code, message } => write!(f, "{code} {message}"),
            ListFailure::Other(reason) => f.write_str(reason),
        }
    }
}

async fn list_all(
    client: &Client,
    scope: &NamespaceScope,
    resource: &ApiResource,
    labels: Option<&str>,
) -> Result<Vec<DynamicObject>, ListFailure> {
    let api: Api<DynamicObject> = match scope {
        NamespaceScope::All => Api::all_with(client.clone(), resource),
        NamespaceScope::Only(ns) => Api::namespaced_with(client.clone(), ns, resource),
    };
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(selector) = labels {
            params = params.labels(selector);
        }
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let page = match tokio::time::timeout(PAGE_TIMEOUT, api.list(&params)).await {
            Err(_) => {
                return Err(ListFailure::Other(format!(
                    "no answer within {} s",
                    PAGE_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(kube::Error::Api(status))) => {
                return Err(ListFailure::Api {
                    code: status.code,
                    message: status.message.clone(),
                });
            }
            Ok(Err(error)) => return Err(ListFailure::Other(with_causes(&error))),
            Ok(Ok(page)) => page,
        };
        items.extend(page.items);
        match page.metadata.continue_ {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => break,
        }
    }
    Ok(items)
}

/// List items come without `kind`; the projection needs it.
fn into_json(item: DynamicObject, resource: &ApiResource) -> Value {
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.insert("kind".into(), Value::String(resource.kind.clone()));
        map.insert(
            "apiVersion".into(),
            Value::String(resource.api_version.clone()),
        );
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    }
    value
}

/// Keeps the newest revision of each release and decodes only that one.
fn read_releases(secrets: Vec<DynamicObject>, snapshot: &mut ClusterSnapshot) {
    let mut newest: Vec<(String, String, u64, DynamicObject)> = Vec::new();
    for secret in secrets {
        let labels = secret.metadata.labels.clone().unwrap_or_default();
        let Some(name) = labels.get("name").cloned() else {
            continue;
        };
        let namespace = secret.metadata.namespace.clone().unwrap_or_default();
        let version: u64 = labels
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match newest
            .iter_mut()
            .find(|(ns, n, _, _)| *ns == namespace && *n == name)
        {
            Some(entry) if entry.2 >= version => {}
            Some(entry) => *entry = (namespace, name, version, secret),
            None => newest.push((namespace, name, version, secret)),
        }
    }
    for (namespace, name, version, secret) in newest {
        let payload = secret.data["data"]["release"].as_str().unwrap_or_default();
        match decode_release(payload.as_bytes()) {
            Ok(mut release) => {
                // Helm's storage is the truth for where and which revision this is.
                if release.namespace.is_empty() {
                    release.namespace = namespace;
                }
                snapshot.releases.push(release);
            }
            Err(error) => {
                snapshot.warnings.push(format!(
                    "Helm release {name} revision {version} in {namespace}: {error}; its \
                     status is read from the Secret's labels"
                ));
                let mut meta = serde_json::to_value(&secret.metadata).unwrap_or(Value::Null);
                if let Some(m) = meta.as_object_mut() {
                    m.remove("managedFields");
                }
                snapshot
                    .undecodable_releases
                    .push(serde_json::json!({"metadata": meta}));
            }
        }
    }
}

fn scope_words(scope: &NamespaceScope) -> String {
    match scope {
        NamespaceScope::All => "in all namespaces".to_string(),
        NamespaceScope::Only(ns) => format!("in namespace {ns}"),
    }
}

fn scope_flag(scope: &NamespaceScope) -> String {
    match scope {
        NamespaceScope::All => "-A".to_string(),
        NamespaceScope::Only(ns) => format!("-n {ns}"),
    }
}

/// How long the cluster must be quiet before a new snapshot is taken from the stores, and
/// the longest a burst of changes may delay one: at most one classification a second.
const SETTLE: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(1);

/// One watched kind: its reflector's store and what its watch last said.
struct WatchedKind {
    resource: ApiResource,
    plural: &'static str,
    required: bool,
    store: Store<DynamicObject>,
    /// The initial list has arrived (or the kind cannot be listed: absent CRD, forbidden).
    settled: bool,
    problem: Option<String>,
}

/// What a kind's watch reported.
enum Signal {
    Changed(usize),
    Ready(usize),
    Failed(usize, u16, String),
}

/// Watches everything the layer view classifies (the kinds of [`take`] and the Helm release
/// Secrets) with reflectors, and yields a fresh [`ClusterSnapshot`] from the stores after each
/// burst of changes — no polling. Watch errors are retried with back-off and become
/// warnings (a forbidden or absent kind), never the end of the stream.
pub fn watch(client: Client, scope: NamespaceScope) -> impl Stream<Item = ClusterSnapshot> + Send {
    let mut kinds = Vec::new();
    let mut signals = Vec::new();
    let secrets = ("", "v1", "Secret", "secrets", true);
    for (i, &(group, version, kind, plural, required)) in KINDS.iter().chain([&secrets]).enumerate()
    {
        let resource =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        let api: Api<DynamicObject> = match &scope {
            NamespaceScope::All => Api::all_with(client.clone(), &resource),
            NamespaceScope::Only(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        };
        let mut config = watcher::Config::default();
        if kind == "Secret" {
            // Only Helm's release records, never other Secrets.
            config = config.labels("owner=helm");
        }
        let writer = reflector::store::Writer::new(resource.clone());
        let store = writer.as_reader();
        let stream = watcher(api, config)
            .default_backoff()
            .modify(|object: &mut DynamicObject| object.managed_fields_mut().clear())
            .reflect(writer)
            .filter_map(move |event| {
                futures::future::ready(match event {
                    // A (re)list in progress is not a change yet; its end is. A kind whose
                    // list keeps failing (absent CRD) re-lists with back-off and must not cause
                    // a new snapshot each time.
                    Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => None,
                    Ok(watcher::Event::InitDone) => Some(Signal::Ready(i)),
                    Ok(_) => Some(Signal::Changed(i)),
                    Err(error) => {
                        let (code, message) = match super::watch::api_status(&error) {
                            Some(status) => (status.code, status.message.clone()),
                            None => (0, with_causes(&error)),
                        };
                        Some(Signal::Failed(i, code, message))
                    }
                })
            })
            .boxed();
        signals.push(stream);
        kinds.push(WatchedKind {
            resource,
            plural,
            required,
            store,
            settled: false,
            problem: None,
        });
    }
    let merged = futures::stream::select_all(signals);
    futures::stream::unfold(
        (merged, kinds, scope),
        |(mut merged, mut kinds, scope)| async move {
            loop {
                // Wait for a change, then let the burst settle (bounded) before reading stores.
                let first = merged.next().await?;
                let mut changed = apply_signal(&mut kinds, first, &scope);
                let deadline = tokio::time::Instant::now() + MAX_DELAY;
                loop {
                    let quiet = tokio::time::Instant::now() + SETTLE;
                    match tokio::time::timeout_at(quiet.min(deadline), merged.next()).await {
                        Ok(Some(signal)) => changed |= apply_signal(&mut kinds, signal, &scope),
                        Ok(None) => return None,
                        Err(_) => break,
                    }
                }
                if changed && kinds.iter().all(|k| k.settled) {
                    let snapshot = snapshot_of(&kinds);
                    return Some((snapshot, (merged, kinds, scope)));
                }
            }
        },
    )
}

/// Records a signal; whether the snapshot may have changed.
fn apply_signal(kinds: &mut [WatchedKind], signal: Signal, scope: &NamespaceScope) -> bool {
    match signal {
        Signal::Changed(i) => kinds[i].settled,
        Signal::Ready(i) => {
            kinds[i].settled = true;
            kinds[i].problem = None;
            true
        }
        Signal::Failed(i, code, message) => {
            let kind = &mut kinds[i];
            let problem = match code {
                // The CRD is not installed: the tool is not in this cluster.
                404 if !kind.required => None,
                403 => Some(format!(
                    "not allowed to watch {} {}: {message}; components using them may be \
                     missing or show as unknown",
                    kind.plural,
                    scope_words(scope)
                )),
                _ => Some(format!(
                    "cannot watch {} {}: {message} (retrying)",
                    kind.plural,
                    scope_words(scope)
                )),
            };
            let changed = !kind.settled || kind.problem != problem;
            kind.settled = true;
            kind.problem = problem;
            changed
        }
    }
}

/// A snapshot from the reflectors' stores.
fn snapshot_of(kinds: &[WatchedKind]) -> ClusterSnapshot {
    let mut snapshot = ClusterSnapshot::default();
    for kind in kinds {
        if let Some(problem) = &kind.problem {
            snapshot.warnings.push(problem.clone());
        }
        let items: Vec<DynamicObject> = kind.store.state().iter().map(|o| (**o).clone()).collect();
        if kind.resource.kind == "Secret" {
            read_releases(items, &mut snapshot);
        } else {
            snapshot.objects.extend(
                items
                    .into_iter()
                    .map(|item| into_json(item, &kind.resource)),
            );
        }
    }
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ConnectTarget, KubeconfigSource, connect};
    use strata_sim::{self as sim, SimConfig};

    async fn demo() -> (sim::RunningSim, Client) {
        let sim = sim::start(SimConfig {
            runs: false,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let connection = connect(&ConnectTarget {
            source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
            context: None,
        })
        .await
        .unwrap();
        (sim, connection.client)
    }

    #[tokio::test]
    async fn the_watched_snapshot_follows_changes() {
        let (_sim, client) = demo().await;
        let mut snapshots = Box::pin(watch(client.clone(), NamespaceScope::All));
        let first = tokio::time::timeout(Duration::from_secs(20), snapshots.next())
            .await
            .unwrap()
            .unwrap();
        let taken = take(&client, &NamespaceScope::All).await.unwrap();
        assert_eq!(first.objects.len(), taken.objects.len());
        assert_eq!(first.releases.len(), taken.releases.len());
        // A new workload shows up in the next snapshot, without polling.
        let api: Api<DynamicObject> = Api::namespaced_with(
            client.clone(),
            "bi",
            &ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk("", "v1", "Service"),
                "services",
            ),
        );
        let svc: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "watched-svc", "namespace": "bi"},
            "spec": {"ports": [{"port": 80}]}}))
        .unwrap();
        api.create(&kube::api::PostParams::default(), &svc)
            .await
            .unwrap();
        let next = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let s = snapshots.next().await.unwrap();
                if s.objects
                    .iter()
                    .any(|o| o["metadata"]["name"] == "watched-svc")
                {
                    return s;
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(next.releases.len(), taken.releases.len());
    }

    #[tokio::test]
    async fn reads_the_demo_stack_and_its_newest_releases() {
        let (_sim, client) = demo().await;
        let snapshot = take(&client, &NamespaceScope::All).await.unwrap();
        let has = |kind: &str, name: &str| {
            snapshot
                .objects
                .iter()
                .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        };
        assert!(has("Deployment", "airflow-scheduler"));
        assert!(has("StatefulSet", "airflow-triggerer"));
        assert!(has("CronJob", "dbt-marts"));
        assert!(has("ClickHouseInstallation", "analytics"));
        assert!(has("ScheduledSparkApplication", "orders-enrichment"));
        assert!(
            snapshot
                .objects
                .iter()
                .all(|o| o["metadata"]["managedFields"].is_null())
        );
        // One entry per release: the newest revision.
        let trino: Vec<_> = snapshot
            .releases
            .iter()
            .filter(|r| r.name == "trino")
            .collect();
        assert_eq!(trino.len(), 1);
        assert_eq!(trino[0].version, 4);
        assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);
    }

    #[tokio::test]
    async fn a_namespace_scope_reads_only_that_namespace() {
        let (_sim, client) = demo().await;
        let snapshot = take(&client, &NamespaceScope::Only("bi".into()))
            .await
            .unwrap();
        assert!(!snapshot.objects.is_empty());
        assert!(
            snapshot
                .objects
                .iter()
                .all(|o| o["metadata"]["namespace"] == "bi")
        );
        assert!(snapshot.releases.iter().all(|r| r.namespace == "bi"));
        assert!(snapshot.releases.iter().any(|r| r.name == "superset"));
    }

    #[tokio::test]
    async fn a_user_without_secrets_gets_a_warning_not_an_error() {
        let sim = sim::start(SimConfig {
            runs: false,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let connection = connect(&ConnectTarget {
            source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
            context: Some("strata-sim-viewer".into()),
        })
        .await
        .unwrap();
        let snapshot = take(&connection.client, &NamespaceScope::All)
            .await
            .unwrap();
        assert!(snapshot.releases.is_empty());
        assert!(
            snapshot
                .warnings
                .iter()
                .any(|w| w.contains("Helm release Secrets")),
            "{:?}",
            snapshot.warnings
        );
        assert!(!snapshot.objects.is_empty());
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error() {
        let yaml = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n";
        let connection = connect(&ConnectTarget {
            source: KubeconfigSource::Inline(yaml.into()),
            context: None,
        })
        .await
        .unwrap();
        let error = take(&connection.client, &NamespaceScope::All)
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("cannot list"), "{message}");
        assert!(message.to_lowercase().contains("refused"), "{message}");
    }
}
