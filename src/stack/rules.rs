//! Recognition rules as data. A **tool** (Airflow, Trino, PostgreSQL…) has a layer, the roles
//! whose loss takes it down and how its runs are named; a **rule** says which objects belong
//! to a tool (by label, image, command, container, chart, kind, name or namespace) and what
//! they are there (role, run, instance). The built-in rules are `builtin_rules.toml`,
//! embedded in the binary and read with the same parser as the user's `rules.toml`, so the
//! documented format is the one the built-ins prove every day (docs/rules.md).
//!
//! Precedence follows the trust order of DESIGN §1: chart ownership, then
//! `app.kubernetes.io/*` labels, legacy labels, images and commands, names and namespaces,
//! run labels last; any user rule beats every built-in one.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::Layer;
use super::glob::Glob;
use super::object::StackObject;

/// The embedded built-in rules.
const BUILTIN_RULES: &str = include_str!("builtin_rules.toml");

/// How much a rule's kind of evidence is worth (higher wins).
mod trust {
    pub const CHART: u32 = 50;
    pub const KIND: u32 = 45;
    pub const RECOMMENDED_LABEL: u32 = 40;
    pub const LEGACY_LABEL: u32 = 30;
    pub const IMAGE_OR_COMMAND: u32 = 20;
    pub const NAME_OR_NAMESPACE: u32 = 10;
    pub const RUN_LABEL: u32 = 5;
    /// Added to every user rule: the user knows their cluster better than our defaults.
    pub const USER_BONUS: u32 = 100;
}

/// Why a rules file cannot be used. Each message says which file, what is wrong and what to
/// do (the cockpit shows it and keeps running on the built-in rules; `strata status` stops).
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read rules file {path}: {reason}; check the path and its permissions")]
    Read { path: String, reason: String },
    #[error(
        "rules file {origin} is not valid: {message}; fix it (the format is in docs/rules.md) \
         or move it away"
    )]
    Parse { origin: String, message: String },
    #[error(
        "rules file {origin}: rule #{index} names tool {tool:?}, which is neither built in nor \
         defined by a [[tool]] in the file; define it, or use one of: {known}"
    )]
    UnknownTool {
        origin: String,
        index: usize,
        tool: String,
        known: String,
    },
    #[error(
        "rules file {origin}: rule #{index} (tool {tool:?}) has no condition, so it would claim \
         every object; give it labels, images, commands, containers, charts, kinds, names or \
         namespaces"
    )]
    EmptyRule {
        origin: String,
        index: usize,
        tool: String,
    },
    #[error(
        "rules file {origin}: tool {id:?} is not a built-in tool, so it needs a `layer` (one of \
         ingestion, transformation, orchestration, warehouse, visualization, platform, \
         unclassified)"
    )]
    NewToolWithoutLayer { origin: String, id: String },
}

/// Whether a tool is a product of its own or something products embed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// An installed tool an operator thinks of by name (Airflow, Trino).
    Product,
    /// A store or helper (PostgreSQL, Redis, MinIO, Temporal, a statsd exporter): installed
    /// with a product it is one of that product's parts, not a component of its own.
    Supporting,
}

/// What makes two objects of a tool the same component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// The Helm release or `app.kubernetes.io/instance` (the default).
    Release,
    /// One component per namespace (per `app.kubernetes.io/part-of` when set): tools without
    /// an installation, such as dbt or Meltano run from CronJobs.
    Namespace,
}

/// What a run rule makes of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunRole {
    /// One run (an Airflow task try, an Airbyte sync attempt, a Spark driver): its outcome
    /// counts in the run history.
    Unit,
    /// Part of a run (a Spark executor): shown, never counted.
    Part,
}

/// How a tool's runs are told apart, for "last 3 syncs of connection X failed".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunNaming {
    /// Labels (or annotations, which win) naming what runs repeatedly, joined by `/`.
    pub series: Vec<String>,
    /// Labels shared by the retries of one run: only the newest try counts.
    pub attempt: Vec<String>,
    /// Labels or annotations with a readable name for the series.
    pub title: Vec<String>,
    /// How runs read in a sentence: `syncs of connection`.
    pub noun: String,
}

/// One tool Strata recognises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tool {
    pub id: String,
    pub name: String,
    pub layer: Layer,
    pub kind: ToolKind,
    /// Roles whose loss takes the component down (other losses degrade it). Empty: every
    /// long-running part counts.
    pub core: Vec<String>,
    /// For supporting tools: a product embedding it cannot work without it (a metadata DB).
    pub essential: bool,
    /// The role of the part named like the component itself (Superset's `superset` is `web`).
    pub default_role: Option<String>,
    pub grouping: Grouping,
    pub runs: RunNaming,
}

/// Where a rule comes from (for messages and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// 1-based position in the built-in file.
    Builtin(usize),
    /// 1-based position in the user's file.
    User(usize),
}

/// One compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Index into [`RuleSet::tools`].
    pub tool: usize,
    /// (index into [`RuleSet::label_keys`], pattern).
    labels: Vec<(usize, Glob)>,
    images: Vec<Glob>,
    commands: Vec<Glob>,
    containers: Vec<Glob>,
    charts: Vec<Glob>,
    kinds: Vec<String>,
    names: Vec<Glob>,
    namespaces: Vec<Glob>,
    pub role: Option<String>,
    pub role_label: Option<String>,
    pub instance_label: Option<String>,
    pub instance_from_name: bool,
    pub run: Option<RunRole>,
    pub layer: Option<Layer>,
    pub component: Option<String>,
    pub origin: Origin,
    pub trust: u32,
    conditions: usize,
    /// The label conditions as written, until [`RuleSet`] numbers the keys.
    label_names: Vec<String>,
    label_globs: Vec<Glob>,
}

/// What the rules say about one object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Index into [`RuleSet::tools`]; `None`: no rule matched.
    pub tool: Option<usize>,
    pub role: Option<String>,
    pub run: Option<RunRole>,
    /// The instance a rule names (a ClickHouseInstallation, a CloudNativePG cluster).
    pub instance: Option<String>,
    pub layer: Option<Layer>,
    pub component: Option<String>,
    /// Trust of the deciding rule (0 when none matched).
    pub trust: u32,
}

/// Tools and rules, ready to match.
#[derive(Clone, Debug)]
pub struct RuleSet {
    tools: Vec<Tool>,
    /// Sorted by precedence: the first rule that matches decides the tool.
    rules: Vec<Rule>,
    /// Per tool, indices of its rules that name a role or an instance, in precedence order.
    detail_rules: Vec<Vec<usize>>,
    /// Every label key a rule asks about, sorted: an object's values for them are looked up
    /// once per object (a merge of two sorted lists), not once per rule.
    label_keys: Vec<String>,
    /// Indices of the rules that mark runs, in precedence order.
    run_rules: Vec<usize>,
}

impl RuleSet {
    /// The built-in rules alone.
    pub fn builtin() -> RuleSet {
        // The embedded file is tested (`the_builtin_rules_parse`); should it ever be broken,
        // an empty rule set shows everything as unclassified instead of failing.
        RuleSet::from_files(BUILTIN_RULES, None).unwrap_or_else(|_| RuleSet::empty())
    }

    /// The built-in rules extended and overridden by a user file's text; `origin` names the
    /// file in errors.
    pub fn with_user_rules(text: &str, origin: &str) -> Result<RuleSet, RulesError> {
        RuleSet::from_files(BUILTIN_RULES, Some((text, origin)))
    }

    fn empty() -> RuleSet {
        RuleSet {
            tools: Vec::new(),
            rules: Vec::new(),
            detail_rules: Vec::new(),
            run_rules: Vec::new(),
            label_keys: Vec::new(),
        }
    }

    fn from_files(builtin: &str, user: Option<(&str, &str)>) -> Result<RuleSet, RulesError> {
        let builtin_file = parse("the built-in rules", builtin)?;
        let mut tools: Vec<Tool> = Vec::new();
        for entry in builtin_file.tool {
            merge_tool(&mut tools, entry, "the built-in rules")?;
        }
        let mut entries: Vec<(RuleEntry, Origin, &str)> = builtin_file
            .rule
            .into_iter()
            .enumerate()
            .map(|(i, r)| (r, Origin::Builtin(i + 1), "the built-in rules"))
            .collect();
        if let Some((text, origin)) = user {
            let file = parse(origin, text)?;
            for entry in file.tool {
                merge_tool(&mut tools, entry, origin)?;
            }
            entries.extend(
                file.rule
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| (r, Origin::User(i + 1), origin)),
            );
        }
        let ids: HashMap<&str, usize> = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let mut rules = Vec::with_capacity(entries.len());
        for (entry, origin, file) in entries {
            let index = match origin {
                Origin::Builtin(i) | Origin::User(i) => i,
            };
            let Some(&tool) = ids.get(entry.tool.as_str()) else {
                let mut known: Vec<&str> = ids.keys().copied().collect();
                known.sort_unstable();
                return Err(RulesError::UnknownTool {
                    origin: file.to_string(),
                    index,
                    tool: entry.tool,
                    known: known.join(", "),
                });
            };
            rules.push(compile(entry, tool, origin, file, index)?);
        }
        let mut label_keys: Vec<String> = rules
            .iter()
            .flat_map(|r| r.label_names.iter().cloned())
            .collect();
        label_keys.sort_unstable();
        label_keys.dedup();
        for rule in &mut rules {
            rule.labels = std::mem::take(&mut rule.label_names)
                .into_iter()
                .zip(std::mem::take(&mut rule.label_globs))
                .filter_map(|(key, glob)| label_keys.binary_search(&key).ok().map(|id| (id, glob)))
                .collect();
        }
        // Precedence: trust, then the more specific rule, then a rule that names a role,
        // then file order (user rules come after built-ins in `entries` but carry the bonus).
        rules.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.trust),
                std::cmp::Reverse(r.conditions),
                r.role.is_none() && r.role_label.is_none(),
                match r.origin {
                    Origin::User(i) => (0, i),
                    Origin::Builtin(i) => (1, i),
                },
            )
        });
        let mut detail_rules = vec![Vec::new(); tools.len()];
        let mut run_rules = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.role.is_some()
                || rule.role_label.is_some()
                || rule.instance_label.is_some()
                || rule.instance_from_name
            {
                detail_rules[rule.tool].push(i);
            }
            if rule.run.is_some() {
                run_rules.push(i);
            }
        }
        Ok(RuleSet {
            tools,
            rules,
            detail_rules,
            run_rules,
            label_keys,
        })
    }

    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    pub fn tool(&self, index: usize) -> &Tool {
        &self.tools[index]
    }

    pub fn find_tool(&self, id: &str) -> Option<usize> {
        self.tools.iter().position(|t| t.id == id)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What the rules say about an object: the tool of the most trusted matching rule, the
    /// role and instance from the most trusted matching rule of that tool that names them,
    /// and whether any run rule matches.
    pub fn judge(&self, object: &StackObject) -> Verdict {
        let chart = chart_name(object);
        let slots = self.label_slots(object);
        let seen = Seen {
            object,
            chart,
            labels: &slots,
        };
        let Some(winner) = self.rules.iter().position(|r| r.matches(&seen)) else {
            return Verdict::default();
        };
        let rule = &self.rules[winner];
        let mut verdict = Verdict {
            tool: Some(rule.tool),
            layer: rule.layer,
            component: rule.component.clone(),
            trust: rule.trust,
            ..Verdict::default()
        };
        for &i in &self.detail_rules[rule.tool] {
            if verdict.role.is_some() && verdict.instance.is_some() {
                break;
            }
            let detail = &self.rules[i];
            if !(i == winner || detail.matches(&seen)) {
                continue;
            }
            if verdict.role.is_none() {
                verdict.role = detail.role.clone().or_else(|| {
                    detail
                        .role_label
                        .as_deref()
                        .and_then(|k| object.tag(k))
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                });
            }
            if verdict.instance.is_none() {
                verdict.instance = if detail.instance_from_name {
                    Some(object.name.to_string())
                } else {
                    detail
                        .instance_label
                        .as_deref()
                        .and_then(|k| object.label(k))
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                };
            }
        }
        verdict.run = rule.run.or_else(|| {
            self.run_rules
                .iter()
                .map(|&i| &self.rules[i])
                .find(|r| r.matches(&seen))
                .and_then(|r| r.run)
        });
        verdict
    }

    /// The object's values for [`RuleSet::label_keys`], by index.
    fn label_slots<'o>(&self, object: &'o StackObject) -> Vec<Option<&'o str>> {
        let mut slots = vec![None; self.label_keys.len()];
        let mut keys = self.label_keys.iter().enumerate().peekable();
        for (key, value) in &object.labels {
            while keys.next_if(|(_, k)| k.as_str() < key.as_str()).is_some() {}
            if let Some((id, _)) = keys.next_if(|(_, k)| *k == key) {
                slots[id] = Some(value.as_str());
            }
        }
        slots
    }
}

/// An object as the rules see it: with its chart and rule label values looked up once.
struct Seen<'a> {
    object: &'a StackObject,
    chart: Option<&'a str>,
    labels: &'a [Option<&'a str>],
}

impl Rule {
    fn matches(&self, seen: &Seen<'_>) -> bool {
        let o = seen.object;
        let chart = seen.chart;
        // Cheapest tests first: most rules fail on a kind or a label.
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == o.kind.as_str()))
            && self.labels.iter().all(|(key, glob)| {
                seen.labels
                    .get(*key)
                    .copied()
                    .flatten()
                    .is_some_and(|v| glob.matches(v))
            })
            && (self.namespaces.is_empty()
                || self.namespaces.iter().any(|g| g.matches(&o.namespace)))
            && (self.names.is_empty() || self.names.iter().any(|g| g.matches(&o.name)))
            && (self.charts.is_empty()
                || chart.is_some_and(|c| self.charts.iter().any(|g| g.matches(c))))
            && (self.containers.is_empty()
                || o.containers
                    .iter()
                    .any(|c| self.containers.iter().any(|g| g.matches(&c.name))))
            && (self.images.is_empty()
                || o.containers.iter().any(|c| {
                    self.images.iter().any(|g| {
                        // A pattern with a tag matches `repository:tag`, else the repository.
                        if g.as_str().contains(':') {
                            g.matches(&c.image.reference)
                        } else {
                            g.matches(&c.image.repository)
                        }
                    })
                }))
            && (self.commands.is_empty()
                || o.containers.iter().any(|c| {
                    !c.command_line.is_empty()
                        && self.commands.iter().any(|g| g.matches(&c.command_line))
                }))
    }
}

/// The chart an object says it comes from: `helm.sh/chart` or the legacy `chart` label, with
/// the version cut off (`postgresql-12.12.10` → `postgresql`).
pub fn chart_name(object: &StackObject) -> Option<&str> {
    let label = object
        .label("helm.sh/chart")
        .or_else(|| object.label("chart"))?;
    Some(strip_version(label))
}

/// `name-1.2.3` → `name`; a name without a version stays as it is.
pub fn strip_version(chart: &str) -> &str {
    let bytes = chart.as_bytes();
    for (i, _) in chart.match_indices('-').rev() {
        let next = bytes.get(i + 1).copied();
        let after = bytes.get(i + 2).copied();
        let starts_version = next.is_some_and(|b| b.is_ascii_digit())
            || (next == Some(b'v') && after.is_some_and(|b| b.is_ascii_digit()));
        if starts_version {
            // Only the last `-<digit>` of a dashed chart name begins its version.
            return &chart[..i];
        }
    }
    chart
}

// ---------------------------------------------------------------------------------------
// The file format (docs/rules.md).

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    tool: Vec<ToolEntry>,
    #[serde(default)]
    rule: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolEntry {
    id: String,
    name: Option<String>,
    layer: Option<Layer>,
    kind: Option<ToolKind>,
    core: Option<Vec<String>>,
    essential: Option<bool>,
    default_role: Option<String>,
    group: Option<Grouping>,
    runs: Option<RunsEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunsEntry {
    #[serde(default)]
    series: Vec<String>,
    #[serde(default)]
    attempt: Vec<String>,
    #[serde(default)]
    title: Vec<String>,
    noun: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    tool: String,
    #[serde(default)]
    labels: BTreeMap<String, Glob>,
    #[serde(default)]
    images: Vec<Glob>,
    #[serde(default)]
    commands: Vec<Glob>,
    #[serde(default)]
    containers: Vec<Glob>,
    #[serde(default)]
    charts: Vec<Glob>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    names: Vec<Glob>,
    #[serde(default)]
    namespaces: Vec<Glob>,
    role: Option<String>,
    role_label: Option<String>,
    instance_label: Option<String>,
    #[serde(default)]
    instance_from_name: bool,
    run: Option<RunRole>,
    layer: Option<Layer>,
    component: Option<String>,
}

fn parse(origin: &str, text: &str) -> Result<RulesFile, RulesError> {
    toml::from_str(text).map_err(|e| {
        // toml's Display draws a caret diagram over several lines; one line with the
        // position reads better in a status bar and in stderr.
        let what = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        let message = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}: {what}")
            }
            None => what,
        };
        RulesError::Parse {
            origin: origin.to_string(),
            message,
        }
    })
}

fn merge_tool(tools: &mut Vec<Tool>, entry: ToolEntry, origin: &str) -> Result<(), RulesError> {
    let existing = tools.iter().position(|t| t.id == entry.id);
    let tool = match existing {
        Some(i) => &mut tools[i],
        None => {
            let Some(layer) = entry.layer else {
                return Err(RulesError::NewToolWithoutLayer {
                    origin: origin.to_string(),
                    id: entry.id,
                });
            };
            tools.push(Tool {
                id: entry.id.clone(),
                name: entry.id.clone(),
                layer,
                kind: ToolKind::Product,
                core: Vec::new(),
                essential: false,
                default_role: None,
                grouping: Grouping::Release,
                runs: RunNaming {
                    noun: "runs of".to_string(),
                    ..RunNaming::default()
                },
            });
            let last = tools.len() - 1;
            &mut tools[last]
        }
    };
    if let Some(name) = entry.name {
        tool.name = name;
    }
    if let Some(layer) = entry.layer {
        tool.layer = layer;
    }
    if let Some(kind) = entry.kind {
        tool.kind = kind;
    }
    if let Some(core) = entry.core {
        tool.core = core;
    }
    if let Some(essential) = entry.essential {
        tool.essential = essential;
    }
    if entry.default_role.is_some() {
        tool.default_role = entry.default_role;
    }
    if let Some(group) = entry.group {
        tool.grouping = group;
    }
    if let Some(runs) = entry.runs {
        tool.runs = RunNaming {
            series: runs.series,
            attempt: runs.attempt,
            title: runs.title,
            noun: runs.noun.unwrap_or_else(|| "runs of".to_string()),
        };
    }
    Ok(())
}

fn compile(
    entry: RuleEntry,
    tool: usize,
    origin: Origin,
    file: &str,
    index: usize,
) -> Result<Rule, RulesError> {
    let conditions = usize::from(!entry.labels.is_empty()) * entry.labels.len()
        + usize::from(!entry.images.is_empty())
        + usize::from(!entry.commands.is_empty())
        + usize::from(!entry.containers.is_empty())
        + usize::from(!entry.charts.is_empty())
        + usize::from(!entry.kinds.is_empty())
        + usize::from(!entry.names.is_empty())
        + usize::from(!entry.namespaces.is_empty());
    if conditions == 0 {
        return Err(RulesError::EmptyRule {
            origin: file.to_string(),
            index,
            tool: entry.tool,
        });
    }
    let label_trust = if entry
        .labels
        .keys()
        .any(|k| k.starts_with("app.kubernetes.io/") || k.starts_with("helm.sh/"))
    {
        trust::RECOMMENDED_LABEL
    } else {
        trust::LEGACY_LABEL
    };
    let evidence = [
        (!entry.charts.is_empty(), trust::CHART),
        (!entry.kinds.is_empty(), trust::KIND),
        (!entry.labels.is_empty(), label_trust),
        (
            !(entry.images.is_empty() && entry.commands.is_empty() && entry.containers.is_empty()),
            trust::IMAGE_OR_COMMAND,
        ),
        (
            !(entry.names.is_empty() && entry.namespaces.is_empty()),
            trust::NAME_OR_NAMESPACE,
        ),
    ]
    .into_iter()
    .filter(|(present, _)| *present)
    .map(|(_, t)| t)
    .max()
    .unwrap_or(0);
    // Run labels say "this is a run", not whose: the least trusted signal for the tool.
    let base = if entry.run.is_some() {
        trust::RUN_LABEL
    } else {
        evidence
    };
    let trust = match origin {
        Origin::User(_) => base + trust::USER_BONUS,
        Origin::Builtin(_) => base,
    };
    Ok(Rule {
        tool,
        labels: Vec::new(),
        label_names: entry.labels.keys().cloned().collect(),
        label_globs: entry.labels.into_values().collect(),
        images: entry.images,
        commands: entry.commands,
        containers: entry.containers,
        charts: entry.charts,
        kinds: entry.kinds,
        names: entry.names,
        namespaces: entry.namespaces,
        role: entry.role,
        role_label: entry.role_label,
        instance_label: entry.instance_label,
        instance_from_name: entry.instance_from_name,
        run: entry.run,
        layer: entry.layer,
        component: entry.component,
        origin,
        trust,
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: serde_json::Value) -> StackObject {
        StackObject::from_json(&value)
    }

    fn tool_of(rules: &RuleSet, o: &StackObject) -> Option<String> {
        rules.judge(o).tool.map(|t| rules.tool(t).id.clone())
    }

    #[test]
    fn the_builtin_rules_parse() {
        let rules = RuleSet::from_files(BUILTIN_RULES, None).expect("builtin rules");
        assert!(rules.tools().len() >= 25, "{}", rules.tools().len());
        for id in [
            "airbyte",
            "meltano",
            "singer",
            "dbt",
            "dataform",
            "airflow",
            "dagster",
            "prefect",
            "argo-workflows",
            "clickhouse",
            "trino",
            "presto",
            "spark",
            "superset",
            "lightdash",
            "metabase",
            "postgresql",
            "cloudnative-pg",
            "redis",
            "minio",
            "temporal",
            "istio",
            "knative",
            "kubeflow",
            "cert-manager",
            "ingress-nginx",
        ] {
            assert!(rules.find_tool(id).is_some(), "{id} missing");
        }
        // Sorted by precedence.
        assert!(rules.rules().windows(2).all(|w| w[0].trust >= w[1].trust));
    }

    #[test]
    fn chart_versions_are_cut_off() {
        assert_eq!(strip_version("postgresql-12.12.10"), "postgresql");
        assert_eq!(
            strip_version("altinity-clickhouse-operator-0.25.6"),
            "altinity-clickhouse-operator"
        );
        assert_eq!(
            strip_version("prefect-server-2026.8.18172642"),
            "prefect-server"
        );
        assert_eq!(strip_version("airflow"), "airflow");
        assert_eq!(strip_version("metabase-v2.0"), "metabase");
    }

    #[test]
    fn labels_beat_images_and_images_beat_run_labels() {
        let rules = RuleSet::builtin();
        // An Airflow KubernetesPodOperator pod running dbt: a dbt run, orchestrated by Airflow.
        let kpo = object(json!({"kind": "Pod", "metadata": {"name": "x",
            "labels": {"dag_id": "d", "task_id": "t", "kubernetes_pod_operator": "True"}},
            "spec": {"containers": [{"name": "base", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
                "args": ["dbt", "run"]}]}}));
        let verdict = rules.judge(&kpo);
        assert_eq!(tool_of(&rules, &kpo).as_deref(), Some("dbt"));
        assert_eq!(verdict.run, Some(RunRole::Unit));
        // The same pod with an unknown image: an Airflow run.
        let mut plain = kpo.clone();
        plain.containers[0].image = super::super::object::ImageRef::parse("acme/etl:1");
        plain.containers[0].command_line = "python etl.py".into();
        assert_eq!(tool_of(&rules, &plain).as_deref(), Some("airflow"));
        // Airflow's redis: the tier label wins over the redis image, and names the role.
        let redis = object(
            json!({"kind": "StatefulSet", "metadata": {"name": "airflow-redis",
            "labels": {"tier": "airflow", "component": "redis", "release": "airflow"}},
            "spec": {"template": {"spec": {"containers": [{"name": "redis", "image": "redis:7.2-bookworm"}]}}}}),
        );
        let verdict = rules.judge(&redis);
        assert_eq!(tool_of(&rules, &redis).as_deref(), Some("airflow"));
        assert_eq!(verdict.role.as_deref(), Some("redis"));
    }

    #[test]
    fn user_rules_add_tools_and_win() {
        let text = r#"
[[tool]]
id = "acme-loader"
name = "ACME loader"
layer = "ingestion"
core = ["api"]

[[tool]]
id = "trino"
layer = "platform"

[[rule]]
tool = "acme-loader"
images = ["acme/loader*"]
role = "api"

[[rule]]
tool = "airflow"
namespaces = ["etl-*"]
names = ["*-scheduler"]
role = "scheduler"
"#;
        let rules = RuleSet::with_user_rules(text, "rules.toml").unwrap();
        let acme = object(
            json!({"kind": "Deployment", "metadata": {"name": "loader", "namespace": "x"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "registry.acme.io/acme/loader-api:3"}]}}}}),
        );
        let v = rules.judge(&acme);
        assert_eq!(tool_of(&rules, &acme).as_deref(), Some("acme-loader"));
        assert_eq!(v.role.as_deref(), Some("api"));
        let t = rules.tool(rules.find_tool("acme-loader").unwrap());
        assert_eq!(
            (t.name.as_str(), t.layer),
            ("ACME loader", Layer::Ingestion)
        );
        // Overriding a built-in tool keeps what the user did not change.
        let trino = rules.tool(rules.find_tool("trino").unwrap());
        assert_eq!(trino.layer, Layer::Platform);
        assert_eq!(trino.name, "Trino");
        // A user name rule beats the built-in Helm labels.
        let sched = object(
            json!({"kind": "Deployment", "metadata": {"name": "etl-scheduler",
            "namespace": "etl-prod", "labels": {"app.kubernetes.io/name": "trino"}}}),
        );
        assert_eq!(tool_of(&rules, &sched).as_deref(), Some("airflow"));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = RuleSet::with_user_rules(
            "[[rule]]\ntool = \"airflow\"\nimagez = [\"x\"]\n",
            "~/.config/strata/rules.toml",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, RulesError::Parse { .. }), "{msg}");
        assert!(
            msg.contains("imagez") && msg.contains("rules.toml") && msg.contains("docs/rules.md"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
        assert!(
            msg.contains("line 3, column 1: unknown field `imagez`"),
            "{msg}"
        );

        let err =
            RuleSet::with_user_rules("[[rule]]\ntool = \"airflw\"\nimages = [\"x\"]\n", "r.toml")
                .unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, RulesError::UnknownTool { index: 1, .. }),
            "{msg}"
        );
        assert!(
            msg.contains("\"airflw\"") && msg.contains("airflow"),
            "{msg}"
        );

        let err =
            RuleSet::with_user_rules("[[rule]]\ntool = \"airflow\"\nrole = \"x\"\n", "r.toml")
                .unwrap_err();
        assert!(matches!(err, RulesError::EmptyRule { .. }), "{err}");

        let err = RuleSet::with_user_rules("[[tool]]\nid = \"new\"\n", "r.toml").unwrap_err();
        assert!(
            matches!(err, RulesError::NewToolWithoutLayer { .. }),
            "{err}"
        );

        let err =
            RuleSet::with_user_rules("[[tool]]\nid = \"airflow\"\nlayer = \"bi\"\n", "r.toml")
                .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bi") && msg.contains("visualization"), "{msg}");

        let err = RuleSet::with_user_rules("[[rule]\n", "r.toml").unwrap_err();
        assert!(matches!(err, RulesError::Parse { .. }), "{err}");
    }
}
