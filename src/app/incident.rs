//! `:incident` (`I` on the layers): what is broken, worst first, each with the changes that
//! preceded it, beside the change timeline of the window, failed runs and Warning events —
//! one list of rows the cursor walks; Enter opens what a row is about (the component, the
//! object, the rollback wizard of a release).

use std::sync::Arc;

use chrono::Duration;

use crate::stack::incident::{ChangeKind, IncidentReport};

/// How far back the screen looks.
pub const WINDOW_HOURS: i64 = 2;

/// One row of the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    Heading(&'static str),
    /// A broken component (index into the report's incidents).
    Broken(usize),
    Reason(String),
    /// A change linked to a broken component: (incident, link).
    Link(usize, usize),
    /// A change of the timeline (index into the report's changes).
    Change(usize),
    Run(usize),
    Event(usize),
    Note(String),
}

impl Row {
    fn selectable(&self) -> bool {
        !matches!(self, Row::Heading(_) | Row::Reason(_) | Row::Note(_))
    }
}

/// What Enter opens from a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Component {
        namespace: String,
        name: String,
    },
    /// `Kind/name` in `namespace` (empty: cluster-scoped).
    Object {
        namespace: String,
        object: String,
    },
    /// The rollback wizard of a Helm release.
    Rollback {
        namespace: String,
        release: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct IncidentView {
    pub report: Option<Arc<IncidentReport>>,
    /// Why the last read failed.
    pub error: Option<String>,
    /// A read is under way.
    pub reading: bool,
    pub rows: Vec<Row>,
    pub selected: usize,
    pub offset: usize,
    /// Identifies the latest read; older answers are ignored.
    pub generation: u64,
    /// The incident bundle (`b`) being written or last written from this screen.
    pub bundle: Option<BundleLine>,
}

/// The line under the incident screen while a bundle is written, and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleLine {
    pub text: String,
    pub writing: bool,
    pub failed: bool,
}

impl IncidentView {
    pub fn window() -> Duration {
        Duration::hours(WINDOW_HOURS)
    }

    /// A new report; the cursor stays on the same row kind and position when it can.
    pub fn set_report(&mut self, report: Arc<IncidentReport>) {
        self.rows = rows_of(&report);
        self.report = Some(report);
        self.error = None;
        self.reading = false;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        if !self.rows.get(self.selected).is_some_and(Row::selectable) {
            self.selected = self.next_selectable(0, 1).unwrap_or(0);
        }
    }

    fn next_selectable(&self, from: usize, step: isize) -> Option<usize> {
        let mut at = from as isize;
        while at >= 0 && (at as usize) < self.rows.len() {
            if self.rows[at as usize].selectable() {
                return Some(at as usize);
            }
            at += step;
        }
        None
    }

    /// Moves the cursor by `delta` selectable rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        let step = delta.signum();
        let mut at = self.selected;
        for _ in 0..delta.unsigned_abs() {
            match self.next_selectable((at as isize + step).max(0) as usize, step) {
                Some(next) if next != at => at = next,
                _ => break,
            }
        }
        self.selected = at;
    }

    pub fn to_edge(&mut self, last: bool) {
        let found = if last {
            self.next_selectable(self.rows.len().saturating_sub(1), -1)
        } else {
            self.next_selectable(0, 1)
        };
        self.selected = found.unwrap_or(0);
    }

    /// What the row under the cursor is about.
    pub fn target(&self) -> Option<Target> {
        let report = self.report.as_deref()?;
        let change_target = |i: usize| {
            let c = &report.changes[i];
            match (c.kind, &c.release) {
                (ChangeKind::Release, Some(release)) => Target::Rollback {
                    namespace: c.namespace.clone(),
                    release: release.clone(),
                },
                _ => Target::Object {
                    namespace: c.namespace.clone(),
                    object: c.object.clone(),
                },
            }
        };
        match self.rows.get(self.selected)? {
            Row::Broken(i) => {
                let b = &report.incidents[*i].breakage;
                Some(Target::Component {
                    namespace: b.namespace.clone(),
                    name: b.component.clone(),
                })
            }
            Row::Link(i, l) => Some(change_target(report.incidents[*i].links[*l].change)),
            Row::Change(i) => Some(change_target(*i)),
            Row::Run(i) => {
                let r = &report.failed_runs[*i];
                Some(Target::Component {
                    namespace: r.namespace.clone(),
                    name: r.component.clone(),
                })
            }
            Row::Event(i) => {
                let e = &report.events[*i];
                Some(Target::Object {
                    namespace: e.namespace.clone(),
                    object: e.object.clone(),
                })
            }
            _ => None,
        }
    }
}

/// The screen's rows: broken (with reasons and linked changes), the timeline, failed runs,
/// Warning events, what could not be read.
fn rows_of(report: &IncidentReport) -> Vec<Row> {
    let mut rows = vec![Row::Heading(
        "BROKEN — worst first, with the changes before it",
    )];
    if report.incidents.is_empty() {
        rows.push(Row::Note("nothing is broken".into()));
    }
    for (i, incident) in report.incidents.iter().enumerate() {
        rows.push(Row::Broken(i));
        rows.extend(
            incident
                .breakage
                .reasons
                .iter()
                .take(3)
                .cloned()
                .map(Row::Reason),
        );
        if incident.links.is_empty() {
            rows.push(Row::Reason(
                "(no change found before it in the window)".into(),
            ));
        }
        rows.extend((0..incident.links.len()).map(|l| Row::Link(i, l)));
    }
    rows.push(Row::Heading("CHANGES — newest first"));
    if report.changes.is_empty() {
        rows.push(Row::Note("no change in the window".into()));
    }
    rows.extend((0..report.changes.len()).map(Row::Change));
    if !report.failed_runs.is_empty() {
        rows.push(Row::Heading("FAILED RUNS"));
        rows.extend((0..report.failed_runs.len()).map(Row::Run));
    }
    if !report.events.is_empty() {
        rows.push(Row::Heading("WARNING EVENTS — by object and reason"));
        rows.extend((0..report.events.len()).map(Row::Event));
    }
    rows.extend(report.warnings.iter().map(|w| Row::Note(format!("⚠ {w}"))));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::Layer;
    use crate::stack::health::Health;
    use crate::stack::incident::{Breakage, Change, correlate};
    use chrono::{DateTime, Utc};

    fn t(hm: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-12-05T{hm}:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn report() -> Arc<IncidentReport> {
        let breakage = Breakage {
            component: "superset".into(),
            namespace: "bi".into(),
            layer: Layer::Visualization,
            health: Health::Degraded,
            since: Some(t("13:32")),
            reasons: vec!["hook failed".into()],
            release: Some("superset".into()),
            objects: Default::default(),
        };
        let change = |at: &str, kind, object: &str| Change {
            at: t(at),
            kind,
            namespace: "bi".into(),
            object: object.into(),
            release: Some("superset".into()),
            by: None,
            summary: object.into(),
        };
        Arc::new(correlate(
            vec![breakage],
            vec![
                change("13:24", ChangeKind::Release, "Release/superset"),
                change("13:20", ChangeKind::Config, "ConfigMap/superset-config"),
            ],
            vec![],
            vec![],
            t("12:00"),
            t("14:00"),
        ))
    }

    #[test]
    fn the_cursor_walks_the_rows_that_open_something() {
        let mut view = IncidentView::default();
        view.set_report(report());
        assert_eq!(
            view.target(),
            Some(Target::Component {
                namespace: "bi".into(),
                name: "superset".into()
            }),
            "starts on the broken component, past the heading"
        );
        view.move_by(1);
        assert_eq!(
            view.target(),
            Some(Target::Rollback {
                namespace: "bi".into(),
                release: "superset".into()
            }),
            "a linked release revision opens the rollback wizard (the reason row is skipped)"
        );
        view.move_by(1);
        assert_eq!(
            view.target(),
            Some(Target::Object {
                namespace: "bi".into(),
                object: "ConfigMap/superset-config".into()
            })
        );
        view.to_edge(true);
        assert_eq!(view.rows[view.selected], Row::Change(1));
        view.move_by(100);
        assert_eq!(view.rows[view.selected], Row::Change(1), "clamped");
    }
}
