//! Helm releases read natively (no `helm` binary): the storage codec for Helm's release
//! Secrets, and, on top of it, history and diffs.

pub mod storage;

pub use storage::{
    Chart, ChartDependency, ChartFile, ChartMetadata, HelmRelease, Hook, HookExecution, HookPhase,
    Maintainer, ReleaseDecodeError, ReleaseInfo, ReleaseStatus, decode_release, encode_release,
    release_secret, release_secret_name,
};
