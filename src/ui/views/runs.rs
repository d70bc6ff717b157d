//! `:runs`: the stack's runs, newest first — state, tool, name, component, try, when, how
//! long, and for a failed run why. Failed runs stand out; Enter opens a run's logs.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use crate::app::follow;
use crate::app::runs::RunsView;
use crate::printers::human_duration;
use crate::stack::{Run, RunState};
use crate::ui::Theme;
use crate::ui::text::{cell, sanitize};

/// The badge of a run's state: a symbol (meaning without colour) and the word.
pub fn state_badge(state: RunState, theme: &Theme) -> Span<'static> {
    let (symbol, style) = match state {
        RunState::Succeeded => ("●", theme.health.healthy),
        RunState::Running => ("▶", theme.sync_live),
        RunState::Pending => ("…", theme.muted),
        RunState::Retrying => ("↻", theme.health.degraded),
        RunState::Failed => ("✖", theme.health.failed),
    };
    Span::styled(format!("{symbol} {}", state.as_str()), style)
}

/// `3m ago`, `-` when unknown.
fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    at.map(|t| format!("{} ago", human_duration(now - t)))
        .unwrap_or_else(|| "-".into())
}

/// What the last column says: why a failed run failed, else its try count.
fn detail(run: &Run) -> String {
    match (&run.reason, run.state) {
        (Some(reason), RunState::Failed | RunState::Retrying) => sanitize(reason).into_owned(),
        _ if run.tries > 1 => format!("{} tries", run.tries),
        _ => String::new(),
    }
}

pub fn render(view: &RunsView, now: DateTime<Utc>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let title = if view.filter.is_empty() {
        format!(" runs [{}] ", view.len())
    } else {
        format!(
            " runs /{} [{}/{}] ",
            sanitize(&view.filter),
            view.len(),
            view.total()
        )
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if view.is_empty() {
        let text = if view.total() == 0 {
            "No runs seen yet: task pods, syncs, Jobs of CronJobs and Spark drivers show up here."
        } else {
            "No run matches the filter; esc clears it."
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), inner);
        return;
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    let selected = view.selected_index();
    let offset = follow(view.offset, selected, rows, view.len());
    // The names on screen set the RUN and WHERE widths (a DAG.task is long), within bounds;
    // what is left goes to WHY.
    let width_of = |text: &dyn Fn(&Run) -> usize, min: usize, max: usize| {
        (offset..(offset + rows).min(view.len()))
            .filter_map(|i| view.row(i))
            .map(text)
            .max()
            .unwrap_or(0)
            .clamp(min, max) as u16
    };
    let mut run_width = width_of(&|r: &Run| r.name.chars().count(), 16, 40);
    let mut where_width = width_of(
        &|r: &Run| r.namespace.chars().count() + 1 + r.component.chars().count(),
        12,
        28,
    );
    // On a narrow terminal WHY keeps room to say why (it is what a failed run is opened
    // for): WHERE gives way first, then RUN, down to their minimums.
    let shows_reason = (offset..(offset + rows).min(view.len()))
        .filter_map(|i| view.row(i))
        .any(|r| !detail(r).is_empty());
    let why_min: u16 = if shows_reason { 32 } else { 0 };
    // STATE, TOOL, TRY, STARTED, TOOK and the spaces between the 8 columns.
    let fixed: u16 = 11 + 10 + 3 + 9 + 8 + 7;
    let mut over = (fixed + run_width + where_width + why_min).saturating_sub(inner.width);
    let give = over.min(where_width - 12);
    where_width -= give;
    over -= give;
    run_width -= over.min(run_width - 16);
    let body: Vec<Row> = (offset..(offset + rows).min(view.len()))
        .filter_map(|i| view.row(i))
        .map(|run| {
            let style = match run.state {
                RunState::Failed => theme.health.failed,
                _ => theme.text,
            };
            let try_text = match (run.try_number, run.tries) {
                (Some(n), _) => n.to_string(),
                (None, t) if t > 1 => t.to_string(),
                _ => "-".into(),
            };
            Row::new(vec![
                Line::from(state_badge(run.state, theme)),
                Line::styled(cell(run.tool_name.as_deref().unwrap_or("-"), 10), style),
                Line::styled(cell(&run.name, usize::from(run_width)), style),
                Line::styled(
                    cell(
                        &format!("{}/{}", run.namespace, run.component),
                        usize::from(where_width),
                    ),
                    theme.muted,
                ),
                Line::styled(try_text, style),
                Line::styled(ago(run.when(), now), theme.muted),
                Line::styled(
                    run.duration(now)
                        .map(human_duration)
                        .unwrap_or_else(|| "-".into()),
                    theme.muted,
                ),
                Line::styled(detail(run), detail_style(run, theme)),
            ])
        })
        .collect();
    let mut table_state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(
        Table::new(
            body,
            [
                Constraint::Length(11),
                Constraint::Length(10),
                Constraint::Length(run_width),
                Constraint::Length(where_width),
                Constraint::Length(3),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Fill(2),
            ],
        )
        .header(
            Row::new([
                "STATE", "TOOL", "RUN", "WHERE", "TRY", "STARTED", "TOOK", "WHY",
            ])
            .style(theme.table_header),
        )
        .column_spacing(1)
        .style(theme.text)
        .row_highlight_style(theme.selection),
        inner,
        &mut table_state,
    );
}

fn detail_style(run: &Run, theme: &Theme) -> Style {
    match run.state {
        RunState::Failed => theme.health.failed,
        RunState::Retrying => theme.health.degraded,
        _ => theme.muted,
    }
}

/// When the runs on screen read differently: their ages and running durations.
pub fn next_change(view: &RunsView, rows: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (view.offset..(view.offset + rows).min(view.len()))
        .filter_map(|i| view.row(i))
        .filter_map(|run| run.when())
        .map(|t| crate::printers::next_age_change(t, now))
        .min()
}
