//! Outages on the same port: the API goes down (port closed, every open watch and log stream
//! dropped) and comes back on the same address with the same store and resourceVersion clock,
//! as a real API server restart looks to kube-rs clients.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, LogParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::json;
use strata_sim::RunningSim;

use common::{client, client_of_url, demo, eventually, start};

/// What a watcher running in the background has seen.
#[derive(Default)]
struct Seen {
    init_done: bool,
    applied: BTreeSet<String>,
    errors: usize,
}

/// Runs a ConfigMap watcher of `default` (kube's default back-off, as the cockpit's) in the
/// background, recording what it sees.
fn watch_config_maps(client: kube::Client) -> Arc<Mutex<Seen>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    tokio::spawn(async move {
        let mut stream = watcher::watcher(api, watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = stream.next().await {
            let mut seen = record.lock().unwrap();
            match event {
                Ok(Event::InitDone) => seen.init_done = true,
                Ok(Event::Apply(cm) | Event::InitApply(cm)) => {
                    seen.applied.insert(cm.metadata.name.unwrap_or_default());
                }
                Ok(_) => {}
                Err(_) => seen.errors += 1,
            }
        }
    });
    seen
}

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A change made while the API is down (a controller's, in process).
fn create_in_process(sim: &RunningSim, name: &str) {
    let info = sim.state.find("", "v1", "configmaps").unwrap();
    sim.state
        .create_object(
            &info,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": name, "namespace": "default"}}),
        )
        .unwrap();
}

async fn refused(sim: &RunningSim) -> bool {
    matches!(
        tokio::net::TcpStream::connect(sim.addr).await,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
    )
}

#[tokio::test]
async fn a_watch_survives_an_outage_without_relisting() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let seen = watch_config_maps(client.clone());
    eventually("the initial list", Duration::from_secs(10), || {
        seen.lock().unwrap().init_done
    })
    .await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(&PostParams::default(), &config_map("before"))
        .await
        .unwrap();
    eventually("the change before", Duration::from_secs(10), || {
        seen.lock().unwrap().applied.contains("before")
    })
    .await;

    assert!(sim.suspend().await, "the API was up");
    assert!(!sim.is_up().await);
    assert!(refused(&sim).await, "the port is closed during the outage");
    match cms.list(&ListParams::default()).await {
        Err(kube::Error::Api(status)) => panic!("an API answer during an outage: {status:?}"),
        Err(_) => {}
        Ok(_) => panic!("a list succeeded during the outage"),
    }
    create_in_process(&sim, "during");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sim.resume().await.unwrap(), "the API was down");

    eventually(
        "the change made during the outage",
        Duration::from_secs(15),
        || seen.lock().unwrap().applied.contains("during"),
    )
    .await;
    cms.create(&PostParams::default(), &config_map("after"))
        .await
        .unwrap();
    eventually("the change after", Duration::from_secs(10), || {
        seen.lock().unwrap().applied.contains("after")
    })
    .await;
    assert!(
        seen.lock().unwrap().errors >= 1,
        "the watcher saw its stream break"
    );

    let log = sim.state.requests();
    assert_eq!(
        log.count("list", "configmaps"),
        1,
        "resumed from its resourceVersion, no re-list"
    );
    let watches: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.resource == "configmaps" && r.verb == "watch")
        .collect();
    assert!(watches.len() >= 2, "{watches:#?}");
    assert!(watches.iter().all(|w| w.resource_version.is_some()));
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_relists_after_the_outage() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let seen = watch_config_maps(client.clone());
    eventually("the initial list", Duration::from_secs(10), || {
        seen.lock().unwrap().init_done
    })
    .await;
    assert!(sim.suspend().await);
    create_in_process(&sim, "during");
    // The history the watcher would resume from is gone, as after a long outage.
    sim.state.store.compact(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sim.resume().await.unwrap());
    eventually(
        "the re-list with the change",
        Duration::from_secs(15),
        || seen.lock().unwrap().applied.contains("during"),
    )
    .await;
    let log = sim.state.requests();
    assert_eq!(
        log.count("list", "configmaps"),
        2,
        "410 Gone, then a fresh list"
    );
    assert!(
        log.recent
            .iter()
            .any(|r| r.resource == "configmaps" && r.verb == "watch"),
        "it watched before the outage"
    );
}

#[tokio::test]
async fn open_watches_and_log_streams_end_when_the_api_goes_down() {
    let sim = start(demo()).await;
    let client = client(&sim).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mut watch = cms
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    // The synthetic ADDED events of a watch from "0" prove the stream is open.
    let pods: Api<Pod> = Api::all(client.clone());
    let running = pods
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("the demo has running pods");
    let logs: Api<Pod> = Api::namespaced(
        client.clone(),
        running.metadata.namespace.as_deref().unwrap(),
    );
    let mut lines = logs
        .log_stream(
            running.metadata.name.as_deref().unwrap(),
            &LogParams {
                follow: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .lines();
    assert!(lines.try_next().await.unwrap().is_some(), "the log streams");

    assert!(sim.suspend().await);
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match watch.next().await {
                Some(Ok(WatchEvent::Added(_) | WatchEvent::Bookmark(_))) => continue,
                Some(Ok(other)) => panic!("unexpected {other:?}"),
                Some(Err(_)) | None => break,
            }
        }
        while let Some(Ok(_)) = lines.next().await {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the watch and the log stream ended with the outage"
    );
    assert!(!sim.suspend().await, "already down");
    assert!(sim.resume().await.unwrap());
    assert!(!sim.resume().await.unwrap(), "already up");
    cms.list(&ListParams::default()).await.expect("back up");
}

#[tokio::test]
async fn the_control_port_causes_an_outage_of_n_seconds() {
    let sim = start(demo()).await;
    let control = sim
        .serve_control("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let control = client_of_url(&format!("http://{control}"));
    let post = |path: &str| {
        http::Request::post(path.to_string())
            .body(Vec::new())
            .unwrap()
    };

    let answer = control
        .request::<serde_json::Value>(post("/strata-sim/outage?seconds=1.5"))
        .await
        .expect("202 Accepted");
    assert_eq!(answer["up"], false);
    // The API is down when the control port answers.
    assert!(refused(&sim).await);
    match control
        .request_text(post("/strata-sim/outage?seconds=1"))
        .await
    {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 409, "already down"),
        other => panic!("expected 409, got {other:?}"),
    }
    let status = control
        .request::<serde_json::Value>(
            http::Request::get("/strata-sim/status")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(status["up"], false);
    assert_eq!(status["api"], sim.url());
    // The request log is served on the control port too, while the API is down.
    let log = control
        .request::<serde_json::Value>(
            http::Request::get("/strata-sim/requests")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(log["counts"].is_array());

    let started = std::time::Instant::now();
    let client = client(&sim).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    loop {
        if cms.list(&ListParams::default()).await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the API did not come back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Back after about the 1.5 s asked (less the time already spent above).
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    for bad in [
        "/strata-sim/outage",
        "/strata-sim/outage?seconds=-1",
        "/strata-sim/outage?seconds=x",
    ] {
        match control.request_text(post(bad)).await {
            Err(kube::Error::Api(s)) => assert_eq!(s.code, 400, "{bad}"),
            other => panic!("{bad}: expected 400, got {other:?}"),
        }
    }
    assert!(sim.is_up().await, "a refused outage leaves the API up");
}
