//! `?`: the keys of the view help was opened from, generated from the active keymap by
//! `ui::help` so it always tells the truth.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::AppState;
use crate::app::state::HelpView;
use crate::ui::Theme;

pub fn render(state: &AppState, help: &HelpView, theme: &Theme, frame: &mut Frame, area: Rect) {
    crate::ui::help::render(&state.keymap, help.about, theme, frame, area);
}
