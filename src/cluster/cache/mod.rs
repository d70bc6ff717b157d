//! THE cluster cache: one watch per (kind, scope, selectors), shared by every view that needs
//! it — the layers, resource tables, component views, runs. A watch starts with its first
//! subscriber and stops with its last. A subscriber whose scope or label selector a running,
//! wider watch covers (the pods of one namespace, or of one Deployment, while every pod is
//! watched for the layers) is served from it: no second list, no second copy.
//!
//! Each object is projected once per change into a compact [`ResourceRow`] (kubectl's cells,
//! labels, owners, and for the kinds the layers classify, the stack's facts), shared through
//! an `Arc` by every subscriber; the object itself is dropped. Subscribers receive a
//! [`CacheEvent`] stream: the current contents first, then changes. A subscriber that falls
//! behind is never waited for — the watch would stall every other view — it is marked lagging
//! and, once it has room again, gets the whole current contents in one [`CacheEvent::Reset`].

mod watcher;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use kube::Client;
use strata_common::selector::LabelSelector;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::resource::{ColumnHeader, ResourceRow, RowKey};
use super::{NamespaceScope, WatchTarget};

/// Room for changes a subscriber has not read yet; beyond it the subscriber lags.
const SUBSCRIBER_CAPACITY: usize = 4096;

/// How current a watch's contents are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchStatus {
    /// The first list is on its way.
    Listing,
    /// Listed and watching.
    Live,
    /// The watch failed at `since` and is being retried; the contents are from before.
    Stale { since: DateTime<Utc>, error: String },
    /// The first list failed at `since` (nothing was ever read); retrying.
    Failed { since: DateTime<Utc>, error: String },
    /// RBAC does not allow it: nothing is shown, and that is not staleness.
    Forbidden(String),
    /// The kind is not served (a custom resource whose CRD is not installed).
    Absent,
}

impl WatchStatus {
    /// Whether the contents can be trusted as the cluster's current state (or there is
    /// nothing to wait for).
    pub fn is_settled(&self) -> bool {
        !matches!(self, WatchStatus::Listing)
    }
}

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq)]
pub enum CacheEvent {
    /// The table columns of the kind (first, and again when a custom resource's printer
    /// columns become known).
    Columns(Vec<ColumnHeader>),
    /// Everything the subscription covers, replacing what it had: after the first list, a
    /// relist, or lagging.
    Reset(Vec<Arc<ResourceRow>>),
    Applied(Arc<ResourceRow>),
    /// The last known state of an object that is gone.
    Deleted(Arc<ResourceRow>),
    Status(WatchStatus),
}

/// One subscriber of a watch, with what it wants of it.
struct Subscriber {
    id: u64,
    want: Want,
    sender: mpsc::Sender<CacheEvent>,
    /// Changes were dropped because it was full: it owes a Reset.
    lagging: bool,
}

/// The part of a wider watch a subscriber wants (client-side filters).
#[derive(Clone, Debug, Default)]
struct Want {
    namespace: Option<String>,
    labels: Option<LabelSelector>,
}

impl Want {
    fn keeps(&self, row: &ResourceRow) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| row.key.namespace == ns)
            && self
                .labels
                .as_ref()
                .is_none_or(|s| s.matches_with(|k| row.label(k)))
    }

    fn everything(&self) -> bool {
        self.namespace.is_none() && self.labels.is_none()
    }
}

/// One running watch and what it holds.
pub(crate) struct Watch {
    target: WatchTarget,
    state: Mutex<WatchState>,
    task: Mutex<Option<AbortHandle>>,
}

#[derive(Default)]
struct WatchState {
    entries: HashMap<RowKey, Arc<ResourceRow>>,
    columns: Vec<ColumnHeader>,
    status: Option<WatchStatus>,
    subscribers: Vec<Subscriber>,
}

impl Watch {
    fn lock(&self) -> MutexGuard<'_, WatchState> {
        // A poisoned lock means a panic while updating plain data; keep serving it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn target(&self) -> &WatchTarget {
        &self.target
    }

    /// New columns for every subscriber.
    pub(crate) fn columns(&self, columns: Vec<ColumnHeader>) {
        let mut state = self.lock();
        state.columns = columns.clone();
        state.broadcast(|_| Some(CacheEvent::Columns(columns.clone())));
    }

    /// The complete contents after a (re)list.
    pub(crate) fn reset(&self, entries: HashMap<RowKey, Arc<ResourceRow>>) {
        let mut state = self.lock();
        state.entries = entries;
        let status = WatchStatus::Live;
        state.status = Some(status.clone());
        let entries = &state.entries;
        let resets: Vec<Option<CacheEvent>> = state
            .subscribers
            .iter()
            .map(|s| Some(CacheEvent::Reset(contents(entries, &s.want))))
            .collect();
        let mut resets = resets.into_iter();
        state.broadcast(|_| resets.next().flatten());
        state.broadcast(|_| Some(CacheEvent::Status(status.clone())));
    }

    pub(crate) fn applied(&self, row: Arc<ResourceRow>) {
        let mut state = self.lock();
        let previous = state.entries.insert(row.key.clone(), row.clone());
        state.broadcast(|want| {
            if want.keeps(&row) {
                Some(CacheEvent::Applied(row.clone()))
            } else {
                // A relabelled object that left a subscriber's selection is gone for it.
                previous
                    .as_ref()
                    .filter(|p| want.keeps(p))
                    .map(|p| CacheEvent::Deleted(p.clone()))
            }
        });
    }

    pub(crate) fn deleted(&self, key: &RowKey) {
        let mut state = self.lock();
        if let Some(row) = state.entries.remove(key) {
            state.broadcast(|want| want.keeps(&row).then(|| CacheEvent::Deleted(row.clone())));
        }
    }

    /// A new status; unchanged ones are not repeated.
    pub(crate) fn status(&self, status: WatchStatus) {
        let mut state = self.lock();
        if state.status.as_ref() == Some(&status) {
            return;
        }
        state.status = Some(status.clone());
        state.broadcast(|_| Some(CacheEvent::Status(status.clone())));
    }

    pub(crate) fn current_status(&self) -> Option<WatchStatus> {
        self.lock().status.clone()
    }

    /// Gives lagging subscribers that have room again their Reset; whether any still lag.
    pub(crate) fn catch_up(&self) -> bool {
        let mut state = self.lock();
        let WatchState {
            entries,
            subscribers,
            status,
            ..
        } = &mut *state;
        let mut still = false;
        for s in subscribers.iter_mut().filter(|s| s.lagging) {
            // A Reset and the status after it.
            if s.sender.capacity() >= 2 {
                let _ = s
                    .sender
                    .try_send(CacheEvent::Reset(contents(entries, &s.want)));
                if let Some(status) = status {
                    let _ = s.sender.try_send(CacheEvent::Status(status.clone()));
                }
                s.lagging = false;
            } else {
                still = true;
            }
        }
        still
    }

    pub(crate) fn lagging(&self) -> bool {
        self.lock().subscribers.iter().any(|s| s.lagging)
    }
}

impl WatchState {
    /// Sends what `event` makes of each subscriber's wants, never waiting: a full subscriber
    /// starts lagging and gets nothing more until it catches up.
    fn broadcast(&mut self, mut event: impl FnMut(&Want) -> Option<CacheEvent>) {
        for s in &mut self.subscribers {
            if s.lagging {
                continue;
            }
            let Some(e) = event(&s.want) else { continue };
            match s.sender.try_send(e) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => s.lagging = true,
                // Gone: its guard removes it.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }
}

fn contents(entries: &HashMap<RowKey, Arc<ResourceRow>>, want: &Want) -> Vec<Arc<ResourceRow>> {
    if want.everything() {
        entries.values().cloned().collect()
    } else {
        entries
            .values()
            .filter(|r| want.keeps(r))
            .cloned()
            .collect()
    }
}

/// The watches of one connection.
#[derive(Clone)]
pub struct Cache {
    client: Client,
    watches: Arc<Mutex<Vec<Arc<Watch>>>>,
    next_id: Arc<AtomicU64>,
    /// Whether the server streams initial lists (`sendInitialEvents`), asked once.
    streaming: Arc<tokio::sync::OnceCell<bool>>,
}

/// A subscription: its events, and the guard that ends it when dropped.
pub struct Subscription {
    pub events: mpsc::Receiver<CacheEvent>,
    _guard: Guard,
}

impl Subscription {
    /// The events as a stream that ends the subscription when dropped.
    pub fn into_stream(self) -> impl futures::Stream<Item = CacheEvent> + Send + 'static {
        let Subscription { events, _guard } = self;
        futures::stream::unfold((events, _guard), |(mut events, guard)| async move {
            let event = events.recv().await?;
            Some((event, (events, guard)))
        })
    }
}

struct Guard {
    watches: Arc<Mutex<Vec<Arc<Watch>>>>,
    watch: Arc<Watch>,
    id: u64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut watches = self.watches.lock().unwrap_or_else(|p| p.into_inner());
        let empty = {
            let mut state = self.watch.lock();
            state.subscribers.retain(|s| s.id != self.id);
            state.subscribers.is_empty()
        };
        if empty {
            // The last subscriber left: stop listening to the server for it.
            if let Some(task) = self
                .watch
                .task
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            {
                task.abort();
            }
            watches.retain(|w| !Arc::ptr_eq(w, &self.watch));
        }
    }
}

impl Cache {
    pub fn new(client: Client) -> Cache {
        Cache {
            client,
            watches: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            streaming: Arc::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Subscribes to `target`: served by a running watch that covers it, else by a new one.
    /// The first events are the columns, then the current contents (once listed) and status.
    pub fn subscribe(&self, target: &WatchTarget) -> Subscription {
        let (sender, events) = mpsc::channel(SUBSCRIBER_CAPACITY);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut watches = self.watches.lock().unwrap_or_else(|p| p.into_inner());
        let (watch, want) = match watches
            .iter()
            .find_map(|w| covers(w.target(), target).map(|want| (w.clone(), want)))
        {
            Some(found) => found,
            None => {
                let watch = Arc::new(Watch {
                    target: target.clone(),
                    state: Mutex::default(),
                    task: Mutex::default(),
                });
                let task = tokio::spawn(watcher::run(
                    self.client.clone(),
                    watch.clone(),
                    self.streaming.clone(),
                ));
                *watch.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task.abort_handle());
                watches.push(watch.clone());
                (watch, Want::default())
            }
        };
        {
            let mut state = watch.lock();
            if !state.columns.is_empty() {
                let _ = sender.try_send(CacheEvent::Columns(state.columns.clone()));
            }
            match &state.status {
                // Listed at least once: the contents are worth showing, whatever came since.
                Some(status)
                    if !matches!(
                        status,
                        WatchStatus::Listing
                            | WatchStatus::Failed { .. }
                            | WatchStatus::Forbidden(_)
                            | WatchStatus::Absent
                    ) =>
                {
                    let _ = sender.try_send(CacheEvent::Reset(contents(&state.entries, &want)));
                    let _ = sender.try_send(CacheEvent::Status(status.clone()));
                }
                Some(status) => {
                    let _ = sender.try_send(CacheEvent::Status(status.clone()));
                }
                None => {
                    let _ = sender.try_send(CacheEvent::Status(WatchStatus::Listing));
                }
            }
            state.subscribers.push(Subscriber {
                id,
                want,
                sender,
                lagging: false,
            });
        }
        Subscription {
            events,
            _guard: Guard {
                watches: self.watches.clone(),
                watch,
                id,
            },
        }
    }

    /// The watches running now (for tests and diagnostics): their targets.
    pub fn running(&self) -> Vec<WatchTarget> {
        self.watches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|w| w.target.clone())
            .collect()
    }
}

/// Whether a running watch over `running` can serve `wanted`, and with what filter.
fn covers(running: &WatchTarget, wanted: &WatchTarget) -> Option<Want> {
    if !running.kind.same_resource(&wanted.kind) || running.metadata_only != wanted.metadata_only {
        return None;
    }
    if running.scope == wanted.scope
        && running.label_selector == wanted.label_selector
        && running.field_selector == wanted.field_selector
    {
        return Some(Want::default());
    }
    // Only a watch without selectors holds everything a narrower one would; field selectors
    // are left to the server.
    if running.label_selector.is_some()
        || running.field_selector.is_some()
        || wanted.field_selector.is_some()
    {
        return None;
    }
    let namespace = match (&running.scope, &wanted.scope) {
        _ if !wanted.kind.namespaced => None,
        (NamespaceScope::All, NamespaceScope::All) => None,
        (NamespaceScope::All, NamespaceScope::Only(ns)) => Some(ns.clone()),
        (NamespaceScope::Only(a), NamespaceScope::Only(b)) if a == b => None,
        _ => return None,
    };
    let labels = match &wanted.label_selector {
        // A selector only the server understands gets its own watch.
        Some(text) => Some(LabelSelector::parse(text).ok()?),
        None => None,
    };
    Some(Want { namespace, labels })
}

#[cfg(test)]
mod tests;
