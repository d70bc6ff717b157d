//! The `strata` command line: the cockpit (default), the demo, the simulator and the
//! scriptable subcommands.

#[cfg(feature = "sim")]
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use strata::app::{self, Appearance, LaunchOptions};
use strata::config::{self, TermEnv};
#[cfg(feature = "sim")]
use strata::sim::{self, ScenarioName, ScenarioOptions, SimConfig};
use strata::ui;

#[derive(Parser, Debug)]
#[command(
    name = "strata",
    version,
    about = "A terminal cockpit for your data stack on Kubernetes"
)]
struct Cli {
    #[command(flatten)]
    conn: ConnectionArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// How to reach the cluster (the kubectl flags users already know).
#[derive(Args, Debug, Clone)]
struct ConnectionArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, env = "STRATA_KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (default: the current context).
    #[arg(long, global = true)]
    context: Option<String>,
    /// Namespace to start in.
    #[arg(short = 'n', long, global = true)]
    namespace: Option<String>,
    /// Start with all namespaces.
    #[arg(short = 'A', long, global = true)]
    all_namespaces: bool,
    /// Colour theme: a built-in name (default, light, 16color, no-color), a theme saved as
    /// ~/.config/strata/themes/NAME.toml, or a path to a .toml file.
    #[arg(long, global = true, value_name = "NAME|FILE", env = "STRATA_THEME")]
    theme: Option<String>,
    /// Key bindings laid over the defaults: a built-in name (default, vim), a keymap saved as
    /// ~/.config/strata/keymaps/NAME.toml, or a path to a .toml file.
    #[arg(long, global = true, value_name = "NAME|FILE", env = "STRATA_KEYMAP")]
    keymap: Option<String>,
    /// Refuse every action that would change the cluster.
    #[arg(long, global = true)]
    readonly: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the cockpit on the cluster of your kubeconfig (the default).
    Tui,
    /// Open the cockpit on an embedded demo cluster (no cluster needed).
    #[cfg(feature = "sim")]
    Demo {
        /// Extra pods in the demo cluster, to feel a big cluster.
        #[arg(long, default_value_t = 0)]
        pods: usize,
    },
    /// The embedded Kubernetes API simulator.
    #[cfg(feature = "sim")]
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// Layers, components, health and reasons, for runbooks and scripts. Exit 0 when all is
    /// healthy, 1 when something is degraded or down, 2 on error. All namespaces unless -n.
    Status {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: strata::status::OutputFormat,
        /// What makes the exit code 1.
        #[arg(long, value_enum, default_value = "degraded")]
        fail_on: strata::status::FailLevel,
        /// Rules file (default: rules.toml in the config directory, if present).
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// What is broken and what changed just before it broke: unhealthy components worst
    /// first, each linked to the changes that preceded it (Helm revisions, rollouts,
    /// ConfigMap and Secret edits — never values —, scale and schedule changes, nodes),
    /// the change timeline, failed runs and Warning events. Exit 0 when nothing is broken,
    /// 1 when something is, 2 on error.
    Incident {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "text")]
        output: strata::commands::incident::IncidentFormat,
        /// How far back the timeline goes (30m, 2h, 1d).
        #[arg(long, default_value = "2h")]
        since: String,
    },
    /// The stack's security posture: which data tool is open (auth off, exposed by a
    /// LoadBalancer, NodePort or Ingress), with what credentials (chart defaults, secrets in
    /// plain env or args), running how (root, privileged, host access, RBAC, no
    /// NetworkPolicy) — each finding with its evidence (credentials masked) and fix. Exit 0
    /// when nothing reaches --fail-on, 1 when something does, 2 on error. All namespaces
    /// unless -n.
    Security {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: strata::commands::security::SecurityFormat,
        /// The severity that makes the exit code 1.
        #[arg(long, value_enum, default_value = "high")]
        fail_on: strata::commands::security::FailOn,
    },
    /// Write an incident bundle (.tar.gz) for a ticket or a vendor: status and runs JSON,
    /// events of the window, describe of every unhealthy object, the last log lines of failing
    /// pods (previous containers too), Helm history and values of affected releases, and a
    /// README — every Secret and credential-like value redacted. Exit 0 written, 2 not.
    /// All namespaces unless -n.
    Bundle {
        /// The file to write (default: strata-bundle-<context>-<UTC time>.tar.gz here).
        #[arg(short = 'o', long, value_name = "FILE.tar.gz")]
        output: Option<PathBuf>,
        /// The window: events, runs and failed pods of the last 30m, 2h, 1d…
        #[arg(long, default_value = strata::commands::bundle::DEFAULT_SINCE)]
        since: String,
        /// The cap on the bundle's size, uncompressed, in MiB (what is cut is said in its
        /// README).
        #[arg(long, value_name = "N", default_value_t = strata::commands::bundle::DEFAULT_MAX_MIB)]
        max_mib: u64,
        /// Log lines per container.
        #[arg(long, value_name = "N", default_value_t = strata::bundle::DEFAULT_TAIL_LINES)]
        tail: i64,
    },
    /// The stack's runs (syncs, task tries, dbt jobs, Spark applications…), newest first.
    /// Exit 0, or 2 on error. All namespaces unless -n.
    Runs {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: strata::commands::runs::RunsFormat,
        /// Only runs of this tool (airflow, airbyte, dbt, dagster, prefect, spark…).
        #[arg(long)]
        tool: Option<String>,
        /// Only runs in this state (pending, running, retrying, succeeded, failed).
        #[arg(long)]
        state: Option<String>,
        /// Only runs started within this long (30m, 2h, 1d).
        #[arg(long)]
        since: Option<String>,
    },
    /// The logs of a run (its id from `strata runs`, or its name), a pod (pod/NAME), a
    /// workload (deploy/NAME, sts/NAME, job/NAME) or a component: every pod and container,
    /// merged. Exit 0, or 2 on error.
    Logs {
        /// What to read.
        target: String,
        /// Keep reading, and pick up new pods (a run's next try).
        #[arg(short = 'f', long)]
        follow: bool,
        /// Only lines of the last 30s, 15m, 2h…
        #[arg(long)]
        since: Option<String>,
        /// Only the last N lines of each container.
        #[arg(long)]
        tail: Option<i64>,
        /// Only this container.
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// The previous instance of each container (after a restart).
        #[arg(short = 'p', long)]
        previous: bool,
    },
    /// Start a run by hand: a dbt Job from its CronJob, an Airflow DAG run, an Airbyte sync. Exit 0 when
    /// started (with --wait: when it succeeded), 1 when the run failed, 2 when it could not
    /// be started.
    Trigger {
        #[command(subcommand)]
        what: TriggerCommand,
    },
    /// Roll a Helm release back with the real helm binary, after printing the plan (target
    /// revision, objects that change, hooks, GitOps owners). A release stuck pending-* is
    /// unlocked first. Exit 0 rolled back, 1 a check or the rollback failed, 2 it could not
    /// start.
    Rollback {
        /// The release (in -n NAMESPACE, else the context's namespace).
        release: String,
        /// The revision to go back to (default: the newest deployed or superseded one before
        /// the current revision).
        #[arg(long, value_name = "REV")]
        to: Option<u32>,
        /// Print the plan and checks only.
        #[arg(long)]
        dry_run: bool,
        /// The helm binary (default: STRATA_HELM, else helm on PATH).
        #[arg(long, value_name = "PATH")]
        helm: Option<PathBuf>,
        /// Do not ask for confirmation (not enough on a production context: see --confirm).
        #[arg(long, short = 'y')]
        yes: bool,
        /// The release's name again, which a production context asks for.
        #[arg(long, value_name = "NAME")]
        confirm: Option<String>,
    },
    /// Upgrade a Helm release with the real helm binary (--wait, rolled back on failure),
    /// after printing the plan: helm's render compared per object with the live release
    /// (restarts, CRDs, hooks) and checks — a stuck release, GitOps owners, removed API
    /// versions, the server's dry run of each changed object (immutable fields) — any of
    /// which stops it before anything is applied. Exit 0 upgraded, 1 a check or the upgrade
    /// failed, 2 it could not start.
    Upgrade {
        /// The release (in -n NAMESPACE, else the context's namespace).
        release: String,
        /// The chart: a folder, a .tgz, or repo/name.
        chart: String,
        /// The chart version (a repository chart).
        #[arg(long, value_name = "V")]
        version: Option<String>,
        /// Values files, in order (none: helm reuses the release's values).
        #[arg(long = "values", short = 'f', value_name = "FILE")]
        values: Vec<PathBuf>,
        /// Values on the command line (KEY=VALUE), after the files.
        #[arg(long, value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// The release's values over the old chart's defaults (helm --reuse-values).
        #[arg(long, conflicts_with_all = ["reset_then_reuse_values", "reset_values"])]
        reuse_values: bool,
        /// The new chart's defaults, then the release's values over them (helm 3.14+).
        #[arg(long, conflicts_with = "reset_values")]
        reset_then_reuse_values: bool,
        /// The new chart's defaults only; the release's values are dropped.
        #[arg(long)]
        reset_values: bool,
        /// Print the plan and checks only (exit 1 when a check fails).
        #[arg(long)]
        plan: bool,
        /// The helm binary (default: STRATA_HELM, else helm on PATH).
        #[arg(long, value_name = "PATH")]
        helm: Option<PathBuf>,
        /// Do not ask for confirmation (not enough on a production context: see --confirm).
        #[arg(long, short = 'y')]
        yes: bool,
        /// The release's name again, which a production context asks for.
        #[arg(long, value_name = "NAME")]
        confirm: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum TriggerCommand {
    /// A Job from a dbt CronJob, as `kubectl create job --from=cronjob/CRONJOB` makes it.
    Dbt {
        /// The CronJob (in -n NAMESPACE, else the context's namespace).
        cronjob: String,
        /// Run this dbt command instead of the template's, e.g. "dbt build --select orders+
        /// --full-refresh" (checked first; run without a shell).
        #[arg(long, value_name = "DBT COMMAND")]
        command: Option<String>,
        #[command(flatten)]
        run: RunFlags,
    },
    /// A DAG run through Airflow's REST API (Airflow 3 or 2), reached by a port-forward to
    /// its api-server pod (found by the chart's labels; -n narrows the search) or the
    /// context's airflow_url. Credentials: STRATA_AIRFLOW_USERNAME/PASSWORD, the context's
    /// airflow_secret, a Secret labelled strata.dev/credentials=airflow, or asked.
    Airflow {
        /// The DAG's id.
        dag_id: String,
        /// The run's configuration, a JSON object, e.g. '{"date": "2026-12-01"}'.
        #[arg(long, value_name = "JSON")]
        conf: Option<String>,
        /// A note on the run (shown in Airflow's UI).
        #[arg(long)]
        note: Option<String>,
        /// The Airflow's Helm release, when several serve an API.
        #[arg(long)]
        release: Option<String>,
        #[command(flatten)]
        run: RunFlags,
    },
    /// A sync of an Airbyte connection through Airbyte's public API, reached by a
    /// port-forward to its server pod (found by the chart's labels; -n narrows the search) or
    /// the context's airbyte_url. Without CONNECTION: the connections and their last sync
    /// (nothing changes). Credentials: STRATA_AIRBYTE_CLIENT_ID/SECRET, the airbyte-auth-secrets
    /// Secret in Airbyte's namespace, or asked.
    Airbyte {
        /// The connection's name (e.g. "Stripe → ClickHouse"; `->` works for `→`) or id.
        connection: Option<String>,
        #[command(flatten)]
        run: RunFlags,
    },
}

/// How every trigger is confirmed and followed.
#[derive(Args, Debug)]
struct RunFlags {
    /// Follow the run to its end (dbt: its log, then dbt's result; Airflow: its tasks'
    /// states, then the log of each failed task; Airbyte: the job's status, then what it
    /// synced).
    #[arg(long)]
    wait: bool,
    /// Do not ask for confirmation (not enough on a production context: see --confirm).
    #[arg(long, short = 'y')]
    yes: bool,
    /// The target's name again (the CronJob, the DAG id, the connection), which a production context asks
    /// for instead of a question.
    #[arg(long, value_name = "NAME")]
    confirm: Option<String>,
}

#[cfg(feature = "sim")]
#[derive(Subcommand, Debug)]
enum SimCommand {
    /// Serve the simulator until interrupted. Prints the API's URL on the first line and the
    /// control URL on the second.
    ///
    /// The control URL is a separate listener for benchmark scripts and tests, up even while
    /// the API is down:
    ///   POST /strata-sim/outage?seconds=N  the API goes down (port closed, every open watch
    ///                                      and log stream dropped) and comes back on the same
    ///                                      port N seconds later, with the same objects and
    ///                                      resourceVersions (202; 409 if already down)
    ///   POST /strata-sim/suspend, POST /strata-sim/resume   the same, by hand
    ///   GET  /strata-sim/status            {"up": true|false, "api": URL}
    ///   GET  /strata-sim/requests[?since=SEQ]  the request log: counters per verb and
    ///                                      resource, the newest requests (also on the API port)
    ///   POST /strata-sim/faults/logs?after_lines=K[&count=N][&pod=NS/NAME][&mode=abrupt|clean]
    ///                                      the next N (default 1) follow streams of pod logs
    ///                                      (of that pod, or any) end after K lines: the
    ///                                      connection drops (abrupt, default) or the response
    ///                                      ends (clean); GET lists armed cuts, DELETE disarms
    /// e.g. curl -X POST "$(sed -n 2p sim.out)/strata-sim/outage?seconds=15"
    ///
    /// A pod whose annotation sim.strata.dev/script holds `log-rate=N` writes N log lines a
    /// second (benchmarks of log viewers).
    #[command(verbatim_doc_comment)]
    Serve {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Address of the control listener (outages, request log).
        #[arg(long, default_value = "127.0.0.1:0")]
        control_addr: SocketAddr,
        #[arg(long, value_enum, default_value = "demo")]
        scenario: ScenarioName,
        /// Extra pods for size benchmarks.
        #[arg(long, default_value_t = 0)]
        pods: usize,
        /// Write a kubeconfig (context `strata-sim`) pointing at the simulator.
        #[arg(long)]
        write_kubeconfig: Option<PathBuf>,
        /// Do not start the scenario's runs (a cluster that only changes when told to). The
        /// demo's history of finished runs is there either way.
        #[arg(long)]
        no_runs: bool,
        /// Bench pod changes per second, spread evenly (readiness flips, restarts, brief
        /// CrashLoopBackOff), each a MODIFIED event for watchers. Needs --pods.
        #[arg(long, default_value_t = 0, value_name = "N")]
        churn: u32,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(cli)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The message says what failed and what to do; a backtrace (RUST_BACKTRACE is
            // often set on developer machines) would bury it.
            eprintln!("strata: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The keymap, theme and settings for the cockpit: embedded defaults, then the user's files, then
/// `--keymap`/`--theme`. `config` chooses and reads the files; `app::keymap` and `ui::theme`
/// parse them. They meet here, above all three, so that `config` depends on neither.
fn appearance(conn: &ConnectionArgs) -> Appearance {
    let mut warnings = Vec::new();
    let paths = config::discover_paths(&mut warnings);
    let (keymap, keymap_warnings) =
        app::keymap::load_keymap(paths.as_ref(), conn.keymap.as_deref());
    let (theme, theme_warnings) = ui::theme::load_theme(
        paths.as_ref(),
        conn.theme.as_deref(),
        &TermEnv::from_process(),
    );
    warnings.extend(keymap_warnings);
    warnings.extend(theme_warnings);
    let settings = config::load_settings(paths.as_ref(), &mut warnings);
    Appearance {
        keymap,
        theme,
        settings,
        spool_dir: paths.as_ref().map(config::ConfigPaths::log_spool_dir),
        audit_log: paths.as_ref().map(config::ConfigPaths::audit_log),
        warnings,
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let launch = LaunchOptions {
        kubeconfig: cli.conn.kubeconfig.clone(),
        context: cli.conn.context.clone(),
        namespace: cli.conn.namespace.clone(),
        all_namespaces: cli.conn.all_namespaces,
        demo_config: None,
        readonly: cli.conn.readonly,
        chart_dirs: Vec::new(),
    };
    match cli.command.unwrap_or(Command::Tui) {
        Command::Status {
            output,
            fail_on,
            rules,
        } => {
            let options = strata::status::StatusOptions {
                target: connect_target(&cli.conn),
                scope: scope_of(&cli.conn),
                output,
                fail_on,
                rules,
            };
            std::process::exit(strata::status::main(options).await);
        }
        Command::Incident { output, since } => {
            let options = strata::commands::incident::IncidentOptions {
                target: connect_target(&cli.conn),
                scope: scope_of(&cli.conn),
                output,
                since,
            };
            std::process::exit(strata::commands::incident::main(options).await);
        }
        Command::Security { output, fail_on } => {
            let options = strata::commands::security::SecurityOptions {
                target: connect_target(&cli.conn),
                scope: scope_of(&cli.conn),
                output,
                fail_on,
            };
            std::process::exit(strata::commands::security::main(options).await);
        }
        Command::Bundle {
            output,
            since,
            max_mib,
            tail,
        } => {
            let options = strata::commands::bundle::BundleCommand {
                target: connect_target(&cli.conn),
                scope: scope_of(&cli.conn),
                output,
                since,
                max_mib,
                tail,
            };
            std::process::exit(strata::commands::bundle::main(options).await);
        }
        Command::Runs {
            output,
            tool,
            state,
            since,
        } => {
            let options = strata::commands::runs::RunsOptions {
                target: connect_target(&cli.conn),
                scope: scope_of(&cli.conn),
                output,
                tool,
                state,
                since,
            };
            std::process::exit(strata::commands::runs::main(options).await);
        }
        Command::Logs {
            target,
            follow,
            since,
            tail,
            container,
            previous,
        } => {
            let options = strata::commands::logs::LogsOptions {
                target: connect_target(&cli.conn),
                namespace: cli.conn.namespace.clone(),
                what: target,
                follow,
                since,
                tail,
                container,
                previous,
            };
            std::process::exit(strata::commands::logs::main(options).await);
        }
        Command::Trigger {
            what:
                TriggerCommand::Dbt {
                    cronjob,
                    command,
                    run,
                },
        } => {
            let options = strata::commands::trigger::TriggerDbtOptions {
                common: trigger_common(&cli.conn, run),
                cronjob,
                command,
            };
            std::process::exit(strata::commands::trigger::dbt_main(options).await);
        }
        Command::Trigger {
            what:
                TriggerCommand::Airflow {
                    dag_id,
                    conf,
                    note,
                    release,
                    run,
                },
        } => {
            let options = strata::commands::trigger_airflow::TriggerAirflowOptions {
                common: trigger_common(&cli.conn, run),
                release,
                dag_id,
                conf,
                note,
            };
            std::process::exit(strata::commands::trigger_airflow::main(options).await);
        }
        Command::Trigger {
            what: TriggerCommand::Airbyte { connection, run },
        } => {
            let options = strata::commands::trigger_airbyte::TriggerAirbyteOptions {
                common: trigger_common(&cli.conn, run),
                connection,
            };
            std::process::exit(strata::commands::trigger_airbyte::main(options).await);
        }
        Command::Rollback {
            release,
            to,
            dry_run,
            helm,
            yes,
            confirm,
        } => {
            let run = RunFlags {
                wait: true,
                yes,
                confirm,
            };
            let options = strata::commands::rollback::RollbackOptions {
                common: trigger_common(&cli.conn, run),
                release,
                to,
                dry_run,
                helm,
            };
            std::process::exit(strata::commands::rollback::main(options).await);
        }
        Command::Upgrade {
            release,
            chart,
            version,
            values,
            set,
            reuse_values,
            reset_then_reuse_values,
            reset_values,
            plan,
            helm,
            yes,
            confirm,
        } => {
            use strata::helm::upgrade::ValuesBase;
            let base = match (reuse_values, reset_then_reuse_values, reset_values) {
                (true, _, _) => ValuesBase::Reuse,
                (_, true, _) => ValuesBase::ResetThenReuse,
                (_, _, true) => ValuesBase::Reset,
                _ => ValuesBase::Helm,
            };
            let run = RunFlags {
                wait: true,
                yes,
                confirm,
            };
            let options = strata::commands::upgrade::UpgradeOptions {
                common: trigger_common(&cli.conn, run),
                release,
                target: strata::helm::UpgradeTarget {
                    chart,
                    version,
                    base,
                    values,
                    set,
                },
                plan,
                helm,
            };
            std::process::exit(strata::commands::upgrade::main(options).await);
        }
        Command::Tui => app::run(launch, appearance(&cli.conn)).await?,
        #[cfg(feature = "sim")]
        Command::Demo { pods } => {
            let sim = sim::start(SimConfig {
                options: ScenarioOptions { extra_pods: pods },
                ..SimConfig::default()
            })
            .await?;
            let appearance = appearance(&cli.conn);
            // The demo's next charts, for the upgrade wizard: in Strata's state folder (written
            // again each time), else the temporary folder.
            let charts = appearance
                .audit_log
                .as_deref()
                .and_then(std::path::Path::parent)
                .map_or_else(std::env::temp_dir, std::path::Path::to_path_buf)
                .join("demo-charts");
            let chart_dirs = vec![sim::scenario::write_next_charts(&charts)?];
            let launch = LaunchOptions {
                demo_config: Some(sim.kubeconfig_yaml()),
                context: Some("strata-sim".into()),
                chart_dirs,
                ..launch
            };
            app::run(launch, appearance).await?;
        }
        #[cfg(feature = "sim")]
        Command::Sim {
            command:
                SimCommand::Serve {
                    addr,
                    control_addr,
                    scenario,
                    pods,
                    write_kubeconfig,
                    no_runs,
                    churn,
                },
        } => {
            let sim = sim::start(SimConfig {
                addr,
                scenario,
                options: ScenarioOptions { extra_pods: pods },
                runs: !no_runs,
                churn,
            })
            .await?;
            println!("{}", sim.url());
            // The kubeconfig exists before line 2, so a script that waits for two lines can
            // use both.
            if let Some(path) = &write_kubeconfig {
                sim.write_kubeconfig(path)?;
            }
            let control = sim.serve_control(control_addr).await?;
            println!("http://{control}");
            if let Some(path) = write_kubeconfig {
                println!(
                    "kubeconfig written to {} (context strata-sim)",
                    path.display()
                );
            }
            tokio::signal::ctrl_c()
                .await
                .context("cannot wait for Ctrl-C")?;
            sim.stop();
        }
    }
    Ok(())
}

/// The settings a headless command that changes something needs (warnings said on stderr)
/// and where its audit log is.
fn headless_settings() -> (config::Settings, Option<std::path::PathBuf>) {
    let mut warnings = Vec::new();
    let paths = config::discover_paths(&mut warnings);
    let settings = config::load_settings(paths.as_ref(), &mut warnings);
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    (settings, paths.as_ref().map(config::ConfigPaths::audit_log))
}

/// What a trigger command needs besides its target: the connection, the guard's settings
/// (the config's contexts and the audit log), and how to confirm and follow.
fn trigger_common(
    conn: &ConnectionArgs,
    run: RunFlags,
) -> strata::commands::trigger::TriggerCommon {
    let (settings, audit_log) = headless_settings();
    strata::commands::trigger::TriggerCommon {
        target: connect_target(conn),
        namespace: conn.namespace.clone(),
        wait: run.wait,
        yes: run.yes,
        confirm: run.confirm,
        policies: strata::guard::Policies::new(&settings, conn.readonly),
        audit_log,
    }
}

/// Where the headless commands connect (the kubeconfig flags).
fn connect_target(conn: &ConnectionArgs) -> strata::cluster::ConnectTarget {
    strata::cluster::ConnectTarget {
        source: match conn.kubeconfig.clone() {
            Some(path) => strata::cluster::KubeconfigSource::File(path),
            None => strata::cluster::KubeconfigSource::Default,
        },
        context: conn.context.clone(),
    }
}

/// `-n NS` for one namespace, else all (and `-A` always all).
fn scope_of(conn: &ConnectionArgs) -> strata::cluster::NamespaceScope {
    match conn.namespace.clone() {
        Some(ns) if !conn.all_namespaces => strata::cluster::NamespaceScope::Only(ns),
        _ => strata::cluster::NamespaceScope::All,
    }
}
