//! Helm for the cockpit, read natively from the release Secrets (no helm binary): every
//! release's newest revision, a release's history, and one revision's documents. A Secret that
//! does not decode is a row that says why, never a crash.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{ListParams, ObjectMeta};
use kube::{Api, Client};

use super::Reach;
use crate::app::tool::{Act, Level, Page, Row, ValuesChoice};
use crate::guard::{Approval, Guard};
use crate::helm::binary::parse_version;
use crate::helm::prepare::{ValuesFile, prepare_upgrade};
use crate::helm::upgrade::ValuesBase;
use crate::helm::watch::{Subject, verify};
use crate::helm::{
    HelmBinary, RollbackPlan, UpgradeTarget, rollback_args, run_log, unlock_mutation,
    unlock_pending,
};
use crate::release::HelmRelease;
use crate::stack::ReleaseFacts;

/// A pending operation older than this is stuck (Helm's own operations end or time out well
/// before: `--timeout` defaults to 5 minutes).
const STUCK_AFTER_MINUTES: i64 = 10;

/// Where the lists come from, for the title.
const SOURCE: &str = "Helm release Secrets (owner=helm)";

/// A release revision's facts from its Secret's labels (what a metadata list carries).
fn facts_of(meta: &ObjectMeta) -> Option<ReleaseFacts> {
    let labels = meta.labels.as_ref()?;
    ReleaseFacts::from_labels(meta.namespace.as_deref().unwrap_or_default(), |key| {
        labels.get(key).map(String::as_str)
    })
}

/// Reads and decodes one revision's Secret.
async fn revision(
    kube: &Client,
    namespace: &str,
    name: &str,
    revision: u32,
) -> Result<HelmRelease, String> {
    crate::cluster::incident::release_revision(kube, namespace, name, revision).await
}

/// A row for one revision: decoded when it can be, else what its labels say and why not.
fn row_of(facts: &ReleaseFacts, decoded: Result<HelmRelease, String>) -> Row {
    let (facts, error) = match decoded {
        Ok(release) => (ReleaseFacts::from_release(&release), None),
        Err(error) => (facts.clone(), Some(error)),
    };
    let stuck = facts.status.is_pending()
        && facts
            .updated
            .is_some_and(|t| (Utc::now() - t).num_minutes() >= STUCK_AFTER_MINUTES);
    let note = match (&error, stuck) {
        (Some(error), _) => format!("unreadable: {error}"),
        (None, true) => format!("stuck: {}", facts.description),
        (None, false) => facts.description.clone(),
    };
    let chart = if facts.chart.is_empty() {
        "-".to_string()
    } else {
        format!("{}-{}", facts.chart, facts.chart_version)
    };
    Row {
        label: facts.name.clone(),
        namespace: facts.namespace.clone(),
        state: Some(if error.is_some() {
            "unreadable".to_string()
        } else {
            facts.status.as_str().to_string()
        }),
        try_number: facts.revision,
        detail: match facts.app_version.as_str() {
            "" => chart,
            app => format!("{chart} · app {app}"),
        },
        started: facts.updated,
        note,
        ..Row::new(format!("{}/{}", facts.namespace, facts.name))
    }
}

/// The revisions the Secrets in `api` hold, by release.
async fn revisions(
    api: Api<Secret>,
    selector: &str,
) -> Result<BTreeMap<(String, String), Vec<ReleaseFacts>>, String> {
    let listed = api
        .list_metadata(&ListParams::default().labels(selector))
        .await
        .map_err(|e| format!("cannot list Helm's release Secrets: {e}"))?;
    let mut by_release: BTreeMap<(String, String), Vec<ReleaseFacts>> = BTreeMap::new();
    for facts in listed.items.iter().filter_map(|s| facts_of(&s.metadata)) {
        by_release
            .entry((facts.namespace.clone(), facts.name.clone()))
            .or_default()
            .push(facts);
    }
    for list in by_release.values_mut() {
        list.sort_by_key(|f| std::cmp::Reverse(f.revision));
    }
    Ok(by_release)
}

/// Reads what `level` lists.
pub(super) async fn load(kube: &Client, level: &Level) -> Result<Page, String> {
    let rows = match level {
        Level::Releases => {
            let all = revisions(Api::all(kube.clone()), "owner=helm").await?;
            let newest: Vec<&ReleaseFacts> = all.values().filter_map(|v| v.first()).collect();
            let decoded = futures::future::join_all(
                newest
                    .iter()
                    .map(|f| revision(kube, &f.namespace, &f.name, f.revision)),
            )
            .await;
            newest
                .iter()
                .zip(decoded)
                .map(|(facts, decoded)| row_of(facts, decoded))
                .collect()
        }
        Level::History { namespace, name } => {
            let api = Api::namespaced(kube.clone(), namespace);
            let all = revisions(api, &format!("owner=helm,name={name}")).await?;
            let history = all
                .get(&(namespace.clone(), name.clone()))
                .cloned()
                .unwrap_or_default();
            let decoded = futures::future::join_all(
                history
                    .iter()
                    .map(|f| revision(kube, namespace, name, f.revision)),
            )
            .await;
            history
                .iter()
                .zip(decoded)
                .map(|(facts, decoded)| row_of(facts, decoded))
                .collect()
        }
        Level::Revision {
            namespace,
            name,
            revision: number,
        } => documents(&revision(kube, namespace, name, *number).await?)
            .into_iter()
            .map(Row::new)
            .collect(),
        Level::Diff {
            namespace,
            name,
            from,
            to,
        } => {
            let (old, new) = futures::future::join(
                revision(kube, namespace, name, *from),
                revision(kube, namespace, name, *to),
            )
            .await;
            crate::stack::release_diff::diff_revisions(&old?, &new?)
                .into_iter()
                .map(Row::new)
                .collect()
        }
        _ => return Err("not a Helm list".into()),
    };
    Ok(Page {
        source: SOURCE.into(),
        namespace: None,
        rows,
    })
}

/// A revision as text: its user values, manifest (Secret data hidden), hooks and notes.
pub fn documents(release: &HelmRelease) -> Vec<String> {
    let mut lines = vec![format!(
        "── revision {} · {} · {} · {}",
        release.version,
        release.info.status.as_str(),
        release.chart_label(),
        release.info.description
    )];
    lines.push("── user values (helm get values)".into());
    if release.config.is_empty() {
        lines.push("(none: the chart's defaults)".into());
    } else {
        let values = serde_json::Value::Object(release.config.clone());
        lines.extend(
            strata_common::yaml::to_yaml(&values, false)
                .lines()
                .map(str::to_string),
        );
    }
    lines.push("── manifest (helm get manifest; Secret data hidden)".into());
    lines.extend(crate::stack::release_diff::hide_secret_data(
        &release.manifest,
    ));
    lines.push(format!("── hooks ({})", release.hooks.len()));
    for hook in &release.hooks {
        lines.push(format!(
            "{}/{} on {} · last run {}",
            hook.kind,
            hook.name,
            hook.events.join(", "),
            hook.last_run.phase.as_str()
        ));
    }
    if !release.info.notes.is_empty() {
        lines.push("── notes".into());
        lines.extend(release.info.notes.lines().map(str::to_string));
    }
    lines
}

/// The rollback `act` asks for, planned from the release's revisions as `strata rollback`
/// plans it: the target, what changes object by object, hooks and CRDs, GitOps owners (which
/// stop it), and whether a stuck revision is unlocked first.
async fn plan(
    kube: &Client,
    act: &Act,
) -> Result<(RollbackPlan, Vec<crate::helm::Revision>), String> {
    let Act::Rollback {
        namespace,
        name,
        to,
    } = act
    else {
        return Err("not a Helm rollback".into());
    };
    RollbackPlan::read(kube, namespace, name, *to).await
}

/// The helm binary the wizards run, or why not and what works without it.
fn wizard_helm() -> Result<HelmBinary, String> {
    HelmBinary::find(None).map_err(|e| {
        format!("{e}; the rollout history of plain workloads (R on a Deployment) needs no helm")
    })
}

/// Plans the rollback and asks the guard; the plan is what the operator reads before saying
/// yes. A failed check (a GitOps owner) stops here, with what to do instead.
pub(super) async fn check_rollback(
    reach: &Reach,
    guard: &Guard,
    act: &Act,
) -> Result<(Approval, Vec<String>), String> {
    let helm = wizard_helm()?;
    let (plan, _) = plan(&reach.kube, act).await?;
    let failed = plan.failed_checks();
    if !failed.is_empty() {
        return Err(format!("{} Nothing was changed.", failed.join("; ")));
    }
    let approval = guard
        .check(&plan.mutation(&helm.version))
        .await
        .map_err(|r| r.to_string())?;
    let preview = plan.render().lines().map(str::to_string).collect();
    Ok((approval, preview))
}

/// Runs the confirmed rollback: a stuck revision unlocked first (its own step, asked of the
/// guard and recorded, confirmed by the same answer), then `helm rollback --wait` detached
/// from the terminal; what the Secrets say afterwards.
pub(super) async fn rollback(
    reach: &Reach,
    guard: Result<Guard, String>,
    act: &Act,
    answer: &str,
) -> Result<String, String> {
    let helm = HelmBinary::find(None).map_err(|e| e.to_string())?;
    let kube = reach.helm_kube.clone()?;
    let (plan, revisions) = plan(&reach.kube, act).await?;
    if plan.unlock.is_some()
        && let Some(stuck) = revisions.last()
    {
        let unlock = unlock_mutation(&plan.namespace, &plan.release, stuck);
        let confirmed = guard?
            .check(&unlock)
            .await
            .and_then(|approval| approval.confirmed(answer))
            .map_err(|r| r.to_string())?;
        let done = unlock_pending(&reach.kube, &plan.namespace, stuck).await;
        let outcome = match &done {
            Ok(()) => crate::guard::Outcome::ok(format!("revision {} marked failed", stuck.number)),
            Err(error) => crate::guard::Outcome::failed(error),
        };
        confirmed.record(outcome).map_err(|e| e.to_string())?;
        done?;
    }
    let args = rollback_args(&plan.release, plan.target, &plan.namespace);
    let done = format!(
        "{}/{} rolled back to revision {}",
        plan.namespace, plan.release, plan.target
    );
    run_verified(
        reach,
        (&helm, &kube),
        (&plan.namespace, &plan.release),
        "rollback",
        args,
        done,
    )
    .await
}

/// Runs helm `args` on `namespace/release` detached from the terminal; on success `done`,
/// what the Secrets say now and the release's verdict, else helm's last words and where its
/// output is kept.
async fn run_verified(
    reach: &Reach,
    (helm, kube): (&HelmBinary, &crate::helm::KubeArgs),
    (namespace, release): (&str, &str),
    verb: &str,
    args: Vec<String>,
    done: String,
) -> Result<String, String> {
    let log = run_log(reach.audit_log.as_deref(), namespace, release);
    let began = Utc::now();
    let ran = helm
        .run_detached(args, kube, &log)
        .await
        .map_err(|e| format!("helm could not run: {e}"))?;
    let newest = crate::helm::newest_said(&reach.kube, namespace, release).await;
    if ran.success {
        let subject = Subject::release(namespace, release);
        let verdict = verified(&reach.kube, &subject, began).await;
        Ok(format!("{done}; {newest}\n{verdict}"))
    } else {
        let said = ran.stderr.lines().last().unwrap_or_default().to_string();
        Err(format!(
            "helm {verb} failed ({newest}): {said} — helm's output: {}",
            log.display()
        ))
    }
}

/// The release after a change, in one line: given a moment for the pods it replaced to go.
pub(super) async fn verified(kube: &Client, subject: &Subject, began: DateTime<Utc>) -> String {
    match verify(kube, subject, began, VERIFY_SETTLE).await {
        Ok((_, verdict)) => verdict.said(),
        Err(error) => format!("not verified: {error}"),
    }
}

/// How long a finished change is given before the release is judged.
const VERIFY_SETTLE: std::time::Duration = std::time::Duration::from_secs(30);

/// What an upgrade names.
struct Upgrade<'a> {
    namespace: &'a str,
    name: &'a str,
    target: UpgradeTarget,
    /// The values as edited, for helm's `-f`.
    edited: Option<&'a str>,
}

fn upgrade_of(act: &Act) -> Result<Upgrade<'_>, String> {
    let Act::Upgrade {
        namespace,
        name,
        chart,
        version,
        values,
    } = act
    else {
        return Err("not a Helm upgrade".into());
    };
    let (base, edited) = match values {
        ValuesChoice::Reuse => (ValuesBase::Helm, None),
        ValuesChoice::ResetThenReuse => (ValuesBase::ResetThenReuse, None),
        // The whole of the release's values, edited: over the chart's defaults.
        ValuesChoice::Edited(yaml) => (ValuesBase::Helm, Some(yaml.as_str())),
    };
    Ok(Upgrade {
        namespace,
        name,
        target: UpgradeTarget {
            chart: chart.clone(),
            version: version.clone(),
            base,
            ..UpgradeTarget::default()
        },
        edited,
    })
}

impl Upgrade<'_> {
    /// The target with the edited values written for helm (the file goes when dropped).
    fn with_values(&self, reach: &Reach) -> Result<(UpgradeTarget, Option<ValuesFile>), String> {
        let mut target = self.target.clone();
        let Some(yaml) = self.edited else {
            return Ok((target, None));
        };
        let dir = reach
            .audit_log
            .as_deref()
            .and_then(std::path::Path::parent)
            .map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
        let file = ValuesFile::write(&dir, self.name, yaml)
            .map_err(|e| format!("cannot write the edited values in {}: {e}", dir.display()))?;
        target.values.push(file.path().to_path_buf());
        Ok((target, Some(file)))
    }
}

/// Plans the upgrade as `strata upgrade --plan` does (helm's render, the checks, the server's
/// dry run) and asks the guard; the plan and the per-object diff are what the operator reads.
/// A failed check comes back as the whole plan, so the operator sees why.
pub(super) async fn check_upgrade(
    reach: &Reach,
    guard: &Guard,
    act: &Act,
) -> Result<(Approval, Vec<String>), String> {
    let helm = wizard_helm()?;
    let kube = reach.helm_kube.clone()?;
    let upgrade = upgrade_of(act)?;
    let (target, _file) = upgrade.with_values(reach)?;
    let prepared = prepare_upgrade(
        &reach.kube,
        &helm,
        &kube,
        (upgrade.namespace, upgrade.name),
        &target,
    )
    .await
    .map_err(|e| format!("{e}\nNothing was changed."))?;
    let mut preview: Vec<String> = prepared.plan.render().lines().map(str::to_string).collect();
    preview.extend(prepared.diff);
    if !prepared.plan.failed.is_empty() {
        preview.insert(0, "Nothing was changed: a check failed (below).".into());
        return Err(preview.join("\n"));
    }
    let approval = guard
        .check(&prepared.plan.mutation(&helm.version))
        .await
        .map_err(|r| r.to_string())?;
    Ok((approval, preview))
}

/// Runs the confirmed upgrade: `helm upgrade --wait` with a rollback on failure, detached from
/// the terminal; what the Secrets say afterwards and the release's health.
pub(super) async fn upgrade(reach: &Reach, act: &Act) -> Result<String, String> {
    let helm = HelmBinary::find(None).map_err(|e| e.to_string())?;
    let kube = reach.helm_kube.clone()?;
    let upgrade = upgrade_of(act)?;
    let (target, _file) = upgrade.with_values(reach)?;
    let (namespace, name) = (upgrade.namespace, upgrade.name);
    let major = parse_version(&helm.version).map_or(3, |(major, _)| major);
    let args = target.upgrade_args(name, namespace, major);
    let done = format!("{namespace}/{name} upgraded to {}", target.chart);
    run_verified(
        reach,
        (&helm, &kube),
        (namespace, name),
        "upgrade",
        args,
        done,
    )
    .await
}

/// The user values of the newest revision of the release `act` names, as YAML.
pub(super) async fn user_values(kube: &Client, act: &Act) -> Result<String, String> {
    let (namespace, name) = act.release().ok_or("not a Helm release")?;
    let revisions = crate::helm::read_revisions(kube, namespace, name)
        .await
        .map_err(|e| format!("cannot read the release Secrets of {namespace}/{name}: {e}"))?;
    let newest = revisions
        .last()
        .ok_or_else(|| format!("no Helm release {namespace}/{name}"))?;
    let release = newest.release.as_ref().map_err(|e| {
        format!(
            "revision {} of {namespace}/{name} cannot be read: {e}",
            newest.number
        )
    })?;
    if release.config.is_empty() {
        return Ok("# no values of its own: the chart's defaults\n".into());
    }
    Ok(strata_common::yaml::to_yaml(
        &serde_json::Value::Object(release.config.clone()),
        // The operator's own values, edited by the operator: shown as they are.
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_reads_as_values_manifest_hooks_and_notes() {
        let release: HelmRelease = serde_json::from_value(serde_json::json!({
            "name": "airflow", "version": 4, "namespace": "orchestration",
            "info": {"status": "failed", "description": "Upgrade \"airflow\" failed: timed out",
                     "notes": "Airflow is up"},
            "chart": {"metadata": {"name": "airflow", "version": "1.22.0", "appVersion": "3.0.2"}},
            "config": {"executor": "KubernetesExecutor"},
            "manifest": "---\napiVersion: v1\nkind: ConfigMap\n",
            "hooks": [{"name": "airflow-run-airflow-migrations", "kind": "Job",
                       "events": ["post-install", "post-upgrade"],
                       "last_run": {"started_at": "", "completed_at": "", "phase": "Failed"}}]
        }))
        .unwrap();
        let lines = documents(&release);
        assert!(
            lines[0].contains("revision 4 · failed · airflow-1.22.0"),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"executor: KubernetesExecutor".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(
                &"Job/airflow-run-airflow-migrations on post-install, post-upgrade · last run Failed"
                    .to_string()
            ),
            "{lines:?}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("Airflow is up"));
    }
}
