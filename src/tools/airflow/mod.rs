//! Airflow's REST API: API v2 (Airflow 3, JWT) and v1 (Airflow 2, basic auth), over a URL or a
//! port-forward to the api-server pod. What Strata does with a DAG (list, pause, trigger,
//! follow a run, read task logs, clear failed tasks) is here; when and why is `app`'s.

pub mod client;
pub mod credentials;
pub mod discover;
pub mod error;
pub mod log;
pub mod model;
pub mod reach;
pub mod request;

pub use crate::tools::connector::{Connector, TransportError};
pub use client::{AirflowClient, DEFAULT_TIMEOUT, detect_api};
pub use credentials::{Credentials, PASSWORD_ENV, USERNAME_ENV, credentials_from_secret};
pub use discover::{API_POD_SELECTOR, ApiEndpoint, ApiRole, DiscoverError, find_api_endpoint};
pub use error::AirflowError;
pub use log::LogLine;
pub use model::{ClearedTask, Dag, DagPage, DagRun, RunState, TaskInstance};
pub use reach::{CredentialSource, Located, locate, stored_credentials};
pub use request::{ApiRequest, ApiVersion, Operation, TriggerOptions, parse_conf};
