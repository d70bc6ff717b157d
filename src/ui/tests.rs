//! Render tests: whole-screen snapshots of every view at 120×40 and 80×24 from hand-built
//! states (rows made by the real printers from API objects), plus explicit checks where
//! colour or safety carries meaning (snapshots do not capture styles).

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use serde_json::json;

use super::{Theme, render, viewport};
use crate::app::document::SharedObject;
use crate::app::harness::key_event;
use crate::app::{Action, AppState, ContextInfo, Effect, Keymap, ServerStatus, View, update};
use crate::cluster::contexts::ContextEntry;
use crate::cluster::resource::Projector;
use std::sync::Arc;

use crate::cluster::{CacheEvent, Catalog, NamespaceScope, ResourceRow, RowKey, WatchStatus};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn ago(minutes: i64) -> String {
    (now() - Duration::minutes(minutes)).to_rfc3339()
}

/// A pod as the API server would send it, with one container in `state`.
fn pod(
    namespace: &str,
    name: &str,
    phase: &str,
    state: serde_json::Value,
    restarts: i64,
    age_minutes: i64,
) -> serde_json::Value {
    let ready = state.get("running").is_some();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": format!("uid-{name}"),
                     "creationTimestamp": ago(age_minutes), "labels": {"app": name.split('-').next()}},
        "spec": {"containers": [{"name": "main", "image": "x:1"}], "nodeName": "worker-1"},
        "status": {"phase": phase, "podIP": "10.244.0.7",
                   "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                   "containerStatuses": [{"name": "main", "ready": ready, "restartCount": restarts,
                                          "state": state,
                                          "lastState": if restarts > 0 { json!({"terminated": {"exitCode": 1, "finishedAt": ago(2)}}) } else { json!({}) }}]}
    })
}

fn running() -> serde_json::Value {
    json!({"running": {"startedAt": ago(60)}})
}

fn demo_pods() -> Vec<serde_json::Value> {
    vec![
        pod(
            "ingestion",
            "airbyte-server-6c9f7d8b5-x2k4q",
            "Running",
            running(),
            0,
            252,
        ),
        pod(
            "ingestion",
            "airbyte-worker-5d8c6b7f9-7hjkl",
            "Running",
            running(),
            1,
            252,
        ),
        pod(
            "ingestion",
            "source-postgres-sync-4182-ab12c",
            "Failed",
            json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
            0,
            7,
        ),
        pod(
            "orchestration",
            "airflow-scheduler-0",
            "Running",
            running(),
            0,
            26 * 60,
        ),
        pod(
            "orchestration",
            "airflow-worker-0",
            "Running",
            json!({"waiting": {"reason": "CrashLoopBackOff"}}),
            12,
            90,
        ),
        pod(
            "transformation",
            "dbt-nightly-29518340-q8wz2",
            "Succeeded",
            json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
            0,
            45,
        ),
        pod(
            "warehouse",
            "clickhouse-shard0-0",
            "Pending",
            json!({"waiting": {"reason": "ContainerCreating"}}),
            0,
            1,
        ),
        pod(
            "bi",
            "superset-7d9f8c6b5-abcde",
            "Running",
            running(),
            0,
            3 * 24 * 60,
        ),
    ]
}

fn rows_of(plural: &str, objects: &[serde_json::Value]) -> Vec<ResourceRow> {
    let catalog = Catalog::builtin();
    let kind = catalog.resolve(plural).unwrap();
    let projector = Projector::for_kind(kind);
    objects
        .iter()
        .map(|o| projector.row(kind, o, false))
        .collect()
}

fn cockpit(width: u16, height: u16, scope: NamespaceScope) -> AppState {
    let mut state = AppState::new(
        ContextInfo {
            name: "strata-sim".into(),
            cluster_url: "http://127.0.0.1:6443/".into(),
        },
        scope,
        Keymap::builtin(),
        now(),
    )
    .starting_on_pods();
    update(
        &mut state,
        Action::Resized(viewport(Rect::new(0, 0, width, height))),
    );
    update(&mut state, Action::Started);
    update(&mut state, Action::ServerProbed(Ok("v1.35.0".into())));
    let ns = |name: &str| {
        Arc::new(ResourceRow::bare(
            RowKey::new("", name),
            Vec::new(),
            crate::printers::RowHealth::Running,
        ))
    };
    update(
        &mut state,
        Action::Namespaces(CacheEvent::Reset(
            [
                "bi",
                "ingestion",
                "kube-system",
                "orchestration",
                "transformation",
                "warehouse",
            ]
            .map(ns)
            .to_vec(),
        )),
    );
    state
}

fn resync(state: &mut AppState, rows: Vec<ResourceRow>) {
    let generation = state.table().unwrap().generation;
    update(
        state,
        Action::Resource {
            generation,
            event: CacheEvent::Reset(rows.into_iter().map(Arc::new).collect()),
        },
    );
}

fn pods_cockpit(width: u16, height: u16) -> AppState {
    let mut state = cockpit(width, height, NamespaceScope::All);
    resync(&mut state, rows_of("pods", &demo_pods()));
    state
}

fn press(state: &mut AppState, keys: &[&str]) -> Vec<Effect> {
    keys.iter()
        .flat_map(|key| update(state, Action::Key(key_event(key))))
        .collect()
}

fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Action::Key(key_event(&c.to_string())));
    }
}

fn draw(state: &AppState, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(state, theme, frame)).unwrap();
    terminal
}

fn screen_text(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The style of the first cell of the first occurrence of `needle`.
fn style_of(buffer: &Buffer, needle: &str) -> ratatui::style::Style {
    let text = screen_text(buffer);
    let width = usize::from(buffer.area.width) + 1;
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"));
    let chars = text[..at].chars().count();
    let (y, x) = (chars / width, chars % width);
    buffer[(x as u16, y as u16)].style()
}

/// Snapshots one scenario at both sizes.
macro_rules! snapshots {
    ($name:ident, $build:expr) => {
        #[test]
        fn $name() {
            for (width, height) in [(120u16, 40u16), (80, 24)] {
                let build: fn(u16, u16) -> AppState = $build;
                let state = build(width, height);
                insta::assert_snapshot!(
                    format!("{}_{width}x{height}", stringify!($name)),
                    draw(&state, &Theme::default(), width, height).backend()
                );
            }
        }
    };
}

snapshots!(pods_in_all_namespaces, |w, h| pods_cockpit(w, h));

snapshots!(pods_filtered_and_sorted, |w, h| {
    let mut state = pods_cockpit(w, h);
    press(&mut state, &["/"]);
    type_text(&mut state, "air");
    press(&mut state, &["enter", "s", "s", "s", "s", "S"]);
    state
});

snapshots!(command_line_with_completions, |w, h| {
    let mut state = pods_cockpit(w, h);
    press(&mut state, &[":"]);
    type_text(&mut state, "de");
    state
});

snapshots!(deployments_in_one_namespace, |w, h| {
    let mut state = cockpit(w, h, NamespaceScope::Only("orchestration".into()));
    press(&mut state, &[":"]);
    type_text(&mut state, "deploy");
    press(&mut state, &["enter"]);
    let deployment = |name: &str, ready: i64, replicas: i64| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": "orchestration", "creationTimestamp": ago(3000)},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                        "template": {"spec": {"containers": [{"name": "main", "image": "apache/airflow:3.0.2"}]}}},
               "status": {"readyReplicas": ready, "updatedReplicas": replicas, "availableReplicas": ready}})
    };
    resync(
        &mut state,
        rows_of(
            "deployments",
            &[
                deployment("airflow-api-server", 1, 1),
                deployment("airflow-scheduler", 0, 2),
                deployment("airflow-statsd", 1, 1),
            ],
        ),
    );
    state
});

snapshots!(listing_with_an_unreachable_server, |w, h| {
    let mut state = cockpit(w, h, NamespaceScope::Only("warehouse".into()));
    update(
        &mut state,
        Action::ServerProbed(Err(
            "cannot reach the API server: connection refused; check that the cluster is up".into(),
        )),
    );
    state
});

snapshots!(a_forbidden_list, |w, h| {
    let mut state = cockpit(w, h, NamespaceScope::All);
    press(&mut state, &[":"]);
    type_text(&mut state, "secrets");
    press(&mut state, &["enter"]);
    let generation = state.table().unwrap().generation;
    update(
        &mut state,
        Action::Resource {
            generation,
            event: CacheEvent::Status(WatchStatus::Forbidden(
                "not allowed to watch secrets: secrets is forbidden: User \"viewer\" cannot list resource \"secrets\"; ask for read access or pick a namespace you can read".into(),
            )),
        },
    );
    state
});

fn secret_yaml(width: u16, height: u16) -> AppState {
    let mut state = cockpit(width, height, NamespaceScope::Only("platform".into()));
    press(&mut state, &[":"]);
    type_text(&mut state, "secrets");
    press(&mut state, &["enter"]);
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "postgresql", "namespace": "platform", "creationTimestamp": ago(600),
                     "labels": {"app.kubernetes.io/name": "postgresql"}},
        "data": {"password": "aHVudGVyMg==", "username": "YWlyZmxvdw=="}});
    resync(
        &mut state,
        rows_of("secrets", std::slice::from_ref(&secret)),
    );
    let effects = press(&mut state, &["y"]);
    let Some(Effect::FetchObject { generation, .. }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Action::ObjectFetched {
            generation,
            result: Ok(SharedObject::new(serde_json::from_value(secret).unwrap())),
        },
    );
    state
}

snapshots!(yaml_of_a_secret_masked, |w, h| secret_yaml(w, h));

snapshots!(describe_with_search, |w, h| {
    let mut state = pods_cockpit(w, h);
    press(&mut state, &["/"]);
    type_text(&mut state, "scheduler");
    press(&mut state, &["enter"]);
    let effects = press(&mut state, &["d"]);
    let Some(Effect::FetchObject { generation, .. }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    let object = demo_pods()[3].clone();
    update(
        &mut state,
        Action::ObjectFetched {
            generation,
            result: Ok(SharedObject::new(serde_json::from_value(object).unwrap())),
        },
    );
    press(&mut state, &["/"]);
    type_text(&mut state, "ready");
    press(&mut state, &["enter"]);
    state
});

snapshots!(contexts, |w, h| {
    let mut state = pods_cockpit(w, h);
    press(&mut state, &[":"]);
    type_text(&mut state, "ctx");
    press(&mut state, &["enter"]);
    let entry = |name: &str, ns: &str| ContextEntry {
        name: name.into(),
        cluster: name.into(),
        user: "admin".into(),
        namespace: ns.into(),
    };
    update(
        &mut state,
        Action::ContextsListed(Ok(vec![entry("prod-eu", "data"), entry("strata-sim", "")])),
    );
    state
});

snapshots!(layers_home, |w, h| layers_cockpit(w, h));

// Enter on the layers' airflow: its workloads grouped by kind.
snapshots!(component_workloads, |w, h| {
    let mut state = layers_cockpit(w, h);
    let View::Layers(layers) = state.top() else {
        panic!("layers on top");
    };
    let report = layers.report.clone().unwrap();
    let at = report
        .components()
        .position(|c| c.name == "airflow")
        .expect("airflow in the demo");
    for _ in 0..at {
        press(&mut state, &["j"]);
    }
    press(&mut state, &["enter", "j"]);
    let View::Component(view) = state.top() else {
        panic!("the component view on top");
    };
    // Its recent events, as the fetch delivers them.
    let generation = view.generation;
    let now = state.now;
    let event = |minutes: i64, warning: bool, reason: &str, object: &str, message: &str| {
        crate::app::state::ComponentEvent {
            last_seen: Some(now - chrono::Duration::minutes(minutes)),
            warning,
            reason: reason.into(),
            object: object.into(),
            message: message.into(),
            count: if warning { 14 } else { 1 },
        }
    };
    update(
        &mut state,
        Action::ComponentEvents {
            generation,
            result: Ok(vec![
                event(
                    2,
                    true,
                    "BackOff",
                    "pod/airflow-scheduler-7d9f-x2x",
                    "Back-off restarting failed container scheduler",
                ),
                event(
                    9,
                    false,
                    "ScalingReplicaSet",
                    "deployment/airflow-webserver",
                    "Scaled up replica set airflow-webserver-5c to 1",
                ),
            ]),
        },
    );
    state
});

fn layers_cockpit(w: u16, h: u16) -> AppState {
    layers_cockpit_with(w, h, crate::cluster::layers::Freshness::Live)
}

fn layers_cockpit_with(w: u16, h: u16, freshness: crate::cluster::layers::Freshness) -> AppState {
    let mut state = AppState::new(
        ContextInfo {
            name: "strata-sim".into(),
            cluster_url: "http://127.0.0.1:6443/".into(),
        },
        NamespaceScope::All,
        Keymap::builtin(),
        now(),
    );
    update(&mut state, Action::Resized(viewport(Rect::new(0, 0, w, h))));
    let effects = update(&mut state, Action::Started);
    let Some(Effect::AssessLayers { generation, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };
    let objects: Vec<crate::stack::StackObject> = demo_pods()
        .iter()
        .map(crate::stack::StackObject::from_json)
        .collect();
    let report = crate::stack::assess(&crate::stack::RuleSet::builtin(), &objects, &[], now());
    update(
        &mut state,
        Action::LayersUpdated {
            generation,
            update: Box::new(crate::cluster::layers::LayersUpdate {
                report: Arc::new(report),
                runs: Default::default(),
                freshness,
                warnings: vec![crate::cluster::layers::ReadWarning {
                    kind: "secrets".into(),
                    namespace: None,
                    name: None,
                    reason: "cannot list secrets: forbidden".into(),
                }],
                reading_reasons: false,
            }),
        },
    );
    state
}

// The API server stopped answering 42 s ago: every badge is provisional, the age is said.
snapshots!(layers_stale, |w, h| {
    let mut state = layers_cockpit_with(
        w,
        h,
        crate::cluster::layers::Freshness::Stale {
            since: now() - chrono::Duration::seconds(42),
            kinds: vec!["pods".into(), "deployments".into()],
            error: "pods: client error (Connect): tcp connect error: Connection refused".into(),
        },
    );
    update(&mut state, Action::Tick(now()));
    state
});

// Still reading pods: nothing is called healthy yet.
snapshots!(layers_syncing, |w, h| layers_cockpit_with(
    w,
    h,
    crate::cluster::layers::Freshness::Syncing {
        waiting: vec!["pods".into()],
    },
));

snapshots!(help, |w, h| {
    let mut state = pods_cockpit(w, h);
    press(&mut state, &["?"]);
    state
});

#[test]
fn statuses_are_coloured_by_meaning() {
    let state = pods_cockpit(120, 40);
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let buffer = terminal.backend().buffer();
    assert_eq!(style_of(buffer, "CrashLoopBackOff").fg, Some(Color::Red));
    assert_eq!(style_of(buffer, "Error").fg, Some(Color::Red));
    assert_eq!(style_of(buffer, "Completed").fg, Some(Color::Blue));
    assert_eq!(
        style_of(buffer, "ContainerCreating").fg,
        Some(Color::Yellow)
    );
}

#[test]
fn filter_matches_are_highlighted() {
    let mut state = pods_cockpit(120, 40);
    press(&mut state, &["/"]);
    type_text(&mut state, "sched");
    press(&mut state, &["enter"]);
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let buffer = terminal.backend().buffer();
    assert_eq!(
        style_of(buffer, "sched").fg,
        Theme::default().active_filter.fg
    );
    assert_ne!(
        style_of(buffer, "airflow-").fg,
        Theme::default().active_filter.fg
    );
}

#[test]
fn the_cursor_row_is_highlighted() {
    let state = pods_cockpit(120, 40);
    let theme = Theme::default();
    let terminal = draw(&state, &theme, 120, 40);
    // Namespace order puts `bi` first: its pod has the cursor.
    assert_eq!(
        style_of(terminal.backend().buffer(), "superset-7d9f").bg,
        theme.selection.bg
    );
    assert_ne!(
        style_of(terminal.backend().buffer(), "airbyte-server").bg,
        theme.selection.bg
    );
}

#[test]
fn no_color_draws_without_colour() {
    let state = pods_cockpit(80, 24);
    let terminal = draw(&state, &Theme::no_color(), 80, 24);
    for cell in &terminal.backend().buffer().content {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn hostile_names_cannot_reach_the_terminal() {
    let mut state = cockpit(120, 40, NamespaceScope::All);
    let evil = pod(
        "bad\u{1b}]0;pwned\u{7}ns",
        "aaa\u{1b}[2Jevil\u{202e}",
        "Running",
        running(),
        0,
        1,
    );
    resync(&mut state, rows_of("pods", &[evil]));
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let text = screen_text(terminal.backend().buffer());
    assert!(text.contains("aaaevil"), "{text}");
    assert!(text.contains("badns"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "no control character reaches a cell"
    );
}

#[test]
fn hostile_names_cannot_reach_the_terminal_from_a_component() {
    use crate::stack::{ComponentReport, Health, Layer, RunSummary, WorkloadReport};
    let mut state = cockpit(120, 40, NamespaceScope::All);
    let evil = "aaa\u{1b}[2Jevil\u{202e}";
    let component = ComponentReport {
        name: evil.into(),
        tool: None,
        tool_name: Some(evil.into()),
        namespace: "bad\u{1b}]0;pwned\u{7}ns".into(),
        release: Some(evil.into()),
        release_revision: None,
        layer: Layer::Orchestration,
        health: Health::Down,
        reasons: vec![format!("{evil} is down")],
        workloads: vec![WorkloadReport {
            kind: "Deployment\u{7}".into(),
            name: evil.into(),
            namespace: "bad\u{1b}]0;pwned\u{7}ns".into(),
            role: evil.into(),
            ready: "0/1\u{1b}[5m".into(),
            health: Health::Down,
        }],
        runs: RunSummary::default(),
        services: Vec::new(),
    };
    state.stack.push(View::Component(Box::new(
        crate::app::state::ComponentView::new(component),
    )));
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let text = screen_text(terminal.backend().buffer());
    assert!(text.contains("aaaevil"), "{text}");
    assert!(text.contains("badns"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "no control character reaches a cell:\n{text}"
    );
}

#[test]
fn only_the_rows_on_screen_are_drawn_for_a_huge_cluster() {
    let mut state = cockpit(120, 40, NamespaceScope::All);
    let template = rows_of("pods", &demo_pods()[..1]).remove(0);
    let rows = (0..50_000)
        .map(|i| {
            let mut row = template.clone();
            row.key.name = format!("pod-{i:05}").into();
            row.cells[0] = crate::printers::Cell::Text(row.key.name.to_string());
            row
        })
        .collect();
    resync(&mut state, rows);
    press(&mut state, &["G"]);
    let terminal = draw(&state, &Theme::default(), 120, 40);
    let text = screen_text(terminal.backend().buffer());
    assert!(text.contains("pod-49999"), "{text}");
    assert!(text.contains("50000/50000"), "{text}");
    assert!(!text.contains("pod-00000"), "{text}");
}

#[test]
fn every_size_from_tiny_to_wide_renders() {
    for (width, height) in [(10, 3), (59, 24), (60, 10), (80, 24), (200, 60), (300, 100)] {
        let state = pods_cockpit(width, height);
        let text = screen_text(
            draw(&state, &Theme::default(), width, height)
                .backend()
                .buffer(),
        );
        if width < super::MIN_WIDTH || height < super::MIN_HEIGHT {
            assert!(text.contains("Strata"), "{width}×{height}: {text}");
        } else {
            assert!(text.contains("airbyte-server"), "{width}×{height}: {text}");
        }
    }
}

#[test]
fn the_header_names_the_context_the_crumbs_and_the_favourites() {
    let mut state = pods_cockpit(120, 40);
    press(&mut state, &[":"]);
    type_text(&mut state, "deploy");
    press(&mut state, &["enter"]);
    let text = screen_text(draw(&state, &Theme::default(), 120, 40).backend().buffer());
    let header: Vec<&str> = text.lines().take(2).collect();
    assert!(
        header[0].contains("strata-sim") && header[0].contains("v1.35.0"),
        "{header:?}"
    );
    assert!(header[1].contains("<pods> <deployments>"), "{header:?}");
    assert!(
        header[1].contains("0 all") && header[1].contains("1 bi"),
        "{header:?}"
    );
    let _ = ServerStatus::Connecting;
}

/// A read of the posture (see [`crate::app::security::sample_posture`]).
fn with_posture(mut state: AppState) -> AppState {
    let posture = crate::app::security::sample_posture(NamespaceScope::All, now());
    update(
        &mut state,
        Action::PostureRead {
            scope: NamespaceScope::All,
            result: Ok(Arc::new(posture)),
        },
    );
    state
}

// The layers with each component's posture badge, the selected one's counts in its details.
snapshots!(layers_with_posture, |w, h| {
    let mut state = with_posture(layers_cockpit(w, h));
    press(&mut state, &["j", "j", "j"]);
    state
});

// `:security`: every finding worst first, the selected one in full, what was not read.
snapshots!(security_findings, |w, h| {
    let mut state = with_posture(layers_cockpit(w, h));
    press(&mut state, &[":"]);
    type_text(&mut state, "security");
    press(&mut state, &["enter", "j"]);
    state
});

#[test]
fn posture_badges_are_coloured_by_severity() {
    let state = with_posture(layers_cockpit(120, 40));
    let theme = Theme::default();
    let terminal = draw(&state, &theme, 120, 40);
    let buffer = terminal.backend().buffer();
    assert_eq!(style_of(buffer, "⚑ high 2").fg, theme.health.failed.fg);
    assert_eq!(style_of(buffer, "⚑ medium 1").fg, theme.health.degraded.fg);
}
