//! Everything the cockpit shows, as plain data: changed only by `update`, read by the UI.
//! Rows are kept sorted so that filtering by namespace is a range and drawing a screenful
//! touches only the rows on screen, whatever the size of the cluster.

use std::ops::Range;

use chrono::{DateTime, Utc};

use super::keymap::Keymap;
use crate::cluster::{NamespaceInfo, NamespaceScope, PodInfo, PodKey};

/// The connection the header shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub cluster_url: String,
}

/// What we know about the API server itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerStatus {
    Connecting,
    /// Answered; its version (`v1.35.0`).
    Reachable(String),
    /// The probe failed (the message says why and what to do).
    Unreachable(String),
}

/// How current a watched collection is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// Waiting for the first complete list.
    Listing,
    Live,
    /// The watch failed at `since` and is being retried; the rows shown are from before.
    Stale {
        error: String,
        since: DateTime<Utc>,
    },
}

impl SyncState {
    fn failed(&mut self, error: String, now: DateTime<Utc>) {
        let since = match self {
            SyncState::Stale { since, .. } => *since,
            _ => now,
        };
        *self = SyncState::Stale { error, since };
    }
}

/// Which pane receives movement keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Namespaces,
    Pods,
}

/// How many rows each list can show, from the terminal size (the UI computes it from its
/// layout; `update` uses it for paging and scrolling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewport {
    pub namespace_rows: usize,
    pub pod_rows: usize,
}

/// A cursor movement, in rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    Up(usize),
    Down(usize),
    Top,
    Bottom,
}

impl Motion {
    fn apply(self, index: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            Motion::Up(n) => index.saturating_sub(n),
            Motion::Down(n) => index.saturating_add(n).min(last),
            Motion::Top => 0,
            Motion::Bottom => last,
        }
    }
}

/// The first row to show so that `selected` is on screen, moving the window as little as
/// possible (no jump when the cursor moves within the screen).
pub(crate) fn follow(offset: usize, selected: usize, rows: usize, len: usize) -> usize {
    let rows = rows.max(1);
    let offset = if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    };
    // Never leave blank rows at the bottom while there are rows above to show.
    offset.min(len.saturating_sub(rows))
}

/// The namespaces pane: an "all namespaces" row, then every namespace by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceList {
    items: Vec<NamespaceInfo>,
    /// The cursor by identity (`None` is the "all" row) so that it stays on the same
    /// namespace when others appear or vanish.
    pub cursor: Option<String>,
    pub offset: usize,
    pub sync: SyncState,
}

impl NamespaceList {
    fn new() -> Self {
        NamespaceList {
            items: Vec::new(),
            cursor: None,
            offset: 0,
            sync: SyncState::Listing,
        }
    }

    pub fn items(&self) -> &[NamespaceInfo] {
        &self.items
    }

    /// Rows including the "all" row.
    pub fn len(&self) -> usize {
        self.items.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Cursor position counting the "all" row as 0. A cursor on a namespace that vanished
    /// sits where it was.
    pub fn cursor_index(&self) -> usize {
        match &self.cursor {
            None => 0,
            Some(name) => match self.position(name) {
                Ok(index) | Err(index) => (index + 1).min(self.items.len()),
            },
        }
    }

    /// The scope the cursor row stands for.
    pub fn cursor_scope(&self) -> NamespaceScope {
        match &self.cursor {
            None => NamespaceScope::All,
            Some(name) => NamespaceScope::Only(name.clone()),
        }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.items.binary_search_by(|ns| ns.name.as_str().cmp(name))
    }

    fn set_cursor_index(&mut self, index: usize) {
        self.cursor = match index {
            0 => None,
            n => self.items.get(n - 1).map(|ns| ns.name.clone()),
        };
    }

    fn move_cursor(&mut self, motion: Motion) {
        let index = motion.apply(self.cursor_index(), self.len());
        self.set_cursor_index(index);
    }

    fn scroll(&mut self, rows: usize) {
        self.offset = follow(self.offset, self.cursor_index(), rows, self.len());
    }

    fn replace_all(&mut self, mut items: Vec<NamespaceInfo>) {
        items.sort_by(|a, b| a.name.cmp(&b.name));
        items.dedup_by(|a, b| a.name == b.name);
        let previous = self.cursor_index();
        self.items = items;
        self.keep_cursor_near(previous);
    }

    fn apply(&mut self, namespace: NamespaceInfo) {
        match self.position(&namespace.name) {
            Ok(index) => self.items[index] = namespace,
            Err(index) => self.items.insert(index, namespace),
        }
    }

    fn remove(&mut self, name: &str) {
        let previous = self.cursor_index();
        if let Ok(index) = self.position(name) {
            self.items.remove(index);
            self.keep_cursor_near(previous);
        }
    }

    /// After rows vanished, a cursor on a missing namespace moves to the row now at its place.
    fn keep_cursor_near(&mut self, previous: usize) {
        if let Some(name) = &self.cursor
            && self.position(name).is_err()
        {
            self.set_cursor_index(previous.min(self.items.len()));
        }
    }
}

/// The pods table: every watched pod, sorted by namespace then name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTable {
    rows: Vec<PodInfo>,
    /// Which namespaces are shown, and watched.
    pub scope: NamespaceScope,
    /// Identifies the current pods watch; changes from an older watch are ignored, so a
    /// slow stream for the previous namespace cannot overwrite the new one.
    pub generation: u64,
    /// The cursor by identity, so it stays on its pod while others come and go. `None` is
    /// the first row.
    pub selected: Option<PodKey>,
    pub offset: usize,
    pub sync: SyncState,
}

impl PodTable {
    fn new(scope: NamespaceScope) -> Self {
        PodTable {
            rows: Vec::new(),
            scope,
            generation: 0,
            selected: None,
            offset: 0,
            sync: SyncState::Listing,
        }
    }

    /// Rows in scope, in display order. Borrowed, never copied: the UI formats a window of it.
    pub fn visible(&self) -> &[PodInfo] {
        &self.rows[self.visible_range()]
    }

    fn visible_range(&self) -> Range<usize> {
        match &self.scope {
            NamespaceScope::All => 0..self.rows.len(),
            NamespaceScope::Only(namespace) => {
                let ns = namespace.as_str();
                let start = self.rows.partition_point(|p| p.key.namespace.as_str() < ns);
                let end = self
                    .rows
                    .partition_point(|p| p.key.namespace.as_str() <= ns);
                start..end
            }
        }
    }

    /// The cursor's index in `visible()`. A selected pod that vanished leaves the cursor at
    /// its place.
    pub fn selected_index(&self) -> usize {
        let visible = self.visible();
        match &self.selected {
            None => 0,
            Some(key) => match visible.binary_search_by(|p| p.key.cmp(key)) {
                Ok(index) | Err(index) => index.min(visible.len().saturating_sub(1)),
            },
        }
    }

    pub fn selected_pod(&self) -> Option<&PodInfo> {
        self.visible().get(self.selected_index())
    }

    fn select_index(&mut self, index: usize) {
        self.selected = self.visible().get(index).map(|p| p.key.clone());
    }

    fn move_cursor(&mut self, motion: Motion) {
        let index = motion.apply(self.selected_index(), self.visible().len());
        self.select_index(index);
    }

    fn scroll(&mut self, rows: usize) {
        self.offset = follow(
            self.offset,
            self.selected_index(),
            rows,
            self.visible().len(),
        );
    }

    fn position(&self, key: &PodKey) -> Result<usize, usize> {
        self.rows.binary_search_by(|p| p.key.cmp(key))
    }

    fn replace_all(&mut self, mut rows: Vec<PodInfo>) {
        // Sorting 10k rows once per relist is cheaper than keeping a tree for every change.
        rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        rows.dedup_by(|a, b| a.key == b.key);
        let previous = self.selected_index();
        self.rows = rows;
        self.keep_cursor_near(previous);
    }

    fn apply(&mut self, pod: PodInfo) {
        match self.position(&pod.key) {
            Ok(index) => self.rows[index] = pod,
            Err(index) => self.rows.insert(index, pod),
        }
    }

    fn remove(&mut self, key: &PodKey) {
        let previous = self.selected_index();
        if let Ok(index) = self.position(key) {
            self.rows.remove(index);
            self.keep_cursor_near(previous);
        }
    }

    fn keep_cursor_near(&mut self, previous: usize) {
        if let Some(key) = &self.selected
            && self.position(key).is_err()
        {
            let last = self.visible().len().saturating_sub(1);
            self.select_index(previous.min(last));
        }
    }

    /// Narrows or widens what is shown; rows outside the new scope are dropped now, the
    /// new watch's list fills in the rest.
    fn rescope(&mut self, scope: NamespaceScope) {
        self.rows.retain(|p| scope.contains(&p.key.namespace));
        self.scope = scope;
        self.generation += 1;
        self.selected = None;
        self.offset = 0;
        self.sync = SyncState::Listing;
    }
}

/// The whole cockpit state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub context: ContextInfo,
    pub server: ServerStatus,
    pub namespaces: NamespaceList,
    pub pods: PodTable,
    pub focus: Focus,
    pub viewport: Viewport,
    /// The clock for relative ages, advanced by ticks so that rendering stays pure.
    pub now: DateTime<Utc>,
    pub keymap: Keymap,
    /// Bumped whenever something visible changed; the runtime draws only when it moves.
    pub revision: u64,
}

impl AppState {
    pub fn new(
        context: ContextInfo,
        scope: NamespaceScope,
        keymap: Keymap,
        now: DateTime<Utc>,
    ) -> AppState {
        let mut namespaces = NamespaceList::new();
        if let NamespaceScope::Only(name) = &scope {
            namespaces.cursor = Some(name.clone());
        }
        AppState {
            context,
            server: ServerStatus::Connecting,
            namespaces,
            pods: PodTable::new(scope),
            focus: Focus::Pods,
            viewport: Viewport::default(),
            now,
            keymap,
            revision: 0,
        }
    }

    pub(crate) fn changed(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    pub(crate) fn scroll_to_cursors(&mut self) {
        self.namespaces.scroll(self.viewport.namespace_rows);
        self.pods.scroll(self.viewport.pod_rows);
    }

    pub(crate) fn move_cursor(&mut self, motion: Motion) {
        match self.focus {
            Focus::Namespaces => self.namespaces.move_cursor(motion),
            Focus::Pods => self.pods.move_cursor(motion),
        }
    }

    /// Rows per page in the focused pane.
    pub(crate) fn page(&self) -> usize {
        match self.focus {
            Focus::Namespaces => self.viewport.namespace_rows,
            Focus::Pods => self.viewport.pod_rows,
        }
        .max(1)
    }

    /// Shows `scope`; true when the pods watch must be restarted for it.
    pub(crate) fn show_scope(&mut self, scope: NamespaceScope) -> bool {
        self.namespaces.cursor = match &scope {
            NamespaceScope::All => None,
            NamespaceScope::Only(name) => Some(name.clone()),
        };
        if self.pods.scope == scope {
            return false;
        }
        self.pods.rescope(scope);
        true
    }

    pub(crate) fn namespaces_resynced(&mut self, items: Vec<NamespaceInfo>) {
        self.namespaces.replace_all(items);
        self.namespaces.sync = SyncState::Live;
    }

    pub(crate) fn namespace_applied(&mut self, namespace: NamespaceInfo) {
        self.namespaces.apply(namespace);
        self.namespaces.sync = SyncState::Live;
    }

    pub(crate) fn namespace_deleted(&mut self, name: &str) {
        self.namespaces.remove(name);
        self.namespaces.sync = SyncState::Live;
    }

    pub(crate) fn namespaces_failed(&mut self, error: String) {
        let now = self.now;
        self.namespaces.sync.failed(error, now);
    }

    pub(crate) fn pods_resynced(&mut self, rows: Vec<PodInfo>) {
        self.pods.replace_all(rows);
        self.pods.sync = SyncState::Live;
    }

    pub(crate) fn pod_applied(&mut self, pod: PodInfo) {
        self.pods.apply(pod);
        self.pods.sync = SyncState::Live;
    }

    pub(crate) fn pod_deleted(&mut self, key: &PodKey) {
        self.pods.remove(key);
        self.pods.sync = SyncState::Live;
    }

    pub(crate) fn pods_failed(&mut self, error: String) {
        let now = self.now;
        self.pods.sync.failed(error, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_moves_the_window_only_when_the_cursor_leaves_it() {
        assert_eq!(follow(0, 3, 10, 100), 0);
        assert_eq!(follow(0, 10, 10, 100), 1);
        assert_eq!(follow(5, 2, 10, 100), 2);
        assert_eq!(follow(50, 55, 10, 100), 50);
        // The list shrank under the window: show a full screen again.
        assert_eq!(follow(95, 97, 10, 98), 88);
        assert_eq!(follow(3, 0, 10, 2), 0);
    }

    #[test]
    fn motions_stay_in_bounds() {
        assert_eq!(Motion::Up(5).apply(2, 10), 0);
        assert_eq!(Motion::Down(5).apply(8, 10), 9);
        assert_eq!(Motion::Bottom.apply(0, 10), 9);
        assert_eq!(Motion::Bottom.apply(0, 0), 0);
        assert_eq!(Motion::Down(1).apply(0, 0), 0);
    }
}
