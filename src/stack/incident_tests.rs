//! The incident correlation on recorded timelines: the demo's story (a failed upgrade and a
//! ConfigMap edit), dependencies, and what must not be linked.

use super::*;

fn t(hm: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-12-05T{hm}:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn breakage(ns: &str, component: &str, layer: Layer, since: &str, objects: &[&str]) -> Breakage {
    Breakage {
        component: component.into(),
        namespace: ns.into(),
        layer,
        health: Health::Degraded,
        since: Some(t(since)),
        reasons: vec![format!("{component} is broken")],
        release: Some(component.into()),
        objects: objects.iter().map(|s| s.to_string()).collect(),
    }
}

fn change(at: &str, kind: ChangeKind, ns: &str, object: &str, release: Option<&str>) -> Change {
    Change {
        at: t(at),
        kind,
        namespace: ns.into(),
        object: object.into(),
        release: release.map(str::to_string),
        by: None,
        summary: format!("{} {object}", kind.as_str()),
    }
}

/// The demo's story: superset's upgrade at 13:24 broke it at 13:32; an edit of dagster's
/// user-code ConfigMap at 13:57, then a restart at 13:58, broke dagster at 13:58.
fn story() -> IncidentReport {
    let superset = breakage(
        "bi",
        "superset",
        Layer::Visualization,
        "13:32",
        &["Job/superset-init-db"],
    );
    let mut dagster = breakage(
        "orchestration",
        "dagster",
        Layer::Orchestration,
        "13:58",
        &["Deployment/user-code", "ConfigMap/user-code-env"],
    );
    dagster.health = Health::Down;
    let changes = vec![
        change(
            "13:24",
            ChangeKind::Release,
            "bi",
            "Release/superset",
            Some("superset"),
        ),
        change(
            "13:57",
            ChangeKind::Config,
            "orchestration",
            "ConfigMap/user-code-env",
            None,
        ),
        change(
            "13:58",
            ChangeKind::Rollout,
            "orchestration",
            "Deployment/user-code",
            Some("dagster"),
        ),
        change(
            "14:05",
            ChangeKind::Restarts,
            "orchestration",
            "Pod/user-code-x",
            Some("dagster"),
        ),
        // After superset broke: not its cause.
        change(
            "14:10",
            ChangeKind::Config,
            "bi",
            "ConfigMap/superset-config",
            Some("superset"),
        ),
        // Another namespace and layer: nothing to do with either.
        change(
            "13:50",
            ChangeKind::Scale,
            "ingestion",
            "Deployment/airbyte-worker",
            Some("airbyte"),
        ),
        // Before the window.
        change(
            "11:00",
            ChangeKind::Release,
            "bi",
            "Release/superset",
            Some("superset"),
        ),
    ];
    correlate(
        vec![superset, dagster],
        changes,
        vec![],
        vec![],
        t("12:15"),
        t("14:15"),
    )
}

fn linked(report: &IncidentReport, component: &str) -> Vec<(String, Cause)> {
    let i = report
        .incidents
        .iter()
        .find(|i| i.breakage.component == component)
        .unwrap();
    i.links
        .iter()
        .map(|l| (report.changes[l.change].object.clone(), l.cause.clone()))
        .collect()
}

#[test]
fn each_breakage_is_linked_to_the_change_that_preceded_it_in_its_own_component() {
    let report = story();
    assert_eq!(
        linked(&report, "superset"),
        vec![("Release/superset".to_string(), Cause::Own)],
        "the later ConfigMap edit, the other namespace and the change before the window are not linked"
    );
    assert_eq!(
        linked(&report, "dagster"),
        vec![
            ("ConfigMap/user-code-env".to_string(), Cause::Own),
            ("Deployment/user-code".to_string(), Cause::Own),
        ],
        "the config edit ranks above the restart that applied it; its own restarts are symptoms"
    );
}

#[test]
fn breakages_are_worst_first_and_changes_newest_first_within_the_window() {
    let report = story();
    let order: Vec<&str> = report
        .incidents
        .iter()
        .map(|i| i.breakage.component.as_str())
        .collect();
    assert_eq!(order, ["dagster", "superset"], "down before degraded");
    assert!(report.changes.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(
        report.changes.iter().all(|c| c.at >= t("12:15")),
        "11:00 is outside"
    );
    assert_eq!(report.changes.len(), 6);
}

#[test]
fn the_headline_says_how_long_after_which_change() {
    let report = story();
    let superset = report
        .incidents
        .iter()
        .find(|i| i.breakage.component == "superset")
        .unwrap();
    assert_eq!(
        report.headline(superset),
        "superset degraded since 13:32 — 8 min after release Release/superset"
    );
    let text = report.to_text();
    assert!(text.contains("← 13:57 config"), "{text}");
    let json = report.to_json();
    assert_eq!(json["incidents"][1]["changes"][0]["cause"], "own");
}

#[test]
fn a_warehouse_change_is_linked_to_its_consumers_as_a_dependency() {
    let bi = breakage("bi", "superset", Layer::Visualization, "14:00", &[]);
    let mut trino = breakage("warehouse", "trino", Layer::Warehouse, "13:40", &[]);
    trino.release = Some("trino".into());
    let changes = vec![change(
        "13:38",
        ChangeKind::Release,
        "warehouse",
        "Release/trino",
        Some("trino"),
    )];
    let report = correlate(
        vec![bi, trino],
        changes,
        vec![],
        vec![],
        t("12:00"),
        t("14:15"),
    );
    assert_eq!(
        linked(&report, "superset"),
        vec![(
            "Release/trino".to_string(),
            Cause::Dependency("trino".into())
        )]
    );
    assert_eq!(
        linked(&report, "trino"),
        vec![("Release/trino".to_string(), Cause::Own)]
    );
}

#[test]
fn release_revisions_read_as_upgrades_rollbacks_and_installs() {
    let rev = |n: u32, chart: &str, status: &str, description: &str, at: &str| ReleaseRevision {
        name: "superset".into(),
        namespace: "bi".into(),
        revision: n,
        status: status.into(),
        chart: chart.into(),
        description: description.into(),
        at: t(at),
    };
    let changes = release_changes(&[
        rev(
            2,
            "superset-0.14.2",
            "superseded",
            "Upgrade complete",
            "10:00",
        ),
        rev(
            3,
            "superset-0.15.2",
            "failed",
            "Upgrade \"superset\" failed",
            "13:24",
        ),
        rev(4, "superset-0.14.2", "deployed", "Rollback to 2", "14:00"),
    ]);
    let summaries: Vec<&str> = changes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "release superset rev 2: upgrade to superset-0.14.2 (superseded)",
            "release superset rev 3: upgrade superset-0.14.2 → superset-0.15.2 (failed)",
            "release superset rev 4: rollback to 2 (deployed)",
        ]
    );
}

#[test]
fn a_rollout_says_which_images_and_env_names_changed_never_values() {
    let rs = |rev: u32, at: &str, image: &str, password: &str, restarted: Option<&str>| {
        json!({"kind": "ReplicaSet", "metadata": {"name": format!("web-{rev}"), "namespace": "bi",
            "creationTimestamp": format!("2026-12-05T{at}:00Z"),
            "annotations": {"deployment.kubernetes.io/revision": rev.to_string()},
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
            "spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": restarted}},
                "spec": {"containers": [{"name": "web", "image": image,
                    "env": [{"name": "DB_PASSWORD", "value": password}, {"name": "MODE", "value": "x"}]}]}}}})
    };
    let sets = [
        rs(1, "09:00", "web:1", "hunter2", None),
        rs(2, "13:00", "web:2", "s3cr3t-planted", None),
        rs(
            3,
            "13:30",
            "web:2",
            "s3cr3t-planted",
            Some("2026-12-05T13:30:00Z"),
        ),
    ];
    let changes = rollout_changes(&sets, t("12:00"));
    let summaries: Vec<&str> = changes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "rollout web rev 2: image web:1 → web:2; env DB_PASSWORD",
            "rollout web rev 3: restart"
        ]
    );
    assert!(!format!("{changes:?}").contains("s3cr3t"));
}

#[test]
fn managed_fields_give_edits_scales_and_schedules_but_not_creation_or_controllers() {
    let cm = json!({"kind": "ConfigMap", "metadata": {"name": "env", "namespace": "orchestration",
        "creationTimestamp": "2026-11-01T00:00:00Z",
        "managedFields": [
            {"manager": "helm", "operation": "Update", "time": "2026-12-05T13:00:00Z", "fieldsV1": {"f:data": {"f:A": {}}}},
            {"manager": "kubectl-edit", "operation": "Update", "time": "2026-12-05T13:57:00Z",
             "fieldsV1": {"f:data": {"f:DAGSTER_MODULE": {}}}}]},
        "data": {"DAGSTER_MODULE": "not-shown"}});
    let fresh = json!({"kind": "Secret", "metadata": {"name": "new", "namespace": "bi",
        "creationTimestamp": "2026-12-05T13:10:00Z",
        "managedFields": [{"manager": "kubectl-create", "time": "2026-12-05T13:10:00Z", "fieldsV1": {"f:data": {"f:k": {}}}}]}});
    let deploy = json!({"kind": "Deployment", "metadata": {"name": "worker", "namespace": "ingestion",
        "creationTimestamp": "2026-11-01T00:00:00Z",
        "managedFields": [
            {"manager": "kube-controller-manager", "time": "2026-12-05T13:20:00Z", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "strata", "subresource": "scale", "time": "2026-12-05T13:21:00Z", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
        "spec": {"replicas": 0}});
    let cron = json!({"kind": "CronJob", "metadata": {"name": "marts", "namespace": "transformation",
        "creationTimestamp": "2026-11-01T00:00:00Z",
        "managedFields": [{"manager": "kubectl-patch", "time": "2026-12-05T13:40:00Z", "fieldsV1": {"f:spec": {"f:suspend": {}}}}]},
        "spec": {"schedule": "0 * * * *", "suspend": true}});
    let changes = managed_changes(&[cm, fresh, deploy, cron], t("12:00"));
    let summaries: Vec<&str> = changes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "ConfigMap env edited: DAGSTER_MODULE (by kubectl-edit)",
            "Deployment worker scaled (now 0) (by strata)",
            "CronJob marts suspended; schedule 0 * * * * (by kubectl-patch)",
        ]
    );
}

#[test]
fn pods_tell_when_they_broke_and_warnings_group_by_object_and_reason() {
    let pod = json!({"metadata": {"creationTimestamp": "2026-12-05T13:00:00Z"}, "status": {"phase": "Running",
        "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-12-05T13:58:00Z"}]}});
    assert_eq!(pod_unhealthy_since(&pod, t("14:00")), Some(t("13:58")));
    // Crashed 8 times in the 18 minutes since it started: broken since it started, whatever
    // the last flip of Ready says.
    let looping = json!({"status": {"phase": "Running", "startTime": "2026-12-05T13:40:00Z",
        "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-12-05T13:57:00Z"}],
        "containerStatuses": [{"restartCount": 8, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    assert_eq!(pod_unhealthy_since(&looping, t("13:58")), Some(t("13:40")));
    // Weeks old with a handful of crashes: the Ready transition.
    let old = json!({"status": {"phase": "Running", "startTime": "2026-11-05T13:40:00Z",
        "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-12-05T13:57:00Z"}],
        "containerStatuses": [{"restartCount": 8, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    assert_eq!(pod_unhealthy_since(&old, t("13:58")), Some(t("13:57")));
    let ok = json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
    assert_eq!(pod_unhealthy_since(&ok, t("14:00")), None);
    let event = |reason: &str, count: u64, last: &str| {
        json!({"type": "Warning", "reason": reason, "count": count, "message": format!("{reason} at {last}"),
            "firstTimestamp": "2026-12-05T13:00:00Z", "lastTimestamp": format!("2026-12-05T{last}:00Z"),
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"}})
    };
    let groups = warning_groups(
        &[
            event("BackOff", 5, "14:00"),
            event("BackOff", 7, "14:10"),
            event("Failed", 1, "14:01"),
            event("Old", 9, "11:00"),
            json!({"type": "Normal", "reason": "Pulled"}),
        ],
        t("12:00"),
    );
    let got: Vec<(&str, u64, &str)> = groups
        .iter()
        .map(|g| (g.reason.as_str(), g.count, g.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("BackOff", 12, "BackOff at 14:10"),
            ("Failed", 1, "Failed at 14:01")
        ]
    );
}

#[test]
fn the_config_a_template_uses_is_found_in_volumes_env_from_and_key_refs() {
    let spec = json!({"volumes": [{"configMap": {"name": "a"}}, {"secret": {"secretName": "b"}},
            {"projected": {"sources": [{"configMap": {"name": "c"}}]}}],
        "containers": [{"envFrom": [{"configMapRef": {"name": "d"}}],
            "env": [{"valueFrom": {"secretKeyRef": {"name": "e", "key": "k"}}}]}]});
    let got: Vec<String> = referenced_config(&spec).into_iter().collect();
    assert_eq!(
        got,
        [
            "ConfigMap/a",
            "ConfigMap/c",
            "ConfigMap/d",
            "Secret/b",
            "Secret/e"
        ]
    );
}
