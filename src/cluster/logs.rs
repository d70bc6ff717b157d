//! Following the logs of a set of pods: every container of every pod a [`LogQuery`] selects
//! (a pod, a workload's pods, a run's pods), including pods that appear later (the next try
//! of a run, a new replica), read through kube-rs with `timestamps=true`. A stream that ends
//! while its container still runs (a dropped connection, a proxy timeout) is resumed with
//! `sinceTime` at its last line, and the lines at exactly that instant that were already
//! read are skipped: nothing lost, nothing twice. Lines of pods that ended stay.
//!
//! Readers never wait for the viewer: they append to a shared [`LogQueue`] (bounded: beyond
//! its cap the oldest lines go, as the viewer's ring buffer would drop them anyway) and wake
//! the consumer, which drains it in batches.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use strata_common::selector::LabelSelector;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::cache::{Cache, CacheEvent};
use super::resource::ResourceRow;
use super::{Catalog, NamespaceScope, WatchTarget, with_causes};
use crate::stack::{ObjectState, StackObject};

/// How far back a viewer starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogWindow {
    /// The last N lines of each container.
    Tail(i64),
    /// The lines of the last N seconds.
    Since(i64),
    /// Everything the kubelet still has.
    All,
}

impl LogWindow {
    /// `tail 500`, `5m`, `all`.
    pub fn label(self) -> String {
        match self {
            LogWindow::Tail(n) => format!("tail {n}"),
            LogWindow::Since(s) if s % 3600 == 0 => format!("{}h", s / 3600),
            LogWindow::Since(s) if s % 60 == 0 => format!("{}m", s / 60),
            LogWindow::Since(s) => format!("{s}s"),
            LogWindow::All => "all".to_string(),
        }
    }
}

/// Which pods' logs: some by name, and any that match a label selector, in one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogQuery {
    pub namespace: String,
    /// Pods named outright (a pod, a run's pods so far).
    pub pods: Vec<String>,
    /// Pods selected by labels (any of these selectors), now and later (a workload's
    /// replicas, a run's next try).
    pub selectors: Vec<String>,
    /// Only this container (else every container, init containers first).
    pub container: Option<String>,
    pub window: LogWindow,
    /// The previous instance of each container (after a restart), instead of the current.
    pub previous: bool,
    /// Keep reading as lines come (else read what is there and end).
    pub follow: bool,
}

impl LogQuery {
    /// The logs of pods named outright, following them.
    pub fn pods(namespace: impl Into<String>, pods: Vec<String>) -> LogQuery {
        LogQuery {
            namespace: namespace.into(),
            pods,
            selectors: Vec::new(),
            container: None,
            window: LogWindow::Tail(DEFAULT_TAIL),
            previous: false,
            follow: true,
        }
    }
}

/// Lines of each container a viewer starts with (like `kubectl logs --tail`).
pub const DEFAULT_TAIL: i64 = 500;

/// What a viewer (or `strata logs`) names, before it is resolved to pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogTarget {
    /// Pods by name.
    Pods {
        namespace: String,
        pods: Vec<String>,
    },
    /// The pods of workloads, by kind and name (a Deployment's, a component's).
    Workloads {
        namespace: String,
        workloads: Vec<(String, String)>,
    },
    /// One run: its pods and the next tries as they come.
    Run(Box<crate::stack::Run>),
}

impl LogTarget {
    /// The pods and selectors it names; workloads are read for their pod selectors.
    pub async fn resolve(&self, cache: &Cache) -> Result<LogQuery, String> {
        match self {
            LogTarget::Pods { namespace, pods } => {
                Ok(LogQuery::pods(namespace.clone(), pods.clone()))
            }
            LogTarget::Run(run) => {
                let mut query = LogQuery::pods(
                    run.namespace.clone(),
                    run.pods.iter().map(|p| p.name.clone()).collect(),
                );
                query.selectors = run.follow_selector.iter().cloned().collect();
                Ok(query)
            }
            LogTarget::Workloads {
                namespace,
                workloads,
            } => {
                let catalog = Catalog::builtin();
                let mut query = LogQuery::pods(namespace.clone(), Vec::new());
                let mut problems = Vec::new();
                for (kind, name) in workloads {
                    let Some(kind) = catalog.resolve(kind) else {
                        continue;
                    };
                    if kind.plural == "pods" {
                        query.pods.push(name.clone());
                        continue;
                    }
                    let api: Api<kube::api::DynamicObject> = Api::namespaced_with(
                        cache.client().clone(),
                        namespace,
                        &kind.api_resource(),
                    );
                    match api.get(name).await {
                        Ok(object) => {
                            if let Some(selector) = crate::printers::label_selector_string(
                                &object.data["spec"]["selector"],
                            )
                            .filter(|s| !s.is_empty())
                            {
                                query.selectors.push(selector);
                            }
                        }
                        Err(error) => problems.push(format!(
                            "cannot read {} {name} in {namespace}: {}",
                            kind.singular,
                            with_causes(&error)
                        )),
                    }
                }
                if query.pods.is_empty() && query.selectors.is_empty() {
                    return Err(match problems.is_empty() {
                        true => "nothing there selects pods".to_string(),
                        false => problems.join("; "),
                    });
                }
                Ok(query)
            }
        }
    }
}

/// One container's log, as the viewer lists its sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSource {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub init: bool,
}

/// One line as read, its timestamp already split off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLine {
    /// Index into the sources announced so far.
    pub source: u16,
    pub at: Option<DateTime<Utc>>,
    pub bytes: Vec<u8>,
}

/// What readers report besides lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogNote {
    /// A new source (its index is the count of sources before it).
    Source(LogSource),
    /// A source's stream ended for good: its container finished or its pod went.
    Ended { source: u16 },
    /// A source could not be read (forbidden, not started yet); retried unless said.
    Problem { source: u16, message: String },
    /// The stream was dropped and resumed at the last line.
    Resumed { source: u16 },
    /// Every pod there was when the query started has its sources announced (this many in
    /// all so far): a reader that does not follow can tell when it has everything.
    Listed { sources: u16 },
}

/// Most lines waiting for the consumer; beyond it the oldest are dropped (counted).
pub const QUEUE_CAP: usize = 200_000;

/// Lines and notes waiting for the consumer, shared by every reader of one viewer.
#[derive(Default)]
pub struct LogQueue {
    inner: Mutex<Queued>,
    wake: Notify,
}

/// What a consumer takes out in one go.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Queued {
    pub lines: VecDeque<RawLine>,
    pub notes: Vec<LogNote>,
    /// Lines dropped because the consumer fell behind by more than [`QUEUE_CAP`].
    pub dropped: u64,
}

impl LogQueue {
    fn push(&self, lines: Vec<RawLine>) {
        if lines.is_empty() {
            return;
        }
        let mut queued = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        queued.lines.extend(lines);
        while queued.lines.len() > QUEUE_CAP {
            queued.lines.pop_front();
            queued.dropped += 1;
        }
        drop(queued);
        self.wake.notify_one();
    }

    fn note(&self, note: LogNote) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .notes
            .push(note);
        self.wake.notify_one();
    }

    /// Waits until something is queued, then takes all of it.
    pub async fn take(&self) -> Queued {
        loop {
            {
                let mut queued = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                if !queued.lines.is_empty() || !queued.notes.is_empty() || queued.dropped > 0 {
                    return std::mem::take(&mut *queued);
                }
            }
            self.wake.notified().await;
        }
    }
}

/// A running follow: its readers stop when it is dropped.
pub struct LogFollow {
    pub queue: Arc<LogQueue>,
    tasks: JoinSet<()>,
}

impl LogFollow {
    /// Starts following `query`: the pods it selects now and later, every container.
    pub fn start(cache: &Cache, query: LogQuery) -> LogFollow {
        let queue = Arc::new(LogQueue::default());
        let mut tasks = JoinSet::new();
        tasks.spawn(follow_pods(cache.clone(), query, queue.clone()));
        LogFollow { queue, tasks }
    }

    pub fn abort(&mut self) {
        self.tasks.abort_all();
    }
}

/// Where each container's reader is, shared with the pod watcher that starts them.
struct Readers {
    started: HashSet<(String, String)>,
    /// Source index of (pod, container).
    sources: HashMap<(String, String), u16>,
    /// The latest pod state per pod name, so a reader knows whether its container still runs.
    pods: HashMap<String, Arc<ResourceRow>>,
}

async fn follow_pods(cache: Cache, query: LogQuery, queue: Arc<LogQueue>) {
    let Some(pods_kind) = Catalog::builtin().resolve("pods").cloned() else {
        return;
    };
    let target = WatchTarget::of(pods_kind, NamespaceScope::Only(query.namespace.clone()));
    let selectors: Vec<LabelSelector> = query
        .selectors
        .iter()
        .filter_map(|s| LabelSelector::parse(s).ok())
        .filter(|s| !s.is_empty())
        .collect();
    let wanted = |row: &ResourceRow| {
        query.pods.iter().any(|p| row.key.name == p.as_str())
            || selectors.iter().any(|s| s.matches_with(|k| row.label(k)))
    };
    let readers = Arc::new(Mutex::new(Readers {
        started: HashSet::new(),
        sources: HashMap::new(),
        pods: HashMap::new(),
    }));
    let mut tasks = JoinSet::new();
    let mut events = cache.subscribe(&target).into_stream().boxed();
    // Pods there when the viewer opened start at the window; later ones from their start.
    let mut listed = false;
    while let Some(event) = events.next().await {
        let rows: Vec<Arc<ResourceRow>> = match event {
            CacheEvent::Reset(rows) => rows,
            CacheEvent::Applied(row) => vec![row],
            CacheEvent::Deleted(row) => {
                let mut r = readers.lock().unwrap_or_else(|p| p.into_inner());
                r.pods.remove(row.key.name.as_str());
                continue;
            }
            CacheEvent::Status(status) => {
                if status.is_settled() && !listed {
                    listed = true;
                    let sources = readers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .sources
                        .len() as u16;
                    queue.note(LogNote::Listed { sources });
                    // Without following, the pods of now are all there is to read.
                    if !query.follow {
                        break;
                    }
                }
                continue;
            }
            CacheEvent::Columns(_) => continue,
        };
        for row in rows.into_iter().filter(|r| wanted(r)) {
            let Some(facts) = row.facts.clone() else {
                continue;
            };
            let mut new = Vec::new();
            {
                let mut r = readers.lock().unwrap_or_else(|p| p.into_inner());
                r.pods.insert(row.key.name.to_string(), row.clone());
                let mut containers: Vec<(&str, bool)> = facts
                    .containers
                    .iter()
                    .map(|c| (c.name.as_str(), c.init))
                    .collect();
                containers.sort_by_key(|(_, init)| !init);
                for (container, init) in containers {
                    if query.container.as_deref().is_some_and(|c| c != container) {
                        continue;
                    }
                    let key = (row.key.name.to_string(), container.to_string());
                    if !r.started.insert(key.clone()) {
                        continue;
                    }
                    let source = r.sources.len() as u16;
                    r.sources.insert(key, source);
                    new.push((source, container.to_string(), init));
                }
            }
            for (source, container, init) in new {
                queue.note(LogNote::Source(LogSource {
                    namespace: query.namespace.clone(),
                    pod: row.key.name.to_string(),
                    container: container.clone(),
                    init,
                }));
                let reader = ContainerReader {
                    api: Api::namespaced(cache.client().clone(), &query.namespace),
                    pod: row.key.name.to_string(),
                    container,
                    source,
                    window: if listed { LogWindow::All } else { query.window },
                    previous: query.previous,
                    follow: query.follow,
                    queue: queue.clone(),
                    readers: readers.clone(),
                };
                tasks.spawn(reader.run());
            }
        }
    }
    // Not following: the readers of the pods there were finish on their own.
    while tasks.join_next().await.is_some() {}
}

/// Reads one container's log, resuming after drops.
struct ContainerReader {
    api: Api<Pod>,
    pod: String,
    container: String,
    source: u16,
    window: LogWindow,
    previous: bool,
    follow: bool,
    queue: Arc<LogQueue>,
    readers: Arc<Mutex<Readers>>,
}

/// Lines per batch handed to the queue.
const BATCH: usize = 256;
/// Longest pause between reconnect attempts.
const RETRY_CAP: Duration = Duration::from_secs(5);

impl ContainerReader {
    /// The container's state in the pod as last seen: `None` when the pod is gone.
    fn container_done(&self) -> Option<bool> {
        let readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        let row = readers.pods.get(&self.pod)?;
        let facts: &StackObject = row.facts.as_deref()?;
        Some(match &facts.state {
            ObjectState::Pod(pod) => {
                matches!(pod.phase.as_str(), "Succeeded" | "Failed") || pod.deleting
            }
            _ => false,
        })
    }

    async fn run(self) {
        let mut last: Option<DateTime<Utc>> = None;
        // Every text read at exactly `last`, with how often: a stream resumed at `last`
        // repeats them, and they are skipped once each.
        let mut at_last: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut backoff = Duration::from_millis(250);
        let mut resumed = false;
        loop {
            let follow = self.follow && !self.previous && self.container_done() == Some(false);
            let mut params = LogParams {
                container: Some(self.container.clone()),
                follow,
                timestamps: true,
                previous: self.previous,
                ..LogParams::default()
            };
            match (last, self.window) {
                (Some(at), _) => params.since_time = jiff_time(at),
                (None, LogWindow::Tail(n)) => params.tail_lines = Some(n),
                (None, LogWindow::Since(s)) => params.since_seconds = Some(s),
                (None, LogWindow::All) => {}
            }
            let stream = match self.api.log_stream(&self.pod, &params).await {
                Ok(stream) => stream,
                Err(error) => {
                    let gone = self.container_done().is_none();
                    let message = match &error {
                        kube::Error::Api(status) => status.message.clone(),
                        other => with_causes(other),
                    };
                    // A container that has not started yet answers 400: wait for it.
                    self.queue.note(LogNote::Problem {
                        source: self.source,
                        message,
                    });
                    if gone || self.previous {
                        self.queue.note(LogNote::Ended {
                            source: self.source,
                        });
                        return;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(RETRY_CAP);
                    continue;
                }
            };
            if resumed {
                self.queue.note(LogNote::Resumed {
                    source: self.source,
                });
            }
            let mut read_any = false;
            let mut stream = std::pin::pin!(stream);
            let mut batch = Vec::with_capacity(BATCH);
            let mut skip = at_last.clone();
            let mut bytes = Vec::new();
            loop {
                // Hand over what is read so far when the stream pauses. Cancelling
                // `read_until` loses nothing: what it read is already in `bytes`.
                let read = if batch.is_empty() {
                    stream.read_until(b'\n', &mut bytes).await
                } else {
                    match tokio::time::timeout(
                        Duration::from_millis(20),
                        stream.read_until(b'\n', &mut bytes),
                    )
                    .await
                    {
                        Ok(read) => read,
                        Err(_) => {
                            self.queue.push(std::mem::take(&mut batch));
                            continue;
                        }
                    }
                };
                // The end, or an error mid-stream (a dropped connection): see below.
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                read_any = true;
                let line = std::mem::take(&mut bytes);
                let line = line.strip_suffix(b"\n").unwrap_or(&line);
                let (at, text) = split_timestamp(line);
                // A resumed stream starts at `last` itself: skip what was read at it.
                if let (Some(at), Some(last)) = (at, last) {
                    if at < last {
                        continue;
                    }
                    if at == last
                        && let Some(count) = skip.get_mut(text)
                        && *count > 0
                    {
                        *count -= 1;
                        continue;
                    }
                }
                if at.is_some() && at != last {
                    last = at;
                    at_last.clear();
                    skip.clear();
                }
                if at.is_some() {
                    *at_last.entry(text.to_vec()).or_default() += 1;
                }
                batch.push(RawLine {
                    source: self.source,
                    at,
                    bytes: text.to_vec(),
                });
                if batch.len() >= BATCH {
                    self.queue.push(std::mem::take(&mut batch));
                }
            }
            self.queue.push(batch);
            if !follow || self.previous {
                self.queue.note(LogNote::Ended {
                    source: self.source,
                });
                return;
            }
            // The stream ended. A finished container or a gone pod: done. Otherwise the
            // connection dropped: resume at the last line.
            match self.container_done() {
                Some(false) => {
                    resumed = true;
                    // A stream that ends at once with nothing (a container waiting to
                    // restart, a kubelet refusing) is retried ever more slowly, not in a
                    // tight loop; one that carried lines is resumed at once.
                    if read_any {
                        backoff = Duration::from_millis(250);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    } else {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(RETRY_CAP);
                    }
                }
                _ => {
                    self.queue.note(LogNote::Ended {
                        source: self.source,
                    });
                    return;
                }
            }
        }
    }
}

/// `2026-03-01T12:00:00.123456789Z text` → (time, text). Lines without a timestamp (a
/// server that ignored `timestamps`) keep all their bytes.
pub fn split_timestamp(line: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(space) = line.iter().take(40).position(|b| *b == b' ') else {
        return (None, line);
    };
    let Ok(text) = std::str::from_utf8(&line[..space]) else {
        return (None, line);
    };
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => (Some(at.with_timezone(&Utc)), &line[space + 1..]),
        Err(_) => (None, line),
    }
}

/// `sinceTime` for a resumed stream: the whole second of `at`. kube-rs sends whole seconds
/// (rounding to the nearest) and the API server passes whole seconds on; rounding up would
/// skip the rest of that second, so round down and skip what was read by timestamp instead.
fn jiff_time(at: DateTime<Utc>) -> Option<k8s_openapi::jiff::Timestamp> {
    k8s_openapi::jiff::Timestamp::new(at.timestamp(), 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off_and_kept() {
        let (at, text) = split_timestamp(b"2026-03-01T12:00:00.123456789Z hello world");
        assert_eq!(
            at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
            Some("2026-03-01T12:00:00.123456789Z".to_string())
        );
        assert_eq!(text, b"hello world");
        assert_eq!(
            split_timestamp(b"no time here"),
            (None, &b"no time here"[..])
        );
        assert_eq!(split_timestamp(b"").1, b"");
        let (at, text) = split_timestamp(b"2026-03-01T12:00:00Z \r");
        assert!(at.is_some());
        assert_eq!(text, b"");
    }

    #[test]
    fn windows_read_like_kubectl_flags() {
        assert_eq!(LogWindow::Tail(500).label(), "tail 500");
        assert_eq!(LogWindow::Since(300).label(), "5m");
        assert_eq!(LogWindow::Since(3600).label(), "1h");
        assert_eq!(LogWindow::All.label(), "all");
    }
}
