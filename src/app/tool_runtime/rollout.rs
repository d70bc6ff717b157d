//! Plain workloads for the cockpit: a Deployment's, StatefulSet's or DaemonSet's rollout
//! history, putting a revision back and bumping a container's image — read and changed as
//! the operator's kube user, watched and verified like a Helm change.

use kube::Client;

use crate::app::tool::{Act, Level, Page, Row, Watched};
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
fn workload_of(act: &Act) -> Result<(WorkloadKind, String, String), String> {
    match act.watched() {
        Some(Watched::Workload {
            kind,
            namespace,
            name,
        }) => Ok((kind_of(&kind)?, namespace, name)),
        _ => Err("not a rollout change".into()),
    }
}

/// The right to `verb` an object of any kind, and its namespace (none: cluster-scoped).
fn object_access<'a>(
    verb: &str,
    resource: &crate::cluster::ResourceKind,
    namespace: &'a str,
) -> (Option<&'a str>, Access) {
    let scope = (!namespace.is_empty()).then_some(namespace);
    let mut access = Access::new(verb, &resource.group, &resource.plural);
    if let Some(namespace) = scope {
        access = access.in_namespace(namespace);
    }
    (scope, access)
}

/// The guard's record of an undo or an image bump: the workload, the revision or image, and
/// the right to update it.
pub(super) fn mutation(act: &Act) -> Result<Mutation, String> {
    if let Act::Delete {
        resource,
        namespace,
        name,
        force,
    } = act
    {
        let (scope, access) = object_access("delete", resource, namespace);
        return Ok(Mutation::new(
            if *force { "delete.force" } else { "delete" },
            Target::new(&resource.kind, scope, name),
        )
        .needs(access));
    }
    if let Act::Exec {
        namespace,
        pod,
        container,
    } = act
    {
        return Ok(
            Mutation::new("exec", Target::new("Pod", Some(namespace), pod))
                .parameter("container", container.clone())
                .needs(
                    Access::new("create", "", "pods")
                        .subresource("exec")
                        .in_namespace(namespace),
                ),
        );
    }
    if let Act::PortForward {
        kind,
        namespace,
        name,
        ports,
    } = act
    {
        return Ok(
            Mutation::new("port-forward", Target::new(kind, Some(namespace), name))
                .parameter("ports", ports.clone())
                .needs(Access::port_forward(namespace))
                .changes_nothing(),
        );
    }
    if let Act::Edit {
        resource,
        namespace,
        name,
        original,
        ..
    } = act
    {
        let (scope, access) = object_access("update", resource, namespace);
        let version = crate::cluster::edit::resource_version(original).unwrap_or_default();
        return Ok(
            Mutation::new("edit", Target::new(&resource.kind, scope, name))
                .parameter("resourceVersion", version)
                .needs(access),
        );
    }
    let (kind, namespace, name) = workload_of(act)?;
    let (namespace, name) = (namespace.as_str(), name.as_str());
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
        Act::Restart { .. } => Mutation::new("rollout.restart", target),
        Act::Scale { replicas, .. } => {
            return Ok(Mutation::new("scale", target)
                .parameter("replicas", replicas.to_string())
                .needs(
                    Access::new("patch", "apps", &format!("{}/scale", kind.plural()))
                        .in_namespace(namespace),
                ));
        }
        _ => return Err("not a rollout change".into()),
    };
    Ok(mutation.needs(Access::new("update", "apps", kind.plural()).in_namespace(namespace)))
}

/// The replicas the workload asks for now, to edit.
pub(super) async fn replicas_to_edit(kube: &Client, act: &Act) -> Result<String, String> {
    let (kind, namespace, name) = workload_of(act)?;
    let (namespace, name) = (namespace.as_str(), name.as_str());
    rollout::replicas(kube, kind, namespace, name)
        .await
        .map(|n| n.to_string())
}

/// The image the workload's template runs now, to edit.
pub(super) async fn image_to_edit(kube: &Client, act: &Act) -> Result<String, String> {
    let (kind, namespace, name) = workload_of(act)?;
    let (namespace, name) = (namespace.as_str(), name.as_str());
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
    if let Act::Delete {
        resource,
        namespace,
        name,
        force,
    } = act
    {
        return rollout::delete(kube, resource, namespace, name, *force).await;
    }
    // The shell itself runs in the cockpit's terminal; what is recorded is its opening.
    if let Act::Exec {
        namespace,
        pod,
        container,
    } = act
    {
        return Ok(format!(
            "opening a shell in {namespace}/{pod} ({container})…"
        ));
    }
    if let Act::Edit {
        resource,
        namespace,
        name,
        original,
        edited,
    } = act
    {
        return crate::cluster::edit::replace(kube, resource, namespace, name, original, edited)
            .await;
    }
    let (kind, namespace, name) = workload_of(act)?;
    let (namespace, name) = (namespace.as_str(), name.as_str());
    let began = chrono::Utc::now();
    let said = match act {
        Act::SetImage {
            container, image, ..
        } => rollout::set_image(kube, kind, namespace, name, container.as_deref(), image).await?,
        Act::Undo { revision, .. } => rollout::undo(kube, kind, namespace, name, *revision).await?,
        Act::Restart { .. } => rollout::restart(kube, kind, namespace, name).await?,
        Act::Scale { replicas, .. } => {
            rollout::scale(kube, kind, namespace, name, *replicas).await?
        }
        _ => return Err("not a rollout change".into()),
    };
    let subject = subject(kube, kind.as_str(), namespace, name).await?;
    let verdict = super::helm::verified(kube, &subject, began).await;
    Ok(format!("{said}\n{verdict}"))
}
