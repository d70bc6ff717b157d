//! The resolved theme: one style per semantic role (`status.failed`, `selection`), never a
//! colour named at a call site. The defaults use the 16 named ANSI colours so they follow the
//! user's terminal palette and survive SSH, tmux and screen; `no_color` uses only bold, dim and
//! reverse.

use ratatui::style::{Color, Modifier, Style};

use crate::cluster::PodHealth;

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
    pub fn for_health(&self, health: PodHealth) -> Style {
        match health {
            PodHealth::Running => self.running,
            PodHealth::Completed => self.completed,
            PodHealth::Pending => self.pending,
            PodHealth::Degraded => self.degraded,
            PodHealth::Failed => self.failed,
            PodHealth::Terminating => self.terminating,
            PodHealth::Unknown => self.unknown,
        }
    }
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
    /// A watch is up to date.
    pub sync_live: Style,
    /// A watch is listing.
    pub sync_pending: Style,
    /// A watch failed and its rows are stale.
    pub sync_error: Style,
    pub hint_key: Style,
    pub hint_description: Style,
}

impl Default for Theme {
    fn default() -> Self {
        let plain = Style::new();
        Theme {
            text: plain,
            muted: plain.fg(Color::DarkGray),
            brand: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header_label: plain.fg(Color::DarkGray),
            header_value: plain.fg(Color::White).add_modifier(Modifier::BOLD),
            border: plain.fg(Color::DarkGray),
            border_focused: plain.fg(Color::Cyan),
            title: plain.fg(Color::Gray),
            title_focused: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            table_header: plain.fg(Color::Gray).add_modifier(Modifier::BOLD),
            selection: plain.fg(Color::Black).bg(Color::Cyan),
            selection_unfocused: plain.add_modifier(Modifier::REVERSED),
            active_filter: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            status: StatusStyles {
                running: plain.fg(Color::Green),
                completed: plain.fg(Color::Blue),
                pending: plain.fg(Color::Yellow),
                degraded: plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                failed: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
                terminating: plain.fg(Color::Magenta),
                unknown: plain.fg(Color::DarkGray),
            },
            sync_live: plain.fg(Color::Green),
            sync_pending: plain.fg(Color::Yellow),
            sync_error: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
            hint_key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            hint_description: plain.fg(Color::Gray),
        }
    }
}

impl Theme {
    /// For `NO_COLOR` and monochrome terminals: meaning carried by weight and reverse video.
    pub fn no_color() -> Theme {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let dim = plain.add_modifier(Modifier::DIM);
        Theme {
            text: plain,
            muted: dim,
            brand: bold,
            header_label: dim,
            header_value: bold,
            border: plain,
            border_focused: bold,
            title: plain,
            title_focused: bold.add_modifier(Modifier::UNDERLINED),
            table_header: bold,
            selection: plain.add_modifier(Modifier::REVERSED),
            selection_unfocused: plain.add_modifier(Modifier::UNDERLINED),
            active_filter: bold,
            status: StatusStyles {
                running: plain,
                completed: dim,
                pending: plain,
                degraded: bold,
                failed: bold.add_modifier(Modifier::UNDERLINED),
                terminating: dim,
                unknown: dim,
            },
            sync_live: plain,
            sync_pending: plain,
            sync_error: bold,
            hint_key: bold,
            hint_description: plain,
        }
    }

    /// The theme for this environment: `no_color` when the user asked for no colour.
    pub fn for_environment(no_color: bool) -> Theme {
        if no_color {
            Theme::no_color()
        } else {
            Theme::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(theme: &Theme) -> Vec<Style> {
        let s = &theme.status;
        vec![
            theme.text,
            theme.muted,
            theme.selection,
            theme.selection_unfocused,
            theme.sync_error,
            s.running,
            s.completed,
            s.pending,
            s.degraded,
            s.failed,
            s.terminating,
            s.unknown,
        ]
    }

    /// The theme files users copy must name every role the code styles.
    #[test]
    fn the_theme_files_name_every_role() {
        let roles = [
            "text",
            "muted",
            "brand",
            "header_label",
            "header_value",
            "border",
            "border_focused",
            "title",
            "title_focused",
            "table_header",
            "selection",
            "selection_unfocused",
            "active_filter",
            "running",
            "completed",
            "pending",
            "degraded",
            "failed",
            "terminating",
            "unknown",
            "sync_live",
            "sync_pending",
            "sync_error",
            "hint_key",
            "hint_description",
        ];
        let debug = format!("{:?}", Theme::default());
        for file in [
            include_str!("../../themes/default.toml"),
            include_str!("../../themes/no-color.toml"),
        ] {
            for role in roles {
                assert!(
                    debug.contains(&format!("{role}: ")),
                    "{role} is not a Theme role"
                );
                assert!(
                    file.lines()
                        .any(|line| line.starts_with(&format!("{role} = "))),
                    "{role} missing from a theme file"
                );
            }
        }
    }

    #[test]
    fn no_color_sets_no_colour_at_all() {
        for style in styles(&Theme::for_environment(true)) {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
    }

    #[test]
    fn failures_stand_out_from_running_pods() {
        for theme in [Theme::default(), Theme::no_color()] {
            assert_ne!(theme.status.failed, theme.status.running);
            assert_ne!(theme.selection, theme.text);
        }
    }
}
