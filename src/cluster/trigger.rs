//! Jobs started by hand from a CronJob, exactly as `kubectl create job --from=cronjob/NAME`
//! makes them (the template's labels and spec, its annotations plus
//! `cronjob.kubernetes.io/instantiate: manual`, the CronJob as controlling owner), with a
//! unique name and, for dbt, the command the operator typed in place of the template's.

use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, PostParams};

use super::with_causes;
use crate::stack::dbt_command::{DbtCommand, join};

/// The annotation kubectl puts on a Job made from a CronJob by hand.
pub const INSTANTIATE_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";

/// Longest Job name: the `job-name` label its pods carry must fit in 63 characters.
const MAX_JOB_NAME: usize = 63;

/// Why a Job could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error(
        "no CronJob {name} in namespace {namespace} (`strata runs` or `kubectl get cronjobs -n {namespace}` lists them)"
    )]
    NotFound { namespace: String, name: String },
    #[error("cronjob/{name} has no job template to start from")]
    NoTemplate { name: String },
    #[error(
        "cronjob/{name} does not run dbt: none of its containers has a dbt image or command, so --command has nothing to replace"
    )]
    NotDbt { name: String },
    #[error("cannot read cronjob/{name}: {reason}")]
    Read { name: String, reason: String },
    #[error("cannot create job {name}: {reason}")]
    Create { name: String, reason: String },
}

/// `{cronjob}-manual-{suffix}`, the CronJob's name shortened so the whole fits a label value.
pub fn manual_job_name(cronjob: &str, suffix: &str) -> String {
    let tail = format!("-manual-{suffix}");
    let room = MAX_JOB_NAME.saturating_sub(tail.len());
    let base: String = cronjob.chars().take(room).collect();
    format!("{}{tail}", base.trim_end_matches('-'))
}

/// Five lowercase letters and digits, different on each call (time and a counter mixed),
/// as a name suffix; no randomness crate is needed for names that only must not collide.
pub fn name_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let mut n = (nanos ^ (u64::from(std::process::id()) << 32)).wrapping_add(
        COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    // SplitMix64's finaliser spreads neighbouring inputs over the whole range.
    n = (n ^ (n >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    n = (n ^ (n >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    n ^= n >> 31;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// The Job `kubectl create job NAME --from=cronjob/…` would create.
pub fn job_from_cronjob(cronjob: &CronJob, name: &str) -> Option<Job> {
    let template = cronjob.spec.as_ref()?.job_template.clone();
    let template_meta = template.metadata.unwrap_or_default();
    let mut annotations = std::collections::BTreeMap::new();
    annotations.insert(INSTANTIATE_ANNOTATION.to_string(), "manual".to_string());
    annotations.extend(template_meta.annotations.unwrap_or_default());
    Some(Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cronjob.metadata.namespace.clone(),
            annotations: Some(annotations),
            labels: template_meta.labels,
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: cronjob.metadata.name.clone().unwrap_or_default(),
                uid: cronjob.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(template.spec.unwrap_or_else(JobSpec::default)),
        status: None,
    })
}

/// Whether a container runs dbt: a dbt image (`ghcr.io/dbt-labs/dbt-postgres`, `…/dbt:1.9`)
/// or `dbt` as the program or a word of its command and arguments.
pub fn runs_dbt(container: &Container) -> bool {
    let image = container.image.as_deref().unwrap_or_default();
    let repository = image.rsplit('/').next().unwrap_or_default();
    let repository = repository.split([':', '@']).next().unwrap_or_default();
    let dbt_image =
        image.contains("dbt-labs/") || repository == "dbt" || repository.starts_with("dbt-");
    let words = container
        .command
        .iter()
        .chain(container.args.iter())
        .flatten()
        .flat_map(|a| a.split_whitespace());
    dbt_image || words.into_iter().any(|w| w == "dbt" || w.ends_with("/dbt"))
}

/// The index of the template's dbt container.
fn dbt_container(containers: &[Container]) -> Option<usize> {
    containers.iter().position(runs_dbt)
}

/// The dbt command the template runs, as a line to edit (`dbt build --select marts`), when
/// its container runs dbt directly (not through a shell script).
pub fn template_dbt_command(cronjob: &CronJob) -> Option<String> {
    let spec = cronjob.spec.as_ref()?.job_template.spec.as_ref()?;
    let containers = &spec.template.spec.as_ref()?.containers;
    let container = &containers[dbt_container(containers)?];
    let argv: Vec<String> = container
        .command
        .iter()
        .chain(container.args.iter())
        .flatten()
        .cloned()
        .collect();
    let program = argv.first()?;
    (program == "dbt" || program.ends_with("/dbt")).then(|| join(&argv))
}

/// Puts `command` in the Job's dbt container: run directly, `command: [dbt]` and the rest as
/// `args` (a shell wrapper in the template, with its `dbt deps` and the like, is replaced:
/// the typed command is what runs).
pub fn set_dbt_command(job: &mut Job, command: &DbtCommand) -> bool {
    let Some(pod) = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()) else {
        return false;
    };
    let Some(i) = dbt_container(&pod.containers) else {
        return false;
    };
    let container = &mut pod.containers[i];
    let mut argv = command.argv.iter().cloned();
    container.command = argv.next().map(|program| vec![program]);
    container.args = Some(argv.collect());
    true
}

/// Creates the Job from `namespace/cronjob` (with `command` in its dbt container when given)
/// and returns it as the server stored it.
pub async fn create_from_cronjob(
    client: &kube::Client,
    namespace: &str,
    cronjob: &str,
    command: Option<&DbtCommand>,
) -> Result<Job, TriggerError> {
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), namespace);
    let source = match cronjobs.get_opt(cronjob).await {
        Ok(Some(source)) => source,
        Ok(None) => {
            return Err(TriggerError::NotFound {
                namespace: namespace.into(),
                name: cronjob.into(),
            });
        }
        Err(error) => {
            return Err(TriggerError::Read {
                name: cronjob.into(),
                reason: with_causes(&error),
            });
        }
    };
    let name = manual_job_name(cronjob, &name_suffix());
    let mut job = job_from_cronjob(&source, &name).ok_or_else(|| TriggerError::NoTemplate {
        name: cronjob.into(),
    })?;
    if let Some(command) = command
        && !set_dbt_command(&mut job, command)
    {
        return Err(TriggerError::NotDbt {
            name: cronjob.into(),
        });
    }
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let params = PostParams {
        field_manager: Some("strata".into()),
        ..PostParams::default()
    };
    jobs.create(&params, &job)
        .await
        .map_err(|error| TriggerError::Create {
            name,
            reason: with_causes(&error),
        })
}

/// Whether the dbt CronJob `cronjob` runs dbt at all (for refusing `--command` early).
pub fn cronjob_runs_dbt(cronjob: &CronJob) -> bool {
    cronjob
        .spec
        .as_ref()
        .and_then(|s| s.job_template.spec.as_ref())
        .and_then(|s| s.template.spec.as_ref())
        .is_some_and(|p| dbt_container(&p.containers).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cronjob() -> CronJob {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "dbt-marts", "namespace": "transformation", "uid": "u-1",
                "labels": {"team": "data"}},
            "spec": {"schedule": "*/10 * * * *", "jobTemplate": {
                "metadata": {"labels": {"app.kubernetes.io/name": "dbt"},
                    "annotations": {"sim.strata.dev/script": "exit=5s"}},
                "spec": {"backoffLimit": 0, "template": {"spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "1"]},
                        {"name": "dbt", "image": "ghcr.io/dbt-labs/dbt-postgres:1.9.0",
                         "command": ["dbt"], "args": ["build", "--select", "marts"]}]}}}}}
        }))
        .unwrap()
    }

    #[test]
    fn the_job_is_what_kubectl_create_job_from_cronjob_makes() {
        let job = job_from_cronjob(&cronjob(), "dbt-marts-manual-x2k9p").unwrap();
        let json = serde_json::to_value(&job).unwrap();
        assert_eq!(json["metadata"]["name"], "dbt-marts-manual-x2k9p");
        assert_eq!(json["metadata"]["namespace"], "transformation");
        assert_eq!(
            json["metadata"]["annotations"],
            serde_json::json!({"cronjob.kubernetes.io/instantiate": "manual",
                "sim.strata.dev/script": "exit=5s"})
        );
        // The template's labels, not the CronJob's own.
        assert_eq!(
            json["metadata"]["labels"],
            serde_json::json!({"app.kubernetes.io/name": "dbt"})
        );
        assert_eq!(
            json["metadata"]["ownerReferences"],
            serde_json::json!([{"apiVersion": "batch/v1", "kind": "CronJob",
                "name": "dbt-marts", "uid": "u-1", "controller": true}])
        );
        assert_eq!(json["spec"]["backoffLimit"], 0);
    }

    #[test]
    fn a_typed_command_replaces_the_dbt_containers_only() {
        let mut job = job_from_cronjob(&cronjob(), "x").unwrap();
        let command = DbtCommand::parse("dbt build --select orders+ --full-refresh").unwrap();
        assert!(set_dbt_command(&mut job, &command));
        let pod = job.spec.unwrap().template.spec.unwrap();
        assert_eq!(
            pod.containers[0].command.as_deref().unwrap(),
            ["sleep", "1"]
        );
        assert_eq!(pod.containers[1].command.as_deref().unwrap(), ["dbt"]);
        assert_eq!(
            pod.containers[1].args.as_deref().unwrap(),
            ["build", "--select", "orders+", "--full-refresh"]
        );
        assert_eq!(
            template_dbt_command(&cronjob()).as_deref(),
            Some("dbt build --select marts")
        );
    }

    #[test]
    fn dbt_is_known_by_image_or_command() {
        let container = |image: &str, command: &[&str]| Container {
            name: "c".into(),
            image: Some(image.into()),
            command: Some(command.iter().map(|s| s.to_string()).collect()),
            ..Container::default()
        };
        assert!(runs_dbt(&container(
            "ghcr.io/dbt-labs/dbt-snowflake:1.8",
            &[]
        )));
        assert!(runs_dbt(&container("acme/dbt:2", &[])));
        assert!(runs_dbt(&container(
            "acme/analytics:1",
            &["/bin/sh", "-c", "dbt deps && dbt run"]
        )));
        assert!(!runs_dbt(&container("acme/dbtools:1", &["python", "x.py"])));
        let mut no_dbt = cronjob();
        let pod = no_dbt
            .spec
            .as_mut()
            .unwrap()
            .job_template
            .spec
            .as_mut()
            .unwrap();
        pod.template.spec.as_mut().unwrap().containers.remove(1);
        assert!(!cronjob_runs_dbt(&no_dbt));
        assert_eq!(template_dbt_command(&no_dbt), None);
    }

    #[test]
    fn names_are_unique_and_fit_a_label() {
        let a = name_suffix();
        let b = name_suffix();
        assert_eq!(a.len(), 5);
        assert_ne!(a, b);
        assert_eq!(
            manual_job_name("dbt-marts", "x2k9p"),
            "dbt-marts-manual-x2k9p"
        );
        let long = manual_job_name(&"a".repeat(80), "x2k9p");
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("-manual-x2k9p"));
    }
}
