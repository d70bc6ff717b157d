//! Run detection on realistic objects per tool: the labels each tool writes (reference §2),
//! the states and tries of their runs, and why failed ones failed.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::stack::{RuleSet, StackObject, classify, health::children_of};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn ts(minutes_ago: i64) -> String {
    (now() - Duration::minutes(minutes_ago)).to_rfc3339()
}

fn detect(objects: &[Value]) -> Vec<Run> {
    let rules = RuleSet::builtin();
    let objects: Vec<StackObject> = objects.iter().map(StackObject::from_json).collect();
    let refs: Vec<&StackObject> = objects.iter().collect();
    let classification = classify(&rules, &refs, &[]);
    let children = children_of(&classification);
    runs(&rules, &classification, &refs, &children, None)
}

fn one(objects: &[Value]) -> Run {
    let mut all = detect(objects);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

/// A pod in `phase` whose one container ended with `code` (or runs).
#[allow(clippy::too_many_arguments)]
fn pod(
    ns: &str,
    name: &str,
    labels: Value,
    annotations: Value,
    containers: &[(&str, &str)],
    phase: &str,
    code: Option<i32>,
    minutes_ago: i64,
) -> Value {
    let statuses: Vec<Value> = containers
        .iter()
        .map(|(name, _)| match code {
            Some(code) => json!({"name": name, "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": code, "reason": if code == 0 {"Completed"} else {"Error"},
                    "finishedAt": ts(minutes_ago - 2)}}}),
            None => json!({"name": name, "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": ts(minutes_ago)}}}),
        })
        .collect();
    json!({"kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations,
            "creationTimestamp": ts(minutes_ago)},
        "spec": {"containers": containers.iter().map(|(n, i)| json!({"name": n, "image": i})).collect::<Vec<_>>()},
        "status": {"phase": phase, "startTime": ts(minutes_ago), "containerStatuses": statuses}})
}

fn job(
    ns: &str,
    name: &str,
    labels: Value,
    image: &str,
    args: &[&str],
    status: Value,
    minutes_ago: i64,
) -> Value {
    json!({"kind": "Job", "metadata": {"name": name, "namespace": ns, "labels": labels,
            "uid": format!("uid-{name}"), "creationTimestamp": ts(minutes_ago)},
        "spec": {"completions": 1, "backoffLimit": 2, "template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": image, "args": args}]}}},
        "status": status})
}

fn job_pod(
    ns: &str,
    job: &str,
    suffix: &str,
    image: &str,
    phase: &str,
    code: Option<i32>,
    minutes_ago: i64,
) -> Value {
    let mut p = pod(
        ns,
        &format!("{job}-{suffix}"),
        json!({"job-name": job}),
        json!({}),
        &[("main", image)],
        phase,
        code,
        minutes_ago,
    );
    p["metadata"]["ownerReferences"] =
        json!([{"kind": "Job", "name": job, "uid": format!("uid-{job}"), "controller": true}]);
    p
}

fn airbyte_labels(job_id: u32, attempt: u32) -> Value {
    json!({"airbyte": "job-pod", "job_id": job_id.to_string(), "attempt_id": attempt.to_string(),
        "connection_id": "7f1c2d9e-1111-4d2a-9c33-5b0e1f2a3b4c", "job_type": "sync",
        "sync_step": "orchestrator-replication",
        "source_image_name": "airbyte/source-postgres", "destination_image_name": "airbyte/destination-clickhouse"})
}

#[test]
fn an_airbyte_sync_is_a_run_named_after_its_connectors_and_retries_are_one_run() {
    let containers = [
        ("orchestrator", "airbyte/container-orchestrator:1.6.0"),
        ("source", "airbyte/source-postgres:3.6.0"),
        ("destination", "airbyte/destination-clickhouse:1.1.0"),
    ];
    let failed = pod(
        "ingestion",
        "replication-job-42-attempt-0",
        airbyte_labels(42, 0),
        json!({}),
        &containers,
        "Failed",
        Some(1),
        30,
    );
    let run = one(std::slice::from_ref(&failed));
    assert_eq!(run.tool.as_deref(), Some("airbyte"));
    assert_eq!(run.name, "postgres → clickhouse");
    assert_eq!(run.state, RunState::Failed);
    assert_eq!(run.try_number, Some(1));
    assert_eq!(
        run.pods[0].containers,
        ["orchestrator", "source", "destination"]
    );
    assert!(
        run.reason.as_deref().unwrap().contains("exit code 1"),
        "{:?}",
        run.reason
    );
    assert_eq!(run.id, "ingestion/replication-job-42-attempt-0");

    // Attempt 2 of job 42 runs: the run is retrying, both pods belong to it.
    let retry = pod(
        "ingestion",
        "replication-job-42-attempt-1",
        airbyte_labels(42, 1),
        json!({}),
        &containers,
        "Running",
        None,
        5,
    );
    let run = one(&[failed, retry]);
    assert_eq!(run.state, RunState::Retrying);
    assert_eq!((run.tries, run.try_number), (2, Some(2)));
    assert_eq!(run.pods.len(), 2);
    assert_eq!(run.id, "ingestion/replication-job-42-attempt-1");
    assert_eq!(
        run.started.map(|s| s.to_rfc3339()),
        Some(ts(30)),
        "from the first try"
    );
}

#[test]
fn older_airbyte_layouts_and_check_pods_are_runs_too() {
    // 0.x: a separate source pod per job with the same label family.
    let source = pod(
        "airbyte",
        "source-postgres-read-17-0-abcde",
        json!({"airbyte": "job-pod", "job_id": "17", "attempt_id": "0", "connection_id": "c-1"}),
        json!({}),
        &[("main", "airbyte/source-postgres:0.4.0")],
        "Succeeded",
        Some(0),
        50,
    );
    let check = pod(
        "airbyte",
        "source-postgres-check-18-0-fghij",
        json!({"airbyte": "job-pod", "job_id": "18", "attempt_id": "0", "job_type": "check"}),
        json!({}),
        &[
            ("main", "airbyte/source-postgres:0.4.0"),
            ("connector-sidecar", "airbyte/connector-sidecar:1.6.0"),
        ],
        "Failed",
        Some(1),
        10,
    );
    let runs = detect(&[source, check]);
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.tool.as_deref() == Some("airbyte")));
    assert_eq!(runs[0].state, RunState::Failed, "newest first");
    assert_eq!(runs[1].state, RunState::Succeeded);
}

fn airflow_task(try_number: u32, phase: &str, code: Option<i32>, minutes_ago: i64) -> Value {
    // Labels sanitized by Airflow (the run id is too long to be a label), raw values in the
    // annotations.
    let run_id = "scheduled__2026-03-01T11:00:00+00:00";
    pod(
        "orchestration",
        &format!("etl-load-orders-{try_number}xk2"),
        json!({"dag_id": "etl", "task_id": "load_orders", "run_id": "scheduled__2026-03-01T1100000000-5c0e2a1f3",
            "try_number": try_number.to_string(), "kubernetes_executor": "True", "airflow-worker": "12",
            "tier": "airflow", "component": "worker", "release": "airflow"}),
        json!({"dag_id": "etl", "task_id": "load_orders", "run_id": run_id, "try_number": try_number.to_string()}),
        &[("base", "apache/airflow:3.0.2")],
        phase,
        code,
        minutes_ago,
    )
}

#[test]
fn an_airflow_task_that_failed_its_first_try_is_retrying() {
    let run = one(&[
        airflow_task(1, "Failed", Some(1), 20),
        airflow_task(2, "Running", None, 3),
    ]);
    assert_eq!(run.tool.as_deref(), Some("airflow"));
    assert_eq!(run.name, "etl.load_orders");
    assert_eq!(run.series.as_deref(), Some("etl/load_orders"));
    assert_eq!(run.state, RunState::Retrying);
    assert_eq!((run.tries, run.try_number), (2, Some(2)));
    let tries: Vec<Option<u32>> = run.pods.iter().map(|p| p.try_number).collect();
    assert_eq!(tries, [Some(1), Some(2)]);
    // Both tries failing is a failed run, with the last try's reason.
    let run = one(&[
        airflow_task(1, "Failed", Some(1), 20),
        airflow_task(2, "Failed", Some(1), 3),
    ]);
    assert_eq!(run.state, RunState::Failed);
    assert!(
        run.reason
            .unwrap()
            .contains("container base failed (exit code 1)")
    );
}

#[test]
fn a_kubernetes_pod_operator_pod_is_an_airflow_run() {
    let labels = |image_task: &str| json!({"dag_id": "reports", "task_id": image_task, "run_id": "manual__2026", "try_number": "1", "kubernetes_pod_operator": "True", "airflow_kpo_in_cluster": "True"});
    let kpo = pod(
        "orchestration",
        "export-abc123",
        labels("export"),
        json!({}),
        &[("base", "python:3.12-slim")],
        "Succeeded",
        Some(0),
        8,
    );
    let run = one(&[kpo]);
    assert_eq!(run.tool.as_deref(), Some("airflow"));
    assert_eq!(run.name, "reports.export");
    assert_eq!(run.state, RunState::Succeeded);
    assert!(run.finished.is_some());
    // Running dbt (Cosmos), the image says dbt; the run keeps its task's name and try.
    let cosmos = pod(
        "orchestration",
        "run-orders-def456",
        labels("run_orders"),
        json!({}),
        &[("base", "ghcr.io/dbt-labs/dbt-postgres:1.9.0")],
        "Running",
        None,
        1,
    );
    let run = one(&[cosmos]);
    assert_eq!(run.tool.as_deref(), Some("dbt"));
    assert_eq!(
        (run.name.as_str(), run.try_number),
        ("reports.run_orders", Some(1))
    );
}

#[test]
fn dagster_runs_and_prefect_flow_runs_are_jobs() {
    let dagster = job(
        "orchestration",
        "dagster-run-3f2a",
        json!({"dagster/run-id": "3f2a", "dagster/job": "daily_orders", "app.kubernetes.io/component": "run_worker", "app.kubernetes.io/name": "dagster"}),
        "docker.io/dagster/user-code-example:1.9.0",
        &["dagster", "api", "execute_run"],
        json!({"failed": 1, "startTime": ts(40), "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastTransitionTime": ts(35)}]}),
        40,
    );
    let dagster_pod = job_pod(
        "orchestration",
        "dagster-run-3f2a",
        "x1",
        "docker.io/dagster/user-code-example:1.9.0",
        "Failed",
        Some(1),
        40,
    );
    let prefect = job(
        "flows",
        "amber-fox-abcde",
        json!({"prefect.io/flow-run-id": "6a1c", "prefect.io/flow-run-name": "amber-fox", "prefect.io/deployment-name": "nightly"}),
        "prefecthq/prefect:3-latest",
        &["prefect", "flow-run", "execute"],
        json!({"active": 1, "startTime": ts(2)}),
        2,
    );
    let runs = detect(&[dagster, dagster_pod, prefect]);
    assert_eq!(runs.len(), 2, "{runs:#?}");
    let flow = &runs[0];
    assert_eq!(
        (flow.tool.as_deref(), flow.name.as_str(), flow.state),
        (Some("prefect"), "amber-fox", RunState::Running)
    );
    let dagster = &runs[1];
    assert_eq!(
        (
            dagster.tool.as_deref(),
            dagster.name.as_str(),
            dagster.state
        ),
        (Some("dagster"), "daily_orders", RunState::Failed)
    );
    assert_eq!(dagster.kind, "Job");
    assert_eq!(dagster.pods.len(), 1);
    let reason = dagster.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("BackoffLimitExceeded") && reason.contains("exit code 1"),
        "{reason}"
    );
}

#[test]
fn a_spark_application_is_one_run_with_its_driver_and_executors() {
    let app = json!({"kind": "SparkApplication", "metadata": {"name": "orders-enrichment", "namespace": "spark", "uid": "app-1", "creationTimestamp": ts(30),
            "labels": {"sparkoperator.k8s.io/app-name": "orders-enrichment"}},
        "status": {"applicationState": {"state": "COMPLETED"}, "driverInfo": {"podName": "orders-enrichment-driver"}}});
    let mut driver = pod(
        "spark",
        "orders-enrichment-driver",
        json!({"spark-role": "driver", "sparkoperator.k8s.io/app-name": "orders-enrichment", "spark-app-selector": "spark-1"}),
        json!({}),
        &[("spark-kubernetes-driver", "apache/spark:3.5.5")],
        "Succeeded",
        Some(0),
        29,
    );
    driver["metadata"]["ownerReferences"] = json!([{"kind": "SparkApplication", "name": "orders-enrichment", "uid": "app-1", "controller": true}]);
    let mut executor = pod(
        "spark",
        "orders-enrichment-exec-1",
        json!({"spark-role": "executor", "spark-app-selector": "spark-1"}),
        json!({}),
        &[("spark-kubernetes-executor", "apache/spark:3.5.5")],
        "Succeeded",
        Some(0),
        28,
    );
    executor["metadata"]["ownerReferences"] =
        json!([{"kind": "Pod", "name": "orders-enrichment-driver", "controller": true}]);
    let run = one(&[app, driver.clone(), executor]);
    assert_eq!(
        (run.tool.as_deref(), run.kind.as_str(), run.state),
        (Some("spark"), "SparkApplication", RunState::Succeeded)
    );
    assert_eq!(run.name, "orders-enrichment");
    let pods: Vec<&str> = run.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        pods,
        ["orders-enrichment-driver", "orders-enrichment-exec-1"]
    );

    // Without the operator's object, a bare driver pod is the run of Spark.
    driver["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    let run = one(&[driver]);
    assert_eq!(
        (run.tool.as_deref(), run.kind.as_str()),
        (Some("spark"), "Pod")
    );
}

#[test]
fn dbt_jobs_are_runs_from_a_cronjob_or_alone() {
    let labels = json!({"app.kubernetes.io/part-of": "analytics"});
    let cron = json!({"kind": "CronJob", "metadata": {"name": "dbt-marts", "namespace": "transformation", "uid": "cj", "labels": labels},
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0", "args": ["build"]}]}}}}}});
    let mut scheduled = job(
        "transformation",
        "dbt-marts-29100060",
        labels.clone(),
        "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
        &["build"],
        json!({"succeeded": 1, "startTime": ts(20), "completionTime": ts(18), "conditions": [{"type": "Complete", "status": "True"}]}),
        20,
    );
    scheduled["metadata"]["ownerReferences"] =
        json!([{"kind": "CronJob", "name": "dbt-marts", "uid": "cj", "controller": true}]);
    let alone = job(
        "transformation",
        "dbt-backfill-orders",
        json!({}),
        "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
        &["run", "--select", "orders+"],
        json!({"active": 1, "failed": 1, "startTime": ts(4)}),
        4,
    );
    let runs = detect(&[cron, scheduled, alone]);
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert_eq!(
        (runs[0].id.as_str(), runs[0].state, runs[0].try_number),
        (
            "transformation/dbt-backfill-orders",
            RunState::Retrying,
            Some(2)
        )
    );
    assert_eq!(runs[0].tool.as_deref(), Some("dbt"));
    assert_eq!(
        (
            runs[1].name.as_str(),
            runs[1].series.as_deref(),
            runs[1].state
        ),
        (
            "dbt-marts",
            Some("cronjob/transformation/dbt-marts"),
            RunState::Succeeded
        )
    );
    assert_eq!(runs[1].duration(now()), Some(Duration::minutes(2)));
}

#[test]
fn meltano_jobs_and_argo_workflow_pods_are_runs() {
    let meltano = job(
        "ingestion",
        "meltano-elt-1",
        json!({}),
        "meltano/meltano:v3.5",
        &["run", "tap-postgres", "target-clickhouse"],
        json!({"succeeded": 1, "startTime": ts(9), "completionTime": ts(8), "conditions": [{"type": "Complete", "status": "True"}]}),
        9,
    );
    let argo = pod(
        "workflows",
        "etl-xz7-main",
        json!({"workflows.argoproj.io/workflow": "etl-xz7"}),
        json!({}),
        &[
            ("main", "python:3.12"),
            ("wait", "quay.io/argoproj/argoexec:v3.6"),
        ],
        "Running",
        None,
        1,
    );
    let runs = detect(&[meltano, argo]);
    let tools: Vec<Option<&str>> = runs.iter().map(|r| r.tool.as_deref()).collect();
    assert_eq!(tools, [Some("argo-workflows"), Some("meltano")]);
    assert_eq!(runs[0].pods[0].containers, ["main", "wait"]);
}

#[test]
fn failure_reasons_name_oom_image_pulls_deadlines_and_evictions() {
    let mut oom = airflow_task(1, "Failed", Some(137), 10);
    oom["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] = json!("OOMKilled");
    assert!(one(&[oom]).reason.unwrap().contains("OOMKilled"));

    let mut pull = airflow_task(1, "Pending", None, 10);
    pull["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"apache/airflow:9\""}});
    let run = one(&[pull]);
    assert_eq!(run.state, RunState::Failed, "it will never start");
    assert!(
        run.reason
            .unwrap()
            .contains("cannot pull image apache/airflow:3.0.2")
    );

    let mut evicted = airflow_task(1, "Failed", None, 10);
    evicted["status"]["reason"] = json!("Evicted");
    evicted["status"]["message"] = json!("The node was low on resource: memory.");
    assert_eq!(
        one(&[evicted]).reason.as_deref(),
        Some("Evicted: The node was low on resource: memory.")
    );

    let deadline = job(
        "transformation",
        "dbt-slow",
        json!({}),
        "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
        &["build"],
        json!({"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline"}]}),
        60,
    );
    let run = one(&[deadline]);
    assert_eq!(
        run.reason.as_deref(),
        Some("DeadlineExceeded: Job was active longer than specified deadline")
    );
}

#[test]
fn a_job_without_pods_yet_is_pending_and_states_parse_back() {
    let pending = job(
        "transformation",
        "dbt-new",
        json!({}),
        "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
        &["build"],
        json!({}),
        0,
    );
    assert_eq!(one(&[pending]).state, RunState::Pending);
    for state in [
        RunState::Pending,
        RunState::Running,
        RunState::Retrying,
        RunState::Succeeded,
        RunState::Failed,
    ] {
        assert_eq!(RunState::parse(state.as_str()), Some(state));
    }
}

#[test]
fn executors_without_an_owner_join_their_drivers_run() {
    let driver = pod(
        "spark",
        "orders-driver",
        json!({"spark-role": "driver", "spark-app-selector": "spark-9", "spark-app-name": "orders"}),
        json!({}),
        &[("spark-kubernetes-driver", "apache/spark:3.5.5")],
        "Running",
        None,
        3,
    );
    let executor = |n: u32| {
        pod(
            "spark",
            &format!("orders-exec-{n}"),
            json!({"spark-role": "executor", "spark-app-selector": "spark-9"}),
            json!({}),
            &[("spark-kubernetes-executor", "apache/spark:3.5.5")],
            "Running",
            None,
            2,
        )
    };
    let run = one(&[driver, executor(1), executor(2)]);
    assert_eq!(run.id, "spark/orders-driver");
    assert_eq!(run.pods.len(), 3);
}
