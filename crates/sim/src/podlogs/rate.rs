//! A container that writes a fixed number of lines a second (the pod script's `log-rate`), for
//! log viewer benchmarks: evenly spaced lines of a busy service, mixing plain text, JSON and
//! logfmt with levels, some long lines and an occasional ANSI-coloured one.
//!
//! Line `k` is written `k / rate` seconds after the start and its text depends only on the
//! run and `k`, so a window costs O(lines in it) and adjacent windows partition the output.

use chrono::{DateTime, TimeDelta, Utc};

use super::{Ctx, LogLine, MAX_LINES, iso_ms, jstr, mix};

/// Nanoseconds per second, times 1000: rates are kept in thousandths of a line a second.
const NS_PER_SECOND_MILLI: u128 = 1_000_000_000_000;

/// The lines of `[from, until)` for a run writing `per_second` lines a second.
pub(crate) fn window(
    ctx: &Ctx<'_>,
    per_second: f64,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<LogLine> {
    let until = ctx.end_at.map_or(until, |end| until.min(end));
    let start = ctx.started;
    let milli = (per_second * 1000.0).round().max(1.0) as u128;
    let offset = |t: DateTime<Utc>| -> u128 {
        // Times before the start count as the start; a run lasts less than 292 years.
        (t - start).num_nanoseconds().unwrap_or(i64::MAX).max(0) as u128
    };
    if until <= from || until <= start {
        return Vec::new();
    }
    // Line k is at floor(k * 1e12 / milli) ns: the first at or after `t` is ceil(t * milli / 1e12).
    let first_at_or_after = |ns: u128| (ns * milli).div_ceil(NS_PER_SECOND_MILLI);
    let hi = first_at_or_after(offset(until));
    let lo = first_at_or_after(offset(from)).max(hi.saturating_sub(MAX_LINES as u128));
    let mut out = Vec::with_capacity((hi - lo) as usize);
    for k in lo..hi {
        let ns = k * NS_PER_SECOND_MILLI / milli;
        let Some(at) = i64::try_from(ns)
            .ok()
            .and_then(|ns| start.checked_add_signed(TimeDelta::nanoseconds(ns)))
        else {
            break;
        };
        out.push(LogLine {
            at,
            text: line(ctx, k as u64, at),
        });
    }
    out
}

const LOGGERS: [&str; 8] = [
    "orders.ingest",
    "orders.api",
    "billing.sync",
    "warehouse.loader",
    "http.server",
    "kafka.consumer",
    "cache.redis",
    "scheduler.tick",
];

/// A level: mostly INFO, some DEBUG and WARN, a few ERROR.
fn level(r: u64) -> &'static str {
    match r % 100 {
        0..=64 => "INFO",
        65..=81 => "DEBUG",
        82..=94 => "WARN",
        _ => "ERROR",
    }
}

/// What happened, as (message, structured fields) for the given level.
fn event(level: &str, k: u64, r: u64) -> (String, Vec<(&'static str, String)>) {
    let id = 100_000 + (r >> 8) % 900_000;
    let ms = 1 + (r >> 20) % 900;
    match (level, (r >> 32) % 6) {
        ("ERROR", 0..=2) => (
            format!("failed to write batch {k}: connection reset by peer"),
            vec![
                ("batch", k.to_string()),
                ("attempt", ((r >> 40) % 5 + 1).to_string()),
            ],
        ),
        ("ERROR", _) => (
            format!(
                "request to billing-api.svc:8443 failed after {ms} ms: 503 Service Unavailable"
            ),
            vec![("status", "503".into()), ("duration_ms", ms.to_string())],
        ),
        ("WARN", 0 | 1) => (
            format!("slow query took {ms} ms"),
            vec![("table", "orders".into()), ("duration_ms", ms.to_string())],
        ),
        ("WARN", _) => (
            format!(
                "retrying request to warehouse (attempt {}/5)",
                (r >> 40) % 4 + 2
            ),
            vec![("backoff_ms", (ms * 10).to_string())],
        ),
        ("DEBUG", _) => (
            format!("cache miss for key customer:{id}"),
            vec![("key", format!("customer:{id}")), ("ttl_s", "300".into())],
        ),
        (_, 0) => (
            format!("GET /api/v1/orders/{id} 200 {ms}ms"),
            vec![
                ("method", "GET".into()),
                ("path", format!("/api/v1/orders/{id}")),
                ("status", "200".into()),
                ("duration_ms", ms.to_string()),
            ],
        ),
        (_, 1) => (
            format!(
                "processed batch {k} ({} rows) in {ms} ms",
                64 + (r >> 40) % 4000
            ),
            vec![("batch", k.to_string()), ("duration_ms", ms.to_string())],
        ),
        (_, 2) => (
            format!(
                "committed offset {} on partition {}",
                1_000_000 + k,
                (r >> 40) % 12
            ),
            vec![("offset", (1_000_000 + k).to_string())],
        ),
        (_, 3) => (
            format!(
                "connection pool stats active={} idle={} waiting=0",
                (r >> 40) % 20,
                (r >> 45) % 10
            ),
            vec![("pool", "warehouse".into())],
        ),
        (_, 4) => (
            format!(
                "flushed {} records to s3://datalake/raw/orders/",
                100 + (r >> 40) % 5000
            ),
            vec![("bucket", "datalake".into())],
        ),
        _ => (
            format!("heartbeat ok (lag {ms} ms)"),
            vec![("lag_ms", ms.to_string())],
        ),
    }
}

/// A long payload: an IN list of ids, 2–8 KB.
fn long_tail(r: u64) -> String {
    let n = 300 + (r >> 24) % 900;
    let ids: Vec<String> = (0..n)
        .map(|i| (100_000 + mix(r ^ i) % 900_000).to_string())
        .collect();
    format!(
        "SELECT order_id, status FROM orders WHERE order_id IN ({})",
        ids.join(", ")
    )
}

/// Line `k`: its format, level and text, from a draw of the run and `k`.
fn line(ctx: &Ctx<'_>, k: u64, at: DateTime<Utc>) -> String {
    let r = mix(ctx.seed ^ mix(k.wrapping_add(0x7a7e)));
    let level = level(r >> 7);
    let logger = LOGGERS[((r >> 13) % LOGGERS.len() as u64) as usize];
    let thread = (r >> 17) % 16;
    let (msg, fields) = event(level, k, r);
    let ts = iso_ms(at);
    match r % 100 {
        // Plain text, as logback or Python's logging write it.
        0..=39 => format!("{ts} {level:<5} [worker-{thread}] {logger} - {msg}"),
        // JSON, one object a line.
        40..=69 => {
            let mut out = format!(
                "{{\"ts\":{},\"level\":{},\"logger\":{},\"msg\":{}",
                jstr(&ts),
                jstr(&level.to_ascii_lowercase()),
                jstr(logger),
                jstr(&msg)
            );
            for (key, value) in &fields {
                out.push_str(&format!(",{}:{}", jstr(key), jstr(value)));
            }
            out.push('}');
            out
        }
        // logfmt.
        70..=95 => {
            let mut out = format!(
                "time={ts} level={} logger={logger} msg={}",
                level.to_ascii_lowercase(),
                jstr(&msg)
            );
            for (key, value) in &fields {
                out.push_str(&format!(" {key}={value}"));
            }
            out
        }
        // A long line (a query with a big IN list).
        96..=98 => format!(
            "{ts} {level:<5} [worker-{thread}] {logger} - slow query: {}",
            long_tail(r)
        ),
        // Colour, as a dev-mode logger writes to a terminal.
        _ => {
            let colour = match level {
                "ERROR" => "31",
                "WARN" => "33",
                "DEBUG" => "36",
                _ => "32",
            };
            format!(
                "\x1b[2m{ts}\x1b[0m \x1b[{colour}m{level:<5}\x1b[0m \x1b[35m{logger}\x1b[0m {msg}"
            )
        }
    }
}
