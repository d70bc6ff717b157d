//! Airbyte 1.x/2.x: the replication pod (`orchestrator` platform log lines, `source` and
//! `destination` Airbyte protocol messages), check/discover/spec pods, and the platform
//! services (server, worker, workload-launcher, workload-api-server, cron, bootloader, webapp).

use chrono::{DateTime, TimeDelta, Utc};

use super::generic::clf_access;
use super::{Ctx, End, Plan, Rng, jobj, jstr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Orchestrator,
    Source,
    Destination,
    Init,
    /// The connector of a check/discover/spec pod.
    ConnectorJob,
    Sidecar,
    Server,
    Worker,
    Launcher,
    WorkloadApi,
    Cron,
    Bootloader,
    Webapp,
    ConnectorBuilder,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    if ctx.label("airbyte") == Some("job-pod") {
        return Some(match ctx.container {
            "orchestrator" => Role::Orchestrator,
            "source" => Role::Source,
            "destination" => Role::Destination,
            "connector-sidecar" => Role::Sidecar,
            "init" => Role::Init,
            _ if ctx.init => Role::Init,
            _ => Role::ConnectorJob,
        });
    }
    let repo = ctx.image_repo();
    let name = ctx.label("app.kubernetes.io/name").unwrap_or("");
    let component = repo
        .strip_prefix("airbyte/")
        .unwrap_or(if ctx.label("airbyte").is_some() {
            name
        } else {
            ""
        });
    let role = match component {
        "server" => Role::Server,
        "worker" => Role::Worker,
        "workload-launcher" => Role::Launcher,
        "workload-api-server" => Role::WorkloadApi,
        "cron" => Role::Cron,
        "bootloader" | "airbyte-bootloader" => Role::Bootloader,
        "webapp" => Role::Webapp,
        "connector-builder-server" => Role::ConnectorBuilder,
        "container-orchestrator" => Role::Orchestrator,
        "workload-init-container" => Role::Init,
        "connector-sidecar" => Role::Sidecar,
        c if c.starts_with("source-") => Role::Source,
        c if c.starts_with("destination-") => Role::Destination,
        _ => return None,
    };
    Some(role)
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::Orchestrator => orchestrator(ctx),
        Role::Source => source(ctx),
        Role::Destination => destination(ctx),
        Role::Init => init(ctx),
        Role::ConnectorJob => connector_job(ctx),
        Role::Sidecar => sidecar(ctx),
        Role::Server => server(ctx),
        Role::Worker => worker(ctx),
        Role::Launcher => launcher(ctx),
        Role::WorkloadApi => workload_api(ctx),
        Role::Cron => cron(ctx),
        Role::Bootloader => bootloader(ctx),
        Role::Webapp => webapp(ctx),
        Role::ConnectorBuilder => connector_builder(ctx),
    }
}

/// The platform's console layout (`AirbytePlatformLogbackMessageLayout`):
/// `2026-11-26 12:00:01,123 [thread]\t<coloured LEVEL>\ti.a.Class(method):42 - message`.
fn pl(at: DateTime<Utc>, thread: &str, level: &str, class: &str, msg: &str) -> String {
    let colour = match level {
        "ERROR" => "1;31",
        "WARN" => "31",
        "INFO" => "34",
        _ => "39",
    };
    format!(
        "{},{:03} [{thread}]\t\x1b[{colour}m{level}\x1b[0;39m\t{} - {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis(),
        short_class(class)
    )
}

/// `io.airbyte.workers.Foo(run):42` → `i.a.w.Foo(run):42`, as log4j's `%C{1.}`.
fn short_class(class: &str) -> String {
    let (path, rest) = match class.find('(') {
        Some(i) => (&class[..i], &class[i..]),
        None => (class, ""),
    };
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, pkgs)) = parts.split_last() else {
        return class.to_string();
    };
    let mut out: String = pkgs
        .iter()
        .filter_map(|p| p.chars().next())
        .flat_map(|c| [c, '.'])
        .collect();
    out.push_str(last);
    out.push_str(rest);
    out
}

/// The job of a replication pod: ids from labels, else from the pod name
/// (`replication-job-<job>-attempt-<n>`).
struct Job {
    job: String,
    attempt: String,
    connection: String,
    source_image: String,
    dest_image: String,
}

fn job(ctx: &Ctx<'_>) -> Job {
    let mut rng = ctx.pod_rng("airbyte-job");
    let from_name = |marker: &str| {
        ctx.name
            .split(marker)
            .nth(1)
            .and_then(|r| r.split('-').next())
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty())
            .map(str::to_string)
    };
    let job = ctx
        .label("job_id")
        .map(str::to_string)
        .or_else(|| from_name("job-"))
        .unwrap_or_else(|| rng.range(100, 9999).to_string());
    let attempt = ctx
        .label("attempt_id")
        .map(str::to_string)
        .or_else(|| from_name("attempt-"))
        .unwrap_or_else(|| "0".to_string());
    let connection = ctx
        .label("connection_id")
        .map(str::to_string)
        .unwrap_or_else(|| rng.uuid());
    let image_of = |name: &str, label: &str, fallback: &str| {
        let spec = ctx.pod["spec"]["containers"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"].as_str() == Some(name)))
            .and_then(|c| c["image"].as_str())
            .map(str::to_string);
        spec.or_else(|| {
            let n = ctx.label(&format!("{label}_image_name"))?;
            let v = ctx
                .label(&format!("{label}_image_version"))
                .unwrap_or("latest");
            Some(format!("{n}:{v}"))
        })
        .unwrap_or_else(|| fallback.to_string())
    };
    Job {
        job,
        attempt,
        connection,
        source_image: image_of("source", "source", "airbyte/source-postgres:3.6.28"),
        dest_image: image_of(
            "destination",
            "destination",
            "airbyte/destination-snowflake:3.15.2",
        ),
    }
}

/// The streams a source connector reads, by connector.
fn streams(source_image: &str) -> &'static [&'static str] {
    let repo = super::image_repo(source_image);
    if repo.contains("stripe") {
        &["charges", "customers", "invoices", "subscriptions"]
    } else if repo.contains("github") {
        &["commits", "issues", "pull_requests", "reviews"]
    } else if repo.contains("hubspot") {
        &["contacts", "companies", "deals"]
    } else if repo.contains("faker") {
        &["users", "products", "purchases"]
    } else {
        &["orders", "customers", "order_items", "payments"]
    }
}

fn connector_name(image: &str) -> String {
    let repo = super::image_repo(image);
    let bare = repo.rsplit('/').next().unwrap_or(&repo);
    // source-postgres → SourcePostgres, as the CDK names the class.
    bare.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn emitted(at: DateTime<Utc>) -> String {
    format!("{}.0", at.timestamp_millis())
}

/// Airbyte protocol messages (compact JSON, as the Python CDK writes them with orjson).
fn log_msg(level: &str, msg: &str) -> String {
    jobj(&[
        ("type", jstr("LOG")),
        (
            "log",
            jobj(&[("level", jstr(level)), ("message", jstr(msg))]),
        ),
    ])
}

fn stream_status(at: DateTime<Utc>, stream: &str, status: &str) -> String {
    jobj(&[
        ("type", jstr("TRACE")),
        (
            "trace",
            jobj(&[
                ("type", jstr("STREAM_STATUS")),
                ("emitted_at", emitted(at)),
                (
                    "stream_status",
                    jobj(&[
                        (
                            "stream_descriptor",
                            jobj(&[("name", jstr(stream)), ("namespace", jstr("public"))]),
                        ),
                        ("status", jstr(status)),
                    ]),
                ),
            ]),
        ),
    ])
}

fn state_msg(at: DateTime<Utc>, stream: &str, count: u64, stats_key: &str) -> String {
    jobj(&[
        ("type", jstr("STATE")),
        (
            "state",
            jobj(&[
                ("type", jstr("STREAM")),
                (
                    "stream",
                    jobj(&[
                        (
                            "stream_descriptor",
                            jobj(&[("name", jstr(stream)), ("namespace", jstr("public"))]),
                        ),
                        (
                            "stream_state",
                            jobj(&[(
                                "updated_at",
                                jstr(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
                            )]),
                        ),
                    ]),
                ),
                (stats_key, jobj(&[("recordCount", format!("{count}.0"))])),
            ]),
        ),
    ])
}

fn error_trace(
    at: DateTime<Utc>,
    message: &str,
    internal: &str,
    stack: &str,
    failure_type: &str,
) -> String {
    jobj(&[
        ("type", jstr("TRACE")),
        (
            "trace",
            jobj(&[
                ("type", jstr("ERROR")),
                ("emitted_at", emitted(at)),
                (
                    "error",
                    jobj(&[
                        ("message", jstr(message)),
                        ("internal_message", jstr(internal)),
                        ("stack_trace", jstr(stack)),
                        ("failure_type", jstr(failure_type)),
                    ]),
                ),
            ]),
        ),
    ])
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GB", bytes >> 30)
    } else if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else {
        format!("{} KB", (bytes >> 10).max(1))
    }
}

/// Records read by slot `k` of the sync: rises steadily with some noise.
fn records_at(k: u64, r: u64) -> u64 {
    (k + 1) * 5_000 + r % 1_000
}

/// Which connector a failed sync failed in: the pod script's `fail-in=destination` says the
/// destination, anything else the source. Every container of the pod reads the same answer,
/// so the orchestrator's summary names the connector whose log shows the error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Source,
    Destination,
}

fn failure_origin(ctx: &Ctx<'_>) -> Origin {
    match ctx.fail_in.as_deref() {
        Some("destination") => Origin::Destination,
        _ => Origin::Source,
    }
}

/// A destination's error for a bad password: (message for people, internal message), worded
/// as each warehouse's driver reports it.
fn destination_auth_error(dest_image: &str) -> (&'static str, &'static str) {
    let repo = super::image_repo(dest_image);
    if repo.contains("clickhouse") {
        (
            "Could not connect with provided configuration. Error: Code: 516. DB::Exception: airbyte: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)",
            "com.clickhouse.client.api.ServerException: Code: 516. DB::Exception: airbyte: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)",
        )
    } else if repo.contains("postgres") {
        (
            "Could not connect with provided configuration. Error: FATAL: password authentication failed for user \"airbyte\"",
            "org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"airbyte\"",
        )
    } else {
        (
            "Could not connect with provided configuration. Error: Incorrect username or password was specified.",
            "net.snowflake.client.jdbc.SnowflakeSQLException: Incorrect username or password was specified.",
        )
    }
}

const ORCH: &str = "io.airbyte.container.orchestrator.worker.ReplicationWorker";
const HELPER: &str = "io.airbyte.container.orchestrator.worker.ReplicationWorkerHelper";

fn orchestrator(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("orchestrator");
    let j = job(ctx);
    let pod = ctx.name.to_string();
    let startup = rng.range(6_000, 11_000);
    p.step(0, |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.context.env.DefaultEnvironment(<init>):168",
            "Established active environments: [k8s, control-plane]",
        )
    });
    p.step(startup, move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.runtime.Micronaut(start):101",
            &format!("Startup completed in {startup}ms. Server Running: http://{pod}:9000"),
        )
    });
    let si = j.source_image.clone();
    p.step(rng.range(200, 900), move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.container.orchestrator.worker.ReplicationJobOrchestrator(run):97",
            &format!("Setting up source with image {si}."),
        )
    });
    let di = j.dest_image.clone();
    p.step(2, move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.container.orchestrator.worker.ReplicationJobOrchestrator(run):102",
            &format!("Setting up destination with image {di}."),
        )
    });
    p.step(3, |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.container.orchestrator.worker.ReplicationJobOrchestrator(run):110",
            "Setting up replication worker...",
        )
    });
    let conn = j.connection.clone();
    p.step(5, move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.container.orchestrator.worker.state.StateEnricher(start):52",
            &format!("starting state flush thread for connectionId {conn}"),
        )
    });
    p.step(2, |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.container.orchestrator.worker.ReplicationJobOrchestrator(run):121",
            "Running replication worker...",
        )
    });
    let (jid, att) = (j.job.clone(), j.attempt.clone());
    p.step(1, move |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            &format!("{ORCH}(run):140"),
            &format!("start sync worker. job id: {jid} attempt id: {att}"),
        )
    });
    p.step(1, |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            &format!("{ORCH}(run):141"),
            "",
        )
    });
    p.step(1, |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            &format!("{ORCH}(run):142"),
            "----- START REPLICATION -----",
        )
    });
    p.step(1, |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            &format!("{ORCH}(run):143"),
            "",
        )
    });
    p.step(rng.range(5, 30), |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            &format!("{HELPER}(startDestination):231"),
            "Running destination...",
        )
    });
    p.step(rng.range(100, 600), |at| pl(at, "pool-3-thread-1", "INFO", &format!("{HELPER}(startSource):248"), "Starting source heartbeat check. Will check threshold of 10800 seconds, every 1 minutes."));
    p.step(2, |at| {
        pl(
            at,
            "pool-3-thread-1",
            "INFO",
            "io.airbyte.container.orchestrator.worker.WorkloadHeartbeatSender(sendHeartbeat):58",
            "Starting workload heartbeat (interval=10s; timeout=600s)",
        )
    });
    p.step(rng.range(1000, 3000), |at| {
        pl(
            at,
            "pool-3-thread-2",
            "INFO",
            "io.airbyte.container.orchestrator.worker.io.AirbyteMessageBufferedWriter(<init>):51",
            "Reading messages from protocol version 0.2.0",
        )
    });

    let period = rng.range(8_000, 20_000);
    p.beat(period, |k, r, at| {
        let n = records_at(k, r);
        pl(
            at,
            "pool-3-thread-3",
            "INFO",
            &format!("{HELPER}(processMessageFromSource):412"),
            &format!("Records read: {n} ({})", size(n * 420)),
        )
    });
    p.body_len(120_000);

    let span = ctx.span_ms().unwrap_or(0);
    let total = records_at((span / period.max(1)).max(0) as u64, rng.next());
    let bytes = total * 420;
    let ends_ok = !ctx.end.failed();
    match ctx.end {
        End::Open => {}
        End::Exit(code) if code == 137 || code == 143 => {
            p.tail_step(0, |at| {
                pl(
                    at,
                    "SIGTERM handler",
                    "WARN",
                    "io.airbyte.container.orchestrator.ReplicationOrchestrator(onShutdown):88",
                    "Received SIGTERM, cancelling replication...",
                )
            });
        }
        End::Exit(_) => {
            let origin = failure_origin(ctx);
            if !ends_ok {
                let (side, method, line, exception) = match origin {
                    Origin::Source => ("Source", "readFromSource", 302, "SourceException"),
                    Origin::Destination => (
                        "Destination",
                        "writeToDestination",
                        371,
                        "DestinationException",
                    ),
                };
                p.tail_step(0, move |at| {
                    format!(
                        "{}\nio.airbyte.workers.internal.exception.{exception}: {side} process exited with non-zero exit code 1\n\tat io.airbyte.container.orchestrator.worker.ReplicationWorkerHelper.getReplicationOutput(ReplicationWorkerHelper.kt:498)\n\tat io.airbyte.container.orchestrator.worker.ReplicationWorker.runReplicationBlocking(ReplicationWorker.kt:211)\n\tat java.base/java.util.concurrent.CompletableFuture$AsyncSupply.run(CompletableFuture.java:1768)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)",
                        pl(at, "pool-3-thread-1", "ERROR", &format!("{HELPER}({method}):{line}"), &format!("{method}: exception caught"))
                    )
                });
            }
            p.tail_step(rng.range(20, 200), move |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{HELPER}(getReplicationOutput):472"),
                    &format!("Total records read: {total} ({})", size(bytes)),
                )
            });
            p.tail_step(1, |at| pl(at, "pool-3-thread-1", "INFO", &format!("{HELPER}(getReplicationOutput):475"), "Schema validation was performed to a max of 10 records with errors per stream."));
            p.tail_step(3, move |at| pl(at, "pool-3-thread-1", "INFO", &format!("{HELPER}(readFromSource):327"), &format!("readFromSource: done. (source.isFinished:{ends_ok}, fromSource.isClosed:false)")));
            p.tail_step(2, |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{HELPER}(processMessage):353"),
                    "processMessage: done. (fromSource.isDone:true, forDest.isClosed:false)",
                )
            });
            p.tail_step(rng.range(100, 900), move |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{HELPER}(writeToDestination):389"),
                    &format!(
                        "writeToDestination: done. (forDest.isDone:true, isDestRunning:{ends_ok})"
                    ),
                )
            });
            let status = if ends_ok { "completed" } else { "failed" };
            p.tail_step(5, move |at| {
                let start = at - TimeDelta::milliseconds(span.max(1000));
                format!(
                    "{}\n  \"status\" : \"{status}\",\n  \"recordsSynced\" : {total},\n  \"bytesSynced\" : {bytes},\n  \"startTime\" : {},\n  \"endTime\" : {},\n  \"totalStats\" : {{\n    \"bytesEmitted\" : {bytes},\n    \"destinationStateMessagesEmitted\" : {},\n    \"recordsEmitted\" : {total},\n    \"recordsCommitted\" : {}\n  }}\n}}",
                    pl(at, "pool-3-thread-1", "INFO", &format!("{ORCH}(run):188"), "sync summary: {"),
                    start.timestamp_millis(),
                    at.timestamp_millis(),
                    total / 5000 + 1,
                    if ends_ok { total } else { total / 2 }
                )
            });
            if ends_ok {
                p.tail_step(1, |at| {
                    pl(
                        at,
                        "pool-3-thread-1",
                        "INFO",
                        &format!("{ORCH}(run):189"),
                        "failures: [ ]",
                    )
                });
            } else if origin == Origin::Destination {
                // The destination's trace message becomes the attempt's failure reason.
                let (message, internal) = destination_auth_error(&j.dest_image);
                let (jid, att) = (j.job.clone(), j.attempt.clone());
                p.tail_step(1, move |at| {
                    format!(
                        "{}\n  \"failureOrigin\" : \"destination\",\n  \"failureType\" : \"config_error\",\n  \"internalMessage\" : {},\n  \"externalMessage\" : {},\n  \"metadata\" : {{\n    \"attemptNumber\" : {att},\n    \"jobId\" : {jid},\n    \"from_trace_message\" : true,\n    \"connector_command\" : \"write\"\n  }},\n  \"retryable\" : false,\n  \"timestamp\" : {}\n}} ]",
                        pl(at, "pool-3-thread-1", "INFO", &format!("{ORCH}(run):189"), "failures: [ {"),
                        jstr(internal),
                        jstr(message),
                        at.timestamp_millis()
                    )
                });
            } else {
                p.tail_step(1, |at| {
                    format!(
                        "{}\n  \"failureOrigin\" : \"source\",\n  \"failureType\" : \"system_error\",\n  \"internalMessage\" : \"Source process exited with non-zero exit code 1\",\n  \"externalMessage\" : \"Something went wrong within the source connector\",\n  \"retryable\" : true,\n  \"timestamp\" : {}\n}} ]",
                        pl(at, "pool-3-thread-1", "INFO", &format!("{ORCH}(run):189"), "failures: [ {"),
                        at.timestamp_millis()
                    )
                });
            }
            p.tail_step(1, |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{ORCH}(run):190"),
                    "",
                )
            });
            p.tail_step(1, |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{ORCH}(run):191"),
                    "----- END REPLICATION -----",
                )
            });
            p.tail_step(1, |at| {
                pl(
                    at,
                    "pool-3-thread-1",
                    "INFO",
                    &format!("{ORCH}(run):192"),
                    "",
                )
            });
            p.tail_step(rng.range(50, 400), |at| {
                pl(
                    at,
                    "main",
                    "INFO",
                    "io.airbyte.container.orchestrator.worker.ReplicationJobOrchestrator(run):140",
                    "Returning output...",
                )
            });
        }
    }
    p
}

fn source(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("source");
    let j = job(ctx);
    let name = connector_name(&j.source_image);
    let streams = streams(&j.source_image);
    let n = name.clone();
    p.step(rng.range(500, 2000), move |_| {
        log_msg("INFO", &format!("Starting syncing {n}"))
    });
    for s in streams {
        p.step(rng.range(5, 40), move |_| {
            log_msg("INFO", &format!("Marking stream {s} as STARTED"))
        });
        p.step(1, move |at| stream_status(at, s, "STARTED"));
    }
    let first = streams[0];
    p.step(rng.range(100, 600), move |_| {
        log_msg("INFO", &format!("Syncing stream: {first} "))
    });
    p.step(rng.range(100, 900), move |at| {
        stream_status(at, first, "RUNNING")
    });
    // One state message per 5000 records read; records themselves go to the orchestrator
    // through the pipe, only a sample reaches the container log.
    p.beat(rng.range(8_000, 20_000), move |k, r, at| {
        let s = streams[(k as usize / 6) % streams.len()];
        let n = records_at(k, r);
        match r % 5 {
            0 => log_msg("INFO", &format!("Read {n} records from {s} stream")),
            1 => jobj(&[
                ("type", jstr("RECORD")),
                (
                    "record",
                    jobj(&[
                        ("namespace", jstr("public")),
                        ("stream", jstr(s)),
                        (
                            "data",
                            jobj(&[
                                ("id", (n + r % 97).to_string()),
                                ("status", jstr("paid")),
                                ("amount", format!("{}.{:02}", r % 900, r % 100)),
                                (
                                    "updated_at",
                                    jstr(&at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                                ),
                            ]),
                        ),
                        ("emitted_at", at.timestamp_millis().to_string()),
                    ]),
                ),
            ]),
            _ => state_msg(at, s, 5000, "sourceStats"),
        }
    });
    match ctx.end {
        End::Exit(0) => {
            for s in streams {
                p.tail_step(2, move |at| stream_status(at, s, "COMPLETE"));
                p.tail_step(1, move |_| {
                    log_msg("INFO", &format!("Marking stream {s} as STOPPED"))
                });
            }
            let n = name.clone();
            p.tail_step(3, move |_| {
                log_msg("INFO", &format!("Finished syncing {n}"))
            });
        }
        // A destination failure stops the sync; the source is cut off without an error.
        End::Exit(c) if c != 137 && c != 143 && failure_origin(ctx) == Origin::Source => {
            let s = streams[0];
            // Database sources fail on the JDBC connection, API sources on an HTTP error.
            let db_source = super::image_repo(&j.source_image).contains("postgres")
                || super::image_repo(&j.source_image).contains("mysql");
            p.tail_step(0, move |_| {
                log_msg(
                    "ERROR",
                    &format!("Encountered an exception while reading stream {s}"),
                )
            });
            p.tail_step(1, move |at| {
                if db_source {
                    let internal = "State code: 08001; Message: Connection to orders-db.ingestion:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.";
                    let stack = format!("io.airbyte.commons.exceptions.ConnectionErrorException: {internal}\n\tat io.airbyte.cdk.integrations.source.jdbc.AbstractJdbcSource.read(AbstractJdbcSource.kt:205)\n\tat io.airbyte.cdk.integrations.base.IntegrationRunner.runInternal(IntegrationRunner.kt:187)\n");
                    error_trace(at, "Could not connect with provided configuration. Connection refused", internal, &stack, "config_error")
                } else {
                    let url = format!("https://api.example.com/v1/{s}?limit=100");
                    let stack = format!("Traceback (most recent call last):\n  File \"/airbyte/integration_code/.venv/lib/python3.11/site-packages/airbyte_cdk/sources/abstract_source.py\", line 133, in read\n    yield from self._read_stream(\n  File \"/airbyte/integration_code/.venv/lib/python3.11/site-packages/airbyte_cdk/sources/streams/http/http_client.py\", line 389, in _send\n    raise MessageRepresentationAirbyteTracedErrors(\nrequests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: {url}\n");
                    error_trace(at, "Something went wrong in the connector. See the logs for more details.", &format!("401 Client Error: Unauthorized for url: {url}"), &stack, "system_error")
                }
            });
            p.tail_step(1, move |at| stream_status(at, s, "INCOMPLETE"));
        }
        _ => {}
    }
    p
}

fn destination(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("destination");
    let j = job(ctx);
    let streams = streams(&j.source_image);
    let name = connector_name(&j.dest_image);
    let n = name.clone();
    p.step(rng.range(500, 2500), move |_| {
        log_msg("INFO", &format!("Running {n} in write mode"))
    });
    p.step(rng.range(300, 1500), |_| {
        log_msg(
            "INFO",
            "Checking if destination tables exist and creating raw tables",
        )
    });
    for s in streams {
        p.step(rng.range(50, 300), move |_| {
            log_msg(
                "INFO",
                &format!("Preparing raw table airbyte_internal.public_raw__stream_{s}"),
            )
        });
    }
    p.beat(rng.range(9_000, 22_000), move |k, r, at| {
        let s = streams[(k as usize / 6) % streams.len()];
        if r % 3 == 0 {
            log_msg(
                "INFO",
                &format!(
                    "Flushing {} records ({}) to stream public.{s}",
                    5000,
                    size(5000 * 420 + r % 100_000)
                ),
            )
        } else {
            state_msg(at, s, 5000, "destinationStats")
        }
    });
    match ctx.end {
        End::Exit(0) => {
            for s in streams {
                p.tail_step(5, move |_| {
                    log_msg(
                        "INFO",
                        &format!("Finalizing table public.{s}: typing and deduping"),
                    )
                });
            }
            p.tail_step(10, move |_| {
                log_msg("INFO", &format!("{name} completed successfully"))
            });
        }
        End::Exit(c) if c != 137 && c != 143 && failure_origin(ctx) == Origin::Destination => {
            let (message, internal) = destination_auth_error(&j.dest_image);
            p.tail_step(0, move |_| {
                log_msg(
                    "ERROR",
                    &format!("Failed to open a connection to the destination: {internal}"),
                )
            });
            p.tail_step(2, move |at| {
                let stack = format!("{internal}\n\tat io.airbyte.cdk.load.check.CheckOperation.execute(CheckOperation.kt:48)\n\tat io.airbyte.cdk.load.write.WriteOperation.execute(WriteOperation.kt:41)\n");
                error_trace(at, message, internal, &stack, "config_error")
            });
        }
        _ => {}
    }
    p
}

fn init(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("init");
    const INIT: &str = "io.airbyte.initContainer.InputFetcher";
    p.step(0, |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.runtime.Micronaut(start):101",
            "Startup completed in 2143ms.",
        )
    });
    p.step(rng.range(50, 300), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{INIT}(fetch):44"),
            "Hydrating inputs...",
        )
    });
    p.step(rng.range(300, 1500), |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.initContainer.system.FileClient(writeInputFile):31",
            "Writing input files to /config",
        )
    });
    p.step(rng.range(10, 60), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{INIT}(fetch):71"),
            "Init container ready",
        )
    });
    p
}

fn connector_job(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("connector-job");
    let job_type = ctx.label("job_type").unwrap_or("check").to_string();
    p.step(rng.range(400, 1500), |_| {
        log_msg("INFO", "Begin connector operation")
    });
    let failed = ctx.end.failed();
    p.tail_step(0, move |_| match (job_type.as_str(), failed) {
        ("spec", _) => "{\"type\":\"SPEC\",\"spec\":{\"documentationUrl\":\"https://docs.airbyte.com/integrations/sources/postgres\",\"connectionSpecification\":{\"type\":\"object\",\"required\":[\"host\",\"port\",\"database\",\"username\"],\"properties\":{\"host\":{\"type\":\"string\",\"order\":0,\"title\":\"Host\"}}},\"supportsNormalization\":false}}".to_string(),
        ("discover", _) => "{\"type\":\"CATALOG\",\"catalog\":{\"streams\":[{\"name\":\"orders\",\"namespace\":\"public\",\"json_schema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"number\"},\"status\":{\"type\":\"string\"}}},\"supported_sync_modes\":[\"full_refresh\",\"incremental\"],\"source_defined_primary_key\":[[\"id\"]]}]}}".to_string(),
        (_, false) => "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":\"SUCCEEDED\"}}".to_string(),
        (_, true) => "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":\"FAILED\",\"message\":\"State code: 08001; Message: Connection to orders-db.ingestion:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.\"}}".to_string(),
    });
    p
}

fn sidecar(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("sidecar");
    const SC: &str = "io.airbyte.connectorSidecar.ConnectorWatcher";
    p.step(0, |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.runtime.Micronaut(start):101",
            "Startup completed in 1632ms.",
        )
    });
    p.step(rng.range(500, 3000), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{SC}(run):78"),
            "Connector exited, processing output",
        )
    });
    p.step(2, |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{SC}(run):81"),
            "Output file jobOutput.json found",
        )
    });
    let status = if ctx.end.failed() {
        "FAILED"
    } else {
        "SUCCEEDED"
    };
    p.step(3, move |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{SC}(run):104"),
            &format!("Check connection job received output: {{\"status\":\"{status}\"}}"),
        )
    });
    p
}

/// Micronaut service start-up shared by the platform's Java services.
fn micronaut(p: &mut Plan, rng: &mut Rng, ctx: &Ctx<'_>, port: u16) {
    let envs = "[k8s, control-plane]";
    p.step(0, move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.context.env.DefaultEnvironment(<init>):168",
            &format!("Established active environments: {envs}"),
        )
    });
    p.step(rng.range(1500, 4000), |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.db.check.DatabaseAvailabilityCheck(check):40",
            "Database is available.",
        )
    });
    let startup = rng.range(7_000, 16_000);
    let host = ctx.name.to_string();
    p.step(startup - 4000, move |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.micronaut.runtime.Micronaut(start):101",
            &format!("Startup completed in {startup}ms. Server Running: http://{host}:{port}"),
        )
    });
}

fn server(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("server");
    micronaut(&mut p, &mut rng, ctx, 8001);
    let prefix = ctx
        .pod_ip()
        .rsplit_once('.')
        .map_or("10.244.0".to_string(), |(a, _)| a.to_string());
    p.beat(rng.range(4_000, 12_000), move |k, r, at| {
        let ip = format!("{prefix}.{}", 2 + r % 200);
        let (method, path, body) = match r % 6 {
            0 => ("GET", "/api/v1/health".to_string(), String::new()),
            1 => ("POST", "/api/v1/jobs/get".to_string(), format!(" - {{\"id\":{}}}", 1200 + k % 400)),
            2 => ("POST", "/api/v1/connections/list".to_string(), " - {\"workspaceId\":\"5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6\"}".to_string()),
            3 => ("POST", "/api/v1/attempt/get_for_job".to_string(), format!(" - {{\"jobId\":{},\"attemptNumber\":0}}", 1200 + k % 400)),
            4 => ("POST", "/api/v1/jobs/list".to_string(), " - {\"configTypes\":[\"sync\",\"reset_connection\",\"refresh\",\"clear\"],\"pagination\":{\"pageSize\":25}}".to_string()),
            _ => ("POST", "/api/v1/connections/sync".to_string(), " - {\"connectionId\":\"9f4c6a2e-3d1b-4e8f-a7c5-1b2d3e4f5a6b\"}".to_string()),
        };
        pl(at, &format!("io-executor-thread-{}", 1 + r % 8), "INFO", "io.airbyte.commons.server.support.RequestLogger(filter):112", &format!("REQ {ip} {method} 200 {path}{body}"))
    });
    p
}

fn worker(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("worker");
    micronaut(&mut p, &mut rng, ctx, 9000);
    p.step(rng.range(100, 500), |at| pl(at, "main", "INFO", "io.airbyte.workers.ApplicationInitializer(registerWorkerFactories):140", "Registering workflows and activities for task queues: SYNC, CONNECTION_UPDATER, CHECK_CONNECTION, DISCOVER_SCHEMA, SPEC"));
    p.beat(rng.range(10_000, 30_000), |k, r, at| {
        let job = 1200 + k / 4;
        let workload = format!("9f4c6a2e-3d1b-4e8f-a7c5-1b2d3e4f5a6b_{job}_0_sync");
        let thread = format!("workflow-method-sync-{job}");
        match k % 4 {
            0 => pl(at, &thread, "INFO", "io.airbyte.workers.temporal.sync.WorkloadApiHelper(createWorkload):74", &format!("Creating workload {workload}")),
            1 => pl(at, &thread, "INFO", "io.airbyte.workers.temporal.sync.SyncWorkflowImpl(run):112", &format!("Workload {workload} is pending")),
            2 => pl(at, &thread, "INFO", "io.airbyte.workers.temporal.sync.WorkloadApiHelper(waitForWorkload):120", &format!("Workload {workload} is running (heartbeat {}s ago)", r % 10)),
            _ => pl(at, &thread, "INFO", "io.airbyte.workers.temporal.sync.WorkloadApiHelper(waitForWorkload):133", &format!("Workload {workload} has returned a terminal status of success. Fetching output...")),
        }
    });
    p
}

fn launcher(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("launcher");
    micronaut(&mut p, &mut rng, ctx, 8016);
    p.step(rng.range(50, 300), |at| {
        pl(
            at,
            "main",
            "INFO",
            "io.airbyte.workload.launcher.StartupApplicationEventListener(onApplicationEvent):51",
            "Rehydrating and processing claimed workloads...",
        )
    });
    const STAGES: &[&str] = &[
        "CLAIM",
        "LOAD_SHED",
        "CHECK_STATUS",
        "BUILD",
        "MUTEX",
        "ARCHITECTURE",
        "LAUNCH",
    ];
    p.beat(rng.range(3_000, 9_000), |k, _, at| {
        let job = 1200 + k / (STAGES.len() as u64 + 1);
        let stage = (k % (STAGES.len() as u64 + 1)) as usize;
        let workload = format!("9f4c6a2e-3d1b-4e8f-a7c5-1b2d3e4f5a6b_{job}_0_sync");
        let thread = format!("pipeline-{job}");
        match STAGES.get(stage) {
            Some(s) => pl(
                at,
                &thread,
                "INFO",
                "io.airbyte.workload.launcher.pipeline.stages.model.Stage(apply):39",
                &format!("APPLY Stage: {s} — (workloadId = {workload}) — (dataplaneId = local)"),
            ),
            None => pl(
                at,
                &thread,
                "INFO",
                "io.airbyte.workload.launcher.pipeline.LaunchPipeline(onSuccess):71",
                &format!("Pipeline completed for workload: {workload}."),
            ),
        }
    });
    p
}

fn workload_api(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("workload-api");
    micronaut(&mut p, &mut rng, ctx, 8007);
    p.beat(rng.range(5_000, 15_000), |k, r, at| {
        let path = [
            "/api/v1/workload/heartbeat",
            "/api/v1/workload/claim",
            "/api/v1/workload/running",
            "/api/v1/workload/list",
        ][(r % 4) as usize];
        pl(
            at,
            &format!("io-executor-thread-{}", 1 + k % 8),
            "INFO",
            "io.airbyte.commons.server.support.RequestLogger(filter):112",
            &format!("REQ 10.244.0.{} PUT 204 {path}", 2 + r % 200),
        )
    });
    p
}

fn cron(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("cron");
    micronaut(&mut p, &mut rng, ctx, 9001);
    p.beat(60_000, |k, _, at| match k % 3 {
        0 => pl(
            at,
            "scheduled-executor-thread-1",
            "INFO",
            "io.airbyte.cron.jobs.WorkloadMonitor(cancelNotStartedWorkloads):87",
            "Checking for not started workloads.",
        ),
        1 => pl(
            at,
            "scheduled-executor-thread-1",
            "INFO",
            "io.airbyte.cron.jobs.WorkloadMonitor(cancelNotHeartbeatingWorkloads):123",
            "Checking for non heartbeating workloads.",
        ),
        _ => pl(
            at,
            "scheduled-executor-thread-2",
            "INFO",
            "io.airbyte.cron.jobs.SelfHealTemporalWorkflows(cleanTemporal):46",
            "Cleaning temporal workflows...",
        ),
    });
    p
}

fn bootloader(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("bootloader");
    const B: &str = "io.airbyte.bootloader.Bootloader";
    p.step(0, |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{B}(load):109"),
            "Initializing databases...",
        )
    });
    p.step(rng.range(500, 2000), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{B}(load):116"),
            "Running database migrations...",
        )
    });
    p.step(rng.range(2000, 6000), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{B}(runFlywayMigration):305"),
            "Migrating jobs database",
        )
    });
    p.step(rng.range(1000, 3000), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{B}(runFlywayMigration):305"),
            "Migrating configs database",
        )
    });
    p.step(rng.range(300, 900), |at| {
        pl(
            at,
            "main",
            "INFO",
            &format!("{B}(load):126"),
            "Loading connector definitions...",
        )
    });
    if ctx.end.failed() {
        p.tail_step(0, |at| format!("{}\norg.flywaydb.core.api.FlywayException: Validate failed: Detected applied migration not resolved locally: 1.1.0.001", pl(at, "main", "ERROR", "io.airbyte.bootloader.Application(main):22", "Unable to bootstrap Airbyte environment.")));
    } else if ctx.end != End::Open {
        p.tail_step(0, |at| {
            pl(
                at,
                "main",
                "INFO",
                &format!("{B}(load):142"),
                "Finished bootstrapping Airbyte environment.",
            )
        });
    }
    p
}

fn webapp(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("webapp");
    let ng = |at: DateTime<Utc>, msg: &str| {
        format!("{} [notice] 1#1: {msg}", at.format("%Y/%m/%d %H:%M:%S"))
    };
    p.step(0, |_| {
        "/docker-entrypoint.sh: Configuration complete; ready for start up".to_string()
    });
    p.step(rng.range(5, 40), move |at| {
        ng(at, "using the \"epoll\" event method")
    });
    p.step(1, move |at| ng(at, "nginx/1.27.3"));
    p.step(1, move |at| ng(at, "start worker processes"));
    p.beat(rng.range(5_000, 20_000), |_, r, at| {
        let path = [
            "/",
            "/api/v1/health",
            "/assets/index-4f2a9c.js",
            "/api/v1/connections/list",
        ][(r % 4) as usize];
        clf_access(
            at,
            &format!("10.244.0.{}", 2 + r % 200),
            if path.contains("list") { "POST" } else { "GET" },
            path,
            200,
            612 + r % 9000,
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        )
    });
    p
}

fn connector_builder(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("connector-builder");
    micronaut(&mut p, &mut rng, ctx, 8080);
    p.beat(rng.range(30_000, 90_000), |_, r, at| {
        pl(
            at,
            "io-executor-thread-1",
            "INFO",
            "io.airbyte.connector_builder.requester.AirbyteCdkRequesterImpl(request):97",
            &format!(
                "Processing test_read request for stream {} with limit 5 pages",
                ["orders", "customers", "events"][(r % 3) as usize]
            ),
        )
    });
    p
}
