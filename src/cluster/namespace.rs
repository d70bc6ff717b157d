//! The namespace row the cockpit keeps: a name and whether it is being deleted.

use k8s_openapi::api::core::v1::Namespace;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceInfo {
    pub name: String,
    /// `status.phase` is `Terminating` (or a deletion is pending): pods in it are going away.
    pub terminating: bool,
}

impl NamespaceInfo {
    pub fn from_namespace(namespace: &Namespace) -> NamespaceInfo {
        let phase = namespace.status.as_ref().and_then(|s| s.phase.as_deref());
        NamespaceInfo {
            name: namespace.metadata.name.clone().unwrap_or_default(),
            terminating: phase == Some("Terminating")
                || namespace.metadata.deletion_timestamp.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminating_namespaces_are_flagged() {
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "old"}, "status": {"phase": "Terminating"}
        }))
        .unwrap();
        let info = NamespaceInfo::from_namespace(&ns);
        assert_eq!(info.name, "old");
        assert!(info.terminating);
        let active: Namespace =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "data"}})).unwrap();
        assert!(!NamespaceInfo::from_namespace(&active).terminating);
    }
}
