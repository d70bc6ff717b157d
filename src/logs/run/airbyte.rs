//! Airbyte jobs from the job pod's containers: the replication orchestrator's platform lines
//! (`start sync worker. job id: … attempt id: …`, `Records read: N (size)`, `Total records
//! read`, the `sync summary: {…}` and `failures: [ {…} ]` blocks with `failureOrigin`,
//! `externalMessage`, `internalMessage`, SIGTERM cancellation, exception lines) and the
//! connectors' Airbyte protocol messages (`TRACE` errors and stream statuses, `LOG` errors,
//! `CONNECTION_STATUS` of check pods).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Failure, Outcome, RunDecoder, RunProgress, one_line};
use crate::logs::line::{Format, Level, LogLine};
use crate::logs::sanitize::plain_text;
use crate::tools::airbyte::model::{human_bytes, thousands};

/// A connector's error trace (`{"type":"TRACE","trace":{"type":"ERROR",…}}`).
#[derive(Clone, Debug, Default)]
struct ConnectorError {
    message: String,
    internal: String,
    /// `source`/`destination`, guessed from the stack trace (the trace does not say).
    origin: Option<&'static str>,
}

/// One entry of the orchestrator's `failures: [ … ]`.
#[derive(Clone, Debug, Default)]
struct PlatformFailure {
    origin: String,
    external: String,
    internal: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Reading {
    #[default]
    Lines,
    /// Inside `sync summary: {` … `}`.
    Summary,
    /// Inside `failures: [ {` … `} ]`.
    Failures,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum JobKind {
    #[default]
    Sync,
    Check,
}

/// Follows one Airbyte job pod (all its containers' lines, in any interleaving).
#[derive(Debug, Default)]
pub struct AirbyteDecoder {
    kind: JobKind,
    job: Option<String>,
    attempt: Option<u64>,
    records: Option<u64>,
    bytes: Option<u64>,
    /// From the sync summary, which wins over the running counts.
    synced_records: Option<u64>,
    synced_bytes: Option<u64>,
    status: Option<String>,
    reading: Reading,
    failures: Vec<PlatformFailure>,
    connector_errors: Vec<ConnectorError>,
    /// Error-level connector LOG messages and platform exception lines.
    error_lines: Vec<String>,
    /// Stream name → last status (`STARTED`, `RUNNING`, `COMPLETE`, `INCOMPLETE`).
    streams: BTreeMap<String, String>,
    cancelled: bool,
    check: Option<(bool, Option<String>)>,
    /// From the connectors' own lines, for when the orchestrator's are not in the log.
    source_records: u64,
    committed_records: u64,
    flushed_records: u64,
    flushed_bytes: u64,
}

/// The message part of a platform line: after `Class(method):42 - `.
fn platform_message(text: &str) -> &str {
    text.split_once(" - ").map_or(text, |(_, m)| m)
}

/// `10 MB` → bytes (Airbyte prints sizes with FileUtils' binary units).
fn parse_size(s: &str) -> Option<u64> {
    let mut words = s.split_whitespace();
    let n: f64 = words.next()?.parse().ok()?;
    let unit = words.next().unwrap_or("bytes").trim_end_matches(')');
    let mult: f64 = match unit.to_ascii_uppercase().as_str() {
        "B" | "BYTES" => 1.0,
        "KB" | "KIB" => 1024.0,
        "MB" | "MIB" => 1024.0 * 1024.0,
        "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        "TB" | "TIB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// `Records read: 25012 (10 MB)` → (25012, 10 MiB).
fn records_and_size(rest: &str) -> Option<(u64, Option<u64>)> {
    let rest = rest.trim();
    let (n, size) = match rest.split_once(" (") {
        Some((n, size)) => (n, parse_size(size)),
        None => (rest, None),
    };
    Some((n.trim().replace(',', "").parse().ok()?, size))
}

/// `"key" : value,` from a pretty-printed JSON line.
fn json_pair(line: &str) -> Option<(String, Value)> {
    let line = line.trim().trim_end_matches(',');
    let (k, v) = line.split_once(" : ").or_else(|| line.split_once(": "))?;
    let key: String = serde_json::from_str(k.trim()).ok()?;
    let value: Value = serde_json::from_str(v.trim()).ok()?;
    Some((key, value))
}

/// Messages that only say "look at the logs".
fn is_generic(message: &str) -> bool {
    message.is_empty()
        || message.contains("Something went wrong")
        || message.contains("See the logs")
}

/// The user-facing message, with the internal one when it adds something (the host a
/// connection was refused by, which the user-facing text leaves out).
fn combine(message: &str, internal: &str) -> String {
    if is_generic(message) {
        return if internal.is_empty() {
            message.to_string()
        } else {
            internal.to_string()
        };
    }
    // `x.y.SomeException: detail` adds nothing when the message already holds the detail.
    let detail = internal
        .split_once(": ")
        .filter(|(class, _)| !class.contains(' '))
        .map_or(internal, |(_, d)| d);
    if internal.is_empty() || message.contains(detail) || message.contains(internal) {
        message.to_string()
    } else {
        format!("{message} — {internal}")
    }
}

impl AirbyteDecoder {
    fn protocol(&mut self, v: &Value) -> bool {
        let Some(kind) = v["type"].as_str() else {
            return false;
        };
        match kind {
            "TRACE" => {
                let trace = &v["trace"];
                match trace["type"].as_str() {
                    Some("ERROR") => {
                        let e = &trace["error"];
                        let text = |k: &str| one_line(&plain_text(e[k].as_str().unwrap_or("")));
                        let stack = e["stack_trace"].as_str().unwrap_or("").to_ascii_lowercase();
                        let origin = if stack.contains("source") {
                            Some("source")
                        } else if stack.contains("destination") || stack.contains(".load.") {
                            Some("destination")
                        } else {
                            None
                        };
                        self.connector_errors.push(ConnectorError {
                            message: text("message"),
                            internal: text("internal_message"),
                            origin,
                        });
                    }
                    Some("STREAM_STATUS") => {
                        let s = &trace["stream_status"];
                        if let (Some(name), Some(status)) = (
                            s["stream_descriptor"]["name"].as_str(),
                            s["status"].as_str(),
                        ) {
                            self.streams.insert(plain_text(name), status.to_string());
                        }
                    }
                    _ => {}
                }
            }
            "LOG" => {
                let level = v["log"]["level"].as_str().unwrap_or("");
                let message = v["log"]["message"].as_str().unwrap_or("");
                if matches!(level, "ERROR" | "FATAL") {
                    self.error_lines.push(one_line(&plain_text(message)));
                } else if let Some(rest) = message.strip_prefix("Flushing ")
                    && let Some(n) = rest.split(' ').next().and_then(|w| w.parse::<u64>().ok())
                {
                    // Destinations: `Flushing 5000 records (2 MB) to stream public.orders`.
                    self.flushed_records += n;
                    let size = rest.split_once(" (").and_then(|(_, s)| s.split(')').next());
                    self.flushed_bytes += size.and_then(parse_size).unwrap_or(0);
                }
            }
            // Per-state record counts: what the source emitted and the destination committed
            // since the previous state.
            "STATE" => {
                let state = &v["state"];
                if let Some(n) = state["sourceStats"]["recordCount"].as_f64() {
                    self.source_records += n as u64;
                }
                if let Some(n) = state["destinationStats"]["recordCount"].as_f64() {
                    self.committed_records += n as u64;
                }
            }
            "CONNECTION_STATUS" => {
                self.kind = JobKind::Check;
                let s = &v["connectionStatus"];
                let ok = s["status"].as_str() == Some("SUCCEEDED");
                let message = s["message"].as_str().map(|m| one_line(&plain_text(m)));
                self.check = Some((ok, message));
            }
            _ => {}
        }
        true
    }

    fn platform(&mut self, text: &str, level: Level) {
        // A platform line (it starts with its date) ends a block whose end was lost.
        if self.reading != Reading::Lines && text.starts_with(|c: char| c.is_ascii_digit()) {
            self.reading = Reading::Lines;
        }
        match self.reading {
            Reading::Summary => {
                if text.trim_end() == "}" {
                    self.reading = Reading::Lines;
                } else if let Some((k, v)) = json_pair(text) {
                    match k.as_str() {
                        "status" if self.status.is_none() => {
                            self.status = v.as_str().map(str::to_string);
                        }
                        "recordsSynced" => self.synced_records = self.synced_records.or(v.as_u64()),
                        "bytesSynced" => self.synced_bytes = self.synced_bytes.or(v.as_u64()),
                        _ => {}
                    }
                }
                return;
            }
            Reading::Failures => {
                let t = text.trim();
                if t.starts_with("}, {") {
                    self.failures.push(PlatformFailure::default());
                } else if t.starts_with('}') {
                    self.reading = Reading::Lines;
                } else if let Some((k, v)) = json_pair(text)
                    && let Some(s) = v.as_str()
                    && let Some(f) = self.failures.last_mut()
                {
                    let s = one_line(&plain_text(s));
                    match k.as_str() {
                        "failureOrigin" => f.origin = s,
                        "externalMessage" => f.external = s,
                        "internalMessage" => f.internal = s,
                        _ => {}
                    }
                }
                return;
            }
            Reading::Lines => {}
        }
        let msg = platform_message(text);
        if let Some(rest) = msg.strip_prefix("start sync worker. job id: ") {
            // `start sync worker. job id: 1234 attempt id: 0`
            let mut words = rest.split_whitespace();
            self.job = words.next().map(str::to_string);
            if let Some(a) = rest.split("attempt id: ").nth(1) {
                self.attempt = a.trim().parse().ok();
            }
        } else if let Some(rest) = msg.strip_prefix("Records read: ") {
            if let Some((n, size)) = records_and_size(rest) {
                self.records = Some(self.records.map_or(n, |r| r.max(n)));
                if let Some(b) = size {
                    self.bytes = Some(self.bytes.map_or(b, |x| x.max(b)));
                }
            }
        } else if let Some(rest) = msg.strip_prefix("Total records read: ") {
            if let Some((n, size)) = records_and_size(rest) {
                self.records = Some(n);
                if size.is_some() {
                    self.bytes = size;
                }
            }
        } else if msg.trim_end().ends_with("sync summary: {") {
            self.reading = Reading::Summary;
        } else if let Some(rest) = msg.trim_end().strip_prefix("failures: [") {
            if rest.trim_start().starts_with('{') {
                self.failures.push(PlatformFailure::default());
                self.reading = Reading::Failures;
            }
        } else if msg.contains("Received SIGTERM") {
            self.cancelled = true;
        } else if level >= Level::Error {
            // `io.airbyte.workers.internal.exception.SourceException: Source process exited…`
            // and connector lines relayed as `source > …`.
            let t = text.trim();
            if !t.is_empty() && !t.starts_with("at ") {
                self.error_lines.push(one_line(platform_message(t)));
            }
        }
    }

    fn finished(&self) -> Option<Outcome> {
        if let Some((ok, _)) = &self.check {
            return Some(if *ok {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            });
        }
        match self.status.as_deref() {
            Some("completed") => Some(Outcome::Succeeded),
            Some(_) => Some(Outcome::Failed),
            None if self.cancelled => Some(Outcome::Failed),
            None => None,
        }
    }

    fn reason(&self) -> Option<String> {
        if let Some((false, message)) = &self.check {
            return Some(
                message
                    .clone()
                    .unwrap_or_else(|| "the connection check failed".to_string()),
            );
        }
        let origin = self
            .failures
            .iter()
            .map(|f| f.origin.as_str())
            .find(|o| !o.is_empty());
        // The connector's own error is the most specific; prefer the one from the side the
        // platform blames.
        let connector = origin
            .and_then(|o| self.connector_errors.iter().find(|e| e.origin == Some(o)))
            .or_else(|| self.connector_errors.first());
        if let Some(e) = connector {
            let text = combine(&e.message, &e.internal);
            return Some(match origin.or(e.origin) {
                Some(o) => format!("{o}: {text}"),
                None => text,
            });
        }
        if let Some(f) = self
            .failures
            .iter()
            .find(|f| !f.external.is_empty() || !f.internal.is_empty())
        {
            let text = combine(&f.external, &f.internal);
            return Some(if f.origin.is_empty() {
                text
            } else {
                format!("{}: {text}", f.origin)
            });
        }
        // An exception line says more than the line announcing it.
        let exception = self
            .error_lines
            .iter()
            .find(|l| l.contains("Exception: ") || l.contains("Error: "));
        if let Some(l) = exception.or(self.error_lines.first()) {
            return Some(l.clone());
        }
        if self.cancelled {
            return Some("cancelled: the replication received SIGTERM".to_string());
        }
        None
    }
}

impl RunDecoder for AirbyteDecoder {
    fn feed(&mut self, line: &LogLine) {
        if line.format == Format::Json
            && self.reading == Reading::Lines
            && let Ok(v) = serde_json::from_str::<Value>(&line.text)
            && self.protocol(&v)
        {
            return;
        }
        self.platform(&line.text, line.level);
    }

    fn progress(&self) -> RunProgress {
        let finished = self.finished();
        let nonzero = |n: u64| (n > 0).then_some(n);
        let committed = nonzero(self.committed_records.max(self.flushed_records));
        let records = self
            .synced_records
            .or(self.records)
            .or(nonzero(self.source_records))
            .or(committed);
        let bytes = self
            .synced_bytes
            .or(self.bytes)
            .or(nonzero(self.flushed_bytes));
        let streams_total = self.streams.len() as u64;
        let streams_done = self.streams.values().filter(|s| *s == "COMPLETE").count() as u64;
        let mut parts = vec![match self.kind {
            JobKind::Sync => "airbyte sync".to_string(),
            JobKind::Check => "airbyte check".to_string(),
        }];
        if let Some(j) = &self.job {
            match self.attempt {
                Some(a) => parts.push(format!("job {j} attempt {a}")),
                None => parts.push(format!("job {j}")),
            }
        }
        if let Some(r) = records {
            parts.push(format!("{} records", thousands(r)));
        }
        if let Some(b) = bytes {
            parts.push(human_bytes(b));
        }
        if let Some(c) = committed
            && Some(c) != records
        {
            parts.push(format!("{} committed", thousands(c)));
        }
        if streams_total > 0 {
            parts.push(format!("{streams_done} of {streams_total} streams"));
        }
        match finished {
            Some(Outcome::Succeeded) => parts.push("succeeded".to_string()),
            Some(Outcome::Failed) if self.cancelled && self.status.is_none() => {
                parts.push("cancelled".to_string())
            }
            Some(Outcome::Failed) => parts.push("failed".to_string()),
            None => {}
        }
        let reason = (finished == Some(Outcome::Failed))
            .then(|| self.reason())
            .flatten();
        let mut failures: Vec<Failure> = self
            .failures
            .iter()
            .filter(|f| !f.external.is_empty() || !f.internal.is_empty())
            .map(|f| Failure {
                what: if f.origin.is_empty() {
                    "replication".to_string()
                } else {
                    f.origin.clone()
                },
                error: combine(&f.external, &f.internal),
            })
            .collect();
        for e in &self.connector_errors {
            failures.push(Failure {
                what: e.origin.unwrap_or("connector").to_string(),
                error: combine(&e.message, &e.internal),
            });
        }
        if let Some((false, Some(m))) = &self.check {
            failures.push(Failure {
                what: "connection check".to_string(),
                error: m.clone(),
            });
        }
        RunProgress {
            headline: parts.join(" · "),
            done: (streams_total > 0).then_some(streams_done),
            total: (streams_total > 0).then_some(streams_total),
            failures,
            finished,
            reason,
            attempt: self.attempt,
            records,
            bytes,
            states: self.status.iter().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::parse_line;

    fn decode(lines: &[&str]) -> RunProgress {
        let mut d = AirbyteDecoder::default();
        for l in lines {
            for part in l.split('\n') {
                d.feed(&parse_line(0, part.as_bytes(), false));
            }
        }
        d.progress()
    }

    const P: &str = "2026-11-26 12:00:01,123 [pool-3-thread-1]\t\x1b[34mINFO\x1b[0;39m\ti.a.c.o.w.ReplicationWorker(run):140 - ";

    fn pl(msg: &str) -> String {
        format!("{P}{msg}")
    }

    #[test]
    fn sync_progress_from_the_orchestrator() {
        let start = pl("start sync worker. job id: 1234 attempt id: 0");
        let read = "2026-11-26 12:00:09,000 [pool-3-thread-3]\t\x1b[34mINFO\x1b[0;39m\ti.a.c.o.w.ReplicationWorkerHelper(processMessageFromSource):412 - Records read: 25012 (10 MB)";
        let p = decode(&[&start, read]);
        assert_eq!(p.finished, None);
        assert_eq!(p.records, Some(25_012));
        assert_eq!(p.bytes, Some(10 * 1024 * 1024));
        assert_eq!(p.attempt, Some(0));
        assert_eq!(
            p.headline,
            "airbyte sync · job 1234 attempt 0 · 25,012 records · 10.0 MiB"
        );
    }

    #[test]
    fn sync_progress_from_the_connectors_stats() {
        // Without the orchestrator's lines (only the connector containers followed).
        let state = |side: &str, n: u64| {
            format!(
                r#"{{"type":"STATE","state":{{"type":"STREAM","stream":{{"stream_descriptor":{{"name":"orders","namespace":"public"}},"stream_state":{{}}}},"{side}":{{"recordCount":{n}.0}}}}}}"#
            )
        };
        let flush = r#"{"type":"LOG","log":{"level":"INFO","message":"Flushing 5000 records (2 MB) to stream public.orders"}}"#;
        let p = decode(&[
            &state("sourceStats", 5000),
            &state("sourceStats", 5000),
            &state("destinationStats", 5000),
            flush,
        ]);
        assert_eq!(p.records, Some(10_000));
        assert_eq!(p.bytes, Some(2 * 1024 * 1024));
        assert_eq!(
            p.headline,
            "airbyte sync · 10,000 records · 2.0 MiB · 5,000 committed"
        );
    }

    #[test]
    fn completed_sync_from_the_summary() {
        let summary = format!(
            "{}\n  \"status\" : \"completed\",\n  \"recordsSynced\" : 40210,\n  \"bytesSynced\" : 16888200,\n  \"startTime\" : 1,\n  \"totalStats\" : {{\n    \"recordsCommitted\" : 40210\n  }}\n}}",
            pl("sync summary: {")
        );
        let p = decode(&[
            &pl("start sync worker. job id: 7 attempt id: 1"),
            &summary,
            &pl("failures: [ ]"),
        ]);
        assert_eq!(p.finished, Some(Outcome::Succeeded));
        assert_eq!(p.records, Some(40_210));
        assert_eq!(p.bytes, Some(16_888_200));
        assert!(p.failures.is_empty());
        assert_eq!(p.reason, None);
        assert!(p.headline.ends_with("· succeeded"), "{}", p.headline);
    }

    #[test]
    fn failed_sync_names_the_connector_error_with_its_origin() {
        let source_error = r#"{"type":"TRACE","trace":{"type":"ERROR","emitted_at":1764158400000.0,"error":{"message":"Could not connect with provided configuration. Connection refused","internal_message":"State code: 08001; Message: Connection to orders-db.ingestion:5432 refused.","stack_trace":"io.airbyte.commons.exceptions.ConnectionErrorException: State code: 08001\n\tat io.airbyte.cdk.integrations.source.jdbc.AbstractJdbcSource.read(AbstractJdbcSource.kt:205)\n","failure_type":"config_error"}}}"#;
        let stream = r#"{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1.0,"stream_status":{"stream_descriptor":{"name":"orders","namespace":"public"},"status":"INCOMPLETE"}}}"#;
        let started = r#"{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1.0,"stream_status":{"stream_descriptor":{"name":"customers","namespace":"public"},"status":"COMPLETE"}}}"#;
        let exception = format!(
            "{}\nio.airbyte.workers.internal.exception.SourceException: Source process exited with non-zero exit code 1\n\tat io.airbyte.container.orchestrator.worker.ReplicationWorkerHelper.getReplicationOutput(ReplicationWorkerHelper.kt:498)",
            "2026-11-26 12:00:30,000 [pool-3-thread-1]\t\x1b[1;31mERROR\x1b[0;39m\ti.a.c.o.w.ReplicationWorkerHelper(readFromSource):302 - readFromSource: exception caught"
        );
        let summary = format!(
            "{}\n  \"status\" : \"failed\",\n  \"recordsSynced\" : 5000,\n  \"bytesSynced\" : 2100000\n}}",
            pl("sync summary: {")
        );
        let failures = format!(
            "{}\n  \"failureOrigin\" : \"source\",\n  \"failureType\" : \"system_error\",\n  \"internalMessage\" : \"Source process exited with non-zero exit code 1\",\n  \"externalMessage\" : \"Something went wrong within the source connector\",\n  \"retryable\" : true\n}} ]",
            pl("failures: [ {")
        );
        let p = decode(&[
            started,
            source_error,
            stream,
            &exception,
            &summary,
            &failures,
        ]);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(
            p.reason.as_deref(),
            Some(
                "source: Could not connect with provided configuration. Connection refused — State code: 08001; Message: Connection to orders-db.ingestion:5432 refused."
            )
        );
        assert_eq!((p.done, p.total), (Some(1), Some(2)));
        assert_eq!(p.records, Some(5000));
        assert!(
            p.headline.ends_with("1 of 2 streams · failed"),
            "{}",
            p.headline
        );
        // The platform's own failure is listed too, with its internal message (the
        // external one only says to look at the logs).
        assert_eq!(p.failures[0].what, "source");
        assert_eq!(
            p.failures[0].error,
            "Source process exited with non-zero exit code 1"
        );
    }

    #[test]
    fn without_connector_traces_the_platform_failure_is_the_reason() {
        let failures = format!(
            "{}\n  \"failureOrigin\" : \"destination\",\n  \"internalMessage\" : \"Destination process exited with non-zero exit code 1\",\n  \"externalMessage\" : \"Something went wrong within the destination connector\"\n}} ]",
            pl("failures: [ {")
        );
        let summary = format!("{}\n  \"status\" : \"failed\"\n}}", pl("sync summary: {"));
        let p = decode(&[&summary, &failures]);
        assert_eq!(
            p.reason.as_deref(),
            Some("destination: Destination process exited with non-zero exit code 1")
        );
    }

    #[test]
    fn a_block_cut_short_does_not_swallow_the_log() {
        let cut = format!("{}\n  \"status\" : \"failed\",", pl("sync summary: {"));
        let read = pl("Records read: 5000 (2 MB)");
        let p = decode(&[&cut, &read]);
        assert_eq!(
            p.records,
            Some(5000),
            "the line after the cut block is read"
        );
        assert_eq!(p.finished, Some(Outcome::Failed));
    }

    #[test]
    fn sigterm_is_a_cancelled_run() {
        let line = "2026-11-26 12:00:30,000 [SIGTERM handler]\t\x1b[31mWARN\x1b[0;39m\ti.a.c.o.ReplicationOrchestrator(onShutdown):88 - Received SIGTERM, cancelling replication...";
        let p = decode(&[line]);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert!(p.headline.ends_with("· cancelled"), "{}", p.headline);
        assert_eq!(
            p.reason.as_deref(),
            Some("cancelled: the replication received SIGTERM")
        );
    }

    #[test]
    fn connection_check_pods() {
        let failed = r#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"State code: 08001; Message: Connection to orders-db.ingestion:5432 refused."}}"#;
        let p = decode(&[
            r#"{"type":"LOG","log":{"level":"INFO","message":"Begin connector operation"}}"#,
            failed,
        ]);
        assert_eq!(p.finished, Some(Outcome::Failed));
        assert_eq!(p.headline, "airbyte check · failed");
        assert_eq!(
            p.reason.as_deref(),
            Some("State code: 08001; Message: Connection to orders-db.ingestion:5432 refused.")
        );
        let ok = r#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}"#;
        assert_eq!(decode(&[ok]).finished, Some(Outcome::Succeeded));
    }

    #[test]
    fn sizes_and_numbers() {
        assert_eq!(parse_size("420 KB"), Some(420 * 1024));
        assert_eq!(parse_size("1 GB"), Some(1 << 30));
        assert_eq!(parse_size("12 bytes"), Some(12));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
