//! The resource API handlers: list, watch, get, create, update, patch, delete and the
//! `scale`, `status`, `eviction` subresources and access reviews, with the semantics
//! kubectl, Helm and kube-rs rely on.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use chrono::Utc;
use hyper::{Method, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::fields::Write;
use super::http::{ApiRequest, Body, SimState, Target, json_response, stream_response};
use super::media::Output;
use super::patch::{self, PatchKind};
use super::resources::ResourceInfo;
use super::selectors::{FieldSelector, LabelSelector};
use super::store::{ApiError, EventKind, Obj, WatchEvent, qualified};
use super::table::{self, IncludeObject};

/// Serves a request on a resource path.
pub async fn serve(
    state: &Arc<SimState>,
    t: Target,
    req: ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let verb = verb_of(&req.method, &t, req.flag("watch"));
    authorize(&req, &t, verb)?;
    match t.sub.as_deref() {
        Some("portforward") => return super::portforward::serve(state, &t, req).await,
        Some("exec") => return super::exec::serve(state, &t, req).await,
        _ => {}
    }
    if t.sub.is_none() {
        // A list is never one object's metadata, nor a watch (of single objects) a list.
        req.output
            .check(&t.info, matches!(verb, "list" | "deletecollection"))?;
    }
    if t.info.plural == "selfsubjectaccessreviews" {
        return access_review(&req);
    }
    if t.info.plural == "selfsubjectrulesreviews" {
        return rules_review(&req);
    }
    match (t.sub.as_deref(), verb) {
        (Some("log"), _) => super::logstream::serve(state.clone(), &t, &req).await,
        (Some("scale"), "get") => Ok(json_response(
            200,
            &to_scale(&t.info, get_obj(state, &t)?.as_ref()),
        )),
        (Some("scale"), "update" | "patch") => update_scale(state, &t, &req),
        (Some("eviction"), "create") => {
            delete_obj(state, &t, &req)?;
            Ok(json_response(
                201,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
            ))
        }
        (Some("attach"), _) => Err(ApiError::bad_request(
            "attach is not supported by the Strata simulator: its pods run no processes to attach to; use exec",
        )),
        (_, "watch") => watch(state, &t, &req),
        (_, "list") => list(state, &t, &req),
        (_, "get") => {
            let obj = get_obj(state, &t)?;
            if req.wants_table() {
                let mut tbl = render_table(
                    state,
                    &t.info,
                    std::slice::from_ref(&obj),
                    include_object(&req),
                );
                tbl["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"].clone();
                Ok(json_response(200, &tbl))
            } else {
                Ok(object_response(&req, 200, &obj))
            }
        }
        (_, "create") => create(state, &t, &req),
        (_, "update") => update(state, &t, &req),
        (_, "patch") => patch_obj(state, &t, &req),
        (_, "delete") => {
            let gone = delete_obj(state, &t, &req)?;
            Ok(object_response(&req, 200, &gone))
        }
        (_, "deletecollection") => delete_collection(state, &t, &req),
        _ => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({})",
            req.method
        ))),
    }
}

/// The verb Kubernetes authorizes (and logs) a request on `t` as. Streaming subresources
/// (`pods/portforward`, `pods/exec`, `pods/attach`) are `create` whatever the method: kubectl
/// POSTs them, and the API server also asks for `create` on the WebSocket GET kube-rs sends
/// (a `get` permission must not open a tunnel into a pod).
pub(crate) fn verb_of(method: &Method, t: &super::http::Target, watch: bool) -> &'static str {
    if matches!(t.sub.as_deref(), Some("portforward" | "exec" | "attach")) {
        return "create";
    }
    verb(method, t.name.is_some(), watch)
}

/// The verb Kubernetes authorizes (and logs) a request on a resource path as.
pub(crate) fn verb(method: &Method, has_name: bool, watch: bool) -> &'static str {
    match (method, has_name) {
        (&Method::GET, _) if watch => "watch",
        (&Method::GET, false) => "list",
        (&Method::GET, true) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, false) => "deletecollection",
        (&Method::DELETE, true) => "delete",
        _ => "unknown",
    }
}

fn authorize(req: &ApiRequest, t: &Target, verb: &str) -> Result<(), ApiError> {
    let resource = match &t.sub {
        Some(s) => format!("{}/{s}", t.info.plural),
        None => t.info.plural.clone(),
    };
    if req
        .user
        .allows(verb, &t.info.group, &resource, t.namespace.as_deref())
    {
        return Ok(());
    }
    let subject = match &t.name {
        Some(n) => format!("{} \"{n}\"", qualified(&t.info.key())),
        None => qualified(&t.info.key()),
    };
    let scope = match &t.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    Err(ApiError::forbidden(format!(
        "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
        req.user.name, t.info.group
    )))
}

/// One object in the representation the client negotiated (kube-rs `get_metadata` and
/// `patch_metadata` ask for a PartialObjectMetadata).
fn object_response(req: &ApiRequest, code: u16, obj: &Value) -> Response<Body> {
    match req.output {
        Output::Metadata(v) => json_response(code, &super::media::partial(obj, v)),
        _ => json_response(code, obj),
    }
}

fn get_obj(state: &SimState, t: &Target) -> Result<Obj, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    state
        .store
        .get(
            &t.info.key(),
            t.namespace.as_deref().unwrap_or_default(),
            name,
        )
        .ok_or_else(|| ApiError::not_found(&t.info.key(), name))
}

/// Label, field and namespace filtering of a list or watch.
struct Filter {
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn from_request(req: &ApiRequest, t: &Target) -> Result<Filter, ApiError> {
        let labels = LabelSelector::parse(req.param("labelSelector").unwrap_or_default())
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let mut field_text = req.param("fieldSelector").unwrap_or_default().to_string();
        // A watch of one object arrives as GET on the name with watch=true.
        if let Some(name) = &t.name {
            if !field_text.is_empty() {
                field_text.push(',');
            }
            field_text.push_str(&format!("metadata.name={name}"));
        }
        let fields = FieldSelector::parse(&field_text, &t.info.plural).map_err(|e| {
            ApiError::bad_request(format!("Unable to find \"{}\" that match label selector \"\", field selector \"{field_text}\": {e}", qualified(&t.info.key())))
        })?;
        Ok(Filter { labels, fields })
    }

    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }
}

fn include_object(req: &ApiRequest) -> IncludeObject {
    match req.param("includeObject") {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    }
}

fn render_table(
    state: &SimState,
    info: &ResourceInfo,
    objs: &[Obj],
    include: IncludeObject,
) -> Value {
    let now = Utc::now();
    let crd_columns = crd_printer_columns(state, info);
    match crd_columns {
        Some(cols) => table::to_table_with_columns(&cols, objs, include, now), // CRD columns
        None => table::to_table(info, objs, include, now),
    }
}

/// The additionalPrinterColumns of a custom resource's version, if it is one.
fn crd_printer_columns(state: &SimState, info: &ResourceInfo) -> Option<Vec<Value>> {
    let crd = state.store.get(
        &super::resources::ResKey::new("apiextensions.k8s.io", "customresourcedefinitions"),
        "",
        &format!("{}.{}", info.plural, info.group),
    )?;
    let version = crd["spec"]["versions"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == info.version.as_str())?;
    Some(
        version["additionalPrinterColumns"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    )
}

fn list(state: &SimState, t: &Target, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let filter = Filter::from_request(req, t)?;
    let limit: usize = req.param("limit").and_then(|l| l.parse().ok()).unwrap_or(0);
    let after = match req.param("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let page = state.store.list(
        &t.info.key(),
        t.namespace.as_deref(),
        &|o| filter.matches(o),
        after.as_ref(),
        limit,
    );
    let mut meta = json!({"resourceVersion": page.rv.to_string()});
    if let Some(next) = &page.next {
        meta["continue"] = json!(encode_continue(next, page.rv));
    }
    if req.wants_table() {
        let mut tbl = render_table(state, &t.info, &page.items, include_object(req));
        tbl["metadata"] = meta;
        return Ok(json_response(200, &tbl));
    }
    Ok(list_response(&t.info, &meta, &page.items, req.output))
}

/// A `<Kind>List` (or a `PartialObjectMetadataList`) written straight from the shared objects
/// (no deep copy of the items).
fn list_response(
    info: &ResourceInfo,
    meta: &Value,
    items: &[Obj],
    output: Output,
) -> Response<Body> {
    let metadata_only = match output {
        Output::MetadataList(v) | Output::Metadata(v) => Some(v),
        _ => None,
    };
    let head = match metadata_only {
        Some(v) => {
            json!({"kind": "PartialObjectMetadataList", "apiVersion": v.api_version(), "metadata": meta})
        }
        None => {
            json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": meta})
        }
    };
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.pop(); // the closing brace; items follow
    out.extend_from_slice(b",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match metadata_only {
            Some(v) => super::media::write_partial(&mut out, item, v),
            None => {
                let _ = serde_json::to_writer(&mut out, item.as_ref());
            }
        }
    }
    out.extend_from_slice(b"]}");
    super::http::bytes_response(200, "application/json", out)
}

fn encode_continue(key: &(String, String), rv: u64) -> String {
    let raw = json!({"v": "meta.k8s.io/v1", "rv": rv, "ns": key.0, "name": key.1}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    Ok((
        v["ns"].as_str().ok_or_else(bad)?.to_string(),
        v["name"].as_str().ok_or_else(bad)?.to_string(),
    ))
}

/// One watch event line.
fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = Vec::new();
    write_event(&mut line, kind, object);
    Bytes::from(line)
}

/// Appends one watch event line for `object` as is, without copying it.
fn write_event(out: &mut Vec<u8>, kind: &str, object: &Value) {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    let _ = serde_json::to_writer(&mut *out, object);
    out.extend_from_slice(b"}\n");
}

/// Initial events are sent in chunks of about this size: one channel message and one HTTP
/// chunk per object made a 50 000-pod initial list spend its time on per-message overhead.
const STREAM_CHUNK: usize = 64 * 1024;

/// How a watch writes the objects of its events.
struct EventEncoder {
    state: Arc<SimState>,
    info: ResourceInfo,
    output: Output,
    include: IncludeObject,
}

impl EventEncoder {
    fn write(&self, out: &mut Vec<u8>, kind: &str, obj: &Obj) {
        match self.output {
            Output::Table => {
                let tbl = render_table(
                    &self.state,
                    &self.info,
                    std::slice::from_ref(obj),
                    self.include,
                );
                write_event(out, kind, &tbl);
            }
            Output::Metadata(v) | Output::MetadataList(v) => {
                out.extend_from_slice(b"{\"type\":\"");
                out.extend_from_slice(kind.as_bytes());
                out.extend_from_slice(b"\",\"object\":");
                super::media::write_partial(out, obj, v);
                out.extend_from_slice(b"}\n");
            }
            Output::Object => write_event(out, kind, obj),
        }
    }

    /// A BOOKMARK at `rv`; the initial-events-end one carries the annotation that tells a
    /// streaming list it is complete. Metadata-only watches get a PartialObjectMetadata.
    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let (kind, api_version) = match self.output {
            Output::Metadata(v) | Output::MetadataList(v) => (
                "PartialObjectMetadata".to_string(),
                v.api_version().to_string(),
            ),
            _ => (self.info.kind.clone(), self.info.api_version()),
        };
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        event_line(
            "BOOKMARK",
            &json!({"kind": kind, "apiVersion": api_version, "metadata": meta}),
        )
    }
}

fn watch(state: &Arc<SimState>, t: &Target, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let filter = Filter::from_request(req, t)?;
    let res = t.info.key();
    let ns = t.namespace.clone();
    let in_scope = move |o: &Value| {
        ns.as_deref()
            .is_none_or(|n| o["metadata"]["namespace"].as_str() == Some(n))
    };
    let rv_param = req.param("resourceVersion").unwrap_or_default().to_string();
    let send_initial = req.flag("sendInitialEvents");
    let bookmarks = req.flag("allowWatchBookmarks");
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let encoder = EventEncoder {
        state: state.clone(),
        info: t.info.clone(),
        output: req.output,
        include: include_object(req),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(256);

    // Start point: synthetic ADDED events for the current state when no RV (or "0") is given,
    // or when the client asks for initial events; otherwise the history after the RV.
    let mut initial: Vec<Obj> = Vec::new();
    let (backlog, live, start_rv, gone) = if rv_param.is_empty() || rv_param == "0" || send_initial
    {
        let (rv, rx_live) = state.store.subscribe();
        let page = state.store.list(
            &res,
            t.namespace.as_deref(),
            &|o| filter.matches(o),
            None,
            0,
        );
        initial = page.items;
        (Vec::new(), Some(rx_live), rv.min(page.rv), None)
    } else {
        let rv: u64 = rv_param
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv_param}")))?;
        match state.store.watch_from(rv) {
            Ok((b, r)) => (b, Some(r), rv, None),
            Err(e) => (Vec::new(), None, rv, Some(e)),
        }
    };
    let state2 = state.clone();
    let mut shutdown = req.shutdown.clone();
    tokio::spawn(async move {
        if let Some(err) = gone {
            let _ = tx.send(event_line("ERROR", &err.status())).await;
            return;
        }
        let mut buf = Vec::with_capacity(STREAM_CHUNK + 4096);
        for obj in &initial {
            encoder.write(&mut buf, "ADDED", obj);
            if buf.len() >= STREAM_CHUNK {
                let chunk = std::mem::replace(&mut buf, Vec::with_capacity(STREAM_CHUNK + 4096));
                if tx.send(Bytes::from(chunk)).await.is_err() {
                    return;
                }
            }
        }
        drop(initial);
        if !buf.is_empty()
            && tx
                .send(Bytes::from(std::mem::take(&mut buf)))
                .await
                .is_err()
        {
            return;
        }
        let mut last_rv = start_rv;
        if send_initial && tx.send(encoder.bookmark(last_rv, true)).await.is_err() {
            return;
        }
        let deliver = |ev: &WatchEvent| -> Option<Bytes> {
            if ev.res != res {
                return None;
            }
            let now_in = in_scope(&ev.object) && filter.matches(&ev.object);
            let was_in = ev
                .old
                .as_ref()
                .is_some_and(|o| in_scope(o) && filter.matches(o));
            let kind = match ev.kind {
                EventKind::Added if now_in => "ADDED",
                EventKind::Deleted if was_in || now_in => "DELETED",
                EventKind::Modified if now_in && was_in => "MODIFIED",
                EventKind::Modified if now_in => "ADDED",
                EventKind::Modified if was_in => "DELETED",
                _ => return None,
            };
            let mut line = Vec::new();
            encoder.write(&mut line, kind, &ev.object);
            Some(Bytes::from(line))
        };
        for ev in &backlog {
            last_rv = ev.rv;
            if let Some(line) = deliver(ev)
                && tx.send(line).await.is_err()
            {
                return;
            }
        }
        let Some(mut live) = live else { return };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.tick().await;
        loop {
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= last_rv { continue; }
                        last_rv = ev.rv;
                        if let Some(line) = deliver(&ev)
                            && tx.send(line).await.is_err() {
                            return;
                        }
                    }
                    // A watcher that falls behind is closed; the client re-watches from its
                    // last resourceVersion, as with a real API server.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => {
                    if bookmarks {
                        let bm = encoder.bookmark(state2.store.current_rv().max(last_rv), false);
                        if tx.send(bm).await.is_err() { return; }
                    } else if tx.is_closed() {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => return,
                _ = shutdown.changed() => return,
            }
        }
    });
    Ok(stream_response("application/json", rx))
}

fn parse_object(req: &ApiRequest) -> Result<Value, ApiError> {
    let v: Value = if req.content_type.contains("yaml") {
        let text = std::str::from_utf8(&req.body)
            .map_err(|_| ApiError::bad_request("request body is not valid UTF-8"))?;
        serde_saphyr::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?
    } else {
        serde_json::from_slice(&req.body).map_err(|e| {
            ApiError::bad_request(format!(
                "the object provided is unrecognized (must be of type {{}}): {e}"
            ))
        })?
    };
    if !v.is_object() {
        return Err(ApiError::bad_request("the request body must be an object"));
    }
    Ok(v)
}

fn check_identity(t: &Target, obj: &mut Value) -> Result<(), ApiError> {
    if let (Some(kind), true) = (obj["kind"].as_str(), !obj["kind"].is_null())
        && kind != t.info.kind
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            obj["apiVersion"].as_str().unwrap_or_default(),
            t.info.api_version()
        )));
    }
    if let Some(ns) = &t.namespace {
        match obj["metadata"]["namespace"].as_str() {
            None | Some("") => obj["metadata"]["namespace"] = json!(ns),
            Some(other) if other != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {}
        }
    }
    if let Some(name) = &t.name
        && obj["metadata"]["name"].as_str().is_some_and(|n| n != name)
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            obj["metadata"]["name"].as_str().unwrap_or_default()
        )));
    }
    Ok(())
}

fn dry_run(req: &ApiRequest) -> bool {
    req.param("dryRun") == Some("All")
}

fn create(state: &SimState, t: &Target, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let mut obj = parse_object(req)?;
    check_identity(t, &mut obj)?;
    if obj["metadata"]["resourceVersion"]
        .as_str()
        .is_some_and(|v| !v.is_empty())
    {
        return Err(ApiError::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    if t.info.has_subresource("status")
        && let Some(m) = obj.as_object_mut()
    {
        // Status is written by controllers through the status subresource.
        m.remove("status");
    }
    strip_server_fields(&mut obj);
    if let Some(manager) = req.manager() {
        let touched = obj.clone();
        super::fields::record(&mut obj, &manager, "Update", &touched);
    }
    if dry_run(req) {
        super::admission::validate(&t.info, &obj)?;
        return Ok(object_response(req, 201, &obj));
    }
    let created = state.create_object(&t.info, obj)?;
    Ok(object_response(req, 201, &created))
}

/// Fields only the server sets; a client's values are ignored on create.
fn strip_server_fields(obj: &mut Value) {
    if let Some(m) = obj["metadata"].as_object_mut() {
        for k in [
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            m.remove(k);
        }
    }
}

/// Merges a proposed object with the stored one the way the main resource and the `status`
/// subresource split ownership.
fn split_status(info: &ResourceInfo, old: &Value, mut new: Value, status_only: bool) -> Value {
    if !info.has_subresource("status") {
        return new;
    }
    if status_only {
        let mut out = old.clone();
        out["status"] = new["status"].take();
        out["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"].take();
        out
    } else {
        new["status"] = old["status"].clone();
        if new["status"].is_null()
            && let Some(m) = new.as_object_mut()
        {
            m.remove("status");
        }
        new
    }
}

fn update(state: &SimState, t: &Target, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let mut obj = parse_object(req)?;
    check_identity(t, &mut obj)?;
    let old = get_obj(state, t)?;
    let expect = obj["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string);
    let touched = obj.clone();
    store_change(
        state,
        t,
        req,
        &old,
        obj,
        expect.as_deref(),
        &touched,
        "Update",
    )
}

/// The common end of update and patch: split status ownership, keep server-set fields,
/// validate, then store (or only answer, for a dry run).
#[allow(clippy::too_many_arguments)]
fn store_change(
    state: &SimState,
    t: &Target,
    req: &ApiRequest,
    old: &Value,
    proposed: Value,
    expect: Option<&str>,
    touched: &Value,
    operation: &str,
) -> Result<Response<Body>, ApiError> {
    let status_only = t.sub.as_deref() == Some("status");
    let mut merged = split_status(&t.info, old, proposed, status_only);
    keep_server_fields(old, &mut merged);
    // Managed fields are the server's record: keep the stored ones, then note this writer.
    merged["metadata"]["managedFields"] = old["metadata"]["managedFields"].clone();
    let manager = req
        .manager()
        .or_else(|| (operation == "Apply").then(|| "kubectl".to_string()));
    if let Some(manager) = manager
        && !same_content(old, &merged)
    {
        let write = Write::now(&manager, operation).through(status_only.then_some("status"));
        super::fields::record_write(&mut merged, write, touched);
    }
    if let Some(name) = &t.name {
        merged["metadata"]["name"] = json!(name);
    }
    super::admission::validate(&t.info, &merged)?;
    if !status_only {
        super::immutable::check(&t.info, old, &merged)?;
    }
    if dry_run(req) {
        return Ok(object_response(req, 200, &merged));
    }
    let stored = state.store.update(&t.info.key(), merged, expect)?;
    Ok(object_response(req, 200, &stored))
}

/// Whether a write changes nothing but bookkeeping (a no-op keeps its managedFields time,
/// so the store sees no change and sends no event).
fn same_content(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("resourceVersion");
            m.remove("managedFields");
        }
        super::store::prune_nulls(&mut v);
        v
    };
    strip(old) == strip(new)
}

fn keep_server_fields(old: &Value, new: &mut Value) {
    for k in ["uid", "creationTimestamp"] {
        new["metadata"][k] = old["metadata"][k].clone();
    }
    if new["metadata"]["namespace"].is_null() && !old["metadata"]["namespace"].is_null() {
        new["metadata"]["namespace"] = old["metadata"]["namespace"].clone();
    }
}

fn patch_obj(state: &SimState, t: &Target, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let kind = PatchKind::from_content_type(&req.content_type).ok_or_else(|| {
        ApiError::unsupported_media(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {})",
            req.content_type
        ))
    })?;
    let body = patch::parse_body(kind, &req.body)?;
    if kind == PatchKind::Strategic && t.info.group.contains('.') && !builtin_group(&t.info.group) {
        return Err(ApiError::unsupported_media(
            "strategic merge patch is not supported for custom resources; use a merge patch",
        ));
    }
    let name = t.name.as_deref().unwrap_or_default();
    let Some(old) = state.store.get(
        &t.info.key(),
        t.namespace.as_deref().unwrap_or_default(),
        name,
    ) else {
        if kind == PatchKind::Apply {
            // Server-side apply creates what does not exist.
            let mut obj = body;
            check_identity(t, &mut obj)?;
            strip_server_fields(&mut obj);
            if let Some(m) = obj.as_object_mut() {
                m.remove("status");
            }
            let manager = req.manager().unwrap_or_else(|| "kubectl".to_string());
            let touched = obj.clone();
            super::fields::record(&mut obj, &manager, "Apply", &touched);
            if dry_run(req) {
                // A dry-run apply of a new object answers what would be created, and stores
                // nothing.
                super::admission::validate(&t.info, &obj)?;
                return Ok(object_response(req, 201, &obj));
            }
            let created = state.create_object(&t.info, obj)?;
            return Ok(object_response(req, 201, &created));
        }
        return Err(ApiError::not_found(&t.info.key(), name));
    };
    let mut patched = patch::apply(kind, &old, &body)?;
    if kind == PatchKind::Apply {
        let manager = req.manager().unwrap_or_else(|| "kubectl".to_string());
        super::fields::remove_dropped(&mut patched, &manager, &body);
    }
    let expect = body["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string);
    let operation = if kind == PatchKind::Apply {
        "Apply"
    } else {
        "Update"
    };
    store_change(
        state,
        t,
        req,
        &old,
        patched,
        expect.as_deref(),
        &body,
        operation,
    )
}

fn builtin_group(group: &str) -> bool {
    group.ends_with(".k8s.io")
}

fn delete_obj(state: &SimState, t: &Target, req: &ApiRequest) -> Result<Obj, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    let ns = t.namespace.as_deref().unwrap_or_default();
    let opts: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let propagation = req
        .param("propagationPolicy")
        .map(str::to_string)
        .or_else(|| opts["propagationPolicy"].as_str().map(str::to_string));
    if let Some(want_uid) = opts["preconditions"]["uid"].as_str() {
        let cur = get_obj(state, t)?;
        if cur["metadata"]["uid"].as_str() != Some(want_uid) {
            return Err(ApiError::conflict(&t.info.key(), name));
        }
    }
    if dry_run(req) {
        return get_obj(state, t);
    }
    let gone = state.store.delete(&t.info.key(), ns, name)?;
    if propagation.as_deref() == Some("Orphan") {
        orphan_dependents(state, &gone);
    }
    if t.info.plural == "customresourcedefinitions" {
        state.unregister_crd(&gone);
    }
    Ok(gone)
}

/// Removes the owner reference to `owner` from its dependents, so the garbage collector
/// leaves them (`--cascade=orphan`).
fn orphan_dependents(state: &SimState, owner: &Value) {
    let Some(uid) = owner["metadata"]["uid"].as_str() else {
        return;
    };
    for res in state.store.resources() {
        for obj in state.store.all_of(&res) {
            let refs = obj["metadata"]["ownerReferences"].as_array();
            if refs.is_some_and(|r| r.iter().any(|o| o["uid"] == uid)) {
                let mut o = (*obj).clone();
                if let Some(list) = o["metadata"]["ownerReferences"].as_array_mut() {
                    list.retain(|r| r["uid"] != uid);
                }
                let _ = state.store.update(&res, o, None);
            }
        }
    }
}

fn delete_collection(
    state: &SimState,
    t: &Target,
    req: &ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let filter = Filter::from_request(req, t)?;
    let page = state.store.list(
        &t.info.key(),
        t.namespace.as_deref(),
        &|o| filter.matches(o),
        None,
        0,
    );
    let mut items = Vec::new();
    for obj in page.items {
        let (ns, name) = super::store::key_of(&obj);
        if let Ok(gone) = state.store.delete(&t.info.key(), &ns, &name) {
            items.push(gone);
        }
    }
    let meta = json!({"resourceVersion": state.store.current_rv().to_string()});
    Ok(list_response(&t.info, &meta, &items, req.output))
}

/// The `autoscaling/v1` Scale view of a scalable object.
fn to_scale(info: &ResourceInfo, obj: &Value) -> Value {
    let selector = obj["spec"]["selector"]
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let _ = info;
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

fn update_scale(
    state: &SimState,
    t: &Target,
    req: &ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let old = get_obj(state, t)?;
    let current = to_scale(&t.info, &old);
    let scale = if req.method == Method::PATCH {
        let kind = PatchKind::from_content_type(&req.content_type)
            .ok_or_else(|| ApiError::unsupported_media("unsupported patch type for scale"))?;
        let body = patch::parse_body(kind, &req.body)?;
        patch::apply(kind, &current, &body)?
    } else {
        parse_object(req)?
    };
    let expect = scale["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string);
    let replicas = &scale["spec"]["replicas"];
    let mut obj = (*old).clone();
    obj["spec"]["replicas"] = replicas.clone();
    if let Some(manager) = req.manager()
        && old["spec"]["replicas"] != *replicas
    {
        let write = Write::now(&manager, "Update").through(Some("scale"));
        super::fields::record_write(&mut obj, write, &Value::Null);
    }
    super::admission::validate(&t.info, &obj).map_err(|_| {
        ApiError::invalid(
            "Scale",
            "autoscaling",
            t.name.as_deref().unwrap_or_default(),
            &[(
                "spec.replicas".into(),
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            )],
        )
    })?;
    let stored = state.store.update(&t.info.key(), obj, expect.as_deref())?;
    Ok(json_response(200, &to_scale(&t.info, &stored)))
}

fn access_review(req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let mut review = parse_object(req)?;
    let ra = &review["spec"]["resourceAttributes"];
    let allowed = if ra.is_object() {
        let resource = match ra["subresource"].as_str().filter(|s| !s.is_empty()) {
            Some(sub) => format!("{}/{sub}", ra["resource"].as_str().unwrap_or_default()),
            None => ra["resource"].as_str().unwrap_or_default().to_string(),
        };
        req.user.allows(
            ra["verb"].as_str().unwrap_or_default(),
            ra["group"].as_str().unwrap_or_default(),
            &resource,
            ra["namespace"].as_str().filter(|n| !n.is_empty()),
        )
    } else {
        // Non-resource URLs (/healthz, /version…) are readable by everyone.
        review["spec"]["nonResourceAttributes"]["verb"] == "get"
    };
    review["status"] = if allowed {
        json!({"allowed": true, "reason": format!("user {} is allowed by the simulator's rules", req.user.name)})
    } else {
        json!({"allowed": false})
    };
    review["metadata"]["creationTimestamp"] = Value::Null;
    Ok(json_response(201, &review))
}

fn rules_review(req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let mut review = parse_object(req)?;
    let rules: Vec<Value> = req
        .user
        .rules
        .iter()
        .map(|r| json!({"verbs": r.verbs, "apiGroups": r.groups, "resources": r.resources}))
        .collect();
    review["status"] = json!({"resourceRules": rules, "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}], "incomplete": false});
    Ok(json_response(201, &review))
}
