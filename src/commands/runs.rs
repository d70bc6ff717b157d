//! `strata runs`: the stack's runs for scripts and runbooks — newest first, filtered by tool,
//! state and age — as an aligned table or JSON. Read once through the same cache and layers
//! feed as the cockpit. Exit 0, or 2 when the runs could not be read.

use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{CommandError, parse_age};
use crate::cluster::layers;
use crate::cluster::{Cache, ConnectTarget, NamespaceScope, connect, probe};
use crate::stack::{Run, RunState};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RunsFormat {
    Table,
    Json,
}

#[derive(Clone, Debug)]
pub struct RunsOptions {
    pub target: ConnectTarget,
    pub scope: NamespaceScope,
    pub output: RunsFormat,
    /// Only runs of this tool (`airflow`, `airbyte`, `dbt`…).
    pub tool: Option<String>,
    /// Only runs in this state.
    pub state: Option<String>,
    /// Only runs started (or finished) within this long (`30m`, `2h`, `1d`).
    pub since: Option<String>,
}

/// Runs the command and prints; the process exit code.
pub async fn main(options: RunsOptions) -> i32 {
    match run(&options).await {
        Ok(text) => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            0
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            super::EXIT_ERROR
        }
    }
}

pub async fn run(options: &RunsOptions) -> Result<String, CommandError> {
    let state = match &options.state {
        Some(word) => Some(RunState::parse(word).ok_or_else(|| CommandError::Argument {
            what: "--state".into(),
            value: word.clone(),
            expected: "pending, running, retrying, succeeded or failed".into(),
        })?),
        None => None,
    };
    let since = match &options.since {
        Some(text) => Some(parse_age(text).ok_or_else(|| CommandError::Argument {
            what: "--since".into(),
            value: text.clone(),
            expected: "a duration such as 30s, 15m, 2h or 1d".into(),
        })?),
        None => None,
    };
    let rules = crate::status::load_rules(None)?;
    let connection = connect(&options.target).await?;
    probe(&connection).await?;
    let cache = Cache::new(connection.client.clone());
    let update = layers::assess_once(cache, options.scope.clone(), Arc::new(rules)).await?;
    for warning in &update.warnings {
        let _ = writeln!(std::io::stderr().lock(), "warning: {warning}");
    }
    let now = Utc::now();
    let runs: Vec<&Run> = select(&update.runs, options.tool.as_deref(), state, since, now);
    Ok(match options.output {
        RunsFormat::Json => json_text(&connection.context, &runs, now),
        RunsFormat::Table => to_table(&runs, now),
    })
}

/// The runs that pass the filters, newest first.
pub fn select<'a>(
    runs: &'a [Run],
    tool: Option<&str>,
    state: Option<RunState>,
    since: Option<Duration>,
    now: DateTime<Utc>,
) -> Vec<&'a Run> {
    runs.iter()
        .filter(|r| tool.is_none_or(|t| r.tool.as_deref() == Some(t)))
        .filter(|r| state.is_none_or(|s| r.state == s))
        .filter(|r| since.is_none_or(|d| r.when().is_some_and(|at| now - at <= d)))
        .collect()
}

/// `{"context", "runs": [...]}`: each run with its pods and containers.
pub fn to_json(context: &str, runs: &[&Run], now: DateTime<Utc>) -> serde_json::Value {
    let runs: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let mut value = serde_json::to_value(r).unwrap_or_default();
            value["duration_seconds"] = json!(r.duration(now).map(|d| d.num_seconds()));
            value
        })
        .collect();
    json!({"context": context, "runs": runs})
}

/// `strata runs -o json` (also the bundle's `runs.json`).
pub fn json_text(context: &str, runs: &[&Run], now: DateTime<Utc>) -> String {
    let mut text =
        serde_json::to_string_pretty(&to_json(context, runs, now)).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

fn to_table(runs: &[&Run], now: DateTime<Utc>) -> String {
    let mut rows: Vec<[String; 8]> = vec![[
        "STATE".into(),
        "TOOL".into(),
        "RUN".into(),
        "COMPONENT".into(),
        "TRY".into(),
        "STARTED".into(),
        "DURATION".into(),
        "ID".into(),
    ]];
    for r in runs {
        rows.push([
            r.state.as_str().into(),
            r.tool.clone().unwrap_or_else(|| "-".into()),
            r.name.clone(),
            format!("{}/{}", r.namespace, r.component),
            r.try_number.map_or("-".into(), |n| n.to_string()),
            r.when().map_or("-".into(), |t| {
                format!("{} ago", crate::printers::human_duration(now - t))
            }),
            r.duration(now)
                .map_or("-".into(), crate::printers::human_duration),
            r.id.clone(),
        ]);
    }
    let mut widths = [0usize; 8];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count()));
            }
        }
        out.push_str(&strata_common::text::sanitize(line.trim_end()));
        out.push('\n');
        // A failed run's reason goes under it, indented, like `strata status` reasons.
        if i > 0
            && let Some(reason) = runs[i - 1]
                .reason
                .as_deref()
                .filter(|_| matches!(runs[i - 1].state, RunState::Failed | RunState::Retrying))
        {
            out.push_str("    ");
            out.push_str(&strata_common::text::sanitize(reason));
            out.push('\n');
        }
    }
    if runs.is_empty() {
        out.push_str("no runs\n");
    }
    out
}
