use chrono::{TimeZone, Utc};

use super::*;
use crate::app::filter::Filter;
use crate::cluster::logs::{LogSource, RawLine};

fn target() -> LogTarget {
    LogTarget::Pods {
        namespace: "etl".into(),
        pods: vec!["a".into()],
    }
}

fn source(pod: &str, container: &str) -> LogNote {
    LogNote::Source(LogSource {
        namespace: "etl".into(),
        pod: pod.into(),
        container: container.into(),
        init: false,
    })
}

fn line(source: u16, second: u32, text: &str) -> RawLine {
    RawLine {
        source,
        at: Some(Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, second).unwrap()),
        bytes: text.as_bytes().to_vec(),
    }
}

fn batch(notes: Vec<LogNote>, lines: Vec<RawLine>) -> Queued {
    Queued {
        lines: lines.into(),
        notes,
        dropped: 0,
    }
}

fn numbered(view: &mut LogView, count: u32, rows: usize) {
    let lines = (0..count)
        .map(|i| line(0, i % 60, &format!("line {i}")))
        .collect();
    view.take(batch(vec![], lines), rows);
}

fn shown(view: &LogView) -> Vec<String> {
    (0..view.len())
        .filter_map(|p| view.index_at(p))
        .map(|i| view.buffer.get(i).unwrap().text.to_string())
        .collect()
}

fn search(text: &str) -> Option<Filter> {
    Filter::parse(text).unwrap()
}

#[test]
fn lines_of_several_containers_merge_in_time_order() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(
        batch(
            vec![source("a", "main"), source("b", "main")],
            vec![line(0, 3, "a3"), line(1, 1, "b1"), line(0, 2, "a2")],
        ),
        10,
    );
    assert_eq!(shown(&view), ["b1", "a2", "a3"]);
    assert_eq!(view.sources.len(), 2);
    // Several pods: the label names the pod too.
    assert_eq!(view.label(1), "b/main");
}

#[test]
fn one_pod_labels_by_container_only() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(
        batch(vec![source("p", "init"), source("p", "main")], vec![]),
        10,
    );
    assert_eq!(view.label(0), "init");
    assert_eq!(view.label(1), "main");
}

#[test]
fn following_stays_at_the_newest_line() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(batch(vec![source("a", "main")], vec![]), 5);
    numbered(&mut view, 20, 5);
    assert!(view.follow);
    assert_eq!(view.cursor, 19);
    assert_eq!(view.offset, 15);
    numbered(&mut view, 5, 5);
    assert_eq!(view.cursor, 24);
    assert_eq!(view.unseen, 0);
}

#[test]
fn scrolling_up_pauses_and_counts_what_comes() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(batch(vec![source("a", "main")], vec![]), 5);
    numbered(&mut view, 20, 5);
    view.move_by(-3, 5);
    assert!(!view.follow);
    assert_eq!(view.cursor, 16);
    numbered(&mut view, 7, 5);
    // The place is kept; the new lines are counted.
    assert_eq!(view.cursor, 16);
    assert_eq!(view.unseen, 7);
    // Down to the end follows again.
    view.move_by(100, 5);
    assert!(view.follow);
    assert_eq!(view.unseen, 0);
    assert_eq!(view.cursor, 26);
}

#[test]
fn follow_key_pauses_and_resumes_at_the_end() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    numbered(&mut view, 10, 5);
    view.toggle_follow(5);
    assert!(!view.follow);
    numbered(&mut view, 3, 5);
    assert_eq!(view.cursor, 9);
    view.toggle_follow(5);
    assert!(view.follow);
    assert_eq!(view.cursor, 12);
}

#[test]
fn a_full_buffer_keeps_the_paused_place_on_the_same_line() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.buffer = crate::logs::LogBuffer::new(10, 1 << 20);
    numbered(&mut view, 10, 5);
    view.move_by(-2, 5);
    assert_eq!(
        view.buffer.get(view.cursor).unwrap().text.as_ref(),
        "line 7"
    );
    numbered(&mut view, 3, 5);
    // Three lines fell off the front: the cursor moved with its line.
    assert_eq!(
        view.buffer.get(view.cursor).unwrap().text.as_ref(),
        "line 7"
    );
}

#[test]
fn search_finds_hits_and_walks_them() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    let lines = ["start", "ERROR one", "ok", "error two", "ok", "ERROR three"]
        .iter()
        .enumerate()
        .map(|(i, t)| line(0, i as u32, t))
        .collect();
    view.take(batch(vec![source("a", "main")], lines), 10);
    view.set_search(search("error"), 10);
    assert_eq!(view.hit_count(), 3);
    // The newest hit first.
    assert_eq!(view.search.as_ref().unwrap().current, Some(5));
    view.next_hit(false, 10);
    assert_eq!(view.cursor, 3);
    view.next_hit(false, 10);
    assert_eq!(view.cursor, 1);
    view.next_hit(true, 10);
    assert_eq!(view.cursor, 3);
    assert!(view.is_hit(3));
    assert!(!view.is_hit(2));
    // New lines are searched as they come.
    view.take(batch(vec![], vec![line(0, 9, "another error")]), 10);
    assert_eq!(view.hit_count(), 4);
}

#[test]
fn only_matching_shows_the_hits_and_keeps_the_line() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    let lines = ["a", "warn x", "b", "warn y", "c"]
        .iter()
        .enumerate()
        .map(|(i, t)| line(0, i as u32, t))
        .collect();
    view.take(batch(vec![source("a", "main")], lines), 10);
    // Without a search the toggle does nothing.
    view.toggle_only_matching(10);
    assert!(!view.only_matching);
    view.set_search(search("warn"), 10);
    view.toggle_only_matching(10);
    assert_eq!(shown(&view), ["warn x", "warn y"]);
    assert_eq!(view.index_at(view.cursor), Some(3));
    view.take(
        batch(vec![], vec![line(0, 8, "warn z"), line(0, 9, "d")]),
        10,
    );
    assert_eq!(shown(&view), ["warn x", "warn y", "warn z"]);
    view.toggle_only_matching(10);
    assert_eq!(view.len(), 7);
    // Clearing the search shows everything again.
    view.toggle_only_matching(10);
    view.set_search(None, 10);
    assert!(!view.only_matching);
    assert_eq!(view.len(), 7);
}

#[test]
fn a_selection_copies_the_lines_between_mark_and_cursor() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    numbered(&mut view, 6, 10);
    view.move_by(-4, 10);
    view.toggle_mark();
    view.move_by(2, 10);
    assert_eq!(view.selection_text(), "line 1\nline 2\nline 3");
    view.toggle_mark();
    assert_eq!(view.selection_text(), "line 3");
}

#[test]
fn saved_text_has_times_and_sources_and_no_escapes() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(
        batch(
            vec![source("a", "main"), source("b", "main")],
            vec![line(0, 1, "\x1b[31mred\x1b[0m"), line(1, 2, "plain")],
        ),
        10,
    );
    assert_eq!(
        view.to_text(),
        "2026-12-04T10:00:01.000Z [a/main] red\n2026-12-04T10:00:02.000Z [b/main] plain\n"
    );
    // The colour is kept aside for drawing.
    assert!(!view.buffer.get(0).unwrap().style_runs().is_empty());
}

#[test]
fn notes_mark_sources_ended_troubled_and_resumed() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(
        batch(
            vec![
                source("a", "main"),
                LogNote::Problem {
                    source: 0,
                    message: "forbidden".into(),
                },
            ],
            vec![],
        ),
        10,
    );
    assert_eq!(view.sources[0].problem.as_deref(), Some("forbidden"));
    view.take(
        batch(
            vec![LogNote::Resumed { source: 0 }, LogNote::Ended { source: 0 }],
            vec![],
        ),
        10,
    );
    assert_eq!(view.sources[0].problem, None);
    assert_eq!(view.sources[0].resumed, 1);
    assert!(view.sources[0].ended);
    view.take(
        Queued {
            dropped: 12,
            ..Default::default()
        },
        10,
    );
    assert_eq!(view.dropped, 12);
}

#[test]
fn a_run_of_a_known_tool_is_decoded_as_it_comes() {
    let mut view = LogView::new("logs · run x".into(), target(), 1, Some("dbt"));
    assert_eq!(view.window, LogWindow::All);
    let text = include_str!("../../../tests/fixtures/dbt/dbt-build-text.log");
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, t)| line(0, (i % 60) as u32, t))
        .collect();
    view.take(batch(vec![source("a", "dbt")], lines), 10);
    let progress = view.progress.clone().expect("dbt is decoded");
    assert!(!progress.headline.is_empty());
    assert_eq!(progress.finished, Some(crate::logs::Outcome::Failed));
    assert!(!progress.failures.is_empty(), "{progress:?}");
}

#[test]
fn windows_widen_in_order_and_wrap_around() {
    let mut window = LogWindow::Tail(500);
    let mut seen = Vec::new();
    for _ in 0..6 {
        window = LogView::next_window(window);
        seen.push(window);
    }
    assert_eq!(
        seen,
        [
            LogWindow::Since(60),
            LogWindow::Since(300),
            LogWindow::Since(900),
            LogWindow::Since(3600),
            LogWindow::All,
            LogWindow::Tail(crate::cluster::logs::DEFAULT_TAIL),
        ]
    );
}

#[test]
fn long_pod_names_are_shortened_to_their_telling_part() {
    assert_eq!(
        short_pod("customer-360-build-customer-features-attempt-2"),
        "…attempt-2"
    );
    assert_eq!(short_pod("web-1"), "web-1");
}

#[test]
fn pods_of_one_run_are_told_apart_by_the_words_they_do_not_share() {
    let mut view = LogView::new("logs".into(), target(), 1, None);
    view.take(
        batch(
            vec![
                source("customer-360-build-customer-features-srdfhjs9", "base"),
                source("customer-360-build-customer-features-k2x9qpl1", "base"),
            ],
            vec![],
        ),
        5,
    );
    assert_eq!(view.label(0), "srdfhjs9/base");
    assert_eq!(view.label(1), "k2x9qpl1/base");
    // Nothing shared: the pod's own last words.
    assert_eq!(
        shared_words("replication-job-42-attempt-1", "source-postgres-read"),
        ""
    );
    assert_eq!(shared_words("etl-sync-1", "etl-sync-12"), "etl-sync-");
    assert_eq!(
        keep_end("a-very-long-telling-part-of-a-name", 10),
        "…of-a-name"
    );
}

#[test]
fn a_configured_spool_keeps_what_the_caps_let_go_in_a_file_named_after_the_viewer() {
    let dir = tempfile::tempdir().unwrap();
    let buffers = LogBuffers {
        max_lines: 4,
        max_bytes: 1 << 20,
        spool_dir: Some(dir.path().join("spool")),
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 20, 43, 47).unwrap();
    let mut view = LogView::new("logs · run sync 42".into(), target(), 1, None);
    view.buffer = buffers.buffer(&view.title, now);
    numbered(&mut view, 10, 5);
    view.buffer.flush_spool().unwrap();
    assert_eq!(view.buffer.len(), 4);
    let path = dir
        .path()
        .join("spool/logs___run_sync_42-20261204T204347Z.log");
    assert_eq!(view.buffer.spool_path(), Some(path.as_path()));
    let spooled = std::fs::read_to_string(&path).unwrap();
    let texts: Vec<&str> = spooled
        .lines()
        .map(|l| l.split_once("] ").unwrap().1)
        .collect();
    assert_eq!(
        texts,
        ["line 0", "line 1", "line 2", "line 3", "line 4", "line 5"]
    );
    // Without a spool folder nothing is written.
    let plain = LogBuffers::default().buffer("logs", now);
    assert_eq!(plain.spool_path(), None);
}

#[test]
fn a_run_without_pods_yet_has_not_ended() {
    let mut view = LogView::new("logs".into(), target(), 1, Some("dbt"));
    // The pods were listed before the Job's first pod was created.
    view.take(batch(vec![LogNote::Listed { sources: 0 }], vec![]), 10);
    assert!(!view.ended(), "no pod yet is not the end of the run");
    view.take(batch(vec![source("a", "main")], vec![]), 10);
    assert!(!view.ended(), "its container still runs");
    view.take(batch(vec![LogNote::Ended { source: 0 }], vec![]), 10);
    assert!(view.ended());
}
