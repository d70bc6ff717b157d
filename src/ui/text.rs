//! Fitting cluster text into a terminal cell grid: display width and truncation. Names,
//! statuses and error messages come from the cluster (or anyone who can create a pod); none
//! reaches the screen without `sanitize` (from the common crate, re-exported here), so no
//! escape sequence can restyle, retitle or rewrite the terminal.

use std::borrow::Cow;

use ratatui::text::Span;

pub use strata_common::text::sanitize;

/// Display width in terminal cells.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// Cuts `text` to `max` cells, marking the cut with `…`.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut buffer));
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Sanitized, then cut to `max` cells.
pub fn cell(text: &str, max: usize) -> String {
    truncate(&sanitize(text), max).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("orchestration", 20), "orchestration");
        assert_eq!(truncate("orchestration", 6), "orche…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(cell("a\u{1b}[1mbcdef", 4), "abc…");
    }
}
