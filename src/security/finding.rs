//! What the posture checks report: a [`Finding`] per weakness (which component and object,
//! which check, how bad, the evidence with credentials masked, and the fix), the per-component
//! roll-up the layers screen shows as a badge, and the table and JSON `strata security`
//! prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `High` is the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One weakness. Field order is the JSON's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The component (Helm release or instance) it belongs to.
    pub component: String,
    /// The tool id (`airflow`, `minio`), empty when unclassified.
    pub tool: String,
    pub namespace: String,
    /// `Kind/name`.
    pub object: String,
    /// The check's id (`exposure.load-balancer`, `credentials.default`).
    pub check: String,
    pub severity: Severity,
    /// The field and value that triggered it; credentials never appear, only that one is
    /// there and what it is.
    pub evidence: String,
    /// The chart value or manifest change that removes it.
    pub fix: String,
}

impl Finding {
    /// Worst first, then by namespace, component, object and check: a stable order for
    /// tables, JSON and tests.
    pub fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.evidence.cmp(&b.evidence))
    }
}

/// A component's posture: what the layers screen badges it with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComponentPosture {
    pub namespace: String,
    pub component: String,
    pub worst: Severity,
    pub count: usize,
    /// Findings per severity, `[info, low, medium, high]`.
    pub by_severity: [usize; 4],
}

/// The findings rolled up per (namespace, component), in that order.
pub fn by_component(findings: &[Finding]) -> Vec<ComponentPosture> {
    let mut out: BTreeMap<(&str, &str), ComponentPosture> = BTreeMap::new();
    for f in findings {
        let entry = out
            .entry((f.namespace.as_str(), f.component.as_str()))
            .or_insert_with(|| ComponentPosture {
                namespace: f.namespace.clone(),
                component: f.component.clone(),
                worst: f.severity,
                count: 0,
                by_severity: [0; 4],
            });
        entry.worst = entry.worst.max(f.severity);
        entry.count += 1;
        entry.by_severity[f.severity as usize] += 1;
    }
    out.into_values().collect()
}

/// Whether any finding reaches `level`.
pub fn reaches(findings: &[Finding], level: Severity) -> bool {
    findings.iter().any(|f| f.severity >= level)
}

/// The findings as text: a count line, then one block per finding (worst first) with its
/// evidence and fix. Text from the cluster is not sanitized here: the caller does it per line.
pub fn to_table(context: &str, findings: &[Finding]) -> String {
    let mut counts = [0usize; 4];
    for f in findings {
        counts[f.severity as usize] += 1;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Context: {context}   findings: {} ({} high, {} medium, {} low, {} info)",
        findings.len(),
        counts[3],
        counts[2],
        counts[1],
        counts[0]
    );
    if findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    let component = |f: &Finding| format!("{}/{}", f.namespace, f.component);
    let w_component = findings
        .iter()
        .map(|f| component(f).len())
        .max()
        .unwrap_or(0)
        .max("COMPONENT".len());
    let w_tool = findings
        .iter()
        .map(|f| f.tool.len())
        .max()
        .unwrap_or(0)
        .max("TOOL".len());
    let w_object = findings
        .iter()
        .map(|f| f.object.len())
        .max()
        .unwrap_or(0)
        .max("OBJECT".len());
    let _ = writeln!(
        out,
        "\n{:<8} {:<w_component$} {:<w_tool$} {:<w_object$} CHECK",
        "SEVERITY", "COMPONENT", "TOOL", "OBJECT"
    );
    for f in findings {
        let tool = if f.tool.is_empty() { "-" } else { &f.tool };
        let _ = writeln!(
            out,
            "{:<8} {:<w_component$} {:<w_tool$} {:<w_object$} {}",
            f.severity.as_str(),
            component(f),
            tool,
            f.object,
            f.check
        );
        let _ = writeln!(out, "         evidence: {}", f.evidence);
        let _ = writeln!(out, "         fix:      {}", f.fix);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(component: &str, severity: Severity) -> Finding {
        Finding {
            component: component.into(),
            tool: "trino".into(),
            namespace: "warehouse".into(),
            object: "Service/trino".into(),
            check: "exposure.load-balancer".into(),
            severity,
            evidence: "spec.type: LoadBalancer".into(),
            fix: "ClusterIP".into(),
        }
    }

    #[test]
    fn components_roll_up_worst_and_count() {
        let findings = [
            finding("trino", Severity::Low),
            finding("trino", Severity::High),
            finding("superset", Severity::Medium),
        ];
        let rolled = by_component(&findings);
        assert_eq!(rolled.len(), 2);
        let trino = rolled.iter().find(|c| c.component == "trino").unwrap();
        assert_eq!((trino.worst, trino.count), (Severity::High, 2));
        assert_eq!(trino.by_severity, [0, 1, 0, 1]);
        assert!(reaches(&findings, Severity::High));
        assert!(!reaches(&findings[..1], Severity::Medium));
    }

    #[test]
    fn severities_order_and_print_lowercase() {
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Info);
        assert_eq!(serde_json::to_value(Severity::Medium).unwrap(), "medium");
        let mut findings = vec![finding("a", Severity::Low), finding("b", Severity::High)];
        findings.sort_by(Finding::order);
        assert_eq!(findings[0].severity, Severity::High);
        let table = to_table("ctx", &findings);
        assert!(table.starts_with("Context: ctx   findings: 2 (1 high, 0 medium, 1 low, 0 info)"));
        assert!(table.contains("high     warehouse/b"), "{table}");
    }
}
