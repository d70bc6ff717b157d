//! Apache Airflow: KubernetesExecutor task pods (the Airflow 3 task runner's JSON lines, as in
//! the fixture task log) and the chart's components (scheduler, api-server, dag-processor,
//! triggerer, Celery worker, log groomers, git-sync, statsd, pgbouncer, migration Jobs).

use chrono::{DateTime, TimeDelta, Utc};

use super::generic::clf_access;
use super::{Ctx, End, Plan, iso_us, jobj, jstr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Task,
    Scheduler,
    ApiServer,
    Webserver,
    DagProcessor,
    Triggerer,
    CeleryWorker,
    LogGroomer,
    GitSync,
    Statsd,
    Pgbouncer,
    PgbouncerExporter,
    Migrations,
    CreateUser,
    WaitMigrations,
}

/// The Airflow part this container plays, if it is one.
pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    let repo = ctx.image_repo();
    let tag = ctx.image_tag();
    let airflow_image = repo == "apache/airflow"
        || repo.ends_with("/airflow")
        || repo == "astronomer/astro-runtime";
    let is_airflow = ctx.label("tier") == Some("airflow") || airflow_image;
    if !is_airflow {
        return None;
    }
    let c = ctx.container;
    if c.ends_with("log-groomer") {
        return Some(Role::LogGroomer);
    }
    if c.starts_with("git-sync") {
        return Some(Role::GitSync);
    }
    if c == "wait-for-airflow-migrations" {
        return Some(Role::WaitMigrations);
    }
    if tag.starts_with("airflow-pgbouncer-exporter")
        || (c == "metrics-exporter" && ctx.label("component") == Some("pgbouncer"))
    {
        return Some(Role::PgbouncerExporter);
    }
    if tag.starts_with("airflow-pgbouncer") {
        return Some(Role::Pgbouncer);
    }
    if repo.contains("statsd-exporter") {
        return Some(Role::Statsd);
    }
    if ctx.meta_value("dag_id").is_some() && ctx.meta_value("task_id").is_some() && airflow_image {
        return Some(Role::Task);
    }
    let by_component = match ctx.label("component").unwrap_or("") {
        "scheduler" => Some(Role::Scheduler),
        "api-server" => Some(Role::ApiServer),
        "webserver" => Some(Role::Webserver),
        "dag-processor" => Some(Role::DagProcessor),
        "triggerer" => Some(Role::Triggerer),
        "worker" => Some(Role::CeleryWorker),
        "statsd" => Some(Role::Statsd),
        "pgbouncer" => Some(Role::Pgbouncer),
        "run-airflow-migrations" => Some(Role::Migrations),
        "create-user-job" => Some(Role::CreateUser),
        _ => None,
    };
    if by_component.is_some() {
        return by_component;
    }
    // Without chart labels, the command says what runs (`airflow scheduler`).
    let words: Vec<&str> = ctx.words().collect();
    let sub = words
        .iter()
        .position(|w| *w == "airflow")
        .and_then(|i| words.get(i + 1))
        .copied();
    match sub {
        Some("scheduler") => Some(Role::Scheduler),
        Some("api-server") => Some(Role::ApiServer),
        Some("webserver") => Some(Role::Webserver),
        Some("dag-processor") => Some(Role::DagProcessor),
        Some("triggerer") => Some(Role::Triggerer),
        Some("celery") => Some(Role::CeleryWorker),
        Some("db") if words.contains(&"check-migrations") => Some(Role::WaitMigrations),
        Some("db") => Some(Role::Migrations),
        Some("users") => Some(Role::CreateUser),
        _ if airflow_image => Some(Role::Scheduler),
        _ => None,
    }
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::Task => task(ctx),
        Role::Scheduler => scheduler(ctx),
        Role::ApiServer => api_server(ctx),
        Role::Webserver => webserver(ctx),
        Role::DagProcessor => dag_processor(ctx),
        Role::Triggerer => triggerer(ctx),
        Role::CeleryWorker => celery_worker(ctx),
        Role::LogGroomer => log_groomer(ctx),
        Role::GitSync => git_sync(ctx),
        Role::Statsd => statsd(ctx),
        Role::Pgbouncer => pgbouncer(ctx),
        Role::PgbouncerExporter => pgbouncer_exporter(ctx),
        Role::Migrations => migrations(ctx),
        Role::CreateUser => create_user(ctx),
        Role::WaitMigrations => wait_migrations(ctx),
    }
}

/// Demo DAGs and their tasks, for the components' periodic lines.
const DAGS: &[(&str, &[&str], &str)] = &[
    (
        "daily_sales_etl",
        &[
            "extract_orders",
            "load_orders",
            "transform_sales",
            "publish_report",
        ],
        "PythonOperator",
    ),
    (
        "airbyte_sync_orders",
        &["trigger_sync", "wait_for_sync"],
        "AirbyteTriggerSyncOperator",
    ),
    (
        "dbt_build_nightly",
        &["dbt_deps", "dbt_build", "dbt_docs"],
        "KubernetesPodOperator",
    ),
    (
        "example_bash_operator",
        &[
            "runme_0",
            "runme_1",
            "runme_2",
            "run_after_loop",
            "also_run_this",
        ],
        "BashOperator",
    ),
];

/// structlog's console renderer as Airflow 3 components write it:
/// `2026-11-26T12:00:00.123456Z [info     ] Starting the scheduler [logger] loc=file.py:42`.
fn sl(at: DateTime<Utc>, level: &str, event: &str, logger: &str, loc: &str) -> String {
    format!(
        "{} [{level:<9}] {event:<30} [{logger}] loc={loc}",
        iso_us(at)
    )
}

fn run_id(at: DateTime<Utc>, kind: &str) -> String {
    format!("{kind}__{}+00:00", at.format("%Y-%m-%dT%H:%M:%S"))
}

/// One JSON line of the task runner's stdout (structlog JSON, insertion order, compact).
struct TaskLog {
    dag: String,
    task: String,
    run: String,
    try_number: String,
    ti: String,
    map_index: String,
}

impl TaskLog {
    fn line(
        &self,
        at: DateTime<Utc>,
        level: &str,
        event: &str,
        logger: &str,
        file: &str,
        lineno: u32,
    ) -> String {
        jobj(&[
            ("timestamp", jstr(&iso_us(at))),
            ("level", jstr(level)),
            ("event", jstr(event)),
            ("dag_id", jstr(&self.dag)),
            ("task_id", jstr(&self.task)),
            ("run_id", jstr(&self.run)),
            ("try_number", self.try_number.clone()),
            ("ti_id", jstr(&self.ti)),
            ("map_index", self.map_index.clone()),
            ("logger", jstr(logger)),
            ("filename", jstr(file)),
            ("lineno", lineno.to_string()),
        ])
    }

    /// Lines printed to the task's stdout carry only time, level and logger.
    fn stdout(at: DateTime<Utc>, event: &str) -> String {
        jobj(&[
            ("timestamp", jstr(&iso_us(at))),
            ("level", jstr("info")),
            ("event", jstr(event)),
            ("logger", jstr("task.stdout")),
        ])
    }
}

const HOOK: &str = "airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook";

fn task(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("airflow-task");
    let dag = ctx
        .meta_value("dag_id")
        .unwrap_or("example_bash_operator")
        .to_string();
    let task = ctx.meta_value("task_id").unwrap_or("runme_0").to_string();
    let run = ctx
        .meta_value("run_id")
        .map(str::to_string)
        .unwrap_or_else(|| run_id(ctx.started - TimeDelta::seconds(9), "manual"));
    let try_number = ctx
        .meta_value("try_number")
        .and_then(|t| t.parse::<u32>().ok())
        .unwrap_or(1)
        + ctx.attempt;
    let map_index = ctx
        .meta_value("map_index")
        .and_then(|m| m.parse::<i64>().ok())
        .unwrap_or(-1);
    let ti = ctx.pod_rng("ti").uuid7(ctx.started);
    let log = std::rc::Rc::new(TaskLog {
        dag: dag.clone(),
        task: task.clone(),
        run: run.clone(),
        try_number: try_number.to_string(),
        ti: ti.clone(),
        map_index: map_index.to_string(),
    });
    let api = format!(
        "http://airflow-api-server.{}:8080/execution/",
        ctx.namespace
    );
    let file = format!("{dag}.py");
    {
        let (dag, task, run, ti, file) = (
            dag.clone(),
            task.clone(),
            run.clone(),
            ti.clone(),
            file.clone(),
        );
        p.step(0, move |at| {
            let workload = format!(
                "ExecuteTask(ti=TaskInstance(id=UUID('{ti}'), task_id='{task}', dag_id='{dag}', run_id='{run}', try_number={try_number}, map_index={map_index}, pool_slots=1, queue='default', priority_weight=1, executor_config=None, parent_context_carrier={{}}, context_carrier={{}}, queued_dttm=None), dag_rel_path=PurePosixPath('{file}'), bundle_info=BundleInfo(name='dags-folder', version=None), log_path='dag_id={dag}/run_id={run}/task_id={task}/attempt={try_number}.log', type='ExecuteTask')"
            );
            jobj(&[
                ("timestamp", jstr(&iso_us(at))),
                ("level", jstr("info")),
                ("event", jstr("Executing workload")),
                ("workload", jstr(&workload)),
                ("logger", jstr("__main__")),
            ])
        });
    }
    p.step(rng.range(3, 12), move |at| {
        jobj(&[
            ("timestamp", jstr(&iso_us(at))),
            ("level", jstr("info")),
            ("event", jstr("Connecting to server:")),
            ("server", jstr(&api)),
            ("logger", jstr("__main__")),
        ])
    });
    let l = log.clone();
    p.step(rng.range(900, 2500), move |at| {
        l.line(
            at,
            "info",
            "::group::Pre Execute",
            "task",
            "task_runner.py",
            2412,
        )
    });
    let l = log.clone();
    p.step(rng.range(1500, 6000), move |at| {
        l.line(
            at,
            "info",
            "DAG bundles loaded: dags-folder",
            "airflow.dag_processing.bundles.manager.DagBundlesManager",
            "manager.py",
            304,
        )
    });
    let (l, f) = (log.clone(), file.clone());
    p.step(rng.range(3, 9), move |at| {
        l.line(
            at,
            "info",
            &format!("Filling up the DagBag from /opt/airflow/dags/{f}"),
            "airflow.dag_processing.dagbag.BundleDagBag",
            "dagbag.py",
            460,
        )
    });
    let l = log.clone();
    p.step(rng.range(40, 300), move |at| {
        l.line(at, "info", "::endgroup::", "task", "task_runner.py", 2232)
    });
    p.step(1, |at| {
        TaskLog::stdout(at, "Task instance is in running state")
    });
    p.step(4, |at| {
        TaskLog::stdout(
            at,
            " Previous state of the Task instance: TaskInstanceState.QUEUED",
        )
    });
    let t = task.clone();
    p.step(1, move |at| {
        TaskLog::stdout(at, &format!("Current task name:{t}"))
    });
    let d = dag.clone();
    p.step(1, move |at| TaskLog::stdout(at, &format!("Dag name:{d}")));
    let l = log.clone();
    p.step(1, move |at| {
        l.line(
            at,
            "info",
            "Tmp dir root location: /tmp",
            HOOK,
            "subprocess.py",
            78,
        )
    });
    let command = format!("python /opt/airflow/dags/scripts/{task}.py --run-id '{run}'");
    let c = command.clone();
    let l = log.clone();
    p.step(2, move |at| {
        l.line(
            at,
            "info",
            &format!("Running command: ['/usr/bin/bash', '-c', \"{c}\"]"),
            HOOK,
            "subprocess.py",
            80,
        )
    });
    let l = log.clone();
    p.step(5, move |at| {
        l.line(at, "info", "Output:", HOOK, "subprocess.py", 92)
    });

    // The command's own output: progress every few seconds for as long as the task runs.
    let l = log.clone();
    let table = task.replace(['-', '.'], "_");
    p.beat(rng.range(4_000, 12_000), move |k, r, at| {
        let rows = (k + 1) * 5_000 + r % 5_000;
        let msg = match r % 7 {
            0 => format!("fetched page {} from source ({} rows so far)", k + 1, rows),
            1 => format!(
                "INFO - wrote batch {} to s3://datalake/raw/{table}/part-{:05}.parquet",
                k + 1,
                k
            ),
            _ => format!("processed {rows} rows of {table}"),
        };
        l.line(at, "info", &msg, HOOK, "subprocess.py", 106)
    });
    p.body_len(rng.range(5_000, 20_000));

    if ctx.end == End::Open {
        return p;
    }
    let code = ctx.end.code().unwrap_or(0);
    if ctx.end.failed() && !ctx.end.killed() {
        // The script's traceback on stderr, which the hook logs line by line as output.
        let l = log.clone();
        let traceback = script_traceback(&task);
        p.tail_step(0, move |at| {
            traceback
                .iter()
                .map(|line| l.line(at, "info", line, HOOK, "subprocess.py", 106))
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
    let l = log.clone();
    p.tail_step(rng.range(20, 120), move |at| {
        l.line(
            at,
            "info",
            &format!("Command exited with return code {code}"),
            HOOK,
            "subprocess.py",
            115,
        )
    });
    if ctx.end.failed() {
        let l = log.clone();
        let operator = format!("<Task(BashOperator): {task}>");
        let msg = format!("Bash command failed. The command returned a non-zero exit code {code}.");
        let m = msg.clone();
        p.tail_step(rng.range(2, 8), move |at| {
            let detail = format!(
                "[{{\"exc_type\":\"AirflowException\",\"exc_value\":{},\"exc_notes\":[],\"syntax_error\":null,\"is_cause\":false,\"frames\":[{{\"filename\":\"/home/airflow/.local/lib/python3.12/site-packages/airflow/sdk/execution_time/task_runner.py\",\"lineno\":920,\"name\":\"run\"}},{{\"filename\":\"/home/airflow/.local/lib/python3.12/site-packages/airflow/sdk/execution_time/task_runner.py\",\"lineno\":1307,\"name\":\"_execute_task\"}},{{\"filename\":\"/home/airflow/.local/lib/python3.12/site-packages/airflow/sdk/bases/operator.py\",\"lineno\":416,\"name\":\"wrapper\"}},{{\"filename\":\"/home/airflow/.local/lib/python3.12/site-packages/airflow/providers/standard/operators/bash.py\",\"lineno\":226,\"name\":\"execute\"}}]}}]",
                jstr(&m)
            );
            let base = l.line(at, "error", "Task failed with exception", "task", "task_runner.py", 1032);
            // Insert error_detail before the logger key, as structlog orders bound keys.
            base.replacen(",\"logger\":", &format!(",\"error_detail\":{detail},\"logger\":"), 1)
        });
        p.tail_step(rng.range(100, 300), |at| {
            TaskLog::stdout(at, "Task instance in failure state")
        });
        p.tail_step(1, |at| {
            TaskLog::stdout(
                at,
                " Previous state of the Task instance: TaskInstanceState.RUNNING",
            )
        });
        p.tail_step(1, move |at| {
            TaskLog::stdout(at, &format!("Task operator:{operator}"))
        });
        p.tail_step(1, move |at| {
            TaskLog::stdout(at, &format!("Failure caused by {msg}"))
        });
    } else {
        let l = log.clone();
        p.tail_step(2, move |at| {
            l.line(
                at,
                "info",
                "::group::Post Execute",
                "task",
                "task_runner.py",
                1580,
            )
        });
        let l = log.clone();
        let (t, d, r) = (task.clone(), dag.clone(), run.clone());
        p.tail_step(1, move |at| {
            let started = at - TimeDelta::seconds(7);
            let ti_repr = format!(
                "RuntimeTaskInstance(id=UUID('{ti}'), task_id='{t}', dag_id='{d}', run_id='{r}', try_number={try_number}, map_index={map_index}, hostname='{host}', queue='default', task=<Task(BashOperator): {t}>, bundle_instance=LocalDagBundle(name=dags-folder), max_tries=2, start_date=datetime.datetime({}, tzinfo=datetime.timezone.utc), end_date=None, state=<TaskInstanceState.RUNNING: 'running'>, is_mapped=False, rendered_map_index=None)",
                started.format("%Y, %-m, %-d, %-H, %-M, %-S"),
                host = "airflow-worker",
            );
            let base = l.line(at, "info", "Pushing xcom", "task", "task_runner.py", 2280);
            base.replacen(",\"dag_id\":", &format!(",\"ti\":{},\"dag_id\":", jstr(&ti_repr)), 1)
        });
        let l = log.clone();
        p.tail_step(rng.range(60, 200), move |at| {
            l.line(at, "info", "::endgroup::", "task", "task_runner.py", 2379)
        });
        p.tail_step(1, |at| {
            TaskLog::stdout(at, "Task instance in success state")
        });
        p.tail_step(1, |at| {
            TaskLog::stdout(
                at,
                " Previous state of the Task instance: TaskInstanceState.RUNNING",
            )
        });
        p.tail_step(1, move |at| {
            TaskLog::stdout(at, &format!("Task operator:<Task(BashOperator): {task}>"))
        });
    }
    p
}

/// The Python traceback a task's script dies with, ending in the exception line: an API
/// error for tasks that call out, a missing table for warehouse tasks, a missing column in a
/// DataFrame otherwise.
fn script_traceback(task: &str) -> Vec<String> {
    let script = format!("/opt/airflow/dags/scripts/{task}.py");
    let site = "/home/airflow/.local/lib/python3.12/site-packages";
    let (frames, exception): (Vec<String>, String) = if ["sync", "extract", "publish", "crm"]
        .iter()
        .any(|w| task.contains(w))
    {
        (
            vec![
                format!("  File \"{script}\", line 74, in <module>"),
                "    main()".into(),
                format!("  File \"{script}\", line 58, in main"),
                "    for page in fetch_pages(session, since=args.since):".into(),
                format!("  File \"{script}\", line 31, in fetch_pages"),
                "    resp.raise_for_status()".into(),
                format!("  File \"{site}/requests/models.py\", line 1024, in raise_for_status"),
                "    raise HTTPError(http_error_msg, response=self)".into(),
            ],
            "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.hubapi.com/crm/v3/objects/companies?limit=100&after=4711".into(),
        )
    } else if ["load", "optimize", "expire", "vacuum", "clickhouse"]
        .iter()
        .any(|w| task.contains(w))
    {
        (
            vec![
                format!("  File \"{script}\", line 61, in <module>"),
                "    main()".into(),
                format!("  File \"{script}\", line 48, in main"),
                "    client.command(INSERT_SQL.format(partition=args.partition))".into(),
                format!("  File \"{site}/clickhouse_connect/driver/httpclient.py\", line 352, in command"),
                "    response = self._raw_request(payload, params, headers, method, fields=fields)".into(),
                "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^".into(),
                format!("  File \"{site}/clickhouse_connect/driver/httpclient.py\", line 441, in _raw_request"),
                "    self._error_handler(response)".into(),
                format!("  File \"{site}/clickhouse_connect/driver/httpclient.py\", line 365, in _error_handler"),
                "    raise OperationalError(err_str) if retried else DatabaseError(err_str) from None".into(),
            ],
            "clickhouse_connect.driver.exceptions.DatabaseError: Code: 60. DB::Exception: Table analytics.orders_staging does not exist. (UNKNOWN_TABLE)".into(),
        )
    } else {
        (
            vec![
                format!("  File \"{script}\", line 112, in <module>"),
                "    sys.exit(main())".into(),
                "             ^^^^^^".into(),
                format!("  File \"{script}\", line 98, in main"),
                "    features = build_features(accounts, orders)".into(),
                "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^".into(),
                format!("  File \"{script}\", line 57, in build_features"),
                "    merged[\"ltv_90d\"] = merged[\"order_total\"].rolling(\"90D\", on=\"ordered_at\").sum()".into(),
                "                        ~~~~~~^^^^^^^^^^^^^^^".into(),
                format!("  File \"{site}/pandas/core/frame.py\", line 4102, in __getitem__"),
                "    indexer = self.columns.get_loc(key)".into(),
                "              ^^^^^^^^^^^^^^^^^^^^^^^^^".into(),
                format!("  File \"{site}/pandas/core/indexes/base.py\", line 3812, in get_loc"),
                "    raise KeyError(key) from err".into(),
            ],
            "KeyError: 'order_total'".into(),
        )
    };
    let mut out = vec!["Traceback (most recent call last):".to_string()];
    out.extend(frames);
    out.push(exception);
    out
}

const BANNER: &str = "  ____________       _____________\n ____    |__( )_________  __/__  /________      __\n____  /| |_  /__  ___/_  /_ __  /_  __ \\_ | /| / /\n___  ___ |  / _  /   _  __/ _  / / /_/ /_ |/ |/ /\n _/_/  |_/_/  /_/    /_/    /_/  \\____/____/|__/";

const SCHED: &str = "airflow.jobs.scheduler_job_runner.SchedulerJobRunner";

fn ti_key(dag: &str, task: &str, run: &str) -> String {
    format!(
        "TaskInstanceKey(dag_id='{dag}', task_id='{task}', run_id='{run}', try_number=1, map_index=-1)"
    )
}

/// Shared crash ending of the long-running components: the database is gone.
fn db_crash(p: &mut Plan, ctx: &Ctx<'_>, logger: &'static str) {
    if ctx.end.killed() {
        p.tail_step(0, move |at| {
            sl(
                at,
                "info",
                "Exiting gracefully upon receiving signal 15",
                logger,
                "base_job_runner.py:77",
            )
        });
        return;
    }
    let host = format!("airflow-pgbouncer.{}", ctx.namespace);
    p.tail_step(0, move |at| {
        format!(
            "{}\nTraceback (most recent call last):\n  File \"/home/airflow/.local/lib/python3.12/site-packages/sqlalchemy/engine/base.py\", line 146, in __init__\n    self._dbapi_connection = engine.raw_connection()\n                             ^^^^^^^^^^^^^^^^^^^^^^^\n  File \"/home/airflow/.local/lib/python3.12/site-packages/psycopg2/__init__.py\", line 122, in connect\n    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\npsycopg2.OperationalError: connection to server at \"{host}\" (10.96.14.3), port 6543 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n\n(Background on this error at: https://sqlalche.me/e/20/e3q8)",
            sl(at, "error", "Exception when executing SchedulerJob._run_scheduler_loop", logger, "scheduler_job_runner.py:1028")
        )
    });
}

fn scheduler(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("scheduler");
    p.step(0, |_| BANNER.to_string());
    p.step(rng.range(300, 900), |at| {
        sl(
            at,
            "info",
            "Starting the scheduler",
            SCHED,
            "scheduler_job_runner.py:1063",
        )
    });
    p.step(3, |at| {
        sl(
            at,
            "info",
            "Loaded executor: :KubernetesExecutor:",
            "airflow.executors.executor_loader.ExecutorLoader",
            "executor_loader.py:281",
        )
    });
    p.step(rng.range(40, 200), |at| {
        sl(
            at,
            "info",
            "Start Kubernetes executor",
            "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor",
            "kubernetes_executor.py:148",
        )
    });
    let ns = ctx.namespace.to_string();
    p.step(rng.range(20, 80), move |at| {
        sl(at, "info", &format!("Event: and now my watch begins starting at resource_version: 0 in namespace {ns}"), "airflow.providers.cncf.kubernetes.executors.kubernetes_executor_utils.KubernetesJobWatcher", "kubernetes_executor_utils.py:139")
    });
    p.step(rng.range(200, 900), |at| {
        sl(
            at,
            "info",
            "Adopting or resetting orphaned tasks for active dag runs",
            SCHED,
            "scheduler_job_runner.py:2171",
        )
    });
    p.step(rng.range(5, 30), |at| {
        sl(
            at,
            "info",
            "Marked 0 SchedulerJob instances as failed",
            SCHED,
            "scheduler_job_runner.py:2196",
        )
    });
    p.beat(rng.range(6_000, 12_000), |k, r, at| {
        let (dag, tasks, operator) = DAGS[(r % DAGS.len() as u64) as usize];
        let task = tasks[((r >> 8) % tasks.len() as u64) as usize];
        let run = run_id(at - TimeDelta::minutes((r >> 16) as i64 % 50), "scheduled");
        let ti = format!("<TaskInstance: {dag}.{task} {run} [scheduled]>");
        let key = ti_key(dag, task, &run);
        match (r >> 24) % 9 {
            0 => format!(
                "{}\n\t{ti}",
                sl(at, "info", "1 tasks up for execution:", SCHED, "scheduler_job_runner.py:436")
            ),
            1 => sl(at, "info", &format!("DAG {dag} has 0/16 running and queued tasks"), SCHED, "scheduler_job_runner.py:508"),
            2 => format!(
                "{}\n\t{}",
                sl(at, "info", "Setting the following tasks to queued state:", SCHED, "scheduler_job_runner.py:646"),
                ti.replace("[scheduled]", "[queued]")
            ),
            3 => sl(at, "info", &format!("Trying to enqueue tasks: [{}] for executor: KubernetesExecutor(parallelism=32)", ti.replace("[scheduled]", "[queued]")), SCHED, "scheduler_job_runner.py:744"),
            4 => sl(at, "info", &format!("Add task {key} with command [ExecuteTask(...)]"), "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor", "kubernetes_executor.py:263"),
            5 => sl(at, "info", &format!("Received executor event with state success for task instance {key}"), SCHED, "scheduler_job_runner.py:811"),
            6 => {
                let dur = 2.0 + (r % 9000) as f64 / 100.0;
                let end = at - TimeDelta::seconds(1);
                let start = end - TimeDelta::milliseconds((dur * 1000.0) as i64);
                sl(
                    at,
                    "info",
                    &format!(
                        "TaskInstance Finished: dag_id={dag}, task_id={task}, run_id={run}, map_index=-1, run_start_date={}, run_end_date={}, run_duration={dur:.6}, state=success, executor=KubernetesExecutor(parallelism=32), executor_state=success, try_number=1, max_tries=2, pool=default_pool, queue=default, priority_weight=1, operator={operator}, queued_dttm={}, scheduled_dttm={}, queued_by_job_id=1, pid=None",
                        start.format("%Y-%m-%d %H:%M:%S%.6f+00:00"),
                        end.format("%Y-%m-%d %H:%M:%S%.6f+00:00"),
                        (start - TimeDelta::seconds(3)).format("%Y-%m-%d %H:%M:%S%.6f+00:00"),
                        (start - TimeDelta::seconds(4)).format("%Y-%m-%d %H:%M:%S%.6f+00:00"),
                    ),
                    SCHED,
                    "scheduler_job_runner.py:857",
                )
            }
            7 if k % 30 == 0 => sl(at, "info", "Adopting or resetting orphaned tasks for active dag runs", SCHED, "scheduler_job_runner.py:2171"),
            _ => sl(
                at,
                "info",
                &format!("Marking run <DagRun {dag} @ {}: {run}, state:running, queued_at: {}. run_type: scheduled> successful", at.format("%Y-%m-%d %H:%M:%S+00:00"), at.format("%Y-%m-%d %H:%M:%S%.6f+00:00")),
                "airflow.models.dagrun.DagRun",
                "dagrun.py:1171",
            ),
        }
    });
    if ctx.end.failed() {
        db_crash(&mut p, ctx, SCHED);
    }
    p
}

/// uvicorn's own lines carry no timestamp.
fn uvicorn(_at: DateTime<Utc>, msg: &str) -> String {
    format!("INFO:     {msg}")
}

fn api_server(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("api-server");
    p.step(0, |_| BANNER.to_string());
    p.step(rng.range(50, 200), |_| {
        "Running the uvicorn with:\nApps: all\nWorkers: 1\nHost: 0.0.0.0:8080\nTimeout: 120\nLogfiles: -\nAccess Logfiles: -\n=================================================================".to_string()
    });
    p.step(rng.range(800, 2000), |at| {
        uvicorn(at, "Started server process [1]")
    });
    p.step(2, |at| uvicorn(at, "Waiting for application startup."));
    p.step(rng.range(300, 1500), |at| {
        uvicorn(at, "Application startup complete.")
    });
    p.step(1, |at| {
        uvicorn(
            at,
            "Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
        )
    });
    let ip = ctx.pod_ip();
    let prefix = ip
        .rsplit_once('.')
        .map_or("10.244.0".to_string(), |(a, _)| a.to_string());
    p.beat(rng.range(3_000, 8_000), move |k, r, at| {
        let client = format!("{prefix}.{}:{}", 2 + r % 200, 30000 + (r >> 8) % 30000);
        let (dag, tasks, _) = DAGS[((r >> 20) % DAGS.len() as u64) as usize];
        let task = tasks[((r >> 28) % tasks.len() as u64) as usize];
        let line = match (r >> 36) % 8 {
            0 | 1 => "\"GET /api/v2/monitor/health HTTP/1.1\" 200 OK".to_string(),
            2 => format!("\"PUT /execution/task-instances/{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}/heartbeat HTTP/1.1\" 204 No Content", r as u32, k % 0xffff, r % 0xfff, (r >> 12) % 0xfff, r >> 16 & 0xffff_ffff_ffff),
            3 => format!("\"GET /api/v2/dags/{dag}/dagRuns?limit=25&order_by=-run_after HTTP/1.1\" 200 OK"),
            4 => "\"GET /api/v2/dags?limit=50&offset=0&exclude_stale=true HTTP/1.1\" 200 OK".to_string(),
            5 => format!("\"GET /api/v2/dags/{dag}/dagRuns/~/taskInstances/{task}/logs/1?full_content=false HTTP/1.1\" 200 OK"),
            6 => format!("\"POST /api/v2/dags/{dag}/dagRuns HTTP/1.1\" 200 OK"),
            _ => "\"GET /ui/dashboard/historical_metrics_data?start_date=2026-11-25T00:00:00Z HTTP/1.1\" 200 OK".to_string(),
        };
        uvicorn(at, &format!("{client} - {line}"))
    });
    if ctx.end.killed() {
        p.tail_step(0, |at| uvicorn(at, "Shutting down"));
        p.tail_step(5, |at| uvicorn(at, "Waiting for application shutdown."));
        p.tail_step(5, |at| uvicorn(at, "Application shutdown complete."));
        p.tail_step(1, |at| uvicorn(at, "Finished server process [1]"));
    } else if ctx.end.failed() {
        p.tail_step(0, |_| {
            "ERROR:    Traceback (most recent call last):\n  File \"/home/airflow/.local/lib/python3.12/site-packages/starlette/routing.py\", line 694, in lifespan\n    async with self.lifespan_context(app) as maybe_state:\n  File \"/home/airflow/.local/lib/python3.12/site-packages/airflow/api_fastapi/app.py\", line 72, in lifespan\n    await anext(ctx)\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"airflow-pgbouncer\" (10.96.14.3), port 6543 failed: FATAL:  password authentication failed for user \"postgres\"\n\nERROR:    Application startup failed. Exiting.".to_string()
        });
    }
    p
}

fn webserver(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("webserver");
    let g = |at: DateTime<Utc>, pid: u32, msg: &str| {
        format!(
            "[{}] [{pid}] [INFO] {msg}",
            at.format("%Y-%m-%d %H:%M:%S +0000")
        )
    };
    p.step(0, |_| BANNER.to_string());
    p.step(rng.range(2000, 5000), move |at| {
        g(at, 1, "Starting gunicorn 22.0.0")
    });
    p.step(3, move |at| {
        g(at, 1, "Listening at: http://0.0.0.0:8080 (1)")
    });
    p.step(1, move |at| g(at, 1, "Using worker: sync"));
    for w in 0..4u32 {
        p.step(rng.range(5, 30), move |at| {
            g(at, 38 + w, &format!("Booting worker with pid: {}", 38 + w))
        });
    }
    p.beat(rng.range(5_000, 10_000), |_, r, at| {
        let path = match r % 5 {
            0..=2 => "/health",
            3 => "/api/v1/dags?limit=100&only_active=true",
            _ => "/home",
        };
        let ua = if path == "/health" {
            "kube-probe/1.35"
        } else {
            "Mozilla/5.0 (X11; Linux x86_64)"
        };
        clf_access(
            at,
            &format!("10.244.0.{}", 1 + r % 200),
            "GET",
            path,
            200,
            283 + (r >> 8) % 4000,
            ua,
        )
    });
    p
}

fn dag_processor(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dag-processor");
    p.step(0, |_| BANNER.to_string());
    p.step(rng.range(400, 1200), |at| {
        sl(
            at,
            "info",
            "Starting the Dag Processor Job",
            "airflow.jobs.dag_processor_job_runner.DagProcessorJobRunner",
            "dag_processor_job_runner.py:60",
        )
    });
    p.step(rng.range(20, 90), |at| {
        sl(
            at,
            "info",
            "Processing files using up to 2 processes at a time ",
            "airflow.dag_processing.manager.DagFileProcessorManager",
            "manager.py:262",
        )
    });
    p.step(1, |at| {
        sl(
            at,
            "info",
            "Process each file at most once every 30 seconds",
            "airflow.dag_processing.manager.DagFileProcessorManager",
            "manager.py:263",
        )
    });
    p.step(rng.range(50, 400), |at| {
        sl(
            at,
            "info",
            "Checking for new files in bundle dags-folder every 300 seconds",
            "airflow.dag_processing.manager.DagFileProcessorManager",
            "manager.py:539",
        )
    });
    p.beat(30_000, |_, r, at| {
        let mut table = String::from(
            "\n================================================================================\nDAG File Processing Stats\nBundle       File Path                   PID    Current Duration      # DAGs    # Errors  Last Duration    Last Run At\n-----------  --------------------------  -----  ------------------  --------  ----------  ---------------  -------------------",
        );
        for (i, (dag, _, _)) in DAGS.iter().enumerate() {
            let file = format!("{dag}.py");
            let d = 10 + (r >> (i * 8)) % 150;
            let last = at - TimeDelta::seconds(5 + (i as i64) * 3);
            table.push_str(&format!(
                "\ndags-folder  {file:<26}                                   1           0  {:<15}  {}",
                format!("{}.{:02}s", d / 100, d % 100),
                last.format("%Y-%m-%dT%H:%M:%S")
            ));
        }
        table.push_str("\n================================================================================");
        table
    });
    if ctx.end.failed() {
        db_crash(
            &mut p,
            ctx,
            "airflow.dag_processing.manager.DagFileProcessorManager",
        );
    }
    p
}

fn triggerer(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("triggerer");
    const TR: &str = "airflow.jobs.triggerer_job_runner.TriggerRunnerSupervisor";
    p.step(0, |_| BANNER.to_string());
    p.step(rng.range(400, 1200), |at| {
        sl(
            at,
            "info",
            "Starting the triggerer",
            "airflow.jobs.triggerer_job_runner.TriggererJobRunner",
            "triggerer_job_runner.py:170",
        )
    });
    p.step(rng.range(100, 500), |at| {
        sl(
            at,
            "info",
            "Setting up TriggerRunnerSupervisor",
            TR,
            "triggerer_job_runner.py:333",
        )
    });
    p.beat(60_000, |_, r, at| {
        let n = r % 4;
        if n == 3 {
            sl(
                at,
                "info",
                "trigger airbyte_sync_orders/scheduled__.../wait_for_sync/-1/1 (ID 12) completed",
                "airflow.jobs.triggerer_job_runner.TriggerRunner",
                "triggerer_job_runner.py:1045",
            )
        } else {
            sl(
                at,
                "info",
                &format!("{n} triggers currently running"),
                TR,
                "triggerer_job_runner.py:547",
            )
        }
    });
    if ctx.end.failed() {
        db_crash(&mut p, ctx, TR);
    }
    p
}

fn celery_worker(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("celery");
    let host = ctx.name.to_string();
    p.step(0, move |at| {
        format!(
            " \n -------------- celery@{host} v5.5.3 (immunity)\n--- ***** ----- \n-- ******* ---- Linux-6.8.0-x86_64-with-glibc2.36 {}\n- *** --- * --- \n- ** ---------- [config]\n- ** ---------- .> app:         airflow.providers.celery.executors.celery_executor:0x7f3c1a2b4d10\n- ** ---------- .> transport:   redis://airflow-redis:6379/0\n- ** ---------- .> results:     postgresql://postgres:**@airflow-pgbouncer:6543/airflow-result-backend\n- *** --- * --- .> concurrency: 16 (prefork)\n-- ******* ---- .> task events: OFF (enable -E to monitor tasks in this worker)\n--- ***** ----- \n -------------- [queues]\n                .> default          exchange=default(direct) key=default\n                ",
            at.format("%Y-%m-%d %H:%M:%S")
        )
    });
    let c = |at: DateTime<Utc>, who: &str, level: &str, msg: &str| {
        format!(
            "[{},{:03}: {level}/{who}] {msg}",
            at.format("%Y-%m-%d %H:%M:%S"),
            at.timestamp_subsec_millis()
        )
    };
    p.step(rng.range(300, 900), move |at| {
        c(
            at,
            "MainProcess",
            "INFO",
            "Connected to redis://airflow-redis:6379/0",
        )
    });
    p.step(rng.range(10, 60), move |at| {
        c(at, "MainProcess", "INFO", "mingle: searching for neighbors")
    });
    p.step(rng.range(900, 1100), move |at| {
        c(at, "MainProcess", "INFO", "mingle: all alone")
    });
    let h = ctx.name.to_string();
    p.step(rng.range(10, 40), move |at| {
        c(at, "MainProcess", "INFO", &format!("celery@{h} ready."))
    });
    p.beat(rng.range(8_000, 20_000), move |_, r, at| {
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            r as u32,
            (r >> 32) as u16,
            r % 0xfff,
            (r >> 20) % 0xfff,
            (r >> 8) & 0xffff_ffff_ffff
        );
        if r % 2 == 0 {
            c(
                at,
                "MainProcess",
                "INFO",
                &format!("Task execute_workload[{id}] received"),
            )
        } else {
            c(
                at,
                &format!("ForkPoolWorker-{}", 1 + r % 16),
                "INFO",
                &format!(
                    "Task execute_workload[{id}] succeeded in {:.9}s: None",
                    1.0 + (r % 60_000) as f64 / 1000.0
                ),
            )
        }
    });
    p
}

fn log_groomer(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let days = 15;
    p.step(0, |_| "Cleaning logs every 900 seconds".to_string());
    p.beat(900_000, move |_, _, _| {
        format!("Trimming airflow logs to {days} days.")
    });
    let _ = ctx;
    p
}

fn git_sync(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("git-sync");
    let hash = rng.hex(40);
    let gl = |at: DateTime<Utc>, line: u32, level: u32, rest: &str| {
        format!(
            "{{\"logger\":\"\",\"ts\":\"{}.{:06}\",\"caller\":{{\"file\":\"main.go\",\"line\":{line}}},\"level\":{level},{rest}}}",
            at.format("%Y-%m-%d %H:%M:%S"),
            super::micros(at)
        )
    };
    p.step(0, move |at| gl(at, 623, 0, "\"msg\":\"starting up\",\"version\":\"v4.4.2\",\"pid\":1,\"uid\":65533,\"gid\":65533,\"home\":\"/tmp\",\"flags\":[\"--link=repo\",\"--max-failures=0\",\"--period=60s\",\"--ref=main\",\"--repo=https://github.com/acme/airflow-dags.git\",\"--root=/git\"]"));
    let h = hash.clone();
    p.step(rng.range(600, 2500), move |at| gl(at, 1755, 0, &format!("\"msg\":\"update required\",\"ref\":\"main\",\"local\":\"\",\"remote\":\"{h}\",\"syncCount\":0")));
    let h = hash.clone();
    p.step(rng.range(300, 900), move |at| gl(at, 1288, 0, &format!("\"msg\":\"updated successfully\",\"ref\":\"main\",\"remote\":\"{h}\",\"syncCount\":1")));
    if ctx.init {
        return p;
    }
    p.beat(60_000, move |k, _, at| gl(at, 1343, 1, &format!("\"msg\":\"no update required\",\"ref\":\"main\",\"local\":\"{hash}\",\"remote\":\"{hash}\",\"syncCount\":{}", k + 1)));
    p
}

fn statsd(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("statsd");
    let lf = |at: DateTime<Utc>, src: &str, msg: &str| {
        format!(
            "time={} level=INFO source={src} msg={msg}",
            super::iso_ms(at)
        )
    };
    p.step(0, move |at| lf(at, "main.go:321", "\"Starting StatsD -> Prometheus Exporter\" version=\"(version=0.28.0, branch=HEAD, revision=c0a390a2c43f77863278615b47d46e886bdca726)\""));
    p.step(1, move |at| lf(at, "main.go:322", "\"Build context\" context=\"(go=go1.23.4, platform=linux/amd64, user=root@783240c1ef9b, date=20241212-11:22:19, tags=unknown)\""));
    p.step(rng.range(2, 10), move |at| {
        lf(
            at,
            "main.go:385",
            "\"Accepting StatsD Traffic\" udp=:9125 tcp=:9125 unixgram=\"\"",
        )
    });
    p.step(1, move |at| {
        lf(
            at,
            "main.go:386",
            "\"Accepting Prometheus Requests\" addr=:9102",
        )
    });
    // The exporter only logs problems; a mapping miss shows up now and then.
    p.beat(rng.range(120_000, 300_000), move |_, r, at| {
        format!(
            "time={} level=DEBUG source=exporter.go:290 msg=\"Unmapped metric, using default mapping\" metric=airflow.dag_processing.last_duration.{}",
            super::iso_ms(at),
            DAGS[(r % DAGS.len() as u64) as usize].0
        )
    });
    p
}

fn pgbouncer(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("pgbouncer");
    let pb = |at: DateTime<Utc>, msg: &str| {
        format!(
            "{}.{:03} UTC [1] LOG {msg}",
            at.format("%Y-%m-%d %H:%M:%S"),
            at.timestamp_subsec_millis()
        )
    };
    p.step(0, move |at| pb(at, "kernel file descriptor limit: 1048576 (hard: 1048576); max_client_conn: 100, max expected fd use: 192"));
    p.step(rng.range(1, 5), move |at| {
        pb(at, "listening on 0.0.0.0:6543")
    });
    p.step(1, move |at| pb(at, "listening on [::]:6543"));
    p.step(1, move |at| pb(at, "listening on unix:/tmp/.s.PGSQL.6543"));
    p.step(1, move |at| pb(at, "process up: PgBouncer 1.23.1, libevent 2.1.12-stable (epoll), adns: c-ares 1.28.1, tls: OpenSSL 3.3.0 9 Apr 2024"));
    p.beat(60_000, move |_, r, at| {
        let x = r % 6;
        pb(
            at,
            &format!(
                "stats: {x} xacts/s, {} queries/s, 0 client parses/s, 0 server parses/s, 0 binds/s, in {} B/s, out {} B/s, xact {} us, query {} us, wait {} us",
                x * 3 + (r >> 8) % 4,
                400 + (r >> 12) % 3000,
                900 + (r >> 24) % 9000,
                800 + (r >> 32) % 4000,
                300 + (r >> 40) % 2000,
                (r >> 48) % 60
            ),
        )
    });
    p
}

fn pgbouncer_exporter(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let gk = |at: DateTime<Utc>, caller: &str, msg: &str| {
        format!("ts={} caller={caller} level=info {msg}", super::iso_ms(at))
    };
    p.step(0, move |at| gk(at, "pgbouncer_exporter.go:100", "msg=\"Starting pgbouncer_exporter\" version=\"(version=0.18.0, branch=HEAD, revision=13ac2c3e2a3ae4dbcd1ab4a0d6b1e28c4dbd7a53)\""));
    p.step(2, move |at| gk(at, "pgbouncer_exporter.go:101", "msg=\"Build context\" build_context=\"(go=go1.22.1, platform=linux/amd64, user=root@airflow, date=20250305-10:00:00, tags=unknown)\""));
    p.step(5, move |at| {
        gk(
            at,
            "tls_config.go:313",
            "msg=\"Listening on\" address=[::]:9127",
        )
    });
    p.step(1, move |at| {
        gk(
            at,
            "tls_config.go:316",
            "msg=\"TLS is disabled.\" http2=false address=[::]:9127",
        )
    });
    let _ = ctx;
    p
}

fn migrations(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("migrations");
    let dsn = format!(
        "postgresql://postgres:***@airflow-pgbouncer.{}:6543/airflow-metadata",
        ctx.namespace
    );
    let d = dsn.clone();
    p.step(0, move |_| format!("DB: {d}"));
    let d = dsn.clone();
    p.step(rng.range(300, 900), move |_| {
        format!("Performing upgrade to the metadata database {d}")
    });
    p.step(rng.range(100, 400), |at| {
        sl(
            at,
            "info",
            "Context impl PostgresqlImpl.",
            "alembic.runtime.migration",
            "migration.py:211",
        )
    });
    p.step(1, |at| {
        sl(
            at,
            "info",
            "Will assume transactional DDL.",
            "alembic.runtime.migration",
            "migration.py:214",
        )
    });
    p.step(rng.range(100, 400), |at| {
        sl(
            at,
            "info",
            "Migrating the Airflow database",
            "airflow.utils.db",
            "db.py:1119",
        )
    });
    for (from, to, what) in [
        (
            "5f2621c13b39",
            "cc92b33c6709",
            "Add new field 'rendered_map_index' to TaskInstance.",
        ),
        ("cc92b33c6709", "29ce7909c52b", "Add dag_versioning."),
        ("29ce7909c52b", "5d3072c51bac", "Add asset partitions."),
    ] {
        p.step(rng.range(200, 1500), move |at| {
            sl(
                at,
                "info",
                &format!("Running upgrade {from} -> {to}, {what}"),
                "alembic.runtime.migration",
                "migration.py:622",
            )
        });
    }
    if ctx.end.failed() {
        p.tail_step(0, |_| {
            "Traceback (most recent call last):\n  File \"/home/airflow/.local/bin/airflow\", line 8, in <module>\n    sys.exit(main())\n             ^^^^^^\n  File \"/home/airflow/.local/lib/python3.12/site-packages/airflow/__main__.py\", line 55, in main\n    args.func(args)\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"airflow-pgbouncer\" (10.96.14.3), port 6543 failed: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.".to_string()
        });
    } else if ctx.end != End::Open {
        p.tail_step(0, |_| "Database migrating done!".to_string());
    }
    p
}

fn create_user(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("create-user");
    p.step(0, |at| {
        sl(
            at,
            "info",
            "Creating user admin",
            "airflow.providers.fab.auth_manager.cli_commands.user_command",
            "user_command.py:110",
        )
    });
    if ctx.end.failed() {
        p.tail_step(0, |_| "admin already exist in the db".to_string());
    } else if ctx.end != End::Open {
        p.step(rng.range(900, 3000), |_| {
            "User \"admin\" created with role \"Admin\"".to_string()
        });
    }
    p
}

fn wait_migrations(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("wait-migrations");
    let dsn = format!(
        "postgresql://postgres:***@airflow-pgbouncer.{}:6543/airflow-metadata",
        ctx.namespace
    );
    p.step(0, move |_| format!("DB: {dsn}"));
    p.step(rng.range(500, 1500), |at| {
        sl(
            at,
            "info",
            "Waiting for migrations... 0 second(s)",
            "airflow.utils.db",
            "db.py:927",
        )
    });
    p.step(rng.range(1000, 5000), |at| {
        sl(
            at,
            "info",
            "Waiting for migrations... 1 second(s)",
            "airflow.utils.db",
            "db.py:927",
        )
    });
    p
}
