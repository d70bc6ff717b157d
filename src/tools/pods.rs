//! What the tools' discovery asks of a pod: its name, a label, whether it can take a
//! port-forward now (running and ready) and, when not, why — shared by every tool whose API
//! pod Strata looks for by its chart's labels.

use k8s_openapi::api::core::v1::Pod;

pub(crate) fn name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}

pub(crate) fn label(pod: &Pod, key: &str) -> Option<String> {
    pod.metadata.labels.as_ref()?.get(key).cloned()
}

/// Running, ready and not being deleted: a port-forward to it will be answered.
pub(crate) fn is_ready(pod: &Pod) -> bool {
    if pod.metadata.deletion_timestamp.is_some() {
        return false;
    }
    let Some(status) = &pod.status else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// Why a pod is not [`is_ready`], in a word or two: `Pending`, `not ready`, `terminating`.
pub(crate) fn not_ready_reason(pod: &Pod) -> String {
    if pod.metadata.deletion_timestamp.is_some() {
        return "terminating".into();
    }
    match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Running") => "not ready".into(),
        Some(phase) => phase.to_string(),
        None => "no status yet".into(),
    }
}
