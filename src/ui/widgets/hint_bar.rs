//! The bottom line: the current view's main key bindings, generated from the keymap so it
//! always tells the truth about the keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::keymap::KeyView;
use crate::app::{Intent, Keymap};
use crate::ui::Theme;
use crate::ui::text::width;

/// `secrets`: whether the view shows a Secret (only then is `reveal_secret` worth a hint).
pub fn render(
    keymap: &Keymap,
    view: KeyView,
    secrets: bool,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let available = usize::from(area.width);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    // The bar offers only keys that do something here: one pane per screen (no pane
    // keys), no reveal where there is no Secret.
    let hints = keymap.bindings_in(view).into_iter().filter(|shown| {
        shown.binding.hint
            && match shown.binding.action {
                Intent::FocusNext | Intent::FocusPrevious => false,
                Intent::RevealSecret => secrets,
                _ => true,
            }
    });
    for shown in hints {
        let Some(key) = shown.keys.first().map(ToString::to_string) else {
            continue;
        };
        let description = shown.binding.description.as_str();
        let needed = width(&key) + 1 + width(description) + 2;
        // Drop whole hints rather than cut one in half; a shorter one further on (quit)
        // may still fit.
        if used + needed > available {
            continue;
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
