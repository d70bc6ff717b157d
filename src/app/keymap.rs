//! Key bindings as data: each names an `Intent`, the keys that trigger it and a description;
//! the hint bar is generated from them so it cannot drift from what the keys do. The built-in
//! table mirrors `keymaps/default.toml` (k9s conventions); user files will override it.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Intent;

/// Why a key binding could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error(
        "unknown key {0:?} in keymap; use a character (`j`, `G`), a name (`enter`, `tab`, \
         `backtab`, `esc`, `up`, `pgdown`, `home`, `f1`…) or `ctrl-`/`alt-` with one of them"
    )]
    UnknownKey(String),
    #[error("key {key} is bound to both {first} and {second}; keep one")]
    Conflict {
        key: String,
        first: &'static str,
        second: &'static str,
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
            (Some(c), None) => KeyCode::Char(c),
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

/// One binding: what it does, the keys that do it, and the words the hint bar shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub intent: Intent,
    pub keys: Vec<KeyChord>,
    pub description: String,
    /// Shown in the hint bar (the rest only in help).
    pub hint: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

/// The built-in bindings, in hint-bar order: (intent, keys, description, in the hint bar).
/// `keymaps/default.toml` says the same in the file format users copy.
const BUILTIN: &[(Intent, &[&str], &str, bool)] = &[
    (Intent::Select, &["enter"], "open", true),
    (Intent::FocusNext, &["tab"], "switch pane", true),
    (Intent::FocusPrevious, &["backtab"], "previous pane", false),
    (Intent::MoveDown, &["j", "down"], "down", true),
    (Intent::MoveUp, &["k", "up"], "up", true),
    (Intent::AllNamespaces, &["0"], "all namespaces", true),
    (Intent::PageDown, &["pgdown", "ctrl-f"], "page down", false),
    (Intent::PageUp, &["pgup", "ctrl-b"], "page up", false),
    (Intent::Top, &["g", "home"], "top", false),
    (Intent::Bottom, &["G", "end"], "bottom", false),
    (Intent::Quit, &["q", "ctrl-c"], "quit", true),
];

impl Keymap {
    pub fn builtin() -> Keymap {
        // The table is fixed and covered by a test, so this cannot fail at run time; should
        // it ever, an empty keymap would still leave Ctrl-C (handled as a signal) to quit.
        Keymap::from_table(BUILTIN).unwrap_or(Keymap {
            bindings: Vec::new(),
        })
    }

    fn from_table(table: &[(Intent, &[&str], &str, bool)]) -> Result<Keymap, KeymapError> {
        let mut bindings = Vec::with_capacity(table.len());
        for (intent, keys, description, hint) in table {
            let keys = keys
                .iter()
                .map(|key| key.parse())
                .collect::<Result<Vec<KeyChord>, _>>()?;
            bindings.push(Binding {
                intent: *intent,
                keys,
                description: (*description).to_string(),
                hint: *hint,
            });
        }
        Keymap::new(bindings)
    }

    /// Checks that no key is bound twice.
    pub fn new(bindings: Vec<Binding>) -> Result<Keymap, KeymapError> {
        for (index, binding) in bindings.iter().enumerate() {
            for key in &binding.keys {
                if let Some(other) = bindings[..index].iter().find(|b| b.keys.contains(key)) {
                    return Err(KeymapError::Conflict {
                        key: key.to_string(),
                        first: other.intent.name(),
                        second: binding.intent.name(),
                    });
                }
            }
        }
        Ok(Keymap { bindings })
    }

    pub fn resolve(&self, key: &KeyEvent) -> Option<Intent> {
        let chord = KeyChord::from(key);
        self.bindings
            .iter()
            .find(|binding| binding.keys.contains(&chord))
            .map(|binding| binding.intent)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// (first key, description) of the bindings meant for the hint bar, in order.
    pub fn hints(&self) -> impl Iterator<Item = (String, &str)> {
        self.bindings
            .iter()
            .filter(|binding| binding.hint)
            .filter_map(|binding| {
                let key = binding.keys.first()?;
                Some((key.to_string(), binding.description.as_str()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_builtin_table_is_valid() {
        let keymap = Keymap::from_table(BUILTIN).unwrap();
        assert_eq!(keymap.bindings().len(), BUILTIN.len());
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
            (press(KeyCode::Char('c'), KeyModifiers::NONE), None),
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
            (
                press(KeyCode::BackTab, KeyModifiers::SHIFT),
                Some(Intent::FocusPrevious),
            ),
            (
                press(KeyCode::Enter, KeyModifiers::NONE),
                Some(Intent::Select),
            ),
        ];
        for (key, intent) in cases {
            assert_eq!(keymap.resolve(&key), intent, "{key:?}");
        }
    }

    #[test]
    fn chords_parse_and_print_back() {
        for text in [
            "q", "ctrl-c", "G", "enter", "backtab", "pgdown", "f5", "alt-x", "space",
        ] {
            let chord: KeyChord = text.parse().unwrap();
            assert_eq!(chord.to_string(), text);
        }
        assert_eq!(
            "shift-tab".parse::<KeyChord>().unwrap().to_string(),
            "backtab"
        );
        assert_eq!("shift-g".parse::<KeyChord>().unwrap().to_string(), "G");
    }

    #[test]
    fn bad_keys_are_named_in_the_error() {
        let error = "ctrl-banana".parse::<KeyChord>().unwrap_err();
        assert!(error.to_string().contains("ctrl-banana"), "{error}");
        assert!("f13".parse::<KeyChord>().is_err());
    }

    #[test]
    fn a_key_bound_twice_is_rejected() {
        let table: &[(Intent, &[&str], &str, bool)] = &[
            (Intent::Quit, &["q"], "quit", true),
            (Intent::Top, &["q"], "top", false),
        ];
        let error = Keymap::from_table(table).unwrap_err();
        assert_eq!(
            error,
            KeymapError::Conflict {
                key: "q".into(),
                first: "quit",
                second: "top"
            }
        );
    }

    /// `keymaps/default.toml` is what users copy; it must say what the built-in table does.
    #[test]
    fn the_default_keymap_file_matches_the_builtin_table() {
        let file = include_str!("../../keymaps/default.toml");
        let blocks: Vec<&str> = file.split("[[cockpit]]").skip(1).collect();
        assert_eq!(blocks.len(), BUILTIN.len());
        for (block, (intent, keys, description, hint)) in blocks.iter().zip(BUILTIN) {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{name} = ")))
                    .map(str::trim)
            };
            assert_eq!(field("run"), Some(format!("{:?}", intent.name()).as_str()));
            let quoted: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            assert_eq!(
                field("on"),
                Some(format!("[{}]", quoted.join(", ")).as_str())
            );
            assert_eq!(field("desc"), Some(format!("{description:?}").as_str()));
            assert_eq!(field("hint") == Some("true"), *hint, "{intent:?}");
        }
    }

    #[test]
    fn hints_follow_the_table() {
        let keymap = Keymap::builtin();
        let hints: Vec<(String, &str)> = keymap.hints().collect();
        assert_eq!(hints.first(), Some(&("enter".to_string(), "open")));
        assert_eq!(hints.last(), Some(&("q".to_string(), "quit")));
        assert!(!hints.iter().any(|(_, d)| *d == "page down"));
    }
}
