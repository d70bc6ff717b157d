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
//!
//! Runs the scheduler made (the scenario's run generator, the demo's history) are read from
//! their task pods when asked ([`scheduled`]): Airflow's database knows every run, so the API
//! lists them beside the triggered ones. Clearing a task of one makes the run the stand-in's
//! own, which then runs it again as a triggered run is.

mod scheduled;

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, Timelike, Utc};
use hyper::Method;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use super::pods::{self, Phase};
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
    /// `manual` (triggered through the API) or `scheduled` (made by the scheduler).
    run_type: &'static str,
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

/// What a task try's pod tells: the task instance's state (Pending → `queued`, Running →
/// `running`, Succeeded → `success`, Failed → `failed`) and its container's start and end.
struct TryProgress {
    state: &'static str,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

/// The progress of a try from its pod ([`pods::progress`]); a pod that is gone failed, as
/// the executor reports a pod it lost.
fn try_progress(pod: Option<&Value>) -> TryProgress {
    let p = pods::progress(pod);
    TryProgress {
        state: match p.phase {
            Phase::Pending => "queued",
            Phase::Running => "running",
            Phase::Succeeded => "success",
            Phase::Failed => "failed",
        },
        start: p.start,
        end: p.end,
    }
}

/// A task instance's id: the same for every try of it, as Airflow's is.
fn ti_id(dag_id: &str, run_id: &str, task_id: &str) -> String {
    scenario::uuid(scenario::stable_hash(&["ti", dag_id, run_id, task_id]))
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
                    // One past every try the task had: a cleared scheduled task may have
                    // pods of several tries, and a try's pod is made once.
                    let last = ti.pods.iter().map(|(t, _)| *t).max().unwrap_or(0);
                    ti.try_number = ti.try_number.max(last) + 1;
                    ti.queued_when = Some(now);
                    ti.start = None;
                    ti.end = None;
                    *seq += 1;
                    let fails = (run.dag_id, ti.task_id) == FAILING && ti.try_number == 1;
                    let try_ = TaskTry {
                        dag_id: run.dag_id,
                        task_id: ti.task_id,
                        try_number: ti.try_number,
                        logical: run.logical_date.unwrap_or(run.run_after),
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
                    let pod = ti
                        .pods
                        .iter()
                        .rev()
                        .find(|(t, _)| *t == ti.try_number)
                        .and_then(|(_, name)| {
                            self.state
                                .store
                                .get(&ResKey::new("", "pods"), NAMESPACE, name)
                        });
                    let progress = try_progress(pod.as_deref());
                    ti.start = ti.start.or(progress.start);
                    match progress.state {
                        "running" => {
                            ti.state = Some("running");
                            ti.start = ti.start.or(Some(now));
                        }
                        "success" | "failed" => {
                            ti.start = ti.start.or(Some(now));
                            ti.end = progress.end.or(Some(now));
                            ti.state = Some(progress.state);
                            upstream_ok &= progress.state == "success";
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
            ("run_type", json!(run.run_type)),
        ] {
            v[k] = val;
        }
        if run.run_type == "scheduled" {
            // The timetable made it: no user, and the data interval is the logical hour.
            let interval = run.logical_date.map(|t| (t, t + ChronoDuration::hours(1)));
            v["triggered_by"] = json!("timetable");
            v["triggering_user_name"] = Value::Null;
            v["data_interval_start"] = opt(interval.map(|i| i.0));
            v["data_interval_end"] = opt(interval.map(|i| i.1));
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
        // The newest pod of the try: a scheduled run's pods may hold a try twice.
        let Some((_, pod_name)) = ti.pods.iter().rev().find(|(t, _)| *t == try_number) else {
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
        let scheduled = self.scheduled_runs(m, dag);
        if runs_of(m, &scheduled, dag.id)
            .iter()
            .any(|r| r.run_id == run_id)
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
                id: ti_id(dag.id, &run_id, task_id),
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
            run_type: "manual",
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
        let Some(dag) = m.dags.iter().find(|d| d.id == dag_id) else {
            return detail(404, format!("Dag with id: '{dag_id}' was not found"));
        };
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return detail(400, why),
        };
        let dry_run = body["dry_run"].as_bool().unwrap_or(true);
        let ask = ClearAsk::of(&body);
        let run_filter = body["dag_run_id"].as_str();
        let wanted = |r: &DagRun| r.dag_id == dag_id && run_filter.is_none_or(|f| f == r.run_id);
        let scheduled = self.scheduled_runs(m, dag);
        let listed: Vec<Value> = m
            .runs
            .iter()
            .chain(&scheduled)
            .filter(|r| wanted(r))
            .flat_map(|run| {
                ask.picks(run)
                    .into_iter()
                    .map(move |i| self.ti_json(dag, run, &run.tasks[i], run.tasks.len() - i))
            })
            .collect();
        if !dry_run {
            // A scheduled run known from its pods becomes the stand-in's own, which runs the
            // cleared tasks again as Airflow's scheduler does.
            m.runs.extend(
                scheduled
                    .into_iter()
                    .filter(|r| wanted(r) && !ask.picks(r).is_empty()),
            );
            for run in m.runs.iter_mut().filter(|r| wanted(r)) {
                for i in ask.picks(run) {
                    let t = &mut run.tasks[i];
                    t.state = None;
                    t.start = None;
                    t.end = None;
                    // reset_dag_runs (the default): the run is queued again and re-runs them.
                    run.state = "queued";
                    run.end = None;
                }
            }
            self.wake.notify_one();
        }
        let total = listed.len();
        (
            200,
            json!({"task_instances": listed, "total_entries": total}),
        )
    }

    /// The runs of `dag` the scheduler made that the model does not hold, read from their
    /// task pods now (so they go when the pods do).
    fn scheduled_runs(&self, m: &Model, dag: &Dag) -> Vec<DagRun> {
        let pods = pods::list(&self.state, NAMESPACE, &|p| {
            p["metadata"]["annotations"]["dag_id"] == dag.id
        });
        let known: Vec<&str> = m
            .runs
            .iter()
            .filter(|r| r.dag_id == dag.id)
            .map(|r| r.run_id.as_str())
            .collect();
        scheduled::runs(dag, pods.iter().map(|p| &**p), &known)
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
                    let scheduled = self.scheduled_runs(m, &m.dags[di]);
                    let mut runs = runs_of(m, &scheduled, id);
                    // Airflow's `id` numbers runs as they were made.
                    runs.sort_by_key(|r| r.queued_at);
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
                let scheduled = self.scheduled_runs(m, &m.dags[di]);
                let Some(run) = runs_of(m, &scheduled, id)
                    .into_iter()
                    .find(|r| r.run_id == *run_id)
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

/// Which task instances a `clearTaskInstances` body asks for.
struct ClearAsk {
    task_ids: Option<Vec<String>>,
    only_failed: bool,
    downstream: bool,
}

impl ClearAsk {
    fn of(body: &Value) -> ClearAsk {
        ClearAsk {
            task_ids: body["task_ids"].as_array().map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            }),
            only_failed: body["only_failed"].as_bool().unwrap_or(true),
            downstream: body["include_downstream"].as_bool().unwrap_or(false),
        }
    }

    /// The indexes of the tasks of `run` to clear: those named (or all), with the tasks after
    /// them when downstream is asked, that have run (and failed, when only failed ones are).
    fn picks(&self, run: &DagRun) -> Vec<usize> {
        let mut named = false;
        let mut out = Vec::new();
        for (i, ti) in run.tasks.iter().enumerate() {
            let asked = self
                .task_ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|id| id == ti.task_id));
            named |= asked;
            let wanted = asked || (self.downstream && named);
            let state_ok =
                !self.only_failed || matches!(ti.state, Some("failed" | "upstream_failed"));
            if wanted && state_ok && ti.state.is_some() {
                out.push(i);
            }
        }
        out
    }
}

/// Every run of `dag_id`: the model's (triggered, or cleared scheduled ones) and the
/// scheduled ones read from pods.
fn runs_of<'a>(m: &'a Model, scheduled: &'a [DagRun], dag_id: &str) -> Vec<&'a DagRun> {
    m.runs
        .iter()
        .filter(|r| r.dag_id == dag_id)
        .chain(scheduled)
        .collect()
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
    use crate::standins::pods::testing::{put, set_status, status};

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
            run_type: "manual",
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

    /// A `GET` as the listener hands it over, answered for the demo user.
    fn get(airflow: &Airflow, path_and_query: &str) -> (u16, Value) {
        let req = ToolRequest::for_test(Method::GET, path_and_query, "");
        airflow.route(&req, USERNAME.into())
    }

    /// The generator's pod of slot `seq` (made at `now`), in the store with `status`.
    fn put_try(state: &SimState, seq: u64, now: DateTime<Utc>, status: Value) -> Value {
        put(state, scenario::airflow_task(seq, now).remove(0), status)
    }

    /// `[task_id, try_number, state]` of each task instance listed.
    fn states(tis: &Value) -> Value {
        let list = tis["task_instances"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.iter()
            .map(|t| json!([t["task_id"], t["try_number"], t["state"]]))
            .collect()
    }

    /// The customer_360 block of the generator (slots 4–7) as far as its failed try 1 of
    /// `build_customer_features`: returns the run id and that try's pod.
    fn failed_customer_run(state: &SimState, now: DateTime<Utc>) -> (String, Value) {
        let t0 = now - ChronoDuration::seconds(120);
        put_try(state, 4, t0, status("Succeeded", t0, Some(0)));
        let t1 = t0 + ChronoDuration::seconds(60);
        let failed = put_try(state, 5, t1, status("Failed", t1, Some(1)));
        let run_id = failed["metadata"]["annotations"]["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        (run_id, failed)
    }

    #[test]
    fn scheduled_runs_are_read_from_the_executors_pods() {
        let state = pods::testing::with_namespace(NAMESPACE);
        let airflow = Airflow::new(state.clone(), Arc::default());
        let now = Utc::now();
        let (run_id, _) = failed_customer_run(&state, now);
        assert!(run_id.starts_with("scheduled__"), "{run_id}");

        let (code, list) = get(
            &airflow,
            "/api/v2/dags/customer_360/dagRuns?order_by=-run_after&limit=1",
        );
        assert_eq!(code, 200, "{list}");
        assert_eq!(list["total_entries"], 1);
        let run = &list["dag_runs"][0];
        assert_eq!(run["dag_run_id"], run_id.as_str());
        assert_eq!(run["run_type"], "scheduled");
        assert_eq!(run["triggered_by"], "timetable");
        assert_eq!(run["state"], "failed");
        assert!(run["end_date"].is_string());
        let (_, none) = get(&airflow, "/api/v2/dags/orders_daily/dagRuns");
        assert_eq!(none["total_entries"], 0, "{none}");

        let tis_path = format!("/api/v2/dags/customer_360/dagRuns/{run_id}/taskInstances");
        let (code, tis) = get(&airflow, &tis_path);
        assert_eq!(code, 200, "{tis}");
        let want = json!([
            ["sync_crm_accounts", 1, "success"],
            ["build_customer_features", 1, "failed"],
            ["publish_segments", 0, "upstream_failed"],
        ]);
        assert_eq!(states(&tis), want);
        let failed = &tis["task_instances"][1];
        assert!(failed["start_date"].is_string() && failed["end_date"].is_string());

        // The generator's retry (slot 6) runs try 2: the run is running again, then done.
        let t2 = now;
        let retry = put_try(&state, 6, t2, status("Running", t2, None));
        let (_, run) = get(
            &airflow,
            &format!("/api/v2/dags/customer_360/dagRuns/{run_id}"),
        );
        assert_eq!(run["state"], "running");
        let (_, tis) = get(&airflow, &tis_path);
        assert_eq!(
            states(&tis)[1],
            json!(["build_customer_features", 2, "running"])
        );
        set_status(&state, &retry, status("Succeeded", t2, Some(0)));
        put_try(&state, 7, t2, status("Succeeded", t2, Some(0)));
        let (_, run) = get(
            &airflow,
            &format!("/api/v2/dags/customer_360/dagRuns/{run_id}"),
        );
        assert_eq!(run["state"], "success");
    }

    #[test]
    fn a_cleared_scheduled_task_runs_again_as_its_next_try() {
        let state = pods::testing::with_namespace(NAMESPACE);
        let airflow = Airflow::new(state.clone(), Arc::default());
        let (run_id, failed) = failed_customer_run(&state, Utc::now());
        let body = json!({"dry_run": false, "dag_run_id": run_id,
            "task_ids": ["build_customer_features"], "include_downstream": true});
        let (code, cleared) = airflow.route(
            &ToolRequest::for_test(
                Method::POST,
                "/api/v2/dags/customer_360/clearTaskInstances",
                &body.to_string(),
            ),
            USERNAME.into(),
        );
        assert_eq!(code, 200, "{cleared}");
        let ids: Vec<&str> = cleared["task_instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["build_customer_features", "publish_segments"]);

        // The stand-in owns the run now: it launches try 2 under the scheduled run id.
        assert!(airflow.tick());
        let (_, tis) = get(
            &airflow,
            &format!("/api/v2/dags/customer_360/dagRuns/{run_id}/taskInstances"),
        );
        assert_eq!(
            states(&tis)[1],
            json!(["build_customer_features", 2, "queued"])
        );
        let (_, list) = get(&airflow, "/api/v2/dags/customer_360/dagRuns");
        assert_eq!(list["total_entries"], 1, "one run, not two: {list}");
        let pods = pods::list(&state, NAMESPACE, &|p| {
            p["metadata"]["annotations"]["try_number"] == "2"
        });
        assert_eq!(pods.len(), 1);
        assert_eq!(
            pods[0]["metadata"]["annotations"]["run_id"],
            run_id.as_str()
        );
        assert_eq!(
            pods[0]["metadata"]["labels"]["run_id"],
            failed["metadata"]["labels"]["run_id"]
        );
        // Try 1 keeps its pod (and log).
        let task = &airflow.lock().runs[0].tasks[1];
        assert!(
            task.pods
                .iter()
                .any(|(t, n)| *t == 1 && failed["metadata"]["name"] == *n)
        );
    }

    #[test]
    fn a_run_is_running_until_a_task_fails_or_all_succeed() {
        let ti = |state: Option<&'static str>| TaskInstance {
            id: String::new(),
            task_id: "t",
            state,
            try_number: 1,
            start: None,
            end: None,
            queued_when: None,
            pods: Vec::new(),
        };
        let of = |s: &[Option<&'static str>]| {
            scheduled::run_state(&s.iter().map(|x| ti(*x)).collect::<Vec<_>>())
        };
        assert_eq!(of(&[Some("success"), Some("running"), None]), "running");
        assert_eq!(of(&[Some("success"), Some("queued"), None]), "running");
        assert_eq!(of(&[Some("success"), None, None]), "running");
        assert_eq!(
            of(&[Some("success"), Some("failed"), Some("upstream_failed")]),
            "failed"
        );
        assert_eq!(of(&[Some("success"); 3]), "success");
    }
}
