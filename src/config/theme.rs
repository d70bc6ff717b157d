//! Choosing the theme: `--theme NAME|PATH` first; otherwise no colour when `NO_COLOR` is set,
//! else the user's `theme.toml` laid over the default for the terminal's colour depth
//! (`16color` when TERM does not promise 256 colours, as on the Linux console or GNU screen).
//! A file that cannot be used falls back to that default with a warning.

use std::path::Path;

use super::{ConfigPaths, ConfigWarning, is_path, no_color_requested, read};
use crate::ui::Theme;
use crate::ui::theme::BUILTIN_THEMES;

/// What the environment says about colour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermEnv {
    /// `NO_COLOR` is set (<https://no-color.org>).
    pub no_color: bool,
    pub term: Option<String>,
    pub colorterm: Option<String>,
    pub term_program: Option<String>,
}

impl TermEnv {
    pub fn from_process() -> TermEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        TermEnv {
            no_color: no_color_requested(std::env::var_os("NO_COLOR").as_deref()),
            term: var("TERM"),
            colorterm: var("COLORTERM"),
            term_program: var("TERM_PROGRAM"),
        }
    }

    /// Whether the terminal may show only the 16 ANSI colours. Terminals that can do more say
    /// so in TERM (`xterm-256color`, `tmux-256color`, `*-direct`), COLORTERM or TERM_PROGRAM;
    /// when they do not (`linux`, `screen`, `vt100`, a bare `xterm`), 256-colour indices may
    /// come out as the wrong colours, so we stay with the names (k9s#2810).
    pub fn limited_colours(&self) -> bool {
        if self
            .colorterm
            .as_deref()
            .is_some_and(|c| c == "truecolor" || c == "24bit")
            || self.term_program.is_some()
        {
            return false;
        }
        match self.term.as_deref() {
            // No TERM at all: not a Unix terminal (Windows); its consoles do 256 colours.
            None => false,
            Some(term) => ![
                "256color",
                "direct",
                "truecolor",
                "kitty",
                "alacritty",
                "wezterm",
                "foot",
                "ghostty",
            ]
            .iter()
            .any(|marker| term.contains(marker)),
        }
    }

    /// The built-in theme for this terminal when nobody chose one.
    fn automatic(&self) -> &'static str {
        if self.no_color {
            "no-color"
        } else if self.limited_colours() {
            "16color"
        } else {
            "default"
        }
    }
}

/// The theme for `choice` (the `--theme` flag) in `env`, and what went wrong on the way.
pub fn load_theme(
    paths: Option<&ConfigPaths>,
    choice: Option<&str>,
    env: &TermEnv,
) -> (Theme, Vec<ConfigWarning>) {
    let mut warnings = Vec::new();
    let automatic = env.automatic();
    let fallback = || Theme::builtin(automatic).unwrap_or_default();
    // An explicit choice beats NO_COLOR, as no-color.org asks of command-line flags.
    if let Some(choice) = choice {
        let source = format!("--theme {choice}");
        let file = if is_path(choice) {
            Some(Path::new(choice).to_path_buf())
        } else {
            paths
                .map(|paths| paths.theme_file(choice))
                .filter(|file| file.is_file())
        };
        if let Some(file) = file {
            return match read(&file).and_then(|text| parse(&file, &text, automatic)) {
                Ok(theme) => (theme, warnings),
                Err(warning) => {
                    warnings.push(warning);
                    (fallback(), warnings)
                }
            };
        }
        if let Some(theme) = Theme::builtin(choice) {
            return (theme, warnings);
        }
        let names: Vec<&str> = BUILTIN_THEMES.iter().map(|(name, _)| *name).collect();
        let mut message = format!("no theme named {choice:?}; built in: {}", names.join(", "));
        if let Some(paths) = paths {
            message.push_str(&format!(
                ", or save yours as {}",
                paths.theme_file(choice).display()
            ));
        }
        message.push_str(&format!(" (using {automatic})"));
        warnings.push(ConfigWarning::new(source, message));
        return (fallback(), warnings);
    }
    if env.no_color {
        return (fallback(), warnings);
    }
    if let Some(file) = paths
        .map(ConfigPaths::user_theme_file)
        .filter(|file| file.is_file())
    {
        return match read(&file).and_then(|text| parse(&file, &text, automatic)) {
            Ok(theme) => (theme, warnings),
            Err(warning) => {
                warnings.push(warning);
                (fallback(), warnings)
            }
        };
    }
    (fallback(), warnings)
}

/// A user theme file; without `extends` it starts from the automatic theme.
fn parse(file: &Path, text: &str, automatic: &str) -> Result<Theme, ConfigWarning> {
    let with_base;
    let text = if has_extends(text) {
        text
    } else {
        with_base = format!("extends = {automatic:?}\n{text}");
        &with_base
    };
    Theme::from_toml(text).map_err(|error| {
        ConfigWarning::new(
            file.display().to_string(),
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
    fn colour_depth_follows_the_terminal() {
        for term in [
            "xterm-256color",
            "tmux-256color",
            "screen-256color",
            "xterm-kitty",
        ] {
            assert!(!env(term).limited_colours(), "{term}");
        }
        for term in ["linux", "screen", "vt100", "xterm"] {
            assert!(env(term).limited_colours(), "{term}");
        }
        let truecolor = TermEnv {
            colorterm: Some("truecolor".into()),
            ..env("screen")
        };
        assert!(!truecolor.limited_colours());
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
