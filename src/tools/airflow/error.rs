//! What can go wrong talking to Airflow, each case worded for the operator: what failed, why,
//! and what to do. No message ever carries the password (only the username).

use crate::tools::connector::TransportError;
#[cfg(test)]
use crate::tools::connector::server_detail;

/// An error of the Airflow client.
#[derive(Debug, thiserror::Error)]
pub enum AirflowError {
    /// The way to Airflow failed (connection, port-forward, timeout, bad URL).
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(
        "no Airflow REST API at {target}: /api/v2/version answered {v2} and /api/v1/version answered {v1}. Is this the api-server (Airflow 3) or webserver (Airflow 2) port?"
    )]
    NoApi {
        target: String,
        v2: String,
        v1: String,
    },
    #[error(
        "Airflow refused the credentials of user '{username}' (401) to {what}: check STRATA_AIRFLOW_USERNAME and STRATA_AIRFLOW_PASSWORD (or the credentials Secret){extra}"
    )]
    Unauthorized {
        username: String,
        what: String,
        extra: String,
    },
    #[error(
        "Airflow user '{username}' may not {what} (403): ask an Airflow admin for the permission{extra}"
    )]
    Forbidden {
        username: String,
        what: String,
        extra: String,
    },
    #[error("{subject} not found (404){detail}")]
    NotFound { subject: String, detail: String },
    #[error("cannot {what}: it conflicts with the current state (409){detail}")]
    Conflict { what: String, detail: String },
    #[error("Airflow rejected the request to {what} (422){detail}")]
    Rejected { what: String, detail: String },
    #[error("Airflow answered {status} to {what}{detail}")]
    Status {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("cannot read Airflow's answer to {what}: {reason} (answer began: {snippet:?})")]
    Decode {
        what: String,
        reason: String,
        snippet: String,
    },
    #[error(
        "the run configuration must be a JSON object such as {{\"key\": \"value\"}}, not {found}"
    )]
    ConfNotObject { found: String },
    #[error(
        "the run configuration is not valid JSON: {0}. Write a JSON object such as {{\"key\": \"value\"}}"
    )]
    ConfSyntax(String),
    #[error("{0}")]
    Locate(String),
    #[error("cannot read the Airflow credentials: {0}")]
    Credentials(String),
}

/// Shorthand for results of the Airflow client.
pub type Result<T, E = AirflowError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_of_a_real_404_is_the_servers_sentence() {
        let body = include_bytes!("../../../tests/fixtures/airflow/trigger-404.json");
        assert_eq!(
            server_detail(body),
            ": Dag with dag_id: 'no_such_dag' not found"
        );
    }

    #[test]
    fn detail_of_a_fastapi_422_lists_the_fields() {
        let body = br#"{"detail":[{"type":"missing","loc":["body","logical_date"],"msg":"Field required","input":{}}]}"#;
        assert_eq!(server_detail(body), ": body.logical_date: Field required");
    }

    #[test]
    fn detail_of_plain_text_or_nothing() {
        assert_eq!(server_detail(b"  Bad Gateway \n"), ": Bad Gateway");
        assert_eq!(server_detail(b""), "");
    }
}
