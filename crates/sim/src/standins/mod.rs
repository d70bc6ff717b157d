//! Built-in stand-ins for the demo's tool APIs: small in-process HTTP servers on 127.0.0.1
//! that answer as Airflow 3's REST API v2 ([`airflow`]) and Airbyte's public API v1
//! ([`airbyte`]) do, reached through `pods/portforward` to the demo's
//! `airflow-api-server` pod (port [`AIRFLOW_PORT`]) and `airbyte-server` pod (port
//! [`AIRBYTE_PORT`]), whose pod templates name them in
//! [`crate::portforward::FORWARD_ANNOTATION`].
//!
//! They act on the simulated cluster as the real tools do: a triggered DAG run makes its task
//! pods as the KubernetesExecutor does, a started sync makes its replication pod as Airbyte's
//! workload launcher does, and both follow those pods' phases. Every request they answer
//! goes into the simulator's request log ([`crate::requestlog`]), writes counted as mutating.

pub mod airbyte;
pub mod airflow;
mod pods;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use super::SimError;
use super::http::SimState;
use super::portforward::FORWARD_ANNOTATION;
use super::requestlog::RequestRecord;

/// The port the demo's Airflow api-server pod forwards to the Airflow stand-in.
pub const AIRFLOW_PORT: u16 = 8080;
/// The port the demo's Airbyte server pod forwards to the Airbyte stand-in.
pub const AIRBYTE_PORT: u16 = 8001;

/// How long the pods the stand-ins make take: to start (image pull) and then to run. The
/// demo's default is human-paced; tests speed it up with [`Standins::set_pace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub start: Duration,
    pub run: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            start: Duration::from_secs(3),
            run: Duration::from_secs(12),
        }
    }
}

impl Pace {
    /// The pod script of a run that takes this long and exits with `code`.
    fn script(&self, code: i32) -> String {
        let mut s = format!(
            "start={}ms,exit={}ms",
            self.start.as_millis(),
            self.run.as_millis()
        );
        if code != 0 {
            s.push_str(&format!(",code={code}"));
        }
        s
    }
}

/// The running stand-ins: where they listen, and their shared pace.
pub struct Standins {
    pub airflow: SocketAddr,
    pub airbyte: SocketAddr,
    pace: Arc<Mutex<Pace>>,
}

impl Standins {
    /// Changes how long the pods of later runs take (tests use a fast pace).
    pub fn set_pace(&self, pace: Pace) {
        *self.pace.lock().unwrap_or_else(|p| p.into_inner()) = pace;
    }

    /// Puts the stand-ins' addresses in the demo's pod templates: `airflow-api-server`
    /// (namespace `orchestration`) forwards [`AIRFLOW_PORT`], `airbyte-server` (namespace
    /// `ingestion`) forwards [`AIRBYTE_PORT`].
    pub fn wire(&self, objects: &mut [Value]) {
        for obj in objects.iter_mut() {
            let forward = match (
                obj["kind"].as_str(),
                obj["metadata"]["namespace"].as_str(),
                obj["metadata"]["name"].as_str(),
            ) {
                (Some("Deployment"), Some("orchestration"), Some("airflow-api-server")) => {
                    format!("{AIRFLOW_PORT}={}", self.airflow)
                }
                (Some("Deployment"), Some("ingestion"), Some("airbyte-server")) => {
                    format!("{AIRBYTE_PORT}={}", self.airbyte)
                }
                _ => continue,
            };
            let template = &mut obj["spec"]["template"]["metadata"];
            if !template["annotations"].is_object() {
                template["annotations"] = serde_json::json!({});
            }
            template["annotations"][FORWARD_ANNOTATION] = Value::String(forward);
        }
    }
}

/// Starts both stand-ins on 127.0.0.1 ephemeral ports; they stop with the simulator.
pub async fn start(
    state: Arc<SimState>,
    shutdown: watch::Receiver<bool>,
) -> Result<Standins, SimError> {
    let pace = Arc::new(Mutex::new(Pace::default()));
    let airflow = Arc::new(airflow::Airflow::new(state.clone(), pace.clone()));
    let airbyte = Arc::new(airbyte::Airbyte::new(state.clone(), pace.clone()));
    let airflow_addr = listen("airflow", airflow.clone(), state.clone(), &shutdown).await?;
    let airbyte_addr = listen("airbyte", airbyte.clone(), state, &shutdown).await?;
    tokio::spawn(drive(airflow, shutdown.clone()));
    tokio::spawn(drive(airbyte, shutdown));
    Ok(Standins {
        airflow: airflow_addr,
        airbyte: airbyte_addr,
        pace,
    })
}

/// One HTTP request to a stand-in, its body read.
pub struct ToolRequest {
    pub method: Method,
    /// Percent-decoded path segments (`/api/v2/dags/x` → `["api", "v2", "dags", "x"]`).
    pub segments: Vec<String>,
    pub query: HashMap<String, String>,
    pub bearer: Option<String>,
    pub body: bytes::Bytes,
}

impl ToolRequest {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    /// The body as JSON; `Err` is the tool's answer to a body that is not.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Err("the request has no body; send JSON".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the body is not JSON: {e}"))
    }
}

#[cfg(test)]
impl ToolRequest {
    /// A request as the listener hands it over (path segments and query split, no token), for
    /// the stand-ins' unit tests.
    pub(crate) fn for_test(method: Method, path_and_query: &str, body: &str) -> ToolRequest {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        ToolRequest {
            method,
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            query: url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            bearer: None,
            body: bytes::Bytes::from(body.to_string()),
        }
    }
}

/// A tool's API: answers requests and moves its runs along.
pub trait Tool: Send + Sync + 'static {
    /// Answers one request: (status code, JSON body).
    fn answer(&self, req: &ToolRequest) -> (u16, Value);
    /// Moves runs along by what the cluster did; true while some run is still going, so it
    /// is called again soon.
    fn advance(&self) -> bool;
    /// Fires when a request started something, so [`Tool::advance`] runs without waiting.
    fn wake(&self) -> &Notify;
}

/// How often an active tool looks at its pods.
const TICK: Duration = Duration::from_millis(200);

async fn drive<T: Tool>(tool: Arc<T>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let active = tool.advance();
        tokio::select! {
            _ = tokio::time::sleep(TICK), if active => {}
            _ = tool.wake().notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn listen<T: Tool>(
    name: &'static str,
    tool: Arc<T>,
    state: Arc<SimState>,
    shutdown: &watch::Receiver<bool>,
) -> Result<SocketAddr, SimError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let mut shutdown = shutdown.clone();
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = shutdown.changed() => return,
            };
            let (tool, state) = (tool.clone(), state.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let (tool, state) = (tool.clone(), state.clone());
                    async move { Ok::<_, Infallible>(serve(name, &*tool, &state, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(bound)
}

async fn serve<T: Tool>(
    name: &'static str,
    tool: &T,
    state: &SimState,
    req: Request<Incoming>,
) -> Response<Full<bytes::Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let bearer = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let tool_req = ToolRequest {
        method: method.clone(),
        segments: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect(),
        query,
        bearer,
        body,
    };
    let (code, json) = tool.answer(&tool_req);
    state.record_request(RequestRecord {
        verb: method.as_str().to_ascii_lowercase(),
        path: Some(path),
        code,
        standin: Some(name.to_string()),
        ..RequestRecord::default()
    });
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(
            serde_json::to_vec(&json).unwrap_or_default(),
        )))
        .unwrap_or_else(|_| Response::new(Full::new(bytes::Bytes::new())))
}

/// Decodes `%XX` escapes of a path segment (run ids carry `:` and `+`, which clients escape).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 3339 with microseconds and `Z`, as both tools write times.
pub(crate) fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(
            percent_decode("manual__2026-11-26T11%3A43%3A15.056561%2B00%3A00"),
            "manual__2026-11-26T11:43:15.056561+00:00"
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn the_demo_pods_are_wired_to_the_stand_ins() {
        let standins = Standins {
            airflow: "127.0.0.1:4001".parse().unwrap(),
            airbyte: "127.0.0.1:4002".parse().unwrap(),
            pace: Arc::default(),
        };
        let mut objects = crate::scenario::build(
            crate::ScenarioName::Demo,
            &crate::ScenarioOptions::default(),
        )
        .objects;
        standins.wire(&mut objects);
        let forward = |ns: &str, name: &str| {
            objects
                .iter()
                .find(|o| {
                    o["kind"] == "Deployment"
                        && o["metadata"]["namespace"] == ns
                        && o["metadata"]["name"] == name
                })
                .map(|o| {
                    o["spec"]["template"]["metadata"]["annotations"][FORWARD_ANNOTATION].clone()
                })
        };
        assert_eq!(
            forward("orchestration", "airflow-api-server"),
            Some(Value::from("8080=127.0.0.1:4001"))
        );
        assert_eq!(
            forward("ingestion", "airbyte-server"),
            Some(Value::from("8001=127.0.0.1:4002"))
        );
    }
}
