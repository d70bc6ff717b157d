//! The resource kinds the simulator serves: API group, version, plural, kind, scope and short
//! names, as discovery publishes them. Built-ins are data; CRDs are added at run time.

use serde_json::{Value, json};

/// One servable resource (a row of `/api/v1` or `/apis/<group>/<version>` discovery).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group; empty for the core (`/api/v1`) group.
    pub group: String,
    pub version: String,
    /// Lower-case plural used in URLs (`pods`).
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Subresources served under `<plural>/<sub>` (`status`, `scale`, `log`…).
    pub subresources: Vec<String>,
    /// Verbs advertised in discovery; `create`-only kinds (access reviews) are not stored.
    pub verbs: Vec<String>,
}

impl ResourceInfo {
    /// `apiVersion` as written in objects: `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The storage key (group + plural); versions share storage.
    pub fn key(&self) -> ResKey {
        ResKey {
            group: self.group.clone(),
            resource: self.plural.clone(),
        }
    }

    pub fn has_subresource(&self, sub: &str) -> bool {
        self.subresources.iter().any(|s| s == sub)
    }

    /// Whether this kind is persisted (review kinds are computed per request).
    pub fn is_stored(&self) -> bool {
        self.verbs.iter().any(|v| v == "get")
    }

    /// The `APIResource` discovery entries for this resource and its subresources.
    pub fn discovery_entries(&self) -> Vec<Value> {
        let mut out = vec![json!({
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": self.verbs,
            "shortNames": self.short_names,
            "categories": self.categories,
            "storageVersionHash": format!("{:x}", fnv(&self.api_version(), &self.plural)),
        })];
        for sub in &self.subresources {
            let (kind, verbs, group, version): (&str, Vec<&str>, Option<&str>, Option<&str>) =
                match sub.as_str() {
                    "status" => (&self.kind, vec!["get", "patch", "update"], None, None),
                    "scale" => (
                        "Scale",
                        vec!["get", "patch", "update"],
                        Some("autoscaling"),
                        Some("v1"),
                    ),
                    "log" => ("Pod", vec!["get"], None, None),
                    "portforward" => ("PodPortForwardOptions", vec!["create", "get"], None, None),
                    "exec" => ("PodExecOptions", vec!["create", "get"], None, None),
                    "eviction" => ("Eviction", vec!["create"], Some("policy"), Some("v1")),
                    _ => (&self.kind, vec!["get"], None, None),
                };
            let mut entry = json!({
                "name": format!("{}/{}", self.plural, sub),
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if let (Some(g), Some(v)) = (group, version) {
                entry["group"] = json!(g);
                entry["version"] = json!(v);
            }
            out.push(entry);
        }
        out
    }
}

/// Storage key of a resource: its group and plural (`("apps", "deployments")`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResKey {
    pub group: String,
    pub resource: String,
}

impl ResKey {
    pub fn new(group: &str, resource: &str) -> Self {
        ResKey {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }
}

fn fnv(a: &str, b: &str) -> u64 {
    super::ids::fnv1a(a.bytes().chain([0u8]).chain(b.bytes()))
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

#[allow(clippy::too_many_arguments)]
fn res(
    group: &str,
    version: &str,
    plural: &str,
    singular: &str,
    kind: &str,
    namespaced: bool,
    short: &[&str],
    subs: &[&str],
) -> ResourceInfo {
    ResourceInfo {
        group: group.into(),
        version: version.into(),
        plural: plural.into(),
        singular: singular.into(),
        kind: kind.into(),
        namespaced,
        short_names: short.iter().map(|s| s.to_string()).collect(),
        categories: Vec::new(),
        subresources: subs.iter().map(|s| s.to_string()).collect(),
        verbs: RW.iter().map(|s| s.to_string()).collect(),
    }
}

/// The built-in kinds, in discovery order.
pub fn builtin() -> Vec<ResourceInfo> {
    let mut all = vec![
        res(
            "",
            "v1",
            "namespaces",
            "namespace",
            "Namespace",
            false,
            &["ns"],
            &["status"],
        ),
        res(
            "",
            "v1",
            "nodes",
            "node",
            "Node",
            false,
            &["no"],
            &["status"],
        ),
        res(
            "",
            "v1",
            "pods",
            "pod",
            "Pod",
            true,
            &["po"],
            &["status", "log", "portforward", "exec", "eviction"],
        ),
        res(
            "",
            "v1",
            "services",
            "service",
            "Service",
            true,
            &["svc"],
            &["status"],
        ),
        res(
            "",
            "v1",
            "endpoints",
            "endpoints",
            "Endpoints",
            true,
            &["ep"],
            &[],
        ),
        res(
            "",
            "v1",
            "configmaps",
            "configmap",
            "ConfigMap",
            true,
            &["cm"],
            &[],
        ),
        res("", "v1", "secrets", "secret", "Secret", true, &[], &[]),
        res("", "v1", "events", "event", "Event", true, &["ev"], &[]),
        res(
            "",
            "v1",
            "serviceaccounts",
            "serviceaccount",
            "ServiceAccount",
            true,
            &["sa"],
            &[],
        ),
        res(
            "",
            "v1",
            "persistentvolumeclaims",
            "persistentvolumeclaim",
            "PersistentVolumeClaim",
            true,
            &["pvc"],
            &["status"],
        ),
        res(
            "",
            "v1",
            "persistentvolumes",
            "persistentvolume",
            "PersistentVolume",
            false,
            &["pv"],
            &["status"],
        ),
        res(
            "apps",
            "v1",
            "deployments",
            "deployment",
            "Deployment",
            true,
            &["deploy"],
            &["status", "scale"],
        ),
        res(
            "apps",
            "v1",
            "replicasets",
            "replicaset",
            "ReplicaSet",
            true,
            &["rs"],
            &["status", "scale"],
        ),
        res(
            "apps",
            "v1",
            "statefulsets",
            "statefulset",
            "StatefulSet",
            true,
            &["sts"],
            &["status", "scale"],
        ),
        res(
            "apps",
            "v1",
            "daemonsets",
            "daemonset",
            "DaemonSet",
            true,
            &["ds"],
            &["status"],
        ),
        res(
            "apps",
            "v1",
            "controllerrevisions",
            "controllerrevision",
            "ControllerRevision",
            true,
            &[],
            &[],
        ),
        res("batch", "v1", "jobs", "job", "Job", true, &[], &["status"]),
        res(
            "batch",
            "v1",
            "cronjobs",
            "cronjob",
            "CronJob",
            true,
            &["cj"],
            &["status"],
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "roles",
            "role",
            "Role",
            true,
            &[],
            &[],
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "rolebinding",
            "RoleBinding",
            true,
            &[],
            &[],
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterroles",
            "clusterrole",
            "ClusterRole",
            false,
            &[],
            &[],
        ),
        res(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "clusterrolebinding",
            "ClusterRoleBinding",
            false,
            &[],
            &[],
        ),
        res(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "poddisruptionbudget",
            "PodDisruptionBudget",
            true,
            &["pdb"],
            &["status"],
        ),
        res(
            "networking.k8s.io",
            "v1",
            "ingresses",
            "ingress",
            "Ingress",
            true,
            &["ing"],
            &["status"],
        ),
        res(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "networkpolicy",
            "NetworkPolicy",
            true,
            &["netpol"],
            &[],
        ),
        res(
            "admissionregistration.k8s.io",
            "v1",
            "mutatingwebhookconfigurations",
            "mutatingwebhookconfiguration",
            "MutatingWebhookConfiguration",
            false,
            &[],
            &[],
        ),
        res(
            "admissionregistration.k8s.io",
            "v1",
            "validatingwebhookconfigurations",
            "validatingwebhookconfiguration",
            "ValidatingWebhookConfiguration",
            false,
            &[],
            &[],
        ),
        res(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            false,
            &["crd", "crds"],
            &["status"],
        ),
        res(
            "coordination.k8s.io",
            "v1",
            "leases",
            "lease",
            "Lease",
            true,
            &[],
            &[],
        ),
        res(
            "storage.k8s.io",
            "v1",
            "storageclasses",
            "storageclass",
            "StorageClass",
            false,
            &["sc"],
            &[],
        ),
    ];
    let mut ssar = res(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        false,
        &[],
        &[],
    );
    ssar.verbs = vec!["create".into()];
    let mut ssrr = res(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        false,
        &[],
        &[],
    );
    ssrr.verbs = vec!["create".into()];
    all.push(ssar);
    all.push(ssrr);
    for r in &mut all {
        if matches!(
            r.plural.as_str(),
            "pods"
                | "services"
                | "deployments"
                | "replicasets"
                | "statefulsets"
                | "daemonsets"
                | "jobs"
                | "cronjobs"
        ) {
            r.categories = vec!["all".into()];
        }
    }
    all
}

/// Resources described by a stored CustomResourceDefinition (one per served version).
pub fn from_crd(crd: &Value) -> Vec<ResourceInfo> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let names = &spec["names"];
    let plural = names["plural"].as_str().unwrap_or_default();
    let kind = names["kind"].as_str().unwrap_or_default();
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let singular = names["singular"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_lowercase());
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let mut out = Vec::new();
    for v in spec["versions"].as_array().into_iter().flatten() {
        if v["served"].as_bool() == Some(false) {
            continue;
        }
        let Some(version) = v["name"].as_str() else {
            continue;
        };
        let mut subs = Vec::new();
        if v["subresources"]["status"].is_object() {
            subs.push("status".to_string());
        }
        if v["subresources"]["scale"].is_object() {
            subs.push("scale".to_string());
        }
        out.push(ResourceInfo {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            singular: singular.clone(),
            kind: kind.into(),
            namespaced,
            short_names: strings(&names["shortNames"]),
            categories: strings(&names["categories"]),
            subresources: subs,
            verbs: RW.iter().map(|s| s.to_string()).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_and_group_api_versions() {
        let all = builtin();
        let pods = all.iter().find(|r| r.plural == "pods").unwrap();
        assert_eq!(pods.api_version(), "v1");
        let deploy = all.iter().find(|r| r.plural == "deployments").unwrap();
        assert_eq!(deploy.api_version(), "apps/v1");
        assert!(deploy.has_subresource("scale"));
    }

    #[test]
    fn crd_versions_become_resources() {
        let crd = json!({"spec": {"group": "clickhouse.altinity.com", "scope": "Namespaced",
            "names": {"plural": "clickhouseinstallations", "kind": "ClickHouseInstallation", "shortNames": ["chi"]},
            "versions": [{"name": "v1", "served": true, "subresources": {"status": {}}}, {"name": "v0", "served": false}]}});
        let r = from_crd(&crd);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].api_version(), "clickhouse.altinity.com/v1");
        assert_eq!(r[0].short_names, vec!["chi"]);
        assert!(r[0].has_subresource("status"));
    }
}
