//! `:airflow` in the cockpit against the embedded simulator, whose Airflow stand-in answers
//! through a port-forward to the api-server pod: the DAGs, a trigger with its conf checked
//! then confirmed, the run's tasks followed to the end, a failed try's log and clear with its
//! dry run; read-only refuses; without stored credentials the operator signs in. `:airbyte`:
//! a connection synced from its row, followed to its end, and its job's log. `:helm`: the
//! releases from their Secrets, a history, a revision's documents with Secret data hidden.

mod cockpit_support;
mod support;

use std::time::Duration;

use chrono::Utc;
use cockpit_support::{command, quiet_sim};
use serde_json::Value;
use strata::app::Action;
use strata::app::harness::{Harness, HarnessError};
use strata_sim::RunningSim;

async fn cockpit(sim: &RunningSim, audit: &std::path::Path, readonly: bool) -> Harness {
    cockpit_support::guarded(sim, audit, readonly).await
}

/// A wizard's result: waits for its verdict on the pods (up to a minute).
async fn verdict(ui: &mut Harness, what: &str) -> String {
    wait_ticking(ui, what, Duration::from_secs(60), |s| {
        s.contains("verified:") || s.contains("not healthy")
    })
    .await
}

/// `/` TEXT enter: the table narrowed to the rows matching `text`.
fn filter_to(ui: &mut Harness, text: &str) {
    ui.press("/").unwrap();
    ui.type_text(text).unwrap();
    ui.press("enter").unwrap();
}

/// Waits for `done` while the clock moves (the Airflow lists are read again on ticks).
async fn wait_ticking(
    ui: &mut Harness,
    what: &str,
    timeout: Duration,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        ui.dispatch(Action::Tick(Utc::now())).unwrap();
        match ui.wait_for(what, Duration::from_secs(1), &done).await {
            Ok(screen) => return screen,
            Err(HarnessError::Timeout { screen, .. }) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "timed out waiting for {what}:\n{screen}"
                );
            }
            Err(other) => panic!("{other}"),
        }
    }
}

/// The task pods of `dag_id`'s manual runs in the simulator's store.
fn manual_task_pods(sim: &RunningSim, dag_id: &str) -> usize {
    let info = sim.state.find("", "v1", "pods").expect("pods");
    sim.state
        .store
        .all_of(&info.key())
        .iter()
        .filter(|p| {
            p["metadata"]["labels"]["dag_id"] == dag_id
                && p["metadata"]["labels"]["run_id"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("manual__"))
        })
        .count()
}

fn audit(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dag_triggered_with_a_conf_is_followed_and_a_failed_run_is_cleared_after_a_dry_run() {
    let sim = quiet_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "airflow");
    // Found by the chart's labels, signed in with the Secret labelled for Strata.
    let screen = ui.wait_for_text("orders_daily").await.unwrap();
    assert!(
        screen.contains("port-forward") && screen.contains("admin"),
        "{screen}"
    );
    assert!(screen.contains("example_bash_operator"), "{screen}");

    // customer_360 (second row): t, a conf checked as typed, the guard's question, yes.
    ui.press("j").unwrap();
    ui.press("t").unwrap();
    ui.wait_for_text("conf (JSON) ▸ {}").await.unwrap();
    ui.press("backspace").unwrap();
    ui.press("backspace").unwrap();
    ui.type_text("{\"segment\": ").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("✖ the run configuration is not valid JSON")
        .await
        .unwrap();
    ui.type_text("\"all\"}").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(
        screen.contains(r#"trigger DAG customer_360 with conf {"segment":"all"}"#),
        "{screen}"
    );
    assert_eq!(manual_task_pods(&sim, "customer_360"), 0, "nothing yet");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    // The DAG's runs open on the new one.
    let screen = ui
        .wait_for_text(r#"manual {"segment":"all"}"#)
        .await
        .unwrap();
    // Newest first: the new run is on the first row, where the cursor is.
    let first = screen.lines().nth(4).unwrap_or_default();
    assert!(
        first.contains("manual__") && first.contains(r#"manual {"segment":"all"}"#),
        "{screen}"
    );
    ui.press("enter").unwrap();
    // Its tasks, read again as they move, to the failure of build_customer_features.
    let screen = wait_ticking(&mut ui, "the failed task", Duration::from_secs(90), |s| {
        s.contains("✖ upstream_failed")
    })
    .await;
    assert!(
        screen.contains("✖ failed             build_customer_features"),
        "{screen}"
    );
    assert!(manual_task_pods(&sim, "customer_360") >= 2);

    // Its log, from Airflow's API.
    ui.press("j").unwrap();
    ui.press("l").unwrap();
    ui.wait_for_text("KeyError: 'order_total'").await.unwrap();
    ui.press("esc").unwrap();

    // C: the dry run's tasks, then the question; yes clears and the task runs again.
    ui.press("C").unwrap();
    let screen = ui
        .wait_for_text("the dry run would clear 2 task(s)")
        .await
        .unwrap();
    assert!(
        screen.contains("build_customer_features (failed)")
            && screen.contains("publish_segments (upstream_failed)"),
        "{screen}"
    );
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("2 task(s) of run").await.unwrap();
    wait_ticking(
        &mut ui,
        "the second try's success",
        Duration::from_secs(90),
        |s| {
            s.contains("● success            build_customer_features 2")
                && s.contains("● success            publish_segments")
        },
    )
    .await;

    let lines = audit(dir.path());
    let actions: Vec<&str> = lines.iter().filter_map(|l| l["action"].as_str()).collect();
    assert_eq!(actions, ["trigger.airflow", "clear.airflow"], "{lines:?}");
    assert_eq!(lines[0]["parameters"]["conf"], r#"{"segment":"all"}"#);
    assert!(lines.iter().all(|l| l["result"] == "ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_and_without_stored_credentials_the_operator_signs_in() {
    let sim = quiet_sim().await;
    // No Secret for Strata: nothing stored signs in.
    let secrets = sim.state.find("", "v1", "secrets").expect("secrets");
    sim.state
        .store
        .delete(&secrets.key(), "orchestration", "strata-airflow-api")
        .expect("the demo has the labelled Secret");
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), true).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "airflow");
    ui.wait_for_text("sign in to Airflow").await.unwrap();
    ui.type_text("admin").unwrap();
    ui.press("enter").unwrap();
    ui.type_text("not-it").unwrap();
    let screen = ui.wait_for_text("password ▸").await.unwrap();
    assert!(
        !screen.contains("not-it"),
        "the password is masked:\n{screen}"
    );
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("refused").await.unwrap();
    assert!(screen.contains("username ▸"), "asked again:\n{screen}");
    ui.type_text("admin").unwrap();
    ui.press("enter").unwrap();
    ui.type_text("admin").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("orders_daily").await.unwrap();
    assert!(screen.contains("from what was typed"), "{screen}");

    // Read-only: P is refused before anything is sent, and recorded.
    ui.press("P").unwrap();
    ui.wait_for_text("read-only").await.unwrap();
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "pause.airflow");
    assert_ne!(lines[0]["result"], "ok");
    ui.press("t").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("read-only").await.unwrap();
    assert_eq!(manual_task_pods(&sim, "clickhouse_maintenance"), 0);
    assert!(
        !std::fs::read_to_string(dir.path().join("audit.jsonl"))
            .unwrap()
            .contains("not-it"),
        "no typed password in the audit log"
    );
}

/// The replication pods of `job`, in the simulator's store.
fn replication_pods(sim: &RunningSim) -> Vec<String> {
    let info = sim.state.find("", "v1", "pods").expect("pods");
    sim.state
        .store
        .all_of(&info.key())
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .filter(|name| name.starts_with("replication-job-3"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_airbyte_connection_is_synced_from_its_row_and_its_job_log_opens() {
    let sim = quiet_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "airbyte");
    let screen = ui.wait_for_text("Stripe → ClickHouse").await.unwrap();
    assert!(
        screen.contains("port-forward) · strata-demo (from Secret ingestion/airbyte"),
        "{screen}"
    );
    // Stripe (second row): t asks the guard, y starts the sync, its jobs open.
    ui.press("j").unwrap();
    ui.press("t").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(
        screen.contains("sync connection Stripe → ClickHouse now"),
        "{screen}"
    );
    assert!(replication_pods(&sim).is_empty(), "nothing before yes");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for_text("airbyte · Stripe → ClickHouse [")
        .await
        .unwrap();
    assert!(
        screen.contains("sync of Stripe → ClickHouse started: job "),
        "{screen}"
    );
    // The job runs to its end as the list is read again.
    let screen = wait_ticking(&mut ui, "the job's success", Duration::from_secs(90), |s| {
        s.contains("● succeeded")
    })
    .await;
    assert!(screen.contains(" rows, "), "what it moved:\n{screen}");
    let pods = replication_pods(&sim);
    assert_eq!(pods.len(), 1, "{pods:?}");
    // l: the sync's own log, from its replication pod.
    ui.press("l").unwrap();
    let screen = ui.wait_for_text("airbyte sync · job").await.unwrap();
    assert!(screen.contains(&format!("logs · {}", pods[0])), "{screen}");

    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "trigger.airbyte");
    assert_eq!(lines[0]["target"]["name"], "Stripe → ClickHouse");
    assert_eq!(lines[0]["result"], "ok");
    assert!(
        !std::fs::read_to_string(dir.path().join("audit.jsonl"))
            .unwrap()
            .contains("strata-demo-secret"),
        "no client secret in the audit log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_releases_are_read_from_their_secrets_down_to_a_revisions_documents() {
    let sim = quiet_sim().await;
    // A release Secret whose payload is not Helm's: a row that says so, not a crash.
    let secrets = sim.state.find("", "v1", "secrets").expect("secrets");
    sim.state
        .create_object(
            &secrets,
            serde_json::json!({"apiVersion": "v1", "kind": "Secret",
                "type": "helm.sh/release.v1",
                "metadata": {"name": "sh.helm.release.v1.broken.v1", "namespace": "default",
                    "labels": {"owner": "helm", "name": "broken", "version": "1",
                               "status": "deployed"}},
                "data": {"release": "bm90IGEgcmVsZWFzZQ=="}}),
        )
        .expect("the Secret is created");
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "helm");
    let screen = ui.wait_for_text("warehouse/trino").await.unwrap();
    // Every demo release, its newest revision; the stuck one says so with what it was doing.
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("warehouse/trino").contains("↻ pending-upgrade"),
        "{screen}"
    );
    assert!(row("warehouse/trino").contains("stuck: "), "{screen}");
    assert!(row("bi/superset").contains("✖ failed"), "{screen}");
    assert!(row("bi/superset").contains("superset-0.15.2"), "{screen}");
    assert!(
        row("orchestration/airflow").contains("● deployed"),
        "{screen}"
    );

    // The cursor starts on superset, the first release that needs someone: its history,
    // newest first; its last good revision's documents.
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("○ superseded").await.unwrap();
    let revisions: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with('│') && l.contains(" bi/superset "))
        .collect();
    assert_eq!(revisions.len(), 3, "{screen}");
    assert!(revisions[0].contains("✖ failed") && revisions[0].contains(" 3 "));
    assert!(revisions[1].contains("● deployed") && revisions[1].contains(" 2 "));
    // D on the failed revision: what it changed against the last good one.
    ui.press("D").unwrap();
    let screen = ui
        .wait_for_text("── revision 2 (deployed, superset-0.14.2) → revision 3 (failed")
        .await
        .unwrap();
    assert!(
        screen.contains("── Deployment/superset: changed"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "+           image: \"apachesuperset.docker.scarf.sh/apache/superset:5.0.0\""
        ),
        "{screen}"
    );
    ui.press("esc").unwrap();
    ui.press("j").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for_text("── revision 2 · deployed · superset-0.14.2")
        .await
        .unwrap();
    assert!(screen.contains("── user values"), "{screen}");
    // The Secret's values are hidden on screen; its keys are not.
    ui.press("G").unwrap();
    let mut seen = String::new();
    for _ in 0..20 {
        seen.push_str(&ui.screen().unwrap());
        ui.press("pgup").unwrap();
    }
    assert!(seen.contains("DB_PASS: ••••••"), "{seen}");
    assert!(!seen.contains("DB_PASS: \"superset\""), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h_on_a_component_opens_its_releases_history() {
    let sim = quiet_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    // The component under the cursor on the layers, as the state has it.
    filter_to(&mut ui, "superset");
    ui.wait_for_text("/superset").await.unwrap();
    ui.press("H").unwrap();
    let screen = ui.wait_for_text("helm · bi/superset [3]").await.unwrap();
    assert!(screen.contains("✖ failed"), "{screen}");
}

/// The image a Deployment's pod template runs now, in the simulator's store.
fn deployment_image(sim: &RunningSim, namespace: &str, name: &str) -> String {
    let info = sim
        .state
        .find("apps", "v1", "deployments")
        .expect("deployments");
    let all = sim.state.store.all_of(&info.key());
    let deployment = all
        .iter()
        .find(|d| d["metadata"]["namespace"] == namespace && d["metadata"]["name"] == name)
        .expect("the Deployment is there");
    deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_is_rolled_back_to_a_revision_from_its_rollout_history() {
    let sim = quiet_sim().await;
    let info = sim
        .state
        .find("apps", "v1", "deployments")
        .expect("deployments");
    let web = |image: &str| {
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}})
    };
    sim.state.create_object(&info, web("nginx:1.27")).unwrap();
    // A second revision, as `kubectl set image` would make it.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sim.state
        .store
        .update(&info.key(), web("nginx:9.9-broken"), None)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "deploy default");
    ui.wait_for_text("web").await.unwrap();
    filter_to(&mut ui, "web");
    ui.press("R").unwrap();
    let screen = ui
        .wait_for_text("rollouts · Deployment default/web [2]")
        .await
        .unwrap();
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("nginx:")).collect();
    assert!(
        rows[0].contains("● current") && rows[0].contains("nginx:9.9-broken"),
        "{screen}"
    );
    assert!(rows[1].contains("nginx:1.27"), "{screen}");
    // The older one: u, the guard's question, yes.
    ui.press("j").unwrap();
    ui.press("u").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(
        screen.contains("roll Deployment default/web back to revision 1"),
        "{screen}"
    );
    assert_eq!(deployment_image(&sim, "default", "web"), "nginx:9.9-broken");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    // Once the pods are judged (they may take a moment to be replaced).
    wait_ticking(&mut ui, "the undo", Duration::from_secs(60), |s| {
        s.contains("rolled back to revision 1 (nginx:1.27)")
    })
    .await;
    assert_eq!(deployment_image(&sim, "default", "web"), "nginx:1.27");
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "rollout.undo");
    assert_eq!(lines[0]["target"]["kind"], "Deployment");
    assert_eq!(lines[0]["parameters"]["revision"], "1");
    assert_eq!(lines[0]["result"], "ok");
    // The result stays with the pods' verdict; esc, then i: a new image, watched and judged.
    let screen = verdict(&mut ui, "the undo's verdict").await;
    assert!(
        screen.contains("verified: 1 pod(s) running and ready"),
        "{screen}"
    );
    ui.press("esc").unwrap();
    ui.press("i").unwrap();
    let screen = ui.wait_for_text("Which image?").await.unwrap();
    assert!(input_says(&screen, "image ▸", "nginx:1.27"), "{screen}");
    for _ in 0.."1.27".len() {
        ui.press("backspace").unwrap();
    }
    ui.type_text("1.28").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(
        screen.contains("set the image of Deployment default/web to nginx:1.28"),
        "{screen}"
    );
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = verdict(&mut ui, "the image bump's verdict").await;
    assert!(
        screen.contains("✓ Deployment default/web: container web nginx:1.27 → nginx:1.28"),
        "{screen}"
    );
    assert!(
        screen.contains("verified: 1 pod(s) running and ready"),
        "{screen}"
    );
    assert!(screen.contains("pod web-"), "watched:\n{screen}");
    assert_eq!(deployment_image(&sim, "default", "web"), "nginx:1.28");
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1]["action"], "rollout.image");
    assert_eq!(lines[1]["parameters"]["image"], "nginx:1.28");
    assert_eq!(lines[1]["result"], "ok");
}

/// `helm history` of a release on the simulator, by the real helm, as JSON.
fn helm_history(
    sim: &RunningSim,
    helm: &std::path::Path,
    namespace: &str,
    name: &str,
) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml()).unwrap();
    let out = std::process::Command::new(helm)
        .args([
            "history",
            name,
            "-n",
            namespace,
            "-o",
            "json",
            "--kubeconfig",
        ])
        .arg(&kubeconfig)
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("helm history is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_failed_release_is_rolled_back_from_the_cockpit_in_nine_keys() {
    let Some(helm) = support::find_tool("helm") else {
        return;
    };
    let sim = quiet_sim().await;
    let before = helm_history(&sim, &helm, "bi", "superset");
    assert_eq!(before.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    // `:helm` enter (6 keys) opens on the failed release; r plans the rollback.
    command(&mut ui, "helm");
    ui.wait_for_text("bi/superset").await.unwrap();
    ui.press("r").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    for step in [
        "Roll back bi/superset from revision 3 (failed) to revision 2 (superset-0.14.2).",
        "changed  Deployment/superset",
        "hook Job superset-init-db",
        "Helm does not roll back CRDs",
        "Checks: ok.",
    ] {
        assert!(screen.contains(step), "the plan says {step:?}:\n{screen}");
    }
    assert_eq!(
        helm_history(&sim, &helm, "bi", "superset").len(),
        3,
        "nothing yet"
    );
    // y enter (2 keys): helm rollback --wait, watched; the result and the release's health.
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = wait_ticking(
        &mut ui,
        "the rollback's end",
        Duration::from_secs(120),
        |s| s.contains("verified:") || s.contains("not healthy") || s.contains("rollback failed"),
    )
    .await;
    assert!(
        screen.contains("✓ bi/superset rolled back to revision 2; revision 4 is deployed"),
        "{screen}"
    );
    assert!(screen.contains("pod superset-"), "watched:\n{screen}");
    // esc closes the result over the release as its Secrets tell it.
    ui.press("esc").unwrap();
    let screen = wait_ticking(
        &mut ui,
        "the rolled-back release",
        Duration::from_secs(120),
        |s| {
            s.lines()
                .any(|l| l.contains("bi/superset") && l.contains("● deployed") && l.contains(" 4 "))
        },
    )
    .await;
    assert!(!screen.contains("✖ failed"), "{screen}");
    let after = helm_history(&sim, &helm, "bi", "superset");
    let newest = after.last().unwrap();
    assert_eq!(newest["revision"], 4);
    assert_eq!(newest["status"], "deployed");
    assert_eq!(newest["description"], "Rollback to 2");
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "rollback.helm");
    assert_eq!(lines[0]["parameters"]["to"], "2");
    assert_eq!(lines[0]["result"], "ok");
}

/// `helm` run against the simulator with its kubeconfig (a file for the test's life).
fn helm_on(sim: &RunningSim, helm: &std::path::Path, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml()).unwrap();
    std::process::Command::new(helm)
        .args(args)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .output()
        .expect("helm runs")
}

/// Whether the dialog's input labelled `label` holds `text`.
fn input_says(screen: &str, label: &str, text: &str) -> bool {
    screen.lines().any(|l| {
        l.split_once(label)
            .is_some_and(|(_, typed)| typed.trim_start().starts_with(text))
    })
}

/// Types over the whole of the values editor: everything deleted, `text` typed.
fn retype_values(ui: &mut Harness, text: &str) {
    for key in ["down", "down", "down", "end"] {
        ui.press(key).unwrap();
    }
    for _ in 0..60 {
        ui.press("backspace").unwrap();
    }
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            ui.press("enter").unwrap();
        }
        ui.type_text(line).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_is_upgraded_from_the_cockpit_after_a_refused_plan_and_edited_values() {
    let Some(helm) = support::find_tool("helm") else {
        return;
    };
    let sim = quiet_sim().await;
    let chart = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts/tiny");
    let chart = chart.to_str().unwrap();
    let installed = helm_on(
        &sim,
        &helm,
        &[
            "install",
            "tiny",
            chart,
            "-n",
            "zz-tiny",
            "--create-namespace",
            "--set",
            "tag=1.0",
            "--wait",
            "--timeout",
            "60s",
        ],
    );
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "helm");
    ui.wait_for_text("zz-tiny/tiny").await.unwrap();
    ui.press("G").unwrap();
    // U: the chart, asked first (the release's chart by name is offered).
    ui.press("U").unwrap();
    let screen = ui.wait_for_text("1/3 · Which chart?").await.unwrap();
    assert!(input_says(&screen, "chart ▸", "tiny"), "{screen}");
    for _ in 0.."tiny".len() {
        ui.press("backspace").unwrap();
    }
    ui.type_text(chart).unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("2/3 · Which values?").await.unwrap();
    assert!(input_says(&screen, "values 1-3 ▸", "1"), "{screen}");
    // 3: the release's values in the editor; a selector change the server refuses.
    ui.press("backspace").unwrap();
    ui.type_text("3").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("ctrl-s").await.unwrap();
    assert!(
        screen.contains("tag:") && screen.contains("1.0"),
        "{screen}"
    );
    retype_values(&mut ui, "tag: \"2.0\"\nselectorExtra: true");
    ui.press("ctrl-s").unwrap();
    let screen = wait_ticking(&mut ui, "the refused plan", Duration::from_secs(60), |s| {
        s.contains("Nothing was changed: a check failed")
    })
    .await;
    assert!(
        screen.contains("check failed: the server refuses Deployment/tiny"),
        "{screen}"
    );
    assert_eq!(helm_history(&sim, &helm, "zz-tiny", "tiny").len(), 1);
    // U again: what was typed is all still there; the selector line goes.
    ui.press("U").unwrap();
    let screen = ui.wait_for_text("1/3 · Which chart?").await.unwrap();
    assert!(input_says(&screen, "chart ▸", chart), "{screen}");
    ui.press("enter").unwrap();
    ui.wait_for("the values asked again", Duration::from_secs(5), |s| {
        input_says(s, "values 1-3 ▸", "3")
    })
    .await
    .unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("selectorExtra: true").await.unwrap();
    assert!(screen.contains("ctrl-s"), "{screen}");
    retype_values(&mut ui, "tag: \"2.0\"");
    ui.press("ctrl-s").unwrap();
    let screen = wait_ticking(&mut ui, "the plan", Duration::from_secs(60), |s| {
        s.contains("run it? (y/n)")
    })
    .await;
    for step in [
        "Upgrade zz-tiny/tiny from revision 1 (deployed, tiny-0.1.0) to tiny-0.1.0.",
        "changed  Deployment/tiny (pod template: its pods restart)",
        "── user values: changed",
        "── Deployment/tiny: changed · its pods restart",
        "Checks: ok.",
    ] {
        assert!(screen.contains(step), "the plan says {step:?}:\n{screen}");
    }
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = wait_ticking(
        &mut ui,
        "the upgrade's end",
        Duration::from_secs(120),
        |s| s.contains("verified:") || s.contains("helm upgrade failed"),
    )
    .await;
    assert!(
        screen.contains("✓ zz-tiny/tiny upgraded to"),
        "the result:\n{screen}"
    );
    assert!(
        screen.contains("verified: 1 pod(s) running and ready"),
        "{screen}"
    );
    assert!(
        screen.contains("pod tiny-"),
        "the release as watched:\n{screen}"
    );
    let history = helm_history(&sim, &helm, "zz-tiny", "tiny");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["status"], "deployed");
    let values = helm_on(
        &sim,
        &helm,
        &["get", "values", "tiny", "-n", "zz-tiny", "-o", "json"],
    );
    let values: Value = serde_json::from_slice(&values.stdout).unwrap();
    assert_eq!(values, serde_json::json!({"tag": "2.0"}));
    // The edited values were written for helm only for as long as it needed them.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("values-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let lines = audit(dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "upgrade.helm");
    assert_eq!(lines[0]["parameters"]["from"], "1");
    assert_eq!(lines[0]["result"], "ok");
    // esc: the dialog closes over the release, now at revision 2.
    ui.press("esc").unwrap();
    wait_ticking(
        &mut ui,
        "revision 2 in the list",
        Duration::from_secs(30),
        |s| {
            s.lines().any(|l| {
                l.contains("zz-tiny/tiny") && l.contains("● deployed") && l.contains(" 2 ")
            })
        },
    )
    .await;
}

/// An object of `plural` in the simulator's store, when there.
fn stored(
    sim: &RunningSim,
    group: &str,
    plural: &str,
    namespace: &str,
    name: &str,
) -> Option<Value> {
    let info = sim.state.find(group, "v1", plural).expect("a served kind");
    sim.state
        .store
        .get(&info.key(), namespace, name)
        .map(|o| serde_json::to_value(&*o).expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_is_scaled_and_restarted_and_a_pod_deleted_from_the_tables() {
    let sim = quiet_sim().await;
    let deployments = sim.state.find("apps", "v1", "deployments").unwrap();
    sim.state
        .create_object(
            &deployments,
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
        )
        .unwrap();
    let pods = sim.state.find("", "v1", "pods").unwrap();
    sim.state
        .create_object(
            &pods,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "stray", "namespace": "default"},
                "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Read-only first: every key refused, nothing changed.
    let mut ui = cockpit(&sim, dir.path(), true).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "pods default");
    ui.wait_for_text("stray").await.unwrap();
    filter_to(&mut ui, "stray");
    ui.press("ctrl-d").unwrap();
    ui.wait_for_text("read-only").await.unwrap();
    assert!(stored(&sim, "", "pods", "default", "stray").is_some());
    assert_eq!(audit(dir.path())[0]["result"], "refused");
    drop(ui);

    let mut ui = cockpit(&sim, dir.path(), false).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "deploy default");
    ui.wait_for_text("web").await.unwrap();
    filter_to(&mut ui, "web");
    // z: the replicas asked now, edited; the pods watched to 3, judged.
    ui.press("z").unwrap();
    let screen = ui.wait_for_text("How many replicas?").await.unwrap();
    assert!(input_says(&screen, "replicas ▸", "1"), "{screen}");
    ui.press("backspace").unwrap();
    ui.type_text("3").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(
        screen.contains("scale Deployment default/web to 3 replica(s)"),
        "{screen}"
    );
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = verdict(&mut ui, "the scale's verdict").await;
    assert!(screen.contains("scaled from 1 to 3 replica(s)"), "{screen}");
    assert!(
        screen.contains("verified: 3 pod(s) running and ready"),
        "{screen}"
    );
    let web = stored(&sim, "apps", "deployments", "default", "web").unwrap();
    assert_eq!(web["spec"]["replicas"], 3);
    ui.press("esc").unwrap();
    // r: a rollout restart, as kubectl makes it.
    ui.press("r").unwrap();
    ui.wait_for_text("run it? (y/n)").await.unwrap();
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = verdict(&mut ui, "the restart's verdict").await;
    assert!(
        screen.contains("Deployment default/web restarted at"),
        "{screen}"
    );
    let web = stored(&sim, "apps", "deployments", "default", "web").unwrap();
    assert!(
        web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string(),
        "{web}"
    );
    ui.press("esc").unwrap();
    ui.press("esc").unwrap();
    // ctrl-d on a pod: asked, deleted.
    command(&mut ui, "pods default");
    ui.wait_for_text("stray").await.unwrap();
    filter_to(&mut ui, "stray");
    ui.press("ctrl-d").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(screen.contains("delete Pod default/stray"), "{screen}");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("Pod stray deleted").await.unwrap();
    for _ in 0..100 {
        if stored(&sim, "", "pods", "default", "stray").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored(&sim, "", "pods", "default", "stray").is_none());
    let actions: Vec<(String, String)> = audit(dir.path())
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_string(),
                l["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("delete".to_string(), "refused".to_string()),
            ("scale".into(), "ok".into()),
            ("rollout.restart".into(), "ok".into()),
            ("delete".into(), "ok".into()),
        ]
    );
}
