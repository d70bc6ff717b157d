//! The events of the bundle's window, grouped by object and reason (a crash loop's hundred
//! `BackOff` events are one line with a count), Warning groups first, newest first within.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use strata_common::json::{str_at, time_at};
use strata_common::text::sanitize;

/// Distinct messages kept per group: the rest only count.
const MESSAGES_PER_GROUP: usize = 5;

/// Events about one object for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventGroup {
    /// `Warning` or `Normal`.
    #[serde(rename = "type")]
    pub kind: String,
    pub namespace: String,
    /// `Pod/superset-7d9f…`.
    pub object: String,
    pub reason: String,
    /// Occurrences (each event's `count`, summed).
    pub count: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub messages: Vec<String>,
}

/// When an event last happened (core/v1 `lastTimestamp`, events.k8s.io `eventTime` or its
/// series, else when it was first seen or created).
pub fn last_seen(event: &Value) -> Option<DateTime<Utc>> {
    time_at(event, &["lastTimestamp"])
        .or_else(|| time_at(event, &["series", "lastObservedTime"]))
        .or_else(|| time_at(event, &["eventTime"]))
        .or_else(|| time_at(event, &["firstTimestamp"]))
        .or_else(|| time_at(event, &["metadata", "creationTimestamp"]))
}

/// The events last seen at or after `since`, grouped; Warning groups first, then the newest.
pub fn group(events: &[Value], since: DateTime<Utc>) -> Vec<EventGroup> {
    let mut groups: BTreeMap<(String, String, String, String), EventGroup> = BTreeMap::new();
    for event in events {
        let Some(last) = last_seen(event) else {
            continue;
        };
        if last < since {
            continue;
        }
        let kind = str_at(event, &["type"]).to_string();
        let namespace = str_at(event, &["involvedObject", "namespace"]).to_string();
        let namespace = if namespace.is_empty() {
            str_at(event, &["metadata", "namespace"]).to_string()
        } else {
            namespace
        };
        let object = format!(
            "{}/{}",
            str_at(event, &["involvedObject", "kind"]),
            str_at(event, &["involvedObject", "name"])
        );
        let reason = str_at(event, &["reason"]).to_string();
        let first = time_at(event, &["firstTimestamp"])
            .or_else(|| time_at(event, &["eventTime"]))
            .unwrap_or(last);
        let count = event["count"].as_u64().unwrap_or(1).max(1);
        let message = sanitize(str_at(event, &["message"]).trim()).into_owned();
        let group = groups
            .entry((
                kind.clone(),
                namespace.clone(),
                object.clone(),
                reason.clone(),
            ))
            .or_insert_with(|| EventGroup {
                kind: sanitize(&kind).into_owned(),
                namespace: sanitize(&namespace).into_owned(),
                object: sanitize(&object).into_owned(),
                reason: sanitize(&reason).into_owned(),
                count: 0,
                first: Some(first),
                last: Some(last),
                messages: Vec::new(),
            });
        group.count += count;
        group.first = group.first.min(Some(first));
        group.last = group.last.max(Some(last));
        if !message.is_empty()
            && group.messages.len() < MESSAGES_PER_GROUP
            && !group.messages.contains(&message)
        {
            group.messages.push(message);
        }
    }
    let mut out: Vec<EventGroup> = groups.into_values().collect();
    out.sort_by(|a, b| {
        (b.kind == "Warning")
            .cmp(&(a.kind == "Warning"))
            .then(b.last.cmp(&a.last))
            .then(a.object.cmp(&b.object))
    });
    out
}

/// One block per group: `Warning  BackOff  ns  Pod/x  ×12  first … last …`, then its messages.
pub fn to_text(groups: &[EventGroup]) -> String {
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str("no events in the window\n");
    }
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or("-".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M:%SZ").to_string()
        })
    };
    for g in groups {
        out.push_str(&format!(
            "{:<7}  {}  {}/{}  x{}  first {}  last {}\n",
            g.kind,
            g.reason,
            g.namespace,
            g.object,
            g.count,
            time(g.first),
            time(g.last)
        ));
        for m in &g.messages {
            out.push_str("    ");
            out.push_str(m);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &str, object: &str, reason: &str, last: &str, count: u64, msg: &str) -> Value {
        json!({
            "type": kind, "reason": reason, "message": msg, "count": count,
            "lastTimestamp": last, "firstTimestamp": last,
            "metadata": {"namespace": "viz"},
            "involvedObject": {"kind": "Pod", "name": object, "namespace": "viz"}
        })
    }

    #[test]
    fn warnings_first_grouped_by_object_and_reason_within_the_window() {
        let since = "2026-12-05T10:00:00Z".parse().unwrap();
        let events = vec![
            event("Normal", "a", "Pulled", "2026-12-05T10:30:00Z", 1, "pulled"),
            event(
                "Warning",
                "a",
                "BackOff",
                "2026-12-05T10:10:00Z",
                3,
                "back-off 10s",
            ),
            event(
                "Warning",
                "a",
                "BackOff",
                "2026-12-05T10:20:00Z",
                4,
                "back-off 20s",
            ),
            event(
                "Warning",
                "b",
                "Unhealthy",
                "2026-12-05T10:15:00Z",
                1,
                "probe\x1b[31m failed",
            ),
            event(
                "Warning",
                "c",
                "BackOff",
                "2026-12-05T09:00:00Z",
                9,
                "too old",
            ),
        ];
        let groups = group(&events, since);
        let summary: Vec<(&str, &str, &str, u64)> = groups
            .iter()
            .map(|g| {
                (
                    g.kind.as_str(),
                    g.object.as_str(),
                    g.reason.as_str(),
                    g.count,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("Warning", "Pod/a", "BackOff", 7),
                ("Warning", "Pod/b", "Unhealthy", 1),
                ("Normal", "Pod/a", "Pulled", 1),
            ]
        );
        assert_eq!(groups[0].messages, ["back-off 10s", "back-off 20s"]);
        let text = to_text(&groups);
        assert!(
            text.starts_with("Warning  BackOff  viz/Pod/a  x7"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
        assert!(!text.contains("too old"));
    }
}
