//! Reading API objects as JSON the way Go reads them: a field that is absent, null or of
//! another type reads as its zero value (`""`, `0`, no items, no time), so callers index
//! freely (`&obj["status"]["phase"]`) and never fail on a partial or odd object. The printers,
//! describe and the cockpit's projection of objects all read through these.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The value at `path` (object keys), or null when any step is missing.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |value, key| &value[*key])
}

/// A string, or "" when absent or not a string (Go's zero value).
pub fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// The string at `path`, or "" (see [`text`]).
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    text(at(value, path))
}

/// An integer, or 0 when absent or not a number (Go's zero value); a fractional number is
/// truncated toward zero, and one beyond the range of `i64` saturates.
pub fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

/// The integer under `key` (see [`int`]).
pub fn i64_at(value: &Value, key: &str) -> i64 {
    int(&value[key])
}

/// The count under `key` (replicas, restarts): [`int`] clamped to `0..=u32::MAX`, so a
/// negative or huge value cannot wrap.
pub fn u32_at(value: &Value, key: &str) -> u32 {
    u32::try_from(i64_at(value, key).max(0)).unwrap_or(u32::MAX)
}

/// The items of an array, or none when absent or not an array.
pub fn items(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// An RFC 3339 instant (`2026-11-26T13:31:00Z`, any offset) in UTC; None when absent, null or
/// unparsable.
pub fn time(value: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant at `path` (see [`time`]).
pub fn time_at(value: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    time(at(value, path))
}

/// A `metav1.Time` as the printers read it: like [`time`], and also None for Go's zero time
/// (`0001-01-01T00:00:00Z`), which Go's `IsZero` treats as unset.
pub fn meta_time(value: &Value) -> Option<DateTime<Utc>> {
    time(value).filter(|t| *t != go_zero_time())
}

/// Go's zero `time.Time`.
pub fn go_zero_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A string map (labels, annotations) collected into any map of borrowed pairs (a
/// `BTreeMap<&str, &str>`, or the cockpit's shared-string map). Values that are not strings,
/// or longer than `max_value_bytes` (a huge annotation such as a last-applied configuration),
/// are left out; pass `usize::MAX` to keep every string.
pub fn string_map<'a, M: FromIterator<(&'a str, &'a str)>>(
    value: &'a Value,
    max_value_bytes: usize,
) -> M {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let value = value.as_str()?;
            (value.len() <= max_value_bytes).then_some((key.as_str(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn missing_and_mistyped_fields_read_as_zero_values() {
        let obj = json!({
            "metadata": {"name": "airflow-scheduler-0", "labels": {"tier": "airflow"}},
            "status": {"replicas": 3, "ready": 2.9, "phase": 7, "containers": [{"name": "a"}]}
        });
        assert_eq!(str_at(&obj, &["metadata", "name"]), "airflow-scheduler-0");
        assert_eq!(str_at(&obj, &["metadata", "uid"]), "");
        assert_eq!(
            str_at(&obj, &["status", "phase"]),
            "",
            "a number is not a string"
        );
        assert_eq!(str_at(&obj, &["spec", "nodeName", "deeper"]), "");
        assert_eq!(text(&obj["status"]["containers"][0]["name"]), "a");
        assert!(at(&obj, &["nope", "nothing"]).is_null());
        assert_eq!(i64_at(&obj["status"], "replicas"), 3);
        assert_eq!(
            i64_at(&obj["status"], "ready"),
            2,
            "truncated like Go's int()"
        );
        assert_eq!(i64_at(&obj["status"], "absent"), 0);
        assert_eq!(int(&json!("3")), 0);
        assert_eq!(items(&obj["status"]["containers"]).len(), 1);
        assert!(items(&obj["status"]).is_empty());
    }

    #[test]
    fn counts_never_wrap() {
        let status = json!({"a": 5, "b": -2, "c": 1u64 << 40, "d": u64::MAX, "e": "x"});
        assert_eq!(u32_at(&status, "a"), 5);
        assert_eq!(u32_at(&status, "b"), 0);
        assert_eq!(u32_at(&status, "c"), u32::MAX);
        assert_eq!(u32_at(&status, "d"), u32::MAX);
        assert_eq!(u32_at(&status, "e"), 0);
        assert_eq!(u32_at(&status, "absent"), 0);
    }

    #[test]
    fn times_parse_in_any_offset_and_go_zero_is_unset_for_the_printers() {
        let obj = json!({"status": {
            "startTime": "2026-11-26T14:31:00+01:00",
            "zero": "0001-01-01T00:00:00Z",
            "bad": "yesterday"
        }});
        let start = time_at(&obj, &["status", "startTime"]).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-26T13:31:00+00:00");
        assert_eq!(time_at(&obj, &["status", "bad"]), None);
        assert_eq!(time_at(&obj, &["status", "absent"]), None);
        assert_eq!(time(&obj["status"]["zero"]), Some(go_zero_time()));
        assert_eq!(meta_time(&obj["status"]["zero"]), None);
        assert_eq!(meta_time(&obj["status"]["startTime"]), Some(start));
    }

    #[test]
    fn string_maps_keep_strings_within_the_cap() {
        let annotations = json!({
            "b": "two", "a": "one", "n": 3, "big": "x".repeat(600)
        });
        let map: BTreeMap<&str, &str> = string_map(&annotations, 512);
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            [("a", "one"), ("b", "two")]
        );
        assert_eq!(
            string_map::<BTreeMap<_, _>>(&annotations, usize::MAX).len(),
            3
        );
        assert!(string_map::<BTreeMap<_, _>>(&json!(null), 10).is_empty());
    }
}
