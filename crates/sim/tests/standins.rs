//! The demo's Airflow and Airbyte stand-ins, reached as the cockpit reaches the real tools: a
//! kube-rs port-forward to the tool's server pod, then HTTP through the tunnel. Triggered
//! runs make task pods in the cluster, task logs are the pods' logs, and every write through
//! the tunnel is counted in the request log.

mod common;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};
use serde_json::{Value, json};
use strata_sim::RunningSim;
use strata_sim::script::SCRIPT_ANNOTATION;
use strata_sim::standins::{AIRBYTE_PORT, AIRFLOW_PORT, Pace, airbyte, airflow};

use common::{client, demo, eventually, start};

/// An HTTP/1.1 connection to a tool through a port-forward to its pod.
struct Tunnel {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    token: Option<String>,
    /// Writes sent (POST/PATCH other than logging in), to check the request log against.
    writes: u64,
}

impl Tunnel {
    async fn open(client: &Client, namespace: &str, selector: &str, port: u16) -> Tunnel {
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let list = pods
            .list(&ListParams::default().labels(selector))
            .await
            .unwrap();
        let pod = list
            .items
            .iter()
            .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .unwrap_or_else(|| panic!("no running pod {selector} in {namespace}"));
        let name = pod.metadata.name.clone().unwrap();
        let mut pf = pods.portforward(&name, &[port]).await.unwrap();
        let stream = pf.take_stream(port).unwrap();
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(async move {
            let _keep = pf;
            let _ = conn.await;
        });
        Tunnel {
            sender,
            token: None,
            writes: 0,
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json");
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if method != "GET" && !path.ends_with("/token") {
            self.writes += 1;
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.sender
            .ready()
            .await
            .expect("the tunnel to the stand-in is open");
        let resp = tokio::time::timeout(
            Duration::from_secs(10),
            self.sender
                .send_request(req.body(Full::new(Bytes::from(body))).unwrap()),
        )
        .await
        .expect("the stand-in answers within 10 s")
        .unwrap();
        let code = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {bytes:?}"));
        (code, json)
    }

    async fn get(&mut self, path: &str) -> Value {
        let (code, body) = self.call("GET", path, None).await;
        assert_eq!(code, 200, "GET {path}: {body}");
        body
    }

    /// Polls `path` until `field` is one of `states`; returns the last body.
    async fn wait_for(&mut self, path: &str, field: &str, states: &[&str]) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let body = self.get(path).await;
            if states.iter().any(|s| body[field] == *s) {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{path} is still {} after 30 s",
                body[field]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn fast_demo() -> (RunningSim, Client) {
    let sim = start(demo()).await;
    // Pods record times in whole seconds, as the kubelet does: a run of 2 s has a log.
    sim.standins()
        .expect("the demo has stand-ins")
        .set_pace(Pace {
            start: Duration::from_millis(100),
            run: Duration::from_secs(2),
        });
    let client = client(&sim).await;
    (sim, client)
}

fn enc(run_id: &str) -> String {
    run_id.replace(':', "%3A").replace('+', "%2B")
}

async fn airflow_login(client: &Client) -> Tunnel {
    let mut af = Tunnel::open(
        client,
        "orchestration",
        "component=api-server",
        AIRFLOW_PORT,
    )
    .await;
    let (code, body) = af.call("GET", "/api/v2/dags", None).await;
    assert_eq!((code, body), (401, json!({"detail": "Not authenticated"})));
    let (code, body) = af
        .call(
            "POST",
            "/auth/token",
            Some(json!({"username": "admin", "password": "wrong"})),
        )
        .await;
    assert_eq!(
        (code, body),
        (401, json!({"detail": "Invalid credentials"}))
    );
    let (code, body) = af
        .call(
            "POST",
            "/auth/token",
            Some(json!({"username": airflow::USERNAME, "password": airflow::PASSWORD})),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3, "JWT-like: {token}");
    af.token = Some(token);
    af
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triggered_dag_run_runs_its_task_pods_and_serves_their_logs() {
    let (sim, client) = fast_demo().await;
    let before = sim.state.mutating_requests();
    let mut af = airflow_login(&client).await;

    let version = af.get("/api/v2/version").await;
    assert_eq!(version["version"], "3.0.2");
    let dags = af.get("/api/v2/dags").await;
    let ids: Vec<&str> = dags["dags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dag_id"].as_str().unwrap())
        .collect();
    for id in ["orders_daily", "customer_360", "example_bash_operator"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert_eq!(dags["total_entries"], ids.len());
    let some = af.get("/api/v2/dags?dag_id_pattern=orders&limit=5").await;
    assert_eq!(some["total_entries"], 1);
    assert_eq!(some["dags"][0]["dag_id"], "orders_daily");

    let (code, body) = af
        .call(
            "POST",
            "/api/v2/dags/no_such_dag/dagRuns",
            Some(json!({"logical_date": null})),
        )
        .await;
    assert_eq!(
        (code, body),
        (
            404,
            json!({"detail": "Dag with dag_id: 'no_such_dag' not found"})
        )
    );
    let (code, body) = af
        .call("POST", "/api/v2/dags/orders_daily/dagRuns", Some(json!({})))
        .await;
    assert_eq!(code, 422, "logical_date is a required key: {body}");

    let (code, run) = af
        .call(
            "POST",
            "/api/v2/dags/orders_daily/dagRuns",
            Some(json!({"logical_date": null, "conf": {"source": "strata"}})),
        )
        .await;
    assert_eq!(code, 200, "{run}");
    assert_eq!(run["state"], "queued");
    assert_eq!(run["conf"], json!({"source": "strata"}));
    let run_id = run["dag_run_id"].as_str().unwrap().to_string();
    assert!(run_id.starts_with("manual__"), "{run_id}");
    let run_path = format!("/api/v2/dags/orders_daily/dagRuns/{}", enc(&run_id));
    let done = af
        .wait_for(&run_path, "state", &["success", "failed"])
        .await;
    assert_eq!(done["state"], "success", "{done}");
    assert!(done["end_date"].is_string() && done["start_date"].is_string());

    let tis = af.get(&format!("{run_path}/taskInstances")).await;
    assert_eq!(tis["total_entries"], 3);
    for ti in tis["task_instances"].as_array().unwrap() {
        assert_eq!(ti["state"], "success", "{ti}");
        assert_eq!(ti["try_number"], 1);
        assert!(ti["start_date"].is_string() && ti["end_date"].is_string());
    }

    // The task pods are in the cluster as the KubernetesExecutor makes them.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "orchestration");
    let task_pods: Vec<Pod> = pods
        .list(&ListParams::default().labels("dag_id=orders_daily,kubernetes_executor=True"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|p| {
            p.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("run_id"))
                == Some(&run_id)
        })
        .collect();
    assert_eq!(task_pods.len(), 3, "one pod per task");
    let extract = task_pods
        .iter()
        .find(|p| p.metadata.annotations.as_ref().unwrap()["task_id"] == "extract_orders")
        .unwrap();
    assert_eq!(extract.metadata.labels.as_ref().unwrap()["try_number"], "1");
    assert_eq!(
        extract.status.as_ref().unwrap().phase.as_deref(),
        Some("Succeeded")
    );

    // The task log is the pod's log, entry for line.
    let log = af
        .get(&format!("{run_path}/taskInstances/extract_orders/logs/1"))
        .await;
    assert_eq!(log["continuation_token"], Value::Null);
    let content = log["content"].as_array().unwrap();
    assert_eq!(content[0]["event"], "::group::Log message source details");
    let pod_log = pods
        .logs(
            extract.metadata.name.as_deref().unwrap(),
            &LogParams::default(),
        )
        .await
        .unwrap();
    let from_pod: Vec<Value> = pod_log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(from_pod.len() > 10, "{pod_log}");
    assert_eq!(content[3..], from_pod[..]);
    assert!(
        content
            .iter()
            .any(|e| e["event"] == "Task instance in success state")
    );

    // The newest run first; the other is the scheduled run of the demo's history.
    let runs = af
        .get("/api/v2/dags/orders_daily/dagRuns?order_by=-run_after&limit=5")
        .await;
    assert_eq!(runs["total_entries"], 2);
    assert_eq!(runs["dag_runs"][0]["dag_run_id"], run_id.as_str());
    assert_eq!(runs["dag_runs"][0]["run_type"], "manual");
    assert_eq!(runs["dag_runs"][1]["run_type"], "scheduled");

    // Every write through the tunnel is a mutating request; logging in and reading are not.
    assert_eq!(sim.state.mutating_requests() - before, af.writes);
    assert_eq!(af.writes, 3);
}

/// The log of try 1 of `customer_360.build_customer_features` in the run at `run_path`, which
/// ends in the KeyError the demo's story tells.
async fn key_error_log(af: &mut Tunnel, run_path: &str) -> Value {
    let log = af
        .get(&format!(
            "{run_path}/taskInstances/build_customer_features/logs/1"
        ))
        .await;
    let entries = log["content"].as_array().cloned().unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|e| e["event"] == "KeyError: 'order_total'"),
        "{log}"
    );
    log
}

/// `clearTaskInstances` of customer_360 with `body`: the task instances it lists.
async fn clear_customer_360(af: &mut Tunnel, body: Value) -> Value {
    let path = "/api/v2/dags/customer_360/clearTaskInstances";
    let (code, listed) = af.call("POST", path, Some(body)).await;
    assert_eq!(code, 200, "{listed}");
    listed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_fails_the_run_and_a_clear_reruns_it() {
    let (sim, client) = fast_demo().await;
    let mut af = airflow_login(&client).await;
    let (_, run) = af
        .call(
            "POST",
            "/api/v2/dags/customer_360/dagRuns",
            Some(json!({"logical_date": null, "dag_run_id": "manual__demo"})),
        )
        .await;
    assert_eq!(run["dag_run_id"], "manual__demo");
    let run_path = "/api/v2/dags/customer_360/dagRuns/manual__demo";
    let done = af.wait_for(run_path, "state", &["success", "failed"]).await;
    assert_eq!(done["state"], "failed", "{done}");
    let tis = af.get(&format!("{run_path}/taskInstances")).await;
    let states: Vec<(&str, &str)> = tis["task_instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["task_id"].as_str().unwrap(), t["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("sync_crm_accounts", "success"),
            ("build_customer_features", "failed"),
            ("publish_segments", "upstream_failed"),
        ]
    );
    key_error_log(&mut af, run_path).await;

    // A dry run lists what would be cleared and changes nothing.
    let clear = json!({"dag_run_id": "manual__demo", "only_failed": true});
    let preview = clear_customer_360(&mut af, clear.clone()).await;
    assert_eq!(preview["total_entries"], 2);
    assert_eq!(af.get(run_path).await["state"], "failed");

    let mut clear = clear;
    clear["dry_run"] = json!(false);
    clear_customer_360(&mut af, clear).await;
    let done = af.wait_for(run_path, "state", &["success"]).await;
    assert_eq!(done["state"], "success");
    let ti = af
        .get(&format!("{run_path}/taskInstances/build_customer_features"))
        .await;
    assert_eq!(
        (ti["state"].clone(), ti["try_number"].clone()),
        (json!("success"), json!(2))
    );
    drop(sim);
}

/// The scheduler's try of generator slot `seq` (as the run generator makes it at `at`), made
/// quick ([`quick`]).
fn quick_try(sim: &RunningSim, seq: u64, at: chrono::DateTime<chrono::Utc>) -> Value {
    quick(sim, strata_sim::scenario::airflow_task(seq, at).remove(0))
}

/// A generator's `pod`, made quick: it is created now, starts at once and ends in 2 s with
/// the generator's exit code.
fn quick(sim: &RunningSim, mut pod: Value) -> Value {
    let script = pod["metadata"]["annotations"][SCRIPT_ANNOTATION]
        .as_str()
        .unwrap()
        .to_string();
    let code = script.split(',').find(|p| p.starts_with("code="));
    let quick = ["start=100ms", "exit=2s"]
        .into_iter()
        .chain(code)
        .collect::<Vec<_>>()
        .join(",");
    pod["metadata"]["annotations"][SCRIPT_ANNOTATION] = json!(quick);
    pod["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("creationTimestamp");
    let info = sim.state.by_kind("v1", "Pod").unwrap();
    (*sim.state.create_object(&info, pod).unwrap()).clone()
}

fn phase_of(sim: &RunningSim, pod: &Value) -> Option<String> {
    let key = strata_sim::resources::ResKey::new("", "pods");
    let name = pod["metadata"]["name"].as_str().unwrap();
    let namespace = pod["metadata"]["namespace"].as_str().unwrap();
    let now = sim.state.store.get(&key, namespace, name)?;
    now["status"]["phase"].as_str().map(String::from)
}

/// The raw run id of the newest task pod of `dag_id` (by creation, then try), as kubectl
/// shows the pods.
async fn newest_run_of(client: &Client, dag_id: &str) -> Option<String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "orchestration");
    let list = pods
        .list(&ListParams::default().labels(&format!("dag_id={dag_id}")))
        .await
        .unwrap();
    let ann = |p: &Pod, k: &str| p.metadata.annotations.as_ref().unwrap()[k].clone();
    list.items
        .iter()
        .max_by_key(|p| {
            (
                p.metadata.creation_timestamp.clone().map(|t| t.0),
                ann(p, "try_number").parse::<u32>().unwrap(),
            )
        })
        .map(|p| ann(p, "run_id"))
}

/// Checks `[task_id, try_number, state]` of each task instance of the run at `run_path`.
async fn assert_tasks(af: &mut Tunnel, run_path: &str, want: Value) {
    let tis = af.get(&format!("{run_path}/taskInstances")).await;
    let list = tis["task_instances"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let got: Value = list
        .iter()
        .map(|t| json!([t["task_id"], t["try_number"], t["state"]]))
        .collect();
    assert_eq!(got, want, "{run_path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_runs_are_in_the_api_as_their_pods_tell() {
    let (sim, client) = fast_demo().await;
    let mut af = airflow_login(&client).await;

    // The generator's customer_360 block: slot 4 (sync_crm_accounts) and, a period later,
    // slot 5 (build_customer_features, which fails its first try) of the same DAG run.
    let now = chrono::Utc::now();
    let sync = quick_try(&sim, 4, now);
    let build = quick_try(&sim, 5, now + chrono::Duration::seconds(60));
    let run_id = build["metadata"]["annotations"]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sync["metadata"]["annotations"]["run_id"], run_id.as_str());
    assert!(run_id.starts_with("scheduled__"), "{run_id}");
    eventually("the generator's tries end", Duration::from_secs(20), || {
        phase_of(&sim, &sync).as_deref() == Some("Succeeded")
            && phase_of(&sim, &build).as_deref() == Some("Failed")
    })
    .await;

    // The last run of each DAG is the run of its newest pods (none without pods).
    for dag in ["orders_daily", "customer_360", "clickhouse_maintenance"] {
        let last = af
            .get(&format!(
                "/api/v2/dags/{dag}/dagRuns?order_by=-run_after&limit=1"
            ))
            .await;
        assert_eq!(
            last["dag_runs"][0]["dag_run_id"].as_str().map(String::from),
            newest_run_of(&client, dag).await,
            "{dag}: {last}"
        );
    }
    let runs = af
        .get("/api/v2/dags/customer_360/dagRuns?order_by=-run_after")
        .await;
    // This run and the history's (whose build_customer_features runs try 2 now).
    assert_eq!(runs["total_entries"], 2, "{runs}");
    let run = &runs["dag_runs"][0];
    assert_eq!(run["dag_run_id"], run_id.as_str());
    assert_eq!(
        (&run["state"], &run["run_type"]),
        (&json!("failed"), &json!("scheduled"))
    );
    let history = &runs["dag_runs"][1];
    assert_eq!(history["state"], "running");

    let run_path = format!("/api/v2/dags/customer_360/dagRuns/{}", enc(&run_id));
    assert_eq!(af.get(&run_path).await["state"], "failed");
    let failed = json!([
        ["sync_crm_accounts", 1, "success"],
        ["build_customer_features", 1, "failed"],
        ["publish_segments", 0, "upstream_failed"],
    ]);
    assert_tasks(&mut af, &run_path, failed).await;
    let history_path = format!(
        "/api/v2/dags/customer_360/dagRuns/{}",
        enc(history["dag_run_id"].as_str().unwrap())
    );
    let retry = af
        .get(&format!(
            "{history_path}/taskInstances/build_customer_features"
        ))
        .await;
    assert_eq!(
        (&retry["try_number"], &retry["state"]),
        (&json!(2), &json!("running"))
    );

    // The failed try's log is its pod's, KeyError and all.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "orchestration");
    let pod_log = pods
        .logs(
            build["metadata"]["name"].as_str().unwrap(),
            &LogParams::default(),
        )
        .await
        .unwrap();
    assert!(pod_log.contains("KeyError: 'order_total'"), "{pod_log}");
    let log = key_error_log(&mut af, &run_path).await;

    // Cleared, the run's failed task runs again as try 2 and the rest follows.
    let clear = json!({"dry_run": false, "dag_run_id": run_id, "only_failed": true});
    let cleared = clear_customer_360(&mut af, clear).await;
    assert_eq!(cleared["total_entries"], 2, "{cleared}");
    let done = af.wait_for(&run_path, "state", &["success"]).await;
    assert_eq!(done["run_type"], "scheduled");
    let rerun = json!([
        ["sync_crm_accounts", 1, "success"],
        ["build_customer_features", 2, "success"],
        ["publish_segments", 1, "success"],
    ]);
    assert_tasks(&mut af, &run_path, rerun).await;
    let first = af
        .get(&format!(
            "{run_path}/taskInstances/build_customer_features/logs/1"
        ))
        .await;
    assert_eq!(first, log, "try 1 keeps its log");
    drop(sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_a_paused_dag_waits_until_it_is_unpaused() {
    let (_sim, client) = fast_demo().await;
    let mut af = airflow_login(&client).await;
    let dag = af.get("/api/v2/dags/example_bash_operator").await;
    assert_eq!(dag["is_paused"], true);
    let (_, run) = af
        .call(
            "POST",
            "/api/v2/dags/example_bash_operator/dagRuns",
            Some(json!({"logical_date": null})),
        )
        .await;
    let path = format!(
        "/api/v2/dags/example_bash_operator/dagRuns/{}",
        enc(run["dag_run_id"].as_str().unwrap())
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(af.get(&path).await["state"], "queued");

    let (code, body) = af
        .call(
            "PATCH",
            "/api/v2/dags/example_bash_operator?update_mask=description",
            Some(json!({"is_paused": false})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    let (code, dag) = af
        .call(
            "PATCH",
            "/api/v2/dags/example_bash_operator?update_mask=is_paused",
            Some(json!({"is_paused": false})),
        )
        .await;
    assert_eq!((code, dag["is_paused"].clone()), (200, json!(false)));
    let done = af.wait_for(&path, "state", &["success", "failed"]).await;
    assert_eq!(done["state"], "success");
}

/// A tunnel to the Airbyte server, signed in (after the refusals of no token and of wrong
/// credentials).
async fn airbyte_login(client: &Client) -> Tunnel {
    let mut ab = Tunnel::open(
        client,
        "ingestion",
        "app.kubernetes.io/name=server",
        AIRBYTE_PORT,
    )
    .await;
    let (code, _) = ab.call("GET", "/api/public/v1/connections", None).await;
    assert_eq!(code, 401);
    let (code, _) = ab
        .call(
            "POST",
            "/api/public/v1/applications/token",
            Some(json!({"client_id": "x", "client_secret": "y"})),
        )
        .await;
    assert_eq!(code, 401);
    let (code, token) = ab
        .call(
            "POST",
            "/api/public/v1/applications/token",
            Some(json!({"client_id": airbyte::CLIENT_ID, "client_secret": airbyte::CLIENT_SECRET, "grant-type": "client_credentials"})),
        )
        .await;
    assert_eq!(code, 200, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    ab.token = Some(token["access_token"].as_str().unwrap().to_string());
    ab
}

/// The API's connection id of each of `names`.
async fn connection_ids<const N: usize>(ab: &mut Tunnel, names: [&str; N]) -> [String; N] {
    let connections = ab.get("/api/public/v1/connections").await;
    names.map(|name| {
        connections["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no connection {name}: {connections}"))["connectionId"]
            .as_str()
            .unwrap()
            .to_string()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_airbyte_sync_runs_its_replication_pod() {
    let (sim, client) = fast_demo().await;
    let before = sim.state.mutating_requests();
    let mut ab = airbyte_login(&client).await;
    let [orders, hubspot] = connection_ids(
        &mut ab,
        ["Postgres orders → ClickHouse", "HubSpot → Postgres"],
    )
    .await;

    let (code, job) = ab
        .call(
            "POST",
            "/api/public/v1/jobs",
            Some(json!({"connectionId": orders, "jobType": "sync"})),
        )
        .await;
    assert_eq!(code, 200, "{job}");
    assert!(["pending", "running"].contains(&job["status"].as_str().unwrap()));
    let job_id = job["jobId"].as_u64().unwrap();
    let (_, failing) = ab
        .call(
            "POST",
            "/api/public/v1/jobs",
            Some(json!({"connectionId": hubspot, "jobType": "sync"})),
        )
        .await;

    let done = ab
        .wait_for(
            &format!("/api/public/v1/jobs/{job_id}"),
            "status",
            &["succeeded", "failed"],
        )
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert!(done["rowsSynced"].as_u64().unwrap() > 0);
    assert!(done["bytesSynced"].as_u64().unwrap() > 0);
    assert!(done["duration"].as_str().unwrap().starts_with("PT"));
    let failed = ab
        .wait_for(
            &format!("/api/public/v1/jobs/{}", failing["jobId"]),
            "status",
            &["succeeded", "failed"],
        )
        .await;
    assert_eq!(failed["status"], "failed");

    // The replication pod, as the workload launcher makes it.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ingestion");
    let pod = pods
        .get(&format!("replication-job-{job_id}-attempt-0"))
        .await
        .unwrap();
    let labels = pod.metadata.labels.unwrap();
    assert_eq!(labels["airbyte"], "job-pod");
    assert_eq!(labels["connection_id"], orders);
    assert_eq!(labels["job_id"], job_id.to_string());

    let listed = ab
        .get(&format!("/api/public/v1/jobs?connectionId={orders}"))
        .await;
    let ids: Vec<u64> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["jobId"].as_u64().unwrap())
        .collect();
    // The started sync first, then the history's syncs of the connection (read from their pods).
    assert_eq!(ids, [job_id, 18398, 18396]);
    assert_eq!(sim.state.mutating_requests() - before, ab.writes);
    assert_eq!(ab.writes, 2);

    // The request log over HTTP says the same.
    let summary: Value = client
        .request(
            http::Request::get("/strata-sim/requests")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(summary["mutating"], sim.state.mutating_requests());
    assert!(
        summary["counts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["resource"] == "stand-in/airbyte" && c["verb"] == "post")
    );
}

/// `[jobId, status]` of each job of a `GET /jobs` answer.
fn jobs_of(list: &Value) -> Vec<(u64, String)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let status = j["status"].as_str().unwrap().to_string();
            (j["jobId"].as_u64().unwrap(), status)
        })
        .collect()
}

/// The `job_id` of the newest replication pod of `connection_id` (by creation, then job id),
/// as kubectl shows the pods.
async fn newest_job_of(client: &Client, connection_id: &str) -> Option<u64> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ingestion");
    let selector = format!("airbyte=job-pod,connection_id={connection_id}");
    let list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .unwrap();
    let job_id = |p: &Pod| {
        p.metadata.labels.as_ref().unwrap()["job_id"]
            .parse::<u64>()
            .unwrap()
    };
    list.items
        .iter()
        .max_by_key(|p| {
            (
                p.metadata.creation_timestamp.clone().map(|t| t.0),
                job_id(p),
            )
        })
        .map(job_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_syncs_are_in_the_api_as_their_pods_tell() {
    let (sim, client) = fast_demo().await;
    let mut ab = airbyte_login(&client).await;
    let names = [
        "Postgres orders → ClickHouse",
        "Stripe → ClickHouse",
        "HubSpot → Postgres",
    ];
    let [orders, stripe, hubspot] = connection_ids(&mut ab, names).await;

    // The generator's third block: a sync of each connection (jobs 18408, 18409, 18410), the
    // HubSpot one failing its attempt 0.
    let now = chrono::Utc::now();
    let sync = |seq: u64| strata_sim::scenario::airbyte_sync(seq, now).remove(0);
    let pods: Vec<Value> = (10..=12).map(|seq| quick(&sim, sync(seq))).collect();
    let labels = |p: &Value, k: &str| p["metadata"]["labels"][k].as_str().unwrap().to_string();
    let connections: Vec<String> = pods.iter().map(|p| labels(p, "connection_id")).collect();
    assert_eq!(
        connections,
        [orders.clone(), stripe.clone(), hubspot.clone()]
    );
    eventually("the generator's syncs end", Duration::from_secs(20), || {
        let phases: Vec<Option<String>> = pods.iter().map(|p| phase_of(&sim, p)).collect();
        phases
            == [
                Some("Succeeded".into()),
                Some("Succeeded".into()),
                Some("Failed".into()),
            ]
    })
    .await;

    // The last sync of each connection is the job of its newest replication pod.
    for connection in [&orders, &stripe, &hubspot] {
        let last = ab
            .get(&format!(
                "/api/public/v1/jobs?connectionId={connection}&limit=1&orderBy=createdAt%7CDESC"
            ))
            .await;
        assert_eq!(
            last["data"][0]["jobId"].as_u64(),
            newest_job_of(&client, connection).await,
            "{connection}: {last}"
        );
    }
    // HubSpot's: this failed one, then the history's, newest first.
    let path = format!("/api/public/v1/jobs?connectionId={hubspot}&orderBy=createdAt%7CDESC");
    let ok = || "succeeded".to_string();
    assert_eq!(
        jobs_of(&ab.get(&path).await),
        [(18410, "failed".into()), (18399, ok()), (18395, ok())]
    );
    let orders_jobs = ab
        .get(&format!("/api/public/v1/jobs?connectionId={orders}"))
        .await;
    assert_eq!(
        jobs_of(&orders_jobs),
        [(18408, ok()), (18398, "failed".into()), (18396, ok())]
    );
    let job = ab.get("/api/public/v1/jobs/18410").await;
    assert_eq!(
        (&job["status"], &job["connectionId"], &job["jobType"]),
        (&json!("failed"), &json!(hubspot), &json!("sync"))
    );
    let done = ab.get("/api/public/v1/jobs/18408").await;
    assert!(done["rowsSynced"].as_u64().unwrap() > 0, "{done}");

    // The generator's next slot retries job 18410 as attempt 1: the job runs again, then
    // succeeds, and stays one job.
    let retry = quick(&sim, sync(13));
    assert_eq!(labels(&retry, "job_id"), "18410");
    let job = ab
        .wait_for(
            "/api/public/v1/jobs/18410",
            "status",
            &["running", "succeeded"],
        )
        .await;
    assert_eq!(job["status"], "running", "{job}");
    ab.wait_for("/api/public/v1/jobs/18410", "status", &["succeeded"])
        .await;
    assert_eq!(
        jobs_of(&ab.get(&path).await),
        [(18410, ok()), (18399, ok()), (18395, ok())]
    );
    drop(sim);
}
