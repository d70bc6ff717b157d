//! The server's word on an upgrade before it is applied: each object the upgrade creates or
//! changes, sent as a server-side dry-run apply. The API server validates it against the
//! live object and stores nothing, so an immutable field (a Deployment's selector, a Job's
//! template) comes back as its 422 naming the field — which helm's own `--dry-run=server`
//! does not catch, because it returns before applying.

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::Scope;
use serde_json::Value;

use super::plan::{Change, ObjectChange, manifest_objects, object_key};

/// The field manager of the dry runs (never stored).
const MANAGER: &str = "strata-preflight";

/// What the dry runs said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preflight {
    /// Objects the server refuses: each stops the upgrade.
    pub refused: Vec<String>,
    /// Objects that could not be checked (an unknown kind, a forbidden dry run).
    pub unchecked: Vec<String>,
}

/// Dry-run applies the objects of `manifest` that `changes` creates or changes, in
/// `namespace` where they are namespaced.
pub async fn server_dry_run(
    client: &kube::Client,
    namespace: &str,
    manifest: &str,
    changes: &[ObjectChange],
) -> Preflight {
    let mut said = Preflight::default();
    for object in manifest_objects(manifest) {
        let key = object_key(&object);
        let touched = changes
            .iter()
            .any(|c| c.object == key && c.change != Change::Removed);
        if !touched {
            continue;
        }
        match dry_run_apply(client, namespace, object).await {
            Ok(()) => {}
            Err(Refusal::Refused(why)) => said.refused.push(format!("{key}: {why}")),
            Err(Refusal::Unchecked(why)) => said.unchecked.push(format!("{key}: {why}")),
        }
    }
    said
}

enum Refusal {
    Refused(String),
    Unchecked(String),
}

async fn dry_run_apply(
    client: &kube::Client,
    namespace: &str,
    mut object: Value,
) -> Result<(), Refusal> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, capabilities) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .map_err(|e| Refusal::Unchecked(format!("the server does not serve it ({e})")))?;
    let api: Api<DynamicObject> = if capabilities.scope == Scope::Namespaced {
        // helm installs into the release's namespace what names none.
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or(namespace)
            .to_string();
        object["metadata"]["namespace"] = Value::String(ns.clone());
        Api::namespaced_with(client.clone(), &ns, &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    };
    // Forced: helm's own manager owns these fields, and a dry run takes nothing from it.
    let params = PatchParams::apply(MANAGER).dry_run().force();
    match api.patch(&name, &params, &Patch::Apply(&object)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 422 || status.code == 400 => {
            Err(Refusal::Refused(status.message.clone()))
        }
        Err(error) => Err(Refusal::Unchecked(format!("the dry run failed: {error}"))),
    }
}
