//! PostgreSQL (official image and Bitnami's, CloudNativePG instances, Airbyte's `airbyte/db`):
//! the server's stderr log with checkpoints while it runs.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan};

pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    let is_pg_image = repo == "postgres"
        || repo.ends_with("/postgresql")
        || repo.ends_with("/postgres")
        || repo == "airbyte/db"
        || repo.contains("cloudnative-pg/postgresql")
        || repo.contains("postgis");
    // Init containers that only run pg_isready are waits, not the server.
    let pg_isready = ctx.words().any(|w| w == "pg_isready");
    (is_pg_image && !pg_isready)
        || ctx.label("cnpg.io/cluster").is_some()
        || (ctx.label("app.kubernetes.io/name") == Some("postgresql") && !pg_isready)
}

fn pg(at: DateTime<Utc>, pid: u32, level: &str, msg: &str) -> String {
    format!(
        "{}.{:03} UTC [{pid}] {level}:  {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("postgres");
    let repo = ctx.image_repo();
    let tag = ctx.image_tag();
    let version = tag
        .split('-')
        .next()
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("16.4")
        .to_string();
    if repo.contains("bitnami") {
        let b = |at: DateTime<Utc>, msg: &str| {
            format!(
                "postgresql {}.{:02} INFO  ==> {msg}",
                at.format("%H:%M:%S"),
                at.timestamp_subsec_millis() / 10
            )
        };
        p.step(0, move |at| b(at, "** Starting PostgreSQL setup **"));
        p.step(rng.range(20, 80), move |at| {
            b(at, "Validating settings in POSTGRESQL_* env vars..")
        });
        p.step(rng.range(20, 80), move |at| {
            b(at, "Loading custom pre-init scripts...")
        });
        p.step(rng.range(20, 80), move |at| {
            b(at, "Initializing PostgreSQL database...")
        });
        p.step(rng.range(200, 900), move |at| {
            b(at, "Deploying PostgreSQL with persisted data...")
        });
        p.step(rng.range(20, 80), move |at| {
            b(at, "** PostgreSQL setup finished! **")
        });
        p.step(rng.range(10, 40), move |at| {
            b(at, "** Starting PostgreSQL **")
        });
    } else {
        p.step(0, |_| "\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n".to_string());
    }
    let v = version.clone();
    p.step(rng.range(50, 200), move |at| pg(at, 1, "LOG", &format!("starting PostgreSQL {v} (Debian {v}-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit")));
    p.step(2, |at| {
        pg(
            at,
            1,
            "LOG",
            "listening on IPv4 address \"0.0.0.0\", port 5432",
        )
    });
    p.step(1, |at| {
        pg(at, 1, "LOG", "listening on IPv6 address \"::\", port 5432")
    });
    p.step(4, |at| {
        pg(
            at,
            1,
            "LOG",
            "listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"",
        )
    });
    let pid = 27 + (ctx.seed % 20) as u32;
    let started = ctx.started;
    p.step(rng.range(5, 20), move |at| {
        pg(
            at,
            pid,
            "LOG",
            &format!(
                "database system was shut down at {} UTC",
                (started - chrono::TimeDelta::minutes(3)).format("%Y-%m-%d %H:%M:%S")
            ),
        )
    });
    p.step(rng.range(5, 40), |at| {
        pg(
            at,
            1,
            "LOG",
            "database system is ready to accept connections",
        )
    });
    // checkpoint_timeout is 5 minutes: one checkpoint pair per slot.
    let ckpt = pid - 2;
    p.beat(300_000, move |_, r, at| {
        let buffers = 3 + r % 400;
        format!(
            "{}\n{}",
            pg(at, ckpt, "LOG", "checkpoint starting: time"),
            pg(
                at,
                ckpt,
                "LOG",
                &format!(
                    "checkpoint complete: wrote {buffers} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write={:.3} s, sync=0.0{:02} s, total={:.3} s; sync files={}, longest=0.00{} s, average=0.001 s; distance={} kB, estimate={} kB; lsn=0/{:X}, redo lsn=0/{:X}",
                    buffers as f64 / 163.84,
                    r % 2,
                    buffers as f64 * 0.1 + 0.2,
                    r % 40,
                    buffers as f64 * 0.1 + 0.25,
                    1 + r % 30,
                    r % 9,
                    buffers * 8,
                    buffers * 9,
                    0x1A00_0000 + (r % 0xFF_FFFF),
                    0x1A00_0000 + (r % 0xFF_FFF0)
                )
            )
        )
    });
    match ctx.end {
        End::Exit(c) if c == 0 || c == 143 || c == 137 => {
            p.tail_step(0, |at| pg(at, 1, "LOG", "received fast shutdown request"));
            p.tail_step(3, |at| pg(at, 1, "LOG", "aborting any active transactions"));
            p.tail_step(5, |at| pg(at, 1, "LOG", "background worker \"logical replication launcher\" (PID 33) exited with exit code 1"));
            p.tail_step(5, move |at| pg(at, ckpt, "LOG", "shutting down"));
            p.tail_step(40, |at| pg(at, 1, "LOG", "database system is shut down"));
        }
        End::Exit(_) => {
            p.tail_step(0, |at| {
                pg(
                    at,
                    1,
                    "FATAL",
                    "could not write lock file \"postmaster.pid\": No space left on device",
                )
            });
        }
        End::Open => {}
    }
    p
}
