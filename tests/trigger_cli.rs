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
