//! `strata logs TARGET`: the logs of a run, a pod, a workload or a component, every pod and
//! container merged (prefixed with `pod/container` when there are several), like the
//! cockpit's viewer but on stdout. TARGET is a run id (`namespace/name`, as `strata runs`
//! prints it) or a run's name, `pod/NAME`, a workload (`deploy/NAME`, `sts/NAME`, `job/NAME`…),
//! or a component name. With `-f`, new pods (a run's next try) are picked up as they come.

use std::io::Write;
use std::sync::Arc;

use super::{CommandError, parse_age};
use crate::cluster::layers::{self, LayersUpdate};
use crate::cluster::logs::{
    LogFollow, LogNote, LogQuery, LogSource, LogTarget, LogWindow, RawLine,
};
use crate::cluster::{Cache, Catalog, ConnectTarget, NamespaceScope, connect, probe};
use crate::stack::Run;

#[derive(Clone, Debug)]
pub struct LogsOptions {
    pub target: ConnectTarget,
    /// `-n`: where `pod/NAME`, workloads and components are looked for.
    pub namespace: Option<String>,
    pub what: String,
    pub follow: bool,
    pub since: Option<String>,
    pub tail: Option<i64>,
    pub container: Option<String>,
    pub previous: bool,
}

/// Runs the command; the process exit code.
pub async fn main(options: LogsOptions) -> i32 {
    match run(&options).await {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            super::EXIT_ERROR
        }
    }
}

pub async fn run(options: &LogsOptions) -> Result<(), CommandError> {
    let window = match (&options.since, options.tail) {
        (Some(since), _) => LogWindow::Since(
            parse_age(since)
                .ok_or_else(|| CommandError::Argument {
                    what: "--since".into(),
                    value: since.clone(),
                    expected: "a duration such as 30s, 15m, 2h or 1d".into(),
                })?
                .num_seconds(),
        ),
        (None, Some(n)) => LogWindow::Tail(n),
        // Without a window, everything (kubectl's default too).
        (None, None) => LogWindow::All,
    };
    let connection = connect(&options.target).await?;
    probe(&connection).await?;
    let cache = Cache::new(connection.client.clone());
    let namespace = options
        .namespace
        .clone()
        .unwrap_or_else(|| connection.default_namespace.clone());
    let mut query = resolve(&cache, &namespace, &options.what).await?;
    query.window = window;
    query.follow = options.follow;
    query.previous = options.previous;
    query.container = options.container.clone();
    print(&cache, query).await;
    Ok(())
}

/// What TARGET names, as a log query.
async fn resolve(cache: &Cache, namespace: &str, what: &str) -> Result<LogQuery, CommandError> {
    let catalog = Catalog::builtin();
    let target = if let Some((kind, name)) = what.split_once('/')
        && let Some(kind) = catalog.resolve(kind).filter(|k| k.namespaced)
    {
        LogTarget::Workloads {
            namespace: namespace.to_string(),
            workloads: vec![(kind.kind.clone(), name.to_string())],
        }
    } else {
        // A run or a component: read the stack once.
        let rules = crate::status::load_rules(None)?;
        let update =
            layers::assess_once(cache.clone(), NamespaceScope::All, Arc::new(rules)).await?;
        match find_run(&update.runs, what) {
            Some(run) => LogTarget::Run(Box::new(run.clone())),
            None => component_target(&update, namespace, what).ok_or_else(|| {
                CommandError::Target(format!(
                    "{what:?} is not a run id or name, a pod/NAME, a workload (deploy/NAME, \
                     sts/NAME, job/NAME) or a component; `strata runs` lists runs, `strata \
                     status` components"
                ))
            })?,
        }
    };
    target.resolve(cache).await.map_err(CommandError::Target)
}

/// A run by id (`namespace/name`), else the newest run with that name.
pub fn find_run<'a>(runs: &'a [Run], what: &str) -> Option<&'a Run> {
    runs.iter()
        .find(|r| r.id == what)
        .or_else(|| runs.iter().find(|r| r.name == what))
}

/// A component's workloads (by name; the one in `namespace` when names repeat).
fn component_target(update: &LayersUpdate, namespace: &str, name: &str) -> Option<LogTarget> {
    let mut matching: Vec<_> = update
        .report
        .components()
        .filter(|c| c.name == name)
        .collect();
    if matching.len() > 1 {
        matching.retain(|c| c.namespace == namespace);
    }
    let component = matching.first()?;
    Some(LogTarget::Workloads {
        namespace: component.namespace.clone(),
        workloads: component
            .workloads
            .iter()
            .map(|w| (w.kind.clone(), w.name.clone()))
            .collect(),
    })
}

/// Prints the lines in time order across pods and containers. Without following: everything
/// there is, sorted, once every source has ended. Following: each batch as it comes.
async fn print(cache: &Cache, query: LogQuery) {
    let follow = query.follow;
    let follower = LogFollow::start(cache, query);
    let mut sources: Vec<LogSource> = Vec::new();
    let mut ended = 0usize;
    let mut listed: Option<usize> = None;
    let mut held: Vec<RawLine> = Vec::new();
    let stdout = std::io::stdout();
    loop {
        let mut queued = follower.queue.take().await;
        for note in queued.notes {
            match note {
                LogNote::Source(source) => sources.push(source),
                LogNote::Ended { .. } => ended += 1,
                LogNote::Listed { sources } => listed = Some(usize::from(sources)),
                LogNote::Problem { source, message } => {
                    let name = sources
                        .get(usize::from(source))
                        .map(|s| format!("{}/{}", s.pod, s.container))
                        .unwrap_or_default();
                    let _ = writeln!(std::io::stderr().lock(), "warning: {name}: {message}");
                }
                LogNote::Resumed { .. } => {}
            }
        }
        if queued.dropped > 0 {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {} lines dropped (the output could not keep up)",
                queued.dropped
            );
        }
        let done = !follow && listed.is_some_and(|n| ended >= n);
        let mut lines: Vec<RawLine> = queued.lines.drain(..).collect();
        if !follow {
            held.append(&mut lines);
            if !done {
                continue;
            }
            lines = std::mem::take(&mut held);
        }
        // Stable: lines of one container keep their order at equal times.
        lines.sort_by_key(|l| l.at);
        let mut out = stdout.lock();
        for line in lines {
            let text = String::from_utf8_lossy(&line.bytes);
            let text = strata_common::text::sanitize(&text);
            let written = if sources.len() > 1 {
                let source = &sources[usize::from(line.source)];
                writeln!(out, "[{}/{}] {text}", source.pod, source.container)
            } else {
                writeln!(out, "{text}")
            };
            if written.is_err() {
                // stdout closed (`| head`): nothing more to do.
                return;
            }
        }
        let _ = out.flush();
        if done {
            return;
        }
    }
}
