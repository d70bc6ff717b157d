//! `t` in the cockpit against the embedded simulator: a dbt CronJob's run started by hand,
//! its command edited and checked in place, confirmed, and followed in its log to dbt's
//! result; a cancelled or unconfirmed trigger creates nothing.

mod cockpit_support;

use std::time::Duration;

use cockpit_support::{command, quiet_sim};
use serde_json::{Value, json};
use strata::app::Safety;
use strata::app::harness::Harness;
use strata::guard::Policies;
use strata_sim::RunningSim;

/// A dbt CronJob whose runs end in a few seconds, failing in model stg_orders.
fn fast_dbt_cronjob(sim: &RunningSim) {
    let info = sim
        .state
        .find("batch", "v1", "cronjobs")
        .expect("cronjobs are served");
    sim.state
        .create_object(
            &info,
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "dbt-hourly", "namespace": "transformation"},
                "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {
                    "backoffLimit": 0,
                    "template": {
                        "metadata": {"annotations": {"sim.strata.dev/script":
                            "start=1s,exit=5s,code=1,fail-in=stg_orders"}},
                        "spec": {"restartPolicy": "Never", "containers": [{
                            "name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
                            "command": ["dbt"], "args": ["build", "--select", "staging"]}]}}}}}}),
        )
        .expect("the CronJob is created");
}

fn jobs_of(sim: &RunningSim, cronjob: &str) -> Vec<Value> {
    let info = sim.state.find("batch", "v1", "jobs").expect("jobs");
    sim.state
        .store
        .all_of(&info.key())
        .iter()
        .filter(|j| j["metadata"]["ownerReferences"][0]["name"] == cronjob)
        .map(|j| (**j).clone())
        .collect()
}

async fn cockpit(sim: &RunningSim) -> Harness {
    let safety = Safety {
        policies: Policies::default(),
        audit_log: Some(audit_dir().join("audit.jsonl")),
    };
    cockpit_support::cockpit(sim, 160, 40, Some(safety)).await
}

/// A folder for this test process's audit log, kept until the process ends.
fn audit_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dbt_run_started_by_hand_is_followed_to_its_failing_model() {
    let sim = quiet_sim().await;
    fast_dbt_cronjob(&sim);
    let mut ui = cockpit(&sim).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "cronjobs");
    ui.wait_for_text("dbt-hourly").await.unwrap();
    ui.press("/").unwrap();
    ui.type_text("dbt-hourly").unwrap();
    ui.press("enter").unwrap();
    ui.press("t").unwrap();
    // The template's command, ready to edit; a typo is caught before anything is sent.
    let screen = ui
        .wait_for_text("dbt command ▸ dbt build --select staging")
        .await
        .unwrap();
    assert!(
        screen.contains("run cronjob/dbt-hourly in transformation"),
        "{screen}"
    );
    ui.type_text(" --ful").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("✖ --ful is not a dbt flag").await.unwrap();
    assert!(screen.contains("dbt command ▸"), "still editing:\n{screen}");
    ui.type_text("l-refresh").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("runs: dbt build --select staging --full-refresh")
        .await
        .unwrap();
    assert!(
        jobs_of(&sim, "dbt-hourly").is_empty(),
        "nothing before the confirmation"
    );
    ui.press("y").unwrap();
    ui.press("enter").unwrap();
    // The Job's log, decoded as dbt, to the failing model.
    let screen = ui
        .wait_for_text("logs · job dbt-hourly-manual-")
        .await
        .unwrap();
    assert!(screen.contains("dbt"), "{screen}");
    let screen = ui
        .wait_for("the failing model", Duration::from_secs(30), |s| {
            s.contains("· ended")
        })
        .await
        .unwrap();
    let header = screen.lines().nth(3).unwrap_or_default();
    assert!(
        header.contains("✖ stg_orders: column order_ts does not exist")
            && header.contains("dbt 7 of 7")
            && header.contains("failed"),
        "{screen}"
    );
    let jobs = jobs_of(&sim, "dbt-hourly");
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0]["spec"]["template"]["spec"]["containers"][0]["args"],
        json!(["build", "--select", "staging", "--full-refresh"])
    );
    assert_eq!(
        jobs[0]["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_or_a_wrong_answer_creates_nothing() {
    let sim = quiet_sim().await;
    fast_dbt_cronjob(&sim);
    let mut ui = cockpit(&sim).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "cronjobs");
    ui.wait_for_text("dbt-hourly").await.unwrap();
    ui.press("/").unwrap();
    ui.type_text("dbt-hourly").unwrap();
    ui.press("enter").unwrap();
    ui.press("t").unwrap();
    ui.wait_for_text("dbt command ▸").await.unwrap();
    ui.press("esc").unwrap();
    ui.wait_for_text("cancelled: no Job was created from cronjob/dbt-hourly")
        .await
        .unwrap();
    ui.press("t").unwrap();
    ui.wait_for_text("dbt command ▸").await.unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("run it? (y/n)").await.unwrap();
    ui.type_text("no").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("not confirmed; nothing was changed")
        .await
        .unwrap();
    assert!(jobs_of(&sim, "dbt-hourly").is_empty());
}
