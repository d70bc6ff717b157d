//! Where a tool's API was found — a URL from the config, or a pod reached by a port-forward —
//! and what the guard needs to know of a change made through it, shared by every tool.

use std::time::Duration;

use crate::guard::{Access, Mutation, Target};
use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client};

use crate::tools::connector::{Connector, TransportError};

/// A pod a tool's API was found in (the namespace is where the port-forward opens).
pub trait PodEndpoint {
    fn namespace(&self) -> &str;
}

/// Where a tool was found, for the operator ("pod ingestion/airbyte-server-… port 8001
/// (port-forward)") and for the guard.
#[derive(Clone, Debug)]
pub struct Located<E> {
    pub connector: Connector,
    /// The pod behind a port-forward; `None` for a URL from the config.
    pub endpoint: Option<E>,
}

impl<E> Located<E> {
    /// The URL the context's config gives for the tool, checked, when it gives one.
    pub fn configured(url: Option<&str>) -> Result<Option<Self>, TransportError> {
        url.map(|url| {
            Ok(Located {
                connector: Connector::url(url)?,
                endpoint: None,
            })
        })
        .transpose()
    }
}

/// The pods to look for a tool's API pod in: `namespace`'s, or every namespace's.
pub fn pods_in(client: &Client, namespace: Option<&str>) -> Api<Pod> {
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

impl<E: PodEndpoint> Located<E> {
    /// The namespace a port-forward opens in (`pods/portforward` is checked there).
    pub fn forward_namespace(&self) -> Option<&str> {
        self.endpoint.as_ref().map(PodEndpoint::namespace)
    }

    /// The guard's record of `action` on the tool's `kind` called `name`, in the namespace the
    /// tool was reached in, with where the tool is (under `tool`) and what reaching it needs.
    pub fn mutation(&self, action: &str, kind: &str, name: &str, tool: &str) -> Mutation {
        let namespace = self.forward_namespace();
        let mutation = Mutation::new(action, Target::new(kind, namespace, name))
            .parameter(tool, self.connector.describe());
        match namespace {
            Some(namespace) => mutation.needs(Access::port_forward(namespace)),
            None => mutation.outside_cluster(),
        }
    }
}

/// Failures in a row a follow tolerates (a dropped port-forward, a restarting server) before
/// it gives up.
pub const FOLLOW_RETRIES: u32 = 5;

/// Asks `fetch` every `poll` until what it returns is in a terminal `state`, calling
/// `on_change` each time the state changes (and once at the start). Up to [`FOLLOW_RETRIES`]
/// transient errors in a row are asked again; any other error ends the follow.
pub async fn follow<T, S, E, Fut>(
    mut fetch: impl FnMut() -> Fut,
    poll: Duration,
    state: impl Fn(&T) -> S,
    is_terminal: impl Fn(&S) -> bool,
    is_transient: impl Fn(&E) -> bool,
    mut on_change: impl FnMut(&T),
) -> Result<T, E>
where
    S: PartialEq,
    Fut: Future<Output = Result<T, E>>,
{
    let mut last: Option<S> = None;
    let mut failures = 0;
    loop {
        match fetch().await {
            Ok(now) => {
                failures = 0;
                let current = state(&now);
                if last.as_ref() != Some(&current) {
                    on_change(&now);
                }
                if is_terminal(&current) {
                    return Ok(now);
                }
                last = Some(current);
            }
            Err(e) if is_transient(&e) && failures < FOLLOW_RETRIES => failures += 1,
            Err(e) => return Err(e),
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test]
    async fn a_follow_tells_each_change_retries_transient_errors_and_ends_at_the_end() {
        let answers = [Ok(1), Ok(1), Err("blip"), Ok(2), Ok(3)];
        let at = Cell::new(0);
        let mut seen = Vec::new();
        let ended = follow(
            || {
                let answer = answers[at.get()];
                at.set(at.get() + 1);
                async move { answer }
            },
            Duration::ZERO,
            |n: &i32| *n,
            |n| *n == 3,
            |e: &&str| *e == "blip",
            |n| seen.push(*n),
        )
        .await;
        assert_eq!(ended, Ok(3));
        assert_eq!(seen, vec![1, 2, 3]);
        // A lasting error ends it.
        let failed: Result<i32, &str> = follow(
            || async { Err("down") },
            Duration::ZERO,
            |n: &i32| *n,
            |_| false,
            |_| true,
            |_| {},
        )
        .await;
        assert_eq!(failed, Err("down"));
    }
}
