//! `strata security`: the stack's security posture for runbooks and CI. Reads the cluster
//! once ([`crate::cluster::posture::read`]), classifies with the same rules as
//! `strata status` (built-ins plus the user's `rules.toml`), runs the checks and prints a
//! table or JSON `{"context", "findings": [...], "warnings": [...]}`. What could not be read
//! is a warning (stderr and JSON), never a clean bill. Exit codes: 0 nothing reaches
//! `--fail-on` (default high), 1 something does, 2 the report could not be made.

use std::io::Write;

use serde::Serialize;

use super::{CommandError, EXIT_ERROR};
use crate::cluster::layers::ReadWarning;
use crate::cluster::{ConnectTarget, NamespaceScope, connect, posture, probe};
use crate::security::{self, Finding, PostureRules, Severity};

/// Exit code when a finding reaches the `--fail-on` level.
pub const EXIT_FINDINGS: i32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SecurityFormat {
    /// One block per finding, worst first, with its evidence and fix.
    Table,
    /// `{"context", "findings": [...], "warnings": [...]}`.
    Json,
}

/// The `--fail-on` levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 when a finding is high.
    High,
    /// Exit 1 when a finding is medium or high.
    Medium,
    /// Exit 1 when a finding is low or worse.
    Low,
}

impl From<FailOn> for Severity {
    fn from(level: FailOn) -> Severity {
        match level {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SecurityOptions {
    pub target: ConnectTarget,
    pub scope: NamespaceScope,
    pub output: SecurityFormat,
    pub fail_on: FailOn,
}

/// The JSON document.
#[derive(Serialize)]
struct Report<'a> {
    context: &'a str,
    findings: &'a [Finding],
    warnings: &'a [ReadWarning],
}

/// A finished report.
#[derive(Clone, Debug)]
pub struct SecurityOutcome {
    pub output: String,
    pub findings: Vec<Finding>,
    pub warnings: Vec<ReadWarning>,
    pub failing: bool,
}

/// Runs the command and prints; returns the process exit code.
pub async fn main(options: SecurityOptions) -> i32 {
    match run(&options).await {
        Ok(outcome) => {
            let stderr = std::io::stderr();
            for warning in &outcome.warnings {
                let _ = writeln!(
                    stderr.lock(),
                    "warning: {}",
                    strata_common::text::sanitize(&warning.reason)
                );
            }
            let mut out = std::io::stdout().lock();
            // stdout closed (`| head`): nothing more to say, and no reason to fail.
            let _ = out
                .write_all(outcome.output.as_bytes())
                .and_then(|()| out.flush());
            if outcome.failing { EXIT_FINDINGS } else { 0 }
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            EXIT_ERROR
        }
    }
}

/// Connects, reads, checks and formats.
pub async fn run(options: &SecurityOptions) -> Result<SecurityOutcome, CommandError> {
    let stack_rules = crate::status::load_rules(None)?;
    let rules = PostureRules::builtin();
    let connection = connect(&options.target).await?;
    probe(&connection).await?;
    let read = posture::read(&connection.client, &options.scope, &rules).await?;
    let mut findings = security::assess(&stack_rules, &rules, &read.objects, &read.coverage);
    // Cluster-scoped objects are read cluster-wide: keep what concerns the namespace asked.
    if let NamespaceScope::Only(ns) = &options.scope {
        findings.retain(|f| &f.namespace == ns);
    }
    let output = match options.output {
        SecurityFormat::Json => {
            // A struct, not `json!`: the fields keep the documented order.
            let report = Report {
                context: &connection.context,
                findings: &findings,
                warnings: &read.warnings,
            };
            let mut text =
                serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
            text.push('\n');
            text
        }
        // Names and values come from the cluster: no escape sequence may reach the terminal.
        SecurityFormat::Table => {
            let mut text = security::finding::to_table(&connection.context, &findings);
            if !read.warnings.is_empty() {
                // Never a clean bill for what was not read.
                text.push_str(&format!(
                    "\nIncomplete: {} kind(s) could not be read ({}); their checks did not run \
                     (see the warnings).\n",
                    read.warnings.len(),
                    read.warnings
                        .iter()
                        .map(|w| w.kind.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            text.lines()
                .map(|line| strata_common::text::sanitize(line).into_owned() + "\n")
                .collect()
        }
    };
    Ok(SecurityOutcome {
        failing: security::reaches(&findings, options.fail_on.into()),
        output,
        findings,
        warnings: read.warnings,
    })
}
