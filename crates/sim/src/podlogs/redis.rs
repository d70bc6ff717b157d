//! Redis: the server log (`1:M 26 Nov 2026 12:00:00.124 * Ready to accept connections tcp`)
//! with background saves while it runs.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan};

pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    repo == "redis"
        || repo.ends_with("/redis")
        || repo.starts_with("redis/")
        || ctx.label("component") == Some("redis")
}

fn rl(at: DateTime<Utc>, pid: u32, role: char, mark: char, msg: &str) -> String {
    format!(
        "{pid}:{role} {}.{:03} {mark} {msg}",
        at.format("%d %b %Y %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let version = match ctx.image_tag().split('-').next() {
        Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) && v.matches('.').count() >= 2 => {
            v.to_string()
        }
        Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) && v.contains('.') => {
            format!("{v}.5")
        }
        _ => "7.2.5".to_string(),
    };
    p.step(0, |at| rl(at, 1, 'C', '#', "WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect."));
    p.step(1, |at| {
        rl(
            at,
            1,
            'C',
            '*',
            "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        )
    });
    let v = version.clone();
    p.step(1, move |at| {
        rl(
            at,
            1,
            'C',
            '*',
            &format!(
                "Redis version={v}, bits=64, commit=00000000, modified=0, pid=1, just started"
            ),
        )
    });
    p.step(1, |at| rl(at, 1, 'C', '#', "Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"));
    p.step(1, |at| {
        rl(at, 1, 'M', '*', "monotonic clock: POSIX clock_gettime")
    });
    p.step(1, |at| {
        rl(at, 1, 'M', '*', "Running mode=standalone, port=6379.")
    });
    p.step(1, |at| rl(at, 1, 'M', '*', "Server initialized"));
    let v = version.clone();
    p.step(2, move |at| {
        rl(
            at,
            1,
            'M',
            '*',
            &format!("Loading RDB produced by version {v}"),
        )
    });
    p.step(1, |at| rl(at, 1, 'M', '*', "RDB age 184 seconds"));
    p.step(1, |at| {
        rl(at, 1, 'M', '*', "DB loaded from disk: 0.002 seconds")
    });
    p.step(1, |at| {
        rl(at, 1, 'M', '*', "Ready to accept connections tcp")
    });
    // `save 300 100`: a background save every five minutes while keys change.
    p.beat(300_000, |k, r, at| {
        let child = 20 + (k as u32 % 5000);
        format!(
            "{}\n{}\n{}\n{}\n{}",
            rl(
                at,
                1,
                'M',
                '*',
                &format!("{} changes in 300 seconds. Saving...", 100 + r % 900)
            ),
            rl(
                at,
                1,
                'M',
                '*',
                &format!("Background saving started by pid {child}")
            ),
            rl(at, child, 'C', '*', "DB saved on disk"),
            rl(
                at,
                child,
                'C',
                '*',
                "Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB"
            ),
            rl(at, 1, 'M', '*', "Background saving terminated with success"),
        )
    });
    if ctx.end.failed() && !ctx.end.killed() {
        p.tail_step(0, |at| {
            rl(
                at,
                1,
                'M',
                '#',
                "Wrong signature trying to load DB from file",
            )
        });
        p.tail_step(1, |at| {
            rl(
                at,
                1,
                'M',
                '#',
                "Fatal error loading the DB, check server logs. Exiting.",
            )
        });
    } else if let End::Exit(_) = ctx.end {
        p.tail_step(0, |at| rl(at, 1, 'M', '#', "User requested shutdown..."));
        p.tail_step(1, |at| {
            rl(
                at,
                1,
                'M',
                '*',
                "Saving the final RDB snapshot before exiting.",
            )
        });
        p.tail_step(5, |at| rl(at, 1, 'M', '*', "DB saved on disk"));
        p.tail_step(1, |at| {
            rl(at, 1, 'M', '#', "Redis is now ready to exit, bye bye...")
        });
    }
    p
}
