//! A release watched while helm changes it, and verified after: its pods (by the chart's
//! `app.kubernetes.io/instance` label, or the older `release` label), its hook Jobs, and the
//! events of its objects since the change began — or a plain workload's pods (its selector)
//! while its pod template changes. Read through kube-rs every few seconds by both front
//! ends: `strata rollback`/`upgrade` print what changed, the cockpit's dialog shows the whole
//! picture.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};

/// How often the release is read again while helm runs.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Events shown at most (the newest).
const EVENTS_SHOWN: usize = 6;

/// One pod of the release as the operator reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodState {
    pub name: String,
    /// `Running`, `Pending`, a waiting reason (`CrashLoopBackOff`, `ImagePullBackOff`),
    /// `Terminating`, `Succeeded`.
    pub state: String,
    /// Ready containers / containers.
    pub ready: (usize, usize),
    pub restarts: i32,
    /// Owned by a Job (a hook or a run), which ends rather than stays ready.
    pub of_job: bool,
    pub terminating: bool,
}

impl PodState {
    fn from_pod(pod: &Pod) -> PodState {
        let status = pod.status.as_ref();
        let containers = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        let waiting = containers
            .iter()
            .chain(
                status
                    .and_then(|s| s.init_container_statuses.as_deref())
                    .unwrap_or_default(),
            )
            .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
            .filter(|reason| reason != "ContainerCreating" && reason != "PodInitializing");
        let terminating = pod.metadata.deletion_timestamp.is_some();
        let phase = status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into());
        let state = if terminating {
            "Terminating".to_string()
        } else {
            waiting.unwrap_or(phase)
        };
        let total = pod.spec.as_ref().map_or(0, |s| s.containers.len());
        PodState {
            name: pod.metadata.name.clone().unwrap_or_default(),
            state,
            ready: (containers.iter().filter(|c| c.ready).count(), total),
            restarts: containers.iter().map(|c| c.restart_count).sum(),
            of_job: pod
                .metadata
                .owner_references
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|o| o.kind == "Job"),
            terminating,
        }
    }

    /// Serving: running with every container ready.
    pub fn is_ready(&self) -> bool {
        self.state == "Running" && self.ready.0 == self.ready.1 && self.ready.1 > 0
    }

    fn line(&self) -> String {
        let restarts = if self.restarts > 0 {
            format!(" · {} restart(s)", self.restarts)
        } else {
            String::new()
        };
        format!(
            "pod {} {} {}/{}{restarts}",
            self.name, self.state, self.ready.0, self.ready.1
        )
    }
}

/// What the release looks like now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    pub pods: Vec<PodState>,
    /// Hook Jobs: `Job/name running|succeeded|failed`.
    pub hooks: Vec<String>,
    /// `HH:MM:SS Kind/name Reason: message`, oldest first.
    pub events: Vec<String>,
}

impl Observation {
    /// The whole picture, one line each: pods, hooks, then the newest events.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.pods.iter().map(PodState::line).collect();
        if lines.is_empty() {
            lines.push("no pods of the release yet".into());
        }
        lines.extend(self.hooks.iter().map(|h| format!("hook {h}")));
        let skip = self.events.len().saturating_sub(EVENTS_SHOWN);
        lines.extend(self.events[skip..].iter().map(|e| format!("event {e}")));
        lines
    }

    /// What is new since `before`: pods that appeared or changed, hooks, events.
    pub fn news(&self, before: &Observation) -> Vec<String> {
        let old: BTreeMap<&str, &PodState> =
            before.pods.iter().map(|p| (p.name.as_str(), p)).collect();
        let mut news: Vec<String> = self
            .pods
            .iter()
            .filter(|p| old.get(p.name.as_str()) != Some(p))
            .map(PodState::line)
            .collect();
        let now: BTreeMap<&str, &PodState> =
            self.pods.iter().map(|p| (p.name.as_str(), p)).collect();
        news.extend(
            before
                .pods
                .iter()
                .filter(|p| !now.contains_key(p.name.as_str()))
                .map(|p| format!("pod {} gone", p.name)),
        );
        news.extend(
            self.hooks
                .iter()
                .filter(|h| !before.hooks.contains(h))
                .map(|h| format!("hook {h}")),
        );
        news.extend(
            self.events
                .iter()
                .filter(|e| !before.events.contains(e))
                .map(|e| format!("event {e}")),
        );
        news
    }

    /// Whether the release serves: every pod of its workloads (not its Jobs, not those on
    /// their way out) running and ready; otherwise, why not.
    pub fn verdict(&self) -> Verdict {
        let serving: Vec<&PodState> = self
            .pods
            .iter()
            .filter(|p| !p.of_job && !p.terminating)
            .collect();
        let mut problems: Vec<String> = serving
            .iter()
            .filter(|p| !p.is_ready())
            .map(|p| {
                format!(
                    "pod {} is {} ({}/{} ready)",
                    p.name, p.state, p.ready.0, p.ready.1
                )
            })
            .collect();
        problems.extend(
            self.hooks
                .iter()
                .filter(|h| h.ends_with(" failed"))
                .map(|h| format!("hook {h}")),
        );
        if problems.is_empty() {
            Verdict::Healthy(serving.len())
        } else {
            Verdict::Unhealthy(problems)
        }
    }
}

/// The release after the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This many pods serve (0: a release of no long-running pods).
    Healthy(usize),
    Unhealthy(Vec<String>),
}

impl Verdict {
    pub fn is_healthy(&self) -> bool {
        matches!(self, Verdict::Healthy(_))
    }

    /// One line for the operator.
    pub fn said(&self) -> String {
        match self {
            Verdict::Healthy(0) => "verified: no long-running pods, no failed hook".into(),
            Verdict::Healthy(n) => format!("verified: {n} pod(s) running and ready"),
            Verdict::Unhealthy(problems) => format!("not healthy: {}", problems.join("; ")),
        }
    }
}

/// What is watched: a Helm release, or a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub namespace: String,
    /// Label selectors of its pods, tried in order until one finds some.
    selectors: Vec<String>,
    /// The name its objects (and so its events) start with.
    prefix: String,
    /// A release's hook Jobs are watched too.
    release: bool,
}

impl Subject {
    pub fn release(namespace: &str, release: &str) -> Subject {
        Subject {
            namespace: namespace.to_string(),
            // Charts older than the recommended labels say `release`.
            selectors: vec![
                format!("app.kubernetes.io/instance={release}"),
                format!("release={release}"),
            ],
            prefix: release.to_string(),
            release: true,
        }
    }

    /// A Deployment, StatefulSet or DaemonSet `name` whose pods `selector` selects.
    pub fn workload(namespace: &str, name: &str, selector: String) -> Subject {
        Subject {
            namespace: namespace.to_string(),
            selectors: vec![selector],
            prefix: name.to_string(),
            release: false,
        }
    }
}

/// Reads the subject now: its pods, a release's hook Jobs, and the events of its objects
/// since `since`.
pub async fn observe(
    client: &kube::Client,
    subject: &Subject,
    since: DateTime<Utc>,
) -> Result<Observation, String> {
    let namespace = subject.namespace.as_str();
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut listed = Vec::new();
    for selector in &subject.selectors {
        listed = pods
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(|e| format!("cannot list the pods: {e}"))?
            .items;
        if !listed.is_empty() {
            break;
        }
    }
    let mut pod_states: Vec<PodState> = listed.iter().map(PodState::from_pod).collect();
    pod_states.sort_by(|a, b| a.name.cmp(&b.name));
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    // Hooks are read where allowed; a watch without them still says the most.
    let hooks = match jobs.list(&ListParams::default()).await {
        Ok(list) if subject.release => list
            .items
            .iter()
            .filter_map(|j| hook_of(j, &subject.prefix, since))
            .collect(),
        _ => Vec::new(),
    };
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let events = match events.list(&ListParams::default()).await {
        Ok(list) => events_of(&list.items, &subject.prefix, since),
        Err(_) => Vec::new(),
    };
    Ok(Observation {
        pods: pod_states,
        hooks,
        events,
    })
}

/// `Job/name state` of a hook Job of `release` (annotated `helm.sh/hook`) made since `since`.
fn hook_of(job: &Job, release: &str, since: DateTime<Utc>) -> Option<String> {
    let meta = &job.metadata;
    meta.annotations.as_ref()?.get("helm.sh/hook")?;
    // A hook left from an earlier operation (a failed upgrade's Job, which a rollback does
    // not delete) is not this change's.
    let created = meta
        .creation_timestamp
        .as_ref()
        .and_then(|t| DateTime::from_timestamp(t.0.as_second(), 0))?;
    if created < since {
        return None;
    }
    let name = meta.name.as_deref()?;
    let labelled = meta
        .labels
        .as_ref()
        .and_then(|l| {
            l.get("app.kubernetes.io/instance")
                .or_else(|| l.get("release"))
        })
        .is_some_and(|r| r == release);
    if !labelled && !name.starts_with(release) {
        return None;
    }
    let status = job.status.as_ref();
    let state = if status.and_then(|s| s.succeeded).unwrap_or(0) > 0 {
        "succeeded"
    } else if status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Failed" && c.status == "True"))
    {
        "failed"
    } else {
        "running"
    };
    Some(format!("Job/{name} {state}"))
}

/// The events since `since` of objects named after the release or workload (charts name
/// their objects `RELEASE-…`, controllers their pods `WORKLOAD-…`), oldest first.
fn events_of(events: &[Event], prefix: &str, since: DateTime<Utc>) -> Vec<String> {
    let mut found: Vec<(DateTime<Utc>, String)> = events
        .iter()
        .filter_map(|event| {
            let object = &event.involved_object;
            let name = object.name.as_deref()?;
            if !name.starts_with(prefix) {
                return None;
            }
            let at = event
                .last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(event.event_time.as_ref().map(|t| t.0))
                .or(event.metadata.creation_timestamp.as_ref().map(|t| t.0))
                .and_then(|t| DateTime::from_timestamp(t.as_second(), 0))?;
            (at >= since).then(|| {
                (
                    at,
                    format!(
                        "{} {}/{name} {}: {}",
                        at.format("%H:%M:%S"),
                        object.kind.as_deref().unwrap_or("?"),
                        event.reason.as_deref().unwrap_or("?"),
                        event.message.as_deref().unwrap_or("").trim()
                    ),
                )
            })
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, line)| line).collect()
}

/// Runs `work` while reading the subject every [`WATCH_EVERY`], telling `seen` each
/// observation and what is new in it; `work`'s output.
pub async fn watch_while<T>(
    client: &kube::Client,
    subject: &Subject,
    work: impl std::future::Future<Output = T>,
    mut seen: impl FnMut(&Observation, Vec<String>),
) -> T {
    let since = Utc::now() - chrono::Duration::seconds(5);
    let mut last = Observation::default();
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = tick.tick() => {
                if let Ok(now) = observe(client, subject, since).await {
                    let news = now.news(&last);
                    seen(&now, news);
                    last = now;
                }
            }
        }
    }
}

/// The subject after the change that began at `began`: read until it serves or `settle`
/// passes (pods replaced by the change take a moment to go).
pub async fn verify(
    client: &kube::Client,
    subject: &Subject,
    began: DateTime<Utc>,
    settle: Duration,
) -> Result<(Observation, Verdict), String> {
    let deadline = tokio::time::Instant::now() + settle;
    loop {
        let now = observe(client, subject, began).await?;
        let verdict = now.verdict();
        if verdict.is_healthy() || tokio::time::Instant::now() >= deadline {
            return Ok((now, verdict));
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, state: &str, ready: (usize, usize)) -> PodState {
        PodState {
            name: name.into(),
            state: state.into(),
            ready,
            restarts: 0,
            of_job: false,
            terminating: false,
        }
    }

    #[test]
    fn a_release_serves_when_its_workload_pods_are_ready() {
        let mut seen = Observation {
            pods: vec![pod("web-1", "Running", (1, 1))],
            hooks: vec!["Job/web-migrate succeeded".into()],
            events: Vec::new(),
        };
        assert_eq!(seen.verdict(), Verdict::Healthy(1));
        // A pod on its way out and a finished Job pod do not count.
        let mut old = pod("web-0", "Terminating", (0, 1));
        old.terminating = true;
        let mut job = pod("web-migrate-x", "Succeeded", (0, 1));
        job.of_job = true;
        seen.pods.extend([old, job]);
        assert!(seen.verdict().is_healthy());
        seen.pods.push(pod("web-2", "CrashLoopBackOff", (0, 1)));
        seen.hooks.push("Job/web-init failed".into());
        let said = seen.verdict().said();
        assert_eq!(
            said,
            "not healthy: pod web-2 is CrashLoopBackOff (0/1 ready); hook Job/web-init failed"
        );
    }

    #[test]
    fn news_are_the_changes_since_the_last_look() {
        let before = Observation {
            pods: vec![
                pod("web-1", "Running", (1, 1)),
                pod("web-2", "Pending", (0, 1)),
            ],
            hooks: Vec::new(),
            events: vec!["10:00:00 Pod/web-2 Scheduled: ok".into()],
        };
        let after = Observation {
            pods: vec![
                pod("web-2", "Running", (1, 1)),
                pod("web-3", "Pending", (0, 1)),
            ],
            hooks: vec!["Job/web-migrate running".into()],
            events: vec![
                "10:00:00 Pod/web-2 Scheduled: ok".into(),
                "10:00:02 Pod/web-3 Pulling: image".into(),
            ],
        };
        assert_eq!(
            after.news(&before),
            [
                "pod web-2 Running 1/1",
                "pod web-3 Pending 0/1",
                "pod web-1 gone",
                "hook Job/web-migrate running",
                "event 10:00:02 Pod/web-3 Pulling: image"
            ]
        );
        assert!(after.news(&after).is_empty());
        assert_eq!(after.lines().len(), 5);
    }
}
