//! The `:` command line: what a typed command means (`:po`, `:deploy airflow`, `:ctx`, `:q`)
//! and what Tab completes it to.

use crate::cluster::{Catalog, ResourceKind};

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    Contexts,
    /// Switch straight to a context.
    Context(String),
    Layers,
    Help,
    /// The runs view, filtered by the words that follow (`:runs failed airbyte`).
    Runs(String),
    /// Airflow's DAGs through its API (`:airflow`, `:dags`).
    Airflow,
    /// Airbyte's connections through its API (`:airbyte`, `:connections`).
    Airbyte,
    /// Helm's releases, from their Secrets (`:helm`, `:releases`).
    Helm,
    /// The port-forwards running in the background (`:pf`, `:portforwards`).
    PortForwards,
    /// The security findings, filtered by the pattern that follows (`:security trino`).
    Security(String),
    /// What is broken and what changed before it (`:incident`).
    Incident,
    /// Open a kind, optionally in a namespace (`:pods orchestration`).
    Open {
        kind: ResourceKind,
        namespace: Option<String>,
    },
}

/// Words that are commands rather than kinds, for completion.
const WORDS: &[&str] = &[
    "airbyte",
    "airflow",
    "connections",
    "ctx",
    "contexts",
    "dags",
    "helm",
    "help",
    "incident",
    "layers",
    "pf",
    "portforwards",
    "q",
    "quit",
    "runs",
    "security",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CommandError {
    #[error(
        "unknown command or kind {0:?}; try :pods, :deploy, :svc, :ns, :runs, :security, :incident, :helm, :airflow, :airbyte, :ctx, :layers or :q"
    )]
    Unknown(String),
}

/// Parses a command line (without the `:`); `Ok(None)` for an empty line.
pub fn parse(line: &str, catalog: &Catalog) -> Result<Option<Command>, CommandError> {
    let mut words = line.split_whitespace();
    let Some(head) = words.next() else {
        return Ok(None);
    };
    let rest: Vec<&str> = words.clone().collect();
    let argument = words.next().map(str::to_string);
    let command = match head {
        "runs" | "run" => Command::Runs(rest.join(" ")),
        "airflow" | "dags" | "dag" => Command::Airflow,
        "airbyte" | "connections" | "syncs" => Command::Airbyte,
        "helm" | "releases" | "release" => Command::Helm,
        "security" | "sec" | "findings" | "posture" => Command::Security(rest.join(" ")),
        "incident" | "inc" | "changes" | "timeline" => Command::Incident,
        "q" | "q!" | "quit" | "exit" => Command::Quit,
        "ctx" | "context" | "contexts" => match argument {
            Some(name) => Command::Context(name),
            None => Command::Contexts,
        },
        "layers" | "layer" | "home" => Command::Layers,
        "pf" | "portforwards" | "port-forwards" | "portforward" => Command::PortForwards,
        "help" | "?" => Command::Help,
        name => match catalog.resolve(name) {
            Some(kind) => Command::Open {
                kind: kind.clone(),
                namespace: argument,
            },
            None => return Err(CommandError::Unknown(name.to_string())),
        },
    };
    Ok(Some(command))
}

/// Completions of the first word of `line`, shortest first; empty once a space was typed.
pub fn complete(line: &str, catalog: &Catalog) -> Vec<String> {
    let prefix = line.trim_start();
    if prefix.is_empty() || prefix.contains(char::is_whitespace) {
        return Vec::new();
    }
    let lower = prefix.to_lowercase();
    let mut names: Vec<String> = WORDS
        .iter()
        .filter(|w| w.starts_with(&lower))
        .map(|w| w.to_string())
        .chain(catalog.complete(&lower))
        .filter(|name| name.len() > lower.len())
        .collect();
    names.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_kinds_parse() {
        let catalog = Catalog::builtin();
        assert_eq!(parse("q", &catalog), Ok(Some(Command::Quit)));
        assert_eq!(parse("  ", &catalog), Ok(None));
        assert_eq!(parse("ctx", &catalog), Ok(Some(Command::Contexts)));
        assert_eq!(
            parse("ctx prod", &catalog),
            Ok(Some(Command::Context("prod".into())))
        );
        match parse("deploy orchestration", &catalog) {
            Ok(Some(Command::Open { kind, namespace })) => {
                assert_eq!(kind.plural, "deployments");
                assert_eq!(namespace.as_deref(), Some("orchestration"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse("dags", &catalog), Ok(Some(Command::Airflow)));
        assert_eq!(parse("connections", &catalog), Ok(Some(Command::Airbyte)));
        assert_eq!(parse("releases", &catalog), Ok(Some(Command::Helm)));
        assert_eq!(
            parse("security high trino", &catalog),
            Ok(Some(Command::Security("high trino".into())))
        );
        assert_eq!(
            parse("sec", &catalog),
            Ok(Some(Command::Security(String::new())))
        );
        assert_eq!(
            parse("runs failed airbyte", &catalog),
            Ok(Some(Command::Runs("failed airbyte".into())))
        );
        let error = parse("bogus", &catalog).unwrap_err();
        assert!(error.to_string().contains(":pods"), "{error}");
    }

    #[test]
    fn completion_covers_commands_and_kinds() {
        let catalog = Catalog::builtin();
        assert_eq!(complete("dep", &catalog), ["deploy", "deployments"]);
        assert_eq!(complete("c", &catalog)[..2], ["cj", "cm"]);
        assert!(!complete("ctx", &catalog).contains(&"ctx".to_string()));
        assert!(complete("pods ", &catalog).is_empty());
        assert!(complete("la", &catalog).contains(&"layers".to_string()));
        assert!(complete("sec", &catalog).contains(&"security".to_string()));
    }
}
