//! Drawing: `render(&AppState, &Theme, &mut Frame)` is a pure function of the state. Views are
//! screens, widgets are pieces reused across them; every string from the cluster goes through
//! `text::sanitize` before it reaches a cell.

pub mod describe;
pub mod help;
pub mod layers;
pub mod text;
pub mod theme;
pub mod views;
pub mod widgets;
pub mod yaml;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub use theme::Theme;

use crate::app::{AppState, View, Viewport};

/// Below this the cockpit cannot show a useful row; we say so instead of drawing garbage.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 10;

/// Where each part of the cockpit goes for a terminal size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenLayout {
    /// Context, cluster and server; then breadcrumbs and favourite namespaces.
    pub header: Rect,
    pub body: Rect,
    /// The input line, else a message, else the most urgent problem.
    pub status: Rect,
    pub hints: Rect,
}

impl ScreenLayout {
    /// `None` when the terminal is too small for the cockpit.
    pub fn new(area: Rect) -> Option<ScreenLayout> {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return None;
        }
        let [header, body, status, hints] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Some(ScreenLayout {
            header,
            body,
            status,
            hints,
        })
    }
}

/// The rows the body shows at this size (what `update` needs for paging and scrolling).
pub fn viewport(area: Rect) -> Viewport {
    match ScreenLayout::new(area) {
        Some(layout) => Viewport {
            // Borders take two rows; a table also has its header row.
            rows: usize::from(layout.body.height.saturating_sub(3)),
            width: layout.body.width,
        },
        None => Viewport::default(),
    }
}

/// Young objects' ages count seconds; redrawing a whole screen each second for that alone
/// costs more than it tells. Like k9s, ages move at most every two seconds.
const AGES_EVERY: chrono::Duration = chrono::Duration::seconds(2);

/// When something on the screen as drawn now will read differently (an age ticking over, a
/// stale counter, a flash message going away); `None` when nothing shown depends on the
/// clock. An idle cockpit redraws only then, not every second.
pub fn next_change(state: &AppState) -> Option<DateTime<Utc>> {
    let now = state.now;
    let every_second = Some(now + chrono::Duration::seconds(1));
    let ages = |next: Option<DateTime<Utc>>| next.map(|t| t.max(now + AGES_EVERY));
    let flash = state.flash.as_ref().map(|f| f.until);
    let view = match state.top() {
        View::Table(table) => {
            if matches!(table.sync, crate::app::SyncState::Stale { .. }) {
                every_second
            } else {
                ages(
                    table
                        .window(table.offset, state.viewport.rows.max(1))
                        .flat_map(|row| row.cells.iter())
                        .filter_map(|cell| cell.changes_after(now))
                        .min(),
                )
            }
        }
        View::Layers(layers) => match layers.freshness {
            Some(crate::cluster::layers::Freshness::Stale { .. }) => every_second,
            _ => None,
        },
        View::Component(view) => match &view.events {
            Some(Ok(events)) => ages(
                events
                    .iter()
                    .filter_map(|e| e.last_seen)
                    .map(|t| crate::printers::next_age_change(t, now))
                    .min(),
            ),
            _ => None,
        },
        View::Runs(view) => ages(views::runs::next_change(
            view,
            state.viewport.rows.max(1),
            now,
        )),
        View::Tool(view) => ages(views::tool::next_change(view, now)),
        View::Document(_)
        | View::Contexts(_)
        | View::Help(_)
        | View::Logs(_)
        | View::Security(_)
        | View::Incident(_) => None,
    };
    [flash, view].into_iter().flatten().min()
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let Some(layout) = ScreenLayout::new(area) else {
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
    match state.top() {
        View::Layers(layers) => views::home::render(layers, state.now, theme, frame, layout.body),
        View::Component(view) => {
            views::component::render(view, state.now, theme, frame, layout.body)
        }
        View::Table(table) => views::table::render(state, table, theme, frame, layout.body),
        View::Document(doc) => views::document::render(doc, theme, frame, layout.body),
        View::Contexts(contexts) => {
            views::contexts::render(state, contexts, theme, frame, layout.body)
        }
        View::Help(help) => views::help::render(state, help, theme, frame, layout.body),
        View::Runs(view) => views::runs::render(view, state.now, theme, frame, layout.body),
        View::Security(view) => views::security::render(view, theme, frame, layout.body),
        View::Incident(view) => views::incident::render(view, theme, frame, layout.body),
        View::Logs(view) => views::logs::render(view, theme, frame, layout.body),
        View::Tool(view) => views::tool::render(view, state.now, theme, frame, layout.body),
    }
    widgets::trigger_dialog::render(state, theme, frame, layout.body);
    widgets::tool_dialog::render(state, theme, frame, layout.body);
    widgets::status_line::render(state, theme, frame, layout.status);
    let secrets = match state.top() {
        View::Table(table) => table.kind.group.is_empty() && table.kind.plural == "secrets",
        View::Document(doc) => doc.is_secret(),
        _ => false,
    };
    widgets::hint_bar::render(
        &state.keymap,
        state.key_view(),
        secrets,
        theme,
        frame,
        layout.hints,
    );
}

#[cfg(test)]
mod tests;
