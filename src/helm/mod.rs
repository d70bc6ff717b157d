//! Helm releases changed through the real `helm` binary: finding it, running it with the
//! connection's kubeconfig, and planning a rollback from the release Secrets read natively.

pub mod binary;
pub mod plan;
pub mod revisions;
pub mod rollback;

pub use binary::{HelmBinary, HelmError, HelmRun, KubeArgs};
pub use plan::{ObjectChange, RollbackPlan};
pub use revisions::{Revision, newest_said, read_revisions, unlock_pending};
pub use rollback::{HELM_TIMEOUT, release_mutation, rollback_args, run_log};
