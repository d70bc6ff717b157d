//! Clients of the APIs of the tools Strata operates (their own REST APIs, reached through a
//! port-forward or a URL), as opposed to the Kubernetes API that `cluster` speaks.

pub mod airflow;
pub mod connector;
