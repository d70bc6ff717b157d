//! `strata security` against the simulator's demo: the findings the demo carries (Trino on a
//! LoadBalancer, Airbyte's NodePort and default passwords, Superset as root, Airflow's
//! create-user Job) with their fixes, a clean namespace beside them, exit codes per
//! `--fail-on`, planted credentials never printed, and the read-only viewer's forbidden
//! Secrets and RBAC reported as warnings, not as clean.
//!
//! Needs kubectl (see tests/README.md); without it each test prints SKIPPED.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Sim, SimOptions, StrataRun, private_dirs, run_strata};

const TIMEOUT: Duration = Duration::from_secs(60);

fn security(sim: &Sim, args: &[&str]) -> StrataRun {
    let dir = private_dirs();
    let mut all = vec!["security"];
    all.extend_from_slice(args);
    run_strata(&sim.kubeconfig, dir.path(), &all, TIMEOUT)
}

fn finding<'a>(report: &'a Value, object: &str, check: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["object"] == object && f["check"] == check)
}

#[test]
fn the_demo_carries_realistic_findings_with_fixes_and_exit_codes() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    // Planted credentials, one a chart default, must never be printed.
    sim.create(
        "ingestion",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: planted\n  labels:\n    app.kubernetes.io/name: airbyte\n    app.kubernetes.io/instance: airbyte\nstringData:\n  MINIO_ROOT_PASSWORD: minioadmin\n  API_TOKEN: planted-token-Zq81\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: planted-app\n  labels:\n    app.kubernetes.io/name: airbyte\n    app.kubernetes.io/instance: airbyte\nspec:\n  selector:\n    matchLabels: {app: planted}\n  template:\n    metadata:\n      labels: {app: planted}\n    spec:\n      containers:\n      - name: app\n        image: acme/app:1.0\n        env:\n        - name: SMTP_PASSWORD\n          value: planted-env-Kx72\n",
    );

    let out = security(&sim, &["-o", "json"]);
    assert_eq!(
        out.code,
        Some(1),
        "high findings make exit 1: {}",
        out.stderr
    );
    let report = out.json();
    assert_eq!(report["context"], "strata-sim");
    assert_eq!(report["warnings"], serde_json::json!([]));
    // The documented field order (the parsed Value sorts its keys: read the text).
    let first = &out.stdout[out.stdout.find("\"findings\"").unwrap()..];
    let first = &first[..first.find('}').unwrap()];
    let at = |key: &str| first.find(&format!("\"{key}\":")).unwrap_or(usize::MAX);
    let order = [
        "component",
        "tool",
        "namespace",
        "object",
        "check",
        "severity",
        "evidence",
        "fix",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{first}");
    let trino = finding(&report, "Service/trino", "exposure.load-balancer").expect("Trino LB");
    assert_eq!(
        (
            &trino["component"],
            &trino["tool"],
            &trino["namespace"],
            &trino["severity"]
        ),
        (
            &"trino".into(),
            &"trino".into(),
            &"warehouse".into(),
            &"high".into()
        )
    );
    assert!(trino["fix"].as_str().unwrap().contains("ClusterIP"));
    // Trino has no authentication, and now everyone can reach it.
    let auth = finding(&report, "ConfigMap/trino-coordinator", "auth.trino.none").unwrap();
    assert_eq!(auth["severity"], "high");
    let nodeport = finding(
        &report,
        "Service/airbyte-airbyte-connector-builder-server-svc",
        "exposure.node-port",
    )
    .expect("Airbyte's NodePort builder");
    assert_eq!(nodeport["severity"], "medium");
    assert!(finding(&report, "Deployment/superset", "runtime.root").is_some());
    let create_user =
        finding(&report, "Job/airflow-create-user", "credentials.default").expect("admin/admin");
    assert_eq!(create_user["component"], "airflow");
    let minio = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check"] == "credentials.default" && f["evidence"].as_str().unwrap().contains("MinIO")
        })
        .expect("MinIO on a default credential");
    assert_eq!(
        minio["severity"], "high",
        "Airbyte is exposed by its NodePort"
    );
    assert!(finding(&report, "Deployment/planted-app", "runtime.plain-secret").is_some());

    // Nothing printed holds a credential's value.
    let table = security(&sim, &[]);
    assert_eq!(table.code, Some(1));
    assert!(table.stdout.contains("fix:"), "{}", table.stdout);
    for output in [&out.stdout, &table.stdout, &out.stderr, &table.stderr] {
        for planted in [
            "planted-token-Zq81",
            "planted-env-Kx72",
            "minioadmin",
            "minio123",
            "prefect-rocks",
            "demo-only-",
        ] {
            assert!(!output.contains(planted), "{planted} leaked:\n{output}");
        }
    }

    // dbt's namespace is hardened and isolated: clean, exit 0 even at --fail-on low.
    let clean = security(
        &sim,
        &["-n", "transformation", "--fail-on", "low", "-o", "json"],
    );
    assert_eq!(clean.code, Some(0), "{}", clean.stdout);
    assert_eq!(clean.json()["findings"], serde_json::json!([]));
    // Superset's namespace has medium findings, no high one.
    assert_eq!(security(&sim, &["-n", "bi"]).code, Some(0));
    assert_eq!(
        security(&sim, &["-n", "bi", "--fail-on", "medium"]).code,
        Some(1)
    );
}

#[test]
fn what_the_viewer_cannot_read_is_a_warning_never_clean() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let out = security(&sim, &["--context", "strata-sim-viewer", "-o", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let report = out.json();
    let warned: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    for kind in ["secrets", "roles", "clusterrolebindings"] {
        assert!(warned.contains(&kind), "{warned:?}");
    }
    assert!(
        out.stderr.contains("warning: cannot list secrets"),
        "{}",
        out.stderr
    );
    // No finding comes from a Secret, and the rest is still checked.
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["object"].as_str().unwrap().starts_with("Secret/"))
    );
    assert!(finding(&report, "Service/trino", "exposure.load-balancer").is_some());

    let table = security(
        &sim,
        &["--context", "strata-sim-viewer", "-n", "transformation"],
    );
    assert_eq!(table.code, Some(0));
    assert!(table.stdout.contains("Incomplete: "), "{}", table.stdout);
}

#[test]
fn an_unusable_kubeconfig_is_exit_2() {
    let dir = private_dirs();
    let missing = dir.path().join("no-kubeconfig");
    let out = run_strata(&missing, dir.path(), &["security"], TIMEOUT);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
}
