//! Airbyte application credentials (a client id and its secret) and where they come from: the
//! environment, the `airbyte-auth-secrets` Secret Airbyte's bootloader writes, or what the
//! operator typed. The secret never appears in Debug or Display output.

use std::fmt;

use k8s_openapi::api::core::v1::Secret;

use super::error::{AirbyteError, Result};
use crate::config::SecretRef;
use crate::tools::secrets::{CredentialSource, env_pair, secret_text};

/// The environment variable that holds the application's client id.
pub const CLIENT_ID_ENV: &str = "STRATA_AIRBYTE_CLIENT_ID";
/// The environment variable that holds the application's client secret.
pub const CLIENT_SECRET_ENV: &str = "STRATA_AIRBYTE_CLIENT_SECRET";

/// The Secret Airbyte's bootloader writes in its namespace on install, with the instance
/// admin's application.
pub const AUTH_SECRET: &str = "airbyte-auth-secrets";
/// Its keys.
pub const CLIENT_ID_KEY: &str = "instance-admin-client-id";
pub const CLIENT_SECRET_KEY: &str = "instance-admin-client-secret";

/// An application's client id and secret, exchanged for a short-lived Bearer token, and
/// where they came from (said when Airbyte refuses them).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    client_id: String,
    client_secret: String,
    source: CredentialSource,
}

impl Credentials {
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        source: CredentialSource,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            source,
        }
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Only the token request needs the secret; it is not part of the public surface.
    pub(crate) fn client_secret(&self) -> &str {
        &self.client_secret
    }

    pub fn source(&self) -> &CredentialSource {
        &self.source
    }

    /// From `STRATA_AIRBYTE_CLIENT_ID` / `STRATA_AIRBYTE_CLIENT_SECRET`: `None` when neither
    /// is set, an error when only one is.
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(
            std::env::var(CLIENT_ID_ENV).ok(),
            std::env::var(CLIENT_SECRET_ENV).ok(),
        )
    }

    fn from_vars(id: Option<String>, secret: Option<String>) -> Result<Option<Self>> {
        env_pair((CLIENT_ID_ENV, id), (CLIENT_SECRET_ENV, secret))
            .map(|pair| {
                pair.map(|(id, secret)| Self::new(id, secret, CredentialSource::Environment))
            })
            .map_err(AirbyteError::Credentials)
    }

    /// The instance admin's application from the bootloader's Secret `reference`.
    pub fn from_secret(secret: &Secret, reference: &SecretRef) -> Result<Self> {
        let key = |key: &str| {
            secret_text(secret, key).map_err(|e| {
                AirbyteError::Credentials(format!(
                    "Secret {reference} {e}: it needs keys '{CLIENT_ID_KEY}' and '{CLIENT_SECRET_KEY}'"
                ))
            })
        };
        Ok(Self::new(
            key(CLIENT_ID_KEY)?,
            key(CLIENT_SECRET_KEY)?,
            CredentialSource::Secret(reference.clone()),
        ))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client id '{}' from {}", self.client_id, self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use std::collections::BTreeMap;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let creds = Credentials::new("app", "s3cret-value", CredentialSource::Typed);
        let shown = format!("{creds:?} {creds} {creds:#?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(
            shown.contains("app") && shown.contains("what was typed"),
            "{shown}"
        );
    }

    #[test]
    fn the_environment_needs_both() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(Credentials::from_vars(None, None).unwrap(), None);
        let found = Credentials::from_vars(some("a"), some("b"))
            .unwrap()
            .unwrap();
        assert_eq!(found.source(), &CredentialSource::Environment);
        let err = Credentials::from_vars(some("a"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains(CLIENT_SECRET_ENV), "{err}");
    }

    #[test]
    fn the_bootloaders_secret_is_read_and_a_missing_key_is_named() {
        let reference = SecretRef {
            namespace: "ingestion".into(),
            name: AUTH_SECRET.into(),
        };
        let mut data = BTreeMap::new();
        data.insert(CLIENT_ID_KEY.to_string(), ByteString(b"app-id".to_vec()));
        data.insert(
            CLIENT_SECRET_KEY.to_string(),
            ByteString(b"hidden".to_vec()),
        );
        let mut secret = Secret {
            data: Some(data),
            ..Default::default()
        };
        let creds = Credentials::from_secret(&secret, &reference).unwrap();
        assert_eq!(
            (creds.client_id(), creds.client_secret()),
            ("app-id", "hidden")
        );
        assert_eq!(
            creds.to_string(),
            "client id 'app-id' from Secret ingestion/airbyte-auth-secrets"
        );
        if let Some(data) = secret.data.as_mut() {
            data.remove(CLIENT_SECRET_KEY);
        }
        let err = Credentials::from_secret(&secret, &reference)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has no key 'instance-admin-client-secret'"),
            "{err}"
        );
    }
}
