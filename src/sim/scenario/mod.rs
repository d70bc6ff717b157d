//! Scenarios embedded in the binary: `demo` (a whole data stack across the layers, with Helm
//! release Secrets and runs that happen over time) and `empty`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Which scenario the simulator loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioName {
    Demo,
    Empty,
}

/// Knobs for scenario building.
#[derive(Clone, Debug, Default)]
pub struct ScenarioOptions {
    /// Extra bare pods for size benchmarks (`--pods N`), spread over `bench-*` namespaces.
    pub extra_pods: usize,
}

/// Objects to create at start-up, and generators of runs that happen later.
pub struct Scenario {
    /// In creation order (namespaces and CRDs first).
    pub objects: Vec<Value>,
    pub runs: Vec<RunGenerator>,
}

/// Makes the objects of one run (pods, Jobs…) each `period`, first after `first_after`.
pub struct RunGenerator {
    pub name: &'static str,
    pub first_after: Duration,
    pub period: Duration,
    /// Called with the run's sequence number (0, 1, …) and the time it starts.
    pub make: fn(seq: u64, now: DateTime<Utc>) -> Vec<Value>,
}

/// Builds the named scenario.
pub fn build(name: ScenarioName, opts: &ScenarioOptions) -> Scenario {
    let _ = (name, opts);
    Scenario {
        objects: vec![
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}),
        ],
        runs: Vec::new(),
    }
}
