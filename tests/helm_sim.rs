//! Real Helm v4 against the simulator with the chart in `tests/charts/tiny`: install, an
//! upgrade whose pods never become Ready (Helm marks it failed), and a rollback that brings
//! back revision 1's manifest — first by `helm rollback`, then by `strata rollback`, which
//! also plans without changing anything, refuses on read-only, and unlocks a release stuck in
//! `pending-upgrade`; and `strata upgrade`: a plan that changes nothing, an upgrade to a new
//! image, a preflight that stops an immutable-field change, and read-only refused.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use strata::release::{ReleaseStatus, decode_release, encode_release};
use support::{Sim, SimOptions, StrataRun, find_tool, private_dirs, run_strata};

/// `helm rollback --wait` on the simulator takes a few seconds.
const STRATA_TIMEOUT: Duration = Duration::from_secs(120);

fn chart() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/charts/tiny")
        .display()
        .to_string()
}

fn helm_sim() -> Option<Sim> {
    Sim::start(SimOptions {
        runs: false,
        helm: true,
        ..SimOptions::default()
    })
}

/// Installs `tiny` (revision 1) in `namespace`, then upgrades it to pods that never become
/// Ready with `--wait --timeout 10s`, which Helm records as failed revision 2.
fn install_then_fail_an_upgrade(sim: &Sim, namespace: &str) {
    install(sim, namespace);
    let chart = chart();
    let upgrade = sim.helm(&[
        "upgrade",
        "tiny",
        &chart,
        "-n",
        namespace,
        "--set",
        "neverReady=true,tag=2.0,config=false",
        "--wait",
        "--timeout",
        "10s",
    ]);
    assert!(
        !upgrade.success(),
        "an upgrade to pods that never become Ready should fail its wait: {upgrade}"
    );
    assert_eq!(
        statuses(sim, namespace),
        vec![(1, "deployed".to_string()), (2, "failed".to_string())],
        "helm history after the failed upgrade (a failed upgrade leaves the last good one deployed)"
    );
}

/// After a rollback of `tiny` from its failed revision 2: revision 3 is deployed with
/// revision 1's manifest, the deployed revision superseded and the failed one left failed.
fn assert_rolled_back_to_revision_1(sim: &Sim, namespace: &str) {
    assert_eq!(
        statuses(sim, namespace),
        vec![
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ],
        "a rollback supersedes the deployed revision and leaves the failed one failed"
    );
    assert_eq!(manifest(sim, namespace, 3), manifest(sim, namespace, 1));
}

/// `helm history tiny -o json`: (revision, status) per revision.
fn statuses(sim: &Sim, namespace: &str) -> Vec<(u64, String)> {
    history(sim, namespace)
        .as_array()
        .expect("history is a list")
        .iter()
        .map(|r| {
            (
                r["revision"].as_u64().expect("a revision number"),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn history(sim: &Sim, namespace: &str) -> Value {
    sim.helm(&["history", "tiny", "-n", namespace, "-o", "json"])
        .ok()
        .json()
}

fn manifest(sim: &Sim, namespace: &str, revision: u32) -> String {
    sim.helm(&[
        "get",
        "manifest",
        "tiny",
        "-n",
        namespace,
        "--revision",
        &revision.to_string(),
    ])
    .ok()
    .stdout
}

#[test]
fn helm_rolls_back_a_failed_upgrade_on_the_simulator() {
    let Some(sim) = helm_sim() else { return };
    install_then_fail_an_upgrade(&sim, "tiny-helm");
    assert_ne!(
        manifest(&sim, "tiny-helm", 1),
        manifest(&sim, "tiny-helm", 2)
    );
    sim.helm(&[
        "rollback",
        "tiny",
        "1",
        "-n",
        "tiny-helm",
        "--wait",
        "--timeout",
        "25s",
    ])
    .ok();
    assert_rolled_back_to_revision_1(&sim, "tiny-helm");
    // The objects are back: the ConfigMap the failed upgrade removed, the old image.
    sim.kubectl(&["get", "configmap", "tiny-config", "-n", "tiny-helm"])
        .ok();
    let deployment = sim.json(&["get", "deployment", "tiny", "-n", "tiny-helm"]);
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.org/tiny:1.0"
    );
}

/// `strata rollback ARGS --helm HELM` with `dir`'s home and audit log.
fn strata_rollback(sim: &Sim, dir: &Path, args: &[&str]) -> StrataRun {
    strata_helm(sim, dir, "rollback", args)
}

/// `strata COMMAND ARGS --helm HELM` with `dir`'s home and audit log.
fn strata_helm(sim: &Sim, dir: &Path, command: &str, args: &[&str]) -> StrataRun {
    let helm = find_tool("helm").expect("helm, as the simulator found it");
    let helm = helm.display().to_string();
    let mut all = vec![command];
    all.extend_from_slice(args);
    all.extend(["--helm", &helm]);
    run_strata(&sim.kubeconfig, dir, &all, STRATA_TIMEOUT)
}

fn audit(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("state/strata/audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// Each of `lines` is in what `run` printed.
fn assert_says(run: &StrataRun, lines: &[&str]) {
    for said in lines {
        assert!(run.stdout.contains(said), "{said:?} in:\n{}", run.stdout);
    }
}

/// An audit line of a successful step on release `tiny` in `namespace`.
fn assert_release_step(line: &Value, action: &str, namespace: &str, outcome: &str) {
    assert_eq!(line["action"], action);
    assert_eq!(line["target"]["kind"], "HelmRelease");
    assert_eq!(line["target"]["name"], "tiny");
    assert_eq!(line["target"]["namespace"], namespace);
    assert_eq!(line["result"], "ok", "{line}");
    assert_eq!(line["outcome"], outcome);
}

#[test]
fn strata_rolls_back_a_failed_upgrade_after_a_dry_run_that_changes_nothing() {
    let Some(sim) = helm_sim() else { return };
    install_then_fail_an_upgrade(&sim, "tiny-strata");
    let dir = private_dirs();
    let before = history(&sim, "tiny-strata");

    let plan = strata_rollback(
        &sim,
        dir.path(),
        &["tiny", "-n", "tiny-strata", "--dry-run"],
    );
    assert_eq!(plan.code, Some(0), "{}\n{}", plan.stdout, plan.stderr);
    assert_says(
        &plan,
        &[
            "from revision 2 (failed) to revision 1",
            "created  ConfigMap/tiny-config",
            "changed  Deployment/tiny",
            "Checks: ok.",
            "Dry run: nothing was changed.",
        ],
    );
    assert_eq!(
        history(&sim, "tiny-strata"),
        before,
        "a dry run changes nothing"
    );
    assert!(audit(dir.path()).is_empty(), "a dry run records nothing");

    let run = strata_rollback(&sim, dir.path(), &["tiny", "-n", "tiny-strata", "--yes"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Rolled back: revision 3 is deployed."),
        "{}",
        run.stdout
    );
    // Watched while helm worked (the never-ready pod of revision 2 going), verified after.
    assert!(
        run.stdout.lines().any(|l| l.starts_with("  pod tiny-")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("verified: 1 pod(s) running and ready"),
        "{}",
        run.stdout
    );
    assert_rolled_back_to_revision_1(&sim, "tiny-strata");
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_release_step(
        &lines[0],
        "rollback.helm",
        "tiny-strata",
        "rolled back to revision 1; revision 3 is deployed; verified: 1 pod(s) running and ready",
    );
}

#[test]
fn strata_rollback_refuses_on_read_only_before_anything() {
    let Some(sim) = helm_sim() else { return };
    install_then_fail_an_upgrade(&sim, "tiny-readonly");
    let before = history(&sim, "tiny-readonly");
    let dir = private_dirs();
    let run = strata_rollback(
        &sim,
        dir.path(),
        &["tiny", "-n", "tiny-readonly", "--yes", "--readonly"],
    );
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no plan either: {}", run.stdout);
    assert_eq!(history(&sim, "tiny-readonly"), before);
    let lines = audit(dir.path());
    assert!(
        lines
            .iter()
            .all(|l| l["result"] != "ok" && l["action"] == "rollback.helm"),
        "{lines:?}"
    );
}

/// Rewrites the newest revision's Secret as a `helm upgrade` that died mid-way leaves it:
/// `pending-upgrade` in its payload and its `status` label.
fn make_pending_upgrade(sim: &Sim, namespace: &str, revision: u32) {
    rewrite_revision(sim, namespace, revision, |release| {
        release.info.status = ReleaseStatus::PendingUpgrade;
    });
}

/// Rewrites revision `revision`'s release Secret through `change`, its `status` label kept
/// in step with the payload.
fn rewrite_revision(
    sim: &Sim,
    namespace: &str,
    revision: u32,
    change: impl FnOnce(&mut strata::release::HelmRelease),
) {
    let name = format!("sh.helm.release.v1.tiny.v{revision}");
    let secret = sim.json(&["get", "secret", &name, "-n", namespace]);
    let data = secret["data"]["release"].as_str().expect("data.release");
    let mut release = decode_release(data.as_bytes()).expect("a release Secret decodes");
    change(&mut release);
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD.encode(encode_release(&release));
    let patch = serde_json::json!({
        "metadata": {"labels": {"status": release.info.status.as_str()}},
        "data": {"release": payload},
    });
    sim.kubectl(&[
        "patch",
        "secret",
        &name,
        "-n",
        namespace,
        "--type",
        "merge",
        "-p",
        &patch.to_string(),
    ])
    .ok();
}

#[test]
fn strata_rollback_unlocks_a_release_stuck_in_pending_upgrade() {
    let Some(sim) = helm_sim() else { return };
    install_then_fail_an_upgrade(&sim, "tiny-pending");
    make_pending_upgrade(&sim, "tiny-pending", 2);
    assert_eq!(
        statuses(&sim, "tiny-pending"),
        vec![
            (1, "deployed".to_string()),
            (2, "pending-upgrade".to_string())
        ]
    );
    // helm itself refuses to upgrade it now.
    let upgrade = sim.helm(&["upgrade", "tiny", &chart(), "-n", "tiny-pending"]);
    assert!(!upgrade.success(), "{upgrade}");

    let dir = private_dirs();
    let run = strata_rollback(&sim, dir.path(), &["tiny", "-n", "tiny-pending", "--yes"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Unlock: revision 2 has been pending-upgrade"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Unlocked: revision 2 is marked failed."),
        "{}",
        run.stdout
    );
    assert_rolled_back_to_revision_1(&sim, "tiny-pending");
    let actions: Vec<(String, String)> = audit(dir.path())
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap_or_default().to_string(),
                l["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("unlock.helm".to_string(), "ok".to_string()),
            ("rollback.helm".to_string(), "ok".to_string())
        ]
    );
}

/// Installs `tiny` (revision 1, ready) in `namespace`.
fn install(sim: &Sim, namespace: &str) {
    sim.namespace(namespace);
    sim.helm(&[
        "install",
        "tiny",
        &chart(),
        "-n",
        namespace,
        "--wait",
        "--timeout",
        "25s",
    ])
    .ok();
}

/// A values file in `dir` with `text`; its path.
fn values_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a values file");
    path.display().to_string()
}

#[test]
fn strata_upgrades_the_image_after_a_plan_that_changes_nothing() {
    let Some(sim) = helm_sim() else { return };
    install(&sim, "tiny-upgrade");
    let dir = private_dirs();
    let values = values_file(dir.path(), "v2.yaml", "tag: \"2.0\"\n");
    let chart = chart();
    let before = history(&sim, "tiny-upgrade");
    let args = ["tiny", &chart, "-n", "tiny-upgrade", "-f", &values];

    let plan = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &[&args[..], &["--plan"]].concat(),
    );
    assert_eq!(plan.code, Some(0), "{}\n{}", plan.stdout, plan.stderr);
    assert_says(
        &plan,
        &[
            "Upgrade tiny-upgrade/tiny from revision 1 (deployed, tiny-0.1.0) to tiny-0.1.0.",
            "changed  ConfigMap/tiny-config",
            "changed  Deployment/tiny (pod template: its pods restart)",
            "Checks: ok.",
            "Plan only: nothing was changed.",
        ],
    );
    assert_eq!(
        history(&sim, "tiny-upgrade"),
        before,
        "a plan changes nothing"
    );
    assert!(audit(dir.path()).is_empty(), "a plan records nothing");

    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &[&args[..], &["--yes"]].concat(),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Upgraded: revision 2 is deployed."),
        "{}",
        run.stdout
    );
    assert_eq!(
        statuses(&sim, "tiny-upgrade"),
        vec![(1, "superseded".to_string()), (2, "deployed".to_string())]
    );
    let deployment = sim.json(&["get", "deployment", "tiny", "-n", "tiny-upgrade"]);
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.org/tiny:2.0"
    );
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_release_step(
        &lines[0],
        "upgrade.helm",
        "tiny-upgrade",
        "upgraded to tiny-0.1.0; revision 2 is deployed; verified: 1 pod(s) running and ready",
    );
}

#[test]
fn strata_upgrade_stops_at_preflight_on_an_immutable_field() {
    let Some(sim) = helm_sim() else { return };
    install(&sim, "tiny-immutable");
    let dir = private_dirs();
    let values = values_file(dir.path(), "selector.yaml", "selectorExtra: true\n");
    let chart = chart();
    let before = history(&sim, "tiny-immutable");
    let deployment = sim.json(&["get", "deployment", "tiny", "-n", "tiny-immutable"]);

    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &[
            "tiny",
            &chart,
            "-n",
            "tiny-immutable",
            "-f",
            &values,
            "--yes",
        ],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(
        &run,
        &[
            "check failed: the server refuses Deployment/tiny: Deployment.apps \"tiny\" is invalid: \
         spec.selector: Invalid value",
            "field is immutable",
            "Nothing was changed.",
        ],
    );
    assert!(
        !run.stdout.contains("Running helm upgrade"),
        "{}",
        run.stdout
    );
    assert_eq!(
        history(&sim, "tiny-immutable"),
        before,
        "helm history unchanged"
    );
    assert_eq!(
        sim.json(&["get", "deployment", "tiny", "-n", "tiny-immutable"])["spec"],
        deployment["spec"],
        "the Deployment unchanged"
    );
    assert!(
        audit(dir.path()).is_empty(),
        "nothing asked, nothing recorded"
    );
}

#[test]
fn strata_upgrade_refuses_on_read_only_before_anything() {
    let Some(sim) = helm_sim() else { return };
    install(&sim, "tiny-upgrade-ro");
    let before = history(&sim, "tiny-upgrade-ro");
    let dir = private_dirs();
    let chart = chart();
    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &[
            "tiny",
            &chart,
            "-n",
            "tiny-upgrade-ro",
            "--yes",
            "--readonly",
        ],
    );
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no plan either: {}", run.stdout);
    assert_eq!(history(&sim, "tiny-upgrade-ro"), before);
    assert!(
        audit(dir.path()).iter().all(|l| l["result"] != "ok"),
        "nothing done"
    );
}

/// `strata upgrade tiny CHART -n NAMESPACE -f VALUES --plan` after installing `tiny` with
/// defaults: it exits 1 with `says`, and helm history is unchanged.
fn assert_plan_stops(namespace: &str, values: &str, says: &[&str]) {
    let Some(sim) = helm_sim() else { return };
    install(&sim, namespace);
    let dir = private_dirs();
    let values = values_file(dir.path(), "values.yaml", values);
    let chart = chart();
    let before = history(&sim, namespace);
    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &["tiny", &chart, "-n", namespace, "-f", &values, "--plan"],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(&run, says);
    assert_says(&run, &["Nothing was changed."]);
    assert_eq!(history(&sim, namespace), before, "helm history unchanged");
    assert!(audit(dir.path()).is_empty(), "a plan records nothing");
}

#[test]
fn strata_upgrade_plan_stops_on_a_removed_api_version() {
    assert_plan_stops(
        "tiny-removed-api",
        "legacyPdb: true\n",
        &[
            "check failed: PodDisruptionBudget/tiny uses policy/v1beta1, which Kubernetes 1.25 \
           removed (the server is 1.",
        ],
    );
}

#[test]
fn strata_upgrade_plan_stops_on_the_airflow_migration_hook_and_wait_deadlock() {
    assert_plan_stops(
        "tiny-airflow-hook",
        "airflowMigrations: true\n",
        &[
            "note: the upgrade runs post-install,post-upgrade hook Job tiny-run-airflow-migrations",
            "check failed: tiny-run-airflow-migrations is a post-upgrade hook while the upgrade \
             waits for pods that wait for it: set migrateDatabaseJob.useHelmHooks=false",
        ],
    );
}

#[test]
fn strata_rollback_of_a_release_pending_its_first_install_says_to_reinstall() {
    let Some(sim) = helm_sim() else { return };
    install(&sim, "tiny-first");
    rewrite_revision(&sim, "tiny-first", 1, |release| {
        release.info.status = ReleaseStatus::PendingInstall;
    });
    let before = history(&sim, "tiny-first");
    let dir = private_dirs();
    let run = strata_rollback(&sim, dir.path(), &["tiny", "-n", "tiny-first", "--yes"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(
        &run,
        &[
            "Nothing to roll back: tiny-first/tiny has only revision 1 (pending-install).",
            "helm uninstall tiny -n tiny-first, then helm install tiny CHART -n tiny-first",
            "Nothing was changed.",
        ],
    );
    assert_eq!(history(&sim, "tiny-first"), before);
    assert!(
        audit(dir.path()).is_empty(),
        "nothing asked, nothing recorded"
    );
}

#[test]
fn strata_rollback_stops_on_the_target_chart_kube_version_and_a_pull_failure() {
    let Some(sim) = helm_sim() else { return };
    install_then_fail_an_upgrade(&sim, "tiny-cluster-checks");
    // Revision 1's chart wants a Kubernetes the server is not, and its image fails to pull
    // in another pod of the cluster.
    rewrite_revision(&sim, "tiny-cluster-checks", 1, |release| {
        if let Some(chart) = release.chart.as_mut() {
            chart.metadata.kube_version = ">=1.99.0-0".into();
        }
    });
    sim.create(
        "tiny-cluster-checks",
        r#"apiVersion: v1
kind: Pod
metadata:
  name: puller
  annotations: {sim.strata.dev/script: pull-error}
spec:
  containers: [{name: app, image: "example.org/tiny:1.0"}]
"#,
    );
    let dir = private_dirs();
    let args = ["tiny", "-n", "tiny-cluster-checks", "--dry-run"];
    // The kubelet reports the pull failure a moment after the pod is scheduled.
    let mut run = strata_rollback(&sim, dir.path(), &args);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !run.stdout.contains("fails to pull") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        run = strata_rollback(&sim, dir.path(), &args);
    }
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(
        &run,
        &[
            "check failed: tiny-0.1.0 requires Kubernetes >=1.99.0-0 (its kubeVersion); the \
             server is v1.",
            "check failed: image example.org/tiny:1.0 fails to pull on this cluster (",
            "Nothing was changed.",
        ],
    );
    // Seen in the pod's status, or in the kubelet's Event (which may come first): the pod is
    // named either way.
    let check = run
        .stdout
        .lines()
        .find(|l| l.contains("fails to pull"))
        .unwrap();
    assert!(
        check.contains("pod tiny-cluster-checks/puller: ErrImagePull")
            || check.contains("pod tiny-cluster-checks/puller: ImagePullBackOff")
            || check.contains("Event on Pod tiny-cluster-checks/puller: Failed to pull image"),
        "{check}"
    );
    assert_eq!(
        statuses(&sim, "tiny-cluster-checks"),
        vec![(1, "deployed".to_string()), (2, "failed".to_string())]
    );
}

#[test]
fn strata_upgrade_plan_reads_gitops_marks_and_pdbs_on_the_live_objects() {
    let Some(sim) = helm_sim() else { return };
    let ns = "tiny-live";
    install(&sim, ns);
    // Argo CD's mark on the live Deployment only: the release's manifests do not carry it.
    sim.kubectl(&[
        "annotate",
        "deployment",
        "tiny",
        "-n",
        ns,
        "argocd.argoproj.io/tracking-id=data:apps/Deployment:tiny-live/tiny",
    ])
    .ok();
    sim.create(
        ns,
        r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: tiny-pdb}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/instance: tiny}}
"#,
    );
    sim.kubectl(&[
        "patch",
        "pdb",
        "tiny-pdb",
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}}"#,
    ])
    .ok();
    let dir = private_dirs();
    let values = values_file(dir.path(), "v2.yaml", "tag: \"2.0\"\n");
    let chart = chart();
    let before = history(&sim, ns);
    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &["tiny", &chart, "-n", ns, "-f", &values, "--plan"],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(
        &run,
        &[
            "note: PodDisruptionBudget tiny-pdb covers the pods of Deployment/tiny, which \
             restart, and allows 0 disruptions now",
            "note: not seen on this cluster: example.org/tiny:2.0 — cannot be checked without \
             registry access",
            "check failed: Argo CD application data manages Deployment/tiny (live): upgrade in \
             Git",
            "Nothing was changed.",
        ],
    );
    assert_eq!(history(&sim, ns), before, "helm history unchanged");
}

#[test]
fn strata_upgrade_plan_stops_on_a_chart_whose_kube_version_excludes_the_server() {
    let Some(sim) = helm_sim() else { return };
    let ns = "tiny-kube-version";
    install(&sim, ns);
    let dir = private_dirs();
    // tiny 0.2.0, for a Kubernetes this server is not.
    let future = dir.path().join("tiny-future");
    std::fs::create_dir_all(future.join("templates")).expect("chart folder");
    for file in [
        "values.yaml",
        "templates/configmap.yaml",
        "templates/deployment.yaml",
    ] {
        std::fs::copy(Path::new(&chart()).join(file), future.join(file)).expect("copy chart");
    }
    std::fs::write(
        future.join("Chart.yaml"),
        "apiVersion: v2\nname: tiny\nversion: 0.2.0\nkubeVersion: \">=1.99.0-0\"\n",
    )
    .expect("Chart.yaml");
    let before = history(&sim, ns);
    let run = strata_helm(
        &sim,
        dir.path(),
        "upgrade",
        &["tiny", &future.display().to_string(), "-n", ns, "--plan"],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_says(
        &run,
        &[
            "check failed: tiny-0.2.0 requires Kubernetes >=1.99.0-0 (its kubeVersion); the \
             server is v1.",
            "Nothing was changed.",
        ],
    );
    assert_eq!(history(&sim, ns), before, "helm history unchanged");
}

#[test]
fn helm_status_and_uninstall_work_on_the_simulator() {
    let Some(sim) = helm_sim() else { return };
    install(&sim, "tiny-gone");
    let status = sim
        .helm(&["status", "tiny", "-n", "tiny-gone", "-o", "json"])
        .ok()
        .json();
    assert_eq!(status["info"]["status"], "deployed");
    assert_eq!(status["version"], 1);
    sim.kubectl(&["get", "deployment", "tiny", "-n", "tiny-gone"])
        .ok();
    sim.helm(&["uninstall", "tiny", "-n", "tiny-gone", "--wait"])
        .ok();
    // The release's objects and its storage are gone, as helm and kubectl both see.
    sim.helm(&["status", "tiny", "-n", "tiny-gone"]).failed();
    let gone = sim
        .kubectl(&["get", "deployment", "tiny", "-n", "tiny-gone"])
        .failed();
    assert!(gone.stderr.contains("NotFound"), "{}", gone.stderr);
    let secrets = sim
        .kubectl(&[
            "get",
            "secrets",
            "-n",
            "tiny-gone",
            "-l",
            "owner=helm",
            "-o",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(secrets["items"], serde_json::json!([]));
}
