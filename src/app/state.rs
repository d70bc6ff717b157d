//! Everything the cockpit shows, as plain data: changed only by `update`, read by the UI.
//! The screen is a stack of views (tables, documents, contexts, help); the top one is shown
//! and `esc` pops it, so the operator always finds the previous view as they left it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ratatui_textarea::TextArea;

use super::document::DocumentView;
use super::filter::Filter;
use super::keymap::{KeyView, Keymap};
use super::runs::RunsView;
use super::security::{PostureBadge, PostureState, SecurityView};
use super::table::TableView;
use crate::cluster::contexts::ContextEntry;
use crate::cluster::layers::{Freshness, LayersUpdate, ReadWarning};
use crate::cluster::{Catalog, NamespaceScope, WatchStatus};
use crate::stack::{ComponentReport, StackReport, WorkloadReport};

/// The connection the header shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub cluster_url: String,
}

/// What we know about the API server itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerStatus {
    Connecting,
    /// Answered; its version (`v1.35.0`).
    Reachable(String),
    /// The probe failed (the message says why and what to do).
    Unreachable(String),
}

/// How current a watched collection is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// Waiting for the first complete list.
    Listing,
    Live,
    /// The watch failed at `since` and is being retried; the rows shown are from before.
    Stale {
        error: String,
        since: DateTime<Utc>,
    },
    /// Nothing to show, and waiting will not help soon: forbidden by RBAC, or not served.
    /// Not staleness: nothing shown is out of date.
    Unavailable(String),
}

impl SyncState {
    /// What a cache watch's status means for a view.
    pub(crate) fn of(status: &WatchStatus) -> SyncState {
        match status {
            WatchStatus::Listing => SyncState::Listing,
            WatchStatus::Live => SyncState::Live,
            WatchStatus::Stale { since, error } | WatchStatus::Failed { since, error } => {
                SyncState::Stale {
                    error: error.clone(),
                    since: *since,
                }
            }
            WatchStatus::Forbidden(why) => SyncState::Unavailable(why.clone()),
            WatchStatus::Absent => {
                SyncState::Unavailable("the API server does not serve this kind".into())
            }
        }
    }
}

/// How many rows the body of the screen shows, from the terminal size (the UI computes it
/// from its layout; `update` uses it for paging and scrolling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewport {
    /// Rows of a table body (without its header row) or lines of a document.
    pub rows: usize,
    pub width: u16,
}

/// A cursor movement, in rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    Up(usize),
    Down(usize),
    Top,
    Bottom,
}

impl Motion {
    pub(crate) fn apply(self, index: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            Motion::Up(n) => index.saturating_sub(n),
            Motion::Down(n) => index.saturating_add(n).min(last),
            Motion::Top => 0,
            Motion::Bottom => last,
        }
    }
}

/// The first row to show so that `selected` is on screen, moving the window as little as
/// possible (no jump when the cursor moves within the screen).
pub(crate) fn follow(offset: usize, selected: usize, rows: usize, len: usize) -> usize {
    let rows = rows.max(1);
    let offset = if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    };
    // Never leave blank rows at the bottom while there are rows above to show.
    offset.min(len.saturating_sub(rows))
}

/// The kubeconfig contexts, for `:ctx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextsView {
    pub entries: Vec<ContextEntry>,
    pub selected: usize,
    pub offset: usize,
    /// `None` while loading; the error when the kubeconfig could not be read.
    pub loaded: Option<Result<(), String>>,
}

/// The key bindings, generated from the keymap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelpView {
    /// The view whose keys are listed.
    pub about: KeyView,
    pub offset: usize,
}

/// The home screen: the data stack by layer, from a snapshot of the cluster refreshed while
/// it is shown.
#[derive(Clone, Debug, Default)]
pub struct LayersView {
    pub report: Option<Arc<StackReport>>,
    /// How current the report is (syncing, live, stale since when and for which kinds).
    pub freshness: Option<Freshness>,
    /// What could not be read (forbidden kinds, undecodable Helm releases).
    pub warnings: Vec<ReadWarning>,
    /// `/`: only the components whose name, tool, namespace or release match.
    pub filter: Option<Filter>,
    /// The report as shown: filtered when there is a filter.
    shown: Option<Arc<StackReport>>,
    /// The cursor, an index into the report's components.
    pub selected: usize,
    /// Identifies the latest request; older answers are ignored.
    pub generation: u64,
    /// The security posture the badges come from.
    pub posture: PostureState,
    /// Each shown component's posture badge, in [`StackReport::components`] order of the
    /// shown report; made when the report, the filter or the posture changes, so a frame
    /// only indexes it. Empty until the posture was read.
    badges: Vec<Option<PostureBadge>>,
}

/// One component of the layers (after Enter on it): its workloads grouped by kind, from the
/// report the layers showed when it was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentView {
    pub component: ComponentReport,
    /// Tags the events fetch made for this view.
    pub generation: u64,
    /// Recent events about the component's objects, newest first (None while loading).
    pub events: Option<Result<Vec<ComponentEvent>, String>>,
    /// The component's Services as rows (no health of their own: shown, not judged).
    services: Vec<WorkloadReport>,
    /// Its security findings, worst first; `None` until the posture was read.
    pub findings: Option<Vec<crate::security::Finding>>,
    /// Why the last posture read failed (the findings shown are from before).
    pub posture_error: Option<String>,
    /// The findings rolled up (worst severity, counts), made with them.
    pub badge: Option<PostureBadge>,
    /// Its newest runs as rows (kind `Run`), and the runs they are.
    runs: Vec<WorkloadReport>,
    run_of_row: Vec<crate::stack::Run>,
    /// The cursor, an index into [`ComponentView::workloads`].
    pub selected: usize,
}

/// One event about a component's object, as the component view lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentEvent {
    pub last_seen: Option<DateTime<Utc>>,
    pub warning: bool,
    pub reason: String,
    /// `kind/name` of the object it is about.
    pub object: String,
    pub message: String,
    pub count: i64,
}

/// How many of a component's newest runs its view lists.
const COMPONENT_RUNS: usize = 10;

/// The order kinds are listed in: workloads, then runs, then bare pods (anything else comes
/// after, alphabetically).
const KIND_ORDER: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "CronJob",
    "Job",
    "Pod",
];

impl LayersView {
    /// Takes in a new state of the layers, keeping the cursor in range.
    pub(crate) fn show(&mut self, update: LayersUpdate) {
        self.report = Some(update.report);
        self.freshness = Some(update.freshness);
        self.warnings = update.warnings;
        self.refilter();
    }

    pub(crate) fn set_filter(&mut self, filter: Option<Filter>) {
        self.filter = filter;
        self.refilter();
    }

    fn refilter(&mut self) {
        self.shown = match (&self.report, &self.filter) {
            (Some(report), Some(filter)) => {
                let mut shown = StackReport::clone(report);
                for layer in &mut shown.layers {
                    layer.components.retain(|c| {
                        let words = [
                            Some(c.name.as_str()),
                            c.tool_name.as_deref(),
                            c.tool.as_deref(),
                            Some(c.namespace.as_str()),
                            c.release.as_deref(),
                        ];
                        filter.keeps(words.into_iter().flatten(), |_| None)
                    });
                }
                shown.layers.retain(|l| !l.components.is_empty());
                Some(Arc::new(shown))
            }
            (report, _) => report.clone(),
        };
        let count = self.shown.as_ref().map_or(0, |r| r.component_count());
        self.selected = self.selected.min(count.saturating_sub(1));
        self.rebadge();
    }

    /// A new read of the security posture.
    pub(crate) fn set_posture(&mut self, posture: PostureState) {
        self.posture = posture;
        self.rebadge();
    }

    fn rebadge(&mut self) {
        self.badges = match (&self.posture.latest, &self.shown) {
            (Some(posture), Some(report)) => report
                .components()
                .map(|c| {
                    posture
                        .of_component(&c.namespace, &c.name)
                        .map(PostureBadge::of)
                })
                .collect(),
            _ => Vec::new(),
        };
    }

    /// The shown components' posture badges (`None`: no finding), or `None` before the
    /// posture was read.
    pub fn badges(&self) -> Option<&[Option<PostureBadge>]> {
        self.posture.latest.as_ref().map(|_| self.badges.as_slice())
    }

    /// The posture badge of the component under the cursor.
    pub fn selected_badge(&self) -> Option<&PostureBadge> {
        self.badges.get(self.selected)?.as_ref()
    }

    /// The report as shown (filtered); what the cursor indexes.
    pub fn shown(&self) -> Option<&StackReport> {
        self.shown.as_deref()
    }

    /// The component under the cursor.
    pub fn selected_component(&self) -> Option<&ComponentReport> {
        self.shown()?.components().nth(self.selected)
    }
}

impl ComponentView {
    pub fn new(component: ComponentReport) -> ComponentView {
        let services = component
            .services
            .iter()
            .map(|name| WorkloadReport {
                kind: "Service".into(),
                name: name.clone(),
                namespace: component.namespace.clone(),
                role: String::new(),
                ready: String::new(),
                health: crate::stack::Health::Unknown,
            })
            .collect();
        ComponentView {
            component,
            services,
            findings: None,
            posture_error: None,
            badge: None,
            runs: Vec::new(),
            run_of_row: Vec::new(),
            selected: 0,
            generation: 0,
            events: None,
        }
    }

    /// The component's newest runs (from every run of the stack), as rows after its
    /// Services; the cursor keeps its place.
    pub fn set_runs(&mut self, runs: &[crate::stack::Run]) {
        use crate::stack::{Health, RunState};
        let ours: Vec<&crate::stack::Run> = runs
            .iter()
            .filter(|r| {
                r.namespace == self.component.namespace && r.component == self.component.name
            })
            .take(COMPONENT_RUNS)
            .collect();
        self.runs = ours
            .iter()
            .map(|r| WorkloadReport {
                kind: "Run".into(),
                name: r.name.clone(),
                namespace: r.namespace.clone(),
                role: r.tool.clone().unwrap_or_default(),
                ready: match r.try_number {
                    Some(n) if n > 1 => format!("{} (try {n})", r.state),
                    _ => r.state.to_string(),
                },
                health: match r.state {
                    RunState::Succeeded | RunState::Running | RunState::Pending => Health::Healthy,
                    RunState::Retrying => Health::Degraded,
                    RunState::Failed => Health::Down,
                },
            })
            .collect();
        self.run_of_row = ours.into_iter().cloned().collect();
        self.selected = self.selected.min(self.workloads().len().saturating_sub(1));
    }

    /// Its findings from a read of the posture (the error of a failed read is shown beside
    /// the findings of the read before).
    pub fn set_posture(&mut self, posture: &PostureState) {
        if let Some(latest) = &posture.latest {
            let (namespace, name) = (&self.component.namespace, &self.component.name);
            self.findings = Some(latest.findings_of(namespace, name));
            self.badge = latest.of_component(namespace, name).map(PostureBadge::of);
        }
        self.posture_error = posture.error.clone();
    }

    /// The run under the cursor, when the cursor is on a run.
    pub fn selected_run(&self) -> Option<&crate::stack::Run> {
        let first_run = self.workloads().len() - self.runs.len();
        self.selected
            .checked_sub(first_run)
            .and_then(|i| self.run_of_row.get(i))
    }

    /// The workloads in display order: grouped by kind (see `KIND_ORDER`), then by name.
    pub fn workloads(&self) -> Vec<&WorkloadReport> {
        let rank = |kind: &str| {
            KIND_ORDER
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(KIND_ORDER.len())
        };
        let mut workloads: Vec<&WorkloadReport> = self.component.workloads.iter().collect();
        workloads.sort_by(|a, b| {
            (rank(&a.kind), &a.kind, &a.name).cmp(&(rank(&b.kind), &b.kind, &b.name))
        });
        workloads.extend(self.services.iter());
        workloads.extend(self.runs.iter());
        workloads
    }

    /// The names whose events belong to this component: its workloads, Services, and what
    /// they make (pods and ReplicaSets are named after their owners).
    pub fn event_names(&self) -> Vec<String> {
        self.workloads()
            .iter()
            .filter(|w| w.kind != "Run")
            .map(|w| w.name.clone())
            .collect()
    }

    /// The workload under the cursor.
    pub fn selected_workload(&self) -> Option<&WorkloadReport> {
        self.workloads().get(self.selected).copied()
    }
}

/// One screen of the stack.
#[derive(Debug)]
pub enum View {
    Layers(Box<LayersView>),
    Component(Box<ComponentView>),
    Table(Box<TableView>),
    Document(Box<DocumentView>),
    Contexts(ContextsView),
    Help(HelpView),
    Runs(Box<RunsView>),
    Logs(Box<super::logs::LogView>),
    Tool(Box<super::tool::ToolView>),
    /// `:security`: every finding of the posture.
    Security(Box<SecurityView>),
    /// `:incident`: what is broken, what changed before it.
    Incident(Box<super::incident::IncidentView>),
}

impl View {
    /// The breadcrumb.
    pub fn title(&self) -> String {
        match self {
            View::Layers(_) => "layers".to_string(),
            View::Component(view) => view.component.name.clone(),
            View::Table(table) => table.title.clone(),
            View::Document(doc) => doc.title(),
            View::Contexts(_) => "contexts".to_string(),
            View::Logs(view) => view.title.clone(),
            View::Runs(view) => match &view.component {
                Some((_, name)) => format!("runs · {name}"),
                None => "runs".to_string(),
            },
            View::Help(_) => "help".to_string(),
            View::Tool(view) => view.level.title(),
            View::Security(_) => "security".to_string(),
            View::Incident(_) => "incident".to_string(),
        }
    }

    /// Which keymap section applies.
    pub fn key_view(&self) -> KeyView {
        match self {
            View::Layers(_) => KeyView::Layers,
            View::Component(_) => KeyView::Component,
            View::Table(table) => key_view_of(&table.kind.group, &table.kind.plural),
            View::Document(doc) => match doc.kind {
                super::document::DocumentKind::Describe => KeyView::Describe,
                super::document::DocumentKind::Yaml => KeyView::Yaml,
            },
            View::Contexts(_) => KeyView::Resources,
            View::Help(_) => KeyView::Help,
            View::Runs(_) => KeyView::Runs,
            View::Security(_) => KeyView::Security,
            View::Incident(_) => KeyView::Incident,
            View::Logs(_) => KeyView::Logs,
            View::Tool(view) => match view.level.tool() {
                super::tool::Tool::Airflow => KeyView::Airflow,
                super::tool::Tool::Airbyte => KeyView::Airbyte,
                super::tool::Tool::Helm => KeyView::Helm,
                super::tool::Tool::Rollout => KeyView::Rollouts,
            },
        }
    }
}

/// The keymap section of a kind's table.
pub fn key_view_of(group: &str, plural: &str) -> KeyView {
    match (group, plural) {
        ("", "pods") => KeyView::Pods,
        ("apps", "deployments") => KeyView::Deployments,
        ("apps", "statefulsets") => KeyView::StatefulSets,
        ("apps", "daemonsets") => KeyView::DaemonSets,
        ("apps", "replicasets") => KeyView::ReplicaSets,
        ("batch", "jobs") => KeyView::Jobs,
        ("batch", "cronjobs") => KeyView::CronJobs,
        ("", "services") => KeyView::Services,
        ("", "configmaps") => KeyView::ConfigMaps,
        ("", "secrets") => KeyView::Secrets,
        ("", "events") | ("events.k8s.io", "events") => KeyView::Events,
        ("", "namespaces") => KeyView::Namespaces,
        ("", "nodes") => KeyView::Nodes,
        ("", "persistentvolumeclaims") => KeyView::Pvcs,
        _ => KeyView::Resources,
    }
}

/// What the bottom input line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// `:` a command or kind.
    Command,
    /// `/` the rows of a table.
    Filter,
    /// `/` the lines of a document.
    Search,
    /// The dbt command a triggered Job runs (see [`AppState::trigger`]).
    DbtCommand,
    /// The confirmation of a mutation: `y`, or the target's name on production contexts.
    Confirm,
    /// The conf of an Airflow DAG run (see [`AppState::airflow`]).
    AirflowConf,
    /// The confirmation of a change to Airflow.
    ToolConfirm,
    /// The Airflow username, when no stored credentials were found.
    ToolUser,
    /// The Airflow password (masked; held only until sent).
    ToolSecret,
    /// An upgrade's chart (`CHART [VERSION]`).
    UpgradeChart,
    /// An upgrade's values: 1 reuse, 2 reset then reuse, 3 edit.
    UpgradeValues,
    /// An upgrade's values, edited as YAML (many lines; ctrl-s takes them).
    ValuesEditor,
    /// A workload's new image (`IMAGE` or `CONTAINER=IMAGE`).
    Image,
    /// A workload's replicas.
    Replicas,
    /// A port-forward's `LOCAL:REMOTE`.
    Ports,
    /// The container a shell opens in.
    Container,
}

/// The input line while the operator types.
#[derive(Clone, Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: TextArea<'static>,
    /// Tab completions of a command, best first.
    pub completions: Vec<String>,
    /// What the filter or search was before typing, restored by `esc`.
    pub before: Option<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        let mut input = TextArea::new(vec![text.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        Prompt {
            kind,
            input,
            completions: Vec::new(),
            before: Some(text.to_string()),
        }
    }

    pub fn text(&self) -> String {
        if self.kind == PromptKind::ValuesEditor {
            return self.input.lines().join("\n");
        }
        self.input.lines().first().cloned().unwrap_or_default()
    }

    /// An editor of many lines, `text` to start with.
    pub fn editor(kind: PromptKind, text: &str) -> Prompt {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut input = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        input.move_cursor(ratatui_textarea::CursorMove::Top);
        Prompt {
            kind,
            input,
            completions: Vec::new(),
            before: None,
        }
    }
}

/// A short message under the header: what just happened or went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

/// How long a flash message stays.
const FLASH_SECONDS: i64 = 6;

/// The whole cockpit state.
#[derive(Debug)]
pub struct AppState {
    pub context: ContextInfo,
    pub server: ServerStatus,
    pub catalog: Catalog,
    /// Namespace names, sorted (from the namespaces watch).
    pub namespaces: Vec<String>,
    /// Which namespaces tables show.
    pub scope: NamespaceScope,
    /// Namespaces on keys 1-9, most recently used first.
    pub favorites: Vec<String>,
    /// Never empty: the bottom is the home view.
    pub stack: Vec<View>,
    pub prompt: Option<Prompt>,
    pub flash: Option<Flash>,
    pub viewport: Viewport,
    /// The clock for relative ages, advanced by ticks so that rendering stays pure.
    pub now: DateTime<Utc>,
    pub keymap: Keymap,
    /// Bumped whenever something visible changed; the runtime draws only when it moves.
    pub revision: u64,
    /// The last watch or fetch generation handed out.
    pub generation: u64,
    /// Discovery is deferred (since then) until the first screen has settled.
    pub discovery: Option<DateTime<Utc>>,
    /// When the frame on screen goes out of date with the clock (`None`: it does not).
    pub redraw_at: Option<DateTime<Utc>>,
    /// Every run of the stack, newest first, from the layers' feed.
    pub runs: Arc<Vec<crate::stack::Run>>,
    /// How log viewers' buffers are made (`[logs]` in `config.toml`).
    pub log_buffers: super::logs::LogBuffers,
    /// A run being started by hand (`t`), from the CronJob's reading to its Job.
    pub trigger: Option<super::trigger::TriggerDraft>,
    /// A change to Airflow in progress (its dialog is over the view).
    pub tool_draft: Option<super::tool::ToolDraft>,
    /// The last upgrade asked for (chart, version, values as typed), offered again when the
    /// same release is upgraded: a cancelled or refused wizard loses nothing typed.
    pub last_upgrade: Option<super::tool::Act>,
    /// An object edit not applied (a conflict, an error, esc): its text comes back on the
    /// next `e` on the same object, so nothing typed is lost.
    pub kept_edit: Option<super::tool::Act>,
    /// The operator's editor (`$VISUAL`/`$EDITOR`, split), used for an object's YAML instead
    /// of the built-in one.
    pub external_editor: Option<Vec<String>>,
    /// Folders holding charts by name (`[helm] charts`, the demo's): the upgrade wizard
    /// offers `DIR/NAME` for a release of chart NAME.
    pub chart_dirs: Vec<std::path::PathBuf>,
    /// Signing in to Airflow by hand (its dialog is over the view).
    pub tool_login: Option<super::tool::ToolLogin>,
    /// `--readonly` and `[contexts]` of `config.toml`, for the header's READ-ONLY and
    /// PRODUCTION badges. Kept whole and resolved for the current context when drawn, so a
    /// `:ctx` switch can never leave the previous context's badges up. The default (no flag,
    /// no config) still marks contexts named `prod`/`production`.
    pub policies: crate::guard::Policies,
    /// The security posture, read when the layers open and every minute after.
    pub posture: PostureState,
    /// The namespaces the posture is read in (the reads of any other are ignored).
    pub posture_scope: Option<NamespaceScope>,
}

/// How many favourite namespaces the digit keys reach.
pub const FAVORITES: usize = 9;

impl AppState {
    pub fn new(
        context: ContextInfo,
        scope: NamespaceScope,
        keymap: Keymap,
        now: DateTime<Utc>,
    ) -> AppState {
        let catalog = Catalog::builtin();
        let favorites = match &scope {
            NamespaceScope::Only(name) => vec![name.clone()],
            NamespaceScope::All => Vec::new(),
        };
        let mut state = AppState {
            context,
            server: ServerStatus::Connecting,
            catalog,
            namespaces: Vec::new(),
            scope,
            favorites,
            stack: Vec::new(),
            prompt: None,
            flash: None,
            viewport: Viewport::default(),
            now,
            keymap,
            revision: 0,
            generation: 0,
            discovery: None,
            redraw_at: None,
            runs: Arc::default(),
            log_buffers: super::logs::LogBuffers::default(),
            trigger: None,
            tool_draft: None,
            last_upgrade: None,
            kept_edit: None,
            external_editor: None,
            chart_dirs: Vec::new(),
            tool_login: None,
            policies: crate::guard::Policies::default(),
            posture: PostureState::default(),
            posture_scope: None,
        };
        state.stack.push(View::Layers(Box::default()));
        state
    }

    /// The safety policy of the context the cockpit is connected to.
    pub fn context_policy(&self) -> crate::guard::ContextPolicy {
        self.policies.resolve(&self.context.name)
    }

    /// Starts on the pods table instead of the layers (tests of the tables, `-n` users who
    /// live in one namespace).
    pub fn starting_on_pods(mut self) -> AppState {
        let home = self.home_table();
        self.stack = vec![View::Table(Box::new(home))];
        self
    }

    /// The pods table in the current scope.
    pub(crate) fn home_table(&mut self) -> TableView {
        let kind = self
            .catalog
            .resolve("pods")
            .cloned()
            .unwrap_or_else(|| Catalog::builtin().kinds()[0].clone());
        let generation = self.next_generation();
        let target = crate::cluster::WatchTarget::of(kind.clone(), self.scope.clone());
        TableView::new(kind, target, "pods".into(), generation)
    }

    pub(crate) fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    pub(crate) fn changed(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    pub fn top(&self) -> &View {
        // The stack is never empty (see `new` and `pop`).
        &self.stack[self.stack.len() - 1]
    }

    pub(crate) fn top_mut(&mut self) -> &mut View {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// The table on top, if the top is a table.
    pub fn table(&self) -> Option<&TableView> {
        match self.top() {
            View::Table(table) => Some(table),
            _ => None,
        }
    }

    pub(crate) fn table_mut(&mut self) -> Option<&mut TableView> {
        match self.top_mut() {
            View::Table(table) => Some(table),
            _ => None,
        }
    }

    /// The table a watch generation belongs to, wherever it is in the stack.
    pub(crate) fn table_of(&mut self, generation: u64) -> Option<&mut TableView> {
        self.stack.iter_mut().rev().find_map(|view| match view {
            View::Table(table) if table.generation == generation => Some(&mut **table),
            _ => None,
        })
    }

    pub(crate) fn document_of(&mut self, generation: u64) -> Option<&mut DocumentView> {
        self.stack.iter_mut().rev().find_map(|view| match view {
            View::Document(doc) if doc.generation == generation => Some(&mut **doc),
            _ => None,
        })
    }

    /// The keymap section for the top view.
    pub fn key_view(&self) -> KeyView {
        self.top().key_view()
    }

    pub(crate) fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash_for(text, error, FLASH_SECONDS);
    }

    /// A flash message that stays `seconds` long.
    pub(crate) fn flash_for(&mut self, text: impl Into<String>, error: bool, seconds: i64) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
            until: self.now + Duration::seconds(seconds),
        });
    }

    /// Puts `namespace` first among the favourites (k9s keeps the recently used ones).
    pub(crate) fn remember_namespace(&mut self, namespace: &str) {
        self.favorites.retain(|n| n != namespace);
        self.favorites.insert(0, namespace.to_string());
        self.favorites.truncate(FAVORITES);
    }

    /// Fills empty favourite slots from the namespaces the cluster has, data namespaces before
    /// the system ones, so the digits do something on the first day.
    pub(crate) fn seed_favorites(&mut self) {
        let system = |n: &str| n.starts_with("kube-") || n == "default";
        let mut candidates: Vec<&String> = self.namespaces.iter().filter(|n| !system(n)).collect();
        candidates.extend(self.namespaces.iter().filter(|n| system(n)));
        for name in candidates {
            if self.favorites.len() >= FAVORITES {
                break;
            }
            if !self.favorites.contains(name) {
                self.favorites.push(name.clone());
            }
        }
    }

    /// The breadcrumbs, home first.
    pub fn breadcrumbs(&self) -> Vec<String> {
        self.stack.iter().map(View::title).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_moves_the_window_only_when_the_cursor_leaves_it() {
        assert_eq!(follow(0, 3, 10, 100), 0);
        assert_eq!(follow(0, 10, 10, 100), 1);
        assert_eq!(follow(5, 2, 10, 100), 2);
        assert_eq!(follow(50, 55, 10, 100), 50);
        // The list shrank under the window: show a full screen again.
        assert_eq!(follow(95, 97, 10, 98), 88);
        assert_eq!(follow(3, 0, 10, 2), 0);
    }

    #[test]
    fn motions_stay_in_bounds() {
        assert_eq!(Motion::Up(5).apply(2, 10), 0);
        assert_eq!(Motion::Down(5).apply(8, 10), 9);
        assert_eq!(Motion::Bottom.apply(0, 10), 9);
        assert_eq!(Motion::Bottom.apply(0, 0), 0);
        assert_eq!(Motion::Down(1).apply(0, 0), 0);
    }
}
