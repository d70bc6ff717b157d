//! Scenario tests of the whole engine on hand-made objects: the fault cases of issue 4
//! (crash loop, image pull failure, scaling to zero, failed and stuck Helm releases), run
//! semantics, custom release names and namespaces, user rules.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::release::ReleaseStatus;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn ts(minutes_ago: i64) -> String {
    (now() - Duration::minutes(minutes_ago)).to_rfc3339()
}

/// A Deployment with its pod template labels and status.
fn deployment(
    ns: &str,
    name: &str,
    labels: Value,
    image: &str,
    replicas: u32,
    ready: u32,
) -> Value {
    json!({"kind": "Deployment", "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": image}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready}})
}

/// A pod of a Deployment, in a given container state.
fn pod_of(
    ns: &str,
    deployment: &str,
    suffix: &str,
    image: &str,
    state: Value,
    restarts: u32,
    ready: bool,
) -> Value {
    json!({"kind": "Pod", "metadata": {"name": format!("{deployment}-5d8c6b7f9-{suffix}"), "namespace": ns,
            "labels": {"pod-template-hash": "5d8c6b7f9"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": format!("{deployment}-5d8c6b7f9"), "controller": true}]},
        "spec": {"containers": [{"name": "main", "image": image}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
            "containerStatuses": [{"name": "main", "ready": ready, "restartCount": restarts, "state": state}]}})
}

fn airflow(ns: &str, release: &str, component: &str, replicas: u32, ready: u32) -> Value {
    deployment(
        ns,
        &format!("{release}-{component}"),
        json!({"tier": "airflow", "component": component, "release": release}),
        "apache/airflow:3.0.2",
        replicas,
        ready,
    )
}

fn release(
    name: &str,
    ns: &str,
    revision: u32,
    status: ReleaseStatus,
    minutes_ago: i64,
    description: &str,
) -> ReleaseFacts {
    ReleaseFacts {
        name: name.into(),
        namespace: ns.into(),
        revision,
        status,
        chart: name.into(),
        chart_version: "1.0.0".into(),
        app_version: String::new(),
        description: description.into(),
        updated: Some(now() - Duration::minutes(minutes_ago)),
        unreadable: None,
    }
}

fn assess_json(objects: &[Value], releases: &[ReleaseFacts]) -> StackReport {
    assess_with(&RuleSet::builtin(), objects, releases)
}

fn assess_with(rules: &RuleSet, objects: &[Value], releases: &[ReleaseFacts]) -> StackReport {
    let objects: Vec<StackObject> = objects.iter().map(StackObject::from_json).collect();
    assess(rules, &objects, releases, now())
}

fn component<'a>(report: &'a StackReport, name: &str) -> &'a ComponentReport {
    report
        .components()
        .find(|c| c.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = report.components().map(|c| c.name.as_str()).collect();
            panic!("no component {name} in {names:?}")
        })
}

fn healthy_airflow(ns: &str, release: &str) -> Vec<Value> {
    ["scheduler", "api-server", "dag-processor", "statsd"]
        .iter()
        .map(|c| airflow(ns, release, c, 1, 1))
        .collect()
}

#[test]
fn a_crash_looping_scheduler_takes_airflow_down() {
    let mut objects = healthy_airflow("orchestration", "airflow");
    objects[0] = airflow("orchestration", "airflow", "scheduler", 1, 0);
    objects.push(pod_of(
        "orchestration",
        "airflow-scheduler",
        "x2k4q",
        "apache/airflow:3.0.2",
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}),
        14,
        false,
    ));
    let report = assess_json(&objects, &[]);
    let c = component(&report, "airflow");
    assert_eq!(c.health, Health::Down);
    assert_eq!(
        c.reasons,
        ["airflow-scheduler 0/1 ready: CrashLoopBackOff, 14 restarts"]
    );
    assert_eq!(report.layers[0].layer, Layer::Orchestration);
    assert_eq!(report.layers[0].health, Health::Down);
    // The pod is part of the scheduler, not a workload of its own.
    assert_eq!(c.workloads.len(), 4);
}

#[test]
fn an_image_pull_failure_on_workers_degrades_trino() {
    let labels = |component: &str| {
        json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino",
            "app.kubernetes.io/component": component})
    };
    let objects = vec![
        deployment(
            "warehouse",
            "trino-coordinator",
            labels("coordinator"),
            "trinodb/trino:481",
            1,
            1,
        ),
        deployment(
            "warehouse",
            "trino-worker",
            labels("worker"),
            "trinodb/trino:481",
            2,
            0,
        ),
        pod_of(
            "warehouse",
            "trino-worker",
            "a",
            "trinodb/trino:481",
            json!({"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}),
            0,
            false,
        ),
        pod_of(
            "warehouse",
            "trino-worker",
            "b",
            "trinodb/trino:481",
            json!({"waiting": {"reason": "ImagePullBackOff"}}),
            0,
            false,
        ),
    ];
    let report = assess_json(&objects, &[]);
    let c = component(&report, "trino");
    assert_eq!(c.health, Health::Degraded, "{:?}", c.reasons);
    assert_eq!(
        c.reasons,
        ["trino-worker 0/2 ready: ImagePullBackOff pulling trinodb/trino:481 (2 pods)"]
    );
    // The same failure on the coordinator is an outage.
    let mut objects = objects;
    objects[0] = deployment(
        "warehouse",
        "trino-coordinator",
        labels("coordinator"),
        "trinodb/trino:481",
        1,
        0,
    );
    assert_eq!(
        component(&assess_json(&objects, &[]), "trino").health,
        Health::Down
    );
}

#[test]
fn scaling_to_zero_is_design_for_workers_and_an_outage_for_the_scheduler() {
    let mut objects = healthy_airflow("orchestration", "airflow");
    objects.push(airflow("orchestration", "airflow", "worker", 0, 0));
    let report = assess_json(&objects, &[]);
    let c = component(&report, "airflow");
    assert_eq!(c.health, Health::Healthy, "{:?}", c.reasons);
    let worker = c.workloads.iter().find(|w| w.role == "worker").unwrap();
    assert_eq!(
        (worker.ready.as_str(), worker.health),
        ("0/0", Health::Healthy)
    );

    objects[0] = airflow("orchestration", "airflow", "scheduler", 0, 0);
    let report = assess_json(&objects, &[]);
    let c = component(&report, "airflow");
    assert_eq!(c.health, Health::Down);
    assert!(
        c.reasons[0].starts_with("airflow-scheduler is scaled to 0 replicas"),
        "{:?}",
        c.reasons
    );
}

#[test]
fn a_failed_helm_release_degrades_its_component() {
    let objects = vec![deployment(
        "bi",
        "superset",
        json!({"app": "superset", "release": "superset"}),
        "apache/superset:5.0.0",
        1,
        1,
    )];
    let releases = [release(
        "superset",
        "bi",
        7,
        ReleaseStatus::Failed,
        50,
        "Upgrade \"superset\" failed: post-upgrade hooks failed:\n\t* job superset-init-db failed",
    )];
    let report = assess_json(&objects, &releases);
    let c = component(&report, "superset");
    assert_eq!(c.health, Health::Degraded);
    assert_eq!(c.release.as_deref(), Some("superset"));
    assert_eq!(c.release_revision, Some((7, ReleaseStatus::Failed)));
    assert_eq!(
        c.reasons,
        [
            "Helm release superset failed at revision 7: Upgrade \"superset\" failed: post-upgrade hooks failed: * job superset-init-db failed"
        ]
    );
    // A rollback after the failure is a deployed revision: healthy again.
    let releases = [release(
        "superset",
        "bi",
        8,
        ReleaseStatus::Deployed,
        10,
        "Rollback to 6",
    )];
    assert_eq!(
        component(&assess_json(&objects, &releases), "superset").health,
        Health::Healthy
    );
}

#[test]
fn a_pending_upgrade_is_stuck_only_after_a_while() {
    let labels = json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino"});
    let objects = vec![deployment(
        "warehouse",
        "trino-coordinator",
        labels,
        "trinodb/trino:480",
        1,
        1,
    )];
    let stuck = [release(
        "trino",
        "warehouse",
        4,
        ReleaseStatus::PendingUpgrade,
        125,
        "Preparing upgrade",
    )];
    let c = component(&assess_json(&objects, &stuck), "trino").clone();
    assert_eq!(c.health, Health::Degraded);
    assert!(
        c.reasons[0]
            .starts_with("Helm release trino stuck in pending-upgrade for 2 h (revision 4)"),
        "{:?}",
        c.reasons
    );
    let running = [release(
        "trino",
        "warehouse",
        4,
        ReleaseStatus::PendingUpgrade,
        2,
        "Preparing upgrade",
    )];
    assert_eq!(
        component(&assess_json(&objects, &running), "trino").health,
        Health::Healthy
    );
}

#[test]
fn a_release_without_workloads_is_still_a_component() {
    let releases = [release(
        "airflow",
        "orchestration",
        2,
        ReleaseStatus::Deployed,
        100,
        "Upgrade complete",
    )];
    let report = assess_json(&[], &releases);
    let c = component(&report, "airflow");
    assert_eq!(c.tool.as_deref(), Some("airflow"));
    assert_eq!(c.layer, Layer::Orchestration);
    assert_eq!(c.health, Health::Unknown);
}

fn job(ns: &str, name: &str, labels: Value, image: &str, outcome: &str, minutes_ago: i64) -> Value {
    let conditions = match outcome {
        "ok" => json!([{"type": "Complete", "status": "True"}]),
        "failed" => json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]),
        _ => json!([]),
    };
    json!({"kind": "Job", "metadata": {"name": name, "namespace": ns, "labels": labels,
            "creationTimestamp": ts(minutes_ago)},
        "spec": {"completions": 1, "template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": image}]}}},
        "status": {"startTime": ts(minutes_ago), "succeeded": u32::from(outcome == "ok"),
            "failed": u32::from(outcome == "failed"), "conditions": conditions}})
}

fn airbyte_sync(job_id: u32, attempt: u32, phase: &str, minutes_ago: i64) -> Value {
    json!({"kind": "Pod", "metadata": {"name": format!("replication-job-{job_id}-attempt-{attempt}"),
            "namespace": "ingestion",
            "labels": {"airbyte": "job-pod", "job_id": job_id.to_string(), "attempt_id": attempt.to_string(),
                "connection_id": "c0ffee", "job_type": "sync"},
            "annotations": {"airbyte/connection-name": "Postgres → ClickHouse"}},
        "spec": {"containers": [{"name": "orchestrator", "image": "airbyte/container-orchestrator:2.0.1"}]},
        "status": {"phase": phase, "startTime": ts(minutes_ago)}})
}

fn airbyte_server() -> Value {
    deployment(
        "ingestion",
        "airbyte-server",
        json!({"app.kubernetes.io/name": "server", "app.kubernetes.io/instance": "airbyte"}),
        "airbyte/server:2.0.1",
        1,
        1,
    )
}

#[test]
fn failed_runs_are_runs_until_they_form_a_streak() {
    // One failed sync, retried successfully: nothing to report.
    let objects = vec![
        airbyte_server(),
        airbyte_sync(100, 0, "Failed", 30),
        airbyte_sync(100, 1, "Succeeded", 25),
        airbyte_sync(101, 0, "Failed", 10),
    ];
    let report = assess_json(&objects, &[]);
    let c = component(&report, "airbyte");
    assert_eq!(c.health, Health::Healthy, "{:?}", c.reasons);
    assert_eq!((c.runs.succeeded, c.runs.failed), (1, 1));
    assert_eq!(c.workloads.len(), 1, "runs are not workloads");

    // Three jobs in a row failed: the connection is broken.
    let objects = vec![
        airbyte_server(),
        airbyte_sync(100, 0, "Succeeded", 60),
        airbyte_sync(101, 0, "Failed", 40),
        airbyte_sync(102, 0, "Failed", 30),
        airbyte_sync(103, 0, "Failed", 20),
        airbyte_sync(104, 0, "Running", 5),
    ];
    let c = component(&assess_json(&objects, &[]), "airbyte").clone();
    assert_eq!(c.health, Health::Degraded);
    assert_eq!(
        c.reasons,
        ["last 3 syncs of connection Postgres → ClickHouse failed"]
    );
    assert_eq!(c.runs.running, 1);
}

#[test]
fn a_completed_job_is_fine_and_cronjob_runs_count_per_cronjob() {
    let labels = json!({"app.kubernetes.io/name": "dbt", "app.kubernetes.io/part-of": "analytics"});
    let mut objects = vec![
        json!({"kind": "CronJob", "metadata": {"name": "dbt-marts", "namespace": "transformation", "labels": labels},
        "spec": {"schedule": "*/10 * * * *", "jobTemplate": {"spec": {"template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0", "args": ["build"]}]}}}}},
        "status": {}}),
    ];
    for (i, outcome) in ["ok", "failed", "failed", "failed"].iter().enumerate() {
        let mut j = job(
            "transformation",
            &format!("dbt-marts-2917{i}"),
            labels.clone(),
            "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
            outcome,
            40 - 10 * i as i64,
        );
        j["metadata"]["ownerReferences"] =
            json!([{"kind": "CronJob", "name": "dbt-marts", "controller": true}]);
        objects.push(j);
    }
    let report = assess_json(&objects, &[]);
    let c = component(&report, "analytics");
    assert_eq!(c.tool.as_deref(), Some("dbt"));
    assert_eq!(c.health, Health::Degraded);
    assert_eq!(c.reasons, ["last 3 runs of CronJob dbt-marts failed"]);
    let cron = &c.workloads[0];
    assert_eq!(
        (cron.kind.as_str(), cron.ready.as_str()),
        ("CronJob", "last run failed")
    );

    // A standalone migration Job that completed is healthy.
    let migrate = job(
        "orchestration",
        "airflow-run-airflow-migrations",
        json!({"tier": "airflow", "component": "run-airflow-migrations", "release": "airflow"}),
        "apache/airflow:3.0.2",
        "ok",
        60,
    );
    let mut objects = healthy_airflow("orchestration", "airflow");
    objects.push(migrate);
    let c = component(&assess_json(&objects, &[]), "airflow").clone();
    assert_eq!(c.health, Health::Healthy);
    let m = c.workloads.iter().find(|w| w.kind == "Job").unwrap();
    assert_eq!((m.ready.as_str(), m.health), ("1/1", Health::Healthy));
}

#[test]
fn custom_release_names_and_namespaces() {
    let mut objects = healthy_airflow("data-prod", "af-prod");
    objects.extend(healthy_airflow("data-stage", "af-stage"));
    // Task pods of each, with the executor's labels.
    for (ns, rel) in [("data-prod", "af-prod"), ("data-stage", "af-stage")] {
        objects.push(json!({"kind": "Pod", "metadata": {"name": format!("{rel}-task-1"), "namespace": ns,
            "labels": {"tier": "airflow", "component": "worker", "release": rel, "dag_id": "d", "task_id": "t",
                "run_id": "r", "try_number": "1", "kubernetes_executor": "True"}},
            "spec": {"containers": [{"name": "base", "image": "apache/airflow:3.0.2"}]},
            "status": {"phase": "Succeeded"}}));
    }
    let report = assess_json(&objects, &[]);
    let names: Vec<(&str, &str)> = report
        .components()
        .map(|c| (c.namespace.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [("data-prod", "af-prod"), ("data-stage", "af-stage")]
    );
    for c in report.components() {
        assert_eq!(c.tool.as_deref(), Some("airflow"));
        assert_eq!(c.runs.succeeded, 1);
        assert!(c.workloads.iter().any(|w| w.role == "scheduler"));
    }
}

#[test]
fn spark_runs_join_the_operator_from_another_namespace() {
    let operator = deployment(
        "spark-operator",
        "spark-operator-controller",
        json!({"app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/instance": "spark-operator",
            "app.kubernetes.io/component": "controller"}),
        "ghcr.io/kubeflow/spark-operator/controller:2.5.2",
        1,
        1,
    );
    let driver = |n: u32, phase: &str| {
        json!({"kind": "Pod", "metadata": {"name": format!("orders-{n}-driver"),
            "namespace": "spark-jobs", "labels": {"spark-role": "driver", "spark-app-name": format!("orders-17000000{n:02}000")}},
        "spec": {"containers": [{"name": "spark-kubernetes-driver", "image": "apache/spark:3.5.5"}]},
        "status": {"phase": phase, "startTime": ts(60 - i64::from(n))}})
    };
    let executor = json!({"kind": "Pod", "metadata": {"name": "orders-3-exec-1", "namespace": "spark-jobs",
            "labels": {"spark-role": "executor"},
            "ownerReferences": [{"kind": "Pod", "name": "orders-3-driver", "controller": true}]},
        "spec": {"containers": [{"name": "spark-kubernetes-executor", "image": "apache/spark:3.5.5"}]},
        "status": {"phase": "Failed"}});
    let objects = vec![
        operator,
        driver(1, "Failed"),
        driver(2, "Failed"),
        driver(3, "Failed"),
        executor,
    ];
    let report = assess_json(&objects, &[]);
    assert_eq!(report.component_count(), 1);
    let c = component(&report, "spark-operator");
    assert_eq!(c.layer, Layer::Warehouse);
    // Executors are parts of a run, not runs.
    assert_eq!(c.runs.failed, 3);
    assert_eq!(c.reasons, ["last 3 runs of application orders failed"]);
}

#[test]
fn user_rules_move_and_claim_components() {
    let rules = RuleSet::with_user_rules(
        r#"
[[tool]]
id = "acme-etl"
name = "ACME ETL"
layer = "ingestion"

[[rule]]
tool = "acme-etl"
namespaces = ["legacy-etl"]

[[rule]]
tool = "trino"
labels = { "app.kubernetes.io/instance" = "adhoc" }
layer = "platform"
"#,
        "rules.toml",
    )
    .unwrap();
    let objects = vec![
        deployment(
            "legacy-etl",
            "loader",
            json!({"app": "loader"}),
            "python:3.12",
            1,
            1,
        ),
        deployment(
            "legacy-etl",
            "loader-db",
            json!({"app": "loader-db"}),
            "postgres:16",
            1,
            1,
        ),
        deployment(
            "warehouse",
            "adhoc-trino-coordinator",
            json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "adhoc"}),
            "trinodb/trino:480",
            1,
            1,
        ),
    ];
    let report = assess_with(&rules, &objects, &[]);
    let etl = component(&report, "loader");
    assert_eq!(
        (etl.tool.as_deref(), etl.layer),
        (Some("acme-etl"), Layer::Ingestion)
    );
    assert_eq!(
        etl.workloads.len(),
        2,
        "the user's namespace rule beats the postgres image"
    );
    let trino = component(&report, "adhoc");
    assert_eq!(trino.layer, Layer::Platform);
}

#[test]
fn what_nothing_recognises_is_shown_as_other() {
    let objects = vec![
        deployment(
            "kube-system",
            "coredns",
            json!({"k8s-app": "kube-dns"}),
            "coredns/coredns:1.12",
            2,
            2,
        ),
        json!({"kind": "Service", "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
            "spec": {"selector": {"k8s-app": "kube-dns"}}}),
        deployment("apps", "shop-frontend", json!({}), "acme/shop:4", 3, 1),
    ];
    let report = assess_json(&objects, &[]);
    assert_eq!(report.layers.len(), 1);
    assert_eq!(report.layers[0].layer, Layer::Unclassified);
    let dns = component(&report, "kube-dns");
    assert_eq!(dns.tool, None);
    assert_eq!(dns.workloads.len(), 1);
    let shop = component(&report, "shop-frontend");
    // Nothing says which parts matter, so every part does: 1/3 ready is degraded.
    assert_eq!(shop.health, Health::Degraded);
    assert_eq!(report.layers[0].health, Health::Degraded);
}

#[test]
fn one_engine_down_degrades_the_layer_all_down_takes_it_down() {
    let ch = |ready| {
        deployment(
            "warehouse",
            "chi-analytics-main-0-0",
            json!({"clickhouse.altinity.com/chi": "analytics"}),
            "clickhouse/clickhouse-server:25.3",
            1,
            ready,
        )
    };
    let trino = |ready| {
        deployment(
            "warehouse",
            "trino-coordinator",
            json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino"}),
            "trinodb/trino:480",
            1,
            ready,
        )
    };
    let layer = |objects: &[Value]| assess_json(objects, &[]).layers[0].health;
    assert_eq!(layer(&[ch(1), trino(1)]), Health::Healthy);
    assert_eq!(layer(&[ch(1), trino(0)]), Health::Degraded);
    assert_eq!(layer(&[ch(0), trino(0)]), Health::Down);
}

#[test]
fn garbage_never_panics() {
    let objects = vec![
        json!(null),
        json!({"kind": 5, "metadata": "x"}),
        json!({"kind": "Pod", "metadata": {"name": "p", "ownerReferences": [{"kind": "Pod", "name": "p"}]}}),
        json!({"kind": "Deployment", "metadata": {"name": "d", "labels": {"app": ["list"]}},
            "spec": {"replicas": -3, "template": {"spec": {"containers": "none"}}}, "status": {"readyReplicas": "x"}}),
        // An ownership cycle.
        json!({"kind": "Job", "metadata": {"name": "a", "namespace": "n", "ownerReferences": [{"kind": "Job", "name": "b"}]}}),
        json!({"kind": "Job", "metadata": {"name": "b", "namespace": "n", "ownerReferences": [{"kind": "Job", "name": "a"}]}}),
    ];
    let report = assess_json(&objects, &[]);
    assert!(report.component_count() >= 1);
}

#[test]
fn an_ownership_cycle_alone_is_still_classified() {
    let objects = [
        json!({"kind": "Job", "metadata": {"name": "a", "namespace": "n", "ownerReferences": [{"kind": "Job", "name": "b"}]}}),
        json!({"kind": "Job", "metadata": {"name": "b", "namespace": "n", "ownerReferences": [{"kind": "Job", "name": "a"}]}}),
    ];
    let stack_objects: Vec<StackObject> = objects.iter().map(StackObject::from_json).collect();
    let classification = classify(&RuleSet::builtin(), &stack_objects, &[]);
    assert_eq!(classification.placements.len(), 2);
    assert!(
        classification
            .placements
            .iter()
            .all(|p| p.component < classification.components.len())
    );
}

#[test]
fn a_crash_loop_caught_between_two_crashes_is_still_reported() {
    let mut objects = healthy_airflow("orchestration", "airflow");
    let mut pod = pod_of(
        "orchestration",
        "airflow-scheduler",
        "x2k4q",
        "apache/airflow:3.0.2",
        json!({"running": {"startedAt": ts(0)}}),
        57,
        true,
    );
    pod["status"]["containerStatuses"][0]["lastState"] =
        json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(1)}});
    objects.push(pod.clone());
    let c = component(&assess_json(&objects, &[]), "airflow").clone();
    assert_eq!(c.health, Health::Degraded);
    assert_eq!(
        c.reasons,
        ["airflow-scheduler 1/1 ready but restarting: 57 restarts, the last 1 min ago"]
    );
    // Restarts long ago are history, not a problem.
    pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"] = json!(ts(600));
    objects.pop();
    objects.push(pod);
    assert_eq!(
        component(&assess_json(&objects, &[]), "airflow").health,
        Health::Healthy
    );
}
