//! Server-side printing: `meta.k8s.io/v1` Tables with the columns the real API server prints
//! for each built-in kind (what `kubectl get` shows), and generic columns for CRDs.
//!
//! The printers follow kube-apiserver's `pkg/printers/internalversion/printers.go` (v1.35), the
//! default table convertor (`NAME`, `CREATED AT`) used for kinds without a printer, and the
//! apiextensions table convertor for custom resources. Like the real server, every table carries
//! the `-o wide` columns too (priority 1): the server prints with `Wide: true` and kubectl hides
//! priority-1 columns unless asked for them.
//!
//! The real printers run on objects after API defaulting; where the simulator may store an object
//! without a defaulted field (`spec.replicas`, a port's `protocol`), the printer here applies the
//! same default so the cell reads as it would against a real cluster.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::resources::ResourceInfo;

/// What each row carries in `object` (`includeObject` query parameter; default Metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// Builds a Table for `objects` of resource `info`. `metadata.resourceVersion` is left for
/// the caller to fill. Kinds without a built-in printer (custom resources included) get the
/// custom-resource default columns, `NAME` and `AGE`; for a CRD's own printer columns use
/// [`to_table_with_columns`].
pub fn to_table(
    info: &ResourceInfo,
    objects: &[Arc<Value>],
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    let Some(printer) = printer_for(&info.group, &info.plural) else {
        return to_table_with_columns(&[], objects, include, now);
    };
    let rows = objects
        .iter()
        .map(|obj| {
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array((printer.cells)(obj, now)));
            if let Some(conditions) = (printer.conditions)(obj) {
                row.insert("conditions".into(), conditions);
            }
            row.insert("object".into(), row_object(obj, include));
            Value::Object(row)
        })
        .collect();
    table(
        printer
            .columns
            .iter()
            .copied()
            .map(Column::to_json)
            .collect(),
        rows,
    )
}

/// Builds a Table for custom resources from the served version's `additionalPrinterColumns`
/// (`name`, `type`, `jsonPath`, optional `format`, `description`, `priority`). With no columns
/// the API server serves `NAME` and `AGE`, as here.
pub fn to_table_with_columns(
    columns: &[Value],
    objects: &[Arc<Value>],
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    let default_age;
    let columns = if columns.is_empty() {
        // apiextensions' serveDefaultColumnsIfEmpty: only an empty list gets the Age column.
        default_age = [json!({
            "name": "Age",
            "type": "date",
            "description": CREATION_TIMESTAMP_DOC,
            "jsonPath": ".metadata.creationTimestamp",
        })];
        &default_age[..]
    } else {
        columns
    };
    let paths: Vec<Option<JsonPath>> = columns
        .iter()
        .map(|c| JsonPath::parse(text(&c["jsonPath"])))
        .collect();
    let mut definitions = vec![NAME.to_json()];
    for c in columns {
        let path = text(&c["jsonPath"]);
        let description = match text(&c["description"]) {
            "" => format!("Custom resource definition column (in JSONPath format): {path}"),
            d => d.to_string(),
        };
        definitions.push(json!({
            "name": text(&c["name"]),
            "type": text(&c["type"]),
            "format": text(&c["format"]),
            "description": description,
            "priority": c["priority"].as_i64().unwrap_or(0),
        }));
    }
    let rows = objects
        .iter()
        .map(|obj| {
            let mut cells = vec![json!(text(&obj["metadata"]["name"]))];
            for (c, path) in columns.iter().zip(&paths) {
                let value = path.as_ref().and_then(|p| p.first(obj));
                cells.push(match value {
                    Some(v) => custom_cell(text(&c["type"]), v, now),
                    None => Value::Null,
                });
            }
            json!({"cells": cells, "object": row_object(obj, include)})
        })
        .collect();
    table(definitions, rows)
}

/// The `object` of a row: a PartialObjectMetadata, the whole object, or null.
pub fn row_object(obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj["metadata"],
        }),
    }
}

/// Kubernetes `duration.HumanDuration`: a short age with 2–3 significant figures (`45s`,
/// `5m3s`, `3h4m`, `2d3h`, `15d`, `2y100d`). Up to one second in the future reads `0s` (clock
/// skew); further is `<invalid>`.
pub fn human_duration(d: TimeDelta) -> String {
    // num_seconds truncates toward zero like Go's int(d.Seconds()).
    let seconds = d.num_seconds();
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

fn table(column_definitions: Vec<Value>, rows: Vec<Value>) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": column_definitions,
        "rows": rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

/// One `TableColumnDefinition`.
#[derive(Clone, Copy, Debug)]
struct Column {
    name: &'static str,
    kind: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i64,
}

impl Column {
    fn to_json(self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// A column shown by plain `kubectl get`.
const fn col(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column {
        name,
        kind,
        format: "",
        description,
        priority: 0,
    }
}

/// A column shown only by `kubectl get -o wide`.
const fn wide(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column {
        name,
        kind,
        format: "",
        description,
        priority: 1,
    }
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATION_TIMESTAMP_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";
const SELECTOR_DOC: &str = "A label query over pods that should match the replica count. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

const NAME: Column = Column {
    name: "Name",
    kind: "string",
    format: "name",
    description: NAME_DOC,
    priority: 0,
};
const AGE: Column = col("Age", "string", CREATION_TIMESTAMP_DOC);
const CONTAINERS: Column = wide("Containers", "string", CONTAINERS_DOC);
const IMAGES: Column = wide("Images", "string", IMAGES_DOC);
const SELECTOR: Column = wide("Selector", "string", SELECTOR_DOC);

const POD_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    col(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
    ),
    col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    wide(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    ),
    wide(
        "Node",
        "string",
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
    ),
    wide(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
    ),
    wide(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
    ),
];

const NAMESPACE_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the namespace"),
    AGE,
];

const NODE_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the node"),
    col("Roles", "string", "The roles of the node"),
    AGE,
    col("Version", "string", "Kubelet Version reported by the node."),
    wide(
        "Internal-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
    ),
    wide(
        "External-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
    ),
    wide(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    wide(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    wide(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    ),
];

const SERVICE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.",
    ),
    col(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly.",
    ),
    col(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
    ),
    col(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service.",
    ),
    AGE,
    wide(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector.",
    ),
];

const ENDPOINTS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Endpoints",
        "string",
        "The set of all endpoints is the union of all subsets.",
    ),
    AGE,
];

const CONFIGMAP_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
    ),
    AGE,
];

const SECRET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data.",
    ),
    col(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
    ),
    AGE,
];

const EVENT_COLUMNS: &[Column] = &[
    col(
        "Last Seen",
        "string",
        "The time at which the most recent occurrence of this event was recorded.",
    ),
    col(
        "Type",
        "string",
        "Type of this event (Normal, Warning), new types could be added in the future",
    ),
    col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col("Object", "string", "The object that this event is about."),
    wide(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
    ),
    wide(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
    ),
    col(
        "Message",
        "string",
        "A human-readable description of the status of this operation.",
    ),
    wide(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    wide(
        "Count",
        "string",
        "The number of times this event has occurred.",
    ),
    Column {
        priority: 1,
        ..NAME
    },
];

const SERVICE_ACCOUNT_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
    ),
    AGE,
];

const PVC_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Status",
        "string",
        "phase represents the current phase of PersistentVolumeClaim.",
    ),
    col(
        "Volume",
        "string",
        "volumeName is the binding reference to the PersistentVolume backing this claim.",
    ),
    col(
        "Capacity",
        "string",
        "capacity represents the actual resources of the underlying volume.",
    ),
    col(
        "Access Modes",
        "string",
        "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
    ),
    col("StorageClass", "string", "StorageClass of the pvc"),
    col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pvc",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
    ),
];

const PV_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Capacity",
        "string",
        "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
    ),
    col(
        "Access Modes",
        "string",
        "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes",
    ),
    col(
        "Reclaim Policy",
        "string",
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated).",
    ),
    col(
        "Status",
        "string",
        "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase",
    ),
    col(
        "Claim",
        "string",
        "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
    ),
    col("StorageClass", "string", "StorageClass of the pv"),
    col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pv",
    ),
    col(
        "Reason",
        "string",
        "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
    ),
];

const DEPLOYMENT_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    col(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
    ),
];

const REPLICA_SET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    col(
        "Ready",
        "integer",
        "The number of ready replicas for this replica set.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

const STATEFUL_SET_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
];

const DAEMON_SET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).",
    ),
    col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
    ),
    col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
    ),
    col(
        "Up-to-date",
        "integer",
        "The total number of nodes that are running updated daemon pod",
    ),
    col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const CONTROLLER_REVISION_COLUMNS: &[Column] = &[
    NAME,
    col("Controller", "string", "Controller of the object"),
    col(
        "Revision",
        "string",
        "Revision indicates the revision of the state represented by Data.",
    ),
    AGE,
];

const JOB_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "Status of the job."),
    col(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded.",
    ),
    col("Duration", "string", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const CRON_JOB_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Schedule",
        "string",
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
    ),
    col(
        "Timezone",
        "string",
        "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
    ),
    col(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
    ),
    col(
        "Active",
        "integer",
        "A list of pointers to currently running jobs.",
    ),
    col(
        "Last Schedule",
        "string",
        "Information when was the last time the job was successfully scheduled.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const ROLE_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.",
    ),
    AGE,
    wide("Users", "string", "Users in the roleBinding"),
    wide("Groups", "string", "Groups in the roleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the roleBinding",
    ),
];

const CLUSTER_ROLE_BINDING_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.",
    ),
    AGE,
    wide("Users", "string", "Users in the clusterRoleBinding"),
    wide("Groups", "string", "Groups in the clusterRoleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the clusterRoleBinding",
    ),
];

const PDB_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Min Available",
        "string",
        "The minimum number of pods that must be available.",
    ),
    col(
        "Max Unavailable",
        "string",
        "The maximum number of pods that may be unavailable.",
    ),
    col(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE,
];

const INGRESS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Class",
        "string",
        "The name of the IngressClass resource that should be used for additional configuration",
    ),
    col(
        "Hosts",
        "string",
        "Hosts that incoming requests are matched against before the ingress rule",
    ),
    col(
        "Address",
        "string",
        "Address is a list containing ingress points for the load-balancer",
    ),
    col("Ports", "string", "Ports of TLS configurations that open"),
    AGE,
];

const NETWORK_POLICY_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Pod-Selector",
        "string",
        "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field.",
    ),
    AGE,
];

const WEBHOOK_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE,
];

const LEASE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease.",
    ),
    AGE,
];

const STORAGE_CLASS_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Provisioner",
        "string",
        "provisioner indicates the type of the provisioner.",
    ),
    col(
        "ReclaimPolicy",
        "string",
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.",
    ),
    col(
        "VolumeBindingMode",
        "string",
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.",
    ),
    col(
        "AllowVolumeExpansion",
        "string",
        "allowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    AGE,
];

/// The default table convertor's columns (`rest.NewDefaultTableConvertor`), used by the API
/// server for kinds without a printer: Roles, ClusterRoles, CustomResourceDefinitions.
const CREATED_AT_COLUMNS: &[Column] = &[NAME, col("Created At", "date", CREATION_TIMESTAMP_DOC)];

// ---------------------------------------------------------------------------------------------
// Printers
// ---------------------------------------------------------------------------------------------

type CellsFn = fn(&Value, DateTime<Utc>) -> Vec<Value>;
type ConditionsFn = fn(&Value) -> Option<Value>;

/// A kind's columns and how one object becomes a row.
struct Printer {
    columns: &'static [Column],
    cells: CellsFn,
    conditions: ConditionsFn,
}

fn no_conditions(_: &Value) -> Option<Value> {
    None
}

fn printer_for(group: &str, plural: &str) -> Option<Printer> {
    let (columns, cells): (&'static [Column], CellsFn) = match (group, plural) {
        ("", "pods") => {
            return Some(Printer {
                columns: POD_COLUMNS,
                cells: pod_cells,
                conditions: pod_conditions,
            });
        }
        ("", "namespaces") => (NAMESPACE_COLUMNS, namespace_cells),
        ("", "nodes") => (NODE_COLUMNS, node_cells),
        ("", "services") => (SERVICE_COLUMNS, service_cells),
        ("", "endpoints") => (ENDPOINTS_COLUMNS, endpoints_cells),
        ("", "configmaps") => (CONFIGMAP_COLUMNS, configmap_cells),
        ("", "secrets") => (SECRET_COLUMNS, secret_cells),
        ("", "events") => (EVENT_COLUMNS, event_cells),
        ("", "serviceaccounts") => (SERVICE_ACCOUNT_COLUMNS, service_account_cells),
        ("", "persistentvolumeclaims") => (PVC_COLUMNS, pvc_cells),
        ("", "persistentvolumes") => (PV_COLUMNS, pv_cells),
        ("apps", "deployments") => (DEPLOYMENT_COLUMNS, deployment_cells),
        ("apps", "replicasets") => (REPLICA_SET_COLUMNS, replica_set_cells),
        ("apps", "statefulsets") => (STATEFUL_SET_COLUMNS, stateful_set_cells),
        ("apps", "daemonsets") => (DAEMON_SET_COLUMNS, daemon_set_cells),
        ("apps", "controllerrevisions") => (CONTROLLER_REVISION_COLUMNS, controller_revision_cells),
        ("batch", "jobs") => (JOB_COLUMNS, job_cells),
        ("batch", "cronjobs") => (CRON_JOB_COLUMNS, cron_job_cells),
        ("rbac.authorization.k8s.io", "rolebindings") => (ROLE_BINDING_COLUMNS, binding_cells),
        ("rbac.authorization.k8s.io", "clusterrolebindings") => {
            (CLUSTER_ROLE_BINDING_COLUMNS, binding_cells)
        }
        ("rbac.authorization.k8s.io", "roles" | "clusterroles")
        | ("apiextensions.k8s.io", "customresourcedefinitions") => {
            (CREATED_AT_COLUMNS, created_at_cells)
        }
        ("policy", "poddisruptionbudgets") => (PDB_COLUMNS, pdb_cells),
        ("networking.k8s.io", "ingresses") => (INGRESS_COLUMNS, ingress_cells),
        ("networking.k8s.io", "networkpolicies") => (NETWORK_POLICY_COLUMNS, network_policy_cells),
        (
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations" | "validatingwebhookconfigurations",
        ) => (WEBHOOK_COLUMNS, webhook_cells),
        ("coordination.k8s.io", "leases") => (LEASE_COLUMNS, lease_cells),
        ("storage.k8s.io", "storageclasses") => (STORAGE_CLASS_COLUMNS, storage_class_cells),
        _ => return None,
    };
    Some(Printer {
        columns,
        cells,
        conditions: no_conditions,
    })
}

// --- small accessors over JSON ---------------------------------------------------------------

/// A string field, or "" when absent or not a string (Go's zero value).
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An integer field, or 0 when absent (Go's zero value).
fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A `metav1.Time`; None for absent, null, unparsable or Go's zero time.
fn timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(v.as_str()?).ok()?;
    let t = t.with_timezone(&Utc);
    (t != go_zero_time()).then_some(t)
}

fn go_zero_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `translateTimestampSince`: the age of a timestamp, `<unknown>` when unset.
fn since(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

fn age(obj: &Value, now: DateTime<Utc>) -> Value {
    Value::String(since(timestamp(&obj["metadata"]["creationTimestamp"]), now))
}

fn name(obj: &Value) -> Value {
    json!(text(&obj["metadata"]["name"]))
}

fn is_deleting(obj: &Value) -> bool {
    !obj["metadata"]["deletionTimestamp"].is_null()
}

/// Condition `kind` of a status condition list has status True (first match decides, as in
/// the printers' hasJobCondition).
fn condition_true(conditions: &Value, kind: &str) -> bool {
    items(conditions)
        .iter()
        .find(|c| text(&c["type"]) == kind)
        .is_some_and(|c| text(&c["status"]) == "True")
}

/// `layoutContainerCells`: container names and images, comma-separated.
fn container_cells(pod_spec: &Value) -> (Value, Value) {
    let containers = items(&pod_spec["containers"]);
    let names: Vec<&str> = containers.iter().map(|c| text(&c["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(&c["image"])).collect();
    (json!(names.join(",")), json!(images.join(",")))
}

/// `labels.FormatLabels`: `k=v` sorted by key, `<none>` when empty.
fn format_labels(map: &Value) -> String {
    let Some(map) = map.as_object() else {
        return "<none>".into();
    };
    if map.is_empty() {
        return "<none>".into();
    }
    let mut pairs: Vec<(&String, &str)> = map.iter().map(|(k, v)| (k, text(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.LabelSelectorAsSelector(...).String()`: requirements sorted by key, `in`/`notin`
/// values sorted; "" for a nil or empty selector; None for an invalid one.
fn label_selector_string(selector: &Value) -> Option<String> {
    if !selector.is_object() {
        return Some(String::new());
    }
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = selector["matchLabels"].as_object() {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", text(v))));
        }
    }
    for expr in items(&selector["matchExpressions"]) {
        let key = text(&expr["key"]);
        let mut values: Vec<&str> = items(&expr["values"]).iter().map(text).collect();
        values.sort_unstable();
        let req = match text(&expr["operator"]) {
            "In" | "NotIn" if values.is_empty() => return None,
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" | "DoesNotExist" if !values.is_empty() => return None,
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        };
        reqs.push((key.to_string(), req));
    }
    // The selector sorts its requirements by key.
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Some(
        reqs.into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// `metav1.FormatLabelSelector`: like [`label_selector_string`] but `<none>` when empty and
/// `<error>` when invalid.
fn format_label_selector(selector: &Value) -> String {
    match label_selector_string(selector) {
        Some(s) if s.is_empty() => "<none>".into(),
        Some(s) => s,
        None => "<error>".into(),
    }
}

/// An int-or-string field as `intstr.IntOrString.String()` prints it.
fn int_or_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `helper.GetAccessModesAsString`: a fixed order, duplicates removed.
fn access_modes(modes: &Value) -> String {
    let modes: Vec<&str> = items(modes).iter().map(text).collect();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.contains(mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a PV or PVC: the beta annotation still wins over the field.
fn storage_class(obj: &Value) -> String {
    match text(&obj["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]) {
        "" => text(&obj["spec"]["storageClassName"]).to_string(),
        class => class.to_string(),
    }
}

/// Keeps the later of two optional instants.
fn keep_latest(latest: &mut Option<DateTime<Utc>>, candidate: Option<DateTime<Utc>>) {
    if let Some(c) = candidate
        && latest.is_none_or(|l| l < c)
    {
        *latest = Some(c);
    }
}

// --- pods ------------------------------------------------------------------------------------

/// `printPod`: READY counts ready regular containers plus started, ready sidecars (restartable
/// init containers); STATUS is the pod's reason refined by init and container states;
/// RESTARTS adds `(<age> ago)` of the latest restart.
fn pod_cells(pod: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &pod["spec"];
    let status = &pod["status"];
    let phase = text(&status["phase"]);
    let mut reason = match text(&status["reason"]) {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    if items(&status["conditions"])
        .iter()
        .any(|c| text(&c["type"]) == "PodScheduled" && text(&c["reason"]) == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }

    let init_specs = items(&spec["initContainers"]);
    let sidecars: BTreeSet<&str> = init_specs
        .iter()
        .filter(|c| text(&c["restartPolicy"]) == "Always")
        .map(|c| text(&c["name"]))
        .collect();
    let total = items(&spec["containers"]).len() + sidecars.len();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart = None;
    let mut last_sidecar_restart = None;

    let mut initializing = false;
    for (i, c) in items(&status["initContainerStatuses"]).iter().enumerate() {
        let count = int(&c["restartCount"]);
        let finished = timestamp(&c["lastState"]["terminated"]["finishedAt"]);
        restarts += count;
        keep_latest(&mut last_restart, finished);
        let is_sidecar = sidecars.contains(text(&c["name"]));
        if is_sidecar {
            sidecar_restarts += count;
            keep_latest(&mut last_sidecar_restart, finished);
        }
        let terminated = &c["state"]["terminated"];
        let waiting_reason = text(&c["state"]["waiting"]["reason"]);
        if terminated.is_object() && int(&terminated["exitCode"]) == 0 {
            continue;
        }
        if is_sidecar && c["started"].as_bool() == Some(true) {
            if c["ready"].as_bool() == Some(true) {
                ready += 1;
            }
            continue;
        }
        reason = if terminated.is_object() {
            match text(&terminated["reason"]) {
                "" if int(&terminated["signal"]) != 0 => {
                    format!("Init:Signal:{}", int(&terminated["signal"]))
                }
                "" => format!("Init:ExitCode:{}", int(&terminated["exitCode"])),
                r => format!("Init:{r}"),
            }
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            format!("Init:{waiting_reason}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(&status["conditions"], "Initialized") {
        // Once initialized, regular init containers' restarts no longer count.
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        // Reverse order so the first container's state has the last word, as in printPod.
        for c in items(&status["containerStatuses"]).iter().rev() {
            restarts += int(&c["restartCount"]);
            keep_latest(
                &mut last_restart,
                timestamp(&c["lastState"]["terminated"]["finishedAt"]),
            );
            let state = &c["state"];
            let terminated = &state["terminated"];
            let waiting_reason = text(&state["waiting"]["reason"]);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if terminated.is_object() {
                reason = match text(&terminated["reason"]) {
                    "" if int(&terminated["signal"]) != 0 => {
                        format!("Signal:{}", int(&terminated["signal"]))
                    }
                    "" => format!("ExitCode:{}", int(&terminated["exitCode"])),
                    r => r.to_string(),
                };
            } else if c["ready"].as_bool() == Some(true) && state["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(&status["conditions"], "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    if is_deleting(pod) && text(&status["reason"]) == "NodeLost" {
        reason = "Unknown".into();
    } else if is_deleting(pod) && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(t), now)),
        _ => restarts.to_string(),
    };

    // podIP wins over podIPs, as the v1 → internal conversion decides.
    let ip = match text(&status["podIP"]) {
        "" => text(&items(&status["podIPs"]).first().unwrap_or(&Value::Null)["ip"]),
        ip => ip,
    };
    let gates = items(&spec["readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let passed = gates
            .iter()
            .filter(|g| condition_true(&status["conditions"], text(&g["conditionType"])))
            .count();
        format!("{passed}/{}", gates.len())
    };
    vec![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        age(pod, now),
        json!(or_none(ip)),
        json!(or_none(text(&spec["nodeName"]))),
        json!(or_none(text(&status["nominatedNodeName"]))),
        json!(readiness_gates),
    ]
}

/// Finished pods carry a `Completed` row condition (kubectl dims them on some outputs).
fn pod_conditions(pod: &Value) -> Option<Value> {
    let (reason, message) = match text(&pod["status"]["phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{
        "type": "Completed",
        "status": "True",
        "reason": reason,
        "message": message,
    }]))
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

// --- core kinds ------------------------------------------------------------------------------

fn namespace_cells(ns: &Value, now: DateTime<Utc>) -> Vec<Value> {
    // The API server sets the phase on create (Active) and on delete (Terminating).
    let phase = match text(&ns["status"]["phase"]) {
        "" if is_deleting(ns) => "Terminating",
        "" => "Active",
        p => p,
    };
    vec![name(ns), json!(phase), age(ns, now)]
}

fn node_cells(node: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let status = &node["status"];
    let mut state = match items(&status["conditions"])
        .iter()
        .rev()
        .find(|c| text(&c["type"]) == "Ready")
    {
        Some(c) if text(&c["status"]) == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if node["spec"]["unschedulable"].as_bool() == Some(true) {
        state.push("SchedulingDisabled");
    }
    let mut roles = BTreeSet::new();
    if let Some(labels) = node["metadata"]["labels"].as_object() {
        for (k, v) in labels {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.insert(role.to_string());
                }
            } else if k == "kubernetes.io/role" && !text(v).is_empty() {
                roles.insert(text(v).to_string());
            }
        }
    }
    let roles = roles.into_iter().collect::<Vec<_>>().join(",");
    let address = |kind: &str| {
        items(&status["addresses"])
            .iter()
            .find(|a| text(&a["type"]) == kind)
            .map_or("<none>", |a| text(&a["address"]))
    };
    let info = &status["nodeInfo"];
    let unknown = |v: &Value| match text(v) {
        "" => "<unknown>".to_string(),
        s => s.to_string(),
    };
    vec![
        name(node),
        json!(state.join(",")),
        json!(or_none(&roles)),
        age(node, now),
        json!(text(&info["kubeletVersion"])),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(unknown(&info["osImage"])),
        json!(unknown(&info["kernelVersion"])),
        json!(unknown(&info["containerRuntimeVersion"])),
    ]
}

fn service_cells(svc: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &svc["spec"];
    // Unset type means ClusterIP (API default).
    let kind = match text(&spec["type"]) {
        "" => "ClusterIP",
        t => t,
    };
    let cluster_ip = match items(&spec["clusterIPs"]).first().map(text) {
        Some(ip) if !ip.is_empty() => ip,
        _ => or_none(text(&spec["clusterIP"])),
    };
    let external_ips: Vec<&str> = items(&spec["externalIPs"]).iter().map(text).collect();
    let external = match kind {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            // The server prints wide, so the load-balancer list is never clipped.
            let mut all: Vec<String> = load_balancer_ingress(&svc["status"]["loadBalancer"]);
            all.extend(external_ips.iter().map(|s| s.to_string()));
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => text(&spec["externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = items(&spec["ports"])
        .iter()
        .map(|p| {
            let protocol = match text(&p["protocol"]) {
                "" => "TCP",
                proto => proto,
            };
            match int(&p["nodePort"]) {
                n if n > 0 => format!("{}:{n}/{protocol}", int(&p["port"])),
                _ => format!("{}/{protocol}", int(&p["port"])),
            }
        })
        .collect();
    let ports = ports.join(",");
    vec![
        name(svc),
        json!(kind),
        json!(cluster_ip),
        json!(external),
        json!(or_none(&ports)),
        age(svc, now),
        json!(format_labels(&spec["selector"])),
    ]
}

/// Load-balancer ingress points (IP, else hostname), sorted and deduplicated.
fn load_balancer_ingress(lb: &Value) -> Vec<String> {
    let set: BTreeSet<String> = items(&lb["ingress"])
        .iter()
        .filter_map(|i| match (text(&i["ip"]), text(&i["hostname"])) {
            ("", "") => None,
            ("", host) => Some(host.to_string()),
            (ip, _) => Some(ip.to_string()),
        })
        .collect();
    set.into_iter().collect()
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
fn endpoints_cells(ep: &Value, now: DateTime<Utc>) -> Vec<Value> {
    const MAX: usize = 3;
    let subsets = items(&ep["subsets"]);
    let cell = if subsets.is_empty() {
        "<none>".to_string()
    } else {
        let mut list: Vec<String> = Vec::new();
        let mut more = false;
        let mut count = 0usize;
        for ss in subsets {
            let addresses = items(&ss["addresses"]);
            let ports = items(&ss["ports"]);
            if ports.is_empty() {
                // Headless services may have no ports.
                count += addresses.len();
                for a in addresses {
                    if list.len() == MAX {
                        more = true;
                        break;
                    }
                    list.push(text(&a["ip"]).to_string());
                }
                continue;
            }
            for port in ports {
                count += addresses.len();
                for a in addresses {
                    if list.len() == MAX {
                        more = true;
                        break;
                    }
                    list.push(join_host_port(text(&a["ip"]), int(&port["port"])));
                }
            }
        }
        let joined = list.join(",");
        if more {
            format!("{joined} + {} more...", count - MAX)
        } else {
            joined
        }
    };
    vec![name(ep), json!(cell), age(ep, now)]
}

/// Go's `net.JoinHostPort`: IPv6 hosts go in brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn configmap_cells(cm: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let count = object_len(&cm["data"]) + object_len(&cm["binaryData"]);
    vec![name(cm), json!(count), age(cm, now)]
}

fn secret_cells(secret: &Value, now: DateTime<Utc>) -> Vec<Value> {
    // Unset type means Opaque (API default).
    let kind = match text(&secret["type"]) {
        "" => "Opaque",
        t => t,
    };
    vec![
        name(secret),
        json!(kind),
        json!(object_len(&secret["data"])),
        age(secret, now),
    ]
}

fn object_len(v: &Value) -> usize {
    v.as_object().map_or(0, Map::len)
}

/// `printEvent` with wide columns: LAST SEEN falls back to the first timestamp, then to
/// `eventTime`; a series overrides both LAST SEEN and COUNT.
fn event_cells(ev: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let first_seen = match timestamp(&ev["firstTimestamp"]) {
        Some(t) => since(Some(t), now),
        None => since(timestamp(&ev["eventTime"]), now),
    };
    let mut last_seen = match timestamp(&ev["lastTimestamp"]) {
        Some(t) => since(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = int(&ev["count"]);
    if ev["series"].is_object() {
        last_seen = since(timestamp(&ev["series"]["lastObservedTime"]), now);
        count = int(&ev["series"]["count"]);
    } else if count == 0 {
        // Singleton events don't have a count set in the new API.
        count = 1;
    }
    let involved = &ev["involvedObject"];
    let kind = text(&involved["kind"]).to_lowercase();
    let target = match text(&involved["name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let component = first_non_empty(
        text(&ev["source"]["component"]),
        text(&ev["reportingComponent"]),
    );
    let instance = first_non_empty(text(&ev["source"]["host"]), text(&ev["reportingInstance"]));
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        json!(last_seen),
        json!(text(&ev["type"])),
        json!(text(&ev["reason"])),
        json!(target),
        json!(text(&involved["fieldPath"])),
        json!(source),
        json!(text(&ev["message"]).trim()),
        json!(first_seen),
        json!(count),
        name(ev),
    ]
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

fn service_account_cells(sa: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![name(sa), json!(items(&sa["secrets"]).len()), age(sa, now)]
}

fn pvc_cells(pvc: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &pvc["spec"];
    let phase = if is_deleting(pvc) {
        "Terminating"
    } else {
        // New claims start Pending (API default).
        match text(&pvc["status"]["phase"]) {
            "" => "Pending",
            p => p,
        }
    };
    let volume = text(&spec["volumeName"]);
    // Capacity and modes are the bound volume's, so shown only once bound.
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            text(&pvc["status"]["capacity"]["storage"]).to_string(),
            access_modes(&pvc["status"]["accessModes"]),
        )
    };
    vec![
        name(pvc),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(storage_class(pvc)),
        json!(unset_or(text(&spec["volumeAttributesClassName"]))),
        age(pvc, now),
        json!(volume_mode(&spec["volumeMode"])),
    ]
}

fn pv_cells(pv: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &pv["spec"];
    let claim = if spec["claimRef"].is_object() {
        format!(
            "{}/{}",
            text(&spec["claimRef"]["namespace"]),
            text(&spec["claimRef"]["name"])
        )
    } else {
        String::new()
    };
    let phase = if is_deleting(pv) {
        "Terminating"
    } else {
        match text(&pv["status"]["phase"]) {
            "" => "Pending",
            p => p,
        }
    };
    // Unset reclaim policy means Retain (API default for PersistentVolumes).
    let reclaim = match text(&spec["persistentVolumeReclaimPolicy"]) {
        "" => "Retain",
        r => r,
    };
    vec![
        name(pv),
        json!(text(&spec["capacity"]["storage"])),
        json!(access_modes(&spec["accessModes"])),
        json!(reclaim),
        json!(phase),
        json!(claim),
        json!(storage_class(pv)),
        json!(unset_or(text(&spec["volumeAttributesClassName"]))),
        json!(text(&pv["status"]["reason"])),
        age(pv, now),
        json!(volume_mode(&spec["volumeMode"])),
    ]
}

fn unset_or(s: &str) -> &str {
    if s.is_empty() { "<unset>" } else { s }
}

/// Unset volume mode means Filesystem (API default).
fn volume_mode(v: &Value) -> &str {
    match text(v) {
        "" => "Filesystem",
        m => m,
    }
}

// --- workloads -------------------------------------------------------------------------------

/// `spec.replicas`, 1 when unset (API default).
fn desired_replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

fn deployment_cells(d: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let status = &d["status"];
    let (names, images) = container_cells(&d["spec"]["template"]["spec"]);
    let selector =
        label_selector_string(&d["spec"]["selector"]).unwrap_or_else(|| "<invalid>".into());
    vec![
        name(d),
        json!(format!(
            "{}/{}",
            int(&status["readyReplicas"]),
            desired_replicas(d)
        )),
        json!(int(&status["updatedReplicas"])),
        json!(int(&status["availableReplicas"])),
        age(d, now),
        names,
        images,
        json!(selector),
    ]
}

fn replica_set_cells(rs: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let status = &rs["status"];
    let (names, images) = container_cells(&rs["spec"]["template"]["spec"]);
    vec![
        name(rs),
        json!(desired_replicas(rs)),
        json!(int(&status["replicas"])),
        json!(int(&status["readyReplicas"])),
        age(rs, now),
        names,
        images,
        json!(format_label_selector(&rs["spec"]["selector"])),
    ]
}

fn stateful_set_cells(sts: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let (names, images) = container_cells(&sts["spec"]["template"]["spec"]);
    vec![
        name(sts),
        json!(format!(
            "{}/{}",
            int(&sts["status"]["readyReplicas"]),
            desired_replicas(sts)
        )),
        age(sts, now),
        names,
        images,
    ]
}

fn daemon_set_cells(ds: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let status = &ds["status"];
    let pod_spec = &ds["spec"]["template"]["spec"];
    let (names, images) = container_cells(pod_spec);
    vec![
        name(ds),
        json!(int(&status["desiredNumberScheduled"])),
        json!(int(&status["currentNumberScheduled"])),
        json!(int(&status["numberReady"])),
        json!(int(&status["updatedNumberScheduled"])),
        json!(int(&status["numberAvailable"])),
        json!(format_labels(&pod_spec["nodeSelector"])),
        age(ds, now),
        names,
        images,
        json!(format_label_selector(&ds["spec"]["selector"])),
    ]
}

/// CONTROLLER is `kind.group/name` of the controlling owner, lower-cased.
fn controller_revision_cells(cr: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let controller = items(&cr["metadata"]["ownerReferences"])
        .iter()
        .find(|o| o["controller"].as_bool() == Some(true))
        .map_or_else(
            || "<none>".to_string(),
            |o| {
                let group = text(&o["apiVersion"])
                    .rsplit_once('/')
                    .map_or("", |(g, _)| g);
                let kind = text(&o["kind"]);
                let group_kind = match (kind, group) {
                    ("", _) => String::new(),
                    (k, "") => k.to_string(),
                    (k, g) => format!("{k}.{g}"),
                };
                if group_kind.is_empty() {
                    text(&o["name"]).to_string()
                } else {
                    format!("{}/{}", group_kind.to_lowercase(), text(&o["name"]))
                }
            },
        );
    vec![
        name(cr),
        json!(controller),
        json!(int(&cr["revision"])),
        age(cr, now),
    ]
}

/// `printJob`: STATUS from the conditions in the printer's precedence, COMPLETIONS as
/// `succeeded/completions` (`of N` for parallel work queues), DURATION from start to
/// completion (or to now while running).
fn job_cells(job: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &job["spec"];
    let status = &job["status"];
    let succeeded = int(&status["succeeded"]);
    let completions = if spec["completions"].is_number() {
        format!("{succeeded}/{}", int(&spec["completions"]))
    } else {
        match int(&spec["parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        }
    };
    let duration = match (
        timestamp(&status["startTime"]),
        timestamp(&status["completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now - start),
        (Some(start), Some(done)) => human_duration(done - start),
    };
    let conditions = &status["conditions"];
    let state = if condition_true(conditions, "Complete") {
        "Complete"
    } else if condition_true(conditions, "Failed") {
        "Failed"
    } else if is_deleting(job) {
        "Terminating"
    } else if condition_true(conditions, "Suspended") {
        "Suspended"
    } else if condition_true(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = container_cells(&spec["template"]["spec"]);
    vec![
        name(job),
        json!(state),
        json!(completions),
        json!(duration),
        age(job, now),
        names,
        images,
        json!(format_label_selector(&spec["selector"])),
    ]
}

fn cron_job_cells(cj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &cj["spec"];
    let last_schedule = match timestamp(&cj["status"]["lastScheduleTime"]) {
        Some(t) => since(Some(t), now),
        None => "<none>".to_string(),
    };
    // Unset suspend means false (API default), printed as the printer's printBoolPtr does.
    let suspend = if spec["suspend"].as_bool() == Some(true) {
        "True"
    } else {
        "False"
    };
    let job_spec = &spec["jobTemplate"]["spec"];
    let (names, images) = container_cells(&job_spec["template"]["spec"]);
    vec![
        name(cj),
        json!(text(&spec["schedule"])),
        json!(or_none(text(&spec["timeZone"]))),
        json!(suspend),
        json!(items(&cj["status"]["active"]).len()),
        json!(last_schedule),
        age(cj, now),
        names,
        images,
        json!(format_label_selector(&job_spec["selector"])),
    ]
}

// --- rbac, policy, networking, storage, misc -------------------------------------------------

/// Role and cluster role bindings: ROLE is `Kind/name`; users, groups and service accounts
/// (`namespace/name`) go in the wide columns.
fn binding_cells(b: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let role = format!(
        "{}/{}",
        text(&b["roleRef"]["kind"]),
        text(&b["roleRef"]["name"])
    );
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut service_accounts = Vec::new();
    for s in items(&b["subjects"]) {
        match text(&s["kind"]) {
            "ServiceAccount" => {
                service_accounts.push(format!("{}/{}", text(&s["namespace"]), text(&s["name"])))
            }
            "User" => users.push(text(&s["name"]).to_string()),
            "Group" => groups.push(text(&s["name"]).to_string()),
            _ => {}
        }
    }
    vec![
        name(b),
        json!(role),
        age(b, now),
        json!(users.join(", ")),
        json!(groups.join(", ")),
        json!(service_accounts.join(", ")),
    ]
}

/// The default table convertor: name and the creation time in RFC 3339 (UTC).
fn created_at_cells(obj: &Value, _now: DateTime<Utc>) -> Vec<Value> {
    let created = timestamp(&obj["metadata"]["creationTimestamp"]).unwrap_or_else(go_zero_time);
    vec![
        name(obj),
        json!(created.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    ]
}

fn pdb_cells(pdb: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &pdb["spec"];
    let na = || "N/A".to_string();
    vec![
        name(pdb),
        json!(int_or_string(&spec["minAvailable"]).unwrap_or_else(na)),
        json!(int_or_string(&spec["maxUnavailable"]).unwrap_or_else(na)),
        json!(int(&pdb["status"]["disruptionsAllowed"])),
        age(pdb, now),
    ]
}

fn ingress_cells(ing: &Value, now: DateTime<Utc>) -> Vec<Value> {
    const MAX: usize = 3;
    let spec = &ing["spec"];
    let rules = items(&spec["rules"]);
    let mut hosts = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
        }
        let host = text(&rule["host"]);
        if !more && !host.is_empty() {
            hosts.push(host);
        }
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let ports = if items(&spec["tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        name(ing),
        json!(or_none(text(&spec["ingressClassName"]))),
        json!(hosts),
        json!(load_balancer_ingress(&ing["status"]["loadBalancer"]).join(",")),
        json!(ports),
        age(ing, now),
    ]
}

fn network_policy_cells(np: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name(np),
        json!(format_label_selector(&np["spec"]["podSelector"])),
        age(np, now),
    ]
}

fn webhook_cells(cfg: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name(cfg),
        json!(items(&cfg["webhooks"]).len()),
        age(cfg, now),
    ]
}

fn lease_cells(lease: &Value, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        name(lease),
        json!(text(&lease["spec"]["holderIdentity"])),
        age(lease, now),
    ]
}

fn storage_class_cells(sc: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let annotations = &sc["metadata"]["annotations"];
    let is_default = text(&annotations["storageclass.kubernetes.io/is-default-class"]) == "true"
        || text(&annotations["storageclass.beta.kubernetes.io/is-default-class"]) == "true";
    let mut shown = text(&sc["metadata"]["name"]).to_string();
    if is_default {
        shown.push_str(" (default)");
    }
    let reclaim = match text(&sc["reclaimPolicy"]) {
        "" => "Delete",
        r => r,
    };
    let binding = match text(&sc["volumeBindingMode"]) {
        "" => "Immediate",
        b => b,
    };
    vec![
        json!(shown),
        json!(text(&sc["provisioner"])),
        json!(reclaim),
        json!(binding),
        json!(sc["allowVolumeExpansion"].as_bool().unwrap_or(false)),
        age(sc, now),
    ]
}

// ---------------------------------------------------------------------------------------------
// Custom resource columns
// ---------------------------------------------------------------------------------------------

/// A cell of a CRD printer column, typed as the apiextensions table convertor types it:
/// `string` prints any value (objects and lists as JSON), the other types keep the value only
/// when it has the right JSON type, and `date` becomes an age.
fn custom_cell(kind: &str, value: &Value, now: DateTime<Utc>) -> Value {
    match (kind, value) {
        (_, Value::Null) => Value::Null,
        ("string", Value::String(s)) => json!(s),
        ("string", Value::Number(n)) => json!(go_number(n)),
        ("string", Value::Bool(b)) => json!(b.to_string()),
        ("string", v) => json!(v.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, |i| json!(i)),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Value::Bool(b)) => json!(b),
        ("date", Value::String(s)) => {
            if s.is_empty() || s == "null" {
                return json!("<unknown>");
            }
            match DateTime::parse_from_rfc3339(s) {
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    if t == go_zero_time() {
                        json!("<unknown>")
                    } else {
                        json!(human_duration(now - t))
                    }
                }
                Err(_) => json!("<invalid>"),
            }
        }
        _ => Value::Null,
    }
}

/// A JSON number as Go's `fmt.Print` writes the decoded value: integers as they are, floats
/// in `%v` form (shortest `%g`: exponent notation below 1e-4 and from 1e6, as `1e+06`).
fn go_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    let sci = format!("{f:e}");
    let exp: i32 = sci
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let (mantissa, _) = sci.rsplit_once('e').unwrap_or((&sci, ""));
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// The subset of Kubernetes JSONPath that printer columns use: `.a.b`, `['key']`, `[0]`,
/// `[*]`, and filters `[?(@.type=="Ready")]`.
#[derive(Debug, PartialEq)]
struct JsonPath(Vec<Step>);

#[derive(Debug, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    All,
    Filter {
        path: Vec<String>,
        test: Option<(String, Value)>,
    },
}

impl JsonPath {
    /// Parses a path; None when it uses syntax outside the supported subset.
    fn parse(path: &str) -> Option<JsonPath> {
        let path = path.trim();
        let path = path
            .strip_prefix('{')
            .and_then(|p| p.strip_suffix('}'))
            .unwrap_or(path);
        let path = path.strip_prefix('$').unwrap_or(path);
        let chars: Vec<char> = path.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    let start = i;
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        i += 1;
                    }
                    let field: String = chars[start..i].iter().collect();
                    match field.as_str() {
                        // `..` (recursive descent) is not supported.
                        "" if i < chars.len() => return None,
                        "" => {}
                        "*" => steps.push(Step::All),
                        _ => steps.push(Step::Field(field)),
                    }
                }
                '[' => {
                    let end = closing_bracket(&chars, i)?;
                    let inner: String = chars[i + 1..end].iter().collect();
                    steps.push(parse_bracket(inner.trim())?);
                    i = end + 1;
                }
                _ => return None,
            }
        }
        Some(JsonPath(steps))
    }

    /// The first value the path selects, as the API server takes `results[0][0]`.
    fn first<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut current = vec![root];
        for step in &self.0 {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Field(f) => next.extend(v.get(f.as_str())),
                    Step::Index(i) => {
                        let arr = items(v);
                        let idx = if *i < 0 { arr.len() as i64 + i } else { *i };
                        if idx >= 0 {
                            next.extend(arr.get(idx as usize));
                        }
                    }
                    Step::All => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                    Step::Filter { path, test } => {
                        for item in items(v) {
                            let mut probe = Some(item);
                            for f in path {
                                probe = probe.and_then(|p| p.get(f.as_str()));
                            }
                            let keep = match (probe, test) {
                                (None, _) => false,
                                (Some(_), None) => true,
                                (Some(found), Some((op, literal))) => compare(found, op, literal),
                            };
                            if keep {
                                next.push(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        current.into_iter().next()
    }
}

/// The index of the `]` closing the `[` at `open`, skipping quoted text.
fn closing_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Ok(i) = inner.parse::<i64>() {
        return Some(Step::Index(i));
    }
    if let Some(key) = unquote(inner) {
        return Some(Step::Field(key));
    }
    let expr = inner.strip_prefix('?')?.trim();
    let expr = expr.strip_prefix('(')?.strip_suffix(')')?.trim();
    let (lhs, test) = match ["==", "!=", "<=", ">=", "<", ">"]
        .iter()
        .find_map(|op| expr.split_once(op).map(|(l, r)| (l, op, r)))
    {
        Some((lhs, op, rhs)) => (lhs.trim(), Some((op.to_string(), literal(rhs.trim())?))),
        None => (expr, None),
    };
    let rest = lhs.strip_prefix('@')?;
    let mut path = Vec::new();
    for part in rest.split('.').skip(1) {
        if part.is_empty() {
            return None;
        }
        path.push(part.to_string());
    }
    if !rest.is_empty() && !rest.starts_with('.') {
        return None;
    }
    Some(Step::Filter { path, test })
}

fn unquote(s: &str) -> Option<String> {
    let quoted =
        (s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"'));
    (quoted && s.len() >= 2).then(|| s[1..s.len() - 1].to_string())
}

fn literal(s: &str) -> Option<Value> {
    if let Some(text) = unquote(s) {
        return Some(json!(text));
    }
    match s {
        "true" => return Some(json!(true)),
        "false" => return Some(json!(false)),
        _ => {}
    }
    s.parse::<f64>().ok().map(|f| json!(f))
}

/// A filter comparison: strings compare as strings, numbers as numbers.
fn compare(found: &Value, op: &str, literal: &Value) -> bool {
    let ordering = match (found, literal) {
        (Value::String(a), Value::String(b)) => a.partial_cmp(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::Bool(a), Value::Bool(b)) => a.partial_cmp(b),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return op == "!=";
    };
    match op {
        "==" => ordering.is_eq(),
        "!=" => ordering.is_ne(),
        "<" => ordering.is_lt(),
        ">" => ordering.is_gt(),
        "<=" => ordering.is_le(),
        ">=" => ordering.is_ge(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::SecondsFormat;

    use super::*;
    use crate::sim::resources::builtin;

    fn now() -> DateTime<Utc> {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    /// An RFC 3339 timestamp `secs` seconds before [`now`].
    fn ago(secs: i64) -> String {
        (now() - TimeDelta::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn info(group: &str, plural: &str) -> ResourceInfo {
        builtin()
            .into_iter()
            .find(|r| r.group == group && r.plural == plural)
            .unwrap()
    }

    fn print(group: &str, plural: &str, obj: Value) -> Value {
        to_table(
            &info(group, plural),
            &[Arc::new(obj)],
            IncludeObject::None,
            now(),
        )
    }

    fn cells(group: &str, plural: &str, obj: Value) -> Vec<Value> {
        let t = print(group, plural, obj);
        t["rows"][0]["cells"].as_array().unwrap().clone()
    }

    fn column_names(t: &Value) -> Vec<(String, i64)> {
        t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["priority"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "default", "creationTimestamp": ago(2 * 86400 + 3 * 3600)})
    }

    /// A pod with `containers` regular containers, the given status and extra spec fields.
    fn pod(containers: &[&str], spec_extra: Value, status: Value) -> Value {
        let mut spec = json!({
            "containers": containers.iter().map(|c| json!({"name": c, "image": format!("{c}:1")})).collect::<Vec<_>>(),
        });
        if let Some(extra) = spec_extra.as_object() {
            for (k, v) in extra {
                spec[k] = v.clone();
            }
        }
        json!({"metadata": meta("p"), "spec": spec, "status": status})
    }

    fn running(name: &str, ready: bool, restarts: i64) -> Value {
        json!({"name": name, "ready": ready, "restartCount": restarts, "started": true,
               "state": {"running": {"startedAt": ago(600)}}})
    }

    fn waiting(name: &str, reason: &str, restarts: i64) -> Value {
        json!({"name": name, "ready": false, "restartCount": restarts,
               "state": {"waiting": {"reason": reason}}})
    }

    fn terminated(name: &str, reason: Option<&str>, exit: i64, signal: i64) -> Value {
        let mut t = json!({"exitCode": exit, "finishedAt": ago(60)});
        if let Some(r) = reason {
            t["reason"] = json!(r);
        }
        if signal != 0 {
            t["signal"] = json!(signal);
        }
        json!({"name": name, "ready": false, "restartCount": 0, "state": {"terminated": t}})
    }

    /// READY, STATUS and RESTARTS of a pod.
    fn pod_summary(p: Value) -> (String, String, String) {
        let c = cells("", "pods", p);
        (
            c[1].as_str().unwrap().to_string(),
            c[2].as_str().unwrap().to_string(),
            c[3].as_str().unwrap().to_string(),
        )
    }

    fn s(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.to_string(), b.to_string(), c.to_string())
    }

    // --- ages ------------------------------------------------------------------------------

    #[test]
    fn human_duration_matches_kubernetes() {
        let cases: &[(i64, &str)] = &[
            (-3, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (303, "5m3s"),
            (599, "9m59s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 4 * 60 + 30, "3h4m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (2 * 86400 + 3 * 3600, "2d3h"),
            (7 * 86400 + 23 * 3600, "7d23h"),
            (8 * 86400 + 5 * 3600, "8d"),
            (15 * 86400, "15d"),
            (729 * 86400, "729d"),
            (2 * 365 * 86400, "2y"),
            ((2 * 365 + 100) * 86400, "2y100d"),
            (8 * 365 * 86400 + 5 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                human_duration(TimeDelta::seconds(*secs)),
                *want,
                "{secs} seconds"
            );
        }
        // Sub-second skew truncates toward zero like Go's int(d.Seconds()).
        assert_eq!(human_duration(TimeDelta::milliseconds(-1500)), "0s");
    }

    #[test]
    fn missing_creation_timestamp_is_unknown_age() {
        let c = cells("", "configmaps", json!({"metadata": {"name": "x"}}));
        assert_eq!(c[2], json!("<unknown>"));
    }

    // --- pods ------------------------------------------------------------------------------

    #[test]
    fn pod_columns_and_wide_cells() {
        let p = json!({
            "metadata": meta("web-1"),
            "spec": {"containers": [{"name": "a"}], "nodeName": "node-1",
                     "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}],
                       "conditions": [{"type": "example.com/lb", "status": "True"},
                                      {"type": "example.com/dns", "status": "False"}],
                       "containerStatuses": [running("a", true, 0)]},
        });
        let t = print("", "pods", p);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Status".into(), 0),
                ("Restarts".into(), 0),
                ("Age".into(), 0),
                ("IP".into(), 1),
                ("Node".into(), 1),
                ("Nominated Node".into(), 1),
                ("Readiness Gates".into(), 1),
            ]
        );
        assert_eq!(t["columnDefinitions"][0]["format"], "name");
        assert_eq!(t["columnDefinitions"][3]["type"], "string");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web-1", "1/1", "Running", "0", "2d3h", "10.0.0.7", "node-1", "<none>", "1/2"
            ])
        );
        assert!(t["rows"][0].get("conditions").is_none());
    }

    #[test]
    fn pod_unscheduled_prints_none_for_wide_cells() {
        let c = cells(
            "",
            "pods",
            pod(&["a"], json!({}), json!({"phase": "Pending"})),
        );
        assert_eq!(&c[1..4], &[json!("0/1"), json!("Pending"), json!("0")]);
        assert_eq!(
            &c[5..],
            &[
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn pod_ip_falls_back_to_pod_ips() {
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "podIPs": [{"ip": "fd00::1"}]}),
        );
        assert_eq!(cells("", "pods", p)[5], json!("fd00::1"));
    }

    #[test]
    fn pod_ready_counts_only_ready_running_containers() {
        let p = pod(
            &["a", "b", "c"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [
                running("a", true, 0), running("b", false, 0), running("c", true, 0)]}),
        );
        assert_eq!(pod_summary(p), s("2/3", "Running", "0"));
    }

    #[test]
    fn pod_waiting_reasons() {
        for reason in [
            "ContainerCreating",
            "ImagePullBackOff",
            "ErrImagePull",
            "CreateContainerConfigError",
        ] {
            let p = pod(
                &["a"],
                json!({}),
                json!({"phase": "Pending", "containerStatuses": [waiting("a", reason, 0)]}),
            );
            assert_eq!(pod_summary(p), s("0/1", reason, "0"));
        }
    }

    #[test]
    fn pod_crash_loop_restarts_show_when_last_restarted() {
        let mut c = waiting("a", "CrashLoopBackOff", 14);
        c["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(123)}});
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [c]}),
        );
        assert_eq!(
            pod_summary(p),
            s("0/1", "CrashLoopBackOff", "14 (2m3s ago)")
        );
    }

    #[test]
    fn pod_restarts_take_latest_restart_across_containers() {
        let mut a = running("a", true, 2);
        a["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(7200)}});
        let mut b = running("b", true, 3);
        b["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(45)}});
        let p = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [a, b]}),
        );
        assert_eq!(pod_summary(p), s("2/2", "Running", "5 (45s ago)"));
    }

    #[test]
    fn pod_restarts_without_finish_time_are_a_bare_count() {
        let p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [running("a", true, 4)]}),
        );
        assert_eq!(pod_summary(p), s("1/1", "Running", "4"));
    }

    #[test]
    fn pod_terminated_reasons_and_row_conditions() {
        let done = pod(
            &["a"],
            json!({}),
            json!({"phase": "Succeeded", "containerStatuses": [terminated("a", Some("Completed"), 0, 0)]}),
        );
        let t = print("", "pods", done.clone());
        assert_eq!(pod_summary(done), s("0/1", "Completed", "0"));
        assert_eq!(
            t["rows"][0]["conditions"],
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded",
                    "message": "The pod has completed successfully."}])
        );

        let failed = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", Some("Error"), 1, 0)]}),
        );
        let t = print("", "pods", failed.clone());
        assert_eq!(pod_summary(failed), s("0/1", "Error", "0"));
        assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Failed");
        assert_eq!(t["rows"][0]["conditions"][0]["message"], "The pod failed.");
    }

    #[test]
    fn pod_terminated_without_reason_prints_signal_or_exit_code() {
        let signal = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", None, 137, 9)]}),
        );
        assert_eq!(pod_summary(signal).1, "Signal:9");
        let exit = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "containerStatuses": [terminated("a", None, 137, 0)]}),
        );
        assert_eq!(pod_summary(exit).1, "ExitCode:137");
    }

    #[test]
    fn pod_first_container_state_wins() {
        // printPod walks statuses backwards, so container 0's reason is the last assignment.
        let p = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [
                waiting("a", "ImagePullBackOff", 0), waiting("b", "CrashLoopBackOff", 0)]}),
        );
        assert_eq!(pod_summary(p).1, "ImagePullBackOff");
    }

    #[test]
    fn pod_completed_container_next_to_running_one() {
        let statuses = json!([
            terminated("a", Some("Completed"), 0, 0),
            running("b", true, 0)
        ]);
        let not_ready = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": statuses}),
        );
        assert_eq!(pod_summary(not_ready), s("1/2", "NotReady", "0"));
        let ready = pod(
            &["a", "b"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": statuses,
                   "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        assert_eq!(pod_summary(ready), s("1/2", "Running", "0"));
    }

    #[test]
    fn pod_init_progress() {
        let inits = json!({"initContainers": [{"name": "i0"}, {"name": "i1"}]});
        let first = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending",
                   "initContainerStatuses": [running("i0", false, 0), waiting("i1", "PodInitializing", 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(first), s("0/1", "Init:0/2", "0"));
        let second = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending",
                   "initContainerStatuses": [terminated("i0", Some("Completed"), 0, 0), running("i1", false, 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(second), s("0/1", "Init:1/2", "0"));
        // All init containers done: the main container's PodInitializing shows.
        let done = pod(
            &["a"],
            inits,
            json!({"phase": "Pending",
                   "initContainerStatuses": [terminated("i0", Some("Completed"), 0, 0),
                                             terminated("i1", Some("Completed"), 0, 0)],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        assert_eq!(pod_summary(done), s("0/1", "PodInitializing", "0"));
    }

    #[test]
    fn pod_init_failures() {
        let inits = json!({"initContainers": [{"name": "i0"}]});
        let mut crash = waiting("i0", "CrashLoopBackOff", 3);
        crash["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(30)}});
        let p = pod(
            &["a"],
            inits.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [crash],
                   "containerStatuses": [waiting("a", "PodInitializing", 0)]}),
        );
        // Init container restarts count while the pod is still initializing.
        assert_eq!(
            pod_summary(p),
            s("0/1", "Init:CrashLoopBackOff", "3 (30s ago)")
        );

        let cases = [
            (terminated("i0", Some("Error"), 1, 0), "Init:Error"),
            (terminated("i0", None, 2, 0), "Init:ExitCode:2"),
            (terminated("i0", None, 143, 15), "Init:Signal:15"),
        ];
        for (status, want) in cases {
            let p = pod(
                &["a"],
                inits.clone(),
                json!({"phase": "Failed", "initContainerStatuses": [status]}),
            );
            assert_eq!(pod_summary(p).1, want);
        }
    }

    #[test]
    fn pod_sidecars_count_in_ready_and_restarts() {
        let spec = json!({"initContainers": [
            {"name": "proxy", "restartPolicy": "Always"}, {"name": "migrate"}]});
        let mut proxy = running("proxy", true, 2);
        proxy["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(300)}});
        let mut migrate = terminated("migrate", Some("Completed"), 0, 0);
        migrate["restartCount"] = json!(5);
        migrate["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(20)}});
        let p = pod(
            &["app"],
            spec.clone(),
            json!({"phase": "Running",
                   "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                   "initContainerStatuses": [proxy, migrate],
                   "containerStatuses": [running("app", true, 0)]}),
        );
        // Regular init container restarts are dropped once the pod is initialized.
        assert_eq!(pod_summary(p), s("2/2", "Running", "2 (5m ago)"));

        let not_started = pod(
            &["app"],
            spec,
            json!({"phase": "Pending",
                   "initContainerStatuses": [waiting("proxy", "ContainerCreating", 0),
                                             waiting("migrate", "PodInitializing", 0)],
                   "containerStatuses": [waiting("app", "PodInitializing", 0)]}),
        );
        assert_eq!(
            pod_summary(not_started),
            s("0/2", "Init:ContainerCreating", "0")
        );
    }

    #[test]
    fn pod_deletion_states() {
        let mut p = pod(
            &["a"],
            json!({}),
            json!({"phase": "Running", "containerStatuses": [running("a", true, 0)]}),
        );
        p["metadata"]["deletionTimestamp"] = json!(ago(5));
        assert_eq!(pod_summary(p.clone()).1, "Terminating");

        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(pod_summary(p).1, "Unknown");

        let mut done = pod(
            &["a"],
            json!({}),
            json!({"phase": "Succeeded", "containerStatuses": [terminated("a", Some("Completed"), 0, 0)]}),
        );
        done["metadata"]["deletionTimestamp"] = json!(ago(5));
        assert_eq!(pod_summary(done).1, "Completed");
    }

    #[test]
    fn pod_reason_and_scheduling_gates() {
        let evicted = pod(
            &["a"],
            json!({}),
            json!({"phase": "Failed", "reason": "Evicted"}),
        );
        assert_eq!(pod_summary(evicted).1, "Evicted");
        let gated = pod(
            &["a"],
            json!({}),
            json!({"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        );
        assert_eq!(pod_summary(gated).1, "SchedulingGated");
    }

    // --- core kinds ------------------------------------------------------------------------

    #[test]
    fn namespace_and_node() {
        let ns = json!({"metadata": meta("data"), "status": {"phase": "Active"}});
        assert_eq!(
            cells("", "namespaces", ns),
            vec![json!("data"), json!("Active"), json!("2d3h")]
        );

        let node = json!({
            "metadata": {"name": "n1", "creationTimestamp": ago(15 * 86400),
                         "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "etcd",
                                    "node-role.kubernetes.io/worker": ""}},
            "spec": {"unschedulable": true},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "192.168.1.10"}],
                "nodeInfo": {"kubeletVersion": "v1.35.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.1.0", "containerRuntimeVersion": "containerd://2.0.0"},
            },
        });
        let t = print("", "nodes", node);
        assert_eq!(
            column_names(&t)
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>(),
            vec![
                "Name",
                "Status",
                "Roles",
                "Age",
                "Version",
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime"
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "n1",
                "Ready,SchedulingDisabled",
                "control-plane,etcd,worker",
                "15d",
                "v1.35.0",
                "192.168.1.10",
                "<none>",
                "Debian GNU/Linux 12 (bookworm)",
                "6.1.0",
                "containerd://2.0.0"
            ])
        );

        let bare = json!({"metadata": {"name": "n2"}, "status": {}});
        let c = cells("", "nodes", bare);
        assert_eq!(c[1], json!("Unknown"));
        assert_eq!(c[2], json!("<none>"));
        assert_eq!(c[7], json!("<unknown>"));
    }

    #[test]
    fn service_ports_and_external_ips() {
        let svc = json!({
            "metadata": meta("web"),
            "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                     "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 30443}],
                     "selector": {"tier": "front", "app": "web"}},
        });
        let t = print("", "services", svc);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Type".into(), 0),
                ("Cluster-IP".into(), 0),
                ("External-IP".into(), 0),
                ("Port(s)".into(), 0),
                ("Age".into(), 0),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web",
                "NodePort",
                "10.96.0.10",
                "<none>",
                "80/TCP,443:30443/TCP",
                "2d3h",
                "app=web,tier=front"
            ])
        );

        let lb = |status: Value, external: Value| {
            cells(
                "",
                "services",
                json!({"metadata": meta("lb"),
                "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11",
                         "ports": [{"port": 5432, "protocol": "TCP", "nodePort": 31000}],
                         "externalIPs": external},
                "status": {"loadBalancer": status}}),
            )[3]
            .clone()
        };
        assert_eq!(lb(json!({}), json!([])), json!("<pending>"));
        assert_eq!(
            lb(
                json!({"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}),
                json!(["198.51.100.1"])
            ),
            json!("203.0.113.9,lb.example.com,198.51.100.1")
        );

        let headless = cells(
            "",
            "services",
            json!({"metadata": meta("db"),
            "spec": {"clusterIP": "None", "clusterIPs": ["None"]}}),
        );
        assert_eq!(
            &headless[1..5],
            &[
                json!("ClusterIP"),
                json!("None"),
                json!("<none>"),
                json!("<none>")
            ]
        );
        assert_eq!(headless[6], json!("<none>"));

        let external = cells(
            "",
            "services",
            json!({"metadata": meta("ext"),
            "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
        );
        assert_eq!(&external[2..4], &[json!("<none>"), json!("db.example.com")]);
    }

    #[test]
    fn endpoints_list_three_then_more() {
        let ep = json!({"metadata": meta("web"), "subsets": [{
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
            "ports": [{"port": 8080}]}]});
        assert_eq!(
            cells("", "endpoints", ep)[1],
            json!("10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...")
        );
        let v6 = json!({"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]});
        assert_eq!(cells("", "endpoints", v6)[1], json!("[fd00::1]:80"));
        let empty = json!({"metadata": meta("none")});
        assert_eq!(cells("", "endpoints", empty)[1], json!("<none>"));
    }

    #[test]
    fn configmap_secret_serviceaccount_counts_are_integers() {
        let cm = json!({"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(
            cells("", "configmaps", cm),
            vec![json!("cfg"), json!(3), json!("2d3h")]
        );
        let secret = json!({"metadata": meta("tls"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            cells("", "secrets", secret),
            vec![
                json!("tls"),
                json!("kubernetes.io/tls"),
                json!(2),
                json!("2d3h")
            ]
        );
        let sa = json!({"metadata": meta("default")});
        assert_eq!(cells("", "serviceaccounts", sa)[1], json!(0));
    }

    #[test]
    fn events_columns_and_cells() {
        let ev = json!({
            "metadata": {"name": "web-1.17f", "namespace": "default", "creationTimestamp": ago(600)},
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{app}"},
            "reason": "BackOff", "type": "Warning",
            "message": "Back-off restarting failed container app\n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 7,
        });
        let t = print("", "events", ev);
        assert_eq!(
            column_names(&t),
            vec![
                ("Last Seen".into(), 0),
                ("Type".into(), 0),
                ("Reason".into(), 0),
                ("Object".into(), 0),
                ("Subobject".into(), 1),
                ("Source".into(), 1),
                ("Message".into(), 0),
                ("First Seen".into(), 1),
                ("Count".into(), 1),
                ("Name".into(), 1)
            ]
        );
        assert_eq!(t["columnDefinitions"][9]["format"], "name");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "30s",
                "Warning",
                "BackOff",
                "pod/web-1",
                "spec.containers{app}",
                "kubelet, node-1",
                "Back-off restarting failed container app",
                "10m",
                7,
                "web-1.17f"
            ])
        );
    }

    #[test]
    fn events_from_the_new_api_use_event_time_and_series() {
        let ev = json!({
            "metadata": {"name": "e", "creationTimestamp": ago(600)},
            "involvedObject": {"kind": "Node"},
            "reason": "Rebooted", "type": "Normal", "message": "ok",
            "eventTime": "2025-06-01T11:50:00.123456Z",
            "reportingComponent": "kubelet",
        });
        let c = cells("", "events", ev.clone());
        // 9m59.88s ago: ages truncate, they never round up.
        assert_eq!(c[0], json!("9m59s"));
        assert_eq!(c[3], json!("node"));
        assert_eq!(c[5], json!("kubelet"));
        assert_eq!(c[8], json!(1));

        let mut series = ev;
        series["series"] = json!({"count": 4, "lastObservedTime": "2025-06-01T11:59:00.000000Z"});
        let c = cells("", "events", series);
        assert_eq!(c[0], json!("60s"));
        assert_eq!(c[8], json!(4));
    }

    #[test]
    fn persistent_volume_claims_and_volumes() {
        let bound = json!({
            "metadata": meta("data-pg-0"),
            "spec": {"volumeName": "pv-1", "storageClassName": "standard",
                     "resources": {"requests": {"storage": "5Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "10Gi"},
                       "accessModes": ["ReadWriteMany", "ReadWriteOnce"]},
        });
        assert_eq!(
            cells("", "persistentvolumeclaims", bound),
            vec![
                json!("data-pg-0"),
                json!("Bound"),
                json!("pv-1"),
                json!("10Gi"),
                json!("RWO,RWX"),
                json!("standard"),
                json!("<unset>"),
                json!("2d3h"),
                json!("Filesystem")
            ]
        );
        let pending = json!({"metadata": meta("p"), "spec": {"resources": {"requests": {"storage": "5Gi"}}},
                             "status": {"phase": "Pending"}});
        let c = cells("", "persistentvolumeclaims", pending);
        assert_eq!(
            &c[1..6],
            &[json!("Pending"), json!(""), json!(""), json!(""), json!("")]
        );

        let pv = json!({
            "metadata": {"name": "pv-1", "creationTimestamp": ago(86400 * 3),
                         "annotations": {"volume.beta.kubernetes.io/storage-class": "legacy"}},
            "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                     "claimRef": {"namespace": "default", "name": "data-pg-0"}, "volumeMode": "Block"},
            "status": {"phase": "Bound"},
        });
        assert_eq!(
            cells("", "persistentvolumes", pv),
            vec![
                json!("pv-1"),
                json!("10Gi"),
                json!("RWO"),
                json!("Delete"),
                json!("Bound"),
                json!("default/data-pg-0"),
                json!("legacy"),
                json!("<unset>"),
                json!(""),
                json!("3d"),
                json!("Block")
            ]
        );
    }

    // --- workloads -------------------------------------------------------------------------

    #[test]
    fn deployments() {
        let d = json!({
            "metadata": meta("web"),
            "spec": {"replicas": 3,
                     "selector": {"matchLabels": {"app": "web"},
                                  "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                                       {"key": "canary", "operator": "DoesNotExist"}]},
                     "template": {"spec": {"containers": [{"name": "app", "image": "web:1.2"},
                                                          {"name": "proxy", "image": "envoy:1.30"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        });
        let t = print("apps", "deployments", d);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Up-to-date".into(), 0),
                ("Available".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web",
                "2/3",
                3,
                2,
                "2d3h",
                "app,proxy",
                "web:1.2,envoy:1.30",
                "app=web,!canary,tier in (a,b)"
            ])
        );
        // A fresh deployment without status and replicas reads 0/1 (replicas defaults to 1).
        let fresh =
            json!({"metadata": meta("new"), "spec": {"selector": {"matchLabels": {"app": "new"}}}});
        assert_eq!(
            &cells("apps", "deployments", fresh)[1..4],
            &[json!("0/1"), json!(0), json!(0)]
        );
    }

    #[test]
    fn replica_sets_stateful_sets_daemon_sets() {
        let rs = json!({"metadata": meta("web-5d8f"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d8f"}},
                     "template": {"spec": {"containers": [{"name": "app", "image": "web:1"}]}}},
            "status": {"replicas": 3, "readyReplicas": 1}});
        assert_eq!(
            cells("apps", "replicasets", rs),
            vec![
                json!("web-5d8f"),
                json!(3),
                json!(3),
                json!(1),
                json!("2d3h"),
                json!("app"),
                json!("web:1"),
                json!("app=web,pod-template-hash=5d8f")
            ]
        );

        let sts = json!({"metadata": meta("pg"), "spec": {"replicas": 3,
            "template": {"spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}},
            "status": {"readyReplicas": 2}});
        let t = print("apps", "statefulsets", sts);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Ready".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["pg", "2/3", "2d3h", "postgres", "postgres:16"])
        );

        let ds = json!({"metadata": meta("fluent"), "spec": {
            "selector": {"matchLabels": {"app": "fluent"}},
            "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                  "containers": [{"name": "fb", "image": "fluent-bit:3"}]}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                       "updatedNumberScheduled": 3, "numberAvailable": 2}});
        assert_eq!(
            cells("apps", "daemonsets", ds),
            vec![
                json!("fluent"),
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux"),
                json!("2d3h"),
                json!("fb"),
                json!("fluent-bit:3"),
                json!("app=fluent")
            ]
        );
    }

    #[test]
    fn controller_revisions_name_their_controller() {
        let cr = json!({"metadata": {"name": "pg-7c9", "creationTimestamp": ago(90),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "pg", "controller": true}]},
            "revision": 2});
        assert_eq!(
            cells("apps", "controllerrevisions", cr),
            vec![
                json!("pg-7c9"),
                json!("statefulset.apps/pg"),
                json!(2),
                json!("90s")
            ]
        );
        let orphan = json!({"metadata": {"name": "x"}, "revision": 1});
        assert_eq!(
            cells("apps", "controllerrevisions", orphan)[1],
            json!("<none>")
        );
    }

    fn job(spec: Value, status: Value) -> Value {
        let mut spec = spec;
        spec["template"] = json!({"spec": {"containers": [{"name": "dbt", "image": "dbt:1.10"}]}});
        spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}});
        json!({"metadata": meta("nightly"), "spec": spec, "status": status})
    }

    fn cond(kind: &str, status: &str) -> Value {
        json!({"type": kind, "status": status})
    }

    #[test]
    fn jobs_status_completions_duration() {
        let t = print(
            "batch",
            "jobs",
            job(
                json!({"completions": 1, "parallelism": 1}),
                json!({"startTime": ago(65), "active": 1}),
            ),
        );
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Status".into(), 0),
                ("Completions".into(), 0),
                ("Duration".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "nightly",
                "Running",
                "0/1",
                "65s",
                "2d3h",
                "dbt",
                "dbt:1.10",
                "batch.kubernetes.io/controller-uid=u1"
            ])
        );

        let complete = job(
            json!({"completions": 3}),
            json!({"succeeded": 3, "startTime": ago(600), "completionTime": ago(297),
                   "conditions": [cond("SuccessCriteriaMet", "True"), cond("Complete", "True")]}),
        );
        assert_eq!(
            &cells("batch", "jobs", complete)[1..4],
            &[json!("Complete"), json!("3/3"), json!("5m3s")]
        );

        let states = [
            (
                vec![cond("FailureTarget", "True"), cond("Failed", "True")],
                "Failed",
            ),
            (vec![cond("Suspended", "True")], "Suspended"),
            (vec![cond("FailureTarget", "True")], "FailureTarget"),
            (
                vec![cond("Complete", "False"), cond("Suspended", "False")],
                "Running",
            ),
        ];
        for (conditions, want) in states {
            let j = job(json!({"completions": 1}), json!({"conditions": conditions}));
            assert_eq!(cells("batch", "jobs", j)[1], json!(want));
        }

        let mut deleting = job(json!({"completions": 1}), json!({"active": 1}));
        deleting["metadata"]["deletionTimestamp"] = json!(ago(1));
        assert_eq!(
            cells("batch", "jobs", deleting.clone())[1],
            json!("Terminating")
        );
        // Complete outranks Terminating.
        deleting["status"]["conditions"] = json!([cond("Complete", "True")]);
        assert_eq!(cells("batch", "jobs", deleting)[1], json!("Complete"));

        let queue = job(json!({"parallelism": 3}), json!({"succeeded": 1}));
        let c = cells("batch", "jobs", queue);
        assert_eq!(&c[2..4], &[json!("1/1 of 3"), json!("")]);
    }

    #[test]
    fn cron_jobs() {
        let cj = json!({
            "metadata": meta("sync"),
            "spec": {"schedule": "*/15 * * * *", "timeZone": "Europe/Paris",
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": [
                         {"name": "airbyte", "image": "airbyte/worker:1"}]}}}}},
            "status": {"active": [{"name": "sync-1"}, {"name": "sync-2"}], "lastScheduleTime": ago(90)},
        });
        let t = print("batch", "cronjobs", cj);
        assert_eq!(
            column_names(&t),
            vec![
                ("Name".into(), 0),
                ("Schedule".into(), 0),
                ("Timezone".into(), 0),
                ("Suspend".into(), 0),
                ("Active".into(), 0),
                ("Last Schedule".into(), 0),
                ("Age".into(), 0),
                ("Containers".into(), 1),
                ("Images".into(), 1),
                ("Selector".into(), 1)
            ]
        );
        assert_eq!(t["columnDefinitions"][3]["type"], "boolean");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "sync",
                "*/15 * * * *",
                "Europe/Paris",
                "False",
                2,
                "90s",
                "2d3h",
                "airbyte",
                "airbyte/worker:1",
                "<none>"
            ])
        );
        let idle =
            json!({"metadata": meta("idle"), "spec": {"schedule": "@daily", "suspend": true}});
        assert_eq!(
            &cells("batch", "cronjobs", idle)[1..6],
            &[
                json!("@daily"),
                json!("<none>"),
                json!("True"),
                json!(0),
                json!("<none>")
            ]
        );
    }

    // --- other built-ins -------------------------------------------------------------------

    #[test]
    fn roles_and_crds_print_created_at() {
        for (group, plural) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
        ] {
            let obj =
                json!({"metadata": {"name": "x", "creationTimestamp": "2025-05-30T08:09:10Z"}});
            let t = print(group, plural, obj);
            assert_eq!(
                column_names(&t),
                vec![("Name".into(), 0), ("Created At".into(), 0)]
            );
            assert_eq!(t["columnDefinitions"][1]["type"], "date");
            assert_eq!(t["rows"][0]["cells"], json!(["x", "2025-05-30T08:09:10Z"]));
        }
    }

    #[test]
    fn role_bindings_list_subjects_in_wide_columns() {
        let rb = json!({"metadata": meta("edit"), "roleRef": {"kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "data"},
                         {"kind": "ServiceAccount", "namespace": "airflow", "name": "worker"},
                         {"kind": "User", "name": "bob"}]});
        let t = print("rbac.authorization.k8s.io", "rolebindings", rb);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "edit",
                "ClusterRole/edit",
                "2d3h",
                "alice, bob",
                "data",
                "airflow/worker"
            ])
        );
        assert_eq!(column_names(&t)[3], ("Users".into(), 1));
    }

    #[test]
    fn pdb_ingress_netpol_lease_storageclass_webhooks() {
        let pdb = json!({"metadata": meta("pg"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            cells("policy", "poddisruptionbudgets", pdb),
            vec![
                json!("pg"),
                json!("50%"),
                json!("N/A"),
                json!(1),
                json!("2d3h")
            ]
        );

        let ing = json!({"metadata": meta("web"), "spec": {"ingressClassName": "nginx",
            "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {}, {"host": "c.example.com"},
                      {"host": "d.example.com"}],
            "tls": [{"hosts": ["a.example.com"]}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.5"}]}}});
        assert_eq!(
            cells("networking.k8s.io", "ingresses", ing),
            vec![
                json!("web"),
                json!("nginx"),
                json!("a.example.com,b.example.com,c.example.com + 2 more..."),
                json!("203.0.113.5"),
                json!("80, 443"),
                json!("2d3h")
            ]
        );
        let bare = json!({"metadata": meta("any"), "spec": {"defaultBackend": {}}});
        assert_eq!(
            &cells("networking.k8s.io", "ingresses", bare)[1..5],
            &[json!("<none>"), json!("*"), json!(""), json!("80")]
        );

        let np = json!({"metadata": meta("deny"), "spec": {"podSelector": {}}});
        assert_eq!(
            cells("networking.k8s.io", "networkpolicies", np)[1],
            json!("<none>")
        );

        let lease = json!({"metadata": meta("leader"), "spec": {"holderIdentity": "ctrl-0"}});
        assert_eq!(
            cells("coordination.k8s.io", "leases", lease)[1],
            json!("ctrl-0")
        );

        let sc = json!({"metadata": {"name": "standard", "creationTimestamp": ago(86400 * 20),
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            cells("storage.k8s.io", "storageclasses", sc),
            vec![
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("20d")
            ]
        );

        let hook =
            json!({"metadata": meta("cert-manager"), "webhooks": [{"name": "a"}, {"name": "b"}]});
        assert_eq!(
            cells(
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
                hook
            )[1],
            json!(2)
        );
    }

    #[test]
    fn label_selectors_format_like_the_api_server() {
        assert_eq!(format_label_selector(&Value::Null), "<none>");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(
            format_label_selector(&json!({"matchExpressions": [
                {"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
                {"key": "app", "operator": "Exists"}]})),
            "app,env notin (dev,prod)"
        );
        assert_eq!(
            format_label_selector(
                &json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})
            ),
            "<error>"
        );
        assert_eq!(format_labels(&json!({})), "<none>");
    }

    // --- rows and objects ------------------------------------------------------------------

    #[test]
    fn include_object_shapes_rows() {
        let cm = Arc::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cfg"), "data": {"k": "v"}}),
        );
        let info = info("", "configmaps");
        let none = to_table(&info, std::slice::from_ref(&cm), IncludeObject::None, now());
        assert_eq!(none["kind"], "Table");
        assert_eq!(none["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(none["rows"][0]["object"], Value::Null);
        let partial = to_table(
            &info,
            std::slice::from_ref(&cm),
            IncludeObject::Metadata,
            now(),
        );
        assert_eq!(
            partial["rows"][0]["object"],
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta("cfg")})
        );
        let whole = to_table(
            &info,
            std::slice::from_ref(&cm),
            IncludeObject::Object,
            now(),
        );
        assert_eq!(whole["rows"][0]["object"], *cm);
    }

    #[test]
    fn rows_keep_input_order() {
        let objs: Vec<Arc<Value>> = ["b", "a", "c"]
            .iter()
            .map(|n| Arc::new(json!({"metadata": {"name": n}})))
            .collect();
        let t = to_table(&info("", "secrets"), &objs, IncludeObject::None, now());
        let names: Vec<&str> = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cells"][0].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["b", "a", "c"]);
    }

    #[test]
    fn unknown_kinds_print_name_and_age() {
        let mut unknown = info("", "pods");
        unknown.group = "example.com".into();
        unknown.plural = "widgets".into();
        let obj = Arc::new(json!({"metadata": {"name": "w", "creationTimestamp": ago(303)}}));
        let t = to_table(&unknown, &[obj], IncludeObject::None, now());
        assert_eq!(
            column_names(&t),
            vec![("Name".into(), 0), ("Age".into(), 0)]
        );
        assert_eq!(t["rows"][0]["cells"], json!(["w", "5m3s"]));
    }

    // --- custom resources ------------------------------------------------------------------

    #[test]
    fn crd_printer_columns() {
        let columns = vec![
            json!({"name": "Phase", "type": "string", "jsonPath": ".status.phase"}),
            json!({"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "description": "Desired replicas"}),
            json!({"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}),
            json!({"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused", "priority": 1}),
            json!({"name": "Load", "type": "number", "jsonPath": ".status.load"}),
            json!({"name": "Hosts", "type": "string", "jsonPath": ".spec.hosts"}),
            json!({"name": "First", "type": "string", "jsonPath": ".spec.hosts[0]"}),
            json!({"name": "Missing", "type": "string", "jsonPath": ".status.nothing"}),
            json!({"name": "Wrong Type", "type": "integer", "jsonPath": ".status.phase"}),
            json!({"name": "Last Sync", "type": "date", "jsonPath": ".status.lastSync"}),
            json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
        ];
        let chi = Arc::new(json!({
            "metadata": {"name": "analytics", "creationTimestamp": ago(3 * 3600 + 240)},
            "spec": {"replicas": 2, "paused": false, "hosts": ["ch-0", "ch-1"]},
            "status": {"phase": "Completed", "load": 0.75, "lastSync": "not a time",
                       "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
        }));
        let t = to_table_with_columns(&columns, &[chi], IncludeObject::Metadata, now());
        let defs = t["columnDefinitions"].as_array().unwrap();
        assert_eq!(defs.len(), columns.len() + 1);
        assert_eq!(defs[0]["name"], "Name");
        assert_eq!(defs[0]["format"], "name");
        assert_eq!(
            defs[1]["description"],
            "Custom resource definition column (in JSONPath format): .status.phase"
        );
        assert_eq!(defs[2]["description"], "Desired replicas");
        assert_eq!(defs[4]["priority"], 1);
        assert_eq!(defs[11]["type"], "date");
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "analytics",
                "Completed",
                2,
                "True",
                false,
                0.75,
                "[\"ch-0\",\"ch-1\"]",
                "ch-0",
                null,
                null,
                "<invalid>",
                "3h4m"
            ])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }

    #[test]
    fn crd_without_printer_columns_gets_name_and_age() {
        let obj = Arc::new(
            json!({"metadata": {"name": "x", "creationTimestamp": ago(2 * 86400 + 3 * 3600)}}),
        );
        let t = to_table_with_columns(&[], &[obj], IncludeObject::None, now());
        assert_eq!(
            column_names(&t),
            vec![("Name".into(), 0), ("Age".into(), 0)]
        );
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
        assert_eq!(
            t["columnDefinitions"][1]["description"],
            CREATION_TIMESTAMP_DOC
        );
        assert_eq!(t["rows"][0]["cells"], json!(["x", "2d3h"]));
    }

    #[test]
    fn jsonpath_subset() {
        let doc = json!({"a": {"b.c": 1, "list": [{"n": 1, "v": "x"}, {"n": 2, "v": "y"}]}});
        let first = |p: &str| JsonPath::parse(p).and_then(|jp| jp.first(&doc).cloned());
        assert_eq!(first(".a['b.c']"), Some(json!(1)));
        assert_eq!(first(".a.list[1].v"), Some(json!("y")));
        assert_eq!(first(".a.list[-1].n"), Some(json!(2)));
        assert_eq!(first(".a.list[*].v"), Some(json!("x")));
        assert_eq!(first(".a.list[?(@.n > 1)].v"), Some(json!("y")));
        assert_eq!(first(".a.list[?(@.v != 'x')].n"), Some(json!(2)));
        assert_eq!(first(".a.list[?(@.missing)].n"), None);
        assert_eq!(first("{.a.list[0].n}"), Some(json!(1)));
        assert_eq!(first(".a.nope"), None);
        assert_eq!(JsonPath::parse("..a"), None);
        assert_eq!(JsonPath::parse("a.b"), None);
    }

    #[test]
    fn string_columns_print_numbers_like_go() {
        let n = |v: Value| custom_cell("string", &v, now());
        assert_eq!(n(json!(3)), json!("3"));
        assert_eq!(n(json!(1.5)), json!("1.5"));
        assert_eq!(n(json!(2.0)), json!("2"));
        assert_eq!(n(json!(1234567.5)), json!("1.2345675e+06"));
        assert_eq!(n(json!(0.00001)), json!("1e-05"));
        assert_eq!(n(json!(true)), json!("true"));
        assert_eq!(n(json!({"a": 1})), json!("{\"a\":1}"));
        assert_eq!(custom_cell("integer", &json!(2.9), now()), json!(2));
        assert_eq!(custom_cell("date", &json!(""), now()), json!("<unknown>"));
    }
}
