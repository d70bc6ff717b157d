//! Bench pod churn (`SimConfig::churn`, `strata sim serve --churn N`): the changes arrive on a
//! watch as MODIFIED events at the configured rate, and look like a kubelet's.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use strata_sim::{SimConfig, SimError};

use common::{bench, client, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_arrive_on_a_watch_at_the_configured_rate() {
    const RATE: u32 = 40;
    const PODS: usize = 1_500;
    let sim = start(SimConfig {
        churn: RATE,
        ..bench(PODS)
    })
    .await;
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::all(client);
    let rv = pods
        .list(&ListParams::default().limit(1))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut stream = pods
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap()
        .boxed();

    // Longer than the churn's 3 s healing delay, so heals show up too.
    let window = Duration::from_secs(4);
    let started = Instant::now();
    let (mut modified, mut other) = (0u32, 0u32);
    let mut touched = BTreeSet::new();
    let mut disrupted_at: HashMap<String, Instant> = HashMap::new();
    let mut healed = 0;
    let (mut unready, mut restarted, mut crash_looping) = (0, 0, 0);
    while started.elapsed() < window {
        let left = window.saturating_sub(started.elapsed());
        let Ok(next) = tokio::time::timeout(left, stream.try_next()).await else {
            break;
        };
        match next
            .expect("a well-formed event")
            .expect("the watch stays open")
        {
            WatchEvent::Modified(pod) => {
                modified += 1;
                let name = pod.metadata.name.clone().unwrap_or_default();
                assert!(
                    name.starts_with("bench-pod-"),
                    "only bench pods churn: {name}"
                );
                let script = pod
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("sim.strata.dev/script"));
                assert_eq!(script.map(String::as_str), Some("external"), "{name}");
                let status = pod.status.unwrap_or_default();
                let c = &status.container_statuses.unwrap_or_default()[0];
                if !c.ready {
                    unready += 1;
                    disrupted_at
                        .entry(name.clone())
                        .or_insert_with(Instant::now);
                } else if let Some(at) = disrupted_at.remove(&name) {
                    // Healed by the churn, not undone at once by the simulated kubelet.
                    assert!(
                        at.elapsed() >= Duration::from_millis(2_500),
                        "{name} was ready again after {:?}",
                        at.elapsed()
                    );
                    healed += 1;
                }
                if c.restart_count > 0 {
                    restarted += 1;
                    let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
                    assert!(last.is_some_and(|t| t.finished_at.is_some()), "{c:?}");
                }
                if c.state
                    .as_ref()
                    .and_then(|s| s.waiting.as_ref())
                    .is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"))
                {
                    crash_looping += 1;
                }
                touched.insert(name);
            }
            WatchEvent::Bookmark(_) => {}
            _ => other += 1,
        }
    }
    let expected = RATE * window.as_secs() as u32;
    assert!(
        (expected * 7 / 10..=expected * 13 / 10).contains(&modified),
        "{modified} changes in {window:?} at {RATE}/s (expected about {expected})"
    );
    assert_eq!(other, 0, "churn only modifies pods");
    assert!(
        touched.len() > 10,
        "changes spread over the pods: {}",
        touched.len()
    );
    assert!(
        unready > 0 && restarted > 0 && crash_looping > 0 && healed > 0,
        "a kubelet's mix: {unready} unready, {restarted} restarted, {crash_looping} crash-looping, {healed} healed"
    );
}

#[tokio::test]
async fn churn_without_bench_pods_is_refused() {
    let err = strata_sim::start(SimConfig {
        churn: 10,
        ..bench(0)
    })
    .await
    .err()
    .expect("no pods to churn");
    assert!(matches!(err, SimError::NothingToChurn { per_second: 10 }));
    assert!(err.to_string().contains("--pods"), "{err}");
}
