//! The cluster under the stack: namespaces, nodes (an EKS-like node group on Kubernetes
//! v1.35) and the few system objects every cluster has.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::meta::{hex_id, kube_time, stable_hash, uuid};

/// One node of the demo cluster.
pub struct NodeSpec {
    pub name: &'static str,
    pub ip: &'static str,
    pub zone: &'static str,
    /// Third octet of the node's pod CIDR (10.244.<n>.0/24).
    pub pod_net: u8,
}

pub const NODES: [NodeSpec; 3] = [
    NodeSpec {
        name: "ip-10-0-1-12.eu-west-1.compute.internal",
        ip: "10.0.1.12",
        zone: "eu-west-1a",
        pod_net: 1,
    },
    NodeSpec {
        name: "ip-10-0-2-47.eu-west-1.compute.internal",
        ip: "10.0.2.47",
        zone: "eu-west-1b",
        pod_net: 2,
    },
    NodeSpec {
        name: "ip-10-0-3-105.eu-west-1.compute.internal",
        ip: "10.0.3.105",
        zone: "eu-west-1c",
        pod_net: 3,
    },
];

/// Namespaces every cluster starts with.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

pub fn namespace(name: &str, created: DateTime<Utc>) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/metadata.name": name},
            "creationTimestamp": kube_time(created),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// A Ready node with the capacity, addresses and nodeInfo a kubelet reports.
pub fn node(spec: &NodeSpec, created: DateTime<Utc>, now: DateTime<Utc>) -> Value {
    let seed = stable_hash(&[spec.name]);
    let since = kube_time(created);
    let beat = kube_time(now - Duration::seconds(12));
    let cond = |t: &str, status: &str, reason: &str, message: &str| {
        json!({"type": t, "status": status, "lastHeartbeatTime": beat,
            "lastTransitionTime": since, "reason": reason, "message": message})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": "m6i.2xlarge",
                "beta.kubernetes.io/os": "linux",
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "eks.amazonaws.com/nodegroup": "data-pool",
                "failure-domain.beta.kubernetes.io/region": "eu-west-1",
                "failure-domain.beta.kubernetes.io/zone": spec.zone,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": spec.name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": "m6i.2xlarge",
                "topology.kubernetes.io/region": "eu-west-1",
                "topology.kubernetes.io/zone": spec.zone,
            },
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": spec.ip,
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": since,
        },
        "spec": {
            "podCIDR": format!("10.244.{}.0/24", spec.pod_net),
            "podCIDRs": [format!("10.244.{}.0/24", spec.pod_net)],
            "providerID": format!("aws:///{}/i-0{}", spec.zone, hex_id(seed, 16)),
        },
        "status": {
            "capacity": {
                "cpu": "8",
                "ephemeral-storage": "104845292Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "32386320Ki",
                "pods": "58",
            },
            "allocatable": {
                "cpu": "7910m",
                "ephemeral-storage": "95551679124",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "31369488Ki",
                "pods": "58",
            },
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": spec.ip},
                {"type": "InternalDNS", "address": spec.name},
                {"type": "Hostname", "address": spec.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hex_id(seed ^ 1, 32),
                "systemUUID": format!("ec2{}", &uuid(seed ^ 2)[3..]),
                "bootID": uuid(seed ^ 3),
                "kernelVersion": "6.12.46-66.121.amzn2023.x86_64",
                "osImage": "Amazon Linux 2023.9.20251014",
                "containerRuntimeVersion": "containerd://2.1.4",
                "kubeletVersion": "v1.35.0-eks-113cf36",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    })
}

/// The objects a fresh cluster serves besides namespaces and nodes: the `kubernetes`
/// Service and CoreDNS.
pub fn system_objects(created: DateTime<Utc>) -> Vec<Value> {
    let at = kube_time(created);
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "creationTimestamp": at,
                "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}],
                "sessionAffinity": "None"},
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system", "creationTimestamp": at,
                "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                    "kubernetes.io/name": "CoreDNS", "eks.amazonaws.com/component": "kube-dns"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                "selector": {"k8s-app": "kube-dns"},
                "ports": [
                    {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                    {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                    {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
                ]},
        }),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system", "creationTimestamp": at,
                "labels": {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"}},
                    "spec": {
                        "priorityClassName": "system-cluster-critical",
                        "serviceAccountName": "coredns",
                        "containers": [{
                            "name": "coredns",
                            "image": "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.12.4-eksbuild.1",
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [
                                {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                            ],
                            "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
                        }],
                        "dnsPolicy": "Default",
                    },
                },
            },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "coredns", "namespace": "kube-system", "creationTimestamp": at,
                "labels": {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}},
        }),
    ]
}
