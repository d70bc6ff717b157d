//! Key bindings as data: each binding names an action, the keys that trigger it, the views it
//! applies to and the words the help screen and hint bar show, so neither can drift from what
//! the keys do. The defaults are `keymaps/default.toml` (k9s conventions), embedded in the
//! binary; user files are overlays on top of them (see `Keymap::overlay`), laid in the order
//! `config::keymap_layers` chooses by [`load_keymap`].
//!
//! The file format:
//!
//! ```toml
//! [[binding]]
//! run = "describe"          # an action name; `{ favorite_namespace = 1 }` for one with an argument
//! on = ["d"]                # keys; `[]` unbinds the action
//! desc = "describe"         # shown in help and the hint bar
//! views = ["table"]         # where it applies (default: everywhere)
//! hint = true               # also shown in the hint bar
//! ```

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Intent;

mod load;

pub use load::load_keymap;

/// The keymaps shipped in the binary, by the name `--keymap NAME` uses.
pub const BUILTIN_KEYMAPS: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Why a keymap file could not be used. The file is then ignored as a whole (the keys before
/// it stay), so a typo never leaves the cockpit without a way to quit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("the keymap is not valid TOML: {0}")]
    Syntax(String),
    #[error(
        "unknown key {0:?} in keymap; use a character (`j`, `G`), a name (`enter`, `tab`, \
         `backtab`, `esc`, `space`, `up`, `pgdown`, `home`, `f1`…) or `ctrl-`/`alt-`/`shift-` \
         with one of them"
    )]
    UnknownKey(String),
    #[error("unknown action {name:?} in keymap; known actions: {known}")]
    UnknownAction { name: String, known: String },
    #[error("unknown view {0:?} in keymap; known views: {known}", known = KeyView::names())]
    UnknownView(String),
    #[error("key {key} is bound to both {first} and {second} in {view}; keep one")]
    Conflict {
        key: String,
        view: &'static str,
        first: String,
        second: String,
    },
}

/// A key with its modifiers, normalized so that `G` and `shift-g` are the same chord.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyChord {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        // Terminals report `G` as Char('G') with SHIFT, and BackTab with SHIFT; the shift is
        // already in the key itself, so drop it to compare like with like.
        let modifiers = match code {
            KeyCode::Char(_) | KeyCode::BackTab => modifiers - KeyModifiers::SHIFT,
            _ => modifiers,
        };
        KeyChord {
            code,
            modifiers: modifiers
                & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT),
        }
    }
}

impl From<&KeyEvent> for KeyChord {
    fn from(event: &KeyEvent) -> Self {
        KeyChord::new(event.code, event.modifiers)
    }
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("esc", KeyCode::Esc),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
];

impl FromStr for KeyChord {
    type Err = KeymapError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || KeymapError::UnknownKey(text.to_string());
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(tail) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = tail;
            } else if let Some(tail) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = tail;
            } else if let Some(tail) = rest.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = tail;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            _ => {
                if let Some((_, code)) = NAMED_KEYS.iter().find(|(name, _)| *name == rest) {
                    *code
                } else if let Some(n) = rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
                    && (1..=12).contains(&n)
                {
                    KeyCode::F(n)
                } else {
                    return Err(unknown());
                }
            }
        };
        // `shift-tab` is how people write backtab.
        let code = match code {
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            other => other,
        };
        Ok(KeyChord::new(code, modifiers))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMED_KEYS.iter().find(|(_, known)| *known == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

/// Where a binding applies. Views nest: a binding for `table` works in every list, one for
/// `global` everywhere; the most specific binding of a key wins (`l` is logs on pods even if
/// `table` binds `l` too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyView {
    Global,
    /// Every list of rows (the layers and all resource tables).
    Table,
    /// Every scrollable document (describe, YAML, logs).
    Text,
    Layers,
    /// The resources of one component (after Enter on the layers screen).
    Component,
    /// The runs of the stack (`:runs`).
    Runs,
    /// The security findings of the stack (`:security`).
    Security,
    /// What is broken and what changed (`:incident`).
    Incident,
    /// Every table of cluster objects (pods, deployments, any kind): where the everyday
    /// actions on an object (delete, edit) apply.
    Objects,
    /// Airflow's DAGs, runs and tasks (`:airflow`).
    Airflow,
    /// Airbyte's connections and jobs (`:airbyte`).
    Airbyte,
    /// Helm's releases, their history and revisions (`:helm`).
    Helm,
    /// A workload's rollout history (`R` on a Deployment, StatefulSet or DaemonSet).
    Rollouts,
    Pods,
    Deployments,
    StatefulSets,
    DaemonSets,
    ReplicaSets,
    Jobs,
    CronJobs,
    Services,
    ConfigMaps,
    Secrets,
    Events,
    Namespaces,
    Nodes,
    Pvcs,
    /// Custom resources and any kind without a view of its own.
    Resources,
    Describe,
    Yaml,
    Logs,
    Help,
}

const VIEW_NAMES: &[(KeyView, &str)] = &[
    (KeyView::Global, "global"),
    (KeyView::Table, "table"),
    (KeyView::Text, "text"),
    (KeyView::Layers, "layers"),
    (KeyView::Component, "component"),
    (KeyView::Runs, "runs"),
    (KeyView::Security, "security"),
    (KeyView::Incident, "incident"),
    (KeyView::Objects, "objects"),
    (KeyView::Airflow, "airflow"),
    (KeyView::Airbyte, "airbyte"),
    (KeyView::Helm, "helm"),
    (KeyView::Rollouts, "rollouts"),
    (KeyView::Pods, "pods"),
    (KeyView::Deployments, "deployments"),
    (KeyView::StatefulSets, "statefulsets"),
    (KeyView::DaemonSets, "daemonsets"),
    (KeyView::ReplicaSets, "replicasets"),
    (KeyView::Jobs, "jobs"),
    (KeyView::CronJobs, "cronjobs"),
    (KeyView::Services, "services"),
    (KeyView::ConfigMaps, "configmaps"),
    (KeyView::Secrets, "secrets"),
    (KeyView::Events, "events"),
    (KeyView::Namespaces, "namespaces"),
    (KeyView::Nodes, "nodes"),
    (KeyView::Pvcs, "pvcs"),
    (KeyView::Resources, "resources"),
    (KeyView::Describe, "describe"),
    (KeyView::Yaml, "yaml"),
    (KeyView::Logs, "logs"),
    (KeyView::Help, "help"),
];

impl KeyView {
    /// Every view, in help order.
    pub const ALL: [KeyView; 32] = [
        KeyView::Global,
        KeyView::Table,
        KeyView::Text,
        KeyView::Layers,
        KeyView::Component,
        KeyView::Runs,
        KeyView::Security,
        KeyView::Incident,
        KeyView::Objects,
        KeyView::Airflow,
        KeyView::Airbyte,
        KeyView::Helm,
        KeyView::Rollouts,
        KeyView::Pods,
        KeyView::Deployments,
        KeyView::StatefulSets,
        KeyView::DaemonSets,
        KeyView::ReplicaSets,
        KeyView::Jobs,
        KeyView::CronJobs,
        KeyView::Services,
        KeyView::ConfigMaps,
        KeyView::Secrets,
        KeyView::Events,
        KeyView::Namespaces,
        KeyView::Nodes,
        KeyView::Pvcs,
        KeyView::Resources,
        KeyView::Describe,
        KeyView::Yaml,
        KeyView::Logs,
        KeyView::Help,
    ];

    /// The name keymap files use.
    pub fn name(self) -> &'static str {
        VIEW_NAMES
            .iter()
            .find(|(view, _)| *view == self)
            .map_or("global", |(_, name)| name)
    }

    pub fn from_name(name: &str) -> Option<KeyView> {
        VIEW_NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(view, _)| *view)
    }

    fn names() -> String {
        let names: Vec<&str> = VIEW_NAMES.iter().map(|(_, name)| *name).collect();
        names.join(", ")
    }

    /// The view this one specializes (`None` for `global`).
    pub fn parent(self) -> Option<KeyView> {
        match self {
            KeyView::Global => None,
            // Airflow's lists are not cluster tables: no describe, YAML or namespaces.
            KeyView::Table
            | KeyView::Text
            | KeyView::Help
            | KeyView::Airflow
            | KeyView::Airbyte
            | KeyView::Helm
            | KeyView::Rollouts => Some(KeyView::Global),
            KeyView::Describe | KeyView::Yaml | KeyView::Logs => Some(KeyView::Text),
            // Lists of the stack's own making: navigation and filter, no object actions.
            KeyView::Layers
            | KeyView::Component
            | KeyView::Runs
            | KeyView::Security
            | KeyView::Incident
            | KeyView::Objects => Some(KeyView::Table),
            _ => Some(KeyView::Objects),
        }
    }

    /// This view, then each view it specializes, ending with `global`.
    pub fn chain(self) -> impl Iterator<Item = KeyView> {
        std::iter::successors(Some(self), |view| view.parent())
    }

    /// Whether a key bound in one view can be pressed in the other.
    fn overlaps(self, other: KeyView) -> bool {
        self.chain().any(|v| v == other) || other.chain().any(|v| v == self)
    }
}

/// The action a file's `run` names: an `Intent` by its serde name (`"describe"`, or
/// `{ favorite_namespace = 1 }` for one with an argument). Any other name is an error, so a
/// file never binds a key that would do nothing.
fn parse_action(run: &toml::Value) -> Result<Intent, KeymapError> {
    Intent::deserialize(run.clone()).map_err(|_| {
        // `"name"` or `{ name = argument }`: the error names the action as written.
        let name = match run {
            toml::Value::String(name) => name.clone(),
            toml::Value::Table(table) if table.len() == 1 => {
                table.keys().next().cloned().unwrap_or_default()
            }
            other => scalar(other),
        };
        KeymapError::UnknownAction {
            name,
            known: known_actions(),
        }
    })
}

/// A TOML value as a person wrote it (the crate's `display` feature is not enabled).
fn scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(n) => n.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// Every action name a file may use: the `Intent`s, read from serde's own error message so
/// new intents appear without a list to maintain.
fn known_actions() -> String {
    let mut names: Vec<String> = Vec::new();
    if let Err(error) = Intent::deserialize(toml::Value::String(String::new())) {
        let message = error.to_string();
        if let Some((_, list)) = message.split_once("expected one of ") {
            names.extend(
                list.split(", ")
                    .map(|name| name.trim().trim_matches('`').to_string()),
            );
        }
    }
    names.join(", ")
}

/// One binding: what it does, the keys that do it, where, and the words help shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub action: Intent,
    pub keys: Vec<KeyChord>,
    pub description: String,
    pub views: Vec<KeyView>,
    /// Shown in the hint bar (the rest only in help).
    pub hint: bool,
}

impl Binding {
    /// The keys as help writes them: `j, down`.
    pub fn keys_label(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(KeyChord::to_string).collect();
        keys.join(", ")
    }

    fn overlaps(&self, view: KeyView) -> bool {
        self.views.iter().any(|mine| mine.overlaps(view))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    binding: Vec<BindingEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingEntry {
    run: toml::Value,
    on: Vec<String>,
    desc: Option<String>,
    views: Option<Vec<String>>,
    hint: Option<bool>,
}

/// The active key bindings: the embedded defaults with any user overlays applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::builtin()
    }
}

impl Keymap {
    /// The embedded `keymaps/default.toml`.
    pub fn builtin() -> Keymap {
        // The embedded file is covered by a test, so this cannot fail at run time; should it
        // ever, an empty keymap still quits on Ctrl-C (handled as a signal by the runtime).
        Keymap::empty()
            .overlay(BUILTIN_KEYMAPS[0].1)
            .unwrap_or_else(|_| Keymap::empty())
    }

    /// A keymap shipped in the binary (`default`, `vim`), as an overlay on the defaults.
    pub fn builtin_named(name: &str) -> Option<Result<Keymap, KeymapError>> {
        let (_, text) = BUILTIN_KEYMAPS.iter().find(|(known, _)| *known == name)?;
        Some(Keymap::builtin().overlay(text))
    }

    pub fn empty() -> Keymap {
        Keymap {
            bindings: Vec::new(),
        }
    }

    /// Applies a keymap file on top of this keymap. A binding of the same action in the same
    /// views replaces that binding's keys (and its description and hint flag when given);
    /// otherwise it is added. Either way its keys are taken away from every other binding that
    /// could see them, so rebinding a key never leaves two actions on it (k9s#1391).
    pub fn overlay(&self, text: &str) -> Result<Keymap, KeymapError> {
        let file: KeymapFile =
            toml::from_str(text).map_err(|error| KeymapError::Syntax(error.to_string()))?;
        let entries = file
            .binding
            .into_iter()
            .map(Entry::parse)
            .collect::<Result<Vec<Entry>, _>>()?;
        check_conflicts(&entries)?;
        let mut bindings = self.bindings.clone();
        for entry in entries {
            // Without `views`, an entry moves the action wherever it is already bound (users
            // rarely know in which views the defaults put it); a new action goes everywhere.
            let homes: Vec<Vec<KeyView>> = if entry.views_given {
                vec![entry.views.clone()]
            } else {
                let mut homes: Vec<Vec<KeyView>> = bindings
                    .iter()
                    .filter(|b| b.action == entry.action)
                    .map(|b| b.views.clone())
                    .collect();
                if homes.is_empty() {
                    homes.push(entry.views.clone());
                }
                homes
            };
            for views in homes {
                apply(&mut bindings, &entry, views);
            }
        }
        Ok(Keymap { bindings })
    }

    /// The intent of a key in the main cockpit view (a resource table).
    pub fn resolve(&self, key: &KeyEvent) -> Option<Intent> {
        self.resolve_in(KeyView::Pods, key)
    }

    /// The intent of a key in `view`: the most specific binding wins.
    pub fn resolve_in(&self, view: KeyView, key: &KeyEvent) -> Option<Intent> {
        self.binding_for(view, KeyChord::from(key))
            .map(|binding| binding.action)
    }

    fn binding_for(&self, view: KeyView, chord: KeyChord) -> Option<&Binding> {
        view.chain().find_map(|level| {
            self.bindings
                .iter()
                .find(|b| b.views.contains(&level) && b.keys.contains(&chord))
        })
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The bindings that work in `view`, in file order, each with the keys that reach it there
    /// (a key rebound by a more specific view does not); bindings left with no key are left
    /// out. This is what help and the hint bar show.
    pub fn bindings_in(&self, view: KeyView) -> Vec<ViewBinding<'_>> {
        self.bindings
            .iter()
            .filter(|binding| binding.views.iter().any(|v| view.chain().any(|c| c == *v)))
            .filter_map(|binding| {
                let keys: Vec<KeyChord> = binding
                    .keys
                    .iter()
                    .copied()
                    .filter(|key| self.binding_for(view, *key) == Some(binding))
                    .collect();
                (!keys.is_empty()).then_some(ViewBinding { binding, keys })
            })
            .collect()
    }

    /// (first key, description) of the hint-bar bindings of the main cockpit view.
    pub fn hints(&self) -> impl Iterator<Item = (String, &str)> {
        self.hints_in(KeyView::Pods).into_iter()
    }

    /// (first reachable key, description) of the hint-bar bindings of `view`, in file order.
    pub fn hints_in(&self, view: KeyView) -> Vec<(String, &str)> {
        self.bindings_in(view)
            .into_iter()
            .filter(|shown| shown.binding.hint)
            .filter_map(|shown| {
                let key = shown.keys.first()?;
                Some((key.to_string(), shown.binding.description.as_str()))
            })
            .collect()
    }
}

/// A binding as one view sees it: only the keys that reach it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewBinding<'a> {
    pub binding: &'a Binding,
    pub keys: Vec<KeyChord>,
}

impl ViewBinding<'_> {
    /// The keys as help writes them: `j, down`.
    pub fn keys_label(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(KeyChord::to_string).collect();
        keys.join(", ")
    }
}

/// Merges one entry, bound in `views`, into `bindings`.
fn apply(bindings: &mut Vec<Binding>, entry: &Entry, views: Vec<KeyView>) {
    for other in bindings.iter_mut() {
        if views.iter().any(|view| other.overlaps(*view)) {
            other.keys.retain(|key| !entry.keys.contains(key));
        }
    }
    let same = bindings
        .iter_mut()
        .find(|b| b.action == entry.action && b.views == views);
    match same {
        Some(binding) => {
            binding.keys = entry.keys.clone();
            if let Some(description) = &entry.description {
                binding.description = description.clone();
            }
            if let Some(hint) = entry.hint {
                binding.hint = hint;
            }
        }
        None => bindings.push(Binding {
            description: entry
                .description
                .clone()
                .unwrap_or_else(|| entry.action.name().to_string()),
            action: entry.action,
            keys: entry.keys.clone(),
            views,
            hint: entry.hint.unwrap_or(false),
        }),
    }
}

/// A parsed file entry, before it is merged; `None` fields keep what the base keymap says.
struct Entry {
    action: Intent,
    keys: Vec<KeyChord>,
    description: Option<String>,
    /// `global` when the file names no views.
    views: Vec<KeyView>,
    views_given: bool,
    hint: Option<bool>,
}

impl Entry {
    fn parse(raw: BindingEntry) -> Result<Entry, KeymapError> {
        let action = parse_action(&raw.run)?;
        let keys = raw
            .on
            .iter()
            .map(|key| key.parse())
            .collect::<Result<Vec<KeyChord>, _>>()?;
        let views_given = raw.views.is_some();
        let views = match raw.views {
            None => vec![KeyView::Global],
            Some(names) => names
                .iter()
                .map(|name| {
                    KeyView::from_name(name).ok_or_else(|| KeymapError::UnknownView(name.clone()))
                })
                .collect::<Result<Vec<KeyView>, _>>()?,
        };
        Ok(Entry {
            action,
            keys,
            description: raw.desc,
            views,
            views_given,
            hint: raw.hint,
        })
    }
}

/// Within one file a key may be bound once per view; a more specific view may rebind it.
fn check_conflicts(entries: &[Entry]) -> Result<(), KeymapError> {
    for (index, entry) in entries.iter().enumerate() {
        for earlier in &entries[..index] {
            for key in &entry.keys {
                if !earlier.keys.contains(key) {
                    continue;
                }
                if let Some(view) = entry.views.iter().find(|v| earlier.views.contains(v)) {
                    return Err(KeymapError::Conflict {
                        key: key.to_string(),
                        view: view.name(),
                        first: earlier.action.name().to_string(),
                        second: entry.action.name().to_string(),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn key(text: &str) -> KeyEvent {
        let chord: KeyChord = text.parse().unwrap();
        KeyEvent::new(chord.code, chord.modifiers)
    }

    fn action_of(keymap: &Keymap, view: KeyView, text: &str) -> Option<&'static str> {
        keymap
            .binding_for(view, text.parse().unwrap())
            .map(|b| b.action.name())
    }

    #[test]
    fn every_shipped_keymap_is_valid() {
        for (name, text) in BUILTIN_KEYMAPS {
            let keymap = Keymap::builtin().overlay(text);
            assert!(keymap.is_ok(), "{name}: {keymap:?}");
        }
        assert!(Keymap::builtin().bindings().len() > 20);
    }

    #[test]
    fn keys_resolve_to_intents() {
        let keymap = Keymap::builtin();
        let cases = [
            (
                press(KeyCode::Char('q'), KeyModifiers::NONE),
                Some(Intent::Quit),
            ),
            (
                press(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Some(Intent::Quit),
            ),
            // The modifier matters: `c` copies, alt-c is nothing.
            (
                press(KeyCode::Char('c'), KeyModifiers::NONE),
                Some(Intent::Copy),
            ),
            (press(KeyCode::Char('c'), KeyModifiers::ALT), None),
            (
                press(KeyCode::Down, KeyModifiers::NONE),
                Some(Intent::MoveDown),
            ),
            (
                press(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Some(Intent::Bottom),
            ),
            (
                press(KeyCode::Char('g'), KeyModifiers::NONE),
                Some(Intent::Top),
            ),
            // One pane per screen: tab and backtab are not bound.
            (press(KeyCode::BackTab, KeyModifiers::SHIFT), None),
            (press(KeyCode::Tab, KeyModifiers::NONE), None),
            (
                press(KeyCode::Enter, KeyModifiers::NONE),
                Some(Intent::Select),
            ),
            (
                press(KeyCode::Char('f'), KeyModifiers::CONTROL),
                Some(Intent::PageDown),
            ),
            (
                press(KeyCode::Char('0'), KeyModifiers::NONE),
                Some(Intent::AllNamespaces),
            ),
        ];
        for (key, intent) in cases {
            assert_eq!(keymap.resolve(&key), intent, "{key:?}");
        }
    }

    /// The k9s conventions the issue names, in the views they belong to.
    #[test]
    fn the_default_keymap_follows_k9s() {
        let keymap = Keymap::builtin();
        let expected = [
            (KeyView::Pods, ":", "command"),
            (KeyView::Pods, "/", "filter"),
            (KeyView::Yaml, "/", "search"),
            (KeyView::Describe, "n", "next_match"),
            (KeyView::Help, "?", "help"),
            (KeyView::Yaml, "esc", "back"),
            (KeyView::Pods, "d", "describe"),
            (KeyView::Deployments, "y", "yaml"),
            (KeyView::Pods, "0", "all_namespaces"),
            (KeyView::Pods, "3", "favorite_namespace"),
            (KeyView::Pods, "s", "sort_next"),
            (KeyView::Pods, "S", "sort_reverse"),
            (KeyView::Secrets, "x", "reveal_secret"),
            (KeyView::Yaml, "x", "reveal_secret"),
            (KeyView::Logs, "j", "move_down"),
            (KeyView::Layers, "ctrl-b", "page_up"),
            (KeyView::Help, "q", "quit"),
        ];
        for (view, text, action) in expected {
            assert_eq!(
                action_of(&keymap, view, text),
                Some(action),
                "{text} in {view:?}"
            );
        }
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &key("3")),
            Some(Intent::FavoriteNamespace(3))
        );
        // Reveal is not offered where it means nothing (x on a pod opens a shell, as k9s's
        // s would: s sorts here); the viewer's keys stay in the viewer.
        assert_eq!(action_of(&keymap, KeyView::Pods, "x"), Some("shell"));
        assert_eq!(action_of(&keymap, KeyView::Deployments, "x"), None);
        assert_eq!(action_of(&keymap, KeyView::Pods, "e"), Some("edit"));
        assert_eq!(action_of(&keymap, KeyView::Pods, "c"), Some("copy"));
        assert_eq!(
            action_of(&keymap, KeyView::Services, "F"),
            Some("port_forward")
        );
        assert_eq!(action_of(&keymap, KeyView::Pods, "l"), Some("logs"));
        assert_eq!(
            action_of(&keymap, KeyView::Logs, "f"),
            Some("toggle_follow")
        );
        assert_eq!(action_of(&keymap, KeyView::Logs, "/"), Some("search"));
        assert_eq!(action_of(&keymap, KeyView::Logs, "w"), Some("toggle_wrap"));
        assert_eq!(action_of(&keymap, KeyView::Pods, "f"), None);
    }

    #[test]
    fn actions_the_cockpit_does_not_perform_are_unknown() {
        // A file naming an action the cockpit does not have is rejected like any typo, and
        // the loader shows that error (see `config::keymap`); an action that takes no
        // argument given one is unknown too.
        for run in ["\"launch_missiles\"", "{ logs_previous = 1 }"] {
            let error = Keymap::builtin()
                .overlay(&format!("[[binding]]\nrun = {run}\non = [\"l\"]\n"))
                .unwrap_err();
            assert!(
                matches!(&error, KeymapError::UnknownAction { name, .. } if run.contains(name.as_str())),
                "{run}: {error:?}"
            );
        }
    }

    #[test]
    fn chords_parse_and_print_back() {
        for text in [
            "q", "ctrl-c", "G", "enter", "backtab", "pgdown", "f5", "alt-x", "space", "?", "/",
        ] {
            let chord: KeyChord = text.parse().unwrap();
            assert_eq!(chord.to_string(), text);
        }
        assert_eq!(
            "shift-tab".parse::<KeyChord>().unwrap().to_string(),
            "backtab"
        );
        assert_eq!("shift-g".parse::<KeyChord>().unwrap().to_string(), "G");
        assert_eq!("shift-s".parse::<KeyChord>().unwrap().to_string(), "S");
    }

    #[test]
    fn bad_keys_are_named_in_the_error() {
        let error = "ctrl-banana".parse::<KeyChord>().unwrap_err();
        assert!(error.to_string().contains("ctrl-banana"), "{error}");
        assert!("f13".parse::<KeyChord>().is_err());
        assert!("".parse::<KeyChord>().is_err());
        let error = Keymap::builtin()
            .overlay("[[binding]]\nrun = \"quit\"\non = [\"hyper-q\"]\n")
            .unwrap_err();
        assert_eq!(error, KeymapError::UnknownKey("hyper-q".into()));
    }

    #[test]
    fn bad_syntax_is_reported() {
        let error = Keymap::builtin().overlay("[[binding]\nrun = ").unwrap_err();
        assert!(matches!(error, KeymapError::Syntax(_)), "{error:?}");
        assert!(error.to_string().contains("TOML"), "{error}");
        // A misspelt field is an error, not a silently ignored line.
        let error = Keymap::builtin()
            .overlay("[[binding]]\nrun = \"quit\"\nkeys = [\"x\"]\non = []\n")
            .unwrap_err();
        assert!(error.to_string().contains("keys"), "{error}");
    }

    #[test]
    fn unknown_actions_and_views_are_rejected_with_the_known_names() {
        let error = Keymap::builtin()
            .overlay("[[binding]]\nrun = \"explode\"\non = [\"e\"]\n")
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("explode"), "{message}");
        assert!(message.contains("move_down"), "{message}");
        assert!(message.contains("describe"), "{message}");
        let error = Keymap::builtin()
            .overlay("[[binding]]\nrun = \"quit\"\non = [\"e\"]\nviews = [\"podz\"]\n")
            .unwrap_err();
        assert_eq!(error, KeymapError::UnknownView("podz".into()));
        assert!(error.to_string().contains("pods"), "{error}");
    }

    #[test]
    fn a_key_bound_twice_in_one_file_is_rejected() {
        let text = "[[binding]]\nrun = \"quit\"\non = [\"q\"]\n\
                    [[binding]]\nrun = \"top\"\non = [\"q\"]\n";
        let error = Keymap::empty().overlay(text).unwrap_err();
        assert_eq!(
            error,
            KeymapError::Conflict {
                key: "q".into(),
                view: "global",
                first: "quit".into(),
                second: "top".into()
            }
        );
        // The same key in sibling views is fine.
        let text = "[[binding]]\nrun = \"quit\"\non = [\"q\"]\nviews = [\"pods\"]\n\
                    [[binding]]\nrun = \"top\"\non = [\"q\"]\nviews = [\"jobs\"]\n";
        assert!(Keymap::empty().overlay(text).is_ok());
    }

    #[test]
    fn an_overlay_rebinds_and_extends() {
        let user = r#"
            [[binding]]
            run = "quit"
            on = ["ctrl-q"]

            [[binding]]
            run = "top"
            on = ["t"]
            desc = "first row"
            views = ["table"]
        "#;
        let keymap = Keymap::builtin().overlay(user).unwrap();
        // Quit moved: `q` is free, Ctrl-Q quits, the description stayed.
        assert_eq!(keymap.resolve(&key("q")), None);
        assert_eq!(keymap.resolve(&key("ctrl-q")), Some(Intent::Quit));
        let quit = keymap
            .bindings()
            .iter()
            .find(|b| b.action == Intent::Quit)
            .unwrap();
        assert_eq!(quit.description, "quit");
        // `t` was added for tables, where `g` still works from the defaults too.
        assert_eq!(keymap.resolve(&key("t")), Some(Intent::Top));
        assert_eq!(keymap.resolve(&key("g")), Some(Intent::Top));
        assert_eq!(keymap.resolve_in(KeyView::Yaml, &key("t")), None);
    }

    #[test]
    fn an_overlay_without_views_moves_the_action_where_it_is() {
        // Describe is bound in `table` by default; the user just says "D".
        let user = "[[binding]]\nrun = \"describe\"\non = [\"D\"]\n";
        let keymap = Keymap::builtin().overlay(user).unwrap();
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &key("D")),
            Some(Intent::Describe)
        );
        assert_eq!(keymap.resolve_in(KeyView::Pods, &key("d")), None);
        // Not in documents, where describe was never bound.
        assert_eq!(keymap.resolve_in(KeyView::Yaml, &key("D")), None);
        // Each favourite keeps its own slot.
        let user = "[[binding]]\nrun = { favorite_namespace = 2 }\non = [\"F\"]\n";
        let keymap = Keymap::builtin().overlay(user).unwrap();
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &key("F")),
            Some(Intent::FavoriteNamespace(2))
        );
        assert_eq!(keymap.resolve_in(KeyView::Pods, &key("2")), None);
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &key("3")),
            Some(Intent::FavoriteNamespace(3))
        );
    }

    #[test]
    fn an_overlay_takes_its_keys_from_other_actions() {
        // Binding `x` to select in every table must not leave reveal on `x` in secrets.
        let user = "[[binding]]\nrun = \"select\"\non = [\"x\", \"enter\"]\nviews = [\"table\"]\n";
        let keymap = Keymap::builtin().overlay(user).unwrap();
        assert_eq!(
            keymap.resolve_in(KeyView::Secrets, &key("x")),
            Some(Intent::Select)
        );
        // An empty `on` unbinds.
        let keymap = keymap
            .overlay("[[binding]]\nrun = \"select\"\non = []\nviews = [\"table\"]\n")
            .unwrap();
        assert_eq!(keymap.resolve(&key("enter")), None);
    }

    #[test]
    fn the_vim_keymap_differs_where_vim_users_expect() {
        let keymap = Keymap::builtin_named("vim").unwrap().unwrap();
        assert_eq!(action_of(&keymap, KeyView::Pods, "h"), Some("back"));
        assert_eq!(action_of(&keymap, KeyView::Pods, "q"), Some("back"));
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &key("l")),
            Some(Intent::Select)
        );
        assert_eq!(keymap.resolve(&key("ctrl-d")), Some(Intent::PageDown));
        assert_eq!(keymap.resolve(&key("ctrl-c")), Some(Intent::Quit));
        assert!(Keymap::builtin_named("emacs").is_none());
    }

    #[test]
    fn hints_follow_the_file() {
        let keymap = Keymap::builtin();
        let hints: Vec<(String, &str)> = keymap.hints().collect();
        let words: Vec<&str> = hints.iter().map(|(_, d)| *d).collect();
        // File order, hint bindings only, each with its first key that reaches it.
        let open = words.iter().position(|w| *w == "open").unwrap();
        let quit = words.iter().position(|w| *w == "quit").unwrap();
        assert!(open < quit, "{words:?}");
        assert_eq!(hints[open].0, "enter");
        assert!(!words.contains(&"page down"), "{words:?}");
        // In a document the table keys give way to the document's.
        let words: Vec<&str> = keymap
            .hints_in(KeyView::Yaml)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        assert!(
            !words.contains(&"open") && !words.contains(&"filter"),
            "{words:?}"
        );
    }

    #[test]
    fn object_actions_stay_on_object_tables_and_the_bundle_on_the_incident_screen() {
        let keymap = Keymap::builtin();
        let words = |view| -> Vec<String> {
            keymap
                .hints_in(view)
                .into_iter()
                .map(|(_, d)| d.to_string())
                .collect()
        };
        for view in [KeyView::Pods, KeyView::ConfigMaps, KeyView::Resources] {
            assert_eq!(
                keymap.resolve_in(view, &key("ctrl-d")),
                Some(Intent::Delete)
            );
            assert_eq!(keymap.resolve_in(view, &key("e")), Some(Intent::Edit));
        }
        // The stack's own lists advertise no action they cannot do.
        for view in [KeyView::Layers, KeyView::Incident, KeyView::Runs] {
            let shown = words(view);
            assert!(
                !shown.iter().any(|w| w == "delete" || w == "edit the YAML"),
                "{view:?}: {shown:?}"
            );
            assert_eq!(keymap.resolve_in(view, &key("ctrl-d")), None, "{view:?}");
        }
        assert!(words(KeyView::Incident).contains(&"bundle".to_string()));
        assert_eq!(
            keymap.resolve_in(KeyView::Incident, &key("b")),
            Some(Intent::Bundle)
        );
        assert_eq!(keymap.resolve_in(KeyView::Pods, &key("b")), None);
        // Under vim keys Ctrl-D pages, and delete moves to D.
        let vim = Keymap::builtin_named("vim").unwrap().unwrap();
        assert_eq!(
            vim.resolve_in(KeyView::Pods, &key("ctrl-d")),
            Some(Intent::PageDown)
        );
        assert_eq!(
            vim.resolve_in(KeyView::Pods, &key("D")),
            Some(Intent::Delete)
        );
        assert_eq!(vim.resolve_in(KeyView::Helm, &key("D")), Some(Intent::Diff));
    }

    #[test]
    fn shadowed_bindings_leave_help() {
        let user = "[[binding]]\nrun = \"top\"\non = [\"g\"]\nviews = [\"pods\"]\n";
        let keymap = Keymap::builtin().overlay(user).unwrap();
        // In pods `g` reaches the pods binding; `home` still reaches the global one.
        let tops: Vec<String> = keymap
            .bindings_in(KeyView::Pods)
            .iter()
            .filter(|shown| shown.binding.action == Intent::Top)
            .map(|shown| shown.keys_label())
            .collect();
        assert_eq!(tops, ["home", "g"]);
    }

    #[test]
    fn views_nest() {
        assert_eq!(
            KeyView::Yaml.chain().collect::<Vec<_>>(),
            [KeyView::Yaml, KeyView::Text, KeyView::Global]
        );
        assert!(KeyView::Pods.overlaps(KeyView::Table));
        assert!(KeyView::Global.overlaps(KeyView::Logs));
        assert!(!KeyView::Pods.overlaps(KeyView::Jobs));
        for view in KeyView::ALL {
            assert_eq!(KeyView::from_name(view.name()), Some(view));
        }
    }
}
