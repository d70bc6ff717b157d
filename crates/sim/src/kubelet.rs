//! The simulated kubelet: a pure state machine that moves a pod through scheduling, image
//! pull, start, readiness, exit, restarts with back-off (CrashLoopBackOff) and image pull
//! failures, driven by the pod's [`PodScript`]. It reads the stage from the pod's own status,
//! so it survives controller restarts.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{Value, json};

use super::ids::{fnv1a, fnv1a_from};
use super::script::PodScript;
use super::store::{kube_time as ts, parse_kube_time as parse_ts};

/// What the kubelet wants to change now, and when to look at the pod again.
#[derive(Debug, Default)]
pub struct Advance {
    /// The new pod (spec.nodeName and status), when something changed.
    pub pod: Option<Value>,
    pub next: Option<DateTime<Utc>>,
    /// Events to record: (type, reason, message).
    pub events: Vec<(&'static str, &'static str, String)>,
}

fn dur(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::zero())
}

/// Back-off before restart number `n` (1-based): 10 s doubling, capped at 5 minutes.
pub fn backoff(n: u64) -> ChronoDuration {
    let secs = 10u64.saturating_mul(1u64 << n.saturating_sub(1).min(5));
    ChronoDuration::seconds(secs.min(300) as i64)
}

fn containers(pod: &Value, list: &str) -> Vec<(String, String)> {
    pod["spec"][list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["image"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn image_id(image: &str) -> String {
    let h = fnv1a(image.bytes());
    let repo = image.split(':').next().unwrap_or(image);
    // Images without a registry come from Docker Hub; others keep theirs.
    let first = repo.split('/').next().unwrap_or_default();
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let repo = if has_registry {
        repo.to_string()
    } else {
        format!("docker.io/{repo}")
    };
    format!(
        "{repo}@sha256:{h:016x}{:016x}{h:016x}{:016x}",
        h.rotate_left(17),
        h.rotate_left(41)
    )
}

/// A 64-hex container id, unique per container start.
fn container_id(name: &str, restarts: u64, at: DateTime<Utc>) -> String {
    let seed = format!(
        "{name}/{restarts}/{}",
        at.timestamp_nanos_opt().unwrap_or_default()
    );
    let mut h = fnv1a([]);
    let mut out = String::new();
    for round in 0..4u8 {
        h = fnv1a_from(h, seed.bytes().chain([round]));
        out.push_str(&format!("{h:016x}"));
    }
    out
}

fn condition(kind: &str, status: bool, at: DateTime<Utc>, reason: Option<&str>) -> Value {
    let mut c = json!({"type": kind, "status": if status { "True" } else { "False" },
        "lastProbeTime": null, "lastTransitionTime": ts(at)});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    c
}

fn set_conditions(
    status: &mut Value,
    at: DateTime<Utc>,
    initialized: bool,
    ready: bool,
    done_reason: Option<&str>,
) {
    let old = status["conditions"].as_array().cloned().unwrap_or_default();
    let keep_time = |kind: &str, st: bool| -> DateTime<Utc> {
        old.iter()
            .find(|c| c["type"] == kind && (c["status"] == "True") == st)
            .and_then(|c| parse_ts(&c["lastTransitionTime"]))
            .unwrap_or(at)
    };
    let not_ready_reason = done_reason.or(if ready {
        None
    } else {
        Some("ContainersNotReady")
    });
    status["conditions"] = json!([
        condition(
            "PodReadyToStartContainers",
            initialized,
            keep_time("PodReadyToStartContainers", initialized),
            None
        ),
        condition(
            "Initialized",
            initialized,
            keep_time("Initialized", initialized),
            if initialized {
                None
            } else {
                Some("ContainersNotInitialized")
            }
        ),
        condition("Ready", ready, keep_time("Ready", ready), not_ready_reason),
        condition(
            "ContainersReady",
            ready,
            keep_time("ContainersReady", ready),
            not_ready_reason
        ),
        condition("PodScheduled", true, keep_time("PodScheduled", true), None),
    ]);
}

/// Advances `pod` to what it looks like at `now`. `node` and `pod_ip` are used if the pod
/// still needs scheduling.
pub fn advance(pod: &Value, now: DateTime<Utc>, node: &str, pod_ip: &str) -> Advance {
    let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
    if matches!(phase, "Succeeded" | "Failed") || !pod["metadata"]["deletionTimestamp"].is_null() {
        return Advance::default();
    }
    let script = PodScript::of_pod(pod);
    if script.external {
        // Its status is written by someone else (benchmark churn); do not undo it.
        return Advance::default();
    }
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let main = containers(pod, "containers");
    let init = containers(pod, "initContainers");
    let restart_policy = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always");

    let Some(start_time) = parse_ts(&pod["status"]["startTime"]) else {
        // A backdated pod (the demo's warm start) started when it was created.
        let now = parse_ts(&pod["metadata"]["creationTimestamp"]).map_or(now, |c| c.min(now));
        // Stage 0: schedule onto a node, containers waiting to be created.
        let mut p = pod.clone();
        let node = pod["spec"]["nodeName"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or(node)
            .to_string();
        p["spec"]["nodeName"] = json!(node);
        let status = &mut p["status"];
        status["phase"] = json!("Pending");
        status["hostIP"] = json!(node_ip(&node));
        status["hostIPs"] = json!([{"ip": node_ip(&node)}]);
        status["podIP"] = json!(pod_ip);
        status["podIPs"] = json!([{"ip": pod_ip}]);
        status["startTime"] = json!(ts(now));
        let waiting_reason = if init.is_empty() {
            "ContainerCreating"
        } else {
            "PodInitializing"
        };
        status["containerStatuses"] = json!(main.iter().map(|(n, i)| json!({
            "name": n, "image": i, "imageID": "", "ready": false, "restartCount": 0, "started": false,
            "state": {"waiting": {"reason": waiting_reason}}, "lastState": {}})).collect::<Vec<_>>());
        if !init.is_empty() {
            status["initContainerStatuses"] = json!(init.iter().map(|(n, i)| json!({
                "name": n, "image": i, "imageID": "", "ready": false, "restartCount": 0, "started": false,
                "state": {"waiting": {"reason": "PodInitializing"}}, "lastState": {}})).collect::<Vec<_>>());
        }
        set_conditions(status, now, init.is_empty(), false, None);
        let first_image = main.first().map(|(_, i)| i.clone()).unwrap_or_default();
        return Advance {
            pod: Some(p),
            next: Some(now + dur(script.start_after)),
            events: vec![
                (
                    "Normal",
                    "Scheduled",
                    format!("Successfully assigned {ns}/{name} to {node}"),
                ),
                (
                    "Normal",
                    "Pulling",
                    format!("Pulling image \"{first_image}\""),
                ),
            ],
        };
    };

    let first = &pod["status"]["containerStatuses"][0];
    let start_at = start_time + dur(script.start_after);
    let waiting = first["state"]["waiting"]["reason"].as_str();
    let running_since = parse_ts(&first["state"]["running"]["startedAt"]);

    // Image pull failures: ErrImagePull, then ImagePullBackOff for good.
    if script.pull_error {
        let image = main.first().map(|(_, i)| i.clone()).unwrap_or_default();
        let (reason, msg, next) = match waiting {
            Some("ContainerCreating") | Some("PodInitializing") if now >= start_at => (
                "ErrImagePull",
                format!(
                    "failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found"
                ),
                Some(now + ChronoDuration::seconds(10)),
            ),
            Some("ErrImagePull") => (
                "ImagePullBackOff",
                format!("Back-off pulling image \"{image}\""),
                None,
            ),
            Some("ImagePullBackOff") => return Advance::default(),
            _ => {
                return Advance {
                    pod: None,
                    next: Some(start_at),
                    events: vec![],
                };
            }
        };
        let mut p = pod.clone();
        for c in p["status"]["containerStatuses"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            c["state"] = json!({"waiting": {"reason": reason, "message": msg}});
        }
        finish_init(&mut p, start_time, &init);
        set_conditions(&mut p["status"], now, true, false, None);
        let event = if reason == "ErrImagePull" {
            (
                "Warning",
                "Failed",
                format!("Failed to pull image \"{image}\": {msg}"),
            )
        } else {
            ("Normal", "BackOff", msg.clone())
        };
        return Advance {
            pod: Some(p),
            next,
            events: vec![event],
        };
    }

    match (waiting, running_since) {
        // Stage 1: start the containers once the start delay has passed.
        (Some("ContainerCreating") | Some("PodInitializing"), _) => {
            if now < start_at {
                return Advance {
                    pod: None,
                    next: Some(start_at),
                    events: vec![],
                };
            }
            let mut p = pod.clone();
            finish_init(&mut p, start_time, &init);
            // Started when the start delay ended (in the past for backdated pods).
            let now_started = start_at.min(now);
            start_containers(&mut p, now_started, &main, &script, restart_count(first));
            let image = main.first().map(|(_, i)| i.clone()).unwrap_or_default();
            let mut events = vec![(
                "Normal",
                "Pulled",
                format!(
                    "Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 104857600 bytes."
                ),
            )];
            for (c, _) in &main {
                events.push(("Normal", "Created", format!("Created container: {c}")));
                events.push(("Normal", "Started", format!("Started container {c}")));
            }
            let next = next_check(now_started, now, &script).or(Some(now));
            Advance {
                pod: Some(p),
                next,
                events,
            }
        }
        // Stage 2: running; become ready, or exit when the script says so.
        (_, Some(since)) => {
            let ready_at = since + dur(script.ready_after);
            if let Some((after, code)) = script.ending() {
                let exit_at = since + dur(after);
                if now >= exit_at {
                    return exit(
                        pod,
                        exit_at,
                        now,
                        code,
                        restart_policy,
                        &main,
                        script.crashloop,
                    );
                }
            }
            let want_ready = !script.never_ready && now >= ready_at;
            if want_ready && first["ready"] != true {
                let mut p = pod.clone();
                for c in p["status"]["containerStatuses"]
                    .as_array_mut()
                    .into_iter()
                    .flatten()
                {
                    c["ready"] = json!(true);
                }
                set_conditions(&mut p["status"], now, true, true, None);
                return Advance {
                    pod: Some(p),
                    next: next_check(since, now, &script),
                    events: vec![],
                };
            }
            Advance {
                pod: None,
                next: next_check(since, now, &script),
                events: vec![],
            }
        }
        // Stage 3: crash-loop back-off; restart when it has passed.
        (Some("CrashLoopBackOff"), None) => {
            let restarts = restart_count(first);
            let finished = parse_ts(&first["lastState"]["terminated"]["finishedAt"]).unwrap_or(now);
            let restart_at = finished + backoff(restarts);
            if now < restart_at {
                return Advance {
                    pod: None,
                    next: Some(restart_at),
                    events: vec![],
                };
            }
            let mut p = pod.clone();
            start_containers(&mut p, now, &main, &script, restarts);
            let events = main
                .iter()
                .map(|(c, _)| ("Normal", "Started", format!("Started container {c}")))
                .collect();
            Advance {
                pod: Some(p),
                next: next_check(now, now, &script),
                events,
            }
        }
        _ => Advance::default(),
    }
}

fn restart_count(status: &Value) -> u64 {
    status["restartCount"].as_u64().unwrap_or(0)
}

fn node_ip(node: &str) -> String {
    let n: u32 = node.bytes().map(u32::from).sum::<u32>() % 200 + 10;
    format!("172.18.0.{n}")
}

/// When to look again after a container started at `since`: readiness or exit time.
fn next_check(
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    script: &PodScript,
) -> Option<DateTime<Utc>> {
    let mut candidates = Vec::new();
    let ready_at = since + dur(script.ready_after);
    if ready_at > now && !script.never_ready {
        candidates.push(ready_at);
    }
    if let Some((after, _)) = script.ending() {
        candidates.push((since + dur(after)).max(now));
    }
    candidates.into_iter().min()
}

fn finish_init(p: &mut Value, start: DateTime<Utc>, init: &[(String, String)]) {
    if init.is_empty() {
        return;
    }
    p["status"]["initContainerStatuses"] = json!(init.iter().map(|(n, i)| json!({
        "name": n, "image": i, "imageID": image_id(i), "ready": true, "restartCount": 0, "started": false,
        "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(start), "finishedAt": ts(start)}},
        "lastState": {}})).collect::<Vec<_>>());
}

fn start_containers(
    p: &mut Value,
    now: DateTime<Utc>,
    main: &[(String, String)],
    script: &PodScript,
    restarts: u64,
) {
    let ready = script.ready_after.is_zero() && !script.never_ready;
    let old: Vec<Value> = p["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    p["status"]["containerStatuses"] = json!(main.iter().map(|(n, i)| {
        let last = old.iter().find(|c| c["name"] == n.as_str()).map(|c| c["lastState"].clone()).unwrap_or(json!({}));
        json!({"name": n, "image": i, "imageID": image_id(i), "containerID": format!("containerd://{}", container_id(n, restarts, now)),
               "ready": ready, "restartCount": restarts, "started": true,
               "state": {"running": {"startedAt": ts(now)}}, "lastState": last})
    }).collect::<Vec<_>>());
    p["status"]["phase"] = json!("Running");
    set_conditions(&mut p["status"], now, true, ready, None);
}

#[allow(clippy::too_many_arguments)]
fn exit(
    pod: &Value,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    code: i32,
    restart_policy: &str,
    main: &[(String, String)],
    crash_every: Option<std::time::Duration>,
) -> Advance {
    let mut p = pod.clone();
    let reason = if code == 0 { "Completed" } else { "Error" };
    let restarts_allowed =
        restart_policy == "Always" || (restart_policy == "OnFailure" && code != 0);
    let first = &pod["status"]["containerStatuses"][0];
    let started = first["state"]["running"]["startedAt"].clone();
    let terminated = json!({"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": ts(at),
        "containerID": first["containerID"]});
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    if restarts_allowed {
        let mut restarts = restart_count(first) + 1;
        let mut terminated = terminated;
        // A crash loop that began long ago (a backdated demo pod) has crashed many times
        // since: fast-forward whole cycles so restarts and "ago" look like a real cluster.
        if let Some(every) = crash_every {
            let every = dur(every).max(ChronoDuration::seconds(1));
            let mut crash_at = at;
            for _ in 0..100_000 {
                let next_crash = crash_at + backoff(restarts) + every;
                if next_crash > now {
                    break;
                }
                restarts += 1;
                crash_at = next_crash;
            }
            if crash_at > at {
                terminated["startedAt"] = json!(ts(crash_at - every));
                terminated["finishedAt"] = json!(ts(crash_at));
            }
        }
        let at = parse_ts(&terminated["finishedAt"]).unwrap_or(at);
        for c in p["status"]["containerStatuses"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let cname = c["name"].as_str().unwrap_or_default().to_string();
            c["lastState"] = json!({"terminated": terminated});
            c["restartCount"] = json!(restarts);
            c["ready"] = json!(false);
            c["started"] = json!(false);
            c["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                "message": format!("back-off {}s restarting failed container={cname} pod={name}_{ns}({})",
                    backoff(restarts).num_seconds(), pod["metadata"]["uid"].as_str().unwrap_or_default())}});
        }
        // Ready turned False when it first crashed (in the past for a backdated crash loop).
        set_conditions(&mut p["status"], at, true, false, None);
        let events = main
            .iter()
            .map(|(c, _)| {
                (
                    "Warning",
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {c} in pod {name}_{ns}({})",
                        pod["metadata"]["uid"].as_str().unwrap_or_default()
                    ),
                )
            })
            .collect();
        return Advance {
            pod: Some(p),
            next: Some(at + backoff(restarts)),
            events,
        };
    }
    for c in p["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        c["state"] = json!({"terminated": terminated});
        c["ready"] = json!(false);
        c["started"] = json!(false);
    }
    let phase = if code == 0 { "Succeeded" } else { "Failed" };
    p["status"]["phase"] = json!(phase);
    set_conditions(
        &mut p["status"],
        now,
        true,
        false,
        Some(if code == 0 {
            "PodCompleted"
        } else {
            "PodFailed"
        }),
    );
    Advance {
        pod: Some(p),
        next: None,
        events: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(script: &str, policy: &str) -> Value {
        json!({"metadata": {"name": "p", "namespace": "ns", "uid": "u", "annotations": {"sim.strata.dev/script": script}},
               "spec": {"restartPolicy": policy, "containers": [{"name": "main", "image": "busybox:1.36"}],
                        "initContainers": [{"name": "init", "image": "busybox:1.36"}]},
               "status": {"phase": "Pending"}})
    }

    fn run(
        mut p: Value,
        mut now: DateTime<Utc>,
        steps: usize,
    ) -> (Value, Vec<&'static str>, DateTime<Utc>) {
        let mut reasons = Vec::new();
        for _ in 0..steps {
            let a = advance(&p, now, "node-1", "10.244.0.5");
            reasons.extend(a.events.iter().map(|e| e.1));
            if let Some(np) = a.pod {
                p = np;
            }
            match a.next {
                Some(n) => now = n.max(now),
                None => break,
            }
        }
        (p, reasons, now)
    }

    #[test]
    fn external_pods_are_left_alone() {
        // A churned bench pod made unready must stay unready until the churn says otherwise.
        let mut p = pod("external", "Always");
        p["status"] = json!({"phase": "Running", "startTime": ts(Utc::now()),
            "containerStatuses": [{"name": "main", "ready": false, "restartCount": 3,
                "state": {"running": {"startedAt": ts(Utc::now())}}}]});
        let a = advance(
            &p,
            Utc::now() + ChronoDuration::minutes(5),
            "node-1",
            "10.244.0.5",
        );
        assert!(a.pod.is_none() && a.next.is_none() && a.events.is_empty());
        // The same pod without the setting is made ready by its (default) readiness probe.
        p["metadata"]["annotations"]["sim.strata.dev/script"] = json!("");
        let a = advance(
            &p,
            Utc::now() + ChronoDuration::minutes(5),
            "node-1",
            "10.244.0.5",
        );
        assert_eq!(
            a.pod.unwrap()["status"]["containerStatuses"][0]["ready"],
            true
        );
    }

    #[test]
    fn job_pod_succeeds_after_its_exit_time() {
        let t0 = Utc::now();
        let (p, reasons, _) = run(pod("start=1s,exit=5s", "Never"), t0, 10);
        assert_eq!(p["status"]["phase"], "Succeeded");
        assert_eq!(
            p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );
        assert_eq!(
            p["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"],
            0
        );
        assert_eq!(p["spec"]["nodeName"], "node-1");
        assert!(reasons.contains(&"Scheduled") && reasons.contains(&"Started"));
    }

    #[test]
    fn failing_pod_with_never_fails() {
        let (p, _, _) = run(pod("exit=2s,code=2", "Never"), Utc::now(), 10);
        assert_eq!(p["status"]["phase"], "Failed");
        assert_eq!(
            p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            2
        );
    }

    #[test]
    fn crashloop_restarts_with_backoff() {
        let (p, reasons, _) = run(pod("crashloop=3s", "Always"), Utc::now(), 9);
        let c = &p["status"]["containerStatuses"][0];
        assert!(c["restartCount"].as_u64().unwrap() >= 2, "{c}");
        assert_eq!(c["lastState"]["terminated"]["exitCode"], 1);
        assert!(reasons.contains(&"BackOff"));
        assert_eq!(p["status"]["phase"], "Running");
        assert_eq!(backoff(1).num_seconds(), 10);
        assert_eq!(backoff(3).num_seconds(), 40);
        assert_eq!(backoff(30).num_seconds(), 300);
    }

    #[test]
    fn old_crash_loops_are_fast_forwarded() {
        let t0 = Utc::now() - ChronoDuration::days(2);
        let mut p = pod("crashloop=10s", "Always");
        p["metadata"]["creationTimestamp"] = json!(ts(t0));
        let (p, _, _) = run(p, Utc::now(), 4);
        let c = &p["status"]["containerStatuses"][0];
        let restarts = c["restartCount"].as_u64().unwrap();
        assert!(restarts > 500, "{restarts}");
        let finished = parse_ts(&c["lastState"]["terminated"]["finishedAt"]).unwrap();
        assert!(
            Utc::now() - finished < ChronoDuration::minutes(6),
            "{finished}"
        );
    }

    #[test]
    fn pull_error_ends_in_image_pull_backoff() {
        let (p, reasons, _) = run(pod("pull-error", "Always"), Utc::now(), 6);
        assert_eq!(
            p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ImagePullBackOff"
        );
        assert_eq!(p["status"]["phase"], "Pending");
        assert!(reasons.contains(&"Failed"));
    }

    #[test]
    fn long_running_pod_becomes_ready_and_stays() {
        let t0 = Utc::now();
        let (p, _, _) = run(pod("ready=2s", "Always"), t0, 5);
        assert_eq!(p["status"]["phase"], "Running");
        assert_eq!(p["status"]["containerStatuses"][0]["ready"], true);
        let ready = p["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .unwrap()
            .clone();
        assert_eq!(ready["status"], "True");
        let again = advance(&p, t0 + ChronoDuration::hours(1), "n", "ip");
        assert!(again.pod.is_none() && again.next.is_none());
    }
}
