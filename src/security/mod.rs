//! Security posture of the stack: which data tool is open, with what credentials, running
//! how. Pure, like `stack`: objects in ([`PostureObject::from_json`], credentials judged and
//! dropped at projection), [`Finding`]s out, each naming its component and tool through the
//! stack's own classification.
//!
//! Entry points: [`PostureRules::builtin`] (the per-tool rules, `posture_rules.toml`),
//! [`assess`] for the findings (worst first), [`by_component`] for the per-component badge
//! (worst severity and count). [`Coverage`] says which kinds could not be read, so a check
//! that concludes from an absence (no NetworkPolicy) stays silent instead of guessing.
//!
//! The checks: [`settings`] (per-tool authentication and default credentials, from data),
//! [`exposure`] (LoadBalancer, NodePort, Ingress; an exposed component's weak-auth findings
//! become high), [`runtime`] (privileges, users, host access, plain secrets, mutable images),
//! [`access`] (RBAC and NetworkPolicy).

pub mod access;
pub mod exposure;
pub mod facts;
pub mod finding;
pub mod rules;
pub mod runtime;
pub mod settings;

use std::collections::BTreeSet;

pub use facts::PostureObject;
pub use finding::{ComponentPosture, Finding, Severity, by_component, reaches};
pub use rules::PostureRules;

use crate::stack::{Classification, RuleSet, classify};

/// What could not be read: checks that conclude from an absence skip these kinds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Kinds (`NetworkPolicy`, `Secret`) that were forbidden or failed.
    pub unread: BTreeSet<String>,
}

impl Coverage {
    pub fn complete() -> Coverage {
        Coverage::default()
    }

    pub fn read(&self, kind: &str) -> bool {
        !self.unread.contains(kind)
    }
}

/// Classifies the objects and runs every check: the findings, worst first.
pub fn assess(
    stack_rules: &RuleSet,
    rules: &PostureRules,
    objects: &[PostureObject],
    coverage: &Coverage,
) -> Vec<Finding> {
    let classification = classify(stack_rules, objects, &[]);
    assess_classified(stack_rules, rules, objects, &classification, coverage)
}

/// [`assess`] with a classification the caller already has (the cockpit keeps one while the
/// set of objects is unchanged). `classification` must come from these objects.
pub fn assess_classified(
    stack_rules: &RuleSet,
    rules: &PostureRules,
    objects: &[PostureObject],
    classification: &Classification,
    coverage: &Coverage,
) -> Vec<Finding> {
    let mut scope = Scope {
        stack_rules,
        rules,
        objects,
        classification,
        coverage,
        exposure: vec![None; classification.components.len()],
    };
    let mut findings = Vec::new();
    // Exposure first: the other checks raise their severity on it.
    scope.exposure = exposure::check(&scope, &mut findings);
    settings::check(&scope, &mut findings);
    runtime::check(&scope, &mut findings);
    access::check(&scope, &mut findings);
    findings.sort_by(Finding::order);
    findings.dedup();
    findings
}

/// What every check reads.
pub struct Scope<'a> {
    pub stack_rules: &'a RuleSet,
    pub rules: &'a PostureRules,
    pub objects: &'a [PostureObject],
    pub classification: &'a Classification,
    pub coverage: &'a Coverage,
    /// Per component: how it is reachable from outside the cluster, if it is.
    pub exposure: Vec<Option<String>>,
}

/// Owners whose pod template is judged instead of the copies they make.
const TEMPLATE_OWNERS: [&str; 6] = [
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
];

impl Scope<'_> {
    pub fn component_index(&self, object: usize) -> usize {
        self.classification.placements[object].component
    }

    /// The tool id of an object: its own (a store inside a product), else its component's.
    pub fn tool_of(&self, object: usize) -> Option<&str> {
        let placement = &self.classification.placements[object];
        placement
            .tool
            .or(self.classification.components[placement.component].tool)
            .map(|t| self.stack_rules.tool(t).id.as_str())
    }

    /// Whether an object is judged by itself: not a copy of a template judged elsewhere (a
    /// Deployment's pods, a CronJob's Jobs) and not a run (task pods and syncs repeat what
    /// their tool's configuration says; judging each would bury the rest).
    pub fn judged(&self, object: usize) -> bool {
        let o = &self.objects[object].stack;
        // The control plane's namespaces are the cluster's business, not the stack's.
        if o.namespace.starts_with("kube-") {
            return false;
        }
        if !o.kind.runs_containers() {
            // Config and custom resources: a SparkApplication is a run, but its settings are
            // its own (scheduled ones are judged once, at their schedule: see `facts`).
            return true;
        }
        !self.classification.placements[object].part.is_run()
            && !o
                .controller()
                .is_some_and(|c| TEMPLATE_OWNERS.contains(&c.kind.as_str()))
    }

    /// How the object's component is exposed, if it is.
    pub fn exposed(&self, object: usize) -> Option<&str> {
        self.exposure[self.component_index(object)].as_deref()
    }

    /// A finding about `object`, in its component.
    pub fn finding(
        &self,
        object: usize,
        check: &str,
        severity: Severity,
        evidence: String,
        fix: &str,
    ) -> Finding {
        let o = &self.objects[object];
        self.finding_in(
            self.component_index(object),
            self.tool_of(object),
            o.reference(),
            check,
            severity,
            evidence,
            fix,
        )
        .with_namespace(o.stack.namespace.as_str())
    }

    /// A finding in a given component about any object (`Namespace/x`, a ClusterRoleBinding).
    #[allow(clippy::too_many_arguments)]
    pub fn finding_in(
        &self,
        component: usize,
        tool: Option<&str>,
        object: String,
        check: &str,
        severity: Severity,
        evidence: String,
        fix: &str,
    ) -> Finding {
        let c = &self.classification.components[component];
        Finding {
            component: c.name.clone(),
            tool: tool
                .or(c.tool.map(|t| self.stack_rules.tool(t).id.as_str()))
                .unwrap_or_default()
                .to_string(),
            namespace: c.namespace.clone(),
            object,
            check: check.to_string(),
            severity,
            evidence,
            fix: fix.to_string(),
        }
    }

    /// Whether the component is one of the data tools (not a platform piece, not unknown).
    pub fn is_data_component(&self, component: usize) -> bool {
        use crate::stack::{Layer, ToolKind};
        let c = &self.classification.components[component];
        c.tool.is_some_and(|t| {
            let tool = self.stack_rules.tool(t);
            tool.kind == ToolKind::Product
                && !matches!(tool.layer, Layer::Platform | Layer::Unclassified)
        })
    }

    /// Indices of objects of a kind.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = usize> + 's {
        self.objects
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.stack.kind.as_str() == kind)
            .map(|(i, _)| i)
    }
}

impl Finding {
    /// The object's own namespace where it has one (a component may span namespaces only
    /// through cluster-scoped objects).
    fn with_namespace(mut self, namespace: &str) -> Finding {
        if !namespace.is_empty() {
            self.namespace = namespace.to_string();
        }
        self
    }
}

/// The evidence suffix that says how a component is reachable.
pub(crate) fn exposed_by(how: Option<&str>) -> String {
    match how {
        Some(how) => format!("; exposed by {how}"),
        None => String::new(),
    }
}
