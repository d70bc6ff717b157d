//! The guard against the embedded simulator, whose users have real RBAC-like rules (`admin`
//! may do anything, `viewer` only read): who is allowed, who is refused and why, that a
//! read-only context sends nothing to the API server, and that every outcome leaves its
//! line in the audit log. Requests are counted with the simulator's request log (the summary
//! `GET /strata-sim/requests` serves).

use std::path::{Path, PathBuf};

use k8s_openapi::api::batch::v1::{CronJob, Job};
use kube::api::{Api, ObjectMeta, PostParams};
use serde_json::Value;
use strata::cluster::{self, ConnectTarget, Connection, KubeconfigSource};
use strata::config::settings::parse_settings;
use strata::guard::{Access, Confirm, Guard, Mutation, Outcome, Policies, RefusalReason, Target};
use strata_sim::{self as sim, RunningSim, SimConfig};
use tempfile::TempDir;

const ADMIN: &str = "strata-sim";
const VIEWER: &str = "strata-sim-viewer";

struct Fixture {
    sim: RunningSim,
    dir: TempDir,
}

impl Fixture {
    async fn start() -> Fixture {
        let sim = sim::start(SimConfig {
            runs: false,
            ..SimConfig::default()
        })
        .await
        .expect("the simulator starts on 127.0.0.1:0");
        Fixture {
            sim,
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn target(&self, context: &str) -> ConnectTarget {
        ConnectTarget {
            source: KubeconfigSource::Inline(self.sim.kubeconfig_yaml()),
            context: Some(context.to_string()),
        }
    }

    async fn connect(&self, context: &str) -> Connection {
        cluster::connect(&self.target(context))
            .await
            .expect("the simulator's kubeconfig connects")
    }

    fn audit_path(&self) -> PathBuf {
        self.dir.path().join("state/strata/audit.jsonl")
    }

    /// A guard for `context` under the policies `config_toml` and `--readonly` give.
    async fn guard(&self, context: &str, config_toml: &str, cli_readonly: bool) -> Guard {
        let settings = parse_settings(config_toml).expect("the test's config.toml parses");
        let connection = self.connect(context).await;
        Guard::for_connection(
            &connection,
            &self.target(context),
            &Policies::new(&settings, cli_readonly),
            self.audit_path(),
        )
    }

    /// The sequence number of the newest request the simulator answered.
    fn last_request(&self) -> u64 {
        self.sim.state.requests().last_seq
    }

    /// The requests answered after `seq`, as `verb resource` lines, and how many of them
    /// asked to change something.
    fn requests_since(&self, seq: u64) -> (Vec<String>, usize) {
        let summary = self.sim.state.requests_since(seq);
        let mutating = summary.recent.iter().filter(|r| r.is_mutating()).count();
        let lines = summary
            .recent
            .iter()
            .map(|r| format!("{} {} ({})", r.verb, r.qualified_resource(), r.user))
            .collect();
        (lines, mutating)
    }
}

fn audit_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each audit line is one JSON object"))
        .collect()
}

/// `strata trigger dbt dbt-marts`: a Job made from the CronJob, as `kubectl create job
/// --from=cronjob/dbt-marts` does.
fn trigger_dbt(cronjob: &str) -> Mutation {
    Mutation::new(
        "trigger.dbt",
        Target::new("CronJob", Some("transformation"), cronjob),
    )
    .parameter("select", "tag:daily")
    .parameter("profiles_password", "PLANTED-SECRET")
    .needs(Access::new("create", "batch", "jobs").in_namespace("transformation"))
}

async fn create_job_from(
    client: &kube::Client,
    cronjob: &str,
    job: &str,
) -> Result<String, kube::Error> {
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), "transformation");
    let template = cronjobs.get(cronjob).await?.spec.map(|s| s.job_template);
    let job = Job {
        metadata: ObjectMeta {
            name: Some(job.to_string()),
            ..ObjectMeta::default()
        },
        spec: template.and_then(|t| t.spec),
        ..Job::default()
    };
    let jobs: Api<Job> = Api::namespaced(client.clone(), "transformation");
    let created = jobs.create(&PostParams::default(), &job).await?;
    Ok(created.metadata.name.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_is_allowed_and_both_the_run_and_its_failure_are_recorded() {
    let fx = Fixture::start().await;
    let guard = fx.guard(ADMIN, "", false).await;
    let admin = fx.connect(ADMIN).await.client;
    let mutation = trigger_dbt("dbt-marts");

    let before = fx.last_request();
    let approval = guard.check(&mutation).await.expect("admin may create jobs");
    let (requests, mutating) = fx.requests_since(before);
    assert_eq!(mutating, 0, "the check changes nothing: {requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("create selfsubjectaccessreviews.authorization.k8s.io")),
        "the check asks the server: {requests:?}"
    );
    assert_eq!(
        approval.confirm_needed(),
        &Confirm::YesNo,
        "strata-sim is not production"
    );
    assert!(
        approval.prompt().contains("dbt-marts"),
        "{}",
        approval.prompt()
    );

    let confirmed = approval.confirmed("y").expect("y confirms");
    let name = create_job_from(&admin, "dbt-marts", "dbt-marts-manual-1")
        .await
        .expect("the simulator creates the Job");
    confirmed
        .record(Outcome::ok(format!("job {name} created")))
        .expect("the audit log is writable");

    // The same Job again fails (it exists): recorded as failed.
    let confirmed = guard
        .check(&mutation)
        .await
        .expect("still allowed")
        .confirmed_by_flags(true, None)
        .expect("--yes confirms on a non-production context");
    let error = create_job_from(&admin, "dbt-marts", "dbt-marts-manual-1")
        .await
        .expect_err("a second Job of that name is a conflict");
    confirmed.record(Outcome::failed(&error)).unwrap();

    let lines = audit_lines(&fx.audit_path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    let ok = &lines[0];
    assert_eq!(ok["result"], "ok");
    assert_eq!(ok["outcome"], "job dbt-marts-manual-1 created");
    assert_eq!(ok["context"], ADMIN);
    // The simulator has no SelfSubjectReview: the kubeconfig's user names us.
    assert_eq!(ok["user"], "admin");
    assert_eq!(ok["action"], "trigger.dbt");
    assert_eq!(
        ok["target"],
        serde_json::json!({"kind": "CronJob", "namespace": "transformation", "name": "dbt-marts"})
    );
    assert_eq!(ok["parameters"]["select"], "tag:daily");
    assert_eq!(ok["parameters"]["profiles_password"], "<redacted>");
    assert_eq!(ok["readonly"], false);
    assert!(ok["time"].as_str().unwrap().ends_with('Z'), "{ok}");
    assert_eq!(lines[1]["result"], "failed");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{}",
        lines[1]
    );
    let text = std::fs::read_to_string(fx.audit_path()).unwrap();
    assert!(!text.contains("PLANTED-SECRET"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_is_refused_by_rbac_with_the_reason_and_the_refusal_is_recorded() {
    let fx = Fixture::start().await;
    let guard = fx.guard(VIEWER, "", false).await;
    let before = fx.last_request();
    let refusal = guard
        .check(&trigger_dbt("dbt-marts"))
        .await
        .expect_err("the viewer may not create jobs");
    assert!(
        matches!(refusal.reason, RefusalReason::Forbidden { .. }),
        "{refusal:?}"
    );
    assert_eq!(
        refusal.to_string(),
        "you may not create jobs in transformation (RBAC: no role of yours allows it); \
         nothing was changed"
    );
    let (requests, mutating) = fx.requests_since(before);
    assert_eq!(mutating, 0, "{requests:?}");
    let reviews: Vec<&String> = requests
        .iter()
        .filter(|r| r.contains("selfsubjectaccessreviews"))
        .collect();
    assert_eq!(
        reviews,
        ["create selfsubjectaccessreviews.authorization.k8s.io (viewer)"]
    );

    // A port-forward (how Airflow and Airbyte are reached) is checked as any access is.
    let airflow = Mutation::new(
        "trigger.airflow",
        Target::new("DAG", Some("orchestration"), "load_orders"),
    )
    .needs(Access::port_forward("orchestration"));
    let refusal = guard
        .check(&airflow)
        .await
        .expect_err("no port-forward for the viewer");
    assert!(
        refusal
            .to_string()
            .starts_with("you may not create pods/portforward in orchestration"),
        "{refusal}"
    );

    let lines = audit_lines(&fx.audit_path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["result"], "refused");
    assert_eq!(lines[0]["user"], "viewer");
    assert_eq!(lines[0]["context"], VIEWER);
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("you may not create jobs in transformation"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["action"], "trigger.airflow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_without_a_single_request_to_the_api_server() {
    let fx = Fixture::start().await;
    let config = "[contexts.\"strata-sim\"]\nreadonly = true\n";
    let cases = [
        (
            fx.guard(ADMIN, "", true).await,
            "read-only: Strata was started with --readonly; nothing was changed",
        ),
        (
            fx.guard(ADMIN, config, false).await,
            "read-only: context strata-sim is read-only (config.toml [contexts.\"strata-sim\"]); \
             nothing was changed",
        ),
    ];
    let before = fx.last_request();
    for (guard, message) in &cases {
        let refusal = guard
            .check(&trigger_dbt("dbt-marts"))
            .await
            .expect_err("read-only refuses");
        assert_eq!(refusal.to_string(), *message);
    }
    let (requests, _) = fx.requests_since(before);
    assert!(
        requests.is_empty(),
        "read-only asked the server: {requests:?}"
    );
    assert_eq!(fx.sim.state.requests().mutating, 0);

    let lines = audit_lines(&fx.audit_path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, (_, message)) in lines.iter().zip(&cases) {
        assert_eq!(line["result"], "refused");
        assert_eq!(line["reason"], *message);
        assert_eq!(line["readonly"], true);
        assert_eq!(line["user"], "admin");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_needs_the_name_typed_and_a_wrong_one_is_recorded() {
    let fx = Fixture::start().await;
    let guard = fx
        .guard(
            ADMIN,
            "[contexts.\"strata-sim\"]\nproduction = true\n",
            false,
        )
        .await;
    let mutation = trigger_dbt("dbt-marts");

    let approval = guard.check(&mutation).await.expect("admin may");
    assert_eq!(
        approval.confirm_needed(),
        &Confirm::TypeName("dbt-marts".into())
    );
    assert!(
        approval.prompt().starts_with("PRODUCTION"),
        "{}",
        approval.prompt()
    );
    let refusal = approval.confirmed("y").expect_err("y is not the name");
    assert_eq!(
        refusal.to_string(),
        "you typed \"y\", not \"dbt-marts\"; nothing was changed"
    );

    // Headless: --yes is not enough on production; --confirm NAME is.
    let refusal = guard
        .check(&mutation)
        .await
        .unwrap()
        .confirmed_by_flags(true, None)
        .expect_err("--yes alone");
    assert!(
        refusal.to_string().contains("--confirm dbt-marts"),
        "{refusal}"
    );
    let confirmed = guard
        .check(&mutation)
        .await
        .unwrap()
        .confirmed("dbt-marts")
        .expect("the name confirms");
    confirmed.record(Outcome::ok("job x created")).unwrap();

    let lines = audit_lines(&fx.audit_path());
    let results: Vec<&str> = lines
        .iter()
        .map(|l| l["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["refused", "refused", "ok"]);
    assert!(lines.iter().all(|l| l["production"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_audit_log_stops_the_change_before_it_runs() {
    let fx = Fixture::start().await;
    // A folder where the file should be: no one can append to it.
    std::fs::create_dir_all(fx.audit_path()).unwrap();
    let guard = fx.guard(ADMIN, "", false).await;
    let refusal = guard
        .check(&trigger_dbt("dbt-marts"))
        .await
        .expect_err("an unrecorded change is not allowed");
    assert!(
        matches!(refusal.reason, RefusalReason::AuditUnavailable(_)),
        "{refusal:?}"
    );
    let message = refusal.to_string();
    assert!(
        message.contains(&fx.audit_path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("cannot be recorded"), "{message}");
    assert_eq!(fx.sim.state.requests().mutating, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rbac_check_that_cannot_be_made_refuses() {
    let fx = Fixture::start().await;
    let guard = fx.guard(ADMIN, "", false).await;
    assert!(fx.sim.suspend().await, "the API goes down");
    let refusal = guard
        .check(&trigger_dbt("dbt-marts"))
        .await
        .expect_err("no answer is no permission");
    assert!(
        matches!(refusal.reason, RefusalReason::RbacUnchecked { .. }),
        "{refusal:?}"
    );
    assert!(
        refusal
            .to_string()
            .starts_with("cannot check whether you may create jobs in transformation"),
        "{refusal}"
    );
    let lines = audit_lines(&fx.audit_path());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["result"], "refused");
}
