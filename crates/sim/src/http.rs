//! The HTTP front of the simulator: routing of Kubernetes REST paths, authentication by bearer
//! token, authorization, content negotiation (JSON, server-side Tables or metadata only),
//! `Status` errors, and one request-log entry per answered request.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::SimError;
use super::access::SimUser;
use super::api;
use super::media::Output;
use super::requestlog::{RequestLog, RequestRecord, RequestSummary};
use super::resources::{self, ResKey, ResourceInfo};
use super::store::{ApiError, Obj, Store};

/// Response body: whole or streamed (watch, follow logs). Its error ends a streamed
/// response without the final chunk: the client sees the connection cut mid-body.
pub type Body = BoxBody<Bytes, StreamCut>;

/// Why a streamed response was cut off (a log stream fault, see
/// [`super::logstream::LogStreamCut`]).
#[derive(Debug, thiserror::Error)]
#[error("stream cut: {0}")]
pub struct StreamCut(pub String);

/// How long a cut stream waits before it breaks the connection, so the chunks sent before
/// the cut reach the client first (hyper flushes while the body is pending).
const CUT_GRACE: Duration = Duration::from_millis(50);

/// A whole body.
fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Faults a test can inject (DESIGN §3): failing responses and latency.
#[derive(Default)]
pub struct Faults {
    /// Status codes returned (in order) by the next requests, e.g. a 429/500 burst.
    pub fail_next: Mutex<VecDeque<u16>>,
    /// Added latency per request, in milliseconds.
    pub latency_ms: AtomicU64,
    /// Log stream cuts still armed (see [`super::logstream::LogStreamCut`]).
    pub log_cuts: Mutex<Vec<super::logstream::LogStreamCut>>,
}

/// Everything the simulator serves: the store, the resource registry and fault settings.
pub struct SimState {
    pub store: Store,
    registry: RwLock<Vec<ResourceInfo>>,
    ip_seq: AtomicU32,
    pub faults: Faults,
    /// Every request the API answered (see [`SimState::requests`]).
    log: RequestLog,
}

impl Default for SimState {
    fn default() -> Self {
        Self::new()
    }
}

impl SimState {
    pub fn new() -> Self {
        SimState {
            store: Store::default(),
            registry: RwLock::new(resources::builtin()),
            ip_seq: AtomicU32::new(10),
            faults: Faults::default(),
            log: RequestLog::default(),
        }
    }

    /// The request log: per-(verb, resource) counters since start and the newest requests
    /// (at most [`super::requestlog::RECENT_CAPACITY`]), oldest first.
    pub fn requests(&self) -> RequestSummary {
        self.log.summary(0)
    }

    /// Like [`SimState::requests`], with only the entries after `seq` (a `last_seq` seen
    /// before) in `recent`.
    pub fn requests_since(&self, seq: u64) -> RequestSummary {
        self.log.summary(seq)
    }

    /// Requests answered so far that asked to change the cluster: create, update, patch,
    /// delete and deletecollection, on resources and subresources (evictions, scale, status),
    /// dry runs included; access reviews and port-forwards, which store nothing, excluded;
    /// plus the writes stand-ins answered through port-forwards (see
    /// [`super::requestlog::RequestRecord::is_mutating`]).
    pub fn mutating_requests(&self) -> u64 {
        self.log.mutating()
    }

    /// Logs a request a stand-in answered (see [`super::standins`]).
    pub(crate) fn record_request(&self, record: RequestRecord) {
        self.log.record(record);
    }

    /// All servable resources (built-ins and CRDs).
    pub fn resources(&self) -> Vec<ResourceInfo> {
        self.registry
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The first resource matching `pred`, looked up in place (requests and controllers do
    /// this often; copying the whole registry each time is waste).
    pub fn find_resource(&self, pred: impl Fn(&ResourceInfo) -> bool) -> Option<ResourceInfo> {
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        registry.iter().find(|r| pred(r)).cloned()
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<ResourceInfo> {
        self.find_resource(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// The resource of an object's `apiVersion` and `kind`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<ResourceInfo> {
        self.find_resource(|r| r.api_version() == api_version && r.kind == kind)
    }

    /// The preferred (first) resource of a storage key.
    pub fn by_key(&self, key: &ResKey) -> Option<ResourceInfo> {
        self.find_resource(|r| r.group == key.group && r.plural == key.resource)
    }

    /// A fresh ClusterIP from 10.96.0.0/12.
    pub fn next_cluster_ip(&self) -> String {
        let n = self.ip_seq.fetch_add(1, Ordering::Relaxed);
        format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    /// A fresh pod IP from 10.244.0.0/16.
    pub fn next_pod_ip(&self) -> String {
        let n = self.ip_seq.fetch_add(1, Ordering::Relaxed);
        format!("10.244.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    /// Defaults, validates and stores a new object (the create path shared by the API,
    /// controllers and scenarios).
    pub fn create_object(&self, info: &ResourceInfo, obj: Value) -> Result<Obj, ApiError> {
        self.create_keeping_uid(info, obj, None)
    }

    /// [`SimState::create_object`], storing the object under `uid` when given (a scenario
    /// links dependents to their owners before either is stored).
    fn create_keeping_uid(
        &self,
        info: &ResourceInfo,
        mut obj: Value,
        uid: Option<String>,
    ) -> Result<Obj, ApiError> {
        if obj["apiVersion"].is_null() {
            obj["apiVersion"] = json!(info.api_version());
        }
        if obj["kind"].is_null() {
            obj["kind"] = json!(info.kind);
        }
        if !info.namespaced
            && let Some(m) = obj["metadata"].as_object_mut()
        {
            m.remove("namespace");
        }
        let validate_name = obj["metadata"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty());
        if validate_name {
            super::admission::validate(info, &obj)?;
        } else {
            // generateName: validate with a placeholder name.
            let mut probe = obj.clone();
            probe["metadata"]["name"] = json!(format!(
                "{}x",
                obj["metadata"]["generateName"].as_str().unwrap_or("x")
            ));
            super::admission::validate(info, &probe)?;
        }
        super::admission::default_on_create(info, &mut obj, || self.next_cluster_ip());
        let info2 = info.clone();
        let created = self.store.create_with(&info.key(), obj, |o| {
            if let Some(uid) = uid {
                o["metadata"]["uid"] = json!(uid);
            }
            if info2.plural == "jobs" {
                super::admission::default_on_create(&info2, o, String::new);
            }
        })?;
        if info.plural == "customresourcedefinitions" {
            self.register_crd(&created);
        }
        Ok(created)
    }

    /// Adds a CRD's versions to the registry (discovery and routing).
    pub fn register_crd(&self, crd: &Value) {
        let new = resources::from_crd(crd);
        let mut reg = self.registry.write().unwrap_or_else(|p| p.into_inner());
        for r in new {
            if !reg
                .iter()
                .any(|x| x.group == r.group && x.version == r.version && x.plural == r.plural)
            {
                reg.push(r);
            }
        }
    }

    /// Removes a deleted CRD's resources from the registry.
    pub fn unregister_crd(&self, crd: &Value) {
        let gone = resources::from_crd(crd);
        let mut reg = self.registry.write().unwrap_or_else(|p| p.into_inner());
        reg.retain(|x| {
            !gone
                .iter()
                .any(|g| g.group == x.group && g.plural == x.plural)
        });
    }

    /// Creates a scenario object, keeping any status and uid it carries (the API server
    /// would assign a new uid; a scenario names it so owner references can point at it).
    pub fn seed(&self, mut obj: Value) -> Result<(), SimError> {
        super::fields::record_seeded(&mut obj);
        let what = format!(
            "{}/{}",
            obj["kind"].as_str().unwrap_or("?"),
            obj["metadata"]["name"].as_str().unwrap_or("?")
        );
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let info = self
            .by_kind(&api_version, &kind)
            .ok_or_else(|| SimError::Seed {
                what: what.clone(),
                message: format!("no resource serves {api_version} {kind}"),
            })?;
        let uid = obj["metadata"]["uid"]
            .as_str()
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        self.create_keeping_uid(&info, obj, uid)
            .map(|_| ())
            .map_err(|e| SimError::Seed {
                what,
                message: e.message,
            })
    }
}

/// A parsed request, handed to the API handlers.
pub struct ApiRequest {
    pub method: Method,
    pub user: SimUser,
    pub query: HashMap<String, String>,
    /// The query string as sent: repeated parameters (exec's `command=sh&command=-c`) keep
    /// every value here, where [`ApiRequest::query`] keeps the last.
    pub raw_query: String,
    pub accept: String,
    /// The representation negotiated from `accept`.
    pub output: Output,
    pub content_type: String,
    pub body: Bytes,
    /// Fires (or its sender drops) when the API goes down: streams end then.
    pub shutdown: watch::Receiver<bool>,
    pub upgrade: Option<hyper::upgrade::OnUpgrade>,
    pub headers: hyper::HeaderMap,
}

impl ApiRequest {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1"))
    }
    /// Every value of a repeated query parameter, in order.
    pub fn params(&self, key: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.raw_query.as_bytes())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .collect()
    }
    /// The field manager of this write (query parameter, else from the user agent).
    pub fn manager(&self) -> Option<String> {
        let agent = self
            .headers
            .get(hyper::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        super::fields::manager_of(self.param("fieldManager"), agent)
    }

    /// Whether the client asked for a server-side printed Table.
    pub fn wants_table(&self) -> bool {
        self.output == Output::Table
    }
}

/// Where a resource request points.
#[derive(Clone, Debug)]
pub struct Target {
    pub info: ResourceInfo,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

impl Target {
    /// The stored object a request on one object (`pods/{name}/log`, `…/exec`) names, with
    /// its namespace and name; 404 as the API words it when it is not there.
    pub fn object(&self, state: &SimState) -> Result<(String, String, Obj), ApiError> {
        let ns = self.namespace.clone().unwrap_or_default();
        let name = self.name.clone().unwrap_or_default();
        let obj = state
            .store
            .get(&self.info.key(), &ns, &name)
            .ok_or_else(|| ApiError::not_found(&self.info.key(), &name))?;
        Ok((ns, name, obj))
    }
}

enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    ResourceList(String, String),
    Resource(Box<Target>),
    OpenApiRoot,
    OpenApiGroupVersion(String),
    OpenApiMissing,
}

/// Serves one request on the API port and records it in the request log.
pub(crate) async fn handle(
    req: Request<Incoming>,
    state: Arc<SimState>,
    shutdown: watch::Receiver<bool>,
) -> Response<Body> {
    // The simulator's own hooks are not part of the Kubernetes API: not delayed, failed or
    // logged, so observing the log never changes it.
    if req.uri().path().starts_with(super::control::PREFIX) {
        return super::control::serve_on_api_port(&req, &state);
    }
    let latency = state.faults.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let prepared = prepare(&req, &state);
    let mut record = match &prepared {
        Ok(p) => p.describe(req.method()),
        Err(_) => RequestRecord {
            verb: req.method().as_str().to_ascii_lowercase(),
            path: Some(req.uri().path().to_string()),
            ..RequestRecord::default()
        },
    };
    let injected = state
        .faults
        .fail_next
        .lock()
        .map(|mut q| q.pop_front())
        .unwrap_or(None);
    let response = match (injected, prepared) {
        (Some(code), _) => {
            let err = match code {
                429 => ApiError::too_many_requests(),
                403 => ApiError::forbidden("injected fault: forbidden"),
                _ => ApiError::internal(
                    "injected fault: the simulator was told to fail this request",
                ),
            };
            error_response(&err)
        }
        (None, Err(e)) => error_response(&e),
        (None, Ok(p)) => match route_and_serve(req, p, state.clone(), shutdown).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        },
    };
    record.code = response.status().as_u16();
    state.log.record(record);
    response
}

/// What a request is, known before its body is read: who asks, for what.
struct Prepared {
    user: SimUser,
    path: String,
    query: HashMap<String, String>,
    accept: String,
    output: Output,
    route: Route,
}

fn prepare(req: &Request<Incoming>, state: &SimState) -> Result<Prepared, ApiError> {
    let path = req.uri().path().to_string();
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let token = header("authorization")
        .strip_prefix("Bearer ")
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let accept = header("accept");
    // kubectl and Helm send no bearer token over plain HTTP, so the kubeconfig names
    // non-admin users by a path prefix (`/u/<user>`) on their cluster's server URL.
    let (user, path) = match path
        .strip_prefix("/u/")
        .and_then(|rest| rest.split_once('/').or(Some((rest, ""))))
    {
        Some((name, rest)) => (
            SimUser::by_name(name).ok_or_else(ApiError::unauthorized)?,
            format!("/{rest}"),
        ),
        None if token.is_empty() => (SimUser::admin(), path),
        None => (
            SimUser::by_token(&token).ok_or_else(ApiError::unauthorized)?,
            path,
        ),
    };
    let route = parse_route(state, &path)?;
    Ok(Prepared {
        user,
        path,
        query,
        output: Output::negotiate(&accept),
        accept,
        route,
    })
}

impl Prepared {
    /// The request log's entry for this request (its status code comes later).
    fn describe(&self, method: &Method) -> RequestRecord {
        let param = |k: &str| self.query.get(k).filter(|v| !v.is_empty()).cloned();
        let flag = |k: &str| matches!(self.query.get(k).map(String::as_str), Some("true" | "1"));
        let Route::Resource(t) = &self.route else {
            return RequestRecord {
                user: self.user.name.to_string(),
                verb: method.as_str().to_ascii_lowercase(),
                path: Some(self.path.clone()),
                ..RequestRecord::default()
            };
        };
        let watch = flag("watch");
        let verb = api::verb_of(method, t, watch);
        let collection = matches!(verb, "list" | "watch" | "deletecollection");
        RequestRecord {
            user: self.user.name.to_string(),
            verb: verb.to_string(),
            group: t.info.group.clone(),
            version: t.info.version.clone(),
            resource: t.info.plural.clone(),
            subresource: t.sub.clone(),
            namespace: t.namespace.clone(),
            name: t.name.clone(),
            watch,
            send_initial_events: flag("sendInitialEvents"),
            allow_watch_bookmarks: flag("allowWatchBookmarks"),
            limit: param("limit")
                .and_then(|l| l.parse().ok())
                .filter(|l| *l > 0),
            continued: param("continue").is_some(),
            resource_version: param("resourceVersion"),
            resource_version_match: param("resourceVersionMatch"),
            label_selector: collection.then(|| param("labelSelector")).flatten(),
            field_selector: collection.then(|| param("fieldSelector")).flatten(),
            metadata_only: self.output.metadata_only(),
            table: self.output == Output::Table,
            dry_run: param("dryRun").is_some_and(|d| d == "All"),
            ..RequestRecord::default()
        }
    }
}

async fn route_and_serve(
    mut req: Request<Incoming>,
    prepared: Prepared,
    state: Arc<SimState>,
    shutdown: watch::Receiver<bool>,
) -> Result<Response<Body>, ApiError> {
    let Prepared {
        user,
        path: _,
        query,
        accept,
        output,
        route,
    } = prepared;
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let upgrade = if req.headers().contains_key(hyper::header::UPGRADE) {
        Some(hyper::upgrade::on(&mut req))
    } else {
        None
    };
    let method = req.method().clone();
    let headers = req.headers().clone();
    let raw_query = req.uri().query().unwrap_or_default().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read request body: {e}")))?
        .to_bytes();
    // Typed client-go clients (kubectl create, auth can-i, Helm's Secrets) send protobuf
    // bodies; decode them to the JSON the rest of the server speaks.
    let (body, content_type) =
        if super::protobuf::is_protobuf_content_type(&content_type) && !body.is_empty() {
            let json = super::protobuf::decode_body(&body)
                .map_err(|e| ApiError::bad_request(format!("cannot decode protobuf body: {e}")))?;
            (
                Bytes::from(serde_json::to_vec(&json).unwrap_or_default()),
                "application/json".to_string(),
            )
        } else {
            (body, content_type)
        };
    let api_req = ApiRequest {
        method,
        user,
        query,
        raw_query,
        accept,
        output,
        content_type,
        body,
        shutdown,
        upgrade,
        headers,
    };
    match route {
        Route::Version => Ok(json_response(
            200,
            &json!({
                "major": "1", "minor": "35", "emulationMajor": "1", "emulationMinor": "35",
                "minCompatibilityMajor": "1", "minCompatibilityMinor": "34",
                "gitVersion": "v1.35.0-strata-sim", "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z",
                "goVersion": "go1.25.0", "compiler": "gc", "platform": "linux/amd64",
            }),
        )),
        Route::Health => Ok(text_response(200, "ok")),
        Route::OpenApiMissing => Err(ApiError::unknown_resource()),
        Route::OpenApiRoot => Ok(json_response(
            200,
            &super::openapi::root(&state.resources()),
        )),
        Route::OpenApiGroupVersion(gv) => super::openapi::group_version(&state.resources(), &gv)
            .map(|doc| json_response(200, &doc))
            .ok_or_else(ApiError::unknown_resource),
        Route::CoreVersions => Ok(json_response(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        )),
        Route::Groups => Ok(json_response(200, &group_list(&state))),
        Route::Group(g) => {
            let list = group_list(&state);
            let found = list["groups"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == g.as_str()).cloned())
                .ok_or_else(ApiError::unknown_resource)?;
            let mut found = found;
            found["kind"] = json!("APIGroup");
            found["apiVersion"] = json!("v1");
            Ok(json_response(200, &found))
        }
        Route::ResourceList(g, v) => {
            let resources: Vec<Value> = state
                .resources()
                .iter()
                .filter(|r| r.group == g && r.version == v)
                .flat_map(ResourceInfo::discovery_entries)
                .collect();
            if resources.is_empty() {
                return Err(ApiError::unknown_resource());
            }
            let gv = if g.is_empty() { v } else { format!("{g}/{v}") };
            Ok(json_response(
                200,
                &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
            ))
        }
        Route::Resource(target) => api::serve(&state, *target, api_req).await,
    }
}

fn group_list(state: &SimState) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in state.resources() {
        if r.group.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version) {
                    versions.push(r.version.clone());
                }
            }
            None => groups.push((r.group.clone(), vec![r.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, versions)| {
            let vs: Vec<Value> = versions
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": vs, "preferredVersion": vs[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn parse_route(state: &SimState, path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => Ok(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => Ok(Route::Health),
        ["openapi", "v3"] => Ok(Route::OpenApiRoot),
        ["openapi", "v3", gv @ ..] => Ok(Route::OpenApiGroupVersion(gv.join("/"))),
        ["openapi", ..] => Ok(Route::OpenApiMissing),
        ["api"] => Ok(Route::CoreVersions),
        ["apis"] => Ok(Route::Groups),
        ["apis", g] => Ok(Route::Group(g.to_string())),
        ["api", v] => Ok(Route::ResourceList(String::new(), v.to_string())),
        ["apis", g, v] => Ok(Route::ResourceList(g.to_string(), v.to_string())),
        ["api", v, rest @ ..] => resource_route(state, "", v, rest),
        ["apis", g, v, rest @ ..] => resource_route(state, g, v, rest),
        _ => Err(ApiError::unknown_resource()),
    }
}

fn resource_route(
    state: &SimState,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Route, ApiError> {
    let find = |plural: &str| {
        state
            .find(group, version, plural)
            .ok_or_else(ApiError::unknown_resource)
    };
    let target = match rest {
        // Namespace subresources look like a namespaced collection: check them first.
        ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => Target {
            info: find("namespaces")?,
            namespace: None,
            name: Some(name.to_string()),
            sub: Some(sub.to_string()),
        },
        ["namespaces", ns, plural, tail @ ..] if tail.len() <= 2 => {
            let info = find(plural)?;
            if !info.namespaced {
                return Err(ApiError::unknown_resource());
            }
            Target {
                info,
                namespace: Some(ns.to_string()),
                name: tail.first().map(|s| s.to_string()),
                sub: tail.get(1).map(|s| s.to_string()),
            }
        }
        [plural, tail @ ..] if tail.len() <= 2 => {
            let info = find(plural)?;
            if info.namespaced && !tail.is_empty() {
                return Err(ApiError::unknown_resource());
            }
            Target {
                info,
                namespace: None,
                name: tail.first().map(|s| s.to_string()),
                sub: tail.get(1).map(|s| s.to_string()),
            }
        }
        _ => return Err(ApiError::unknown_resource()),
    };
    if let Some(sub) = &target.sub
        && !target.info.has_subresource(sub)
    {
        return Err(ApiError::unknown_resource());
    }
    Ok(Route::Resource(Box::new(target)))
}

/// A JSON response.
pub fn json_response(code: u16, body: &Value) -> Response<Body> {
    bytes_response(
        code,
        "application/json",
        serde_json::to_vec(body).unwrap_or_default(),
    )
}

/// A response of ready-made bytes.
pub fn bytes_response(code: u16, content_type: &str, bytes: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header("content-type", content_type)
        .header("cache-control", "no-cache, private")
        .body(full(bytes))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

/// A plain-text response.
pub fn text_response(code: u16, text: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header("content-type", "text/plain")
        .body(full(text.to_string()))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

/// The `Status` response of an error.
pub fn error_response(err: &ApiError) -> Response<Body> {
    json_response(err.code, &err.status())
}

/// A streamed response fed by a channel of chunks; the stream ends when the sender drops.
pub fn stream_response(content_type: &str, rx: mpsc::Receiver<Bytes>) -> Response<Body> {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, StreamCut>(Frame::data(b)), rx))
    });
    streamed(content_type, BodyExt::boxed(StreamBody::new(stream)))
}

/// Like [`stream_response`], and an `Err` from the channel cuts the connection: the
/// response ends without its final chunk, as when a proxy drops the connection. Chunks sent
/// before the cut are delivered first.
pub fn cuttable_stream_response(
    content_type: &str,
    rx: mpsc::Receiver<Result<Bytes, StreamCut>>,
) -> Response<Body> {
    let stream = futures::stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await? {
            Ok(b) => Some((Ok(Frame::data(b)), Some(rx))),
            Err(cut) => {
                tokio::time::sleep(CUT_GRACE).await;
                Some((Err(cut), None))
            }
        }
    });
    streamed(content_type, BodyExt::boxed(StreamBody::new(stream)))
}

fn streamed(content_type: &str, body: Body) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .header("cache-control", "no-cache, private")
        .body(body)
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}
