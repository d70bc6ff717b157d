//! The pure state machine: `update(state, action)` changes the state and returns the effects
//! the runtime must perform. No I/O, no clock, no awaits: every behaviour is testable with
//! plain values.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{Input, Key};

use super::action::{Action, Effect, Intent};
use super::command::{self, Command};
use super::document::{DocumentKind, DocumentView};
use super::filter::Filter;
use super::runs::RunsView;
use super::security::SecurityView;
use super::state::{
    AppState, ComponentView, ContextsView, HelpView, Motion, Prompt, PromptKind, ServerStatus,
    SyncState, View,
};
use super::table::TableView;
use crate::cluster::layers::Freshness;
use crate::cluster::{
    CacheEvent, Catalog, Drill, NamespaceScope, ResourceKind, RowKey, WatchStatus, WatchTarget,
};
use std::sync::Arc;

mod tool;
mod trigger;

/// The deepest the view stack grows; older views fall off the bottom (after the home view).
const MAX_DEPTH: usize = 32;

/// The longest discovery waits for the layers to settle first.
const DISCOVERY_DELAY: chrono::Duration = chrono::Duration::seconds(2);

/// What a new connection starts. On the layers, discovery (dozens of requests, only needed
/// for custom resources' names) waits until the layers have settled, so the first screen is
/// not slowed by it; the `:` prompt or [`DISCOVERY_DELAY`] start it earlier.
fn opening_effects(state: &mut AppState) -> Vec<Effect> {
    let mut effects = vec![Effect::ProbeServer, Effect::WatchNamespaces];
    if matches!(state.top(), View::Layers(_)) {
        state.discovery = Some(state.now);
    } else {
        effects.push(Effect::Discover);
    }
    effects
}

/// Starts a deferred discovery, once.
fn discover_now(state: &mut AppState) -> Vec<Effect> {
    match state.discovery.take() {
        Some(_) => vec![Effect::Discover],
        None => Vec::new(),
    }
}

pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Started => {
            state.changed();
            let mut effects = opening_effects(state);
            effects.extend(refresh_top(state));
            effects
        }
        Action::Key(key) => on_key(state, key),
        Action::Intent(intent) => intend(state, intent),
        Action::Resized(viewport) => {
            state.viewport = viewport;
            let rows = viewport.rows;
            if let Some(table) = state.table_mut() {
                table.scroll(rows);
            }
            state.changed();
            Vec::new()
        }
        Action::Tick(now) => {
            state.now = now;
            let mut effects = Vec::new();
            if state
                .discovery
                .is_some_and(|since| now - since >= DISCOVERY_DELAY)
            {
                effects = discover_now(state);
            }
            if state.flash.as_ref().is_some_and(|f| f.until <= now) {
                state.flash = None;
            }
            // A frame only when what is on screen reads differently now.
            if state.redraw_at.is_some_and(|at| at <= now) {
                state.changed();
            }
            effects.extend(tool::tick(state, now));
            effects
        }
        Action::ExternallyEdited(result) => tool::externally_edited(state, result),
        Action::Drawn(next) => {
            state.redraw_at = next;
            Vec::new()
        }
        Action::ComponentEvents { generation, result } => {
            let Some(View::Component(view)) = state
                .stack
                .iter_mut()
                .find(|v| matches!(v, View::Component(c) if c.generation == generation))
            else {
                return Vec::new();
            };
            view.events = Some(result);
            state.changed();
            Vec::new()
        }
        Action::LayersUpdated { generation, update } => {
            let Some(View::Layers(layers)) = state
                .stack
                .iter_mut()
                .find(|v| matches!(v, View::Layers(l) if l.generation == generation))
            else {
                return Vec::new();
            };
            let live = update.freshness.is_live();
            let settled = !matches!(update.freshness, Freshness::Syncing { .. });
            let runs = update.runs.clone();
            layers.show(*update);
            // Layers under another view are kept current without drawing a frame.
            if matches!(state.top(), View::Layers(_)) {
                state.changed();
            }
            if !Arc::ptr_eq(&runs, &state.runs) {
                for view in &mut state.stack {
                    match view {
                        View::Runs(runs_view) => runs_view.set_runs(runs.clone()),
                        View::Component(component) => component.set_runs(&runs),
                        _ => {}
                    }
                }
                if matches!(state.top(), View::Runs(_) | View::Component(_)) {
                    state.changed();
                }
                state.runs = runs;
            }
            let mut effects = reprobe_if_back(state, live);
            if settled {
                effects.extend(discover_now(state));
                // Like discovery, the posture's read (whole objects of every kind) waits
                // until the layers have settled, so the first screen is not slowed by it.
                effects.extend(follow_posture(state));
            }
            effects
        }
        Action::ServerProbed(result) => {
            state.server = match result {
                Ok(version) => ServerStatus::Reachable(version),
                Err(error) => ServerStatus::Unreachable(error),
            };
            state.changed();
            Vec::new()
        }
        Action::Namespaces(event) => {
            let recovered = event == CacheEvent::Status(WatchStatus::Live);
            match event {
                CacheEvent::Reset(rows) => {
                    state.namespaces = rows.iter().map(|ns| ns.key.name.to_string()).collect();
                    state.namespaces.sort();
                    state.namespaces.dedup();
                    state.seed_favorites();
                }
                CacheEvent::Applied(ns) => {
                    let name = ns.key.name.to_string();
                    if let Err(at) = state.namespaces.binary_search(&name) {
                        state.namespaces.insert(at, name);
                    }
                }
                CacheEvent::Deleted(ns) => {
                    state.namespaces.retain(|n| *n != ns.key.name);
                }
                CacheEvent::Columns(_) | CacheEvent::Status(_) => {}
            }
            state.changed();
            reprobe_if_back(state, recovered)
        }
        Action::Discovered(result) => {
            match result {
                Ok(catalog) => state.catalog = catalog,
                Err(error) => state.flash(error, true),
            }
            state.changed();
            Vec::new()
        }
        Action::Resource { generation, event } => {
            let rows = state.viewport.rows;
            let now = state.now;
            let on_top = state.table().is_some_and(|t| t.generation == generation);
            let Some(table) = state.table_of(generation) else {
                // A late change from a watch we already replaced: no frame for it.
                return Vec::new();
            };
            let recovered = event == CacheEvent::Status(WatchStatus::Live);
            // Most changes in a big cluster are to rows off screen: no frame for those.
            if table.apply(event, now, rows) && on_top {
                state.changed();
            }
            reprobe_if_back(state, recovered)
        }
        Action::ObjectFetched { generation, result } => {
            let (now, rows) = (state.now, state.viewport.rows);
            let Some(doc) = state.document_of(generation) else {
                return Vec::new();
            };
            match result {
                Ok(object) => {
                    let first = doc.object.is_none();
                    doc.object = Some(object);
                    doc.error = None;
                    doc.refresh(now);
                    // Opened on a search (a finding's evidence): show its first match.
                    if first && doc.search.is_some() {
                        let search = doc.search.clone();
                        doc.set_search(search, rows);
                    }
                }
                Err(error) => doc.error = Some(error),
            }
            state.changed();
            Vec::new()
        }
        Action::ContextsListed(result) => {
            let current = state.context.name.clone();
            if let Some(View::Contexts(view)) = state.stack.last_mut() {
                match result {
                    Ok(entries) => {
                        view.selected = entries.iter().position(|c| c.name == current).unwrap_or(0);
                        view.entries = entries;
                        view.loaded = Some(Ok(()));
                    }
                    Err(error) => view.loaded = Some(Err(error)),
                }
            }
            state.changed();
            Vec::new()
        }
        Action::Reconnected(result) => {
            state.changed();
            match result {
                Ok(context) => {
                    state.flash(format!("switched to context {}", context.name), false);
                    state.context = context;
                    state.server = ServerStatus::Connecting;
                    state.catalog = Catalog::builtin();
                    state.namespaces.clear();
                    state.favorites.clear();
                    state.scope = NamespaceScope::All;
                    state.stack = vec![View::Layers(Box::default())];
                    // Another cluster: nothing of the last one's posture applies.
                    state.posture = Default::default();
                    state.posture_scope = None;
                    let mut effects = opening_effects(state);
                    effects.extend(refresh_top(state));
                    effects
                }
                Err(error) => {
                    state.flash(error, true);
                    Vec::new()
                }
            }
        }
        Action::Warn(text) => {
            state.flash_for(text, true, 30);
            state.changed();
            Vec::new()
        }
        Action::Said(text) => {
            state.flash(text, false);
            state.changed();
            Vec::new()
        }
        Action::TriggerPrepared {
            namespace,
            cronjob,
            result,
        } => trigger::prepared(state, &namespace, &cronjob, result),
        Action::TriggerApproved {
            namespace,
            cronjob,
            result,
        } => trigger::approved(state, &namespace, &cronjob, result),
        Action::Triggered {
            namespace,
            cronjob,
            result,
        } => trigger::triggered(state, &namespace, &cronjob, result),
        Action::LogLines { generation, queued } => {
            let rows = state.viewport.rows;
            let on_top = matches!(state.top(), View::Logs(v) if v.generation == generation);
            let Some(View::Logs(view)) = state
                .stack
                .iter_mut()
                .find(|v| matches!(v, View::Logs(l) if l.generation == generation))
            else {
                return Vec::new();
            };
            view.take(*queued, rows);
            if on_top {
                state.changed();
            }
            Vec::new()
        }
        Action::LogsFailed { generation, error } => {
            if state
                .stack
                .iter()
                .any(|v| matches!(v, View::Logs(l) if l.generation == generation))
            {
                state.flash(format!("cannot open the logs: {error}"), true);
                state.changed();
            }
            Vec::new()
        }
        Action::ToolLoaded { generation, result } => tool::loaded(state, generation, result),
        Action::ToolSignInNeeded {
            generation,
            level,
            target,
            error,
        } => tool::sign_in_needed(state, generation, level, target, error),
        Action::ToolApproved { act, result } => tool::approved(state, &act, result),
        Action::ToolActed { act, result } => tool::acted(state, &act, result),
        Action::ToolProgress { act, lines } => tool::progress(state, &act, lines),
        Action::ToolValues { act, result } => tool::values_read(state, &act, result),
        Action::PostureRead { scope, result } => {
            if state.posture_scope.as_ref() != Some(&scope) {
                // A read of namespaces no longer shown.
                return Vec::new();
            }
            match result {
                Ok(posture) => {
                    state.posture = super::security::PostureState {
                        latest: Some(posture),
                        error: None,
                    };
                }
                // The last good read stays on screen, with the error beside it.
                Err(error) => state.posture.error = Some(error),
            }
            show_posture(state);
            Vec::new()
        }
        Action::BundleProgress(step) => {
            for_incident_views(state, |line| {
                if line.writing {
                    line.text = step.clone();
                }
            });
            Vec::new()
        }
        Action::BundleWritten(result) => {
            let (text, failed) = match result {
                Ok(text) => (text, false),
                Err(error) => (format!("bundle not written: {error}"), true),
            };
            for_incident_views(state, |line| {
                *line = super::incident::BundleLine {
                    text: text.clone(),
                    writing: false,
                    failed,
                }
            });
            // Long enough to copy the path; it also stays under the incident screen.
            state.flash_for(text, failed, 30);
            Vec::new()
        }
        Action::IncidentRead { generation, report } => {
            for view in state.stack.iter_mut() {
                if let View::Incident(view) = view
                    && view.generation == generation
                {
                    view.set_report(report.clone());
                }
            }
            state.changed();
            Vec::new()
        }
        Action::Terminate => vec![Effect::Quit],
    }
}

/// The rollback wizard of release `namespace/name`, over the release's history where its
/// result shows.
fn open_rollback(state: &mut AppState, namespace: String, name: String) -> Vec<Effect> {
    let mut effects = tool::open(
        state,
        super::tool::Level::History {
            namespace: namespace.clone(),
            name: name.clone(),
        },
    );
    effects.extend(tool::ask(
        state,
        super::tool::Act::Rollback {
            namespace,
            name,
            to: None,
        },
    ));
    effects
}

/// Starts the incident bundle from the incident screen (one at a time).
fn write_bundle(state: &mut AppState) -> Vec<Effect> {
    let scope = state.scope.clone();
    let View::Incident(view) = state.top_mut() else {
        return Vec::new();
    };
    if view.bundle.as_ref().is_some_and(|b| b.writing) {
        state.flash("a bundle is already being written", false);
        return Vec::new();
    }
    view.bundle = Some(super::incident::BundleLine {
        text: "starting the bundle…".into(),
        writing: true,
        failed: false,
    });
    state.changed();
    vec![Effect::WriteBundle { scope }]
}

/// Applies `change` to the bundle line of every incident view that has one.
fn for_incident_views(
    state: &mut AppState,
    mut change: impl FnMut(&mut super::incident::BundleLine),
) {
    for view in state.stack.iter_mut() {
        if let View::Incident(view) = view
            && let Some(line) = view.bundle.as_mut()
        {
            change(line);
        }
    }
    state.changed();
}

/// Pushes `:incident` (or re-reads the one on top) and reads the report: the layers' report
/// correlated with the change timeline of the window.
fn open_incident(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.top(), View::Incident(_)) {
        push(state, View::Incident(Box::default()));
    }
    read_incident(state)
}

fn read_incident(state: &mut AppState) -> Vec<Effect> {
    let generation = state.next_generation();
    let report = state.stack.iter().find_map(|v| match v {
        View::Layers(layers) => layers.report.clone(),
        _ => None,
    });
    let (scope, now) = (state.scope.clone(), state.now);
    let View::Incident(view) = state.top_mut() else {
        return Vec::new();
    };
    view.generation = generation;
    let Some(report) = report else {
        view.error = Some("the layers have not been read yet; press I again in a moment".into());
        state.changed();
        return Vec::new();
    };
    view.reading = true;
    state.changed();
    vec![Effect::ReadIncident {
        generation,
        scope,
        report,
        from: now - super::incident::IncidentView::window(),
    }]
}

/// Hands the posture to every view that shows it.
fn show_posture(state: &mut AppState) {
    let posture = state.posture.clone();
    for view in &mut state.stack {
        match view {
            View::Layers(layers) => layers.set_posture(posture.clone()),
            View::Component(component) => component.set_posture(&posture),
            View::Security(security) => security.set_posture(posture.clone()),
            _ => {}
        }
    }
    if matches!(
        state.top(),
        View::Layers(_) | View::Component(_) | View::Security(_)
    ) {
        state.changed();
    }
}

/// Drops a posture read in other namespaces than the current scope's: no badge outlives
/// the scope it was read in (and reads still coming for it are ignored).
fn forget_other_posture(state: &mut AppState) {
    if state
        .posture_scope
        .as_ref()
        .is_some_and(|read| *read != state.scope)
    {
        state.posture_scope = None;
        state.posture = Default::default();
        show_posture(state);
    }
}

/// Follows the security posture in the current scope, unless it already does.
fn follow_posture(state: &mut AppState) -> Vec<Effect> {
    forget_other_posture(state);
    if state.posture_scope.as_ref() == Some(&state.scope) {
        return Vec::new();
    }
    state.posture_scope = Some(state.scope.clone());
    vec![Effect::FollowPosture {
        scope: state.scope.clone(),
    }]
}

/// Keys go to the input line while one is open, else through the keymap of the top view.
fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.prompt.is_some() {
        return prompt_key(state, key);
    }
    match state.keymap.resolve_in(state.key_view(), &key) {
        Some(intent) => intend(state, intent),
        // Unbound keys change nothing and cost no frame.
        None => Vec::new(),
    }
}

fn prompt_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(prompt) = state.prompt.as_mut() else {
        return Vec::new();
    };
    state.revision = state.revision.wrapping_add(1);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    // The values editor takes enter as a new line; ctrl-s takes the values.
    if prompt.kind == PromptKind::ValuesEditor
        && key.code != KeyCode::Esc
        && !(ctrl && key.code == KeyCode::Char('c'))
    {
        if ctrl && key.code == KeyCode::Char('s') {
            let Some(prompt) = state.prompt.take() else {
                return Vec::new();
            };
            return tool::enter(state, prompt);
        }
        prompt.input.input(textarea_input(&key));
        return Vec::new();
    }
    // The plan above a confirmation scrolls while the answer is typed.
    if prompt.kind == PromptKind::ToolConfirm
        && let Some(draft) = state.tool_draft.as_mut()
    {
        let page = state.viewport.rows.saturating_sub(8).max(1);
        match key.code {
            KeyCode::PageDown | KeyCode::Down => {
                let step = if key.code == KeyCode::Down { 1 } else { page };
                draft.scroll = draft.scroll.saturating_add(step);
                return Vec::new();
            }
            KeyCode::PageUp | KeyCode::Up => {
                let step = if key.code == KeyCode::Up { 1 } else { page };
                draft.scroll = draft.scroll.saturating_sub(step);
                return Vec::new();
            }
            _ => {}
        }
    }
    match key.code {
        KeyCode::Char('c') if ctrl => vec![Effect::Quit],
        KeyCode::Esc => {
            let prompt = state.prompt.take();
            if let Some(editor) = prompt
                .as_ref()
                .filter(|p| p.kind == PromptKind::ValuesEditor)
            {
                tool::keep_edited(state, editor.text());
            }
            // Typing a filter is a preview: esc puts back the one that was there.
            if let Some(Prompt {
                kind: kind @ (PromptKind::Filter | PromptKind::Search),
                before,
                ..
            }) = prompt
            {
                live_filter(state, kind, before.as_deref().unwrap_or(""));
            }
            trigger::cancel(state);
            tool::cancel(state);
            Vec::new()
        }
        KeyCode::Enter => {
            let Some(prompt) = state.prompt.take() else {
                return Vec::new();
            };
            let text = prompt.text();
            match prompt.kind {
                PromptKind::Command => run_command(state, &text),
                PromptKind::Filter | PromptKind::Search => {
                    live_filter(state, prompt.kind, &text);
                    Vec::new()
                }
                PromptKind::DbtCommand | PromptKind::Confirm => trigger::enter(state, prompt),
                PromptKind::AirflowConf
                | PromptKind::ToolConfirm
                | PromptKind::ToolUser
                | PromptKind::ToolSecret
                | PromptKind::UpgradeChart
                | PromptKind::UpgradeValues
                | PromptKind::ValuesEditor
                | PromptKind::Image
                | PromptKind::Replicas
                | PromptKind::Ports
                | PromptKind::Container => tool::enter(state, prompt),
            }
        }
        KeyCode::Tab if prompt.kind == PromptKind::Command => {
            if let Some(first) = prompt.completions.first().cloned() {
                prompt.input = ratatui_textarea::TextArea::new(vec![first]);
                prompt.input.move_cursor(ratatui_textarea::CursorMove::End);
                prompt.completions = Vec::new();
            }
            Vec::new()
        }
        _ => {
            prompt.input.input(textarea_input(&key));
            let text = prompt.text();
            let kind = prompt.kind;
            if kind == PromptKind::Command {
                prompt.completions = command::complete(&text, &state.catalog);
            } else {
                live_filter(state, kind, &text);
            }
            Vec::new()
        }
    }
}

/// The textarea's own key type, built by hand so our crossterm and the one the textarea was
/// built against never need to be the same version.
fn textarea_input(key: &KeyEvent) -> Input {
    let code = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Enter => Key::Enter,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Tab => Key::Tab,
        KeyCode::Delete => Key::Delete,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Esc => Key::Esc,
        KeyCode::F(n) => Key::F(n),
        _ => Key::Null,
    };
    Input {
        key: code,
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
        shift: key.modifiers.contains(KeyModifiers::SHIFT),
    }
}

/// Applies a filter or search as typed (k9s filters live).
fn live_filter(state: &mut AppState, kind: PromptKind, text: &str) {
    // Runs are filtered by words (each must match), not by one pattern.
    if kind == PromptKind::Filter
        && let View::Runs(runs) = state.top_mut()
    {
        runs.set_filter(text);
        runs.offset = 0;
        return;
    }
    let rows = state.viewport.rows;
    let filter = match Filter::parse(text) {
        Ok(filter) => filter,
        Err(error) => {
            state.flash(error.to_string(), true);
            return;
        }
    };
    let note = filter.as_ref().and_then(|f| f.note.clone());
    match (kind, state.top_mut()) {
        (PromptKind::Filter, View::Table(table)) => table.set_filter(filter, rows),
        (PromptKind::Filter, View::Layers(layers)) => layers.set_filter(filter),
        (PromptKind::Filter, View::Security(view)) => view.set_filter(filter),
        (PromptKind::Search, View::Document(doc)) => doc.set_search(filter, rows),
        (PromptKind::Search, View::Logs(view)) => view.set_search(filter, rows),
        _ => {}
    }
    if let Some(note) = note {
        state.flash(note, false);
    }
}

fn run_command(state: &mut AppState, text: &str) -> Vec<Effect> {
    let command = match command::parse(text, &state.catalog) {
        Ok(Some(command)) => command,
        Ok(None) => return Vec::new(),
        Err(error) => {
            let hint = if state.catalog.discovered {
                ""
            } else {
                " (the cluster's kinds are still being discovered: custom resources resolve in a moment)"
            };
            state.flash(format!("{error}{hint}"), true);
            return Vec::new();
        }
    };
    match command {
        Command::Quit => vec![Effect::Quit],
        Command::Airflow => tool::open(state, super::tool::Level::Dags),
        Command::Airbyte => tool::open(state, super::tool::Level::Connections),
        Command::Helm => tool::open(state, super::tool::Level::Releases),
        Command::PortForwards => tool::open(state, super::tool::Level::Forwards),
        Command::Runs(words) => {
            let view = RunsView::new(state.runs.clone(), &words, None);
            // `:runs failed` on the runs view narrows it in place: esc still goes back to
            // where the runs were opened from, not through each filter tried.
            if let View::Runs(top) = state.top_mut()
                && top.component.is_none()
            {
                **top = view;
                state.prompt = None;
                state.changed();
            } else {
                push(state, View::Runs(Box::new(view)));
            }
            Vec::new()
        }
        Command::Incident => open_incident(state),
        Command::Security(words) => {
            let filter = match Filter::parse(&words) {
                Ok(filter) => filter,
                Err(error) => {
                    state.flash(error.to_string(), true);
                    return Vec::new();
                }
            };
            open_security(state, filter)
        }
        Command::Contexts => {
            push(
                state,
                View::Contexts(ContextsView {
                    entries: Vec::new(),
                    selected: 0,
                    offset: 0,
                    loaded: None,
                }),
            );
            vec![Effect::ListContexts]
        }
        Command::Context(name) => {
            state.flash(format!("connecting to context {name}…"), false);
            vec![Effect::SwitchContext(name)]
        }
        Command::Layers => {
            // Back to the layers already in the stack (usually home), else a new one.
            match state
                .stack
                .iter()
                .position(|v| matches!(v, View::Layers(_)))
            {
                Some(at) => {
                    state.stack.truncate(at + 1);
                    state.prompt = None;
                    state.changed();
                }
                None => push(state, View::Layers(Box::default())),
            }
            refresh_top(state)
        }
        Command::Help => intend(state, Intent::Help),
        Command::Open { kind, namespace } => {
            if let Some(namespace) = namespace {
                state.scope = NamespaceScope::Only(namespace.clone());
                state.remember_namespace(&namespace);
            }
            open_kind(state, kind, None, None)
        }
    }
}

/// Pushes a table of `kind` in the current scope (or the drill's) and watches it.
fn open_kind(
    state: &mut AppState,
    kind: ResourceKind,
    drill: Option<&Drill>,
    title: Option<String>,
) -> Vec<Effect> {
    let scope = match drill.and_then(|d| d.namespace.clone()) {
        Some(namespace) => NamespaceScope::Only(namespace),
        None if drill.is_some() => NamespaceScope::All,
        None => state.scope.clone(),
    };
    let target = WatchTarget {
        label_selector: drill.and_then(|d| d.label_selector.clone()),
        field_selector: drill.and_then(|d| d.field_selector.clone()),
        ..WatchTarget::of(kind.clone(), scope)
    };
    let generation = state.next_generation();
    let title = title.unwrap_or_else(|| kind.plural.clone());
    let mut table = TableView::new(kind, target, title, generation);
    table.owner_uid = drill.and_then(|d| d.owner_uid.clone());
    push(state, View::Table(Box::new(table)));
    refresh_top(state)
}

fn push(state: &mut AppState, view: View) {
    state.prompt = None;
    state.stack.push(view);
    if state.stack.len() > MAX_DEPTH {
        state.stack.remove(1);
    }
    state.changed();
}

/// Starts the watch of the top view when it is a table, or refreshes the layers; other
/// views keep the watch of the table below them.
fn refresh_top(state: &mut AppState) -> Vec<Effect> {
    if matches!(state.top(), View::Incident(_)) {
        return read_incident(state);
    }
    let generation = state.next_generation();
    let scope = state.scope.clone();
    match state.top_mut() {
        View::Table(table) => {
            table.rewatch(generation);
            vec![Effect::Watch {
                generation,
                target: table.target.clone(),
            }]
        }
        View::Layers(layers) => {
            layers.generation = generation;
            // The posture is read once the layers have settled (see `LayersUpdated`).
            forget_other_posture(state);
            vec![Effect::AssessLayers { generation, scope }]
        }
        _ => Vec::new(),
    }
}

/// Pushes `:security` (narrowed by `filter`), replacing one on top; the posture is read
/// from then on if the layers have not started it.
fn open_security(state: &mut AppState, filter: Option<Filter>) -> Vec<Effect> {
    let view = SecurityView::new(state.posture.clone(), filter);
    if let View::Security(top) = state.top_mut() {
        **top = view;
        state.prompt = None;
        state.changed();
    } else {
        push(state, View::Security(Box::new(view)));
    }
    follow_posture(state)
}

fn intend(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    let rows = state.viewport.rows.max(1);
    if let Some(effects) = tool::wizard_intent(state, intent, rows) {
        return effects;
    }
    if let Some(effects) = tool::intent(state, intent, rows) {
        return effects;
    }
    if let Some(effects) = log_intent(state, intent, rows) {
        return effects;
    }
    let motion = match intent {
        Intent::Quit => return vec![Effect::Quit],
        Intent::MoveUp => Motion::Up(1),
        Intent::MoveDown => Motion::Down(1),
        Intent::PageUp => Motion::Up(rows),
        Intent::PageDown => Motion::Down(rows),
        Intent::Top => Motion::Top,
        Intent::Bottom => Motion::Bottom,
        // One pane per screen: nothing to switch to.
        Intent::FocusNext | Intent::FocusPrevious => return Vec::new(),
        Intent::Select => return select(state),
        Intent::AllNamespaces => return show_scope(state, NamespaceScope::All),
        Intent::FavoriteNamespace(slot) => {
            let Some(name) = state
                .favorites
                .get(usize::from(slot).wrapping_sub(1))
                .cloned()
            else {
                state.flash(format!("no favourite namespace on {slot} yet"), false);
                state.changed();
                return Vec::new();
            };
            return show_scope(state, NamespaceScope::Only(name));
        }
        Intent::Back => return back(state),
        Intent::Command => {
            let mut prompt = Prompt::new(PromptKind::Command, "");
            prompt.before = None;
            state.prompt = Some(prompt);
            state.changed();
            // Completion wants every kind the server has.
            return discover_now(state);
        }
        Intent::Filter | Intent::Search => {
            let (kind, current) = match state.top() {
                View::Table(table) => (
                    PromptKind::Filter,
                    table.filter.as_ref().map(|f| f.text.clone()),
                ),
                View::Layers(layers) => (
                    PromptKind::Filter,
                    layers.filter.as_ref().map(|f| f.text.clone()),
                ),
                View::Runs(runs) => (PromptKind::Filter, Some(runs.filter.clone())),
                View::Security(view) => (
                    PromptKind::Filter,
                    view.filter.as_ref().map(|f| f.text.clone()),
                ),
                View::Document(doc) => (
                    PromptKind::Search,
                    doc.search.as_ref().map(|f| f.text.clone()),
                ),
                View::Logs(view) => (
                    PromptKind::Search,
                    view.search.as_ref().map(|s| s.filter.text.clone()),
                ),
                _ => return Vec::new(),
            };
            state.prompt = Some(Prompt::new(kind, current.as_deref().unwrap_or("")));
            state.changed();
            return Vec::new();
        }
        Intent::Help => {
            // Help on help would only stack another copy.
            if !matches!(state.top(), View::Help(_)) {
                let about = state.key_view();
                push(state, View::Help(HelpView { about, offset: 0 }));
            }
            return Vec::new();
        }
        Intent::Describe => return open_document(state, DocumentKind::Describe, false),
        Intent::Yaml => return open_document(state, DocumentKind::Yaml, false),
        Intent::RevealSecret => {
            let now = state.now;
            if let View::Document(doc) = state.top_mut() {
                if doc.is_secret() {
                    doc.revealed = !doc.revealed;
                    doc.refresh(now);
                    state.changed();
                }
                return Vec::new();
            }
            let is_secrets = state
                .table()
                .is_some_and(|t| t.kind.group.is_empty() && t.kind.plural == "secrets");
            return if is_secrets {
                open_document(state, DocumentKind::Yaml, true)
            } else {
                Vec::new()
            };
        }
        Intent::NextMatch | Intent::PreviousMatch => {
            if let View::Document(doc) = state.top_mut() {
                doc.next_match(intent == Intent::NextMatch, rows);
                state.changed();
            }
            return Vec::new();
        }
        Intent::SortNext | Intent::SortReverse => {
            if let Some(table) = state.table_mut() {
                if intent == Intent::SortNext {
                    table.sort_next(rows);
                } else {
                    table.sort_reverse(rows);
                }
                state.changed();
            }
            return Vec::new();
        }
        Intent::ToggleWrap => {
            if let View::Document(doc) = state.top_mut() {
                doc.wrap = !doc.wrap;
                state.changed();
            }
            return Vec::new();
        }
        // Airflow's own keys; `tool::intent` took them when it is on top.
        Intent::TogglePause
        | Intent::ClearFailed
        | Intent::Diff
        | Intent::Undo
        | Intent::Upgrade
        | Intent::SetImage => {
            return Vec::new();
        }
        Intent::RolloutHistory => {
            let workload = match state.top() {
                View::Table(table) => table.selected_row().map(|row| {
                    (
                        table.kind.kind.clone(),
                        row.key.namespace.to_string(),
                        row.key.name.to_string(),
                    )
                }),
                View::Component(view) => view.selected_workload().map(|w| {
                    let namespace = if w.namespace.is_empty() {
                        view.component.namespace.clone()
                    } else {
                        w.namespace.clone()
                    };
                    (w.kind.clone(), namespace, w.name.clone())
                }),
                _ => None,
            };
            let Some((kind, namespace, name)) = workload.filter(|(kind, _, _)| {
                crate::cluster::rollout::WorkloadKind::parse(kind).is_some()
            }) else {
                state.flash(
                    "R shows a rollout history: pick a Deployment, StatefulSet or DaemonSet",
                    false,
                );
                state.changed();
                return Vec::new();
            };
            return tool::open(
                state,
                super::tool::Level::Rollouts {
                    kind,
                    namespace,
                    name,
                },
            );
        }
        Intent::ReleaseHistory | Intent::Rollback => {
            let component = match state.top() {
                View::Layers(layers) => layers.selected_component(),
                View::Component(view) => Some(&view.component),
                _ => None,
            };
            let Some((namespace, name)) = component.and_then(|c| {
                c.release
                    .as_ref()
                    .map(|release| (c.namespace.clone(), release.clone()))
            }) else {
                state.flash("this component was not installed by Helm", false);
                state.changed();
                return Vec::new();
            };
            if intent == Intent::Rollback {
                return open_rollback(state, namespace, name);
            }
            return tool::open(state, super::tool::Level::History { namespace, name });
        }
        // The log viewer's own keys; `log_intent` took them when it is on top.
        Intent::Logs
        | Intent::LogsPrevious
        | Intent::ToggleFollow
        | Intent::ToggleTimestamps
        | Intent::SinceWindow
        | Intent::PrettyJson
        | Intent::OnlyMatching
        | Intent::Mark
        | Intent::Save => return Vec::new(),
        Intent::Copy => return copy(state),
        Intent::Trigger => return trigger::start(state),
        Intent::Restart
        | Intent::Scale
        | Intent::Delete
        | Intent::Kill
        | Intent::Edit
        | Intent::PortForward
        | Intent::Shell => {
            return tool::table_act(state, intent);
        }
        Intent::Incident => return open_incident(state),
        Intent::Bundle => return write_bundle(state),
        Intent::Security => {
            // The component's own findings: its name as a whole word, and its namespace.
            let component = match state.top() {
                View::Layers(layers) => layers.selected_component(),
                View::Component(view) => Some(&view.component),
                _ => None,
            };
            let filter = component.and_then(|c| {
                Filter::parse(&format!("^{}$", regex::escape(&c.name)))
                    .ok()
                    .flatten()
            });
            return open_security(state, filter);
        }
    };
    move_cursor(state, motion, rows);
    state.changed();
    Vec::new()
}

fn move_cursor(state: &mut AppState, motion: Motion, rows: usize) {
    match state.top_mut() {
        View::Logs(view) => match motion {
            Motion::Up(n) => view.move_by(-(n as isize), rows),
            Motion::Down(n) => view.move_by(n as isize, rows),
            Motion::Top => view.to_top(rows),
            Motion::Bottom => view.to_bottom(rows),
        },
        View::Layers(layers) => {
            let count = layers.shown().map_or(0, |r| r.component_count());
            layers.selected = motion.apply(layers.selected, count);
        }
        View::Component(view) => {
            let count = view.workloads().len();
            view.selected = motion.apply(view.selected, count);
        }
        View::Table(table) => table.move_cursor(motion, rows),
        View::Runs(view) => {
            let index = motion.apply(view.selected_index(), view.len());
            view.select(index);
            view.offset = super::state::follow(view.offset, index, rows, view.len());
        }
        View::Security(view) => {
            view.selected = motion.apply(view.selected, view.len());
            view.offset = super::state::follow(view.offset, view.selected, rows, view.len());
        }
        View::Incident(view) => {
            match motion {
                Motion::Up(n) => view.move_by(-(n as isize)),
                Motion::Down(n) => view.move_by(n as isize),
                Motion::Top => view.to_edge(false),
                Motion::Bottom => view.to_edge(true),
            }
            view.offset = super::state::follow(view.offset, view.selected, rows, view.rows.len());
        }
        View::Document(doc) => match motion {
            Motion::Up(n) => doc.scroll_by(-(n as isize), rows),
            Motion::Down(n) => doc.scroll_by(n as isize, rows),
            Motion::Top => doc.scroll_to(true, rows),
            Motion::Bottom => doc.scroll_to(false, rows),
        },
        View::Contexts(view) => {
            view.selected = motion.apply(view.selected, view.entries.len());
            view.offset =
                super::state::follow(view.offset, view.selected, rows, view.entries.len());
        }
        View::Tool(view) => {
            let count = view.rows().len();
            view.selected = motion.apply(view.selected, count);
            view.offset = super::state::follow(view.offset, view.selected, rows, count);
        }
        View::Help(help) => {
            help.offset = match motion {
                Motion::Up(n) => help.offset.saturating_sub(n),
                Motion::Down(n) => help.offset.saturating_add(n),
                Motion::Top => 0,
                Motion::Bottom => usize::MAX / 2,
            };
        }
    }
}

/// Shows `scope` in the top table (and every table opened after), rewatching it.
fn show_scope(state: &mut AppState, scope: NamespaceScope) -> Vec<Effect> {
    if let NamespaceScope::Only(name) = &scope {
        let name = name.clone();
        state.remember_namespace(&name);
    }
    state.scope = scope.clone();
    state.changed();
    if matches!(state.top(), View::Layers(_)) {
        return refresh_top(state);
    }
    if matches!(state.top(), View::Security(_)) {
        return follow_posture(state);
    }
    let generation = state.next_generation();
    let Some(table) = state.table_mut() else {
        return Vec::new();
    };
    if !table.kind.namespaced || table.target.scope == scope {
        return Vec::new();
    }
    table.target.scope = scope;
    // Rows of other namespaces go now; the new subscription fills in the rest.
    let rows = state.viewport.rows;
    let now = state.now;
    let Some(table) = state.table_mut() else {
        return Vec::new();
    };
    table.keep_scope(now, rows);
    table.selected = None;
    table.offset = 0;
    table.rewatch(generation);
    vec![Effect::Watch {
        generation,
        target: table.target.clone(),
    }]
}

fn back(state: &mut AppState) -> Vec<Effect> {
    if state.stack.len() > 1 {
        let leaving = state.stack.pop();
        state.changed();
        // Leaving a document or help keeps the table's watch below it running; leaving a
        // log view stops its readers.
        let mut effects = match (&leaving, state.top()) {
            (Some(View::Table(_)), _) | (_, View::Layers(_)) => refresh_top(state),
            _ => Vec::new(),
        };
        if matches!(leaving, Some(View::Logs(_))) {
            effects.push(Effect::StopLogs);
        }
        return effects;
    }
    // At home, esc clears the filter like k9s.
    let rows = state.viewport.rows;
    match state.top_mut() {
        View::Table(table) if table.filter.is_some() => table.set_filter(None, rows),
        View::Layers(layers) if layers.filter.is_some() => layers.set_filter(None),
        _ => return Vec::new(),
    }
    state.changed();
    Vec::new()
}

/// Pushes a component's view: its workloads from the report the layers show (the layers
/// keep refreshing only while they are on top), and reads its events.
fn push_component(state: &mut AppState, component: crate::stack::ComponentReport) -> Vec<Effect> {
    let mut view = ComponentView::new(component);
    view.set_runs(&state.runs);
    view.set_posture(&state.posture);
    let generation = state.next_generation();
    view.generation = generation;
    let effect = Effect::FetchComponentEvents {
        generation,
        namespace: view.component.namespace.clone(),
        names: view.event_names(),
    };
    push(state, View::Component(Box::new(view)));
    vec![effect]
}

/// The component `namespace/name` of the layers' report.
fn layers_component(
    state: &AppState,
    namespace: &str,
    name: &str,
) -> Option<crate::stack::ComponentReport> {
    state.stack.iter().find_map(|v| match v {
        View::Layers(layers) => layers.report.as_ref().and_then(|r| {
            r.components()
                .find(|c| c.namespace == namespace && c.name == name)
                .cloned()
        }),
        _ => None,
    })
}

/// The component `namespace/name` of the layers' report, opened.
fn open_component(state: &mut AppState, namespace: &str, name: &str) -> Vec<Effect> {
    match layers_component(state, namespace, name) {
        Some(component) => push_component(state, component),
        None => {
            state.flash(
                format!("{namespace}/{name} is no longer in the layers"),
                true,
            );
            state.changed();
            Vec::new()
        }
    }
}

fn select(state: &mut AppState) -> Vec<Effect> {
    match state.top() {
        View::Layers(layers) => {
            let Some(component) = layers.selected_component().cloned() else {
                return Vec::new();
            };
            push_component(state, component)
        }
        View::Component(view) => {
            let Some(workload) = view.selected_workload() else {
                return Vec::new();
            };
            let namespace = if workload.namespace.is_empty() {
                view.component.namespace.clone()
            } else {
                workload.namespace.clone()
            };
            if workload.kind == "Run" {
                return open_logs(state, false);
            }
            // A pod has nothing below it, and a Service is shown, not drilled: describe them.
            if matches!(workload.kind.as_str(), "Pod" | "Service") {
                return open_document(state, DocumentKind::Describe, false);
            }
            let name = workload.name.clone();
            open_pods_named(state, namespace, name)
        }
        View::Runs(_) => open_logs(state, false),
        // A finding opens its object, at the evidence.
        View::Security(_) => open_document(state, DocumentKind::Yaml, false),
        View::Incident(view) => {
            use super::incident::Target;
            match view.target() {
                Some(Target::Component { namespace, name }) => {
                    open_component(state, &namespace, &name)
                }
                Some(Target::Rollback { namespace, release }) => {
                    open_rollback(state, namespace, release)
                }
                Some(Target::Object { namespace, object }) => {
                    let kind = if object.starts_with("Pod/") {
                        DocumentKind::Describe
                    } else {
                        DocumentKind::Yaml
                    };
                    match catalog_object(&state.catalog, &namespace, &object) {
                        Some(found) => open_document_at(state, kind, found, false, None),
                        None => {
                            state.flash(
                                format!("{object} is not a kind the cockpit can open"),
                                true,
                            );
                            state.changed();
                            Vec::new()
                        }
                    }
                }
                None => Vec::new(),
            }
        }
        View::Contexts(view) => {
            let Some(entry) = view.entries.get(view.selected) else {
                return Vec::new();
            };
            let name = entry.name.clone();
            state.flash(format!("connecting to context {name}…"), false);
            state.changed();
            vec![Effect::SwitchContext(name)]
        }
        View::Table(table) => {
            let Some(row) = table.selected_row() else {
                return Vec::new();
            };
            // A CRD opens its own kind.
            if table.kind.plural == "customresourcedefinitions" {
                let name = row.key.name.clone();
                return match state.catalog.resolve(&name).cloned() {
                    Some(kind) => open_kind(state, kind, None, None),
                    None => {
                        state.flash(format!("{name} is not served by the API server yet"), true);
                        state.changed();
                        Vec::new()
                    }
                };
            }
            let Some(drill) = row.drill.clone() else {
                // Nothing below this kind: describe it, the next most useful thing.
                return open_document(state, DocumentKind::Describe, false);
            };
            let title = format!("{} · {}", drill.plural, row.key.name);
            let namespace_row =
                (table.kind.plural == "namespaces").then(|| row.key.name.to_string());
            let Some(kind) = state.catalog.resolve(drill.plural).cloned() else {
                return Vec::new();
            };
            if let Some(name) = namespace_row {
                state.scope = NamespaceScope::Only(name.clone());
                state.remember_namespace(&name);
            }
            open_kind(state, kind, Some(&drill), Some(title))
        }
        _ => Vec::new(),
    }
}

/// Pushes the pods of `namespace` filtered to `name` (pods are named after the workload that
/// owns them, and Helm names its objects after the release).
fn open_pods_named(state: &mut AppState, namespace: String, name: String) -> Vec<Effect> {
    let Some(kind) = state.catalog.resolve("pods").cloned() else {
        return Vec::new();
    };
    let drill = Drill {
        plural: "pods",
        namespace: Some(namespace),
        label_selector: None,
        field_selector: None,
        owner_uid: None,
    };
    let mut effects = open_kind(state, kind, Some(&drill), Some(format!("pods · {name}")));
    let rows = state.viewport.rows;
    if let Some(table) = state.table_mut() {
        // Kubernetes names are DNS labels: as a pattern they match themselves.
        table.set_filter(Filter::parse(&name).ok().flatten(), rows);
    }
    effects.shrink_to_fit();
    effects
}

fn open_document(state: &mut AppState, kind: DocumentKind, revealed: bool) -> Vec<Effect> {
    let (resource, key) = match state.top() {
        View::Table(table) => {
            let Some(row) = table.selected_row() else {
                return Vec::new();
            };
            (table.kind.clone(), row.key.clone())
        }
        // The workload under the cursor of a component; a run's own object.
        View::Component(view) => {
            let found = match view.selected_run() {
                Some(run) => run_object(&state.catalog, run),
                None => view
                    .selected_workload()
                    .and_then(|w| workload_object(&state.catalog, &view.component, w)),
            };
            let Some(found) = found else {
                return Vec::new();
            };
            found
        }
        View::Runs(view) => {
            let Some(found) = view
                .selected_run()
                .and_then(|run| run_object(&state.catalog, run))
            else {
                return Vec::new();
            };
            found
        }
        View::Security(view) => {
            let Some(finding) = view.selected_finding() else {
                return Vec::new();
            };
            let search = super::security::evidence_search(finding);
            let Some(found) = finding_object(&state.catalog, finding) else {
                let object = finding.object.clone();
                state.flash(format!("{object} is not a kind the cockpit can open"), true);
                state.changed();
                return Vec::new();
            };
            return open_document_at(state, kind, found, false, search);
        }
        View::Layers(layers) => {
            let Some(component) = layers.selected_component() else {
                return Vec::new();
            };
            let Some(found) = main_workload(&state.catalog, component) else {
                let name = component.name.clone();
                state.flash(format!("{name} has no workload to show"), false);
                state.changed();
                return Vec::new();
            };
            found
        }
        // The row's object, or its component's main workload.
        View::Incident(view) => {
            use super::incident::Target;
            let found = match view.target() {
                Some(Target::Object { namespace, object }) => {
                    catalog_object(&state.catalog, &namespace, &object)
                }
                Some(Target::Component { namespace, name }) => {
                    layers_component(state, &namespace, &name)
                        .and_then(|c| main_workload(&state.catalog, &c))
                }
                Some(Target::Rollback { .. }) | None => None,
            };
            let Some(found) = found else {
                state.flash("no object to show here: enter opens this row", false);
                state.changed();
                return Vec::new();
            };
            found
        }
        _ => return Vec::new(),
    };
    open_document_at(state, kind, (resource, key), revealed, None)
}

/// The kind and key of `Kind/name` in `namespace` (ignored for a cluster-scoped kind), when
/// the server serves the kind.
fn catalog_object(
    catalog: &Catalog,
    namespace: &str,
    object: &str,
) -> Option<(ResourceKind, RowKey)> {
    let (kind, name) = object.split_once('/')?;
    let resource = catalog.resolve(kind).cloned()?;
    let ns = if resource.namespaced { namespace } else { "" };
    Some((resource, RowKey::new(ns, name)))
}

/// A component's main object: the first workload its view lists (long-running kinds first).
fn main_workload(
    catalog: &Catalog,
    component: &crate::stack::ComponentReport,
) -> Option<(ResourceKind, RowKey)> {
    ComponentView::new(component.clone())
        .selected_workload()
        .filter(|w| w.kind != "Service")
        .and_then(|w| workload_object(catalog, component, w))
}

/// Opens a document of an object, searched for `search` (its first match shown once the
/// object arrives).
fn open_document_at(
    state: &mut AppState,
    kind: DocumentKind,
    (resource, key): (ResourceKind, RowKey),
    revealed: bool,
    search: Option<Filter>,
) -> Vec<Effect> {
    let generation = state.next_generation();
    let mut doc = DocumentView::new(kind, resource.clone(), key.clone(), generation);
    doc.revealed = revealed;
    doc.search = search;
    push(state, View::Document(Box::new(doc)));
    vec![Effect::FetchObject {
        generation,
        kind: resource,
        key,
    }]
}

/// The kind and key of a finding's object (`Kind/name`, in the finding's namespace unless
/// the kind is cluster-scoped).
fn finding_object(
    catalog: &Catalog,
    finding: &crate::security::Finding,
) -> Option<(ResourceKind, RowKey)> {
    let (kind, name) = finding.object.split_once('/')?;
    let resource = catalog.resolve(kind).cloned()?;
    let namespace = if resource.namespaced {
        finding.namespace.as_str()
    } else {
        ""
    };
    Some((resource, RowKey::new(namespace, name)))
}

/// Most bytes copied through OSC 52: terminals cap the sequence (xterm and tmux near 100 kB
/// once base64 grows it by a third).
const COPY_LIMIT: usize = 74_000;

/// `c` outside the logs: the name of the row under the cursor, or the whole document
/// (Secret values masked), to the clipboard through the terminal.
fn copy(state: &mut AppState) -> Vec<Effect> {
    let (text, what) = match state.top() {
        View::Table(table) => match table.selected_row() {
            Some(row) => (row.key.name.to_string(), format!("name {}", row.key.name)),
            None => return Vec::new(),
        },
        View::Tool(view) => match view.selected_row() {
            Some(row) => (row.name().to_string(), format!("name {}", row.name())),
            None => return Vec::new(),
        },
        View::Document(doc) if doc.object.is_some() => {
            let text = doc.copy_text();
            let what = format!("{} ({} lines)", doc.title(), text.lines().count());
            (text, what)
        }
        _ => return Vec::new(),
    };
    state.changed();
    if text.len() > COPY_LIMIT {
        state.flash(
            "too long for the terminal's clipboard (OSC 52, about 74 kB at most); \
             kubectl get -o yaml writes it to a file",
            true,
        );
        return Vec::new();
    }
    state.flash(format!("copied {what} to the clipboard"), false);
    vec![Effect::Clipboard(text)]
}

/// What the log keys do: open the logs of what is under the cursor (anywhere), and in the
/// log view follow, window, timestamps, search hits, selection, copy and save. `None` for
/// intents that are not about logs here.
fn log_intent(state: &mut AppState, intent: Intent, rows: usize) -> Option<Vec<Effect>> {
    let (log_buffers, now) = (state.log_buffers.clone(), state.now);
    if let View::Logs(view) = state.top_mut() {
        let effects = match intent {
            Intent::ToggleFollow => {
                view.toggle_follow(rows);
                Vec::new()
            }
            Intent::ToggleTimestamps => {
                view.timestamps = !view.timestamps;
                Vec::new()
            }
            Intent::ToggleWrap => {
                view.wrap = !view.wrap;
                Vec::new()
            }
            Intent::PrettyJson => {
                view.pretty_json = !view.pretty_json;
                Vec::new()
            }
            Intent::OnlyMatching => {
                view.toggle_only_matching(rows);
                Vec::new()
            }
            Intent::NextMatch | Intent::PreviousMatch => {
                view.next_hit(intent == Intent::NextMatch, rows);
                Vec::new()
            }
            Intent::Mark => {
                view.toggle_mark();
                Vec::new()
            }
            Intent::Copy => {
                let text = view.selection_text();
                let lines = text.lines().count();
                if text.len() > COPY_LIMIT {
                    state.flash(
                        format!(
                            "{lines} lines are too many for the terminal's clipboard; \
                             ctrl-s saves them to a file"
                        ),
                        true,
                    );
                    state.changed();
                    return Some(Vec::new());
                }
                view.mark = None;
                state.flash(format!("copied {lines} line(s) to the clipboard"), false);
                vec![Effect::Clipboard(text)]
            }
            Intent::Save => {
                let name = view.title.clone();
                let text = view.to_text();
                vec![Effect::SaveText { name, text }]
            }
            Intent::SinceWindow | Intent::LogsPrevious => {
                // Read again from the start of the new window (or the previous containers).
                let mut reopened =
                    super::logs::LogView::new(view.title.clone(), view.target.clone(), 0, None);
                reopened.buffer = log_buffers.buffer(&view.title, now);
                reopened.window = if intent == Intent::SinceWindow {
                    super::logs::LogView::next_window(view.window)
                } else {
                    view.window
                };
                reopened.previous = if intent == Intent::LogsPrevious {
                    !view.previous
                } else {
                    view.previous
                };
                reopened.wrap = view.wrap;
                reopened.timestamps = view.timestamps;
                reopened.pretty_json = view.pretty_json;
                let tool = view.tool.clone();
                reopened.set_tool(tool.as_deref());
                let generation = state.next_generation();
                reopened.generation = generation;
                let effect = follow_effect(&reopened);
                if let View::Logs(view) = state.top_mut() {
                    **view = reopened;
                }
                vec![effect]
            }
            _ => return None,
        };
        state.changed();
        return Some(effects);
    }
    match intent {
        Intent::Logs | Intent::LogsPrevious => {
            Some(open_logs(state, intent == Intent::LogsPrevious))
        }
        _ => None,
    }
}

fn follow_effect(view: &super::logs::LogView) -> Effect {
    Effect::FollowLogs {
        generation: view.generation,
        target: view.target.clone(),
        window: view.window,
        previous: view.previous,
    }
}

/// Opens the log view of what is under the cursor: a pod, a workload, a component, a run.
fn open_logs(state: &mut AppState, previous: bool) -> Vec<Effect> {
    use crate::cluster::logs::LogTarget;
    let opened: Option<(String, LogTarget, Option<String>)> = match state.top() {
        View::Runs(view) => view.selected_run().map(run_logs),
        // A finding about a workload: its pods' logs.
        View::Security(view) => view.selected_finding().and_then(|f| {
            let (kind, name) = f.object.split_once('/')?;
            // The kinds a component view opens logs of.
            if !matches!(
                kind,
                "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Pod"
            ) {
                return None;
            }
            Some((
                format!("logs · {}/{name}", kind.to_lowercase()),
                LogTarget::Workloads {
                    namespace: f.namespace.clone(),
                    workloads: vec![(kind.to_string(), name.to_string())],
                },
                None,
            ))
        }),
        View::Component(view) => match view.selected_run() {
            Some(run) => Some(run_logs(run)),
            None => view.selected_workload().map(|w| {
                let namespace = if w.namespace.is_empty() {
                    view.component.namespace.clone()
                } else {
                    w.namespace.clone()
                };
                (
                    format!("logs · {}/{}", w.kind.to_lowercase(), w.name),
                    LogTarget::Workloads {
                        namespace,
                        workloads: vec![(w.kind.clone(), w.name.clone())],
                    },
                    None,
                )
            }),
        },
        View::Layers(layers) => layers.selected_component().map(component_logs),
        // A component's workloads; a pod or workload the row is about.
        View::Incident(view) => match view.target() {
            Some(super::incident::Target::Component { namespace, name }) => {
                layers_component(state, &namespace, &name).map(|c| component_logs(&c))
            }
            Some(super::incident::Target::Object { namespace, object }) => {
                object.split_once('/').and_then(|(kind, name)| {
                    let target = match kind {
                        "Pod" => LogTarget::Pods {
                            namespace,
                            pods: vec![name.to_string()],
                        },
                        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicaSet" => {
                            LogTarget::Workloads {
                                namespace,
                                workloads: vec![(kind.to_string(), name.to_string())],
                            }
                        }
                        _ => return None,
                    };
                    Some((
                        format!("logs · {}/{name}", kind.to_lowercase()),
                        target,
                        None,
                    ))
                })
            }
            _ => None,
        },
        View::Table(table) => table.selected_row().and_then(|row| {
            let namespace = row.key.namespace.to_string();
            let name = row.key.name.to_string();
            let target = if table.kind.plural == "pods" {
                LogTarget::Pods {
                    namespace,
                    pods: vec![name.clone()],
                }
            } else if row.drill.as_ref().is_some_and(|d| d.plural == "pods")
                && table.kind.namespaced
            {
                LogTarget::Workloads {
                    namespace,
                    workloads: vec![(table.kind.kind.clone(), name.clone())],
                }
            } else {
                return None;
            };
            Some((
                format!("logs · {}/{name}", table.kind.singular),
                target,
                None,
            ))
        }),
        _ => None,
    };
    let Some((title, target, tool)) = opened else {
        state.flash(
            "nothing here has logs: pick a pod, a workload, a component or a run",
            false,
        );
        state.changed();
        return Vec::new();
    };
    let generation = state.next_generation();
    let mut view = super::logs::LogView::new(title, target, generation, tool.as_deref());
    view.buffer = state.log_buffers.buffer(&view.title, state.now);
    view.previous = previous;
    let effect = follow_effect(&view);
    push(state, View::Logs(Box::new(view)));
    vec![effect]
}

/// A component's log view: the pods of all its workloads.
fn component_logs(
    c: &crate::stack::ComponentReport,
) -> (String, crate::cluster::logs::LogTarget, Option<String>) {
    (
        format!("logs · {}", c.name),
        crate::cluster::logs::LogTarget::Workloads {
            namespace: c.namespace.clone(),
            workloads: c
                .workloads
                .iter()
                .map(|w| (w.kind.clone(), w.name.clone()))
                .collect(),
        },
        None,
    )
}

/// A run's log view: its pods and next tries, decoded when its tool is known.
fn run_logs(run: &crate::stack::Run) -> (String, crate::cluster::logs::LogTarget, Option<String>) {
    (
        format!("logs · run {}", run.name),
        crate::cluster::logs::LogTarget::Run(Box::new(run.clone())),
        run.tool.clone(),
    )
}

/// The kind and key of a run's own object (its newest try's pod or Job, its application).
fn run_object(catalog: &Catalog, run: &crate::stack::Run) -> Option<(ResourceKind, RowKey)> {
    let kind = catalog.resolve(&run.kind).cloned()?;
    let name = run.id.rsplit('/').next().unwrap_or(&run.id);
    Some((kind, RowKey::new(&run.namespace, name)))
}

/// The kind and key of a component's workload.
fn workload_object(
    catalog: &Catalog,
    component: &crate::stack::ComponentReport,
    workload: &crate::stack::WorkloadReport,
) -> Option<(ResourceKind, RowKey)> {
    let resource = catalog.resolve(&workload.kind).cloned()?;
    let namespace = if !resource.namespaced {
        ""
    } else if workload.namespace.is_empty() {
        &component.namespace
    } else {
        &workload.namespace
    };
    Some((resource, RowKey::new(namespace, &workload.name)))
}

/// The probe runs once; the watches keep retrying. When a watch gets through after the
/// probe failed, the server is back: ask again so the header stops saying "unreachable".
fn reprobe_if_back(state: &mut AppState, watch_succeeded: bool) -> Vec<Effect> {
    if watch_succeeded && matches!(state.server, ServerStatus::Unreachable(_)) {
        state.server = ServerStatus::Connecting;
        vec![Effect::ProbeServer]
    } else {
        Vec::new()
    }
}

/// Whether the top table is still listing (for tests and the UI's empty message).
pub fn listing(state: &AppState) -> bool {
    state.table().is_some_and(|t| t.sync == SyncState::Listing)
}

#[cfg(test)]
mod tests;
