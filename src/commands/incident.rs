//! `strata incident`: what is broken and what changed just before, as the incident screen
//! shows it — for a runbook, a ticket or a terminal without the cockpit. Exit 0 when nothing
//! is broken, 1 when something is, 2 when the report could not be made.

use std::io::Write;
use std::sync::Arc;

use chrono::Utc;

use super::{CommandError, parse_age};
use crate::cluster::layers;
use crate::cluster::{Cache, ConnectTarget, NamespaceScope, connect, probe};
use crate::stack::incident::IncidentReport;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum IncidentFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct IncidentOptions {
    pub target: ConnectTarget,
    pub scope: NamespaceScope,
    pub output: IncidentFormat,
    /// How far back the timeline goes (`2h`).
    pub since: String,
}

/// Reads the cluster once and correlates.
pub async fn run(options: &IncidentOptions) -> Result<IncidentReport, CommandError> {
    let window = parse_age(&options.since).ok_or_else(|| CommandError::Argument {
        what: "--since".into(),
        value: options.since.clone(),
        expected: "a duration such as 30m, 2h or 1d".into(),
    })?;
    let rules = crate::status::load_rules(None)?;
    let connection = connect(&options.target).await?;
    probe(&connection).await?;
    let cache = Cache::new(connection.client.clone());
    let update = layers::assess_once(cache, options.scope.clone(), Arc::new(rules)).await?;
    let now = Utc::now();
    let mut report = crate::cluster::incident::read(
        &connection.client,
        &options.scope,
        &update.report,
        now - window,
        now,
    )
    .await;
    report
        .warnings
        .extend(update.warnings.iter().map(|w| w.to_string()));
    Ok(report)
}

/// Runs the command and prints; returns the exit code.
pub async fn main(options: IncidentOptions) -> i32 {
    match run(&options).await {
        Ok(report) => {
            let text = match options.output {
                IncidentFormat::Json => {
                    serde_json::to_string_pretty(&report.to_json()).unwrap_or_default() + "\n"
                }
                // Names and messages come from the cluster: no escape sequence reaches the
                // terminal.
                IncidentFormat::Text => report
                    .to_text()
                    .lines()
                    .map(|l| strata_common::text::sanitize(l).into_owned() + "\n")
                    .collect(),
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            i32::from(!report.incidents.is_empty())
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            2
        }
    }
}
