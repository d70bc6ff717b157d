//! Where Strata's user files live, following each platform's conventions (the `directories`
//! crate): `~/.config/strata` for settings, keymaps and themes, a state directory for the audit
//! log.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::ConfigError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPaths {
    /// Settings, `keymap.toml` and `themes/`.
    pub config_dir: PathBuf,
    /// Files Strata writes as it runs (the audit log); kept apart from settings so backing up
    /// the config never drags history along.
    pub state_dir: PathBuf,
}

impl ConfigPaths {
    pub fn discover() -> Result<ConfigPaths, ConfigError> {
        let dirs = ProjectDirs::from("", "", "strata").ok_or(ConfigError::NoHome)?;
        let state_dir = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf();
        Ok(ConfigPaths {
            config_dir: dirs.config_dir().to_path_buf(),
            state_dir,
        })
    }

    /// Everything under one root (tests, and a future `--config-dir`).
    pub fn under(root: &Path) -> ConfigPaths {
        ConfigPaths {
            config_dir: root.join("config"),
            state_dir: root.join("state"),
        }
    }

    /// The settings file (`[logs]` caps and spool).
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// Where log viewers spool the lines they let go, when asked to.
    pub fn log_spool_dir(&self) -> PathBuf {
        self.saved_logs_dir().join("spool")
    }

    /// The user's keymap, which overrides the embedded `keymaps/default.toml`.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    /// A user keymap picked with `--keymap NAME`, e.g. `keymaps/mine.toml`.
    pub fn keymap_named(&self, name: &str) -> PathBuf {
        self.config_dir.join("keymaps").join(format!("{name}.toml"))
    }

    /// The user's theme, laid over the default (or the theme it `extends`).
    pub fn user_theme_file(&self) -> PathBuf {
        self.config_dir.join("theme.toml")
    }

    /// A user theme by name, e.g. `themes/solarized.toml`.
    pub fn theme_file(&self, name: &str) -> PathBuf {
        self.config_dir.join("themes").join(format!("{name}.toml"))
    }

    pub fn audit_log(&self) -> PathBuf {
        self.state_dir.join("audit.jsonl")
    }

    /// Where the log viewer saves what it holds (ctrl-s).
    pub fn saved_logs_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_sit_under_their_directories() {
        let paths = ConfigPaths::under(Path::new("/r"));
        assert_eq!(paths.keymap_file(), Path::new("/r/config/keymap.toml"));
        assert_eq!(
            paths.theme_file("dark"),
            Path::new("/r/config/themes/dark.toml")
        );
        assert_eq!(paths.audit_log(), Path::new("/r/state/audit.jsonl"));
        assert_eq!(
            paths.keymap_named("vim"),
            Path::new("/r/config/keymaps/vim.toml")
        );
        assert_eq!(paths.user_theme_file(), Path::new("/r/config/theme.toml"));
    }

    #[test]
    fn discovery_names_strata() {
        let paths = ConfigPaths::discover().expect("tests run with a HOME");
        assert!(paths.config_dir.ends_with("strata"), "{paths:?}");
        assert_ne!(paths.config_dir, paths.state_dir);
    }
}
