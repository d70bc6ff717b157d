//! Real-client conformance: the real kubectl v1.35 and Helm v4 against `strata sim serve`.
//!
//! The simulator's fidelity is only worth what real clients say about it, so every test here
//! drives the real binaries (fetched by `scripts/fetch-tools.sh`) and asserts on what they
//! print, never on the simulator's internals. Each test starts its own simulator with
//! `--no-runs` (a cluster that only moves when the test moves it) and creates the objects it
//! needs, so tests run in parallel and do not depend on the demo's exact contents, except
//! where the demo itself is the subject (namespaces, Helm releases).
//!
//! Run: `cargo test --test kubectl_conformance -- --test-threads=2`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;
use support::{
    Out, Sim, SimOptions, fixtures_dir, header_words, is_subsequence, item_names, wait_until,
};

/// Long enough for the simulator's scripted start-up delays, short enough that a stuck
/// controller fails the test instead of stalling the suite.
const SETTLE: Duration = Duration::from_secs(30);

fn sim() -> Option<Sim> {
    Sim::start(SimOptions::default())
}

/// A bare pod; `script` is the simulator's `sim.strata.dev/script` annotation.
fn pod_yaml(name: &str, labels: &str, script: &str, restart: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{{labels}}}
  annotations:
    sim.strata.dev/script: "{script}"
spec:
  restartPolicy: {restart}
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "echo hello; sleep 3600"]
"#
    )
}

/// A Deployment whose pods become Ready after the simulator's default start-up delay.
fn deployment_yaml(name: &str, replicas: u32, image: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        ports:
        - containerPort: 8080
"#
    )
}

fn jsonpath(sim: &Sim, args: &[&str], path: &str) -> Out {
    let mut all = args.to_vec();
    let expr = format!("jsonpath={path}");
    all.extend(["-o", &expr]);
    sim.kubectl(&all)
}

/// Waits until `kubectl get ... -o jsonpath=PATH` prints `want`.
#[track_caller]
fn wait_for_value(sim: &Sim, args: &[&str], path: &str, want: &str, timeout: Duration) {
    wait_until(&format!("{args:?} {path} == {want:?}"), timeout, || {
        let out = jsonpath(sim, args, path);
        if out.success() && out.stdout.trim() == want {
            Ok(())
        } else {
            Err(out.to_string())
        }
    });
}

#[track_caller]
fn wait_pod_phase(sim: &Sim, ns: &str, pod: &str, phase: &str) {
    wait_for_value(
        sim,
        &["get", "pod", pod, "-n", ns],
        "{.status.phase}",
        phase,
        SETTLE,
    );
}

/// `kubectl rollout status` blocks until the rollout is complete, which is itself the check.
#[track_caller]
fn rollout_status(sim: &Sim, ns: &str, target: &str) -> Out {
    let out = sim
        .kubectl_with(
            &["rollout", "status", target, "-n", ns, "--timeout=90s"],
            None,
            Duration::from_secs(100),
        )
        .ok();
    // Deployments and DaemonSets say "successfully rolled out"; StatefulSets, whose
    // rollingUpdate.partition the API server defaults to 0, say "partitioned roll out complete".
    assert!(
        out.stdout.contains("successfully rolled out")
            || out.stdout.contains("partitioned roll out complete"),
        "rollout status did not report success:\n{out}"
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Discovery and the demo scenario

#[test]
fn discovery_lists_the_built_in_kinds() {
    let Some(sim) = sim() else { return };
    let version = sim.kubectl(&["version", "-o", "json"]).ok().json();
    let server = version["serverVersion"]["gitVersion"]
        .as_str()
        .unwrap_or("");
    assert!(
        server.starts_with("v1."),
        "kubectl version shows no server version: {version}"
    );

    let versions = sim.kubectl(&["api-versions"]).ok();
    for gv in ["v1", "apps/v1", "batch/v1", "authorization.k8s.io/v1"] {
        assert!(
            versions.lines().contains(&gv),
            "api-versions lacks {gv}:\n{versions}"
        );
    }

    let resources = sim.kubectl(&["api-resources", "-o", "name"]).ok();
    let names = resources.lines();
    for want in [
        "pods",
        "services",
        "endpoints",
        "configmaps",
        "secrets",
        "events",
        "nodes",
        "namespaces",
        "serviceaccounts",
        "persistentvolumeclaims",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "controllerrevisions.apps",
        "jobs.batch",
        "cronjobs.batch",
        "selfsubjectaccessreviews.authorization.k8s.io",
    ] {
        assert!(
            names.contains(&want),
            "api-resources lacks {want}:\n{resources}"
        );
    }
    // Short names come from discovery too; operators type them all day. An unknown one
    // would fail the command.
    sim.kubectl(&[
        "get",
        "deploy,sts,ds,rs,cj,po,svc,cm,sa,pvc,ev,ep,no,ns",
        "-A",
    ])
    .ok();
}

/// kubectl's imperative commands use client-go's generated clients, which send built-in
/// kinds as protobuf (`Content-Type: application/vnd.kubernetes.protobuf`), not JSON.
#[test]
fn imperative_create_commands() {
    let Some(sim) = sim() else { return };
    let out = sim.kubectl(&["create", "namespace", "imperative"]).ok();
    assert!(out.stdout.contains("namespace/imperative created"), "{out}");
    let ns = "imperative";
    let out = sim
        .kubectl(&[
            "create",
            "configmap",
            "settings",
            "--from-literal=mode=fast",
            "-n",
            ns,
        ])
        .ok();
    assert!(out.stdout.contains("configmap/settings created"), "{out}");
    let out = sim
        .kubectl(&[
            "create",
            "deployment",
            "hello",
            "--image=nginx:1.27",
            "--replicas=2",
            "-n",
            ns,
        ])
        .ok();
    assert!(
        out.stdout.contains("deployment.apps/hello created"),
        "{out}"
    );

    let cm = sim.json(&["get", "configmap", "settings", "-n", ns]);
    assert_eq!(cm["data"]["mode"], "fast", "{cm}");
    let deploy = sim.json(&["get", "deployment", "hello", "-n", ns]);
    assert_eq!(deploy["spec"]["replicas"], 2, "{deploy}");
    assert_eq!(
        deploy["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27",
        "{deploy}"
    );
    rollout_status(&sim, ns, "deployment/hello");
}

#[test]
fn demo_scenario_has_the_data_stack_namespaces() {
    let Some(sim) = sim() else { return };
    let list = sim.json(&["get", "namespaces"]);
    let names = item_names(&list);
    for ns in [
        "ingestion",
        "orchestration",
        "transformation",
        "warehouse",
        "bi",
        "platform",
    ] {
        assert!(
            names.iter().any(|n| n == ns),
            "namespace {ns} missing: {names:?}"
        );
        let pods = sim.json(&["get", "pods", "-n", ns]);
        assert!(
            !item_names(&pods).is_empty(),
            "the demo has no pods in {ns}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// get: every kind, tables, JSON, wide, selectors, watch

/// One object of every built-in kind the product reads (controllers add ReplicaSets,
/// ControllerRevisions, Pods and Events).
const EVERY_KIND: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: conf-cm, labels: {suite: conformance}}
data: {key: value}
---
apiVersion: v1
kind: Secret
metadata: {name: conf-secret}
type: Opaque
data: {password: aHVudGVyMg==}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: conf-sa}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: conf-pvc}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: conf-svc}
spec:
  selector: {app: conf-web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: conf-ext}
subsets:
- addresses: [{ip: 10.1.2.3}]
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: conf-web, labels: {app: conf-web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: conf-web}}
  template:
    metadata: {labels: {app: conf-web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: conf-db}
spec:
  serviceName: conf-db
  replicas: 1
  selector: {matchLabels: {app: conf-db}}
  template:
    metadata: {labels: {app: conf-db}}
    spec:
      containers: [{name: postgres, image: "postgres:16"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: conf-agent}
spec:
  selector: {matchLabels: {app: conf-agent}}
  template:
    metadata: {labels: {app: conf-agent}}
    spec:
      containers: [{name: agent, image: "fluent/fluent-bit:3.1"}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: conf-job}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {sim.strata.dev/script: "exit=1s"}
    spec:
      restartPolicy: Never
      containers: [{name: task, image: "busybox:1.36"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: conf-cron}
spec:
  schedule: "*/5 * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: task, image: "busybox:1.36"}]
---
apiVersion: v1
kind: Pod
metadata: {name: conf-pod, labels: {app: conf-pod}}
spec:
  containers: [{name: main, image: "busybox:1.36"}]
"#;

/// What `kubectl get KIND -A -o json` must contain for the test's objects.
enum Expect {
    /// An object with this name in the `conformance` namespace (or cluster-wide).
    Named(&'static str),
    /// An object in `conformance` controlled by this owner kind/name.
    OwnedBy(&'static str, &'static str),
    /// Anything in `conformance`.
    AnyInNamespace,
    /// Anything at all.
    Any,
}

struct KindCase {
    resource: &'static str,
    namespaced: bool,
    /// The long-standing columns of the real API server's Table, in order.
    columns: &'static [&'static str],
    /// The same for `-o wide`.
    wide: &'static [&'static str],
    expect: Expect,
    /// Text the test object's row must show in `-o wide`.
    wide_row: &'static [&'static str],
}

// Kept as a table: one kind per block reads better than rustfmt's one word per line.
#[rustfmt::skip]
const KINDS: &[KindCase] = &[
    KindCase {
        resource: "pods",
        namespaced: true,
        columns: &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        wide: &["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"],
        expect: Expect::Named("conf-pod"),
        wide_row: &["Running"],
    },
    KindCase {
        resource: "deployments",
        namespaced: true,
        columns: &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        wide: &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        expect: Expect::Named("conf-web"),
        wide_row: &["nginx:1.27", "app=conf-web"],
    },
    KindCase {
        resource: "replicasets",
        namespaced: true,
        columns: &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        wide: &["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        expect: Expect::OwnedBy("Deployment", "conf-web"),
        wide_row: &["nginx:1.27"],
    },
    KindCase {
        resource: "statefulsets",
        namespaced: true,
        columns: &["NAME", "READY", "AGE"],
        wide: &["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"],
        expect: Expect::Named("conf-db"),
        wide_row: &["postgres:16"],
    },
    KindCase {
        resource: "daemonsets",
        namespaced: true,
        columns: &["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"],
        wide: &["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        expect: Expect::Named("conf-agent"),
        wide_row: &["fluent/fluent-bit:3.1"],
    },
    KindCase {
        resource: "jobs",
        namespaced: true,
        columns: &["NAME", "COMPLETIONS", "DURATION", "AGE"],
        wide: &["NAME", "COMPLETIONS", "DURATION", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        expect: Expect::Named("conf-job"),
        wide_row: &["busybox:1.36"],
    },
    KindCase {
        resource: "cronjobs",
        namespaced: true,
        columns: &["NAME", "SCHEDULE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"],
        wide: &["NAME", "SCHEDULE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        expect: Expect::Named("conf-cron"),
        wide_row: &["*/5 * * * *", "True", "busybox:1.36"],
    },
    KindCase {
        resource: "services",
        namespaced: true,
        columns: &["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        wide: &["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"],
        expect: Expect::Named("conf-svc"),
        wide_row: &["ClusterIP", "80/TCP", "app=conf-web"],
    },
    KindCase {
        resource: "endpoints",
        namespaced: true,
        columns: &["NAME", "ENDPOINTS", "AGE"],
        wide: &["NAME", "ENDPOINTS", "AGE"],
        expect: Expect::Named("conf-ext"),
        wide_row: &["10.1.2.3:5432"],
    },
    KindCase {
        resource: "configmaps",
        namespaced: true,
        columns: &["NAME", "DATA", "AGE"],
        wide: &["NAME", "DATA", "AGE"],
        expect: Expect::Named("conf-cm"),
        wide_row: &[" 1 "],
    },
    KindCase {
        resource: "secrets",
        namespaced: true,
        columns: &["NAME", "TYPE", "DATA", "AGE"],
        wide: &["NAME", "TYPE", "DATA", "AGE"],
        expect: Expect::Named("conf-secret"),
        wide_row: &["Opaque", " 1 "],
    },
    KindCase {
        resource: "events",
        namespaced: true,
        columns: &["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        wide: &["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST", "SEEN", "COUNT", "NAME"],
        expect: Expect::AnyInNamespace,
        wide_row: &[],
    },
    KindCase {
        resource: "nodes",
        namespaced: false,
        columns: &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        wide: &["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        expect: Expect::Any,
        wide_row: &[],
    },
    KindCase {
        resource: "namespaces",
        namespaced: false,
        columns: &["NAME", "STATUS", "AGE"],
        wide: &["NAME", "STATUS", "AGE"],
        expect: Expect::Named("conformance"),
        wide_row: &["Active"],
    },
    KindCase {
        resource: "serviceaccounts",
        namespaced: true,
        columns: &["NAME", "SECRETS", "AGE"],
        wide: &["NAME", "SECRETS", "AGE"],
        expect: Expect::Named("conf-sa"),
        wide_row: &[],
    },
    KindCase {
        resource: "pvc",
        namespaced: true,
        columns: &["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "AGE"],
        wide: &["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "AGE", "VOLUMEMODE"],
        expect: Expect::Named("conf-pvc"),
        wide_row: &[],
    },
    KindCase {
        resource: "controllerrevisions",
        namespaced: true,
        columns: &["NAME", "CONTROLLER", "REVISION", "AGE"],
        wide: &["NAME", "CONTROLLER", "REVISION", "AGE"],
        expect: Expect::OwnedBy("StatefulSet", "conf-db"),
        wide_row: &["statefulset.apps/conf-db"],
    },
];

/// The name of the item of `list` that the case expects, or why there is none.
fn expected_item(case: &KindCase, list: &Value) -> Result<String, String> {
    let items = list["items"].as_array().ok_or("no items array")?;
    let in_ns = |i: &&Value| !case.namespaced || i["metadata"]["namespace"] == "conformance";
    let found = match case.expect {
        Expect::Named(name) => items
            .iter()
            .filter(in_ns)
            .find(|i| i["metadata"]["name"] == name),
        Expect::OwnedBy(kind, name) => items.iter().filter(in_ns).find(|i| {
            i["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r["kind"] == kind && r["name"] == name && r["controller"] == true)
                })
        }),
        Expect::AnyInNamespace => items.iter().find(in_ns),
        Expect::Any => items.first(),
    };
    found
        .and_then(|i| i["metadata"]["name"].as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "no expected item among {} items: {:?}",
                items.len(),
                item_names(list).iter().take(20).collect::<Vec<_>>()
            )
        })
}

/// The row of a table (skipping the header) that shows `name` (and the test namespace for
/// namespaced kinds with `-A`). Event tables show the involved object, not the event's name,
/// so any row of the namespace will do for them.
fn row_of<'a>(table: &'a str, case: &KindCase, name: &str) -> Option<&'a str> {
    table.lines().skip(1).find(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        match case.expect {
            Expect::AnyInNamespace => words.first() == Some(&"conformance"),
            _ if case.namespaced => {
                words.first() == Some(&"conformance") && words.get(1) == Some(&name)
            }
            _ => words.first() == Some(&name),
        }
    })
}

#[test]
fn get_every_kind_as_table_json_and_wide() {
    let Some(sim) = sim() else { return };
    sim.namespace("conformance");
    sim.create("conformance", EVERY_KIND);
    wait_pod_phase(&sim, "conformance", "conf-pod", "Running");

    // Every kind is checked and every problem reported, so one run lists all the gaps.
    let mut problems = Vec::new();
    for case in KINDS {
        let r = case.resource;
        // Controllers need a moment to create ReplicaSets, revisions and events.
        let deadline = Instant::now() + Duration::from_secs(15);
        let name = loop {
            let out = sim.kubectl(&["get", r, "-A", "-o", "json"]);
            let result = if out.success() {
                match serde_json::from_str::<Value>(&out.stdout) {
                    Ok(list)
                        if list["kind"] != "List"
                            && !list["kind"].as_str().unwrap_or("").ends_with("List") =>
                    {
                        Err(format!("-o json kind is {}, not a List", list["kind"]))
                    }
                    Ok(list) => expected_item(case, &list),
                    Err(e) => Err(format!("-o json is not JSON: {e}")),
                }
            } else {
                Err(out.to_string())
            };
            match result {
                Ok(name) => break Some(name),
                Err(e) if Instant::now() >= deadline => {
                    problems.push(format!("[{r}] get -A -o json: {e}"));
                    break None;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(300)),
            }
        };

        let mut columns = Vec::new();
        if case.namespaced {
            columns.push("NAMESPACE");
        }
        columns.extend(case.columns);
        let table = sim.kubectl(&["get", r, "-A"]);
        if !table.success() {
            problems.push(format!("[{r}] get -A failed:\n{table}"));
        } else if !is_subsequence(&columns, &header_words(&table.stdout)) {
            problems.push(format!(
                "[{r}] get -A header should have columns {columns:?} (server-side Table); got:\n{}",
                table.stdout.lines().next().unwrap_or("")
            ));
        } else if let Some(name) = &name
            && row_of(&table.stdout, case, name).is_none()
        {
            problems.push(format!("[{r}] get -A has no row for {name}:\n{table}"));
        }

        let mut wide_columns = Vec::new();
        if case.namespaced {
            wide_columns.push("NAMESPACE");
        }
        wide_columns.extend(case.wide);
        let wide = sim.kubectl(&["get", r, "-A", "-o", "wide"]);
        if !wide.success() {
            problems.push(format!("[{r}] get -A -o wide failed:\n{wide}"));
            continue;
        }
        if !is_subsequence(&wide_columns, &header_words(&wide.stdout)) {
            problems.push(format!(
                "[{r}] -o wide header should have columns {wide_columns:?}; got:\n{}",
                wide.stdout.lines().next().unwrap_or("")
            ));
        }
        if let Some(name) = &name {
            match row_of(&wide.stdout, case, name) {
                None => problems.push(format!("[{r}] -o wide has no row for {name}:\n{wide}")),
                Some(row) => {
                    let padded = format!(" {row} ");
                    for want in case.wide_row {
                        if !padded.contains(want) {
                            problems.push(format!(
                                "[{r}] -o wide row for {name} should show {want:?}: {row}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn get_with_label_and_field_selectors() {
    let Some(sim) = sim() else { return };
    let ns = "selectors";
    sim.namespace(ns);
    let pods = [
        pod_yaml("web-a", "tier: web, track: stable", "", "Always"),
        pod_yaml("web-b", "tier: web, track: canary", "", "Always"),
        pod_yaml("db-a", "tier: db", "", "Always"),
        pod_yaml("batch-done", "tier: batch", "exit=1s", "Never"),
    ]
    .join("---\n");
    sim.create(ns, &pods);
    wait_pod_phase(&sim, ns, "batch-done", "Succeeded");
    wait_pod_phase(&sim, ns, "web-a", "Running");

    let names = |args: &[&str]| -> BTreeSet<String> {
        let mut all = vec!["get", "pods", "-n", ns];
        all.extend(args);
        item_names(&sim.json(&all)).into_iter().collect()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|s| s.to_string()).collect() };

    assert_eq!(
        names(&["-l", "tier=web"]),
        set(&["web-a", "web-b"]),
        "-l tier=web"
    );
    assert_eq!(
        names(&["-l", "tier!=web"]),
        set(&["db-a", "batch-done"]),
        "-l tier!=web"
    );
    assert_eq!(
        names(&["-l", "tier in (db,batch)"]),
        set(&["db-a", "batch-done"]),
        "in"
    );
    assert_eq!(
        names(&["-l", "tier notin (web,batch)"]),
        set(&["db-a"]),
        "notin"
    );
    assert_eq!(names(&["-l", "track"]), set(&["web-a", "web-b"]), "exists");
    assert_eq!(
        names(&["-l", "!track"]),
        set(&["db-a", "batch-done"]),
        "does not exist"
    );
    assert_eq!(
        names(&["-l", "tier=web,track=canary"]),
        set(&["web-b"]),
        "and"
    );

    assert_eq!(
        names(&["--field-selector", "metadata.name=db-a"]),
        set(&["db-a"]),
        "name"
    );
    assert_eq!(
        names(&["--field-selector", "status.phase=Succeeded"]),
        set(&["batch-done"]),
        "status.phase="
    );
    assert_eq!(
        names(&["--field-selector", "status.phase!=Succeeded"]),
        set(&["web-a", "web-b", "db-a"]),
        "status.phase!="
    );
    assert_eq!(
        names(&["-l", "tier=web", "--field-selector", "metadata.name!=web-a"]),
        set(&["web-b"]),
        "label and field selector together"
    );

    // Cluster-wide with a namespace field selector: only this namespace's pods.
    let across = sim.json(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        &format!("metadata.namespace={ns}"),
    ]);
    let namespaces: BTreeSet<&str> = across["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["metadata"]["namespace"].as_str())
        .collect();
    assert_eq!(
        namespaces,
        BTreeSet::from([ns]),
        "metadata.namespace selector with -A"
    );
    assert_eq!(item_names(&across).len(), 4);

    let node = jsonpath(&sim, &["get", "pod", "web-a", "-n", ns], "{.spec.nodeName}")
        .ok()
        .stdout;
    assert!(!node.is_empty(), "a Running pod must have spec.nodeName");
    let on_node = sim.json(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        &format!("spec.nodeName={node}"),
    ]);
    let items = on_node["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().any(|p| p["metadata"]["name"] == "web-a"),
        "spec.nodeName={node} must include web-a"
    );
    assert!(
        items.iter().all(|p| p["spec"]["nodeName"] == node.as_str()),
        "spec.nodeName={node} returned pods on other nodes"
    );

    // Paging: with --chunk-size=1 kubectl follows `continue` tokens one pod at a time.
    let paged = sim
        .kubectl(&["get", "pods", "-n", ns, "--chunk-size=1", "-o", "name"])
        .ok();
    let paged: BTreeSet<&str> = paged.lines().into_iter().collect();
    assert_eq!(
        paged,
        BTreeSet::from(["pod/web-a", "pod/web-b", "pod/db-a", "pod/batch-done"]),
        "limit/continue paging"
    );

    // The table path takes the same selectors (kubectl asks for a Table).
    let table = sim
        .kubectl(&["get", "pods", "-n", ns, "-l", "tier=web"])
        .ok();
    let rows: Vec<&str> = table.lines().into_iter().skip(1).collect();
    assert_eq!(rows.len(), 2, "{table}");
    let bad = sim.kubectl(&[
        "get",
        "pods",
        "-n",
        ns,
        "--field-selector",
        "spec.frobnicate=1",
    ]);
    assert!(
        !bad.success() && bad.stderr.contains("field label not supported"),
        "an unknown field selector must be rejected like the real API server:\n{bad}"
    );
}

#[test]
fn watch_receives_new_and_changed_pods() {
    let Some(sim) = sim() else { return };
    let ns = "watching";
    sim.namespace(ns);
    sim.create(ns, &pod_yaml("before", "app: w", "", "Always"));
    wait_pod_phase(&sim, ns, "before", "Running");

    let mut watch = sim.kubectl_background(&["get", "pods", "-w", "-n", ns]);
    // The initial list comes first, as a table.
    let first = watch.wait_for_line(Duration::from_secs(15), |l| l.starts_with("before"));
    assert!(
        first.is_some(),
        "watch never listed the existing pod:\n{}",
        watch.report()
    );
    assert!(
        watch
            .seen
            .first()
            .is_some_and(|h| h.starts_with("NAME") && h.contains("STATUS")),
        "watch output should start with the table header:\n{}",
        watch.report()
    );

    sim.create(ns, &pod_yaml("arrival", "app: w", "start=2s", "Always"));
    let added = watch.wait_for_line(Duration::from_secs(15), |l| l.starts_with("arrival"));
    assert!(
        added.is_some(),
        "watch did not show the created pod:\n{}",
        watch.report()
    );
    // Later modifications stream too: the pod goes Running after its scripted start.
    let running = watch.wait_for_line(SETTLE, |l| {
        l.starts_with("arrival") && l.contains("Running")
    });
    assert!(
        running.is_some(),
        "watch did not show the pod becoming Running:\n{}",
        watch.report()
    );
    assert!(
        watch.running(),
        "kubectl get -w exited:\n{}",
        watch.report()
    );

    // With --output-watch-events kubectl prints each event's type: the initial list as ADDED,
    // then what happens. Waiting for the list first means the watch is established (kubectl
    // watches from the list's resourceVersion), so no later event can be missed.
    let mut events =
        sim.kubectl_background(&["get", "pods", "-n", ns, "-w", "--output-watch-events"]);
    let listed = events.wait_for_line(Duration::from_secs(15), |l| {
        l.starts_with("ADDED") && l.contains("before")
    });
    assert!(
        listed.is_some(),
        "--output-watch-events should list existing pods as ADDED:\n{}",
        events.report()
    );
    sim.create(ns, &pod_yaml("third", "app: w", "", "Always"));
    let line = events.wait_for_line(Duration::from_secs(15), |l| l.contains("third"));
    assert!(
        line.as_deref().is_some_and(|l| l.starts_with("ADDED")),
        "--output-watch-events should show ADDED for a new pod:\n{}",
        events.report()
    );
    sim.kubectl(&["delete", "pod", "before", "-n", ns, "--wait=false"])
        .ok();
    let line = events.wait_for_line(SETTLE, |l| l.starts_with("DELETED") && l.contains("before"));
    assert!(
        line.is_some(),
        "--output-watch-events should show DELETED for a deleted pod:\n{}",
        events.report()
    );
}

#[test]
fn describe_pod_shows_containers_conditions_and_events() {
    let Some(sim) = sim() else { return };
    let ns = "describing";
    sim.namespace(ns);
    sim.create(
        ns,
        &pod_yaml("subject", "app: subject, tier: web", "", "Always"),
    );
    wait_pod_phase(&sim, ns, "subject", "Running");
    let out = sim.kubectl(&["describe", "pod", "subject", "-n", ns]).ok();
    let text = &out.stdout;
    for want in [
        "Name:",
        "subject",
        &format!("Namespace:        {ns}"),
        "Node:",
        "Labels:",
        "app=subject",
        "Status:           Running",
        "IP:",
        "Containers:",
        "  main:",
        "busybox:1.36",
        "State:          Running",
        "Ready:          True",
        "Restart Count:  0",
        "Conditions:",
        "Events:",
    ] {
        assert!(text.contains(want), "describe pod lacks {want:?}:\n{out}");
    }
    let events = text.split("Events:").nth(1).unwrap_or_default();
    assert!(
        ["Scheduled", "Pulled", "Created", "Started"]
            .iter()
            .any(|r| events.contains(r)),
        "describe should list the pod's lifecycle events (Scheduled, Pulled, Started...):\n{out}"
    );
    let missing = sim.kubectl(&["describe", "pod", "nope", "-n", ns]).failed();
    assert!(missing.stderr.contains("not found"), "{missing}");
}

// ---------------------------------------------------------------------------------------------
// logs

/// Splits a `--timestamps` log line into its time and text.
fn stamped(line: &str) -> (DateTime<Utc>, &str) {
    let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
    let at = DateTime::parse_from_rfc3339(ts)
        .unwrap_or_else(|e| {
            panic!("--timestamps line does not start with RFC 3339 ({e}): {line:?}")
        })
        .with_timezone(&Utc);
    (at, text)
}

fn two_container_pod(name: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: main
    image: busybox:1.36
  - name: sidecar
    image: fluent/fluent-bit:3.1
"#
    )
}

#[test]
fn logs_container_tail_since_and_timestamps() {
    let Some(sim) = sim() else { return };
    let ns = "logging";
    sim.namespace(ns);
    sim.create(ns, &two_container_pod("talker"));
    sim.kubectl(&[
        "wait",
        "--for=condition=Ready",
        "pod/talker",
        "-n",
        ns,
        "--timeout=30s",
    ])
    .ok();
    let logs = |args: &[&str]| -> Out {
        let mut all = vec!["logs", "talker", "-n", ns];
        all.extend(args);
        sim.kubectl(&all)
    };

    // Without -c kubectl picks the first container and says so.
    let default = logs(&[]).ok();
    assert!(
        default.stderr.contains("Defaulted container \"main\""),
        "kubectl should default to container main:\n{default}"
    );
    let main = logs(&["-c", "main"]).ok();
    assert!(
        !main.stdout.is_empty(),
        "container main wrote no log:\n{main}"
    );
    assert!(
        main.stdout.starts_with(&default.stdout),
        "logs without -c should be main's log:\n{default}\n{main}"
    );
    logs(&["-c", "sidecar"]).ok();
    let wrong = logs(&["-c", "nope"]).failed();
    assert!(wrong.stderr.contains("nope"), "{wrong}");

    // Wait until the first line is old enough for --since to have something to cut.
    let full = wait_until("a log line older than 4s", SETTLE, || {
        let out = logs(&["-c", "main", "--timestamps"]);
        if !out.success() {
            return Err(out.to_string());
        }
        let lines: Vec<String> = out.lines().into_iter().map(str::to_string).collect();
        match lines.first().map(|l| stamped(l).0) {
            Some(t) if Utc::now() - t > chrono::Duration::seconds(4) => Ok(lines),
            _ => Err(out.to_string()),
        }
    });
    let (first_at, first_text) = stamped(&full[0]);
    let (last_at, last_text) = stamped(full.last().expect("non-empty"));

    let tail = logs(&["-c", "main", "--timestamps", "--tail=1"]).ok();
    assert_eq!(
        tail.lines().len(),
        1,
        "--tail=1 must print one line:\n{tail}"
    );
    assert!(
        stamped(tail.lines()[0]).0 >= last_at,
        "--tail=1 must be the newest line (newest before: {last_text:?}):\n{tail}"
    );
    let none = logs(&["-c", "main", "--tail=0"]).ok();
    assert!(none.stdout.is_empty(), "--tail=0 prints nothing:\n{none}");

    let asked = Utc::now();
    let recent = logs(&["-c", "main", "--timestamps", "--since=2s"]).ok();
    for line in recent.lines() {
        let (at, _) = stamped(line);
        assert!(
            at >= asked - chrono::Duration::seconds(3),
            "--since=2s returned an older line {line:?}:\n{recent}"
        );
    }
    assert!(
        !recent.stdout.contains(&full[0]),
        "--since=2s must not return the first line ({first_at}):\n{recent}"
    );
    let hour = logs(&["-c", "main", "--since=1h"]).ok();
    assert!(
        hour.stdout.contains(first_text),
        "--since=1h must include the first line {first_text:?}:\n{hour}"
    );

    // sinceTime travels as a metav1.Time query parameter, which has whole-second precision, so
    // the boundary is the first whole second after the first line.
    let boundary =
        first_at.with_nanosecond(0).expect("a valid time") + chrono::Duration::seconds(1);
    let since_time = boundary.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let after = logs(&[
        "-c",
        "main",
        "--timestamps",
        &format!("--since-time={since_time}"),
    ])
    .ok();
    for line in after.lines() {
        assert!(
            stamped(line).0 >= boundary,
            "--since-time={since_time} returned an older line {line:?}:\n{after}"
        );
    }
    for line in full.iter().filter(|l| stamped(l).0 >= boundary) {
        assert!(
            after.stdout.contains(line.as_str()),
            "--since-time={since_time} must include {line:?}:\n{after}"
        );
    }
    let from_first = logs(&[
        "-c",
        "main",
        &format!(
            "--since-time={}",
            first_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    ])
    .ok();
    assert!(
        from_first.stdout.contains(first_text),
        "--since-time at the first line's second must include it:\n{from_first}"
    );
}

#[test]
fn logs_follow_streams_until_the_container_exits() {
    let Some(sim) = sim() else { return };
    let ns = "following";
    sim.namespace(ns);
    let pods = [
        pod_yaml("forever", "app: f", "", "Always"),
        pod_yaml("brief", "app: f", "exit=5s", "Never"),
    ]
    .join("---\n");
    sim.create(ns, &pods);
    wait_pod_phase(&sim, ns, "forever", "Running");
    wait_pod_phase(&sim, ns, "brief", "Running");

    let mut brief = sim.kubectl_background(&["logs", "-f", "brief", "-n", ns]);
    let mut forever = sim.kubectl_background(&["logs", "-f", "forever", "-n", ns]);
    assert!(
        forever
            .wait_for_line(Duration::from_secs(10), |_| true)
            .is_some(),
        "logs -f printed nothing:\n{}",
        forever.report()
    );
    // A follow of a running container stays open.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        forever.running(),
        "logs -f of a running pod ended:\n{}",
        forever.report()
    );

    // A follow ends by itself when the container exits.
    assert!(
        brief
            .wait_for_line(Duration::from_secs(10), |_| true)
            .is_some(),
        "logs -f printed nothing:\n{}",
        brief.report()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while brief.running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !brief.running(),
        "logs -f kept going after the container exited:\n{}",
        brief.report()
    );
    wait_pod_phase(&sim, ns, "brief", "Succeeded");
}

#[test]
fn logs_previous_of_a_crash_looping_pod() {
    let Some(sim) = sim() else { return };
    let ns = "crashing";
    sim.namespace(ns);
    let pods = [
        pod_yaml("crasher", "app: c", "crashloop=1s", "Always"),
        pod_yaml("steady", "app: c", "", "Always"),
    ]
    .join("---\n");
    sim.create(ns, &pods);
    wait_pod_phase(&sim, ns, "steady", "Running");
    wait_until("crasher to restart", Duration::from_secs(45), || {
        let out = jsonpath(
            &sim,
            &["get", "pod", "crasher", "-n", ns],
            "{.status.containerStatuses[0].restartCount}",
        );
        match out.stdout.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(()),
            _ => Err(out.to_string()),
        }
    });
    let table = sim.kubectl(&["get", "pod", "crasher", "-n", ns]).ok();
    let row = table
        .lines()
        .get(1)
        .copied()
        .unwrap_or_default()
        .to_string();
    assert!(
        ["CrashLoopBackOff", "Error", "Running"]
            .iter()
            .any(|s| row.contains(s)),
        "crasher's STATUS should be CrashLoopBackOff/Error/Running:\n{table}"
    );
    let restarts: u32 = row
        .split_whitespace()
        .nth(3)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    assert!(
        restarts >= 1,
        "RESTARTS column should count the crash:\n{table}"
    );

    let previous = sim
        .kubectl(&["logs", "crasher", "-n", ns, "--previous"])
        .ok();
    assert!(
        !previous.stdout.trim().is_empty(),
        "--previous of a restarted container should show its log:\n{previous}"
    );
    let never = sim
        .kubectl(&["logs", "steady", "-n", ns, "--previous"])
        .failed();
    assert!(
        never.stderr.contains("previous terminated container"),
        "--previous of a never-restarted container is a BadRequest:\n{never}"
    );
}

// ---------------------------------------------------------------------------------------------
// apply of real rendered charts

/// A rendered chart with its hard-coded release namespace replaced by `to`.
fn chart_in_namespace(file: &str, from: &str, to: &str) -> String {
    let path = fixtures_dir().join("charts").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match trimmed.strip_prefix("namespace:") {
                Some(ns) if ns.trim() == from => {
                    format!("{}namespace: {to}", &line[..line.len() - trimmed.len()])
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn charts(ns: &str) -> String {
    format!(
        "{}\n---\n{}\n",
        chart_in_namespace("metabase.yaml", "bi", ns),
        chart_in_namespace("trino.yaml", "warehouse", ns)
    )
}

/// One object of a manifest, as kubectl names it in its output (`deployment.apps/metabase`).
struct ManifestObject {
    reference: String,
    /// A field set to null (Helm renders `data:` or `volumes:` with nothing under them).
    /// kubectl's three-way merge turns such a field into a patch on every apply, so even a
    /// real API server reports these objects `configured` rather than `unchanged`.
    has_null: bool,
}

fn manifest_objects(manifest: &str) -> Vec<ManifestObject> {
    fn has_null(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.iter().any(has_null),
            Value::Object(o) => o.values().any(has_null),
            _ => false,
        }
    }
    let docs: Vec<Value> = serde_saphyr::from_multiple(manifest)
        .unwrap_or_else(|e| panic!("the chart fixtures should be valid YAML: {e}"));
    docs.iter()
        .filter(|d| d.is_object())
        .map(|d| {
            let kind = d["kind"].as_str().unwrap_or_default().to_lowercase();
            let group = d["apiVersion"]
                .as_str()
                .and_then(|v| v.split_once('/'))
                .map(|(g, _)| format!(".{g}"))
                .unwrap_or_default();
            let name = d["metadata"]["name"].as_str().unwrap_or_default();
            ManifestObject {
                reference: format!("{kind}{group}/{name}"),
                has_null: has_null(d),
            }
        })
        .collect()
}

fn assert_charts_running(sim: &Sim, ns: &str, objects: &[ManifestObject]) {
    let listed = sim
        .kubectl(&["get", "deploy,svc,cm,secret", "-n", ns, "-o", "name"])
        .ok();
    for obj in objects {
        assert!(
            listed.lines().contains(&obj.reference.as_str()),
            "{} not listed after apply:\n{listed}",
            obj.reference
        );
    }
    for deploy in ["metabase", "trino-coordinator", "trino-worker"] {
        rollout_status(sim, ns, &format!("deployment/{deploy}"));
    }
    let table = sim.kubectl(&["get", "deployments", "-n", ns]).ok();
    for (deploy, ready) in [
        ("metabase", "1/1"),
        ("trino-coordinator", "1/1"),
        ("trino-worker", "2/2"),
    ] {
        assert!(
            table
                .lines()
                .iter()
                .any(|l| l.starts_with(deploy) && l.split_whitespace().nth(1) == Some(ready)),
            "{deploy} should be READY {ready}:\n{table}"
        );
    }
    let pods = sim.json(&[
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        "app.kubernetes.io/instance=trino",
    ]);
    assert_eq!(
        item_names(&pods).len(),
        3,
        "trino runs a coordinator and two workers"
    );
}

#[test]
fn apply_rendered_charts_client_side() {
    let Some(sim) = sim() else { return };
    let ns = "charts-csa";
    sim.namespace(ns);
    let manifest = charts(ns);
    let applied = sim
        .kubectl_with(
            &["apply", "-n", ns, "-f", "-"],
            Some(&manifest),
            Duration::from_secs(60),
        )
        .ok();
    let objects = manifest_objects(&manifest);
    assert_eq!(
        objects.len(),
        13,
        "metabase.yaml and trino.yaml hold 4 + 9 objects"
    );
    for obj in &objects {
        let line = format!("{} created", obj.reference);
        assert!(
            applied.lines().contains(&line.as_str()),
            "apply should print {line:?}:\n{applied}"
        );
    }
    assert_charts_running(&sim, ns, &objects);

    // Applying the same manifests again changes nothing (three-way merge on last-applied).
    let again = sim
        .kubectl_with(
            &["apply", "-n", ns, "-f", "-"],
            Some(&manifest),
            Duration::from_secs(60),
        )
        .ok();
    for obj in objects.iter().filter(|o| !o.has_null) {
        let line = format!("{} unchanged", obj.reference);
        assert!(
            again.lines().contains(&line.as_str()),
            "re-applying the same manifest should print {line:?}:\n{again}"
        );
    }
    let scaled = manifest.replacen("replicas: 2", "replicas: 3", 1);
    assert_ne!(
        scaled, manifest,
        "trino.yaml should have a `replicas: 2` worker"
    );
    let changed = sim
        .kubectl_with(
            &["apply", "-n", ns, "-f", "-"],
            Some(&scaled),
            Duration::from_secs(60),
        )
        .ok();
    assert!(
        changed
            .stdout
            .contains("deployment.apps/trino-worker configured"),
        "{changed}"
    );
    wait_for_value(
        &sim,
        &["get", "deployment", "trino-worker", "-n", ns],
        "{.status.readyReplicas}",
        "3",
        SETTLE,
    );
}

#[test]
fn apply_rendered_charts_server_side() {
    let Some(sim) = sim() else { return };
    let ns = "charts-ssa";
    sim.namespace(ns);
    let manifest = charts(ns);
    let applied = sim
        .kubectl_with(
            &["apply", "--server-side", "-n", ns, "-f", "-"],
            Some(&manifest),
            Duration::from_secs(60),
        )
        .ok();
    let objects = manifest_objects(&manifest);
    for obj in &objects {
        let line = format!("{} serverside-applied", obj.reference);
        assert!(
            applied.lines().contains(&line.as_str()),
            "server-side apply should print {line:?}:\n{applied}"
        );
    }
    assert_charts_running(&sim, ns, &objects);

    let deploy = sim.json(&[
        "get",
        "deployment",
        "metabase",
        "-n",
        ns,
        "--show-managed-fields",
    ]);
    let managers = deploy["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        managers
            .iter()
            .any(|m| m["manager"] == "kubectl" && m["operation"] == "Apply"),
        "server-side apply should record manager kubectl/Apply in managedFields: {managers:?}"
    );

    let scaled = manifest.replacen("replicas: 2", "replicas: 3", 1);
    let again = sim
        .kubectl_with(
            &["apply", "--server-side", "-n", ns, "-f", "-"],
            Some(&scaled),
            Duration::from_secs(60),
        )
        .ok();
    assert!(
        again
            .stdout
            .contains("deployment.apps/trino-worker serverside-applied"),
        "{again}"
    );
    wait_for_value(
        &sim,
        &["get", "deployment", "trino-worker", "-n", ns],
        "{.spec.replicas}",
        "3",
        SETTLE,
    );
}

// ---------------------------------------------------------------------------------------------
// scale, rollout

#[test]
fn scale_deployment_and_statefulset() {
    let Some(sim) = sim() else { return };
    let ns = "scaling";
    sim.namespace(ns);
    sim.create(ns, &deployment_yaml("web", 1, "nginx:1.27"));
    sim.create(
        ns,
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: postgres, image: "postgres:16"}]
"#,
    );
    rollout_status(&sim, ns, "deployment/web");

    let out = sim
        .kubectl(&["scale", "deployment/web", "--replicas=3", "-n", ns])
        .ok();
    assert!(out.stdout.contains("deployment.apps/web scaled"), "{out}");
    rollout_status(&sim, ns, "deployment/web");
    let running = |app: &str| -> usize {
        let pods = sim.json(&[
            "get",
            "pods",
            "-n",
            ns,
            "-l",
            &format!("app={app}"),
            "--field-selector",
            "status.phase=Running",
        ]);
        item_names(&pods).len()
    };
    assert_eq!(running("web"), 3, "three web pods after scaling up");

    sim.kubectl(&["scale", "deployment/web", "--replicas=1", "-n", ns])
        .ok();
    wait_until("web to shrink to one pod", SETTLE, || {
        let pods = sim.json(&["get", "pods", "-n", ns, "-l", "app=web"]);
        let names = item_names(&pods);
        if names.len() == 1 {
            Ok(())
        } else {
            Err(format!("{names:?}"))
        }
    });

    let out = sim
        .kubectl(&["scale", "statefulset", "db", "--replicas=2", "-n", ns])
        .ok();
    assert!(out.stdout.contains("statefulset.apps/db scaled"), "{out}");
    rollout_status(&sim, ns, "statefulset/db");
    wait_until("db-0 and db-1", SETTLE, || {
        let names: BTreeSet<String> =
            item_names(&sim.json(&["get", "pods", "-n", ns, "-l", "app=db"]))
                .into_iter()
                .collect();
        let want: BTreeSet<String> = ["db-0", "db-1"].map(String::from).into();
        if names == want {
            Ok(())
        } else {
            Err(format!("{names:?}"))
        }
    });

    // StatefulSet history lives in ControllerRevisions.
    let history = sim
        .kubectl(&["rollout", "history", "statefulset/db", "-n", ns])
        .ok();
    assert!(
        history
            .lines()
            .iter()
            .any(|l| l.split_whitespace().next() == Some("1")),
        "statefulset revision 1 should be listed:\n{history}"
    );

    // The scale subresource reads back what was set.
    let scale = sim
        .kubectl(&[
            "get",
            "--raw",
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/web/scale"),
        ])
        .ok()
        .json();
    assert_eq!(scale["kind"], "Scale", "{scale}");
    assert_eq!(scale["spec"]["replicas"], 1, "{scale}");
}

fn deployment_image(sim: &Sim, ns: &str, name: &str) -> String {
    jsonpath(
        sim,
        &["get", "deployment", name, "-n", ns],
        "{.spec.template.spec.containers[0].image}",
    )
    .ok()
    .stdout
}

/// The REVISION column of `kubectl rollout history`.
fn history_revisions(sim: &Sim, ns: &str, target: &str) -> Vec<u32> {
    let out = sim.kubectl(&["rollout", "history", target, "-n", ns]).ok();
    assert!(out.stdout.contains("REVISION"), "{out}");
    out.lines()
        .iter()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn rollout_restart_status_history_and_undo() {
    let Some(sim) = sim() else { return };
    let ns = "rollouts";
    sim.namespace(ns);
    sim.create(ns, &deployment_yaml("api", 2, "ghcr.io/example/api:1.0"));
    rollout_status(&sim, ns, "deployment/api");
    assert_eq!(history_revisions(&sim, ns, "deployment/api"), vec![1]);

    let set = sim
        .kubectl(&[
            "set",
            "image",
            "deployment/api",
            "api=ghcr.io/example/api:2.0",
            "-n",
            ns,
        ])
        .ok();
    assert!(
        set.stdout.contains("deployment.apps/api image updated"),
        "{set}"
    );
    rollout_status(&sim, ns, "deployment/api");
    assert_eq!(history_revisions(&sim, ns, "deployment/api"), vec![1, 2]);
    let rev2 = sim
        .kubectl(&[
            "rollout",
            "history",
            "deployment/api",
            "-n",
            ns,
            "--revision=2",
        ])
        .ok();
    assert!(rev2.stdout.contains("ghcr.io/example/api:2.0"), "{rev2}");
    let sets = sim.json(&["get", "replicasets", "-n", ns, "-l", "app=api"]);
    let revisions: BTreeSet<&str> = sets["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|rs| {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()
        })
        .collect();
    assert_eq!(
        revisions,
        BTreeSet::from(["1", "2"]),
        "one ReplicaSet per revision"
    );

    let undo = sim
        .kubectl(&["rollout", "undo", "deployment/api", "-n", ns])
        .ok();
    assert!(
        undo.stdout.contains("deployment.apps/api rolled back"),
        "{undo}"
    );
    rollout_status(&sim, ns, "deployment/api");
    assert_eq!(deployment_image(&sim, ns, "api"), "ghcr.io/example/api:1.0");
    // Undo re-activates revision 1's ReplicaSet as revision 3.
    assert_eq!(history_revisions(&sim, ns, "deployment/api"), vec![2, 3]);

    let restart = sim
        .kubectl(&["rollout", "restart", "deployment/api", "-n", ns])
        .ok();
    assert!(
        restart.stdout.contains("deployment.apps/api restarted"),
        "{restart}"
    );
    let stamp = jsonpath(
        &sim,
        &["get", "deployment", "api", "-n", ns],
        "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    )
    .ok();
    assert!(
        !stamp.stdout.is_empty(),
        "restart should stamp the template: {stamp}"
    );
    rollout_status(&sim, ns, "deployment/api");
    assert_eq!(history_revisions(&sim, ns, "deployment/api"), vec![2, 3, 4]);
    let pods = sim.json(&["get", "pods", "-n", ns, "-l", "app=api"]);
    let running: Vec<&Value> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect();
    assert_eq!(
        running.len(),
        2,
        "two pods after the restart: {:?}",
        item_names(&pods)
    );
    assert!(
        running
            .iter()
            .all(|p| !p["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].is_null()),
        "restarted pods carry the new template"
    );
}

/// The pods of `app` in `ns` that are Running and Ready, by image.
fn ready_images(sim: &Sim, ns: &str, app: &str) -> Vec<String> {
    let pods = sim.json(&["get", "pods", "-n", ns, "-l", &format!("app={app}")]);
    let mut images: Vec<String> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["status"]["phase"] == "Running")
        .filter(|p| {
            p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
        .map(|p| {
            p["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    images.sort();
    images
}

#[test]
fn a_rolling_update_whose_pods_never_become_ready_keeps_the_old_pods_serving() {
    let Some(sim) = sim() else { return };
    let ns = "rolling";
    sim.namespace(ns);
    sim.create(ns, &deployment_yaml("web", 2, "nginx:1.27"));
    rollout_status(&sim, ns, "deployment/web");

    // A new image whose pods never become Ready, and a short progress deadline.
    let patch = r#"{"spec": {"progressDeadlineSeconds": 6, "template": {
        "metadata": {"annotations": {"sim.strata.dev/script": "unready"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}"#;
    sim.kubectl(&["patch", "deployment/web", "-n", ns, "-p", patch])
        .ok();
    let status = sim.kubectl_with(
        &[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            ns,
            "--timeout=60s",
        ],
        None,
        Duration::from_secs(70),
    );
    assert!(!status.success(), "the rollout cannot complete: {status}");
    assert!(
        status.stderr.contains("exceeded its progress deadline"),
        "kubectl reads ProgressDeadlineExceeded: {status}"
    );
    assert!(
        status
            .stdout
            .contains("1 out of 2 new replicas have been updated"),
        "one new pod within maxSurge (25% of 2, rounded up): {status}"
    );

    // maxUnavailable (25% of 2, rounded down) is 0: both old pods still serve.
    assert_eq!(
        ready_images(&sim, ns, "web"),
        ["nginx:1.27", "nginx:1.27"],
        "the old pods keep serving"
    );
    let deployment = sim.json(&["get", "deployment", "web", "-n", ns]);
    let status = &deployment["status"];
    assert_eq!(status["replicas"], 3, "{status}");
    assert_eq!(status["updatedReplicas"], 1, "{status}");
    assert_eq!(status["readyReplicas"], 2, "{status}");
    assert_eq!(status["availableReplicas"], 2, "{status}");
    assert_eq!(status["unavailableReplicas"], 1, "{status}");
    let condition = |kind: &str| -> (String, String) {
        let c = status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == kind)
            .cloned()
            .unwrap_or_default();
        (
            c["status"].as_str().unwrap_or_default().to_string(),
            c["reason"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(
        condition("Available"),
        ("True".into(), "MinimumReplicasAvailable".into())
    );
    assert_eq!(
        condition("Progressing"),
        ("False".into(), "ProgressDeadlineExceeded".into())
    );

    // Undo brings the old template back; the rollout completes on the old pods.
    sim.kubectl(&["rollout", "undo", "deployment/web", "-n", ns])
        .ok();
    rollout_status(&sim, ns, "deployment/web");
    wait_until("only the old image's two pods", SETTLE, || {
        let pods = sim.json(&["get", "pods", "-n", ns, "-l", "app=web"]);
        let images = ready_images(&sim, ns, "web");
        if item_names(&pods).len() == 2 && images == ["nginx:1.27", "nginx:1.27"] {
            Ok(())
        } else {
            Err(format!("{:?} {images:?}", item_names(&pods)))
        }
    });
    let deployment = sim.json(&["get", "deployment", "web", "-n", ns]);
    assert_eq!(
        deployment["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
            .map(|c| c["reason"].clone()),
        Some(Value::from("NewReplicaSetAvailable")),
        "{deployment}"
    );
}

#[test]
fn a_recreate_deployment_scales_the_old_pods_to_zero_before_the_new_ones() {
    let Some(sim) = sim() else { return };
    let ns = "recreate";
    sim.namespace(ns);
    let yaml = deployment_yaml("db", 2, "postgres:16").replace(
        "spec:\n  replicas: 2",
        "spec:\n  strategy: {type: Recreate}\n  replicas: 2",
    );
    sim.create(ns, &yaml);
    rollout_status(&sim, ns, "deployment/db");
    sim.kubectl(&["set", "image", "deployment/db", "db=postgres:17", "-n", ns])
        .ok();
    rollout_status(&sim, ns, "deployment/db");
    assert_eq!(ready_images(&sim, ns, "db"), ["postgres:17", "postgres:17"]);
    // The new ReplicaSet went from 0 to all of its pods in one step, after the old one
    // was scaled to zero.
    let events = sim.json(&["get", "events", "-n", ns]);
    let mut scaling: Vec<&Value> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["reason"] == "ScalingReplicaSet")
        .collect();
    // In the order they were written.
    scaling.sort_by_key(|e| {
        e["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|rv| rv.parse::<u64>().ok())
    });
    let said: Vec<String> = scaling
        .iter()
        .filter_map(|e| e["message"].as_str().map(String::from))
        .collect();
    let down = said.iter().position(|m| m.contains("from 2 to 0"));
    let up = said
        .iter()
        .rposition(|m| m.starts_with("Scaled up") && m.contains("from 0 to 2"));
    assert!(
        matches!((down, up), (Some(d), Some(u)) if d < u),
        "old scaled to zero, then new scaled up: {said:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// jobs

#[test]
fn create_job_from_cronjob_runs_to_completion() {
    let Some(sim) = sim() else { return };
    let ns = "jobs";
    sim.namespace(ns);
    sim.create(
        ns,
        r#"apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly-dbt}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        metadata:
          annotations: {sim.strata.dev/script: "exit=2s"}
        spec:
          restartPolicy: Never
          containers:
          - name: dbt
            image: ghcr.io/dbt-labs/dbt-core:1.10.0
            command: ["dbt", "build"]
---
apiVersion: batch/v1
kind: Job
metadata: {name: doomed}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {sim.strata.dev/script: "exit=1s,code=2"}
    spec:
      restartPolicy: Never
      containers: [{name: task, image: "busybox:1.36"}]
"#,
    );
    let created = sim
        .kubectl(&[
            "create",
            "job",
            "nightly-manual",
            "--from=cronjob/nightly-dbt",
            "-n",
            ns,
        ])
        .ok();
    assert!(
        created.stdout.contains("job.batch/nightly-manual created"),
        "{created}"
    );
    let waited = sim
        .kubectl_with(
            &[
                "wait",
                "--for=condition=complete",
                "job/nightly-manual",
                "-n",
                ns,
                "--timeout=45s",
            ],
            None,
            Duration::from_secs(50),
        )
        .ok();
    assert!(waited.stdout.contains("condition met"), "{waited}");

    let job = sim.json(&["get", "job", "nightly-manual", "-n", ns]);
    assert_eq!(job["status"]["succeeded"], 1, "{job}");
    assert!(
        job["metadata"]["ownerReferences"][0]["name"] == "nightly-dbt",
        "a job created --from a CronJob is owned by it: {}",
        job["metadata"]
    );
    let pods = sim.json(&["get", "pods", "-n", ns, "-l", "job-name=nightly-manual"]);
    let phases: Vec<&str> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["status"]["phase"].as_str())
        .collect();
    assert_eq!(phases, vec!["Succeeded"], "one pod that succeeded");
    let table = sim
        .kubectl(&["get", "job", "nightly-manual", "-n", ns])
        .ok();
    assert!(table.stdout.contains("1/1"), "COMPLETIONS 1/1:\n{table}");
    let pod_table = sim
        .kubectl(&["get", "pods", "-n", ns, "-l", "job-name=nightly-manual"])
        .ok();
    assert!(
        pod_table.stdout.contains("Completed"),
        "a finished job pod shows Completed:\n{pod_table}"
    );

    let failed = sim
        .kubectl_with(
            &[
                "wait",
                "--for=condition=failed",
                "job/doomed",
                "-n",
                ns,
                "--timeout=45s",
            ],
            None,
            Duration::from_secs(50),
        )
        .ok();
    assert!(failed.stdout.contains("condition met"), "{failed}");
    let pod_table = sim
        .kubectl(&["get", "pods", "-n", ns, "-l", "job-name=doomed"])
        .ok();
    assert!(
        pod_table.stdout.contains("Error"),
        "a pod that exited 2 shows Error:\n{pod_table}"
    );
}

// ---------------------------------------------------------------------------------------------
// delete

#[test]
fn delete_objects_cascade_and_namespaces() {
    let Some(sim) = sim() else { return };
    let ns = "trash";
    sim.namespace(ns);
    sim.create(ns, &pod_yaml("doomed", "app: doomed", "", "Always"));
    sim.create(ns, &deployment_yaml("gone", 2, "nginx:1.27"));
    sim.create(
        ns,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\ndata: {a: b}\n",
    );
    rollout_status(&sim, ns, "deployment/gone");

    let long = Duration::from_secs(60);
    let out = sim
        .kubectl_with(&["delete", "pod", "doomed", "-n", ns], None, long)
        .ok();
    assert!(out.stdout.contains("pod \"doomed\" deleted"), "{out}");
    let missing = sim.kubectl(&["get", "pod", "doomed", "-n", ns]).failed();
    assert!(missing.stderr.contains("(NotFound)"), "{missing}");

    let out = sim.kubectl(&["delete", "configmap", "old", "-n", ns]).ok();
    assert!(out.stdout.contains("configmap \"old\" deleted"), "{out}");

    // Deleting a Deployment garbage-collects its ReplicaSets and their pods.
    let out = sim
        .kubectl_with(&["delete", "deployment", "gone", "-n", ns], None, long)
        .ok();
    assert!(
        out.stdout.contains("deployment.apps \"gone\" deleted"),
        "{out}"
    );
    wait_until(
        "ReplicaSets and pods of gone to be collected",
        SETTLE,
        || {
            let rs = item_names(&sim.json(&["get", "replicasets", "-n", ns, "-l", "app=gone"]));
            let pods = item_names(&sim.json(&["get", "pods", "-n", ns, "-l", "app=gone"]));
            if rs.is_empty() && pods.is_empty() {
                Ok(())
            } else {
                Err(format!("left: {rs:?} {pods:?}"))
            }
        },
    );

    sim.create(ns, &pod_yaml("last", "app: last", "", "Always"));
    let out = sim
        .kubectl_with(&["delete", "namespace", ns], None, long)
        .ok();
    assert!(out.stdout.contains("namespace \"trash\" deleted"), "{out}");
    let missing = sim.kubectl(&["get", "namespace", ns]).failed();
    assert!(missing.stderr.contains("(NotFound)"), "{missing}");
    let orphans = sim.json(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        "metadata.namespace=trash",
    ]);
    assert!(
        item_names(&orphans).is_empty(),
        "a deleted namespace's pods go too"
    );
}

// ---------------------------------------------------------------------------------------------
// access and errors

#[test]
fn auth_can_i_for_admin_and_viewer() {
    let Some(sim) = sim() else { return };
    let can = |context: &str, args: &[&str]| -> Out {
        let mut all = vec!["--context", context, "auth", "can-i"];
        all.extend(args);
        sim.kubectl(&all)
    };
    for args in [
        &["delete", "pods", "-n", "ingestion"][..],
        &["get", "secrets", "-n", "ingestion"],
        &["patch", "deployments.apps", "-n", "orchestration"],
        &["create", "jobs.batch", "-n", "transformation"],
    ] {
        let out = can("strata-sim", args);
        assert!(
            out.success() && out.stdout.trim() == "yes",
            "admin should be allowed {args:?}:\n{out}"
        );
    }
    for args in [
        &["delete", "pods", "-n", "ingestion"][..],
        &["get", "secrets", "-n", "ingestion"],
        &["patch", "deployments.apps", "-n", "orchestration"],
        &["create", "jobs.batch", "-n", "transformation"],
    ] {
        let out = can("strata-sim-viewer", args);
        assert!(
            out.code == Some(1) && out.stdout.trim() == "no",
            "viewer must not be allowed {args:?}:\n{out}"
        );
    }
    for args in [
        &["list", "pods", "-n", "ingestion"][..],
        &["get", "pods", "--subresource=log", "-n", "ingestion"],
        &["watch", "deployments.apps", "-A"],
    ] {
        let out = can("strata-sim-viewer", args);
        assert!(
            out.success() && out.stdout.trim() == "yes",
            "viewer should read {args:?}:\n{out}"
        );
    }
}

#[test]
fn errors_unknown_resource_not_found_and_already_exists() {
    let Some(sim) = sim() else { return };
    let out = sim.kubectl(&["get", "frobnicators"]).failed();
    assert!(
        out.stderr
            .contains("the server doesn't have a resource type \"frobnicators\""),
        "{out}"
    );
    let out = sim
        .kubectl(&["get", "pod", "nope", "-n", "default"])
        .failed();
    assert!(
        out.stderr
            .contains("Error from server (NotFound): pods \"nope\" not found"),
        "{out}"
    );
    let out = sim
        .kubectl(&["get", "deployment", "nope", "-n", "default"])
        .failed();
    assert!(
        out.stderr
            .contains("Error from server (NotFound): deployments.apps \"nope\" not found"),
        "{out}"
    );
    let out = sim.kubectl(&["get", "namespace", "nope"]).failed();
    assert!(
        out.stderr
            .contains("Error from server (NotFound): namespaces \"nope\" not found"),
        "{out}"
    );
    let out = sim
        .kubectl(&["get", "pods", "-n", "no-such-namespace"])
        .ok();
    assert!(
        out.stderr
            .contains("No resources found in no-such-namespace namespace."),
        "{out}"
    );

    sim.namespace("twice");
    let again = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n";
    sim.create("twice", again);
    let out = sim
        .kubectl_with(
            &["create", "-n", "twice", "-f", "-"],
            Some(again),
            support::COMMAND_TIMEOUT,
        )
        .failed();
    assert!(
        out.stderr
            .contains("Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"cfg\" already exists"),
        "{out}"
    );
}

#[test]
fn errors_forbidden_for_the_viewer() {
    let Some(sim) = sim() else { return };
    let ns = "guarded";
    sim.namespace(ns);
    sim.create(
        ns,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n",
    );
    let viewer = |args: &[&str]| -> Out {
        let mut all = vec!["--context", "strata-sim-viewer"];
        all.extend(args);
        sim.kubectl(&all)
    };
    viewer(&["get", "configmap", "cfg", "-n", ns]).ok();
    let out = viewer(&["get", "secrets", "-n", ns]).failed();
    assert!(
        out.stderr.contains(&format!(
            "Error from server (Forbidden): secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{ns}\""
        )),
        "{out}"
    );
    let out = viewer(&["delete", "configmap", "cfg", "-n", ns]).failed();
    assert!(
        out.stderr.contains("Error from server (Forbidden)")
            && out.stderr.contains("cannot delete resource \"configmaps\""),
        "{out}"
    );
    let out = viewer(&["scale", "deployment/x", "--replicas=2", "-n", ns]).failed();
    assert!(
        out.stderr.contains("(Forbidden)") || out.stderr.contains("(NotFound)"),
        "{out}"
    );
    sim.kubectl(&["get", "configmap", "cfg", "-n", ns]).ok();
}

#[test]
fn errors_conflict_on_a_stale_update() {
    let Some(sim) = sim() else { return };
    let ns = "conflicts";
    sim.namespace(ns);
    sim.create(
        ns,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v1}\n",
    );
    let mut stale = sim.json(&["get", "configmap", "cfg", "-n", ns]);
    assert!(stale["metadata"]["resourceVersion"].is_string(), "{stale}");

    sim.kubectl(&[
        "patch",
        "configmap",
        "cfg",
        "-n",
        ns,
        "-p",
        r#"{"data":{"k":"v2"}}"#,
    ])
    .ok();
    let fresh = sim.json(&["get", "configmap", "cfg", "-n", ns]);
    assert_ne!(
        fresh["metadata"]["resourceVersion"], stale["metadata"]["resourceVersion"],
        "a patch must bump resourceVersion"
    );

    stale["data"]["k"] = "v3".into();
    let out = sim
        .kubectl_with(
            &["replace", "-f", "-"],
            Some(&stale.to_string()),
            support::COMMAND_TIMEOUT,
        )
        .failed();
    assert!(
        out.stderr.contains("Error from server (Conflict)")
            && out.stderr.contains("the object has been modified; please apply your changes to the latest version and try again"),
        "{out}"
    );
    let now = sim.json(&["get", "configmap", "cfg", "-n", ns]);
    assert_eq!(now["data"]["k"], "v2", "the stale update must not land");

    // The same update against the current resourceVersion succeeds.
    let mut current = now.clone();
    current["data"]["k"] = "v3".into();
    sim.kubectl_with(
        &["replace", "-f", "-"],
        Some(&current.to_string()),
        support::COMMAND_TIMEOUT,
    )
    .ok();
    assert_eq!(
        sim.json(&["get", "configmap", "cfg", "-n", ns])["data"]["k"],
        "v3"
    );
}

#[test]
fn errors_invalid_patches_are_rejected() {
    let Some(sim) = sim() else { return };
    let ns = "patching";
    sim.namespace(ns);
    sim.create(ns, &deployment_yaml("web", 1, "nginx:1.27"));

    let out = sim
        .kubectl(&[
            "patch",
            "deployment",
            "web",
            "-n",
            ns,
            "-p",
            r#"{"spec":{"replicas":-1}}"#,
        ])
        .failed();
    assert!(
        out.stderr.contains("The Deployment \"web\" is invalid")
            && out.stderr.contains("spec.replicas"),
        "a negative replica count is 422 Invalid:\n{out}"
    );
    let out = sim
        .kubectl(&[
            "patch",
            "deployment",
            "web",
            "-n",
            ns,
            "-p",
            r#"{"spec":{"replicas":"many"}}"#,
        ])
        .failed();
    assert!(
        out.stderr.contains("(BadRequest)") || out.stderr.contains("is invalid"),
        "a string replica count is 400/422:\n{out}"
    );
    let out = sim
        .kubectl(&[
            "patch",
            "deployment",
            "web",
            "-n",
            ns,
            "--type=json",
            "-p",
            r#"[{"op":"test","path":"/spec/replicas","value":7}]"#,
        ])
        .failed();
    assert!(
        out.stderr.contains("Error from server") || out.stderr.contains("is invalid"),
        "a failed JSON-patch test op:\n{out}"
    );
    let out = sim
        .kubectl(&[
            "patch",
            "deployment",
            "web",
            "-n",
            ns,
            "--type=merge",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":null}}}}"#,
        ])
        .failed();
    assert!(
        out.stderr.contains("is invalid"),
        "a pod template without containers is 422:\n{out}"
    );

    let replicas = jsonpath(
        &sim,
        &["get", "deployment", "web", "-n", ns],
        "{.spec.replicas}",
    )
    .ok();
    assert_eq!(
        replicas.stdout, "1",
        "rejected patches must not change the object"
    );
    // And a good JSON patch goes through.
    sim.kubectl(&[
        "patch",
        "deployment",
        "web",
        "-n",
        ns,
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":2}]"#,
    ])
    .ok();
    let replicas = jsonpath(
        &sim,
        &["get", "deployment", "web", "-n", ns],
        "{.spec.replicas}",
    )
    .ok();
    assert_eq!(replicas.stdout, "2");
}

// ---------------------------------------------------------------------------------------------
// Helm

/// Helm prints revisions as numbers or strings depending on the command.
fn revision(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

#[test]
fn helm_lists_and_shows_history_of_the_demo_releases() {
    let Some(sim) = Sim::start(SimOptions {
        helm: true,
        ..SimOptions::default()
    }) else {
        return;
    };
    // Ground truth: the release Secrets themselves, as Helm labels them.
    let secrets = sim.json(&["get", "secrets", "-A", "-l", "owner=helm"]);
    let mut releases: BTreeMap<(String, String), BTreeMap<u64, String>> = BTreeMap::new();
    for s in secrets["items"].as_array().into_iter().flatten() {
        let labels = &s["metadata"]["labels"];
        let key = (
            s["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            labels["name"].as_str().unwrap_or("").to_string(),
        );
        let version = labels["version"].as_str().and_then(|v| v.parse().ok());
        let status = labels["status"].as_str().unwrap_or("").to_string();
        assert!(
            !key.1.is_empty() && version.is_some() && s["type"] == "helm.sh/release.v1",
            "a Helm release Secret needs labels name/version/status and type helm.sh/release.v1: {}",
            s["metadata"]
        );
        releases
            .entry(key)
            .or_default()
            .insert(version.unwrap_or(0), status);
    }
    let statuses: BTreeSet<&str> = releases
        .values()
        .flat_map(|h| h.values().map(String::as_str))
        .collect();
    for want in ["deployed", "superseded", "failed", "pending-upgrade"] {
        assert!(
            statuses.contains(want),
            "the demo should have a {want} revision; has {statuses:?}"
        );
    }

    // Helm lists the newest revision of each release whose status passes its filter (Helm 4
    // has no --all; these flags cover every status a newest revision can have here).
    let latest: BTreeMap<(String, String), (u64, String)> = releases
        .iter()
        .map(|(k, h)| {
            let (rev, status) = h.iter().next_back().expect("one revision at least");
            (k.clone(), (*rev, status.clone()))
        })
        .collect();
    let listed_json = sim
        .helm(&[
            "list",
            "-A",
            "--deployed",
            "--failed",
            "--pending",
            "-o",
            "json",
        ])
        .ok()
        .json();
    let listed: BTreeMap<(String, String), (u64, String)> = listed_json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                (
                    r["namespace"].as_str()?.to_string(),
                    r["name"].as_str()?.to_string(),
                ),
                (revision(&r["revision"])?, r["status"].as_str()?.to_string()),
            ))
        })
        .collect();
    let listable =
        |status: &str| status == "deployed" || status == "failed" || status.starts_with("pending-");
    let expected: BTreeMap<_, _> = latest
        .iter()
        .filter(|(_, (_, status))| listable(status))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        listed, expected,
        "helm list -A --deployed --failed --pending should show each release's newest revision \
         and status, as its Secrets say:\n{listed_json}"
    );

    // Without filters Helm shows at least the deployed and failed releases (Helm 3 showed only
    // those; Helm 4 shows pending ones too).
    let table = sim.helm(&["list", "-A"]).ok();
    assert!(
        is_subsequence(
            &[
                "NAME",
                "NAMESPACE",
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART"
            ],
            &header_words(&table.stdout)
        ),
        "{table}"
    );
    for ((ns, name), (rev, status)) in expected
        .iter()
        .filter(|(_, (_, s))| s == "deployed" || s == "failed")
    {
        let rev = rev.to_string();
        let want = [name.as_str(), ns.as_str(), rev.as_str()];
        assert!(
            table
                .lines()
                .iter()
                .any(|l| l.split_whitespace().take(3).eq(want)),
            "helm list -A should show {ns}/{name} revision {rev} ({status}):\n{table}"
        );
    }

    let mut checked = 0;
    for ((ns, name), history) in releases.iter().filter(|(_, h)| h.len() > 1) {
        let shown = sim
            .helm(&["history", name, "-n", ns, "-o", "json"])
            .ok()
            .json();
        let got: BTreeMap<u64, String> = shown
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| Some((revision(&r["revision"])?, r["status"].as_str()?.to_string())))
            .collect();
        assert_eq!(&got, history, "helm history {name} -n {ns}");
        let table = sim.helm(&["history", name, "-n", ns]).ok();
        assert!(
            is_subsequence(
                &[
                    "REVISION",
                    "UPDATED",
                    "STATUS",
                    "CHART",
                    "APP",
                    "VERSION",
                    "DESCRIPTION"
                ],
                &header_words(&table.stdout)
            ),
            "{table}"
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "the demo should have a release with several revisions"
    );

    let (ns, name) = releases
        .iter()
        .find(|(_, h)| h.values().next_back().is_some_and(|s| s == "deployed"))
        .map(|(k, _)| k.clone())
        .expect("a deployed release");
    let status = sim.helm(&["status", &name, "-n", &ns]).ok();
    assert!(status.stdout.contains("STATUS: deployed"), "{status}");
    let values = sim
        .helm(&["get", "values", &name, "-n", &ns, "--all", "-o", "json"])
        .ok();
    assert!(values.json().is_object(), "{values}");
}

// ---------------------------------------------------------------------------------------------
// size

#[test]
fn lists_ten_thousand_pods() {
    let Some(sim) = Sim::start(SimOptions {
        pods: 10_000,
        ..SimOptions::default()
    }) else {
        return;
    };
    let started = Instant::now();
    // kubectl pages through this with limit/continue (500 per request).
    let out = sim
        .kubectl_with(
            &["get", "pods", "-A", "--no-headers"],
            None,
            Duration::from_secs(90),
        )
        .ok();
    let rows = out.lines().len();
    assert!(rows >= 10_000, "expected at least 10000 pods, got {rows}");
    eprintln!("listed {rows} pods in {:?}", started.elapsed());
}
