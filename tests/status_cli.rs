//! `strata status` against the simulator, driven with the real kubectl: the rendered charts
//! applied as an operator would (no Helm) are classified right; fault cases made with pod
//! scripts, `kubectl scale` and Helm release Secrets give the right health and reasons;
//! exit codes and error messages are those documented in docs/rules.md.
//!
//! Needs kubectl (see tests/README.md); without it each test prints SKIPPED (and fails
//! under CI).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use strata::release::{
    Chart, ChartMetadata, HelmRelease, ReleaseInfo, ReleaseStatus, release_secret,
};
use support::{
    Sim, SimOptions, StrataRun as Status, fixtures_dir, private_dirs, run_strata, wait_until,
};

/// (fixture, namespace, layer, component, tool) — the layer column of
/// tests/fixtures/charts/INDEX.md.
const CHARTS: [(&str, &str, &str, &str, &str); 10] = [
    (
        "airbyte.yaml",
        "ingestion",
        "ingestion",
        "airbyte",
        "airbyte",
    ),
    (
        "airflow.yaml",
        "orchestration",
        "orchestration",
        "airflow",
        "airflow",
    ),
    (
        "clickhouse.yaml",
        "warehouse",
        "warehouse",
        "clickhouse",
        "clickhouse",
    ),
    (
        "dagster.yaml",
        "orchestration",
        "orchestration",
        "dagster",
        "dagster",
    ),
    (
        "lightdash.yaml",
        "bi",
        "visualization",
        "lightdash",
        "lightdash",
    ),
    (
        "metabase.yaml",
        "bi",
        "visualization",
        "metabase",
        "metabase",
    ),
    (
        "prefect.yaml",
        "orchestration",
        "orchestration",
        "prefect",
        "prefect",
    ),
    (
        "spark-operator.yaml",
        "spark",
        "warehouse",
        "spark-operator",
        "spark",
    ),
    (
        "superset.yaml",
        "bi",
        "visualization",
        "superset",
        "superset",
    ),
    ("trino.yaml", "warehouse", "warehouse", "trino", "trino"),
];

const WORKLOAD_KINDS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"];

/// How long one `strata status` may take.
const STATUS_TIMEOUT: Duration = Duration::from_secs(30);

/// `strata status ARGS` against the simulator, with a private, empty config directory (no
/// user rules file leaks in) and a timeout.
fn status(sim: &Sim, args: &[&str]) -> Status {
    let dir = private_dirs();
    status_with(&sim.kubeconfig, dir.path(), args)
}

fn status_with(kubeconfig: &Path, dir: &Path, args: &[&str]) -> Status {
    let mut all = vec!["status"];
    all.extend_from_slice(args);
    strata_with(kubeconfig, dir, &all)
}

/// `strata SUBCOMMAND ARGS…` against the simulator, private directories, a timeout.
fn strata(sim: &Sim, args: &[&str]) -> Status {
    let dir = private_dirs();
    strata_with(&sim.kubeconfig, dir.path(), args)
}

fn strata_with(kubeconfig: &Path, dir: &Path, args: &[&str]) -> Status {
    run_strata(kubeconfig, dir, args, STATUS_TIMEOUT)
}

fn components(report: &Value) -> Vec<(&str, &Value)> {
    report["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|l| {
            let layer = l["layer"].as_str().unwrap_or_default();
            l["components"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |c| (layer, c))
        })
        .collect()
}

fn component<'a>(report: &'a Value, namespace: &str, name: &str) -> Option<&'a Value> {
    components(report)
        .into_iter()
        .map(|(_, c)| c)
        .find(|c| c["namespace"] == namespace && c["name"] == name)
}

fn reasons(c: &Value) -> Vec<String> {
    c["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect()
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn charts_applied_with_kubectl_land_in_their_layers_and_components() {
    let Some(sim) = Sim::start(SimOptions {
        scenario: "empty",
        ..SimOptions::default()
    }) else {
        return;
    };
    for ns in ["ingestion", "orchestration", "warehouse", "bi", "spark"] {
        sim.namespace(ns);
    }
    // The operators' CRDs (the charts install them from `crds/`, which renders skip).
    let crds = std::fs::read_to_string(repo_file("crates/sim/src/scenario/charts/crds.yaml"))
        .expect("the simulator's CRD file");
    sim.create("default", &crds);
    let mut expected: Vec<(String, String, String, &str, &str, &str)> = Vec::new();
    for (file, namespace, layer, component, tool) in CHARTS {
        let yaml = std::fs::read_to_string(fixtures_dir().join("charts").join(file))
            .unwrap_or_else(|e| panic!("fixture {file}: {e}"));
        sim.create(namespace, &yaml);
        for doc in serde_saphyr::from_multiple::<Value>(&yaml).expect("fixture parses") {
            let kind = doc["kind"].as_str().unwrap_or_default();
            if WORKLOAD_KINDS.contains(&kind) {
                let name = doc["metadata"]["name"].as_str().unwrap_or_default();
                expected.push((
                    kind.into(),
                    name.into(),
                    namespace.into(),
                    layer,
                    component,
                    tool,
                ));
            }
        }
    }
    assert!(expected.len() >= 39, "{}", expected.len());

    let out = status(&sim, &["-o", "json"]);
    let report = out.json();
    assert_eq!(report["context"], "strata-sim");
    let mut problems = Vec::new();
    for (kind, name, namespace, layer, component, tool) in &expected {
        let found = components(&report).into_iter().find_map(|(l, c)| {
            c["workloads"]
                .as_array()?
                .iter()
                .any(|w| {
                    w["kind"] == kind.as_str()
                        && w["name"] == name.as_str()
                        && w["namespace"] == namespace.as_str()
                })
                .then_some((l, c))
        });
        match found {
            Some((l, c)) if l == *layer && c["name"] == *component && c["tool"] == *tool => {}
            Some((l, c)) => problems.push(format!(
                "{kind} {namespace}/{name}: in {l}/{} (tool {}), expected {layer}/{component} (tool {tool})",
                c["name"], c["tool"]
            )),
            None => problems.push(format!("{kind} {namespace}/{name}: not in any component")),
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        out.stdout
    );

    // Once the simulated pods are up, a clean install is healthy and exits 0.
    wait_until("every component healthy", Duration::from_secs(60), || {
        let out = status(&sim, &["-o", "json"]);
        let report = out.json();
        let unhealthy: Vec<String> = components(&report)
            .into_iter()
            .filter(|(_, c)| c["health"] != "healthy" && c["health"] != "unknown")
            .map(|(_, c)| format!("{} {}: {:?}", c["name"], c["health"], reasons(c)))
            .collect();
        if unhealthy.is_empty() && out.code == Some(0) {
            Ok(())
        } else {
            Err(format!("exit {:?}: {}", out.code, unhealthy.join("; ")))
        }
    });
}

/// Workloads with scripted faults, written as the charts would label them.
const FAULTS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: af-scheduler, labels: {tier: airflow, component: scheduler, release: af}}
spec:
  replicas: 1
  selector: {matchLabels: {tier: airflow, component: scheduler, release: af}}
  template:
    metadata:
      labels: {tier: airflow, component: scheduler, release: af}
      annotations: {sim.strata.dev/script: "crashloop=1s"}
    spec: {containers: [{name: scheduler, image: "apache/airflow:3.0.2", args: [bash, -c, exec airflow scheduler]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: af-api-server, labels: {tier: airflow, component: api-server, release: af}}
spec:
  replicas: 1
  selector: {matchLabels: {tier: airflow, component: api-server, release: af}}
  template:
    metadata: {labels: {tier: airflow, component: api-server, release: af}}
    spec: {containers: [{name: api-server, image: "apache/airflow:3.0.2"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: af-worker, labels: {tier: airflow, component: worker, release: af}}
spec:
  replicas: 2
  selector: {matchLabels: {tier: airflow, component: worker, release: af}}
  template:
    metadata: {labels: {tier: airflow, component: worker, release: af}}
    spec: {containers: [{name: worker, image: "apache/airflow:3.0.2"}]}
"#;

const TRINO_PULL_ERROR: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: trino-coordinator, labels: {app.kubernetes.io/name: trino, app.kubernetes.io/instance: trino, app.kubernetes.io/component: coordinator}}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/instance: trino, app.kubernetes.io/component: coordinator}}
  template:
    metadata: {labels: {app.kubernetes.io/name: trino, app.kubernetes.io/instance: trino, app.kubernetes.io/component: coordinator}}
    spec: {containers: [{name: trino, image: "trinodb/trino:480"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: trino-worker, labels: {app.kubernetes.io/name: trino, app.kubernetes.io/instance: trino, app.kubernetes.io/component: worker}}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/instance: trino, app.kubernetes.io/component: worker}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: trino, app.kubernetes.io/instance: trino, app.kubernetes.io/component: worker}
      annotations: {sim.strata.dev/script: "pull-error"}
    spec: {containers: [{name: trino, image: "trinodb/trino:481"}]}
"#;

/// A Helm release Secret in Helm's own encoding, for one revision.
fn release_secret_yaml(
    name: &str,
    namespace: &str,
    chart: &str,
    revision: u32,
    status: ReleaseStatus,
    age: chrono::Duration,
    description: &str,
) -> String {
    let release = HelmRelease {
        name: name.into(),
        namespace: namespace.into(),
        version: revision,
        info: ReleaseInfo {
            first_deployed: Some(Utc::now() - chrono::Duration::days(30)),
            last_deployed: Some(Utc::now() - age),
            description: description.into(),
            status,
            ..ReleaseInfo::default()
        },
        chart: Some(Chart {
            metadata: ChartMetadata {
                name: chart.into(),
                version: "1.0.0".into(),
                ..ChartMetadata::default()
            },
            ..Chart::default()
        }),
        ..HelmRelease::default()
    };
    let mut secret = release_secret(&release);
    secret["metadata"]["namespace"] = Value::String(namespace.into());
    serde_json::to_string(&secret).expect("secret JSON")
}

#[test]
fn fault_cases_give_the_right_health_and_reasons() {
    let Some(sim) = Sim::start(SimOptions {
        scenario: "empty",
        ..SimOptions::default()
    }) else {
        return;
    };
    sim.namespace("faults");
    sim.namespace("engines");
    sim.create("faults", FAULTS);
    sim.create("engines", TRINO_PULL_ERROR);
    // Superset failed at revision 7 (rev 6 deployed before); Trino stuck in pending-upgrade
    // for two hours after revision 4.
    for secret in [
        release_secret_yaml(
            "superset",
            "faults",
            "superset",
            6,
            ReleaseStatus::Superseded,
            chrono::Duration::days(3),
            "Upgrade complete",
        ),
        release_secret_yaml(
            "superset",
            "faults",
            "superset",
            7,
            ReleaseStatus::Failed,
            chrono::Duration::minutes(50),
            "Upgrade \"superset\" failed: post-upgrade hooks failed: job superset-init-db failed: BackoffLimitExceeded",
        ),
        release_secret_yaml(
            "trino",
            "engines",
            "trino",
            4,
            ReleaseStatus::Deployed,
            chrono::Duration::days(9),
            "Upgrade complete",
        ),
        release_secret_yaml(
            "trino",
            "engines",
            "trino",
            5,
            ReleaseStatus::PendingUpgrade,
            chrono::Duration::minutes(125),
            "Preparing upgrade",
        ),
    ] {
        let namespace = if secret.contains("\"namespace\":\"engines\"") {
            "engines"
        } else {
            "faults"
        };
        sim.create(namespace, &secret);
    }

    // A crash loop on the scheduler takes Airflow down, with the restarts counted.
    let report = wait_until(
        "the scheduler crash-looping",
        Duration::from_secs(60),
        || {
            let out = status(&sim, &["-o", "json"]);
            let report = out.json();
            let af = component(&report, "faults", "af").ok_or_else(|| out.stdout.clone())?;
            let why = reasons(af);
            let crashing = why.iter().any(|r| {
                r.starts_with("af-scheduler 0/1 ready: CrashLoopBackOff, ") && r.contains("restart")
            });
            let trino = component(&report, "engines", "trino").ok_or_else(|| out.stdout.clone())?;
            let pulling = reasons(trino)
                .iter()
                .any(|r| r.contains("ImagePullBackOff pulling trinodb/trino:481"));
            if af["health"] == "down" && crashing && pulling && out.code == Some(1) {
                Ok(report)
            } else {
                Err(format!("exit {:?}\n{}", out.code, out.stdout))
            }
        },
    );

    // Image pull failures on the workers degrade Trino; the stuck upgrade is named.
    let trino = component(&report, "engines", "trino").expect("trino");
    assert_eq!(trino["health"], "degraded", "{trino}");
    assert_eq!(trino["release"], "trino");
    let why = reasons(trino);
    assert!(
        why.contains(
            &"trino-worker 0/2 ready: ImagePullBackOff pulling trinodb/trino:481 (2 pods)"
                .to_string()
        ),
        "{why:?}"
    );
    assert!(
        why.iter()
            .any(|r| r
                .starts_with("Helm release trino stuck in pending-upgrade for 2 h (revision 5)")),
        "{why:?}"
    );

    // The failed Superset release is a component with its reason even before any workload.
    let superset = component(&report, "faults", "superset").expect("superset");
    assert_eq!(superset["tool"], "superset");
    assert_eq!(superset["health"], "degraded");
    assert!(
        reasons(superset)[0]
            .starts_with("Helm release superset failed at revision 7: Upgrade \"superset\" failed"),
        "{superset}"
    );

    // Scaling the workers to zero is a choice: the worker stays healthy at 0/0.
    sim.kubectl(&[
        "scale",
        "deployment/af-worker",
        "--replicas=0",
        "-n",
        "faults",
    ])
    .ok();
    wait_until(
        "the worker at 0/0 and healthy",
        Duration::from_secs(30),
        || {
            let out = status(&sim, &["-o", "json", "-n", "faults"]);
            let report = out.json();
            let af = component(&report, "faults", "af").ok_or_else(|| out.stdout.clone())?;
            let worker = af["workloads"]
                .as_array()
                .and_then(|w| w.iter().find(|w| w["name"] == "af-worker").cloned())
                .ok_or_else(|| out.stdout.clone())?;
            let worker_reasons = reasons(af)
                .into_iter()
                .filter(|r| r.contains("af-worker"))
                .count();
            if worker["ready"] == "0/0" && worker["health"] == "healthy" && worker_reasons == 0 {
                Ok(())
            } else {
                Err(out.stdout)
            }
        },
    );
    // The scheduler at zero is an outage, said in words.
    sim.kubectl(&[
        "scale",
        "deployment/af-scheduler",
        "--replicas=0",
        "-n",
        "faults",
    ])
    .ok();
    wait_until(
        "the scheduler scaled to zero",
        Duration::from_secs(30),
        || {
            let out = status(&sim, &["-o", "json", "-n", "faults"]);
            let report = out.json();
            let af = component(&report, "faults", "af").ok_or_else(|| out.stdout.clone())?;
            let scaled = reasons(af)
                .iter()
                .any(|r| r.starts_with("af-scheduler is scaled to 0 replicas"));
            if af["health"] == "down" && scaled {
                Ok(())
            } else {
                Err(out.stdout)
            }
        },
    );

    // --fail-on: the engines namespace is degraded, not down.
    assert_eq!(status(&sim, &["-n", "engines"]).code, Some(1));
    assert_eq!(
        status(&sim, &["-n", "engines", "--fail-on", "down"]).code,
        Some(0)
    );
    assert_eq!(
        status(&sim, &["-n", "faults", "--fail-on", "down"]).code,
        Some(1)
    );

    // The table carries the same reasons, under their component.
    let table = status(&sim, &["-n", "engines"]);
    assert!(
        table
            .stdout
            .contains("WAREHOUSE & ENGINES (warehouse): degraded"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("      ! trino-worker 0/2 ready: ImagePullBackOff"),
        "{}",
        table.stdout
    );
}

#[test]
fn the_demo_faults_are_reported() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let report = wait_until("the demo's faults", Duration::from_secs(60), || {
        let out = status(&sim, &["-o", "json"]);
        let report = out.json();
        let redis = component(&report, "platform", "redis").ok_or_else(|| out.stdout.clone())?;
        if redis["health"] == "down" {
            Ok(report)
        } else {
            Err(out.stdout)
        }
    });
    let expect = |ns: &str, name: &str, health: &str, reason: &str| {
        let c = component(&report, ns, name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(c["health"], health, "{c}");
        assert!(
            reasons(c).iter().any(|r| r.contains(reason)),
            "{name}: {:?}",
            reasons(c)
        );
    };
    expect(
        "platform",
        "redis",
        "down",
        "redis-master 0/1 ready: ImagePullBackOff pulling docker.io/bitnami/redis",
    );
    expect(
        "bi",
        "superset",
        "degraded",
        "Helm release superset failed at revision 3",
    );
    expect(
        "bi",
        "superset",
        "degraded",
        "Helm hook Job superset-init-db failed: BackoffLimitExceeded",
    );
    expect(
        "warehouse",
        "trino",
        "degraded",
        "Helm release trino stuck in pending-upgrade for 3",
    );
    // The crash loop reads either way, depending on when it is caught: waiting between
    // crashes, or briefly running between them.
    let dagster = component(&report, "orchestration", "dagster").expect("dagster");
    assert_eq!(dagster["health"], "degraded", "{dagster}");
    let user_code = "dagster-dagster-user-deployments-k8s-example-user-code-1";
    assert!(
        reasons(dagster).iter().any(|r| r
            .starts_with(&format!("{user_code} 0/1 ready: CrashLoopBackOff"))
            || r.starts_with(&format!("{user_code} 1/1 ready but restarting: "))),
        "{:?}",
        reasons(dagster)
    );
    // Metabase's failed upgrade was rolled back: healthy.
    let metabase = component(&report, "bi", "metabase").expect("metabase");
    assert_eq!(metabase["health"], "healthy", "{metabase}");
    // Every layer of the stack is there, and the embedded stores are not warehouses.
    let layers: Vec<&str> = report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["layer"].as_str())
        .collect();
    assert_eq!(
        layers,
        [
            "ingestion",
            "transformation",
            "orchestration",
            "warehouse",
            "visualization",
            "platform",
            "unclassified"
        ]
    );
    let warehouse: Vec<&str> = components(&report)
        .into_iter()
        .filter(|(l, _)| *l == "warehouse")
        .filter_map(|(_, c)| c["name"].as_str())
        .collect();
    assert!(
        warehouse
            .iter()
            .all(|n| !n.contains("postgres") && !n.contains("minio")),
        "{warehouse:?}"
    );
}

#[test]
fn errors_exit_2_with_a_message_that_says_what_to_do() {
    let dir = private_dirs();
    // No cluster at this address.
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .expect("kubeconfig");
    let out = status_with(&kubeconfig, dir.path(), &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot reach the API server"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    // A broken rules file in the config directory names the file and the problem.
    let rules_dir = dir.path().join("config").join("strata");
    std::fs::create_dir_all(&rules_dir).expect("config dir");
    std::fs::write(
        rules_dir.join("rules.toml"),
        "[[rule]]\ntool = \"airflow\"\nimage = [\"x\"]\n",
    )
    .expect("rules");
    let out = status_with(&kubeconfig, dir.path(), &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("rules.toml") && out.stderr.contains("unknown field"),
        "{}",
        out.stderr
    );

    // A missing kubeconfig (with the rules file fixed).
    std::fs::remove_file(rules_dir.join("rules.toml")).expect("remove rules");
    let out = status_with(&dir.path().join("nope"), dir.path(), &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("--kubeconfig"), "{}", out.stderr);
}

#[test]
fn a_user_rules_file_moves_components() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    let rules = dir.path().join("my-rules.toml");
    std::fs::write(
        &rules,
        "[[tool]]\nid = \"trino\"\nlayer = \"platform\"\n\n[[rule]]\ntool = \"dbt\"\nnamespaces = [\"transformation\"]\ncomponent = \"warehouse-models\"\n",
    )
    .expect("rules file");
    let out = status(
        &sim,
        &["-o", "json", "--rules", rules.to_str().expect("utf-8 path")],
    );
    let report = out.json();
    let trino = components(&report)
        .into_iter()
        .find(|(_, c)| c["name"] == "trino")
        .expect("trino");
    assert_eq!(trino.0, "platform");
    assert!(
        component(&report, "transformation", "warehouse-models").is_some(),
        "{}",
        out.stdout
    );
}

#[test]
fn the_json_names_what_could_not_be_read_and_why() {
    let Some(sim) = Sim::start(SimOptions {
        runs: false,
        ..SimOptions::default()
    }) else {
        return;
    };
    // A Helm release Secret whose payload is not Helm's encoding, made as a person would.
    sim.kubectl(&[
        "create",
        "secret",
        "generic",
        "sh.helm.release.v1.broken.v1",
        "-n",
        "bi",
        "--from-literal=release=not base64!!",
    ])
    .ok();
    sim.kubectl(&[
        "label",
        "secret",
        "sh.helm.release.v1.broken.v1",
        "-n",
        "bi",
        "owner=helm",
        "name=broken",
        "version=1",
        "status=deployed",
    ])
    .ok();
    let out = status(&sim, &["-o", "json"]);
    let report = out.json();
    let warnings = report["warnings"].as_array().expect("a warnings array");
    let broken = warnings
        .iter()
        .find(|w| w["name"] == "broken")
        .unwrap_or_else(|| panic!("no warning for the broken release: {warnings:?}"));
    assert_eq!(broken["kind"], "secrets");
    assert_eq!(broken["namespace"], "bi");
    let reason = broken["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("base64"), "{reason}");
    assert!(!reason.contains("JSON"), "not a JSON problem: {reason}");
    let component = component(&report, "bi", "broken").expect("the release is a component");
    assert!(
        reasons(component)
            .iter()
            .any(|r| r.contains("Helm release broken revision 1 cannot be read")),
        "{component}"
    );
    // The viewer may not read Secrets: said in the JSON, not only on stderr.
    let out = status(&sim, &["-o", "json", "--context", "strata-sim-viewer"]);
    let report = out.json();
    let warnings = report["warnings"].as_array().expect("a warnings array");
    assert!(
        warnings.iter().any(|w| w["kind"] == "secrets"
            && w["namespace"].is_null()
            && w["reason"]
                .as_str()
                .is_some_and(|r| r.contains("not allowed"))),
        "{warnings:?}"
    );
    assert!(
        out.stderr.contains("warning: not allowed"),
        "{}",
        out.stderr
    );
}

/// The runs of `strata runs -o json` with this tool and state.
fn runs_of<'a>(runs: &'a [Value], tool: &str, state: &str) -> Vec<&'a Value> {
    runs.iter()
        .filter(|r| r["tool"] == tool && r["state"] == state)
        .collect()
}

#[test]
fn runs_tell_the_demo_history_with_why_runs_failed_from_their_logs() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let out = strata(&sim, &["runs", "-o", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = out.json();
    let runs = report["runs"].as_array().expect("a runs array");
    let reason = |r: &Value| r["reason"].as_str().unwrap_or_default().to_string();

    // The failed sync: the connector's own error, read from its log.
    let syncs = runs_of(runs, "airbyte", "failed");
    assert!(
        syncs
            .iter()
            .any(|r| reason(r).starts_with("destination: Could not connect")
                && reason(r).contains("AUTHENTICATION_FAILED")),
        "{syncs:#?}"
    );
    // The task that failed its first try and is retrying: both tries, and why the first
    // failed (the command's error, not the operator's "command failed").
    let retrying = runs_of(runs, "airflow", "retrying");
    let task = retrying
        .iter()
        .find(|r| r["name"] == "customer_360.build_customer_features")
        .unwrap_or_else(|| panic!("{retrying:#?}"));
    assert_eq!(task["tries"], 2, "{task}");
    assert_eq!(reason(task), "try 1 failed: KeyError: 'order_total'");
    let tries: Vec<&Value> = task["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["try_number"])
        .collect();
    assert_eq!(tries, [&Value::from(1), &Value::from(2)], "{task}");
    // The failed dbt run: the model and its SQL error.
    let dbt = runs_of(runs, "dbt", "failed");
    assert!(
        dbt.iter().any(
            |r| reason(r).starts_with("customer_ltv: ") && reason(r).contains("does not exist")
        ),
        "{dbt:#?}"
    );
    // Dagster has no decoder: its last error line's message says it, without the header.
    let dagster = runs_of(runs, "dagster", "failed");
    assert!(
        dagster
            .iter()
            .any(|r| reason(r).starts_with("Execution of run for \"orders_assets_job\" failed")),
        "{dagster:#?}"
    );
    // Finished Spark applications, each a driver and its executors.
    assert!(!runs_of(runs, "spark", "succeeded").is_empty(), "{runs:#?}");

    // Filters narrow by tool and state; the table says the same.
    let out = strata(
        &sim,
        &[
            "runs", "--tool", "airbyte", "--state", "failed", "-o", "json",
        ],
    );
    let filtered = out.json()["runs"].as_array().cloned().unwrap_or_default();
    assert!(!filtered.is_empty());
    assert!(
        filtered
            .iter()
            .all(|r| r["tool"] == "airbyte" && r["state"] == "failed"),
        "{filtered:#?}"
    );
    let table = strata(&sim, &["runs", "--state", "retrying"]);
    assert_eq!(table.code, Some(0), "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("try 1 failed: KeyError: 'order_total'"),
        "{}",
        table.stdout
    );

    // Every time, not most times: the report waits for every reason being read (a read that
    // had finished but not yet been taken once let the report go without it).
    for _ in 0..6 {
        let out = strata(&sim, &["runs", "--state", "failed", "-o", "json"]);
        let failed = out.json()["runs"].as_array().cloned().unwrap_or_default();
        let from_status: Vec<String> = failed
            .iter()
            .map(reason)
            .filter(|r| r.contains("exit code") || r.starts_with("BackoffLimitExceeded"))
            .collect();
        assert!(from_status.is_empty(), "{from_status:?}");
    }
}

#[test]
fn logs_of_a_run_a_pod_and_what_is_not_there() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let runs = strata(
        &sim,
        &[
            "runs", "--tool", "airbyte", "--state", "failed", "-o", "json",
        ],
    );
    let report = runs.json();
    let sync = &report["runs"][0];
    let id = sync["id"].as_str().expect("a run id");

    // A run: every container of its pod, merged in time order, prefixed.
    let out = strata(&sim, &["logs", id]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("AUTHENTICATION_FAILED"),
        "{}",
        out.stdout
    );
    let prefixes: BTreeSet<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("] "))
        .map(|(source, _)| source.rsplit('/').next().unwrap_or_default())
        .collect();
    for container in ["orchestrator", "source", "destination"] {
        assert!(prefixes.contains(container), "{prefixes:?}");
    }
    assert_eq!(
        out.stdout.lines().filter(|l| !l.starts_with('[')).count(),
        0,
        "every line names its source"
    );
    assert!(
        !out.stdout.contains('\x1b'),
        "no escape reaches the terminal"
    );

    // A pod, the last lines only.
    let pod = sync["pods"][0]["name"].as_str().unwrap();
    let out = strata(
        &sim,
        &[
            "logs",
            "-n",
            "ingestion",
            &format!("pod/{pod}"),
            "--tail",
            "3",
            "-c",
            "destination",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);

    // What is not there: exit 2 and what to try.
    let out = strata(&sim, &["logs", "no-such-run"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("strata runs"), "{}", out.stderr);
}
