//! Plain workloads for the cockpit: a Deployment's, StatefulSet's or DaemonSet's rollout
//! history, putting a revision back and bumping a container's image — read and changed as
//! the operator's kube user, watched and verified like a Helm change.

use kube::Client;

use crate::app::tool::{Act, Level, Page, Row};
use crate::cluster::rollout::{self, WorkloadKind};
use crate::guard::{Access, Mutation, Target};
use crate::helm::watch::Subject;

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

/// The workload a change names.
fn workload_of(act: &Act) -> Result<(WorkloadKind, &str, &str), String> {
    match act {
        Act::Undo {
            kind,
            namespace,
            name,
            ..
        }
        | Act::SetImage {
            kind,
            namespace,
            name,
            ..
        } => Ok((kind_of(kind)?, namespace, name)),
        _ => Err("not a rollout change".into()),
    }
}

/// The guard's record of an undo or an image bump: the workload, the revision or image, and
/// the right to update it.
pub(super) fn mutation(act: &Act) -> Result<Mutation, String> {
    let (kind, namespace, name) = workload_of(act)?;
    let target = Target::new(kind.as_str(), Some(namespace), name);
    let mutation = match act {
        Act::SetImage {
            container, image, ..
        } => Mutation::new("rollout.image", target)
            .parameter("container", container.clone().unwrap_or_default())
            .parameter("image", image.clone()),
        Act::Undo { revision, .. } => {
            Mutation::new("rollout.undo", target).parameter("revision", revision.to_string())
        }
        _ => return Err("not a rollout change".into()),
    };
    Ok(mutation.needs(Access::new("update", "apps", kind.plural()).in_namespace(namespace)))
}

/// The image the workload's template runs now, to edit.
pub(super) async fn image_to_edit(kube: &Client, act: &Act) -> Result<String, String> {
    let (kind, namespace, name) = workload_of(act)?;
    rollout::image_to_edit(kube, kind, namespace, name).await
}

/// What the change is watched on: the workload's pods.
pub(super) async fn subject(
    kube: &Client,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Subject, String> {
    let selector = rollout::selector(kube, kind_of(kind)?, namespace, name).await?;
    Ok(Subject::workload(namespace, name, selector))
}

/// Puts the revision back or sets the image, then judges the pods; what to tell the
/// operator.
pub(super) async fn send(kube: &Client, act: &Act) -> Result<String, String> {
    let (kind, namespace, name) = workload_of(act)?;
    let began = chrono::Utc::now();
    let said = match act {
        Act::SetImage {
            container, image, ..
        } => rollout::set_image(kube, kind, namespace, name, container.as_deref(), image).await?,
        Act::Undo { revision, .. } => rollout::undo(kube, kind, namespace, name, *revision).await?,
        _ => return Err("not a rollout change".into()),
    };
    let subject = subject(kube, kind.as_str(), namespace, name).await?;
    let verdict = super::helm::verified(kube, &subject, began).await;
    Ok(format!("{said}\n{verdict}"))
}
