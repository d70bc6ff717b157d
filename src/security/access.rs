//! Who may reach and act: ServiceAccounts bound to `cluster-admin` (a pod compromise becomes
//! a cluster compromise), app roles granting `pods/exec` or secrets write (lateral movement),
//! and namespaces holding data tools with no NetworkPolicy (every pod reaches every other).
//! Absence is only concluded from kinds that were read ([`super::Coverage`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use strata_common::sym::Sym;

use super::facts::{BindingPosture, Shape};
use super::{Finding, Scope, Severity};

/// Built-in ClusterRoles meant for people, not apps (`system:*` are the control plane's).
const BUILTIN_ROLES: [&str; 4] = ["cluster-admin", "admin", "edit", "view"];

pub fn check(scope: &Scope, out: &mut Vec<Finding>) {
    // Which component runs as which ServiceAccount.
    let mut runs_as: HashMap<(Sym, Sym), usize> = HashMap::new();
    for (i, object) in scope.objects.iter().enumerate() {
        if let Shape::Workload(pod) = &object.shape
            && scope.judged(i)
        {
            runs_as
                .entry((object.stack.namespace.clone(), pod.service_account.clone()))
                .or_insert_with(|| scope.component_index(i));
        }
    }
    let bindings: Vec<(usize, &BindingPosture)> = scope
        .objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match &o.shape {
            Shape::Binding(b) => Some((i, b)),
            _ => None,
        })
        .collect();
    let app_accounts = |b: &BindingPosture| -> Vec<(Sym, Sym)> {
        b.service_accounts
            .iter()
            .filter(|(ns, _)| !ns.starts_with("kube-"))
            .cloned()
            .collect()
    };
    let named = |accounts: &[(Sym, Sym)]| {
        accounts
            .iter()
            .map(|(ns, name)| format!("{ns}/{name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };

    for &(i, binding) in &bindings {
        if binding.role_kind.as_str() != "ClusterRole"
            || binding.role_name.as_str() != "cluster-admin"
        {
            continue;
        }
        let accounts = app_accounts(binding);
        if accounts.is_empty() {
            continue;
        }
        let component = accounts
            .iter()
            .find_map(|a| runs_as.get(a).copied())
            .unwrap_or_else(|| scope.component_index(i));
        out.push(scope.finding_in(
            component,
            None,
            scope.objects[i].reference(),
            "rbac.cluster-admin",
            Severity::High,
            format!(
                "roleRef ClusterRole/cluster-admin bound to ServiceAccount {}",
                named(&accounts)
            ),
            "bind a Role with only the verbs and resources the app uses (most charts have an \
             rbac.create value with a scoped Role)",
        ));
    }

    for i in scope
        .of_kind("Role")
        .chain(scope.of_kind("ClusterRole"))
        .collect::<Vec<_>>()
    {
        let Shape::Role(role) = &scope.objects[i].shape else {
            continue;
        };
        let grants: Vec<&str> = [role.exec.as_deref(), role.secret_write.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let o = &scope.objects[i].stack;
        if grants.is_empty()
            || o.name.starts_with("system:")
            || BUILTIN_ROLES.contains(&o.name.as_str())
        {
            continue;
        }
        let kind = o.kind.as_str();
        let accounts: BTreeSet<(Sym, Sym)> = bindings
            .iter()
            .filter(|(b, binding)| {
                binding.role_kind.as_str() == kind
                    && binding.role_name == o.name
                    // A Role is bound from its own namespace only.
                    && (kind == "ClusterRole" || scope.objects[*b].stack.namespace == o.namespace)
            })
            .flat_map(|(_, binding)| app_accounts(binding))
            .collect();
        if accounts.is_empty() {
            continue;
        }
        let accounts: Vec<(Sym, Sym)> = accounts.into_iter().collect();
        let own = scope.component_index(i);
        let component = if scope.classification.components[own].tool.is_some() {
            own
        } else {
            accounts
                .iter()
                .find_map(|a| runs_as.get(a).copied())
                .unwrap_or(own)
        };
        out.push(scope.finding_in(
            component,
            scope.tool_of(i),
            scope.objects[i].reference(),
            "rbac.exec-or-secrets",
            Severity::Medium,
            format!(
                "grants {} to ServiceAccount {}",
                grants.join("; "),
                named(&accounts)
            ),
            "drop pods/exec and secrets create/update/patch/delete from the role unless the app \
             needs them (and then limit them with resourceNames)",
        ));
    }

    if scope.coverage.read("NetworkPolicy") {
        let protected: BTreeSet<&str> = scope
            .of_kind("NetworkPolicy")
            .map(|i| scope.objects[i].stack.namespace.as_str())
            .collect();
        let mut open: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for (c, component) in scope.classification.components.iter().enumerate() {
            if !component.namespace.is_empty()
                && !protected.contains(component.namespace.as_str())
                && scope.is_data_component(c)
            {
                open.entry(component.namespace.as_str())
                    .or_default()
                    .insert(c);
            }
        }
        for (namespace, components) in open {
            for c in components {
                let name = &scope.classification.components[c].name;
                out.push(scope.finding_in(
                    c,
                    None,
                    format!("Namespace/{namespace}"),
                    "network.no-policy",
                    Severity::Medium,
                    format!(
                        "no NetworkPolicy in namespace {namespace}: any pod in the cluster reaches \
                         {name}, and {name} reaches anything"
                    ),
                    "add a default-deny NetworkPolicy to the namespace and allow only the tool's \
                     clients (some charts have one: Trino's networkPolicy.enabled)",
                ));
            }
        }
    }
}
