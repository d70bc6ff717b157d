//! kubectl's pod STATUS, READY and RESTARTS (the one implementation, `printPod`) and what the
//! cockpit makes of them: the pods printer's cells and typed health, case by case.

use serde_json::{Value, json};

use super::{Cell, RowHealth, printer_for};

/// What the pods printer says of one pod: the words kubectl shows and the health.
struct Info {
    status: String,
    ready: u32,
    total: u32,
    restarts: i64,
    last_restart: Option<chrono::DateTime<chrono::Utc>>,
    health: RowHealth,
}

fn printed(object: &Value) -> Info {
    let printer = printer_for("", "pods").expect("pods have a printer");
    let (cells, health) = printer.row(object);
    let text = |i: usize| match &cells[i] {
        Cell::Text(t) => t.clone(),
        other => panic!("cell {i}: {other:?}"),
    };
    let ready = text(1);
    let (ready, total) = ready.split_once('/').expect("READY is a/b");
    let (restarts, last_restart) = match &cells[3] {
        Cell::Restarts { count, last } => (*count, *last),
        other => panic!("RESTARTS: {other:?}"),
    };
    Info {
        status: text(2),
        ready: ready.parse().unwrap(),
        total: total.parse().unwrap(),
        restarts,
        last_restart,
        health,
    }
}

fn pod(value: Value) -> Info {
    let mut base = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "main"}]},
    });
    merge(&mut base, value);
    printed(&base)
}

fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

fn running(name: &str, ready: bool, restarts: i32) -> Value {
    json!({"name": name, "ready": ready, "restartCount": restarts, "image": "", "imageID": "",
           "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}})
}

#[test]
fn running_and_ready() {
    let info = pod(
        json!({"status": {"phase": "Running", "containerStatuses": [running("main", true, 0)]}}),
    );
    assert_eq!(
        (info.status.as_str(), info.ready, info.total),
        ("Running", 1, 1)
    );
    assert_eq!(info.health, RowHealth::Running);
}

#[test]
fn running_but_not_ready_is_degraded() {
    let info = pod(
        json!({"status": {"phase": "Running", "containerStatuses": [running("main", false, 0)]}}),
    );
    assert_eq!((info.status.as_str(), info.ready), ("Running", 0));
    assert_eq!(info.health, RowHealth::Degraded);
}

#[test]
fn crash_loop_shows_the_waiting_reason_and_restarts() {
    let info = pod(
        json!({"status": {"phase": "Running", "containerStatuses": [{
            "name": "main", "ready": false, "restartCount": 7, "image": "", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-01-01T01:00:00Z"}}
        }]}}),
    );
    assert_eq!(info.status, "CrashLoopBackOff");
    assert_eq!(info.restarts, 7);
    assert_eq!(info.health, RowHealth::Failed);
    assert_eq!(
        info.last_restart.unwrap().to_rfc3339(),
        "2026-01-01T01:00:00+00:00"
    );
}

#[test]
fn completed_job_pod() {
    let info = pod(
        json!({"status": {"phase": "Succeeded", "containerStatuses": [{
            "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}
        }]}}),
    );
    assert_eq!((info.status.as_str(), info.ready), ("Completed", 0));
    assert_eq!(info.health, RowHealth::Completed);
}

#[test]
fn terminated_without_reason_shows_the_exit_code_or_signal() {
    let exit = pod(json!({"status": {"phase": "Failed", "containerStatuses": [{
        "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
        "state": {"terminated": {"exitCode": 3}}}]}}));
    assert_eq!(exit.status, "ExitCode:3");
    let signal = pod(json!({"status": {"phase": "Failed", "containerStatuses": [{
        "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
        "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}}));
    assert_eq!(signal.status, "Signal:9");
    assert_eq!(signal.health, RowHealth::Failed);
}

#[test]
fn pending_pod_uses_the_phase() {
    let info = pod(json!({"status": {"phase": "Pending"}}));
    assert_eq!(
        (info.status.as_str(), info.health),
        ("Pending", RowHealth::Pending)
    );
    let creating = pod(
        json!({"status": {"phase": "Pending", "containerStatuses": [{
        "name": "main", "ready": false, "restartCount": 0, "image": "", "imageID": "",
        "state": {"waiting": {"reason": "ContainerCreating"}}}]}}),
    );
    assert_eq!(creating.health, RowHealth::Pending);
}

#[test]
fn init_containers_show_progress_then_failure() {
    let spec = json!({"spec": {"initContainers": [{"name": "a"}, {"name": "b"}]}});
    let mut progress = spec.clone();
    merge(
        &mut progress,
        json!({"status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "b", "ready": false, "restartCount": 0, "image": "", "imageID": "",
         "state": {"running": {}}}]}}),
    );
    let info = pod(progress);
    assert_eq!(
        (info.status.as_str(), info.health),
        ("Init:1/2", RowHealth::Pending)
    );

    let mut failed = spec;
    merge(
        &mut failed,
        json!({"status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "a", "ready": false, "restartCount": 2, "image": "", "imageID": "",
         "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
    );
    let info = pod(failed);
    assert_eq!(
        (info.status.as_str(), info.restarts),
        ("Init:CrashLoopBackOff", 2)
    );
    assert_eq!(info.health, RowHealth::Failed);
}

#[test]
fn sidecars_count_towards_ready() {
    let info = pod(json!({
        "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true, "restartCount": 1,
                "image": "", "imageID": "", "state": {"running": {}}}],
            "containerStatuses": [running("main", true, 2)]}
    }));
    assert_eq!((info.ready, info.total, info.restarts), (2, 2, 3));
    assert_eq!(info.status, "Running");
}

#[test]
fn a_finished_container_beside_a_running_one_is_not_completed() {
    let info = pod(json!({
        "spec": {"containers": [{"name": "main"}, {"name": "side"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                running("main", true, 0),
                {"name": "side", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
    }));
    assert_eq!(info.status, "NotReady");
    assert_eq!(info.health, RowHealth::Degraded);
}

#[test]
fn deletion_marks_terminating_unless_finished_or_node_lost() {
    let terminating = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
        "status": {"phase": "Running", "containerStatuses": [running("main", true, 0)]}}),
    );
    assert_eq!(terminating.status, "Terminating");
    assert_eq!(terminating.health, RowHealth::Terminating);
    let lost = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
        "status": {"phase": "Running", "reason": "NodeLost"}}),
    );
    assert_eq!(lost.status, "Unknown");
    let done = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"},
        "status": {"phase": "Succeeded"}}),
    );
    assert_eq!(done.status, "Succeeded");
}

#[test]
fn evicted_pods_show_the_pod_reason() {
    let info = pod(json!({"status": {"phase": "Failed", "reason": "Evicted"}}));
    assert_eq!(
        (info.status.as_str(), info.health),
        ("Evicted", RowHealth::Failed)
    );
}

#[test]
fn a_pod_without_spec_or_status_does_not_panic() {
    let info = printed(&json!({}));
    assert_eq!((info.ready, info.total, info.status.as_str()), (0, 0, ""));
    assert_eq!(info.health, RowHealth::Unknown);
}

/// The health every other printer reads from its own columns.
#[test]
fn each_kind_reads_its_health_from_its_own_columns() {
    let health = |group: &str, plural: &str, object: Value| {
        printer_for(group, plural).unwrap().row(&object).1
    };
    let deployment = |ready: i64| {
        json!({"metadata": {"name": "d"}, "spec": {"replicas": 2, "selector": {}},
               "status": {"readyReplicas": ready}})
    };
    assert_eq!(
        health("apps", "deployments", deployment(2)),
        RowHealth::Running
    );
    assert_eq!(
        health("apps", "deployments", deployment(1)),
        RowHealth::Degraded
    );
    assert_eq!(
        health("apps", "deployments", deployment(0)),
        RowHealth::Failed
    );
    let rs = json!({"metadata": {"name": "r"}, "spec": {"replicas": 3, "selector": {}},
                    "status": {"replicas": 3, "readyReplicas": 1}});
    assert_eq!(health("apps", "replicasets", rs), RowHealth::Degraded);
    let ds = json!({"metadata": {"name": "ds"}, "spec": {"selector": {}},
                    "status": {"desiredNumberScheduled": 3, "numberReady": 0}});
    assert_eq!(health("apps", "daemonsets", ds), RowHealth::Failed);
    let job = json!({"metadata": {"name": "j"}, "spec": {"completions": 1},
        "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}});
    assert_eq!(health("batch", "jobs", job), RowHealth::Failed);
    let warning = json!({"metadata": {"name": "e"}, "type": "Warning", "reason": "BackOff",
                         "involvedObject": {"kind": "Pod", "name": "p"}});
    assert_eq!(health("", "events", warning), RowHealth::Degraded);
    let ns = json!({"metadata": {"name": "n"}, "status": {"phase": "Terminating"}});
    assert_eq!(health("", "namespaces", ns), RowHealth::Terminating);
    let pending = json!({"metadata": {"name": "c"}, "spec": {}, "status": {"phase": "Pending"}});
    assert_eq!(
        health("", "persistentvolumeclaims", pending),
        RowHealth::Pending
    );
    let cm = json!({"metadata": {"name": "cm"}, "data": {"a": "b"}});
    assert_eq!(health("", "configmaps", cm), RowHealth::Running);
}

#[test]
fn a_custom_resource_reads_its_status_column_by_name() {
    let columns = super::CustomColumns::new(&[
        json!({"name": "State", "type": "string", "jsonPath": ".status.applicationState.state"}),
        json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
    ]);
    let app = |state: &str| json!({"metadata": {"name": "etl"}, "status": {"applicationState": {"state": state}}});
    let health = |object: Value| columns.health(&columns.cells(&object));
    assert_eq!(health(app("FAILED")), RowHealth::Failed);
    assert_eq!(health(app("Running")), RowHealth::Running);
    assert_eq!(
        health(json!({"metadata": {"name": "x"}})),
        RowHealth::Pending
    );
}
