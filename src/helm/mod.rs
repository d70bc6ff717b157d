//! Helm releases changed through the real `helm` binary: finding it, running it with the
//! connection's kubeconfig, planning a rollback from the release Secrets read natively, and
//! planning an upgrade (helm's render compared with the live release, a server dry run), and
//! the checks that read the cluster (kubeVersion, images, PDBs, live GitOps marks).

pub mod binary;
pub mod checks;
pub mod kube_version;
pub mod plan;
pub mod preflight;
pub mod prepare;
pub mod revisions;
pub mod rollback;
pub mod upgrade;
pub mod watch;

pub use binary::{HelmBinary, HelmError, HelmRun, KubeArgs};
pub use plan::{ObjectChange, RollbackPlan};
pub use preflight::{Preflight, server_dry_run};
pub use revisions::{Revision, newest_said, read_revisions, unlock_pending};
pub use rollback::{HELM_TIMEOUT, release_mutation, rollback_args, run_log, unlock_mutation};
pub use upgrade::{UpgradePlan, UpgradeTarget};
