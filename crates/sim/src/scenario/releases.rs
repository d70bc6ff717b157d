//! Helm release histories of the demo: every Helm-installed tool gets one Secret per revision
//! in Helm's real encoding, with a story an operator would recognise (upgrades superseding
//! older revisions, a failed Superset upgrade, a Metabase rollback, a Trino upgrade stuck in
//! `pending-upgrade` after a dropped SSH session).
//!
//! The cluster objects always match the newest revision (what the fixtures render); older
//! revisions are derived from it by text edits (chart and image versions, dropped templates),
//! which is what a diff between revisions shows.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::charts::{self, EmbeddedChart, RenderedDoc};
use super::meta;
use crate::release::{
    Chart, ChartMetadata, HelmRelease, HookPhase, ReleaseInfo, ReleaseStatus, release_secret,
};

/// One revision of a release: when, with which result, and how its render differs from the
/// current one.
struct Revision {
    status: ReleaseStatus,
    description: String,
    /// How long before now this revision was deployed.
    age: Duration,
    chart_version: &'static str,
    app_version: &'static str,
    /// Text edits turning the current render into this revision's.
    edits: &'static [(&'static str, &'static str)],
    /// Templates (by `# Source:` substring) this revision did not render.
    dropped: &'static [&'static str],
    /// Overrides of the user-supplied values, on top of the current ones.
    config: Option<Map<String, Value>>,
    hook_phase: HookPhase,
}

impl Revision {
    fn new(status: ReleaseStatus, description: &str, age: Duration) -> Self {
        Revision {
            status,
            description: description.to_string(),
            age,
            chart_version: "",
            app_version: "",
            edits: &[],
            dropped: &[],
            config: None,
            hook_phase: HookPhase::Succeeded,
        }
    }

    fn chart(mut self, version: &'static str, app_version: &'static str) -> Self {
        self.chart_version = version;
        self.app_version = app_version;
        self
    }

    fn edits(mut self, edits: &'static [(&'static str, &'static str)]) -> Self {
        self.edits = edits;
        self
    }

    fn dropped(mut self, dropped: &'static [&'static str]) -> Self {
        self.dropped = dropped;
        self
    }

    fn config(mut self, config: Value) -> Self {
        self.config = config.as_object().cloned();
        self
    }

    fn hooks(mut self, phase: HookPhase) -> Self {
        self.hook_phase = phase;
        self
    }
}

use ReleaseStatus::{Deployed, Failed, PendingUpgrade, Superseded};

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

/// The histories, oldest revision first.
fn histories() -> Vec<(&'static str, Vec<Revision>)> {
    vec![
        (
            "postgresql",
            vec![
                Revision::new(Superseded, "Install complete", days(118))
                    .chart("16.5.0", "17.4.0")
                    .edits(&[
                        (
                            "bitnamilegacy/postgresql:17.6.0-debian-12-r4",
                            "bitnami/postgresql:17.4.0-debian-12-r2",
                        ),
                        ("17.6.0", "17.4.0"),
                        ("16.7.27", "16.5.0"),
                    ]),
                Revision::new(Deployed, "Upgrade complete", days(9)),
            ],
        ),
        (
            "redis",
            vec![Revision::new(Deployed, "Install complete", days(118))],
        ),
        (
            "airbyte",
            vec![
                Revision::new(Superseded, "Install complete", days(71))
                    .chart("1.8.5", "1.8.5")
                    .edits(&[
                        ("-1.9.2", "-1.8.5"),
                        (":2.0.1", ":1.8.5"),
                        ("\"2.0.1\"", "\"1.8.5\""),
                        ("2.0.2-alpha-c905e75", "1.8.5"),
                    ]),
                Revision::new(Deployed, "Upgrade complete", days(14)),
            ],
        ),
        (
            "airflow",
            vec![
                Revision::new(Superseded, "Install complete", days(76))
                    .chart("1.17.0", "3.0.2")
                    .edits(&[
                        ("airflow-1.18.0", "airflow-1.17.0"),
                        ("KubernetesExecutor", "LocalExecutor"),
                    ])
                    .dropped(&["pgbouncer", "pod-launcher"])
                    .config(json!({"executor": "LocalExecutor", "pgbouncer": {"enabled": false}})),
                Revision::new(Superseded, "Upgrade complete", days(20))
                    .edits(&[("KubernetesExecutor", "LocalExecutor")])
                    .dropped(&["pgbouncer", "pod-launcher"])
                    .config(json!({"executor": "LocalExecutor", "pgbouncer": {"enabled": false}})),
                Revision::new(Deployed, "Upgrade complete", days(6)),
            ],
        ),
        (
            "dagster",
            vec![Revision::new(Deployed, "Install complete", days(28))],
        ),
        (
            "clickhouse",
            vec![
                Revision::new(Superseded, "Install complete", days(45))
                    .chart("0.25.4", "0.25.4")
                    .edits(&[("0.25.6", "0.25.4")]),
                Revision::new(Deployed, "Upgrade complete", days(10)),
            ],
        ),
        (
            "trino",
            vec![
                Revision::new(Superseded, "Install complete", days(62))
                    .chart("1.39.1", "476")
                    .edits(&[
                        ("trino-1.42.2", "trino-1.39.1"),
                        ("trino:480", "trino:476"),
                        ("\"480\"", "\"476\""),
                    ]),
                Revision::new(Superseded, "Upgrade complete", days(33))
                    .chart("1.40.0", "477")
                    .edits(&[
                        ("trino-1.42.2", "trino-1.40.0"),
                        ("trino:480", "trino:477"),
                        ("\"480\"", "\"477\""),
                    ]),
                Revision::new(Deployed, "Upgrade complete", days(12))
                    .chart("1.41.0", "479")
                    .edits(&[
                        ("trino-1.42.2", "trino-1.41.0"),
                        ("trino:480", "trino:479"),
                        ("\"480\"", "\"479\""),
                    ]),
                // `helm upgrade` from a bastion whose SSH session dropped: nothing catches
                // SIGHUP, so the revision stays pending and the next upgrade is refused.
                Revision::new(PendingUpgrade, "Preparing upgrade", mins(38)),
            ],
        ),
        (
            "spark-operator",
            vec![Revision::new(Deployed, "Install complete", days(25))],
        ),
        (
            "superset",
            vec![
                Revision::new(Superseded, "Install complete", days(93))
                    .chart("0.14.1", "4.1.1")
                    .edits(&[("superset-0.15.2", "superset-0.14.1"), ("superset:5.0.0", "superset:4.1.1")]),
                Revision::new(Deployed, "Upgrade complete", days(35))
                    .chart("0.14.2", "4.1.2")
                    .edits(&[("superset-0.15.2", "superset-0.14.2"), ("superset:5.0.0", "superset:4.1.2")]),
                // The 5.0 upgrade applied, then its post-upgrade `superset db upgrade` Job
                // failed: the release is failed and rev 2 is still the last deployed one.
                Revision::new(
                    Failed,
                    "Upgrade \"superset\" failed: post-upgrade hooks failed: 1 error occurred:\n\t* job superset-init-db failed: BackoffLimitExceeded",
                    mins(52),
                )
                .hooks(HookPhase::Failed),
            ],
        ),
        (
            "metabase",
            vec![
                Revision::new(Superseded, "Install complete", days(101))
                    .chart("2.24.1", "v0.58.4.x")
                    .edits(&[("metabase-2.26.0", "metabase-2.24.1"), ("v0.59.6.x", "v0.58.4.x")]),
                Revision::new(Superseded, "Upgrade complete", days(17)),
                Revision::new(
                    Failed,
                    "Upgrade \"metabase\" failed: context deadline exceeded",
                    days(16),
                )
                .chart("2.26.1", "v0.60.0.x")
                .edits(&[("metabase-2.26.0", "metabase-2.26.1"), ("v0.59.6.x", "v0.60.0.x")]),
                Revision::new(Deployed, "Rollback to 2", days(16) - mins(25)),
            ],
        ),
    ]
}

/// When a release was first installed and when its newest revision was written, so its
/// objects can carry those creation times.
pub fn deployed_at(release: &str, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    histories()
        .into_iter()
        .find(|(name, _)| *name == release)
        .and_then(|(_, revs)| Some((now - revs.first()?.age, now - revs.last()?.age)))
        .unwrap_or((now - days(30), now - days(30)))
}

/// Chart notes, shortened from the charts' NOTES.txt.
fn notes(release: &str) -> &'static str {
    match release {
        "airflow" => {
            "Thank you for installing Apache Airflow 3.0.2!\n\nYour release is named airflow.\nYou can now access your dashboard(s) by executing the following command(s) and visiting the corresponding port at localhost in your browser:\n\nAirflow API Server:     kubectl port-forward svc/airflow-api-server 8080:8080 --namespace orchestration\n"
        }
        "superset" => {
            "1. Get the application URL by running these commands:\n  echo \"Visit http://127.0.0.1:8088 to use your application\"\n  kubectl port-forward service/superset 8088:8088 --namespace bi\n"
        }
        "trino" => {
            "Get the application URL by running these commands:\n  export POD_NAME=$(kubectl get pods --namespace warehouse --selector \"app.kubernetes.io/name=trino,app.kubernetes.io/instance=trino,app.kubernetes.io/component=coordinator\" --output name)\n  echo \"Visit http://127.0.0.1:8080 to use your application\"\n  kubectl port-forward $POD_NAME 8080:8080\n"
        }
        "dagster" => {
            "Launched. You can access the Dagster webserver/UI by running the following commands:\n\nexport DAGSTER_WEBSERVER_POD_NAME=$(kubectl get pods --namespace orchestration -l \"app.kubernetes.io/name=dagster,app.kubernetes.io/instance=dagster,component=dagster-webserver\" -o jsonpath=\"{.items[0].metadata.name}\")\necho \"Visit http://127.0.0.1:8080 to open the Dagster UI\"\nkubectl --namespace orchestration port-forward $DAGSTER_WEBSERVER_POD_NAME 8080:80\n"
        }
        "postgresql" => {
            "CHART NAME: postgresql\nCHART VERSION: 16.7.27\nAPP VERSION: 17.6.0\n\n** Please be patient while the chart is being deployed **\n\nPostgreSQL can be accessed via port 5432 on the following DNS names from within your cluster:\n\n    postgresql.platform.svc.cluster.local - Read/Write connection\n"
        }
        "redis" => {
            "CHART NAME: redis\nCHART VERSION: 20.11.3\nAPP VERSION: 7.4.2\n\n** Please be patient while the chart is being deployed **\n\nRedis can be accessed via port 6379 on the following DNS name from within your cluster:\n\n    redis-master.platform.svc.cluster.local\n"
        }
        _ => "",
    }
}

/// Extra user-supplied values for renders whose `--set-json` flags the header parser skips.
fn extra_config(release: &str) -> Value {
    match release {
        "clickhouse" => json!({"additionalResources": [
            "apiVersion: clickhouse.altinity.com/v1\nkind: ClickHouseInstallation\nmetadata:\n  name: analytics\n  namespace: {{ .Release.Namespace }}\nspec:\n  configuration:\n    clusters:\n      - name: main\n        layout:\n          shardsCount: 1\n          replicasCount: 1\n"
        ]}),
        "trino" => {
            json!({"additionalCatalogs": {"lakehouse": "connector.name=iceberg\niceberg.catalog.type=hive_metastore\nhive.metastore.uri=thrift://hive-metastore.warehouse.svc.cluster.local:9083"}})
        }
        "spark-operator" => json!({"spark": {"jobNamespaces": ["spark"]}}),
        "redis" => json!({"architecture": "standalone", "auth": {"existingSecret": ""}}),
        "postgresql" => {
            json!({"image": {"registry": "docker.io", "repository": "bitnamilegacy/postgresql"}, "auth": {"username": "platform", "database": "platform"}, "primary": {"persistence": {"size": "50Gi"}}})
        }
        _ => json!({}),
    }
}

fn merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn apply_edits(text: &str, edits: &[(&str, &str)]) -> String {
    edits
        .iter()
        .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
}

/// Builds one revision's release from the current render.
fn revision_release(
    c: &EmbeddedChart,
    docs: &[RenderedDoc],
    rev: &Revision,
    number: u32,
    first: DateTime<Utc>,
    now: DateTime<Utc>,
) -> HelmRelease {
    let deployed = now - rev.age;
    let edited: Vec<RenderedDoc> = docs
        .iter()
        .filter(|d| !rev.dropped.iter().any(|s| d.source.contains(s)))
        .map(|d| RenderedDoc {
            source: d.source.clone(),
            text: apply_edits(&d.text, rev.edits),
            object: d.object.clone(),
        })
        .collect();
    let mut config = charts::set_values(c.yaml);
    if let Some(extra) = extra_config(c.release).as_object() {
        merge(&mut config, extra);
    }
    if let Some(over) = &rev.config {
        merge(&mut config, over);
    }
    let hooks = edited
        .iter()
        .filter(|d| d.is_hook())
        .map(|d| d.to_hook(deployed + Duration::seconds(5), rev.hook_phase))
        .collect();
    let pick = |v: &'static str, current: &'static str| if v.is_empty() { current } else { v };
    HelmRelease {
        name: c.release.to_string(),
        info: ReleaseInfo {
            first_deployed: Some(first),
            last_deployed: Some(deployed),
            deleted: None,
            description: rev.description.clone(),
            status: rev.status,
            notes: notes(c.release).to_string(),
            resources: None,
        },
        chart: Some(Chart {
            metadata: ChartMetadata {
                name: c.chart.to_string(),
                home: c.home.to_string(),
                sources: vec![c.source.to_string()],
                version: pick(rev.chart_version, c.version).to_string(),
                description: c.description.to_string(),
                api_version: "v2".to_string(),
                app_version: pick(rev.app_version, c.app_version).to_string(),
                chart_type: "application".to_string(),
                ..Default::default()
            },
            ..Default::default()
        }),
        config,
        manifest: charts::manifest(&edited),
        hooks,
        version: number,
        namespace: c.namespace.to_string(),
        // Releases installed recently were installed by Helm 4 (server-side apply); upgrades
        // keep the method of the install.
        apply_method: if first > now - days(30) {
            "ssa".into()
        } else {
            String::new()
        },
    }
}

/// Every revision of every demo release, decoded (for tests and for callers that want the
/// releases without the Secrets).
pub fn releases(now: DateTime<Utc>) -> Vec<HelmRelease> {
    let mut out = Vec::new();
    for (name, revs) in histories() {
        let Some(c) = charts::chart(name) else {
            continue;
        };
        let docs = charts::split(c.yaml);
        let first = revs.first().map(|r| now - r.age).unwrap_or(now);
        for (i, rev) in revs.iter().enumerate() {
            out.push(revision_release(c, &docs, rev, i as u32 + 1, first, now));
        }
    }
    out
}

/// The release Secrets, as Helm's storage driver leaves them: `createdAt` when the revision
/// was written, `modifiedAt` when a later revision superseded it.
pub fn release_secrets(now: DateTime<Utc>) -> Vec<Value> {
    let all = releases(now);
    all.iter()
        .map(|rel| {
            let mut secret = release_secret(rel);
            let created = rel.info.last_deployed.unwrap_or(now);
            let next = all
                .iter()
                .filter(|_| rel.info.status == Superseded)
                .find(|r| r.name == rel.name && r.version == rel.version + 1)
                .and_then(|r| r.info.last_deployed);
            if let Some(modified) = next {
                meta::set_label(&mut secret, "modifiedAt", &modified.timestamp().to_string());
            }
            meta::set_creation(&mut secret, created);
            secret
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_name_existing_charts_and_end_with_the_current_chart() {
        let now = Utc::now();
        for (name, revs) in histories() {
            let c = charts::chart(name).expect(name);
            let last = revs.last().unwrap();
            assert!(last.edits.is_empty() && last.dropped.is_empty(), "{name}");
            assert!(last.chart_version.is_empty() || last.chart_version == c.version);
            // Ages strictly decrease: revisions are in order.
            assert!(revs.windows(2).all(|w| w[0].age > w[1].age), "{name}");
        }
        let all = releases(now);
        let trino: Vec<_> = all.iter().filter(|r| r.name == "trino").collect();
        assert_eq!(trino.len(), 4);
        assert!(trino[0].manifest.contains("trinodb/trino:476"));
        assert!(trino[3].manifest.contains("trinodb/trino:480"));
        assert_eq!(trino[3].chart_label(), "trino-1.42.2");
        let airflow_v1 = all
            .iter()
            .find(|r| r.name == "airflow" && r.version == 1)
            .unwrap();
        assert!(
            !airflow_v1
                .manifest
                .contains("# Source: airflow/templates/pgbouncer/")
        );
        assert!(
            airflow_v1
                .manifest
                .contains("# Source: airflow/templates/scheduler/")
        );
        assert_eq!(airflow_v1.config["executor"], "LocalExecutor");
        assert_eq!(
            airflow_v1.config["data"]["metadataConnection"]["port"],
            5432
        );
        let superset_v3 = all
            .iter()
            .find(|r| r.name == "superset" && r.version == 3)
            .unwrap();
        let init = superset_v3
            .hooks
            .iter()
            .find(|h| h.name == "superset-init-db")
            .unwrap();
        assert_eq!(init.last_run.phase, HookPhase::Failed);
    }
}
