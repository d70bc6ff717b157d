//! Styling the YAML view (mapping keys, the Secret mask) and the in-view search (`search`,
//! `highlight`) that the describe, YAML and log views share. The YAML text itself comes from
//! `strata_common::yaml`.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use strata_common::yaml::MASK;

use super::Theme;

/// One line of `to_yaml` output styled for the view: mapping keys as `yaml.key`, the Secret
/// mask as `secret.masked`, the rest as `text`.
pub fn styled_line(line: &str, theme: &Theme) -> Line<'static> {
    let body_start = line.len() - line.trim_start_matches([' ', '-']).len();
    let (prefix, body) = line.split_at(body_start);
    let mut spans = vec![Span::styled(prefix.to_string(), theme.text)];
    // A key ends at the first `: ` (or a trailing `:`) outside quotes; quoted keys and values
    // that merely contain a colon stay plain.
    let key_end = if body.starts_with(['"', '\'', '#']) {
        None
    } else {
        body.find(": ")
            .map(|i| i + 1)
            .or_else(|| body.ends_with(':').then_some(body.len()))
    };
    let rest = match key_end {
        Some(end) => {
            spans.push(Span::styled(body[..end].to_string(), theme.yaml_key));
            &body[end..]
        }
        None => body,
    };
    match rest.find(MASK) {
        Some(at) => {
            spans.push(Span::styled(rest[..at].to_string(), theme.text));
            spans.push(Span::styled(MASK.to_string(), theme.secret_masked));
            spans.push(Span::styled(
                rest[at + MASK.len()..].to_string(),
                theme.text,
            ));
        }
        None => spans.push(Span::styled(rest.to_string(), theme.text)),
    }
    spans.retain(|span| !span.content.is_empty());
    Line::from(spans)
}

/// Every match of `needle` in `lines`: (line index, byte range in that line), in reading
/// order, not overlapping. Smart case: a needle without capitals matches any case (ASCII), one
/// with capitals matches exactly. An empty needle matches nothing.
pub fn search(lines: &[String], needle: &str) -> Vec<(usize, Range<usize>)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let fold = !needle.chars().any(char::is_uppercase);
    // ASCII folding keeps byte offsets, so the ranges index the original line.
    let needle = if fold {
        needle.to_ascii_lowercase()
    } else {
        needle.to_string()
    };
    let mut matches = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let haystack = if fold {
            line.to_ascii_lowercase()
        } else {
            line.clone()
        };
        let mut from = 0;
        while let Some(at) = haystack[from..].find(&needle) {
            let start = from + at;
            let end = start + needle.len();
            matches.push((index, start..end));
            from = end;
        }
    }
    matches
}

/// One line with its matches styled: `current` (the match the cursor is on, a byte range of
/// this line) in `current_style`, the others in `match_style`, the rest in `base`. Ranges
/// outside the line or off a character boundary are ignored.
pub fn highlight(
    line: &str,
    ranges: &[Range<usize>],
    current: Option<&Range<usize>>,
    base: Style,
    match_style: Style,
    current_style: Style,
) -> Line<'static> {
    let mut spans = Vec::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at
            || range.end > line.len()
            || !line.is_char_boundary(range.start)
            || !line.is_char_boundary(range.end)
        {
            continue;
        }
        if range.start > at {
            spans.push(Span::styled(line[at..range.start].to_string(), base));
        }
        let style = if current == Some(range) {
            current_style
        } else {
            match_style
        };
        spans.push(Span::styled(line[range.clone()].to_string(), style));
        at = range.end;
    }
    if at < line.len() {
        spans.push(Span::styled(line[at..].to_string(), base));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};

    use super::*;

    #[test]
    fn keys_and_masks_are_styled() {
        let theme = Theme::default();
        let parts = |line: &str| -> Vec<(String, Style)> {
            styled_line(line, &theme)
                .spans
                .into_iter()
                .map(|s| (s.content.into_owned(), s.style))
                .collect()
        };
        assert_eq!(
            parts("  - name: scheduler"),
            [
                ("  - ".to_string(), theme.text),
                ("name:".to_string(), theme.yaml_key),
                (" scheduler".to_string(), theme.text)
            ]
        );
        assert_eq!(
            parts("  connection: ••••••"),
            [
                ("  ".to_string(), theme.text),
                ("connection:".to_string(), theme.yaml_key),
                (" ".to_string(), theme.text),
                (MASK.to_string(), theme.secret_masked)
            ]
        );
        assert_eq!(
            parts("metadata:")[0],
            ("metadata:".to_string(), theme.yaml_key)
        );
        assert_eq!(
            parts("    - bash"),
            [
                ("    - ".to_string(), theme.text),
                ("bash".to_string(), theme.text)
            ]
        );
    }

    #[test]
    fn search_is_smart_case_and_non_overlapping() {
        let lines: Vec<String> = [
            "Name: airflow-scheduler",
            "image: apache/airflow:3.0.2",
            "aaaa",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(search(&lines, "airflow"), [(0, 6..13), (1, 14..21)]);
        assert_eq!(search(&lines, "NAME"), []);
        assert_eq!(search(&lines, "name"), [(0, 0..4)]);
        assert_eq!(search(&lines, "Name"), [(0, 0..4)]);
        assert_eq!(search(&lines, "aa"), [(2, 0..2), (2, 2..4)]);
        assert_eq!(search(&lines, ""), []);
        let wide = vec!["état: ÉTAT airflow".to_string()];
        assert_eq!(search(&wide, "airflow"), [(0, 13..20)]);
    }

    #[test]
    fn matches_are_highlighted_and_the_current_one_stands_out() {
        let base = Style::new();
        let hit = Style::new().bg(Color::Yellow);
        let current = hit.add_modifier(Modifier::BOLD);
        let line = "airflow-scheduler airflow";
        let ranges = [0..7, 18..25];
        let styled = highlight(line, &ranges, Some(&(18..25)), base, hit, current);
        let parts: Vec<(&str, Style)> = styled
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style))
            .collect();
        assert_eq!(
            parts,
            [
                ("airflow", hit),
                ("-scheduler ", base),
                ("airflow", current)
            ]
        );
        // Bad ranges are skipped, not a panic.
        let styled = highlight("é", &[0..1, 0..9], None, base, hit, current);
        assert_eq!(styled.spans.len(), 1);
    }
}
