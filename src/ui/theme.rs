//! The resolved theme: one style per semantic role (`status.failed`, `selection`), never a
//! colour named at a call site. Themes are data: `themes/*.toml` are embedded in the binary and
//! user files in the config directory are laid over one of them (`Theme::from_toml`).
//!
//! A theme file maps role names to styles, one per line:
//!
//! ```toml
//! extends = "default"                       # the built-in theme the file starts from
//! "status.failed" = { fg = "red", bold = true }
//! selection = { fg = "black", bg = "#5fafd7" }
//! ```
//!
//! `[status]` / `failed = …` sections work too. Colours: the 16 ANSI names (`red`, `darkgray`,
//! `lightcyan`…, which follow the terminal's palette), `reset`, a 256-colour index (`"208"` or
//! `208`) or `"#rrggbb"`. Attributes: `bold`, `dim`, `italic`, `underlined`, `reversed`,
//! `crossed_out`. A role a file leaves out keeps the style of the theme it extends.
//!
//! [`load_theme`] builds the theme the cockpit starts with from the source `config` chose.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::printers::RowHealth;

mod load;

pub use load::load_theme;

/// The themes shipped in the binary, by the name `--theme NAME` uses.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("16color", include_str!("../../themes/16color.toml")),
    ("no-color", include_str!("../../themes/no-color.toml")),
];

/// Why a theme file could not be used; the cockpit then keeps the default theme and shows
/// this message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    #[error("the theme is not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown role {role:?} in theme; known roles: {known}", known = ROLES.join(", "))]
    UnknownRole { role: String },
    #[error(
        "unknown attribute {attribute:?} for {role:?} in theme; use fg, bg, bold, dim, \
         italic, underlined, reversed or crossed_out"
    )]
    UnknownAttribute { role: String, attribute: String },
    #[error(
        "{role}.{attribute} = {value:?} is not a colour; use an ANSI name (red, darkgray, \
         lightcyan…), reset, a 256-colour index (0-255) or #rrggbb"
    )]
    BadColor {
        role: String,
        attribute: String,
        value: String,
    },
    #[error("{role} must be a style such as {{ fg = \"red\", bold = true }}")]
    NotAStyle { role: String },
    #[error("{role}.{attribute} must be true or false")]
    BadFlag { role: String, attribute: String },
    #[error("`extends = {0:?}` names no built-in theme; use one of {known}", known = builtin_names())]
    UnknownBase(String),
}

fn builtin_names() -> String {
    let names: Vec<&str> = BUILTIN_THEMES.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}

/// Styles of the pod STATUS column, by what the status means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusStyles {
    pub running: Style,
    pub completed: Style,
    pub pending: Style,
    pub degraded: Style,
    pub failed: Style,
    pub terminating: Style,
    pub unknown: Style,
}

impl StatusStyles {
    pub fn for_health(&self, health: RowHealth) -> Style {
        match health {
            RowHealth::Running => self.running,
            RowHealth::Completed => self.completed,
            RowHealth::Pending => self.pending,
            RowHealth::Degraded => self.degraded,
            RowHealth::Failed => self.failed,
            RowHealth::Terminating => self.terminating,
            RowHealth::Unknown => self.unknown,
        }
    }
}

/// Styles of the health badges of layers and components (`health.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthStyles {
    pub healthy: Style,
    /// Rolling out, starting, or a run in progress.
    pub progressing: Style,
    pub degraded: Style,
    pub failed: Style,
    pub unknown: Style,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub text: Style,
    pub muted: Style,
    pub brand: Style,
    pub header_label: Style,
    pub header_value: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub title_focused: Style,
    pub table_header: Style,
    /// The cursor row of the focused pane.
    pub selection: Style,
    /// The cursor row of the other pane, so both positions stay visible.
    pub selection_unfocused: Style,
    /// The namespace the pods are filtered to.
    pub active_filter: Style,
    pub status: StatusStyles,
    pub health: HealthStyles,
    /// A watch is up to date.
    pub sync_live: Style,
    /// A watch is listing.
    pub sync_pending: Style,
    /// A watch failed and its rows are stale.
    pub sync_error: Style,
    pub hint_key: Style,
    pub hint_description: Style,
    /// A message the user must act on (a bad keymap or theme file, a failed action).
    pub message_error: Style,
    pub message_warning: Style,
    pub message_info: Style,
    /// Text matching the filter or search.
    pub search_match: Style,
    /// The match the search cursor is on.
    pub search_current: Style,
    /// `Name:`-style labels in describe output.
    pub describe_label: Style,
    /// Mapping keys in YAML.
    pub yaml_key: Style,
    /// A masked Secret value (`••••••`).
    pub secret_masked: Style,
    /// Group titles of the help screen.
    pub help_section: Style,
    /// Breadcrumbs (`layers › orchestration › airflow`), the last one `crumb_active`.
    pub crumb: Style,
    pub crumb_active: Style,
    /// The command and filter line.
    pub prompt: Style,
    /// Whether log lines keep the colours their programs gave them (not under `NO_COLOR`).
    pub log_colors: bool,
}

/// Every role a theme file may set, as files name it.
pub const ROLES: &[&str] = &[
    "text",
    "muted",
    "brand",
    "header.label",
    "header.value",
    "border",
    "border.focused",
    "title",
    "title.focused",
    "table.header",
    "selection",
    "selection.unfocused",
    "filter.active",
    "status.running",
    "status.completed",
    "status.pending",
    "status.degraded",
    "status.failed",
    "status.terminating",
    "status.unknown",
    "health.healthy",
    "health.progressing",
    "health.degraded",
    "health.failed",
    "health.unknown",
    "sync.live",
    "sync.pending",
    "sync.error",
    "hint.key",
    "hint.description",
    "message.error",
    "message.warning",
    "message.info",
    "search.match",
    "search.current",
    "describe.label",
    "yaml.key",
    "secret.masked",
    "help.section",
    "crumb",
    "crumb.active",
    "prompt",
];

const STYLE_ATTRIBUTES: &[&str] = &[
    "fg",
    "bg",
    "bold",
    "dim",
    "italic",
    "underlined",
    "reversed",
    "crossed_out",
];

impl Theme {
    /// The style slot of a role name (one of `ROLES`).
    fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
        Some(match role {
            "text" => &mut self.text,
            "muted" => &mut self.muted,
            "brand" => &mut self.brand,
            "header.label" => &mut self.header_label,
            "header.value" => &mut self.header_value,
            "border" => &mut self.border,
            "border.focused" => &mut self.border_focused,
            "title" => &mut self.title,
            "title.focused" => &mut self.title_focused,
            "table.header" => &mut self.table_header,
            "selection" => &mut self.selection,
            "selection.unfocused" => &mut self.selection_unfocused,
            "filter.active" => &mut self.active_filter,
            "status.running" => &mut self.status.running,
            "status.completed" => &mut self.status.completed,
            "status.pending" => &mut self.status.pending,
            "status.degraded" => &mut self.status.degraded,
            "status.failed" => &mut self.status.failed,
            "status.terminating" => &mut self.status.terminating,
            "status.unknown" => &mut self.status.unknown,
            "health.healthy" => &mut self.health.healthy,
            "health.progressing" => &mut self.health.progressing,
            "health.degraded" => &mut self.health.degraded,
            "health.failed" => &mut self.health.failed,
            "health.unknown" => &mut self.health.unknown,
            "sync.live" => &mut self.sync_live,
            "sync.pending" => &mut self.sync_pending,
            "sync.error" => &mut self.sync_error,
            "hint.key" => &mut self.hint_key,
            "hint.description" => &mut self.hint_description,
            "message.error" => &mut self.message_error,
            "message.warning" => &mut self.message_warning,
            "message.info" => &mut self.message_info,
            "search.match" => &mut self.search_match,
            "search.current" => &mut self.search_current,
            "describe.label" => &mut self.describe_label,
            "yaml.key" => &mut self.yaml_key,
            "secret.masked" => &mut self.secret_masked,
            "help.section" => &mut self.help_section,
            "crumb" => &mut self.crumb,
            "crumb.active" => &mut self.crumb_active,
            "prompt" => &mut self.prompt,
            _ => return None,
        })
    }

    /// The style of a role name, `None` for an unknown role.
    pub fn role(&self, role: &str) -> Option<Style> {
        self.clone().role_mut(role).map(|style| *style)
    }

    /// Every role unstyled except the selection (reverse video), so that a theme which cannot
    /// be read still shows where the cursor is.
    fn plain() -> Theme {
        let plain = Style::new();
        let status = StatusStyles {
            running: plain,
            completed: plain,
            pending: plain,
            degraded: plain,
            failed: plain,
            terminating: plain,
            unknown: plain,
        };
        let health = HealthStyles {
            healthy: plain,
            progressing: plain,
            degraded: plain,
            failed: plain,
            unknown: plain,
        };
        Theme {
            text: plain,
            muted: plain,
            brand: plain,
            header_label: plain,
            header_value: plain,
            border: plain,
            border_focused: plain,
            title: plain,
            title_focused: plain,
            table_header: plain,
            selection: plain.add_modifier(Modifier::REVERSED),
            selection_unfocused: plain.add_modifier(Modifier::UNDERLINED),
            active_filter: plain,
            status,
            health,
            sync_live: plain,
            sync_pending: plain,
            sync_error: plain,
            hint_key: plain,
            hint_description: plain,
            message_error: plain,
            message_warning: plain,
            message_info: plain,
            search_match: plain.add_modifier(Modifier::REVERSED),
            search_current: plain.add_modifier(Modifier::REVERSED),
            describe_label: plain,
            yaml_key: plain,
            secret_masked: plain,
            help_section: plain,
            crumb: plain,
            crumb_active: plain,
            prompt: plain,
            log_colors: true,
        }
    }

    /// A built-in theme by name (`default`, `dark` as its alias, `light`, `16color`,
    /// `no-color`).
    pub fn builtin(name: &str) -> Option<Theme> {
        let name = if name == "dark" { "default" } else { name };
        let (_, text) = BUILTIN_THEMES.iter().find(|(known, _)| *known == name)?;
        // The shipped files are covered by tests; `plain` keeps a broken build usable.
        let theme = overlay(Theme::plain(), text).unwrap_or_else(|_| Theme::plain());
        Some(Theme {
            log_colors: name != "no-color",
            ..theme
        })
    }

    /// Reads a theme file: its roles laid over the built-in theme it `extends` (`default`
    /// when it names none).
    pub fn from_toml(text: &str) -> Result<Theme, ThemeError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|error| ThemeError::Syntax(error.to_string()))?;
        let base = match table.get("extends") {
            None => "default".to_string(),
            Some(toml::Value::String(name)) => name.clone(),
            Some(other) => return Err(ThemeError::UnknownBase(format!("{other:?}"))),
        };
        let base = Theme::builtin(&base).ok_or(ThemeError::UnknownBase(base))?;
        overlay(base, text)
    }

    /// For `NO_COLOR` and monochrome terminals: meaning carried by weight and reverse video.
    pub fn no_color() -> Theme {
        Theme::builtin("no-color").unwrap_or_else(Theme::plain)
    }

    /// The theme for this environment: `no_color` when the user asked for no colour.
    pub fn for_environment(no_color: bool) -> Theme {
        if no_color {
            Theme::no_color()
        } else {
            Theme::default()
        }
    }

    /// Every style the theme sets, with its role name (tests and theme previews).
    pub fn roles(&self) -> Vec<(&'static str, Style)> {
        ROLES
            .iter()
            .filter_map(|role| Some((*role, self.role(role)?)))
            .collect()
    }
}

impl Default for Theme {
    /// The embedded `themes/default.toml` (dark background, 256 colours).
    fn default() -> Self {
        Theme::builtin("default").unwrap_or_else(Theme::plain)
    }
}

/// Applies the roles of `text` (`extends` aside) to `base`.
fn overlay(mut base: Theme, text: &str) -> Result<Theme, ThemeError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|error| ThemeError::Syntax(error.to_string()))?;
    let mut styles = Vec::new();
    for (key, value) in &table {
        if key == "extends" {
            continue;
        }
        collect_styles(key, value, &mut styles)?;
    }
    for (role, style) in styles {
        let slot = base
            .role_mut(&role)
            .ok_or_else(|| ThemeError::UnknownRole { role: role.clone() })?;
        *slot = style;
    }
    Ok(base)
}

/// Flattens `[status] failed = {…}`, `status.failed = {…}` and `"status.failed" = {…}` alike:
/// a table's style attributes are the style of its own path, its sub-tables are roles below
/// it (so `border` and `border.focused` can both be set).
fn collect_styles(
    path: &str,
    value: &toml::Value,
    out: &mut Vec<(String, Style)>,
) -> Result<(), ThemeError> {
    let toml::Value::Table(table) = value else {
        return Err(ThemeError::NotAStyle {
            role: path.to_string(),
        });
    };
    let mut style = Style::new();
    let mut has_style = table.is_empty();
    for (key, value) in table {
        if STYLE_ATTRIBUTES.contains(&key.as_str()) {
            has_style = true;
            style = apply_attribute(style, path, key, value)?;
        } else if let toml::Value::Table(_) = value {
            collect_styles(&format!("{path}.{key}"), value, out)?;
        } else {
            return Err(ThemeError::UnknownAttribute {
                role: path.to_string(),
                attribute: key.clone(),
            });
        }
    }
    if has_style {
        out.push((path.to_string(), style));
    }
    Ok(())
}

fn apply_attribute(
    style: Style,
    role: &str,
    attribute: &str,
    value: &toml::Value,
) -> Result<Style, ThemeError> {
    let bad_color = || ThemeError::BadColor {
        role: role.to_string(),
        attribute: attribute.to_string(),
        value: match value {
            toml::Value::String(text) => text.clone(),
            other => format!("{other:?}"),
        },
    };
    if attribute == "fg" || attribute == "bg" {
        let color = match value {
            toml::Value::String(text) => Color::from_str(text).map_err(|_| bad_color())?,
            toml::Value::Integer(index) => {
                Color::Indexed(u8::try_from(*index).map_err(|_| bad_color())?)
            }
            _ => return Err(bad_color()),
        };
        return Ok(if attribute == "fg" {
            style.fg(color)
        } else {
            style.bg(color)
        });
    }
    let toml::Value::Boolean(on) = value else {
        return Err(ThemeError::BadFlag {
            role: role.to_string(),
            attribute: attribute.to_string(),
        });
    };
    let modifier = match attribute {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        _ => Modifier::CROSSED_OUT,
    };
    Ok(if *on {
        style.add_modifier(modifier)
    } else {
        style.remove_modifier(modifier)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped file must set every role, so that no theme silently inherits a colour
    /// meant for another background.
    #[test]
    fn the_shipped_themes_set_every_role() {
        for (name, text) in BUILTIN_THEMES {
            let table: toml::Table = toml::from_str(text).unwrap();
            let mut styles = Vec::new();
            for (key, value) in &table {
                collect_styles(key, value, &mut styles).unwrap();
            }
            for role in ROLES {
                assert!(
                    styles.iter().any(|(set, _)| set == role),
                    "{name} does not set {role}"
                );
            }
            assert!(overlay(Theme::plain(), text).is_ok(), "{name}");
        }
    }

    #[test]
    fn every_role_has_a_slot() {
        let mut theme = Theme::plain();
        for role in ROLES {
            assert!(theme.role_mut(role).is_some(), "{role}");
        }
        assert!(theme.role_mut("status.exploded").is_none());
    }

    #[test]
    fn no_color_sets_no_colour_at_all() {
        for (role, style) in Theme::for_environment(true).roles() {
            assert_eq!((style.fg, style.bg), (None, None), "{role}");
        }
    }

    #[test]
    fn the_16_colour_theme_uses_only_the_ansi_names() {
        let theme = Theme::builtin("16color").unwrap();
        for (role, style) in theme.roles() {
            for color in [style.fg, style.bg].into_iter().flatten() {
                assert!(
                    !matches!(color, Color::Indexed(_) | Color::Rgb(..)),
                    "{role}: {color:?}"
                );
            }
        }
    }

    #[test]
    fn failures_stand_out_from_running_pods() {
        for (name, _) in BUILTIN_THEMES {
            let theme = Theme::builtin(name).unwrap();
            assert_ne!(theme.status.failed, theme.status.running, "{name}");
            assert_ne!(theme.selection, theme.text, "{name}");
            assert_ne!(theme.health.failed, theme.health.healthy, "{name}");
            assert_ne!(theme.search_match, theme.text, "{name}");
        }
    }

    #[test]
    fn a_user_file_overrides_some_roles_of_its_base() {
        let text = r##"
            extends = "light"
            "status.failed" = { fg = "#ff0000", bold = true }
            [health]
            healthy = { fg = 34 }
            [border]
            fg = "blue"
            focused = { fg = "light-cyan" }
        "##;
        let theme = Theme::from_toml(text).unwrap();
        let light = Theme::builtin("light").unwrap();
        assert_eq!(
            theme.status.failed,
            Style::new()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.health.healthy, Style::new().fg(Color::Indexed(34)));
        assert_eq!(theme.border, Style::new().fg(Color::Blue));
        assert_eq!(theme.border_focused, Style::new().fg(Color::LightCyan));
        assert_eq!(theme.selection, light.selection);
        // Without `extends`, the default.
        let theme = Theme::from_toml("muted = { dim = true }").unwrap();
        assert_eq!(theme.selection, Theme::default().selection);
        assert_eq!(theme.muted, Style::new().add_modifier(Modifier::DIM));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let cases: [(&str, &str); 7] = [
            ("selection = { fg = ", "TOML"),
            ("\"status.exploded\" = { fg = \"red\" }", "status.exploded"),
            ("selection = { fg = \"reddish\" }", "reddish"),
            ("selection = { fg = 300 }", "300"),
            ("selection = { blink = true }", "blink"),
            ("selection = { bold = \"yes\" }", "true or false"),
            ("extends = \"solarized\"", "solarized"),
        ];
        for (text, needle) in cases {
            let error = Theme::from_toml(text).unwrap_err().to_string();
            assert!(error.contains(needle), "{text}: {error}");
        }
        let error = Theme::from_toml("selection = \"red\"").unwrap_err();
        assert!(matches!(error, ThemeError::NotAStyle { .. }), "{error:?}");
        assert!(error.to_string().contains("fg = \"red\""), "{error}");
    }

    #[test]
    fn the_aliases_resolve() {
        assert_eq!(Theme::builtin("dark"), Theme::builtin("default"));
        assert!(Theme::builtin("solarized").is_none());
        assert_eq!(Theme::default(), Theme::builtin("default").unwrap());
    }
}
