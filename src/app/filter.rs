//! The `/` filter of tables and the search of documents, k9s's syntax: a regular expression
//! (case-insensitive; plain text when it does not compile), `!` in front to keep what does
//! *not* match, `-l key=value,key!=value,key` to select by labels.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

/// One label requirement of `-l`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Missing(String),
}

impl LabelRequirement {
    fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = |key: &str| {
            labels
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .map(|i| labels[i].1.as_str())
        };
        match self {
            LabelRequirement::Equals(k, v) => value(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => value(k) != Some(v.as_str()),
            LabelRequirement::Exists(k) => value(k).is_some(),
            LabelRequirement::Missing(k) => value(k).is_none(),
        }
    }
}

/// How the text of a filter matches.
#[derive(Clone, Debug)]
pub enum Pattern {
    Regex(Regex),
    /// Lower-cased; used when the text is not a valid regular expression.
    Plain(String),
    Labels(Vec<LabelRequirement>),
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
            let requirements = parse_labels(selector.trim())
                .ok_or_else(|| FilterError::Labels(selector.trim().to_string()))?;
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
    pub fn keeps<'a>(
        &self,
        mut words: impl Iterator<Item = &'a str>,
        labels: &[(String, String)],
    ) -> bool {
        let found = match &self.pattern {
            Pattern::Labels(requirements) => {
                return requirements.iter().all(|r| r.matches(labels));
            }
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

fn parse_labels(selector: &str) -> Option<Vec<LabelRequirement>> {
    if selector.is_empty() {
        return None;
    }
    selector
        .split(',')
        .map(|part| {
            let part = part.trim();
            let valid = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            };
            if let Some((k, v)) = part.split_once("!=") {
                (valid(k.trim()))
                    .then(|| LabelRequirement::NotEquals(k.trim().into(), v.trim().into()))
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (valid(k.trim()))
                    .then(|| LabelRequirement::Equals(k.trim().into(), v.trim().into()))
            } else if let Some(k) = part.strip_prefix('!') {
                valid(k.trim()).then(|| LabelRequirement::Missing(k.trim().into()))
            } else {
                valid(part).then(|| LabelRequirement::Exists(part.into()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(filter: &str, words: &[&str]) -> bool {
        Filter::parse(filter)
            .unwrap()
            .unwrap()
            .keeps(words.iter().copied(), &[])
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
        assert!(filter.keeps(["airflow-worker-[1]"].into_iter(), &[]));
        assert_eq!(filter.matches_in("x-WORKER-[y"), vec![2..10]);
    }

    #[test]
    fn label_selectors() {
        let labels = vec![
            ("app".to_string(), "airflow".to_string()),
            ("tier".to_string(), "web".to_string()),
        ];
        let keeps = |f: &str| {
            Filter::parse(f)
                .unwrap()
                .unwrap()
                .keeps(std::iter::empty(), &labels)
        };
        assert!(keeps("-l app=airflow"));
        assert!(keeps("-l app=airflow,tier"));
        assert!(!keeps("-l app=airflow,tier!=web"));
        assert!(keeps("-l !release"));
        assert!(!keeps("-l release"));
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
