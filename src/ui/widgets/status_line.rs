//! The line above the hints: the input line while typing (`:` with completions, `/` filter),
//! else the latest message, else the most urgent connection problem.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::app::state::{PromptKind, View};
use crate::app::{AppState, ServerStatus, SyncState};
use crate::ui::Theme;
use crate::ui::text::{sanitize, truncate};

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(prompt) = &state.prompt {
        let sigil = match prompt.kind {
            PromptKind::Command => ":",
            PromptKind::Filter | PromptKind::Search => "/",
            // The trigger dialog draws its own input.
            PromptKind::DbtCommand
            | PromptKind::Confirm
            | PromptKind::AirflowConf
            | PromptKind::ToolConfirm
            | PromptKind::ToolUser
            | PromptKind::ToolSecret
            | PromptKind::UpgradeChart
            | PromptKind::UpgradeValues
            | PromptKind::ValuesEditor
            | PromptKind::Image
            | PromptKind::Replicas
            | PromptKind::Ports
            | PromptKind::Container => return,
        };
        let [label, input, rest] = Layout::horizontal([
            Constraint::Length(2),
            Constraint::Length(area.width / 2),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(Span::styled(format!(" {sigil}"), theme.prompt), label);
        let mut textarea = prompt.input.clone();
        textarea.set_style(theme.prompt);
        textarea.set_cursor_line_style(theme.prompt);
        textarea.set_cursor_style(theme.selection);
        frame.render_widget(&textarea, input);
        if !prompt.completions.is_empty() {
            let shown: Vec<&str> = prompt
                .completions
                .iter()
                .take(8)
                .map(String::as_str)
                .collect();
            frame.render_widget(
                Line::styled(format!("tab → {}", shown.join("  ")), theme.muted),
                rest,
            );
        }
        return;
    }
    let line = if let Some(flash) = &state.flash {
        let style = if flash.error {
            theme.message_error
        } else {
            theme.message_info
        };
        Line::styled(format!(" {}", sanitize(&flash.text)), style)
    } else if let Some(problem) = problem(state) {
        Line::from(vec![Span::styled(
            format!(" ✗ {}", sanitize(problem)),
            theme.sync_error,
        )])
    } else {
        Line::default()
    };
    let max = usize::from(area.width);
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    frame.render_widget(Line::styled(truncate(&text, max).into_owned(), style), area);
}

/// The one message an operator should read first: the server, then the table's watch.
fn problem(state: &AppState) -> Option<&str> {
    if let ServerStatus::Unreachable(error) = &state.server {
        return Some(error);
    }
    match state.top() {
        View::Table(table) => match &table.sync {
            SyncState::Stale { error, .. } => Some(error.as_str()),
            _ => None,
        },
        _ => None,
    }
}
