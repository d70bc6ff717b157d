//! Starting a run by hand from the cockpit (`t`): which CronJob the cursor means, the dbt
//! command to run (prefilled with the template's, edited and checked in place), the
//! confirmation the context asks for (the name typed on production contexts), then the Job
//! and its log. Pure: the runtime reads the CronJob, checks the guard and creates the Job.

use crate::guard::Confirm;
use crate::stack::dbt_command::DbtCommand;

/// What the guard is asked about a trigger of `namespace/cronjob`: creating a Job there,
/// with the dbt command as its parameter.
pub fn trigger_mutation(
    namespace: &str,
    cronjob: &str,
    command: Option<&crate::stack::dbt_command::DbtCommand>,
) -> crate::guard::Mutation {
    let mut mutation = crate::guard::Mutation::new(
        "trigger.cronjob",
        crate::guard::Target::new("CronJob", Some(namespace), cronjob),
    )
    .needs(crate::guard::Access::new("create", "batch", "jobs").in_namespace(namespace));
    if let Some(command) = command {
        mutation = mutation.parameter("command", command.line());
    }
    mutation
}

/// Where a trigger stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading the CronJob and checking the guard.
    Preparing,
    /// Editing the dbt command.
    Command,
    /// The guard is asked about the settled command (read-only, RBAC, the audit log).
    Checking,
    /// Waiting for the confirmation.
    Confirming,
    /// The Job is being created.
    Creating,
}

/// What the runtime found out before the operator is asked anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The template's dbt command as a line, when its dbt container runs dbt directly;
    /// `None` for a CronJob that does not run dbt (it is started as it is).
    pub dbt_command: Option<String>,
    /// Whether a dbt container exists to put an edited command in.
    pub runs_dbt: bool,
}

/// A trigger in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDraft {
    pub namespace: String,
    pub cronjob: String,
    pub stage: Stage,
    pub prepared: Option<Prepared>,
    /// The command the operator settled on (None: the template's, unchanged).
    pub command: Option<DbtCommand>,
    /// What is wrong with the command line as typed.
    pub error: Option<String>,
    /// The confirmation the guard asks for, and its question.
    pub confirm: Option<(Confirm, String)>,
}

impl TriggerDraft {
    pub fn new(namespace: String, cronjob: String) -> TriggerDraft {
        TriggerDraft {
            namespace,
            cronjob,
            stage: Stage::Preparing,
            prepared: None,
            command: None,
            error: None,
            confirm: None,
        }
    }

    /// Takes the typed command line: `Ok(())` moves on to the guard's check; an error stays
    /// on the command with what is wrong. The template's own line, unchanged, is no override
    /// (the Job is then exactly kubectl's).
    pub fn settle_command(&mut self, line: &str) -> Result<(), String> {
        match DbtCommand::parse(line) {
            Ok(command) => {
                let template = self
                    .prepared
                    .as_ref()
                    .and_then(|p| p.dbt_command.as_deref());
                let unchanged = template
                    .and_then(|t| DbtCommand::parse(t).ok())
                    .is_some_and(|t| t.argv == command.argv);
                self.command = (!unchanged).then_some(command);
                self.error = None;
                self.stage = Stage::Checking;
                Ok(())
            }
            Err(error) => {
                self.error = Some(error.0.clone());
                Err(error.0)
            }
        }
    }

    /// The line the Job will run, for the dialog and the flash.
    pub fn command_line(&self) -> Option<String> {
        match &self.command {
            Some(command) => Some(command.line()),
            None => self.prepared.as_ref()?.dbt_command.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared() -> Prepared {
        Prepared {
            dbt_command: Some("dbt build --select marts".into()),
            runs_dbt: true,
        }
    }

    #[test]
    fn an_unchanged_command_is_no_override_and_a_bad_one_stays() {
        let mut draft = TriggerDraft::new("transformation".into(), "dbt-marts".into());
        draft.prepared = Some(prepared());
        draft.stage = Stage::Command;
        assert!(draft.settle_command("dbt build --select").is_err());
        assert_eq!(draft.stage, Stage::Command);
        assert!(draft.error.as_deref().unwrap().contains("selector"));
        draft.settle_command("dbt  build   --select marts").unwrap();
        assert_eq!(draft.command, None);
        assert_eq!(draft.stage, Stage::Checking);
        assert_eq!(draft.error, None);
        draft
            .settle_command("dbt build --select marts --full-refresh")
            .unwrap();
        assert_eq!(
            draft.command_line().as_deref(),
            Some("dbt build --select marts --full-refresh")
        );
    }
}
