//! The tools' views as their APIs answer them. `:airflow`: the DAGs (last run, paused,
//! schedule), a DAG's runs, a run's task tries and a try's log. `:airbyte`: the connections
//! with their last sync, a connection's jobs. Failed states stand out; where the tool was
//! reached (and as whom) is in the title.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row as TableRow, Table, TableState};

use crate::app::follow;
use crate::app::tool::{Level, Row, ToolView};
use crate::printers::human_duration;
use crate::ui::Theme;
use crate::ui::text::{cell, sanitize};

/// A state as a symbol (meaning without colour) and the word.
fn state_badge(state: Option<&str>, theme: &Theme) -> Span<'static> {
    let Some(state) = state else {
        return Span::styled("- none", theme.muted);
    };
    let (symbol, style) = match state {
        "success" | "succeeded" | "deployed" => ("●", theme.health.healthy),
        "running" => ("▶", theme.sync_live),
        "failed" | "upstream_failed" | "cancelled" | "unreadable" => ("✖", theme.health.failed),
        "superseded" | "uninstalled" => ("○", theme.muted),
        s if s.starts_with("pending") => ("↻", theme.health.degraded),
        "up_for_retry" | "up_for_reschedule" | "restarting" => ("↻", theme.health.degraded),
        _ => ("…", theme.muted),
    };
    Span::styled(format!("{symbol} {state}"), style)
}

fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    at.map(|t| format!("{} ago", human_duration(now - t)))
        .unwrap_or_else(|| "-".into())
}

fn took(row: &Row, now: DateTime<Utc>) -> String {
    match (row.started, row.ended) {
        (Some(start), Some(end)) => human_duration(end - start),
        (Some(start), None) if row.state.as_deref() == Some("running") => {
            human_duration(now - start)
        }
        _ => "-".into(),
    }
}

fn row_style(row: &Row, theme: &Theme) -> Style {
    if row.is_failed() {
        theme.health.failed
    } else {
        theme.text
    }
}

pub fn render(view: &ToolView, now: DateTime<Utc>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut title = format!(
        " {} [{}] ",
        sanitize(&view.level.title()),
        view.rows().len()
    );
    if let Some(page) = &view.page {
        title.push_str(&format!("· {} ", sanitize(&page.source)));
    }
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title_focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut body_area = inner;
    if let Some(error) = &view.error {
        let [said, rest] =
            ratatui::layout::Layout::vertical([Constraint::Length(2), Constraint::Min(0)])
                .areas(inner);
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("✖ {}", sanitize(error)),
                theme.message_error,
            ))
            .wrap(ratatui::widgets::Wrap { trim: true }),
            said,
        );
        body_area = rest;
    }
    if view.rows().is_empty() {
        let text = match (&view.page, &view.level) {
            (None, Level::Dags | Level::Connections) if view.error.is_none() => {
                "reaching the tool…"
            }
            (None, _) if view.error.is_none() => "reading…",
            (None, _) => "",
            (Some(_), Level::Dags) => "Airflow lists no DAG.",
            (Some(_), Level::Runs { .. }) => "No run of this DAG yet: t starts one.",
            (Some(_), Level::Tasks { .. }) => "No task instance in this run yet.",
            (Some(_), Level::Log { .. }) => "This try's log is empty.",
            (Some(_), Level::Connections) => "Airbyte lists no connection.",
            (Some(_), Level::Jobs { .. }) => "No job of this connection yet: t syncs it now.",
            (Some(_), Level::Releases) => "No Helm release in the cluster (no Secret owner=helm).",
            (Some(_), Level::History { .. }) => "This release has no revision left.",
            (Some(_), Level::Revision { .. }) => "This revision is empty.",
            (Some(_), Level::Diff { .. }) => "No difference.",
            (Some(_), Level::Rollouts { .. }) => "No revision kept (revisionHistoryLimit 0?).",
            (Some(_), Level::Forwards) => {
                "No port-forward running: F on a pod or a service starts one."
            }
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), body_area);
        return;
    }
    let rows = usize::from(body_area.height.saturating_sub(1));
    let count = view.rows().len();
    let offset = follow(view.offset, view.selected, rows, count);
    let shown = &view.rows()[offset..(offset + rows).min(count)];
    let width = usize::from(body_area.width);
    let (header, widths, body): (Vec<&str>, Vec<Constraint>, Vec<TableRow>) = match view.level {
        Level::Dags => {
            let name = shown
                .iter()
                .map(|r| r.id.chars().count())
                .max()
                .unwrap_or(0)
                .clamp(12, 40);
            (
                vec!["LAST RUN", "DAG", "PAUSED", "STARTED", "TOOK", "SCHEDULE"],
                vec![
                    Constraint::Length(18),
                    Constraint::Length(name as u16),
                    Constraint::Length(6),
                    Constraint::Length(9),
                    Constraint::Length(8),
                    Constraint::Fill(1),
                ],
                shown
                    .iter()
                    .map(|row| {
                        let paused = match row.paused {
                            Some(true) => Span::styled("yes", theme.health.degraded),
                            Some(false) => Span::styled("no", theme.muted),
                            None => Span::styled("-", theme.muted),
                        };
                        TableRow::new(vec![
                            Line::from(state_badge(row.state.as_deref(), theme)),
                            Line::styled(cell(&row.id, name), theme.text),
                            Line::from(paused),
                            Line::styled(ago(row.started, now), theme.muted),
                            Line::styled(took(row, now), theme.muted),
                            Line::styled(cell(&row.detail, width), theme.muted),
                        ])
                    })
                    .collect(),
            )
        }
        Level::Runs { .. } | Level::Tasks { .. } => {
            // A run or a task try: its state, name, (try,) when and how long, and detail.
            let tasks = matches!(view.level, Level::Tasks { .. });
            let name = shown
                .iter()
                .map(|r| r.id.chars().count())
                .max()
                .unwrap_or(0)
                .clamp(12, 48);
            let mut header = vec!["STATE", if tasks { "TASK" } else { "RUN" }];
            let mut widths = vec![Constraint::Length(20), Constraint::Length(name as u16)];
            if tasks {
                header.push("TRY");
                widths.push(Constraint::Length(3));
            }
            header.extend(["STARTED", "TOOK", if tasks { "" } else { "TYPE · CONF" }]);
            widths.extend([
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Fill(1),
            ]);
            let body = shown
                .iter()
                .map(|row| {
                    let mut cells = vec![
                        Line::from(state_badge(row.state.as_deref(), theme)),
                        Line::styled(cell(&row.id, name), row_style(row, theme)),
                    ];
                    if tasks {
                        cells.push(Line::styled(row.try_number.to_string(), theme.text));
                    }
                    cells.extend([
                        Line::styled(ago(row.started, now), theme.muted),
                        Line::styled(took(row, now), theme.muted),
                        Line::styled(cell(&row.detail, width), theme.muted),
                    ]);
                    TableRow::new(cells)
                })
                .collect();
            (header, widths, body)
        }
        Level::Connections | Level::Jobs { .. } => {
            // A connection with its last sync, or one job: state, name, when, how long, what
            // it moved, and the schedule or the job type.
            let connections = matches!(view.level, Level::Connections);
            let name = shown
                .iter()
                .map(|r| r.name().chars().count())
                .max()
                .unwrap_or(0)
                .clamp(8, 40);
            let header = vec![
                if connections { "LAST SYNC" } else { "STATE" },
                if connections { "CONNECTION" } else { "JOB" },
                "STARTED",
                "TOOK",
                "MOVED",
                if connections {
                    "STATUS · SCHEDULE"
                } else {
                    "TYPE"
                },
            ];
            let widths = vec![
                Constraint::Length(14),
                Constraint::Length(name as u16),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(24),
                Constraint::Fill(1),
            ];
            let body = shown
                .iter()
                .map(|row| {
                    TableRow::new(vec![
                        Line::from(state_badge(row.state.as_deref(), theme)),
                        Line::styled(cell(row.name(), name), row_style(row, theme)),
                        Line::styled(ago(row.started, now), theme.muted),
                        Line::styled(took(row, now), theme.muted),
                        Line::styled(cell(&row.moved, 24), theme.muted),
                        Line::styled(cell(&row.detail, width), theme.muted),
                    ])
                })
                .collect();
            (header, widths, body)
        }
        Level::Releases | Level::History { .. } => {
            // A release's newest revision, or one revision: status, name, revision, chart and
            // app version, when, and Helm's description (or why it is stuck or unreadable).
            let releases = matches!(view.level, Level::Releases);
            let name = shown
                .iter()
                .map(|r| r.name().chars().count() + r.namespace.chars().count() + 1)
                .max()
                .unwrap_or(0)
                .clamp(12, 40);
            let header = vec![
                "STATUS",
                if releases { "RELEASE" } else { "REVISION OF" },
                "REV",
                "CHART · APP",
                "UPDATED",
                "DESCRIPTION",
            ];
            let widths = vec![
                Constraint::Length(18),
                Constraint::Length(name as u16),
                Constraint::Length(4),
                Constraint::Length(30),
                Constraint::Length(9),
                Constraint::Fill(1),
            ];
            let body = shown
                .iter()
                .map(|row| {
                    let style =
                        if row.note.starts_with("stuck") || row.note.starts_with("unreadable") {
                            theme.health.degraded
                        } else {
                            row_style(row, theme)
                        };
                    TableRow::new(vec![
                        Line::from(state_badge(row.state.as_deref(), theme)),
                        Line::styled(
                            cell(&format!("{}/{}", row.namespace, row.name()), name),
                            row_style(row, theme),
                        ),
                        Line::styled(row.try_number.to_string(), theme.text),
                        Line::styled(cell(&row.detail, 30), theme.muted),
                        Line::styled(ago(row.started, now), theme.muted),
                        Line::styled(cell(&row.note, width), style),
                    ])
                })
                .collect();
            (header, widths, body)
        }
        Level::Rollouts { .. } => (
            vec!["", "REV", "KEPT BY", "CREATED", "IMAGES", "CHANGE-CAUSE"],
            vec![
                Constraint::Length(9),
                Constraint::Length(4),
                Constraint::Length(32),
                Constraint::Length(9),
                Constraint::Fill(2),
                Constraint::Fill(1),
            ],
            shown
                .iter()
                .map(|row| {
                    let current = row.state.as_deref() == Some("current");
                    TableRow::new(vec![
                        if current {
                            Line::styled("● current", theme.health.healthy)
                        } else {
                            Line::styled("", theme.muted)
                        },
                        Line::styled(row.id.clone(), theme.text),
                        Line::styled(cell(row.name(), 32), theme.muted),
                        Line::styled(ago(row.started, now), theme.muted),
                        Line::styled(cell(&row.detail, width), theme.text),
                        Line::styled(cell(&row.note, width), theme.muted),
                    ])
                })
                .collect(),
        ),
        Level::Forwards => (
            vec![
                "STATE",
                "NAMESPACE",
                "POD · PORTS",
                "SINCE",
                "THROUGH",
                "LAST ERROR",
            ],
            vec![
                Constraint::Length(7),
                Constraint::Length(16),
                Constraint::Length(44),
                Constraint::Length(7),
                Constraint::Length(20),
                Constraint::Fill(1),
            ],
            shown
                .iter()
                .map(|row| {
                    let failing = row.state.as_deref() == Some("error");
                    TableRow::new(vec![
                        Line::styled(
                            row.state.clone().unwrap_or_default(),
                            if failing {
                                theme.status.failed
                            } else {
                                theme.status.running
                            },
                        ),
                        Line::styled(cell(&row.namespace, 16), theme.muted),
                        Line::styled(cell(row.name(), 44), theme.text),
                        Line::styled(ago(row.started, now), theme.muted),
                        Line::styled(row.moved.clone(), theme.text),
                        Line::styled(cell(&row.note, width), theme.status.failed),
                    ])
                })
                .collect(),
        ),
        Level::Log { .. } | Level::Revision { .. } | Level::Diff { .. } => (
            vec!["LINE"],
            vec![Constraint::Fill(1)],
            shown
                .iter()
                .map(|row| {
                    let diff = matches!(view.level, Level::Diff { .. });
                    let style = if diff && row.id.starts_with("+ ") {
                        theme.health.healthy
                    } else if diff && row.id.starts_with("- ") {
                        theme.health.failed
                    } else if row.id.starts_with("── ") {
                        theme.title_focused
                    } else if row.id.contains("[error]") || row.id.contains("ERROR") {
                        theme.message_error
                    } else {
                        theme.text
                    };
                    TableRow::new(vec![Line::styled(cell(&row.id, width), style)])
                })
                .collect(),
        ),
    };
    let mut table_state = TableState::default().with_selected(Some(view.selected - offset));
    frame.render_stateful_widget(
        Table::new(body, widths)
            .header(TableRow::new(header).style(theme.table_header))
            .column_spacing(1)
            .style(theme.text)
            .row_highlight_style(theme.selection),
        body_area,
        &mut table_state,
    );
}

/// When the rows on screen read differently: their ages and running durations.
pub fn next_change(view: &ToolView, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    view.rows()
        .iter()
        .filter_map(|row| row.started)
        .map(|t| crate::printers::next_age_change(t, now))
        .min()
}
