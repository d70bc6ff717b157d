//! `strata incident` against the simulator's demo: both planted causes linked to their
//! breakages (superset's failed upgrade, the edit of dagster's user-code ConfigMap), and
//! changes real kubectl makes while it runs — a ConfigMap edit, a Secret edit, a scale —
//! read back from the objects' managedFields onto the timeline, by key name only: no value
//! is ever printed. Exit 1 while something is broken.
//!
//! Needs kubectl (see tests/README.md); without it each test prints SKIPPED.

mod support;

use std::time::Duration;

use support::{Sim, SimOptions, private_dirs, run_strata};

const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn the_timeline_links_the_planted_causes_and_records_what_kubectl_changes() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    // Changes made now, by real kubectl, with values that must never be printed.
    sim.kubectl(&[
        "patch",
        "configmap",
        "metabase-config",
        "-n",
        "bi",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"FEATURE_FLAGS":"planted-config-Vq93"}}"#,
    ])
    .ok();
    sim.create(
        "bi",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: planted-db\nstringData:\n  DB_PASSWORD: first-Pw11\n",
    )
    .ok();
    // Edited after its creation: a change on the timeline.
    std::thread::sleep(Duration::from_millis(3100));
    sim.kubectl(&[
        "patch",
        "secret",
        "planted-db",
        "-n",
        "bi",
        "--type",
        "merge",
        "-p",
        r#"{"stringData":{"DB_PASSWORD":"planted-secret-Hx48"}}"#,
    ])
    .ok();
    sim.kubectl(&[
        "scale",
        "deployment",
        "metabase",
        "-n",
        "bi",
        "--replicas",
        "2",
    ])
    .ok();

    let out = run_strata(
        &sim.kubeconfig,
        dir.path(),
        &["incident", "-o", "json"],
        TIMEOUT,
    );
    assert_eq!(out.code, Some(1), "something is broken: {}", out.stderr);
    for planted in [
        "planted-config-Vq93",
        "planted-secret-Hx48",
        "first-Pw11",
        "analytics.definitons",
    ] {
        assert!(
            !out.stdout.contains(planted),
            "{planted} printed:\n{}",
            out.stdout
        );
    }
    let report = out.json();
    let incident = |component: &str| {
        report["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["component"] == component)
            .unwrap_or_else(|| panic!("{component} not broken: {report:#}"))
            .clone()
    };
    let superset = incident("superset");
    assert_eq!(superset["changes"][0]["kind"], "release", "{superset:#}");
    assert_eq!(
        superset["changes"][0]["summary"],
        "release superset rev 3: upgrade superset-0.14.2 → superset-0.15.2 (failed)"
    );
    let dagster = incident("dagster");
    assert_eq!(dagster["changes"][0]["kind"], "config", "{dagster:#}");
    assert_eq!(dagster["changes"][0]["by"], "kubectl-edit");
    assert_eq!(dagster["changes"][0]["cause"], "own");
    assert_eq!(dagster["changes"][1]["kind"], "rollout");

    let summaries: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["summary"].as_str())
        .collect();
    for want in [
        "ConfigMap metabase-config edited: FEATURE_FLAGS (by kubectl-patch)",
        "Secret planted-db edited: DB_PASSWORD (by kubectl-patch)",
        "Deployment metabase scaled (now 2) (by kubectl)",
    ] {
        assert!(summaries.contains(&want), "{want} missing: {summaries:#?}");
    }
    // The creation of the Secret is not a change of it.
    assert_eq!(
        summaries
            .iter()
            .filter(|s| s.contains("planted-db"))
            .count(),
        1
    );

    // The text form, for a ticket.
    let out = run_strata(
        &sim.kubeconfig,
        dir.path(),
        &["incident", "--since", "3h"],
        TIMEOUT,
    );
    assert!(out.stdout.contains("BROKEN"), "{}", out.stdout);
    assert!(out.stdout.contains("← "), "{}", out.stdout);
    assert!(!out.stdout.contains("planted-secret-Hx48"));
    let out = run_strata(
        &sim.kubeconfig,
        dir.path(),
        &["incident", "--since", "soon"],
        TIMEOUT,
    );
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("--since"), "{}", out.stderr);
}
