//! The pods table: kubectl's columns (NAMESPACE only across namespaces, as `kubectl get pods
//! -A`), the status coloured by what it means. Virtualized: only the rows on screen are
//! formatted, so 10k pods cost what 40 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::{AppState, Focus, SyncState, follow};
use crate::cluster::{NamespaceScope, PodInfo};
use crate::ui::Theme;
use crate::ui::format::{age, restarts};
use crate::ui::text::{cell, sanitize, width};
use crate::ui::widgets::sync_badge::badge;

/// Space between columns.
const GAP: u16 = 1;

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let table = &state.pods;
    let focused = state.focus == Focus::Pods;
    let visible = table.visible();
    let scope = match &table.scope {
        NamespaceScope::All => "all namespaces".to_string(),
        NamespaceScope::Only(name) => sanitize(name).into_owned(),
    };
    let cursor = table.selected_index();
    let position = if visible.is_empty() {
        " 0 ".to_string()
    } else {
        format!(" {}/{} ", cursor + 1, visible.len())
    };
    let block = Block::bordered()
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(
            format!(" Pods · {scope} "),
            if focused {
                theme.title_focused
            } else {
                theme.title
            },
        ))
        .title_top(Line::styled(position, theme.muted).right_aligned())
        .title_bottom(badge(&table.sync, state.now, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if visible.is_empty() {
        render_empty(state, theme, frame, inner, &scope);
        return;
    }

    let rows = usize::from(inner.height.saturating_sub(1));
    let offset = follow(table.offset, cursor, rows, visible.len());
    let window = &visible[offset..visible.len().min(offset + rows)];
    let columns = Columns::fit(
        window,
        inner.width,
        table.scope == NamespaceScope::All,
        state,
    );

    let mut header = Vec::with_capacity(6);
    if columns.namespace > 0 {
        header.push("NAMESPACE");
    }
    header.extend(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let header = Row::new(header).style(theme.table_header);

    let body = window.iter().map(|pod| {
        let mut cells = Vec::with_capacity(6);
        if columns.namespace > 0 {
            cells.push(Cell::from(cell(
                &pod.key.namespace,
                columns.namespace.into(),
            )));
        }
        cells.push(Cell::from(cell(&pod.key.name, columns.name.into())));
        cells.push(Cell::from(format!("{}/{}", pod.ready, pod.total)));
        cells.push(Cell::from(Span::styled(
            cell(&pod.status, columns.status.into()),
            theme.status.for_health(pod.health),
        )));
        cells.push(Cell::from(restarts(
            pod.restarts,
            pod.last_restart,
            state.now,
            columns.restarts_with_when,
        )));
        cells.push(Cell::from(age(pod.created, state.now)));
        Row::new(cells)
    });

    let widths = columns.constraints();
    let highlight = if focused {
        theme.selection
    } else {
        theme.selection_unfocused
    };
    let mut table_state = TableState::default().with_selected(Some(cursor - offset));
    frame.render_stateful_widget(
        Table::new(body, widths)
            .header(header)
            .column_spacing(GAP)
            .style(theme.text)
            .row_highlight_style(highlight),
        inner,
        &mut table_state,
    );
}

fn render_empty(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, scope: &str) {
    let message = match &state.pods.sync {
        SyncState::Listing => Line::styled(format!("Listing pods in {scope}…"), theme.muted),
        SyncState::Live => Line::styled(format!("No pods in {scope}."), theme.muted),
        SyncState::Stale { error, .. } => {
            Line::styled(format!("✗ {}", sanitize(error)), theme.sync_error)
        }
    };
    frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
}

/// Column widths for the rows on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Columns {
    /// 0 hides the column.
    namespace: u16,
    name: u16,
    ready: u16,
    status: u16,
    restarts: u16,
    age: u16,
    /// `3 (5m ago)` when there is room, `3` when not.
    restarts_with_when: bool,
}

impl Columns {
    /// Sizes the short columns to their content on screen (within bounds) and gives NAME the
    /// rest, shrinking NAMESPACE and dropping the restart times first when space is short.
    fn fit(window: &[PodInfo], total: u16, with_namespace: bool, state: &AppState) -> Columns {
        let widest = |f: &dyn Fn(&PodInfo) -> usize, header: &str| {
            window
                .iter()
                .map(f)
                .max()
                .unwrap_or(0)
                .max(header.len())
                .min(u16::MAX.into()) as u16
        };
        let ready = widest(&|p| width(&format!("{}/{}", p.ready, p.total)), "READY");
        let status = widest(&|p| width(&p.status), "STATUS").min(20);
        // At least `4h12m` wide, so the table does not shift as young pods age.
        let age_width = widest(&|p| width(&age(p.created, state.now)), "AGE").max(5);
        let restarts_full = widest(
            &|p| width(&restarts(p.restarts, p.last_restart, state.now, true)),
            "RESTARTS",
        )
        .min(16);
        let mut namespace = if with_namespace {
            widest(&|p| width(&p.key.namespace), "NAMESPACE").min(24)
        } else {
            0
        };
        let gaps = if with_namespace { 5 } else { 4 } * GAP;
        let fixed = |namespace: u16, restarts: u16| {
            namespace + ready + status + restarts + age_width + gaps
        };
        // NAME below this is unreadable for generated pod names (`airflow-worker-7d9f…`).
        const NAME_COMFORT: u16 = 24;
        let mut restarts_width = restarts_full;
        let mut restarts_with_when = true;
        if total.saturating_sub(fixed(namespace, restarts_width)) < NAME_COMFORT {
            restarts_with_when = false;
            restarts_width = "RESTARTS".len() as u16;
        }
        if total.saturating_sub(fixed(namespace, restarts_width)) < NAME_COMFORT && with_namespace {
            namespace = namespace.min(12);
        }
        let name = total
            .saturating_sub(fixed(namespace, restarts_width))
            .max(8);
        Columns {
            namespace,
            name,
            ready,
            status,
            restarts: restarts_width,
            age: age_width,
            restarts_with_when,
        }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let mut widths = Vec::with_capacity(6);
        if self.namespace > 0 {
            widths.push(Constraint::Length(self.namespace));
        }
        widths.extend([
            Constraint::Min(self.name),
            Constraint::Length(self.ready),
            Constraint::Length(self.status),
            Constraint::Length(self.restarts),
            Constraint::Length(self.age),
        ]);
        widths
    }
}
