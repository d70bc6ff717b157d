//! One resource table: the rows of a watched kind kept in key order, and the view of them the
//! operator sees — filtered, sorted and scrolled. The view is an index over the rows kept up
//! to date change by change (a binary search and a shift, never a full re-sort), so a 10k-row
//! table stays smooth while pods churn; only sort or filter changes rebuild it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::filter::Filter;
use super::state::{Motion, SyncState, follow};
use crate::cluster::{
    CacheEvent, ColumnHeader, NamespaceScope, ResourceKind, ResourceRow, RowKey, WatchTarget,
};

/// The column and direction rows are sorted by; none means namespace, then name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// An index into the row's cells.
    pub column: usize,
    pub descending: bool,
}

/// A table of one kind.
#[derive(Clone, Debug)]
pub struct TableView {
    pub kind: ResourceKind,
    pub target: WatchTarget,
    /// Keep only rows owned by this UID (a CronJob's Jobs).
    pub owner_uid: Option<String>,
    /// What the breadcrumb says (`pods`, `pods · airflow-web`).
    pub title: String,
    pub columns: Vec<ColumnHeader>,
    /// Every row, by key (shared with the cache: a pointer each).
    rows: Vec<Arc<ResourceRow>>,
    /// Indices into `rows` of the rows shown, in display order.
    order: Vec<usize>,
    pub sort: Option<Sort>,
    pub filter: Option<Filter>,
    /// The cursor by identity, so it stays on its row while others come and go.
    pub selected: Option<RowKey>,
    pub offset: usize,
    pub sync: SyncState,
    /// Identifies this view's watch; changes from older watches are ignored.
    pub generation: u64,
    /// The widest text seen in each column since the last relist (NAMESPACE last), so
    /// columns keep their place while rows scroll or change: no jumping table, and one
    /// pod's change redraws only its cells.
    pub widths: Vec<u16>,
    /// When the widths were measured (ages are measured at that time).
    measured_at: Option<DateTime<Utc>>,
}

impl TableView {
    pub fn new(kind: ResourceKind, target: WatchTarget, title: String, generation: u64) -> Self {
        let columns = crate::cluster::resource::Projector::for_kind(&kind).headers();
        TableView {
            kind,
            target,
            owner_uid: None,
            title,
            columns,
            rows: Vec::new(),
            order: Vec::new(),
            sort: None,
            filter: None,
            selected: None,
            offset: 0,
            sync: SyncState::Listing,
            generation,
            widths: Vec::new(),
            measured_at: None,
        }
    }

    /// Widest cell text per column (then NAMESPACE), capped: long messages do not make
    /// every row wide.
    fn measure(&mut self, index: usize, now: DateTime<Utc>) {
        const CAP: u16 = 64;
        let row = &self.rows[index];
        let columns = row.cells.len();
        if self.widths.len() < columns + 1 {
            self.widths.resize(columns + 1, 0);
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let width = ratatui::text::Span::raw(cell.display(now))
                .width()
                .min(usize::from(CAP)) as u16;
            self.widths[i] = self.widths[i].max(width);
        }
        let namespace = ratatui::text::Span::raw(row.key.namespace.as_str())
            .width()
            .min(usize::from(CAP)) as u16;
        self.widths[columns] = self.widths[columns].max(namespace);
        self.measured_at = Some(now);
    }

    /// The NAMESPACE column's width (the last entry of `widths`).
    pub fn namespace_width(&self) -> u16 {
        self.widths.last().copied().unwrap_or(0)
    }

    /// Whether the NAMESPACE column is shown (a namespaced kind across namespaces).
    pub fn shows_namespace(&self) -> bool {
        self.kind.namespaced && self.target.scope == NamespaceScope::All
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every row watched, shown or not.
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The shown row at display position `index`.
    pub fn row(&self, index: usize) -> Option<&ResourceRow> {
        self.order.get(index).map(|&i| &*self.rows[i])
    }

    /// The shown rows from `start`, at most `count`: what one screen formats.
    pub fn window(&self, start: usize, count: usize) -> impl Iterator<Item = &ResourceRow> {
        let end = self.order.len().min(start.saturating_add(count));
        self.order[start.min(end)..end]
            .iter()
            .map(|&i| &*self.rows[i])
    }

    pub fn selected_index(&self) -> usize {
        let Some(key) = &self.selected else { return 0 };
        self.order
            .iter()
            .position(|&i| &self.rows[i].key == key)
            .unwrap_or(0)
    }

    pub fn selected_row(&self) -> Option<&ResourceRow> {
        self.row(self.selected_index())
    }

    fn select_index(&mut self, index: usize) {
        self.selected = self.row(index).map(|row| row.key.clone());
    }

    pub(crate) fn move_cursor(&mut self, motion: Motion, rows: usize) {
        let index = motion.apply(self.selected_index(), self.len());
        self.select_index(index);
        self.scroll(rows);
    }

    pub(crate) fn scroll(&mut self, rows: usize) {
        self.offset = follow(self.offset, self.selected_index(), rows, self.len());
    }

    fn keeps(&self, row: &ResourceRow) -> bool {
        if let Some(owner) = &self.owner_uid
            && !row.owner_uids.iter().any(|uid| uid == owner)
        {
            return false;
        }
        match &self.filter {
            None => true,
            Some(filter) => {
                let words = std::iter::once(row.key.namespace.as_str())
                    .chain(std::iter::once(row.key.name.as_str()))
                    .chain(row.cells.iter().filter_map(|cell| match cell {
                        crate::printers::Cell::Text(text) => Some(text.as_str()),
                        _ => None,
                    }));
                filter.keeps(words, |key| row.label(key))
            }
        }
    }

    /// Display order of two rows: the sort column, then key order so ties stay stable.
    fn before(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let by_key = a.cmp(&b);
        let Some(sort) = self.sort else {
            return by_key;
        };
        let (ra, rb) = (&self.rows[a], &self.rows[b]);
        let ordering = match (ra.cells.get(sort.column), rb.cells.get(sort.column)) {
            (Some(x), Some(y)) => x.compare(y),
            _ => std::cmp::Ordering::Equal,
        };
        let ordering = if sort.descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then(by_key)
    }

    /// Recomputes the shown rows from scratch (after a relist, a sort or a filter change).
    pub(crate) fn rebuild(&mut self) {
        let mut order: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.keeps(&self.rows[i]))
            .collect();
        if self.sort.is_some() {
            order.sort_by(|&a, &b| self.before(a, b));
        }
        self.order = order;
    }

    /// Shows the row at `index` if the filter keeps it; where it went.
    fn show(&mut self, index: usize) -> Option<usize> {
        if !self.keeps(&self.rows[index]) {
            return None;
        }
        let at = self
            .order
            .partition_point(|&i| self.before(i, index).is_lt());
        self.order.insert(at, index);
        Some(at)
    }

    /// Hides the row at `index`; where it was.
    fn hide(&mut self, index: usize) -> Option<usize> {
        let at = self.order.iter().position(|&i| i == index)?;
        self.order.remove(at);
        Some(at)
    }

    /// Applies one event of the subscription; whether the screen may show it (a change to a
    /// row outside the window, that moves no column and no count, does not need a frame).
    pub(crate) fn apply(&mut self, event: CacheEvent, now: DateTime<Utc>, rows: usize) -> bool {
        let previous = self.selected_index();
        let (len, total, offset, widths) =
            (self.len(), self.total(), self.offset, self.widths.clone());
        let mut moved: [Option<usize>; 2] = [None, None];
        let mut reset = false;
        match event {
            CacheEvent::Columns(columns) => {
                self.set_columns(columns);
                return true;
            }
            CacheEvent::Status(status) => {
                let sync = SyncState::of(&status);
                let changed = sync != self.sync;
                self.sync = sync;
                return changed;
            }
            CacheEvent::Reset(mut all) => {
                reset = true;
                // One sort per relist is cheaper than keeping a tree for every change.
                all.sort_unstable_by(|a, b| a.key.cmp(&b.key));
                all.dedup_by(|a, b| a.key == b.key);
                self.rows = all;
                self.widths.clear();
                for index in 0..self.rows.len() {
                    self.measure(index, now);
                }
                self.rebuild();
                // Rows arrived; the status that follows says how current they are.
                if self.sync == SyncState::Listing {
                    self.sync = SyncState::Live;
                }
            }
            CacheEvent::Applied(row) => match self.rows.binary_search_by(|r| r.key.cmp(&row.key)) {
                Ok(index) => {
                    moved[0] = self.hide(index);
                    self.rows[index] = row;
                    self.measure(index, now);
                    moved[1] = self.show(index);
                }
                Err(index) => {
                    for i in &mut self.order {
                        if *i >= index {
                            *i += 1;
                        }
                    }
                    self.rows.insert(index, row);
                    self.measure(index, now);
                    self.show(index);
                }
            },
            CacheEvent::Deleted(row) => {
                if let Ok(index) = self.rows.binary_search_by(|r| r.key.cmp(&row.key)) {
                    self.hide(index);
                    self.rows.remove(index);
                    for i in &mut self.order {
                        if *i > index {
                            *i -= 1;
                        }
                    }
                }
            }
        }
        self.keep_cursor_near(previous);
        self.scroll(rows);
        let window = offset..offset + rows.max(1);
        reset
            || self.len() != len
            || self.total() != total
            || self.offset != offset
            || self.widths != widths
            || moved.iter().flatten().any(|at| window.contains(at))
    }

    /// A cursor on a row that is no longer shown moves to the row now at its place.
    fn keep_cursor_near(&mut self, previous: usize) {
        let shown = match &self.selected {
            None => return,
            Some(key) => self.order.iter().any(|&i| &self.rows[i].key == key),
        };
        if !shown {
            self.select_index(previous.min(self.len().saturating_sub(1)));
        }
    }

    pub(crate) fn set_filter(&mut self, filter: Option<Filter>, rows: usize) {
        self.filter = filter;
        self.rebuild();
        self.keep_cursor_near(0);
        self.scroll(rows);
    }

    /// The next sortable column (the `-o wide` ones are not shown, so not offered), then back
    /// to the natural order.
    pub(crate) fn sort_next(&mut self, rows: usize) {
        let shown: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.wide)
            .map(|(i, _)| i)
            .collect();
        self.sort = match self.sort {
            None => shown.first().map(|&column| Sort {
                column,
                descending: false,
            }),
            Some(sort) => shown
                .iter()
                .find(|&&c| c > sort.column)
                .map(|&column| Sort {
                    column,
                    descending: false,
                }),
        };
        self.rebuild();
        self.scroll(rows);
    }

    pub(crate) fn sort_reverse(&mut self, rows: usize) {
        self.sort = Some(match self.sort {
            None => Sort {
                column: 0,
                descending: true,
            },
            Some(sort) => Sort {
                descending: !sort.descending,
                ..sort
            },
        });
        self.rebuild();
        self.scroll(rows);
    }

    pub(crate) fn set_columns(&mut self, columns: Vec<ColumnHeader>) {
        if let Some(sort) = self.sort
            && sort.column >= columns.len()
        {
            self.sort = None;
        }
        self.columns = columns;
    }

    /// A new watch for this view (back from another view, or a reconnect): the rows stay as
    /// they were until the new list replaces them.
    pub(crate) fn rewatch(&mut self, generation: u64) {
        self.generation = generation;
        self.sync = SyncState::Listing;
    }

    /// Drops the rows outside the target's (new) namespace scope.
    pub(crate) fn keep_scope(&mut self, now: DateTime<Utc>, rows: usize) {
        let kept: Vec<Arc<ResourceRow>> = self
            .rows
            .iter()
            .filter(|row| self.target.scope.contains(&row.key.namespace))
            .cloned()
            .collect();
        self.apply(CacheEvent::Reset(kept), now, rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Catalog, WatchStatus};
    use crate::printers::Cell;
    use crate::printers::RowHealth;

    fn view() -> TableView {
        let kind = Catalog::builtin().resolve("pods").unwrap().clone();
        let target = WatchTarget::of(kind.clone(), NamespaceScope::All);
        TableView::new(kind, target, "pods".into(), 1)
    }

    fn reset(rows: Vec<Arc<ResourceRow>>) -> CacheEvent {
        CacheEvent::Reset(rows)
    }

    fn row(ns: &str, name: &str, restarts: i64) -> Arc<ResourceRow> {
        Arc::new(ResourceRow::bare(
            RowKey::new(ns, name),
            vec![
                Cell::Text(name.into()),
                Cell::Text("1/1".into()),
                Cell::Text("Running".into()),
                Cell::Restarts {
                    count: restarts,
                    last: None,
                },
                Cell::Age(None),
            ],
            RowHealth::Running,
        ))
    }

    fn names(view: &TableView) -> Vec<String> {
        view.window(0, usize::MAX)
            .map(|r| r.key.name.to_string())
            .collect()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_000_000, 0).unwrap()
    }

    #[test]
    fn sorted_and_filtered_views_stay_right_through_changes() {
        let mut view = view();
        view.apply(
            reset(vec![
                row("a", "web-2", 5),
                row("a", "web-1", 0),
                row("b", "db", 2),
            ]),
            now(),
            10,
        );
        assert_eq!(names(&view), ["web-1", "web-2", "db"]);
        view.sort = Some(Sort {
            column: 3,
            descending: true,
        });
        view.rebuild();
        assert_eq!(names(&view), ["web-2", "db", "web-1"]);
        view.apply(CacheEvent::Applied(row("a", "api", 3)), now(), 10);
        assert_eq!(names(&view), ["web-2", "api", "db", "web-1"]);
        view.apply(CacheEvent::Applied(row("a", "web-1", 9)), now(), 10);
        assert_eq!(names(&view), ["web-1", "web-2", "api", "db"]);
        view.set_filter(Filter::parse("web").unwrap(), 10);
        assert_eq!(names(&view), ["web-1", "web-2"]);
        view.apply(CacheEvent::Applied(row("c", "web-0", 4)), now(), 10);
        view.apply(CacheEvent::Deleted(row("a", "web-2", 0)), now(), 10);
        assert_eq!(names(&view), ["web-1", "web-0"]);
        view.apply(CacheEvent::Applied(row("0", "zzz", 100)), now(), 10);
        assert_eq!(names(&view), ["web-1", "web-0"], "filtered out");
        assert_eq!(view.total(), 5);
    }

    #[test]
    fn sort_cycles_through_shown_columns_then_back_to_name_order() {
        let mut view = view();
        let shown = view.columns.iter().filter(|c| !c.wide).count();
        for column in 0..shown {
            view.sort_next(10);
            assert_eq!(
                view.sort,
                Some(Sort {
                    column,
                    descending: false
                })
            );
        }
        view.sort_next(10);
        assert_eq!(view.sort, None);
        view.sort_reverse(10);
        assert_eq!(
            view.sort,
            Some(Sort {
                column: 0,
                descending: true
            })
        );
    }

    #[test]
    fn the_cursor_follows_its_row_and_survives_its_deletion() {
        let mut view = view();
        view.apply(
            reset(vec![row("a", "1", 0), row("a", "2", 0), row("a", "3", 0)]),
            now(),
            2,
        );
        view.move_cursor(Motion::Bottom, 2);
        assert_eq!(view.selected_row().unwrap().key.name, "3");
        assert_eq!(view.offset, 1);
        view.apply(CacheEvent::Applied(row("a", "0", 0)), now(), 2);
        assert_eq!(view.selected_row().unwrap().key.name, "3");
        view.apply(CacheEvent::Deleted(row("a", "3", 0)), now(), 2);
        assert_eq!(view.selected_row().unwrap().key.name, "2");
    }

    #[test]
    fn ten_thousand_rows_take_changes_without_rebuilding() {
        let mut view = view();
        let rows = (0..10_000)
            .map(|i| row(&format!("ns{:02}", i % 50), &format!("pod-{i:05}"), i % 7))
            .collect();
        view.apply(reset(rows), now(), 40);
        view.sort_next(40);
        view.sort_next(40);
        view.sort_next(40);
        view.sort_next(40); // RESTARTS
        for i in 0..200 {
            let ns = format!("ns{:02}", i % 50);
            view.apply(
                CacheEvent::Applied(row(&ns, &format!("pod-{i:05}"), 50 + i)),
                now(),
                40,
            );
        }
        assert_eq!(view.len(), 10_000);
        assert_eq!(view.row(9_999).unwrap().key.name, "pod-00199");
        assert_eq!(view.sort.map(|s| s.column), Some(3));
    }

    #[test]
    fn only_changes_on_screen_ask_for_a_frame() {
        let mut view = view();
        let rows: Vec<Arc<ResourceRow>> = (0..100)
            .map(|i| row("a", &format!("pod-{i:03}"), 0))
            .collect();
        assert!(view.apply(reset(rows), now(), 10), "a relist is shown");
        // Rows 0..10 are on screen.
        assert!(view.apply(CacheEvent::Applied(row("a", "pod-003", 1)), now(), 10));
        assert!(!view.apply(CacheEvent::Applied(row("a", "pod-050", 1)), now(), 10));
        // A new row changes the counts, wherever it lands.
        assert!(view.apply(CacheEvent::Applied(row("a", "pod-500", 0)), now(), 10));
        assert!(view.apply(CacheEvent::Deleted(row("a", "pod-500", 0)), now(), 10));
        // A restart count wider than any before moves the columns: shown.
        assert!(view.apply(CacheEvent::Applied(row("a", "pod-060", 123_456)), now(), 10));
        assert!(
            !view.apply(CacheEvent::Status(WatchStatus::Live), now(), 10),
            "already live"
        );
    }
}
