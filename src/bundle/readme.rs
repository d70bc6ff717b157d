//! The README inside a bundle: what is where, the window, the context, when and by which
//! Strata it was written, what was redacted and what is not in it (and why), so whoever opens
//! the bundle knows how far to trust its silence.

use chrono::{DateTime, Utc};

use super::writer::{LeftOut, Limits, human_bytes};
use crate::printers::human_duration;

/// The facts the README states.
pub struct ReadmeFacts<'a> {
    pub context: &'a str,
    /// `all namespaces` or `namespace x`.
    pub scope: String,
    pub from: DateTime<Utc>,
    pub written: DateTime<Utc>,
    pub files: Vec<&'a str>,
    pub left_out: &'a [LeftOut],
    pub limits: Limits,
    pub tail_lines: i64,
    /// Secret values scrubbed wherever they appear.
    pub literals: usize,
    /// Secret values left alone because they equal a name.
    pub kept_as_names: usize,
    pub redactions: usize,
}

/// What each kind of file holds, by path prefix.
const WHAT_IS_WHERE: [(&str, &str); 9] = [
    (
        "status.json",
        "the layer report, as `strata status -o json` prints it",
    ),
    (
        "runs.json",
        "runs of the window, as `strata runs -o json --since …` prints them",
    ),
    (
        "events.txt",
        "events of the window grouped by object and reason, Warning first",
    ),
    ("events.json", "the same groups as JSON"),
    (
        "describe/",
        "describe/<namespace>/<kind>-<name>.txt: `kubectl describe` of every unhealthy object \
         (not-ready or crashing pods, failed Jobs, degraded workloads of unhealthy components), \
         with its events",
    ),
    (
        "logs/",
        "logs/<namespace>/<pod>/<container>.log: the last lines of each container of a failing \
         pod; <container>.previous.log: the instance before the last restart",
    ),
    (
        "helm/",
        "helm/<namespace>/<release>/history.txt: `helm history`; values-rev<N>.yaml: the \
         user-supplied values of each revision (`helm get values --revision N`)",
    ),
    (
        "incident.",
        "incident.txt / incident.json: what is broken and the changes before it (Helm \
         revisions, rollouts, ConfigMap and Secret edits by key name, scale, schedules, nodes), as \
         `strata incident` and the incident screen show it",
    ),
    ("", "added by the caller"),
];

pub fn render(facts: &ReadmeFacts<'_>) -> String {
    let mut out = String::new();
    out.push_str("# Strata incident bundle\n\n");
    out.push_str(&format!(
        "- context: `{}`, {}\n- window: {} to {} ({})\n- written: {} by strata {}\n\n",
        facts.context,
        facts.scope,
        facts.from.format("%Y-%m-%d %H:%M:%SZ"),
        facts.written.format("%Y-%m-%d %H:%M:%SZ"),
        human_duration(facts.written - facts.from),
        facts.written.format("%Y-%m-%d %H:%M:%SZ"),
        env!("CARGO_PKG_VERSION"),
    ));
    out.push_str("## What is where\n\n");
    let mut described: Vec<&str> = Vec::new();
    for (prefix, what) in WHAT_IS_WHERE {
        let count = facts
            .files
            .iter()
            .filter(|f| f.starts_with(prefix) && !described.iter().any(|d| f.starts_with(d)))
            .count();
        if count == 0 {
            continue;
        }
        if prefix.is_empty() {
            for f in facts
                .files
                .iter()
                .filter(|f| !described.iter().any(|d| f.starts_with(d)))
            {
                out.push_str(&format!("- `{f}`: {what}\n"));
            }
        } else if prefix.ends_with('/') {
            out.push_str(&format!("- `{prefix}` ({count} files): {what}\n"));
        } else if prefix.ends_with('.') {
            out.push_str(&format!("- `{prefix}*`: {what}\n"));
        } else {
            out.push_str(&format!("- `{prefix}`: {what}\n"));
        }
        described.push(prefix);
    }
    out.push_str(&format!(
        "\nLogs are the last {} lines of each container (not limited to the window), every line \
         stripped of terminal escape sequences.\n\n",
        facts.tail_lines
    ));
    out.push_str("## Redacted\n\n");
    out.push_str(&format!(
        "Every file went through Strata's redaction ({} values redacted in all):\n\n\
         - Secret `data`/`stringData` values (keys kept); Secret describes show sizes only;\n\
         - env vars, Helm values keys, `key=value`, `key: value` and `\"key\": \"value\"` pairs \
         and `--flag value` arguments whose name looks like a credential (PASSWORD, PASSWD, \
         SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIAL, AUTH…); `valueFrom` \
         references are kept, they say where a credential is, not what it is;\n\
         - passwords in URLs (`scheme://user:{r}@host`), `Authorization` headers, `Bearer` tokens;\n\
         - {} literal values of the Secrets readable in the window's namespaces, wherever they \
         appeared (log lines, ConfigMaps, args). Values shorter than {} characters, Helm's \
         release storage and identifier keys (…user, …host, …port, …database, ca.crt) are not \
         scrubbed as literals.\n",
        facts.redactions,
        facts.literals,
        super::redact::MIN_LITERAL_CHARS,
        r = super::REDACTED,
    ));
    if facts.kept_as_names > 0 {
        out.push_str(&format!(
            "- {} Secret value(s) equal to the name of a namespace, component or release were \
             not scrubbed as literals (they would blank every mention of that name); where a \
             credential key or URL holds them they are still redacted.\n",
            facts.kept_as_names
        ));
    }
    out.push_str(&format!(
        "\n## Left out\n\nCaps: {} per file, {} in all (uncompressed).\n\n",
        human_bytes(facts.limits.max_file),
        human_bytes(facts.limits.max_total)
    ));
    if facts.left_out.is_empty() {
        out.push_str("Nothing was left out or cut.\n");
    }
    for l in facts.left_out {
        out.push_str(&format!("- {}: {}\n", l.what, l.why));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_is_where_and_what_is_missing() {
        let left = [LeftOut {
            what: "secrets in namespace viz".into(),
            why: "forbidden (403): cannot list secrets".into(),
        }];
        let facts = ReadmeFacts {
            context: "prod",
            scope: "all namespaces".into(),
            from: "2026-12-05T01:00:00Z".parse().unwrap(),
            written: "2026-12-05T03:00:00Z".parse().unwrap(),
            files: vec![
                "status.json",
                "describe/viz/Pod-a.txt",
                "describe/viz/Job-b.txt",
                "incident.json",
                "notes.txt",
            ],
            left_out: &left,
            limits: Limits::default(),
            tail_lines: 500,
            literals: 3,
            kept_as_names: 0,
            redactions: 9,
        };
        let text = render(&facts);
        assert!(text.contains("context: `prod`, all namespaces"), "{text}");
        assert!(text.contains("(120m)"), "{text}");
        assert!(text.contains("`describe/` (2 files)"), "{text}");
        assert!(text.contains("`incident.*`"), "{text}");
        assert!(text.contains("`notes.txt`: added by the caller"), "{text}");
        assert!(!text.contains("runs.json"));
        assert!(text.contains("9 values redacted"));
        assert!(text.contains("forbidden (403)"));
    }
}
