//! Apache Spark on Kubernetes: driver and executor pods in Spark's log4j2 console format
//! (`26/11/26 12:00:01 INFO SparkContext: Running Spark version 3.5.3`).

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Driver,
    Executor,
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<Role> {
    match ctx.label("spark-role") {
        Some("driver") => return Some(Role::Driver),
        Some("executor") => return Some(Role::Executor),
        _ => {}
    }
    match ctx.container {
        "spark-kubernetes-driver" => return Some(Role::Driver),
        "spark-kubernetes-executor" => return Some(Role::Executor),
        _ => {}
    }
    let repo = ctx.image_repo();
    if repo == "apache/spark" || repo.ends_with("/spark") || repo == "spark" {
        return Some(if ctx.argv_has("executor") {
            Role::Executor
        } else {
            Role::Driver
        });
    }
    None
}

/// Spark's default log4j2 pattern: `%d{yy/MM/dd HH:mm:ss} %p %c{1}: %m`.
fn l4j(at: DateTime<Utc>, level: &str, logger: &str, msg: &str) -> String {
    format!("{} {level} {logger}: {msg}", at.format("%y/%m/%d %H:%M:%S"))
}

struct App {
    name: String,
    class: String,
    jar: String,
    /// Simple class name (`OrdersEnrichment`), for stack frames and call sites.
    short: String,
    version: String,
    svc: String,
    executors: u64,
}

fn app(ctx: &Ctx<'_>) -> App {
    let name = ctx
        .label("sparkoperator.k8s.io/app-name")
        .or_else(|| ctx.label("spark-app-name"))
        .map(str::to_string)
        .unwrap_or_else(|| {
            ctx.name
                .trim_end_matches("-driver")
                .split("-exec-")
                .next()
                .unwrap_or(ctx.name)
                .to_string()
        });
    // The operator passes `--class` and the application jar as driver args.
    let (default_class, default_jar) = if name.contains("pi") {
        (
            "org.apache.spark.examples.SparkPi",
            "local:///opt/spark/examples/jars/spark-examples.jar",
        )
    } else {
        (
            "com.acme.jobs.NightlyAggregates",
            "local:///opt/spark/jars/acme-jobs-assembly.jar",
        )
    };
    let class = ctx
        .flag_value(&["--class"])
        .unwrap_or(default_class)
        .to_string();
    let jar = ctx
        .words()
        .find(|w| w.starts_with("local://") || w.ends_with(".jar"))
        .unwrap_or(default_jar)
        .to_string();
    let short = class.rsplit('.').next().unwrap_or(&class).to_string();
    let tag = ctx.image_tag();
    let version = ctx
        .label("spark-version")
        .map(str::to_string)
        .or_else(|| {
            tag.split('-')
                .next()
                .filter(|v| v.starts_with(['3', '4']))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "3.5.3".to_string());
    App {
        svc: format!(
            "{name}-{}-driver-svc.{}.svc",
            &format!("{:016x}", ctx.pod_rng("spark-svc").next())[..16],
            ctx.namespace
        ),
        name,
        class,
        jar,
        short,
        version,
        executors: 2,
    }
}

pub(crate) fn plan(ctx: &Ctx<'_>, role: Role) -> Plan {
    match role {
        Role::Driver => driver(ctx),
        Role::Executor => executor(ctx),
    }
}

const TASKS_PER_STAGE: u64 = 10;

fn driver(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("spark-driver");
    let a = app(ctx);
    let ip = ctx.pod_ip();
    let (class, jar) = (a.class.clone(), a.jar.clone());
    let entry = format!(
        "++ id -u\n+ myuid=185\n++ id -g\n+ mygid=0\n+ set +e\n++ getent passwd 185\n+ uidentry=spark:x:185:185::/home/spark:/bin/sh\n+ set -e\n+ '[' -z spark:x:185:185::/home/spark:/bin/sh ']'\n+ '[' -z /opt/java/openjdk ']'\n+ SPARK_CLASSPATH=':/opt/spark/jars/*'\n+ grep SPARK_JAVA_OPT_\n+ sort -t_ -k4 -n\n+ sed 's/[^=]*=\\(.*\\)/\\1/g'\n+ env\n+ case \"$1\" in\n+ shift 1\n+ CMD=(\"$SPARK_HOME/bin/spark-submit\" --conf \"spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS\" --conf \"spark.executorEnv.SPARK_DRIVER_POD_IP=$SPARK_DRIVER_BIND_ADDRESS\" --deploy-mode client \"$@\")\n+ exec /usr/bin/tini -s -- /opt/spark/bin/spark-submit --conf spark.driver.bindAddress={ip} --conf spark.executorEnv.SPARK_DRIVER_POD_IP={ip} --deploy-mode client --properties-file /opt/spark/conf/spark.properties --class {class} {jar}"
    );
    p.step(0, move |_| entry.clone());
    let lines: Vec<(&str, &str, String)> = vec![
        ("WARN", "NativeCodeLoader", "Unable to load native-hadoop library for your platform... using builtin-java classes where applicable".into()),
        ("INFO", "SparkContext", format!("Running Spark version {}", a.version)),
        ("INFO", "SparkContext", "OS info Linux, 6.8.0-49-generic, amd64".into()),
        ("INFO", "SparkContext", "Java version 17.0.13".into()),
        ("INFO", "ResourceUtils", "==============================================================".into()),
        ("INFO", "ResourceUtils", "No custom resources configured for spark.driver.".into()),
        ("INFO", "ResourceUtils", "==============================================================".into()),
        ("INFO", "SparkContext", format!("Submitted application: {}", a.name)),
        ("INFO", "ResourceProfile", "Default ResourceProfile created, executor resources: Map(cores -> name: cores, amount: 1, script: , vendor: , memory -> name: memory, amount: 1024, script: , vendor: , offHeap -> name: offHeap, amount: 0, script: , vendor: ), task resources: Map(cpus -> name: cpus, amount: 1.0)".into()),
        ("INFO", "SecurityManager", "Changing view acls to: spark,root".into()),
        ("INFO", "Utils", "Successfully started service 'sparkDriver' on port 7078.".into()),
        ("INFO", "SparkEnv", "Registering MapOutputTracker".into()),
        ("INFO", "SparkEnv", "Registering BlockManagerMaster".into()),
        ("INFO", "BlockManagerMasterEndpoint", "Using org.apache.spark.storage.DefaultTopologyMapper for getting topology information".into()),
        ("INFO", "DiskBlockManager", format!("Created local directory at /var/data/spark-{}/blockmgr-{}", rng.uuid(), rng.uuid())),
        ("INFO", "MemoryStore", "MemoryStore started with capacity 413.9 MiB".into()),
        ("INFO", "SparkEnv", "Registering OutputCommitCoordinator".into()),
        ("INFO", "JettyUtils", "Start Jetty 0.0.0.0:4040 for SparkUI".into()),
        ("INFO", "Utils", "Successfully started service 'SparkUI' on port 4040.".into()),
        ("INFO", "SparkKubernetesClientFactory", "Auto-configuring K8S client using current context from users K8S config file".into()),
        ("INFO", "ExecutorPodsAllocator", format!("Going to request {} executors from Kubernetes for ResourceProfile Id: 0, target: {}, known: 0, sharedSlotFromPendingPods: 2147483647.", a.executors, a.executors)),
        ("INFO", "BasicExecutorFeatureStep", "Decommissioning not enabled, skipping shutdown script".into()),
        ("INFO", "Utils", "Successfully started service 'org.apache.spark.network.netty.NettyBlockTransferService' on port 7079.".into()),
        ("INFO", "NettyBlockTransferService", format!("Server created on {}:7079", a.svc)),
        ("INFO", "BlockManagerMaster", format!("Registering BlockManager BlockManagerId(driver, {}, 7079, None)", a.svc)),
    ];
    let mut first = true;
    for (level, logger, msg) in lines {
        let dt = if first {
            rng.range(800, 1600)
        } else {
            rng.range(1, 120)
        };
        first = false;
        p.step(dt, move |at| l4j(at, level, logger, &msg));
    }
    let prefix = ip
        .rsplit_once('.')
        .map_or("10.244.0".to_string(), |(a, _)| a.to_string());
    for e in 1..=a.executors {
        let ex_ip = format!("{prefix}.{}", 20 + e * 3);
        let port = 40000 + rng.range(0, 20000);
        p.step(rng.range(2500, 6000), move |at| {
            l4j(at, "INFO", "KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint", &format!("Registered executor NettyRpcEndpointRef(spark-client://Executor) ({ex_ip}:{port}) with ID {e},  ResourceProfileId 0"))
        });
    }
    p.step(5, |at| l4j(at, "INFO", "KubernetesClusterSchedulerBackend", "SchedulerBackend is ready for scheduling beginning after reached minRegisteredResourcesRatio: 0.8"));

    let call = if a.class.ends_with("SparkPi") {
        "reduce at SparkPi.scala:38".to_string()
    } else {
        format!("save at {}.scala:112", a.short)
    };
    let n_exec = a.executors;
    let pre = prefix.clone();
    p.beat(rng.range(1_500, 4_000), move |k, r, at| {
        let stage = k / (TASKS_PER_STAGE * 2 + 2);
        let m = k % (TASKS_PER_STAGE * 2 + 2);
        let exec = 1 + (m / 2) % n_exec;
        let ex_ip = format!("{pre}.{}", 20 + exec * 3);
        if m == 0 {
            format!(
                "{}\n{}\n{}\n{}",
                l4j(at, "INFO", "SparkContext", &format!("Starting job: {call}")),
                l4j(at, "INFO", "DAGScheduler", &format!("Got job {stage} ({call}) with {TASKS_PER_STAGE} output partitions")),
                l4j(at, "INFO", "DAGScheduler", &format!("Final stage: ResultStage {stage} ({call})")),
                l4j(at, "INFO", "DAGScheduler", &format!("Submitting {TASKS_PER_STAGE} missing tasks from ResultStage {stage} (MapPartitionsRDD[{}] at map at {}) (first 15 tasks are for partitions Vector(0, 1, 2, 3, 4, 5, 6, 7, 8, 9))", stage * 2 + 1, call.rsplit(' ').next().unwrap_or(&call))),
            )
        } else if m <= TASKS_PER_STAGE * 2 {
            let task = (m - 1) / 2;
            let tid = stage * TASKS_PER_STAGE + task;
            if m % 2 == 1 {
                l4j(at, "INFO", "TaskSetManager", &format!("Starting task {task}.0 in stage {stage}.0 (TID {tid}) ({ex_ip}, executor {exec}, partition {task}, PROCESS_LOCAL, 9157 bytes) "))
            } else {
                l4j(at, "INFO", "TaskSetManager", &format!("Finished task {task}.0 in stage {stage}.0 (TID {tid}) in {} ms on {ex_ip} (executor {exec}) ({}/{TASKS_PER_STAGE})", 200 + r % 3000, task + 1))
            }
        } else {
            let secs = 5.0 + (r % 20_000) as f64 / 1000.0;
            format!(
                "{}\n{}\n{}\n{}",
                l4j(at, "INFO", "DAGScheduler", &format!("ResultStage {stage} ({call}) finished in {secs:.3} s")),
                l4j(at, "INFO", "DAGScheduler", &format!("Job {stage} is finished. Cancelling potential speculative or zombie tasks for this job")),
                l4j(at, "INFO", "TaskSchedulerImpl", &format!("Killing all running tasks in stage {stage}: Stage finished")),
                l4j(at, "INFO", "DAGScheduler", &format!("Job {stage} finished: {call}, took {:.6} s", secs + 0.1)),
            )
        }
    });
    p.body_len(60_000);

    let svc = a.svc.clone();
    let pi = a.class.ends_with("SparkPi");
    let (class, short) = (a.class.clone(), a.short.clone());
    match ctx.end {
        End::Open => {}
        End::Exit(code) => {
            if ctx.end.failed() && !ctx.end.killed() {
                let ex_ip = format!("{prefix}.26");
                p.tail_step(0, move |at| l4j(at, "WARN", "TaskSetManager", &format!("Lost task 3.3 in stage 2.0 (TID 19) ({ex_ip} executor 2): java.lang.OutOfMemoryError: Java heap space")));
                p.tail_step(2, |at| {
                    l4j(
                        at,
                        "ERROR",
                        "TaskSetManager",
                        "Task 3 in stage 2.0 failed 4 times; aborting job",
                    )
                });
                p.tail_step(3, move |at| {
                    format!(
                        "{}\nException in thread \"main\" org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 2.0 failed 4 times, most recent failure: Lost task 3.3 in stage 2.0 (TID 19) (10.244.0.26 executor 2): java.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\tat org.apache.spark.sql.catalyst.expressions.UnsafeRow.copy(UnsafeRow.java:471)\n\tat org.apache.spark.sql.execution.aggregate.ObjectAggregationIterator.processInputs(ObjectAggregationIterator.scala:156)\n\nDriver stacktrace:\n\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2856)\n\tat org.apache.spark.scheduler.DAGScheduler.$anonfun$abortStage$2(DAGScheduler.scala:2792)\n\tat org.apache.spark.sql.execution.datasources.FileFormatWriter$.write(FileFormatWriter.scala:252)\n\tat {class}$.main({short}.scala:112)\n\tat {class}.main({short}.scala)\nCaused by: java.lang.OutOfMemoryError: Java heap space",
                        l4j(at, "INFO", "DAGScheduler", &format!("ResultStage 2 (save at {short}.scala:112) failed in 41.337 s due to Job aborted due to stage failure: Task 3 in stage 2.0 failed 4 times, most recent failure: Lost task 3.3 in stage 2.0 (TID 19): java.lang.OutOfMemoryError: Java heap space"))
                    )
                });
                p.tail_step(20, |at| {
                    l4j(
                        at,
                        "INFO",
                        "SparkContext",
                        "Invoking stop() from shutdown hook",
                    )
                });
            } else if pi && code == 0 {
                p.tail_step(0, |_| "Pi is roughly 3.1417391141739114".to_string());
            }
            if ctx.end.killed() {
                p.tail_step(0, |at| {
                    l4j(at, "ERROR", "SignalUtils", "RECEIVED SIGNAL TERM")
                });
                p.tail_step(1, |at| {
                    l4j(
                        at,
                        "INFO",
                        "SparkContext",
                        "Invoking stop() from shutdown hook",
                    )
                });
            }
            p.tail_step(5, move |at| {
                l4j(
                    at,
                    "INFO",
                    "SparkContext",
                    &format!(
                        "SparkContext is stopping with exitCode {}.",
                        if code == 0 { 0 } else { code }
                    ),
                )
            });
            p.tail_step(3, move |at| {
                l4j(
                    at,
                    "INFO",
                    "SparkUI",
                    &format!("Stopped Spark web UI at http://{svc}:4040"),
                )
            });
            p.tail_step(4, |at| {
                l4j(
                    at,
                    "INFO",
                    "KubernetesClusterSchedulerBackend",
                    "Shutting down all executors",
                )
            });
            p.tail_step(1, |at| {
                l4j(
                    at,
                    "INFO",
                    "KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint",
                    "Asking each executor to shut down",
                )
            });
            p.tail_step(20, |at| {
                l4j(
                    at,
                    "WARN",
                    "ExecutorPodsWatchSnapshotSource",
                    "Kubernetes client has been closed.",
                )
            });
            p.tail_step(30, |at| {
                l4j(
                    at,
                    "INFO",
                    "MapOutputTrackerMasterEndpoint",
                    "MapOutputTrackerMasterEndpoint stopped!",
                )
            });
            p.tail_step(5, |at| {
                l4j(at, "INFO", "MemoryStore", "MemoryStore cleared")
            });
            p.tail_step(1, |at| {
                l4j(at, "INFO", "BlockManager", "BlockManager stopped")
            });
            p.tail_step(2, |at| {
                l4j(
                    at,
                    "INFO",
                    "BlockManagerMaster",
                    "BlockManagerMaster stopped",
                )
            });
            p.tail_step(3, |at| {
                l4j(
                    at,
                    "INFO",
                    "OutputCommitCoordinator$OutputCommitCoordinatorEndpoint",
                    "OutputCommitCoordinator stopped!",
                )
            });
            p.tail_step(10, |at| {
                l4j(
                    at,
                    "INFO",
                    "SparkContext",
                    "Successfully stopped SparkContext",
                )
            });
            p.tail_step(5, |at| {
                l4j(at, "INFO", "ShutdownHookManager", "Shutdown hook called")
            });
            let dir = rng.uuid();
            p.tail_step(2, move |at| {
                l4j(
                    at,
                    "INFO",
                    "ShutdownHookManager",
                    &format!("Deleting directory /tmp/spark-{dir}"),
                )
            });
        }
    }
    p
}

fn executor(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("spark-executor");
    let a = app(ctx);
    let exec_id = ctx.label("spark-exec-id").unwrap_or("1").to_string();
    let pod = ctx.name.to_string();
    let ip = ctx.pod_ip();
    p.step(0, move |at| {
        l4j(
            at,
            "INFO",
            "CoarseGrainedExecutorBackend",
            &format!("Started daemon with process name: 14@{pod}"),
        )
    });
    for sig in ["TERM", "HUP", "INT"] {
        p.step(3, move |at| {
            l4j(
                at,
                "INFO",
                "SignalUtils",
                &format!("Registering signal handler for {sig}"),
            )
        });
    }
    p.step(rng.range(300, 900), |at| {
        l4j(
            at,
            "INFO",
            "SecurityManager",
            "Changing view acls to: spark,root",
        )
    });
    let svc = a.svc.clone();
    let ms = rng.range(40, 200);
    p.step(rng.range(200, 700), move |at| l4j(at, "INFO", "TransportClientFactory", &format!("Successfully created connection to {svc}/10.244.0.11:7078 after {ms} ms (0 ms spent in bootstraps)")));
    let svc = a.svc.clone();
    p.step(rng.range(100, 400), move |at| {
        l4j(
            at,
            "INFO",
            "CoarseGrainedExecutorBackend",
            &format!("Connecting to driver: spark://CoarseGrainedScheduler@{svc}:7078"),
        )
    });
    p.step(rng.range(50, 300), |at| {
        l4j(
            at,
            "INFO",
            "CoarseGrainedExecutorBackend",
            "Successfully registered with driver",
        )
    });
    let e = exec_id.clone();
    p.step(2, move |at| {
        l4j(
            at,
            "INFO",
            "Executor",
            &format!("Starting executor ID {e} on host {ip}"),
        )
    });
    p.step(5, |at| {
        l4j(
            at,
            "INFO",
            "MemoryStore",
            "MemoryStore started with capacity 413.9 MiB",
        )
    });
    let me: u64 = exec_id.parse().unwrap_or(1);
    p.beat(rng.range(3_000, 8_000), move |k, r, at| {
        // Two executors share each stage's tasks: this one runs every other partition.
        let per_exec = TASKS_PER_STAGE / 2;
        let stage = k / per_exec;
        let task = (k % per_exec) * 2 + (me - 1) % 2;
        let tid = stage * TASKS_PER_STAGE + task;
        format!(
            "{}\n{}",
            l4j(at, "INFO", "CoarseGrainedExecutorBackend", &format!("Got assigned task {tid}")),
            l4j(at, "INFO", "Executor", &format!("Running task {task}.0 in stage {stage}.0 (TID {tid})")),
        ) + &format!(
            "\n{}",
            l4j(at, "INFO", "Executor", &format!("Finished task {task}.0 in stage {stage}.0 (TID {tid}). {} bytes result sent to driver", 900 + r % 1200))
        )
    });
    match ctx.end {
        End::Exit(0) | End::Exit(143) => {
            p.tail_step(0, |at| {
                l4j(
                    at,
                    "INFO",
                    "CoarseGrainedExecutorBackend",
                    "Driver commanded a shutdown",
                )
            });
            p.tail_step(20, |at| {
                l4j(at, "INFO", "MemoryStore", "MemoryStore cleared")
            });
            p.tail_step(2, |at| {
                l4j(at, "INFO", "BlockManager", "BlockManager stopped")
            });
            p.tail_step(10, |at| {
                l4j(at, "INFO", "ShutdownHookManager", "Shutdown hook called")
            });
        }
        End::Exit(_) => {
            p.tail_step(0, |at| {
                format!(
                    "{}\njava.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\tat org.apache.spark.sql.catalyst.expressions.UnsafeRow.copy(UnsafeRow.java:471)\n\tat org.apache.spark.executor.Executor$TaskRunner.run(Executor.scala:620)",
                    l4j(at, "ERROR", "Executor", "Exception in task 3.0 in stage 2.0 (TID 19)")
                )
            });
            p.tail_step(5, |at| l4j(at, "ERROR", "SparkUncaughtExceptionHandler", "Uncaught exception in thread Thread[Executor task launch worker for task 3.0 in stage 2.0 (TID 19),5,main]"));
            p.tail_step(5, |at| {
                l4j(at, "INFO", "ShutdownHookManager", "Shutdown hook called")
            });
        }
        End::Open => {}
    }
    p
}
