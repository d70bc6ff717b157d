//! The home screen: the layers of the data stack (drawn by `ui::layers`) framed with what
//! the cockpit knows about the snapshot it came from: loading, a failed refresh, what the
//! snapshot could not read.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::state::LayersView;
use crate::ui::Theme;
use crate::ui::text::sanitize;

pub fn render(layers: &LayersView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let problem = layers
        .error
        .as_ref()
        .map(|error| format!("✗ refresh failed: {}", sanitize(error)))
        .or_else(|| {
            (!layers.warnings.is_empty()).then(|| {
                format!(
                    "⚠ not everything could be read: {}",
                    sanitize(&layers.warnings.join("; "))
                )
            })
        });
    let (body, note) = match problem {
        Some(text) => {
            let [body, note] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
            (body, Some((note, text)))
        }
        None => (area, None),
    };
    match &layers.report {
        Some(report) => crate::ui::layers::render(report, layers.selected, theme, frame, body),
        None => {
            let block = Block::bordered()
                .border_style(theme.border_focused)
                .title(Line::styled(" layers ", theme.title_focused));
            let inner = block.inner(body);
            frame.render_widget(block, body);
            let text = if layers.error.is_some() {
                "The stack could not be read yet; retrying."
            } else {
                "Reading the stack…"
            };
            frame.render_widget(
                Paragraph::new(Line::styled(text, theme.muted)).wrap(Wrap { trim: true }),
                inner,
            );
        }
    }
    if let Some((area, text)) = note {
        let style = if layers.error.is_some() {
            theme.sync_error
        } else {
            theme.sync_pending
        };
        frame.render_widget(
            Line::styled(
                crate::ui::text::truncate(&text, usize::from(area.width)).into_owned(),
                style,
            ),
            area,
        );
    }
}
