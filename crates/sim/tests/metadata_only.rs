//! Metadata-only lists, gets and watches, with the exact requests kube-rs 5 sends
//! (`list_metadata`, `get_metadata`, `watch_metadata`, `metadata_watcher`): how the cockpit
//! watches Helm release Secrets without any Secret data crossing the wire.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{
    Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::PartialObjectMeta;
#[allow(deprecated)] // kube 5 deprecates it for `watcher` on `Api<PartialObjectMeta<K>>`;
// both are tested, as both send the same requests.
use kube::runtime::watcher::{self, Event, metadata_watcher};

use common::{client, demo, start};

const HELM: &str = "owner=helm";

fn secrets_ar() -> ApiResource {
    ApiResource::erase::<Secret>(&())
}

/// The Helm release Secrets of the demo, (namespace, name) in list order, read in full.
async fn helm_secrets(client: &kube::Client) -> Vec<(String, String)> {
    let full = Api::<Secret>::all(client.clone())
        .list(&ListParams::default().labels(HELM))
        .await
        .expect("a full list of Secrets");
    full.items
        .iter()
        .map(|s| {
            (
                s.metadata.namespace.clone().unwrap_or_default(),
                s.metadata.name.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn key(m: &PartialObjectMeta<DynamicObject>) -> (String, String) {
    (
        m.metadata.namespace.clone().unwrap_or_default(),
        m.metadata.name.clone().unwrap_or_default(),
    )
}

fn assert_partial(m: &PartialObjectMeta<DynamicObject>) {
    let types = m.types.as_ref().expect("items carry kind and apiVersion");
    assert_eq!(types.kind, "PartialObjectMetadata");
    assert_eq!(types.api_version, "meta.k8s.io/v1");
}

/// A Secret body the way Helm stores a release (the payload is what must not leak).
fn release_secret(name: &str, labels: &[(&str, &str)]) -> Secret {
    Secret {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Default::default()
        },
        type_: Some("helm.sh/release.v1".into()),
        data: Some(BTreeMap::from([(
            "release".to_string(),
            ByteString(b"TOP-SECRET-RELEASE-PAYLOAD".to_vec()),
        )])),
        ..Default::default()
    }
}

#[tokio::test]
async fn list_metadata_pages_through_helm_secrets_without_their_data() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected = helm_secrets(&client).await;
    assert!(
        expected.len() >= 5,
        "the demo has Helm releases: {expected:?}"
    );

    let secrets: Api<DynamicObject> = Api::all_with(client.clone(), &secrets_ar());
    let mut lp = ListParams::default().labels(HELM).limit(3);
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        let page = secrets.list_metadata(&lp).await.expect("a metadata page");
        assert_eq!(page.types.kind, "PartialObjectMetadataList");
        assert_eq!(page.types.api_version, "meta.k8s.io/v1");
        assert!(page.metadata.resource_version.is_some());
        assert!(page.items.len() <= 3);
        for item in &page.items {
            assert_partial(item);
            assert_eq!(item.metadata.labels.as_ref().unwrap()["owner"], "helm");
        }
        seen.extend(page.items.iter().map(key));
        pages += 1;
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(
        seen, expected,
        "paging with continue tokens sees each Secret once"
    );
    assert_eq!(pages, expected.len().div_ceil(3));

    // What crosses the wire for kube's own request: metadata, no payload, no Secret type.
    let request = kube::core::Request::new("/api/v1/secrets")
        .list_metadata(&ListParams::default().labels(HELM))
        .unwrap();
    let body = client.request_text(request).await.unwrap();
    assert!(
        body.contains("\"kind\":\"PartialObjectMetadataList\""),
        "{body:.200}"
    );
    assert!(
        !body.contains("\"data\""),
        "no Secret data in a metadata list"
    );
    assert!(
        !body.contains("helm.sh/release.v1"),
        "no Secret type either"
    );
}

#[tokio::test]
async fn list_metadata_honours_field_selectors() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected: Vec<_> = helm_secrets(&client)
        .await
        .into_iter()
        .filter(|(ns, _)| ns == "bi")
        .collect();
    assert!(!expected.is_empty());
    let secrets: Api<DynamicObject> = Api::all_with(client, &secrets_ar());
    let list = secrets
        .list_metadata(
            &ListParams::default()
                .labels(HELM)
                .fields("metadata.namespace=bi"),
        )
        .await
        .unwrap();
    assert_eq!(list.items.iter().map(key).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn get_metadata_returns_one_partial_object() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let (ns, name) = helm_secrets(&client).await.remove(0);
    let secrets: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &secrets_ar());
    let meta = secrets.get_metadata(&name).await.expect("get_metadata");
    assert_partial(&meta);
    assert_eq!(key(&meta), (ns.clone(), name.clone()));
    assert!(meta.metadata.uid.is_some() && meta.metadata.resource_version.is_some());

    let request = kube::core::Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .get_metadata(&name, &Default::default())
        .unwrap();
    let body = client.request_text(request).await.unwrap();
    assert!(!body.contains("\"data\""), "{body}");

    // patch_metadata answers with metadata too.
    let patched = secrets
        .patch_metadata(
            &name,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"metadata": {"labels": {"strata-test": "yes"}}})),
        )
        .await
        .expect("patch_metadata");
    assert_partial(&patched);
    assert_eq!(patched.metadata.labels.unwrap()["strata-test"], "yes");
}

#[tokio::test]
async fn watch_metadata_streams_initial_events_then_changes() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected = helm_secrets(&client).await;
    let secrets: Api<DynamicObject> = Api::all_with(client.clone(), &secrets_ar());
    let wp = WatchParams::default().labels(HELM).initial_events();
    let mut stream = secrets
        .watch_metadata(&wp, "0")
        .await
        .expect("watch")
        .boxed();
    let mut initial = Vec::new();
    let end_rv = loop {
        match next(&mut stream).await {
            WatchEvent::Added(m) => {
                assert_partial(&m);
                initial.push(key(&m));
            }
            WatchEvent::Bookmark(bm) => {
                assert_eq!(bm.types.kind, "PartialObjectMetadata");
                assert_eq!(bm.types.api_version, "meta.k8s.io/v1");
                if bm
                    .metadata
                    .annotations
                    .contains_key("k8s.io/initial-events-end")
                {
                    break bm.metadata.resource_version;
                }
            }
            other => panic!("unexpected initial event {other:?}"),
        }
    };
    assert_eq!(initial, expected);
    assert!(!end_rv.is_empty());

    // Live changes: a new release Secret arrives; a Secret the selector excludes does not.
    let bi: Api<Secret> = Api::namespaced(client.clone(), "bi");
    bi.create(
        &PostParams::default(),
        &release_secret("not-helm", &[("owner", "someone")]),
    )
    .await
    .unwrap();
    bi.create(
        &PostParams::default(),
        &release_secret(
            "sh.helm.release.v1.extra.v1",
            &[("owner", "helm"), ("status", "deployed")],
        ),
    )
    .await
    .unwrap();
    match next(&mut stream).await {
        WatchEvent::Added(m) => {
            assert_partial(&m);
            assert_eq!(
                m.metadata.name.as_deref(),
                Some("sh.helm.release.v1.extra.v1")
            );
        }
        other => panic!("expected the new release, got {other:?}"),
    }
    bi.patch(
        "sh.helm.release.v1.extra.v1",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"metadata": {"labels": {"status": "superseded"}}})),
    )
    .await
    .unwrap();
    match next(&mut stream).await {
        WatchEvent::Modified(m) => {
            assert_partial(&m);
            assert_eq!(m.metadata.labels.unwrap()["status"], "superseded");
        }
        other => panic!("expected the label change, got {other:?}"),
    }
    // The raw watch lines carry no payload.
    let request = kube::core::Request::new("/api/v1/secrets")
        .watch_metadata(&WatchParams::default().labels(HELM).timeout(1), &end_rv)
        .unwrap();
    let body = client.request_text(request).await.unwrap();
    assert!(body.contains("sh.helm.release.v1.extra.v1"), "{body}");
    assert!(!body.contains("\"data\"") && !body.contains("RELEASE-PAYLOAD"));
}

type MetaWatch = futures::stream::BoxStream<
    'static,
    Result<WatchEvent<PartialObjectMeta<DynamicObject>>, kube::Error>,
>;

async fn next(stream: &mut MetaWatch) -> WatchEvent<PartialObjectMeta<DynamicObject>> {
    tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("an event within 10 s")
        .expect("a well-formed event")
        .expect("the stream stays open")
}

type MetaWatcher<K> =
    futures::stream::BoxStream<'static, Result<Event<PartialObjectMeta<K>>, watcher::Error>>;

fn key_of<K>(m: &PartialObjectMeta<K>) -> (String, String) {
    (
        m.metadata.namespace.clone().unwrap_or_default(),
        m.metadata.name.clone().unwrap_or_default(),
    )
}

fn assert_partial_of<K>(m: &PartialObjectMeta<K>) {
    let types = m.types.as_ref().expect("items carry kind and apiVersion");
    assert_eq!(types.kind, "PartialObjectMetadata");
    assert_eq!(types.api_version, "meta.k8s.io/v1");
}

/// Runs a metadata watcher to its InitDone and returns the keys it listed.
async fn initial_keys<K: std::fmt::Debug>(stream: &mut MetaWatcher<K>) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
            .await
            .expect("watcher progress within 10 s")
            .expect("no watcher error")
            .expect("the watcher runs");
        match event {
            Event::Init => keys.clear(),
            Event::InitApply(m) => {
                assert_partial_of(&m);
                keys.push(key_of(&m));
            }
            Event::InitDone => return keys,
            other => panic!("unexpected event before InitDone: {other:?}"),
        }
    }
}

/// Polls the watcher until an Apply of `name` arrives (it opens its watch on the way).
async fn applied<K>(stream: &mut MetaWatcher<K>, name: &str) {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
            .await
            .expect("the change within 10 s")
            .expect("no watcher error")
            .expect("the watcher runs");
        if let Event::Apply(m) = event
            && m.metadata.name.as_deref() == Some(name)
        {
            assert_partial_of(&m);
            return;
        }
    }
}

#[tokio::test]
async fn metadata_watcher_with_streaming_list_asks_once_and_sees_changes() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected = helm_secrets(&client).await;
    let before = sim.state.requests().last_seq;
    let secrets: Api<DynamicObject> = Api::all_with(client.clone(), &secrets_ar());
    let config = watcher::Config::default().labels(HELM).streaming_lists();
    #[allow(deprecated)]
    let mut stream = metadata_watcher(secrets, config).boxed();
    assert_eq!(initial_keys(&mut stream).await, expected);

    Api::<Secret>::namespaced(client.clone(), "bi")
        .create(
            &PostParams::default(),
            &release_secret("sh.helm.release.v1.streamed.v1", &[("owner", "helm")]),
        )
        .await
        .unwrap();
    applied(&mut stream, "sh.helm.release.v1.streamed.v1").await;

    let log = sim.state.requests_since(before);
    let secret_reads: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "secrets" && matches!(r.verb.as_str(), "list" | "watch"))
        .collect();
    assert_eq!(
        secret_reads.len(),
        1,
        "one streaming watch, no list: {secret_reads:#?}"
    );
    let watch = secret_reads[0];
    assert!(watch.watch && watch.send_initial_events && watch.metadata_only);
    assert_eq!(watch.label_selector.as_deref(), Some(HELM));
    assert_eq!(
        watch.resource_version_match.as_deref(),
        Some("NotOlderThan")
    );
    assert_eq!(watch.code, 200);
}

#[tokio::test]
async fn metadata_watcher_with_paged_lists_pages_then_watches() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected = helm_secrets(&client).await;
    let before = sim.state.requests().last_seq;
    let secrets: Api<DynamicObject> = Api::all_with(client.clone(), &secrets_ar());
    let config = watcher::Config::default().labels(HELM).page_size(2);
    #[allow(deprecated)]
    let mut stream = metadata_watcher(secrets, config).boxed();
    assert_eq!(initial_keys(&mut stream).await, expected);

    Api::<Secret>::namespaced(client.clone(), "bi")
        .create(
            &PostParams::default(),
            &release_secret("sh.helm.release.v1.paged.v1", &[("owner", "helm")]),
        )
        .await
        .unwrap();
    applied(&mut stream, "sh.helm.release.v1.paged.v1").await;

    let log = sim.state.requests_since(before);
    let lists: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "secrets" && r.verb == "list")
        .collect();
    assert_eq!(lists.len(), expected.len().div_ceil(2), "{lists:#?}");
    assert!(lists.iter().all(|r| r.metadata_only && r.limit == Some(2)));
    assert!(!lists[0].continued && lists[1..].iter().all(|r| r.continued));
    let watches: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "secrets" && r.verb == "watch")
        .collect();
    assert_eq!(watches.len(), 1);
    assert!(watches[0].metadata_only && !watches[0].send_initial_events);
    assert!(
        watches[0].resource_version.is_some(),
        "resumes from the list's version"
    );
}

#[tokio::test]
async fn watcher_on_a_partial_object_meta_api_is_metadata_only() {
    // kube 5's recommended form: `watcher` over `Api<PartialObjectMeta<K>>`.
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let expected = helm_secrets(&client).await;
    let before = sim.state.requests().last_seq;
    let secrets: Api<PartialObjectMeta<Secret>> = Api::all(client.clone());
    let config = watcher::Config::default().labels(HELM).streaming_lists();
    let mut stream = watcher::watcher(secrets, config).boxed();
    assert_eq!(initial_keys(&mut stream).await, expected);
    Api::<Secret>::namespaced(client.clone(), "bi")
        .create(
            &PostParams::default(),
            &release_secret("sh.helm.release.v1.typed.v1", &[("owner", "helm")]),
        )
        .await
        .unwrap();
    applied(&mut stream, "sh.helm.release.v1.typed.v1").await;
    let log = sim.state.requests_since(before);
    let reads: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "secrets" && matches!(r.verb.as_str(), "list" | "watch"))
        .collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert!(reads[0].metadata_only && reads[0].send_initial_events);
}

#[tokio::test]
async fn mismatched_metadata_requests_are_not_acceptable() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let with_accept = |path: &str, accept: &str| {
        let mut request = kube::core::Request::new(path)
            .list(&ListParams::default())
            .unwrap();
        request
            .headers_mut()
            .insert("accept", accept.parse().unwrap());
        request
    };
    for (path, accept) in [
        (
            "/api/v1/secrets",
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        ),
        (
            "/api/v1/namespaces/default",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        ),
    ] {
        match client.request_text(with_accept(path, accept)).await {
            Err(kube::Error::Api(status)) => {
                assert_eq!(status.code, 406, "{path}");
                assert_eq!(status.reason, "NotAcceptable");
            }
            other => panic!("{path} with {accept}: expected 406, got {other:?}"),
        }
    }
    // client-go's metadata informer lists protobuf first, then JSON: it gets JSON metadata.
    let body = client
        .request_text(with_accept(
            "/api/v1/secrets",
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
        ))
        .await
        .unwrap();
    assert!(body.starts_with('{') && body.contains("\"kind\":\"PartialObjectMetadataList\""));
}
