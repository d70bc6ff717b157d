//! `pods/exec` with a real kube-rs client (`Api::<Pod>::exec`, WebSocket, `v5.channel.k8s.io`
//! negotiated): the built-in shell's output and exit status as `AttachedProcess` reads them,
//! a session over stdin ended by closing stdin, and the refusals (not running, forbidden).

mod common;

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{AttachParams, PostParams};
use serde_json::json;
use strata_sim::script::SCRIPT_ANNOTATION;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::{bench, client, client_as, start, wait_phase};

/// Creates pod `name` (one container `app`) with `script` and waits for `phase`.
async fn pod(pods: &Api<Pod>, name: &str, script: &str, phase: &str) {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "annotations": {SCRIPT_ANNOTATION: script}},
        "spec": {"containers": [{
            "name": "app", "image": "example/app:1",
            "env": [{"name": "STAGE", "value": "test"}],
        }]},
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_phase(pods, name, phase).await;
}

/// Runs `command` without stdin; returns stdout, stderr and the final status.
async fn run(
    pods: &Api<Pod>,
    command: &[&str],
) -> (
    String,
    String,
    k8s_openapi::apimachinery::pkg::apis::meta::v1::Status,
) {
    let ap = AttachParams::default().stderr(true);
    let mut proc = pods.exec("shell", command.to_vec(), &ap).await.unwrap();
    let mut stdout = proc.stdout().unwrap();
    let mut stderr = proc.stderr().unwrap();
    let status = proc.take_status().unwrap();
    let (mut out, mut err) = (String::new(), String::new());
    let read = async {
        stdout.read_to_string(&mut out).await.unwrap();
        stderr.read_to_string(&mut err).await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("the streams end within 5 s");
    let status = tokio::time::timeout(Duration::from_secs(5), status)
        .await
        .expect("a status within 5 s")
        .expect("the server sends a status");
    proc.join().await.unwrap();
    (out, err, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_and_exit_status_reach_an_attached_process() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    pod(&pods, "shell", "start=100ms", "Running").await;
    let before = sim.state.requests();

    let (out, err, status) = run(&pods, &["sh", "-c", "echo \"hi $STAGE\""]).await;
    assert_eq!((out.as_str(), err.as_str()), ("hi test\n", ""));
    assert_eq!(status.status.as_deref(), Some("Success"), "{status:?}");

    let (out, err, status) = run(&pods, &["sh", "-c", "echo partial; nope; exit 3"]).await;
    assert_eq!(out, "partial\n");
    assert_eq!(err, "sh: nope: not found\n");
    assert_eq!(status.status.as_deref(), Some("Failure"));
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let cause = &status.details.unwrap().causes.unwrap()[0];
    assert_eq!(cause.reason.as_deref(), Some("ExitCode"));
    assert_eq!(cause.message.as_deref(), Some("3"));

    // Logged as `create pods/exec`, and counted as mutating: a shell in a real container
    // can change it, so read-only mode must show none.
    let after = sim.state.requests();
    assert_eq!(after.count("create", "pods/exec"), 2);
    assert_eq!(after.mutating, before.mutating + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_reads_stdin_until_it_closes() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    pod(&pods, "shell", "start=100ms", "Running").await;

    let ap = AttachParams::default().stdin(true).stderr(false);
    let mut proc = pods.exec("shell", vec!["sh"], &ap).await.unwrap();
    let mut stdin = proc.stdin().unwrap();
    let mut stdout = proc.stdout().unwrap();
    let status = proc.take_status().unwrap();
    stdin.write_all(b"echo one\nhostname\n").await.unwrap();
    let mut buf = vec![0u8; 10];
    tokio::time::timeout(Duration::from_secs(5), stdout.read_exact(&mut buf))
        .await
        .expect("the first line within 5 s")
        .unwrap();
    assert_eq!(buf, b"one\nshell\n");
    stdin.write_all(b"false\n").await.unwrap();
    // Ending stdin sends v5's close of stream 0: the shell exits as its last command did.
    stdin.shutdown().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), status)
        .await
        .expect("a status within 5 s")
        .expect("the server sends a status");
    assert_eq!(
        status.reason.as_deref(),
        Some("NonZeroExitCode"),
        "{status:?}"
    );
    assert_eq!(
        status.details.unwrap().causes.unwrap()[0]
            .message
            .as_deref(),
        Some("1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_session_echoes_prompts_and_ends_on_exit() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    pod(&pods, "shell", "start=100ms", "Running").await;

    // What the cockpit's shell key will open: stdin, stdout and a terminal, stderr merged.
    let ap = AttachParams::interactive_tty();
    let mut proc = pods.exec("shell", vec!["sh"], &ap).await.unwrap();
    let mut stdin = proc.stdin().unwrap();
    let mut stdout = proc.stdout().unwrap();
    let status = proc.take_status().unwrap();
    // A raw terminal sends keys as typed: a typo, a backspace, Enter as `\r`.
    stdin
        .write_all(b"echo hx\x7fi\rnope\rexit 2\r")
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), status)
        .await
        .expect("a status within 5 s")
        .expect("the server sends a status");
    let mut screen = String::new();
    stdout.read_to_string(&mut screen).await.unwrap();
    assert_eq!(
        screen,
        "$ echo hx\x08 \x08i\r\nhi\r\n$ nope\r\nsh: nope: not found\r\n$ exit 2\r\n"
    );
    assert_eq!(
        status.details.unwrap().causes.unwrap()[0]
            .message
            .as_deref(),
        Some("2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_is_refused_into_a_stopped_container_and_to_the_viewer() {
    let sim = start(bench(0)).await;
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    pod(&pods, "stuck", "pull-error", "Pending").await;
    let err = pods
        .exec("stuck", vec!["true"], &AttachParams::default())
        .await
        .err()
        .expect("no exec into a container that never started");
    assert!(
        err.to_string().contains("container not found (\"app\")"),
        "{err}"
    );

    pod(&pods, "shell", "start=100ms", "Running").await;
    let viewer: Api<Pod> = Api::namespaced(client_as(&sim, "strata-sim-viewer").await, "default");
    match viewer
        .exec("shell", vec!["true"], &AttachParams::default())
        .await
        .err()
    {
        Some(kube::Error::Api(s)) => {
            assert_eq!(s.code, 403, "{s:?}");
            assert!(
                s.message.contains("cannot create resource \"pods/exec\""),
                "{s:?}"
            );
        }
        other => panic!("expected 403 Forbidden, got {other:?}"),
    }
}
