//! `pods/log` as clients use it: timestamps and `sinceTime` as the kubelet has them, follow
//! streams cut on request (abruptly or cleanly) and resumed without losing a line, and pods
//! writing at a set rate for log viewer benchmarks.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde_json::json;
use strata_sim::RunningSim;
use strata_sim::logstream::{CutMode, LogStreamCut};

use common::{bench, client, client_of_url, eventually, start};

/// Creates a running pod in `default` whose container writes `rate` lines a second.
async fn rate_pod(sim: &RunningSim, name: &str, rate: u32) {
    let info = sim.state.find("", "v1", "pods").unwrap();
    sim.state
        .create_object(
            &info,
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default",
                    "annotations": {"sim.strata.dev/script": format!("start=100ms,log-rate={rate}")}},
                "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/orders-api:2.3.1"}]}}),
        )
        .unwrap();
    let pods = sim.state.find("", "v1", "pods").unwrap().key();
    eventually(
        &format!("pod {name} running"),
        Duration::from_secs(10),
        || {
            sim.state
                .store
                .get(&pods, "default", name)
                .is_some_and(|p| {
                    p["status"]["containerStatuses"][0]["state"]["running"].is_object()
                })
        },
    )
    .await;
}

/// A `--timestamps` line: its time and text.
fn stamped(line: &str) -> (DateTime<Utc>, String) {
    let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
    // RFC 3339 in UTC with exactly nine fraction digits, as the kubelet writes them.
    assert_eq!(ts.len(), 30, "{line:?}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{line:?}");
    let at = DateTime::parse_from_rfc3339(ts)
        .unwrap_or_else(|e| panic!("{e}: {line:?}"))
        .with_timezone(&Utc);
    (at, text.to_string())
}

async fn get_text(sim: &RunningSim, path_and_query: &str) -> Result<String, kube::Error> {
    client(sim)
        .await
        .request_text(
            http::Request::get(path_and_query.to_string())
                .body(Vec::new())
                .unwrap(),
        )
        .await
}

fn log_path(pod: &str, query: &str) -> String {
    format!("/api/v1/namespaces/default/pods/{pod}/log?container=app&{query}")
}

/// Follows a pod's log with timestamps until the stream ends: the lines, and whether it
/// ended with an error (a cut connection) rather than a normal end.
async fn follow(
    sim: &RunningSim,
    pod: &str,
    since: Option<DateTime<Utc>>,
) -> (Vec<(DateTime<Utc>, String)>, bool) {
    let api: Api<Pod> = Api::namespaced(client(sim).await, "default");
    let mut lines = api
        .log_stream(
            pod,
            &LogParams {
                follow: true,
                timestamps: true,
                // kube-rs rounds sinceTime to the nearest second: a fraction of .5 or more
                // would skip the rest of the second. Round down, as the kubelet does.
                since_time: since
                    .map(|t| k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap()),
                ..LogParams::default()
            },
        )
        .await
        .unwrap()
        .lines();
    let mut out = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match lines.next().await {
                Some(Ok(l)) => out.push(stamped(&l)),
                Some(Err(_)) => return true,
                None => return false,
            }
        }
    })
    .await
    .expect("the stream ends by itself");
    (out, ended)
}

#[tokio::test]
async fn since_time_is_inclusive_at_whole_seconds_and_timestamps_have_nanoseconds() {
    let sim = start(bench(0)).await;
    rate_pod(&sim, "talker", 50).await;
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let all: Vec<(DateTime<Utc>, String)> = get_text(&sim, &log_path("talker", "timestamps=true"))
        .await
        .unwrap()
        .lines()
        .map(stamped)
        .collect();
    assert!(all.len() >= 100, "{}", all.len());
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "times are unique");
    // A line well inside the log, and the first line of its second.
    let (at, text) = all[all.len() / 2].clone();
    let second = at.with_nanosecond(0).unwrap();
    let from_second: Vec<&(DateTime<Utc>, String)> =
        all.iter().filter(|(t, _)| *t >= second).collect();
    // sinceTime with nanoseconds: the fraction is dropped, lines from the whole second come.
    let nanos = at.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let query = format!("timestamps=true&sinceTime={}", urlencode(&nanos));
    let resumed: Vec<(DateTime<Utc>, String)> = get_text(&sim, &log_path("talker", &query))
        .await
        .unwrap()
        .lines()
        .map(stamped)
        .collect();
    assert_eq!(resumed[0], *from_second[0]);
    assert!(resumed.contains(&(at, text.clone())));
    assert_eq!(
        &resumed[..from_second.len()],
        &from_second.into_iter().cloned().collect::<Vec<_>>()[..]
    );
    // At exactly a line's second: the line is included.
    let exact = format!(
        "timestamps=true&sinceTime={}",
        urlencode(&second.to_rfc3339_opts(SecondsFormat::Secs, true))
    );
    let at_second = get_text(&sim, &log_path("talker", &exact)).await.unwrap();
    assert!(stamped(at_second.lines().next().unwrap()).0 >= second);
    assert!(at_second.contains(&text));
    // tailLines with sinceTime: the last N of the lines at or after the time.
    let both = format!("{exact}&tailLines=3");
    let tail: Vec<String> = get_text(&sim, &log_path("talker", &both))
        .await
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(tail.len(), 3);
    assert!(stamped(&tail[0]).0 >= second);
    // The API server's validation of PodLogOptions.
    for bad in [
        "sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z",
        "tailLines=-1",
        "sinceSeconds=0",
        "limitBytes=0",
    ] {
        match get_text(&sim, &log_path("talker", bad)).await {
            Err(kube::Error::Api(s)) => assert_eq!(s.code, 422, "{bad}: {s:?}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    match get_text(&sim, &log_path("talker", "sinceTime=yesterday")).await {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 400, "{s:?}"),
        other => panic!("{other:?}"),
    }
    // limitBytes ends the text after that many bytes, mid-line.
    let limited = get_text(&sim, &log_path("talker", "limitBytes=100"))
        .await
        .unwrap();
    assert_eq!(limited.len(), 100);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A client resuming a cut stream from the last line's timestamp, de-duplicating by
/// (timestamp, text), ends up with the log as it is, no line lost or doubled.
#[tokio::test]
async fn a_cut_follow_stream_resumes_from_the_last_timestamp_without_losing_lines() {
    let sim = start(bench(0)).await;
    rate_pod(&sim, "busy", 200).await;
    rate_pod(&sim, "other", 200).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Armed over the control port: the next follow of default/busy ends after 300 lines.
    let control = sim
        .serve_control("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let control = client_of_url(&format!("http://{control}"));
    let armed: serde_json::Value = control
        .request(
            http::Request::post("/strata-sim/faults/logs?after_lines=300&count=1&pod=default/busy")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .expect("202 Accepted");
    assert_eq!(armed["armed"][0]["after_lines"], 300);
    assert_eq!(armed["armed"][0]["mode"], "abrupt");
    assert_eq!(armed["armed"][0]["pod"], "default/busy");

    let (first, cut) = follow(&sim, "busy", None).await;
    assert!(
        cut,
        "an abrupt cut is an error for the client, not an end of stream"
    );
    assert_eq!(first.len(), 300);
    assert!(sim.state.armed_log_cuts().is_empty(), "the cut was used up");
    let last = first.last().unwrap().0;
    // The stream was cut while the container still runs: resume from the last timestamp
    // (kube-rs sends whole seconds, as kubectl does), this time cleanly cut after 400 lines.
    sim.cut_log_streams(LogStreamCut {
        pod: Some(("default".into(), "busy".into())),
        after_lines: 400,
        count: 1,
        mode: CutMode::Clean,
    });
    let (second, cut) = follow(&sim, "busy", Some(last)).await;
    assert!(!cut, "a clean cut ends the stream normally");
    assert_eq!(second.len(), 400);
    assert!(
        second[0].0 <= last,
        "the resumed stream starts at the cut's second"
    );
    let mut merged = first.clone();
    for line in second {
        if !merged.contains(&line) {
            merged.push(line);
        }
    }
    assert!(merged.len() > 300);
    let reference: Vec<(DateTime<Utc>, String)> =
        get_text(&sim, &log_path("busy", "timestamps=true"))
            .await
            .unwrap()
            .lines()
            .map(stamped)
            .collect();
    assert_eq!(
        merged,
        reference[..merged.len()],
        "no line lost, none doubled"
    );

    // Other pods' streams were not cut; a cut for any pod takes the next streams of any.
    sim.cut_log_streams(LogStreamCut {
        pod: None,
        after_lines: 5,
        count: 2,
        mode: CutMode::Abrupt,
    });
    for pod in ["other", "busy"] {
        let (lines, cut) = follow(&sim, pod, None).await;
        assert!(
            cut && lines.len() == 5,
            "{pod}: {} lines, cut {cut}",
            lines.len()
        );
    }
    let api: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    let mut uncut = api
        .log_stream(
            "other",
            &LogParams {
                follow: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap()
        .lines();
    let mut n = 0;
    while n < 600 {
        uncut.try_next().await.unwrap().expect("the stream goes on");
        n += 1;
    }
    // DELETE disarms.
    sim.cut_log_streams(LogStreamCut {
        pod: None,
        after_lines: 1,
        count: 5,
        mode: CutMode::Abrupt,
    });
    let cleared: serde_json::Value = control
        .request(
            http::Request::delete("/strata-sim/faults/logs")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(cleared["armed"], json!([]));
}

/// Reads a follow stream for `secs` seconds: the lines' times.
async fn follow_for(sim: &RunningSim, pod: &str, secs: f64) -> Vec<DateTime<Utc>> {
    let api: Api<Pod> = Api::namespaced(client(sim).await, "default");
    let mut lines = api
        .log_stream(
            pod,
            &LogParams {
                follow: true,
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap()
        .lines();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs_f64(secs), async {
        while let Some(Ok(l)) = lines.next().await {
            out.push(stamped(&l).0);
        }
    })
    .await;
    out
}

#[tokio::test]
async fn a_log_rate_pod_streams_its_lines_per_second() {
    let sim = start(bench(0)).await;
    rate_pod(&sim, "loadgen", 250).await;
    let asked = Utc::now();
    let times = follow_for(&sim, "loadgen", 3.5).await;
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    // Every line of two whole seconds after the request arrived, and no more.
    let from = asked.with_nanosecond(0).unwrap() + chrono::Duration::seconds(1);
    let in_window = times
        .iter()
        .filter(|t| **t >= from && **t < from + chrono::Duration::seconds(2))
        .count();
    assert_eq!(in_window, 500);
    // Delivered as they are written (the stream polls four times a second).
    let newest = *times.last().unwrap();
    assert!(
        Utc::now() - newest < chrono::Duration::milliseconds(1_000),
        "{newest}"
    );
}

/// The benchmark set-up: 20 pods at 250 lines a second, all followed at once, keep up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_pods_at_250_lines_a_second_keep_up() {
    let sim = start(bench(0)).await;
    for i in 0..20 {
        rate_pod(&sim, &format!("bench-{i}"), 250).await;
    }
    let began = Instant::now();
    let asked = Utc::now();
    let names: Vec<String> = (0..20).map(|i| format!("bench-{i}")).collect();
    let followers = names.iter().map(|name| follow_for(&sim, name, 4.0));
    let results = futures::future::join_all(followers).await;
    let elapsed = began.elapsed();
    let from = asked.with_nanosecond(0).unwrap() + chrono::Duration::seconds(1);
    let until = from + chrono::Duration::seconds(2);
    for (i, times) in results.iter().enumerate() {
        let n = times.iter().filter(|t| **t >= from && **t < until).count();
        assert_eq!(n, 500, "bench-{i} lost lines");
        let newest = *times.last().unwrap();
        assert!(
            asked + chrono::Duration::from_std(elapsed).unwrap() - newest
                < chrono::Duration::milliseconds(1_500),
            "bench-{i} fell behind: newest line {newest}"
        );
    }
    let total: usize = results.iter().map(Vec::len).sum();
    assert!(total >= 20 * 250 * 3, "{total} lines in {elapsed:?}");
}
