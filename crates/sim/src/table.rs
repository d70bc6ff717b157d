//! Server-side printing: `meta.k8s.io/v1` Tables with the columns the real API server prints
//! for each built-in kind (what `kubectl get` shows), and generic columns for CRDs. The columns
//! and cells come from [`crate::printers`], shared with the cockpit; this module only shapes
//! them into Tables (rows, `object`, row conditions) at the request's time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::resources::ResourceInfo;
pub use crate::printers::human_duration;
use crate::printers::{self, Cell, CustomColumns};

/// What each row carries in `object` (`includeObject` query parameter; default Metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// Builds a Table for `objects` of resource `info`. `metadata.resourceVersion` is left for
/// the caller to fill. Kinds without a built-in printer (custom resources included) get the
/// custom-resource default columns, `NAME` and `AGE`; for a CRD's own printer columns use
/// [`to_table_with_columns`].
pub fn to_table(
    info: &ResourceInfo,
    objects: &[Arc<Value>],
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    let Some(printer) = printers::printer_for(&info.group, &info.plural) else {
        return to_table_with_columns(&[], objects, include, now);
    };
    let rows = objects
        .iter()
        .map(|obj| {
            let mut row = Map::new();
            row.insert("cells".into(), cells_json(&(printer.cells)(obj), now));
            if let Some(conditions) = (printer.conditions)(obj) {
                row.insert("conditions".into(), conditions);
            }
            row.insert("object".into(), row_object(obj, include));
            Value::Object(row)
        })
        .collect();
    table(
        printer
            .columns
            .iter()
            .copied()
            .map(|c| c.to_json())
            .collect(),
        rows,
    )
}

/// Builds a Table for custom resources from the served version's `additionalPrinterColumns`
/// (`name`, `type`, `jsonPath`, optional `format`, `description`, `priority`). With no columns
/// the API server serves `NAME` and `AGE`, as here.
pub fn to_table_with_columns(
    columns: &[Value],
    objects: &[Arc<Value>],
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    let columns = CustomColumns::new(columns);
    let rows = objects
        .iter()
        .map(|obj| json!({"cells": cells_json(&columns.cells(obj), now), "object": row_object(obj, include)}))
        .collect();
    table(columns.definitions().to_vec(), rows)
}

fn cells_json(cells: &[Cell], now: DateTime<Utc>) -> Value {
    Value::Array(cells.iter().map(|cell| cell.to_json(now)).collect())
}

/// The `object` of a row: a PartialObjectMetadata, the whole object, or null.
pub fn row_object(obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj["metadata"],
        }),
    }
}

fn table(column_definitions: Vec<Value>, rows: Vec<Value>) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": column_definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{SecondsFormat, TimeDelta};

    use super::*;
    use crate::printers::CREATION_TIMESTAMP_DOC;
    use crate::resources::builtin;

    fn now() -> DateTime<Utc> {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    /// An RFC 3339 timestamp `secs` seconds before [`now`].
    fn ago(secs: i64) -> String {
        (now() - TimeDelta::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn info(group: &str, plural: &str) -> ResourceInfo {
        builtin()
            .into_iter()
            .find(|r| r.group == group && r.plural == plural)
            .unwrap()
    }

    fn print(group: &str, plural: &str, obj: Value) -> Value {
        to_table(
            &info(group, plural),
            &[Arc::new(obj)],
            IncludeObject::None,
            now(),
        )
    }

    fn cells(group: &str, plural: &str, obj: Value) -> Vec<Value> {
        let t = print(group, plural, obj);
        t["rows"][0]["cells"].as_array().unwrap().clone()
    }

    fn column_names(t: &Value) -> Vec<(String, i64)> {
        t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["priority"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "default", "creationTimestamp": ago(2 * 86400 + 3 * 3600)})
    }

    /// A pod with `containers` regular containers, the given status and extra spec fields.
    fn pod(containers: &[&str], spec_extra: Value, status: Value) -> Value {
        let mut spec = json!({
            "containers": containers.iter().map(|c| json!({"name": c, "image": format!("{c}:1")})).collect::<Vec<_>>(),
        });
        if let Some(extra) = spec_extra.as_object() {
            for (k, v) in extra {
                spec[k] = v.clone();
            }
        }
        json!({"metadata": meta("p"), "spec": spec, "status": status})
    }

    fn running(name: &str, ready: bool, restarts: i64) -> Value {
        json!({"name": name, "ready": ready, "restartCount": restarts, "started": true,
               "state": {"running": {"startedAt": ago(600)}}})
    }

    fn waiting(name: &str, reason: &str, restarts: i64) -> Value {
        json!({"name": name, "ready": false, "restartCount": restarts,
               "state": {"waiting": {"reason": reason}}})
    }

    fn terminated(name: &str, reason: Option<&str>, exit: i64, signal: i64) -> Value {
        let mut t = json!({"exitCode": exit, "finishedAt": ago(60)});
        if let Some(r) = reason {
            t["reason"] = json!(r);
        }
        if signal != 0 {
            t["signal"] = json!(signal);
        }
        json!({"name": name, "ready": false, "restartCount": 0, "state": {"terminated": t}})
    }

    /// READY, STATUS and RESTARTS of a pod.
    fn pod_summary(p: Value) -> (String, String, String) {
        let c = cells("", "pods", p);
        (
            c[1].as_str().unwrap().to_string(),
            c[2].as_str().unwrap().to_string(),
            c[3].as_str().unwrap().to_string(),
        )
    }

    fn s(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.to_string(), b.to_string(), c.to_string())
    }

    // --- ages ------------------------------------------------------------------------------

    #[test]
    fn human_duration_matches_kubernetes() {
        let cases: &[(i64, &str)] = &[
            (-3, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (303, "5m3s"),
            (599, "9m59s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 4 * 60 + 30, "3h4m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (2 * 86400 + 3 * 3600, "2d3h"),
            (7 * 86400 + 23 * 3600, "7d23h"),
            (8 * 86400 + 5 * 3600, "8d"),
            (15 * 86400, "15d"),
            (729 * 86400, "729d"),
            (2 * 365 * 86400, "2y"),
            ((2 * 365 + 100) * 86400, "2y100d"),
            (8 * 365 * 86400 + 5 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                human_duration(TimeDelta::seconds(*secs)),
                *want,
                "{secs} seconds"
            );
        }
        // Sub-second skew truncates toward zero like Go's int(d.Seconds()).
        assert_eq!(human_duration(TimeDelta::milliseconds(-1500)), "0s");
    }

    #[test]
    fn missing_creation_timestamp_is_unknown_age() {
        let c = cells("", "configmaps", json!({"metadata": {"name": "x"}}));
        assert_eq!(c[2], json!("<unknown>"));
    }

    // --- pods ------------------------------------------------------------------------------

    #[test]
    fn pod_columns_and_wide_cells() {
        let p = json!({
            "metadata": meta("web-1"),
            "spec": {"containers": [{"name": "a"}], "nodeName": "node-1",
                     "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}],
                       "conditions": [{"type": "example.com/lb", "status": "True"},
                                      {"type": "example.com/dns", "status": "False"}],
                       "containerStatuses": [running("a", true, 0)]},
        });
        let t = print("", "pods", p);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Status".into(), 0),
                ("Restarts".into(), 0),
                ("Age".into(), 0),
                ("IP".into(), 1),
                ("Node".into(), 1),
                ("Nominated Node".into(), 1),
                ("Readiness Gates".into(), 1),
            ]
        );
        assert_eq!(t["columnDefinitions"][0]["format"], "name");
        assert_eq!(t["columnDefinitions"][3]["type"], "string");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web-1", "1/1", "Running", "0", "2d3h", "10.0.0.7", "node-1", "<none>", "1/2"
            ])
        );
        assert!(t["rows"][0].get("conditions").is_none());
    }

    #[test]
    fn pod_unscheduled_prints_none_for_wide_cells() {
        let c = cells(
            "",
            "pods",
            pod(&["a"], json!({}), json!({"phase": "Pending"})),
        );
        assert_eq!(&c[1..4], &[json!("0/1"), json!("Pending"), json!("0")]);
        assert_eq!(
            &c[5..],
            &[
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn pod_ip_falls_back_to_pod_ips() {
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "podIPs": [{"ip": "fd00::1"}]}),
        );
        assert_eq!(cells("", "pods", p)[5], json!("fd00::1"));
    }

    #[test]
    fn pod_ready_counts_only_ready_running_containers() {
        let p = pod(
            &["a", "b", "c"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [
                running("a", true, 0), running("b", false, 0), running("c", true, 0)]}),
        );
        assert_eq!(pod_summary(p), s("2/3", "Running", "0"));
    }

    #[test]
    fn pod_waiting_reasons() {
        for reason in [
            "ContainerCreating",
            "ImagePullBackOff",
            "ErrImagePull",
            "CreateContainerConfigError",
        ] {
            let p = pod(
                &["a"],
                json!({}),
                json!({"phase": "Pending", "containerStatuses": [waiting("a", reason, 0)]}),
            );
            assert_eq!(pod_summary(p), s("0/1", reason, "0"));
        }
    }

    #[test]
    fn pod_crash_loop_restarts_show_when_last_restarted() {
        let mut c = waiting("a", "CrashLoopBackOff", 14);
        c["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(123)}});
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [c]}),
        );
        assert_eq!(
            pod_summary(p),
            s("0/1", "CrashLoopBackOff", "14 (2m3s ago)")
        );
    }

    #[test]
    fn pod_restarts_take_latest_restart_across_containers() {
        let mut a = running("a", true, 2);
        a["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(7200)}});
        let mut b = running("b", true, 3);
        b["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(45)}});
        let p = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [a, b]}),
        );
        assert_eq!(pod_summary(p), s("2/2", "Running", "5 (45s ago)"));
    }

    #[test]
    fn pod_restarts_without_finish_time_are_a_bare_count() {
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [running("a", true, 4)]}),
        );
        assert_eq!(pod_summary(p), s("1/1", "Running", "4"));
    }

    #[test]
    fn pod_terminated_reasons_and_row_conditions() {
        let done = pod(
            &["a"],
            json!({}),
            json!({"phase": "Succeeded", "containerStatuses": [terminated("a", Some("Completed"), 0, 0)]}),
        );
        let t = print("", "pods", done.clone());
        assert_eq!(pod_summary(done), s("0/1", "Completed", "0"));
        assert_eq!(
            t["rows"][0]["conditions"],
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded",
                    "message": "The pod has completed successfully."}])
        );

        let failed = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", Some("Error"), 1, 0)]}),
        );
        let t = print("", "pods", failed.clone());
        assert_eq!(pod_summary(failed), s("0/1", "Error", "0"));
        assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Failed");
        assert_eq!(t["rows"][0]["conditions"][0]["message"], "The pod failed.");
    }

    #[test]
    fn pod_terminated_without_reason_prints_signal_or_exit_code() {
        let signal = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", None, 137, 9)]}),
        );
        assert_eq!(pod_summary(signal).1, "Signal:9");
        let exit = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", None, 137, 0)]}),
        );
        assert_eq!(pod_summary(exit).1, "ExitCode:137");
    }

    #[test]
    fn pod_first_container_state_wins() {
        // printPod walks statuses backwards, so container 0's reason is the last assignment.
        let p = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [
                waiting("a", "ImagePullBackOff", 0), waiting("b", "CrashLoopBackOff", 0)]}),
        );
        assert_eq!(pod_summary(p).1, "ImagePullBackOff");
    }

    #[test]
    fn pod_completed_container_next_to_running_one() {
        let statuses = json!([
            terminated("a", Some("Completed"), 0, 0),
            running("b", true, 0)
        ]);
        let not_ready = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": statuses}),
        );
        assert_eq!(pod_summary(not_ready), s("1/2", "NotReady", "0"));
        let ready = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": statuses,
                   "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        assert_eq!(pod_summary(ready), s("1/2", "Running", "0"));
    }

    #[test]
    fn pod_init_progress() {
        let inits = json!({"initContainers": [{"name": "i0"}, {"name": "i1"}]});
        let first = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending",
                   "initContainerStatuses": [running("i0", false, 0), waiting("i1", "PodInitializing", 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(first), s("0/1", "Init:0/2", "0"));
        let second = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending",
                   "initContainerStatuses": [terminated("i0", Some("Completed"), 0, 0), running("i1", false, 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(second), s("0/1", "Init:1/2", "0"));
        // All init containers done: the main container's PodInitializing shows.
        let done = pod(
            &["a"],
            inits,
            json!({"phase": "Pending",
                   "initContainerStatuses": [terminated("i0", Some("Completed"), 0, 0),
                                             terminated("i1", Some("Completed"), 0, 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(done), s("0/1", "PodInitializing", "0"));
    }

    #[test]
    fn pod_init_failures() {
        let inits = json!({"initContainers": [{"name": "i0"}]});
        let mut crash = waiting("i0", "CrashLoopBackOff", 3);
        crash["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(30)}});
        let p = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [crash],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        // Init container restarts count while the pod is still initializing.
        assert_eq!(
            pod_summary(p),
            s("0/1", "Init:CrashLoopBackOff", "3 (30s ago)")
        );

        let cases = [
            (terminated("i0", Some("Error"), 1, 0), "Init:Error"),
            (terminated("i0", None, 2, 0), "Init:ExitCode:2"),
            (terminated("i0", None, 143, 15), "Init:Signal:15"),
        ];
        for (status, want) in cases {
            let p = pod(
                &["a"],
                inits.clone(),
                json!({"phase": "Failed", "initContainerStatuses": [status]}),
            );
            assert_eq!(pod_summary(p).1, want);
        }
    }

    #[test]
    fn pod_sidecars_count_in_ready_and_restarts() {
        let spec = json!({"initContainers": [
            {"name": "proxy", "restartPolicy": "Always"}, {"name": "migrate"}]});
        let mut proxy = running("proxy", true, 2);
        proxy["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(300)}});
        let mut migrate = terminated("migrate", Some("Completed"), 0, 0);
        migrate["restartCount"] = json!(5);
        migrate["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(20)}});
        let p = pod(
            &["app"],
            spec.clone(),
            json!({"phase": "Running",
                   "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                   "initContainerStatuses": [proxy, migrate],
                   "containerStatuses": [running("app", true, 0)]}),
        );
        // Regular init container restarts are dropped once the pod is initialized.
        assert_eq!(pod_summary(p), s("2/2", "Running", "2 (5m ago)"));

        let not_started = pod(
            &["app"],
            spec,
            json!({"phase": "Pending",
                   "initContainerStatuses": [waiting("proxy", "ContainerCreating", 0),
                                             waiting("migrate", "PodInitializing", 0)],
                   "containerStatuses": [waiting("app", "PodInitializing", 0)]}),
        );
        assert_eq!(
            pod_summary(not_started),
            s("0/2", "Init:ContainerCreating", "0")
        );
    }

    #[test]
    fn pod_deletion_states() {
        let mut p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [running("a", true, 0)]}),
        );
        p["metadata"]["deletionTimestamp"] = json!(ago(5));
        assert_eq!(pod_summary(p.clone()).1, "Terminating");

        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(pod_summary(p).1, "Unknown");

        let mut done = pod(
            &["a"],
            json!({}),
            json!({"phase": "Succeeded", "containerStatuses": [terminated("a", Some("Completed"), 0, 0)]}),
        );
        done["metadata"]["deletionTimestamp"] = json!(ago(5));
        assert_eq!(pod_summary(done).1, "Completed");
    }

    #[test]
    fn pod_reason_and_scheduling_gates() {
        let evicted = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "reason": "Evicted"}),
        );
        assert_eq!(pod_summary(evicted).1, "Evicted");
        let gated = pod(
            &["a"],
            json!({}),
            json!({"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        );
        assert_eq!(pod_summary(gated).1, "SchedulingGated");
    }

    // --- core kinds ------------------------------------------------------------------------

    #[test]
    fn namespace_and_node() {
        let ns = json!({"metadata": meta("data"), "status": {"phase": "Active"}});
        assert_eq!(
            cells("", "namespaces", ns),
            vec![json!("data"), json!("Active"), json!("2d3h")]
        );

        let node = json!({
            "metadata": {"name": "n1", "creationTimestamp": ago(15 * 86400),
                         "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "etcd",
                                    "node-role.kubernetes.io/worker": ""}},
            "spec": {"unschedulable": true},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "192.168.1.10"}],
                "nodeInfo": {"kubeletVersion": "v1.35.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.1.0", "containerRuntimeVersion": "containerd://2.0.0"},
            },
        });
        let t = print("", "nodes", node);
        assert_eq!(
            column_names(&t)
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>(),
            vec![
                "Name",
                "Status",
                "Roles",
                "Age",
                "Version",
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime"
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "n1",
                "Ready,SchedulingDisabled",
                "control-plane,etcd,worker",
                "15d",
                "v1.35.0",
                "192.168.1.10",
                "<none>",
                "Debian GNU/Linux 12 (bookworm)",
                "6.1.0",
                "containerd://2.0.0"
            ])
        );

        let bare = json!({"metadata": {"name": "n2"}, "status": {}});
        let c = cells("", "nodes", bare);
        assert_eq!(c[1], json!("Unknown"));
        assert_eq!(c[2], json!("<none>"));
        assert_eq!(c[7], json!("<unknown>"));
    }

    #[test]
    fn service_ports_and_external_ips() {
        let svc = json!({
            "metadata": meta("web"),
            "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                     "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 30443}],
                     "selector": {"tier": "front", "app": "web"}},
        });
        let t = print("", "services", svc);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Type".into(), 0),
                ("Cluster-IP".into(), 0),
                ("External-IP".into(), 0),
                ("Port(s)".into(), 0),
                ("Age".into(), 0),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web",
                "NodePort",
                "10.96.0.10",
                "<none>",
                "80/TCP,443:30443/TCP",
                "2d3h",
                "app=web,tier=front"
            ])
        );

        let lb = |status: Value, external: Value| {
            cells(
                "",
                "services",
                json!({"metadata": meta("lb"),
                "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11",
                         "ports": [{"port": 5432, "protocol": "TCP", "nodePort": 31000}],
                         "externalIPs": external},
                "status": {"loadBalancer": status}}),
            )[3]
            .clone()
        };
        assert_eq!(lb(json!({}), json!([])), json!("<pending>"));
        assert_eq!(
            lb(
                json!({"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}),
                json!(["198.51.100.1"])
            ),
            json!("203.0.113.9,lb.example.com,198.51.100.1")
        );

        let headless = cells(
            "",
            "services",
            json!({"metadata": meta("db"),
            "spec": {"clusterIP": "None", "clusterIPs": ["None"]}}),
        );
        assert_eq!(
            &headless[1..5],
            &[
                json!("ClusterIP"),
                json!("None"),
                json!("<none>"),
                json!("<none>")
            ]
        );
        assert_eq!(headless[6], json!("<none>"));

        let external = cells(
            "",
            "services",
            json!({"metadata": meta("ext"),
            "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
        );
        assert_eq!(&external[2..4], &[json!("<none>"), json!("db.example.com")]);
    }

    #[test]
    fn endpoints_list_three_then_more() {
        let ep = json!({"metadata": meta("web"), "subsets": [{
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
            "ports": [{"port": 8080}]}]});
        assert_eq!(
            cells("", "endpoints", ep)[1],
            json!("10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...")
        );
        let v6 = json!({"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]});
        assert_eq!(cells("", "endpoints", v6)[1], json!("[fd00::1]:80"));
        let empty = json!({"metadata": meta("none")});
        assert_eq!(cells("", "endpoints", empty)[1], json!("<none>"));
    }

    #[test]
    fn configmap_secret_serviceaccount_counts_are_integers() {
        let cm = json!({"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(
            cells("", "configmaps", cm),
            vec![json!("cfg"), json!(3), json!("2d3h")]
        );
        let secret = json!({"metadata": meta("tls"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            cells("", "secrets", secret),
            vec![
                json!("tls"),
                json!("kubernetes.io/tls"),
                json!(2),
                json!("2d3h")
            ]
        );
        let sa = json!({"metadata": meta("default")});
        assert_eq!(cells("", "serviceaccounts", sa)[1], json!(0));
    }

    #[test]
    fn events_columns_and_cells() {
        let ev = json!({
            "metadata": {"name": "web-1.17f", "namespace": "default", "creationTimestamp": ago(600)},
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{app}"},
            "reason": "BackOff", "type": "Warning",
            "message": "Back-off restarting failed container app\n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 7,
        });
        let t = print("", "events", ev);
        assert_eq!(
            column_names(&t),
            vec![
                ("Last Seen".into(), 0),
                ("Type".into(), 0),
                ("Reason".into(), 0),
                ("Object".into(), 0),
                ("Subobject".into(), 1),
                ("Source".into(), 1),
                ("Message".into(), 0),
                ("First Seen".into(), 1),
                ("Count".into(), 1),
                ("Name".into(), 1)
            ]
        );
        assert_eq!(t["columnDefinitions"][9]["format"], "name");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "30s",
                "Warning",
                "BackOff",
                "pod/web-1",
                "spec.containers{app}",
                "kubelet, node-1",
                "Back-off restarting failed container app",
                "10m",
                7,
                "web-1.17f"
            ])
        );
    }

    #[test]
    fn events_from_the_new_api_use_event_time_and_series() {
        let ev = json!({
            "metadata": {"name": "e", "creationTimestamp": ago(600)},
            "involvedObject": {"kind": "Node"},
            "reason": "Rebooted", "type": "Normal", "message": "ok",
            "eventTime": "2025-06-01T11:50:00.123456Z",
            "reportingComponent": "kubelet",
        });
        let c = cells("", "events", ev.clone());
        // 9m59.88s ago: ages truncate, they never round up.
        assert_eq!(c[0], json!("9m59s"));
        assert_eq!(c[3], json!("node"));
        assert_eq!(c[5], json!("kubelet"));
        assert_eq!(c[8], json!(1));

        let mut series = ev;
        series["series"] = json!({"count": 4, "lastObservedTime": "2025-06-01T11:59:00.000000Z"});
        let c = cells("", "events", series);
        assert_eq!(c[0], json!("60s"));
        assert_eq!(c[8], json!(4));
    }

    #[test]
    fn persistent_volume_claims_and_volumes() {
        let bound = json!({
            "metadata": meta("data-pg-0"),
            "spec": {"volumeName": "pv-1", "storageClassName": "standard",
                     "resources": {"requests": {"storage": "5Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "10Gi"},
                       "accessModes": ["ReadWriteMany", "ReadWriteOnce"]},
        });
        assert_eq!(
            cells("", "persistentvolumeclaims", bound),
            vec![
                json!("data-pg-0"),
                json!("Bound"),
                json!("pv-1"),
                json!("10Gi"),
                json!("RWO,RWX"),
                json!("standard"),
                json!("<unset>"),
                json!("2d3h"),
                json!("Filesystem")
            ]
        );
        let pending = json!({"metadata": meta("p"), "spec": {"resources": {"requests": {"storage": "5Gi"}}},
                             "status": {"phase": "Pending"}});
        let c = cells("", "persistentvolumeclaims", pending);
        assert_eq!(
            &c[1..6],
            &[json!("Pending"), json!(""), json!(""), json!(""), json!("")]
        );

        let pv = json!({
            "metadata": {"name": "pv-1", "creationTimestamp": ago(86400 * 3),
                         "annotations": {"volume.beta.kubernetes.io/storage-class": "legacy"}},
            "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                     "claimRef": {"namespace": "default", "name": "data-pg-0"}, "volumeMode": "Block"},
            "status": {"phase": "Bound"},
        });
        assert_eq!(
            cells("", "persistentvolumes", pv),
            vec![
                json!("pv-1"),
                json!("10Gi"),
                json!("RWO"),
                json!("Delete"),
                json!("Bound"),
                json!("default/data-pg-0"),
                json!("legacy"),
                json!("<unset>"),
                json!(""),
                json!("3d"),
                json!("Block")
            ]
        );
    }

    // --- workloads -------------------------------------------------------------------------

    #[test]
    fn deployments() {
        let d = json!({
            "metadata": meta("web"),
            "spec": {"replicas": 3,
                     "selector": {"matchLabels": {"app": "web"},
                                  "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                                       {"key": "canary", "operator": "DoesNotExist"}]},
                     "template": {"spec": {"containers": [{"name": "app", "image": "web:1.2"},
                                                          {"name": "proxy", "image": "envoy:1.30"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        });
        let t = print("apps", "deployments", d);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Up-to-date".into(), 0),
                ("Available".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web",
                "2/3",
                3,
                2,
                "2d3h",
                "app,proxy",
                "web:1.2,envoy:1.30",
                "app=web,!canary,tier in (a,b)"
            ])
        );
        // A fresh deployment without status and replicas reads 0/1 (replicas defaults to 1).
        let fresh =
            json!({"metadata": meta("new"), "spec": {"selector": {"matchLabels": {"app": "new"}}}});
        assert_eq!(
            &cells("apps", "deployments", fresh)[1..4],
            &[json!("0/1"), json!(0), json!(0)]
        );
    }

    #[test]
    fn replica_sets_stateful_sets_daemon_sets() {
        let rs = json!({"metadata": meta("web-5d8f"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d8f"}},
                     "template": {"spec": {"containers": [{"name": "app", "image": "web:1"}]}}},
            "status": {"replicas": 3, "readyReplicas": 1}});
        assert_eq!(
            cells("apps", "replicasets", rs),
            vec![
                json!("web-5d8f"),
                json!(3),
                json!(3),
                json!(1),
                json!("2d3h"),
                json!("app"),
                json!("web:1"),
                json!("app=web,pod-template-hash=5d8f")
            ]
        );

        let sts = json!({"metadata": meta("pg"), "spec": {"replicas": 3,
            "template": {"spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}},
            "status": {"readyReplicas": 2}});
        let t = print("apps", "statefulsets", sts);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["pg", "2/3", "2d3h", "postgres", "postgres:16"])
        );

        let ds = json!({"metadata": meta("fluent"), "spec": {
            "selector": {"matchLabels": {"app": "fluent"}},
            "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                  "containers": [{"name": "fb", "image": "fluent-bit:3"}]}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                       "updatedNumberScheduled": 3, "numberAvailable": 2}});
        assert_eq!(
            cells("apps", "daemonsets", ds),
            vec![
                json!("fluent"),
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux"),
                json!("2d3h"),
                json!("fb"),
                json!("fluent-bit:3"),
                json!("app=fluent")
            ]
        );
    }

    #[test]
    fn controller_revisions_name_their_controller() {
        let cr = json!({"metadata": {"name": "pg-7c9", "creationTimestamp": ago(90),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "pg", "controller": true}]},
            "revision": 2});
        assert_eq!(
            cells("apps", "controllerrevisions", cr),
            vec![
                json!("pg-7c9"),
                json!("statefulset.apps/pg"),
                json!(2),
                json!("90s")
            ]
        );
        let orphan = json!({"metadata": {"name": "x"}, "revision": 1});
        assert_eq!(
            cells("apps", "controllerrevisions", orphan)[1],
            json!("<none>")
        );
    }

    fn job(spec: Value, status: Value) -> Value {
        let mut spec = spec;
        spec["template"] = json!({"spec": {"containers": [{"name": "dbt", "image": "dbt:1.10"}]}});
        spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}});
        json!({"metadata": meta("nightly"), "spec": spec, "status": status})
    }

    fn cond(kind: &str, status: &str) -> Value {
        json!({"type": kind, "status": status})
    }

    #[test]
    fn jobs_status_completions_duration() {
        let t = print(
            "batch",
            "jobs",
            job(
                json!({"completions": 1, "parallelism": 1}),
                json!({"startTime": ago(65), "active": 1}),
            ),
        );
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Status".into(), 0),
                ("Completions".into(), 0),
                ("Duration".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "nightly",
                "Running",
                "0/1",
                "65s",
                "2d3h",
                "dbt",
                "dbt:1.10",
                "batch.kubernetes.io/controller-uid=u1"
            ])
        );

        let complete = job(
            json!({"completions": 3}),
            json!({"succeeded": 3, "startTime": ago(600), "completionTime": ago(297),
                   "conditions": [cond("SuccessCriteriaMet", "True"), cond("Complete", "True")]}),
        );
        assert_eq!(
            &cells("batch", "jobs", complete)[1..4],
            &[json!("Complete"), json!("3/3"), json!("5m3s")]
        );

        let states = [
            (
                vec![cond("FailureTarget", "True"), cond("Failed", "True")],
                "Failed",
            ),
            (vec![cond("Suspended", "True")], "Suspended"),
            (vec![cond("FailureTarget", "True")], "FailureTarget"),
            (
                vec![cond("Complete", "False"), cond("Suspended", "False")],
                "Running",
            ),
        ];
        for (conditions, want) in states {
            let j = job(json!({"completions": 1}), json!({"conditions": conditions}));
            assert_eq!(cells("batch", "jobs", j)[1], json!(want));
        }

        let mut deleting = job(json!({"completions": 1}), json!({"active": 1}));
        deleting["metadata"]["deletionTimestamp"] = json!(ago(1));
        assert_eq!(
            cells("batch", "jobs", deleting.clone())[1],
            json!("Terminating")
        );
        // Complete outranks Terminating.
        deleting["status"]["conditions"] = json!([cond("Complete", "True")]);
        assert_eq!(cells("batch", "jobs", deleting)[1], json!("Complete"));

        let queue = job(json!({"parallelism": 3}), json!({"succeeded": 1}));
        let c = cells("batch", "jobs", queue);
        assert_eq!(&c[2..4], &[json!("1/1 of 3"), json!("")]);
    }

    #[test]
    fn cron_jobs() {
        let cj = json!({
            "metadata": meta("sync"),
            "spec": {"schedule": "*/15 * * * *", "timeZone": "Europe/Paris",
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": [
                         {"name": "airbyte", "image": "airbyte/worker:1"}]}}}}},
            "status": {"active": [{"name": "sync-1"}, {"name": "sync-2"}], "lastScheduleTime": ago(90)},
        });
        let t = print("batch", "cronjobs", cj);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Schedule".into(), 0),
                ("Timezone".into(), 0),
                ("Suspend".into(), 0),
                ("Active".into(), 0),
                ("Last Schedule".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(t["columnDefinitions"][3]["type"], "boolean");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "sync",
                "*/15 * * * *",
                "Europe/Paris",
                "False",
                2,
                "90s",
                "2d3h",
                "airbyte",
                "airbyte/worker:1",
                "<none>"
            ])
        );
        let idle =
            json!({"metadata": meta("idle"), "spec": {"schedule": "@daily", "suspend": true}});
        assert_eq!(
            &cells("batch", "cronjobs", idle)[1..6],
            &[
                json!("@daily"),
                json!("<none>"),
                json!("True"),
                json!(0),
                json!("<none>")
            ]
        );
    }

    // --- other built-ins -------------------------------------------------------------------

    #[test]
    fn roles_and_crds_print_created_at() {
        for (group, plural) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
        ] {
            let obj =
                json!({"metadata": {"name": "x", "creationTimestamp": "2025-05-30T08:09:10Z"}});
            let t = print(group, plural, obj);
            assert_eq!(
                column_names(&t),
                vec![("Name".into(), 0), ("Created At".into(), 0)]
            );
            assert_eq!(t["columnDefinitions"][1]["type"], "date");
            assert_eq!(t["rows"][0]["cells"], json!(["x", "2025-05-30T08:09:10Z"]));
        }
    }

    #[test]
    fn role_bindings_list_subjects_in_wide_columns() {
        let rb = json!({"metadata": meta("edit"), "roleRef": {"kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "data"},
                         {"kind": "ServiceAccount", "namespace": "airflow", "name": "worker"},
                         {"kind": "User", "name": "bob"}]});
        let t = print("rbac.authorization.k8s.io", "rolebindings", rb);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "edit",
                "ClusterRole/edit",
                "2d3h",
                "alice, bob",
                "data",
                "airflow/worker"
            ])
        );
        assert_eq!(column_names(&t)[3], ("Users".into(), 1));
    }

    #[test]
    fn pdb_ingress_netpol_lease_storageclass_webhooks() {
        let pdb = json!({"metadata": meta("pg"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            cells("policy", "poddisruptionbudgets", pdb),
            vec![
                json!("pg"),
                json!("50%"),
                json!("N/A"),
                json!(1),
                json!("2d3h")
            ]
        );

        let ing = json!({"metadata": meta("web"), "spec": {"ingressClassName": "nginx",
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {}, {"host": "c.example.com"},
                      {"host": "d.example.com"}],
            "tls": [{"hosts": ["a.example.com"]}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.5"}]}}});
        assert_eq!(
            cells("networking.k8s.io", "ingresses", ing),
            vec![
                json!("web"),
                json!("nginx"),
                json!("a.example.com,b.example.com,c.example.com + 2 more..."),
                json!("203.0.113.5"),
                json!("80, 443"),
                json!("2d3h")
            ]
        );
        let bare = json!({"metadata": meta("any"), "spec": {"defaultBackend": {}}});
        assert_eq!(
            &cells("networking.k8s.io", "ingresses", bare)[1..5],
            &[json!("<none>"), json!("*"), json!(""), json!("80")]
        );

        let np = json!({"metadata": meta("deny"), "spec": {"podSelector": {}}});
        assert_eq!(
            cells("networking.k8s.io", "networkpolicies", np)[1],
            json!("<none>")
        );

        let lease = json!({"metadata": meta("leader"), "spec": {"holderIdentity": "ctrl-0"}});
        assert_eq!(
            cells("coordination.k8s.io", "leases", lease)[1],
            json!("ctrl-0")
        );

        let sc = json!({"metadata": {"name": "standard", "creationTimestamp": ago(86400 * 20),
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            cells("storage.k8s.io", "storageclasses", sc),
            vec![
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("20d")
            ]
        );

        let hook =
            json!({"metadata": meta("cert-manager"), "webhooks": [{"name": "a"}, {"name": "b"}]});
        assert_eq!(
            cells(
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
                hook
            )[1],
            json!(2)
        );
    }

    // --- rows and objects ------------------------------------------------------------------

    #[test]
    fn include_object_shapes_rows() {
        let cm = Arc::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cfg"), "data": {"k": "v"}}),
        );
        let info = info("", "configmaps");
        let none = to_table(&info, std::slice::from_ref(&cm), IncludeObject::None, now());
        assert_eq!(none["kind"], "Table");
        assert_eq!(none["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(none["rows"][0]["object"], Value::Null);
        let partial = to_table(
            &info,
            std::slice::from_ref(&cm),
            IncludeObject::Metadata,
            now(),
        );
        assert_eq!(
            partial["rows"][0]["object"],
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta("cfg")})
        );
        let whole = to_table(
            &info,
            std::slice::from_ref(&cm),
            IncludeObject::Object,
            now(),
        );
        assert_eq!(whole["rows"][0]["object"], *cm);
    }

    #[test]
    fn rows_keep_input_order() {
        let objs: Vec<Arc<Value>> = ["b", "a", "c"]
            .iter()
            .map(|n| Arc::new(json!({"metadata": {"name": n}})))
            .collect();
        let t = to_table(&info("", "secrets"), &objs, IncludeObject::None, now());
        let names: Vec<&str> = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cells"][0].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["b", "a", "c"]);
    }

    #[test]
    fn unknown_kinds_print_name_and_age() {
        let mut unknown = info("", "pods");
        unknown.group = "example.com".into();
        unknown.plural = "widgets".into();
        let obj = Arc::new(json!({"metadata": {"name": "w", "creationTimestamp": ago(303)}}));
        let t = to_table(&unknown, &[obj], IncludeObject::None, now());
        assert_eq!(
            column_names(&t),
            vec![("Name".into(), 0), ("Age".into(), 0)]
        );
        assert_eq!(t["rows"][0]["cells"], json!(["w", "5m3s"]));
    }

    // --- custom resources ------------------------------------------------------------------

    #[test]
    fn crd_printer_columns() {
        let columns = vec![
            json!({"name": "Phase", "type": "string", "jsonPath": ".status.phase"}),
            json!({"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "description": "Desired replicas"}),
            json!({"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}),
            json!({"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused", "priority": 1}),
            json!({"name": "Load", "type": "number", "jsonPath": ".status.load"}),
            json!({"name": "Hosts", "type": "string", "jsonPath": ".spec.hosts"}),
            json!({"name": "First", "type": "string", "jsonPath": ".spec.hosts[0]"}),
            json!({"name": "Missing", "type": "string", "jsonPath": ".status.nothing"}),
            json!({"name": "Wrong Type", "type": "integer", "jsonPath": ".status.phase"}),
            json!({"name": "Last Sync", "type": "date", "jsonPath": ".status.lastSync"}),
            json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
        ];
        let chi = Arc::new(json!({
            "metadata": {"name": "analytics", "creationTimestamp": ago(3 * 3600 + 240)},
            "spec": {"replicas": 2, "paused": false, "hosts": ["ch-0", "ch-1"]},
            "status": {"phase": "Completed", "load": 0.75, "lastSync": "not a time",
                       "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
        }));
        let t = to_table_with_columns(&columns, &[chi], IncludeObject::Metadata, now());
        let defs = t["columnDefinitions"].as_array().unwrap();
        assert_eq!(defs.len(), columns.len() + 1);
        assert_eq!(defs[0]["name"], "Name");
        assert_eq!(defs[0]["format"], "name");
        assert_eq!(
            defs[1]["description"],
            "Custom resource definition column (in JSONPath format): .status.phase"
        );
        assert_eq!(defs[2]["description"], "Desired replicas");
        assert_eq!(defs[4]["priority"], 1);
        assert_eq!(defs[11]["type"], "date");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "analytics",
                "Completed",
                2,
                "True",
                false,
                0.75,
                "[\"ch-0\",\"ch-1\"]",
                "ch-0",
                null,
                null,
                "<invalid>",
                "3h4m"
            ])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }

    #[test]
    fn crd_without_printer_columns_gets_name_and_age() {
        let obj = Arc::new(
            json!({"metadata": {"name": "x", "creationTimestamp": ago(2 * 86400 + 3 * 3600)}}),
        );
        let t = to_table_with_columns(&[], &[obj], IncludeObject::None, now());
        assert_eq!(
            column_names(&t),
            vec![("Name".into(), 0), ("Age".into(), 0)]
        );
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
        assert_eq!(
            t["columnDefinitions"][1]["description"],
            CREATION_TIMESTAMP_DOC
        );
        assert_eq!(t["rows"][0]["cells"], json!(["x", "2d3h"]));
    }
}
