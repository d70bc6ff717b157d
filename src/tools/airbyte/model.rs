//! What Airbyte's public API v1 answers, as Strata reads it: connections, sync jobs and their
//! statuses, the application token. Unknown fields are ignored and a status this version does
//! not know is kept as text, so a newer Airbyte does not break the client.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// `POST /api/public/v1/applications/token`'s answer.
#[derive(Clone, Debug, Deserialize)]
pub struct Token {
    pub access_token: String,
    /// Seconds the token lives (Airbyte's are minutes); absent means unknown.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// One connection (a source, a destination and what flows between them).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub connection_id: String,
    pub name: String,
    /// `active`, `inactive` or `deprecated`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub schedule: Option<Schedule>,
}

/// When a connection syncs by itself.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// `manual`, `cron` or `basic`.
    pub schedule_type: String,
    #[serde(default)]
    pub cron_expression: Option<String>,
}

impl Schedule {
    /// `manual`, `cron 0 0 * * * ?`.
    pub fn describe(&self) -> String {
        match &self.cron_expression {
            Some(cron) if self.schedule_type == "cron" => format!("cron {cron}"),
            _ => self.schedule_type.clone(),
        }
    }
}

/// A page of a list: `data`, and `next` (a URL) when there is more.
#[derive(Clone, Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

/// A job's status, as the public API spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Queued,
    Running,
    /// An attempt failed and Airbyte will try again, or gave up part way.
    Incomplete,
    Failed,
    Succeeded,
    Cancelled,
    /// A status this version of Strata does not know.
    Other(String),
}

impl JobStatus {
    pub fn parse(text: &str) -> JobStatus {
        match text {
            "pending" => JobStatus::Pending,
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "incomplete" => JobStatus::Incomplete,
            "failed" => JobStatus::Failed,
            "succeeded" => JobStatus::Succeeded,
            "cancelled" => JobStatus::Cancelled,
            other => JobStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Incomplete => "incomplete",
            JobStatus::Failed => "failed",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Other(text) => text,
        }
    }

    /// The job will not change any more. `incomplete` is not: in Airbyte's job model it is
    /// the status between a failed attempt and the next one.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Failed | JobStatus::Succeeded | JobStatus::Cancelled
        )
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(JobStatus::parse(&String::deserialize(deserializer)?))
    }
}

/// One job of a connection: a sync (or a reset, refresh, clear) and how far it got.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub job_id: i64,
    pub status: JobStatus,
    /// `sync`, `reset`, `refresh`, `clear`.
    #[serde(default)]
    pub job_type: String,
    #[serde(default)]
    pub connection_id: Option<String>,
    /// ISO 8601, as Airbyte writes it.
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub last_updated_at: Option<String>,
    /// ISO 8601 duration (`PT1M23S`).
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub bytes_synced: Option<u64>,
    #[serde(default)]
    pub rows_synced: Option<u64>,
}

impl Job {
    /// The name Airbyte's workload launcher gives the first attempt's replication pod.
    pub fn replication_pod(&self) -> String {
        format!("replication-job-{}-attempt-0", self.job_id)
    }

    /// `1m 23s, 12,345 rows, 4.9 MiB`: what a finished sync moved, the parts Airbyte reported.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(took) = self.duration.as_deref().and_then(parse_iso_duration) {
            parts.push(human_duration(took));
        }
        if let Some(rows) = self.rows_synced {
            parts.push(format!("{} rows", thousands(rows)));
        }
        if let Some(bytes) = self.bytes_synced {
            parts.push(human_bytes(bytes));
        }
        parts.join(", ")
    }
}

/// Reads an ISO 8601 duration as Airbyte writes it (`PT1H2M3.5S`, `P1DT2H`); `None` when it is
/// not one. Years and months have no fixed length and are refused.
pub fn parse_iso_duration(text: &str) -> Option<Duration> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut seconds = 0f64;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let scale = units.iter().find(|(u, _)| *u == c)?.1;
            seconds += number.parse::<f64>().ok()? * scale;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    add(date, &[('D', 86_400.0), ('W', 604_800.0)])?;
    if let Some(time) = time {
        add(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    (any && seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// `45s`, `1m 23s`, `2h 5m`.
pub fn human_duration(took: Duration) -> String {
    let secs = took.as_secs();
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// `512 B`, `4.9 MiB`: what a sync moved (also the log decoder's words for it).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_as_the_public_api_writes_it() {
        let job: Job = serde_json::from_str(
            r#"{"jobId": 30001, "status": "succeeded", "jobType": "sync",
                "startTime": "2026-12-05T07:00:00Z", "connectionId": "c-1",
                "lastUpdatedAt": "2026-12-05T07:01:23Z", "duration": "PT1M23S",
                "bytesSynced": 5120000, "rowsSynced": 12345, "extra": true}"#,
        )
        .unwrap();
        assert_eq!(job.status, JobStatus::Succeeded);
        assert!(job.status.is_terminal());
        assert_eq!(job.replication_pod(), "replication-job-30001-attempt-0");
        assert_eq!(job.summary(), "1m 23s, 12,345 rows, 4.9 MiB");
        // A fresh job has no counts yet.
        let pending: Job =
            serde_json::from_str(r#"{"jobId": 1, "status": "pending", "jobType": "sync"}"#)
                .unwrap();
        assert_eq!(pending.summary(), "");
        assert!(!pending.status.is_terminal());
    }

    #[test]
    fn every_documented_status_is_known_and_others_are_kept() {
        for text in [
            "pending",
            "queued",
            "running",
            "incomplete",
            "failed",
            "succeeded",
            "cancelled",
        ] {
            let status = JobStatus::parse(text);
            assert!(!matches!(status, JobStatus::Other(_)), "{text}");
            assert_eq!(status.to_string(), text);
        }
        assert!(!JobStatus::Incomplete.is_terminal());
        assert!(JobStatus::Cancelled.is_terminal());
        assert_eq!(
            JobStatus::parse("paused"),
            JobStatus::Other("paused".into())
        );
    }

    #[test]
    fn iso_durations() {
        let secs = |t: &str| parse_iso_duration(t).map(|d| d.as_secs_f64());
        assert_eq!(secs("PT0S"), Some(0.0));
        assert_eq!(secs("PT1M23S"), Some(83.0));
        assert_eq!(secs("PT1H2M3.5S"), Some(3723.5));
        assert_eq!(secs("P1DT2H"), Some(93_600.0));
        assert_eq!(secs("P1Y"), None);
        assert_eq!(secs("PT"), None);
        assert_eq!(secs("83"), None);
        assert_eq!(secs("PT5"), None);
    }

    #[test]
    fn human_numbers() {
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(human_duration(Duration::from_secs(3723)), "1h 2m");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(4_100_000), "3.9 MiB");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn connections_and_schedules() {
        let page: Page<Connection> = serde_json::from_str(
            r#"{"data": [{"connectionId": "c-1", "name": "Stripe → ClickHouse",
                "status": "active", "sourceId": "s",
                "schedule": {"scheduleType": "cron", "cronExpression": "0 0 * * * ?"}}],
                "next": null, "previous": null}"#,
        )
        .unwrap();
        let connection = &page.data[0];
        assert_eq!(connection.name, "Stripe → ClickHouse");
        assert_eq!(
            connection.schedule.as_ref().map(Schedule::describe),
            Some("cron 0 0 * * * ?".into())
        );
        assert!(page.next.is_none());
    }
}
