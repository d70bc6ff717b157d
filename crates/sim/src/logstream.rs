//! `pods/log`: picks the container run (current or previous), applies tail, since, timestamps
//! and byte limits as the kubelet does, and follows a running container until it ends or the
//! client goes away.
//!
//! What clients can rely on (the real kubelet's behaviour, which the simulator matches):
//!
//! - `timestamps=true` prefixes each line with the time the runtime recorded it, RFC 3339 in
//!   UTC with exactly nine fraction digits and a space (`2026-11-26T11:43:25.614025123Z text`).
//!   Every line of a container run has its own timestamp, so `(timestamp, text)` identifies a
//!   line.
//! - `sinceTime` is inclusive: lines stamped exactly at it are sent. The API server forwards
//!   it to the kubelet with whole-second precision (`time.RFC3339`), so fractions are dropped
//!   (rounded down) and a request resumed from the last line's timestamp sends again the lines
//!   of that second; de-duplicate them by `(timestamp, text)`.
//! - `sinceSeconds` counts back from the request's arrival; at most one of `sinceSeconds` and
//!   `sinceTime` may be given (422 otherwise).
//! - `tailLines` with `sinceTime`/`sinceSeconds` sends the last N lines among those at or
//!   after the time.
//! - `limitBytes` ends the response after that many bytes, possibly mid-line (a follow stream
//!   too).
//! - A follow of a finished container sends its log and ends; `previous` never follows.
//!
//! Streams can be cut on request for clients' reconnect tests: [`LogStreamCut`], armed with
//! [`SimState::cut_log_streams`] or over the control port.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use hyper::Response;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::http::{
    ApiRequest, Body, SimState, StreamCut, Target, cuttable_stream_response, text_response,
};
use super::podlogs::{self, ContainerRun, LogLine};
use super::store::{ApiError, parse_kube_time as ts};

/// How a cut log stream ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CutMode {
    /// The connection drops mid-response (no final chunk), as when a proxy or load balancer
    /// cuts it: clients see an error, not an end of stream.
    #[default]
    Abrupt,
    /// The response ends normally, as if the container had stopped writing.
    Clean,
}

/// A fault for the next follow requests of pod logs: each of the next `count` follow
/// streams (of one pod, or of any) ends after `after_lines` lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogStreamCut {
    /// `(namespace, name)` of the pod whose streams are cut; `None` for any pod. Shown as
    /// `"NAMESPACE/NAME"` (or `null`) in the control port's JSON.
    #[serde(serialize_with = "pod_ref")]
    pub pod: Option<(String, String)>,
    /// Lines each cut stream sends before it ends (the backlog counts).
    pub after_lines: usize,
    /// Follow streams still to cut; each follow request takes one when it starts.
    pub count: u32,
    pub mode: CutMode,
}

fn pod_ref<S: serde::Serializer>(
    pod: &Option<(String, String)>,
    out: S,
) -> Result<S::Ok, S::Error> {
    match pod {
        Some((ns, name)) => out.serialize_str(&format!("{ns}/{name}")),
        None => out.serialize_none(),
    }
}

impl SimState {
    /// Arms a cut: the next `cut.count` follow streams of the pod (or of any pod) end after
    /// `cut.after_lines` lines. Cuts armed earlier are used first.
    pub fn cut_log_streams(&self, cut: LogStreamCut) {
        if cut.count == 0 {
            return;
        }
        self.faults
            .log_cuts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(cut);
    }

    /// The cuts still armed, in the order they will be used.
    pub fn armed_log_cuts(&self) -> Vec<LogStreamCut> {
        self.faults
            .log_cuts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Disarms every cut.
    pub fn clear_log_cuts(&self) {
        self.faults
            .log_cuts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Takes one use of the first cut armed for this pod: (lines, mode).
    fn take_log_cut(&self, ns: &str, name: &str) -> Option<(usize, CutMode)> {
        let mut cuts = self
            .faults
            .log_cuts
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let i = cuts.iter().position(|c| {
            c.pod
                .as_ref()
                .is_none_or(|(n, p)| n.as_str() == ns && p.as_str() == name)
        })?;
        let cut = &mut cuts[i];
        let taken = (cut.after_lines, cut.mode);
        cut.count = cut.count.saturating_sub(1);
        if cut.count == 0 {
            cuts.remove(i);
        }
        Some(taken)
    }
}

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

/// The query of a log request, validated as the API server validates `PodLogOptions`.
struct LogOptions {
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail: Option<usize>,
    since_seconds: Option<i64>,
    since_time: Option<DateTime<Utc>>,
    limit_bytes: Option<usize>,
}

impl LogOptions {
    fn parse(req: &ApiRequest, pod: &str) -> Result<LogOptions, ApiError> {
        let int = |key: &str| -> Result<Option<i64>, ApiError> {
            match req.param(key).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    ApiError::bad_request(format!(
                        "unable to parse query parameter {key}={v:?}: not an integer"
                    ))
                }),
            }
        };
        let tail = int("tailLines")?;
        let since_seconds = int("sinceSeconds")?;
        let limit_bytes = int("limitBytes")?;
        let since_time = match req.param("sinceTime").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(
                DateTime::parse_from_rfc3339(v)
                    .map_err(|e| {
                        ApiError::bad_request(format!(
                            "parsing time {v:?} as \"2006-01-02T15:04:05Z07:00\": {e}"
                        ))
                    })?
                    .with_timezone(&Utc),
            ),
        };
        let mut causes = Vec::new();
        if tail.is_some_and(|n| n < 0) {
            causes.push((
                "tailLines".to_string(),
                format!(
                    "Invalid value: {}: must be greater than or equal to 0",
                    tail.unwrap_or_default()
                ),
            ));
        }
        if since_seconds.is_some() && since_time.is_some() {
            causes.push((
                "sinceSeconds".to_string(),
                "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
                    .to_string(),
            ));
        }
        if let Some(s) = since_seconds.filter(|s| *s < 1) {
            causes.push((
                "sinceSeconds".to_string(),
                format!("Invalid value: {s}: must be greater than 0"),
            ));
        }
        if let Some(b) = limit_bytes.filter(|b| *b < 1) {
            causes.push((
                "limitBytes".to_string(),
                format!("Invalid value: {b}: must be greater than 0"),
            ));
        }
        if !causes.is_empty() {
            return Err(ApiError::invalid("PodLogOptions", "", pod, &causes));
        }
        Ok(LogOptions {
            follow: req.flag("follow"),
            previous: req.flag("previous"),
            timestamps: req.flag("timestamps"),
            tail: tail.map(|n| n as usize),
            since_seconds,
            // The API server hands sinceTime to the kubelet formatted with `time.RFC3339`,
            // which drops the fraction: the kubelet filters from the whole second.
            since_time: since_time.map(|t| t.with_nanosecond(0).unwrap_or(t)),
            limit_bytes: limit_bytes.map(|b| b as usize),
        })
    }

    /// The oldest line time to send, if any.
    fn since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.since_time.or_else(|| {
            self.since_seconds
                .map(|s| now - chrono::Duration::seconds(s))
        })
    }
}

/// The lines a request sees of a run up to `until`: those at or after `since`, then the last
/// `tail` of them. The kubelet takes the file's tail first and filters by time after; on a
/// log in time order both orders keep the same lines, and this one makes only the window.
fn backlog(
    run: &ContainerRun<'_>,
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
    tail: Option<usize>,
) -> Vec<LogLine> {
    let from = since.unwrap_or(run.started).max(run.started);
    let mut lines = podlogs::lines(run, from, until);
    if let Some(n) = tail {
        lines.drain(..lines.len().saturating_sub(n));
    }
    lines
}

/// What `kubectl logs POD -c CONTAINER` prints now: the lines of the container's current
/// (or last) run so far, or the API's error when it has not started.
pub(crate) fn current_lines(pod: &Value, container: &str) -> Result<Vec<LogLine>, ApiError> {
    let run = pick_run(pod, container, false)?;
    let now = Utc::now();
    let until = run.finished.map(|(f, _)| f.min(now)).unwrap_or(now);
    let first = ContainerRun {
        pod,
        container,
        attempt: run.attempt,
        started: run.started,
        finished: run.finished,
    };
    Ok(backlog(&first, None, until, None))
}

/// Cuts `text` to at most `limit` bytes (on a character boundary); true when it was cut.
fn limit_text(text: &mut String, limit: usize) -> bool {
    if text.len() <= limit {
        return false;
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    true
}

/// Sends formatted lines down a stream, ending it when a cut says so.
struct Sink {
    tx: mpsc::Sender<Result<Bytes, StreamCut>>,
    timestamps: bool,
    /// Lines left before a cut, and how it ends the stream.
    cut: Option<(usize, CutMode)>,
    /// Bytes left under `limitBytes`.
    bytes_left: Option<usize>,
}

impl Sink {
    /// Sends `lines`; false when the stream is over (client gone, or cut).
    async fn send(&mut self, lines: &[LogLine]) -> bool {
        let (lines, cut_now) = match &mut self.cut {
            Some((left, _)) if lines.len() >= *left => {
                let n = *left;
                *left = 0;
                (&lines[..n], true)
            }
            Some((left, _)) => {
                *left -= lines.len();
                (lines, false)
            }
            None => (lines, false),
        };
        let mut chunk = String::new();
        for l in lines {
            chunk.push_str(&format_line(l, self.timestamps));
        }
        let limited = self
            .bytes_left
            .is_some_and(|left| limit_text(&mut chunk, left));
        if let Some(left) = &mut self.bytes_left {
            *left -= chunk.len();
        }
        if !chunk.is_empty() && self.tx.send(Ok(Bytes::from(chunk))).await.is_err() {
            return false;
        }
        if limited {
            return false;
        }
        if cut_now {
            if let Some((_, CutMode::Abrupt)) = self.cut {
                let _ = self
                    .tx
                    .send(Err(StreamCut("log stream cut by an injected fault".into())))
                    .await;
            }
            // A clean cut just ends the response (the sender drops with the task).
            return false;
        }
        true
    }
}

/// Serves `GET …/pods/{name}/log`.
pub async fn serve(
    state: Arc<SimState>,
    t: &Target,
    req: &ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let (ns, name, pod) = t.object(&state)?;
    let container = pick_container(&pod, req.param("container"))?;
    let opts = LogOptions::parse(req, &name)?;
    let run = pick_run(&pod, &container, opts.previous)?;
    let now = Utc::now();
    let since = opts.since(now);
    let until = run.finished.map(|(f, _)| f.min(now)).unwrap_or(now);
    let first = ContainerRun {
        pod: &pod,
        container: &container,
        attempt: run.attempt,
        started: run.started,
        finished: run.finished,
    };
    let lines = backlog(&first, since, until, opts.tail);
    let cut = if opts.follow && !opts.previous {
        state.take_log_cut(&ns, &name)
    } else {
        None
    };
    if !opts.follow || opts.previous || (run.finished.is_some() && cut.is_none()) {
        let mut text = String::new();
        for l in &lines {
            text.push_str(&format_line(l, opts.timestamps));
        }
        if let Some(limit) = opts.limit_bytes {
            limit_text(&mut text, limit);
        }
        return Ok(text_response(200, &text));
    }
    // Follow: send what exists, then poll the script for new lines until the container run
    // ends, the pod goes away, the client disconnects or a cut ends the stream.
    let (tx, rx) = mpsc::channel::<Result<Bytes, StreamCut>>(64);
    let key = t.info.key();
    let mut shutdown = req.shutdown.clone();
    let mut sink = Sink {
        tx,
        timestamps: opts.timestamps,
        cut,
        bytes_left: opts.limit_bytes,
    };
    let from = since.unwrap_or(run.started).max(run.started);
    tokio::spawn(async move {
        if !sink.send(&lines).await || run.finished.is_some() {
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
                let fresh = podlogs::lines(&follow_run, cursor, end);
                cursor = end;
                if !sink.send(&fresh).await {
                    return;
                }
            } else if sink.tx.is_closed() {
                return;
            }
            if ended.is_some() {
                return;
            }
        }
    });
    Ok(cuttable_stream_response("text/plain", rx))
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
