//! Drawing: `render(&AppState, &Theme, &mut Frame)` is a pure function of the state. Views are
//! screens or panes, widgets are pieces reused across them; every string from the cluster goes
//! through `text::sanitize` before it reaches a cell.

pub mod format;
pub mod text;
pub mod theme;
pub mod views;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub use theme::Theme;

use crate::app::{AppState, Focus, Viewport};

/// Below this the panes cannot show a useful row; we say so instead of drawing garbage.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 10;

/// From this width the namespaces pane stays beside the pods; below it, it only opens while
/// focused, because at 80 columns the table needs every column for names a person can read.
pub const SIDE_BY_SIDE_WIDTH: u16 = 100;

/// Where each part of the cockpit goes for a terminal size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenLayout {
    pub header: Rect,
    /// `None` while folded away (narrow terminal, pods focused).
    pub namespaces: Option<Rect>,
    pub pods: Rect,
    pub hints: Rect,
}

impl ScreenLayout {
    /// `None` when the terminal is too small for the cockpit.
    pub fn new(area: Rect, focus: Focus) -> Option<ScreenLayout> {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return None;
        }
        let [header, body, hints] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        let (namespaces, pods) = if area.width >= SIDE_BY_SIDE_WIDTH || focus == Focus::Namespaces {
            // Room for `transformation` and the filter marker, more for long names when wide.
            let side = (area.width * 22 / 100).clamp(18, 30);
            let [namespaces, pods] =
                Layout::horizontal([Constraint::Length(side), Constraint::Min(0)]).areas(body);
            (Some(namespaces), pods)
        } else {
            (None, body)
        };
        Some(ScreenLayout {
            header,
            namespaces,
            pods,
            hints,
        })
    }
}

/// The rows each list shows at this size (what `update` needs for paging and scrolling);
/// both panes are as tall as the body whether or not the namespaces pane is open.
pub fn viewport(area: Rect) -> Viewport {
    match ScreenLayout::new(area, Focus::Namespaces) {
        Some(layout) => Viewport {
            // Borders take two rows; the pods table also has its header row.
            namespace_rows: usize::from(layout.pods.height.saturating_sub(2)),
            pod_rows: usize::from(layout.pods.height.saturating_sub(3)),
        },
        None => Viewport::default(),
    }
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let Some(layout) = ScreenLayout::new(area, state.focus) else {
        let message = format!(
            "Strata needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(message, theme.text),
                Line::styled("q quits", theme.muted),
            ])
            .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    };
    views::header::render(state, theme, frame, layout.header);
    if let Some(namespaces) = layout.namespaces {
        views::namespaces::render(state, theme, frame, namespaces);
    }
    views::pods::render(state, theme, frame, layout.pods);
    widgets::hint_bar::render(&state.keymap, theme, frame, layout.hints);
}

#[cfg(test)]
mod tests;
