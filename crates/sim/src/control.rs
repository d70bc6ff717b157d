//! The simulator's own HTTP hooks, under a prefix no Kubernetes client uses: the request log
//! (`GET /strata-sim/requests`, on the API port and on the control port), outages
//! (`POST /strata-sim/outage?seconds=N`, on the control port only — a separate listener, so it
//! answers while the API is down) and log stream cuts (`/strata-sim/faults/logs`, control port).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::SimError;
use super::http::{Body, SimState, json_response};
use super::logstream::{CutMode, LogStreamCut};
use super::server::ApiServer;
use super::store::ApiError;

/// Path prefix of every hook.
pub const PREFIX: &str = "/strata-sim/";

/// The longest outage the control port accepts (a day: a typo should not mean forever).
const MAX_OUTAGE_SECONDS: f64 = 86_400.0;

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

fn error(err: &ApiError) -> Response<Body> {
    json_response(err.code, &err.status())
}

/// `GET /strata-sim/requests[?since=SEQ]`: the [`super::requestlog::RequestSummary`] as JSON.
fn requests(req: &Request<Incoming>, state: &SimState) -> Response<Body> {
    if req.method() != Method::GET {
        return error(&ApiError::method_not_allowed(
            "use GET for /strata-sim/requests",
        ));
    }
    let since = match query(req).get("since").map(|s| s.parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return error(&ApiError::bad_request(
                "since must be a request sequence number (last_seq of an earlier answer)",
            ));
        }
    };
    json_response(
        200,
        &serde_json::to_value(state.requests_since(since)).unwrap_or_default(),
    )
}

/// The hooks served on the API port itself (only the request log: an outage asked for on
/// the port it takes down could not be ended there).
pub fn serve_on_api_port(req: &Request<Incoming>, state: &SimState) -> Response<Body> {
    match req.uri().path() {
        "/strata-sim/requests" => requests(req, state),
        _ => error(&ApiError::not_found_path(
            "the API port serves only GET /strata-sim/requests; outages are asked for on the control port `strata sim serve` prints on its second line",
        )),
    }
}

/// Binds the control listener on `addr` and serves it until `shutdown`; returns the bound
/// address.
pub async fn start(
    addr: SocketAddr,
    server: Arc<ApiServer>,
    state: Arc<SimState>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<SocketAddr, SimError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.changed() => return,
            };
            let Ok((stream, _)) = accepted else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let server = server.clone();
            let state = state.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let svc = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(serve(req, server, state).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, svc)
                    .await;
            });
        }
    });
    Ok(bound)
}

async fn serve(
    req: Request<Incoming>,
    server: Arc<ApiServer>,
    state: Arc<SimState>,
) -> Response<Body> {
    let path = req.uri().path().to_string();
    let post = req.method() == Method::POST;
    match path.as_str() {
        "/strata-sim/requests" => requests(&req, &state),
        "/strata-sim/status" => status(&server).await,
        "/strata-sim/outage" if post => outage(&req, server).await,
        "/strata-sim/suspend" if post => {
            server.suspend().await;
            status(&server).await
        }
        "/strata-sim/resume" if post => match server.resume().await {
            Ok(_) => status(&server).await,
            Err(e) => error(&ApiError::internal(e.to_string())),
        },
        "/strata-sim/faults/logs" => log_faults(&req, &state),
        "/strata-sim/outage" | "/strata-sim/suspend" | "/strata-sim/resume" => error(
            &ApiError::method_not_allowed(format!("use POST for {path}")),
        ),
        _ => error(&ApiError::not_found_path(
            "unknown control path; this port serves POST /strata-sim/outage?seconds=N, POST /strata-sim/suspend, POST /strata-sim/resume, GET /strata-sim/status, GET /strata-sim/requests and POST|GET|DELETE /strata-sim/faults/logs",
        )),
    }
}

async fn status(server: &ApiServer) -> Response<Body> {
    json_response(
        200,
        &json!({"up": server.is_up().await, "api": format!("http://{}", server.addr())}),
    )
}

/// `POST /strata-sim/outage?seconds=N`: the API is down when this answers (202) and comes
/// back N seconds later; 409 while another outage (or a suspend) holds it down.
async fn outage(req: &Request<Incoming>, server: Arc<ApiServer>) -> Response<Body> {
    let seconds = query(req)
        .get("seconds")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_OUTAGE_SECONDS);
    let Some(seconds) = seconds else {
        return error(&ApiError::bad_request(format!(
            "seconds must be a number of seconds above 0 and at most {MAX_OUTAGE_SECONDS}, e.g. /strata-sim/outage?seconds=15"
        )));
    };
    if !server.suspend().await {
        return error(&ApiError::conflict_message(
            "the API is already down (an outage or a suspend is in progress)",
        ));
    }
    let back = server.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        if let Err(e) = back.resume().await {
            // Nobody is waiting on this task: the process's stderr is the only place left.
            eprintln!("strata sim: the API could not come back after the outage: {e}");
        }
    });
    json_response(
        202,
        &json!({"up": false, "seconds": seconds, "api": format!("http://{}", server.addr())}),
    )
}

/// `/strata-sim/faults/logs`: `POST ?after_lines=K[&count=N][&pod=NS/NAME][&mode=abrupt|clean]`
/// arms a cut of the next N (default 1) follow streams of the pod's logs (any pod without
/// `pod`) after K lines (202); `GET` lists the armed cuts; `DELETE` disarms them all. Each
/// answer is `{"armed": [cuts]}`.
fn log_faults(req: &Request<Incoming>, state: &SimState) -> Response<Body> {
    let armed = |code: u16, state: &SimState| {
        json_response(code, &json!({"armed": state.armed_log_cuts()}))
    };
    match *req.method() {
        Method::GET => return armed(200, state),
        Method::DELETE => {
            state.clear_log_cuts();
            return armed(200, state);
        }
        Method::POST => {}
        _ => {
            return error(&ApiError::method_not_allowed(
                "use POST (arm), GET (list) or DELETE (disarm) for /strata-sim/faults/logs",
            ));
        }
    }
    match parse_cut(&query(req)) {
        Ok(cut) => {
            state.cut_log_streams(cut);
            armed(202, state)
        }
        Err(why) => error(&ApiError::bad_request(format!(
            "{why}; e.g. /strata-sim/faults/logs?after_lines=100&count=1&pod=default/web-0&mode=abrupt"
        ))),
    }
}

fn parse_cut(q: &HashMap<String, String>) -> Result<LogStreamCut, String> {
    let after_lines = q
        .get("after_lines")
        .ok_or("after_lines (lines before the cut) is required")?
        .parse::<usize>()
        .map_err(|_| "after_lines must be a whole number of lines")?;
    let count = match q.get("count") {
        None => 1,
        Some(c) => c
            .parse::<u32>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or("count must be a whole number of streams above 0")?,
    };
    let pod = match q.get("pod").filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            let (ns, name) = p
                .split_once('/')
                .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
                .ok_or("pod must be NAMESPACE/NAME")?;
            Some((ns.to_string(), name.to_string()))
        }
    };
    let mode = match q.get("mode").map(String::as_str) {
        None | Some("abrupt") => CutMode::Abrupt,
        Some("clean") => CutMode::Clean,
        Some(_) => return Err("mode must be abrupt or clean".into()),
    };
    Ok(LogStreamCut {
        pod,
        after_lines,
        count,
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn log_cut_parameters() {
        let cut = parse_cut(&q(&[("after_lines", "40")])).unwrap();
        assert_eq!(
            cut,
            LogStreamCut {
                pod: None,
                after_lines: 40,
                count: 1,
                mode: CutMode::Abrupt
            }
        );
        let cut = parse_cut(&q(&[
            ("after_lines", "0"),
            ("count", "3"),
            ("pod", "ingestion/replication-job-1-attempt-0"),
            ("mode", "clean"),
        ]))
        .unwrap();
        assert_eq!(
            cut.pod,
            Some(("ingestion".into(), "replication-job-1-attempt-0".into()))
        );
        assert_eq!(
            (cut.after_lines, cut.count, cut.mode),
            (0, 3, CutMode::Clean)
        );
        for bad in [
            q(&[]),
            q(&[("after_lines", "-1")]),
            q(&[("after_lines", "5"), ("count", "0")]),
            q(&[("after_lines", "5"), ("pod", "no-namespace")]),
            q(&[("after_lines", "5"), ("mode", "gentle")]),
        ] {
            assert!(parse_cut(&bad).is_err(), "{bad:?}");
        }
    }
}
