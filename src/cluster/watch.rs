//! Watching namespaces and pods: kube-rs watchers with the default backoff, managedFields
//! stripped, reflected into stores (the full objects, for views that need more than a row) and
//! turned into a stream of row changes for the app. A watch error becomes a `Failed` change and
//! is retried; the stream never ends on its own.

use std::fmt::Debug;

use futures::stream::BoxStream;
use futures::{StreamExt, future};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{DynamicObject, GetParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::catalog::ResourceKind;
use super::resource::{ColumnHeader, Projector, ResourceRow};
use super::{NamespaceInfo, PodInfo, with_causes};

/// Which namespaces a namespaced watch covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NamespaceScope {
    All,
    Only(String),
}

impl NamespaceScope {
    pub fn contains(&self, namespace: &str) -> bool {
        match self {
            NamespaceScope::All => true,
            NamespaceScope::Only(only) => only == namespace,
        }
    }
}

/// The reflectors' stores: full objects (managedFields stripped) for views that need more
/// than a row, such as describe and YAML, without another request.
#[derive(Clone, Default)]
pub struct ClusterCache {
    pub namespaces: Option<Store<Namespace>>,
    pub pods: Option<Store<Pod>>,
}

/// One change to a watched collection, already projected to rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchChange<T> {
    /// The complete collection after a (re)list: replaces whatever was known.
    Resynced(Vec<T>),
    Applied(T),
    /// The last known state of an object that is gone.
    Deleted(T),
    /// The watch failed; it is retried with backoff and the rows are stale until the next
    /// change arrives.
    Failed(String),
}

/// A running watch: the reflector's store and the stream that drives it. The store only fills
/// while `changes` is polled.
pub struct Watch<K: Resource<DynamicType = ()> + Clone + 'static, T> {
    pub store: Store<K>,
    pub changes: BoxStream<'static, WatchChange<T>>,
}

pub fn watch_namespaces(client: Client) -> Watch<Namespace, NamespaceInfo> {
    watch(
        Api::all(client),
        "namespaces",
        NamespaceInfo::from_namespace,
    )
}

pub fn watch_pods(client: Client, scope: &NamespaceScope) -> Watch<Pod, PodInfo> {
    let api = match scope {
        NamespaceScope::All => Api::all(client),
        NamespaceScope::Only(namespace) => Api::namespaced(client, namespace),
    };
    watch(api, "pods", PodInfo::from_pod)
}

fn watch<K, T>(api: Api<K>, kind: &'static str, project: fn(&K) -> T) -> Watch<K, T>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    T: Send + 'static,
{
    let (store, writer) = reflector::store();
    let mut relist = Relist::default();
    let changes = watcher(api, watcher::Config::default())
        .default_backoff()
        // managedFields are often half of an object's size and no view shows them.
        .modify(|object: &mut K| object.managed_fields_mut().clear())
        .reflect(writer)
        .filter_map(move |event| future::ready(relist.step(event, kind, project)))
        .boxed();
    Watch { store, changes }
}

/// What a table view watches: a kind, a namespace scope and server-side selectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchTarget {
    pub kind: ResourceKind,
    pub scope: NamespaceScope,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

/// What a resource watch reports: its columns once known, then row changes.
#[derive(Clone, Debug, PartialEq)]
pub enum ResourceEvent {
    Columns(Vec<ColumnHeader>),
    Change(WatchChange<ResourceRow>),
}

/// A running watch over any kind, as `DynamicObject`s.
pub struct ResourceWatch {
    pub store: Store<DynamicObject>,
    pub changes: BoxStream<'static, ResourceEvent>,
}

/// Watches `target`: first its columns (a custom resource's printer columns come from its
/// CRD, fetched once), then its rows. Cluster-scoped kinds ignore the namespace scope.
pub fn watch_resource(client: Client, target: &WatchTarget) -> ResourceWatch {
    let kind = target.kind.clone();
    let resource = kind.api_resource();
    let api: Api<DynamicObject> = match (&target.scope, kind.namespaced) {
        (NamespaceScope::Only(namespace), true) => {
            Api::namespaced_with(client.clone(), namespace, &resource)
        }
        _ => Api::all_with(client.clone(), &resource),
    };
    let mut config = watcher::Config::default();
    if let Some(labels) = &target.label_selector {
        config = config.labels(labels);
    }
    if let Some(fields) = &target.field_selector {
        config = config.fields(fields);
    }
    let writer = reflector::store::Writer::new(resource);
    let store = writer.as_reader();
    let label = kind.plural.clone();
    let changes = futures::stream::once(async move {
        let projector = projector_for(&client, &kind).await;
        let columns = ResourceEvent::Columns(projector.headers());
        let mut relist = Relist::default();
        let rows = watcher(api, config)
            .default_backoff()
            .modify(|object: &mut DynamicObject| object.managed_fields_mut().clear())
            .reflect(writer)
            .filter_map(move |event| {
                let change = relist.step(event, &label, |object: &DynamicObject| {
                    projector.row(&kind, object)
                });
                future::ready(change.map(ResourceEvent::Change))
            });
        futures::stream::once(future::ready(columns)).chain(rows)
    })
    .flatten()
    .boxed();
    ResourceWatch { store, changes }
}

/// The built-in printer, or a custom resource's `additionalPrinterColumns` from its CRD
/// (`NAME`/`AGE` when the CRD cannot be read: the table still works).
async fn projector_for(client: &Client, kind: &ResourceKind) -> Projector {
    let projector = Projector::for_kind(kind);
    if matches!(projector, Projector::Builtin(_)) {
        return projector;
    }
    let crds: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> =
        Api::all(client.clone());
    let Ok(crd) = crds
        .get_with(&kind.qualified(), &GetParams::default())
        .await
    else {
        return projector;
    };
    let columns: Vec<serde_json::Value> = crd
        .spec
        .versions
        .iter()
        .find(|v| v.name == kind.version)
        .and_then(|v| v.additional_printer_columns.as_ref())
        .map(|columns| {
            columns
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect()
        })
        .unwrap_or_default();
    Projector::Custom(std::sync::Arc::new(crate::printers::CustomColumns::new(
        &columns,
    )))
}

/// Gathers the objects of a (re)list so the app replaces its rows once, not object by object:
/// 10k pods arrive as one change.
struct Relist<T> {
    buffer: Option<Vec<T>>,
}

impl<T> Default for Relist<T> {
    fn default() -> Self {
        Relist { buffer: None }
    }
}

impl<T> Relist<T> {
    fn step<K>(
        &mut self,
        event: Result<watcher::Event<K>, watcher::Error>,
        kind: &str,
        project: impl Fn(&K) -> T,
    ) -> Option<WatchChange<T>> {
        match event {
            Ok(watcher::Event::Init) => {
                self.buffer = Some(Vec::new());
                None
            }
            Ok(watcher::Event::InitApply(object)) => {
                self.buffer
                    .get_or_insert_with(Vec::new)
                    .push(project(&object));
                None
            }
            Ok(watcher::Event::InitDone) => Some(WatchChange::Resynced(
                self.buffer.take().unwrap_or_default(),
            )),
            Ok(watcher::Event::Apply(object)) => Some(WatchChange::Applied(project(&object))),
            Ok(watcher::Event::Delete(object)) => Some(WatchChange::Deleted(project(&object))),
            Err(error) => {
                // A failed relist starts over with a new Init; keep nothing half-listed.
                self.buffer = None;
                Some(WatchChange::Failed(describe_error(kind, &error)))
            }
        }
    }
}

/// The API server's `Status` behind a watch failure, when the server answered with one.
pub(crate) fn api_status(error: &watcher::Error) -> Option<&kube::core::Status> {
    match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status)) => Some(status.as_ref()),
        watcher::Error::WatchError(status) => Some(status.as_ref()),
        _ => None,
    }
}

/// A one-line account of a watch failure, with the cause chain (kube's top-level message
/// alone often says only "client error").
fn describe_error(kind: &str, error: &watcher::Error) -> String {
    if let Some(status) = api_status(error)
        && status.code == 403
    {
        return format!(
            "not allowed to watch {kind} here ({}); pick a namespace you can read",
            status.message
        );
    }
    format!("{kind}: {}", with_causes(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn pod(name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns"},
            "spec": {"containers": [{"name": "main"}]}
        }))
        .unwrap()
    }

    fn name(pod: &Pod) -> String {
        pod.name_any()
    }

    #[test]
    fn a_relist_becomes_one_resync() {
        let mut relist = Relist::default();
        assert_eq!(relist.step(Ok(watcher::Event::Init), "pods", name), None);
        assert_eq!(
            relist.step(Ok(watcher::Event::InitApply(pod("a"))), "pods", name),
            None
        );
        assert_eq!(
            relist.step(Ok(watcher::Event::InitApply(pod("b"))), "pods", name),
            None
        );
        assert_eq!(
            relist.step(Ok(watcher::Event::InitDone), "pods", name),
            Some(WatchChange::Resynced(vec![
                "a".to_string(),
                "b".to_string()
            ]))
        );
        assert_eq!(
            relist.step(Ok(watcher::Event::Apply(pod("c"))), "pods", name),
            Some(WatchChange::Applied("c".to_string()))
        );
        assert_eq!(
            relist.step(Ok(watcher::Event::Delete(pod("a"))), "pods", name),
            Some(WatchChange::Deleted("a".to_string()))
        );
    }

    #[test]
    fn an_error_mid_list_drops_the_partial_list() {
        let mut relist = Relist::default();
        relist.step(Ok(watcher::Event::Init), "pods", name);
        relist.step(Ok(watcher::Event::InitApply(pod("a"))), "pods", name);
        let failed = relist.step(Err(watcher::Error::NoResourceVersion), "pods", name);
        assert!(matches!(failed, Some(WatchChange::Failed(ref m)) if m.starts_with("pods: ")));
        relist.step(Ok(watcher::Event::Init), "pods", name);
        assert_eq!(
            relist.step(Ok(watcher::Event::InitDone), "pods", name),
            Some(WatchChange::Resynced(Vec::new()))
        );
    }

    #[test]
    fn forbidden_says_what_to_do() {
        let status = Status {
            code: 403,
            message: "pods is forbidden".into(),
            ..Status::default()
        };
        let error = watcher::Error::InitialListFailed(kube::Error::Api(Box::new(status)));
        let message = describe_error("pods", &error);
        assert!(message.contains("not allowed to watch pods"), "{message}");
        assert!(message.contains("pick a namespace"), "{message}");
    }

    #[test]
    fn scope_containment() {
        assert!(NamespaceScope::All.contains("x"));
        assert!(NamespaceScope::Only("x".into()).contains("x"));
        assert!(!NamespaceScope::Only("x".into()).contains("y"));
    }
}
