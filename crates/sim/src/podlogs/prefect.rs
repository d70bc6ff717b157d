//! Prefect 3: flow-run pods (`prefect flow-run execute`), the server and the Kubernetes worker,
//! in Prefect's console format (`12:00:01.123 | INFO    | Flow run 'amber-fox' - ...`).

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan, Rng};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    FlowRun,
    Server,
    Services,
    Worker,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    if ctx.label("prefect.io/flow-run-id").is_some()
        || ctx.annotation("prefect.io/flow-run-id").is_some()
        || ctx.container == "prefect-job"
    {
        return Some(Role::FlowRun);
    }
    let repo = ctx.image_repo();
    let name = ctx.label("app.kubernetes.io/name").unwrap_or("");
    if !repo.starts_with("prefecthq/") && !name.starts_with("prefect") {
        return None;
    }
    let component = ctx.label("app.kubernetes.io/component").unwrap_or("");
    let words: Vec<&str> = ctx.words().collect();
    if component == "worker" || name == "prefect-worker" || words.contains(&"worker") {
        Some(Role::Worker)
    } else if component == "background-services" || words.contains(&"services") {
        Some(Role::Services)
    } else if words.contains(&"flow-run") {
        Some(Role::FlowRun)
    } else {
        Some(Role::Server)
    }
}

fn pf(at: DateTime<Utc>, level: &str, name: &str, msg: &str) -> String {
    format!(
        "{}.{:03} | {level:<7} | {name} - {msg}",
        at.format("%H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::FlowRun => flow_run(ctx),
        Role::Server => server(ctx, false),
        Role::Services => server(ctx, true),
        Role::Worker => worker(ctx),
    }
}

const TASKS: &[&str] = &["extract_orders", "transform_orders", "load_warehouse"];

fn flow_run(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("prefect-flow");
    let run_name = ctx
        .label("prefect.io/flow-run-name")
        .unwrap_or("amber-fox")
        .to_string();
    let flow = ctx
        .label("prefect.io/flow-name")
        .unwrap_or("orders-etl")
        .to_string();
    let id = ctx
        .meta_value("prefect.io/flow-run-id")
        .map(str::to_string)
        .unwrap_or_else(|| ctx.pod_rng("prefect-id").uuid());
    let fr = format!("Flow run '{run_name}'");
    let f = fr.clone();
    p.step(rng.range(1500, 4000), move |at| {
        pf(
            at,
            "INFO",
            "prefect.flow_runs",
            "Downloading flow code from storage at '.'",
        )
    });
    let (f2, fl) = (f.clone(), flow.clone());
    let rn = run_name.clone();
    p.step(rng.range(300, 1500), move |at| {
        pf(
            at,
            "INFO",
            &f2,
            &format!("Beginning flow run '{rn}' for flow '{fl}'"),
        )
    });
    let f3 = f.clone();
    let ns = ctx.namespace.to_string();
    p.step(2, move |at| {
        pf(
            at,
            "INFO",
            &f3,
            &format!("View at http://prefect-server.{ns}:4200/runs/flow-run/{id}"),
        )
    });
    let failing = ctx.end.failed() && !ctx.end.killed();
    let n = TASKS.len() as f64;
    for (i, t) in TASKS.iter().enumerate() {
        let suffix = rng.hex(3);
        let task_run = format!("Task run '{t}-{suffix}'");
        let base = i as f64 / n;
        let tr = task_run.clone();
        p.body(base + 0.02, move |at| {
            pf(
                at,
                "INFO",
                &tr,
                &format!("Created task run '{t}-{suffix}' for task '{t}'"),
            )
        });
        if failing && i == TASKS.len() - 1 {
            continue;
        }
        let tr = task_run.clone();
        let rows = rng.range(100, 90_000);
        p.body(base + 0.5 / n, move |at| {
            pf(at, "INFO", &tr, &format!("Processed {rows} rows"))
        });
        let tr = task_run.clone();
        p.body(base + 0.9 / n, move |at| {
            pf(at, "INFO", &tr, "Finished in state Completed()")
        });
    }
    p.body_len(30_000);
    match ctx.end {
        End::Exit(0) => p.tail_step(0, move |at| {
            pf(at, "INFO", &f, "Finished in state Completed()")
        }),
        End::Exit(c) if c != 137 && c != 143 => {
            let tr = format!("Task run 'load_warehouse-{}'", rng.hex(3));
            let tb = "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.11/site-packages/prefect/task_engine.py\", line 811, in run_context\n    yield self\n  File \"/opt/prefect/flows/orders_etl.py\", line 57, in load_warehouse\n    raise ValueError(f\"warehouse rejected batch {batch}: duplicate key\")\nValueError: warehouse rejected batch 7: duplicate key";
            let t2 = tr.clone();
            p.tail_step(0, move |at| pf(at, "ERROR", &t2, &format!("Task run failed with exception: ValueError('warehouse rejected batch 7: duplicate key') - Retries are exhausted\n{tb}")));
            p.tail_step(5, move |at| pf(at, "ERROR", &tr, "Finished in state Failed('Task run encountered an exception ValueError: warehouse rejected batch 7: duplicate key')"));
            let f2 = f.clone();
            p.tail_step(5, move |at| pf(at, "ERROR", &f2, &format!("Encountered exception during execution: ValueError('warehouse rejected batch 7: duplicate key')\n{tb}")));
            p.tail_step(5, move |at| pf(at, "ERROR", &f, "Finished in state Failed('Flow run encountered an exception: ValueError: warehouse rejected batch 7: duplicate key')"));
        }
        _ => {}
    }
    p
}

fn server(ctx: &Ctx<'_>, services: bool) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("prefect-server");
    if services {
        p.step(0, |_| {
            "Starting services... Press CTRL+C to stop".to_string()
        });
        p.beat(rng.range(5_000, 20_000), |k, r, at| match k % 4 {
            0 => pf(
                at,
                "INFO",
                "prefect.server.services.scheduler",
                &format!("Scheduled {} runs.", r % 20),
            ),
            1 => pf(
                at,
                "INFO",
                "prefect.server.services.late_runs",
                "Finished monitoring for late runs.",
            ),
            2 => pf(
                at,
                "INFO",
                "prefect.server.services.foreman",
                "Foreman completed work pool and worker health checks.",
            ),
            _ => pf(
                at,
                "INFO",
                "prefect.server.services.recentdeploymentsscheduler",
                &format!("Scheduled {} runs.", r % 4),
            ),
        });
        return p;
    }
    p.step(0, |_| "\n ___ ___ ___ ___ ___ ___ _____\n| _ \\ _ \\ __| __| __/ __|_   _|\n|  _/   / _|| _|| _| (__  | |\n|_| |_|_\\___|_| |___\\___| |_|\n\nConfigure Prefect to communicate with the server with:\n\n    prefect config set PREFECT_API_URL=http://0.0.0.0:4200/api\n\nView the API reference documentation at http://0.0.0.0:4200/docs\n\nCheck out the dashboard at http://0.0.0.0:4200\n\n\n".to_string());
    p.step(rng.range(500, 1500), |_| {
        "INFO:     Started server process [1]".to_string()
    });
    p.step(1, |_| {
        "INFO:     Waiting for application startup.".to_string()
    });
    p.step(rng.range(500, 3000), |_| {
        "INFO:     Application startup complete.".to_string()
    });
    p.step(1, |_| {
        "INFO:     Uvicorn running on http://0.0.0.0:4200 (Press CTRL+C to quit)".to_string()
    });
    p.beat(rng.range(2_000, 6_000), |_, r, _| {
        let line = match r % 6 {
            0 | 1 => "\"GET /api/health HTTP/1.1\" 200 OK",
            2 => "\"POST /api/work_pools/kubernetes/get_scheduled_flow_runs HTTP/1.1\" 200 OK",
            3 => "\"POST /api/workers/heartbeat HTTP/1.1\" 204 No Content",
            4 => "\"POST /api/flow_runs/filter HTTP/1.1\" 200 OK",
            _ => "\"POST /api/logs/ HTTP/1.1\" 201 Created",
        };
        format!(
            "INFO:     10.244.0.{}:{} - {line}",
            2 + r % 200,
            30000 + (r >> 8) % 30000
        )
    });
    p
}

fn worker(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("prefect-worker");
    let wid = rng.uuid();
    let logger = format!("prefect.workers.kubernetes.kubernetesworker {}", &wid[..8]);
    let l = logger.clone();
    let w = wid.clone();
    p.step(rng.range(1000, 3000), move |at| {
        pf(
            at,
            "INFO",
            &l,
            &format!("Worker 'KubernetesWorker {w}' started!"),
        )
    });
    let names = [
        "amber-fox",
        "crimson-otter",
        "silent-heron",
        "brisk-lynx",
        "golden-moth",
    ];
    p.beat(rng.range(10_000, 25_000), move |k, r, at| {
        let run = names[(k / 6 % names.len() as u64) as usize];
        // One flow run per six slots: its id and job name stay the same across them.
        let mut flow = Rng::new((k / 6) ^ 0x5f3a_91c2);
        let id = flow.uuid();
        let job = format!("{run}-{}", flow.hex(5));
        let _ = r;
        match k % 6 {
            0 => pf(
                at,
                "INFO",
                &logger,
                &format!("Worker 'KubernetesWorker {wid}' submitting flow run '{id}'"),
            ),
            1 => pf(
                at,
                "INFO",
                "prefect.flow_runs.worker",
                "Creating Kubernetes job...",
            ),
            2 => pf(
                at,
                "INFO",
                "prefect.flow_runs.worker",
                &format!("Job '{job}': Pod has status 'Pending'."),
            ),
            3 => pf(
                at,
                "INFO",
                &logger,
                &format!("Completed submission of flow run '{id}'"),
            ),
            4 => pf(
                at,
                "INFO",
                "prefect.flow_runs.worker",
                &format!("Job '{job}': Pod has status 'Running'."),
            ),
            _ => pf(
                at,
                "INFO",
                "prefect.flow_runs.worker",
                &format!("Job '{job}': Job reached completion."),
            ),
        }
    });
    p
}
