//! Scripted pod behaviour: how a simulated container starts, runs and ends. Pods carry the
//! script in the annotation [`SCRIPT_ANNOTATION`] (copied from Job/Deployment templates), so a
//! test or scenario can create a pod that succeeds, fails, crash-loops or never pulls its image.
//!
//! Format: comma-separated settings, e.g. `start=2s,exit=30s,code=1` or `crashloop=5s` or
//! `pull-error`; `external` means something else writes the pod's status (the benchmark
//! churn, see [`crate::churn`]) and the kubelet leaves it alone. Durations take `ms`, `s`, `m`
//! or `h` suffixes (bare numbers are seconds).
//!
//! Two settings shape the log rather than the lifecycle:
//!
//! - `log-rate=250`: every (non-init) container writes exactly that many lines a second,
//!   evenly spaced, instead of its tool's log — mixed plain, JSON and logfmt lines with levels,
//!   some long lines and an occasional ANSI-coloured one — for log viewer benchmarks (20 pods at
//!   250 = 5,000 lines a second).
//! - `fail-in=NAME`: where a failing run fails, for the tools whose log can say: the Airbyte
//!   container (`source` or `destination`) or the dbt node (a model or test name). Ignored when
//!   the run succeeds or the name means nothing to the tool.

use std::time::Duration;

/// Annotation key holding a [`PodScript`].
pub const SCRIPT_ANNOTATION: &str = "sim.strata.dev/script";

/// What a simulated pod's containers do over time.
#[derive(Clone, Debug, PartialEq)]
pub struct PodScript {
    /// Delay from scheduling to containers running (image pull, start-up).
    pub start_after: Duration,
    /// Extra delay after starting before the readiness probe passes.
    pub ready_after: Duration,
    /// When set, the main container exits this long after it starts.
    pub exit_after: Option<Duration>,
    /// Exit code used when the container exits.
    pub exit_code: i32,
    /// Exit with code 1 after this long, every time it (re)starts: CrashLoopBackOff with
    /// restartPolicy Always.
    pub crashloop: Option<Duration>,
    /// The image never pulls: ErrImagePull then ImagePullBackOff.
    pub pull_error: bool,
    /// Running but never Ready (failing readiness probe).
    pub never_ready: bool,
    /// Driven from outside the simulated kubelet (the churn generator of benchmarks writes
    /// its status): the kubelet leaves the pod alone.
    pub external: bool,
    /// When set, only this fraction of pods (chosen by a hash of the pod's name) exits with
    /// `exit_code`; the others exit 0. Makes CronJob runs fail sometimes, not always.
    pub fail_ratio: Option<f64>,
    /// Lines a second every container writes instead of its tool's log (`log-rate=N`).
    pub log_rate: Option<f64>,
    /// Where a failing run fails (`fail-in=NAME`: a container or a dbt node).
    pub fail_in: Option<String>,
}

/// The highest `log-rate` accepted: beyond it one simulated pod would cost more than a
/// benchmark of many pods should.
pub const MAX_LOG_RATE: f64 = 100_000.0;

impl Default for PodScript {
    fn default() -> Self {
        PodScript {
            start_after: Duration::from_secs(1),
            ready_after: Duration::ZERO,
            exit_after: None,
            exit_code: 0,
            crashloop: None,
            pull_error: false,
            never_ready: false,
            external: false,
            fail_ratio: None,
            log_rate: None,
            fail_in: None,
        }
    }
}

/// A script annotation that could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("bad {SCRIPT_ANNOTATION} setting {setting:?}: {why}")]
pub struct ScriptError {
    pub setting: String,
    pub why: String,
}

impl PodScript {
    /// Parses the annotation text; unknown settings are errors so typos are not silent.
    pub fn parse(text: &str) -> Result<PodScript, ScriptError> {
        let mut s = PodScript::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            let err = |why: &str| ScriptError {
                setting: part.to_string(),
                why: why.to_string(),
            };
            let dur = || -> Result<Duration, ScriptError> {
                parse_duration(value.ok_or_else(|| err("needs a duration"))?)
                    .ok_or_else(|| err("not a duration like 500ms, 5s, 2m, 1h"))
            };
            match key {
                "start" => s.start_after = dur()?,
                "ready" => s.ready_after = dur()?,
                "exit" => s.exit_after = Some(dur()?),
                "code" => {
                    s.exit_code = value
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| err("needs an integer exit code"))?
                }
                "crashloop" => s.crashloop = Some(dur()?),
                "pull-error" => s.pull_error = true,
                "unready" => s.never_ready = true,
                "external" => s.external = true,
                "fail-ratio" => {
                    let r: f64 = value
                        .and_then(|v| v.parse().ok())
                        .filter(|r: &f64| (0.0..=1.0).contains(r))
                        .ok_or_else(|| err("needs a fraction between 0 and 1"))?;
                    s.fail_ratio = Some(r);
                }
                "log-rate" => {
                    let r: f64 = value
                        .and_then(|v| v.parse().ok())
                        .filter(|r: &f64| *r > 0.0 && *r <= MAX_LOG_RATE)
                        .ok_or_else(|| {
                            err(&format!(
                                "needs lines per second above 0 and at most {MAX_LOG_RATE}"
                            ))
                        })?;
                    s.log_rate = Some(r);
                }
                "fail-in" => {
                    let name = value
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| err("needs a container or step name"))?;
                    s.fail_in = Some(name.to_string());
                }
                _ => return Err(err("unknown setting")),
            }
        }
        Ok(s)
    }

    /// The script of a pod object (default when the annotation is absent or unreadable).
    pub fn of_pod(pod: &serde_json::Value) -> PodScript {
        let mut script: PodScript = pod["metadata"]["annotations"][SCRIPT_ANNOTATION]
            .as_str()
            .and_then(|t| PodScript::parse(t).ok())
            .unwrap_or_default();
        if let Some(ratio) = script.fail_ratio {
            let name = pod["metadata"]["name"].as_str().unwrap_or_default();
            if name_fraction(name) >= ratio {
                script.exit_code = 0;
            }
        }
        script
    }

    /// The exit this script ends in, if any: (after how long running, exit code).
    pub fn ending(&self) -> Option<(Duration, i32)> {
        if let Some(d) = self.crashloop {
            return Some((d, 1));
        }
        self.exit_after.map(|d| (d, self.exit_code))
    }
}

/// A stable fraction in [0, 1) from a name (FNV-1a).
fn name_fraction(name: &str) -> f64 {
    let h = super::ids::fnv1a(name.bytes());
    (h % 10_000) as f64 / 10_000.0
}

/// Parses `500ms`, `5s`, `2m`, `1h` or a bare number of seconds (fractions allowed).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (num, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = num.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings() {
        let s = PodScript::parse("start=2s, exit=1.5m ,code=2").unwrap();
        assert_eq!(s.start_after, Duration::from_secs(2));
        assert_eq!(s.exit_after, Some(Duration::from_secs(90)));
        assert_eq!(s.ending(), Some((Duration::from_secs(90), 2)));
        let c = PodScript::parse("crashloop=500ms,pull-error,unready").unwrap();
        assert_eq!(c.ending(), Some((Duration::from_millis(500), 1)));
        assert!(c.pull_error && c.never_ready);
        assert!(!c.external);
        assert!(PodScript::parse("external").unwrap().external);
    }

    #[test]
    fn fail_ratio_fails_some_pods_only() {
        let pod = |name: &str| serde_json::json!({"metadata": {"name": name, "annotations": {SCRIPT_ANNOTATION: "exit=5s,code=1,fail-ratio=0.3"}}});
        let codes: Vec<i32> = (0..200)
            .map(|i| PodScript::of_pod(&pod(&format!("dbt-{i}"))).exit_code)
            .collect();
        let failed = codes.iter().filter(|c| **c == 1).count();
        assert!((30..90).contains(&failed), "{failed} of 200 failed");
        assert_eq!(
            PodScript::of_pod(&pod("dbt-7")).exit_code,
            PodScript::of_pod(&pod("dbt-7")).exit_code
        );
        assert!(PodScript::parse("fail-ratio=2").is_err());
    }

    #[test]
    fn log_settings_parse() {
        let s = PodScript::parse("log-rate=250,fail-in=destination").unwrap();
        assert_eq!(s.log_rate, Some(250.0));
        assert_eq!(s.fail_in.as_deref(), Some("destination"));
        assert_eq!(
            PodScript::parse("log-rate=0.5").unwrap().log_rate,
            Some(0.5)
        );
        for bad in [
            "log-rate=0",
            "log-rate=-3",
            "log-rate=lots",
            "log-rate=1e9",
            "fail-in=",
        ] {
            assert!(PodScript::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_typos_and_bad_values() {
        assert_eq!(
            PodScript::parse("exti=3s").unwrap_err().why,
            "unknown setting"
        );
        assert!(PodScript::parse("exit=soon").is_err());
        assert!(PodScript::parse("code=x").is_err());
        assert!(PodScript::parse("exit=-1s").is_err());
    }
}
