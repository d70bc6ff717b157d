//! `:ctx`: the kubeconfig's contexts, the current one marked; Enter reconnects.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use crate::app::state::ContextsView;
use crate::app::{AppState, follow};
use crate::ui::Theme;
use crate::ui::text::{cell, sanitize};

pub fn render(state: &AppState, view: &ContextsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(
            format!(" contexts [{}] ", view.entries.len()),
            theme.title_focused,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &view.loaded {
        None => {
            frame.render_widget(
                Paragraph::new(Line::styled("Reading the kubeconfig…", theme.muted)),
                inner,
            );
            return;
        }
        Some(Err(error)) => {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("✗ {}", sanitize(error)),
                    theme.sync_error,
                )),
                inner,
            );
            return;
        }
        Some(Ok(())) => {}
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    let offset = follow(view.offset, view.selected, rows, view.entries.len());
    let body = view.entries.iter().skip(offset).take(rows).map(|entry| {
        let current = if entry.name == state.context.name {
            "*"
        } else {
            " "
        };
        Row::new(vec![
            current.to_string(),
            cell(&entry.name, 40),
            cell(&entry.cluster, 30),
            cell(&entry.user, 24),
            cell(&entry.namespace, 20),
        ])
    });
    let mut table_state =
        TableState::default().with_selected(Some(view.selected.saturating_sub(offset)));
    frame.render_stateful_widget(
        Table::new(
            body,
            [
                Constraint::Length(1),
                Constraint::Min(12),
                Constraint::Min(10),
                Constraint::Min(8),
                Constraint::Min(9),
            ],
        )
        .header(Row::new(["", "NAME", "CLUSTER", "USER", "NAMESPACE"]).style(theme.table_header))
        .column_spacing(1)
        .style(theme.text)
        .row_highlight_style(theme.selection),
        inner,
        &mut table_state,
    );
}
