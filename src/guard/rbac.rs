//! Whether the user may do what a change needs, asked of the API server itself: one
//! SelfSubjectAccessReview per access, so the answer is the cluster's RBAC (and any webhook
//! authorizer), not our guess from roles we may not even be allowed to read.

use std::fmt;
use std::time::Duration;

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::cluster::with_causes;

/// How long one review may take: a guard must not hang the cockpit on a slow server.
const REVIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// One Kubernetes permission a change needs: `create jobs in transformation`,
/// `create pods/portforward in orchestration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub verb: String,
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource (`jobs`).
    pub resource: String,
    pub subresource: Option<String>,
    /// `None` for cluster-scoped resources, or every namespace.
    pub namespace: Option<String>,
    /// `None` for any object (creating one has no name yet).
    pub name: Option<String>,
}

impl Access {
    /// `verb` on `resource` of `group`; narrow it with [`Access::subresource`], [`Access::in_namespace`]
    /// and [`Access::named`].
    pub fn new(verb: &str, group: &str, resource: &str) -> Access {
        Access {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            subresource: None,
            namespace: None,
            name: None,
        }
    }

    /// What an HTTP call through a port-forward needs: `create pods/portforward` in the
    /// namespace of the pod (Airflow, Airbyte).
    pub fn port_forward(namespace: &str) -> Access {
        Access::new("create", "", "pods")
            .subresource("portforward")
            .in_namespace(namespace)
    }

    pub fn subresource(mut self, subresource: &str) -> Access {
        self.subresource = Some(subresource.to_string());
        self
    }

    pub fn in_namespace(mut self, namespace: &str) -> Access {
        self.namespace = Some(namespace.to_string());
        self
    }

    pub fn named(mut self, name: &str) -> Access {
        self.name = Some(name.to_string());
        self
    }

    fn review(&self) -> SelfSubjectAccessReview {
        SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(self.verb.clone()),
                    group: Some(self.group.clone()),
                    resource: Some(self.resource.clone()),
                    subresource: self.subresource.clone(),
                    namespace: self.namespace.clone(),
                    name: self.name.clone(),
                    ..ResourceAttributes::default()
                }),
                non_resource_attributes: None,
            },
            ..SelfSubjectAccessReview::default()
        }
    }
}

/// As kubectl's errors name it: `create jobs in transformation`,
/// `patch deployments.apps/scale "trino" in warehouse`.
impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        // The core and the well-known groups read better without their group.
        if !matches!(self.group.as_str(), "" | "apps" | "batch") {
            write!(f, ".{}", self.group)?;
        }
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        match &self.namespace {
            Some(namespace) => write!(f, " in {namespace}"),
            None => Ok(()),
        }
    }
}

/// The server's answer for one access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Denied, with the authorizer's reason (or a note that it gave none).
    Denied(String),
    /// The review itself failed (unreachable, timed out, not served).
    Unknown(String),
}

/// Asks the API server whether the current user may `access`.
pub async fn review(client: &kube::Client, access: &Access) -> Verdict {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = access.review();
    let asked =
        tokio::time::timeout(REVIEW_TIMEOUT, api.create(&PostParams::default(), &review)).await;
    match asked {
        Err(_) => Verdict::Unknown(format!(
            "the API server did not answer within {} s",
            REVIEW_TIMEOUT.as_secs()
        )),
        Ok(Err(error)) => Verdict::Unknown(with_causes(&error)),
        Ok(Ok(answer)) => match answer.status {
            Some(status) if status.allowed => Verdict::Allowed,
            Some(status) => Verdict::Denied(denial_reason(
                status.reason.as_deref(),
                status.evaluation_error.as_deref(),
            )),
            None => Verdict::Unknown("the API server answered the review without a status".into()),
        },
    }
}

/// The authorizer's words, or what a bare denial means (plain RBAC denies without a reason).
fn denial_reason(reason: Option<&str>, evaluation_error: Option<&str>) -> String {
    // The message wraps it in "(RBAC: …)" already.
    let reason = reason
        .map(|r| r.trim().trim_start_matches("RBAC:").trim())
        .filter(|r| !r.is_empty());
    let error = evaluation_error.map(str::trim).filter(|e| !e.is_empty());
    match (reason, error) {
        (Some(reason), Some(error)) => format!("{reason}; {error}"),
        (Some(reason), None) => reason.to_string(),
        (None, Some(error)) => error.to_string(),
        (None, None) => "no role of yours allows it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_read_like_kubectl_errors() {
        let jobs = Access::new("create", "batch", "jobs").in_namespace("transformation");
        assert_eq!(jobs.to_string(), "create jobs in transformation");
        assert_eq!(
            Access::port_forward("orchestration").to_string(),
            "create pods/portforward in orchestration"
        );
        let scale = Access::new("patch", "apps", "deployments")
            .subresource("scale")
            .named("trino")
            .in_namespace("warehouse");
        assert_eq!(
            scale.to_string(),
            "patch deployments/scale \"trino\" in warehouse"
        );
        let crd = Access::new("delete", "sparkoperator.k8s.io", "sparkapplications");
        assert_eq!(
            crd.to_string(),
            "delete sparkapplications.sparkoperator.k8s.io"
        );
    }

    #[test]
    fn the_review_asks_for_exactly_the_access() {
        let review = Access::port_forward("ingestion")
            .named("airbyte-server-0")
            .review();
        let attributes = review.spec.resource_attributes.unwrap();
        assert_eq!(attributes.verb.as_deref(), Some("create"));
        assert_eq!(attributes.group.as_deref(), Some(""));
        assert_eq!(attributes.resource.as_deref(), Some("pods"));
        assert_eq!(attributes.subresource.as_deref(), Some("portforward"));
        assert_eq!(attributes.namespace.as_deref(), Some("ingestion"));
        assert_eq!(attributes.name.as_deref(), Some("airbyte-server-0"));
    }

    #[test]
    fn a_bare_denial_still_says_something() {
        assert_eq!(denial_reason(None, None), "no role of yours allows it");
        assert_eq!(
            denial_reason(Some(" "), Some("webhook down")),
            "webhook down"
        );
        assert_eq!(denial_reason(Some("RBAC: no"), None), "no");
    }
}
