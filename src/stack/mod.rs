//! The data stack as operators think of it: every workload, pod, job, service and Helm
//! release mapped to a layer (DESIGN §1) and a component (one installed tool instance), with
//! health and reasons per component and layer. Pure: no I/O, no clock (callers pass `now`),
//! so the cockpit, `strata status` and the tests all get the same answers from the same
//! objects.
//!
//! Entry points: project API objects with [`StackObject::from_json`], Helm releases with
//! [`ReleaseFacts::from_release`] (then [`newest_revisions`]), load rules with
//! [`RuleSet::builtin`] or [`RuleSet::with_user_rules`], and call [`assess`] for a
//! [`StackReport`] (or [`classify`] for placements alone).

pub mod classify;
pub mod dbt_command;
pub mod glob;
pub mod health;
pub mod helm;
pub mod incident;
pub mod layer;
pub mod live;
pub mod object;
pub mod release_diff;
pub mod report;
pub mod rules;
pub mod runs;

pub use classify::{Classification, Component, Part, Placement, classify};
pub use glob::Glob;
pub use health::{Health, assess, report};
pub use helm::{ReleaseFacts, newest_revisions};
pub use layer::Layer;
pub use live::LiveStack;
pub use object::{ObjectKind, ObjectState, StackObject};
pub use report::{
    ComponentReport, FailOn, LayerReport, RunFailure, RunSummary, StackReport, WorkloadReport,
};
pub use rules::{RuleSet, RulesError, Tool, ToolKind};
pub use runs::{Run, RunPod, RunState};

/// The user's rules file in the config directory (next to `keymap.toml`).
pub fn rules_file(paths: &crate::config::ConfigPaths) -> std::path::PathBuf {
    paths.config_dir.join("rules.toml")
}

#[cfg(test)]
mod tests;
