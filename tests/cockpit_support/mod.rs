//! What the cockpit tests share: the embedded simulator without scheduled runs, the cockpit
//! (the harness) connected to it, and `:` commands typed as an operator types them.

// Each test file uses its own part of this.
#![allow(dead_code)]

use strata::app::Safety;
use strata::app::harness::Harness;
use strata::cluster::{ConnectTarget, KubeconfigSource, NamespaceScope};
use strata_sim::{self as sim, RunningSim, SimConfig};

/// The demo cluster with no scheduled runs: it changes only when the test changes it.
pub async fn quiet_sim() -> RunningSim {
    sim::start(SimConfig {
        runs: false,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts on 127.0.0.1:0")
}

/// How a client reaches the simulator.
pub fn target(sim: &RunningSim) -> ConnectTarget {
    ConnectTarget {
        source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
        context: Some("strata-sim".into()),
    }
}

/// The cockpit on the simulator in a `width`×`height` terminal, with `safety` when the test
/// changes anything.
pub async fn cockpit(sim: &RunningSim, width: u16, height: u16, safety: Option<Safety>) -> Harness {
    let mut ui = Harness::start(target(sim), NamespaceScope::All, width, height)
        .await
        .expect("the cockpit connects to the simulator");
    if let Some(safety) = safety {
        ui.set_safety(safety);
    }
    ui
}

/// Runs a `:` command, one step.
pub fn command(ui: &mut Harness, text: &str) {
    ui.press(":").unwrap();
    ui.type_text(text).unwrap();
    ui.press("enter").unwrap();
}

/// The screen line that names `what` (the test fails with the screen when there is none).
pub fn line_of<'a>(screen: &'a str, what: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line with {what:?}:\n{screen}"))
}

/// The cockpit with its guard: the audit log in `audit`, read-only or not.
pub async fn guarded(sim: &RunningSim, audit: &std::path::Path, readonly: bool) -> Harness {
    let safety = Safety {
        policies: strata::guard::Policies {
            cli_readonly: readonly,
            ..strata::guard::Policies::default()
        },
        audit_log: Some(audit.join("audit.jsonl")),
    };
    cockpit(sim, 160, 40, Some(safety)).await
}
