//! Custom resources' columns: `additionalPrinterColumns` (JSONPath into the object, typed
//! cells) as the apiextensions table convertor prints them, and `NAME`/`AGE` without them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Cell, kinds};
use crate::json::{go_zero_time, items, text};

/// The columns of a custom resource, parsed once and applied to every object.
#[derive(Debug)]
pub struct CustomColumns {
    /// `NAME` then the printer columns, as Table column definitions.
    definitions: Vec<Value>,
    /// Name and priority per column, for tables that only need to show them.
    headers: Vec<(String, i64)>,
    /// (type, parsed path) per printer column; a path outside the supported subset prints
    /// nothing, as the API server prints an empty cell.
    paths: Vec<(String, Option<JsonPath>)>,
}

impl CustomColumns {
    /// From the served version's `additionalPrinterColumns` (`name`, `type`, `jsonPath`,
    /// optional `format`, `description`, `priority`). With no columns the API server serves
    /// `NAME` and `AGE`, as here.
    pub fn new(columns: &[Value]) -> CustomColumns {
        let default_age;
        let columns = if columns.is_empty() {
            // apiextensions' serveDefaultColumnsIfEmpty: only an empty list gets the Age column.
            default_age = [json!({
                "name": "Age",
                "type": "date",
                "description": kinds::CREATION_TIMESTAMP_DOC,
                "jsonPath": ".metadata.creationTimestamp",
            })];
            &default_age[..]
        } else {
            columns
        };
        let mut definitions = vec![kinds::NAME.to_json()];
        let mut headers = vec![(kinds::NAME.name.to_string(), 0)];
        let mut paths = Vec::with_capacity(columns.len());
        for c in columns {
            let path = text(&c["jsonPath"]);
            let description = match text(&c["description"]) {
                "" => format!("Custom resource definition column (in JSONPath format): {path}"),
                d => d.to_string(),
            };
            let priority = c["priority"].as_i64().unwrap_or(0);
            definitions.push(json!({
                "name": text(&c["name"]),
                "type": text(&c["type"]),
                "format": text(&c["format"]),
                "description": description,
                "priority": priority,
            }));
            headers.push((text(&c["name"]).to_string(), priority));
            paths.push((text(&c["type"]).to_string(), JsonPath::parse(path)));
        }
        CustomColumns {
            definitions,
            headers,
            paths,
        }
    }

    /// The Table column definitions.
    pub fn definitions(&self) -> &[Value] {
        &self.definitions
    }

    /// (name, priority) of each column, `NAME` first.
    pub fn headers(&self) -> &[(String, i64)] {
        &self.headers
    }

    /// What a row means, from the columns a CRD names for it: a STATUS, STATE or PHASE word,
    /// else a READY `ready/desired`; nothing to say otherwise.
    pub fn health(&self, cells: &[Cell]) -> super::RowHealth {
        let column = |names: &[&str]| {
            self.headers
                .iter()
                .position(|(name, _)| names.iter().any(|n| name.eq_ignore_ascii_case(n)))
                .and_then(|i| cells.get(i))
        };
        match column(&["status", "state", "phase"]) {
            Some(Cell::Text(word)) => return super::RowHealth::of_status_word(word),
            // Not reported yet.
            Some(Cell::Null) => return super::RowHealth::Pending,
            _ => {}
        }
        if let Some(Cell::Text(ready)) = column(&["ready"])
            && let Some((a, b)) = ready.split_once('/')
            && let (Ok(a), Ok(b)) = (a.parse(), b.parse())
        {
            return super::RowHealth::of_ready(a, b);
        }
        super::RowHealth::Running
    }

    /// The row of one object.
    pub fn cells(&self, obj: &Value) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(self.paths.len() + 1);
        cells.push(Cell::Text(text(&obj["metadata"]["name"]).to_string()));
        for (kind, path) in &self.paths {
            let value = path.as_ref().and_then(|p| p.first(obj));
            cells.push(match value {
                Some(v) => custom_cell(kind, v),
                None => Cell::Null,
            });
        }
        cells
    }
}

/// A cell of a CRD printer column, typed as the apiextensions table convertor types it:
/// `string` prints any value (objects and lists as JSON), the other types keep the value only
/// when it has the right JSON type, and `date` becomes an age.
fn custom_cell(kind: &str, value: &Value) -> Cell {
    Cell::from(match (kind, value) {
        (_, Value::Null) => Value::Null,
        ("string", Value::String(s)) => json!(s),
        ("string", Value::Number(n)) => json!(go_number(n)),
        ("string", Value::Bool(b)) => json!(b.to_string()),
        ("string", v) => json!(v.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, |i| json!(i)),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Value::Bool(b)) => json!(b),
        ("date", Value::String(s)) => {
            if s.is_empty() || s == "null" {
                return Cell::Text("<unknown>".into());
            }
            match DateTime::parse_from_rfc3339(s) {
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    if t == go_zero_time() {
                        json!("<unknown>")
                    } else {
                        return Cell::Age(Some(t));
                    }
                }
                Err(_) => json!("<invalid>"),
            }
        }
        _ => Value::Null,
    })
}

/// A JSON number as Go's `fmt.Print` writes the decoded value: integers as they are, floats
/// in `%v` form (shortest `%g`: exponent notation below 1e-4 and from 1e6, as `1e+06`).
fn go_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    let sci = format!("{f:e}");
    let exp: i32 = sci
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let (mantissa, _) = sci.rsplit_once('e').unwrap_or((&sci, ""));
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// The subset of Kubernetes JSONPath that printer columns use: `.a.b`, `['key']`, `[0]`,
/// `[*]`, and filters `[?(@.type=="Ready")]`.
#[derive(Debug, PartialEq)]
struct JsonPath(Vec<Step>);

#[derive(Debug, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    All,
    Filter {
        path: Vec<String>,
        test: Option<(String, Value)>,
    },
}

impl JsonPath {
    /// Parses a path; None when it uses syntax outside the supported subset.
    fn parse(path: &str) -> Option<JsonPath> {
        let path = path.trim();
        let path = path
            .strip_prefix('{')
            .and_then(|p| p.strip_suffix('}'))
            .unwrap_or(path);
        let path = path.strip_prefix('$').unwrap_or(path);
        let chars: Vec<char> = path.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    let start = i;
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        i += 1;
                    }
                    let field: String = chars[start..i].iter().collect();
                    match field.as_str() {
                        // `..` (recursive descent) is not supported.
                        "" if i < chars.len() => return None,
                        "" => {}
                        "*" => steps.push(Step::All),
                        _ => steps.push(Step::Field(field)),
                    }
                }
                '[' => {
                    let end = closing_bracket(&chars, i)?;
                    let inner: String = chars[i + 1..end].iter().collect();
                    steps.push(parse_bracket(inner.trim())?);
                    i = end + 1;
                }
                _ => return None,
            }
        }
        Some(JsonPath(steps))
    }

    /// The first value the path selects, as the API server takes `results[0][0]`.
    fn first<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut current = vec![root];
        for step in &self.0 {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Field(f) => next.extend(v.get(f.as_str())),
                    Step::Index(i) => {
                        let arr = items(v);
                        let idx = if *i < 0 { arr.len() as i64 + i } else { *i };
                        if idx >= 0 {
                            next.extend(arr.get(idx as usize));
                        }
                    }
                    Step::All => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                    Step::Filter { path, test } => {
                        for item in items(v) {
                            let mut probe = Some(item);
                            for f in path {
                                probe = probe.and_then(|p| p.get(f.as_str()));
                            }
                            let keep = match (probe, test) {
                                (None, _) => false,
                                (Some(_), None) => true,
                                (Some(found), Some((op, literal))) => compare(found, op, literal),
                            };
                            if keep {
                                next.push(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        current.into_iter().next()
    }
}

/// The index of the `]` closing the `[` at `open`, skipping quoted text.
fn closing_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Ok(i) = inner.parse::<i64>() {
        return Some(Step::Index(i));
    }
    if let Some(key) = unquote(inner) {
        return Some(Step::Field(key));
    }
    let expr = inner.strip_prefix('?')?.trim();
    let expr = expr.strip_prefix('(')?.strip_suffix(')')?.trim();
    let (lhs, test) = match ["==", "!=", "<=", ">=", "<", ">"]
        .iter()
        .find_map(|op| expr.split_once(op).map(|(l, r)| (l, op, r)))
    {
        Some((lhs, op, rhs)) => (lhs.trim(), Some((op.to_string(), literal(rhs.trim())?))),
        None => (expr, None),
    };
    let rest = lhs.strip_prefix('@')?;
    let mut path = Vec::new();
    for part in rest.split('.').skip(1) {
        if part.is_empty() {
            return None;
        }
        path.push(part.to_string());
    }
    if !rest.is_empty() && !rest.starts_with('.') {
        return None;
    }
    Some(Step::Filter { path, test })
}

fn unquote(s: &str) -> Option<String> {
    let quoted =
        (s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"'));
    (quoted && s.len() >= 2).then(|| s[1..s.len() - 1].to_string())
}

fn literal(s: &str) -> Option<Value> {
    if let Some(text) = unquote(s) {
        return Some(json!(text));
    }
    match s {
        "true" => return Some(json!(true)),
        "false" => return Some(json!(false)),
        _ => {}
    }
    s.parse::<f64>().ok().map(|f| json!(f))
}

/// A filter comparison: strings compare as strings, numbers as numbers.
fn compare(found: &Value, op: &str, literal: &Value) -> bool {
    let ordering = match (found, literal) {
        (Value::String(a), Value::String(b)) => a.partial_cmp(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::Bool(a), Value::Bool(b)) => a.partial_cmp(b),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return op == "!=";
    };
    match op {
        "==" => ordering.is_eq(),
        "!=" => ordering.is_ne(),
        "<" => ordering.is_lt(),
        ">" => ordering.is_gt(),
        "<=" => ordering.is_le(),
        ">=" => ordering.is_ge(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn jsonpath_subset() {
        let doc = json!({"a": {"b.c": 1, "list": [{"n": 1, "v": "x"}, {"n": 2, "v": "y"}]}});
        let first = |p: &str| JsonPath::parse(p).and_then(|jp| jp.first(&doc).cloned());
        assert_eq!(first(".a['b.c']"), Some(json!(1)));
        assert_eq!(first(".a.list[1].v"), Some(json!("y")));
        assert_eq!(first(".a.list[-1].n"), Some(json!(2)));
        assert_eq!(first(".a.list[*].v"), Some(json!("x")));
        assert_eq!(first(".a.list[?(@.n > 1)].v"), Some(json!("y")));
        assert_eq!(first(".a.list[?(@.v != 'x')].n"), Some(json!(2)));
        assert_eq!(first(".a.list[?(@.missing)].n"), None);
        assert_eq!(first("{.a.list[0].n}"), Some(json!(1)));
        assert_eq!(first(".a.nope"), None);
        assert_eq!(JsonPath::parse("..a"), None);
        assert_eq!(JsonPath::parse("a.b"), None);
    }

    #[test]
    fn string_columns_print_numbers_like_go() {
        let n = |v: Value| custom_cell("string", &v).to_json(now());
        assert_eq!(n(json!(3)), json!("3"));
        assert_eq!(n(json!(1.5)), json!("1.5"));
        assert_eq!(n(json!(2.0)), json!("2"));
        assert_eq!(n(json!(1234567.5)), json!("1.2345675e+06"));
        assert_eq!(n(json!(0.00001)), json!("1e-05"));
        assert_eq!(n(json!(true)), json!("true"));
        assert_eq!(n(json!({"a": 1})), json!("{\"a\":1}"));
        assert_eq!(custom_cell("integer", &json!(2.9)).to_json(now()), json!(2));
        assert_eq!(
            custom_cell("date", &json!("")).to_json(now()),
            json!("<unknown>")
        );
    }
}
