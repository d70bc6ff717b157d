//! User configuration: where Strata's files live, the settings read from the environment, and
//! the keymap and theme assembled from the embedded defaults and the user's files. Nothing
//! here fails: a file that cannot be used becomes a `ConfigWarning` the cockpit shows, and the
//! defaults apply.

pub mod keymap;
pub mod paths;
pub mod theme;

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;

pub use keymap::load_keymap;
pub use paths::ConfigPaths;
pub use theme::{TermEnv, load_theme};

use crate::app::Keymap;
use crate::ui::Theme;

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
    fn new(source: impl Into<String>, message: impl Into<String>) -> ConfigWarning {
        ConfigWarning {
            source: source.into(),
            message: message.into(),
        }
    }
}

/// The keymap and theme the cockpit starts with, and every problem met assembling them.
#[derive(Clone, Debug)]
pub struct Appearance {
    pub keymap: Keymap,
    pub theme: Theme,
    pub warnings: Vec<ConfigWarning>,
}

/// Loads the keymap and theme for this process: embedded defaults, the user's files in the
/// config directory, then `--keymap` and `--theme` (`NAME` or a path to a `.toml` file), with
/// `NO_COLOR` and the terminal's colour depth taken from the environment.
pub fn load_appearance(theme: Option<&str>, keymap: Option<&str>) -> Appearance {
    let mut warnings = Vec::new();
    let paths = match ConfigPaths::discover() {
        Ok(paths) => Some(paths),
        Err(error) => {
            warnings.push(ConfigWarning::new("configuration", error.to_string()));
            None
        }
    };
    let (keymap, keymap_warnings) = load_keymap(paths.as_ref(), keymap);
    let (theme, theme_warnings) = load_theme(paths.as_ref(), theme, &TermEnv::from_process());
    warnings.extend(keymap_warnings);
    warnings.extend(theme_warnings);
    Appearance {
        keymap,
        theme,
        warnings,
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
