//! Cost of the log pipeline on a realistic mix: the simulator's per-tool container logs
//! (Airbyte, Airflow, dbt text and JSON, Spark, Dagster, Prefect, Trino, Superset, Metabase,
//! Meltano, PostgreSQL, Redis, ClickHouse, operators and the hostile `noisy` container) as a
//! `timestamps=true` stream delivers them. Measures lines per second through parse +
//! sanitize + store, the memory a default buffer holds after 1M lines (live bytes counted by
//! a global allocator wrapper in this binary, plus the process RSS), and search over 100k
//! lines, one-off and incremental; and the viewer's frame while it tails 5,000 lines a
//! second from 20 pods (one frame's batch taken in, then the screen drawn).
//!
//! `cargo bench --bench logs`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use strata::logs::{LogBuffer, Search, parse_line, search, text_query};
use strata_sim::podlogs::{ContainerRun, lines};

/// Counts allocations and the bytes live on the heap.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
/// Bytes allocated and not yet freed: what a structure holds.
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Lines in the corpus the timings run over.
const CORPUS_LINES: usize = 100_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 11, 0, 0).unwrap()
}

fn pod(name: &str, labels: Value, containers: Value) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "demo", "uid": format!("uid-{name}"), "labels": labels},
        "spec": {"containers": containers},
        "status": {"podIP": "10.244.1.17"},
    })
}

fn c(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

fn c_args(name: &str, image: &str, args: &[&str]) -> Value {
    json!({"name": name, "image": image, "args": args})
}

/// One container per tool: (pod, container, seconds it runs, exit code or None for servers).
fn sources() -> Vec<(Value, &'static str, i64, Option<i32>)> {
    let airflow_task = json!({
        "metadata": {"name": "example-bash-operator-runme-0-x8", "namespace": "orchestration", "uid": "u-af",
            "labels": {"tier": "airflow", "component": "worker", "dag_id": "example_bash_operator", "task_id": "runme_0"},
            "annotations": {"dag_id": "example_bash_operator", "task_id": "runme_0", "try_number": "1"}},
        "spec": {"containers": [c("base", "apache/airflow:3.0.2")]}
    });
    let airbyte = pod(
        "replication-job-1234-attempt-0",
        json!({"airbyte": "job-pod", "job_id": "1234", "attempt_id": "0"}),
        json!([
            c("orchestrator", "airbyte/container-orchestrator:2.0.1"),
            c("source", "airbyte/source-postgres:3.6.28"),
            c("destination", "airbyte/destination-snowflake:3.15.2"),
        ]),
    );
    let dbt = |name: &str, args: &[&str]| {
        pod(
            name,
            json!({"job-name": name}),
            json!([{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0", "command": ["dbt"], "args": args}]),
        )
    };
    let airflow = |component: &str| {
        pod(
            &format!("airflow-{component}-0"),
            json!({"tier": "airflow", "component": component, "release": "airflow"}),
            json!([c_args(
                component,
                "apache/airflow:3.0.2",
                &["bash", "-c", &format!("exec airflow {component}")]
            )]),
        )
    };
    vec![
        (airflow_task, "base", 600, Some(1)),
        (airbyte.clone(), "orchestrator", 900, Some(1)),
        (airbyte.clone(), "source", 900, Some(1)),
        (airbyte, "destination", 900, Some(1)),
        (dbt("dbt-nightly-a", &["build"]), "dbt", 300, Some(1)),
        (
            dbt("dbt-nightly-b", &["build", "--log-format", "json"]),
            "dbt",
            300,
            Some(1),
        ),
        (airflow("scheduler"), "scheduler", 3600, None),
        (airflow("api-server"), "api-server", 3600, None),
        (
            pod(
                "spark-pi-driver",
                json!({"spark-role": "driver", "sparkoperator.k8s.io/app-name": "spark-pi"}),
                json!([c("spark-kubernetes-driver", "apache/spark:3.5.3")]),
            ),
            "spark-kubernetes-driver",
            900,
            Some(1),
        ),
        (
            pod(
                "dagster-run-9b1c",
                json!({"app.kubernetes.io/name": "dagster", "app.kubernetes.io/component": "run_worker", "dagster/run-id": "9b1c", "dagster/job": "daily_orders"}),
                json!([c("dagster", "acme/analytics-code:2026.11.2")]),
            ),
            "dagster",
            600,
            Some(1),
        ),
        (
            pod(
                "amber-fox-x2k9q",
                json!({"prefect.io/flow-run-id": "0b6f"}),
                json!([c_args(
                    "prefect-job",
                    "prefecthq/prefect:3.8.3-python3.11",
                    &["prefect", "flow-run", "execute"]
                )]),
            ),
            "prefect-job",
            600,
            Some(1),
        ),
        (
            pod(
                "trino-coordinator-6d9f8",
                json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/component": "coordinator"}),
                json!([c("trino-coordinator", "trinodb/trino:480")]),
            ),
            "trino-coordinator",
            3600,
            None,
        ),
        (
            pod(
                "superset-6f",
                json!({"app": "superset"}),
                json!([c("superset", "apache/superset:5.0.0")]),
            ),
            "superset",
            3600,
            None,
        ),
        (
            pod(
                "metabase-7c9",
                json!({"app": "metabase"}),
                json!([c("metabase", "metabase/metabase:v0.59.6")]),
            ),
            "metabase",
            3600,
            None,
        ),
        (
            pod(
                "clickhouse-0",
                json!({"clickhouse.altinity.com/chi": "analytics"}),
                json!([c("clickhouse", "clickhouse/clickhouse-server:25.3")]),
            ),
            "clickhouse",
            3600,
            None,
        ),
        (
            pod(
                "postgresql-0",
                json!({"app.kubernetes.io/name": "postgresql"}),
                json!([c("postgresql", "postgres:16.4")]),
            ),
            "postgresql",
            3600,
            None,
        ),
        (
            pod(
                "redis-0",
                json!({"app": "redis"}),
                json!([c("redis", "redis:7.2-bookworm")]),
            ),
            "redis",
            3600,
            None,
        ),
        (
            pod(
                "spark-operator-controller-1",
                json!({"app.kubernetes.io/name": "spark-operator"}),
                json!([c(
                    "spark-operator-controller",
                    "ghcr.io/kubeflow/spark-operator/controller:2.5.2"
                )]),
            ),
            "spark-operator-controller",
            3600,
            None,
        ),
        (
            pod(
                "noisy-logger",
                json!({}),
                json!([c("noisy", "busybox:1.36")]),
            ),
            "noisy",
            3600,
            None,
        ),
    ]
}

/// Raw stream lines of one container, as `pods/log?timestamps=true` sends them.
fn raw_lines(pod: &Value, container: &str, secs: i64, code: Option<i32>) -> Vec<Vec<u8>> {
    let end = t0() + TimeDelta::seconds(secs);
    let run = ContainerRun {
        pod,
        container,
        attempt: 0,
        started: t0(),
        finished: code.map(|c| (end, c)),
    };
    let mut out = Vec::new();
    for l in lines(&run, t0(), end) {
        let at = l.at.to_rfc3339_opts(SecondsFormat::Nanos, true);
        for (i, part) in l.text.split('\n').enumerate() {
            out.push(if i == 0 {
                format!("{at} {part}").into_bytes()
            } else {
                part.as_bytes().to_vec()
            });
        }
    }
    out
}

/// Each source's lines, interleaved round robin so every tool weighs the same whatever its
/// log rate, until `n` lines (cycling through the shorter sources).
fn mix(per_source: &[Vec<Vec<u8>>], n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    let mut k = 0;
    while out.len() < n {
        for lines in per_source {
            if out.len() == n {
                break;
            }
            out.push(lines[k % lines.len()].clone());
        }
        k += 1;
    }
    out
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let per_source: Vec<Vec<Vec<u8>>> = sources()
        .iter()
        .map(|(p, c, s, code)| raw_lines(p, c, *s, *code))
        .filter(|l| !l.is_empty())
        .collect();

    // Memory first, while the process holds little else: 1M lines (a 20k-line mix, cycled)
    // into a buffer with the default caps.
    let small = mix(&per_source, 20_000);
    let rss_before = rss_kib("VmRSS:").unwrap_or(0);
    let live_before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut buffer = LogBuffer::default();
    for i in 0..1_000_000 {
        buffer.push(parse_line((i % 19) as u16, &small[i % small.len()], true));
    }
    let secs = start.elapsed().as_secs_f64();
    let held = LIVE.load(Ordering::Relaxed) - live_before;
    let rss_after = rss_kib("VmRSS:").unwrap_or(0);
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    println!(
        "1M lines pushed in {secs:.2} s ({:.0} lines/s): {} kept, {} evicted; the buffer counts {:.1} MiB, the allocator sees {:.1} MiB live; process RSS {} -> {} MiB (+{} MiB)",
        1e6 / secs,
        buffer.len(),
        buffer.evicted(),
        mib(buffer.bytes()),
        mib(held),
        rss_before / 1024,
        rss_after / 1024,
        (rss_after.saturating_sub(rss_before)) / 1024,
    );
    drop(buffer);
    drop(small);

    let corpus = mix(&per_source, CORPUS_LINES);
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let styled = corpus
        .iter()
        .filter(|l| l.windows(2).any(|w| w == b"\x1b["))
        .count();
    println!(
        "corpus: {} lines, {} bytes ({} B a line on average), {} with SGR colours, {} sources",
        corpus.len(),
        bytes,
        bytes / corpus.len(),
        styled,
        per_source.len()
    );

    // Allocations while parsing (transient ones included) and what a stored line keeps.
    let mut parsed = Vec::with_capacity(corpus.len());
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for raw in &corpus {
        parsed.push(parse_line(0, raw, true));
    }
    let allocs = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let with_styles = parsed.iter().filter(|l| l.styles.is_some()).count();
    println!(
        "allocations: {:.2} per parse; a stored line keeps {:.2} ({} of {} lines have style runs)",
        allocs as f64 / corpus.len() as f64,
        (corpus.len() + with_styles) as f64 / corpus.len() as f64,
        with_styles,
        corpus.len()
    );
    drop(parsed);

    // One pass by hand for a lines/s figure next to criterion's.
    let start = Instant::now();
    let mut buffer = LogBuffer::default();
    for raw in &corpus {
        buffer.push(parse_line(0, raw, true));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "parse + sanitize + store, one pass: {:.0} lines/s ({:.1} MB/s)",
        corpus.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    drop(buffer);

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("parse 100k mixed lines", |b| {
        b.iter(|| {
            for raw in &corpus {
                black_box(parse_line(0, black_box(raw), true));
            }
        })
    });
    group.bench_function("parse + store 100k mixed lines (default caps)", |b| {
        b.iter_batched(
            LogBuffer::default,
            |mut buffer| {
                for raw in &corpus {
                    buffer.push(parse_line(0, raw, true));
                }
                buffer
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();

    let mut buffer = LogBuffer::default();
    for raw in &corpus {
        buffer.push(parse_line(0, raw, true));
    }
    let mut group = c.benchmark_group("search");
    group.throughput(Throughput::Elements(buffer.len() as u64));
    let hits = search(&buffer, text_query("connection refused")).len();
    println!(
        "search: {hits} of {} lines match \"connection refused\"",
        buffer.len()
    );
    group.bench_function("100k lines, smart-case text", |b| {
        b.iter(|| black_box(search(&buffer, text_query("connection refused"))))
    });
    group.bench_function("100k lines, exact text", |b| {
        b.iter(|| black_box(search(&buffer, text_query("ERROR"))))
    });
    group.finish();

    // A viewer tailing 5k lines/s: each update reads only the second's new lines.
    let tail: Vec<_> = corpus[..5000]
        .iter()
        .map(|raw| parse_line(0, raw, true))
        .collect();
    c.bench_function("incremental search: 5k new lines on a 100k buffer", |b| {
        b.iter_batched(
            || {
                let mut buffer = LogBuffer::new(CORPUS_LINES, usize::MAX);
                for raw in &corpus {
                    buffer.push(parse_line(0, raw, true));
                }
                let mut s = Search::new(text_query("connection refused"));
                s.update(&buffer);
                for l in &tail {
                    buffer.push(l.clone());
                }
                (buffer, s)
            },
            |(buffer, mut s)| {
                black_box(s.update(&buffer));
                (buffer, s)
            },
            BatchSize::LargeInput,
        )
    });

    let mut huge = b"2026-11-26T11:42:43.123456789Z ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 1 << 20));
    c.bench_function("parse one 1 MiB line", |b| {
        b.iter(|| black_box(parse_line(0, black_box(&huge), true)))
    });
    let mut hostile = b"2026-11-26T11:42:43.123456789Z ".to_vec();
    while hostile.len() < 1 << 20 {
        hostile.extend_from_slice(b"\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[31mred\x1b[0m\x1b[2J\r");
    }
    c.bench_function("parse one 1 MiB line of escapes", |b| {
        b.iter(|| black_box(parse_line(0, black_box(&hostile), true)))
    });
    tail_frame(c, &corpus);
}

/// The cockpit's log viewer tailing 20 pods at 250 lines a second each: per frame (30 a
/// second) it takes in that frame's 167 lines and draws a 200×60 screen, over a buffer
/// already holding 100k lines.
fn tail_frame(c: &mut Criterion, mixed: &[Vec<u8>]) {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    use strata::app::logs::LogView;
    use strata::cluster::logs::{LogNote, LogSource, LogTarget, Queued, RawLine, split_timestamp};

    const PODS: u16 = 20;
    const PER_FRAME: usize = 5_000 / 30;
    let rows = 56;
    let sources = (0..PODS)
        .map(|i| {
            LogNote::Source(LogSource {
                namespace: "loadtest".into(),
                pod: format!("loadgen-7d9f8b6c4-{i:05}"),
                container: "app".into(),
                init: false,
            })
        })
        .collect();
    let mut at = t0();
    let mut next = 0usize;
    let mut batch = |n: usize| -> Queued {
        let mut lines = std::collections::VecDeque::with_capacity(n);
        for _ in 0..n {
            let raw = &mixed[next % mixed.len()];
            let (_, text) = split_timestamp(raw);
            at += TimeDelta::microseconds(200);
            lines.push_back(RawLine {
                source: (next % usize::from(PODS)) as u16,
                at: Some(at),
                bytes: text.to_vec(),
            });
            next += 1;
        }
        Queued {
            lines,
            notes: Vec::new(),
            dropped: 0,
        }
    };
    let target = LogTarget::Workloads {
        namespace: "loadtest".into(),
        workloads: vec![("Deployment".into(), "loadgen".into())],
    };
    let mut view = LogView::new("logs · deployment/loadgen".into(), target, 1, None);
    view.take(
        Queued {
            notes: sources,
            ..Queued::default()
        },
        rows,
    );
    for _ in 0..100 {
        view.take(batch(1_000), rows);
    }
    let theme = strata::ui::Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("a test terminal");
    let area = Rect::new(0, 1, 200, 57);
    let mut group = c.benchmark_group("viewer tailing 20 pods at 5k lines/s");
    group.bench_function("one frame: take 167 lines + draw 200x60", |b| {
        b.iter(|| {
            view.take(batch(PER_FRAME), rows);
            terminal
                .draw(|frame| strata::ui::views::logs::render(&view, &theme, frame, area))
                .expect("draws");
        })
    });
    view.wrap = true;
    view.timestamps = true;
    view.set_search(
        strata::app::filter::Filter::parse("error").ok().flatten(),
        rows,
    );
    group.bench_function("the same, wrapped, timestamps, search highlighted", |b| {
        b.iter(|| {
            view.take(batch(PER_FRAME), rows);
            terminal
                .draw(|frame| strata::ui::views::logs::render(&view, &theme, frame, area))
                .expect("draws");
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
