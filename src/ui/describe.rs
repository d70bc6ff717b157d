//! Styling `kubectl describe` text for the document view. The text itself comes from
//! `strata_common::describe` (already sanitized); here its labels get their theme role.

use ratatui::text::{Line, Span};

use super::Theme;

/// Describe text (`strata_common::describe::describe`) with the labels (`Name:`,
/// `Containers:`) styled as `describe.label`.
pub fn styled(lines: &[String], theme: &Theme) -> Vec<Line<'static>> {
    lines
        .iter()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let label_end = line[indent..]
                .find(": ")
                .map(|i| indent + i + 1)
                .or_else(|| line.ends_with(':').then_some(line.len()));
            // kubectl's labels are words (`Restart Count:`, `Node-Selectors:`, `AIRFLOW_HOME:`);
            // an annotation key (`checksum/config:`) on a continuation line is a value.
            let is_label = |end: usize| {
                line[indent..end.saturating_sub(1)]
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            };
            match label_end {
                Some(end) if end > indent + 1 && is_label(end) => Line::from(vec![
                    Span::styled(line[..end].to_string(), theme.describe_label),
                    Span::styled(line[end..].to_string(), theme.text),
                ]),
                _ => Line::styled(line.clone(), theme.text),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_styled_for_the_view() {
        let theme = Theme::default();
        let text = [
            "Name:   x",
            "  plain text",
            "    Restart Count:  3",
            "                  checksum/config: 0767e4",
        ]
        .map(String::from);
        let lines = styled(&text, &theme);
        assert_eq!(lines[0].spans[0].content, "Name:");
        assert_eq!(lines[0].spans[0].style, theme.describe_label);
        assert_eq!(lines[1].spans.len(), 1);
        assert_eq!(lines[2].spans[0].content, "    Restart Count:");
        assert_eq!(lines[3].spans.len(), 1);
    }
}
