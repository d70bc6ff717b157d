//! The dialog of a run started by hand (`t`), over the view: which CronJob, in which
//! namespace and context, the dbt command being edited (what it selects, or what is wrong
//! with it), then the confirmation the context asks for.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
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
    let parts = dialog::open(
        frame,
        area,
        12,
        format!(
            " run cronjob/{} in {} ",
            sanitize(&draft.cronjob),
            sanitize(&draft.namespace)
        ),
        2,
        theme,
    );
    dialog::context_intro(state, "the CronJob's name", theme, frame, parts.intro);
    let prompt = state
        .prompt
        .as_ref()
        .filter(|p| matches!(p.kind, PromptKind::DbtCommand | PromptKind::Confirm));
    if let Some(prompt) = prompt {
        let label = match prompt.kind {
            PromptKind::DbtCommand => "dbt command ▸ ",
            _ => "confirm ▸ ",
        };
        dialog::input_line(prompt, label, theme, frame, parts.input);
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
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }),
        parts.detail,
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
