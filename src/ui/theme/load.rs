//! Building the theme from the source `config` chose ([`choose_theme`]): a built-in theme, or
//! a user file laid over the automatic one. A file that does not parse falls back to the
//! automatic theme with a warning.

use super::{BUILTIN_THEMES, Theme};
use crate::config::{
    BuiltinThemes, ConfigPaths, ConfigText, ConfigWarning, TermEnv, ThemeSource, choose_theme,
};

/// The theme for `choice` (the `--theme` flag) in `env`, and what went wrong on the way.
pub fn load_theme(
    paths: Option<&ConfigPaths>,
    choice: Option<&str>,
    env: &TermEnv,
) -> (Theme, Vec<ConfigWarning>) {
    let names: Vec<&str> = BUILTIN_THEMES.iter().map(|(name, _)| *name).collect();
    let builtin = BuiltinThemes {
        names: &names,
        is_builtin: |name| Theme::builtin(name).is_some(),
    };
    let (source, mut warnings) = choose_theme(paths, choice, env, builtin);
    let theme = match source {
        ThemeSource::Builtin(name) => Theme::builtin(&name).unwrap_or_default(),
        ThemeSource::File { file, automatic } => {
            parse(&file, automatic).unwrap_or_else(|warning| {
                warnings.push(warning);
                Theme::builtin(automatic).unwrap_or_default()
            })
        }
    };
    (theme, warnings)
}

/// A user theme file; without `extends` it starts from the automatic theme.
fn parse(file: &ConfigText, automatic: &str) -> Result<Theme, ConfigWarning> {
    let with_base;
    let text = if has_extends(&file.text) {
        &file.text
    } else {
        with_base = format!("extends = {automatic:?}\n{}", file.text);
        &with_base
    };
    Theme::from_toml(text).map_err(|error| {
        ConfigWarning::new(
            file.source.clone(),
            format!("{error} (using the {automatic} theme instead)"),
        )
    })
}

fn has_extends(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|table| table.contains_key("extends"))
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};

    use super::*;

    fn env(term: &str) -> TermEnv {
        TermEnv {
            term: Some(term.into()),
            ..TermEnv::default()
        }
    }

    fn setup() -> (tempfile::TempDir, ConfigPaths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = ConfigPaths::under(dir.path());
        std::fs::create_dir_all(paths.config_dir.join("themes")).unwrap();
        (dir, paths)
    }

    #[test]
    fn the_automatic_theme_follows_the_terminal() {
        let (theme, _) = load_theme(None, None, &env("linux"));
        assert_eq!(theme, Theme::builtin("16color").unwrap());
        let (theme, _) = load_theme(None, None, &env("xterm-256color"));
        assert_eq!(theme, Theme::default());
    }

    #[test]
    fn no_color_is_honoured_unless_a_theme_is_chosen() {
        let no_color = TermEnv {
            no_color: true,
            ..env("xterm-256color")
        };
        let (_dir, paths) = setup();
        std::fs::write(paths.user_theme_file(), "muted = { fg = \"red\" }").unwrap();
        let (theme, warnings) = load_theme(Some(&paths), None, &no_color);
        assert!(warnings.is_empty());
        assert_eq!(theme, Theme::no_color());
        for (role, style) in theme.roles() {
            assert_eq!((style.fg, style.bg), (None, None), "{role}");
        }
        let (theme, _) = load_theme(Some(&paths), Some("light"), &no_color);
        assert_eq!(theme, Theme::builtin("light").unwrap());
    }

    #[test]
    fn the_user_theme_is_laid_over_the_automatic_one() {
        let (_dir, paths) = setup();
        std::fs::write(paths.user_theme_file(), "muted = { fg = \"red\" }").unwrap();
        let (theme, warnings) = load_theme(Some(&paths), None, &env("linux"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(theme.muted, Style::new().fg(Color::Red));
        assert_eq!(
            theme.selection,
            Theme::builtin("16color").unwrap().selection
        );
        std::fs::write(
            paths.user_theme_file(),
            "extends = \"light\"\nmuted = { fg = \"red\" }",
        )
        .unwrap();
        let (theme, _) = load_theme(Some(&paths), None, &env("linux"));
        assert_eq!(theme.selection, Theme::builtin("light").unwrap().selection);
    }

    #[test]
    fn a_bad_theme_falls_back_with_a_warning() {
        let (_dir, paths) = setup();
        std::fs::write(paths.user_theme_file(), "selection = { fg = \"plaid\" }").unwrap();
        let (theme, warnings) = load_theme(Some(&paths), None, &env("xterm-256color"));
        assert_eq!(theme, Theme::default());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("plaid"), "{warnings:?}");
        assert!(warnings[0].source.ends_with("theme.toml"), "{warnings:?}");

        std::fs::write(paths.theme_file("broken"), "[[[").unwrap();
        let (theme, warnings) = load_theme(Some(&paths), Some("broken"), &env("linux"));
        assert_eq!(theme, Theme::builtin("16color").unwrap());
        assert!(warnings[0].message.contains("TOML"), "{warnings:?}");
    }

    #[test]
    fn the_flag_picks_a_builtin_a_user_theme_or_a_path() {
        let (_dir, paths) = setup();
        let term = env("xterm-256color");
        for name in ["light", "16color", "no-color", "dark", "default"] {
            let (theme, warnings) = load_theme(Some(&paths), Some(name), &term);
            assert!(warnings.is_empty());
            assert_eq!(Some(theme), Theme::builtin(name), "{name}");
        }
        std::fs::write(paths.theme_file("mine"), "brand = { fg = \"#112233\" }").unwrap();
        let (theme, _) = load_theme(Some(&paths), Some("mine"), &term);
        assert_eq!(theme.brand.fg, Some(Color::Rgb(0x11, 0x22, 0x33)));
        let path = paths.theme_file("mine").display().to_string();
        let (theme, _) = load_theme(Some(&paths), Some(&path), &term);
        assert_eq!(theme.brand.fg, Some(Color::Rgb(0x11, 0x22, 0x33)));

        let (theme, warnings) = load_theme(Some(&paths), Some("solarized"), &term);
        assert_eq!(theme, Theme::default());
        assert!(warnings[0].message.contains("light"), "{warnings:?}");
        assert_eq!(warnings[0].source, "--theme solarized");
    }
}
