//! Reaching a cluster's Airflow: where its API is (the context's `airflow_url`, else the
//! api-server pod found by the official chart's labels, through a port-forward) and whose
//! credentials sign in (the environment, the Secret the context names, or what the operator
//! typed this session — never written anywhere).

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{ListParams, ObjectList};
use kube::{Api, Client};

use super::credentials::{Credentials, credentials_from_secret, credentials_in_secret};
use super::discover::{API_POD_SELECTOR, ApiEndpoint, find_api_endpoint};
use super::error::{AirflowError, Result};
use crate::config::{ContextSettings, SecretRef};
use crate::tools::located::pods_in;
pub use crate::tools::secrets::CredentialSource;

/// Where an Airflow was found, for the operator ("pod orchestration/airflow-api-server-0 port
/// 8080 (port-forward)") and for the guard (the namespace a port-forward needs rights in).
pub type Located = crate::tools::located::Located<ApiEndpoint>;

/// Finds the Airflow API: the context's `airflow_url` when set, else the best api-server (or
/// webserver) pod in `namespace` (every namespace when `None`) of `release` (any when `None`).
pub async fn locate(
    client: &Client,
    settings: Option<&ContextSettings>,
    namespace: Option<&str>,
    release: Option<&str>,
) -> Result<Located> {
    if let Some(located) = Located::configured(settings.and_then(|s| s.airflow_url.as_deref()))? {
        return Ok(located);
    }
    let pods = pods_in(client, namespace);
    let listed: ObjectList<Pod> = pods
        .list(&ListParams::default().labels(API_POD_SELECTOR))
        .await
        .map_err(|e| AirflowError::Locate(format!(
            "cannot list pods{} to find Airflow's API: {e}. Set airflow_url for this context in config.toml to skip the search",
            namespace.map(|n| format!(" in {n}")).unwrap_or_default()
        )))?;
    let endpoint = find_api_endpoint(&listed.items, release)
        .map_err(|e| AirflowError::Locate(e.to_string()))?;
    Ok(Located {
        connector: endpoint.connector(client.clone()),
        endpoint: Some(endpoint),
    })
}

/// The label of a Secret holding Airflow credentials (keys `username`, `password`) that Strata
/// uses without configuration when it is in the Airflow's namespace.
pub const CREDENTIALS_LABEL: &str = "strata.dev/credentials=airflow";

/// Credentials Strata can find without asking: the environment first (what the operator set
/// for this shell wins), then the context's `airflow_secret`, then a Secret labelled
/// [`CREDENTIALS_LABEL`] in `namespace` (the Airflow's). `None` means: ask.
pub async fn stored_credentials(
    client: &Client,
    settings: Option<&ContextSettings>,
    namespace: Option<&str>,
) -> Result<Option<(Credentials, CredentialSource)>> {
    if let Some(credentials) = Credentials::from_env()? {
        return Ok(Some((credentials, CredentialSource::Environment)));
    }
    if let Some(secret) = settings.and_then(|s| s.airflow_secret.as_ref()) {
        let credentials =
            credentials_from_secret(client.clone(), &secret.namespace, &secret.name).await?;
        return Ok(Some((
            credentials,
            CredentialSource::Secret(secret.clone()),
        )));
    }
    let Some(namespace) = namespace else {
        return Ok(None);
    };
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    // Not being allowed to list Secrets is no error here: the operator is asked instead.
    let Ok(labelled) = secrets
        .list(&ListParams::default().labels(CREDENTIALS_LABEL))
        .await
    else {
        return Ok(None);
    };
    let Some(secret) = labelled
        .items
        .iter()
        .min_by_key(|s| s.metadata.name.clone())
    else {
        return Ok(None);
    };
    let reference = SecretRef {
        namespace: namespace.to_string(),
        name: secret.metadata.name.clone().unwrap_or_default(),
    };
    let credentials = credentials_in_secret(secret)
        .map_err(|reason| AirflowError::Credentials(format!("Secret {reference} {reason}")))?;
    Ok(Some((credentials, CredentialSource::Secret(reference))))
}
