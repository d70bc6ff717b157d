//! Why failed runs failed, in the tool's own words: the tail of a failed try's log, read
//! once per try and decoded (dbt's failing model and its SQL error, the Airflow task's
//! exception, the Airbyte connector's error), else its last error line. The objects say
//! "exit code 1"; the log says "column customer_id does not exist". Bounded: the newest
//! failed runs only, two reads at a time, a few hundred lines each.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::logs::{Level, LogLine, decoder_for, parse_line};
use crate::stack::{Run, RunState, StackReport};

/// Lines of each container read: the end of a run's log holds its failure summary.
const TAIL_LINES: i64 = 400;
/// Bytes of each container read at most (a run printing huge lines stays cheap).
const LIMIT_BYTES: i64 = 512 * 1024;
/// Failed runs looked at, newest first.
const NEWEST: usize = 30;
/// Reads at a time.
const PARALLEL: usize = 2;
/// Longest reason kept.
const MAX_REASON: usize = 300;

/// A failed try, by run and the pods it read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Asked {
    run: String,
    pods: Vec<String>,
    /// `try 1 failed: ` when a newer try goes on, so the reason reads as the past.
    prefix: String,
}

/// A read to make.
struct Job {
    asked: Asked,
    tool: Option<String>,
    namespace: String,
}

/// Reads failed runs' logs for their reasons, in the background of the layers feed.
pub struct RunReasons {
    client: kube::Client,
    asked: HashSet<Asked>,
    waiting: VecDeque<Job>,
    tasks: JoinSet<()>,
    results: mpsc::UnboundedReceiver<(String, Option<String>)>,
    sender: mpsc::UnboundedSender<(String, Option<String>)>,
    /// Reads started whose result has not been taken yet. A finished task may have its
    /// result still in the channel, so this, not the task set, says whether reads are
    /// pending.
    outstanding: usize,
    /// Reasons found, by run id.
    found: HashMap<String, String>,
}

impl RunReasons {
    pub fn new(client: kube::Client) -> RunReasons {
        let (sender, results) = mpsc::unbounded_channel();
        RunReasons {
            client,
            asked: HashSet::new(),
            waiting: VecDeque::new(),
            tasks: JoinSet::new(),
            results,
            sender,
            outstanding: 0,
            found: HashMap::new(),
        }
    }

    /// Asks for the reasons of the newest failed (or retrying) runs not read yet.
    pub fn want(&mut self, runs: &[Run]) {
        let failed = runs
            .iter()
            .filter(|r| matches!(r.state, RunState::Failed | RunState::Retrying))
            .take(NEWEST);
        let mut current = HashSet::new();
        for run in failed {
            let Some(asked) = failed_try(run) else {
                continue;
            };
            current.insert(run.id.clone());
            if self.asked.insert(asked.clone()) {
                self.waiting.push_back(Job {
                    asked,
                    tool: run.tool.clone(),
                    namespace: run.namespace.clone(),
                });
            }
        }
        // Forget runs that are gone, so memory follows the cluster.
        self.asked.retain(|a| current.contains(&a.run));
        self.found.retain(|run, _| current.contains(run));
        self.start();
    }

    /// Whether reads are still going or waiting.
    pub fn pending(&self) -> bool {
        !self.waiting.is_empty() || self.outstanding > 0
    }

    /// Every reason found so far, by run id.
    pub fn found(&self) -> &HashMap<String, String> {
        &self.found
    }

    /// Waits for the next reason read (never resolves while nothing is pending).
    pub async fn next(&mut self) -> (String, Option<String>) {
        loop {
            tokio::select! {
                Some(result) = self.results.recv() => {
                    self.outstanding = self.outstanding.saturating_sub(1);
                    if let (run, Some(reason)) = &result {
                        self.found.insert(run.clone(), reason.clone());
                    }
                    return result;
                }
                Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    // A read that panicked sent nothing: it is no longer awaited.
                    if joined.is_err() {
                        self.outstanding = self.outstanding.saturating_sub(1);
                    }
                    self.start();
                }
            }
        }
    }

    fn start(&mut self) {
        while self.tasks.len() < PARALLEL {
            let Some(job) = self.waiting.pop_front() else {
                return;
            };
            let api: Api<Pod> = Api::namespaced(self.client.clone(), &job.namespace);
            let sender = self.sender.clone();
            self.outstanding += 1;
            self.tasks.spawn(async move {
                let reason = read_reason(&api, &job.asked.pods, job.tool.as_deref())
                    .await
                    .map(|r| format!("{}{r}", job.asked.prefix));
                let _ = sender.send((job.asked.run, reason));
            });
        }
    }
}

/// The pods of the try that failed: the newest failed ones (the newest try's when the
/// run failed, the last failed try's when it is retrying), else every pod it has.
fn failed_try(run: &Run) -> Option<Asked> {
    let failed: Vec<&crate::stack::RunPod> =
        run.pods.iter().filter(|p| p.phase == "Failed").collect();
    let prefix = match failed.last() {
        Some(last) if run.state == RunState::Retrying => match last.try_number {
            Some(n) => format!("try {n} failed: "),
            None => "a try failed: ".to_string(),
        },
        _ => String::new(),
    };
    let pods: Vec<String> = match failed.last() {
        Some(last) => failed
            .iter()
            .filter(|p| p.try_number == last.try_number)
            .map(|p| p.name.clone())
            .collect(),
        None if run.state == RunState::Failed => run.pods.iter().map(|p| p.name.clone()).collect(),
        None => Vec::new(),
    };
    (!pods.is_empty()).then(|| Asked {
        run: run.id.clone(),
        pods,
        prefix,
    })
}

/// The runs and the report with the reasons read from logs in place of the objects' own
/// (`exit code 1` becomes the tool's error); shared as they were when nothing changes.
pub fn apply(
    found: &HashMap<String, String>,
    report: Arc<StackReport>,
    runs: Arc<Vec<Run>>,
) -> (Arc<StackReport>, Arc<Vec<Run>>) {
    if found.is_empty() {
        return (report, runs);
    }
    let differs = |id: &str, reason: &Option<String>| {
        found
            .get(id)
            .is_some_and(|f| reason.as_deref() != Some(f.as_str()))
    };
    let runs = if runs.iter().any(|r| differs(&r.id, &r.reason)) {
        let mut patched = (*runs).clone();
        for run in &mut patched {
            if let Some(reason) = found.get(&run.id) {
                run.reason = Some(reason.clone());
            }
        }
        Arc::new(patched)
    } else {
        runs
    };
    let stale = report.components().any(|c| {
        c.runs
            .last_failure
            .as_ref()
            .is_some_and(|f| differs(&f.run, &f.reason))
    });
    let report = if stale {
        let mut patched = (*report).clone();
        for component in patched.layers.iter_mut().flat_map(|l| &mut l.components) {
            if let Some(failure) = &mut component.runs.last_failure
                && let Some(reason) = found.get(&failure.run)
            {
                failure.reason = Some(reason.clone());
            }
        }
        Arc::new(patched)
    } else {
        report
    };
    (report, runs)
}

/// Reads the tails of the pods' containers, merged by time, and decodes why the run failed.
async fn read_reason(api: &Api<Pod>, pods: &[String], tool: Option<&str>) -> Option<String> {
    let mut lines: Vec<LogLine> = Vec::new();
    for (source, pod) in pods.iter().enumerate() {
        let Ok(object) = api.get(pod).await else {
            continue;
        };
        let mut containers: Vec<String> = Vec::new();
        if let Some(spec) = &object.spec {
            for c in spec.init_containers.iter().flatten() {
                containers.push(c.name.clone());
            }
            for c in &spec.containers {
                containers.push(c.name.clone());
            }
        }
        for container in containers {
            let params = LogParams {
                container: Some(container),
                tail_lines: Some(TAIL_LINES),
                limit_bytes: Some(LIMIT_BYTES),
                timestamps: true,
                ..LogParams::default()
            };
            // A container that never started has no log; forbidden logs leave the reason
            // the objects gave.
            let Ok(text) = api.logs(pod, &params).await else {
                continue;
            };
            let source = u16::try_from(source).unwrap_or(u16::MAX);
            lines.extend(text.lines().map(|l| parse_line(source, l.as_bytes(), true)));
        }
    }
    reason_of(&mut lines, tool)
}

/// The tool's decoder's reason, else the message of the last error line (its time, logger
/// and level dropped).
fn reason_of(lines: &mut [LogLine], tool: Option<&str>) -> Option<String> {
    lines.sort_by_key(|l| l.at);
    let decoded = tool.and_then(decoder_for).and_then(|mut decoder| {
        for line in lines.iter() {
            decoder.feed(line);
        }
        let progress = decoder.progress();
        progress
            .reason
            .or_else(|| progress.failures.last().map(|f| f.error.clone()))
    });
    let reason = decoded.or_else(|| {
        lines
            .iter()
            .rev()
            .find(|l| matches!(l.level, Level::Error | Level::Fatal))
            .map(crate::logs::message_of)
    })?;
    let line = reason.lines().next().unwrap_or_default().trim();
    if line.is_empty() {
        return None;
    }
    Some(match line.char_indices().nth(MAX_REASON) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::RunPod;

    fn run(state: RunState, pods: &[(&str, &str, Option<u32>)]) -> Run {
        Run {
            id: "etl/x".into(),
            kind: "Pod".into(),
            namespace: "etl".into(),
            tool: Some("airflow".into()),
            tool_name: None,
            component: "airflow".into(),
            series: None,
            name: "x".into(),
            title: String::new(),
            noun: String::new(),
            try_number: None,
            tries: 1,
            state,
            started: None,
            finished: None,
            pods: pods
                .iter()
                .map(|(name, phase, try_number)| RunPod {
                    namespace: "etl".into(),
                    name: name.to_string(),
                    containers: vec!["base".into()],
                    phase: phase.to_string(),
                    try_number: *try_number,
                })
                .collect(),
            follow_selector: None,
            reason: None,
        }
    }

    #[test]
    fn the_failed_try_is_read_not_the_running_one() {
        let retrying = run(
            RunState::Retrying,
            &[("t1", "Failed", Some(1)), ("t2", "Running", Some(2))],
        );
        let asked = failed_try(&retrying).unwrap();
        assert_eq!(asked.pods, ["t1"]);
        assert_eq!(asked.prefix, "try 1 failed: ");
        let failed = run(
            RunState::Failed,
            &[("t1", "Failed", Some(1)), ("t2", "Failed", Some(2))],
        );
        let asked = failed_try(&failed).unwrap();
        assert_eq!(asked.pods, ["t2"]);
        assert_eq!(asked.prefix, "");
        // A failed Job whose pods show no phase yet: read them all.
        let job = run(RunState::Failed, &[("p", "Unknown", None)]);
        assert_eq!(failed_try(&job).unwrap().pods, ["p"]);
        let retrying_without_failed_pod = run(RunState::Retrying, &[("t2", "Running", Some(2))]);
        assert_eq!(failed_try(&retrying_without_failed_pod), None);
    }

    #[test]
    fn the_real_dbt_log_gives_the_model_error() {
        let text = include_str!("../../tests/fixtures/dbt/dbt-build-text.log");
        let mut lines: Vec<LogLine> = text
            .lines()
            .map(|l| parse_line(0, l.as_bytes(), false))
            .collect();
        let reason = reason_of(&mut lines, Some("dbt")).unwrap();
        assert!(
            reason.contains("broken_model") || reason.contains("missing_column"),
            "{reason}"
        );
        assert!(!reason.contains('\x1b'));
    }

    #[test]
    fn without_a_decoder_the_last_error_lines_message_is_the_reason() {
        let mut lines: Vec<LogLine> = [
            "level=info msg=starting",
            "level=error msg=\"cannot reach s3\"",
            "level=info msg=exiting",
        ]
        .iter()
        .map(|l| parse_line(0, l.as_bytes(), false))
        .collect();
        assert_eq!(
            reason_of(&mut lines, Some("spark")).as_deref(),
            Some("cannot reach s3")
        );
        let mut quiet: Vec<LogLine> = vec![parse_line(0, b"all good", false)];
        assert_eq!(reason_of(&mut quiet, None), None);
    }

    #[test]
    fn long_reasons_are_cut_on_a_character_boundary() {
        let long = format!("ERROR {}", "é".repeat(1000));
        let mut lines = vec![parse_line(0, long.as_bytes(), false)];
        let reason = reason_of(&mut lines, None).unwrap();
        assert_eq!(reason.chars().count(), MAX_REASON + 1);
        assert!(reason.ends_with('…'));
    }
}
