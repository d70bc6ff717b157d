//! Object storage of the simulator: every resource as JSON, one global resourceVersion, a
//! bounded history of changes for watches (older versions answer 410 Gone), and a broadcast
//! of changes to watchers and controllers.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::ids::{mix, name_digits};
use super::resources::ResKey;

/// A stored object; shared between the table, the history and watchers.
pub type Obj = Arc<Value>;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One change, as watchers see it. `old` is the previous version of a modified object, so a
/// filtered watch can tell an object leaving its selector (sent as DELETED).
#[derive(Debug)]
pub struct WatchEvent {
    pub rv: u64,
    pub res: ResKey,
    pub kind: EventKind,
    pub object: Obj,
    pub old: Option<Obj>,
}

/// An API error, rendered as a `Status` object with the real reason and code.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, res: &ResKey, name: &str) -> Self {
        let mut d = json!({"name": name, "kind": res.resource});
        if !res.group.is_empty() {
            d["group"] = json!(res.group);
        }
        self.details = Some(d);
        self
    }

    pub fn not_found(res: &ResKey, name: &str) -> Self {
        ApiError::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(res)),
        )
        .with_details(res, name)
    }
    pub fn already_exists(res: &ResKey, name: &str) -> Self {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(res)),
        )
        .with_details(res, name)
    }
    pub fn conflict(res: &ResKey, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified(res)
            ),
        )
        .with_details(res, name)
    }
    /// 422 with field causes, like the API server's validation errors.
    pub fn invalid(kind: &str, group: &str, name: &str, causes: &[(String, String)]) -> Self {
        let qkind = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let list: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let message = if list.len() == 1 {
            format!("{qkind} \"{name}\" is invalid: {}", list[0])
        } else {
            format!("{qkind} \"{name}\" is invalid: [{}]", list.join(", "))
        };
        let mut e = ApiError::new(422, "Invalid", message);
        e.details = Some(json!({
            "name": name, "group": group, "kind": kind,
            "causes": causes.iter().map(|(f, m)| json!({"reason": "FieldValueInvalid", "message": m, "field": f})).collect::<Vec<_>>(),
        }));
        e
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(403, "Forbidden", message)
    }
    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }
    pub fn gone(message: impl Into<String>) -> Self {
        ApiError::new(410, "Expired", message)
    }
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        ApiError::new(405, "MethodNotAllowed", message)
    }
    /// 404 for a path outside the Kubernetes API, with a message that says what is there.
    pub fn not_found_path(message: impl Into<String>) -> Self {
        ApiError::new(404, "NotFound", message)
    }
    /// 409 that is not about one object's version.
    pub fn conflict_message(message: impl Into<String>) -> Self {
        ApiError::new(409, "Conflict", message)
    }
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        ApiError::new(406, "NotAcceptable", message)
    }
    pub fn unsupported_media(message: impl Into<String>) -> Self {
        ApiError::new(415, "UnsupportedMediaType", message)
    }
    pub fn too_many_requests() -> Self {
        ApiError::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        )
    }
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(500, "InternalError", message)
    }
    pub fn unknown_resource() -> Self {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// The `Status` object the API server returns for this error.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

/// `pods` or `deployments.apps`, as the API server names resources in messages.
pub fn qualified(res: &ResKey) -> String {
    if res.group.is_empty() {
        res.resource.clone()
    } else {
        format!("{}.{}", res.resource, res.group)
    }
}

type Table = BTreeMap<(String, String), Obj>;

struct Inner {
    rv: u64,
    tables: HashMap<ResKey, Table>,
    history: VecDeque<Arc<WatchEvent>>,
    /// Highest resourceVersion no longer in `history` (watches from before it get 410).
    compacted: u64,
    seq: u64,
}

/// The simulator's object store.
pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    history_cap: usize,
}

/// Where a watch starts: the retained events after its resourceVersion, then live changes.
pub type WatchStart = (Vec<Arc<WatchEvent>>, broadcast::Receiver<Arc<WatchEvent>>);

/// One page of a list.
pub struct ListPage {
    pub items: Vec<Obj>,
    pub rv: u64,
    /// Key to continue after, when more items remain.
    pub next: Option<(String, String)>,
    /// At least this many items remain (1 when there is a next page).
    pub remaining: usize,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(20_000)
    }
}

/// Now as Kubernetes writes timestamps (RFC 3339, seconds, `Z`).
pub fn now_rfc3339() -> String {
    kube_time(Utc::now())
}

/// A time as Kubernetes writes it in objects (RFC 3339, whole seconds, `Z`).
pub fn kube_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time with milliseconds (MicroTime-like), for logs kept by the simulator itself.
pub fn kube_time_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A timestamp field of an object, if it is one.
pub fn parse_kube_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

impl Store {
    pub fn new(history_cap: usize) -> Self {
        let (tx, _) = broadcast::channel(16_384);
        Store {
            inner: Mutex::new(Inner {
                // Start from the clock so a restarted simulator never reuses versions a
                // client saw before (a resumed watch would otherwise wait forever).
                rv: Utc::now().timestamp_millis().max(0) as u64 * 10,
                tables: HashMap::new(),
                history: VecDeque::new(),
                compacted: 0,
                seq: 0,
            }),
            tx,
            history_cap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every write is one insert),
        // so recover from poisoning rather than taking the whole simulator down.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    /// Forgets history older than the newest `keep` events (a test hook for 410 Gone).
    pub fn compact(&self, keep: usize) {
        let mut g = self.lock();
        while g.history.len() > keep {
            if let Some(e) = g.history.pop_front() {
                g.compacted = e.rv;
            }
        }
        if keep == 0 {
            g.compacted = g.rv;
        }
    }

    fn record(&self, g: &mut Inner, res: &ResKey, kind: EventKind, object: Obj, old: Option<Obj>) {
        let ev = Arc::new(WatchEvent {
            rv: g.rv,
            res: res.clone(),
            kind,
            object,
            old,
        });
        g.history.push_back(ev.clone());
        while g.history.len() > self.history_cap {
            if let Some(e) = g.history.pop_front() {
                g.compacted = e.rv;
            }
        }
        // No receivers is fine: nobody watches yet.
        let _ = self.tx.send(ev);
    }

    pub fn get(&self, res: &ResKey, ns: &str, name: &str) -> Option<Obj> {
        self.lock()
            .tables
            .get(res)
            .and_then(|t| t.get(&(ns.to_string(), name.to_string())))
            .cloned()
    }

    /// Lists objects of `res` (in one namespace or all), filtered, from after `after`, at most
    /// `limit` (0 = all).
    pub fn list(
        &self,
        res: &ResKey,
        ns: Option<&str>,
        filter: &dyn Fn(&Value) -> bool,
        after: Option<&(String, String)>,
        limit: usize,
    ) -> ListPage {
        let g = self.lock();
        let rv = g.rv;
        let Some(table) = g.tables.get(res) else {
            return ListPage {
                items: Vec::new(),
                rv,
                next: None,
                remaining: 0,
            };
        };
        let mut items = Vec::new();
        let mut next = None;
        let mut remaining = 0;
        let iter: Box<dyn Iterator<Item = (&(String, String), &Obj)>> = match (ns, after) {
            (_, Some(a)) => Box::new(
                table
                    .range::<(String, String), _>((
                        std::ops::Bound::Excluded(a.clone()),
                        std::ops::Bound::Unbounded,
                    ))
                    .filter(move |((n, _), _)| ns.is_none_or(|want| n == want)),
            ),
            (Some(want), None) => Box::new(
                table
                    .range((want.to_string(), String::new())..)
                    .take_while(move |((n, _), _)| n == want),
            ),
            (None, None) => Box::new(table.iter()),
        };
        for (key, obj) in iter {
            if ns.is_some_and(|want| key.0 != want) {
                // Ranges after a continue key can leave the namespace.
                if key.0.as_str() > ns.unwrap_or_default() {
                    break;
                }
                continue;
            }
            if !filter(obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                // One more match proves there is a next page; counting them all would make
                // paging through a big table quadratic, and remainingItemCount is optional.
                next = items.last().map(|o: &Obj| key_of(o));
                remaining = 1;
                break;
            }
            items.push(obj.clone());
        }
        ListPage {
            items,
            rv,
            next,
            remaining,
        }
    }

    /// Whether the namespace object exists.
    pub fn namespace_exists(&self, ns: &str) -> bool {
        self.get(&ResKey::new("", "namespaces"), "", ns).is_some()
    }

    /// Stores a new object, filling uid, resourceVersion, creationTimestamp and generation
    /// (a provided creationTimestamp is kept: scenarios backdate their objects).
    pub fn create(&self, res: &ResKey, obj: Value) -> Result<Obj, ApiError> {
        self.create_with(res, obj, |_| {})
    }

    /// Like [`Store::create`], running `finalize` once uid and name are set (defaulting that
    /// needs the uid, such as a Job's controller-uid labels).
    pub fn create_with(
        &self,
        res: &ResKey,
        mut obj: Value,
        finalize: impl FnOnce(&mut Value),
    ) -> Result<Obj, ApiError> {
        let mut g = self.lock();
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            let prefix = obj["metadata"]["generateName"].as_str().unwrap_or_default();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    obj["kind"].as_str().unwrap_or_default(),
                    &res.group,
                    "",
                    &[(
                        "metadata.name".into(),
                        "Required value: name or generateName is required".into(),
                    )],
                ));
            }
            g.seq += 1;
            name = format!("{prefix}{}", suffix(g.seq));
            obj["metadata"]["name"] = json!(name);
        }
        if !ns.is_empty()
            && res.resource != "namespaces"
            && !g
                .tables
                .get(&ResKey::new("", "namespaces"))
                .is_some_and(|t| t.contains_key(&(String::new(), ns.clone())))
        {
            return Err(ApiError::not_found(&ResKey::new("", "namespaces"), &ns));
        }
        let key = (ns, name.clone());
        if g.tables.get(res).is_some_and(|t| t.contains_key(&key)) {
            return Err(ApiError::already_exists(res, &name));
        }
        g.rv += 1;
        g.seq += 1;
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(uid(g.seq));
        meta["resourceVersion"] = json!(g.rv.to_string());
        if meta["creationTimestamp"].as_str().is_none_or(str::is_empty) {
            meta["creationTimestamp"] = json!(now_rfc3339());
        }
        if obj.get("spec").is_some() {
            obj["metadata"]["generation"] = json!(1);
        }
        finalize(&mut obj);
        prune_nulls(&mut obj);
        let obj = Arc::new(obj);
        g.tables
            .entry(res.clone())
            .or_default()
            .insert(key, obj.clone());
        self.record(&mut g, res, EventKind::Added, obj.clone(), None);
        Ok(obj)
    }

    /// Replaces an object. With `expect_rv`, a stale version is a 409 Conflict. Keeps uid and
    /// creationTimestamp, bumps generation when the spec changed; unchanged objects are not
    /// written (no event), as the API server does.
    pub fn update(
        &self,
        res: &ResKey,
        mut obj: Value,
        expect_rv: Option<&str>,
    ) -> Result<Obj, ApiError> {
        let mut g = self.lock();
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let key = (ns, name.clone());
        let Some(old) = g.tables.get(res).and_then(|t| t.get(&key)).cloned() else {
            return Err(ApiError::not_found(res, &name));
        };
        if let Some(want) = expect_rv.filter(|v| !v.is_empty())
            && old["metadata"]["resourceVersion"].as_str() != Some(want)
        {
            return Err(ApiError::conflict(res, &name));
        }
        let meta = &mut obj["metadata"];
        meta["uid"] = old["metadata"]["uid"].clone();
        meta["creationTimestamp"] = old["metadata"]["creationTimestamp"].clone();
        meta["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        if old["metadata"].get("generation").is_some() || obj.get("spec").is_some() {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1);
            let bumped = if obj.get("spec") != old.get("spec") {
                generation + 1
            } else {
                generation
            };
            obj["metadata"]["generation"] = json!(bumped);
        }
        prune_nulls(&mut obj);
        if obj == *old {
            return Ok(old);
        }
        g.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(g.rv.to_string());
        let obj = Arc::new(obj);
        g.tables
            .entry(res.clone())
            .or_default()
            .insert(key, obj.clone());
        self.record(&mut g, res, EventKind::Modified, obj.clone(), Some(old));
        Ok(obj)
    }

    /// Removes an object; the DELETED event carries it with the deletion's resourceVersion.
    pub fn delete(&self, res: &ResKey, ns: &str, name: &str) -> Result<Obj, ApiError> {
        let mut g = self.lock();
        let key = (ns.to_string(), name.to_string());
        let Some(old) = g.tables.get_mut(res).and_then(|t| t.remove(&key)) else {
            return Err(ApiError::not_found(res, name));
        };
        g.rv += 1;
        let mut gone = (*old).clone();
        gone["metadata"]["resourceVersion"] = json!(g.rv.to_string());
        let gone = Arc::new(gone);
        self.record(&mut g, res, EventKind::Deleted, gone.clone(), Some(old));
        Ok(gone)
    }

    /// Every stored resource key with its objects (for controllers' start-up sync and GC).
    pub fn all_of(&self, res: &ResKey) -> Vec<Obj> {
        self.lock()
            .tables
            .get(res)
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Keys of all tables.
    pub fn resources(&self) -> Vec<ResKey> {
        self.lock().tables.keys().cloned().collect()
    }

    /// Subscribes to changes after `from_rv`: the retained events after it, then the live
    /// receiver. Errors with 410 Gone when `from_rv` is older than the retained history.
    pub fn watch_from(&self, from_rv: u64) -> Result<WatchStart, ApiError> {
        let g = self.lock();
        if from_rv < g.compacted {
            return Err(ApiError::gone(format!(
                "too old resource version: {from_rv} ({})",
                g.compacted + 1
            )));
        }
        if from_rv > g.rv {
            // A version from another incarnation of the server: make the client re-list.
            return Err(ApiError::gone(format!(
                "too large resource version: {from_rv}, current: {}",
                g.rv
            )));
        }
        let start = g.history.partition_point(|e| e.rv <= from_rv);
        let backlog = g.history.iter().skip(start).cloned().collect();
        Ok((backlog, self.tx.subscribe()))
    }

    /// A live receiver of all changes (controllers), with the rv it starts after.
    pub fn subscribe(&self) -> (u64, broadcast::Receiver<Arc<WatchEvent>>) {
        let g = self.lock();
        (g.rv, self.tx.subscribe())
    }
}

/// Drops `null` members of objects, as the API server does when it decodes into typed
/// structs (a null field reads as absent and is omitted when written back).
pub fn prune_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(prune_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}

/// The (namespace, name) key of an object.
pub fn key_of(obj: &Value) -> (String, String) {
    (
        obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Five characters from the API server's generateName alphabet.
fn suffix(seq: u64) -> String {
    name_digits(mix(seq), 5)
}

/// A UUID-shaped unique id.
fn uid(seq: u64) -> String {
    let a = mix(seq);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    }
    fn pod(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": {"containers": []}})
    }
    fn pods() -> ResKey {
        ResKey::new("", "pods")
    }

    #[test]
    fn create_get_update_delete_with_versions() {
        let s = Store::default();
        s.create(&ResKey::new("", "namespaces"), ns("a")).unwrap();
        let p = s.create(&pods(), pod("a", "p1")).unwrap();
        let rv1 = p["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(p["metadata"]["generation"], 1);
        assert_eq!(s.create(&pods(), pod("a", "p1")).unwrap_err().code, 409);
        assert_eq!(s.create(&pods(), pod("nope", "p1")).unwrap_err().code, 404);

        let mut changed = (*p).clone();
        changed["spec"]["nodeName"] = json!("n1");
        let p2 = s.update(&pods(), changed.clone(), Some(&rv1)).unwrap();
        assert_eq!(p2["metadata"]["generation"], 2);
        assert_eq!(p2["metadata"]["uid"], p["metadata"]["uid"]);
        let stale = s.update(&pods(), changed, Some(&rv1)).unwrap_err();
        assert_eq!(stale.code, 409);
        assert_eq!(stale.reason, "Conflict");

        let gone = s.delete(&pods(), "a", "p1").unwrap();
        assert!(
            gone["metadata"]["resourceVersion"].as_str().unwrap()
                > p2["metadata"]["resourceVersion"].as_str().unwrap()
        );
        assert!(s.get(&pods(), "a", "p1").is_none());
        assert_eq!(s.delete(&pods(), "a", "p1").unwrap_err().code, 404);
    }

    #[test]
    fn generate_name_and_pagination() {
        let s = Store::default();
        s.create(&ResKey::new("", "namespaces"), ns("a")).unwrap();
        s.create(&ResKey::new("", "namespaces"), ns("b")).unwrap();
        for i in 0..5 {
            let mut p = pod("a", "");
            p["metadata"]["generateName"] = json!("job-");
            let made = s.create(&pods(), p).unwrap();
            assert!(
                made["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("job-"),
                "{i}"
            );
        }
        s.create(&pods(), pod("b", "x")).unwrap();
        let all = s.list(&pods(), None, &|_| true, None, 0);
        assert_eq!(all.items.len(), 6);
        let page1 = s.list(&pods(), Some("a"), &|_| true, None, 2);
        assert_eq!(page1.items.len(), 2);
        assert_eq!(page1.remaining, 1);
        let page2 = s.list(&pods(), Some("a"), &|_| true, page1.next.as_ref(), 10);
        assert_eq!(page2.items.len(), 3);
        assert!(page2.next.is_none());
        assert!(
            page2
                .items
                .iter()
                .all(|o| o["metadata"]["namespace"] == "a")
        );
    }

    #[test]
    fn watch_history_and_gone() {
        let s = Store::default();
        s.create(&ResKey::new("", "namespaces"), ns("a")).unwrap();
        let rv = s.current_rv();
        s.create(&pods(), pod("a", "p1")).unwrap();
        s.delete(&pods(), "a", "p1").unwrap();
        let (backlog, _rx) = s.watch_from(rv).unwrap();
        let kinds: Vec<_> = backlog.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EventKind::Added, EventKind::Deleted]);
        assert_eq!(s.watch_from(s.current_rv() + 5).unwrap_err().code, 410);
        s.compact(0);
        let err = s.watch_from(rv).unwrap_err();
        assert_eq!(err.code, 410);
        assert!(s.watch_from(s.current_rv()).is_ok());
    }
}
