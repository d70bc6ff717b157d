//! The YAML view's text: the object as `kubectl get -o yaml` shows it, without
//! `managedFields`, with Secret values masked until revealed on purpose; plus the in-view
//! search (`search`, `highlight`) that the describe, YAML and log views share.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::Theme;
use super::text::sanitize;

/// What a masked Secret value reads as.
pub const MASK: &str = "••••••";

/// The annotation `kubectl apply` writes: the whole applied object, so on a Secret it holds
/// the very values the mask hides.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `obj` as YAML. `managedFields` is dropped (noise nobody reads); on a Secret every value of
/// `data` and `stringData` becomes `MASK` (the keys stay, so you see what is there) and so does
/// the last-applied annotation, unless `reveal_secrets`. Each line is safe to draw.
pub fn to_yaml(obj: &Value, reveal_secrets: bool) -> String {
    let mut obj = obj.clone();
    if let Some(metadata) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    if !reveal_secrets && is_secret(&obj) {
        mask_secret(&mut obj);
    }
    let yaml = serde_saphyr::to_string(&obj).unwrap_or_else(|error| {
        // A JSON value always serializes; if the emitter ever refuses, say so in the view
        // rather than showing nothing.
        format!("# cannot show this object as YAML: {error}\n")
    });
    // The emitter quotes and escapes control characters; this is the belt to those braces.
    yaml.lines()
        .map(|line| sanitize(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A Secret's values decoded for reading (what k9s's `x` shows): (key, text) sorted by key,
/// from `data` (base64) and `stringData`. Binary or undecodable values are described, not
/// dumped; text is sanitized and multi-line values keep their lines joined by `⏎`. Only for a
/// view the user opened on purpose (`reveal_secret`).
pub fn secret_values(obj: &Value) -> Vec<(String, String)> {
    use base64::Engine;
    let mut values = std::collections::BTreeMap::new();
    if let Some(data) = obj.get("data").and_then(Value::as_object) {
        for (key, value) in data {
            let encoded = value.as_str().unwrap_or("");
            let text = match base64::engine::general_purpose::STANDARD.decode(encoded) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => readable(&text),
                    Err(error) => format!("<{} bytes of binary data>", error.as_bytes().len()),
                },
                Err(_) => "<not valid base64>".to_string(),
            };
            values.insert(sanitize(key).into_owned(), text);
        }
    }
    if let Some(data) = obj.get("stringData").and_then(Value::as_object) {
        for (key, value) in data {
            values.insert(
                sanitize(key).into_owned(),
                readable(value.as_str().unwrap_or("")),
            );
        }
    }
    values.into_iter().collect()
}

fn readable(text: &str) -> String {
    text.trim_end_matches('\n')
        .split('\n')
        .map(|line| sanitize(line).into_owned())
        .collect::<Vec<_>>()
        .join(" ⏎ ")
}

fn is_secret(obj: &Value) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("Secret")
}

fn mask_secret(obj: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(values) = obj.get_mut(field).and_then(Value::as_object_mut) {
            for value in values.values_mut() {
                *value = Value::String(MASK.to_string());
            }
        }
    }
    if let Some(annotation) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        .and_then(|annotations| annotations.get_mut(LAST_APPLIED))
    {
        *annotation = Value::String(MASK.to_string());
    }
}

/// One line of `to_yaml` output styled for the view: mapping keys as `yaml.key`, the Secret
/// mask as `secret.masked`, the rest as `text`.
pub fn styled_line(line: &str, theme: &Theme) -> Line<'static> {
    let body_start = line.len() - line.trim_start_matches([' ', '-']).len();
    let (prefix, body) = line.split_at(body_start);
    let mut spans = vec![Span::styled(prefix.to_string(), theme.text)];
    // A key ends at the first `: ` (or a trailing `:`) outside quotes; quoted keys and values
    // that merely contain a colon stay plain.
    let key_end = if body.starts_with(['"', '\'', '#']) {
        None
    } else {
        body.find(": ")
            .map(|i| i + 1)
            .or_else(|| body.ends_with(':').then_some(body.len()))
    };
    let rest = match key_end {
        Some(end) => {
            spans.push(Span::styled(body[..end].to_string(), theme.yaml_key));
            &body[end..]
        }
        None => body,
    };
    match rest.find(MASK) {
        Some(at) => {
            spans.push(Span::styled(rest[..at].to_string(), theme.text));
            spans.push(Span::styled(MASK.to_string(), theme.secret_masked));
            spans.push(Span::styled(
                rest[at + MASK.len()..].to_string(),
                theme.text,
            ));
        }
        None => spans.push(Span::styled(rest.to_string(), theme.text)),
    }
    spans.retain(|span| !span.content.is_empty());
    Line::from(spans)
}

/// Every match of `needle` in `lines`: (line index, byte range in that line), in reading
/// order, not overlapping. Smart case: a needle without capitals matches any case (ASCII), one
/// with capitals matches exactly. An empty needle matches nothing.
pub fn search(lines: &[String], needle: &str) -> Vec<(usize, Range<usize>)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let fold = !needle.chars().any(char::is_uppercase);
    // ASCII folding keeps byte offsets, so the ranges index the original line.
    let needle = if fold {
        needle.to_ascii_lowercase()
    } else {
        needle.to_string()
    };
    let mut matches = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let haystack = if fold {
            line.to_ascii_lowercase()
        } else {
            line.clone()
        };
        let mut from = 0;
        while let Some(at) = haystack[from..].find(&needle) {
            let start = from + at;
            let end = start + needle.len();
            matches.push((index, start..end));
            from = end;
        }
    }
    matches
}

/// One line with its matches styled: `current` (the match the cursor is on, a byte range of
/// this line) in `current_style`, the others in `match_style`, the rest in `base`. Ranges
/// outside the line or off a character boundary are ignored.
pub fn highlight(
    line: &str,
    ranges: &[Range<usize>],
    current: Option<&Range<usize>>,
    base: Style,
    match_style: Style,
    current_style: Style,
) -> Line<'static> {
    let mut spans = Vec::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at
            || range.end > line.len()
            || !line.is_char_boundary(range.start)
            || !line.is_char_boundary(range.end)
        {
            continue;
        }
        if range.start > at {
            spans.push(Span::styled(line[at..range.start].to_string(), base));
        }
        let style = if current == Some(range) {
            current_style
        } else {
            match_style
        };
        spans.push(Span::styled(line[range.clone()].to_string(), style));
        at = range.end;
    }
    if at < line.len() {
        spans.push(Span::styled(line[at..].to_string(), base));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};
    use serde_json::json;

    use super::*;

    fn secret() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "airflow-metadata",
                "namespace": "orchestration",
                "annotations": {
                    LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"connection\":\"postgresql://airflow:s3cr3t-pw@db/airflow\"}}",
                    "meta.helm.sh/release-name": "airflow"
                },
                "managedFields": [{"manager": "helm", "operation": "Update"}]
            },
            "type": "Opaque",
            "data": {"connection": "cG9zdGdyZXNxbDovL2FpcmZsb3c6czNjcjN0LXB3QGRiL2FpcmZsb3c="},
            "stringData": {"extra": "s3cr3t-pw"}
        })
    }

    #[test]
    fn secret_values_are_masked_everywhere_until_revealed() {
        let yaml = to_yaml(&secret(), false);
        for leak in ["s3cr3t", "cG9zdGdyZXNxbDovL2", "postgresql://"] {
            assert!(!yaml.contains(leak), "{leak} leaked:\n{yaml}");
        }
        // The keys stay visible, the values read as the mask.
        assert!(yaml.contains("connection:"), "{yaml}");
        assert!(yaml.contains("extra:"), "{yaml}");
        assert!(yaml.contains(MASK), "{yaml}");
        assert!(
            yaml.contains("meta.helm.sh/release-name: airflow"),
            "{yaml}"
        );
        assert!(!yaml.contains("managedFields"), "{yaml}");

        let revealed = to_yaml(&secret(), true);
        assert!(revealed.contains("cG9zdGdyZXNxbDovL2FpcmZsb3c6czNjcjN0LXB3QGRiL2FpcmZsb3c="));
        assert!(revealed.contains("s3cr3t-pw"));
        assert!(!revealed.contains("managedFields"));
    }

    #[test]
    fn revealed_values_are_decoded_and_safe() {
        let mut obj = secret();
        obj["data"]["cert"] = json!("//79");
        obj["data"]["bad"] = json!("%%%");
        obj["data"]["evil"] = json!("YQobWzJKYgo="); // "a\n\x1b[2Jb\n"
        let values = secret_values(&obj);
        let get = |key: &str| values.iter().find(|(k, _)| k == key).unwrap().1.clone();
        assert_eq!(
            get("connection"),
            "postgresql://airflow:s3cr3t-pw@db/airflow"
        );
        assert_eq!(get("extra"), "s3cr3t-pw");
        assert_eq!(get("cert"), "<3 bytes of binary data>");
        assert_eq!(get("bad"), "<not valid base64>");
        assert_eq!(get("evil"), "a ⏎ b");
    }

    #[test]
    fn other_kinds_are_not_masked() {
        let config_map = json!({
            "kind": "ConfigMap",
            "metadata": {"name": "c", "annotations": {LAST_APPLIED: "{\"data\":{}}"}},
            "data": {"airflow.cfg": "[core]\nexecutor = KubernetesExecutor\n"}
        });
        let yaml = to_yaml(&config_map, false);
        assert!(yaml.contains("KubernetesExecutor"), "{yaml}");
        assert!(!yaml.contains(MASK), "{yaml}");
    }

    #[test]
    fn the_yaml_parses_back_to_the_object() {
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "airflow-scheduler-0",
                "labels": {"release": "airflow", "tier": "airflow"},
                "annotations": {"checksum/config": "0767e4", "yes": "no", "n": "0123"}
            },
            "spec": {
                "containers": [{
                    "name": "scheduler",
                    "image": "apache/airflow:3.0.2",
                    "args": ["bash", "-c", "exec airflow scheduler"],
                    "env": [{"name": "EMPTY", "value": ""}, {"name": "MULTI", "value": "a\nb: c\n"}]
                }],
                "priority": 0,
                "enableServiceLinks": true
            },
            "status": {"phase": "Running", "podIP": null}
        });
        let yaml = to_yaml(&pod, false);
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, pod);
        // Masked secrets round-trip too, as the masked object.
        let yaml = to_yaml(&secret(), false);
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed["data"]["connection"], MASK);
        assert_eq!(parsed["metadata"]["name"], "airflow-metadata");
        pod["metadata"]["managedFields"] = json!([{"manager": "kubectl"}]);
        assert!(!to_yaml(&pod, false).contains("manager"));
    }

    #[test]
    fn control_characters_never_reach_the_view() {
        let obj = json!({"kind": "Pod", "metadata": {"name": "x\u{1b}[2Jy", "labels": {"a": "\u{9b}31m"}}});
        let yaml = to_yaml(&obj, false);
        assert!(
            !yaml.chars().any(|c| c.is_control() && c != '\n'),
            "{yaml:?}"
        );
    }

    #[test]
    fn keys_and_masks_are_styled() {
        let theme = Theme::default();
        let parts = |line: &str| -> Vec<(String, Style)> {
            styled_line(line, &theme)
                .spans
                .into_iter()
                .map(|s| (s.content.into_owned(), s.style))
                .collect()
        };
        assert_eq!(
            parts("  - name: scheduler"),
            [
                ("  - ".to_string(), theme.text),
                ("name:".to_string(), theme.yaml_key),
                (" scheduler".to_string(), theme.text)
            ]
        );
        assert_eq!(
            parts("  connection: ••••••"),
            [
                ("  ".to_string(), theme.text),
                ("connection:".to_string(), theme.yaml_key),
                (" ".to_string(), theme.text),
                (MASK.to_string(), theme.secret_masked)
            ]
        );
        assert_eq!(
            parts("metadata:")[0],
            ("metadata:".to_string(), theme.yaml_key)
        );
        assert_eq!(
            parts("    - bash"),
            [
                ("    - ".to_string(), theme.text),
                ("bash".to_string(), theme.text)
            ]
        );
    }

    #[test]
    fn search_is_smart_case_and_non_overlapping() {
        let lines: Vec<String> = [
            "Name: airflow-scheduler",
            "image: apache/airflow:3.0.2",
            "aaaa",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(search(&lines, "airflow"), [(0, 6..13), (1, 14..21)]);
        assert_eq!(search(&lines, "NAME"), []);
        assert_eq!(search(&lines, "name"), [(0, 0..4)]);
        assert_eq!(search(&lines, "Name"), [(0, 0..4)]);
        assert_eq!(search(&lines, "aa"), [(2, 0..2), (2, 2..4)]);
        assert_eq!(search(&lines, ""), []);
        let wide = vec!["état: ÉTAT airflow".to_string()];
        assert_eq!(search(&wide, "airflow"), [(0, 13..20)]);
    }

    #[test]
    fn matches_are_highlighted_and_the_current_one_stands_out() {
        let base = Style::new();
        let hit = Style::new().bg(Color::Yellow);
        let current = hit.add_modifier(Modifier::BOLD);
        let line = "airflow-scheduler airflow";
        let ranges = [0..7, 18..25];
        let styled = highlight(line, &ranges, Some(&(18..25)), base, hit, current);
        let parts: Vec<(&str, Style)> = styled
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style))
            .collect();
        assert_eq!(
            parts,
            [
                ("airflow", hit),
                ("-scheduler ", base),
                ("airflow", current)
            ]
        );
        // Bad ranges are skipped, not a panic.
        let styled = highlight("é", &[0..1, 0..9], None, base, hit, current);
        assert_eq!(styled.spans.len(), 1);
    }
}
