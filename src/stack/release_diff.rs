//! What changed between two revisions of a Helm release, as an operator reads it before a
//! rollback or after a failed upgrade: the user values, then each object of the manifest
//! (added, removed, or changed with the lines around each change), Secret data hidden on both
//! sides.

use std::collections::BTreeMap;

use similar::{ChangeTag, TextDiff};

use crate::release::HelmRelease;

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// The manifest's lines, with the values under `data:` and `stringData:` of each Secret
/// replaced: revisions are read and compared on shared screens.
pub fn hide_secret_data(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    for document in manifest.split("\n---") {
        let is_secret = document.lines().any(|l| l.trim_end() == "kind: Secret");
        let mut hiding: Option<usize> = None;
        for line in document.lines() {
            let indent = line.len() - line.trim_start().len();
            if let Some(depth) = hiding {
                if indent > depth && !line.trim().is_empty() {
                    let key = line.split(':').next().unwrap_or_default();
                    out.push(format!("{key}: ••••••"));
                    continue;
                }
                hiding = None;
            }
            if is_secret && matches!(line.trim(), "data:" | "stringData:") {
                hiding = Some(indent);
            }
            out.push(line.to_string());
        }
        out.push("---".into());
    }
    // The split's first piece is the manifest's own leading `---`.
    if out.last().is_some_and(|l| l == "---") {
        out.pop();
    }
    out
}

/// The manifest's objects by `Kind/name` (in the order they come), each as its lines with
/// Secret data hidden. A document without a kind and name (a comment only) is left out.
pub fn objects(manifest: &str) -> BTreeMap<String, Vec<String>> {
    let mut by_name = BTreeMap::new();
    let hidden = hide_secret_data(manifest).join("\n");
    for document in hidden.split("\n---") {
        let lines: Vec<String> = document
            .lines()
            .filter(|l| *l != "---")
            .map(str::to_string)
            .collect();
        let top = |key: &str| {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().trim_matches('"').to_string())
        };
        // metadata.name is the first `  name:` under `metadata:`.
        let name = lines
            .iter()
            .skip_while(|l| !l.starts_with("metadata:"))
            .find_map(|l| l.strip_prefix("  name:"))
            .map(|v| v.trim().trim_matches('"').to_string());
        if let (Some(kind), Some(name)) = (top("kind:"), name) {
            by_name.insert(format!("{kind}/{name}"), lines);
        }
    }
    by_name
}

/// `from` → `to` as lines: `── …` headings, `+ ` added, `- ` removed, `  ` context.
pub fn diff_revisions(from: &HelmRelease, to: &HelmRelease) -> Vec<String> {
    let mut out = vec![format!(
        "── revision {} ({}, {}) → revision {} ({}, {})",
        from.version,
        from.info.status.as_str(),
        from.chart_label(),
        to.version,
        to.info.status.as_str(),
        to.chart_label()
    )];
    let values = |r: &HelmRelease| {
        if r.config.is_empty() {
            Vec::new()
        } else {
            strata_common::yaml::to_yaml(&serde_json::Value::Object(r.config.clone()), false)
                .lines()
                .map(str::to_string)
                .collect()
        }
    };
    let (old_values, new_values) = (values(from), values(to));
    if old_values == new_values {
        out.push("── user values: unchanged".into());
    } else {
        out.push("── user values: changed".into());
        out.extend(changes(&old_values, &new_values));
    }
    let (old, new) = (objects(&from.manifest), objects(&to.manifest));
    let mut unchanged = 0;
    for (name, lines) in &new {
        match old.get(name) {
            None => {
                out.push(format!("── {name}: added"));
                out.extend(lines.iter().map(|l| format!("+ {l}")));
            }
            Some(before) if before == lines => unchanged += 1,
            Some(before) => {
                out.push(format!("── {name}: changed"));
                out.extend(changes(before, lines));
            }
        }
    }
    for (name, lines) in &old {
        if !new.contains_key(name) {
            out.push(format!("── {name}: removed"));
            out.extend(lines.iter().map(|l| format!("- {l}")));
        }
    }
    out.push(format!("── {unchanged} object(s) unchanged"));
    out
}

/// The changed lines of `old` → `new` with a little context, hunks apart by `…`.
pub(crate) fn changes(old: &[String], new: &[String]) -> Vec<String> {
    let (old, new) = (old.join("\n"), new.join("\n"));
    let diff = TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if i > 0 {
            out.push("  …".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => "- ",
                    ChangeTag::Insert => "+ ",
                    ChangeTag::Equal => "  ",
                };
                out.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(version: u32, image: &str, extra: &str) -> HelmRelease {
        serde_json::from_value(serde_json::json!({
            "name": "web", "version": version, "namespace": "default",
            "info": {"status": if version == 1 {"superseded"} else {"failed"}},
            "config": {"image": image},
            "manifest": format!("---\n# Source: web/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\nstringData:\n  password: \"hunter{version}\"\n---\n# Source: web/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {image}\n{extra}"),
        }))
        .unwrap()
    }

    #[test]
    fn a_changed_image_an_added_object_and_hidden_secrets() {
        let good = revision(1, "nginx:1.27", "");
        let failed = revision(
            2,
            "nginx:9.9",
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\n",
        );
        let lines = diff_revisions(&good, &failed);
        let text = lines.join("\n");
        assert!(lines[0].starts_with("── revision 1 (superseded"), "{text}");
        assert!(
            text.contains("── user values: changed\n- image: nginx:1.27\n+ image: nginx:9.9"),
            "{text}"
        );
        assert!(text.contains("── Deployment/web: changed"), "{text}");
        assert!(
            text.contains("-         image: nginx:1.27\n+         image: nginx:9.9"),
            "{text}"
        );
        assert!(text.contains("── ConfigMap/web-extra: added"), "{text}");
        // The Secret's value differs but is hidden on both sides: nothing to show.
        assert!(!text.contains("hunter"), "{text}");
        assert!(text.ends_with("── 1 object(s) unchanged"), "{text}");
        // And back: the ConfigMap is removed.
        let back = diff_revisions(&failed, &good).join("\n");
        assert!(back.contains("── ConfigMap/web-extra: removed"), "{back}");
    }

    #[test]
    fn secret_data_is_hidden_and_everything_else_is_kept() {
        let manifest = "---\n# Source: x/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\n  user: YWRtaW4=\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  password: visible-in-a-configmap\n";
        let text = hide_secret_data(manifest).join("\n");
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("YWRtaW4="),
            "{text}"
        );
        assert!(text.contains("  password: ••••••"), "{text}");
        assert!(text.contains("type: Opaque"), "{text}");
        assert!(text.contains("visible-in-a-configmap"), "{text}");
    }
}
