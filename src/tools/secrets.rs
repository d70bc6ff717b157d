//! Where a tool's credentials come from, shared by the tools: a pair of environment variables,
//! keys of a Kubernetes Secret, or what the operator typed. Only the source is ever said,
//! never a value.

use k8s_openapi::api::core::v1::Secret;

use crate::config::SecretRef;

/// Where credentials came from, said to the operator (never the values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// The tool's pair of `STRATA_…` environment variables.
    Environment,
    /// A Secret in the cluster.
    Secret(SecretRef),
    /// Typed by the operator in this session.
    Typed,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("the environment"),
            CredentialSource::Secret(secret) => write!(f, "Secret {secret}"),
            CredentialSource::Typed => f.write_str("what was typed"),
        }
    }
}

/// The text under `key` of a Secret (`data`, or `stringData` as written by hand and not yet
/// normalised by an API server), without a trailing newline (`echo` into a file adds one).
/// The error says which key is missing or unreadable, never what it holds.
pub(crate) fn secret_text(secret: &Secret, key: &str) -> Result<String, String> {
    if let Some(bytes) = secret.data.as_ref().and_then(|d| d.get(key)) {
        return String::from_utf8(bytes.0.clone())
            .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|_| format!("key '{key}' is not UTF-8 text"));
    }
    if let Some(text) = secret.string_data.as_ref().and_then(|d| d.get(key)) {
        return Ok(text.clone());
    }
    Err(format!("has no key '{key}'"))
}

/// A pair of environment variables that go together (a user and a password, a client id and
/// its secret), from their values: `None` when neither is set, an error naming the variables
/// when only one is or the first is empty (a half-configured environment is a mistake worth
/// saying).
pub(crate) fn env_pair(
    (first_name, first): (&str, Option<String>),
    (second_name, second): (&str, Option<String>),
) -> Result<Option<(String, String)>, String> {
    match (first, second) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) if !a.is_empty() => Ok(Some((a, b))),
        (Some(_), Some(_)) => Err(format!("{first_name} is empty: set it, or unset both")),
        (Some(_), None) => Err(format!(
            "{first_name} is set but {second_name} is not: set both, or neither"
        )),
        (None, Some(_)) => Err(format!(
            "{second_name} is set but {first_name} is not: set both, or neither"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use std::collections::BTreeMap;

    #[test]
    fn a_pair_needs_both_or_neither() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(env_pair(("A", None), ("B", None)), Ok(None));
        assert_eq!(
            env_pair(("A", some("a")), ("B", some("b"))),
            Ok(Some(("a".into(), "b".into())))
        );
        let err = env_pair(("A", some("a")), ("B", None)).unwrap_err();
        assert!(err.starts_with("A is set but B is not"), "{err}");
        let err = env_pair(("A", None), ("B", some("hidden"))).unwrap_err();
        assert!(
            err.starts_with("B is set") && !err.contains("hidden"),
            "{err}"
        );
        assert!(env_pair(("A", some("")), ("B", some("b"))).is_err());
    }

    #[test]
    fn secret_text_reads_data_then_string_data() {
        let mut data = BTreeMap::new();
        data.insert("id".to_string(), ByteString(b"abc\n".to_vec()));
        let mut string_data = BTreeMap::new();
        string_data.insert("typed".to_string(), "xyz".to_string());
        let secret = Secret {
            data: Some(data),
            string_data: Some(string_data),
            ..Default::default()
        };
        assert_eq!(secret_text(&secret, "id").as_deref(), Ok("abc"));
        assert_eq!(secret_text(&secret, "typed").as_deref(), Ok("xyz"));
        assert_eq!(
            secret_text(&secret, "other"),
            Err("has no key 'other'".to_string())
        );
    }
}
