//! Describe and YAML documents of one object: the text (from the pure renderers), the
//! operator's place in it (scroll, search matches) and whether Secret values are revealed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kube::api::DynamicObject;

use super::filter::Filter;
use super::state::follow;
use crate::cluster::{ResourceKind, RowKey};

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Describe,
    Yaml,
}

impl DocumentKind {
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Describe => "describe",
            DocumentKind::Yaml => "yaml",
        }
    }
}

/// An object fetched for a document, with the events about it (describe lists them);
/// compared by identity (it is never edited in place).
#[derive(Clone, Debug)]
pub struct SharedObject(pub Arc<DynamicObject>, pub Arc<Vec<serde_json::Value>>);

impl SharedObject {
    pub fn new(object: DynamicObject) -> SharedObject {
        SharedObject(Arc::new(object), Arc::new(Vec::new()))
    }
}

impl PartialEq for SharedObject {
    fn eq(&self, other: &SharedObject) -> bool {
        Arc::ptr_eq(&self.0, &other.0) && Arc::ptr_eq(&self.1, &other.1)
    }
}

/// A scrollable document view.
#[derive(Clone, Debug)]
pub struct DocumentView {
    pub kind: DocumentKind,
    pub resource: ResourceKind,
    pub key: RowKey,
    pub object: Option<SharedObject>,
    pub lines: Vec<String>,
    /// Why the object could not be shown.
    pub error: Option<String>,
    /// Secret values shown decoded instead of masked.
    pub revealed: bool,
    pub wrap: bool,
    /// First line on screen.
    pub offset: usize,
    pub search: Option<Filter>,
    /// Lines with a match, in order.
    pub matches: Vec<usize>,
    /// The current match (an index into `matches`).
    pub current: usize,
    pub generation: u64,
}

impl DocumentView {
    pub fn new(kind: DocumentKind, resource: ResourceKind, key: RowKey, generation: u64) -> Self {
        DocumentView {
            kind,
            resource,
            key,
            object: None,
            lines: Vec::new(),
            error: None,
            revealed: false,
            wrap: false,
            offset: 0,
            search: None,
            matches: Vec::new(),
            current: 0,
            generation,
        }
    }

    pub fn is_secret(&self) -> bool {
        self.resource.group.is_empty() && self.resource.plural == "secrets"
    }

    pub fn title(&self) -> String {
        format!("{} {}", self.kind.label(), self.key.name)
    }

    /// Renders the text again from the object (after it arrived or a reveal toggle); `now`
    /// dates the events describe lists.
    pub(crate) fn refresh(&mut self, now: DateTime<Utc>) {
        let Some(object) = &self.object else { return };
        self.lines = match self.kind {
            // Secrets have their own describer (sizes, never values); reveal shows the values
            // in the YAML view only, where the operator asked for them.
            DocumentKind::Describe => {
                let value = serde_json::to_value(&*object.0).unwrap_or_default();
                strata_common::describe::describe(&value, &object.1, now)
            }
            DocumentKind::Yaml => {
                let value = serde_json::to_value(&*object.0).unwrap_or_default();
                let mut lines: Vec<String> = strata_common::yaml::to_yaml(&value, self.revealed)
                    .lines()
                    .map(str::to_string)
                    .collect();
                if self.revealed && self.is_secret() {
                    // What k9s's `x` shows: the values decoded, not just un-masked base64.
                    lines.push("# decoded values (x hides them again)".to_string());
                    for (key, text) in strata_common::yaml::secret_values(&value) {
                        lines.push(format!("# {key}: {text}"));
                    }
                }
                lines
            }
        };
        self.find_matches();
    }

    /// What `c` copies: the whole document, with a Secret's values masked even while they
    /// are revealed on screen (a clipboard outlives the screen and is often synced).
    pub fn copy_text(&self) -> String {
        if let (true, Some(object)) = (self.revealed && self.is_secret(), &self.object) {
            let value = serde_json::to_value(&*object.0).unwrap_or_default();
            return strata_common::yaml::to_yaml(&value, false);
        }
        self.lines.join("\n")
    }

    pub(crate) fn set_search(&mut self, search: Option<Filter>, rows: usize) {
        self.search = search;
        self.find_matches();
        self.current = self
            .matches
            .iter()
            .position(|&line| line >= self.offset)
            .unwrap_or(0);
        self.show_current(rows);
    }

    fn find_matches(&mut self) {
        self.matches = match &self.search {
            None => Vec::new(),
            Some(search) => self
                .lines
                .iter()
                .enumerate()
                .filter(|(_, line)| search.keeps(std::iter::once(line.as_str()), |_| None))
                .map(|(i, _)| i)
                .collect(),
        };
        self.current = self.current.min(self.matches.len().saturating_sub(1));
    }

    pub(crate) fn next_match(&mut self, forward: bool, rows: usize) {
        if self.matches.is_empty() {
            return;
        }
        let n = self.matches.len();
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        self.show_current(rows);
    }

    fn show_current(&mut self, rows: usize) {
        if let Some(&line) = self.matches.get(self.current) {
            self.offset = follow(self.offset, line, rows, self.lines.len());
        }
    }

    pub(crate) fn scroll_by(&mut self, delta: isize, rows: usize) {
        let last = self.lines.len().saturating_sub(rows.max(1));
        self.offset = self.offset.saturating_add_signed(delta).min(last);
    }

    pub(crate) fn scroll_to(&mut self, top: bool, rows: usize) {
        self.offset = if top {
            0
        } else {
            self.lines.len().saturating_sub(rows.max(1))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Catalog;

    fn secret_doc(kind: DocumentKind) -> DocumentView {
        let resource = Catalog::builtin().resolve("secrets").unwrap().clone();
        let mut doc = DocumentView::new(kind, resource, RowKey::new("platform", "db"), 1);
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "platform"},
            "data": {"password": "aHVudGVyMg=="}
        }))
        .unwrap();
        doc.object = Some(SharedObject::new(object));
        doc.refresh(Utc::now());
        doc
    }

    #[test]
    fn secret_values_are_masked_until_revealed_in_yaml() {
        for kind in [DocumentKind::Yaml, DocumentKind::Describe] {
            let mut doc = secret_doc(kind);
            let text = doc.lines.join("\n");
            assert!(
                !text.contains("hunter2") && !text.contains("aHVudGVyMg"),
                "{text}"
            );
            doc.revealed = true;
            doc.refresh(Utc::now());
            let revealed = doc.lines.join("\n").contains("hunter2");
            // Describe never shows values (kubectl shows sizes); YAML reveals on purpose.
            assert_eq!(revealed, kind == DocumentKind::Yaml, "{kind:?}");
            // Copied, they stay masked.
            let copied = doc.copy_text();
            assert!(copied.contains("password"), "{copied}");
            assert!(
                !copied.contains("hunter2") && !copied.contains("aHVudGVyMg"),
                "{copied}"
            );
        }
    }

    #[test]
    fn search_finds_lines_and_cycles() {
        let mut doc = secret_doc(DocumentKind::Yaml);
        doc.set_search(Filter::parse("name").unwrap(), 5);
        assert!(!doc.matches.is_empty());
        let first = doc.current;
        doc.next_match(true, 5);
        doc.next_match(false, 5);
        assert_eq!(doc.current, first);
    }
}
