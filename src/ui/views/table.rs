//! A resource table: kubectl's columns for the kind (NAMESPACE across namespaces, as
//! `kubectl get -A`; the `-o wide` columns when the terminal has room), the status coloured by
//! what it means, filter matches highlighted. Virtualized: only the rows on screen are
//! formatted, so 10k rows cost what 40 do.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::app::filter::Filter;
use crate::app::table::TableView;
use crate::app::{AppState, SyncState, follow};
use crate::cluster::{NamespaceScope, ResourceRow};
use crate::ui::Theme;
use crate::ui::text::{sanitize, truncate, width};
use crate::ui::widgets::sync_badge::badge;

/// Space between columns.
const GAP: u16 = 1;
/// NAME below this is unreadable for generated pod names (`airflow-worker-7d9f…`).
const NAME_COMFORT: u16 = 24;
/// No other column takes more than this; long messages are cut.
const CELL_MAX: usize = 40;
/// NAME's cap: generated names of Jobs' pods run long (`dbt-marts-29928320-4lzgh`).
const NAME_MAX: usize = 63;

/// One column as drawn: where its text comes from and how wide it is.
#[derive(Clone, Debug)]
struct Shown {
    header: String,
    /// `None`: the NAMESPACE column (from the row key).
    cell: Option<usize>,
    width: u16,
    /// What the rows on screen need (the width may be more: widths are kept stable).
    need: u16,
    /// The column the row's health colours.
    status: bool,
}

pub fn render(state: &AppState, table: &TableView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let scope = match &table.target.scope {
        _ if !table.kind.namespaced => "cluster".to_string(),
        NamespaceScope::All => "all".to_string(),
        NamespaceScope::Only(name) => sanitize(name).into_owned(),
    };
    let cursor = table.selected_index();
    let count = if table.is_empty() {
        format!(" {} ", table.total())
    } else if table.len() == table.total() {
        format!(" {}/{} ", cursor + 1, table.len())
    } else {
        format!(" {}/{} of {} ", cursor + 1, table.len(), table.total())
    };
    let mut title = vec![Span::styled(
        format!(" {}({scope}) ", sanitize(&table.title)),
        theme.title_focused,
    )];
    if let Some(filter) = &table.filter {
        title.push(Span::styled(
            format!("/{} ", sanitize(&filter.text)),
            theme.active_filter,
        ));
    }
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::from(title))
        .title_top(Line::styled(count, theme.muted).right_aligned())
        .title_bottom(badge(&table.sync, state.now, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if table.is_empty() {
        render_empty(table, theme, frame, inner, &scope);
        return;
    }

    let rows = usize::from(inner.height.saturating_sub(1));
    let offset = follow(table.offset, cursor, rows, table.len());
    // Format only the window on screen: its cells once, reused for widths and drawing.
    let window: Vec<(&ResourceRow, Vec<Cow<'_, str>>)> = table
        .window(offset, rows)
        .map(|row| {
            (
                row,
                row.cells.iter().map(|c| c.display(state.now)).collect(),
            )
        })
        .collect();
    let columns = fit(table, &window, inner.width);

    let sort = table.sort;
    let header = Row::new(columns.iter().map(|c| {
        let arrow = match (sort, c.cell) {
            (Some(sort), Some(i)) if sort.column == i => {
                if sort.descending {
                    "↓"
                } else {
                    "↑"
                }
            }
            _ => "",
        };
        Cell::from(format!("{}{arrow}", c.header))
    }))
    .style(theme.table_header);

    let status_style = |row: &ResourceRow| theme.status.for_health(row.health);
    let body = window.iter().map(|(row, cells)| {
        Row::new(columns.iter().map(|column| {
            let text: &str = match column.cell {
                None => &row.key.namespace,
                Some(i) => cells.get(i).map_or("", |c| c.as_ref()),
            };
            let style = if column.status {
                status_style(row)
            } else {
                theme.text
            };
            Cell::from(highlighted(
                text,
                usize::from(column.width),
                table.filter.as_ref(),
                style,
                theme.search_match,
            ))
        }))
    });

    let stretch = stretch_column(&columns);
    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if Some(i) == stretch {
                Constraint::Min(c.width)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    let mut table_state = TableState::default().with_selected(Some(cursor - offset));
    frame.render_stateful_widget(
        Table::new(body, widths)
            .header(header)
            .column_spacing(GAP)
            .style(theme.text)
            .row_highlight_style(theme.selection),
        inner,
        &mut table_state,
    );
}

/// A cell's text, sanitized and cut to `max`, with the filter's matches in `matched` style.
fn highlighted(
    text: &str,
    max: usize,
    filter: Option<&Filter>,
    style: Style,
    matched: Style,
) -> Line<'static> {
    let clean = sanitize(text);
    let shown = truncate(&clean, max);
    let ranges = filter.map(|f| f.matches_in(&shown)).unwrap_or_default();
    if ranges.is_empty() {
        return Line::from(Span::styled(shown.into_owned(), style));
    }
    let mut spans = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for range in ranges {
        if range.start > at {
            spans.push(Span::styled(shown[at..range.start].to_string(), style));
        }
        spans.push(Span::styled(shown[range.clone()].to_string(), matched));
        at = range.end;
    }
    if at < shown.len() {
        spans.push(Span::styled(shown[at..].to_string(), style));
    }
    Line::from(spans)
}

fn render_empty(table: &TableView, theme: &Theme, frame: &mut Frame, area: Rect, scope: &str) {
    let what = sanitize(&table.kind.plural).into_owned();
    let message = match &table.sync {
        SyncState::Listing => Line::styled(format!("Listing {what} in {scope}…"), theme.muted),
        SyncState::Live if table.total() > 0 => Line::styled(
            format!(
                "No {what} match the filter ({} hidden); esc clears it.",
                table.total()
            ),
            theme.muted,
        ),
        SyncState::Live => Line::styled(format!("No {what} in {scope}."), theme.muted),
        SyncState::Stale { error, .. } | SyncState::Unavailable(error) => {
            Line::styled(format!("✗ {}", sanitize(error)), theme.sync_error)
        }
    };
    frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
}

/// Chooses the columns and their widths for the rows on screen: content width within bounds,
/// NAME gets the rest; when space is short the wide columns go first, then other columns
/// shrink, NAME last.
fn fit(table: &TableView, window: &[(&ResourceRow, Vec<Cow<'_, str>>)], total: u16) -> Vec<Shown> {
    // Widths come from every row the table has seen (kept by the table as rows change), so
    // they do not jump while scrolling; the rows on screen only widen a column whose text
    // grew since (an age that gained a digit).
    let need = |cell: Option<usize>, header: &str| -> u16 {
        window
            .iter()
            .map(|(row, cells)| match cell {
                None => width(&row.key.namespace),
                Some(i) => cells.get(i).map_or(0, |c| width(c)),
            })
            .max()
            .unwrap_or(0)
            .max(width(header))
            .min(NAME_MAX) as u16
    };
    let measure = |cell: Option<usize>, header: &str| -> u16 {
        let known = match cell {
            None => table.namespace_width(),
            Some(i) => table.widths.get(i).copied().unwrap_or(0),
        };
        let on_screen = window
            .iter()
            .map(|(row, cells)| match cell {
                None => width(&row.key.namespace),
                Some(i) => cells.get(i).map_or(0, |c| width(c)),
            })
            .max()
            .unwrap_or(0);
        // NAME is what the operator reads: it may take more than the other columns.
        let cap = if header == "NAME" { NAME_MAX } else { CELL_MAX };
        usize::from(known)
            .max(on_screen)
            .max(width(header))
            .min(cap) as u16
    };
    let mut columns: Vec<Shown> = Vec::new();
    if table.shows_namespace() {
        columns.push(Shown {
            header: "NAMESPACE".into(),
            cell: None,
            width: measure(None, "NAMESPACE").min(20),
            need: need(None, "NAMESPACE").min(20),
            status: false,
        });
    }
    let status_column = table
        .columns
        .iter()
        .position(|c| c.name == "STATUS")
        .or_else(|| table.columns.iter().position(|c| c.name == "READY"));
    let mut wide = Vec::new();
    for (i, header) in table.columns.iter().enumerate() {
        let shown = Shown {
            header: header.name.clone(),
            cell: Some(i),
            width: measure(Some(i), &header.name),
            need: need(Some(i), &header.name),
            status: Some(i) == status_column,
        };
        if header.wide {
            wide.push(shown);
        } else {
            columns.push(shown);
        }
    }
    let used = |columns: &[Shown]| -> u16 {
        columns.iter().map(|c| c.width).sum::<u16>() + GAP * columns.len().saturating_sub(1) as u16
    };
    let name_at = stretch_column(&columns);
    // `-o wide` columns join only while every column keeps its natural width.
    for column in wide {
        let mut with = columns.clone();
        with.push(column);
        if used(&with) + NAME_COMFORT.saturating_sub(name_width(&with, name_at)) <= total {
            columns = with;
        } else {
            break;
        }
    }
    // Too wide: give way in order of what matters least — room kept for rows not on
    // screen, NAMESPACE (down to 10 cells), NAME (down to a readable 24), the other columns
    // (widest first, down to their header), NAME again; last, drop columns from the right.
    let mut over = used(&columns).saturating_sub(total);
    let shrink = |column: &mut Shown, floor: u16, over: &mut u16| {
        let take = column.width.saturating_sub(floor).min(*over);
        column.width -= take;
        *over -= take;
    };
    // Room kept for rows not on screen goes before the names on screen are cut.
    for column in columns.iter_mut() {
        let floor = column.need;
        shrink(column, floor, &mut over);
    }
    if let Some(namespace) = columns.iter_mut().find(|c| c.cell.is_none()) {
        shrink(namespace, 10, &mut over);
    }
    if let Some(i) = name_at {
        shrink(&mut columns[i], NAME_COMFORT, &mut over);
    }
    while over > 0 {
        let candidate = columns
            .iter_mut()
            .enumerate()
            .filter(|(i, c)| Some(*i) != name_at && c.width > (c.header.len() as u16).max(6))
            .max_by_key(|(_, c)| c.width);
        match candidate {
            Some((_, column)) => shrink(column, column.width - 1, &mut over),
            None => break,
        }
    }
    if let Some(i) = name_at {
        shrink(&mut columns[i], 8, &mut over);
    }
    while used(&columns) > total && columns.len() > 2 {
        columns.pop();
    }
    // Room left: NAME takes it (the table stretches the `Min` column).
    columns
}

/// The column that takes the room left: NAME, else an event's MESSAGE.
fn stretch_column(columns: &[Shown]) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.header == "NAME")
        .or_else(|| columns.iter().position(|c| c.header == "MESSAGE"))
}

fn name_width(columns: &[Shown], name_at: Option<usize>) -> u16 {
    name_at.and_then(|i| columns.get(i)).map_or(0, |c| c.width)
}
