//! `strata bundle` against the simulator: the demo's broken Superset (describe, logs, Helm
//! history and values), planted secrets that must not reach any file of the extracted bundle
//! (a Secret's value echoed in a log line and set in env, a URL password, a bearer token),
//! the size cap, the read-only viewer's forbidden reads as README notes, and exit codes.
//! Every bundle is opened with the real `tar`.
//!
//! Needs kubectl (see tests/README.md); without it each test prints SKIPPED.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{Sim, SimOptions, StrataRun, private_dirs, run_strata, wait_until};

const TIMEOUT: Duration = Duration::from_secs(90);

/// The planted Secret's value: in the Secret, in `DB_PASSWORD`, and in the image tag (so the
/// simulated container's first log line says it).
const PLANTED: &str = "Plant3d-S3cret-Zq81";
/// A password only a URL holds (no Secret has it).
const URL_PASSWORD: &str = "UrlPa55-Kx72w";
/// A token only an `Authorization` header holds.
const BEARER: &str = "tok-9f8e7d6c5b4a";
/// A token only a `key=value` argument holds.
const ARG_TOKEN: &str = "argTok-31415926";

fn plant(sim: &Sim) {
    sim.namespace("shop");
    let manifest = format!(
        "apiVersion: v1
kind: Secret
metadata:
  name: shop-db
stringData:
  password: {PLANTED}
  username: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
data:
  DATABASE_URL: postgresql://shop:{URL_PASSWORD}@db.shop.svc/shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  labels: {{app.kubernetes.io/name: shop-api, app.kubernetes.io/instance: shop}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: shop-api}}
  template:
    metadata:
      labels: {{app: shop-api, app.kubernetes.io/name: shop-api, app.kubernetes.io/instance: shop}}
      annotations:
        sim.strata.dev/script: crashloop=2s
    spec:
      containers:
      - name: api
        image: acme/shop-api:{PLANTED}
        args: [\"--db-url=postgresql://shop:{URL_PASSWORD}@db.shop.svc/shop\", \"Authorization: Bearer {BEARER}\", \"api_token={ARG_TOKEN}\"]
        envFrom:
        - configMapRef: {{name: shop-config}}
        env:
        - name: DB_PASSWORD
          value: {PLANTED}
        - name: DB_PASSWORD_REF
          valueFrom:
            secretKeyRef: {{name: shop-db, key: password}}
"
    );
    sim.create("shop", &manifest);
    // Crashed once at least: a previous container to read.
    wait_until("shop-api restarted", Duration::from_secs(45), || {
        let out = sim.kubectl(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-o",
            "jsonpath={.items[*].status.containerStatuses[*].restartCount}",
        ]);
        match out.stdout.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(()),
            _ => Err(out.to_string()),
        }
    });
    // The test can fail: each planted value is there for the bundle to read — in the log,
    // and in the pod's spec.
    let logs = sim.kubectl(&["logs", "-n", "shop", "deploy/shop-api"]).ok();
    assert!(logs.stdout.contains(PLANTED), "{logs}");
    let pods = sim
        .kubectl(&["get", "pods", "-n", "shop", "-o", "json"])
        .ok();
    for value in [PLANTED, URL_PASSWORD, BEARER, ARG_TOKEN] {
        assert!(pods.stdout.contains(value), "{value} not planted");
    }
}

/// `strata bundle ARGS -o DIR/b.tar.gz`, extracted with the real tar into DIR/x; the run and
/// the bundle's folder.
fn bundle(sim: &Sim, dir: &Path, args: &[&str]) -> (StrataRun, PathBuf) {
    let home = private_dirs();
    let archive = dir.join("b.tar.gz");
    let archive_arg = archive.to_string_lossy().into_owned();
    let mut all = vec!["bundle", "-o", &archive_arg];
    all.extend_from_slice(args);
    let run = run_strata(&sim.kubeconfig, home.path(), &all, TIMEOUT);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let listed = tar(&["-tzf".as_ref(), archive.as_os_str()]);
    assert!(
        listed.lines().all(|l| l.starts_with("b/")),
        "one folder, named like the archive:\n{listed}"
    );
    let out = dir.join("x");
    std::fs::create_dir_all(&out).unwrap();
    tar(&[
        "-xzf".as_ref(),
        archive.as_os_str(),
        "-C".as_ref(),
        out.as_os_str(),
    ]);
    // One folder, named like the archive.
    (run, out.join("b"))
}

/// The real `tar` with ARGS; its stdout, or a panic with its stderr.
#[track_caller]
fn tar(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new("tar").args(args).output().expect("run tar");
    assert!(
        out.status.success(),
        "tar {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `root`, with its path relative to it.
fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[track_caller]
fn assert_absent(files: &[(String, Vec<u8>)], secrets: &[&str]) {
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(bytes);
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{secret:?} leaked into {path}:\n{text}"
            );
        }
    }
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path))
        .unwrap_or_else(|e| panic!("{path} is not in the bundle ({e})"))
}

#[test]
fn planted_secrets_never_reach_the_bundle() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    plant(&sim);
    let dir = tempfile::tempdir().unwrap();
    let (run, root) = bundle(&sim, dir.path(), &["-n", "shop"]);
    assert!(run.stdout.contains("b.tar.gz"), "{}", run.stdout);
    assert!(run.stderr.contains("logs of pods 1/1"), "{}", run.stderr);
    let all = files(&root);
    let names: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "README.md",
        "status.json",
        "runs.json",
        "events.txt",
        "events.json",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    let pod_describe = names
        .iter()
        .find(|n| n.starts_with("describe/shop/Pod-shop-api-"))
        .unwrap_or_else(|| panic!("no pod describe: {names:?}"));
    assert!(
        names.contains(&"describe/shop/Deployment-shop-api.txt"),
        "{names:?}"
    );
    let log = names
        .iter()
        .find(|n| n.starts_with("logs/shop/shop-api-") && n.ends_with("/api.log"))
        .unwrap_or_else(|| panic!("no log: {names:?}"));
    assert!(
        names.iter().any(|n| n.ends_with("/api.previous.log")),
        "the crashed container's previous log: {names:?}"
    );

    // Nothing planted is anywhere, in any file.
    assert_absent(&all, &[PLANTED, URL_PASSWORD, BEARER, ARG_TOKEN]);

    // …and the places they were are still readable, with the value cut.
    let describe = read(&root, pod_describe);
    assert!(describe.contains("DB_PASSWORD:"), "{describe}");
    assert!(describe.contains("<redacted>"), "{describe}");
    assert!(
        describe.contains("<set to the key 'password' in secret 'shop-db'>"),
        "valueFrom references are kept: {describe}"
    );
    assert!(
        describe.contains("postgresql://shop:<redacted>@db.shop.svc/shop"),
        "{describe}"
    );
    let log = read(&root, log);
    assert!(
        log.contains("(image acme/shop-api:<redacted>)"),
        "the secret echoed in the log line is scrubbed: {log}"
    );
    let readme = read(&root, "README.md");
    assert!(
        readme.contains("context: `strata-sim`, namespace shop"),
        "{readme}"
    );
    assert!(readme.contains("## Redacted"), "{readme}");
    assert!(readme.contains("`logs/`"), "{readme}");
    let status: serde_json::Value = serde_json::from_str(&read(&root, "status.json")).unwrap();
    assert_eq!(status["context"], "strata-sim");
    let runs: serde_json::Value = serde_json::from_str(&read(&root, "runs.json")).unwrap();
    assert!(runs["runs"].is_array());
    let events = read(&root, "events.txt");
    assert!(events.starts_with("Warning"), "{events}");
    assert!(run.stderr.contains("reading events… "), "{}", run.stderr);

    // Nowhere to write: exit 2, saying where and what to do, and no partial file left.
    let home = private_dirs();
    let nowhere = dir.path().join("missing-dir").join("b.tar.gz");
    let out = run_strata(
        &sim.kubeconfig,
        home.path(),
        &["bundle", "-n", "shop", "-o", nowhere.to_str().unwrap()],
        TIMEOUT,
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("error: cannot write the bundle to") && out.stderr.contains("-o"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_demo_bundle_holds_superset_describe_logs_and_helm_history_without_demo_secrets() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, root) = bundle(&sim, dir.path(), &[]);
    let all = files(&root);
    let names: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        names.contains(&"describe/bi/Job-superset-init-db.txt"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("logs/bi/superset-") && n.ends_with(".log")),
        "{names:?}"
    );
    let history = read(&root, "helm/bi/superset/history.txt");
    let last = history.lines().last().unwrap();
    assert!(
        last.starts_with("3 ") && last.contains("failed") && last.contains("superset-init-db"),
        "{history}"
    );
    assert!(
        names.contains(&"helm/bi/superset/values-rev3.yaml"),
        "{names:?}"
    );
    let describe = read(&root, "describe/bi/Job-superset-init-db.txt");
    assert!(describe.contains("BackoffLimitExceeded"), "{describe}");
    // The incident timeline of the window links both planted causes, as the screen does.
    let incident = read(&root, "incident.txt");
    assert!(
        incident.contains("superset rev 3") && incident.contains("DAGSTER_MODULE_NAME"),
        "{incident}"
    );
    let incident: serde_json::Value = serde_json::from_str(&read(&root, "incident.json")).unwrap();
    assert!(
        incident["incidents"]
            .as_array()
            .is_some_and(|i| i.len() >= 2),
        "{incident}"
    );

    // The demo's own credentials: every value under a password/token/secret key of every
    // Secret (Helm's storage aside) is absent from every file — but for chart defaults equal
    // to a name (Airbyte's password `airbyte`), which the README says are left as names.
    let status: serde_json::Value = serde_json::from_str(&read(&root, "status.json")).unwrap();
    let mut names: Vec<String> = Vec::new();
    for layer in status["layers"].as_array().unwrap() {
        for c in layer["components"].as_array().unwrap() {
            for key in ["name", "namespace", "release"] {
                if let Some(name) = c[key].as_str() {
                    names.push(name.to_string());
                }
            }
        }
    }
    let readme = read(&root, "README.md");
    let secrets = sim.json(&["get", "secrets", "-A"]);
    let mut values = Vec::new();
    for secret in secrets["items"].as_array().unwrap() {
        if secret["type"] == "helm.sh/release.v1" {
            continue;
        }
        for (key, value) in secret["data"].as_object().into_iter().flatten() {
            let lower = key.to_lowercase();
            if !["password", "token", "secret", "key"]
                .iter()
                .any(|k| lower.contains(k))
            {
                continue;
            }
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value.as_str().unwrap())
                .unwrap();
            let text = String::from_utf8_lossy(&decoded).into_owned();
            if text.len() >= 6 && !names.contains(&text) {
                values.push(text);
            } else if names.contains(&text) {
                assert!(readme.contains("equal to the name of"), "{readme}");
            }
        }
    }
    assert!(
        values.len() >= 3,
        "the demo carries credentials: {values:?}"
    );
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    assert_absent(&all, &refs);
}

#[test]
fn the_size_cap_cuts_and_says_so() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    sim.namespace("noisy");
    sim.create(
        "noisy",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: chatty
spec:
  replicas: 5
  selector:
    matchLabels: {app: chatty}
  template:
    metadata:
      labels: {app: chatty}
      annotations:
        sim.strata.dev/script: unready,log-rate=4000
    spec:
      containers:
      - name: app
        image: acme/chatty:1
",
    );
    // Enough lines that five containers' logs exceed 1 MiB (and each the per-file cap).
    std::thread::sleep(Duration::from_secs(6));
    let dir = tempfile::tempdir().unwrap();
    let (run, root) = bundle(
        &sim,
        dir.path(),
        &["-n", "noisy", "--max-mib", "1", "--tail", "100000"],
    );
    let all = files(&root);
    let total: usize = all.iter().map(|(_, b)| b.len()).sum();
    assert!(total <= 1024 * 1024, "{total} bytes over the 1 MiB cap");
    let readme = read(&root, "README.md");
    assert!(readme.contains("per-file cap"), "{readme}");
    assert!(readme.contains("total cap"), "{readme}");
    assert!(run.stderr.contains("left out:"), "{}", run.stderr);
    let logs = all.iter().filter(|(p, _)| p.starts_with("logs/")).count();
    assert!(logs >= 1, "some logs made it in");
}

#[test]
fn forbidden_reads_are_readme_notes_and_credential_keys_still_redacted() {
    let Some(sim) = Sim::start(SimOptions::default()) else {
        return;
    };
    plant(&sim);
    let dir = tempfile::tempdir().unwrap();
    let (run, root) = bundle(&sim, dir.path(), &["--context", "strata-sim-viewer"]);
    let readme = read(&root, "README.md");
    assert!(readme.contains("cannot list secrets"), "{readme}");
    assert!(readme.contains("forbidden (403)"), "{readme}");
    // Superset's Helm storage is Secrets too: not read, said so.
    assert!(readme.contains("helm/bi/superset/"), "{readme}");
    assert!(run.stderr.contains("left out:"), "{}", run.stderr);
    // Without the Secrets, the literal in the image tag cannot be recognised (the README
    // says so); what keys, URLs and headers hold is still cut.
    let all = files(&root);
    let describe: Vec<&(String, Vec<u8>)> = all
        .iter()
        .filter(|(p, _)| p.starts_with("describe/shop/"))
        .collect();
    assert!(!describe.is_empty());
    for (path, bytes) in describe.iter().filter(|(p, _)| p.contains("Pod-")) {
        let text = String::from_utf8_lossy(bytes);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("DB_PASSWORD:"))
            .unwrap_or_else(|| panic!("{path}: {text}"));
        assert!(
            line.contains("<redacted>") && !line.contains(PLANTED),
            "{path}: {line}"
        );
    }
    assert_absent(&all, &[URL_PASSWORD, BEARER, ARG_TOKEN]);
    assert!(readme.contains("cannot be recognised"), "{readme}");
}

#[test]
fn bad_arguments_and_an_unusable_kubeconfig_are_exit_2() {
    let dir = private_dirs();
    let missing = dir.path().join("no-kubeconfig");
    let out = run_strata(&missing, dir.path(), &["bundle", "--since", "2w"], TIMEOUT);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("--since"), "{}", out.stderr);
    let out = run_strata(
        &missing,
        dir.path(),
        &["bundle", "-o", "/nonexistent/x.tar.gz"],
        TIMEOUT,
    );
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
}
