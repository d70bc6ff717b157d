//! One component of the stack (Enter on the layers screen): what it is and how it is, then
//! its workloads grouped by kind, a section line per kind, in the style of the layers list.
//! Enter on a workload opens its pods.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::state::ComponentView;
use crate::security::Finding;
use crate::stack::WorkloadReport;
use crate::ui::Theme;
use crate::ui::layers::{badge, badged_row};
use crate::ui::text::{cell, sanitize, width};
use crate::ui::views::security::severity_style;

/// Space between columns.
const GAP: usize = 1;
/// Reasons shown above the workloads (the layers' details show them all).
const REASONS_MAX: usize = 3;

pub fn render(
    view: &ComponentView,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let component = &view.component;
    let workloads = view.workloads();
    let count = workloads.len();
    let selected = view.selected.min(count.saturating_sub(1));
    let position = if count == 0 {
        " 0 ".to_string()
    } else {
        format!(" {}/{count} ", selected + 1)
    };
    let namespace = if component.namespace.is_empty() {
        "cluster".to_string()
    } else {
        sanitize(&component.namespace).into_owned()
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" {}({namespace}) ", sanitize(&component.name)),
            theme.title_focused,
        ))
        .title_top(Line::styled(position, theme.muted).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let total = usize::from(inner.width);

    // What it is, how it is and why.
    let mut head: Vec<Line> = Vec::new();
    let mut about = vec![badge(component.health, theme)];
    let mut facts = Vec::new();
    if let Some(tool) = &component.tool_name {
        facts.push(format!("tool {}", sanitize(tool)));
    }
    if let Some(release) = &component.release {
        facts.push(format!("release {}", sanitize(release)));
    }
    if let Some((revision, status)) = &component.release_revision {
        facts.push(format!("revision {revision} ({status})"));
    }
    facts.push(format!("layer {}", component.layer.title()));
    if component.runs.total() > 0 {
        facts.push(format!(
            "runs {} running, {} ok, {} failed",
            component.runs.running, component.runs.succeeded, component.runs.failed
        ));
    }
    about.push(Span::styled(
        cell(
            &format!("  {}", facts.join(" · ")),
            total.saturating_sub(12),
        ),
        theme.text,
    ));
    head.push(Line::from(about));
    for reason in component.reasons.iter().take(REASONS_MAX) {
        head.push(Line::styled(
            cell(&format!("! {reason}"), total),
            theme.message_warning,
        ));
    }
    if component.reasons.len() > REASONS_MAX {
        head.push(Line::styled(
            format!("  … {} more", component.reasons.len() - REASONS_MAX),
            theme.muted,
        ));
    }
    if let Some(line) = posture_line(view, total, theme) {
        head.push(line);
    }
    head.push(Line::raw(""));

    if count == 0 {
        head.push(Line::styled(
            "No workloads: nothing of this component runs in the cluster.",
            theme.muted,
        ));
        frame.render_widget(Paragraph::new(head).style(theme.text), inner);
        return;
    }

    let columns = Columns::fit(&workloads, total);
    let mut rows: Vec<Line> = vec![columns.header(theme)];
    let mut selected_row = 0;
    let mut kind: Option<&str> = None;
    for (index, workload) in workloads.iter().enumerate() {
        if kind != Some(workload.kind.as_str()) {
            kind = Some(workload.kind.as_str());
            let of_kind = workloads.iter().filter(|w| w.kind == workload.kind).count();
            rows.push(Line::styled(
                cell(&format!("{} ({of_kind})", plural(&workload.kind)), total),
                theme.title,
            ));
        }
        if index == selected {
            selected_row = rows.len();
        }
        rows.push(columns.row(workload, index == selected, theme));
    }

    // The head and the column header stay; the rows scroll to keep the cursor on screen.
    let height = usize::from(inner.height);
    let fixed = head.len() + 1;
    let body = height.saturating_sub(fixed).max(1);
    let selected_row = selected_row - 1;
    let offset = if selected_row >= body {
        selected_row + 1 - body
    } else {
        0
    };
    let shown_rows = rows.len().saturating_sub(1 + offset).min(body);
    let mut visible = head;
    visible.push(rows[0].clone());
    visible.extend(rows.into_iter().skip(1 + offset).take(body));
    // Its security findings, then recent events, fill the room left under the rows.
    let mut room = body.saturating_sub(shown_rows);
    if room >= 3
        && let Some(findings) = view.findings.as_deref().filter(|f| !f.is_empty())
    {
        visible.push(Line::raw(""));
        let lines = finding_lines(findings, total, room - 1, theme);
        room = room.saturating_sub(lines.len() + 1);
        visible.extend(lines);
    }
    if room >= 3 {
        visible.push(Line::raw(""));
        visible.extend(event_lines(view, now, total, room - 1, theme));
    }
    frame.render_widget(Paragraph::new(visible).style(theme.text), inner);
}

/// One line on the component's security: its findings by severity, no finding, or why
/// the posture is not known; `None` before the first read.
fn posture_line(view: &ComponentView, total: usize, theme: &Theme) -> Option<Line<'static>> {
    if let Some(error) = &view.posture_error {
        return Some(Line::styled(
            cell(&format!("✗ security posture not read: {error}"), total),
            theme.sync_error,
        ));
    }
    view.findings.as_ref()?;
    let Some(badge) = &view.badge else {
        return Some(Line::styled("✓ security: no findings", theme.muted));
    };
    Some(Line::from(vec![
        Span::styled(
            format!("⚑ security: {}", badge.counts()),
            severity_style(badge.worst, theme),
        ),
        Span::styled("  F", theme.hint_key),
        Span::styled(
            " lists them, Enter there opens the object",
            theme.hint_description,
        ),
    ]))
}

/// The "Security" section: each finding (worst first) with its check, object and evidence,
/// then its fix; at most `room` lines.
fn finding_lines(
    findings: &[Finding],
    total: usize,
    room: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        cell(&format!("Security findings ({})", findings.len()), total),
        theme.title,
    )];
    for (shown, f) in findings.iter().enumerate() {
        // Two lines each, and one left to say how many more there are.
        if out.len() + 2 > room.saturating_sub(1) && shown + 1 < findings.len() {
            out.push(Line::styled(
                format!("  … {} more: F lists them all", findings.len() - shown),
                theme.muted,
            ));
            break;
        }
        let badge = format!("⚑ {:<6}", f.severity.as_str());
        let about = format!(" {} · {} · {}", f.check, f.object, f.evidence);
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(badge, severity_style(f.severity, theme)),
            Span::styled(cell(&about, total.saturating_sub(10)), theme.text),
        ]));
        out.push(Line::styled(
            cell(&format!("           fix: {}", f.fix), total),
            theme.muted,
        ));
    }
    out.truncate(room);
    out
}

/// The "Events" section: newest first, warnings highlighted, at most `room` lines.
fn event_lines(
    view: &ComponentView,
    now: DateTime<Utc>,
    total: usize,
    room: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match &view.events {
        None => out.push(Line::styled("Events: loading…", theme.muted)),
        Some(Err(error)) => out.push(Line::styled(
            cell(&format!("Events: {}", sanitize(error)), total),
            theme.message_warning,
        )),
        Some(Ok(events)) if events.is_empty() => {
            out.push(Line::styled("Events: none in the last hour", theme.muted))
        }
        Some(Ok(events)) => {
            out.push(Line::styled(
                cell(&format!("Events ({})", events.len()), total),
                theme.title,
            ));
            for event in events.iter().take(room.saturating_sub(1)) {
                let age = event
                    .last_seen
                    .map(|t| crate::printers::human_duration(now - t))
                    .unwrap_or_else(|| "-".into());
                let count = if event.count > 1 {
                    format!(" (x{})", event.count)
                } else {
                    String::new()
                };
                let text = format!(
                    "  {age:>6}  {:<8} {:<18} {:<40} {}{count}",
                    if event.warning { "Warning" } else { "Normal" },
                    sanitize(&event.reason),
                    sanitize(&event.object),
                    sanitize(&event.message),
                );
                let style = if event.warning {
                    theme.message_warning
                } else {
                    theme.text
                };
                out.push(Line::styled(cell(&text, total), style));
            }
        }
    }
    out.truncate(room);
    out
}

/// `Deployments` for `Deployment`.
fn plural(kind: &str) -> String {
    format!("{}s", sanitize(kind))
}

/// Column widths at this width.
struct Columns {
    name: usize,
    role: usize,
    ready: usize,
    health: usize,
}

impl Columns {
    fn fit(workloads: &[&WorkloadReport], total: usize) -> Columns {
        let widest = |f: &dyn Fn(&WorkloadReport) -> usize, header: &str| {
            workloads
                .iter()
                .map(|w| f(w))
                .max()
                .unwrap_or(0)
                .max(width(header))
        };
        let role = widest(&|w| width(&w.role), "ROLE").min(16);
        let ready = widest(&|w| width(&w.ready), "READY").min(16);
        let health = width("▲ degraded");
        // Two columns of indent for the cursor marker.
        let fixed = 2 + role + ready + health + 3 * GAP;
        let name = widest(&|w| width(&w.name), "NAME")
            .min(total.saturating_sub(fixed))
            .max(8);
        Columns {
            name,
            role,
            ready,
            health,
        }
    }

    fn line(&self, name: &str, role: &str, ready: &str) -> String {
        let mut text = String::new();
        for (value, w) in [(name, self.name), (role, self.role), (ready, self.ready)] {
            let value = cell(value, w);
            text.push_str(&value);
            text.push_str(&" ".repeat(w.saturating_sub(width(&value)) + GAP));
        }
        text
    }

    fn header(&self, theme: &Theme) -> Line<'static> {
        let mut text = format!("  {}", self.line("NAME", "ROLE", "READY"));
        text.push_str("HEALTH");
        Line::styled(text, theme.table_header)
    }

    fn row(&self, w: &WorkloadReport, selected: bool, theme: &Theme) -> Line<'static> {
        let mut text = String::from(if selected { "▸ " } else { "  " });
        let role = if w.role.is_empty() { "-" } else { &w.role };
        text.push_str(&self.line(&w.name, role, &w.ready));
        let row_style = if selected {
            theme.selection
        } else {
            theme.text
        };
        // Services are listed, not judged: no badge.
        let badge = if w.kind == "Service" {
            Span::raw("")
        } else {
            badge(w.health, theme)
        };
        badged_row(text, badge, row_style, selected, self.health)
    }
}
