//! `strata upgrade RELEASE CHART`: a Helm release upgraded by the real helm binary after a
//! plan — helm's render compared per object with the live release (restarts, CRDs, hooks) —
//! and checks that stop it before anything is applied: a stuck release, GitOps owners,
//! removed API versions, the Airflow hook deadlock, and the server's dry run of every object
//! created or changed (immutable fields). Exit 0 upgraded, 1 a check or the upgrade failed,
//! 2 it could not start.

use std::path::PathBuf;

use super::CommandError;
use super::helm_step::{HelmStep, approve, kube_args};
use super::trigger::{TriggerCommon, connect_in, exit_code, guard_for, refuse_if_readonly};
use crate::cluster::probe;
use crate::guard::Target;
use crate::helm::binary::parse_version;
use crate::helm::upgrade::{parse_rendered, refused_render_checks, server_minor, stuck};
use crate::helm::{HelmBinary, UpgradePlan, UpgradeTarget, read_revisions, server_dry_run};

/// Exit code of a failed check or a failed upgrade.
pub const EXIT_FAILED: i32 = 1;

#[derive(Clone, Debug)]
pub struct UpgradeOptions {
    pub common: TriggerCommon,
    pub release: String,
    pub target: UpgradeTarget,
    /// `--plan`: the plan and checks only.
    pub plan: bool,
    /// `--helm PATH`.
    pub helm: Option<PathBuf>,
}

/// Runs the command; the process exit code.
pub async fn main(options: UpgradeOptions) -> i32 {
    exit_code(upgrade(&options).await)
}

pub async fn upgrade(options: &UpgradeOptions) -> Result<i32, CommandError> {
    let (connection, namespace) = connect_in(&options.common).await?;
    let release = options.release.as_str();
    let guard = guard_for(&connection, &options.common)?;
    let target = || Target::new("HelmRelease", Some(&namespace), release);
    if !options.plan {
        // Read-only is refused before anything is read, rendered or run.
        refuse_if_readonly(&guard, "upgrade.helm", target()).await?;
    }
    // Even the plan needs helm: it renders the target.
    let helm = HelmBinary::find(options.helm.as_deref())
        .map_err(|error| CommandError::Target(error.to_string()))?;
    probe(&connection).await?;
    let kube = kube_args(&connection, &options.common)?;
    let revisions = read_revisions(&connection.client, &namespace, release)
        .await
        .map_err(|e| CommandError::Target(format!("cannot read the release Secrets: {e}")))?;
    if revisions.is_empty() {
        return Err(CommandError::Target(format!(
            "no Helm release {release} in namespace {namespace}; install it with helm first"
        )));
    }
    if let Some(stuck) = stuck(release, &revisions) {
        println!("check failed: {stuck}");
        println!("Nothing was changed.");
        return Ok(EXIT_FAILED);
    }
    // Unknown (an unreadable /version) skips the removed-API check rather than guessing.
    let server = connection.client.apiserver_version().await.ok();
    let minor = server.as_ref().and_then(|info| server_minor(&info.minor));
    let render_args = options.target.render_args(release, &namespace);
    let rendered = helm
        .run(render_args.clone(), &kube)
        .await
        .map_err(|e| CommandError::Target(format!("helm could not run: {e}")))?;
    if !rendered.success {
        let version = server.as_ref().map(|info| info.git_version.as_str());
        let refused = refused_render_checks(&helm, &kube, &render_args, version).await;
        if !refused.is_empty() {
            for check in refused {
                println!("check failed: {check}");
            }
            println!("Nothing was changed.");
            return Ok(EXIT_FAILED);
        }
        return Err(CommandError::Target(format!(
            "helm could not render the upgrade: {}",
            rendered.stderr.trim()
        )));
    }
    let rendered = parse_rendered(&rendered.stdout).map_err(CommandError::Target)?;
    let mut plan = UpgradePlan::build(release, &namespace, &revisions, &rendered, minor)
        .map_err(CommandError::Target)?;
    let preflight = server_dry_run(
        &connection.client,
        &namespace,
        &rendered.manifest,
        &plan.changes,
    )
    .await;
    plan.notes.extend(
        preflight
            .unchecked
            .iter()
            .map(|object| format!("not checked by the server: {object}")),
    );
    plan.failed.extend(
        preflight
            .refused
            .iter()
            .map(|object| format!("the server refuses {object}")),
    );
    plan.check_cluster(&connection.client, &revisions, &rendered)
        .await;
    print!("{}", plan.render());
    if !plan.failed.is_empty() {
        println!("Nothing was changed.");
        return Ok(EXIT_FAILED);
    }
    if options.plan {
        println!("Plan only: nothing was changed.");
        return Ok(0);
    }
    let upgrade = crate::helm::release_mutation("upgrade.helm", &namespace, release)
        .parameter("from", plan.current.to_string())
        .parameter("chart", plan.target_chart.clone())
        .parameter("helm", helm.version.clone());
    let confirmed = approve(&guard, upgrade, &options.common, || {
        format!(
            "helm upgrade {release} {} -n {namespace} --wait (revision {} to {}).",
            options.target.chart, plan.current, plan.target_chart
        )
    })
    .await?;
    let major = parse_version(&helm.version).map_or(3, |(major, _)| major);
    let args = options.target.upgrade_args(release, &namespace, major);
    println!("Running helm upgrade {release} {} …", options.target.chart);
    let ok = HelmStep::new(
        &helm,
        &kube,
        &connection,
        &options.common,
        (&namespace, release),
        "upgrade",
    )
    .run(
        confirmed,
        args,
        |newest| format!("upgraded to {}; {newest}", plan.target_chart),
        ["Upgraded", "Upgrade failed"],
    )
    .await;
    Ok(if ok { 0 } else { EXIT_FAILED })
}
