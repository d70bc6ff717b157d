//! `strata status`: the layer report for runbooks and scripts. Reads the cluster once through
//! the same cache and layer feed as the cockpit (`cluster::layers::assess_once`), classifies
//! with the built-in rules plus the user's `rules.toml`, and prints a table or JSON (shape in
//! docs/rules.md), with what could not be read. Exit codes: 0 all healthy, 1 some component
//! degraded or down (`--fail-on down`: only down), 2 the report could not be made.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cluster::layers::{self, LayersError, ReadWarning};
use crate::cluster::{Cache, ClusterError, ConnectTarget, NamespaceScope, connect, probe};
use crate::config::ConfigPaths;
use crate::stack::{self, FailOn, RuleSet, RulesError};

/// Exit code when the report could not be made.
pub const EXIT_ERROR: i32 = 2;
/// Exit code when something is degraded or down (per `--fail-on`).
pub const EXIT_FAILING: i32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text, one block per layer, reasons under each component.
    Table,
    /// `{"context", "layers":[…]}` as documented in docs/rules.md.
    Json,
}

/// The `--fail-on` levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailLevel {
    /// Exit 1 when any component is degraded or down.
    Degraded,
    /// Exit 1 only when a component is down.
    Down,
}

impl From<FailLevel> for FailOn {
    fn from(level: FailLevel) -> FailOn {
        match level {
            FailLevel::Degraded => FailOn::Degraded,
            FailLevel::Down => FailOn::Down,
        }
    }
}

#[derive(Clone, Debug)]
pub struct StatusOptions {
    pub target: ConnectTarget,
    pub scope: NamespaceScope,
    pub output: OutputFormat,
    pub fail_on: FailLevel,
    /// A rules file other than `~/.config/strata/rules.toml`.
    pub rules: Option<PathBuf>,
}

/// Why `strata status` could not report.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Layers(#[from] LayersError),
    #[error(transparent)]
    Rules(#[from] RulesError),
}

/// A finished report.
#[derive(Clone, Debug)]
pub struct StatusOutcome {
    /// What goes to stdout.
    pub output: String,
    /// What could not be seen (goes to stderr, and into the JSON).
    pub warnings: Vec<ReadWarning>,
    /// Whether `--fail-on` is met.
    pub failing: bool,
}

impl StatusOutcome {
    pub fn exit_code(&self) -> i32 {
        if self.failing { EXIT_FAILING } else { 0 }
    }
}

/// Runs the command and prints; returns the process exit code.
pub async fn main(options: StatusOptions) -> i32 {
    let result = run(&options).await;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    match result {
        Ok(outcome) => {
            for warning in &outcome.warnings {
                let _ = writeln!(stderr.lock(), "warning: {warning}");
            }
            let mut out = stdout.lock();
            if out
                .write_all(outcome.output.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                // stdout closed (`| head`): nothing more to say, and no reason to fail.
            }
            outcome.exit_code()
        }
        Err(error) => {
            let _ = writeln!(stderr.lock(), "error: {error}");
            EXIT_ERROR
        }
    }
}

/// Connects, reads the cluster and makes the report.
pub async fn run(options: &StatusOptions) -> Result<StatusOutcome, StatusError> {
    let rules = load_rules(options.rules.as_deref())?;
    let connection = connect(&options.target).await?;
    // The version probe turns "connection refused" and bad credentials into the messages
    // the cockpit gives too.
    probe(&connection).await?;
    let cache = Cache::new(connection.client.clone());
    let update = layers::assess_once(cache, options.scope.clone(), Arc::new(rules)).await?;
    let report = update.report;
    let output = match options.output {
        OutputFormat::Json => json_text(&report, &connection.context, &update.warnings),
        // Names, messages and reasons come from the cluster: no escape sequence may reach
        // the terminal (JSON escapes them by itself).
        OutputFormat::Table => report
            .to_table(&connection.context)
            .lines()
            .map(|line| strata_common::text::sanitize(line).into_owned() + "\n")
            .collect(),
    };
    Ok(StatusOutcome {
        output,
        warnings: update.warnings,
        failing: report.fails(options.fail_on.into()),
    })
}

/// `strata status -o json`: the report with what could not be read (also the bundle's
/// `status.json`).
pub fn json_text(report: &stack::StackReport, context: &str, warnings: &[ReadWarning]) -> String {
    let mut json = report.to_json(context);
    json["warnings"] = serde_json::to_value(warnings).unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// The rule set: built-ins plus the user's file. An explicit file must exist; the default
/// one (`rules.toml` in the config directory) is optional.
pub fn load_rules(explicit: Option<&Path>) -> Result<RuleSet, RulesError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match ConfigPaths::discover() {
            Ok(paths) => stack::rules_file(&paths),
            // No home directory: nowhere to keep a rules file, so there is none.
            Err(_) => return Ok(RuleSet::builtin()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => RuleSet::with_user_rules(&text, &path.display().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            Ok(RuleSet::builtin())
        }
        Err(error) => Err(RulesError::Read {
            path: path.display().to_string(),
            reason: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_default_rules_file_means_builtins_but_an_explicit_one_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let error = load_rules(Some(&missing)).unwrap_err();
        assert!(matches!(error, RulesError::Read { .. }), "{error}");
        assert!(error.to_string().contains("nope.toml"), "{error}");

        let bad = dir.path().join("rules.toml");
        std::fs::write(&bad, "[[rule]]\ntool = 1\n").unwrap();
        let error = load_rules(Some(&bad)).unwrap_err();
        assert!(matches!(error, RulesError::Parse { .. }), "{error}");

        std::fs::write(
            &bad,
            "[[rule]]\ntool = \"dbt\"\nnamespaces = [\"analytics-*\"]\n",
        )
        .unwrap();
        let rules = load_rules(Some(&bad)).unwrap();
        assert!(rules.rules().len() > RuleSet::builtin().rules().len());
    }

    #[test]
    fn exit_codes() {
        let outcome = |failing| StatusOutcome {
            output: String::new(),
            warnings: Vec::new(),
            failing,
        };
        assert_eq!(outcome(false).exit_code(), 0);
        assert_eq!(outcome(true).exit_code(), EXIT_FAILING);
        assert_ne!(EXIT_ERROR, EXIT_FAILING);
    }
}
