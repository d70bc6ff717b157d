//! The tools' own views, through their APIs. `:airflow`: the DAGs — paused, schedule and last
//! run; a DAG's runs; a run's task tries; a try's log from the API (the task pod may be long
//! gone). `:airbyte`: the connections with their last sync; a connection's jobs. The actions
//! that change a tool (trigger a DAG with a conf, pause/unpause, clear a run's failed tasks
//! after a dry-run preview, sync a connection) go through the guard like every mutation.
//! Pure: the runtime talks to the tools (see `tool_runtime`).

use chrono::{DateTime, Utc};

use crate::guard::Confirm;

/// Which tool a view talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Airflow,
    Airbyte,
    /// Helm's releases, read from their storage Secrets (no helm binary needed).
    Helm,
    /// A plain workload's rollout history (ReplicaSets, ControllerRevisions).
    Rollout,
}

/// Which list a tool's view shows; each level is opened from a row of the one above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Dags,
    Runs {
        dag_id: String,
    },
    Tasks {
        dag_id: String,
        run_id: String,
    },
    Log {
        dag_id: String,
        run_id: String,
        task_id: String,
        try_number: u32,
        map_index: i64,
    },
    /// Airbyte's connections.
    Connections,
    /// A connection's jobs, newest first.
    Jobs {
        connection_id: String,
        name: String,
    },
    /// Every Helm release, its newest revision.
    Releases,
    /// A release's revisions, newest first.
    History {
        namespace: String,
        name: String,
    },
    /// One revision: its user values, manifest (Secret data hidden), hooks and notes.
    Revision {
        namespace: String,
        name: String,
        revision: u32,
    },
    /// What changed from one revision to another: values, then object by object.
    Diff {
        namespace: String,
        name: String,
        from: u32,
        to: u32,
    },
    /// The port-forwards running in the background.
    Forwards,
    /// A Deployment's, StatefulSet's or DaemonSet's pod-template revisions, newest first.
    Rollouts {
        kind: String,
        namespace: String,
        name: String,
    },
}

impl Tool {
    /// Its name, as the operator knows it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Airflow => "Airflow",
            Tool::Airbyte => "Airbyte",
            Tool::Helm => "Helm",
            Tool::Rollout => "Kubernetes",
        }
    }

    /// The view that opens it.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Airflow => ":airflow",
            Tool::Airbyte => ":airbyte",
            Tool::Helm => ":helm",
            Tool::Rollout => ":deploy",
        }
    }
}

impl Level {
    pub fn tool(&self) -> Tool {
        match self {
            Level::Connections | Level::Jobs { .. } => Tool::Airbyte,
            Level::Releases
            | Level::History { .. }
            | Level::Revision { .. }
            | Level::Diff { .. } => Tool::Helm,
            Level::Rollouts { .. } | Level::Forwards => Tool::Rollout,
            _ => Tool::Airflow,
        }
    }

    /// The breadcrumb.
    pub fn title(&self) -> String {
        match self {
            Level::Dags => "airflow · dags".into(),
            Level::Runs { dag_id } => format!("airflow · {dag_id}"),
            Level::Tasks { dag_id, run_id } => format!("airflow · {dag_id} · {run_id}"),
            Level::Log {
                task_id,
                try_number,
                ..
            } => format!("airflow · {task_id} try {try_number} log"),
            Level::Connections => "airbyte · connections".into(),
            Level::Jobs { name, .. } => format!("airbyte · {name}"),
            Level::Releases => "helm · releases".into(),
            Level::History { namespace, name } => format!("helm · {namespace}/{name}"),
            Level::Revision { name, revision, .. } => format!("helm · {name} revision {revision}"),
            Level::Diff { name, from, to, .. } => format!("helm · {name} {from} → {to}"),
            Level::Rollouts {
                kind,
                namespace,
                name,
            } => format!("rollouts · {kind} {namespace}/{name}"),
            Level::Forwards => "port-forwards (ctrl-d stops one)".into(),
        }
    }

    /// Whether what it shows still changes (a log of a finished try, a stored revision do
    /// not).
    fn refreshes(&self) -> bool {
        !self.is_text()
    }

    /// Whether it reads as text, one line a row (a log, a revision's documents).
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Level::Log { .. } | Level::Revision { .. } | Level::Diff { .. }
        )
    }
}

/// One row as the runtime read it: a DAG (with its last run), a run, a task try or a log line.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The DAG id, run id or task id; the text of a log line.
    pub id: String,
    /// The last run's state (DAGs), the run's or the try's state.
    pub state: Option<String>,
    pub paused: Option<bool>,
    /// What the row is called when that is not its id (a connection's name).
    pub label: String,
    /// What a sync moved (rows, bytes).
    pub moved: String,
    /// Where it lives (a Helm release's namespace).
    pub namespace: String,
    /// What else to say of it (a release's last operation, a stuck release's age).
    pub note: String,
    /// DAGs: the schedule; runs: how it was started and its conf; tasks: the map index;
    /// connections: the schedule; jobs: the job type.
    pub detail: String,
    pub try_number: u32,
    pub map_index: i64,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
}

impl Row {
    pub fn new(id: impl Into<String>) -> Row {
        Row {
            id: id.into(),
            label: String::new(),
            moved: String::new(),
            namespace: String::new(),
            note: String::new(),
            state: None,
            paused: None,
            detail: String::new(),
            try_number: 0,
            map_index: -1,
            started: None,
            ended: None,
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(
            self.state.as_deref(),
            Some("failed" | "upstream_failed" | "cancelled")
        )
    }

    /// What the row is called on screen.
    pub fn name(&self) -> &str {
        if self.label.is_empty() {
            &self.id
        } else {
            &self.label
        }
    }
}

/// What one load brought: where Airflow was reached (said in the title) and the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub source: String,
    /// Where the tool runs (its pods' namespace), when reached through the cluster.
    pub namespace: Option<String>,
    pub rows: Vec<Row>,
}

/// How often a list on screen is read again while it is on top (runs move on their own).
pub const REFRESH_SECONDS: i64 = 3;

/// One Airflow list on the view stack.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolView {
    pub level: Level,
    pub generation: u64,
    pub page: Option<Page>,
    /// Why the last load failed (the rows of the one before stay).
    pub error: Option<String>,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    pub loaded_at: Option<DateTime<Utc>>,
    /// Not read again by itself (the operator declined to sign in).
    pub halted: bool,
}

impl ToolView {
    pub fn new(level: Level, generation: u64) -> ToolView {
        ToolView {
            level,
            generation,
            page: None,
            error: None,
            selected: 0,
            offset: 0,
            loading: true,
            loaded_at: None,
            halted: false,
        }
    }

    pub fn rows(&self) -> &[Row] {
        self.page.as_ref().map_or(&[], |p| p.rows.as_slice())
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows().get(self.selected)
    }

    /// Takes a load's answer; the cursor stays on the same id when it is still there.
    pub fn loaded(&mut self, result: Result<Page, String>, now: DateTime<Utc>) {
        self.loading = false;
        self.loaded_at = Some(now);
        match result {
            // A log opens at its end, where a failed try says why.
            Ok(page) if self.page.is_none() && matches!(self.level, Level::Log { .. }) => {
                self.selected = page.rows.len().saturating_sub(1);
                self.page = Some(page);
                self.error = None;
            }
            // The releases open on the first one that needs someone: failed, stuck, unreadable.
            Ok(page) if self.page.is_none() && matches!(self.level, Level::Releases) => {
                self.selected = page
                    .rows
                    .iter()
                    .position(|r| {
                        r.is_failed()
                            || r.state
                                .as_deref()
                                .is_some_and(|s| s.starts_with("pending") || s == "unreadable")
                    })
                    .unwrap_or(0);
                self.page = Some(page);
                self.error = None;
            }
            Ok(page) => {
                let keep = self.selected_row().map(|r| r.id.clone());
                let at = keep.and_then(|id| page.rows.iter().position(|r| r.id == id));
                self.selected = at.unwrap_or(self.selected.min(page.rows.len().saturating_sub(1)));
                self.page = Some(page);
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Whether to read it again now.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        !self.loading
            && !self.halted
            && self.level.refreshes()
            && self
                .loaded_at
                .is_none_or(|at| (now - at).num_seconds() >= REFRESH_SECONDS)
    }

    /// The level Enter opens from the row under the cursor.
    pub fn open(&self) -> Option<Level> {
        let row = self.selected_row()?;
        Some(match &self.level {
            Level::Dags => Level::Runs {
                dag_id: row.id.clone(),
            },
            Level::Runs { dag_id } => Level::Tasks {
                dag_id: dag_id.clone(),
                run_id: row.id.clone(),
            },
            Level::Tasks { dag_id, run_id } => self.log_of(dag_id, run_id, row)?,
            Level::Connections => Level::Jobs {
                connection_id: row.id.clone(),
                name: row.name().to_string(),
            },
            Level::Releases => Level::History {
                namespace: row.namespace.clone(),
                name: row.name().to_string(),
            },
            Level::History { namespace, name } => Level::Revision {
                namespace: namespace.clone(),
                name: name.clone(),
                revision: row.try_number,
            },
            Level::Log { .. }
            | Level::Jobs { .. }
            | Level::Revision { .. }
            | Level::Diff { .. }
            | Level::Forwards
            | Level::Rollouts { .. } => return None,
        })
    }

    /// The log of the task try under the cursor (`l`).
    pub fn log(&self) -> Option<Level> {
        match &self.level {
            Level::Tasks { dag_id, run_id } => self.log_of(dag_id, run_id, self.selected_row()?),
            _ => None,
        }
    }

    fn log_of(&self, dag_id: &str, run_id: &str, row: &Row) -> Option<Level> {
        // A task that never started has no try to read.
        (row.try_number > 0).then(|| Level::Log {
            dag_id: dag_id.to_string(),
            run_id: run_id.to_string(),
            task_id: row.id.clone(),
            try_number: row.try_number,
            map_index: row.map_index,
        })
    }

    /// What `t` starts from here: a run of the DAG the cursor means (on the DAGs, or the DAG
    /// of the runs and tasks shown; its conf is asked next), a sync of the connection.
    pub fn trigger(&self) -> Option<Act> {
        let dag = |dag_id: &String| Act::Trigger {
            dag_id: dag_id.clone(),
            conf: String::new(),
        };
        match &self.level {
            Level::Dags => self.selected_row().map(|r| dag(&r.id)),
            Level::Runs { dag_id } | Level::Tasks { dag_id, .. } | Level::Log { dag_id, .. } => {
                Some(dag(dag_id))
            }
            Level::Connections => self.selected_row().map(|r| Act::Sync {
                connection_id: r.id.clone(),
                name: r.name().to_string(),
            }),
            Level::Jobs {
                connection_id,
                name,
            } => Some(Act::Sync {
                connection_id: connection_id.clone(),
                name: name.clone(),
            }),
            Level::Releases
            | Level::History { .. }
            | Level::Revision { .. }
            | Level::Diff { .. }
            | Level::Forwards
            | Level::Rollouts { .. } => None,
        }
    }

    /// `D`: what the revision under the cursor changed — against the newest good revision
    /// before it in a history (what a failed upgrade did to the last good state), against
    /// the one before it on the releases.
    pub fn diff(&self) -> Option<Level> {
        let row = self.selected_row()?;
        let good = |r: &Row| matches!(r.state.as_deref(), Some("deployed" | "superseded"));
        let from = match &self.level {
            Level::History { .. } => {
                let older = &self.rows()[self.selected + 1..];
                older.iter().find(|r| good(r)).or(older.first())?.try_number
            }
            Level::Releases if row.try_number > 1 => row.try_number - 1,
            _ => return None,
        };
        Some(Level::Diff {
            namespace: row.namespace.clone(),
            name: row.name().to_string(),
            from,
            to: row.try_number,
        })
    }

    /// `r`: rolling the release under the cursor back — to its last good revision from the
    /// releases, to the revision under the cursor from a history (unless that is the newest).
    pub fn rollback(&self) -> Option<Act> {
        let row = self.selected_row()?;
        let to = match &self.level {
            Level::Releases => None,
            Level::History { .. } if self.selected == 0 => None,
            Level::History { .. } => Some(row.try_number),
            _ => return None,
        };
        Some(Act::Rollback {
            namespace: row.namespace.clone(),
            name: row.name().to_string(),
            to,
        })
    }

    /// `U`: upgrading the release under the cursor (a release, or any revision of one), to
    /// its chart by name until the operator says which chart.
    pub fn upgrade(&self) -> Option<Act> {
        let row = self.selected_row()?;
        if !matches!(self.level, Level::Releases | Level::History { .. }) {
            return None;
        }
        Some(Act::Upgrade {
            namespace: row.namespace.clone(),
            name: row.name().to_string(),
            chart: chart_name(&row.detail).to_string(),
            version: None,
            values: ValuesChoice::Reuse,
        })
    }

    /// `u`: putting the revision under the cursor back, in a workload's rollout history.
    pub fn undo(&self) -> Option<Act> {
        let Level::Rollouts {
            kind,
            namespace,
            name,
        } = &self.level
        else {
            return None;
        };
        let row = self.selected_row()?;
        Some(Act::Undo {
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            revision: i64::from(row.try_number),
        })
    }

    /// `i`: a new image for the workload whose rollout history is shown (the image is asked).
    pub fn set_image(&self) -> Option<Act> {
        let Level::Rollouts {
            kind,
            namespace,
            name,
        } = &self.level
        else {
            return None;
        };
        Some(Act::SetImage {
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            container: None,
            image: String::new(),
        })
    }

    /// The DAG the cursor means on the DAGs.
    pub fn dag_id(&self) -> Option<String> {
        match &self.level {
            Level::Dags => self.selected_row().map(|r| r.id.clone()),
            _ => None,
        }
    }

    /// The pods of the job under the cursor (`l`): Airbyte's workload launcher names a job's
    /// replication pod after it; the namespace is the server's.
    pub fn job_pods(&self) -> Option<(String, Vec<String>)> {
        let Level::Jobs { .. } = &self.level else {
            return None;
        };
        let row = self.selected_row()?;
        let namespace = self.page.as_ref()?.namespace.clone()?;
        let attempts = row.try_number.max(1);
        let pods = (0..attempts)
            .map(|attempt| format!("replication-job-{}-attempt-{attempt}", row.id))
            .collect();
        Some((namespace, pods))
    }

    /// The run the cursor means (a row of a DAG's runs, or the run whose tasks are shown).
    pub fn run(&self) -> Option<(String, String)> {
        match &self.level {
            Level::Runs { dag_id } => Some((dag_id.clone(), self.selected_row()?.id.clone())),
            Level::Tasks { dag_id, run_id } => Some((dag_id.clone(), run_id.clone())),
            _ => None,
        }
    }

    /// Whether the DAG under the cursor is paused, when the view knows.
    pub fn paused(&self) -> Option<bool> {
        match &self.level {
            Level::Dags => self.selected_row()?.paused,
            _ => None,
        }
    }
}

/// Signing in by hand when no stored credentials were found: asked once, kept in memory for
/// the session (the runtime's), never written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolLogin {
    /// The view that asked, read again once signed in.
    pub generation: u64,
    pub level: Level,
    /// Where the tool was found, said in the dialog.
    pub target: String,
    /// Typed so far (the password is asked next).
    pub username: Option<String>,
    /// Why the last sign-in failed.
    pub error: Option<String>,
}

/// What the operator typed to sign in, for the tool that asked: kept by the runtime for the
/// session, never written; neither prints its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedCredentials {
    Airflow(crate::tools::airflow::Credentials),
    Airbyte(crate::tools::airbyte::Credentials),
}

impl TypedCredentials {
    /// `tool`'s credentials from the two answers (a user and a password; an application's
    /// client id and secret).
    /// `None` for a tool that never asks (Helm is read as the operator's kube user).
    pub fn new(tool: Tool, name: String, secret: String) -> Option<TypedCredentials> {
        match tool {
            Tool::Airflow => Some(TypedCredentials::Airflow(
                crate::tools::airflow::Credentials::new(name, secret),
            )),
            Tool::Airbyte => Some(TypedCredentials::Airbyte(
                crate::tools::airbyte::Credentials::new(
                    name,
                    secret,
                    crate::tools::secrets::CredentialSource::Typed,
                ),
            )),
            Tool::Helm | Tool::Rollout => None,
        }
    }
}

/// A change asked of a tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// A new DAG run with this conf (a JSON object as typed; empty for none).
    Trigger {
        dag_id: String,
        conf: String,
    },
    SetPaused {
        dag_id: String,
        paused: bool,
    },
    /// Clears the failed (and upstream-failed) tasks of a run so the scheduler runs them again.
    ClearFailed {
        dag_id: String,
        run_id: String,
    },
    /// Starts a sync of an Airbyte connection now.
    Sync {
        connection_id: String,
        name: String,
    },
    /// Rolls a Helm release back (to `to`, else its last good revision), unlocking a stuck
    /// `pending-*` revision first.
    Rollback {
        namespace: String,
        name: String,
        to: Option<u32>,
    },
    /// Upgrades a Helm release to `chart` (a folder, a `.tgz`, or `repo/name`) at `version`.
    Upgrade {
        namespace: String,
        name: String,
        chart: String,
        version: Option<String>,
        values: ValuesChoice,
    },
    /// Sets the image of a workload's container (`kubectl set image`); no container named:
    /// its only one.
    SetImage {
        kind: String,
        namespace: String,
        name: String,
        container: Option<String>,
        image: String,
    },
    /// Replaces a workload's pods (`kubectl rollout restart`).
    Restart {
        kind: String,
        namespace: String,
        name: String,
    },
    /// Sets a Deployment's or StatefulSet's replicas (`kubectl scale`).
    Scale {
        kind: String,
        namespace: String,
        name: String,
        replicas: i32,
    },
    /// Deletes an object; `force`: at once, without the grace period (a stuck pod).
    Delete {
        resource: crate::cluster::ResourceKind,
        namespace: String,
        name: String,
        force: bool,
    },
    /// A shell in a container of a pod, the terminal handed to it (`kubectl exec -it`).
    Exec {
        namespace: String,
        pod: String,
        container: String,
    },
    /// Forwards 127.0.0.1:LOCAL to a port of the pod (or of a ready pod behind the
    /// Service), in the background; `ports` as typed, `LOCAL:REMOTE`.
    PortForward {
        kind: String,
        namespace: String,
        name: String,
        ports: String,
    },
    /// Replaces an object with the operator's edit of its YAML (`kubectl edit`), at the
    /// resourceVersion `original` was read at: a change made meanwhile is a conflict.
    Edit {
        resource: crate::cluster::ResourceKind,
        namespace: String,
        name: String,
        /// The YAML as read (empty until it is).
        original: String,
        /// The YAML as the operator left it.
        edited: String,
    },
    /// Puts a workload's pod template of `revision` back (`kubectl rollout undo`).
    Undo {
        kind: String,
        namespace: String,
        name: String,
        revision: i64,
    },
}

/// What becomes of a release's values in an upgrade.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ValuesChoice {
    /// The release's values as they are (helm's default when none are given).
    #[default]
    Reuse,
    /// The new chart's defaults, then the release's values over them.
    ResetThenReuse,
    /// The release's values as the operator edited them (YAML), over the chart's defaults.
    Edited(String),
}

impl ValuesChoice {
    /// The number it is picked by in the wizard.
    pub fn number(&self) -> &'static str {
        match self {
            ValuesChoice::Reuse => "1",
            ValuesChoice::ResetThenReuse => "2",
            ValuesChoice::Edited(_) => "3",
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            ValuesChoice::Reuse => "the release's values reused",
            ValuesChoice::ResetThenReuse => "the new chart's defaults, then the release's values",
            ValuesChoice::Edited(_) => "the values as edited",
        }
    }
}

/// The chart's name from a release row's chart label (`superset-0.14.2` → `superset`): the
/// version starts at the first `-` followed by a digit.
pub fn chart_name(label: &str) -> &str {
    let chart = label.split(" · ").next().unwrap_or_default();
    chart
        .char_indices()
        .find(|(i, c)| *c == '-' && chart[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map_or(chart, |(i, _)| &chart[..i])
}

/// `CHART [VERSION]` as typed in the wizard.
pub fn parse_chart(text: &str) -> Result<(String, Option<String>), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [chart] => Ok((chart.to_string(), None)),
        [chart, version] => Ok((chart.to_string(), Some(version.to_string()))),
        [] => Err("name a chart: a folder, a .tgz, or repo/name (then a version)".into()),
        _ => Err("CHART [VERSION]: a chart, then at most a version".into()),
    }
}

/// What a change is watched on while it is made, and verified on after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watched {
    Release {
        namespace: String,
        name: String,
    },
    Workload {
        kind: String,
        namespace: String,
        name: String,
    },
}

/// `IMAGE` or `CONTAINER=IMAGE` as typed.
pub fn parse_image(text: &str) -> Result<(Option<String>, String), String> {
    let text = text.trim();
    let (container, image) = match text.split_once('=') {
        Some((container, image)) => (Some(container.trim().to_string()), image.trim()),
        None => (None, text),
    };
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err("an image (registry/name:tag), or CONTAINER=IMAGE".into());
    }
    Ok((container.filter(|c| !c.is_empty()), image.to_string()))
}

impl Act {
    /// What the change is watched on (the wizards: Helm releases, plain workloads).
    pub fn watched(&self) -> Option<Watched> {
        match self {
            Act::Rollback {
                namespace, name, ..
            }
            | Act::Upgrade {
                namespace, name, ..
            } => Some(Watched::Release {
                namespace: namespace.clone(),
                name: name.clone(),
            }),
            Act::Undo {
                kind,
                namespace,
                name,
                ..
            }
            | Act::SetImage {
                kind,
                namespace,
                name,
                ..
            }
            | Act::Restart {
                kind,
                namespace,
                name,
            }
            | Act::Scale {
                kind,
                namespace,
                name,
                ..
            } => Some(Watched::Workload {
                kind: kind.clone(),
                namespace: namespace.clone(),
                name: name.clone(),
            }),
            _ => None,
        }
    }

    /// The Helm release a wizard (rollback, upgrade) works on.
    pub fn release(&self) -> Option<(&str, &str)> {
        match self {
            Act::Rollback {
                namespace, name, ..
            }
            | Act::Upgrade {
                namespace, name, ..
            } => Some((namespace, name)),
            _ => None,
        }
    }

    /// What the operator is about to do, in the dialog and the flash.
    pub fn describe(&self) -> String {
        match self {
            Act::Upgrade {
                namespace,
                name,
                chart,
                version,
                values,
            } => format!(
                "upgrade Helm release {namespace}/{name} to {chart}{} with {}",
                version
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default(),
                values.describe()
            ),
            Act::Trigger { dag_id, conf } if conf.trim().is_empty() => {
                format!("trigger DAG {dag_id}")
            }
            Act::Trigger { dag_id, conf } => format!("trigger DAG {dag_id} with conf {conf}"),
            Act::SetPaused { dag_id, paused } => {
                format!("{} DAG {dag_id}", if *paused { "pause" } else { "unpause" })
            }
            Act::ClearFailed { dag_id, run_id } => {
                format!("clear the failed tasks of {dag_id} run {run_id}")
            }
            Act::Sync { name, .. } => format!("sync connection {name} now"),
            Act::Undo {
                kind,
                namespace,
                name,
                revision,
            } => format!("roll {kind} {namespace}/{name} back to revision {revision}"),
            Act::Restart {
                kind,
                namespace,
                name,
            } => format!("restart {kind} {namespace}/{name} (its pods are replaced)"),
            Act::Scale {
                kind,
                namespace,
                name,
                replicas,
            } => format!("scale {kind} {namespace}/{name} to {replicas} replica(s)"),
            Act::Edit {
                resource,
                namespace,
                name,
                ..
            } => format!("edit {} {}", resource.kind, place(namespace, name)),
            Act::Exec {
                namespace,
                pod,
                container,
            } => format!(
                "open a shell in container {container} of pod {}",
                place(namespace, pod)
            ),
            Act::PortForward {
                kind,
                namespace,
                name,
                ports,
            } => {
                let (local, remote) = ports.split_once(':').unwrap_or((ports, ports));
                format!(
                    "forward 127.0.0.1:{local} to port {remote} of {kind} {}",
                    place(namespace, name)
                )
            }
            Act::Delete {
                resource,
                namespace,
                name,
                force,
            } => {
                let how = if *force {
                    "force-delete (at once, no grace period)"
                } else {
                    "delete"
                };
                format!("{how} {} {}", resource.kind, place(namespace, name))
            }
            Act::SetImage {
                kind,
                namespace,
                name,
                container,
                image,
            } => match container {
                Some(container) => format!(
                    "set the image of container {container} of {kind} {namespace}/{name} to {image}"
                ),
                None => format!("set the image of {kind} {namespace}/{name} to {image}"),
            },
            Act::Rollback {
                namespace,
                name,
                to: Some(to),
            } => format!("roll Helm release {namespace}/{name} back to revision {to}"),
            Act::Rollback {
                namespace, name, ..
            } => format!("roll Helm release {namespace}/{name} back to its last good revision"),
        }
    }

    /// What the change is done to (the DAG id, the connection's name), as the dialog's title
    /// says it and production contexts ask it to be typed.
    pub fn subject(&self) -> &str {
        match self {
            Act::Trigger { dag_id, .. }
            | Act::SetPaused { dag_id, .. }
            | Act::ClearFailed { dag_id, .. } => dag_id,
            Act::Sync { name, .. }
            | Act::Undo { name, .. }
            | Act::Rollback { name, .. }
            | Act::Upgrade { name, .. }
            | Act::SetImage { name, .. }
            | Act::Restart { name, .. }
            | Act::Scale { name, .. }
            | Act::Edit { name, .. }
            | Act::PortForward { name, .. }
            | Act::Exec { pod: name, .. }
            | Act::Delete { name, .. } => name,
        }
    }

    pub fn tool(&self) -> Tool {
        match self {
            Act::Sync { .. } => Tool::Airbyte,
            Act::Undo { .. }
            | Act::SetImage { .. }
            | Act::Restart { .. }
            | Act::Scale { .. }
            | Act::Edit { .. }
            | Act::PortForward { .. }
            | Act::Exec { .. }
            | Act::Delete { .. } => Tool::Rollout,
            Act::Rollback { .. } | Act::Upgrade { .. } => Tool::Helm,
            _ => Tool::Airflow,
        }
    }
}

/// `namespace/name`, or the name alone for a cluster-scoped object.
fn place(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// Where a change stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Editing a trigger's conf.
    Conf,
    /// An upgrade's chart and values being chosen.
    Target,
    /// An upgrade's values being edited.
    Values,
    /// The guard is asked (and a clear's dry run read, an upgrade planned).
    Checking,
    Confirming,
    /// A check stopped it: why, with the plan (nothing was changed).
    Refused,
    /// Sent to the tool (a Helm change is watched meanwhile).
    Acting,
    /// A Helm change ended: what came of it and the release's health after.
    Done,
}

/// A change in progress, shown as a dialog over the view.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolDraft {
    pub act: Act,
    pub stage: Stage,
    /// What is wrong with the conf as typed.
    pub error: Option<String>,
    /// The confirmation the guard asks for, and its question.
    pub confirm: Option<(Confirm, String)>,
    /// What a clear would clear (its dry run), one task per line; a Helm plan and diff.
    pub preview: Vec<String>,
    /// How far the preview is scrolled.
    pub scroll: usize,
    /// A Helm change's release as last watched (pods, hooks, events).
    pub progress: Vec<String>,
    /// What came of a Helm change.
    pub outcome: Option<Result<String, String>>,
}

impl ToolDraft {
    pub fn new(act: Act, stage: Stage) -> ToolDraft {
        ToolDraft {
            act,
            stage,
            error: None,
            confirm: None,
            preview: Vec::new(),
            scroll: 0,
            progress: Vec::new(),
            outcome: None,
        }
    }

    /// Whether it is one of the wizards (a Helm release's or a workload's change: a big
    /// dialog that stays while the change rolls out).
    pub fn is_wizard(&self) -> bool {
        // An edit needs the room too: its editor, then its diff.
        self.act.watched().is_some()
            || matches!(
                self.act,
                Act::Edit { .. } | Act::PortForward { .. } | Act::Exec { .. }
            )
    }

    /// Takes the typed conf: checked as Airflow will read it (a JSON object) before anything
    /// is sent; an error stays on the conf with what is wrong.
    pub fn settle_conf(&mut self, text: &str) -> Result<(), String> {
        match crate::tools::airflow::parse_conf(text) {
            Ok(map) => {
                if let Act::Trigger { conf, .. } = &mut self.act {
                    *conf = if map.is_empty() {
                        String::new()
                    } else {
                        serde_json::Value::Object(map).to_string()
                    };
                }
                self.error = None;
                self.stage = Stage::Checking;
                Ok(())
            }
            Err(error) => {
                let said = error.to_string();
                self.error = Some(said.clone());
                Err(said)
            }
        }
    }
}

/// What the guard said to a change: its confirmation and question, and a clear's dry run.
#[derive(Clone, Debug, PartialEq)]
pub struct Approved {
    pub confirm: Confirm,
    pub question: String,
    pub preview: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(ids: &[&str]) -> Page {
        Page {
            source: "pod orchestration/airflow-api-server-0 port 8080 (port-forward)".into(),
            namespace: Some("orchestration".into()),
            rows: ids.iter().map(|id| Row::new(*id)).collect(),
        }
    }

    #[test]
    fn the_cursor_stays_on_its_dag_across_loads_and_enter_goes_down_a_level() {
        let now = Utc::now();
        let mut view = ToolView::new(Level::Dags, 1);
        view.loaded(Ok(page(&["a", "b", "c"])), now);
        view.selected = 1;
        view.loaded(Ok(page(&["new", "a", "b", "c"])), now);
        assert_eq!(view.selected_row().unwrap().id, "b");
        assert_eq!(view.open(), Some(Level::Runs { dag_id: "b".into() }));
        // A failed load keeps the rows and says why.
        view.loaded(Err("cannot reach Airflow".into()), now);
        assert_eq!(view.rows().len(), 4);
        assert_eq!(view.error.as_deref(), Some("cannot reach Airflow"));
        assert!(!view.due(now));
        assert!(view.due(now + chrono::Duration::seconds(REFRESH_SECONDS)));
    }

    #[test]
    fn a_task_that_never_ran_has_no_log_to_open() {
        let mut view = ToolView::new(
            Level::Tasks {
                dag_id: "d".into(),
                run_id: "r".into(),
            },
            1,
        );
        let mut ran = Row::new("extract");
        ran.try_number = 2;
        view.loaded(
            Ok(Page {
                source: String::new(),
                namespace: None,
                rows: vec![ran, Row::new("load")],
            }),
            Utc::now(),
        );
        assert!(matches!(
            view.log(),
            Some(Level::Log { try_number: 2, ref task_id, .. }) if task_id == "extract"
        ));
        view.selected = 1;
        assert_eq!(view.log(), None);
        assert_eq!(view.run(), Some(("d".into(), "r".into())));
    }

    #[test]
    fn an_upgrade_starts_from_the_releases_chart_and_takes_chart_then_version() {
        assert_eq!(chart_name("superset-0.14.2 · app 4.1.1"), "superset");
        assert_eq!(chart_name("spark-operator-2.1.0-rc1"), "spark-operator");
        assert_eq!(chart_name("-"), "-");
        assert_eq!(
            parse_chart(" superset/superset  0.14.3 "),
            Ok(("superset/superset".into(), Some("0.14.3".into())))
        );
        assert_eq!(
            parse_chart("./charts/tiny"),
            Ok(("./charts/tiny".into(), None))
        );
        assert!(parse_chart("  ").is_err());
        assert!(parse_chart("a b c").is_err());
        let mut view = ToolView::new(Level::Releases, 1);
        let mut row = Row::new("bi/superset");
        row.namespace = "bi".into();
        row.label = "superset".into();
        row.detail = "superset-0.14.2 · app 4.1.1".into();
        view.loaded(
            Ok(Page {
                source: String::new(),
                namespace: None,
                rows: vec![row],
            }),
            Utc::now(),
        );
        let act = view.upgrade().unwrap();
        assert_eq!(
            act.describe(),
            "upgrade Helm release bi/superset to superset with the release's values reused"
        );
        assert_eq!(act.release(), Some(("bi", "superset")));
    }

    #[test]
    fn a_conf_is_checked_before_it_is_sent() {
        let act = Act::Trigger {
            dag_id: "orders_daily".into(),
            conf: String::new(),
        };
        let mut draft = ToolDraft::new(act, Stage::Conf);
        assert!(draft.settle_conf("{\"day\": ").is_err());
        assert_eq!(draft.stage, Stage::Conf);
        assert!(draft.settle_conf("[1]").unwrap_err().contains("array"));
        draft.settle_conf(r#"{ "day": "2026-12-01" }"#).unwrap();
        assert_eq!(draft.stage, Stage::Checking);
        assert_eq!(
            draft.act.describe(),
            r#"trigger DAG orders_daily with conf {"day":"2026-12-01"}"#
        );
        let mut empty = ToolDraft::new(
            Act::Trigger {
                dag_id: "x".into(),
                conf: String::new(),
            },
            Stage::Conf,
        );
        empty.settle_conf("  ").unwrap();
        assert_eq!(empty.act.describe(), "trigger DAG x");
    }
}
