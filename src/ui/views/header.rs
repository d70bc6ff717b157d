//! The header: where the cockpit is connected (context, its PRODUCTION and READ-ONLY badges,
//! cluster, server version) and, on its second line, the breadcrumbs of the view stack and the
//! favourite namespaces on 0-9.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, ServerStatus};
use crate::cluster::NamespaceScope;
use crate::ui::Theme;
use crate::ui::text::{sanitize, truncate, width};

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let server = match &state.server {
        ServerStatus::Connecting => Span::styled("connecting…", theme.sync_pending),
        ServerStatus::Reachable(version) => {
            Span::styled(sanitize(version).into_owned(), theme.header_value)
        }
        ServerStatus::Unreachable(_) => Span::styled("unreachable", theme.sync_error),
    };
    let badges = badges(state, theme);
    // The badges must survive a narrow terminal and a long context name (EKS ARNs): the
    // name gives way first.
    let fixed = width(" Strata ") + width(" ctx ") + badges.iter().map(Span::width).sum::<usize>();
    let room = usize::from(area.width).saturating_sub(fixed).max(12);
    let mut first = vec![
        Span::styled(" Strata ", theme.brand),
        Span::styled(" ctx ", theme.header_label),
        Span::styled(
            truncate(&sanitize(&state.context.name), room).into_owned(),
            theme.header_value,
        ),
    ];
    first.extend(badges);
    first.extend([
        Span::styled("  server ", theme.header_label),
        server,
        Span::styled("  cluster ", theme.header_label),
        Span::styled(
            sanitize(&state.context.cluster_url).into_owned(),
            theme.text,
        ),
    ]);
    let first = Line::from(first);

    // Breadcrumbs first (where am I), favourites with what room is left.
    let crumbs: Vec<String> = state
        .breadcrumbs()
        .iter()
        .map(|c| sanitize(c).into_owned())
        .collect();
    let mut spans = vec![Span::raw(" ")];
    let last = crumbs.len().saturating_sub(1);
    for (i, crumb) in crumbs.iter().enumerate() {
        let style = if i == last {
            theme.crumb_active
        } else {
            theme.crumb
        };
        spans.push(Span::styled(
            format!("<{}>", crate::ui::text::truncate(crumb, 40)),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let available = usize::from(area.width).saturating_sub(used + 2);
    spans.extend(favorites(state, theme, available));
    frame.render_widget(Paragraph::new(vec![first, Line::from(spans)]), area);
}

/// ` PRODUCTION ` and ` READ-ONLY ` after the context name, in the error and warning
/// styles; words, so they read the same without colour.
fn badges(state: &AppState, theme: &Theme) -> Vec<Span<'static>> {
    let policy = state.context_policy();
    let mut spans = Vec::new();
    if policy.is_production() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" PRODUCTION ", theme.message_error));
    }
    if policy.is_readonly() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", theme.message_warning));
    }
    spans
}

/// `0 all  1 ingestion  2 orchestration…`, the current one marked, as many as fit.
fn favorites(state: &AppState, theme: &Theme, available: usize) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw("  ")];
    let mut used = 2;
    let entries = std::iter::once(("0".to_string(), "all".to_string(), NamespaceScope::All)).chain(
        state.favorites.iter().enumerate().map(|(i, name)| {
            (
                (i + 1).to_string(),
                sanitize(name).into_owned(),
                NamespaceScope::Only(name.clone()),
            )
        }),
    );
    for (key, name, scope) in entries {
        let name = truncate(&name, 16).into_owned();
        let needed = width(&key) + 1 + width(&name) + 2;
        if used + needed > available {
            break;
        }
        let style = if state.scope == scope {
            theme.active_filter
        } else {
            theme.hint_description
        };
        spans.push(Span::styled(key, theme.hint_key));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(name, style));
        spans.push(Span::raw("  "));
        used += needed;
    }
    spans
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    use super::*;
    use crate::app::{AppState, ContextInfo, Keymap};
    use crate::config::settings::parse_settings;
    use crate::guard::Policies;

    fn state(context: &str, config_toml: &str, cli_readonly: bool) -> AppState {
        let mut state = AppState::new(
            ContextInfo {
                name: context.into(),
                cluster_url: "https://10.0.0.1:6443/".into(),
            },
            NamespaceScope::All,
            Keymap::builtin(),
            Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap(),
        );
        state.server = ServerStatus::Reachable("v1.35.0".into());
        state.policies = Policies::new(&parse_settings(config_toml).unwrap(), cli_readonly);
        state
    }

    fn header(state: &AppState, theme: &Theme, width: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, 2)).unwrap();
        terminal
            .draw(|frame| render(state, theme, frame, frame.area()))
            .unwrap();
        terminal.backend().buffer().clone()
    }

    fn first_line(buffer: &Buffer) -> String {
        (0..buffer.area.width)
            .map(|x| buffer[(x, 0)].symbol())
            .collect()
    }

    /// The style of the first cell of `needle` on the first line.
    fn style_of(buffer: &Buffer, needle: &str) -> ratatui::style::Style {
        let line = first_line(buffer);
        let at = line
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not in {line:?}"));
        buffer[(line[..at].chars().count() as u16, 0)].style()
    }

    #[test]
    fn production_and_read_only_show_at_a_glance() {
        let state = state("prod-eu", "", true);
        for width in [120, 80] {
            let buffer = header(&state, &Theme::default(), width);
            let lines: Vec<String> = (0..2)
                .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
                .collect();
            insta::assert_snapshot!(format!("production_read_only_{width}"), lines.join("\n"));
            let theme = Theme::default();
            // The cell also carries the underline colour the backend resets; compare what shows.
            let shown = |style: ratatui::style::Style| (style.fg, style.bg, style.add_modifier);
            assert_eq!(
                shown(style_of(&buffer, "PRODUCTION")),
                shown(theme.message_error)
            );
            assert_eq!(
                shown(style_of(&buffer, "READ-ONLY")),
                shown(theme.message_warning)
            );
        }
    }

    #[test]
    fn an_ordinary_context_has_no_badge_and_the_config_decides() {
        let line = first_line(&header(
            &state("staging", "", false),
            &Theme::default(),
            120,
        ));
        assert!(
            !line.contains("PRODUCTION") && !line.contains("READ-ONLY"),
            "{line}"
        );
        // Production by config, read-only by config; a prod-named context the config clears.
        let config = "[contexts.acme-live]\nproduction = true\nreadonly = true\n\
                      [contexts.prod-sandbox]\nproduction = false\n";
        let line = first_line(&header(
            &state("acme-live", config, false),
            &Theme::default(),
            120,
        ));
        assert!(
            line.contains("PRODUCTION") && line.contains("READ-ONLY"),
            "{line}"
        );
        let line = first_line(&header(
            &state("prod-sandbox", config, false),
            &Theme::default(),
            120,
        ));
        assert!(!line.contains("PRODUCTION"), "{line}");
    }

    #[test]
    fn badges_survive_a_long_context_name_without_colour() {
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/acme-data-platform-prod";
        let buffer = header(&state(arn, "", true), &Theme::no_color(), 80);
        let line = first_line(&buffer);
        assert!(
            line.contains(" PRODUCTION ") && line.contains(" READ-ONLY "),
            "{line}"
        );
        assert!(
            line.contains("arn:aws:eks:"),
            "the name is cut, not dropped: {line}"
        );
        assert!(line.contains('…'), "{line}");
    }
}
