//! `strata trigger airbyte [CONNECTION]`: without a connection, Airbyte's connections with
//! their last sync (nothing changes); with one, a sync started through Airbyte's public API,
//! reached by a port-forward to its server pod (or the context's `airbyte_url`), signed in with
//! an application's credentials from the environment, the bootloader's Secret, or asked once;
//! with `--wait`, the job followed to its end.

use std::io::IsTerminal;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

use super::CommandError;
use super::prompt::{ask, ask_secret};
use super::trigger::{
    EXIT_RUN_FAILED, TriggerCommon, confirm, exit_code, guard_for, record_result,
    refuse_if_readonly,
};
use crate::cluster::{connect, probe};
use crate::guard::{Mutation, Target};
use crate::tools::airbyte::model::{human_bytes, thousands};
use crate::tools::airbyte::{
    AirbyteClient, AirbyteError, CLIENT_ID_ENV, CLIENT_SECRET_ENV, Connection, Credentials, Job,
    JobStatus, Located, locate, stored_credentials,
};
use crate::tools::secrets::CredentialSource;

/// How often a followed job is asked about.
const POLL: Duration = Duration::from_secs(1);

/// How many times (a second apart) a followed sync's replication pod is looked for.
const POD_LOOKS: u32 = 30;

/// The action the guard and the audit log know a sync by.
const ACTION: &str = "trigger.airbyte";

#[derive(Clone, Debug)]
pub struct TriggerAirbyteOptions {
    /// `-n` narrows the search for Airbyte's server (every namespace when `None`).
    pub common: TriggerCommon,
    /// A connection's name or id; `None` lists the connections.
    pub connection: Option<String>,
}

/// Runs the command; the process exit code.
pub async fn main(options: TriggerAirbyteOptions) -> i32 {
    exit_code(trigger(&options).await)
}

/// The audit record of a sync: the connection (as the operator named it) in the namespace
/// Airbyte was reached in, and what reaching Airbyte needs.
pub fn airbyte_sync_mutation(located: &Located, connection: &str) -> Mutation {
    located.mutation(ACTION, "Connection", connection, "airbyte")
}

pub async fn trigger(options: &TriggerAirbyteOptions) -> Result<i32, CommandError> {
    let failed = |e: AirbyteError| CommandError::Target(e.to_string());
    let connection = connect(&options.common.target).await?;
    let guard = guard_for(&connection, &options.common)?;
    // Read-only is refused (and recorded) before anything is asked of the server. Listing
    // changes nothing, so it is allowed.
    if let Some(wanted) = &options.connection {
        let target = Target::new("Connection", options.common.namespace.as_deref(), wanted);
        refuse_if_readonly(&guard, ACTION, target).await?;
    }
    probe(&connection).await?;
    let settings = options.common.policies.contexts.get(&connection.context);
    let located = locate(
        &connection.client,
        settings,
        options.common.namespace.as_deref(),
    )
    .await
    .map_err(failed)?;
    // A URL from the config says nothing of the namespace; -n still tells where the Secret is.
    let namespace = located
        .forward_namespace()
        .or(options.common.namespace.as_deref())
        .map(str::to_string);

    let Some(wanted) = &options.connection else {
        let credentials = credentials(&connection.client, namespace.as_deref()).await?;
        let client = sign_in(&located, credentials).await?;
        return list(&client).await.map_err(failed);
    };

    let mutation = airbyte_sync_mutation(&located, wanted);
    let approval = guard
        .check(&mutation)
        .await
        .map_err(|refusal| CommandError::Target(refusal.to_string()))?;
    let credentials = credentials(&connection.client, namespace.as_deref()).await?;
    let client = sign_in(&located, credentials).await?;
    let chosen = client.find_connection(wanted).await.map_err(failed)?;
    let last = client
        .last_job(&chosen.connection_id)
        .await
        .map_err(failed)?;
    let confirmed = confirm(
        approval,
        options.common.yes,
        options.common.confirm.as_deref(),
        || {
            format!(
                "A sync of connection {} ({}) now; its last sync: {}.",
                chosen.name,
                chosen.connection_id,
                last.as_ref()
                    .map_or_else(|| "none".to_string(), last_sync_words)
            )
        },
    )?;
    let started = client.start_sync(&chosen.connection_id).await;
    record_result(
        confirmed,
        &started,
        |job| {
            (
                format!(
                    "job {} {} (connection {}, {})",
                    job.job_id, job.status, chosen.name, chosen.connection_id
                ),
                format!(
                    "job {} of connection {} was started",
                    job.job_id, chosen.name
                ),
            )
        },
        &format!("no sync of connection {} was started", chosen.name),
    );
    let job = started.map_err(failed)?;
    println!("job {} {}", job.job_id, job.status);
    let pods = namespace
        .as_deref()
        .map(|ns| Api::<Pod>::namespaced(connection.client.clone(), ns));
    if !options.common.wait {
        if let Some(pods) = &pods {
            say_replication_pod(pods, job.job_id).await;
        }
        return Ok(0);
    }
    // The pod is looked for beside the wait: the launcher may make it a while after the job.
    let find_pod = async {
        if let Some(pods) = &pods {
            for _ in 0..POD_LOOKS {
                if say_replication_pod(pods, job.job_id).await {
                    break;
                }
                tokio::time::sleep(POLL).await;
            }
        }
        // Done looking: only the wait ends the select below.
        std::future::pending::<Result<Job, AirbyteError>>().await
    };
    let mut said = job.status.clone();
    let wait = client.wait_for_job(job.job_id, POLL, |now| {
        // The end is told by the closing line.
        if now.status != said && !now.status.is_terminal() {
            println!("job {} {}", now.job_id, now.status);
            said = now.status.clone();
        }
    });
    let ended = tokio::select! {
        ended = wait => ended,
        never = find_pod => never,
    }
    .map_err(failed)?;
    println!("{}", ended_line(&ended));
    Ok(if ended.status == JobStatus::Succeeded {
        0
    } else {
        EXIT_RUN_FAILED
    })
}

/// Signs in (bad credentials are said here, before any question), telling where and as whom.
async fn sign_in(
    located: &Located,
    credentials: Credentials,
) -> Result<AirbyteClient, CommandError> {
    eprintln!(
        "Airbyte at {} with {credentials}",
        located.connector.describe()
    );
    AirbyteClient::connect(located.connector.clone(), credentials)
        .await
        .map_err(|e| CommandError::Target(e.to_string()))
}

/// Stored credentials, else asked on the terminal (once: nothing is written down).
async fn credentials(
    client: &kube::Client,
    namespace: Option<&str>,
) -> Result<Credentials, CommandError> {
    if let Some(credentials) = stored_credentials(client, namespace)
        .await
        .map_err(|e| CommandError::Target(e.to_string()))?
    {
        return Ok(credentials);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Target(format!(
            "no Airbyte credentials: set {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (an application \
             of Airbyte's, Settings → Applications), or let Strata read the Secret {} in \
             Airbyte's namespace (keys instance-admin-client-id, instance-admin-client-secret)",
            crate::tools::airbyte::AUTH_SECRET
        )));
    }
    let client_id = ask("Airbyte client id:")?;
    let client_secret = ask_secret("Airbyte client secret:")?;
    Ok(Credentials::new(
        client_id,
        client_secret,
        CredentialSource::Typed,
    ))
}

/// Prints the sync's replication pod once the workload launcher has made it (found by the
/// labels it puts on job pods); whether it was said.
async fn say_replication_pod(pods: &Api<Pod>, job_id: i64) -> bool {
    let selector = format!("airbyte=job-pod,job_id={job_id}");
    let Ok(found) = pods.list(&ListParams::default().labels(&selector)).await else {
        return false;
    };
    let mut names: Vec<String> = found
        .items
        .iter()
        .filter_map(|p| {
            Some(format!(
                "{}/{}",
                p.metadata.namespace.as_deref()?,
                p.metadata.name.as_deref()?
            ))
        })
        .collect();
    names.sort();
    match names.first() {
        Some(name) => {
            println!("pod {name}");
            true
        }
        None => false,
    }
}

/// Lists the connections with their last sync; exit 0.
async fn list(client: &AirbyteClient) -> Result<i32, AirbyteError> {
    let mut connections = client.connections().await?;
    connections.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rows = Vec::with_capacity(connections.len());
    for connection in &connections {
        let last = client.last_job(&connection.connection_id).await?;
        rows.push(connection_row(connection, last.as_ref()));
    }
    print!("{}", table(&rows));
    Ok(0)
}

/// One row of the listing: name, status, schedule, last sync, started, rows, bytes.
fn connection_row(connection: &Connection, last: Option<&Job>) -> [String; 7] {
    let schedule = connection
        .schedule
        .as_ref()
        .map_or_else(|| "-".to_string(), |s| s.describe());
    let (status, started, rows, bytes) = match last {
        Some(job) => (
            job.status.to_string(),
            job.start_time.clone().unwrap_or_else(|| "-".into()),
            job.rows_synced.map_or_else(|| "-".into(), thousands),
            job.bytes_synced.map_or_else(|| "-".into(), human_bytes),
        ),
        None => ("never".into(), "-".into(), "-".into(), "-".into()),
    };
    [
        connection.name.clone(),
        connection.status.clone(),
        schedule,
        status,
        started,
        rows,
        bytes,
    ]
}

/// The rows under a header, in columns as wide as their widest cell.
fn table(rows: &[[String; 7]]) -> String {
    let header = [
        "CONNECTION",
        "STATUS",
        "SCHEDULE",
        "LAST SYNC",
        "STARTED",
        "ROWS",
        "BYTES",
    ]
    .map(str::to_string);
    let all: Vec<&[String; 7]> = std::iter::once(&header).chain(rows).collect();
    let widths: Vec<usize> = (0..7)
        .map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in all {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `succeeded 2026-12-05T07:00:00Z (1m 23s, 12,345 rows, 4.9 MiB)`.
fn last_sync_words(job: &Job) -> String {
    let mut words = job.status.to_string();
    if let Some(start) = &job.start_time {
        words.push_str(&format!(" {start}"));
    }
    let summary = job.summary();
    if !summary.is_empty() {
        words.push_str(&format!(" ({summary})"));
    }
    words
}

/// The closing line: `job 30001 succeeded: 1m 23s, 12,345 rows, 4.9 MiB`.
pub fn ended_line(job: &Job) -> String {
    let summary = job.summary();
    if summary.is_empty() {
        format!("job {} {}", job.job_id, job.status)
    } else {
        format!("job {} {}: {summary}", job.job_id, job.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, rows: Option<u64>) -> Job {
        serde_json::from_value(serde_json::json!({
            "jobId": 7, "status": status, "jobType": "sync",
            "startTime": "2026-12-05T07:00:00Z", "duration": "PT42S",
            "rowsSynced": rows, "bytesSynced": rows.map(|r| r * 400),
        }))
        .unwrap()
    }

    #[test]
    fn the_end_of_a_sync_says_what_it_moved() {
        assert_eq!(
            ended_line(&job("succeeded", Some(12_345))),
            "job 7 succeeded: 42s, 12,345 rows, 4.7 MiB"
        );
        assert_eq!(ended_line(&job("failed", None)), "job 7 failed: 42s");
    }

    #[test]
    fn the_listing_lines_up_and_says_never_for_a_connection_without_jobs() {
        let connection = Connection {
            connection_id: "c".into(),
            name: "HubSpot → Postgres".into(),
            status: "active".into(),
            schedule: None,
        };
        let rows = vec![
            connection_row(&connection, None),
            connection_row(&connection, Some(&job("succeeded", Some(10)))),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("CONNECTION          STATUS  SCHEDULE"),
            "{text}"
        );
        assert!(lines[1].contains("never"), "{text}");
        assert!(
            lines[2].ends_with("succeeded  2026-12-05T07:00:00Z  10    3.9 KiB"),
            "{text}"
        );
    }
}
