//! `strata trigger dbt` against the simulator, judged by the real kubectl: the Job is the one
//! `kubectl create job --from=cronjob/…` makes, it runs to the end, and `--wait` tells dbt's
//! progress and the failing model.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Sim, SimOptions, StrataRun, private_dirs, run_strata};

/// A dbt run in the demo takes about 40 s of the simulator's time.
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(120);

fn trigger(sim: &Sim, args: &[&str]) -> StrataRun {
    let dir = private_dirs();
    trigger_in(sim, dir.path(), args)
}

/// The same with the home and state (the audit log) in `dir`.
fn trigger_in(sim: &Sim, dir: &std::path::Path, args: &[&str]) -> StrataRun {
    let mut all = vec!["trigger"];
    all.extend_from_slice(args);
    run_strata(&sim.kubeconfig, dir, &all, TRIGGER_TIMEOUT)
}

/// The audit log's lines, as JSON.
fn audit(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("state/strata/audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// The name of the Job the command said it created.
fn created(run: &StrataRun) -> String {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("job.batch/")?.strip_suffix(" created"))
        .unwrap_or_else(|| panic!("no job created:\n{}\n{}", run.stdout, run.stderr))
        .to_string()
}

#[test]
fn a_demo_dbt_cronjob_runs_by_hand_to_the_end_with_dbt_progress() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let run = trigger(
        &sim,
        &[
            "dbt",
            "dbt-staging",
            "-n",
            "transformation",
            "--yes",
            "--wait",
        ],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let name = created(&run);
    assert!(name.starts_with("dbt-staging-manual-"), "{name}");
    // dbt's own log as it ran, then the result with its progress.
    assert!(run.stdout.contains("Done. PASS="), "{}", run.stdout);
    let last = run.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("job.batch/{name} succeeded: dbt ")),
        "{last}"
    );

    // Real kubectl sees the Job kubectl itself would have made, finished.
    let job = sim.json(&["get", "job", &name, "-n", "transformation", "-o", "json"]);
    assert_eq!(
        job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    let owner = &job["metadata"]["ownerReferences"][0];
    assert_eq!(
        (&owner["kind"], &owner["name"], &owner["controller"]),
        (
            &Value::from("CronJob"),
            &Value::from("dbt-staging"),
            &Value::from(true)
        )
    );
    let cronjob = sim.json(&[
        "get",
        "cronjob",
        "dbt-staging",
        "-n",
        "transformation",
        "-o",
        "json",
    ]);
    assert_eq!(owner["uid"], cronjob["metadata"]["uid"]);
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["args"],
        cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    );
    let table = sim
        .kubectl(&["get", "jobs", "-n", "transformation", "--no-headers"])
        .ok();
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(row.contains("Complete") || row.contains("1/1"), "{row}");
}

#[test]
fn a_failing_dbt_run_names_the_failing_model_and_exits_1() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    // A dbt CronJob whose runs fail in model orders_daily, quickly.
    sim.create(
        "transformation",
        r#"
apiVersion: batch/v1
kind: CronJob
metadata:
  name: dbt-nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        metadata:
          annotations:
            sim.strata.dev/script: "start=1s,exit=6s,code=1,fail-in=orders_daily"
        spec:
          restartPolicy: Never
          containers:
          - name: dbt
            image: ghcr.io/dbt-labs/dbt-postgres:1.9.0
            command: ["dbt"]
            args: ["build", "--select", "staging", "--target", "prod"]
"#,
    )
    .ok();
    // The typed command replaces the template's: the Job runs it, without a shell.
    let dir = private_dirs();
    let run = trigger_in(
        &sim,
        dir.path(),
        &[
            "dbt",
            "dbt-nightly",
            "-n",
            "transformation",
            "--command",
            "dbt build --select marts --full-refresh",
            "--yes",
            "--wait",
        ],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let name = created(&run);
    let summary: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with(&format!("job.batch/{name} failed")))
        .collect();
    assert!(!summary.is_empty(), "{}", run.stdout);
    assert!(
        summary
            .iter()
            .any(|l| l.contains("✖") && l.contains("orders_daily")),
        "{summary:?}"
    );
    let job = sim.json(&["get", "job", &name, "-n", "transformation", "-o", "json"]);
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"], serde_json::json!(["dbt"]));
    assert_eq!(
        container["args"],
        serde_json::json!(["build", "--select", "marts", "--full-refresh"])
    );
    // Recorded: who, what, where, with which command, and what it made.
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["action"], "trigger.cronjob");
    assert_eq!(line["context"], "strata-sim");
    assert_eq!(line["target"]["name"], "dbt-nightly");
    assert_eq!(line["target"]["namespace"], "transformation");
    assert_eq!(
        line["parameters"]["command"],
        "dbt build --select marts --full-refresh"
    );
    assert_eq!(line["result"], "ok");
    assert_eq!(line["outcome"], format!("job {name} created"));
}

#[test]
fn bad_commands_missing_cronjobs_and_read_only_create_nothing() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let jobs = || {
        sim.json(&["get", "jobs", "-n", "transformation", "-o", "json"])["items"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = jobs();
    let run = trigger(
        &sim,
        &[
            "dbt",
            "dbt-marts",
            "-n",
            "transformation",
            "--command",
            "dbt deps && dbt build",
            "--yes",
        ],
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no shell"), "{}", run.stderr);
    let run = trigger(&sim, &["dbt", "nope", "-n", "transformation", "--yes"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("no CronJob nope in namespace transformation"),
        "{}",
        run.stderr
    );
    // No terminal to ask on and no --yes: nothing is done.
    let run = trigger(&sim, &["dbt", "dbt-marts", "-n", "transformation"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    let run = trigger(
        &sim,
        &[
            "dbt",
            "dbt-marts",
            "-n",
            "transformation",
            "--yes",
            "--readonly",
        ],
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert_eq!(jobs(), before, "no Job was created");
}

/// The names of the task pods of `dag_id`'s manual runs, as the real kubectl lists them (the
/// stand-in Airflow runs each task try in a pod, as the KubernetesExecutor does).
fn manual_task_pods(sim: &Sim, dag_id: &str) -> Vec<String> {
    let pods = sim.json(&[
        "get",
        "pods",
        "-n",
        "orchestration",
        "-l",
        &format!("dag_id={dag_id}"),
        "-o",
        "json",
    ]);
    pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            p["metadata"]["labels"]["run_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("manual__"))
        })
        .map(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn an_airflow_dag_runs_by_hand_through_a_port_forward_and_is_audited() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    let run = trigger_in(
        &sim,
        dir.path(),
        &[
            "airflow",
            "orders_daily",
            "--conf",
            r#"{"full_refresh": true}"#,
            "--note",
            "by the trigger test",
            "--yes",
            "--wait",
        ],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // Found without configuration: the api-server pod by its chart labels, the credentials in
    // the Secret labelled for Strata.
    assert!(
        run.stderr
            .contains("Airflow credentials from Secret orchestration/strata-airflow-api"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(port-forward)"), "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap_or_default();
    let run_id = first
        .strip_prefix("dagrun orders_daily ")
        .and_then(|r| r.strip_suffix(" (queued)"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(run_id.starts_with("manual__"), "{run_id}");
    // Every task told as it ran, then the summary last.
    for task in [
        "extract_orders",
        "load_orders_to_clickhouse",
        "refresh_order_marts",
    ] {
        assert!(
            run.stdout.contains(&format!("  {task}: success (try 1)")),
            "{}",
            run.stdout
        );
    }
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("dagrun {run_id} success: 3 tasks, 3 succeeded, 0 failed").as_str()),
        "{}",
        run.stdout
    );
    // The real kubectl sees the task pods of that run.
    assert_eq!(
        manual_task_pods(&sim, "orders_daily").len(),
        3,
        "one pod per task"
    );

    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["action"], "trigger.airflow");
    assert_eq!(line["target"]["kind"], "DAG");
    assert_eq!(line["target"]["name"], "orders_daily");
    assert_eq!(line["target"]["namespace"], "orchestration");
    assert_eq!(line["parameters"]["conf"], r#"{"full_refresh":true}"#);
    assert_eq!(line["result"], "ok");
    assert!(
        line["outcome"]
            .as_str()
            .unwrap_or_default()
            .contains(run_id),
        "{line}"
    );
    let raw = std::fs::read_to_string(dir.path().join("state/strata/audit.jsonl")).unwrap();
    assert!(!raw.contains("password"), "no credential in the audit log");
}

#[test]
fn a_failing_airflow_task_exits_1_with_the_tail_of_its_log() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let run = trigger(&sim, &["airflow", "customer_360", "--yes", "--wait"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("  ✖ build_customer_features: failed (try 1)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("KeyError: 'order_total'"),
        "the failed try's log, from the Airflow API:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("publish_segments: upstream_failed"),
        "{}",
        run.stdout
    );
}

/// Runs `trigger ARGS` and checks that it was refused (exit 2) saying `says`; the run, for
/// more checks.
fn refused(sim: &Sim, dir: &std::path::Path, args: &[&str], says: &str) -> StrataRun {
    let run = trigger_in(sim, dir, args);
    assert_eq!(
        run.code,
        Some(2),
        "{args:?}\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    run
}

/// The audit lines of refused `action`s only, one of them the read-only refusal (itself
/// recorded); nothing changed anything.
fn assert_only_refusals(dir: &std::path::Path, action: &str) {
    let lines = audit(dir);
    assert!(
        lines
            .iter()
            .all(|l| l["result"] != "ok" && l["action"] == action),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l["readonly"] == true), "{lines:?}");
}

#[test]
fn airflow_refusals_and_bad_input_start_no_run() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    let refused = |args: &[&str], says: &str| {
        refused(&sim, dir.path(), args, says);
    };
    refused(
        &["airflow", "orders_daily", "--yes", "--readonly"],
        "read-only",
    );
    refused(
        &["airflow", "orders_daily", "--yes", "--conf", "{not json"],
        "--conf: the run configuration is not valid JSON",
    );
    refused(
        &["airflow", "orders_daily", "--yes", "--conf", "[1, 2]"],
        "--conf",
    );
    refused(
        &["airflow", "no_such_dag", "--yes"],
        "DAG no_such_dag not found",
    );
    // No terminal to ask on and no --yes: nothing is done.
    refused(&["airflow", "orders_daily"], "--yes");
    assert!(manual_task_pods(&sim, "orders_daily").is_empty());
    assert_only_refusals(dir.path(), "trigger.airflow");
}

/// The replication pods of syncs started through the API (the stand-in numbers those jobs
/// from 30001; the demo's scheduled syncs are below), as the real kubectl lists them.
fn manual_sync_pods(sim: &Sim) -> Vec<String> {
    let pods = sim.json(&[
        "get",
        "pods",
        "-n",
        "ingestion",
        "-l",
        "airbyte=job-pod",
        "-o",
        "json",
    ]);
    pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            p["metadata"]["labels"]["job_id"]
                .as_str()
                .and_then(|id| id.parse::<u64>().ok())
                .is_some_and(|id| id >= 30_001)
        })
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// `job ID STATUS` lines' job id (the first one).
fn started_job(run: &StrataRun) -> String {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("job ")?.split(' ').next())
        .unwrap_or_else(|| panic!("no job started:\n{}\n{}", run.stdout, run.stderr))
        .to_string()
}

#[test]
fn an_airbyte_sync_runs_to_the_end_through_a_port_forward_and_is_audited() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    let run = trigger_in(
        &sim,
        dir.path(),
        &["airbyte", "Stripe → ClickHouse", "--yes", "--wait"],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // Found without configuration: the server pod by its chart labels, the credentials in
    // the Secret Airbyte's bootloader writes.
    assert!(
        run.stderr
            .contains("from Secret ingestion/airbyte-auth-secrets"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(port-forward)"), "{}", run.stderr);
    let job = started_job(&run);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("job {job} pending"), "{}", run.stdout);
    let pod = format!("replication-job-{job}-attempt-0");
    assert!(
        lines.contains(&format!("pod ingestion/{pod}").as_str()),
        "{}",
        run.stdout
    );
    assert!(
        lines.contains(&format!("job {job} running").as_str()),
        "{}",
        run.stdout
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with(&format!("job {job} succeeded: ")) && last.contains(" rows, "),
        "{last}"
    );
    // The real kubectl sees the sync's pod, finished, with the launcher's labels.
    let seen = sim.json(&["get", "pod", &pod, "-n", "ingestion", "-o", "json"]);
    assert_eq!(seen["metadata"]["labels"]["job_id"], job.as_str());
    assert_eq!(seen["status"]["phase"], "Succeeded");
    assert_eq!(manual_sync_pods(&sim), vec![pod]);

    // The listing now shows that sync as the connection's last.
    let listed = trigger(&sim, &["airbyte"]);
    assert_eq!(listed.code, Some(0), "{}\n{}", listed.stdout, listed.stderr);
    let last_of = |name: &str| {
        listed
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name}: {}", listed.stdout))
            .to_string()
    };
    let stripe = last_of("Stripe → ClickHouse");
    assert!(stripe.contains("succeeded"), "{stripe}");
    // The other connections show their last scheduled sync, which the stand-in reads from the
    // demo history's replication pods (job 18398 of the orders connection failed).
    assert!(
        last_of("Postgres orders → ClickHouse").contains(" failed "),
        "{}",
        listed.stdout
    );
    assert!(
        last_of("HubSpot → Postgres").contains(" succeeded "),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains("never"), "{}", listed.stdout);

    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "listing is not audited: {lines:?}");
    let line = &lines[0];
    assert_eq!(line["action"], "trigger.airbyte");
    assert_eq!(line["target"]["kind"], "Connection");
    assert_eq!(line["target"]["name"], "Stripe → ClickHouse");
    assert_eq!(line["target"]["namespace"], "ingestion");
    assert_eq!(line["result"], "ok");
    assert!(
        line["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("job {job} pending")),
        "{line}"
    );
    let raw = std::fs::read_to_string(dir.path().join("state/strata/audit.jsonl")).unwrap();
    assert!(
        !raw.contains("strata-demo-secret"),
        "no client secret in the audit log"
    );
    assert!(
        !run.stderr.contains("strata-demo-secret") && !run.stdout.contains("strata-demo-secret")
    );
}

#[test]
fn a_failing_airbyte_sync_exits_1() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    // `->` stands for the arrow, as it is easier to type.
    let run = trigger(&sim, &["airbyte", "HubSpot -> Postgres", "--yes", "--wait"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let job = started_job(&run);
    let last = run.stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with(&format!("job {job} failed")), "{last}");
    let pod = format!("replication-job-{job}-attempt-0");
    let seen = sim.json(&["get", "pod", &pod, "-n", "ingestion", "-o", "json"]);
    assert_eq!(seen["status"]["phase"], "Failed");
}

#[test]
fn airbyte_refusals_and_unknown_connections_start_no_sync() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = private_dirs();
    let refused = |args: &[&str], says: &str| {
        let run = refused(&sim, dir.path(), args, says);
        assert!(!run.stdout.contains("job "), "{args:?}: {}", run.stdout);
    };
    refused(
        &["airbyte", "Stripe → ClickHouse", "--yes", "--readonly"],
        "read-only",
    );
    refused(
        &["airbyte", "Salesforce → Snowflake", "--yes"],
        "Airbyte has no connection \"Salesforce → Snowflake\"; it knows \"HubSpot → Postgres\"",
    );
    // No terminal to ask on and no --yes: nothing is done.
    refused(&["airbyte", "Stripe → ClickHouse"], "--yes");
    assert!(manual_sync_pods(&sim).is_empty());
    assert_only_refusals(dir.path(), "trigger.airbyte");
    // Listing in read-only mode is fine: it changes nothing.
    let listed = trigger_in(&sim, dir.path(), &["airbyte", "--readonly"]);
    assert_eq!(listed.code, Some(0), "{}\n{}", listed.stdout, listed.stderr);
    assert!(listed.stdout.starts_with("CONNECTION"), "{}", listed.stdout);
}
