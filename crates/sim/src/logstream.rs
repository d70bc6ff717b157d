//! `pods/log`: picks the container run (current or previous), applies tail, since, timestamps
//! and byte limits, and follows a running container until it ends or the client goes away.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use hyper::Response;
use serde_json::Value;
use tokio::sync::mpsc;

use super::http::{ApiRequest, Body, SimState, Target, stream_response, text_response};
use super::podlogs::{self, ContainerRun, LogLine};
use super::store::{ApiError, parse_kube_time as ts};

/// A container run as read from pod status.
#[derive(Clone, Debug, PartialEq)]
struct RunInfo {
    attempt: u32,
    started: DateTime<Utc>,
    finished: Option<(DateTime<Utc>, i32)>,
}

fn container_status<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .flat_map(|k| pod["status"][*k].as_array().into_iter().flatten())
        .find(|s| s["name"] == name)
}

/// The run of `container` to read, or the API server's error for why there is none.
fn pick_run(pod: &Value, container: &str, previous: bool) -> Result<RunInfo, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let st = container_status(pod, container);
    let restarts = st.and_then(|s| s["restartCount"].as_u64()).unwrap_or(0) as u32;
    if previous {
        let last = st.map(|s| &s["lastState"]["terminated"]);
        return match last.and_then(|t| Some((ts(&t["startedAt"])?, ts(&t["finishedAt"])?, t))) {
            Some((started, finished, t)) => Ok(RunInfo {
                attempt: restarts.saturating_sub(1),
                started,
                finished: Some((finished, t["exitCode"].as_i64().unwrap_or(0) as i32)),
            }),
            None => Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            ))),
        };
    }
    let state = st.map(|s| &s["state"]);
    if let Some(run) = state.map(|s| &s["running"]).filter(|r| r.is_object())
        && let Some(started) = ts(&run["startedAt"])
    {
        return Ok(RunInfo {
            attempt: restarts,
            started,
            finished: None,
        });
    }
    if let Some(t) = state.map(|s| &s["terminated"]).filter(|t| t.is_object())
        && let (Some(started), Some(finished)) = (ts(&t["startedAt"]), ts(&t["finishedAt"]))
    {
        return Ok(RunInfo {
            attempt: restarts,
            started,
            finished: Some((finished, t["exitCode"].as_i64().unwrap_or(0) as i32)),
        });
    }
    // A crash-looping container waits in back-off: kubectl shows the last run's logs.
    if let Some(t) = st
        .map(|s| &s["lastState"]["terminated"])
        .filter(|t| t.is_object())
        && let (Some(started), Some(finished)) = (ts(&t["startedAt"]), ts(&t["finishedAt"]))
    {
        return Ok(RunInfo {
            attempt: restarts.saturating_sub(1),
            started,
            finished: Some((finished, t["exitCode"].as_i64().unwrap_or(0) as i32)),
        });
    }
    let reason = state
        .and_then(|s| s["waiting"]["reason"].as_str())
        .unwrap_or("ContainerCreating");
    Err(ApiError::bad_request(format!(
        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
    )))
}

fn names(pod: &Value, list: &str) -> Vec<String> {
    pod["spec"][list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// The container a log request means, with the API server's errors for missing or unknown
/// names.
fn pick_container(pod: &Value, asked: Option<&str>) -> Result<String, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let main = names(pod, "containers");
    let init = names(pod, "initContainers");
    match asked.filter(|c| !c.is_empty()) {
        Some(c) if main.iter().chain(init.iter()).any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {pod_name}"
        ))),
        None => {
            if let Some(d) =
                pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"].as_str()
                && main.iter().any(|n| n == d)
            {
                return Ok(d.to_string());
            }
            if main.len() == 1 {
                return Ok(main[0].clone());
            }
            let mut msg = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                main.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            Err(ApiError::bad_request(msg))
        }
    }
}

fn format_line(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!(
            "{} {}\n",
            line.at.to_rfc3339_opts(SecondsFormat::Nanos, true),
            line.text
        )
    } else {
        format!("{}\n", line.text)
    }
}

/// Serves `GET …/pods/{name}/log`.
pub async fn serve(
    state: Arc<SimState>,
    t: &Target,
    req: &ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let pod = state
        .store
        .get(&t.info.key(), &ns, &name)
        .ok_or_else(|| ApiError::not_found(&t.info.key(), &name))?;
    let container = pick_container(&pod, req.param("container"))?;
    let previous = req.flag("previous");
    let run = pick_run(&pod, &container, previous)?;
    let now = Utc::now();
    let mut from = run.started;
    if let Some(secs) = req
        .param("sinceSeconds")
        .and_then(|s| s.parse::<i64>().ok())
    {
        from = from.max(now - chrono::Duration::seconds(secs));
    }
    if let Some(t) = req
        .param("sinceTime")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        from = from.max(t.with_timezone(&Utc));
    }
    let until = run.finished.map(|(f, _)| f.min(now)).unwrap_or(now);
    let tail = req.param("tailLines").and_then(|s| s.parse::<i64>().ok());
    let timestamps = req.flag("timestamps");
    let limit = req
        .param("limitBytes")
        .and_then(|s| s.parse::<usize>().ok());
    let first = ContainerRun {
        pod: &pod,
        container: &container,
        attempt: run.attempt,
        started: run.started,
        finished: run.finished,
    };
    let mut lines = podlogs::lines(&first, from, until.max(from));
    if let Some(n) = tail
        && n >= 0
        && lines.len() > n as usize
    {
        lines.drain(..lines.len() - n as usize);
    }
    let mut text = String::new();
    for l in &lines {
        text.push_str(&format_line(l, timestamps));
    }
    if let Some(limit) = limit
        && text.len() > limit
    {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        return Ok(text_response(200, &text));
    }
    if !req.flag("follow") || run.finished.is_some() || previous {
        return Ok(text_response(200, &text));
    }
    // Follow: send what exists, then poll the script for new lines until the container run
    // ends, the pod goes away, or the client disconnects.
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let key = t.info.key();
    let mut shutdown = req.shutdown.clone();
    tokio::spawn(async move {
        if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        let mut cursor = until.max(from);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let Some(pod) = state.store.get(&key, &ns, &name) else {
                return;
            };
            let current = pick_run(&pod, &container, false).ok();
            // The run we follow ended if the pod now shows it terminated or a newer attempt.
            let ended = match &current {
                Some(c) if c.attempt == run.attempt && c.started == run.started => c.finished,
                // A newer attempt started: our run is now the pod's previous one, with its
                // real end time and exit code.
                _ => match pick_run(&pod, &container, true) {
                    Ok(prev) if prev.started == run.started => prev.finished,
                    _ => Some((Utc::now(), 0)),
                },
            };
            let end = ended.map(|(f, _)| f).unwrap_or_else(Utc::now);
            let follow_run = ContainerRun {
                pod: &pod,
                container: &container,
                attempt: run.attempt,
                started: run.started,
                finished: ended,
            };
            if end > cursor {
                let mut chunk = String::new();
                for l in podlogs::lines(&follow_run, cursor, end) {
                    chunk.push_str(&format_line(&l, timestamps));
                }
                cursor = end;
                if !chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err() {
                    return;
                }
            } else if tx.is_closed() {
                return;
            }
            if ended.is_some() {
                return;
            }
        }
    });
    Ok(stream_response("text/plain", rx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "init"}]},
            "status": {"containerStatuses": [
                {"name": "a", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "startedAt": "2026-11-26T10:00:00Z", "finishedAt": "2026-11-26T10:00:05Z"}}},
                {"name": "b", "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}})
    }

    #[test]
    fn container_choice_errors_like_the_api_server() {
        let p = pod();
        let err = pick_container(&p, None).unwrap_err();
        assert_eq!(
            err.message,
            "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]"
        );
        assert_eq!(
            pick_container(&p, Some("zz")).unwrap_err().message,
            "container zz is not valid for pod p"
        );
        assert_eq!(pick_container(&p, Some("b")).unwrap(), "b");
    }

    #[test]
    fn previous_and_waiting_runs() {
        let p = pod();
        let prev = pick_run(&p, "a", true).unwrap();
        assert_eq!(prev.attempt, 1);
        assert_eq!(prev.finished.unwrap().1, 1);
        // Crash-looping: the current request shows the last run.
        assert!(pick_run(&p, "a", false).is_ok());
        let err = pick_run(&p, "b", false).unwrap_err();
        assert_eq!(
            err.message,
            "container \"b\" in pod \"p\" is waiting to start: ContainerCreating"
        );
        assert!(
            pick_run(&p, "b", true)
                .unwrap_err()
                .message
                .starts_with("previous terminated container \"b\"")
        );
    }
}
