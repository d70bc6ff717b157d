//! Shell-style patterns for rules: `*` matches any run of characters (line breaks included,
//! since container commands span lines), `?` exactly one; everything else is literal. Rules
//! are matched against every object on every change, so patterns are split once into
//! literal pieces and matched without allocating.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A compiled pattern. Any text is a valid pattern, so building one cannot fail.
#[derive(Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    shape: Shape,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// No wildcard: plain equality.
    Exact,
    /// `*`: anything at all (also the empty string).
    Any,
    /// `literal*`.
    Prefix(String),
    /// `*literal`.
    Suffix(String),
    /// `*literal*`.
    Contains(String),
    /// Anything else, as tokens.
    General(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(String),
    AnyOne,
    AnyRun,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        Glob {
            source: pattern.to_string(),
            shape: Shape::of(pattern),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern has a wildcard (an exact pattern can be looked up, not scanned).
    pub fn is_exact(&self) -> bool {
        self.shape == Shape::Exact
    }

    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Exact => text == self.source,
            Shape::Any => true,
            Shape::Prefix(p) => text.starts_with(p.as_str()),
            Shape::Suffix(s) => text.ends_with(s.as_str()),
            Shape::Contains(c) => text.contains(c.as_str()),
            Shape::General(tokens) => general_match(tokens, text),
        }
    }
}

impl Shape {
    fn of(pattern: &str) -> Shape {
        if !pattern.contains(['*', '?']) {
            return Shape::Exact;
        }
        let mut tokens: Vec<Token> = Vec::new();
        let mut literal = String::new();
        for c in pattern.chars() {
            let token = match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyOne,
                _ => {
                    literal.push(c);
                    continue;
                }
            };
            if !literal.is_empty() {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            // `**` means the same as `*`.
            if !(token == Token::AnyRun && tokens.last() == Some(&Token::AnyRun)) {
                tokens.push(token);
            }
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        match tokens.as_slice() {
            [Token::AnyRun] => Shape::Any,
            [Token::Literal(p), Token::AnyRun] => Shape::Prefix(p.clone()),
            [Token::AnyRun, Token::Literal(s)] => Shape::Suffix(s.clone()),
            [Token::AnyRun, Token::Literal(c), Token::AnyRun] => Shape::Contains(c.clone()),
            _ => Shape::General(tokens),
        }
    }
}

/// Matching with backtracking to the last `*` only: linear for the patterns rules use and
/// never worse than text × pattern.
fn general_match(tokens: &[Token], text: &str) -> bool {
    let mut t = 0usize; // index into tokens
    let mut pos = 0usize; // byte offset into text
    // Where to resume after the last `*`: (token after it, text offset it has absorbed to).
    let mut resume: Option<(usize, usize)> = None;
    loop {
        if t == tokens.len() {
            if pos == text.len() {
                return true;
            }
        } else {
            match &tokens[t] {
                Token::AnyRun => {
                    resume = Some((t + 1, pos));
                    t += 1;
                    continue;
                }
                Token::AnyOne => {
                    if let Some(c) = text[pos..].chars().next() {
                        pos += c.len_utf8();
                        t += 1;
                        continue;
                    }
                }
                Token::Literal(lit) => {
                    if text[pos..].starts_with(lit.as_str()) {
                        pos += lit.len();
                        t += 1;
                        continue;
                    }
                }
            }
        }
        // Mismatch: let the last `*` absorb one more character, or fail.
        match resume {
            Some((after, absorbed)) => match text[absorbed..].chars().next() {
                Some(c) => {
                    let next = absorbed + c.len_utf8();
                    resume = Some((after, next));
                    t = after;
                    pos = next;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.source)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Glob::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).matches(text)
    }

    #[test]
    fn literal_patterns_are_exact() {
        assert!(m("trino", "trino"));
        assert!(!m("trino", "trino-worker"));
        assert!(!m("", "x"));
        assert!(m("", ""));
        assert!(Glob::new("a.b").is_exact());
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("airflow-*", "airflow-1.18.0"));
        assert!(!m("airflow-*", "airflow"));
        assert!(m("*/postgresql", "bitnamilegacy/postgresql"));
        assert!(m("*dbt run*", "sh -c cd /x && dbt run --select a"));
        assert!(m("dbt-?", "dbt-1"));
        assert!(!m("dbt-?", "dbt-12"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*a*a*a*", "banana"));
        assert!(!m("*a*a*a*a*", "banana"));
        assert!(m("a**b", "ab"));
        assert!(m("?*", "x"));
        assert!(!m("?*", ""));
    }

    #[test]
    fn stars_cross_line_breaks_and_wildcards_count_characters() {
        assert!(m("*airflow db migrate*", "exec \\\nairflow db migrate"));
        assert!(m("?→?", "a→b"));
        assert!(m("*→*", "Postgres → ClickHouse"));
    }

    #[test]
    fn backtracking_stays_cheap() {
        let text = "a".repeat(10_000);
        assert!(!m("*a*a*a*a*b", &text));
        assert!(m("*a*a*a*a*", &text));
    }
}
