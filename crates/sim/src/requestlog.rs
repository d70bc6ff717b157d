//! The request log: what every request the API answered asked for (user, verb as Kubernetes
//! names it, resource, list and watch shape, status code), so tests can prove how a client
//! talks to the cluster — "two views, one watch", "no writes in read-only mode". Memory is
//! bounded: a ring of the newest entries plus per-(verb, resource) counters that never drop.
//!
//! Requests that reached a built-in stand-in (Airflow, Airbyte; see [`crate::standins`])
//! through a port-forward are logged here too, with [`RequestRecord::standin`] set, so "no
//! writes in read-only mode" covers what goes through a tunnel as well as the Kubernetes API.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// How many of the newest requests are kept in full.
pub const RECENT_CAPACITY: usize = 10_000;

/// The verbs that ask to change the cluster.
pub const MUTATING_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// The HTTP methods that ask a stand-in to change something.
const MUTATING_METHODS: [&str; 4] = ["post", "put", "patch", "delete"];

/// Stand-in routes that are POSTs but change nothing: logging in. A read-only cockpit must
/// log in to read DAG runs or sync jobs, so these are not mutating requests.
const STANDIN_LOGINS: [&str; 2] = ["/auth/token", "/api/public/v1/applications/token"];

/// Subresources created without storing anything: a port-forward opens a tunnel (what goes
/// through it to a stand-in is logged as its own requests). `exec` is not one: the built-in
/// shell changes nothing, but a shell in a real container can, so an exec counts as a
/// mutation and read-only mode must show none.
const TUNNEL_SUBRESOURCES: [&str; 1] = ["portforward"];

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
    /// The built-in stand-in that answered (`airflow`, `airbyte`), for a request that reached
    /// one through a port-forward; then `verb` is the lower-case HTTP method, `path` the URL
    /// path, and `resource` empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standin: Option<String>,
}

impl RequestRecord {
    /// `pods`, `deployments.apps`, `pods/eviction`: how counters and [`RequestSummary::count`]
    /// name the resource.
    /// A stand-in's requests count as `stand-in/airflow`, `stand-in/airbyte`.
    pub fn qualified_resource(&self) -> String {
        match &self.standin {
            Some(name) => format!("stand-in/{name}"),
            None => qualified(&self.group, &self.resource, self.subresource.as_deref()),
        }
    }

    /// Whether this request asked to change the cluster or a tool in it: a mutating verb on a
    /// stored resource or subresource (evictions, status, scale), dry runs included; access
    /// reviews and port-forwards excluded. For a stand-in: a POST, PUT, PATCH or DELETE other
    /// than logging in (triggering a DAG run, pausing a DAG, clearing tasks, starting a sync).
    pub fn is_mutating(&self) -> bool {
        if self.standin.is_some() {
            let path = self.path.as_deref().unwrap_or_default();
            return MUTATING_METHODS.contains(&self.verb.as_str())
                && !STANDIN_LOGINS.contains(&path);
        }
        MUTATING_VERBS.contains(&self.verb.as_str())
            && !self.resource.is_empty()
            && !REVIEW_RESOURCES.contains(&self.resource.as_str())
            && !self
                .subresource
                .as_deref()
                .is_some_and(|s| TUNNEL_SUBRESOURCES.contains(&s))
    }
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
    /// Of those, the ones that asked to change the cluster or a tool in it
    /// ([`RequestRecord::is_mutating`]), stand-in requests included.
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
        log.record(req("create", "", "pods", Some("portforward")));
        let s = log.summary(0);
        assert_eq!(s.total, 8);
        assert_eq!(s.count("watch", "pods"), 2);
        assert_eq!(s.count("list", "pods"), 1);
        assert_eq!(s.count("get", "deployments.apps"), 1);
        assert_eq!(s.count("create", "pods/eviction"), 1);
        assert_eq!(s.count("delete", "pods"), 0);
        // The eviction and the scale patch change the cluster; the access review and the
        // port-forward (a tunnel) do not.
        assert_eq!(s.mutating, 2);
        assert_eq!(log.mutating(), 2);
        assert_eq!(
            s.recent.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
    }

    fn standin(method: &str, path: &str) -> RequestRecord {
        RequestRecord {
            verb: method.into(),
            path: Some(path.into()),
            standin: Some("airflow".into()),
            ..RequestRecord::default()
        }
    }

    #[test]
    fn stand_in_writes_count_as_mutating_but_logging_in_does_not() {
        let log = RequestLog::default();
        log.record(standin("post", "/auth/token"));
        log.record(standin("get", "/api/v2/dags"));
        log.record(standin("post", "/api/v2/dags/orders_daily/dagRuns"));
        log.record(standin("patch", "/api/v2/dags/orders_daily"));
        let s = log.summary(0);
        assert_eq!(s.mutating, 2);
        assert_eq!(s.count("post", "stand-in/airflow"), 2);
        assert_eq!(s.count("get", "stand-in/airflow"), 1);
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
