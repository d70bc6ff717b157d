//! Health: what each workload, run history and Helm release says, rolled up per component
//! and per layer, with reasons a person can act on ("airflow-scheduler 0/1 ready:
//! CrashLoopBackOff, 14 restarts"). Tool-aware: a failed run is a failed run, not a broken
//! component (only a streak of them degrades it); a completed Job is fine; a non-core part
//! scaled to zero is a design choice, a core one is an outage.

use std::borrow::Borrow;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Layer;
use super::classify::{Classification, Part, classify};
use super::helm::ReleaseFacts;
use super::object::{JobState, ObjectKind, ObjectState, PodState, StackObject};
use super::report::{
    ComponentReport, LayerReport, RunFailure, RunSummary, StackReport, WorkloadReport,
};
use super::rules::{RuleSet, ToolKind};
use super::runs::{Run, RunState};
use crate::release::ReleaseStatus;

/// This many failed runs in a row (newest first) degrade a component: one failure is the
/// run's problem, a streak is the component's.
pub const FAILED_RUN_STREAK: usize = 3;

/// A ready workload whose pods restarted this often, the last time within
/// [`RESTART_WINDOW_MINUTES`], is flapping: a crash loop caught between two crashes.
pub const RESTART_THRESHOLD: u32 = 3;
pub const RESTART_WINDOW_MINUTES: i64 = 15;

/// A Helm operation pending longer than this is stuck (Helm's own default timeout is 5 min).
pub const PENDING_RELEASE_GRACE_MINUTES: i64 = 10;

/// Reasons quote messages from the cluster; this keeps a line readable.
const MAX_QUOTED_CHARS: usize = 140;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Down,
    /// Nothing reported yet (a manifest, a component with only Services).
    Unknown,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Down => "down",
            Health::Unknown => "unknown",
        }
    }

    /// Orders by how much attention is needed.
    pub fn severity(self) -> u8 {
        match self {
            Health::Healthy => 0,
            Health::Unknown => 1,
            Health::Degraded => 2,
            Health::Down => 3,
        }
    }

    pub fn worst(self, other: Health) -> Health {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies and judges in one go: what the cockpit and `strata status` call.
pub fn assess<O: Borrow<StackObject>>(
    rules: &RuleSet,
    objects: &[O],
    releases: &[ReleaseFacts],
    now: DateTime<Utc>,
) -> StackReport {
    let classification = classify(rules, objects, releases);
    report(rules, &classification, objects, releases, now)
}

/// Judges a classification.
pub fn report<O: Borrow<StackObject>>(
    rules: &RuleSet,
    classification: &Classification,
    objects: &[O],
    releases: &[ReleaseFacts],
    now: DateTime<Utc>,
) -> StackReport {
    let objects: Vec<&StackObject> = objects.iter().map(Borrow::borrow).collect();
    let children = children_of(classification);
    let reports = (0..classification.components.len())
        .map(|c| component_report(rules, classification, &objects, &children, releases, now, c))
        .collect();
    assemble(reports, now)
}

/// Each object's direct children in the classification (what a workload's health walks to
/// find its pods). Depends only on the classification, so it is kept with it.
pub fn children_of(classification: &Classification) -> Vec<Vec<usize>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); classification.placements.len()];
    for (i, p) in classification.placements.iter().enumerate() {
        if let Some(parent) = p.parent {
            children[parent].push(i);
        }
    }
    children
}

/// The report of one component (index into the classification's components): its
/// workloads' health, its runs and its release. What changes when a member's status does.
pub fn component_report(
    rules: &RuleSet,
    classification: &Classification,
    objects: &[&StackObject],
    children: &[Vec<usize>],
    releases: &[ReleaseFacts],
    now: DateTime<Utc>,
    c: usize,
) -> ComponentReport {
    Judge {
        rules,
        classification,
        objects,
        children,
        now,
    }
    .component(c, releases)
}

/// The layer report from every component's report: layers in DESIGN order, components by
/// namespace and name, each layer's health rolled up.
pub fn assemble(components: Vec<ComponentReport>, now: DateTime<Utc>) -> StackReport {
    let mut by_layer: HashMap<Layer, Vec<ComponentReport>> = HashMap::new();
    for report in components {
        by_layer.entry(report.layer).or_default().push(report);
    }
    let mut layers = Vec::new();
    for layer in Layer::ALL {
        let Some(mut components) = by_layer.remove(&layer) else {
            continue;
        };
        components.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        layers.push(LayerReport {
            layer,
            health: layer_health(&components),
            components,
        });
    }
    StackReport {
        layers,
        generated: now,
    }
}

/// Down only when every component with a known health is down: one broken engine degrades
/// the warehouse layer, it does not take it down.
fn layer_health(components: &[ComponentReport]) -> Health {
    let known: Vec<Health> = components
        .iter()
        .map(|c| c.health)
        .filter(|h| *h != Health::Unknown)
        .collect();
    if known.is_empty() {
        Health::Unknown
    } else if known.iter().all(|h| *h == Health::Down) {
        Health::Down
    } else if known
        .iter()
        .any(|h| matches!(h, Health::Down | Health::Degraded))
    {
        Health::Degraded
    } else {
        Health::Healthy
    }
}

struct Judge<'a> {
    rules: &'a RuleSet,
    classification: &'a Classification,
    objects: &'a [&'a StackObject],
    children: &'a [Vec<usize>],
    now: DateTime<Utc>,
}

/// What one workload amounts to.
struct Verdict {
    health: Health,
    ready: String,
    reason: Option<String>,
}

impl Verdict {
    fn new(health: Health, ready: impl Into<String>) -> Verdict {
        Verdict {
            health,
            ready: ready.into(),
            reason: None,
        }
    }

    fn because(mut self, reason: String) -> Verdict {
        self.reason = Some(reason);
        self
    }
}

impl Judge<'_> {
    fn component(&self, c: usize, releases: &[ReleaseFacts]) -> ComponentReport {
        let component = &self.classification.components[c];
        let tool = component.tool.map(|t| self.rules.tool(t));
        let mut workloads = Vec::new();
        let mut down: Vec<String> = Vec::new();
        let mut degraded: Vec<String> = Vec::new();
        let mut health = Health::Unknown;
        let mut long_running = 0usize;
        let mut long_running_down = 0usize;
        let mut services: Vec<String> = Vec::new();

        for &i in &component.members {
            let placement = &self.classification.placements[i];
            let o = &self.objects[i];
            if o.kind == ObjectKind::Service {
                services.push(o.name.to_string());
                continue;
            }

            let listed = match placement.part {
                Part::Own => is_workload(o),
                // What an operator made for its custom resource (the StatefulSet of a
                // ClickHouseInstallation) is a workload in its own right; a Deployment's
                // pods and ReplicaSets are not.
                Part::Owned => placement.parent.is_some_and(|p| {
                    matches!(self.objects[p].kind, ObjectKind::Other(_))
                        && o.kind.runs_containers()
                        && o.kind != ObjectKind::Pod
                }),
                Part::Run | Part::RunPart => false,
            };
            if !listed {
                continue;
            }
            let core = self.is_core(c, i);
            let verdict = self.workload(i, core);
            let replicated = matches!(o.state, ObjectState::Replicated { .. })
                || (o.kind == ObjectKind::Pod && !o.is_helm_hook());
            if replicated && verdict.health != Health::Unknown {
                long_running += 1;
                if verdict.health == Health::Down {
                    long_running_down += 1;
                }
            }
            let effect = match verdict.health {
                Health::Down if core => Health::Down,
                Health::Down | Health::Degraded => Health::Degraded,
                other => other,
            };
            if effect != Health::Unknown {
                health = if health == Health::Unknown {
                    effect
                } else {
                    health.worst(effect)
                };
            }
            if let Some(reason) = &verdict.reason {
                match effect {
                    Health::Down => down.push(reason.clone()),
                    _ => degraded.push(reason.clone()),
                }
            }
            workloads.push(WorkloadReport {
                kind: o.kind.as_str().to_string(),
                name: o.name.to_string(),
                namespace: o.namespace.to_string(),
                role: placement.role.clone(),
                ready: verdict.ready,
                health: verdict.health,
            });
        }
        if long_running > 0 && long_running == long_running_down {
            health = Health::Down;
        }

        // Runs (retries of one run are one), then streaks of failures per series.
        let runs = super::runs::runs(
            self.rules,
            self.classification,
            self.objects,
            self.children,
            Some(c),
        );
        let count = |state: fn(RunState) -> bool| runs.iter().filter(|r| state(r.state)).count();
        let summary = RunSummary {
            running: count(|s| !s.is_finished()),
            succeeded: count(|s| s == RunState::Succeeded),
            failed: count(|s| s == RunState::Failed),
            last_failure: runs
                .iter()
                .find(|r| r.state == RunState::Failed)
                .map(|r| RunFailure {
                    run: r.id.clone(),
                    name: r.name.clone(),
                    noun: r.noun.clone(),
                    finished: r.finished.or(r.started),
                    reason: r.reason.clone(),
                }),
        };
        for (noun, title, streak) in failure_streaks(&runs) {
            if streak >= FAILED_RUN_STREAK {
                degraded.push(format!("last {streak} {noun} {title} failed"));
                health = health.worst(Health::Degraded);
            }
        }
        if !runs.is_empty() && health == Health::Unknown {
            health = Health::Healthy;
        }

        // The Helm release.
        let release = component.releases.first().map(|&r| &releases[r]);
        if let Some(reason) = release.and_then(|r| self.release_problem(r)) {
            degraded.push(reason);
            health = health.worst(Health::Degraded);
        }
        // Said, not judged: the Secret's labels still tell the release's status.
        if let Some(release) = release
            && let Some(why) = &release.unreadable
        {
            degraded.push(format!(
                "Helm release {} revision {} cannot be read: {}; its status comes from the \
                 Secret's labels",
                release.name,
                release.revision,
                quote(why)
            ));
        }

        // Workloads sorted the way people scan them: long-running first, then by name.
        workloads.sort_by(|a, b| (kind_rank(&a.kind), &a.name).cmp(&(kind_rank(&b.kind), &b.name)));
        let mut reasons = down;
        reasons.extend(degraded);
        ComponentReport {
            name: component.name.clone(),
            tool: tool.map(|t| t.id.clone()),
            tool_name: tool.map(|t| t.name.clone()),
            namespace: component.namespace.clone(),
            release: component.release.clone(),
            release_revision: release.map(|r| (r.revision, r.status)),
            layer: component.layer,
            health,
            reasons,
            workloads,
            services: {
                services.sort();
                services
            },
            runs: summary,
        }
    }

    /// Whether losing this workload takes its component down.
    fn is_core(&self, c: usize, i: usize) -> bool {
        let component = &self.classification.components[c];
        let placement = &self.classification.placements[i];
        let Some(tool) = component.tool.map(|t| self.rules.tool(t)) else {
            return true;
        };
        if tool.core.is_empty() || tool.core.contains(&placement.role) {
            return true;
        }
        // The metadata database a chart embeds (dagster-postgresql, airbyte-db).
        placement.tool.is_some_and(|own| {
            let own = self.rules.tool(own);
            Some(own) != component.tool.map(|t| self.rules.tool(t))
                && own.kind == ToolKind::Supporting
                && own.essential
        })
    }

    fn pods_of(&self, i: usize) -> Vec<&StackObject> {
        let mut out = Vec::new();
        let mut stack = vec![i];
        let mut steps = 0;
        while let Some(at) = stack.pop() {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            for &child in &self.children[at] {
                if self.objects[child].kind == ObjectKind::Pod {
                    out.push(self.objects[child]);
                } else {
                    stack.push(child);
                }
            }
        }
        out
    }

    fn workload(&self, i: usize, core: bool) -> Verdict {
        let o = &self.objects[i];
        match &o.state {
            ObjectState::Unreported => Verdict::new(Health::Unknown, "-"),
            ObjectState::Replicated {
                desired,
                ready,
                stalled,
            } => self.replicated(o, *desired, *ready, stalled.as_deref(), core, i),
            ObjectState::Job(job) => job_verdict(o, job),
            ObjectState::CronJob {
                suspended, active, ..
            } => self.cronjob(i, *suspended, *active),
            ObjectState::Pod(pod) => bare_pod(o, pod, core),
            ObjectState::Custom { state } => custom(o, state),
        }
    }

    fn replicated(
        &self,
        o: &StackObject,
        desired: u32,
        ready: u32,
        stalled: Option<&str>,
        core: bool,
        i: usize,
    ) -> Verdict {
        let counts = format!("{ready}/{desired}");
        if desired == 0 {
            // A worker pool at zero is how autoscalers and KubernetesExecutor setups look;
            // the scheduler at zero means nothing schedules.
            return if core {
                Verdict::new(Health::Down, counts).because(format!(
                    "{} is scaled to 0 replicas; nothing runs it (scale it back up)",
                    o.name
                ))
            } else {
                Verdict::new(Health::Healthy, counts)
            };
        }
        if ready >= desired {
            if let Some(message) = stalled {
                return Verdict::new(Health::Degraded, counts).because(format!(
                    "rollout of {} is stuck: {}",
                    o.name,
                    quote(message)
                ));
            }
            if let Some((restarts, last)) = self.flapping(i) {
                return Verdict::new(Health::Degraded, counts.clone()).because(format!(
                    "{} {counts} ready but restarting: {restarts} restarts, the last {} ago",
                    o.name,
                    duration(self.now - last)
                ));
            }
            return Verdict::new(Health::Healthy, counts);
        }
        let health = if ready == 0 {
            Health::Down
        } else {
            Health::Degraded
        };
        let why = pods_problem(&self.pods_of(i));
        Verdict::new(health, counts.clone()).because(format!("{} {counts} ready: {why}", o.name))
    }

    /// The restarts and last restart of the pod restarting most, when it keeps restarting.
    fn flapping(&self, i: usize) -> Option<(u32, DateTime<Utc>)> {
        let window = self.now - Duration::minutes(RESTART_WINDOW_MINUTES);
        self.pods_of(i)
            .into_iter()
            .filter_map(|p| match &p.state {
                ObjectState::Pod(s) if s.restarts >= RESTART_THRESHOLD => s
                    .last_restart
                    .filter(|t| *t >= window)
                    .map(|t| (s.restarts, t)),
                _ => None,
            })
            .max_by_key(|(restarts, _)| *restarts)
    }

    fn cronjob(&self, i: usize, suspended: bool, active: u32) -> Verdict {
        if suspended {
            return Verdict::new(Health::Healthy, "suspended");
        }
        if active > 0 {
            return Verdict::new(Health::Healthy, "running");
        }
        // The newest finished run of this CronJob.
        let last = self.children[i]
            .iter()
            .map(|&j| {
                let (state, _) = super::runs::outcome(self.objects[j], &[]);
                (self.objects[j].created, state)
            })
            .filter(|(_, state)| state.is_finished())
            .max_by_key(|(at, _)| *at);
        match last {
            None => Verdict::new(Health::Healthy, "no runs yet"),
            Some((_, RunState::Failed)) => Verdict::new(Health::Healthy, "last run failed"),
            Some(_) => Verdict::new(Health::Healthy, "last run ok"),
        }
    }

    fn release_problem(&self, release: &ReleaseFacts) -> Option<String> {
        match release.status {
            ReleaseStatus::Failed => {
                let why = release
                    .description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(if why.is_empty() {
                    format!(
                        "Helm release {} failed at revision {}",
                        release.name, release.revision
                    )
                } else {
                    format!(
                        "Helm release {} failed at revision {}: {}",
                        release.name,
                        release.revision,
                        quote(&why)
                    )
                })
            }
            status if status.is_pending() || status == ReleaseStatus::Uninstalling => {
                let age = release.updated.map(|t| self.now - t);
                if age.is_some_and(|a| a < Duration::minutes(PENDING_RELEASE_GRACE_MINUTES)) {
                    return None;
                }
                let since = age
                    .map(|a| format!(" for {}", duration(a)))
                    .unwrap_or_default();
                Some(format!(
                    "Helm release {} stuck in {status}{since} (revision {}); Helm refuses \
                     other operations on it until it is rolled back",
                    release.name, release.revision
                ))
            }
            _ => None,
        }
    }
}

/// Waiting reasons that mean a container will not start without someone's help.
pub(crate) const STUCK_REASONS: [&str; 7] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

fn is_workload(o: &StackObject) -> bool {
    match &o.kind {
        ObjectKind::Service => false,
        ObjectKind::Other(_) => o.state != ObjectState::Unreported,
        _ => true,
    }
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => 0,
        "Pod" => 1,
        "CronJob" => 2,
        "Job" => 3,
        _ => 4,
    }
}

fn job_verdict(o: &StackObject, job: &JobState) -> Verdict {
    let counts = format!("{}/{}", job.succeeded, job.completions);
    if let Some((reason, _message)) = &job.failure {
        let what = if o.is_helm_hook() {
            "Helm hook Job"
        } else {
            "Job"
        };
        let attempts = if job.failed > 0 {
            format!(" after {} failed pods", job.failed)
        } else {
            String::new()
        };
        let reason = if reason.is_empty() { "Failed" } else { reason };
        return Verdict::new(Health::Degraded, counts)
            .because(format!("{what} {} failed: {reason}{attempts}", o.name));
    }
    if job.complete || job.suspended || job.active > 0 {
        return Verdict::new(Health::Healthy, counts);
    }
    Verdict::new(Health::Unknown, counts)
}

fn bare_pod(o: &StackObject, pod: &PodState, core: bool) -> Verdict {
    let counts = format!("{}/{}", pod.containers_ready, pod.containers);
    match pod.phase.as_str() {
        "Succeeded" => Verdict::new(Health::Healthy, "completed"),
        "Failed" => {
            let what = if o.is_helm_hook() {
                "Helm hook pod"
            } else {
                "pod"
            };
            let why = pods_problem(&[o]);
            Verdict::new(Health::Degraded, counts)
                .because(format!("{what} {} failed: {why}", o.name))
        }
        _ if pod.ready => Verdict::new(Health::Healthy, counts),
        _ => {
            let health = if core { Health::Down } else { Health::Degraded };
            let why = pods_problem(&[o]);
            Verdict::new(health, counts.clone())
                .because(format!("{} {counts} ready: {why}", o.name))
        }
    }
}

fn custom(o: &StackObject, state: &str) -> Verdict {
    let lower = state.to_ascii_lowercase();
    let health = match lower.as_str() {
        "completed" | "running" | "ready" | "succeeded" | "active" | "healthy" | "scheduled"
        | "deployed" | "available" | "bound" => Health::Healthy,
        "failed" | "aborted" | "error" | "submission_failed" | "failing" | "degraded" => {
            Health::Degraded
        }
        _ => Health::Unknown,
    };
    let verdict = Verdict::new(health, state);
    if health == Health::Degraded {
        verdict.because(format!("{} {} is {state}", o.kind.as_str(), o.name))
    } else {
        verdict
    }
}

/// The most telling problem among a workload's pods, in words an operator acts on.
fn pods_problem(pods: &[&StackObject]) -> String {
    let states: Vec<&PodState> = pods
        .iter()
        .filter_map(|p| match &p.state {
            ObjectState::Pod(s) if !s.deleting => Some(s),
            _ => None,
        })
        .collect();
    if states.is_empty() {
        return if pods.is_empty() {
            "no pods (check the controller's events: quota, admission, missing service account)"
                .to_string()
        } else {
            "pods terminating".to_string()
        };
    }
    let rank = |reason: &str| {
        STUCK_REASONS
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(STUCK_REASONS.len())
    };
    let with_problem: Vec<&PodState> = states
        .iter()
        .copied()
        .filter(|s| s.problem.is_some())
        .collect();
    if let Some(worst) = with_problem.iter().min_by_key(|s| {
        (
            rank(s.problem.as_ref().map_or("", |p| p.reason.as_str())),
            std::cmp::Reverse(s.restarts),
        )
    }) && let Some(problem) = &worst.problem
    {
        let same = with_problem
            .iter()
            .filter(|s| {
                s.problem
                    .as_ref()
                    .is_some_and(|p| p.reason == problem.reason)
            })
            .count();
        let on_pods = if same > 1 {
            format!(" ({same} pods)")
        } else {
            String::new()
        };
        return match problem.reason.as_str() {
            "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                format!("{} pulling {}{on_pods}", problem.reason, problem.image)
            }
            "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError"
                if !problem.message.is_empty() =>
            {
                format!("{}: {}{on_pods}", problem.reason, quote(&problem.message))
            }
            reason => {
                let restarts = match worst.restarts {
                    0 => String::new(),
                    1 => ", 1 restart".to_string(),
                    n => format!(", {n} restarts"),
                };
                format!("{reason}{restarts}{on_pods}")
            }
        };
    }
    if let Some(message) = states.iter().find_map(|s| s.unschedulable.as_deref()) {
        return format!("Pending: {}", quote(message));
    }
    if states
        .iter()
        .any(|s| s.phase == "Pending" || s.phase.is_empty())
    {
        return "pods starting".to_string();
    }
    "running but not ready (readiness probe failing?)".to_string()
}

/// (noun, title, failures in a row from the newest) per series.
fn failure_streaks(runs: &[Run]) -> Vec<(String, String, usize)> {
    let mut series: Vec<(&str, Vec<&Run>)> = Vec::new();
    for run in runs {
        let Some(key) = run.series.as_deref() else {
            continue;
        };
        match series.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(run),
            None => series.push((key, vec![run])),
        }
    }
    let mut out = Vec::new();
    for (_, mut list) in series {
        list.sort_by_key(|r| std::cmp::Reverse(r.when()));
        let streak = list
            .iter()
            .filter(|r| r.state.is_finished())
            .take_while(|r| r.state == RunState::Failed)
            .count();
        if let Some(first) = list.first() {
            out.push((first.noun.clone(), first.title.clone(), streak));
        }
    }
    out.sort();
    out
}

/// One line of a message from the cluster, shortened.
fn quote(message: &str) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_QUOTED_CHARS {
        line
    } else {
        let cut: String = line.chars().take(MAX_QUOTED_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// `38 min`, `5 h`, `3 d`.
pub fn duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 90 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} d", minutes / (24 * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(duration(Duration::minutes(38)), "38 min");
        assert_eq!(duration(Duration::minutes(125)), "2 h");
        assert_eq!(duration(Duration::days(3)), "3 d");
        assert_eq!(duration(Duration::seconds(-5)), "0 min");
    }

    #[test]
    fn scheduled_run_names_lose_their_timestamp() {
        use super::super::runs::series_name;
        assert_eq!(
            series_name("orders-enrichment-1732000000000000000"),
            "orders-enrichment"
        );
        assert_eq!(series_name("orders-v2"), "orders-v2");
        assert_eq!(series_name("daily-12"), "daily-12");
    }

    #[test]
    fn severity_orders_attention() {
        assert_eq!(Health::Healthy.worst(Health::Unknown), Health::Unknown);
        assert_eq!(Health::Down.worst(Health::Degraded), Health::Down);
        assert_eq!(Health::Degraded.worst(Health::Healthy), Health::Degraded);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "word ".repeat(100);
        let q = quote(&long);
        assert!(q.chars().count() <= MAX_QUOTED_CHARS);
        assert!(q.ends_with('…'));
    }
}
