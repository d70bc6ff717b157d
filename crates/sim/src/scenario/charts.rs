//! The Helm charts embedded in the binary for the demo (`helm template` output, see
//! `charts/*.yaml`), split into documents that keep both the parsed object and the exact text
//! Helm stores in a release (its `manifest`, and one entry per hook).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::release::{Hook, HookExecution, HookPhase};

/// One Helm-installed tool of the demo and the render it was installed from.
pub struct EmbeddedChart {
    pub release: &'static str,
    /// Where objects without `metadata.namespace` land (the `--namespace` of the render).
    pub namespace: &'static str,
    pub chart: &'static str,
    pub version: &'static str,
    pub app_version: &'static str,
    pub description: &'static str,
    pub home: &'static str,
    pub source: &'static str,
    pub yaml: &'static str,
}

/// The charts in install order (platform stores first, as an operator would install them).
pub const CHARTS: &[EmbeddedChart] = &[
    EmbeddedChart {
        release: "postgresql",
        namespace: "platform",
        chart: "postgresql",
        version: "16.7.27",
        app_version: "17.6.0",
        description: "PostgreSQL (Postgres) is an open source object-relational database known for reliability and data integrity. ACID-compliant, it supports foreign keys, joins, views, triggers and stored procedures.",
        home: "https://bitnami.com",
        source: "https://github.com/bitnami/charts/tree/main/bitnami/postgresql",
        yaml: include_str!("charts/postgresql.yaml"),
    },
    EmbeddedChart {
        release: "redis",
        namespace: "platform",
        chart: "redis",
        version: "20.11.3",
        app_version: "7.4.2",
        description: "Redis(R) is an open source, advanced key-value store. It is often referred to as a data structure server since keys can contain strings, hashes, lists, sets and sorted sets.",
        home: "https://bitnami.com",
        source: "https://github.com/bitnami/charts/tree/main/bitnami/redis",
        yaml: include_str!("charts/redis.yaml"),
    },
    EmbeddedChart {
        release: "airbyte",
        namespace: "ingestion",
        chart: "airbyte",
        version: "1.9.2",
        app_version: "2.0.2-alpha-c905e75",
        description: "Helm chart to deploy airbyte",
        home: "https://airbyte.com",
        source: "https://github.com/airbytehq/airbyte-platform",
        yaml: include_str!("charts/airbyte.yaml"),
    },
    EmbeddedChart {
        release: "airflow",
        namespace: "orchestration",
        chart: "airflow",
        version: "1.18.0",
        app_version: "3.0.2",
        description: "The official Helm chart to deploy Apache Airflow, a platform to programmatically author, schedule, and monitor workflows",
        home: "https://airflow.apache.org/",
        source: "https://github.com/apache/airflow",
        yaml: include_str!("charts/airflow.yaml"),
    },
    EmbeddedChart {
        release: "dagster",
        namespace: "orchestration",
        chart: "dagster",
        version: "1.10.5",
        app_version: "1.10.5",
        description: "The data orchestration platform built for productivity.",
        home: "https://github.com/dagster-io/dagster/tree/master/helm",
        source: "https://github.com/dagster-io/dagster/tree/master/helm/dagster",
        yaml: include_str!("charts/dagster.yaml"),
    },
    EmbeddedChart {
        release: "clickhouse",
        namespace: "warehouse",
        chart: "altinity-clickhouse-operator",
        version: "0.25.6",
        app_version: "0.25.6",
        description: "The Altinity Kubernetes Operator for ClickHouse creates, configures and manages ClickHouse clusters running on Kubernetes.",
        home: "https://github.com/Altinity/clickhouse-operator",
        source: "https://github.com/Altinity/clickhouse-operator",
        yaml: include_str!("charts/clickhouse.yaml"),
    },
    EmbeddedChart {
        release: "trino",
        namespace: "warehouse",
        chart: "trino",
        version: "1.42.2",
        app_version: "480",
        description: "Fast distributed SQL query engine for big data analytics that helps you explore your data universe",
        home: "https://trino.io/",
        source: "https://github.com/trinodb/charts",
        yaml: include_str!("charts/trino.yaml"),
    },
    EmbeddedChart {
        release: "spark-operator",
        namespace: "spark",
        chart: "spark-operator",
        version: "2.5.2",
        app_version: "2.5.2",
        description: "A Helm chart for Spark on Kubernetes operator.",
        home: "https://github.com/kubeflow/spark-operator",
        source: "https://github.com/kubeflow/spark-operator",
        yaml: include_str!("charts/spark-operator.yaml"),
    },
    EmbeddedChart {
        release: "superset",
        namespace: "bi",
        chart: "superset",
        version: "0.15.2",
        app_version: "5.0.0",
        description: "Apache Superset is a modern, enterprise-ready business intelligence web application",
        home: "https://superset.apache.org/",
        source: "https://github.com/apache/superset",
        yaml: include_str!("charts/superset.yaml"),
    },
    EmbeddedChart {
        release: "metabase",
        namespace: "bi",
        chart: "metabase",
        version: "2.26.0",
        app_version: "v0.59.6.x",
        description: "The easy, open source way for everyone in your company to ask questions and learn from data.",
        home: "https://www.metabase.com/",
        source: "https://github.com/pmint93/helm-charts",
        yaml: include_str!("charts/metabase.yaml"),
    },
];

/// The Airflow chart's KubernetesExecutor pod template (`pod_template_file.yaml`).
pub const AIRFLOW_POD_TEMPLATE: &str = include_str!("charts/airflow-pod-template.yaml");

/// Slimmed CRDs of the operators (ClickHouse, Spark).
pub const CRDS: &str = include_str!("charts/crds.yaml");

pub fn chart(release: &str) -> Option<&'static EmbeddedChart> {
    CHARTS.iter().find(|c| c.release == release)
}

/// One `---` document of a render.
#[derive(Clone, Debug)]
pub struct RenderedDoc {
    /// Template path from the `# Source:` comment (`airflow/templates/...`).
    pub source: String,
    /// The document text as Helm writes it, `# Source:` line included.
    pub text: String,
    pub object: Value,
}

impl RenderedDoc {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.object["metadata"]["annotations"][key].as_str()
    }

    /// Whether Helm treats this document as a hook (kept out of the release manifest).
    pub fn is_hook(&self) -> bool {
        self.annotation("helm.sh/hook").is_some()
    }

    fn list_annotation(&self, key: &str) -> Vec<String> {
        self.annotation(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn hook_events(&self) -> Vec<String> {
        self.list_annotation("helm.sh/hook")
    }

    pub fn hook_delete_policies(&self) -> Vec<String> {
        self.list_annotation("helm.sh/hook-delete-policy")
    }

    /// Helm deletes a hook after it succeeds when it carries `hook-succeeded`; anything else
    /// stays in the cluster after the install.
    pub fn hook_persists(&self) -> bool {
        !self
            .hook_delete_policies()
            .iter()
            .any(|p| p == "hook-succeeded")
    }

    pub fn hook_weight(&self) -> i32 {
        self.annotation("helm.sh/hook-weight")
            .and_then(|w| w.trim().parse().ok())
            .unwrap_or(0)
    }

    /// This document as a release `hooks[]` entry that last ran as `phase`.
    pub fn to_hook(&self, started: DateTime<Utc>, phase: HookPhase) -> Hook {
        let body = self
            .text
            .strip_prefix(&format!("# Source: {}\n", self.source))
            .unwrap_or(&self.text);
        Hook {
            name: self.object["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .into(),
            kind: self.object["kind"].as_str().unwrap_or_default().into(),
            path: self.source.clone(),
            manifest: body.trim_end().to_string(),
            events: self.hook_events(),
            last_run: HookExecution {
                started_at: Some(started),
                // Demo hooks (migrations, bucket and CRD set-up) all take about 40 s.
                completed_at: (phase != HookPhase::Running)
                    .then(|| started + chrono::Duration::seconds(40)),
                phase,
            },
            weight: self.hook_weight(),
            delete_policies: self.hook_delete_policies(),
            output_log_policies: Vec::new(),
        }
    }
}

/// Parses a multi-document YAML text (embedded data) into its mapping documents.
pub fn parse_yaml(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(text)
        .expect("embedded scenario YAML is valid: every file is parsed by the scenario tests")
        .into_iter()
        .filter(Value::is_object)
        .collect()
}

/// Splits a render into documents, keeping each document's text. Documents that rendered
/// to nothing (only a `# Source:` comment) are dropped, as Helm drops them.
pub fn split(yaml: &str) -> Vec<RenderedDoc> {
    let mut docs = Vec::new();
    // A document separator is a line that is exactly `---`; block scalars are indented, so
    // such a line cannot be inside one.
    for chunk in yaml.split("\n---\n").skip(1) {
        let source = chunk
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .unwrap_or_default()
            .trim()
            .to_string();
        for object in parse_yaml(chunk) {
            docs.push(RenderedDoc {
                source: source.clone(),
                text: chunk.trim_end_matches('\n').to_string(),
                object,
            });
        }
    }
    docs
}

/// The release `manifest` Helm stores: the non-hook documents, each as `---\n<text>\n`.
pub fn manifest(docs: &[RenderedDoc]) -> String {
    let mut out = String::new();
    for doc in docs.iter().filter(|d| !d.is_hook()) {
        out.push_str("---\n");
        out.push_str(&doc.text);
        out.push('\n');
    }
    out
}

/// The user-supplied values of a render, read back from its `--set key=value` flags (line 1
/// of each fixture), typed the way `helm --set` types them.
pub fn set_values(yaml: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let header = yaml.lines().next().unwrap_or_default();
    let Some(command) = header.split("rendered: ").nth(1) else {
        return out;
    };
    let mut words = command.split_whitespace();
    while let Some(word) = words.next() {
        if word != "--set" {
            continue;
        }
        let Some((path, raw)) = words.next().and_then(|kv| kv.split_once('=')) else {
            continue;
        };
        let value = match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => raw
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(raw.to_string())),
        };
        insert_path(&mut out, path, value);
    }
    out
}

fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(inner) = child {
                insert_path(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_chart_parses_and_splits() {
        for c in CHARTS {
            let docs = split(c.yaml);
            assert!(docs.len() >= 4, "{} has {} docs", c.release, docs.len());
            for d in &docs {
                assert!(d.object["kind"].is_string(), "{}: {}", c.release, d.text);
                assert!(
                    d.text.starts_with("# Source: "),
                    "{}: {}",
                    c.release,
                    d.source
                );
            }
            let m = manifest(&docs);
            assert!(m.starts_with("---\n# Source: "));
            assert!(
                !m.contains("helm.sh/hook:"),
                "{} manifest has a hook",
                c.release
            );
        }
        assert_eq!(parse_yaml(AIRFLOW_POD_TEMPLATE).len(), 1);
        assert_eq!(parse_yaml(CRDS).len(), 3);
    }

    #[test]
    fn hooks_keep_their_policies() {
        let docs = split(chart("airflow").unwrap().yaml);
        let migrate = docs
            .iter()
            .find(|d| d.object["metadata"]["name"] == "airflow-run-airflow-migrations")
            .unwrap();
        assert!(migrate.is_hook() && !migrate.hook_persists());
        let hook = migrate.to_hook(Utc::now(), HookPhase::Succeeded);
        assert_eq!(hook.events, ["post-install", "post-upgrade"]);
        assert_eq!(hook.weight, 1);
        assert_eq!(hook.kind, "Job");
        assert!(hook.path.starts_with("airflow/templates/"));
        assert!(
            hook.manifest
                .starts_with("################################\n## Airflow Run Migrations")
        );
        assert!(
            hook.manifest
                .contains("\napiVersion: batch/v1\nkind: Job\n")
        );
    }

    #[test]
    fn set_flags_become_typed_values() {
        let v = set_values(chart("airflow").unwrap().yaml);
        assert_eq!(v["executor"], "KubernetesExecutor");
        assert_eq!(v["postgresql"]["enabled"], false);
        assert_eq!(v["data"]["metadataConnection"]["port"], 5432);
        assert_eq!(v["workers"]["persistence"]["storageClassName"], Value::Null);
    }
}
