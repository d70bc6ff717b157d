//! Runs: what a data tool did, as the operator thinks of it — an Airbyte sync, an Airflow task
//! try, a dbt job, a Dagster run, a Spark application — read from the classified objects. A
//! run is the object the rules mark as one run (a task pod, a sync pod, a Job of a CronJob, a
//! driver) or the root of a run's tree (a SparkApplication over its driver), with every pod
//! under it. Retries of one run (Airflow tries, Airbyte attempts, a Job's back-off) are one
//! run: its state says `retrying` while a newer try runs after a failed one.
//!
//! Pure: the same objects and classification always give the same runs. A failed run's reason
//! here comes from the objects (exit code, OOMKilled, image pull, deadline, eviction); the
//! tool's own error from its log is added by the caller that reads logs.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::classify::{Classification, Part};
use super::health::STUCK_REASONS;
use super::object::{ObjectKind, ObjectState, PodState, StackObject};
use super::rules::RuleSet;

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Pending,
    Running,
    /// A try failed and a newer one is pending or running.
    Retrying,
    Succeeded,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Pending => "pending",
            RunState::Running => "running",
            RunState::Retrying => "retrying",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> Option<RunState> {
        Some(match word.to_ascii_lowercase().as_str() {
            "pending" => RunState::Pending,
            "running" => RunState::Running,
            "retrying" => RunState::Retrying,
            "succeeded" | "success" | "ok" => RunState::Succeeded,
            "failed" | "failure" => RunState::Failed,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(self, RunState::Succeeded | RunState::Failed)
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pod of a run, with what its logs are read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunPod {
    pub namespace: String,
    pub name: String,
    /// Init containers first, in spec order.
    pub containers: Vec<String>,
    pub phase: String,
    /// The try this pod belongs to, when the tool numbers them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub try_number: Option<u32>,
}

/// One run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Run {
    /// `namespace/name` of the newest try's object: what `strata logs` accepts.
    pub id: String,
    /// The kind of that object (`Pod`, `Job`, `SparkApplication`…).
    pub kind: String,
    pub namespace: String,
    pub tool: Option<String>,
    pub tool_name: Option<String>,
    /// The component the run belongs to.
    pub component: String,
    /// What runs repeatedly (`dag/task`, a connection, a CronJob), for streaks.
    pub series: Option<String>,
    /// A readable name: `dag.task`, `postgres → clickhouse`, the CronJob's name, a flow.
    pub name: String,
    /// How the series reads in a sentence (`last 3 syncs of connection <title> failed`).
    #[serde(skip)]
    pub title: String,
    /// How runs read in a sentence: `syncs of connection`.
    #[serde(skip)]
    pub noun: String,
    /// The newest try's number, when the tool numbers tries (1 for the first).
    pub try_number: Option<u32>,
    /// How many tries the run has had.
    pub tries: u32,
    pub state: RunState,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    /// Every pod of every try, oldest first.
    pub pods: Vec<RunPod>,
    /// A label selector for the pods of this run and its next tries (what a log viewer
    /// follows to pick up a retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_selector: Option<String>,
    /// Why it failed, in one line (from the objects; a log reader may refine it).
    pub reason: Option<String>,
}

impl Run {
    /// Start to finish, or to `now` while it goes on.
    pub fn duration(&self, now: DateTime<Utc>) -> Option<Duration> {
        let start = self.started?;
        Some(self.finished.unwrap_or(now) - start)
    }

    /// The time that orders runs, newest first: start, else finish.
    pub fn when(&self) -> Option<DateTime<Utc>> {
        self.started.or(self.finished)
    }
}

/// The objects that are runs (or the root of one): indices into the classification.
fn units<'a>(
    classification: &'a Classification,
    objects: &'a [&'a StackObject],
) -> impl Iterator<Item = usize> + 'a {
    classification
        .placements
        .iter()
        .enumerate()
        .filter(|(i, p)| match p.part {
            Part::Run => true,
            // A run's object with no run above it (a SparkApplication over its driver); a
            // stray pod part (an executor whose driver is gone) is no run of its own.
            Part::RunPart => p.parent.is_none() && objects[*i].kind != ObjectKind::Pod,
            _ => false,
        })
        .map(|(i, _)| i)
}

/// Every run of the classification (or of one component), newest first.
pub fn runs(
    rules: &RuleSet,
    classification: &Classification,
    objects: &[&StackObject],
    children: &[Vec<usize>],
    component: Option<usize>,
) -> Vec<Run> {
    // Spark executors name their application, not always their driver as owner.
    let mut by_app: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        if o.kind == ObjectKind::Pod
            && let Some(app) = o.label(SPARK_APP)
        {
            by_app.entry(app).or_default().push(i);
        }
    }
    let reader = Reader {
        rules,
        classification,
        objects,
        children,
        by_app,
    };
    let tries: Vec<Try> = units(classification, objects)
        .filter(|&i| component.is_none_or(|c| classification.placements[i].component == c))
        .map(|i| reader.try_of(i))
        .collect();
    let mut runs = group(tries);
    runs.sort_by(|a, b| b.when().cmp(&a.when()).then_with(|| a.id.cmp(&b.id)));
    runs
}

/// One try of a run, before tries are grouped.
struct Try {
    run: Run,
    /// Tries sharing this key are one run.
    attempt: Option<(Option<String>, String)>,
    outcome: RunState,
}

struct Reader<'a> {
    rules: &'a RuleSet,
    classification: &'a Classification,
    objects: &'a [&'a StackObject],
    children: &'a [Vec<usize>],
    /// Pods by Spark application id.
    by_app: HashMap<&'a str, Vec<usize>>,
}

/// The label Spark puts on a driver and its executors.
const SPARK_APP: &str = "spark-app-selector";

impl Reader<'_> {
    fn try_of(&self, i: usize) -> Try {
        let o = self.objects[i];
        let placement = &self.classification.placements[i];
        let component = &self.classification.components[placement.component];
        let tool = placement
            .tool
            .or(component.tool)
            .map(|t| self.rules.tool(t));
        let pods = self.pods_of(i);
        let (outcome, reason) = outcome(o, &pods);
        let started = match &o.state {
            ObjectState::Pod(pod) => pod.started.or(o.created),
            ObjectState::Job(job) => job.started.or(o.created),
            _ => o.created,
        };
        let finished = match &o.state {
            ObjectState::Pod(pod) => pod.finished,
            ObjectState::Job(job) => job.finished,
            _ => pods
                .iter()
                .filter_map(|p| match &p.state {
                    ObjectState::Pod(pod) => pod.finished,
                    _ => None,
                })
                .max(),
        }
        .filter(|_| outcome.is_finished());
        let try_number = try_number(o, tool.map(|t| t.id.as_str()));
        let (series, title, name, noun, attempt) = self.naming(i, tool);
        let run = Run {
            id: format!("{}/{}", o.namespace, o.name),
            kind: o.kind.as_str().to_string(),
            namespace: o.namespace.to_string(),
            tool: tool.map(|t| t.id.clone()),
            tool_name: tool.map(|t| t.name.clone()),
            component: component.name.clone(),
            series: series.clone(),
            title,
            name,
            noun,
            try_number,
            tries: 1,
            state: outcome,
            started,
            finished,
            pods: pods
                .iter()
                .map(|p| run_pod(p, try_number_of_pod(p, try_number)))
                .collect(),
            follow_selector: follow_selector(o),
            reason,
        };
        Try {
            run,
            attempt: attempt.map(|a| (series, a)),
            outcome,
        }
    }

    /// The run's own pod, or the pods under it (a Job's, a driver's executors), oldest first.
    fn pods_of(&self, i: usize) -> Vec<&StackObject> {
        let mut out = Vec::new();
        if self.objects[i].kind == ObjectKind::Pod {
            out.push(self.objects[i]);
        }
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
                }
                stack.push(child);
            }
        }
        // A driver's executors, when they do not name it as their owner.
        let apps: Vec<&str> = out.iter().filter_map(|p| p.label(SPARK_APP)).collect();
        for app in apps {
            for &j in self.by_app.get(app).into_iter().flatten() {
                let pod = self.objects[j];
                if !out.iter().any(|p| std::ptr::eq(*p, pod)) {
                    out.push(pod);
                }
            }
        }
        out.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
        out
    }

    /// (series, title, name, noun, attempt key) of the run at `i`.
    fn naming(
        &self,
        i: usize,
        tool: Option<&super::rules::Tool>,
    ) -> (Option<String>, String, String, String, Option<String>) {
        let o = self.objects[i];
        let placement = &self.classification.placements[i];
        // A Job of a CronJob is a run of that CronJob.
        if let Some(parent) = placement.parent
            && self.objects[parent].kind == ObjectKind::CronJob
        {
            let cron = self.objects[parent];
            return (
                Some(format!("cronjob/{}/{}", cron.namespace, cron.name)),
                format!("CronJob {}", cron.name),
                cron.name.to_string(),
                "runs of".to_string(),
                None,
            );
        }
        let naming = tool.map(|t| &t.runs);
        let join = |keys: &[String], sep: &str| {
            let parts: Vec<String> = keys
                .iter()
                .filter_map(|k| o.tag(k))
                .filter(|v| !v.is_empty())
                .map(|v| series_name(v).to_string())
                .collect();
            (!parts.is_empty()).then(|| parts.join(sep))
        };
        let series = naming.and_then(|n| join(&n.series, "/"));
        let title = naming
            .and_then(|n| join(&n.title, "/"))
            .or_else(|| series.clone())
            .unwrap_or_else(|| o.name.to_string());
        // What the rules call it first (a user's rules may name runs), then the tool's own
        // words, then the series.
        let name = naming
            .and_then(|n| join(&n.title, "/"))
            .or_else(|| tool.and_then(|t| tool_name_of(&t.id, o)))
            .or_else(|| series.clone())
            .unwrap_or_else(|| o.name.to_string());
        let noun = naming
            .map(|n| n.noun.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "runs of".to_string());
        let attempt = naming.and_then(|n| join(&n.attempt, "/"));
        (series, title, name, noun, attempt)
    }
}

/// A tool's own readable name for a run, where its labels say more than the series.
fn tool_name_of(tool: &str, o: &StackObject) -> Option<String> {
    match tool {
        // `airbyte/source-postgres` → `postgres`: the sync is `postgres → clickhouse`.
        "airbyte" => {
            let connector = |key: &str, prefix: &str| {
                let image = o.label(key)?;
                let repo = image.rsplit('/').next().unwrap_or(image);
                Some(repo.strip_prefix(prefix).unwrap_or(repo).to_string())
            };
            let source = connector("source_image_name", "source-")?;
            let destination = connector("destination_image_name", "destination-")?;
            let job = o.label("job_type").filter(|t| *t != "sync");
            Some(match job {
                Some(kind) => format!("{kind} {source} → {destination}"),
                None => format!("{source} → {destination}"),
            })
        }
        "airflow" => airflow_task_name(o),
        "dagster" => o.tag("dagster/job").map(str::to_string),
        "prefect" => o
            .tag("prefect.io/flow-run-name")
            .or_else(|| o.tag("prefect.io/deployment-name"))
            .map(str::to_string),
        "spark" => o
            .label("sparkoperator.k8s.io/app-name")
            .or_else(|| o.label("spark-app-name"))
            .map(str::to_string),
        // A KubernetesPodOperator pod running another tool (dbt through Cosmos) is still the
        // Airflow task that started it.
        _ => airflow_task_name(o),
    }
}

fn airflow_task_name(o: &StackObject) -> Option<String> {
    let dag = o.tag("dag_id")?;
    let task = o.tag("task_id")?;
    Some(format!("{dag}.{task}"))
}

/// The labels every try of this run carries (and nothing else does).
fn follow_selector(o: &StackObject) -> Option<String> {
    let pairs = |keys: &[&str]| -> Option<String> {
        let parts: Option<Vec<String>> = keys
            .iter()
            .map(|k| o.label(k).map(|v| format!("{k}={v}")))
            .collect();
        parts.map(|p| p.join(","))
    };
    if o.label("airbyte") == Some("job-pod") {
        return pairs(&["airbyte", "job_id"]);
    }
    if o.label("dag_id").is_some() && o.label("task_id").is_some() {
        let mut keys = vec!["dag_id", "task_id", "run_id"];
        if o.label("map_index").is_some() {
            keys.push("map_index");
        }
        return pairs(&keys);
    }
    match &o.kind {
        // A Job's pods carry its name.
        ObjectKind::Job => Some(format!("job-name={}", o.name)),
        ObjectKind::Other(kind) if kind.as_str() == "SparkApplication" => {
            Some(format!("sparkoperator.k8s.io/app-name={}", o.name))
        }
        _ => None,
    }
}

/// The try a run object says it is: Airflow's `try_number`, Airbyte's 0-based `attempt_id`.
fn try_number(o: &StackObject, tool: Option<&str>) -> Option<u32> {
    if let Some(number) = o.tag("try_number") {
        return number.parse().ok();
    }
    match tool {
        Some("airbyte") => o
            .label("attempt_id")
            .and_then(|a| a.parse::<u32>().ok())
            .map(|a| a + 1),
        _ => match &o.state {
            // A Job retries its pods itself: the try is the number of pods it made.
            ObjectState::Job(job) if job.failed > 0 => Some(job.failed + u32::from(job.active > 0)),
            _ => None,
        },
    }
}

fn try_number_of_pod(pod: &StackObject, run: Option<u32>) -> Option<u32> {
    pod.tag("try_number").and_then(|t| t.parse().ok()).or(run)
}

fn run_pod(pod: &StackObject, try_number: Option<u32>) -> RunPod {
    let mut containers: Vec<&super::object::ContainerFacts> = pod.containers.iter().collect();
    containers.sort_by_key(|c| !c.init);
    RunPod {
        namespace: pod.namespace.to_string(),
        name: pod.name.to_string(),
        containers: containers.iter().map(|c| c.name.to_string()).collect(),
        phase: match &pod.state {
            ObjectState::Pod(state) => state.phase.to_string(),
            _ => String::new(),
        },
        try_number,
    }
}

/// A run object's state, and why it failed when it did.
pub(crate) fn outcome(o: &StackObject, pods: &[&StackObject]) -> (RunState, Option<String>) {
    match &o.state {
        ObjectState::Job(job) => {
            if let Some((reason, message)) = &job.failure {
                let why = pods
                    .iter()
                    .rev()
                    .find_map(|p| pod_failure(p))
                    .map(|pod| format!("{reason}: {message}; last pod: {pod}"))
                    .unwrap_or_else(|| join_reason(reason, message));
                (RunState::Failed, Some(why))
            } else if job.complete {
                (RunState::Succeeded, None)
            } else if job.failed > 0 && job.active > 0 {
                (RunState::Retrying, None)
            } else if job.active > 0 || pods.iter().any(|p| is_phase(p, "Running")) {
                (RunState::Running, None)
            } else {
                (RunState::Pending, None)
            }
        }
        ObjectState::Pod(pod) => pod_outcome(o, pod),
        ObjectState::Custom { state } => {
            let state = state.to_ascii_uppercase();
            match state.as_str() {
                "COMPLETED" | "SUCCEEDED" | "SUCCESS" => (RunState::Succeeded, None),
                "FAILED" | "SUBMISSION_FAILED" | "ERROR" | "FAILURE" => (
                    RunState::Failed,
                    pods.iter()
                        .find_map(|p| pod_failure(p))
                        .or_else(|| Some(format!("application state {state}"))),
                ),
                "SUBMITTED" | "PENDING_RERUN" | "NEW" | "PENDING" => (RunState::Pending, None),
                _ => (RunState::Running, None),
            }
        }
        _ => (RunState::Running, None),
    }
}

fn is_phase(o: &StackObject, phase: &str) -> bool {
    matches!(&o.state, ObjectState::Pod(p) if p.phase == phase)
}

fn pod_outcome(o: &StackObject, pod: &PodState) -> (RunState, Option<String>) {
    match pod.phase.as_str() {
        "Succeeded" => (RunState::Succeeded, None),
        "Failed" => (RunState::Failed, pod_failure(o)),
        _ => match &pod.problem {
            // A run pod that cannot start never finishes on its own.
            Some(problem) if STUCK_REASONS.contains(&problem.reason.as_str()) => {
                (RunState::Failed, pod_failure(o))
            }
            _ if pod.phase == "Running" => (RunState::Running, None),
            _ if pod.phase.is_empty() || pod.phase == "Pending" => (RunState::Pending, None),
            _ => (RunState::Running, None),
        },
    }
}

/// Why a pod failed, in one line: eviction, OOM, an image, an exit code.
fn pod_failure(o: &StackObject) -> Option<String> {
    let ObjectState::Pod(pod) = &o.state else {
        return None;
    };
    if let Some(reason) = pod.reason.as_deref().filter(|r| !r.is_empty()) {
        let message = pod.message.as_deref().unwrap_or_default();
        return Some(join_reason(reason, message));
    }
    let problem = pod.problem.as_ref()?;
    Some(match problem.reason.as_str() {
        "OOMKilled" => format!(
            "container {} was OOMKilled (out of memory; raise its memory limit)",
            problem.container
        ),
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => format!(
            "cannot pull image {} for container {}: {}",
            problem.image,
            problem.container,
            if problem.message.is_empty() {
                problem.reason.as_str()
            } else {
                problem.message.as_str()
            }
        ),
        reason => {
            let code = pod
                .exit_code
                .filter(|c| *c != 0)
                .map(|c| format!("exit code {c}"))
                .unwrap_or_else(|| reason.to_string());
            let detail = if problem.message.is_empty() {
                String::new()
            } else {
                format!(": {}", one_line(&problem.message))
            };
            format!("container {} failed ({code}){detail}", problem.container)
        }
    })
}

fn join_reason(reason: &str, message: &str) -> String {
    if message.is_empty() {
        reason.to_string()
    } else {
        format!("{reason}: {}", one_line(message))
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Groups tries of one run (same series and attempt key): the newest try speaks for the run;
/// a failed try followed by one that has not finished makes it `retrying`.
fn group(tries: Vec<Try>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::with_capacity(tries.len());
    let mut index: HashMap<(Option<String>, String), (usize, RunState)> = HashMap::new();
    let mut sorted = tries;
    sorted.sort_by_key(|t| t.run.when());
    for t in sorted {
        let Some(key) = t.attempt.clone() else {
            out.push(t.run);
            continue;
        };
        match index.get_mut(&key) {
            None => {
                index.insert(key, (out.len(), t.outcome));
                out.push(t.run);
            }
            Some((at, last)) => {
                let earlier_failed =
                    *last == RunState::Failed || out[*at].state == RunState::Retrying;
                let mut pods = std::mem::take(&mut out[*at].pods);
                let tries = out[*at].tries + 1;
                let first_start = out[*at].started;
                let mut run = t.run;
                pods.extend(run.pods);
                run.pods = pods;
                run.tries = tries;
                run.started = first_start.or(run.started);
                if earlier_failed && matches!(run.state, RunState::Pending | RunState::Running) {
                    run.state = RunState::Retrying;
                }
                *last = t.outcome;
                out[*at] = run;
            }
        }
    }
    out
}

/// Scheduled runs name themselves `<name>-<timestamp>`: the series is the name.
pub(crate) fn series_name(value: &str) -> &str {
    match value.rsplit_once('-') {
        Some((head, tail)) if tail.len() >= 6 && tail.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => value,
    }
}

#[cfg(test)]
mod tests;
