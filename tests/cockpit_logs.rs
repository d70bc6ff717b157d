//! Logs and runs as an operator meets them, against the embedded simulator: the follow that
//! merges a workload's pods and picks up new ones, a stream the simulator drops mid-way
//! resumed with no line lost or repeated, and in the cockpit the failed Airbyte sync's and the
//! failed Airflow try's logs reached from launch in two steps, showing why they failed.

mod cockpit_support;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cockpit_support::{cockpit, command, quiet_sim, target};
use serde_json::json;
use strata::cluster::logs::{LogFollow, LogNote, LogQuery, LogWindow, Queued, RawLine};
use strata::cluster::{self, Cache};
use strata_sim::RunningSim;
use strata_sim::logstream::{CutMode, LogStreamCut};

const WAIT: Duration = Duration::from_secs(30);

async fn cache(sim: &RunningSim) -> Cache {
    let connection = cluster::connect(&target(sim))
        .await
        .expect("the demo kubeconfig is usable");
    Cache::new(connection.client.clone())
}

/// Creates a pod in `default` labelled `app=loadgen` that writes `script`'s lines and is
/// not restarted when it ends.
fn loadgen_pod(sim: &RunningSim, name: &str, script: &str) {
    let info = sim.state.find("", "v1", "pods").expect("pods are served");
    sim.state
        .create_object(
            &info,
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": {"app": "loadgen"},
                    "annotations": {"sim.strata.dev/script": script}},
                "spec": {"restartPolicy": "Never",
                    "containers": [{"name": "app", "image": "ghcr.io/acme/orders-api:2.3.1"}]}}),
        )
        .expect("the pod is created");
}

/// What a follow delivered so far.
#[derive(Default)]
struct Collected {
    sources: Vec<String>,
    lines: Vec<RawLine>,
    ended: BTreeSet<u16>,
    resumed: usize,
}

impl Collected {
    fn take(&mut self, queued: Queued) {
        for note in queued.notes {
            match note {
                LogNote::Source(source) => self.sources.push(source.pod),
                LogNote::Ended { source } => {
                    self.ended.insert(source);
                }
                LogNote::Resumed { .. } => self.resumed += 1,
                LogNote::Problem { .. } | LogNote::Listed { .. } => {}
            }
        }
        self.lines.extend(queued.lines);
    }

    fn source_of(&self, pod: &str) -> Option<u16> {
        self.sources.iter().position(|p| p == pod).map(|i| i as u16)
    }

    fn lines_of(&self, pod: &str) -> Vec<&RawLine> {
        let Some(source) = self.source_of(pod) else {
            return Vec::new();
        };
        self.lines.iter().filter(|l| l.source == source).collect()
    }
}

/// Takes batches until `done`, failing with what came after `WAIT`.
async fn collect_until(
    follow: &LogFollow,
    collected: &mut Collected,
    what: &str,
    done: impl Fn(&Collected) -> bool,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done(collected) {
        match tokio::time::timeout_at(deadline, follow.queue.take()).await {
            Ok(queued) => collected.take(queued),
            Err(_) => panic!(
                "timed out waiting for {what}: sources {:?}, {} lines, ended {:?}, resumed {}",
                collected.sources,
                collected.lines.len(),
                collected.ended,
                collected.resumed
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_merges_pods_picks_up_new_ones_and_keeps_ended_ones() {
    let sim = quiet_sim().await;
    let cache = cache(&sim).await;
    // The first pod writes for two seconds and ends.
    loadgen_pod(&sim, "loadgen-a", "start=100ms,exit=2s,log-rate=20");
    let mut query = LogQuery::pods("default", Vec::new());
    query.selectors = vec!["app=loadgen".into()];
    query.window = LogWindow::All;
    query.follow = true;
    let follow = LogFollow::start(&cache, query);
    let mut got = Collected::default();
    collect_until(&follow, &mut got, "loadgen-a to end", |c| {
        c.source_of("loadgen-a")
            .is_some_and(|s| c.ended.contains(&s))
    })
    .await;
    let first = got.lines_of("loadgen-a").len();
    assert!((30..=50).contains(&first), "{first} lines in ~2 s at 20/s");

    // A new pod of the same workload is picked up while following.
    loadgen_pod(&sim, "loadgen-b", "start=100ms,log-rate=20");
    collect_until(&follow, &mut got, "lines of loadgen-b", |c| {
        c.lines_of("loadgen-b").len() >= 20
    })
    .await;
    // The ended pod's lines are all still there, none added after its end.
    assert_eq!(got.lines_of("loadgen-a").len(), first);
    assert_eq!(got.sources, ["loadgen-a", "loadgen-b"]);
    // Each source's lines come in time order.
    for pod in ["loadgen-a", "loadgen-b"] {
        let times: Vec<_> = got.lines_of(pod).iter().map(|l| l.at).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{pod} in order");
    }
}

/// Times of a rate pod's lines: evenly spaced, so a gap or a repeat shows.
fn assert_contiguous(times: &[DateTime<Utc>], step: chrono::TimeDelta) {
    let repeats = times.len() - times.iter().collect::<BTreeSet<_>>().len();
    assert_eq!(repeats, 0, "no line twice");
    for pair in times.windows(2) {
        assert_eq!(pair[1] - pair[0], step, "no line lost between {pair:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_resumes_without_losing_or_repeating_a_line() {
    let sim = quiet_sim().await;
    let cache = cache(&sim).await;
    loadgen_pod(&sim, "steady", "start=100ms,log-rate=100");
    // The first stream drops its connection after 120 lines, the second ends cleanly
    // (as a kubelet restart does) after 80 more.
    for (after_lines, mode) in [(120, CutMode::Abrupt), (80, CutMode::Clean)] {
        sim.cut_log_streams(LogStreamCut {
            pod: Some(("default".into(), "steady".into())),
            after_lines,
            count: 1,
            mode,
        });
    }
    let mut query = LogQuery::pods("default", vec!["steady".into()]);
    query.window = LogWindow::All;
    query.follow = true;
    let follow = LogFollow::start(&cache, query);
    let mut got = Collected::default();
    collect_until(&follow, &mut got, "the second resume", |c| c.resumed >= 2).await;
    let seen = got.lines.len();
    collect_until(&follow, &mut got, "lines after the resumes", |c| {
        c.lines.len() >= seen + 150
    })
    .await;
    let times: Vec<DateTime<Utc>> = got.lines.iter().filter_map(|l| l.at).collect();
    assert_eq!(times.len(), got.lines.len(), "every line has its timestamp");
    assert_contiguous(&times, chrono::TimeDelta::milliseconds(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_airbyte_sync_is_two_steps_from_launch() {
    let sim = quiet_sim().await;
    let mut ui = cockpit(&sim, 160, 40, None).await;
    ui.wait_for_layers().await.unwrap();
    // Step 1: the failed syncs, why they failed already in the row.
    command(&mut ui, "runs airbyte failed");
    let screen = ui.wait_for_text("✖ failed").await.unwrap();
    assert!(screen.contains("Postgres orders → ClickHouse"), "{screen}");
    ui.wait_for_text("destination: Could not connect")
        .await
        .unwrap();
    // Step 2: its logs, the connector's error first in the header.
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for_text("Authentication failed: password is incorrect")
        .await
        .unwrap();
    let header = screen.lines().nth(3).unwrap_or_default();
    assert!(
        header.contains("✖ destination: Could not connect"),
        "the reason heads the viewer:\n{screen}"
    );
    assert!(
        screen.contains("logs · run Postgres orders → ClickHouse"),
        "{screen}"
    );
    // Both connectors' and the orchestrator's lines, each with its prefix.
    for container in ["orchestrator", "destination"] {
        assert!(
            screen.contains(&format!("/{container} ")),
            "{container}:\n{screen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_airflow_try_is_two_steps_from_launch() {
    let sim = quiet_sim().await;
    let mut ui = cockpit(&sim, 160, 40, None).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "runs airflow retrying");
    let screen = ui
        .wait_for_text("try 1 failed: KeyError: 'order_total'")
        .await
        .unwrap();
    assert!(
        screen.contains("customer_360.build_customer_features"),
        "{screen}"
    );
    ui.press("enter").unwrap();
    // Both tries are read: the header says the first failed and why.
    let screen = ui
        .wait_for_text("try 1 failed: KeyError: 'order_total'")
        .await
        .unwrap();
    assert!(screen.contains("logs · run customer_360"), "{screen}");
    // The failing lines are a search away.
    ui.press("/").unwrap();
    ui.type_text("KeyError").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("KeyError: 'order_total'\"").await.unwrap();
    assert!(
        screen.contains("/KeyError:"),
        "the search shows its hits:\n{screen}"
    );
    assert!(
        screen.contains("‖ paused"),
        "a search pauses at its hit:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l_on_a_pod_follows_it_and_scrolling_up_pauses() {
    let sim = quiet_sim().await;
    loadgen_pod(&sim, "loadgen-ui", "start=100ms,log-rate=20");
    let mut ui = cockpit(&sim, 140, 30, None).await;
    ui.wait_for_layers().await.unwrap();
    command(&mut ui, "pods default");
    ui.wait_for_text("loadgen-ui").await.unwrap();
    ui.press("/").unwrap();
    ui.type_text("loadgen-ui").unwrap();
    ui.press("enter").unwrap();
    ui.press("l").unwrap();
    let screen = ui
        .wait_for("a screenful of lines", WAIT, |s| {
            s.contains("● following") && s.contains("lines") && s.lines().count() > 20
        })
        .await
        .unwrap();
    assert!(screen.contains("logs · pod/loadgen-ui"), "{screen}");
    // Up pauses; lines that come meanwhile are counted, not scrolled in.
    ui.press("k").unwrap();
    let screen = ui
        .wait_for("new lines counted", WAIT, |s| s.contains(" new "))
        .await
        .unwrap();
    assert!(screen.contains("‖ paused ·"), "{screen}");
    // G follows again.
    ui.press("G").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("● following"), "{screen}");
    // Esc leaves the viewer; the table is where it was.
    ui.press("esc").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("/loadgen-ui"), "{screen}");
}
