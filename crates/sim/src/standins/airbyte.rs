//! The Airbyte stand-in: Airbyte's public API v1 (application tokens, connections, sync
//! jobs) over the demo's connections. A started sync makes its replication pod as Airbyte's
//! workload launcher does (`replication-job-<job>-attempt-0` in `ingestion`, with the
//! orchestrator, source and destination containers) and follows its phase: `pending` while it
//! starts, `running`, then `succeeded` or `failed`.
//!
//! Demo credentials: client id [`CLIENT_ID`], client secret [`CLIENT_SECRET`]. Syncs of
//! "HubSpot → Postgres" started here fail in the source connector.
//!
//! Jobs the scheduler ran (the scenario's `airbyte-sync` generator, the demo's history) are
//! read from their replication pods when asked ([`scheduled`]): Airbyte's database knows
//! every job, so the API lists them beside the ones started here.

mod scheduled;

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use hyper::Method;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::pods::{self, Phase};
use super::{Pace, Tool, ToolRequest, iso};
use crate::http::SimState;
use crate::resources::ResKey;
use crate::scenario;

/// The demo's Airbyte application client id.
pub const CLIENT_ID: &str = "strata-demo";
/// The demo's Airbyte application client secret.
pub const CLIENT_SECRET: &str = "strata-demo-secret";

/// Seconds an access token lives, as Airbyte's (3 minutes).
const TOKEN_LIFETIME: i64 = 180;
const NAMESPACE: &str = "ingestion";
const WORKSPACE: &str = "0c3b8a31-5d8e-4f6b-9a2e-7b1d4c9e2f10";
/// The connection whose syncs fail.
const FAILING: &str = "HubSpot → Postgres";
/// Job ids start here, above the ones the demo's scheduled syncs use, so pod names never
/// meet.
const FIRST_JOB: u64 = 30_001;

struct Job {
    id: u64,
    connection: usize,
    status: &'static str,
    start: DateTime<Utc>,
    updated: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    pod: String,
}

#[derive(Default)]
struct Model {
    tokens: Vec<(String, DateTime<Utc>)>,
    jobs: Vec<Job>,
}

/// The stand-in's state.
pub struct Airbyte {
    state: Arc<SimState>,
    pace: Arc<Mutex<Pace>>,
    connections: Vec<(&'static str, String)>,
    model: Mutex<Model>,
    wake: Notify,
}

/// An error body as Airbyte's public API writes it (problem JSON).
fn problem(code: u16, title: &str, detail: impl Into<String>) -> (u16, Value) {
    (
        code,
        json!({"status": code, "type": format!("https://reference.airbyte.com/reference/errors#{title}"),
            "title": title, "detail": detail.into()}),
    )
}

/// A job's status from its newest attempt's pod phase.
fn status_of(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "pending",
        Phase::Running => "running",
        Phase::Succeeded => "succeeded",
        Phase::Failed => "failed",
    }
}

/// ISO 8601 duration (`PT1M23S`), as the API reports a job's.
fn iso_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// One page of a list as the public API answers it: `limit` (default 20, at most 100) items
/// from `offset`, with `next` (and `previous`) the URL of the neighbouring page when there is
/// one.
fn page(req: &ToolRequest, what: &str, all: Vec<Value>) -> (u16, Value) {
    let number = |key: &str, default: usize| match req.param(key) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().map_err(|_| key.to_string()),
    };
    let (limit, offset) = match (number("limit", 20), number("offset", 0)) {
        (Ok(limit), Ok(offset)) if (1..=100).contains(&limit) => (limit, offset),
        _ => {
            return problem(
                400,
                "bad-request",
                "limit must be 1 to 100 and offset a whole number",
            );
        }
    };
    let link = |from: usize| format!("/api/public/v1/{what}?limit={limit}&offset={from}");
    let data: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    let next = (offset + limit < all.len()).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    (
        200,
        json!({"data": data, "next": next, "previous": previous}),
    )
}

impl Airbyte {
    pub fn new(state: Arc<SimState>, pace: Arc<Mutex<Pace>>) -> Airbyte {
        Airbyte {
            state,
            pace,
            connections: scenario::airbyte_connections(),
            model: Mutex::new(Model::default()),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connection_json(&self, i: usize) -> Value {
        let (name, id) = &self.connections[i];
        let side = |which: &str| scenario::uuid(scenario::stable_hash(&["airbyte", which, name]));
        json!({
            "connectionId": id, "name": name,
            "sourceId": side("source"), "destinationId": side("destination"),
            "workspaceId": WORKSPACE, "status": "active",
            "schedule": {"scheduleType": "cron", "cronExpression": "0 0 * * * ?"},
            "dataResidency": "auto", "nonBreakingSchemaUpdatesBehavior": "ignore",
            "namespaceDefinition": "destination", "namespaceFormat": null, "prefix": "",
            "createdAt": Utc::now().timestamp() - 86_400 * 30,
        })
    }

    fn job_json(&self, job: &Job) -> Value {
        let done = job.end.is_some();
        let seed = scenario::stable_hash(&["airbyte-job", &job.id.to_string()]);
        let rows = if done && job.status == "succeeded" {
            10_000 + seed % 90_000
        } else {
            0
        };
        let secs = (job.end.unwrap_or_else(Utc::now) - job.start)
            .num_seconds()
            .max(0);
        json!({
            "jobId": job.id, "status": job.status, "jobType": "sync",
            "startTime": iso(job.start), "connectionId": self.connections[job.connection].1,
            "lastUpdatedAt": iso(job.updated), "duration": iso_duration(secs),
            "bytesSynced": rows * 412, "rowsSynced": rows,
        })
    }

    fn token(&self, req: &ToolRequest) -> (u16, Value) {
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return problem(400, "bad-request", why),
        };
        let grant = body["grant-type"].as_str().or(body["grant_type"].as_str());
        if grant.is_some_and(|g| g != "client_credentials") {
            return problem(400, "bad-request", "grant-type must be client_credentials");
        }
        if body["client_id"] != CLIENT_ID || body["client_secret"] != CLIENT_SECRET {
            return problem(401, "unauthorized", "Invalid client_id or client_secret.");
        }
        let now = Utc::now();
        let mut m = self.lock();
        let token = format!(
            "airbyte-sim.{}",
            scenario::uuid(scenario::stable_hash(&[
                "airbyte-token",
                &m.tokens.len().to_string(),
                &now.to_rfc3339()
            ]))
        );
        m.tokens.push((token.clone(), now));
        (
            200,
            json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}),
        )
    }

    fn start_sync(&self, req: &ToolRequest) -> (u16, Value) {
        let body = match req.json() {
            Ok(b) => b,
            Err(why) => return problem(400, "bad-request", why),
        };
        let Some(connection_id) = body["connectionId"].as_str() else {
            return problem(400, "bad-request", "connectionId is required");
        };
        match body["jobType"].as_str() {
            Some("sync") => {}
            Some(other @ ("reset" | "refresh" | "clear")) => {
                return problem(
                    422,
                    "unprocessable-entity",
                    format!("the Strata simulator's Airbyte runs only sync jobs, not {other}"),
                );
            }
            _ => {
                return problem(
                    400,
                    "bad-request",
                    "jobType must be one of sync, reset, refresh, clear",
                );
            }
        }
        let Some(connection) = self
            .connections
            .iter()
            .position(|(_, id)| id == connection_id)
        else {
            return problem(
                404,
                "resource-not-found",
                format!("Could not find a connection with id: {connection_id}"),
            );
        };
        let mut m = self.lock();
        if m.jobs
            .iter()
            .any(|j| j.connection == connection && j.end.is_none())
        {
            return problem(
                409,
                "state-conflict",
                "A sync is already running for this connection.",
            );
        }
        let id = FIRST_JOB + m.jobs.len() as u64;
        let now = Utc::now();
        let pace = *self.pace.lock().unwrap_or_else(|p| p.into_inner());
        let mut pod = scenario::airbyte_pod(id, 0, connection);
        let fails = self.connections[connection].0 == FAILING;
        let mut script = pace.script(if fails { 1 } else { 0 });
        if fails {
            script.push_str(",fail-in=source");
        }
        scenario::set_script(&mut pod, &script);
        scenario::set_creation(&mut pod, now);
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let created = self
            .state
            .by_kind("v1", "Pod")
            .is_some_and(|info| self.state.create_object(&info, pod).is_ok());
        let job = Job {
            id,
            connection,
            status: if created { "pending" } else { "failed" },
            start: now,
            updated: now,
            end: (!created).then_some(now),
            pod: name,
        };
        let out = self.job_json(&job);
        m.jobs.push(job);
        self.wake.notify_one();
        (200, out)
    }

    /// The jobs the scheduler ran that the model does not hold, read from their replication
    /// pods now (so they go when the pods do).
    fn scheduled_jobs(&self, m: &Model) -> Vec<Job> {
        let pods = pods::list(&self.state, NAMESPACE, &|p| {
            p["metadata"]["labels"]["airbyte"] == "job-pod"
        });
        let known: Vec<u64> = m.jobs.iter().map(|j| j.id).collect();
        scheduled::jobs(pods.iter().map(|p| &**p), &self.connections, &known)
    }

    /// `GET /jobs`: every job (of `connectionId`, when asked), ordered by `orderBy`
    /// (`createdAt|DESC`, newest first, when absent), one page of them.
    fn list_jobs(&self, req: &ToolRequest) -> (u16, Value) {
        let m = self.lock();
        let scheduled = self.scheduled_jobs(&m);
        let wanted = req.param("connectionId");
        let mut jobs: Vec<&Job> = m
            .jobs
            .iter()
            .chain(&scheduled)
            .filter(|j| wanted.is_none_or(|c| self.connections[j.connection].1 == c))
            .collect();
        let (field, descending) = match req.param("orderBy").map(|o| o.split_once('|')) {
            None => ("createdAt", true),
            Some(Some((field, "ASC"))) => (field, false),
            Some(Some((field, "DESC"))) => (field, true),
            Some(_) => {
                return problem(
                    400,
                    "bad-request",
                    "orderBy must be FIELD|ASC or FIELD|DESC",
                );
            }
        };
        // Job ids break ties: pods record whole seconds, and ids grow with time.
        match field {
            "updatedAt" => jobs.sort_by_key(|j| (j.updated, j.id)),
            _ => jobs.sort_by_key(|j| (j.start, j.id)),
        }
        if descending {
            jobs.reverse();
        }
        let all: Vec<Value> = jobs.iter().map(|j| self.job_json(j)).collect();
        page(req, "jobs", all)
    }

    fn tick(&self) -> bool {
        let now = Utc::now();
        let mut m = self.lock();
        let mut active = false;
        for job in m.jobs.iter_mut().filter(|j| j.end.is_none()) {
            let pod = self
                .state
                .store
                .get(&ResKey::new("", "pods"), NAMESPACE, &job.pod);
            let status = status_of(pods::progress(pod.as_deref()).phase);
            if status != job.status {
                job.status = status;
                job.updated = now;
            }
            if matches!(status, "succeeded" | "failed") {
                job.end = Some(now);
            } else {
                active = true;
            }
        }
        active
    }
}

impl Tool for Airbyte {
    fn answer(&self, req: &ToolRequest) -> (u16, Value) {
        let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        let Some(rest) = seg.strip_prefix(&["api", "public", "v1"]) else {
            return problem(404, "resource-not-found", "Not Found");
        };
        if rest == ["applications", "token"] {
            return match req.method {
                Method::POST => self.token(req),
                _ => problem(405, "method-not-allowed", "Method Not Allowed"),
            };
        }
        let now = Utc::now();
        let authorized = req.bearer.as_ref().is_some_and(|t| {
            self.lock()
                .tokens
                .iter()
                .any(|(issued, at)| issued == t && (now - *at).num_seconds() < TOKEN_LIFETIME)
        });
        if !authorized {
            return problem(
                401,
                "unauthorized",
                "Request is not authorized: send a token from POST /api/public/v1/applications/token as Authorization: Bearer.",
            );
        }
        let get = req.method == Method::GET;
        match rest {
            ["connections"] if get => {
                let all: Vec<Value> = (0..self.connections.len())
                    .map(|i| self.connection_json(i))
                    .collect();
                page(req, "connections", all)
            }
            ["connections", id] if get => {
                match self.connections.iter().position(|(_, c)| c == id) {
                    Some(i) => (200, self.connection_json(i)),
                    None => problem(
                        404,
                        "resource-not-found",
                        format!("Could not find a connection with id: {id}"),
                    ),
                }
            }
            ["jobs"] if req.method == Method::POST => self.start_sync(req),
            ["jobs"] if get => self.list_jobs(req),
            ["jobs", id] if get => {
                let m = self.lock();
                let scheduled = self.scheduled_jobs(&m);
                match id
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| m.jobs.iter().chain(&scheduled).find(|j| j.id == n))
                {
                    Some(job) => (200, self.job_json(job)),
                    None => problem(
                        404,
                        "resource-not-found",
                        format!("Could not find a job with id: {id}"),
                    ),
                }
            }
            _ => problem(404, "resource-not-found", "Not Found"),
        }
    }

    fn advance(&self) -> bool {
        self.tick()
    }

    fn wake(&self) -> &Notify {
        &self.wake
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standins::pods::testing::{put, set_status, status, with_namespace};
    use chrono::Duration as ChronoDuration;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(83), "PT1M23S");
        assert_eq!(iso_duration(3600), "PT1H");
        assert_eq!(iso_duration(3723), "PT1H2M3S");
    }

    fn get(query: &[(&str, &str)]) -> ToolRequest {
        ToolRequest {
            method: Method::GET,
            segments: Vec::new(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            bearer: None,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn lists_are_paged_as_the_public_api_pages_them() {
        let all: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let (code, first) = page(&get(&[("limit", "2")]), "jobs", all.clone());
        assert_eq!(code, 200);
        assert_eq!(first["data"], json!([0, 1]));
        assert_eq!(first["next"], "/api/public/v1/jobs?limit=2&offset=2");
        assert_eq!(first["previous"], Value::Null);
        let (_, last) = page(
            &get(&[("limit", "2"), ("offset", "4")]),
            "jobs",
            all.clone(),
        );
        assert_eq!(last["data"], json!([4]));
        assert_eq!(last["next"], Value::Null);
        assert_eq!(last["previous"], "/api/public/v1/jobs?limit=2&offset=2");
        // The default page is 20; more than 100 is refused.
        assert_eq!(page(&get(&[]), "jobs", all.clone()).1["data"], json!(all));
        assert_eq!(page(&get(&[("limit", "101")]), "jobs", all).0, 400);
    }

    /// A request through the API's front door, with a token it issued.
    fn call(airbyte: &Airbyte, method: Method, path: &str, body: Value) -> (u16, Value) {
        let login = json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET});
        let (_, token) =
            airbyte.token(&ToolRequest::for_test(Method::POST, "", &login.to_string()));
        let mut req = ToolRequest::for_test(method, path, &body.to_string());
        req.bearer = token["access_token"].as_str().map(String::from);
        airbyte.answer(&req)
    }

    fn get_path(airbyte: &Airbyte, path: &str) -> Value {
        let (code, body) = call(airbyte, Method::GET, path, Value::Null);
        assert_eq!(code, 200, "{path}: {body}");
        body
    }

    /// `[jobId, status]` of each job listed.
    fn listed(list: &Value) -> Vec<(u64, String)> {
        list["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|j| {
                let status = j["status"].as_str().unwrap_or_default().to_string();
                (j["jobId"].as_u64().unwrap(), status)
            })
            .collect()
    }

    /// The generator's pod of slot `seq` (made at `at`), in the store with `status`.
    fn put_sync(state: &SimState, seq: u64, at: DateTime<Utc>, status: Value) -> Value {
        put(state, scenario::airbyte_sync(seq, at).remove(0), status)
    }

    fn connection_id(name: &str) -> String {
        scenario::airbyte_connections()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| id)
            .unwrap()
    }

    #[test]
    fn scheduled_jobs_are_read_from_the_replication_pods() {
        let state = with_namespace(NAMESPACE);
        let airbyte = Airbyte::new(state.clone(), Arc::default());
        assert_eq!(listed(&get_path(&airbyte, "/api/public/v1/jobs")), []);
        // The generator's third block: jobs 18408 (orders), 18409 (Stripe), and 18410
        // (HubSpot), whose attempt 0 fails.
        let t0 = Utc::now() - ChronoDuration::seconds(600);
        let at = |slot: i64| t0 + ChronoDuration::seconds(120 * slot);
        put_sync(&state, 10, at(0), status("Succeeded", at(0), Some(0)));
        put_sync(&state, 11, at(1), status("Succeeded", at(1), Some(0)));
        put_sync(&state, 12, at(2), status("Failed", at(2), Some(1)));

        let hubspot = connection_id("HubSpot → Postgres");
        let path = format!("/api/public/v1/jobs?connectionId={hubspot}&orderBy=createdAt|DESC");
        assert_eq!(
            listed(&get_path(&airbyte, &path)),
            [(18410, "failed".to_string())]
        );
        let all = get_path(&airbyte, "/api/public/v1/jobs");
        let ids: Vec<u64> = listed(&all).iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [18410, 18409, 18408], "newest first: {all}");
        let done = &all["data"][1];
        assert_eq!(done["connectionId"], connection_id("Stripe → ClickHouse"));
        assert_eq!(done["jobType"], "sync");
        assert_eq!(done["duration"], "PT30S");
        assert!(done["rowsSynced"].as_u64().unwrap() > 0);
        assert_eq!(done, &get_path(&airbyte, "/api/public/v1/jobs/18409"));

        // Attempt 1 retries the job: it runs again, then succeeds; one job, not two.
        let retry = put_sync(&state, 13, at(3), status("Running", at(3), None));
        assert_eq!(retry["metadata"]["labels"]["job_id"], "18410");
        let job = get_path(&airbyte, "/api/public/v1/jobs/18410");
        assert_eq!(job["status"], "running", "{job}");
        assert_eq!(job["startTime"], iso(scenario_time(at(2))));
        assert_eq!(job["rowsSynced"], 0);
        set_status(&state, &retry, status("Succeeded", at(3), Some(0)));
        let list = get_path(&airbyte, &path);
        assert_eq!(listed(&list), [(18410, "succeeded".to_string())]);
        assert_eq!(
            list["data"][0]["lastUpdatedAt"],
            iso(scenario_time(at(3) + ChronoDuration::seconds(30)))
        );
        let (code, _) = call(
            &airbyte,
            Method::GET,
            "/api/public/v1/jobs/18411",
            Value::Null,
        );
        assert_eq!(code, 404);
    }

    /// A time as pods record it: whole seconds.
    fn scenario_time(t: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp(t.timestamp(), 0).unwrap()
    }

    #[test]
    fn jobs_started_here_are_not_read_again_from_their_pods() {
        let state = with_namespace(NAMESPACE);
        let airbyte = Airbyte::new(state.clone(), Arc::default());
        let orders = connection_id("Postgres orders → ClickHouse");
        let earlier = Utc::now() - ChronoDuration::seconds(300);
        put_sync(&state, 6, earlier, status("Succeeded", earlier, Some(0)));
        let body = json!({"connectionId": orders, "jobType": "sync"});
        let (code, started) = call(&airbyte, Method::POST, "/api/public/v1/jobs", body);
        assert_eq!(code, 200, "{started}");
        assert_eq!(started["jobId"], FIRST_JOB);

        let path = format!("/api/public/v1/jobs?connectionId={orders}");
        let jobs = listed(&get_path(&airbyte, &path));
        let ids: Vec<u64> = jobs.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [FIRST_JOB, 18405], "the API's job once, newest first");
        let oldest = get_path(&airbyte, &format!("{path}&orderBy=createdAt|ASC"));
        assert_eq!(oldest["data"][0]["jobId"], 18405);
        let (code, _) = call(
            &airbyte,
            Method::GET,
            &format!("{path}&orderBy=createdAt"),
            Value::Null,
        );
        assert_eq!(code, 400);
    }

    #[test]
    fn updated_at_orders_by_the_last_change() {
        let state = with_namespace(NAMESPACE);
        let airbyte = Airbyte::new(state.clone(), Arc::default());
        // Job 18400 started first but is still running; 18401 started later and ended.
        let t0 = Utc::now() - ChronoDuration::seconds(60);
        put_sync(
            &state,
            0,
            t0,
            status("Running", t0 + ChronoDuration::seconds(40), None),
        );
        put_sync(
            &state,
            1,
            t0 + ChronoDuration::seconds(5),
            status("Succeeded", t0, Some(0)),
        );
        let ids = |order: &str| -> Vec<u64> {
            let list = get_path(&airbyte, &format!("/api/public/v1/jobs?orderBy={order}"));
            listed(&list).iter().map(|(id, _)| *id).collect()
        };
        assert_eq!(ids("createdAt|DESC"), [18401, 18400]);
        assert_eq!(ids("updatedAt|DESC"), [18400, 18401]);
    }
}
