//! The Airbyte public API client: signs in with an application's client id and secret (a
//! Bearer token of a few minutes, renewed before it runs out and once more on a 401), lists
//! connections and their last job, starts a sync and follows its job to the end. Statuses
//! become [`AirbyteError`]s worded for the operator.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::credentials::Credentials;
use super::error::{AirbyteError, Result};
use super::model::{Connection, Job, JobStatus, Page, Token};
use super::request::{self, ApiRequest, Operation};
use crate::tools::connector::{Answer, Connector, server_detail};
use crate::tools::located::follow;

/// How long one request may take before it is given up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections are read in pages of this many (the API's largest page).
const CONNECTION_PAGE: u32 = 100;

/// Pages read at most, so a server that always says "more" cannot keep the client forever.
const MAX_PAGES: u32 = 100;

/// A token this close to its end is renewed before use rather than sent to be refused.
const RENEW_BEFORE: Duration = Duration::from_secs(30);

/// The tool's name in transport errors ("cannot reach Airbyte at …").
const TOOL: &str = "Airbyte";

/// A Bearer token and when to stop using it.
#[derive(Clone, Debug)]
struct Session {
    token: String,
    renew_at: Option<Instant>,
}

/// A signed-in client of one Airbyte. Cheap to clone; clones share the token.
#[derive(Clone, Debug)]
pub struct AirbyteClient {
    connector: Connector,
    credentials: Credentials,
    timeout: Duration,
    session: Arc<Mutex<Option<Session>>>,
}

impl AirbyteClient {
    /// Signs in now, so refused credentials are said before anything else is asked.
    pub async fn connect(connector: Connector, credentials: Credentials) -> Result<Self> {
        let client = Self::new(connector, credentials);
        client.sign_in().await?;
        Ok(client)
    }

    /// A client that signs in at its first request.
    pub fn new(connector: Connector, credentials: Credentials) -> Self {
        Self {
            connector,
            credentials,
            timeout: DEFAULT_TIMEOUT,
            session: Arc::new(Mutex::new(None)),
        }
    }

    /// How long one request may take (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Exchanges the client id and secret for a token and keeps it.
    async fn sign_in(&self) -> Result<String> {
        let login = request::token(
            self.credentials.client_id(),
            self.credentials.client_secret(),
        );
        let answer = self
            .connector
            .send(TOOL, &login, None, self.timeout)
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.status_error(&login, &answer));
        }
        let token: Token = decode(&login, &answer)?;
        let renew_at = token.expires_in.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            Instant::now() + lifetime.saturating_sub(RENEW_BEFORE.min(lifetime / 2))
        });
        if let Ok(mut slot) = self.session.lock() {
            *slot = Some(Session {
                token: token.access_token.clone(),
                renew_at,
            });
        }
        Ok(token.access_token)
    }

    /// The token to send: the one held while it has time left, else a fresh one.
    async fn bearer(&self) -> Result<String> {
        let held = self.session.lock().ok().and_then(|slot| slot.clone());
        match held {
            Some(session) if session.renew_at.is_none_or(|at| Instant::now() < at) => {
                Ok(session.token)
            }
            _ => self.sign_in().await,
        }
    }

    /// Sends an authenticated request; a 401 (the token expired early, the server restarted
    /// with a new signing key) gets one fresh sign-in and one retry.
    async fn call(&self, request: &ApiRequest) -> Result<Answer> {
        let token = self.bearer().await?;
        let send = |token: String| async move {
            self.connector
                .send(
                    TOOL,
                    request,
                    Some(&format!("Bearer {token}")),
                    self.timeout,
                )
                .await
        };
        let mut answer = send(token).await?;
        if answer.status == 401 {
            answer = send(self.sign_in().await?).await?;
        }
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(self.status_error(request, &answer))
        }
    }

    async fn call_json<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T> {
        let answer = self.call(request).await?;
        decode(request, &answer)
    }

    fn status_error(&self, request: &ApiRequest, answer: &Answer) -> AirbyteError {
        let detail = server_detail(&answer.body);
        let what = request.action.clone();
        match answer.status {
            401 => AirbyteError::Unauthorized {
                client_id: self.credentials.client_id().to_string(),
                source_name: self.credentials.source().to_string(),
                what,
                detail,
            },
            403 => AirbyteError::Forbidden {
                client_id: self.credentials.client_id().to_string(),
                what,
                detail,
            },
            404 if request.operation == Operation::Token => AirbyteError::Status {
                what,
                status: 404,
                detail: format!(
                    ": no {}/applications/token here. Is this Airbyte's server (port 8001), version 0.63 or later?",
                    request::PREFIX
                ),
            },
            404 => AirbyteError::NotFound {
                subject: request.subject.clone(),
                detail,
            },
            409 => AirbyteError::Conflict { what, detail },
            status @ (400 | 422) => AirbyteError::Rejected {
                what,
                status,
                detail,
            },
            status => AirbyteError::Status {
                what,
                status,
                detail,
            },
        }
    }

    /// Every connection the application may see, page after page.
    pub async fn connections(&self) -> Result<Vec<Connection>> {
        let mut all = Vec::new();
        for page_number in 0..MAX_PAGES {
            let offset = page_number * CONNECTION_PAGE;
            let page: Page<Connection> = self
                .call_json(&request::list_connections(CONNECTION_PAGE, offset))
                .await?;
            let full = page.data.len() >= CONNECTION_PAGE as usize;
            all.extend(page.data);
            if !full {
                break;
            }
        }
        Ok(all)
    }

    /// The connection called `wanted` (its name, or its id): an exact name first, then one
    /// that differs only in case or in writing `->` for `→`. None: the error lists the names.
    pub async fn find_connection(&self, wanted: &str) -> Result<Connection> {
        let connections = self.connections().await?;
        pick_connection(connections, wanted)
    }

    /// The newest job of a connection, if it ever ran one.
    pub async fn last_job(&self, connection_id: &str) -> Result<Option<Job>> {
        Ok(self.jobs(connection_id, 1).await?.into_iter().next())
    }

    /// A connection's newest `limit` jobs, newest first.
    pub async fn jobs(&self, connection_id: &str, limit: u32) -> Result<Vec<Job>> {
        let page: Page<Job> = self
            .call_json(&request::list_jobs(connection_id, limit))
            .await?;
        Ok(page.data)
    }

    /// Starts a sync of the connection now; the job as Airbyte created it.
    pub async fn start_sync(&self, connection_id: &str) -> Result<Job> {
        self.call_json(&request::start_sync(connection_id)).await
    }

    pub async fn job(&self, job_id: i64) -> Result<Job> {
        self.call_json(&request::get_job(job_id)).await
    }

    /// Follows a job until it succeeds, fails or is cancelled, calling `on_change` with the
    /// job each time its status changes (and once at the start). A few transient errors in a
    /// row are retried; a lasting one ends the wait. Bound it with `tokio::time::timeout` if
    /// the caller needs to.
    pub async fn wait_for_job(
        &self,
        job_id: i64,
        poll: Duration,
        on_change: impl FnMut(&Job),
    ) -> Result<Job> {
        follow(
            || self.job(job_id),
            poll,
            |job: &Job| job.status.clone(),
            JobStatus::is_terminal,
            |e: &AirbyteError| match e {
                AirbyteError::Transport(_) => true,
                AirbyteError::Status { status, .. } => *status >= 500,
                _ => false,
            },
            on_change,
        )
        .await
    }
}

/// The connection `wanted` names among `connections` (see [`AirbyteClient::find_connection`]).
pub fn pick_connection(mut connections: Vec<Connection>, wanted: &str) -> Result<Connection> {
    let loose = |name: &str| name.replace("->", "→").to_lowercase();
    let wanted = wanted.trim();
    let position = connections
        .iter()
        .position(|c| c.connection_id == wanted || c.name == wanted)
        .or_else(|| {
            let loosened = loose(wanted);
            let matching: Vec<usize> = (0..connections.len())
                .filter(|&i| loose(&connections[i].name) == loosened)
                .collect();
            // Two names alike but for case: neither is guessed.
            (matching.len() == 1).then(|| matching[0])
        });
    match position {
        Some(i) => Ok(connections.swap_remove(i)),
        None => {
            let mut known: Vec<String> = connections.into_iter().map(|c| c.name).collect();
            known.sort();
            Err(AirbyteError::UnknownConnection {
                wanted: wanted.to_string(),
                known,
            })
        }
    }
}

fn decode<T: DeserializeOwned>(request: &ApiRequest, answer: &Answer) -> Result<T> {
    serde_json::from_slice(&answer.body).map_err(|e| AirbyteError::Decode {
        what: request.action.clone(),
        reason: e.to_string(),
        snippet: String::from_utf8_lossy(&answer.body)
            .chars()
            .take(120)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(id: &str, name: &str) -> Connection {
        Connection {
            connection_id: id.into(),
            name: name.into(),
            status: "active".into(),
            schedule: None,
        }
    }

    fn demo() -> Vec<Connection> {
        vec![
            connection("c-1", "Stripe → ClickHouse"),
            connection("c-2", "HubSpot → Postgres"),
        ]
    }

    #[test]
    fn a_connection_is_found_by_id_name_or_a_loose_name() {
        assert_eq!(
            pick_connection(demo(), "c-2").unwrap().name,
            "HubSpot → Postgres"
        );
        assert_eq!(
            pick_connection(demo(), "Stripe → ClickHouse")
                .unwrap()
                .connection_id,
            "c-1"
        );
        assert_eq!(
            pick_connection(demo(), "hubspot -> postgres")
                .unwrap()
                .connection_id,
            "c-2"
        );
    }

    #[test]
    fn an_unknown_connection_names_those_there_are() {
        let err = pick_connection(demo(), "Salesforce")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"Salesforce\"")
                && err.contains("\"HubSpot → Postgres\", \"Stripe → ClickHouse\""),
            "{err}"
        );
        // Alike but for case: not guessed.
        let twins = vec![connection("a", "Orders"), connection("b", "orders")];
        assert!(pick_connection(twins.clone(), "ORDERS").is_err());
        assert_eq!(pick_connection(twins, "orders").unwrap().connection_id, "b");
    }
}
