//! The stack's security posture as the cockpit keeps it — the findings of the last read,
//! rolled up per component, and what could not be read; never the objects read for them —
//! and the `:security` view of it: every finding, worst first, narrowed by `/`, Enter opening
//! the object with the evidence found in it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::filter::Filter;
use crate::cluster::NamespaceScope;
use crate::cluster::layers::ReadWarning;
use crate::security::{ComponentPosture, Finding, Severity, by_component};

/// One read of the posture, judged: only what the screens show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posture {
    /// The namespaces read.
    pub scope: NamespaceScope,
    /// Worst first.
    pub findings: Vec<Finding>,
    /// Per (namespace, component), in that order (binary-searched by the badges).
    pub components: Vec<ComponentPosture>,
    /// Kinds that could not be read: their checks did not run.
    pub warnings: Vec<ReadWarning>,
    pub read_at: DateTime<Utc>,
}

impl Posture {
    pub fn new(
        scope: NamespaceScope,
        mut findings: Vec<Finding>,
        warnings: Vec<ReadWarning>,
        read_at: DateTime<Utc>,
    ) -> Posture {
        // Cluster-scoped kinds are read cluster-wide: keep what concerns the namespace read.
        if let NamespaceScope::Only(namespace) = &scope {
            findings.retain(|f| &f.namespace == namespace);
        }
        findings.shrink_to_fit();
        let components = by_component(&findings);
        Posture {
            scope,
            findings,
            components,
            warnings,
            read_at,
        }
    }

    /// A component's roll-up; none when it has no finding.
    pub fn of_component(&self, namespace: &str, component: &str) -> Option<&ComponentPosture> {
        self.components
            .binary_search_by(|c| {
                (c.namespace.as_str(), c.component.as_str()).cmp(&(namespace, component))
            })
            .ok()
            .map(|at| &self.components[at])
    }

    /// A component's findings, worst first.
    pub fn findings_of(&self, namespace: &str, component: &str) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|f| f.namespace == namespace && f.component == component)
            .cloned()
            .collect()
    }
}

/// What the cockpit knows of the posture: the last read (kept when a later one fails) and
/// why the last read failed, if it did. Cheap to clone into each view that shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostureState {
    pub latest: Option<Arc<Posture>>,
    pub error: Option<String>,
}

/// A component's badge on the layers screen (`⚑ high 2`), made when the posture or the
/// report changes so that drawing a frame only reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostureBadge {
    pub worst: Severity,
    /// Findings per severity, `[info, low, medium, high]`.
    pub by_severity: [usize; 4],
    pub text: String,
}

impl PostureBadge {
    pub fn of(posture: &ComponentPosture) -> PostureBadge {
        PostureBadge {
            worst: posture.worst,
            by_severity: posture.by_severity,
            text: format!("⚑ {} {}", posture.worst, posture.count),
        }
    }

    /// `2 high, 1 medium`: the counts, worst first.
    pub fn counts(&self) -> String {
        let severities = [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ];
        severities
            .iter()
            .filter(|s| self.by_severity[**s as usize] > 0)
            .map(|s| format!("{} {s}", self.by_severity[*s as usize]))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `:security`: every finding of the last read, worst first.
#[derive(Clone, Debug, Default)]
pub struct SecurityView {
    pub posture: PostureState,
    /// `/`: only the findings whose severity, component, tool, namespace, object, check or
    /// evidence match.
    pub filter: Option<Filter>,
    /// Indices into the findings of those shown, in order.
    shown: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
}

impl SecurityView {
    pub fn new(posture: PostureState, filter: Option<Filter>) -> SecurityView {
        let mut view = SecurityView {
            filter,
            ..SecurityView::default()
        };
        view.set_posture(posture);
        view
    }

    /// A new read; the cursor stays on its finding when it is still there.
    pub fn set_posture(&mut self, posture: PostureState) {
        let before = self.selected_finding().cloned();
        self.posture = posture;
        self.refilter();
        if let Some(before) = before
            && let Some(at) = (0..self.len()).find(|&i| self.row(i) == Some(&before))
        {
            self.selected = at;
        }
    }

    pub fn set_filter(&mut self, filter: Option<Filter>) {
        self.filter = filter;
        self.refilter();
        self.selected = 0;
        self.offset = 0;
    }

    fn refilter(&mut self) {
        let findings = self.findings();
        self.shown = (0..findings.len())
            .filter(|&i| {
                let f = &findings[i];
                self.filter.as_ref().is_none_or(|filter| {
                    let words = [
                        f.severity.as_str(),
                        &f.component,
                        &f.tool,
                        &f.namespace,
                        &f.object,
                        &f.check,
                        &f.evidence,
                    ];
                    filter.keeps(words.into_iter(), |_| None)
                })
            })
            .collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    /// Every finding of the last read.
    pub fn findings(&self) -> &[Finding] {
        self.posture
            .latest
            .as_deref()
            .map_or(&[], |p| p.findings.as_slice())
    }

    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    pub fn row(&self, index: usize) -> Option<&Finding> {
        self.shown.get(index).map(|&i| &self.findings()[i])
    }

    pub fn selected_finding(&self) -> Option<&Finding> {
        self.row(self.selected)
    }
}

/// What to look for in the object's YAML to find a finding's evidence: the field or key the
/// evidence names (`spec.type: LoadBalancer` → `type: LoadBalancer`, `env POSTGRES_PASSWORD of
/// …` → `POSTGRES_PASSWORD`, `grants pods/exec …` → `pods/exec`), else the object's name.
/// Matched as text (escaped), so names with dots or brackets find themselves.
pub fn evidence_search(finding: &Finding) -> Option<Filter> {
    let evidence = finding.evidence.as_str();
    let first_word = |rest: &str| {
        rest.split_whitespace()
            .next()
            .map(|w| w.trim_end_matches([':', ',', ';']).to_string())
    };
    let needle = ["key ", "env ", "args ", "image ", "container ", "grants "]
        .iter()
        .find_map(|prefix| evidence.strip_prefix(prefix).and_then(first_word))
        .or_else(|| field_and_value(evidence))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            let name = finding.object.rsplit('/').next().unwrap_or(&finding.object);
            format!("name: {name}")
        });
    Filter::parse(&regex::escape(&needle)).ok().flatten()
}

/// `type: LoadBalancer` from `spec.type: LoadBalancer without …`; `tls` from `spec.tls is
/// empty`: the evidence opens with a field path.
fn field_and_value(evidence: &str) -> Option<String> {
    let head = evidence.split_whitespace().next()?;
    let (path, value) = match head.strip_suffix(':') {
        Some(path) => (path, evidence[head.len()..].split_whitespace().next()),
        None => (head, None),
    };
    let is_path = path.contains('.')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !is_path {
        return None;
    }
    let field = path.rsplit('.').next()?;
    Some(match value {
        Some(value) => format!("{field}: {}", value.trim_end_matches([',', ';'])),
        None => field.to_string(),
    })
}

/// A posture to test with: Airflow's default admin password (high) and a plain secret
/// (medium), Trino on a LoadBalancer (high), Airbyte's default database password (medium),
/// ClickHouse as root (low); Secrets could not be read.
#[cfg(test)]
pub(crate) fn sample_posture(scope: NamespaceScope, read_at: DateTime<Utc>) -> Posture {
    let finding = |at: &str, object: &str, check: &str, severity, evidence: &str| {
        let (namespace, component) = at.split_once('/').unwrap_or_default();
        Finding {
            component: component.into(),
            tool: component.into(),
            namespace: namespace.into(),
            object: object.into(),
            check: check.into(),
            severity,
            evidence: evidence.into(),
            fix: format!("the chart value that fixes {check}"),
        }
    };
    let mut findings = vec![
        finding(
            "orchestration/airflow",
            "Job/airflow-create-user",
            "credentials.default",
            Severity::High,
            "args -p of container create-user: the chart's default admin password (masked)",
        ),
        finding(
            "orchestration/airflow",
            "Deployment/airflow-api-server",
            "runtime.plain-secret",
            Severity::Medium,
            "env AIRFLOW_PASSWORD of container api: a credential in the pod spec (masked)",
        ),
        finding(
            "warehouse/trino",
            "Service/trino",
            "exposure.load-balancer",
            Severity::High,
            "spec.type: LoadBalancer without spec.loadBalancerSourceRanges (ports 8080/TCP)",
        ),
        finding(
            "ingestion/airbyte",
            "StatefulSet/airbyte-db",
            "credentials.default",
            Severity::Medium,
            "env POSTGRES_PASSWORD of container airbyte-db: the chart's default password (masked)",
        ),
        finding(
            "warehouse/clickhouse",
            "StatefulSet/clickhouse",
            "runtime.root",
            Severity::Low,
            "securityContext.runAsUser: 0 in container clickhouse",
        ),
    ];
    findings.sort_by(Finding::order);
    let warning = ReadWarning {
        kind: "secrets".into(),
        namespace: None,
        name: None,
        reason: "cannot list secrets in all namespaces: forbidden — not checked: default \
                 credentials and settings in Secrets"
            .into(),
    };
    Posture::new(scope, findings, vec![warning], read_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(namespace: &str, component: &str, severity: Severity, evidence: &str) -> Finding {
        Finding {
            component: component.into(),
            tool: component.into(),
            namespace: namespace.into(),
            object: format!("Service/{component}"),
            check: "exposure.load-balancer".into(),
            severity,
            evidence: evidence.into(),
            fix: "ClusterIP".into(),
        }
    }

    fn posture() -> Posture {
        let mut findings = vec![
            finding(
                "warehouse",
                "trino",
                Severity::High,
                "spec.type: LoadBalancer",
            ),
            finding("bi", "superset", Severity::Medium, "runAsUser 0"),
            finding("warehouse", "trino", Severity::Low, "image trino:latest: x"),
        ];
        findings.sort_by(Finding::order);
        Posture::new(NamespaceScope::All, findings, Vec::new(), Utc::now())
    }

    #[test]
    fn components_are_found_by_namespace_and_name() {
        let posture = posture();
        let trino = posture.of_component("warehouse", "trino").unwrap();
        assert_eq!((trino.worst, trino.count), (Severity::High, 2));
        assert!(posture.of_component("warehouse", "superset").is_none());
        assert_eq!(posture.findings_of("bi", "superset").len(), 1);
        let badge = PostureBadge::of(trino);
        assert_eq!(badge.text, "⚑ high 2");
        assert_eq!(badge.counts(), "1 high, 1 low");
    }

    #[test]
    fn a_namespace_read_keeps_its_own_findings() {
        let posture = Posture::new(
            NamespaceScope::Only("bi".into()),
            posture().findings,
            Vec::new(),
            Utc::now(),
        );
        assert_eq!(posture.findings.len(), 1);
        assert_eq!(posture.components.len(), 1);
    }

    #[test]
    fn the_view_filters_and_keeps_its_cursor_on_its_finding() {
        let state = PostureState {
            latest: Some(Arc::new(posture())),
            error: None,
        };
        let mut view = SecurityView::new(state.clone(), None);
        assert_eq!(view.len(), 3);
        assert_eq!(view.row(0).unwrap().severity, Severity::High, "worst first");
        view.selected = 1;
        let chosen = view.selected_finding().cloned();
        // A new read with one more finding in front: the cursor follows its finding.
        let mut more = posture();
        more.findings
            .insert(0, finding("aaa", "minio", Severity::High, "key x: y"));
        view.set_posture(PostureState {
            latest: Some(Arc::new(more)),
            error: None,
        });
        assert_eq!(view.selected_finding().cloned(), chosen);
        view.set_filter(Filter::parse("trino").unwrap());
        assert_eq!(view.len(), 2);
        view.set_filter(Filter::parse("medium").unwrap());
        assert_eq!(view.row(0).unwrap().component, "superset");
        let empty = SecurityView::new(PostureState::default(), None);
        assert!(empty.is_empty() && empty.selected_finding().is_none());
    }

    #[test]
    fn the_evidence_names_what_to_find_in_the_object() {
        let search = |evidence: &str| {
            let f = finding("ns", "trino", Severity::High, evidence);
            evidence_search(&f).unwrap().text
        };
        assert_eq!(
            search("spec.type: LoadBalancer without spec.loadBalancerSourceRanges"),
            "type: LoadBalancer"
        );
        assert_eq!(
            search("securityContext.runAsUser: 0 in containers a, b"),
            "runAsUser: 0"
        );
        assert_eq!(
            search("env POSTGRES_PASSWORD of container db: (masked)"),
            "POSTGRES_PASSWORD"
        );
        assert_eq!(search("args -p of container create-user"), "\\-p");
        assert_eq!(search("grants pods/exec (get, create)"), "pods/exec");
        assert_eq!(search("spec.tls is empty: x"), "tls");
        assert_eq!(
            search("no NetworkPolicy in namespace bi"),
            "name: trino",
            "else the object's name"
        );
        // The search finds the line it names.
        let f = finding("ns", "x", Severity::High, "key config.properties: Trino …");
        let filter = evidence_search(&f).unwrap();
        assert!(filter.keeps(["  config.properties: |"].into_iter(), |_| None));
        assert!(!filter.keeps(["  configXproperties: |"].into_iter(), |_| None));
    }
}
