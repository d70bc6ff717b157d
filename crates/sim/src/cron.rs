//! Cron schedules as CronJobs use them: five fields (minute hour day-of-month month
//! day-of-week) with `*`, lists, ranges, steps and names, plus `@hourly`-style macros.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

/// A parsed schedule: the allowed values of each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    days: Vec<u32>,
    months: Vec<u32>,
    weekdays: Vec<u32>,
    /// Whether day-of-month and day-of-week were both restricted (then either matches).
    day_or: bool,
}

/// A schedule that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid cron schedule {schedule:?}: {why}")]
pub struct CronError {
    pub schedule: String,
    pub why: String,
}

fn field(text: &str, min: u32, max: u32, names: &[&str]) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("zero step in {part:?}"));
        }
        let value = |v: &str| -> Result<u32, String> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                return Ok(i as u32 + min);
            }
            v.parse::<u32>().map_err(|_| format!("bad value {v:?}"))
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        // Sunday may be written 7.
        let hi = if max == 6 && hi == 7 { 6 } else { hi };
        let lo = if max == 6 && lo == 7 { 0 } else { lo };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{part:?} is outside {min}-{max}"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, CronError> {
        let expanded = match text.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let err = |why: String| CronError {
            schedule: text.to_string(),
            why,
        };
        // CronJobs may carry a CRON_TZ=/TZ= prefix; the simulator runs in UTC.
        let expanded = expanded
            .split_whitespace()
            .filter(|p| !p.starts_with("CRON_TZ=") && !p.starts_with("TZ="))
            .collect::<Vec<_>>();
        if expanded.len() != 5 {
            return Err(err(format!("expected 5 fields, found {}", expanded.len())));
        }
        const MONTHS: &[&str] = &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        Ok(Schedule {
            minutes: field(expanded[0], 0, 59, &[]).map_err(err)?,
            hours: field(expanded[1], 0, 23, &[]).map_err(err)?,
            days: field(expanded[2], 1, 31, &[]).map_err(err)?,
            months: field(expanded[3], 1, 12, MONTHS).map_err(err)?,
            weekdays: field(expanded[4], 0, 6, DAYS).map_err(err)?,
            day_or: expanded[2] != "*" && expanded[4] != "*",
        })
    }

    fn day_matches(&self, t: DateTime<Utc>) -> bool {
        let dom = self.days.contains(&t.day());
        let dow = self.weekdays.contains(&t.weekday().num_days_from_sunday());
        if self.day_or { dom || dow } else { dom && dow }
    }

    /// The first scheduled time strictly after `after` (within about 4 years).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut t = after.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = after + Duration::days(366 * 4);
        while t <= limit {
            if !self.months.contains(&t.month()) || !self.day_matches(t) {
                t = (t + Duration::days(1)).with_hour(0)?.with_minute(0)?;
                continue;
            }
            if !self.hours.contains(&t.hour()) {
                t = (t + Duration::hours(1)).with_minute(0)?;
                continue;
            }
            if !self.minutes.contains(&t.minute()) {
                t += Duration::minutes(1);
                continue;
            }
            return Some(t);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn next_times() {
        let s = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            s.next_after(at("2026-11-26T12:03:10Z")),
            Some(at("2026-11-26T12:05:00Z"))
        );
        assert_eq!(
            s.next_after(at("2026-11-26T12:05:00Z")),
            Some(at("2026-11-26T12:10:00Z"))
        );
        let daily = Schedule::parse("30 2 * * *").unwrap();
        assert_eq!(
            daily.next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-11-27T02:30:00Z"))
        );
        let weekly = Schedule::parse("0 6 * * mon").unwrap();
        assert_eq!(
            weekly.next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-11-30T06:00:00Z"))
        );
        assert_eq!(
            Schedule::parse("@hourly")
                .unwrap()
                .next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-11-26T13:00:00Z"))
        );
        let range = Schedule::parse("0 9-17/4 * * 1-5").unwrap();
        assert_eq!(
            range.next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-11-26T13:00:00Z"))
        );
    }

    #[test]
    fn rejects_bad_schedules() {
        assert!(Schedule::parse("* * *").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("*/0 * * * *").is_err());
        assert!(Schedule::parse("x * * * *").is_err());
    }
}
