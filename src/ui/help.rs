//! The help screen (`?`), generated from the active keymap so it always tells the truth about
//! the keys: the bindings that work in the view the user came from, grouped from the most
//! specific (`Pods`) to the most general (`Everywhere`), flowed into as many columns as fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Theme;
use super::text::{truncate, width};
use crate::app::keymap::{KeyView, Keymap};

/// One group of the help screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpSection {
    pub title: &'static str,
    /// (keys, description), in keymap file order.
    pub entries: Vec<(String, String)>,
}

/// How help names a view.
pub fn view_title(view: KeyView) -> &'static str {
    match view {
        KeyView::Global => "Everywhere",
        KeyView::Table => "Lists",
        KeyView::Text => "Documents",
        KeyView::Layers => "Layers",
        KeyView::Component => "Component",
        KeyView::Incident => "Incident",
        KeyView::Objects => "Objects",
        KeyView::Pods => "Pods",
        KeyView::Deployments => "Deployments",
        KeyView::StatefulSets => "StatefulSets",
        KeyView::DaemonSets => "DaemonSets",
        KeyView::ReplicaSets => "ReplicaSets",
        KeyView::Jobs => "Jobs",
        KeyView::CronJobs => "CronJobs",
        KeyView::Services => "Services",
        KeyView::ConfigMaps => "ConfigMaps",
        KeyView::Secrets => "Secrets",
        KeyView::Events => "Events",
        KeyView::Namespaces => "Namespaces",
        KeyView::Nodes => "Nodes",
        KeyView::Pvcs => "PersistentVolumeClaims",
        KeyView::Resources => "Resources",
        KeyView::Describe => "Describe",
        KeyView::Yaml => "YAML",
        KeyView::Logs => "Logs",
        KeyView::Runs => "Runs",
        KeyView::Security => "Security findings",
        KeyView::Airflow => "Airflow",
        KeyView::Airbyte => "Airbyte",
        KeyView::Helm => "Helm releases",
        KeyView::Rollouts => "Rollout history",
        KeyView::Help => "Help",
    }
}

/// The keys that work in `view`, grouped by the level of the view they are bound at
/// (`view` itself, then the views it specializes); empty groups are left out.
pub fn sections(keymap: &Keymap, view: KeyView) -> Vec<HelpSection> {
    let shown = keymap.bindings_in(view);
    let mut sections = Vec::new();
    for level in view.chain() {
        let mut entries: Vec<(&str, String, String)> = Vec::new();
        for binding in &shown {
            // Each binding goes in the most specific level it is bound at.
            let home = view
                .chain()
                .find(|candidate| binding.binding.views.contains(candidate));
            if home != Some(level) {
                continue;
            }
            let action = binding.binding.action.name();
            let keys = binding.keys_label();
            let description = binding.binding.description.clone();
            // Families of bindings (the favourite namespaces 1-9) read as one row.
            match entries.last_mut() {
                Some((last_action, last_keys, last_description))
                    if *last_action == action && is_one_key(&keys) =>
                {
                    *last_keys = join_range(last_keys, &keys);
                    *last_description = common_words(last_description, &description);
                }
                _ => entries.push((action, keys, description)),
            }
        }
        if !entries.is_empty() {
            sections.push(HelpSection {
                title: view_title(level),
                entries: entries
                    .into_iter()
                    .map(|(_, keys, description)| (keys, description))
                    .collect(),
            });
        }
    }
    sections
}

fn is_one_key(keys: &str) -> bool {
    keys.chars().count() == 1
}

/// `1` + `2` → `1-2`, `1-2` + `3` → `1-3`; anything else is listed.
fn join_range(so_far: &str, next: &str) -> String {
    let first = so_far.split('-').next().unwrap_or(so_far);
    let last = so_far.rsplit('-').next().unwrap_or(so_far);
    let consecutive = match (last.chars().next(), next.chars().next()) {
        (Some(a), Some(b)) if last.chars().count() == 1 => (a as u32) + 1 == b as u32,
        _ => false,
    };
    if consecutive {
        format!("{first}-{next}")
    } else {
        format!("{so_far}, {next}")
    }
}

/// The words two descriptions start with (`favorite namespace 1`, `… 2` → `favorite
/// namespace`).
fn common_words(a: &str, b: &str) -> String {
    let words: Vec<&str> = a
        .split(' ')
        .zip(b.split(' '))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect();
    if words.is_empty() {
        a.to_string()
    } else {
        words.join(" ")
    }
}

/// One row of the flowed layout.
enum Row<'a> {
    Title(&'a str),
    Entry(&'a str, &'a str),
    Gap,
}

/// Draws the help for `view` in `area`: a bordered pane whose sections flow top to bottom,
/// then into the next column. What does not fit is announced on the last line.
pub fn render(keymap: &Keymap, view: KeyView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let sections = sections(keymap, view);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::styled(
            format!(" Help · {} ", view_title(view)),
            theme.title_focused,
        ))
        .title_bottom(Line::from(vec![
            Span::styled(" esc ", theme.hint_key),
            Span::styled("back ", theme.hint_description),
        ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 4 || inner.height < 2 {
        return;
    }

    let mut rows: Vec<Row> = Vec::new();
    for (index, section) in sections.iter().enumerate() {
        if index > 0 {
            rows.push(Row::Gap);
        }
        rows.push(Row::Title(section.title));
        for (keys, description) in &section.entries {
            rows.push(Row::Entry(keys, description));
        }
    }

    // Columns of even length, as few as the height allows; a section title never ends a
    // column (it moves to the next one with its first entry).
    let height = usize::from(inner.height);
    let count = rows.len().div_ceil(height).max(1);
    let limit = rows.len().div_ceil(count).clamp(1, height);
    let mut columns: Vec<Vec<&Row>> = Vec::new();
    let mut current: Vec<&Row> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let title_at_bottom =
            matches!(row, Row::Title(_)) && current.len() + 1 == limit && index + 1 < rows.len();
        if current.len() == limit || (title_at_bottom && limit < height) {
            columns.push(std::mem::take(&mut current));
        }
        if current.is_empty() && matches!(row, Row::Gap) {
            continue;
        }
        current.push(row);
    }
    if !current.is_empty() {
        columns.push(current);
    }

    let mut x = inner.x + 1;
    let right = inner.x + inner.width;
    let mut drawn = 0;
    for column in &columns {
        let key_width = column
            .iter()
            .map(|row| match row {
                Row::Entry(keys, _) => width(keys),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let column_width = column
            .iter()
            .map(|row| match row {
                Row::Title(title) => width(title),
                Row::Entry(_, description) => key_width + 2 + width(description),
                Row::Gap => 0,
            })
            .max()
            .unwrap_or(0);
        let available = usize::from(right.saturating_sub(x));
        // A column that would be cut to less than its keys is left for "more" instead.
        if available < key_width + 6 || (drawn > 0 && available < column_width.min(24)) {
            break;
        }
        let lines: Vec<Line> = column
            .iter()
            .map(|row| match row {
                Row::Title(title) => Line::styled((*title).to_string(), theme.help_section),
                Row::Entry(keys, description) => {
                    let padding = key_width - width(keys) + 2;
                    let room = available.saturating_sub(key_width + 2);
                    Line::from(vec![
                        Span::styled((*keys).to_string(), theme.hint_key),
                        Span::raw(" ".repeat(padding)),
                        Span::styled(
                            truncate(description, room).into_owned(),
                            theme.hint_description,
                        ),
                    ])
                }
                Row::Gap => Line::raw(""),
            })
            .collect();
        let column_area = Rect {
            x,
            y: inner.y,
            width: u16::try_from(column_width.min(available)).unwrap_or(u16::MAX),
            height: inner.height,
        };
        frame.render_widget(Paragraph::new(lines), column_area);
        drawn += 1;
        x = x
            .saturating_add(u16::try_from(column_width).unwrap_or(u16::MAX))
            .saturating_add(4);
        if x >= right {
            break;
        }
    }
    if drawn < columns.len() {
        let note = " more keys: widen the terminal ";
        let note_width = u16::try_from(width(note)).unwrap_or(0);
        if note_width < inner.width {
            let area = Rect {
                x: inner.x + inner.width - note_width,
                y: inner.y + inner.height - 1,
                width: note_width,
                height: 1,
            };
            frame.render_widget(Paragraph::new(Line::styled(note, theme.muted)), area);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;

    fn draw(keymap: &Keymap, view: KeyView, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| render(keymap, view, &Theme::default(), frame, frame.area()))
            .unwrap();
        terminal
    }

    fn screen(terminal: &Terminal<TestBackend>) -> String {
        let buffer = terminal.backend().buffer();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn help_for_pods_120x40() {
        insta::assert_snapshot!(draw(&Keymap::builtin(), KeyView::Pods, 120, 40).backend());
    }

    #[test]
    fn help_for_pods_80x24() {
        insta::assert_snapshot!(draw(&Keymap::builtin(), KeyView::Pods, 80, 24).backend());
    }

    #[test]
    fn help_for_yaml_80x24() {
        insta::assert_snapshot!(draw(&Keymap::builtin(), KeyView::Yaml, 80, 24).backend());
    }

    #[test]
    fn help_follows_the_keymap() {
        let vim = Keymap::builtin_named("vim").unwrap().unwrap();
        let normalize = |text: String| {
            text.lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let text = normalize(screen(&draw(&vim, KeyView::Pods, 120, 40)));
        assert!(text.contains("l, right, enter open"), "{text}");
        assert!(text.contains("h, left, q, esc back"), "{text}");
        let user = Keymap::builtin()
            .overlay("[[binding]]\nrun = \"describe\"\non = [\"D\"]\ndesc = \"tell me all\"\nviews = [\"table\"]\n")
            .unwrap();
        let text = normalize(screen(&draw(&user, KeyView::Deployments, 120, 40)));
        assert!(text.contains("D tell me all"), "{text}");
        assert!(!text.contains("describe"), "{text}");
    }

    #[test]
    fn sections_go_from_specific_to_general() {
        let sections = sections(&Keymap::builtin(), KeyView::Secrets);
        let titles: Vec<&str> = sections.iter().map(|s| s.title).collect();
        assert_eq!(titles.last(), Some(&"Everywhere"));
        assert_eq!(titles[titles.len() - 2], "Lists");
        // The favourites read as one row.
        let lists = &sections[sections.len() - 2].entries;
        assert!(
            lists.contains(&("1-9".to_string(), "favorite namespace".to_string())),
            "{lists:?}"
        );
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        for (w, h) in [(1, 1), (5, 3), (20, 5), (40, 8)] {
            draw(&Keymap::builtin(), KeyView::Pods, w, h);
        }
    }

    #[test]
    fn ranges_and_common_words() {
        assert_eq!(join_range("1", "2"), "1-2");
        assert_eq!(join_range("1-2", "3"), "1-3");
        assert_eq!(join_range("1-2", "5"), "1-2, 5");
        assert_eq!(
            common_words("favorite namespace 1", "favorite namespace 2"),
            "favorite namespace"
        );
        assert_eq!(common_words("up", "down"), "up");
    }
}
