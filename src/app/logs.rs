//! The log viewer's state: the merged lines of every pod and container of what was opened (a
//! pod, a workload, a component, a run) in a bounded ring buffer, with the sources they came
//! from, and how the operator reads them — following the end or paused (scrolling up pauses;
//! the new lines are counted), wrapped or not, with timestamps, pretty JSON, a search with
//! its hits (n/N) or only the matching lines, and for a run its progress decoded from the
//! lines (dbt nodes, Airflow try states, Airbyte records). Pure: lines come in as actions.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::cluster::logs::{LogNote, LogTarget, LogWindow, Queued};
use crate::logs::{
    DEFAULT_CAP_BYTES, DEFAULT_CAP_LINES, LogBuffer, RunDecoder, RunProgress, Search, decoder_for,
    parse_line,
};

use super::filter::Filter;

/// How log viewers' buffers are made (`[logs]` in `config.toml`): their caps, and the folder
/// their spools go to when what they let go is kept on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogBuffers {
    pub max_lines: usize,
    pub max_bytes: usize,
    pub spool_dir: Option<PathBuf>,
}

impl Default for LogBuffers {
    fn default() -> Self {
        LogBuffers {
            max_lines: DEFAULT_CAP_LINES,
            max_bytes: DEFAULT_CAP_BYTES,
            spool_dir: None,
        }
    }
}

impl LogBuffers {
    /// An empty buffer for the viewer titled `title`, opened at `now`; its spool (opened when
    /// the first line is let go) is named after both.
    pub fn buffer(&self, title: &str, now: DateTime<Utc>) -> LogBuffer {
        let buffer = LogBuffer::new(self.max_lines, self.max_bytes);
        match &self.spool_dir {
            Some(dir) => buffer.with_spool(dir.join(log_file_name(title, now))),
            None => buffer,
        }
    }
}

/// A file name for the lines of the viewer titled `title` at `at`: the title with anything
/// but letters, digits, `-`, `_` and `.` made `_`, then the UTC time (`…-20261204T204347Z.log`).
pub fn log_file_name(title: &str, at: DateTime<Utc>) -> String {
    let safe: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{}.log", at.format("%Y%m%dT%H%M%SZ"))
}

/// One pod/container the viewer reads, as its prefix shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceView {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub ended: bool,
    /// Why it cannot be read right now.
    pub problem: Option<String>,
    pub resumed: u32,
}

/// What a search keeps: the filter's words, as a predicate on a line's text.
type LinePredicate = Box<dyn Fn(&str) -> bool + Send>;

/// A search over the lines (`/` in the viewer).
pub struct LogSearch {
    pub filter: Filter,
    hits: Search<LinePredicate>,
    /// The current hit, as a buffer index.
    pub current: Option<usize>,
}

impl fmt::Debug for LogSearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSearch")
            .field("text", &self.filter.text)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// The run decoder, when what is shown is one run of a tool Strata reads.
struct Decoding(Box<dyn RunDecoder + Send>);

impl fmt::Debug for Decoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decoding")
    }
}

/// The log viewer.
#[derive(Debug)]
pub struct LogView {
    /// The breadcrumb: `logs · run etl.load_orders`.
    pub title: String,
    /// What is followed (kept to reopen with another window or the previous containers).
    pub target: LogTarget,
    pub window: LogWindow,
    /// The previous instance of each container (after a restart).
    pub previous: bool,
    /// Tags this viewer's follow; lines of an older one are ignored.
    pub generation: u64,
    pub sources: Vec<SourceView>,
    pub buffer: LogBuffer,
    /// Stay at the newest line as lines come.
    pub follow: bool,
    /// Lines that came while paused.
    pub unseen: u64,
    pub wrap: bool,
    pub timestamps: bool,
    pub pretty_json: bool,
    pub search: Option<LogSearch>,
    /// Show only the lines the search matches.
    pub only_matching: bool,
    /// Buffer indices shown when only matching lines are.
    matching: Vec<usize>,
    /// The line under the cursor, as a position in what is shown.
    pub cursor: usize,
    /// The first line shown.
    pub offset: usize,
    /// Where a selection (`v`) started, as a position in what is shown.
    pub mark: Option<usize>,
    /// The tool whose run this is, when it is one (its decoder reads the lines).
    pub tool: Option<String>,
    decoder: Option<Decoding>,
    pub progress: Option<RunProgress>,
    /// Lines dropped before they reached the buffer (the viewer fell far behind).
    pub dropped: u64,
    /// Every source known has ended and no new one can come (a finished run).
    pub all_sources_listed: bool,
}

impl LogView {
    pub fn new(title: String, target: LogTarget, generation: u64, tool: Option<&str>) -> LogView {
        LogView {
            title,
            target,
            window: match tool {
                // A run is read whole: its failure is often at the start of a long log.
                Some(_) => LogWindow::All,
                None => LogWindow::Tail(crate::cluster::logs::DEFAULT_TAIL),
            },
            previous: false,
            generation,
            sources: Vec::new(),
            buffer: LogBuffer::new(DEFAULT_CAP_LINES, DEFAULT_CAP_BYTES),
            follow: true,
            unseen: 0,
            wrap: false,
            timestamps: false,
            pretty_json: false,
            search: None,
            only_matching: false,
            matching: Vec::new(),
            cursor: 0,
            offset: 0,
            mark: None,
            tool: tool.map(str::to_string),
            decoder: tool.and_then(decoder_for).map(Decoding),
            progress: None,
            dropped: 0,
            all_sources_listed: false,
        }
    }

    /// Reads the lines as a run of `tool` (a fresh decoder).
    pub fn set_tool(&mut self, tool: Option<&str>) {
        self.tool = tool.map(str::to_string);
        self.decoder = tool.and_then(decoder_for).map(Decoding);
        self.progress = None;
    }

    /// Every container read has ended and no other is known: the run is over. No container
    /// yet is not an ended run — a Job just created has no pod for a moment.
    pub fn ended(&self) -> bool {
        self.all_sources_listed && !self.sources.is_empty() && self.sources.iter().all(|s| s.ended)
    }

    /// How many lines are shown (all, or the matching ones).
    pub fn len(&self) -> usize {
        if self.only_matching && self.search.is_some() {
            self.matching.len()
        } else {
            self.buffer.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer index of the line shown at `position`.
    pub fn index_at(&self, position: usize) -> Option<usize> {
        if self.only_matching && self.search.is_some() {
            self.matching.get(position).copied()
        } else {
            (position < self.buffer.len()).then_some(position)
        }
    }

    /// Takes in what the readers queued: sources, notes, lines (sorted by time within the
    /// batch, so the first screen of several containers reads in order).
    pub fn take(&mut self, mut queued: Queued, rows: usize) {
        for note in queued.notes.drain(..) {
            match note {
                LogNote::Source(source) => {
                    self.sources.push(SourceView {
                        namespace: source.namespace,
                        pod: source.pod,
                        container: source.container,
                        ended: false,
                        problem: None,
                        resumed: 0,
                    });
                }
                LogNote::Ended { source } => {
                    if let Some(s) = self.sources.get_mut(usize::from(source)) {
                        s.ended = true;
                    }
                }
                LogNote::Problem { source, message } => {
                    if let Some(s) = self.sources.get_mut(usize::from(source)) {
                        s.problem = Some(message);
                    }
                }
                LogNote::Resumed { source } => {
                    if let Some(s) = self.sources.get_mut(usize::from(source)) {
                        s.resumed += 1;
                        s.problem = None;
                    }
                }
                LogNote::Listed { .. } => self.all_sources_listed = true,
            }
        }
        self.dropped += queued.dropped;
        let mut lines: Vec<_> = queued.lines.drain(..).collect();
        lines.sort_by_key(|l| l.at);
        let evicted_before = self.buffer.evicted();
        let count = lines.len() as u64;
        for raw in lines {
            let mut line = parse_line(raw.source, &raw.bytes, false);
            line.at = raw.at;
            if let Some(source) = self.sources.get_mut(usize::from(raw.source))
                && source.problem.is_some()
            {
                source.problem = None;
            }
            if let Some(Decoding(decoder)) = &mut self.decoder {
                decoder.feed(&line);
            }
            self.buffer.push(line);
        }
        if let Some(Decoding(decoder)) = &self.decoder {
            self.progress = Some(decoder.progress());
        }
        // Lines that fell off the front move what is shown up.
        let evicted = (self.buffer.evicted() - evicted_before) as usize;
        self.cursor = self.cursor.saturating_sub(evicted);
        self.offset = self.offset.saturating_sub(evicted);
        self.mark = self.mark.map(|m| m.saturating_sub(evicted));
        self.research();
        if self.follow {
            self.to_bottom(rows);
        } else {
            self.unseen += count;
        }
    }

    /// Scans new lines for the search and refreshes the matching list.
    fn research(&mut self) {
        if let Some(search) = &mut self.search {
            search.hits.update(&self.buffer);
            if self.only_matching {
                self.matching = search.hits.matches(&self.buffer).collect();
            }
            if search.current.is_none() {
                search.current = search.hits.matches(&self.buffer).last();
            }
        }
    }

    pub fn set_search(&mut self, filter: Option<Filter>, rows: usize) {
        self.search = filter.map(|filter| {
            let keep = filter.clone();
            let pred: LinePredicate =
                Box::new(move |text: &str| keep.keeps(std::iter::once(text), |_| None));
            LogSearch {
                filter,
                hits: Search::new(pred),
                current: None,
            }
        });
        self.matching.clear();
        self.research();
        if self.search.is_none() {
            self.only_matching = false;
        }
        // Jump to the newest hit, pausing there.
        if let Some(index) = self.search.as_ref().and_then(|s| s.current) {
            self.goto_index(index, rows);
        } else {
            self.clamp(rows);
        }
    }

    /// The lines the search matches, as buffer indices (for highlighting and the count).
    pub fn hit_count(&self) -> usize {
        self.search
            .as_ref()
            .map_or(0, |s| s.hits.count(&self.buffer))
    }

    pub fn is_hit(&self, index: usize) -> bool {
        self.search.as_ref().is_some_and(|s| {
            self.buffer
                .get(index)
                .is_some_and(|line| s.filter.keeps(std::iter::once(&*line.text), |_| None))
        })
    }

    /// n / N: the next or previous hit from the current one.
    pub fn next_hit(&mut self, forward: bool, rows: usize) {
        let Some(search) = &self.search else { return };
        let from = self.index_at(self.cursor).unwrap_or(0);
        let next = if forward {
            search.hits.next_after(&self.buffer, from)
        } else {
            search.hits.prev_before(&self.buffer, from)
        };
        if let Some(index) = next {
            if let Some(search) = &mut self.search {
                search.current = Some(index);
            }
            self.goto_index(index, rows);
        }
    }

    pub fn toggle_only_matching(&mut self, rows: usize) {
        if self.search.is_none() {
            return;
        }
        let keep = self.index_at(self.cursor);
        self.only_matching = !self.only_matching;
        self.matching.clear();
        self.research();
        match keep {
            Some(index) => self.goto_index(index, rows),
            None => self.clamp(rows),
        }
    }

    /// Puts the cursor on buffer line `index` (or the nearest shown one), pausing.
    fn goto_index(&mut self, index: usize, rows: usize) {
        let position = if self.only_matching && self.search.is_some() {
            self.matching.partition_point(|&i| i < index)
        } else {
            index
        };
        self.cursor = position.min(self.len().saturating_sub(1));
        self.follow = self.cursor + 1 >= self.len() && self.follow;
        self.offset = super::state::follow(self.offset, self.cursor, rows, self.len());
    }

    fn clamp(&mut self, rows: usize) {
        self.cursor = self.cursor.min(self.len().saturating_sub(1));
        self.offset = super::state::follow(self.offset, self.cursor, rows, self.len());
    }

    /// G / End: to the newest line, following again.
    pub fn to_bottom(&mut self, rows: usize) {
        self.follow = true;
        self.unseen = 0;
        self.cursor = self.len().saturating_sub(1);
        self.offset = self.len().saturating_sub(rows.max(1));
    }

    /// Moves the cursor; moving up pauses, reaching the end follows again.
    pub fn move_by(&mut self, delta: isize, rows: usize) {
        let last = self.len().saturating_sub(1);
        let target = if delta < 0 {
            self.cursor.saturating_sub(delta.unsigned_abs())
        } else {
            self.cursor.saturating_add(delta as usize).min(last)
        };
        self.cursor = target;
        if delta < 0 {
            self.follow = false;
        } else if self.cursor >= last {
            self.to_bottom(rows);
            return;
        }
        self.offset = super::state::follow(self.offset, self.cursor, rows, self.len());
    }

    pub fn to_top(&mut self, rows: usize) {
        self.follow = false;
        self.cursor = 0;
        self.offset = 0;
        self.clamp(rows);
    }

    pub fn toggle_follow(&mut self, rows: usize) {
        if self.follow {
            self.follow = false;
        } else {
            self.to_bottom(rows);
        }
    }

    /// `v`: start a selection at the cursor, or drop it.
    pub fn toggle_mark(&mut self) {
        self.mark = match self.mark {
            Some(_) => None,
            None => Some(self.cursor),
        };
    }

    /// The selected lines (or the cursor's), as plain text: what `c` copies.
    pub fn selection_text(&self) -> String {
        let (from, to) = match self.mark {
            Some(mark) => (mark.min(self.cursor), mark.max(self.cursor)),
            None => (self.cursor, self.cursor),
        };
        (from..=to)
            .filter_map(|p| self.index_at(p))
            .filter_map(|i| self.buffer.get(i))
            .map(|line| line.text.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every line kept, as a file would hold it: time, source, text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in self.buffer.iter() {
            if let Some(at) = line.at {
                out.push_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
                out.push(' ');
            }
            if self.sources.len() > 1 {
                out.push('[');
                out.push_str(&self.label(line.source));
                out.push_str("] ");
            }
            out.push_str(&line.text);
            out.push('\n');
        }
        out
    }

    /// A source's short name: its container, with the pod's telling part when several pods
    /// are shown.
    pub fn label(&self, source: u16) -> String {
        let Some(s) = self.sources.get(usize::from(source)) else {
            return String::new();
        };
        let one_pod = self.sources.iter().all(|o| o.pod == s.pod);
        if one_pod {
            return s.container.clone();
        }
        // The pods of a run or workload share most of their name (`customer-360-build-…-x8k2q`):
        // the words they do not share tell them apart.
        let shared = self
            .sources
            .iter()
            .map(|o| o.pod.as_str())
            .reduce(shared_words)
            .unwrap_or("");
        let telling = s.pod[shared.len()..].trim_start_matches('-');
        let pod = if shared.is_empty() || telling.is_empty() {
            short_pod(&s.pod)
        } else {
            keep_end(telling, 20)
        };
        format!("{pod}/{}", s.container)
    }

    /// The next wider since-window (tail → 1m → 5m → 15m → 1h → all → tail).
    pub fn next_window(window: LogWindow) -> LogWindow {
        match window {
            LogWindow::Tail(_) => LogWindow::Since(60),
            LogWindow::Since(60) => LogWindow::Since(300),
            LogWindow::Since(300) => LogWindow::Since(900),
            LogWindow::Since(900) => LogWindow::Since(3600),
            LogWindow::Since(_) => LogWindow::All,
            LogWindow::All => LogWindow::Tail(crate::cluster::logs::DEFAULT_TAIL),
        }
    }
}

/// The dash-separated words `a` and `b` start with, as a prefix of `a` (`etl-sync-` of
/// `etl-sync-1` and `etl-sync-2`; empty when they share none).
fn shared_words<'a>(a: &'a str, b: &str) -> &'a str {
    let mut end = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            break;
        }
        if x == '-' {
            end = i + 1;
        }
    }
    &a[..end]
}

/// `text` cut to its last `max` characters, the cut marked with `…` (a pod name's end tells
/// more than its start).
fn keep_end(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}

/// A pod's telling part: the last two dash-separated words (`…-attempt-1`, `…-x8k2q`).
fn short_pod(pod: &str) -> String {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    if parts.len() == 3 && pod.len() > 24 {
        format!("…{}-{}", parts[1], parts[0])
    } else {
        pod.to_string()
    }
}

#[cfg(test)]
mod tests;
