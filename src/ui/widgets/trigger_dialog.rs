//! The dialog of a run started by hand (`t`), over the view: which CronJob, in which
//! namespace and context, the dbt command being edited (what it selects, or what is wrong
//! with it), then the confirmation the context asks for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::AppState;
use crate::app::state::PromptKind;
use crate::app::trigger::Stage;
use crate::stack::dbt_command::DbtCommand;
use crate::ui::Theme;
use crate::ui::text::sanitize;

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(draft) = &state.trigger else {
        return;
    };
    if draft.stage == Stage::Preparing {
        return;
    }
    let width = area.width.saturating_sub(4).clamp(40, 100);
    let height = 12u16.min(area.height);
    let dialog = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 3,
        width: width.min(area.width),
        height,
    };
    frame.render_widget(Clear, dialog);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(
            format!(
                " run cronjob/{} in {} ",
                sanitize(&draft.cronjob),
                sanitize(&draft.namespace)
            ),
            theme.title_focused,
        ));
    let inner = block.inner(dialog);
    frame.render_widget(block, dialog);
    let [intro, input, detail, hints] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);

    let mut said = vec![Line::styled(
        format!("context {}", sanitize(&state.context.name)),
        theme.muted,
    )];
    if state.policies.resolve(&state.context.name).is_production() {
        said.push(Line::styled(
            "PRODUCTION context: you will type the CronJob's name to confirm",
            theme.message_warning,
        ));
    }
    frame.render_widget(Paragraph::new(said), intro);

    let prompt = state
        .prompt
        .as_ref()
        .filter(|p| matches!(p.kind, PromptKind::DbtCommand | PromptKind::Confirm));
    if let Some(prompt) = prompt {
        let label = match prompt.kind {
            PromptKind::DbtCommand => "dbt command ▸ ",
            _ => "confirm ▸ ",
        };
        let [label_area, input_area] =
            Layout::horizontal([Constraint::Length(14), Constraint::Min(1)]).areas(input);
        frame.render_widget(Span::styled(label, theme.prompt), label_area);
        let mut textarea = prompt.input.clone();
        textarea.set_style(theme.prompt);
        textarea.set_cursor_line_style(theme.prompt);
        textarea.set_cursor_style(theme.selection);
        frame.render_widget(&textarea, input_area);
    }

    let mut lines = Vec::new();
    match draft.stage {
        Stage::Command => {
            let typed = prompt.map(|p| p.text()).unwrap_or_default();
            match (&draft.error, DbtCommand::parse(&typed)) {
                (Some(error), _) => lines.push(Line::styled(
                    format!("✖ {}", sanitize(error)),
                    theme.message_error,
                )),
                (None, Ok(command)) => lines.push(Line::styled(describe(&command), theme.muted)),
                (None, Err(error)) => lines.push(Line::styled(
                    format!("… {}", sanitize(&error.0)),
                    theme.muted,
                )),
            }
            lines.push(Line::styled(
                "run as the container's command, without a shell",
                theme.muted,
            ));
        }
        Stage::Confirming | Stage::Creating => {
            let runs = draft
                .command_line()
                .map(|l| format!("runs: {}", sanitize(&l)))
                .unwrap_or_else(|| "runs: the CronJob's own template".to_string());
            lines.push(Line::styled(runs, theme.text));
            if let Some((_, question)) = &draft.confirm {
                lines.push(Line::styled(
                    sanitize(question).into_owned(),
                    theme.message_warning,
                ));
            }
        }
        Stage::Checking => lines.push(Line::styled(
            "asking the cluster whether you may create Jobs here…",
            theme.muted,
        )),
        Stage::Preparing => {}
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), detail);
    frame.render_widget(
        Line::from(vec![
            Span::styled("enter", theme.hint_key),
            Span::styled(" next  ", theme.hint_description),
            Span::styled("esc", theme.hint_key),
            Span::styled(" cancel", theme.hint_description),
        ]),
        hints,
    );
}

/// `build · select marts, orders+ · full refresh · target prod · vars day`.
fn describe(command: &DbtCommand) -> String {
    let mut parts = vec![command.subcommand.clone()];
    if !command.select.is_empty() {
        parts.push(format!("select {}", command.select.join(", ")));
    }
    if !command.exclude.is_empty() {
        parts.push(format!("exclude {}", command.exclude.join(", ")));
    }
    if command.full_refresh {
        parts.push("full refresh".into());
    }
    if let Some(target) = &command.target {
        parts.push(format!("target {target}"));
    }
    if let Some(vars) = command.vars.as_ref().and_then(|v| v.as_object()) {
        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
        parts.push(format!("vars {}", names.join(", ")));
    }
    format!("✓ {}", sanitize(&parts.join(" · ")))
}
