//! What the stack needs to know about a Helm release: the newest revision's status, chart and
//! description, taken from a decoded release (see `crate::release`) or, for a Secret that does
//! not decode, from the labels Helm puts on its storage Secrets.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::object::{ObjectKind, ObjectState, StackObject};
use crate::release::{HelmRelease, ReleaseStatus};

/// One revision of a Helm release, without its manifest and values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseFacts {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    pub status: ReleaseStatus,
    /// Chart name (`airflow`); empty when unknown.
    pub chart: String,
    pub chart_version: String,
    pub app_version: String,
    /// Helm's description of the last operation (`Upgrade "superset" failed: …`).
    pub description: String,
    /// When this revision was deployed (for a pending one: when the operation began).
    pub updated: Option<DateTime<Utc>>,
}

impl ReleaseFacts {
    pub fn from_release(release: &HelmRelease) -> ReleaseFacts {
        let (chart, chart_version) = release
            .chart
            .as_ref()
            .map(|c| (c.metadata.name.clone(), c.metadata.version.clone()))
            .unwrap_or_default();
        ReleaseFacts {
            name: release.name.clone(),
            namespace: release.namespace.clone(),
            revision: release.version,
            status: release.info.status,
            chart,
            chart_version,
            app_version: release.app_version().to_string(),
            description: release.info.description.clone(),
            updated: release.info.last_deployed.or(release.info.first_deployed),
        }
    }

    /// What the labels of a release Secret (`owner=helm`, `name`, `version`, `status`,
    /// `modifiedAt`/`createdAt`) say, for Secrets whose payload cannot be decoded.
    pub fn from_secret_labels(secret: &Value) -> Option<ReleaseFacts> {
        let labels = &secret["metadata"]["labels"];
        let name = labels["name"].as_str()?;
        let revision = labels["version"].as_str()?.parse().ok()?;
        let updated = labels["modifiedAt"]
            .as_str()
            .or_else(|| labels["createdAt"].as_str())
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|t| DateTime::from_timestamp(t, 0));
        Some(ReleaseFacts {
            name: name.to_string(),
            namespace: secret["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            revision,
            status: ReleaseStatus::parse(labels["status"].as_str().unwrap_or_default()),
            chart: String::new(),
            chart_version: String::new(),
            app_version: String::new(),
            description: String::new(),
            updated,
        })
    }

    /// The release as an object the rules can judge (by its chart, as for any object
    /// carrying `helm.sh/chart`).
    pub fn as_object(&self) -> StackObject {
        let mut labels = super::object::Labels::new();
        if !self.chart.is_empty() {
            labels.insert(
                "helm.sh/chart".to_string(),
                format!("{}-{}", self.chart, self.chart_version),
            );
        }
        StackObject {
            kind: ObjectKind::Other("HelmRelease".to_string()),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            labels,
            template_labels: Default::default(),
            annotations: Default::default(),
            owners: Vec::new(),
            containers: Vec::new(),
            selector: Default::default(),
            created: self.updated,
            state: ObjectState::Unreported,
        }
    }
}

/// The newest revision of each release (what `helm list` shows); releases whose newest
/// revision is `uninstalled` (kept with `--keep-history`) are gone and dropped.
pub fn newest_revisions(revisions: impl IntoIterator<Item = ReleaseFacts>) -> Vec<ReleaseFacts> {
    let mut newest: HashMap<(String, String), ReleaseFacts> = HashMap::new();
    for facts in revisions {
        let key = (facts.namespace.clone(), facts.name.clone());
        match newest.get(&key) {
            Some(known) if known.revision >= facts.revision => {}
            _ => {
                newest.insert(key, facts);
            }
        }
    }
    let mut out: Vec<ReleaseFacts> = newest
        .into_values()
        .filter(|f| f.status != ReleaseStatus::Uninstalled)
        .collect();
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(name: &str, revision: u32, status: ReleaseStatus) -> ReleaseFacts {
        ReleaseFacts {
            name: name.into(),
            namespace: "ns".into(),
            revision,
            status,
            chart: "c".into(),
            chart_version: "1.0.0".into(),
            app_version: String::new(),
            description: String::new(),
            updated: None,
        }
    }

    #[test]
    fn the_newest_revision_wins_and_uninstalled_releases_go() {
        let out = newest_revisions([
            facts("a", 1, ReleaseStatus::Superseded),
            facts("a", 3, ReleaseStatus::Failed),
            facts("a", 2, ReleaseStatus::Deployed),
            facts("gone", 4, ReleaseStatus::Uninstalled),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].revision, out[0].status), (3, ReleaseStatus::Failed));
    }

    #[test]
    fn secret_labels_are_enough_for_status() {
        let f = ReleaseFacts::from_secret_labels(&json!({"metadata": {"namespace": "bi",
            "labels": {"owner": "helm", "name": "superset", "version": "3", "status": "failed",
                "createdAt": "1700000000"}}}))
        .unwrap();
        assert_eq!(f.status, ReleaseStatus::Failed);
        assert_eq!(f.revision, 3);
        assert_eq!(f.updated.unwrap().timestamp(), 1_700_000_000);
        assert!(ReleaseFacts::from_secret_labels(&json!({"metadata": {}})).is_none());
    }
}
