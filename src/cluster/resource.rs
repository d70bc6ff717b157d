//! The compact entry the cache keeps for one object, projected once when it changes: its
//! identity, kubectl's cells from the shared printers, what the cockpit needs besides (labels
//! for `-l` filters, owners and selectors for drilling down) and, for the kinds the layers
//! classify, the stack's facts. The full object is not kept: describe and YAML fetch it.

use std::sync::Arc;

use serde_json::Value;
use strata_common::sym::{Sym, SymMap};

use super::catalog::ResourceKind;
use crate::printers::{self, Cell, CustomColumns, Printer, RowHealth};
use crate::stack::StackObject;

/// Identity of a row; cluster-scoped objects have an empty namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    pub namespace: Sym,
    pub name: Sym,
}

impl RowKey {
    pub fn new(namespace: impl AsRef<str>, name: impl AsRef<str>) -> RowKey {
        RowKey {
            // Thousands of objects share a namespace; a name is its object's own.
            namespace: Sym::intern(namespace.as_ref()),
            name: Sym::unique(name.as_ref()),
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

/// One object as the cache keeps it (shared by every view through an `Arc`).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceRow {
    pub key: RowKey,
    pub uid: Sym,
    pub resource_version: Sym,
    pub cells: Box<[Cell]>,
    pub labels: SymMap,
    pub owner_uids: Box<[Sym]>,
    /// For colouring: what the row's status means.
    pub health: RowHealth,
    /// Boxed: most rows have none.
    pub drill: Option<Box<Drill>>,
    /// The stack's projection, for the kinds the layers classify.
    pub facts: Option<Arc<StackObject>>,
}

impl ResourceRow {
    /// A row of cells alone, with no object behind it (tests, benches, synthetic rows).
    pub fn bare(key: RowKey, cells: Vec<Cell>, health: RowHealth) -> ResourceRow {
        ResourceRow {
            uid: Sym::unique(&format!("{}/{}", key.namespace, key.name)),
            resource_version: Sym::default(),
            key,
            cells: cells.into_boxed_slice(),
            labels: SymMap::new(),
            owner_uids: Box::default(),
            health,
            drill: None,
            facts: None,
        }
    }

    /// A label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(Sym::as_str)
    }
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

    /// The cells of one object and what they mean.
    pub fn cells(&self, object: &Value) -> (Vec<Cell>, RowHealth) {
        match self {
            Projector::Builtin(printer) => printer.row(object),
            Projector::Custom(columns) => {
                let cells = columns.cells(object);
                let health = columns.health(&cells);
                (cells, health)
            }
        }
    }

    /// The entry of one object of `kind`, as the API server sent it; with the stack's facts
    /// when `facts` (the kinds the layers classify).
    pub fn row(&self, kind: &ResourceKind, object: &Value, facts: bool) -> ResourceRow {
        let meta = &object["metadata"];
        let text = |key: &str| meta[key].as_str().unwrap_or_default();
        let key = RowKey::new(text("namespace"), text("name"));
        let (cells, health) = self.cells(object);
        let facts = facts.then(|| Arc::new(StackObject::from_json(object)));
        // A pod's own labels are the stack's labels of it: one map for both.
        let labels: SymMap = match &facts {
            Some(facts) if facts.kind == crate::stack::ObjectKind::Pod => facts.labels.clone(),
            _ => strata_common::json::string_map(&meta["labels"], usize::MAX),
        };
        // An owner's UID repeats in every pod of its ReplicaSet or Job: shared.
        let owner_uids = meta["ownerReferences"]
            .as_array()
            .map(|owners| {
                owners
                    .iter()
                    .filter_map(|o| o["uid"].as_str().map(Sym::intern))
                    .collect()
            })
            .unwrap_or_default();
        let uid = meta["uid"].as_str();
        let drill = drill_of(kind, &key, uid, object).map(Box::new);
        ResourceRow {
            uid: uid.map(Sym::unique).unwrap_or_default(),
            resource_version: Sym::unique(text("resourceVersion")),
            key,
            cells: cells.into_boxed_slice(),
            labels,
            owner_uids,
            health,
            drill,
            facts,
        }
    }
}

/// Where Enter leads from an object of `kind`.
fn drill_of(kind: &ResourceKind, key: &RowKey, uid: Option<&str>, object: &Value) -> Option<Drill> {
    let namespace = Some(key.namespace.to_string()).filter(|ns| !ns.is_empty());
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
            namespace: Some(key.name.to_string()),
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

    fn object(value: serde_json::Value) -> serde_json::Value {
        value
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
        let row = projector.row(kind, &deploy, false);
        assert_eq!(row.key, RowKey::new("orchestration", "airflow-web"));
        assert_eq!(row.cells[1], Cell::Text("1/2".into()));
        assert_eq!(row.health, RowHealth::Degraded);
        assert_eq!(row.label("app"), Some("airflow"));
        assert_eq!(row.labels.len(), 1);
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
        let row = Projector::for_kind(kind).row(kind, &secret, false);
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
        let drill = Projector::for_kind(kind)
            .row(kind, &cj, false)
            .drill
            .unwrap();
        assert_eq!(
            (drill.plural, drill.owner_uid.as_deref()),
            ("jobs", Some("cj-1"))
        );
        let kind = catalog.resolve("ns").unwrap();
        let ns = object(
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "etl"}}),
        );
        let drill = Projector::for_kind(kind)
            .row(kind, &ns, false)
            .drill
            .unwrap();
        assert_eq!(drill.namespace.as_deref(), Some("etl"));
    }
}
