//! Native `kubectl describe`: the same sections, labels and column alignment as kubectl's
//! describers (so operators read what they already know), computed from the object's JSON and
//! its events, without kubectl on the bastion. Secrets show key names and sizes, never values;
//! every cluster string is sanitized, so the output is safe to draw. Plain text: the cockpit
//! styles it (`ui::describe::styled`).
//!
//! Lines are built like kubectl builds them (tab-separated cells, two spaces per level) and
//! aligned by `tabwriter`, a port of Go's `text/tabwriter` with kubectl's settings.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::json::{at, int, items, str_at, time};
use crate::printers::{age, human_duration};
use crate::text::sanitize;

/// kubectl shortens annotations longer than this (`maxAnnotationLen`).
const MAX_ANNOTATION_LEN: usize = 140;

/// The annotation `kubectl apply` writes: the whole last applied object, which for a Secret
/// holds its values; kubectl never describes it and neither do we.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `kubectl describe` text for `obj`, one string per line. `events` may be all events the
/// caller has; those about other objects are left out.
pub fn describe(obj: &Value, events: &[Value], now: DateTime<Utc>) -> Vec<String> {
    let mut out = Describer::default();
    let kind = str_at(obj, &["kind"]);
    match kind {
        "Pod" => pod(&mut out, obj, now),
        "Deployment" => deployment(&mut out, obj),
        "StatefulSet" => stateful_set(&mut out, obj),
        "ReplicaSet" => replica_set(&mut out, obj),
        "DaemonSet" => daemon_set(&mut out, obj),
        "ConfigMap" => config_map(&mut out, obj),
        "Job" => job(&mut out, obj),
        "CronJob" => cron_job(&mut out, obj),
        "Service" => service(&mut out, obj),
        "Node" => node(&mut out, obj),
        "Namespace" => namespace(&mut out, obj),
        "Secret" => secret(&mut out, obj),
        _ => generic(&mut out, obj),
    }
    if kind != "Secret" && kind != "Namespace" {
        let events = related_events(obj, events);
        describe_events(&mut out, &events, now);
    }
    tabwriter(&out.text)
}

#[derive(Default)]
struct Describer {
    text: String,
}

impl Describer {
    /// kubectl's `PrefixWriter.Write(level, …)`: two spaces per level, then the text (which
    /// may hold tabs between cells and end a line or not).
    fn w(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.text.push_str("  ");
        }
        self.text.push_str(text);
    }
}

/// Cluster text made safe for a cell and for the tab-separated layout: no escapes, no tabs,
/// no line breaks.
fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

/// A scalar as kubectl prints it (`%v`), sanitized; `""` for null.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => clean(text),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => clean(&other.to_string()),
    }
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".to_string()
    } else {
        text
    }
}

fn or_unset(value: &Value) -> String {
    if value.is_null() {
        "<unset>".to_string()
    } else {
        scalar(value)
    }
}

/// Go's `%t`-via-`printBool`: `True`/`False`.
fn title_bool(value: &Value) -> &'static str {
    if value.as_bool().unwrap_or(false) {
        "True"
    } else {
        "False"
    }
}

/// RFC 1123 with a numeric zone, kubectl's timestamp format.
fn timestamp(value: &Value) -> String {
    time(value)
        .map(|time| time.format("%a, %d %b %Y %H:%M:%S %z").to_string())
        .unwrap_or_else(|| scalar(value))
}

/// A map as kubectl prints it: keys sanitized, values as [`scalar`] prints them.
fn printed_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(key, value)| (clean(key), scalar(value)))
                .collect()
        })
        .unwrap_or_default()
}

/// `Labels:\tk=v` with continuation lines, as `printLabelsMultilineWithIndent`.
fn labels(out: &mut Describer, indent: &str, title: &str, value: &Value) {
    let map = printed_map(value);
    out.w(0, &format!("{indent}{title}:\t"));
    if map.is_empty() {
        out.w(0, "<none>\n");
        return;
    }
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.w(0, &format!("{indent}\t"));
        }
        out.w(0, &format!("{key}={value}\n"));
    }
}

/// `Annotations:\tk: v`, long values cut, the last-applied configuration left out.
fn annotations(out: &mut Describer, indent: &str, value: &Value) {
    let mut map = BTreeMap::new();
    if let Some(object) = value.as_object() {
        for (key, value) in object {
            if key != LAST_APPLIED {
                map.insert(clean(key), value.as_str().unwrap_or("").to_string());
            }
        }
    }
    out.w(0, &format!("{indent}Annotations:\t"));
    if map.is_empty() {
        out.w(0, "<none>\n");
        return;
    }
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.w(0, &format!("{indent}\t"));
        }
        let value = value.trim_end_matches('\n');
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            out.w(0, &format!("{key}:\n"));
            for line in value.split('\n') {
                out.w(
                    0,
                    &format!(
                        "{indent}  {}\n",
                        shorten(&clean(line), MAX_ANNOTATION_LEN - 2)
                    ),
                );
            }
        } else {
            out.w(0, &format!("{key}: {}\n", clean(value)));
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}...")
    }
}

fn selector(value: &Value) -> String {
    let mut parts: Vec<String> = printed_map(&value["matchLabels"])
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    for expression in items(&value["matchExpressions"]) {
        let values: Vec<String> = items(&expression["values"]).iter().map(scalar).collect();
        let key = scalar(&expression["key"]);
        parts.push(match str_at(expression, &["operator"]) {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key,
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {}", clean(other)),
        });
    }
    parts.join(",")
}

fn controller(obj: &Value) -> Option<String> {
    items(at(obj, &["metadata", "ownerReferences"]))
        .iter()
        .find(|owner| owner["controller"].as_bool() == Some(true))
        .map(|owner| format!("{}/{}", scalar(&owner["kind"]), scalar(&owner["name"])))
}

fn header(out: &mut Describer, obj: &Value, namespaced: bool) {
    let meta = &obj["metadata"];
    out.w(0, &format!("Name:\t{}\n", scalar(&meta["name"])));
    if namespaced {
        out.w(0, &format!("Namespace:\t{}\n", scalar(&meta["namespace"])));
    }
}

// --- Pods -----------------------------------------------------------------------------------

fn pod(out: &mut Describer, obj: &Value, now: DateTime<Utc>) {
    let meta = &obj["metadata"];
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    if let Some(priority) = spec["priority"].as_i64() {
        out.w(0, &format!("Priority:\t{priority}\n"));
    }
    if !str_at(spec, &["priorityClassName"]).is_empty() {
        out.w(
            0,
            &format!(
                "Priority Class Name:\t{}\n",
                scalar(&spec["priorityClassName"])
            ),
        );
    }
    if !str_at(spec, &["runtimeClassName"]).is_empty() {
        out.w(
            0,
            &format!(
                "Runtime Class Name:\t{}\n",
                scalar(&spec["runtimeClassName"])
            ),
        );
    }
    out.w(
        0,
        &format!(
            "Service Account:\t{}\n",
            scalar(&spec["serviceAccountName"])
        ),
    );
    let node = scalar(&spec["nodeName"]);
    if node.is_empty() {
        out.w(0, "Node:\t<none>\n");
    } else {
        out.w(0, &format!("Node:\t{node}/{}\n", scalar(&status["hostIP"])));
    }
    if !status["startTime"].is_null() {
        out.w(
            0,
            &format!("Start Time:\t{}\n", timestamp(&status["startTime"])),
        );
    }
    labels(out, "", "Labels", &meta["labels"]);
    annotations(out, "", &meta["annotations"]);
    let phase = str_at(status, &["phase"]);
    let finished = phase == "Failed" || phase == "Succeeded";
    match time(&meta["deletionTimestamp"]) {
        Some(deleted) if !finished => {
            out.w(
                0,
                &format!(
                    "Status:\tTerminating (lasts {})\n",
                    human_duration(now - deleted)
                ),
            );
            out.w(
                0,
                &format!(
                    "Termination Grace Period:\t{}s\n",
                    int(&meta["deletionGracePeriodSeconds"])
                ),
            );
        }
        _ => out.w(0, &format!("Status:\t{}\n", scalar(&status["phase"]))),
    }
    if !str_at(status, &["reason"]).is_empty() {
        out.w(0, &format!("Reason:\t{}\n", scalar(&status["reason"])));
    }
    if !str_at(status, &["message"]).is_empty() {
        out.w(0, &format!("Message:\t{}\n", scalar(&status["message"])));
    }
    out.w(0, &format!("IP:\t{}\n", scalar(&status["podIP"])));
    let ips = items(&status["podIPs"]);
    if ips.is_empty() {
        out.w(0, "IPs:\t<none>\n");
    } else {
        out.w(0, "IPs:\n");
        for ip in ips {
            out.w(1, &format!("IP:\t{}\n", scalar(&ip["ip"])));
        }
    }
    if let Some(owner) = controller(obj) {
        out.w(0, &format!("Controlled By:\t{owner}\n"));
    }
    if !str_at(status, &["nominatedNodeName"]).is_empty() {
        out.w(
            0,
            &format!(
                "NominatedNodeName:\t{}\n",
                scalar(&status["nominatedNodeName"])
            ),
        );
    }
    let init = items(&spec["initContainers"]);
    if !init.is_empty() {
        containers(
            out,
            "Init Containers",
            init,
            items(&status["initContainerStatuses"]),
            "",
        );
    }
    containers(
        out,
        "Containers",
        items(&spec["containers"]),
        items(&status["containerStatuses"]),
        "",
    );
    let conditions = items(&status["conditions"]);
    if !conditions.is_empty() {
        out.w(0, "Conditions:\n");
        out.w(1, "Type\tStatus\n");
        for condition in conditions {
            out.w(
                1,
                &format!(
                    "{} \t{} \n",
                    scalar(&condition["type"]),
                    scalar(&condition["status"])
                ),
            );
        }
    }
    volumes(out, items(&spec["volumes"]), "");
    if !str_at(status, &["qosClass"]).is_empty() {
        out.w(0, &format!("QoS Class:\t{}\n", scalar(&status["qosClass"])));
    }
    labels(out, "", "Node-Selectors", &spec["nodeSelector"]);
    tolerations(out, "", &spec["tolerations"]);
}

fn containers(out: &mut Describer, label: &str, list: &[Value], statuses: &[Value], space: &str) {
    let none = if list.is_empty() { " <none>" } else { "" };
    out.w(0, &format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for container in list {
        let name = scalar(&container["name"]);
        let status = statuses
            .iter()
            .find(|status| scalar(&status["name"]) == name);
        out.w(1, &format!("{name_indent}{name}:\n"));
        if let Some(status) = status {
            out.w(
                2,
                &format!("Container ID:\t{}\n", scalar(&status["containerID"])),
            );
        }
        out.w(2, &format!("Image:\t{}\n", scalar(&container["image"])));
        if let Some(status) = status {
            out.w(2, &format!("Image ID:\t{}\n", scalar(&status["imageID"])));
        }
        let ports = items(&container["ports"]);
        let port_list = |field: &str| -> String {
            let parts: Vec<String> = ports
                .iter()
                .map(|port| {
                    let mut text = format!(
                        "{}/{}",
                        int(&port[field]),
                        or_default(scalar(&port["protocol"]), "TCP")
                    );
                    if !str_at(port, &["name"]).is_empty() {
                        text.push_str(&format!(" ({})", scalar(&port["name"])));
                    }
                    text
                })
                .collect();
            parts.join(", ")
        };
        let container_ports = port_list("containerPort");
        if container_ports.contains(',') {
            out.w(2, &format!("Ports:\t{container_ports}\n"));
        } else {
            out.w(2, &format!("Port:\t{}\n", or_none(container_ports)));
        }
        let host_ports = port_list("hostPort");
        if host_ports.contains(',') {
            out.w(2, &format!("Host Ports:\t{host_ports}\n"));
        } else {
            out.w(2, &format!("Host Port:\t{}\n", or_none(host_ports)));
        }
        for (field, title) in [("command", "Command"), ("args", "Args")] {
            let words = items(&container[field]);
            if !words.is_empty() {
                out.w(2, &format!("{title}:\n"));
                for word in words {
                    for line in word.as_str().unwrap_or("").split('\n') {
                        out.w(3, &format!("{}\n", clean(line)));
                    }
                }
            }
        }
        if let Some(status) = status {
            container_state(out, "State", &status["state"]);
            if !status["lastState"]["terminated"].is_null() {
                container_state(out, "Last State", &status["lastState"]);
            }
            out.w(2, &format!("Ready:\t{}\n", title_bool(&status["ready"])));
            out.w(
                2,
                &format!("Restart Count:\t{}\n", int(&status["restartCount"])),
            );
        }
        for (field, title) in [("limits", "Limits"), ("requests", "Requests")] {
            let map = printed_map(&container["resources"][field]);
            if !map.is_empty() {
                out.w(2, &format!("{title}:\n"));
                for (name, quantity) in map {
                    out.w(3, &format!("{name}:\t{quantity}\n"));
                }
            }
        }
        for (field, title) in [
            ("livenessProbe", "Liveness"),
            ("readinessProbe", "Readiness"),
            ("startupProbe", "Startup"),
        ] {
            if !container[field].is_null() {
                out.w(2, &format!("{title}:\t{}\n", probe(&container[field])));
            }
        }
        let env_from = items(&container["envFrom"]);
        if !env_from.is_empty() {
            out.w(2, "Environment Variables from:\n");
            for source in env_from {
                let (from, reference) = if source["configMapRef"].is_null() {
                    ("Secret", &source["secretRef"])
                } else {
                    ("ConfigMap", &source["configMapRef"])
                };
                let optional = reference["optional"].as_bool().unwrap_or(false);
                let name = scalar(&reference["name"]);
                let prefix = scalar(&source["prefix"]);
                if prefix.is_empty() {
                    out.w(3, &format!("{name}\t{from}\tOptional: {optional}\n"));
                } else {
                    out.w(
                        3,
                        &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"),
                    );
                }
            }
        }
        environment(out, items(&container["env"]));
        let mut mounts: Vec<&Value> = items(&container["volumeMounts"]).iter().collect();
        mounts.sort_by_key(|mount| str_at(mount, &["mountPath"]).to_string());
        if mounts.is_empty() {
            out.w(2, "Mounts:\t<none>\n");
        } else {
            out.w(2, "Mounts:\n");
            for mount in mounts {
                let mut flags = vec![if mount["readOnly"].as_bool().unwrap_or(false) {
                    "ro".to_string()
                } else {
                    "rw".to_string()
                }];
                if !str_at(mount, &["subPath"]).is_empty() {
                    flags.push(format!("path={:?}", scalar(&mount["subPath"])));
                }
                out.w(
                    3,
                    &format!(
                        "{} from {} ({})\n",
                        scalar(&mount["mountPath"]),
                        scalar(&mount["name"]),
                        flags.join(",")
                    ),
                );
            }
        }
    }
}

fn or_default(text: String, default: &str) -> String {
    if text.is_empty() {
        default.to_string()
    } else {
        text
    }
}

/// Values from Secrets and ConfigMaps are named, never resolved: describe must not be a way
/// around Secret masking.
fn environment(out: &mut Describer, env: &[Value]) {
    if env.is_empty() {
        out.w(2, "Environment:\t<none>\n");
        return;
    }
    out.w(2, "Environment:\n");
    for var in env {
        let name = scalar(&var["name"]);
        let from = &var["valueFrom"];
        if from.is_null() {
            let value = var["value"].as_str().unwrap_or("");
            for (i, line) in value.split('\n').enumerate() {
                if i == 0 {
                    out.w(3, &format!("{name}:\t{}\n", clean(line)));
                } else {
                    out.w(3, &format!("\t{}\n", clean(line)));
                }
            }
            continue;
        }
        let optional = |reference: &Value| reference["optional"].as_bool().unwrap_or(false);
        if !from["fieldRef"].is_null() {
            let field = &from["fieldRef"];
            out.w(
                3,
                &format!(
                    "{name}:\t ({}:{})\n",
                    or_default(scalar(&field["apiVersion"]), "v1"),
                    scalar(&field["fieldPath"])
                ),
            );
        } else if !from["resourceFieldRef"].is_null() {
            out.w(
                3,
                &format!(
                    "{name}:\t ({})\n",
                    scalar(&from["resourceFieldRef"]["resource"])
                ),
            );
        } else if !from["secretKeyRef"].is_null() {
            let reference = &from["secretKeyRef"];
            out.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    scalar(&reference["key"]),
                    scalar(&reference["name"]),
                    optional(reference)
                ),
            );
        } else if !from["configMapKeyRef"].is_null() {
            let reference = &from["configMapKeyRef"];
            out.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    scalar(&reference["key"]),
                    scalar(&reference["name"]),
                    optional(reference)
                ),
            );
        } else {
            out.w(3, &format!("{name}:\t\n"));
        }
    }
}

fn container_state(out: &mut Describer, title: &str, state: &Value) {
    if let Some(running) = state["running"].as_object() {
        out.w(2, &format!("{title}:\tRunning\n"));
        out.w(
            3,
            &format!(
                "Started:\t{}\n",
                timestamp(running.get("startedAt").unwrap_or(&Value::Null))
            ),
        );
    } else if let Some(waiting) = state["waiting"].as_object() {
        out.w(2, &format!("{title}:\tWaiting\n"));
        if let Some(reason) = waiting.get("reason").filter(|r| !scalar(r).is_empty()) {
            out.w(3, &format!("Reason:\t{}\n", scalar(reason)));
        }
    } else if !state["terminated"].is_null() {
        let terminated = &state["terminated"];
        out.w(2, &format!("{title}:\tTerminated\n"));
        if !str_at(terminated, &["reason"]).is_empty() {
            out.w(3, &format!("Reason:\t{}\n", scalar(&terminated["reason"])));
        }
        if !str_at(terminated, &["message"]).is_empty() {
            out.w(
                3,
                &format!("Message:\t{}\n", scalar(&terminated["message"])),
            );
        }
        out.w(
            3,
            &format!("Exit Code:\t{}\n", int(&terminated["exitCode"])),
        );
        if int(&terminated["signal"]) > 0 {
            out.w(3, &format!("Signal:\t{}\n", int(&terminated["signal"])));
        }
        out.w(
            3,
            &format!("Started:\t{}\n", timestamp(&terminated["startedAt"])),
        );
        out.w(
            3,
            &format!("Finished:\t{}\n", timestamp(&terminated["finishedAt"])),
        );
    } else {
        out.w(2, &format!("{title}:\tWaiting\n"));
    }
}

/// `DescribeProbe`: the handler, then kubectl's attributes with the API server's defaults.
fn probe(probe: &Value) -> String {
    let number = |field: &str, default: i64| probe[field].as_i64().unwrap_or(default);
    let attributes = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        number("initialDelaySeconds", 0),
        number("timeoutSeconds", 1),
        number("periodSeconds", 10),
        number("successThreshold", 1),
        number("failureThreshold", 3)
    );
    if !probe["exec"].is_null() {
        let words: Vec<String> = items(&probe["exec"]["command"])
            .iter()
            .map(scalar)
            .collect();
        format!("exec [{}] {attributes}", words.join(" "))
    } else if !probe["httpGet"].is_null() {
        let get = &probe["httpGet"];
        let scheme = or_default(scalar(&get["scheme"]), "HTTP").to_lowercase();
        format!(
            "http-get {scheme}://{}:{}{} {attributes}",
            scalar(&get["host"]),
            scalar(&get["port"]),
            scalar(&get["path"])
        )
    } else if !probe["tcpSocket"].is_null() {
        let socket = &probe["tcpSocket"];
        format!(
            "tcp-socket {}:{} {attributes}",
            scalar(&socket["host"]),
            scalar(&socket["port"])
        )
    } else if !probe["grpc"].is_null() {
        let grpc = &probe["grpc"];
        format!(
            "grpc <pod>:{} {} {attributes}",
            scalar(&grpc["port"]),
            scalar(&grpc["service"])
        )
    } else {
        format!("unknown {attributes}")
    }
}

fn volumes(out: &mut Describer, list: &[Value], space: &str) {
    if list.is_empty() {
        out.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    out.w(0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for volume in list {
        out.w(1, &format!("{name_indent}{}:\n", scalar(&volume["name"])));
        let optional = |source: &Value| source["optional"].as_bool().unwrap_or(false);
        if let Some(source) = volume.get("configMap") {
            out.w(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n");
            out.w(2, &format!("Name:\t{}\n", scalar(&source["name"])));
            out.w(2, &format!("Optional:\t{}\n", optional(source)));
        } else if let Some(source) = volume.get("secret") {
            out.w(2, "Type:\tSecret (a volume populated by a Secret)\n");
            out.w(
                2,
                &format!("SecretName:\t{}\n", scalar(&source["secretName"])),
            );
            out.w(2, &format!("Optional:\t{}\n", optional(source)));
        } else if let Some(source) = volume.get("emptyDir") {
            out.w(
                2,
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n",
            );
            out.w(2, &format!("Medium:\t{}\n", scalar(&source["medium"])));
            out.w(
                2,
                &format!("SizeLimit:\t{}\n", or_unset(&source["sizeLimit"])),
            );
        } else if let Some(source) = volume.get("persistentVolumeClaim") {
            out.w(
                2,
                "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the \
                 same namespace)\n",
            );
            out.w(
                2,
                &format!("ClaimName:\t{}\n", scalar(&source["claimName"])),
            );
            out.w(
                2,
                &format!(
                    "ReadOnly:\t{}\n",
                    source["readOnly"].as_bool().unwrap_or(false)
                ),
            );
        } else if let Some(source) = volume.get("hostPath") {
            out.w(2, "Type:\tHostPath (bare host directory volume)\n");
            out.w(2, &format!("Path:\t{}\n", scalar(&source["path"])));
            out.w(2, &format!("HostPathType:\t{}\n", scalar(&source["type"])));
        } else if volume.get("projected").is_some() {
            out.w(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
        } else {
            let kind = volume
                .as_object()
                .and_then(|map| map.keys().find(|key| *key != "name").cloned())
                .unwrap_or_else(|| "unknown".to_string());
            out.w(2, &format!("Type:\t{}\n", clean(&kind)));
        }
    }
}

fn tolerations(out: &mut Describer, indent: &str, value: &Value) {
    let list = items(value);
    out.w(0, &format!("{indent}Tolerations:\t"));
    if list.is_empty() {
        out.w(0, "<none>\n");
        return;
    }
    for (i, toleration) in list.iter().enumerate() {
        if i > 0 {
            out.w(0, &format!("{indent}\t"));
        }
        let mut text = scalar(&toleration["key"]);
        if !str_at(toleration, &["value"]).is_empty() {
            text.push_str(&format!("={}", scalar(&toleration["value"])));
        }
        if !str_at(toleration, &["effect"]).is_empty() {
            text.push_str(&format!(":{}", scalar(&toleration["effect"])));
        }
        if str_at(toleration, &["operator"]) == "Exists"
            && str_at(toleration, &["value"]).is_empty()
        {
            text.push_str(" op=Exists");
        }
        if let Some(seconds) = toleration["tolerationSeconds"].as_i64() {
            text.push_str(&format!(" for {seconds}s"));
        }
        out.w(0, &format!("{text}\n"));
    }
}

/// `DescribePodTemplate`, as deployments, stateful sets, jobs and cron jobs show it.
fn pod_template(out: &mut Describer, template: &Value) {
    out.w(0, "Pod Template:\n");
    labels(out, "  ", "Labels", &template["metadata"]["labels"]);
    annotations(out, "  ", &template["metadata"]["annotations"]);
    let spec = &template["spec"];
    if !str_at(spec, &["serviceAccountName"]).is_empty() {
        out.w(
            1,
            &format!(
                "Service Account:\t{}\n",
                scalar(&spec["serviceAccountName"])
            ),
        );
    }
    let init = items(&spec["initContainers"]);
    if !init.is_empty() {
        containers(out, "Init Containers", init, &[], "  ");
    }
    containers(out, "Containers", items(&spec["containers"]), &[], "  ");
    volumes(out, items(&spec["volumes"]), "  ");
    labels(out, "  ", "Node-Selectors", &spec["nodeSelector"]);
    tolerations(out, "  ", &spec["tolerations"]);
}

fn conditions_table(out: &mut Describer, list: &[Value]) {
    if list.is_empty() {
        return;
    }
    out.w(0, "Conditions:\n");
    out.w(1, "Type\tStatus\tReason\n");
    out.w(1, "----\t------\t------\n");
    for condition in list {
        out.w(
            1,
            &format!(
                "{} \t{}\t{}\n",
                scalar(&condition["type"]),
                scalar(&condition["status"]),
                scalar(&condition["reason"])
            ),
        );
    }
}

fn creation(out: &mut Describer, obj: &Value) {
    out.w(
        0,
        &format!(
            "CreationTimestamp:\t{}\n",
            timestamp(&obj["metadata"]["creationTimestamp"])
        ),
    );
}

// --- Workloads ------------------------------------------------------------------------------

fn deployment(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    creation(out, obj);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(0, &format!("Selector:\t{}\n", selector(&spec["selector"])));
    let desired = spec["replicas"].as_i64().unwrap_or(1);
    out.w(
        0,
        &format!(
            "Replicas:\t{desired} desired | {} updated | {} total | {} available | {} unavailable\n",
            int(&status["updatedReplicas"]),
            int(&status["replicas"]),
            int(&status["availableReplicas"]),
            int(&status["unavailableReplicas"])
        ),
    );
    let strategy = &spec["strategy"];
    out.w(
        0,
        &format!(
            "StrategyType:\t{}\n",
            or_default(scalar(&strategy["type"]), "RollingUpdate")
        ),
    );
    out.w(
        0,
        &format!("MinReadySeconds:\t{}\n", int(&spec["minReadySeconds"])),
    );
    if !strategy["rollingUpdate"].is_null() {
        let rolling = &strategy["rollingUpdate"];
        out.w(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                or_default(scalar(&rolling["maxUnavailable"]), "25%"),
                or_default(scalar(&rolling["maxSurge"]), "25%")
            ),
        );
    }
    pod_template(out, &spec["template"]);
    conditions_table(out, items(&status["conditions"]));
}

fn stateful_set(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    creation(out, obj);
    out.w(0, &format!("Selector:\t{}\n", selector(&spec["selector"])));
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            spec["replicas"].as_i64().unwrap_or(1),
            int(&status["replicas"])
        ),
    );
    let strategy = &spec["updateStrategy"];
    out.w(
        0,
        &format!(
            "Update Strategy:\t{}\n",
            or_default(scalar(&strategy["type"]), "RollingUpdate")
        ),
    );
    if let Some(partition) = strategy["rollingUpdate"]["partition"].as_i64() {
        out.w(1, &format!("Partition:\t{partition}\n"));
    }
    out.w(
        0,
        &format!(
            "Pods Status:\t{} Ready / {} Current / {} Updated\n",
            int(&status["readyReplicas"]),
            int(&status["currentReplicas"]),
            int(&status["updatedReplicas"])
        ),
    );
    pod_template(out, &spec["template"]);
    let claims = items(&spec["volumeClaimTemplates"]);
    if claims.is_empty() {
        out.w(0, "Volume Claims:\t<none>\n");
    } else {
        out.w(0, "Volume Claims:\n");
        for claim in claims {
            out.w(
                1,
                &format!("Name:\t{}\n", scalar(&claim["metadata"]["name"])),
            );
            out.w(
                1,
                &format!(
                    "StorageClass:\t{}\n",
                    scalar(&claim["spec"]["storageClassName"])
                ),
            );
            labels(out, "  ", "Labels", &claim["metadata"]["labels"]);
            annotations(out, "  ", &claim["metadata"]["annotations"]);
            out.w(
                1,
                &format!(
                    "Capacity:\t{}\n",
                    or_default(
                        scalar(&claim["spec"]["resources"]["requests"]["storage"]),
                        "0"
                    )
                ),
            );
            let modes: Vec<String> = items(&claim["spec"]["accessModes"])
                .iter()
                .map(scalar)
                .collect();
            out.w(1, &format!("Access Modes:\t[{}]\n", modes.join(" ")));
        }
    }
}

fn replica_set(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    out.w(0, &format!("Selector:\t{}\n", selector(&spec["selector"])));
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    if let Some(owner) = controller(obj) {
        out.w(0, &format!("Controlled By:\t{owner}\n"));
    }
    out.w(
        0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int(&status["replicas"]),
            spec["replicas"].as_i64().unwrap_or(1)
        ),
    );
    // kubectl counts the pods by phase, which needs the pods; the status says readiness.
    out.w(
        0,
        &format!(
            "Pods Status:\t{} Ready / {} Available\n",
            int(&status["readyReplicas"]),
            int(&status["availableReplicas"])
        ),
    );
    pod_template(out, &spec["template"]);
    conditions_table(out, items(&status["conditions"]));
}

fn daemon_set(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    out.w(0, &format!("Selector:\t{}\n", selector(&spec["selector"])));
    let node_selector: Vec<String> = printed_map(&spec["template"]["spec"]["nodeSelector"])
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    out.w(
        0,
        &format!("Node-Selector:\t{}\n", or_none(node_selector.join(","))),
    );
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    for (field, title) in [
        (
            "desiredNumberScheduled",
            "Desired Number of Nodes Scheduled",
        ),
        (
            "currentNumberScheduled",
            "Current Number of Nodes Scheduled",
        ),
        (
            "updatedNumberScheduled",
            "Number of Nodes Scheduled with Up-to-date Pods",
        ),
        (
            "numberAvailable",
            "Number of Nodes Scheduled with Available Pods",
        ),
        ("numberMisscheduled", "Number of Nodes Misscheduled"),
    ] {
        out.w(0, &format!("{title}: {}\n", int(&status[field])));
    }
    out.w(
        0,
        &format!(
            "Pods Status:\t{} Ready / {} Unavailable\n",
            int(&status["numberReady"]),
            int(&status["numberUnavailable"])
        ),
    );
    pod_template(out, &spec["template"]);
}

/// ConfigMaps hold configuration, not secrets: their values are shown, line by line.
fn config_map(out: &mut Describer, obj: &Value) {
    header(out, obj, true);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(0, "\nData\n====\n");
    if let Some(data) = obj["data"].as_object() {
        for (key, value) in data {
            out.w(0, &format!("{}:\n----\n", clean(key)));
            for line in value.as_str().unwrap_or("").split('\n') {
                out.w(0, &format!("{}\n", clean(line)));
            }
            out.w(0, "\n");
        }
    }
    out.w(0, "\nBinaryData\n====\n");
    if let Some(data) = obj["binaryData"].as_object() {
        for (key, value) in data {
            let encoded = value.as_str().unwrap_or("");
            let size = BASE64
                .decode(encoded)
                .map_or(encoded.len() / 4 * 3, |bytes| bytes.len());
            out.w(0, &format!("{}: {size} bytes\n", clean(key)));
        }
    }
    out.w(0, "\n");
}

fn job(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, true);
    out.w(0, &format!("Selector:\t{}\n", selector(&spec["selector"])));
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    if let Some(owner) = controller(obj) {
        out.w(0, &format!("Controlled By:\t{owner}\n"));
    }
    out.w(
        0,
        &format!(
            "Parallelism:\t{}\n",
            spec["parallelism"].as_i64().unwrap_or(1)
        ),
    );
    out.w(
        0,
        &format!(
            "Completions:\t{}\n",
            spec["completions"]
                .as_i64()
                .map_or("<unset>".to_string(), |n| n.to_string())
        ),
    );
    out.w(
        0,
        &format!(
            "Completion Mode:\t{}\n",
            or_default(scalar(&spec["completionMode"]), "NonIndexed")
        ),
    );
    out.w(
        0,
        &format!("Suspend:\t{}\n", spec["suspend"].as_bool().unwrap_or(false)),
    );
    out.w(
        0,
        &format!(
            "Backoff Limit:\t{}\n",
            spec["backoffLimit"].as_i64().unwrap_or(6)
        ),
    );
    if let Some(ttl) = spec["ttlSecondsAfterFinished"].as_i64() {
        out.w(0, &format!("TTL Seconds After Finished:\t{ttl}\n"));
    }
    if !status["startTime"].is_null() {
        out.w(
            0,
            &format!("Start Time:\t{}\n", timestamp(&status["startTime"])),
        );
    }
    if !status["completionTime"].is_null() {
        out.w(
            0,
            &format!("Completed At:\t{}\n", timestamp(&status["completionTime"])),
        );
    }
    if let Some(deadline) = spec["activeDeadlineSeconds"].as_i64() {
        out.w(0, &format!("Active Deadline Seconds:\t{deadline}s\n"));
    }
    out.w(
        0,
        &format!(
            "Pods Statuses:\t{} Active ({} Ready) / {} Succeeded / {} Failed\n",
            int(&status["active"]),
            int(&status["ready"]),
            int(&status["succeeded"]),
            int(&status["failed"])
        ),
    );
    pod_template(out, &spec["template"]);
}

fn cron_job(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let job_spec = &spec["jobTemplate"]["spec"];
    header(out, obj, true);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(0, &format!("Schedule:\t{}\n", scalar(&spec["schedule"])));
    out.w(
        0,
        &format!(
            "Concurrency Policy:\t{}\n",
            or_default(scalar(&spec["concurrencyPolicy"]), "Allow")
        ),
    );
    out.w(0, &format!("Suspend:\t{}\n", title_bool(&spec["suspend"])));
    let limit = |field: &str, default: i64| {
        spec[field]
            .as_i64()
            .map_or(default.to_string(), |n| n.to_string())
    };
    out.w(
        0,
        &format!(
            "Successful Job History Limit:\t{}\n",
            limit("successfulJobsHistoryLimit", 3)
        ),
    );
    out.w(
        0,
        &format!(
            "Failed Job History Limit:\t{}\n",
            limit("failedJobsHistoryLimit", 1)
        ),
    );
    match spec["startingDeadlineSeconds"].as_i64() {
        Some(seconds) => out.w(0, &format!("Starting Deadline Seconds:\t{seconds}s\n")),
        None => out.w(0, "Starting Deadline Seconds:\t<unset>\n"),
    }
    let selector_text = selector(&job_spec["selector"]);
    out.w(
        0,
        &format!(
            "Selector:\t{}\n",
            if selector_text.is_empty() {
                "<unset>".to_string()
            } else {
                selector_text
            }
        ),
    );
    out.w(
        0,
        &format!("Parallelism:\t{}\n", or_unset(&job_spec["parallelism"])),
    );
    out.w(
        0,
        &format!("Completions:\t{}\n", or_unset(&job_spec["completions"])),
    );
    if let Some(deadline) = job_spec["activeDeadlineSeconds"].as_i64() {
        out.w(0, &format!("Active Deadline Seconds:\t{deadline}s\n"));
    }
    pod_template(out, &job_spec["template"]);
    if status["lastScheduleTime"].is_null() {
        out.w(0, "Last Schedule Time:\t<unset>\n");
    } else {
        out.w(
            0,
            &format!(
                "Last Schedule Time:\t{}\n",
                timestamp(&status["lastScheduleTime"])
            ),
        );
    }
    let active: Vec<String> = items(&status["active"])
        .iter()
        .map(|reference| scalar(&reference["name"]))
        .collect();
    out.w(
        0,
        &format!("Active Jobs:\t{}\n", or_none(active.join(", "))),
    );
}

// --- Networking, nodes, namespaces, secrets ----------------------------------------------------

fn service(out: &mut Describer, obj: &Value) {
    let spec = &obj["spec"];
    header(out, obj, true);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    let selector_map: Vec<String> = printed_map(&spec["selector"])
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    out.w(
        0,
        &format!("Selector:\t{}\n", or_none(selector_map.join(","))),
    );
    out.w(
        0,
        &format!(
            "Type:\t{}\n",
            or_default(scalar(&spec["type"]), "ClusterIP")
        ),
    );
    let families: Vec<String> = items(&spec["ipFamilies"]).iter().map(scalar).collect();
    out.w(
        0,
        &format!("IP Families:\t{}\n", or_none(families.join(","))),
    );
    out.w(0, &format!("IP:\t{}\n", scalar(&spec["clusterIP"])));
    let ips: Vec<String> = items(&spec["clusterIPs"]).iter().map(scalar).collect();
    out.w(0, &format!("IPs:\t{}\n", or_none(ips.join(","))));
    if !str_at(spec, &["externalName"]).is_empty() {
        out.w(
            0,
            &format!("External Name:\t{}\n", scalar(&spec["externalName"])),
        );
    }
    for port in items(&spec["ports"]) {
        let name = or_default(scalar(&port["name"]), "<unset>");
        let protocol = or_default(scalar(&port["protocol"]), "TCP");
        out.w(
            0,
            &format!("Port:\t{name}  {}/{protocol}\n", scalar(&port["port"])),
        );
        let target = or_default(scalar(&port["targetPort"]), &scalar(&port["port"]));
        out.w(0, &format!("TargetPort:\t{target}/{protocol}\n"));
        if !port["nodePort"].is_null() {
            out.w(
                0,
                &format!(
                    "NodePort:\t{name}  {}/{protocol}\n",
                    scalar(&port["nodePort"])
                ),
            );
        }
    }
    out.w(
        0,
        &format!(
            "Session Affinity:\t{}\n",
            or_default(scalar(&spec["sessionAffinity"]), "None")
        ),
    );
}

fn node(out: &mut Describer, obj: &Value) {
    let meta = &obj["metadata"];
    let spec = &obj["spec"];
    let status = &obj["status"];
    header(out, obj, false);
    let roles: Vec<String> = printed_map(&meta["labels"])
        .keys()
        .filter_map(|key| key.strip_prefix("node-role.kubernetes.io/"))
        .map(str::to_string)
        .collect();
    out.w(0, &format!("Roles:\t{}\n", or_none(roles.join(","))));
    labels(out, "", "Labels", &meta["labels"]);
    annotations(out, "", &meta["annotations"]);
    creation(out, obj);
    let taints: Vec<String> = items(&spec["taints"])
        .iter()
        .map(|taint| {
            let value = scalar(&taint["value"]);
            let value = if value.is_empty() {
                String::new()
            } else {
                format!("={value}")
            };
            format!(
                "{}{value}:{}",
                scalar(&taint["key"]),
                scalar(&taint["effect"])
            )
        })
        .collect();
    out.w(0, "Taints:\t");
    if taints.is_empty() {
        out.w(0, "<none>\n");
    } else {
        for (i, taint) in taints.iter().enumerate() {
            if i > 0 {
                out.w(0, "\t");
            }
            out.w(0, &format!("{taint}\n"));
        }
    }
    out.w(
        0,
        &format!(
            "Unschedulable:\t{}\n",
            spec["unschedulable"].as_bool().unwrap_or(false)
        ),
    );
    let conditions = items(&status["conditions"]);
    if !conditions.is_empty() {
        out.w(0, "Conditions:\n");
        out.w(
            1,
            "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        out.w(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for condition in conditions {
            out.w(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    scalar(&condition["type"]),
                    scalar(&condition["status"]),
                    timestamp(&condition["lastHeartbeatTime"]),
                    timestamp(&condition["lastTransitionTime"]),
                    scalar(&condition["reason"]),
                    scalar(&condition["message"])
                ),
            );
        }
    }
    out.w(0, "Addresses:\n");
    for address in items(&status["addresses"]) {
        out.w(
            1,
            &format!(
                "{}:\t{}\n",
                scalar(&address["type"]),
                scalar(&address["address"])
            ),
        );
    }
    for (field, title) in [("capacity", "Capacity"), ("allocatable", "Allocatable")] {
        let map = printed_map(&status[field]);
        if !map.is_empty() {
            out.w(0, &format!("{title}:\n"));
            for (name, quantity) in map {
                out.w(1, &format!("{name}:\t{quantity}\n"));
            }
        }
    }
    let info = &status["nodeInfo"];
    if !info.is_null() {
        out.w(0, "System Info:\n");
        for (field, title) in [
            ("machineID", "Machine ID"),
            ("systemUUID", "System UUID"),
            ("bootID", "Boot ID"),
            ("kernelVersion", "Kernel Version"),
            ("osImage", "OS Image"),
            ("operatingSystem", "Operating System"),
            ("architecture", "Architecture"),
            ("containerRuntimeVersion", "Container Runtime Version"),
            ("kubeletVersion", "Kubelet Version"),
        ] {
            out.w(1, &format!("{title}:\t{}\n", scalar(&info[field])));
        }
    }
    if !str_at(spec, &["podCIDR"]).is_empty() {
        out.w(0, &format!("PodCIDR:\t{}\n", scalar(&spec["podCIDR"])));
        let cidrs: Vec<String> = items(&spec["podCIDRs"]).iter().map(scalar).collect();
        out.w(0, &format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    if !str_at(spec, &["providerID"]).is_empty() {
        out.w(
            0,
            &format!("ProviderID:\t{}\n", scalar(&spec["providerID"])),
        );
    }
}

fn namespace(out: &mut Describer, obj: &Value) {
    header(out, obj, false);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(
        0,
        &format!("Status:\t{}\n", scalar(&obj["status"]["phase"])),
    );
}

/// Keys and sizes only: the values never leave the object, even in `stringData`.
fn secret(out: &mut Describer, obj: &Value) {
    header(out, obj, true);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(
        0,
        &format!("\nType:\t{}\n\nData\n====\n", scalar(&obj["type"])),
    );
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(data) = obj["data"].as_object() {
        for (key, value) in data {
            // `data` is base64; the size kubectl shows is of the decoded bytes.
            let encoded = value.as_str().unwrap_or("");
            let size = BASE64
                .decode(encoded)
                .map_or(encoded.len() / 4 * 3, |bytes| bytes.len());
            sizes.insert(clean(key), size);
        }
    }
    if let Some(data) = obj["stringData"].as_object() {
        for (key, value) in data {
            sizes.insert(clean(key), value.as_str().unwrap_or("").len());
        }
    }
    for (key, size) in sizes {
        out.w(0, &format!("{key}:\t{size} bytes\n"));
    }
}

/// Anything else: metadata as kubectl prints it, then `spec` and `status` as indented fields.
fn generic(out: &mut Describer, obj: &Value) {
    let namespaced = !at(obj, &["metadata", "namespace"]).is_null();
    header(out, obj, namespaced);
    labels(out, "", "Labels", &obj["metadata"]["labels"]);
    annotations(out, "", &obj["metadata"]["annotations"]);
    out.w(
        0,
        &format!("API Version:\t{}\n", scalar(&obj["apiVersion"])),
    );
    out.w(0, &format!("Kind:\t{}\n", scalar(&obj["kind"])));
    if let Some(object) = obj.as_object() {
        for (key, value) in object {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            fields(out, 0, &title_case(key), value);
        }
    }
}

/// kubectl's generic describer names fields `Spec`, `Replica Count`: camelCase split into
/// capitalized words.
fn title_case(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in clean(key).chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

fn fields(out: &mut Describer, level: usize, name: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            out.w(level, &format!("{name}:\n"));
            for (key, value) in map {
                fields(out, level + 1, &title_case(key), value);
            }
        }
        Value::Array(list) => {
            out.w(level, &format!("{name}:\n"));
            for value in list {
                match value {
                    Value::Object(map) => {
                        for (key, value) in map {
                            fields(out, level + 1, &title_case(key), value);
                        }
                    }
                    other => out.w(level + 1, &format!("{}\n", scalar(other))),
                }
            }
        }
        other => out.w(level, &format!("{name}:\t{}\n", scalar(other))),
    }
}

// --- Events -----------------------------------------------------------------------------------

fn related_events<'a>(obj: &Value, events: &'a [Value]) -> Vec<&'a Value> {
    let uid = str_at(obj, &["metadata", "uid"]);
    let name = str_at(obj, &["metadata", "name"]);
    let kind = str_at(obj, &["kind"]);
    let mut related: Vec<&Value> = events
        .iter()
        .filter(|event| {
            let involved = &event["involvedObject"];
            let by_uid = !uid.is_empty() && str_at(involved, &["uid"]) == uid;
            let by_name = str_at(involved, &["name"]) == name
                && (str_at(involved, &["kind"]).is_empty() || str_at(involved, &["kind"]) == kind);
            involved.is_null() || by_uid || by_name
        })
        .collect();
    related.sort_by_key(|event| event_time(event));
    related
}

fn event_time(event: &Value) -> Option<DateTime<Utc>> {
    ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|field| time(&event[*field]))
}

fn describe_events(out: &mut Describer, events: &[&Value], now: DateTime<Utc>) {
    if events.is_empty() {
        out.w(0, "Events:\t<none>\n");
        return;
    }
    out.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    out.w(1, "----\t------\t----\t----\t-------\n");
    let since = |time: Option<DateTime<Utc>>| age(time, now);
    for event in events {
        let first = time(&event["firstTimestamp"]).or_else(|| time(&event["eventTime"]));
        let count = int(&event["count"]);
        let interval = if count > 1 {
            format!(
                "{} (x{count} over {})",
                since(time(&event["lastTimestamp"]).or(first)),
                since(first)
            )
        } else {
            since(first)
        };
        let source = or_default(
            scalar(&event["source"]["component"]),
            &scalar(&event["reportingComponent"]),
        );
        out.w(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                scalar(&event["type"]),
                scalar(&event["reason"]),
                scalar(&event["message"]).trim()
            ),
        );
    }
}

// --- Alignment --------------------------------------------------------------------------------

/// Go's `text/tabwriter` as kubectl configures it (min width 0, padding 2, pad with spaces):
/// a column is aligned over each run of consecutive lines that have a cell in it, and the text
/// after a line's last tab is not part of any column.
pub fn tabwriter(text: &str) -> Vec<String> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = vec![String::new(); lines.len()];
    let mut widths = Vec::new();
    format_block(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut [String],
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = 0;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + 2);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut [String]) {
    for index in from..to {
        let text = &mut out[index];
        for (column, cell) in lines[index].iter().enumerate() {
            text.push_str(cell);
            if let Some(width) = widths.get(column) {
                let used = cell.chars().count();
                text.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
            }
        }
    }
}

#[cfg(test)]
mod tests;
