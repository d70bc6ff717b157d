//! Who the audit log says did it: the user the API server authenticates us as (a
//! SelfSubjectReview, `authentication.k8s.io/v1`, Kubernetes 1.28+), which is what its own
//! audit log names too; else the kubeconfig's user entry, which is only a local label.

use std::time::Duration;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};

/// A slow or old server must not hold a change up for long just to name its author.
const REVIEW_TIMEOUT: Duration = Duration::from_secs(5);

/// The authenticated user name, or `None` when the server cannot say (older than 1.28, the
/// API disabled, unreachable).
pub async fn authenticated_user(client: &kube::Client) -> Option<String> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let asked = tokio::time::timeout(
        REVIEW_TIMEOUT,
        api.create(&PostParams::default(), &SelfSubjectReview::default()),
    )
    .await;
    asked
        .ok()?
        .ok()?
        .status?
        .user_info?
        .username
        .filter(|name| !name.is_empty())
}
