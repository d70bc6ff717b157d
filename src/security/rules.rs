//! Posture rules as data: the per-tool settings that switch authentication off or weaken it,
//! the chart default credentials, the flags that carry a password, and what counts as an
//! Ingress auth marker — `posture_rules.toml`, embedded in the binary and compiled once.
//! The checks that are the same for every tool (exposure, runtime, RBAC) are code.

use serde::Deserialize;

use super::finding::Severity;
use crate::stack::Glob;

/// The embedded rules.
const BUILTIN: &str = include_str!("posture_rules.toml");

/// Why the embedded rules file does not load (a bug caught by the tests).
#[derive(Debug, thiserror::Error)]
pub enum PostureRulesError {
    #[error("posture rules are not valid: {0}")]
    Parse(String),
    #[error("posture rule {check:?} ({tool}): {problem}")]
    Rule {
        check: String,
        tool: String,
        problem: String,
    },
}

/// Where a setting rule looks.
#[derive(Clone, Debug)]
pub enum PlaceFilter {
    /// A container's env and command-line flags, optionally only of an image (repository
    /// glob), a command line, or objects of a chart (`helm.sh/chart` label glob).
    Container {
        image: Option<Glob>,
        command: Option<Glob>,
        chart: Option<Glob>,
    },
    /// A config file: a key of a ConfigMap or Secret (glob on the key).
    File(Glob),
    /// A custom resource's settings (glob on the kind).
    Resource(Glob),
}

/// What a condition asks of the keys it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// A literal value equal to one of these (lower-cased, quotes dropped).
    Equals(Vec<String>),
    /// A literal value containing this (lower-cased).
    Contains(String),
    /// A literal value, whatever it is.
    Literal,
    /// No such key at all.
    Absent,
}

#[derive(Clone, Debug)]
pub struct Condition {
    /// Lower-cased key patterns; any of them.
    pub keys: Vec<Glob>,
    /// The keys as written, for evidence (`no PREFECT_SERVER_API_AUTH_STRING`).
    pub shown: Vec<String>,
    pub test: Test,
}

/// One per-tool setting rule.
#[derive(Clone, Debug)]
pub struct SettingRule {
    /// The tool id (as in the classification rules) whose objects it looks at.
    pub tool: String,
    pub check: String,
    pub severity: Severity,
    /// Says nothing about a tool only reachable in-cluster.
    pub only_exposed: bool,
    pub place: PlaceFilter,
    pub when: Vec<Condition>,
    pub says: String,
    pub fix: String,
}

/// A chart default credential. `value` is compared, never shown.
#[derive(Clone, Debug)]
pub struct DefaultCredential {
    pub value: String,
    pub what: String,
}

/// Flags followed by a password on command lines matching `command`.
#[derive(Clone, Debug)]
pub struct PasswordFlag {
    pub command: Glob,
    pub flags: Vec<String>,
}

/// The compiled posture rules.
#[derive(Clone, Debug)]
pub struct PostureRules {
    pub settings: Vec<SettingRule>,
    pub defaults: Vec<DefaultCredential>,
    pub password_flags: Vec<PasswordFlag>,
    pub ingress_auth_annotations: Vec<String>,
    pub gateway_tools: Vec<String>,
    credential_keys: Vec<String>,
    not_credential_suffixes: Vec<String>,
    /// Every key pattern a condition names: what the projection keeps of env and files.
    keys: Vec<Glob>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    ingress_auth_annotations: Vec<String>,
    gateway_tools: Vec<String>,
    credential_keys: Vec<String>,
    not_credential_suffixes: Vec<String>,
    #[serde(default)]
    setting: Vec<RawSetting>,
    #[serde(default)]
    default: Vec<RawDefault>,
    #[serde(default)]
    password_flag: Vec<RawFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetting {
    tool: String,
    check: String,
    severity: Severity,
    #[serde(default)]
    only_exposed: bool,
    place: String,
    image: Option<String>,
    command: Option<String>,
    chart: Option<String>,
    file: Option<String>,
    kind: Option<String>,
    when: Vec<RawCondition>,
    says: String,
    fix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    key: Vec<String>,
    equals: Option<Vec<String>>,
    contains: Option<String>,
    #[serde(default)]
    literal: bool,
    #[serde(default)]
    absent: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefault {
    value: String,
    what: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlag {
    command: String,
    flags: Vec<String>,
}

impl PostureRules {
    /// The embedded rules. The file is tested (`the_builtin_posture_rules_load`); should it
    /// ever be broken, no per-tool rule applies and the generic checks still run.
    pub fn builtin() -> PostureRules {
        PostureRules::parse(BUILTIN).unwrap_or_else(|_| PostureRules::generic_only())
    }

    fn generic_only() -> PostureRules {
        PostureRules {
            settings: Vec::new(),
            defaults: Vec::new(),
            password_flags: Vec::new(),
            ingress_auth_annotations: Vec::new(),
            gateway_tools: Vec::new(),
            credential_keys: vec!["PASSWORD".into(), "SECRET".into(), "TOKEN".into()],
            not_credential_suffixes: Vec::new(),
            keys: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<PostureRules, PostureRulesError> {
        let file: File =
            toml::from_str(text).map_err(|e| PostureRulesError::Parse(e.to_string()))?;
        let mut settings = Vec::with_capacity(file.setting.len());
        for raw in file.setting {
            settings.push(compile(raw)?);
        }
        let mut keys: Vec<Glob> = Vec::new();
        for rule in &settings {
            for condition in &rule.when {
                for key in &condition.keys {
                    if !keys.iter().any(|k| k.as_str() == key.as_str()) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        Ok(PostureRules {
            settings,
            defaults: file
                .default
                .into_iter()
                .map(|d| DefaultCredential {
                    value: d.value,
                    what: d.what,
                })
                .collect(),
            password_flags: file
                .password_flag
                .into_iter()
                .map(|f| PasswordFlag {
                    command: Glob::new(&f.command),
                    flags: f.flags,
                })
                .collect(),
            ingress_auth_annotations: file.ingress_auth_annotations,
            gateway_tools: file.gateway_tools,
            credential_keys: file
                .credential_keys
                .iter()
                .map(|k| k.to_uppercase())
                .collect(),
            not_credential_suffixes: file
                .not_credential_suffixes
                .iter()
                .map(|k| k.to_uppercase())
                .collect(),
            keys,
        })
    }

    /// Whether a rule asks about this (lower-cased) key: only those are kept.
    pub fn wants_key(&self, lower_key: &str) -> bool {
        self.keys.iter().any(|k| k.matches(lower_key))
    }

    /// Whether an env or config key names a credential (`DB_PASSWORD`, `api_token`), not a
    /// reference to one (`PASSWORD_FILE`, `SECRET_NAME`).
    pub fn is_credential_key(&self, key: &str) -> bool {
        let upper = key.to_uppercase();
        self.credential_keys
            .iter()
            .any(|k| upper.contains(k.as_str()))
            && !self
                .not_credential_suffixes
                .iter()
                .any(|s| upper.ends_with(s.as_str()))
    }

    /// The index of the chart default this value is, if any.
    pub fn default_of(&self, value: &str) -> Option<usize> {
        self.defaults.iter().position(|d| d.value == value)
    }
}

fn compile(raw: RawSetting) -> Result<SettingRule, PostureRulesError> {
    let problem = |problem: &str| PostureRulesError::Rule {
        check: raw.check.clone(),
        tool: raw.tool.clone(),
        problem: problem.to_string(),
    };
    let place = match raw.place.as_str() {
        "container" => PlaceFilter::Container {
            image: raw.image.as_deref().map(Glob::new),
            command: raw.command.as_deref().map(Glob::new),
            chart: raw.chart.as_deref().map(Glob::new),
        },
        "file" => PlaceFilter::File(Glob::new(
            raw.file
                .as_deref()
                .ok_or_else(|| problem("place = \"file\" needs file = \"<key glob>\""))?,
        )),
        "resource" => {
            PlaceFilter::Resource(Glob::new(raw.kind.as_deref().ok_or_else(|| {
                problem("place = \"resource\" needs kind = \"<kind glob>\"")
            })?))
        }
        _ => return Err(problem("place must be container, file or resource")),
    };
    let mut when = Vec::with_capacity(raw.when.len());
    for c in &raw.when {
        let tests = [
            c.equals
                .as_ref()
                .map(|v| Test::Equals(v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>())),
            c.contains
                .as_ref()
                .map(|s| Test::Contains(s.to_lowercase())),
            c.literal.then_some(Test::Literal),
            c.absent.then_some(Test::Absent),
        ];
        let mut tests = tests.into_iter().flatten();
        let (Some(test), None) = (tests.next(), tests.next()) else {
            return Err(problem(
                "each condition needs exactly one of equals, contains, literal, absent",
            ));
        };
        if c.key.is_empty() {
            return Err(problem("a condition names no key"));
        }
        when.push(Condition {
            keys: c.key.iter().map(|k| Glob::new(&k.to_lowercase())).collect(),
            shown: c.key.clone(),
            test,
        });
    }
    if when.is_empty() {
        return Err(problem("a rule without conditions would fire everywhere"));
    }
    Ok(SettingRule {
        tool: raw.tool,
        check: raw.check,
        severity: raw.severity,
        only_exposed: raw.only_exposed,
        place,
        when,
        says: raw.says,
        fix: raw.fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_posture_rules_load() {
        let rules = PostureRules::parse(BUILTIN).unwrap();
        assert!(rules.settings.len() >= 15);
        assert!(rules.defaults.iter().any(|d| d.value == "minio123"));
        // Every tool a rule names is one the classification knows.
        let known = crate::stack::RuleSet::builtin();
        for rule in &rules.settings {
            assert!(
                known.tools().iter().any(|t| t.id == rule.tool),
                "{} names unknown tool {}",
                rule.check,
                rule.tool
            );
        }
        for tool in &rules.gateway_tools {
            assert!(known.tools().iter().any(|t| &t.id == tool), "{tool}");
        }
    }

    #[test]
    fn credential_keys_but_not_references_to_them() {
        let rules = PostureRules::builtin();
        for key in [
            "POSTGRES_PASSWORD",
            "db_pass_word_x_PASSWORD",
            "AB_JWT_SIGNATURE_SECRET",
            "api_token",
        ] {
            assert!(rules.is_credential_key(key), "{key}");
        }
        for key in [
            "PASSWORD_FILE",
            "SECRET_NAME",
            "MINIO_ACCESS_KEY_ID",
            "DB_USER",
            "PGDATA",
        ] {
            assert!(!rules.is_credential_key(key), "{key}");
        }
    }

    #[test]
    fn a_rule_without_a_test_is_refused() {
        let text = BUILTIN.replace(
            "equals = [\"true\"] }]\nsays = \"SimpleAuthManager",
            "}]\nsays = \"SimpleAuthManager",
        );
        let error = PostureRules::parse(&text).unwrap_err();
        assert!(error.to_string().contains("exactly one of"), "{error}");
    }
}
