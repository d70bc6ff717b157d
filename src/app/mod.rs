//! The application: state, actions, the pure update function and the runtime that performs
//! effects and draws frames.

use std::path::PathBuf;

/// Where the cockpit connects and how it starts; built by the CLI.
#[derive(Clone, Debug, Default)]
pub struct LaunchOptions {
    /// Explicit kubeconfig file (else `KUBECONFIG`, else `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    /// A ready-made client configuration (the embedded demo cluster).
    pub demo_config: Option<String>,
}

/// Errors that end the cockpit before or after the terminal session.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Runs the cockpit until the user quits.
pub async fn run(opts: LaunchOptions) -> Result<(), AppError> {
    let _ = opts;
    Ok(())
}
