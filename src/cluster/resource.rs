//! Rows of any kind: an API object projected through the shared printers into kubectl's cells,
//! plus what the cockpit needs besides (labels for `-l` filters, owners and selectors for
//! drilling down). The full object stays in the watch's reflector store.

use std::sync::Arc;

use kube::api::DynamicObject;
use serde_json::Value;

use super::PodHealth;
use super::catalog::ResourceKind;
use crate::printers::{self, Cell, CustomColumns, Printer};

/// Identity of a row; cluster-scoped objects have an empty namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    pub namespace: String,
    pub name: String,
}

impl RowKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> RowKey {
        RowKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// A table column as shown: its kubectl header and whether only `-o wide` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnHeader {
    /// Upper-case, as kubectl prints it (`RESTARTS`).
    pub name: String,
    pub wide: bool,
}

/// What Enter on a row opens: another kind, narrowed to what belongs to the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drill {
    /// The plural of the kind to open (`pods`, `jobs`).
    pub plural: &'static str,
    /// Namespace to open it in (`None`: all).
    pub namespace: Option<String>,
    /// A server-side label selector (`app=airflow,component=worker`).
    pub label_selector: Option<String>,
    /// A server-side field selector (`spec.nodeName=worker-1`).
    pub field_selector: Option<String>,
    /// Keep only objects with this owner UID (CronJob → Jobs carry no labels to select by).
    pub owner_uid: Option<String>,
}

/// One row of a resource table.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceRow {
    pub key: RowKey,
    pub uid: String,
    pub cells: Vec<Cell>,
    /// Sorted by key.
    pub labels: Vec<(String, String)>,
    pub owner_uids: Vec<String>,
    /// For colouring: what the row's status means.
    pub health: PodHealth,
    /// Boxed: most rows have none, and rows travel through the inbox by value.
    pub drill: Option<Box<Drill>>,
}

/// How objects of one kind become cells: a built-in printer or a custom resource's columns.
#[derive(Clone, Debug)]
pub enum Projector {
    Builtin(Printer),
    Custom(Arc<CustomColumns>),
}

impl Projector {
    /// The built-in printer, else `NAME`/`AGE` until a CRD's columns are known.
    pub fn for_kind(kind: &ResourceKind) -> Projector {
        match printers::printer_for(&kind.group, &kind.plural) {
            Some(printer) => Projector::Builtin(printer),
            None => Projector::Custom(Arc::new(printers::default_columns())),
        }
    }

    pub fn headers(&self) -> Vec<ColumnHeader> {
        let header = |name: &str, priority: i64| ColumnHeader {
            name: name.to_uppercase(),
            wide: priority > 0,
        };
        match self {
            Projector::Builtin(printer) => printer
                .columns
                .iter()
                .map(|c| header(c.name, c.priority))
                .collect(),
            Projector::Custom(columns) => columns
                .headers()
                .iter()
                .map(|(name, priority)| header(name, *priority))
                .collect(),
        }
    }

    pub fn cells(&self, object: &Value) -> Vec<Cell> {
        match self {
            Projector::Builtin(printer) => (printer.cells)(object),
            Projector::Custom(columns) => columns.cells(object),
        }
    }

    /// The row of one object of `kind`.
    pub fn row(&self, kind: &ResourceKind, object: &DynamicObject) -> ResourceRow {
        // The printers read JSON as the API server sends it; one conversion per change.
        let value = serde_json::to_value(object).unwrap_or(Value::Null);
        let meta = &object.metadata;
        let key = RowKey::new(
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        );
        let cells = self.cells(&value);
        let headers = self.headers();
        let health = health_of(&kind.plural, &headers, &cells);
        let mut labels: Vec<(String, String)> = meta
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        labels.sort();
        let owner_uids = meta
            .owner_references
            .iter()
            .flatten()
            .map(|o| o.uid.clone())
            .collect();
        let drill = drill_of(kind, &key, meta.uid.as_deref(), &value).map(Box::new);
        ResourceRow {
            key,
            uid: meta.uid.clone().unwrap_or_default(),
            cells,
            labels,
            owner_uids,
            health,
            drill,
        }
    }
}

/// What a row's cells say about its health, for colour: the STATUS word where there is one,
/// a short READY count, a Warning event.
fn health_of(plural: &str, headers: &[ColumnHeader], cells: &[Cell]) -> PodHealth {
    let text = |name: &str| {
        headers
            .iter()
            .position(|h| h.name == name)
            .and_then(|i| cells.get(i))
            .and_then(|cell| match cell {
                Cell::Text(t) => Some(t.as_str()),
                _ => None,
            })
    };
    let ready = text("READY").and_then(|r| {
        let (a, b) = r.split_once('/')?;
        Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?))
    });
    match plural {
        "pods" => {
            let (ready, total) = ready.unwrap_or((0, 0));
            return PodHealth::of_status(text("STATUS").unwrap_or(""), ready, total);
        }
        "events" => {
            return match text("TYPE") {
                Some("Warning") => PodHealth::Degraded,
                _ => PodHealth::Running,
            };
        }
        "jobs" => {
            return match text("STATUS") {
                Some("Complete") => PodHealth::Completed,
                Some("Failed") | Some("FailureTarget") => PodHealth::Failed,
                Some("Suspended") => PodHealth::Pending,
                Some("Terminating") => PodHealth::Terminating,
                _ => PodHealth::Running,
            };
        }
        _ => {}
    }
    if let Some(status) = text("STATUS") {
        return match status {
            "Active" | "Bound" | "Ready" | "Running" | "Available" | "True" | "Healthy"
            | "Succeeded" | "Complete" | "Completed" | "Established" => PodHealth::Running,
            "Terminating" => PodHealth::Terminating,
            "Pending" | "Progressing" | "Unknown" | "" => PodHealth::Pending,
            _ if status.starts_with("Ready") => PodHealth::Running,
            _ => PodHealth::Failed,
        };
    }
    match ready {
        Some((0, total)) if total > 0 => PodHealth::Failed,
        Some((ready, total)) if ready < total => PodHealth::Degraded,
        _ => PodHealth::Running,
    }
}

/// Where Enter leads from an object of `kind`.
fn drill_of(kind: &ResourceKind, key: &RowKey, uid: Option<&str>, object: &Value) -> Option<Drill> {
    let namespace = Some(key.namespace.clone()).filter(|ns| !ns.is_empty());
    let pods_selected_by = |selector: &Value| {
        let selector = printers::label_selector_string(selector)?;
        // An empty selector selects everything: never what the operator means here.
        (!selector.is_empty()).then(|| Drill {
            plural: "pods",
            namespace: namespace.clone(),
            label_selector: Some(selector),
            field_selector: None,
            owner_uid: None,
        })
    };
    match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "namespaces") => Some(Drill {
            plural: "pods",
            namespace: Some(key.name.clone()),
            label_selector: None,
            field_selector: None,
            owner_uid: None,
        }),
        ("", "nodes") => Some(Drill {
            plural: "pods",
            namespace: None,
            label_selector: None,
            field_selector: Some(format!("spec.nodeName={}", key.name)),
            owner_uid: None,
        }),
        ("apps", "deployments" | "statefulsets" | "daemonsets" | "replicasets")
        | ("batch", "jobs") => pods_selected_by(&object["spec"]["selector"]),
        // A Service's selector is a plain map, the same shape as `matchLabels`.
        ("", "services") => pods_selected_by(&serde_json::json!({
            "matchLabels": object["spec"]["selector"]
        })),
        ("batch", "cronjobs") => Some(Drill {
            plural: "jobs",
            namespace,
            label_selector: None,
            field_selector: None,
            owner_uid: uid.map(str::to_string),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::catalog::Catalog;

    fn object(value: serde_json::Value) -> DynamicObject {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_deployment_row_has_kubectl_cells_and_leads_to_its_pods() {
        let catalog = Catalog::builtin();
        let kind = catalog.resolve("deploy").unwrap();
        let deploy = object(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "airflow-web", "namespace": "orchestration", "uid": "u1",
                         "labels": {"app": "airflow"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"component": "web", "app": "airflow"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "apache/airflow:3"}]}}},
            "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}
        }));
        let projector = Projector::for_kind(kind);
        let headers: Vec<String> = projector
            .headers()
            .into_iter()
            .filter(|h| !h.wide)
            .map(|h| h.name)
            .collect();
        assert_eq!(headers, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
        let row = projector.row(kind, &deploy);
        assert_eq!(row.key, RowKey::new("orchestration", "airflow-web"));
        assert_eq!(row.cells[1], Cell::Text("1/2".into()));
        assert_eq!(row.health, PodHealth::Degraded);
        assert_eq!(row.labels, [("app".to_string(), "airflow".to_string())]);
        let drill = row.drill.unwrap();
        assert_eq!(drill.plural, "pods");
        assert_eq!(drill.namespace.as_deref(), Some("orchestration"));
        assert_eq!(
            drill.label_selector.as_deref(),
            Some("app=airflow,component=web")
        );
    }

    #[test]
    fn secrets_show_counts_never_values() {
        let catalog = Catalog::builtin();
        let kind = catalog.resolve("secrets").unwrap();
        let secret = object(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "platform"},
            "data": {"password": "aHVudGVyMg=="}
        }));
        let row = Projector::for_kind(kind).row(kind, &secret);
        let shown = format!("{:?}", row.cells);
        assert!(!shown.contains("aHVudGVyMg"), "{shown}");
        assert_eq!(row.cells[2], Cell::Int(1));
    }

    #[test]
    fn cronjobs_lead_to_the_jobs_they_own_and_namespaces_to_their_pods() {
        let catalog = Catalog::builtin();
        let kind = catalog.resolve("cj").unwrap();
        let cj = object(serde_json::json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "dbt-nightly", "namespace": "transformation", "uid": "cj-1"},
            "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}
        }));
        let drill = Projector::for_kind(kind).row(kind, &cj).drill.unwrap();
        assert_eq!(
            (drill.plural, drill.owner_uid.as_deref()),
            ("jobs", Some("cj-1"))
        );
        let kind = catalog.resolve("ns").unwrap();
        let ns = object(
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "etl"}}),
        );
        let drill = Projector::for_kind(kind).row(kind, &ns).drill.unwrap();
        assert_eq!(drill.namespace.as_deref(), Some("etl"));
    }
}
