//! Airflow task tries from the task pod's log: the Airflow 3 task runner's JSON lines
//! (`event`, `try_number`, `Executing workload`, `Task failed with exception` with its
//! `error_detail`, the listener's `Task instance in <state> state` and previous-state lines,
//! the supervisor's `final_state`), Airflow 2's text task log (`Starting attempt 1 of 3`,
//! `Marking task as FAILED`), and plain Python tracebacks from what the task ran.

use serde_json::Value;

use super::{Failure, Outcome, RunDecoder, RunProgress, one_line};
use crate::logs::line::{Format, Level, LogLine};
use crate::logs::sanitize::plain_text;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum TaskState {
    #[default]
    Starting,
    Running,
    Success,
    Failed,
    UpForRetry,
    Skipped,
}

impl TaskState {
    /// Airflow's state names (`success`, `failed`, `up_for_retry`…), any case.
    fn of(name: &str) -> Option<TaskState> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "running" => TaskState::Running,
            "success" => TaskState::Success,
            "failed" | "failure" => TaskState::Failed,
            "up_for_retry" => TaskState::UpForRetry,
            "skipped" => TaskState::Skipped,
            _ => return None,
        })
    }

    fn words(self) -> &'static str {
        match self {
            TaskState::Starting => "starting",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Failed => "failed",
            TaskState::UpForRetry => "up for retry",
            TaskState::Skipped => "skipped",
        }
    }
}

/// Follows one Airflow task try (or several, when a pod log holds retries).
#[derive(Debug, Default)]
pub struct AirflowDecoder {
    dag: Option<String>,
    task: Option<String>,
    try_number: Option<u64>,
    max_tries: Option<u64>,
    state: TaskState,
    /// States in the order the log told them (`queued`, `running`, `failed`).
    states: Vec<String>,
    /// `Task failed with exception`: the exception's type and message.
    exception: Option<String>,
    in_traceback: bool,
    /// The exception line that ended the last traceback.
    traceback_error: Option<String>,
    /// The listener's `Failure caused by …`.
    caused_by: Option<String>,
    /// The last error-level message, for runs that fail without an exception.
    last_error: Option<String>,
    exit_code: Option<i64>,
    /// Why the earlier tries in this log failed (a retried task's viewer reads every try).
    earlier: Vec<Failure>,
}

/// `try_number=2` inside a repr.
fn repr_number(s: &str, key: &str) -> Option<u64> {
    let at = s.find(key)? + key.len();
    let digits: String = s[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `dag_id='example'` inside a repr.
fn repr_str<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let at = s.find(key)? + key.len();
    s[at..].split('\'').next()
}

impl AirflowDecoder {
    /// Why the current try failed, when it did.
    fn failure_reason(&self) -> Option<String> {
        if !matches!(self.state, TaskState::Failed | TaskState::UpForRetry) {
            return None;
        }
        // A BashOperator's own exception only says the command failed; the command's
        // traceback says why.
        let generic = self
            .exception
            .as_deref()
            .is_some_and(|e| e.contains("Bash command failed"));
        if generic && let Some(error) = &self.traceback_error {
            return Some(error.clone());
        }
        Some(
            self.exception
                .clone()
                .or_else(|| self.traceback_error.clone())
                .or_else(|| self.caused_by.clone())
                .or_else(|| self.last_error.clone())
                .or_else(|| {
                    self.exit_code
                        .filter(|c| *c != 0)
                        .map(|c| format!("the command exited with code {c}"))
                })
                .unwrap_or_else(|| "the task failed (no exception in the log)".to_string()),
        )
    }

    fn set_state(&mut self, state: TaskState, name: &str) {
        self.state = state;
        self.push_state(name);
    }

    fn push_state(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if self.states.last() != Some(&name) {
            self.states.push(name);
        }
    }

    fn set_try(&mut self, n: u64) {
        if self.try_number != Some(n) {
            // A new try in the same log starts over; why the last one failed is kept.
            if let Some(previous) = self.try_number {
                if let Some(reason) = self.failure_reason() {
                    self.earlier.push(Failure {
                        what: format!("try {previous}"),
                        error: reason,
                    });
                }
                self.state = TaskState::Starting;
                self.states.clear();
                self.exception = None;
                self.traceback_error = None;
                self.caused_by = None;
                self.last_error = None;
                self.exit_code = None;
            }
            self.try_number = Some(n);
        }
    }

    /// What any line says, whatever its format: the message text of a JSON line or the
    /// whole plain line.
    fn message(&mut self, msg: &str, level: Level) {
        let trimmed = msg.trim_end();
        if trimmed.contains("Traceback (most recent call last)") {
            self.in_traceback = true;
        } else if self.in_traceback {
            let continuation = trimmed.is_empty()
                || trimmed.starts_with(' ')
                || trimmed.starts_with('\t')
                || trimmed.starts_with("During handling of the above exception")
                || trimmed.starts_with("The above exception was the direct cause");
            if !continuation {
                self.traceback_error = Some(one_line(trimmed));
                self.in_traceback = false;
            }
        }
        if msg.contains("Task instance is in running state") {
            self.set_state(TaskState::Running, "running");
        } else if let Some(rest) = msg.split("Previous state of the Task instance:").nth(1) {
            // `TaskInstanceState.QUEUED`: the state before the transition just logged.
            let prev = rest
                .trim()
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !prev.is_empty() && self.states.len() <= 1 && !self.states.contains(&prev) {
                self.states.insert(0, prev);
            }
        } else if let Some(rest) = msg.trim().strip_prefix("Task instance in ")
            && let Some(state) = rest.strip_suffix(" state")
            && let Some(s) = TaskState::of(state)
        {
            let name = if s == TaskState::Failed {
                "failed"
            } else {
                state
            };
            self.set_state(s, name);
        } else if let Some(rest) = msg.trim().strip_prefix("Failure caused by ") {
            self.caused_by = Some(one_line(rest));
        } else if let Some(rest) = msg.split("Command exited with return code ").nth(1) {
            self.exit_code = rest.trim().parse().ok();
        } else if let Some(rest) = msg.split("Starting attempt ").nth(1) {
            // Airflow 2: `Starting attempt 1 of 3`.
            let mut words = rest.split_whitespace();
            if let Some(n) = words.next().and_then(|w| w.parse().ok()) {
                self.set_try(n);
                self.set_state(TaskState::Running, "running");
            }
            if words.next() == Some("of") {
                self.max_tries = words.next().and_then(|w| w.parse().ok());
            }
        } else if let Some(rest) = msg.split("Marking task as ").nth(1) {
            // Airflow 2: `Marking task as UP_FOR_RETRY. dag_id=…`.
            let word = rest.split(['.', ' ']).next().unwrap_or("");
            if let Some(s) = TaskState::of(word) {
                self.set_state(s, &word.to_ascii_lowercase());
            }
        } else if msg.contains("Task failed with exception") {
            if !matches!(self.state, TaskState::UpForRetry) {
                self.set_state(TaskState::Failed, "failed");
            }
        } else if level >= Level::Error && !trimmed.is_empty() && !self.in_traceback {
            self.last_error = Some(one_line(trimmed));
        }
    }

    fn feed_json(&mut self, text: &str, level: Level) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return false;
        };
        let Some(event) = v["event"].as_str() else {
            return false;
        };
        let event = plain_text_lines(event);
        if let Some(n) = v["try_number"]
            .as_u64()
            .or_else(|| v["try_number"].as_str().and_then(|s| s.parse().ok()))
        {
            self.set_try(n);
        }
        if let Some(d) = v["dag_id"].as_str() {
            self.dag = Some(plain_text(d));
        }
        if let Some(t) = v["task_id"].as_str() {
            self.task = Some(plain_text(t));
        }
        if event == "Executing workload"
            && let Some(w) = v["workload"].as_str()
        {
            if let Some(n) = repr_number(w, "try_number=") {
                self.set_try(n);
            }
            if let Some(d) = repr_str(w, "dag_id='") {
                self.dag = Some(plain_text(d));
            }
            if let Some(t) = repr_str(w, "task_id='") {
                self.task = Some(plain_text(t));
            }
        }
        if event == "Task failed with exception" {
            // structlog's dict tracebacks: the raised exception first, its causes after.
            let detail = &v["error_detail"][0];
            let from_detail = detail["exc_type"].as_str().map(|t| {
                let value = detail["exc_value"].as_str().unwrap_or("");
                if value.is_empty() {
                    t.to_string()
                } else {
                    format!("{t}: {value}")
                }
            });
            // Without dict tracebacks, an `exception` string holds the formatted traceback.
            let from_text = v["exception"].as_str().and_then(|e| {
                e.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map(str::to_string)
            });
            if let Some(e) = from_detail.or(from_text) {
                self.exception = Some(one_line(&plain_text(&e)));
            }
        }
        if event == "Task finished"
            && let Some(state) = v["final_state"].as_str()
            && let Some(s) = TaskState::of(state)
        {
            self.set_state(s, state);
        }
        let level = v["level"]
            .as_str()
            .and_then(crate::logs::level::level_from_name)
            .unwrap_or(level);
        for line in event.lines() {
            self.message(line, level);
        }
        true
    }
}

/// A JSON string value made safe, keeping its line breaks (a traceback printed at once).
fn plain_text_lines(s: &str) -> String {
    s.lines().map(plain_text).collect::<Vec<_>>().join("\n")
}

impl RunDecoder for AirflowDecoder {
    fn feed(&mut self, line: &LogLine) {
        if line.format == Format::Json && self.feed_json(&line.text, line.level) {
            return;
        }
        self.message(&line.text, line.level);
    }

    fn progress(&self) -> RunProgress {
        let what = match (&self.dag, &self.task) {
            (Some(d), Some(t)) => format!("{d}.{t}"),
            (None, Some(t)) => t.clone(),
            (Some(d), None) => d.clone(),
            (None, None) => "task".to_string(),
        };
        let mut headline = format!("airflow {what}");
        if let Some(n) = self.try_number {
            match self.max_tries {
                Some(m) => headline.push_str(&format!(" · try {n} of {m}")),
                None => headline.push_str(&format!(" · try {n}")),
            }
        }
        headline.push_str(" · ");
        headline.push_str(self.state.words());
        let finished = match self.state {
            TaskState::Success | TaskState::Skipped => Some(Outcome::Succeeded),
            TaskState::Failed | TaskState::UpForRetry => Some(Outcome::Failed),
            TaskState::Starting | TaskState::Running => None,
        };
        let reason = self.failure_reason();
        if reason.is_none()
            && let Some(last) = self.earlier.last()
        {
            headline.push_str(&format!(" · {} failed: {}", last.what, last.error));
        }
        let mut failures = self.earlier.clone();
        failures.extend(reason.iter().map(|r| Failure {
            what: what.clone(),
            error: r.clone(),
        }));
        RunProgress {
            headline,
            failures,
            finished,
            reason,
            attempt: self.try_number,
            states: self.states.clone(),
            ..RunProgress::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    fn decode(lines: &[&str]) -> RunProgress {
        let mut d = AirflowDecoder::default();
        for l in lines {
            d.feed(&parse_line(0, l.as_bytes(), false));
        }
        d.progress()
    }

    /// The task runner's lines of a successful try, from a real Airflow 3 task log (the
    /// REST API's `content` entries of `example_bash_operator.runme_0`, one per line as the
    /// pod writes them).
    const SUCCESS: &[&str] = &[
        r#"{"timestamp":"2026-11-26T11:43:17.456836Z","event":"::group::Pre Execute","level":"info","logger":"task","filename":"task_runner.py","lineno":2412}"#,
        r#"{"timestamp":"2026-11-26T11:43:25.318031Z","event":"DAG bundles loaded: dags-folder, example_dags","level":"info","dag_id":"example_bash_operator","task_id":"runme_0","run_id":"manual__2026-11-26T11:43:15.056561+00:00","try_number":1,"ti_id":"01a217aa-bd17-7f45-b439-723ee612b056","map_index":-1,"logger":"airflow.dag_processing.bundles.manager.DagBundlesManager","filename":"manager.py","lineno":304}"#,
        r#"{"timestamp":"2026-11-26T11:43:25.614025Z","event":"Task instance is in running state","level":"info","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T11:43:25.620564Z","event":" Previous state of the Task instance: TaskInstanceState.QUEUED","level":"info","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T11:43:25.621036Z","event":"Current task name:runme_0","level":"info","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T11:43:25.622694Z","event":"Running command: ['/usr/bin/bash', '-c', 'echo \"example_bash_operator__runme_0\" && sleep 1']","level":"info","dag_id":"example_bash_operator","task_id":"runme_0","try_number":1,"logger":"airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook"}"#,
        r#"{"timestamp":"2026-11-26T11:43:26.891123Z","event":"Command exited with return code 0","level":"info","dag_id":"example_bash_operator","task_id":"runme_0","try_number":1,"logger":"airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook"}"#,
        r#"{"timestamp":"2026-11-26T11:43:26.892796Z","event":"::group::Post Execute","level":"info","dag_id":"example_bash_operator","task_id":"runme_0","try_number":1,"logger":"task"}"#,
        r#"{"timestamp":"2026-11-26T11:43:27.046708Z","event":"Task instance in success state","level":"info","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T11:43:27.047061Z","event":" Previous state of the Task instance: TaskInstanceState.RUNNING","level":"info","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T11:43:27.047213Z","event":"Task operator:<Task(BashOperator): runme_0>","level":"info","logger":"task.stdout"}"#,
    ];

    #[test]
    fn airflow3_successful_try() {
        let p = decode(SUCCESS);
        assert_eq!(p.finished, Some(Outcome::Succeeded));
        assert_eq!(
            p.headline,
            "airflow example_bash_operator.runme_0 · try 1 · success"
        );
        assert_eq!(p.attempt, Some(1));
        assert_eq!(p.states, ["queued", "running", "success"]);
        assert_eq!(p.reason, None);
        assert!(p.failures.is_empty());
        // Mid-run: running, not finished.
        let p = decode(&SUCCESS[..6]);
        assert_eq!(p.finished, None);
        assert!(p.headline.ends_with("· try 1 · running"), "{}", p.headline);
    }

    /// A failed try as the simulator writes it (the same task runner shapes).
    const FAILED: &[&str] = &[
        r#"{"timestamp":"2026-11-26T12:00:00.000123Z","level":"info","event":"Executing workload","workload":"ExecuteTask(ti=TaskInstance(id=UUID('0196'), task_id='load_orders', dag_id='daily_sales_etl', run_id='scheduled__2026-11-26T11:00:00+00:00', try_number=2, map_index=-1, pool_slots=1), log_path='x')","logger":"__main__"}"#,
        r#"{"timestamp":"2026-11-26T12:00:09.000456Z","level":"info","event":"Task instance is in running state","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T12:00:19.000456Z","level":"info","event":"Command exited with return code 1","dag_id":"daily_sales_etl","task_id":"load_orders","run_id":"scheduled__2026-11-26T11:00:00+00:00","try_number":2,"logger":"airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook","filename":"subprocess.py","lineno":115}"#,
        r#"{"timestamp":"2026-11-26T12:00:19.000789Z","level":"error","event":"Task failed with exception","dag_id":"daily_sales_etl","task_id":"load_orders","run_id":"scheduled__2026-11-26T11:00:00+00:00","try_number":2,"error_detail":[{"exc_type":"AirflowException","exc_value":"Bash command failed. The command returned a non-zero exit code 1.","exc_notes":[],"syntax_error":null,"is_cause":false,"frames":[{"filename":"/home/airflow/.local/lib/python3.12/site-packages/airflow/sdk/execution_time/task_runner.py","lineno":920,"name":"run"}]}],"logger":"task","filename":"task_runner.py","lineno":1032}"#,
        r#"{"timestamp":"2026-11-26T12:00:19.100789Z","level":"info","event":"Task instance in failure state","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T12:00:19.100889Z","level":"info","event":" Previous state of the Task instance: TaskInstanceState.RUNNING","logger":"task.stdout"}"#,
        r#"{"timestamp":"2026-11-26T12:00:19.100989Z","level":"info","event":"Failure caused by Bash command failed. The command returned a non-zero exit code 1.","logger":"task.stdout"}"#,
    ];

    #[test]
    fn airflow3_failed_try_gives_the_exception() {
        let p = decode(FAILED);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(p.attempt, Some(2));
        assert_eq!(
            p.headline,
            "airflow daily_sales_etl.load_orders · try 2 · failed"
        );
        assert_eq!(
            p.reason.as_deref(),
            Some(
                "AirflowException: Bash command failed. The command returned a non-zero exit code 1."
            )
        );
        assert_eq!(p.failures.len(), 1);
        assert_eq!(p.failures[0].what, "daily_sales_etl.load_orders");
        assert_eq!(p.states, ["running", "failed"]);
        // Without the listener's state lines the exception alone marks the try failed.
        let p = decode(&FAILED[..4]);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert!(p.reason.unwrap().starts_with("AirflowException: "));
    }

    #[test]
    fn a_plain_traceback_gives_its_last_line() {
        // A KubernetesPodOperator pod running a Python script: plain stderr.
        let p = decode(&[
            "[2026-11-26, 12:00:00 UTC] {taskinstance.py:2614} INFO - Starting attempt 1 of 3",
            "loading orders",
            "Traceback (most recent call last):",
            "  File \"/app/load.py\", line 12, in <module>",
            "    conn = psycopg2.connect(DSN)",
            "           ^^^^^^^^^^^^^^^^^^^^^",
            "psycopg2.OperationalError: connection to server at \"orders-db\" (10.96.1.2), port 5432 failed: Connection refused",
            "\tIs the server running on that host and accepting TCP/IP connections?",
            "[2026-11-26, 12:00:01 UTC] {taskinstance.py:1225} INFO - Marking task as UP_FOR_RETRY. dag_id=daily_sales_etl, task_id=load_orders",
        ]);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(p.headline, "airflow task · try 1 of 3 · up for retry");
        assert_eq!(
            p.reason.as_deref(),
            Some(
                "psycopg2.OperationalError: connection to server at \"orders-db\" (10.96.1.2), port 5432 failed: Connection refused"
            )
        );
        assert_eq!(p.states, ["running", "up_for_retry"]);
    }

    #[test]
    fn airflow2_success() {
        let p = decode(&[
            "[2026-11-26, 12:00:00 UTC] {taskinstance.py:2614} INFO - Starting attempt 2 of 2",
            "[2026-11-26, 12:00:05 UTC] {taskinstance.py:1225} INFO - Marking task as SUCCESS. dag_id=d, task_id=t",
        ]);
        assert_eq!(p.finished, Some(Outcome::Succeeded));
        assert_eq!(p.attempt, Some(2));
    }
}
