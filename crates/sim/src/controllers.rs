//! Small controllers that make the simulated cluster move: Deployment → ReplicaSet → Pod
//! (with revisions for rollout history and undo), StatefulSet (+ ControllerRevisions),
//! DaemonSet, Job, CronJob, the kubelet's pod lifecycle, garbage collection by owner
//! references, namespace deletion, and Events for what happens.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::cron::Schedule;
use super::fields::{self, Write};
use super::http::SimState;
use super::ids::{self, name_digits};
use super::kubelet;
use super::resources::ResKey;
use super::rollout::{ReplicaCounts, Strategy, next_step};
use super::scenario::RunGenerator;
use super::store::{EventKind, Obj, WatchEvent};
use super::store::{kube_time as ts, parse_kube_time as parse_ts};

/// The field manager of the controllers' writes, as kube-controller-manager names itself.
const CONTROLLER_MANAGER: &str = "kube-controller-manager";

fn pods() -> ResKey {
    ResKey::new("", "pods")
}
fn events() -> ResKey {
    ResKey::new("", "events")
}
fn rs_key() -> ResKey {
    ResKey::new("apps", "replicasets")
}
fn deploy_key() -> ResKey {
    ResKey::new("apps", "deployments")
}
fn sts_key() -> ResKey {
    ResKey::new("apps", "statefulsets")
}
fn ds_key() -> ResKey {
    ResKey::new("apps", "daemonsets")
}
fn cr_key() -> ResKey {
    ResKey::new("apps", "controllerrevisions")
}
fn job_key() -> ResKey {
    ResKey::new("batch", "jobs")
}
fn cj_key() -> ResKey {
    ResKey::new("batch", "cronjobs")
}

fn meta_str<'a>(o: &'a Value, field: &str) -> &'a str {
    o["metadata"][field].as_str().unwrap_or_default()
}

/// Work the controllers schedule for later.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Work {
    Pod(String, String),
    Deployment(String, String),
    CronJob(String, String),
    EventGc,
}

/// Starts the controllers on the current runtime.
/// Starts the controllers on the current runtime; the returned receiver fires once the
/// first sync (the warm start) is done, so callers can serve a settled cluster.
pub fn spawn(
    state: Arc<SimState>,
    shutdown: watch::Receiver<bool>,
) -> tokio::sync::oneshot::Receiver<()> {
    let (ready, synced) = tokio::sync::oneshot::channel();
    tokio::spawn(async move { Controllers::new(state).run(shutdown, ready).await });
    synced
}

/// Starts the scenario's run generators.
pub fn spawn_runs(state: Arc<SimState>, runs: Vec<RunGenerator>, shutdown: watch::Receiver<bool>) {
    for run in runs {
        let state = state.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let mut wait = run.first_after;
            let mut seq = 0;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => return,
                }
                for obj in (run.make)(seq, Utc::now()) {
                    let info = state.by_kind(
                        obj["apiVersion"].as_str().unwrap_or_default(),
                        obj["kind"].as_str().unwrap_or_default(),
                    );
                    // A run whose objects the cluster rejects is skipped; the next one comes.
                    if let Some(info) = info {
                        let _ = state.create_object(&info, obj);
                    }
                }
                seq += 1;
                wait = run.period;
            }
        });
    }
}

struct Controllers {
    state: Arc<SimState>,
    timers: BinaryHeap<Reverse<(DateTime<Utc>, Work)>>,
    due: HashMap<Work, DateTime<Utc>>,
    /// Owner uid → dependents, for garbage collection and "pods of this ReplicaSet".
    owned: HashMap<String, HashSet<(ResKey, String, String)>>,
    node_turn: usize,
    /// (object uid, reason, message) → Event name, to count repeats instead of adding Events.
    event_names: HashMap<(String, String, String), String>,
    /// During the first sync, objects made for pre-existing owners are backdated to their
    /// owner's age, so the demo opens on a cluster that has been running, not one just born.
    warm_start: bool,
}

impl Controllers {
    fn new(state: Arc<SimState>) -> Self {
        Controllers {
            state,
            timers: BinaryHeap::new(),
            due: HashMap::new(),
            owned: HashMap::new(),
            node_turn: 0,
            event_names: HashMap::new(),
            warm_start: false,
        }
    }

    async fn run(
        mut self,
        mut shutdown: watch::Receiver<bool>,
        ready: tokio::sync::oneshot::Sender<()>,
    ) {
        let (_, mut rx) = self.state.store.subscribe();
        self.warm_start = true;
        self.resync();
        // Objects the first sync made arrive as events; let those settle warm too.
        while let Ok(ev) = rx.try_recv() {
            self.on_event(&ev);
        }
        // Pods due now (backdated starts) move on before anyone looks.
        self.fire_due();
        while let Ok(ev) = rx.try_recv() {
            self.on_event(&ev);
        }
        self.warm_start = false;
        let _ = ready.send(());
        self.schedule(Work::EventGc, Utc::now() + chrono::Duration::minutes(5));
        loop {
            let wait = self
                .timers
                .peek()
                .map(|Reverse((t, _))| (*t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(60));
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => self.on_event(&ev),
                    // Fell behind a burst of changes: rebuild from the store.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.resync(),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tokio::time::sleep(wait) => self.fire_due(),
                _ = shutdown.changed() => return,
            }
        }
    }

    fn schedule(&mut self, work: Work, at: DateTime<Utc>) {
        if self.due.get(&work).is_some_and(|t| *t <= at) {
            return;
        }
        self.due.insert(work.clone(), at);
        self.timers.push(Reverse((at, work)));
    }

    fn fire_due(&mut self) {
        let now = Utc::now();
        while let Some(Reverse((at, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, work))) = self.timers.pop() else {
                break;
            };
            // Skip stale entries superseded by an earlier schedule of the same work.
            if self.due.get(&work) != Some(&at) {
                continue;
            }
            self.due.remove(&work);
            match work {
                Work::Pod(ns, name) => {
                    if let Some(p) = self.state.store.get(&pods(), &ns, &name) {
                        self.kubelet(&p);
                    }
                }
                Work::Deployment(ns, name) => self.reconcile_deployment(&ns, &name),
                Work::CronJob(ns, name) => self.reconcile_cronjob(&ns, &name),
                Work::EventGc => {
                    self.gc_events();
                    self.schedule(Work::EventGc, now + chrono::Duration::minutes(5));
                }
            }
        }
    }

    fn index(&mut self, res: &ResKey, obj: &Value, present: bool) {
        let key = (
            res.clone(),
            meta_str(obj, "namespace").to_string(),
            meta_str(obj, "name").to_string(),
        );
        for r in obj["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(uid) = r["uid"].as_str() else {
                continue;
            };
            if present {
                self.owned
                    .entry(uid.to_string())
                    .or_default()
                    .insert(key.clone());
            } else if let Some(set) = self.owned.get_mut(uid) {
                set.remove(&key);
                if set.is_empty() {
                    self.owned.remove(uid);
                }
            }
        }
    }

    fn resync(&mut self) {
        self.owned.clear();
        for res in self.state.store.resources() {
            for obj in self.state.store.all_of(&res) {
                self.index(&res, &obj, true);
            }
        }
        for d in self.state.store.all_of(&deploy_key()) {
            self.reconcile_deployment(meta_str(&d, "namespace"), meta_str(&d, "name"));
        }
        for k in [rs_key(), sts_key(), ds_key(), job_key(), cj_key()] {
            for o in self.state.store.all_of(&k) {
                self.reconcile(&k, meta_str(&o, "namespace"), meta_str(&o, "name"));
            }
        }
        for p in self.state.store.all_of(&pods()) {
            self.kubelet(&p);
        }
    }

    fn reconcile(&mut self, res: &ResKey, ns: &str, name: &str) {
        match res.resource.as_str() {
            "deployments" => self.reconcile_deployment(ns, name),
            "replicasets" => self.reconcile_rs(ns, name),
            "statefulsets" => self.reconcile_sts(ns, name),
            "daemonsets" => self.reconcile_ds(ns, name),
            "jobs" => self.reconcile_job(ns, name),
            "cronjobs" => self.reconcile_cronjob(ns, name),
            _ => {}
        }
    }

    fn on_event(&mut self, ev: &WatchEvent) {
        if let Some(old) = &ev.old {
            self.index(&ev.res, old, false);
        }
        let alive = ev.kind != EventKind::Deleted;
        if alive {
            self.index(&ev.res, &ev.object, true);
        }
        let obj = &ev.object;
        let ns = meta_str(obj, "namespace").to_string();
        let name = meta_str(obj, "name").to_string();
        if alive {
            match ev.res.resource.as_str() {
                "pods" if ev.res.group.is_empty() => {
                    self.kubelet(obj);
                    if obj["metadata"]["labels"]["spark-role"] == "driver" {
                        self.reconcile_spark_app(obj);
                    }
                }
                "nodes" if ev.kind == EventKind::Added => {
                    for ds in self.state.store.all_of(&ds_key()) {
                        self.reconcile_ds(meta_str(&ds, "namespace"), meta_str(&ds, "name"));
                    }
                }
                _ => self.reconcile(&ev.res, &ns, &name),
            }
        } else {
            self.collect_garbage(obj);
            if ev.res.resource == "namespaces" && ev.res.group.is_empty() {
                self.delete_namespace_contents(&name);
            }
        }
        // Owners recompute their status from their dependents.
        if let Some(owner) = controller_of(obj) {
            let kind = owner["kind"].as_str().unwrap_or_default();
            let oname = owner["name"].as_str().unwrap_or_default().to_string();
            match kind {
                "ReplicaSet" => self.reconcile_rs(&ns, &oname),
                "Deployment" => self.reconcile_deployment(&ns, &oname),
                "StatefulSet" => self.reconcile_sts(&ns, &oname),
                "DaemonSet" => self.reconcile_ds(&ns, &oname),
                "Job" => self.reconcile_job(&ns, &oname),
                "CronJob" => self.reconcile_cronjob(&ns, &oname),
                _ => {}
            }
        }
    }

    /// Deletes the dependents of a deleted owner (background propagation).
    fn collect_garbage(&mut self, owner: &Value) {
        let uid = meta_str(owner, "uid");
        let Some(deps) = self.owned.remove(uid) else {
            return;
        };
        for (res, ns, name) in deps {
            let _ = self.state.store.delete(&res, &ns, &name);
        }
    }

    fn delete_namespace_contents(&mut self, ns: &str) {
        for res in self.state.store.resources() {
            let page = self.state.store.list(&res, Some(ns), &|_| true, None, 0);
            for obj in page.items {
                let _ = self.state.store.delete(&res, ns, meta_str(&obj, "name"));
            }
        }
    }

    fn dependents(&self, owner: &Value, res: &ResKey) -> Vec<Obj> {
        let Some(set) = self.owned.get(meta_str(owner, "uid")) else {
            return Vec::new();
        };
        let mut out: Vec<Obj> = set
            .iter()
            .filter(|(r, _, _)| r == res)
            .filter_map(|(r, ns, name)| self.state.store.get(r, ns, name))
            .collect();
        out.sort_by(|a, b| meta_str(a, "name").cmp(meta_str(b, "name")));
        out
    }

    fn next_node(&mut self) -> String {
        let nodes = self.state.store.all_of(&ResKey::new("", "nodes"));
        if nodes.is_empty() {
            return "node-1".to_string();
        }
        self.node_turn = (self.node_turn + 1) % nodes.len();
        meta_str(&nodes[self.node_turn], "name").to_string()
    }

    fn write(&self, res: &ResKey, mut new: Value, old: &Value) {
        if new != *old {
            self.record_writes(res, &mut new, old);
            // A conflict means someone else changed it; their event brings us back here.
            let _ = self
                .state
                .store
                .update(res, new, old["metadata"]["resourceVersion"].as_str());
        }
    }

    /// When this write happened, as managedFields say: now, except during the warm start,
    /// which replays what happened around the object's creation (a demo that opened on a
    /// burst of "changed just now" would send an incident timeline after nothing).
    fn write_time(&self, obj: &Value) -> DateTime<Utc> {
        self.warm_start
            .then(|| parse_ts(&obj["metadata"]["creationTimestamp"]))
            .flatten()
            .unwrap_or_else(Utc::now)
    }

    /// Notes in managedFields what this write changed, by the component of a real cluster
    /// that makes it: the kubelet reports pod status, the controller manager does the rest.
    fn record_writes(&self, res: &ResKey, new: &mut Value, old: &Value) {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(m) = v.as_object_mut() {
                m.remove("status");
            }
            if let Some(meta) = v["metadata"].as_object_mut() {
                meta.remove("resourceVersion");
                meta.remove("managedFields");
            }
            v
        };
        let time = self.write_time(new);
        let (old_main, new_main) = (strip(old), strip(new));
        if old_main != new_main {
            let touched = fields::changed(&old_main, &new_main);
            fields::record_write(
                new,
                Write {
                    time,
                    ..Write::now(CONTROLLER_MANAGER, "Update")
                },
                &touched,
            );
        }
        if old["status"] != new["status"] {
            let manager = if *res == pods() {
                "kubelet"
            } else {
                CONTROLLER_MANAGER
            };
            let touched = json!({"status": fields::changed(&old["status"], &new["status"])});
            let write = Write {
                time,
                ..Write::now(manager, "Update")
            }
            .through(Some("status"));
            fields::record_write(new, write, &touched);
        }
    }

    fn create(&mut self, plural_group: (&str, &str), mut obj: Value) -> Option<Obj> {
        let info = self
            .state
            .by_key(&ResKey::new(plural_group.0, plural_group.1))?;
        if self.warm_start && plural_group.1 != "events" {
            let owner_created = controller_of(&obj)
                .and_then(|r| {
                    let kind = r["kind"].as_str()?;
                    let name = r["name"].as_str()?;
                    let key = self.state.find_resource(|x| x.kind == kind)?.key();
                    self.state.store.get(
                        &key,
                        obj["metadata"]["namespace"].as_str().unwrap_or_default(),
                        name,
                    )
                })
                .map(|o| {
                    template_written(&o)
                        .unwrap_or_else(|| o["metadata"]["creationTimestamp"].clone())
                });
            if let Some(t) = owner_created.filter(|t| t.is_string())
                && obj["metadata"]["creationTimestamp"].is_null()
            {
                obj["metadata"]["creationTimestamp"] = t;
            }
        }
        let time = self.write_time(&obj);
        let touched = obj.clone();
        fields::record_write(
            &mut obj,
            Write {
                time,
                ..Write::now(CONTROLLER_MANAGER, "Update")
            },
            &touched,
        );
        let created = self.state.create_object(&info, obj).ok()?;
        // Index it now, not when its event arrives: a reconcile in between must count it,
        // or it would create the same dependent twice.
        self.index(&info.key(), &created, true);
        Some(created)
    }

    // ---- kubelet ----

    fn kubelet(&mut self, pod: &Value) {
        // Act on the stored version: an event may carry one we already moved past.
        let fresh =
            self.state
                .store
                .get(&pods(), meta_str(pod, "namespace"), meta_str(pod, "name"));
        let Some(fresh) = fresh else {
            return;
        };
        let pod = fresh.as_ref();
        let needs_node = pod["status"]["startTime"].is_null();
        let node = if needs_node {
            self.next_node()
        } else {
            String::new()
        };
        let ip = if needs_node {
            self.state.next_pod_ip()
        } else {
            String::new()
        };
        let now = Utc::now();
        let adv = kubelet::advance(pod, now, &node, &ip);
        let node_name = adv
            .pod
            .as_ref()
            .map(|p| {
                p["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_else(|| {
                pod["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            });
        for (kind, reason, message) in &adv.events {
            let component = if *reason == "Scheduled" {
                "default-scheduler"
            } else {
                "kubelet"
            };
            self.record_event(pod, kind, reason, message, component, &node_name);
        }
        if let Some(p) = adv.pod {
            self.write(&pods(), p, pod);
        }
        if let Some(next) = adv.next {
            self.schedule(
                Work::Pod(
                    meta_str(pod, "namespace").to_string(),
                    meta_str(pod, "name").to_string(),
                ),
                next,
            );
        }
    }

    // ---- Spark applications (what the Spark operator reports) ----

    /// Mirrors a Spark driver pod into its SparkApplication's state, and removes the
    /// executors once the driver has ended, as Spark does.
    fn reconcile_spark_app(&mut self, driver: &Value) {
        let ns = meta_str(driver, "namespace");
        let Some(app_name) = driver["metadata"]["labels"]["sparkoperator.k8s.io/app-name"].as_str()
        else {
            return;
        };
        let key = ResKey::new("sparkoperator.k8s.io", "sparkapplications");
        let Some(app) = self.state.store.get(&key, ns, app_name) else {
            return;
        };
        let (state, exec_state) = match driver["status"]["phase"].as_str() {
            Some("Running") => ("RUNNING", "RUNNING"),
            Some("Succeeded") => ("COMPLETED", "COMPLETED"),
            Some("Failed") => ("FAILED", "FAILED"),
            _ => ("SUBMITTED", "PENDING"),
        };
        let mut app2 = (*app).clone();
        app2["status"]["applicationState"]["state"] = json!(state);
        if state == "FAILED" {
            app2["status"]["applicationState"]["errorMessage"] =
                json!("driver container failed with ExitCode: 1, Reason: Error");
        }
        if let Some(execs) = app2["status"]["executorState"].as_object_mut() {
            for v in execs.values_mut() {
                *v = json!(exec_state);
            }
        }
        let done = matches!(state, "COMPLETED" | "FAILED");
        if done && app["status"]["terminationTime"].is_null() {
            app2["status"]["terminationTime"] = json!(ts(Utc::now()));
            let selector = driver["metadata"]["labels"]["spark-app-selector"]
                .as_str()
                .unwrap_or_default();
            let page = self.state.store.list(
                &pods(),
                Some(ns),
                &|p| {
                    p["metadata"]["labels"]["spark-role"] == "executor"
                        && p["metadata"]["labels"]["spark-app-selector"] == selector
                },
                None,
                0,
            );
            for p in page.items {
                let _ = self.state.store.delete(&pods(), ns, meta_str(&p, "name"));
            }
        }
        self.write(&key, app2, &app);
    }

    // ---- events ----

    fn record_event(
        &mut self,
        obj: &Value,
        kind: &str,
        reason: &str,
        message: &str,
        component: &str,
        host: &str,
    ) {
        let ns = meta_str(obj, "namespace");
        let ns = if ns.is_empty() { "default" } else { ns };
        let uid = meta_str(obj, "uid").to_string();
        let now = ts(Utc::now());
        let key = (uid.clone(), reason.to_string(), message.to_string());
        if let Some(name) = self.event_names.get(&key)
            && let Some(existing) = self.state.store.get(&events(), ns, name)
        {
            let mut e = (*existing).clone();
            e["count"] = json!(existing["count"].as_i64().unwrap_or(1) + 1);
            e["lastTimestamp"] = json!(now);
            self.write(&events(), e, &existing);
            return;
        }
        let mut source = json!({"component": component});
        if !host.is_empty() && component == "kubelet" {
            source["host"] = json!(host);
        }
        let event = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"generateName": format!("{}.", meta_str(obj, "name")), "namespace": ns},
            "involvedObject": {
                "kind": obj["kind"], "namespace": obj["metadata"]["namespace"], "name": obj["metadata"]["name"],
                "uid": obj["metadata"]["uid"], "apiVersion": obj["apiVersion"],
                "resourceVersion": obj["metadata"]["resourceVersion"],
            },
            "reason": reason, "message": message, "type": kind, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now, "eventTime": null,
            "source": source, "reportingComponent": component, "reportingInstance": host,
        });
        if let Some(created) = self.create(("", "events"), event) {
            self.event_names
                .insert(key, meta_str(&created, "name").to_string());
        }
    }

    /// Events expire after an hour, as with the API server's default event TTL.
    fn gc_events(&mut self) {
        let cutoff = Utc::now() - chrono::Duration::hours(1);
        for e in self.state.store.all_of(&events()) {
            if parse_ts(&e["lastTimestamp"]).is_some_and(|t| t < cutoff) {
                let _ = self.state.store.delete(
                    &events(),
                    meta_str(&e, "namespace"),
                    meta_str(&e, "name"),
                );
            }
        }
        let store = &self.state.store;
        self.event_names
            .retain(|_, name| !name.is_empty() && store.current_rv() > 0);
    }

    // ---- Deployments ----

    fn reconcile_deployment(&mut self, ns: &str, name: &str) {
        let Some(d) = self.state.store.get(&deploy_key(), ns, name) else {
            return;
        };
        let now = Utc::now();
        let hash = template_hash(&d["spec"]["template"]);
        let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let owned = self.dependents(&d, &rs_key());
        let revision = |rs: &Value| -> i64 {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        };
        let max_rev = owned.iter().map(|r| revision(r)).max().unwrap_or(0);
        let current = owned
            .iter()
            .find(|rs| rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
            .cloned();
        let change_cause = d["metadata"]["annotations"]["kubernetes.io/change-cause"].clone();
        let strategy = Strategy::of(&d, replicas);
        let mut old: Vec<&Obj> = owned
            .iter()
            .filter(|rs| rs["metadata"]["labels"]["pod-template-hash"] != hash.as_str())
            .collect();
        // Oldest first: Kubernetes scales the oldest ReplicaSets down first.
        old.sort_by_key(|rs| revision(rs));
        let counts = |rs: &Value| ReplicaCounts {
            wanted: rs["spec"]["replicas"].as_i64().unwrap_or(0),
            pods: rs["status"]["replicas"].as_i64().unwrap_or(0),
            available: rs["status"]["availableReplicas"].as_i64().unwrap_or(0),
        };
        let old_counts: Vec<ReplicaCounts> = old.iter().map(|rs| counts(rs)).collect();
        let (new_wanted, old_wanted) = next_step(
            strategy,
            replicas,
            current.as_deref().map(counts).unwrap_or_default(),
            &old_counts,
        );
        let max_replicas = (replicas + strategy.max_surge()).to_string();
        let new_rs_name;
        let new_rev;
        let mut created_new = false;
        match &current {
            None => {
                new_rs_name = format!("{name}-{hash}");
                new_rev = max_rev + 1;
                let mut template = d["spec"]["template"].clone();
                template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut selector = d["spec"]["selector"].clone();
                selector["matchLabels"]["pod-template-hash"] = json!(hash);
                let mut annotations = json!({
                    "deployment.kubernetes.io/revision": new_rev.to_string(),
                    "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                    "deployment.kubernetes.io/max-replicas": max_replicas,
                });
                if !change_cause.is_null() {
                    annotations["kubernetes.io/change-cause"] = change_cause.clone();
                }
                let rs = json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": new_rs_name, "namespace": ns, "labels": template["metadata"]["labels"],
                                 "annotations": annotations, "ownerReferences": [owner_ref(&d, "apps/v1", "Deployment")]},
                    "spec": {"replicas": new_wanted, "selector": selector, "template": template},
                });
                created_new = self.create(("apps", "replicasets"), rs).is_some();
                if created_new && new_wanted > 0 {
                    self.record_event(
                        &d,
                        "Normal",
                        "ScalingReplicaSet",
                        &format!("Scaled up replica set {new_rs_name} from 0 to {new_wanted}"),
                        "deployment-controller",
                        "",
                    );
                }
            }
            Some(rs) => {
                new_rs_name = meta_str(rs, "name").to_string();
                let mut rs2 = (**rs).clone();
                new_rev = if revision(rs) < max_rev {
                    max_rev + 1
                } else {
                    revision(rs)
                };
                let annotations = &mut rs2["metadata"]["annotations"];
                annotations["deployment.kubernetes.io/revision"] = json!(new_rev.to_string());
                annotations["deployment.kubernetes.io/desired-replicas"] =
                    json!(replicas.to_string());
                annotations["deployment.kubernetes.io/max-replicas"] = json!(max_replicas);
                if !change_cause.is_null() {
                    annotations["kubernetes.io/change-cause"] = change_cause.clone();
                }
                rs2["spec"]["replicas"] = json!(new_wanted);
                self.scaled(&d, rs, new_wanted);
                self.write(&rs_key(), rs2, rs);
            }
        }
        // Old ReplicaSets scale down as far as the strategy lets them.
        for (rs, wanted) in old.iter().zip(&old_wanted) {
            let mut rs2 = (***rs).clone();
            rs2["spec"]["replicas"] = json!(wanted);
            self.scaled(&d, rs, *wanted);
            self.write(&rs_key(), rs2, rs);
        }
        let limit = d["spec"]["revisionHistoryLimit"].as_u64().unwrap_or(10) as usize;
        if old.len() > limit {
            for rs in &old[..old.len() - limit] {
                if rs["status"]["replicas"].as_i64().unwrap_or(0) == 0 {
                    let _ = self.state.store.delete(&rs_key(), ns, meta_str(rs, "name"));
                }
            }
        }
        // Status from the ReplicaSets as they are now, computed as Kubernetes'
        // calculateStatus and syncRolloutStatus do: what `kubectl rollout status` reads.
        let all = self.dependents(&d, &rs_key());
        let sum = |f: &str| -> i64 {
            all.iter()
                .map(|r| r["status"][f].as_i64().unwrap_or(0))
                .sum()
        };
        let wanted: i64 = all
            .iter()
            .map(|r| r["spec"]["replicas"].as_i64().unwrap_or(0))
            .sum();
        let new_rs = all.iter().find(|r| meta_str(r, "name") == new_rs_name);
        let updated = new_rs
            .map(|r| r["status"]["replicas"].as_i64().unwrap_or(0))
            .unwrap_or(0);
        let total = sum("replicas");
        let ready = sum("readyReplicas");
        let available = sum("availableReplicas");
        let unavailable = (wanted - available).max(0);
        let is_available = available >= replicas - strategy.max_unavailable();
        let complete = updated == replicas && total == replicas && available == replicas;
        let old_conditions = d["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let find_old = |t: &str| old_conditions.iter().find(|c| c["type"] == t).cloned();
        let progressing_cond = self.progressing(
            &d,
            find_old("Progressing"),
            Rollout {
                new_rs: &new_rs_name,
                created: created_new,
                complete,
                counts: [total, updated, ready, available],
            },
            now,
        );
        let cond = |t: &str, status: &str, reason: &str, message: &str| -> Value {
            let prev = find_old(t);
            let same = prev
                .as_ref()
                .is_some_and(|p| p["status"] == status && p["reason"] == reason);
            let transition = prev
                .as_ref()
                .filter(|p| p["status"] == status)
                .map(|p| p["lastTransitionTime"].clone())
                .unwrap_or(json!(ts(now)));
            let update = if same {
                prev.as_ref()
                    .map(|p| p["lastUpdateTime"].clone())
                    .unwrap_or(json!(ts(now)))
            } else {
                json!(ts(now))
            };
            json!({"type": t, "status": status, "reason": reason, "message": message,
                   "lastUpdateTime": update, "lastTransitionTime": transition})
        };
        let available_cond = if is_available {
            cond(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        } else {
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        };
        let mut status = json!({
            "observedGeneration": d["metadata"]["generation"], "replicas": total, "updatedReplicas": updated,
            "readyReplicas": ready, "availableReplicas": available,
            "conditions": [available_cond, progressing_cond],
        });
        if unavailable > 0 {
            status["unavailableReplicas"] = json!(unavailable);
        }
        // Zero counts are omitted by the API server's JSON (omitempty).
        for k in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            if status[k] == 0
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        let mut d2 = (*d).clone();
        d2["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
            json!(new_rev.to_string());
        d2["status"] = status;
        self.write(&deploy_key(), d2, &d);
    }

    /// A ScalingReplicaSet Event when `rs` is asked for a different number of pods.
    fn scaled(&mut self, d: &Value, rs: &Value, to: i64) {
        let had = rs["spec"]["replicas"].as_i64().unwrap_or(0);
        if had == to {
            return;
        }
        let verb = if to > had { "up" } else { "down" };
        self.record_event(
            d,
            "Normal",
            "ScalingReplicaSet",
            &format!(
                "Scaled {verb} replica set {} from {had} to {to}",
                meta_str(rs, "name")
            ),
            "deployment-controller",
            "",
        );
    }

    /// The Progressing condition (Kubernetes' syncRolloutStatus): `NewReplicaSetCreated` (or
    /// `FoundNewReplicaSet`) when a rollout starts, `ReplicaSetUpdated` refreshed on every
    /// step of progress, `ProgressDeadlineExceeded` once `progressDeadlineSeconds` pass
    /// without any, `NewReplicaSetAvailable` when complete.
    fn progressing(
        &mut self,
        d: &Value,
        old: Option<Value>,
        rollout: Rollout<'_>,
        now: DateTime<Utc>,
    ) -> Value {
        let new_rs = rollout.new_rs;
        let quoted = format!("\"{new_rs}\"");
        let same_rollout = old
            .as_ref()
            .is_some_and(|c| c["message"].as_str().is_some_and(|m| m.contains(&quoted)));
        let [total, updated, ready, available] = rollout.counts;
        let before = |f: &str| d["status"][f].as_i64().unwrap_or(0);
        let progressed = updated > before("updatedReplicas")
            || total - updated < before("replicas") - before("updatedReplicas")
            || ready > before("readyReplicas")
            || available > before("availableReplicas");
        let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
        let condition = |status: &str, reason: &str, message: String, update: Value| {
            let transition = old
                .as_ref()
                .filter(|p| p["status"] == status)
                .map(|p| p["lastTransitionTime"].clone())
                .unwrap_or(json!(ts(now)));
            json!({"type": "Progressing", "status": status, "reason": reason,
                   "message": message, "lastUpdateTime": update,
                   "lastTransitionTime": transition})
        };
        let fresh = json!(ts(now));
        let kept = |reason: &str| {
            old.as_ref()
                .filter(|c| same_rollout && c["reason"] == reason)
                .map(|c| c["lastUpdateTime"].clone())
                .unwrap_or_else(|| fresh.clone())
        };
        if rollout.complete {
            let update = kept("NewReplicaSetAvailable");
            return condition(
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet {quoted} has successfully progressed."),
                update,
            );
        }
        let Some(old) = old.as_ref().filter(|_| same_rollout && !rollout.created) else {
            let (reason, verb) = if rollout.created {
                ("NewReplicaSetCreated", "Created")
            } else {
                ("FoundNewReplicaSet", "Found")
            };
            self.schedule_deadline(d, now + chrono::Duration::seconds(deadline));
            return condition(
                "True",
                reason,
                format!("{verb} new replica set {quoted}"),
                fresh,
            );
        };
        // A rollout that completed is not estimated again while no old pod is left.
        if old["reason"] == "NewReplicaSetAvailable" && total == updated {
            return old.clone();
        }
        if progressed {
            self.schedule_deadline(d, now + chrono::Duration::seconds(deadline));
            return condition(
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet {quoted} is progressing."),
                fresh,
            );
        }
        let since = parse_ts(&old["lastUpdateTime"]).unwrap_or(now);
        let deadline_at = since + chrono::Duration::seconds(deadline);
        if old["reason"] == "ProgressDeadlineExceeded" || now >= deadline_at {
            let update = kept("ProgressDeadlineExceeded");
            return condition(
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet {quoted} has timed out progressing."),
                update,
            );
        }
        self.schedule_deadline(d, deadline_at);
        old.clone()
    }

    fn schedule_deadline(&mut self, d: &Value, at: DateTime<Utc>) {
        let work = Work::Deployment(meta_str(d, "namespace").into(), meta_str(d, "name").into());
        self.schedule(work, at);
    }

    // ---- ReplicaSets ----

    fn reconcile_rs(&mut self, ns: &str, name: &str) {
        let Some(rs) = self.state.store.get(&rs_key(), ns, name) else {
            return;
        };
        let want = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
        let pods_now = self.dependents(&rs, &pods());
        let (active, done): (Vec<Obj>, Vec<Obj>) = pods_now
            .into_iter()
            .partition(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")));
        for p in &done {
            let _ = self.state.store.delete(&pods(), ns, meta_str(p, "name"));
        }
        if active.len() < want {
            for _ in active.len()..want {
                let pod = pod_from_template(
                    &rs["spec"]["template"],
                    ns,
                    &format!("{name}-"),
                    true,
                    owner_ref(&rs, "apps/v1", "ReplicaSet"),
                );
                if let Some(p) = self.create(("", "pods"), pod) {
                    self.record_event(
                        &rs,
                        "Normal",
                        "SuccessfulCreate",
                        &format!("Created pod: {}", meta_str(&p, "name")),
                        "replicaset-controller",
                        "",
                    );
                }
            }
        } else if active.len() > want {
            let mut victims = active.clone();
            // Delete not-ready pods first, then the newest.
            victims.sort_by_key(|p| {
                (
                    is_ready(p),
                    Reverse(meta_str(p, "creationTimestamp").to_string()),
                )
            });
            for p in victims.iter().take(active.len() - want) {
                if self
                    .state
                    .store
                    .delete(&pods(), ns, meta_str(p, "name"))
                    .is_ok()
                {
                    self.record_event(
                        &rs,
                        "Normal",
                        "SuccessfulDelete",
                        &format!("Deleted pod: {}", meta_str(p, "name")),
                        "replicaset-controller",
                        "",
                    );
                }
            }
        }
        let current: Vec<Obj> = self
            .dependents(&rs, &pods())
            .into_iter()
            .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
            .collect();
        let ready = current.iter().filter(|p| is_ready(p)).count();
        let mut status = json!({"replicas": current.len(), "fullyLabeledReplicas": current.len(),
            "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": rs["metadata"]["generation"]});
        for k in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
            if status[k] == 0
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        let mut rs2 = (*rs).clone();
        rs2["status"] = status;
        self.write(&rs_key(), rs2, &rs);
    }

    // ---- StatefulSets ----

    fn reconcile_sts(&mut self, ns: &str, name: &str) {
        let Some(sts) = self.state.store.get(&sts_key(), ns, name) else {
            return;
        };
        let hash = template_hash(&sts["spec"]["template"]);
        let revision_name = format!("{name}-{hash}");
        let revisions = self.dependents(&sts, &cr_key());
        if !revisions
            .iter()
            .any(|r| meta_str(r, "name") == revision_name)
        {
            let next = revisions
                .iter()
                .filter_map(|r| r["revision"].as_i64())
                .max()
                .unwrap_or(0)
                + 1;
            let mut template = sts["spec"]["template"].clone();
            template["$patch"] = json!("replace");
            let cr = json!({
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": revision_name, "namespace": ns, "labels": sts["spec"]["template"]["metadata"]["labels"],
                             "ownerReferences": [owner_ref(&sts, "apps/v1", "StatefulSet")]},
                "data": {"spec": {"template": template}}, "revision": next,
            });
            let _ = self.create(("apps", "controllerrevisions"), cr);
        }
        let want = sts["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
        let existing = self.dependents(&sts, &pods());
        let mut replaced_one = false;
        for i in 0..want {
            let pod_name = format!("{name}-{i}");
            match existing.iter().find(|p| meta_str(p, "name") == pod_name) {
                None => {
                    let mut pod = pod_from_template(
                        &sts["spec"]["template"],
                        ns,
                        &pod_name,
                        false,
                        owner_ref(&sts, "apps/v1", "StatefulSet"),
                    );
                    let labels = &mut pod["metadata"]["labels"];
                    labels["controller-revision-hash"] = json!(revision_name);
                    labels["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
                    labels["apps.kubernetes.io/pod-index"] = json!(i.to_string());
                    pod["spec"]["hostname"] = json!(pod_name);
                    if let Some(svc) = sts["spec"]["serviceName"].as_str() {
                        pod["spec"]["subdomain"] = json!(svc);
                    }
                    if self.create(("", "pods"), pod).is_some() {
                        self.record_event(
                            &sts,
                            "Normal",
                            "SuccessfulCreate",
                            &format!("create Pod {pod_name} in StatefulSet {name} successful"),
                            "statefulset-controller",
                            "",
                        );
                    }
                }
                // Rolling update: replace one outdated pod at a time, highest ordinal first.
                Some(p)
                    if p["metadata"]["labels"]["controller-revision-hash"]
                        != revision_name.as_str()
                        && !replaced_one =>
                {
                    replaced_one = true;
                    let _ = self.state.store.delete(&pods(), ns, &pod_name);
                }
                Some(_) => {}
            }
        }
        for p in &existing {
            let ordinal: Option<usize> = meta_str(p, "name")
                .rsplit('-')
                .next()
                .and_then(|s| s.parse().ok());
            if ordinal.is_some_and(|o| o >= want) {
                let _ = self.state.store.delete(&pods(), ns, meta_str(p, "name"));
            }
        }
        let current = self.dependents(&sts, &pods());
        let ready = current.iter().filter(|p| is_ready(p)).count();
        let updated = current
            .iter()
            .filter(|p| {
                p["metadata"]["labels"]["controller-revision-hash"] == revision_name.as_str()
            })
            .count();
        let current_revision = if updated == current.len() {
            revision_name.clone()
        } else {
            sts["status"]["currentRevision"]
                .as_str()
                .unwrap_or(&revision_name)
                .to_string()
        };
        let mut status = json!({"observedGeneration": sts["metadata"]["generation"], "replicas": current.len(),
            "readyReplicas": ready, "currentReplicas": updated, "updatedReplicas": updated, "availableReplicas": ready,
            "currentRevision": current_revision, "updateRevision": revision_name, "collisionCount": 0});
        for k in ["readyReplicas", "currentReplicas", "updatedReplicas"] {
            if status[k] == 0
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        let mut sts2 = (*sts).clone();
        sts2["status"] = status;
        self.write(&sts_key(), sts2, &sts);
    }

    // ---- DaemonSets ----

    fn reconcile_ds(&mut self, ns: &str, name: &str) {
        let Some(ds) = self.state.store.get(&ds_key(), ns, name) else {
            return;
        };
        let nodes: Vec<String> = self
            .state
            .store
            .all_of(&ResKey::new("", "nodes"))
            .iter()
            .map(|n| meta_str(n, "name").to_string())
            .collect();
        let existing = self.dependents(&ds, &pods());
        for node in &nodes {
            if !existing
                .iter()
                .any(|p| p["spec"]["nodeName"] == node.as_str())
            {
                let mut pod = pod_from_template(
                    &ds["spec"]["template"],
                    ns,
                    &format!("{name}-"),
                    true,
                    owner_ref(&ds, "apps/v1", "DaemonSet"),
                );
                pod["spec"]["nodeName"] = json!(node);
                if let Some(p) = self.create(("", "pods"), pod) {
                    self.record_event(
                        &ds,
                        "Normal",
                        "SuccessfulCreate",
                        &format!("Created pod: {}", meta_str(&p, "name")),
                        "daemonset-controller",
                        "",
                    );
                }
            }
        }
        let current = self.dependents(&ds, &pods());
        let ready = current.iter().filter(|p| is_ready(p)).count();
        let mut status = json!({"desiredNumberScheduled": nodes.len(), "currentNumberScheduled": current.len(),
            "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": current.len(),
            "numberMisscheduled": 0, "observedGeneration": ds["metadata"]["generation"]});
        if current.len() > ready {
            status["numberUnavailable"] = json!(current.len() - ready);
        }
        let mut ds2 = (*ds).clone();
        ds2["status"] = status;
        self.write(&ds_key(), ds2, &ds);
    }

    // ---- Jobs ----

    fn reconcile_job(&mut self, ns: &str, name: &str) {
        let Some(job) = self.state.store.get(&job_key(), ns, name) else {
            return;
        };
        let finished = job["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter().any(|c| {
                (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
            })
        });
        if finished || job["spec"]["suspend"].as_bool() == Some(true) {
            return;
        }
        let now = Utc::now();
        let owned = self.dependents(&job, &pods());
        let phase = |p: &Value| {
            p["status"]["phase"]
                .as_str()
                .unwrap_or("Pending")
                .to_string()
        };
        let mut active: Vec<&Obj> = owned
            .iter()
            .filter(|p| !matches!(phase(p).as_str(), "Succeeded" | "Failed"))
            .collect();
        let succeeded = owned.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
        let failed = owned.iter().filter(|p| phase(p) == "Failed").count() as i64;
        let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
        let parallelism = job["spec"]["parallelism"].as_i64().unwrap_or(1);
        let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
        let mut conditions: Vec<Value> = Vec::new();
        let mut completion_time = Value::Null;
        if succeeded >= completions {
            let reason = "CompletionsReached";
            let msg = "Reached expected number of succeeded pods";
            conditions.push(json!({"type": "SuccessCriteriaMet", "status": "True", "reason": reason, "message": msg, "lastProbeTime": ts(now), "lastTransitionTime": ts(now)}));
            conditions.push(json!({"type": "Complete", "status": "True", "reason": reason, "message": msg, "lastProbeTime": ts(now), "lastTransitionTime": ts(now)}));
            // Complete when the last successful pod finished (in the past for warm starts).
            let finished = owned
                .iter()
                .filter(|p| phase(p) == "Succeeded")
                .filter_map(|p| {
                    parse_ts(
                        &p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"],
                    )
                })
                .max()
                .unwrap_or(now);
            completion_time = json!(ts(finished));
            self.record_event(
                &job,
                "Normal",
                "Completed",
                "Job completed",
                "job-controller",
                "",
            );
        } else if failed > backoff_limit {
            let reason = "BackoffLimitExceeded";
            let msg = "Job has reached the specified backoff limit";
            conditions.push(json!({"type": "FailureTarget", "status": "True", "reason": reason, "message": msg, "lastProbeTime": ts(now), "lastTransitionTime": ts(now)}));
            conditions.push(json!({"type": "Failed", "status": "True", "reason": reason, "message": msg, "lastProbeTime": ts(now), "lastTransitionTime": ts(now)}));
            for p in &active {
                let _ = self.state.store.delete(&pods(), ns, meta_str(p, "name"));
            }
            active.clear();
            self.record_event(
                &job,
                "Warning",
                "BackoffLimitExceeded",
                msg,
                "job-controller",
                "",
            );
        } else {
            let want_active = parallelism.min(completions - succeeded).max(0) as usize;
            for _ in active.len()..want_active {
                let pod = pod_from_template(
                    &job["spec"]["template"],
                    ns,
                    &format!("{name}-"),
                    true,
                    owner_ref(&job, "batch/v1", "Job"),
                );
                if let Some(p) = self.create(("", "pods"), pod) {
                    self.record_event(
                        &job,
                        "Normal",
                        "SuccessfulCreate",
                        &format!("Created pod: {}", meta_str(&p, "name")),
                        "job-controller",
                        "",
                    );
                }
            }
        }
        let current_active = if conditions.is_empty() {
            self.dependents(&job, &pods())
                .iter()
                .filter(|p| !matches!(phase(p).as_str(), "Succeeded" | "Failed"))
                .count()
        } else {
            0
        };
        let ready = owned.iter().filter(|p| is_ready(p)).count();
        let mut status = json!({
            "startTime": job["status"]["startTime"].as_str().map(str::to_string).unwrap_or_else(|| {
                ts(parse_ts(&job["metadata"]["creationTimestamp"]).map_or(now, |c| c.min(now)))
            }),
            "active": current_active, "ready": ready, "succeeded": succeeded, "failed": failed,
            "terminating": 0, "uncountedTerminatedPods": {},
        });
        for k in ["active", "succeeded", "failed"] {
            if status[k] == 0
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        if !conditions.is_empty() {
            status["conditions"] = json!(conditions);
        }
        if !completion_time.is_null() {
            status["completionTime"] = completion_time;
        }
        let mut job2 = (*job).clone();
        job2["status"] = status;
        self.write(&job_key(), job2, &job);
    }

    // ---- CronJobs ----

    fn reconcile_cronjob(&mut self, ns: &str, name: &str) {
        let Some(cj) = self.state.store.get(&cj_key(), ns, name) else {
            return;
        };
        let now = Utc::now();
        let jobs = self.dependents(&cj, &job_key());
        let job_done = |j: &Value| -> Option<&'static str> {
            j["status"]["conditions"].as_array().and_then(|cs| {
                cs.iter()
                    .find_map(|c| match (c["type"].as_str(), c["status"].as_str()) {
                        (Some("Complete"), Some("True")) => Some("Complete"),
                        (Some("Failed"), Some("True")) => Some("Failed"),
                        _ => None,
                    })
            })
        };
        let mut last_schedule = cj["status"]["lastScheduleTime"].clone();
        let suspended = cj["spec"]["suspend"].as_bool() == Some(true);
        match Schedule::parse(cj["spec"]["schedule"].as_str().unwrap_or_default()) {
            Err(e) => {
                self.record_event(
                    &cj,
                    "Warning",
                    "UnparseableSchedule",
                    &format!("unparseable schedule: {e}"),
                    "cronjob-controller",
                    "",
                );
            }
            Ok(sched) => {
                // Only the latest missed time runs, so a week back is enough to find it.
                let since = parse_ts(&cj["status"]["lastScheduleTime"])
                    .or_else(|| parse_ts(&cj["metadata"]["creationTimestamp"]))
                    .unwrap_or(now)
                    .max(now - chrono::Duration::days(8));
                // The most recent missed time runs; older misses are skipped.
                let mut due = None;
                let mut t = since;
                for _ in 0..10_000 {
                    match sched.next_after(t) {
                        Some(n) if n <= now => {
                            due = Some(n);
                            t = n;
                        }
                        _ => break,
                    }
                }
                if let Some(at) = due.filter(|_| !suspended) {
                    let active: Vec<&Obj> = jobs.iter().filter(|j| job_done(j).is_none()).collect();
                    let policy = cj["spec"]["concurrencyPolicy"].as_str().unwrap_or("Allow");
                    let skip = policy == "Forbid" && !active.is_empty();
                    if policy == "Replace" {
                        for j in &active {
                            let _ = self.state.store.delete(&job_key(), ns, meta_str(j, "name"));
                        }
                    }
                    if !skip {
                        let job_name = format!("{name}-{}", at.timestamp() / 60);
                        let tmpl = &cj["spec"]["jobTemplate"];
                        let mut meta = tmpl["metadata"].clone();
                        if !meta.is_object() {
                            meta = json!({});
                        }
                        meta["name"] = json!(job_name);
                        meta["namespace"] = json!(ns);
                        meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] =
                            json!(ts(at));
                        meta["ownerReferences"] = json!([owner_ref(&cj, "batch/v1", "CronJob")]);
                        if self.warm_start {
                            meta["creationTimestamp"] = json!(ts(at));
                        }
                        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": tmpl["spec"]});
                        if self.create(("batch", "jobs"), job).is_some() {
                            self.record_event(
                                &cj,
                                "Normal",
                                "SuccessfulCreate",
                                &format!("Created job {job_name}"),
                                "cronjob-controller",
                                "",
                            );
                        }
                    } else {
                        self.record_event(&cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", "cronjob-controller", "");
                    }
                    last_schedule = json!(ts(at));
                }
                if let Some(next) = sched.next_after(now.max(since)) {
                    self.schedule(Work::CronJob(ns.to_string(), name.to_string()), next);
                }
            }
        }
        // History limits: oldest finished jobs beyond the limits go.
        let jobs = self.dependents(&cj, &job_key());
        for (state, limit_field, default) in [
            ("Complete", "successfulJobsHistoryLimit", 3),
            ("Failed", "failedJobsHistoryLimit", 1),
        ] {
            let limit = cj["spec"][limit_field].as_u64().unwrap_or(default) as usize;
            let mut done: Vec<&Obj> = jobs.iter().filter(|j| job_done(j) == Some(state)).collect();
            done.sort_by_key(|j| meta_str(j, "creationTimestamp").to_string());
            if done.len() > limit {
                for j in &done[..done.len() - limit] {
                    if self
                        .state
                        .store
                        .delete(&job_key(), ns, meta_str(j, "name"))
                        .is_ok()
                    {
                        self.record_event(
                            &cj,
                            "Normal",
                            "SuccessfulDelete",
                            &format!("Deleted job {}", meta_str(j, "name")),
                            "cronjob-controller",
                            "",
                        );
                    }
                }
            }
        }
        let jobs = self.dependents(&cj, &job_key());
        let active: Vec<Value> = jobs
            .iter()
            .filter(|j| job_done(j).is_none())
            .map(|j| json!({"kind": "Job", "namespace": ns, "name": j["metadata"]["name"], "uid": j["metadata"]["uid"],
                            "apiVersion": "batch/v1", "resourceVersion": j["metadata"]["resourceVersion"]}))
            .collect();
        let last_success = jobs
            .iter()
            .filter(|j| job_done(j) == Some("Complete"))
            .filter_map(|j| j["status"]["completionTime"].as_str())
            .max()
            .map(|s| json!(s));
        let mut status = json!({});
        if !active.is_empty() {
            status["active"] = json!(active);
        }
        if !last_schedule.is_null() {
            status["lastScheduleTime"] = last_schedule;
        }
        match last_success {
            Some(t) => status["lastSuccessfulTime"] = t,
            None if !cj["status"]["lastSuccessfulTime"].is_null() => {
                status["lastSuccessfulTime"] = cj["status"]["lastSuccessfulTime"].clone()
            }
            None => {}
        }
        let mut cj2 = (*cj).clone();
        cj2["status"] = status;
        self.write(&cj_key(), cj2, &cj);
    }
}

/// Where a Deployment's rollout stands, for its Progressing condition.
struct Rollout<'a> {
    new_rs: &'a str,
    /// The new ReplicaSet was created by this sync.
    created: bool,
    complete: bool,
    /// status.replicas, updatedReplicas, readyReplicas, availableReplicas.
    counts: [i64; 4],
}

/// The controller owner reference of an object, if any.
fn controller_of(obj: &Value) -> Option<&Value> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
}

fn owner_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// A pod from a template: `name` is a generateName prefix when `generate` is set.
fn pod_from_template(
    template: &Value,
    ns: &str,
    name: &str,
    generate: bool,
    owner: Value,
) -> Value {
    let mut meta = json!({"namespace": ns, "ownerReferences": [owner]});
    if generate {
        meta["generateName"] = json!(name);
    } else {
        meta["name"] = json!(name);
    }
    for k in ["labels", "annotations"] {
        if template["metadata"][k].is_object() {
            meta[k] = template["metadata"][k].clone();
        }
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"]})
}

/// When an owner's pod template was last written, as its managedFields say: the current
/// ReplicaSet of a Deployment restarted or changed after install was born then, not with the
/// Deployment.
fn template_written(owner: &Value) -> Option<Value> {
    owner["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .filter(|e| !e["fieldsV1"]["f:spec"]["f:template"].is_null())
        .filter_map(|e| e["time"].as_str())
        .max()
        .map(|t| json!(t))
}

/// A stable hash of a pod template, in the API server's short alphabet (pod-template-hash).
pub fn template_hash(template: &Value) -> String {
    fn eat(h: &mut u64, bytes: &[u8]) {
        *h = ids::fnv1a_from(*h, bytes.iter().copied());
    }
    fn feed(h: &mut u64, v: &Value) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                eat(h, b"{");
                for k in keys {
                    eat(h, k.as_bytes());
                    eat(h, b":");
                    feed(h, &m[k]);
                }
                eat(h, b"}");
            }
            Value::Array(a) => {
                eat(h, b"[");
                for x in a {
                    feed(h, x);
                }
                eat(h, b"]");
            }
            other => eat(h, other.to_string().as_bytes()),
        }
    }
    let mut h = ids::fnv1a([]);
    // The stand-ins' ephemeral ports in the forward annotation change on every start; the
    // demo's pod names must not.
    let forward = super::portforward::FORWARD_ANNOTATION;
    if template["metadata"]["annotations"][forward].is_null() {
        feed(&mut h, template);
    } else {
        let mut t = template.clone();
        if let Some(a) = t["metadata"]["annotations"].as_object_mut() {
            a.remove(forward);
        }
        feed(&mut h, &t);
    }
    name_digits(h, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_ignores_the_stand_ins_ports() {
        let t = |forward: &str| {
            json!({"metadata": {"annotations": {super::super::portforward::FORWARD_ANNOTATION: forward}},
                "spec": {"containers": []}})
        };
        let bare = json!({"metadata": {"annotations": {}}, "spec": {"containers": []}});
        assert_eq!(
            template_hash(&t("8080=127.0.0.1:1")),
            template_hash(&t("8080=127.0.0.1:2"))
        );
        assert_eq!(template_hash(&t("8080=127.0.0.1:1")), template_hash(&bare));
    }

    #[test]
    fn template_hash_ignores_key_order_but_not_values() {
        let a = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}});
        let b = json!({"spec": {"containers": [{"image": "x:1", "name": "c"}]}, "metadata": {"labels": {"b": "2", "a": "1"}}});
        let c = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [{"name": "c", "image": "x:2"}]}});
        assert_eq!(template_hash(&a), template_hash(&b));
        assert_ne!(template_hash(&a), template_hash(&c));
        assert_eq!(template_hash(&a).len(), 10);
    }

    #[test]
    fn pods_from_templates_carry_owner_labels_and_scripts() {
        let t = json!({"metadata": {"labels": {"app": "x"}, "annotations": {"sim.strata.dev/script": "exit=1s"}}, "spec": {"containers": []}});
        let p = pod_from_template(
            &t,
            "ns",
            "web-",
            true,
            json!({"uid": "u1", "controller": true}),
        );
        assert_eq!(p["metadata"]["generateName"], "web-");
        assert_eq!(p["metadata"]["labels"]["app"], "x");
        assert_eq!(
            p["metadata"]["annotations"]["sim.strata.dev/script"],
            "exit=1s"
        );
        assert_eq!(controller_of(&p).unwrap()["uid"], "u1");
    }
}
