//! Headless subcommands beside the cockpit (`strata runs`, `strata logs`, `strata trigger`,
//! `strata rollback`, `strata upgrade`, `strata security`,
//! `strata bundle`): the same cache,
//! layers feed and log following, printed for scripts and runbooks.

pub mod bundle;
pub mod helm_step;
pub mod incident;
pub mod logs;
pub mod prompt;
pub mod rollback;
pub mod runs;
pub mod security;
pub mod trigger;
pub mod trigger_airbyte;
pub mod trigger_airflow;
pub mod upgrade;

use chrono::Duration;

use crate::cluster::ClusterError;
use crate::cluster::layers::LayersError;
use crate::stack::RulesError;

/// Exit code when the command could not do its work.
pub const EXIT_ERROR: i32 = 2;

/// Why a headless command could not run; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Layers(#[from] LayersError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{what} {value:?} is not valid; expected {expected}")]
    Argument {
        what: String,
        value: String,
        expected: String,
    },
    #[error("{0}")]
    Target(String),
}

/// `30s`, `15m`, `2h`, `1d` (a bare number is seconds).
pub fn parse_age(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: i64 = number.parse().ok()?;
    Some(match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl_since() {
        assert_eq!(parse_age("90"), Some(Duration::seconds(90)));
        assert_eq!(parse_age("15m"), Some(Duration::minutes(15)));
        assert_eq!(parse_age("2h"), Some(Duration::hours(2)));
        assert_eq!(parse_age("1d"), Some(Duration::days(1)));
        assert_eq!(parse_age("1w"), None);
        assert_eq!(parse_age("m"), None);
    }
}
