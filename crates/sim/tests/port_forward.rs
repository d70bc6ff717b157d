//! `pods/portforward` with a real kube-rs client (`Api::<Pod>::portforward`, WebSocket): bytes
//! relayed both ways to the upstream the pod's `sim.strata.dev/forward` annotation names, the
//! kubelet's error for a refused upstream, and the API's errors for missing, not running and
//! forbidden pods.

mod common;

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;
use strata_sim::portforward::FORWARD_ANNOTATION;
use strata_sim::script::SCRIPT_ANNOTATION;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use common::{bench, client, client_as, start, wait_phase};

/// A TCP echo server on 127.0.0.1; returns its address.
async fn echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// An address nothing listens on (bound, then closed).
async fn refused_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Creates a pod with `forward` and `script` annotations and waits for its phase to be
/// `phase`.
async fn pod(pods: &Api<Pod>, name: &str, forward: &str, script: &str, phase: &str) {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "annotations": {
            FORWARD_ANNOTATION: forward,
            SCRIPT_ANNOTATION: script,
        }},
        "spec": {"containers": [{"name": "app", "image": "example/app:1"}]},
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_phase(pods, name, phase).await;
}

async fn read_exactly(stream: &mut (impl AsyncReadExt + Unpin), n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut buf))
        .await
        .expect("the echo comes back within 5 s")
        .expect("the forwarded stream stays open");
    buf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_go_both_ways_on_every_forwarded_port() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    let (a, b) = (echo_server().await, echo_server().await);
    pod(
        &pods,
        "echo",
        &format!("7000={a},7001={b}"),
        "start=100ms",
        "Running",
    )
    .await;
    let before = sim.state.requests();

    let mut pf = pods.portforward("echo", &[7000, 7001]).await.unwrap();
    let mut first = pf.take_stream(7000).unwrap();
    let mut second = pf.take_stream(7001).unwrap();
    first.write_all(b"hello through the tunnel").await.unwrap();
    second.write_all(b"second port").await.unwrap();
    assert_eq!(
        read_exactly(&mut first, 24).await,
        b"hello through the tunnel"
    );
    assert_eq!(read_exactly(&mut second, 11).await, b"second port");
    // A bigger payload crosses in several frames and comes back whole.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let (mut r, mut w) = tokio::io::split(first);
    let sent = big.clone();
    let writer = tokio::spawn(async move { w.write_all(&sent).await.unwrap() });
    assert_eq!(read_exactly(&mut r, big.len()).await, big);
    writer.await.unwrap();

    // Logged as `create pods/portforward`, which is not a mutating request: a tunnel
    // stores nothing.
    let after = sim.state.requests();
    assert_eq!(after.count("create", "pods/portforward"), 1);
    assert_eq!(after.mutating, before.mutating);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upstream_is_reported_on_the_error_channel_like_the_kubelet() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    let refused = refused_addr().await;
    pod(
        &pods,
        "down",
        &format!("8080={refused}"),
        "start=100ms",
        "Running",
    )
    .await;
    let mut pf = pods.portforward("down", &[8080]).await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(5), pf.take_error(8080).unwrap())
        .await
        .expect("the error arrives within 5 s")
        .expect("an error message, not just a closed channel");
    assert!(
        error.starts_with("error forwarding port 8080 to pod down_default, uid ")
            && error.ends_with(&format!("dial tcp {refused}: connect: connection refused")),
        "{error}"
    );
    // The data stream ends too: nothing will ever come through it.
    let mut stream = pf.take_stream(8080).unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0))), "{read:?}");

    // A port the annotation does not name is a port nothing listens on.
    let mut pf = pods.portforward("down", &[9999]).await.unwrap();
    let error = pf.take_error(9999).unwrap().await.unwrap_or_default();
    assert!(
        error.contains("error forwarding port 9999") && error.contains(FORWARD_ANNOTATION),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_not_running_and_forbidden_pods_get_the_apis_errors() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    let status = |e: kube::Error| match e {
        kube::Error::Api(s) => (s.code, s.message),
        other => panic!("expected an API error, got {other}"),
    };

    let (code, message) = status(pods.portforward("no-such-pod", &[80]).await.err().unwrap());
    assert_eq!(code, 404, "{message}");
    assert_eq!(message, "pods \"no-such-pod\" not found");

    pod(&pods, "stuck", "80=127.0.0.1:1", "pull-error", "Pending").await;
    let (code, message) = status(pods.portforward("stuck", &[80]).await.err().unwrap());
    assert_eq!(code, 400, "{message}");
    assert!(message.contains("pod is not running"), "{message}");

    let echo = echo_server().await;
    pod(
        &pods,
        "echo",
        &format!("80={echo}"),
        "start=100ms",
        "Running",
    )
    .await;
    let viewer: Api<Pod> = Api::namespaced(client_as(&sim, "strata-sim-viewer").await, "default");
    let (code, message) = status(viewer.portforward("echo", &[80]).await.err().unwrap());
    assert_eq!(code, 403, "{message}");
    assert!(
        message.contains("cannot create resource \"pods/portforward\""),
        "{message}"
    );
}
