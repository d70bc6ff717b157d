//! Pod churn for benchmarks (`--churn N`): N times a second, spread evenly, one of the bench
//! pods changes the way a kubelet reports it — readiness flips, a container restarts
//! (restartCount and `lastState.terminated`), or it crash-loops briefly and comes back. Each
//! change is a real store update, so watchers get MODIFIED events; no Events objects are made.
//! Bench pods carry the `external` pod script (see [`crate::script`]) from birth, so the
//! simulated kubelet leaves them to the churn and a first change is a status change only; a
//! pod that lost it (edited by a client) gets it back with its first change.
//! Disruptions heal after [`RECOVER_AFTER`], and a healing counts as that tick's change, so the
//! rate is exactly N whatever the mix.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::http::SimState;
use super::ids::{hex_id, mix};
use super::resources::ResKey;
use super::scenario::bench_pod_key;
use super::script::SCRIPT_ANNOTATION;
use super::store::kube_time;

/// How long an unready or crash-looping pod stays so before the churn heals it.
pub const RECOVER_AFTER: Duration = Duration::from_secs(3);

/// Starts the churn on the current runtime: `per_second` changes a second among the first
/// `pods` bench pods, until `shutdown`. Nothing starts when either is 0.
pub fn spawn(
    state: Arc<SimState>,
    pods: usize,
    per_second: u32,
    mut shutdown: watch::Receiver<bool>,
) {
    if pods == 0 || per_second == 0 {
        return;
    }
    // The timer resolves 1 ms; faster rates fire several changes per wake-up (catching up
    // missed ticks keeps the average exact). The floor keeps the period non-zero.
    let period = Duration::from_secs_f64(1.0 / f64::from(per_second)).max(Duration::from_micros(1));
    tokio::spawn(async move {
        let mut churn = Churn::new(state, pods);
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        loop {
            tokio::select! {
                _ = tick.tick() => churn.step(Instant::now(), Utc::now()),
                _ = shutdown.changed() => return,
            }
        }
    });
}

/// What one tick did to a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// The readiness probe failed: Ready false (healed later).
    Unready,
    /// The container exited and was restarted at once.
    Restart,
    /// The container exited and is in CrashLoopBackOff (healed later).
    Crash,
    /// Back to running and ready.
    Heal,
}

struct Churn {
    state: Arc<SimState>,
    pods: usize,
    seq: u64,
    /// Disrupted pods and when to heal them, oldest first.
    healing: VecDeque<(Instant, usize)>,
    disrupted: HashSet<usize>,
}

impl Churn {
    fn new(state: Arc<SimState>, pods: usize) -> Self {
        Churn {
            state,
            pods,
            seq: 0,
            healing: VecDeque::new(),
            disrupted: HashSet::new(),
        }
    }

    /// Makes one change: a due healing first, else a new disruption of a random pod.
    fn step(&mut self, now: Instant, wall: DateTime<Utc>) {
        self.seq += 1;
        let roll = mix(self.seq);
        let due = self.healing.front().is_some_and(|(at, _)| *at <= now);
        // A few tries at a pod that is not disrupted; when most are (a handful of bench
        // pods at a high rate), the oldest disruption heals early instead.
        let pick = (0..8)
            .map(|k| (mix(roll ^ k) % self.pods as u64) as usize)
            .find(|i| !self.disrupted.contains(i));
        let pick = match pick {
            Some(i) if !due => i,
            _ => {
                if let Some((_, i)) = self.healing.pop_front() {
                    self.disrupted.remove(&i);
                    self.apply(i, Change::Heal, wall);
                }
                return;
            }
        };
        let change = match (roll >> 32) % 10 {
            0..=4 => Change::Unready,
            5..=7 => Change::Restart,
            _ => Change::Crash,
        };
        if self.apply(pick, change, wall) && change != Change::Restart {
            self.disrupted.insert(pick);
            self.healing.push_back((now + RECOVER_AFTER, pick));
        }
    }

    /// Writes `change` to bench pod `i`; false when the pod is gone (deleted by a client).
    fn apply(&self, i: usize, change: Change, now: DateTime<Utc>) -> bool {
        let pods = ResKey::new("", "pods");
        let (ns, name) = bench_pod_key(i);
        let Some(current) = self.state.store.get(&pods, &ns, &name) else {
            return false;
        };
        let mut pod = (*current).clone();
        // From its first change on, the pod is the churn's: the simulated kubelet would
        // otherwise undo an unready flip or restart a crash loop on its own schedule.
        let script = &mut pod["metadata"]["annotations"][SCRIPT_ANNOTATION];
        if script.as_str() != Some("external") {
            *script = json!("external");
        }
        match change {
            Change::Unready => set_ready(&mut pod, false, now),
            Change::Restart => restart(&mut pod, now, false),
            Change::Crash => restart(&mut pod, now, true),
            Change::Heal => heal(&mut pod, now),
        }
        self.state.store.update(&pods, pod, None).is_ok()
    }
}

fn containers(pod: &mut Value) -> impl Iterator<Item = &mut Value> {
    pod["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
}

/// Sets the containers' readiness and the pod's Ready and ContainersReady conditions, as the
/// kubelet's status manager writes them.
fn set_ready(pod: &mut Value, ready: bool, now: DateTime<Utc>) {
    let at = kube_time(now);
    let mut names = Vec::new();
    for c in containers(pod) {
        c["ready"] = json!(ready);
        names.push(c["name"].as_str().unwrap_or_default().to_string());
    }
    for cond in pod["status"]["conditions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if !matches!(cond["type"].as_str(), Some("Ready" | "ContainersReady")) {
            continue;
        }
        let Some(c) = cond.as_object_mut() else {
            continue;
        };
        c.insert("status".into(), json!(if ready { "True" } else { "False" }));
        c.insert("lastTransitionTime".into(), json!(at));
        if ready {
            c.remove("reason");
            c.remove("message");
        } else {
            c.insert("reason".into(), json!("ContainersNotReady"));
            c.insert(
                "message".into(),
                json!(format!(
                    "containers with unready status: [{}]",
                    names.join(" ")
                )),
            );
        }
    }
}

/// The first container exits: restartCount goes up and `lastState.terminated` records the
/// run that ended. A restart runs again at once; a crash waits in CrashLoopBackOff.
fn restart(pod: &mut Value, now: DateTime<Utc>, crash: bool) {
    let at = kube_time(now);
    let pod_name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let uid = pod["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(c) = containers(pod).next() else {
        return;
    };
    let restarts = c["restartCount"].as_u64().unwrap_or(0) + 1;
    let name = c["name"].as_str().unwrap_or_default().to_string();
    let (code, reason) = if crash {
        (1, "Error")
    } else if restarts % 3 == 0 {
        (137, "OOMKilled")
    } else {
        (143, "Error")
    };
    let started = c["state"]["running"]["startedAt"].clone();
    c["lastState"] = json!({"terminated": {
        "exitCode": code, "reason": reason, "startedAt": started, "finishedAt": at,
        "containerID": c["containerID"],
    }});
    c["restartCount"] = json!(restarts);
    c["containerID"] = json!(format!(
        "containerd://{}",
        hex_id(mix(restarts ^ super::ids::fnv1a(pod_name.bytes())), 64)
    ));
    if crash {
        c["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
            "message": format!("back-off 10s restarting failed container={name} pod={pod_name}_{ns}({uid})")}});
        c["started"] = json!(false);
        set_ready(pod, false, now);
    } else {
        c["state"] = json!({"running": {"startedAt": at}});
        c["started"] = json!(true);
    }
}

/// Back to running and ready (a crash-looping container starts again).
fn heal(pod: &mut Value, now: DateTime<Utc>) {
    let at = kube_time(now);
    for c in containers(pod) {
        if c["state"].get("running").is_none() {
            c["state"] = json!({"running": {"startedAt": at}});
            c["started"] = json!(true);
        }
    }
    set_ready(pod, true, now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ScenarioName, ScenarioOptions, build};

    fn bench_pod() -> Value {
        let scenario = build(ScenarioName::Empty, &ScenarioOptions { extra_pods: 1 });
        scenario
            .objects
            .into_iter()
            .find(|o| o["kind"] == "Pod" && o["metadata"]["name"] == "bench-pod-000000")
            .unwrap()
    }

    fn cond(pod: &Value, kind: &str) -> Value {
        pod["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == kind)
            .unwrap()
            .clone()
    }

    #[test]
    fn unready_then_heal_flips_readiness_and_conditions() {
        let mut pod = bench_pod();
        let t = Utc::now();
        set_ready(&mut pod, false, t);
        assert_eq!(pod["status"]["containerStatuses"][0]["ready"], false);
        assert_eq!(cond(&pod, "Ready")["status"], "False");
        assert_eq!(
            cond(&pod, "ContainersReady")["reason"],
            "ContainersNotReady"
        );
        assert_eq!(cond(&pod, "Ready")["lastTransitionTime"], kube_time(t));
        assert_eq!(
            cond(&pod, "PodScheduled")["status"],
            "True",
            "others untouched"
        );
        heal(&mut pod, t);
        assert_eq!(pod["status"]["containerStatuses"][0]["ready"], true);
        assert_eq!(cond(&pod, "Ready")["status"], "True");
        assert!(cond(&pod, "Ready").get("reason").is_none());
    }

    #[test]
    fn restart_records_the_run_that_ended() {
        let mut pod = bench_pod();
        let before = pod["status"]["containerStatuses"][0].clone();
        let t = Utc::now();
        restart(&mut pod, t, false);
        let c = &pod["status"]["containerStatuses"][0];
        assert_eq!(c["restartCount"], 1);
        assert_eq!(c["lastState"]["terminated"]["finishedAt"], kube_time(t));
        assert_eq!(
            c["lastState"]["terminated"]["startedAt"],
            before["state"]["running"]["startedAt"]
        );
        assert_eq!(
            c["lastState"]["terminated"]["containerID"],
            before["containerID"]
        );
        assert_ne!(c["containerID"], before["containerID"]);
        assert_eq!(c["state"]["running"]["startedAt"], kube_time(t));
        assert_eq!(c["ready"], true);
    }

    #[test]
    fn crash_waits_in_crash_loop_back_off_until_healed() {
        let mut pod = bench_pod();
        let t = Utc::now();
        restart(&mut pod, t, true);
        restart(&mut pod, t, true);
        let c = &pod["status"]["containerStatuses"][0];
        assert_eq!(c["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(c["restartCount"], 2);
        assert_eq!(c["lastState"]["terminated"]["exitCode"], 1);
        assert_eq!(c["ready"], false);
        assert_eq!(cond(&pod, "Ready")["status"], "False");
        heal(&mut pod, t);
        let c = &pod["status"]["containerStatuses"][0];
        assert!(c["state"]["running"]["startedAt"].is_string());
        assert_eq!(c["restartCount"], 2, "healing is not another restart");
        assert_eq!(cond(&pod, "Ready")["status"], "True");
    }
}
