//! The bounded ring of log lines a viewer holds: the oldest lines go once a line or byte cap
//! is passed, optionally appended to a spool file first so a long incident keeps its
//! history on disk while memory stays flat.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;

use super::line::LogLine;

/// Lines kept by default: a few minutes of a chatty pod at 1k lines/s, hours of a run.
pub const DEFAULT_CAP_LINES: usize = 200_000;

/// Bytes kept by default (line slots, text and style runs): about 125k lines of a typical
/// data-stack mix (250 B a line). Counted bytes are not the process's memory: the slot
/// array grows by doubling and malloc adds its overhead and fragmentation under churn, so
/// 32 MiB counted measured +39 MiB of RSS after 1M lines (`cargo bench --bench logs`),
/// keeping a process with one full viewer under 64 MiB.
pub const DEFAULT_CAP_BYTES: usize = 32 * 1024 * 1024;

/// What went wrong with the spool file.
#[derive(Debug, thiserror::Error)]
pub enum LogBufferError {
    #[error(
        "cannot open the log spool file {path}: {source} (check that its folder can be created and is writable, or set `spool = false` under [logs] in config.toml); lines let go are no longer saved"
    )]
    SpoolOpen {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write the log spool file {path}: {source} (lines evicted from memory are no longer saved; free disk space or pick another spool path)"
    )]
    SpoolWrite {
        path: PathBuf,
        source: std::io::Error,
    },
}

struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    lines: u64,
}

/// A ring of [`LogLine`]s bounded by a line count and a byte budget.
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    cap_lines: usize,
    cap_bytes: usize,
    bytes: usize,
    total_pushed: u64,
    /// Where evicted lines go, when a spool is wanted.
    spool_path: Option<PathBuf>,
    /// The spool file, opened when the first line is evicted.
    spool: Option<Spool>,
    /// The first spool failure; spooling stops there (the buffer keeps working).
    spool_error: Option<LogBufferError>,
}

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::new(DEFAULT_CAP_LINES, DEFAULT_CAP_BYTES)
    }
}

impl std::fmt::Debug for LogBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogBuffer")
            .field("len", &self.lines.len())
            .field("bytes", &self.bytes)
            .field("cap_lines", &self.cap_lines)
            .field("cap_bytes", &self.cap_bytes)
            .field("total_pushed", &self.total_pushed)
            .field("spool", &self.spool_path)
            .finish()
    }
}

/// Bytes a line costs in the buffer: its slot plus what it owns.
fn cost(line: &LogLine) -> usize {
    std::mem::size_of::<LogLine>() + line.heap_bytes()
}

impl LogBuffer {
    /// A buffer keeping at most `cap_lines` lines and about `cap_bytes` bytes (the newest
    /// line is always kept, whatever its size). A cap of 0 lines is taken as 1.
    pub fn new(cap_lines: usize, cap_bytes: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::new(),
            cap_lines: cap_lines.max(1),
            cap_bytes,
            bytes: 0,
            total_pushed: 0,
            spool_path: None,
            spool: None,
            spool_error: None,
        }
    }

    /// Appends evicted lines to the file at `path` (created with its folder, private to the
    /// user, when the first line is let go; appended to if it exists) as plain text:
    /// `<RFC 3339 time or -> [<source>] <text>`. Opening late means a viewer that never
    /// reaches its cap leaves no file behind; a file that cannot be opened is reported by
    /// [`LogBuffer::spool_error`] and the buffer carries on without it.
    pub fn with_spool(mut self, path: impl AsRef<Path>) -> LogBuffer {
        self.spool_path = Some(path.as_ref().to_path_buf());
        self
    }

    /// The spool file (set, whether or not opened yet).
    pub fn spool_path(&self) -> Option<&Path> {
        self.spool_path.as_deref()
    }

    fn open_spool(path: &Path) -> Result<Spool, LogBufferError> {
        let open = || -> std::io::Result<File> {
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
                if let Some(parent) = path.parent() {
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(parent)?;
                }
                // Logs carry what the cluster's tools print, secrets included at times.
                options.mode(0o600);
            }
            #[cfg(not(unix))]
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            options.open(path)
        };
        let file = open().map_err(|source| LogBufferError::SpoolOpen {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Spool {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 * 1024, file),
            lines: 0,
        })
    }

    /// Adds a line, evicting (and spooling) the oldest lines beyond either cap.
    pub fn push(&mut self, line: LogLine) {
        self.bytes += cost(&line);
        self.lines.push_back(line);
        self.total_pushed += 1;
        while self.lines.len() > 1
            && (self.lines.len() > self.cap_lines || self.bytes > self.cap_bytes)
        {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= cost(&old);
            self.spool_line(&old);
        }
    }

    fn spool_line(&mut self, line: &LogLine) {
        if self.spool.is_none() && self.spool_error.is_none() {
            let Some(path) = self.spool_path.as_deref() else {
                return;
            };
            match Self::open_spool(path) {
                Ok(spool) => self.spool = Some(spool),
                Err(error) => {
                    self.spool_error = Some(error);
                    return;
                }
            }
        }
        let Some(spool) = self.spool.as_mut() else {
            return;
        };
        let at = line
            .at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Nanos, true))
            .unwrap_or_else(|| "-".to_string());
        let written = writeln!(spool.out, "{at} [{}] {}", line.source, line.text);
        match written {
            Ok(()) => spool.lines += 1,
            Err(source) => {
                let path = spool.path.clone();
                self.spool = None;
                self.spool_error = Some(LogBufferError::SpoolWrite { path, source });
            }
        }
    }

    /// Writes buffered spool output to disk (also done when the buffer is dropped, silently).
    pub fn flush_spool(&mut self) -> Result<(), LogBufferError> {
        if let Some(spool) = self.spool.as_mut()
            && let Err(source) = spool.out.flush()
        {
            let path = spool.path.clone();
            self.spool = None;
            // io::Error is not Clone: the kept copy carries the same kind and message.
            let kept = std::io::Error::new(source.kind(), source.to_string());
            self.spool_error = Some(LogBufferError::SpoolWrite {
                path: path.clone(),
                source: kept,
            });
            return Err(LogBufferError::SpoolWrite { path, source });
        }
        Ok(())
    }

    /// The spool failure that stopped spooling, if any, for the viewer to show.
    pub fn spool_error(&self) -> Option<&LogBufferError> {
        self.spool_error.as_ref()
    }

    /// Lines written to the spool so far.
    pub fn spooled(&self) -> u64 {
        self.spool.as_ref().map_or(0, |s| s.lines)
    }

    /// Lines kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The `i`-th kept line, 0 being the oldest.
    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    /// Kept lines, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Lines ever pushed.
    pub fn total_pushed(&self) -> u64 {
        self.total_pushed
    }

    /// Lines pushed then dropped (spooled or not); index `i` is line number `evicted() + i`
    /// of the stream.
    pub fn evicted(&self) -> u64 {
        self.total_pushed - self.lines.len() as u64
    }

    /// Bytes held, as counted against the byte cap (slots, text, style runs).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn cap_lines(&self) -> usize {
        self.cap_lines
    }

    pub fn cap_bytes(&self) -> usize {
        self.cap_bytes
    }

    /// Drops every kept line (spooling them) while counts keep running, so sequence numbers
    /// stay unique for searches.
    pub fn clear(&mut self) {
        while let Some(old) = self.lines.pop_front() {
            self.spool_line(&old);
        }
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::logs::line::parse_line;

    fn line(text: &str) -> LogLine {
        parse_line(0, text.as_bytes(), false)
    }

    #[test]
    fn drops_the_oldest_beyond_the_line_cap() {
        let mut b = LogBuffer::new(3, usize::MAX);
        for i in 0..5 {
            b.push(line(&format!("line {i}")));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.total_pushed(), 5);
        assert_eq!(b.evicted(), 2);
        assert_eq!(&*b.get(0).unwrap().text, "line 2");
        assert_eq!(&*b.get(2).unwrap().text, "line 4");
        assert!(b.get(3).is_none());
        let texts: Vec<&str> = b.iter().map(|l| &*l.text).collect();
        assert_eq!(texts, ["line 2", "line 3", "line 4"]);
    }

    #[test]
    fn drops_the_oldest_beyond_the_byte_cap_but_keeps_the_newest() {
        let slot = std::mem::size_of::<LogLine>();
        let mut b = LogBuffer::new(1000, 3 * (slot + 10));
        for i in 0..10 {
            b.push(line(&format!("line {i:05}"))); // 10 bytes each
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.bytes(), 3 * (slot + 10));
        // A line larger than the whole budget still shows.
        b.push(line(&"x".repeat(1000)));
        assert_eq!(b.len(), 1);
        assert_eq!(b.get(0).unwrap().text.len(), 1000);
        assert_eq!(b.evicted(), 10);
    }

    #[test]
    fn byte_count_follows_pushes_and_evictions() {
        let mut b = LogBuffer::new(2, usize::MAX);
        let styled = parse_line(0, b"\x1b[31mred\x1b[0m plain", false);
        let styled_cost = cost(&styled);
        assert!(styled_cost > std::mem::size_of::<LogLine>() + "red plain".len());
        b.push(styled);
        b.push(line("abc"));
        assert_eq!(b.bytes(), styled_cost + std::mem::size_of::<LogLine>() + 3);
        b.push(line("de"));
        assert_eq!(b.bytes(), 2 * std::mem::size_of::<LogLine>() + 5);
        b.clear();
        assert_eq!(
            (b.len(), b.bytes(), b.total_pushed(), b.evicted()),
            (0, 0, 3, 3)
        );
    }

    #[test]
    fn evicted_lines_go_to_the_spool_with_time_and_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool.log");
        let mut b = LogBuffer::new(2, usize::MAX).with_spool(&path);
        let mut first = parse_line(7, b"\x1b[1mfirst\x1b[0m", false);
        first.at = Some(Utc.with_ymd_and_hms(2026, 11, 26, 11, 42, 43).unwrap());
        b.push(first);
        b.push(line("second"));
        b.push(line("third"));
        b.push(line("fourth"));
        b.flush_spool().unwrap();
        assert_eq!(b.spooled(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "2026-11-26T11:42:43.000000000Z [7] first\n- [0] second\n"
        );
        assert!(b.spool_error().is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a spool is private to its user");
        }
    }

    #[test]
    fn a_spool_is_only_created_when_a_line_is_let_go_with_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("spool").join("run.log");
        let mut b = LogBuffer::new(2, usize::MAX).with_spool(&path);
        b.push(line("one"));
        b.push(line("two"));
        b.flush_spool().unwrap();
        assert!(!path.exists(), "nothing was let go, so no file");
        b.push(line("three"));
        b.flush_spool().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "- [0] one\n");
    }

    #[test]
    fn a_spool_that_cannot_open_says_where_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("spool.log");
        // A file where the folder should be: neither can be created.
        std::fs::write(dir.path().join("missing-dir"), "").unwrap();
        let mut b = LogBuffer::new(1, 1024).with_spool(&path);
        b.push(line("one"));
        b.push(line("two"));
        assert_eq!(b.len(), 1, "the buffer carries on");
        let err = b.spool_error().expect("the open failure is kept");
        let msg = err.to_string();
        assert!(matches!(err, LogBufferError::SpoolOpen { .. }));
        assert!(msg.contains("missing-dir"), "{msg}");
        assert!(msg.contains("writable"), "{msg}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failing_spool_stops_spooling_and_keeps_the_buffer_working() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let mut b = LogBuffer::new(1, usize::MAX).with_spool("/dev/full");
        for i in 0..100_000 {
            b.push(line(&format!(
                "line {i} with some padding to fill the spool buffer"
            )));
        }
        let _ = b.flush_spool();
        let err = b.spool_error().expect("the write failure is kept");
        assert!(matches!(err, LogBufferError::SpoolWrite { .. }));
        assert!(err.to_string().contains("/dev/full"));
        assert_eq!(b.len(), 1);
        assert_eq!(b.total_pushed(), 100_000);
    }
}
