//! Dagster: run worker pods (`dagster api execute_run`, the console event lines
//! `... - dagster - DEBUG - job - run_id - pid - step - STEP_START - ...`), the daemon, the
//! webserver, code servers and the instance-migrate Job.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Run,
    Daemon,
    Webserver,
    CodeServer,
    Migrate,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    let component = ctx.label("app.kubernetes.io/component").unwrap_or("");
    if ctx.label("dagster/run-id").is_some()
        || component == "run_worker"
        || component == "step_worker"
    {
        return Some(Role::Run);
    }
    let repo = ctx.image_repo();
    let dagster = repo.contains("dagster")
        || ctx
            .label("app.kubernetes.io/name")
            .is_some_and(|n| n.starts_with("dagster"));
    if !dagster {
        return None;
    }
    let words: Vec<&str> = ctx.words().collect();
    let legacy = ctx.label("component").unwrap_or("");
    if legacy == "dagster-daemon" || words.contains(&"dagster-daemon") {
        Some(Role::Daemon)
    } else if legacy == "dagster-webserver"
        || legacy == "dagit"
        || words
            .iter()
            .any(|w| *w == "dagster-webserver" || *w == "dagit")
    {
        Some(Role::Webserver)
    } else if words.contains(&"grpc") || legacy == "user-deployments" {
        Some(Role::CodeServer)
    } else if words.contains(&"migrate") {
        Some(Role::Migrate)
    } else if words.contains(&"execute_run") || words.contains(&"execute_step") {
        Some(Role::Run)
    } else {
        Some(Role::CodeServer)
    }
}

fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S +0000").to_string()
}

/// A system logger line (`2026-11-26 12:00:00 +0000 - dagster.daemon - INFO - msg`).
fn sys(at: DateTime<Utc>, logger: &str, level: &str, msg: &str) -> String {
    format!("{} - {logger} - {level} - {msg}", ts(at))
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::Run => run(ctx),
        Role::Daemon => daemon(ctx),
        Role::Webserver => webserver(ctx),
        Role::CodeServer => code_server(ctx),
        Role::Migrate => migrate(ctx),
    }
}

fn run(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dagster-run");
    let job = ctx
        .label("dagster/job")
        .unwrap_or("__ASSET_JOB")
        .to_string();
    let run_id = ctx
        .label("dagster/run-id")
        .map(str::to_string)
        .unwrap_or_else(|| ctx.pod_rng("dagster-run-id").uuid());
    let pid = 1u32;
    let steps: &[&str] = &["raw_orders", "stg_orders", "orders_daily", "revenue_report"];
    let ev = {
        let (job, run_id) = (job.clone(), run_id.clone());
        move |at: DateTime<Utc>, level: &str, step: Option<&str>, event: &str, msg: &str| match step
        {
            Some(s) => format!(
                "{} - dagster - {level} - {job} - {run_id} - {pid} - {s} - {event} - {msg}",
                ts(at)
            ),
            None => format!(
                "{} - dagster - {level} - {job} - {run_id} - {pid} - {event} - {msg}",
                ts(at)
            ),
        }
    };
    let e = ev.clone();
    let j = job.clone();
    p.step(rng.range(1500, 4000), move |at| {
        e(
            at,
            "DEBUG",
            None,
            "RUN_START",
            &format!("Started execution of run for \"{j}\"."),
        )
    });
    let e = ev.clone();
    p.step(rng.range(5, 40), move |at| {
        e(
            at,
            "DEBUG",
            None,
            "ENGINE_EVENT",
            &format!("Executing steps in process (pid: {pid})"),
        )
    });
    let e = ev.clone();
    p.step(rng.range(5, 40), move |at| {
        e(
            at,
            "DEBUG",
            None,
            "RESOURCE_INIT_STARTED",
            "Starting initialization of resources [io_manager].",
        )
    });
    let e = ev.clone();
    p.step(rng.range(5, 40), move |at| {
        e(
            at,
            "DEBUG",
            None,
            "RESOURCE_INIT_SUCCESS",
            "Finished initialization of resources [io_manager].",
        )
    });
    let failing = if ctx.end.failed() && !ctx.end.killed() {
        Some(steps.len() - 1)
    } else {
        None
    };
    let n = steps.len() as f64;
    // Reported step times follow the run's length (the middle is most of it).
    let mid_ms = ctx
        .span_ms()
        .map_or(40_000.0, |s| (s as f64 * 0.9 - 2_500.0).max(1_000.0));
    for (i, s) in steps.iter().enumerate() {
        let base = i as f64 / n;
        let w = 1.0 / n;
        let e = ev.clone();
        p.body(base, move |at| {
            e(
                at,
                "DEBUG",
                Some(s),
                "STEP_START",
                &format!("Started execution of step \"{s}\"."),
            )
        });
        if i > 0 {
            let prev = steps[i - 1];
            let e = ev.clone();
            p.body(base + w * 0.05, move |at| e(at, "DEBUG", Some(s), "LOADED_INPUT", &format!("Loaded input \"{prev}\" using input manager \"io_manager\", from output \"result\" of step \"{prev}\"")));
        }
        if failing == Some(i) {
            continue;
        }
        let e = ev.clone();
        let rows = rng.range(100, 90_000);
        p.body(base + w * 0.7, move |at| {
            e(
                at,
                "INFO",
                Some(s),
                "ASSET_MATERIALIZATION",
                &format!("Materialized value {s} ({rows} rows)."),
            )
        });
        let e = ev.clone();
        p.body(base + w * 0.72, move |at| {
            e(
                at,
                "DEBUG",
                Some(s),
                "STEP_OUTPUT",
                "Yielded output \"result\" of type \"Any\". (Type check passed).",
            )
        });
        let e = ev.clone();
        p.body(base + w * 0.74, move |at| {
            e(
                at,
                "DEBUG",
                Some(s),
                "HANDLED_OUTPUT",
                "Handled output \"result\" using IO manager \"io_manager\"",
            )
        });
        let e = ev.clone();
        let secs = (mid_ms * 0.76 / n) as i64 + rng.range(0, 99);
        p.body(base + w * 0.76, move |at| {
            e(
                at,
                "DEBUG",
                Some(s),
                "STEP_SUCCESS",
                &format!(
                    "Finished execution of step \"{s}\" in {}.{:02}s.",
                    secs / 1000,
                    secs % 1000 / 10
                ),
            )
        });
    }
    p.body_len(40_000);
    if ctx.end == End::Open || ctx.end.killed() {
        return p;
    }
    if let Some(i) = failing {
        let s = steps[i];
        let e = ev.clone();
        p.tail_step(0, move |at| {
            e(at, "ERROR", Some(s), "STEP_FAILURE", &format!("Execution of step \"{s}\" failed.\n\ndagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"{s}\"::\n\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='reports.internal', port=443): Max retries exceeded with url: /upload (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f4a1c2d3e50>: Failed to resolve 'reports.internal' ([Errno -2] Name or service not known)\"))\n\nStack Trace:\n  File \"/usr/local/lib/python3.12/site-packages/dagster/_core/execution/plan/utils.py\", line 56, in op_execution_error_boundary\n    yield\n  File \"/usr/local/lib/python3.12/site-packages/dagster/_utils/__init__.py\", line 490, in iterate_with_context\n    next_output = next(iterator)\n  File \"/opt/dagster/app/analytics/assets.py\", line 88, in {s}\n    resp = requests.post(REPORTS_URL, files={{\"file\": buf}})\n"))
        });
    }
    let e = ev.clone();
    let started = ctx.started;
    p.tail_step(rng.range(10, 60), move |at| {
        let secs = (at - started).num_seconds().max(1);
        e(
            at,
            "DEBUG",
            None,
            "ENGINE_EVENT",
            &format!(
                "Finished steps in process (pid: {pid}) in {}m {}s",
                secs / 60,
                secs % 60
            ),
        )
    });
    let j = job.clone();
    match failing {
        Some(i) => {
            let s = steps[i];
            p.tail_step(rng.range(10, 60), move |at| {
                ev(
                    at,
                    "ERROR",
                    None,
                    "RUN_FAILURE",
                    &format!("Execution of run for \"{j}\" failed. Steps failed: ['{s}']."),
                )
            });
        }
        None => p.tail_step(rng.range(10, 60), move |at| {
            ev(
                at,
                "DEBUG",
                None,
                "RUN_SUCCESS",
                &format!("Finished execution of run for \"{j}\"."),
            )
        }),
    }
    p
}

fn daemon(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dagster-daemon");
    p.step(0, |at| sys(at, "dagster.daemon", "INFO", "Instance is configured with the following daemons: ['AssetDaemon', 'BackfillDaemon', 'FreshnessDaemon', 'MonitoringDaemon', 'QueuedRunCoordinatorDaemon', 'SchedulerDaemon', 'SensorDaemon']"));
    p.step(rng.range(500, 2000), |at| {
        sys(
            at,
            "dagster.daemon.SensorDaemon",
            "INFO",
            "Checking for new runs for sensor: new_orders_sensor",
        )
    });
    p.beat(rng.range(10_000, 30_000), |k, r, at| match r % 6 {
        0 => sys(
            at,
            "dagster.daemon.SensorDaemon",
            "INFO",
            "Checking for new runs for sensor: new_orders_sensor",
        ),
        1 => sys(
            at,
            "dagster.daemon.SensorDaemon",
            "INFO",
            "No run requests returned for new_orders_sensor, skipping",
        ),
        2 => sys(
            at,
            "dagster.daemon.SchedulerDaemon",
            "INFO",
            &format!(
                "Evaluating schedule `daily_refresh_schedule` at {}",
                at.format("%Y-%m-%d %H:00:00 +0000")
            ),
        ),
        3 => sys(
            at,
            "dagster.daemon.QueuedRunCoordinatorDaemon",
            "INFO",
            &format!("Retrieved {} queued runs, checking limits.", 1 + k % 2),
        ),
        4 => sys(
            at,
            "dagster.daemon.QueuedRunCoordinatorDaemon",
            "INFO",
            "Launched 1 runs.",
        ),
        _ => sys(
            at,
            "dagster.daemon.SchedulerDaemon",
            "INFO",
            "No new tick times to evaluate for daily_refresh_schedule",
        ),
    });
    p
}

fn webserver(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dagster-webserver");
    p.step(0, |at| {
        sys(
            at,
            "dagster-webserver",
            "INFO",
            "Loading workspace from /dagster-workspace/workspace.yaml",
        )
    });
    p.step(rng.range(2000, 6000), |at| {
        sys(
            at,
            "dagster-webserver",
            "INFO",
            "Serving dagster-webserver on http://0.0.0.0:80 in process 1",
        )
    });
    p.beat(rng.range(10_000, 20_000), |_, r, _| {
        format!(
            "INFO:     10.244.0.{}:0 - \"GET /server_info HTTP/1.1\" 200 OK",
            1 + r % 200
        )
    });
    p
}

fn code_server(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dagster-code");
    let words: Vec<&str> = ctx.words().collect();
    let file = words
        .iter()
        .position(|w| *w == "--python-file" || *w == "-f")
        .and_then(|i| words.get(i + 1))
        .copied()
        .unwrap_or("/opt/dagster/app/definitions.py")
        .to_string();
    let f = file.clone();
    p.step(0, move |at| {
        sys(
            at,
            "dagster.code_server",
            "INFO",
            &format!("Starting Dagster code server for file {f} on port 3030 in process 1"),
        )
    });
    p.step(rng.range(2000, 8000), move |at| {
        sys(
            at,
            "dagster.code_server",
            "INFO",
            &format!("Started Dagster code server for file {file} on port 3030 in process 1"),
        )
    });
    p
}

fn migrate(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("dagster-migrate");
    p.step(0, |_| {
        "$DAGSTER_HOME: /opt/dagster/dagster_home".to_string()
    });
    p.step(rng.range(500, 2000), |_| {
        "Updating run storage...".to_string()
    });
    p.step(rng.range(500, 2000), |_| {
        "Updating event storage...".to_string()
    });
    p.step(rng.range(500, 2000), |_| {
        "Updating schedule storage...".to_string()
    });
    p
}
