//! Starting a run by hand from the cockpit (`t`): which CronJob the cursor means, the dbt
//! command to run (prefilled with the template's, edited and checked in place), the
//! confirmation the context asks for (the name typed on production contexts), then the Job
//! and its log. Pure: the runtime reads the CronJob, checks the guard and creates the Job.

use crate::stack::dbt_command::DbtCommand;

/// How an operator confirms a mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// `y` is enough.
    YesNo,
    /// The target's name, typed (production contexts).
    TypeName(String),
}

impl Confirm {
    /// Whether `typed` confirms.
    pub fn accepts(&self, typed: &str) -> bool {
        match self {
            Confirm::YesNo => matches!(typed.trim(), "y" | "Y" | "yes"),
            Confirm::TypeName(name) => typed.trim() == name,
        }
    }
}

/// Where a trigger stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading the CronJob and checking the guard.
    Preparing,
    /// Editing the dbt command.
    Command,
    /// Waiting for the confirmation.
    Confirming,
    /// The Job is being created.
    Creating,
}

/// Whether a context's name says production (`prod` or `production` as a word:
/// `prod-eu`, `gke_acme_production`; not `product-dev`).
pub fn looks_like_production(context: &str) -> bool {
    context
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("prod") || w.eq_ignore_ascii_case("production"))
}

/// What the runtime found out before the operator is asked anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The template's dbt command as a line, when its dbt container runs dbt directly;
    /// `None` for a CronJob that does not run dbt (it is started as it is).
    pub dbt_command: Option<String>,
    /// Whether a dbt container exists to put an edited command in.
    pub runs_dbt: bool,
    pub confirm: Confirm,
    /// Said in the dialog: the context is production, read-only problems and the like.
    pub notes: Vec<String>,
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
        }
    }

    /// Takes the typed command line: `Ok(())` moves on to the confirmation; an error stays
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
                self.stage = Stage::Confirming;
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
            confirm: Confirm::TypeName("dbt-marts".into()),
            notes: Vec::new(),
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
        assert_eq!(draft.stage, Stage::Confirming);
        assert_eq!(draft.error, None);
        draft
            .settle_command("dbt build --select marts --full-refresh")
            .unwrap();
        assert_eq!(
            draft.command_line().as_deref(),
            Some("dbt build --select marts --full-refresh")
        );
    }

    #[test]
    fn production_is_a_word_of_the_context_name() {
        assert!(looks_like_production("prod-eu"));
        assert!(looks_like_production("gke_acme_production"));
        assert!(looks_like_production(
            "arn:aws:eks:eu-west-1:1:cluster/PROD"
        ));
        assert!(!looks_like_production("product-dev"));
        assert!(!looks_like_production("strata-sim"));
    }

    #[test]
    fn confirmation_needs_the_name_on_production() {
        assert!(Confirm::YesNo.accepts("y"));
        assert!(!Confirm::YesNo.accepts("n"));
        let name = Confirm::TypeName("dbt-marts".into());
        assert!(name.accepts("dbt-marts"));
        assert!(!name.accepts("y"));
        assert!(!name.accepts("dbt-mart"));
    }
}
