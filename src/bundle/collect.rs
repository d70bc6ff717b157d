//! Reads what a bundle holds from the cluster — the layers and runs (the same one-shot read as
//! `strata status`), Secrets (only for their values to scrub), events, unhealthy pods, Jobs
//! and workloads, container logs, Helm release storage — and writes the `.tar.gz`. A read the
//! user may not make (403) is a line in the README, never the end of the bundle.

use std::collections::BTreeSet;

use chrono::Utc;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use serde_json::Value;

use super::events;
use super::readme::{self, ReadmeFacts};
use super::redact::{Redactor, secret_literals};
use super::writer::{BundleWriter, bundle_path};
use super::{
    BundleOptions, BundleProgress, BundleSummary, job_failed, log_containers, pod_trouble,
};
use crate::cluster::layers::{self, LayersError};
use crate::cluster::{Cache, NamespaceScope, with_causes};
use crate::stack::{ComponentReport, Health};

/// Pods whose logs are read at most (the worst first is not known; the first found are
/// taken, and the README says how many were skipped).
const MAX_LOG_PODS: usize = 40;
/// Helm revisions whose values are written, newest first.
const MAX_VALUES_REVISIONS: usize = 10;
/// A log line longer than this is cut (a 1 MB line must not eat the bundle).
const MAX_LOG_LINE: usize = 16 * 1024;
const PAGE: u32 = 500;
/// Running pods per unhealthy component whose logs are read when none of its pods is failing.
const WITNESS_PODS: usize = 3;

/// Why no bundle was written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Layers(#[from] LayersError),
    #[error("cannot list {what}: {reason}; check that the cluster is reachable")]
    Read { what: String, reason: String },
    #[error(transparent)]
    Tar(#[from] super::tar::TarError),
    #[error("cannot write the bundle to {path}: {reason}; choose another place with -o")]
    Write { path: String, reason: String },
}

/// What a read of one kind gave: the objects, or a reason it is not in the bundle.
enum Listed {
    Objects(Vec<Value>),
    Forbidden(String),
}

/// Writes the bundle `options` describe and says how it went; `progress` hears each step.
/// `strata bundle` and the cockpit's incident screen (`b`) both call this.
pub async fn write_bundle(
    client: kube::Client,
    options: &BundleOptions,
    progress: &mut (dyn FnMut(BundleProgress) + Send),
) -> Result<BundleSummary, BundleError> {
    let now = Utc::now();
    let from = now - options.since;
    let path = options.output.clone().unwrap_or_else(|| {
        std::path::PathBuf::from(super::default_file_name(&options.context, now))
    });
    let root = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".tar.gz").to_string())
        .unwrap_or_else(|| "strata-bundle".into());

    progress(BundleProgress::Step("reading the layers".into()));
    let update = layers::assess_once(
        Cache::new(client.clone()),
        options.scope.clone(),
        options.rules.clone(),
    )
    .await?;
    let report = update.report.clone();
    let unhealthy: Vec<&ComponentReport> = report
        .components()
        .filter(|c| matches!(c.health, Health::Degraded | Health::Down))
        .collect();
    progress(BundleProgress::Found {
        what: "unhealthy components".into(),
        count: unhealthy.len(),
    });

    // Secrets first: their values must be known before any text is added.
    let (redactor, unscrubbed) =
        scrubbing_redactor(&client, &options.scope, &report, progress).await?;
    let mut writer = BundleWriter::new(&root, redactor, options.limits);
    if let Some(why) = unscrubbed {
        writer.leave_out("Secret values as literals to scrub", &why);
    }
    for warning in &update.warnings {
        writer.leave_out(
            &format!("{} (layers)", warning.kind),
            &format!("not read: {}", warning.reason),
        );
    }

    writer.add(
        "status.json",
        crate::status::json_text(&report, &options.context, &update.warnings),
    );
    // The incident timeline of the same window, as `strata incident` prints it: what broke and
    // the changes before it. Its reads that fail are warnings inside it, never the end.
    progress(BundleProgress::Step("reading the change timeline".into()));
    let mut incident =
        crate::cluster::incident::read(&client, &options.scope, &report, from, now).await;
    incident
        .warnings
        .extend(update.warnings.iter().map(|w| w.to_string()));
    progress(BundleProgress::Found {
        what: "changes in the window".into(),
        count: incident.changes.len(),
    });
    writer.add(
        "incident.json",
        serde_json::to_string_pretty(&incident.to_json()).unwrap_or_default() + "\n",
    );
    writer.add("incident.txt", incident.to_text());
    drop(incident);

    let runs = crate::commands::runs::select(&update.runs, None, None, Some(options.since), now);
    progress(BundleProgress::Found {
        what: "runs in the window".into(),
        count: runs.len(),
    });
    writer.add(
        "runs.json",
        crate::commands::runs::json_text(&options.context, &runs, now),
    );

    let all_events = match list(&client, &EVENTS, &options.scope, None).await? {
        Listed::Objects(events) => events,
        Listed::Forbidden(why) => {
            writer.leave_out("events", &why);
            Vec::new()
        }
    };
    let groups = events::group(&all_events, from);
    progress(BundleProgress::Counted {
        what: "events".into(),
        count: groups.iter().map(|g| g.count as usize).sum(),
    });
    writer.add("events.txt", events::to_text(&groups));
    writer.add(
        "events.json",
        serde_json::to_string_pretty(&groups).unwrap_or_default() + "\n",
    );

    progress(BundleProgress::Step("finding unhealthy objects".into()));
    let Unhealthy { broken, log_pods } =
        unhealthy_objects(&client, &options.scope, from, &unhealthy, &mut writer).await?;
    progress(BundleProgress::Found {
        what: "unhealthy objects to describe".into(),
        count: broken.len(),
    });
    for obj in &broken {
        let mut obj = obj.clone();
        writer.redactor().value(&mut obj);
        let text = strata_common::describe::describe(&obj, &all_events, now).join("\n") + "\n";
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or("_cluster");
        let file = format!(
            "{}-{}.txt",
            obj["kind"].as_str().unwrap_or("Object"),
            obj["metadata"]["name"].as_str().unwrap_or("unnamed")
        );
        writer.add(&bundle_path(&["describe", ns, &file]), text);
    }
    drop(all_events);

    if log_pods.len() > MAX_LOG_PODS {
        writer.leave_out(
            &format!("logs of {} pods", log_pods.len() - MAX_LOG_PODS),
            &format!("at most {MAX_LOG_PODS} pods' logs are read"),
        );
    }
    let log_pods = &log_pods[..log_pods.len().min(MAX_LOG_PODS)];
    for (i, pod) in log_pods.iter().enumerate() {
        progress(BundleProgress::Item {
            what: "logs of pods".into(),
            done: i + 1,
            of: log_pods.len(),
        });
        pod_logs(&client, pod, options.tail_lines, &mut writer).await;
    }

    let mut releases: BTreeSet<(String, String)> = BTreeSet::new();
    for c in &unhealthy {
        if let Some(release) = &c.release {
            releases.insert((c.namespace.clone(), release.clone()));
        }
    }
    for (i, (ns, release)) in releases.iter().enumerate() {
        progress(BundleProgress::Item {
            what: "Helm releases".into(),
            done: i + 1,
            of: releases.len(),
        });
        helm_release(&client, ns, release, &mut writer).await;
    }

    for (file, bytes) in &options.extra_files {
        writer.add(file, bytes);
    }

    progress(BundleProgress::Step("writing the archive".into()));
    let left_out = writer.left_out().to_vec();
    let redactor = writer.redactor();
    let facts = ReadmeFacts {
        context: &options.context,
        scope: match &options.scope {
            NamespaceScope::All => "all namespaces".into(),
            NamespaceScope::Only(ns) => format!("namespace {ns}"),
        },
        from,
        written: now,
        files: writer.paths().collect(),
        left_out: &left_out,
        limits: options.limits,
        tail_lines: options.tail_lines,
        literals: redactor.literal_count(),
        kept_as_names: redactor.kept_as_names(),
        redactions: redactor.redactions(),
    };
    let readme = readme::render(&facts);
    let redactions = redactor.redactions();
    let finished = writer.finish(&readme)?;
    write_file(&path, &finished.bytes)?;
    Ok(BundleSummary {
        bytes: finished.bytes.len() as u64,
        path,
        uncompressed: finished.uncompressed,
        files: finished.files,
        left_out,
        redactions,
    })
}

/// What the bundle describes and whose logs it reads.
struct Unhealthy {
    /// Pods, Jobs and workloads to describe.
    broken: Vec<Value>,
    /// Failing pods, then a few running pods of components broken by something whose pods
    /// are gone.
    log_pods: Vec<Value>,
}

/// The unhealthy objects: not-ready or crashing pods, Jobs failed in the window, degraded
/// workloads of unhealthy components.
async fn unhealthy_objects(
    client: &kube::Client,
    scope: &NamespaceScope,
    from: chrono::DateTime<Utc>,
    unhealthy: &[&ComponentReport],
    writer: &mut BundleWriter,
) -> Result<Unhealthy, BundleError> {
    let mut troubled_pods: Vec<Value> = Vec::new();
    // The first few running pods of each unhealthy component: its witnesses, should it have
    // no troubled pod. Sorted as they arrive, page by page, so a big cluster's healthy pods
    // are never all held.
    let mut witnesses: Vec<Vec<Value>> = vec![Vec::new(); unhealthy.len()];
    let forbidden = each_listed(client, &PODS, scope, None, |pod| {
        if pod_trouble(&pod, from).is_some() {
            troubled_pods.push(pod);
            return;
        }
        for (component, kept) in unhealthy.iter().zip(&mut witnesses) {
            if kept.len() < WITNESS_PODS && super::pod_of(&pod, component) {
                kept.push(pod.clone());
            }
        }
    })
    .await?;
    if let Some(why) = forbidden {
        writer.leave_out("pods", &why);
    }
    let mut broken: Vec<Value> = troubled_pods.clone();
    // A component broken by something whose pods are gone (a failed hook Job, cleaned up)
    // still has its running pods' logs to say what they saw.
    let mut witness_pods: Vec<Value> = Vec::new();
    for (component, kept) in unhealthy.iter().zip(witnesses) {
        if !troubled_pods.iter().any(|p| super::pod_of(p, component)) {
            witness_pods.extend(kept);
        }
    }
    match list(client, &JOBS, scope, None).await? {
        Listed::Objects(jobs) => broken.extend(jobs.into_iter().filter(|j| job_failed(j, from))),
        Listed::Forbidden(why) => writer.leave_out("jobs", &why),
    }
    for component in unhealthy {
        for w in component
            .workloads
            .iter()
            .filter(|w| w.health != Health::Healthy)
        {
            let Some(kind) = WORKLOADS.iter().find(|k| k.kind == w.kind) else {
                continue;
            };
            if broken.iter().any(|b| {
                b["kind"] == w.kind
                    && b["metadata"]["name"] == w.name.as_str()
                    && b["metadata"]["namespace"] == w.namespace.as_str()
            }) {
                continue;
            }
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), &w.namespace, &kind.resource());
            match api.get(&w.name).await {
                Ok(obj) => broken.push(with_kind(obj, kind)),
                Err(error) => writer.leave_out(
                    &format!("{}/{} in {}", w.kind, w.name, w.namespace),
                    &read_error(&error),
                ),
            }
        }
    }
    let mut log_pods = troubled_pods;
    log_pods.extend(witness_pods);
    Ok(Unhealthy { broken, log_pods })
}

/// A redactor that knows the values of the Secrets in `scope` (Helm's storage aside), or
/// none and why.
async fn scrubbing_redactor(
    client: &kube::Client,
    scope: &NamespaceScope,
    report: &crate::stack::StackReport,
    progress: &mut (dyn FnMut(BundleProgress) + Send),
) -> Result<(Redactor, Option<String>), BundleError> {
    // Names everyone sees are not scrubbed as literals (see `Redactor::new`).
    let mut names: BTreeSet<String> = BTreeSet::new();
    for c in report.components() {
        names.insert(c.namespace.clone());
        names.insert(c.name.clone());
        names.extend(c.release.clone());
    }
    let names: Vec<String> = names.into_iter().collect();
    Ok(
        match list(client, &SECRETS, scope, Some("owner!=helm")).await? {
            // Only the values are kept (inside the redactor); the objects are dropped here.
            Listed::Objects(secrets) => {
                let literals: Vec<String> = secrets.iter().flat_map(secret_literals).collect();
                progress(BundleProgress::Counted {
                    what: "Secrets (values to scrub)".into(),
                    count: secrets.len(),
                });
                (Redactor::new(literals, &names), None)
            }
            Listed::Forbidden(why) => {
                progress(BundleProgress::Skipped(why.clone()));
                let why = format!(
                    "{why}; credential-named keys, URLs and headers are still redacted, but a \
                 Secret's value copied elsewhere under another name cannot be recognised"
                );
                (Redactor::default(), Some(why))
            }
        },
    )
}

/// Next to the target, then renamed: a reader never sees half a bundle.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), BundleError> {
    let error = |e: std::io::Error| BundleError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = std::path::PathBuf::from(partial);
    std::fs::write(&partial, bytes).map_err(error)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        error(e)
    })
}

/// The current and (after a restart) previous log of each container, sanitized line by line.
async fn pod_logs(client: &kube::Client, pod: &Value, tail: i64, writer: &mut BundleWriter) {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    for (container, restarted) in log_containers(pod) {
        for previous in [false, true] {
            if previous && !restarted {
                continue;
            }
            let params = LogParams {
                container: Some(container.clone()),
                tail_lines: Some(tail),
                previous,
                ..LogParams::default()
            };
            let file = format!("{container}{}.log", if previous { ".previous" } else { "" });
            let path = bundle_path(&["logs", ns, name, &file]);
            match api.logs(name, &params).await {
                Ok(text) => {
                    let clean: String = text
                        .lines()
                        .map(|l| {
                            crate::logs::sanitize::sanitize(l.as_bytes(), MAX_LOG_LINE).text + "\n"
                        })
                        .collect();
                    writer.add(&path, clean);
                }
                Err(error) => writer.leave_out(&path, &read_error(&error)),
            }
        }
    }
}

/// `helm history` and each recent revision's user-supplied values, from the release storage.
async fn helm_release(client: &kube::Client, ns: &str, release: &str, writer: &mut BundleWriter) {
    let dir = bundle_path(&["helm", ns, release]);
    let revisions = match crate::helm::read_revisions(client, ns, release).await {
        Ok(r) => r,
        Err(error) => {
            writer.leave_out(&format!("{dir}/"), &read_error(&error));
            return;
        }
    };
    writer.add(&format!("{dir}/history.txt"), history_text(&revisions));
    for revision in revisions.iter().rev().take(MAX_VALUES_REVISIONS) {
        let file = format!("{dir}/values-rev{}.yaml", revision.number);
        match &revision.release {
            Ok(r) => {
                let mut values = Value::Object(r.config.clone());
                writer.redactor().value(&mut values);
                let yaml = if r.config.is_empty() {
                    "# no user-supplied values\n".to_string()
                } else {
                    serde_saphyr::to_string(&values)
                        .unwrap_or_else(|e| format!("# cannot write the values as YAML: {e}\n"))
                };
                writer.add(&file, yaml);
            }
            Err(why) => writer.leave_out(&file, &format!("the release does not decode: {why}")),
        }
    }
    if revisions.len() > MAX_VALUES_REVISIONS {
        writer.leave_out(
            &format!("{dir}/values of revisions before the last {MAX_VALUES_REVISIONS}"),
            "older revisions' values are left out (their history lines are kept)",
        );
    }
}

/// `helm history`'s columns, newest last.
fn history_text(revisions: &[crate::helm::Revision]) -> String {
    let mut rows = vec![[
        "REVISION".to_string(),
        "UPDATED".into(),
        "STATUS".into(),
        "CHART".into(),
        "APP VERSION".into(),
        "DESCRIPTION".into(),
    ]];
    for r in revisions {
        let (updated, chart, app, description) = match &r.release {
            Ok(rel) => (
                rel.info
                    .last_deployed
                    .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                    .unwrap_or_default(),
                rel.chart_label(),
                rel.app_version().to_string(),
                rel.info.description.clone(),
            ),
            Err(why) => (String::new(), String::new(), String::new(), why.clone()),
        };
        rows.push([
            r.number.to_string(),
            updated,
            r.status.as_str().to_string(),
            chart,
            app,
            // Helm's descriptions hold the hook's multi-line error: one row each.
            description.split_whitespace().collect::<Vec<_>>().join(" "),
        ]);
    }
    let lines: String = rows
        .iter()
        .map(|row| row.join("\t") + "\n")
        .collect::<String>();
    strata_common::describe::tabwriter(&lines)
        .iter()
        .map(|l| strata_common::text::sanitize(l).into_owned() + "\n")
        .collect()
}

/// A kind the bundle lists or gets.
struct Kind {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
}

impl Kind {
    fn resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.into(),
            version: self.version.into(),
            api_version: if self.group.is_empty() {
                self.version.into()
            } else {
                format!("{}/{}", self.group, self.version)
            },
            kind: self.kind.into(),
            plural: self.plural.into(),
        }
    }
}

impl Kind {
    const fn new(group: &'static str, kind: &'static str, plural: &'static str) -> Kind {
        Kind {
            group,
            version: "v1",
            kind,
            plural,
        }
    }
}

const SECRETS: Kind = Kind::new("", "Secret", "secrets");
const EVENTS: Kind = Kind::new("", "Event", "events");
const PODS: Kind = Kind::new("", "Pod", "pods");
const JOBS: Kind = Kind::new("batch", "Job", "jobs");
/// The workloads a component report names that the bundle describes.
const WORKLOADS: [Kind; 5] = [
    Kind::new("apps", "Deployment", "deployments"),
    Kind::new("apps", "StatefulSet", "statefulsets"),
    Kind::new("apps", "DaemonSet", "daemonsets"),
    Kind::new("batch", "CronJob", "cronjobs"),
    JOBS,
];

/// The object as JSON with its kind (list items and typed gets may come without it).
fn with_kind(obj: DynamicObject, kind: &Kind) -> Value {
    let mut json = serde_json::to_value(&obj).unwrap_or_default();
    json["kind"] = kind.kind.into();
    json["apiVersion"] = kind.resource().api_version.into();
    json
}

/// Every object of a kind in the scope, page by page; 401/403 is an answer, not an error.
async fn list(
    client: &kube::Client,
    kind: &Kind,
    scope: &NamespaceScope,
    labels: Option<&str>,
) -> Result<Listed, BundleError> {
    let mut out = Vec::new();
    Ok(
        match each_listed(client, kind, scope, labels, |o| out.push(o)).await? {
            Some(why) => Listed::Forbidden(why),
            None => Listed::Objects(out),
        },
    )
}

/// Hands each object of a kind in the scope to `each` as its page arrives, so a caller that
/// keeps a few never holds them all; `Some(why)` when the list is forbidden (401/403).
async fn each_listed(
    client: &kube::Client,
    kind: &Kind,
    scope: &NamespaceScope,
    labels: Option<&str>,
    mut each: impl FnMut(Value),
) -> Result<Option<String>, BundleError> {
    let api: Api<DynamicObject> = match scope {
        NamespaceScope::Only(ns) => Api::namespaced_with(client.clone(), ns, &kind.resource()),
        NamespaceScope::All => Api::all_with(client.clone(), &kind.resource()),
    };
    let mut params = ListParams::default().limit(PAGE);
    if let Some(labels) = labels {
        params = params.labels(labels);
    }
    loop {
        match api.list(&params).await {
            Ok(page) => {
                page.items
                    .into_iter()
                    .for_each(|o| each(with_kind(o, kind)));
                match page.metadata.continue_ {
                    Some(token) if !token.is_empty() => params = params.continue_token(&token),
                    _ => return Ok(None),
                }
            }
            Err(kube::Error::Api(status)) if status.code == 403 || status.code == 401 => {
                return Ok(Some(format!(
                    "forbidden ({}): cannot list {}: {}",
                    status.code, kind.plural, status.message
                )));
            }
            Err(error) => {
                return Err(BundleError::Read {
                    what: kind.plural.into(),
                    reason: with_causes(&error),
                });
            }
        }
    }
}

/// Why one read failed, for the README.
fn read_error(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 403 || status.code == 401 => {
            format!("forbidden ({}): {}", status.code, status.message)
        }
        kube::Error::Api(status) => format!("not read ({}): {}", status.code, status.message),
        other => format!("not read: {}", with_causes(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_reads_like_helm_history() {
        let revision = |n: u32, status: &str, chart: &str| crate::helm::Revision {
            number: n,
            status: crate::release::ReleaseStatus::parse(status),
            release: Ok(crate::release::HelmRelease {
                info: crate::release::ReleaseInfo {
                    description: format!("{status} at {n}"),
                    last_deployed: Some(
                        "2026-12-05T10:00:00Z"
                            .parse::<chrono::DateTime<Utc>>()
                            .unwrap(),
                    ),
                    status: crate::release::ReleaseStatus::parse(status),
                    ..Default::default()
                },
                chart: Some(crate::release::Chart {
                    metadata: crate::release::ChartMetadata {
                        name: chart.into(),
                        version: "1.2.3".into(),
                        ..Default::default()
                    },
                    ..Default::default()
                }),
                ..Default::default()
            }),
            secret_name: String::new(),
            secret_labels: Default::default(),
            secret_annotations: Default::default(),
            created: None,
        };
        let text = history_text(&[
            revision(1, "superseded", "superset"),
            revision(2, "failed", "superset"),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("REVISION  UPDATED"), "{text}");
        assert!(lines[2].starts_with("2 "), "{text}");
        assert!(
            lines[2].contains("failed") && lines[2].contains("superset-1.2.3"),
            "{text}"
        );
    }

    #[allow(dead_code)]
    fn _bundle_future_is_send(client: kube::Client, options: BundleOptions) {
        fn is_send<T: Send>(_: T) {}
        let mut sink = |_: BundleProgress| {};
        is_send(async move { write_bundle(client, &options, &mut sink).await });
    }
}
