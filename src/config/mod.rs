//! User configuration: where Strata's files live, the settings read from the environment and
//! `config.toml`, and which keymap and theme files apply, in which order, with what fallback. Nothing here fails:
//! a file that cannot be used becomes a `ConfigWarning` the cockpit shows, and the defaults
//! apply.
//!
//! This module deals in files and their text only; it knows neither the `Keymap` nor the
//! `Theme` type, so it sits below `app` and `ui` and both may use it. The formats are parsed
//! where the types live: `app::keymap::load_keymap` lays the keymap files chosen here
//! ([`keymap::keymap_layers`]) over the defaults, `ui::theme::load_theme` builds the theme from
//! the source chosen here ([`theme::choose_theme`]), each adding a warning for a file it cannot
//! parse. The launch path (`main`) calls both and hands the result to the cockpit.

pub mod keymap;
pub mod paths;
pub mod settings;
pub mod theme;

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;

pub use keymap::keymap_layers;
pub use paths::ConfigPaths;
pub use settings::{ContextSettings, LogSettings, SecretRef, Settings, load_settings};
pub use theme::{BuiltinThemes, TermEnv, ThemeSource, choose_theme};

/// Why the configuration could not be located or read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot find your home directory, so Strata has nowhere to read its settings from; \
         set HOME (Strata still runs with its built-in defaults)"
    )]
    NoHome,
}

/// A configuration file Strata could not use, and what it did instead; meant to be shown in
/// the cockpit (the message names the file, what is wrong, and the fallback).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The file or flag at fault (`~/.config/strata/keymap.toml`, `--theme solarized`).
    pub source: String,
    /// What is wrong and what Strata does instead.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl ConfigWarning {
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> ConfigWarning {
        ConfigWarning {
            source: source.into(),
            message: message.into(),
        }
    }
}

/// A configuration file's text and where it came from, for the warning should it not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigText {
    /// The file, or the flag that named it (`--keymap vim`).
    pub source: String,
    pub text: String,
}

/// Where the user's files are, or `None` with a warning saying why they cannot be found (the
/// defaults then apply).
pub fn discover_paths(warnings: &mut Vec<ConfigWarning>) -> Option<ConfigPaths> {
    match ConfigPaths::discover() {
        Ok(paths) => Some(paths),
        Err(error) => {
            warnings.push(ConfigWarning::new("configuration", error.to_string()));
            None
        }
    }
}

/// `~/…` in a configured path, as a shell would read it (config files are not shells).
pub fn expand_home(path: &Path) -> std::path::PathBuf {
    match (
        path.strip_prefix("~"),
        directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
    ) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// The <https://no-color.org> convention: any non-empty `NO_COLOR` turns colour off.
pub fn no_color_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// `--theme`/`--keymap` take a name or a file; anything that looks like a path is a file.
fn is_path(choice: &str) -> bool {
    choice.contains(std::path::MAIN_SEPARATOR) || choice.contains('/') || choice.ends_with(".toml")
}

/// A file's text, or a warning saying why it could not be read.
fn read(path: &Path) -> Result<String, ConfigWarning> {
    std::fs::read_to_string(path).map_err(|error| {
        ConfigWarning::new(
            path.display().to_string(),
            format!("cannot read the file ({error})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_needs_a_non_empty_value() {
        assert!(!no_color_requested(None));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(no_color_requested(Some(OsStr::new("1"))));
        assert!(no_color_requested(Some(OsStr::new("0"))));
    }

    #[test]
    fn paths_and_names_are_told_apart() {
        assert!(is_path("./mine.toml"));
        assert!(is_path("/etc/strata/vim"));
        assert!(is_path("mine.toml"));
        assert!(!is_path("vim"));
        assert!(!is_path("16color"));
    }

    #[test]
    fn warnings_name_their_source() {
        let warning = ConfigWarning::new("--theme x", "no such theme");
        assert_eq!(warning.to_string(), "--theme x: no such theme");
    }
}
