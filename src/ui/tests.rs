//! Render tests: whole-screen snapshots at 120×40 and 80×24 from hand-built states, plus
//! explicit checks where colour or safety carries meaning (snapshots do not capture styles).

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::{Theme, render, viewport};
use crate::app::{Action, AppState, ContextInfo, Intent, Keymap, ServerStatus, update};
use crate::cluster::{NamespaceInfo, NamespaceScope, PodHealth, PodInfo, PodKey, WatchChange};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn pod(
    namespace: &str,
    name: &str,
    status: &str,
    ready: (u32, u32),
    restarts: u32,
    age_minutes: i64,
) -> PodInfo {
    PodInfo {
        key: PodKey::new(namespace, name),
        ready: ready.0,
        total: ready.1,
        status: status.to_string(),
        health: PodHealth::of_status(status, ready.0, ready.1),
        restarts,
        last_restart: (restarts > 0).then(|| now() - Duration::minutes(2)),
        created: Some(now() - Duration::minutes(age_minutes)),
    }
}

fn demo_pods() -> Vec<PodInfo> {
    vec![
        pod(
            "ingestion",
            "airbyte-server-6c9f7d8b5-x2k4q",
            "Running",
            (1, 1),
            0,
            4 * 60 + 12,
        ),
        pod(
            "ingestion",
            "airbyte-worker-5d8c6b7f9-7hjkl",
            "Running",
            (1, 1),
            1,
            4 * 60 + 12,
        ),
        pod(
            "ingestion",
            "source-postgres-sync-4182-ab12c",
            "Error",
            (0, 1),
            0,
            7,
        ),
        pod(
            "orchestration",
            "airflow-scheduler-0",
            "Running",
            (2, 2),
            0,
            26 * 60,
        ),
        pod(
            "orchestration",
            "airflow-webserver-7f9c8d6b4-qwert",
            "Running",
            (0, 1),
            0,
            3,
        ),
        pod(
            "orchestration",
            "airflow-worker-0",
            "CrashLoopBackOff",
            (0, 1),
            5,
            58,
        ),
        pod(
            "orchestration",
            "daily-load-extract-run-8f2a1c",
            "Completed",
            (0, 1),
            0,
            35,
        ),
        pod(
            "platform",
            "postgresql-0",
            "Running",
            (1, 1),
            0,
            3 * 24 * 60,
        ),
        pod("platform", "minio-7b5c9d8f6-m4n5p", "Pending", (0, 1), 0, 1),
        pod(
            "transformation",
            "dbt-run-nightly-29170560-zx8vb",
            "Init:0/1",
            (0, 1),
            0,
            0,
        ),
        pod(
            "warehouse",
            "clickhouse-shard0-0",
            "Running",
            (1, 1),
            0,
            9 * 24 * 60,
        ),
        pod(
            "warehouse",
            "trino-coordinator-6d7f8c9b5-rt6yu",
            "Terminating",
            (1, 1),
            0,
            2 * 60,
        ),
        pod(
            "visualization",
            "superset-8c7d6f5b4-9kl3m",
            "Running",
            (1, 1),
            0,
            45,
        ),
    ]
}

fn namespaces() -> Vec<NamespaceInfo> {
    [
        "default",
        "ingestion",
        "kube-system",
        "orchestration",
        "platform",
        "transformation",
        "visualization",
        "warehouse",
    ]
    .into_iter()
    .map(|name| NamespaceInfo {
        name: name.to_string(),
        terminating: false,
    })
    .collect()
}

/// A cockpit connected to the demo cluster with its lists loaded, sized for `width`×`height`.
fn cockpit(width: u16, height: u16, scope: NamespaceScope) -> AppState {
    let mut state = AppState::new(
        ContextInfo {
            name: "strata-sim".into(),
            cluster_url: "http://127.0.0.1:40123/".into(),
        },
        scope,
        Keymap::builtin(),
        now(),
    );
    let generation = state.pods.generation + 1;
    for action in [
        Action::Resized(viewport(ratatui::layout::Rect::new(0, 0, width, height))),
        Action::Started,
        Action::ServerProbed(Ok("v1.35.0".into())),
        Action::Namespaces(WatchChange::Resynced(namespaces())),
        Action::Pods {
            generation,
            change: WatchChange::Resynced(demo_pods()),
        },
    ] {
        update(&mut state, action);
    }
    state
}

fn draw(state: &AppState, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(state, theme, frame)).unwrap();
    terminal
}

fn screen_text(buffer: &Buffer) -> String {
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// The style of the first cell of the first occurrence of `needle` on screen.
fn style_of(buffer: &Buffer, needle: &str) -> ratatui::style::Style {
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        if let Some(byte) = row.find(needle) {
            let x = row[..byte].chars().count() as u16;
            return buffer[(x, y)].style();
        }
    }
    panic!("{needle:?} not on screen:\n{}", screen_text(buffer));
}

#[test]
fn all_namespaces_120x40() {
    let state = cockpit(120, 40, NamespaceScope::All);
    insta::assert_snapshot!(draw(&state, &Theme::default(), 120, 40).backend());
}

#[test]
fn all_namespaces_80x24() {
    let state = cockpit(80, 24, NamespaceScope::All);
    insta::assert_snapshot!(draw(&state, &Theme::default(), 80, 24).backend());
}

#[test]
fn choosing_a_namespace_80x24() {
    let mut state = cockpit(80, 24, NamespaceScope::All);
    update(&mut state, Action::Intent(Intent::FocusNext));
    update(&mut state, Action::Intent(Intent::MoveDown));
    update(&mut state, Action::Intent(Intent::MoveDown));
    insta::assert_snapshot!(draw(&state, &Theme::default(), 80, 24).backend());
}

#[test]
fn one_namespace_with_a_stale_watch_80x24() {
    let mut state = cockpit(80, 24, NamespaceScope::All);
    update(&mut state, Action::Intent(Intent::FocusNext));
    for _ in 0..4 {
        update(&mut state, Action::Intent(Intent::MoveDown));
    }
    update(&mut state, Action::Intent(Intent::Select));
    // The new watch lists orchestration, then loses the server.
    let generation = state.pods.generation;
    let orchestration = demo_pods()
        .into_iter()
        .filter(|p| p.key.namespace == "orchestration")
        .collect();
    update(
        &mut state,
        Action::Pods {
            generation,
            change: WatchChange::Resynced(orchestration),
        },
    );
    update(
        &mut state,
        Action::Pods {
            generation,
            change: WatchChange::Failed("pods: watch stream failed: connection refused".into()),
        },
    );
    update(&mut state, Action::Tick(now() + Duration::seconds(12)));
    update(&mut state, Action::Intent(Intent::FocusNext));
    update(&mut state, Action::Intent(Intent::MoveDown));
    insta::assert_snapshot!(draw(&state, &Theme::default(), 80, 24).backend());
}

#[test]
fn listing_and_unreachable_server_80x24() {
    let mut state = AppState::new(
        ContextInfo {
            name: "prod-eu".into(),
            cluster_url: "https://10.0.0.1:6443/".into(),
        },
        NamespaceScope::All,
        Keymap::builtin(),
        now(),
    );
    update(
        &mut state,
        Action::Resized(viewport(ratatui::layout::Rect::new(0, 0, 80, 24))),
    );
    update(&mut state, Action::Started);
    update(
        &mut state,
        Action::ServerProbed(Err(
            "cannot reach the API server at https://10.0.0.1:6443/: \
            no answer within 10 s"
                .into(),
        )),
    );
    insta::assert_snapshot!(draw(&state, &Theme::default(), 80, 24).backend());
}

#[test]
fn statuses_are_coloured_by_meaning() {
    let state = cockpit(120, 40, NamespaceScope::All);
    let theme = Theme::default();
    let terminal = draw(&state, &theme, 120, 40);
    let buffer = terminal.backend().buffer();
    assert_eq!(style_of(buffer, "CrashLoopBackOff").fg, Some(Color::Red));
    assert_eq!(style_of(buffer, "Error").fg, Some(Color::Red));
    assert_eq!(style_of(buffer, "Completed").fg, Some(Color::Blue));
    assert_eq!(style_of(buffer, "Pending").fg, Some(Color::Yellow));
    assert_eq!(style_of(buffer, "Init:0/1").fg, Some(Color::Yellow));
    assert_eq!(style_of(buffer, "Terminating").fg, Some(Color::Magenta));
    // Running but 0/1 ready is not the same green as a healthy pod.
    let webserver_status = {
        let text = screen_text(buffer);
        let line = text
            .lines()
            .position(|l| l.contains("airflow-webserver"))
            .unwrap();
        let row: String = text.lines().nth(line).unwrap().to_string();
        let x = row[..row.find("Running").unwrap()].chars().count() as u16;
        buffer[(x, line as u16)].style()
    };
    assert_eq!(webserver_status.fg, Some(Color::Yellow));
}

#[test]
fn the_cursor_row_is_highlighted_in_the_focused_pane() {
    let state = cockpit(120, 40, NamespaceScope::All);
    let theme = Theme::default();
    let terminal = draw(&state, &theme, 120, 40);
    let style = style_of(terminal.backend().buffer(), "airbyte-server");
    assert_eq!(style.bg, theme.selection.bg);
}

#[test]
fn no_color_draws_without_colour() {
    let state = cockpit(80, 24, NamespaceScope::All);
    let terminal = draw(&state, &Theme::for_environment(true), 80, 24);
    for cell in terminal.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn hostile_names_cannot_reach_the_terminal() {
    let mut state = cockpit(120, 40, NamespaceScope::All);
    let generation = state.pods.generation;
    update(
        &mut state,
        Action::Pods {
            generation,
            change: WatchChange::Applied(pod(
                "ingestion",
                "aaa\u{1b}]0;owned\u{7}\u{1b}[2Jevil",
                "Running\u{1b}[31m",
                (1, 1),
                0,
                1,
            )),
        },
    );
    update(
        &mut state,
        Action::Namespaces(WatchChange::Applied(NamespaceInfo {
            name: "bad\u{9b}2Jns".into(),
            terminating: true,
        })),
    );
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let text = screen_text(terminal.backend().buffer());
    assert!(text.contains("aaaevil"), "{text}");
    assert!(text.contains("badns"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
}

#[test]
fn only_the_rows_on_screen_are_drawn_for_a_huge_cluster() {
    let mut state = cockpit(80, 24, NamespaceScope::All);
    let generation = state.pods.generation;
    let rows = (0..50_000)
        .map(|i| pod("bench", &format!("pod-{i:05}"), "Running", (1, 1), 0, 10))
        .collect();
    update(
        &mut state,
        Action::Pods {
            generation,
            change: WatchChange::Resynced(rows),
        },
    );
    update(&mut state, Action::Intent(Intent::Bottom));
    let terminal = draw(&state, &Theme::default(), 80, 24);
    let text = screen_text(terminal.backend().buffer());
    assert!(text.contains("pod-49999"), "{text}");
    assert!(text.contains("50000/50000"), "{text}");
    assert!(!text.contains("pod-00000"), "{text}");
}

#[test]
fn every_size_from_tiny_to_wide_renders() {
    for (width, height) in [(20, 5), (59, 24), (60, 10), (80, 24), (100, 30), (200, 60)] {
        let state = cockpit(width, height, NamespaceScope::All);
        let terminal = draw(&state, &Theme::default(), width, height);
        let text = screen_text(terminal.backend().buffer());
        if width < super::MIN_WIDTH || height < super::MIN_HEIGHT {
            assert!(text.contains("Strata needs"), "{width}×{height}: {text}");
        } else {
            assert!(
                text.contains("Pods · all namespaces"),
                "{width}×{height}: {text}"
            );
        }
    }
}

#[test]
fn the_header_says_where_we_are() {
    let mut state = cockpit(80, 24, NamespaceScope::Only("warehouse".into()));
    state.server = ServerStatus::Reachable("v1.35.0".into());
    let text = screen_text(draw(&state, &Theme::default(), 80, 24).backend().buffer());
    let header: Vec<&str> = text.lines().take(2).collect();
    assert!(header[0].contains("strata-sim"), "{header:?}");
    assert!(header[0].contains("namespace warehouse"), "{header:?}");
    assert!(header[0].contains("v1.35.0"), "{header:?}");
    assert!(header[1].contains("http://127.0.0.1:40123/"), "{header:?}");
}
