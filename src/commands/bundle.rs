//! `strata bundle`: writes the incident bundle ([`crate::bundle`]) for a ticket or a vendor,
//! one progress line per step on stderr and a short summary at the end (path, size, files,
//! what was left out). Exit 0 written, 2 not written.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::{CommandError, EXIT_ERROR, parse_age};
use crate::bundle::{self, BundleOptions, BundleSummary, Limits};
use crate::cluster::{ConnectTarget, NamespaceScope, connect, probe};

/// The window when `--since` is not given.
pub const DEFAULT_SINCE: &str = "2h";
/// The total cap when `--max-mib` is not given.
pub const DEFAULT_MAX_MIB: u64 = 20;

#[derive(Clone, Debug)]
pub struct BundleCommand {
    pub target: ConnectTarget,
    pub scope: NamespaceScope,
    pub output: Option<PathBuf>,
    pub since: String,
    pub max_mib: u64,
    pub tail: i64,
}

/// Why the bundle was not written.
#[derive(Debug, thiserror::Error)]
pub enum BundleCommandError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

/// Runs the command; the process exit code.
pub async fn main(options: BundleCommand) -> i32 {
    match run(&options).await {
        Ok(summary) => {
            let mut err = std::io::stderr().lock();
            for l in &summary.left_out {
                let _ = writeln!(
                    err,
                    "left out: {}: {}",
                    strata_common::text::sanitize(&l.what),
                    strata_common::text::sanitize(&l.why)
                );
            }
            let _ = writeln!(
                std::io::stdout().lock(),
                "{} ({}, {} files, {} uncompressed)",
                summary.path.display(),
                bundle::writer::human_bytes(summary.bytes),
                summary.files,
                bundle::writer::human_bytes(summary.uncompressed)
            );
            0
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            EXIT_ERROR
        }
    }
}

pub async fn run(options: &BundleCommand) -> Result<BundleSummary, BundleCommandError> {
    let since = parse_age(&options.since)
        .filter(|d| *d > chrono::Duration::zero())
        .ok_or_else(|| CommandError::Argument {
            what: "--since".into(),
            value: options.since.clone(),
            expected: "a duration such as 30m, 2h or 1d".into(),
        })?;
    if options.max_mib == 0 {
        return Err(CommandError::Argument {
            what: "--max-mib".into(),
            value: "0".into(),
            expected: "at least 1".into(),
        }
        .into());
    }
    if options.tail <= 0 {
        return Err(CommandError::Argument {
            what: "--tail".into(),
            value: options.tail.to_string(),
            expected: "at least 1".into(),
        }
        .into());
    }
    let rules = crate::status::load_rules(None).map_err(CommandError::from)?;
    let connection = connect(&options.target).await.map_err(CommandError::from)?;
    probe(&connection).await.map_err(CommandError::from)?;
    let max_total = options.max_mib.saturating_mul(1024 * 1024);
    let opts = BundleOptions {
        since,
        output: options.output.clone(),
        limits: Limits {
            max_total,
            max_file: Limits::default().max_file.min(max_total / 4),
        },
        tail_lines: options.tail,
        ..BundleOptions::new(&connection.context, options.scope.clone(), Arc::new(rules))
    };
    let mut progress = |step: bundle::BundleProgress| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            strata_common::text::sanitize(&step.to_string())
        );
    };
    Ok(bundle::write_bundle(connection.client, &opts, &mut progress).await?)
}
