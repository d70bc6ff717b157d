//! Real Helm v4 against the simulator with the chart in `tests/charts/tiny`: install, an
//! upgrade whose pods never become Ready (Helm marks it failed), and a rollback that brings
//! back revision 1's manifest — first by `helm rollback`, then by `strata rollback`, which
//! also plans without changing anything, refuses on read-only, and unlocks a release stuck in
//! `pending-upgrade`.

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
    sim.namespace(namespace);
    let chart = chart();
    sim.helm(&[
        "install",
        "tiny",
        &chart,
        "-n",
        namespace,
        "--wait",
        "--timeout",
        "25s",
    ])
    .ok();
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
    assert_eq!(
        statuses(&sim, "tiny-helm"),
        vec![
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ],
        "a rollback supersedes the deployed revision and leaves the failed one failed"
    );
    assert_eq!(
        manifest(&sim, "tiny-helm", 3),
        manifest(&sim, "tiny-helm", 1)
    );
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
    let helm = find_tool("helm").expect("helm, as the simulator found it");
    let helm = helm.display().to_string();
    let mut all = vec!["rollback"];
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
    for said in [
        "from revision 2 (failed) to revision 1",
        "created  ConfigMap/tiny-config",
        "changed  Deployment/tiny",
        "Checks: ok.",
        "Dry run: nothing was changed.",
    ] {
        assert!(plan.stdout.contains(said), "{said:?} in:\n{}", plan.stdout);
    }
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
    assert_eq!(
        statuses(&sim, "tiny-strata"),
        vec![
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ]
    );
    assert_eq!(
        manifest(&sim, "tiny-strata", 3),
        manifest(&sim, "tiny-strata", 1)
    );
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["action"], "rollback.helm");
    assert_eq!(line["target"]["kind"], "HelmRelease");
    assert_eq!(line["target"]["name"], "tiny");
    assert_eq!(line["target"]["namespace"], "tiny-strata");
    assert_eq!(line["result"], "ok", "{line}");
    assert_eq!(
        line["outcome"],
        "rolled back to revision 1; revision 3 is deployed"
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
    let name = format!("sh.helm.release.v1.tiny.v{revision}");
    let secret = sim.json(&["get", "secret", &name, "-n", namespace]);
    let data = secret["data"]["release"].as_str().expect("data.release");
    let mut release = decode_release(data.as_bytes()).expect("a release Secret decodes");
    release.info.status = ReleaseStatus::PendingUpgrade;
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD.encode(encode_release(&release));
    let patch = serde_json::json!({
        "metadata": {"labels": {"status": "pending-upgrade"}},
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
    assert_eq!(
        statuses(&sim, "tiny-pending"),
        vec![
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ]
    );
    assert_eq!(
        manifest(&sim, "tiny-pending", 3),
        manifest(&sim, "tiny-pending", 1)
    );
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
