//! `t`: start a CronJob's run by hand. The cursor names the CronJob (a row of `:cronjobs`, a
//! dbt run of `:runs` or of a component); the runtime reads it and checks the guard; the
//! operator edits the dbt command, confirms, and lands in the new Job's log.

use super::{AppState, Effect, View, push};
use crate::app::logs::LogView;
use crate::app::state::{Prompt, PromptKind};
use crate::app::trigger::{Prepared, Stage, TriggerDraft};
use crate::cluster::logs::{LogTarget, LogWindow};

/// The CronJob under the cursor: `(namespace, name)`.
fn cronjob_at_cursor(state: &AppState) -> Option<(String, String)> {
    let from_series = |series: &str| {
        let rest = series.strip_prefix("cronjob/")?;
        let (namespace, name) = rest.split_once('/')?;
        Some((namespace.to_string(), name.to_string()))
    };
    match state.top() {
        View::Table(table) if table.kind.plural == "cronjobs" => table
            .selected_row()
            .map(|row| (row.key.namespace.to_string(), row.key.name.to_string())),
        View::Runs(runs) => from_series(runs.selected_run()?.series.as_deref()?),
        View::Component(view) => match view.selected_run() {
            Some(run) => from_series(run.series.as_deref()?),
            None => view
                .selected_workload()
                .filter(|w| w.kind == "CronJob")
                .map(|w| {
                    let namespace = if w.namespace.is_empty() {
                        view.component.namespace.clone()
                    } else {
                        w.namespace.clone()
                    };
                    (namespace, w.name.clone())
                }),
        },
        _ => None,
    }
}

/// `t` pressed: ask the runtime to read the CronJob and check the guard.
pub(super) fn start(state: &mut AppState) -> Vec<Effect> {
    let Some((namespace, cronjob)) = cronjob_at_cursor(state) else {
        state.flash(
            "t starts a CronJob's run by hand: pick one in :cronjobs, or a dbt run in :runs",
            false,
        );
        state.changed();
        return Vec::new();
    };
    state.flash(format!("reading cronjob/{cronjob}…"), false);
    state.trigger = Some(TriggerDraft::new(namespace.clone(), cronjob.clone()));
    state.changed();
    vec![Effect::PrepareTrigger { namespace, cronjob }]
}

fn is_current(state: &AppState, namespace: &str, cronjob: &str) -> bool {
    state
        .trigger
        .as_ref()
        .is_some_and(|d| d.namespace == namespace && d.cronjob == cronjob)
}

/// The runtime read the CronJob: edit the command (dbt) or confirm straight away.
pub(super) fn prepared(
    state: &mut AppState,
    namespace: &str,
    cronjob: &str,
    result: Result<Prepared, String>,
) -> Vec<Effect> {
    if !is_current(state, namespace, cronjob) {
        return Vec::new();
    }
    state.changed();
    let prepared = match result {
        Ok(prepared) => prepared,
        Err(error) => {
            state.trigger = None;
            state.flash(error, true);
            return Vec::new();
        }
    };
    state.flash = None;
    let line = prepared.dbt_command.clone();
    let runs_dbt = prepared.runs_dbt;
    let Some(draft) = state.trigger.as_mut() else {
        return Vec::new();
    };
    draft.prepared = Some(prepared);
    if runs_dbt {
        draft.stage = Stage::Command;
        state.prompt = Some(Prompt::new(
            PromptKind::DbtCommand,
            line.as_deref().unwrap_or("dbt build"),
        ));
        Vec::new()
    } else {
        // Not dbt: started as the template says; straight to the guard.
        draft.stage = Stage::Checking;
        vec![Effect::CheckTrigger {
            namespace: namespace.to_string(),
            cronjob: cronjob.to_string(),
            command: None,
        }]
    }
}

/// The guard's answer: ask for the confirmation it needs, or say why not.
pub(super) fn approved(
    state: &mut AppState,
    namespace: &str,
    cronjob: &str,
    result: Result<(crate::guard::Confirm, String), String>,
) -> Vec<Effect> {
    if !is_current(state, namespace, cronjob) {
        return Vec::new();
    }
    state.changed();
    match result {
        Ok(asked) => {
            if let Some(draft) = state.trigger.as_mut() {
                draft.confirm = Some(asked);
                draft.stage = Stage::Confirming;
            }
            state.prompt = Some(Prompt::new(PromptKind::Confirm, ""));
        }
        Err(error) => {
            state.trigger = None;
            state.flash(error, true);
        }
    }
    Vec::new()
}

/// Enter on the command or the confirmation. The prompt is handed back to stay open when
/// the command is wrong.
pub(super) fn enter(state: &mut AppState, prompt: Prompt) -> Vec<Effect> {
    let text = prompt.text();
    let Some(draft) = state.trigger.as_mut() else {
        return Vec::new();
    };
    state.revision = state.revision.wrapping_add(1);
    match prompt.kind {
        PromptKind::DbtCommand => {
            if draft.settle_command(&text).is_err() {
                state.prompt = Some(prompt);
                return Vec::new();
            }
            vec![Effect::CheckTrigger {
                namespace: draft.namespace.clone(),
                cronjob: draft.cronjob.clone(),
                command: draft.command.as_ref().map(|c| c.argv.clone()),
            }]
        }
        PromptKind::Confirm => {
            // The guard judges the answer (and records a wrong one).
            draft.stage = Stage::Creating;
            let effect = Effect::TriggerJob {
                namespace: draft.namespace.clone(),
                cronjob: draft.cronjob.clone(),
                answer: text,
            };
            let said = format!("creating a Job from cronjob/{}…", draft.cronjob);
            state.flash(said, false);
            vec![effect]
        }
        _ => Vec::new(),
    }
}

/// Esc on the command or the confirmation: nothing is created.
pub(super) fn cancel(state: &mut AppState) {
    if let Some(draft) = state.trigger.take() {
        state.flash(
            format!(
                "cancelled: no Job was created from cronjob/{}",
                draft.cronjob
            ),
            false,
        );
        state.changed();
    }
}

/// The Job was created (its log opens, decoded as dbt when it runs dbt) or could not be.
pub(super) fn triggered(
    state: &mut AppState,
    namespace: &str,
    cronjob: &str,
    result: Result<String, String>,
) -> Vec<Effect> {
    if !is_current(state, namespace, cronjob) {
        return Vec::new();
    }
    let draft = state.trigger.take();
    state.changed();
    let job = match result {
        Ok(job) => job,
        Err(error) => {
            state.flash(error, true);
            return Vec::new();
        }
    };
    state.flash(
        format!("job.batch/{job} created from cronjob/{cronjob}"),
        false,
    );
    let runs_dbt = draft.and_then(|d| d.prepared).is_some_and(|p| p.runs_dbt);
    let generation = state.next_generation();
    let target = LogTarget::Workloads {
        namespace: namespace.to_string(),
        workloads: vec![("Job".to_string(), job.clone())],
    };
    let tool = runs_dbt.then_some("dbt");
    let mut view = LogView::new(format!("logs · job {job}"), target, generation, tool);
    view.buffer = state.log_buffers.buffer(&view.title, state.now);
    // A run is read whole: dbt's progress starts at its first line.
    view.window = LogWindow::All;
    let effect = super::follow_effect(&view);
    push(state, View::Logs(Box::new(view)));
    vec![effect]
}
