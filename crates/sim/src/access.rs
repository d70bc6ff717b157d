//! Who may do what on the simulator: users known by bearer token, each with RBAC-like rules,
//! answering both request authorization (403) and SelfSubjectAccessReviews.

/// One rule: verbs on resources of API groups, optionally only in some namespaces.
#[derive(Clone, Debug)]
pub struct Rule {
    pub verbs: Vec<&'static str>,
    pub groups: Vec<&'static str>,
    pub resources: Vec<&'static str>,
    /// Empty means every namespace and cluster-scoped resources.
    pub namespaces: Vec<&'static str>,
}

impl Rule {
    fn matches(&self, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> bool {
        let any = |list: &[&str], x: &str| list.iter().any(|v| *v == "*" || *v == x);
        any(&self.verbs, verb)
            && any(&self.groups, group)
            && any(&self.resources, resource)
            && (self.namespaces.is_empty()
                || namespace.is_some_and(|ns| self.namespaces.contains(&ns)))
    }
}

/// A simulated user, authenticated by the bearer token in the generated kubeconfig.
#[derive(Clone, Debug)]
pub struct SimUser {
    pub name: &'static str,
    pub token: &'static str,
    pub rules: Vec<Rule>,
}

const READ: &[&str] = &["get", "list", "watch"];

impl SimUser {
    /// `admin` may do everything; `viewer` may read everything but Secrets and pod logs of
    /// nothing else (like the built-in `view` ClusterRole).
    pub fn builtin() -> Vec<SimUser> {
        vec![
            SimUser {
                name: "admin",
                token: "strata-sim-admin-token",
                rules: vec![Rule {
                    verbs: vec!["*"],
                    groups: vec!["*"],
                    resources: vec!["*"],
                    namespaces: vec![],
                }],
            },
            SimUser {
                name: "viewer",
                token: "strata-sim-viewer-token",
                rules: vec![Rule {
                    verbs: READ.to_vec(),
                    groups: vec![
                        "",
                        "apps",
                        "batch",
                        "policy",
                        "networking.k8s.io",
                        "apiextensions.k8s.io",
                        "storage.k8s.io",
                        "clickhouse.altinity.com",
                        "sparkoperator.k8s.io",
                    ],
                    resources: vec![
                        "namespaces",
                        "nodes",
                        "pods",
                        "pods/log",
                        "services",
                        "endpoints",
                        "configmaps",
                        "events",
                        "serviceaccounts",
                        "persistentvolumeclaims",
                        "persistentvolumes",
                        "deployments",
                        "deployments/scale",
                        "replicasets",
                        "statefulsets",
                        "daemonsets",
                        "controllerrevisions",
                        "jobs",
                        "cronjobs",
                        "poddisruptionbudgets",
                        "ingresses",
                        "networkpolicies",
                        "customresourcedefinitions",
                        "storageclasses",
                        "clickhouseinstallations",
                        "sparkapplications",
                    ],
                    namespaces: vec![],
                }],
            },
        ]
    }

    /// The kubeconfig context that uses this user.
    pub fn context_name(&self) -> String {
        if self.name == "admin" {
            "strata-sim".to_string()
        } else {
            format!("strata-sim-{}", self.name)
        }
    }

    /// Whether this user may `verb` the `resource` (with `/sub` for subresources).
    pub fn allows(&self, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> bool {
        // Discovery and review creation are always allowed, as for system:authenticated.
        if group == "authorization.k8s.io" && verb == "create" {
            return true;
        }
        self.rules
            .iter()
            .any(|r| r.matches(verb, group, resource, namespace))
    }

    /// Finds a user by name.
    pub fn by_name(name: &str) -> Option<SimUser> {
        SimUser::builtin().into_iter().find(|u| u.name == name)
    }

    /// The cluster admin, used for requests without credentials (a local dev cluster).
    pub fn admin() -> SimUser {
        SimUser::builtin()
            .into_iter()
            .next()
            .unwrap_or_else(|| SimUser {
                name: "admin",
                token: "",
                rules: Vec::new(),
            })
    }

    /// Finds the user of a bearer token; no token or an unknown one is anonymous (None).
    pub fn by_token(token: &str) -> Option<SimUser> {
        SimUser::builtin().into_iter().find(|u| u.token == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_reads_but_does_not_write_or_see_secrets() {
        let v = SimUser::by_token("strata-sim-viewer-token").unwrap();
        assert!(v.allows("list", "", "pods", Some("ingestion")));
        assert!(v.allows("get", "", "pods/log", Some("ingestion")));
        assert!(!v.allows("delete", "", "pods", Some("ingestion")));
        assert!(!v.allows("get", "", "secrets", Some("ingestion")));
        assert!(!v.allows("patch", "apps", "deployments/scale", Some("x")));
        let a = SimUser::by_token("strata-sim-admin-token").unwrap();
        assert!(a.allows("delete", "apps", "deployments", Some("x")));
        assert!(SimUser::by_token("nope").is_none());
    }
}
