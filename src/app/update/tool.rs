//! Airflow's views: `:airflow` opens the DAGs; Enter goes down to a DAG's runs, a run's task
//! tries and a try's log; `t` triggers the DAG (conf edited and checked first), `P` pauses or
//! unpauses it, `C` clears a run's failed tasks after showing what the dry run would clear.
//! Every change is asked of the guard, confirmed, then sent by the runtime.

use chrono::{DateTime, Utc};

use super::{AppState, Effect, View, push};
use crate::app::action::Intent;
use crate::app::state::{Prompt, PromptKind};
use crate::app::tool::{
    Act, Approved, Level, Page, Stage, ToolDraft, ToolLogin, ToolView, ValuesChoice,
};

/// How long the flash of a change being made stays (until its answer replaces it).
const ACTING_FLASH_SECONDS: i64 = 600;

/// Opens a tool's list and asks the runtime to read it.
pub(super) fn open(state: &mut AppState, level: Level) -> Vec<Effect> {
    let generation = state.next_generation();
    let view = ToolView::new(level.clone(), generation);
    push(state, View::Tool(Box::new(view)));
    if matches!(level, Level::Dags | Level::Connections | Level::Releases) {
        state.flash(format!("reaching {}…", level.tool().name()), false);
    }
    vec![Effect::ToolLoad { generation, level }]
}

fn top(state: &mut AppState) -> Option<&mut ToolView> {
    match state.top_mut() {
        View::Tool(view) => Some(view),
        _ => None,
    }
}

/// The keys of an Airflow view; `None` leaves the intent to the common handling (back,
/// command, help, quit).
pub(super) fn intent(state: &mut AppState, intent: Intent, rows: usize) -> Option<Vec<Effect>> {
    let view = top(state)?;
    let count = view.rows().len();
    let motion = match intent {
        Intent::MoveUp => Some(super::Motion::Up(1)),
        Intent::MoveDown => Some(super::Motion::Down(1)),
        Intent::PageUp => Some(super::Motion::Up(rows)),
        Intent::PageDown => Some(super::Motion::Down(rows)),
        Intent::Top => Some(super::Motion::Top),
        Intent::Bottom => Some(super::Motion::Bottom),
        _ => None,
    };
    if let Some(motion) = motion {
        view.selected = motion.apply(view.selected, count);
        view.offset = crate::app::state::follow(view.offset, view.selected, rows, count);
        state.changed();
        return Some(Vec::new());
    }
    Some(match intent {
        Intent::Select => match view.open() {
            Some(level) => open(state, level),
            None => Vec::new(),
        },
        Intent::Logs => match (view.log(), view.job_pods()) {
            (Some(level), _) => open(state, level),
            (None, Some((namespace, pods))) => job_logs(state, namespace, pods),
            (None, None) => {
                state.flash(
                    "l reads a task try's log or a sync's: pick a task that ran, or a job",
                    false,
                );
                state.changed();
                Vec::new()
            }
        },
        Intent::Trigger => match view.trigger() {
            Some(act @ Act::Trigger { .. }) => {
                state.tool_draft = Some(ToolDraft::new(act, Stage::Conf));
                state.prompt = Some(Prompt::new(PromptKind::AirflowConf, "{}"));
                state.changed();
                Vec::new()
            }
            Some(act) => check(state, act),
            None => Vec::new(),
        },
        Intent::TogglePause => {
            let (Some(dag_id), Some(paused)) = (view.dag_id(), view.paused()) else {
                state.flash("P pauses or unpauses a DAG: pick one in :airflow", false);
                state.changed();
                return Some(Vec::new());
            };
            check(
                state,
                Act::SetPaused {
                    dag_id,
                    paused: !paused,
                },
            )
        }
        Intent::Rollback => match view.rollback() {
            Some(act) => check(state, act),
            None => Vec::new(),
        },
        Intent::Upgrade => match view.upgrade() {
            Some(act) => start_upgrade(state, act),
            None => {
                state.flash("U upgrades a Helm release: pick one in :helm", false);
                state.changed();
                Vec::new()
            }
        },
        Intent::SetImage => match view.set_image() {
            // What it runs now is read first: the list may be a moment behind.
            Some(act) => {
                state.tool_draft = Some(ToolDraft::new(act.clone(), Stage::Checking));
                state.changed();
                vec![Effect::ToolValues(act)]
            }
            None => Vec::new(),
        },
        Intent::Undo => match view.undo() {
            Some(act) => check(state, act),
            None => Vec::new(),
        },
        Intent::Diff => match view.diff() {
            Some(level) => open(state, level),
            None => {
                state.flash(
                    "D shows what a revision changed: pick a release or a revision with one before it",
                    false,
                );
                state.changed();
                Vec::new()
            }
        },
        // The forwards: ctrl-d stops the one under the cursor (its row id is its local port).
        Intent::Delete if view.level == Level::Forwards => {
            match view.selected_row().and_then(|r| r.id.parse().ok()) {
                Some(local) => vec![
                    Effect::StopForward(local),
                    Effect::ToolLoad {
                        generation: view.generation,
                        level: Level::Forwards,
                    },
                ],
                None => Vec::new(),
            }
        }
        Intent::ClearFailed => {
            let Some((dag_id, run_id)) = view.run() else {
                state.flash("C clears a run's failed tasks: pick a run of a DAG", false);
                state.changed();
                return Some(Vec::new());
            };
            check(state, Act::ClearFailed { dag_id, run_id })
        }
        _ => return None,
    })
}

/// The everyday changes of a table's row (k9s's keys): restart and scale a workload (its
/// pods watched, then judged), delete an object, force-delete a stuck pod. Scale first reads
/// the replicas asked now, to edit.
pub(super) fn table_act(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    let View::Table(table) = state.top() else {
        return Vec::new();
    };
    let Some(row) = table.selected_row() else {
        return Vec::new();
    };
    let resource = table.kind.clone();
    let (namespace, name) = (row.key.namespace.to_string(), row.key.name.to_string());
    let kind = resource.kind.clone();
    let act = match intent {
        Intent::Restart => Act::Restart {
            kind,
            namespace,
            name,
        },
        Intent::Scale => Act::Scale {
            kind,
            namespace,
            name,
            replicas: 0,
        },
        Intent::Edit if resource.group.is_empty() && resource.plural == "secrets" => {
            state.flash(
                "Secrets are not edited here: their values are masked in Strata, and an edit \
                 would write the masks back; use kubectl for a Secret",
                true,
            );
            state.changed();
            return Vec::new();
        }
        Intent::Shell if kind != "Pod" => {
            state.flash("x opens a shell in a pod's container: pick a pod", false);
            state.changed();
            return Vec::new();
        }
        Intent::Shell => Act::Exec {
            namespace,
            pod: name,
            container: String::new(),
        },
        Intent::PortForward if kind != "Pod" && kind != "Service" => {
            state.flash("F forwards a port of a pod or a service", false);
            state.changed();
            return Vec::new();
        }
        Intent::PortForward => Act::PortForward {
            kind,
            namespace,
            name,
            ports: String::new(),
        },
        Intent::Edit => Act::Edit {
            resource,
            namespace,
            name,
            original: String::new(),
            edited: String::new(),
        },
        Intent::Kill if kind != "Pod" => {
            state.flash("ctrl-k force-deletes a pod; ctrl-d deletes anything", false);
            state.changed();
            return Vec::new();
        }
        _ => Act::Delete {
            resource,
            namespace,
            name,
            force: intent == Intent::Kill,
        },
    };
    // Scale edits the replicas asked now, an edit the object as it is now: read first.
    if let Act::Scale { .. } | Act::Edit { .. } | Act::PortForward { .. } | Act::Exec { .. } = act {
        state.tool_draft = Some(ToolDraft::new(act.clone(), Stage::Checking));
        state.changed();
        return vec![Effect::ToolValues(act)];
    }
    check(state, act)
}

/// The upgrade wizard on `act`'s release: what was typed last time for it, else its chart by
/// name; the chart is asked first.
fn start_upgrade(state: &mut AppState, act: Act) -> Vec<Effect> {
    let act = match (&state.last_upgrade, act) {
        (Some(last), act) if last.release() == act.release() => last.clone(),
        // A chart of that name in a known folder is what is meant, most likely.
        (
            _,
            Act::Upgrade {
                namespace,
                name,
                chart,
                version,
                values,
            },
        ) => Act::Upgrade {
            chart: state
                .chart_dirs
                .iter()
                .map(|dir| dir.join(&chart))
                .find(|folder| folder.join("Chart.yaml").is_file())
                .map_or(chart, |folder| folder.display().to_string()),
            namespace,
            name,
            version,
            values,
        },
        (_, act) => act,
    };
    let typed = match &act {
        Act::Upgrade {
            chart,
            version: Some(version),
            ..
        } => format!("{chart} {version}"),
        Act::Upgrade { chart, .. } => chart.clone(),
        _ => String::new(),
    };
    state.tool_draft = Some(ToolDraft::new(act, Stage::Target));
    state.prompt = Some(Prompt::new(PromptKind::UpgradeChart, &typed));
    state.changed();
    Vec::new()
}

/// Keys while a Helm wizard shows with no input open (planning, refused, helm at work, its
/// result): scrolling, esc to close, `r` from a result to the rollback wizard, `U` from a
/// refusal back to the upgrade's choices. `None` when no wizard is showing.
pub(super) fn wizard_intent(
    state: &mut AppState,
    intent: Intent,
    rows: usize,
) -> Option<Vec<Effect>> {
    let draft = state
        .tool_draft
        .as_mut()
        .filter(|d| d.is_wizard() && state.prompt.is_none())?;
    let page = rows.saturating_sub(8).max(1);
    match intent {
        Intent::Quit => return None,
        Intent::MoveDown => draft.scroll = draft.scroll.saturating_add(1),
        Intent::MoveUp => draft.scroll = draft.scroll.saturating_sub(1),
        Intent::PageDown => draft.scroll = draft.scroll.saturating_add(page),
        Intent::PageUp => draft.scroll = draft.scroll.saturating_sub(page),
        Intent::Top => draft.scroll = 0,
        Intent::Back if draft.stage == Stage::Acting => state.flash(
            "helm is at work, detached: it finishes even if Strata quits; this closes when it ends",
            false,
        ),
        Intent::Back => {
            state.tool_draft = None;
            state.changed();
            return Some(reload_top(state));
        }
        Intent::Rollback if draft.stage == Stage::Done => {
            let (namespace, name) = draft.act.release().map(|(n, r)| (n.into(), r.into()))?;
            return Some(check(
                state,
                Act::Rollback {
                    namespace,
                    name,
                    to: None,
                },
            ));
        }
        // From an edit's result (a conflict): read the object again, the edit kept.
        Intent::Edit if draft.stage == Stage::Done && matches!(draft.act, Act::Edit { .. }) => {
            state.tool_draft = None;
            return Some(table_act(state, Intent::Edit));
        }
        Intent::Upgrade if draft.stage == Stage::Refused => {
            let act = draft.act.clone();
            if matches!(act, Act::Upgrade { .. }) {
                return Some(start_upgrade(state, act));
            }
        }
        _ => {}
    }
    state.changed();
    Some(Vec::new())
}

/// The list on top read again (after a change, or a dialog closed over it).
fn reload_top(state: &mut AppState) -> Vec<Effect> {
    let Some(view) = top(state) else {
        return Vec::new();
    };
    view.loading = true;
    vec![Effect::ToolLoad {
        generation: view.generation,
        level: view.level.clone(),
    }]
}

/// The release's values for the upgrade's editor, or the image a workload runs for its bump.
pub(super) fn values_read(
    state: &mut AppState,
    act: &Act,
    result: Result<String, String>,
) -> Vec<Effect> {
    if !answers_current(state, act) {
        return Vec::new();
    }
    match result {
        Ok(text) if matches!(act, Act::Edit { .. }) => return open_editor(state, text),
        Ok(text) => {
            // What was read goes in the input it was read for.
            let (stage, prompt) = match act {
                Act::SetImage { .. } => (Stage::Target, Prompt::new(PromptKind::Image, &text)),
                Act::Scale { .. } => (Stage::Target, Prompt::new(PromptKind::Replicas, &text)),
                Act::PortForward { .. } => (Stage::Target, Prompt::new(PromptKind::Ports, &text)),
                // The pod's containers, the first offered.
                Act::Exec { .. } => {
                    let first = text.split_whitespace().next().unwrap_or_default();
                    if let Some(draft) = state.tool_draft.as_mut() {
                        draft.preview = vec![format!("containers: {}", text.replace(' ', ", "))];
                    }
                    (Stage::Target, Prompt::new(PromptKind::Container, first))
                }
                _ => (
                    Stage::Values,
                    Prompt::editor(PromptKind::ValuesEditor, &text),
                ),
            };
            if let Some(draft) = state.tool_draft.as_mut() {
                draft.stage = stage;
            }
            state.prompt = Some(prompt);
        }
        Err(error) => {
            state.tool_draft = None;
            state.flash(error, true);
        }
    }
    Vec::new()
}

/// The change as typed goes to the guard (the dialog says so meanwhile).
fn to_guard(draft: &mut ToolDraft) -> Vec<Effect> {
    draft.error = None;
    draft.stage = Stage::Checking;
    vec![Effect::ToolCheck(draft.act.clone())]
}

/// The texts of the object edit in the dialog: as read, and as edited.
fn edit_texts(state: &mut AppState) -> Option<(&mut String, &mut String)> {
    match &mut state.tool_draft.as_mut()?.act {
        Act::Edit {
            original, edited, ..
        } => Some((original, edited)),
        _ => None,
    }
}

/// The object as read now, in the editor: the operator's kept text when an earlier edit of
/// it was not applied (said so), else the object.
fn open_editor(state: &mut AppState, text: String) -> Vec<Effect> {
    let Some((original, edited)) = edit_texts(state) else {
        return Vec::new();
    };
    *original = text.clone();
    *edited = text;
    let Some(draft) = state.tool_draft.as_mut() else {
        return Vec::new();
    };
    let same = |kept: &Act| match (kept, &draft.act) {
        (
            Act::Edit {
                resource: r1,
                namespace: n1,
                name: m1,
                ..
            },
            Act::Edit {
                resource: r2,
                namespace: n2,
                name: m2,
                ..
            },
        ) => r1 == r2 && n1 == n2 && m1 == m2,
        _ => false,
    };
    if let Some(Act::Edit { edited: kept, .. }) = state.kept_edit.take().filter(same)
        && let Act::Edit { edited, .. } = &mut draft.act
    {
        *edited = kept;
        draft.error = Some(
            "your earlier edit, kept; the object was read again: the diff is against the \
             server's version now"
                .into(),
        );
    }
    draft.stage = Stage::Values;
    let text = match &draft.act {
        Act::Edit { edited, .. } => edited.clone(),
        _ => String::new(),
    };
    if state.external_editor.is_some() {
        return vec![Effect::ExternalEdit(text)];
    }
    state.prompt = Some(Prompt::editor(PromptKind::ValuesEditor, &text));
    Vec::new()
}

/// The operator's editor closed: its text is settled as if saved in the built-in one (which
/// opens on it when it does not parse, so nothing typed is lost).
pub(super) fn externally_edited(
    state: &mut AppState,
    result: Result<String, String>,
) -> Vec<Effect> {
    let Some(act) = state
        .tool_draft
        .as_ref()
        .map(|d| d.act.clone())
        .filter(|a| matches!(a, Act::Edit { .. }))
    else {
        return Vec::new();
    };
    state.changed();
    match result {
        Ok(text) => settle_edit(state, Prompt::editor(PromptKind::ValuesEditor, &text)),
        Err(error) => {
            state.kept_edit = Some(act);
            state.tool_draft = None;
            state.flash(error, true);
            Vec::new()
        }
    }
}

/// Ctrl-s in an object's editor: no change closes it, invalid YAML stays in the editor with
/// what is wrong, a change is diffed and asked of the guard.
fn settle_edit(state: &mut AppState, prompt: Prompt) -> Vec<Effect> {
    let text = prompt.text();
    let Some((original, edited)) = edit_texts(state) else {
        return Vec::new();
    };
    *edited = text.clone();
    let checked = crate::cluster::edit::check(original, &text);
    let Some(draft) = state.tool_draft.as_mut() else {
        return Vec::new();
    };
    match checked {
        Ok(crate::cluster::edit::Checked::Unchanged) => {
            let said = format!("no change: nothing sent ({})", draft.act.describe());
            state.tool_draft = None;
            state.flash(said, false);
            Vec::new()
        }
        Ok(crate::cluster::edit::Checked::Changed(_)) => to_guard(draft),
        Err(error) => {
            draft.error = Some(error);
            state.prompt = Some(prompt);
            Vec::new()
        }
    }
}

/// A Helm change under way: the release as watched now.
pub(super) fn progress(state: &mut AppState, act: &Act, lines: Vec<String>) -> Vec<Effect> {
    if let Some(draft) = state
        .tool_draft
        .as_mut()
        .filter(|d| &d.act == act && d.stage == Stage::Acting)
    {
        draft.progress = lines;
        state.changed();
    }
    Vec::new()
}

/// A sync's log: its replication pods, followed like any run's.
fn job_logs(state: &mut AppState, namespace: String, pods: Vec<String>) -> Vec<Effect> {
    let generation = state.next_generation();
    let title = format!("logs · {}", pods.first().cloned().unwrap_or_default());
    let target = crate::cluster::logs::LogTarget::Pods { namespace, pods };
    let mut view = crate::app::logs::LogView::new(title, target, generation, Some("airbyte"));
    view.buffer = state.log_buffers.buffer(&view.title, state.now);
    view.window = crate::cluster::logs::LogWindow::All;
    let effect = super::follow_effect(&view);
    push(state, View::Logs(Box::new(view)));
    vec![effect]
}

/// Asks the guard about `act` from outside a tool's view (the layers' `r`).
pub(super) fn ask(state: &mut AppState, act: Act) -> Vec<Effect> {
    check(state, act)
}

/// Asks the guard about `act`; the dialog says so meanwhile.
fn check(state: &mut AppState, act: Act) -> Vec<Effect> {
    state.tool_draft = Some(ToolDraft::new(act.clone(), Stage::Checking));
    state.changed();
    vec![Effect::ToolCheck(act)]
}

pub(super) fn loaded(
    state: &mut AppState,
    generation: u64,
    result: Result<Page, String>,
) -> Vec<Effect> {
    let now = state.now;
    let on_top = matches!(state.top(), View::Tool(v) if v.generation == generation);
    let Some(View::Tool(view)) = state
        .stack
        .iter_mut()
        .find(|v| matches!(v, View::Tool(a) if a.generation == generation))
    else {
        return Vec::new();
    };
    let first = view.page.is_none();
    view.loaded(result, now);
    if first
        && matches!(
            view.level,
            Level::Dags | Level::Connections | Level::Releases
        )
    {
        state.flash = None;
    }
    if on_top {
        state.changed();
    }
    Vec::new()
}

/// The list on top is read again every few seconds (runs and tasks move on their own).
pub(super) fn tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    // A dialog waiting for the operator pauses the reading; a change being made does not.
    let asking = state
        .tool_draft
        .as_ref()
        .is_some_and(|d| d.stage != Stage::Acting);
    if asking || state.tool_login.is_some() {
        return Vec::new();
    }
    let Some(view) = top(state) else {
        return Vec::new();
    };
    if !view.due(now) {
        return Vec::new();
    }
    view.loading = true;
    vec![Effect::ToolLoad {
        generation: view.generation,
        level: view.level.clone(),
    }]
}

fn is_current(state: &AppState, act: &Act) -> bool {
    state.tool_draft.as_ref().is_some_and(|d| &d.act == act)
}

/// Whether an answer is for the change on screen (a late one for a cancelled change is
/// dropped); it is about to be shown.
fn answers_current(state: &mut AppState, act: &Act) -> bool {
    let current = is_current(state, act);
    if current {
        state.changed();
    }
    current
}

/// The guard's answer: ask for the confirmation it needs (with a clear's preview), or say why
/// not.
pub(super) fn approved(
    state: &mut AppState,
    act: &Act,
    result: Result<Approved, String>,
) -> Vec<Effect> {
    if !answers_current(state, act) {
        return Vec::new();
    }
    if let Act::Upgrade { .. } = act {
        state.last_upgrade = Some(act.clone());
    }
    match result {
        Ok(approved) => {
            if let Some(draft) = state.tool_draft.as_mut() {
                draft.confirm = Some((approved.confirm, approved.question));
                draft.preview = approved.preview;
                draft.scroll = 0;
                draft.stage = Stage::Confirming;
            }
            state.prompt = Some(Prompt::new(PromptKind::ToolConfirm, ""));
        }
        // A wizard keeps its dialog: the plan and the checks that stopped it.
        Err(error) if act.release().is_some() => {
            if let Some(draft) = state.tool_draft.as_mut() {
                draft.preview = error.lines().map(str::to_string).collect();
                draft.scroll = 0;
                draft.stage = Stage::Refused;
            }
        }
        Err(error) => {
            // A refused edit keeps its text for the next `e` on the object.
            if let Act::Edit { .. } = act {
                state.kept_edit = Some(act.clone());
            }
            state.tool_draft = None;
            state.flash(error, true);
        }
    }
    Vec::new()
}

/// No stored credentials (or the typed ones were refused): ask for a username, then the
/// password, over the view that wanted to load.
pub(super) fn sign_in_needed(
    state: &mut AppState,
    generation: u64,
    level: Level,
    target: String,
    error: Option<String>,
) -> Vec<Effect> {
    let Some(view) = top(state).filter(|v| v.generation == generation) else {
        return Vec::new();
    };
    view.loading = false;
    state.flash = None;
    state.tool_login = Some(ToolLogin {
        generation,
        level,
        target,
        username: None,
        error,
    });
    state.prompt = Some(Prompt::new(PromptKind::ToolUser, ""));
    state.changed();
    Vec::new()
}

/// Enter on the username or the password: the password is handed to the runtime at once and
/// not kept in the state.
fn enter_login(state: &mut AppState, prompt: Prompt) -> Vec<Effect> {
    let Some(login) = state.tool_login.as_mut() else {
        return Vec::new();
    };
    let text = prompt.text();
    match prompt.kind {
        PromptKind::ToolUser => {
            if text.trim().is_empty() {
                state.prompt = Some(prompt);
                return Vec::new();
            }
            login.username = Some(text.trim().to_string());
            let mut password = Prompt::new(PromptKind::ToolSecret, "");
            password.input.set_mask_char('•');
            password.before = None;
            state.prompt = Some(password);
            Vec::new()
        }
        _ => {
            let Some(login) = state.tool_login.take() else {
                return Vec::new();
            };
            if let Some(View::Tool(view)) = state.stack.last_mut() {
                view.loading = true;
            }
            state.flash(
                format!("signing in to {}…", login.level.tool().name()),
                false,
            );
            let typed = crate::app::tool::TypedCredentials::new(
                login.level.tool(),
                login.username.unwrap_or_default(),
                text,
            );
            typed
                .map(|credentials| Effect::ToolSignIn {
                    generation: login.generation,
                    credentials,
                    level: login.level,
                })
                .into_iter()
                .collect()
        }
    }
}

/// Enter on the conf or the confirmation; a conf that is not a JSON object keeps the prompt
/// open with what is wrong.
pub(super) fn enter(state: &mut AppState, prompt: Prompt) -> Vec<Effect> {
    if matches!(prompt.kind, PromptKind::ToolUser | PromptKind::ToolSecret) {
        return enter_login(state, prompt);
    }
    let text = prompt.text();
    let Some(draft) = state.tool_draft.as_mut() else {
        return Vec::new();
    };
    state.revision = state.revision.wrapping_add(1);
    match prompt.kind {
        PromptKind::AirflowConf => {
            if draft.settle_conf(&text).is_err() {
                state.prompt = Some(prompt);
                return Vec::new();
            }
            vec![Effect::ToolCheck(draft.act.clone())]
        }
        PromptKind::UpgradeChart => match crate::app::tool::parse_chart(&text) {
            Ok((chart, version)) => {
                if let Act::Upgrade {
                    chart: c,
                    version: v,
                    values,
                    ..
                } = &mut draft.act
                {
                    *c = chart;
                    *v = version;
                    draft.error = None;
                    state.prompt = Some(Prompt::new(PromptKind::UpgradeValues, values.number()));
                }
                Vec::new()
            }
            Err(error) => {
                draft.error = Some(error);
                state.prompt = Some(prompt);
                Vec::new()
            }
        },
        PromptKind::UpgradeValues => {
            let Act::Upgrade { values, .. } = &mut draft.act else {
                return Vec::new();
            };
            let choice = match text.trim() {
                "1" => ValuesChoice::Reuse,
                "2" => ValuesChoice::ResetThenReuse,
                // Edited before (this session): the same text again.
                "3" if matches!(values, ValuesChoice::Edited(_)) => values.clone(),
                "3" => {
                    draft.error = None;
                    draft.stage = Stage::Checking;
                    return vec![Effect::ToolValues(draft.act.clone())];
                }
                _ => {
                    draft.error = Some("1, 2 or 3".into());
                    state.prompt = Some(prompt);
                    return Vec::new();
                }
            };
            if let ValuesChoice::Edited(yaml) = &choice {
                let editor = Prompt::editor(PromptKind::ValuesEditor, yaml);
                draft.stage = Stage::Values;
                state.prompt = Some(editor);
                return Vec::new();
            }
            *values = choice;
            to_guard(draft)
        }
        PromptKind::Image => match crate::app::tool::parse_image(&text) {
            Ok((container, image)) => {
                if let Act::SetImage {
                    container: c,
                    image: i,
                    ..
                } = &mut draft.act
                {
                    *c = container;
                    *i = image;
                }
                to_guard(draft)
            }
            Err(error) => {
                draft.error = Some(error);
                state.prompt = Some(prompt);
                Vec::new()
            }
        },
        PromptKind::Container if !text.trim().is_empty() => {
            if let Act::Exec { container, .. } = &mut draft.act {
                *container = text.trim().to_string();
            }
            to_guard(draft)
        }
        PromptKind::Container => {
            draft.error = Some("name a container".into());
            state.prompt = Some(prompt);
            Vec::new()
        }
        PromptKind::Ports => match crate::cluster::forward::parse_ports(&text) {
            Ok((local, remote)) => {
                if let Act::PortForward { ports, .. } = &mut draft.act {
                    *ports = format!("{local}:{remote}");
                }
                to_guard(draft)
            }
            Err(error) => {
                draft.error = Some(error);
                state.prompt = Some(prompt);
                Vec::new()
            }
        },
        PromptKind::Replicas => match text.trim().parse::<i32>() {
            Ok(count) if count >= 0 => {
                if let Act::Scale { replicas, .. } = &mut draft.act {
                    *replicas = count;
                }
                to_guard(draft)
            }
            _ => {
                draft.error = Some("a number of replicas, 0 or more".into());
                state.prompt = Some(prompt);
                Vec::new()
            }
        },
        PromptKind::ValuesEditor if matches!(draft.act, Act::Edit { .. }) => {
            settle_edit(state, prompt)
        }
        PromptKind::ValuesEditor => {
            if let Act::Upgrade { values, .. } = &mut draft.act {
                *values = ValuesChoice::Edited(text);
            }
            draft.stage = Stage::Checking;
            vec![Effect::ToolCheck(draft.act.clone())]
        }
        PromptKind::ToolConfirm => {
            // The guard judges the answer (and records a wrong one).
            draft.stage = Stage::Acting;
            if draft.is_wizard() {
                // The dialog stays: it shows the release as helm changes it.
                draft.scroll = 0;
                return vec![Effect::ToolAct {
                    act: draft.act.clone(),
                    answer: text,
                }];
            }
            let act = draft.act.clone();
            // Until it is done (a rollback waits minutes for its pods): the list below keeps
            // being read, so its progress shows there.
            state.flash_for(
                format!("{}… (the list below follows it)", act.describe()),
                false,
                ACTING_FLASH_SECONDS,
            );
            vec![Effect::ToolAct { act, answer: text }]
        }
        _ => Vec::new(),
    }
}

/// Esc on the conf or the confirmation: nothing is sent. Esc on signing in: the view stays
/// unread until opened again.
pub(super) fn cancel(state: &mut AppState) {
    if let Some(login) = state.tool_login.take() {
        if let Some(View::Tool(view)) = state
            .stack
            .iter_mut()
            .find(|v| matches!(v, View::Tool(a) if a.generation == login.generation))
        {
            view.halted = true;
            view.error = Some(format!(
                "not signed in to {} at {}: open {} again to sign in",
                login.level.tool().name(),
                login.target,
                login.level.tool().command()
            ));
        }
        state.changed();
    }
    if let Some(draft) = state.tool_draft.take() {
        if let Act::Upgrade { .. } = draft.act {
            state.last_upgrade = Some(draft.act.clone());
        }
        state.flash(
            format!("cancelled: nothing sent ({})", draft.act.describe()),
            false,
        );
        state.changed();
    }
}

/// Esc in the values editor: what was typed is kept for the next `U` on the release.
pub(super) fn keep_edited(state: &mut AppState, text: String) {
    if let Some(draft) = state.tool_draft.as_mut()
        && let Act::Edit { edited, .. } = &mut draft.act
    {
        *edited = text.clone();
        state.kept_edit = Some(draft.act.clone());
    }
    if let Some(Act::Upgrade { values, .. }) = state.tool_draft.as_mut().map(|d| &mut d.act) {
        *values = ValuesChoice::Edited(text);
    }
}

/// The change was sent (a new run opens the DAG's runs; anything else reads the list again)
/// or could not be.
pub(super) fn acted(
    state: &mut AppState,
    act: &Act,
    result: Result<String, String>,
) -> Vec<Effect> {
    if !answers_current(state, act) {
        return Vec::new();
    }
    // An edit not applied is kept for the next `e` on the object; one applied is done.
    if let Act::Edit { .. } = act {
        state.kept_edit = result.is_err().then(|| act.clone());
    }
    // The guard said yes and recorded it: the terminal goes to the shell.
    if let (
        Act::Exec {
            namespace,
            pod,
            container,
        },
        Ok(said),
    ) = (act, &result)
    {
        state.tool_draft = None;
        state.flash(said.clone(), false);
        return vec![Effect::Shell {
            namespace: namespace.clone(),
            pod: pod.clone(),
            container: container.clone(),
        }];
    }
    if let Some(draft) = state.tool_draft.as_mut().filter(|d| d.is_wizard()) {
        // The wizard ends on its result and the release's health; esc closes it.
        state.flash = None;
        draft.outcome = Some(result);
        draft.stage = Stage::Done;
        draft.scroll = 0;
        return reload_top(state);
    }
    state.tool_draft = None;
    match result {
        Ok(said) => state.flash(said, false),
        Err(error) => {
            state.flash(error, true);
            return Vec::new();
        }
    }
    // A new run or sync started from the list opens where it shows: the DAG's runs, the
    // connection's jobs.
    let from_top_list = matches!(
        state.stack.last(),
        Some(View::Tool(view)) if matches!(view.level, Level::Dags | Level::Connections)
    );
    let shows_it = match act {
        Act::Trigger { dag_id, .. } => Some(Level::Runs {
            dag_id: dag_id.clone(),
        }),
        Act::Sync {
            connection_id,
            name,
        } => Some(Level::Jobs {
            connection_id: connection_id.clone(),
            name: name.clone(),
        }),
        _ => None,
    };
    if let (true, Some(level)) = (from_top_list, shows_it) {
        return open(state, level);
    }
    reload_top(state)
}
