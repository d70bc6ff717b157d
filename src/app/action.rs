//! The vocabulary of the event loop: `Action`s say what happened (a key, a watch change, a
//! tick), `Intent`s are what a key binding asks for, `Effect`s are what `update` asks the
//! runtime to do.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde::Deserialize;

use super::document::SharedObject;
use super::state::{ComponentEvent, ContextInfo, Viewport};
use crate::cluster::contexts::ContextEntry;
use crate::cluster::layers::LayersUpdate;
use crate::cluster::logs::{LogTarget, LogWindow, Queued};
use crate::cluster::{CacheEvent, Catalog, NamespaceScope, ResourceKind, RowKey, WatchTarget};

/// Something that happened; the only input of `update`.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The runtime is ready: start watching.
    Started,
    /// A key press, resolved through the keymap by `update` (so that future text-entry modes
    /// see keys in order, with no race against mode changes).
    Key(KeyEvent),
    /// A named user action (what a key binding resolves to).
    Intent(Intent),
    Resized(Viewport),
    /// The clock moved (relative ages).
    Tick(DateTime<Utc>),
    /// A frame went out; what it shows next changes at this time (`None`: not with time).
    Drawn(Option<DateTime<Utc>>),
    /// The API server answered the probe with its version, or could not be reached.
    ServerProbed(Result<String, String>),
    /// The namespaces watch (rows of kind Namespace).
    Namespaces(CacheEvent),
    /// Discovery answered: the kinds the cluster serves, or why not.
    Discovered(Result<Catalog, String>),
    /// Columns, rows or status from the table subscription started as `generation`.
    Resource {
        generation: u64,
        event: CacheEvent,
    },
    /// The object a document asked for (generation of the document).
    ObjectFetched {
        generation: u64,
        result: Result<SharedObject, String>,
    },
    ContextsListed(Result<Vec<ContextEntry>, String>),
    /// A new state of the layers asked for as `generation`: the report, how fresh it is
    /// and what could not be read.
    LayersUpdated {
        generation: u64,
        update: Box<LayersUpdate>,
    },
    /// A context switch finished.
    Reconnected(Result<ContextInfo, String>),
    /// The events of the component view `generation`.
    ComponentEvents {
        generation: u64,
        result: Result<Vec<ComponentEvent>, String>,
    },
    /// Something the operator should know that is not tied to a view (a bad rules file).
    Warn(String),
    /// Lines and notes for the log view `generation`.
    LogLines {
        generation: u64,
        queued: Box<Queued>,
    },
    /// The log view `generation` could not start (what it named cannot be resolved).
    LogsFailed {
        generation: u64,
        error: String,
    },
    /// Something the runtime did and the operator should hear about (a file saved).
    Said(String),
    /// The CronJob of a trigger was read and the guard asked: what to ask the operator.
    TriggerPrepared {
        namespace: String,
        cronjob: String,
        result: Result<super::trigger::Prepared, String>,
    },
    /// The guard's answer on a settled trigger: the confirmation it needs and its question,
    /// or why it is refused.
    TriggerApproved {
        namespace: String,
        cronjob: String,
        result: Result<(crate::guard::Confirm, String), String>,
    },
    /// The Job of a trigger was created (its name) or could not be.
    Triggered {
        namespace: String,
        cronjob: String,
        result: Result<String, String>,
    },
    /// What an Airflow view asked for (its generation): the rows, or why not.
    ToolLoaded {
        generation: u64,
        result: Result<super::tool::Page, String>,
    },
    /// No stored credentials sign in to the Airflow at `target` (or the typed ones were
    /// refused: `error`): ask the operator, then read `level` for `generation`.
    ToolSignInNeeded {
        generation: u64,
        level: super::tool::Level,
        target: String,
        error: Option<String>,
    },
    /// The guard's answer on a change to Airflow (with a clear's dry run), or why not.
    ToolApproved {
        act: super::tool::Act,
        result: Result<super::tool::Approved, String>,
    },
    /// A Helm change under way: its release as watched now (pods, hooks, events).
    ToolProgress {
        act: super::tool::Act,
        lines: Vec<String>,
    },
    /// The release's user values (YAML) for an upgrade's editor, or why they cannot be read.
    ToolValues {
        act: super::tool::Act,
        result: Result<String, String>,
    },
    /// A confirmed change was sent to Airflow: what came of it.
    ToolActed {
        act: super::tool::Act,
        result: Result<String, String>,
    },
    /// A step of the incident bundle being written.
    BundleProgress(String),
    /// The incident bundle: a line saying where it is and what is in it, or why it failed.
    BundleWritten(Result<String, String>),
    /// A read of the incident report for the incident view `generation`.
    IncidentRead {
        generation: u64,
        report: std::sync::Arc<crate::stack::incident::IncidentReport>,
    },
    /// A read of the security posture in `scope`: the findings, or why it failed.
    PostureRead {
        scope: NamespaceScope,
        result: Result<std::sync::Arc<super::security::Posture>, String>,
    },
    /// The operator's own editor closed: the text it left, or why there is none.
    ExternallyEdited(Result<String, String>),
    /// A signal (SIGTERM, SIGHUP) or the end of terminal input: leave cleanly.
    Terminate,
}

/// What a key binding can ask for; the names are the ones keymap files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Quit,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Move focus to the next pane.
    FocusNext,
    FocusPrevious,
    /// Open the row under the cursor (on a namespace: show its pods).
    Select,
    /// Show the pods of every namespace (k9s's `0`).
    AllNamespaces,
    /// Go back to the previous view (or clear the filter at the first one).
    Back,
    /// Open the `:` command line.
    Command,
    /// Filter the rows of a table.
    Filter,
    Help,
    Describe,
    Yaml,
    /// Show Secret values decoded (and hide them again).
    RevealSecret,
    /// Search the lines of a document.
    Search,
    NextMatch,
    PreviousMatch,
    SortNext,
    SortReverse,
    ToggleWrap,
    /// Open the logs of what is under the cursor (a pod, a workload, a component, a run).
    Logs,
    /// The logs of the previous instance of each container (after a restart).
    LogsPrevious,
    /// Logs: follow the newest line, or pause.
    ToggleFollow,
    ToggleTimestamps,
    /// Logs: the next wider window (tail, 1m, 5m, 15m, 1h, all).
    SinceWindow,
    /// Logs: JSON lines indented.
    PrettyJson,
    /// Logs: only the lines the search matches.
    OnlyMatching,
    /// Logs: start or drop a selection at the cursor.
    Mark,
    /// Copy the selection (or the line) to the clipboard through the terminal (OSC 52).
    Copy,
    /// Logs: write every line kept to a file.
    Save,
    /// Start a CronJob's run by hand (a dbt command can be edited first); on Airflow's
    /// views, a DAG run (its conf can be edited first).
    Trigger,
    /// Airflow: pause the DAG under the cursor, or unpause it.
    TogglePause,
    /// Airflow: clear the failed tasks of the run under the cursor (after a dry run).
    ClearFailed,
    /// Helm: what the revision under the cursor changed.
    Diff,
    /// The Helm history of the component under the cursor's release.
    ReleaseHistory,
    /// The rollout history of the Deployment, StatefulSet or DaemonSet under the cursor.
    RolloutHistory,
    /// Rollout history: put the revision under the cursor back.
    Undo,
    /// Roll a Helm release back (the one under the cursor, or the component's).
    Rollback,
    /// Upgrade the Helm release under the cursor (guided).
    Upgrade,
    /// Rollout history: a new image for the workload.
    SetImage,
    /// A workload's pods replaced (`kubectl rollout restart`).
    Restart,
    /// A workload's replicas changed.
    Scale,
    /// The object under the cursor deleted.
    Delete,
    /// The pod under the cursor deleted at once (no grace period).
    Kill,
    /// A local port forwarded to the pod or service under the cursor.
    PortForward,
    /// A shell in a container of the pod under the cursor (the terminal handed over).
    Shell,
    /// The object under the cursor edited as YAML, replaced at the version it was opened on.
    Edit,
    /// The security findings (of the component under the cursor, on the layers and a
    /// component).
    Security,
    /// `:incident`: what is broken and what changed before it.
    Incident,
    /// Write the incident bundle (`strata bundle`) from the incident screen.
    Bundle,
    /// Show the namespace on favourite slot 1-9.
    FavoriteNamespace(u8),
}

impl Intent {
    /// The name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Quit => "quit",
            Intent::MoveUp => "move_up",
            Intent::MoveDown => "move_down",
            Intent::PageUp => "page_up",
            Intent::PageDown => "page_down",
            Intent::Top => "top",
            Intent::Bottom => "bottom",
            Intent::FocusNext => "focus_next",
            Intent::FocusPrevious => "focus_previous",
            Intent::Select => "select",
            Intent::AllNamespaces => "all_namespaces",
            Intent::Back => "back",
            Intent::Command => "command",
            Intent::Filter => "filter",
            Intent::Help => "help",
            Intent::Describe => "describe",
            Intent::Yaml => "yaml",
            Intent::RevealSecret => "reveal_secret",
            Intent::Search => "search",
            Intent::NextMatch => "next_match",
            Intent::PreviousMatch => "previous_match",
            Intent::SortNext => "sort_next",
            Intent::SortReverse => "sort_reverse",
            Intent::ToggleWrap => "toggle_wrap",
            Intent::Logs => "logs",
            Intent::LogsPrevious => "logs_previous",
            Intent::ToggleFollow => "toggle_follow",
            Intent::ToggleTimestamps => "toggle_timestamps",
            Intent::SinceWindow => "since_window",
            Intent::PrettyJson => "pretty_json",
            Intent::OnlyMatching => "only_matching",
            Intent::Mark => "mark",
            Intent::Copy => "copy",
            Intent::Save => "save",
            Intent::Trigger => "trigger",
            Intent::TogglePause => "toggle_pause",
            Intent::ClearFailed => "clear_failed",
            Intent::Diff => "diff",
            Intent::ReleaseHistory => "release_history",
            Intent::RolloutHistory => "rollout_history",
            Intent::Undo => "undo",
            Intent::Rollback => "rollback",
            Intent::Upgrade => "upgrade",
            Intent::SetImage => "set_image",
            Intent::Restart => "restart",
            Intent::Scale => "scale",
            Intent::Delete => "delete",
            Intent::Kill => "kill",
            Intent::Edit => "edit",
            Intent::PortForward => "port_forward",
            Intent::Shell => "shell",
            Intent::Security => "security",
            Intent::Incident => "incident",
            Intent::Bundle => "bundle",
            Intent::FavoriteNamespace(_) => "favorite_namespace",
        }
    }
}

/// Work for the runtime; its results come back as actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Ask the API server for its version (reachability and credentials).
    ProbeServer,
    WatchNamespaces,
    /// Ask the API server which kinds it serves.
    Discover,
    /// Replace the table watch with one over `target`, tagging its events with `generation`.
    Watch {
        generation: u64,
        target: WatchTarget,
    },
    /// Fetch one object for a document (from the watch's store when it has it).
    FetchObject {
        generation: u64,
        kind: ResourceKind,
        key: RowKey,
    },
    /// Read the kubeconfig's contexts.
    ListContexts,
    /// Snapshot the cluster in `scope` and assess the stack for the layers screen.
    AssessLayers {
        generation: u64,
        scope: NamespaceScope,
    },
    /// Read the recent events of a component's objects (names and what they make).
    FetchComponentEvents {
        generation: u64,
        namespace: String,
        names: Vec<String>,
    },
    /// Read the security posture in `scope` now and every minute after (a read already
    /// following `scope` is kept; another scope replaces it).
    FollowPosture {
        scope: NamespaceScope,
    },
    /// Read the incident report (the change timeline from `from`, correlated with `report`).
    ReadIncident {
        generation: u64,
        scope: NamespaceScope,
        report: std::sync::Arc<crate::stack::StackReport>,
        from: chrono::DateTime<chrono::Utc>,
    },
    /// Write the incident bundle of `scope` (the last 2 hours) to the current folder.
    WriteBundle {
        scope: NamespaceScope,
    },
    /// Connect to another context of the kubeconfig.
    SwitchContext(String),
    /// Follow the logs of `target` for the log view `generation` (replacing any other).
    FollowLogs {
        generation: u64,
        target: LogTarget,
        window: LogWindow,
        previous: bool,
    },
    /// Stop following logs (the log view went away).
    StopLogs,
    /// Put text on the operator's clipboard through the terminal (OSC 52; works over SSH).
    Clipboard(String),
    /// Write text to a file in the data directory; the action back says where.
    SaveText {
        name: String,
        text: String,
    },
    /// Read a CronJob for a trigger and check the guard (answered by `TriggerPrepared`).
    PrepareTrigger {
        namespace: String,
        cronjob: String,
    },
    /// Ask the guard about creating a Job from the CronJob with the dbt command `command`
    /// (the template's when `None`); answered by `TriggerApproved`.
    CheckTrigger {
        namespace: String,
        cronjob: String,
        command: Option<Vec<String>>,
    },
    /// The operator's answer to the guard's question: when it confirms, the Job is created
    /// and recorded (answered by `Triggered`).
    TriggerJob {
        namespace: String,
        cronjob: String,
        answer: String,
    },
    /// Read what an Airflow view lists (answered by `ToolLoaded`).
    ToolLoad {
        generation: u64,
        level: super::tool::Level,
    },
    /// Sign in with what the operator typed (kept in memory for the session), then read
    /// `level` for `generation`.
    ToolSignIn {
        generation: u64,
        level: super::tool::Level,
        credentials: super::tool::TypedCredentials,
    },
    /// Ask the guard about a change to Airflow (answered by `ToolApproved`).
    ToolCheck(super::tool::Act),
    /// Read a release's user values for the upgrade `act` (its editor).
    ToolValues(super::tool::Act),
    /// The operator's answer to the guard's question: when it confirms, the change is sent
    /// and recorded (answered by `ToolActed`).
    ToolAct {
        act: super::tool::Act,
        answer: String,
    },
    /// Hand the terminal to a shell in `container` of `pod` (the guard said yes).
    Shell {
        namespace: String,
        pod: String,
        container: String,
    },
    /// Stop the port-forward listening on this local port.
    StopForward(u16),
    /// Hand the terminal to the operator's editor on this text (answered by
    /// `ExternallyEdited`).
    ExternalEdit(String),
    /// Stop the runtime and restore the terminal.
    Quit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_names_match_their_serde_names() {
        for intent in [
            Intent::Quit,
            Intent::MoveUp,
            Intent::MoveDown,
            Intent::PageUp,
            Intent::PageDown,
            Intent::Top,
            Intent::Bottom,
            Intent::FocusNext,
            Intent::FocusPrevious,
            Intent::Select,
            Intent::AllNamespaces,
            Intent::Back,
            Intent::Command,
            Intent::Filter,
            Intent::Help,
            Intent::Describe,
            Intent::Yaml,
            Intent::RevealSecret,
            Intent::Search,
            Intent::NextMatch,
            Intent::PreviousMatch,
            Intent::SortNext,
            Intent::SortReverse,
            Intent::ToggleWrap,
            Intent::Logs,
            Intent::LogsPrevious,
            Intent::ToggleFollow,
            Intent::ToggleTimestamps,
            Intent::SinceWindow,
            Intent::PrettyJson,
            Intent::OnlyMatching,
            Intent::Mark,
            Intent::Copy,
            Intent::Save,
            Intent::Trigger,
            Intent::TogglePause,
            Intent::ClearFailed,
            Intent::Diff,
            Intent::ReleaseHistory,
            Intent::RolloutHistory,
            Intent::Undo,
            Intent::Rollback,
            Intent::Upgrade,
            Intent::SetImage,
            Intent::Restart,
            Intent::Scale,
            Intent::Delete,
            Intent::Kill,
            Intent::Edit,
            Intent::PortForward,
            Intent::Shell,
            Intent::Security,
            Intent::Incident,
            Intent::Bundle,
        ] {
            let parsed: Intent =
                serde_json::from_value(serde_json::Value::String(intent.name().into())).unwrap();
            assert_eq!(parsed, intent);
        }
        let favorite: Intent =
            serde_json::from_value(serde_json::json!({"favorite_namespace": 3})).unwrap();
        assert_eq!(favorite, Intent::FavoriteNamespace(3));
    }
}
