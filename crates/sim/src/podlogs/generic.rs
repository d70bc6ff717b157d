//! Logs of containers without a tool of their own: a generic web app, Kubernetes operators
//! (zap/klog lines), MinIO, Temporal, init containers waiting for a dependency, and the shared
//! access-log line formats.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan, iso_ms, iso_us};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Anything else: a small web service.
    App,
    /// A controller-runtime operator (Spark operator, ClickHouse operator…).
    Operator,
    MinIO,
    Temporal,
    CoreDns,
    /// An init container looping until a database or service answers.
    WaitFor,
}

/// Common Log Format access line, as gunicorn and many servers write it.
pub(crate) fn clf_access(
    at: DateTime<Utc>,
    ip: &str,
    method: &str,
    path: &str,
    status: u16,
    bytes: u64,
    ua: &str,
) -> String {
    format!(
        "{ip} - - [{}] \"{method} {path} HTTP/1.1\" {status} {bytes} \"-\" \"{ua}\"",
        at.format("%d/%b/%Y:%H:%M:%S +0000")
    )
}

/// controller-runtime's zap console line: `time\tLEVEL\tcaller\tmsg\t{json}`.
pub(crate) fn zap(at: DateTime<Utc>, level: &str, caller: &str, msg: &str, fields: &str) -> String {
    if fields.is_empty() {
        format!("{}\t{level}\t{caller}\t{msg}", iso_ms(at))
    } else {
        format!("{}\t{level}\t{caller}\t{msg}\t{fields}", iso_ms(at))
    }
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    let repo = ctx.image_repo();
    if repo.starts_with("temporalio/") {
        return Some(Role::Temporal);
    }
    if repo.ends_with("coredns") {
        return Some(Role::CoreDns);
    }
    if repo.starts_with("minio/") || repo.contains("/minio") {
        // The bucket-creating hook runs `mc`, not the server.
        return Some(if ctx.words().any(|w| w == "mc") {
            Role::WaitFor
        } else {
            Role::MinIO
        });
    }
    if repo.contains("operator")
        || ctx
            .label("app.kubernetes.io/name")
            .is_some_and(|n| n.ends_with("operator"))
    {
        return Some(Role::Operator);
    }
    let waits = ctx.container.starts_with("wait-for")
        || ctx.container.starts_with("check-db")
        || ctx
            .words()
            .any(|w| matches!(w, "pg_isready" | "nslookup" | "until" | "dockerize"));
    if ctx.init && waits {
        return Some(Role::WaitFor);
    }
    None
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::App => app(ctx),
        Role::Operator => operator(ctx),
        Role::MinIO => minio(ctx),
        Role::Temporal => temporal(ctx),
        Role::CoreDns => coredns(ctx),
        Role::WaitFor => wait_for(ctx),
    }
}

/// A generic service: start-up, then health checks and requests in a JSON-less text format.
fn app(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("app");
    let name = if ctx.container.is_empty() {
        "app".to_string()
    } else {
        ctx.container.to_string()
    };
    let line =
        |at: DateTime<Utc>, level: &str, msg: &str| format!("{} {level:<5} {msg}", iso_ms(at));
    let image = if ctx.image.is_empty() {
        "unknown".to_string()
    } else {
        ctx.image.to_string()
    };
    let n = name.clone();
    p.step(0, move |at| {
        line(at, "INFO", &format!("starting {n} (image {image})"))
    });
    p.step(rng.range(20, 200), move |at| {
        line(at, "INFO", "loaded configuration from /etc/app/config.yaml")
    });
    let port = 8080 + rng.range(0, 10);
    p.step(rng.range(200, 1500), move |at| {
        line(at, "INFO", &format!("listening on 0.0.0.0:{port}"))
    });
    // Batch-like containers (a Job's pod, an init container) do their work and exit.
    let batch = ctx.init
        || ctx.end != End::Open && !ctx.end.failed() && ctx.span_ms().is_some_and(|s| s < 600_000);
    if batch {
        p.body(0.1, move |at| line(at, "INFO", "processing work items"));
        p.body(0.6, move |at| line(at, "INFO", "work items processed: 128"));
    }
    // An init container does its work and exits; only services keep logging.
    if !ctx.init {
        p.beat(rng.range(10_000, 30_000), move |k, r, at| match r % 10 {
            0 => line(
                at,
                "WARN",
                &format!("slow request: GET /api/items took {}ms", 800 + r % 3000),
            ),
            1..=6 => line(
                at,
                "INFO",
                &format!("GET /healthz 200 {}.{}ms", r % 3, (r >> 8) % 10),
            ),
            _ => line(
                at,
                "INFO",
                &format!(
                    "GET /api/items?page={} 200 {}ms",
                    1 + k % 20,
                    4 + (r >> 4) % 80
                ),
            ),
        });
    }
    match ctx.end {
        End::Exit(0) => p.tail_step(0, move |at| line(at, "INFO", "shutdown complete")),
        End::Exit(c @ (137 | 143)) => p.tail_step(0, move |at| {
            line(
                at,
                "INFO",
                &format!("received signal {}, shutting down", c - 128),
            )
        }),
        End::Exit(c) => {
            p.tail_step(0, move |at| line(at, "ERROR", "fatal: failed to connect to backend: dial tcp 10.96.0.42:5432: connect: connection refused"));
            p.tail_step(2, move |at| {
                line(at, "ERROR", &format!("exiting with code {c}"))
            });
        }
        End::Open => {}
    }
    p
}

fn operator(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("operator");
    let kind = if ctx.image_repo().contains("spark") {
        "SparkApplication"
    } else {
        "ClickHouseInstallation"
    };
    p.step(0, |at| {
        zap(
            at,
            "INFO",
            "controller/start.go:142",
            "Starting manager",
            "",
        )
    });
    p.step(rng.range(10, 60), |at| {
        zap(
            at,
            "INFO",
            "manager/server.go:83",
            "starting server",
            "{\"name\": \"health probe\", \"addr\": \"[::]:8081\"}",
        )
    });
    p.step(rng.range(5, 40), |at| {
        zap(
            at,
            "INFO",
            "manager/internal.go:538",
            "Starting EventSource",
            "",
        )
    });
    p.step(rng.range(100, 900), move |at| {
        zap(
            at,
            "INFO",
            "controller/controller.go:227",
            "Starting workers",
            &format!(
                "{{\"controller\": \"{}\", \"worker count\": 10}}",
                kind.to_ascii_lowercase()
            ),
        )
    });
    let ns = ctx.namespace.to_string();
    p.beat(rng.range(15_000, 45_000), move |_, r, at| {
        let name = ["spark-pi", "nightly-aggregates", "chi-analytics"][(r % 3) as usize];
        zap(
            at,
            "INFO",
            "controller/reconcile.go:61",
            &format!("Reconciling {kind}"),
            &format!("{{\"name\": \"{name}\", \"namespace\": \"{ns}\"}}"),
        )
    });
    p
}

fn minio(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let ip = ctx.pod_ip();
    let tag = ctx.image_tag().to_string();
    p.step(0, |_| "MinIO Object Storage Server".to_string());
    p.step(1, |_| "Copyright: 2015-2023 MinIO, Inc.".to_string());
    p.step(1, |_| {
        "License: GNU AGPLv3 <https://www.gnu.org/licenses/agpl-3.0.html>".to_string()
    });
    p.step(1, move |_| {
        format!(
            "Version: {} (go1.21.4 linux/amd64)",
            if tag.is_empty() {
                "RELEASE.2023-11-20T22-40-07Z"
            } else {
                &tag
            }
        )
    });
    p.step(5, |_| String::new());
    p.step(1, |_| "Status:         1 Online, 0 Offline. ".to_string());
    let i = ip.clone();
    p.step(1, move |_| {
        format!("S3-API: http://{i}:9000  http://127.0.0.1:9000 ")
    });
    p.step(1, move |_| {
        format!("Console: http://{ip}:9001 http://127.0.0.1:9001 ")
    });
    p.step(1, |_| String::new());
    p.step(1, |_| {
        "Documentation: https://min.io/docs/minio/linux/index.html".to_string()
    });
    p.step(1, |_| {
        "Warning: The standard parity is set to 0. This can lead to data loss.".to_string()
    });
    p
}

fn temporal(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("temporal");
    let j = |at: DateTime<Utc>, level: &str, msg: &str, rest: &str| {
        format!(
            "{{\"level\":\"{level}\",\"ts\":\"{}\",\"msg\":\"{msg}\"{rest}}}",
            iso_us(at)
        )
    };
    p.step(0, |_| "+ : postgres12".to_string());
    p.step(1, |_| "+ : true".to_string());
    p.step(rng.range(200, 900), |_| {
        "Temporal CLI address: 127.0.0.1:7233.".to_string()
    });
    p.step(rng.range(300, 900), move |at| {
        j(
            at,
            "info",
            "Updated dynamic config",
            ",\"logging-call-at\":\"file_based_client.go:275\"",
        )
    });
    for svc in ["history", "matching", "frontend", "worker"] {
        p.step(rng.range(50, 400), move |at| j(at, "info", "Service resources started", &format!(",\"service\":\"{svc}\",\"address\":\"0.0.0.0:7233\",\"logging-call-at\":\"fx.go:1124\"")));
    }
    p.step(rng.range(100, 500), move |at| j(at, "info", "Started Worker", ",\"service\":\"worker\",\"Namespace\":\"temporal-system\",\"TaskQueue\":\"temporal-sys-tq-scanner-taskqueue-0\",\"WorkerID\":\"1@airbyte-temporal@\",\"logging-call-at\":\"pernamespaceworker.go:497\""));
    p.beat(rng.range(20_000, 60_000), move |_, r, at| {
        if r % 3 == 0 {
            j(at, "info", "history client encountered error", ",\"service\":\"frontend\",\"error\":\"Workflow executionsRow not found.\",\"service-error-type\":\"serviceerror.NotFound\",\"logging-call-at\":\"metric_client.go:104\"")
        } else {
            j(at, "info", "Task queue manager started", &format!(",\"service\":\"matching\",\"component\":\"matching-engine\",\"wf-task-queue-name\":\"/_sys/SYNC/{}\",\"wf-task-queue-type\":\"Workflow\",\"wf-namespace\":\"default\",\"lifecycle\":\"Started\",\"logging-call-at\":\"task_queue_partition_manager.go:149\"", 1 + r % 3))
        }
    });
    p
}

fn wait_for(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("wait-for");
    let words: Vec<&str> = ctx.words().collect();
    let host = words
        .iter()
        .position(|w| *w == "-h")
        .and_then(|i| words.get(i + 1))
        .copied()
        .unwrap_or("postgresql")
        .to_string();
    if ctx.words().any(|w| w == "pg_isready") {
        let h = host.clone();
        p.step(0, move |_| format!("{h}:5432 - no response"));
        p.step(1, |_| "waiting for database".to_string());
        p.step(rng.range(1900, 2100), move |_| {
            format!("{host}:5432 - accepting connections")
        });
    } else if ctx.words().any(|w| w == "nslookup") {
        let svc = words
            .iter()
            .position(|w| *w == "nslookup")
            .and_then(|i| words.get(i + 1))
            .copied()
            .unwrap_or("service")
            .to_string();
        let ns = ctx.namespace.to_string();
        p.step(0, |_| {
            "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local"
                .to_string()
        });
        p.step(1, |_| String::new());
        p.step(1, move |_| {
            format!(
                "Name:      {svc}\nAddress 1: 10.96.{}.{} {svc}.{ns}.svc.cluster.local",
                20 + svc.len(),
                3 + svc.len() * 7 % 200
            )
        });
    } else if ctx.words().any(|w| w == "mc") {
        p.step(0, |_| "Added `myminio` successfully.".to_string());
        p.step(rng.range(100, 500), |_| {
            "Bucket created successfully `myminio/airbyte-storage`.".to_string()
        });
    } else {
        let target = format!(
            "tcp://{}-postgresql:5432",
            ctx.name.split('-').next().unwrap_or("app")
        );
        let t = target.clone();
        let d = |at: DateTime<Utc>, msg: &str| format!("{} {msg}", at.format("%Y/%m/%d %H:%M:%S"));
        p.step(0, move |at| d(at, &format!("Waiting for: {t}")));
        p.step(rng.range(500, 3000), move |at| {
            d(at, &format!("Connected to {target}"))
        });
    }
    p
}

/// CoreDNS prints its server blocks and version; query logging is off without the `log`
/// plugin, so it stays quiet while healthy.
fn coredns(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("coredns");
    let version = ctx
        .image_tag()
        .trim_start_matches('v')
        .split('-')
        .next()
        .unwrap_or("1.12.4")
        .to_string();
    let sha = rng.hex(128);
    p.step(0, |_| ".:53".to_string());
    p.step(2, move |_| {
        format!("[INFO] plugin/reload: Running configuration SHA512 = {sha}")
    });
    p.step(1, move |_| format!("CoreDNS-{version}"));
    p.step(1, |_| "linux/amd64, go1.24.6, ".to_string());
    p
}
