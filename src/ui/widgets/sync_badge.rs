//! A short word for how current a watched list is: `live`, `listing…`, `stale 12s`.

use chrono::{DateTime, Utc};
use ratatui::text::Span;

use crate::app::SyncState;
use crate::printers::human_duration;
use crate::ui::Theme;

pub fn badge(sync: &SyncState, now: DateTime<Utc>, theme: &Theme) -> Span<'static> {
    match sync {
        SyncState::Listing => Span::styled(" listing… ", theme.sync_pending),
        SyncState::Live => Span::styled(" ● live ", theme.sync_live),
        SyncState::Stale { since, .. } => Span::styled(
            format!(" ⚠ stale {} ", human_duration(now - *since)),
            theme.sync_error,
        ),
        SyncState::Unavailable(_) => Span::styled(" ✗ not readable ", theme.sync_error),
    }
}
