//! The sync jobs Airbyte's scheduler ran, as the stand-in reads them from their replication
//! pods: the workload launcher labels each attempt's pod with `job_id`, `attempt_id` and
//! `connection_id`, and the pods' phases and container times are the jobs' statuses and
//! times. Nothing is kept: a job goes with its pods, as the Airflow stand-in's scheduled runs
//! do.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Job, status_of};
use crate::standins::pods;

/// One attempt's replication pod, by the launcher's labels.
struct AttemptPod<'a> {
    job_id: u64,
    attempt: u32,
    connection: usize,
    name: &'a str,
    created: Option<DateTime<Utc>>,
    pod: &'a Value,
}

/// The sync attempt a pod runs, if the launcher made it for one of `connections` (every label
/// there and readable).
fn attempt_pod<'a>(pod: &'a Value, connections: &[(&str, String)]) -> Option<AttemptPod<'a>> {
    let labels = &pod["metadata"]["labels"];
    if labels["airbyte"] != "job-pod" || labels["job_type"] != "sync" {
        return None;
    }
    let connection_id = labels["connection_id"].as_str()?;
    Some(AttemptPod {
        job_id: labels["job_id"].as_str()?.parse().ok()?,
        attempt: labels["attempt_id"].as_str()?.parse().ok()?,
        connection: connections.iter().position(|(_, id)| id == connection_id)?,
        name: pod["metadata"]["name"].as_str()?,
        created: pods::created(pod),
        pod,
    })
}

/// The jobs the replication pods tell, but those whose id is in `known` (the model's own,
/// started through the API), oldest id first.
pub(super) fn jobs<'a>(
    pods: impl IntoIterator<Item = &'a Value>,
    connections: &[(&str, String)],
    known: &[u64],
) -> Vec<Job> {
    let mut by_job: Vec<(u64, Vec<AttemptPod<'a>>)> = Vec::new();
    for pod in pods {
        let Some(attempt) = attempt_pod(pod, connections) else {
            continue;
        };
        if known.contains(&attempt.job_id) {
            continue;
        }
        match by_job.iter_mut().find(|(id, _)| *id == attempt.job_id) {
            Some((_, attempts)) => attempts.push(attempt),
            None => by_job.push((attempt.job_id, vec![attempt])),
        }
    }
    by_job.sort_by_key(|(id, _)| *id);
    by_job
        .into_iter()
        .filter_map(|(_, mut attempts)| {
            attempts.sort_by_key(|a| a.attempt);
            job(&attempts)
        })
        .collect()
}

/// A job from its attempts (by attempt number): the newest attempt is its status, as Airbyte
/// retries a failed attempt as the next one; it started with the first.
fn job(attempts: &[AttemptPod<'_>]) -> Option<Job> {
    let (first, newest) = (attempts.first()?, attempts.last()?);
    let progress = pods::progress(Some(newest.pod));
    let started = pods::progress(Some(first.pod)).start;
    let start = first.created.or(started).unwrap_or_else(Utc::now);
    let status = status_of(progress.phase);
    let updated = progress
        .end
        .or(progress.start)
        .or(newest.created)
        .unwrap_or(start);
    let done = matches!(status, "succeeded" | "failed");
    Some(Job {
        id: first.job_id,
        connection: first.connection,
        status,
        start,
        updated,
        end: done.then_some(updated),
        pod: newest.name.to_string(),
    })
}
