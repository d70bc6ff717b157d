use chrono::TimeZone;
use serde_json::json;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 13, 31, 0).unwrap()
}

fn fixture(name: &str) -> (Value, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/describe/fixtures");
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap_or_default();
    (serde_json::from_str(&json).unwrap(), text)
}

const PROBE_LINES: &[&str] = &["Liveness:", "Startup:", "airflow jobs check", "] delay="];

/// kubectl's lines before `Events:` (the ages in the events table move with the clock).
fn before_events(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|line| !line.starts_with("Events:"))
        .map(str::to_string)
        .collect()
}

fn assert_same(name: &str, skip: &[&str]) {
    let (obj, expected) = fixture(name);
    let ours = describe(&obj, &[], now());
    let keep = |line: &String| {
        !skip
            .iter()
            .any(|prefix| line.trim_start().starts_with(prefix))
    };
    let ours: Vec<String> = before_events(&ours.join("\n"))
        .into_iter()
        .filter(keep)
        .collect();
    let expected: Vec<String> = before_events(&expected).into_iter().filter(keep).collect();
    for (i, (a, b)) in ours.iter().zip(&expected).enumerate() {
        assert_eq!(a, b, "{name}: line {} differs", i + 1);
    }
    assert_eq!(ours.len(), expected.len(), "{name}: {ours:#?}");
}

#[test]
fn pods_read_like_kubectl() {
    // kubectl prints a probe command's line breaks as they are, breaking the row; we keep
    // one row per field.
    assert_same("pod-scheduler", PROBE_LINES);
    assert_same("pod-crashloop", &[]);
}

#[test]
fn workloads_read_like_kubectl() {
    // The replica sets need a lookup this function does not do; kubectl aligns them with the
    // conditions table, whose spacing therefore differs (its words are checked below).
    let mut skip = vec![
        "OldReplicaSets:",
        "NewReplicaSet:",
        "Type ",
        "---",
        "Available ",
        "Progressing ",
    ];
    skip.extend(PROBE_LINES);
    assert_same("deployment", &skip);
    let (obj, _) = fixture("deployment");
    let ours = describe(&obj, &[], now()).join("\n");
    assert!(
        ours.contains("  Available     True    MinimumReplicasAvailable"),
        "{ours}"
    );
    // kubectl counts the pods by phase (a lookup); we say what the status says.
    let mut skip = vec!["Pods Status:"];
    skip.extend(PROBE_LINES);
    assert_same("statefulset", &skip);
    assert_same("replicaset", &skip);
    assert_same("job", &[]);
    assert_same("cronjob", &[]);
}

#[test]
fn services_namespaces_and_secrets_read_like_kubectl() {
    // The endpoints are another object.
    assert_same("service", &["Endpoints:"]);
    assert_same("namespace", &[]);
    assert_same("secret", &[]);
    assert_same("configmap", &[]);
}

#[test]
fn daemon_sets_show_their_scheduling() {
    let daemon_set = json!({
        "kind": "DaemonSet",
        "metadata": {"name": "fluent-bit", "namespace": "logging"},
        "spec": {
            "selector": {"matchLabels": {"app": "fluent-bit"}},
            "template": {
                "metadata": {"labels": {"app": "fluent-bit"}},
                "spec": {"containers": [{"name": "fluent-bit", "image": "fluent/fluent-bit:3.1"}]}
            }
        },
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                   "numberAvailable": 2, "updatedNumberScheduled": 3, "numberUnavailable": 1}
    });
    let text = describe(&daemon_set, &[], now()).join("\n");
    assert!(
        text.contains("Desired Number of Nodes Scheduled: 3"),
        "{text}"
    );
    assert!(
        text.contains("Pods Status:  2 Ready / 1 Unavailable"),
        "{text}"
    );
    assert!(
        text.contains("   fluent-bit:\n    Image:         fluent/fluent-bit:3.1"),
        "{text}"
    );
}

/// Nodes: the lease, the pods on the node and their totals need other objects; the rest must
/// say the same (alignment aside, since the missing lines share a column block).
#[test]
fn nodes_say_what_kubectl_says() {
    let (obj, expected) = fixture("node");
    let ours = describe(&obj, &[], now()).join("\n");
    let normalize = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let ours: Vec<String> = ours.lines().map(normalize).collect();
    for line in before_events(&expected) {
        let line = normalize(&line);
        if line.starts_with("Lease:") || line.starts_with("Kube-Proxy Version:") {
            continue;
        }
        if line.starts_with("Non-terminated Pods:") {
            break;
        }
        assert!(ours.contains(&line), "missing {line:?} in {ours:#?}");
    }
}

#[test]
fn secret_values_never_appear() {
    let (obj, _) = fixture("secret");
    let mut obj = obj;
    obj["stringData"] = json!({"password": "hunter2-plain"});
    obj["metadata"]["annotations"][LAST_APPLIED] =
        json!(r#"{"stringData":{"password":"hunter2-plain"}}"#);
    let text = describe(&obj, &[], now()).join("\n");
    assert!(text.contains("connection:  98 bytes"), "{text}");
    assert!(text.contains("password:    13 bytes"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let encoded = obj["data"]["connection"].as_str().unwrap();
    assert!(!text.contains(encoded), "{text}");
    assert!(!text.contains("postgresql://"), "{text}");
}

#[test]
fn environment_from_secrets_names_the_key_not_the_value() {
    let (obj, _) = fixture("pod-scheduler");
    let text = describe(&obj, &[], now()).join("\n");
    assert!(
        text.contains(
            "AIRFLOW__CORE__FERNET_KEY:            <set to the key 'fernet-key' in secret \
             'airflow-fernet-key'>  Optional: false"
        ),
        "{text}"
    );
}

#[test]
fn cluster_text_cannot_inject_escapes_or_break_the_layout() {
    let pod = json!({
        "kind": "Pod",
        "metadata": {
            "name": "evil\u{1b}]0;pwned\u{7}-pod",
            "namespace": "etl",
            "labels": {"app": "x\ty\nz\u{1b}[31m"},
            "annotations": {"note": "line1\nline2"}
        },
        "spec": {"containers": [{"name": "c", "image": "img\u{9b}2J"}]},
        "status": {"phase": "Running"}
    });
    let lines = describe(&pod, &[], now());
    for line in &lines {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
    assert_eq!(lines[0], "Name:             evil-pod");
    assert!(lines.iter().any(|l| l.ends_with("app=x y z")), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Image:") && l.ends_with("img"))
    );
}

#[test]
fn events_are_a_table_with_ages_and_repeats() {
    let pod = json!({
        "kind": "Pod",
        "metadata": {"name": "dbt-run-1", "namespace": "transformation", "uid": "u1"},
        "spec": {"containers": []},
        "status": {"phase": "Failed"}
    });
    let events = vec![
        json!({
            "involvedObject": {"kind": "Pod", "name": "dbt-run-1", "uid": "u1"},
            "type": "Warning", "reason": "BackOff", "count": 4,
            "firstTimestamp": "2026-11-26T13:20:00Z", "lastTimestamp": "2026-11-26T13:30:00Z",
            "source": {"component": "kubelet"},
            "message": "Back-off restarting failed container dbt\n"
        }),
        json!({
            "involvedObject": {"kind": "Pod", "name": "dbt-run-1", "uid": "u1"},
            "type": "Normal", "reason": "Scheduled", "count": 1,
            "firstTimestamp": "2026-11-26T13:19:00Z", "lastTimestamp": "2026-11-26T13:19:00Z",
            "reportingComponent": "default-scheduler",
            "message": "Successfully assigned transformation/dbt-run-1 to node-a"
        }),
        json!({
            "involvedObject": {"kind": "Pod", "name": "another-pod", "uid": "u2"},
            "type": "Normal", "reason": "Pulled", "count": 1,
            "lastTimestamp": "2026-11-26T13:19:00Z", "message": "not ours"
        }),
    ];
    let lines = describe(&pod, &events, now());
    let start = lines.iter().position(|l| l == "Events:").unwrap();
    assert_eq!(
        &lines[start + 1..],
        [
            "  Type     Reason     Age                From               Message",
            "  ----     ------     ----               ----               -------",
            "  Normal   Scheduled  12m                default-scheduler  Successfully assigned \
             transformation/dbt-run-1 to node-a",
            "  Warning  BackOff    60s (x4 over 11m)  kubelet            Back-off restarting \
             failed container dbt",
        ]
    );
    let none = describe(&pod, &[], now());
    assert_eq!(none.last().unwrap(), "Events:          <none>");
}

#[test]
fn unknown_kinds_fall_back_to_fields() {
    let (mut obj, _) = fixture("configmap");
    obj["kind"] = json!("AirflowConfig");
    let lines = describe(&obj, &[], now());
    assert!(lines[0].starts_with("Name:"), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Kind:") && l.ends_with("AirflowConfig"))
    );
    assert!(lines.iter().any(|l| l == "Data:"), "{lines:#?}");
    let custom = json!({
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "nightly", "namespace": "spark"},
        "spec": {"mode": "cluster", "driver": {"cores": 1}},
        "status": {"applicationState": {"state": "RUNNING"}}
    });
    let lines = describe(&custom, &[], now());
    let text = lines.join("\n");
    assert!(text.contains("Kind:         SparkApplication"), "{text}");
    assert!(
        text.contains("Spec:\n  Driver:\n    Cores:  1\n  Mode:     cluster"),
        "{text}"
    );
    assert!(
        text.contains("Application State:\n    State:  RUNNING"),
        "{text}"
    );
}

#[test]
fn tabwriter_aligns_blocks_like_go() {
    let text = "a:\tx\nlonger:\ty\nno tabs\nb:\tz\n";
    assert_eq!(
        tabwriter(text),
        ["a:       x", "longer:  y", "no tabs", "b:  z"]
    );
    // Nested columns align only over the lines that have them.
    let text = "  T\tS\tR\n  Available\tTrue\tMin\n";
    assert_eq!(
        tabwriter(text),
        ["  T          S     R", "  Available  True  Min"]
    );
}

#[test]
fn terminating_pods_say_for_how_long() {
    let pod = json!({
        "kind": "Pod",
        "metadata": {
            "name": "airflow-worker-0", "namespace": "orchestration",
            "deletionTimestamp": "2026-11-26T13:26:00Z", "deletionGracePeriodSeconds": 30
        },
        "spec": {"containers": []},
        "status": {"phase": "Running"}
    });
    let lines = describe(&pod, &[], now());
    assert!(
        lines.contains(&"Status:                    Terminating (lasts 5m)".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Termination Grace Period:  30s")),
        "{lines:#?}"
    );
}
