//! The vocabulary of the event loop: `Action`s say what happened (a key, a watch change, a
//! tick), `Intent`s are what a key binding asks for, `Effect`s are what `update` asks the
//! runtime to do.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde::Deserialize;

use super::state::Viewport;
use crate::cluster::{NamespaceInfo, NamespaceScope, PodInfo, WatchChange};

/// Something that happened; the only input of `update`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The runtime is ready: start watching.
    Started,
    /// A key press, resolved through the keymap by `update` (so that future text-entry modes
    /// see keys in order, with no race against mode changes).
    Key(KeyEvent),
    /// A named user action (what a key binding resolves to).
    Intent(Intent),
    Resized(Viewport),
    /// The clock moved (relative ages).
    Tick(DateTime<Utc>),
    /// The API server answered the probe with its version, or could not be reached.
    ServerProbed(Result<String, String>),
    Namespaces(WatchChange<NamespaceInfo>),
    /// A change from the pods watch started as `generation`.
    Pods {
        generation: u64,
        change: WatchChange<PodInfo>,
    },
    /// A signal (SIGTERM, SIGHUP) or the end of terminal input: leave cleanly.
    Terminate,
}

/// What a key binding can ask for; the names are the ones keymap files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Quit,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Move focus to the next pane.
    FocusNext,
    FocusPrevious,
    /// Open the row under the cursor (on a namespace: show its pods).
    Select,
    /// Show the pods of every namespace (k9s's `0`).
    AllNamespaces,
}

impl Intent {
    /// The name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Quit => "quit",
            Intent::MoveUp => "move_up",
            Intent::MoveDown => "move_down",
            Intent::PageUp => "page_up",
            Intent::PageDown => "page_down",
            Intent::Top => "top",
            Intent::Bottom => "bottom",
            Intent::FocusNext => "focus_next",
            Intent::FocusPrevious => "focus_previous",
            Intent::Select => "select",
            Intent::AllNamespaces => "all_namespaces",
        }
    }
}

/// Work for the runtime; its results come back as actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Ask the API server for its version (reachability and credentials).
    ProbeServer,
    WatchNamespaces,
    /// Replace the pods watch with one over `scope`, tagging its changes with `generation`.
    WatchPods {
        generation: u64,
        scope: NamespaceScope,
    },
    /// Stop the runtime and restore the terminal.
    Quit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_names_match_their_serde_names() {
        for intent in [
            Intent::Quit,
            Intent::MoveUp,
            Intent::MoveDown,
            Intent::PageUp,
            Intent::PageDown,
            Intent::Top,
            Intent::Bottom,
            Intent::FocusNext,
            Intent::FocusPrevious,
            Intent::Select,
            Intent::AllNamespaces,
        ] {
            let parsed: Intent =
                serde_json::from_value(serde_json::Value::String(intent.name().into())).unwrap();
            assert_eq!(parsed, intent);
        }
    }
}
