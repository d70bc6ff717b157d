//! The layer report: layers → components → workloads with health and reasons, as the
//! cockpit's layers screen shows it and as `strata status` prints it (an aligned table for
//! people, the JSON of docs/rules.md for scripts).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Layer;
use super::health::Health;
use crate::release::ReleaseStatus;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackReport {
    /// Layers that have components, in DESIGN order.
    pub layers: Vec<LayerReport>,
    pub generated: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerReport {
    pub layer: Layer,
    pub health: Health,
    pub components: Vec<ComponentReport>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentReport {
    pub name: String,
    /// Tool id (`airflow`); `None` when unclassified.
    pub tool: Option<String>,
    /// Tool name for people (`Airflow`).
    pub tool_name: Option<String>,
    pub namespace: String,
    pub release: Option<String>,
    /// Newest revision and status of its Helm release, when the release Secrets were read.
    pub release_revision: Option<(u32, ReleaseStatus)>,
    pub layer: Layer,
    pub health: Health,
    /// Most severe first.
    pub reasons: Vec<String>,
    pub workloads: Vec<WorkloadReport>,
    /// Names of its Services (shown in the cockpit's component view, not judged).
    pub services: Vec<String>,
    pub runs: RunSummary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadReport {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub role: String,
    /// `ready/desired` for replicated workloads, `succeeded/completions` for Jobs, a word
    /// for CronJobs (`last run ok`) and custom resources (their state).
    pub ready: String,
    pub health: Health,
}

/// Runs seen in the cluster (retries of a run count once), by state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Pending, running or retrying.
    pub running: usize,
    pub succeeded: usize,
    pub failed: usize,
    /// The newest failed run.
    pub last_failure: Option<RunFailure>,
}

/// The newest failed run of a component, for "sync `postgres → clickhouse` failed 12 min ago".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFailure {
    /// The run's id (`namespace/name`).
    pub run: String,
    pub name: String,
    /// How runs read in a sentence (`syncs of connection`).
    pub noun: String,
    pub finished: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl RunSummary {
    pub fn total(&self) -> usize {
        self.running + self.succeeded + self.failed
    }
}

/// What makes `strata status` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Anything degraded or down (the default).
    Degraded,
    /// Only something down.
    Down,
}

impl StackReport {
    /// Every component in display order (layer, then namespace and name): the order the
    /// layers screen lists and selects them in.
    pub fn components(&self) -> impl Iterator<Item = &ComponentReport> {
        self.layers.iter().flat_map(|l| l.components.iter())
    }

    pub fn component_count(&self) -> usize {
        self.layers.iter().map(|l| l.components.len()).sum()
    }

    /// Whether the report should fail a script.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.components().any(|c| match fail_on {
            FailOn::Degraded => matches!(c.health, Health::Degraded | Health::Down),
            FailOn::Down => c.health == Health::Down,
        })
    }

    /// The JSON of `strata status -o json` (documented in docs/rules.md; scripts rely on
    /// its shape: fields are added, never renamed or removed).
    pub fn to_json(&self, context: &str) -> Value {
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| {
                json!({
                    "layer": l.layer.id(),
                    "health": l.health.as_str(),
                    "components": l.components.iter().map(|c| json!({
                        "name": c.name,
                        "tool": c.tool,
                        "namespace": c.namespace,
                        "release": c.release,
                        "health": c.health.as_str(),
                        "reasons": c.reasons,
                        "workloads": c.workloads.iter().map(|w| json!({
                            "kind": w.kind,
                            "name": w.name,
                            "namespace": w.namespace,
                            "ready": w.ready,
                            "health": w.health.as_str(),
                        })).collect::<Vec<_>>(),
                        "runs": {
                            "running": c.runs.running,
                            "succeeded": c.runs.succeeded,
                            "failed": c.runs.failed,
                            "last_failure": c.runs.last_failure.as_ref().map(|f| json!({
                                "run": f.run,
                                "name": f.name,
                                "finished": f.finished.map(|t| t.to_rfc3339()),
                                "reason": f.reason,
                            })),
                        },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"context": context, "layers": layers})
    }

    /// The table of `strata status`: one block per layer, one row per component, its
    /// reasons under it. Plain text (no colour) so it pastes into tickets and runbooks.
    pub fn to_table(&self, context: &str) -> String {
        let rows: Vec<[String; 6]> = self
            .components()
            .map(|c| {
                [
                    c.name.clone(),
                    c.tool_name.clone().unwrap_or_else(|| "-".into()),
                    if c.namespace.is_empty() {
                        "-".into()
                    } else {
                        c.namespace.clone()
                    },
                    c.release.clone().unwrap_or_else(|| "-".into()),
                    c.health.as_str().to_string(),
                    workload_summary(c),
                ]
            })
            .collect();
        let headers = [
            "COMPONENT",
            "TOOL",
            "NAMESPACE",
            "RELEASE",
            "HEALTH",
            "WORKLOADS",
        ];
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[&str]| {
            let mut out = String::from("  ");
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            out.trim_end().to_string()
        };
        let mut out = String::new();
        let total = self.component_count();
        let count = |h: Health| self.components().filter(|c| c.health == h).count();
        out.push_str(&format!(
            "context {context}: {total} components, {} healthy, {} degraded, {} down, {} unknown\n",
            count(Health::Healthy),
            count(Health::Degraded),
            count(Health::Down),
            count(Health::Unknown)
        ));
        let mut row = rows.iter();
        for layer in &self.layers {
            out.push('\n');
            out.push_str(&format!(
                "{} ({}): {}\n",
                layer.layer.title().to_uppercase(),
                layer.layer.id(),
                layer.health
            ));
            out.push_str(&line(&headers));
            out.push('\n');
            for component in &layer.components {
                let Some(cells) = row.next() else { break };
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                out.push_str(&line(&cells));
                out.push('\n');
                for reason in &component.reasons {
                    out.push_str("      ! ");
                    out.push_str(reason);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// `7 workloads, 6 healthy · runs 3 running, 1 failed`.
pub fn workload_summary(c: &ComponentReport) -> String {
    let healthy = c
        .workloads
        .iter()
        .filter(|w| w.health == Health::Healthy)
        .count();
    let mut out = match c.workloads.len() {
        0 => "no workloads".to_string(),
        n => format!("{healthy}/{n} healthy"),
    };
    if c.runs.total() > 0 {
        out.push_str(&format!(
            "; runs: {} running, {} ok, {} failed",
            c.runs.running, c.runs.succeeded, c.runs.failed
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(name: &str, health: Health, reasons: &[&str]) -> ComponentReport {
        ComponentReport {
            name: name.into(),
            tool: Some("airflow".into()),
            tool_name: Some("Airflow".into()),
            namespace: "orchestration".into(),
            release: Some(name.into()),
            release_revision: None,
            layer: Layer::Orchestration,
            health,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            workloads: vec![WorkloadReport {
                kind: "Deployment".into(),
                name: format!("{name}-scheduler"),
                namespace: "orchestration".into(),
                role: "scheduler".into(),
                ready: "0/1".into(),
                health,
            }],
            runs: RunSummary::default(),
            services: Vec::new(),
        }
    }

    fn report(health: Health) -> StackReport {
        StackReport {
            layers: vec![LayerReport {
                layer: Layer::Orchestration,
                health,
                components: vec![component(
                    "airflow",
                    health,
                    &["airflow-scheduler 0/1 ready: CrashLoopBackOff, 14 restarts"],
                )],
            }],
            generated: DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    #[test]
    fn the_json_has_exactly_the_documented_shape() {
        let mut report = report(Health::Down);
        report.layers[0].components[0].runs = RunSummary {
            running: 1,
            succeeded: 4,
            failed: 2,
            last_failure: Some(RunFailure {
                run: "orchestration/etl-load-1xk2".into(),
                name: "etl.load".into(),
                noun: "runs of task".into(),
                finished: DateTime::from_timestamp(60, 0),
                reason: Some("container base failed (exit code 1)".into()),
            }),
        };
        let json = report.to_json("prod");
        assert_eq!(
            json,
            json!({"context": "prod", "layers": [{"layer": "orchestration", "health": "down",
                "components": [{"name": "airflow", "tool": "airflow", "namespace": "orchestration",
                    "release": "airflow", "health": "down",
                    "reasons": ["airflow-scheduler 0/1 ready: CrashLoopBackOff, 14 restarts"],
                    "workloads": [{"kind": "Deployment", "name": "airflow-scheduler",
                        "namespace": "orchestration", "ready": "0/1", "health": "down"}],
                    "runs": {"running": 1, "succeeded": 4, "failed": 2, "last_failure": {
                        "run": "orchestration/etl-load-1xk2", "name": "etl.load",
                        "finished": "1970-01-01T00:01:00+00:00",
                        "reason": "container base failed (exit code 1)"}}}]}]})
        );
    }

    #[test]
    fn fail_on_levels() {
        assert!(report(Health::Degraded).fails(FailOn::Degraded));
        assert!(!report(Health::Degraded).fails(FailOn::Down));
        assert!(report(Health::Down).fails(FailOn::Down));
        assert!(!report(Health::Healthy).fails(FailOn::Degraded));
        assert!(!report(Health::Unknown).fails(FailOn::Degraded));
    }

    #[test]
    fn the_table_lists_reasons_under_their_component() {
        let table = report(Health::Down).to_table("prod");
        let expected = "\
context prod: 1 components, 0 healthy, 0 degraded, 1 down, 0 unknown

ORCHESTRATION (orchestration): down
  COMPONENT  TOOL     NAMESPACE      RELEASE  HEALTH  WORKLOADS
  airflow    Airflow  orchestration  airflow  down    0/1 healthy
      ! airflow-scheduler 0/1 ready: CrashLoopBackOff, 14 restarts
";
        assert_eq!(table, expected);
    }
}
