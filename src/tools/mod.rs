//! Clients of the APIs of the tools Strata operates (their own REST APIs, reached through a
//! port-forward or a URL), as opposed to the Kubernetes API that `cluster` speaks.

pub mod airbyte;
pub mod airflow;
pub mod connector;
pub mod located;
pub(crate) mod pods;
pub mod secrets;
