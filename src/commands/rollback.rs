//! `strata rollback RELEASE`: a Helm release rolled back by the real helm binary, after a plan
//! read from the release Secrets — the target revision, what changes per object, hook and CRD
//! warnings, GitOps owners, the target chart's kubeVersion and images on this cluster (which
//! stop it), a first install that never finished (nothing to roll back to) — and, for a
//! release stuck `pending-*`, an unlock that is its own guarded, audited step. Exit 0 rolled back, 1 a check or the rollback
//! failed, 2 it could not start.

use std::path::PathBuf;

use super::CommandError;
use super::helm_step::{HelmStep, approve, kube_args};
use super::trigger::{TriggerCommon, connect_in, exit_code, guard_for, record, refuse_if_readonly};
use crate::cluster::{Connection, probe};
use crate::guard::{Outcome, Target};
use crate::helm::{HelmBinary, RollbackPlan, unlock_pending};

/// Exit code of a failed check or a failed rollback.
pub const EXIT_FAILED: i32 = 1;

#[derive(Clone, Debug)]
pub struct RollbackOptions {
    pub common: TriggerCommon,
    pub release: String,
    /// `--to REV`: else the newest deployed or superseded revision before the current one.
    pub to: Option<u32>,
    /// `--dry-run`: the plan and checks only.
    pub dry_run: bool,
    /// `--helm PATH`.
    pub helm: Option<PathBuf>,
}

/// Runs the command; the process exit code.
pub async fn main(options: RollbackOptions) -> i32 {
    exit_code(rollback(&options).await)
}

pub async fn rollback(options: &RollbackOptions) -> Result<i32, CommandError> {
    let (connection, namespace) = connect_in(&options.common).await?;
    let release = options.release.as_str();
    let guard = guard_for(&connection, &options.common)?;
    if !options.dry_run {
        // Read-only is refused before anything is read, asked or run.
        refuse_if_readonly(
            &guard,
            "rollback.helm",
            Target::new("HelmRelease", Some(&namespace), release),
        )
        .await?;
    }
    // A rollback without helm cannot start; a plan does not need it.
    let helm = match HelmBinary::find(options.helm.as_deref()) {
        Ok(helm) => Some(helm),
        Err(error) if options.dry_run => {
            eprintln!("warning: {error}");
            None
        }
        Err(error) => return Err(CommandError::Target(error.to_string())),
    };
    probe(&connection).await?;
    let kube = kube_args(&connection, &options.common)?;
    let (plan, revisions) = RollbackPlan::read(&connection.client, &namespace, release, options.to)
        .await
        .map_err(CommandError::Target)?;
    print!("{}", plan.render());
    if !plan.failed_checks().is_empty() {
        println!("Nothing was changed.");
        return Ok(EXIT_FAILED);
    }
    if options.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(0);
    }
    let Some(helm) = helm else {
        return Err(CommandError::Target("no helm binary".into()));
    };
    if plan.unlock.is_some() {
        unlock(options, &connection, &guard, &namespace, &revisions).await?;
    }
    let confirmed = approve(
        &guard,
        plan.mutation(&helm.version),
        &options.common,
        || {
            format!(
                "helm rollback {release} {} -n {namespace} --wait (from revision {}).",
                plan.target, plan.current
            )
        },
    )
    .await?;
    let args = crate::helm::rollback_args(release, plan.target, &namespace);
    println!("Running helm rollback {release} {} …", plan.target);
    let ok = HelmStep::new(
        &helm,
        &kube,
        &connection,
        &options.common,
        (&namespace, release),
        "rollback",
    )
    .run(
        confirmed,
        args,
        |newest| format!("rolled back to revision {}; {newest}", plan.target),
        ["Rolled back", "Rollback failed"],
    )
    .await;
    Ok(if ok { 0 } else { EXIT_FAILED })
}

/// Marks the stuck revision failed: its own mutation, confirmed and recorded.
async fn unlock(
    options: &RollbackOptions,
    connection: &Connection,
    guard: &crate::guard::Guard,
    namespace: &str,
    revisions: &[crate::helm::Revision],
) -> Result<(), CommandError> {
    let Some(stuck) = revisions.last() else {
        return Ok(());
    };
    let unlock = crate::helm::unlock_mutation(namespace, &options.release, stuck);
    let confirmed = approve(guard, unlock, &options.common, || {
        format!(
            "Mark revision {} of {namespace}/{} ({}) failed, so helm can act on it.",
            stuck.number,
            options.release,
            stuck.status.as_str()
        )
    })
    .await?;
    let done = unlock_pending(&connection.client, namespace, stuck).await;
    let outcome = match &done {
        Ok(()) => Outcome::ok(format!("revision {} marked failed", stuck.number)),
        Err(error) => Outcome::failed(error),
    };
    record(confirmed, outcome, "the release was unlocked");
    done.map_err(|e| CommandError::Target(format!("cannot unlock the release: {e}")))?;
    println!("Unlocked: revision {} is marked failed.", stuck.number);
    Ok(())
}
