//! The header: where the cockpit is connected (context, cluster, server version) and, on its
//! second line, the breadcrumbs of the view stack and the favourite namespaces on 0-9.

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
    let first = Line::from(vec![
        Span::styled(" Strata ", theme.brand),
        Span::styled(" ctx ", theme.header_label),
        Span::styled(
            sanitize(&state.context.name).into_owned(),
            theme.header_value,
        ),
        Span::styled("  server ", theme.header_label),
        server,
        Span::styled("  cluster ", theme.header_label),
        Span::styled(
            sanitize(&state.context.cluster_url).into_owned(),
            theme.text,
        ),
    ]);

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
