//! Tests of the scripted pod logs: windows, determinism, endings per exit code, formats and
//! tool detection from the labels and images of the rendered charts (fixtures/charts).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};

use super::detect::{Tool, detect};
use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 11, 42, 43).unwrap()
}

fn secs(s: i64) -> TimeDelta {
    TimeDelta::seconds(s)
}

/// A pod with one container (plus optional init containers) as the simulator stores it.
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

fn run<'a>(pod: &'a Value, container: &'a str, finished: Option<(i64, i32)>) -> ContainerRun<'a> {
    ContainerRun {
        pod,
        container,
        attempt: 0,
        started: t0(),
        finished: finished.map(|(s, code)| (t0() + secs(s), code)),
    }
}

fn texts(lines: &[LogLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
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

fn ctx_of<'a>(pod: &'a Value, container: &'a str) -> Ctx<'a> {
    Ctx::new(&run(pod, container, None))
}

fn tool_of(pod: &Value, container: &str) -> Tool {
    detect(&ctx_of(pod, container))
}

#[test]
fn same_inputs_give_the_same_lines_and_attempts_differ() {
    let p = dbt_pod(&["build"]);
    let r = run(&p, "dbt", Some((90, 0)));
    let a = lines(&r, t0(), t0() + secs(120));
    let b = lines(&r, t0(), t0() + secs(120));
    assert!(
        a.len() > 20,
        "a dbt build writes a real log, got {}",
        a.len()
    );
    assert_eq!(a, b);
    // A retry is a new run: same shape, different timings.
    let retry = ContainerRun { attempt: 1, ..r };
    assert_ne!(a, lines(&retry, t0(), t0() + secs(120)));
}

/// Splits `[from, until)` at the given points and checks the pieces add up to the whole.
fn assert_partition(
    r: &ContainerRun<'_>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    cuts: &[TimeDelta],
) {
    let whole = lines(r, from, until);
    assert!(!whole.is_empty());
    let mut pieces = Vec::new();
    let mut at = from;
    for cut in cuts {
        let next = from + *cut;
        pieces.extend(lines(r, at, next));
        at = next;
    }
    pieces.extend(lines(r, at, until));
    assert_eq!(texts(&whole), texts(&pieces));
    assert_eq!(whole, pieces);
    assert!(
        whole.windows(2).all(|w| w[0].at <= w[1].at),
        "lines are in time order"
    );
    assert!(whole.iter().all(|l| from <= l.at && l.at < until));
}

#[test]
fn adjacent_windows_partition_the_lines_exactly() {
    let cuts: Vec<TimeDelta> = [1, 1_500, 2_999, 3_000, 3_001, 7_777, 20_000, 45_123, 61_000]
        .iter()
        .map(|ms| TimeDelta::milliseconds(*ms))
        .chain([
            TimeDelta::microseconds(4_000_250),
            TimeDelta::microseconds(4_000_251),
        ])
        .collect::<Vec<_>>();
    let mut sorted = cuts.clone();
    sorted.sort();
    let dbt = dbt_pod(&["build"]);
    assert_partition(
        &run(&dbt, "dbt", Some((70, 1))),
        t0() - secs(5),
        t0() + secs(80),
        &sorted,
    );
    let trino = pod(
        "trino-coordinator-6d9f8",
        json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator"}),
        json!([c("trino-coordinator", "trinodb/trino:480")]),
    );
    assert_partition(
        &run(&trino, "trino-coordinator", None),
        t0(),
        t0() + secs(70),
        &sorted,
    );
    let repl = airbyte_replication_pod();
    assert_partition(
        &run(&repl, "orchestrator", Some((65, 0))),
        t0(),
        t0() + secs(70),
        &sorted,
    );
    let noisy = pod(
        "noisy-logger",
        json!({}),
        json!([c("noisy", "busybox:1.36")]),
    );
    assert_partition(&run(&noisy, "noisy", None), t0(), t0() + secs(70), &sorted);
}

#[test]
fn finished_runs_write_nothing_at_or_after_the_exit() {
    let p = dbt_pod(&["run"]);
    let r = run(&p, "dbt", Some((40, 0)));
    let all = lines(&r, t0() - secs(60), t0() + secs(3600));
    assert!(all.iter().all(|l| l.at < t0() + secs(40)));
    assert!(lines(&r, t0() + secs(40), t0() + secs(3600)).is_empty());
    // A server killed after a minute stops at its kill time, even with a beat.
    let pg = pod(
        "orders-db-0",
        json!({}),
        json!([c("postgres", "postgres:16.4")]),
    );
    let r = run(&pg, "postgres", Some((3600, 143)));
    let all = lines(&r, t0(), t0() + secs(7200));
    let last = all.last().unwrap();
    assert!(last.at < t0() + secs(3600));
    assert!(
        last.text.ends_with("database system is shut down"),
        "{}",
        last.text
    );
}

#[test]
fn a_run_laid_out_while_running_keeps_its_lines_after_it_exits() {
    // The script says the pod exits after 60 s with code 1; asking before the exit and after
    // the exit (with `finished` set) gives the same lines up to then.
    let mut p = dbt_pod(&["run"]);
    p["metadata"]["annotations"] = json!({"sim.strata.dev/script": "exit=60s,code=1"});
    let running = run(&p, "dbt", None);
    let finished = run(&p, "dbt", Some((60, 1)));
    let before = lines(&running, t0(), t0() + secs(30));
    assert_eq!(before, lines(&finished, t0(), t0() + secs(30)));
    let whole = lines(&running, t0(), t0() + secs(600));
    assert_eq!(whole, lines(&finished, t0(), t0() + secs(600)));
    assert!(
        whole.last().unwrap().text.contains("ERROR=1")
            || whole.last().unwrap().text.contains("ERROR=2")
    );
}

#[test]
fn dbt_exit_codes_end_with_the_matching_summary() {
    let p = dbt_pod(&["build", "--target", "prod"]);
    let ok = lines(&run(&p, "dbt", Some((60, 0))), t0(), t0() + secs(60));
    let failed = lines(&run(&p, "dbt", Some((60, 1))), t0(), t0() + secs(60));
    let ok_text = texts(&ok).join("\n");
    let failed_text = texts(&failed).join("\n");

    assert!(ok_text.contains("Running with dbt=1.10.23"));
    assert!(ok_text.contains("Registered adapter: duckdb=1.9.6"));
    assert!(ok_text.contains("Concurrency: 4 threads (target='prod')"));
    assert!(ok_text.contains("\x1b[32mCompleted successfully\x1b[0m"));
    assert!(!ok_text.contains("Failure in"));
    let last_ok = ok.last().unwrap().text.as_str();
    assert!(
        last_ok.starts_with("\x1b[0m") && last_ok.contains("  Done. PASS="),
        "{last_ok}"
    );
    assert!(last_ok.contains(" ERROR=0 SKIP=0 NO-OP=0 TOTAL="));

    assert!(failed_text.contains("\x1b[31mCompleted with"));
    // A build runs tests: its failure is a failing data test, reported in the summary.
    assert!(failed_text.contains(" FAIL "));
    assert!(failed_text.contains("\x1b[31mFailure in test "));
    assert!(failed_text.contains(", configured to fail if != 0"));
    assert!(failed_text.contains("compiled code at target/compiled/shop/"));
    let last_failed = failed.last().unwrap().text.as_str();
    assert!(last_failed.contains("Done. PASS="));
    assert!(!last_failed.contains("ERROR=0"), "{last_failed}");

    // `dbt run` has no tests: a model errors and its children are skipped, as dbt does.
    let run_pod = dbt_pod(&["run"]);
    let failed_run = lines(&run(&run_pod, "dbt", Some((60, 1))), t0(), t0() + secs(60));
    let failed_run_text = texts(&failed_run).join("\n");
    assert!(failed_run_text.contains("\x1b[31mFailure in model "));
    assert!(failed_run_text.contains("[\x1b[31mERROR\x1b[0m in "));
    assert!(failed_run_text.contains("SKIP relation main."));
    assert!(!failed_run_text.contains(" START test "));

    // Exit 2 is dbt's unhandled error: no nodes run.
    let crashed = lines(&run(&p, "dbt", Some((5, 2))), t0(), t0() + secs(5));
    let crashed_text = texts(&crashed).join("\n");
    assert!(crashed_text.contains("Encountered an error:"));
    assert!(!crashed_text.contains(" START "));
}

#[test]
fn dbt_text_lines_follow_the_cli_layout() {
    let p = dbt_pod(&["run"]);
    let all = lines(&run(&p, "dbt", Some((30, 0))), t0(), t0() + secs(30));
    let start = all.iter().find(|l| l.text.contains(" START sql ")).unwrap();
    // `\x1b[0mHH:MM:SS  ` then the message justified to 80 columns with dots, as in
    // fixtures/dbt/dbt-build-text.log (the status bracket starts at byte 94).
    assert_eq!(start.text.find(" ["), Some(94), "{:?}", start.text);
    assert!(start.text.ends_with(" [RUN]"));
    assert_eq!(&start.text[4..12], start.at.format("%H:%M:%S").to_string());
    let ok = all
        .iter()
        .find(|l| l.text.contains(" OK created sql "))
        .unwrap();
    assert!(ok.text.contains("[\x1b[32mOK\x1b[0m in "), "{:?}", ok.text);
    // A blank line keeps the prefix and its two spaces.
    assert!(
        all.iter()
            .any(|l| l.text.len() == 14 && l.text.ends_with("  "))
    );
}

#[test]
fn dbt_json_log_format_writes_dbt_events() {
    let p = dbt_pod(&["build", "--log-format", "json"]);
    assert_eq!(tool_of(&p, "dbt"), Tool::Dbt { json: true });
    let all = lines(&run(&p, "dbt", Some((60, 1))), t0(), t0() + secs(60));
    let events: Vec<Value> = all
        .iter()
        .map(|l| serde_json::from_str(&l.text).expect("each line is JSON"))
        .collect();
    assert!(all[0].text.starts_with("{\"data\": {\"log_version\": 3, \"version\": \"=1.10.23\"}, \"info\": {\"category\": \"\", \"code\": \"A001\""));
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["info"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "MainReportVersion");
    assert!(
        names.contains(&"LogStartLine")
            && names.contains(&"LogModelResult")
            && names.contains(&"LogTestResult")
    );
    assert!(names.contains(&"RunResultFailure"));
    assert_eq!(names.last(), Some(&"StatsLine"));
    let start = events
        .iter()
        .find(|e| e["info"]["name"] == "LogStartLine")
        .unwrap();
    assert_eq!(start["data"]["node_info"]["node_status"], "started");
    assert!(
        start["data"]["node_info"]["unique_id"]
            .as_str()
            .unwrap()
            .contains(".shop.")
    );
    // `ts` matches the line's time.
    let ts = events[0]["info"]["ts"].as_str().unwrap();
    assert!(ts.starts_with(&all[0].at.format("%Y-%m-%dT%H:%M:%S").to_string()));
}

#[test]
fn huge_windows_stay_bounded_and_keep_the_newest_lines() {
    let trino = pod(
        "trino-coordinator-6d9f8",
        json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator"}),
        json!([c("trino-coordinator", "trinodb/trino:480")]),
    );
    let r = run(&trino, "trino-coordinator", None);
    let until = t0() + TimeDelta::days(30);
    let all = lines(&r, t0(), until);
    assert!(all.len() <= MAX_LINES);
    assert!(all.len() > MAX_LINES / 2);
    // The newest lines are the same as those of a small window at the end.
    let tail = lines(&r, until - secs(600), until);
    assert!(!tail.is_empty());
    assert_eq!(&all[all.len() - tail.len()..], &tail[..]);
    // The noisy container's long lines do not blow the bound up either.
    let noisy = pod(
        "noisy-logger",
        json!({}),
        json!([c("noisy", "busybox:1.36")]),
    );
    let all = lines(&run(&noisy, "noisy", None), t0(), t0() + TimeDelta::days(7));
    assert!(all.len() <= MAX_LINES);
    let bytes: usize = all.iter().map(|l| l.text.len()).sum();
    assert!(bytes < 8 * 1024 * 1024, "{bytes} bytes");
}

#[test]
fn servers_log_periodically_forever() {
    let pg = pod(
        "orders-db-0",
        json!({}),
        json!([c("postgres", "postgres:16.4")]),
    );
    let r = run(&pg, "postgres", None);
    let day3 = t0() + TimeDelta::days(3);
    let later = lines(&r, day3, day3 + secs(3600));
    assert!(
        later
            .iter()
            .any(|l| l.text.contains("checkpoint complete: wrote"))
    );
    let sched = airflow_pod("airflow-scheduler-5d8c7", "scheduler", "scheduler");
    let r = run(&sched, "scheduler", None);
    let n = lines(&r, day3, day3 + secs(300)).len();
    assert!(
        n >= 10,
        "a scheduler writes every few seconds, got {n} lines in 5 min"
    );
}

#[test]
fn noisy_container_writes_hostile_text() {
    let noisy = pod(
        "noisy-logger",
        json!({}),
        json!([c("noisy", "busybox:1.36")]),
    );
    let all = lines(&run(&noisy, "noisy", None), t0(), t0() + secs(60));
    let text = texts(&all).join("\n");
    assert!(
        text.contains("\x1b[2J") && text.contains("\x1b]0;"),
        "escape sequences"
    );
    assert!(
        text.contains('\u{FFFD}')
            && text.contains('\r')
            && text.contains('\0')
            && text.contains('\u{202E}')
    );
    assert!(all.iter().any(|l| l.text.len() >= noisy::LONG_LINE));
}

#[test]
fn airflow_task_pods_write_task_runner_json_ending_by_exit_code() {
    let mut p = json!({
        "metadata": {
            "name": "example-bash-operator-runme-0-x8p2kq1a", "namespace": "orchestration", "uid": "u-1",
            "labels": {"tier": "airflow", "component": "worker", "release": "airflow", "dag_id": "example_bash_operator", "task_id": "runme_0", "try_number": "1", "kubernetes_executor": "True", "airflow_version": "3.0.2"},
            "annotations": {"dag_id": "example_bash_operator", "task_id": "runme_0", "try_number": "1", "run_id": "manual__2026-11-26T11:43:15.056561+00:00"}
        },
        "spec": {"containers": [c("base", "apache/airflow:3.0.2")]}
    });
    assert_eq!(tool_of(&p, "base"), Tool::Airflow(airflow::Role::Task));
    let ok = lines(&run(&p, "base", Some((30, 0))), t0(), t0() + secs(30));
    let events: Vec<Value> = ok
        .iter()
        .map(|l| serde_json::from_str(&l.text).expect("JSON line"))
        .collect();
    assert!(events.iter().any(|e| e["event"] == "::group::Pre Execute"));
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "Current task name:runme_0")
    );
    assert_eq!(
        events.iter().find(|e| e["event"] == "Output:").unwrap()["run_id"],
        "manual__2026-11-26T11:43:15.056561+00:00"
    );
    assert_eq!(
        events.last().unwrap()["event"],
        "Task operator:<Task(BashOperator): runme_0>"
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "Task instance in success state")
    );
    p["metadata"]["uid"] = json!("u-2");
    let failed = lines(&run(&p, "base", Some((30, 1))), t0(), t0() + secs(30));
    let events: Vec<Value> = failed
        .iter()
        .map(|l| serde_json::from_str(&l.text).expect("JSON line"))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "Task failed with exception" && e["level"] == "error")
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "Task instance in failure state")
    );
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "Task instance in success state")
    );
}

fn airbyte_replication_pod() -> Value {
    pod(
        "replication-job-1234-attempt-0",
        json!({"airbyte": "job-pod", "job_id": "1234", "attempt_id": "0", "job_type": "sync", "sync_step": "orchestrator-replication"}),
        json!([
            c("orchestrator", "airbyte/container-orchestrator:2.0.1"),
            c("source", "airbyte/source-stripe:5.8.3"),
            c("destination", "airbyte/destination-snowflake:3.15.2"),
        ]),
    )
}

#[test]
fn airbyte_replication_pod_writes_platform_lines_and_protocol_messages() {
    let p = airbyte_replication_pod();
    let orch = lines(
        &run(&p, "orchestrator", Some((120, 0))),
        t0(),
        t0() + secs(120),
    );
    let text = texts(&orch).join("\n");
    assert!(
        text.contains("----- START REPLICATION -----")
            && text.contains("----- END REPLICATION -----")
    );
    assert!(text.contains("start sync worker. job id: 1234 attempt id: 0"));
    assert!(text.contains("Setting up source with image airbyte/source-stripe:5.8.3."));
    assert!(text.contains("\x1b[34mINFO\x1b[0;39m\ti.a.c.o.w."));
    let failed = lines(
        &run(&p, "orchestrator", Some((120, 1))),
        t0(),
        t0() + secs(120),
    );
    assert!(
        texts(&failed)
            .join("\n")
            .contains("\"status\" : \"failed\"")
    );

    let src = lines(&run(&p, "source", Some((120, 1))), t0(), t0() + secs(120));
    let msgs: Vec<Value> = src
        .iter()
        .map(|l| serde_json::from_str(&l.text).expect("protocol message"))
        .collect();
    assert!(msgs.iter().all(|m| m["type"].is_string()));
    assert!(msgs.iter().any(|m| m["type"] == "STATE"));
    assert!(
        msgs.iter()
            .any(|m| m["type"] == "TRACE" && m["trace"]["type"] == "ERROR")
    );
    assert!(
        msgs.iter()
            .any(|m| m["log"]["message"] == "Starting syncing SourceStripe")
    );
    // By default a failed sync failed in its source: the destination shows no error.
    let errors = |p: &Value, container: &str| -> Vec<Value> {
        lines(&run(p, container, Some((120, 1))), t0(), t0() + secs(120))
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(&l.text).ok())
            .filter(|m| m["trace"]["type"] == "ERROR")
            .collect()
    };
    assert!(errors(&p, "destination").is_empty());
    // `fail-in=destination`: the destination's error, worded as its warehouse reports it, the
    // source cut off without one, and the orchestrator's summary naming the destination.
    let mut dest_fails = p.clone();
    dest_fails["metadata"]["annotations"] =
        json!({"sim.strata.dev/script": "exit=120s,code=1,fail-in=destination"});
    let dst = errors(&dest_fails, "destination");
    assert_eq!(dst.len(), 1);
    assert_eq!(dst[0]["trace"]["error"]["failure_type"], "config_error");
    let internal = dst[0]["trace"]["error"]["internal_message"]
        .as_str()
        .unwrap();
    assert!(internal.contains("SnowflakeSQLException"), "{internal}");
    assert!(errors(&dest_fails, "source").is_empty());
    let orch = texts(&lines(
        &run(&dest_fails, "orchestrator", Some((120, 1))),
        t0(),
        t0() + secs(120),
    ))
    .join("\n");
    assert!(
        orch.contains("DestinationException: Destination process exited with non-zero exit code 1")
    );
    assert!(orch.contains("\"failureOrigin\" : \"destination\""));
    assert!(orch.contains(&format!("\"internalMessage\" : {}", jstr(internal))));
}

#[test]
fn spark_driver_uses_log4j_and_ends_by_exit_code() {
    let p = pod(
        "spark-pi-driver",
        json!({"spark-role": "driver", "sparkoperator.k8s.io/app-name": "spark-pi", "spark-app-selector": "spark-1f2e"}),
        json!([c("spark-kubernetes-driver", "apache/spark:3.5.3")]),
    );
    let ok = lines(
        &run(&p, "spark-kubernetes-driver", Some((90, 0))),
        t0(),
        t0() + secs(90),
    );
    let line = ok
        .iter()
        .find(|l| l.text.contains("Running Spark version"))
        .unwrap();
    assert_eq!(
        line.text,
        format!(
            "{} INFO SparkContext: Running Spark version 3.5.3",
            line.at.format("%y/%m/%d %H:%M:%S")
        )
    );
    assert!(texts(&ok).contains(&"Pi is roughly 3.1417391141739114"));
    assert!(
        ok.last()
            .unwrap()
            .text
            .contains("ShutdownHookManager: Deleting directory")
    );
    let failed = lines(
        &run(&p, "spark-kubernetes-driver", Some((90, 1))),
        t0(),
        t0() + secs(90),
    );
    assert!(
        texts(&failed)
            .join("\n")
            .contains("Exception in thread \"main\" org.apache.spark.SparkException")
    );
    // The operator's driver args name the application class and jar.
    let app = pod(
        "orders-enrichment-1-driver",
        json!({"spark-role": "driver", "sparkoperator.k8s.io/app-name": "orders-enrichment"}),
        json!([c_args(
            "spark-kubernetes-driver",
            "apache/spark:3.5.5",
            Value::Null,
            json!([
                "driver",
                "--properties-file",
                "/opt/spark/conf/spark.properties",
                "--class",
                "com.example.analytics.OrdersEnrichment",
                "local:///opt/spark/jars/orders-enrichment-assembly-1.4.0.jar"
            ])
        )]),
    );
    let text = texts(&lines(
        &run(&app, "spark-kubernetes-driver", Some((85, 1))),
        t0(),
        t0() + secs(85),
    ))
    .join("\n");
    assert!(text.contains("--class com.example.analytics.OrdersEnrichment local:///opt/spark/jars/orders-enrichment-assembly-1.4.0.jar"));
    assert!(text.contains("INFO SparkContext: Running Spark version 3.5.5"));
    assert!(
        text.contains("\tat com.example.analytics.OrdersEnrichment.main(OrdersEnrichment.scala)")
    );
}

fn airflow_pod(name: &str, component: &str, container: &str) -> Value {
    pod(
        name,
        json!({"tier": "airflow", "component": component, "release": "airflow"}),
        json!([c_args(
            container,
            "apache/airflow:3.0.2",
            Value::Null,
            json!(["bash", "-c", format!("exec airflow {component}")])
        )]),
    )
}

#[test]
fn detects_airflow_chart_components() {
    use airflow::Role;
    let cases = [
        ("scheduler", "scheduler", Role::Scheduler),
        ("api-server", "api-server", Role::ApiServer),
        ("dag-processor", "dag-processor", Role::DagProcessor),
        ("triggerer", "triggerer", Role::Triggerer),
    ];
    for (component, container, role) in cases {
        let p = airflow_pod(&format!("airflow-{component}-0"), component, container);
        assert_eq!(tool_of(&p, container), Tool::Airflow(role), "{component}");
    }
    let groomer = pod(
        "airflow-scheduler-1",
        json!({"tier": "airflow", "component": "scheduler"}),
        json!([c_args(
            "scheduler-log-groomer",
            "apache/airflow:3.0.2",
            Value::Null,
            json!(["bash", "/clean-logs"])
        )]),
    );
    assert_eq!(
        tool_of(&groomer, "scheduler-log-groomer"),
        Tool::Airflow(Role::LogGroomer)
    );
    let mut wait = airflow_pod("airflow-scheduler-2", "scheduler", "scheduler");
    wait["spec"]["initContainers"] = json!([c_args(
        "wait-for-airflow-migrations",
        "apache/airflow:3.0.2",
        Value::Null,
        json!([
            "airflow",
            "db",
            "check-migrations",
            "--migration-wait-timeout=60"
        ])
    )]);
    assert_eq!(
        tool_of(&wait, "wait-for-airflow-migrations"),
        Tool::Airflow(Role::WaitMigrations)
    );
    let statsd = pod(
        "airflow-statsd-1",
        json!({"tier": "airflow", "component": "statsd"}),
        json!([c("statsd", "quay.io/prometheus/statsd-exporter:v0.28.0")]),
    );
    assert_eq!(tool_of(&statsd, "statsd"), Tool::Airflow(Role::Statsd));
    let pgb = pod(
        "airflow-pgbouncer-1",
        json!({"tier": "airflow", "component": "pgbouncer"}),
        json!([
            c(
                "pgbouncer",
                "apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1"
            ),
            c(
                "metrics-exporter",
                "apache/airflow:airflow-pgbouncer-exporter-2025.03.05-0.18.0"
            )
        ]),
    );
    assert_eq!(tool_of(&pgb, "pgbouncer"), Tool::Airflow(Role::Pgbouncer));
    assert_eq!(
        tool_of(&pgb, "metrics-exporter"),
        Tool::Airflow(Role::PgbouncerExporter)
    );
    let migrate = pod(
        "airflow-run-airflow-migrations-x",
        json!({"tier": "airflow", "component": "run-airflow-migrations"}),
        json!([c("run-airflow-migrations", "apache/airflow:3.0.2")]),
    );
    assert_eq!(
        tool_of(&migrate, "run-airflow-migrations"),
        Tool::Airflow(Role::Migrations)
    );
    let redis = pod(
        "airflow-redis-0",
        json!({"tier": "airflow", "component": "redis"}),
        json!([c("redis", "redis:7.2-bookworm")]),
    );
    assert_eq!(tool_of(&redis, "redis"), Tool::Redis);
}

#[test]
fn detects_airbyte_chart_and_job_pods() {
    use airbyte::Role;
    for (name, image, role) in [
        ("server", "airbyte/server:2.0.1", Role::Server),
        ("worker", "airbyte/worker:2.0.1", Role::Worker),
        (
            "workload-launcher",
            "airbyte/workload-launcher:2.0.1",
            Role::Launcher,
        ),
        (
            "workload-api-server",
            "airbyte/workload-api-server:2.0.1",
            Role::WorkloadApi,
        ),
        ("cron", "airbyte/cron:2.0.1", Role::Cron),
        (
            "connector-builder-server",
            "airbyte/connector-builder-server:2.0.1",
            Role::ConnectorBuilder,
        ),
        (
            "airbyte-bootloader",
            "airbyte/bootloader:2.0.1",
            Role::Bootloader,
        ),
    ] {
        let container = format!("airbyte-{name}-container");
        let p = pod(
            &format!("airbyte-{name}-1"),
            json!({"app.kubernetes.io/instance": "airbyte", "app.kubernetes.io/name": name}),
            json!([c(&container, image)]),
        );
        assert_eq!(tool_of(&p, &container), Tool::Airbyte(role), "{name}");
    }
    let temporal = pod(
        "airbyte-temporal-1",
        json!({"app.kubernetes.io/name": "temporal"}),
        json!([c("airbyte-temporal", "temporalio/auto-setup:1.27.2")]),
    );
    assert_eq!(
        tool_of(&temporal, "airbyte-temporal"),
        Tool::Other(generic::Role::Temporal)
    );
    let db = pod(
        "airbyte-db-0",
        json!({"app.kubernetes.io/name": "airbyte-db"}),
        json!([c("airbyte-db-container", "airbyte/db:2.0.2-alpha-c905e75")]),
    );
    assert_eq!(tool_of(&db, "airbyte-db-container"), Tool::Postgres);
    let minio = pod(
        "airbyte-minio-0",
        json!({"app.kubernetes.io/name": "airbyte-minio"}),
        json!([c(
            "airbyte-minio",
            "minio/minio:RELEASE.2023-11-20T22-40-07Z"
        )]),
    );
    assert_eq!(
        tool_of(&minio, "airbyte-minio"),
        Tool::Other(generic::Role::MinIO)
    );
    let repl = airbyte_replication_pod();
    assert_eq!(
        tool_of(&repl, "orchestrator"),
        Tool::Airbyte(Role::Orchestrator)
    );
    assert_eq!(tool_of(&repl, "source"), Tool::Airbyte(Role::Source));
    assert_eq!(
        tool_of(&repl, "destination"),
        Tool::Airbyte(Role::Destination)
    );
}

#[test]
fn detects_dagster_prefect_and_their_stores() {
    let daemon = pod(
        "dagster-daemon-7f9",
        json!({"app.kubernetes.io/name": "dagster", "app.kubernetes.io/instance": "dagster", "component": "dagster-daemon", "deployment": "daemon"}),
        json!([c_args(
            "dagster",
            "docker.io/dagster/dagster-celery-k8s:1.10.5",
            json!([
                "/bin/bash",
                "-c",
                "dagster-daemon run -w /dagster-workspace/workspace.yaml"
            ]),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&daemon, "dagster"),
        Tool::Dagster(dagster::Role::Daemon)
    );
    let web = pod(
        "dagster-dagster-webserver-5c",
        json!({"app.kubernetes.io/name": "dagster", "component": "dagster-webserver"}),
        json!([c_args(
            "dagster",
            "docker.io/dagster/dagster-celery-k8s:1.10.5",
            json!([
                "/bin/bash",
                "-c",
                "dagster-webserver -h 0.0.0.0 -p 80 -w /dagster-workspace/workspace.yaml"
            ]),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&web, "dagster"),
        Tool::Dagster(dagster::Role::Webserver)
    );
    let code = pod(
        "dagster-user-code-1",
        json!({"app.kubernetes.io/name": "dagster-user-deployments", "component": "user-deployments"}),
        json!([c_args(
            "dagster-user-deployments",
            "docker.io/dagster/user-code-example:1.10.5",
            Value::Null,
            json!([
                "dagster",
                "api",
                "grpc",
                "-h",
                "0.0.0.0",
                "-p",
                "3030",
                "--python-file",
                "/example_project/example_repo/repo.py"
            ])
        )]),
    );
    assert_eq!(
        tool_of(&code, "dagster-user-deployments"),
        Tool::Dagster(dagster::Role::CodeServer)
    );
    let mut init = daemon.clone();
    init["spec"]["initContainers"] = json!([c_args(
        "check-db-ready",
        "docker.io/library/postgres:14.6",
        json!([
            "sh",
            "-c",
            "until pg_isready -h dagster-postgresql -p 5432 -U test; do echo waiting for database; sleep 2; done;"
        ]),
        Value::Null
    )]);
    assert_eq!(
        tool_of(&init, "check-db-ready"),
        Tool::Other(generic::Role::WaitFor)
    );
    let pg = pod(
        "dagster-postgresql-0",
        json!({"app": "postgresql", "release": "dagster", "role": "master"}),
        json!([c("dagster-postgresql", "docker.io/library/postgres:14.6")]),
    );
    assert_eq!(tool_of(&pg, "dagster-postgresql"), Tool::Postgres);
    let run_pod = pod(
        "dagster-run-9b1c",
        json!({"app.kubernetes.io/name": "dagster", "app.kubernetes.io/component": "run_worker", "dagster/run-id": "9b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", "dagster/job": "daily_orders"}),
        json!([c("dagster", "acme/analytics-code:2026.11.2")]),
    );
    assert_eq!(
        tool_of(&run_pod, "dagster"),
        Tool::Dagster(dagster::Role::Run)
    );
    let text = texts(&lines(
        &run(&run_pod, "dagster", Some((60, 1))),
        t0(),
        t0() + secs(60),
    ))
    .join("\n");
    assert!(text.contains(" - dagster - DEBUG - daily_orders - 9b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e - 1 - RUN_START - Started execution of run for \"daily_orders\"."));
    assert!(text.contains("STEP_FAILURE") && text.contains("RUN_FAILURE"));

    let server = pod(
        "prefect-server-7c",
        json!({"app.kubernetes.io/component": "server", "app.kubernetes.io/instance": "prefect", "app.kubernetes.io/name": "prefect-server", "prefect-version": "3.8.3"}),
        json!([c_args(
            "prefect-server",
            "prefecthq/prefect:3.8.3-python3.11",
            json!(["/usr/bin/tini", "-g", "--", "/opt/prefect/entrypoint.sh"]),
            json!(["prefect", "server", "start", "--port", "4200"])
        )]),
    );
    assert_eq!(
        tool_of(&server, "prefect-server"),
        Tool::Prefect(prefect::Role::Server)
    );
    let worker = pod(
        "prefect-worker-5d",
        json!({"app.kubernetes.io/component": "worker", "app.kubernetes.io/name": "prefect-worker"}),
        json!([c_args(
            "prefect-worker",
            "prefecthq/prefect:3.8.3-python3.11-kubernetes",
            json!(["/usr/bin/tini", "-g", "--", "/opt/prefect/entrypoint.sh"]),
            json!([
                "prefect",
                "worker",
                "start",
                "--type",
                "kubernetes",
                "--pool",
                "kubernetes-pool"
            ])
        )]),
    );
    assert_eq!(
        tool_of(&worker, "prefect-worker"),
        Tool::Prefect(prefect::Role::Worker)
    );
    let ppg = pod(
        "prefect-postgresql-0",
        json!({"app.kubernetes.io/component": "primary", "app.kubernetes.io/name": "postgresql"}),
        json!([c(
            "postgresql",
            "docker.io/bitnamilegacy/postgresql:14.13.0"
        )]),
    );
    assert_eq!(tool_of(&ppg, "postgresql"), Tool::Postgres);
    let flow = pod(
        "amber-fox-x2k9q",
        json!({"prefect.io/flow-run-id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d", "prefect.io/flow-run-name": "amber-fox"}),
        json!([c_args(
            "prefect-job",
            "prefecthq/prefect:3.8.3-python3.11",
            Value::Null,
            json!(["prefect", "flow-run", "execute"])
        )]),
    );
    assert_eq!(
        tool_of(&flow, "prefect-job"),
        Tool::Prefect(prefect::Role::FlowRun)
    );
    let text = texts(&lines(
        &run(&flow, "prefect-job", Some((60, 0))),
        t0(),
        t0() + secs(60),
    ))
    .join("\n");
    assert!(text.ends_with("| INFO    | Flow run 'amber-fox' - Finished in state Completed()"));
}

#[test]
fn detects_engines_and_bi_tools() {
    let coord = pod(
        "trino-coordinator-1",
        json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator"}),
        json!([c("trino-coordinator", "trinodb/trino:480")]),
    );
    assert_eq!(
        tool_of(&coord, "trino-coordinator"),
        Tool::Trino(trino::Role::Coordinator)
    );
    let worker = pod(
        "trino-worker-1",
        json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "worker"}),
        json!([c("trino-worker", "trinodb/trino:480")]),
    );
    assert_eq!(
        tool_of(&worker, "trino-worker"),
        Tool::Trino(trino::Role::Worker)
    );
    let text = texts(&lines(
        &run(&coord, "trino-coordinator", None),
        t0(),
        t0() + secs(60),
    ))
    .join("\n");
    assert!(
        text.contains("\tINFO\tmain\tio.trino.server.Server\t======== SERVER STARTED ========")
    );

    let chop = pod(
        "clickhouse-altinity-clickhouse-operator-1",
        json!({"app.kubernetes.io/name": "altinity-clickhouse-operator", "app.kubernetes.io/instance": "clickhouse"}),
        json!([
            c(
                "altinity-clickhouse-operator",
                "altinity/clickhouse-operator:0.25.6"
            ),
            c("metrics-exporter", "altinity/metrics-exporter:0.25.6")
        ]),
    );
    assert_eq!(
        tool_of(&chop, "altinity-clickhouse-operator"),
        Tool::Other(generic::Role::Operator)
    );
    let chi = pod(
        "chi-analytics-default-0-0-0",
        json!({"clickhouse.altinity.com/chi": "analytics", "clickhouse.altinity.com/app": "chop"}),
        json!([c("clickhouse", "clickhouse/clickhouse-server:25.3")]),
    );
    assert_eq!(tool_of(&chi, "clickhouse"), Tool::ClickHouse);
    let text = texts(&lines(
        &run(&chi, "clickhouse", None),
        t0(),
        t0() + secs(60),
    ))
    .join("\n");
    assert!(text.contains("<Information> Application: Ready for connections."));

    let sop = pod(
        "spark-operator-controller-1",
        json!({"app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller"}),
        json!([c(
            "spark-operator-controller",
            "ghcr.io/kubeflow/spark-operator/controller:2.5.2"
        )]),
    );
    assert_eq!(
        tool_of(&sop, "spark-operator-controller"),
        Tool::Other(generic::Role::Operator)
    );
    let exec = pod(
        "spark-pi-exec-1",
        json!({"spark-role": "executor", "spark-exec-id": "1"}),
        json!([c("spark-kubernetes-executor", "apache/spark:3.5.3")]),
    );
    assert_eq!(
        tool_of(&exec, "spark-kubernetes-executor"),
        Tool::Spark(spark::Role::Executor)
    );

    let image = "apachesuperset.docker.scarf.sh/apache/superset:5.0.0";
    let sh = |cmd: &str| json!(["/bin/sh", "-c", cmd]);
    let web = pod(
        "superset-6f",
        json!({"app": "superset", "release": "superset"}),
        json!([c_args(
            "superset",
            image,
            sh(". /app/pythonpath/superset_bootstrap.sh; /usr/bin/run-server.sh"),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&web, "superset"),
        Tool::Superset(superset::Role::Web)
    );
    let w = pod(
        "superset-worker-6f",
        json!({"app": "superset-worker", "release": "superset"}),
        json!([c_args(
            "superset",
            image,
            sh(
                ". /app/pythonpath/superset_bootstrap.sh; celery --app=superset.tasks.celery_app:app worker"
            ),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&w, "superset"),
        Tool::Superset(superset::Role::Worker)
    );
    let mut beat = pod(
        "superset-celerybeat-6f",
        json!({"app": "superset-celerybeat", "release": "superset"}),
        json!([c_args(
            "superset-celerybeat",
            image,
            sh("celery --app=superset.tasks.celery_app:app beat --pidfile /tmp/celerybeat.pid"),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&beat, "superset-celerybeat"),
        Tool::Superset(superset::Role::Beat)
    );
    beat["spec"]["initContainers"] = json!([c_args(
        "wait-for-postgres-redis",
        "apache/superset:dockerize",
        sh("dockerize -wait \"tcp://$DB_HOST:$DB_PORT\" -timeout 120s"),
        Value::Null
    )]);
    assert_eq!(
        tool_of(&beat, "wait-for-postgres-redis"),
        Tool::Other(generic::Role::WaitFor)
    );
    let init = pod(
        "superset-init-db-x",
        json!({}),
        json!([c_args(
            "superset-init-db",
            image,
            sh(". /app/pythonpath/superset_bootstrap.sh; . /app/pythonpath/superset_init.sh"),
            Value::Null
        )]),
    );
    assert_eq!(
        tool_of(&init, "superset-init-db"),
        Tool::Superset(superset::Role::Init)
    );

    let mb = pod(
        "metabase-7d",
        json!({"app": "metabase", "release": "metabase"}),
        json!([c("metabase", "metabase/metabase:v0.59.6.x")]),
    );
    assert_eq!(tool_of(&mb, "metabase"), Tool::Metabase);
    let ld = pod(
        "lightdash-backend-1",
        json!({"app.kubernetes.io/name": "lightdash", "app.kubernetes.io/component": "backend"}),
        json!([c("lightdash", "lightdash/lightdash:1.237.0")]),
    );
    assert_eq!(tool_of(&ld, "lightdash"), Tool::Lightdash { worker: false });
    let ldw = pod(
        "lightdash-worker-1",
        json!({"app.kubernetes.io/name": "lightdash", "app.kubernetes.io/component": "worker"}),
        json!([c_args(
            "lightdash",
            "lightdash/lightdash:1.237.0",
            json!(["node", "dist/scheduler.js"]),
            Value::Null
        )]),
    );
    assert_eq!(tool_of(&ldw, "lightdash"), Tool::Lightdash { worker: true });
}

#[test]
fn detects_batch_tools_by_image_or_command() {
    assert_eq!(
        tool_of(&dbt_pod(&["run"]), "dbt"),
        Tool::Dbt { json: false }
    );
    // `dbt` in a shell command of a custom image (Cosmos / KPO style) is dbt too.
    let kpo = pod(
        "dbt-build-nightly-a1b2",
        json!({"dag_id": "dbt_build_nightly", "task_id": "dbt_build", "kubernetes_pod_operator": "True"}),
        json!([c_args(
            "base",
            "acme/dbt-project:2026.11.1",
            json!(["/bin/bash", "-c"]),
            json!(["cd /project && dbt build --target prod"])
        )]),
    );
    assert_eq!(tool_of(&kpo, "base"), Tool::Dbt { json: false });
    let meltano = pod(
        "meltano-github-x",
        json!({}),
        json!([c_args(
            "meltano",
            "meltano/meltano:latest-slim",
            Value::Null,
            json!(["run", "tap-github", "target-postgres"])
        )]),
    );
    assert_eq!(tool_of(&meltano, "meltano"), Tool::Meltano);
    let text = texts(&lines(
        &run(&meltano, "meltano", Some((60, 1))),
        t0(),
        t0() + secs(60),
    ))
    .join("\n");
    assert!(text.contains("job_name=prod:tap-github-to-target-postgres"));
    assert!(text.contains("Block run completed.") && text.contains("success=False"));
    let noisy = pod("noisy", json!({}), json!([c("app", "busybox:1.36")]));
    assert_eq!(tool_of(&noisy, "app"), Tool::Noisy);
    let other = pod(
        "hello-7c",
        json!({"app": "hello"}),
        json!([c("hello", "ghcr.io/acme/hello:1.0")]),
    );
    assert_eq!(tool_of(&other, "hello"), Tool::Other(generic::Role::App));
    let dns = pod(
        "coredns-5d78c9869d-abcde",
        json!({"k8s-app": "kube-dns"}),
        json!([c(
            "coredns",
            "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.12.4-eksbuild.1"
        )]),
    );
    assert_eq!(
        tool_of(&dns, "coredns"),
        Tool::Other(generic::Role::CoreDns)
    );
    assert!(
        texts(&lines(&run(&dns, "coredns", None), t0(), t0() + secs(5)))
            .contains(&"CoreDNS-1.12.4")
    );
}

#[test]
fn every_tool_writes_lines_and_a_failure_differs_from_success() {
    // Each tool plan renders without panicking for open, successful, failed and killed runs,
    // and starts writing within its first minute.
    let pods = [
        (
            airflow_pod("airflow-scheduler-1", "scheduler", "scheduler"),
            "scheduler",
        ),
        (
            airflow_pod("airflow-api-server-1", "api-server", "api-server"),
            "api-server",
        ),
        (
            airflow_pod("airflow-dag-processor-1", "dag-processor", "dag-processor"),
            "dag-processor",
        ),
        (
            airflow_pod("airflow-triggerer-1", "triggerer", "triggerer"),
            "triggerer",
        ),
        (airbyte_replication_pod(), "destination"),
        (
            pod(
                "redis-0",
                json!({}),
                json!([c("redis", "redis:7.2-bookworm")]),
            ),
            "redis",
        ),
        (
            pod(
                "pg-0",
                json!({}),
                json!([c(
                    "postgresql",
                    "docker.io/bitnamilegacy/postgresql:14.13.0"
                )]),
            ),
            "postgresql",
        ),
        (
            pod(
                "metabase-1",
                json!({"app": "metabase"}),
                json!([c("metabase", "metabase/metabase:v0.59.6.x")]),
            ),
            "metabase",
        ),
        (
            pod(
                "chi-0",
                json!({"clickhouse.altinity.com/chi": "a"}),
                json!([c("clickhouse", "clickhouse/clickhouse-server:25.3")]),
            ),
            "clickhouse",
        ),
        (
            pod(
                "hello-1",
                json!({}),
                json!([c("hello", "ghcr.io/acme/hello:1.0")]),
            ),
            "hello",
        ),
    ];
    for (p, container) in &pods {
        let open = lines(&run(p, container, None), t0(), t0() + secs(60));
        assert!(!open.is_empty(), "{container} writes at start");
        for code in [0, 1, 137] {
            let done = lines(
                &run(p, container, Some((300, code))),
                t0(),
                t0() + secs(400),
            );
            assert!(!done.is_empty());
            assert!(done.iter().all(|l| l.at < t0() + secs(300)));
        }
    }
}

#[test]
fn crashloop_attempts_are_short_and_end_in_an_error() {
    let mut p = pod(
        "trino-coordinator-9",
        json!({"app.kubernetes.io/name": "trino"}),
        json!([c("trino-coordinator", "trinodb/trino:480")]),
    );
    p["metadata"]["annotations"] = json!({"sim.strata.dev/script": "crashloop=5s"});
    let r = ContainerRun {
        attempt: 3,
        ..run(&p, "trino-coordinator", None)
    };
    let all = lines(&r, t0(), t0() + secs(60));
    assert!(all.iter().all(|l| l.at < t0() + secs(5)));
    assert!(
        all.iter().any(|l| l.text.contains("Logging to stderr")),
        "the start is squeezed in"
    );
    let text = texts(&all).join("\n");
    assert!(text.contains("ERROR\tmain\tio.trino.server.Server\tFailed to create injector"));
    assert_eq!(all.last().unwrap().text, "1 error");
}

#[test]
fn empty_and_reversed_windows_are_empty() {
    let p = dbt_pod(&["run"]);
    let r = run(&p, "dbt", Some((30, 0)));
    assert!(lines(&r, t0() + secs(10), t0() + secs(10)).is_empty());
    assert!(lines(&r, t0() + secs(10), t0()).is_empty());
    assert!(lines(&r, t0() - secs(100), t0()).is_empty());
}

#[test]
fn python_json_matches_dbt_spacing_and_escapes() {
    let v = json!({"b": 1, "a": {"y": [1, "x"], "x": "\u{1b}[32mOK\u{1b}[0m é"}});
    assert_eq!(
        py_json(&v),
        "{\"a\": {\"x\": \"\\u001b[32mOK\\u001b[0m \\u00e9\", \"y\": [1, \"x\"]}, \"b\": 1}"
    );
}

#[test]
fn image_references_are_split_like_docker_does() {
    assert_eq!(image_repo("docker.io/library/postgres:14.6"), "postgres");
    assert_eq!(
        image_repo("apachesuperset.docker.scarf.sh/apache/superset:5.0.0"),
        "apache/superset"
    );
    assert_eq!(image_repo("localhost:5000/acme/app"), "acme/app");
    assert_eq!(
        image_tag("apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1"),
        "airflow-pgbouncer-2025.03.05-1.23.1"
    );
    assert_eq!(image_tag("localhost:5000/acme/app"), "");
    assert_eq!(
        image_tag("ghcr.io/dbt-labs/dbt-postgres:1.9.latest@sha256:abc"),
        "1.9.latest"
    );
}

#[test]
fn windows_reaching_the_ends_of_time_do_not_overflow() {
    let trino = pod(
        "trino-coordinator-6d9f8",
        json!({"app.kubernetes.io/name": "trino"}),
        json!([c("trino-coordinator", "trinodb/trino:480")]),
    );
    let r = run(&trino, "trino-coordinator", None);
    let all = lines(&r, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    assert_eq!(all.len(), MAX_LINES);
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
    let first = lines(&r, DateTime::<Utc>::MIN_UTC, t0() + secs(1));
    assert_eq!(
        first[0].text,
        format!(
            "{}\tINFO\tmain\tio.airlift.log.Logging\tLogging to stderr",
            iso_ms(t0())
        )
    );
}

#[test]
fn dbt_follows_the_demo_cronjobs_selection_project_and_subcommand() {
    // As the demo's CronJobs run it: `command: [dbt]`, args, a workingDir naming the project.
    let job = |args: Value| {
        pod(
            "dbt-marts-29145600-abcde",
            json!({"job-name": "dbt-marts-29145600"}),
            json!([{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0", "command": ["dbt"], "args": args, "workingDir": "/usr/app/analytics"}]),
        )
    };
    let marts = job(json!(["build", "--select", "marts", "--target", "prod"]));
    let text = texts(&lines(
        &run(&marts, "dbt", Some((55, 1))),
        t0(),
        t0() + secs(55),
    ))
    .join("\n");
    assert!(text.contains("Running with dbt=1.9.0") && !text.contains("deprecated"));
    assert!(text.contains("Registered adapter: postgres=1.9.0"));
    assert!(text.contains("START sql table model analytics.orders_daily"));
    assert!(
        !text.contains("stg_orders ..."),
        "staging nodes are not selected"
    );
    assert!(text.contains("compiled code at target/compiled/analytics/models/marts/"));
    assert!(
        text.contains("[\x1b[32mSELECT ") || text.contains("[\x1b[31mERROR"),
        "postgres statuses"
    );

    let freshness = job(json!(["source", "freshness", "--target", "prod"]));
    let all = lines(
        &run(&freshness, "dbt", Some((20, 0))),
        t0(),
        t0() + secs(20),
    );
    let text = texts(&all).join("\n");
    assert!(text.contains("START freshness of raw.orders"));
    assert!(text.contains("PASS freshness of raw.orders"));
    assert!(text.contains("Finished running 3 sources in 0 hours 0 minutes and "));
    assert!(all.last().unwrap().text.ends_with("  Done."));
    let stale = lines(
        &run(&freshness, "dbt", Some((20, 1))),
        t0(),
        t0() + secs(20),
    );
    assert!(
        texts(&stale)
            .join("\n")
            .contains("[\x1b[31mERROR STALE\x1b[0m in ")
    );
}

/// Every line carries its own time, strictly increasing, as a container runtime stamps them:
/// `(time, text)` tells lines apart even when a tool writes the same text at once.
#[test]
fn every_line_of_a_run_has_its_own_time() {
    let dbt = dbt_pod(&["build"]);
    let repl = airbyte_replication_pod();
    let noisy = pod(
        "noisy-logger",
        json!({}),
        json!([c("noisy", "busybox:1.36")]),
    );
    for r in [
        run(&dbt, "dbt", Some((40, 1))),
        run(&repl, "orchestrator", Some((65, 1))),
        run(&noisy, "noisy", None),
    ] {
        let all = lines(&r, t0(), t0() + secs(120));
        assert!(all.len() > 20, "{}", r.container);
        assert!(
            all.windows(2).all(|w| w[0].at < w[1].at),
            "{}: times repeat or go back",
            r.container
        );
        // Spread inside the millisecond the tool wrote in: seconds shown in the text still
        // match the time.
        assert!(
            all.iter()
                .any(|l| l.at.timestamp_subsec_nanos() % 1_000_000 != 0)
        );
    }
}

fn rate_pod(script: &str) -> Value {
    let mut p = pod(
        "loadgen-7",
        json!({"app": "loadgen"}),
        json!([c("app", "ghcr.io/acme/orders-api:2.3.1")]),
    );
    p["metadata"]["annotations"] = json!({"sim.strata.dev/script": script});
    p
}

#[test]
fn a_log_rate_writes_exactly_that_many_lines_a_second() {
    let p = rate_pod("log-rate=250");
    let r = run(&p, "app", None);
    for s in [0, 1, 59, 3599] {
        let n = lines(&r, t0() + secs(s), t0() + secs(s + 1)).len();
        assert_eq!(n, 250, "second {s}");
    }
    let second = lines(&r, t0() + secs(10), t0() + secs(11));
    assert!(second.windows(2).all(|w| w[0].at < w[1].at));
    assert_eq!(
        second[1].at - second[0].at,
        TimeDelta::milliseconds(4),
        "evenly spaced"
    );
    // Odd rates keep their average.
    let odd = rate_pod("log-rate=333.5");
    let n = lines(&run(&odd, "app", None), t0(), t0() + secs(10)).len();
    assert!((3334..=3336).contains(&n), "{n}");
    // Windows partition the lines, and the text depends only on the line.
    assert_partition(
        &r,
        t0(),
        t0() + secs(3),
        &[
            TimeDelta::microseconds(1),
            TimeDelta::microseconds(3_999),
            TimeDelta::microseconds(4_000),
            TimeDelta::milliseconds(1_500),
        ],
    );
    // Huge windows stay bounded.
    assert_eq!(lines(&r, t0(), t0() + secs(86_400)).len(), MAX_LINES);
    // The run ends when the container does.
    let done = lines(&run(&p, "app", Some((2, 0))), t0(), t0() + secs(60));
    assert_eq!(done.len(), 500);
}

#[test]
fn a_log_rate_mixes_formats_levels_and_long_lines() {
    let p = rate_pod("log-rate=1000");
    let all = lines(&run(&p, "app", None), t0(), t0() + secs(5));
    let count = |pred: &dyn Fn(&str) -> bool| all.iter().filter(|l| pred(&l.text)).count();
    let json = count(&|t| {
        t.starts_with('{') && serde_json::from_str::<Value>(t).is_ok_and(|v| v["msg"].is_string())
    });
    let logfmt = count(&|t| t.starts_with("time=") && t.contains(" level="));
    let long = count(&|t| t.len() > 2_000);
    let ansi = count(&|t| t.contains('\x1b'));
    let plain = count(&|t| t.starts_with("2026-") && t.contains(" - "));
    let total = all.len();
    assert_eq!(total, 5_000);
    for (what, n, lo, hi) in [
        ("json", json, 25, 35),
        ("logfmt", logfmt, 20, 32),
        ("long", long, 1, 6),
        ("ansi", ansi, 0, 3),
        ("plain", plain, 35, 50),
    ] {
        let pct = n * 100 / total;
        assert!((lo..=hi).contains(&pct), "{what}: {pct}% of {total}");
    }
    assert!(ansi > 0);
    for level in ["ERROR", "WARN", "INFO", "DEBUG"] {
        assert!(
            all.iter().any(|l| l.text.contains(level)
                || l.text.contains(&format!("\"{}\"", level.to_lowercase()))),
            "{level}"
        );
    }
    // The tool's own log is replaced, init containers keep theirs.
    let mut with_init = p.clone();
    with_init["spec"]["initContainers"] = json!([c("wait", "busybox:1.36")]);
    let init = lines(&run(&with_init, "wait", Some((3, 0))), t0(), t0() + secs(3));
    assert!(init.len() < 50, "{}", init.len());
}
