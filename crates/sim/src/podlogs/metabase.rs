//! Metabase: the JVM start-up with its banner, then API request lines from its middleware.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan};

pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    repo.starts_with("metabase/")
        || ctx.label("app") == Some("metabase")
        || ctx.label("app.kubernetes.io/name") == Some("metabase")
}

fn mb(at: DateTime<Utc>, level: &str, ns: &str, msg: &str) -> String {
    format!(
        "{},{:03} {level} {ns} :: {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("metabase");
    let version = match ctx.image_tag() {
        // Chart tags like `v0.59.6.x` name a release line; the banner shows a release.
        t if t.starts_with('v') => t.trim_end_matches(".x").to_string(),
        _ => "v0.59.6".to_string(),
    };
    let v = version.clone();
    p.step(0, |_| "Picked up JAVA_TOOL_OPTIONS: -Xmx2g -Xss512k -Dfile.encoding=UTF-8 -Dlogfile.path=target/log -XX:+CrashOnOutOfMemoryError -server".to_string());
    p.step(rng.range(2000, 4000), |at| {
        mb(
            at,
            "INFO",
            "metabase.util",
            "Maximum memory available to JVM: 2.0 GB",
        )
    });
    p.step(rng.range(500, 1500), |at| {
        mb(
            at,
            "INFO",
            "util.encryption",
            "Saved credentials encryption is ENABLED for this Metabase instance. 🔐",
        )
    });
    p.step(rng.range(2000, 5000), move |at| mb(at, "INFO", "metabase.core", &format!("\nMetabase {v} (f12a8c3 release-x.59.x)\n\nCopyright © 2026 Metabase, Inc.\n\nMetabase Enterprise Edition extensions are NOT PRESENT.")));
    p.step(1, |at| {
        mb(
            at,
            "INFO",
            "metabase.core",
            "Starting Metabase in STANDALONE mode",
        )
    });
    p.step(rng.range(50, 300), |at| {
        mb(
            at,
            "INFO",
            "metabase.server.instance",
            "Launching Embedded Jetty Webserver with config:\n {:port 3000, :host \"0.0.0.0\"}\n",
        )
    });
    p.step(rng.range(50, 300), |at| {
        mb(
            at,
            "INFO",
            "metabase.core",
            "Starting Metabase version v0.59.6 (f12a8c3 release-x.59.x) ...",
        )
    });
    p.step(2, |at| mb(at, "INFO", "metabase.core", "System info:\n {\"file.encoding\" \"UTF-8\",\n \"java.runtime.name\" \"OpenJDK Runtime Environment\",\n \"java.version\" \"21.0.5\",\n \"os.name\" \"Linux\",\n \"user.timezone\" \"GMT\"}\n"));
    p.step(rng.range(100, 400), |at| {
        mb(
            at,
            "INFO",
            "metabase.plugins",
            "Loading plugins in /plugins...",
        )
    });
    p.step(rng.range(500, 2000), |at| {
        mb(
            at,
            "INFO",
            "metabase.app-db.setup",
            "Verifying postgres Database Connection ...",
        )
    });
    p.step(rng.range(500, 2000), |at| {
        mb(
            at,
            "INFO",
            "metabase.app-db.setup",
            "Successfully verified PostgreSQL 16.4 application database connection. ✅",
        )
    });
    p.step(rng.range(100, 500), |at| {
        mb(
            at,
            "INFO",
            "metabase.app-db.setup",
            "Checking if a database downgrade is required...",
        )
    });
    p.step(rng.range(1000, 4000), |at| {
        mb(
            at,
            "INFO",
            "metabase.app-db.setup",
            "Database Migrations Current ...  ✅",
        )
    });
    let took = rng.range(20_000, 45_000);
    p.step(rng.range(1000, 3000), move |at| {
        mb(
            at,
            "INFO",
            "metabase.core",
            &format!(
                "Metabase Initialization COMPLETE in {:.1} s",
                took as f64 / 1000.0
            ),
        )
    });
    p.beat(rng.range(5_000, 20_000), |k, r, at| {
        let (method, path, status, ms, db) = match r % 6 {
            0..=2 => ("GET", "/api/health".to_string(), 200, 1 + r % 3, 0),
            3 => ("POST", format!("/api/card/{}/query", 10 + k % 40), 202, 200 + r % 3000, 9),
            4 => ("GET", format!("/api/dashboard/{}", 1 + k % 7), 200, 40 + r % 200, 14),
            _ => ("POST", "/api/dataset".to_string(), 202, 300 + r % 5000, 7),
        };
        mb(
            at,
            "INFO",
            "metabase.server.middleware.log",
            &format!(
                "{method} {path} {status} {ms}.{} ms ({db} DB calls) App DB connections: {}/15 Jetty threads: {}/50 ({} idle, 0 queued) ({} total active threads) Queries in flight: 0 (0 queued)",
                r % 10,
                r % 3,
                3 + r % 5,
                2 + r % 4,
                60 + r % 20
            ),
        )
    });
    match ctx.end {
        End::Exit(c) if c != 0 && c != 143 && c != 137 => {
            p.tail_step(0, |at| mb(at, "ERROR", "metabase.core", "Metabase Initialization FAILED\norg.postgresql.util.PSQLException: Connection to metabase-postgresql:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections."));
        }
        End::Exit(_) => {
            p.tail_step(0, |at| {
                mb(at, "INFO", "metabase.core", "Metabase Shutting Down ...")
            });
            p.tail_step(100, |at| {
                mb(
                    at,
                    "INFO",
                    "metabase.server.instance",
                    "Shutting Down Embedded Jetty Webserver",
                )
            });
            p.tail_step(200, |at| {
                mb(at, "INFO", "metabase.core", "Metabase Shutdown COMPLETE")
            });
        }
        End::Open => {}
    }
    p
}
