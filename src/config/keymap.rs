//! Which keymap files apply, in order: the user's `keymap.toml`, then `--keymap NAME|PATH` (a
//! path, a keymap saved in the config directory, or one shipped in the binary). Each is laid
//! over the one before, the embedded defaults first, by `app::keymap::load_keymap`.

use std::path::Path;

use super::{ConfigPaths, ConfigText, ConfigWarning, is_path, read};

/// The keymap files for `choice` (the `--keymap` flag), in the order they are laid over the
/// defaults; a file that cannot be read, or a name that matches nothing, is a warning in its
/// place. `builtin` are the keymaps shipped in the binary, as (name, text).
pub fn keymap_layers(
    paths: Option<&ConfigPaths>,
    choice: Option<&str>,
    builtin: &[(&str, &str)],
) -> Vec<Result<ConfigText, ConfigWarning>> {
    let mut layers = Vec::new();
    if let Some(paths) = paths {
        let file = paths.keymap_file();
        if file.is_file() {
            let source = file.display().to_string();
            layers.push(read(&file).map(|text| ConfigText { source, text }));
        }
    }
    let Some(choice) = choice else {
        return layers;
    };
    let source = format!("--keymap {choice}");
    let text = if is_path(choice) {
        read(Path::new(choice))
    } else if let Some(file) = paths
        .map(|paths| paths.keymap_named(choice))
        .filter(|file| file.is_file())
    {
        read(&file)
    } else if let Some((_, text)) = builtin.iter().find(|(name, _)| *name == choice) {
        Ok((*text).to_string())
    } else {
        let names: Vec<&str> = builtin.iter().map(|(name, _)| *name).collect();
        let mut message = format!("no keymap named {choice:?}; built in: {}", names.join(", "));
        if let Some(paths) = paths {
            message.push_str(&format!(
                ", or save yours as {}",
                paths.keymap_named(choice).display()
            ));
        }
        message.push_str(" (using the default keys)");
        Err(ConfigWarning::new(source.clone(), message))
    };
    layers.push(text.map(|text| ConfigText { source, text }));
    layers
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: &[(&str, &str)] = &[("default", "# default\n"), ("vim", "# vim\n")];

    fn setup(user_keymap: Option<&str>) -> (tempfile::TempDir, ConfigPaths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        if let Some(text) = user_keymap {
            std::fs::write(paths.keymap_file(), text).unwrap();
        }
        (dir, paths)
    }

    /// (source, text) of each layer; a warning as ("!" + source, message).
    fn layers(paths: Option<&ConfigPaths>, choice: Option<&str>) -> Vec<(String, String)> {
        keymap_layers(paths, choice, BUILTIN)
            .into_iter()
            .map(|layer| match layer {
                Ok(file) => (file.source, file.text),
                Err(warning) => (format!("!{}", warning.source), warning.message),
            })
            .collect()
    }

    #[test]
    fn without_files_or_a_flag_there_is_nothing_to_lay_over_the_defaults() {
        assert!(layers(None, None).is_empty());
        let (_dir, paths) = setup(None);
        assert!(layers(Some(&paths), None).is_empty());
    }

    #[test]
    fn the_user_keymap_comes_before_the_flag() {
        let (_dir, paths) = setup(Some("# mine\n"));
        let user = paths.keymap_file().display().to_string();
        assert_eq!(
            layers(Some(&paths), None),
            [(user.clone(), "# mine\n".into())]
        );
        assert_eq!(
            layers(Some(&paths), Some("vim")),
            [
                (user, "# mine\n".into()),
                ("--keymap vim".into(), "# vim\n".into())
            ]
        );
    }

    #[test]
    fn the_flag_picks_a_path_a_saved_keymap_then_a_builtin() {
        let (_dir, paths) = setup(None);
        assert_eq!(
            layers(Some(&paths), Some("vim")),
            [("--keymap vim".into(), "# vim\n".into())]
        );
        // A keymap saved under a built-in's name wins over the built-in.
        let saved = paths.keymap_named("vim");
        std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
        std::fs::write(&saved, "# my vim\n").unwrap();
        assert_eq!(
            layers(Some(&paths), Some("vim")),
            [("--keymap vim".into(), "# my vim\n".into())]
        );
        let path = saved.display().to_string();
        assert_eq!(
            layers(Some(&paths), Some(&path)),
            [(format!("--keymap {path}"), "# my vim\n".into())]
        );
    }

    #[test]
    fn an_unknown_name_or_unreadable_file_is_a_warning_in_its_place() {
        let (_dir, paths) = setup(None);
        let found = layers(Some(&paths), Some("emacs"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "!--keymap emacs");
        assert!(found[0].1.contains("built in: default, vim"), "{found:?}");
        assert!(found[0].1.contains("keymaps/emacs.toml"), "{found:?}");
        let found = layers(None, Some("/nonexistent/keys.toml"));
        assert_eq!(found[0].0, "!/nonexistent/keys.toml");
        assert!(found[0].1.contains("cannot read"), "{found:?}");
    }
}
