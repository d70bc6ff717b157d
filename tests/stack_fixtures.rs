//! Classification against the Helm renders in tests/fixtures/charts: every object of
//! every file lands in the layer of INDEX.md and in its chart's component, alone and with all
//! charts side by side (three orchestrators share `orchestration`), with the Helm labels
//! and with none (images and commands only); Airflow task pods made from the chart's pod
//! template are runs of the Airflow component.

use std::collections::BTreeMap;

mod support;

use serde_json::{Value, json};
use strata::stack::{self, Classification, Layer, Part, RuleSet, StackObject};
use support::chart_documents;

/// (file, namespace it was rendered for, layer per INDEX.md, component, tool).
const CHARTS: [(&str, &str, Layer, &str, &str); 10] = [
    (
        "airbyte.yaml",
        "ingestion",
        Layer::Ingestion,
        "airbyte",
        "airbyte",
    ),
    (
        "airflow.yaml",
        "orchestration",
        Layer::Orchestration,
        "airflow",
        "airflow",
    ),
    (
        "clickhouse.yaml",
        "warehouse",
        Layer::Warehouse,
        "clickhouse",
        "clickhouse",
    ),
    (
        "dagster.yaml",
        "orchestration",
        Layer::Orchestration,
        "dagster",
        "dagster",
    ),
    (
        "lightdash.yaml",
        "bi",
        Layer::Visualization,
        "lightdash",
        "lightdash",
    ),
    (
        "metabase.yaml",
        "bi",
        Layer::Visualization,
        "metabase",
        "metabase",
    ),
    (
        "prefect.yaml",
        "orchestration",
        Layer::Orchestration,
        "prefect",
        "prefect",
    ),
    (
        "spark-operator.yaml",
        "spark",
        Layer::Warehouse,
        "spark-operator",
        "spark",
    ),
    (
        "superset.yaml",
        "bi",
        Layer::Visualization,
        "superset",
        "superset",
    ),
    (
        "trino.yaml",
        "warehouse",
        Layer::Warehouse,
        "trino",
        "trino",
    ),
];

/// Objects that are a component of their own within their chart: the ClickHouseInstallation
/// the operator chart installs is a ClickHouse cluster, not part of the operator.
const OWN_COMPONENT: [(&str, &str, &str); 1] = [("clickhouse.yaml", "analytics", "analytics")];

const WORKLOAD_KINDS: [&str; 6] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
];

/// Removes every label and annotation of a workload and its pod template: what is left is
/// images, commands and names.
fn strip(mut doc: Value) -> Value {
    fn clear(meta: &mut Value) {
        if let Some(m) = meta.as_object_mut() {
            m.remove("labels");
            m.remove("annotations");
        }
    }
    clear(&mut doc["metadata"]);
    clear(&mut doc["spec"]["template"]["metadata"]);
    clear(&mut doc["spec"]["jobTemplate"]["metadata"]);
    clear(&mut doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]);
    if let Some(selector) = doc["spec"]["selector"].as_object_mut() {
        selector.clear();
    }
    doc
}

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or_default()
}

struct Expect {
    file: &'static str,
    layer: Layer,
    component: &'static str,
    tool: &'static str,
}

fn expectation(file: &'static str, object_name: &str) -> Expect {
    let (_, _, layer, component, tool) = CHARTS
        .iter()
        .find(|c| c.0 == file)
        .copied()
        .unwrap_or_else(|| panic!("no expectation for {file}"));
    let component = OWN_COMPONENT
        .iter()
        .find(|(f, n, _)| *f == file && *n == object_name)
        .map_or(component, |(_, _, c)| c);
    Expect {
        file,
        layer,
        component,
        tool,
    }
}

/// Checks every object; collects all mismatches so one run shows the whole picture.
fn check(
    rules: &RuleSet,
    docs: &[(Expect, Value)],
    compare_names: bool,
) -> (Classification, Vec<String>) {
    let objects: Vec<StackObject> = docs
        .iter()
        .map(|(_, d)| StackObject::from_json(d))
        .collect();
    let classification = stack::classify(rules, &objects, &[]);
    let mut problems = Vec::new();
    for (i, (expect, doc)) in docs.iter().enumerate() {
        let c = classification.component_of(i);
        let tool = c.tool.map(|t| rules.tool(t).id.as_str()).unwrap_or("-");
        let wrong_name = compare_names && c.name != expect.component;
        if c.layer != expect.layer || tool != expect.tool || wrong_name {
            problems.push(format!(
                "{}: {} {} -> {}/{} (tool {tool}, role {}); expected {}/{} (tool {})",
                expect.file,
                kind(doc),
                name(doc),
                c.layer,
                c.name,
                classification.placements[i].role,
                expect.layer,
                expect.component,
                expect.tool
            ));
        }
    }
    (classification, problems)
}

fn all_charts(transform: impl Fn(Value) -> Option<Value>) -> Vec<(Expect, Value)> {
    let mut docs = Vec::new();
    for (file, namespace, ..) in CHARTS {
        for doc in chart_documents(file, namespace) {
            let object_name = name(&doc).to_string();
            if let Some(doc) = transform(doc) {
                docs.push((expectation(file, &object_name), doc));
            }
        }
    }
    docs
}

#[test]
fn every_object_of_every_chart_lands_in_its_layer_and_component() {
    let rules = RuleSet::builtin();
    let mut problems = Vec::new();
    let mut total = 0;
    for (file, namespace, ..) in CHARTS {
        let docs: Vec<(Expect, Value)> = chart_documents(file, namespace)
            .into_iter()
            .map(|d| (expectation(file, name(&d)), d))
            .collect();
        assert!(!docs.is_empty(), "{file} has no objects");
        total += docs.len();
        problems.extend(check(&rules, &docs, true).1);
    }
    assert!(total > 150, "only {total} objects read");
    assert!(
        problems.is_empty(),
        "{} misplaced:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn all_charts_side_by_side_stay_apart() {
    let rules = RuleSet::builtin();
    let docs = all_charts(Some);
    let (classification, problems) = check(&rules, &docs, true);
    assert!(
        problems.is_empty(),
        "{} misplaced:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // One component per chart, plus the ClickHouse installation.
    let mut names: Vec<(&str, &str)> = classification
        .components
        .iter()
        .map(|c| (c.namespace.as_str(), c.name.as_str()))
        .collect();
    names.sort_unstable();
    assert_eq!(names.len(), CHARTS.len() + OWN_COMPONENT.len(), "{names:?}");
}

#[test]
fn workloads_without_labels_are_recognised_by_images_and_commands() {
    let rules = RuleSet::builtin();
    let docs = all_charts(|d| WORKLOAD_KINDS.contains(&kind(&d)).then(|| strip(d)));
    assert!(docs.len() >= 39, "{}", docs.len());
    let (classification, problems) = check(&rules, &docs, false);
    assert!(
        problems.is_empty(),
        "{} misplaced:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Each chart's workloads still form one component, named as the release would be.
    let mut by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, (expect, _)) in docs.iter().enumerate() {
        by_file
            .entry(expect.file)
            .or_default()
            .push(classification.component_of(i).name.as_str());
    }
    for (file, mut names) in by_file {
        names.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 1, "{file} split into {names:?}");
        let expected = expectation(file, "").component;
        // A lone operator Deployment has no sibling to share a name prefix with.
        if file != "clickhouse.yaml" {
            assert_eq!(names[0], expected, "{file}");
        }
    }
}

/// The Airflow chart's `pod_template_file` with the labels and annotations the
/// KubernetesExecutor adds at launch (PodGenerator.build_labels_for_k8s_executor_pod).
fn airflow_task_pod(pod_name: &str, try_number: u32, phase: &str) -> Value {
    let mut pod = chart_documents("airflow-pod-template.yaml", "orchestration")
        .pop()
        .expect("the pod template");
    pod["metadata"]["name"] = json!(pod_name);
    let labels = pod["metadata"]["labels"]
        .as_object_mut()
        .expect("template labels");
    for (k, v) in [
        ("dag_id", "orders_daily"),
        ("task_id", "extract_orders"),
        ("run_id", "scheduled__2026-03-01T0000000000-6c1d0f3a2"),
        ("try_number", &try_number.to_string()),
        ("kubernetes_executor", "True"),
        ("airflow-worker", "187"),
        ("airflow_version", "3.0.2"),
    ] {
        labels.insert(k.into(), json!(v));
    }
    pod["metadata"]["annotations"] = json!({"dag_id": "orders_daily", "task_id": "extract_orders",
        "run_id": "scheduled__2026-03-01T00:00:00+00:00", "try_number": try_number.to_string()});
    pod["status"] =
        json!({"phase": phase, "startTime": format!("2026-03-01T00:0{try_number}:00Z")});
    pod
}

#[test]
fn airflow_task_pods_are_runs_of_the_airflow_component() {
    let rules = RuleSet::builtin();
    let mut docs = chart_documents("airflow.yaml", "orchestration");
    docs.extend(chart_documents("dagster.yaml", "orchestration"));
    let first = docs.len();
    docs.push(airflow_task_pod(
        "orders-daily-extract-orders-a1b2c3",
        1,
        "Failed",
    ));
    docs.push(airflow_task_pod(
        "orders-daily-extract-orders-d4e5f6",
        2,
        "Succeeded",
    ));
    let objects: Vec<StackObject> = docs.iter().map(StackObject::from_json).collect();
    let classification = stack::classify(&rules, &objects, &[]);
    let scheduler = docs
        .iter()
        .position(|d| name(d) == "airflow-scheduler")
        .expect("scheduler");
    for (doc, placement) in docs.iter().zip(&classification.placements).skip(first) {
        assert_eq!(
            placement.component,
            classification.placements[scheduler].component,
            "{}",
            name(doc)
        );
        assert_eq!(placement.part, Part::Run);
    }
    // A failed try followed by a successful retry is one successful run: the component
    // stays healthy and counts one run.
    let report = stack::report(&rules, &classification, &objects, &[], chrono::Utc::now());
    let airflow = report
        .components()
        .find(|c| c.name == "airflow")
        .expect("airflow component");
    assert_eq!((airflow.runs.succeeded, airflow.runs.failed), (1, 0));
    assert!(airflow.reasons.is_empty(), "{:?}", airflow.reasons);
}

#[test]
fn embedded_stores_are_parts_of_their_product_not_warehouses() {
    let rules = RuleSet::builtin();
    let docs = all_charts(Some);
    let objects: Vec<StackObject> = docs
        .iter()
        .map(|(_, d)| StackObject::from_json(d))
        .collect();
    let classification = stack::classify(&rules, &objects, &[]);
    for (store, product, role) in [
        ("airbyte-db", "airbyte", "db"),
        ("airbyte-minio", "airbyte", "minio"),
        ("airbyte-temporal", "airbyte", "temporal"),
        ("dagster-postgresql", "dagster", "postgresql"),
        ("prefect-postgresql", "prefect", "postgresql"),
        ("airflow-pgbouncer", "airflow", "pgbouncer"),
        ("airflow-statsd", "airflow", "statsd"),
    ] {
        let i = docs
            .iter()
            .position(|(_, d)| name(d) == store && WORKLOAD_KINDS.contains(&kind(d)))
            .unwrap_or_else(|| panic!("{store} missing"));
        let c = classification.component_of(i);
        assert_eq!(c.name, product, "{store}");
        assert_ne!(c.layer, Layer::Warehouse, "{store}");
        assert_eq!(classification.placements[i].role, role, "{store}");
    }
}

#[test]
fn roles_name_the_parts() {
    let rules = RuleSet::builtin();
    let docs = all_charts(Some);
    let objects: Vec<StackObject> = docs
        .iter()
        .map(|(_, d)| StackObject::from_json(d))
        .collect();
    let classification = stack::classify(&rules, &objects, &[]);
    let role = |workload: &str| {
        let i = docs
            .iter()
            .position(|(_, d)| name(d) == workload && WORKLOAD_KINDS.contains(&kind(d)))
            .unwrap_or_else(|| panic!("{workload} missing"));
        classification.placements[i].role.clone()
    };
    for (workload, expected) in [
        ("airflow-scheduler", "scheduler"),
        ("airflow-api-server", "api-server"),
        ("airflow-triggerer", "triggerer"),
        ("airflow-dag-processor", "dag-processor"),
        ("airflow-run-airflow-migrations", "run-airflow-migrations"),
        ("airbyte-server", "server"),
        ("airbyte-workload-launcher", "workload-launcher"),
        ("dagster-daemon", "daemon"),
        ("dagster-dagster-webserver", "webserver"),
        (
            "dagster-dagster-user-deployments-k8s-example-user-code-1",
            "user-code",
        ),
        ("trino-coordinator", "coordinator"),
        ("trino-worker", "worker"),
        ("superset", "web"),
        ("superset-worker", "worker"),
        ("superset-celerybeat", "celerybeat"),
        ("lightdash-backend", "backend"),
        ("metabase", "server"),
        ("prefect-server", "server"),
        ("spark-operator-controller", "controller"),
        ("clickhouse-altinity-clickhouse-operator", "operator"),
    ] {
        assert_eq!(role(workload), expected, "{workload}");
    }
}
