//! dbt runs (`dbt build|run|test|seed|snapshot`) from their log, in the default text format
//! (`HH:MM:SS  N of M START|OK|ERROR|FAIL|PASS|WARN|SKIP …`, the `Failure in …` blocks, the
//! `Completed with N errors` and `Done. PASS=… ERROR=…` summaries, `Encountered an error`)
//! and in `--log-format json` (`info.name`: LogStartLine, LogModelResult, LogTestResult,
//! SkippingDetails, NodeFinished, RunResultFailure, RunResultError, EndOfRunSummary,
//! StatsLine, MainEncounteredError, CommandCompleted; `data.node_info`, `data.index/total`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{Failure, Outcome, RunDecoder, RunProgress, count, one_line};
use crate::logs::line::{Format, LogLine};
use crate::logs::sanitize::plain_text;

/// Lines kept of one error message: a SQL error with its context is a dozen; a runaway
/// block must not grow without bound.
const MAX_MESSAGE_LINES: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Model,
    Test,
    /// Seeds, snapshots, sources, hooks, anything else dbt runs.
    Other,
}

impl Kind {
    fn of(resource_type: &str) -> Kind {
        match resource_type {
            "model" => Kind::Model,
            "test" | "unit_test" => Kind::Test,
            _ => Kind::Other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pass,
    Error,
    Fail,
    Warn,
    Skip,
}

impl Status {
    fn of(word: &str) -> Option<Status> {
        let w = word.to_ascii_lowercase();
        Some(match w.as_str() {
            "ok" | "pass" | "success" | "no-op" | "reused" | "partial success" => Status::Pass,
            "error" | "runtime error" => Status::Error,
            "fail" => Status::Fail,
            "warn" => Status::Warn,
            "skip" | "skipped" => Status::Skip,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum NodeKey {
    Index(u64),
    Id(String),
}

#[derive(Clone, Debug)]
struct NodeFailure {
    kind: Kind,
    what: String,
    /// What the result line said (`ERROR`, `FAIL 1`) until the detailed message arrives.
    status: String,
    message: Option<String>,
}

/// Where an error message being read belongs.
#[derive(Clone, Debug)]
enum Target {
    Node(String),
    /// The whole invocation (`Encountered an error:`).
    Run,
}

#[derive(Clone, Debug)]
enum Block {
    /// After `Failure in model x (…)`: its message is the next event.
    Await(String),
    /// Reading a message event and its continuation lines.
    Message { target: Target, lines: Vec<String> },
}

#[derive(Clone, Copy, Debug, Default)]
struct Summary {
    pass: u64,
    warn: u64,
    error: u64,
    skip: u64,
    total: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    pass: u64,
    error: u64,
    fail: u64,
    warn: u64,
    skip: u64,
}

/// Follows a dbt invocation's log (text or JSON, detected per line).
#[derive(Debug, Default)]
pub struct DbtDecoder {
    total: Option<u64>,
    kinds: HashMap<u64, Kind>,
    finished: HashSet<NodeKey>,
    counts: Counts,
    failures: Vec<NodeFailure>,
    summary: Option<Summary>,
    completed: Option<Outcome>,
    fatal: Option<String>,
    block: Option<Block>,
    /// The node of the last RunResultFailure, for RunResultError events without node info.
    last_failure: Option<String>,
    /// Lines carry dbt's `HH:MM:SS` console prefix (so bare lines are continuations).
    prefixed: bool,
}

/// dbt's console prefix: `HH:MM:SS  `.
fn strip_time(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let is_time = b.len() >= 10
        && b[0..2].iter().all(u8::is_ascii_digit)
        && b[2] == b':'
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5] == b':'
        && b[6..8].iter().all(u8::is_ascii_digit)
        && &b[8..10] == b"  ";
    is_time.then(|| &text[10..])
}

/// Removes the indentation all non-blank lines share, and blank lines at both ends.
fn dedent(lines: &[String]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let cut: Vec<&str> = lines
        .iter()
        .map(|l| {
            let l = l.trim_end();
            l.get(indent..).unwrap_or("")
        })
        .collect();
    let first = cut.iter().position(|l| !l.is_empty()).unwrap_or(cut.len());
    let last = cut
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |i| i + 1);
    cut[first..last].join("\n")
}

/// `Runtime Error in model x (path)` and the like: a heading, not the error itself.
fn is_heading(line: &str) -> bool {
    line.contains(" in ") && line.ends_with(')') && line.contains(" Error in ")
}

/// The one line that says what went wrong in a message: the first line after its heading,
/// or a bare `Runtime Error` joined with its detail.
fn key_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return String::new();
    };
    if is_heading(first) {
        return lines.next().map_or_else(|| one_line(first), one_line);
    }
    // `Runtime Error` / `Database Error` on a line of its own, the detail below.
    if first.ends_with("Error")
        && first.split(' ').count() <= 3
        && let Some(detail) = lines.next()
    {
        return one_line(&format!("{first}: {detail}"));
    }
    one_line(first)
}

/// Node name from a result description: the last word, without schema or quotes
/// (`sql table model main.broken_model` → `broken_model`).
fn node_name(description: &str) -> String {
    let last = description.split_whitespace().last().unwrap_or("");
    let last = last.rsplit('.').next().unwrap_or(last);
    last.trim_matches(|c| matches!(c, '"' | '`' | '\''))
        .to_string()
}

impl DbtDecoder {
    fn node_finished(&mut self, key: NodeKey, status: Status, failure: Option<NodeFailure>) {
        if !self.finished.insert(key) {
            return;
        }
        let c = &mut self.counts;
        match status {
            Status::Pass => c.pass += 1,
            Status::Error => c.error += 1,
            Status::Fail => c.fail += 1,
            Status::Warn => c.warn += 1,
            Status::Skip => c.skip += 1,
        }
        if let Some(f) = failure
            && !self.failures.iter().any(|x| x.what == f.what)
        {
            self.failures.push(f);
        }
    }

    /// A failure named by a summary block, known or not.
    fn failure_mut(&mut self, what: &str, kind: Kind) -> &mut NodeFailure {
        let at = match self.failures.iter().position(|f| f.what == what) {
            Some(i) => i,
            None => {
                self.failures.push(NodeFailure {
                    kind,
                    what: what.to_string(),
                    status: "error".to_string(),
                    message: None,
                });
                self.failures.len() - 1
            }
        };
        &mut self.failures[at]
    }

    fn commit(&mut self, target: Target, lines: &[String]) {
        let message = dedent(lines);
        if message.is_empty() {
            return;
        }
        match target {
            Target::Node(name) => {
                let kind = self
                    .failures
                    .iter()
                    .find(|f| f.what == name)
                    .map_or(Kind::Other, |f| f.kind);
                self.failure_mut(&name, kind).message = Some(message);
            }
            Target::Run => self.fatal = Some(message),
        }
    }

    fn close_block(&mut self) {
        if let Some(Block::Message { target, lines }) = self.block.take() {
            self.commit(target, &lines);
        }
    }

    // --- text ---------------------------------------------------------------------------

    fn feed_text(&mut self, text: &str) {
        let body = match strip_time(text) {
            Some(body) => {
                self.prefixed = true;
                body
            }
            None => {
                // No time prefix: the continuation of a multi-line message. In a log written
                // without dbt's console prefix, only indented lines continue one (dbt
                // indents its messages) and the rest are events.
                if let Some(Block::Message { target, lines }) = &mut self.block {
                    let continues = self.prefixed
                        || (matches!(target, Target::Run) && !text.is_empty())
                        || text.starts_with(char::is_whitespace);
                    if continues {
                        if lines.len() < MAX_MESSAGE_LINES {
                            lines.push(text.to_string());
                        }
                        return;
                    }
                }
                text
            }
        };
        if let Some(Block::Await(name)) = &self.block {
            if body.trim().is_empty() {
                return;
            }
            let other = body.starts_with("Failure in ")
                || body.trim_start().starts_with("compiled code at ")
                || body.starts_with("Done.");
            if !other {
                let target = Target::Node(name.clone());
                self.block = Some(Block::Message {
                    target,
                    lines: vec![body.to_string()],
                });
                return;
            }
            self.block = None;
        }
        self.close_block();
        self.text_event(body);
    }

    fn text_event(&mut self, body: &str) {
        if let Some(rest) = body.strip_prefix("Failure in ") {
            // `Failure in model broken_model (models/broken_model.sql)`
            let mut words = rest.splitn(2, ' ');
            let kind = Kind::of(words.next().unwrap_or(""));
            let name = words
                .next()
                .unwrap_or("")
                .split(" (")
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            if !name.is_empty() {
                self.failure_mut(&name, kind);
                self.block = Some(Block::Await(name));
            }
            return;
        }
        let trimmed = body.trim_start();
        if is_heading(trimmed) {
            // Older dbt prints the heading without a `Failure in` line before it.
            if let Some((_, after)) = trimmed.split_once(" Error in ") {
                let mut words = after.splitn(2, ' ');
                let _kind = words.next();
                let name = words.next().unwrap_or("").split(" (").next().unwrap_or("");
                if !name.is_empty() {
                    self.block = Some(Block::Message {
                        target: Target::Node(name.to_string()),
                        lines: vec![body.to_string()],
                    });
                    return;
                }
            }
        }
        if body.starts_with("Encountered an error") {
            self.block = Some(Block::Message {
                target: Target::Run,
                lines: Vec::new(),
            });
            return;
        }
        if body.starts_with("Completed successfully") {
            self.completed = Some(Outcome::Succeeded);
            return;
        }
        if let Some(rest) = body.strip_prefix("Completed with ") {
            // `Completed with 2 errors, 0 partial successes, and 0 warnings:`; a run with
            // warnings only says `Completed with 1 warning:`.
            let errors = rest
                .split(',')
                .find(|p| p.contains("error"))
                .and_then(|p| p.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0);
            self.completed = Some(if errors > 0 {
                Outcome::Failed
            } else {
                Outcome::Succeeded
            });
            return;
        }
        if let Some(rest) = body.strip_prefix("Done. ") {
            let mut s = Summary::default();
            for pair in rest.split_whitespace() {
                let Some((k, v)) = pair.split_once('=') else {
                    continue;
                };
                let Ok(v) = v.parse::<u64>() else {
                    continue;
                };
                match k {
                    "PASS" => s.pass = v,
                    "WARN" => s.warn = v,
                    "ERROR" => s.error = v,
                    "SKIP" => s.skip = v,
                    "TOTAL" => s.total = v,
                    _ => {}
                }
            }
            if s.total == 0 {
                s.total = s.pass + s.warn + s.error + s.skip;
            }
            self.summary = Some(s);
            return;
        }
        self.node_line(body);
    }

    /// `6 of 8 ERROR creating sql table model main.broken_model ..... [ERROR in 0.07s]`
    fn node_line(&mut self, body: &str) {
        let mut parts = body.splitn(4, ' ');
        let (Some(i), Some("of"), Some(n), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let (Ok(index), Ok(total)) = (i.parse::<u64>(), n.parse::<u64>()) else {
            return;
        };
        self.total = Some(total);
        // The description ends where dbt's dot padding and the `[STATUS]` column begin.
        let description = rest
            .rsplit_once(" [")
            .map_or(rest, |(d, _)| d)
            .trim_end_matches('.')
            .trim();
        let verb = description.split(' ').next().unwrap_or("");
        if verb == "START" {
            let what = &description[verb.len()..];
            let kind = if what.trim_start().starts_with("test ") {
                Kind::Test
            } else if what.contains(" model ") {
                Kind::Model
            } else {
                Kind::Other
            };
            self.kinds.insert(index, kind);
            return;
        }
        let Some(status) = Status::of(verb) else {
            return;
        };
        let name = node_name(description);
        let kind = self.kinds.get(&index).copied().unwrap_or_else(|| {
            if description.contains(" model ") {
                Kind::Model
            } else if matches!(status, Status::Fail | Status::Warn | Status::Pass) {
                Kind::Test
            } else {
                Kind::Other
            }
        });
        let failure = matches!(status, Status::Error | Status::Fail).then(|| {
            // `FAIL 1`, `ERROR`, `ERROR STALE`: the status words before the description.
            let status_words: Vec<&str> = description
                .split(' ')
                .take_while(|w| {
                    w.chars().all(|c| c.is_ascii_uppercase() || c == '-')
                        || w.parse::<u64>().is_ok()
                })
                .collect();
            NodeFailure {
                kind,
                what: name.clone(),
                status: status_words.join(" "),
                message: None,
            }
        });
        self.node_finished(NodeKey::Index(index), status, failure);
    }

    // --- JSON ---------------------------------------------------------------------------

    /// Returns false when the line is not a dbt event.
    fn feed_json(&mut self, text: &str) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return false;
        };
        let info = &v["info"];
        let Some(name) = info["name"].as_str() else {
            return false;
        };
        let data = &v["data"];
        let node = &data["node_info"];
        let node_name = node["node_name"]
            .as_str()
            .or_else(|| data["node_name"].as_str())
            .map(plain_text);
        let kind = Kind::of(
            node["resource_type"]
                .as_str()
                .or_else(|| data["resource_type"].as_str())
                .unwrap_or(""),
        );
        if let Some(t) = data["total"].as_u64() {
            self.total = Some(t);
        }
        match name {
            "ConcurrencyLine" => {
                if let Some(n) = data["node_count"].as_u64() {
                    self.total = Some(n);
                }
            }
            "LogStartLine" | "NodeStart" => {}
            "LogModelResult" | "LogTestResult" | "LogSnapshotResult" | "LogSeedResult"
            | "LogFreshnessResult" | "LogNodeResult" | "LogNodeNoOpResult" | "SkippingDetails"
            | "NodeFinished" => {
                let node_status = node["node_status"]
                    .as_str()
                    .filter(|s| !matches!(*s, "" | "None" | "started" | "compiling" | "executing"));
                let status = node_status
                    .and_then(Status::of)
                    .or_else(|| data["status"].as_str().and_then(Status::of))
                    .or_else(|| data["run_result"]["status"].as_str().and_then(Status::of));
                let (Some(status), Some(what)) = (status, node_name) else {
                    return true;
                };
                let key = match node["unique_id"].as_str() {
                    Some(id) => NodeKey::Id(id.to_string()),
                    None => NodeKey::Id(what.clone()),
                };
                let failure = matches!(status, Status::Error | Status::Fail).then(|| {
                    let msg = plain_text(info["msg"].as_str().unwrap_or(""));
                    let status_text = msg
                        .rsplit_once('[')
                        .map(|(_, s)| s.split(" in ").next().unwrap_or(s).trim_end_matches(']'))
                        .unwrap_or("")
                        .to_string();
                    let message = data["run_result"]["message"]
                        .as_str()
                        .filter(|m| !m.is_empty())
                        .map(message_of);
                    NodeFailure {
                        kind,
                        what: what.clone(),
                        status: status_text,
                        message,
                    }
                });
                self.node_finished(key, status, failure);
            }
            "RunResultFailure" | "RunResultErrorNoMessage" => {
                if let Some(what) = node_name {
                    self.failure_mut(&what, kind);
                    self.last_failure = Some(what);
                }
            }
            "RunResultError" => {
                let msg = info["msg"]
                    .as_str()
                    .or_else(|| data["msg"].as_str())
                    .unwrap_or("");
                let target = node_name.or_else(|| self.last_failure.clone());
                let lines: Vec<String> = msg.lines().map(plain_text).collect();
                match target {
                    Some(what) => self.commit(Target::Node(what), &lines),
                    None => self.commit(Target::Run, &lines),
                }
            }
            "EndOfRunSummary" => {
                let errors = data["num_errors"].as_u64().unwrap_or(0);
                self.completed = Some(if errors > 0 || data["keyboard_interrupt"] == true {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                });
            }
            "StatsLine" => {
                let s = &data["stats"];
                let n = |k: &str| s[k].as_u64().unwrap_or(0);
                self.summary = Some(Summary {
                    pass: n("pass"),
                    warn: n("warn"),
                    error: n("error"),
                    skip: n("skip"),
                    total: n("total"),
                });
            }
            "MainEncounteredError" => {
                let exc = data["exc"]
                    .as_str()
                    .or_else(|| info["msg"].as_str())
                    .unwrap_or("");
                let lines: Vec<String> = exc.lines().map(plain_text).collect();
                self.commit(Target::Run, &lines);
                if self.fatal.is_none() {
                    self.fatal = Some("dbt stopped with an unhandled error".to_string());
                }
            }
            "MainKeyboardInterrupt" => {
                self.fatal = Some("interrupted (ctrl-c)".to_string());
            }
            "CommandCompleted" => {
                if let Some(ok) = data["success"].as_bool()
                    && self.completed.is_none()
                {
                    self.completed = Some(if ok {
                        Outcome::Succeeded
                    } else {
                        Outcome::Failed
                    });
                }
            }
            _ => {}
        }
        true
    }

    /// The open message too, so a run that ends on `Encountered an error:` has its reason.
    fn fatal_message(&self) -> Option<String> {
        if let Some(Block::Message {
            target: Target::Run,
            lines,
        }) = &self.block
        {
            let m = dedent(lines);
            if !m.is_empty() {
                return Some(m);
            }
        }
        self.fatal.clone()
    }

    fn failures_now(&self) -> Vec<NodeFailure> {
        let mut failures = self.failures.clone();
        if let Some(Block::Message {
            target: Target::Node(name),
            lines,
        }) = &self.block
        {
            let message = dedent(lines);
            if !message.is_empty() {
                match failures.iter_mut().find(|f| &f.what == name) {
                    Some(f) => f.message = Some(message),
                    None => failures.push(NodeFailure {
                        kind: Kind::Other,
                        what: name.clone(),
                        status: "error".to_string(),
                        message: Some(message),
                    }),
                }
            }
        }
        failures
    }
}

/// A JSON message field as lines of text (indentation kept for dedent).
fn message_of(s: &str) -> String {
    let lines: Vec<String> = s.lines().map(plain_text).collect();
    dedent(&lines)
}

impl RunDecoder for DbtDecoder {
    fn feed(&mut self, line: &LogLine) {
        if line.format == Format::Json && self.feed_json(&line.text) {
            return;
        }
        self.feed_text(&line.text);
    }

    fn progress(&self) -> RunProgress {
        let failures = self.failures_now();
        let fatal = self.fatal_message();
        let c = self.counts;
        let total = self.total.or(self.summary.map(|s| s.total));
        let done = match self.summary {
            Some(s) => Some(s.total.max(self.finished.len() as u64)),
            None if self.finished.is_empty() && total.is_none() => None,
            None => Some(self.finished.len() as u64),
        };
        let finished = if fatal.is_some() {
            Some(Outcome::Failed)
        } else if let Some(s) = self.summary {
            Some(if s.error > 0 {
                Outcome::Failed
            } else {
                Outcome::Succeeded
            })
        } else {
            self.completed
        };

        let mut parts = Vec::new();
        // Per-node counts when the log showed the nodes, else the summary's.
        let seen_errors = c.error + c.fail;
        match self.summary {
            Some(s) if s.error > seen_errors => parts.push(count(s.error, "error", "errors")),
            _ => {
                if c.error > 0 {
                    parts.push(count(c.error, "error", "errors"));
                }
                if c.fail > 0 {
                    parts.push(count(c.fail, "failing test", "failing tests"));
                }
            }
        }
        let warn = self.summary.map_or(c.warn, |s| s.warn.max(c.warn));
        if warn > 0 {
            parts.push(count(warn, "warning", "warnings"));
        }
        let skip = self.summary.map_or(c.skip, |s| s.skip.max(c.skip));
        if skip > 0 {
            parts.push(format!("{skip} skipped"));
        }
        let mut headline = match (done, total) {
            (Some(d), Some(t)) => format!("dbt {d} of {t}"),
            (Some(d), None) => format!("dbt {d} done"),
            _ if finished.is_some() => "dbt".to_string(),
            _ => "dbt starting".to_string(),
        };
        if !parts.is_empty() {
            headline.push_str(" · ");
            headline.push_str(&parts.join(", "));
        }
        match finished {
            Some(Outcome::Succeeded) => headline.push_str(" · succeeded"),
            Some(Outcome::Failed) => headline.push_str(" · failed"),
            None => {}
        }

        let reason = if let Some(f) = &fatal {
            Some(key_line(f))
        } else if finished == Some(Outcome::Failed) || !failures.is_empty() {
            // The model's SQL error says more than the tests it broke.
            [Kind::Model, Kind::Other, Kind::Test]
                .iter()
                .find_map(|k| {
                    failures
                        .iter()
                        .find(|f| f.kind == *k && f.message.is_some())
                })
                .or_else(|| failures.first())
                .map(|f| match &f.message {
                    Some(m) => format!("{}: {}", f.what, key_line(m)),
                    None if f.status.is_empty() => format!("{} failed", f.what),
                    None => format!("{}: {}", f.what, f.status),
                })
        } else {
            None
        };

        RunProgress {
            headline,
            done,
            total,
            failures: failures
                .into_iter()
                .map(|f| Failure {
                    error: f.message.unwrap_or(f.status),
                    what: f.what,
                })
                .collect(),
            finished,
            reason,
            ..RunProgress::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    const BUILD_TEXT: &str = include_str!("../../../tests/fixtures/dbt/dbt-build-text.log");
    const BUILD_JSON: &str = include_str!("../../../tests/fixtures/dbt/dbt-build-json.log");
    const RUN_OK: &str = include_str!("../../../tests/fixtures/dbt/dbt-run-ok.log");

    fn decode(log: &str) -> RunProgress {
        let mut d = DbtDecoder::default();
        for raw in log.lines() {
            d.feed(&parse_line(0, raw.as_bytes(), false));
        }
        d.progress()
    }

    const BINDER: &str =
        "Binder Error: Referenced column \"missing_column\" not found in FROM clause!";

    fn assert_failed_build(p: &RunProgress) {
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!((p.done, p.total), (Some(8), Some(8)));
        assert_eq!(
            p.headline,
            "dbt 8 of 8 · 1 error, 1 failing test, 2 skipped · failed"
        );
        assert_eq!(p.failures.len(), 2, "{:#?}", p.failures);
        let test = &p.failures[0];
        assert_eq!(test.what, "unique_stg_orders_order_id");
        assert_eq!(test.error, "Got 1 result, configured to fail if != 0");
        let model = &p.failures[1];
        assert_eq!(model.what, "broken_model");
        let lines: Vec<&str> = model.error.lines().collect();
        assert_eq!(
            lines[0],
            "Runtime Error in model broken_model (models/broken_model.sql)"
        );
        assert_eq!(lines[1], BINDER);
        assert!(model.error.contains("LINE 11:"), "{}", model.error);
        // The SQL error is the reason, not the failing test.
        assert_eq!(
            p.reason.as_deref(),
            Some(&*format!("broken_model: {BINDER}"))
        );
    }

    #[test]
    fn text_build_names_the_failing_test_and_the_model_error() {
        let p = decode(BUILD_TEXT);
        assert_failed_build(&p);
        // The caret line keeps its alignment under the offending column.
        let model = &p.failures[1].error;
        let line = model.lines().find(|l| l.starts_with("LINE 11:")).unwrap();
        let caret = model
            .lines()
            .find(|l| l.trim_start().starts_with('^'))
            .unwrap();
        assert_eq!(
            caret.find('^'),
            line.find("missing_column"),
            "{line}\n{caret}"
        );
    }

    #[test]
    fn json_build_decodes_to_the_same_run() {
        let p = decode(BUILD_JSON);
        assert_failed_build(&p);
        // No ANSI from the JSON `msg` fields leaks into the words.
        for f in &p.failures {
            assert!(
                !f.error.contains('\x1b') && !f.error.contains("[31m"),
                "{f:?}"
            );
        }
    }

    #[test]
    fn text_build_with_kubernetes_timestamps() {
        let mut d = DbtDecoder::default();
        for raw in BUILD_TEXT.lines() {
            let stamped = format!("2026-11-26T11:42:47.123456789Z {raw}");
            d.feed(&parse_line(0, stamped.as_bytes(), true));
        }
        assert_failed_build(&d.progress());
    }

    #[test]
    fn successful_run() {
        let p = decode(RUN_OK);
        assert_eq!(p.finished, Some(Outcome::Succeeded));
        assert_eq!(p.headline, "dbt 2 of 2 · succeeded");
        assert!(p.failures.is_empty());
        assert_eq!(p.reason, None);
    }

    #[test]
    fn mid_run_progress_counts_what_finished() {
        for log in [BUILD_TEXT, BUILD_JSON] {
            // Up to the broken model's start: four nodes finished, the failing test running.
            let upto: Vec<&str> = log
                .lines()
                .take_while(|l| !l.contains("START sql table model main.broken_model"))
                .collect();
            let mut d = DbtDecoder::default();
            for raw in &upto {
                d.feed(&parse_line(0, raw.as_bytes(), false));
            }
            let p = d.progress();
            assert_eq!(p.finished, None);
            assert_eq!(p.total, Some(8));
            assert_eq!(p.done, Some(4), "{}", p.headline);
            assert_eq!(p.headline, "dbt 4 of 8");
            assert!(p.failures.is_empty());
        }
    }

    #[test]
    fn a_failing_test_alone_is_the_reason_when_no_model_broke() {
        let log = "\x1b[0m12:00:00  1 of 1 START test not_null_x ..... [RUN]\n\
                   \x1b[0m12:00:01  1 of 1 FAIL 3 not_null_x ..... [\x1b[31mFAIL 3\x1b[0m in 0.1s]\n\
                   \x1b[0m12:00:01  \n\
                   \x1b[0m12:00:01  \x1b[31mCompleted with 1 error, 0 partial successes, and 0 warnings:\x1b[0m\n\
                   \x1b[0m12:00:01  \n\
                   \x1b[0m12:00:01  \x1b[31mFailure in test not_null_x (models/schema.yml)\x1b[0m\n\
                   \x1b[0m12:00:01    Got 3 results, configured to fail if != 0\n\
                   \x1b[0m12:00:01  \n\
                   \x1b[0m12:00:01  Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1";
        let p = decode(log);
        assert_eq!(p.headline, "dbt 1 of 1 · 1 failing test · failed");
        assert_eq!(
            p.reason.as_deref(),
            Some("not_null_x: Got 3 results, configured to fail if != 0")
        );
    }

    #[test]
    fn unhandled_error_before_any_node() {
        // Exit code 2, as the simulator and dbt write it (text and JSON).
        let text = "\x1b[0m12:00:00  Running with dbt=1.10.23\n\
                    \x1b[0m12:00:01  Encountered an error:\n\
                    Runtime Error\n  Could not find profile named 'shop'";
        let p = decode(text);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(p.headline, "dbt · failed");
        assert_eq!(
            p.reason.as_deref(),
            Some("Runtime Error: Could not find profile named 'shop'")
        );
        let json = r#"{"data": {"exc": "Database Error\n  connection to server at \"x\" (10.96.0.1), port 5432 failed: Connection refused"}, "info": {"code": "Z002", "level": "error", "msg": "Encountered an error:\nDatabase Error", "name": "MainEncounteredError"}}"#;
        let p = decode(json);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(
            p.reason.as_deref(),
            Some(
                "Database Error: connection to server at \"x\" (10.96.0.1), port 5432 failed: Connection refused"
            )
        );
    }

    #[test]
    fn postgres_model_error_without_failure_heading() {
        // Older dbt: the error heading follows the summary directly.
        let log = "12:00:00  1 of 1 START sql table model analytics.orders ..... [RUN]\n\
                   12:00:01  1 of 1 ERROR creating sql table model analytics.orders ..... [ERROR in 0.1s]\n\
                   12:00:01  \n\
                   12:00:01  Completed with 1 error and 0 warnings:\n\
                   12:00:01  \n\
                   12:00:01  Database Error in model orders (models/orders.sql)\n\
                   \x20 column \"missing_column\" does not exist\n\
                   \x20 LINE 11:       select missing_column from \"warehouse\".\"analytics\".\"x\"\n\
                   12:00:01  \n\
                   12:00:01  Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1";
        let p = decode(log);
        assert_eq!(p.failures.len(), 1);
        assert_eq!(p.failures[0].what, "orders");
        assert_eq!(
            p.reason.as_deref(),
            Some("orders: column \"missing_column\" does not exist")
        );
        assert_eq!(p.headline, "dbt 1 of 1 · 1 error · failed");
    }

    #[test]
    fn a_log_without_the_time_prefix_is_read_too() {
        // Some wrappers strip dbt's `HH:MM:SS` column.
        let log: String = BUILD_TEXT
            .lines()
            .map(|l| strip_time(l.trim_start_matches("\x1b[0m")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let p = decode(&log);
        assert_eq!(
            p.headline,
            "dbt 8 of 8 · 1 error, 1 failing test, 2 skipped · failed"
        );
        assert_eq!(
            p.failures[0].error,
            "Got 1 result, configured to fail if != 0"
        );
        assert!(
            p.failures[1].error.contains(BINDER),
            "{}",
            p.failures[1].error
        );
    }

    #[test]
    fn joined_late_the_summary_still_counts() {
        let p = decode("12:00:09  Done. PASS=5 WARN=1 ERROR=2 SKIP=1 NO-OP=0 TOTAL=9");
        assert_eq!((p.done, p.total), (Some(9), Some(9)));
        assert_eq!(
            p.headline,
            "dbt 9 of 9 · 2 errors, 1 warning, 1 skipped · failed"
        );
    }
}
