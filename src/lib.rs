//! Strata: a terminal cockpit for operating an open-source data stack on Kubernetes.

pub mod app;
pub mod sim;
