//! Trino coordinator and workers: airlift's tab-separated log lines
//! (`2026-11-26T12:00:05.001Z\tINFO\tmain\tio.trino.server.Server\t======== SERVER STARTED ========`).

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan, iso_ms};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Coordinator,
    Worker,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    let repo = ctx.image_repo();
    let trino = ctx.label("app.kubernetes.io/name") == Some("trino")
        || repo == "trinodb/trino"
        || repo.ends_with("/trino")
        || repo.contains("prestodb/presto");
    if !trino {
        return None;
    }
    let component = ctx
        .label("app.kubernetes.io/component")
        .or_else(|| ctx.label("component"))
        .unwrap_or("");
    if component == "worker" || ctx.container.contains("worker") || ctx.name.contains("-worker-") {
        Some(Role::Worker)
    } else {
        Some(Role::Coordinator)
    }
}

fn tl(at: DateTime<Utc>, level: &str, thread: &str, logger: &str, msg: &str) -> String {
    format!("{}\t{level}\t{thread}\t{logger}\t{msg}", iso_ms(at))
}

const CATALOGS: &[(&str, &str)] = &[
    ("tpch", "tpch"),
    ("iceberg", "iceberg"),
    ("postgresql", "postgresql"),
    ("system", "system"),
];

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("trino");
    let version = match ctx.image_tag() {
        t if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t.to_string(),
        _ => "480".to_string(),
    };
    p.step(0, |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.airlift.log.Logging",
            "Logging to stderr",
        )
    });
    p.step(3, |at| {
        tl(at, "INFO", "main", "Bootstrap", "Loading configuration")
    });
    p.step(rng.range(40, 200), |at| {
        tl(at, "INFO", "main", "Bootstrap", "Initializing logging")
    });
    let v = version.clone();
    p.step(rng.range(50, 300), move |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.trino.server.Server",
            &format!("Trino version: {v}"),
        )
    });
    p.step(1, |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.trino.server.Server",
            "Java version: 24.0.2+12-LTS",
        )
    });
    let coordinator = role == Role::Coordinator;
    p.step(rng.range(200, 700), move |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.trino.server.Server",
            &format!(
                "Starting server as {}",
                if coordinator { "coordinator" } else { "worker" }
            ),
        )
    });
    for (plugin, class) in [
        ("postgresql", "PostgreSqlPlugin"),
        ("iceberg", "IcebergPlugin"),
        ("tpch", "TpchPlugin"),
        ("hive", "HivePlugin"),
    ] {
        p.step(rng.range(100, 600), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.server.PluginManager",
                &format!("-- Loading plugin /usr/lib/trino/plugin/{plugin} --"),
            )
        });
        let pkg = if plugin == "postgresql" {
            "postgresql".to_string()
        } else {
            plugin.to_string()
        };
        p.step(rng.range(100, 900), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.server.PluginManager",
                &format!("Installing io.trino.plugin.{pkg}.{class}"),
            )
        });
        p.step(rng.range(1, 20), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.server.PluginManager",
                &format!("Registering connector {plugin}"),
            )
        });
        p.step(rng.range(1, 20), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.server.PluginManager",
                &format!("-- Finished loading plugin /usr/lib/trino/plugin/{plugin} --"),
            )
        });
    }
    for (cat, conn) in CATALOGS.iter().take(3) {
        p.step(rng.range(50, 400), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.connector.StaticCatalogManager",
                &format!("-- Loading catalog {cat} --"),
            )
        });
        p.step(rng.range(100, 1200), move |at| {
            tl(
                at,
                "INFO",
                "main",
                "io.trino.connector.StaticCatalogManager",
                &format!("-- Added catalog {cat} using connector {conn} --"),
            )
        });
    }
    let took = rng.range(7_000, 15_000);
    p.step(rng.range(300, 900), move |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.trino.server.Server",
            &format!(
                "Server startup completed in {}.{:02}s",
                took / 1000,
                took % 1000 / 10
            ),
        )
    });
    p.step(1, |at| {
        tl(
            at,
            "INFO",
            "main",
            "io.trino.server.Server",
            "======== SERVER STARTED ========",
        )
    });
    if coordinator {
        // The demo enables the QueryMonitor DEBUG logger, so each query leaves a TIMELINE line.
        p.beat(rng.range(5_000, 20_000), |k, r, at| {
            let qid = format!("{}_{:05}_{}", at.format("%Y%m%d_%H%M%S"), k % 100_000, &format!("{:05x}", r % 0xfffff));
            let elapsed = 40 + r % 9000;
            if r % 17 == 0 {
                tl(at, "INFO", &format!("dispatcher-query-{}", k % 64), "io.trino.event.QueryMonitor", &format!("TIMELINE: Query {qid} :: FAILED (TABLE_NOT_FOUND) :: elapsed {elapsed}ms :: planning 12ms :: waiting 0ms :: scheduling 0ms :: running 0ms :: finishing 0ms :: begin {} :: end {}", iso_ms(at), iso_ms(at)))
            } else {
                tl(at, "DEBUG", &format!("dispatcher-query-{}", k % 64), "io.trino.event.QueryMonitor", &format!("TIMELINE: Query {qid} :: FINISHED :: elapsed {elapsed}ms :: planning {}ms :: waiting {}ms :: scheduling {}ms :: running {}ms :: finishing {}ms :: begin {} :: end {}", elapsed / 8, elapsed / 20, elapsed / 10, elapsed * 6 / 10, elapsed / 20, iso_ms(at - chrono::TimeDelta::milliseconds(elapsed as i64)), iso_ms(at)))
            }
        });
    } else {
        p.beat(rng.range(60_000, 180_000), |_, r, at| {
            let gc = 20 + r % 400;
            tl(
                at,
                "INFO",
                "Notification Thread",
                "io.airlift.stats.JmxGcMonitor",
                &format!(
                    "Major GC: application {}ms, stopped {gc}ms:: {}.{}GB -> {}.{}GB",
                    30_000 + r % 90_000,
                    3 + r % 4,
                    r % 10,
                    1 + r % 2,
                    (r >> 4) % 10
                ),
            )
        });
    }
    match ctx.end {
        End::Exit(c) if c == 137 || c == 143 || c == 0 => {
            p.tail_step(0, |at| {
                tl(
                    at,
                    "INFO",
                    "Thread-51",
                    "io.airlift.bootstrap.LifeCycleManager",
                    "JVM is shutting down, cleaning up",
                )
            });
            p.tail_step(20, |at| {
                tl(
                    at,
                    "INFO",
                    "Thread-51",
                    "io.airlift.bootstrap.LifeCycleManager",
                    "Life cycle stopping...",
                )
            });
            p.tail_step(300, |at| {
                tl(
                    at,
                    "INFO",
                    "Thread-51",
                    "io.airlift.bootstrap.LifeCycleManager",
                    "Life cycle stopped",
                )
            });
        }
        End::Exit(_) => {
            p.tail_step(0, |at| {
                format!(
                    "{}\ncom.google.inject.CreationException: Unable to create injector, see the following errors:\n\n1) [Guice/ErrorInCustomProvider]: IllegalArgumentException: Invalid JDBC URL: jdbc:postgresql//orders-db:5432/orders\n  at io.trino.plugin.jdbc.JdbcModule.setup(JdbcModule.java:55)\n\n1 error",
                    tl(at, "ERROR", "main", "io.trino.server.Server", "Failed to create injector")
                )
            });
        }
        End::Open => {}
    }
    p
}
