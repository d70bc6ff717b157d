//! The pure state machine: `update(state, action)` changes the state and returns the effects
//! the runtime must perform. No I/O, no clock, no awaits: every behaviour is testable with
//! plain values.

use super::action::{Action, Effect, Intent};
use super::state::{AppState, Focus, Motion, ServerStatus};
use crate::cluster::{NamespaceScope, WatchChange};

pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Started => {
            state.pods.generation += 1;
            state.changed();
            vec![
                Effect::ProbeServer,
                Effect::WatchNamespaces,
                Effect::WatchPods {
                    generation: state.pods.generation,
                    scope: state.pods.scope.clone(),
                },
            ]
        }
        Action::Key(key) => match state.keymap.resolve(&key) {
            Some(intent) => intend(state, intent),
            // Unbound keys change nothing and cost no frame.
            None => Vec::new(),
        },
        Action::Intent(intent) => intend(state, intent),
        Action::Resized(viewport) => {
            state.viewport = viewport;
            state.scroll_to_cursors();
            state.changed();
            Vec::new()
        }
        Action::Tick(now) => {
            state.now = now;
            state.changed();
            Vec::new()
        }
        Action::ServerProbed(result) => {
            state.server = match result {
                Ok(version) => ServerStatus::Reachable(version),
                Err(error) => ServerStatus::Unreachable(error),
            };
            state.changed();
            Vec::new()
        }
        Action::Namespaces(change) => {
            let recovered = !matches!(change, WatchChange::Failed(_));
            match change {
                WatchChange::Resynced(items) => state.namespaces_resynced(items),
                WatchChange::Applied(namespace) => state.namespace_applied(namespace),
                WatchChange::Deleted(namespace) => state.namespace_deleted(&namespace.name),
                WatchChange::Failed(error) => state.namespaces_failed(error),
            }
            state.scroll_to_cursors();
            state.changed();
            reprobe_if_back(state, recovered)
        }
        Action::Pods { generation, change } => {
            if generation != state.pods.generation {
                // A late change from a watch we already replaced.
                return Vec::new();
            }
            let recovered = !matches!(change, WatchChange::Failed(_));
            match change {
                WatchChange::Resynced(rows) => state.pods_resynced(rows),
                WatchChange::Applied(pod) => state.pod_applied(pod),
                WatchChange::Deleted(pod) => state.pod_deleted(&pod.key),
                WatchChange::Failed(error) => state.pods_failed(error),
            }
            state.scroll_to_cursors();
            state.changed();
            reprobe_if_back(state, recovered)
        }
        Action::Terminate => vec![Effect::Quit],
    }
}

fn intend(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    let motion = match intent {
        Intent::Quit => return vec![Effect::Quit],
        Intent::MoveUp => Some(Motion::Up(1)),
        Intent::MoveDown => Some(Motion::Down(1)),
        Intent::PageUp => Some(Motion::Up(state.page())),
        Intent::PageDown => Some(Motion::Down(state.page())),
        Intent::Top => Some(Motion::Top),
        Intent::Bottom => Some(Motion::Bottom),
        Intent::FocusNext | Intent::FocusPrevious => {
            // Two panes: next and previous are the same toggle for now.
            state.focus = match state.focus {
                Focus::Namespaces => Focus::Pods,
                Focus::Pods => Focus::Namespaces,
            };
            None
        }
        Intent::Select => {
            if state.focus != Focus::Namespaces {
                // Pods have nothing to open yet (describe and logs come next).
                return Vec::new();
            }
            let scope = state.namespaces.cursor_scope();
            state.focus = Focus::Pods;
            let effects = show(state, scope);
            state.changed();
            return effects;
        }
        Intent::AllNamespaces => {
            let effects = show(state, NamespaceScope::All);
            state.changed();
            return effects;
        }
    };
    if let Some(motion) = motion {
        state.move_cursor(motion);
    }
    state.scroll_to_cursors();
    state.changed();
    Vec::new()
}

/// The probe runs once; the watches keep retrying. When a watch gets through after the
/// probe failed, the server is back: ask again so the header stops saying "unreachable".
fn reprobe_if_back(state: &mut AppState, watch_succeeded: bool) -> Vec<Effect> {
    if watch_succeeded && matches!(state.server, ServerStatus::Unreachable(_)) {
        state.server = ServerStatus::Connecting;
        vec![Effect::ProbeServer]
    } else {
        Vec::new()
    }
}

/// Shows the pods of `scope`, restarting the pods watch when its scope changes: watching
/// only the namespace on screen keeps a 10k-pod cluster from being streamed for nothing.
fn show(state: &mut AppState, scope: NamespaceScope) -> Vec<Effect> {
    let restart = state.show_scope(scope);
    state.scroll_to_cursors();
    if restart {
        vec![Effect::WatchPods {
            generation: state.pods.generation,
            scope: state.pods.scope.clone(),
        }]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::keymap::Keymap;
    use crate::app::state::{ContextInfo, SyncState, Viewport};
    use crate::cluster::{NamespaceInfo, PodHealth, PodInfo, PodKey};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn state(scope: NamespaceScope) -> AppState {
        let mut state = AppState::new(
            ContextInfo {
                name: "test".into(),
                cluster_url: "http://127.0.0.1:1/".into(),
            },
            scope,
            Keymap::builtin(),
            t0(),
        );
        update(
            &mut state,
            Action::Resized(Viewport {
                namespace_rows: 5,
                pod_rows: 3,
            }),
        );
        update(&mut state, Action::Started);
        state
    }

    fn pod(namespace: &str, name: &str) -> PodInfo {
        PodInfo {
            key: PodKey::new(namespace, name),
            ready: 1,
            total: 1,
            status: "Running".into(),
            health: PodHealth::Running,
            restarts: 0,
            last_restart: None,
            created: Some(t0()),
        }
    }

    fn ns(name: &str) -> NamespaceInfo {
        NamespaceInfo {
            name: name.into(),
            terminating: false,
        }
    }

    fn pods(state: &mut AppState, change: WatchChange<PodInfo>) -> Vec<Effect> {
        let generation = state.pods.generation;
        update(state, Action::Pods { generation, change })
    }

    fn key(code: KeyCode) -> Action {
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn names(state: &AppState) -> Vec<String> {
        state
            .pods
            .visible()
            .iter()
            .map(|p| p.key.name.clone())
            .collect()
    }

    fn selected(state: &AppState) -> Option<String> {
        state.pods.selected_pod().map(|p| p.key.name.clone())
    }

    #[test]
    fn starting_probes_and_watches_the_launch_scope() {
        let mut state = AppState::new(
            ContextInfo {
                name: "c".into(),
                cluster_url: "u".into(),
            },
            NamespaceScope::Only("data".into()),
            Keymap::builtin(),
            t0(),
        );
        let effects = update(&mut state, Action::Started);
        assert_eq!(
            effects,
            vec![
                Effect::ProbeServer,
                Effect::WatchNamespaces,
                Effect::WatchPods {
                    generation: 1,
                    scope: NamespaceScope::Only("data".into())
                },
            ]
        );
        assert_eq!(state.namespaces.cursor.as_deref(), Some("data"));
    }

    #[test]
    fn a_resync_sorts_rows_and_goes_live() {
        let mut state = state(NamespaceScope::All);
        assert_eq!(state.pods.sync, SyncState::Listing);
        pods(
            &mut state,
            WatchChange::Resynced(vec![pod("b", "x"), pod("a", "z"), pod("a", "y")]),
        );
        assert_eq!(names(&state), ["y", "z", "x"]);
        assert_eq!(state.pods.sync, SyncState::Live);
    }

    #[test]
    fn the_cursor_stays_on_its_pod_when_rows_arrive_above_it() {
        let mut state = state(NamespaceScope::All);
        pods(
            &mut state,
            WatchChange::Resynced(vec![pod("a", "b"), pod("a", "c")]),
        );
        update(&mut state, key(KeyCode::Char('j')));
        assert_eq!(selected(&state).as_deref(), Some("c"));
        pods(&mut state, WatchChange::Applied(pod("a", "a")));
        assert_eq!(selected(&state).as_deref(), Some("c"));
        assert_eq!(state.pods.selected_index(), 2);
    }

    #[test]
    fn deleting_the_selected_pod_selects_its_neighbour() {
        let mut state = state(NamespaceScope::All);
        pods(
            &mut state,
            WatchChange::Resynced(vec![pod("a", "1"), pod("a", "2"), pod("a", "3")]),
        );
        update(&mut state, Action::Intent(Intent::Bottom));
        pods(&mut state, WatchChange::Deleted(pod("a", "3")));
        assert_eq!(selected(&state).as_deref(), Some("2"));
        update(&mut state, Action::Intent(Intent::Top));
        pods(&mut state, WatchChange::Deleted(pod("a", "1")));
        assert_eq!(selected(&state).as_deref(), Some("2"));
    }

    #[test]
    fn moving_past_the_screen_scrolls_and_pages_use_the_viewport() {
        let mut state = state(NamespaceScope::All);
        let rows = (0..10).map(|i| pod("a", &format!("p{i}"))).collect();
        pods(&mut state, WatchChange::Resynced(rows));
        for _ in 0..4 {
            update(&mut state, key(KeyCode::Down));
        }
        assert_eq!(state.pods.selected_index(), 4);
        assert_eq!(
            state.pods.offset, 2,
            "three rows on screen, cursor on the last"
        );
        update(&mut state, key(KeyCode::PageDown));
        assert_eq!(state.pods.selected_index(), 7);
        update(&mut state, key(KeyCode::End));
        assert_eq!((state.pods.selected_index(), state.pods.offset), (9, 7));
        update(&mut state, key(KeyCode::Char('g')));
        assert_eq!((state.pods.selected_index(), state.pods.offset), (0, 0));
    }

    #[test]
    fn choosing_a_namespace_rewatches_pods_and_ignores_the_old_watch() {
        let mut state = state(NamespaceScope::All);
        update(
            &mut state,
            Action::Namespaces(WatchChange::Resynced(vec![ns("etl"), ns("bi")])),
        );
        pods(
            &mut state,
            WatchChange::Resynced(vec![pod("bi", "superset"), pod("etl", "airbyte")]),
        );
        let old = state.pods.generation;

        update(&mut state, key(KeyCode::Tab));
        assert_eq!(state.focus, Focus::Namespaces);
        update(&mut state, key(KeyCode::Down)); // bi (sorted after "all")
        update(&mut state, key(KeyCode::Down)); // etl
        let effects = update(&mut state, key(KeyCode::Enter));
        let scope = NamespaceScope::Only("etl".into());
        assert_eq!(
            effects,
            vec![Effect::WatchPods {
                generation: old + 1,
                scope: scope.clone()
            }]
        );
        assert_eq!(state.pods.scope, scope);
        assert_eq!(state.focus, Focus::Pods);
        // What we already had for etl stays on screen while the new list comes.
        assert_eq!(names(&state), ["airbyte"]);
        assert_eq!(state.pods.sync, SyncState::Listing);

        let before = state.revision;
        let late = update(
            &mut state,
            Action::Pods {
                generation: old,
                change: WatchChange::Applied(pod("bi", "metabase")),
            },
        );
        assert!(late.is_empty());
        assert_eq!(
            state.revision, before,
            "a stale change must not cost a frame"
        );
        assert_eq!(names(&state), ["airbyte"]);
    }

    #[test]
    fn choosing_the_scope_already_shown_does_not_rewatch() {
        let mut state = state(NamespaceScope::All);
        update(&mut state, key(KeyCode::Tab));
        assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
        assert!(update(&mut state, key(KeyCode::Char('0'))).is_empty());
    }

    #[test]
    fn zero_goes_back_to_all_namespaces() {
        let mut state = state(NamespaceScope::Only("etl".into()));
        let effects = update(&mut state, key(KeyCode::Char('0')));
        assert!(matches!(
            effects.as_slice(),
            [Effect::WatchPods {
                scope: NamespaceScope::All,
                ..
            }]
        ));
        assert_eq!(state.namespaces.cursor, None);
    }

    #[test]
    fn a_watch_error_keeps_rows_and_marks_them_stale_until_the_next_change() {
        let mut state = state(NamespaceScope::All);
        pods(&mut state, WatchChange::Resynced(vec![pod("a", "x")]));
        pods(&mut state, WatchChange::Failed("connection refused".into()));
        let later = t0() + chrono::Duration::seconds(30);
        update(&mut state, Action::Tick(later));
        pods(&mut state, WatchChange::Failed("still refused".into()));
        assert_eq!(
            state.pods.sync,
            SyncState::Stale {
                error: "still refused".into(),
                since: t0()
            }
        );
        assert_eq!(names(&state), ["x"]);
        pods(&mut state, WatchChange::Applied(pod("a", "y")));
        assert_eq!(state.pods.sync, SyncState::Live);
    }

    #[test]
    fn namespaces_keep_the_cursor_and_survive_deletion() {
        let mut state = state(NamespaceScope::All);
        update(
            &mut state,
            Action::Namespaces(WatchChange::Resynced(vec![ns("a"), ns("b"), ns("c")])),
        );
        update(&mut state, key(KeyCode::Tab));
        update(&mut state, key(KeyCode::End));
        assert_eq!(state.namespaces.cursor.as_deref(), Some("c"));
        update(
            &mut state,
            Action::Namespaces(WatchChange::Deleted(ns("c"))),
        );
        assert_eq!(state.namespaces.cursor.as_deref(), Some("b"));
        update(
            &mut state,
            Action::Namespaces(WatchChange::Applied(ns("aa"))),
        );
        assert_eq!(state.namespaces.cursor_index(), 3);
    }

    #[test]
    fn quitting_and_signals_ask_the_runtime_to_stop() {
        let mut state = state(NamespaceScope::All);
        assert_eq!(update(&mut state, key(KeyCode::Char('q'))), [Effect::Quit]);
        let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(update(&mut state, ctrl_c), [Effect::Quit]);
        assert_eq!(update(&mut state, Action::Terminate), [Effect::Quit]);
    }

    #[test]
    fn unbound_keys_change_nothing() {
        let mut state = state(NamespaceScope::All);
        let before = state.revision;
        assert!(update(&mut state, key(KeyCode::Char('z'))).is_empty());
        assert_eq!(state.revision, before);
    }

    #[test]
    fn the_probe_result_reaches_the_header() {
        let mut state = state(NamespaceScope::All);
        update(&mut state, Action::ServerProbed(Ok("v1.35.0".into())));
        assert_eq!(state.server, ServerStatus::Reachable("v1.35.0".into()));
        update(&mut state, Action::ServerProbed(Err("refused".into())));
        assert_eq!(state.server, ServerStatus::Unreachable("refused".into()));
    }

    #[test]
    fn a_watch_getting_through_reprobes_an_unreachable_server() {
        let mut state = state(NamespaceScope::All);
        update(&mut state, Action::ServerProbed(Err("refused".into())));
        assert!(pods(&mut state, WatchChange::Failed("refused".into())).is_empty());
        let effects = pods(&mut state, WatchChange::Resynced(vec![pod("a", "x")]));
        assert_eq!(effects, [Effect::ProbeServer]);
        assert_eq!(state.server, ServerStatus::Connecting);
        // Once is enough: the probe's answer decides what the header says.
        assert!(pods(&mut state, WatchChange::Applied(pod("a", "y"))).is_empty());
    }

    #[test]
    fn ten_thousand_pods_apply_and_filter_without_copying() {
        let mut state = state(NamespaceScope::All);
        let rows = (0..10_000)
            .map(|i| pod(&format!("ns{:02}", i % 50), &format!("pod-{i:05}")))
            .collect();
        pods(&mut state, WatchChange::Resynced(rows));
        assert_eq!(state.pods.visible().len(), 10_000);
        update(&mut state, key(KeyCode::Tab));
        update(
            &mut state,
            Action::Namespaces(WatchChange::Resynced(
                (0..50).map(|i| ns(&format!("ns{i:02}"))).collect(),
            )),
        );
        update(&mut state, key(KeyCode::Down));
        update(&mut state, key(KeyCode::Enter));
        assert_eq!(state.pods.visible().len(), 200);
        assert!(
            state
                .pods
                .visible()
                .iter()
                .all(|p| p.key.namespace == "ns00")
        );
    }
}
