//! "What is broken, and what changed just before it broke": the change timeline of a window
//! (Helm revisions, rollouts, ConfigMap and Secret edits, scale and schedule changes, node
//! conditions, restart spikes), read from the objects' own records — creation times,
//! revisions, managedFields — and each broken component linked to the changes that preceded
//! it in its own objects or in what it depends on. Pure: objects in, report out; the clock is
//! passed in, so recorded timelines test it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::health::Health;
use super::layer::Layer;
use strata_common::json::{items, str_at, time, time_at};

/// A change may be noticed a little after the breakage it caused is (a pod crashes on the
/// first request after a config reload): links allow this much after `since`.
const SLACK: i64 = 60;

/// Field managers whose writes are not changes an operator made: the control plane and
/// Helm (whose writes are the release revisions themselves).
const SYSTEM_MANAGERS: [&str; 4] = [
    "kube-controller-manager",
    "kubelet",
    "helm",
    "kube-scheduler",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// A ConfigMap's data edited.
    Config,
    /// A Secret's data edited (when and which keys, never values).
    Secret,
    /// A Helm release revision: install, upgrade, rollback, failed or pending.
    Release,
    /// A new ReplicaSet of a Deployment: image, env or a restart.
    Rollout,
    Scale,
    /// A CronJob's schedule or suspension.
    Schedule,
    Node,
    /// Containers restarting over and over (a symptom more than a cause).
    Restarts,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Config => "config",
            ChangeKind::Secret => "secret",
            ChangeKind::Release => "release",
            ChangeKind::Rollout => "rollout",
            ChangeKind::Scale => "scale",
            ChangeKind::Schedule => "schedule",
            ChangeKind::Node => "node",
            ChangeKind::Restarts => "restarts",
        }
    }

    /// How likely a change of this kind is a cause, most likely first (links sort by it).
    fn suspicion(self) -> u8 {
        match self {
            ChangeKind::Config | ChangeKind::Secret | ChangeKind::Release => 0,
            ChangeKind::Rollout => 1,
            ChangeKind::Scale | ChangeKind::Schedule | ChangeKind::Node => 2,
            ChangeKind::Restarts => 3,
        }
    }
}

/// One change of the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub kind: ChangeKind,
    /// Empty for cluster-scoped objects (nodes).
    pub namespace: String,
    /// `Kind/name`.
    pub object: String,
    /// The Helm release the object belongs to, when it says so.
    pub release: Option<String>,
    /// Who made it (the field manager, `helm`, …), when known.
    pub by: Option<String>,
    /// For people: `upgrade superset rev 3: superset 0.14.2 → 0.15.2 (failed)`.
    pub summary: String,
}

impl Change {
    pub fn to_json(&self) -> Value {
        json!({"at": self.at.to_rfc3339(), "kind": self.kind.as_str(), "namespace": self.namespace,
               "object": self.object, "release": self.release, "by": self.by, "summary": self.summary})
    }
}

/// One broken component, with what it is made of (to find its changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakage {
    pub component: String,
    pub namespace: String,
    pub layer: Layer,
    pub health: Health,
    /// When it started to be unhealthy, as far as the objects tell.
    pub since: Option<DateTime<Utc>>,
    /// Most severe first.
    pub reasons: Vec<String>,
    pub release: Option<String>,
    /// `Kind/name` of its objects and of the ConfigMaps and Secrets its pods use.
    pub objects: BTreeSet<String>,
}

/// Why a change is linked to a breakage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// One of the component's own objects (or its release) changed.
    Own,
    /// Something it depends on changed (its namespace, a warehouse or platform component,
    /// a node).
    Dependency(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Index into [`IncidentReport::changes`].
    pub change: usize,
    pub cause: Cause,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub breakage: Breakage,
    /// Most likely cause first.
    pub links: Vec<Link>,
}

/// Warning events of one object and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventGroup {
    pub namespace: String,
    pub object: String,
    pub reason: String,
    pub count: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub message: String,
}

/// A run that failed in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRun {
    pub component: String,
    pub namespace: String,
    pub run: String,
    pub finished: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// The incident screen's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentReport {
    pub from: DateTime<Utc>,
    pub generated: DateTime<Utc>,
    /// Worst first, then most recently broken.
    pub incidents: Vec<Incident>,
    /// Newest first.
    pub changes: Vec<Change>,
    /// Most events first.
    pub events: Vec<EventGroup>,
    pub failed_runs: Vec<FailedRun>,
    /// What could not be read (the timeline lacks it).
    pub warnings: Vec<String>,
}

impl IncidentReport {
    /// `superset degraded since 13:32 — 8 min after release superset rev 3 …`: the
    /// breakage and its most likely cause in a sentence.
    pub fn headline(&self, incident: &Incident) -> String {
        let b = &incident.breakage;
        let mut text = format!("{} {}", b.component, b.health.as_str());
        if let Some(since) = b.since {
            // Older than a day: the date says more than the hour.
            let format = if self.generated - since > Duration::hours(24) {
                "%b %-d"
            } else {
                "%H:%M"
            };
            text.push_str(&format!(" since {}", since.format(format)));
        }
        if let Some(link) = incident.links.first() {
            let change = &self.changes[link.change];
            text.push_str(&format!(" — {}", self.relation(b, change)));
            text.push_str(&format!(" {}", change.summary));
        }
        text
    }

    /// `3 min after` / `at the same time as`, relative to the breakage.
    pub fn relation(&self, breakage: &Breakage, change: &Change) -> String {
        match breakage.since {
            Some(since) if since >= change.at + Duration::seconds(30) => {
                format!("{} after", super::health::duration(since - change.at))
            }
            Some(_) => "as it broke:".to_string(),
            None => format!(
                "{} ago:",
                super::health::duration(self.generated - change.at)
            ),
        }
    }

    pub fn to_json(&self) -> Value {
        let incidents: Vec<Value> = self
            .incidents
            .iter()
            .map(|i| {
                let b = &i.breakage;
                json!({
                    "component": b.component, "namespace": b.namespace, "layer": b.layer.id(),
                    "health": b.health.as_str(), "since": b.since.map(|t| t.to_rfc3339()),
                    "reasons": b.reasons, "release": b.release, "headline": self.headline(i),
                    "changes": i.links.iter().map(|l| {
                        let mut c = self.changes[l.change].to_json();
                        c["cause"] = match &l.cause {
                            Cause::Own => json!("own"),
                            Cause::Dependency(of) => json!(format!("dependency {of}")),
                        };
                        c
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "from": self.from.to_rfc3339(), "generated": self.generated.to_rfc3339(),
            "incidents": incidents,
            "changes": self.changes.iter().map(Change::to_json).collect::<Vec<_>>(),
            "events": self.events.iter().map(|e| json!({"namespace": e.namespace, "object": e.object,
                "reason": e.reason, "count": e.count, "first": e.first.map(|t| t.to_rfc3339()),
                "last": e.last.map(|t| t.to_rfc3339()), "message": e.message})).collect::<Vec<_>>(),
            "failed_runs": self.failed_runs.iter().map(|r| json!({"component": r.component,
                "namespace": r.namespace, "run": r.run, "finished": r.finished.map(|t| t.to_rfc3339()),
                "reason": r.reason})).collect::<Vec<_>>(),
            "warnings": self.warnings,
        })
    }

    /// The report as text for people (`strata incident`, the bundle's `incident.txt`).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "Incident view {} → {} (UTC)\n\nBROKEN\n",
            self.from.format("%Y-%m-%d %H:%M"),
            self.generated.format("%H:%M")
        );
        if self.incidents.is_empty() {
            out.push_str("  nothing is broken\n");
        }
        for i in &self.incidents {
            out.push_str(&format!(
                "  {}/{}\n",
                i.breakage.namespace,
                self.headline(i)
            ));
            for reason in &i.breakage.reasons {
                out.push_str(&format!("      {reason}\n"));
            }
            for l in &i.links {
                let c = &self.changes[l.change];
                let cause = match &l.cause {
                    Cause::Own => String::new(),
                    Cause::Dependency(of) => format!(" (in {of})"),
                };
                out.push_str(&format!(
                    "      ← {} {:<8} {}{}\n",
                    c.at.format("%H:%M"),
                    c.kind.as_str(),
                    c.summary,
                    cause
                ));
            }
        }
        out.push_str("\nCHANGES (newest first)\n");
        if self.changes.is_empty() {
            out.push_str("  none in the window\n");
        }
        for c in &self.changes {
            out.push_str(&format!(
                "  {} {:<8} {:<14} {}\n",
                c.at.format("%H:%M"),
                c.kind.as_str(),
                c.namespace,
                c.summary
            ));
        }
        if !self.failed_runs.is_empty() {
            out.push_str("\nFAILED RUNS\n");
            for r in &self.failed_runs {
                out.push_str(&format!(
                    "  {} {}/{} {} {}\n",
                    r.finished
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default(),
                    r.namespace,
                    r.component,
                    r.run,
                    r.reason.as_deref().unwrap_or("")
                ));
            }
        }
        out.push_str("\nWARNING EVENTS (by object and reason)\n");
        for e in &self.events {
            out.push_str(&format!(
                "  {:>4}× {}/{} {}: {}\n",
                e.count, e.namespace, e.object, e.reason, e.message
            ));
        }
        for w in &self.warnings {
            out.push_str(&format!("\n⚠ {w}"));
        }
        out
    }
}

/// Links every breakage to the changes that preceded it (own objects, then dependencies),
/// and orders both: breakages worst first, then most recently broken first; changes newest
/// first.
pub fn correlate(
    mut breakages: Vec<Breakage>,
    mut changes: Vec<Change>,
    events: Vec<EventGroup>,
    failed_runs: Vec<FailedRun>,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> IncidentReport {
    changes.retain(|c| c.at >= from && c.at <= now + Duration::seconds(SLACK));
    changes.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.object.cmp(&b.object)));
    breakages.sort_by(|a, b| {
        b.health
            .severity()
            .cmp(&a.health.severity())
            // What broke most recently first: at 3 a.m. that is the news.
            .then_with(|| b.since.cmp(&a.since))
            .then_with(|| (&a.namespace, &a.component).cmp(&(&b.namespace, &b.component)))
    });
    let owner_of =
        |change: &Change| -> Option<&Breakage> { breakages.iter().find(|b| owns(b, change)) };
    // Which component each change belongs to, among all breakages, for the dependency links.
    let owners: Vec<Option<(String, String, Layer)>> = changes
        .iter()
        .map(|c| owner_of(c).map(|b| (b.namespace.clone(), b.component.clone(), b.layer)))
        .collect();
    let incidents = breakages
        .into_iter()
        .map(|b| {
            let limit = b.since.map_or(now, |s| s + Duration::seconds(SLACK));
            let mut links: Vec<(u8, u8, DateTime<Utc>, Link)> = changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.at <= limit)
                .filter_map(|(i, c)| {
                    let cause = if owns(&b, c) {
                        // Its own restarts are the breakage, not a cause of it.
                        (c.kind != ChangeKind::Restarts).then_some(Cause::Own)?
                    } else if c.kind == ChangeKind::Node {
                        Cause::Dependency(c.object.clone())
                    } else {
                        let (ns, component, layer) = owners[i].as_ref()?;
                        depends_on(&b, ns, *layer).then(|| Cause::Dependency(component.clone()))?
                    };
                    let rank = u8::from(cause != Cause::Own);
                    Some((rank, c.kind.suspicion(), c.at, Link { change: i, cause }))
                })
                .collect();
            // Own before dependencies, likely kinds first, the closest before the breakage first.
            links.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| b.2.cmp(&a.2)));
            Incident {
                breakage: b,
                links: links.into_iter().map(|l| l.3).collect(),
            }
        })
        .collect();
    IncidentReport {
        from,
        generated: now,
        incidents,
        changes,
        events,
        failed_runs,
        warnings: Vec::new(),
    }
}

fn owns(b: &Breakage, c: &Change) -> bool {
    if c.namespace != b.namespace {
        return false;
    }
    (b.release.is_some() && c.release == b.release) || b.objects.contains(&c.object)
}

/// Whether a breakage of `b` may come from a change to a component of `layer` in `namespace`:
/// anything in its own namespace (shared databases, config), and the warehouse and platform
/// (databases, object stores) everything else reads from or writes to.
fn depends_on(b: &Breakage, namespace: &str, layer: Layer) -> bool {
    namespace == b.namespace
        || (matches!(layer, Layer::Warehouse | Layer::Platform)
            && !matches!(b.layer, Layer::Platform))
}

/// An object's creationTimestamp.
fn created(obj: &Value) -> Option<DateTime<Utc>> {
    time_at(obj, &["metadata", "creationTimestamp"])
}

/// When a pod started to be unhealthy: its Ready condition's turn to False; `None` for a
/// healthy pod. A crash loop flips Ready on every restart, so a pod that has crashed about
/// as often as back-off allows (at most every 5 minutes) since it started has been broken
/// since it started.
pub fn pod_unhealthy_since(pod: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let phase = str_at(pod, &["status", "phase"]);
    if phase == "Succeeded" {
        return None;
    }
    let crash_looping = items(&pod["status"]["containerStatuses"]).iter().find(|c| {
        c["state"]["waiting"]["reason"] == "CrashLoopBackOff"
            || c["lastState"]["terminated"]["exitCode"]
                .as_i64()
                .is_some_and(|code| code != 0)
    });
    if let (Some(c), Some(started)) = (crash_looping, time_at(pod, &["status", "startTime"])) {
        let restarts = c["restartCount"].as_i64().unwrap_or(0);
        if restarts >= 3 && now - started <= Duration::minutes(5 * restarts) {
            return Some(started);
        }
    }
    let ready = items(&pod["status"]["conditions"])
        .iter()
        .find(|c| c["type"] == "Ready");
    match ready {
        Some(c) if c["status"] == "True" => None,
        Some(c) => time(&c["lastTransitionTime"]).or_else(|| created(pod)),
        None if phase == "Failed" || phase == "Pending" => created(pod),
        None => None,
    }
}

/// A Job's failure time (its Failed condition), `None` unless it failed.
pub fn job_failed_at(job: &Value) -> Option<DateTime<Utc>> {
    items(&job["status"]["conditions"])
        .iter()
        .find(|c| c["type"] == "Failed" && c["status"] == "True")
        .and_then(|c| time(&c["lastTransitionTime"]))
}

/// The release an object belongs to, from Helm's annotation or the common instance labels.
pub fn release_of(obj: &Value) -> Option<String> {
    let meta = &obj["metadata"];
    [
        &meta["annotations"]["meta.helm.sh/release-name"],
        &meta["labels"]["app.kubernetes.io/instance"],
        &meta["labels"]["release"],
    ]
    .into_iter()
    .find_map(|v| v.as_str())
    .map(str::to_string)
}

/// `Kind/name` of an object.
pub fn object_id(obj: &Value) -> String {
    format!(
        "{}/{}",
        str_at(obj, &["kind"]),
        str_at(obj, &["metadata", "name"])
    )
}

/// The ConfigMaps and Secrets a pod template (or pod spec) uses: volumes, projected
/// sources, envFrom and env valueFrom — `ConfigMap/name`, `Secret/name`.
pub fn referenced_config(spec: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in items(&spec["volumes"]) {
        if let Some(n) = v["configMap"]["name"].as_str() {
            out.insert(format!("ConfigMap/{n}"));
        }
        if let Some(n) = v["secret"]["secretName"].as_str() {
            out.insert(format!("Secret/{n}"));
        }
        for s in items(&v["projected"]["sources"]) {
            if let Some(n) = s["configMap"]["name"].as_str() {
                out.insert(format!("ConfigMap/{n}"));
            }
            if let Some(n) = s["secret"]["name"].as_str() {
                out.insert(format!("Secret/{n}"));
            }
        }
    }
    for c in items(&spec["containers"])
        .iter()
        .chain(items(&spec["initContainers"]))
    {
        for e in items(&c["envFrom"]) {
            if let Some(n) = e["configMapRef"]["name"].as_str() {
                out.insert(format!("ConfigMap/{n}"));
            }
            if let Some(n) = e["secretRef"]["name"].as_str() {
                out.insert(format!("Secret/{n}"));
            }
        }
        for e in items(&c["env"]) {
            if let Some(n) = e["valueFrom"]["configMapKeyRef"]["name"].as_str() {
                out.insert(format!("ConfigMap/{n}"));
            }
            if let Some(n) = e["valueFrom"]["secretKeyRef"]["name"].as_str() {
                out.insert(format!("Secret/{n}"));
            }
        }
    }
    out
}

/// One revision of a Helm release, as its storage Secret and record tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseRevision {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    pub status: String,
    /// `superset-0.15.2`.
    pub chart: String,
    pub description: String,
    pub at: DateTime<Utc>,
}

/// The changes the revisions of a window make: each revision against the one before it.
pub fn release_changes(revisions: &[ReleaseRevision]) -> Vec<Change> {
    revisions
        .iter()
        .map(|r| {
            let before = revisions
                .iter()
                .filter(|p| {
                    p.name == r.name && p.namespace == r.namespace && p.revision < r.revision
                })
                .max_by_key(|p| p.revision);
            let what = if r.description.starts_with("Rollback to") {
                r.description.to_lowercase()
            } else if r.revision == 1 || before.is_none() && r.description.contains("Install") {
                format!("install {}", r.chart)
            } else {
                match before {
                    Some(b) if b.chart != r.chart => format!("upgrade {} → {}", b.chart, r.chart),
                    Some(_) => format!("upgrade {} (values)", r.chart),
                    None => format!("upgrade to {}", r.chart),
                }
            };
            Change {
                at: r.at,
                kind: ChangeKind::Release,
                namespace: r.namespace.clone(),
                object: format!("Release/{}", r.name),
                release: Some(r.name.clone()),
                by: Some("helm".into()),
                summary: format!(
                    "release {} rev {}: {what} ({})",
                    r.name, r.revision, r.status
                ),
            }
        })
        .collect()
}

/// New ReplicaSets of Deployments created in the window, each against the revision before
/// it: which images changed, which env variables (names only), or a restart.
pub fn rollout_changes(replica_sets: &[Value], from: DateTime<Utc>) -> Vec<Change> {
    let revision = |rs: &Value| -> u64 {
        str_at(
            rs,
            &[
                "metadata",
                "annotations",
                "deployment.kubernetes.io/revision",
            ],
        )
        .parse()
        .unwrap_or(0)
    };
    let owner = |rs: &Value| -> Option<String> {
        items(&rs["metadata"]["ownerReferences"])
            .iter()
            .find(|o| o["controller"] == true && o["kind"] == "Deployment")
            .and_then(|o| o["name"].as_str())
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for rs in replica_sets {
        let Some(created) = created(rs).filter(|t| *t >= from) else {
            continue;
        };
        let Some(deployment) = owner(rs) else {
            continue;
        };
        let ns = str_at(rs, &["metadata", "namespace"]);
        let rev = revision(rs);
        let before = replica_sets
            .iter()
            .filter(|p| {
                str_at(p, &["metadata", "namespace"]) == ns
                    && owner(p).as_deref() == Some(&deployment)
            })
            .filter(|p| revision(p) < rev)
            .max_by_key(|p| revision(p));
        let what = match before {
            None => "first rollout".to_string(),
            Some(before) => {
                template_difference(&before["spec"]["template"], &rs["spec"]["template"])
            }
        };
        out.push(Change {
            at: created,
            kind: ChangeKind::Rollout,
            namespace: ns.to_string(),
            object: format!("Deployment/{deployment}"),
            release: release_of(rs),
            by: None,
            summary: format!("rollout {deployment} rev {rev}: {what}"),
        });
    }
    out
}

/// What changed between two pod templates, in words: images, env names, restart.
fn template_difference(old: &Value, new: &Value) -> String {
    let containers = |t: &Value| -> BTreeMap<String, Value> {
        items(&t["spec"]["containers"])
            .iter()
            .map(|c| (str_at(c, &["name"]).to_string(), c.clone()))
            .collect()
    };
    let (a, b) = (containers(old), containers(new));
    let mut parts = Vec::new();
    for (name, c) in &b {
        let Some(o) = a.get(name) else {
            parts.push(format!("container {name} added"));
            continue;
        };
        if o["image"] != c["image"] {
            parts.push(format!(
                "image {} → {}",
                str_at(o, &["image"]),
                str_at(c, &["image"])
            ));
        }
        let env = |c: &Value| -> BTreeMap<String, Value> {
            items(&c["env"])
                .iter()
                .map(|e| (str_at(e, &["name"]).to_string(), e.clone()))
                .collect()
        };
        let (ea, eb) = (env(o), env(c));
        let changed: Vec<&String> = eb
            .iter()
            .filter(|(k, v)| ea.get(*k) != Some(v))
            .map(|(k, _)| k)
            .chain(ea.keys().filter(|k| !eb.contains_key(*k)))
            .collect();
        if !changed.is_empty() {
            let names: Vec<&str> = changed.iter().map(|s| s.as_str()).collect();
            parts.push(format!("env {}", names.join(", ")));
        }
    }
    let restarted =
        |t: &Value| t["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].clone();
    if restarted(old) != restarted(new) {
        parts.push("restart".into());
    }
    if parts.is_empty() {
        "pod template changed".into()
    } else {
        parts.join("; ")
    }
}

/// The field paths under `prefix` (`f:data`) a managedFields entry touched: `KEY` names.
fn touched_keys(entry: &Value, prefix: &[&str]) -> Vec<String> {
    let mut node = &entry["fieldsV1"];
    for p in prefix {
        node = &node[*p];
    }
    node.as_object()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.strip_prefix("f:"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn touches(entry: &Value, path: &[&str]) -> bool {
    let mut node = &entry["fieldsV1"];
    for p in path {
        node = &node[*p];
        if node.is_null() {
            return false;
        }
    }
    true
}

/// Operators' writes after creation, from managedFields: ConfigMap and Secret data edits
/// (key names only), replica counts (`scale`), CronJob schedules and suspension.
pub fn managed_changes(objects: &[Value], from: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for obj in objects {
        let kind = str_at(obj, &["kind"]);
        let created = created(obj);
        for entry in items(&obj["metadata"]["managedFields"]) {
            let manager = str_at(entry, &["manager"]);
            let Some(at) = time(&entry["time"]) else {
                continue;
            };
            // A write in the creating request is the creation, not a change.
            if at < from || created.is_some_and(|c| at <= c + Duration::seconds(2)) {
                continue;
            }
            if SYSTEM_MANAGERS.contains(&manager) || entry["subresource"] == "status" {
                continue;
            }
            let name = str_at(obj, &["metadata", "name"]);
            let (change_kind, what) = match kind {
                "ConfigMap" | "Secret" => {
                    let mut keys = touched_keys(entry, &["f:data"]);
                    keys.extend(touched_keys(entry, &["f:stringData"]));
                    keys.extend(touched_keys(entry, &["f:binaryData"]));
                    if keys.is_empty() {
                        continue;
                    }
                    let k = if kind == "Secret" {
                        ChangeKind::Secret
                    } else {
                        ChangeKind::Config
                    };
                    (k, format!("{} {name} edited: {}", kind, keys.join(", ")))
                }
                "Deployment" | "StatefulSet" | "ReplicaSet"
                    if entry["subresource"] == "scale"
                        || touches(entry, &["f:spec", "f:replicas"]) =>
                {
                    let replicas = obj["spec"]["replicas"].as_i64().unwrap_or(1);
                    (
                        ChangeKind::Scale,
                        format!("{kind} {name} scaled (now {replicas})"),
                    )
                }
                "CronJob"
                    if touches(entry, &["f:spec", "f:schedule"])
                        || touches(entry, &["f:spec", "f:suspend"]) =>
                {
                    let schedule = str_at(obj, &["spec", "schedule"]);
                    let suspended = obj["spec"]["suspend"] == true;
                    (
                        ChangeKind::Schedule,
                        format!(
                            "CronJob {name} {}schedule {schedule}",
                            if suspended { "suspended; " } else { "" }
                        ),
                    )
                }
                _ => continue,
            };
            out.push(Change {
                at,
                kind: change_kind,
                namespace: str_at(obj, &["metadata", "namespace"]).to_string(),
                object: format!("{kind}/{name}"),
                release: release_of(obj),
                by: Some(manager.to_string()),
                summary: format!("{what} (by {manager})"),
            });
        }
    }
    out
}

/// Node conditions that turned bad in the window (not Ready, pressure, unavailable network).
pub fn node_changes(nodes: &[Value], from: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for node in nodes {
        for c in items(&node["status"]["conditions"]) {
            let Some(at) = time(&c["lastTransitionTime"]).filter(|t| *t >= from) else {
                continue;
            };
            let kind = str_at(c, &["type"]);
            let bad = if kind == "Ready" {
                c["status"] != "True"
            } else {
                c["status"] == "True"
            };
            if !bad {
                continue;
            }
            let name = str_at(node, &["metadata", "name"]);
            out.push(Change {
                at,
                kind: ChangeKind::Node,
                namespace: String::new(),
                object: format!("Node/{name}"),
                release: None,
                by: None,
                summary: format!(
                    "node {name} {kind}={}: {}",
                    str_at(c, &["status"]),
                    str_at(c, &["reason"])
                ),
            });
        }
    }
    out
}

/// Pods whose containers keep restarting (3 or more, the last in the window).
pub fn restart_changes(pods: &[Value], from: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for pod in pods {
        for c in items(&pod["status"]["containerStatuses"]) {
            let restarts = c["restartCount"].as_u64().unwrap_or(0);
            let Some(last) =
                time_at(c, &["lastState", "terminated", "finishedAt"]).filter(|t| *t >= from)
            else {
                continue;
            };
            if restarts < 3 {
                continue;
            }
            let name = str_at(pod, &["metadata", "name"]);
            out.push(Change {
                at: last,
                kind: ChangeKind::Restarts,
                namespace: str_at(pod, &["metadata", "namespace"]).to_string(),
                object: format!("Pod/{name}"),
                release: release_of(pod),
                by: None,
                summary: format!(
                    "pod {name} container {} restarted {restarts}× (exit {})",
                    str_at(c, &["name"]),
                    c["lastState"]["terminated"]["exitCode"]
                ),
            });
        }
    }
    out
}

/// Warning events of the window grouped by object and reason, most frequent first.
pub fn warning_groups(events: &[Value], from: DateTime<Utc>) -> Vec<EventGroup> {
    let mut groups: BTreeMap<(String, String, String), EventGroup> = BTreeMap::new();
    for e in events {
        if e["type"] != "Warning" {
            continue;
        }
        let last = time(&e["lastTimestamp"])
            .or_else(|| time(&e["eventTime"]))
            .or_else(|| created(e));
        if last.is_some_and(|t| t < from) {
            continue;
        }
        let first = time(&e["firstTimestamp"]).or(last);
        let ns = str_at(e, &["involvedObject", "namespace"]).to_string();
        let object = format!(
            "{}/{}",
            str_at(e, &["involvedObject", "kind"]),
            str_at(e, &["involvedObject", "name"])
        );
        let reason = str_at(e, &["reason"]).to_string();
        let count = e["count"].as_u64().unwrap_or(1).max(1);
        let g = groups
            .entry((ns.clone(), object.clone(), reason.clone()))
            .or_insert_with(|| EventGroup {
                namespace: ns,
                object,
                reason,
                count: 0,
                first,
                last,
                message: String::new(),
            });
        g.count += count;
        g.first = g.first.min(first).or(first);
        if last >= g.last || g.message.is_empty() {
            g.last = last;
            g.message = str_at(e, &["message"]).to_string();
        }
    }
    let mut out: Vec<EventGroup> = groups.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| b.last.cmp(&a.last)));
    out
}

#[cfg(test)]
#[path = "incident_tests.rs"]
mod tests;
