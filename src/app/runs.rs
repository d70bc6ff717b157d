//! The runs view: every run the stack knows (from the layers' feed, so no watch of its own),
//! newest first, narrowed by a filter of words — each word must match the run's state, tool,
//! name, component, namespace or reason (`failed airbyte`, `!succeeded`) — and, when opened
//! from a component, to that component. The cursor sticks to its run by id.

use std::sync::Arc;

use crate::stack::Run;

/// What the runs view shows.
#[derive(Clone, Debug, Default)]
pub struct RunsView {
    /// All runs, as the feed last said.
    runs: Arc<Vec<Run>>,
    /// The words typed after `/` (or `:runs`).
    pub filter: String,
    /// Only this component's runs: (namespace, component name).
    pub component: Option<(String, String)>,
    /// Indices into `runs` of the runs shown, newest first.
    shown: Vec<usize>,
    /// The run under the cursor, by id.
    pub selected: Option<String>,
    pub offset: usize,
}

impl RunsView {
    pub fn new(runs: Arc<Vec<Run>>, filter: &str, component: Option<(String, String)>) -> Self {
        let mut view = RunsView {
            runs,
            filter: filter.trim().to_string(),
            component,
            ..RunsView::default()
        };
        view.refilter();
        view
    }

    /// New runs from the feed; the cursor stays on its run.
    pub fn set_runs(&mut self, runs: Arc<Vec<Run>>) {
        self.runs = runs;
        self.refilter();
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.trim().to_string();
        self.refilter();
    }

    fn refilter(&mut self) {
        let terms: Vec<(bool, String)> = self
            .filter
            .split_whitespace()
            .map(|t| match t.strip_prefix('!') {
                Some(rest) => (true, rest.to_lowercase()),
                None => (false, t.to_lowercase()),
            })
            .filter(|(_, t)| !t.is_empty())
            .collect();
        self.shown = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, run)| {
                self.component
                    .as_ref()
                    .is_none_or(|(ns, name)| run.namespace == *ns && run.component == *name)
            })
            .filter(|(_, run)| {
                terms
                    .iter()
                    .all(|(inverse, term)| matches(run, term) != *inverse)
            })
            .map(|(i, _)| i)
            .collect();
    }

    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// Every run known, shown or not.
    pub fn total(&self) -> usize {
        self.runs.len()
    }

    pub fn row(&self, index: usize) -> Option<&Run> {
        self.shown.get(index).map(|&i| &self.runs[i])
    }

    pub fn selected_index(&self) -> usize {
        let Some(id) = &self.selected else { return 0 };
        self.shown
            .iter()
            .position(|&i| self.runs[i].id == *id)
            .unwrap_or(0)
    }

    pub fn selected_run(&self) -> Option<&Run> {
        self.row(self.selected_index())
    }

    pub(crate) fn select(&mut self, index: usize) {
        self.selected = self.row(index).map(|run| run.id.clone());
    }
}

/// Whether one filter word (lower-case) matches a run: a state word exactly, anything else as
/// a part of a tool, name, component, namespace, id or reason.
fn matches(run: &Run, term: &str) -> bool {
    if crate::stack::RunState::parse(term).is_some() {
        return run.state.as_str() == term
            || (term == "failed" && run.state == crate::stack::RunState::Retrying);
    }
    let contains = |text: &str| text.to_lowercase().contains(term);
    run.tool.as_deref().is_some_and(contains)
        || run.tool_name.as_deref().is_some_and(contains)
        || contains(&run.name)
        || contains(&run.component)
        || contains(&run.namespace)
        || contains(&run.id)
        || run.reason.as_deref().is_some_and(contains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::RunState;

    fn run(id: &str, tool: &str, state: RunState, reason: Option<&str>) -> Run {
        Run {
            id: id.into(),
            kind: "Pod".into(),
            namespace: "etl".into(),
            tool: Some(tool.into()),
            tool_name: Some(tool.into()),
            component: tool.into(),
            series: None,
            name: format!("{tool} run"),
            title: String::new(),
            noun: String::new(),
            try_number: None,
            tries: 1,
            state,
            started: None,
            finished: None,
            pods: Vec::new(),
            follow_selector: None,
            reason: reason.map(str::to_string),
        }
    }

    fn runs() -> Arc<Vec<Run>> {
        Arc::new(vec![
            run(
                "etl/a",
                "airbyte",
                RunState::Failed,
                Some("Connection refused"),
            ),
            run("etl/b", "airflow", RunState::Retrying, None),
            run("etl/c", "airflow", RunState::Succeeded, None),
            run("etl/d", "dbt", RunState::Running, None),
        ])
    }

    fn ids(view: &RunsView) -> Vec<&str> {
        (0..view.len())
            .map(|i| view.row(i).unwrap().id.as_str())
            .collect()
    }

    #[test]
    fn every_word_must_match_and_states_match_exactly() {
        let mut view = RunsView::new(runs(), "", None);
        assert_eq!(view.len(), 4);
        view.set_filter("airflow succeeded");
        assert_eq!(ids(&view), ["etl/c"]);
        view.set_filter("failed");
        assert_eq!(
            ids(&view),
            ["etl/a", "etl/b"],
            "a retrying run has a failed try"
        );
        view.set_filter("refused");
        assert_eq!(ids(&view), ["etl/a"], "reasons are searched");
        view.set_filter("!succeeded !failed");
        assert_eq!(ids(&view), ["etl/d"]);
    }

    #[test]
    fn the_cursor_stays_on_its_run_and_a_component_narrows_the_list() {
        let mut view = RunsView::new(runs(), "", None);
        view.select(2);
        assert_eq!(view.selected_run().unwrap().id, "etl/c");
        let mut more = (*runs()).clone();
        more.insert(0, run("etl/e", "dbt", RunState::Pending, None));
        view.set_runs(Arc::new(more));
        assert_eq!(view.selected_run().unwrap().id, "etl/c");
        assert_eq!(view.selected_index(), 3);
        let view = RunsView::new(runs(), "", Some(("etl".into(), "airflow".into())));
        assert_eq!(ids(&view), ["etl/b", "etl/c"]);
    }
}
