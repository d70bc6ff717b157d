//! `:incident`: what is broken (worst first, each with the changes that preceded it, the
//! most likely cause first) above the change timeline of the window, failed runs and
//! Warning events; the row under the cursor is what Enter opens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::follow;
use crate::app::incident::{IncidentView, Row};
use crate::stack::incident::{Cause, Change, IncidentReport};
use crate::ui::Theme;
use crate::ui::layers::{badge, health_style};
use crate::ui::text::sanitize;

pub fn render(view: &IncidentView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let title = match &view.report {
        Some(r) => format!(
            " incident · {} → {} · {} broken · {} changes{} ",
            r.from.format("%H:%M"),
            r.generated.format("%H:%M"),
            r.incidents.len(),
            r.changes.len(),
            if view.reading { " · ⟳" } else { "" }
        ),
        None => " incident ".to_string(),
    };
    let block = Block::bordered()
        .title(title)
        .border_style(theme.border_focused)
        .title_style(theme.title_focused);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    // The bundle's progress (or where it went) holds the last line of the screen.
    if let Some(bundle) = &view.bundle
        && inner.height > 1
    {
        let style = match (bundle.writing, bundle.failed) {
            (true, _) => theme.sync_pending,
            (false, true) => theme.sync_error,
            (false, false) => theme.sync_live,
        };
        let mark = if bundle.writing { "⟳ " } else { "" };
        let last = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        inner.height -= 1;
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{mark}{}", sanitize(&bundle.text)),
                style,
            )),
            last,
        );
    }
    let Some(report) = view.report.as_deref() else {
        let (text, style) = match &view.error {
            Some(error) => (format!("✗ {error}"), theme.sync_error),
            None => (
                "⟳ reading the change timeline (Helm revisions, rollouts, config edits, events)…"
                    .to_string(),
                theme.sync_pending,
            ),
        };
        frame.render_widget(Paragraph::new(Line::styled(text, style)), inner);
        return;
    };
    let rows = inner.height as usize;
    let offset = follow(view.offset, view.selected, rows, view.rows.len());
    let lines: Vec<Line> = view
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, row)| {
            let line = line_of(report, row, theme);
            if i == view.selected {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn change_spans(report: &IncidentReport, c: &Change, theme: &Theme) -> Vec<Span<'static>> {
    let _ = report;
    vec![
        Span::styled(format!("{} ", c.at.format("%H:%M")), theme.muted),
        Span::styled(format!("{:<8} ", c.kind.as_str()), theme.describe_label),
        Span::raw(sanitize(&c.summary).into_owned()),
    ]
}

fn line_of(report: &IncidentReport, row: &Row, theme: &Theme) -> Line<'static> {
    match row {
        Row::Heading(text) => Line::styled(text.to_string(), theme.table_header),
        Row::Note(text) => Line::styled(format!("  {}", sanitize(text)), theme.muted),
        Row::Reason(text) => Line::styled(format!("      {}", sanitize(text)), theme.text),
        Row::Broken(i) => {
            let incident = &report.incidents[*i];
            let b = &incident.breakage;
            let headline = report.headline(incident);
            let rest = headline
                .strip_prefix(&format!("{} {}", b.component, b.health.as_str()))
                .unwrap_or(&headline)
                .to_string();
            Line::from(vec![
                Span::raw("  "),
                badge(b.health, theme),
                Span::raw(" "),
                Span::styled(
                    format!("{}/{}", b.namespace, b.component),
                    health_style(b.health, theme),
                ),
                Span::raw(sanitize(&rest).into_owned()),
            ])
        }
        Row::Link(i, l) => {
            let link = &report.incidents[*i].links[*l];
            let c = &report.changes[link.change];
            let mut spans = vec![Span::styled("      ← ", theme.muted)];
            spans.extend(change_spans(report, c, theme));
            if let Cause::Dependency(of) = &link.cause {
                spans.push(Span::styled(
                    format!("  (in {})", sanitize(of)),
                    theme.muted,
                ));
            }
            Line::from(spans)
        }
        Row::Change(i) => {
            let c = &report.changes[*i];
            let mut spans = vec![Span::raw("  ")];
            spans.extend(change_spans(report, c, theme));
            spans.push(Span::styled(
                format!(
                    "  {}",
                    if c.namespace.is_empty() {
                        "cluster"
                    } else {
                        &c.namespace
                    }
                ),
                theme.muted,
            ));
            Line::from(spans)
        }
        Row::Run(i) => {
            let r = &report.failed_runs[*i];
            Line::from(vec![
                Span::styled(
                    format!(
                        "  {} ",
                        r.finished
                            .map(|t| t.format("%H:%M").to_string())
                            .unwrap_or_default()
                    ),
                    theme.muted,
                ),
                Span::styled(
                    format!("{}/{} ", r.namespace, r.component),
                    theme.health.failed,
                ),
                Span::raw(
                    sanitize(&format!("{} {}", r.run, r.reason.as_deref().unwrap_or("")))
                        .into_owned(),
                ),
            ])
        }
        Row::Event(i) => {
            let e = &report.events[*i];
            Line::from(vec![
                Span::styled(format!("  {:>4}× ", e.count), theme.muted),
                Span::styled(format!("{}/{} ", e.namespace, e.object), Style::default()),
                Span::styled(format!("{}: ", e.reason), theme.health.degraded),
                Span::raw(sanitize(&e.message).into_owned()),
            ])
        }
    }
}
