//! What keeps credentials out of an incident bundle: Secret values masked (keys kept),
//! credential-named env vars, Helm values and `key=value` pairs redacted, URL passwords and
//! `Authorization` headers cut, and every literal value of the Secrets read scrubbed wherever it
//! turns up (a password echoed into a log line or copied into a ConfigMap). Pure: no I/O.
//!
//! Structured redaction ([`Redactor::value`]) runs on objects before they become text; the
//! line pass ([`Redactor::text`]) runs on every byte written to the bundle, so text that never
//! was an object (logs, describe output, files the caller adds) is covered too.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use regex::{Captures, Regex};
use serde_json::Value;

use crate::security::PostureRules;

/// What a redacted value reads as.
pub const REDACTED: &str = "<redacted>";

/// Literal Secret values shorter than this are not scrubbed: `true`, `5432` and `admin` would
/// blank half the bundle and protect nothing.
pub const MIN_LITERAL_CHARS: usize = 6;

/// The annotation `kubectl apply` writes: the whole applied object (on a Secret, its values).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Key fragments that name a credential besides the posture rules' own list: redaction errs on
/// the side of hiding (`AUTHOR` hidden costs nothing; a token shown costs a rotation).
const EXTRA_CREDENTIAL_WORDS: [&str; 6] = [
    "AUTH",
    "APIKEY",
    "PASSPHRASE",
    "PRIVATEKEY",
    "ACCESSKEY",
    "SECRETKEY",
];

/// How Secret keys whose values are identifiers, not secrets, end (`username`, `DB_HOST`,
/// `ca.crt`): scrubbing them everywhere would blank every mention of a user, a host or a
/// database, and they are redacted where a credential key or a URL holds them anyway.
const IDENTIFIER_KEY_ENDINGS: [&str; 9] = [
    "user",
    "username",
    "host",
    "hostname",
    "port",
    "database",
    "db",
    "namespace",
    "ca.crt",
];

fn is_identifier_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    IDENTIFIER_KEY_ENDINGS.iter().any(|e| lower.ends_with(e)) || lower.ends_with("dbname")
}

/// Whether a key (env name, values key, `key=` in a line) names a credential rather than a
/// reference to one: the security posture's rule (`DB_PASSWORD` yes, `PASSWORD_FILE` no) plus
/// a few words it leaves to other checks.
pub fn is_credential_key(key: &str) -> bool {
    !is_reference_key(key)
        && (is_strong_credential_key(key)
            || EXTRA_CREDENTIAL_WORDS
                .iter()
                .any(|w| squashed(key).contains(w)))
}

/// A key that holds credentials by the security posture's own rule (PASSWORD, SECRET,
/// TOKEN…): everything under it is one (`password: {value: x}`), but for the structural keys
/// that say where it is.
fn is_strong_credential_key(key: &str) -> bool {
    static RULES: OnceLock<PostureRules> = OnceLock::new();
    !is_reference_key(key)
        && RULES
            .get_or_init(PostureRules::builtin)
            .is_credential_key(key)
}

/// camelCase references (`existingSecretName`, `passwordFile`) the posture's `_NAME`-style
/// suffixes do not see, and checksums of Secrets (`checksum/secret`): hashes, not values.
fn is_reference_key(key: &str) -> bool {
    let squashed = squashed(key);
    REFERENCE_ENDINGS.iter().any(|e| squashed.ends_with(e)) || squashed.starts_with("CHECKSUM")
}

fn squashed(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Keys that say where or how a credential is, not what it is, under a credential key
/// (`secret: {secretName, items: [{key, path}]}` of a volume).
const STRUCTURAL_KEYS: [&str; 12] = [
    "name",
    "key",
    "path",
    "items",
    "mode",
    "defaultMode",
    "optional",
    "enabled",
    "type",
    "kind",
    "apiVersion",
    "namespace",
];

/// How keys that point at a credential (rather than hold one) end, once squashed.
const REFERENCE_ENDINGS: [&str; 10] = [
    "FILE", "PATH", "DIR", "NAME", "REF", "ENABLED", "TTL", "LENGTH", "KEYID", "TYPE",
];

/// Scrubs credentials out of objects and text. Holds the literal values of the Secrets read
/// (only for as long as the bundle is being written: drop it after).
pub struct Redactor {
    /// Alternations of the literals, longest first (so a value containing another is cut
    /// whole), a few hundred to a pattern; empty when no Secret was read.
    literals: Vec<Regex>,
    literal_count: usize,
    /// Values left alone because they are names seen everywhere (README says so).
    kept_as_names: usize,
    redactions: AtomicUsize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the literals themselves.
        f.debug_struct("Redactor")
            .field("literals", &self.literal_count)
            .finish_non_exhaustive()
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(Vec::new(), &[])
    }
}

impl Redactor {
    /// A redactor scrubbing `literals` (decoded Secret values; short ones are ignored) except
    /// those equal to one of `names` (namespaces, components, releases: identifiers the
    /// bundle cannot do without, and no secret once they name things).
    pub fn new(literals: Vec<String>, names: &[String]) -> Redactor {
        let mut kept_as_names = 0;
        let mut literal_count = 0;
        let mut literals: Vec<String> = literals
            .into_iter()
            .map(|l| l.trim().to_string())
            .filter(|l| l.chars().count() >= MIN_LITERAL_CHARS)
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .filter(|l| {
                let is_name = names.iter().any(|n| n == l);
                kept_as_names += usize::from(is_name);
                !is_name
            })
            .inspect(|_| literal_count += 1)
            // As a JSON file writes it too (`"` and `\` escaped), for status.json and the like.
            .flat_map(|l| {
                let escaped = serde_json::to_string(&l).unwrap_or_default();
                let escaped = escaped[1..escaped.len().max(2) - 1].to_string();
                let both = if escaped != l {
                    vec![l, escaped]
                } else {
                    vec![l]
                };
                both.into_iter()
            })
            .collect();
        literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        literals.dedup();
        let literals = literals
            .chunks(LITERALS_PER_PATTERN)
            .flat_map(|chunk| match alternation(chunk) {
                Some(regex) => vec![regex],
                // Too big for one pattern (long certificates): one pattern each. A literal
                // is never skipped; one no pattern can hold (megabytes) is not a value
                // anything echoes.
                None => chunk
                    .iter()
                    .filter_map(|l| alternation(std::slice::from_ref(l)))
                    .collect(),
            })
            .collect();
        Redactor {
            literals,
            literal_count,
            kept_as_names,
            redactions: AtomicUsize::new(0),
        }
    }

    /// How many Secret values are scrubbed wherever they appear.
    pub fn literal_count(&self) -> usize {
        self.literal_count
    }

    /// How many Secret values were not scrubbed because they equal a name.
    pub fn kept_as_names(&self) -> usize {
        self.kept_as_names
    }

    /// How many values were redacted so far.
    pub fn redactions(&self) -> usize {
        self.redactions.load(Ordering::Relaxed)
    }

    fn count(&self, n: usize) {
        self.redactions.fetch_add(n, Ordering::Relaxed);
    }

    /// Redacts an object in place: a Secret's `data`/`stringData` values, credential-named
    /// keys (`password: x`, `{"name": "DB_PASSWORD", "value": x}`), the last-applied
    /// annotation's object, flags followed by a password in `command`/`args` arrays, and every
    /// string through [`Redactor::text`]. `valueFrom` references are kept: they name where a
    /// credential is, not what it is.
    pub fn value(&self, value: &mut Value) {
        if value["kind"] == "Secret" {
            for field in ["data", "stringData"] {
                if let Some(map) = value.get_mut(field).and_then(Value::as_object_mut) {
                    for v in map.values_mut() {
                        *v = Value::String(REDACTED.into());
                        self.count(1);
                    }
                }
            }
        }
        self.walk(value, false);
    }

    /// `under_credential`: `value` sits under a credential key, so its scalars are credentials
    /// too unless a structural key says where the credential is.
    fn walk(&self, value: &mut Value, under_credential: bool) {
        match value {
            Value::Object(map) => {
                // An env entry (or any name/value pair): the name says what the value is.
                let named_credential = map
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(is_credential_key);
                for (key, v) in map.iter_mut() {
                    let inherited = under_credential
                        && !STRUCTURAL_KEYS.contains(&key.as_str())
                        && !is_reference_key(key);
                    let credential =
                        is_credential_key(key) || (named_credential && key == "value") || inherited;
                    if key == LAST_APPLIED {
                        self.last_applied(v);
                    } else if credential && is_scalar_secret(v) {
                        *v = Value::String(REDACTED.into());
                        self.count(1);
                    } else {
                        let below = if v.is_object() {
                            inherited || is_strong_credential_key(key)
                        } else {
                            credential
                        };
                        self.walk(v, below);
                    }
                }
            }
            Value::Array(items) => {
                let mut after_flag = false;
                for item in items.iter_mut() {
                    if under_credential && is_scalar_secret(item) || after_flag {
                        *item = Value::String(REDACTED.into());
                        self.count(1);
                        after_flag = false;
                        continue;
                    }
                    after_flag = item.as_str().is_some_and(is_password_flag);
                    self.walk(item, under_credential && item.is_object());
                }
            }
            Value::String(s) => {
                let cleaned = self.text(s);
                if cleaned != *s {
                    *s = cleaned;
                }
            }
            _ => {}
        }
    }

    /// The last-applied annotation holds a whole object as JSON: redact it as an object.
    fn last_applied(&self, annotation: &mut Value) {
        let Some(text) = annotation.as_str() else {
            return;
        };
        *annotation = match serde_json::from_str::<Value>(text) {
            Ok(mut applied) => {
                self.value(&mut applied);
                Value::String(applied.to_string())
            }
            Err(_) => {
                self.count(1);
                Value::String(REDACTED.into())
            }
        };
    }

    /// Redacts one text (any number of lines): Secret literals, URL passwords,
    /// `Authorization` values, bearer tokens, `--password X`, and `key=value`, `key: value`,
    /// `"key": "value"` pairs whose key names a credential.
    pub fn text(&self, text: &str) -> String {
        let mut out = std::borrow::Cow::Borrowed(text);
        for literals in &self.literals {
            let n = literals.find_iter(&out).count();
            if n > 0 {
                self.count(n);
                out = std::borrow::Cow::Owned(literals.replace_all(&out, REDACTED).into_owned());
            }
        }
        let patterns = patterns();
        // Each rule says what replaces a match, or `None` to keep it.
        type Rule<'r> = (&'r Regex, fn(&Captures) -> Option<String>);
        let rules: [Rule<'_>; 5] = [
            (&patterns.url, |c| Some(format!("{}:{REDACTED}@", &c[1]))),
            (&patterns.authorization, |c| {
                Some(format!("{}{REDACTED}", &c[1]))
            }),
            (&patterns.bearer, |c| {
                (&c[2] != REDACTED).then(|| format!("{}{REDACTED}", &c[1]))
            }),
            (&patterns.flag, |c| {
                let flag =
                    c[1].trim_start_matches(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-');
                (is_password_flag(flag) && !c[3].starts_with('<'))
                    .then(|| format!("{}{}{REDACTED}", &c[1], &c[2]))
            }),
            (&patterns.pair, redact_pair),
        ];
        let mut n = 0;
        let mut replaced = out.into_owned();
        for (pattern, rule) in rules {
            replaced = pattern
                .replace_all(&replaced, |c: &Captures| match rule(c) {
                    Some(text) => {
                        n += 1;
                        text
                    }
                    None => c[0].to_string(),
                })
                .into_owned();
        }
        self.count(n);
        replaced
    }
}

/// `key=value`, `key: value`, `"key": "value"` with a credential key: the value cut, its
/// quotes kept. A reference (`<set to the key 'p' in secret 's'>`), an empty value, a
/// `${VAR}` or a switch stays.
fn redact_pair(c: &Captures) -> Option<String> {
    let value = &c[4];
    let bare = value.trim_matches(['"', '\'']);
    if !is_credential_key(&c[2])
        || bare.is_empty()
        || bare.starts_with('<')
        || bare.starts_with("${")
        || is_switch(bare)
    {
        return None;
    }
    let quote = if value.starts_with('"') {
        "\""
    } else if value.starts_with('\'') {
        "'"
    } else {
        ""
    };
    Some(format!(
        "{}{}{}{quote}{REDACTED}{quote}",
        &c[1], &c[2], &c[3]
    ))
}

/// Literals in one pattern: large enough that a text is scanned a few times only, small
/// enough that the pattern builds.
const LITERALS_PER_PATTERN: usize = 256;

/// One pattern matching any of `literals` as written.
fn alternation(literals: &[String]) -> Option<Regex> {
    let pattern = literals
        .iter()
        .map(|l| regex::escape(l))
        .collect::<Vec<_>>()
        .join("|");
    regex::RegexBuilder::new(&pattern)
        .size_limit(64 << 20)
        .build()
        .ok()
}

/// A value worth hiding under a credential key: text and numbers, not switches or nulls.
fn is_scalar_secret(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.is_empty() && s != REDACTED && !is_switch(s),
        Value::Number(_) => true,
        _ => false,
    }
}

/// `ALLOW_EMPTY_PASSWORD=yes`, `auth: true`: switches, not secrets.
fn is_switch(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "enabled" | "disabled"
    )
}

/// `--password`, `-p`-less flags that carry a credential as the next word.
fn is_password_flag(word: &str) -> bool {
    word.starts_with('-') && !word.contains('=') && is_credential_key(word.trim_start_matches('-'))
}

struct Patterns {
    url: Regex,
    authorization: Regex,
    bearer: Regex,
    flag: Regex,
    pair: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let build = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("redaction pattern {p}: {e}"));
        Patterns {
            // scheme://user:password@ (the password may hold anything but `@`, `/` and space).
            url: build(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):([^\s@/]+)@"),
            // `Authorization: Bearer x`, `authorization="Basic x"`: the whole value.
            authorization: build(
                r#"(?i)(\bauthorization["']?[ \t]*[:=][ \t]*["']?)[^\s"',}]+(?:[ \t]+[^\s"',}]+)?"#,
            ),
            bearer: build(r"(?i)(\bbearer[ \t]+)([A-Za-z0-9\-._~+/=<>]+)"),
            // `--password X` (the `=` form is a pair below): a flag is a word of its own, and its
            // value is on the same line (`redis-password (ro)` is neither).
            flag: build(r#"(?m)((?:^|[\s"'\[,(])--?[A-Za-z][A-Za-z0-9_.\-]*)([ \t]+)([^\s\-][^\s]*)"#),
            // key=value, key: value, "key": "value", 'key'='value'.
            pair: build(
                r#"(["']?)([A-Za-z_][A-Za-z0-9_./\-]*)(["']?[ \t]*[:=][ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s,;&"'}\]]+)"#,
            ),
        }
    })
}

/// The decoded values of a Secret (base64 `data`, plain `stringData`), each whole and each of
/// its lines, for [`Redactor::new`]. Helm's own release storage is skipped (a compressed
/// chart, not a credential), and so are identifier keys (`username`, `host`, `ca.crt`).
pub fn secret_literals(secret: &Value) -> Vec<String> {
    if secret["type"] == "helm.sh/release.v1" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut push = |key: &str, text: &str| {
        if is_identifier_key(key) {
            return;
        }
        out.push(text.to_string());
        if text.contains('\n') {
            out.extend(text.lines().map(str::to_string));
        }
    };
    if let Some(data) = secret["data"].as_object() {
        for (key, value) in data {
            let decoded = value
                .as_str()
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some(text) = decoded {
                push(key, &text);
            }
        }
    }
    if let Some(data) = secret["stringData"].as_object() {
        for (key, value) in data {
            if let Some(text) = value.as_str() {
                push(key, text);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plain() -> Redactor {
        Redactor::default()
    }

    #[test]
    fn credential_keys_but_not_references_or_plain_words() {
        for key in [
            "DB_PASSWORD",
            "password",
            "PASSWD",
            "api_token",
            "AWS_SECRET_ACCESS_KEY",
            "apiKey",
            "PRIVATE_KEY",
            "GOOGLE_CREDENTIALS",
            "Authorization",
            "basicAuth",
            "secretKey",
            "--password",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "PASSWORD_FILE",
            "SECRET_NAME",
            "DB_HOST",
            "username",
            "replicas",
            "AWS_ACCESS_KEY_ID",
            "existingSecretName",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
    }

    #[test]
    fn secret_values_are_masked_but_keys_kept() {
        let mut secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "annotations": {LAST_APPLIED: "{\"kind\":\"Secret\",\"stringData\":{\"password\":\"hunter22x\"}}"}},
            "data": {"password": "aHVudGVyMjJ4", "host": "ZGIuc3Zj"},
            "stringData": {"token": "t0ken-abcdef"}
        });
        let r = plain();
        r.value(&mut secret);
        assert_eq!(secret["data"]["password"], REDACTED);
        assert_eq!(secret["data"]["host"], REDACTED);
        assert_eq!(secret["stringData"]["token"], REDACTED);
        let text = secret.to_string();
        for leaked in ["aHVudGVyMjJ4", "ZGIuc3Zj", "t0ken-abcdef", "hunter22x"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert!(r.redactions() >= 4);
    }

    #[test]
    fn a_secret_volume_keeps_where_the_credential_is() {
        let volume = json!({"name": "redis-password", "secret": {"secretName": "redis",
            "items": [{"key": "redis-password", "path": "redis-password"}]}});
        let mut redacted = volume.clone();
        plain().value(&mut redacted);
        assert_eq!(redacted, volume);
    }

    #[test]
    fn env_by_name_redacted_value_from_kept() {
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{
            "name": "app",
            "env": [
                {"name": "DB_PASSWORD", "value": "s3cr3t-value"},
                {"name": "DB_HOST", "value": "postgres.svc"},
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "token"}}},
                {"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"}
            ],
            "args": ["--user", "admin", "--password", "flagpass99", "--db-password=inline99x"]
        }]}});
        plain().value(&mut pod);
        let env = &pod["spec"]["containers"][0]["env"];
        assert_eq!(env[0]["value"], REDACTED);
        assert_eq!(env[1]["value"], "postgres.svc");
        assert_eq!(
            env[2]["valueFrom"]["secretKeyRef"],
            json!({"name": "tok", "key": "token"})
        );
        assert_eq!(env[3]["value"], "yes");
        let args = &pod["spec"]["containers"][0]["args"];
        assert_eq!(args[1], "admin");
        assert_eq!(args[3], REDACTED);
        assert_eq!(args[4], format!("--db-password={REDACTED}"));
    }

    #[test]
    fn helm_values_redacted_recursively() {
        let mut values = json!({
            "postgresql": {"auth": {"username": "superset", "password": "pgpass-123", "existingSecret": ""}},
            "secretKey": "flask-secret-key",
            "extraEnv": [{"name": "SMTP_PASSWORD", "value": "smtp-pass-9"}],
            "connections": {"url": "postgresql://app:urlpass77@db:5432/app"},
            "image": {"tag": "4.1.1"},
            "apiKeys": ["k-one-111", "k-two-222"],
            "auth": {"enabled": true},
            "adminPassword": {"value": "nested-pass-42"},
            "tokens": [{"name": "ci", "token": "list-token-77"}, {"name": "ops", "value": "list-token-88"}]
        });
        plain().value(&mut values);
        let text = values.to_string();
        for leaked in [
            "pgpass-123",
            "flask-secret-key",
            "smtp-pass-9",
            "urlpass77",
            "k-one-111",
            "k-two-222",
            "nested-pass-42",
            "list-token-77",
            "list-token-88",
        ] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert_eq!(values["postgresql"]["auth"]["username"], "superset");
        assert_eq!(values["image"]["tag"], "4.1.1");
        assert_eq!(values["auth"]["enabled"], true);
        assert_eq!(values["tokens"][1]["name"], "ops", "structural keys stay");
        assert_eq!(
            values["connections"]["url"],
            format!("postgresql://app:{REDACTED}@db:5432/app")
        );
    }

    #[test]
    fn urls_keep_user_and_host() {
        let r = plain();
        assert_eq!(
            r.text("conn postgresql://user:pa55word@host/db ok"),
            format!("conn postgresql://user:{REDACTED}@host/db ok")
        );
        assert_eq!(
            r.text("redis://:only-pass@redis:6379/0"),
            format!("redis://:{REDACTED}@redis:6379/0")
        );
        // No password, nothing to cut; a port is not a password.
        assert_eq!(r.text("http://host:8080/x"), "http://host:8080/x");
        assert_eq!(r.text("s3://bucket@region/x"), "s3://bucket@region/x");
    }

    #[test]
    fn pairs_in_lines_in_every_shape() {
        let r = plain();
        let cases = [
            ("password=abc123xyz", format!("password={REDACTED}")),
            (
                "level=info db_password=abc123 user=bob",
                format!("level=info db_password={REDACTED} user=bob"),
            ),
            (
                "  DB_PASSWORD:   plainenv1",
                format!("  DB_PASSWORD:   {REDACTED}"),
            ),
            (
                r#"{"user": "bob", "api_token": "tk-998877"}"#,
                format!(r#"{{"user": "bob", "api_token": "{REDACTED}"}}"#),
            ),
            ("secret='quoted val'", format!("secret='{REDACTED}'")),
            (
                "Authorization: Bearer eyJhbGciOi.x.y",
                format!("Authorization: {REDACTED}"),
            ),
            (
                "curl -H 'authorization: Basic dXNlcjpwYXNz' http://x",
                format!("curl -H 'authorization: {REDACTED}' http://x"),
            ),
            ("sent bearer abc.def.ghi", format!("sent bearer {REDACTED}")),
            (
                "run --password hunter2x now",
                format!("run --password {REDACTED} now"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.text(input), want, "{input}");
        }
        // References, empties and switches stay.
        for kept in [
            "DB_PASSWORD:  <set to the key 'password' in secret 'db'>  Optional: false",
            "password=",
            "ALLOW_EMPTY_PASSWORD=yes",
            "auth: true",
            "PASSWORD_FILE=/run/secrets/pw",
            "user=bob level=info",
            "--token-ttl 3600s",
            "/opt/bitnami/redis/secrets/ from redis-password (ro)",
            "REDIS_PASSWORD_FILE:  /run/redis-password\n  REDIS_TLS_ENABLED:  no",
            "dagster-celery-config-secret   Secret  Optional: true",
            "auth:\n  password: \"\"",
            "checksum/secret: 3f2a9c0d1e",
        ] {
            assert_eq!(r.text(kept), kept, "{kept}");
        }
    }

    #[test]
    fn literal_secret_values_are_scrubbed_anywhere() {
        let secret = json!({"kind": "Secret", "type": "Opaque", "data": {
            "password": base64::engine::general_purpose::STANDARD.encode("Plant3d-Pa55"),
            "username": base64::engine::general_purpose::STANDARD.encode("analytics"),
            "DB_HOST": base64::engine::general_purpose::STANDARD.encode("pg.platform.svc"),
            "short": base64::engine::general_purpose::STANDARD.encode("abc"),
            "cert": base64::engine::general_purpose::STANDARD.encode("line-one-xyz\nline-two-xyz"),
        }});
        let literals = secret_literals(&secret);
        assert!(
            !literals.contains(&"analytics".to_string()),
            "identifier kept"
        );
        assert!(
            !literals.contains(&"pg.platform.svc".to_string()),
            "identifier kept"
        );
        let r = Redactor::new(literals, &[]);
        assert_eq!(
            r.literal_count(),
            4,
            "password, cert whole and its two lines"
        );
        assert_eq!(
            r.text("connecting with Plant3d-Pa55 as analytics"),
            format!("connecting with {REDACTED} as analytics")
        );
        assert_eq!(r.text("pem line-two-xyz"), format!("pem {REDACTED}"));
        assert_eq!(r.text("abc"), "abc", "short values are not scrubbed");
        // In a ConfigMap value and an image tag alike.
        let mut cm = json!({"kind": "ConfigMap", "data": {"note": "pw is Plant3d-Pa55!"}});
        r.value(&mut cm);
        assert_eq!(cm["data"]["note"], format!("pw is {REDACTED}!"));
    }

    #[test]
    fn literals_are_found_json_escaped_too() {
        let r = Redactor::new(vec!["quo\"te\\d-pw".into()], &[]);
        let json = serde_json::to_string(&json!({"reason": "failed with quo\"te\\d-pw"})).unwrap();
        assert!(!r.text(&json).contains("te\\"), "{}", r.text(&json));
        assert_eq!(r.text("raw quo\"te\\d-pw"), format!("raw {REDACTED}"));
    }

    #[test]
    fn thousands_of_literals_are_all_scrubbed() {
        let literals: Vec<String> = (0..3000).map(|i| format!("secret-value-{i:05}")).collect();
        let r = Redactor::new(literals, &[]);
        assert_eq!(r.literal_count(), 3000);
        assert!(r.literals.len() > 1, "split over several patterns");
        assert_eq!(
            r.text("a secret-value-00007 b secret-value-02999"),
            format!("a {REDACTED} b {REDACTED}")
        );
    }

    #[test]
    fn a_literal_equal_to_a_name_is_left_and_counted() {
        let r = Redactor::new(
            vec!["superset".into(), "Zq81-planted".into()],
            &["superset".to_string()],
        );
        assert_eq!(r.kept_as_names(), 1);
        assert_eq!(
            r.text("superset Zq81-planted"),
            format!("superset {REDACTED}")
        );
    }

    #[test]
    fn helm_release_storage_is_not_a_literal() {
        let secret = json!({"kind": "Secret", "type": "helm.sh/release.v1", "data": {"release": "SDRzSUFBQUFBQUFBLzY="}});
        assert!(secret_literals(&secret).is_empty());
    }

    #[test]
    fn debug_never_prints_literals() {
        let r = Redactor::new(vec!["do-not-print-me".into()], &[]);
        assert!(!format!("{r:?}").contains("do-not-print-me"));
    }
}
