//! Strata: a terminal cockpit for operating an open-source data stack on Kubernetes.

pub mod app;
pub mod bundle;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod guard;
pub mod helm;
pub mod logs;
pub mod security;
pub mod stack;
pub mod status;
pub mod tools;
pub mod ui;

/// kubectl's printers and Helm's release codec live in the crate the simulator shares.
pub use strata_common::{printers, release};

/// The embedded simulator (`strata demo`, `strata sim`).
#[cfg(feature = "sim")]
pub use strata_sim as sim;
