//! The printers of the built-in kinds: their column definitions and the cells of one object,
//! following kube-apiserver's `printers.go`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::fields::*;
use super::{Cell, Column, Printer, RowHealth, human_duration};
use crate::json::{go_zero_time, int, items, meta_time, text};

/// A row of cells from values of mixed types.
macro_rules! cells {
    ($($cell:expr),* $(,)?) => {
        vec![$(Cell::from($cell)),*]
    };
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

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
pub const CREATION_TIMESTAMP_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";
const SELECTOR_DOC: &str = "A label query over pods that should match the replica count. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

pub const NAME: Column = Column {
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

type CellsFn = fn(&Value) -> Vec<Cell>;
type HealthFn = fn(&[Cell]) -> RowHealth;

fn no_conditions(_: &Value) -> Option<Value> {
    None
}

// What rows mean, from each kind's own columns (indices into the columns above).

fn text_at(cells: &[Cell], i: usize) -> &str {
    match cells.get(i) {
        Some(Cell::Text(t)) => t,
        _ => "",
    }
}

fn int_at(cells: &[Cell], i: usize) -> i64 {
    match cells.get(i) {
        Some(Cell::Int(n)) => *n,
        _ => 0,
    }
}

/// `ready/desired` as kubectl prints READY.
fn ready_fraction(cells: &[Cell], i: usize) -> Option<(i64, i64)> {
    let (a, b) = text_at(cells, i).split_once('/')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Kinds whose rows say nothing about health.
fn neutral(_: &[Cell]) -> RowHealth {
    RowHealth::Running
}

fn pod_health(cells: &[Cell]) -> RowHealth {
    let (ready, total) = ready_fraction(cells, 1).unwrap_or((0, 0));
    RowHealth::of_pod_status(
        text_at(cells, 2),
        u32::try_from(ready).unwrap_or(0),
        u32::try_from(total).unwrap_or(0),
    )
}

/// STATUS in the second column (namespaces, nodes, claims).
fn status_health(cells: &[Cell]) -> RowHealth {
    RowHealth::of_status_word(text_at(cells, 1))
}

fn pv_health(cells: &[Cell]) -> RowHealth {
    // NAME, CAPACITY, ACCESS MODES, RECLAIM POLICY, STATUS
    RowHealth::of_status_word(text_at(cells, 4))
}

fn job_health(cells: &[Cell]) -> RowHealth {
    match text_at(cells, 1) {
        "Complete" => RowHealth::Completed,
        "Failed" | "FailureTarget" => RowHealth::Failed,
        "Suspended" => RowHealth::Pending,
        "Terminating" => RowHealth::Terminating,
        _ => RowHealth::Running,
    }
}

fn event_health(cells: &[Cell]) -> RowHealth {
    match text_at(cells, 1) {
        "Warning" => RowHealth::Degraded,
        _ => RowHealth::Running,
    }
}

/// READY as `ready/desired` in the second column (Deployments, StatefulSets).
fn ready_health(cells: &[Cell]) -> RowHealth {
    match ready_fraction(cells, 1) {
        Some((ready, desired)) => RowHealth::of_ready(ready, desired),
        None => RowHealth::Running,
    }
}

fn replica_set_health(cells: &[Cell]) -> RowHealth {
    // NAME, DESIRED, CURRENT, READY
    RowHealth::of_ready(int_at(cells, 3), int_at(cells, 1))
}

fn daemon_set_health(cells: &[Cell]) -> RowHealth {
    // NAME, DESIRED, CURRENT, READY
    RowHealth::of_ready(int_at(cells, 3), int_at(cells, 1))
}

/// The printer of a built-in kind by API group and plural; `None` for kinds the API server
/// prints with the generic columns (custom resources, kinds without a printer).
pub fn printer_for(group: &str, plural: &str) -> Option<Printer> {
    let (columns, cells): (&'static [Column], CellsFn) = match (group, plural) {
        ("", "pods") => {
            return Some(Printer {
                columns: POD_COLUMNS,
                cells: pod_cells,
                conditions: pod_conditions,
                health: pod_health,
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
    let health: HealthFn = match (group, plural) {
        ("", "namespaces" | "nodes" | "persistentvolumeclaims") => status_health,
        ("", "persistentvolumes") => pv_health,
        ("", "events") => event_health,
        ("apps", "deployments" | "statefulsets") => ready_health,
        ("apps", "replicasets") => replica_set_health,
        ("apps", "daemonsets") => daemon_set_health,
        ("batch", "jobs") => job_health,
        _ => neutral,
    };
    Some(Printer {
        columns,
        cells,
        conditions: no_conditions,
        health,
    })
}

// --- pods ------------------------------------------------------------------------------------

/// `printPod`: READY counts ready regular containers plus started, ready sidecars (restartable
/// init containers); STATUS is the pod's reason refined by init and container states;
/// RESTARTS adds `(<age> ago)` of the latest restart.
fn pod_cells(pod: &Value) -> Vec<Cell> {
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
        let finished = meta_time(&c["lastState"]["terminated"]["finishedAt"]);
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
                meta_time(&c["lastState"]["terminated"]["finishedAt"]),
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

    let restarts_cell = Cell::Restarts {
        count: restarts,
        last: last_restart,
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
    cells![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        restarts_cell,
        age(pod),
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

fn namespace_cells(ns: &Value) -> Vec<Cell> {
    // The API server sets the phase on create (Active) and on delete (Terminating).
    let phase = match text(&ns["status"]["phase"]) {
        "" if is_deleting(ns) => "Terminating",
        "" => "Active",
        p => p,
    };
    cells![name(ns), json!(phase), age(ns)]
}

fn node_cells(node: &Value) -> Vec<Cell> {
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
    cells![
        name(node),
        json!(state.join(",")),
        json!(or_none(&roles)),
        age(node),
        json!(text(&info["kubeletVersion"])),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(unknown(&info["osImage"])),
        json!(unknown(&info["kernelVersion"])),
        json!(unknown(&info["containerRuntimeVersion"])),
    ]
}

fn service_cells(svc: &Value) -> Vec<Cell> {
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
    cells![
        name(svc),
        json!(kind),
        json!(cluster_ip),
        json!(external),
        json!(or_none(&ports)),
        age(svc),
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
fn endpoints_cells(ep: &Value) -> Vec<Cell> {
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
    cells![name(ep), json!(cell), age(ep)]
}

/// Go's `net.JoinHostPort`: IPv6 hosts go in brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn configmap_cells(cm: &Value) -> Vec<Cell> {
    let count = object_len(&cm["data"]) + object_len(&cm["binaryData"]);
    cells![name(cm), json!(count), age(cm)]
}

fn secret_cells(secret: &Value) -> Vec<Cell> {
    // Unset type means Opaque (API default).
    let kind = match text(&secret["type"]) {
        "" => "Opaque",
        t => t,
    };
    cells![
        name(secret),
        json!(kind),
        json!(object_len(&secret["data"])),
        age(secret),
    ]
}

fn object_len(v: &Value) -> usize {
    v.as_object().map_or(0, Map::len)
}

/// `printEvent` with wide columns: LAST SEEN falls back to the first timestamp, then to
/// `eventTime`; a series overrides both LAST SEEN and COUNT.
fn event_cells(ev: &Value) -> Vec<Cell> {
    let first_seen = Cell::Age(meta_time(&ev["firstTimestamp"]).or(meta_time(&ev["eventTime"])));
    let mut last_seen = match meta_time(&ev["lastTimestamp"]) {
        Some(t) => Cell::Age(Some(t)),
        None => first_seen.clone(),
    };
    let mut count = int(&ev["count"]);
    if ev["series"].is_object() {
        last_seen = Cell::Age(meta_time(&ev["series"]["lastObservedTime"]));
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
    cells![
        last_seen,
        json!(text(&ev["type"])),
        json!(text(&ev["reason"])),
        json!(target),
        json!(text(&involved["fieldPath"])),
        json!(source),
        json!(text(&ev["message"]).trim()),
        first_seen,
        json!(count),
        name(ev),
    ]
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

fn service_account_cells(sa: &Value) -> Vec<Cell> {
    cells![name(sa), json!(items(&sa["secrets"]).len()), age(sa)]
}

fn pvc_cells(pvc: &Value) -> Vec<Cell> {
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
    cells![
        name(pvc),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(storage_class(pvc)),
        json!(unset_or(text(&spec["volumeAttributesClassName"]))),
        age(pvc),
        json!(volume_mode(&spec["volumeMode"])),
    ]
}

fn pv_cells(pv: &Value) -> Vec<Cell> {
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
    cells![
        name(pv),
        json!(text(&spec["capacity"]["storage"])),
        json!(access_modes(&spec["accessModes"])),
        json!(reclaim),
        json!(phase),
        json!(claim),
        json!(storage_class(pv)),
        json!(unset_or(text(&spec["volumeAttributesClassName"]))),
        json!(text(&pv["status"]["reason"])),
        age(pv),
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

fn deployment_cells(d: &Value) -> Vec<Cell> {
    let status = &d["status"];
    let (names, images) = container_cells(&d["spec"]["template"]["spec"]);
    let selector =
        label_selector_string(&d["spec"]["selector"]).unwrap_or_else(|| "<invalid>".into());
    cells![
        name(d),
        json!(format!(
            "{}/{}",
            int(&status["readyReplicas"]),
            desired_replicas(d)
        )),
        json!(int(&status["updatedReplicas"])),
        json!(int(&status["availableReplicas"])),
        age(d),
        names,
        images,
        json!(selector),
    ]
}

fn replica_set_cells(rs: &Value) -> Vec<Cell> {
    let status = &rs["status"];
    let (names, images) = container_cells(&rs["spec"]["template"]["spec"]);
    cells![
        name(rs),
        json!(desired_replicas(rs)),
        json!(int(&status["replicas"])),
        json!(int(&status["readyReplicas"])),
        age(rs),
        names,
        images,
        json!(format_label_selector(&rs["spec"]["selector"])),
    ]
}

fn stateful_set_cells(sts: &Value) -> Vec<Cell> {
    let (names, images) = container_cells(&sts["spec"]["template"]["spec"]);
    cells![
        name(sts),
        json!(format!(
            "{}/{}",
            int(&sts["status"]["readyReplicas"]),
            desired_replicas(sts)
        )),
        age(sts),
        names,
        images,
    ]
}

fn daemon_set_cells(ds: &Value) -> Vec<Cell> {
    let status = &ds["status"];
    let pod_spec = &ds["spec"]["template"]["spec"];
    let (names, images) = container_cells(pod_spec);
    cells![
        name(ds),
        json!(int(&status["desiredNumberScheduled"])),
        json!(int(&status["currentNumberScheduled"])),
        json!(int(&status["numberReady"])),
        json!(int(&status["updatedNumberScheduled"])),
        json!(int(&status["numberAvailable"])),
        json!(format_labels(&pod_spec["nodeSelector"])),
        age(ds),
        names,
        images,
        json!(format_label_selector(&ds["spec"]["selector"])),
    ]
}

/// CONTROLLER is `kind.group/name` of the controlling owner, lower-cased.
fn controller_revision_cells(cr: &Value) -> Vec<Cell> {
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
    cells![
        name(cr),
        json!(controller),
        json!(int(&cr["revision"])),
        age(cr),
    ]
}

/// `printJob`: STATUS from the conditions in the printer's precedence, COMPLETIONS as
/// `succeeded/completions` (`of N` for parallel work queues), DURATION from start to
/// completion (or to now while running).
fn job_cells(job: &Value) -> Vec<Cell> {
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
        meta_time(&status["startTime"]),
        meta_time(&status["completionTime"]),
    ) {
        (None, _) => Cell::Text(String::new()),
        // Still running: the duration grows with the clock, like an age.
        (Some(start), None) => Cell::Age(Some(start)),
        (Some(start), Some(done)) => Cell::Text(human_duration(done - start)),
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
    cells![
        name(job),
        json!(state),
        json!(completions),
        duration,
        age(job),
        names,
        images,
        json!(format_label_selector(&spec["selector"])),
    ]
}

fn cron_job_cells(cj: &Value) -> Vec<Cell> {
    let spec = &cj["spec"];
    let last_schedule = match meta_time(&cj["status"]["lastScheduleTime"]) {
        Some(t) => Cell::Age(Some(t)),
        None => Cell::Text("<none>".to_string()),
    };
    // Unset suspend means false (API default), printed as the printer's printBoolPtr does.
    let suspend = if spec["suspend"].as_bool() == Some(true) {
        "True"
    } else {
        "False"
    };
    let job_spec = &spec["jobTemplate"]["spec"];
    let (names, images) = container_cells(&job_spec["template"]["spec"]);
    cells![
        name(cj),
        json!(text(&spec["schedule"])),
        json!(or_none(text(&spec["timeZone"]))),
        json!(suspend),
        json!(items(&cj["status"]["active"]).len()),
        last_schedule,
        age(cj),
        names,
        images,
        json!(format_label_selector(&job_spec["selector"])),
    ]
}

// --- rbac, policy, networking, storage, misc -------------------------------------------------

/// Role and cluster role bindings: ROLE is `Kind/name`; users, groups and service accounts
/// (`namespace/name`) go in the wide columns.
fn binding_cells(b: &Value) -> Vec<Cell> {
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
    cells![
        name(b),
        json!(role),
        age(b),
        json!(users.join(", ")),
        json!(groups.join(", ")),
        json!(service_accounts.join(", ")),
    ]
}

/// The default table convertor: name and the creation time in RFC 3339 (UTC).
fn created_at_cells(obj: &Value) -> Vec<Cell> {
    let created = meta_time(&obj["metadata"]["creationTimestamp"]).unwrap_or_else(go_zero_time);
    cells![
        name(obj),
        json!(created.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    ]
}

fn pdb_cells(pdb: &Value) -> Vec<Cell> {
    let spec = &pdb["spec"];
    let na = || "N/A".to_string();
    cells![
        name(pdb),
        json!(int_or_string(&spec["minAvailable"]).unwrap_or_else(na)),
        json!(int_or_string(&spec["maxUnavailable"]).unwrap_or_else(na)),
        json!(int(&pdb["status"]["disruptionsAllowed"])),
        age(pdb),
    ]
}

fn ingress_cells(ing: &Value) -> Vec<Cell> {
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
    cells![
        name(ing),
        json!(or_none(text(&spec["ingressClassName"]))),
        json!(hosts),
        json!(load_balancer_ingress(&ing["status"]["loadBalancer"]).join(",")),
        json!(ports),
        age(ing),
    ]
}

fn network_policy_cells(np: &Value) -> Vec<Cell> {
    cells![
        name(np),
        json!(format_label_selector(&np["spec"]["podSelector"])),
        age(np),
    ]
}

fn webhook_cells(cfg: &Value) -> Vec<Cell> {
    cells![name(cfg), json!(items(&cfg["webhooks"]).len()), age(cfg),]
}

fn lease_cells(lease: &Value) -> Vec<Cell> {
    cells![
        name(lease),
        json!(text(&lease["spec"]["holderIdentity"])),
        age(lease),
    ]
}

fn storage_class_cells(sc: &Value) -> Vec<Cell> {
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
    cells![
        json!(shown),
        json!(text(&sc["provisioner"])),
        json!(reclaim),
        json!(binding),
        json!(sc["allowVolumeExpansion"].as_bool().unwrap_or(false)),
        age(sc),
    ]
}

// ---------------------------------------------------------------------------------------------
// Custom resource columns
