//! The log viewer: a title with what is followed and whether it is (following, or paused with
//! the lines that came since), a header row with the run's decoded progress and the sources'
//! troubles, then the lines — each prefixed by its pod/container when there are several, in
//! the colours the program gave them (never its escape sequences), errors and warnings
//! marked, search hits highlighted, JSON optionally indented, long lines optionally wrapped.
//! Only the lines on screen are styled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::app::logs::LogView;
use crate::logs::{Level, LogColor, LogLine, Outcome, StyleRun, pretty_json};
use crate::ui::Theme;
use crate::ui::text::sanitize;

/// Source prefixes cycle through these, so lines of one pod read as one column of colour.
const SOURCE_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Magenta,
    Color::Yellow,
    Color::Blue,
    Color::Green,
    Color::LightRed,
];

pub fn render(view: &LogView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(
            format!(" {} ", sanitize(&view.title)),
            theme.title_focused,
        ))
        .title_top(status(view, theme).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let header = Rect { height: 1, ..inner };
    frame.render_widget(Paragraph::new(header_line(view, theme)), header);
    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    if view.is_empty() {
        let note = if view.sources.is_empty() && view.all_sources_listed {
            "No pod yet; its pods are followed as they start.".to_string()
        } else if view.sources.is_empty() {
            "Finding the pods…".to_string()
        } else if view.search.is_some() && view.only_matching {
            "No line matches.".to_string()
        } else {
            format!("No lines yet ({}).", view.window.label())
        };
        frame.render_widget(Paragraph::new(Line::styled(note, theme.muted)), body);
        return;
    }
    let lines = visible_lines(view, theme, body.width, usize::from(body.height));
    frame.render_widget(Paragraph::new(lines), body);
}

/// Right of the title: following or paused, the window, the search's hits.
fn status(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(search) = &view.search {
        let hits = view.hit_count();
        let text = if hits == 0 {
            format!(" /{}: no match ", sanitize(&search.filter.text))
        } else if view.only_matching {
            format!(" /{}: {hits} lines ", sanitize(&search.filter.text))
        } else {
            format!(" /{}: {hits} hits ", sanitize(&search.filter.text))
        };
        spans.push(Span::styled(text, theme.active_filter));
    }
    let mut mode = String::new();
    if view.previous {
        mode.push_str("previous · ");
    }
    mode.push_str(&view.window.label());
    spans.push(Span::styled(format!(" {mode} "), theme.muted));
    if view.follow {
        spans.push(Span::styled(" ● following ", theme.sync_live));
    } else if view.unseen > 0 {
        spans.push(Span::styled(
            format!(" ‖ paused · {} new ", view.unseen),
            theme.sync_pending,
        ));
    } else {
        spans.push(Span::styled(" ‖ paused ", theme.sync_pending));
    }
    Line::from(spans)
}

/// The row under the title: the run's progress (or the sources), then what went wrong.
fn header_line(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    match &view.progress {
        Some(progress) if !progress.headline.is_empty() => {
            // Why it failed comes first: it is what the operator opened the logs for.
            if let Some(reason) = &progress.reason {
                spans.push(Span::styled(
                    format!("✖ {} · ", sanitize(reason)),
                    theme.health.failed,
                ));
            }
            let style = match progress.finished {
                Some(Outcome::Failed) if progress.reason.is_some() => theme.muted,
                Some(Outcome::Failed) => theme.health.failed,
                Some(Outcome::Succeeded) => theme.health.healthy,
                None => theme.text,
            };
            spans.push(Span::styled(
                sanitize(&progress.headline).into_owned(),
                style,
            ));
        }
        _ => {
            let pods = {
                let mut pods: Vec<&str> = view.sources.iter().map(|s| s.pod.as_str()).collect();
                pods.sort_unstable();
                pods.dedup();
                pods.len()
            };
            spans.push(Span::styled(
                format!(
                    "{} container(s) in {pods} pod(s) · {} lines",
                    view.sources.len(),
                    view.buffer.len()
                ),
                theme.muted,
            ));
        }
    }
    if view.ended() {
        spans.push(Span::styled(" · ended", theme.muted));
    }
    let resumed: u32 = view.sources.iter().map(|s| s.resumed).sum();
    if resumed > 0 {
        spans.push(Span::styled(
            format!(" · ↻ resumed {resumed}×"),
            theme.muted,
        ));
    }
    if let Some((index, problem)) = view
        .sources
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.problem.as_ref().map(|p| (i, p)))
    {
        spans.push(Span::styled(
            format!(
                " · ⚠ {}: {}",
                sanitize(&view.label(index as u16)),
                sanitize(problem)
            ),
            theme.message_warning,
        ));
    }
    if view.dropped > 0 {
        spans.push(Span::styled(
            format!(" · ⚠ {} lines dropped (too fast to keep up)", view.dropped),
            theme.message_warning,
        ));
    }
    if let Some(error) = view.buffer.spool_error() {
        spans.push(Span::styled(format!(" · ✖ {error}"), theme.message_warning));
    }
    if view.buffer.evicted() > 0 {
        let said = match view.buffer.spool_path() {
            Some(path) if view.buffer.spooled() > 0 => format!(
                " · oldest {} lines let go, {} kept in {}",
                view.buffer.evicted(),
                view.buffer.spooled(),
                path.display()
            ),
            _ => format!(" · oldest {} lines let go", view.buffer.evicted()),
        };
        spans.push(Span::styled(said, theme.muted));
    }
    Line::from(spans)
}

/// The screen's rows. Following, the newest lines fill the screen from the bottom; paused,
/// lines run from the first one shown, moved down when the cursor would fall off the end
/// (indented JSON and wrapped lines take several rows).
fn visible_lines(view: &LogView, theme: &Theme, width: u16, rows: usize) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let render = |position: usize| -> Vec<Line<'static>> {
        let Some(index) = view.index_at(position) else {
            return Vec::new();
        };
        let Some(line) = view.buffer.get(index) else {
            return Vec::new();
        };
        let selected = !view.follow
            && match view.mark {
                Some(mark) => (mark.min(view.cursor)..=mark.max(view.cursor)).contains(&position),
                None => position == view.cursor,
            };
        let current_hit = view
            .search
            .as_ref()
            .is_some_and(|s| s.current == Some(index));
        let mut out = styled(view, line, current_hit, theme);
        if view.wrap {
            out = out.into_iter().flat_map(|l| wrap(l, width)).collect();
        }
        if selected {
            let style = if view.mark.is_some() && position != view.cursor {
                theme.selection_unfocused
            } else {
                theme.selection
            };
            for l in &mut out {
                l.style = l.style.patch(style);
            }
        }
        out
    };
    let len = view.len();
    if view.follow {
        let mut screen: Vec<Line<'static>> = Vec::new();
        for position in (0..len).rev() {
            let mut lines = render(position);
            let room = rows - screen.len();
            if lines.len() > room {
                lines.drain(..lines.len() - room);
            }
            lines.extend(screen);
            screen = lines;
            if screen.len() >= rows {
                break;
            }
        }
        return screen;
    }
    // Paused: from `offset`, unless the cursor's line would not fit, then up to it.
    let mut start = view.offset.min(len.saturating_sub(1));
    let cursor = view.cursor.min(len.saturating_sub(1));
    if cursor < start {
        start = cursor;
    }
    let heights: Vec<usize> = (start..=cursor).map(|p| render(p).len().max(1)).collect();
    let mut total: usize = heights.iter().sum();
    let mut skip = 0;
    while total > rows && start + skip < cursor {
        total -= heights[skip];
        skip += 1;
    }
    start += skip;
    let mut screen = Vec::new();
    for position in start..len {
        screen.extend(render(position));
        if screen.len() >= rows {
            break;
        }
    }
    screen.truncate(rows);
    screen
}

/// One line as rows: the source prefix, the time, then the text (indented JSON spans rows).
fn styled(view: &LogView, line: &LogLine, current_hit: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut prefix = Vec::new();
    if view.sources.len() > 1 {
        let style = if theme.log_colors {
            Style::new().fg(SOURCE_COLORS[usize::from(line.source) % SOURCE_COLORS.len()])
        } else {
            theme.muted
        };
        prefix.push(Span::styled(
            format!("{} ", sanitize(&view.label(line.source))),
            style,
        ));
    }
    if view.timestamps {
        let at = line
            .at
            .map(|t| t.format("%H:%M:%S%.3f ").to_string())
            .unwrap_or_else(|| " ".repeat(13));
        prefix.push(Span::styled(at, theme.muted));
    }
    let base = match line.level {
        Level::Error | Level::Fatal => theme.health.failed,
        Level::Warn => theme.health.degraded,
        Level::Trace | Level::Debug => theme.muted,
        Level::Info | Level::Unknown => theme.text,
    };
    let hit = if current_hit {
        theme.search_current
    } else {
        theme.search_match
    };
    let pretty = if view.pretty_json && line.format == crate::logs::Format::Json {
        pretty_json(&line.text)
    } else {
        None
    };
    match pretty {
        Some(text) => text
            .lines()
            .enumerate()
            .map(|(i, row)| {
                let mut spans = if i == 0 {
                    prefix.clone()
                } else {
                    vec![Span::raw(" ".repeat(prefix_width(&prefix)))]
                };
                spans.extend(highlighted(view, row, &[], base, hit));
                Line::from(spans)
            })
            .collect(),
        None => {
            let runs = if theme.log_colors {
                line.style_runs()
            } else {
                &[]
            };
            let mut spans = prefix;
            spans.extend(highlighted(view, &line.text, runs, base, hit));
            vec![Line::from(spans)]
        }
    }
}

fn prefix_width(prefix: &[Span]) -> usize {
    prefix.iter().map(Span::width).sum()
}

/// The text as spans: the program's colour runs over the level's style, search hits on top.
fn highlighted(
    view: &LogView,
    text: &str,
    runs: &[StyleRun],
    base: Style,
    hit: Style,
) -> Vec<Span<'static>> {
    let hits = view
        .search
        .as_ref()
        .map(|s| s.filter.matches_in(text))
        .unwrap_or_default();
    // Cut points: every run and hit boundary.
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for run in runs {
        cuts.push((run.start as usize).min(text.len()));
        cuts.push((run.end as usize).min(text.len()));
    }
    for range in &hits {
        cuts.push(range.start.min(text.len()));
        cuts.push(range.end.min(text.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut spans = Vec::new();
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        if from >= to || !text.is_char_boundary(from) || !text.is_char_boundary(to) {
            continue;
        }
        let mut style = base;
        if let Some(run) = runs
            .iter()
            .find(|r| (r.start as usize) <= from && to <= r.end as usize)
        {
            style = style.patch(run_style(run));
        }
        if hits.iter().any(|r| r.start <= from && to <= r.end) {
            style = style.patch(hit);
        }
        spans.push(Span::styled(text[from..to].to_string(), style));
    }
    spans
}

fn run_style(run: &StyleRun) -> Style {
    let mut style = Style::new();
    if let Some(fg) = run.fg {
        style = style.fg(color(fg));
    }
    if let Some(bg) = run.bg {
        style = style.bg(color(bg));
    }
    let mut modifiers = Modifier::empty();
    for (on, modifier) in [
        (run.bold, Modifier::BOLD),
        (run.dim, Modifier::DIM),
        (run.italic, Modifier::ITALIC),
        (run.underline, Modifier::UNDERLINED),
    ] {
        if on {
            modifiers |= modifier;
        }
    }
    style.add_modifier(modifiers)
}

fn color(color: LogColor) -> Color {
    match color {
        LogColor::Indexed(n) => Color::Indexed(n),
        LogColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// Cuts a row into rows of at most `width` columns (by character, as a terminal wraps), the
/// spans' styles kept.
fn wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line.width() <= width {
        return vec![line];
    }
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)).style(line.style));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() {
        rows.push(Line::from(row).style(line.style));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_cuts_by_columns_and_keeps_styles() {
        let red = Style::new().fg(Color::Red);
        let line = Line::from(vec![Span::raw("abcd"), Span::styled("efgh", red)]);
        let rows = wrap(line, 3);
        let texts: Vec<String> = rows.iter().map(|l| l.to_string()).collect();
        assert_eq!(texts, ["abc", "def", "gh"]);
        assert_eq!(rows[1].spans[1].style, red);
        assert_eq!(rows[1].spans[0].content, "d");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let rows = wrap(Line::raw("日本語"), 4);
        let texts: Vec<String> = rows.iter().map(|l| l.to_string()).collect();
        assert_eq!(texts, ["日本", "語"]);
    }
}
