//! Plain workloads for the cockpit: a Deployment's, StatefulSet's or DaemonSet's rollout
//! history, and putting a revision back — read and changed as the operator's kube user.

use kube::Client;

use crate::app::tool::{Act, Level, Page, Row};
use crate::cluster::rollout::{self, WorkloadKind};
use crate::guard::{Access, Mutation, Target};

fn kind_of(kind: &str) -> Result<WorkloadKind, String> {
    WorkloadKind::parse(kind).ok_or_else(|| format!("a {kind} has no rollout history"))
}

/// The revisions, newest first; the one running now says so.
pub(super) async fn load(kube: &Client, level: &Level) -> Result<Page, String> {
    let Level::Rollouts {
        kind,
        namespace,
        name,
    } = level
    else {
        return Err("not a rollout history".into());
    };
    let revisions = rollout::history(kube, kind_of(kind)?, namespace, name).await?;
    let rows = revisions
        .into_iter()
        .map(|r| Row {
            state: Some(if r.current { "current" } else { "kept" }.to_string()),
            try_number: u32::try_from(r.revision).unwrap_or(0),
            label: r.keeper,
            detail: r.images.join(", "),
            note: r.cause.unwrap_or_default(),
            started: r.created,
            ..Row::new(r.revision.to_string())
        })
        .collect();
    Ok(Page {
        source: format!("{kind} {namespace}/{name}"),
        namespace: Some(namespace.clone()),
        rows,
    })
}

/// What an undo names: the workload and the revision to put back.
fn undo_of(act: &Act) -> Result<(WorkloadKind, &str, &str, i64), String> {
    let Act::Undo {
        kind,
        namespace,
        name,
        revision,
    } = act
    else {
        return Err("not a rollout change".into());
    };
    Ok((kind_of(kind)?, namespace, name, *revision))
}

/// The guard's record of an undo: the workload, the revision, and the right to update it.
pub(super) fn mutation(act: &Act) -> Result<Mutation, String> {
    let (kind, namespace, name, revision) = undo_of(act)?;
    Ok(Mutation::new(
        "rollout.undo",
        Target::new(kind.as_str(), Some(namespace), name),
    )
    .parameter("revision", revision.to_string())
    .needs(Access::new("update", "apps", kind.plural()).in_namespace(namespace)))
}

/// Puts the revision back; what to tell the operator.
pub(super) async fn send(kube: &Client, act: &Act) -> Result<String, String> {
    let (kind, namespace, name, revision) = undo_of(act)?;
    rollout::undo(kube, kind, namespace, name, revision).await
}
