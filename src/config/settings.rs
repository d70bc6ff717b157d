//! The settings file, `config.toml` in the config directory: the log viewer's buffer caps and
//! spool. A file that cannot be used falls back to the defaults with a warning naming the
//! line and what is wrong; a missing file is the defaults, silently.

use std::path::Path;

use serde::Deserialize;

use super::{ConfigPaths, ConfigWarning};

/// Everything `config.toml` can set.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub logs: LogSettings,
}

/// `[logs]`: how much one log viewer keeps, and where what it lets go is saved.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// Lines a viewer keeps before letting the oldest go.
    pub max_lines: usize,
    /// Memory a viewer's lines may take, in MiB (text, styles and slots).
    pub max_mib: usize,
    /// Append the lines a viewer lets go to a file under the state directory
    /// (`logs/spool/`), so a long incident keeps its whole history on disk.
    pub spool: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            max_lines: crate::logs::DEFAULT_CAP_LINES,
            max_mib: crate::logs::DEFAULT_CAP_BYTES / (1024 * 1024),
            spool: false,
        }
    }
}

impl LogSettings {
    /// The byte cap the buffer takes.
    pub fn max_bytes(&self) -> usize {
        self.max_mib.saturating_mul(1024 * 1024)
    }
}

/// Parses a settings file's text; the error names the place and the problem.
pub fn parse_settings(text: &str) -> Result<Settings, String> {
    let settings: Settings = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    if settings.logs.max_lines == 0 || settings.logs.max_mib == 0 {
        return Err("[logs] max_lines and max_mib must be at least 1".to_string());
    }
    Ok(settings)
}

/// The user's settings (`config.toml`), or the defaults with a warning when the file cannot
/// be read or parsed.
pub fn load_settings(paths: Option<&ConfigPaths>, warnings: &mut Vec<ConfigWarning>) -> Settings {
    let Some(paths) = paths else {
        return Settings::default();
    };
    read_settings(&paths.settings_file(), warnings)
}

fn read_settings(file: &Path, warnings: &mut Vec<ConfigWarning>) -> Settings {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Settings::default(),
        Err(error) => {
            warnings.push(ConfigWarning::new(
                file.display().to_string(),
                format!("cannot read it ({error}); using the default settings"),
            ));
            return Settings::default();
        }
    };
    match parse_settings(&text) {
        Ok(settings) => settings,
        Err(error) => {
            warnings.push(ConfigWarning::new(
                file.display().to_string(),
                format!("{error}; using the default settings"),
            ));
            Settings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse_settings("").unwrap(), Settings::default());
        assert_eq!(Settings::default().logs.max_bytes(), 32 * 1024 * 1024);
    }

    #[test]
    fn log_caps_and_spool_are_read() {
        let s = parse_settings("[logs]\nmax_lines = 5000\nmax_mib = 8\nspool = true\n").unwrap();
        assert_eq!(
            s.logs,
            LogSettings {
                max_lines: 5000,
                max_mib: 8,
                spool: true
            }
        );
        // What is not set keeps its default.
        let s = parse_settings("[logs]\nspool = true\n").unwrap();
        assert_eq!(s.logs.max_lines, crate::logs::DEFAULT_CAP_LINES);
    }

    #[test]
    fn mistakes_say_where_and_fall_back_to_the_defaults() {
        let err = parse_settings("[logs]\nmax_line = 5\n").unwrap_err();
        assert!(err.contains("max_line") && err.contains("line 2"), "{err}");
        let err = parse_settings("[logs]\nmax_mib = 0\n").unwrap_err();
        assert!(err.contains("at least 1"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::under(dir.path());
        let mut warnings = Vec::new();
        assert_eq!(
            load_settings(Some(&paths), &mut warnings),
            Settings::default()
        );
        assert!(warnings.is_empty(), "a missing file is no warning");
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        std::fs::write(paths.settings_file(), "[logs\n").unwrap();
        assert_eq!(
            load_settings(Some(&paths), &mut warnings),
            Settings::default()
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].source.ends_with("config.toml"));
        assert!(warnings[0].message.contains("default settings"));
    }
}
