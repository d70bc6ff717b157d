//! What every dialog over a view shares (the dbt trigger, Airflow's changes, signing in): a
//! cleared box, the context it acts on (and a warning on production), an input with its
//! label, and the enter/esc hints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::AppState;
use crate::app::state::Prompt;
use crate::ui::Theme;
use crate::ui::text::sanitize;

/// The parts of a dialog: what it says first, its input line, the detail (the hints are
/// drawn).
pub struct DialogAreas {
    pub intro: Rect,
    pub input: Rect,
    pub detail: Rect,
}

/// A bordered box of `height` rows titled `title`, over `area` (cleared), split in parts
/// with `intro_rows` rows of introduction; enter and esc hinted.
pub fn open(
    frame: &mut Frame,
    area: Rect,
    height: u16,
    title: String,
    intro_rows: u16,
    theme: &Theme,
) -> DialogAreas {
    open_with(
        frame,
        area,
        (height, 100),
        title,
        intro_rows,
        &[("enter", "next"), ("esc", "cancel")],
        theme,
    )
}

/// [`open`] at most (`height`, `width`) big, with its own `hints` (key, what it does).
pub fn open_with(
    frame: &mut Frame,
    area: Rect,
    (height, width): (u16, u16),
    title: String,
    intro_rows: u16,
    hints_of: &[(&str, &str)],
    theme: &Theme,
) -> DialogAreas {
    let width = area.width.saturating_sub(4).clamp(40, width);
    let height = height.min(area.height);
    let dialog = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 3,
        width: width.min(area.width),
        height,
    };
    frame.render_widget(Clear, dialog);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused));
    let inner = block.inner(dialog);
    frame.render_widget(block, dialog);
    let [intro, input, detail, hints] = Layout::vertical([
        Constraint::Length(intro_rows),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let spans: Vec<Span> = hints_of
        .iter()
        .flat_map(|(key, does)| {
            [
                Span::styled(key.to_string(), theme.hint_key),
                Span::styled(format!(" {does}  "), theme.hint_description),
            ]
        })
        .collect();
    frame.render_widget(Line::from(spans), hints);
    DialogAreas {
        intro,
        input,
        detail,
    }
}

/// The context the change acts on; on production, that `name_of` will be typed to confirm.
pub fn context_intro(
    state: &AppState,
    name_of: &str,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let mut said = vec![Line::styled(
        format!("context {}", sanitize(&state.context.name)),
        theme.muted,
    )];
    if state.policies.resolve(&state.context.name).is_production() {
        said.push(Line::styled(
            format!("PRODUCTION context: you will type {name_of} to confirm"),
            theme.message_warning,
        ));
    }
    frame.render_widget(Paragraph::new(said), area);
}

/// The prompt's input after its label.
pub fn input_line(
    prompt: &Prompt,
    label: &'static str,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let [label_area, input_area] =
        Layout::horizontal([Constraint::Length(14), Constraint::Min(1)]).areas(area);
    frame.render_widget(Span::styled(label, theme.prompt), label_area);
    let mut textarea = prompt.input.clone();
    textarea.set_style(theme.prompt);
    textarea.set_cursor_line_style(theme.prompt);
    textarea.set_cursor_style(theme.selection);
    frame.render_widget(&textarea, input_area);
}
