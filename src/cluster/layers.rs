//! The layer report, live, from the shared cache: subscribes to every kind the stack
//! classifies and to the Helm release Secrets (metadata only: their labels name the release,
//! revision and status), feeds the changes into a [`LiveStack`], and after each burst of
//! changes yields a [`LayersUpdate`] — the report plus how fresh it is and what could not be
//! read. Only the newest revision of each release is fetched and decoded, once per
//! resourceVersion. `strata status` takes the first settled update ([`assess_once`]); the
//! cockpit follows them ([`watch`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use kube::api::{Api, DynamicObject};
use serde::Serialize;
use strata_common::sym::Sym;

use super::cache::{Cache, CacheEvent, WatchStatus};
use super::catalog::ResourceKind;
use super::resource::{ResourceRow, RowKey};
use super::run_reasons::{self, RunReasons};
use super::{NamespaceScope, WatchTarget, with_causes};
use crate::release::decode_release;
use crate::stack::{LiveStack, ReleaseFacts, RuleSet, StackReport, newest_revisions};

/// What the layers classify: (group, version, kind, plural, required). Optional kinds are
/// custom resources a cluster may not have.
pub const LAYER_KINDS: [(&str, &str, &str, &str, bool); 11] = [
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("batch", "v1", "Job", "jobs", true),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Service", "services", true),
    (
        "clickhouse.altinity.com",
        "v1",
        "ClickHouseInstallation",
        "clickhouseinstallations",
        false,
    ),
    (
        "clickhouse-keeper.altinity.com",
        "v1",
        "ClickHouseKeeperInstallation",
        "clickhousekeeperinstallations",
        false,
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "SparkApplication",
        "sparkapplications",
        false,
    ),
    (
        "sparkoperator.k8s.io",
        "v1beta2",
        "ScheduledSparkApplication",
        "scheduledsparkapplications",
        false,
    ),
];

/// The label Helm puts on its release Secrets.
const HELM_STORAGE_SELECTOR: &str = "owner=helm";

/// Whether objects of `kind` carry the stack's facts (the cache projects them once).
pub fn is_layer_kind(kind: &ResourceKind) -> bool {
    LAYER_KINDS
        .iter()
        .any(|(group, _, _, plural, _)| kind.group == *group && kind.plural == *plural)
}

fn layer_kind(group: &str, version: &str, kind: &str, plural: &str) -> ResourceKind {
    ResourceKind::builtin(group, version, kind, plural, &[], true)
}

/// The Helm release Secrets, metadata only.
pub fn helm_storage_target(scope: &NamespaceScope) -> WatchTarget {
    WatchTarget {
        kind: layer_kind("", "v1", "Secret", "secrets"),
        scope: scope.clone(),
        label_selector: Some(HELM_STORAGE_SELECTOR.into()),
        field_selector: None,
        metadata_only: true,
    }
}

/// How current the report is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Freshness {
    /// Still reading: the named kinds have not been listed yet. Health is not final.
    Syncing {
        waiting: Vec<String>,
    },
    Live,
    /// These kinds could not be read since `since`; their part of the report is older.
    Stale {
        since: DateTime<Utc>,
        kinds: Vec<String>,
        error: String,
    },
}

impl Freshness {
    pub fn is_live(&self) -> bool {
        matches!(self, Freshness::Live)
    }
}

/// Something that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadWarning {
    /// The plural of the kind (`secrets`).
    pub kind: String,
    /// The namespace it concerns; `None` for all namespaces.
    pub namespace: Option<String>,
    /// The object, when one object is the problem (a Helm release Secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// One state of the layers.
#[derive(Clone, Debug, PartialEq)]
pub struct LayersUpdate {
    pub report: Arc<StackReport>,
    /// Every run of the stack, newest first.
    pub runs: Arc<Vec<crate::stack::Run>>,
    pub freshness: Freshness,
    pub warnings: Vec<ReadWarning>,
    /// Failed runs' logs are still being read for their reasons.
    pub reading_reasons: bool,
}

/// Why the layers could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LayersError {
    #[error(
        "cannot list {plural} {scope}: {reason}; check that the cluster is reachable and that \
         your context may list them (kubectl get {what} {flag})"
    )]
    List {
        what: String,
        plural: String,
        scope: String,
        flag: String,
        reason: String,
    },
}

/// How long the cluster must be quiet before a new report, and the longest a burst of changes
/// may delay one; shorter while the first lists arrive so the screen fills early.
const SETTLE: Duration = Duration::from_millis(200);
const SETTLE_SYNCING: Duration = Duration::from_millis(30);
const MAX_DELAY: Duration = Duration::from_secs(1);
/// How many release payloads are fetched at once.
const RELEASE_FETCHES: usize = 8;

/// What one subscribed kind said last.
struct KindState {
    plural: &'static str,
    required: bool,
    status: WatchStatus,
}

/// The Helm storage Secrets' labels, by release, by revision.
type Storage = HashMap<(Sym, String), BTreeMap<u32, Arc<ResourceRow>>>;

/// The decoded newest revisions, by Secret, with the resourceVersion they were read at.
#[derive(Default)]
struct ReleaseReader {
    read: HashMap<RowKey, (Sym, ReleaseFacts)>,
}

impl ReleaseReader {
    /// The facts of each release's newest revision, fetching the Secrets that changed.
    async fn newest(&mut self, client: &kube::Client, storage: &Storage) -> Vec<ReleaseFacts> {
        let newest: Vec<&Arc<ResourceRow>> = storage
            .values()
            .filter_map(|revisions| revisions.values().next_back())
            .collect();
        let wanted: Vec<Arc<ResourceRow>> = newest
            .iter()
            .filter(|row| {
                self.read
                    .get(&row.key)
                    .is_none_or(|(version, _)| *version != row.resource_version)
            })
            .map(|row| (*row).clone())
            .collect();
        let fetched: Vec<(Arc<ResourceRow>, ReleaseFacts)> = futures::stream::iter(wanted)
            .map(|row| async move {
                let facts = read_release(client, &row).await;
                (row, facts)
            })
            .buffer_unordered(RELEASE_FETCHES)
            .collect()
            .await;
        for (row, facts) in fetched {
            self.read
                .insert(row.key.clone(), (row.resource_version.clone(), facts));
        }
        let keep: std::collections::HashSet<&RowKey> = newest.iter().map(|r| &r.key).collect();
        self.read.retain(|key, _| keep.contains(key));
        newest_revisions(self.read.values().map(|(_, facts)| facts.clone()))
    }
}

/// One release revision from its Secret; from its labels when the payload cannot be read.
async fn read_release(client: &kube::Client, row: &ResourceRow) -> ReleaseFacts {
    let from_labels = |why: String| {
        let mut facts = ReleaseFacts::from_labels(&row.key.namespace, |k| row.label(k))
            .unwrap_or_else(|| ReleaseFacts {
                name: row.key.name.to_string(),
                namespace: row.key.namespace.to_string(),
                revision: 0,
                status: crate::release::ReleaseStatus::Unknown,
                chart: String::new(),
                chart_version: String::new(),
                app_version: String::new(),
                description: String::new(),
                updated: None,
                unreadable: None,
            });
        facts.unreadable = Some(why);
        facts
    };
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &row.key.namespace,
        &kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Secret>(&()),
    );
    let secret = match api.get(&row.key.name).await {
        Ok(secret) => secret,
        Err(error) => {
            return from_labels(format!(
                "cannot read Secret {}: {}",
                row.key.name,
                with_causes(&error)
            ));
        }
    };
    let payload = secret.data["data"]["release"].as_str().unwrap_or_default();
    match decode_release(payload.as_bytes()) {
        Ok(release) => {
            let mut facts = ReleaseFacts::from_release(&release);
            // Helm's storage is the truth for where and which revision this is.
            if facts.namespace.is_empty() {
                facts.namespace = row.key.namespace.to_string();
            }
            facts
        }
        Err(error) => from_labels(format!("Secret {}: {error}", row.key.name)),
    }
}

fn scope_words(scope: &NamespaceScope) -> String {
    match scope {
        NamespaceScope::All => "in all namespaces".to_string(),
        NamespaceScope::Only(ns) => format!("in namespace {ns}"),
    }
}

/// The layers, following the cluster: an update after every burst of changes, and one at
/// least every [`crate::stack::live::TIME_REFRESH`] so ages in reasons stay true.
pub fn watch(
    cache: Cache,
    scope: NamespaceScope,
    rules: Arc<RuleSet>,
) -> impl Stream<Item = LayersUpdate> + Send + 'static {
    let mut targets: Vec<(WatchTarget, &'static str, bool)> = LAYER_KINDS
        .iter()
        .map(|&(group, version, kind, plural, required)| {
            (
                WatchTarget {
                    kind: layer_kind(group, version, kind, plural),
                    scope: scope.clone(),
                    label_selector: None,
                    field_selector: None,
                    metadata_only: false,
                },
                plural,
                required,
            )
        })
        .collect();
    targets.push((helm_storage_target(&scope), "Helm release Secrets", true));
    let helm = targets.len() - 1;
    let mut kinds: Vec<KindState> = Vec::new();
    let mut streams = Vec::new();
    for (i, (target, plural, required)) in targets.into_iter().enumerate() {
        let events = cache.subscribe(&target).into_stream().map(move |e| (i, e));
        streams.push(events.boxed());
        kinds.push(KindState {
            plural,
            required,
            status: WatchStatus::Listing,
        });
    }
    let events = futures::stream::select_all(streams);
    let state = Feed {
        client: cache.client().clone(),
        scope,
        rules,
        kinds,
        helm,
        live: LiveStack::new(),
        storage: Storage::new(),
        storage_changed: false,
        releases: ReleaseReader::default(),
        last_freshness: None,
        reasons: RunReasons::new(cache.client().clone()),
    };
    futures::stream::unfold((events, state), |(mut events, mut state)| async move {
        loop {
            let refresh = tokio::time::sleep(
                crate::stack::live::TIME_REFRESH
                    .to_std()
                    .unwrap_or(Duration::from_secs(30)),
            );
            // Wait for a change (or the time to refresh ages), then let the burst settle.
            let first = tokio::select! {
                event = events.next() => Some(event?),
                () = refresh => None,
                // A failed run's reason read from its log.
                _ = state.reasons.next() => None,
            };
            let mut changed = first.is_none();
            if let Some((i, event)) = first {
                changed |= state.apply(i, event);
            }
            let deadline = tokio::time::Instant::now() + MAX_DELAY;
            loop {
                // A change of freshness (synced, stale, live again) is shown at once.
                let settle = if state.last_freshness.as_ref() != Some(&state.freshness()) {
                    Duration::ZERO
                } else if state.syncing() {
                    SETTLE_SYNCING
                } else {
                    SETTLE
                };
                let quiet = tokio::time::Instant::now() + settle;
                match tokio::time::timeout_at(quiet.min(deadline), events.next()).await {
                    Ok(Some((i, event))) => changed |= state.apply(i, event),
                    Ok(None) => return None,
                    Err(_) => break,
                }
            }
            if changed {
                let update = state.update().await;
                return Some((update, (events, state)));
            }
        }
    })
}

/// How long `strata status` and `strata runs` wait for failed runs' logs to say why.
const REASONS_WAIT: Duration = Duration::from_secs(5);

/// The first update in which every kind has been read (or found unreadable): what
/// `strata status` reports. Fails when a kind the report needs cannot be listed for another
/// reason than RBAC: a partial picture would read as "all healthy".
pub async fn assess_once(
    cache: Cache,
    scope: NamespaceScope,
    rules: Arc<RuleSet>,
) -> Result<LayersUpdate, LayersError> {
    let updates = watch(cache, scope.clone(), rules);
    let mut updates = std::pin::pin!(updates);
    while let Some(update) = updates.next().await {
        match &update.freshness {
            Freshness::Syncing { .. } => continue,
            Freshness::Live => {
                // Failed runs' reasons come from their logs: wait for them a little.
                let deadline = tokio::time::Instant::now() + REASONS_WAIT;
                let mut latest = update;
                while latest.reading_reasons {
                    match tokio::time::timeout_at(deadline, updates.next()).await {
                        Ok(Some(next)) => latest = next,
                        _ => break,
                    }
                }
                return Ok(latest);
            }
            Freshness::Stale { kinds, error, .. } => {
                let plural = kinds.first().cloned().unwrap_or_default();
                return Err(LayersError::List {
                    what: plural.clone(),
                    flag: match &scope {
                        NamespaceScope::All => "-A".to_string(),
                        NamespaceScope::Only(ns) => format!("-n {ns}"),
                    },
                    scope: scope_words(&scope),
                    plural,
                    reason: error.clone(),
                });
            }
        }
    }
    unreachable!("the layers feed never ends while subscribed")
}

struct Feed {
    client: kube::Client,
    scope: NamespaceScope,
    rules: Arc<RuleSet>,
    kinds: Vec<KindState>,
    helm: usize,
    live: LiveStack,
    storage: Storage,
    storage_changed: bool,
    releases: ReleaseReader,
    /// The freshness of the last update given out.
    last_freshness: Option<Freshness>,
    reasons: RunReasons,
}

impl Feed {
    fn syncing(&self) -> bool {
        self.kinds.iter().any(|k| !k.status.is_settled())
    }

    /// Takes one event in; whether the report may have changed.
    fn apply(&mut self, i: usize, event: CacheEvent) -> bool {
        if i == self.helm {
            return self.apply_storage(event);
        }
        let plural = self.kinds[i].plural;
        match event {
            CacheEvent::Columns(_) => false,
            CacheEvent::Reset(rows) => {
                let kind = LAYER_KINDS[i].2;
                self.live
                    .replace_kind(kind, rows.iter().filter_map(|r| r.facts.clone()).collect());
                true
            }
            CacheEvent::Applied(row) => {
                if let Some(facts) = &row.facts {
                    self.live.upsert(facts.clone());
                }
                true
            }
            CacheEvent::Deleted(row) => {
                if let Some(facts) = &row.facts {
                    self.live.remove(facts);
                }
                true
            }
            CacheEvent::Status(status) => {
                let _ = plural;
                let changed = self.kinds[i].status != status;
                self.kinds[i].status = status;
                changed
            }
        }
    }

    fn apply_storage(&mut self, event: CacheEvent) -> bool {
        let put = |storage: &mut Storage, row: Arc<ResourceRow>| {
            let (Some(name), Some(version)) = (
                row.label("name"),
                row.label("version").and_then(|v| v.parse::<u32>().ok()),
            ) else {
                return;
            };
            storage
                .entry((row.key.namespace.clone(), name.to_string()))
                .or_default()
                .insert(version, row);
        };
        match event {
            CacheEvent::Columns(_) => return false,
            CacheEvent::Reset(rows) => {
                self.storage.clear();
                for row in rows {
                    put(&mut self.storage, row);
                }
            }
            CacheEvent::Applied(row) => put(&mut self.storage, row),
            CacheEvent::Deleted(row) => {
                for revisions in self.storage.values_mut() {
                    revisions.retain(|_, r| r.key != row.key);
                }
                self.storage.retain(|_, revisions| !revisions.is_empty());
            }
            CacheEvent::Status(status) => {
                let changed = self.kinds[self.helm].status != status;
                self.kinds[self.helm].status = status;
                return changed;
            }
        }
        self.storage_changed = true;
        true
    }

    async fn update(&mut self) -> LayersUpdate {
        if self.storage_changed {
            self.storage_changed = false;
            let releases = self.releases.newest(&self.client, &self.storage).await;
            self.live.set_releases(releases);
        }
        let report = self.live.report(&self.rules, Utc::now());
        let runs = self.live.runs();
        self.reasons.want(&runs);
        let (report, runs) = run_reasons::apply(self.reasons.found(), report, runs);
        let freshness = self.freshness();
        self.last_freshness = Some(freshness.clone());
        LayersUpdate {
            report,
            runs,
            freshness,
            warnings: self.warnings(),
            reading_reasons: self.reasons.pending(),
        }
    }

    fn freshness(&self) -> Freshness {
        let waiting: Vec<String> = self
            .kinds
            .iter()
            .filter(|k| !k.status.is_settled())
            .map(|k| k.plural.to_string())
            .collect();
        if !waiting.is_empty() {
            return Freshness::Syncing { waiting };
        }
        let mut since: Option<DateTime<Utc>> = None;
        let mut kinds = Vec::new();
        let mut error = String::new();
        for k in &self.kinds {
            let (at, why) = match &k.status {
                WatchStatus::Stale { since, error } => (since, error),
                WatchStatus::Failed { since, error } if k.required => (since, error),
                _ => continue,
            };
            since = Some(since.map_or(*at, |s| s.min(*at)));
            kinds.push(k.plural.to_string());
            if error.is_empty() {
                error = why.clone();
            }
        }
        match since {
            Some(since) => Freshness::Stale {
                since,
                kinds,
                error,
            },
            None => Freshness::Live,
        }
    }

    fn warnings(&self) -> Vec<ReadWarning> {
        let namespace = match &self.scope {
            NamespaceScope::All => None,
            NamespaceScope::Only(ns) => Some(ns.clone()),
        };
        let mut warnings: Vec<ReadWarning> = self
            .kinds
            .iter()
            .filter_map(|k| {
                let reason = match &k.status {
                    WatchStatus::Forbidden(message) => format!(
                        "not allowed to watch {} {}: {message}; components using them may be \
                         missing or show as unknown",
                        k.plural,
                        scope_words(&self.scope)
                    ),
                    // An optional kind that fails is said, not staled on.
                    WatchStatus::Failed { error, .. } if !k.required => {
                        format!(
                            "cannot watch {} {}: {error} (retrying)",
                            k.plural,
                            scope_words(&self.scope)
                        )
                    }
                    _ => return None,
                };
                Some(ReadWarning {
                    kind: if k.plural.starts_with("Helm") {
                        "secrets".to_string()
                    } else {
                        k.plural.to_string()
                    },
                    namespace: namespace.clone(),
                    name: None,
                    reason,
                })
            })
            .collect();
        for (_, (_, facts)) in self.releases.read.iter() {
            if let Some(why) = &facts.unreadable {
                warnings.push(ReadWarning {
                    kind: "secrets".into(),
                    namespace: Some(facts.namespace.clone()),
                    name: Some(facts.name.clone()),
                    reason: format!(
                        "Helm release {} revision {} in {}: {why}; its status is read from the \
                         Secret's labels",
                        facts.name, facts.revision, facts.namespace
                    ),
                });
            }
        }
        warnings.sort_by(|a, b| {
            (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name))
        });
        warnings
    }
}

#[cfg(test)]
mod tests;
