//! Airbyte's public API v1 (`/api/public/v1` on the server, port 8001), over a URL or a
//! port-forward to the server pod: connections with their last job, starting a sync, and
//! following its job to the end. What Strata does is here; when and why is the callers'.

pub mod client;
pub mod credentials;
pub mod discover;
pub mod error;
pub mod model;
pub mod reach;
pub mod request;

pub use client::{AirbyteClient, DEFAULT_TIMEOUT, pick_connection};
pub use credentials::{AUTH_SECRET, CLIENT_ID_ENV, CLIENT_SECRET_ENV, Credentials};
pub use discover::{DiscoverError, SERVER_POD_SELECTORS, ServerEndpoint, find_server_endpoint};
pub use error::AirbyteError;
pub use model::{Connection, Job, JobStatus, Schedule};
pub use reach::{Located, locate, stored_credentials};
