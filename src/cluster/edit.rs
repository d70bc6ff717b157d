//! Editing one object as `kubectl edit` does, but never overwriting: its YAML as read (no
//! managedFields, resourceVersion kept), the edit checked and diffed, then a replace at the
//! resourceVersion it was opened on, so a change made meanwhile is a conflict, not lost.

use kube::Client;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::Value;

use super::ResourceKind;

/// The object's YAML to edit: what the server holds minus managedFields (noise nobody edits,
/// and a replace rewrites them anyway) and status (the server ignores it on replace).
pub fn editable_yaml(object: &Value) -> Result<String, String> {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    serde_saphyr::to_string(&object).map_err(|e| format!("cannot write the object as YAML: {e}"))
}

/// The resourceVersion a text carries (the one the object was opened on).
pub fn resource_version(yaml: &str) -> Option<String> {
    let value: Value = serde_saphyr::from_str(yaml).ok()?;
    value["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string)
}

/// What the operator's text asks for, checked before anything is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Checked {
    /// The same object as opened (whitespace and comments aside).
    Unchanged,
    /// The object to send, pinned to the resourceVersion it was opened on.
    Changed(Value),
}

/// Checks `edited` against `original`: YAML that parses to an object, still the same kind,
/// name and namespace (a rename is a different object: that is a create, not an edit).
pub fn check(original: &str, edited: &str) -> Result<Checked, String> {
    let before: Value = serde_saphyr::from_str(original)
        .map_err(|e| format!("the object as opened does not parse: {e}"))?;
    let mut after: Value = serde_saphyr::from_str(edited)
        .map_err(|e| format!("not valid YAML (your text is kept; fix it and ctrl-s): {e}"))?;
    if !after.is_object() {
        return Err("the text must be one object (a YAML mapping); your text is kept".into());
    }
    if after == before {
        return Ok(Checked::Unchanged);
    }
    for (field, path) in [
        ("kind", &["kind"][..]),
        ("apiVersion", &["apiVersion"][..]),
        ("metadata.name", &["metadata", "name"][..]),
        ("metadata.namespace", &["metadata", "namespace"][..]),
    ] {
        let at = |v: &Value| path.iter().fold(v.clone(), |v, key| v[*key].clone());
        if at(&before) != at(&after) {
            return Err(format!(
                "{field} cannot change in an edit (it would be another object); your text is kept"
            ));
        }
    }
    // Pinned: whatever the text says, the replace is made against what was opened.
    after["metadata"]["resourceVersion"] = before["metadata"]["resourceVersion"].clone();
    Ok(Checked::Changed(after))
}

/// The changed lines of the edit, as the dialog shows them before confirming.
pub fn diff(original: &str, edited: &str) -> Vec<String> {
    let (old, new): (Vec<String>, Vec<String>) = (
        original.lines().map(str::to_string).collect(),
        edited.lines().map(str::to_string).collect(),
    );
    crate::stack::release_diff::changes(&old, &new)
}

fn api(client: &Client, resource: &ResourceKind, namespace: &str) -> Api<DynamicObject> {
    if namespace.is_empty() {
        Api::all_with(client.clone(), &resource.api_resource())
    } else {
        Api::namespaced_with(client.clone(), namespace, &resource.api_resource())
    }
}

/// Reads the object as the server has it now, to edit.
pub async fn read(
    client: &Client,
    resource: &ResourceKind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let object = api(client, resource, namespace)
        .get(name)
        .await
        .map_err(|e| {
            format!(
                "cannot read {} {name}: {}",
                resource.kind,
                super::with_causes(&e)
            )
        })?;
    let value = serde_json::to_value(&object).map_err(|e| e.to_string())?;
    editable_yaml(&value)
}

/// Replaces the object with the edit, at the resourceVersion it was opened on. A conflict
/// says which version the server has now; nothing is retried (that would overwrite).
pub async fn replace(
    client: &Client,
    resource: &ResourceKind,
    namespace: &str,
    name: &str,
    original: &str,
    edited: &str,
) -> Result<String, String> {
    let object = match check(original, edited)? {
        Checked::Unchanged => return Ok("no change: nothing was sent".into()),
        Checked::Changed(object) => object,
    };
    let opened = resource_version(original).unwrap_or_default();
    let object: DynamicObject =
        serde_json::from_value(object).map_err(|e| format!("not a Kubernetes object: {e}"))?;
    let api = api(client, resource, namespace);
    let what = format!("{} {name}", resource.kind);
    match api.replace(name, &PostParams::default(), &object).await {
        Ok(saved) => Ok(format!(
            "{what} edited (resourceVersion {opened} → {})",
            saved.metadata.resource_version.unwrap_or_default()
        )),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let now = api
                .get(name)
                .await
                .ok()
                .and_then(|o| o.metadata.resource_version)
                .unwrap_or_else(|| "?".into());
            Err(conflict(&what, &opened, &now))
        }
        Err(e) => Err(format!(
            "cannot edit {what}: {}; your edit is kept: e re-opens it",
            super::with_causes(&e)
        )),
    }
}

/// What a conflict tells the operator: nothing was overwritten, and the way on.
pub fn conflict(what: &str, opened: &str, now: &str) -> String {
    format!(
        "conflict: {what} changed on the server since you opened it (resourceVersion {opened} → \
         {now}); nothing was overwritten and your edit is kept: e re-opens it over the new version"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENED: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\n  resourceVersion: '7'\ndata:\n  mode: fast\n";

    #[test]
    fn managed_fields_go_and_the_resource_version_stays() {
        let object = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "resourceVersion": "42",
                "managedFields": [{"manager": "kubectl"}]}});
        let yaml = editable_yaml(&object).unwrap();
        assert!(!yaml.contains("managedFields"), "{yaml}");
        assert_eq!(resource_version(&yaml).as_deref(), Some("42"));
    }

    #[test]
    fn an_edit_is_checked_unchanged_invalid_renamed_or_pinned_to_its_version() {
        assert_eq!(check(OPENED, OPENED), Ok(Checked::Unchanged));
        // Reformatted but the same object.
        let same = OPENED.replace("'7'", "\"7\"");
        assert_eq!(check(OPENED, &same), Ok(Checked::Unchanged));
        assert!(
            check(OPENED, "data: [unclosed")
                .unwrap_err()
                .contains("not valid YAML")
        );
        assert!(
            check(OPENED, "- a\n- b\n")
                .unwrap_err()
                .contains("one object")
        );
        let renamed = OPENED.replace("name: app", "name: other");
        assert!(
            check(OPENED, &renamed)
                .unwrap_err()
                .contains("metadata.name")
        );
        // The operator's text cannot move the version it is replaced at.
        let edited = OPENED
            .replace("fast", "slow")
            .replace("resourceVersion: '7'", "resourceVersion: '99'");
        let Ok(Checked::Changed(object)) = check(OPENED, &edited) else {
            panic!("a changed object");
        };
        assert_eq!(object["metadata"]["resourceVersion"], "7");
        assert_eq!(object["data"]["mode"], "slow");
        let lines = diff(OPENED, &edited);
        assert!(lines.contains(&"-   mode: fast".to_string()), "{lines:?}");
        assert!(lines.contains(&"+   mode: slow".to_string()), "{lines:?}");
    }

    #[test]
    fn a_conflict_names_both_versions_and_keeps_the_edit() {
        let said = conflict("ConfigMap app", "7", "9");
        assert!(said.contains("7 → 9"), "{said}");
        assert!(said.contains("your edit is kept"), "{said}");
    }
}
