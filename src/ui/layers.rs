//! The layers screen: the stack by layer, one row per component with its health badge, and
//! the selected component's details (what it is, why it is unhealthy, its parts and runs).
//! A pure function of a [`StackReport`] and the selected component's index in
//! [`StackReport::components`] order; wide terminals put the details beside the list,
//! narrow ones below it.

use crate::release::ReleaseStatus;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::security::PostureBadge;
use crate::stack::report::workload_summary;
use crate::stack::{ComponentReport, Health, StackReport};
use crate::ui::Theme;
use crate::ui::text::{cell, sanitize, width};

/// From this width the details sit beside the list.
pub const SIDE_BY_SIDE_WIDTH: u16 = 110;

/// Space between columns.
const GAP: usize = 1;

/// A table row: its text, then a health badge padded to `health_width` (the selection
/// colours the badge too, so the highlighted row reads as one bar).
pub fn badged_row(
    text: String,
    badge: Span<'static>,
    row_style: ratatui::style::Style,
    selected: bool,
    health_width: usize,
) -> Line<'static> {
    let badge = if selected {
        Span::styled(badge.content, row_style)
    } else {
        badge
    };
    let tail = health_width.saturating_sub(badge.width());
    Line::from(vec![
        Span::styled(text, row_style),
        badge,
        Span::styled(" ".repeat(tail), row_style),
    ])
}

/// The badge of a health: a symbol (so meaning survives without colour) and the word.
pub fn badge(health: Health, theme: &Theme) -> Span<'static> {
    Span::styled(
        format!("{} {}", symbol(health), health.as_str()),
        health_style(health, theme),
    )
}

fn symbol(health: Health) -> &'static str {
    match health {
        Health::Healthy => "●",
        Health::Degraded => "▲",
        Health::Down => "✖",
        Health::Unknown => "?",
    }
}

/// The badge of a health judged from a partial or stale picture: dimmed, with a question
/// mark, so it never reads as a plain "healthy".
pub fn provisional_badge(health: Health, theme: &Theme) -> Span<'static> {
    let symbol = match health {
        Health::Healthy => "○",
        other => symbol(other),
    };
    Span::styled(format!("{symbol} {}?", health.as_str()), theme.muted)
}

fn badge_of(health: Health, provisional: bool, theme: &Theme) -> Span<'static> {
    if provisional {
        provisional_badge(health, theme)
    } else {
        badge(health, theme)
    }
}

pub fn health_style(health: Health, theme: &Theme) -> Style {
    match health {
        Health::Healthy => theme.health.healthy,
        Health::Degraded => theme.health.degraded,
        Health::Down => theme.health.failed,
        Health::Unknown => theme.health.unknown,
    }
}

/// Draws the screen into `area`. `selected` indexes [`StackReport::components`] and is
/// clamped, so a report that shrank under the cursor still draws. `provisional`: the report
/// comes from a partial or stale picture (badges say so). `badges`: each component's
/// security posture badge, in the same order (`None` before the posture was read: no
/// POSTURE column).
pub fn render(
    report: &StackReport,
    selected: usize,
    provisional: bool,
    badges: Option<&[Option<PostureBadge>]>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let count = report.component_count();
    let selected = selected.min(count.saturating_sub(1));
    let (list_area, detail_area) = if area.width >= SIDE_BY_SIDE_WIDTH {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(54), Constraint::Percentage(46)])
                .areas(area);
        (list, detail)
    } else {
        let detail_height = (area.height * 45 / 100)
            .max(8)
            .min(area.height.saturating_sub(5));
        let [list, detail] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(detail_height)]).areas(area);
        (list, detail)
    };
    render_list(
        report,
        selected,
        provisional,
        badges,
        theme,
        frame,
        list_area,
    );
    render_details(
        report.components().nth(selected),
        provisional,
        badges.map(|b| b.get(selected).and_then(Option::as_ref)),
        report.generated,
        theme,
        frame,
        detail_area,
    );
}

fn render_list(
    report: &StackReport,
    selected: usize,
    provisional: bool,
    badges: Option<&[Option<PostureBadge>]>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let count = report.component_count();
    let position = if count == 0 {
        " 0 ".to_string()
    } else {
        format!(" {}/{count} ", selected + 1)
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(" Layers ", theme.title_focused))
        .title_top(Line::styled(position, theme.muted).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if count == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled("No workloads found yet.", theme.muted)),
            inner,
        );
        return;
    }

    let columns = Columns::fit(report, badges.is_some(), usize::from(inner.width));
    // One row per layer heading and per component; the cursor row is kept on screen.
    let mut rows: Vec<Line> = Vec::with_capacity(count + report.layers.len() + 1);
    let mut selected_row = 0;
    rows.push(columns.header(theme));
    let mut index = 0;
    for layer in &report.layers {
        // The layer's badge sits in the HEALTH column, above its components' badges.
        let title = layer.layer.title();
        rows.push(Line::from(vec![
            Span::styled(
                pad(title, columns.health_column().max(width(title) + 1)),
                theme.title,
            ),
            badge_of(layer.health, provisional, theme),
        ]));
        for component in &layer.components {
            if index == selected {
                selected_row = rows.len();
            }
            let badge = badges.and_then(|b| b.get(index)).and_then(Option::as_ref);
            rows.push(columns.row(component, index == selected, provisional, badge, theme));
            index += 1;
        }
    }
    let height = usize::from(inner.height);
    // The header row stays; the rest scrolls.
    let body = height.saturating_sub(1);
    let offset = if selected_row >= body {
        selected_row + 1 - body
    } else {
        0
    };
    let mut visible: Vec<Line> = Vec::with_capacity(height);
    visible.push(rows[0].clone());
    visible.extend(rows.into_iter().skip(1 + offset).take(body));
    frame.render_widget(Paragraph::new(visible).style(theme.text), inner);
}

/// Column widths for the list at this width.
struct Columns {
    name: usize,
    tool: usize,
    namespace: usize,
    /// 0 hides the column.
    release: usize,
    parts: usize,
    health: usize,
    /// 0 hides the column (the posture was not read yet).
    posture: usize,
}

/// The POSTURE column: `⚑ medium 12` at most.
const POSTURE_WIDTH: usize = 11;

impl Columns {
    fn fit(report: &StackReport, with_posture: bool, total: usize) -> Columns {
        let widest = |f: &dyn Fn(&ComponentReport) -> usize, header: &str| {
            report
                .components()
                .map(f)
                .max()
                .unwrap_or(0)
                .max(width(header))
        };
        let mut tool = widest(&|c| c.tool_name.as_deref().map_or(1, width), "TOOL").min(14);
        let mut namespace = widest(&|c| width(&c.namespace), "NAMESPACE").min(16);
        let posture = if with_posture { POSTURE_WIDTH } else { 0 };
        let release = widest(&|c| c.release.as_deref().map_or(1, width), "RELEASE").min(16);
        let parts = widest(&|c| width(&parts(c)), "PARTS");
        let health = width("▲ degraded?");
        // Two columns of indent for the cursor marker.
        let fixed = 2 + tool + namespace + parts + health + 4 * GAP + posture;
        let name_wanted = widest(&|c| width(&c.name), "COMPONENT");
        // RELEASE only when the names still fit beside it.
        let with_release = total >= fixed + release + GAP + name_wanted.min(20);
        let release = if with_release { release } else { 0 };
        let used = fixed + if release > 0 { release + GAP } else { 0 } + GAP;
        let mut name = total.saturating_sub(used);
        // The posture's room comes from NAMESPACE and TOOL before names become unreadable.
        let steal_from = if with_posture {
            vec![(&mut namespace, 9), (&mut tool, 8)]
        } else {
            Vec::new()
        };
        for (column, least) in steal_from {
            let given = 12usize
                .saturating_sub(name)
                .min(column.saturating_sub(least));
            *column -= given;
            name += given;
        }
        Columns {
            name: name.max(8),
            tool,
            namespace,
            release,
            parts,
            health,
            posture,
        }
    }

    /// Where the HEALTH column starts.
    fn health_column(&self) -> usize {
        let release = if self.release > 0 {
            self.release + GAP
        } else {
            0
        };
        2 + self.name + self.tool + self.namespace + self.parts + release + 4 * GAP
    }

    fn cells(&self, values: [&str; 5]) -> Vec<(String, usize)> {
        let [name, tool, namespace, release, parts] = values;
        let mut out = vec![
            (cell(name, self.name), self.name),
            (cell(tool, self.tool), self.tool),
        ];
        out.push((cell(namespace, self.namespace), self.namespace));
        if self.release > 0 {
            out.push((cell(release, self.release), self.release));
        }
        out.push((cell(parts, self.parts), self.parts));
        out
    }

    fn header(&self, theme: &Theme) -> Line<'static> {
        let mut text = String::from("  ");
        for (value, w) in self.cells(["COMPONENT", "TOOL", "NAMESPACE", "RELEASE", "PARTS"]) {
            text.push_str(&pad(&value, w + GAP));
        }
        text.push_str(&pad("HEALTH", self.health));
        if self.posture > 0 {
            text.push_str(&pad(" POSTURE", self.posture + GAP));
        }
        Line::styled(text, theme.table_header)
    }

    fn row(
        &self,
        c: &ComponentReport,
        selected: bool,
        provisional: bool,
        posture: Option<&PostureBadge>,
        theme: &Theme,
    ) -> Line<'static> {
        let mut text = String::from(if selected { "▸ " } else { "  " });
        let release = c.release.as_deref().unwrap_or("-");
        let tool = c.tool_name.as_deref().unwrap_or("-");
        let namespace = if c.namespace.is_empty() {
            "-"
        } else {
            &c.namespace
        };
        for (value, w) in self.cells([&c.name, tool, namespace, release, &parts(c)]) {
            text.push_str(&pad(&value, w + GAP));
        }
        let row_style = if selected {
            theme.selection
        } else {
            theme.text
        };
        let mut line = badged_row(
            text,
            badge_of(c.health, provisional, theme),
            row_style,
            selected,
            self.health,
        );
        if self.posture > 0 {
            let (text, style) = match posture {
                Some(badge) => (
                    badge.text.as_str(),
                    crate::ui::views::security::severity_style(badge.worst, theme),
                ),
                None => ("-", theme.muted),
            };
            let style = if selected { row_style } else { style };
            line.spans.push(Span::styled(" ", row_style));
            line.spans
                .push(Span::styled(pad(text, self.posture), style));
        }
        line
    }
}

/// `3/4`: healthy workloads of all.
fn parts(c: &ComponentReport) -> String {
    let healthy = c
        .workloads
        .iter()
        .filter(|w| w.health == Health::Healthy)
        .count();
    if c.workloads.is_empty() {
        "-".to_string()
    } else {
        format!("{healthy}/{}", c.workloads.len())
    }
}

/// "sync `postgres → clickhouse` failed 12 min ago: …", for the component's newest failed run.
pub fn last_failure(
    failure: &crate::stack::RunFailure,
    tool: Option<&str>,
    now: DateTime<Utc>,
) -> String {
    let what = match tool {
        Some("airbyte") => "sync",
        Some("airflow") => "task",
        Some("spark") => "application",
        Some("prefect") => "flow run",
        _ => "run",
    };
    let when = failure
        .finished
        .map(|t| format!(" {} ago", crate::stack::health::duration(now - t)))
        .unwrap_or_default();
    let why = failure
        .reason
        .as_deref()
        .map(|r| format!(": {}", sanitize(r)))
        .unwrap_or_default();
    format!("✗ {what} `{}` failed{when}{why}", sanitize(&failure.name))
}

/// kubectl's short names, so `deploy/airflow-scheduler` can be pasted into a command.
fn short_kind(kind: &str) -> String {
    match kind {
        "Deployment" => "deploy".to_string(),
        "StatefulSet" => "sts".to_string(),
        "DaemonSet" => "ds".to_string(),
        "ReplicaSet" => "rs".to_string(),
        other => other.to_lowercase(),
    }
}

fn pad(text: &str, to: usize) -> String {
    let mut out = text.to_string();
    out.push_str(&" ".repeat(to.saturating_sub(width(text))));
    out
}

fn render_details(
    component: Option<&ComponentReport>,
    provisional: bool,
    posture: Option<Option<&PostureBadge>>,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let title = component.map_or(" Details ".to_string(), |c| {
        format!(" {} ", sanitize(&c.name))
    });
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(c) = component else {
        return;
    };
    let w = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    let mut about = vec![Span::styled(
        sanitize(c.tool_name.as_deref().unwrap_or("Unrecognised")).into_owned(),
        theme.header_value,
    )];
    if !c.namespace.is_empty() {
        about.push(Span::styled(
            format!(" in namespace {}", sanitize(&c.namespace)),
            theme.muted,
        ));
    }
    lines.push(Line::from(about));
    let mut health = vec![badge_of(c.health, provisional, theme)];
    if let Some(release) = &c.release {
        let revision = c
            .release_revision
            .map(|(rev, status)| format!(" rev {rev}, {status}"))
            .unwrap_or_default();
        health.push(Span::styled(
            format!("  Helm release {}{revision}", sanitize(release)),
            theme.muted,
        ));
    }
    lines.push(Line::from(health));
    match posture {
        Some(Some(badge)) => lines.push(Line::from(vec![
            Span::styled(
                format!("⚑ security: {}", badge.counts()),
                crate::ui::views::security::severity_style(badge.worst, theme),
            ),
            Span::styled("  F", theme.hint_key),
            Span::styled(" lists them", theme.hint_description),
        ])),
        Some(None) => lines.push(Line::styled("✓ security: no findings", theme.muted)),
        None => {}
    }
    if !c.reasons.is_empty() {
        lines.push(Line::raw(""));
        for reason in &c.reasons {
            lines.push(Line::from(vec![
                Span::styled("! ", health_style(c.health, theme)),
                Span::styled(sanitize(reason).into_owned(), theme.text),
            ]));
        }
        // A failed or stuck release is one key from its way back.
        let release_in_trouble = c
            .release_revision
            .is_some_and(|(_, status)| status == ReleaseStatus::Failed || status.is_pending());
        if release_in_trouble {
            lines.push(Line::from(vec![
                Span::styled("→ ", theme.hint_key),
                Span::styled("r", theme.hint_key),
                Span::styled(" rolls the release back (guided)  ", theme.hint_description),
                Span::styled("H", theme.hint_key),
                Span::styled(" its history", theme.hint_description),
            ]));
        }
    }
    if !c.workloads.is_empty() {
        lines.push(Line::raw(""));
        let role_w = c
            .workloads
            .iter()
            .map(|x| width(&x.role))
            .max()
            .unwrap_or(4)
            .clamp(4, 16);
        let ready_w = c
            .workloads
            .iter()
            .map(|x| width(&x.ready))
            .max()
            .unwrap_or(5)
            .clamp(5, 14);
        let health_w = width("▲ degraded");
        let name_w = w
            .saturating_sub(role_w + ready_w + health_w + 3 * GAP)
            .max(8);
        lines.push(Line::styled(
            format!(
                "{}{}{}{}",
                pad("ROLE", role_w + GAP),
                pad("WORKLOAD", name_w + GAP),
                pad("READY", ready_w + GAP),
                "HEALTH"
            ),
            theme.table_header,
        ));
        for part in &c.workloads {
            let name = format!("{}/{}", short_kind(&part.kind), part.name);
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{}{}{}",
                        pad(&cell(&part.role, role_w), role_w + GAP),
                        pad(&cell(&name, name_w), name_w + GAP),
                        pad(&cell(&part.ready, ready_w), ready_w + GAP)
                    ),
                    theme.text,
                ),
                badge_of(part.health, provisional, theme),
            ]));
        }
    }
    if c.runs.total() > 0 {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "Runs: {} running, {} succeeded, {} failed",
                c.runs.running, c.runs.succeeded, c.runs.failed
            ),
            theme.muted,
        ));
        if let Some(failure) = &c.runs.last_failure {
            lines.push(Line::styled(
                last_failure(failure, c.tool.as_deref(), now),
                theme.message_warning,
            ));
        }
    }
    if c.workloads.is_empty() && c.runs.total() == 0 {
        lines.push(Line::raw(""));
        lines.push(Line::styled(workload_summary(c), theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use serde_json::{Value, json};

    use super::*;
    use crate::release::ReleaseStatus;
    use crate::stack::{ReleaseFacts, RuleSet, StackObject, assess};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn deployment(
        ns: &str,
        name: &str,
        labels: Value,
        image: &str,
        replicas: u32,
        ready: u32,
    ) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": image}]}}},
            "status": {"readyReplicas": ready}})
    }

    fn airflow(component: &str, ready: u32) -> Value {
        deployment(
            "orchestration",
            &format!("airflow-{component}"),
            json!({"tier": "airflow", "component": component, "release": "airflow"}),
            "apache/airflow:3.0.2",
            1,
            ready,
        )
    }

    /// A stack with the faults the demo shows.
    fn report() -> StackReport {
        let trino = |c: &str| {
            json!({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino",
            "app.kubernetes.io/component": c})
        };
        let objects = vec![
            deployment(
                "ingestion",
                "airbyte-server",
                json!({"app.kubernetes.io/name": "server", "app.kubernetes.io/instance": "airbyte"}),
                "airbyte/server:2.0.1",
                1,
                1,
            ),
            deployment(
                "ingestion",
                "airbyte-worker",
                json!({"app.kubernetes.io/name": "worker", "app.kubernetes.io/instance": "airbyte"}),
                "airbyte/worker:2.0.1",
                1,
                1,
            ),
            airflow("scheduler", 0),
            airflow("api-server", 1),
            airflow("triggerer", 1),
            json!({"kind": "Pod", "metadata": {"name": "airflow-scheduler-6c9f7d8b5-x2k4q", "namespace": "orchestration",
                    "labels": {"pod-template-hash": "6c9f7d8b5"},
                    "ownerReferences": [{"kind": "ReplicaSet", "name": "airflow-scheduler-6c9f7d8b5", "controller": true}]},
                "spec": {"containers": [{"name": "scheduler", "image": "apache/airflow:3.0.2"}]},
                "status": {"phase": "Running", "containerStatuses": [{"name": "scheduler", "ready": false,
                    "restartCount": 14, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
            deployment(
                "warehouse",
                "trino-coordinator",
                trino("coordinator"),
                "trinodb/trino:480",
                1,
                1,
            ),
            deployment(
                "warehouse",
                "trino-worker",
                trino("worker"),
                "trinodb/trino:480",
                2,
                0,
            ),
            deployment(
                "bi",
                "superset",
                json!({"app": "superset", "release": "superset"}),
                "apache/superset:5.0.0",
                1,
                1,
            ),
            deployment(
                "kube-system",
                "coredns",
                json!({"k8s-app": "kube-dns"}),
                "coredns/coredns:1.12",
                2,
                2,
            ),
        ];
        let releases = vec![
            ReleaseFacts {
                name: "superset".into(),
                namespace: "bi".into(),
                revision: 3,
                status: ReleaseStatus::Failed,
                chart: "superset".into(),
                chart_version: "0.15.2".into(),
                app_version: "5.0.0".into(),
                description: "Upgrade \"superset\" failed: post-upgrade hooks failed".into(),
                updated: Some(now() - Duration::minutes(52)),
                unreadable: None,
            },
            ReleaseFacts {
                name: "trino".into(),
                namespace: "warehouse".into(),
                revision: 4,
                status: ReleaseStatus::PendingUpgrade,
                chart: "trino".into(),
                chart_version: "1.42.2".into(),
                app_version: "480".into(),
                description: "Preparing upgrade".into(),
                updated: Some(now() - Duration::minutes(38)),
                unreadable: None,
            },
        ];
        let objects: Vec<StackObject> = objects.iter().map(StackObject::from_json).collect();
        assess(&RuleSet::builtin(), &objects, &releases, now())
    }

    fn draw(
        report: &StackReport,
        selected: usize,
        theme: &Theme,
        width: u16,
        height: u16,
    ) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| render(report, selected, false, None, theme, frame, frame.area()))
            .unwrap();
        terminal
    }

    fn screen_text(buffer: &Buffer) -> String {
        let width = usize::from(buffer.area.width);
        buffer
            .content
            .chunks(width)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn index_of(report: &StackReport, name: &str) -> usize {
        report.components().position(|c| c.name == name).unwrap()
    }

    #[test]
    fn layers_with_a_crash_looping_scheduler() {
        let report = report();
        let selected = index_of(&report, "airflow");
        for (w, h) in [(120u16, 40u16), (80, 24)] {
            insta::assert_snapshot!(
                format!("layers_with_a_crash_looping_scheduler_{w}x{h}"),
                draw(&report, selected, &Theme::default(), w, h).backend()
            );
        }
    }

    #[test]
    fn layers_with_a_stuck_release() {
        let report = report();
        let selected = index_of(&report, "trino");
        for (w, h) in [(120u16, 40u16), (80, 24)] {
            insta::assert_snapshot!(
                format!("layers_with_a_stuck_release_{w}x{h}"),
                draw(&report, selected, &Theme::default(), w, h).backend()
            );
        }
    }

    #[test]
    fn the_cursor_row_stays_on_screen_and_out_of_range_is_clamped() {
        let report = report();
        let last = report.component_count() - 1;
        let terminal = draw(&report, last + 10, &Theme::default(), 80, 14);
        let text = screen_text(terminal.backend().buffer());
        assert!(text.contains("▸ kube-dns"), "{text}");
    }

    #[test]
    fn health_is_coloured_by_meaning() {
        let report = report();
        let theme = Theme::default();
        let terminal = draw(&report, 0, &theme, 120, 40);
        let buffer = terminal.backend().buffer();
        let text = screen_text(buffer);
        let width = usize::from(buffer.area.width) + 1;
        let style_at = |needle: &str| {
            let at = text
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} missing:\n{text}"));
            let chars = text[..at].chars().count();
            buffer[((chars % width) as u16, (chars / width) as u16)].style()
        };
        assert_eq!(style_at("✖ down").fg, theme.health.failed.fg);
        assert_eq!(style_at("▲ degraded").fg, theme.health.degraded.fg);
    }

    #[test]
    fn cluster_text_cannot_reach_the_terminal_raw() {
        let objects = [deployment(
            "x",
            "evil\u{1b}]0;pwned\u{7}name",
            json!({}),
            "acme/app:1",
            1,
            0,
        )];
        let objects: Vec<StackObject> = objects.iter().map(StackObject::from_json).collect();
        let report = assess(&RuleSet::builtin(), &objects, &[], now());
        let terminal = draw(&report, 0, &Theme::default(), 120, 20);
        let text = screen_text(terminal.backend().buffer());
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.contains("evilname"), "{text}");
    }

    #[test]
    fn an_empty_report_says_so() {
        let report = StackReport {
            layers: Vec::new(),
            generated: now(),
        };
        let terminal = draw(&report, 0, &Theme::default(), 80, 24);
        assert!(screen_text(terminal.backend().buffer()).contains("No workloads found yet."));
    }
}
