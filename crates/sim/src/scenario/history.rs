//! The demo's last hour: runs of every tool that already happened when the demo opens, so the
//! runs view and the log viewer have something to show from the first second. Successes,
//! with the failures an on-call engineer opens first among them:
//!
//! - an Airbyte sync (`Postgres orders → ClickHouse`, job 18398) whose attempts 0 and 1
//!   failed in the destination: ClickHouse rejects the password (AUTHENTICATION_FAILED);
//! - an Airflow task (`customer_360.build_customer_features`) whose first try died with a
//!   Python `KeyError` and whose second try is running now;
//! - a `dbt-marts` run that failed on a SQL error in model `customer_ltv`;
//! - a Dagster run (`orders_assets_job`) that failed in its `revenue_report` step;
//! - Spark applications of `orders-enrichment` that completed (executors gone, as Spark
//!   deletes them).
//!
//! Finished objects carry the status their controllers would have written (the kubelet and
//! the Job controller leave finished objects alone), with times relative to the demo's start;
//! the running try carries a Running status and a script that ends it minutes later. Names
//! and ids are fixed except where the tools put a time in them (CronJob Jobs, Spark
//! applications, Airflow run ids). Objects link to their owners by fixed uids.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Value, json};

use super::cluster::NODES;
use super::meta::{self, kube_time, set_creation, set_script, stable_hash, uuid};
use super::runs::{self, TaskTry};
use super::status::{self, Placement};
use crate::ids::{mix, name_digits};

/// The objects of the last hour, in creation order (Jobs before their pods). `demo` is the
/// rest of the demo, whose CronJobs the dbt runs belong to.
pub fn objects(now: DateTime<Utc>, demo: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    out.extend(airbyte(now));
    out.extend(airflow(now));
    out.extend(dbt(now, demo));
    out.extend(dagster(now));
    out.extend(spark(now));
    out
}

/// The uid the demo gives an object it links others to.
pub fn fixed_uid(kind: &str, namespace: &str, name: &str) -> String {
    uuid(stable_hash(&["demo-uid", kind, namespace, name]))
}

/// How a finished run went: when it was created, how long its containers took to start and
/// ran, and how it ended.
struct Ran {
    created: DateTime<Utc>,
    start_after: i64,
    ran: i64,
    code: i32,
    /// The pod script's `fail-in`, for the log of a failure.
    fail_in: Option<&'static str>,
}

impl Ran {
    fn ok(created: DateTime<Utc>, ran: i64) -> Ran {
        Ran {
            created,
            start_after: 4,
            ran,
            code: 0,
            fail_in: None,
        }
    }

    fn failed(created: DateTime<Utc>, ran: i64, fail_in: Option<&'static str>) -> Ran {
        Ran {
            code: 1,
            fail_in,
            ..Ran::ok(created, ran)
        }
    }

    fn started(&self) -> DateTime<Utc> {
        self.created + Duration::seconds(self.start_after)
    }

    fn finished(&self) -> DateTime<Utc> {
        self.started() + Duration::seconds(self.ran)
    }

    /// The pod script that tells the same story (should anything run the pod again, and for
    /// the log generators, which read `fail-in` from it).
    fn script(&self) -> String {
        let mut s = format!("start={}s,exit={}s", self.start_after, self.ran);
        if self.code != 0 {
            s.push_str(&format!(",code={}", self.code));
        }
        if let Some(f) = self.fail_in {
            s.push_str(&format!(",fail-in={f}"));
        }
        s
    }
}

/// A node and pod IP for a pod, stable by name.
fn place(pod: &mut Value) -> (String, String) {
    let h = mix(stable_hash(&[meta::name(pod)]));
    let node = &NODES[(h % NODES.len() as u64) as usize];
    pod["spec"]["nodeName"] = json!(node.name);
    (
        node.ip.to_string(),
        format!("10.244.{}.{}", node.pod_net, 2 + (h >> 8) % 250),
    )
}

/// Makes a bare pod (or a Job's pod) finished as `ran` says.
fn finish_pod(pod: &mut Value, ran: &Ran) {
    set_script(pod, &ran.script());
    set_creation(pod, ran.created);
    let (host_ip, pod_ip) = place(pod);
    pod["status"] = status::terminated(
        pod,
        &Placement {
            host_ip: &host_ip,
            pod_ip: &pod_ip,
        },
        // Scheduled within a second of its creation; init containers run until the start.
        ran.created + Duration::seconds(1),
        ran.started(),
        ran.finished(),
        ran.code,
    );
}

/// A Job finished as `ran` says, and its one pod (as the Job controller made it). The Job's
/// script is set first so the pod inherits it.
fn finish_job(mut job: Value, ran: &Ran) -> [Value; 2] {
    set_script(&mut job, &ran.script());
    set_creation(&mut job, ran.created);
    let ns = job["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = meta::name(&job).to_string();
    let uid = fixed_uid("Job", &ns, &name);
    job["metadata"]["uid"] = json!(uid);
    // What the API server defaults on a Job, so its pod can carry the same labels.
    let controller_labels = json!({
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
        "controller-uid": uid, "job-name": name,
    });
    for (k, v) in controller_labels.as_object().into_iter().flatten() {
        job["spec"]["template"]["metadata"]["labels"][k] = v.clone();
    }
    job["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});

    let template = &job["spec"]["template"];
    let suffix = name_digits(mix(stable_hash(&["job-pod", &ns, &name])), 5);
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{name}-{suffix}"),
            "generateName": format!("{name}-"),
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": template["metadata"]["annotations"],
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                "uid": uid, "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": template["spec"],
    });
    finish_pod(&mut pod, ran);

    let (started, finished) = (kube_time(ran.created), kube_time(ran.finished()));
    job["status"] = if ran.code == 0 {
        let (reason, msg) = (
            "CompletionsReached",
            "Reached expected number of succeeded pods",
        );
        json!({
            "startTime": started, "completionTime": finished, "succeeded": 1, "ready": 0,
            "terminating": 0, "uncountedTerminatedPods": {},
            "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True", "reason": reason, "message": msg,
                    "lastProbeTime": finished, "lastTransitionTime": finished},
                {"type": "Complete", "status": "True", "reason": reason, "message": msg,
                    "lastProbeTime": finished, "lastTransitionTime": finished},
            ],
        })
    } else {
        let (reason, msg) = (
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        );
        json!({
            "startTime": started, "failed": 1, "ready": 0, "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": reason, "message": msg,
                    "lastProbeTime": finished, "lastTransitionTime": finished},
                {"type": "Failed", "status": "True", "reason": reason, "message": msg,
                    "lastProbeTime": finished, "lastTransitionTime": finished},
            ],
        })
    };
    [job, pod]
}

fn minutes_ago(now: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    now - Duration::minutes(minutes)
}

/// Sync attempts of the last hour; job 18398 fails twice in its ClickHouse destination.
/// (Job ids stay below the live runs', which start at 18400.)
fn airbyte(now: DateTime<Utc>) -> Vec<Value> {
    // (job, attempt, connection, how it went)
    let attempts = [
        (18394, 0, 1, Ran::ok(minutes_ago(now, 62), 74)),
        (18395, 0, 2, Ran::ok(minutes_ago(now, 55), 66)),
        (18396, 0, 0, Ran::ok(minutes_ago(now, 48), 81)),
        (18397, 0, 1, Ran::ok(minutes_ago(now, 41), 59)),
        (
            18398,
            0,
            0,
            Ran::failed(minutes_ago(now, 27), 36, Some("destination")),
        ),
        (
            18398,
            1,
            0,
            Ran::failed(minutes_ago(now, 24), 33, Some("destination")),
        ),
        (18399, 0, 2, Ran::ok(minutes_ago(now, 12), 70)),
    ];
    attempts
        .into_iter()
        .map(|(job, attempt, connection, ran)| {
            let mut pod = runs::airbyte_pod(job, attempt, connection);
            finish_pod(&mut pod, &ran);
            pod
        })
        .collect()
}

/// Task tries of two DAG runs: `orders_daily` an hour ago, all fine; `customer_360` now,
/// whose `build_customer_features` failed try 1 and runs try 2.
fn airflow(now: DateTime<Utc>) -> Vec<Value> {
    // Hourly runs execute after their interval: the run of the hour before the one its tasks
    // ran in. The live generator's runs are of the current hour, so run ids never meet.
    let earlier = runs::hour_of(minutes_ago(now, 52)) - Duration::hours(1);
    let current = runs::hour_of(minutes_ago(now, 8)) - Duration::hours(1);
    let try_ = |dag_id, task_id, try_number, logical, salt| TaskTry {
        dag_id,
        task_id,
        try_number,
        logical,
        salt,
        run_id: None,
    };
    let finished = [
        (
            try_("orders_daily", "extract_orders", 1, earlier, 901),
            Ran::ok(minutes_ago(now, 52), 38),
        ),
        (
            try_("orders_daily", "load_orders_to_clickhouse", 1, earlier, 902),
            Ran::ok(minutes_ago(now, 50), 51),
        ),
        (
            try_("orders_daily", "refresh_order_marts", 1, earlier, 903),
            Ran::ok(minutes_ago(now, 48), 29),
        ),
        (
            try_("customer_360", "sync_crm_accounts", 1, current, 904),
            Ran::ok(minutes_ago(now, 8), 41),
        ),
        (
            try_("customer_360", "build_customer_features", 1, current, 905),
            Ran::failed(now - Duration::seconds(390), 47, None),
        ),
    ];
    let mut out: Vec<Value> = finished
        .iter()
        .map(|(t, ran)| {
            let mut pod = runs::airflow_task_pod(t);
            finish_pod(&mut pod, ran);
            pod
        })
        .collect();
    // Try 2 started two minutes ago and runs for seven: Running when the demo opens.
    let mut retry = runs::airflow_task_pod(&try_(
        "customer_360",
        "build_customer_features",
        2,
        current,
        906,
    ));
    let created = minutes_ago(now, 2);
    let started = created + Duration::seconds(4);
    set_script(&mut retry, "start=4s,exit=7m");
    set_creation(&mut retry, created);
    let (host_ip, pod_ip) = place(&mut retry);
    retry["status"] = status::running(
        &retry,
        &Placement {
            host_ip: &host_ip,
            pod_ip: &pod_ip,
        },
        started,
    );
    out.push(retry);
    out
}

/// A Job of a CronJob of `demo`, scheduled at `at` (named and labelled as the CronJob
/// controller names them).
fn cron_job_run(demo: &[Value], cronjob: &str, at: DateTime<Utc>) -> Option<Value> {
    let cj = demo
        .iter()
        .find(|o| meta::kind(o) == "CronJob" && meta::name(o) == cronjob)?;
    let ns = cj["metadata"]["namespace"].as_str()?;
    let template = &cj["spec"]["jobTemplate"];
    let mut meta = template["metadata"].clone();
    if !meta.is_object() {
        meta = json!({});
    }
    meta["name"] = json!(format!("{cronjob}-{}", at.timestamp() / 60));
    meta["namespace"] = json!(ns);
    meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] = json!(kube_time(at));
    meta["ownerReferences"] = json!([{"apiVersion": "batch/v1", "kind": "CronJob",
        "name": cronjob, "uid": cj["metadata"]["uid"], "controller": true,
        "blockOwnerDeletion": true}]);
    Some(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
        "spec": template["spec"]}),
    )
}

/// The latest time at or before `now` on a grid of `minutes` (a `*/N` schedule).
fn tick(now: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    let m = now.minute() - now.minute() % minutes;
    now.with_minute(m)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
}

/// Runs of the dbt CronJobs before the latest tick (the CronJob controller runs that one
/// when the demo starts): `dbt-marts` fails on model `customer_ltv` between two successes.
fn dbt(now: DateTime<Utc>, demo: &[Value]) -> Vec<Value> {
    let staging = tick(now, 5);
    let marts = tick(now, 10);
    let runs = [
        (
            "dbt-staging",
            staging - Duration::minutes(10),
            Ran::ok(staging - Duration::minutes(10), 32),
        ),
        (
            "dbt-staging",
            staging - Duration::minutes(5),
            Ran::ok(staging - Duration::minutes(5), 35),
        ),
        (
            "dbt-marts",
            marts - Duration::minutes(30),
            Ran::ok(marts - Duration::minutes(30), 52),
        ),
        (
            "dbt-marts",
            marts - Duration::minutes(20),
            Ran::failed(marts - Duration::minutes(20), 48, Some("customer_ltv")),
        ),
        (
            "dbt-marts",
            marts - Duration::minutes(10),
            Ran::ok(marts - Duration::minutes(10), 55),
        ),
    ];
    runs.into_iter()
        .filter_map(|(cronjob, at, mut ran)| {
            ran.start_after = 3;
            Some(finish_job(cron_job_run(demo, cronjob, at)?, &ran))
        })
        .flatten()
        .collect()
}

/// The run id of a past Dagster run, fixed.
pub fn dagster_run_id(which: &str) -> String {
    uuid(stable_hash(&["demo-history", "dagster", which]))
}

/// Three runs of the K8sRunLauncher; `orders_assets_job` failed in `revenue_report`.
fn dagster(now: DateTime<Utc>) -> Vec<Value> {
    [
        ("a", "example_job", Ran::ok(minutes_ago(now, 44), 52)),
        (
            "b",
            "orders_assets_job",
            Ran::failed(minutes_ago(now, 29), 61, None),
        ),
        ("c", "pod_per_op_job", Ran::ok(minutes_ago(now, 16), 45)),
    ]
    .into_iter()
    .flat_map(|(which, job_name, ran)| {
        finish_job(
            runs::dagster_run_job(&dagster_run_id(which), job_name),
            &ran,
        )
    })
    .collect()
}

/// The last three runs of `orders-enrichment` (every 3 minutes), completed: the
/// SparkApplication as the operator leaves it, the driver `Completed`, the executors deleted.
fn spark(now: DateTime<Utc>) -> Vec<Value> {
    let mut out = Vec::new();
    for (seq, minutes) in [(0, 9), (1, 6), (2, 3)] {
        let at = minutes_ago(now, minutes);
        let objs = runs::spark_application(seq, at);
        let (Some(app), Some(driver)) = (objs.first(), objs.get(1)) else {
            continue;
        };
        let (mut app, mut driver) = (app.clone(), driver.clone());
        let ran = Ran {
            created: at,
            start_after: 3,
            ran: 85,
            code: 0,
            fail_in: None,
        };
        finish_pod(&mut driver, &ran);
        let ended = kube_time(ran.finished());
        app["status"]["applicationState"] = json!({"state": "COMPLETED"});
        app["status"]["terminationTime"] = json!(ended);
        if let Some(execs) = app["status"]["executorState"].as_object_mut() {
            for state in execs.values_mut() {
                *state = json!("COMPLETED");
            }
        }
        out.push(app);
        out.push(driver);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::PodScript;

    fn history() -> Vec<Value> {
        let now = Utc::now();
        objects(now, &super::super::demo::objects(now))
    }

    fn pod<'a>(objs: &'a [Value], ns: &str, name: &str) -> &'a Value {
        objs.iter()
            .find(|o| {
                o["kind"] == "Pod" && o["metadata"]["namespace"] == ns && meta::name(o) == name
            })
            .unwrap_or_else(|| panic!("pod {ns}/{name}"))
    }

    fn phase(p: &Value) -> &str {
        p["status"]["phase"].as_str().unwrap_or_default()
    }

    #[test]
    fn every_tool_has_successes_and_the_failures_stand_out() {
        let objs = history();
        let pods: Vec<&Value> = objs.iter().filter(|o| o["kind"] == "Pod").collect();
        let count = |ns: &str, ph: &str| {
            pods.iter()
                .filter(|p| p["metadata"]["namespace"] == ns && phase(p) == ph)
                .count()
        };
        assert_eq!(
            (
                count("ingestion", "Succeeded"),
                count("ingestion", "Failed")
            ),
            (5, 2)
        );
        assert_eq!(count("transformation", "Succeeded"), 4);
        assert_eq!(count("transformation", "Failed"), 1);
        // Airflow: 4 ok + Dagster 2 ok; Airflow 1 failed + Dagster 1 failed; the retry runs.
        assert_eq!(count("orchestration", "Succeeded"), 6);
        assert_eq!(count("orchestration", "Failed"), 2);
        assert_eq!(count("orchestration", "Running"), 1);
        assert_eq!(count("spark", "Succeeded"), 3);
        // Everything finished is in the past, and its script agrees with its status.
        let now = Utc::now();
        for p in &pods {
            let script = PodScript::of_pod(p);
            for c in p["status"]["containerStatuses"].as_array().unwrap() {
                if let Some(t) = c["state"]["terminated"].as_object() {
                    let end = crate::store::parse_kube_time(&t["finishedAt"]).unwrap();
                    assert!(end < now);
                    assert_eq!(t["exitCode"], script.exit_code, "{}", meta::name(p));
                }
            }
        }
    }

    /// With the run generators on, new runs never take a past run's name, Airbyte job id or
    /// Airflow DAG run.
    #[test]
    fn live_runs_never_meet_the_past_ones() {
        let now = Utc::now();
        let past = objects(now, &super::super::demo::objects(now));
        let names: std::collections::HashSet<&str> = past.iter().map(meta::name).collect();
        let run_ids: std::collections::HashSet<&str> = past
            .iter()
            .filter_map(|o| o["metadata"]["annotations"]["run_id"].as_str())
            .collect();
        // Two DAG runs, or one when both past intervals fall in the same hour (after :52).
        assert!((1..=2).contains(&run_ids.len()), "{run_ids:?}");
        for g in super::super::runs::generators() {
            for seq in 0..24 {
                let at = now + Duration::from_std(g.first_after + g.period * seq as u32).unwrap();
                for o in (g.make)(seq, at) {
                    assert!(!names.contains(meta::name(&o)), "{}", meta::name(&o));
                    if let Some(run) = o["metadata"]["annotations"]["run_id"].as_str() {
                        assert!(!run_ids.contains(run), "{run}");
                    }
                    if let Some(job) = o["metadata"]["labels"]["job_id"].as_str() {
                        assert!(job.parse::<u64>().unwrap() >= 18_400);
                    }
                }
            }
        }
    }

    #[test]
    fn owners_are_linked_by_fixed_uids() {
        let now = Utc::now();
        let demo = super::super::demo::objects(now);
        let objs = objects(now, &demo);
        let uid_of = |kind: &str, name: &str| {
            demo.iter()
                .chain(objs.iter())
                .find(|o| o["kind"] == kind && meta::name(o) == name)
                .and_then(|o| o["metadata"]["uid"].as_str())
                .unwrap_or_else(|| panic!("{kind} {name} has no uid"))
                .to_string()
        };
        let jobs: Vec<&Value> = objs.iter().filter(|o| o["kind"] == "Job").collect();
        assert_eq!(jobs.len(), 8);
        for job in jobs {
            let name = meta::name(job);
            let owned: Vec<&Value> = objs
                .iter()
                .filter(|o| o["metadata"]["ownerReferences"][0]["name"] == name)
                .collect();
            assert_eq!(owned.len(), 1, "{name} has one pod");
            assert_eq!(
                owned[0]["metadata"]["ownerReferences"][0]["uid"],
                uid_of("Job", name)
            );
            assert_eq!(owned[0]["metadata"]["labels"]["job-name"], name);
            if let Some(owner) = job["metadata"]["ownerReferences"][0]["name"].as_str() {
                assert_eq!(
                    job["metadata"]["ownerReferences"][0]["uid"],
                    uid_of("CronJob", owner)
                );
            }
        }
        // Same input, same history.
        assert_eq!(objs, objects(now, &demo));
        // The schedule's last run is the newest completed application.
        let schedule = demo
            .iter()
            .find(|o| o["kind"] == "ScheduledSparkApplication")
            .unwrap();
        let last = schedule["status"]["lastRunName"].as_str().unwrap();
        let app = objs
            .iter()
            .find(|o| o["kind"] == "SparkApplication" && meta::name(o) == last)
            .unwrap_or_else(|| panic!("{last} is in the history"));
        assert_eq!(app["status"]["applicationState"]["state"], "COMPLETED");
        assert!(pod(&objs, "ingestion", "replication-job-18398-attempt-1")["status"]["initContainerStatuses"].is_array());
    }
}
