//! The event loop: one inbox of actions fed by the terminal, the watchers, effect results, a
//! one-second clock and signals; `update` applies them, effects run on tokio, and a frame is
//! drawn only when the state changed, at most every 33 ms. Idle, it wakes once a second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};

use super::AppError;
use super::action::{Action, Effect};
use super::document::SharedObject;
use super::keymap::Keymap;
use super::state::{AppState, ContextInfo};
use super::terminal::TerminalSession;
use super::update::update;
use crate::cluster::contexts::list_contexts;
use crate::cluster::layers::LayersUpdate;
use crate::cluster::{
    self, Cache, Catalog, ConnectTarget, Connection, NamespaceScope, ResourceKind, RowKey,
    WatchTarget,
};
use crate::ui::{self, Theme};

/// ≤ 30 frames per second: smooth to the eye, gentle on slow SSH links.
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Relative ages change once a second; nothing else needs a clock.
const TICK_INTERVAL: Duration = Duration::from_secs(1);
/// Room for a burst of watch changes; when full, watchers wait (back-pressure) rather than
/// growing memory.
const INBOX_CAPACITY: usize = 4096;
/// Actions applied before yielding to draw, so a flood of changes cannot starve the screen.
const BATCH: usize = 1024;

/// How often the security posture is read again at most (what a deployment changes shows
/// within a minute on a small cluster).
const POSTURE_EVERY: Duration = Duration::from_secs(60);

/// A posture read may take at most 1/`POSTURE_SHARE` of the time: on a big cluster, whose read
/// costs most of a second, it is read every few minutes, so an idle cockpit stays near
/// 0.2 % CPU on a shared bastion.
const POSTURE_SHARE: u32 = 500;

/// How long configuration warnings stay on screen: long enough to read and act on.
const CONFIG_WARNING_SECONDS: i64 = 30;

/// What the cockpit starts with besides its connection: looks, settings and the safety
/// policy of every context.
pub struct Startup {
    pub theme: Theme,
    pub keymap: Keymap,
    pub log_buffers: super::logs::LogBuffers,
    pub safety: Safety,
    pub warnings: Vec<String>,
    /// Where the upgrade wizard looks for charts by name.
    pub chart_dirs: Vec<std::path::PathBuf>,
}

/// What every mutation goes through: the contexts' policies (read-only, production) and the
/// audit log (none when there is no home to keep it in: then nothing may change).
#[derive(Clone, Debug, Default)]
pub struct Safety {
    pub policies: crate::guard::Policies,
    pub audit_log: Option<std::path::PathBuf>,
}

pub async fn run(
    connection: Connection,
    target: ConnectTarget,
    scope: NamespaceScope,
    startup: Startup,
) -> Result<(), AppError> {
    let Startup {
        theme,
        keymap,
        log_buffers,
        safety,
        warnings: config_warnings,
        chart_dirs,
    } = startup;
    let mut session = TerminalSession::enter()?;
    let (inbox, mut actions) = mpsc::channel(INBOX_CAPACITY);
    let mut executor = Executor::new(connection.clone(), target, inbox.clone());
    executor.safety = safety.clone();
    executor.spawn_sources();

    let mut state = AppState::new(context_info(&connection), scope, keymap, Utc::now());
    state.log_buffers = log_buffers;
    state.policies = safety.policies;
    state.chart_dirs = chart_dirs;
    state.external_editor = super::editor::from_env();
    if !config_warnings.is_empty() {
        state.flash_for(config_warnings.join("; "), true, CONFIG_WARNING_SECONDS);
    }
    let size = session.terminal.size()?;
    let opening = [
        Action::Resized(ui::viewport(Rect::new(0, 0, size.width, size.height))),
        Action::Started,
    ];
    for action in opening {
        if executor.dispatch(&mut state, action) == Flow::Quit {
            return Ok(());
        }
    }

    let mut drawn: Option<u64> = None;
    // As if a frame had just gone out of date, so the first one is drawn at once.
    let mut last_frame = Instant::now()
        .checked_sub(FRAME_INTERVAL)
        .unwrap_or_else(Instant::now);
    loop {
        // The terminal handed to the operator's editor, then taken back and drawn anew.
        if let Some(handover) = executor.handover.take() {
            let command = state.external_editor.clone().unwrap_or_default();
            let action = executor.hand_over(&mut session, handover, command).await?;
            drawn = None;
            if executor.dispatch(&mut state, action) == Flow::Quit {
                break;
            }
        }
        let dirty = drawn != Some(state.revision);
        if dirty && last_frame.elapsed() >= FRAME_INTERVAL {
            session
                .terminal
                .draw(|frame| ui::render(&state, &theme, frame))?;
            drawn = Some(state.revision);
            last_frame = Instant::now();
            let next = ui::next_change(&state);
            if executor.dispatch(&mut state, Action::Drawn(next)) == Flow::Quit {
                break;
            }
            continue;
        }
        tokio::select! {
            received = actions.recv() => {
                // The executor holds a sender, so the inbox cannot close while we run.
                let Some(action) = received else { break };
                if executor.dispatch(&mut state, action) == Flow::Quit {
                    break;
                }
                for _ in 0..BATCH {
                    let Ok(action) = actions.try_recv() else { break };
                    if executor.dispatch(&mut state, action) == Flow::Quit {
                        return Ok(());
                    }
                }
            }
            () = tokio::time::sleep_until(last_frame + FRAME_INTERVAL), if dirty => {}
        }
    }
    Ok(())
}

pub(crate) fn context_info(connection: &Connection) -> ContextInfo {
    ContextInfo {
        name: connection.context.clone(),
        cluster_url: connection.cluster_url.clone(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Quit,
}

/// The layers' feed: its scope, the task forwarding it (its subscriptions live as long as
/// the task), the generation its updates are tagged with, and the latest update.
struct LayersFeed {
    scope: NamespaceScope,
    task: AbortHandle,
    generation: Arc<AtomicU64>,
    latest: Arc<Mutex<Option<LayersUpdate>>>,
}

/// Runs effects and the long-lived sources; every task it starts ends when it is dropped.
pub(crate) struct Executor {
    connection: Connection,
    /// The kubeconfig, to list its contexts and switch between them.
    target: ConnectTarget,
    inbox: mpsc::Sender<Action>,
    tasks: JoinSet<()>,
    /// The one cache of this connection's watches, shared by every view.
    cache: Cache,
    namespaces_watch: Option<AbortHandle>,
    /// The subscription of the table on screen.
    table_watch: Option<AbortHandle>,
    layers: Option<LayersFeed>,
    /// The task reading the security posture, and the namespaces it reads.
    posture: Option<(NamespaceScope, AbortHandle)>,
    /// The log view's follow (its readers end with the task).
    logs: Option<AbortHandle>,
    /// A connection made by a context switch, waiting for its `Reconnected` action.
    pending_connection: Arc<Mutex<Option<Connection>>>,
    /// Policies and audit log for the guard every mutation goes through.
    pub(crate) safety: Safety,
    /// The guard's yes to a trigger, waiting for the operator's confirmation (set by the
    /// task that asked the guard).
    pending_approval: Arc<Mutex<Option<PendingTrigger>>>,
    /// The tools signed in on this connection (Airflow, Airbyte: made by their first view).
    tools: super::tool_runtime::Tools,
    /// The guard's yes to a change to a tool, waiting for the operator's confirmation.
    tool_approval: Arc<Mutex<Option<(super::tool::Act, crate::guard::Approval)>>>,
    /// Who the loop hands the terminal to before the next frame.
    handover: Option<Handover>,
    /// What reads the terminal's keys (stopped while another program has the terminal).
    terminal_input: Option<tokio::task::JoinHandle<()>>,
    /// Where incident bundles go (`None`: the current folder, as `strata bundle`).
    pub(crate) bundle_dir: Option<std::path::PathBuf>,
}

/// Who gets the terminal for a while.
enum Handover {
    /// The operator's editor, on this text.
    Editor(String),
    Shell {
        namespace: String,
        pod: String,
        container: String,
    },
}

/// A trigger the guard approved: what it creates, and the approval its confirmation uses.
struct PendingTrigger {
    namespace: String,
    cronjob: String,
    command: Option<crate::stack::dbt_command::DbtCommand>,
    approval: crate::guard::Approval,
}

impl Executor {
    pub(crate) fn new(
        connection: Connection,
        target: ConnectTarget,
        inbox: mpsc::Sender<Action>,
    ) -> Executor {
        Executor {
            safety: Safety::default(),
            pending_approval: Arc::default(),
            tools: Default::default(),
            tool_approval: Arc::default(),
            handover: None,
            terminal_input: None,
            bundle_dir: None,
            cache: Cache::new(connection.client.clone()),
            connection,
            target,
            inbox,
            tasks: JoinSet::new(),
            namespaces_watch: None,
            table_watch: None,
            layers: None,
            posture: None,
            logs: None,
            pending_connection: Default::default(),
        }
    }

    pub(crate) fn dispatch(&mut self, state: &mut AppState, action: Action) -> Flow {
        if matches!(action, Action::Reconnected(Ok(_)))
            && let Some(connection) = self
                .pending_connection
                .lock()
                .ok()
                .and_then(|mut slot| slot.take())
        {
            for watch in [
                self.table_watch.take(),
                self.namespaces_watch.take(),
                self.layers.take().map(|feed| feed.task),
                self.posture.take().map(|(_, task)| task),
                self.logs.take(),
            ]
            .into_iter()
            .flatten()
            {
                watch.abort();
            }
            self.cache = Cache::new(connection.client.clone());
            self.connection = connection;
            // Another cluster, other tools.
            self.tools = Default::default();
        }
        let mut flow = Flow::Continue;
        for effect in update(state, action) {
            if self.run(effect) == Flow::Quit {
                flow = Flow::Quit;
            }
        }
        flow
    }

    fn run(&mut self, effect: Effect) -> Flow {
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::ExternalEdit(text) => self.handover = Some(Handover::Editor(text)),
            Effect::Shell {
                namespace,
                pod,
                container,
            } => {
                self.handover = Some(Handover::Shell {
                    namespace,
                    pod,
                    container,
                })
            }
            Effect::StopForward(local) => {
                let said = self.tools.stop_forward(local);
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let _ = inbox.send(Action::Said(said)).await;
                });
            }
            Effect::ToolLoad { generation, level } => self.tool_load(generation, level),
            Effect::ToolSignIn {
                generation,
                level,
                credentials,
            } => {
                self.tools.remember(credentials);
                self.tool_load(generation, level);
            }
            Effect::ToolCheck(act) => self.tool_check(act),
            Effect::ToolAct { act, answer } => self.tool_act(act, answer),
            Effect::ToolValues(act) => self.tool_values(act),
            Effect::PrepareTrigger { namespace, cronjob } => {
                self.prepare_trigger(namespace, cronjob)
            }
            Effect::CheckTrigger {
                namespace,
                cronjob,
                command,
            } => self.check_trigger(namespace, cronjob, command),
            Effect::TriggerJob {
                namespace,
                cronjob,
                answer,
            } => self.trigger_job(namespace, cronjob, answer),
            Effect::ProbeServer => {
                let connection = self.connection.clone();
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let result = cluster::probe(&connection)
                        .await
                        .map_err(|error| error.to_string());
                    let _ = inbox.send(Action::ServerProbed(result)).await;
                });
            }
            Effect::WatchNamespaces => {
                let Some(kind) = Catalog::builtin().resolve("namespaces").cloned() else {
                    return Flow::Continue;
                };
                let target = WatchTarget::of(kind, NamespaceScope::All);
                let events = self.cache.subscribe(&target).into_stream();
                let handle = self.forward(events.map(Action::Namespaces));
                if let Some(previous) = self.namespaces_watch.replace(handle) {
                    previous.abort();
                }
            }
            Effect::Discover => {
                let client = self.connection.client.clone();
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let result = cluster::catalog::discover(&client)
                        .await
                        .map_err(|error| error.to_string());
                    let _ = inbox.send(Action::Discovered(result)).await;
                });
            }
            Effect::Watch { generation, target } => {
                // Latest wins: the previous subscription ends (after the new one started, so a
                // watch both share keeps running) and a view nobody looks at stops streaming.
                let events = self.cache.subscribe(&target).into_stream();
                let handle =
                    self.forward(events.map(move |event| Action::Resource { generation, event }));
                if let Some(previous) = self.table_watch.replace(handle) {
                    previous.abort();
                }
            }
            Effect::FetchObject {
                generation,
                kind,
                key,
            } => self.fetch_object(generation, kind, key),
            Effect::AssessLayers { generation, scope } => self.follow_layers(generation, scope),
            Effect::FollowPosture { scope } => self.follow_posture(scope),
            Effect::ReadIncident {
                generation,
                scope,
                report,
                from,
            } => {
                let client = self.connection.client.clone();
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let now = chrono::Utc::now();
                    let report =
                        crate::cluster::incident::read(&client, &scope, &report, from, now).await;
                    // The read held pages of every pod, event and ReplicaSet; only the
                    // report is kept.
                    release_freed_memory();
                    let _ = inbox
                        .send(Action::IncidentRead {
                            generation,
                            report: std::sync::Arc::new(report),
                        })
                        .await;
                });
            }
            Effect::WriteBundle { scope } => self.write_bundle(scope),
            Effect::FetchComponentEvents {
                generation,
                namespace,
                names,
            } => {
                let client = self.connection.client.clone();
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let result = component_events(&client, &namespace, &names).await;
                    let _ = inbox
                        .send(Action::ComponentEvents { generation, result })
                        .await;
                });
            }
            Effect::ListContexts => {
                let result = list_contexts(&self.target.source).map_err(|e| e.to_string());
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let _ = inbox.send(Action::ContextsListed(result)).await;
                });
            }
            Effect::SwitchContext(name) => {
                let mut target = self.target.clone();
                target.context = Some(name);
                let inbox = self.inbox.clone();
                let pending = self.pending_connection.clone();
                self.tasks.spawn(async move {
                    let result = match cluster::connect(&target).await {
                        Ok(connection) => {
                            let info = context_info(&connection);
                            // Swapped in by `dispatch` when the action arrives, so effects
                            // issued after the switch use the new client.
                            if let Ok(mut slot) = pending.lock() {
                                *slot = Some(connection);
                            }
                            Ok(info)
                        }
                        Err(error) => Err(error.to_string()),
                    };
                    let _ = inbox.send(Action::Reconnected(result)).await;
                });
            }
            Effect::FollowLogs {
                generation,
                target,
                window,
                previous,
            } => self.follow_logs(generation, target, window, previous),
            Effect::StopLogs => {
                if let Some(task) = self.logs.take() {
                    task.abort();
                }
            }
            Effect::Clipboard(text) => {
                // Written between frames, on the terminal the frames go to; terminals (and
                // tmux with `set-clipboard on`) put it on the clipboard of the operator's own
                // machine, across SSH.
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(osc52(&text).as_bytes());
                let _ = out.flush();
            }
            Effect::SaveText { name, text } => {
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let said =
                        match tokio::task::spawn_blocking(move || save_text(&name, &text)).await {
                            Ok(Ok(path)) => format!("saved to {}", path.display()),
                            Ok(Err(error)) => format!("cannot save: {error}"),
                            Err(error) => format!("cannot save: {error}"),
                        };
                    let _ = inbox.send(Action::Said(said)).await;
                });
            }
        }
        Flow::Continue
    }

    /// Runs the operator's editor, or a shell in a container, with the terminal handed over:
    /// key reading stopped (it would steal their keys), the alternate screen and raw mode
    /// left; then all taken back, whatever they did, and the next frame drawn whole. What
    /// came of it, as an action.
    async fn hand_over(
        &mut self,
        session: &mut TerminalSession,
        handover: Handover,
        command: Vec<String>,
    ) -> Result<Action, AppError> {
        if let Some(input) = self.terminal_input.take() {
            input.abort();
            let _ = input.await;
        }
        session.suspend();
        let action = match handover {
            Handover::Editor(text) => Action::ExternallyEdited(
                tokio::task::spawn_blocking(move || super::editor::edit(&command, &text))
                    .await
                    .unwrap_or_else(|e| Err(format!("the editor could not be run: {e}"))),
            ),
            Handover::Shell {
                namespace,
                pod,
                container,
            } => {
                let client = self.connection.client.clone();
                Action::Said(super::shell::run(&client, &namespace, &pod, &container).await)
            }
        };
        let resumed = session.resume();
        self.terminal_input = Some(tokio::spawn(forward_terminal(self.inbox.clone())));
        resumed?;
        Ok(action)
    }

    /// The guard of the current connection, or why there is none.
    fn guard(&self) -> Result<crate::guard::Guard, String> {
        let audit_log = self.safety.audit_log.clone().ok_or_else(|| {
            "there is no home directory to keep the audit log in, and Strata changes nothing \
             it cannot record; nothing was changed"
                .to_string()
        })?;
        Ok(crate::guard::Guard::for_connection(
            &self.connection,
            &self.target,
            &self.safety.policies,
            audit_log,
        ))
    }

    /// Reads the CronJob of a trigger and asks the guard early (read-only, RBAC), so the
    /// operator does not edit a command they may not run.
    fn prepare_trigger(&mut self, namespace: String, cronjob: String) {
        let inbox = self.inbox.clone();
        let client = self.connection.client.clone();
        let guard = self.guard();
        self.tasks.spawn(async move {
            let result = match guard {
                Err(error) => Err(error),
                Ok(guard) => {
                    let mutation = super::trigger::trigger_mutation(&namespace, &cronjob, None);
                    match guard.check(&mutation).await {
                        // The real question comes once the command is settled.
                        Ok(_) => prepare_trigger(&client, &namespace, &cronjob).await,
                        Err(refusal) => Err(refusal.to_string()),
                    }
                }
            };
            let _ = inbox
                .send(Action::TriggerPrepared {
                    namespace,
                    cronjob,
                    result,
                })
                .await;
        });
    }

    /// Asks the guard about the settled trigger; its approval waits for the confirmation.
    fn check_trigger(&mut self, namespace: String, cronjob: String, command: Option<Vec<String>>) {
        let command = match command
            .map(|argv| {
                crate::stack::dbt_command::DbtCommand::parse(&crate::stack::dbt_command::join(
                    &argv,
                ))
            })
            .transpose()
        {
            Ok(command) => command,
            Err(error) => {
                self.answer_approval(namespace, cronjob, Err(error.to_string()));
                return;
            }
        };
        let guard = match self.guard() {
            Ok(guard) => guard,
            Err(error) => {
                self.answer_approval(namespace, cronjob, Err(error));
                return;
            }
        };
        let inbox = self.inbox.clone();
        let pending = self.pending_approval.clone();
        self.tasks.spawn(async move {
            let mutation = super::trigger::trigger_mutation(&namespace, &cronjob, command.as_ref());
            let result = match guard.check(&mutation).await {
                Ok(approval) => {
                    let asked = (approval.confirm_needed().clone(), approval.prompt());
                    if let Ok(mut slot) = pending.lock() {
                        *slot = Some(PendingTrigger {
                            namespace: namespace.clone(),
                            cronjob: cronjob.clone(),
                            command,
                            approval,
                        });
                    }
                    Ok(asked)
                }
                Err(refusal) => Err(refusal.to_string()),
            };
            let _ = inbox
                .send(Action::TriggerApproved {
                    namespace,
                    cronjob,
                    result,
                })
                .await;
        });
    }

    fn answer_approval(
        &mut self,
        namespace: String,
        cronjob: String,
        result: Result<(crate::guard::Confirm, String), String>,
    ) {
        let inbox = self.inbox.clone();
        self.tasks.spawn(async move {
            let _ = inbox
                .send(Action::TriggerApproved {
                    namespace,
                    cronjob,
                    result,
                })
                .await;
        });
    }

    /// The operator answered: confirmed, the Job is created and the outcome recorded.
    fn trigger_job(&mut self, namespace: String, cronjob: String, answer: String) {
        let pending = self
            .pending_approval
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .filter(|p| p.namespace == namespace && p.cronjob == cronjob);
        let inbox = self.inbox.clone();
        let client = self.connection.client.clone();
        self.tasks.spawn(async move {
            let result = match pending {
                None => Err("the approval of this trigger was lost; press t again".to_string()),
                Some(pending) => match pending.approval.confirmed(&answer) {
                    Err(refusal) => Err(refusal.to_string()),
                    Ok(confirmed) => {
                        let created = crate::cluster::trigger::create_from_cronjob(
                            &client,
                            &namespace,
                            &cronjob,
                            pending.command.as_ref(),
                        )
                        .await
                        .map(|job| job.metadata.name.unwrap_or_default())
                        .map_err(|e| e.to_string());
                        let outcome = match &created {
                            Ok(job) => crate::guard::Outcome::ok(format!("job {job} created")),
                            Err(error) => crate::guard::Outcome::failed(error),
                        };
                        match (confirmed.record(outcome), created) {
                            (Ok(()), created) => created,
                            (Err(audit), Ok(job)) => Err(format!(
                                "job.batch/{job} was created but could not be recorded in the audit log: {audit}"
                            )),
                            (Err(_), Err(error)) => Err(error),
                        }
                    }
                },
            };
            let _ = inbox
                .send(Action::Triggered {
                    namespace,
                    cronjob,
                    result,
                })
                .await;
        });
    }

    /// What finding and signing in to a tool needs, for a task.
    fn reach(&self) -> super::tool_runtime::Reach {
        super::tool_runtime::Reach {
            kube: self.connection.client.clone(),
            settings: self
                .safety
                .policies
                .contexts
                .get(&self.connection.context)
                .cloned(),
            helm_kube: self.helm_kube(),
            audit_log: self.safety.audit_log.clone(),
        }
    }

    /// How helm reaches this connection's cluster; an inline kubeconfig (the demo's) is
    /// written next to the audit log.
    fn helm_kube(&self) -> Result<crate::helm::KubeArgs, String> {
        let state_dir = self
            .safety
            .audit_log
            .as_deref()
            .and_then(std::path::Path::parent);
        crate::helm::KubeArgs::for_source(&self.target.source, &self.connection.context, state_dir)
    }

    fn tool_load(&mut self, generation: u64, level: super::tool::Level) {
        let (tools, reach, inbox) = (self.tools.clone(), self.reach(), self.inbox.clone());
        self.tasks.spawn(async move {
            let action = tools.load(&reach, generation, level).await;
            let _ = inbox.send(action).await;
        });
    }

    fn tool_check(&mut self, act: super::tool::Act) {
        let (tools, reach, inbox) = (self.tools.clone(), self.reach(), self.inbox.clone());
        let guard = self.guard();
        let pending = self.tool_approval.clone();
        self.tasks.spawn(async move {
            let result = match guard {
                Err(error) => Err(error),
                Ok(guard) => tools
                    .check(&reach, &guard, &act)
                    .await
                    .map(|(approval, approved)| {
                        if let Ok(mut slot) = pending.lock() {
                            *slot = Some((act.clone(), approval));
                        }
                        approved
                    }),
            };
            let _ = inbox.send(Action::ToolApproved { act, result }).await;
        });
    }

    fn tool_values(&mut self, act: super::tool::Act) {
        let (kube, inbox) = (self.connection.client.clone(), self.inbox.clone());
        self.tasks.spawn(async move {
            let result = super::tool_runtime::release_values(&kube, &act).await;
            let _ = inbox.send(Action::ToolValues { act, result }).await;
        });
    }

    fn tool_act(&mut self, act: super::tool::Act, answer: String) {
        let approval = self
            .tool_approval
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .filter(|(asked, _)| *asked == act)
            .map(|(_, approval)| approval);
        let (tools, reach, inbox) = (self.tools.clone(), self.reach(), self.inbox.clone());
        let guard = self.guard();
        self.tasks.spawn(async move {
            let watched = match act.watched() {
                Some(watched) => super::tool_runtime::subject(&reach.kube, &watched)
                    .await
                    .ok(),
                None => None,
            };
            let result = match (approval, watched) {
                (None, _) => Err("the approval of this change was lost; ask again".to_string()),
                // A wizard's change is watched while it rolls out: the dialog shows it.
                (Some(approval), Some(subject)) => {
                    let client = reach.kube.clone();
                    let began = chrono::Utc::now() - chrono::Duration::seconds(5);
                    let work = tools.perform(&reach, guard, &act, approval, &answer);
                    let result =
                        crate::helm::watch::watch_while(&client, &subject, work, |seen, _| {
                            let lines = seen.lines();
                            let _ = inbox.try_send(Action::ToolProgress {
                                act: act.clone(),
                                lines,
                            });
                        })
                        .await;
                    // The result is shown beside the state it was judged on, not an older one.
                    if let Ok(now) = crate::helm::watch::observe(&client, &subject, began).await {
                        let lines = now.lines();
                        let _ = inbox
                            .send(Action::ToolProgress {
                                act: act.clone(),
                                lines,
                            })
                            .await;
                    }
                    result
                }
                (Some(approval), None) => {
                    tools.perform(&reach, guard, &act, approval, &answer).await
                }
            };
            let _ = inbox.send(Action::ToolActed { act, result }).await;
        });
    }

    /// Follows the logs of `target` for the log view `generation`, replacing any other follow:
    /// the pods are resolved through the cache, then every batch the readers queued goes to
    /// the inbox as one action. Batches are at least a frame apart, so a chatty run costs one
    /// action per frame, not one per line.
    fn follow_logs(
        &mut self,
        generation: u64,
        target: crate::cluster::logs::LogTarget,
        window: crate::cluster::logs::LogWindow,
        previous: bool,
    ) {
        let cache = self.cache.clone();
        let inbox = self.inbox.clone();
        let task = self.tasks.spawn(async move {
            let mut query = match target.resolve(&cache).await {
                Ok(query) => query,
                Err(error) => {
                    let _ = inbox.send(Action::LogsFailed { generation, error }).await;
                    return;
                }
            };
            query.window = window;
            query.previous = previous;
            query.follow = !previous;
            // Dropped with this task, which stops its readers.
            let follow = crate::cluster::logs::LogFollow::start(&cache, query);
            loop {
                let queued = follow.queue.take().await;
                let action = Action::LogLines {
                    generation,
                    queued: Box::new(queued),
                };
                if inbox.send(action).await.is_err() {
                    return;
                }
                tokio::time::sleep(FRAME_INTERVAL).await;
            }
        });
        if let Some(previous) = self.logs.replace(task) {
            previous.abort();
        }
    }

    /// Describe and YAML read the object from the API server when opened (the cache keeps
    /// only compact rows), with the events about it.
    fn fetch_object(&mut self, generation: u64, kind: ResourceKind, key: RowKey) {
        let inbox = self.inbox.clone();
        let client = self.connection.client.clone();
        self.tasks.spawn(async move {
            let resource = kind.api_resource();
            let api: kube::Api<kube::api::DynamicObject> = if kind.namespaced {
                kube::Api::namespaced_with(client.clone(), &key.namespace, &resource)
            } else {
                kube::Api::all_with(client.clone(), &resource)
            };
            let result = match api.get(&key.name).await {
                Ok(mut object) => {
                    object.metadata.managed_fields = None;
                    let events = events_about(&client, &kind, &key).await;
                    Ok(SharedObject(Arc::new(object), Arc::new(events)))
                }
                Err(error) => Err(format!(
                    "cannot read {} {}: {}",
                    kind.singular,
                    key.name,
                    cluster::with_causes(&error)
                )),
            };
            let _ = inbox
                .send(Action::ObjectFetched { generation, result })
                .await;
        });
    }

    /// Follows the layers in `scope`. Back on the layers, or asked again for the same scope,
    /// the running feed is kept (its watches are warm) and its latest state re-sent under
    /// the new generation; another scope replaces it.
    /// Writes the incident bundle to the current folder (as `strata bundle` does), each step
    /// a line under the incident screen.
    fn write_bundle(&mut self, scope: NamespaceScope) {
        let client = self.connection.client.clone();
        let context = self.connection.context.clone();
        let inbox = self.inbox.clone();
        let dir = self.bundle_dir.clone();
        self.tasks.spawn(async move {
            // The layers' feed already says when the user's rules file is bad.
            let rules = crate::status::load_rules(None)
                .unwrap_or_else(|_| crate::stack::RuleSet::builtin());
            let mut options = crate::bundle::BundleOptions::new(&context, scope, Arc::new(rules));
            options.output = dir.map(|dir| {
                dir.join(crate::bundle::default_file_name(
                    &context,
                    chrono::Utc::now(),
                ))
            });
            let steps = inbox.clone();
            // A full inbox drops a progress line, never the result.
            let mut progress = move |step: crate::bundle::BundleProgress| {
                let _ = steps.try_send(Action::BundleProgress(step.to_string()));
            };
            let result = crate::bundle::write_bundle(client, &options, &mut progress)
                .await
                .map(|summary| {
                    let path = std::env::current_dir()
                        .map(|dir| dir.join(&summary.path))
                        .unwrap_or(summary.path);
                    format!(
                        "bundle written: {} ({}, {} files, {} values redacted{})",
                        path.display(),
                        crate::bundle::writer::human_bytes(summary.bytes),
                        summary.files,
                        summary.redactions,
                        match summary.left_out.len() {
                            0 => String::new(),
                            n => format!(", {n} left out — see its README"),
                        }
                    )
                })
                .map_err(|error| error.to_string());
            release_freed_memory();
            let _ = inbox.send(Action::BundleWritten(result)).await;
        });
    }

    fn follow_layers(&mut self, generation: u64, scope: NamespaceScope) {
        if let Some(feed) = &self.layers
            && feed.scope == scope
        {
            feed.generation.store(generation, Ordering::Relaxed);
            let latest = feed.latest.lock().ok().and_then(|l| l.clone());
            if let Some(update) = latest {
                let inbox = self.inbox.clone();
                self.tasks.spawn(async move {
                    let _ = inbox
                        .send(Action::LayersUpdated {
                            generation,
                            update: Box::new(update),
                        })
                        .await;
                });
            }
            return;
        }
        let rules = match crate::status::load_rules(None) {
            Ok(rules) => rules,
            Err(error) => {
                let inbox = self.inbox.clone();
                let message = format!("{error}; using the built-in rules");
                self.tasks.spawn(async move {
                    let _ = inbox.send(Action::Warn(message)).await;
                });
                crate::stack::RuleSet::builtin()
            }
        };
        let tag = Arc::new(AtomicU64::new(generation));
        let latest: Arc<Mutex<Option<LayersUpdate>>> = Arc::default();
        let updates = cluster::layers::watch(self.cache.clone(), scope.clone(), Arc::new(rules));
        let (tag_in, latest_in) = (tag.clone(), latest.clone());
        let task = self.forward(updates.map(move |update| {
            if let Ok(mut slot) = latest_in.lock() {
                *slot = Some(update.clone());
            }
            Action::LayersUpdated {
                generation: tag_in.load(Ordering::Relaxed),
                update: Box::new(update),
            }
        }));
        if let Some(previous) = self.layers.replace(LayersFeed {
            scope,
            task,
            generation: tag,
            latest,
        }) {
            previous.task.abort();
        }
    }

    /// Reads the security posture in `scope` now and every [`POSTURE_EVERY`] after — less
    /// often when a read is long (see [`POSTURE_SHARE`]) — replacing a reader of another
    /// scope.
    ///
    /// Why a periodic read and not the cache the layers watch: the checks need whole
    /// objects (env, args, security contexts, ConfigMap and Secret contents, RBAC rules,
    /// NetworkPolicies), and the cache keeps compact projected rows of fewer kinds, on
    /// purpose, so a 10k-pod cluster stays small. Keeping whole objects watched for a
    /// posture that changes with deployments, not by the second, would cost far more
    /// memory than a read a minute costs time. Each read is projected page by page, judged,
    /// and dropped: only the findings are kept.
    fn follow_posture(&mut self, scope: NamespaceScope) {
        if self
            .posture
            .as_ref()
            .is_some_and(|(read, _)| *read == scope)
        {
            return;
        }
        let stack_rules = Arc::new(
            // The layers' feed already says when the user's rules file is bad.
            crate::status::load_rules(None).unwrap_or_else(|_| crate::stack::RuleSet::builtin()),
        );
        let rules = Arc::new(crate::security::PostureRules::builtin());
        let client = self.connection.client.clone();
        let inbox = self.inbox.clone();
        let reading = scope.clone();
        let task = self.tasks.spawn(async move {
            loop {
                let started = Instant::now();
                let result = read_posture(&client, &reading, &stack_rules, &rules).await;
                let action = Action::PostureRead {
                    scope: reading.clone(),
                    result,
                };
                if inbox.send(action).await.is_err() {
                    return;
                }
                tokio::time::sleep(POSTURE_EVERY.max(started.elapsed() * POSTURE_SHARE)).await;
            }
        });
        if let Some((_, previous)) = self.posture.replace((scope, task)) {
            previous.abort();
        }
    }

    fn forward(&mut self, stream: impl Stream<Item = Action> + Send + 'static) -> AbortHandle {
        let inbox = self.inbox.clone();
        self.tasks.spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(action) = stream.next().await {
                if inbox.send(action).await.is_err() {
                    return;
                }
            }
        })
    }

    /// Terminal input, the clock and signals.
    pub(crate) fn spawn_sources(&mut self) {
        self.terminal_input = Some(tokio::spawn(forward_terminal(self.inbox.clone())));
        self.tasks.spawn(tick(self.inbox.clone()));
        self.tasks.spawn(forward_signals(self.inbox.clone()));
    }
}

/// One read of the posture, judged off the async threads; the objects read are dropped
/// once judged.
async fn read_posture(
    client: &kube::Client,
    scope: &NamespaceScope,
    stack_rules: &Arc<crate::stack::RuleSet>,
    rules: &Arc<crate::security::PostureRules>,
) -> Result<Arc<super::security::Posture>, String> {
    let read = cluster::posture::read(client, scope, rules)
        .await
        .map_err(|error| error.to_string())?;
    let (stack_rules, rules, scope) = (stack_rules.clone(), rules.clone(), scope.clone());
    tokio::task::spawn_blocking(move || {
        let findings = crate::security::assess(&stack_rules, &rules, &read.objects, &read.coverage);
        Arc::new(super::security::Posture::new(
            scope,
            findings,
            read.warnings,
            Utc::now(),
        ))
    })
    .await
    .map_err(|error| format!("the security checks stopped: {error}"))
    .inspect(|_| release_freed_memory())
}

/// Hands memory freed by a read back to the system. A read of a 10k-pod cluster peaks at
/// tens of MiB (pages of whole objects, their projections) and frees it all at once, on
/// whichever threads ran it; glibc keeps such peaks in its per-thread arenas, so without
/// this the cockpit's RSS would step up with each read that lands on another thread.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the
    // system; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// Writes `text` to a new file under the state directory's `logs/`, readable by the owner
/// only (logs can hold secrets); the path written.
/// What a trigger of `namespace/cronjob` asks the operator: the template's dbt command to
/// edit.
async fn prepare_trigger(
    client: &kube::Client,
    namespace: &str,
    cronjob: &str,
) -> Result<super::trigger::Prepared, String> {
    use k8s_openapi::api::batch::v1::CronJob;
    let api: kube::Api<CronJob> = kube::Api::namespaced(client.clone(), namespace);
    let source = api
        .get_opt(cronjob)
        .await
        .map_err(|e| {
            format!(
                "cannot read cronjob/{cronjob}: {}",
                cluster::with_causes(&e)
            )
        })?
        .ok_or_else(|| format!("no CronJob {cronjob} in namespace {namespace}"))?;
    Ok(super::trigger::Prepared {
        dbt_command: crate::cluster::trigger::template_dbt_command(&source),
        runs_dbt: crate::cluster::trigger::cronjob_runs_dbt(&source),
    })
}

fn save_text(name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let paths = crate::config::ConfigPaths::discover().map_err(|e| e.to_string())?;
    let dir = paths.saved_logs_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(super::logs::log_file_name(name, Utc::now()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    use std::io::Write;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Most events the component view lists.
const COMPONENT_EVENTS: usize = 20;

/// The newest events in `namespace` about the named objects or what they made (pods and
/// ReplicaSets carry their owner's name as a prefix).
async fn component_events(
    client: &kube::Client,
    namespace: &str,
    names: &[String],
) -> Result<Vec<crate::app::state::ComponentEvent>, String> {
    use k8s_openapi::api::core::v1::Event;
    let api: kube::Api<Event> = kube::Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&kube::api::ListParams::default())
        .await
        .map_err(|error| {
            format!(
                "cannot read events in {namespace}: {}",
                cluster::with_causes(&error)
            )
        })?;
    let ours = |object: &str| {
        names.iter().any(|n| {
            object == n
                || object
                    .strip_prefix(n.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
        })
    };
    let mut events: Vec<crate::app::state::ComponentEvent> = list
        .items
        .into_iter()
        .filter(|e| ours(e.involved_object.name.as_deref().unwrap_or_default()))
        .map(|e| {
            let last_seen = e
                .last_timestamp
                .as_ref()
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
                .and_then(|t| {
                    chrono::DateTime::from_timestamp(
                        t.as_second(),
                        t.subsec_nanosecond().max(0) as u32,
                    )
                });
            crate::app::state::ComponentEvent {
                last_seen,
                warning: e.type_.as_deref() == Some("Warning"),
                reason: e.reason.unwrap_or_default(),
                object: format!(
                    "{}/{}",
                    e.involved_object.kind.unwrap_or_default().to_lowercase(),
                    e.involved_object.name.unwrap_or_default()
                ),
                message: e.message.unwrap_or_default(),
                count: i64::from(e.count.unwrap_or(1)),
            }
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    events.truncate(COMPONENT_EVENTS);
    Ok(events)
}

/// The events about one object, for describe; none when they cannot be read (describe is
/// still useful without them).
async fn events_about(
    client: &kube::Client,
    kind: &ResourceKind,
    key: &RowKey,
) -> Vec<serde_json::Value> {
    use k8s_openapi::api::core::v1::Event;
    let api: kube::Api<Event> = if key.namespace.is_empty() {
        kube::Api::all(client.clone())
    } else {
        kube::Api::namespaced(client.clone(), &key.namespace)
    };
    let params = kube::api::ListParams::default().fields(&format!(
        "involvedObject.name={},involvedObject.kind={}",
        key.name, kind.kind
    ));
    // Servers without these field selectors get the namespace's latest events instead;
    // describe keeps only the ones about this object.
    let list = match api.list(&params).await {
        Ok(list) => list,
        Err(_) => match api.list(&kube::api::ListParams::default().limit(500)).await {
            Ok(list) => list,
            Err(_) => return Vec::new(),
        },
    };
    list.items
        .iter()
        .filter_map(|event| serde_json::to_value(event).ok())
        .collect()
}

async fn forward_terminal(inbox: mpsc::Sender<Action>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let action = match event {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Action::Key(key),
            Ok(Event::Resize(width, height)) => {
                Action::Resized(ui::viewport(Rect::new(0, 0, width, height)))
            }
            Ok(_) => continue,
            Err(_) => break,
        };
        if inbox.send(action).await.is_err() {
            return;
        }
    }
    // Without input nobody could quit: end the session instead of hanging.
    let _ = inbox.send(Action::Terminate).await;
}

async fn tick(inbox: mpsc::Sender<Action>) {
    let mut interval = tokio::time::interval(TICK_INTERVAL);
    // After a suspend (laptop lid, SIGSTOP), one tick is enough to catch up.
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        if inbox.send(Action::Tick(Utc::now())).await.is_err() {
            return;
        }
    }
}

/// SIGTERM, SIGHUP (the SSH session closed) and SIGINT end the cockpit cleanly. In raw mode
/// Ctrl-C arrives as a key, which the keymap handles; SIGINT still comes from `kill -INT`.
#[cfg(unix)]
async fn forward_signals(inbox: mpsc::Sender<Action>) {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
    ];
    let mut streams = Vec::new();
    for kind in kinds {
        if let Ok(stream) = signal(kind) {
            streams.push(signal_stream(stream));
        }
    }
    if streams.is_empty() {
        return;
    }
    let mut any = futures::stream::select_all(streams);
    if any.next().await.is_some() {
        let _ = inbox.send(Action::Terminate).await;
    }
}

#[cfg(unix)]
fn signal_stream(
    mut signal: tokio::signal::unix::Signal,
) -> futures::stream::BoxStream<'static, ()> {
    futures::stream::poll_fn(move |cx| signal.poll_recv(cx)).boxed()
}

#[cfg(not(unix))]
async fn forward_signals(inbox: mpsc::Sender<Action>) {
    if tokio::signal::ctrl_c().await.is_ok() {
        let _ = inbox.send(Action::Terminate).await;
    }
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_puts_the_text_base64_encoded_on_the_clipboard_selection() {
        // The terminal decodes the payload itself, so any byte (a newline of a YAML, a
        // non-ASCII name) survives; "c" is the clipboard, BEL ends the sequence.
        assert_eq!(osc52("db"), "\x1b]52;c;ZGI=\x07");
        assert_eq!(osc52("a: 1\nb: é\n"), "\x1b]52;c;YTogMQpiOiDDqQo=\x07");
    }
}
