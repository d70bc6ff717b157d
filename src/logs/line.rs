//! One log line as the viewer draws it ([`LogLine`]) and [`parse_line`], which makes it from
//! the raw bytes of a `pods/log` stream: container timestamp split off, text sanitized with its
//! colours kept aside, over-long lines cut, format and level detected.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::level;
use super::sanitize::sanitize;

/// Index of the line's source (pod/container) in the viewer's list of sources.
pub type SourceId = u16;

/// Most bytes of text a line keeps; the rest is replaced by a `… [N bytes more]` marker so
/// a 1 MB line costs what a 64 KiB one does.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// How much raw input the sanitizer reads at most for one line: escape sequences produce
/// no text, so the output cap alone would not bound the work on a hostile line.
const MAX_SCAN_BYTES: usize = 2 * MAX_TEXT_BYTES;

/// Severity of a line, from its JSON or logfmt field or the usual plain-text markers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No marker found (continuation lines of a stack trace, banners, plain output).
    #[default]
    Unknown,
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Lower-case name, as a filter or a column shows it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

/// The line's structure, which decides whether the pretty toggle applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Plain,
    /// A JSON object (structlog, zap, dbt `--log-format json`, the Airbyte protocol…).
    Json,
    /// `key=value` pairs with a `level=`/`lvl=` key (Go slog, logrus, Prometheus exporters).
    Logfmt,
}

/// A colour a log line asked for with SGR: the 256-colour palette (0–15 being the 16 basic
/// and bright colours) or 24-bit RGB. The theme decides how it is drawn (or whether, with
/// NO_COLOR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogColor {
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Colour and attributes for the byte range `start..end` of [`LogLine::text`] (always on
/// char boundaries). Text outside every run has the default style.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StyleRun {
    pub start: u32,
    pub end: u32,
    pub fg: Option<LogColor>,
    pub bg: Option<LogColor>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
}

/// One line of container output, safe to draw: `text` holds no control character and no
/// escape sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub source: SourceId,
    /// The container runtime's timestamp (`timestamps=true`), when the line had one.
    pub at: Option<DateTime<Utc>>,
    pub text: Box<str>,
    /// Colour runs from the line's SGR sequences; None for the (usual) uncoloured line.
    pub styles: Option<Box<[StyleRun]>>,
    pub level: Level,
    pub format: Format,
}

impl LogLine {
    /// The style runs, empty when the line has none.
    pub fn style_runs(&self) -> &[StyleRun] {
        self.styles.as_deref().unwrap_or(&[])
    }

    /// Heap bytes this line owns (text and style runs), for the buffer's byte cap.
    pub fn heap_bytes(&self) -> usize {
        self.text.len() + std::mem::size_of_val(self.style_runs())
    }
}

/// Makes a [`LogLine`] from one line of a log stream (`raw` without its newline). With
/// `timestamps`, the leading RFC 3339 timestamp and space that Kubernetes adds for
/// `timestamps=true` go to [`LogLine::at`]; a line without one keeps all its text (the
/// continuation lines of a multi-line entry in some runtimes). Never fails: invalid UTF-8 is
/// replaced, escapes are removed (colours kept as style runs), text beyond
/// [`MAX_TEXT_BYTES`] is cut with a visible marker.
pub fn parse_line(source: SourceId, raw: &[u8], timestamps: bool) -> LogLine {
    let (at, body) = if timestamps {
        match split_timestamp(raw) {
            Some((at, rest)) => (Some(at), rest),
            None => (None, raw),
        }
    } else {
        (None, raw)
    };
    let scan = body.len().min(MAX_SCAN_BYTES);
    let mut out = sanitize(&body[..scan], MAX_TEXT_BYTES);
    let dropped = body.len() - out.consumed;
    if dropped > 0 {
        // The marker is unstyled: it is the viewer's note, not the container's text.
        out.text.push_str(&format!("… [{dropped} bytes more]"));
    }
    let (format, level) = level::classify(&out.text);
    let styles = if out.styles.is_empty() {
        None
    } else {
        Some(out.styles.into_boxed_slice())
    };
    LogLine {
        source,
        at,
        text: out.text.into_boxed_str(),
        styles,
        level,
        format,
    }
}

/// Splits `2026-11-26T11:42:43.123456789Z rest` into the time and `rest`. Hand-written for
/// the shape Kubernetes writes (RFC 3339, 0–9 fraction digits, `Z` or an offset): it runs on
/// every line, and chrono's general parser costs several times more.
pub(crate) fn split_timestamp(raw: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let space = raw.iter().take(40).position(|&b| b == b' ')?;
    let ts = &raw[..space];
    let at = parse_rfc3339(ts)?;
    Some((at, &raw[space + 1..]))
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &d in b {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(d - b'0');
    }
    Some(n)
}

fn parse_rfc3339(ts: &[u8]) -> Option<DateTime<Utc>> {
    if ts.len() < 20 || ts[4] != b'-' || ts[7] != b'-' || !matches!(ts[10], b'T' | b't' | b' ') {
        return None;
    }
    if ts[13] != b':' || ts[16] != b':' {
        return None;
    }
    let year = digits(&ts[0..4])?;
    let month = digits(&ts[5..7])?;
    let day = digits(&ts[8..10])?;
    let hour = digits(&ts[11..13])?;
    let min = digits(&ts[14..16])?;
    let sec = digits(&ts[17..19])?;
    let mut i = 19;
    let mut nanos = 0u32;
    if ts.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < ts.len() && ts[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &ts[start..i];
        if frac.is_empty() || frac.len() > 9 {
            return None;
        }
        nanos = digits(frac)? * 10u32.pow(9 - frac.len() as u32);
    }
    let offset_secs: i64 = match &ts[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::from(digits(&[*h1, *h2])?);
            let m = i64::from(digits(&[*m1, *m2])?);
            let s = h * 3600 + m * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    let naive = NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_nano_opt(
        hour,
        min,
        // A leap second (…:60) is shown as the last nanosecond of :59, as chrono does.
        sec.min(59),
        if sec == 60 { 999_999_999 } else { nanos },
    )?;
    let utc = Utc.from_utc_datetime(&naive);
    Some(utc - chrono::TimeDelta::seconds(offset_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn kubernetes_timestamp_is_split_off_and_kept() {
        let l = parse_line(3, b"2026-11-26T11:42:43.123456789Z hello world", true);
        assert_eq!(l.at, Some(at("2026-11-26T11:42:43.123456789Z")));
        assert_eq!(&*l.text, "hello world");
        assert_eq!(l.source, 3);
    }

    #[test]
    fn timestamp_shapes_trimmed_fractions_and_offsets() {
        // Go's RFC3339Nano drops trailing zeros; other runtimes write offsets.
        for (raw, want) in [
            ("2026-11-26T11:42:43Z x", "2026-11-26T11:42:43Z"),
            ("2026-11-26T11:42:43.5Z x", "2026-11-26T11:42:43.5Z"),
            ("2026-11-26T13:42:43.25+02:00 x", "2026-11-26T11:42:43.25Z"),
            ("2026-11-26T06:42:43-05:00 x", "2026-11-26T11:42:43Z"),
        ] {
            let l = parse_line(0, raw.as_bytes(), true);
            assert_eq!(l.at, Some(at(want)), "{raw}");
            assert_eq!(&*l.text, "x");
        }
    }

    #[test]
    fn without_a_timestamp_the_whole_line_is_text() {
        let l = parse_line(0, b"  at io.airbyte.Foo(Foo.kt:12)", true);
        assert_eq!(l.at, None);
        assert_eq!(&*l.text, "  at io.airbyte.Foo(Foo.kt:12)");
        // Not asked for: a timestamp-looking prefix is the container's own text.
        let l = parse_line(0, b"2026-11-26T11:42:43Z x", false);
        assert_eq!(l.at, None);
        assert_eq!(&*l.text, "2026-11-26T11:42:43Z x");
        // Malformed dates are text too.
        for raw in [
            "2026-13-26T11:42:43Z x",
            "2026-11-26T11:42:43.Z x",
            "2026-11-26 x",
        ] {
            let l = parse_line(0, raw.as_bytes(), true);
            assert_eq!(l.at, None, "{raw}");
            assert_eq!(&*l.text, raw);
        }
    }

    #[test]
    fn a_megabyte_line_is_cut_with_a_visible_marker() {
        let mut raw = b"2026-11-26T11:42:43Z ".to_vec();
        raw.extend(std::iter::repeat_n(b'x', 1_000_000));
        let l = parse_line(0, &raw, true);
        assert!(l.at.is_some());
        let marker = format!("… [{} bytes more]", 1_000_000 - MAX_TEXT_BYTES);
        assert!(
            l.text.ends_with(&marker),
            "{}",
            &l.text[l.text.len() - 40..]
        );
        assert_eq!(l.text.len(), MAX_TEXT_BYTES + marker.len());
    }

    #[test]
    fn cutting_never_splits_a_character_or_leaves_an_escape() {
        // Multi-byte characters and escapes straddle the cap.
        let mut raw = Vec::new();
        while raw.len() < 3 * MAX_TEXT_BYTES {
            raw.extend_from_slice("\x1b[31mréd\x1b[0m ééé ".as_bytes());
        }
        let l = parse_line(0, &raw, false);
        let (kept, marker) = l.text.rsplit_once("… [").unwrap();
        assert!(kept.len() <= MAX_TEXT_BYTES && kept.len() > MAX_TEXT_BYTES - 16);
        assert!(marker.ends_with(" bytes more]"), "{marker}");
        assert!(!l.text.contains('\x1b'));
        for r in l.style_runs() {
            assert!(l.text.is_char_boundary(r.start as usize));
            assert!(l.text.is_char_boundary(r.end as usize));
            assert!(r.end as usize <= l.text.len());
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        let l = parse_line(0, b"caf\xc3 ok \xff\xfe end", false);
        assert_eq!(&*l.text, "caf\u{FFFD} ok \u{FFFD}\u{FFFD} end");
    }

    #[test]
    fn the_line_model_stays_small() {
        // The buffer holds 200k of these: keep the slot at 48 bytes.
        assert!(
            std::mem::size_of::<LogLine>() <= 48,
            "{}",
            std::mem::size_of::<LogLine>()
        );
        assert!(std::mem::size_of::<StyleRun>() <= 20);
    }
}
