//! Real Helm v4 against the simulator with the chart in `tests/charts/tiny`: install, an
//! upgrade whose pods never become Ready (Helm marks it failed), and a rollback that brings
//! back revision 1's manifest — first by `helm rollback`, then by `strata rollback`.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::{Sim, SimOptions};

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
