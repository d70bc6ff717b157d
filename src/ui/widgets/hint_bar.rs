//! The bottom line: the main key bindings, generated from the keymap so it always tells the
//! truth about the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::Keymap;
use crate::ui::Theme;
use crate::ui::text::width;

pub fn render(keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let available = usize::from(area.width);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, description) in keymap.hints() {
        let needed = width(&key) + 1 + width(description) + 2;
        // Drop whole hints rather than cut one in half.
        if used + needed > available {
            break;
        }
        spans.push(Span::styled(key, theme.hint_key));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            description.to_string(),
            theme.hint_description,
        ));
        spans.push(Span::raw("  "));
        used += needed;
    }
    frame.render_widget(Line::from(spans), area);
}
