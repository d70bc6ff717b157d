//! Runs of the demo: the pods and Jobs the tools create at run time, with the names, labels
//! and annotations the real tools write (Airbyte's workload launcher, Airflow's
//! KubernetesExecutor, Dagster's K8sRunLauncher, the Spark operator), and a pod script so each
//! run succeeds or fails after 20–90 s.
//!
//! dbt and Meltano runs are not here: they come from CronJobs in the cluster objects, which
//! the simulator's CronJob controller fires on schedule.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::RunGenerator;
use super::charts;
use super::md5;
use super::meta::{
    alnum_id, hex_id, kube_time, mix, object_at, set_annotation, set_creation, set_script,
    stable_hash, uuid,
};

/// Every run generator of the demo.
pub fn generators() -> Vec<RunGenerator> {
    vec![
        RunGenerator {
            name: "airflow-task",
            first_after: Duration::from_secs(8),
            period: AIRFLOW_PERIOD,
            make: airflow_task,
        },
        RunGenerator {
            name: "airbyte-sync",
            first_after: Duration::from_secs(15),
            period: Duration::from_secs(120),
            make: airbyte_sync,
        },
        RunGenerator {
            name: "spark-application",
            first_after: Duration::from_secs(25),
            period: Duration::from_secs(180),
            make: spark_application,
        },
        RunGenerator {
            name: "dagster-run",
            first_after: Duration::from_secs(40),
            period: Duration::from_secs(150),
            make: dagster_run,
        },
    ]
}

/// A run lasting 20–90 s that ends with `code`.
fn run_script(seed: u64, code: i32) -> String {
    let secs = 20 + mix(seed) % 71;
    if code == 0 {
        format!("start=4s,exit={secs}s")
    } else {
        format!("start=4s,exit={secs}s,code={code}")
    }
}

// ---------------------------------------------------------------------------------------
// Airbyte

const AIRBYTE_VERSION: &str = "2.0.1";
const AIRBYTE_WORKSPACE: &str = "0c3b8a31-5d8e-4f6b-9a2e-7b1d4c9e2f10";

/// (connection name, source image, source version, destination image, destination version)
const CONNECTIONS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "Postgres orders → ClickHouse",
        "source-postgres",
        "3.6.30",
        "destination-clickhouse",
        "1.1.6",
    ),
    (
        "Stripe → ClickHouse",
        "source-stripe",
        "5.15.3",
        "destination-clickhouse",
        "1.1.6",
    ),
    (
        "HubSpot → Postgres",
        "source-hubspot",
        "4.4.12",
        "destination-postgres",
        "2.4.6",
    ),
];

/// The demo's Airbyte connections: (name, connection id), as the sync pods label them.
pub fn airbyte_connections() -> Vec<(&'static str, String)> {
    CONNECTIONS
        .iter()
        .map(|c| (c.0, uuid(stable_hash(&["airbyte-connection", c.0]))))
        .collect()
}

/// The demo's Airflow DAGs and their tasks, in order.
pub fn airflow_dags() -> &'static [(&'static str, [&'static str; 3])] {
    &DAGS
}

/// The Airflow version the demo's chart runs.
pub const AIRFLOW_RELEASE: &str = AIRFLOW_VERSION;

/// One sync attempt: a replication pod `replication-job-<job>-attempt-<n>` with the
/// orchestrator, source and destination containers. Every fifth slot retries the previous
/// job's failed attempt 0 as attempt 1, as Airbyte retries failed syncs.
pub fn airbyte_sync(seq: u64, now: DateTime<Utc>) -> Vec<Value> {
    let block = seq / 5;
    let phase = seq % 5;
    let job_id = 18_400 + block * 4 + [0, 1, 2, 2, 3][phase as usize];
    let attempt = u64::from(phase == 3);
    let fails = phase == 2;
    let mut pod = airbyte_pod(job_id, attempt, (job_id % 3) as usize);
    let seed = stable_hash(&["airbyte", super::meta::name(&pod)]);
    set_script(&mut pod, &run_script(seed, if fails { 1 } else { 0 }));
    set_creation(&mut pod, now);
    vec![pod]
}

/// The replication pod of attempt `attempt` of sync job `job_id` of connection
/// `CONNECTIONS[connection]` (modulo their number), as the workload launcher makes it: no
/// script and no creation time yet.
pub fn airbyte_pod(job_id: u64, attempt: u64, connection: usize) -> Value {
    let (conn_name, src, src_v, dst, dst_v) = CONNECTIONS[connection % CONNECTIONS.len()];
    let connection_id = uuid(stable_hash(&["airbyte-connection", conn_name]));
    let name = format!("replication-job-{job_id}-attempt-{attempt}");
    let seed = stable_hash(&["airbyte", &name]);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "ingestion",
            "labels": {
                "airbyte": "job-pod",
                "job_id": job_id.to_string(),
                "attempt_id": attempt.to_string(),
                "connection_id": connection_id,
                "workspace_id": AIRBYTE_WORKSPACE,
                "job_type": "sync",
                "sync_step": "replication",
                "mutex_key": connection_id,
                "workload_id": format!("{connection_id}_{job_id}_{attempt}_sync"),
                "auto_id": uuid(seed),
                "orchestrator_image_name": "container-orchestrator",
                "orchestrator_image_version": AIRBYTE_VERSION,
                "source_image_name": src,
                "source_image_version": src_v,
                "destination_image_name": dst,
                "destination_image_version": dst_v,
            },
            "annotations": {"airbyte/connection-name": conn_name},
        },
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": "airbyte-admin",
            "automountServiceAccountToken": true,
            "initContainers": [{
                "name": "init",
                "image": format!("airbyte/workload-init-container:{AIRBYTE_VERSION}"),
                "env": [{"name": "WORKLOAD_ID", "value": format!("{connection_id}_{job_id}_{attempt}_sync")}],
                "volumeMounts": [{"name": "config", "mountPath": "/config"}],
            }],
            "containers": [
                {
                    "name": "orchestrator",
                    "image": format!("airbyte/container-orchestrator:{AIRBYTE_VERSION}"),
                    "env": [
                        {"name": "JOB_ID", "value": job_id.to_string()},
                        {"name": "ATTEMPT_ID", "value": attempt.to_string()},
                        {"name": "CONNECTION_ID", "value": connection_id},
                    ],
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                    "volumeMounts": [{"name": "config", "mountPath": "/config"}, {"name": "pipes", "mountPath": "/pipes"}],
                },
                {
                    "name": "source",
                    "image": format!("airbyte/{src}:{src_v}"),
                    "env": [{"name": "USE_STREAM_CAPABLE_STATE", "value": "true"}],
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                    "volumeMounts": [{"name": "config", "mountPath": "/config"}, {"name": "pipes", "mountPath": "/pipes"}],
                },
                {
                    "name": "destination",
                    "image": format!("airbyte/{dst}:{dst_v}"),
                    "env": [{"name": "USE_STREAM_CAPABLE_STATE", "value": "true"}],
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                    "volumeMounts": [{"name": "config", "mountPath": "/config"}, {"name": "pipes", "mountPath": "/pipes"}],
                },
            ],
            "volumes": [{"name": "config", "emptyDir": {}}, {"name": "pipes", "emptyDir": {}}],
        },
    })
}

// ---------------------------------------------------------------------------------------
// Airflow

const AIRFLOW_PERIOD: Duration = Duration::from_secs(60);
const AIRFLOW_VERSION: &str = "3.0.2";
/// The scheduler job id the executor writes into `airflow-worker`.
const AIRFLOW_SCHEDULER_JOB: &str = "187";

const DAGS: [(&str, [&str; 3]); 3] = [
    (
        "orders_daily",
        [
            "extract_orders",
            "load_orders_to_clickhouse",
            "refresh_order_marts",
        ],
    ),
    (
        "customer_360",
        [
            "sync_crm_accounts",
            "build_customer_features",
            "publish_segments",
        ],
    ),
    (
        "clickhouse_maintenance",
        [
            "optimize_partitions",
            "expire_raw_events",
            "vacuum_query_log",
        ],
    ),
];

/// Airflow's `make_safe_label_value`: strip characters a label value cannot hold and, when
/// anything changed or it is too long, cut to 53 characters and add `-` plus 9 MD5 digits.
pub fn airflow_safe_label(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let start = chars.iter().position(|c| c.is_ascii_alphanumeric());
    let end = chars.iter().rposition(|c| c.is_ascii_alphanumeric());
    let mut safe: String = match (start, end) {
        (Some(s), Some(e)) => chars[s..=e]
            .iter()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect(),
        _ => String::new(),
    };
    if safe.len() > 63 || safe != raw {
        let hash = md5::hex_digest(raw.as_bytes());
        safe.truncate(63 - 9 - 1);
        safe.push('-');
        safe.push_str(&hash[..9]);
    }
    safe
}

/// The chart's pod template, parsed once.
fn airflow_pod_template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        charts::parse_yaml(charts::AIRFLOW_POD_TEMPLATE)
            .into_iter()
            .next()
            .unwrap_or_else(|| json!({"apiVersion": "v1", "kind": "Pod"}))
    })
}

/// One task try of a DAG run under the KubernetesExecutor: a bare pod from the chart's pod
/// template plus the executor's labels and annotations. In each block of four slots the
/// second task fails its first try (exit 1) and is retried as try 2 in the next slot.
pub fn airflow_task(seq: u64, now: DateTime<Utc>) -> Vec<Value> {
    let block = seq / 4;
    let phase = seq % 4;
    let (dag_id, tasks) = DAGS[(block % DAGS.len() as u64) as usize];
    let (task_id, try_number, fails) = match phase {
        0 => (tasks[0], 1, false),
        1 => (tasks[1], 1, true),
        2 => (tasks[1], 2, false),
        _ => (tasks[2], 1, false),
    };
    // The DAG run is the one of the hour the block started in; the retry computes the same
    // hour because it runs exactly one period later.
    let block_start = now - chrono::Duration::seconds((phase * AIRFLOW_PERIOD.as_secs()) as i64);
    let try_ = TaskTry {
        dag_id,
        task_id,
        try_number,
        logical: hour_of(block_start),
        salt: seq,
        run_id: None,
    };
    let mut pod = airflow_task_pod(&try_);
    set_script(
        &mut pod,
        &run_script(try_.seed(), if fails { 1 } else { 0 }),
    );
    set_creation(&mut pod, now);
    vec![pod]
}

/// The start of the hour `t` is in: the logical date of an hourly DAG run.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// One try of one task instance of a scheduled DAG run.
pub struct TaskTry<'a> {
    pub dag_id: &'a str,
    pub task_id: &'a str,
    pub try_number: u32,
    /// The DAG run's logical date (its run id is `scheduled__<logical date>`).
    pub logical: DateTime<Utc>,
    /// Keeps pod names of otherwise equal tries apart (the executor adds random characters).
    pub salt: u64,
    /// The run id of a run not made by the scheduler (`manual__…` from a trigger); `None`
    /// for `scheduled__<logical date>`.
    pub run_id: Option<&'a str>,
}

impl TaskTry<'_> {
    fn run_id(&self) -> String {
        match self.run_id {
            Some(id) => id.to_string(),
            None => format!(
                "scheduled__{}",
                self.logical.format("%Y-%m-%dT%H:%M:%S+00:00")
            ),
        }
    }

    fn seed(&self) -> u64 {
        stable_hash(&[
            "airflow",
            self.dag_id,
            self.task_id,
            &self.run_id(),
            &self.try_number.to_string(),
        ])
    }
}

/// The pod of a task try (no script and no creation time yet).
pub fn airflow_task_pod(t: &TaskTry<'_>) -> Value {
    let (dag_id, task_id, try_number) = (t.dag_id, t.task_id, t.try_number);
    let logical_iso = t.logical.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let run_id = t.run_id();
    let seed = t.seed();
    // The executor's pod name: slugified `<dag_id>-<task_id>` plus 8 random characters.
    let slug = format!("{dag_id}-{task_id}")
        .replace('_', "-")
        .to_lowercase();
    let name = format!("{slug}-{}", alnum_id(seed ^ t.salt, 8));

    let mut pod = airflow_pod_template().clone();
    if let Some(spec) = pod["spec"].as_object_mut() {
        // The template renders `initContainers:` empty.
        spec.retain(|_, v| !v.is_null());
    }
    let meta = object_at(&mut pod, "metadata");
    meta.insert("name".into(), name.into());
    meta.insert("namespace".into(), "orchestration".into());
    let labels = object_at(&mut pod["metadata"], "labels");
    for (k, v) in [
        ("dag_id", airflow_safe_label(dag_id)),
        ("task_id", airflow_safe_label(task_id)),
        ("run_id", airflow_safe_label(&run_id)),
        ("try_number", try_number.to_string()),
        ("kubernetes_executor", "True".into()),
        ("airflow_version", AIRFLOW_VERSION.into()),
        ("airflow-worker", AIRFLOW_SCHEDULER_JOB.into()),
        (
            "logical_date",
            logical_iso.replace(':', "_").replace('+', "_plus_"),
        ),
    ] {
        labels.insert(k.into(), v.into());
    }
    // Raw values live in annotations: labels are shortened and hashed.
    for (k, v) in [
        ("dag_id", dag_id.to_string()),
        ("task_id", task_id.to_string()),
        ("run_id", run_id.clone()),
        ("try_number", try_number.to_string()),
    ] {
        set_annotation(&mut pod, k, &v);
    }
    let workload = json!({
        "token": "sim-not-a-real-token",
        "ti": {"id": uuid(seed), "task_id": task_id, "dag_id": dag_id, "run_id": run_id,
            "try_number": try_number, "map_index": -1, "pool_slots": 1, "queue": "default",
            "priority_weight": 1},
        "dag_rel_path": format!("{dag_id}.py"),
        "bundle_info": {"name": "dags-folder", "version": null},
        "log_path": format!("dag_id={dag_id}/run_id={run_id}/task_id={task_id}/attempt={try_number}.log"),
        "kind": "ExecuteTask",
    });
    if let Some(base) = pod["spec"]["containers"]
        .as_array_mut()
        .and_then(|cs| cs.first_mut())
    {
        base["args"] = json!([
            "python",
            "-m",
            "airflow.sdk.execution_time.execute_workload",
            "--json-string",
            workload.to_string(),
        ]);
        let env = object_at_array(base, "env");
        env.push(json!({"name": "AIRFLOW_IS_K8S_EXECUTOR_POD", "value": "True"}));
    }
    pod
}

fn object_at_array<'a>(v: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    if !v[key].is_array() {
        v[key] = json!([]);
    }
    match &mut v[key] {
        Value::Array(a) => a,
        _ => unreachable!("the value was made an array just above"),
    }
}

// ---------------------------------------------------------------------------------------
// Dagster

const DAGSTER_VERSION: &str = "1.10.5";
const DAGSTER_JOBS: [&str; 3] = ["example_job", "orders_assets_job", "pod_per_op_job"];

/// A run launched by the K8sRunLauncher: Job `dagster-run-<run id>` whose pod executes the
/// run. Every third run fails.
pub fn dagster_run(seq: u64, now: DateTime<Utc>) -> Vec<Value> {
    let seed = stable_hash(&[
        "dagster-run",
        &seq.to_string(),
        &now.timestamp().to_string(),
    ]);
    let run_id = uuid(seed);
    let job_name = DAGSTER_JOBS[(seq % DAGSTER_JOBS.len() as u64) as usize];
    let mut job = dagster_run_job(&run_id, job_name);
    set_script(
        &mut job,
        &run_script(seed, if seq % 3 == 2 { 1 } else { 0 }),
    );
    set_creation(&mut job, now);
    vec![job]
}

/// The run Job of run `run_id` of the Dagster job `job_name` (no script and no creation
/// time yet).
pub fn dagster_run_job(run_id: &str, job_name: &str) -> Value {
    let mut labels = Map::new();
    for (k, v) in [
        ("app.kubernetes.io/name", "dagster"),
        ("app.kubernetes.io/instance", "dagster"),
        ("app.kubernetes.io/version", DAGSTER_VERSION),
        ("app.kubernetes.io/part-of", "dagster"),
        ("app.kubernetes.io/component", "run_worker"),
        ("dagster/run-id", run_id),
        ("dagster/job", job_name),
        ("dagster/code-location", "k8s-example-user-code-1"),
    ] {
        labels.insert(k.into(), v.into());
    }
    let args = json!({
        "__class__": "ExecuteRunArgs",
        "job_origin": {"__class__": "JobPythonOrigin", "job_name": job_name,
            "repository_origin": {"__class__": "RepositoryPythonOrigin",
                "code_pointer": {"__class__": "ModuleCodePointer", "module": "dagster_test.test_project.test_jobs.repo", "fn_name": "define_demo_execution_repo"},
                "container_image": format!("docker.io/dagster/user-code-example:{DAGSTER_VERSION}"),
                "executable_path": "/usr/local/bin/python"}},
        "run_id": run_id,
        "instance_ref": null,
        "set_exit_code_on_failure": true,
    });
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": format!("dagster-run-{run_id}"),
            "namespace": "orchestration",
            "labels": labels,
        },
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"name": format!("dagster-run-{run_id}"), "labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "serviceAccountName": "dagster",
                    "containers": [{
                        "name": "dagster",
                        "image": format!("docker.io/dagster/user-code-example:{DAGSTER_VERSION}"),
                        "imagePullPolicy": "Always",
                        "args": ["dagster", "api", "execute_run", args.to_string()],
                        "env": [
                            {"name": "DAGSTER_HOME", "value": "/opt/dagster/dagster_home"},
                            {"name": "DAGSTER_PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "dagster-postgresql-secret", "key": "postgresql-password"}}},
                            {"name": "DAGSTER_RUN_JOB_NAME", "value": job_name},
                        ],
                        "envFrom": [{"configMapRef": {"name": "dagster-pipeline-env"}}],
                    }],
                },
            },
        },
    })
}

// ---------------------------------------------------------------------------------------
// Spark

const SPARK_VERSION: &str = "3.5.5";

/// A run of the ScheduledSparkApplication `orders-enrichment`: the SparkApplication the
/// operator creates (`<name>-<unix nanos>`), its driver pod and two executor pods. Every
/// fourth driver fails.
///
/// The simulator has no Spark operator, so the SparkApplication keeps the RUNNING state it
/// is created with; the pods carry the outcome.
pub fn spark_application(seq: u64, now: DateTime<Utc>) -> Vec<Value> {
    let nanos = now
        .timestamp_nanos_opt()
        .unwrap_or_else(|| now.timestamp() * 1_000_000_000);
    let app = format!("orders-enrichment-{nanos}");
    let seed = stable_hash(&["spark", &app]);
    let app_id = format!("spark-{}", hex_id(seed, 32));
    let submission = uuid(seed ^ 1);
    let driver = format!("{app}-driver");
    let exec_prefix = format!("{app}-{}", hex_id(seed ^ 2, 16));
    let fails = seq % 4 == 3;
    let common = |role: &str| {
        let mut l = Map::new();
        for (k, v) in [
            ("spark-app-selector", app_id.as_str()),
            ("spark-app-name", app.as_str()),
            ("spark-role", role),
            ("spark-version", SPARK_VERSION),
            ("sparkoperator.k8s.io/app-name", app.as_str()),
            ("sparkoperator.k8s.io/launched-by-spark-operator", "true"),
            ("sparkoperator.k8s.io/submission-id", submission.as_str()),
        ] {
            l.insert(k.into(), v.into());
        }
        l
    };
    let started = kube_time(now);
    let mut out = Vec::new();

    let mut application = json!({
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {
            "name": app,
            "namespace": "spark",
            "labels": {"sparkoperator.k8s.io/scheduled-app-name": "orders-enrichment"},
        },
        "spec": spark_spec(),
        "status": {
            "applicationState": {"state": "RUNNING"},
            "driverInfo": {"podName": driver, "webUIAddress": format!("10.100.{}.{}:4040", 60 + seq % 100, 2 + seq % 250),
                "webUIPort": 4040, "webUIServiceName": format!("{app}-ui-svc")},
            "executionAttempts": 1,
            "submissionAttempts": 1,
            "lastSubmissionAttemptTime": started,
            "sparkApplicationId": app_id,
            "submissionID": submission,
            "executorState": {
                format!("{exec_prefix}-exec-1"): "RUNNING",
                format!("{exec_prefix}-exec-2"): "RUNNING",
            },
        },
    });
    set_creation(&mut application, now);
    out.push(application);

    let mut driver_pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": driver, "namespace": "spark", "labels": common("driver")},
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": "spark-operator-spark",
            "containers": [{
                "name": "spark-kubernetes-driver",
                "image": format!("apache/spark:{SPARK_VERSION}"),
                "args": ["driver", "--properties-file", "/opt/spark/conf/spark.properties",
                    "--class", "com.example.analytics.OrdersEnrichment",
                    "local:///opt/spark/jars/orders-enrichment-assembly-1.4.0.jar"],
                "ports": [{"containerPort": 7078, "name": "driver-rpc-port"},
                    {"containerPort": 7079, "name": "blockmanager"},
                    {"containerPort": 4040, "name": "spark-ui"}],
                "env": [{"name": "SPARK_APPLICATION_ID", "value": app_id},
                    {"name": "SPARK_DRIVER_BIND_ADDRESS", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                "resources": {"requests": {"cpu": "1", "memory": "2432Mi"}, "limits": {"memory": "2432Mi"}},
            }],
        },
    });
    // The driver outlives its executors by a few seconds.
    set_script(
        &mut driver_pod,
        &format!("start=3s,exit=85s{}", if fails { ",code=1" } else { "" }),
    );
    set_creation(&mut driver_pod, now);
    out.push(driver_pod);

    for id in 1..=2 {
        let mut labels = common("executor");
        labels.insert("spark-exec-id".into(), id.to_string().into());
        labels.insert("spark-exec-resourceprofile-id".into(), "0".into());
        let mut exec = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": format!("{exec_prefix}-exec-{id}"), "namespace": "spark", "labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "serviceAccountName": "spark-operator-spark",
                "hostname": format!("{exec_prefix}-exec-{id}"),
                "containers": [{
                    "name": "spark-kubernetes-executor",
                    "image": format!("apache/spark:{SPARK_VERSION}"),
                    "args": ["executor"],
                    "env": [{"name": "SPARK_EXECUTOR_ID", "value": id.to_string()},
                        {"name": "SPARK_APPLICATION_ID", "value": app_id},
                        {"name": "SPARK_DRIVER_URL", "value": format!("spark://CoarseGrainedScheduler@{app}-driver-svc.spark.svc:7078")}],
                    "resources": {"requests": {"cpu": "2", "memory": "4505Mi"}, "limits": {"memory": "4505Mi"}},
                }],
            },
        });
        set_script(&mut exec, "start=12s,exit=70s");
        set_creation(&mut exec, now);
        out.push(exec);
    }
    out
}

/// The SparkApplication spec of `orders-enrichment` (also the template of its schedule).
pub fn spark_spec() -> Value {
    json!({
        "type": "Scala",
        "mode": "cluster",
        "image": format!("apache/spark:{SPARK_VERSION}"),
        "imagePullPolicy": "IfNotPresent",
        "mainClass": "com.example.analytics.OrdersEnrichment",
        "mainApplicationFile": "local:///opt/spark/jars/orders-enrichment-assembly-1.4.0.jar",
        "arguments": ["--source", "clickhouse://clickhouse-analytics.warehouse.svc:9000/raw", "--date", "yesterday"],
        "sparkVersion": SPARK_VERSION,
        "restartPolicy": {"type": "Never"},
        "driver": {"cores": 1, "memory": "2g", "serviceAccount": "spark-operator-spark",
            "labels": {"version": SPARK_VERSION}},
        "executor": {"cores": 2, "instances": 2, "memory": "4g", "labels": {"version": SPARK_VERSION}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{PodScript, SCRIPT_ANNOTATION};

    fn script_of(obj: &Value) -> PodScript {
        let text = obj["metadata"]["annotations"][SCRIPT_ANNOTATION]
            .as_str()
            .or_else(|| {
                obj["spec"]["template"]["metadata"]["annotations"][SCRIPT_ANNOTATION].as_str()
            })
            .expect("runs carry a script");
        PodScript::parse(text).unwrap()
    }

    #[test]
    fn safe_labels_match_airflow() {
        assert_eq!(airflow_safe_label("orders_daily"), "orders_daily");
        // Python: make_safe_label_value("scheduled__2025-10-10T08:00:00+00:00")
        let md5 = md5::hex_digest(b"scheduled__2025-10-10T08:00:00+00:00");
        assert_eq!(
            airflow_safe_label("scheduled__2025-10-10T08:00:00+00:00"),
            format!("scheduled__2025-10-10T0800000000-{}", &md5[..9])
        );
        assert_eq!(
            airflow_safe_label("-x-"),
            format!("x-{}", &md5::hex_digest(b"-x-")[..9])
        );
    }

    #[test]
    fn airbyte_pods_carry_launcher_labels_and_retry_failed_attempts() {
        let now = Utc::now();
        let pods: Vec<Value> = (0..5).flat_map(|s| airbyte_sync(s, now)).collect();
        let p = &pods[0];
        assert_eq!(p["metadata"]["labels"]["airbyte"], "job-pod");
        assert_eq!(p["metadata"]["labels"]["job_type"], "sync");
        assert_eq!(p["metadata"]["name"], "replication-job-18400-attempt-0");
        let names: Vec<&str> = p["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["orchestrator", "source", "destination"]);
        assert_eq!(script_of(&pods[2]).exit_code, 1);
        assert_eq!(
            pods[3]["metadata"]["name"],
            "replication-job-18402-attempt-1"
        );
        assert_eq!(pods[3]["metadata"]["labels"]["attempt_id"], "1");
        assert_eq!(
            pods[2]["metadata"]["labels"]["job_id"],
            pods[3]["metadata"]["labels"]["job_id"]
        );
        for p in &pods {
            for (k, v) in p["metadata"]["labels"].as_object().unwrap() {
                let v = v.as_str().unwrap();
                assert!(v.len() <= 63 && !v.contains('/'), "label {k}={v}");
            }
            let (after, _) = script_of(p).ending().unwrap();
            assert!((20..=90).contains(&after.as_secs()));
        }
    }

    #[test]
    fn airflow_task_pods_come_from_the_chart_template() {
        let now = Utc::now();
        let pods: Vec<Value> = (0..4).flat_map(|s| airflow_task(s, now)).collect();
        let p = &pods[0];
        let labels = &p["metadata"]["labels"];
        assert_eq!(labels["tier"], "airflow");
        assert_eq!(labels["component"], "worker");
        assert_eq!(labels["release"], "airflow");
        assert_eq!(labels["dag_id"], "orders_daily");
        assert_eq!(labels["task_id"], "extract_orders");
        assert_eq!(labels["kubernetes_executor"], "True");
        assert_eq!(p["metadata"]["annotations"]["dag_id"], "orders_daily");
        assert!(
            p["metadata"]["annotations"]["run_id"]
                .as_str()
                .unwrap()
                .starts_with("scheduled__")
        );
        assert!(
            p["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("orders-daily-extract-orders-")
        );
        assert_eq!(p["spec"]["containers"][0]["name"], "base");
        assert!(p["spec"].get("initContainers").is_none());
        // Slot 1 fails try 1; slot 2 retries the same task instance as try 2 and succeeds.
        assert_eq!(script_of(&pods[1]).exit_code, 1);
        assert_eq!(pods[1]["metadata"]["labels"]["try_number"], "1");
        assert_eq!(pods[2]["metadata"]["labels"]["try_number"], "2");
        assert_eq!(script_of(&pods[2]).exit_code, 0);
        assert_eq!(
            pods[1]["metadata"]["annotations"]["task_id"],
            pods[2]["metadata"]["annotations"]["task_id"]
        );
        // The retry one period later belongs to the same DAG run.
        let retry = airflow_task(2, now + chrono::Duration::seconds(60));
        assert_eq!(
            retry[0]["metadata"]["annotations"]["run_id"],
            pods[1]["metadata"]["annotations"]["run_id"]
        );
        assert_ne!(pods[1]["metadata"]["name"], pods[2]["metadata"]["name"]);
    }

    #[test]
    fn dagster_runs_are_jobs_with_run_labels() {
        let now = Utc::now();
        let job = &dagster_run(0, now)[0];
        assert_eq!(job["kind"], "Job");
        let run_id = job["metadata"]["labels"]["dagster/run-id"]
            .as_str()
            .unwrap();
        assert_eq!(job["metadata"]["name"], format!("dagster-run-{run_id}"));
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"],
            "run_worker"
        );
        assert_eq!(script_of(&dagster_run(2, now)[0]).exit_code, 1);
    }

    #[test]
    fn spark_runs_have_a_driver_and_two_executors() {
        let objs = spark_application(0, Utc::now());
        assert_eq!(objs[0]["kind"], "SparkApplication");
        let roles: Vec<&str> = objs[1..]
            .iter()
            .map(|p| p["metadata"]["labels"]["spark-role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["driver", "executor", "executor"]);
        let selector = &objs[1]["metadata"]["labels"]["spark-app-selector"];
        assert!(
            objs[2..]
                .iter()
                .all(|p| &p["metadata"]["labels"]["spark-app-selector"] == selector)
        );
        for p in &objs[1..] {
            assert!(p["metadata"]["name"].as_str().unwrap().len() <= 63);
        }
        assert_eq!(
            objs[0]["status"]["driverInfo"]["podName"],
            objs[1]["metadata"]["name"]
        );
    }
}
