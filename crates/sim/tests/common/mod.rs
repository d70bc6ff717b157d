//! Shared set-up of the real-client tests: a simulator on 127.0.0.1:0 and a kube-rs client
//! reaching it through its kubeconfig, as the cockpit does.
#![allow(dead_code)] // each test crate uses its own part of this module

use std::time::Duration;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use strata_sim::{RunningSim, ScenarioName, ScenarioOptions, SimConfig};

/// The demo cluster without its runs (nothing changes unless a test changes it).
pub fn demo() -> SimConfig {
    SimConfig {
        runs: false,
        ..SimConfig::default()
    }
}

/// An empty cluster with `pods` bench pods.
pub fn bench(pods: usize) -> SimConfig {
    SimConfig {
        scenario: ScenarioName::Empty,
        options: ScenarioOptions { extra_pods: pods },
        runs: false,
        ..SimConfig::default()
    }
}

pub async fn start(config: SimConfig) -> RunningSim {
    strata_sim::start(config)
        .await
        .expect("the simulator starts on 127.0.0.1:0")
}

/// A client of `context` (`strata-sim` is the admin, `strata-sim-viewer` read-only).
pub async fn client_as(sim: &RunningSim, context: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml()).expect("kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("kubeconfig is usable");
    Client::try_from(config).expect("client builds")
}

pub async fn client(sim: &RunningSim) -> Client {
    client_as(sim, "strata-sim").await
}

/// A client of a plain URL (the control port).
pub fn client_of_url(url: &str) -> Client {
    let config = kube::Config::new(url.parse().expect("a URL"));
    Client::try_from(config).expect("client builds")
}

/// Waits (polling) until pod `name`'s phase is `phase`, or panics after 10 s saying what it
/// is instead.
pub async fn wait_phase(
    pods: &kube::Api<k8s_openapi::api::core::v1::Pod>,
    name: &str,
    phase: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let p = pods.get(name).await.unwrap();
        let now = p.status.and_then(|s| s.phase).unwrap_or_default();
        if now == phase {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pod {name} is {now:?}, not {phase}, after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (polling) until `check` holds, or panics saying what did not happen.
pub async fn eventually(what: &str, wait: Duration, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + wait;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {wait:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
