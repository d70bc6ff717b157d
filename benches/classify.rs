//! Cost of the layer view on a 10k-object cluster: projecting API objects (JSON) into
//! `StackObject`s, classifying them into components, and the whole report (classification
//! plus health and reasons); and of the security posture checks on the same cluster
//! (projection into `PostureObject`s, then `security::assess`). Time through criterion; allocations counted by a global
//! allocator wrapper in this binary (one pass of each step, printed before the timings).
//!
//! `cargo bench --bench classify`; figures in benches/README.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use strata::release::ReleaseStatus;
use strata::stack::{self, ReleaseFacts, RuleSet, StackObject};

/// Counts allocations and bytes requested, for the allocation figures.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
/// Bytes allocated and not yet freed: what a structure holds.
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
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
        BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Teams of the synthetic cluster: 100 objects each.
const TEAMS: usize = 100;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn ago(minutes: i64) -> String {
    (now() - Duration::minutes(minutes)).to_rfc3339()
}

// A manifest builder: positional arguments read like the manifest they make.
#[allow(clippy::too_many_arguments)]
fn workload(
    kind: &str,
    ns: &str,
    name: &str,
    labels: &Value,
    image: &str,
    args: &[&str],
    replicas: u32,
    ready: u32,
) -> Value {
    json!({"apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": ago(9000),
            "annotations": {"deployment.kubernetes.io/revision": "3"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": image, "args": args,
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready}})
}

fn pod(
    ns: &str,
    name: &str,
    labels: &Value,
    owner: Option<(&str, &str)>,
    image: &str,
    phase: &str,
    waiting: Option<&str>,
) -> Value {
    let state = match waiting {
        Some(reason) => json!({"waiting": {"reason": reason}}),
        None if phase == "Running" => json!({"running": {"startedAt": ago(60)}}),
        None => {
            json!({"terminated": {"exitCode": i32::from(phase == "Failed"), "finishedAt": ago(5)}})
        }
    };
    let mut p = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": ago(60)},
        "spec": {"containers": [{"name": "main", "image": image}]},
        "status": {"phase": phase, "startTime": ago(60),
            "conditions": [{"type": "Ready", "status": if waiting.is_none() && phase == "Running" {"True"} else {"False"}}],
            "containerStatuses": [{"name": "main", "ready": waiting.is_none(), "restartCount": 0, "state": state}]}});
    if let Some((kind, owner)) = owner {
        p["metadata"]["ownerReferences"] =
            json!([{"kind": kind, "name": owner, "controller": true}]);
        if kind == "ReplicaSet" {
            p["metadata"]["labels"]["pod-template-hash"] = json!("7d9f8c6b5");
        }
    }
    p
}

fn service(ns: &str, name: &str, labels: &Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"selector": labels, "ports": [{"port": 80}]}})
}

/// A deployment with `pods` pods and a Service.
#[allow(clippy::too_many_arguments)]
fn deployed(
    out: &mut Vec<Value>,
    ns: &str,
    name: &str,
    labels: Value,
    image: &str,
    args: &[&str],
    pods: u32,
    waiting: Option<&str>,
) {
    let ready = if waiting.is_some() { 0 } else { pods };
    out.push(workload(
        "Deployment",
        ns,
        name,
        &labels,
        image,
        args,
        pods,
        ready,
    ));
    for p in 0..pods {
        out.push(pod(
            ns,
            &format!("{name}-7d9f8c6b5-{p:05}"),
            &labels,
            Some(("ReplicaSet", &format!("{name}-7d9f8c6b5"))),
            image,
            "Running",
            waiting,
        ));
    }
    out.push(service(ns, name, &labels));
}

/// One team's stack: Airflow with task pods, Airbyte with sync pods, Trino, dbt CronJobs and
/// an app nothing recognises. 100 objects.
fn team(k: usize, out: &mut Vec<Value>, releases: &mut Vec<ReleaseFacts>) {
    let ns = format!("team-{k:03}");
    let af = format!("af-{k}");
    for (component, pods) in [
        ("scheduler", 2),
        ("api-server", 2),
        ("dag-processor", 2),
        ("statsd", 2),
        ("pgbouncer", 2),
        ("triggerer", 2),
    ] {
        let labels = json!({"tier": "airflow", "component": component, "release": af, "chart": "airflow-1.18.0", "heritage": "Helm"});
        let waiting =
            (k.is_multiple_of(10) && component == "scheduler").then_some("CrashLoopBackOff");
        deployed(
            out,
            &ns,
            &format!("{af}-{component}"),
            labels,
            "apache/airflow:3.0.2",
            &["bash", "-c", "exec airflow"],
            pods,
            waiting,
        );
    }
    for t in 0..20 {
        let labels = json!({"tier": "airflow", "component": "worker", "release": af, "dag_id": format!("dag_{}", t % 4),
            "task_id": format!("task_{}", t % 5), "run_id": format!("scheduled__{t}"), "try_number": "1", "kubernetes_executor": "True"});
        let phase = ["Succeeded", "Succeeded", "Failed", "Running"][t % 4];
        out.push(pod(
            &ns,
            &format!("{af}-task-{t:03}"),
            &labels,
            None,
            "apache/airflow:3.0.2",
            phase,
            None,
        ));
    }
    let ab = format!("ab-{k}");
    for name in [
        "server",
        "worker",
        "workload-launcher",
        "temporal",
        "db",
        "minio",
    ] {
        let labels = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/instance": ab, "helm.sh/chart": format!("{name}-1.9.2")});
        let image = if name == "temporal" {
            "temporalio/auto-setup:1.27.2".to_string()
        } else {
            format!("airbyte/{name}:2.0.1")
        };
        deployed(
            out,
            &ns,
            &format!("{ab}-{name}"),
            labels,
            &image,
            &[],
            1,
            None,
        );
    }
    for s in 0..10u32 {
        let labels = json!({"airbyte": "job-pod", "job_id": (1000 + s).to_string(), "attempt_id": "0",
            "connection_id": format!("conn-{}", s % 3), "job_type": "sync"});
        let phase = if s.is_multiple_of(3) {
            "Failed"
        } else {
            "Succeeded"
        };
        out.push(pod(
            &ns,
            &format!("replication-job-{}-attempt-0", 1000 + s),
            &labels,
            None,
            "airbyte/container-orchestrator:2.0.1",
            phase,
            None,
        ));
    }
    let tr = format!("tr-{k}");
    for (component, pods, waiting) in [
        ("coordinator", 1, None),
        (
            "worker",
            4,
            k.is_multiple_of(7).then_some("ImagePullBackOff"),
        ),
    ] {
        let labels = json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": tr, "app.kubernetes.io/component": component});
        deployed(
            out,
            &ns,
            &format!("{tr}-{component}"),
            labels,
            "trinodb/trino:480",
            &[],
            pods,
            waiting,
        );
    }
    for job in ["staging", "marts"] {
        let labels =
            json!({"app.kubernetes.io/name": "dbt", "app.kubernetes.io/part-of": "analytics"});
        let cron = format!("dbt-{job}");
        out.push(json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": cron, "namespace": ns, "labels": labels},
            "spec": {"schedule": "*/10 * * * *", "jobTemplate": {"spec": {"template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0", "args": ["build", "--select", job]}]}}}}},
            "status": {"lastScheduleTime": ago(5)}}));
        for r in 0..3 {
            let name = format!("{cron}-2917{r}");
            let failed = job == "marts" && r > 0;
            out.push(json!({"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": ago(30 - 10 * r),
                    "ownerReferences": [{"kind": "CronJob", "name": cron, "controller": true}]},
                "spec": {"completions": 1, "template": {"spec": {"containers": [{"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0"}]}}},
                "status": {"startTime": ago(30 - 10 * r), "conditions": [if failed {
                    json!({"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}) } else {
                    json!({"type": "Complete", "status": "True"}) }]}}));
            out.push(pod(
                &ns,
                &format!("{name}-x2k4q"),
                &labels,
                Some(("Job", &name)),
                "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
                if failed { "Failed" } else { "Succeeded" },
                None,
            ));
        }
    }
    deployed(
        out,
        &ns,
        "shop-frontend",
        json!({"app": "shop-frontend"}),
        "acme/shop:4.2",
        &[],
        3,
        None,
    );
    for (name, chart, status) in [
        (&af, "airflow", ReleaseStatus::Deployed),
        (&ab, "airbyte", ReleaseStatus::Deployed),
        (
            &tr,
            "trino",
            if k.is_multiple_of(5) {
                ReleaseStatus::PendingUpgrade
            } else {
                ReleaseStatus::Deployed
            },
        ),
    ] {
        releases.push(ReleaseFacts {
            name: name.clone(),
            namespace: ns.clone(),
            revision: 3,
            status,
            chart: chart.into(),
            chart_version: "1.0.0".into(),
            app_version: String::new(),
            description: "Upgrade complete".into(),
            updated: Some(now() - Duration::hours(2)),
            unreadable: None,
        });
    }
}

fn cluster() -> (Vec<Value>, Vec<ReleaseFacts>) {
    let mut objects = Vec::with_capacity(TEAMS * 100);
    let mut releases = Vec::new();
    for k in 0..TEAMS {
        team(k, &mut objects, &mut releases);
    }
    (objects, releases)
}

/// Allocations and bytes of one call of `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (a, b) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let out = f();
    (
        out,
        ALLOCATIONS.load(Ordering::Relaxed) - a,
        BYTES.load(Ordering::Relaxed) - b,
    )
}

/// Bytes `f`'s result holds on the heap (allocated while making it and not freed since).
fn held<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let out = f();
    (out, LIVE.load(Ordering::Relaxed).saturating_sub(before))
}

/// What the cockpit keeps of this cluster: the cache's compact rows (cells, labels, owners,
/// the stack's facts; the JSON dropped) and the live layers on top of them.
fn retained(json: &[Value], releases: &[ReleaseFacts], rules: &RuleSet) {
    use std::collections::HashMap;
    use std::sync::Arc;
    use strata::cluster::resource::Projector;
    let catalog = strata::cluster::Catalog::builtin();
    let (rows, rows_bytes) = held(|| {
        json.iter()
            .map(|object| {
                let kind = object["kind"].as_str().unwrap_or_default().to_lowercase();
                let kind = catalog.resolve(&kind).expect("a built-in kind");
                let row = Projector::for_kind(kind).row(kind, object, true);
                (row.key.clone(), Arc::new(row))
            })
            .collect::<HashMap<_, _>>()
    });
    let pods: Vec<&Value> = json.iter().filter(|o| o["kind"] == "Pod").collect();
    let kind = catalog.resolve("pods").unwrap();
    let (_pod_rows, pod_bytes) = held(|| {
        pods.iter()
            .map(|o| Projector::for_kind(kind).row(kind, o, true))
            .collect::<Vec<_>>()
    });
    let (mut live, live_bytes) = held(|| {
        let mut live = stack::LiveStack::new();
        for row in rows.values() {
            if let Some(facts) = &row.facts {
                live.upsert(facts.clone());
            }
        }
        live.set_releases(releases.to_vec());
        live
    });
    let (_report, report_bytes) = held(|| live.report(rules, now()));
    println!(
        "retained: {} rows {} KiB ({} B per object; a pod {} B), live layers {} KiB + report {} KiB",
        rows.len(),
        rows_bytes / 1024,
        rows_bytes / rows.len().max(1),
        pod_bytes / pods.len().max(1),
        live_bytes / 1024,
        report_bytes / 1024
    );
}

fn bench(c: &mut Criterion) {
    let (json, releases) = cluster();
    let rules = RuleSet::builtin();
    let (objects, project_allocs, project_bytes) =
        allocations(|| json.iter().map(StackObject::from_json).collect::<Vec<_>>());
    let (classification, classify_allocs, classify_bytes) =
        allocations(|| stack::classify(&rules, &objects, &releases));
    let (report, assess_allocs, assess_bytes) =
        allocations(|| stack::assess(&rules, &objects, &releases, now()));
    let (_, rules_allocs, _) = allocations(RuleSet::builtin);
    println!(
        "{} objects, {} releases -> {} components in {} layers ({} degraded or down)",
        objects.len(),
        releases.len(),
        classification.components.len(),
        report.layers.len(),
        report
            .components()
            .filter(|c| c.health.severity() >= 2)
            .count()
    );
    println!(
        "allocations: project {project_allocs} ({} KiB), classify {classify_allocs} ({} KiB), classify+health {assess_allocs} ({} KiB), built-in rules {rules_allocs}",
        project_bytes / 1024,
        classify_bytes / 1024,
        assess_bytes / 1024
    );

    retained(&json, &releases, &rules);

    posture(c, &json, &rules);

    c.bench_function("project 10k objects from JSON", |b| {
        b.iter(|| black_box(json.iter().map(StackObject::from_json).collect::<Vec<_>>()))
    });
    c.bench_function("classify 10k objects", |b| {
        b.iter(|| black_box(stack::classify(&rules, black_box(&objects), &releases)))
    });
    c.bench_function("classify + health of 10k objects", |b| {
        b.iter(|| black_box(stack::assess(&rules, black_box(&objects), &releases, now())))
    });
    c.bench_function("load the built-in rules", |b| {
        b.iter(|| black_box(RuleSet::builtin()))
    });
}

/// The security checks over the same cluster: projection (env, security contexts, settings;
/// credentials judged and dropped) and `security::assess` (classification plus every check).
fn posture(c: &mut Criterion, json: &[Value], rules: &RuleSet) {
    use strata::security::{self, Coverage, PostureObject, PostureRules};
    let posture_rules = PostureRules::builtin();
    let (objects, project_allocs, project_bytes) = allocations(|| {
        json.iter()
            .map(|o| PostureObject::from_json(o, &posture_rules))
            .collect::<Vec<_>>()
    });
    let coverage = Coverage::complete();
    let (findings, assess_allocs, assess_bytes) =
        allocations(|| security::assess(rules, &posture_rules, &objects, &coverage));
    let classification = stack::classify(rules, &objects, &[]);
    let (_, checks_allocs, checks_bytes) = allocations(|| {
        security::assess_classified(rules, &posture_rules, &objects, &classification, &coverage)
    });
    println!(
        "posture: {} findings over {} components; allocations: project {project_allocs} ({} KiB), \
         assess {assess_allocs} ({} KiB), checks alone {checks_allocs} ({} KiB)",
        findings.len(),
        security::by_component(&findings).len(),
        project_bytes / 1024,
        assess_bytes / 1024,
        checks_bytes / 1024
    );
    c.bench_function("posture: project 10k objects from JSON", |b| {
        b.iter(|| {
            black_box(
                json.iter()
                    .map(|o| PostureObject::from_json(o, &posture_rules))
                    .collect::<Vec<_>>(),
            )
        })
    });
    c.bench_function("posture: assess 10k objects (classify + checks)", |b| {
        b.iter(|| {
            black_box(security::assess(
                rules,
                &posture_rules,
                black_box(&objects),
                &coverage,
            ))
        })
    });
    c.bench_function("posture: checks of 10k classified objects", |b| {
        b.iter(|| {
            black_box(security::assess_classified(
                rules,
                &posture_rules,
                black_box(&objects),
                &classification,
                &coverage,
            ))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
