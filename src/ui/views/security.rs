//! `:security`: every finding of the stack's security posture, worst first — severity,
//! component, namespace, object, check and evidence — with the selected finding's evidence
//! and fix in full below, and what could not be read said on the view, never left out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use crate::app::follow;
use crate::app::security::{PostureState, SecurityView};
use crate::security::{Finding, Severity};
use crate::ui::Theme;
use crate::ui::text::{cell, sanitize, truncate};

/// The style of a severity: high reads like a failure, medium like a degradation.
pub fn severity_style(severity: Severity, theme: &Theme) -> Style {
    match severity {
        Severity::High => theme.health.failed,
        Severity::Medium => theme.health.degraded,
        Severity::Low => theme.health.progressing,
        Severity::Info => theme.muted,
    }
}

/// `⚑ high`: a symbol (meaning without colour) and the word.
pub fn severity_badge(severity: Severity, theme: &Theme) -> Span<'static> {
    Span::styled(format!("⚑ {severity}"), severity_style(severity, theme))
}

/// Lines about the posture itself: not read yet, the last read failed, kinds not read.
pub fn posture_notes(posture: &PostureState, theme: &Theme) -> Vec<(String, Style)> {
    let mut notes = Vec::new();
    if posture.latest.is_none() && posture.error.is_none() {
        notes.push((
            "⟳ reading the security posture…".to_string(),
            theme.sync_pending,
        ));
    }
    if let Some(error) = &posture.error {
        let when = match &posture.latest {
            Some(last) => format!(
                "; findings shown are from {}",
                last.read_at.format("%H:%M:%S")
            ),
            None => String::new(),
        };
        notes.push((
            format!("✗ the security posture could not be read: {error}{when}"),
            theme.sync_error,
        ));
    }
    if let Some(latest) = &posture.latest {
        for warning in &latest.warnings {
            notes.push((format!("⚠ {}", warning.reason), theme.sync_pending));
        }
    }
    notes
}

/// How many lines the selected finding's evidence and fix get.
const DETAIL_ROWS: u16 = 6;

pub fn render(view: &SecurityView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let notes = posture_notes(&view.posture, theme);
    let note_rows = (notes.len() as u16).min(area.height / 3);
    let detail_rows = if view.is_empty() { 0 } else { DETAIL_ROWS };
    let [list_area, detail_area, note_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(detail_rows),
        Constraint::Length(note_rows),
    ])
    .areas(area);
    let total = view.findings().len();
    let title = match &view.filter {
        None => format!(" security [{total}] "),
        Some(filter) => format!(
            " security /{} [{}/{total}] ",
            sanitize(&filter.text),
            view.len()
        ),
    };
    let read_at = view
        .posture
        .latest
        .as_ref()
        .map(|p| format!(" read {} ", p.read_at.format("%H:%M:%S")))
        .unwrap_or_default();
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused))
        .title_top(Line::styled(read_at, theme.muted).right_aligned());
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    for (i, (text, style)) in notes.into_iter().take(usize::from(note_rows)).enumerate() {
        let line = Rect {
            y: note_area.y + i as u16,
            height: 1,
            ..note_area
        };
        let text = sanitize(&text).into_owned();
        frame.render_widget(
            Line::styled(truncate(&text, usize::from(line.width)).into_owned(), style),
            line,
        );
    }
    if view.is_empty() {
        let text = if view.posture.latest.is_none() {
            "The posture has not been read yet."
        } else if total == 0 {
            "No findings in what could be read."
        } else {
            "No finding matches the filter; / changes it."
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), inner);
        return;
    }
    render_list(view, theme, frame, inner);
    if let Some(finding) = view.selected_finding() {
        render_detail(finding, theme, frame, detail_area);
    }
}

fn render_list(view: &SecurityView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = usize::from(area.height.saturating_sub(1));
    let selected = view.selected.min(view.len().saturating_sub(1));
    let offset = follow(view.offset, selected, rows, view.len());
    let shown: Vec<&Finding> = (offset..(offset + rows).min(view.len()))
        .filter_map(|i| view.row(i))
        .collect();
    // The names on screen set the widths, within bounds; what is left goes to EVIDENCE.
    let width_of = |text: &dyn Fn(&Finding) -> usize, min: usize, max: usize| {
        shown
            .iter()
            .map(|f| text(f))
            .max()
            .unwrap_or(0)
            .clamp(min, max) as u16
    };
    let component = width_of(&|f| f.component.chars().count(), 9, 20);
    let namespace = width_of(&|f| f.namespace.chars().count(), 9, 16);
    let object = width_of(&|f| f.object.chars().count(), 6, 44);
    let check = width_of(&|f| f.check.chars().count(), 5, 26);
    let severity: u16 = 8;
    let fixed = severity + component + namespace + check + 5;
    // EVIDENCE keeps some room: OBJECT gives way first on a narrow terminal.
    let object = object.min(area.width.saturating_sub(fixed + 24).max(12));
    let evidence = usize::from(area.width.saturating_sub(fixed + object + 1));
    let body: Vec<Row> = shown
        .iter()
        .map(|f| {
            Row::new(vec![
                Line::from(severity_badge(f.severity, theme)),
                Line::raw(cell(&f.component, usize::from(component))),
                Line::styled(cell(&f.namespace, usize::from(namespace)), theme.muted),
                Line::raw(cell(&f.object, usize::from(object))),
                Line::raw(cell(&f.check, usize::from(check))),
                Line::styled(cell(&f.evidence, evidence), theme.muted),
            ])
        })
        .collect();
    let mut table_state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(
        Table::new(
            body,
            [
                Constraint::Length(severity),
                Constraint::Length(component),
                Constraint::Length(namespace),
                Constraint::Length(object),
                Constraint::Length(check),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new([
                "SEVERITY",
                "COMPONENT",
                "NAMESPACE",
                "OBJECT",
                "CHECK",
                "EVIDENCE",
            ])
            .style(theme.table_header),
        )
        .column_spacing(1)
        .style(theme.text)
        .row_highlight_style(theme.selection),
        area,
        &mut table_state,
    );
}

/// The selected finding in full: where, the fix, and what triggered it.
fn render_detail(finding: &Finding, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(vec![
            severity_badge(finding.severity, theme),
            Span::styled(
                format!(
                    "  {} · {} in {}/{}",
                    sanitize(&finding.check),
                    sanitize(&finding.object),
                    sanitize(&finding.namespace),
                    sanitize(&finding.component)
                ),
                theme.text,
            ),
        ]),
        // The fix before the evidence: the list's row already shows the evidence's start.
        Line::from(vec![
            Span::styled("fix      ", theme.describe_label),
            Span::styled(sanitize(&finding.fix).into_owned(), theme.text),
        ]),
        Line::from(vec![
            Span::styled("evidence ", theme.describe_label),
            Span::styled(sanitize(&finding.evidence).into_owned(), theme.text),
        ]),
    ];
    let block = Block::bordered().border_style(theme.border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
