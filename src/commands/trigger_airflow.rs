//! `strata trigger airflow DAG_ID`: a DAG run through Airflow's REST API, reached by a
//! port-forward to its api-server pod (or the context's `airflow_url`), signed in with
//! credentials from the environment, a Secret, or asked once; with `--wait`, the run followed
//! to its end, its tasks' states, and the log tail of each failed task.

use std::io::IsTerminal;
use std::time::Duration;

use super::CommandError;
use super::prompt::{ask, ask_secret};
use super::trigger::{
    EXIT_RUN_FAILED, TriggerCommon, confirm, exit_code, guard_for, record_result,
    refuse_if_readonly,
};
use crate::cluster::{connect, probe};
use crate::guard::{Mutation, Target};
use crate::tools::airflow::{
    AirflowClient, AirflowError, Credentials, DagRun, Located, RunState, TaskInstance,
    TriggerOptions, locate, parse_conf, stored_credentials,
};

/// Lines of a failed task's log printed at the end.
const FAILED_LOG_TAIL: usize = 15;

#[derive(Clone, Debug)]
pub struct TriggerAirflowOptions {
    /// `-n` narrows the search for the Airflow (every namespace when `None`).
    pub common: TriggerCommon,
    /// The Helm release, when several Airflows serve an API.
    pub release: Option<String>,
    pub dag_id: String,
    /// `--conf '{"key": "value"}'`.
    pub conf: Option<String>,
    pub note: Option<String>,
}

/// Runs the command; the process exit code.
pub async fn main(options: TriggerAirflowOptions) -> i32 {
    exit_code(trigger(&options).await)
}

/// The audit record of a change made through Airflow's API: the DAG in the namespace Airflow
/// was reached in, where it was reached, and what reaching it needs (a port-forward there, or
/// nothing of the cluster for a configured URL).
pub fn airflow_mutation(located: &Located, action: &str, kind: &str, name: &str) -> Mutation {
    located.mutation(action, kind, name, "airflow")
}

/// The audit record of a DAG trigger, with its conf (secret keys redacted by the audit log).
pub fn airflow_trigger_mutation(located: &Located, dag_id: &str, conf: &str) -> Mutation {
    let mutation = airflow_mutation(located, "trigger.airflow", "DAG", dag_id);
    if conf.trim().is_empty() {
        mutation
    } else {
        mutation.parameter("conf", conf)
    }
}

pub async fn trigger(options: &TriggerAirflowOptions) -> Result<i32, CommandError> {
    let failed = |e: AirflowError| CommandError::Target(e.to_string());
    // A bad conf is said before anything else happens.
    let conf_text = options.conf.clone().unwrap_or_default();
    let conf = if conf_text.trim().is_empty() {
        serde_json::Map::new()
    } else {
        parse_conf(&conf_text).map_err(|e| CommandError::Target(format!("--conf: {e}")))?
    };
    let connection = connect(&options.common.target).await?;
    let guard = guard_for(&connection, &options.common)?;
    // Read-only is refused (and recorded) before anything is asked of the server.
    refuse_if_readonly(
        &guard,
        "trigger.airflow",
        Target::new("DAG", options.common.namespace.as_deref(), &options.dag_id),
    )
    .await?;
    probe(&connection).await?;
    let settings = options.common.policies.contexts.get(&connection.context);
    let located = locate(
        &connection.client,
        settings,
        options.common.namespace.as_deref(),
        options.release.as_deref(),
    )
    .await
    .map_err(failed)?;
    let mutation = airflow_trigger_mutation(&located, &options.dag_id, &conf_text);
    let approval = guard
        .check(&mutation)
        .await
        .map_err(|refusal| CommandError::Target(refusal.to_string()))?;
    let credentials = credentials(&connection.client, settings, &located).await?;
    eprintln!(
        "Airflow at {} as {}",
        located.connector.describe(),
        credentials.username()
    );
    let client = AirflowClient::connect(located.connector.clone(), credentials)
        .await
        .map_err(failed)?;
    let dag = client.get_dag(&options.dag_id).await.map_err(failed)?;
    let paused = dag.is_paused == Some(true);
    let confirmed = confirm(
        approval,
        options.common.yes,
        options.common.confirm.as_deref(),
        || {
            let mut text = format!(
                "A run of DAG {} on Airflow {}{}.",
                options.dag_id,
                client.server_version(),
                if conf.is_empty() {
                    String::new()
                } else {
                    format!(" with conf {conf_text}")
                }
            );
            if paused {
                text.push_str(" The DAG is paused: the run waits until it is unpaused.");
            }
            text
        },
    )?;
    let trigger_options = TriggerOptions {
        conf,
        note: options.note.clone(),
        ..TriggerOptions::default()
    };
    let triggered = client.trigger(&options.dag_id, &trigger_options).await;
    record_result(
        confirmed,
        &triggered,
        |run| {
            (
                format!("run {} {}", run.dag_run_id, run.state),
                format!(
                    "run {} of DAG {} was created",
                    run.dag_run_id, options.dag_id
                ),
            )
        },
        &format!("DAG {} was not triggered", options.dag_id),
    );
    let run = triggered.map_err(failed)?;
    println!(
        "dagrun {} {} ({})",
        options.dag_id, run.dag_run_id, run.state
    );
    if paused {
        eprintln!(
            "warning: DAG {} is paused; the run is queued until it is unpaused",
            options.dag_id
        );
    }
    if !options.common.wait {
        return Ok(0);
    }
    let ended = follow(&client, &options.dag_id, &run)
        .await
        .map_err(failed)?;
    Ok(if ended == RunState::Success {
        0
    } else {
        EXIT_RUN_FAILED
    })
}

/// Stored credentials, else asked on the terminal (once: nothing is written down).
async fn credentials(
    client: &kube::Client,
    settings: Option<&crate::config::ContextSettings>,
    located: &Located,
) -> Result<Credentials, CommandError> {
    let namespace = located.forward_namespace();
    if let Some((credentials, source)) = stored_credentials(client, settings, namespace)
        .await
        .map_err(|e| CommandError::Target(e.to_string()))?
    {
        eprintln!("Airflow credentials from {source}");
        return Ok(credentials);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Target(format!(
            "no Airflow credentials: set {} and {}, name a Secret as airflow_secret for this \
             context in config.toml, or label one strata.dev/credentials=airflow in the \
             Airflow's namespace (keys username, password)",
            crate::tools::airflow::USERNAME_ENV,
            crate::tools::airflow::PASSWORD_ENV
        )));
    }
    let username = ask("Airflow username:")?;
    let password = ask_secret("Airflow password:")?;
    Ok(Credentials::new(username, password))
}

/// Prints each change of the run's state and of its tasks' states until it ends, then the
/// tasks and the log tail of each failed one; the final state.
async fn follow(
    client: &AirflowClient,
    dag_id: &str,
    run: &DagRun,
) -> Result<RunState, AirflowError> {
    let mut seen: Vec<(String, Option<String>, u32)> = Vec::new();
    let mut state = run.state.clone();
    let mut failures = 0;
    loop {
        match client.get_run(dag_id, &run.dag_run_id).await {
            Ok(now) => {
                failures = 0;
                // The end is told by the summary, after the tasks' last changes.
                if now.state != state && !now.state.is_terminal() {
                    println!("dagrun {} {}", run.dag_run_id, now.state);
                }
                state = now.state;
            }
            // A dropped port-forward or a busy api-server: ask again, a few times.
            Err(AirflowError::Transport(_)) if failures < 5 => failures += 1,
            Err(e) => return Err(e),
        }
        if let Ok(tasks) = client.task_instances(dag_id, &run.dag_run_id).await {
            for task in &tasks {
                let key = (task.task_id.clone(), task.state.clone(), task.try_number);
                if !seen.contains(&key) {
                    seen.retain(|s| s.0 != task.task_id);
                    if task.state.is_some() {
                        println!("  {}", task_line(task));
                    }
                    seen.push(key);
                }
            }
            if state.is_terminal() {
                print_summary(client, dag_id, &run.dag_run_id, &state, &tasks).await;
                return Ok(state);
            }
        } else if state.is_terminal() {
            println!("dagrun {} {}", run.dag_run_id, state);
            return Ok(state);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `say: success (try 1)`.
pub fn task_line(task: &TaskInstance) -> String {
    let state = task.state.as_deref().unwrap_or("none");
    if task.try_number > 0 {
        format!("{}: {state} (try {})", task_name(task), task.try_number)
    } else {
        format!("{}: {state}", task_name(task))
    }
}

fn task_name(task: &TaskInstance) -> String {
    if task.map_index >= 0 {
        format!("{}[{}]", task.task_id, task.map_index)
    } else {
        task.task_id.clone()
    }
}

async fn print_summary(
    client: &AirflowClient,
    dag_id: &str,
    run_id: &str,
    state: &RunState,
    tasks: &[TaskInstance],
) {
    let count = |want: &str| {
        tasks
            .iter()
            .filter(|t| t.state.as_deref() == Some(want))
            .count()
    };
    println!(
        "dagrun {run_id} {state}: {} tasks, {} succeeded, {} failed",
        tasks.len(),
        count("success"),
        tasks.iter().filter(|t| t.is_failed()).count()
    );
    for task in tasks
        .iter()
        .filter(|t| t.state.as_deref() == Some("failed"))
    {
        println!("  ✖ {}", task_line(task));
        match client
            .task_log(
                dag_id,
                run_id,
                &task.task_id,
                task.try_number.max(1),
                task.map_index,
            )
            .await
        {
            Ok(lines) => {
                let from = lines.len().saturating_sub(FAILED_LOG_TAIL);
                for line in &lines[from..] {
                    println!("    {}", crate::logs::plain_text(&line.to_string()));
                }
            }
            Err(error) => println!("    (its log cannot be read: {error})"),
        }
    }
}
