//! The header: where the cockpit is connected (context, cluster URL, namespace, server
//! version) and, on its second line, the most urgent connection problem if there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, ServerStatus, SyncState};
use crate::cluster::NamespaceScope;
use crate::ui::Theme;
use crate::ui::text::sanitize;

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let namespace = match &state.pods.scope {
        NamespaceScope::All => "all".to_string(),
        NamespaceScope::Only(name) => sanitize(name).into_owned(),
    };
    let server = match &state.server {
        ServerStatus::Connecting => Span::styled("connecting…", theme.sync_pending),
        ServerStatus::Reachable(version) => {
            Span::styled(sanitize(version).into_owned(), theme.header_value)
        }
        ServerStatus::Unreachable(_) => Span::styled("unreachable", theme.sync_error),
    };
    let first = Line::from(vec![
        Span::styled(" Strata ", theme.brand),
        Span::styled(" context ", theme.header_label),
        Span::styled(
            sanitize(&state.context.name).into_owned(),
            theme.header_value,
        ),
        Span::styled("  namespace ", theme.header_label),
        Span::styled(namespace, theme.header_value),
        Span::styled("  server ", theme.header_label),
        server,
    ]);
    let mut second = vec![
        Span::styled(" cluster ", theme.header_label),
        Span::styled(
            sanitize(&state.context.cluster_url).into_owned(),
            theme.text,
        ),
    ];
    if let Some(problem) = problem(state) {
        second.push(Span::raw("  "));
        second.push(Span::styled(
            format!("✗ {}", sanitize(problem)),
            theme.sync_error,
        ));
    }
    frame.render_widget(Paragraph::new(vec![first, Line::from(second)]), area);
}

/// The one message an operator should read first: the server, then pods, then namespaces.
fn problem(state: &AppState) -> Option<&str> {
    if let ServerStatus::Unreachable(error) = &state.server {
        return Some(error);
    }
    [&state.pods.sync, &state.namespaces.sync]
        .into_iter()
        .find_map(|sync| match sync {
            SyncState::Stale { error, .. } => Some(error.as_str()),
            _ => None,
        })
}
