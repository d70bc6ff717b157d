//! The audit log (`audit.jsonl` in the state directory): one JSON line per change Strata
//! attempted — run, refused or failed — with who, where, what and how it ended. Secrets in
//! the parameters never reach it. The file is the user's alone (0600, folder 0700) and each
//! line is one `write` on a file opened with `O_APPEND`, so concurrent Stratas never
//! interleave halves of lines.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde::Serialize;
use serde::ser::SerializeMap;

use super::{Mutation, Target};

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// Why the audit log cannot be written. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "cannot create the audit log's folder {}: {source}; check the permissions of its parent",
        path.display()
    )]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the audit log {}: {source}; check its permissions (it must be writable by you)",
        path.display()
    )]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write to the audit log {}: {source}; check the free space and permissions",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How an attempted change ended, as its audit line records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    /// It ran; `outcome` says what it made ("job dbt-nightly-manual-7xk2p created").
    Ok { outcome: String },
    /// The guard (or the operator at the confirmation) stopped it; nothing was changed.
    Refused { reason: String },
    /// It was tried and the cluster or tool said no.
    Failed { error: String },
}

impl Outcome {
    pub fn ok(outcome: impl Into<String>) -> Outcome {
        Outcome::Ok {
            outcome: outcome.into(),
        }
    }

    pub fn refused(reason: impl ToString) -> Outcome {
        Outcome::Refused {
            reason: reason.to_string(),
        }
    }

    pub fn failed(error: impl ToString) -> Outcome {
        Outcome::Failed {
            error: error.to_string(),
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    /// RFC 3339, UTC.
    pub time: String,
    pub context: &'a str,
    /// Who the API server says we are (SelfSubjectReview), else the kubeconfig's user name.
    pub user: &'a str,
    pub action: &'a str,
    pub target: &'a Target,
    pub parameters: RedactedParameters<'a>,
    #[serde(flatten)]
    pub outcome: &'a Outcome,
    pub readonly: bool,
    pub production: bool,
}

/// Who, where and under which policy a change is attempted.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub context: &'a str,
    pub user: &'a str,
    pub readonly: bool,
    pub production: bool,
}

impl<'a> AuditEntry<'a> {
    pub fn new(
        at: DateTime<Utc>,
        attempt: Attempt<'a>,
        mutation: &'a Mutation,
        outcome: &'a Outcome,
    ) -> AuditEntry<'a> {
        AuditEntry {
            time: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            context: attempt.context,
            user: attempt.user,
            action: &mutation.action,
            target: &mutation.target,
            parameters: RedactedParameters(&mutation.parameters),
            outcome,
            readonly: attempt.readonly,
            production: attempt.production,
        }
    }

    /// The line as written, newline included.
    pub fn to_line(&self) -> String {
        // Every field serializes (strings and booleans); should that ever change, the line
        // still says what happened rather than losing the attempt.
        let mut line = serde_json::to_string(self).unwrap_or_else(|error| {
            serde_json::json!({
                "time": self.time,
                "context": self.context,
                "action": self.action,
                "result": "failed",
                "error": format!("the audit line could not be encoded: {error}"),
            })
            .to_string()
        });
        line.push('\n');
        line
    }
}

/// Parameters as a JSON object in the order given, secrets replaced by [`REDACTED`].
#[derive(Debug)]
pub struct RedactedParameters<'a>(pub &'a [(String, String)]);

impl Serialize for RedactedParameters<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, &redact_parameter(key, value))?;
        }
        map.end()
    }
}

/// The audit log file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> AuditLog {
        AuditLog { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the log for appending, creating its folder (0700) and the file (0600). A file
    /// someone made readable by others is narrowed back to 0600: it says who changed what.
    pub fn open(&self) -> Result<AuditFile, AuditError> {
        if let Some(folder) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(folder).map_err(|source| AuditError::Folder {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        let open = |source| AuditError::Open {
            path: self.path.clone(),
            source,
        };
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&self.path).map_err(open)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(open)?.permissions().mode();
            if mode & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(open)?;
            }
        }
        Ok(AuditFile {
            file: Arc::new(file),
            path: self.path.clone(),
        })
    }
}

fn create_private_dir(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// The audit log, open for appending; opening it before a change runs proves that the
/// change can be recorded.
#[derive(Clone, Debug)]
pub struct AuditFile {
    file: Arc<File>,
    path: PathBuf,
}

impl AuditFile {
    /// Appends one line with a single `write`: with `O_APPEND` it lands whole at the end.
    pub fn append(&self, entry: &AuditEntry<'_>) -> Result<(), AuditError> {
        let line = entry.to_line();
        let write = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let written = (&*self.file).write(line.as_bytes()).map_err(write)?;
        if written != line.len() {
            return Err(write(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!("only {written} of {} bytes were written", line.len()),
            )));
        }
        Ok(())
    }
}

/// Words that make a key secret wherever they appear in it (`db_password`, `accessToken`).
const SECRET_PARTS: [&str; 7] = [
    "password",
    "passwd",
    "token",
    "secret",
    "credential",
    "apikey",
    "privatekey",
];

/// Words that make a key secret only as a whole word (`api_key`, `auth`, but not `monkey`,
/// `author`).
const SECRET_WORDS: [&str; 7] = ["key", "auth", "pwd", "pass", "passphrase", "dsn", "cookie"];

/// Whether a parameter or JSON key names something secret.
pub fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    SECRET_PARTS.iter().any(|part| squashed.contains(part))
        || words(key).any(|word| SECRET_WORDS.contains(&word.as_str()))
}

/// The words of a key: split at anything but letters and digits, and at camelCase humps.
fn words(key: &str) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        let boundary = !c.is_alphanumeric() || (c.is_uppercase() && previous_lower);
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.into_iter()
}

/// A parameter's value as the audit log shows it.
pub fn redact_parameter(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        return REDACTED.to_string();
    }
    redact_text(value)
}

/// Secrets inside a value: under secret keys of a JSON document (Airflow's `conf`, dbt's
/// `--vars`), in `key=value` / `key: value` / `--password x` text, and passwords in URLs.
pub fn redact_text(value: &str) -> String {
    let trimmed = value.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(mut json) = serde_json::from_str::<serde_json::Value>(value)
    {
        redact_json(&mut json);
        return json.to_string();
    }
    let Some(patterns) = &*INLINE_SECRETS else {
        // The patterns are literals tested below; if one ever fails to compile, show
        // nothing rather than a secret.
        return REDACTED.to_string();
    };
    let text = patterns
        .assignment
        .replace_all(value, |caps: &regex::Captures<'_>| {
            let key = caps.name("flag").or(caps.name("key"));
            if key.is_some_and(|key| is_secret_key(key.as_str())) {
                format!("{}{REDACTED}", &caps["lead"])
            } else {
                caps[0].to_string()
            }
        });
    patterns
        .url_password
        .replace_all(&text, format!("${{scheme}}${{user}}:{REDACTED}@"))
        .into_owned()
}

/// Redacts, in place, every value under a secret key, at any depth.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_secret_key(key) {
                    *inner = serde_json::Value::String(REDACTED.to_string());
                } else {
                    redact_json(inner);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::String(text) => {
            let redacted = redact_text(text);
            if redacted != *text {
                *text = redacted;
            }
        }
        _ => {}
    }
}

struct InlinePatterns {
    /// `key=value`, `key: value`, `"key": "value"`, `--key value`, `--key=value` (a value
    /// never starts with `-`, so `--full-refresh --password x` pairs `--password` with `x`).
    assignment: Regex,
    /// `scheme://user:password@host`.
    url_password: Regex,
}

static INLINE_SECRETS: LazyLock<Option<InlinePatterns>> = LazyLock::new(|| {
    Some(InlinePatterns {
        assignment: Regex::new(
            r#"(?P<lead>--(?P<flag>[A-Za-z0-9_.\-]+)(?:=|\s+)|["']?(?P<key>[A-Za-z0-9_.\-]+)["']?\s*[=:]\s*)(?P<value>"[^"]*"|'[^']*'|[^\s,;&"'}\-][^\s,;&"'}]*)"#,
        )
        .ok()?,
        url_password: Regex::new(
            r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:/@\s]*):[^@\s/]+@",
        )
        .ok()?,
    })
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{Mutation, Target};

    #[test]
    fn the_patterns_compile() {
        assert!(INLINE_SECRETS.is_some());
    }

    #[test]
    fn secret_keys_are_recognised_and_harmless_ones_are_not() {
        for key in [
            "password",
            "DB_PASSWORD",
            "accessToken",
            "client_secret",
            "aws-credentials",
            "api_key",
            "apiKey",
            "X-Api-Key",
            "auth",
            "basicAuth",
            "pwd",
            "ssh_passphrase",
            "privateKey",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "select",
            "dag_id",
            "monkey",
            "author",
            "keyspace",
            "target",
            "full_refresh",
            "passenger_count",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn planted_secrets_never_reach_the_line() {
        let mutation = Mutation::new(
            "trigger.airflow",
            Target::new("DAG", Some("orchestration"), "load_orders"),
        )
        .parameter("dag_id", "load_orders")
        .parameter("api_token", "PLANTED-1")
        .parameter(
            "conf",
            r#"{"table": "orders", "db": {"password": "PLANTED-2", "host": "pg"}, "tokens": ["PLANTED-3"], "dsn": "x"}"#,
        )
        .parameter("args", "--full-refresh --password PLANTED-4 secret=PLANTED-5")
        .parameter("source", "postgres://loader:PLANTED-6@pg:5432/app")
        .parameter("vars", "{\"run_date\": \"2024-01-01\"}");
        let outcome = Outcome::ok("dag run manual__1 queued");
        let attempt = Attempt {
            context: "prod-eu",
            user: "alice",
            readonly: false,
            production: true,
        };
        let line = AuditEntry::new(Utc::now(), attempt, &mutation, &outcome).to_line();
        for n in 1..=6 {
            assert!(
                !line.contains(&format!("PLANTED-{n}")),
                "PLANTED-{n} in {line}"
            );
        }
        let json: serde_json::Value = serde_json::from_str(&line).unwrap();
        let parameters = &json["parameters"];
        // What is not secret stays, so the line still says what was done.
        assert_eq!(parameters["dag_id"], "load_orders");
        assert_eq!(parameters["api_token"], REDACTED);
        let conf: serde_json::Value =
            serde_json::from_str(parameters["conf"].as_str().unwrap()).unwrap();
        assert_eq!(conf["table"], "orders");
        assert_eq!(conf["db"]["host"], "pg");
        assert_eq!(conf["db"]["password"], REDACTED);
        assert_eq!(conf["tokens"], REDACTED);
        assert_eq!(
            parameters["args"],
            "--full-refresh --password <redacted> secret=<redacted>"
        );
        assert_eq!(
            parameters["source"],
            "postgres://loader:<redacted>@pg:5432/app"
        );
        assert_eq!(parameters["vars"], "{\"run_date\":\"2024-01-01\"}");
        // Parameters keep the order they were given in (not sorted: dag_id before api_token).
        let at = |key: &str| line.find(&format!("\"{key}\":")).unwrap();
        assert!(at("dag_id") < at("api_token") && at("api_token") < at("conf"));
    }

    #[test]
    fn a_line_has_the_documented_shape() {
        let mutation = Mutation::new(
            "trigger.dbt",
            Target::new("CronJob", Some("transformation"), "dbt-nightly"),
        )
        .parameter("select", "tag:daily");
        let at = DateTime::parse_from_rfc3339("2025-03-01T10:20:30.456+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let attempt = Attempt {
            context: "dev",
            user: "bob",
            readonly: true,
            production: false,
        };
        let cases = [
            (
                Outcome::ok("job dbt-nightly-manual-x created"),
                serde_json::json!({"result": "ok", "outcome": "job dbt-nightly-manual-x created"}),
            ),
            (
                Outcome::refused("read-only: Strata was started with --readonly"),
                serde_json::json!({"result": "refused", "reason": "read-only: Strata was started with --readonly"}),
            ),
            (
                Outcome::failed("jobs.batch \"x\" already exists"),
                serde_json::json!({"result": "failed", "error": "jobs.batch \"x\" already exists"}),
            ),
        ];
        for (outcome, result) in cases {
            let line = AuditEntry::new(at, attempt, &mutation, &outcome).to_line();
            assert!(
                line.ends_with('\n') && line.matches('\n').count() == 1,
                "{line}"
            );
            let mut expected = serde_json::json!({
                "time": "2025-03-01T08:20:30.456Z",
                "context": "dev",
                "user": "bob",
                "action": "trigger.dbt",
                "target": {"kind": "CronJob", "namespace": "transformation", "name": "dbt-nightly"},
                "parameters": {"select": "tag:daily"},
                "readonly": true,
                "production": false,
            });
            for (key, value) in result.as_object().unwrap() {
                expected[key] = value.clone();
            }
            let actual: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(actual, expected);
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_file_and_its_folder_are_private_and_lines_append() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("state/strata/audit.jsonl"));
        let mutation = Mutation::new("trigger.dbt", Target::new("CronJob", None, "x"));
        let attempt = Attempt {
            context: "dev",
            user: "bob",
            readonly: false,
            production: false,
        };
        for n in 0..3 {
            let outcome = Outcome::ok(format!("run {n}"));
            let file = log.open().unwrap();
            file.append(&AuditEntry::new(Utc::now(), attempt, &mutation, &outcome))
                .unwrap();
        }
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().nth(2).unwrap().contains("run 2"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(log.path()), 0o600);
        assert_eq!(mode(log.path().parent().unwrap()), 0o700);
        // A log someone opened up is narrowed back.
        std::fs::set_permissions(log.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        log.open().unwrap();
        assert_eq!(mode(log.path()), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_log_says_which_file_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: cannot be opened for appending, even by root.
        let path = dir.path().join("audit.jsonl");
        std::fs::create_dir(&path).unwrap();
        let error = AuditLog::new(&path).open().unwrap_err().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("permissions"), "{error}");
    }
}
