//! `kubectl exec` (v1.35, WebSocket `v5.channel.k8s.io`) against `strata sim serve`: the
//! simulator's built-in shell, what it sees of the container (env with `valueFrom`, ConfigMap
//! and Secret mounts), exit codes, stdin sessions, and the refusals (RBAC, a container that is
//! not running) as kubectl prints them.
//!
//! Run: `cargo test --test kubectl_exec -- --test-threads=2`.

mod support;

use std::time::Duration;

use support::{Out, Sim, SimOptions, wait_running, wait_until};

const SETTLE: Duration = Duration::from_secs(30);
const NS: &str = "shell";

/// A namespace with a ConfigMap, a Secret and pod `app` that reads both as env and mounts,
/// Running; `None` when kubectl is not installed.
fn sim_with_app() -> Option<Sim> {
    let sim = Sim::start(SimOptions::default())?;
    sim.namespace(NS);
    sim.create(
        NS,
        r#"apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  mode: production
  url: "http://warehouse:8123"
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cr3t, token: abc}
---
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations: {sim.strata.dev/script: "start=1s"}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
    workingDir: /srv
    env:
    - {name: GREETING, value: hello}
    - name: MODE
      valueFrom: {configMapKeyRef: {name: app-config, key: mode}}
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    volumeMounts:
    - {name: config, mountPath: /etc/app}
    - {name: creds, mountPath: /var/run/creds, readOnly: true}
    - {name: scratch, mountPath: /srv}
  volumes:
  - name: config
    configMap: {name: app-config}
  - name: creds
    secret:
      secretName: app-secret
      items: [{key: token, path: api-token}]
  - name: scratch
    emptyDir: {}
"#,
    );
    wait_running(&sim, NS, "app");
    Some(sim)
}

fn exec(sim: &Sim, command: &[&str]) -> Out {
    let mut args = vec!["exec", "app", "-n", NS, "--"];
    args.extend(command);
    sim.kubectl(&args)
}

#[test]
fn exec_prints_output_and_ends_with_the_commands_exit_code() {
    let Some(sim) = sim_with_app() else { return };
    let out = exec(&sim, &["echo", "hi"]).ok();
    assert_eq!(out.stdout, "hi\n", "{out}");

    let out = exec(&sim, &["sh", "-c", "exit 3"]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        out.stderr.contains("command terminated with exit code 3"),
        "{out}"
    );

    let out = exec(
        &sim,
        &["sh", "-c", "echo first; nosuch && echo never || echo $?"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(out.stdout, "first\n127\n", "{out}");
    assert_eq!(out.stderr, "sh: nosuch: not found\n", "{out}");

    let out = exec(&sim, &["hostname"]).ok();
    assert_eq!(out.stdout, "app\n");
    let out = exec(&sim, &["pwd"]).ok();
    assert_eq!(out.stdout, "/srv\n", "workingDir is where exec starts");

    // A program the image does not have cannot start: the runtime's error, exit 1.
    let out = exec(&sim, &["psql"]).failed();
    assert!(
        out.stderr
            .contains("exec: \"psql\": executable file not found in $PATH"),
        "{out}"
    );
}

#[test]
fn exec_sees_the_containers_env_and_mounted_files() {
    let Some(sim) = sim_with_app() else { return };
    let out = exec(&sim, &["cat", "/etc/app/mode"]).ok();
    assert_eq!(out.stdout, "production", "{out}");
    let out = exec(&sim, &["ls", "/etc/app"]).ok();
    assert_eq!(out.stdout, "mode\nurl\n", "{out}");
    // A Secret volume with items: only the listed key, under its path, decoded.
    let out = exec(&sim, &["cat", "/var/run/creds/api-token"]).ok();
    assert_eq!(out.stdout, "abc", "{out}");
    let out = exec(&sim, &["ls", "/var/run/creds"]).ok();
    assert_eq!(out.stdout, "api-token\n", "{out}");

    let out = exec(&sim, &["cat", "/etc/app/missing"]).failed();
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr
            .contains("cat: can't open '/etc/app/missing': No such file or directory"),
        "{out}"
    );

    let out = exec(&sim, &["env"]).ok();
    for line in [
        "GREETING=hello",
        "MODE=production",
        "DB_PASSWORD=s3cr3t",
        "HOSTNAME=app",
    ] {
        assert!(out.lines().contains(&line), "{line} in\n{out}");
    }
    let out = exec(&sim, &["sh", "-c", "echo \"$MODE:$GREETING\""]).ok();
    assert_eq!(out.stdout, "production:hello\n", "{out}");
}

#[test]
fn exec_with_stdin_runs_a_shell_session_line_by_line() {
    let Some(sim) = sim_with_app() else { return };
    let out = sim.kubectl_with(
        &["exec", "-i", "app", "-n", NS, "--", "sh"],
        Some("echo one\ncat /etc/app/url\necho\nls /nowhere\nexit 4\necho never\n"),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(4), "{out}");
    assert_eq!(out.stdout, "one\nhttp://warehouse:8123\n", "{out}");
    assert!(
        out.stderr
            .contains("ls: /nowhere: No such file or directory"),
        "{out}"
    );

    // Stdin ending ends the shell, with the status of its last command.
    let out = sim.kubectl_with(
        &["exec", "-i", "app", "-n", NS, "--", "sh"],
        Some("echo last\nfalse\n"),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(1), "{out}");
    assert_eq!(out.stdout, "last\n", "{out}");
}

#[test]
fn exec_is_refused_to_the_viewer_and_into_a_container_not_running() {
    let Some(sim) = sim_with_app() else { return };
    let out = sim
        .kubectl(&[
            "--context",
            "strata-sim-viewer",
            "exec",
            "app",
            "-n",
            NS,
            "--",
            "true",
        ])
        .failed();
    assert!(
        out.stderr.contains(&format!(
            "Error from server (Forbidden): pods \"app\" is forbidden: User \"viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"{NS}\""
        )),
        "{out}"
    );

    // A container whose image never pulls has no process to exec in: the kubelet's refusal.
    sim.create(
        NS,
        r#"apiVersion: v1
kind: Pod
metadata:
  name: stuck
  annotations: {sim.strata.dev/script: "pull-error"}
spec:
  containers: [{name: main, image: "registry.invalid/nothing:1"}]
"#,
    );
    wait_until("stuck is scheduled", SETTLE, || {
        let out = sim.kubectl(&[
            "get",
            "pod",
            "stuck",
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.nodeName}",
        ]);
        if out.stdout.trim().is_empty() {
            Err(out.to_string())
        } else {
            Ok(())
        }
    });
    let out = sim
        .kubectl(&["exec", "stuck", "-n", NS, "--", "true"])
        .failed();
    assert!(
        out.stderr
            .contains("unable to upgrade connection: container not found (\"main\")"),
        "{out}"
    );

    let out = sim
        .kubectl(&["exec", "app", "-c", "sidecar", "-n", NS, "--", "true"])
        .failed();
    assert!(
        out.stderr
            .contains("container sidecar is not valid for pod app"),
        "{out}"
    );
}
