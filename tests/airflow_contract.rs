//! Contract of Strata's Airflow client with Airflow's own OpenAPI specs (v2 of Airflow 3.3.2,
//! its simple auth manager's `/auth/token`, v1 of Airflow 2.11.2, from
//! `scripts/fetch-airflow.sh`): every operation of the client is run against a recording stub
//! server, and each request it put on the wire is checked against the spec: the path exists,
//! the method exists on it, every query parameter is declared (and of its type), every body
//! key is a writable property of the request schema (with a value of its type), and every
//! required key is sent. The stub answers with real Airflow 3.3.2 responses
//! (`tests/fixtures/airflow`), so the client's behaviour on them (errors, token renewal) is
//! tested here too, without a spec.

mod airflow_support;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use strata::tools::airflow::{
    AirflowClient, AirflowError, ApiVersion, Connector, Credentials, Operation, RunState,
    TriggerOptions, parse_conf, request,
};
use tokio::net::TcpListener;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/airflow");

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A request as the stub received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    authorization: Option<String>,
    accept: Option<String>,
}

/// A local HTTP server that plays one Airflow (API v1 or v2), records every request and
/// answers each with a real response of its kind.
struct Stub {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answers 401 to the next N authenticated requests (an expired token).
    reject_next: Arc<Mutex<u32>>,
}

impl Stub {
    async fn start(api: ApiVersion) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let reject_next = Arc::new(Mutex::new(0));
        let (seen2, reject2) = (seen.clone(), reject_next.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (seen, reject) = (seen2.clone(), reject2.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (seen, reject) = (seen.clone(), reject.clone());
                        async move { Ok::<_, Infallible>(answer(api, req, &seen, &reject).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Stub {
            addr,
            seen,
            reject_next,
        }
    }

    fn connector(&self) -> Connector {
        Connector::url(&format!("http://{}", self.addr)).unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(
    api: ApiVersion,
    req: Request<hyper::body::Incoming>,
    seen: &Mutex<Vec<Seen>>,
    reject: &Mutex<u32>,
) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), percent_decode(v))
        })
        .collect();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (authorization, accept) = (header("authorization"), header("accept"));
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let body: Option<Value> = (!body.is_empty()).then(|| serde_json::from_slice(&body).unwrap());
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: path.clone(),
        query,
        body,
        authorization: authorization.clone(),
        accept,
    });

    let reply = |status: u16, body: Value| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap()
    };
    let prefix = api.prefix();
    if path == format!("{prefix}/version") {
        return reply(200, json!({"version": "3.3.2", "git_version": null}));
    }
    if path == "/auth/token" && api == ApiVersion::V2 && method == "POST" {
        return reply(201, json!({"access_token": "jwt-1"}));
    }
    let Some(rest) = path.strip_prefix(prefix) else {
        return reply(404, json!({"detail": "Not Found"}));
    };
    let expected = match api {
        ApiVersion::V2 => "Bearer jwt-1".to_string(),
        ApiVersion::V1 => format!("Basic {}", b64("admin:pw")),
    };
    {
        let mut reject = reject.lock().unwrap();
        if *reject > 0 {
            *reject -= 1;
            return reply(401, fixture("trigger-401.json"));
        }
    }
    if authorization.as_deref() != Some(expected.as_str()) {
        return reply(401, fixture("trigger-401.json"));
    }
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        (_, ["dags", "no_such_dag", ..]) => reply(404, fixture("trigger-404.json")),
        ("GET", ["dags"]) => reply(200, fixture("dags.json")),
        ("GET" | "PATCH", ["dags", _]) => reply(200, fixture("unpause.json")),
        ("POST", ["dags", _, "dagRuns"]) => reply(200, fixture("trigger.json")),
        ("GET", ["dags", _, "dagRuns"]) => reply(
            200,
            json!({"dag_runs": [fixture("dagrun.json")], "total_entries": 1}),
        ),
        ("GET", ["dags", _, "dagRuns", _]) => reply(200, fixture("dagrun.json")),
        ("GET", ["dags", _, "dagRuns", _, "taskInstances"]) => {
            reply(200, fixture("taskinstances.json"))
        }
        ("POST", ["dags", _, "clearTaskInstances"]) => {
            let tasks = fixture("taskinstances.json")["task_instances"].clone();
            reply(200, json!({"task_instances": tasks, "total_entries": 9}))
        }
        ("GET", ["dags", _, "dagRuns", _, "taskInstances", _, "logs", _]) => {
            reply(200, fixture("log-runme_0.json"))
        }
        _ => reply(
            404,
            json!({"detail": format!("stub has no {method} {path}")}),
        ),
    }
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn credentials() -> Credentials {
    Credentials::new("admin", "pw")
}

/// Runs every operation the client has; returns what it did, for the checks.
async fn exercise(api: ApiVersion) -> (Stub, BTreeSet<Operation>) {
    let stub = Stub::start(api).await;
    let client = AirflowClient::connect(stub.connector(), credentials())
        .await
        .expect("client connects to the stub");
    assert_eq!(client.api_version(), api);
    let dag = "example_bash_operator";
    let run = "manual__2026-11-26T11:43:15.056561+00:00";
    client.list_dags(100, 0, Some("example%")).await.unwrap();
    client.get_dag(dag).await.unwrap();
    client.set_paused(dag, false).await.unwrap();
    let options = TriggerOptions {
        conf: parse_conf(r#"{"source": "strata"}"#).unwrap(),
        run_id: Some("strata__1".into()),
        note: Some("from Strata".into()),
    };
    client.trigger(dag, &options).await.unwrap();
    client
        .trigger(dag, &TriggerOptions::default())
        .await
        .unwrap();
    client.get_run(dag, run).await.unwrap();
    client.last_run(dag).await.unwrap();
    client.task_instances(dag, run).await.unwrap();
    client.clear_failed_tasks(dag, run, true).await.unwrap();
    client.clear_failed_tasks(dag, run, false).await.unwrap();
    client.task_log(dag, run, "runme_0", 1, -1).await.unwrap();
    client.task_log(dag, run, "runme_0", 1, 2).await.unwrap();
    client
        .wait_for_run(dag, run, Duration::from_millis(10), |_| {})
        .await
        .unwrap();
    let operations = request::catalogue(api)
        .iter()
        .map(|r| r.operation)
        .collect();
    (stub, operations)
}

// ---------------------------------------------------------------------------------------
// The spec side.

/// One OpenAPI document and the prefix its paths are served under.
struct Spec {
    doc: Value,
    prefix: &'static str,
    name: String,
}

impl Spec {
    fn load(dir: &Path, file: &str, prefix: &'static str) -> Spec {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Value = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        assert!(doc["paths"].is_object(), "{} has no paths", path.display());
        Spec {
            doc,
            prefix,
            name: file.to_string(),
        }
    }

    /// Follows a local `$ref` (`#/components/...`).
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        let mut value = value;
        for _ in 0..16 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            let pointer = reference.trim_start_matches('#');
            value = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{}: dangling $ref {reference}", self.name));
        }
        panic!("{}: $ref loop", self.name)
    }

    /// The spec path a concrete (decoded) path matches, the one with most literal segments.
    fn find_path(&self, path: &str) -> Option<(String, &Value)> {
        let concrete: Vec<String> = path
            .strip_prefix(self.prefix)?
            .split('/')
            .map(percent_decode)
            .collect();
        let mut best: Option<(usize, String, &Value)> = None;
        for (template, item) in self.doc["paths"].as_object()? {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != concrete.len() {
                continue;
            }
            let mut literal = 0;
            let fits = parts.iter().zip(&concrete).all(|(t, c)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !c.is_empty()
                } else {
                    literal += 1;
                    t == c
                }
            });
            if fits && best.as_ref().is_none_or(|(n, _, _)| literal > *n) {
                best = Some((literal, template.clone(), item));
            }
        }
        best.map(|(_, t, item)| (t, item))
    }

    /// Checks one request; returns the problems found.
    fn check(&self, seen: &Seen) -> Vec<String> {
        let mut problems = Vec::new();
        let what = format!("{} {} ({})", seen.method, seen.path, self.name);
        let Some((template, item)) = self.find_path(&seen.path) else {
            return vec![format!("{what}: no such path in the spec")];
        };
        let method = seen.method.to_lowercase();
        let Some(operation) = item.get(&method) else {
            return vec![format!("{what}: the spec's {template} has no {method}")];
        };
        let parameters: Vec<&Value> = item["parameters"]
            .as_array()
            .into_iter()
            .chain(operation["parameters"].as_array())
            .flatten()
            .map(|p| self.resolve(p))
            .collect();
        for name in template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            if !parameters
                .iter()
                .any(|p| p["in"] == "path" && p["name"] == name)
            {
                problems.push(format!("{what}: path parameter {name} undeclared"));
            }
        }
        for (key, value) in &seen.query {
            match parameters
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == key.as_str())
            {
                None => problems.push(format!("{what}: query parameter {key} is not in the spec")),
                Some(p) => {
                    let schema = self.resolve(&p["schema"]);
                    if !self.query_fits(schema, value) {
                        problems.push(format!("{what}: query {key}={value} does not fit {schema}"));
                    }
                }
            }
        }
        let request_body = self.resolve(&operation["requestBody"]);
        match (&seen.body, request_body.is_null()) {
            (None, true) => {}
            (Some(_), true) => problems.push(format!("{what}: sends a body the spec has none for")),
            (None, false) => {
                if request_body["required"] == true {
                    problems.push(format!("{what}: the spec requires a body"));
                }
            }
            (Some(body), false) => {
                let schema = self.resolve(&request_body["content"]["application/json"]["schema"]);
                problems.extend(self.check_body(&what, schema, body));
            }
        }
        problems
    }

    fn check_body(&self, what: &str, schema: &Value, body: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(object) = body.as_object() else {
            return vec![format!("{what}: body is not an object")];
        };
        let properties = schema["properties"].as_object();
        for (key, value) in object {
            match properties.and_then(|p| p.get(key)) {
                None => problems.push(format!(
                    "{what}: body key {key} is not in the request schema"
                )),
                Some(property) => {
                    let property = self.resolve(property);
                    if property["readOnly"] == true {
                        problems.push(format!("{what}: body key {key} is read-only"));
                    }
                    if !self.value_fits(property, value) {
                        problems.push(format!(
                            "{what}: body {key}={value} does not fit {property}"
                        ));
                    }
                }
            }
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                problems.push(format!("{what}: required body key {key} is not sent"));
            }
        }
        problems
    }

    /// A JSON value against a (resolved) schema: types, nullability, anyOf/oneOf/allOf.
    fn value_fits(&self, schema: &Value, value: &Value) -> bool {
        let schema = self.resolve(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema[key].as_array() {
                return options.iter().any(|s| self.value_fits(s, value));
            }
        }
        if let Some(all) = schema["allOf"].as_array() {
            return all.iter().all(|s| self.value_fits(s, value));
        }
        if value.is_null() {
            return schema["nullable"] == true || schema["type"] == "null";
        }
        match schema["type"].as_str() {
            None => true,
            Some("string") => value.is_string(),
            Some("boolean") => value.is_boolean(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some(_) => false,
        }
    }

    /// A query value (text) against its schema.
    fn query_fits(&self, schema: &Value, value: &str) -> bool {
        let schema = self.resolve(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema[key].as_array() {
                return options.iter().any(|s| self.query_fits(s, value));
            }
        }
        match schema["type"].as_str() {
            Some("integer") => value.parse::<i64>().is_ok(),
            Some("number") => value.parse::<f64>().is_ok(),
            Some("boolean") => matches!(value, "true" | "false"),
            Some("array") => self.query_fits(&schema["items"], value),
            Some("null") => false,
            _ => true,
        }
    }
}

async fn check_against_specs(api: ApiVersion) {
    let Some(kit) = airflow_support::airflow_kit() else {
        return;
    };
    let specs: Vec<Spec> = match api {
        ApiVersion::V2 => vec![
            Spec::load(&kit.specs, "v2.yaml", ""),
            Spec::load(&kit.specs, "v2-auth.yaml", ""),
        ],
        ApiVersion::V1 => vec![Spec::load(&kit.specs, "v1.yaml", "/api/v1")],
    };
    let (stub, operations) = exercise(api).await;
    let seen = stub.seen();
    let mut problems = Vec::new();
    let mut checked = 0;
    for request in &seen {
        // The v2 probe of an Airflow 2 (answered 404) is meant to miss.
        if api == ApiVersion::V1 && request.path == "/api/v2/version" {
            continue;
        }
        let spec = specs
            .iter()
            .find(|s| s.find_path(&request.path).is_some())
            .unwrap_or(&specs[0]);
        problems.extend(spec.check(request));
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "requests that break the spec:\n{}",
        problems.join("\n")
    );
    // Every kind of request the client can send was sent (a new operation cannot dodge the
    // contract by not being exercised here).
    let sent: BTreeSet<Operation> = request::catalogue(api)
        .into_iter()
        .filter(|r| {
            seen.iter()
                .any(|s| s.method == r.method.as_str() && same_shape(&s.path, r.template))
        })
        .map(|r| r.operation)
        .collect();
    assert_eq!(
        sent, operations,
        "operations not exercised against the spec"
    );
    // And the catalogue's templates are the spec's own paths, verbatim.
    for request in request::catalogue(api) {
        let template = request
            .template
            .strip_prefix(specs[0].prefix)
            .unwrap_or(request.template);
        assert!(
            specs.iter().any(|s| s.doc["paths"].get(template).is_some()),
            "{template} is not a path of the spec"
        );
    }
    eprintln!("checked {checked} requests of API {api:?} against the spec");
}

/// A concrete path has the shape of a template (placeholders match any segment).
fn same_shape(path: &str, template: &str) -> bool {
    let (p, t): (Vec<_>, Vec<_>) = (path.split('/').collect(), template.split('/').collect());
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| t.starts_with('{') || p == t)
}

#[tokio::test]
async fn every_v2_request_fits_airflow_3_openapi_spec() {
    check_against_specs(ApiVersion::V2).await;
}

#[tokio::test]
async fn every_v1_request_fits_airflow_2_openapi_spec() {
    check_against_specs(ApiVersion::V1).await;
}

// ---------------------------------------------------------------------------------------
// The client's behaviour on real answers (no spec needed).

#[tokio::test]
async fn the_client_sends_what_airflow_needs_and_reads_real_answers() {
    let stub = Stub::start(ApiVersion::V2).await;
    let client = AirflowClient::connect(stub.connector(), credentials())
        .await
        .unwrap();
    assert_eq!(client.server_version(), "3.3.2");
    let options = TriggerOptions {
        conf: parse_conf(r#"{"source": "strata"}"#).unwrap(),
        ..Default::default()
    };
    let run = client
        .trigger("example_bash_operator", &options)
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Queued);
    let seen = stub.seen();
    let trigger = seen
        .iter()
        .find(|s| s.method == "POST" && s.path.ends_with("/dagRuns"))
        .unwrap();
    assert_eq!(
        trigger.body,
        Some(json!({"logical_date": null, "conf": {"source": "strata"}}))
    );
    assert_eq!(trigger.authorization.as_deref(), Some("Bearer jwt-1"));
    let token = seen.iter().find(|s| s.path == "/auth/token").unwrap();
    assert_eq!(
        token.body,
        Some(json!({"username": "admin", "password": "pw"}))
    );
    assert_eq!(token.authorization, None);

    let tasks = client
        .task_instances("example_bash_operator", &run.dag_run_id)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 9);
    let log = client
        .task_log("example_bash_operator", &run.dag_run_id, "runme_0", 1, -1)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|l| l.text == "Command exited with return code 0")
    );
    let log_request = stub
        .seen()
        .into_iter()
        .find(|s| s.path.contains("/logs/"))
        .unwrap();
    assert_eq!(log_request.accept.as_deref(), Some("application/json"));
    assert_eq!(
        log_request.path,
        "/api/v2/dags/example_bash_operator/dagRuns/manual__2026-11-26T11%3A43%3A15.056561%2B00%3A00/taskInstances/runme_0/logs/1"
    );
}

#[tokio::test]
async fn a_missing_dag_and_refused_credentials_are_said_plainly() {
    let stub = Stub::start(ApiVersion::V2).await;
    let client = AirflowClient::connect(stub.connector(), credentials())
        .await
        .unwrap();
    let err = client
        .trigger("no_such_dag", &TriggerOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AirflowError::NotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "DAG no_such_dag not found (404): Dag with dag_id: 'no_such_dag' not found"
    );

    let v1 = Stub::start(ApiVersion::V1).await;
    let wrong = Credentials::new("admin", "wrong-password");
    let err = AirflowClient::connect(v1.connector(), wrong)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AirflowError::Unauthorized { .. }), "{err:?}");
    assert!(
        text.contains("(401)") && text.contains("STRATA_AIRFLOW_USERNAME"),
        "{text}"
    );
    assert!(!text.contains("wrong-password"), "{text}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let stub = Stub::start(ApiVersion::V2).await;
    let client = AirflowClient::connect(stub.connector(), credentials())
        .await
        .unwrap();
    *stub.reject_next.lock().unwrap() = 1;
    client
        .get_dag("example_bash_operator")
        .await
        .expect("one 401 is retried with a new token");
    let tokens = stub
        .seen()
        .iter()
        .filter(|s| s.path == "/auth/token")
        .count();
    assert_eq!(tokens, 2, "signed in at connect and again after the 401");
    // A lasting refusal is not retried forever.
    *stub.reject_next.lock().unwrap() = 2;
    let err = client.get_dag("example_bash_operator").await.unwrap_err();
    assert!(matches!(err, AirflowError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn no_airflow_at_the_address_is_said_plainly() {
    // A server that answers 404 to everything: neither API is there.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|_req: Request<hyper::body::Incoming>| async {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::new()))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    let connector = Connector::url(&format!("http://{addr}")).unwrap();
    let err = AirflowClient::connect(connector, credentials())
        .await
        .unwrap_err();
    assert!(matches!(err, AirflowError::NoApi { .. }), "{err:?}");
    // Nothing listening at all.
    drop(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let closed = Connector::url("http://127.0.0.1:1").unwrap();
    let err = AirflowClient::connect(closed, credentials())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot reach Airflow at http://127.0.0.1:1"),
        "{err}"
    );
}
