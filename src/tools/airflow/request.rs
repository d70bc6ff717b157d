//! Every request Strata sends to Airflow, built as data (method, path template, concrete path,
//! query, JSON body) before it goes on the wire. The client sends nothing else, so the
//! contract tests can check each one against Airflow's own OpenAPI specs.

use http::Method;
use serde_json::{Value, json};

use super::error::{AirflowError, Result};
use crate::tools::connector::{HttpCall, encode, request_target};

/// Which REST API an Airflow serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// Airflow 2.x: `/api/v1`, HTTP basic auth.
    V1,
    /// Airflow 3.x: `/api/v2`, a JWT from `POST /auth/token`.
    V2,
}

impl ApiVersion {
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/v1",
            ApiVersion::V2 => "/api/v2",
        }
    }
}

/// What a request does, for messages ("cannot trigger DAG x") and for the contract catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    Version,
    Token,
    ListDags,
    GetDag,
    SetPaused,
    Trigger,
    GetRun,
    ListRuns,
    ListTaskInstances,
    ClearTaskInstances,
    TaskLog,
}

/// One HTTP request to Airflow, before it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    pub operation: Operation,
    pub method: Method,
    /// The path as the OpenAPI spec writes it, e.g. `/api/v2/dags/{dag_id}/dagRuns`.
    pub template: &'static str,
    /// The path with its parameters filled in and percent-encoded.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    pub accept: &'static str,
    /// Whether the request carries the credentials (the version probes and the token request
    /// itself do not).
    pub authenticated: bool,
    /// What the request does, in words, for error messages: "trigger DAG example".
    pub action: String,
    /// What a 404 means: "DAG example", "run r of DAG example".
    pub subject: String,
}

impl ApiRequest {
    fn new(
        operation: Operation,
        method: Method,
        template: &'static str,
        params: &[&str],
        action: String,
        subject: String,
    ) -> Self {
        Self {
            operation,
            method,
            template,
            path: fill(template, params),
            query: Vec::new(),
            body: None,
            accept: "application/json",
            authenticated: true,
            action,
            subject,
        }
    }

    fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The request target: path and query, percent-encoded.
    pub fn target(&self) -> String {
        request_target(&self.path, &self.query)
    }
}

impl HttpCall for ApiRequest {
    fn method(&self) -> &Method {
        &self.method
    }
    fn target(&self) -> String {
        ApiRequest::target(self)
    }
    fn accept(&self) -> &str {
        self.accept
    }
    fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }
    fn action(&self) -> &str {
        &self.action
    }
}

/// Fills `{…}` placeholders in order; each value is one path segment, percent-encoded
/// (run ids hold `:` and `+`, task ids of task groups hold `.`).
fn fill(template: &str, params: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut values = params.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&encode(values.next().copied().unwrap_or_default()));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// `GET /api/v{n}/version`: answered without credentials, so it tells which API is there.
pub fn version(api: ApiVersion) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/version",
        ApiVersion::V2 => "/api/v2/version",
    };
    let mut request = ApiRequest::new(
        Operation::Version,
        Method::GET,
        template,
        &[],
        "report its version".into(),
        "the version endpoint".into(),
    );
    request.authenticated = false;
    request
}

/// `POST /auth/token` (Airflow 3): the body holds the password, so this request is never
/// logged or shown; the catalogue's copy holds a placeholder.
pub(crate) fn token(username: &str, password: &str) -> ApiRequest {
    let mut request = ApiRequest::new(
        Operation::Token,
        Method::POST,
        "/auth/token",
        &[],
        "sign in".into(),
        "the token endpoint /auth/token".into(),
    )
    .body(json!({ "username": username, "password": password }));
    request.authenticated = false;
    request
}

/// A page of DAGs, by id; `pattern` is Airflow's `%`-style `dag_id_pattern`.
pub fn list_dags(api: ApiVersion, limit: u32, offset: u32, pattern: Option<&str>) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/dags",
        ApiVersion::V2 => "/api/v2/dags",
    };
    let mut request = ApiRequest::new(
        Operation::ListDags,
        Method::GET,
        template,
        &[],
        "list DAGs".into(),
        "the DAG list".into(),
    )
    .query("limit", limit)
    .query("offset", offset)
    .query("order_by", "dag_id");
    if let Some(pattern) = pattern {
        request = request.query("dag_id_pattern", pattern);
    }
    request
}

pub fn get_dag(api: ApiVersion, dag_id: &str) -> ApiRequest {
    ApiRequest::new(
        Operation::GetDag,
        Method::GET,
        dag_template(api),
        &[dag_id],
        format!("read DAG {dag_id}"),
        format!("DAG {dag_id}"),
    )
}

/// `PATCH …/dags/{id}?update_mask=is_paused` with `{"is_paused": …}`.
pub fn set_paused(api: ApiVersion, dag_id: &str, paused: bool) -> ApiRequest {
    let verb = if paused { "pause" } else { "unpause" };
    ApiRequest::new(
        Operation::SetPaused,
        Method::PATCH,
        dag_template(api),
        &[dag_id],
        format!("{verb} DAG {dag_id}"),
        format!("DAG {dag_id}"),
    )
    .query("update_mask", "is_paused")
    .body(json!({ "is_paused": paused }))
}

fn dag_template(api: ApiVersion) -> &'static str {
    match api {
        ApiVersion::V1 => "/api/v1/dags/{dag_id}",
        ApiVersion::V2 => "/api/v2/dags/{dag_id}",
    }
}

/// What to start a run with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TriggerOptions {
    /// The run's configuration (`dag_run.conf`): always a JSON object; see [`parse_conf`].
    pub conf: serde_json::Map<String, Value>,
    /// A run id of the caller's choosing; Airflow makes one (`manual__<time>`) otherwise.
    pub run_id: Option<String>,
    pub note: Option<String>,
}

/// A run configuration typed by a person: empty means `{}`, anything else must be a JSON
/// object (Airflow rejects other JSON with a 400 that is less clear than this).
pub fn parse_conf(text: &str) -> Result<serde_json::Map<String, Value>> {
    if text.trim().is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(AirflowError::ConfNotObject {
            found: match other {
                Value::Array(_) => "an array".to_string(),
                Value::String(_) => "a string".to_string(),
                Value::Number(_) => "a number".to_string(),
                Value::Bool(_) => "a boolean".to_string(),
                _ => "null".to_string(),
            },
        }),
        Err(e) => Err(AirflowError::ConfSyntax(e.to_string())),
    }
}

/// `POST …/dags/{id}/dagRuns`. On v2 `logical_date` is a required key and `null` means "no
/// logical date" (the run is identified by its run_after); v1 fills in now when it is absent.
pub fn trigger(api: ApiVersion, dag_id: &str, options: &TriggerOptions) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/dags/{dag_id}/dagRuns",
        ApiVersion::V2 => "/api/v2/dags/{dag_id}/dagRuns",
    };
    let mut body = json!({ "conf": Value::Object(options.conf.clone()) });
    if api == ApiVersion::V2 {
        body["logical_date"] = Value::Null;
    }
    if let Some(run_id) = &options.run_id {
        body["dag_run_id"] = Value::String(run_id.clone());
    }
    if let Some(note) = &options.note {
        body["note"] = Value::String(note.clone());
    }
    ApiRequest::new(
        Operation::Trigger,
        Method::POST,
        template,
        &[dag_id],
        format!("trigger DAG {dag_id}"),
        format!("DAG {dag_id}"),
    )
    .body(body)
}

pub fn get_run(api: ApiVersion, dag_id: &str, run_id: &str) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}",
        ApiVersion::V2 => "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
    };
    ApiRequest::new(
        Operation::GetRun,
        Method::GET,
        template,
        &[dag_id, run_id],
        format!("read run {run_id} of DAG {dag_id}"),
        format!("run {run_id} of DAG {dag_id}"),
    )
}

/// The newest runs of a DAG first (v2 orders by `run_after`, which every run has; v1 by
/// `execution_date`, its name for the logical date).
pub fn list_runs(api: ApiVersion, dag_id: &str, limit: u32) -> ApiRequest {
    let (template, order) = match api {
        ApiVersion::V1 => ("/api/v1/dags/{dag_id}/dagRuns", "-execution_date"),
        ApiVersion::V2 => ("/api/v2/dags/{dag_id}/dagRuns", "-run_after"),
    };
    ApiRequest::new(
        Operation::ListRuns,
        Method::GET,
        template,
        &[dag_id],
        format!("list the runs of DAG {dag_id}"),
        format!("DAG {dag_id}"),
    )
    .query("limit", limit)
    .query("order_by", order)
}

pub fn list_task_instances(
    api: ApiVersion,
    dag_id: &str,
    run_id: &str,
    limit: u32,
    offset: u32,
) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
        ApiVersion::V2 => "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
    };
    ApiRequest::new(
        Operation::ListTaskInstances,
        Method::GET,
        template,
        &[dag_id, run_id],
        format!("list the tasks of run {run_id} of DAG {dag_id}"),
        format!("run {run_id} of DAG {dag_id}"),
    )
    .query("limit", limit)
    .query("offset", offset)
}

/// `POST …/dags/{id}/clearTaskInstances` for the failed tasks of one run. `reset_dag_runs`
/// puts the run back to queued so the scheduler picks the cleared tasks up again;
/// `include_downstream` re-runs what the failure kept from running (upstream_failed).
pub fn clear_failed(api: ApiVersion, dag_id: &str, run_id: &str, dry_run: bool) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => "/api/v1/dags/{dag_id}/clearTaskInstances",
        ApiVersion::V2 => "/api/v2/dags/{dag_id}/clearTaskInstances",
    };
    let what = if dry_run { "preview clearing" } else { "clear" };
    ApiRequest::new(
        Operation::ClearTaskInstances,
        Method::POST,
        template,
        &[dag_id],
        format!("{what} the failed tasks of run {run_id} of DAG {dag_id}"),
        format!("run {run_id} of DAG {dag_id}"),
    )
    .body(json!({
        "dry_run": dry_run,
        "only_failed": true,
        "dag_run_id": run_id,
        "reset_dag_runs": true,
        "include_downstream": true,
    }))
}

/// `GET …/logs/{try}?full_content=true` as JSON (v2: structured events; v1: text in JSON).
pub fn task_log(
    api: ApiVersion,
    dag_id: &str,
    run_id: &str,
    task_id: &str,
    try_number: u32,
    map_index: i64,
) -> ApiRequest {
    let template = match api {
        ApiVersion::V1 => {
            "/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}"
        }
        ApiVersion::V2 => {
            "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}"
        }
    };
    let try_text = try_number.to_string();
    let mut request = ApiRequest::new(
        Operation::TaskLog,
        Method::GET,
        template,
        &[dag_id, run_id, task_id, &try_text],
        format!("read the log of task {task_id} (try {try_number}) of run {run_id}"),
        format!("try {try_number} of task {task_id} in run {run_id} of DAG {dag_id}"),
    )
    .query("full_content", "true");
    if map_index >= 0 {
        request = request.query("map_index", map_index);
    }
    request
}

/// One request of every kind the client sends, with every optional part present, for the
/// contract tests (the token request carries placeholder credentials). A new operation goes
/// here too: `tests/airflow_contract.rs` fails until it has exercised and checked each one.
pub fn catalogue(api: ApiVersion) -> Vec<ApiRequest> {
    let (dag, run, task) = ("example_dag", "manual__2026-01-01T00:00:00+00:00", "task.a");
    let options = TriggerOptions {
        conf: parse_conf(r#"{"source": "strata"}"#).unwrap_or_default(),
        run_id: Some("strata__1".into()),
        note: Some("from Strata".into()),
    };
    let mut all = vec![version(api)];
    if api == ApiVersion::V2 {
        all.push(token("user", "placeholder"));
    }
    all.extend([
        list_dags(api, 100, 0, Some("example%")),
        get_dag(api, dag),
        set_paused(api, dag, false),
        trigger(api, dag, &options),
        get_run(api, dag, run),
        list_runs(api, dag, 1),
        list_task_instances(api, dag, run, 100, 0),
        clear_failed(api, dag, run, true),
        task_log(api, dag, run, task, 1, 3),
    ]);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_one_encoded_segment() {
        let request = get_run(
            ApiVersion::V2,
            "example_bash_operator",
            "manual__2026-11-26T11:43:15.056561+00:00",
        );
        assert_eq!(
            request.path,
            "/api/v2/dags/example_bash_operator/dagRuns/manual__2026-11-26T11%3A43%3A15.056561%2B00%3A00"
        );
        let weird = get_dag(ApiVersion::V1, "a/b c");
        assert_eq!(weird.path, "/api/v1/dags/a%2Fb%20c");
    }

    #[test]
    fn trigger_v2_sends_a_null_logical_date_and_the_conf() {
        let options = TriggerOptions {
            conf: parse_conf(r#"{"source":"strata","n":1}"#).unwrap(),
            ..Default::default()
        };
        let request = trigger(ApiVersion::V2, "example_bash_operator", &options);
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/api/v2/dags/example_bash_operator/dagRuns");
        assert_eq!(
            request.body,
            Some(json!({"logical_date": null, "conf": {"source": "strata", "n": 1}}))
        );
        // v1 has no such required key and fills the logical date itself.
        let v1 = trigger(ApiVersion::V1, "d", &options);
        assert!(v1.body.unwrap().get("logical_date").is_none());
    }

    #[test]
    fn conf_must_be_an_object() {
        assert!(parse_conf("").unwrap().is_empty());
        assert_eq!(parse_conf(r#" {"a": [1]} "#).unwrap()["a"], json!([1]));
        let err = parse_conf("[1, 2]").unwrap_err().to_string();
        assert!(
            err.contains("JSON object") && err.contains("an array"),
            "{err}"
        );
        let err = parse_conf("{a: 1}").unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        assert!(parse_conf("null").is_err());
    }

    #[test]
    fn pause_is_a_masked_patch() {
        let request = set_paused(ApiVersion::V2, "d", true);
        assert_eq!(request.method, Method::PATCH);
        assert_eq!(request.target(), "/api/v2/dags/d?update_mask=is_paused");
        assert_eq!(request.body, Some(json!({"is_paused": true})));
        assert_eq!(request.action, "pause DAG d");
    }

    #[test]
    fn query_values_are_encoded() {
        let request = list_dags(ApiVersion::V2, 50, 100, Some("ex%"));
        assert_eq!(
            request.target(),
            "/api/v2/dags?limit=50&offset=100&order_by=dag_id&dag_id_pattern=ex%25"
        );
    }

    #[test]
    fn clear_previews_then_clears_only_failed_tasks_of_the_run() {
        let preview = clear_failed(ApiVersion::V2, "d", "r1", true);
        let body = preview.body.as_ref().unwrap();
        assert_eq!(body["dry_run"], json!(true));
        assert_eq!(body["only_failed"], json!(true));
        assert_eq!(body["dag_run_id"], json!("r1"));
        let real = clear_failed(ApiVersion::V2, "d", "r1", false);
        assert_eq!(real.body.unwrap()["dry_run"], json!(false));
    }

    #[test]
    fn log_of_a_try_asks_for_the_full_content() {
        let request = task_log(ApiVersion::V2, "d", "r", "t", 2, -1);
        assert_eq!(
            request.target(),
            "/api/v2/dags/d/dagRuns/r/taskInstances/t/logs/2?full_content=true"
        );
        let mapped = task_log(ApiVersion::V1, "d", "r", "t", 1, 4);
        assert!(
            mapped
                .target()
                .ends_with("/logs/1?full_content=true&map_index=4")
        );
    }

    #[test]
    fn every_template_starts_with_its_api_prefix() {
        for api in [ApiVersion::V1, ApiVersion::V2] {
            for request in catalogue(api) {
                if request.operation != Operation::Token {
                    assert!(request.template.starts_with(api.prefix()), "{request:?}");
                    assert!(!request.path.contains('{'), "{request:?}");
                }
            }
        }
    }
}
