//! User configuration: where Strata's files live and the settings read from the environment.
//! Theme and keymap files are read here too once they can be overridden (embedded defaults
//! for now).

pub mod paths;

use std::ffi::OsStr;

pub use paths::ConfigPaths;

/// Why the configuration could not be located or read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot find your home directory, so Strata has nowhere to read its settings from; \
         set HOME (Strata still runs with its built-in defaults)"
    )]
    NoHome,
}

/// The <https://no-color.org> convention: any non-empty `NO_COLOR` turns colour off.
pub fn no_color_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
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
}
