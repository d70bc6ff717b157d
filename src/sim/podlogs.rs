//! Scripted container logs per tool (Airbyte sync, Airflow task, dbt run, Spark driver…) in
//! each tool's real output format, generated deterministically from the pod and its timeline.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One line a container wrote, with the time it wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// One run of one container: the pod it belongs to and when it started and ended.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRun<'a> {
    pub pod: &'a Value,
    pub container: &'a str,
    /// 0 for the first start, then the restart count of this instance.
    pub attempt: u32,
    pub started: DateTime<Utc>,
    /// When it exited, and with which code; None while it runs.
    pub finished: Option<(DateTime<Utc>, i32)>,
}

/// The lines this container run wrote with `from <= at < until`, in time order. Calling it for
/// adjacent windows yields each line exactly once.
pub fn lines(run: &ContainerRun<'_>, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<LogLine> {
    // Placeholder until the per-tool scripts land: one start line.
    if run.started >= from && run.started < until {
        vec![LogLine {
            at: run.started,
            text: format!("starting {}", run.container),
        }]
    } else {
        Vec::new()
    }
}
