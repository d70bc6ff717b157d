//! Choosing the theme: `--theme NAME|PATH` first; otherwise no colour when `NO_COLOR` is set,
//! else the user's `theme.toml` laid over the default for the terminal's colour depth
//! (`16color` when TERM does not promise 256 colours, as on the Linux console or GNU screen).
//! A file that cannot be used falls back to that default with a warning. The theme itself is
//! built from the chosen source by `ui::theme::load_theme`.

use std::path::Path;

use super::{ConfigPaths, ConfigText, ConfigWarning, is_path, no_color_requested, read};

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
    pub fn automatic(&self) -> &'static str {
        if self.no_color {
            "no-color"
        } else if self.limited_colours() {
            "16color"
        } else {
            "default"
        }
    }
}

/// Where the theme comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThemeSource {
    /// A built-in theme by name: the one chosen, or the automatic one.
    Builtin(String),
    /// A theme file. Without `extends` it is laid over `automatic`, which is also the
    /// fallback should the file not parse.
    File {
        file: ConfigText,
        automatic: &'static str,
    },
}

/// The themes shipped in the binary, as the caller knows them.
#[derive(Clone, Copy)]
pub struct BuiltinThemes<'a> {
    /// The names listed when a choice matches nothing.
    pub names: &'a [&'a str],
    /// Whether a name picks a built-in theme (aliases included).
    pub is_builtin: fn(&str) -> bool,
}

/// The theme source for `choice` (the `--theme` flag) in `env`, and what went wrong on the
/// way (each problem falls back to the automatic built-in theme).
pub fn choose_theme(
    paths: Option<&ConfigPaths>,
    choice: Option<&str>,
    env: &TermEnv,
    builtin: BuiltinThemes<'_>,
) -> (ThemeSource, Vec<ConfigWarning>) {
    let mut warnings = Vec::new();
    let automatic = env.automatic();
    let fallback = || ThemeSource::Builtin(automatic.to_string());
    let from_file = |file: &Path, warnings: &mut Vec<ConfigWarning>| match read(file) {
        Ok(text) => ThemeSource::File {
            file: ConfigText {
                source: file.display().to_string(),
                text,
            },
            automatic,
        },
        Err(warning) => {
            warnings.push(warning);
            fallback()
        }
    };
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
            let source = from_file(&file, &mut warnings);
            return (source, warnings);
        }
        if (builtin.is_builtin)(choice) {
            return (ThemeSource::Builtin(choice.to_string()), warnings);
        }
        let mut message = format!(
            "no theme named {choice:?}; built in: {}",
            builtin.names.join(", ")
        );
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
        let source = from_file(&file, &mut warnings);
        return (source, warnings);
    }
    (fallback(), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: BuiltinThemes<'static> = BuiltinThemes {
        names: &["default", "light", "16color", "no-color"],
        is_builtin: |name| ["default", "light", "16color", "no-color", "dark"].contains(&name),
    };

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

    fn builtin(name: &str) -> ThemeSource {
        ThemeSource::Builtin(name.into())
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
        assert_eq!(
            choose_theme(None, None, &env("linux"), BUILTIN).0,
            builtin("16color")
        );
        assert_eq!(
            choose_theme(None, None, &env("xterm-256color"), BUILTIN).0,
            builtin("default")
        );
    }

    #[test]
    fn no_color_wins_over_the_user_theme_but_not_over_the_flag() {
        let no_color = TermEnv {
            no_color: true,
            ..env("xterm-256color")
        };
        let (_dir, paths) = setup();
        std::fs::write(paths.user_theme_file(), "muted = { fg = \"red\" }").unwrap();
        let (source, warnings) = choose_theme(Some(&paths), None, &no_color, BUILTIN);
        assert!(warnings.is_empty());
        assert_eq!(source, builtin("no-color"));
        let (source, _) = choose_theme(Some(&paths), Some("light"), &no_color, BUILTIN);
        assert_eq!(source, builtin("light"));
    }

    #[test]
    fn the_user_theme_builds_on_the_automatic_one() {
        let (_dir, paths) = setup();
        std::fs::write(paths.user_theme_file(), "muted = { fg = \"red\" }").unwrap();
        let (source, warnings) = choose_theme(Some(&paths), None, &env("linux"), BUILTIN);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            source,
            ThemeSource::File {
                file: ConfigText {
                    source: paths.user_theme_file().display().to_string(),
                    text: "muted = { fg = \"red\" }".into()
                },
                automatic: "16color"
            }
        );
    }

    #[test]
    fn the_flag_picks_a_path_a_saved_theme_then_a_builtin() {
        let (_dir, paths) = setup();
        let term = env("xterm-256color");
        let file_text = |source: ThemeSource| match source {
            ThemeSource::File { file, .. } => file.text,
            other => panic!("{other:?}"),
        };
        for name in ["light", "dark"] {
            assert_eq!(
                choose_theme(Some(&paths), Some(name), &term, BUILTIN).0,
                builtin(name)
            );
        }
        // A theme saved under a built-in's name wins over the built-in.
        std::fs::write(paths.theme_file("light"), "# mine").unwrap();
        let (source, _) = choose_theme(Some(&paths), Some("light"), &term, BUILTIN);
        assert_eq!(file_text(source), "# mine");
        let path = paths.theme_file("light").display().to_string();
        let (source, _) = choose_theme(None, Some(&path), &term, BUILTIN);
        assert_eq!(file_text(source), "# mine");
    }

    #[test]
    fn an_unknown_name_or_unreadable_file_falls_back_with_a_warning() {
        let (_dir, paths) = setup();
        let (source, warnings) =
            choose_theme(Some(&paths), Some("solarized"), &env("linux"), BUILTIN);
        assert_eq!(source, builtin("16color"));
        assert_eq!(warnings[0].source, "--theme solarized");
        assert!(warnings[0].message.contains("light"), "{warnings:?}");
        assert!(
            warnings[0].message.contains("(using 16color)"),
            "{warnings:?}"
        );
        let (source, warnings) = choose_theme(
            None,
            Some("/nonexistent/theme.toml"),
            &env("xterm"),
            BUILTIN,
        );
        assert_eq!(source, builtin("16color"));
        assert!(warnings[0].message.contains("cannot read"), "{warnings:?}");
    }
}
