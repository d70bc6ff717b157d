//! Airflow credentials (a username and a password) and where they come from: the environment,
//! a Kubernetes Secret, or whatever the caller prompted for. The password never appears in
//! Debug or Display output, so it cannot leak into logs, errors or the audit trail.

use std::fmt;

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

use super::error::{AirflowError, Result};
use crate::tools::secrets::{env_pair, secret_text};

/// The environment variable that holds the Airflow username.
pub const USERNAME_ENV: &str = "STRATA_AIRFLOW_USERNAME";
/// The environment variable that holds the Airflow password.
pub const PASSWORD_ENV: &str = "STRATA_AIRFLOW_PASSWORD";

/// A username and password for Airflow's API (a JWT from `POST /auth/token` on Airflow 3,
/// HTTP basic auth on Airflow 2).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// Only the request builder needs the password; it is not part of the public surface.
    pub(crate) fn password(&self) -> &str {
        &self.password
    }

    /// From `STRATA_AIRFLOW_USERNAME` / `STRATA_AIRFLOW_PASSWORD`: `None` when neither is set,
    /// an error when only one is (a half-configured environment is a mistake worth saying).
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(
            std::env::var(USERNAME_ENV).ok(),
            std::env::var(PASSWORD_ENV).ok(),
        )
    }

    fn from_vars(username: Option<String>, password: Option<String>) -> Result<Option<Self>> {
        env_pair((USERNAME_ENV, username), (PASSWORD_ENV, password))
            .map(|pair| pair.map(|(u, p)| Self::new(u, p)))
            .map_err(AirflowError::Credentials)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user '{}'", self.username)
    }
}

/// Reads keys `username` and `password` of the Secret `namespace/name`.
pub async fn credentials_from_secret(
    client: Client,
    namespace: &str,
    name: &str,
) -> Result<Credentials> {
    let secrets: Api<Secret> = Api::namespaced(client, namespace);
    let secret = secrets.get(name).await.map_err(|e| {
        AirflowError::Credentials(format!(
            "cannot read Secret {namespace}/{name}: {e}. Create it with keys 'username' and 'password', or set {USERNAME_ENV}/{PASSWORD_ENV}"
        ))
    })?;
    credentials_in_secret(&secret)
        .map_err(|reason| AirflowError::Credentials(format!("Secret {namespace}/{name} {reason}")))
}

/// The credentials a Secret holds (`data`, or `stringData` as written by hand and not yet
/// normalised by an API server); the error says which key is missing or unreadable.
pub(crate) fn credentials_in_secret(secret: &Secret) -> Result<Credentials, String> {
    let key = |key: &str| {
        secret_text(secret, key)
            .map_err(|e| format!("{e}: it needs keys 'username' and 'password'"))
    };
    Ok(Credentials::new(key("username")?, key("password")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use std::collections::BTreeMap;

    #[test]
    fn debug_and_display_never_show_the_password() {
        let creds = Credentials::new("admin", "s3cret-pw");
        let shown = format!("{creds:?} {creds} {creds:#?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("admin"), "{shown}");
    }

    #[test]
    fn env_needs_both_or_neither() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(Credentials::from_vars(None, None).unwrap(), None);
        assert_eq!(
            Credentials::from_vars(some("a"), some("b")).unwrap(),
            Some(Credentials::new("a", "b"))
        );
        let err = Credentials::from_vars(some("a"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains(PASSWORD_ENV), "{err}");
        let err = Credentials::from_vars(None, some("pw"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(USERNAME_ENV) && !err.contains("pw'"), "{err}");
        assert!(Credentials::from_vars(some(""), some("b")).is_err());
    }

    #[test]
    fn secret_data_is_read_and_a_missing_key_is_named() {
        let mut data = BTreeMap::new();
        data.insert("username".to_string(), ByteString(b"admin\n".to_vec()));
        data.insert("password".to_string(), ByteString(b"pw".to_vec()));
        let secret = Secret {
            data: Some(data.clone()),
            ..Default::default()
        };
        assert_eq!(
            credentials_in_secret(&secret).unwrap(),
            Credentials::new("admin", "pw")
        );
        data.remove("password");
        let secret = Secret {
            data: Some(data),
            ..Default::default()
        };
        let err = credentials_in_secret(&secret).unwrap_err();
        assert!(err.contains("'password'"), "{err}");
    }
}
