//! A describe or YAML document: the lines on screen only, search matches highlighted, the
//! current match marked, a note when Secret values are masked or revealed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::document::{DocumentKind, DocumentView};
use crate::ui::Theme;
use crate::ui::text::sanitize;

pub fn render(doc: &DocumentView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut title = vec![Span::styled(
        format!(
            " {} {}/{} ",
            doc.kind.label(),
            sanitize(&doc.resource.singular),
            sanitize(&doc.key.name)
        ),
        theme.title_focused,
    )];
    if doc.is_secret() {
        let note = if doc.revealed {
            " values revealed (x hides) "
        } else {
            " values masked (x reveals) "
        };
        title.push(Span::styled(note, theme.muted));
    }
    let position = if doc.matches.is_empty() {
        match &doc.search {
            Some(search) => format!(" /{}: no match ", sanitize(&search.text)),
            None => format!(
                " {}/{} ",
                (doc.offset + 1).min(doc.lines.len()),
                doc.lines.len()
            ),
        }
    } else {
        format!(" match {}/{} ", doc.current + 1, doc.matches.len())
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::from(title))
        .title_top(Line::styled(position, theme.muted).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if let Some(error) = &doc.error {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("✗ {}", sanitize(error)),
                theme.sync_error,
            ))
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    if doc.object.is_none() {
        frame.render_widget(Paragraph::new(Line::styled("Loading…", theme.muted)), inner);
        return;
    }
    let rows = usize::from(inner.height);
    if doc.kind == DocumentKind::Describe && doc.search.is_none() {
        // Describe's labels are styled by its own renderer (the text is sanitized there).
        let end = doc.lines.len().min(doc.offset.saturating_add(rows));
        let window = &doc.lines[doc.offset.min(end)..end];
        let mut paragraph = Paragraph::new(crate::ui::describe::styled(window, theme));
        if doc.wrap {
            paragraph = paragraph.wrap(Wrap { trim: false });
        }
        frame.render_widget(paragraph, inner);
        return;
    }
    if doc.kind == DocumentKind::Yaml && doc.search.is_none() {
        let end = doc.lines.len().min(doc.offset.saturating_add(rows));
        let lines: Vec<Line> = doc.lines[doc.offset.min(end)..end]
            .iter()
            .map(|line| crate::ui::yaml::styled_line(line, theme))
            .collect();
        let mut paragraph = Paragraph::new(lines);
        if doc.wrap {
            paragraph = paragraph.wrap(Wrap { trim: false });
        }
        frame.render_widget(paragraph, inner);
        return;
    }
    let current_line = doc.matches.get(doc.current).copied();
    let lines: Vec<Line> = doc
        .lines
        .iter()
        .enumerate()
        .skip(doc.offset)
        .take(rows)
        .map(|(index, line)| {
            let clean = sanitize(line).into_owned();
            let ranges = doc
                .search
                .as_ref()
                .map(|s| s.matches_in(&clean))
                .unwrap_or_default();
            let matched = if Some(index) == current_line {
                theme.search_current
            } else {
                theme.search_match
            };
            let mut spans = Vec::new();
            let mut at = 0;
            for range in ranges {
                if range.start > at {
                    spans.push(Span::styled(clean[at..range.start].to_string(), theme.text));
                }
                spans.push(Span::styled(clean[range.clone()].to_string(), matched));
                at = range.end;
            }
            if at < clean.len() {
                spans.push(Span::styled(clean[at..].to_string(), theme.text));
            }
            Line::from(spans)
        })
        .collect();
    let mut paragraph = Paragraph::new(lines);
    if doc.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, inner);
}
