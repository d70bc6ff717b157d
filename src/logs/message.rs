//! A log line's message without its header — the time, logger, level and ids loggers put
//! first — for one-line reasons ("why did this run fail") where the header is noise.

use super::line::{Format, LogLine};

/// JSON fields that carry the message, in the order loggers favour them.
const JSON_MESSAGE_KEYS: &[&str] = &["event", "message", "msg", "error", "err"];

/// Level words a plain header ends with.
const LEVEL_WORDS: &[&str] = &["CRITICAL", "FATAL", "ERROR", "SEVERE", "WARNING", "WARN"];

/// The message of `line`: a JSON line's `event`/`message`/`msg`, a logfmt line's `msg`, a
/// plain line after its time and level (and, Dagster-style, after an `EVENT_TYPE -` field).
/// The text itself when none of that is found.
pub fn message_of(line: &LogLine) -> String {
    let text = line.text.trim();
    let found = match line.format {
        Format::Json => json_message(text),
        Format::Logfmt => logfmt_message(text),
        Format::Plain => None,
    };
    found.unwrap_or_else(|| plain_message(text).to_string())
}

fn json_message(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    JSON_MESSAGE_KEYS
        .iter()
        .find_map(|k| value.get(*k)?.as_str().map(str::trim))
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

fn logfmt_message(text: &str) -> Option<String> {
    let at = text.find("msg=")?;
    if at > 0 && !text[..at].ends_with(' ') {
        return None;
    }
    let rest = &text[at + 4..];
    let message = match rest.strip_prefix('"') {
        Some(quoted) => {
            // Up to the closing quote not escaped by a backslash.
            let mut end = quoted.len();
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            quoted[..end].replace("\\\"", "\"")
        }
        None => rest.split(' ').next().unwrap_or_default().to_string(),
    };
    (!message.is_empty()).then_some(message)
}

/// After the header: a leading timestamp, then what follows the first level word within the
/// header's reach, then (Dagster: `job - run id - step - EVENT_TYPE - message`) what follows
/// an upper-case event type.
fn plain_message(text: &str) -> &str {
    let mut rest = skip_timestamp(text);
    let head = &rest[..rest.len().min(80)];
    if let Some((at, word)) = LEVEL_WORDS
        .iter()
        .filter_map(|w| Some((find_word(head, w)?, *w)))
        .min_by_key(|(at, _)| *at)
    {
        rest = rest[at + word.len()..].trim_start_matches([' ', '-', ':', ']', '|', '>']);
    }
    let parts: Vec<&str> = rest.splitn(6, " - ").collect();
    if parts.len() > 1
        && let Some(i) = parts[..parts.len() - 1]
            .iter()
            .position(|p| is_event_type(p))
    {
        let skipped: usize = parts[..=i].iter().map(|p| p.len() + 3).sum();
        return rest[skipped.min(rest.len())..].trim();
    }
    rest.trim()
}

/// `RUN_FAILURE`, `STEP_FAILURE`: upper-case words joined by underscores.
fn is_event_type(part: &str) -> bool {
    part.contains('_')
        && part
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
}

/// Where `word` stands alone in `text` (not inside a longer word).
fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let end = at + word.len();
        let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before && after {
            return Some(at);
        }
        from = end;
    }
    None
}

/// `text` after a leading date and time (`2026-12-04 20:21:40 +0000`, `2026-12-04T20:21:40.1Z`,
/// `[2026-12-04 20:21:40,123]`), or `text` when it does not start with one.
fn skip_timestamp(text: &str) -> &str {
    let trimmed = text.trim_start_matches('[');
    let starts_with_date = trimmed.len() >= 10
        && trimmed.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && trimmed.as_bytes()[4] == b'-';
    if !starts_with_date {
        return text;
    }
    let mut rest = trimmed;
    // The date, the time and a zone offset: tokens made of digits and date-time punctuation.
    for _ in 0..3 {
        let token = rest.split(' ').next().unwrap_or_default();
        let is_time_part = !token.is_empty()
            && token.chars().any(|c| c.is_ascii_digit())
            && token
                .chars()
                .all(|c| c.is_ascii_digit() || "-:.,+TZ]".contains(c));
        if !is_time_part {
            break;
        }
        rest = rest[token.len()..].trim_start();
    }
    rest.trim_start_matches([']', ' ', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse_line;

    fn message(text: &str) -> String {
        message_of(&parse_line(0, text.as_bytes(), false))
    }

    #[test]
    fn dagster_lines_give_the_event_message() {
        assert_eq!(
            message(
                "2026-12-04 20:21:40 +0000 - dagster - ERROR - orders_assets_job - \
                 41cbf7b2-1f4f-45cd-a56a-3fb79ac82030 - 1 - RUN_FAILURE - Execution of run \
                 for \"orders_assets_job\" failed. Steps failed: ['revenue_report']."
            ),
            "Execution of run for \"orders_assets_job\" failed. Steps failed: ['revenue_report']."
        );
    }

    #[test]
    fn python_and_java_headers_are_dropped() {
        assert_eq!(
            message("[2026-12-04 10:00:01,123] {taskinstance.py:441} ERROR - Task failed"),
            "Task failed"
        );
        assert_eq!(
            message("2026-12-04T10:00:01.5Z ERROR [main] o.a.s.Job: lost executor 3"),
            "[main] o.a.s.Job: lost executor 3"
        );
        // No header: the line as it is; a level word in the message is not a header.
        assert_eq!(message("boom: disk full"), "boom: disk full");
    }

    #[test]
    fn structured_lines_give_their_message_field() {
        assert_eq!(
            message(
                r#"{"timestamp":"2026-12-04T20:50:05Z","level":"error","event":"Task failed with exception"}"#
            ),
            "Task failed with exception"
        );
        assert_eq!(
            message(r#"time=2026-12-04T10:00:00Z level=error msg="sync \"a\" failed" code=3"#),
            "sync \"a\" failed"
        );
        assert_eq!(message("level=error msg=oops"), "oops");
    }
}
