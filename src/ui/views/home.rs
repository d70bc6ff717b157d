//! The home screen: the layers of the data stack (drawn by `ui::layers`) framed with how much
//! of it can be trusted right now — still syncing, stale since when and for which kinds — and
//! what could not be read. Health from a partial or stale picture is drawn as provisional,
//! never as plain healthy.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::state::LayersView;
use crate::cluster::layers::Freshness;
use crate::printers::human_duration;
use crate::ui::Theme;
use crate::ui::text::sanitize;

pub fn render(
    layers: &LayersView,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let mut notes: Vec<(String, Style)> = Vec::new();
    match &layers.freshness {
        Some(Freshness::Syncing { waiting }) => notes.push((
            format!(
                "⟳ syncing: still reading {}; health is not final yet",
                some_of(waiting)
            ),
            theme.sync_pending,
        )),
        Some(Freshness::Stale {
            since,
            kinds,
            error,
        }) => notes.push((
            format!(
                "⚠ stale for {}: {} could not be read since {} ({}); health shown is from before (retrying)",
                human_duration(now - *since),
                some_of(kinds),
                since.format("%H:%M:%S"),
                sanitize(error)
            ),
            theme.sync_error,
        )),
        Some(Freshness::Live) | None => {}
    }
    if let Some(filter) = &layers.filter {
        let shown = layers.shown().map_or(0, |r| r.component_count());
        notes.push((
            format!(
                "/{} — {shown} component{} shown; esc clears the filter",
                sanitize(&filter.text),
                if shown == 1 { "" } else { "s" }
            ),
            theme.muted,
        ));
    }
    if !layers.warnings.is_empty() {
        let reasons: Vec<&str> = layers.warnings.iter().map(|w| w.reason.as_str()).collect();
        notes.push((
            format!(
                "⚠ not everything could be read: {}",
                sanitize(&reasons.join("; "))
            ),
            theme.sync_pending,
        ));
    }
    // The posture's own problems (not read yet is not news on the home screen).
    notes.extend(
        crate::ui::views::security::posture_notes(&layers.posture, theme)
            .into_iter()
            .filter(|(text, _)| !text.starts_with('⟳'))
            .map(|(text, style)| (format!("security: {text}"), style)),
    );
    let rows = notes.len() as u16;
    let [body, note_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(area);
    let provisional = !layers.freshness.as_ref().is_some_and(Freshness::is_live);
    match layers.shown() {
        Some(report) => crate::ui::layers::render(
            report,
            layers.selected,
            provisional,
            layers.badges(),
            theme,
            frame,
            body,
        ),
        None => {
            let block = Block::bordered()
                .border_style(theme.border_focused)
                .title(Line::styled(" layers ", theme.title_focused));
            let inner = block.inner(body);
            frame.render_widget(block, body);
            frame.render_widget(
                Paragraph::new(Line::styled("Reading the stack…", theme.muted))
                    .wrap(Wrap { trim: true }),
                inner,
            );
        }
    }
    for (i, (text, style)) in notes.into_iter().enumerate() {
        let line = Rect {
            y: note_area.y + i as u16,
            height: 1,
            ..note_area
        };
        frame.render_widget(
            Line::styled(
                crate::ui::text::truncate(&text, usize::from(line.width)).into_owned(),
                style,
            ),
            line,
        );
    }
}

/// A few kind names, then how many more: the line stays readable on a narrow terminal.
fn some_of(kinds: &[String]) -> String {
    const SHOWN: usize = 3;
    if kinds.len() <= SHOWN + 1 {
        return kinds.join(", ");
    }
    format!(
        "{} and {} more kinds",
        kinds[..SHOWN].join(", "),
        kinds.len() - SHOWN
    )
}
