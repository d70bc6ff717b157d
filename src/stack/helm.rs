//! What the stack needs to know about a Helm release: the newest revision's status, chart and
//! description, taken from a decoded release (see `crate::release`) or, for a Secret that does
//! not decode, from the labels Helm puts on its storage Secrets.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::object::{ObjectKind, ObjectState, StackObject};
use crate::release::{HelmRelease, ReleaseStatus};
use strata_common::sym::Sym;

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
    /// Why the revision's payload could not be read (the rest comes from the Secret's
    /// labels then).
    pub unreadable: Option<String>,
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
            unreadable: None,
        }
    }

    /// What the labels of a release Secret (`owner=helm`, `name`, `version`, `status`,
    /// `modifiedAt`/`createdAt`) say, for Secrets whose payload cannot be decoded.
    pub fn from_secret_labels(secret: &Value) -> Option<ReleaseFacts> {
        let labels = &secret["metadata"]["labels"];
        ReleaseFacts::from_labels(
            secret["metadata"]["namespace"].as_str().unwrap_or_default(),
            |key| labels[key].as_str(),
        )
    }

    /// [`ReleaseFacts::from_secret_labels`] over labels read through `label`.
    pub fn from_labels<'a>(
        namespace: &str,
        label: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<ReleaseFacts> {
        let name = label("name")?;
        let revision = label("version")?.parse().ok()?;
        let updated = label("modifiedAt")
            .or_else(|| label("createdAt"))
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|t| DateTime::from_timestamp(t, 0));
        Some(ReleaseFacts {
            name: name.to_string(),
            namespace: namespace.to_string(),
            revision,
            status: ReleaseStatus::parse(label("status").unwrap_or_default()),
            chart: String::new(),
            chart_version: String::new(),
            app_version: String::new(),
            description: String::new(),
            updated,
            unreadable: None,
        })
    }

    /// The release as an object the rules can judge (by its chart, as for any object
    /// carrying `helm.sh/chart`).
    pub fn as_object(&self) -> StackObject {
        let labels: super::object::Labels = if self.chart.is_empty() {
            Default::default()
        } else {
            [(
                "helm.sh/chart",
                format!("{}-{}", self.chart, self.chart_version),
            )]
            .into_iter()
            .collect()
        };
        StackObject {
            kind: ObjectKind::Other(Sym::intern("HelmRelease")),
            name: Sym::intern(&self.name),
            namespace: Sym::intern(&self.namespace),
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
            unreadable: None,
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
