//! Building the keymap from the files `config` chose ([`keymap_layers`]): each layer is laid
//! over the keymap before it, starting from the embedded defaults. A layer that cannot be used
//! is skipped with a warning, so the keys before it keep working.

use super::{BUILTIN_KEYMAPS, Keymap};
use crate::config::{ConfigPaths, ConfigWarning, keymap_layers};

/// The keymap for `choice` (the `--keymap` flag) and what went wrong on the way.
pub fn load_keymap(
    paths: Option<&ConfigPaths>,
    choice: Option<&str>,
) -> (Keymap, Vec<ConfigWarning>) {
    let mut warnings = Vec::new();
    let mut keymap = Keymap::builtin();
    for layer in keymap_layers(paths, choice, BUILTIN_KEYMAPS) {
        let file = match layer {
            Ok(file) => file,
            Err(warning) => {
                warnings.push(warning);
                continue;
            }
        };
        match keymap.overlay(&file.text) {
            Ok(overlaid) => keymap = overlaid,
            Err(error) => warnings.push(ConfigWarning::new(
                file.source,
                format!("{error} (this file is ignored; the other keys still apply)"),
            )),
        }
    }
    (keymap, warnings)
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::Intent;
    use crate::app::keymap::KeyView;

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn setup(user_keymap: Option<&str>) -> (tempfile::TempDir, ConfigPaths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        if let Some(text) = user_keymap {
            std::fs::write(paths.keymap_file(), text).unwrap();
        }
        (dir, paths)
    }

    #[test]
    fn without_files_the_defaults_apply() {
        let (keymap, warnings) = load_keymap(None, None);
        assert!(warnings.is_empty());
        assert_eq!(keymap, Keymap::builtin());
        let (_dir, paths) = setup(None);
        let (keymap, warnings) = load_keymap(Some(&paths), None);
        assert!(warnings.is_empty());
        assert_eq!(keymap, Keymap::builtin());
    }

    #[test]
    fn the_user_keymap_is_laid_over_the_defaults() {
        let (_dir, paths) = setup(Some("[[binding]]\nrun = \"quit\"\non = [\"Q\"]\n"));
        let (keymap, warnings) = load_keymap(Some(&paths), None);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(keymap.resolve(&press('Q')), Some(Intent::Quit));
        assert_eq!(keymap.resolve(&press('q')), None);
        assert_eq!(keymap.resolve(&press('j')), Some(Intent::MoveDown));
    }

    #[test]
    fn a_bad_user_keymap_falls_back_with_a_warning() {
        for text in [
            "[[binding]\n",
            "[[binding]]\nrun = \"launch_missiles\"\non = [\"m\"]\n",
            // An action the cockpit does not have, with an argument it does not take.
            "[[binding]]\nrun = { logs = 2 }\non = [\"l\"]\n",
            "[[binding]]\nrun = \"quit\"\non = [\"ctrl-shift-banana\"]\n",
        ] {
            let (_dir, paths) = setup(Some(text));
            let (keymap, warnings) = load_keymap(Some(&paths), None);
            assert_eq!(keymap, Keymap::builtin(), "{text}");
            assert_eq!(warnings.len(), 1, "{text}");
            assert!(warnings[0].source.ends_with("keymap.toml"), "{warnings:?}");
            assert!(warnings[0].message.contains("ignored"), "{warnings:?}");
        }
    }

    #[test]
    fn the_flag_picks_a_builtin_a_user_file_or_a_path() {
        let (_dir, paths) = setup(None);
        let (keymap, warnings) = load_keymap(Some(&paths), Some("vim"));
        assert!(warnings.is_empty());
        assert_eq!(
            keymap.resolve_in(KeyView::Pods, &press('l')),
            Some(Intent::Select)
        );

        let mine = paths.keymap_named("mine");
        std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
        std::fs::write(&mine, "[[binding]]\nrun = \"top\"\non = [\"t\"]\n").unwrap();
        let (keymap, warnings) = load_keymap(Some(&paths), Some("mine"));
        assert!(warnings.is_empty());
        assert_eq!(keymap.resolve(&press('t')), Some(Intent::Top));

        let path = mine.display().to_string();
        let (keymap, _) = load_keymap(Some(&paths), Some(&path));
        assert_eq!(keymap.resolve(&press('t')), Some(Intent::Top));
    }

    #[test]
    fn the_flag_is_laid_over_the_user_keymap() {
        let (_dir, paths) = setup(Some("[[binding]]\nrun = \"top\"\non = [\"t\"]\n"));
        let (keymap, warnings) = load_keymap(Some(&paths), Some("vim"));
        assert!(warnings.is_empty());
        assert_eq!(keymap.resolve(&press('t')), Some(Intent::Top));
        assert_eq!(keymap.resolve(&press('h')), Some(Intent::Back));
    }

    #[test]
    fn an_unknown_or_missing_choice_is_reported() {
        let (_dir, paths) = setup(None);
        let (keymap, warnings) = load_keymap(Some(&paths), Some("emacs"));
        assert_eq!(keymap, Keymap::builtin());
        assert_eq!(warnings[0].source, "--keymap emacs");
        assert!(warnings[0].message.contains("vim"), "{warnings:?}");
        let (_, warnings) = load_keymap(Some(&paths), Some("/nonexistent/keys.toml"));
        assert!(warnings[0].message.contains("cannot read"), "{warnings:?}");
    }
}
