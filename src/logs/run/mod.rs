//! Run-aware reading of a run pod's log: a [`RunDecoder`] per tool follows the lines as they
//! arrive and answers how far the run got, what failed and why, in words for the viewer's
//! header and the run row (`dbt 6 of 9 · 1 error, 1 failing test`).

mod airbyte;
mod airflow;
mod dbt;

pub use airbyte::AirbyteDecoder;
pub use airflow::AirflowDecoder;
pub use dbt::DbtDecoder;

use super::line::LogLine;

/// How a finished run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// One thing that failed in a run: a dbt model or test, an Airflow task, an Airbyte
/// connector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// The model, test, task or connector.
    pub what: String,
    /// Its error message (may span lines, e.g. a SQL error with the offending line).
    pub error: String,
}

/// What a decoder knows about the run so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunProgress {
    /// One line for the viewer header and the run row.
    pub headline: String,
    /// Steps finished (dbt nodes, Airbyte streams) and how many there are, when known.
    pub done: Option<u64>,
    pub total: Option<u64>,
    pub failures: Vec<Failure>,
    /// None while the run is going (or its end is not in the log).
    pub finished: Option<Outcome>,
    /// Why a failed run failed, in one line, read from the log.
    pub reason: Option<String>,
    /// States in the order the log told them (Airflow: `queued`, `running`, `failed`).
    pub states: Vec<String>,
    /// Try (Airflow) or attempt (Airbyte) number, when the log says.
    pub attempt: Option<u64>,
    /// Records and bytes moved (Airbyte), when the log says.
    pub records: Option<u64>,
    pub bytes: Option<u64>,
}

/// Follows one run's log. Feed it every line of the run's containers in order; ask for
/// [`RunDecoder::progress`] whenever the view needs it.
pub trait RunDecoder {
    fn feed(&mut self, line: &LogLine);
    fn progress(&self) -> RunProgress;
}

/// The decoder for a tool's runs: `dbt`, `airflow`, `airbyte` (case-insensitive); None for
/// tools without one.
pub fn decoder_for(tool: &str) -> Option<Box<dyn RunDecoder + Send>> {
    let tool = tool.trim();
    if tool.eq_ignore_ascii_case("dbt") {
        Some(Box::new(DbtDecoder::default()))
    } else if tool.eq_ignore_ascii_case("airflow") {
        Some(Box::new(AirflowDecoder::default()))
    } else if tool.eq_ignore_ascii_case("airbyte") {
        Some(Box::new(AirbyteDecoder::default()))
    } else {
        None
    }
}

/// `1 error`, `2 errors`.
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A reason fit for one line: the first non-empty line, trimmed, cut at 300 characters.
fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders_exist_for_the_three_run_tools_only() {
        for tool in ["dbt", "Airflow", " airbyte "] {
            assert!(decoder_for(tool).is_some(), "{tool}");
        }
        for tool in ["dagster", "spark", ""] {
            assert!(decoder_for(tool).is_none(), "{tool}");
        }
        let d = decoder_for("dbt").unwrap();
        assert_eq!(d.progress().finished, None);
    }

    #[test]
    fn one_line_keeps_the_first_line_and_bounds_it() {
        assert_eq!(one_line("\n  first  \nsecond"), "first");
        let long = "é".repeat(400);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), 301);
        assert!(cut.ends_with('…'));
    }
}
