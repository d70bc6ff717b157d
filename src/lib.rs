//! Strata: a terminal cockpit for operating an open-source data stack on Kubernetes.

pub mod app;
pub mod cluster;
pub mod config;
pub mod printers;
pub mod release;
pub mod sim;
pub mod stack;
pub mod status;
pub mod ui;
