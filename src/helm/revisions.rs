//! A release's revisions read from its storage Secrets through the Kubernetes API (no helm),
//! and the unlock of a revision stuck in `pending-*`: Helm's own storage, rewritten as
//! `failed` — what Flux's helm-controller does — so the history says what happened.

use std::collections::BTreeMap;

use base64::Engine;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams, Patch, PatchParams};

use crate::release::{HelmRelease, ReleaseStatus, decode_release, encode_release};

/// One revision: its number and status from the Secret's labels, the decoded release when
/// the payload reads.
#[derive(Clone, Debug)]
pub struct Revision {
    pub number: u32,
    pub status: ReleaseStatus,
    pub release: Result<HelmRelease, String>,
    pub secret_name: String,
    /// The Secret's labels and annotations (a GitOps tool may mark the storage too).
    pub secret_labels: BTreeMap<String, String>,
    pub secret_annotations: BTreeMap<String, String>,
    /// When the Secret was written (how long a pending revision has been pending).
    pub created: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every revision of `name` in `namespace`, oldest first.
pub async fn read_revisions(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Vec<Revision>, kube::Error> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let listed = secrets
        .list(&ListParams::default().labels(&format!("owner=helm,name={name}")))
        .await?;
    let mut revisions: Vec<Revision> = listed.items.into_iter().filter_map(revision).collect();
    revisions.sort_by_key(|r| r.number);
    Ok(revisions)
}

fn revision(secret: Secret) -> Option<Revision> {
    let labels = secret.metadata.labels.clone().unwrap_or_default();
    let number = labels.get("version")?.parse().ok()?;
    let release = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .ok_or_else(|| "the Secret has no data.release".to_string())
        .and_then(|data| decode_release(&data.0).map_err(|e| e.to_string()));
    // The payload is what helm reads; the label is what it selects on.
    let status = match &release {
        Ok(release) => release.info.status,
        Err(_) => ReleaseStatus::parse(labels.get("status").map_or("", String::as_str)),
    };
    Some(Revision {
        number,
        status,
        release,
        secret_name: secret.metadata.name.clone().unwrap_or_default(),
        secret_labels: labels.clone(),
        secret_annotations: secret.metadata.annotations.clone().unwrap_or_default(),
        // Helm's own `createdAt` label (Unix seconds).
        created: labels
            .get("createdAt")
            .and_then(|s| s.parse().ok())
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
    })
}

/// Marks a pending revision `failed` in both places helm looks: the payload (what
/// `helm history` shows) and the `status` label (what it selects on). Editing the label alone
/// is not enough (helm/helm#11705).
pub async fn unlock_pending(
    client: &kube::Client,
    namespace: &str,
    revision: &Revision,
) -> Result<(), String> {
    let mut release = revision.release.clone()?;
    if !release.info.status.is_pending() {
        return Err(format!(
            "revision {} is {}, not pending",
            revision.number,
            release.info.status.as_str()
        ));
    }
    let was = release.info.status.as_str();
    release.info.status = ReleaseStatus::Failed;
    release.info.description = format!("{was} unlocked by Strata: marked failed");
    let payload = base64::engine::general_purpose::STANDARD.encode(encode_release(&release));
    let patch = serde_json::json!({
        "metadata": {"labels": {
            "status": ReleaseStatus::Failed.as_str(),
            "modifiedAt": chrono::Utc::now().timestamp().to_string(),
        }},
        "data": {"release": payload},
    });
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    secrets
        .patch(
            &revision.secret_name,
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What the release Secrets say of the newest revision now (`revision 4 is deployed`), read
/// after helm ran, whatever helm said.
pub async fn newest_said(client: &kube::Client, namespace: &str, name: &str) -> String {
    read_revisions(client, namespace, name)
        .await
        .ok()
        .and_then(|r| r.last().map(|r| (r.number, r.status)))
        .map(|(number, status)| format!("revision {number} is {}", status.as_str()))
        .unwrap_or_else(|| "the new revision could not be read back".into())
}
