//! Airflow for the cockpit: signing in (found by the chart's labels or the context's URL),
//! the lists of each level, and what each change sends.

use futures::future::join_all;

use super::{Reach, SessionError};
use crate::app::tool::{Act, Level, Page, Row};
use crate::commands::trigger_airflow::{airflow_mutation, airflow_trigger_mutation};
use crate::guard::Mutation;
use crate::tools::airflow::{
    AirflowClient, AirflowError, CredentialSource, Credentials, Located, TriggerOptions, locate,
    parse_conf, stored_credentials,
};

/// How many DAGs get their last run read (one request each) in one load.
const LAST_RUNS_READ: usize = 100;
/// How many runs of a DAG are listed.
const RUNS_LISTED: u32 = 50;

/// A signed-in Airflow: where it is, the client, and how the title says it.
pub(crate) struct Session {
    pub located: Located,
    pub client: AirflowClient,
    pub source: String,
}

/// Signs in: the Airflow is located (the context's
/// `airflow_url`, else the api-server pod by its labels) and signed in with stored
/// credentials (the environment, the context's `airflow_secret`, or a Secret labelled for
/// Strata in the Airflow's namespace), else with what the operator typed this session.
pub(super) async fn sign_in(
    reach: &Reach,
    typed: Option<Credentials>,
) -> Result<Session, SessionError> {
    let (kube, settings) = (&reach.kube, reach.settings.as_ref());
    let said = |e: AirflowError| SessionError::Failed(e.to_string());
    let located = locate(kube, settings, None, None).await.map_err(said)?;
    let target = located.connector.describe();
    let stored = stored_credentials(kube, settings, located.forward_namespace())
        .await
        .map_err(said)?;
    let (credentials, from) = match (stored, typed) {
        (Some(stored), _) => stored,
        (None, Some(typed)) => (typed, CredentialSource::Typed),
        (None, None) => {
            return Err(SessionError::NeedsCredentials {
                target,
                refused: None,
            });
        }
    };
    let user = credentials.username().to_string();
    let client = match AirflowClient::connect(located.connector.clone(), credentials).await {
        Ok(client) => client,
        Err(error @ AirflowError::Unauthorized { .. }) if from == CredentialSource::Typed => {
            return Err(SessionError::NeedsCredentials {
                target,
                refused: Some(error.to_string()),
            });
        }
        Err(error) => return Err(said(error)),
    };
    let source = format!(
        "Airflow {} · {} · {user} (from {from})",
        client.server_version(),
        located.connector.describe()
    );
    Ok(Session {
        located,
        client,
        source,
    })
}

/// Reads what `level` lists.
pub(super) async fn load(session: &Session, level: &Level) -> Result<Page, String> {
    let client = &session.client;
    let said = |e: AirflowError| e.to_string();
    let rows = match level {
        Level::Dags => {
            let page = client
                .list_dags(LAST_RUNS_READ as u32, 0, None)
                .await
                .map_err(said)?;
            let last_runs = join_all(page.dags.iter().map(|d| client.last_run(&d.dag_id))).await;
            page.dags
                .iter()
                .zip(last_runs)
                .map(|(dag, last)| {
                    let last = last.ok().flatten();
                    Row {
                        paused: dag.is_paused,
                        detail: dag.schedule().unwrap_or_default(),
                        state: last.as_ref().map(|r| r.state.to_string()),
                        started: last.as_ref().and_then(|r| r.start_date.or(r.queued_at)),
                        ended: last.as_ref().and_then(|r| r.end_date),
                        ..Row::new(dag.dag_id.clone())
                    }
                })
                .collect()
        }
        Level::Runs { dag_id } => client
            .list_runs(dag_id, RUNS_LISTED)
            .await
            .map_err(said)?
            .into_iter()
            .map(|run| {
                let conf = run
                    .conf
                    .as_ref()
                    .filter(|c| c.as_object().is_some_and(|o| !o.is_empty()))
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                Row {
                    state: Some(run.state.to_string()),
                    detail: format!("{}{conf}", run.run_type.as_deref().unwrap_or("-")),
                    started: run.start_date.or(run.queued_at),
                    ended: run.end_date,
                    ..Row::new(run.dag_run_id)
                }
            })
            .collect(),
        Level::Tasks { dag_id, run_id } => client
            .task_instances(dag_id, run_id)
            .await
            .map_err(said)?
            .into_iter()
            .map(|task| Row {
                state: task.state.clone(),
                try_number: task.try_number,
                map_index: task.map_index,
                started: task.start_date,
                ended: task.end_date,
                detail: if task.map_index >= 0 {
                    format!("map index {}", task.map_index)
                } else {
                    String::new()
                },
                ..Row::new(task.task_id)
            })
            .collect(),
        Level::Log {
            dag_id,
            run_id,
            task_id,
            try_number,
            map_index,
        } => client
            .task_log(dag_id, run_id, task_id, *try_number, *map_index)
            .await
            .map_err(said)?
            .iter()
            .map(|line| Row::new(line.to_string()))
            .collect(),
        _ => return Err("not an Airflow list".into()),
    };
    Ok(Page {
        source: session.source.clone(),
        namespace: session.located.forward_namespace().map(str::to_string),
        rows,
    })
}

/// The guard's record of `act`.
pub(super) fn mutation(session: &Session, act: &Act) -> Result<Mutation, String> {
    let located = &session.located;
    Ok(match act {
        Act::Trigger { dag_id, conf } => airflow_trigger_mutation(located, dag_id, conf),
        Act::SetPaused { dag_id, paused } => {
            let action = if *paused {
                "pause.airflow"
            } else {
                "unpause.airflow"
            };
            airflow_mutation(located, action, "DAG", dag_id)
        }
        Act::ClearFailed { dag_id, run_id } => {
            airflow_mutation(located, "clear.airflow", "DAG", dag_id).parameter("run", run_id)
        }
        _ => return Err("not a change to Airflow".into()),
    })
}

/// What a clear would clear (its dry run), so the operator sees it before saying yes.
pub(super) async fn preview(session: &Session, act: &Act) -> Result<Vec<String>, String> {
    let Act::ClearFailed { dag_id, run_id } = act else {
        return Ok(Vec::new());
    };
    let would = session
        .client
        .clear_failed_tasks(dag_id, run_id, true)
        .await
        .map_err(|e| e.to_string())?;
    if would.is_empty() {
        return Err(format!(
            "nothing to clear: run {run_id} of {dag_id} has no failed task"
        ));
    }
    Ok(would
        .iter()
        .map(|t| match &t.state {
            Some(state) => format!("{} ({state})", t.task_id),
            None => t.task_id.clone(),
        })
        .collect())
}

/// Sends a confirmed change; what to tell the operator.
pub(super) async fn send(session: &Session, act: &Act) -> Result<String, String> {
    let client = &session.client;
    let done: Result<String, AirflowError> = match act {
        Act::Trigger { dag_id, conf } => {
            let options = TriggerOptions {
                conf: parse_conf(conf).unwrap_or_default(),
                note: Some("triggered from Strata".into()),
                ..TriggerOptions::default()
            };
            client
                .trigger(dag_id, &options)
                .await
                .map(|run| format!("run {} {}", run.dag_run_id, run.state))
        }
        Act::SetPaused { dag_id, paused } => {
            client
                .set_paused(dag_id, *paused)
                .await
                .map(|dag| match dag.is_paused {
                    Some(true) => format!("DAG {} paused", dag.dag_id),
                    _ => format!("DAG {} unpaused", dag.dag_id),
                })
        }
        Act::ClearFailed { dag_id, run_id } => client
            .clear_failed_tasks(dag_id, run_id, false)
            .await
            .map(|cleared| {
                format!(
                    "{} task(s) of run {run_id} cleared; the scheduler runs them again",
                    cleared.len()
                )
            }),
        _ => return Err("not a change to Airflow".into()),
    };
    done.map_err(|e| e.to_string())
}
