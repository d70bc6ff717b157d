//! The pipeline against the simulator's scripted container logs (each tool's real output
//! format, `crates/sim/src/podlogs`), streamed as `pods/log?timestamps=true` streams them:
//! levels per tool, nothing left for a terminal to act on, and the run decoders' verdicts on
//! failed and successful Airflow, Airbyte and dbt runs.

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};
use strata_sim::podlogs::{ContainerRun, lines};

use super::line::{Level, LogLine, MAX_TEXT_BYTES, parse_line};
use super::run::{Outcome, RunProgress, decoder_for};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 11, 42, 43).unwrap()
}

fn pod(name: &str, labels: Value, containers: Value) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "demo", "uid": format!("uid-{name}"), "labels": labels},
        "spec": {"containers": containers},
        "status": {"podIP": "10.244.1.17"},
    })
}

fn c(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

fn c_args(name: &str, image: &str, command: Value, args: Value) -> Value {
    json!({"name": name, "image": image, "command": command, "args": args})
}

/// Entries one container wrote while running `secs` seconds and exiting with `code`.
fn entries(pod: &Value, container: &str, secs: i64, code: i32) -> Vec<(DateTime<Utc>, String)> {
    let end = t0() + TimeDelta::seconds(secs);
    let run = ContainerRun {
        pod,
        container,
        attempt: 0,
        started: t0(),
        finished: Some((end, code)),
    };
    lines(&run, t0(), end + TimeDelta::seconds(5))
        .into_iter()
        .map(|l| (l.at, l.text))
        .collect()
}

/// What a timestamped log stream delivers: the entry's time before its first line, its
/// continuation lines bare (a stack trace written at once), each parsed as the viewer does.
fn stream(entries: &[(DateTime<Utc>, String)]) -> Vec<LogLine> {
    let mut out = Vec::new();
    for (at, text) in entries {
        for (i, part) in text.split('\n').enumerate() {
            let raw = if i == 0 {
                format!("{} {part}", at.to_rfc3339_opts(SecondsFormat::Nanos, true))
            } else {
                part.to_string()
            };
            out.push(parse_line(0, raw.as_bytes(), true));
        }
    }
    out
}

fn container_stream(pod: &Value, container: &str, secs: i64, code: i32) -> Vec<LogLine> {
    stream(&entries(pod, container, secs, code))
}

fn decode(tool: &str, lines: &[LogLine]) -> RunProgress {
    let mut d = decoder_for(tool).unwrap();
    for l in lines {
        d.feed(l);
    }
    d.progress()
}

fn airflow_task_pod(uid: &str) -> Value {
    airflow_try_pod(uid, 2)
}

fn airflow_try_pod(uid: &str, try_number: u32) -> Value {
    let try_number = try_number.to_string();
    json!({
        "metadata": {
            "name": "example-bash-operator-runme-0-x8p2kq1a", "namespace": "orchestration", "uid": uid,
            "labels": {"tier": "airflow", "component": "worker", "release": "airflow", "dag_id": "example_bash_operator", "task_id": "runme_0", "try_number": try_number, "kubernetes_executor": "True"},
            "annotations": {"dag_id": "example_bash_operator", "task_id": "runme_0", "try_number": try_number, "run_id": "manual__2026-11-26T11:43:15.056561+00:00"}
        },
        "spec": {"containers": [c("base", "apache/airflow:3.0.2")]}
    })
}

fn airbyte_pod(source: &str) -> Value {
    pod(
        "replication-job-1234-attempt-0",
        json!({"airbyte": "job-pod", "job_id": "1234", "attempt_id": "0", "job_type": "sync", "sync_step": "orchestrator-replication"}),
        json!([
            c("orchestrator", "airbyte/container-orchestrator:2.0.1"),
            c("source", source),
            c("destination", "airbyte/destination-snowflake:3.15.2"),
        ]),
    )
}

/// The three containers of a replication pod, interleaved by time as a viewer merging
/// them shows them.
fn airbyte_stream(pod: &Value, code: i32) -> Vec<LogLine> {
    let mut all = Vec::new();
    for container in ["orchestrator", "source", "destination"] {
        all.extend(entries(pod, container, 120, code));
    }
    all.sort_by_key(|(at, _)| *at);
    stream(&all)
}

fn dbt_pod(args: &[&str]) -> Value {
    pod(
        "dbt-nightly-29145600-x7k2p",
        json!({"job-name": "dbt-nightly-29145600"}),
        json!([c_args(
            "dbt",
            "ghcr.io/dbt-labs/dbt-duckdb:1.9.latest",
            json!(["dbt"]),
            json!(args)
        )]),
    )
}

#[test]
fn simulated_airflow_task_tries_decode_to_their_outcome() {
    let ok = decode(
        "airflow",
        &container_stream(&airflow_task_pod("u-1"), "base", 30, 0),
    );
    assert_eq!(ok.finished, Some(Outcome::Succeeded));
    assert_eq!(
        ok.headline,
        "airflow example_bash_operator.runme_0 · try 2 · success"
    );
    assert_eq!(ok.reason, None);
    let failed = decode(
        "airflow",
        &container_stream(&airflow_task_pod("u-2"), "base", 30, 1),
    );
    assert_eq!(failed.finished, Some(Outcome::Failed));
    assert_eq!(failed.attempt, Some(2));
    assert_eq!(
        failed.reason.as_deref(),
        // The command's own error, not the BashOperator's "command failed".
        Some("KeyError: 'order_total'")
    );
    assert_eq!(failed.states, ["queued", "running", "failed"]);
}

#[test]
fn a_retried_task_keeps_why_its_first_try_failed() {
    // A run's viewer reads every try's pod, the first before the second.
    let mut lines = container_stream(&airflow_try_pod("u-1", 1), "base", 30, 1);
    let second = container_stream(&airflow_try_pod("u-2", 2), "base", 30, 0);
    lines.extend(second.iter().take(second.len() / 2).cloned());
    let retrying = decode("airflow", &lines);
    assert_eq!(retrying.attempt, Some(2));
    assert_eq!(retrying.finished, None, "{}", retrying.headline);
    assert_eq!(retrying.failures.len(), 1);
    assert_eq!(retrying.failures[0].what, "try 1");
    assert!(
        retrying
            .headline
            .contains("try 1 failed: KeyError: 'order_total'"),
        "{}",
        retrying.headline
    );
}

#[test]
fn simulated_airbyte_syncs_decode_records_streams_and_the_connector_error() {
    let pod = airbyte_pod("airbyte/source-postgres:3.6.28");
    let ok = decode("airbyte", &airbyte_stream(&pod, 0));
    assert_eq!(ok.finished, Some(Outcome::Succeeded), "{}", ok.headline);
    assert_eq!(ok.attempt, Some(0));
    assert!(ok.records.is_some_and(|r| r > 0), "{ok:?}");
    assert!(ok.bytes.is_some_and(|b| b > 0));
    assert_eq!(
        (ok.done, ok.total),
        (Some(4), Some(4)),
        "all four streams complete"
    );
    assert_eq!(ok.reason, None);
    assert!(
        ok.headline
            .starts_with("airbyte sync · job 1234 attempt 0 · ")
    );

    let failed = decode("airbyte", &airbyte_stream(&pod, 1));
    assert_eq!(failed.finished, Some(Outcome::Failed));
    let reason = failed.reason.unwrap();
    assert!(
        reason.starts_with(
            "source: Could not connect with provided configuration. Connection refused"
        ),
        "{reason}"
    );
    assert!(reason.contains("orders-db.ingestion:5432"), "{reason}");
    // An API source fails on HTTP: the generic message gives way to the internal one.
    let stripe = decode(
        "airbyte",
        &airbyte_stream(&airbyte_pod("airbyte/source-stripe:5.8.3"), 1),
    );
    let reason = stripe.reason.unwrap();
    assert!(
        reason.starts_with(
            "source: 401 Client Error: Unauthorized for url: https://api.example.com/v1/"
        ),
        "{reason}"
    );
}

#[test]
fn simulated_dbt_runs_decode_in_text_and_json() {
    for format in [&["build"][..], &["build", "--log-format", "json"][..]] {
        let p = dbt_pod(format);
        let ok = decode("dbt", &container_stream(&p, "dbt", 90, 0));
        assert_eq!(ok.finished, Some(Outcome::Succeeded), "{format:?}");
        assert!(ok.failures.is_empty());
        assert!(ok.done.is_some() && ok.done == ok.total, "{}", ok.headline);
        assert!(ok.headline.ends_with("· succeeded"), "{}", ok.headline);

        let failed = decode("dbt", &container_stream(&p, "dbt", 90, 1));
        assert_eq!(failed.finished, Some(Outcome::Failed), "{format:?}");
        assert!(!failed.failures.is_empty(), "{}", failed.headline);
        for f in &failed.failures {
            // The detailed message reached each failure, not just its status word.
            assert!(
                f.error.starts_with("Got ") || f.error.contains("Error in model"),
                "{format:?} {f:?}"
            );
        }
        let reason = failed.reason.unwrap();
        assert!(
            failed
                .failures
                .iter()
                .any(|f| reason.starts_with(&format!("{}: ", f.what))),
            "{reason}"
        );
        assert!(failed.headline.ends_with("· failed"));

        let crashed = decode("dbt", &container_stream(&p, "dbt", 20, 2));
        assert_eq!(crashed.finished, Some(Outcome::Failed));
        let reason = crashed.reason.unwrap();
        assert!(
            reason.starts_with("Runtime Error: Could not find profile named")
                || reason.starts_with("Database Error: connection to server at"),
            "{format:?} {reason}"
        );
    }
}

/// One container of each tool the simulator scripts, as (name, pod, container).
fn tool_pods() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("airflow task", airflow_task_pod("u-3"), "base"),
        (
            "airbyte orchestrator",
            airbyte_pod("airbyte/source-postgres:3.6.28"),
            "orchestrator",
        ),
        (
            "airbyte source",
            airbyte_pod("airbyte/source-stripe:5.8.3"),
            "source",
        ),
        (
            "airbyte destination",
            {
                // A failed sync fails in one connector; make it this one.
                let mut pod = airbyte_pod("airbyte/source-postgres:3.6.28");
                pod["metadata"]["annotations"] =
                    json!({"sim.strata.dev/script": "fail-in=destination"});
                pod
            },
            "destination",
        ),
        ("dbt text", dbt_pod(&["build"]), "dbt"),
        (
            "dbt json",
            dbt_pod(&["build", "--log-format", "json"]),
            "dbt",
        ),
        (
            "spark driver",
            pod(
                "spark-pi-driver",
                json!({"spark-role": "driver", "sparkoperator.k8s.io/app-name": "spark-pi"}),
                json!([c("spark-kubernetes-driver", "apache/spark:3.5.3")]),
            ),
            "spark-kubernetes-driver",
        ),
        (
            "spark executor",
            pod(
                "spark-pi-exec-1",
                json!({"spark-role": "executor", "spark-exec-id": "1"}),
                json!([c_args(
                    "spark-kubernetes-executor",
                    "apache/spark:3.5.3",
                    Value::Null,
                    json!(["executor"])
                )]),
            ),
            "spark-kubernetes-executor",
        ),
        (
            "dagster run",
            pod(
                "dagster-run-9b1c",
                json!({"app.kubernetes.io/name": "dagster", "app.kubernetes.io/component": "run_worker", "dagster/run-id": "9b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", "dagster/job": "daily_orders"}),
                json!([c("dagster", "acme/analytics-code:2026.11.2")]),
            ),
            "dagster",
        ),
        (
            "prefect flow run",
            pod(
                "amber-fox-x2k9q",
                json!({"prefect.io/flow-run-id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"}),
                json!([c_args(
                    "prefect-job",
                    "prefecthq/prefect:3.8.3-python3.11",
                    Value::Null,
                    json!(["prefect", "flow-run", "execute"])
                )]),
            ),
            "prefect-job",
        ),
        (
            "trino coordinator",
            pod(
                "trino-coordinator-6d9f8",
                json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator"}),
                json!([c("trino-coordinator", "trinodb/trino:480")]),
            ),
            "trino-coordinator",
        ),
        (
            "metabase",
            pod(
                "metabase-7c9",
                json!({"app": "metabase"}),
                json!([c("metabase", "metabase/metabase:v0.59.6")]),
            ),
            "metabase",
        ),
        (
            "meltano",
            pod(
                "meltano-github-x1",
                json!({}),
                json!([c_args(
                    "meltano",
                    "meltano/meltano:v3.5.4",
                    Value::Null,
                    json!(["meltano", "run", "tap-github", "target-postgres"])
                )]),
            ),
            "meltano",
        ),
        (
            "airflow migrations",
            pod(
                "airflow-run-airflow-migrations-x",
                json!({"tier": "airflow", "component": "run-airflow-migrations", "release": "airflow"}),
                json!([c("run-airflow-migrations", "apache/airflow:3.0.2")]),
            ),
            "run-airflow-migrations",
        ),
        (
            "generic app",
            pod(
                "orders-api-5d",
                json!({"app": "orders-api"}),
                json!([c("api", "acme/orders-api:1.4.2")]),
            ),
            "api",
        ),
    ]
}

#[test]
fn each_simulated_tool_marks_its_failure_lines_as_errors() {
    let mut missing = Vec::new();
    for (name, pod, container) in tool_pods() {
        let lines = container_stream(&pod, container, 120, 1);
        assert!(!lines.is_empty(), "{name} wrote nothing");
        if !lines.iter().any(|l| l.level >= Level::Error) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "no error line in the failed runs of {missing:?}"
    );
}

#[test]
fn successful_simulated_runs_have_no_error_lines() {
    let mut wrong = Vec::new();
    for (name, pod, container) in tool_pods() {
        for l in container_stream(&pod, container, 120, 0) {
            if l.level >= Level::Error {
                wrong.push(format!("{name}: {}", l.text));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_simulated_hostile_container_leaves_nothing_for_the_terminal() {
    let noisy = pod(
        "noisy-logger",
        json!({}),
        json!([c("noisy", "busybox:1.36")]),
    );
    let run = ContainerRun {
        pod: &noisy,
        container: "noisy",
        attempt: 0,
        started: t0(),
        finished: None,
    };
    let all: Vec<(DateTime<Utc>, String)> = lines(&run, t0(), t0() + TimeDelta::seconds(60))
        .into_iter()
        .map(|l| (l.at, l.text))
        .collect();
    assert!(
        all.iter().any(|(_, t)| t.contains('\x1b')),
        "the samples are hostile"
    );
    let parsed = stream(&all);
    for l in &parsed {
        assert!(
            !l.text
                .chars()
                .any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}')),
            "{:?}",
            l.text
        );
    }
    let coloured = parsed
        .iter()
        .find(|l| l.text.contains("ERROR coloured output"))
        .unwrap();
    assert_eq!(coloured.level, Level::Error);
    assert!(coloured.style_runs().len() >= 4);
    let long = parsed
        .iter()
        .find(|l| l.text.contains("payload dump"))
        .unwrap();
    assert!(long.text.len() < MAX_TEXT_BYTES + 64);
    assert!(long.text.ends_with("bytes more]"));
    // Every line kept its container timestamp.
    assert!(parsed.iter().all(|l| l.at.is_some()));
}
