//! The application: state, actions, the pure update function and the runtime that performs
//! effects and draws frames.

pub mod action;
pub mod command;
pub mod document;
pub mod editor;
pub mod filter;
#[cfg(any(test, feature = "harness"))]
pub mod harness;
pub mod incident;
pub mod keymap;
pub mod logs;
pub mod runs;
mod runtime;
pub mod security;
mod shell;
pub mod tool;
mod tool_runtime;
pub use runtime::Safety;
pub mod state;
pub mod table;
mod terminal;
pub mod trigger;
pub mod update;

use std::path::PathBuf;

pub use action::{Action, Effect, Intent};
pub use keymap::Keymap;
pub(crate) use state::follow;
pub use state::{AppState, ContextInfo, ServerStatus, SyncState, View, Viewport};
pub use update::update;

use crate::cluster::{self, ClusterError, ConnectTarget, KubeconfigSource, NamespaceScope};
use crate::config::ConfigWarning;
// The runtime draws with the theme; app only hands it over (it never styles anything).
use crate::ui::Theme;

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
    /// `--readonly`: no mutating action runs (enforced where effects run).
    pub readonly: bool,
    /// Folders of charts the upgrade wizard offers by name, besides `[helm] charts` (the
    /// demo's next charts).
    pub chart_dirs: Vec<PathBuf>,
}

impl LaunchOptions {
    pub fn connect_target(&self) -> ConnectTarget {
        let source = match (&self.demo_config, &self.kubeconfig) {
            (Some(yaml), _) => KubeconfigSource::Inline(yaml.clone()),
            (None, Some(path)) => KubeconfigSource::File(path.clone()),
            (None, None) => KubeconfigSource::Default,
        };
        ConnectTarget {
            source,
            context: self.context.clone(),
        }
    }

    /// `-n NAME` starts in that namespace; otherwise (and with `-A`) all namespaces, because a
    /// data stack spans several and the cockpit's first job is the overview.
    pub fn initial_scope(&self) -> NamespaceScope {
        match &self.namespace {
            Some(name) if !self.all_namespaces => NamespaceScope::Only(name.clone()),
            _ => NamespaceScope::All,
        }
    }
}

/// The keymap, theme and settings (`config.toml`) the cockpit starts with, and every problem
/// met loading them (shown in the cockpit). The launch path (`main`) loads them: `keymap::load_keymap` and
/// `ui::theme::load_theme`, over the files `config` chose.
#[derive(Clone, Debug, Default)]
pub struct Appearance {
    pub keymap: Keymap,
    pub theme: Theme,
    pub settings: crate::config::Settings,
    /// Where log viewers spool what they let go (`[logs] spool = true`); none without a
    /// home to put it in.
    pub spool_dir: Option<PathBuf>,
    /// The audit log of mutations; none without a home (then nothing may change).
    pub audit_log: Option<PathBuf>,
    pub warnings: Vec<ConfigWarning>,
}

/// Errors that end the cockpit before or after the terminal session.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("terminal error: {0} (is this an interactive terminal?)")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Runs the cockpit until the user quits. A bad theme or keymap file has already fallen back
/// to the defaults; its warning is shown in the cockpit rather than stopping it.
pub async fn run(opts: LaunchOptions, appearance: Appearance) -> Result<(), AppError> {
    // Kubeconfig mistakes are reported before the terminal switches to the cockpit, where
    // they can be read and copied; a server that does not answer is shown inside it instead.
    let connection = cluster::connect(&opts.connect_target()).await?;
    let warnings = appearance
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    let log_buffers = logs::LogBuffers {
        max_lines: appearance.settings.logs.max_lines,
        max_bytes: appearance.settings.logs.max_bytes(),
        spool_dir: appearance
            .spool_dir
            .filter(|_| appearance.settings.logs.spool),
    };
    let safety = runtime::Safety {
        policies: crate::guard::Policies::new(&appearance.settings, opts.readonly),
        audit_log: appearance.audit_log,
    };
    runtime::run(
        connection,
        opts.connect_target(),
        opts.initial_scope(),
        runtime::Startup {
            theme: appearance.theme,
            keymap: appearance.keymap,
            log_buffers,
            safety,
            warnings,
            chart_dirs: opts
                .chart_dirs
                .iter()
                .chain(&appearance.settings.helm.charts)
                .map(|dir| crate::config::expand_home(dir))
                .collect(),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_wins_over_files() {
        let opts = LaunchOptions {
            kubeconfig: Some("/x".into()),
            demo_config: Some("yaml".into()),
            ..LaunchOptions::default()
        };
        assert_eq!(
            opts.connect_target().source,
            KubeconfigSource::Inline("yaml".into())
        );
        let opts = LaunchOptions {
            kubeconfig: Some("/x".into()),
            ..LaunchOptions::default()
        };
        assert_eq!(
            opts.connect_target().source,
            KubeconfigSource::File("/x".into())
        );
        assert_eq!(
            LaunchOptions::default().connect_target().source,
            KubeconfigSource::Default
        );
    }

    #[test]
    fn namespace_flags_pick_the_first_scope() {
        let mut opts = LaunchOptions::default();
        assert_eq!(opts.initial_scope(), NamespaceScope::All);
        opts.namespace = Some("etl".into());
        assert_eq!(opts.initial_scope(), NamespaceScope::Only("etl".into()));
        opts.all_namespaces = true;
        assert_eq!(opts.initial_scope(), NamespaceScope::All);
    }
}
