//! The layer report kept current change by change, for the cockpit: a [`LiveStack`] holds the
//! projected objects (shared with the cluster cache, never copied) and the newest revision of
//! each Helm release, and remembers its classification. Classification depends only on what
//! identifies an object — kind, name, labels, annotations, owners, containers, selector — so a
//! change that touches only status keeps it and re-judges just the component the object
//! belongs to; only a new, deleted or re-labelled object (or a release on another chart)
//! classifies again. The result always equals a full [`super::assess`] of the same input at
//! the same time: the tests check it over random changes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use strata_common::sym::Sym;

use super::classify::{Classification, classify};
use super::health::{assemble, children_of, component_report};
use super::helm::ReleaseFacts;
use super::object::{ObjectKind, StackObject};
use super::report::{ComponentReport, StackReport};
use super::rules::RuleSet;
use super::runs::{Run, runs};

/// How long time-dependent reasons ("pending-upgrade for 12 min", restarts within the last
/// 15 minutes) may go without a full health pass while nothing changes.
pub const TIME_REFRESH: Duration = Duration::seconds(30);

/// Identity of an object in the stack.
type ObjectId = (ObjectKind, Sym, Sym);

fn id_of(object: &StackObject) -> ObjectId {
    (
        object.kind.clone(),
        object.namespace.clone(),
        object.name.clone(),
    )
}

/// Whether two projections of one object classify alike: everything but status and age.
pub fn same_identity(a: &StackObject, b: &StackObject) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && a.namespace == b.namespace
        && a.labels == b.labels
        && a.template_labels == b.template_labels
        && a.annotations == b.annotations
        && a.owners == b.owners
        && a.containers == b.containers
        && a.selector == b.selector
}

/// Whether two revisions of a release classify alike (same release, same chart).
fn same_release_identity(a: &ReleaseFacts, b: &ReleaseFacts) -> bool {
    a.name == b.name
        && a.namespace == b.namespace
        && a.chart == b.chart
        && a.chart_version == b.chart_version
}

/// The stack, kept up to date.
#[derive(Default)]
pub struct LiveStack {
    objects: Vec<Arc<StackObject>>,
    index: HashMap<ObjectId, usize>,
    releases: Vec<ReleaseFacts>,
    /// The classification of `objects` and `releases`, while still valid.
    classification: Option<Classification>,
    children: Vec<Vec<usize>>,
    /// Per component of the classification, its last report.
    components: Vec<ComponentReport>,
    /// Components whose members' status changed since their last report.
    dirty: BTreeSet<usize>,
    report: Option<Arc<StackReport>>,
    /// Every run, newest first, as of the last report.
    runs: Arc<Vec<Run>>,
    /// When every component was last judged.
    judged_at: Option<DateTime<Utc>>,
}

impl LiveStack {
    pub fn new() -> LiveStack {
        LiveStack::default()
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// A new or changed object.
    pub fn upsert(&mut self, object: Arc<StackObject>) {
        let id = id_of(&object);
        match self.index.get(&id) {
            Some(&slot) => {
                let same = same_identity(&self.objects[slot], &object);
                self.objects[slot] = object;
                if same {
                    self.touch(slot);
                } else {
                    self.reclassify();
                }
            }
            None => {
                self.index.insert(id, self.objects.len());
                self.objects.push(object);
                self.reclassify();
            }
        }
    }

    /// An object that is gone.
    pub fn remove(&mut self, object: &StackObject) {
        let Some(slot) = self.index.remove(&id_of(object)) else {
            return;
        };
        self.objects.swap_remove(slot);
        if let Some(moved) = self.objects.get(slot) {
            self.index.insert(id_of(moved), slot);
        }
        self.reclassify();
    }

    /// Everything of `kind` after a (re)list: objects that were there and still are keep
    /// the classification when only their status changed.
    pub fn replace_kind(&mut self, kind: &str, objects: Vec<Arc<StackObject>>) {
        let fresh: HashMap<ObjectId, Arc<StackObject>> =
            objects.into_iter().map(|o| (id_of(&o), o)).collect();
        let gone: Vec<Arc<StackObject>> = self
            .objects
            .iter()
            .filter(|o| o.kind.as_str() == kind && !fresh.contains_key(&id_of(o)))
            .cloned()
            .collect();
        for object in gone {
            self.remove(&object);
        }
        for object in fresh.into_values() {
            self.upsert(object);
        }
    }

    /// The newest revision of every release (the set is small; replaced as a whole).
    pub fn set_releases(&mut self, mut releases: Vec<ReleaseFacts>) {
        releases.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let same_set = releases.len() == self.releases.len()
            && releases
                .iter()
                .zip(&self.releases)
                .all(|(a, b)| same_release_identity(a, b));
        if !same_set {
            self.releases = releases;
            self.reclassify();
            return;
        }
        for (r, release) in releases.into_iter().enumerate() {
            if release != self.releases[r] {
                self.releases[r] = release;
                if let Some(c) = self
                    .classification
                    .as_ref()
                    .and_then(|k| k.release_components.get(r))
                {
                    self.dirty.insert(*c);
                }
            }
        }
    }

    fn touch(&mut self, slot: usize) {
        if let Some(placement) = self
            .classification
            .as_ref()
            .and_then(|c| c.placements.get(slot))
        {
            self.dirty.insert(placement.component);
        }
    }

    fn reclassify(&mut self) {
        self.classification = None;
        self.dirty.clear();
    }

    /// Whether anything changed since the last report.
    pub fn changed(&self) -> bool {
        self.report.is_none() || self.classification.is_none() || !self.dirty.is_empty()
    }

    /// The report at `now`: classified again only when identities changed, else only the
    /// components that changed re-judged (all of them once [`TIME_REFRESH`] has passed).
    pub fn report(&mut self, rules: &RuleSet, now: DateTime<Utc>) -> Arc<StackReport> {
        let objects: Vec<&StackObject> = self.objects.iter().map(|o| &**o).collect();
        let reclassified = self.classification.is_none();
        if reclassified {
            let classification = classify(rules, &objects, &self.releases);
            self.children = children_of(&classification);
            self.classification = Some(classification);
            self.components.clear();
            self.dirty.clear();
        }
        let Some(classification) = &self.classification else {
            unreachable!("classified above")
        };
        let all = reclassified || self.judged_at.is_none_or(|at| now - at >= TIME_REFRESH);
        if !all
            && self.dirty.is_empty()
            && let Some(report) = &self.report
        {
            return report.clone();
        }
        let judge = |c| {
            component_report(
                rules,
                classification,
                &objects,
                &self.children,
                &self.releases,
                now,
                c,
            )
        };
        if all {
            self.components = (0..classification.components.len()).map(judge).collect();
            self.judged_at = Some(now);
        } else {
            for &c in &self.dirty {
                self.components[c] = judge(c);
            }
        }
        self.dirty.clear();
        self.runs = Arc::new(runs(rules, classification, &objects, &self.children, None));
        let report = Arc::new(assemble(self.components.clone(), now));
        self.report = Some(report.clone());
        report
    }

    /// Every run, newest first, as of the last [`LiveStack::report`].
    pub fn runs(&self) -> Arc<Vec<Run>> {
        self.runs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::ReleaseStatus;
    use crate::stack::assess;
    use serde_json::{Value, json};

    /// A deterministic stream of pseudo-random numbers (splitmix64).
    struct Dice(u64);

    impl Dice {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().unwrap()
    }

    fn deployment(ns: &str, release: &str, name: &str, ready: u32) -> Value {
        json!({"kind": "Deployment",
            "metadata": {"name": name, "namespace": ns,
                "labels": {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": name,
                    "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "airflow-1.18.0"},
                "annotations": {"meta.helm.sh/release-name": release}},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"component": name}},
                "spec": {"containers": [{"name": "main", "image": "apache/airflow:3.0.2"}]}}},
            "status": {"readyReplicas": ready, "replicas": 2}})
    }

    fn pod(ns: &str, owner: &str, n: usize, state: usize) -> Value {
        let statuses = match state % 4 {
            0 => {
                json!([{"name": "main", "ready": true, "restartCount": 0, "state": {"running": {}}}])
            }
            1 => json!([{"name": "main", "ready": false, "restartCount": 9,
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-12-01T11:58:00Z"}},
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]),
            2 => json!([{"name": "main", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "not found"}}}]),
            _ => json!([{"name": "main", "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]),
        };
        json!({"kind": "Pod",
            "metadata": {"name": format!("{owner}-{n}"), "namespace": ns,
                "labels": {"component": owner, "pod-template-hash": "abc"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": format!("{owner}-abc"), "controller": true}]},
            "spec": {"containers": [{"name": "main", "image": "apache/airflow:3.0.2"}]},
            "status": {"phase": if state % 4 == 3 {"Succeeded"} else {"Running"},
                "conditions": [{"type": "Ready", "status": if state.is_multiple_of(4) {"True"} else {"False"}}],
                "containerStatuses": statuses}})
    }

    fn release(ns: &str, name: &str, revision: u32, status: ReleaseStatus) -> ReleaseFacts {
        ReleaseFacts {
            name: name.into(),
            namespace: ns.into(),
            revision,
            status,
            chart: "airflow".into(),
            chart_version: "1.18.0".into(),
            app_version: "3.0.2".into(),
            description: String::new(),
            updated: Some(now() - Duration::hours(1)),
            unreadable: None,
        }
    }

    fn project(value: &Value) -> Arc<StackObject> {
        Arc::new(StackObject::from_json(value))
    }

    /// The cluster as plain values, to assess from scratch.
    struct World {
        objects: Vec<Value>,
        releases: Vec<ReleaseFacts>,
    }

    impl World {
        fn full(&self, rules: &RuleSet) -> StackReport {
            let objects: Vec<StackObject> =
                self.objects.iter().map(StackObject::from_json).collect();
            let mut releases = self.releases.clone();
            releases.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            assess(rules, &objects, &releases, now())
        }
    }

    #[test]
    fn status_only_changes_keep_the_classification_and_equal_a_full_assessment() {
        let rules = RuleSet::builtin();
        let mut dice = Dice(7);
        let mut world = World {
            objects: Vec::new(),
            releases: Vec::new(),
        };
        for t in 0..4 {
            let ns = format!("team-{t}");
            for d in ["scheduler", "webserver", "worker"] {
                world
                    .objects
                    .push(deployment(&ns, "airflow", &format!("airflow-{d}"), 2));
                for n in 0..3 {
                    world.objects.push(pod(&ns, &format!("airflow-{d}"), n, 0));
                }
            }
            world
                .releases
                .push(release(&ns, "airflow", 1, ReleaseStatus::Deployed));
        }
        let mut live = LiveStack::new();
        for o in &world.objects {
            live.upsert(project(o));
        }
        live.set_releases(world.releases.clone());
        assert_eq!(*live.report(&rules, now()), world.full(&rules));

        for round in 0..200 {
            let i = dice.below(world.objects.len());
            let changed = match world.objects[i]["kind"].as_str() {
                Some("Pod") => {
                    let ns = world.objects[i]["metadata"]["namespace"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let name = world.objects[i]["metadata"]["name"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let (owner, n) = name.rsplit_once('-').unwrap();
                    pod(&ns, owner, n.parse().unwrap(), dice.below(4))
                }
                _ => {
                    let mut d = world.objects[i].clone();
                    d["status"]["readyReplicas"] = json!(dice.below(3));
                    d
                }
            };
            world.objects[i] = changed.clone();
            live.upsert(project(&changed));
            if round % 7 == 0 {
                let r = dice.below(world.releases.len());
                let status = [
                    ReleaseStatus::Deployed,
                    ReleaseStatus::Failed,
                    ReleaseStatus::PendingUpgrade,
                ][dice.below(3)];
                world.releases[r].status = status;
                world.releases[r].revision += 1;
                live.set_releases(world.releases.clone());
            }
            assert!(
                live.classification.is_some(),
                "round {round}: a status change reclassified"
            );
            if round % 5 == 0 {
                assert_eq!(
                    *live.report(&rules, now()),
                    world.full(&rules),
                    "round {round}"
                );
            }
        }
        assert_eq!(*live.report(&rules, now()), world.full(&rules));
    }

    #[test]
    fn new_deleted_and_relabelled_objects_classify_again() {
        let rules = RuleSet::builtin();
        let mut live = LiveStack::new();
        let a = deployment("etl", "airflow", "airflow-scheduler", 2);
        live.upsert(project(&a));
        live.report(&rules, now());
        let mut relabelled = a.clone();
        relabelled["metadata"]["labels"]["app.kubernetes.io/instance"] = json!("other");
        relabelled["metadata"]["annotations"]["meta.helm.sh/release-name"] = json!("other");
        live.upsert(project(&relabelled));
        assert!(live.classification.is_none());
        let report = live.report(&rules, now());
        assert_eq!(report.components().next().unwrap().name, "other");
        live.remove(&StackObject::from_json(&relabelled));
        assert!(live.is_empty());
        assert_eq!(live.report(&rules, now()).component_count(), 0);
    }

    #[test]
    fn a_relist_with_the_same_objects_keeps_the_classification() {
        let rules = RuleSet::builtin();
        let mut live = LiveStack::new();
        let objects: Vec<Value> = (0..3).map(|n| pod("etl", "airflow-worker", n, 0)).collect();
        live.replace_kind("Pod", objects.iter().map(project).collect());
        live.report(&rules, now());
        let mut after: Vec<Value> = objects.clone();
        after[1] = pod("etl", "airflow-worker", 1, 1);
        live.replace_kind("Pod", after.iter().map(project).collect());
        assert!(live.classification.is_some());
        // One pod fewer is a change of the set.
        live.replace_kind("Pod", after[..2].iter().map(project).collect());
        assert!(live.classification.is_none());
        assert_eq!(live.len(), 2);
    }

    #[test]
    fn time_dependent_reasons_are_refreshed_without_changes() {
        let rules = RuleSet::builtin();
        let mut live = LiveStack::new();
        live.upsert(project(&deployment(
            "etl",
            "airflow",
            "airflow-scheduler",
            2,
        )));
        let mut pending = release("etl", "airflow", 2, ReleaseStatus::PendingUpgrade);
        pending.updated = Some(now() - Duration::minutes(5));
        live.set_releases(vec![pending]);
        let early = live.report(&rules, now());
        assert!(
            early.components().all(|c| c.reasons.is_empty()),
            "{early:?}"
        );
        let later = live.report(&rules, now() + Duration::minutes(10));
        assert!(
            later
                .components()
                .any(|c| c.reasons.iter().any(|r| r.contains("pending"))),
            "{later:?}"
        );
    }
}
