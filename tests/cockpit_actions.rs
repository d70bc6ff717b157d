//! The everyday k9s actions in the cockpit against the embedded simulator, checked with the
//! real kubectl: read-only refuses every one of them and the simulator sees no mutating
//! request; an edit, delete, restart and scale made in Strata are what `kubectl get` shows
//! and each is in the audit log; an edit that meets a change made meanwhile is a conflict
//! that overwrites nothing and keeps the operator's text.

mod cockpit_support;
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use cockpit_support::{command, quiet_sim};
use serde_json::Value;
use strata::app::Action;
use strata::app::harness::{Harness, HarnessError};
use strata_sim::RunningSim;

/// The simulator with the planted objects, the audit log's folder, kubectl on it (`None`
/// when it is not installed) and the cockpit, read-only or not, on the layers.
async fn start(readonly: bool) -> (RunningSim, tempfile::TempDir, Option<Kubectl>, Harness) {
    let sim = quiet_sim().await;
    plant(&sim);
    let dir = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(&sim, dir.path());
    let mut ui = cockpit_support::guarded(&sim, dir.path(), readonly).await;
    ui.wait_for_layers().await.unwrap();
    (sim, dir, kubectl, ui)
}

/// The audit log as (action, result) pairs, in order.
fn audited(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .map(|l| {
            (
                l["action"].as_str().unwrap_or_default().to_string(),
                l["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The real kubectl on the simulator, through a kubeconfig file of its own.
struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Kubectl {
    /// `None` (said loudly by `find_tool`) when kubectl is not installed.
    fn new(sim: &RunningSim, dir: &Path) -> Option<Kubectl> {
        let binary = support::find_tool("kubectl")?;
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, sim.kubeconfig_yaml()).unwrap();
        Some(Kubectl { binary, kubeconfig })
    }

    /// Runs kubectl off the async threads (the simulator answers on them).
    async fn run(&self, args: &[&str]) -> std::process::Output {
        let mut command = std::process::Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--request-timeout=20s")
            .args(args);
        tokio::task::spawn_blocking(move || command.output().expect("kubectl runs"))
            .await
            .unwrap()
    }

    /// `kubectl get … -o json`, or `None` when the object is not there.
    async fn get(&self, what: &[&str]) -> Option<Value> {
        let mut args = vec!["get"];
        args.extend_from_slice(what);
        args.extend(["-o", "json"]);
        let out = self.run(&args).await;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("NotFound"), "kubectl get failed: {err}");
            return None;
        }
        Some(serde_json::from_slice(&out.stdout).expect("kubectl's JSON"))
    }
}

/// The objects every test here works on: a Deployment `web`, pods `stray` and `stuck`, a ConfigMap
/// `app` with no data yet.
fn plant(sim: &RunningSim) {
    let create = |group: &str, plural: &str, object: Value| {
        let info = sim.state.find(group, "v1", plural).unwrap();
        sim.state.create_object(&info, object).unwrap();
    };
    create(
        "apps",
        "deployments",
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
    );
    create(
        "",
        "pods",
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "stray", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
    );
    create(
        "",
        "pods",
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "stuck", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
    );
    create(
        "",
        "configmaps",
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app", "namespace": "default"}}),
    );
}

/// `/` TEXT enter: the table narrowed to the rows matching `text`.
fn filter_to(ui: &mut Harness, text: &str) {
    ui.press("/").unwrap();
    ui.type_text(text).unwrap();
    ui.press("enter").unwrap();
}

/// Opens `:KIND default` narrowed to `name`.
async fn row(ui: &mut Harness, kind: &str, name: &str) {
    command(ui, &format!("{kind} default"));
    ui.wait_for_text(name).await.unwrap();
    filter_to(ui, name);
}

/// A wizard's result, waited for while the clock moves (up to a minute).
async fn result(ui: &mut Harness, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        ui.dispatch(Action::Tick(Utc::now())).unwrap();
        match ui.wait_for(what, Duration::from_secs(1), &done).await {
            Ok(screen) => return screen,
            Err(HarnessError::Timeout { screen, .. }) => assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}:\n{screen}"
            ),
            Err(other) => panic!("{other}"),
        }
    }
}

/// The guard's question, answered `y`; the screen that asked it.
async fn confirm(ui: &mut Harness) -> String {
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    screen
}

/// `y` to the guard's question, then the wizard's verdict on the pods.
async fn confirm_and_judge(ui: &mut Harness, what: &str) {
    confirm(ui).await;
    result(ui, what, |s| {
        s.contains("verified:") || s.contains("not healthy")
    })
    .await;
}

/// `e` on the ConfigMap `app`: its YAML in the editor; a first line typed (its data), saved.
async fn edit_app(ui: &mut Harness, typed: &str) -> String {
    row(ui, "configmaps", "app").await;
    ui.press("e").unwrap();
    let screen = ui.wait_for_text("ctrl-s").await.unwrap();
    assert!(screen.contains("kind: ConfigMap"), "{screen}");
    assert!(screen.contains("resourceVersion"), "{screen}");
    assert!(!screen.contains("managedFields"), "{screen}");
    ui.type_text(typed).unwrap();
    ui.press("enter").unwrap();
    ui.press("ctrl-s").unwrap();
    ui.wait_for_text("run it? (y/n)").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_every_action_and_the_simulator_sees_no_mutating_request() {
    let (sim, dir, _, mut ui) = start(true).await;
    let before = sim.state.requests_since(0);

    // Each refusal is waited for in the audit log (the flash of the one before still shows).
    let dir_path = dir.path().to_path_buf();
    let mut refusals = 0;
    let mut refused_again = async |ui: &mut Harness| {
        refusals += 1;
        let n = refusals;
        ui.wait_for_state("a refusal", Duration::from_secs(20), |state| {
            audited(&dir_path).len() >= n && state.tool_draft.is_none()
        })
        .await
        .unwrap();
        ui.wait_for_text("read-only").await.unwrap();
    };
    row(&mut ui, "pods", "stray").await;
    for key in ["ctrl-d", "ctrl-k"] {
        ui.press(key).unwrap();
        refused_again(&mut ui).await;
    }
    // x: the container asked (its only one offered), then refused: a shell can change
    // anything.
    ui.press("x").unwrap();
    let screen = ui.wait_for_text("Which container?").await.unwrap();
    assert!(screen.contains("containers: c"), "{screen}");
    ui.press("enter").unwrap();
    refused_again(&mut ui).await;
    row(&mut ui, "deploy", "web").await;
    ui.press("r").unwrap();
    refused_again(&mut ui).await;
    ui.press("z").unwrap();
    ui.wait_for_text("How many replicas?").await.unwrap();
    ui.press("backspace").unwrap();
    ui.type_text("4").unwrap();
    ui.press("enter").unwrap();
    refused_again(&mut ui).await;
    // The edit is refused when it would be sent; what was typed is kept for later.
    row(&mut ui, "configmaps", "app").await;
    ui.press("e").unwrap();
    ui.wait_for_text("ctrl-s").await.unwrap();
    ui.type_text("data: {mode: slow}").unwrap();
    ui.press("enter").unwrap();
    ui.press("ctrl-s").unwrap();
    refused_again(&mut ui).await;
    assert!(ui.state.kept_edit.is_some());

    let after = sim.state.requests_since(before.last_seq);
    let mutating: Vec<String> = after
        .recent
        .iter()
        .filter(|r| r.is_mutating())
        .map(|r| format!("{} {}", r.verb, r.qualified_resource()))
        .collect();
    assert_eq!(after.mutating, before.mutating, "{mutating:?}");
    assert!(mutating.is_empty(), "{mutating:?}");
    // Reads did happen: the test is not vacuous.
    assert!(after.recent.iter().any(|r| r.verb == "get"), "{after:?}");
    let refused = |action: &str| (action.to_string(), "refused".to_string());
    assert_eq!(
        audited(dir.path()),
        [
            refused("delete"),
            refused("delete.force"),
            refused("exec"),
            refused("rollout.restart"),
            refused("scale"),
            refused("edit"),
        ]
    );
    let deployment = strata_sim_object(&sim, "apps", "deployments", "web");
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert!(strata_sim_object(&sim, "", "configmaps", "app")["data"].is_null());
}

/// An object as the simulator stores it (in `default`).
fn strata_sim_object(sim: &RunningSim, group: &str, plural: &str, name: &str) -> Value {
    let info = sim.state.find(group, "v1", plural).expect("a served kind");
    sim.state
        .store
        .get(&info.key(), "default", name)
        .map(|o| serde_json::to_value(&*o).expect("JSON"))
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_delete_restart_and_scale_are_seen_by_kubectl_and_audited() {
    let (_sim, dir, Some(kubectl), mut ui) = start(false).await else {
        return;
    };

    // e: the diff, confirmed, replaced.
    let screen = edit_app(&mut ui, "data: {mode: slow}").await;
    assert!(screen.contains("edit ConfigMap default/app"), "{screen}");
    assert!(screen.contains("+ data: {mode: slow}"), "{screen}");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = result(&mut ui, "the edit's result", |s| s.contains("edited")).await;
    assert!(screen.contains("ConfigMap app edited"), "{screen}");
    let app = kubectl.get(&["configmap", "app", "-n", "default"]).await;
    assert_eq!(app.unwrap()["data"]["mode"], "slow");
    ui.press("esc").unwrap();
    // e, nothing changed: nothing sent.
    ui.press("e").unwrap();
    ui.wait_for_text("ctrl-s").await.unwrap();
    ui.press("ctrl-s").unwrap();
    ui.wait_for_text("no change").await.unwrap();
    ui.press("esc").unwrap();

    row(&mut ui, "deploy", "web").await;
    ui.press("z").unwrap();
    ui.wait_for_text("How many replicas?").await.unwrap();
    ui.press("backspace").unwrap();
    ui.type_text("2").unwrap();
    ui.press("enter").unwrap();
    confirm_and_judge(&mut ui, "the scale's verdict").await;
    let web = kubectl.get(&["deployment", "web", "-n", "default"]).await;
    assert_eq!(web.unwrap()["spec"]["replicas"], 2);
    ui.press("esc").unwrap();
    ui.press("r").unwrap();
    confirm_and_judge(&mut ui, "the restart's verdict").await;
    let web = kubectl
        .get(&["deployment", "web", "-n", "default"])
        .await
        .unwrap();
    assert!(
        web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string(),
        "{web}"
    );
    ui.press("esc").unwrap();

    row(&mut ui, "pods", "stray").await;
    // x, confirmed: the guard's yes is recorded and the terminal handed over (the harness
    // has none: the pump itself is tested below).
    ui.press("x").unwrap();
    ui.wait_for_text("Which container?").await.unwrap();
    ui.press("enter").unwrap();
    let screen = confirm(&mut ui).await;
    assert!(
        screen.contains("open a shell in container c of pod default/stray"),
        "{screen}"
    );
    ui.wait_for_text("opening a shell in default/stray (c)")
        .await
        .unwrap();
    ui.press("ctrl-d").unwrap();
    confirm(&mut ui).await;
    ui.wait_for_text("Pod stray deleted").await.unwrap();
    let mut gone = false;
    for _ in 0..50 {
        if kubectl
            .get(&["pod", "stray", "-n", "default"])
            .await
            .is_none()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(gone, "kubectl still sees pod stray");
    // ctrl-k on a pod: deleted at once, no grace period.
    row(&mut ui, "pods", "stuck").await;
    ui.press("ctrl-k").unwrap();
    let screen = confirm(&mut ui).await;
    assert!(
        screen.contains("force-delete (at once, no grace period) Pod default/stuck"),
        "{screen}"
    );
    ui.wait_for_text("Pod stuck deleted").await.unwrap();
    assert!(
        kubectl
            .get(&["pod", "stuck", "-n", "default"])
            .await
            .is_none(),
        "kubectl still sees pod stuck"
    );
    let ok = |action: &str| (action.to_string(), "ok".to_string());
    assert_eq!(
        audited(dir.path()),
        [
            ok("edit"),
            ok("scale"),
            ok("rollout.restart"),
            ok("exec"),
            ok("delete"),
            ok("delete.force")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_after_a_change_by_kubectl_is_a_conflict_that_keeps_both() {
    let (_sim, dir, Some(kubectl), mut ui) = start(false).await else {
        return;
    };
    edit_app(&mut ui, "data: {mode: slow}").await;
    // Meanwhile, someone else changes it.
    let out = kubectl
        .run(&[
            "patch",
            "configmap",
            "app",
            "-n",
            "default",
            "-p",
            r#"{"data":{"mode":"kubectl"}}"#,
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    ui.type_text("y").unwrap();
    ui.press("enter").unwrap();
    let screen = result(&mut ui, "the conflict", |s| s.contains("conflict")).await;
    assert!(
        screen.contains("changed on the server since you opened it"),
        "{screen}"
    );
    assert!(screen.contains("nothing was overwritten"), "{screen}");
    let app = kubectl
        .get(&["configmap", "app", "-n", "default"])
        .await
        .unwrap();
    assert_eq!(app["data"]["mode"], "kubectl", "kubectl's change stays");
    assert_eq!(audited(dir.path()), [("edit".into(), "failed".into())]);
    // e from the result: the object read again, the operator's text back in the editor.
    ui.press("e").unwrap();
    let screen = ui.wait_for_text("your earlier edit, kept").await.unwrap();
    assert!(screen.contains("data: {mode: slow}"), "{screen}");
    let Some(prompt) = ui.state.prompt.as_ref() else {
        panic!("the editor is open:\n{screen}");
    };
    assert!(prompt.text().starts_with("data: {mode: slow}\n"));
    // Saved again now, over the version that has kubectl's change: the diff shows it.
    ui.press("ctrl-s").unwrap();
    let screen = ui.wait_for_text("run it? (y/n)").await.unwrap();
    assert!(screen.contains("+ data: {mode: slow}"), "{screen}");
}

/// A TCP echo server on 127.0.0.1; its address.
fn echo_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 || conn.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Sends `text` through 127.0.0.1:`port` and reads the echo back.
async fn echoed(port: u16, text: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    conn.write_all(text.as_bytes()).await?;
    let mut buf = vec![0u8; text.len()];
    tokio::time::timeout(Duration::from_secs(10), conn.read_exact(&mut buf))
        .await
        .map_err(|_| std::io::Error::other("no echo in 10 s"))??;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_port_is_forwarded_in_read_only_mode_listed_in_pf_and_stopped() {
    let (sim, dir, _, mut ui) = start(true).await;
    let upstream = echo_server();
    let pods = sim.state.find("", "v1", "pods").unwrap();
    sim.state
        .create_object(
            &pods,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "fwd", "namespace": "default", "annotations": {
                    "sim.strata.dev/script": "start=1s",
                    "sim.strata.dev/forward": format!("80={upstream}")}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "name": "http"}]}]}}),
        )
        .unwrap();
    row(&mut ui, "pods", "fwd").await;
    result(&mut ui, "pod fwd running", |s| s.contains("Running")).await;
    ui.press("F").unwrap();
    // The container's port is offered as both ends.
    let screen = ui.wait_for_text("Which ports?").await.unwrap();
    assert!(
        screen
            .lines()
            .any(|l| l.contains("LOCAL:REMOTE ▸") && l.contains("80:80")),
        "{screen}"
    );
    let local = free_port();
    for _ in 0.."80:80".len() {
        ui.press("backspace").unwrap();
    }
    ui.type_text(&format!("{local}:80")).unwrap();
    ui.press("enter").unwrap();
    let screen = confirm(&mut ui).await;
    assert!(
        screen.contains(&format!(
            "forward 127.0.0.1:{local} to port 80 of Pod default/fwd"
        )),
        "{screen}"
    );
    let screen = result(&mut ui, "the forward", |s| {
        s.contains("forwarding 127.0.0.1")
    })
    .await;
    assert!(
        screen.contains(&format!("forwarding 127.0.0.1:{local} to default/fwd:80")),
        "{screen}"
    );
    // Two connections through it, one after the other, each echoed.
    assert_eq!(echoed(local, "hello").await.unwrap(), "hello");
    assert_eq!(echoed(local, "again").await.unwrap(), "again");
    ui.press("esc").unwrap();
    command(&mut ui, "pf");
    let screen = result(&mut ui, "the forward listed", |s| s.contains("2 conn")).await;
    assert!(
        screen.contains(&format!("fwd 127.0.0.1:{local} → 80")),
        "{screen}"
    );
    assert!(screen.contains("active"), "{screen}");
    ui.press("ctrl-d").unwrap();
    ui.wait_for_text("stopped forwarding").await.unwrap();
    ui.wait_for_text("No port-forward running").await.unwrap();
    let mut closed = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(("127.0.0.1", local))
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "127.0.0.1:{local} still accepts connections");
    // Allowed in read-only mode, and recorded.
    assert_eq!(audited(dir.path()), [("port-forward".into(), "ok".into())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_pump_carries_a_session_to_the_simulators_shell_and_its_exit_code() {
    let sim = quiet_sim().await;
    let pods = sim.state.find("", "v1", "pods").unwrap();
    sim.state
        .create_object(
            &pods,
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "shell", "namespace": "default",
                    "annotations": {"sim.strata.dev/script": "start=100ms"}},
                "spec": {"containers": [{"name": "app", "image": "example/app:1"}]}}),
        )
        .unwrap();
    let client = strata::cluster::connect(&cockpit_support::target(&sim))
        .await
        .unwrap()
        .client;
    let running = async {
        loop {
            let pod = strata_sim_object(&sim, "", "pods", "shell");
            if pod["status"]["phase"] == "Running" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("pod shell running");
    let containers = strata::cluster::exec::containers(&client, "default", "shell")
        .await
        .unwrap();
    assert_eq!(containers, ["app"]);
    let shell = strata::cluster::exec::open(&client, "default", "shell", "app", Some((80, 24)))
        .await
        .unwrap();
    // A raw terminal's keys: Enter is `\r`.
    let typed: &[u8] = b"echo hello\rexit 3\r";
    let mut screen = Vec::new();
    let code = tokio::time::timeout(
        Duration::from_secs(10),
        strata::cluster::exec::pump(shell, typed, &mut screen),
    )
    .await
    .expect("the session ends")
    .unwrap();
    let screen = String::from_utf8_lossy(&screen);
    assert!(screen.contains("echo hello\r\nhello\r\n"), "{screen:?}");
    assert_eq!(code, Some(3), "{screen:?}");
}
