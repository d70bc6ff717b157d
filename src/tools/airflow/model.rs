//! What Airflow answers (DAGs, DAG runs, task instances), typed for the fields Strata uses and
//! tolerant of everything else: unknown fields are ignored, missing ones default, and a date
//! Strata cannot parse becomes `None` rather than failing the whole answer. One set of types
//! reads both API v2 (Airflow 3) and API v1 (Airflow 2); where they differ, both spellings are
//! accepted.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Airflow's version as `/api/v{2,1}/version` reports it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: String,
    #[serde(default)]
    pub git_version: Option<String>,
}

/// A DAG tag.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct DagTag {
    pub name: String,
}

/// A DAG, as listed or fetched.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Dag {
    pub dag_id: String,
    /// `None` when Airflow does not know (v1 allows null).
    #[serde(default)]
    pub is_paused: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    /// v2: the schedule in short (`0 0 * * *`, `Partitioned Asset`).
    #[serde(default)]
    pub timetable_summary: Option<String>,
    /// v2 and v1 ≥ 2.3: the schedule in words (`At 00:00`, `Never, external triggers only`).
    #[serde(default)]
    pub timetable_description: Option<String>,
    /// v1: `{"__type": "CronExpression", "value": "0 0 * * *"}` or a timedelta object.
    #[serde(default)]
    pub schedule_interval: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: Vec<DagTag>,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub has_import_errors: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub next_dagrun_run_after: Option<DateTime<Utc>>,
}

impl Dag {
    /// The schedule in short, whichever API version answered: `0 0 * * *`, `@daily`, or the
    /// timetable's words when there is no expression (`None` for a DAG without a schedule).
    pub fn schedule(&self) -> Option<String> {
        if let Some(summary) = self.timetable_summary.as_deref().filter(|s| !s.is_empty()) {
            return Some(summary.to_string());
        }
        if let Some(interval) = &self.schedule_interval {
            let value = interval.get("value").unwrap_or(interval);
            match value {
                serde_json::Value::String(s) => return Some(s.clone()),
                serde_json::Value::Null => {}
                other => return Some(other.to_string()),
            }
        }
        self.timetable_description.clone()
    }
}

/// A page of DAGs and how many there are in all.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct DagPage {
    #[serde(default)]
    pub dags: Vec<Dag>,
    #[serde(default)]
    pub total_entries: u64,
}

/// The state of a DAG run. Airflow's own words are kept for states Strata has no name for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(from = "Option<String>", into = "String")]
pub enum RunState {
    Queued,
    Running,
    Success,
    Failed,
    Other(String),
}

impl RunState {
    /// Success and failed are final: the scheduler will not move the run on by itself.
    pub fn is_terminal(&self) -> bool {
        matches!(self, RunState::Success | RunState::Failed)
    }

    pub fn as_str(&self) -> &str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Success => "success",
            RunState::Failed => "failed",
            RunState::Other(s) => s,
        }
    }
}

impl From<Option<String>> for RunState {
    fn from(s: Option<String>) -> Self {
        match s.as_deref() {
            Some("queued") => RunState::Queued,
            Some("running") => RunState::Running,
            Some("success") => RunState::Success,
            Some("failed") => RunState::Failed,
            Some(other) => RunState::Other(other.to_string()),
            None => RunState::Other("none".to_string()),
        }
    }
}

impl From<RunState> for String {
    fn from(s: RunState) -> Self {
        s.as_str().to_string()
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run of a DAG.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct DagRun {
    pub dag_run_id: String,
    #[serde(default)]
    pub dag_id: String,
    pub state: RunState,
    /// `None` for runs triggered without one (the default on Airflow 3).
    #[serde(default, deserialize_with = "lenient_time")]
    pub logical_date: Option<DateTime<Utc>>,
    /// v2: when the run was due; v1 has only the logical (execution) date.
    #[serde(default, deserialize_with = "lenient_time")]
    pub run_after: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub queued_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub end_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub run_type: Option<String>,
    #[serde(default)]
    pub conf: Option<serde_json::Value>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The runs of a DAG, newest first.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub(crate) struct DagRunPage {
    #[serde(default)]
    pub dag_runs: Vec<DagRun>,
    #[serde(default)]
    pub total_entries: u64,
}

/// One task of a run, at its latest try.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TaskInstance {
    pub task_id: String,
    /// `None` while the scheduler has not looked at it yet; otherwise Airflow's word
    /// (`success`, `failed`, `skipped`, `upstream_failed`, `running`, `up_for_retry`…).
    #[serde(default)]
    pub state: Option<String>,
    /// 0 until the first try starts.
    #[serde(default)]
    pub try_number: u32,
    #[serde(default)]
    pub max_tries: u32,
    /// -1 for a task that is not mapped.
    #[serde(default = "unmapped")]
    pub map_index: i64,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub end_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub operator: Option<String>,
}

impl TaskInstance {
    /// Failed in a way that clearing (re-running) the task addresses.
    pub fn is_failed(&self) -> bool {
        matches!(self.state.as_deref(), Some("failed" | "upstream_failed"))
    }
}

fn unmapped() -> i64 {
    -1
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub(crate) struct TaskInstancePage {
    #[serde(default)]
    pub task_instances: Vec<TaskInstance>,
    #[serde(default)]
    pub total_entries: u64,
}

/// A task instance that clearing touches (or, in a dry run, would touch).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ClearedTask {
    pub task_id: String,
    #[serde(default)]
    pub dag_run_id: Option<String>,
    /// v2 only (v1 answers references without a state).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default = "unmapped")]
    pub map_index: i64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub(crate) struct ClearedTasks {
    #[serde(default)]
    pub task_instances: Vec<ClearedTask>,
}

/// `POST /auth/token`'s answer.
#[derive(Deserialize)]
pub(crate) struct Token {
    pub access_token: String,
}

/// Dates as Airflow writes them (RFC 3339, `Z` or `+00:00`); anything else becomes `None`
/// so one odd field cannot make a whole run unreadable.
pub(crate) fn lenient_time<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let text = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(text
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAGS: &str = include_str!("../../../tests/fixtures/airflow/dags.json");
    const UNPAUSE: &str = include_str!("../../../tests/fixtures/airflow/unpause.json");
    const TRIGGER: &str = include_str!("../../../tests/fixtures/airflow/trigger.json");
    const DAGRUN: &str = include_str!("../../../tests/fixtures/airflow/dagrun.json");
    const TASKS: &str = include_str!("../../../tests/fixtures/airflow/taskinstances.json");

    #[test]
    fn a_real_v2_dag_list_parses_with_schedules() {
        let page: DagPage = serde_json::from_str(DAGS).unwrap();
        assert_eq!(page.total_entries, 114);
        assert_eq!(page.dags.len(), 2);
        let first = &page.dags[0];
        assert_eq!(first.dag_id, "aggregate_regional_sales");
        assert_eq!(first.is_paused, Some(true));
        assert_eq!(first.schedule().as_deref(), Some("Partitioned Asset"));
        assert_eq!(
            first
                .tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            ["aggregation", "example", "sales"]
        );
        // No summary: the timetable's words stand in.
        assert_eq!(
            page.dags[1].schedule().as_deref(),
            Some("Never, external triggers only")
        );
    }

    #[test]
    fn a_real_unpaused_dag_parses() {
        let dag: Dag = serde_json::from_str(UNPAUSE).unwrap();
        assert_eq!(dag.dag_id, "example_bash_operator");
        assert_eq!(dag.is_paused, Some(false));
        assert_eq!(dag.schedule().as_deref(), Some("0 0 * * *"));
        assert_eq!(
            dag.next_dagrun_run_after.map(|t| t.to_rfc3339()),
            Some("2026-11-26T00:00:00+00:00".to_string())
        );
    }

    #[test]
    fn a_v1_schedule_interval_object_gives_its_value() {
        let dag: Dag = serde_json::from_str(
            r#"{"dag_id":"d","is_paused":null,"schedule_interval":{"__type":"CronExpression","value":"@daily"},"timetable_description":"At 00:00"}"#,
        )
        .unwrap();
        assert_eq!(dag.is_paused, None);
        assert_eq!(dag.schedule().as_deref(), Some("@daily"));
    }

    #[test]
    fn real_runs_parse_queued_then_success() {
        let queued: DagRun = serde_json::from_str(TRIGGER).unwrap();
        assert_eq!(queued.state, RunState::Queued);
        assert!(!queued.state.is_terminal());
        assert_eq!(queued.logical_date, None);
        assert_eq!(queued.start_date, None);
        assert_eq!(queued.conf, Some(serde_json::json!({"source": "strata"})));
        let done: DagRun = serde_json::from_str(DAGRUN).unwrap();
        assert_eq!(done.dag_run_id, "manual__2026-11-26T11:43:15.056561+00:00");
        assert_eq!(done.state, RunState::Success);
        assert!(done.state.is_terminal());
        let took = done.end_date.unwrap() - done.start_date.unwrap();
        assert_eq!(took.num_milliseconds(), 15_734);
    }

    #[test]
    fn unknown_run_states_are_kept_verbatim() {
        let run: DagRun = serde_json::from_str(
            r#"{"dag_run_id":"r","state":"restarting","start_date":"garbage"}"#,
        )
        .unwrap();
        assert_eq!(run.state, RunState::Other("restarting".into()));
        assert!(!run.state.is_terminal());
        assert_eq!(run.start_date, None);
    }

    #[test]
    fn real_task_instances_parse_with_states_and_tries() {
        let page: TaskInstancePage = serde_json::from_str(TASKS).unwrap();
        assert_eq!(page.total_entries, 9);
        let by_id = |id: &str| {
            page.task_instances
                .iter()
                .find(|t| t.task_id == id)
                .unwrap()
        };
        let last = by_id("run_this_last");
        assert_eq!(
            (last.state.as_deref(), last.try_number),
            (Some("skipped"), 0)
        );
        let runme = by_id("runme_0");
        assert_eq!(
            (runme.state.as_deref(), runme.try_number),
            (Some("success"), 1)
        );
        assert_eq!(runme.map_index, -1);
        assert_eq!(runme.operator.as_deref(), Some("BashOperator"));
        assert!(runme.start_date.unwrap() < runme.end_date.unwrap());
        assert!(!page.task_instances.iter().any(TaskInstance::is_failed));
    }
}
