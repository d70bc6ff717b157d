//! An upgrade prepared from the cluster, for `strata upgrade` and the cockpit's wizard alike:
//! the release's revisions, helm's render of the target, the plan and its checks, the
//! server's dry run of each changed object, and the per-object diff the operator reads —
//! each heading flagged with what the change does (pods restart, the server refuses it, a
//! CRD).

use std::path::{Path, PathBuf};

use super::binary::{HelmBinary, KubeArgs};
use super::preflight::server_dry_run;
use super::revisions::read_revisions;
use super::upgrade::{
    UpgradePlan, UpgradeTarget, parse_rendered, refused_render_checks, server_minor, stuck,
};

/// Values the operator edited, written for helm's `-f` where only they can read them (values
/// often hold credentials) and removed once dropped.
#[derive(Debug)]
pub struct ValuesFile(PathBuf);

impl ValuesFile {
    /// Writes `yaml` to a new private file in `dir`.
    pub fn write(dir: &Path, release: &str, yaml: &str) -> std::io::Result<ValuesFile> {
        use std::io::Write;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = dir.join(format!(
            "values-{release}-{}-{stamp}.yaml",
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        file.write_all(yaml.as_bytes())?;
        Ok(ValuesFile(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ValuesFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Why an upgrade did not get as far as a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotPlanned {
    /// A check that stops it (a stuck release): exit 1, nothing changed.
    Check(String),
    /// It could not be planned (no such release, helm cannot run or render): exit 2.
    Cannot(String),
}

impl std::fmt::Display for NotPlanned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotPlanned::Check(why) => write!(f, "check failed: {why}"),
            NotPlanned::Cannot(why) => f.write_str(why),
        }
    }
}

/// The plan, and the diff of the live release against helm's render (Secret data hidden).
#[derive(Clone, Debug)]
pub struct PreparedUpgrade {
    pub plan: UpgradePlan,
    pub diff: Vec<String>,
}

/// Reads, renders and checks the upgrade of `namespace/release` to `target`; nothing is
/// changed (helm renders with `--dry-run=server`, the server dry-runs each object).
pub async fn prepare_upgrade(
    client: &kube::Client,
    helm: &HelmBinary,
    kube: &KubeArgs,
    (namespace, release): (&str, &str),
    target: &UpgradeTarget,
) -> Result<PreparedUpgrade, NotPlanned> {
    if let Some(why) = target.unsupported(&helm.version) {
        return Err(NotPlanned::Cannot(why));
    }
    let revisions = read_revisions(client, namespace, release)
        .await
        .map_err(|e| NotPlanned::Cannot(format!("cannot read the release Secrets: {e}")))?;
    if revisions.is_empty() {
        return Err(NotPlanned::Cannot(format!(
            "no Helm release {release} in namespace {namespace}; install it with helm first"
        )));
    }
    if let Some(stuck) = stuck(release, &revisions) {
        return Err(NotPlanned::Check(stuck));
    }
    // Unknown (an unreadable /version) skips the removed-API check rather than guessing.
    let server = client.apiserver_version().await.ok();
    let minor = server.as_ref().and_then(|info| server_minor(&info.minor));
    let render_args = target.render_args(release, namespace);
    let rendered = helm
        .run(render_args.clone(), kube)
        .await
        .map_err(|e| NotPlanned::Cannot(format!("helm could not run: {e}")))?;
    if !rendered.success {
        // helm refuses some targets in its render (a kubeVersion the server is outside, a
        // removed API): said as the checks they are, not as helm's error.
        let version = server.as_ref().map(|info| info.git_version.as_str());
        let refused = refused_render_checks(helm, kube, &render_args, version).await;
        if !refused.is_empty() {
            return Err(NotPlanned::Check(refused.join("\ncheck failed: ")));
        }
        return Err(NotPlanned::Cannot(format!(
            "helm could not render the upgrade: {}",
            rendered.stderr.trim()
        )));
    }
    let rendered = parse_rendered(&rendered.stdout).map_err(NotPlanned::Cannot)?;
    let mut plan = UpgradePlan::build(release, namespace, &revisions, &rendered, minor)
        .map_err(NotPlanned::Cannot)?;
    let preflight = server_dry_run(client, namespace, &rendered.manifest, &plan.changes).await;
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
    plan.check_cluster(client, &revisions, &rendered).await;
    let diff = match revisions.last().map(|r| r.release.as_ref()) {
        Some(Ok(live)) => flag_headings(
            crate::stack::release_diff::diff_revisions(live, &rendered),
            &plan,
        ),
        _ => Vec::new(),
    };
    Ok(PreparedUpgrade { plan, diff })
}

/// The diff's `── Kind/name: changed` headings with what the change does.
fn flag_headings(diff: Vec<String>, plan: &UpgradePlan) -> Vec<String> {
    diff.into_iter()
        .map(|line| {
            let Some(object) = line
                .strip_prefix("── ")
                .and_then(|rest| rest.rsplit_once(": "))
                .map(|(object, _)| object.to_string())
            else {
                return line;
            };
            let mut flags = Vec::new();
            if plan.restarts.contains(&object) {
                flags.push("its pods restart");
            }
            if plan
                .failed
                .iter()
                .any(|f| f.starts_with(&format!("the server refuses {object}:")))
            {
                flags.push("✖ the server refuses it (immutable field?)");
            }
            if object.starts_with("CustomResourceDefinition/") {
                flags.push("a CRD: custom resources may stop validating");
            }
            if flags.is_empty() {
                line
            } else {
                format!("{line} · {}", flags.join(" · "))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::plan::{Change, ObjectChange};
    use crate::release::ReleaseStatus;

    #[test]
    fn headings_say_what_a_change_does() {
        let plan = UpgradePlan {
            release: "web".into(),
            namespace: "data".into(),
            current: 1,
            current_status: ReleaseStatus::Deployed,
            current_chart: "web-0.1.0".into(),
            target_chart: "web-0.2.0".into(),
            changes: vec![ObjectChange {
                object: "Deployment/web".into(),
                change: Change::Changed,
            }],
            restarts: vec!["Deployment/web".into()],
            notes: Vec::new(),
            failed: vec!["the server refuses Deployment/web: spec.selector: immutable".into()],
        };
        let lines = flag_headings(
            vec![
                "── user values: changed".into(),
                "── Deployment/web: changed".into(),
                "-   image: a".into(),
                "── ConfigMap/web: added".into(),
            ],
            &plan,
        );
        assert_eq!(lines[0], "── user values: changed");
        assert_eq!(
            lines[1],
            "── Deployment/web: changed · its pods restart · ✖ the server refuses it \
             (immutable field?)"
        );
        assert_eq!(lines[2], "-   image: a");
        assert_eq!(lines[3], "── ConfigMap/web: added");
    }

    #[test]
    fn edited_values_are_private_and_go_with_their_owner() {
        let dir = tempfile::tempdir().unwrap();
        let file = ValuesFile::write(dir.path(), "web", "password: hunter2\n").unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "password: hunter2\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(file);
        assert!(!path.exists());
    }
}
