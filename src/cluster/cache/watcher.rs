//! The list-then-watch loop behind one cache watch, on kube-rs's client: the initial state as a
//! streaming list (`sendInitialEvents`, one object at a time) where the server offers it, else
//! as paginated lists of [`PAGE_SIZE`]; then a watch from the listed resourceVersion, resumed
//! after every normal end and retried after failures with a capped back-off, so data is live
//! again within a few seconds of the server answering. `410 Gone` lists again. Objects are
//! read as plain JSON, projected into rows, and dropped.
//!
//! The loop reports what it knows as a [`WatchStatus`]: `Stale` from the first failure until
//! a list or watch gets through again (a re-established watch counts: its response is the
//! proof), `Forbidden` and `Absent` for what retrying will not fix soon.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::AsyncBufReadExt;
use kube::api::{ApiResource, DynamicObject, ListParams, WatchParams};
use kube::core::Request;
use kube::{Api, Client};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Watch, WatchStatus};
use crate::cluster::catalog::ResourceKind;
use crate::cluster::resource::{Projector, ResourceRow, RowKey};
use crate::cluster::{NamespaceScope, with_causes};

/// Objects per page of a paginated list: few round trips, no huge response on either side.
pub const PAGE_SIZE: u32 = 500;

/// Back-off after a failure: short first, capped so recovery is quick once the server answers.
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// Retrying what will not change soon (RBAC, an absent CRD) is slower.
const SLOW_RETRY: Duration = Duration::from_secs(30);
/// How often a lagging subscriber is offered its Reset.
const CATCH_UP: Duration = Duration::from_millis(100);

/// Where the list and watch requests go, and how objects become rows.
struct Source {
    client: Client,
    kind: ResourceKind,
    url: String,
    labels: Option<String>,
    fields: Option<String>,
    metadata_only: bool,
    projector: Projector,
    facts: bool,
}

/// Why a round of list-and-watch ended.
enum Stop {
    /// The server ended the watch normally (its timeout): resume from the last version.
    Ended,
    /// The resourceVersion is too old (410 Gone): list again.
    Expired,
    /// A failure, with the server's status code when it sent one.
    Failed(Option<u16>, String),
}

pub(crate) async fn run(client: Client, watch: Arc<Watch>, streaming: Arc<OnceCell<bool>>) {
    let target = watch.target().clone();
    let kind = target.kind.clone();
    let projector = projector_for(&client, &kind).await;
    watch.columns(projector.headers());
    let resource = kind.api_resource();
    let api: Api<DynamicObject> = match (&target.scope, kind.namespaced) {
        (NamespaceScope::Only(ns), true) => Api::namespaced_with(client.clone(), ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    };
    let source = Source {
        url: api.resource_url().to_string(),
        client: client.clone(),
        facts: crate::cluster::layers::is_layer_kind(&kind),
        kind,
        labels: target.label_selector.clone(),
        fields: target.field_selector.clone(),
        metadata_only: target.metadata_only,
        projector,
    };
    let streams = *streaming
        .get_or_init(|| async { server_streams_lists(&client).await })
        .await;
    let mut backoff = BACKOFF_FIRST;
    let mut version: Option<String> = None;
    loop {
        let stop = match version.take() {
            None if streams => source.stream_list(&watch, &mut version).await,
            None => match source.list(&watch).await {
                Ok(listed) => {
                    version = Some(listed);
                    source.watch_from(&watch, &mut version).await
                }
                Err(stop) => stop,
            },
            Some(from) => {
                version = Some(from);
                source.watch_from(&watch, &mut version).await
            }
        };
        let wait = match stop {
            Stop::Ended => continue,
            Stop::Expired => {
                version = None;
                continue;
            }
            Stop::Failed(Some(403), message) => {
                version = None;
                watch.status(WatchStatus::Forbidden(forbidden(&source, &message)));
                SLOW_RETRY
            }
            Stop::Failed(Some(404), _) if !source.kind.namespaced || is_custom(&source.kind) => {
                version = None;
                watch.status(WatchStatus::Absent);
                SLOW_RETRY
            }
            Stop::Failed(_, message) => {
                let since = Utc::now();
                let error = format!("{}: {message}", source.kind.plural);
                watch.status(match watch.current_status() {
                    Some(WatchStatus::Stale { since, .. }) => WatchStatus::Stale { since, error },
                    Some(WatchStatus::Failed { since, .. }) => WatchStatus::Failed { since, error },
                    Some(WatchStatus::Live) => WatchStatus::Stale { since, error },
                    _ => WatchStatus::Failed { since, error },
                });
                let wait = backoff;
                backoff = (backoff * 2).min(BACKOFF_CAP);
                wait
            }
        };
        pause(&watch, wait).await;
        if !matches!(
            watch.current_status(),
            Some(WatchStatus::Stale { .. } | WatchStatus::Failed { .. })
        ) {
            backoff = BACKOFF_FIRST;
        }
    }
}

/// Waits, offering lagging subscribers their catch-up meanwhile.
async fn pause(watch: &Watch, wait: Duration) {
    let until = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < until {
        let step = if watch.lagging() { CATCH_UP } else { wait };
        tokio::time::sleep_until(until.min(tokio::time::Instant::now() + step)).await;
        watch.catch_up();
    }
}

/// Streaming lists are served by Kubernetes 1.32 and from 1.34 on (1.33 turned the gate off
/// again and answers 422); older servers would not end the initial events with a bookmark.
async fn server_streams_lists(client: &Client) -> bool {
    let Ok(info) = client.apiserver_version().await else {
        return false;
    };
    let minor: u32 = info
        .minor
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(0);
    info.major == "1" && (minor == 32 || minor >= 34)
}

fn is_custom(kind: &ResourceKind) -> bool {
    !matches!(
        kind.group.as_str(),
        "" | "apps" | "batch" | "networking.k8s.io" | "rbac.authorization.k8s.io" | "policy"
    )
}

fn forbidden(source: &Source, message: &str) -> String {
    format!(
        "not allowed to watch {}: {message}; ask for read access or pick a namespace you can read",
        source.kind.plural
    )
}

#[derive(Deserialize)]
struct ListPage {
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Value>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "resourceVersion", default)]
    resource_version: String,
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

impl Source {
    fn request(&self) -> Request {
        Request::new(self.url.clone())
    }

    fn list_params(&self) -> ListParams {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(labels) = &self.labels {
            params = params.labels(labels);
        }
        if let Some(fields) = &self.fields {
            params = params.fields(fields);
        }
        params
    }

    fn watch_params(&self) -> WatchParams {
        let mut params = WatchParams::default().timeout(290);
        if let Some(labels) = &self.labels {
            params = params.labels(labels);
        }
        if let Some(fields) = &self.fields {
            params = params.fields(fields);
        }
        params
    }

    fn project(&self, object: &Value) -> Arc<ResourceRow> {
        Arc::new(self.projector.row(&self.kind, object, self.facts))
    }

    /// A paginated list into a fresh set of rows; its resourceVersion.
    async fn list(&self, watch: &Watch) -> Result<String, Stop> {
        let mut entries = HashMap::new();
        let mut params = self.list_params();
        loop {
            let request = if self.metadata_only {
                self.request().list_metadata(&params)
            } else {
                self.request().list(&params)
            }
            .map_err(|e| Stop::Failed(None, e.to_string()))?;
            let page: ListPage = self.client.request(request).await.map_err(stop_of)?;
            for item in &page.items {
                let row = self.project(item);
                entries.insert(row.key.clone(), row);
            }
            match page.metadata.continue_token.filter(|t| !t.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => {
                    watch.reset(entries);
                    return Ok(page.metadata.resource_version);
                }
            }
        }
    }

    /// A streaming list: the initial objects arrive as events on the watch itself, ended by
    /// a bookmark; then the same watch goes on with changes.
    async fn stream_list(&self, watch: &Watch, version: &mut Option<String>) -> Stop {
        let mut params = WatchParams::streaming_lists().timeout(290);
        params.label_selector = self.labels.clone();
        params.field_selector = self.fields.clone();
        let request = if self.metadata_only {
            self.request().watch_metadata(&params, "")
        } else {
            self.request().watch(&params, "")
        };
        let request = match request {
            Ok(request) => request,
            Err(e) => return Stop::Failed(None, e.to_string()),
        };
        let mut initial: Option<HashMap<RowKey, Arc<ResourceRow>>> = Some(HashMap::new());
        self.follow(watch, request, version, &mut initial).await
    }

    async fn watch_from(&self, watch: &Watch, version: &mut Option<String>) -> Stop {
        let from = version.clone().unwrap_or_default();
        let params = self.watch_params();
        let request = if self.metadata_only {
            self.request().watch_metadata(&params, &from)
        } else {
            self.request().watch(&params, &from)
        };
        let request = match request {
            Ok(request) => request,
            Err(e) => return Stop::Failed(None, e.to_string()),
        };
        self.follow(watch, request, version, &mut None).await
    }

    /// Follows one watch response until it ends. `initial` collects a streaming list until
    /// its closing bookmark. `version` tracks where a resumed watch starts.
    async fn follow(
        &self,
        watch: &Watch,
        request: http::Request<Vec<u8>>,
        version: &mut Option<String>,
        initial: &mut Option<HashMap<RowKey, Arc<ResourceRow>>>,
    ) -> Stop {
        let body = match self.client.request_stream(request).await {
            Ok(body) => body,
            Err(error) => return stop_of(error),
        };
        // The server accepted the watch: whatever failed before works again.
        if initial.is_none() && !matches!(watch.current_status(), Some(WatchStatus::Live)) {
            watch.status(WatchStatus::Live);
        }
        let mut body = std::pin::pin!(body);
        // One event per line. Read straight into (type, object): kube's own event type goes
        // through serde's buffered representation first, doubling the parsing of every
        // object of a 10k-pod list.
        let mut line = Vec::new();
        loop {
            let read = if watch.lagging() {
                match tokio::time::timeout(CATCH_UP, body.read_until(b'\n', &mut line)).await {
                    Ok(read) => read,
                    // Cancel-safe: what was read so far is already in `line`.
                    Err(_) => {
                        watch.catch_up();
                        continue;
                    }
                }
            } else {
                body.read_until(b'\n', &mut line).await
            };
            match read {
                // The server ended the watch (its timeout): resume from where it was.
                Ok(0) => {
                    return match (initial.is_some(), version.is_some()) {
                        (true, _) => Stop::Failed(None, "the initial list ended early".into()),
                        (false, true) => Stop::Ended,
                        (false, false) => Stop::Expired,
                    };
                }
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                    line.clear();
                    continue;
                }
                Err(error) => return Stop::Failed(None, with_causes(&error)),
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                line.clear();
                continue;
            }
            let event: RawEvent = match serde_json::from_slice(&line) {
                Ok(event) => event,
                Err(error) => {
                    return Stop::Failed(None, format!("unreadable watch event: {error}"));
                }
            };
            line.clear();
            match event.kind.as_str() {
                "ADDED" | "MODIFIED" => {
                    *version = resource_version(&event.object).or(version.take());
                    let row = self.project(&event.object);
                    match initial {
                        Some(rows) => {
                            rows.insert(row.key.clone(), row);
                        }
                        None => watch.applied(row),
                    }
                }
                "DELETED" => {
                    *version = resource_version(&event.object).or(version.take());
                    let key = key_of(&event.object);
                    match initial {
                        Some(rows) => {
                            rows.remove(&key);
                        }
                        None => watch.deleted(&key),
                    }
                }
                "BOOKMARK" => {
                    *version = resource_version(&event.object).or(version.take());
                    let ended = event.object["metadata"]["annotations"]["k8s.io/initial-events-end"]
                        == "true";
                    if ended && let Some(rows) = initial.take() {
                        watch.reset(rows);
                    }
                }
                // An ERROR event carries a Status.
                _ => {
                    let code = event.object["code"]
                        .as_u64()
                        .and_then(|c| u16::try_from(c).ok());
                    if code == Some(410) {
                        return Stop::Expired;
                    }
                    let message = event.object["message"].as_str().unwrap_or("watch error");
                    return Stop::Failed(code, message.to_string());
                }
            }
        }
    }
}

/// One line of a watch response.
#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    object: Value,
}

fn resource_version(object: &Value) -> Option<String> {
    object["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string)
}

fn key_of(object: &Value) -> RowKey {
    let meta = &object["metadata"];
    RowKey::new(
        meta["namespace"].as_str().unwrap_or_default(),
        meta["name"].as_str().unwrap_or_default(),
    )
}

fn stop_of(error: kube::Error) -> Stop {
    match &error {
        kube::Error::Api(status) if status.code == 410 => Stop::Expired,
        kube::Error::Api(status) => Stop::Failed(Some(status.code), status.message.clone()),
        _ => Stop::Failed(None, with_causes(&error)),
    }
}

/// The built-in printer, or a custom resource's `additionalPrinterColumns` from its CRD
/// (`NAME`/`AGE` when the CRD cannot be read: the table still works).
async fn projector_for(client: &Client, kind: &ResourceKind) -> Projector {
    let projector = Projector::for_kind(kind);
    if matches!(projector, Projector::Builtin(_)) {
        return projector;
    }
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &kube::api::GroupVersionKind::gvk(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
            ),
            "customresourcedefinitions",
        ),
    );
    let Ok(crd) = crds.get(&kind.qualified()).await else {
        return projector;
    };
    let columns: Vec<Value> = crd.data["spec"]["versions"]
        .as_array()
        .and_then(|versions| versions.iter().find(|v| v["name"] == kind.version.as_str()))
        .and_then(|v| v["additionalPrinterColumns"].as_array())
        .cloned()
        .unwrap_or_default();
    Projector::Custom(Arc::new(crate::printers::CustomColumns::new(&columns)))
}
