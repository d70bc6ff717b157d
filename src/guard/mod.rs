//! The one gate every change to a cluster goes through (dbt, Airflow and Airbyte triggers,
//! Helm rollbacks and upgrades, delete, scale, restart, edit), from the cockpit and the
//! headless commands alike: read-only refuses, RBAC is asked of the server, the operator
//! confirms (typing the target's name on production), and every attempt is recorded in the
//! audit log before anyone is told how it went.
//!
//! ```text
//! let approval = guard.check(&mutation).await?;   // read-only, RBAC, audit log writable
//! let confirmed = approval.confirmed(&typed)?;     // y, or the target's name on production
//! let result = run(&mutation).await;               // only with a `Confirmed` in hand
//! confirmed.record(Outcome::ok("job x created"))?; // exactly one line per run
//! ```
//!
//! Refusals (read-only, RBAC, a wrong name typed) are recorded by the guard itself.

pub mod audit;
pub mod identity;
pub mod policy;
pub mod rbac;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;

pub use audit::{AuditError, AuditFile, AuditLog, Outcome};
pub use policy::{ContextPolicy, Policies, ProductionBecause, ReadOnlyBecause};
pub use rbac::{Access, Verdict};

use crate::cluster::{ConnectTarget, Connection};

/// What a change is: an action id (`trigger.dbt`, `trigger.airflow`, `rollback.helm`), its
/// target, its parameters (recorded, secrets redacted) and the Kubernetes access it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    pub action: String,
    pub target: Target,
    pub parameters: Vec<(String, String)>,
    /// Every permission the change needs, each checked with a SelfSubjectAccessReview. For
    /// an HTTP call through a port-forward, what reaching it needs ([`Access::port_forward`]).
    pub access: Vec<Access>,
    /// The change is made outside Kubernetes (an Airflow reached by its own URL): no
    /// Kubernetes access to check; the tool's own authentication decides.
    pub outside_cluster: bool,
    /// Opens a way in but changes nothing (a port-forward): allowed in read-only mode, still
    /// checked against RBAC and recorded.
    pub changes_nothing: bool,
}

impl Mutation {
    pub fn new(action: &str, target: Target) -> Mutation {
        Mutation {
            action: action.to_string(),
            target,
            parameters: Vec::new(),
            access: Vec::new(),
            outside_cluster: false,
            changes_nothing: false,
        }
    }

    /// Marks an action that changes nothing in the cluster (see `changes_nothing`).
    pub fn changes_nothing(mut self) -> Mutation {
        self.changes_nothing = true;
        self
    }

    /// Marks a change made through a tool's own URL, not the Kubernetes API.
    pub fn outside_cluster(mut self) -> Mutation {
        self.outside_cluster = true;
        self
    }

    pub fn parameter(mut self, key: &str, value: impl Into<String>) -> Mutation {
        self.parameters.push((key.to_string(), value.into()));
        self
    }

    pub fn needs(mut self, access: Access) -> Mutation {
        self.access.push(access);
        self
    }
}

/// `trigger.dbt CronJob transformation/dbt-nightly`.
impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.action, self.target)
    }
}

/// The object a change is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// `CronJob`, `Job`, `HelmRelease`, `DAG`, `Connection`.
    pub kind: String,
    /// `None` for cluster-scoped objects and things outside Kubernetes.
    pub namespace: Option<String>,
    pub name: String,
}

impl Target {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Target {
        Target {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// The confirmation a change needs before it runs; the caller asks (cockpit prompt,
/// terminal question or flags) and hands the answer to [`Approval::confirmed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// `y` or `yes`.
    YesNo,
    /// Production: the target's name, typed exactly.
    TypeName(String),
}

/// Why a change was not run. Nothing was changed; the message says why and, where there is
/// something to do, what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}{}", unrecorded_note(.unrecorded))]
pub struct Refusal {
    pub reason: RefusalReason,
    /// The refusal could not be written to the audit log either (why).
    pub unrecorded: Option<String>,
}

fn unrecorded_note(unrecorded: &Option<String>) -> String {
    match unrecorded {
        Some(error) => format!(" (and this refusal is not in the audit log: {error})"),
        None => String::new(),
    }
}

impl From<RefusalReason> for Refusal {
    fn from(reason: RefusalReason) -> Refusal {
        Refusal {
            reason,
            unrecorded: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    /// `read-only: context prod-eu is read-only (config.toml [contexts."prod-eu"]); …`
    #[error("read-only: {0}; nothing was changed")]
    ReadOnly(String),
    #[error("you may not {access} (RBAC: {reason}); nothing was changed")]
    Forbidden { access: String, reason: String },
    #[error(
        "cannot check whether you may {access} (the RBAC check failed: {error}); nothing was \
         changed — try again once the API server answers"
    )]
    RbacUnchecked { access: String, error: String },
    #[error(
        "{action} lists no Kubernetes access to check, so it cannot be allowed; nothing was \
         changed (this is a bug in Strata: please report it)"
    )]
    NothingToCheck { action: String },
    #[error("{0}; a change that cannot be recorded is not allowed, so nothing was changed")]
    AuditUnavailable(String),
    #[error("you typed {typed:?}, not {expected:?}; nothing was changed")]
    WrongName { expected: String, typed: String },
    #[error("not confirmed; nothing was changed")]
    Declined,
    /// Headless, and the flags do not confirm (`--yes` missing, or a production context).
    #[error("{0}; nothing was changed")]
    Unconfirmed(String),
}

/// The gate for one context. Cheap to clone; share one per connection.
#[derive(Clone)]
pub struct Guard {
    inner: Arc<GuardInner>,
}

struct GuardInner {
    client: kube::Client,
    policy: ContextPolicy,
    audit: AuditLog,
    /// The kubeconfig's user entry, when the server cannot say who we are.
    kubeconfig_user: Option<String>,
    /// Who the server says we are, asked once.
    user: tokio::sync::OnceCell<String>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("policy", &self.inner.policy)
            .field("audit", &self.inner.audit)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard for the context of `policy`, talking to it through `client`, recording to
    /// `audit_log` (`ConfigPaths::audit_log()`).
    pub fn new(
        client: kube::Client,
        policy: ContextPolicy,
        audit_log: impl Into<PathBuf>,
    ) -> Guard {
        Guard::build(client, policy, AuditLog::new(audit_log), None)
    }

    /// The guard for a connection: its context's policy, and the kubeconfig's user entry to
    /// name in the audit log should the server not say who we are.
    pub fn for_connection(
        connection: &Connection,
        target: &ConnectTarget,
        policies: &Policies,
        audit_log: impl Into<PathBuf>,
    ) -> Guard {
        // The kubeconfig was read moments ago to connect; failing now only loses the label.
        let kubeconfig_user = crate::cluster::contexts::list_contexts(&target.source)
            .ok()
            .and_then(|contexts| {
                contexts
                    .into_iter()
                    .find(|c| c.name == connection.context)
                    .map(|c| c.user)
            })
            .filter(|user| !user.is_empty());
        Guard::build(
            connection.client.clone(),
            policies.resolve(&connection.context),
            AuditLog::new(audit_log),
            kubeconfig_user,
        )
    }

    /// Names `user` in the audit log when the server cannot say who we are.
    pub fn with_kubeconfig_user(self, user: &str) -> Guard {
        let inner = &self.inner;
        Guard::build(
            inner.client.clone(),
            inner.policy.clone(),
            inner.audit.clone(),
            Some(user.to_string()),
        )
    }

    fn build(
        client: kube::Client,
        policy: ContextPolicy,
        audit: AuditLog,
        kubeconfig_user: Option<String>,
    ) -> Guard {
        Guard {
            inner: Arc::new(GuardInner {
                client,
                policy,
                audit,
                kubeconfig_user,
                user: tokio::sync::OnceCell::new(),
            }),
        }
    }

    pub fn policy(&self) -> &ContextPolicy {
        &self.inner.policy
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.inner.audit
    }

    /// Whether `mutation` may run, in this order: read-only (no request to the server at
    /// all), RBAC (one SelfSubjectAccessReview per access; a failed review refuses too), the
    /// audit log (it must be writable before anything runs). A refusal is recorded here; an
    /// approval says which confirmation the caller must obtain.
    pub async fn check(&self, mutation: &Mutation) -> Result<Approval, Refusal> {
        if let Some(reason) = self
            .inner
            .policy
            .readonly_reason()
            .filter(|_| !mutation.changes_nothing)
        {
            // Who we are is not worth a request to a cluster we promised not to touch.
            let user = self.known_user();
            return Err(self.refuse(mutation, &user, RefusalReason::ReadOnly(reason)));
        }
        let verdicts = if mutation.access.is_empty() && !mutation.outside_cluster {
            Err(RefusalReason::NothingToCheck {
                action: mutation.action.clone(),
            })
        } else {
            let reviews = mutation
                .access
                .iter()
                .map(|access| rbac::review(&self.inner.client, access));
            let verdicts = futures::future::join_all(reviews).await;
            mutation
                .access
                .iter()
                .zip(verdicts)
                .try_for_each(|(access, verdict)| match verdict {
                    Verdict::Allowed => Ok(()),
                    Verdict::Denied(reason) => Err(RefusalReason::Forbidden {
                        access: access.to_string(),
                        reason,
                    }),
                    Verdict::Unknown(error) => Err(RefusalReason::RbacUnchecked {
                        access: access.to_string(),
                        error,
                    }),
                })
        };
        let user = self.user().await;
        if let Err(reason) = verdicts {
            return Err(self.refuse(mutation, &user, reason));
        }
        let audit = match self.inner.audit.open() {
            Ok(file) => file,
            Err(error) => {
                // Unrecorded, evidently: the reason says so.
                return Err(RefusalReason::AuditUnavailable(error.to_string()).into());
            }
        };
        let confirm = if self.inner.policy.is_production() {
            Confirm::TypeName(mutation.target.name.clone())
        } else {
            Confirm::YesNo
        };
        Ok(Approval {
            record: Recorder {
                mutation: mutation.clone(),
                policy: self.inner.policy.clone(),
                user,
                audit,
            },
            confirm,
        })
    }

    /// Appends `mutation`'s line with `outcome` to the audit log. [`Confirmed::record`] is
    /// the usual way; this is for outcomes met outside that path.
    pub async fn record(&self, mutation: &Mutation, outcome: &Outcome) -> Result<(), AuditError> {
        let user = self.user().await;
        let file = self.inner.audit.open()?;
        file.append(&self.entry(mutation, &user, outcome))
    }

    fn refuse(&self, mutation: &Mutation, user: &str, reason: RefusalReason) -> Refusal {
        let outcome = Outcome::refused(&reason);
        let written = self
            .inner
            .audit
            .open()
            .and_then(|file| file.append(&self.entry(mutation, user, &outcome)));
        Refusal {
            reason,
            unrecorded: written.err().map(|e| e.to_string()),
        }
    }

    fn entry<'a>(
        &'a self,
        mutation: &'a Mutation,
        user: &'a str,
        outcome: &'a Outcome,
    ) -> audit::AuditEntry<'a> {
        audit::AuditEntry::new(
            Utc::now(),
            attempt(&self.inner.policy, user),
            mutation,
            outcome,
        )
    }

    /// Who we are: the server's word (asked once), else the kubeconfig's user entry.
    async fn user(&self) -> String {
        let inner = &self.inner;
        inner
            .user
            .get_or_init(|| async {
                identity::authenticated_user(&inner.client)
                    .await
                    .unwrap_or_else(|| self.known_user())
            })
            .await
            .clone()
    }

    /// Who we are without asking the server.
    fn known_user(&self) -> String {
        let inner = &self.inner;
        inner
            .user
            .get()
            .cloned()
            .or_else(|| inner.kubeconfig_user.clone())
            .unwrap_or_else(|| "unknown".to_string())
    }
}

fn attempt<'a>(policy: &'a ContextPolicy, user: &'a str) -> audit::Attempt<'a> {
    audit::Attempt {
        context: &policy.context,
        user,
        readonly: policy.is_readonly(),
        production: policy.is_production(),
    }
}

/// What a confirmed change, or a refused confirmation, is recorded with.
#[derive(Debug)]
struct Recorder {
    mutation: Mutation,
    policy: ContextPolicy,
    user: String,
    /// Opened by the check: the change can be recorded.
    audit: AuditFile,
}

impl Recorder {
    fn append(&self, outcome: &Outcome) -> Result<(), AuditError> {
        self.audit.append(&audit::AuditEntry::new(
            Utc::now(),
            attempt(&self.policy, &self.user),
            &self.mutation,
            outcome,
        ))
    }

    fn refuse(self, reason: RefusalReason) -> Refusal {
        let written = self.append(&Outcome::refused(&reason));
        Refusal {
            reason,
            unrecorded: written.err().map(|e| e.to_string()),
        }
    }
}

/// The guard's yes, pending the operator's confirmation.
#[derive(Debug)]
pub struct Approval {
    record: Recorder,
    confirm: Confirm,
}

impl Approval {
    pub fn confirm_needed(&self) -> &Confirm {
        &self.confirm
    }

    pub fn mutation(&self) -> &Mutation {
        &self.record.mutation
    }

    /// The question to put to the operator.
    pub fn prompt(&self) -> String {
        let mutation = &self.record.mutation;
        let context = &self.record.policy.context;
        match &self.confirm {
            Confirm::YesNo => format!("{mutation} on context {context}: run it? (y/n)"),
            Confirm::TypeName(name) => {
                format!("PRODUCTION context {context}: {mutation}. Type {name} to run it:")
            }
        }
    }

    /// The operator's answer: `y`/`yes`, or on production the target's name exactly. Any
    /// other answer is recorded as refused. (Esc in the cockpit just drops the approval:
    /// nothing was attempted.)
    pub fn confirmed(self, answer: &str) -> Result<Confirmed, Refusal> {
        let answer = answer.trim();
        let accepted = match &self.confirm {
            Confirm::YesNo => matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"),
            Confirm::TypeName(name) => answer == name,
        };
        if accepted {
            return Ok(Confirmed {
                record: self.record,
            });
        }
        let reason = match &self.confirm {
            Confirm::TypeName(name) => RefusalReason::WrongName {
                expected: name.clone(),
                typed: answer.to_string(),
            },
            Confirm::YesNo => RefusalReason::Declined,
        };
        Err(self.record.refuse(reason))
    }

    /// A headless command's flags as the answer: `--yes` confirms an ordinary change; on
    /// production only `--confirm NAME` with the target's name does (a script that means
    /// production must say which object).
    pub fn confirmed_by_flags(self, yes: bool, name: Option<&str>) -> Result<Confirmed, Refusal> {
        let target = self.record.mutation.target.name.clone();
        match (&self.confirm, name) {
            (_, Some(name)) => {
                // The name is the stronger answer and must match wherever it is given.
                if name == target {
                    Ok(Confirmed {
                        record: self.record,
                    })
                } else {
                    Err(self.record.refuse(RefusalReason::WrongName {
                        expected: target,
                        typed: name.to_string(),
                    }))
                }
            }
            (Confirm::YesNo, None) if yes => self.confirmed("yes"),
            (Confirm::YesNo, None) => Err(self.record.refuse(RefusalReason::Unconfirmed(
                "not confirmed: pass --yes to run it without being asked".into(),
            ))),
            (Confirm::TypeName(_), None) => {
                let context = self.record.policy.context.clone();
                Err(self.record.refuse(RefusalReason::Unconfirmed(format!(
                    "context {context} is production: pass --confirm {target} (the target's \
                     name) to run it; --yes is not enough"
                ))))
            }
        }
    }
}

/// Proof that a change passed the guard and was confirmed; whoever performs a change takes
/// one, and records how it went with it.
#[derive(Debug)]
pub struct Confirmed {
    record: Recorder,
}

impl Confirmed {
    pub fn mutation(&self) -> &Mutation {
        &self.record.mutation
    }

    /// Records how the change went: [`Outcome::ok`] with what it made, or
    /// [`Outcome::failed`] with the error. Consumes the confirmation: one run, one line.
    pub fn record(self, outcome: Outcome) -> Result<(), AuditError> {
        self.record.append(&outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_mutations_read_naturally() {
        let m = Mutation::new(
            "trigger.dbt",
            Target::new("CronJob", Some("transformation"), "dbt-nightly"),
        );
        assert_eq!(
            m.to_string(),
            "trigger.dbt CronJob transformation/dbt-nightly"
        );
        assert_eq!(
            Target::new("Namespace", None, "x").to_string(),
            "Namespace x"
        );
    }

    #[test]
    fn refusals_say_what_and_that_nothing_changed() {
        let refusal = Refusal::from(RefusalReason::Forbidden {
            access: "create jobs in transformation".into(),
            reason: "no role of yours allows it".into(),
        });
        assert_eq!(
            refusal.to_string(),
            "you may not create jobs in transformation (RBAC: no role of yours allows it); \
             nothing was changed"
        );
        let refusal = Refusal {
            reason: RefusalReason::ReadOnly("Strata was started with --readonly".into()),
            unrecorded: Some("disk full".into()),
        };
        assert_eq!(
            refusal.to_string(),
            "read-only: Strata was started with --readonly; nothing was changed \
             (and this refusal is not in the audit log: disk full)"
        );
    }
}
