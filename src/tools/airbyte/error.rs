//! What can go wrong talking to Airbyte, each case worded for the operator: what failed, why,
//! and what to do. No message carries the client secret (only the client id and where the
//! credentials came from).

use crate::tools::connector::TransportError;

/// An error of the Airbyte client.
#[derive(Debug, thiserror::Error)]
pub enum AirbyteError {
    /// The way to Airbyte failed (connection, port-forward, timeout, bad URL).
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(
        "Airbyte refused the credentials (401) to {what}: client id '{client_id}' from {source_name}. Check them (STRATA_AIRBYTE_CLIENT_ID / STRATA_AIRBYTE_CLIENT_SECRET, or the airbyte-auth-secrets Secret){detail}"
    )]
    Unauthorized {
        client_id: String,
        source_name: String,
        what: String,
        detail: String,
    },
    #[error("Airbyte application '{client_id}' may not {what} (403){detail}")]
    Forbidden {
        client_id: String,
        what: String,
        detail: String,
    },
    #[error("Airbyte has no connection {wanted:?}; it knows {}", known_list(.known))]
    UnknownConnection { wanted: String, known: Vec<String> },
    #[error("{subject} not found (404){detail}")]
    NotFound { subject: String, detail: String },
    #[error("cannot {what}: it conflicts with the current state (409){detail}")]
    Conflict { what: String, detail: String },
    #[error("Airbyte rejected the request to {what} ({status}){detail}")]
    Rejected {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("Airbyte answered {status} to {what}{detail}")]
    Status {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("cannot read Airbyte's answer to {what}: {reason} (answer began: {snippet:?})")]
    Decode {
        what: String,
        reason: String,
        snippet: String,
    },
    #[error("{0}")]
    Locate(String),
    #[error("cannot read the Airbyte credentials: {0}")]
    Credentials(String),
}

/// Shorthand for results of the Airbyte client.
pub type Result<T, E = AirbyteError> = std::result::Result<T, E>;

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".into()
    } else {
        known
            .iter()
            .map(|name| format!("{name:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_connection_lists_the_known_ones() {
        let err = AirbyteError::UnknownConnection {
            wanted: "Stripe".into(),
            known: vec!["HubSpot → Postgres".into(), "Stripe → ClickHouse".into()],
        };
        assert_eq!(
            err.to_string(),
            "Airbyte has no connection \"Stripe\"; it knows \"HubSpot → Postgres\", \"Stripe → ClickHouse\""
        );
    }
}
