//! Format and severity of a sanitized line: JSON objects (level in `level`, `severity`,
//! `levelname`, `lvl`, `log.level`, dbt's `info.level`, the Airbyte protocol's `log.level`
//! and error traces), logfmt (`level=`/`lvl=`), and plain text (`ERROR`, `[error]`, `<Error>`,
//! `E1204` klog prefixes, `WARN`/`WARNING`, Java `SEVERE`, Python tracebacks, Redis marks…),
//! plus the viewer's pretty-printer for JSON lines.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::line::{Format, Level};

/// How far into a plain line the level marker is looked for: headers (time, thread, logger)
/// come first, and words deeper in the message are content, not severity.
const PLAIN_WINDOW: usize = 160;

/// Format and level of a sanitized line.
pub fn classify(text: &str) -> (Format, Level) {
    let trimmed = text.trim();
    if trimmed.starts_with('{')
        && trimmed.ends_with('}')
        && let Some(level) = json_level(trimmed)
    {
        return (Format::Json, level);
    }
    if let Some(level) = logfmt_level(text) {
        return (Format::Logfmt, level);
    }
    (Format::Plain, plain_level(text))
}

/// A level name in any of the spellings loggers use.
pub fn level_from_name(name: &str) -> Option<Level> {
    let n = name.trim();
    let is = |s: &str| n.eq_ignore_ascii_case(s);
    Some(if is("trace") || is("trc") || is("finest") || is("finer") {
        Level::Trace
    } else if is("debug") || is("dbg") || is("fine") {
        Level::Debug
    } else if is("info")
        || is("information")
        || is("informational")
        || is("notice")
        || is("inf")
        || is("log")
    {
        Level::Info
    } else if is("warn") || is("warning") || is("wrn") {
        Level::Warn
    } else if is("error") || is("err") || is("severe") || is("exception") || is("fail") {
        Level::Error
    } else if is("fatal")
        || is("critical")
        || is("crit")
        || is("panic")
        || is("dpanic")
        || is("emerg")
        || is("emergency")
        || is("alert")
        || is("ftl")
    {
        Level::Fatal
    } else {
        return None;
    })
}

/// Numeric levels: pino/bunyan (10 trace … 60 fatal) and logr verbosity (0 info, 1+ debug).
fn level_from_number(n: f64) -> Option<Level> {
    Some(match n {
        n if n >= 60.0 => Level::Fatal,
        n if n >= 50.0 => Level::Error,
        n if n >= 40.0 => Level::Warn,
        n if n >= 30.0 => Level::Info,
        n if n >= 20.0 => Level::Debug,
        n if n >= 10.0 => Level::Trace,
        0.0 => Level::Info,
        n if n > 0.0 => Level::Debug,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// JSON

/// The level of a JSON object line, `Some(Unknown)` for an object without one, None when the
/// text is not a JSON object. Reads the object once without building it.
fn json_level(text: &str) -> Option<Level> {
    let mut de = serde_json::Deserializer::from_str(text);
    let level = de.deserialize_map(ProbeVisitor).ok()?;
    de.end().ok()?;
    Some(level)
}

/// A map key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value, read for one fact: a level (strings, numbers), a nested object's level,
/// whether it equals a word. Everything else is skipped.
#[derive(Clone, Copy)]
enum Want {
    /// A level value itself.
    Level,
    /// An object with a `level`/`severity` key (dbt's `info`, the Airbyte protocol's `log`,
    /// ECS's nested `log`).
    NestedLevel,
    /// An object whose `key` is the string `word` (Airbyte `trace.type == "ERROR"`).
    Field {
        key: &'static str,
        word: &'static str,
    },
    /// Presence of a non-empty value (an `error` key without a level).
    Present,
    /// A string equal to this word, ignoring case.
    Word(&'static str),
}

struct Probe(Want);

/// What a probed value told.
#[derive(Default)]
struct Found {
    level: Option<Level>,
    hit: bool,
}

impl<'de> de::DeserializeSeed<'de> for Probe {
    type Value = Found;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Found, E> {
        Ok(match self.0 {
            Want::Level => Found {
                level: level_from_name(v),
                hit: false,
            },
            Want::Present => Found {
                level: None,
                hit: !v.is_empty(),
            },
            Want::Word(word) => Found {
                level: None,
                hit: v.eq_ignore_ascii_case(word),
            },
            _ => Found::default(),
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Found, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Found, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Found, E> {
        Ok(match self.0 {
            Want::Level => Found {
                level: level_from_number(v),
                hit: false,
            },
            Want::Present => Found {
                level: None,
                hit: true,
            },
            _ => Found::default(),
        })
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Found, E> {
        Ok(Found {
            level: None,
            hit: matches!(self.0, Want::Present) && v,
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Found, E> {
        Ok(Found::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        let mut any = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(Found {
            level: None,
            hit: matches!(self.0, Want::Present) && any,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let mut found = Found::default();
        let mut any = false;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            any = true;
            match self.0 {
                Want::NestedLevel if matches!(key.as_ref(), "level" | "severity" | "levelname") => {
                    let f = map.next_value_seed(Probe(Want::Level))?;
                    found.level = found.level.or(f.level);
                }
                Want::Field { key: k, word } if key == k => {
                    found.hit |= map.next_value_seed(Probe(Want::Word(word)))?.hit;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if matches!(self.0, Want::Present) {
            found.hit = any;
        }
        Ok(found)
    }
}

/// The top-level object of a JSON line.
struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Level;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Level, A::Error> {
        let mut direct = None;
        let mut nested = None;
        let mut failed = false;
        let mut error_field = false;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            match key.as_ref() {
                "level" | "severity" | "levelname" | "lvl" | "log.level" | "loglevel"
                | "log_level" | "@l" => {
                    let f = map.next_value_seed(Probe(Want::Level))?;
                    direct = direct.or(f.level);
                }
                "info" | "log" => {
                    let f = map.next_value_seed(Probe(Want::NestedLevel))?;
                    nested = nested.or(f.level);
                }
                // Airbyte protocol: an error trace or a failed connection check.
                "trace" => {
                    let f = map.next_value_seed(Probe(Want::Field {
                        key: "type",
                        word: "ERROR",
                    }))?;
                    failed |= f.hit;
                }
                "connectionStatus" => {
                    let f = map.next_value_seed(Probe(Want::Field {
                        key: "status",
                        word: "FAILED",
                    }))?;
                    failed |= f.hit;
                }
                // logr/funcr write errors with an `error` key and no level.
                "error" | "err" | "exception" | "exc_info" | "stack_trace" => {
                    let f = map.next_value_seed(Probe(Want::Present))?;
                    error_field |= f.hit;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if let Some(l) = direct.or(nested) {
            l
        } else if failed || error_field {
            Level::Error
        } else {
            Level::Unknown
        })
    }
}

/// Indented JSON for the viewer's pretty toggle, or None when `text` is not a JSON object or
/// array. Keys keep their order and numbers their spelling: the text is re-indented, not
/// re-encoded.
pub fn pretty_json(text: &str) -> Option<String> {
    let t = text.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<IgnoredAny>(t).ok()?;
    let mut out = String::with_capacity(t.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = t.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Skip whitespace to see whether the container is empty.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// logfmt

/// The level of a logfmt line: the line starts with a `key=` pair and has a `level=` (or
/// `lvl=`, `severity=`) pair. None when it is not such a line.
fn logfmt_level(text: &str) -> Option<Level> {
    let first = text.split(' ').next()?;
    let (key, _) = first.split_once('=')?;
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return None;
    }
    for name in ["level=", "lvl=", "severity="] {
        for (at, _) in text.match_indices(name) {
            if at > 0 && text.as_bytes()[at - 1] != b' ' {
                continue;
            }
            let rest = &text[at + name.len()..];
            let value = match rest.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or(""),
                None => rest.split(' ').next().unwrap_or(""),
            };
            // A key with a value no logger writes is not the level (`severity=3` in a
            // message): keep looking, and treat the line as plain if nothing fits.
            if let Some(level) = level_from_name(value) {
                return Some(level);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Plain text

/// Level words that count when written in capitals anywhere in the header.
fn upper_word(w: &str) -> Option<Level> {
    Some(match w {
        "TRACE" => Level::Trace,
        "DEBUG" | "DBG" => Level::Debug,
        "INFO" | "INFORMATION" | "NOTICE" | "LOG" => Level::Info,
        "WARN" | "WARNING" => Level::Warn,
        "ERROR" | "ERR" | "SEVERE" | "FAIL" => Level::Error,
        "FATAL" | "CRITICAL" | "CRIT" | "PANIC" | "EMERG" | "ALERT" => Level::Fatal,
        _ => return None,
    })
}

/// Level words that count in any case when delimited as a level (`[info]`, `<Error>`,
/// `error:`), but not in prose.
fn any_case_word(w: &str) -> Option<Level> {
    const WORDS: &[(&str, Level)] = &[
        ("trace", Level::Trace),
        ("debug", Level::Debug),
        ("info", Level::Info),
        ("information", Level::Info),
        ("notice", Level::Info),
        ("warn", Level::Warn),
        ("warning", Level::Warn),
        ("error", Level::Error),
        ("err", Level::Error),
        ("severe", Level::Error),
        ("fatal", Level::Fatal),
        ("critical", Level::Fatal),
        ("crit", Level::Fatal),
        ("panic", Level::Fatal),
        ("emerg", Level::Fatal),
        ("alert", Level::Fatal),
    ];
    WORDS
        .iter()
        .find(|(name, _)| w.eq_ignore_ascii_case(name))
        .map(|(_, l)| *l)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The level of a plain line, from its first marker.
fn plain_level(text: &str) -> Level {
    if let Some(l) = line_start_level(text) {
        return l;
    }
    let b = text.as_bytes();
    let window = b.len().min(PLAIN_WINDOW);
    let mut i = 0;
    while i < window {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let prev = start.checked_sub(1).map(|p| b[p]);
        let next = b.get(i).copied();
        // Part of a longer identifier (`ERROR_CODE`, `E1204`, `café`) or a key (`ERROR=2`,
        // dbt's summary) or a dotted name (`logging.ERROR`): not a marker.
        if prev.is_some_and(|p| is_word_byte(p) || p == b'.' || p == b'-')
            || next.is_some_and(|n| is_word_byte(n) || n == b'=' || n == b'-')
        {
            continue;
        }
        // Tokens are ASCII letters only, so the slice is on char boundaries.
        let word = &text[start..i];
        if word.len() >= 3
            && word.bytes().all(|c| c.is_ascii_uppercase())
            && let Some(l) = upper_word(word)
        {
            return l;
        }
        if let Some(l) = any_case_word(word) {
            let bracketed = matches!(prev, Some(b'[' | b'<'))
                && matches!(after_padding(b, i), Some(b']' | b'>' | b':'));
            // `Stack Trace:` introduces a trace, it is not a trace-level line.
            let colon = next == Some(b':') && !word.eq_ignore_ascii_case("trace");
            // Tab-separated columns (zap's console encoder) turn into space runs.
            let columns = (start == 0 || b[..start].ends_with(b"  "))
                && (b[i..].starts_with(b"  ") || i == b.len());
            if bracketed || colon || columns {
                return l;
            }
        }
    }
    Level::Unknown
}

/// The byte after `i` once spaces are skipped (structlog pads `[info     ]`).
fn after_padding(b: &[u8], mut i: usize) -> Option<u8> {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    b.get(i).copied()
}

/// Shapes recognised by how a line starts: klog's `E1204 12:00:00`, Redis's role and mark,
/// Python and Java exception lines.
fn line_start_level(text: &str) -> Option<Level> {
    let b = text.as_bytes();
    // klog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`.
    if b.len() > 9
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[6..8].iter().all(u8::is_ascii_digit)
        && b[8] == b':'
    {
        return Some(match b[0] {
            b'I' => Level::Info,
            b'W' => Level::Warn,
            b'E' => Level::Error,
            _ => Level::Fatal,
        });
    }
    if let Some(l) = redis_level(b) {
        return Some(l);
    }
    if text.starts_with("Traceback (most recent call last)")
        || text.starts_with("Exception in thread ")
        || text.starts_with("Caused by: ")
    {
        return Some(Level::Error);
    }
    // `psycopg2.OperationalError: …`, `java.lang.OutOfMemoryError: …`,
    // `io.airbyte.workers.internal.exception.SourceException: …`
    let head = text.split([':', ' ']).next().unwrap_or("");
    if !head.is_empty()
        && text.as_bytes().get(head.len()).is_none_or(|&c| c == b':')
        && head
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$'))
        && head.as_bytes()[0].is_ascii_alphabetic()
        && (head.ends_with("Error") || head.ends_with("Exception"))
    {
        return Some(Level::Error);
    }
    None
}

/// Redis: `1:M 26 Nov 2026 12:00:00.123 # msg` — `.` debug, `-` verbose, `*` notice,
/// `#` warning.
fn redis_level(b: &[u8]) -> Option<Level> {
    let colon = b.iter().take(8).position(|&c| c == b':')?;
    if colon == 0 || !b[..colon].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rest = &b[colon + 1..];
    // Role, space, `dd Mon yyyy hh:mm:ss.mmm`, space, mark, space.
    if rest.len() < 29 || !matches!(rest[0], b'C' | b'M' | b'S' | b'X') || rest[1] != b' ' {
        return None;
    }
    let date = &rest[2..26];
    if date[2] != b' '
        || date[6] != b' '
        || date[11] != b' '
        || date[14] != b':'
        || date[20] != b'.'
    {
        return None;
    }
    if rest[26] != b' ' || rest[28] != b' ' {
        return None;
    }
    match rest[27] {
        b'.' | b'-' => Some(Level::Debug),
        b'*' => Some(Level::Info),
        b'#' => Some(Level::Warn),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    /// Format and level as the viewer gets them (through the sanitizer: ANSI and tabs).
    fn of(raw: &str) -> (Format, Level) {
        let l = parse_line(0, raw.as_bytes(), false);
        (l.format, l.level)
    }

    fn assert_levels(cases: &[(&str, Level)]) {
        let mut wrong = Vec::new();
        for (raw, want) in cases {
            let (_, got) = of(raw);
            if got != *want {
                wrong.push(format!("{want:?} expected, {got:?} for {raw:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn json_levels_in_every_field_loggers_use() {
        use Level::*;
        let cases: &[(&str, Level)] = &[
            // Airflow 3 task runner.
            (
                r#"{"timestamp":"2026-11-26T12:00:19.000789Z","level":"error","event":"Task failed with exception","logger":"task"}"#,
                Error,
            ),
            (
                r#"{"timestamp":"2026-11-26T12:00:19.000789Z","level":"info","event":"Output:","logger":"task"}"#,
                Info,
            ),
            // dbt --log-format json: the level is under `info`, `data` holds other fields.
            (
                r#"{"data": {"status": "fail", "level": "nope"}, "info": {"code": "Q007", "level": "error", "msg": "5 of 8 FAIL 1 x"}}"#,
                Error,
            ),
            (
                r#"{"data": {}, "info": {"level": "warn", "name": "RunResultWarning"}}"#,
                Warn,
            ),
            // Airbyte protocol.
            (
                r#"{"type":"LOG","log":{"level":"ERROR","message":"Encountered an exception while reading stream orders"}}"#,
                Error,
            ),
            (
                r#"{"type":"LOG","log":{"level":"WARN","message":"x"}}"#,
                Warn,
            ),
            (
                r#"{"type":"TRACE","trace":{"type":"ERROR","emitted_at":1.0,"error":{"message":"Could not connect"}}}"#,
                Error,
            ),
            (
                r#"{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1.0}}"#,
                Unknown,
            ),
            (
                r#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"refused"}}"#,
                Error,
            ),
            (
                r#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}"#,
                Unknown,
            ),
            // git-sync (logr: numeric verbosity), pino/bunyan numbers.
            (
                r#"{"logger":"","ts":"2026-11-26 12:00:00.000000","caller":{"file":"main.go","line":623},"level":0,"msg":"starting up"}"#,
                Info,
            ),
            (r#"{"level":1,"msg":"no update required"}"#, Debug),
            (r#"{"level":50,"msg":"boom"}"#, Error),
            (r#"{"level":40,"msg":"hm"}"#, Warn),
            // Temporal (zap JSON): an `error` field does not override an explicit level.
            (
                r#"{"level":"info","ts":"2026-11-26T12:00:00.000Z","msg":"history client encountered error","error":"Workflow executionsRow not found."}"#,
                Info,
            ),
            // logr/funcr errors carry no level, only the error.
            (
                r#"{"ts":"2026-11-26 12:00:00","msg":"failed to sync","error":"context deadline exceeded"}"#,
                Error,
            ),
            (
                r#"{"ts":"2026-11-26 12:00:00","msg":"ok","error":null}"#,
                Unknown,
            ),
            // GCP, Python json loggers, ECS (dotted and nested).
            (r#"{"severity":"WARNING","message":"x"}"#, Warn),
            (r#"{"levelname":"CRITICAL","message":"x"}"#, Fatal),
            (r#"{"log.level":"error","message":"x"}"#, Error),
            (
                r#"{"log":{"level":"warn","logger":"x"},"message":"y"}"#,
                Warn,
            ),
            (
                r#"{"log":"a docker json-file line","stream":"stdout"}"#,
                Unknown,
            ),
            // Escaped key, nested values of any type skipped.
            (
                r#"{"lev\u0065l":"debug","a":[1,{"b":[true,null]}],"c":{"d":"e"}}"#,
                Debug,
            ),
            (r#"  {"lvl":"trace"}  "#, Trace),
        ];
        assert_levels(cases);
        for (raw, _) in cases {
            assert_eq!(of(raw).0, Format::Json, "{raw}");
        }
    }

    #[test]
    fn text_that_only_looks_like_json_is_plain() {
        for raw in [
            "{not json}",
            "{\"a\":1} trailing",
            "{\"a\":",
            "[1,2]",
            "{\"a\":1}}",
        ] {
            assert_eq!(of(raw).0, Format::Plain, "{raw}");
        }
        assert_eq!(of("{\"msg\":\"no level\"}"), (Format::Json, Level::Unknown));
        // A line cut by the length cap is no longer JSON; its text still has a level marker.
        assert_eq!(of("{\"level\":\"error\",\"msg\":\"x").0, Format::Plain);
    }

    #[test]
    fn logfmt_lines_with_a_level_key() {
        use Level::*;
        let cases: &[(&str, Level)] = &[
            // statsd-exporter, pgbouncer-exporter (Airflow chart).
            (
                r#"time=2026-11-26T12:00:00.000Z level=INFO source=main.go:321 msg="Starting StatsD -> Prometheus Exporter" version="(version=0.28.0)""#,
                Info,
            ),
            (
                r#"time=2026-11-26T12:00:00.000Z level=DEBUG source=exporter.go:290 msg="Unmapped metric, using default mapping""#,
                Debug,
            ),
            (
                r#"ts=2026-11-26T12:00:00.000Z caller=pgbouncer_exporter.go:100 level=info msg="Starting pgbouncer_exporter""#,
                Info,
            ),
            (
                r#"ts=2026-11-26T12:00:00.000Z caller=collector.go:80 level=error msg="Error scraping""#,
                Error,
            ),
            // logrus text formatter.
            (
                r#"time="2026-11-26T12:00:00Z" level=warning msg="deprecated flag""#,
                Warn,
            ),
            (r#"t=2026-11-26T12:00:00Z lvl=eror msg="x" lvl=crit"#, Fatal),
        ];
        assert_levels(cases);
        for (raw, _) in cases {
            assert_eq!(of(raw).0, Format::Logfmt, "{raw}");
        }
        // key=value without a level key, or not starting with a pair: plain.
        assert_eq!(of("a=1 b=2 msg=x").0, Format::Plain);
        assert_eq!(of("2026-11-26 level=error x").0, Format::Plain);
        assert_eq!(of("2026-11-26 level=error x").1, Level::Unknown);
    }

    #[test]
    fn each_tools_error_and_warn_lines_get_their_level() {
        use Level::*;
        // Shapes from the simulator's per-tool generators (crates/sim/src/podlogs/*.rs),
        // which follow each tool's real format.
        assert_levels(&[
            // Airbyte platform (logback, coloured level, tabs).
            (
                "2026-11-26 12:00:30,000 [pool-3-thread-1]\t\x1b[1;31mERROR\x1b[0;39m\ti.a.c.o.w.ReplicationWorkerHelper(readFromSource):302 - readFromSource: exception caught",
                Error,
            ),
            (
                "2026-11-26 12:00:30,000 [SIGTERM handler]\t\x1b[31mWARN\x1b[0;39m\ti.a.c.o.ReplicationOrchestrator(onShutdown):88 - Received SIGTERM, cancelling replication...",
                Warn,
            ),
            (
                "2026-11-26 12:00:01,123 [main]\t\x1b[34mINFO\x1b[0;39m\ti.m.c.e.DefaultEnvironment(<init>):168 - Established active environments: [k8s, control-plane]",
                Info,
            ),
            (
                "io.airbyte.workers.internal.exception.SourceException: Source process exited with non-zero exit code 1",
                Error,
            ),
            (
                "\tat io.airbyte.container.orchestrator.worker.ReplicationWorker.runReplicationBlocking(ReplicationWorker.kt:211)",
                Unknown,
            ),
            // Airflow 3 components (structlog console), uvicorn, Celery, gunicorn.
            (
                "2026-11-26T12:00:00.123456Z [error    ] Exception when executing SchedulerJob._run_scheduler_loop [airflow.jobs.scheduler_job_runner.SchedulerJobRunner] loc=scheduler_job_runner.py:1028",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123456Z [warning  ] DAG has import errors             [airflow.models.dagbag] loc=dagbag.py:1",
                Warn,
            ),
            (
                "2026-11-26T12:00:00.123456Z [info     ] Starting the scheduler         [airflow.jobs.scheduler_job_runner.SchedulerJobRunner] loc=scheduler_job_runner.py:1063",
                Info,
            ),
            ("ERROR:    Traceback (most recent call last):", Error),
            ("ERROR:    Application startup failed. Exiting.", Error),
            (
                "INFO:     10.244.0.7:43122 - \"GET /api/v2/monitor/health HTTP/1.1\" 200 OK",
                Info,
            ),
            (
                "[2026-11-26 12:00:00,123: ERROR/ForkPoolWorker-3] Task execute_workload[1] raised unexpected: OSError()",
                Error,
            ),
            (
                "[2026-11-26 12:00:00,123: WARNING/MainProcess] consumer: Connection to broker lost.",
                Warn,
            ),
            (
                "[2026-11-26 12:00:00 +0000] [38] [ERROR] Exception in worker process",
                Error,
            ),
            (
                "[2026-11-26 12:00:00 +0000] [1] [INFO] Starting gunicorn 22.0.0",
                Info,
            ),
            (
                "psycopg2.OperationalError: connection to server at \"airflow-pgbouncer.orchestration\" (10.96.14.3), port 6543 failed: Connection refused",
                Error,
            ),
            (
                "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed",
                Error,
            ),
            ("Traceback (most recent call last):", Error),
            (
                "  File \"/home/airflow/.local/bin/airflow\", line 8, in <module>",
                Unknown,
            ),
            // Airflow 2 task log.
            (
                "[2026-11-26, 12:00:01 UTC] {taskinstance.py:3311} ERROR - Task failed with exception",
                Error,
            ),
            (
                "[2026-11-26, 12:00:01 UTC] {taskinstance.py:1225} INFO - Marking task as FAILED.",
                Info,
            ),
            // dbt text.
            (
                "\x1b[0m11:42:47  6 of 8 ERROR creating sql table model main.broken_model ........................ [\x1b[31mERROR\x1b[0m in 0.07s]",
                Error,
            ),
            (
                "\x1b[0m11:42:47  5 of 8 FAIL 1 unique_stg_orders_order_id ....................................... [\x1b[31mFAIL 1\x1b[0m in 0.07s]",
                Error,
            ),
            (
                "\x1b[0m11:42:47  3 of 8 WARN 2 accepted_values_stg_payments_status ............................. [\x1b[33mWARN 2\x1b[0m in 0.07s]",
                Warn,
            ),
            (
                "\x1b[0m11:42:47  Done. PASS=4 WARN=0 ERROR=2 SKIP=2 NO-OP=0 TOTAL=8",
                Unknown,
            ),
            // Spark (log4j2 default pattern) and its exceptions.
            (
                "26/11/26 12:00:41 WARN TaskSetManager: Lost task 3.3 in stage 2.0 (TID 19) (10.244.0.26 executor 2): java.lang.OutOfMemoryError: Java heap space",
                Warn,
            ),
            (
                "26/11/26 12:00:43 ERROR TaskSetManager: Task 3 in stage 2.0 failed 4 times; aborting job",
                Error,
            ),
            (
                "26/11/26 12:00:01 INFO SparkContext: Running Spark version 3.5.3",
                Info,
            ),
            (
                "Exception in thread \"main\" org.apache.spark.SparkException: Job aborted due to stage failure",
                Error,
            ),
            (
                "Caused by: java.lang.OutOfMemoryError: Java heap space",
                Error,
            ),
            ("java.lang.OutOfMemoryError: Java heap space", Error),
            // Dagster.
            (
                "2026-11-26 12:00:00 +0000 - dagster - ERROR - __ASSET_JOB - 5f0e1a2b - 1 - revenue_report - STEP_FAILURE - Execution of step \"revenue_report\" failed.",
                Error,
            ),
            (
                "2026-11-26 12:00:00 +0000 - dagster - DEBUG - __ASSET_JOB - 5f0e1a2b - 1 - RUN_SUCCESS - Finished execution of run",
                Debug,
            ),
            (
                "2026-11-26 12:00:00 +0000 - dagster.daemon - WARNING - Sensor daemon heartbeat late",
                Warn,
            ),
            // Trino (tab-separated).
            (
                "2026-11-26T12:00:00.123Z\tERROR\tmain\tio.trino.server.Server\tFailed to create injector",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123Z\tWARN\tmain\tio.trino.server.PluginManager\tslow",
                Warn,
            ),
            (
                "1) [Guice/ErrorInCustomProvider]: IllegalArgumentException: Invalid JDBC URL",
                Unknown,
            ),
            // Superset, Prefect, Meltano and the Singer SDK.
            (
                "2026-11-26 12:00:00,123:ERROR:superset.views.base:Exception while querying",
                Error,
            ),
            (
                "2026-11-26 12:00:00,123:WARNING:superset.initialization:Class 'SQLAlchemyUtils' is deprecated",
                Warn,
            ),
            (
                "12:00:00.123 | ERROR   | Task run 'load_warehouse-1a2' - Finished in state Failed('Task run encountered an exception')",
                Error,
            ),
            ("12:00:00.123 | WARNING | Flow run 'x' - slow", Warn),
            (
                "ValueError: warehouse rejected batch 7: duplicate key",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123456Z [error    ] Extraction failed              code=1 message=singer_sdk.exceptions.FatalAPIError: 401",
                Error,
            ),
            (
                "2026-11-26 12:00:00,123 | ERROR    | tap-github.issues    | An unhandled error occurred while syncing 'issues'",
                Error,
            ),
            (
                "2026-11-26 12:00:00,123 | INFO     | singer_sdk.metrics   | METRIC: {\"type\": \"counter\"}",
                Info,
            ),
            // ClickHouse, Metabase, Lightdash.
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {a1b2} <Error> executeQuery: Code: 60. DB::Exception: Table x does not exist",
                Error,
            ),
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {} <Warning> Application: Listen [::]:9009 failed",
                Warn,
            ),
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {} <Information> Application: Ready for connections.",
                Info,
            ),
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {} <Debug> TCPHandler: Processed in 0.001 sec.",
                Debug,
            ),
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {} <Trace> ContextAccess: Access granted",
                Trace,
            ),
            (
                "2026.11.26 12:00:00.123456 [ 42 ] {} <Fatal> BaseDaemon: Received signal 11",
                Fatal,
            ),
            (
                "2026-11-26 12:00:00,123 ERROR metabase.core :: Metabase Initialization FAILED",
                Error,
            ),
            ("2026-11-26 12:00:00,123 WARN metabase.driver :: slow", Warn),
            (
                "2026-11-26 12:00:00:123 [Lightdash] error: Could not connect to the warehouse",
                Error,
            ),
            ("2026-11-26 12:00:00:123 [Lightdash] warn: slow query", Warn),
            (
                "2026-11-26 12:00:00:123 [Lightdash] info: Running database migrations",
                Info,
            ),
            // PostgreSQL, pgbouncer, Redis.
            (
                "2026-11-26 12:00:00.123 UTC [1] FATAL:  password authentication failed for user \"postgres\"",
                Fatal,
            ),
            (
                "2026-11-26 12:00:00.123 UTC [87] ERROR:  relation \"orders\" does not exist at character 15",
                Error,
            ),
            (
                "2026-11-26 12:00:00.123 UTC [87] WARNING:  there is no transaction in progress",
                Warn,
            ),
            (
                "2026-11-26 12:00:00.123 UTC [1] LOG:  database system is ready to accept connections",
                Info,
            ),
            (
                "2026-11-26 12:00:00.123 UTC [87] DETAIL:  Key (id)=(7) already exists.",
                Unknown,
            ),
            (
                "2026-11-26 12:00:00.123 UTC [1] LOG stats: 0 xacts/s, 3 queries/s",
                Info,
            ),
            (
                "1:C 26 Nov 2026 12:00:00.123 # WARNING Memory overcommit must be enabled!",
                Warn,
            ),
            (
                "1:M 26 Nov 2026 12:00:00.123 * Ready to accept connections tcp",
                Info,
            ),
            (
                "1:M 26 Nov 2026 12:00:00.123 - Accepted 10.244.0.9:40000",
                Debug,
            ),
            // Operators (zap console, klog), generic apps, nginx.
            (
                "2026-11-26T12:00:00.123Z\tERROR\tcontroller.sparkapplication\tReconciler error\t{\"name\": \"x\"}",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123Z\terror\tcontroller/controller.go:42\tReconciler error",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123Z\tinfo\tcontroller/controller.go:42\tStarting workers",
                Info,
            ),
            (
                "E1126 12:00:00.123456       1 reflector.go:138] Failed to watch *v1.Pod",
                Error,
            ),
            (
                "W1126 12:00:00.123456       1 warnings.go:70] v1 Endpoints is deprecated",
                Warn,
            ),
            (
                "I1126 12:00:00.123456       1 leaderelection.go:250] attempting to acquire leader lease",
                Info,
            ),
            (
                "F1126 12:00:00.123456       1 main.go:42] cannot start",
                Fatal,
            ),
            (
                "2026-11-26T12:00:00.123Z ERROR fatal: failed to connect to backend: dial tcp 10.96.0.42:5432: connect: connection refused",
                Error,
            ),
            (
                "2026-11-26T12:00:00.123Z WARN  slow request: GET /api/items took 3210ms",
                Warn,
            ),
            (
                "2026/11/26 12:00:00 [error] 7#7: *1 connect() failed (111: Connection refused)",
                Error,
            ),
            (
                "2026/11/26 12:00:00 [notice] 1#1: start worker processes",
                Info,
            ),
            (
                "2026/11/26 12:00:00 [warn] 1#1: low file descriptor limit",
                Warn,
            ),
            (
                "2026/11/26 12:00:00 [crit] 1#1: SSL_CTX_use_certificate failed",
                Fatal,
            ),
            // Java util logging, Python logging, CLIs.
            (
                "SEVERE: Servlet.service() for servlet [dispatcher] threw exception",
                Error,
            ),
            ("ERROR:root:boom", Error),
            ("WARNING:root:careful", Warn),
            ("CRITICAL:root:disk full", Fatal),
            (
                "panic: runtime error: invalid memory address or nil pointer dereference",
                Fatal,
            ),
            (
                "fatal: not a git repository (or any of the parent directories): .git",
                Fatal,
            ),
            ("error: failed to push some refs", Error),
            (
                "Warning: Permanently added 'github.com' to the list of known hosts.",
                Warn,
            ),
        ]);
    }

    #[test]
    fn prose_and_identifiers_are_not_levels() {
        assert_levels(&[
            ("processed 5000 rows with 0 errors", Level::Unknown),
            ("GET /api/errors 200 12ms", Level::Unknown),
            ("retrying after an error from upstream", Level::Unknown),
            ("ERROR_CODE=E42 happened", Level::Unknown),
            ("set logging.ERROR on the root logger", Level::Unknown),
            ("Stack trace:", Level::Unknown),
            ("Stack Trace:", Level::Unknown),
            ("TaskInstanceState.FAILED", Level::Unknown),
            ("INFORMATIONAL_MESSAGES are off", Level::Unknown),
            ("the Error class is defined in errors.py", Level::Unknown),
            (
                "  Runtime Error in model broken_model (models/broken_model.sql)",
                Level::Unknown,
            ),
            ("", Level::Unknown),
            // A marker deep in a long message is content, not the line's level.
            (&format!("{} ERROR", "x ".repeat(100)), Level::Unknown),
        ]);
    }

    #[test]
    fn level_names_and_numbers() {
        assert_eq!(level_from_name(" Warning "), Some(Level::Warn));
        assert_eq!(level_from_name("DPANIC"), Some(Level::Fatal));
        assert_eq!(level_from_name("verbose-ish"), None);
        assert_eq!(level_from_number(10.0), Some(Level::Trace));
        assert_eq!(level_from_number(60.0), Some(Level::Fatal));
        assert_eq!(level_from_number(-1.0), None);
    }

    #[test]
    fn pretty_json_indents_and_keeps_order_and_spelling() {
        let pretty = pretty_json(
            r#"{"z":1,"a":{"b":[1,2.50,{}],"c":[]},"s":"{not: [nested]}, \"q\"","e":1e3}"#,
        )
        .unwrap();
        assert_eq!(
            pretty,
            "{\n  \"z\": 1,\n  \"a\": {\n    \"b\": [\n      1,\n      2.50,\n      {}\n    ],\n    \"c\": []\n  },\n  \"s\": \"{not: [nested]}, \\\"q\\\"\",\n  \"e\": 1e3\n}"
        );
        // Already pretty input is re-indented the same way.
        assert_eq!(pretty_json(&pretty).unwrap(), pretty);
        assert_eq!(pretty_json("[ ]").unwrap(), "[]");
        assert_eq!(
            pretty_json("  {\"a\" : true}  ").unwrap(),
            "{\n  \"a\": true\n}"
        );
        for not_json in [
            "plain text",
            "{\"a\":",
            "\"just a string\"",
            "42",
            "{} extra",
        ] {
            assert_eq!(pretty_json(not_json), None, "{not_json}");
        }
    }
}
