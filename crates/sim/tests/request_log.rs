//! The request log as tests of the cockpit will use it: list and watch requests counted per
//! resource ("two views, one watch"), writes counted as mutating ("zero mutating requests in
//! read-only mode"), in process and over `GET /strata-sim/requests`.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::PartialObjectMeta;
use kube::runtime::watcher::{self, Event};
use strata_sim::requestlog::RequestSummary;

use common::{client, client_as, demo, start};

/// Drives a watcher until its initial list is done.
async fn until_init_done<K: std::fmt::Debug + Send + 'static>(
    stream: &mut futures::stream::BoxStream<'static, Result<Event<K>, watcher::Error>>,
) {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
            .await
            .expect("watcher progress within 10 s")
            .expect("no watcher error")
            .expect("the watcher runs");
        if matches!(event, Event::InitDone) {
            return;
        }
    }
}

/// The request log over HTTP, as an out-of-process test reads it.
async fn log_over_http(client: &kube::Client, since: Option<u64>) -> RequestSummary {
    let path = match since {
        Some(seq) => format!("/strata-sim/requests?since={seq}"),
        None => "/strata-sim/requests".to_string(),
    };
    let request = http::Request::get(path).body(Vec::new()).unwrap();
    client
        .request::<RequestSummary>(request)
        .await
        .expect("GET /strata-sim/requests")
}

#[tokio::test]
async fn lists_and_watches_are_counted_per_resource() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    // A paged watcher of pods and a streaming metadata watcher of Helm Secrets.
    let mut pods =
        watcher::watcher(Api::<Pod>::all(client.clone()), watcher::Config::default()).boxed();
    let mut releases = watcher::watcher(
        Api::<PartialObjectMeta<Secret>>::all(client.clone()),
        watcher::Config::default()
            .labels("owner=helm")
            .streaming_lists(),
    )
    .boxed();
    until_init_done(&mut pods).await;
    until_init_done(&mut releases).await;
    // After InitDone the paged watcher opens its watch on the next poll.
    let _ = tokio::time::timeout(Duration::from_millis(300), pods.try_next()).await;

    let log = sim.state.requests();
    assert_eq!(log.count("list", "pods"), 1, "{:#?}", log.counts);
    assert_eq!(log.count("watch", "pods"), 1);
    assert_eq!(log.count("list", "secrets"), 0);
    assert_eq!(log.count("watch", "secrets"), 1);
    assert_eq!(log.mutating, 0);
    let pod_list = log
        .recent
        .iter()
        .find(|r| r.resource == "pods" && r.verb == "list")
        .unwrap();
    assert_eq!(pod_list.limit, Some(500), "kube's default page size");
    assert!(!pod_list.metadata_only && !pod_list.watch);
    assert_eq!((pod_list.user.as_str(), pod_list.code), ("admin", 200));
    let secret_watch = log
        .recent
        .iter()
        .find(|r| r.resource == "secrets" && r.verb == "watch")
        .unwrap();
    assert!(secret_watch.metadata_only && secret_watch.send_initial_events);

    // The same over HTTP; reading the log is not itself logged.
    let over_http = log_over_http(&client, None).await;
    assert_eq!(over_http.count("watch", "secrets"), 1);
    assert_eq!(over_http.count("list", "pods"), 1);
    assert_eq!(over_http.total, sim.state.requests().total);
    let again = log_over_http(&client, Some(over_http.last_seq)).await;
    assert_eq!(again.total, over_http.total);
    assert!(again.recent.is_empty());
}

#[tokio::test]
async fn reads_and_access_reviews_are_not_mutating_writes_are() {
    let sim = start(demo()).await;
    let admin = client(&sim).await;
    let viewer = client_as(&sim, "strata-sim-viewer").await;

    // A read-only session: lists, gets, a watch, an access review.
    let pods: Api<Pod> = Api::all(viewer.clone());
    let listed = pods.list(&ListParams::default().limit(5)).await.unwrap();
    let first = listed.items[0].clone();
    let ns = first.metadata.namespace.clone().unwrap();
    let name = first.metadata.name.clone().unwrap();
    Api::<Pod>::namespaced(viewer.clone(), &ns)
        .get(&name)
        .await
        .unwrap();
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some("delete".into()),
                resource: Some("pods".into()),
                namespace: Some(ns.clone()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<SelfSubjectAccessReview>::all(viewer.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap();
    assert_eq!(sim.state.mutating_requests(), 0);
    let log = sim.state.requests();
    assert_eq!(
        log.count("create", "selfsubjectaccessreviews.authorization.k8s.io"),
        1
    );
    assert!(log.recent.iter().all(|r| r.user == "viewer"));

    // A write the viewer may not make is still a mutating request (it asked).
    let cm = |n: &str| ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some(n.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    let denied = Api::<ConfigMap>::namespaced(viewer.clone(), "default")
        .create(&PostParams::default(), &cm("nope"))
        .await;
    assert!(matches!(denied, Err(kube::Error::Api(ref s)) if s.code == 403));
    assert_eq!(sim.state.mutating_requests(), 1);

    // The admin's writes: create, dry-run create, patch, replace, delete, deletecollection,
    // an eviction (a POST to a subresource).
    let cms: Api<ConfigMap> = Api::namespaced(admin.clone(), "default");
    let made = cms.create(&PostParams::default(), &cm("a")).await.unwrap();
    cms.create(
        &PostParams {
            dry_run: true,
            ..Default::default()
        },
        &cm("b"),
    )
    .await
    .unwrap();
    cms.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"data": {"k": "v"}})),
    )
    .await
    .unwrap();
    cms.replace("a", &PostParams::default(), &made).await.ok();
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    cms.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("x=y"),
    )
    .await
    .unwrap();
    Api::<Pod>::namespaced(admin.clone(), &ns)
        .evict(&name, &Default::default())
        .await
        .unwrap();

    let log = sim.state.requests();
    assert_eq!(sim.state.mutating_requests(), 8);
    assert_eq!(log.mutating, 8);
    assert_eq!(
        log.count("create", "configmaps"),
        3,
        "denied, created, dry run"
    );
    assert_eq!(log.count("patch", "configmaps"), 1);
    assert_eq!(log.count("update", "configmaps"), 1);
    assert_eq!(log.count("delete", "configmaps"), 1);
    assert_eq!(log.count("deletecollection", "configmaps"), 1);
    assert_eq!(log.count("create", "pods/eviction"), 1);
    let eviction = log.recent.last().unwrap();
    assert_eq!(
        (
            eviction.verb.as_str(),
            eviction.resource.as_str(),
            eviction.subresource.as_deref(),
            eviction.namespace.as_deref(),
            eviction.name.as_deref(),
            eviction.code,
        ),
        (
            "create",
            "pods",
            Some("eviction"),
            Some(ns.as_str()),
            Some(name.as_str()),
            201
        )
    );
    let dry = log
        .recent
        .iter()
        .find(|r| r.verb == "create" && r.dry_run)
        .unwrap();
    assert_eq!(dry.code, 201);
    let denied = log.recent.iter().find(|r| r.code == 403).unwrap();
    assert_eq!(
        (denied.user.as_str(), denied.verb.as_str()),
        ("viewer", "create")
    );
}

#[tokio::test]
async fn discovery_errors_and_injected_faults_are_logged() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    client.apiserver_version().await.unwrap();
    let missing = http::Request::get("/apis/nope.example.com/v1/things")
        .body(Vec::new())
        .unwrap();
    assert!(client.request_text(missing).await.is_err());
    // kube 5 retries a 429 by itself: the log shows both attempts.
    sim.state.faults.fail_next.lock().unwrap().push_back(429);
    Api::<ConfigMap>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .expect("the retry succeeds");

    let log = sim.state.requests();
    let version = log
        .recent
        .iter()
        .find(|r| r.path.as_deref() == Some("/version"))
        .unwrap();
    assert_eq!((version.verb.as_str(), version.code), ("get", 200));
    assert!(version.resource.is_empty());
    assert!(
        log.recent.iter().any(
            |r| r.path.as_deref() == Some("/apis/nope.example.com/v1/things") && r.code == 404
        )
    );
    let attempts: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "configmaps")
        .map(|r| (r.verb.as_str(), r.code))
        .collect();
    assert_eq!(
        attempts,
        [("list", 429), ("list", 200)],
        "an injected fault is logged with what it refused"
    );
    assert_eq!(
        log.count("get", ""),
        2,
        "/version and the unknown path share the non-resource counter"
    );
}
