//! The demo opens on an hour of runs: finished runs of every tool (failures among successes)
//! and a retry running now, with the labels, states and exit codes the tools and controllers
//! write, and logs (through `pods/log`, and the real kubectl) that say why runs failed. All
//! of it without the run generators (`--no-runs`).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use futures::AsyncBufReadExt;
use futures::TryStreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams, LogParams};
use kube::discovery::ApiResource;
use strata_sim::RunningSim;

use common::{client, demo, start};

async fn pods(sim: &RunningSim, ns: &str, labels: &str) -> Vec<Pod> {
    let api: Api<Pod> = Api::namespaced(client(sim).await, ns);
    let mut items = api
        .list(&ListParams::default().labels(labels))
        .await
        .unwrap()
        .items;
    items.sort_by_key(|p| p.metadata.name.clone());
    items
}

fn name(p: &Pod) -> &str {
    p.metadata.name.as_deref().unwrap_or_default()
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or_default()
}

fn label<'a>(p: &'a Pod, key: &str) -> &'a str {
    p.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .unwrap_or_default()
}

/// Exit codes of the pod's main containers.
fn exit_codes(p: &Pod) -> Vec<i32> {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| Some(c.state.as_ref()?.terminated.as_ref()?.exit_code))
        .collect()
}

/// The log of a container, as `GET …/pods/{name}/log?container=` answers it.
async fn log(sim: &RunningSim, ns: &str, pod: &str, container: &str) -> String {
    let api: Api<Pod> = Api::namespaced(client(sim).await, ns);
    api.logs(
        pod,
        &LogParams {
            container: Some(container.to_string()),
            ..LogParams::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{ns}/{pod} -c {container}: {e}"))
}

#[tokio::test]
async fn a_failed_airbyte_sync_says_the_destination_rejected_the_password() {
    let sim = start(demo()).await;
    let syncs = pods(&sim, "ingestion", "airbyte=job-pod,job_type=sync").await;
    let names: Vec<(&str, &str)> = syncs.iter().map(|p| (name(p), phase(p))).collect();
    assert_eq!(
        names,
        [
            ("replication-job-18394-attempt-0", "Succeeded"),
            ("replication-job-18395-attempt-0", "Succeeded"),
            ("replication-job-18396-attempt-0", "Succeeded"),
            ("replication-job-18397-attempt-0", "Succeeded"),
            ("replication-job-18398-attempt-0", "Failed"),
            ("replication-job-18398-attempt-1", "Failed"),
            ("replication-job-18399-attempt-0", "Succeeded"),
        ]
    );
    let failed = &syncs[5];
    for (k, v) in [
        ("job_id", "18398"),
        ("attempt_id", "1"),
        ("sync_step", "replication"),
        ("destination_image_name", "destination-clickhouse"),
        ("source_image_name", "source-postgres"),
    ] {
        assert_eq!(label(failed, k), v, "{k}");
    }
    assert!(!label(failed, "connection_id").is_empty());
    assert_eq!(exit_codes(failed), [1, 1, 1]);
    assert!(exit_codes(&syncs[6]).iter().all(|c| *c == 0));

    let destination = log(&sim, "ingestion", name(failed), "destination").await;
    assert!(
        destination.contains("Authentication failed: password is incorrect")
            && destination.contains("AUTHENTICATION_FAILED")
            && destination.contains("\"failure_type\":\"config_error\""),
        "{destination}"
    );
    let orchestrator = log(&sim, "ingestion", name(failed), "orchestrator").await;
    for reason in [
        "DestinationException: Destination process exited with non-zero exit code 1",
        "\"status\" : \"failed\"",
        "\"failureOrigin\" : \"destination\"",
        "(AUTHENTICATION_FAILED)",
        "----- END REPLICATION -----",
    ] {
        assert!(orchestrator.contains(reason), "{reason}:\n{orchestrator}");
    }
    // The source was cut off, not the cause; the init container ran.
    let source = log(&sim, "ingestion", name(failed), "source").await;
    assert!(!source.contains("\"ERROR\""), "{source}");
    assert!(
        !log(&sim, "ingestion", name(failed), "init")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_airflow_task_failed_its_first_try_and_retries_now() {
    let sim = start(demo()).await;
    let tries = pods(
        &sim,
        "orchestration",
        "dag_id=customer_360,task_id=build_customer_features,kubernetes_executor=True",
    )
    .await;
    assert_eq!(tries.len(), 2);
    let (first, second) = if label(&tries[0], "try_number") == "1" {
        (&tries[0], &tries[1])
    } else {
        (&tries[1], &tries[0])
    };
    assert_eq!(phase(first), "Failed");
    assert_eq!(exit_codes(first), [1]);
    assert_eq!(
        (label(second, "try_number"), phase(second)),
        ("2", "Running")
    );
    assert_eq!(label(first, "run_id"), label(second, "run_id"));
    for p in [first, second] {
        assert_eq!(label(p, "tier"), "airflow");
        assert_eq!(label(p, "component"), "worker");
        assert_eq!(p.spec.as_ref().unwrap().containers[0].name, "base");
    }

    let text = log(&sim, "orchestration", name(first), "base").await;
    let events: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("task runner JSON")["event"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let start = events
        .iter()
        .position(|e| e == "Traceback (most recent call last):")
        .expect("a traceback");
    let end = events
        .iter()
        .position(|e| e == "KeyError: 'order_total'")
        .expect("the exception line");
    assert!(end > start + 4);
    assert!(
        events[end + 1..]
            .iter()
            .any(|e| e == "Command exited with return code 1")
    );
    assert!(text.contains("Task failed with exception"));

    // Try 2 is running and writing: a follow stream stays open and delivers.
    let api: Api<Pod> = Api::namespaced(client(&sim).await, "orchestration");
    let mut lines = api
        .log_stream(
            name(second),
            &LogParams {
                follow: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap()
        .lines();
    let first_line = tokio::time::timeout(Duration::from_secs(5), lines.try_next())
        .await
        .expect("the running try writes")
        .unwrap()
        .unwrap();
    assert!(first_line.contains("Executing workload"), "{first_line}");
}

#[tokio::test]
async fn a_dbt_marts_run_failed_on_a_models_sql_error() {
    let sim = start(demo()).await;
    let jobs: Api<Job> = Api::namespaced(client(&sim).await, "transformation");
    let marts: Vec<Job> = jobs
        .list(&ListParams::default().labels("app.kubernetes.io/instance=dbt-marts"))
        .await
        .unwrap()
        .items;
    let failed: Vec<&Job> = marts
        .iter()
        .filter(|j| {
            j.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Failed" && c.status == "True"))
                && j.spec
                    .as_ref()
                    .and_then(|s| s.template.metadata.as_ref())
                    .is_some_and(|m| {
                        m.annotations.as_ref().is_some_and(|a| {
                            a.get("sim.strata.dev/script")
                                .is_some_and(|s| s.contains("fail-in=customer_ltv"))
                        })
                    })
        })
        .collect();
    assert_eq!(failed.len(), 1, "one failed dbt-marts run in the history");
    let job = failed[0];
    let owner = &job.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("CronJob", "dbt-marts")
    );
    let job_name = job.metadata.name.as_deref().unwrap();
    let run = pods(&sim, "transformation", &format!("job-name={job_name}")).await;
    assert_eq!(run.len(), 1);
    assert_eq!(phase(&run[0]), "Failed");
    assert_eq!(exit_codes(&run[0]), [1]);
    // Successes around it.
    let complete = marts
        .iter()
        .filter(|j| j.status.as_ref().and_then(|s| s.succeeded) == Some(1))
        .count();
    assert!(complete >= 2, "{complete}");

    let text = log(&sim, "transformation", name(&run[0]), "dbt").await;
    for reason in [
        "ERROR creating sql table model analytics.customer_ltv",
        "Failure in model customer_ltv (models/marts/customer_ltv.sql)",
        "  Database Error in model customer_ltv (models/marts/customer_ltv.sql)",
        "  column p.refunded_amount does not exist",
        "LINE 14:         sum(p.amount - p.refunded_amount) as lifetime_value,",
        "compiled code at target/compiled/analytics/models/marts/customer_ltv.sql",
        "ERROR=1",
    ] {
        assert!(text.contains(reason), "{reason}:\n{text}");
    }
    // dbt's text format: colour reset, HH:MM:SS and two spaces before each event.
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("\x1b[0m") && first.as_bytes()[12..14] == *b"  ",
        "{first:?}"
    );
    assert!(first.contains("Running with dbt=1.9.0"), "{first:?}");
}

#[tokio::test]
async fn a_dagster_run_failed_and_spark_applications_completed() {
    let sim = start(demo()).await;
    let runs = pods(
        &sim,
        "orchestration",
        "app.kubernetes.io/component=run_worker",
    )
    .await;
    let failed: Vec<&Pod> = runs.iter().filter(|p| phase(p) == "Failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(runs.len(), 3);
    let p = failed[0];
    assert_eq!(label(p, "dagster/job"), "orders_assets_job");
    assert_eq!(exit_codes(p), [1]);
    let run_id = label(p, "dagster/run-id");
    assert_eq!(label(p, "job-name"), format!("dagster-run-{run_id}"));
    let jobs: Api<Job> = Api::namespaced(client(&sim).await, "orchestration");
    let job = jobs.get(&format!("dagster-run-{run_id}")).await.unwrap();
    assert_eq!(job.status.unwrap().failed, Some(1));
    let text = log(&sim, "orchestration", name(p), "dagster").await;
    for reason in [
        "STEP_FAILURE - Execution of step \"revenue_report\" failed.",
        "requests.exceptions.ConnectionError",
        "RUN_FAILURE - Execution of run for \"orders_assets_job\" failed. Steps failed: ['revenue_report'].",
    ] {
        assert!(text.contains(reason), "{reason}:\n{text}");
    }

    let ar = ApiResource {
        group: "sparkoperator.k8s.io".into(),
        version: "v1beta2".into(),
        api_version: "sparkoperator.k8s.io/v1beta2".into(),
        kind: "SparkApplication".into(),
        plural: "sparkapplications".into(),
    };
    let apps: Api<DynamicObject> = Api::namespaced_with(client(&sim).await, "spark", &ar);
    let apps = apps.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(apps.len(), 3);
    for app in &apps {
        let app_name = app.metadata.name.as_deref().unwrap();
        assert_eq!(app.data["status"]["applicationState"]["state"], "COMPLETED");
        let driver = app.data["status"]["driverInfo"]["podName"]
            .as_str()
            .unwrap();
        let of_app = pods(
            &sim,
            "spark",
            &format!("sparkoperator.k8s.io/app-name={app_name}"),
        )
        .await;
        assert_eq!(of_app.len(), 1, "executors are gone");
        assert_eq!((name(&of_app[0]), phase(&of_app[0])), (driver, "Succeeded"));
        assert_eq!(label(&of_app[0], "spark-role"), "driver");
        let text = log(&sim, "spark", driver, "spark-kubernetes-driver").await;
        assert!(text.contains("Successfully stopped SparkContext"), "{text}");
    }
}

#[tokio::test]
async fn the_history_is_the_same_on_every_start() {
    // The runs' pods (CronJob Jobs aside: the controller adds the latest scheduled one at
    // start, which may still run), told by what they run where the tools put a time in
    // their names (Airflow tries: the DAG run's hour).
    let summary = |sim: RunningSim| async move {
        let mut out = Vec::new();
        for (ns, selector) in [
            ("ingestion", "airbyte=job-pod"),
            ("orchestration", "kubernetes_executor=True"),
            ("orchestration", "app.kubernetes.io/component=run_worker"),
            ("spark", "spark-role"),
        ] {
            for p in pods(&sim, ns, selector).await {
                let what = if label(&p, "kubernetes_executor") == "True" {
                    let l = |k| label(&p, k);
                    format!("{}.{} try {}", l("dag_id"), l("task_id"), l("try_number"))
                } else if label(&p, "spark-role") == "driver" {
                    "orders-enrichment driver".to_string()
                } else {
                    name(&p).to_string()
                };
                out.push(format!("{ns}/{what} {} {:?}", phase(&p), exit_codes(&p)));
            }
        }
        out.sort();
        out
    };
    let a = summary(start(demo()).await).await;
    let b = summary(start(demo()).await).await;
    assert_eq!(a.len(), 7 + 6 + 3 + 3, "{a:#?}");
    assert_eq!(a, b);
}

/// The real kubectl, when it is available (`STRATA_KUBECTL` or the tools cache).
fn kubectl_path() -> Option<PathBuf> {
    let path = std::env::var_os("STRATA_KUBECTL")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/strata/tools/kubectl"))
        })?;
    path.is_file().then_some(path)
}

/// A private directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("strata-sim-kubectl-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The real kubectl with a private home (its discovery cache) and the simulator's
/// kubeconfig.
struct Kubectl {
    path: PathBuf,
    home: TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    fn new(sim: &RunningSim) -> Option<Kubectl> {
        let Some(path) = kubectl_path() else {
            eprintln!("SKIPPED: kubectl not found (set STRATA_KUBECTL)");
            return None;
        };
        let home = TempDir::new();
        let kubeconfig = home.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        Some(Kubectl {
            path,
            home,
            kubeconfig,
        })
    }

    /// Runs kubectl (blocking, off the runtime): (success, stdout, stderr).
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(&self.path);
        cmd.args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.home.path());
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Starts kubectl, lets it run for `wait`, then stops it: whether it was still running,
    /// and what it printed.
    async fn follow_for(&self, args: &[&str], wait: Duration) -> (bool, String) {
        use std::io::Read;
        let mut child = Command::new(&self.path)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.home.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(wait).await;
        let running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        let _ = child.wait();
        (running, out)
    }

    async fn ok(&self, args: &[&str]) -> (String, String) {
        let (ok, out, err) = self.run(args).await;
        assert!(ok, "kubectl {args:?} failed:\n{err}");
        (out, err)
    }
}

/// `kubectl logs` and its flags on the history pods: -c, the default container, --tail,
/// --timestamps, --since, --since-time, --previous (an error: they never restarted) and -f
/// (ends for a finished pod, streams for the running try).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_reads_the_history() {
    let sim = start(demo()).await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let pod = "replication-job-18398-attempt-1";
    let ns = ["-n", "ingestion"];
    let logs = |extra: &[&str]| {
        let mut args = vec!["logs", pod];
        args.extend(ns);
        args.extend(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let k = &k;
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            k.ok(&refs).await
        }
    };
    let (dest, _) = run(logs(&["-c", "destination"])).await;
    assert!(dest.contains("AUTHENTICATION_FAILED"), "{dest}");
    let (default, err) = run(logs(&[])).await;
    assert!(
        err.contains("Defaulted container \"orchestrator\""),
        "{err}"
    );
    assert!(default.contains("\"failureOrigin\" : \"destination\""));
    let (tail, _) = run(logs(&["-c", "destination", "--tail=1", "--timestamps"])).await;
    assert_eq!(tail.lines().count(), 1);
    let (ts, text) = tail.trim_end().split_once(' ').unwrap();
    assert_eq!(ts.len(), 30, "{ts}");
    assert!(text.contains("AUTHENTICATION_FAILED"), "{text}");
    // --since-time at that line's second keeps it; a later second drops it.
    let at = chrono::DateTime::parse_from_rfc3339(ts).unwrap();
    let second = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (kept, _) = run(logs(&[
        "-c",
        "destination",
        &format!("--since-time={second}"),
    ]))
    .await;
    assert!(kept.contains("AUTHENTICATION_FAILED"));
    let later = (at + chrono::Duration::seconds(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (dropped, _) = run(logs(&[
        "-c",
        "destination",
        &format!("--since-time={later}"),
    ]))
    .await;
    assert!(dropped.is_empty(), "{dropped}");
    // The sync ended 23 minutes ago: --since=1h has it, --since=5m not.
    let (hour, _) = run(logs(&["-c", "destination", "--since=1h"])).await;
    assert_eq!(hour, dest);
    let (recent, _) = run(logs(&["-c", "destination", "--since=5m"])).await;
    assert!(recent.is_empty());
    // -f of a finished container prints its log and exits.
    let (followed, _) = run(logs(&["-c", "destination", "-f"])).await;
    assert_eq!(followed, dest);
    let (ok, _, err) = k
        .run(&[
            "logs",
            pod,
            "-n",
            "ingestion",
            "-c",
            "destination",
            "--previous",
        ])
        .await;
    assert!(
        !ok && err.contains("previous terminated container \"destination\""),
        "{err}"
    );

    // The running retry: -f keeps streaming until stopped.
    let tries = pods(
        &sim,
        "orchestration",
        "task_id=build_customer_features,try_number=2",
    )
    .await;
    let (still_running, out) = k
        .follow_for(
            &["logs", "-f", name(&tries[0]), "-n", "orchestration"],
            Duration::from_secs(3),
        )
        .await;
    assert!(still_running, "a follow of a running container goes on");
    assert!(out.contains("Executing workload"), "{out}");
}
