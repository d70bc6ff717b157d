//! The settings file, `config.toml` in the config directory: the log viewer's buffer caps and
//! spool, and the safety policy of each kubeconfig context (`[contexts."NAME"]`). A file that
//! cannot be used falls back to the defaults with a warning naming the line and what is wrong;
//! a missing file is the defaults, silently. A mistake in `[contexts]` fails closed: the
//! policies it meant to set are unknown, so every context counts as read-only until it is fixed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{ConfigPaths, ConfigWarning};

/// Everything `config.toml` can set.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub logs: LogSettings,
    #[serde(default)]
    pub helm: HelmSettings,
    /// `[contexts."NAME"]`: per kubeconfig context, by its exact name.
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextSettings>,
    /// Why `[contexts]` could not be read, when it could not: the guard then refuses every
    /// change (a typo must not quietly lift a read-only context's protection).
    #[serde(skip)]
    pub contexts_error: Option<String>,
}

/// `[helm]`: where the upgrade wizard looks for charts by name (a checkout of the team's
/// charts): `charts = ["~/src/platform/charts"]`; a folder `DIR/NAME` holding a `Chart.yaml`
/// is offered when a release of chart NAME is upgraded.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HelmSettings {
    #[serde(default)]
    pub charts: Vec<std::path::PathBuf>,
}

/// `[contexts."NAME"]`: how careful Strata is with one context, and where its in-cluster
/// APIs are. Unset keys keep their defaults (see `guard::ContextPolicy`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ContextSettings {
    /// Refuse every change on this context, as `--readonly` does.
    pub readonly: Option<bool>,
    /// Production: changes need the target's name typed to confirm. Unset: production when
    /// the context's name has the word `prod` or `production` in it.
    pub production: Option<bool>,
    /// The Airflow REST API for this context (`http://…`), instead of a port-forward.
    pub airflow_url: Option<String>,
    /// The Secret holding the Airflow credentials, as `namespace/name`.
    pub airflow_secret: Option<SecretRef>,
    /// Airbyte's server for this context (`http://…`, port 8001), instead of a port-forward.
    pub airbyte_url: Option<String>,
}

/// A Secret named `namespace/name` in `config.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl std::str::FromStr for SecretRef {
    type Err = String;

    fn from_str(text: &str) -> Result<SecretRef, String> {
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        };
        match text.split_once('/') {
            Some((namespace, name)) if valid(namespace) && valid(name) => Ok(SecretRef {
                namespace: namespace.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!(
                "{text:?} is not a Secret reference; write it as \"namespace/name\", e.g. \"orchestration/airflow-api\""
            )),
        }
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SecretRef, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
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
    check_contexts(&settings.contexts)?;
    Ok(settings)
}

/// What serde cannot check about `[contexts]`.
fn check_contexts(contexts: &BTreeMap<String, ContextSettings>) -> Result<(), String> {
    for (name, context) in contexts {
        let urls = [
            ("airflow_url", &context.airflow_url),
            ("airbyte_url", &context.airbyte_url),
        ];
        for (key, url) in urls {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(format!(
                    "[contexts.{name:?}] {key} = {url:?} is not a URL; write it as \"http://host:port\" or \"https://…\""
                ));
            }
        }
    }
    Ok(())
}

/// What is left of a file that does not parse as a whole: its `[contexts]`, read on their
/// own so that a typo under `[logs]` does not lift a context's protection, or the reason
/// they cannot be read (the guard then treats every context as read-only).
fn salvage_contexts(text: &str, error: &str) -> Settings {
    let unreadable = |why: String| Settings {
        contexts_error: Some(why),
        ..Settings::default()
    };
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        // Not even TOML: whether it meant to set policies is a guess; guess safe.
        return if text.contains("contexts") {
            unreadable(error.to_string())
        } else {
            Settings::default()
        };
    };
    let Some(contexts) = table.get("contexts") else {
        return Settings::default();
    };
    let contexts = contexts
        .clone()
        .try_into::<BTreeMap<String, ContextSettings>>()
        .map_err(|e| e.to_string())
        .and_then(|contexts| check_contexts(&contexts).map(|()| contexts));
    match contexts {
        Ok(contexts) => Settings {
            contexts,
            ..Settings::default()
        },
        // The error was (also) in [contexts]: report the original, located in the user's file.
        Err(_) => unreadable(error.to_string()),
    }
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
            let settings = salvage_contexts(&text, &error);
            let fallback = if settings.contexts_error.is_some() {
                "using the default settings, and every context is read-only until [contexts] is fixed"
            } else if settings.contexts.is_empty() {
                "using the default settings"
            } else {
                "using the default settings except [contexts], which was read"
            };
            warnings.push(ConfigWarning::new(
                file.display().to_string(),
                format!("{error}; {fallback}"),
            ));
            settings
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

    #[test]
    fn context_policies_and_airflow_endpoints_are_read() {
        let s = parse_settings(
            "[contexts.\"prod-eu\"]\nreadonly = true\nproduction = true\n\
             airflow_url = \"https://airflow.acme.internal\"\n\
             airflow_secret = \"orchestration/airflow-api\"\n\
             airbyte_url = \"http://airbyte.acme.internal:8001\"\n\
             [contexts.dev]\nproduction = false\n",
        )
        .unwrap();
        let prod = &s.contexts["prod-eu"];
        assert_eq!(prod.readonly, Some(true));
        assert_eq!(prod.production, Some(true));
        assert_eq!(
            prod.airflow_url.as_deref(),
            Some("https://airflow.acme.internal")
        );
        let secret = prod.airflow_secret.as_ref().unwrap();
        assert_eq!(
            (secret.namespace.as_str(), secret.name.as_str()),
            ("orchestration", "airflow-api")
        );
        assert_eq!(secret.to_string(), "orchestration/airflow-api");
        // Unset keys stay unset: the name rule and the defaults decide.
        assert_eq!(s.contexts["dev"].readonly, None);
        assert_eq!(s.contexts["dev"].airflow_url, None);
        assert_eq!(
            prod.airbyte_url.as_deref(),
            Some("http://airbyte.acme.internal:8001")
        );
        let err = parse_settings("[contexts.dev]\nairbyte_url = \"airbyte:8001\"\n").unwrap_err();
        assert!(
            err.contains("airbyte_url") && err.contains("http://"),
            "{err}"
        );
    }

    #[test]
    fn context_mistakes_say_which_key_and_how_to_write_it() {
        let err = parse_settings("[contexts.dev]\nread_only = true\n").unwrap_err();
        assert!(
            err.contains("read_only") && err.contains("readonly"),
            "{err}"
        );
        let err = parse_settings("[contexts.dev]\nairflow_secret = \"airflow-api\"\n").unwrap_err();
        assert!(err.contains("namespace/name"), "{err}");
        let err = parse_settings("[contexts.dev]\nairflow_url = \"airflow:8080\"\n").unwrap_err();
        assert!(err.contains("http://"), "{err}");
        let err = parse_settings("[contexts.dev]\nreadonly = \"yes\"\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_mistake_elsewhere_keeps_the_policies_and_one_in_them_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        let load = |text: &str| {
            std::fs::write(paths.settings_file(), text).unwrap();
            let mut warnings = Vec::new();
            let settings = load_settings(Some(&paths), &mut warnings);
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            (settings, warnings[0].message.clone())
        };
        // A typo under [logs]: the read-only context stays read-only.
        let (settings, warning) = load("[logs]\nmax_line = 5\n[contexts.prod]\nreadonly = true\n");
        assert_eq!(settings.contexts["prod"].readonly, Some(true));
        assert_eq!(settings.contexts_error, None);
        assert_eq!(settings.logs, LogSettings::default());
        assert!(warning.contains("except [contexts]"), "{warning}");
        // A typo in [contexts]: what it meant is unknown, so everything is read-only.
        let (settings, warning) = load("[contexts.prod]\nread_only = true\n");
        assert!(settings.contexts_error.unwrap().contains("read_only"));
        assert!(warning.contains("every context is read-only"), "{warning}");
        // Broken TOML that mentions contexts fails closed too; without them it need not.
        let (settings, _) = load("[contexts.prod\nreadonly = true\n");
        assert!(settings.contexts_error.is_some());
        let (settings, warning) = load("[logs\n");
        assert_eq!(settings, Settings::default());
        assert!(warning.ends_with("using the default settings"), "{warning}");
    }
}
