//! Apache Superset: the gunicorn web server, Celery worker and beat, and the init Job.

use chrono::{DateTime, Utc};

use super::generic::clf_access;
use super::{Ctx, End, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Web,
    Worker,
    Beat,
    Init,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    let repo = ctx.image_repo();
    let app = ctx.label("app").unwrap_or("");
    let superset = repo.ends_with("apache/superset")
        || repo == "superset"
        || app.starts_with("superset")
        || ctx.container.starts_with("superset");
    let words: Vec<&str> = ctx.words().collect();
    // The chart's `wait-for-postgres` init containers run dockerize from a superset tag.
    if !superset || ctx.init || words.contains(&"dockerize") {
        return None;
    }
    if ctx.container.contains("init") || words.iter().any(|w| w.contains("superset_init")) {
        Some(Role::Init)
    } else if app.ends_with("celerybeat") || words.contains(&"beat") {
        Some(Role::Beat)
    } else if app.ends_with("worker") || words.contains(&"worker") {
        Some(Role::Worker)
    } else {
        Some(Role::Web)
    }
}

/// Superset's Python logging format: `%(asctime)s:%(levelname)s:%(name)s:%(message)s`.
fn py(at: DateTime<Utc>, level: &str, name: &str, msg: &str) -> String {
    format!(
        "{},{:03}:{level}:{name}:{msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

fn celery(at: DateTime<Utc>, who: &str, msg: &str) -> String {
    format!(
        "[{},{:03}: INFO/{who}] {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("superset");
    p.step(0, |at| {
        py(
            at,
            "INFO",
            "superset.initialization",
            "Setting database isolation level to READ COMMITTED",
        )
    });
    p.step(rng.range(300, 1200), |at| {
        py(
            at,
            "INFO",
            "root",
            "Configured event logger of type <class 'superset.utils.log.DBEventLogger'>",
        )
    });
    match role {
        Role::Web => {
            let g = |at: DateTime<Utc>, pid: u32, msg: &str| {
                format!(
                    "[{}] [{pid}] [INFO] {msg}",
                    at.format("%Y-%m-%d %H:%M:%S +0000")
                )
            };
            p.step(rng.range(500, 1500), move |at| {
                g(at, 1, "Starting gunicorn 23.0.0")
            });
            p.step(2, move |at| {
                g(at, 1, "Listening at: http://0.0.0.0:8088 (1)")
            });
            p.step(1, move |at| g(at, 1, "Using worker: gthread"));
            p.step(5, move |at| g(at, 8, "Booting worker with pid: 8"));
            p.beat(rng.range(5_000, 15_000), |_, r, at| {
                let (path, status) = match r % 7 {
                    0..=2 => ("/health", 200),
                    3 => (
                        "/api/v1/chart/data?form_data=%7B%22slice_id%22%3A42%7D",
                        200,
                    ),
                    4 => ("/superset/dashboard/7/", 200),
                    5 => ("/api/v1/dashboard/7/charts", 200),
                    _ => ("/api/v1/me/", 401),
                };
                let ua = if path == "/health" {
                    "kube-probe/1.35"
                } else {
                    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36"
                };
                clf_access(
                    at,
                    &format!("10.244.0.{}", 2 + r % 200),
                    "GET",
                    path,
                    status,
                    2 + (r >> 8) % 60_000,
                    ua,
                )
            });
        }
        Role::Worker => {
            let host = ctx.name.to_string();
            p.step(rng.range(500, 1500), move |at| {
                format!(
                    " \n -------------- celery@{host} v5.4.0 (opalescent)\n--- ***** ----- \n-- ******* ---- Linux-6.8.0-49-generic-x86_64-with-glibc2.36 {}\n- *** --- * --- \n- ** ---------- [config]\n- ** ---------- .> app:         __main__:0x7f1b2c3d4e50\n- ** ---------- .> transport:   redis://superset-redis-headless:6379/0\n- ** ---------- .> results:     redis://superset-redis-headless:6379/0\n- *** --- * --- .> concurrency: 4 (prefork)\n-- ******* ---- .> task events: OFF (enable -E to monitor tasks in this worker)\n--- ***** ----- \n -------------- [queues]\n                .> celery           exchange=celery(direct) key=celery\n                ",
                    at.format("%Y-%m-%d %H:%M:%S")
                )
            });
            p.step(rng.range(100, 400), |at| {
                celery(
                    at,
                    "MainProcess",
                    "Connected to redis://superset-redis-headless:6379/0",
                )
            });
            let h = ctx.name.to_string();
            p.step(rng.range(1000, 1100), move |at| {
                celery(at, "MainProcess", &format!("celery@{h} ready."))
            });
            p.beat(60_000, |k, r, at| {
                let id = format!(
                    "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                    r as u32,
                    (r >> 32) as u16,
                    r % 0xfff,
                    (r >> 12) % 0xfff,
                    (r >> 8) & 0xffff_ffff_ffff
                );
                if k % 2 == 0 {
                    celery(
                        at,
                        "MainProcess",
                        &format!("Task reports.scheduler[{id}] received"),
                    )
                } else {
                    celery(
                        at,
                        &format!("ForkPoolWorker-{}", 1 + r % 4),
                        &format!(
                            "Task reports.scheduler[{id}] succeeded in {:.9}s: None",
                            (r % 900) as f64 / 1000.0
                        ),
                    )
                }
            });
        }
        Role::Beat => {
            p.step(rng.range(500, 1500), |at| format!("celery beat v5.4.0 (opalescent) is starting.\n__    -    ... __   -        _\nLocalTime -> {}\nConfiguration ->\n    . broker -> redis://superset-redis-headless:6379/0\n    . loader -> celery.loaders.app.AppLoader\n    . scheduler -> celery.beat.PersistentScheduler\n    . db -> /tmp/celerybeat-schedule\n    . logfile -> [stderr]@%INFO\n    . maxinterval -> 5.00 minutes (300s)", at.format("%Y-%m-%d %H:%M:%S")));
            p.step(5, |at| celery(at, "MainProcess", "beat: Starting..."));
            p.beat(60_000, |k, _, at| {
                if k % 24 == 23 {
                    celery(
                        at,
                        "MainProcess",
                        "Scheduler: Sending due task reports.prune_log (reports.prune_log)",
                    )
                } else {
                    celery(
                        at,
                        "MainProcess",
                        "Scheduler: Sending due task reports.scheduler (reports.scheduler)",
                    )
                }
            });
        }
        Role::Init => {
            p.step(rng.range(200, 600), |_| {
                "Upgrading DB schema...".to_string()
            });
            p.step(rng.range(500, 2000), |at| {
                py(
                    at,
                    "INFO",
                    "alembic.runtime.migration",
                    "Context impl PostgresqlImpl.",
                )
            });
            p.step(1, |at| {
                py(
                    at,
                    "INFO",
                    "alembic.runtime.migration",
                    "Will assume transactional DDL.",
                )
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 1/4 [Starting] -- Applying DB migrations".to_string()
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 1/4 [Complete] -- Applying DB migrations".to_string()
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 2/4 [Starting] -- Setting up admin user".to_string()
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 2/4 [Complete] -- Setting up admin user".to_string()
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 3/4 [Starting] -- Setting up roles and perms".to_string()
            });
            p.step(rng.range(900, 3000), |at| {
                py(
                    at,
                    "INFO",
                    "superset.security.manager",
                    "Syncing role definition",
                )
            });
            p.step(rng.range(200, 900), |_| {
                "Init Step 3/4 [Complete] -- Setting up roles and perms".to_string()
            });
            if ctx.end.failed() {
                p.tail_step(0, |_| "Traceback (most recent call last):\n  File \"/app/.venv/bin/superset\", line 10, in <module>\n    sys.exit(superset())\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not translate host name \"superset-postgresql\" to address: Name or service not known".to_string());
            } else if ctx.end != End::Open {
                p.tail_step(0, |_| {
                    "Init Step 4/4 [Complete] -- Loading examples".to_string()
                });
            }
        }
    }
    p
}
