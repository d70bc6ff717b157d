//! The namespaces pane: "all", then every namespace; the one the pods are filtered to is
//! marked, the cursor row highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

use crate::app::{AppState, Focus, follow};
use crate::cluster::NamespaceScope;
use crate::ui::Theme;
use crate::ui::text::cell;
use crate::ui::widgets::sync_badge::badge;

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let list = &state.namespaces;
    let focused = state.focus == Focus::Namespaces;
    let block = Block::bordered()
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(
            format!(" Namespaces {} ", list.items().len()),
            if focused {
                theme.title_focused
            } else {
                theme.title
            },
        ))
        .title_bottom(badge(&list.sync, state.now, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = usize::from(inner.height);
    let cursor = list.cursor_index();
    // The state's offset follows the cursor; recompute in case the viewport it was computed
    // for is out of date (a resize not yet applied).
    let offset = follow(list.offset, cursor, rows, list.len());
    let name_width = usize::from(inner.width).saturating_sub(2);
    let items: Vec<ListItem> = (offset..list.len().min(offset + rows))
        .map(|index| {
            let (label, active, style) = match index {
                0 => (
                    "all".to_string(),
                    state.pods.scope == NamespaceScope::All,
                    theme.text,
                ),
                n => {
                    let ns = &list.items()[n - 1];
                    let style = if ns.terminating {
                        theme.status.terminating
                    } else {
                        theme.text
                    };
                    (
                        cell(&ns.name, name_width),
                        state.pods.scope.contains(&ns.name)
                            && state.pods.scope != NamespaceScope::All,
                        style,
                    )
                }
            };
            let (marker, style) = if active {
                ("● ", theme.active_filter)
            } else {
                ("  ", style)
            };
            ListItem::new(Line::from(vec![
                Span::styled(marker, theme.active_filter),
                Span::styled(label, style),
            ]))
        })
        .collect();
    let highlight = if focused {
        theme.selection
    } else {
        theme.selection_unfocused
    };
    let mut list_state = ListState::default().with_selected(Some(cursor - offset));
    frame.render_stateful_widget(
        List::new(items).highlight_style(highlight),
        inner,
        &mut list_state,
    );
}
