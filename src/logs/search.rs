//! Finding lines in a [`LogBuffer`]: a one-off scan ([`search`]) and an incremental query
//! ([`Search`]) that only reads lines pushed since its last update, so a viewer tailing
//! thousands of lines a second keeps its matches current without rescanning the buffer.

use std::collections::VecDeque;

use super::buffer::LogBuffer;

/// Indices (0 = oldest kept) of the lines whose text satisfies `pred`.
pub fn search(buffer: &LogBuffer, pred: impl Fn(&str) -> bool) -> Vec<usize> {
    buffer
        .iter()
        .enumerate()
        .filter(|(_, l)| pred(&l.text))
        .map(|(i, _)| i)
        .collect()
}

/// A query kept across updates of one buffer. Matches are remembered by stream sequence
/// number (`evicted + index`), so eviction only drops the oldest of them and indices are
/// recomputed on read. Use one `Search` per buffer; a new query is a new `Search`.
pub struct Search<P> {
    pred: P,
    /// Sequence number of the first line not yet scanned.
    scanned: u64,
    hits: VecDeque<u64>,
}

impl<P: Fn(&str) -> bool> Search<P> {
    pub fn new(pred: P) -> Search<P> {
        Search {
            pred,
            scanned: 0,
            hits: VecDeque::new(),
        }
    }

    /// Scans the lines pushed since the last update (every kept line the first time) and
    /// forgets matches that were evicted. Returns how many new matches were found.
    pub fn update(&mut self, buffer: &LogBuffer) -> usize {
        let first_kept = buffer.evicted();
        let end = buffer.total_pushed();
        if end < self.scanned {
            // Not the buffer this search was scanning: start over.
            self.scanned = 0;
            self.hits.clear();
        }
        while self.hits.front().is_some_and(|&s| s < first_kept) {
            self.hits.pop_front();
        }
        let from = self.scanned.max(first_kept);
        let before = self.hits.len();
        for seq in from..end {
            if let Some(line) = buffer.get((seq - first_kept) as usize)
                && (self.pred)(&line.text)
            {
                self.hits.push_back(seq);
            }
        }
        self.scanned = end;
        self.hits.len() - before
    }

    /// Indices (0 = oldest kept) of the matching lines still in `buffer`, oldest first.
    pub fn matches<'a>(&'a self, buffer: &'a LogBuffer) -> impl Iterator<Item = usize> + 'a {
        let first_kept = buffer.evicted();
        self.hits
            .iter()
            .filter(move |&&s| s >= first_kept)
            .map(move |&s| (s - first_kept) as usize)
    }

    /// How many matching lines are still in `buffer`.
    pub fn count(&self, buffer: &LogBuffer) -> usize {
        let first_kept = buffer.evicted();
        self.hits.len() - self.hits.partition_point(|&s| s < first_kept)
    }

    /// The first match after line `index` (for `n`).
    pub fn next_after(&self, buffer: &LogBuffer, index: usize) -> Option<usize> {
        let first_kept = buffer.evicted();
        let seq = first_kept + index as u64;
        let at = self.hits.partition_point(|&s| s <= seq);
        self.hits.get(at).map(|&s| (s - first_kept) as usize)
    }

    /// The last match before line `index` (for `N`).
    pub fn prev_before(&self, buffer: &LogBuffer, index: usize) -> Option<usize> {
        let first_kept = buffer.evicted();
        let seq = first_kept + index as u64;
        let at = self.hits.partition_point(|&s| s < seq);
        let s = *self.hits.get(at.checked_sub(1)?)?;
        (s >= first_kept).then(|| (s - first_kept) as usize)
    }
}

/// A plain-text predicate with smart case: case-insensitive (ASCII) when `needle` has no
/// capital letter, exact otherwise — what `/` does in less and vim's smartcase.
pub fn text_query(needle: &str) -> impl Fn(&str) -> bool + Clone + Send + Sync + 'static {
    let needle = needle.to_string();
    let exact = needle.chars().any(char::is_uppercase);
    move |text: &str| {
        if exact {
            text.contains(needle.as_str())
        } else {
            contains_ignore_ascii_case(text.as_bytes(), needle.as_bytes())
        }
    }
}

fn contains_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        match hay[i..=last].iter().position(|&b| b == lo || b == up) {
            None => return false,
            Some(p) => i += p,
        }
        if hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    fn buffer_of(cap: usize, texts: &[&str]) -> LogBuffer {
        let mut b = LogBuffer::new(cap, usize::MAX);
        for t in texts {
            b.push(parse_line(0, t.as_bytes(), false));
        }
        b
    }

    #[test]
    fn one_off_search_returns_indices_of_matches() {
        let b = buffer_of(10, &["ok", "ERROR one", "ok", "error two"]);
        assert_eq!(search(&b, |t| t.contains("ERROR")), vec![1]);
        assert_eq!(search(&b, text_query("error")), vec![1, 3]);
        assert_eq!(search(&b, text_query("Error")), Vec::<usize>::new());
    }

    #[test]
    fn incremental_search_reads_only_new_lines() {
        use std::cell::Cell;
        let calls = Cell::new(0);
        let mut b = buffer_of(100, &["a error", "b", "c error"]);
        let mut s = Search::new(|t: &str| {
            calls.set(calls.get() + 1);
            t.contains("error")
        });
        assert_eq!(s.update(&b), 2);
        assert_eq!(calls.get(), 3);
        b.push(parse_line(0, b"d", false));
        b.push(parse_line(0, b"e error", false));
        assert_eq!(s.update(&b), 1);
        assert_eq!(calls.get(), 5, "only the two new lines were read");
        assert_eq!(s.matches(&b).collect::<Vec<_>>(), vec![0, 2, 4]);
        assert_eq!(s.update(&b), 0);
        assert_eq!(calls.get(), 5);
    }

    #[test]
    fn matches_follow_eviction() {
        let mut b = buffer_of(3, &["x1", "y", "x2"]);
        let mut s = Search::new(text_query("x"));
        s.update(&b);
        assert_eq!(s.matches(&b).collect::<Vec<_>>(), vec![0, 2]);
        // Two more lines: "x1" and "y" are evicted, indices shift by two.
        b.push(parse_line(0, b"x3", false));
        b.push(parse_line(0, b"z", false));
        assert_eq!(
            s.count(&b),
            1,
            "before update, the evicted match is not counted"
        );
        s.update(&b);
        assert_eq!(s.matches(&b).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(s.count(&b), 2);
        // Lines evicted before the first update are never scanned.
        let mut late = Search::new(text_query("x"));
        late.update(&b);
        assert_eq!(late.matches(&b).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn next_and_previous_match_from_a_line() {
        let b = buffer_of(10, &["hit", "no", "hit", "no", "hit"]);
        let mut s = Search::new(text_query("hit"));
        s.update(&b);
        assert_eq!(s.next_after(&b, 0), Some(2));
        assert_eq!(s.next_after(&b, 1), Some(2));
        assert_eq!(s.next_after(&b, 4), None);
        assert_eq!(s.prev_before(&b, 4), Some(2));
        assert_eq!(s.prev_before(&b, 0), None);
    }

    #[test]
    fn a_cleared_or_other_buffer_is_rescanned() {
        let b = buffer_of(10, &["x", "x", "x"]);
        let mut s = Search::new(text_query("x"));
        s.update(&b);
        let other = buffer_of(10, &["x"]);
        assert_eq!(s.update(&other), 1);
        assert_eq!(s.matches(&other).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn case_insensitive_contains_edges() {
        assert!(contains_ignore_ascii_case(b"abc", b""));
        assert!(contains_ignore_ascii_case(b"xxABC", b"abc"));
        assert!(!contains_ignore_ascii_case(b"ab", b"abc"));
        assert!(contains_ignore_ascii_case(b"aaab", b"aab"));
        assert!(!contains_ignore_ascii_case(b"aaax", b"aab"));
    }
}
