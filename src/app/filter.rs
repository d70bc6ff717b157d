//! The `/` filter of tables and the search of documents, k9s's syntax: a regular expression
//! (case-insensitive; plain text when it does not compile), `!` in front to keep what does
//! *not* match, `-l key=value,key!=value,key` to select by labels.

use std::ops::Range;

use regex::{Regex, RegexBuilder};
use strata_common::selector::LabelSelector;

/// How the text of a filter matches.
#[derive(Clone, Debug)]
pub enum Pattern {
    Regex(Regex),
    /// Lower-cased; used when the text is not a valid regular expression.
    Plain(String),
    /// `-l`: a label selector, in the API server's syntax.
    Labels(LabelSelector),
}

/// A parsed filter; `text` is what the operator typed.
#[derive(Clone, Debug)]
pub struct Filter {
    pub text: String,
    pub pattern: Pattern,
    pub inverse: bool,
    /// Why the text is matched as plain text (an invalid regex), to tell the operator.
    pub note: Option<String>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.text == other.text
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("label filter {0:?} is not valid; write -l key=value,key!=value,key,!key")]
    Labels(String),
}

impl Filter {
    /// `None` for an empty filter (show everything).
    pub fn parse(text: &str) -> Result<Option<Filter>, FilterError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Some(selector) = trimmed.strip_prefix("-l") {
            let selector = selector.trim();
            let requirements = LabelSelector::parse(selector)
                .ok()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| FilterError::Labels(selector.to_string()))?;
            return Ok(Some(Filter {
                text: trimmed.to_string(),
                pattern: Pattern::Labels(requirements),
                inverse: false,
                note: None,
            }));
        }
        let (inverse, body) = match trimmed.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if body.is_empty() {
            return Ok(None);
        }
        let (pattern, note) = match RegexBuilder::new(body)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
        {
            Ok(regex) => (Pattern::Regex(regex), None),
            Err(_) => (
                Pattern::Plain(body.to_lowercase()),
                Some(format!(
                    "{body:?} is not a valid regular expression; matching it as text"
                )),
            ),
        };
        Ok(Some(Filter {
            text: trimmed.to_string(),
            pattern,
            inverse,
            note,
        }))
    }

    /// Whether a row with these words and labels is kept.
    /// Whether a row with these words (its cells) and labels (`label(key)` is a label's
    /// value) is kept.
    pub fn keeps<'a, 'l>(
        &self,
        mut words: impl Iterator<Item = &'a str>,
        label: impl Fn(&str) -> Option<&'l str>,
    ) -> bool {
        let found = match &self.pattern {
            Pattern::Labels(selector) => return selector.matches_with(label),
            Pattern::Regex(regex) => words.any(|w| regex.is_match(w)),
            Pattern::Plain(needle) => words.any(|w| w.to_lowercase().contains(needle.as_str())),
        };
        found != self.inverse
    }

    /// Where the filter matches in `text` (byte ranges), for highlighting. An inverse or label
    /// filter highlights nothing: the rows it keeps are the ones that do not match.
    pub fn matches_in(&self, text: &str) -> Vec<Range<usize>> {
        if self.inverse {
            return Vec::new();
        }
        match &self.pattern {
            Pattern::Regex(regex) => regex
                .find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| m.range())
                .collect(),
            Pattern::Plain(needle) => plain_matches(text, needle),
            Pattern::Labels(_) => Vec::new(),
        }
    }
}

/// Case-insensitive occurrences of `needle` (already lower-case); ASCII case folding keeps
/// byte offsets valid for the original text.
fn plain_matches(text: &str, needle: &str) -> Vec<Range<usize>> {
    if needle.is_empty() {
        return Vec::new();
    }
    let haystack = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(found) = haystack[start..].find(&needle) {
        let begin = start + found;
        out.push(begin..begin + needle.len());
        start = begin + needle.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(filter: &str, words: &[&str]) -> bool {
        Filter::parse(filter)
            .unwrap()
            .unwrap()
            .keeps(words.iter().copied(), |_| None)
    }

    #[test]
    fn text_regex_and_inverse() {
        assert!(keeps("airflow", &["orchestration", "airflow-scheduler-0"]));
        assert!(keeps("AIRFLOW", &["airflow-scheduler-0"]));
        assert!(keeps("^air.*-0$", &["airflow-scheduler-0"]));
        assert!(!keeps("^scheduler", &["airflow-scheduler-0"]));
        assert!(!keeps("!airflow", &["airflow-scheduler-0"]));
        assert!(keeps("!airflow", &["superset-web"]));
        assert_eq!(Filter::parse("  ").unwrap(), None);
        assert_eq!(Filter::parse("!").unwrap(), None);
    }

    #[test]
    fn a_broken_regex_is_matched_as_text_and_says_so() {
        let filter = Filter::parse("worker-[").unwrap().unwrap();
        assert!(
            filter
                .note
                .as_deref()
                .unwrap()
                .contains("not a valid regular expression")
        );
        assert!(filter.keeps(["airflow-worker-[1]"].into_iter(), |_| None));
        assert_eq!(filter.matches_in("x-WORKER-[y"), vec![2..10]);
    }

    #[test]
    fn label_selectors() {
        let label = |key: &str| match key {
            "app" => Some("airflow"),
            "tier" => Some("web"),
            _ => None,
        };
        let keeps = |f: &str| {
            Filter::parse(f)
                .unwrap()
                .unwrap()
                .keeps(std::iter::empty(), label)
        };
        assert!(keeps("-l app=airflow"));
        assert!(keeps("-l app=airflow,tier"));
        assert!(!keeps("-l app=airflow,tier!=web"));
        assert!(keeps("-l !release"));
        assert!(!keeps("-l release"));
        assert!(keeps("-l tier in (web,worker)"));
        assert!(Filter::parse("-l").is_err());
        assert!(Filter::parse("-l =x").is_err());
    }

    #[test]
    fn matches_are_found_for_highlighting() {
        let filter = Filter::parse("flow").unwrap().unwrap();
        assert_eq!(filter.matches_in("airflow-flow"), vec![3..7, 8..12]);
        assert!(
            Filter::parse("!flow")
                .unwrap()
                .unwrap()
                .matches_in("airflow")
                .is_empty()
        );
    }
}
