//! The request log: what every request the API answered asked for (user, verb as Kubernetes
//! names it, resource, list and watch shape, status code), so tests can prove how a client
//! talks to the cluster — "two views, one watch", "no writes in read-only mode". Memory is
//! bounded: a ring of the newest entries plus per-(verb, resource) counters that never drop.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// How many of the newest requests are kept in full.
pub const RECENT_CAPACITY: usize = 10_000;

/// The verbs that ask to change the cluster.
pub const MUTATING_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// Resources that are answered, never stored: creating one (`kubectl auth can-i`, the
/// cockpit's RBAC checks) changes nothing, so it is not a mutating request.
const REVIEW_RESOURCES: [&str; 6] = [
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "subjectaccessreviews",
    "localsubjectaccessreviews",
    "selfsubjectreviews",
    "tokenreviews",
];

/// One answered request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// 1 for the first request the simulator answered, then counting up.
    pub seq: u64,
    /// When it was answered (RFC 3339, milliseconds).
    pub at: String,
    /// The simulator user (`admin`, `viewer`…); empty when authentication failed.
    pub user: String,
    /// As Kubernetes authorizes it: get, list, watch, create, update, patch, delete,
    /// deletecollection; for non-resource paths the lower-case HTTP method.
    pub verb: String,
    pub group: String,
    pub version: String,
    /// Plural resource name; empty for non-resource paths (discovery, `/version`).
    pub resource: String,
    pub subresource: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The path of a non-resource request.
    pub path: Option<String>,
    /// The HTTP status answered (200 for a watch that was opened).
    pub code: u16,
    /// A watch (also `verb == "watch"`; kept as a field for list-or-watch filters).
    pub watch: bool,
    pub send_initial_events: bool,
    pub allow_watch_bookmarks: bool,
    pub limit: Option<u64>,
    /// A later page of a paginated list (a `continue` token was sent).
    pub continued: bool,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    /// Served as `PartialObjectMetadata(List)`: no spec, status or data crossed the wire.
    pub metadata_only: bool,
    /// Served as a server-side `Table`.
    pub table: bool,
    /// `dryRun=All`: validated and answered, not stored.
    pub dry_run: bool,
}

impl RequestRecord {
    /// `pods`, `deployments.apps`, `pods/eviction`: how counters and [`RequestSummary::count`]
    /// name the resource.
    pub fn qualified_resource(&self) -> String {
        qualified(&self.group, &self.resource, self.subresource.as_deref())
    }

    /// Whether this request asked to change the cluster: a mutating verb on a stored
    /// resource or subresource (evictions, status, scale), dry runs included; access reviews
    /// excluded.
    pub fn is_mutating(&self) -> bool {
        is_mutating(&self.verb, &self.resource)
    }
}

fn is_mutating(verb: &str, resource: &str) -> bool {
    MUTATING_VERBS.contains(&verb) && !resource.is_empty() && !REVIEW_RESOURCES.contains(&resource)
}

fn qualified(group: &str, resource: &str, sub: Option<&str>) -> String {
    let mut out = resource.to_string();
    if !group.is_empty() {
        out.push('.');
        out.push_str(group);
    }
    if let Some(sub) = sub {
        out.push('/');
        out.push_str(sub);
    }
    out
}

/// How many requests of one verb on one resource were answered since start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCount {
    pub verb: String,
    /// As [`RequestRecord::qualified_resource`] writes it; empty for non-resource paths.
    pub resource: String,
    pub count: u64,
}

/// A view of the log: totals, counters and the newest entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Requests answered since start.
    pub total: u64,
    /// Of those, the ones that asked to change the cluster ([`RequestRecord::is_mutating`]).
    pub mutating: u64,
    /// The `seq` of the newest request; pass it as `since` to see only later ones.
    pub last_seq: u64,
    /// Per (verb, resource), since start, sorted by resource then verb; never dropped.
    pub counts: Vec<RequestCount>,
    /// The newest requests (after `since`, when asked), oldest first; at most
    /// [`RECENT_CAPACITY`].
    pub recent: Vec<RequestRecord>,
}

impl RequestSummary {
    /// Requests with `verb` on `resource` (`pods`, `secrets`, `deployments.apps`,
    /// `pods/eviction`) since start.
    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.counts
            .iter()
            .find(|c| c.verb == verb && c.resource == resource)
            .map_or(0, |c| c.count)
    }
}

#[derive(Default)]
struct Inner {
    seq: u64,
    mutating: u64,
    recent: VecDeque<RequestRecord>,
    /// (resource, verb) → count; ordered so summaries are stable.
    counts: BTreeMap<(String, String), u64>,
}

/// The log itself, shared by every connection.
#[derive(Default)]
pub struct RequestLog {
    inner: Mutex<Inner>,
}

impl RequestLog {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Each write is a push and a counter bump: a poisoned lock still holds sound data.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an answered request, numbering and time-stamping it.
    pub fn record(&self, mut record: RequestRecord) {
        record.at = super::store::kube_time_millis(chrono::Utc::now());
        let key = (record.qualified_resource(), record.verb.clone());
        let mutating = record.is_mutating();
        let mut g = self.lock();
        g.seq += 1;
        record.seq = g.seq;
        if mutating {
            g.mutating += 1;
        }
        *g.counts.entry(key).or_default() += 1;
        if g.recent.len() >= RECENT_CAPACITY {
            g.recent.pop_front();
        }
        g.recent.push_back(record);
    }

    /// Counters and the entries newer than `since` (0 for all that are kept).
    pub fn summary(&self, since: u64) -> RequestSummary {
        let g = self.lock();
        let start = g.recent.partition_point(|r| r.seq <= since);
        RequestSummary {
            total: g.seq,
            mutating: g.mutating,
            last_seq: g.seq,
            counts: g
                .counts
                .iter()
                .map(|((resource, verb), count)| RequestCount {
                    verb: verb.clone(),
                    resource: resource.clone(),
                    count: *count,
                })
                .collect(),
            recent: g.recent.iter().skip(start).cloned().collect(),
        }
    }

    /// Mutating requests answered since start.
    pub fn mutating(&self) -> u64 {
        self.lock().mutating
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(verb: &str, group: &str, resource: &str, sub: Option<&str>) -> RequestRecord {
        RequestRecord {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.map(str::to_string),
            ..RequestRecord::default()
        }
    }

    #[test]
    fn counts_per_verb_and_resource_and_mutations() {
        let log = RequestLog::default();
        log.record(req("list", "", "pods", None));
        log.record(req("watch", "", "pods", None));
        log.record(req("watch", "", "pods", None));
        log.record(req("get", "apps", "deployments", None));
        log.record(req("create", "", "pods", Some("eviction")));
        log.record(req("patch", "apps", "deployments", Some("scale")));
        log.record(req(
            "create",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            None,
        ));
        let s = log.summary(0);
        assert_eq!(s.total, 7);
        assert_eq!(s.count("watch", "pods"), 2);
        assert_eq!(s.count("list", "pods"), 1);
        assert_eq!(s.count("get", "deployments.apps"), 1);
        assert_eq!(s.count("create", "pods/eviction"), 1);
        assert_eq!(s.count("delete", "pods"), 0);
        // The eviction and the scale patch change the cluster; the access review does not.
        assert_eq!(s.mutating, 2);
        assert_eq!(log.mutating(), 2);
        assert_eq!(
            s.recent.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=7).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_ring_is_bounded_but_counters_are_not() {
        let log = RequestLog::default();
        for _ in 0..RECENT_CAPACITY + 25 {
            log.record(req("get", "", "configmaps", None));
        }
        let s = log.summary(0);
        assert_eq!(s.recent.len(), RECENT_CAPACITY);
        assert_eq!(s.recent[0].seq, 26, "the oldest entries made room");
        assert_eq!(s.count("get", "configmaps"), (RECENT_CAPACITY + 25) as u64);
        let newer = log.summary(s.last_seq - 3);
        assert_eq!(
            newer.recent.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![s.last_seq - 2, s.last_seq - 1, s.last_seq]
        );
    }
}
