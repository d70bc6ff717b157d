//! The dialog of a change to Airflow, over its view: what is about to happen and where, the
//! conf being edited for a trigger (checked as typed), what a clear would clear, then the
//! confirmation the context asks for. Or signing in, when nothing stored does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
use crate::app::AppState;
use crate::app::state::PromptKind;
use crate::app::tool::{Stage, Tool};
use crate::ui::Theme;
use crate::ui::text::sanitize;

fn render_login(
    state: &AppState,
    login: &crate::app::tool::ToolLogin,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let tool = login.level.tool();
    let parts = dialog::open(
        frame,
        area,
        11,
        format!(" sign in to {} ", tool.name()),
        4,
        theme,
    );
    let mut said = vec![Line::styled(
        format!("{} at {}", tool.name(), sanitize(&login.target)),
        theme.muted,
    )];
    if let Some(error) = &login.error {
        said.push(Line::styled(
            format!("✖ {}", sanitize(error)),
            theme.message_error,
        ));
    }
    frame.render_widget(Paragraph::new(said).wrap(Wrap { trim: true }), parts.intro);
    if let Some(prompt) = &state.prompt {
        let label = match prompt.kind {
            PromptKind::ToolSecret if tool == Tool::Airbyte => "secret ▸ ",
            PromptKind::ToolSecret => "password ▸ ",
            _ if tool == Tool::Airbyte => "client id ▸ ",
            _ => "username ▸ ",
        };
        dialog::input_line(prompt, label, theme, frame, parts.input);
    }
    frame.render_widget(
        Paragraph::new(Line::styled(
            match tool {
                Tool::Airflow => {
                    "kept in memory for this session only, never written; or store them in a \
                     Secret labelled strata.dev/credentials=airflow"
                }
                // Helm never asks: it is read as the operator's kube user.
                Tool::Airbyte | Tool::Helm | Tool::Rollout => {
                    "an application's client id and secret, kept in memory for this session \
                     only; or set STRATA_AIRBYTE_CLIENT_ID and STRATA_AIRBYTE_CLIENT_SECRET"
                }
            },
            theme.muted,
        ))
        .wrap(Wrap { trim: true }),
        parts.detail,
    );
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(login) = &state.tool_login {
        render_login(state, login, theme, frame, area);
        return;
    }
    // The Helm wizards stay up from the chart to the result.
    if let Some(draft) = state.tool_draft.as_ref().filter(|d| d.is_wizard()) {
        super::helm_wizard::render(state, draft, theme, frame, area);
        return;
    }
    // Once sent, the dialog gives way to the view it changes.
    let Some(draft) = state
        .tool_draft
        .as_ref()
        .filter(|d| d.stage != Stage::Acting)
    else {
        return;
    };
    let parts = dialog::open(
        frame,
        area,
        12 + draft.preview.len().min(16) as u16,
        format!(
            " {} · {} ",
            draft.act.tool().name().to_lowercase(),
            sanitize(draft.act.subject())
        ),
        2,
        theme,
    );
    let name_of = match draft.act.tool() {
        crate::app::tool::Tool::Airflow => "the DAG id",
        crate::app::tool::Tool::Airbyte => "the connection's name",
        crate::app::tool::Tool::Helm => "the release's name",
        crate::app::tool::Tool::Rollout => "the workload's name",
    };
    dialog::context_intro(state, name_of, theme, frame, parts.intro);
    let prompt = state
        .prompt
        .as_ref()
        .filter(|p| matches!(p.kind, PromptKind::AirflowConf | PromptKind::ToolConfirm));
    if let Some(prompt) = prompt {
        let label = match prompt.kind {
            PromptKind::AirflowConf => "conf (JSON) ▸ ",
            _ => "confirm ▸ ",
        };
        dialog::input_line(prompt, label, theme, frame, parts.input);
    }

    let mut lines = Vec::new();
    match draft.stage {
        Stage::Conf => {
            let typed = prompt.map(|p| p.text()).unwrap_or_default();
            match (&draft.error, crate::tools::airflow::parse_conf(&typed)) {
                (Some(error), _) => lines.push(Line::styled(
                    format!("✖ {}", sanitize(error)),
                    theme.message_error,
                )),
                (None, Ok(conf)) if conf.is_empty() => lines.push(Line::styled(
                    "✓ no conf: the DAG's params defaults",
                    theme.muted,
                )),
                (None, Ok(conf)) => {
                    let keys: Vec<&str> = conf.keys().map(String::as_str).collect();
                    lines.push(Line::styled(
                        format!("✓ conf with {}", sanitize(&keys.join(", "))),
                        theme.muted,
                    ));
                }
                (None, Err(error)) => lines.push(Line::styled(
                    format!("… {}", sanitize(&error.to_string())),
                    theme.muted,
                )),
            }
            lines.push(Line::styled(
                "a JSON object, sent as the run's conf; checked before anything is sent",
                theme.muted,
            ));
        }
        // The Helm wizards' own stages (drawn by `helm_wizard`).
        Stage::Target | Stage::Values | Stage::Refused | Stage::Done => {}
        Stage::Checking => lines.push(Line::styled(
            format!("checking: {}…", sanitize(&draft.act.describe())),
            theme.muted,
        )),
        Stage::Confirming | Stage::Acting => {
            lines.push(Line::styled(
                sanitize(&draft.act.describe()).into_owned(),
                theme.text,
            ));
            if let (false, crate::app::tool::Act::ClearFailed { .. }) =
                (draft.preview.is_empty(), &draft.act)
            {
                lines.push(Line::styled(
                    format!("the dry run would clear {} task(s):", draft.preview.len()),
                    theme.text,
                ));
            }
            if !draft.preview.is_empty() {
                for task in draft.preview.iter().take(16) {
                    lines.push(Line::styled(format!("  {}", sanitize(task)), theme.muted));
                }
            }
            if let Some((_, question)) = &draft.confirm {
                lines.push(Line::styled(
                    sanitize(question).into_owned(),
                    theme.message_warning,
                ));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }),
        parts.detail,
    );
}
