//! How values read in cells: ages and restart counts exactly as kubectl prints them.

use chrono::{DateTime, Duration, Utc};

/// kubectl's `HumanDuration`: `45s`, `3m12s`, `25m`, `5h10m`, `3d4h`, `45d`, `2y30d` (the
/// shared printers' implementation, so tables and badges read alike).
pub fn human_duration(elapsed: Duration) -> String {
    crate::printers::human_duration(elapsed)
}

/// The AGE column.
pub fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match since {
        Some(since) => human_duration(now - since),
        None => "<unknown>".to_string(),
    }
}

/// The RESTARTS column: `3 (5m ago)` when the last restart time is known and `with_when`.
pub fn restarts(
    count: u32,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    with_when: bool,
) -> String {
    match last {
        Some(last) if count > 0 && with_when => {
            format!("{count} ({} ago)", human_duration(now - last))
        }
        _ => count.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                human_duration(Duration::seconds(seconds)),
                expected,
                "{seconds}s"
            );
        }
    }

    #[test]
    fn restarts_say_when_if_asked_and_known() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let five_minutes_ago = Some(now - Duration::minutes(5));
        assert_eq!(restarts(3, five_minutes_ago, now, true), "3 (5m ago)");
        assert_eq!(restarts(3, five_minutes_ago, now, false), "3");
        assert_eq!(restarts(0, None, now, true), "0");
        assert_eq!(age(None, now), "<unknown>");
    }
}
