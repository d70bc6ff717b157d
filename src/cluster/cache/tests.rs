//! The cache's sharing rules without a server: which running watch covers which subscription.

use super::*;
use crate::cluster::Catalog;

fn pods(scope: NamespaceScope) -> WatchTarget {
    WatchTarget::of(Catalog::builtin().resolve("pods").cloned().unwrap(), scope)
}

#[test]
fn an_all_namespaces_watch_covers_a_namespace_and_a_label_selection() {
    let all = pods(NamespaceScope::All);
    let want = covers(&all, &pods(NamespaceScope::Only("etl".into()))).unwrap();
    assert_eq!(want.namespace.as_deref(), Some("etl"));
    let drill = WatchTarget {
        label_selector: Some("app=airflow,component in (web,worker)".into()),
        ..pods(NamespaceScope::Only("orchestration".into()))
    };
    let want = covers(&all, &drill).unwrap();
    assert!(want.labels.is_some());
    assert!(covers(&all, &all).unwrap().everything());
    // The layers name the kind without its short names; it is the same resource.
    let mut bare = pods(NamespaceScope::All);
    bare.kind.short_names.clear();
    assert!(covers(&bare, &all).unwrap().everything());
}

#[test]
fn what_the_running_watch_lacks_gets_a_watch_of_its_own() {
    let etl = pods(NamespaceScope::Only("etl".into()));
    assert!(covers(&etl, &pods(NamespaceScope::All)).is_none());
    assert!(covers(&etl, &pods(NamespaceScope::Only("bi".into()))).is_none());
    let node = WatchTarget {
        field_selector: Some("spec.nodeName=worker-1".into()),
        ..pods(NamespaceScope::All)
    };
    assert!(covers(&pods(NamespaceScope::All), &node).is_none());
    let selected = WatchTarget {
        label_selector: Some("app=x".into()),
        ..pods(NamespaceScope::All)
    };
    assert!(covers(&selected, &pods(NamespaceScope::All)).is_none());
    let metadata = WatchTarget {
        metadata_only: true,
        ..pods(NamespaceScope::All)
    };
    assert!(covers(&pods(NamespaceScope::All), &metadata).is_none());
    let odd = WatchTarget {
        label_selector: Some("app=(".into()),
        ..pods(NamespaceScope::All)
    };
    assert!(
        covers(&pods(NamespaceScope::All), &odd).is_none(),
        "the server judges it"
    );
}

#[test]
fn wants_keep_what_they_select() {
    let row = |ns: &str, app: &str| {
        let mut row = ResourceRow::bare(
            RowKey::new(ns, format!("{app}-0")),
            Vec::new(),
            crate::printers::RowHealth::Running,
        );
        row.labels = [("app", app)].into_iter().collect();
        row
    };
    let want = Want {
        namespace: Some("etl".into()),
        labels: Some(LabelSelector::parse("app=airflow").unwrap()),
    };
    assert!(want.keeps(&row("etl", "airflow")));
    assert!(!want.keeps(&row("bi", "airflow")));
    assert!(!want.keeps(&row("etl", "superset")));
}
