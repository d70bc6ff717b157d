//! Airbyte for the cockpit: signing in (the server pod found by the chart's labels, or the
//! context's URL), the connections with their last sync, a connection's jobs, and a sync.

use chrono::{DateTime, Utc};
use futures::future::join_all;

use super::{Reach, SessionError};
use crate::app::tool::{Act, Level, Page, Row};
use crate::commands::trigger_airbyte::airbyte_sync_mutation;
use crate::guard::Mutation;
use crate::tools::airbyte::model::parse_iso_duration;
use crate::tools::airbyte::{
    AirbyteClient, AirbyteError, Credentials, Job, Located, locate, stored_credentials,
};

/// How many jobs of a connection are listed.
const JOBS_LISTED: u32 = 25;

/// A signed-in Airbyte: where it is, the client, and how the title says it.
pub(crate) struct Session {
    pub located: Located,
    pub client: AirbyteClient,
    pub source: String,
}

/// The session, signing in when there is none, with stored credentials (the environment or
/// the `airbyte-auth-secrets` Secret), else with what the operator typed this session.
pub(super) async fn sign_in(
    reach: &Reach,
    typed: Option<Credentials>,
) -> Result<Session, SessionError> {
    let said = |e: AirbyteError| SessionError::Failed(e.to_string());
    let located = locate(&reach.kube, reach.settings.as_ref(), None)
        .await
        .map_err(said)?;
    let target = located.connector.describe();
    let stored = stored_credentials(&reach.kube, located.forward_namespace())
        .await
        .map_err(said)?;
    let Some(credentials) = stored.or(typed) else {
        return Err(SessionError::NeedsCredentials {
            target,
            refused: None,
        });
    };
    let typed_in = *credentials.source() == crate::tools::secrets::CredentialSource::Typed;
    let client_id = credentials.client_id().to_string();
    let from = credentials.source().to_string();
    let client = match AirbyteClient::connect(located.connector.clone(), credentials).await {
        Ok(client) => client,
        Err(error @ AirbyteError::Unauthorized { .. }) if typed_in => {
            return Err(SessionError::NeedsCredentials {
                target,
                refused: Some(error.to_string()),
            });
        }
        Err(error) => return Err(said(error)),
    };
    let source = format!("Airbyte · {target} · {client_id} (from {from})");
    Ok(Session {
        located,
        client,
        source,
    })
}

/// When a job started and, once it ended, when: from Airbyte's start time and duration.
fn job_times(job: &Job) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let started = job
        .start_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let took = job
        .duration
        .as_deref()
        .and_then(parse_iso_duration)
        .and_then(|d| chrono::Duration::from_std(d).ok());
    let ended = match (started, took) {
        (Some(start), Some(took)) if job.status.is_terminal() => Some(start + took),
        _ => None,
    };
    (started, ended)
}

/// `16,575 rows, 6.5 MiB`: what a job moved, as Airbyte reported it (nothing before it moved
/// anything).
fn moved(job: &Job) -> String {
    if job.rows_synced.unwrap_or(0) == 0 && job.bytes_synced.unwrap_or(0) == 0 {
        return String::new();
    }
    Job {
        duration: None,
        ..job.clone()
    }
    .summary()
}

fn job_row(job: &Job, id: String, label: String) -> Row {
    let (started, ended) = job_times(job);
    Row {
        label,
        state: Some(job.status.as_str().to_string()),
        detail: job.job_type.clone(),
        moved: moved(job),
        started,
        ended,
        try_number: 1,
        ..Row::new(id)
    }
}

/// Reads what `level` lists.
pub(super) async fn load(session: &Session, level: &Level) -> Result<Page, String> {
    let client = &session.client;
    let said = |e: AirbyteError| e.to_string();
    let rows = match level {
        Level::Connections => {
            let connections = client.connections().await.map_err(said)?;
            let last = join_all(
                connections
                    .iter()
                    .map(|c| client.last_job(&c.connection_id)),
            )
            .await;
            connections
                .iter()
                .zip(last)
                .map(|(connection, last)| {
                    let schedule = connection
                        .schedule
                        .as_ref()
                        .map(|s| s.describe())
                        .unwrap_or_default();
                    let detail = format!("{} · {schedule}", connection.status);
                    match last.ok().flatten() {
                        Some(job) => Row {
                            detail,
                            ..job_row(
                                &job,
                                connection.connection_id.clone(),
                                connection.name.clone(),
                            )
                        },
                        None => Row {
                            label: connection.name.clone(),
                            detail,
                            ..Row::new(connection.connection_id.clone())
                        },
                    }
                })
                .collect()
        }
        Level::Jobs { connection_id, .. } => client
            .jobs(connection_id, JOBS_LISTED)
            .await
            .map_err(said)?
            .iter()
            .map(|job| job_row(job, job.job_id.to_string(), String::new()))
            .collect(),
        _ => return Err("not an Airbyte list".into()),
    };
    Ok(Page {
        source: session.source.clone(),
        namespace: session.located.forward_namespace().map(str::to_string),
        rows,
    })
}

/// The guard's record of `act` (a sync; nothing else is Airbyte's).
pub(super) fn mutation(session: &Session, act: &Act) -> Result<Mutation, String> {
    match act {
        Act::Sync { name, .. } => Ok(airbyte_sync_mutation(&session.located, name)),
        _ => Err("not a change to Airbyte".into()),
    }
}

/// Starts the sync; what to tell the operator.
pub(super) async fn send(session: &Session, act: &Act) -> Result<String, String> {
    let Act::Sync {
        connection_id,
        name,
    } = act
    else {
        return Err("only a sync is sent to Airbyte".into());
    };
    let job = session
        .client
        .start_sync(connection_id)
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "sync of {name} started: job {} {} (pod {})",
        job.job_id,
        job.status.as_str(),
        job.replication_pod()
    ))
}
