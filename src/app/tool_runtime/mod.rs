//! The cockpit's side of the tools' APIs: one signed-in client per tool and connection (found
//! and signed in on the first `:airflow` or `:airbyte`, kept until the context changes), the
//! loads of each level, and the changes — checked by the guard, confirmed, sent, recorded.

mod airbyte;
mod airflow;
mod helm;
mod rollout;

use std::sync::{Arc, Mutex};

use kube::Client;

use super::action::Action;
use super::tool::{Act, Approved, Level, Tool, TypedCredentials};
use crate::config::ContextSettings;
use crate::guard::{Approval, Guard, Outcome};

/// A tool's session, made on first use (tokio's lock: loads wait for the one sign-in rather
/// than each making their own).
type Slot<T> = Arc<tokio::sync::Mutex<Option<Arc<T>>>>;

/// The session in `slot`, made by `sign_in` when there is none (and kept for the next).
async fn cached<T>(
    slot: &Slot<T>,
    sign_in: impl std::future::Future<Output = Result<T, SessionError>>,
) -> Result<Arc<T>, SessionError> {
    let mut held = slot.lock().await;
    if let Some(session) = held.as_ref() {
        return Ok(session.clone());
    }
    let session = Arc::new(sign_in.await?);
    *held = Some(session.clone());
    Ok(session)
}

/// What finding and signing in to a tool needs: the cluster and the context's settings
/// (`airflow_url`, `airbyte_url`, `airflow_secret`).
pub(crate) struct Reach {
    pub kube: Client,
    pub settings: Option<ContextSettings>,
    /// How helm reaches the same cluster (the kubeconfig file and context), or why it cannot.
    pub helm_kube: Result<crate::helm::KubeArgs, String>,
    /// The audit log, next to which helm's output is kept.
    pub audit_log: Option<std::path::PathBuf>,
}

/// Why there is no session.
#[derive(Debug)]
pub(crate) enum SessionError {
    /// Nothing stored signs in to the tool at `target`: the operator is asked (again, with
    /// `refused` when what they typed was refused).
    NeedsCredentials {
        target: String,
        refused: Option<String>,
    },
    Failed(String),
}

impl SessionError {
    /// What to tell the operator where asking is not an option (a change mid-way).
    fn said(self) -> String {
        match self {
            SessionError::NeedsCredentials { target, refused } => refused
                .unwrap_or_else(|| format!("not signed in at {target}: open its view to sign in")),
            SessionError::Failed(error) => error,
        }
    }
}

/// The tools of one connection: their sessions and what the operator typed to sign in (in
/// memory only).
#[derive(Clone, Default)]
pub(crate) struct Tools {
    airflow: Slot<airflow::Session>,
    airbyte: Slot<airbyte::Session>,
    typed_airflow: Arc<Mutex<Option<crate::tools::airflow::Credentials>>>,
    typed_airbyte: Arc<Mutex<Option<crate::tools::airbyte::Credentials>>>,
    /// The port-forwards running on this connection (dropped, they stop: on quit and on a
    /// context switch).
    forwards: Arc<Mutex<Vec<crate::cluster::forward::Forward>>>,
}

/// A signed-in tool.
enum Session {
    Airflow(Arc<airflow::Session>),
    Airbyte(Arc<airbyte::Session>),
}

impl Tools {
    /// Keeps what the operator typed for the next sign-in.
    pub(crate) fn remember(&self, typed: TypedCredentials) {
        match typed {
            TypedCredentials::Airflow(c) => {
                if let Ok(mut slot) = self.typed_airflow.lock() {
                    *slot = Some(c);
                }
            }
            TypedCredentials::Airbyte(c) => {
                if let Ok(mut slot) = self.typed_airbyte.lock() {
                    *slot = Some(c);
                }
            }
        }
    }

    /// Drops what was typed for `tool` (it was refused: it is not tried again).
    fn forget(&self, tool: Tool) {
        match tool {
            Tool::Airflow => {
                if let Ok(mut slot) = self.typed_airflow.lock() {
                    *slot = None;
                }
            }
            Tool::Airbyte => {
                if let Ok(mut slot) = self.typed_airbyte.lock() {
                    *slot = None;
                }
            }
            Tool::Helm | Tool::Rollout => {}
        }
    }

    /// `tool`'s session, signing in when there is none yet.
    async fn session(&self, reach: &Reach, tool: Tool) -> Result<Session, SessionError> {
        match tool {
            Tool::Airflow => {
                let typed = self.typed_airflow.lock().ok().and_then(|t| t.clone());
                cached(&self.airflow, airflow::sign_in(reach, typed))
                    .await
                    .map(Session::Airflow)
            }
            Tool::Airbyte => {
                let typed = self.typed_airbyte.lock().ok().and_then(|t| t.clone());
                cached(&self.airbyte, airbyte::sign_in(reach, typed))
                    .await
                    .map(Session::Airbyte)
            }
            // Read from the cluster as the operator: nothing to sign in to.
            Tool::Helm | Tool::Rollout => Err(SessionError::Failed(
                "Helm's releases are read from the cluster, not through a session".into(),
            )),
        }
    }

    /// Reads `level` for the view `generation`: its rows, or that the operator must sign in.
    pub(crate) async fn load(&self, reach: &Reach, generation: u64, level: Level) -> Action {
        match level.tool() {
            Tool::Helm => {
                return Action::ToolLoaded {
                    generation,
                    result: helm::load(&reach.kube, &level).await,
                };
            }
            Tool::Rollout if level == Level::Forwards => {
                return Action::ToolLoaded {
                    generation,
                    result: Ok(self.forwards_page()),
                };
            }
            Tool::Rollout => {
                return Action::ToolLoaded {
                    generation,
                    result: rollout::load(&reach.kube, &level).await,
                };
            }
            Tool::Airflow | Tool::Airbyte => {}
        }
        match self.session(reach, level.tool()).await {
            Ok(session) => {
                let result = match &session {
                    Session::Airflow(s) => airflow::load(s, &level).await,
                    Session::Airbyte(s) => airbyte::load(s, &level).await,
                };
                Action::ToolLoaded { generation, result }
            }
            Err(SessionError::NeedsCredentials { target, refused }) => {
                self.forget(level.tool());
                Action::ToolSignInNeeded {
                    generation,
                    level,
                    target,
                    error: refused,
                }
            }
            Err(SessionError::Failed(error)) => Action::ToolLoaded {
                generation,
                result: Err(error),
            },
        }
    }

    /// Asks the guard about `act` (read-only, RBAC for the port-forward, the audit log); a
    /// clear also reads its dry run, so the operator sees what would be cleared first.
    pub(crate) async fn check(
        &self,
        reach: &Reach,
        guard: &Guard,
        act: &Act,
    ) -> Result<(Approval, Approved), String> {
        if let Act::Rollback { .. } = act {
            let (approval, preview) = helm::check_rollback(reach, guard, act).await?;
            return Ok(approved(approval, preview));
        }
        if let Act::Upgrade { .. } = act {
            let (approval, preview) = helm::check_upgrade(reach, guard, act).await?;
            return Ok(approved(approval, preview));
        }
        if act.tool() == Tool::Rollout {
            let mutation = rollout::mutation(act)?;
            let approval = guard.check(&mutation).await.map_err(|r| r.to_string())?;
            let mut preview = vec![format!("{}.", act.describe())];
            if let Act::Edit {
                original, edited, ..
            } = act
            {
                preview.push("── what the edit changes".into());
                preview.extend(crate::cluster::edit::diff(original, edited));
            }
            return Ok(approved(approval, preview));
        }
        let session = self
            .session(reach, act.tool())
            .await
            .map_err(SessionError::said)?;
        let mutation = match &session {
            Session::Airflow(s) => airflow::mutation(s, act)?,
            Session::Airbyte(s) => airbyte::mutation(s, act)?,
        };
        let approval = guard.check(&mutation).await.map_err(|r| r.to_string())?;
        let preview = match &session {
            Session::Airflow(s) => airflow::preview(s, act).await?,
            Session::Airbyte(_) => Vec::new(),
        };
        Ok(approved(approval, preview))
    }

    /// Sends a confirmed change and records what came of it; what to tell the operator.
    pub(crate) async fn perform(
        &self,
        reach: &Reach,
        guard: Result<Guard, String>,
        act: &Act,
        approval: Approval,
        answer: &str,
    ) -> Result<String, String> {
        let confirmed = approval.confirmed(answer).map_err(|r| r.to_string())?;
        let done = match act.tool() {
            Tool::Rollout if matches!(act, Act::PortForward { .. }) => {
                self.forward(&reach.kube, act).await
            }
            Tool::Rollout => rollout::send(&reach.kube, act).await,
            Tool::Helm if matches!(act, Act::Upgrade { .. }) => helm::upgrade(reach, act).await,
            Tool::Helm => helm::rollback(reach, guard, act, answer).await,
            _ => self.send(reach, act).await,
        };
        let outcome = match &done {
            Ok(said) => Outcome::ok(said.clone()),
            Err(error) => Outcome::failed(error),
        };
        match (confirmed.record(outcome), done) {
            (Ok(()), Ok(said)) => Ok(said),
            (Err(audit), Ok(said)) => Err(format!(
                "{said}, but it could not be recorded in the audit log: {audit}"
            )),
            (_, Err(error)) => Err(error),
        }
    }

    /// Starts a port-forward in the background, to the pod the act names (a Service's: a
    /// ready pod behind it, read now).
    async fn forward(&self, kube: &Client, act: &Act) -> Result<String, String> {
        let Act::PortForward {
            kind,
            namespace,
            name,
            ports,
        } = act
        else {
            return Err("not a port-forward".into());
        };
        let (local, remote) = crate::cluster::forward::parse_ports(ports)?;
        let (pod, _) = crate::cluster::forward::resolve(kube, kind, namespace, name).await?;
        let forward =
            crate::cluster::forward::Forward::start(kube, namespace, &pod, local, remote).await?;
        let said = format!(
            "forwarding 127.0.0.1:{} to {namespace}/{pod}:{remote} (:pf lists it; ctrl-d there \
             stops it)",
            forward.local
        );
        if let Ok(mut forwards) = self.forwards.lock() {
            forwards.push(forward);
        }
        Ok(said)
    }

    /// The forwards as rows of `:pf`: the local port is the row's id.
    fn forwards_page(&self) -> super::tool::Page {
        let rows = self
            .forwards
            .lock()
            .map(|forwards| {
                forwards
                    .iter()
                    .map(|f| super::tool::Row {
                        state: Some(
                            if f.last_error().is_some() {
                                "error"
                            } else {
                                "active"
                            }
                            .into(),
                        ),
                        namespace: f.namespace.clone(),
                        label: format!("{} 127.0.0.1:{} → {}", f.pod, f.local, f.remote),
                        moved: format!("{} conn · {} B", f.connections(), f.bytes()),
                        note: f.last_error().unwrap_or_default(),
                        started: Some(f.since),
                        ..super::tool::Row::new(f.local.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        super::tool::Page {
            source: "this Strata".into(),
            namespace: None,
            rows,
        }
    }

    /// Stops the forward on `local`; what to tell the operator.
    pub(crate) fn stop_forward(&self, local: u16) -> String {
        let stopped = self.forwards.lock().ok().and_then(|mut forwards| {
            let at = forwards.iter().position(|f| f.local == local)?;
            Some(forwards.remove(at))
        });
        match stopped {
            Some(f) => format!(
                "stopped forwarding 127.0.0.1:{local} to {}/{}:{}",
                f.namespace, f.pod, f.remote
            ),
            None => format!("no forward on 127.0.0.1:{local}"),
        }
    }

    /// Sends a change to the tool that makes it, through its session.
    async fn send(&self, reach: &Reach, act: &Act) -> Result<String, String> {
        match self.session(reach, act.tool()).await {
            Ok(Session::Airflow(s)) => airflow::send(&s, act).await,
            Ok(Session::Airbyte(s)) => airbyte::send(&s, act).await,
            Err(error) => Err(error.said()),
        }
    }
}

/// What a wizard's change is watched and verified on: a release's pods and hooks, or a
/// workload's pods (its selector, read now).
pub(crate) async fn subject(
    kube: &Client,
    watched: &super::tool::Watched,
) -> Result<crate::helm::watch::Subject, String> {
    use crate::helm::watch::Subject;
    match watched {
        super::tool::Watched::Release { namespace, name } => Ok(Subject::release(namespace, name)),
        super::tool::Watched::Workload {
            kind,
            namespace,
            name,
        } => rollout::subject(kube, kind, namespace, name).await,
    }
}

/// What a wizard's input starts with: the release's user values (YAML) for an upgrade's
/// editor, the image a workload runs now for an image bump.
pub(crate) async fn release_values(kube: &Client, act: &Act) -> Result<String, String> {
    match act {
        Act::SetImage { .. } => rollout::image_to_edit(kube, act).await,
        Act::Scale { .. } => rollout::replicas_to_edit(kube, act).await,
        Act::Edit {
            resource,
            namespace,
            name,
            ..
        } => crate::cluster::edit::read(kube, resource, namespace, name).await,
        Act::Exec { namespace, pod, .. } => crate::cluster::exec::containers(kube, namespace, pod)
            .await
            .map(|names| names.join(" ")),
        // The port offered: the container's (or the Service's target), as both ends.
        Act::PortForward {
            kind,
            namespace,
            name,
            ..
        } => crate::cluster::forward::resolve(kube, kind, namespace, name)
            .await
            .map(|(_, port)| match port {
                0 => String::new(),
                port => format!("{port}:{port}"),
            }),
        _ => helm::user_values(kube, act).await,
    }
}

/// What the operator is asked, from the guard's approval (and a clear's dry run).
fn approved(approval: Approval, preview: Vec<String>) -> (Approval, Approved) {
    let approved = Approved {
        confirm: approval.confirm_needed().clone(),
        question: approval.prompt(),
        preview,
    };
    (approval, approved)
}
