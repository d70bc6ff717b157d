//! Classification: every object and Helm release lands in exactly one component of one
//! layer. Objects owned by others in the snapshot (pods of a Deployment, Jobs of a CronJob)
//! follow their top owner; top-level objects are judged by the rules and grouped by their
//! instance (Helm release, `app.kubernetes.io/instance`, legacy `release`). What has no
//! instance (a cluster without labels) joins the component of the same tool whose name
//! prefixes its own, or forms one per namespace and tool. Stores a chart embeds join the
//! product installed with them; runs join their tool's component.

use std::borrow::Borrow;
use std::collections::HashMap;

use super::Layer;
use super::helm::ReleaseFacts;
use super::object::{ObjectKind, StackObject};
use super::rules::{Grouping, RuleSet, RunRole, ToolKind, Verdict};

/// Labels that point at the object an operator made an object from, when the operator sets
/// no ownerReferences: (label, kind of the object it names).
const LINK_LABELS: [(&str, &str); 3] = [
    ("clickhouse.altinity.com/chi", "ClickHouseInstallation"),
    (
        "clickhouse-keeper.altinity.com/chk",
        "ClickHouseKeeperInstallation",
    ),
    (
        "sparkoperator.k8s.io/scheduled-app-name",
        "ScheduledSparkApplication",
    ),
];

/// How far ownership is followed (Pod → ReplicaSet → Deployment is two; anything deeper is a
/// cycle or nonsense).
const MAX_OWNER_DEPTH: usize = 8;

/// How an object takes part in its component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Stands on its own: a workload, a Service, a ConfigMap.
    Own,
    /// Owned by another object of the snapshot (a Deployment's pods).
    Owned,
    /// One run: a task pod, a sync pod, a Job of a CronJob, a Spark driver.
    Run,
    /// Part of a run: its pods, a Spark executor, a SparkApplication.
    RunPart,
}

impl Part {
    pub fn is_run(self) -> bool {
        matches!(self, Part::Run | Part::RunPart)
    }
}

/// Where one object went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Index into [`Classification::components`].
    pub component: usize,
    /// The object's own tool (a store's own tool even inside a product), or its owner's.
    pub tool: Option<usize>,
    /// What it is in the component (`scheduler`, `postgresql`, `task`).
    pub role: String,
    pub part: Part,
    /// Its direct owner in the snapshot.
    pub parent: Option<usize>,
    /// Its top owner in the snapshot (itself when it has none).
    pub root: usize,
}

/// One installed tool instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub namespace: String,
    /// Index into the rule set's tools; `None` for unclassified components.
    pub tool: Option<usize>,
    pub layer: Layer,
    /// The Helm release it was installed by, when known.
    pub release: Option<String>,
    /// Indices of every object placed here (owned ones included).
    pub members: Vec<usize>,
    /// Indices of the Helm releases placed here.
    pub releases: Vec<usize>,
}

/// The result of [`classify`].
#[derive(Clone, Debug, Default)]
pub struct Classification {
    pub components: Vec<Component>,
    /// One per input object, same order.
    pub placements: Vec<Placement>,
    /// One per input release, same order: the component it belongs to.
    pub release_components: Vec<usize>,
}

impl Classification {
    pub fn component_of(&self, object: usize) -> &Component {
        &self.components[self.placements[object].component]
    }
}

/// Where a root's instance name came from (it decides whether the name is a Helm release).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeySource {
    Namespace,
    Rule,
    HelmAnnotation,
    InstanceLabel,
    ReleaseLabel,
}

struct Key<'a> {
    namespace: &'a str,
    name: &'a str,
    source: KeySource,
}

struct Group {
    namespace: String,
    name: String,
    roots: Vec<usize>,
    releases: Vec<usize>,
}

/// Classifies objects and releases. Pure and deterministic: the same input gives the same
/// components in the same order.
pub fn classify<O: Borrow<StackObject>>(
    rules: &RuleSet,
    objects: &[O],
    releases: &[ReleaseFacts],
) -> Classification {
    let objects: Vec<&StackObject> = objects.iter().map(Borrow::borrow).collect();
    let objects = objects.as_slice();
    let n = objects.len();
    // What owners and link labels can name (a Service owns nothing).
    let mut index: HashMap<(&str, &str, &str), usize> = HashMap::with_capacity(n);
    for (i, o) in objects.iter().enumerate() {
        if o.kind != ObjectKind::Service {
            index.insert((o.namespace.as_str(), o.kind.as_str(), o.name.as_str()), i);
        }
    }
    let parents: Vec<Option<usize>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| parent_of(o, &index).filter(|&p| p != i))
        .collect();
    let roots: Vec<usize> = (0..n).map(|i| root_of(i, &parents)).collect();

    // Only top-level objects are judged; owned ones follow them.
    let mut verdicts: Vec<Option<Verdict>> = vec![None; n];
    for i in 0..n {
        if roots[i] == i {
            verdicts[i] = Some(rules.judge(objects[i]));
        }
    }
    let parts = parts(objects, &parents, &roots, &verdicts);
    let tool_of = |i: usize| verdicts[roots[i]].as_ref().and_then(|v| v.tool);

    // Group the roots that name their instance.
    let mut groups: Vec<Group> = Vec::new();
    let mut group_index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut key_sources: Vec<Option<KeySource>> = vec![None; n];
    let mut pending: Vec<usize> = Vec::new();
    for i in 0..n {
        let Some(verdict) = &verdicts[i] else {
            continue;
        };
        match instance_key(rules, objects[i], verdict) {
            Some(key) => {
                key_sources[i] = Some(key.source);
                let g = *group_index
                    .entry((key.namespace, key.name))
                    .or_insert_with(|| {
                        groups.push(Group {
                            namespace: key.namespace.to_string(),
                            name: key.name.to_string(),
                            roots: Vec::new(),
                            releases: Vec::new(),
                        });
                        groups.len() - 1
                    });
                groups[g].roots.push(i);
            }
            None => pending.push(i),
        }
    }
    for (r, release) in releases.iter().enumerate() {
        let key = (release.namespace.as_str(), release.name.as_str());
        let g = *group_index.entry(key).or_insert_with(|| {
            groups.push(Group {
                namespace: release.namespace.clone(),
                name: release.name.clone(),
                roots: Vec::new(),
                releases: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].releases.push(r);
    }
    merge_cluster_scoped(&mut groups);

    let mut selectable: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        if roots[i] == i && !pod_labels(o).is_empty() {
            selectable.entry(o.namespace.as_str()).or_default().push(i);
        }
    }
    let mut out = Builder {
        rules,
        objects,
        components: Vec::new(),
        assigned: vec![None; n],
        by_namespace: HashMap::new(),
        selectable,
    };
    let release_tools: Vec<Option<usize>> = releases
        .iter()
        .map(|r| rules.judge(&r.as_object()).tool)
        .collect();
    let mut release_components = vec![0usize; releases.len()];
    for group in &groups {
        out.place_group(
            group,
            &parts,
            &tool_of,
            &release_tools,
            &mut release_components,
            &mut pending,
        );
    }
    out.place_pending(&pending, &parts, &tool_of);

    // Every root has a component by now; should one have slipped through, it is shown as
    // unclassified rather than put somewhere wrong.
    for i in 0..n {
        if roots[i] == i && out.assigned[i].is_none() {
            let o = &objects[i];
            let c = out.new_component(fallback_name(o), &o.namespace, None);
            out.assigned[i] = Some(c);
        }
    }
    // Owned objects follow their root.
    let mut placements = Vec::with_capacity(n);
    let mut roles: Vec<Option<String>> = vec![None; n];
    for i in 0..n {
        if roots[i] == i {
            let component = out.assigned[i].unwrap_or(0);
            let role = out.role(i, verdicts[i].as_ref(), component, tool_of(i));
            roles[i] = Some(role);
        }
    }
    for i in 0..n {
        let root = roots[i];
        let component = out.assigned[root].unwrap_or(0);
        out.components[component].members.push(i);
        placements.push(Placement {
            component,
            tool: tool_of(i),
            role: roles[root].clone().unwrap_or_default(),
            part: parts[i],
            parent: parents[i],
            root,
        });
    }
    for (r, &c) in release_components.iter().enumerate() {
        out.components[c].releases.push(r);
    }
    let mut components = out.components;
    // A rule may move what it matches to another layer; its component follows.
    for (i, verdict) in verdicts.iter().enumerate() {
        if let Some(layer) = verdict.as_ref().and_then(|v| v.layer) {
            components[placements[i].component].layer = layer;
        }
    }
    for component in &mut components {
        component.release = release_name(component, objects, releases, &key_sources, &roots);
    }
    Classification {
        components,
        placements,
        release_components,
    }
}

fn parent_of(o: &StackObject, index: &HashMap<(&str, &str, &str), usize>) -> Option<usize> {
    let ns = o.namespace.as_str();
    if let Some(owner) = o.controller() {
        if let Some(&p) = index.get(&(ns, owner.kind.as_str(), owner.name.as_str())) {
            return Some(p);
        }
        if owner.kind == "ReplicaSet" {
            // ReplicaSets are not fetched: a Deployment names them `<name>-<pod-template-hash>`.
            let deployment = match o.label("pod-template-hash") {
                Some(hash) => owner
                    .name
                    .strip_suffix(hash)
                    .and_then(|s| s.strip_suffix('-')),
                None => owner.name.rsplit_once('-').map(|(d, _)| d),
            };
            if let Some(&p) = deployment.and_then(|d| index.get(&(ns, "Deployment", d))) {
                return Some(p);
            }
        }
    }
    LINK_LABELS.iter().find_map(|(label, kind)| {
        let target = o.label(label)?;
        (o.kind.as_str() != *kind)
            .then(|| index.get(&(ns, *kind, target)).copied())
            .flatten()
    })
}

/// The top owner; an object in an ownership cycle (or a chain deeper than any real one) is
/// its own root, so it is still judged.
fn root_of(i: usize, parents: &[Option<usize>]) -> usize {
    let mut path = vec![i];
    let mut at = i;
    while let Some(p) = parents[at] {
        if path.contains(&p) || path.len() > MAX_OWNER_DEPTH {
            return i;
        }
        path.push(p);
        at = p;
    }
    at
}

fn parts(
    objects: &[&StackObject],
    parents: &[Option<usize>],
    roots: &[usize],
    verdicts: &[Option<Verdict>],
) -> Vec<Part> {
    let n = objects.len();
    let mut parts: Vec<Option<Part>> = vec![None; n];
    let mut chain: Vec<usize> = Vec::with_capacity(MAX_OWNER_DEPTH + 1);
    for start in 0..n {
        // Walk up to the first object whose part is known (or the root), then fill back in.
        chain.clear();
        chain.push(start);
        let mut at = start;
        while parts[at].is_none() && roots[at] != at && chain.len() <= MAX_OWNER_DEPTH {
            match parents[at] {
                Some(p) => {
                    chain.push(p);
                    at = p;
                }
                None => break,
            }
        }
        for &i in chain.iter().rev() {
            if parts[i].is_some() {
                continue;
            }
            let part = match parents[i] {
                _ if roots[i] == i => match verdicts[i].as_ref().and_then(|v| v.run) {
                    Some(RunRole::Unit) => Part::Run,
                    Some(RunRole::Part) => Part::RunPart,
                    None => Part::Own,
                },
                Some(p) => match parts[p] {
                    Some(Part::Run | Part::RunPart) => Part::RunPart,
                    // Each Job a CronJob creates is one run of it.
                    _ if objects[i].kind == ObjectKind::Job
                        && objects[p].kind == ObjectKind::CronJob =>
                    {
                        Part::Run
                    }
                    _ => Part::Owned,
                },
                None => Part::Own,
            };
            parts[i] = Some(part);
        }
    }
    parts.into_iter().map(|p| p.unwrap_or(Part::Own)).collect()
}

fn instance_key<'a>(
    rules: &'a RuleSet,
    o: &'a StackObject,
    verdict: &'a Verdict,
) -> Option<Key<'a>> {
    let ns = o.namespace.as_str();
    let key = |namespace: &'a str, name: &'a str, source| Key {
        namespace,
        name,
        source,
    };
    if let Some(tool) = verdict.tool.map(|t| rules.tool(t))
        && tool.grouping == Grouping::Namespace
    {
        let name = verdict
            .component
            .as_deref()
            .or_else(|| o.label("app.kubernetes.io/part-of"))
            .unwrap_or(&tool.id);
        return Some(key(ns, name, KeySource::Namespace));
    }
    if let Some(name) = verdict.component.as_deref().or(verdict.instance.as_deref()) {
        return Some(key(ns, name, KeySource::Rule));
    }
    if let Some(release) = o
        .annotation("meta.helm.sh/release-name")
        .filter(|r| !r.is_empty())
    {
        let release_ns = o
            .annotation("meta.helm.sh/release-namespace")
            .filter(|n| !n.is_empty())
            .unwrap_or(ns);
        return Some(key(release_ns, release, KeySource::HelmAnnotation));
    }
    if let Some(instance) = o
        .label("app.kubernetes.io/instance")
        .filter(|v| !v.is_empty())
    {
        return Some(key(ns, instance, KeySource::InstanceLabel));
    }
    o.label("release")
        .filter(|v| !v.is_empty())
        .map(|release| key(ns, release, KeySource::ReleaseLabel))
}

/// Cluster-scoped objects (ClusterRoles, webhooks) have no namespace but name their
/// instance: they belong to the one namespaced group of that name, when there is one.
fn merge_cluster_scoped(groups: &mut Vec<Group>) {
    let mut i = 0;
    while i < groups.len() {
        if groups[i].namespace.is_empty() {
            let name = groups[i].name.clone();
            let targets: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(j, g)| *j != i && g.name == name && !g.namespace.is_empty())
                .map(|(j, _)| j)
                .collect();
            if let [target] = targets[..] {
                let moved = std::mem::take(&mut groups[i].roots);
                let moved_releases = std::mem::take(&mut groups[i].releases);
                groups[target].roots.extend(moved);
                groups[target].releases.extend(moved_releases);
                groups.remove(i);
                continue;
            }
        }
        i += 1;
    }
}

struct Builder<'a> {
    rules: &'a RuleSet,
    objects: &'a [&'a StackObject],
    components: Vec<Component>,
    /// Per root object: its component.
    assigned: Vec<Option<usize>>,
    /// Components by namespace: name-prefix matches only look within one.
    by_namespace: HashMap<String, Vec<usize>>,
    /// Root objects with pod labels, by namespace: what a Service selector can select.
    selectable: HashMap<&'a str, Vec<usize>>,
}

impl Builder<'_> {
    fn new_component(&mut self, name: &str, namespace: &str, tool: Option<usize>) -> usize {
        let layer = tool.map_or(Layer::Unclassified, |t| self.rules.tool(t).layer);
        let index = self.components.len();
        match self.by_namespace.get_mut(namespace) {
            Some(list) => list.push(index),
            None => {
                self.by_namespace.insert(namespace.to_string(), vec![index]);
            }
        }
        self.components.push(Component {
            name: name.to_string(),
            namespace: namespace.to_string(),
            tool,
            layer,
            release: None,
            members: Vec::new(),
            releases: Vec::new(),
        });
        self.components.len() - 1
    }

    fn is_product(&self, tool: Option<usize>) -> bool {
        tool.is_some_and(|t| self.rules.tool(t).kind == ToolKind::Product)
    }

    fn place_group(
        &mut self,
        group: &Group,
        parts: &[Part],
        tool_of: &dyn Fn(usize) -> Option<usize>,
        release_tools: &[Option<usize>],
        release_components: &mut [usize],
        pending: &mut Vec<usize>,
    ) {
        let standing: Vec<usize> = group
            .roots
            .iter()
            .copied()
            .filter(|&i| !parts[i].is_run())
            .collect();
        if standing.is_empty() && group.releases.is_empty() {
            // Only runs (Dagster writes `instance=dagster` whatever the release is called):
            // they join their tool's component below.
            pending.extend(&group.roots);
            return;
        }
        // Products by how many parts they have here; supporting tools the same.
        let count = |want_product: bool| {
            let mut counts: Vec<(usize, usize)> = Vec::new();
            let candidates = if standing.is_empty() {
                &group.roots
            } else {
                &standing
            };
            for &i in candidates {
                if let Some(t) = tool_of(i)
                    && self.is_product(Some(t)) == want_product
                {
                    match counts.iter_mut().find(|(tool, _)| *tool == t) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((t, 1)),
                    }
                }
            }
            counts.sort_by_key(|&(t, c)| (std::cmp::Reverse(c), t));
            counts.into_iter().map(|(t, _)| t).collect::<Vec<_>>()
        };
        let mut products = count(true);
        if products.is_empty() {
            products.extend(
                group
                    .releases
                    .iter()
                    .filter_map(|&r| release_tools[r])
                    .filter(|&t| self.is_product(Some(t)))
                    .take(1),
            );
        }
        let tools: Vec<usize> = if products.is_empty() {
            let supporting = count(false);
            let from_release = group.releases.iter().find_map(|&r| release_tools[r]);
            supporting
                .into_iter()
                .take(1)
                .chain(from_release)
                .take(1)
                .collect()
        } else {
            products
        };
        let components: Vec<usize> = if tools.is_empty() {
            vec![self.new_component(&group.name, &group.namespace, None)]
        } else {
            tools
                .iter()
                .map(|&t| self.new_component(&group.name, &group.namespace, Some(t)))
                .collect()
        };
        let main = components[0];
        for &i in &group.roots {
            let own = tool_of(i);
            let c = tools
                .iter()
                .position(|&t| Some(t) == own)
                .map_or(main, |k| components[k]);
            self.assigned[i] = Some(c);
        }
        for &r in &group.releases {
            release_components[r] = main;
        }
    }

    fn place_pending(
        &mut self,
        pending: &[usize],
        parts: &[Part],
        tool_of: &dyn Fn(usize) -> Option<usize>,
    ) {
        // Custom resources of a tool (a ScheduledSparkApplication) are definitions for its
        // operator, named by their users: they attach like runs, not by name prefix.
        let (runs, standing): (Vec<usize>, Vec<usize>) = pending.iter().partition(|&&i| {
            parts[i].is_run()
                || (matches!(self.objects[i].kind, ObjectKind::Other(_)) && tool_of(i).is_some())
        });
        let (products, others): (Vec<usize>, Vec<usize>) =
            standing.iter().partition(|&&i| self.is_product(tool_of(i)));

        // Products without an instance: the same tool's component whose name prefixes
        // theirs, else one component per namespace and tool.
        let mut buckets: Vec<((String, usize), Vec<usize>)> = Vec::new();
        for &i in &products {
            let o = &self.objects[i];
            let tool = tool_of(i);
            match self.prefixed_component(o, |c| c.tool == tool) {
                Some(c) => self.assigned[i] = Some(c),
                None => push_bucket(
                    &mut buckets,
                    (o.namespace.to_string(), tool.unwrap_or(0)),
                    i,
                ),
            }
        }
        self.bucket_components(buckets, Some);

        // Stores, helpers, Services and the unknown: a Service follows the workload it
        // selects; anything else the component whose name prefixes its own.
        let (services, rest): (Vec<usize>, Vec<usize>) = others
            .iter()
            .partition(|&&i| self.objects[i].kind == ObjectKind::Service);
        let mut supporting: Vec<((String, usize), Vec<usize>)> = Vec::new();
        let mut unknown: Vec<((String, String), Vec<usize>)> = Vec::new();
        for &i in rest.iter().chain(services.iter()) {
            let o = &self.objects[i];
            let selected = if o.kind == ObjectKind::Service {
                self.selected_component(o)
            } else {
                None
            };
            if let Some(c) = selected.or_else(|| self.prefixed_component(o, |_| true)) {
                self.assigned[i] = Some(c);
                continue;
            }
            match tool_of(i) {
                Some(t) => push_bucket(&mut supporting, (o.namespace.to_string(), t), i),
                None => push_bucket(
                    &mut unknown,
                    (o.namespace.to_string(), fallback_name(o).to_string()),
                    i,
                ),
            }
        }
        self.bucket_components(supporting, Some);
        for ((namespace, name), members) in unknown {
            let c = self.new_component(&name, &namespace, None);
            for i in members {
                self.assigned[i] = Some(c);
            }
        }

        // Runs (and custom resources): their tool's component, by name prefix, else the only
        // one in the namespace, else the only one in the cluster (Spark jobs run in another
        // namespace than the operator), else a component of their own.
        let mut run_buckets: Vec<((String, usize), Vec<usize>)> = Vec::new();
        let mut by_tool: HashMap<usize, Vec<usize>> = HashMap::new();
        for (c, component) in self.components.iter().enumerate() {
            if let Some(t) = component.tool {
                by_tool.entry(t).or_default().push(c);
            }
        }
        for &i in &runs {
            let o = &self.objects[i];
            let tool = tool_of(i);
            let same_tool = tool
                .and_then(|t| by_tool.get(&t))
                .map_or(&[][..], Vec::as_slice);
            let found = self
                .prefixed_component(o, |c| c.tool == tool && tool.is_some())
                .or_else(|| {
                    only_one(
                        same_tool
                            .iter()
                            .copied()
                            .filter(|&c| self.components[c].namespace == o.namespace),
                    )
                })
                .or_else(|| only_one(same_tool.iter().copied()));
            match (found, tool) {
                (Some(c), _) => self.assigned[i] = Some(c),
                (None, Some(t)) => push_bucket(&mut run_buckets, (o.namespace.to_string(), t), i),
                (None, None) => {
                    let c = self.new_component(fallback_name(o), &o.namespace, None);
                    self.assigned[i] = Some(c);
                }
            }
        }
        for ((namespace, tool), members) in run_buckets {
            let id = self.rules.tool(tool).id.clone();
            let c = self.new_component(&id, &namespace, Some(tool));
            for i in members {
                self.assigned[i] = Some(c);
            }
        }
    }

    /// Makes one component per bucket, named by its members' common name prefix.
    fn bucket_components(
        &mut self,
        buckets: Vec<((String, usize), Vec<usize>)>,
        tool: impl Fn(usize) -> Option<usize>,
    ) {
        for ((namespace, t), members) in buckets {
            let names: Vec<&str> = members
                .iter()
                .map(|&i| self.objects[i].name.as_str())
                .collect();
            let prefix = common_dash_prefix(&names);
            let name = if prefix.is_empty() {
                self.rules.tool(t).id.clone()
            } else {
                prefix.to_string()
            };
            let c = self.new_component(&name, &namespace, tool(t));
            for i in members {
                self.assigned[i] = Some(c);
            }
        }
    }

    /// The component in the object's namespace whose name is the longest dash-prefix of the
    /// object's name (`airbyte` for `airbyte-minio-create-bucket`), among those `accept`s.
    fn prefixed_component(
        &self,
        o: &StackObject,
        accept: impl Fn(&Component) -> bool,
    ) -> Option<usize> {
        let candidates = self.by_namespace.get(o.namespace.as_str())?;
        candidates
            .iter()
            .map(|&i| (i, &self.components[i]))
            .filter(|(_, c)| accept(c))
            .filter(|(_, c)| {
                o.name == c.name
                    || (o.name.starts_with(c.name.as_str())
                        && o.name.as_bytes().get(c.name.len()) == Some(&b'-'))
            })
            .max_by_key(|(i, c)| (c.name.len(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    }

    /// The component of a workload in the Service's namespace whose pod labels the Service
    /// selects.
    fn selected_component(&self, service: &StackObject) -> Option<usize> {
        if service.selector.is_empty() {
            return None;
        }
        self.selectable
            .get(service.namespace.as_str())?
            .iter()
            .find_map(|&i| {
                let labels = pod_labels(self.objects[i]);
                let selects = service
                    .selector
                    .iter()
                    .all(|(k, v)| labels.get(k) == Some(v));
                if selects { self.assigned[i] } else { None }
            })
    }

    fn role(
        &self,
        i: usize,
        verdict: Option<&Verdict>,
        component: usize,
        tool: Option<usize>,
    ) -> String {
        let o = &self.objects[i];
        let c = &self.components[component];
        if let Some(role) = verdict.and_then(|v| v.role.as_deref()) {
            return self.trim_tool_prefix(role, tool);
        }
        // A store inside a product is known by what it is.
        if let (Some(own), Some(_)) = (tool, c.tool)
            && Some(own) != c.tool
            && self.rules.tool(own).kind == ToolKind::Supporting
        {
            return self.rules.tool(own).id.clone();
        }
        if let Some(role) = o
            .label("app.kubernetes.io/component")
            .or_else(|| o.label("component"))
            .filter(|r| !r.is_empty())
        {
            return self.trim_tool_prefix(role, tool);
        }
        if o.name == c.name {
            return c
                .tool
                .and_then(|t| self.rules.tool(t).default_role.clone())
                .unwrap_or_else(|| "main".to_string());
        }
        let derived = o
            .name
            .strip_prefix(c.name.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .filter(|r| !r.is_empty())
            .unwrap_or(&o.name);
        self.trim_tool_prefix(derived, tool)
    }

    /// `dagster-webserver` → `webserver` inside Dagster.
    fn trim_tool_prefix(&self, role: &str, tool: Option<usize>) -> String {
        tool.map(|t| self.rules.tool(t).id.as_str())
            .and_then(|id| role.strip_prefix(id))
            .and_then(|r| r.strip_prefix('-'))
            .filter(|r| !r.is_empty())
            .unwrap_or(role)
            .to_string()
    }
}

/// The single item, or `None` when there are none or several.
fn only_one(mut items: impl Iterator<Item = usize>) -> Option<usize> {
    let first = items.next()?;
    items.next().is_none().then_some(first)
}

/// The labels a Service selector matches: a workload's pod template, a bare pod's own.
fn pod_labels(o: &StackObject) -> &super::object::Labels {
    if o.kind == ObjectKind::Pod {
        &o.labels
    } else {
        &o.template_labels
    }
}

fn push_bucket<K: PartialEq>(buckets: &mut Vec<(K, Vec<usize>)>, key: K, item: usize) {
    match buckets.iter_mut().find(|(k, _)| *k == key) {
        Some((_, items)) => items.push(item),
        None => buckets.push((key, vec![item])),
    }
}

/// How an object without any recognised signal is grouped: by the app it names, else its
/// own name.
fn fallback_name(o: &StackObject) -> &str {
    ["app.kubernetes.io/name", "app", "k8s-app"]
        .iter()
        .find_map(|k| o.label(k).filter(|v| !v.is_empty()))
        .unwrap_or(&o.name)
}

/// The longest common prefix of the names made of whole dash-separated words.
fn common_dash_prefix<'a>(names: &[&'a str]) -> &'a str {
    let Some((first, rest)) = names.split_first() else {
        return "";
    };
    let mut len = first.len();
    for name in rest {
        len = first
            .bytes()
            .zip(name.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    let prefix = &first[..len];
    // Cut back to a word boundary unless every name ends exactly here.
    let whole = names
        .iter()
        .all(|n| n.len() == len || n.as_bytes().get(len) == Some(&b'-'));
    let cut = if whole {
        prefix
    } else {
        prefix.rsplit_once('-').map_or("", |(head, _)| head)
    };
    cut.trim_end_matches('-')
}

fn release_name(
    c: &Component,
    objects: &[&StackObject],
    releases: &[ReleaseFacts],
    key_sources: &[Option<KeySource>],
    roots: &[usize],
) -> Option<String> {
    if let Some(&r) = c.releases.first() {
        return Some(releases[r].name.clone());
    }
    // Owned objects (pods) say nothing their owners do not.
    let top = || c.members.iter().copied().filter(|&i| roots[i] == i);
    if let Some(name) = top().find_map(|i| objects[i].annotation("meta.helm.sh/release-name")) {
        return Some(name.to_string());
    }
    // Rendered with Helm but applied another way (or the annotation was stripped): the
    // chart labels still tell, when the instance came from the release's own labels.
    let helm_made = top().any(|i| {
        let o = &objects[i];
        matches!(
            key_sources[i],
            Some(KeySource::InstanceLabel | KeySource::ReleaseLabel)
        ) && (o.label("app.kubernetes.io/managed-by") == Some("Helm")
            || o.label("heritage") == Some("Helm")
            || o.label("helm.sh/chart").is_some()
            || o.label("chart").is_some())
    });
    helm_made.then(|| c.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefixes_are_whole_words() {
        assert_eq!(
            common_dash_prefix(&["airflow-scheduler", "airflow-api-server"]),
            "airflow"
        );
        assert_eq!(
            common_dash_prefix(&["trino-coordinator", "trino-worker"]),
            "trino"
        );
        assert_eq!(
            common_dash_prefix(&["superset", "superset-worker"]),
            "superset"
        );
        assert_eq!(common_dash_prefix(&["prefect-server", "prefects"]), "");
        assert_eq!(common_dash_prefix(&["metabase"]), "metabase");
        assert_eq!(common_dash_prefix(&["a-b-c", "a-b-d", "a-x"]), "a");
        assert_eq!(common_dash_prefix(&["x", "y"]), "");
    }
}
