//! The wizards' dialog — a Helm upgrade or rollback, a workload's undo or image bump — over
//! the list it changes: the chart and values chosen (or the values edited), or the image;
//! the plan with its per-object diff and checks; the confirmation; then the release or
//! workload watched while it rolls out, and the result with its health — every step saying
//! what it does and what comes next.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog;
use crate::app::AppState;
use crate::app::state::PromptKind;
use crate::app::tool::{Act, Stage, ToolDraft};
use crate::ui::Theme;
use crate::ui::text::sanitize;

/// A plan or diff line in its colour: additions, removals, headings, failed checks.
fn styled(line: &str, theme: &Theme) -> Style {
    if line.starts_with("+ ") {
        theme.health.healthy
    } else if line.starts_with("- ") {
        theme.health.failed
    } else if line.starts_with("check failed") || line.contains('✖') {
        theme.message_error
    } else if line.starts_with("note:") {
        theme.message_warning
    } else if line.starts_with("── ") {
        theme.title_focused
    } else {
        theme.text
    }
}

/// A watched line (`pod x Running 1/1`, `hook …`, `event …`) in its colour.
fn watched(line: &str, theme: &Theme) -> Style {
    let bad = ["BackOff", "Err", "Failed", "failed", "Error", "Unhealthy"];
    if bad.iter().any(|b| line.contains(b)) {
        theme.status.failed
    } else if (line.contains(" Running ") && !line.contains(" 0/")) || line.ends_with(" succeeded")
    {
        theme.status.running
    } else if line.starts_with("event ") {
        theme.muted
    } else {
        theme.status.pending
    }
}

fn title(act: &Act) -> String {
    match act {
        Act::Upgrade { name, .. } => format!(" helm · upgrade {} ", sanitize(name)),
        Act::Rollback { name, .. } => format!(" helm · roll back {} ", sanitize(name)),
        Act::Undo { name, .. } => format!(" rollout · undo {} ", sanitize(name)),
        Act::SetImage { name, .. } => format!(" rollout · set image {} ", sanitize(name)),
        Act::Restart { name, .. } => format!(" rollout · restart {} ", sanitize(name)),
        Act::Scale { name, .. } => format!(" scale {} ", sanitize(name)),
        Act::Exec { pod, container, .. } => {
            format!(" shell · {} {} ", sanitize(pod), sanitize(container))
        }
        Act::PortForward { kind, name, .. } => {
            format!(" port-forward {} {} ", sanitize(kind), sanitize(name))
        }
        Act::Edit { resource, name, .. } => {
            format!(" edit {} {} ", sanitize(&resource.kind), sanitize(name))
        }
        _ => format!(" helm · {} ", sanitize(act.subject())),
    }
}

/// The layers' word on the components the release makes (live, from the cluster cache): the
/// health the operator sees on the layers screen after the change.
fn component_health(state: &AppState, act: &Act, theme: &Theme) -> Vec<Line<'static>> {
    let report = state.stack.iter().find_map(|view| match view {
        crate::app::state::View::Layers(layers) => layers.report.as_ref(),
        _ => None,
    });
    let (Some((namespace, release)), Some(report)) = (act.release(), report) else {
        return Vec::new();
    };
    report
        .components()
        .filter(|c| c.namespace == namespace && c.release.as_deref() == Some(release))
        .map(|c| {
            let reason = c
                .reasons
                .first()
                .map(|r| format!(": {}", sanitize(r)))
                .unwrap_or_default();
            let style = match c.health {
                crate::stack::Health::Healthy => theme.health.healthy,
                crate::stack::Health::Down => theme.health.failed,
                _ => theme.health.degraded,
            };
            Line::styled(
                format!(
                    "  component {} on the layers: {}{reason}",
                    sanitize(&c.name),
                    c.health.as_str()
                ),
                style,
            )
        })
        .collect()
}

/// What each stage's keys do.
fn hints(draft: &ToolDraft, prompt: Option<PromptKind>) -> Vec<(&'static str, &'static str)> {
    match (draft.stage, prompt) {
        (_, Some(PromptKind::ValuesEditor)) if matches!(draft.act, Act::Edit { .. }) => vec![
            ("ctrl-s", "diff, then confirm"),
            ("esc", "cancel (kept for the next e)"),
        ],
        (Stage::Done, _) if matches!(draft.act, Act::Edit { .. }) => vec![
            ("e", "re-open (a kept edit comes back)"),
            ("↑↓", "read"),
            ("esc", "close"),
        ],
        (_, Some(PromptKind::ValuesEditor)) => {
            vec![
                ("ctrl-s", "plan with these values"),
                ("esc", "cancel (kept)"),
            ]
        }
        (_, Some(PromptKind::ToolConfirm)) => vec![
            ("enter", "answer"),
            ("↑↓ pgup pgdn", "read the plan"),
            ("esc", "cancel"),
        ],
        (_, Some(_)) => vec![("enter", "next"), ("esc", "cancel")],
        (Stage::Refused, _) if matches!(draft.act, Act::Upgrade { .. }) => vec![
            ("U", "change the chart or values"),
            ("↑↓ pgup pgdn", "read"),
            ("esc", "close"),
        ],
        (Stage::Done, _) if draft.act.release().is_some() => vec![
            ("r", "roll back (guided)"),
            ("↑↓", "read"),
            ("esc", "close"),
        ],
        (Stage::Done, _) => vec![("↑↓", "read"), ("esc", "close (u undoes from the history)")],
        (Stage::Acting, _) if draft.act.release().is_some() => {
            vec![("q", "quit (helm goes on, detached)")]
        }
        (Stage::Acting, _) => vec![("", "rolling out…")],
        _ => vec![("↑↓ pgup pgdn", "read"), ("esc", "close")],
    }
}

/// The image being typed.
fn image_lines(draft: &ToolDraft, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(error) = &draft.error {
        lines.push(Line::styled(
            format!("✖ {}", sanitize(error)),
            theme.message_error,
        ));
    }
    for line in [
        "Which image? IMAGE for a one-container workload, CONTAINER=IMAGE otherwise (it runs",
        "the image shown now). Its pods are replaced as its update strategy says; they are",
        "watched, then judged; the rollout history keeps the old template for u (undo).",
    ] {
        lines.push(Line::styled(line, theme.muted));
    }
    lines
}

/// The chart and values being chosen.
fn target_lines(
    draft: &ToolDraft,
    prompt: Option<PromptKind>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    if prompt == Some(PromptKind::Image) {
        return image_lines(draft, theme);
    }
    let question = match prompt {
        Some(PromptKind::Ports) => Some(
            "Which ports? LOCAL:REMOTE (the container's port is offered as both). \
             127.0.0.1:LOCAL is forwarded in the background until stopped in :pf or Strata \
             quits; it changes nothing in the cluster, so read-only mode allows it.",
        ),
        Some(PromptKind::Container) => Some(
            "Which container? The terminal is handed to a shell in it (sh, else bash); exit \
             it to come back here. Refused in read-only mode: a shell can change anything.",
        ),
        Some(PromptKind::Replicas) => Some(
            "How many replicas? (what it asks for now is shown; 0 stops it without deleting \
             it). The pods are then watched and judged.",
        ),
        _ => None,
    };
    if let Some(question) = question {
        let mut lines = Vec::new();
        if let Some(error) = &draft.error {
            lines.push(Line::styled(
                format!("✖ {}", sanitize(error)),
                theme.message_error,
            ));
        }
        lines.push(Line::styled(question, theme.muted));
        lines.extend(
            draft
                .preview
                .iter()
                .map(|l| Line::styled(sanitize(l).into_owned(), theme.text)),
        );
        return lines;
    }
    let Act::Upgrade {
        chart,
        version,
        values,
        ..
    } = &draft.act
    else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(error) = &draft.error {
        lines.push(Line::styled(
            format!("✖ {}", sanitize(error)),
            theme.message_error,
        ));
    }
    if prompt == Some(PromptKind::UpgradeChart) {
        for line in [
            "1/3 · Which chart? A folder (./charts/superset), a packaged .tgz, or repo/name —",
            "then, for a repository chart, its version: superset/superset 0.14.2",
            "",
            "Nothing is changed until the plan has been read and confirmed.",
        ] {
            lines.push(Line::styled(line, theme.muted));
        }
        return lines;
    }
    lines.push(Line::styled(
        format!(
            "chart {}{}",
            sanitize(chart),
            version
                .as_deref()
                .map(|v| format!(" {}", sanitize(v)))
                .unwrap_or_default()
        ),
        theme.text,
    ));
    lines.push(Line::styled("2/3 · Which values?", theme.muted));
    let options = [
        (
            "1",
            "reuse the release's values as they are (helm's default; a new chart's new \
             defaults are not picked up)",
        ),
        (
            "2",
            "the new chart's defaults, then the release's values over them \
             (--reset-then-reuse-values, helm 3.14+)",
        ),
        (
            "3",
            "edit the release's values first (YAML; they replace the release's values)",
        ),
    ];
    for (number, said) in options {
        let chosen = number == values.number();
        lines.push(Line::styled(
            format!("  {number}  {said}"),
            if chosen { theme.text } else { theme.muted },
        ));
    }
    lines.push(Line::styled(
        "3/3 · Then the plan: helm's render against the live release, object by object, \
         and the checks.",
        theme.muted,
    ));
    lines
}

pub fn render(state: &AppState, draft: &ToolDraft, theme: &Theme, frame: &mut Frame, area: Rect) {
    let prompt = state.prompt.as_ref().filter(|p| {
        matches!(
            p.kind,
            PromptKind::UpgradeChart
                | PromptKind::UpgradeValues
                | PromptKind::ValuesEditor
                | PromptKind::ToolConfirm
                | PromptKind::Image
                | PromptKind::Replicas
                | PromptKind::Ports
                | PromptKind::Container
        )
    });
    let kind = prompt.map(|p| p.kind);
    let parts = dialog::open_with(
        frame,
        area,
        (area.height.saturating_sub(2), 120),
        title(&draft.act),
        2,
        &hints(draft, kind),
        theme,
    );
    dialog::context_intro(state, "the release's name", theme, frame, parts.intro);
    if let Some(prompt) = prompt.filter(|p| p.kind != PromptKind::ValuesEditor) {
        let label = match prompt.kind {
            PromptKind::UpgradeChart => "chart ▸ ",
            PromptKind::UpgradeValues => "values 1-3 ▸ ",
            PromptKind::Image => "image ▸ ",
            PromptKind::Replicas => "replicas ▸ ",
            PromptKind::Ports => "LOCAL:REMOTE ▸ ",
            PromptKind::Container => "container ▸ ",
            _ => "confirm ▸ ",
        };
        dialog::input_line(prompt, label, theme, frame, parts.input);
    } else {
        frame.render_widget(
            Line::styled(sanitize(&draft.act.describe()).into_owned(), theme.text),
            parts.input,
        );
    }
    let mut area = parts.detail;
    if let Some(editor) = prompt.filter(|p| p.kind == PromptKind::ValuesEditor) {
        // What is wrong with the text (it stays in the editor), above it.
        if let Some(error) = &draft.error {
            let [said, rest] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("✖ {}", sanitize(error)),
                    theme.message_error,
                ))
                .wrap(Wrap { trim: true }),
                said,
            );
            area = rest;
        }
        let mut textarea = editor.input.clone();
        textarea.set_style(theme.text);
        textarea.set_cursor_line_style(theme.prompt);
        textarea.set_cursor_style(theme.selection);
        textarea.set_line_number_style(theme.muted);
        frame.render_widget(&textarea, area);
        return;
    }
    let lines: Vec<Line> = match draft.stage {
        Stage::Target | Stage::Values | Stage::Conf => target_lines(draft, kind, theme),
        Stage::Checking => vec![Line::styled(
            match draft.act {
                Act::Upgrade { .. } => {
                    "planning: helm renders the upgrade against the server (--dry-run=server), \
                     the checks run (stuck release, GitOps owners, removed APIs, hooks), and \
                     the server dry-runs each changed object…"
                }
                Act::Rollback { .. } => {
                    "planning: the revisions are read, the target chosen, the checks run…"
                }
                _ => "checking: read-only mode, RBAC, the confirmation this context asks…",
            },
            theme.muted,
        )],
        Stage::Confirming | Stage::Refused => {
            let question = draft
                .confirm
                .as_ref()
                .filter(|_| draft.stage == Stage::Confirming)
                .map(|(_, q)| q.clone());
            if let Some(question) = question {
                let [_, asked] =
                    Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(area);
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        sanitize(&question).into_owned(),
                        theme.message_warning,
                    ))
                    .wrap(Wrap { trim: true }),
                    asked,
                );
                area.height = area.height.saturating_sub(2);
            }
            let start = draft.scroll.min(draft.preview.len().saturating_sub(1));
            draft.preview[start..]
                .iter()
                .take(usize::from(area.height))
                .map(|l| Line::styled(sanitize(l).into_owned(), styled(l, theme)))
                .collect()
        }
        Stage::Acting | Stage::Done => {
            let mut lines = Vec::new();
            match &draft.outcome {
                None if draft.act.release().is_some() => lines.push(Line::styled(
                    "helm is at work, detached from this terminal (a dropped session does not \
                     stop it; reopen :helm to see where it is). The release as it changes:",
                    theme.muted,
                )),
                None => lines.push(Line::styled(
                    "the new pod template is rolling out. The pods as they change:",
                    theme.muted,
                )),
                Some(Ok(said)) => {
                    for (i, line) in said.lines().enumerate() {
                        let style = match i {
                            0 => theme.health.healthy,
                            _ if line.starts_with("verified") => theme.health.healthy,
                            _ => theme.message_warning,
                        };
                        let mark = if i == 0 { "✓ " } else { "  " };
                        lines.push(Line::styled(format!("{mark}{}", sanitize(line)), style));
                    }
                }
                Some(Err(error)) => {
                    lines.push(Line::styled(
                        format!("✖ {}", sanitize(error)),
                        theme.message_error,
                    ));
                    if draft.act.release().is_some() {
                        lines.push(Line::styled(
                            "r opens the rollback wizard on this release.",
                            theme.message_warning,
                        ));
                    }
                }
            }
            if draft.outcome.is_some() {
                lines.extend(component_health(state, &draft.act, theme));
            }
            if !draft.progress.is_empty() {
                lines.push(Line::styled(
                    "── as watched (pods, hooks, events)",
                    theme.title_focused,
                ));
            }
            let skip = draft.scroll.min(draft.progress.len().saturating_sub(1));
            lines.extend(
                draft.progress[skip..]
                    .iter()
                    .map(|l| Line::styled(sanitize(l).into_owned(), watched(l, theme))),
            );
            lines
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
