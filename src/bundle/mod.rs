//! The incident bundle (`strata bundle`, and a key on the incident screen): a `.tar.gz` an
//! operator attaches to a ticket — status, runs, events, describes and logs of what is broken,
//! Helm history and values of affected releases, a README — with every Secret and
//! credential-like value redacted and the size bounded. The pure parts live here (redaction,
//! tar, grouping, what counts as broken, the README); [`collect`] reads the cluster.

pub mod collect;
pub mod events;
pub mod readme;
pub mod redact;
pub mod tar;
pub mod writer;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use strata_common::json::time_at;
use strata_common::printers::{RowHealth, printer_for};

pub use collect::{BundleError, write_bundle};
pub use redact::{REDACTED, Redactor};
pub use writer::{BundleWriter, LeftOut, Limits};

use crate::cluster::NamespaceScope;

/// Log lines kept per container by default.
pub const DEFAULT_TAIL_LINES: i64 = 500;

/// What to put in a bundle and where to write it.
#[derive(Clone, Debug)]
pub struct BundleOptions {
    /// The kubeconfig context (named in the README and the default file name).
    pub context: String,
    pub scope: NamespaceScope,
    /// The window: events, runs and failed pods of this long before now.
    pub since: Duration,
    /// Where the `.tar.gz` goes; `None`: `strata-bundle-<context>-<UTC time>.tar.gz` in the
    /// current folder.
    pub output: Option<std::path::PathBuf>,
    pub limits: Limits,
    /// Log lines per container (and per previous container).
    pub tail_lines: i64,
    /// Classification rules (the same as `strata status`).
    pub rules: std::sync::Arc<crate::stack::RuleSet>,
    /// Files the caller adds (notes, a saved log): (path in the bundle, content). Redacted and
    /// capped like the rest.
    pub extra_files: Vec<(String, Vec<u8>)>,
}

impl BundleOptions {
    /// The defaults of `strata bundle`: the last 2 hours, 500 lines a container, 20 MiB, the
    /// default file name in the current folder, no extra file.
    pub fn new(
        context: &str,
        scope: NamespaceScope,
        rules: std::sync::Arc<crate::stack::RuleSet>,
    ) -> BundleOptions {
        BundleOptions {
            context: context.to_string(),
            scope,
            since: Duration::hours(2),
            output: None,
            limits: Limits::default(),
            tail_lines: DEFAULT_TAIL_LINES,
            rules,
            extra_files: Vec::new(),
        }
    }
}

/// One step of writing a bundle, for a progress line or a status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleProgress {
    /// A step started (`reading the layers`).
    Step(String),
    /// A step read this many items (`events`, 312).
    Counted { what: String, count: usize },
    /// This many items need attention (`unhealthy components`, 4).
    Found { what: String, count: usize },
    /// Item `done` of `of` (`logs`, 4, 9 pods).
    Item {
        what: String,
        done: usize,
        of: usize,
    },
    /// Something was left out (forbidden, missing): not fatal.
    Skipped(String),
}

impl std::fmt::Display for BundleProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleProgress::Step(step) => write!(f, "{step}…"),
            BundleProgress::Counted { what, count } => write!(f, "reading {what}… {count}"),
            BundleProgress::Found { what, count } => write!(f, "found {count} {what}"),
            BundleProgress::Item { what, done, of } => write!(f, "{what} {done}/{of}"),
            BundleProgress::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// A written bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSummary {
    pub path: std::path::PathBuf,
    /// Compressed size on disk.
    pub bytes: u64,
    pub uncompressed: u64,
    pub files: usize,
    /// What is not in it (or cut), and why.
    pub left_out: Vec<LeftOut>,
    pub redactions: usize,
}

/// The default file name: `strata-bundle-<context>-<UTC time>.tar.gz`, the context reduced to
/// safe characters.
pub fn default_file_name(context: &str, now: DateTime<Utc>) -> String {
    format!(
        "strata-bundle-{}-{}.tar.gz",
        writer::bundle_path(&[context]),
        now.format("%Y%m%dT%H%M%SZ")
    )
}

/// Why a pod belongs in the bundle (kubectl's STATUS word), or `None` when it is fine. A pod
/// that is still failing counts whatever its age; one that finished failing (phase `Failed`)
/// counts only when it did so within the window.
pub fn pod_trouble(pod: &Value, since: DateTime<Utc>) -> Option<String> {
    let printer = printer_for("", "pods")?;
    let (cells, health) = printer.row(pod);
    let status = cells
        .get(2)
        .map(|c| c.display(Utc::now()).into_owned())
        .unwrap_or_default();
    match health {
        RowHealth::Degraded => Some(status),
        RowHealth::Failed => {
            let finished = pod_finished(pod);
            let still_failing = pod["status"]["phase"] != "Failed";
            (still_failing || finished.is_none_or(|t| t >= since)).then_some(status)
        }
        _ => None,
    }
}

/// When a pod's last container ended.
fn pod_finished(pod: &Value) -> Option<DateTime<Utc>> {
    ["initContainerStatuses", "containerStatuses"]
        .iter()
        .filter_map(|k| pod["status"][k].as_array())
        .flatten()
        .filter_map(|c| time_at(c, &["state", "terminated", "finishedAt"]))
        .max()
        .or_else(|| time_at(pod, &["status", "startTime"]))
}

/// Whether a pod belongs to a component: its namespace, and its Helm instance (or legacy
/// `release`) label naming the component's release or the component.
pub fn pod_of(pod: &Value, component: &crate::stack::ComponentReport) -> bool {
    let labels = &pod["metadata"]["labels"];
    let owner = component.release.as_deref().unwrap_or(&component.name);
    pod["metadata"]["namespace"] == component.namespace.as_str()
        && ["app.kubernetes.io/instance", "release"]
            .iter()
            .any(|k| labels[k] == owner)
}

/// Whether a Job failed within the window (its `Failed` condition).
pub fn job_failed(job: &Value, since: DateTime<Utc>) -> bool {
    job["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| {
            c["type"] == "Failed"
                && c["status"] == "True"
                && time_at(c, &["lastTransitionTime"]).is_none_or(|t| t >= since)
        })
}

/// The containers of a pod whose logs go in the bundle, with whether a previous instance
/// exists (it restarted): init containers that ran, then the containers.
pub fn log_containers(pod: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (spec, statuses) in [
        ("initContainers", "initContainerStatuses"),
        ("containers", "containerStatuses"),
    ] {
        for container in pod["spec"][spec].as_array().into_iter().flatten() {
            let Some(name) = container["name"].as_str() else {
                continue;
            };
            let status = pod["status"][statuses]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["name"] == name);
            // An init container that never started has nothing to say.
            if spec == "initContainers" && status.is_none_or(|s| s["state"]["waiting"].is_object())
            {
                continue;
            }
            let restarted = status.is_some_and(|s| s["restartCount"].as_u64().unwrap_or(0) > 0);
            out.push((name.to_string(), restarted));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn since() -> DateTime<Utc> {
        "2026-12-05T10:00:00Z".parse().unwrap()
    }

    fn pod(phase: &str, ready: bool, waiting: Option<&str>, finished: Option<&str>) -> Value {
        let state = match (waiting, finished) {
            (Some(reason), _) => json!({"waiting": {"reason": reason}}),
            (None, Some(at)) => {
                json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": at}})
            }
            _ => json!({"running": {"startedAt": "2026-12-05T09:00:00Z"}}),
        };
        json!({
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "creationTimestamp": "2026-12-05T08:00:00Z"},
            "spec": {"containers": [{"name": "app"}], "initContainers": [{"name": "init"}]},
            "status": {
                "phase": phase,
                "startTime": "2026-12-05T08:00:00Z",
                "initContainerStatuses": [{"name": "init", "ready": true, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 4, "state": state}]
            }
        })
    }

    #[test]
    fn broken_pods_are_found_finished_failures_only_in_the_window() {
        assert_eq!(
            pod_trouble(&pod("Running", true, None, None), since()),
            None
        );
        assert_eq!(
            pod_trouble(
                &pod("Running", false, Some("CrashLoopBackOff"), None),
                since()
            )
            .as_deref(),
            Some("CrashLoopBackOff")
        );
        assert!(pod_trouble(&pod("Running", false, None, None), since()).is_some());
        assert!(
            pod_trouble(
                &pod("Failed", false, None, Some("2026-12-05T10:30:00Z")),
                since()
            )
            .is_some()
        );
        assert_eq!(
            pod_trouble(
                &pod("Failed", false, None, Some("2026-12-05T09:30:00Z")),
                since()
            ),
            None,
            "failed before the window"
        );
    }

    #[test]
    fn log_containers_with_previous_when_restarted() {
        assert_eq!(
            log_containers(&pod("Running", false, Some("CrashLoopBackOff"), None)),
            [("init".to_string(), false), ("app".to_string(), true)]
        );
    }

    #[test]
    fn failed_jobs_in_the_window() {
        let job = |at: &str| json!({"status": {"conditions": [{"type": "Failed", "status": "True", "lastTransitionTime": at}]}});
        assert!(job_failed(&job("2026-12-05T10:05:00Z"), since()));
        assert!(!job_failed(&job("2026-12-05T09:05:00Z"), since()));
        assert!(!job_failed(&json!({"status": {"succeeded": 1}}), since()));
    }

    #[test]
    fn default_names_are_safe() {
        let now = "2026-12-05T03:04:05Z".parse().unwrap();
        assert_eq!(
            default_file_name("arn:aws:eks/prod", now),
            "strata-bundle-arn_aws_eks_prod-20261205T030405Z.tar.gz"
        );
    }
}
