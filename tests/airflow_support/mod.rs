//! What the Airflow tests share: finding the cached Airflow 3 venv and the OpenAPI specs that
//! `scripts/fetch-airflow.sh` provides, and skipping loudly (failing under `CI`) when they
//! cannot be had.

// Each integration-test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// The venv with Airflow 3 and the folder with `v1.yaml`, `v2.yaml`, `v2-auth.yaml`.
#[derive(Clone, Debug)]
pub struct AirflowKit {
    pub venv: PathBuf,
    pub specs: PathBuf,
}

pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Says why a test does not run: `SKIPPED: ...` on stderr (not captured by libtest), or a
/// panic under CI, where a green run must mean the real Airflow was used.
pub fn skip(reason: &str) {
    if in_ci() {
        panic!("CI requires the real Airflow: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// From `STRATA_AIRFLOW_VENV` / `STRATA_AIRFLOW_SPECS` (what `scripts/test.sh` exports), else
/// by running `scripts/fetch-airflow.sh` (instant when its cache is warm). `None` after
/// [`skip`] when Airflow cannot be had here.
pub fn airflow_kit() -> Option<AirflowKit> {
    let from_env = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let (Some(venv), Some(specs)) = (
        from_env("STRATA_AIRFLOW_VENV"),
        from_env("STRATA_AIRFLOW_SPECS"),
    ) {
        return Some(AirflowKit { venv, specs });
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-airflow.sh");
    let output = match Command::new("bash").arg(&script).output() {
        Ok(output) => output,
        Err(e) => {
            skip(&format!("cannot run {}: {e}", script.display()));
            return None;
        }
    };
    match output.status.code() {
        Some(0) => {}
        Some(3) => {
            skip(&format!(
                "Airflow is not available here (scripts/fetch-airflow.sh exit 3): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
            return None;
        }
        other => panic!(
            "scripts/fetch-airflow.sh failed ({other:?}): {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("scripts/fetch-airflow.sh printed no {key}: {stdout}"))
    };
    Some(AirflowKit {
        venv: value("STRATA_AIRFLOW_VENV"),
        specs: value("STRATA_AIRFLOW_SPECS"),
    })
}
