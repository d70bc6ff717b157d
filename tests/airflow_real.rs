//! Strata's Airflow client against a real Airflow 3 (`airflow standalone` from the venv that
//! `scripts/fetch-airflow.sh` caches): sign in, unpause, trigger with a conf, follow the runs
//! to their end, read task states and logs, preview and clear a failed task. Skips loudly
//! without the venv (fails under `CI`).
//!
//! [`drive_airflow`] takes any [`Connector`] and runs several times on one Airflow, so the same
//! scenario runs twice in one test: over the URL, then the way Strata reaches an in-cluster
//! Airflow — the api-server pod found by the official chart's labels in the simulator, and a
//! port-forward (kube-rs, WebSocket) that the pod's `sim.strata.dev/forward` annotation leads
//! to the real Airflow.

mod airflow_support;
mod support;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use strata::cluster::connection::{ConnectTarget, KubeconfigSource, connect};
use strata::tools::airflow::{
    AirflowClient, AirflowError, ApiVersion, Connector, Credentials, DEFAULT_TIMEOUT, RunState,
    TriggerOptions, detect_api, locate, parse_conf,
};
use support::{Sim, SimOptions, wait_until};
use tempfile::TempDir;

/// A DAG that echoes a word from its conf, and one that fails: small, so a run takes seconds.
const DAGS: &str = r#"
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG(dag_id="strata_echo", schedule=None, catchup=False, tags=["strata"]):
    BashOperator(
        task_id="say",
        bash_command="echo \"strata says {{ dag_run.conf.get('word', 'nothing') }}\"",
    )

with DAG(dag_id="strata_fail", schedule=None, catchup=False, tags=["strata"]):
    BashOperator(task_id="break", bash_command="echo 'about to fail'; exit 3")
"#;

const USER: &str = "admin";
const PASSWORD: &str = "strata-test-pw";

/// Startup on 2 busy cores can take a couple of minutes (database migration, first parse).
const STARTUP: Duration = Duration::from_secs(240);

/// `airflow standalone` in a private home, killed with its whole process group on drop (also
/// when a test panics).
pub struct Standalone {
    child: Child,
    pub port: u16,
    home: TempDir,
}

impl Standalone {
    pub fn start(venv: &Path) -> Standalone {
        let home = tempfile::tempdir().expect("temp dir");
        let dags = home.path().join("dags");
        fs::create_dir_all(&dags).unwrap();
        fs::write(dags.join("strata_dags.py"), DAGS).unwrap();
        // The simple auth manager reads passwords from this file (and would generate one).
        let passwords = home.path().join("passwords.json");
        fs::write(&passwords, format!(r#"{{"{USER}": "{PASSWORD}"}}"#)).unwrap();
        let [port, worker_logs, trigger_logs] = free_ports();
        let log = fs::File::create(home.path().join("standalone.log")).unwrap();
        let bin = venv.join("bin");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let child = Command::new(bin.join("airflow"))
            .arg("standalone")
            .current_dir(home.path())
            // standalone starts its parts as `airflow ...` found on PATH.
            .env("PATH", path)
            .env("AIRFLOW_HOME", home.path())
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
            .env("AIRFLOW__CORE__DAGS_FOLDER", &dags)
            .env(
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
                format!("{USER}:admin"),
            )
            .env(
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
                &passwords,
            )
            .env("AIRFLOW__API__HOST", "127.0.0.1")
            .env("AIRFLOW__API__PORT", port.to_string())
            // Tasks reach the execution API through the base URL: it must name our port.
            .env("AIRFLOW__API__BASE_URL", format!("http://127.0.0.1:{port}"))
            .env(
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT",
                worker_logs.to_string(),
            )
            .env(
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT",
                trigger_logs.to_string(),
            )
            .env("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "5")
            .env("AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC", "2")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group, so every process it starts is killed with it.
            .process_group(0)
            .spawn()
            .expect("airflow standalone starts");
        Standalone { child, port, home }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn credentials() -> Credentials {
        Credentials::new(USER, PASSWORD)
    }

    /// The tail of its output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.home.path().join("standalone.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Waits until the REST API answers; panics with its log if it dies or takes too long.
    pub async fn wait_ready(&mut self) {
        let connector = Connector::url(&self.url()).unwrap();
        let started = Instant::now();
        loop {
            if let Ok((api, version)) = detect_api(&connector, Duration::from_secs(5)).await {
                assert_eq!(api, ApiVersion::V2);
                eprintln!("airflow {version} answered after {:.0?}", started.elapsed());
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("airflow standalone exited ({status}):\n{}", self.log_tail());
            }
            assert!(
                started.elapsed() < STARTUP,
                "airflow standalone did not answer within {STARTUP:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args([sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // Whatever of the group is left (workers, the api-server's children).
        signal("-KILL");
        let _ = self.child.wait();
    }
}

fn free_ports() -> [u16; 3] {
    // Held together so the three differ; released just before Airflow binds them.
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    [ports[0], ports[1], ports[2]]
}

/// Polls until the DAG processor has parsed `dag_id` (a fresh Airflow parses its folder a
/// few seconds after start).
async fn wait_for_dag(client: &AirflowClient, dag_id: &str) {
    let started = Instant::now();
    loop {
        match client.get_dag(dag_id).await {
            Ok(_) => return,
            Err(AirflowError::NotFound { .. }) if started.elapsed() < Duration::from_secs(180) => {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => panic!("DAG {dag_id} never appeared: {e}"),
        }
    }
}

/// The whole scenario through `connector`: what the cockpit does for "trigger and follow".
pub async fn drive_airflow(connector: Connector, credentials: Credentials) {
    let client = AirflowClient::connect(connector, credentials)
        .await
        .expect("Strata signs in to the real Airflow");
    assert_eq!(client.api_version(), ApiVersion::V2);
    assert!(
        client.server_version().starts_with("3."),
        "{}",
        client.server_version()
    );

    wait_for_dag(&client, "strata_echo").await;
    wait_for_dag(&client, "strata_fail").await;
    let page = client.list_dags(100, 0, Some("strata%")).await.unwrap();
    let ids: Vec<&str> = page.dags.iter().map(|d| d.dag_id.as_str()).collect();
    assert_eq!(ids, ["strata_echo", "strata_fail"]);
    assert_eq!(
        page.dags[0].schedule().as_deref(),
        Some("Never, external triggers only")
    );
    // New DAGs start paused (Airflow's default) and a paused DAG's runs do not start; pause
    // first so the scenario also holds on an Airflow a previous pass already unpaused.
    for dag in ["strata_echo", "strata_fail"] {
        let paused = client.set_paused(dag, true).await.unwrap();
        assert_eq!(paused.is_paused, Some(true), "{dag}");
        assert_eq!(client.get_dag(dag).await.unwrap().is_paused, Some(true));
        let unpaused = client.set_paused(dag, false).await.unwrap();
        assert_eq!(unpaused.is_paused, Some(false), "{dag}");
    }
    assert_eq!(
        client.get_dag("strata_echo").await.unwrap().is_paused,
        Some(false)
    );

    let options = TriggerOptions {
        conf: parse_conf(r#"{"word": "hello-from-strata"}"#).unwrap(),
        note: Some("triggered by the Strata test".into()),
        ..Default::default()
    };
    let echo = client.trigger("strata_echo", &options).await.unwrap();
    assert_eq!(
        echo.conf,
        Some(serde_json::json!({"word": "hello-from-strata"}))
    );
    assert!(
        !echo.state.is_terminal(),
        "a new run is queued: {}",
        echo.state
    );
    let failing = client
        .trigger("strata_fail", &TriggerOptions::default())
        .await
        .unwrap();

    let mut states = Vec::new();
    let done = tokio::time::timeout(
        Duration::from_secs(240),
        client.wait_for_run(
            "strata_echo",
            &echo.dag_run_id,
            Duration::from_secs(1),
            |run| states.push(run.state.clone()),
        ),
    )
    .await
    .expect("the echo run ends within 4 minutes")
    .unwrap();
    assert_eq!(done.state, RunState::Success, "states seen: {states:?}");
    assert_eq!(states.last(), Some(&RunState::Success));
    assert!(done.start_date.is_some() && done.end_date >= done.start_date);
    let last = client.last_run("strata_echo").await.unwrap().unwrap();
    assert_eq!(last.dag_run_id, echo.dag_run_id);

    let tasks = client
        .task_instances("strata_echo", &echo.dag_run_id)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let say = &tasks[0];
    assert_eq!(
        (say.task_id.as_str(), say.state.as_deref(), say.try_number),
        ("say", Some("success"), 1)
    );
    let log = client
        .task_log(
            "strata_echo",
            &echo.dag_run_id,
            "say",
            say.try_number,
            say.map_index,
        )
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|l| l.text.contains("strata says hello-from-strata")),
        "the echo is in the log:\n{}",
        log.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Nothing failed: the preview clears nothing.
    let nothing = client
        .clear_failed_tasks("strata_echo", &echo.dag_run_id, true)
        .await
        .unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");

    let failed = tokio::time::timeout(
        Duration::from_secs(240),
        client.wait_for_run(
            "strata_fail",
            &failing.dag_run_id,
            Duration::from_secs(1),
            |_| {},
        ),
    )
    .await
    .expect("the failing run ends within 4 minutes")
    .unwrap();
    assert_eq!(failed.state, RunState::Failed);
    let tasks = client
        .task_instances("strata_fail", &failing.dag_run_id)
        .await
        .unwrap();
    assert!(tasks[0].is_failed(), "{tasks:?}");
    let log = client
        .task_log("strata_fail", &failing.dag_run_id, "break", 1, -1)
        .await
        .unwrap();
    assert!(
        log.iter().any(|l| l.text.contains("about to fail")),
        "{log:?}"
    );
    let preview = client
        .clear_failed_tasks("strata_fail", &failing.dag_run_id, true)
        .await
        .unwrap();
    assert_eq!(
        preview
            .iter()
            .map(|t| t.task_id.as_str())
            .collect::<Vec<_>>(),
        ["break"]
    );
    // The preview changed nothing.
    let still = client
        .get_run("strata_fail", &failing.dag_run_id)
        .await
        .unwrap();
    assert_eq!(still.state, RunState::Failed);
    let cleared = client
        .clear_failed_tasks("strata_fail", &failing.dag_run_id, false)
        .await
        .unwrap();
    assert_eq!(cleared.len(), 1);
    let again = client
        .get_run("strata_fail", &failing.dag_run_id)
        .await
        .unwrap();
    assert!(
        !again.state.is_terminal(),
        "a cleared run goes back to the queue: {}",
        again.state
    );

    let missing = client
        .trigger("no_such_dag", &TriggerOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, AirflowError::NotFound { .. }),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_and_follow_a_real_airflow_3_over_a_url_then_a_port_forward() {
    let Some(kit) = airflow_support::airflow_kit() else {
        return;
    };
    let started = Instant::now();
    let mut airflow = Standalone::start(&kit.venv);
    airflow.wait_ready().await;
    // Wrong credentials are refused plainly before anything else is tried.
    let wrong = Credentials::new(USER, "not-the-password");
    let err = AirflowClient::connect(Connector::url(&airflow.url()).unwrap(), wrong)
        .await
        .unwrap_err();
    assert!(matches!(err, AirflowError::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-password"));

    let scenario = drive_airflow(
        Connector::url(&airflow.url()).unwrap(),
        Standalone::credentials(),
    );
    if tokio::time::timeout(Duration::from_secs(600), scenario)
        .await
        .is_err()
    {
        panic!("the scenario took over 10 minutes:\n{}", airflow.log_tail());
    }
    let over_url = started.elapsed();

    // Again through the cluster: an api-server pod as the official chart labels it, whose
    // port 8080 the simulator's kubelet forwards to the real Airflow.
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    sim.namespace("dataflow");
    sim.create(
        "dataflow",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: airflow-api-server-0
  labels: {{tier: airflow, component: api-server, release: dataflow}}
  annotations:
    sim.strata.dev/forward: "8080=127.0.0.1:{port}"
spec:
  containers:
  - name: api-server
    image: apache/airflow:3.3.2
    ports:
    - {{name: api-server, containerPort: 8080}}
"#,
            port = airflow.port
        ),
    );
    wait_until("the api-server pod runs", Duration::from_secs(30), || {
        let out = sim.kubectl(&[
            "get",
            "pod",
            "airflow-api-server-0",
            "-n",
            "dataflow",
            "-o",
            "jsonpath={.status.phase}",
        ]);
        if out.stdout.trim() == "Running" {
            Ok(())
        } else {
            Err(out.stdout.clone())
        }
    });
    let connection = connect(&ConnectTarget {
        source: KubeconfigSource::File(sim.kubeconfig.clone()),
        context: None,
    })
    .await
    .expect("a kube-rs client for the simulator");
    let located = locate(&connection.client, None, Some("dataflow"), None)
        .await
        .expect("Strata finds the api-server pod by its labels");
    let endpoint = located.endpoint.clone().expect("a port-forward, not a URL");
    assert_eq!(
        (endpoint.pod.as_str(), endpoint.port),
        ("airflow-api-server-0", 8080)
    );
    let through_cluster = drive_airflow(located.connector, Standalone::credentials());
    if tokio::time::timeout(Duration::from_secs(600), through_cluster)
        .await
        .is_err()
    {
        panic!(
            "the port-forward scenario took over 10 minutes:\n{}",
            airflow.log_tail()
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "real Airflow scenario done over the URL in {over_url:.0?}, through the simulator's port-forward in {:.0?} more (request timeout {DEFAULT_TIMEOUT:?})",
        started.elapsed() - over_url
    );
}
