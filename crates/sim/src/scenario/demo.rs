//! The objects of the `demo` scenario: a data stack across the layers, one namespace per
//! layer as the charts were rendered (ingestion, transformation, orchestration, warehouse,
//! spark, bi, platform), installed with Helm weeks ago and showing the faults an on-call
//! engineer meets:
//!
//! - Dagster's user-code deployment crash-loops (an import error in user code): 19 minutes
//!   ago someone edited its ConfigMap (`kubectl edit`, a mistyped `DAGSTER_MODULE_NAME`) and
//!   a minute later restarted it (`kubectl rollout restart`), so the new pods load the module
//!   that is not there — the incident screen's "ConfigMap edit" story;
//! - Redis cannot pull its image (Bitnami removed `docker.io/bitnami` tags in 2025), so its
//!   pod sits in ImagePullBackOff;
//! - the Superset 5.0 upgrade failed in its post-upgrade `superset-init-db` hook Job
//!   (release failed, Job failed with BackoffLimitExceeded);
//! - a Trino upgrade is stuck in `pending-upgrade` and its workers never become Ready;
//! - the `dbt-marts` CronJob fails its runs (a failing test: dbt exits 1).
//!
//! And the security findings a stack installed with chart defaults has (`strata security`):
//! Trino's coordinator on a LoadBalancer, Airbyte's NodePort builder server and default
//! passwords, Superset running as root, Airflow's create-user Job with the default admin,
//! Airbyte's MinIO on the chart's secret key — beside dbt, hardened and isolated, clean.
//!
//! It also opens on an hour of finished runs of every tool, failures among successes (see
//! [`history`]), present with or without the run generators.
//!
//! Workloads (Deployments, StatefulSets, CronJobs) are given; their pods come from the
//! simulator's controllers, which copy the pod script annotation from the templates.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::charts::{self, CHARTS};
use super::cluster::{self, NODES};
use super::history;
use super::meta::{
    self, hex_id, is_cluster_scoped, kube_time, object_at, set_annotation, set_creation, set_label,
    set_script, stable_hash,
};
use super::releases;
use super::runs;
use super::status::{self, Placement};

/// Namespaces of the stack, one per layer (as the fixture charts were rendered).
pub const STACK_NAMESPACES: [&str; 7] = [
    "ingestion",
    "transformation",
    "orchestration",
    "warehouse",
    "spark",
    "bi",
    "platform",
];

/// Every object of the demo, in creation order.
pub fn objects(now: DateTime<Utc>) -> Vec<Value> {
    let cluster_born = now - Duration::days(131);
    let stack_born = now - Duration::days(120);
    let mut out = Vec::new();
    for ns in cluster::SYSTEM_NAMESPACES
        .iter()
        .chain(["kube-node-lease"].iter())
    {
        out.push(cluster::namespace(ns, cluster_born));
    }
    for ns in STACK_NAMESPACES {
        out.push(cluster::namespace(ns, stack_born));
    }
    for (i, n) in NODES.iter().enumerate() {
        // Node groups get replaced on upgrades: the nodes are younger than the cluster.
        out.push(cluster::node(
            n,
            now - Duration::days(19) + Duration::minutes(3 * i as i64),
            now,
        ));
    }
    out.extend(cluster::system_objects(cluster_born));
    for mut crd in charts::parse_yaml(charts::CRDS) {
        set_creation(&mut crd, stack_born);
        out.push(crd);
    }
    out.extend(chart_objects(now));
    config_edit_story(&mut out, now);
    out.extend(clickhouse_installation_objects(now));
    out.extend(platform_links(stack_born));
    out.push(airbyte_auth_secret(stack_born));
    out.push(airflow_credentials_secret(stack_born));
    out.extend(meltano(now - Duration::days(64)));
    out.extend(dbt(now - Duration::days(58)));
    out.extend(spark_schedule(now));
    let past = history::objects(now, &out);
    out.extend(past);
    out.extend(releases::release_secrets(now));
    out.extend(events(now));
    out
}

/// The Secret Airbyte's bootloader writes on install (not part of the chart's manifest): the
/// instance admin's API application, here the stand-in's demo credentials.
fn airbyte_auth_secret(created: DateTime<Utc>) -> Value {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": {"name": "airbyte-auth-secrets", "namespace": "ingestion",
        "creationTimestamp": kube_time(created)},
    // Made-up demo values, answered only by the built-in stand-in.
    "data": {
        "instance-admin-client-id": b64(crate::standins::airbyte::CLIENT_ID),
        "instance-admin-client-secret": b64(crate::standins::airbyte::CLIENT_SECRET),
    }})
}

/// The Secret an operator makes so Strata signs in to Airflow without asking: labelled
/// `strata.dev/credentials=airflow` in the Airflow's namespace, keys `username` and `password`
/// (here the stand-in's demo user).
fn airflow_credentials_secret(created: DateTime<Utc>) -> Value {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": {"name": "strata-airflow-api", "namespace": "orchestration",
        "labels": {"strata.dev/credentials": "airflow"},
        "creationTimestamp": kube_time(created)},
    // Made-up demo values, answered only by the built-in stand-in.
    "data": {
        "username": b64(crate::standins::airflow::USERNAME),
        "password": b64(crate::standins::airflow::PASSWORD),
    }})
}

/// Objects of every chart as Helm left them: the manifest with Helm's ownership metadata,
/// plus the hooks Helm does not delete. Hooks with `hook-succeeded` (Airflow's migration and
/// create-user Jobs, ClickHouse's CRD install, Airbyte's bucket creation) ran and were deleted
/// after succeeding, so they are in the release's hooks but not in the cluster.
fn chart_objects(now: DateTime<Utc>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in CHARTS {
        let (installed, last) = releases::deployed_at(c.release, now);
        for doc in charts::split(c.yaml) {
            if doc.is_hook() && !doc.hook_persists() && !kept_hook(&doc) {
                continue;
            }
            let hook = doc.is_hook();
            let mut obj = doc.object;
            let kind = meta::kind(&obj).to_string();
            let metadata = object_at(&mut obj, "metadata");
            if is_cluster_scoped(&kind) {
                metadata.remove("namespace");
            } else if !metadata.contains_key("namespace") {
                metadata.insert("namespace".into(), c.namespace.into());
            }
            if !hook {
                // What Helm adds to every object it creates (so it can adopt and upgrade).
                set_label(&mut obj, "app.kubernetes.io/managed-by", "Helm");
                set_annotation(&mut obj, "meta.helm.sh/release-name", c.release);
                set_annotation(&mut obj, "meta.helm.sh/release-namespace", c.namespace);
            }
            // `before-hook-creation` hooks are re-created by every upgrade.
            set_creation(&mut obj, if hook { last } else { installed });
            tune(c.release, &mut obj, now);
            out.push(obj);
        }
    }
    out
}

/// Dagster's user code as `kubectl edit configmap` then `kubectl rollout restart` leave it:
/// the ConfigMap's managedFields carry the edit (key names and time), the Deployment's the
/// restart, and the ReplicaSets both revisions — the new one born with the restart, so the
/// controllers start its pods then, and they crash-loop from then on.
fn config_edit_story(objects: &mut Vec<Value>, now: DateTime<Utc>) {
    const DEPLOYMENT: &str = "dagster-dagster-user-deployments-k8s-example-user-code-1";
    let edited = now - Duration::minutes(19);
    let restarted = now - Duration::minutes(18);
    let find = |objects: &[Value], kind: &str, name: &str| {
        objects
            .iter()
            .position(|o| meta::kind(o) == kind && meta::name(o) == name)
    };
    let Some(cm) = find(objects, "ConfigMap", &format!("{DEPLOYMENT}-user-env")) else {
        return;
    };
    let cm = &mut objects[cm];
    let installed = created_at(cm);
    cm["data"] = json!({"DAGSTER_MODULE_NAME": "analytics.definitons"});
    cm["metadata"]["managedFields"] = json!([
        {"manager": "helm", "operation": "Update", "apiVersion": "v1", "time": kube_time(installed),
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}},
        {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1", "time": kube_time(edited),
         "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}, "f:DAGSTER_MODULE_NAME": {}}}},
    ]);
    let Some(at) = find(objects, "Deployment", DEPLOYMENT) else {
        return;
    };
    let deployment = &mut objects[at];
    let uid = meta::uuid(stable_hash(&["demo", DEPLOYMENT]));
    deployment["metadata"]["uid"] = json!(uid);
    let old_template = deployment["spec"]["template"].clone();
    deployment["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
        json!(kube_time(restarted));
    deployment["metadata"]["managedFields"] = json!([
        {"manager": "helm", "operation": "Update", "apiVersion": "apps/v1", "time": kube_time(installed),
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {}}}},
        {"manager": "kubectl-rollout", "operation": "Update", "apiVersion": "apps/v1", "time": kube_time(restarted),
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:metadata": {"f:annotations":
            {"f:kubectl.kubernetes.io/restartedAt": {}}}}}}},
    ]);
    let selector = deployment["spec"]["selector"].clone();
    let labels = deployment["metadata"]["labels"].clone();
    let replica_set = |template: &Value, revision: u32, born: DateTime<Utc>| {
        let hash = crate::controllers::template_hash(template);
        let mut template = template.clone();
        template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let mut selector = selector.clone();
        selector["matchLabels"]["pod-template-hash"] = json!(hash);
        let mut rs_labels = template["metadata"]["labels"].clone();
        if let Some(release) = labels["release"].as_str() {
            rs_labels["release"] = json!(release);
        }
        json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {
                "name": format!("{DEPLOYMENT}-{hash}"), "namespace": "orchestration",
                "creationTimestamp": kube_time(born), "labels": rs_labels,
                "annotations": {"deployment.kubernetes.io/revision": revision.to_string(),
                    "deployment.kubernetes.io/desired-replicas": "1",
                    "deployment.kubernetes.io/max-replicas": "2"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": DEPLOYMENT,
                    "uid": uid, "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
        })
    };
    // The controllers make the current revision (born at the restart, see
    // `controllers::template_written`); the one before stays, scaled to zero.
    objects.push(replica_set(&old_template, 1, installed));
}

/// Pod scripts (start-up and readiness delays, faults) and settled statuses.
fn tune(release: &str, obj: &mut Value, now: DateTime<Utc>) {
    let kind = meta::kind(obj).to_string();
    let name = meta::name(obj).to_string();
    match (release, kind.as_str(), name.as_str()) {
        ("dagster", "Deployment", "dagster-dagster-user-deployments-k8s-example-user-code-1") => {
            set_script(obj, "start=3s,crashloop=10s");
        }
        ("redis", "StatefulSet", "redis-master") => set_script(obj, "pull-error"),
        ("trino", "Deployment", "trino-worker") => set_script(obj, "start=5s,unready"),
        ("trino", "Deployment", "trino-coordinator") => set_script(obj, "start=4s,ready=25s"),
        ("superset", "Job", "superset-init-db") => failed_hook_job(obj, now),
        ("airflow", "Job", "airflow-create-user") => completed_hook_job(obj),
        ("airbyte", "Pod", "airbyte-airbyte-bootloader") => completed_hook_pod(obj),
        ("clickhouse", "ClickHouseInstallation", "analytics") => {
            obj["status"] =
                clickhouse_installation_status(&meta::kube_time(now - Duration::days(10)));
        }
        _ if meta::pod_template_mut(obj).is_some() => {
            // Staggered start-up so the demo settles over its first half minute.
            let h = stable_hash(&[release, &name]);
            let jvm = ["airbyte", "trino", "metabase", "clickhouse"].contains(&release);
            let ready = if jvm { 8 + h % 15 } else { h % 8 };
            set_script(obj, &format!("start={}s,ready={ready}s", 1 + h % 4));
        }
        _ => {}
    }
}

/// `superset-init-db` after `superset db upgrade` failed seven times during the failed
/// upgrade (rev 3); `before-hook-creation` keeps the failed Job until the next attempt.
fn failed_hook_job(job: &mut Value, now: DateTime<Utc>) {
    let started = now - Duration::minutes(51);
    let failed = now - Duration::minutes(44);
    set_creation(job, started);
    // Should the Job controller run it anyway, it fails the same way.
    set_script(job, "start=5s,exit=25s,code=1");
    job["spec"]["backoffLimit"] = json!(6);
    job["status"] = finished_job_status(started, failed, Err(7));
}

/// The demo keeps Airflow's create-user hook Job (Complete) although its `hook-succeeded`
/// policy deletes it on a clean install: an install that timed out or was interrupted leaves
/// it behind, and its `airflow users create … -p admin` (the chart's default admin) is what
/// `strata security` must find while it is in the cluster.
fn kept_hook(doc: &charts::RenderedDoc) -> bool {
    doc.object["kind"] == "Job" && doc.object["metadata"]["name"] == "airflow-create-user"
}

/// A hook Job that ran once and succeeded, with the status the Job controller leaves.
fn completed_hook_job(job: &mut Value) {
    let created = created_at(job);
    // Should the Job controller run it anyway, it completes the same way.
    set_script(job, "start=2s,exit=15s");
    let (started, done) = (
        created + Duration::seconds(2),
        created + Duration::seconds(41),
    );
    job["status"] = finished_job_status(started, done, Ok(1));
}

/// The status the Job controller leaves on a finished Job: `Ok(succeeded pods)`, or
/// `Err(failed pods)` after the backoff limit.
fn finished_job_status(
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    outcome: Result<u32, u32>,
) -> Value {
    let (count_key, count, [first, last], reason, message) = match outcome {
        Ok(n) => (
            "succeeded",
            n,
            ["SuccessCriteriaMet", "Complete"],
            "CompletionsReached",
            "Reached expected number of succeeded pods",
        ),
        Err(n) => (
            "failed",
            n,
            ["FailureTarget", "Failed"],
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        ),
    };
    let condition = |kind: &str| {
        json!({"type": kind, "status": "True", "reason": reason, "message": message,
            "lastProbeTime": kube_time(finished), "lastTransitionTime": kube_time(finished)})
    };
    let mut status = json!({
        "startTime": kube_time(started),
        "terminating": 0,
        "ready": 0,
        "uncountedTerminatedPods": {},
        "conditions": [condition(first), condition(last)],
    });
    status[count_key] = json!(count);
    if outcome.is_ok() {
        status["completionTime"] = json!(kube_time(finished));
    }
    status
}

/// When an object of the scenario was made (set by [`set_creation`]).
fn created_at(object: &Value) -> DateTime<Utc> {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// Airbyte's bootloader hook pod ran its database migrations at the last upgrade and stays
/// `Completed` (no delete policy).
fn completed_hook_pod(pod: &mut Value) {
    let created = created_at(pod);
    // Should the pod controller run it anyway, it completes the same way.
    set_script(pod, "start=2s,exit=20s");
    let node = &NODES[0];
    pod["spec"]["nodeName"] = json!(node.name);
    pod["status"] = status::succeeded(
        pod,
        &Placement {
            host_ip: node.ip,
            pod_ip: "10.244.1.37",
        },
        created + Duration::seconds(6),
        created + Duration::seconds(94),
    );
}

fn clickhouse_installation_status(since: &str) -> Value {
    json!({
        "chop-version": "0.25.6",
        "chop-commit": "7c4a1e2",
        "chop-date": "2025-11-03T09:12:40",
        "chop-ip": "10.244.2.14",
        "clusters": 1,
        "shards": 1,
        "replicas": 1,
        "hosts": 1,
        "status": "Completed",
        "taskID": "auto-6c1f0a3e-2b7d-4e59-9c8a-f4d2e1b0a957",
        "taskIDsStarted": ["auto-6c1f0a3e-2b7d-4e59-9c8a-f4d2e1b0a957"],
        "taskIDsCompleted": ["auto-6c1f0a3e-2b7d-4e59-9c8a-f4d2e1b0a957"],
        "action": "",
        "actions": [
            format!("{since} reconcile started for CHI analytics"),
            format!("{since} reconcile completed successfully, task id: auto-6c1f0a3e-2b7d-4e59-9c8a-f4d2e1b0a957"),
        ],
        "error": "",
        "errors": [],
        "hostsUpdated": 0,
        "hostsAdded": 0,
        "hostsCompleted": 1,
        "hostsDeleted": 0,
        "hostsDelete": 0,
        "pods": ["chi-analytics-main-0-0-0"],
        "fqdns": ["chi-analytics-main-0-0.warehouse.svc.cluster.local"],
        "endpoint": "clickhouse-analytics.warehouse.svc.cluster.local",
        "generation": 1,
    })
}

/// What the Altinity operator creates for the ClickHouseInstallation `analytics` (one
/// shard, one replica): config maps, the installation and host Services, and the host's
/// StatefulSet, all with the operator's `clickhouse.altinity.com/*` labels.
fn clickhouse_installation_objects(now: DateTime<Utc>) -> Vec<Value> {
    let created = kube_time(now - Duration::days(45));
    let object_version = hex_id(stable_hash(&["chi", "analytics"]), 40);
    let chi_labels = json!({
        "clickhouse.altinity.com/app": "chop",
        "clickhouse.altinity.com/chi": "analytics",
        "clickhouse.altinity.com/namespace": "warehouse",
        "clickhouse.altinity.com/chop": "0.25.6",
    });
    let mut host_selector = chi_labels.clone();
    if let Some(m) = host_selector.as_object_mut() {
        m.remove("clickhouse.altinity.com/chop");
    }
    for (k, v) in [
        ("clickhouse.altinity.com/cluster", "main"),
        ("clickhouse.altinity.com/shard", "0"),
        ("clickhouse.altinity.com/replica", "0"),
    ] {
        host_selector[k] = json!(v);
    }
    let mut host_labels = host_selector.clone();
    host_labels["clickhouse.altinity.com/chop"] = json!("0.25.6");
    host_labels["clickhouse.altinity.com/object-version"] = json!(object_version);
    let mut pod_labels = host_labels.clone();
    pod_labels["clickhouse.altinity.com/ready"] = json!("yes");
    let mut common_labels = chi_labels.clone();
    common_labels["clickhouse.altinity.com/object-version"] = json!(object_version);
    let mut config_common = common_labels.clone();
    config_common["clickhouse.altinity.com/ConfigMap"] = json!("ChiCommon");
    let mut config_users = common_labels.clone();
    config_users["clickhouse.altinity.com/ConfigMap"] = json!("ChiCommonUsers");
    let mut config_host = host_labels.clone();
    config_host["clickhouse.altinity.com/ConfigMap"] = json!("Host");
    let mut service_labels = common_labels.clone();
    service_labels["clickhouse.altinity.com/Service"] = json!("chi");
    let mut host_service_labels = host_labels.clone();
    host_service_labels["clickhouse.altinity.com/Service"] = json!("host");
    let mut ready_selector = host_selector.clone();
    if let Some(m) = ready_selector.as_object_mut() {
        for k in [
            "clickhouse.altinity.com/cluster",
            "clickhouse.altinity.com/shard",
            "clickhouse.altinity.com/replica",
        ] {
            m.remove(k);
        }
    }
    ready_selector["clickhouse.altinity.com/ready"] = json!("yes");

    let mut objects = vec![
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "chi-analytics-common-configd", "namespace": "warehouse",
                "creationTimestamp": created, "labels": config_common},
            "data": {
                "01-clickhouse-01-listen.xml": "<clickhouse>\n    <listen_host>::</listen_host>\n    <listen_host>0.0.0.0</listen_host>\n    <listen_try>1</listen_try>\n</clickhouse>\n",
                "01-clickhouse-02-logger.xml": "<clickhouse>\n    <logger>\n        <console>1</console>\n        <level>information</level>\n    </logger>\n</clickhouse>\n",
                "chop-generated-remote_servers.xml": "<clickhouse>\n    <remote_servers>\n        <main>\n            <shard>\n                <internal_replication>false</internal_replication>\n                <replica>\n                    <host>chi-analytics-main-0-0</host>\n                    <port>9000</port>\n                </replica>\n            </shard>\n        </main>\n    </remote_servers>\n</clickhouse>\n",
            },
        }),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "chi-analytics-common-usersd", "namespace": "warehouse",
                "creationTimestamp": created, "labels": config_users},
            "data": {
                "chop-generated-users.xml": "<clickhouse>\n    <users>\n        <default>\n            <networks>\n                <host_regexp>(chi-analytics-[^.]+\\d+-\\d+|clickhouse\\-analytics)\\.warehouse\\.svc\\.cluster\\.local$</host_regexp>\n                <ip>::1</ip>\n                <ip>127.0.0.1</ip>\n            </networks>\n            <profile>default</profile>\n            <quota>default</quota>\n        </default>\n    </users>\n</clickhouse>\n",
            },
        }),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "chi-analytics-deploy-confd-main-0-0", "namespace": "warehouse",
                "creationTimestamp": created, "labels": config_host},
            "data": {
                "chop-generated-hostname-ports.xml": "<clickhouse>\n    <interserver_http_host>chi-analytics-main-0-0</interserver_http_host>\n    <http_port>8123</http_port>\n    <tcp_port>9000</tcp_port>\n    <interserver_http_port>9009</interserver_http_port>\n</clickhouse>\n",
                "chop-generated-macros.xml": "<clickhouse>\n    <macros>\n        <installation>analytics</installation>\n        <all-sharded-shard>0</all-sharded-shard>\n        <cluster>main</cluster>\n        <shard>0</shard>\n        <replica>chi-analytics-main-0-0</replica>\n    </macros>\n</clickhouse>\n",
            },
        }),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "clickhouse-analytics", "namespace": "warehouse",
                "creationTimestamp": created, "labels": service_labels},
            "spec": {"type": "ClusterIP",
                "ports": [{"name": "http", "port": 8123, "protocol": "TCP", "targetPort": "http"},
                    {"name": "tcp", "port": 9000, "protocol": "TCP", "targetPort": "tcp"}],
                "selector": ready_selector},
        }),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "chi-analytics-main-0-0", "namespace": "warehouse",
                "creationTimestamp": created, "labels": host_service_labels},
            "spec": {"type": "ClusterIP", "clusterIP": "None", "publishNotReadyAddresses": true,
                "ports": [{"name": "http", "port": 8123, "protocol": "TCP", "targetPort": 8123},
                    {"name": "tcp", "port": 9000, "protocol": "TCP", "targetPort": 9000},
                    {"name": "interserver", "port": 9009, "protocol": "TCP", "targetPort": 9009}],
                "selector": host_selector},
        }),
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "chi-analytics-main-0-0", "namespace": "warehouse",
                "creationTimestamp": created, "labels": host_labels,
                "annotations": {"clickhouse.altinity.com/object-version": object_version}},
            "spec": {
                "replicas": 1,
                "serviceName": "chi-analytics-main-0-0",
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate"},
                "selector": {"matchLabels": host_selector},
                "template": {
                    "metadata": {
                        "name": "chi-analytics-main-0-0",
                        "labels": pod_labels,
                    },
                    "spec": {
                        "containers": [{
                            "name": "clickhouse",
                            "image": "clickhouse/clickhouse-server:25.3",
                            "command": ["clickhouse-server", "--config-file=/etc/clickhouse-server/config.xml"],
                            "ports": [{"name": "http", "containerPort": 8123, "protocol": "TCP"},
                                {"name": "tcp", "containerPort": 9000, "protocol": "TCP"},
                                {"name": "interserver", "containerPort": 9009, "protocol": "TCP"}],
                            "livenessProbe": {"httpGet": {"path": "/ping", "port": "http", "scheme": "HTTP"},
                                "initialDelaySeconds": 60, "periodSeconds": 3, "failureThreshold": 10},
                            "readinessProbe": {"httpGet": {"path": "/ping", "port": "http", "scheme": "HTTP"},
                                "initialDelaySeconds": 10, "periodSeconds": 3},
                            "volumeMounts": [
                                {"name": "chi-analytics-common-configd", "mountPath": "/etc/clickhouse-server/config.d/"},
                                {"name": "chi-analytics-common-usersd", "mountPath": "/etc/clickhouse-server/users.d/"},
                                {"name": "chi-analytics-deploy-confd-main-0-0", "mountPath": "/etc/clickhouse-server/conf.d/"},
                            ],
                        }],
                        "volumes": [
                            {"name": "chi-analytics-common-configd", "configMap": {"name": "chi-analytics-common-configd"}},
                            {"name": "chi-analytics-common-usersd", "configMap": {"name": "chi-analytics-common-usersd"}},
                            {"name": "chi-analytics-deploy-confd-main-0-0", "configMap": {"name": "chi-analytics-deploy-confd-main-0-0"}},
                        ],
                    },
                },
            },
        }),
    ];
    if let Some(sts) = objects.last_mut() {
        set_script(sts, "start=3s,ready=9s");
    }
    objects
}

/// Services pointing the tools' configured database hosts at the shared platform stores
/// (created by the platform team with kubectl, so not part of any release).
fn platform_links(created: DateTime<Utc>) -> Vec<Value> {
    [
        (
            "orchestration",
            "airflow-metadata-db",
            "postgresql.platform.svc.cluster.local",
            5432,
        ),
        (
            "bi",
            "superset-metadata-db",
            "postgresql.platform.svc.cluster.local",
            5432,
        ),
        (
            "bi",
            "superset-redis",
            "redis-master.platform.svc.cluster.local",
            6379,
        ),
        (
            "bi",
            "metabase-db",
            "postgresql.platform.svc.cluster.local",
            5432,
        ),
    ]
    .into_iter()
    .map(|(ns, name, target, port)| {
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": kube_time(created),
                "labels": {"app.kubernetes.io/part-of": "platform"}},
            "spec": {"type": "ExternalName", "externalName": target,
                "ports": [{"port": port, "protocol": "TCP", "targetPort": port}]},
        })
    })
    .collect()
}

/// A CronJob as a platform team writes it by hand (no chart).
fn cronjob(
    namespace: &str,
    name: &str,
    schedule: &str,
    labels: Value,
    container: Value,
    extra_spec: Value,
    created: DateTime<Utc>,
) -> Value {
    let mut pod_spec = json!({
        "restartPolicy": "Never",
        "containers": [container],
    });
    if let (Some(spec), Some(extra)) = (pod_spec.as_object_mut(), extra_spec.as_object()) {
        spec.extend(extra.clone());
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": namespace, "labels": labels,
            "creationTimestamp": kube_time(created)},
        "spec": {
            "schedule": schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {
                    "backoffLimit": 0,
                    "activeDeadlineSeconds": 3600,
                    "ttlSecondsAfterFinished": 86400,
                    "template": {"metadata": {"labels": labels}, "spec": pod_spec},
                },
            },
        },
    })
}

/// Meltano: a Singer pipeline from the orders Postgres into ClickHouse every ten minutes.
fn meltano(created: DateTime<Utc>) -> Vec<Value> {
    let labels = json!({"app.kubernetes.io/name": "meltano", "app.kubernetes.io/instance": "postgres-to-clickhouse"});
    let mut job = cronjob(
        "ingestion",
        "meltano-postgres-to-clickhouse",
        "*/10 * * * *",
        labels.clone(),
        json!({
            "name": "meltano",
            "image": "meltano/meltano:v3.7.9-python3.12",
            "command": ["meltano"],
            "args": ["run", "tap-postgres", "target-clickhouse"],
            "workingDir": "/project",
            "env": [
                {"name": "MELTANO_ENVIRONMENT", "value": "prod"},
                {"name": "MELTANO_SEND_ANONYMOUS_USAGE_STATS", "value": "false"},
                {"name": "TAP_POSTGRES_HOST", "value": "postgresql.platform.svc.cluster.local"},
                {"name": "TAP_POSTGRES_USER", "value": "meltano"},
                {"name": "TAP_POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "meltano-credentials", "key": "tap-postgres-password"}}},
                {"name": "TARGET_CLICKHOUSE_HOST", "value": "clickhouse-analytics.warehouse.svc.cluster.local"},
                {"name": "TARGET_CLICKHOUSE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "meltano-credentials", "key": "target-clickhouse-password"}}},
            ],
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
        }),
        json!({"serviceAccountName": "meltano"}),
        created,
    );
    set_script(&mut job, "start=5s,exit=45s");
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "meltano", "namespace": "ingestion", "labels": labels,
                "creationTimestamp": kube_time(created)}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "meltano-credentials", "namespace": "ingestion", "labels": labels,
                "creationTimestamp": kube_time(created)},
            // Made-up demo values, not credentials of anything.
            "data": {"tap-postgres-password": "ZGVtby1vbmx5LXJUNHZtOExx",
                "target-clickhouse-password": "ZGVtby1vbmx5LXdQMmhZNm5D"}}),
        job,
    ]
}

/// dbt: the analytics project run by CronJobs with the dbt-labs image. `dbt-marts` fails
/// (a failing test makes dbt exit 1).
fn dbt(created: DateTime<Utc>) -> Vec<Value> {
    let labels = |job: &str| {
        json!({"app.kubernetes.io/name": "dbt", "app.kubernetes.io/instance": job,
            "app.kubernetes.io/part-of": "analytics"})
    };
    let container = |args: &[&str]| {
        json!({
            "name": "dbt",
            "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
            "command": ["dbt"],
            "args": args,
            "workingDir": "/usr/app/analytics",
            "env": [
                {"name": "DBT_PROFILES_DIR", "value": "/etc/dbt"},
                {"name": "DBT_TARGET", "value": "prod"},
                {"name": "DBT_ENV_SECRET_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "dbt-warehouse", "key": "password"}}},
            ],
            "volumeMounts": [{"name": "profiles", "mountPath": "/etc/dbt", "readOnly": true}],
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
        })
    };
    // The platform team hardened dbt (non-root, isolated namespace): the demo's clean
    // component next to the charts' findings.
    let extra = json!({"serviceAccountName": "dbt",
        "securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": true,
            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "profiles", "configMap": {"name": "dbt-profiles"}}]});
    let jobs: [(&str, &str, &[&str], &str); 4] = [
        (
            "dbt-staging",
            "*/5 * * * *",
            &["build", "--select", "staging", "--target", "prod"],
            "start=3s,exit=35s",
        ),
        (
            "dbt-marts",
            "*/10 * * * *",
            &["build", "--select", "marts", "--target", "prod"],
            "start=3s,exit=55s,code=1,fail-ratio=0.5",
        ),
        (
            "dbt-source-freshness",
            "*/15 * * * *",
            &["source", "freshness", "--target", "prod"],
            "start=3s,exit=20s",
        ),
        (
            "dbt-snapshots",
            "0 */6 * * *",
            &["snapshot", "--target", "prod"],
            "start=3s,exit=60s",
        ),
    ];
    let mut out = vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "dbt", "namespace": "transformation", "labels": labels("analytics"),
                "creationTimestamp": kube_time(created)}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "dbt-profiles", "namespace": "transformation", "labels": labels("analytics"),
                "creationTimestamp": kube_time(created)},
            "data": {"profiles.yml": "analytics:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n      host: postgresql.platform.svc.cluster.local\n      port: 5432\n      user: dbt\n      password: \"{{ env_var('DBT_ENV_SECRET_PASSWORD') }}\"\n      dbname: analytics\n      schema: analytics\n      threads: 4\n"}}),
        // Only egress to the warehouse Postgres and DNS; nothing may call in.
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "dbt-egress-only", "namespace": "transformation", "labels": labels("analytics"),
            "creationTimestamp": kube_time(created)},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "egress": [
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "platform"}}}],
                    "ports": [{"protocol": "TCP", "port": 5432}]},
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            ]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "dbt-warehouse", "namespace": "transformation", "labels": labels("analytics"),
                "creationTimestamp": kube_time(created)},
            // A made-up demo value, not a credential of anything.
            "data": {"password": "ZGVtby1vbmx5LVFtN3hLMnZS"}}),
    ];
    for (name, schedule, args, script) in jobs {
        let mut cj = cronjob(
            "transformation",
            name,
            schedule,
            labels(name),
            container(args),
            extra.clone(),
            created,
        );
        set_script(&mut cj, script);
        // Its past Jobs (the demo's history) point at it by uid.
        cj["metadata"]["uid"] = json!(history::fixed_uid("CronJob", "transformation", name));
        out.push(cj);
    }
    out
}

/// The schedule the Spark runs come from (see [`runs::spark_application`]).
fn spark_schedule(now: DateTime<Utc>) -> Vec<Value> {
    let mut schedule = json!({
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "ScheduledSparkApplication",
        "metadata": {"name": "orders-enrichment", "namespace": "spark"},
        "spec": {
            "schedule": "@every 3m",
            "concurrencyPolicy": "Forbid",
            "successfulRunHistoryLimit": 3,
            "failedRunHistoryLimit": 3,
            "template": runs::spark_spec(),
        },
        "status": {"scheduleState": "Scheduled", "lastRun": kube_time(now - Duration::minutes(3)),
            "nextRun": kube_time(now), "lastRunName": format!("orders-enrichment-{}",
                (now - Duration::minutes(3)).timestamp_nanos_opt().unwrap_or_default())},
    });
    set_creation(&mut schedule, now - Duration::days(24));
    vec![schedule]
}

/// A core/v1 Event as the kubelet, scheduler or a controller records it.
#[allow(clippy::too_many_arguments)]
fn event(
    involved: Value,
    reason: &str,
    message: &str,
    count: u32,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    component: &str,
    host: Option<&str>,
) -> Value {
    let namespace = involved["namespace"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    let object = involved["name"].as_str().unwrap_or_default().to_string();
    let seed = stable_hash(&[&namespace, &object, reason, message]);
    let mut source = json!({"component": component});
    if let Some(h) = host {
        source["host"] = json!(h);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{object}.{}", hex_id(seed, 16)),
            "namespace": namespace,
            "creationTimestamp": kube_time(first),
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": count,
        "firstTimestamp": kube_time(first),
        "lastTimestamp": kube_time(last),
        "source": source,
        "reportingComponent": component,
        "reportingInstance": host.unwrap_or(""),
        "eventTime": null,
    })
}

/// Warning events of the last hour (the API server keeps events for an hour) about things
/// that already happened. Live faults (the crash loop, the image pull) get their events from
/// the simulator's controllers as they happen, with the pods' real uids.
fn events(now: DateTime<Utc>) -> Vec<Value> {
    let triggerer = json!({"apiVersion": "v1", "kind": "Pod", "name": "airflow-triggerer-0",
        "namespace": "orchestration"});
    let mut triggerer_container = triggerer.clone();
    triggerer_container["fieldPath"] = json!("spec.containers{triggerer}");
    let clickhouse = json!({"apiVersion": "v1", "kind": "Pod", "name": "chi-analytics-main-0-0-0",
        "namespace": "warehouse", "fieldPath": "spec.containers{clickhouse}"});
    vec![
        event(
            triggerer,
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            4,
            now - Duration::minutes(49),
            now - Duration::minutes(46),
            "default-scheduler",
            None,
        ),
        event(
            triggerer_container,
            "BackOff",
            "Back-off restarting failed container triggerer in pod airflow-triggerer-0_orchestration(5b0e7c1a-93d2-4f1e-8c4b-2a7e6d9f0c31)",
            9,
            now - Duration::minutes(45),
            now - Duration::minutes(33),
            "kubelet",
            Some(NODES[0].name),
        ),
        event(
            json!({"apiVersion": "batch/v1", "kind": "Job", "name": "superset-init-db", "namespace": "bi"}),
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
            1,
            now - Duration::minutes(44),
            now - Duration::minutes(44),
            "job-controller",
            None,
        ),
        // The operator created the host's StatefulSet a moment before its ConfigMap.
        event(
            clickhouse.clone(),
            "Failed",
            "Error: configmap \"chi-analytics-deploy-confd-main-0-0\" not found",
            2,
            now - Duration::minutes(22),
            now - Duration::minutes(22),
            "kubelet",
            Some(NODES[2].name),
        ),
        event(
            clickhouse,
            "Unhealthy",
            "Readiness probe failed: Get \"http://10.244.2.31:8123/ping\": dial tcp 10.244.2.31:8123: connect: connection refused",
            3,
            now - Duration::minutes(21),
            now - Duration::minutes(20),
            "kubelet",
            Some(NODES[2].name),
        ),
    ]
}
