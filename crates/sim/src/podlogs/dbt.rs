//! dbt-core runs (`dbt run|build|test|seed|snapshot`): the CLI's text log with its ANSI colours
//! and `HH:MM:SS` prefixes, or `--log-format json` event lines, as dbt-core 1.10 writes them.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::{Ctx, End, Plan, Rng, hash_str, micros, py_json};

/// What a node of the demo project is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Model,
    Test,
    Seed,
    Snapshot,
    /// A source table checked by `dbt source freshness`.
    Source,
}

struct Node {
    kind: Kind,
    name: &'static str,
    /// Materialization for models (`table`, `view`, `incremental`).
    mat: &'static str,
    /// Path under the project (`models/staging/stg_orders.sql`, schema.yml for data tests).
    path: &'static str,
    deps: &'static [&'static str],
}

const fn model(
    name: &'static str,
    mat: &'static str,
    path: &'static str,
    deps: &'static [&'static str],
) -> Node {
    Node {
        kind: Kind::Model,
        name,
        mat,
        path,
        deps,
    }
}

const fn test(name: &'static str, path: &'static str, deps: &'static [&'static str]) -> Node {
    Node {
        kind: Kind::Test,
        name,
        mat: "test",
        path,
        deps,
    }
}

const fn source(name: &'static str) -> Node {
    Node {
        kind: Kind::Source,
        name,
        mat: "source",
        path: "models/staging/sources.yml",
        deps: &[],
    }
}

const STAGING: &str = "models/staging/schema.yml";
const MARTS: &str = "models/marts/schema.yml";

/// The demo dbt project (a shop, like the fixture project), in dependency order.
const PROJECT: &[Node] = &[
    Node {
        kind: Kind::Seed,
        name: "raw_customers",
        mat: "seed",
        path: "seeds/raw_customers.csv",
        deps: &[],
    },
    Node {
        kind: Kind::Seed,
        name: "raw_orders",
        mat: "seed",
        path: "seeds/raw_orders.csv",
        deps: &[],
    },
    Node {
        kind: Kind::Seed,
        name: "raw_payments",
        mat: "seed",
        path: "seeds/raw_payments.csv",
        deps: &[],
    },
    model(
        "stg_customers",
        "view",
        "models/staging/stg_customers.sql",
        &["raw_customers"],
    ),
    model(
        "stg_orders",
        "table",
        "models/staging/stg_orders.sql",
        &["raw_orders"],
    ),
    model(
        "stg_payments",
        "view",
        "models/staging/stg_payments.sql",
        &["raw_payments"],
    ),
    test(
        "unique_stg_customers_customer_id",
        STAGING,
        &["stg_customers"],
    ),
    test("not_null_stg_orders_order_id", STAGING, &["stg_orders"]),
    test("unique_stg_orders_order_id", STAGING, &["stg_orders"]),
    test(
        "accepted_values_stg_payments_status",
        STAGING,
        &["stg_payments"],
    ),
    model(
        "orders_daily",
        "table",
        "models/marts/orders_daily.sql",
        &["stg_orders"],
    ),
    model(
        "customer_ltv",
        "table",
        "models/marts/customer_ltv.sql",
        &["stg_customers", "stg_orders", "stg_payments"],
    ),
    model(
        "fct_revenue",
        "incremental",
        "models/marts/fct_revenue.sql",
        &["orders_daily", "stg_payments"],
    ),
    test("not_null_orders_daily_order_date", MARTS, &["orders_daily"]),
    test("unique_customer_ltv_customer_id", MARTS, &["customer_ltv"]),
    source("customers"),
    source("orders"),
    source("payments"),
    Node {
        kind: Kind::Snapshot,
        name: "orders_snapshot",
        mat: "snapshot",
        path: "snapshots/orders_snapshot.sql",
        deps: &["stg_orders"],
    },
];

/// The project name when the pod does not tell (the fixture project's).
const DEFAULT_PROJECT: &str = "shop";
const MACROS: u32 = 472;

/// The dbt subcommand: which node kinds it runs.
fn kinds_for(cmd: &str) -> &'static [Kind] {
    match cmd {
        "run" => &[Kind::Model],
        "test" => &[Kind::Test],
        "seed" => &[Kind::Seed],
        "snapshot" => &[Kind::Snapshot],
        "source" => &[Kind::Source],
        _ => &[Kind::Seed, Kind::Model, Kind::Test, Kind::Snapshot],
    }
}

/// The adapter in use, from the image name (`ghcr.io/dbt-labs/dbt-postgres:1.9.latest`).
struct Adapter {
    name: &'static str,
    version: &'static str,
    database: &'static str,
    schema: &'static str,
}

fn adapter(ctx: &Ctx<'_>) -> Adapter {
    let repo = ctx.image_repo();
    let words: Vec<&str> = ctx.words().collect();
    let has = |a: &str| {
        repo.contains(&format!("dbt-{a}")) || words.iter().any(|w| w.contains(&format!("dbt-{a}")))
    };
    let (name, version, database, schema) = if has("postgres") {
        ("postgres", "1.9.0", "warehouse", "analytics")
    } else if has("snowflake") {
        ("snowflake", "1.9.4", "ANALYTICS", "DBT_PROD")
    } else if has("bigquery") {
        ("bigquery", "1.9.2", "acme-data", "analytics")
    } else if has("redshift") {
        ("redshift", "1.9.5", "dev", "analytics")
    } else if has("trino") {
        ("trino", "1.9.3", "lakehouse", "analytics")
    } else if has("clickhouse") {
        ("clickhouse", "1.9.2", "default", "analytics")
    } else {
        ("duckdb", "1.9.6", "shop", "main")
    };
    Adapter {
        name,
        version,
        database,
        schema,
    }
}

/// The dbt version: a full `x.y.z` image tag, else the fixture's 1.10.23.
fn dbt_version(ctx: &Ctx<'_>) -> String {
    let tag = ctx.image_tag();
    let parts: Vec<&str> = tag.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        tag.to_string()
    } else {
        "1.10.23".to_string()
    }
}

/// One line dbt logs: the event name and code of its JSON form plus the text.
#[derive(Clone)]
struct Ev {
    code: &'static str,
    name: &'static str,
    level: &'static str,
    thread: String,
    msg: String,
    data: Data,
}

/// The `data` of a JSON event; node events are built at render time because they carry the
/// node's start and finish times.
#[derive(Clone)]
enum Data {
    Fixed(Value),
    Node {
        node: Box<NodeInfo>,
        index: usize,
        total: usize,
        /// None for a start line; Some((status, exec seconds)) for a result line.
        result: Option<(String, f64)>,
        failures: usize,
        description: String,
    },
}

#[derive(Clone)]
struct NodeInfo {
    kind: Kind,
    /// The unique id of the model a data test checks.
    attached: String,
    name: &'static str,
    mat: &'static str,
    path: &'static str,
    unique_id: String,
    schema: String,
    database: String,
    checksum: String,
    status: &'static str,
}

impl Ev {
    fn plain(code: &'static str, name: &'static str, msg: impl Into<String>, data: Value) -> Ev {
        Ev {
            code,
            name,
            level: "info",
            thread: "MainThread".to_string(),
            msg: msg.into(),
            data: Data::Fixed(data),
        }
    }

    fn blank() -> Ev {
        Ev::plain("Z017", "Formatting", "", json!({"msg": ""}))
    }

    fn error(mut self) -> Ev {
        self.level = "error";
        self
    }
}

/// Renders one event at `at` in text or JSON form.
fn render(ev: &Ev, json_format: bool, invocation: &str, pid: u32, at: DateTime<Utc>) -> String {
    if !json_format {
        return format!("\x1b[0m{}  {}", at.format("%H:%M:%S"), ev.msg);
    }
    let data = match &ev.data {
        Data::Fixed(v) => v.clone(),
        Data::Node {
            node,
            index,
            total,
            result,
            failures,
            description,
        } => node_data(node, *index, *total, result, *failures, description, at),
    };
    let line = json!({
        "data": data,
        "info": {
            "category": "",
            "code": ev.code,
            "extra": {},
            "invocation_id": invocation,
            "level": ev.level,
            "msg": ev.msg,
            "name": ev.name,
            "pid": pid,
            "thread": ev.thread,
            "ts": format!("{}.{:06}Z", at.format("%Y-%m-%dT%H:%M:%S"), micros(at)),
        }
    });
    py_json(&line)
}

fn naive_us(t: DateTime<Utc>) -> String {
    format!("{}.{:06}", t.format("%Y-%m-%dT%H:%M:%S"), micros(t))
}

fn node_data(
    n: &NodeInfo,
    index: usize,
    total: usize,
    result: &Option<(String, f64)>,
    failures: usize,
    description: &str,
    at: DateTime<Utc>,
) -> Value {
    let exec = result.as_ref().map_or(0.0, |(_, s)| *s);
    let started = at - TimeDelta::milliseconds((exec * 1000.0) as i64);
    let relation_name = if n.kind == Kind::Test {
        String::new()
    } else {
        format!("\"{}\".\"{}\".\"{}\"", n.database, n.schema, n.name)
    };
    let file = n.path.rsplit('/').next().unwrap_or(n.path);
    let node_path = if n.kind == Kind::Test {
        format!("{}.sql", n.name)
    } else {
        file.to_string()
    };
    let mut node_info = json!({
        "materialized": n.mat,
        "meta": {},
        "node_checksum": if n.kind == Kind::Test { String::new() } else { n.checksum.clone() },
        "node_finished_at": if result.is_some() { naive_us(at) } else { String::new() },
        "node_name": n.name,
        "node_path": node_path,
        "node_relation": {
            "alias": n.name,
            "database": n.database,
            "relation_name": relation_name,
            "schema": if n.kind == Kind::Test { format!("{}_dbt_test__audit", n.schema) } else { n.schema.clone() },
        },
        "node_started_at": naive_us(if result.is_some() { started } else { at }),
        "node_status": if result.is_some() { n.status } else { "started" },
        "resource_type": kind_name(n.kind),
        "unique_id": n.unique_id,
    });
    if n.status == "skipped" {
        node_info["node_finished_at"] = json!("");
        node_info["node_started_at"] = json!(naive_us(at));
        return json!({
            "index": index,
            "node_info": node_info,
            "node_name": n.name,
            "resource_type": kind_name(n.kind),
            "schema": n.schema,
            "total": total,
        });
    }
    match result {
        None => {
            json!({"description": description, "index": index, "node_info": node_info, "total": total})
        }
        Some((status, exec)) if n.kind == Kind::Test => json!({
            "attached_node": n.attached.clone(),
            "execution_time": exec,
            "index": index,
            "name": n.name,
            "node_info": node_info,
            "num_failures": failures,
            "num_models": total,
            "status": status,
        }),
        Some((status, exec)) => json!({
            "description": description,
            "execution_time": exec,
            "index": index,
            "node_info": node_info,
            "status": status,
            "total": total,
        }),
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Model => "model",
        Kind::Test => "test",
        Kind::Seed => "seed",
        Kind::Snapshot => "snapshot",
        Kind::Source => "source",
    }
}

/// `format_fancy_output_line`: message left-justified to 80 columns with dots, then the
/// status in brackets.
fn fancy(index: usize, total: usize, msg: &str, status: &str, secs: Option<f64>) -> String {
    let prefix = format!("{index} of {total} {msg} ");
    let time = secs.map(|s| format!(" in {s:.2}s")).unwrap_or_default();
    format!("{prefix:.<80} [{status}{time}]")
}

fn green(s: &str) -> String {
    format!("\x1b[32m{s}\x1b[0m")
}
fn red(s: &str) -> String {
    format!("\x1b[31m{s}\x1b[0m")
}
fn yellow(s: &str) -> String {
    format!("\x1b[33m{s}\x1b[0m")
}

/// Python-style pluralisation as dbt's `pluralize`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else if word.ends_with("ss") {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// How a node ended in the simulated run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Error,
    Fail,
    Skip,
}

struct Exec {
    node: usize,
    index: usize,
    thread: usize,
    start: f64,
    end: f64,
    outcome: Outcome,
    /// Failing rows of a failed test.
    failures: usize,
}

/// Simulates the thread pool: nodes start when their selected parents are done; a node whose
/// parent errored is skipped at the moment it would have started, as dbt does.
fn simulate(selected: &[usize], failing: &[usize], threads: usize, rng: &mut Rng) -> Vec<Exec> {
    let mut done: Vec<Option<(f64, Outcome)>> = vec![None; PROJECT.len()];
    let mut free_at = vec![0.0f64; threads];
    let mut pending: Vec<usize> = selected.to_vec();
    let mut out = Vec::new();
    let mut index = 0;
    // dbt dispatches in index order: start lines never go back in time.
    let mut last_start = 0.0f64;
    while !pending.is_empty() {
        // The first pending node whose selected parents have finished.
        let ready = pending.iter().position(|&n| {
            PROJECT[n]
                .deps
                .iter()
                .filter_map(|d| PROJECT.iter().position(|p| p.name == *d))
                .all(|d| !selected.contains(&d) || done[d].is_some())
        });
        let Some(pos) = ready else { break };
        let n = pending.remove(pos);
        let parents_done = PROJECT[n]
            .deps
            .iter()
            .filter_map(|d| PROJECT.iter().position(|p| p.name == *d))
            .filter_map(|d| done[d])
            .fold(0.0f64, |acc, (t, _)| acc.max(t));
        let upstream_failed = PROJECT[n]
            .deps
            .iter()
            .filter_map(|d| PROJECT.iter().position(|p| p.name == *d))
            .any(|d| matches!(done[d], Some((_, Outcome::Error | Outcome::Skip))));
        let (thread, &free) = free_at
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap_or((0, &0.0));
        let start = free.max(parents_done).max(last_start) + rng.range(2, 12) as f64 / 1000.0;
        last_start = start;
        index += 1;
        let (end, outcome) = if upstream_failed {
            (start, Outcome::Skip)
        } else {
            let dur = match PROJECT[n].kind {
                Kind::Test => rng.range(40, 900),
                Kind::Seed => rng.range(90, 700),
                Kind::Snapshot => rng.range(300, 2500),
                Kind::Source => rng.range(30, 400),
                Kind::Model => rng.range(120, 6000),
            } as f64
                / 1000.0;
            let outcome = match (failing.contains(&n), PROJECT[n].kind) {
                (true, Kind::Test) => Outcome::Fail,
                (true, _) => Outcome::Error,
                _ => Outcome::Ok,
            };
            (start + dur, outcome)
        };
        free_at[thread] = end;
        done[n] = Some((end, outcome));
        let failures = if outcome == Outcome::Fail {
            1 + rng.range(0, 3) as usize
        } else {
            0
        };
        out.push(Exec {
            node: n,
            index,
            thread,
            start,
            end,
            outcome,
            failures,
        });
    }
    out
}

pub(super) fn plan(ctx: &Ctx<'_>, json_format: bool) -> Plan {
    let mut rng = ctx.rng("dbt");
    let mut p = Plan::new();
    let version = dbt_version(ctx);
    let ad = adapter(ctx);
    // The project is the directory dbt runs in (`workingDir` or `--project-dir`).
    let project = ctx
        .flag_value(&["--project-dir"])
        .or_else(|| ctx.spec.and_then(|s| s["workingDir"].as_str()))
        .and_then(|d| d.trim_end_matches('/').rsplit('/').next())
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_PROJECT)
        .to_string();
    let invocation = ctx.rng("dbt-invocation").uuid();
    let pid = 7 + (ctx.seed % 40) as u32;
    let cmd = [
        "build", "run", "test", "seed", "snapshot", "source", "compile", "parse", "debug",
    ]
    .into_iter()
    .find(|c| {
        let words: Vec<&str> = ctx.words().collect();
        words
            .windows(2)
            .any(|w| (w[0] == "dbt" || w[0].ends_with("/dbt")) && w[1] == *c)
    })
    .unwrap_or("build");
    let target = ctx
        .flag_value(&["--target", "-t"])
        .unwrap_or("prod")
        .to_string();
    let threads = ctx
        .flag_value(&["--threads"])
        .and_then(|t| t.parse().ok())
        .unwrap_or(4usize)
        .clamp(1, 16);

    // Each event is rendered by the same closure shape in both formats.
    let emit = {
        let invocation = invocation.clone();
        move |ev: Ev| {
            let invocation = invocation.clone();
            move |at: DateTime<Utc>| {
                // Multi-line messages: the text log prefixes only the first line.
                render(&ev, json_format, &invocation, pid, at)
            }
        }
    };

    p.step(
        0,
        emit(Ev::plain(
            "A001",
            "MainReportVersion",
            format!("Running with dbt={version}"),
            json!({"log_version": 3, "version": format!("={version}")}),
        )),
    );
    if version.starts_with("1.10.") {
        let note = "This version of dbt is deprecated and no longer receives regular patches, including for known bugs. We recommend upgrading to a newer supported version of dbt: https://docs.getdbt.com/docs/dbt-versions";
        p.step(
            3,
            emit(Ev::plain("Z050", "Note", note, json!({"msg": note}))),
        );
    }

    // Exit code 2 is dbt's "unhandled error": it never gets to run nodes.
    if ctx.end == End::Exit(2) {
        let (kind, detail) = if rng.chance(50) {
            (
                "Runtime Error",
                format!("  Could not find profile named '{project}'"),
            )
        } else {
            (
                "Database Error",
                format!(
                    "  connection to server at \"{}-postgresql\" (10.96.{}.{}), port 5432 failed: Connection refused\n  \tIs the server running on that host and accepting TCP/IP connections?",
                    ctx.namespace,
                    rng.range(0, 255),
                    rng.range(2, 250)
                ),
            )
        };
        p.step(
            rng.range(500, 900),
            emit(Ev::plain(
                "E034",
                "AdapterRegistered",
                format!("Registered adapter: {}={}", ad.name, ad.version),
                json!({"adapter_name": ad.name, "adapter_version": format!("={}", ad.version)}),
            )),
        );
        let msg = format!("Encountered an error:\n{kind}\n{detail}");
        p.tail_step(
            0,
            emit(
                Ev::plain(
                    "Z002",
                    "MainEncounteredError",
                    msg.clone(),
                    json!({"exc": format!("{kind}\n{detail}")}),
                )
                .error(),
            ),
        );
        return p;
    }

    p.step(
        rng.range(500, 900),
        emit(Ev::plain(
            "E034",
            "AdapterRegistered",
            format!("Registered adapter: {}={}", ad.name, ad.version),
            json!({"adapter_name": ad.name, "adapter_version": format!("={}", ad.version)}),
        )),
    );
    if !json_format {
        // A fresh container has no saved manifest from a previous run.
        p.step(rng.range(20, 80), emit(Ev::plain("I009", "UnableToPartialParse", "Unable to do partial parsing because saved manifest not found. Starting full parse.", json!({"reason": "saved manifest not found. Starting full parse."}))));
    }
    let count = |k: Kind| PROJECT.iter().filter(|n| n.kind == k).count();
    let found = format!(
        "{}, {}, {}, {}, {}, {MACROS} macros",
        plural(count(Kind::Model), "model"),
        plural(count(Kind::Snapshot), "snapshot"),
        plural(count(Kind::Seed), "seed"),
        plural(count(Kind::Test), "data test"),
        plural(count(Kind::Source), "source"),
    );
    p.step(
        rng.range(1200, 2400),
        emit(Ev::plain(
            "W006",
            "FoundStats",
            format!("Found {found}"),
            json!({"stat_line": found}),
        )),
    );

    // Selection: `--select a b` keeps the nodes named so or living in a folder so named
    // (`--select staging`), else the whole project.
    let kinds = kinds_for(cmd);
    let words: Vec<&str> = ctx.words().collect();
    let mut named: Vec<&str> = Vec::new();
    if let Some(i) = words
        .iter()
        .position(|w| *w == "--select" || *w == "-s" || *w == "-m" || *w == "--models")
    {
        named.extend(
            words[i + 1..]
                .iter()
                .take_while(|w| !w.starts_with('-'))
                .map(|w| w.trim_end_matches('+')),
        );
    }
    let mut selected: Vec<usize> = (0..PROJECT.len())
        .filter(|&i| kinds.contains(&PROJECT[i].kind))
        .filter(|&i| {
            named.is_empty()
                || named
                    .iter()
                    .any(|s| *s == PROJECT[i].name || PROJECT[i].path.contains(&format!("/{s}/")))
        })
        .collect();
    if selected.is_empty() {
        selected = (0..PROJECT.len())
            .filter(|&i| kinds.contains(&PROJECT[i].kind))
            .collect();
    }

    // A failing run (exit 1) fails a data test when it runs tests (the usual cause), sometimes
    // with a model error too; a run without tests errors a model, preferably one with
    // selected children so the skips show.
    let mut failing = Vec::new();
    // The pod script can name the node that fails (`fail-in=customer_ltv`).
    let named = ctx
        .fail_in
        .as_deref()
        .and_then(|n| selected.iter().copied().find(|&i| PROJECT[i].name == n));
    if let (Some(i), true) = (named, ctx.end.failed() && !ctx.end.killed()) {
        failing.push(i);
    } else if ctx.end.failed() && !ctx.end.killed() {
        let models: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&i| PROJECT[i].kind == Kind::Model)
            .collect();
        let tests: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&i| PROJECT[i].kind == Kind::Test)
            .collect();
        // Prefer a model with selected children, so the run shows skips as well.
        let parents: Vec<usize> = models
            .iter()
            .copied()
            .filter(|&m| {
                selected.iter().any(|&c| {
                    PROJECT[c].kind != Kind::Test && PROJECT[c].deps.contains(&PROJECT[m].name)
                })
            })
            .collect();
        let model_too = tests.is_empty() || rng.chance(40);
        if model_too && !parents.is_empty() {
            failing.push(*rng.pick(&parents));
        } else if model_too && !models.is_empty() {
            failing.push(*rng.pick(&models));
        }
        if !tests.is_empty() {
            failing.push(*rng.pick(&tests));
        }
        if failing.is_empty() {
            failing.push(*rng.pick(&selected));
        }
    }
    let execs = simulate(&selected, &failing, threads, &mut rng);
    let total = execs.len();
    // A little slack after the last result so it lands inside the middle of the run.
    let vtotal = execs.iter().fold(0.01f64, |a, e| a.max(e.end)) * 1.02;

    p.step(rng.range(3, 8), emit(Ev::blank()));
    p.step(
        1,
        emit(Ev::plain(
            "Q027",
            "ConcurrencyLine",
            format!("Concurrency: {threads} threads (target='{target}')"),
            json!({"node_count": total, "num_threads": threads, "target_name": target}),
        )),
    );
    p.step(1, emit(Ev::blank()));

    // Displayed execution times follow the real run length when it is known.
    let secs_scale = match ctx.span_ms() {
        Some(span) => ((span as f64 - 4000.0).max(500.0) / 1000.0 * 0.9) / vtotal,
        None => 1.0,
    };
    p.body_len((vtotal * 1000.0) as i64 + 200);
    let killed = ctx.end.killed();
    let mut hex_rng = ctx.rng("dbt-ids");
    for e in &execs {
        let n = &PROJECT[e.node];
        let info = NodeInfo {
            kind: n.kind,
            attached: format!(
                "model.{project}.{}",
                n.deps.first().copied().unwrap_or(n.name)
            ),
            name: n.name,
            mat: n.mat,
            path: n.path,
            unique_id: match n.kind {
                Kind::Test => format!("test.{project}.{}.{}", n.name, hex_rng.hex(10)),
                Kind::Source => format!("source.{project}.raw.{}", n.name),
                k => format!("{}.{project}.{}", kind_name(k), n.name),
            },
            schema: ad.schema.to_string(),
            database: ad.database.to_string(),
            checksum: format!(
                "{:016x}{:016x}{:016x}{:016x}",
                hash_str(n.name),
                hash_str(n.path),
                hash_str(ad.name),
                hash_str(n.mat)
            ),
            status: match e.outcome {
                Outcome::Ok if n.kind == Kind::Test => "pass",
                Outcome::Ok => "success",
                Outcome::Error => "error",
                Outcome::Fail => "fail",
                Outcome::Skip => "skipped",
            },
        };
        let thread = format!("Thread-{} (worker)", e.thread + 1);
        let relation = format!("{}.{}", ad.schema, n.name);
        let description = match n.kind {
            Kind::Model => format!("sql {} model {relation}", n.mat),
            Kind::Test => format!("test {}", n.name),
            Kind::Seed => format!("seed file {relation}"),
            Kind::Snapshot => format!("snapshot {relation}"),
            Kind::Source => format!("freshness of raw.{}", n.name),
        };
        let pos = |t: f64| if killed { t / vtotal * 1.7 } else { t / vtotal };
        if e.outcome == Outcome::Skip {
            let what = if n.kind == Kind::Test {
                format!("test {}", n.name)
            } else {
                format!("relation {relation}")
            };
            let ev = Ev {
                code: "Q034",
                name: "SkippingDetails",
                level: "info",
                thread,
                msg: fancy(
                    e.index,
                    total,
                    &format!("SKIP {what}"),
                    &yellow("SKIP"),
                    None,
                ),
                data: Data::Node {
                    node: Box::new(info),
                    index: e.index,
                    total,
                    result: Some(("skipped".into(), 0.0)),
                    failures: 0,
                    description,
                },
            };
            if pos(e.start) < 1.0 {
                p.body(pos(e.start), emit(ev));
            }
            continue;
        }
        let start_ev = Ev {
            code: "Q011",
            name: "LogStartLine",
            level: "info",
            thread: thread.clone(),
            msg: fancy(e.index, total, &format!("START {description}"), "RUN", None),
            data: Data::Node {
                node: Box::new(info.clone()),
                index: e.index,
                total,
                result: None,
                failures: 0,
                description: description.clone(),
            },
        };
        if pos(e.start) < 1.0 {
            p.body(pos(e.start), emit(start_ev));
        }
        let secs = ((e.end - e.start) * secs_scale * 100.0).round() / 100.0;
        let rows = rng.range(12, 250_000);
        let (code, name, msg, status, level) = match (n.kind, e.outcome) {
            (Kind::Source, Outcome::Error) => (
                "Q018",
                "LogFreshnessResult",
                fancy(
                    e.index,
                    total,
                    &format!("ERROR STALE {description}"),
                    &red("ERROR STALE"),
                    Some(secs),
                ),
                "error",
                "error",
            ),
            (Kind::Source, _) => (
                "Q018",
                "LogFreshnessResult",
                fancy(
                    e.index,
                    total,
                    &format!("PASS {description}"),
                    &green("PASS"),
                    Some(secs),
                ),
                "pass",
                "info",
            ),
            (Kind::Test, Outcome::Fail) => {
                let failures = e.failures;
                (
                    "Q007",
                    "LogTestResult",
                    fancy(
                        e.index,
                        total,
                        &format!("FAIL {failures} {}", n.name),
                        &red(&format!("FAIL {failures}")),
                        Some(secs),
                    ),
                    "fail",
                    "error",
                )
            }
            (Kind::Test, _) => (
                "Q007",
                "LogTestResult",
                fancy(
                    e.index,
                    total,
                    &format!("PASS {}", n.name),
                    &green("PASS"),
                    Some(secs),
                ),
                "pass",
                "info",
            ),
            (_, Outcome::Error) => (
                "Q012",
                "LogModelResult",
                fancy(
                    e.index,
                    total,
                    &format!("ERROR creating {description}"),
                    &red("ERROR"),
                    Some(secs),
                ),
                "error",
                "error",
            ),
            (Kind::Seed, _) => (
                "Q016",
                "LogSeedResult",
                fancy(
                    e.index,
                    total,
                    &format!("OK loaded {description}"),
                    &green(&format!("INSERT {}", rows % 5000)),
                    Some(secs),
                ),
                "success",
                "info",
            ),
            (Kind::Snapshot, _) => (
                "Q015",
                "LogSnapshotResult",
                fancy(
                    e.index,
                    total,
                    &format!("OK snapshotted {relation}"),
                    &green(&ok_status(ad.name, "snapshot", rows)),
                    Some(secs),
                ),
                "success",
                "info",
            ),
            _ => (
                "Q012",
                "LogModelResult",
                fancy(
                    e.index,
                    total,
                    &format!("OK created {description}"),
                    &green(&ok_status(ad.name, n.mat, rows)),
                    Some(secs),
                ),
                "success",
                "info",
            ),
        };
        let status_text = if n.kind == Kind::Test {
            status.to_string()
        } else if status == "success" {
            "OK".to_string()
        } else {
            status.to_string()
        };
        let ev = Ev {
            code,
            name,
            level,
            thread,
            msg,
            data: Data::Node {
                node: Box::new(info),
                index: e.index,
                total,
                result: Some((status_text, secs)),
                failures: e.failures,
                description,
            },
        };
        if pos(e.end) < 1.0 {
            p.body(pos(e.end), emit(ev));
        }
    }

    // The closing summary matches the outcome; a killed run stops mid-way without one.
    if ctx.end == End::Open || killed {
        return p;
    }
    let count_kind = |kind: Kind, mat: Option<&str>| {
        execs
            .iter()
            .filter(|e| {
                PROJECT[e.node].kind == kind && mat.is_none_or(|m| PROJECT[e.node].mat == m)
            })
            .count()
    };
    let mut stats = Vec::new();
    for mat in ["table", "view", "incremental"] {
        let c = count_kind(Kind::Model, Some(mat));
        if c > 0 {
            stats.push(plural(c, &format!("{mat} model")));
        }
    }
    for (kind, word) in [
        (Kind::Test, "data test"),
        (Kind::Seed, "seed"),
        (Kind::Snapshot, "snapshot"),
        (Kind::Source, "source"),
    ] {
        let c = count_kind(kind, None);
        if c > 0 {
            stats.push(plural(c, word));
        }
    }
    let stat_line = stats.join(", ");
    let started = ctx.started;
    let finished_msg = move |at: DateTime<Utc>| {
        let secs = ((at - started).num_milliseconds() as f64 / 1000.0 - 3.2).max(0.3);
        let whole = secs as u64;
        (
            format!(
                " in {} hours {} minutes and {:.2} seconds",
                whole / 3600,
                whole / 60 % 60,
                secs - (whole / 60 * 60) as f64
            ),
            secs,
        )
    };
    {
        let emit = emit.clone();
        let stat_line = stat_line.clone();
        p.tail_step(0, move |at| {
            let (execution, secs) = finished_msg(at);
            let ev = Ev::plain(
                "E047",
                "FinishedRunningStats",
                format!("Finished running {stat_line}{execution} ({secs:.2}s)."),
                json!({"execution": execution, "execution_time": secs, "stat_line": stat_line}),
            );
            emit(ev)(at)
        });
    }
    p.tail_step(rng.range(20, 100), emit(Ev::blank()));
    // `dbt source freshness` ends with a bare "Done." and no result summary.
    if kinds == [Kind::Source] {
        p.tail_step(
            1,
            emit(Ev::plain("Z050", "Note", "Done.", json!({"msg": "Done."}))),
        );
        return p;
    }
    let errors: Vec<&Exec> = execs
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Error | Outcome::Fail))
        .collect();
    let count_outcome = |o: Outcome| execs.iter().filter(|e| e.outcome == o).count();
    if errors.is_empty() {
        p.tail_step(1, emit(Ev::plain("Z030", "EndOfRunSummary", green("Completed successfully"), json!({"keyboard_interrupt": false, "num_errors": 0, "num_partial_success": 0, "num_warnings": 0}))));
        p.tail_step(1, emit(Ev::blank()));
    } else {
        let msg = red(&format!(
            "Completed with {}, 0 partial successes, and 0 warnings:",
            plural(errors.len(), "error")
        ));
        p.tail_step(1, emit(Ev::plain("Z030", "EndOfRunSummary", msg, json!({"keyboard_interrupt": false, "num_errors": errors.len(), "num_partial_success": 0, "num_warnings": 0}))));
        p.tail_step(1, emit(Ev::blank()));
        for e in errors {
            let n = &PROJECT[e.node];
            let kind = kind_name(n.kind);
            let failure = Ev::plain(
                "Z022",
                "RunResultFailure",
                red(&format!("Failure in {kind} {} ({})", n.name, n.path)),
                json!({"node_name": n.name, "path": n.path, "resource_type": kind}),
            )
            .error();
            p.tail_step(1, emit(failure));
            let detail = if n.kind == Kind::Test {
                format!(
                    "  Got {}, configured to fail if != 0",
                    plural(e.failures, "result")
                )
            } else {
                model_error(ad.name, n, ad.database, ad.schema)
            };
            p.tail_step(
                1,
                emit(
                    Ev::plain(
                        "Z024",
                        "RunResultError",
                        detail.clone(),
                        json!({"msg": detail.trim_start()}),
                    )
                    .error(),
                ),
            );
            p.tail_step(1, emit(Ev::blank()));
            let compiled = if n.kind == Kind::Test {
                format!("target/compiled/{project}/{}/{}.sql", n.path, n.name)
            } else {
                format!("target/compiled/{project}/{}", n.path)
            };
            p.tail_step(
                1,
                emit(Ev::plain(
                    "Z026",
                    "SQLCompiledPath",
                    format!("  compiled code at {compiled}"),
                    json!({"path": compiled}),
                )),
            );
            p.tail_step(1, emit(Ev::blank()));
        }
    }
    let pass = count_outcome(Outcome::Ok);
    let error = count_outcome(Outcome::Error) + count_outcome(Outcome::Fail);
    let skip = count_outcome(Outcome::Skip);
    p.tail_step(
        1,
        emit(Ev::plain(
            "Z023",
            "StatsLine",
            format!("Done. PASS={pass} WARN=0 ERROR={error} SKIP={skip} NO-OP=0 TOTAL={total}"),
            json!({"stats": {"error": error, "noop": 0, "pass": pass, "skip": skip, "total": total, "warn": 0}}),
        )),
    );
    p
}

/// The adapter response shown in a success status (`OK` on DuckDB, `SELECT n` on Postgres).
fn ok_status(adapter: &str, mat: &str, rows: i64) -> String {
    match (adapter, mat) {
        ("postgres" | "redshift", "view") => "CREATE VIEW".to_string(),
        ("postgres" | "redshift", "incremental" | "snapshot") => format!("INSERT 0 {}", rows % 900),
        ("postgres" | "redshift", _) => format!("SELECT {rows}"),
        ("snowflake", _) => "SUCCESS 1".to_string(),
        ("bigquery", "view") => "CREATE VIEW (0 processed)".to_string(),
        ("bigquery", _) => format!(
            "CREATE TABLE ({:.1}k rows, {:.1} MiB processed)",
            rows as f64 / 1000.0,
            rows as f64 / 9000.0
        ),
        _ => "OK".to_string(),
    }
}

/// A broken column reference per model, so a failing model reads like a real change gone
/// wrong: (model, line of the compiled SQL, that line, the column that is not there).
const BROKEN_COLUMNS: &[(&str, u32, &str, &str)] = &[
    (
        "customer_ltv",
        14,
        "        sum(p.amount - p.refunded_amount) as lifetime_value,",
        "p.refunded_amount",
    ),
    (
        "orders_daily",
        9,
        "        count(distinct o.customer_key) as customers,",
        "o.customer_key",
    ),
    (
        "fct_revenue",
        12,
        "        p.amount_usd as revenue,",
        "p.amount_usd",
    ),
    (
        "stg_orders",
        7,
        "        cast(order_ts as timestamp) as ordered_at,",
        "order_ts",
    ),
];

/// The database's error for a broken model, worded as each adapter reports it.
fn model_error(adapter: &str, n: &Node, database: &str, schema: &str) -> String {
    if adapter == "duckdb" {
        format!(
            "  Runtime Error in model {name} ({path})\n  Binder Error: Referenced column \"missing_column\" not found in FROM clause!\n  Candidate bindings: \"customer_id\"\n  \n  LINE 11:       select missing_column from \"{database}\".\"{schema}\".\"stg_customers\"\n                        ^^^^^^^^^^^^^^",
            name = n.name,
            path = n.path
        )
    } else if let Some((_, line, sql, column)) = BROKEN_COLUMNS.iter().find(|b| b.0 == n.name) {
        // Postgres points its caret at the reference, under `LINE n: `.
        let prefix = format!("LINE {line}: ");
        let caret = prefix.len() + sql.find(column).unwrap_or(0);
        format!(
            "  Database Error in model {name} ({path})\n  column {column} does not exist\n  {prefix}{sql}\n  {}^",
            " ".repeat(caret),
            name = n.name,
            path = n.path
        )
    } else {
        format!(
            "  Database Error in model {name} ({path})\n  column \"missing_column\" does not exist\n  LINE 11:       select missing_column from \"{database}\".\"{schema}\".\"stg_customers\"\n                        ^",
            name = n.name,
            path = n.path
        )
    }
}
