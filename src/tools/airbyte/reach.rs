//! Reaching a cluster's Airbyte: where its API is (the context's `airbyte_url`, else the
//! server pod found by the chart's labels, through a port-forward) and whose credentials sign
//! in (the environment, else the `airbyte-auth-secrets` Secret in Airbyte's namespace; the
//! caller asks the operator when neither is there).

use k8s_openapi::api::core::v1::Secret;
use kube::api::ListParams;
use kube::{Api, Client};

use super::credentials::{AUTH_SECRET, Credentials};
use super::discover::{SERVER_POD_SELECTORS, ServerEndpoint, find_server_endpoint};
use super::error::{AirbyteError, Result};
use crate::config::{ContextSettings, SecretRef};
use crate::tools::connector::Connector;
use crate::tools::located::pods_in;

/// Where an Airbyte was found: how to reach it, and the server pod behind a port-forward
/// (its namespace is where the guard checks `pods/portforward` and where sync pods run).
pub type Located = crate::tools::located::Located<ServerEndpoint>;

/// Finds Airbyte's API: the context's `airbyte_url` when set, else the server pod in
/// `namespace` (every namespace when `None`).
pub async fn locate(
    client: &Client,
    settings: Option<&ContextSettings>,
    namespace: Option<&str>,
) -> Result<Located> {
    if let Some(located) = Located::configured(settings.and_then(|s| s.airbyte_url.as_deref()))? {
        return Ok(located);
    }
    let pods = pods_in(client, namespace);
    let mut listed = Vec::new();
    for selector in SERVER_POD_SELECTORS {
        let page = pods
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(|e| {
                AirbyteError::Locate(format!(
                    "cannot list pods{} to find Airbyte's server: {e}. Set airbyte_url for this context in config.toml to skip the search",
                    namespace.map(|n| format!(" in {n}")).unwrap_or_default()
                ))
            })?;
        listed.extend(page.items);
    }
    let endpoint = find_server_endpoint(&listed, namespace)
        .map_err(|e| AirbyteError::Locate(e.to_string()))?;
    Ok(Located {
        connector: Connector::port_forward(
            client.clone(),
            &endpoint.namespace,
            &endpoint.pod,
            endpoint.port,
        ),
        endpoint: Some(endpoint),
    })
}

/// Credentials Strata can find without asking: the environment first (what the operator set
/// for this shell wins), then the bootloader's Secret in `namespace` (Airbyte's). `None`
/// means: ask. A Secret Strata may not read is no error here: the operator is asked instead.
pub async fn stored_credentials(
    client: &Client,
    namespace: Option<&str>,
) -> Result<Option<Credentials>> {
    if let Some(credentials) = Credentials::from_env()? {
        return Ok(Some(credentials));
    }
    let Some(namespace) = namespace else {
        return Ok(None);
    };
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let Ok(Some(secret)) = secrets.get_opt(AUTH_SECRET).await else {
        return Ok(None);
    };
    let reference = SecretRef {
        namespace: namespace.to_string(),
        name: AUTH_SECRET.to_string(),
    };
    Credentials::from_secret(&secret, &reference).map(Some)
}
