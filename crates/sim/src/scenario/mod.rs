//! Scenarios embedded in the binary: `demo` (a whole data stack across the layers, with Helm
//! release Secrets and runs that happen over time) and `empty`.

mod bench;
mod charts;
mod cluster;
mod demo;
mod history;
mod md5;
mod meta;
mod next_charts;
mod releases;
mod runs;
mod status;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::release::HelmRelease;

pub use bench::{PODS_PER_NAMESPACE, pod_key as bench_pod_key};
pub use demo::STACK_NAMESPACES;
/// What the stand-ins (`crate::standins`) make and name as the demo's tools do.
pub(crate) use meta::{set_creation, set_script, stable_hash, uuid};
pub use next_charts::{SUPERSET_NEXT, write_next_charts};
pub(crate) use runs::{
    AIRFLOW_RELEASE, TaskTry, airbyte_connections, airbyte_pod, airflow_dags, airflow_task_pod,
};
/// The demo's Airflow and Airbyte run generators, which tests drive by hand (the
/// scheduler's task pods, the sync attempts' replication pods).
pub use runs::{airbyte_sync, airflow_task};

/// Which scenario the simulator loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioName {
    Demo,
    Empty,
}

/// Knobs for scenario building.
#[derive(Clone, Debug, Default)]
pub struct ScenarioOptions {
    /// Extra bare pods for size benchmarks (`--pods N`), spread over `bench-*` namespaces.
    pub extra_pods: usize,
}

/// Objects to create at start-up, and generators of runs that happen later.
pub struct Scenario {
    /// In creation order (namespaces and CRDs first).
    pub objects: Vec<Value>,
    pub runs: Vec<RunGenerator>,
}

/// Makes the objects of one run (pods, Jobs…) each `period`, first after `first_after`.
pub struct RunGenerator {
    pub name: &'static str,
    pub first_after: Duration,
    pub period: Duration,
    /// Called with the run's sequence number (0, 1, …) and the time it starts.
    pub make: fn(seq: u64, now: DateTime<Utc>) -> Vec<Value>,
}

/// Builds the named scenario.
pub fn build(name: ScenarioName, opts: &ScenarioOptions) -> Scenario {
    build_at(name, opts, Utc::now())
}

/// Builds the named scenario as of `now` (ages and timestamps are relative to it).
pub fn build_at(name: ScenarioName, opts: &ScenarioOptions, now: DateTime<Utc>) -> Scenario {
    let (mut objects, runs) = match name {
        ScenarioName::Demo => (demo::objects(now), runs::generators()),
        ScenarioName::Empty => (empty(now), Vec::new()),
    };
    objects.extend(bench::objects(opts.extra_pods, now));
    Scenario { objects, runs }
}

/// The Helm releases of the demo (every revision), decoded: what the demo's release Secrets
/// hold, for tests that compare against them.
pub fn demo_releases(now: DateTime<Utc>) -> Vec<HelmRelease> {
    releases::releases(now)
}

/// A cluster with nothing installed: the system namespaces and one node.
fn empty(now: DateTime<Utc>) -> Vec<Value> {
    let born = now - chrono::Duration::days(2);
    let mut out: Vec<Value> = cluster::SYSTEM_NAMESPACES
        .iter()
        .map(|ns| cluster::namespace(ns, born))
        .collect();
    out.push(cluster::node(&cluster::NODES[0], born, now));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::release::{ReleaseStatus, decode_release};
    use crate::script::{PodScript, SCRIPT_ANNOTATION};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    fn demo() -> Scenario {
        build(ScenarioName::Demo, &ScenarioOptions::default())
    }

    fn by_kind<'a>(objs: &'a [Value], kind: &str) -> Vec<&'a Value> {
        objs.iter().filter(|o| o["kind"] == kind).collect()
    }

    fn find<'a>(objs: &'a [Value], kind: &str, ns: &str, name: &str) -> &'a Value {
        objs.iter()
            .find(|o| {
                o["kind"] == kind
                    && o["metadata"]["name"] == name
                    && o["metadata"]["namespace"] == ns
            })
            .unwrap_or_else(|| panic!("{kind} {ns}/{name} missing"))
    }

    fn template_script(obj: &Value) -> Option<&str> {
        let t = match obj["kind"].as_str() {
            Some("CronJob") => &obj["spec"]["jobTemplate"]["spec"]["template"],
            Some("Pod") => obj,
            _ => &obj["spec"]["template"],
        };
        t["metadata"]["annotations"][SCRIPT_ANNOTATION].as_str()
    }

    /// Label values as the API server validates them.
    fn valid_label_value(v: &str) -> bool {
        v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
            && v.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
    }

    fn check_well_formed(objs: &[Value]) {
        let mut seen = HashSet::new();
        for o in objs {
            let api = o["apiVersion"].as_str().unwrap_or_default();
            let kind = o["kind"].as_str().unwrap_or_default();
            let name = o["metadata"]["name"].as_str().unwrap_or_default();
            assert!(
                !api.is_empty() && !kind.is_empty() && !name.is_empty(),
                "{o}"
            );
            let ns = o["metadata"]["namespace"].as_str().unwrap_or_default();
            assert!(
                seen.insert((
                    api.split('/').next().unwrap_or_default().to_string(),
                    kind,
                    ns,
                    name
                )),
                "duplicate {kind} {ns}/{name}"
            );
            for (k, v) in o["metadata"]["labels"].as_object().into_iter().flatten() {
                assert!(
                    v.as_str().is_some_and(valid_label_value),
                    "{kind} {name}: label {k}={v}"
                );
            }
            if let Some(script) = template_script(o) {
                PodScript::parse(script).unwrap_or_else(|e| panic!("{kind} {name}: {e}"));
            }
        }
    }

    #[test]
    fn every_object_is_well_formed() {
        let s = build(ScenarioName::Demo, &ScenarioOptions { extra_pods: 1_200 });
        check_well_formed(&s.objects);
        check_well_formed(&build(ScenarioName::Empty, &ScenarioOptions::default()).objects);
        let now = Utc::now();
        for g in &s.runs {
            for seq in 0..8 {
                check_well_formed(&(g.make)(
                    seq,
                    now + chrono::Duration::seconds(seq as i64 * 60),
                ));
            }
        }
    }

    /// Namespaces exist (and come first) for every namespaced object, cluster-scoped objects
    /// have none, and CRDs precede their custom resources.
    #[test]
    fn namespaces_and_crds_come_before_their_objects() {
        let s = build(ScenarioName::Demo, &ScenarioOptions { extra_pods: 1_500 });
        let mut namespaces = HashSet::new();
        let mut crd_kinds = HashSet::new();
        for o in &s.objects {
            let kind = o["kind"].as_str().unwrap();
            let api = o["apiVersion"].as_str().unwrap();
            match kind {
                "Namespace" => {
                    namespaces.insert(o["metadata"]["name"].as_str().unwrap().to_string());
                }
                "CustomResourceDefinition" => {
                    crd_kinds.insert(o["spec"]["names"]["kind"].as_str().unwrap().to_string());
                }
                _ => {}
            }
            if meta::is_cluster_scoped(kind) {
                assert!(
                    o["metadata"].get("namespace").is_none(),
                    "{kind} has a namespace"
                );
            } else {
                let ns = o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{o}"));
                assert!(
                    namespaces.contains(ns),
                    "{kind} in {ns} before its namespace"
                );
            }
            let builtin_group = !api.contains('.') || api.contains(".k8s.io/");
            if !builtin_group {
                assert!(crd_kinds.contains(kind), "{kind} before its CRD");
            }
        }
        let now = Utc::now();
        for g in &s.runs {
            for o in (g.make)(0, now) {
                let ns = o["metadata"]["namespace"].as_str().unwrap();
                assert!(
                    namespaces.contains(ns),
                    "run {} in missing namespace {ns}",
                    g.name
                );
                let api = o["apiVersion"].as_str().unwrap();
                if api.contains('.') && !api.contains(".k8s.io/") {
                    assert!(crd_kinds.contains(o["kind"].as_str().unwrap()));
                }
            }
        }
        for ns in ["default", "kube-system", "kube-public"]
            .into_iter()
            .chain(STACK_NAMESPACES)
            .chain(["bench-0", "bench-1"])
        {
            assert!(namespaces.contains(ns), "{ns}");
        }
        assert_eq!(by_kind(&s.objects, "Node").len(), 3);
    }

    #[test]
    fn release_secrets_decode_with_the_codec_and_tell_the_stories() {
        let s = demo();
        let secrets: Vec<&Value> = s
            .objects
            .iter()
            .filter(|o| o["type"] == "helm.sh/release.v1")
            .collect();
        let mut by_release: HashMap<(String, String), Vec<(u32, ReleaseStatus)>> = HashMap::new();
        for secret in &secrets {
            let labels = &secret["metadata"]["labels"];
            assert_eq!(labels["owner"], "helm");
            let helm_layer = STANDARD
                .decode(secret["data"]["release"].as_str().unwrap())
                .unwrap();
            let rel = decode_release(&helm_layer).unwrap();
            assert_eq!(
                secret["metadata"]["name"],
                format!("sh.helm.release.v1.{}.v{}", rel.name, rel.version)
            );
            assert_eq!(secret["metadata"]["namespace"], rel.namespace.as_str());
            assert_eq!(labels["status"], rel.info.status.as_str());
            assert_eq!(labels["version"], rel.version.to_string());
            assert!(rel.manifest.starts_with("---\n# Source: "), "{}", rel.name);
            assert!(!rel.manifest.contains("helm.sh/hook:"));
            by_release
                .entry((rel.namespace.clone(), rel.name.clone()))
                .or_default()
                .push((rel.version, rel.info.status));
        }
        assert_eq!(by_release.len(), 10);
        let statuses: HashSet<ReleaseStatus> =
            by_release.values().flatten().map(|(_, s)| *s).collect();
        for wanted in [
            ReleaseStatus::Deployed,
            ReleaseStatus::Superseded,
            ReleaseStatus::Failed,
            ReleaseStatus::PendingUpgrade,
        ] {
            assert!(statuses.contains(&wanted), "{wanted}");
        }
        let latest = |ns: &str, name: &str| {
            by_release[&(ns.to_string(), name.to_string())]
                .iter()
                .max_by_key(|(v, _)| *v)
                .map(|(_, s)| *s)
                .unwrap()
        };
        assert_eq!(latest("bi", "superset"), ReleaseStatus::Failed);
        assert_eq!(latest("warehouse", "trino"), ReleaseStatus::PendingUpgrade);
        assert_eq!(latest("bi", "metabase"), ReleaseStatus::Deployed);
        for ((ns, name), revs) in &by_release {
            let deployed = revs
                .iter()
                .filter(|(_, s)| *s == ReleaseStatus::Deployed)
                .count();
            assert_eq!(deployed, 1, "{ns}/{name} has one deployed revision");
            let mut versions: Vec<u32> = revs.iter().map(|(v, _)| *v).collect();
            versions.sort_unstable();
            assert_eq!(versions, (1..=versions.len() as u32).collect::<Vec<_>>());
        }
        // The cluster matches the newest revision: Helm's ownership marks on its objects.
        let trino = find(&s.objects, "Deployment", "warehouse", "trino-coordinator");
        assert_eq!(
            trino["metadata"]["annotations"]["meta.helm.sh/release-name"],
            "trino"
        );
        assert_eq!(
            trino["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "Helm"
        );
        assert_eq!(demo_releases(Utc::now()).len(), secrets.len());
    }

    #[test]
    fn faults_are_present() {
        let s = demo();
        let script = |kind, ns, name| {
            PodScript::parse(template_script(find(&s.objects, kind, ns, name)).unwrap()).unwrap()
        };
        assert!(
            script(
                "Deployment",
                "orchestration",
                "dagster-dagster-user-deployments-k8s-example-user-code-1"
            )
            .crashloop
            .is_some()
        );
        assert!(script("StatefulSet", "platform", "redis-master").pull_error);
        assert!(script("Deployment", "warehouse", "trino-worker").never_ready);
        assert_eq!(
            script("CronJob", "transformation", "dbt-marts").exit_code,
            1
        );
        let init = find(&s.objects, "Job", "bi", "superset-init-db");
        assert_eq!(
            init["status"]["conditions"][1]["reason"],
            "BackoffLimitExceeded"
        );
        let warnings = by_kind(&s.objects, "Event");
        assert!(warnings.len() >= 5);
        let reasons: HashSet<&str> = warnings
            .iter()
            .map(|e| e["reason"].as_str().unwrap())
            .collect();
        for r in [
            "BackOff",
            "Failed",
            "FailedScheduling",
            "BackoffLimitExceeded",
        ] {
            assert!(reasons.contains(r), "{r}");
        }
        for e in &warnings {
            assert_eq!(e["type"], "Warning");
            assert_eq!(e["involvedObject"]["namespace"], e["metadata"]["namespace"]);
            assert!(
                e["involvedObject"]["kind"].is_string() && e["involvedObject"]["name"].is_string()
            );
        }
        // Hooks deleted after success are gone; the failed one and the bootloader pod stay.
        assert!(
            !s.objects
                .iter()
                .any(|o| o["metadata"]["name"] == "airflow-run-airflow-migrations")
        );
        assert!(!s.objects.iter().any(
            |o| o["metadata"]["name"] == "clickhouse-altinity-clickhouse-operator-crd-install"
        ));
        let boot = find(&s.objects, "Pod", "ingestion", "airbyte-airbyte-bootloader");
        assert_eq!(boot["status"]["phase"], "Succeeded");
    }

    #[test]
    fn the_stack_covers_every_layer() {
        let s = demo();
        let o = &s.objects;
        find(o, "Deployment", "ingestion", "airbyte-server");
        find(o, "CronJob", "ingestion", "meltano-postgres-to-clickhouse");
        find(o, "CronJob", "transformation", "dbt-staging");
        find(o, "Deployment", "orchestration", "airflow-scheduler");
        find(o, "Deployment", "orchestration", "dagster-daemon");
        find(o, "Deployment", "warehouse", "trino-coordinator");
        find(o, "ClickHouseInstallation", "warehouse", "analytics");
        let chi = find(o, "StatefulSet", "warehouse", "chi-analytics-main-0-0");
        assert_eq!(
            chi["spec"]["template"]["metadata"]["labels"]["clickhouse.altinity.com/chi"],
            "analytics"
        );
        find(o, "Deployment", "spark", "spark-operator-controller");
        find(o, "ScheduledSparkApplication", "spark", "orders-enrichment");
        find(o, "Deployment", "bi", "superset");
        find(o, "Deployment", "bi", "metabase");
        find(o, "StatefulSet", "platform", "postgresql");
        let dbt = find(o, "CronJob", "transformation", "dbt-marts");
        let c = &dbt["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
        assert!(
            c["image"]
                .as_str()
                .unwrap()
                .starts_with("ghcr.io/dbt-labs/dbt-postgres:1.9.")
        );
        assert_eq!(c["args"][0], "build");
        let names: Vec<&str> = s.runs.iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            [
                "airflow-task",
                "airbyte-sync",
                "spark-application",
                "dagster-run"
            ]
        );
        for r in &s.runs {
            assert!((60..=180).contains(&r.period.as_secs()), "{}", r.name);
        }
    }

    /// The simulator's store accepts every object in order (admission, CRD registration),
    /// and the runs' objects too.
    #[test]
    fn the_simulator_seeds_the_demo_and_its_runs() {
        let state = crate::http::SimState::new();
        let s = build(ScenarioName::Demo, &ScenarioOptions { extra_pods: 10 });
        for obj in s.objects {
            state.seed(obj).unwrap_or_else(|e| panic!("{e}"));
        }
        let now = Utc::now();
        for g in &s.runs {
            for seq in 0..3 {
                for obj in (g.make)(seq, now + chrono::Duration::seconds(seq as i64 * 61)) {
                    state
                        .seed(obj)
                        .unwrap_or_else(|e| panic!("run {}: {e}", g.name));
                }
            }
        }
        let empty = crate::http::SimState::new();
        for obj in build(ScenarioName::Empty, &ScenarioOptions::default()).objects {
            empty.seed(obj).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn extra_pods_are_exact_and_empty_is_minimal() {
        let base = build(ScenarioName::Demo, &ScenarioOptions::default()).objects;
        let with = build(ScenarioName::Demo, &ScenarioOptions { extra_pods: 2_345 }).objects;
        let pods = |objs: &[Value]| objs.iter().filter(|o| o["kind"] == "Pod").count();
        assert_eq!(pods(&with) - pods(&base), 2_345);
        assert_eq!(
            by_kind(&with, "Namespace").len() - by_kind(&base, "Namespace").len(),
            3
        );

        let empty = build(ScenarioName::Empty, &ScenarioOptions::default());
        assert!(empty.runs.is_empty());
        let names: Vec<&str> = empty
            .objects
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names[..3], ["default", "kube-system", "kube-public"]);
        assert_eq!(by_kind(&empty.objects, "Node").len(), 1);
        assert_eq!(empty.objects.len(), 4);
        let big = build(ScenarioName::Empty, &ScenarioOptions { extra_pods: 50_000 });
        assert_eq!(pods(&big.objects), 50_000);
        assert_eq!(by_kind(&big.objects, "Namespace").len(), 3 + 50);
    }
}
