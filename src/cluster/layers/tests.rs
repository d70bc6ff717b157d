//! The layers feed against the simulator: it settles, reads only the newest release payload,
//! and says what it could not read.

use std::time::Duration;

use futures::StreamExt;
use strata_sim::{self as sim, SimConfig};

use super::*;
use crate::cluster::{ConnectTarget, KubeconfigSource, connect};

async fn cache(context: &str) -> (sim::RunningSim, Cache) {
    let sim = sim::start(SimConfig {
        runs: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let connection = connect(&ConnectTarget {
        source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
        context: Some(context.into()),
    })
    .await
    .unwrap();
    (sim, Cache::new(connection.client))
}

async fn settled(cache: Cache, scope: NamespaceScope) -> LayersUpdate {
    tokio::time::timeout(
        Duration::from_secs(30),
        assess_once(cache, scope, Arc::new(RuleSet::builtin())),
    )
    .await
    .expect("settles in time")
    .expect("the demo can be read")
}

#[tokio::test]
async fn the_demo_settles_with_its_newest_releases_and_no_warnings() {
    let (_sim, cache) = cache("strata-sim").await;
    let update = settled(cache, NamespaceScope::All).await;
    assert!(update.warnings.is_empty(), "{:?}", update.warnings);
    let trino = update
        .report
        .components()
        .find(|c| c.release.as_deref() == Some("trino"))
        .expect("trino");
    assert_eq!(trino.release_revision.map(|(r, _)| r), Some(4));
    assert!(update.report.component_count() > 8);
}

#[tokio::test]
async fn a_namespace_scope_reads_only_that_namespace() {
    let (_sim, cache) = cache("strata-sim").await;
    let update = settled(cache, NamespaceScope::Only("bi".into())).await;
    assert!(update.report.components().all(|c| c.namespace == "bi"));
    assert!(
        update
            .report
            .components()
            .any(|c| c.release.as_deref() == Some("superset"))
    );
}

#[tokio::test]
async fn a_viewer_gets_warnings_that_name_what_it_could_not_read() {
    let (_sim, cache) = cache("strata-sim-viewer").await;
    let update = settled(cache, NamespaceScope::All).await;
    assert!(
        update
            .warnings
            .iter()
            .any(|w| w.kind == "secrets" && w.reason.contains("Helm release Secrets")),
        "{:?}",
        update.warnings
    );
    assert!(update.report.component_count() > 5);
    assert!(
        update
            .report
            .components()
            .all(|c| c.release_revision.is_none())
    );
}

async fn next(updates: &mut (impl Stream<Item = LayersUpdate> + Unpin)) -> LayersUpdate {
    tokio::time::timeout(Duration::from_secs(20), updates.next())
        .await
        .expect("an update in time")
        .expect("the feed never ends")
}

#[tokio::test]
async fn a_new_workload_shows_up_without_polling() {
    let (_sim, cache) = cache("strata-sim").await;
    let client = cache.client().clone();
    let mut updates = Box::pin(watch(
        cache,
        NamespaceScope::All,
        Arc::new(RuleSet::builtin()),
    ));
    loop {
        let update = next(&mut updates).await;
        if update.freshness.is_live() {
            break;
        }
    }
    let api: Api<DynamicObject> = Api::namespaced_with(
        client,
        "bi",
        &kube::api::ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&()),
    );
    let deployment: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "lightdash", "namespace": "bi",
            "labels": {"app.kubernetes.io/name": "lightdash", "app.kubernetes.io/instance": "lightdash"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "lightdash"}},
            "template": {"metadata": {"labels": {"app": "lightdash"}},
                "spec": {"containers": [{"name": "lightdash", "image": "lightdash/lightdash:0.1"}]}}}}))
    .unwrap();
    api.create(&kube::api::PostParams::default(), &deployment)
        .await
        .unwrap();
    loop {
        let update = next(&mut updates).await;
        if update.report.components().any(|c| c.name == "lightdash") {
            break;
        }
    }
}
