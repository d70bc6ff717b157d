//! kubectl's columns, as pure functions of an API object: for each built-in kind the columns
//! the real API server prints (what `kubectl get` shows) and the cells of one object, plus the
//! generic and `additionalPrinterColumns` columns of custom resources. The simulator turns them
//! into server-side `Table`s; the cockpit turns them into its tables.
//!
//! The printers follow kube-apiserver's `pkg/printers/internalversion/printers.go` (v1.35), the
//! default table convertor (`NAME`, `CREATED AT`) used for kinds without a printer, and the
//! apiextensions table convertor for custom resources. Every printer carries the `-o wide`
//! columns too (priority 1), as the server prints with `Wide: true`.
//!
//! Cells do not depend on the clock: an age is kept as the instant it counts from
//! ([`Cell::Age`]) and turned into words (`5m3s`) only when shown, so a row computed once
//! stays right as time passes and costs nothing to keep current.
//!
//! The real printers run on objects after API defaulting; where an object may lack a defaulted
//! field (`spec.replicas`, a port's `protocol`), the printer applies the same default so the
//! cell reads as it would against a real cluster.

mod custom;
mod fields;
mod kinds;

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

pub use custom::CustomColumns;
pub use fields::label_selector_string;
pub use kinds::{CREATION_TIMESTAMP_DOC, NAME, printer_for};

/// One `TableColumnDefinition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// The OpenAPI type (`string`, `integer`, `date`…).
    pub kind: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    /// 0: shown by `kubectl get`; 1: only with `-o wide`.
    pub priority: i64,
}

impl Column {
    pub fn to_json(self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// One cell of a row, typed so that sorting compares numbers as numbers and ages as instants.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// No value (a custom column whose path found nothing).
    Null,
    /// The time since an instant, as kubectl prints it (`5m3s`); `<unknown>` when unset.
    Age(Option<DateTime<Utc>>),
    /// A pod's RESTARTS: `3 (5m ago)` when the last restart time is known.
    Restarts {
        count: i64,
        last: Option<DateTime<Utc>>,
    },
}

impl From<Value> for Cell {
    fn from(value: Value) -> Cell {
        match value {
            Value::String(text) => Cell::Text(text),
            Value::Bool(b) => Cell::Bool(b),
            Value::Null => Cell::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Cell::Int(i),
                None => Cell::Float(n.as_f64().unwrap_or(0.0)),
            },
            other => Cell::Text(other.to_string()),
        }
    }
}

impl Cell {
    /// The words shown in a terminal or a Table at `now`.
    pub fn display(&self, now: DateTime<Utc>) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::Float(f) => Cow::Owned(f.to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Cell::Null => Cow::Borrowed(""),
            Cell::Age(since) => Cow::Owned(age(*since, now)),
            Cell::Restarts { count, last } => Cow::Owned(match last {
                Some(last) if *count != 0 => {
                    format!("{count} ({} ago)", human_duration(now - *last))
                }
                _ => count.to_string(),
            }),
        }
    }

    /// When the words shown after `now` change next (`None`: never, untimed).
    pub fn changes_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Cell::Age(Some(since)) => Some(next_age_change(*since, now)),
            Cell::Restarts {
                count,
                last: Some(last),
            } if *count != 0 => Some(next_age_change(*last, now)),
            _ => None,
        }
    }

    /// Whether the words change as time passes (they must be recomputed when shown).
    pub fn is_timed(&self) -> bool {
        matches!(
            self,
            Cell::Age(Some(_)) | Cell::Restarts { last: Some(_), .. }
        )
    }

    /// The cell as a `meta.k8s.io/v1` Table cell at `now`: numbers and booleans stay JSON
    /// numbers and booleans, as the API server sends them.
    pub fn to_json(&self, now: DateTime<Utc>) -> Value {
        match self {
            Cell::Int(i) => json!(i),
            Cell::Float(f) => json!(f),
            Cell::Bool(b) => json!(b),
            Cell::Null => Value::Null,
            other => Value::String(other.display(now).into_owned()),
        }
    }

    /// Orders two cells of one column: numbers by value, ages by how old (older first when
    /// ascending means "youngest first" is the natural reading), text naturally (`pod-9`
    /// before `pod-10`, `1/2` before `10/12`).
    pub fn compare(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Int(a), Cell::Int(b)) => a.cmp(b),
            (Cell::Float(a), Cell::Float(b)) => a.total_cmp(b),
            (Cell::Bool(a), Cell::Bool(b)) => a.cmp(b),
            // A later instant is a younger object: ascending age is descending time.
            (Cell::Age(a), Cell::Age(b)) => match (a, b) {
                (Some(a), Some(b)) => b.cmp(a),
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
            },
            (Cell::Restarts { count: a, .. }, Cell::Restarts { count: b, .. }) => a.cmp(b),
            (Cell::Text(a), Cell::Text(b)) => natural_cmp(a, b),
            // Mixed kinds (a custom column with odd values): empty last, then by rank.
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Cell::Int(_) | Cell::Float(_) | Cell::Restarts { .. } => 0,
            Cell::Bool(_) => 1,
            Cell::Age(_) => 2,
            Cell::Text(_) => 3,
            Cell::Null => 4,
        }
    }
}

/// Compares text with runs of digits compared as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

/// What a row's status means for an operator, for colour: the cockpit colours by this, never
/// by the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowHealth {
    /// Running and ready, or simply fine (a bound claim, an active namespace).
    Running,
    /// Ran to completion.
    Completed,
    /// Scheduling, pulling, initializing, binding: not wrong yet.
    Pending,
    /// Working but short (some replicas or containers not ready, a Warning event).
    Degraded,
    /// Crashing, failed, evicted, cannot pull, none ready: needs someone.
    Failed,
    Terminating,
    Unknown,
}

impl RowHealth {
    /// What kubectl's pod STATUS word means, with the READY counts.
    pub fn of_pod_status(status: &str, ready: u32, total: u32) -> RowHealth {
        match status {
            "Running" if ready == total => RowHealth::Running,
            "Running" | "NotReady" => RowHealth::Degraded,
            "Completed" | "Succeeded" => RowHealth::Completed,
            "Terminating" => RowHealth::Terminating,
            "Unknown" | "" => RowHealth::Unknown,
            "Pending" | "ContainerCreating" | "PodInitializing" | "SchedulingGated" => {
                RowHealth::Pending
            }
            // `Init:1/3` is progress; `Init:CrashLoopBackOff` or `Init:Error` is not.
            init if init
                .strip_prefix("Init:")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                RowHealth::Pending
            }
            _ => RowHealth::Failed,
        }
    }

    /// What a STATUS, STATE or PHASE word of any other kind means.
    pub fn of_status_word(word: &str) -> RowHealth {
        match word {
            "Active" | "Bound" | "Ready" | "Running" | "Available" | "True" | "Healthy"
            | "Succeeded" | "Complete" | "Completed" | "Established" => RowHealth::Running,
            "Terminating" => RowHealth::Terminating,
            "Pending" | "Progressing" | "Unknown" | "" => RowHealth::Pending,
            _ if word.starts_with("Ready") => RowHealth::Running,
            _ => RowHealth::Failed,
        }
    }

    /// Ready replicas of desired ones: none is a failure, some a degradation.
    pub fn of_ready(ready: i64, desired: i64) -> RowHealth {
        if desired > 0 && ready <= 0 {
            RowHealth::Failed
        } else if ready < desired {
            RowHealth::Degraded
        } else {
            RowHealth::Running
        }
    }
}

/// A kind's columns and how one object becomes a row.
#[derive(Clone, Copy)]
pub struct Printer {
    pub columns: &'static [Column],
    pub cells: fn(&Value) -> Vec<Cell>,
    /// Row conditions (`Completed` for finished pods), as the Table carries them.
    pub conditions: fn(&Value) -> Option<Value>,
    /// What the row's cells mean, read from this kind's own columns.
    pub health: fn(&[Cell]) -> RowHealth,
}

impl Printer {
    /// The cells of one object and what they mean.
    pub fn row(&self, object: &Value) -> (Vec<Cell>, RowHealth) {
        let cells = (self.cells)(object);
        let health = (self.health)(&cells);
        (cells, health)
    }
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

/// The columns for custom resources without printer columns (and kinds without a printer):
/// `NAME` and `AGE`, as the apiextensions convertor serves them.
pub fn default_columns() -> CustomColumns {
    CustomColumns::new(&[])
}

/// Kubernetes `duration.HumanDuration`: a short age with 2–3 significant figures (`45s`,
/// `5m3s`, `3h4m`, `2d3h`, `15d`, `2y100d`). Up to one second in the future reads `0s` (clock
/// skew); further is `<invalid>`.
pub fn human_duration(d: TimeDelta) -> String {
    // num_seconds truncates toward zero like Go's int(d.Seconds()).
    let seconds = d.num_seconds();
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// When [`human_duration`] of the time since `since` next reads differently after `now`:
/// each second for the first ten minutes, then each minute up to eight hours, each hour up to
/// eight days, each day after. A cockpit showing only old objects need not redraw every
/// second.
pub fn next_age_change(since: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = (now - since).num_seconds();
    if seconds < 0 {
        return now + TimeDelta::seconds(1);
    }
    let unit = if seconds < 600 {
        1
    } else if seconds < 8 * 3600 {
        60
    } else if seconds < 8 * 86_400 {
        3600
    } else {
        86_400
    };
    since + TimeDelta::seconds((seconds / unit + 1) * unit)
}

/// `translateTimestampSince`: the age of an instant, `<unknown>` when unset.
pub fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match since {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod pods_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn cells_show_ages_at_the_time_they_are_shown() {
        let created = Cell::Age(Some(now() - TimeDelta::seconds(303)));
        assert_eq!(created.display(now()), "5m3s");
        assert_eq!(created.display(now() + TimeDelta::minutes(10)), "15m");
        assert_eq!(Cell::Age(None).display(now()), "<unknown>");
        let restarts = Cell::Restarts {
            count: 3,
            last: Some(now() - TimeDelta::minutes(5)),
        };
        assert_eq!(restarts.display(now()), "3 (5m ago)");
        assert!(restarts.is_timed());
        assert_eq!(Cell::Int(4).to_json(now()), json!(4));
        assert_eq!(restarts.to_json(now()), json!("3 (5m ago)"));
    }

    #[test]
    fn durations_read_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (192, "3m12s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 600, "5h10m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (7 * 86400, "7d"),
            (45 * 86400, "45d"),
            (2 * 365 * 86400 + 30 * 86400, "2y30d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(
                human_duration(TimeDelta::seconds(seconds)),
                expected,
                "{seconds}s"
            );
        }
        assert_eq!(age(None, now()), "<unknown>");
        assert_eq!(age(Some(now() - TimeDelta::seconds(192)), now()), "3m12s");
    }

    #[test]
    fn an_age_changes_its_words_exactly_when_predicted() {
        for elapsed in [
            0, 59, 119, 599, 600, 3599, 10_799, 28_799, 28_800, 172_799, 700_000,
        ] {
            let since = now() - TimeDelta::seconds(elapsed);
            let next = next_age_change(since, now());
            assert!(next > now(), "{elapsed}");
            let before = next - TimeDelta::milliseconds(1);
            assert_eq!(
                age(Some(since), before),
                age(Some(since), now()),
                "{elapsed}: no change before {next}"
            );
            assert_ne!(
                age(Some(since), next),
                age(Some(since), now()),
                "{elapsed}: a change at {next}"
            );
        }
        assert_eq!(Cell::Int(3).changes_after(now()), None);
    }

    #[test]
    fn sorting_compares_like_a_person_would() {
        assert_eq!(natural_cmp("pod-9", "pod-10"), Ordering::Less);
        assert_eq!(natural_cmp("1/2", "10/12"), Ordering::Less);
        assert_eq!(natural_cmp("a007", "a7"), Ordering::Equal);
        assert_eq!(natural_cmp("b", "a"), Ordering::Greater);
        let old = Cell::Age(Some(now() - TimeDelta::days(2)));
        let young = Cell::Age(Some(now()));
        assert_eq!(
            young.compare(&old),
            Ordering::Less,
            "younger is a smaller age"
        );
        assert_eq!(Cell::Int(2).compare(&Cell::Int(10)), Ordering::Less);
        assert_eq!(
            Cell::Text("x".into()).compare(&Cell::Null),
            Ordering::Less,
            "empty cells sort last"
        );
    }
}
