//! The state machine with plain values: keys in, state and effects out.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::document::SharedObject;
use crate::app::harness::key_event;
use crate::app::keymap::Keymap;
use crate::app::state::{ContextInfo, Viewport};
use std::sync::Arc;

use crate::cluster::layers::{Freshness, LayersUpdate};
use crate::cluster::{ColumnHeader, ResourceRow, RowKey};
use crate::printers::Cell;
use crate::printers::RowHealth;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn started(scope: NamespaceScope) -> (AppState, Vec<Effect>) {
    let mut state = AppState::new(
        ContextInfo {
            name: "test".into(),
            cluster_url: "http://127.0.0.1:1/".into(),
        },
        scope,
        Keymap::builtin(),
        t0(),
    )
    .starting_on_pods();
    update(
        &mut state,
        Action::Resized(Viewport {
            rows: 3,
            width: 100,
        }),
    );
    let effects = update(&mut state, Action::Started);
    (state, effects)
}

fn state() -> AppState {
    started(NamespaceScope::All).0
}

/// A cockpit on the layers home screen, not started.
fn home() -> AppState {
    AppState::new(
        ContextInfo {
            name: "test".into(),
            cluster_url: "http://127.0.0.1:1/".into(),
        },
        NamespaceScope::All,
        Keymap::builtin(),
        t0(),
    )
}

fn press(state: &mut AppState, key: &str) -> Vec<Effect> {
    update(state, Action::Key(key_event(key)))
}

fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(
            state,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
}

fn command(state: &mut AppState, text: &str) -> Vec<Effect> {
    press(state, ":");
    type_text(state, text);
    press(state, "enter")
}

fn row(namespace: &str, name: &str) -> ResourceRow {
    let mut row = ResourceRow::bare(
        RowKey::new(namespace, name),
        vec![
            Cell::Text(name.into()),
            Cell::Text("1/1".into()),
            Cell::Text("Running".into()),
            Cell::Restarts {
                count: 0,
                last: None,
            },
            Cell::Age(Some(t0())),
        ],
        RowHealth::Running,
    );
    row.uid = format!("uid-{name}").as_str().into();
    row.labels = [("app", name)].into_iter().collect();
    row
}

fn resynced(rows: Vec<ResourceRow>) -> CacheEvent {
    CacheEvent::Reset(rows.into_iter().map(Arc::new).collect())
}

fn applied(row: ResourceRow) -> CacheEvent {
    CacheEvent::Applied(Arc::new(row))
}

fn stale(error: &str) -> CacheEvent {
    CacheEvent::Status(WatchStatus::Stale {
        since: t0(),
        error: error.into(),
    })
}

/// Namespace rows as the namespaces watch delivers them.
fn namespaces(names: &[&str]) -> CacheEvent {
    resynced(names.iter().map(|n| row("", n)).collect())
}

fn top_generation(state: &AppState) -> u64 {
    state.table().map(|t| t.generation).unwrap_or_default()
}

fn rows(state: &mut AppState, event: CacheEvent) -> Vec<Effect> {
    let generation = top_generation(state);
    update(state, Action::Resource { generation, event })
}

fn names(state: &AppState) -> Vec<String> {
    let table = state.table().expect("a table on top");
    table
        .window(0, usize::MAX)
        .map(|r| r.key.name.to_string())
        .collect()
}

/// The object a document asked for (as `generation`) arrives.
fn fetched(state: &mut AppState, generation: u64, object: serde_json::Value) {
    let object: kube::api::DynamicObject = serde_json::from_value(object).unwrap();
    update(
        state,
        Action::ObjectFetched {
            generation,
            result: Ok(SharedObject::new(object)),
        },
    );
}

fn watched(effects: &[Effect]) -> Option<&WatchTarget> {
    effects.iter().find_map(|e| match e {
        Effect::Watch { target, .. } => Some(target),
        _ => None,
    })
}

#[test]
fn starting_probes_discovers_and_watches_pods_in_the_launch_scope() {
    let (state, effects) = started(NamespaceScope::Only("data".into()));
    assert_eq!(
        effects[..3],
        [
            Effect::ProbeServer,
            Effect::WatchNamespaces,
            Effect::Discover
        ]
    );
    let target = watched(&effects).unwrap();
    assert_eq!(target.kind.plural, "pods");
    assert_eq!(target.scope, NamespaceScope::Only("data".into()));
    assert_eq!(state.favorites, ["data"]);
    assert_eq!(state.breadcrumbs(), ["pods"]);
}

#[test]
fn changes_from_a_replaced_watch_cost_nothing() {
    let mut state = state();
    let old = top_generation(&state);
    command(&mut state, "deploy");
    let before = state.revision;
    let effects = update(
        &mut state,
        Action::Resource {
            generation: old + 1000,
            event: applied(row("a", "late")),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(
        state.revision, before,
        "a stale change must not cost a frame"
    );
}

#[test]
fn a_command_opens_a_kind_and_esc_comes_back_to_the_same_place() {
    let mut state = state();
    rows(
        &mut state,
        resynced(vec![row("a", "1"), row("a", "2"), row("a", "3")]),
    );
    press(&mut state, "j");
    press(&mut state, "j");
    let effects = command(&mut state, "deploy");
    assert_eq!(watched(&effects).unwrap().kind.plural, "deployments");
    assert_eq!(state.breadcrumbs(), ["pods", "deployments"]);
    let effects = press(&mut state, "esc");
    let target = watched(&effects).expect("the pods watch restarts");
    assert_eq!(target.kind.plural, "pods");
    assert_eq!(state.table().unwrap().selected_row().unwrap().key.name, "3");
    assert_eq!(state.table().unwrap().sync, SyncState::Listing);
}

#[test]
fn tab_completes_a_command_and_unknown_ones_are_explained() {
    let mut state = state();
    press(&mut state, ":");
    type_text(&mut state, "sec");
    assert_eq!(
        state.prompt.as_ref().unwrap().completions,
        ["secrets", "security"]
    );
    press(&mut state, "tab");
    assert_eq!(state.prompt.as_ref().unwrap().text(), "secrets");
    press(&mut state, "esc");
    assert!(state.prompt.is_none());
    command(&mut state, "nonsense");
    let flash = state.flash.as_ref().unwrap();
    assert!(flash.error && flash.text.contains("nonsense"), "{flash:?}");
}

#[test]
fn filtering_is_live_and_esc_while_typing_restores_the_previous_filter() {
    let mut state = state();
    rows(
        &mut state,
        resynced(vec![row("a", "airflow-web"), row("a", "superset")]),
    );
    press(&mut state, "/");
    type_text(&mut state, "air");
    assert_eq!(names(&state), ["airflow-web"]);
    press(&mut state, "enter");
    press(&mut state, "/");
    type_text(&mut state, "x");
    assert!(names(&state).is_empty());
    press(&mut state, "esc");
    assert_eq!(names(&state), ["airflow-web"], "back to /air");
    // At the home view, esc clears the filter.
    press(&mut state, "esc");
    assert_eq!(names(&state), ["airflow-web", "superset"]);
    press(&mut state, "/");
    type_text(&mut state, "-l app=superset");
    press(&mut state, "enter");
    assert_eq!(names(&state), ["superset"]);
}

#[test]
fn enter_on_a_deployment_opens_its_pods_by_selector() {
    let mut state = state();
    command(&mut state, "deploy");
    let mut web = row("orchestration", "airflow-web");
    web.drill = Some(Box::new(crate::cluster::Drill {
        plural: "pods",
        namespace: Some("orchestration".into()),
        label_selector: Some("app=airflow,component=web".into()),
        field_selector: None,
        owner_uid: None,
    }));
    rows(&mut state, resynced(vec![web]));
    let effects = press(&mut state, "enter");
    let target = watched(&effects).unwrap();
    assert_eq!(target.kind.plural, "pods");
    assert_eq!(target.scope, NamespaceScope::Only("orchestration".into()));
    assert_eq!(
        target.label_selector.as_deref(),
        Some("app=airflow,component=web")
    );
    assert_eq!(state.breadcrumbs().last().unwrap(), "pods · airflow-web");
}

#[test]
fn a_cronjobs_jobs_are_the_ones_it_owns() {
    let mut state = state();
    command(&mut state, "cj");
    let mut nightly = row("transformation", "dbt-nightly");
    nightly.drill = Some(Box::new(crate::cluster::Drill {
        plural: "jobs",
        namespace: Some("transformation".into()),
        label_selector: None,
        field_selector: None,
        owner_uid: Some("uid-dbt-nightly".into()),
    }));
    rows(&mut state, resynced(vec![nightly]));
    press(&mut state, "enter");
    let mut owned = row("transformation", "dbt-nightly-1");
    owned.owner_uids = vec!["uid-dbt-nightly".into()].into();
    rows(
        &mut state,
        resynced(vec![owned, row("transformation", "other")]),
    );
    assert_eq!(names(&state), ["dbt-nightly-1"]);
}

#[test]
fn favourites_come_from_the_cluster_and_digits_switch_namespace() {
    let mut state = state();
    update(
        &mut state,
        Action::Namespaces(namespaces(&["kube-system", "orchestration", "bi"])),
    );
    assert_eq!(state.favorites, ["bi", "orchestration", "kube-system"]);
    rows(
        &mut state,
        resynced(vec![row("bi", "superset"), row("orchestration", "airflow")]),
    );
    let effects = press(&mut state, "2");
    assert_eq!(
        watched(&effects).unwrap().scope,
        NamespaceScope::Only("orchestration".into())
    );
    assert_eq!(
        names(&state),
        ["airflow"],
        "rows of other namespaces go at once"
    );
    assert_eq!(state.favorites[0], "orchestration", "most recent first");
    let effects = press(&mut state, "0");
    assert_eq!(watched(&effects).unwrap().scope, NamespaceScope::All);
    assert!(press(&mut state, "9").is_empty());
    assert!(state.flash.as_ref().unwrap().text.contains("no favourite"));
}

/// The Secret `platform/db` (password `hunter2`) arrives for the document `generation`.
fn fetched_secret(state: &mut AppState, generation: u64) {
    fetched(
        state,
        generation,
        serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "platform"},
            "data": {"password": "aHVudGVyMg=="}
        }),
    );
}

#[test]
fn describe_fetches_the_object_and_secrets_are_revealed_on_purpose() {
    let mut state = state();
    command(&mut state, "secrets");
    rows(&mut state, resynced(vec![row("platform", "db")]));
    let effects = press(&mut state, "y");
    let Some(Effect::FetchObject {
        generation, key, ..
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(key, RowKey::new("platform", "db"));
    fetched_secret(&mut state, generation);
    let text = |state: &AppState| match state.top() {
        View::Document(doc) => doc.lines.join("\n"),
        _ => panic!("a document on top"),
    };
    assert!(!text(&state).contains("hunter2"));
    press(&mut state, "x");
    assert!(text(&state).contains("hunter2"));
    press(&mut state, "x");
    assert!(!text(&state).contains("hunter2"));
    assert!(
        press(&mut state, "esc").is_empty(),
        "the table's watch kept running"
    );
}

#[test]
fn c_copies_a_rows_name_and_a_whole_document_with_secrets_still_masked() {
    let mut state = state();
    command(&mut state, "secrets");
    rows(&mut state, resynced(vec![row("platform", "db")]));
    assert_eq!(press(&mut state, "c"), [Effect::Clipboard("db".into())]);
    let Some(Effect::FetchObject { generation, .. }) = press(&mut state, "y").first().cloned()
    else {
        panic!("a fetch");
    };
    fetched_secret(&mut state, generation);
    press(&mut state, "x");
    let copied = match press(&mut state, "c").as_slice() {
        [Effect::Clipboard(text)] => text.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        copied.contains("kind: Secret") && copied.contains("password"),
        "{copied}"
    );
    assert!(
        !copied.contains("hunter2") && !copied.contains("aHVudGVyMg"),
        "{copied}"
    );
    assert!(
        state
            .flash
            .as_ref()
            .unwrap()
            .text
            .starts_with("copied yaml db")
    );
}

#[test]
fn a_fetch_error_is_shown_in_the_document() {
    let mut state = state();
    rows(&mut state, resynced(vec![row("a", "gone")]));
    let effects = press(&mut state, "d");
    let Some(Effect::FetchObject { generation, .. }) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Action::ObjectFetched {
            generation,
            result: Err("cannot read pod gone: 404".into()),
        },
    );
    match state.top() {
        View::Document(doc) => assert_eq!(doc.error.as_deref(), Some("cannot read pod gone: 404")),
        _ => panic!("a document on top"),
    }
}

#[test]
fn sort_keys_cycle_columns_and_direction() {
    let mut state = state();
    press(&mut state, "s");
    assert_eq!(state.table().unwrap().sort.map(|s| s.column), Some(0));
    press(&mut state, "S");
    assert_eq!(
        state.table().unwrap().sort.map(|s| s.descending),
        Some(true)
    );
}

#[test]
fn a_watch_error_keeps_rows_and_marks_them_stale_until_the_next_change() {
    let mut state = state();
    rows(&mut state, resynced(vec![row("a", "x")]));
    rows(&mut state, stale("connection refused"));
    update(
        &mut state,
        Action::Tick(t0() + chrono::Duration::seconds(30)),
    );
    rows(&mut state, stale("still refused"));
    assert_eq!(
        state.table().unwrap().sync,
        SyncState::Stale {
            error: "still refused".into(),
            since: t0()
        }
    );
    assert_eq!(names(&state), ["x"]);
    rows(&mut state, applied(row("a", "y")));
    assert!(matches!(
        state.table().unwrap().sync,
        SyncState::Stale { .. }
    ));
    rows(&mut state, CacheEvent::Status(WatchStatus::Live));
    assert_eq!(state.table().unwrap().sync, SyncState::Live);
    rows(
        &mut state,
        CacheEvent::Status(WatchStatus::Forbidden("not allowed".into())),
    );
    assert_eq!(
        state.table().unwrap().sync,
        SyncState::Unavailable("not allowed".into()),
        "a permission error is not staleness"
    );
}

#[test]
fn custom_columns_replace_the_defaults() {
    let mut state = state();
    let generation = top_generation(&state);
    update(
        &mut state,
        Action::Resource {
            generation,
            event: CacheEvent::Columns(vec![ColumnHeader {
                name: "NAME".into(),
                wide: false,
            }]),
        },
    );
    assert_eq!(state.table().unwrap().columns.len(), 1);
}

#[test]
fn a_context_switch_starts_over_on_the_new_cluster() {
    let mut state = state();
    command(&mut state, "deploy");
    let effects = command(&mut state, "ctx");
    assert_eq!(effects, [Effect::ListContexts]);
    let effects = update(
        &mut state,
        Action::Reconnected(Ok(ContextInfo {
            name: "prod".into(),
            cluster_url: "https://prod".into(),
        })),
    );
    assert_eq!(state.context.name, "prod");
    assert_eq!(state.breadcrumbs(), ["layers"], "home is the layers screen");
    assert!(effects.contains(&Effect::ProbeServer));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::AssessLayers { .. }))
    );
    update(&mut state, Action::Reconnected(Err("no route".into())));
    assert!(state.flash.as_ref().unwrap().error);
}

#[test]
fn quitting_and_signals_ask_the_runtime_to_stop() {
    let mut state = state();
    assert_eq!(command(&mut state, "q"), [Effect::Quit]);
    let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut state, ctrl_c.clone()), [Effect::Quit]);
    press(&mut state, ":");
    assert_eq!(
        update(&mut state, ctrl_c),
        [Effect::Quit],
        "even while typing"
    );
    assert_eq!(update(&mut state, Action::Terminate), [Effect::Quit]);
}

#[test]
fn unbound_keys_change_nothing() {
    let mut state = state();
    let before = state.revision;
    assert!(press(&mut state, "z").is_empty());
    assert_eq!(state.revision, before);
}

#[test]
fn a_watch_getting_through_reprobes_an_unreachable_server() {
    let mut state = state();
    update(&mut state, Action::ServerProbed(Err("refused".into())));
    assert!(rows(&mut state, stale("refused")).is_empty());
    assert!(rows(&mut state, resynced(vec![row("a", "x")])).is_empty());
    let effects = rows(&mut state, CacheEvent::Status(WatchStatus::Live));
    assert_eq!(effects, [Effect::ProbeServer]);
    assert!(rows(&mut state, applied(row("a", "y"))).is_empty());
}

#[test]
fn help_lists_the_keys_of_the_view_it_was_opened_from() {
    let mut state = state();
    press(&mut state, "?");
    match state.top() {
        View::Help(help) => assert_eq!(help.about, crate::app::keymap::KeyView::Pods),
        _ => panic!("help on top"),
    }
    press(&mut state, "esc");
    assert!(matches!(state.top(), View::Table(_)));
}

#[test]
fn the_product_opens_on_the_layers_which_follow_a_watch_not_a_timer() {
    let mut state = home();
    let effects = update(&mut state, Action::Started);
    let Some(Effect::AssessLayers { generation, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };
    assert_eq!(state.breadcrumbs(), ["layers"]);
    update(
        &mut state,
        empty_layers(
            generation,
            Freshness::Stale {
                since: t0(),
                kinds: vec!["pods".into()],
                error: "pods: connection refused".into(),
            },
        ),
    );
    match state.top() {
        View::Layers(layers) => assert!(matches!(layers.freshness, Some(Freshness::Stale { .. }))),
        _ => panic!("layers on top"),
    }
    // The report follows the cluster through a watch: the clock never asks again.
    for seconds in [5, 16, 600] {
        assert!(
            update(
                &mut state,
                Action::Tick(t0() + chrono::Duration::seconds(seconds))
            )
            .is_empty()
        );
    }
    // Away from the layers, no refresh; back on them, the watch starts again.
    command(&mut state, "pods");
    assert!(
        update(
            &mut state,
            Action::Tick(t0() + chrono::Duration::seconds(60))
        )
        .is_empty()
    );
    let effects = press(&mut state, "esc");
    assert!(
        matches!(effects[..], [Effect::AssessLayers { .. }]),
        "{effects:?}"
    );
    command(&mut state, "deploy");
    command(&mut state, "pods");
    let effects = command(&mut state, "layers");
    assert_eq!(state.breadcrumbs(), ["layers"], ":layers goes home");
    assert!(
        matches!(effects[..], [Effect::AssessLayers { .. }]),
        "{effects:?}"
    );
}

/// The layers' answer to `generation`: an empty stack, as fresh as `freshness`.
fn empty_layers(generation: u64, freshness: Freshness) -> Action {
    Action::LayersUpdated {
        generation,
        update: Box::new(LayersUpdate {
            report: Arc::new(crate::stack::assess::<crate::stack::StackObject>(
                &crate::stack::RuleSet::builtin(),
                &[],
                &[],
                t0(),
            )),
            runs: Default::default(),
            freshness,
            warnings: Vec::new(),
            reading_reasons: false,
        }),
    }
}

/// The layers home with a report of two components, the second with three workloads.
fn layers_with_a_report() -> AppState {
    use crate::stack::{
        ComponentReport, Health, Layer, LayerReport, RunSummary, StackReport, WorkloadReport,
    };
    let workload = |kind: &str, name: &str, role: &str, ready: &str, health| WorkloadReport {
        kind: kind.into(),
        name: name.into(),
        namespace: "orchestration".into(),
        role: role.into(),
        ready: ready.into(),
        health,
    };
    let component = |name: &str, workloads: Vec<WorkloadReport>| ComponentReport {
        name: name.into(),
        tool: Some(name.into()),
        tool_name: Some(name.into()),
        namespace: "orchestration".into(),
        release: Some(name.into()),
        release_revision: None,
        layer: Layer::Orchestration,
        health: Health::Healthy,
        reasons: Vec::new(),
        workloads,
        runs: RunSummary::default(),
        services: Vec::new(),
    };
    let report = StackReport {
        layers: vec![LayerReport {
            layer: Layer::Orchestration,
            health: Health::Degraded,
            components: vec![
                component("dagster", Vec::new()),
                component(
                    "airflow",
                    vec![
                        workload(
                            "StatefulSet",
                            "airflow-triggerer",
                            "triggerer",
                            "1/1",
                            Health::Healthy,
                        ),
                        workload(
                            "Deployment",
                            "airflow-scheduler",
                            "scheduler",
                            "0/1",
                            Health::Down,
                        ),
                        workload(
                            "Deployment",
                            "airflow-api-server",
                            "api",
                            "1/1",
                            Health::Healthy,
                        ),
                    ],
                ),
            ],
        }],
        generated: t0(),
    };
    let mut state = home();
    update(
        &mut state,
        Action::Resized(Viewport {
            rows: 10,
            width: 100,
        }),
    );
    let effects = update(&mut state, Action::Started);
    let Some(Effect::AssessLayers { generation, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Action::LayersUpdated {
            generation,
            update: Box::new(LayersUpdate {
                report: Arc::new(report),
                runs: Default::default(),
                freshness: Freshness::Live,
                warnings: Vec::new(),
                reading_reasons: false,
            }),
        },
    );
    state
}

#[test]
fn enter_on_a_component_opens_its_workloads_and_esc_keeps_the_selection() {
    let mut state = layers_with_a_report();
    press(&mut state, "j");
    let effects = press(&mut state, "enter");
    // The view comes from the report at once; only its events are fetched.
    let [
        Effect::FetchComponentEvents {
            generation,
            namespace,
            names,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(namespace, "orchestration");
    assert!(names.iter().any(|n| n == "airflow-scheduler"), "{names:?}");
    let generation = *generation;
    assert_eq!(state.breadcrumbs(), ["layers", "airflow"]);
    // Events for this view land in it; a stale generation is ignored.
    let event = crate::app::state::ComponentEvent {
        last_seen: None,
        warning: true,
        reason: "BackOff".into(),
        object: "pod/airflow-scheduler-1".into(),
        message: "Back-off restarting failed container".into(),
        count: 3,
    };
    update(
        &mut state,
        Action::ComponentEvents {
            generation: generation + 99,
            result: Ok(vec![]),
        },
    );
    match state.top() {
        View::Component(view) => assert!(view.events.is_none()),
        _ => panic!("the component view on top"),
    }
    update(
        &mut state,
        Action::ComponentEvents {
            generation,
            result: Ok(vec![event.clone()]),
        },
    );
    match state.top() {
        View::Component(view) => assert_eq!(view.events, Some(Ok(vec![event]))),
        _ => panic!("the component view on top"),
    }
    assert_eq!(state.key_view(), crate::app::keymap::KeyView::Component);
    let View::Component(view) = state.top() else {
        panic!("the component view on top");
    };
    // Grouped by kind (Deployments first), then by name.
    let listed: Vec<&str> = view.workloads().iter().map(|w| w.name.as_str()).collect();
    assert_eq!(
        listed,
        [
            "airflow-api-server",
            "airflow-scheduler",
            "airflow-triggerer"
        ]
    );
    assert_eq!(view.selected, 0);
    press(&mut state, "j");
    press(&mut state, "j");
    press(&mut state, "j");
    let View::Component(view) = state.top() else {
        panic!("the component view on top");
    };
    assert_eq!(view.selected, 2, "the cursor stops at the last workload");

    let effects = press(&mut state, "esc");
    assert!(
        matches!(effects[..], [Effect::AssessLayers { .. }]),
        "{effects:?}"
    );
    assert_eq!(state.breadcrumbs(), ["layers"]);
    let View::Layers(layers) = state.top() else {
        panic!("the layers on top");
    };
    assert_eq!(layers.selected, 1, "the same component stays selected");
}

#[test]
fn enter_on_a_workload_opens_its_pods() {
    let mut state = layers_with_a_report();
    press(&mut state, "j");
    press(&mut state, "enter");
    press(&mut state, "j");
    let effects = press(&mut state, "enter");
    assert_eq!(
        state.breadcrumbs(),
        ["layers", "airflow", "pods · airflow-scheduler"]
    );
    let target = watched(&effects).expect("the pods are watched");
    assert_eq!(target.kind.plural, "pods");
    assert_eq!(target.scope, NamespaceScope::Only("orchestration".into()));
    let table = state.table().unwrap();
    assert_eq!(
        table.filter.as_ref().map(|f| f.text.as_str()),
        Some("airflow-scheduler")
    );
    // Back on the component, the cursor is where it was.
    let effects = press(&mut state, "esc");
    assert!(effects.is_empty(), "{effects:?}");
    let View::Component(view) = state.top() else {
        panic!("the component view on top");
    };
    assert_eq!(view.selected_workload().unwrap().name, "airflow-scheduler");
}

#[test]
fn enter_on_a_component_without_workloads_does_nothing_more() {
    let mut state = layers_with_a_report();
    press(&mut state, "enter");
    assert_eq!(state.breadcrumbs(), ["layers", "dagster"]);
    assert!(press(&mut state, "enter").is_empty());
    assert_eq!(state.breadcrumbs(), ["layers", "dagster"]);
}

#[test]
fn describe_on_a_workload_fetches_it() {
    let mut state = layers_with_a_report();
    press(&mut state, "j");
    press(&mut state, "enter");
    press(&mut state, "j");
    let effects = press(&mut state, "d");
    let [Effect::FetchObject { kind, key, .. }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (kind.group.as_str(), kind.plural.as_str()),
        ("apps", "deployments")
    );
    assert_eq!(key, &RowKey::new("orchestration", "airflow-scheduler"));
    assert_eq!(state.key_view(), crate::app::keymap::KeyView::Describe);
}

#[test]
fn a_component_lists_its_services_after_its_workloads() {
    use crate::app::state::ComponentView;
    use crate::stack::{ComponentReport, RunSummary, WorkloadReport};
    let workload = WorkloadReport {
        kind: "Deployment".into(),
        name: "web".into(),
        namespace: "bi".into(),
        role: "web".into(),
        ready: "1/1".into(),
        health: crate::stack::Health::Healthy,
    };
    let component = ComponentReport {
        name: "superset".into(),
        tool: Some("superset".into()),
        tool_name: Some("Superset".into()),
        namespace: "bi".into(),
        release: None,
        release_revision: None,
        layer: crate::stack::Layer::Visualization,
        health: crate::stack::Health::Healthy,
        reasons: Vec::new(),
        workloads: vec![workload],
        runs: RunSummary::default(),
        services: vec!["superset".into()],
    };
    let view = ComponentView::new(component);
    let rows: Vec<(String, String)> = view
        .workloads()
        .iter()
        .map(|w| (w.kind.clone(), w.name.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("Deployment".to_string(), "web".to_string()),
            ("Service".to_string(), "superset".to_string())
        ]
    );
}

#[test]
fn on_the_layers_discovery_waits_until_they_have_settled() {
    let mut state = home();
    let effects = update(&mut state, Action::Started);
    assert!(!effects.contains(&Effect::Discover), "{effects:?}");
    let Some(Effect::AssessLayers { generation, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };
    let report = Arc::new(crate::stack::assess::<crate::stack::StackObject>(
        &crate::stack::RuleSet::builtin(),
        &[],
        &[],
        t0(),
    ));
    let layers = |freshness| Action::LayersUpdated {
        generation,
        update: Box::new(LayersUpdate {
            report: report.clone(),
            runs: Default::default(),
            freshness,
            warnings: Vec::new(),
            reading_reasons: false,
        }),
    };
    let syncing = Freshness::Syncing {
        waiting: vec!["pods".into()],
    };
    assert!(!update(&mut state, layers(syncing)).contains(&Effect::Discover));
    assert!(update(&mut state, layers(Freshness::Live)).contains(&Effect::Discover));
    assert!(
        !update(&mut state, layers(Freshness::Live)).contains(&Effect::Discover),
        "once"
    );
    // Without settled layers, the clock starts it.
    let mut state = home();
    update(&mut state, Action::Started);
    assert!(
        update(
            &mut state,
            Action::Tick(t0() + chrono::Duration::seconds(1))
        )
        .is_empty()
    );
    assert_eq!(
        update(
            &mut state,
            Action::Tick(t0() + chrono::Duration::seconds(2))
        ),
        [Effect::Discover]
    );
}

#[test]
fn the_layers_filter_describe_and_yaml_act_and_help_does_not_stack() {
    let mut state = layers_with_a_report();
    // `/` narrows the components; the cursor indexes what is shown.
    press(&mut state, "/");
    type_text(&mut state, "airfl");
    press(&mut state, "enter");
    let View::Layers(layers) = state.top() else {
        panic!("layers on top")
    };
    assert_eq!(layers.shown().unwrap().component_count(), 1);
    assert_eq!(layers.selected_component().unwrap().name, "airflow");
    // `d` describes the selected component's main workload.
    let effects = press(&mut state, "d");
    let [Effect::FetchObject { kind, key, .. }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(kind.kind, "Deployment");
    // The first row of its component view: Deployments first, by name.
    assert_eq!(
        (key.namespace.as_str(), key.name.as_str()),
        ("orchestration", "airflow-api-server")
    );
    press(&mut state, "esc");
    let effects = press(&mut state, "y");
    assert!(
        matches!(&effects[..], [Effect::FetchObject { .. }]),
        "{effects:?}"
    );
    press(&mut state, "esc");
    // esc at home clears the filter.
    press(&mut state, "esc");
    let View::Layers(layers) = state.top() else {
        panic!("layers on top")
    };
    assert_eq!(layers.shown().unwrap().component_count(), 2);
    // A component without workloads says so instead of opening nothing.
    press(&mut state, "g");
    assert!(press(&mut state, "d").is_empty());
    assert!(state.flash.as_ref().unwrap().text.contains("no workload"));
    // `?` inside help does not open another help.
    press(&mut state, "?");
    press(&mut state, "?");
    assert_eq!(state.breadcrumbs(), ["layers", "help"]);
}

#[test]
fn the_clock_redraws_only_what_reads_differently() {
    let mut state = state();
    let seconds = |n| t0() + chrono::Duration::seconds(n);
    // Nothing on screen depends on the clock: ticks cost no frame.
    update(&mut state, Action::Drawn(None));
    let before = state.revision;
    update(&mut state, Action::Tick(seconds(1)));
    update(&mut state, Action::Tick(seconds(2)));
    assert_eq!(state.revision, before);
    // An age on screen turns over at 60 s: a frame then, not before.
    update(&mut state, Action::Drawn(Some(seconds(60))));
    update(&mut state, Action::Tick(seconds(59)));
    assert_eq!(state.revision, before);
    update(&mut state, Action::Tick(seconds(60)));
    assert_ne!(state.revision, before);
}

#[test]
fn what_a_table_shows_tells_when_it_changes_next() {
    let mut state = state();
    rows(&mut state, resynced(vec![row("a", "young")]));
    // The row is as old as the clock: its AGE reads differently a second later, shown at
    // most every two seconds.
    let next = crate::ui::next_change(&state);
    assert_eq!(next, Some(t0() + chrono::Duration::seconds(2)));
    update(&mut state, Action::Tick(t0() + chrono::Duration::hours(10)));
    let next = crate::ui::next_change(&state).unwrap();
    assert_eq!(next, t0() + chrono::Duration::hours(11), "hours, once old");
}

#[test]
fn runs_narrowed_again_stay_one_view_and_esc_goes_home() {
    let mut state = home();
    command(&mut state, "runs");
    command(&mut state, "runs failed airbyte");
    assert_eq!(state.stack.len(), 2, "one runs view on the layers");
    match state.top() {
        View::Runs(runs) => assert_eq!(runs.filter, "failed airbyte"),
        _ => panic!("the runs view is on top"),
    }
    press(&mut state, "esc");
    assert!(matches!(state.top(), View::Layers(_)));
}

fn tool_page(ids: &[&str]) -> crate::app::tool::Page {
    use crate::app::tool::Row;
    crate::app::tool::Page {
        source: "Airflow 3 · pod orchestration/api-server-0 port 8080 (port-forward)".into(),
        namespace: Some("orchestration".into()),
        rows: ids
            .iter()
            .map(|id| Row {
                paused: Some(false),
                ..Row::new(*id)
            })
            .collect(),
    }
}

fn tool_generation(state: &AppState) -> u64 {
    match state.top() {
        View::Tool(view) => view.generation,
        other => panic!("not an Airflow view: {}", other.title()),
    }
}

#[test]
fn airflow_dags_open_runs_and_a_trigger_goes_conf_guard_confirm_then_to_the_runs() {
    use crate::app::tool::{Act, Approved, Level};
    let mut state = state();
    let effects = command(&mut state, "airflow");
    let generation = tool_generation(&state);
    assert_eq!(
        effects,
        [Effect::ToolLoad {
            generation,
            level: Level::Dags
        }]
    );
    update(
        &mut state,
        Action::ToolLoaded {
            generation,
            result: Ok(tool_page(&["customer_360", "orders_daily"])),
        },
    );
    press(&mut state, "j");
    // A load of a view no longer on screen changes nothing.
    update(
        &mut state,
        Action::ToolLoaded {
            generation: generation + 100,
            result: Err("late".into()),
        },
    );
    // Read again every few seconds while on top, never twice at once.
    let later = t0() + chrono::Duration::seconds(crate::app::tool::REFRESH_SECONDS);
    assert_eq!(update(&mut state, Action::Tick(later)).len(), 1);
    assert!(update(&mut state, Action::Tick(later)).is_empty());

    // t: the conf is edited and checked before the guard is asked.
    assert!(press(&mut state, "t").is_empty());
    assert_eq!(
        state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::AirflowConf)
    );
    press(&mut state, "backspace");
    press(&mut state, "backspace");
    type_text(&mut state, "{\"day\": ");
    assert!(
        press(&mut state, "enter").is_empty(),
        "a bad conf is not sent"
    );
    assert!(
        state.tool_draft.as_ref().unwrap().error.is_some(),
        "and says what is wrong"
    );
    type_text(&mut state, "\"2026-12-01\"}");
    let act = Act::Trigger {
        dag_id: "orders_daily".into(),
        conf: r#"{"day":"2026-12-01"}"#.into(),
    };
    assert_eq!(press(&mut state, "enter"), [Effect::ToolCheck(act.clone())]);
    update(
        &mut state,
        Action::ToolApproved {
            act: act.clone(),
            result: Ok(Approved {
                confirm: crate::guard::Confirm::YesNo,
                question: "run it? (y/n)".into(),
                preview: Vec::new(),
            }),
        },
    );
    assert_eq!(
        state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::ToolConfirm)
    );
    type_text(&mut state, "y");
    assert_eq!(
        press(&mut state, "enter"),
        [Effect::ToolAct {
            act: act.clone(),
            answer: "y".into()
        }]
    );
    let effects = update(
        &mut state,
        Action::ToolActed {
            act,
            result: Ok("run manual__1 queued".into()),
        },
    );
    // The new run's DAG opens on its runs.
    assert_eq!(state.top().title(), "airflow · orders_daily");
    assert!(matches!(
        effects.as_slice(),
        [Effect::ToolLoad { level: Level::Runs { dag_id }, .. }] if dag_id == "orders_daily"
    ));
    assert!(state.tool_draft.is_none());
    assert_eq!(
        state.flash.as_ref().map(|f| f.text.as_str()),
        Some("run manual__1 queued")
    );
}

#[test]
fn airflow_refusals_and_esc_send_nothing() {
    use crate::app::tool::{Act, Level};
    let mut state = state();
    command(&mut state, "dags");
    let generation = tool_generation(&state);
    update(
        &mut state,
        Action::ToolLoaded {
            generation,
            result: Ok(tool_page(&["orders_daily"])),
        },
    );
    // P asks the guard about pausing; a refusal (read-only) is said and nothing is sent.
    let act = Act::SetPaused {
        dag_id: "orders_daily".into(),
        paused: true,
    };
    assert_eq!(press(&mut state, "P"), [Effect::ToolCheck(act.clone())]);
    update(
        &mut state,
        Action::ToolApproved {
            act,
            result: Err("read-only: nothing was changed".into()),
        },
    );
    assert!(state.tool_draft.is_none() && state.prompt.is_none());
    assert!(state.flash.as_ref().unwrap().error);
    // C needs a run: on the DAGs it only says so.
    assert!(press(&mut state, "C").is_empty());
    // Enter goes down to the runs; C there asks about clearing the run under the cursor.
    let effects = press(&mut state, "enter");
    let runs = tool_generation(&state);
    assert!(matches!(
        effects.as_slice(),
        [Effect::ToolLoad {
            level: Level::Runs { .. },
            ..
        }]
    ));
    update(
        &mut state,
        Action::ToolLoaded {
            generation: runs,
            result: Ok(tool_page(&["manual__1"])),
        },
    );
    let clear = Act::ClearFailed {
        dag_id: "orders_daily".into(),
        run_id: "manual__1".into(),
    };
    assert_eq!(press(&mut state, "C"), [Effect::ToolCheck(clear)]);
    // Esc while the trigger's conf is edited: nothing is sent, the view stays.
    state.tool_draft = None;
    press(&mut state, "t");
    assert!(press(&mut state, "esc").is_empty());
    assert!(state.tool_draft.is_none());
    assert_eq!(tool_generation(&state), runs);
}

#[test]
fn an_airbyte_sync_is_asked_of_the_guard_at_once_and_opens_the_connections_jobs() {
    use crate::app::tool::{Act, Level, Row};
    let mut state = state();
    let effects = command(&mut state, "airbyte");
    let generation = tool_generation(&state);
    assert_eq!(
        effects,
        [Effect::ToolLoad {
            generation,
            level: Level::Connections
        }]
    );
    let mut page = tool_page(&[]);
    page.rows = vec![Row {
        label: "Stripe → ClickHouse".into(),
        ..Row::new("4e9c-stripe")
    }];
    update(
        &mut state,
        Action::ToolLoaded {
            generation,
            result: Ok(page),
        },
    );
    // No conf to edit: straight to the guard, the connection by id and by name.
    let act = Act::Sync {
        connection_id: "4e9c-stripe".into(),
        name: "Stripe → ClickHouse".into(),
    };
    assert_eq!(press(&mut state, "t"), [Effect::ToolCheck(act.clone())]);
    assert!(state.prompt.is_none());
    // P and C are Airflow's: nothing is asked here.
    assert!(press(&mut state, "P").is_empty() && press(&mut state, "C").is_empty());
    let effects = update(
        &mut state,
        Action::ToolActed {
            act,
            result: Ok("sync started: job 30001".into()),
        },
    );
    assert_eq!(state.top().title(), "airbyte · Stripe → ClickHouse");
    assert!(matches!(
        effects.as_slice(),
        [Effect::ToolLoad { level: Level::Jobs { connection_id, .. }, .. }] if connection_id == "4e9c-stripe"
    ));
}

#[test]
fn a_rollback_under_way_leaves_the_list_below_read_again() {
    use crate::app::tool::{Act, Approved, Level, Row};
    let mut state = state();
    command(&mut state, "helm");
    let generation = tool_generation(&state);
    let mut page = tool_page(&[]);
    page.rows = vec![Row {
        namespace: "bi".into(),
        label: "superset".into(),
        state: Some("failed".into()),
        try_number: 3,
        ..Row::new("bi/superset")
    }];
    update(
        &mut state,
        Action::ToolLoaded {
            generation,
            result: Ok(page),
        },
    );
    let act = Act::Rollback {
        namespace: "bi".into(),
        name: "superset".into(),
        to: None,
    };
    assert_eq!(press(&mut state, "r"), [Effect::ToolCheck(act.clone())]);
    update(
        &mut state,
        Action::ToolApproved {
            act: act.clone(),
            result: Ok(Approved {
                confirm: crate::guard::Confirm::YesNo,
                question: "run it? (y/n)".into(),
                preview: vec!["Roll back bi/superset from revision 3".into()],
            }),
        },
    );
    // While the question is open, nothing is read under it.
    let later = t0() + chrono::Duration::seconds(60);
    assert!(update(&mut state, Action::Tick(later)).is_empty());
    type_text(&mut state, "y");
    assert_eq!(
        press(&mut state, "enter"),
        [Effect::ToolAct {
            act,
            answer: "y".into()
        }]
    );
    // Sent: the releases are read again while helm waits, so its progress shows.
    let effects = update(
        &mut state,
        Action::Tick(later + chrono::Duration::seconds(5)),
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::ToolLoad {
            level: Level::Releases,
            ..
        }]
    ));
}

#[test]
fn an_upgrade_offers_the_chart_of_that_name_from_the_known_folders_and_keeps_what_was_typed() {
    use crate::app::tool::{Act, Row, Stage, ValuesChoice};
    let charts = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(charts.path().join("superset")).unwrap();
    std::fs::write(
        charts.path().join("superset/Chart.yaml"),
        "name: superset\n",
    )
    .unwrap();
    let mut state = state();
    state.chart_dirs = vec![charts.path().join("nowhere"), charts.path().to_path_buf()];
    command(&mut state, "helm");
    let generation = tool_generation(&state);
    let mut page = tool_page(&[]);
    page.rows = vec![Row {
        namespace: "bi".into(),
        label: "superset".into(),
        state: Some("failed".into()),
        detail: "superset-0.15.2 · app 5.0.0".into(),
        try_number: 3,
        ..Row::new("bi/superset")
    }];
    update(
        &mut state,
        Action::ToolLoaded {
            generation,
            result: Ok(page),
        },
    );
    assert!(press(&mut state, "U").is_empty());
    let offered = charts.path().join("superset").display().to_string();
    assert_eq!(state.prompt.as_ref().unwrap().text(), offered);
    // A version after the chart; then 2: the new defaults under the release's values.
    type_text(&mut state, " 0.15.3");
    assert!(press(&mut state, "enter").is_empty());
    assert_eq!(state.prompt.as_ref().unwrap().text(), "1");
    press(&mut state, "backspace");
    type_text(&mut state, "2");
    let act = Act::Upgrade {
        namespace: "bi".into(),
        name: "superset".into(),
        chart: offered.clone(),
        version: Some("0.15.3".into()),
        values: ValuesChoice::ResetThenReuse,
    };
    assert_eq!(press(&mut state, "enter"), [Effect::ToolCheck(act.clone())]);
    assert_eq!(state.tool_draft.as_ref().unwrap().stage, Stage::Checking);
    // Refused: the plan stays on screen; esc closes it, and U brings back what was typed.
    update(
        &mut state,
        Action::ToolApproved {
            act: act.clone(),
            result: Err("Nothing was changed: a check failed (below).\ncheck failed: x".into()),
        },
    );
    let draft = state.tool_draft.as_ref().unwrap();
    assert_eq!(draft.stage, Stage::Refused);
    assert_eq!(draft.preview.len(), 2);
    press(&mut state, "esc");
    assert!(state.tool_draft.is_none());
    assert!(press(&mut state, "U").is_empty());
    assert_eq!(
        state.prompt.as_ref().unwrap().text(),
        format!("{offered} 0.15.3")
    );
}
/// A read of the posture in `scope` (see [`crate::app::security::sample_posture`]).
fn posture_read(scope: NamespaceScope) -> Action {
    Action::PostureRead {
        scope: scope.clone(),
        result: Ok(Arc::new(crate::app::security::sample_posture(scope, t0()))),
    }
}

fn badge_texts(state: &AppState) -> Option<Vec<Option<String>>> {
    let View::Layers(layers) = &state.stack[0] else {
        panic!("layers at home");
    };
    layers.badges().map(|b| {
        b.iter()
            .map(|b| b.as_ref().map(|b| b.text.clone()))
            .collect()
    })
}

#[test]
fn the_layers_read_the_posture_once_per_scope_and_badge_their_components() {
    // Opening the layers does not read the posture yet: that waits until they settled.
    let mut state = home();
    let effects = update(&mut state, Action::Started);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FollowPosture { .. })),
        "{effects:?}"
    );
    // `layers_with_a_report` answers with a live report: the posture is followed from then.
    let mut state = layers_with_a_report();
    assert_eq!(state.posture_scope, Some(NamespaceScope::All));
    assert_eq!(badge_texts(&state), None, "no POSTURE before a read");
    // A read of namespaces no longer shown changes nothing.
    update(&mut state, posture_read(NamespaceScope::Only("bi".into())));
    assert_eq!(badge_texts(&state), None);
    update(&mut state, posture_read(NamespaceScope::All));
    // dagster is clean; airflow has two findings, the worst high.
    assert_eq!(
        badge_texts(&state),
        Some(vec![None, Some("⚑ high 2".to_string())])
    );
    // Filtering keeps each badge on its component.
    press(&mut state, "/");
    type_text(&mut state, "airflow");
    press(&mut state, "enter");
    assert_eq!(
        badge_texts(&state),
        Some(vec![Some("⚑ high 2".to_string())])
    );
    // Back on the layers the reader keeps going: no second one for the same scope.
    command(&mut state, "pods");
    let effects = press(&mut state, "esc");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FollowPosture { .. })),
        "{effects:?}"
    );
    // A failed read keeps the last findings, with the error beside them.
    update(
        &mut state,
        Action::PostureRead {
            scope: NamespaceScope::All,
            result: Err("connection refused".into()),
        },
    );
    assert_eq!(
        badge_texts(&state),
        Some(vec![Some("⚑ high 2".to_string())])
    );
    assert_eq!(state.posture.error.as_deref(), Some("connection refused"));
    // Another scope: the old findings go at once, and the new scope is read once its
    // layers have settled.
    state.scope = NamespaceScope::Only("bi".into());
    let effects = command(&mut state, "layers");
    assert!(state.posture.latest.is_none() && badge_texts(&state).is_none());
    let Some(Effect::AssessLayers { generation, .. }) = effects.last().cloned() else {
        panic!("{effects:?}");
    };
    let effects = update(&mut state, empty_layers(generation, Freshness::Live));
    assert_eq!(
        effects,
        [Effect::FollowPosture {
            scope: NamespaceScope::Only("bi".into())
        }]
    );
}

#[test]
fn a_component_shows_its_findings_and_f_lists_them() {
    let mut state = layers_with_a_report();
    update(&mut state, posture_read(NamespaceScope::All));
    press(&mut state, "j");
    press(&mut state, "enter");
    let View::Component(view) = state.top() else {
        panic!("the component on top");
    };
    let findings = view.findings.as_ref().expect("findings from the read");
    let checks: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["credentials.default", "runtime.plain-secret"]);
    assert_eq!(view.badge.as_ref().unwrap().counts(), "1 high, 1 medium");
    // F: the security list, narrowed to this component.
    press(&mut state, "F");
    assert_eq!(state.breadcrumbs(), ["layers", "airflow", "security"]);
    let View::Security(security) = state.top() else {
        panic!("security on top");
    };
    assert_eq!(security.len(), 2);
    assert!((0..2).all(|i| security.row(i).unwrap().component == "airflow"));
}

#[test]
fn security_lists_every_finding_filters_and_opens_the_object_at_the_evidence() {
    let mut state = layers_with_a_report();
    update(&mut state, posture_read(NamespaceScope::All));
    let effects = command(&mut state, "security");
    assert!(effects.is_empty(), "the reader is already running");
    let View::Security(view) = state.top() else {
        panic!("security on top");
    };
    assert_eq!(view.len(), 5);
    assert_eq!(
        view.row(0).unwrap().severity,
        crate::security::Severity::High
    );
    assert_eq!(
        view.posture.latest.as_ref().unwrap().warnings.len(),
        1,
        "what could not be read stays with the findings"
    );
    assert_eq!(state.key_view(), crate::app::keymap::KeyView::Security);
    press(&mut state, "/");
    type_text(&mut state, "load");
    press(&mut state, "enter");
    let View::Security(view) = state.top() else {
        panic!("security on top");
    };
    assert_eq!(view.len(), 1);
    let effects = press(&mut state, "enter");
    let Some(Effect::FetchObject {
        generation,
        kind,
        key,
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (kind.plural.as_str(), key),
        ("services", RowKey::new("warehouse", "trino"))
    );
    let mut lines = serde_json::Map::new();
    for i in 0..40 {
        lines.insert(format!("note-{i:02}"), serde_json::json!("x"));
    }
    fetched(
        &mut state,
        generation,
        serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "trino", "namespace": "warehouse", "annotations": lines},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 8080}]}
        }),
    );
    let View::Document(doc) = state.top() else {
        panic!("the object's document on top");
    };
    assert_eq!(doc.kind, DocumentKind::Yaml);
    let at = doc.matches[doc.current];
    assert!(
        doc.lines[at].contains("type: LoadBalancer"),
        "{:?}",
        doc.lines
    );
    assert!(
        (doc.offset..doc.offset + 10).contains(&at),
        "the evidence is on screen: line {at}, offset {}",
        doc.offset
    );
    press(&mut state, "esc");
    assert_eq!(state.breadcrumbs(), ["layers", "security"]);
}
