//! The scheduler's DAG runs as the stand-in reads them from their task pods: the pods the
//! KubernetesExecutor made carry the raw `dag_id`, `task_id`, `run_id` and `try_number` in
//! annotations (labels hold shortened, hashed values), and their phases and container times
//! are the task instances' states and times. Nothing is kept: a run goes with its pods.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Dag, DagRun, TaskInstance, ti_id, try_progress};
use crate::standins::pods;

/// One task try's pod, by the executor's annotations.
struct TaskPod<'a> {
    run_id: &'a str,
    task_id: &'a str,
    try_number: u32,
    name: &'a str,
    created: Option<DateTime<Utc>>,
    pod: &'a Value,
}

/// The task try a pod runs, if the executor made it (every annotation there and readable).
fn task_pod(pod: &Value) -> Option<TaskPod<'_>> {
    let ann = &pod["metadata"]["annotations"];
    Some(TaskPod {
        run_id: ann["run_id"].as_str()?,
        task_id: ann["task_id"].as_str()?,
        try_number: ann["try_number"].as_str()?.parse().ok()?,
        name: pod["metadata"]["name"].as_str()?,
        created: pods::created(pod),
        pod,
    })
}

/// The runs of `dag` its task pods tell, but those whose run id is in `known` (the model's
/// own: triggered through the API, or cleared and run again by the stand-in).
pub(super) fn runs<'a>(
    dag: &Dag,
    pods: impl IntoIterator<Item = &'a Value>,
    known: &[&str],
) -> Vec<DagRun> {
    let mut by_run: Vec<(&str, Vec<TaskPod<'a>>)> = Vec::new();
    for p in pods.into_iter() {
        if p["metadata"]["annotations"]["dag_id"] != dag.id {
            continue;
        }
        let Some(tp) = task_pod(p) else { continue };
        if known.contains(&tp.run_id) {
            continue;
        }
        match by_run.iter_mut().find(|(id, _)| *id == tp.run_id) {
            Some((_, tries)) => tries.push(tp),
            None => by_run.push((tp.run_id, vec![tp])),
        }
    }
    by_run
        .into_iter()
        .map(|(run_id, mut tries)| {
            // Oldest first (creation times are whole seconds: then by try): the last pod of a
            // task is its current try.
            tries.sort_by_key(|t| (t.created, t.try_number));
            run(dag, run_id, &tries)
        })
        .collect()
}

/// The logical date in a scheduled run id (`scheduled__2026-12-05T05:00:00+00:00`).
fn logical_date(run_id: &str) -> Option<DateTime<Utc>> {
    let at = run_id.strip_prefix("scheduled__")?;
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn run(dag: &Dag, run_id: &str, tries: &[TaskPod<'_>]) -> DagRun {
    let mut upstream_ok = true;
    let tasks: Vec<TaskInstance> = dag
        .tasks
        .iter()
        .map(|task_id| {
            let mut ti = task(dag, run_id, task_id, tries);
            // A task after a failed one is never launched.
            if ti.state.is_none() && !upstream_ok {
                ti.state = Some("upstream_failed");
            }
            upstream_ok &= !matches!(ti.state, Some("failed" | "upstream_failed"));
            ti
        })
        .collect();
    let state = run_state(&tasks);
    let queued_at = tries
        .iter()
        .filter_map(|t| t.created)
        .min()
        .unwrap_or_else(Utc::now);
    let end = match state {
        "running" => None,
        _ => tasks.iter().filter_map(|t| t.end).max(),
    };
    let logical = logical_date(run_id);
    DagRun {
        dag_id: dag.id,
        run_id: run_id.to_string(),
        run_type: "scheduled",
        state,
        queued_at,
        start: Some(queued_at),
        end,
        // The demo's generator runs an hour's run during that hour, so its logical date (not
        // the interval's end) is when it could run.
        run_after: logical.unwrap_or(queued_at),
        logical_date: logical,
        conf: json!({}),
        note: Value::Null,
        user: String::new(),
        tasks,
    }
}

/// A task instance from its tries' pods: the newest try is its state.
fn task(dag: &Dag, run_id: &str, task_id: &'static str, tries: &[TaskPod<'_>]) -> TaskInstance {
    let mine: Vec<&TaskPod<'_>> = tries.iter().filter(|t| t.task_id == task_id).collect();
    let newest = mine.last();
    let progress = newest.map(|t| try_progress(Some(t.pod)));
    TaskInstance {
        id: ti_id(dag.id, run_id, task_id),
        task_id,
        state: progress.as_ref().map(|p| p.state),
        try_number: newest.map_or(0, |t| t.try_number),
        start: progress.as_ref().and_then(|p| p.start),
        end: progress.as_ref().and_then(|p| p.end),
        queued_when: newest.and_then(|t| t.created),
        pods: mine
            .iter()
            .map(|t| (t.try_number, t.name.to_string()))
            .collect(),
    }
}

/// A run's state from its tasks, as Airflow decides it: running while a task is queued or
/// running, failed once one failed (no try is due: the demo's tasks have no retries), success
/// when all succeeded; else running (the next task is yet to be launched).
pub(super) fn run_state(tasks: &[TaskInstance]) -> &'static str {
    let any = |state: &str| tasks.iter().any(|t| t.state == Some(state));
    if any("queued") || any("running") {
        "running"
    } else if any("failed") {
        "failed"
    } else if tasks.iter().all(|t| t.state == Some("success")) {
        "success"
    } else {
        "running"
    }
}
