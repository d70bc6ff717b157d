//! What `strata rollback` and `strata upgrade` share around the helm binary: the guard's
//! check and the operator's go-ahead for a step, helm's connection flags, and a helm run
//! detached from the terminal and watched (pods, hooks, events) while it runs, the release
//! verified after, and the result recorded in the audit log.

use std::time::Duration;

use super::CommandError;
use super::trigger::{TriggerCommon, confirm, record};
use crate::cluster::Connection;
use crate::guard::{Confirmed, Guard, Mutation, Outcome};
use crate::helm::watch::{Subject, verify, watch_while};
use crate::helm::{HelmBinary, KubeArgs};

/// How long a finished change is given for the pods it replaced to go before it is judged.
const VERIFY_SETTLE: Duration = Duration::from_secs(30);

/// The guard's check (policy, RBAC) and then the operator's go-ahead for one step.
pub(crate) async fn approve(
    guard: &Guard,
    step: Mutation,
    common: &TriggerCommon,
    describe: impl FnOnce() -> String,
) -> Result<Confirmed, CommandError> {
    let approval = guard
        .check(&step)
        .await
        .map_err(|refusal| CommandError::Target(refusal.to_string()))?;
    confirm(approval, common.yes, common.confirm.as_deref(), describe)
}

/// helm talks to the same cluster: the kubeconfig file given, and the context connected to.
pub(crate) fn kube_args(
    connection: &Connection,
    common: &TriggerCommon,
) -> Result<KubeArgs, CommandError> {
    // Headless commands have a kubeconfig file (or helm's default) of their own.
    KubeArgs::for_source(&common.target.source, &connection.context, None)
        .map_err(CommandError::Target)
}

/// One confirmed helm operation on `namespace/release`: where it runs and how it is told.
pub(crate) struct HelmStep<'a> {
    pub helm: &'a HelmBinary,
    pub kube: &'a KubeArgs,
    pub connection: &'a Connection,
    pub common: &'a TriggerCommon,
    pub namespace: &'a str,
    pub release: &'a str,
    /// `rollback`, `upgrade`: how helm's command is named in messages.
    pub verb: &'a str,
}

impl<'a> HelmStep<'a> {
    /// `helm VERB` on `namespace/release` through `connection`, as `common` says.
    pub fn new(
        helm: &'a HelmBinary,
        kube: &'a KubeArgs,
        connection: &'a Connection,
        common: &'a TriggerCommon,
        (namespace, release): (&'a str, &'a str),
        verb: &'a str,
    ) -> HelmStep<'a> {
        HelmStep {
            helm,
            kube,
            connection,
            common,
            namespace,
            release,
            verb,
        }
    }

    /// Runs helm `args` detached from the terminal (a dropped SSH session does not stop it
    /// half-way), records the outcome — `done(newest)` on success, where `newest` is what the
    /// release Secrets say afterwards — prints `newest` after `said` (`[ok, failed]`), and
    /// returns whether helm succeeded.
    pub async fn run(
        &self,
        confirmed: Confirmed,
        args: Vec<String>,
        done: impl FnOnce(&str) -> String,
        said: [&str; 2],
    ) -> bool {
        let (verb, namespace, release) = (self.verb, self.namespace, self.release);
        let log = crate::helm::run_log(self.common.audit_log.as_deref(), namespace, release);
        println!("(helm's output: {})", log.display());
        let client = &self.connection.client;
        let subject = Subject::release(namespace, release);
        let began = chrono::Utc::now();
        // The release watched while helm works: each new pod state, hook and event.
        let ran = watch_while(
            client,
            &subject,
            self.helm.run_detached(args, self.kube, &log),
            |_, news| news.iter().for_each(|line| println!("  {line}")),
        )
        .await;
        // What the Secrets say now, whatever helm said.
        let newest = crate::helm::newest_said(client, namespace, release).await;
        let ok = matches!(&ran, Ok(run) if run.success);
        // Pods the change replaced take a moment to go; a failed change is read as it is.
        let settle = if ok { VERIFY_SETTLE } else { Duration::ZERO };
        let verdict = match verify(client, &subject, began, settle).await {
            Ok((_, verdict)) => verdict.said(),
            Err(error) => format!("not verified: {error}"),
        };
        println!("{verdict}");
        let outcome = match &ran {
            Ok(run) if run.success => Outcome::ok(format!("{}; {verdict}", done(&newest))),
            Ok(run) => Outcome::failed(format!("helm {verb} failed: {}", run.stderr.trim())),
            Err(error) => Outcome::failed(format!("helm could not run: {error}")),
        };
        record(confirmed, outcome, &format!("the {verb} ran"));
        match &ran {
            Ok(run) if !run.success => eprintln!("helm {verb} failed:\n{}", run.stderr.trim()),
            Err(error) => eprintln!("helm could not run: {error}"),
            Ok(_) => {}
        }
        println!("{}: {newest}.", if ok { said[0] } else { said[1] });
        ok
    }
}
