//! The kinds the cluster serves and the names people type for them: built from API discovery
//! (plural, singular, kind and short names of every listable resource, CRDs included), with the
//! common built-in kinds known before discovery answers so `:po` works on the first keystroke.

use futures::{StreamExt, stream};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use kube::Client;
use kube::discovery::ApiResource;

use super::with_causes;

/// One listable kind: how to reach it and what it is called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The URL name (`pods`), also the canonical command (`:pods`).
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
}

impl ResourceKind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    /// Whether both name the same resource of the API (whatever names people type for it).
    pub fn same_resource(&self, other: &ResourceKind) -> bool {
        self.group == other.group && self.version == other.version && self.plural == other.plural
    }

    /// `deployments.apps`, as kubectl names a kind unambiguously.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Every name that opens this kind: plural, singular, short names, kind, qualified.
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        [
            self.plural.clone(),
            self.singular.clone(),
            self.kind.to_lowercase(),
            self.qualified(),
        ]
        .into_iter()
        .chain(self.short_names.iter().cloned())
        .filter(|name| !name.is_empty())
    }

    pub(crate) fn builtin(
        group: &str,
        version: &str,
        kind: &str,
        plural: &str,
        short: &[&str],
        namespaced: bool,
    ) -> ResourceKind {
        ResourceKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: kind.to_lowercase(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            namespaced,
        }
    }
}

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "cannot discover the cluster's kinds: {0}; built-in kinds still work, custom resources \
         appear when the API server answers"
    )]
    Discovery(String),
}

/// The known kinds, built-ins first until discovery replaces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    kinds: Vec<ResourceKind>,
    /// Discovery has answered (custom resources are known).
    pub discovered: bool,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::builtin()
    }
}

impl Catalog {
    /// The kinds every cluster serves, with kubectl's short names.
    pub fn builtin() -> Catalog {
        let b = ResourceKind::builtin;
        Catalog {
            kinds: vec![
                b("", "v1", "Pod", "pods", &["po"], true),
                b("apps", "v1", "Deployment", "deployments", &["deploy"], true),
                b("apps", "v1", "StatefulSet", "statefulsets", &["sts"], true),
                b("apps", "v1", "DaemonSet", "daemonsets", &["ds"], true),
                b("apps", "v1", "ReplicaSet", "replicasets", &["rs"], true),
                b("batch", "v1", "Job", "jobs", &[], true),
                b("batch", "v1", "CronJob", "cronjobs", &["cj"], true),
                b("", "v1", "Service", "services", &["svc"], true),
                b("", "v1", "ConfigMap", "configmaps", &["cm"], true),
                b("", "v1", "Secret", "secrets", &[], true),
                b("", "v1", "Event", "events", &["ev"], true),
                b("", "v1", "Namespace", "namespaces", &["ns"], false),
                b("", "v1", "Node", "nodes", &["no"], false),
                b(
                    "",
                    "v1",
                    "PersistentVolumeClaim",
                    "persistentvolumeclaims",
                    &["pvc"],
                    true,
                ),
                b(
                    "apiextensions.k8s.io",
                    "v1",
                    "CustomResourceDefinition",
                    "customresourcedefinitions",
                    &["crd", "crds"],
                    false,
                ),
            ],
            discovered: false,
        }
    }

    pub fn kinds(&self) -> &[ResourceKind] {
        &self.kinds
    }

    /// The kind a typed name means: exact names first (`po`, `pods`, `pod`, `Pod`,
    /// `deployments.apps`), core and built-in groups before custom ones on a clash, as kubectl
    /// prefers them.
    pub fn resolve(&self, name: &str) -> Option<&ResourceKind> {
        let wanted = name.trim().to_lowercase();
        if wanted.is_empty() {
            return None;
        }
        let mut matches = self
            .kinds
            .iter()
            .filter(|kind| kind.names().any(|n| n.to_lowercase() == wanted));
        let first = matches.next()?;
        Some(
            std::iter::once(first)
                .chain(matches)
                .min_by_key(|kind| group_rank(&kind.group))
                .unwrap_or(first),
        )
    }

    /// The kind of an object by API group and kind (`Deployment` in `apps`).
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceKind> {
        self.kinds
            .iter()
            .find(|k| k.group == group && k.kind == kind)
    }

    /// Plural and short names that start with `prefix`, shortest first, for completion.
    pub fn complete(&self, prefix: &str) -> Vec<String> {
        let prefix = prefix.to_lowercase();
        let mut names: Vec<String> = self
            .kinds
            .iter()
            .flat_map(|kind| {
                std::iter::once(kind.plural.clone()).chain(kind.short_names.iter().cloned())
            })
            .filter(|name| name.starts_with(&prefix))
            .collect();
        names.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        names.dedup();
        names
    }

    /// Replaces the built-ins with what the server serves; kinds it does not serve drop out.
    pub fn from_discovery(mut kinds: Vec<ResourceKind>) -> Catalog {
        kinds.sort_by(|a, b| {
            group_rank(&a.group)
                .cmp(&group_rank(&b.group))
                .then_with(|| a.plural.cmp(&b.plural))
        });
        Catalog {
            kinds,
            discovered: true,
        }
    }
}

/// Core first, then the built-in `*.k8s.io`-less groups, then everything else.
fn group_rank(group: &str) -> u8 {
    match group {
        "" => 0,
        "apps" | "batch" => 1,
        g if !g.contains('.') || g.ends_with(".k8s.io") => 2,
        _ => 3,
    }
}

/// Asks the API server for every group's preferred version and its resources (N+2 requests,
/// a few at a time), keeping the listable, watchable top-level resources.
pub async fn discover(client: &Client) -> Result<Catalog, CatalogError> {
    let failed = |error: kube::Error| CatalogError::Discovery(with_causes(&error));
    let mut lists: Vec<APIResourceList> = Vec::new();
    let core = client.list_core_api_versions().await.map_err(failed)?;
    for version in &core.versions {
        lists.push(
            client
                .list_core_api_resources(version)
                .await
                .map_err(failed)?,
        );
    }
    let groups = client.list_api_groups().await.map_err(failed)?;
    let versions: Vec<String> = groups
        .groups
        .iter()
        .filter_map(|group| {
            group
                .preferred_version
                .as_ref()
                .or(group.versions.first())
                .map(|v| v.group_version.clone())
        })
        .collect();
    let fetched: Vec<Result<APIResourceList, kube::Error>> = stream::iter(versions)
        .map(|gv| async move { client.list_api_group_resources(&gv).await })
        .buffer_unordered(4)
        .collect()
        .await;
    // One group failing (an aggregated API that is down) must not hide the others.
    lists.extend(fetched.into_iter().filter_map(Result::ok));
    Ok(Catalog::from_discovery(kinds_of(&lists)))
}

fn kinds_of(lists: &[APIResourceList]) -> Vec<ResourceKind> {
    let mut kinds = Vec::new();
    for list in lists {
        let (group, version) = match list.group_version.split_once('/') {
            Some((group, version)) => (group.to_string(), version.to_string()),
            None => (String::new(), list.group_version.clone()),
        };
        for resource in &list.resources {
            let listable = resource.verbs.iter().any(|v| v == "list")
                && resource.verbs.iter().any(|v| v == "watch");
            if resource.name.contains('/') || !listable {
                continue;
            }
            kinds.push(ResourceKind {
                group: group.clone(),
                version: version.clone(),
                kind: resource.kind.clone(),
                plural: resource.name.clone(),
                singular: if resource.singular_name.is_empty() {
                    resource.kind.to_lowercase()
                } else {
                    resource.singular_name.clone()
                },
                short_names: resource.short_names.clone().unwrap_or_default(),
                namespaced: resource.namespaced,
            });
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_like_kubectl() {
        let catalog = Catalog::builtin();
        for (typed, plural) in [
            ("po", "pods"),
            ("pods", "pods"),
            ("Pod", "pods"),
            ("deploy", "deployments"),
            ("deployments.apps", "deployments"),
            ("sts", "statefulsets"),
            ("cj", "cronjobs"),
            ("ev", "events"),
            ("no", "nodes"),
            ("pvc", "persistentvolumeclaims"),
            ("crd", "customresourcedefinitions"),
        ] {
            assert_eq!(
                catalog.resolve(typed).map(|k| k.plural.as_str()),
                Some(plural),
                "{typed}"
            );
        }
        assert_eq!(catalog.resolve("nope"), None);
        assert_eq!(catalog.resolve(""), None);
    }

    #[test]
    fn core_wins_a_name_clash_with_a_custom_resource() {
        let mut kinds = Catalog::builtin().kinds().to_vec();
        kinds.push(ResourceKind::builtin(
            "example.io",
            "v1",
            "Pod",
            "pods",
            &["po"],
            true,
        ));
        let catalog = Catalog::from_discovery(kinds);
        assert_eq!(catalog.resolve("po").map(|k| k.group.as_str()), Some(""));
        assert_eq!(
            catalog.resolve("pods.example.io").map(|k| k.group.as_str()),
            Some("example.io")
        );
    }

    #[test]
    fn completion_offers_short_names_first() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.complete("de"), ["deploy", "deployments"]);
        assert!(catalog.complete("zz").is_empty());
    }
}
