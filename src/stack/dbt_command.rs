//! A dbt command line as an operator types it (`dbt build --select orders+ --full-refresh`):
//! split into an argument vector the way a shell would split it — quotes kept, nothing
//! expanded, no shell ever run — and checked before a Job is made from it: the subcommand, the
//! flags dbt knows, their values (`--vars` must be a YAML mapping, `--threads` a number).

use std::fmt;

/// Subcommands a triggered dbt Job may run (`source freshness` is two words).
const SUBCOMMANDS: &[&str] = &[
    "build",
    "run",
    "test",
    "seed",
    "snapshot",
    "compile",
    "source",
    "run-operation",
    "deps",
    "retry",
    "clone",
    "ls",
    "list",
    "parse",
    "docs",
    "show",
    "debug",
];

/// Flags taking one value.
const VALUE_FLAGS: &[&str] = &[
    "--target",
    "-t",
    "--vars",
    "--threads",
    "--selector",
    "--state",
    "--defer-state",
    "--profiles-dir",
    "--project-dir",
    "--profile",
    "--log-format",
    "--log-level",
    "--target-path",
    "--log-path",
    "--indirect-selection",
    "--event-time-start",
    "--event-time-end",
    "--output",
    "-o",
    "--args",
];

/// Flags taking one or more values (up to the next flag): selections.
const LIST_FLAGS: &[&str] = &[
    "--select",
    "-s",
    "--models",
    "-m",
    "--exclude",
    "--resource-type",
    "--resource-types",
];

/// Flags without a value.
const SWITCHES: &[&str] = &[
    "--full-refresh",
    "-f",
    "--fail-fast",
    "-x",
    "--no-fail-fast",
    "--defer",
    "--no-defer",
    "--favor-state",
    "--store-failures",
    "--empty",
    "--warn-error",
    "--no-partial-parse",
    "--debug",
    "-d",
    "--quiet",
    "-q",
    "--no-version-check",
    "--use-colors",
    "--no-use-colors",
    "--write-json",
    "--no-write-json",
    "--print",
    "--no-print",
    "--static-parser",
    "--inline",
];

/// A checked dbt command: its argument vector and what it selects.
#[derive(Clone, Debug, PartialEq)]
pub struct DbtCommand {
    /// `["dbt", "build", "--select", "orders+"]`, as the container will run it.
    pub argv: Vec<String>,
    pub subcommand: String,
    pub select: Vec<String>,
    pub exclude: Vec<String>,
    pub full_refresh: bool,
    pub target: Option<String>,
    pub vars: Option<serde_json::Value>,
}

/// What is wrong with a command line, for the editor to show under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbtCommandError(pub String);

impl fmt::Display for DbtCommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbtCommandError {}

fn error<T>(message: impl Into<String>) -> Result<T, DbtCommandError> {
    Err(DbtCommandError(message.into()))
}

impl DbtCommand {
    /// Splits and checks `line`.
    pub fn parse(line: &str) -> Result<DbtCommand, DbtCommandError> {
        let argv = split(line)?;
        let Some(program) = argv.first() else {
            return error("type a dbt command, e.g. dbt build --select orders+");
        };
        if program != "dbt" && !program.ends_with("/dbt") {
            return error(format!(
                "the command must start with dbt (not {program:?}); the Job runs it without a shell"
            ));
        }
        let Some(subcommand) = argv.get(1) else {
            return error(format!(
                "dbt needs a subcommand: {}",
                SUBCOMMANDS[..7].join(", ")
            ));
        };
        if !SUBCOMMANDS.contains(&subcommand.as_str()) {
            return error(format!(
                "{subcommand:?} is not a dbt subcommand Strata runs ({})",
                SUBCOMMANDS.join(", ")
            ));
        }
        let mut command = DbtCommand {
            argv: argv.clone(),
            subcommand: subcommand.clone(),
            select: Vec::new(),
            exclude: Vec::new(),
            full_refresh: false,
            target: None,
            vars: None,
        };
        let mut i = 2;
        if subcommand == "source" {
            if argv.get(2).map(String::as_str) != Some("freshness") {
                return error("dbt source needs freshness: dbt source freshness");
            }
            i = 3;
        }
        if matches!(subcommand.as_str(), "run-operation" | "docs") {
            // A macro name or `generate`/`serve` comes first.
            if argv.get(2).is_none_or(|a| a.starts_with('-')) {
                return error(format!("dbt {subcommand} needs a name after it"));
            }
            i = 3;
        }
        while i < argv.len() {
            let arg = &argv[i];
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
                _ => (arg.as_str(), None),
            };
            if LIST_FLAGS.contains(&flag) {
                let mut values: Vec<String> = inline.into_iter().collect();
                while let Some(next) = argv.get(i + 1).filter(|a| !a.starts_with('-')) {
                    values.push(next.clone());
                    i += 1;
                }
                if values.is_empty() {
                    return error(format!(
                        "{flag} needs at least one selector, e.g. {flag} orders+"
                    ));
                }
                if matches!(flag, "--exclude") {
                    command.exclude.extend(values);
                } else if !flag.starts_with("--resource") {
                    command.select.extend(values);
                }
            } else if VALUE_FLAGS.contains(&flag) {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match argv.get(i) {
                            Some(v) if !v.starts_with("--") => v.clone(),
                            _ => return error(format!("{flag} needs a value")),
                        }
                    }
                };
                command.check_value(flag, &value)?;
            } else if SWITCHES.contains(&flag) {
                if inline.is_some() {
                    return error(format!("{flag} takes no value"));
                }
                if matches!(flag, "--full-refresh" | "-f") {
                    command.full_refresh = true;
                }
            } else if flag.starts_with('-') {
                return error(format!(
                    "{flag} is not a dbt flag Strata knows; known: {}, {}, {}",
                    LIST_FLAGS.join(" "),
                    VALUE_FLAGS.join(" "),
                    SWITCHES.join(" ")
                ));
            } else {
                return error(format!(
                    "{arg:?} is not a flag: selections go after --select (dbt {subcommand} --select {arg})"
                ));
            }
            i += 1;
        }
        Ok(command)
    }

    fn check_value(&mut self, flag: &str, value: &str) -> Result<(), DbtCommandError> {
        match flag {
            "--target" | "-t" => self.target = Some(value.to_string()),
            "--threads" if value.parse::<u32>().is_ok_and(|n| n > 0) => {}
            "--threads" => {
                return error(format!(
                    "--threads takes a number of threads, not {value:?}"
                ));
            }
            "--vars" => {
                let parsed: serde_json::Value =
                    serde_saphyr::from_str(value).map_err(|e| {
                        DbtCommandError(format!(
                            "--vars is not valid YAML ({}); write a mapping, e.g. --vars '{{\"day\": \"2026-12-01\"}}'",
                            first_line(&e.to_string())
                        ))
                    })?;
                if !parsed.is_object() {
                    return error(
                        "--vars must be a mapping of names to values, e.g. --vars '{\"day\": \"2026-12-01\"}'",
                    );
                }
                self.vars = Some(parsed);
            }
            _ => {}
        }
        Ok(())
    }

    /// The command line again, quoted where a word needs it (for the editor and the audit).
    pub fn line(&self) -> String {
        join(&self.argv)
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Words of `line` as a POSIX shell splits them, without expanding anything: single quotes
/// keep everything, double quotes keep everything but `\"` and `\\`, a backslash outside
/// quotes keeps the next character. Shell operators are refused: there is no shell to run
/// them, and passed to dbt they would only confuse it.
pub fn split(line: &str) -> Result<Vec<String>, DbtCommandError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return error("a quote ' is not closed"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                            word.push(chars.next().unwrap_or('\\'));
                        }
                        Some(c) => word.push(c),
                        None => return error("a quote \" is not closed"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return error("the line ends with a lone backslash"),
                }
            }
            ';' | '&' | '|' | '<' | '>' | '`' => {
                return error(format!(
                    "{c:?} is shell syntax and there is no shell here: one dbt command only (quote it if dbt should see it)"
                ));
            }
            '$' if chars.peek() == Some(&'(') => {
                return error("$( ) is shell syntax and there is no shell here");
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Joins words back into a line [`split`] reads the same: words with spaces, quotes or
/// shell characters are single-quoted.
pub fn join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./+:=@,%^*".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_trigger_reads_its_selection_and_flags() {
        let c = DbtCommand::parse(
            "dbt build --select orders+ customers --exclude tag:slow --full-refresh --target prod --vars '{\"day\": \"2026-12-01\"}'",
        )
        .unwrap();
        assert_eq!(c.subcommand, "build");
        assert_eq!(c.select, ["orders+", "customers"]);
        assert_eq!(c.exclude, ["tag:slow"]);
        assert!(c.full_refresh);
        assert_eq!(c.target.as_deref(), Some("prod"));
        assert_eq!(c.vars.as_ref().unwrap()["day"], "2026-12-01");
        assert_eq!(c.argv.last().unwrap(), "{\"day\": \"2026-12-01\"}");
        // The line reads back to the same words.
        assert_eq!(split(&c.line()).unwrap(), c.argv);
    }

    #[test]
    fn other_subcommands_and_inline_values() {
        let c = DbtCommand::parse("dbt source freshness --target=prod --threads 8").unwrap();
        assert_eq!(c.subcommand, "source");
        assert_eq!(c.target.as_deref(), Some("prod"));
        let c = DbtCommand::parse("dbt run-operation grant_select --args '{role: bi}'").unwrap();
        assert_eq!(c.subcommand, "run-operation");
        let c = DbtCommand::parse("/usr/local/bin/dbt test -s orders").unwrap();
        assert_eq!(c.select, ["orders"]);
        let c = DbtCommand::parse("dbt build --vars 'day: 2026-12-01'").unwrap();
        assert_eq!(c.vars.unwrap()["day"], "2026-12-01");
    }

    #[test]
    fn mistakes_are_named() {
        let err = |line: &str| DbtCommand::parse(line).unwrap_err().0;
        assert!(err("").contains("type a dbt command"));
        assert!(err("python run.py").contains("must start with dbt"));
        assert!(err("dbt").contains("needs a subcommand"));
        assert!(err("dbt deploy").contains("not a dbt subcommand"));
        assert!(err("dbt source").contains("freshness"));
        assert!(err("dbt build --select").contains("needs at least one selector"));
        assert!(err("dbt build --target").contains("needs a value"));
        assert!(err("dbt build --threads many").contains("--threads"));
        assert!(err("dbt build --vars '[1, 2]'").contains("mapping"));
        assert!(err("dbt build --vars '{a: [}'").contains("not valid YAML"));
        assert!(err("dbt build --selct orders").contains("not a dbt flag"));
        assert!(err("dbt build orders").contains("--select orders"));
        assert!(err("dbt build --full-refresh=yes").contains("takes no value"));
        assert!(err("dbt build 'orders").contains("not closed"));
    }

    #[test]
    fn shell_syntax_is_refused_not_run() {
        for line in [
            "dbt deps && dbt build",
            "dbt build; rm -rf /",
            "dbt build | tee out",
            "dbt build > out",
            "dbt build --vars $(cat x)",
            "dbt build `id`",
        ] {
            let e = DbtCommand::parse(line).unwrap_err().0;
            assert!(e.contains("shell"), "{line}: {e}");
        }
        // Quoted, the same characters are plain text for dbt.
        let c = DbtCommand::parse("dbt build --vars '{note: \"a && b\"}'").unwrap();
        assert_eq!(c.vars.unwrap()["note"], "a && b");
    }

    #[test]
    fn splitting_follows_the_shell_without_expanding() {
        assert_eq!(
            split(r#"a "b c" 'd e' f\ g "h\"i" $HOME"#).unwrap(),
            ["a", "b c", "d e", "f g", "h\"i", "$HOME"]
        );
        assert_eq!(
            join(&["dbt".into(), "it's".into(), "a b".into(), "".into()]),
            r"dbt 'it'\''s' 'a b' ''"
        );
    }
}
