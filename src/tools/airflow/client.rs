//! The Airflow REST client: detects which API the server speaks, signs in, and runs the
//! operations Strata offers on DAGs (list, pause, trigger, follow a run to its end, read task
//! logs, clear failed tasks). Statuses become [`AirflowError`]s worded for the operator.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde::de::DeserializeOwned;

use super::credentials::Credentials;
use super::error::{AirflowError, Result};
use super::log::{LogLine, parse_log};
use super::model::{
    ClearedTask, ClearedTasks, Dag, DagPage, DagRun, DagRunPage, RunState, TaskInstance,
    TaskInstancePage, Token, VersionInfo,
};
use super::request::{self, ApiRequest, ApiVersion, Operation, TriggerOptions};
use crate::tools::connector::{Answer, Connector, server_detail};
use crate::tools::located::follow;

/// How long one request may take before it is given up (a full log of a long task is the
/// slowest answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Task instances are read in pages of this many (Airflow's default page cap is 100).
const TASK_PAGE: u32 = 100;

/// The tool's name in transport errors ("cannot reach Airflow at …").
const TOOL: &str = "Airflow";

/// A signed-in client of one Airflow. Cheap to clone; clones share the token.
#[derive(Clone, Debug)]
pub struct AirflowClient {
    connector: Connector,
    credentials: Credentials,
    api: ApiVersion,
    server_version: String,
    timeout: Duration,
    /// The JWT of Airflow 3, renewed when the server stops accepting it.
    token: Arc<Mutex<Option<String>>>,
}

/// Which API answers at `connector`: `/api/v2/version` (Airflow 3) first, then
/// `/api/v1/version` (Airflow 2). Neither needs credentials.
pub async fn detect_api(connector: &Connector, timeout: Duration) -> Result<(ApiVersion, String)> {
    let mut statuses = Vec::new();
    for api in [ApiVersion::V2, ApiVersion::V1] {
        let probe = request::version(api);
        let answer = connector.send(TOOL, &probe, None, timeout).await?;
        if answer.status == 200 {
            let info: VersionInfo = decode(&probe, &answer)?;
            return Ok((api, info.version));
        }
        statuses.push(answer.status.to_string());
    }
    Err(AirflowError::NoApi {
        target: connector.describe(),
        v2: statuses[0].clone(),
        v1: statuses[1].clone(),
    })
}

impl AirflowClient {
    /// Detects the API and, on Airflow 3, signs in (so bad credentials are said now, not at
    /// the first action).
    pub async fn connect(connector: Connector, credentials: Credentials) -> Result<Self> {
        let (api, server_version) = detect_api(&connector, DEFAULT_TIMEOUT).await?;
        let client = Self::with_api(connector, credentials, api, server_version);
        client.authenticate().await?;
        Ok(client)
    }

    /// A client for an API already known (no request is sent until the first operation).
    pub fn with_api(
        connector: Connector,
        credentials: Credentials,
        api: ApiVersion,
        server_version: impl Into<String>,
    ) -> Self {
        Self {
            connector,
            credentials,
            api,
            server_version: server_version.into(),
            timeout: DEFAULT_TIMEOUT,
            token: Arc::new(Mutex::new(None)),
        }
    }

    /// How long one request may take (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn api_version(&self) -> ApiVersion {
        self.api
    }

    /// Airflow's version as it reported it (`3.3.2`).
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    /// Signs in: on Airflow 3 gets a JWT from `POST /auth/token`; on Airflow 2 (basic auth
    /// on every request) checks the credentials with a one-DAG list.
    pub async fn authenticate(&self) -> Result<()> {
        match self.api {
            ApiVersion::V2 => self.fetch_token().await.map(|_| ()),
            ApiVersion::V1 => self.list_dags(1, 0, None).await.map(|_| ()),
        }
    }

    async fn fetch_token(&self) -> Result<String> {
        let login = request::token(self.credentials.username(), self.credentials.password());
        let answer = self
            .connector
            .send(TOOL, &login, None, self.timeout)
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.status_error(&login, &answer));
        }
        let token: Token = decode(&login, &answer)?;
        if let Ok(mut slot) = self.token.lock() {
            *slot = Some(token.access_token.clone());
        }
        Ok(token.access_token)
    }

    async fn authorization(&self) -> Result<String> {
        match self.api {
            ApiVersion::V1 => {
                let pair = format!(
                    "{}:{}",
                    self.credentials.username(),
                    self.credentials.password()
                );
                Ok(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
            ApiVersion::V2 => {
                let cached = self.token.lock().ok().and_then(|slot| slot.clone());
                let token = match cached {
                    Some(token) => token,
                    None => self.fetch_token().await?,
                };
                Ok(format!("Bearer {token}"))
            }
        }
    }

    /// Sends an authenticated request; on Airflow 3 a 401 with a token we had (expired, or
    /// the server's secret rotated) gets one fresh sign-in and one retry.
    async fn call(&self, request: &ApiRequest) -> Result<Answer> {
        let authorization = self.authorization().await?;
        let answer = self
            .connector
            .send(TOOL, request, Some(&authorization), self.timeout)
            .await?;
        let answer = if answer.status == 401 && self.api == ApiVersion::V2 {
            let token = self.fetch_token().await?;
            self.connector
                .send(
                    TOOL,
                    request,
                    Some(&format!("Bearer {token}")),
                    self.timeout,
                )
                .await?
        } else {
            answer
        };
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

    fn status_error(&self, request: &ApiRequest, answer: &Answer) -> AirflowError {
        let detail = server_detail(&answer.body);
        let username = self.credentials.username().to_string();
        match answer.status {
            401 => AirflowError::Unauthorized {
                username,
                what: request.action.clone(),
                extra: detail,
            },
            403 => AirflowError::Forbidden {
                username,
                what: request.action.clone(),
                extra: detail,
            },
            404 if request.operation == Operation::Token => AirflowError::Status {
                what: request.action.clone(),
                status: 404,
                detail: ": this Airflow 3 has no /auth/token; its auth manager may need a token made in its UI".into(),
            },
            404 => AirflowError::NotFound {
                subject: request.subject.clone(),
                detail,
            },
            409 => AirflowError::Conflict {
                what: request.action.clone(),
                detail,
            },
            400 | 422 => AirflowError::Rejected {
                what: request.action.clone(),
                detail,
            },
            status => AirflowError::Status {
                what: request.action.clone(),
                status,
                detail,
            },
        }
    }

    /// A page of DAGs in id order; `pattern` filters ids (`%` is the wildcard).
    pub async fn list_dags(
        &self,
        limit: u32,
        offset: u32,
        pattern: Option<&str>,
    ) -> Result<DagPage> {
        self.call_json(&request::list_dags(self.api, limit, offset, pattern))
            .await
    }

    pub async fn get_dag(&self, dag_id: &str) -> Result<Dag> {
        self.call_json(&request::get_dag(self.api, dag_id)).await
    }

    /// Pauses or unpauses a DAG; returns the DAG as Airflow now has it.
    pub async fn set_paused(&self, dag_id: &str, paused: bool) -> Result<Dag> {
        self.call_json(&request::set_paused(self.api, dag_id, paused))
            .await
    }

    /// Starts a run now. Build `options.conf` with [`request::parse_conf`] from what a person
    /// typed, so a non-object is refused before anything is sent.
    pub async fn trigger(&self, dag_id: &str, options: &TriggerOptions) -> Result<DagRun> {
        self.call_json(&request::trigger(self.api, dag_id, options))
            .await
    }

    pub async fn get_run(&self, dag_id: &str, run_id: &str) -> Result<DagRun> {
        self.call_json(&request::get_run(self.api, dag_id, run_id))
            .await
    }

    /// The newest `limit` runs of a DAG, newest first.
    pub async fn list_runs(&self, dag_id: &str, limit: u32) -> Result<Vec<DagRun>> {
        let page: DagRunPage = self
            .call_json(&request::list_runs(self.api, dag_id, limit))
            .await?;
        Ok(page.dag_runs)
    }

    /// The DAG's newest run, for a "last run" column (one small request per DAG; ask for the
    /// DAGs on screen only).
    pub async fn last_run(&self, dag_id: &str) -> Result<Option<DagRun>> {
        Ok(self.list_runs(dag_id, 1).await?.into_iter().next())
    }

    /// Every task instance of a run, page after page.
    pub async fn task_instances(&self, dag_id: &str, run_id: &str) -> Result<Vec<TaskInstance>> {
        let mut all = Vec::new();
        loop {
            let offset = u32::try_from(all.len()).unwrap_or(u32::MAX);
            let page: TaskInstancePage = self
                .call_json(&request::list_task_instances(
                    self.api, dag_id, run_id, TASK_PAGE, offset,
                ))
                .await?;
            let got = page.task_instances.len();
            all.extend(page.task_instances);
            if got == 0 || all.len() as u64 >= page.total_entries {
                return Ok(all);
            }
        }
    }

    /// Clears the failed tasks of a run so the scheduler runs them again (and what they held
    /// up). With `dry_run` nothing changes and the answer is what would be cleared: show it,
    /// ask, then call again without.
    pub async fn clear_failed_tasks(
        &self,
        dag_id: &str,
        run_id: &str,
        dry_run: bool,
    ) -> Result<Vec<ClearedTask>> {
        let cleared: ClearedTasks = self
            .call_json(&request::clear_failed(self.api, dag_id, run_id, dry_run))
            .await?;
        Ok(cleared.task_instances)
    }

    /// The whole log of one try of a task (`map_index` -1 for a task that is not mapped).
    pub async fn task_log(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
        map_index: i64,
    ) -> Result<Vec<LogLine>> {
        let request = request::task_log(self.api, dag_id, run_id, task_id, try_number, map_index);
        let answer = self.call(&request).await?;
        let is_json = answer.content_type.contains("json");
        parse_log(&answer.body, is_json).map_err(|reason| AirflowError::Decode {
            what: request.action.clone(),
            reason,
            snippet: snippet(&answer.body),
        })
    }

    /// Follows a run until it succeeds or fails, calling `on_change` with the run each time
    /// its state changes (and once at the start). A few transient errors in a row (a dropped
    /// port-forward) are retried; a lasting one ends the wait. Bound the wait with
    /// `tokio::time::timeout` if the caller needs to.
    pub async fn wait_for_run(
        &self,
        dag_id: &str,
        run_id: &str,
        poll: Duration,
        on_change: impl FnMut(&DagRun),
    ) -> Result<DagRun> {
        follow(
            || self.get_run(dag_id, run_id),
            poll,
            |run: &DagRun| run.state.clone(),
            RunState::is_terminal,
            |e: &AirflowError| match e {
                AirflowError::Transport(_) => true,
                AirflowError::Status { status, .. } => *status >= 500,
                _ => false,
            },
            on_change,
        )
        .await
    }
}

fn decode<T: DeserializeOwned>(request: &ApiRequest, answer: &Answer) -> Result<T> {
    serde_json::from_slice(&answer.body).map_err(|e| AirflowError::Decode {
        what: request.action.clone(),
        reason: e.to_string(),
        snippet: snippet(&answer.body),
    })
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(120).collect()
}
