//! The Airflow stand-in: Airflow 3's REST API v2 (with `POST /auth/token` of the simple auth
//! manager) over the demo's DAGs, whose triggered runs execute as task pods the way the
//! KubernetesExecutor makes them. Response shapes are the real API's, taken from responses
//! of Airflow 3 recorded in `fixtures/` (DAG, DAG run, task instance, task log).
//!
//! Demo credentials: user `admin`, password `admin` ([`USERNAME`], [`PASSWORD`]).
//!
//! Behaviour, as Airflow's: a triggered run is `queued`, starts (`running`) once its DAG is
//! unpaused, runs its tasks one after another (each a pod: `queued` while the pod starts,
//! `running`, then `success` or `failed`; tasks after a failure are `upstream_failed`) and ends
//! `success` or `failed`. `customer_360.build_customer_features` fails its first try with the
//! KeyError the demo's logs tell; cleared (`clearTaskInstances`, `dry_run: false`), it runs
//! again as try 2 and succeeds. The task-log route returns the lines of the try's pod log.

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, Timelike, Utc};
use hyper::Method;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use super::{Pace, Tool, ToolRequest, iso};
use crate::http::SimState;
use crate::resources::ResKey;
use crate::scenario::{self, TaskTry};

/// The demo's Airflow user.
pub const USERNAME: &str = "admin";
/// The demo's Airflow password.
pub const PASSWORD: &str = "admin";

/// The namespace of the demo's Airflow and its task pods.
const NAMESPACE: &str = "orchestration";

/// The task that fails its first try, and why (the demo's story).
const FAILING: (&str, &str) = ("customer_360", "build_customer_features");

const EXAMPLE_DAG: (&str, [&str; 3]) = (
    "example_bash_operator",
    ["runme_0", "run_after_loop", "run_this_last"],
);

const DAG_FIXTURE: &str = include_str!("fixtures/unpause.json");
const RUN_FIXTURE: &str = include_str!("fixtures/trigger.json");
const TIS_FIXTURE: &str = include_str!("fixtures/taskinstances.json");

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

struct Dag {
    id: &'static str,
    tasks: [&'static str; 3],
    paused: bool,
    /// (cron, description) of its timetable.
    schedule: (&'static str, &'static str),
    version_id: String,
}

struct TaskInstance {
    id: String,
    task_id: &'static str,
    state: Option<&'static str>,
    try_number: u32,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    queued_when: Option<DateTime<Utc>>,
    /// The pod of each try, by try number.
    pods: Vec<(u32, String)>,
}

struct DagRun {
    dag_id: &'static str,
    run_id: String,
    state: &'static str,
    queued_at: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    run_after: DateTime<Utc>,
    logical_date: Option<DateTime<Utc>>,
    conf: Value,
    note: Value,
    user: String,
    tasks: Vec<TaskInstance>,
}

#[derive(Default)]
struct Model {
    dags: Vec<Dag>,
    runs: Vec<DagRun>,
    /// Issued tokens → user.
    tokens: Vec<(String, String)>,
    /// Pods made so far (keeps pod names and token ids apart).
    seq: u64,
}

/// The stand-in's state.
pub struct Airflow {
    state: Arc<SimState>,
    pace: Arc<Mutex<Pace>>,
    model: Mutex<Model>,
    wake: Notify,
}

/// A JSON error body as FastAPI writes it.
fn detail(code: u16, text: impl Into<String>) -> (u16, Value) {
    (code, json!({"detail": text.into()}))
}

/// FastAPI's 422 for a missing body field.
fn missing(field: &str, input: &Value) -> (u16, Value) {
    (
        422,
        json!({"detail": [{"type": "missing", "loc": ["body", field], "msg": "Field required", "input": input}]}),
    )
}

impl Airflow {
    pub fn new(state: Arc<SimState>, pace: Arc<Mutex<Pace>>) -> Airflow {
        let mut dags: Vec<Dag> = scenario::airflow_dags()
            .iter()
            .map(|(id, tasks)| Dag {
                id,
                tasks: *tasks,
                paused: false,
                schedule: ("0 * * * *", "At 0 minutes past the hour"),
                version_id: scenario::uuid(scenario::stable_hash(&["airflow-dag-version", id])),
            })
            .collect();
        // Example DAGs are paused when Airflow first parses them.
        dags.push(Dag {
            id: EXAMPLE_DAG.0,
            tasks: EXAMPLE_DAG.1,
            paused: true,
            schedule: ("0 0 * * *", "At 00:00"),
            version_id: scenario::uuid(scenario::stable_hash(&[
                "airflow-dag-version",
                EXAMPLE_DAG.0,
            ])),
        });
        dags.sort_by_key(|d| d.id);
        Airflow {
            state,
            pace,
            model: Mutex::new(Model {
                dags,
                ..Model::default()
            }),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self, req: &ToolRequest) -> (u16, Value) {
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return detail(400, why),
        };
        for field in ["username", "password"] {
            if !body[field].is_string() {
                return missing(field, &body);
            }
        }
        if body["username"] != USERNAME || body["password"] != PASSWORD {
            return detail(401, "Invalid credentials");
        }
        let mut m = self.lock();
        m.seq += 1;
        let now = Utc::now();
        let b64 = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        let payload = json!({"sub": USERNAME, "role": "ADMIN", "iss": [], "aud": "apache-airflow",
            "nbf": now.timestamp(), "exp": now.timestamp() + 24 * 3600, "iat": now.timestamp(),
            "jti": scenario::uuid(scenario::stable_hash(&["airflow-token", &m.seq.to_string(), &now.to_rfc3339()]))});
        let signature =
            scenario::uuid(scenario::stable_hash(&[&payload.to_string()])).replace('-', "");
        let token = format!(
            "{}.{}.{signature}",
            b64(&json!({"alg": "HS512", "typ": "JWT"})),
            b64(&payload)
        );
        m.tokens.push((token.clone(), USERNAME.to_string()));
        (201, json!({"access_token": token}))
    }

    /// Moves every active run along; true while some run is queued on an unpaused DAG or
    /// running.
    fn tick(&self) -> bool {
        let now = Utc::now();
        let pace = *self.pace.lock().unwrap_or_else(|p| p.into_inner());
        let mut guard = self.lock();
        let m = &mut *guard;
        let mut active = false;
        for run in m.runs.iter_mut() {
            let paused = m
                .dags
                .iter()
                .find(|d| d.id == run.dag_id)
                .is_none_or(|d| d.paused);
            if run.state == "queued" && !paused {
                run.state = "running";
                run.start = Some(now);
                run.end = None;
            }
            if run.state != "running" {
                continue;
            }
            active = true;
            self.advance_run(run, now, &pace, &mut m.seq);
        }
        active
    }

    fn advance_run(&self, run: &mut DagRun, now: DateTime<Utc>, pace: &Pace, seq: &mut u64) {
        let mut upstream_ok = true;
        for i in 0..run.tasks.len() {
            let ti = &mut run.tasks[i];
            match ti.state {
                Some("success") => continue,
                Some("failed" | "upstream_failed") => {
                    upstream_ok = false;
                    continue;
                }
                None if !upstream_ok => {
                    ti.state = Some("upstream_failed");
                    continue;
                }
                None => {
                    // Scheduled and handed to the KubernetesExecutor: a pod for the new try.
                    ti.try_number += 1;
                    ti.queued_when = Some(now);
                    ti.start = None;
                    ti.end = None;
                    *seq += 1;
                    let fails = (run.dag_id, ti.task_id) == FAILING && ti.try_number == 1;
                    let try_ = TaskTry {
                        dag_id: run.dag_id,
                        task_id: ti.task_id,
                        try_number: ti.try_number,
                        logical: run.run_after,
                        salt: *seq,
                        run_id: Some(&run.run_id),
                    };
                    let mut pod = scenario::airflow_task_pod(&try_);
                    scenario::set_script(&mut pod, &pace.script(if fails { 1 } else { 0 }));
                    scenario::set_creation(&mut pod, now);
                    let name = pod["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    match self.state.by_kind("v1", "Pod") {
                        Some(info) if self.state.create_object(&info, pod).is_ok() => {
                            ti.state = Some("queued");
                            ti.pods.push((ti.try_number, name));
                        }
                        // The executor could not launch it: Airflow fails the task.
                        _ => {
                            ti.state = Some("failed");
                            ti.end = Some(now);
                            upstream_ok = false;
                            continue;
                        }
                    }
                    return;
                }
                Some(_) => {
                    // queued or running: follow the pod of the current try.
                    let pod =
                        ti.pods
                            .iter()
                            .find(|(t, _)| *t == ti.try_number)
                            .and_then(|(_, name)| {
                                self.state
                                    .store
                                    .get(&ResKey::new("", "pods"), NAMESPACE, name)
                            });
                    let status = pod.as_ref().map(|p| p["status"].clone());
                    let phase = status
                        .as_ref()
                        .and_then(|s| s["phase"].as_str())
                        .unwrap_or("Failed");
                    let times = |key: &str| {
                        status.as_ref().and_then(|s| {
                            s["containerStatuses"][0]["state"]
                                .as_object()
                                .and_then(|st| st.values().next())
                                .and_then(|v| crate::store::parse_kube_time(&v[key]))
                        })
                    };
                    match phase {
                        "Running" => {
                            ti.state = Some("running");
                            ti.start = ti.start.or(times("startedAt")).or(Some(now));
                        }
                        "Succeeded" | "Failed" => {
                            ti.start = ti.start.or(times("startedAt")).or(Some(now));
                            ti.end = times("finishedAt").or(Some(now));
                            ti.state = Some(if phase == "Succeeded" {
                                "success"
                            } else {
                                "failed"
                            });
                            if phase == "Failed" {
                                upstream_ok = false;
                            }
                            continue;
                        }
                        _ => {}
                    }
                    return;
                }
            }
        }
        // Every task is done.
        run.state = if upstream_ok { "success" } else { "failed" };
        run.end = Some(now);
    }

    fn dag_json(&self, dag: &Dag) -> Value {
        let mut v = fixture(DAG_FIXTURE);
        let file = format!("{}.py", dag.id);
        let next = next_run(dag.schedule.0, Utc::now());
        for (k, val) in [
            ("dag_id", json!(dag.id)),
            ("dag_display_name", json!(dag.id)),
            ("is_paused", json!(dag.paused)),
            ("bundle_name", json!("dags-folder")),
            ("relative_fileloc", json!(file)),
            ("fileloc", json!(format!("/opt/airflow/dags/{file}"))),
            ("timetable_summary", json!(dag.schedule.0)),
            ("timetable_description", json!(dag.schedule.1)),
            (
                "last_parsed_time",
                json!(iso(Utc::now() - ChronoDuration::seconds(20))),
            ),
            ("next_dagrun_logical_date", json!(iso(next))),
            ("next_dagrun_data_interval_start", json!(iso(next))),
            ("next_dagrun_data_interval_end", json!(iso(next))),
            ("next_dagrun_run_after", json!(iso(next))),
            (
                "file_token",
                json!(scenario::uuid(scenario::stable_hash(&[
                    "file-token",
                    dag.id
                ]))),
            ),
        ] {
            v[k] = val;
        }
        let tag = if dag.id == EXAMPLE_DAG.0 {
            "example"
        } else {
            "demo"
        };
        v["tags"] = json!([{"name": tag, "dag_id": dag.id, "dag_display_name": dag.id}]);
        v
    }

    fn version_json(dag: &Dag) -> Value {
        json!({"id": dag.version_id, "version_number": 1, "dag_id": dag.id,
            "bundle_name": "dags-folder", "bundle_version": null,
            "created_at": iso(Utc::now() - ChronoDuration::days(3)),
            "dag_display_name": dag.id, "bundle_url": null})
    }

    fn run_json(&self, dag: &Dag, run: &DagRun) -> Value {
        let mut v = fixture(RUN_FIXTURE);
        let opt = |t: Option<DateTime<Utc>>| t.map(iso).map_or(Value::Null, Value::from);
        let duration = match (run.start, run.end) {
            (Some(s), Some(e)) => json!((e - s).num_microseconds().unwrap_or(0) as f64 / 1e6),
            _ => Value::Null,
        };
        for (k, val) in [
            ("dag_run_id", json!(run.run_id)),
            ("dag_id", json!(run.dag_id)),
            ("dag_display_name", json!(run.dag_id)),
            ("logical_date", opt(run.logical_date)),
            ("queued_at", json!(iso(run.queued_at))),
            ("start_date", opt(run.start)),
            ("end_date", opt(run.end)),
            ("duration", duration),
            ("run_after", json!(iso(run.run_after))),
            (
                "last_scheduling_decision",
                opt(run.start.map(|_| Utc::now())),
            ),
            ("state", json!(run.state)),
            ("triggering_user_name", json!(run.user)),
            ("conf", run.conf.clone()),
            ("note", run.note.clone()),
            ("dag_versions", json!([Self::version_json(dag)])),
        ] {
            v[k] = val;
        }
        v
    }

    fn ti_json(&self, dag: &Dag, run: &DagRun, ti: &TaskInstance, priority: usize) -> Value {
        let tis = fixture(TIS_FIXTURE);
        let mut v = tis["task_instances"]
            .as_array()
            .and_then(|a| a.iter().find(|t| t["task_id"] == "runme_0").cloned())
            .unwrap_or_else(|| json!({}));
        let opt = |t: Option<DateTime<Utc>>| t.map(iso).map_or(Value::Null, Value::from);
        let duration = match (ti.start, ti.end) {
            (Some(s), Some(e)) => json!((e - s).num_milliseconds() as f64 / 1e3),
            _ => Value::Null,
        };
        let pod = ti.pods.last().map(|(_, n)| n.clone());
        let command = format!(
            "python /opt/airflow/dags/scripts/{}.py --run-id '{}'",
            ti.task_id, run.run_id
        );
        for (k, val) in [
            ("id", json!(ti.id)),
            ("task_id", json!(ti.task_id)),
            ("task_display_name", json!(ti.task_id)),
            ("dag_id", json!(run.dag_id)),
            ("dag_display_name", json!(run.dag_id)),
            ("dag_run_id", json!(run.run_id)),
            ("logical_date", opt(run.logical_date)),
            ("run_after", json!(iso(run.run_after))),
            ("start_date", opt(ti.start)),
            ("end_date", opt(ti.end)),
            ("duration", duration),
            ("state", ti.state.map_or(Value::Null, Value::from)),
            ("try_number", json!(ti.try_number)),
            ("max_tries", json!(0)),
            ("hostname", pod.clone().map_or(json!(""), Value::from)),
            ("priority_weight", json!(priority)),
            ("queued_when", opt(ti.queued_when)),
            ("scheduled_when", opt(ti.queued_when)),
            ("pid", ti.start.map_or(Value::Null, |_| json!(7))),
            ("executor", json!("KubernetesExecutor")),
            (
                "rendered_fields",
                json!({"bash_command": command, "env": null, "cwd": null}),
            ),
            ("dag_version", Self::version_json(dag)),
        ] {
            v[k] = val;
        }
        v
    }

    /// `GET …/taskInstances/{task}/logs/{try}`: the try's pod log as Airflow serves task logs
    /// (the source header, then one entry per JSON line the task wrote).
    fn task_log(&self, run: &DagRun, ti: &TaskInstance, try_number: u32) -> (u16, Value) {
        let Some((_, pod_name)) = ti.pods.iter().find(|(t, _)| *t == try_number) else {
            return detail(
                404,
                format!(
                    "TaskInstance {} of run {} has no try {try_number}",
                    ti.task_id, run.run_id
                ),
            );
        };
        let mut content = vec![
            json!({"event": "::group::Log message source details"}),
            json!({"event": format!("/opt/airflow/logs/dag_id={}/run_id={}/task_id={}/attempt={try_number}.log", run.dag_id, run.run_id, ti.task_id)}),
            json!({"event": "::endgroup::"}),
        ];
        let pod = self
            .state
            .store
            .get(&ResKey::new("", "pods"), NAMESPACE, pod_name);
        let container = pod
            .as_ref()
            .and_then(|p| {
                p["spec"]["containers"][0]["name"]
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "base".into());
        // A try whose pod has not started (or is gone) has only the header, as in Airflow.
        if let Some(pod) = pod
            && let Ok(lines) = crate::logstream::current_lines(&pod, &container)
        {
            for line in lines {
                for text in line.text.lines() {
                    content.push(
                        serde_json::from_str::<Map<String, Value>>(text)
                            .map(Value::Object)
                            .unwrap_or_else(|_| json!({"event": text})),
                    );
                }
            }
        }
        (200, json!({"content": content, "continuation_token": null}))
    }

    fn trigger(
        &self,
        m: &mut Model,
        dag_id: &str,
        req: &ToolRequest,
        user: String,
    ) -> (u16, Value) {
        let Some(dag) = m.dags.iter().find(|d| d.id == dag_id) else {
            return detail(404, format!("Dag with dag_id: '{dag_id}' not found"));
        };
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return detail(400, why),
        };
        if body.get("logical_date").is_none() {
            return missing("logical_date", &body);
        }
        let now = Utc::now();
        let logical_date = match &body["logical_date"] {
            Value::Null => None,
            Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(e) => {
                    return (
                        422,
                        json!({"detail": [{"type": "datetime_from_date_parsing", "loc": ["body", "logical_date"], "msg": format!("Input should be a valid datetime: {e}"), "input": s}]}),
                    );
                }
            },
            other => {
                return (
                    422,
                    json!({"detail": [{"type": "datetime_type", "loc": ["body", "logical_date"], "msg": "Input should be a valid datetime", "input": other}]}),
                );
            }
        };
        let run_after = logical_date.unwrap_or(now);
        let run_id = body["dag_run_id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "manual__{}+00:00",
                    run_after.format("%Y-%m-%dT%H:%M:%S%.6f")
                )
            });
        if m.runs
            .iter()
            .any(|r| r.dag_id == dag.id && r.run_id == run_id)
        {
            return detail(
                409,
                format!("DAG Run with run_id: `{run_id}` already exists for DAG: `{dag_id}`"),
            );
        }
        let tasks = dag
            .tasks
            .iter()
            .map(|task_id| TaskInstance {
                id: scenario::uuid(scenario::stable_hash(&["ti", dag.id, &run_id, task_id])),
                task_id,
                state: None,
                try_number: 0,
                start: None,
                end: None,
                queued_when: None,
                pods: Vec::new(),
            })
            .collect();
        let run = DagRun {
            dag_id: dag.id,
            run_id,
            state: "queued",
            queued_at: now,
            start: None,
            end: None,
            run_after,
            logical_date,
            conf: if body["conf"].is_object() {
                body["conf"].clone()
            } else {
                json!({})
            },
            note: body["note"].clone(),
            user,
            tasks,
        };
        let out = self.run_json(dag, &run);
        m.runs.push(run);
        self.wake.notify_one();
        (200, out)
    }

    fn patch_dag(&self, m: &mut Model, dag_id: &str, req: &ToolRequest) -> (u16, Value) {
        if let Some(mask) = req.param("update_mask")
            && mask.split(',').any(|f| f.trim() != "is_paused")
        {
            return detail(
                400,
                "Only `is_paused` field can be updated through the REST API",
            );
        }
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return detail(400, why),
        };
        let Some(paused) = body["is_paused"].as_bool() else {
            return missing("is_paused", &body);
        };
        let Some(dag) = m.dags.iter_mut().find(|d| d.id == dag_id) else {
            return detail(404, format!("Dag with id: '{dag_id}' was not found"));
        };
        dag.paused = paused;
        if !paused {
            self.wake.notify_one();
        }
        let dag = &*dag;
        (200, self.dag_json(dag))
    }

    fn clear(&self, m: &mut Model, dag_id: &str, req: &ToolRequest) -> (u16, Value) {
        if !m.dags.iter().any(|d| d.id == dag_id) {
            return detail(404, format!("Dag with id: '{dag_id}' was not found"));
        }
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return detail(400, why),
        };
        let dry_run = body["dry_run"].as_bool().unwrap_or(true);
        let only_failed = body["only_failed"].as_bool().unwrap_or(true);
        let downstream = body["include_downstream"].as_bool().unwrap_or(false);
        let run_filter = body["dag_run_id"].as_str();
        let task_ids: Option<Vec<&str>> = body["task_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let mut picked: Vec<(usize, usize)> = Vec::new();
        for (ri, run) in m.runs.iter().enumerate() {
            if run.dag_id != dag_id || run_filter.is_some_and(|r| r != run.run_id) {
                continue;
            }
            let mut named = false;
            for (ti_i, ti) in run.tasks.iter().enumerate() {
                let asked = task_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&ti.task_id));
                named |= asked;
                let wanted = asked || (downstream && named);
                let state_ok =
                    !only_failed || matches!(ti.state, Some("failed" | "upstream_failed"));
                if wanted && state_ok && ti.state.is_some() {
                    picked.push((ri, ti_i));
                }
            }
        }
        let dag = m.dags.iter().find(|d| d.id == dag_id);
        let listed: Vec<Value> = picked
            .iter()
            .filter_map(|(ri, ti)| {
                let run = &m.runs[*ri];
                Some(self.ti_json(dag?, run, &run.tasks[*ti], run.tasks.len() - ti))
            })
            .collect();
        if !dry_run {
            for (ri, ti) in &picked {
                let run = &mut m.runs[*ri];
                let t = &mut run.tasks[*ti];
                t.state = None;
                t.start = None;
                t.end = None;
                // reset_dag_runs (the default): the run is queued again and re-runs them.
                run.state = "queued";
                run.end = None;
            }
            self.wake.notify_one();
        }
        let total = listed.len();
        (
            200,
            json!({"task_instances": listed, "total_entries": total}),
        )
    }

    fn route(&self, req: &ToolRequest, user: String) -> (u16, Value) {
        let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        let mut guard = self.lock();
        let m = &mut *guard;
        let find_dag = |m: &Model, id: &str| m.dags.iter().position(|d| d.id == id);
        let not_found_dag = |id: &str| detail(404, format!("Dag with id: '{id}' was not found"));
        let get = req.method == Method::GET;
        match seg.as_slice() {
            ["api", "v2", "dags"] if get => {
                let pattern = req.param("dag_id_pattern").map(str::to_lowercase);
                let paused = req.param("paused").map(|p| p == "true");
                let matching: Vec<&Dag> = m
                    .dags
                    .iter()
                    .filter(|d| {
                        pattern
                            .as_deref()
                            .is_none_or(|p| like(&d.id.to_lowercase(), p))
                    })
                    .filter(|d| paused.is_none_or(|p| d.paused == p))
                    .collect();
                let (offset, limit) = page(req);
                let dags: Vec<Value> = matching
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|d| self.dag_json(d))
                    .collect();
                (200, json!({"dags": dags, "total_entries": matching.len()}))
            }
            ["api", "v2", "dags", id] => match (find_dag(m, id), &req.method) {
                (None, _) => not_found_dag(id),
                (Some(i), &Method::GET) => (200, self.dag_json(&m.dags[i])),
                (Some(_), &Method::PATCH) => self.patch_dag(m, id, req),
                _ => detail(405, "Method Not Allowed"),
            },
            ["api", "v2", "dags", id, "dagRuns"] => match req.method {
                Method::POST => self.trigger(m, id, req, user),
                Method::GET => {
                    let Some(di) = find_dag(m, id) else {
                        return not_found_dag(id);
                    };
                    let mut runs: Vec<&DagRun> =
                        m.runs.iter().filter(|r| r.dag_id == *id).collect();
                    match req.param("order_by").unwrap_or("id") {
                        "-run_after" => runs.sort_by_key(|r| std::cmp::Reverse(r.run_after)),
                        "run_after" => runs.sort_by_key(|r| r.run_after),
                        "-id" => runs.reverse(),
                        _ => {}
                    }
                    if let Some(state) = req.param("state") {
                        runs.retain(|r| r.state == state);
                    }
                    let (offset, limit) = page(req);
                    let list: Vec<Value> = runs
                        .iter()
                        .skip(offset)
                        .take(limit)
                        .map(|r| self.run_json(&m.dags[di], r))
                        .collect();
                    (200, json!({"dag_runs": list, "total_entries": runs.len()}))
                }
                _ => detail(405, "Method Not Allowed"),
            },
            ["api", "v2", "dags", id, "clearTaskInstances"] if req.method == Method::POST => {
                self.clear(m, id, req)
            }
            ["api", "v2", "dags", id, "dagRuns", run_id, rest @ ..] if get => {
                let Some(di) = find_dag(m, id) else {
                    return not_found_dag(id);
                };
                let Some(run) = m
                    .runs
                    .iter()
                    .find(|r| r.dag_id == *id && r.run_id == *run_id)
                else {
                    return detail(
                        404,
                        format!(
                            "The DagRun with dag_id: `{id}` and run_id: `{run_id}` was not found"
                        ),
                    );
                };
                let dag = &m.dags[di];
                let ti_of = |task: &str| run.tasks.iter().position(|t| t.task_id == task);
                let ti_missing = |task: &str| {
                    detail(
                        404,
                        format!(
                            "The Task Instance with dag_id: `{id}`, run_id: `{run_id}`, task_id: `{task}` and map_index: `-1` was not found"
                        ),
                    )
                };
                match rest {
                    [] => (200, self.run_json(dag, run)),
                    ["taskInstances"] => {
                        let list: Vec<Value> = run
                            .tasks
                            .iter()
                            .enumerate()
                            .map(|(i, t)| self.ti_json(dag, run, t, run.tasks.len() - i))
                            .collect();
                        let total = list.len();
                        (200, json!({"task_instances": list, "total_entries": total}))
                    }
                    ["taskInstances", task] => match ti_of(task) {
                        Some(i) => (
                            200,
                            self.ti_json(dag, run, &run.tasks[i], run.tasks.len() - i),
                        ),
                        None => ti_missing(task),
                    },
                    ["taskInstances", task, "logs", try_number] => {
                        match (ti_of(task), try_number.parse::<u32>()) {
                            (Some(i), Ok(n)) => self.task_log(run, &run.tasks[i], n),
                            (None, _) => ti_missing(task),
                            (_, Err(_)) => (
                                422,
                                json!({"detail": [{"type": "int_parsing", "loc": ["path", "try_number"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": try_number}]}),
                            ),
                        }
                    }
                    _ => detail(404, "Not Found"),
                }
            }
            _ => detail(404, "Not Found"),
        }
    }
}

/// `offset` and `limit` query parameters (Airflow's default page is 50).
fn page(req: &ToolRequest) -> (usize, usize) {
    let num = |k: &str, d: usize| req.param(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    (num("offset", 0), num("limit", 50))
}

/// Airflow's `dag_id_pattern`: SQL `ILIKE '%pattern%'`, with `%` any run of characters and
/// `_` any one character.
fn like(text: &str, pattern: &str) -> bool {
    fn matches(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| matches(&t[i..], rest)),
            Some((c, rest)) => {
                t.first().is_some_and(|x| *c == '_' || x == c) && matches(&t[1..], rest)
            }
        }
    }
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = format!("%{pattern}%").chars().collect();
    matches(&t, &p)
}

/// The next time a simple cron (`0 * * * *` hourly, `0 0 * * *` daily) fires after `now`.
fn next_run(cron: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = scenario_hour(now);
    if cron == "0 0 * * *" {
        let day = hour - ChronoDuration::hours(i64::from(hour.hour()));
        day + ChronoDuration::days(1)
    } else {
        hour + ChronoDuration::hours(1)
    }
}

fn scenario_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

impl Tool for Airflow {
    fn answer(&self, req: &ToolRequest) -> (u16, Value) {
        if req.segments == ["auth", "token"] {
            return match req.method {
                Method::POST => self.token(req),
                _ => detail(405, "Method Not Allowed"),
            };
        }
        // Airflow's version route carries no auth dependency: clients probe it before they log in.
        if req.segments == ["api", "v2", "version"] && req.method == Method::GET {
            return (
                200,
                json!({"version": scenario::AIRFLOW_RELEASE, "git_version": null}),
            );
        }
        let user = match &req.bearer {
            None => return detail(401, "Not authenticated"),
            Some(token) => {
                let m = self.lock();
                match m.tokens.iter().find(|(t, _)| t == token) {
                    Some((_, user)) => user.clone(),
                    None => return detail(401, "Invalid JWT token"),
                }
            }
        };
        self.route(req, user)
    }

    fn advance(&self) -> bool {
        self.tick()
    }

    fn wake(&self) -> &Notify {
        &self.wake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dag_id_pattern_is_a_case_insensitive_like() {
        assert!(like("orders_daily", "orders"));
        assert!(like("orders_daily", "daily"));
        assert!(like("customer_360", "cust%360"));
        assert!(like("customer_360", "customer_36_"));
        assert!(!like("orders_daily", "customer"));
    }

    #[test]
    fn shapes_match_the_recorded_airflow_responses() {
        let airflow = Airflow::new(Arc::new(SimState::new()), Arc::default());
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let m = airflow.lock();
        let dag = &m.dags[0];
        assert_eq!(keys(&airflow.dag_json(dag)), keys(&fixture(DAG_FIXTURE)));
        let run = DagRun {
            dag_id: dag.id,
            run_id: "manual__x".into(),
            state: "queued",
            queued_at: Utc::now(),
            start: None,
            end: None,
            run_after: Utc::now(),
            logical_date: None,
            conf: json!({}),
            note: Value::Null,
            user: "admin".into(),
            tasks: Vec::new(),
        };
        assert_eq!(
            keys(&airflow.run_json(dag, &run)),
            keys(&fixture(RUN_FIXTURE))
        );
        let ti = TaskInstance {
            id: "x".into(),
            task_id: "t",
            state: None,
            try_number: 0,
            start: None,
            end: None,
            queued_when: None,
            pods: Vec::new(),
        };
        let recorded = fixture(TIS_FIXTURE)["task_instances"][0].clone();
        assert_eq!(keys(&airflow.ti_json(dag, &run, &ti, 1)), keys(&recorded));
    }
}
