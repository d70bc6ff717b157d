//! A task try's log, normalised to lines whatever shape Airflow sent it in: API v2 answers
//! structured events (`{content: [{timestamp, event, level, logger…}]}`), API v1 a text blob
//! (`{content: "..."}` as JSON, or `text/plain`), and some 2.x versions a stringified list of
//! `(host, text)` pairs; all become [`LogLine`]s.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One line of a task log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub timestamp: Option<DateTime<Utc>>,
    /// `info`, `warning`, `error`… as Airflow wrote it (v2 only; v1 text carries it inline).
    pub level: Option<String>,
    /// The message (v2's `event`), without a trailing newline.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ts) = self.timestamp {
            write!(f, "{} ", ts.format("%Y-%m-%dT%H:%M:%S%.3fZ"))?;
        }
        if let Some(level) = &self.level {
            write!(f, "[{level}] ")?;
        }
        f.write_str(&self.text)
    }
}

impl LogLine {
    fn text(text: &str) -> Self {
        Self {
            timestamp: None,
            level: None,
            text: text.to_string(),
        }
    }
}

/// A log answer's body, whichever form it came in (`is_json` from its Content-Type).
pub(crate) fn parse_log(body: &[u8], is_json: bool) -> Result<Vec<LogLine>, String> {
    let text = String::from_utf8_lossy(body);
    if !is_json {
        return Ok(text_lines(&text));
    }
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    match json.get("content") {
        Some(Value::Array(items)) => Ok(items.iter().flat_map(event_lines).collect()),
        Some(Value::String(s)) => Ok(text_lines(&unwrap_host_pairs(s))),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(other) => Err(format!("unexpected log content {}", kind_of(other))),
    }
}

/// A v2 structured event; an event whose message spans lines (a traceback) becomes one line
/// each, all with the event's time and level.
fn event_lines(item: &Value) -> Vec<LogLine> {
    let Some(obj) = item.as_object() else {
        return match item {
            Value::String(s) => text_lines(s),
            other => vec![LogLine::text(&other.to_string())],
        };
    };
    let timestamp = obj
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let level = obj.get("level").and_then(Value::as_str).map(str::to_string);
    let event = match obj.get("event") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut lines: Vec<LogLine> = text_lines(&event)
        .into_iter()
        .map(|l| LogLine {
            timestamp,
            level: level.clone(),
            text: l.text,
        })
        .collect();
    if lines.is_empty() {
        lines.push(LogLine {
            timestamp,
            level,
            text: String::new(),
        });
    }
    // Airflow 3 attaches a formatted exception as `error_detail`; keep its message readable.
    if let Some(details) = obj.get("error_detail").and_then(Value::as_array) {
        for detail in details {
            let kind = detail.get("exc_type").and_then(Value::as_str).unwrap_or("");
            let value = detail
                .get("exc_value")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !kind.is_empty() || !value.is_empty() {
                lines.push(LogLine {
                    timestamp,
                    level: lines[0].level.clone(),
                    text: format!("{kind}: {value}"),
                });
            }
        }
    }
    lines
}

fn text_lines(text: &str) -> Vec<LogLine> {
    text.lines().map(LogLine::text).collect()
}

/// Airflow 2.0–2.2 answered `content` as Python's repr of `[('host', 'text')]`. Recognise that
/// shape and keep only the texts, unescaped; anything else is returned as it was.
fn unwrap_host_pairs(content: &str) -> String {
    let trimmed = content.trim();
    if !(trimmed.starts_with("[('") && trimmed.ends_with("')]")) {
        return content.to_string();
    }
    let mut texts = Vec::new();
    // Each pair is ('host', 'text'); the text is the second quoted string of the pair.
    let mut rest = &trimmed[1..trimmed.len() - 1];
    while let Some(open) = rest.find('(') {
        rest = &rest[open + 1..];
        let Some((_, after_host)) = quoted(rest) else {
            break;
        };
        let after_comma = after_host.trim_start().trim_start_matches(',').trim_start();
        let Some((text, after_text)) = quoted(after_comma) else {
            break;
        };
        texts.push(text);
        rest = after_text;
    }
    if texts.is_empty() {
        content.to_string()
    } else {
        texts.join("\n")
    }
}

/// A single-quoted Python string at the start of `s`: its unescaped value and what follows.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            '\'' => return Some((out, &body[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &[u8] = include_bytes!("../../../tests/fixtures/airflow/log-runme_0.json");

    #[test]
    fn a_real_v2_log_becomes_lines_with_times_and_levels() {
        let lines = parse_log(LOG, true).unwrap();
        // The fixture has 23 events, each one line.
        assert_eq!(lines.len(), 23);
        assert_eq!(lines[0].text, "::group::Log message source details");
        assert_eq!(lines[0].timestamp, None);
        let exited = lines
            .iter()
            .find(|l| l.text == "Command exited with return code 0")
            .expect("the bash command's exit line");
        assert_eq!(exited.level.as_deref(), Some("info"));
        assert_eq!(
            exited.to_string(),
            "2026-11-26T11:43:26.891Z [info] Command exited with return code 0"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.text.contains("example_bash_operator__runme_0__"))
        );
    }

    #[test]
    fn a_multiline_event_and_its_exception_become_several_lines() {
        let body = br#"{"content":[{"timestamp":"2026-01-01T00:00:00Z","level":"error","event":"Task failed\nTraceback (most recent call last):","error_detail":[{"exc_type":"ValueError","exc_value":"boom"}]}]}"#;
        let lines = parse_log(body, true).unwrap();
        let texts: Vec<_> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Task failed",
                "Traceback (most recent call last):",
                "ValueError: boom"
            ]
        );
        assert!(lines.iter().all(|l| l.level.as_deref() == Some("error")));
    }

    #[test]
    fn v1_text_and_json_string_content_become_lines() {
        let text = b"[2024-01-01, 00:00:00 UTC] {taskinstance.py:1} INFO - hello\nworld\n";
        let lines = parse_log(text, false).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].text, "world");
        let json = br#"{"continuation_token":"x","content":"a\nb"}"#;
        let lines = parse_log(json, true).unwrap();
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn old_v1_host_pairs_are_unwrapped() {
        let json =
            br#"{"content":"[('worker-0', '*** Reading local file\\nhello it\\'s me\\n')]"}"#;
        let lines = parse_log(json, true).unwrap();
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["*** Reading local file", "hello it's me"]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_log(b"{not json", true).is_err());
        assert!(parse_log(br#"{"content": 5}"#, true).is_err());
        assert_eq!(parse_log(br#"{"content": null}"#, true).unwrap(), vec![]);
    }
}
