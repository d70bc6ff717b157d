//! Reading what the posture checks need, once: full objects of the workload kinds, Services,
//! ConfigMaps, Secrets (but not Helm's release Secrets), Ingresses, NetworkPolicies, RBAC
//! and the operators' custom resources, listed page by page and projected at once into
//! [`PostureObject`]s — a Secret's values are compared with the chart defaults during the
//! projection and never kept. A kind the user may not list (403) becomes a
//! [`ReadWarning`] saying which checks it leaves out, never silence; a missing custom
//! resource kind is simply absent.

use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;

use super::layers::{LayersError, ReadWarning};
use super::{NamespaceScope, with_causes};
use crate::security::{Coverage, PostureObject, PostureRules};

const WORKLOAD: &str = "runtime, env credentials and tool settings of these workloads";

/// The kinds to read: (group, version, kind, plural, namespaced, optional — a custom
/// resource a cluster may not have —, what goes unchecked when it cannot be read).
type PostureKind = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    &'static str,
);

const KINDS: [PostureKind; 19] = [
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        false,
        WORKLOAD,
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        false,
        WORKLOAD,
    ),
    (
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        false,
        WORKLOAD,
    ),
    ("batch", "v1", "Job", "jobs", true, false, WORKLOAD),
    ("batch", "v1", "CronJob", "cronjobs", true, false, WORKLOAD),
    ("", "v1", "Pod", "pods", true, false, WORKLOAD),
    (
        "",
        "v1",
        "Service",
        "services",
        true,
        false,
        "LoadBalancer and NodePort exposure",
    ),
    (
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        true,
        false,
        "tool settings in config files",
    ),
    (
        "",
        "v1",
        "Secret",
        "secrets",
        true,
        false,
        "default credentials and settings in Secrets",
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        false,
        "Ingress exposure and TLS",
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        false,
        "namespaces without a NetworkPolicy",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        false,
        "roles granting pods/exec or secrets write",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        false,
        "roles granting pods/exec or secrets write",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        false,
        "cluster roles granting pods/exec or secrets write",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        false,
        "service accounts bound to cluster-admin",
    ),
    (
        "clickhouse.altinity.com",
        "v1",
        "ClickHouseInstallation",
        "clickhouseinstallations",
        true,
        true,
        "ClickHouse users",
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "SparkApplication",
        "sparkapplications",
        true,
        true,
        "Spark UI settings",
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "ScheduledSparkApplication",
        "scheduledsparkapplications",
        true,
        true,
        "Spark UI settings",
    ),
    (
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
        "authorizationpolicies",
        true,
        true,
        "Istio authorization in front of Ingresses",
    ),
];

/// Helm's release Secrets hold whole charts' values: not needed, and large.
const NOT_HELM_STORAGE: &str = "owner!=helm";
const PAGE: u32 = 500;

/// What was read.
#[derive(Debug)]
pub struct PostureRead {
    pub objects: Vec<PostureObject>,
    pub coverage: Coverage,
    pub warnings: Vec<ReadWarning>,
}

/// Lists every kind the checks need in `scope` (cluster-scoped kinds always cluster-wide).
/// Fails when a kind cannot be listed for another reason than RBAC: a partial picture with
/// no warning would read as "clean".
pub async fn read(
    client: &kube::Client,
    scope: &NamespaceScope,
    rules: &PostureRules,
) -> Result<PostureRead, LayersError> {
    let mut read = PostureRead {
        objects: Vec::new(),
        coverage: Coverage::default(),
        warnings: Vec::new(),
    };
    for &(group, version, kind_name, plural, namespaced, optional, unchecked) in &KINDS {
        let kind = Kind {
            kind: kind_name,
            plural,
            namespaced,
        };
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.kind.into(),
            plural: kind.plural.into(),
        };
        let namespace = match scope {
            NamespaceScope::Only(ns) if kind.namespaced => Some(ns.as_str()),
            _ => None,
        };
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        let mut params = ListParams::default().limit(PAGE);
        if kind.kind == "Secret" {
            params = params.labels(NOT_HELM_STORAGE);
        }
        loop {
            match api.list(&params).await {
                Ok(page) => {
                    for item in page.items {
                        let Ok(mut json) = serde_json::to_value(&item) else {
                            continue;
                        };
                        // List items may come without their kind.
                        json["kind"] = kind.kind.into();
                        json["apiVersion"] = resource.api_version.clone().into();
                        read.objects.push(PostureObject::from_json(&json, rules));
                    }
                    match page.metadata.continue_ {
                        Some(token) if !token.is_empty() => params = params.continue_token(&token),
                        _ => break,
                    }
                }
                Err(kube::Error::Api(status)) if status.code == 404 && optional => break,
                Err(kube::Error::Api(status)) if status.code == 403 || status.code == 401 => {
                    read.coverage.unread.insert(kind.kind.to_string());
                    read.warnings.push(ReadWarning {
                        kind: kind.plural.to_string(),
                        namespace: namespace.map(str::to_string),
                        name: None,
                        reason: format!(
                            "cannot list {} {}: {} — not checked: {}",
                            kind.plural,
                            scope_words(&kind, namespace),
                            status.message,
                            unchecked
                        ),
                    });
                    break;
                }
                Err(error) => {
                    return Err(LayersError::List {
                        what: kind.plural.to_string(),
                        plural: kind.plural.to_string(),
                        scope: scope_words(&kind, namespace),
                        flag: match namespace {
                            Some(ns) => format!("-n {ns}"),
                            None => "-A".to_string(),
                        },
                        reason: with_causes(&error),
                    });
                }
            }
        }
    }
    Ok(read)
}

/// What messages say about the kind being read.
struct Kind {
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
}

fn scope_words(kind: &Kind, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None if kind.namespaced => "in all namespaces".to_string(),
        None => "(cluster-wide)".to_string(),
    }
}
