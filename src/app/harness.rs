//! The cockpit without a terminal: the real `update` and the real effect executor (watches,
//! discovery, fetches against a real or simulated API server), drawn into a ratatui
//! `TestBackend`. Tests drive it with keys and wait for words on the screen, so they exercise
//! what an operator sees, in any CI, with no TTY.

use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use super::action::Action;
use super::keymap::Keymap;
use super::runtime::{Executor, Flow, context_info};
use super::state::AppState;
use crate::cluster::{self, ClusterError, ConnectTarget, NamespaceScope};
use crate::ui::{self, Theme};

/// Why a harness step failed.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("the cockpit asked to quit")]
    Quit,
    #[error("timed out waiting for {what}; the screen was:\n{screen}")]
    Timeout { what: String, screen: String },
    #[error("cannot draw: {0}")]
    Draw(String),
}

/// A headless cockpit of `width`×`height` cells.
pub struct Harness {
    pub state: AppState,
    executor: Executor,
    actions: mpsc::Receiver<Action>,
    terminal: Terminal<TestBackend>,
    theme: Theme,
}

impl Harness {
    /// Connects like `strata` does and starts the cockpit (no clock ticks: time is still).
    pub async fn start(
        target: ConnectTarget,
        scope: NamespaceScope,
        width: u16,
        height: u16,
    ) -> Result<Harness, HarnessError> {
        let connection = cluster::connect(&target).await?;
        let (inbox, actions) = mpsc::channel(4096);
        let executor = Executor::new(connection.clone(), target, inbox);
        let state = AppState::new(
            context_info(&connection),
            scope,
            Keymap::builtin(),
            Utc::now(),
        );
        let terminal = Terminal::new(TestBackend::new(width, height))
            .map_err(|error| HarnessError::Draw(error.to_string()))?;
        let mut harness = Harness {
            state,
            executor,
            actions,
            terminal,
            theme: Theme::no_color(),
        };
        harness.dispatch(Action::Resized(ui::viewport(Rect::new(
            0, 0, width, height,
        ))))?;
        harness.dispatch(Action::Started)?;
        Ok(harness)
    }

    /// The policies and audit log mutations go through (by default there is no audit log,
    /// so every mutation is refused, as on a machine without a home directory).
    pub fn set_safety(&mut self, safety: super::Safety) {
        self.state.policies = safety.policies.clone();
        self.executor.safety = safety;
    }

    /// Where `b` on the incident screen writes bundles (by default the current folder).
    pub fn set_bundle_dir(&mut self, dir: &std::path::Path) {
        self.executor.bundle_dir = Some(dir.to_path_buf());
    }

    pub fn dispatch(&mut self, action: Action) -> Result<(), HarnessError> {
        match self.executor.dispatch(&mut self.state, action) {
            Flow::Continue => Ok(()),
            Flow::Quit => Err(HarnessError::Quit),
        }
    }

    /// Presses one key, written as keymaps write them: `j`, `G`, `enter`, `esc`, `ctrl-c`.
    pub fn press(&mut self, key: &str) -> Result<(), HarnessError> {
        self.dispatch(Action::Key(key_event(key)))
    }

    /// Types text character by character (into the command line or a filter).
    pub fn type_text(&mut self, text: &str) -> Result<(), HarnessError> {
        for c in text.chars() {
            self.dispatch(Action::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )))?;
        }
        Ok(())
    }

    /// Draws the current state and returns the screen as lines of text.
    pub fn screen(&mut self) -> Result<String, HarnessError> {
        let state = &self.state;
        let theme = &self.theme;
        self.terminal
            .draw(|frame| ui::render(state, theme, frame))
            .map_err(|error| HarnessError::Draw(error.to_string()))?;
        let buffer = self.terminal.backend().buffer();
        let width = usize::from(buffer.area.width);
        let mut lines = Vec::new();
        for row in buffer.content.chunks(width.max(1)) {
            let line: String = row.iter().map(|cell| cell.symbol()).collect();
            lines.push(line.trim_end().to_string());
        }
        Ok(lines.join("\n"))
    }

    /// Waits for the layers home screen with every kind read (no `syncing` marker): the
    /// components are then all there, in their final order.
    pub async fn wait_for_layers(&mut self) -> Result<String, HarnessError> {
        self.wait_for("the settled layers", Duration::from_secs(20), |s| {
            s.contains("Orchestration") && !s.contains("syncing")
        })
        .await
    }

    /// Applies effect results and watch changes as they arrive until the screen satisfies
    /// `done`, or fails with the last screen after `timeout`.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<String, HarnessError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let screen = self.screen()?;
            if done(&screen) {
                return Ok(screen);
            }
            let received = tokio::time::timeout_at(deadline, self.actions.recv()).await;
            match received {
                Ok(Some(action)) => {
                    self.dispatch(action)?;
                    while let Ok(action) = self.actions.try_recv() {
                        self.dispatch(action)?;
                    }
                }
                Ok(None) | Err(_) => {
                    return Err(HarnessError::Timeout {
                        what: what.to_string(),
                        screen,
                    });
                }
            }
        }
    }

    /// Applies what arrives until the state satisfies `done` (e.g. discovery answered).
    pub async fn wait_for_state(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&AppState) -> bool,
    ) -> Result<(), HarnessError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.state) {
            match tokio::time::timeout_at(deadline, self.actions.recv()).await {
                Ok(Some(action)) => self.dispatch(action)?,
                Ok(None) | Err(_) => {
                    return Err(HarnessError::Timeout {
                        what: what.to_string(),
                        screen: self.screen()?,
                    });
                }
            }
        }
        Ok(())
    }

    /// Waits until the screen shows `text`.
    pub async fn wait_for_text(&mut self, text: &str) -> Result<String, HarnessError> {
        let wanted = text.to_string();
        self.wait_for(
            &format!("{text:?}"),
            Duration::from_secs(20),
            move |screen| screen.contains(&wanted),
        )
        .await
    }
}

/// A key as keymap files write it.
pub fn key_event(key: &str) -> KeyEvent {
    let (modifiers, rest) = match key.strip_prefix("ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, key),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        other => KeyCode::Char(other.chars().next().unwrap_or(' ')),
    };
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => modifiers | KeyModifiers::SHIFT,
        _ => modifiers,
    };
    KeyEvent::new(code, modifiers)
}
