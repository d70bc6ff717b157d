//! `strata trigger dbt CRONJOB`: a Job from a dbt CronJob, as `kubectl create job
//! --from=cronjob/CRONJOB` makes it, optionally with another dbt command; with `--wait`, its
//! log as it runs and, at the end, how it went — dbt's progress, the failing models and tests
//! — with the exit code saying it (0 succeeded, 1 failed).

use std::io::{IsTerminal, Write};

use k8s_openapi::api::batch::v1::Job;
use kube::api::Api;

use super::CommandError;
use super::prompt::ask;
use crate::cluster::logs::{LogFollow, LogNote, LogQuery, LogSource, LogWindow};
use crate::cluster::trigger::create_from_cronjob;
use crate::cluster::{Cache, ConnectTarget, connect, probe};
use crate::logs::{Outcome, RunProgress, decoder_for, parse_line};
use crate::stack::dbt_command::DbtCommand;

/// Exit code of a run that failed.
pub const EXIT_RUN_FAILED: i32 = 1;

/// What every trigger command shares: where, whether to follow the run, how the operator
/// confirmed, and the guard's settings.
#[derive(Clone, Debug)]
pub struct TriggerCommon {
    pub target: ConnectTarget,
    /// `-n`: where the target is (or where to look for the tool).
    pub namespace: Option<String>,
    /// `--wait`: follow the run to its end.
    pub wait: bool,
    /// `--yes`: no question asked (scripts), except on production contexts.
    pub yes: bool,
    /// `--confirm NAME`: the target's name, which production contexts ask for.
    pub confirm: Option<String>,
    /// Read-only and production, per context.
    pub policies: crate::guard::Policies,
    /// Where the mutation is recorded; none refuses it.
    pub audit_log: Option<std::path::PathBuf>,
}

/// The exit code of a trigger command, its error said on stderr.
pub fn exit_code(result: Result<i32, CommandError>) -> i32 {
    match result {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            super::EXIT_ERROR
        }
    }
}

#[derive(Clone, Debug)]
pub struct TriggerDbtOptions {
    pub common: TriggerCommon,
    pub cronjob: String,
    /// `--command "dbt build --select orders+"`: instead of the template's dbt command.
    pub command: Option<String>,
}

/// Runs the command; the process exit code.
pub async fn dbt_main(options: TriggerDbtOptions) -> i32 {
    exit_code(dbt(&options).await)
}

pub async fn dbt(options: &TriggerDbtOptions) -> Result<i32, CommandError> {
    // A bad command line is said before anything else happens.
    let command = options
        .command
        .as_deref()
        .map(DbtCommand::parse)
        .transpose()
        .map_err(|e| CommandError::Target(format!("--command: {e}")))?;
    let (connection, namespace) = connect_in(&options.common).await?;
    let guard = guard_for(&connection, &options.common)?;
    let mutation =
        crate::app::trigger::trigger_mutation(&namespace, &options.cronjob, command.as_ref());
    // Read-only is refused before anything is asked of the server.
    let approval = guard
        .check(&mutation)
        .await
        .map_err(|refusal| CommandError::Target(refusal.to_string()))?;
    probe(&connection).await?;
    let confirmed = confirm(
        approval,
        options.common.yes,
        options.common.confirm.as_deref(),
        || {
            let what = match &command {
                Some(command) => format!("running `{}`", command.line()),
                None => "running the template's command".to_string(),
            };
            format!(
                "A Job from cronjob/{} in {namespace}, {what}.",
                options.cronjob
            )
        },
    )?;
    let created = create_from_cronjob(
        &connection.client,
        &namespace,
        &options.cronjob,
        command.as_ref(),
    )
    .await;
    let outcome = match &created {
        Ok(job) => crate::guard::Outcome::ok(format!(
            "job {} created",
            job.metadata.name.as_deref().unwrap_or_default()
        )),
        Err(error) => crate::guard::Outcome::failed(error),
    };
    let what = match &created {
        Ok(job) => format!(
            "job.batch/{} was created",
            job.metadata.name.as_deref().unwrap_or_default()
        ),
        Err(_) => "the Job was not created".to_string(),
    };
    record(confirmed, outcome, &what);
    let job = created.map_err(|e| CommandError::Target(e.to_string()))?;
    let name = job.metadata.name.clone().unwrap_or_default();
    println!("job.batch/{name} created");
    if !options.common.wait {
        return Ok(0);
    }
    let cache = Cache::new(connection.client.clone());
    let ended = follow_job(&cache, &namespace, &job).await?;
    println!("{}", summary(&name, &ended));
    Ok(match ended.outcome {
        Outcome::Succeeded => 0,
        Outcome::Failed => EXIT_RUN_FAILED,
    })
}

/// The connection and the namespace to act in: `-n`, else the context's.
pub(crate) async fn connect_in(
    common: &TriggerCommon,
) -> Result<(crate::cluster::Connection, String), CommandError> {
    let connection = connect(&common.target).await?;
    let namespace = common
        .namespace
        .clone()
        .unwrap_or_else(|| connection.default_namespace.clone());
    Ok((connection, namespace))
}

/// The guard of a headless command: the context's policy and the audit log, which it cannot
/// change anything without.
pub(crate) fn guard_for(
    connection: &crate::cluster::Connection,
    common: &TriggerCommon,
) -> Result<crate::guard::Guard, CommandError> {
    let audit_log = common.audit_log.clone().ok_or_else(|| {
        CommandError::Target(
            "there is no home directory to keep the audit log in, and Strata changes nothing it \
             cannot record; nothing was changed"
                .into(),
        )
    })?;
    Ok(crate::guard::Guard::for_connection(
        connection,
        &common.target,
        &common.policies,
        audit_log,
    ))
}

/// A read-only context refuses a change through a tool's API before the tool is even looked
/// for (the refusal recorded in the audit log); the target is as the operator named it.
pub(crate) async fn refuse_if_readonly(
    guard: &crate::guard::Guard,
    action: &str,
    target: crate::guard::Target,
) -> Result<(), CommandError> {
    if guard.policy().is_readonly() {
        let asked = crate::guard::Mutation::new(action, target);
        guard
            .check(&asked)
            .await
            .map_err(|refusal| CommandError::Target(refusal.to_string()))?;
    }
    Ok(())
}

/// The operator's go-ahead: `--yes` / `--confirm NAME` (and no terminal to ask on), else the
/// guard's question after `describe()` says what is about to happen.
pub(crate) fn confirm(
    approval: crate::guard::Approval,
    yes: bool,
    name: Option<&str>,
    describe: impl FnOnce() -> String,
) -> Result<crate::guard::Confirmed, CommandError> {
    if yes || name.is_some() || !std::io::stdin().is_terminal() {
        approval.confirmed_by_flags(yes, name)
    } else {
        eprintln!("{}", describe());
        let answer = ask(&approval.prompt())?;
        approval.confirmed(&answer)
    }
    .map_err(|refusal| CommandError::Target(refusal.to_string()))
}

/// Records how the change went; a failure to record is said but does not undo the change.
pub(crate) fn record(
    confirmed: crate::guard::Confirmed,
    outcome: crate::guard::Outcome,
    what: &str,
) {
    if let Err(error) = confirmed.record(outcome) {
        eprintln!("warning: {what}, but it could not be recorded in the audit log: {error}");
    }
}

/// Records how an action through a tool's API went: on success `done` gives the outcome and
/// the words for a warning if it cannot be recorded; on failure the error is the outcome and
/// `not_done` those words.
pub(crate) fn record_result<T, E: std::fmt::Display>(
    confirmed: crate::guard::Confirmed,
    result: &Result<T, E>,
    done: impl FnOnce(&T) -> (String, String),
    not_done: &str,
) {
    let (outcome, what) = match result {
        Ok(value) => {
            let (outcome, what) = done(value);
            (crate::guard::Outcome::ok(outcome), what)
        }
        Err(error) => (crate::guard::Outcome::failed(error), not_done.to_string()),
    };
    record(confirmed, outcome, &what);
}

/// How a followed Job ended, with what its dbt log said.
#[derive(Clone, Debug)]
pub struct JobEnd {
    pub outcome: Outcome,
    /// From the Job's status (`BackoffLimitExceeded: …`) or its pod (`exit code 1`).
    pub reason: Option<String>,
    pub progress: RunProgress,
}

/// Prints the Job's log as it runs and returns once the Job has completed or failed and its
/// containers' logs have ended.
pub async fn follow_job(cache: &Cache, namespace: &str, job: &Job) -> Result<JobEnd, CommandError> {
    let name = job.metadata.name.clone().unwrap_or_default();
    let selector = job
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .and_then(|s| s.match_labels.as_ref())
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_else(|| format!("job-name={name}"));
    let mut query = LogQuery::pods(namespace, Vec::new());
    query.selectors = vec![selector];
    query.window = LogWindow::All;
    query.follow = true;
    let follower = LogFollow::start(cache, query);
    let jobs: Api<Job> = Api::namespaced(cache.client().clone(), namespace);
    let mut decoder = decoder_for("dbt");
    let mut sources: Vec<LogSource> = Vec::new();
    let mut ended_sources = 0usize;
    let mut finished: Option<(Outcome, Option<String>)> = None;
    let mut finished_at: Option<tokio::time::Instant> = None;
    let mut poll = tokio::time::interval(std::time::Duration::from_secs(1));
    let stdout = std::io::stdout();
    loop {
        tokio::select! {
            queued = follower.queue.take() => {
                for note in queued.notes {
                    match note {
                        LogNote::Source(source) => sources.push(source),
                        LogNote::Ended { .. } => ended_sources += 1,
                        LogNote::Problem { .. } | LogNote::Resumed { .. } | LogNote::Listed { .. } => {}
                    }
                }
                let mut out = stdout.lock();
                for line in queued.lines {
                    let parsed = parse_line(line.source, &line.bytes, false);
                    if let Some(decoder) = decoder.as_mut() {
                        decoder.feed(&parsed);
                    }
                    let _ = if sources.len() > 1 {
                        let source = &sources[usize::from(line.source)];
                        writeln!(out, "[{}/{}] {}", source.pod, source.container, parsed.text)
                    } else {
                        writeln!(out, "{}", parsed.text)
                    };
                }
                let _ = out.flush();
            }
            _ = poll.tick() => {
                if finished.is_none() {
                    match jobs.get_opt(&name).await {
                        Ok(Some(job)) => {
                            if let Some(end) = job_outcome(&job) {
                                finished = Some(end);
                                finished_at = Some(tokio::time::Instant::now());
                            }
                        }
                        Ok(None) => {
                            return Err(CommandError::Target(format!(
                                "job {name} was deleted before it finished"
                            )));
                        }
                        // A dropped connection: ask again on the next tick.
                        Err(_) => {}
                    }
                }
            }
        }
        if let (Some((outcome, reason)), Some(at)) = (&finished, finished_at) {
            // The last lines can trail the Job's status by a moment.
            let drained = !sources.is_empty() && ended_sources >= sources.len();
            if drained || at.elapsed() > std::time::Duration::from_secs(5) {
                return Ok(JobEnd {
                    outcome: *outcome,
                    reason: reason.clone(),
                    progress: decoder.map(|d| d.progress()).unwrap_or_default(),
                });
            }
        }
    }
}

/// A finished Job's outcome from its conditions, with the reason of a failure.
pub fn job_outcome(job: &Job) -> Option<(Outcome, Option<String>)> {
    let conditions = job.status.as_ref()?.conditions.as_ref()?;
    let holds = |kind: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == kind && c.status == "True")
    };
    if let Some(failed) = holds("Failed") {
        let reason = match (&failed.reason, &failed.message) {
            (Some(reason), Some(message)) => Some(format!("{reason}: {message}")),
            (Some(reason), None) => Some(reason.clone()),
            (None, message) => message.clone(),
        };
        return Some((Outcome::Failed, reason));
    }
    holds("Complete")
        .or_else(|| holds("SuccessCriteriaMet"))
        .map(|_| (Outcome::Succeeded, None))
}

/// The closing lines: how the Job ended and, for dbt, how far it got and what failed.
pub fn summary(name: &str, end: &JobEnd) -> String {
    let word = match end.outcome {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed => "failed",
    };
    let mut out = format!("job.batch/{name} {word}");
    if !end.progress.headline.is_empty() {
        out.push_str(&format!(": {}", end.progress.headline));
    } else if let Some(reason) = &end.reason {
        out.push_str(&format!(": {reason}"));
    }
    for failure in &end.progress.failures {
        let error = failure.error.lines().next().unwrap_or_default();
        out.push_str(&format!("\n  ✖ {}: {error}", failure.what));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Failure;

    fn job(conditions: serde_json::Value) -> Job {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "j"}, "status": {"conditions": conditions}
        }))
        .unwrap()
    }

    #[test]
    fn a_job_ends_by_its_conditions() {
        assert_eq!(job_outcome(&job(serde_json::json!([]))), None);
        assert_eq!(
            job_outcome(&job(
                serde_json::json!([{"type": "Complete", "status": "True"}])
            )),
            Some((Outcome::Succeeded, None))
        );
        assert_eq!(
            job_outcome(&job(serde_json::json!([
                {"type": "FailureTarget", "status": "True"},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}]))),
            Some((
                Outcome::Failed,
                Some("BackoffLimitExceeded: Job has reached the specified backoff limit".into())
            ))
        );
        assert_eq!(
            job_outcome(&job(
                serde_json::json!([{"type": "Failed", "status": "False"}])
            )),
            None
        );
    }

    #[test]
    fn the_summary_names_what_failed() {
        let end = JobEnd {
            outcome: Outcome::Failed,
            reason: Some("BackoffLimitExceeded".into()),
            progress: RunProgress {
                headline: "dbt 6 of 7 · 1 error".into(),
                failures: vec![Failure {
                    what: "model orders_daily".into(),
                    error: "column o.customer_key does not exist\nLINE 4".into(),
                }],
                ..RunProgress::default()
            },
        };
        assert_eq!(
            summary("dbt-marts-manual-x", &end),
            "job.batch/dbt-marts-manual-x failed: dbt 6 of 7 · 1 error\n  ✖ model orders_daily: column o.customer_key does not exist"
        );
    }
}
