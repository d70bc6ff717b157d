//! ClickHouse server: the server's text log (`2026.11.26 12:00:01.123456 [ 1 ] {} <Information>
//! Application: ...`), with query and merge activity while it runs.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan, micros};

pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    (repo.ends_with("clickhouse-server")
        || repo == "clickhouse/clickhouse"
        || ctx.label("clickhouse.altinity.com/chi").is_some())
        && !repo.contains("operator")
        && !repo.contains("metrics-exporter")
}

fn ch(at: DateTime<Utc>, thread: u64, query: &str, level: &str, src: &str, msg: &str) -> String {
    format!(
        "{}.{:06} [ {thread} ] {{{query}}} <{level}> {src}: {msg}",
        at.format("%Y.%m.%d %H:%M:%S"),
        micros(at)
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("clickhouse");
    let version = match ctx.image_tag() {
        t if t.starts_with(|c: char| c.is_ascii_digit()) && t.matches('.').count() >= 2 => {
            t.to_string()
        }
        _ => "25.3.6.56".to_string(),
    };
    p.step(0, |_| {
        "Processing configuration file '/etc/clickhouse-server/config.xml'.".to_string()
    });
    p.step(2, |_| {
        "Merging configuration file '/etc/clickhouse-server/config.d/01-clickhouse-01-listen.xml'."
            .to_string()
    });
    p.step(3, |_| "Logging information to console".to_string());
    let v = version.clone();
    let hash = rng.hex(40);
    p.step(rng.range(100, 300), move |at| ch(at, 1, "", "Information", "Application", &format!("Starting ClickHouse {v} (revision: 54499, git hash: {hash}, build id: 8A4C6C1F2B1E3D9F), PID 1")));
    p.step(1, |at| {
        ch(at, 1, "", "Information", "Application", "starting up")
    });
    p.step(1, |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "OS name: Linux, version: 6.8.0-49-generic, architecture: x86_64",
        )
    });
    p.step(rng.range(10, 50), |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "Available RAM: 15.61 GiB; logical cores: 4; used cores: 4.",
        )
    });
    p.step(rng.range(100, 500), |at| ch(at, 1, "", "Information", "StatusFile", "Status file /var/lib/clickhouse/status already exists - unclean restart. Contents:\nPID: 1\nStarted at: 2026-11-25 03:12:40\nRevision: 54499"));
    p.step(rng.range(200, 900), |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "DatabaseAtomic (system)",
            "Metadata processed, database system has 12 tables and 0 dictionaries in total.",
        )
    });
    p.step(rng.range(200, 900), |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "DatabaseAtomic (analytics)",
            "Metadata processed, database analytics has 7 tables and 0 dictionaries in total.",
        )
    });
    p.step(rng.range(100, 300), |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "Listening for http://0.0.0.0:8123",
        )
    });
    p.step(1, |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "Listening for native protocol (tcp): 0.0.0.0:9000",
        )
    });
    p.step(1, |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "Listening for replica communication (interserver): http://0.0.0.0:9009",
        )
    });
    p.step(rng.range(10, 100), |at| {
        ch(
            at,
            1,
            "",
            "Information",
            "Application",
            "Ready for connections.",
        )
    });
    p.beat(rng.range(5_000, 15_000), |k, r, at| {
        let thread = 40 + r % 300;
        let qid = format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", r as u32, (r >> 32) as u16, r % 0xfff, (r >> 12) % 0xfff, (r >> 8) & 0xffff_ffff_ffff);
        match r % 6 {
            0 => ch(at, thread, "", "Information", "analytics.events (ReplicatedMergeTreeQueue)", &format!("Merged 6 parts: [202611_{}_{}_1 to 202611_{}_{}_1] into 202611_{}_{}_2", k, k + 5, k, k + 5, k, k + 5)),
            1 => format!(
                "{}\n{}",
                ch(at, thread, &qid, "Debug", "executeQuery", &format!("(from 10.244.0.{}:{}) SELECT toStartOfHour(ts) AS h, count() FROM analytics.events WHERE ts > now() - INTERVAL 1 DAY GROUP BY h ORDER BY h (stage: Complete)", 2 + r % 200, 40000 + r % 20000)),
                ch(at, thread, &qid, "Information", "executeQuery", &format!("Read {} rows, {:.2} MiB in {:.6} sec., {} rows/sec., {:.2} MiB/sec.", 100_000 + r % 9_000_000, (r % 900) as f64 / 7.0, (r % 900) as f64 / 1000.0 + 0.01, 5_000_000 + r % 90_000_000, (r % 3000) as f64 / 3.0))
            ),
            2 => ch(at, thread, &qid, "Debug", "TCPHandler", &format!("Processed in {:.6} sec.", (r % 500) as f64 / 1000.0 + 0.001)),
            3 => ch(at, thread, "", "Information", "HTTPHandler", "Done processing query"),
            _ => format!(
                "{}\n{}",
                ch(at, thread, &qid, "Debug", "executeQuery", &format!("(from 10.244.0.{}:{}) INSERT INTO analytics.events FORMAT RowBinary (stage: Complete)", 2 + r % 200, 40000 + r % 20000)),
                ch(at, thread, &qid, "Information", "executeQuery", &format!("Written {} rows, {:.2} KiB", 500 + r % 50_000, (r % 90_000) as f64 / 10.0))
            ),
        }
    });
    match ctx.end {
        End::Exit(c) if c == 0 || c == 137 || c == 143 => {
            p.tail_step(0, |at| {
                ch(
                    at,
                    1,
                    "",
                    "Information",
                    "Application",
                    "Received termination signal (Terminated)",
                )
            });
            p.tail_step(10, |at| {
                ch(
                    at,
                    1,
                    "",
                    "Information",
                    "Application",
                    "Closed all listening sockets.",
                )
            });
            p.tail_step(200, |at| {
                ch(
                    at,
                    1,
                    "",
                    "Information",
                    "Application",
                    "Closed connections.",
                )
            });
            p.tail_step(50, |at| {
                ch(at, 1, "", "Information", "Application", "shutting down")
            });
        }
        End::Exit(_) => {
            p.tail_step(0, |at| ch(at, 1, "", "Error", "Application", "Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE), Stack trace (when copying this message, always include the lines below):\n\n0. DB::Exception::Exception(DB::Exception::MessageMasked&&, int, bool) @ 0x000000000f5e1c5b\n1. DB::DiskLocal::reserve(unsigned long) @ 0x0000000013a2b0f4\n (version 25.3.6.56 (official build))"));
        }
        End::Open => {}
    }
    p
}
