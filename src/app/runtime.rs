//! The event loop: one inbox of actions fed by the terminal, the watchers, effect results, a
//! one-second clock and signals; `update` applies them, effects run on tokio, and a frame is
//! drawn only when the state changed, at most every 33 ms. Idle, it wakes once a second.

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
use super::keymap::Keymap;
use super::state::{AppState, ContextInfo};
use super::terminal::TerminalSession;
use super::update::update;
use crate::cluster::watch::{watch_namespaces, watch_pods};
use crate::cluster::{self, ClusterCache, Connection, NamespaceScope};
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

pub async fn run(
    connection: Connection,
    scope: NamespaceScope,
    theme: Theme,
    keymap: Keymap,
) -> Result<(), AppError> {
    let mut session = TerminalSession::enter()?;
    let (inbox, mut actions) = mpsc::channel(INBOX_CAPACITY);
    let mut executor = Executor::new(connection.clone(), inbox.clone());
    executor.spawn_sources();

    let mut state = AppState::new(
        ContextInfo {
            name: connection.context.clone(),
            cluster_url: connection.cluster_url.clone(),
        },
        scope,
        keymap,
        Utc::now(),
    );
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
        let dirty = drawn != Some(state.revision);
        if dirty && last_frame.elapsed() >= FRAME_INTERVAL {
            session
                .terminal
                .draw(|frame| ui::render(&state, &theme, frame))?;
            drawn = Some(state.revision);
            last_frame = Instant::now();
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Runs effects and the long-lived sources; every task it starts ends when it is dropped.
struct Executor {
    connection: Connection,
    inbox: mpsc::Sender<Action>,
    tasks: JoinSet<()>,
    pods_watch: Option<AbortHandle>,
    /// Full objects for the views to come (describe, YAML, logs pick a container).
    cache: ClusterCache,
}

impl Executor {
    fn new(connection: Connection, inbox: mpsc::Sender<Action>) -> Executor {
        Executor {
            connection,
            inbox,
            tasks: JoinSet::new(),
            pods_watch: None,
            cache: ClusterCache::default(),
        }
    }

    fn dispatch(&mut self, state: &mut AppState, action: Action) -> Flow {
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
                let watch = watch_namespaces(self.connection.client.clone());
                self.cache.namespaces = Some(watch.store);
                self.forward(watch.changes.map(Action::Namespaces));
            }
            Effect::WatchPods { generation, scope } => {
                // Latest wins: the previous watch stops streaming for a scope nobody looks at.
                if let Some(previous) = self.pods_watch.take() {
                    previous.abort();
                }
                let watch = watch_pods(self.connection.client.clone(), &scope);
                self.cache.pods = Some(watch.store);
                let handle = self.forward(
                    watch
                        .changes
                        .map(move |change| Action::Pods { generation, change }),
                );
                self.pods_watch = Some(handle);
            }
        }
        Flow::Continue
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
    fn spawn_sources(&mut self) {
        self.tasks.spawn(forward_terminal(self.inbox.clone()));
        self.tasks.spawn(tick(self.inbox.clone()));
        self.tasks.spawn(forward_signals(self.inbox.clone()));
    }
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
