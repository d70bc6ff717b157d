//! Small controllers that make the simulated cluster move.

use std::sync::Arc;

use tokio::sync::watch;

use super::http::SimState;
use super::scenario::RunGenerator;

pub fn spawn(state: Arc<SimState>, shutdown: watch::Receiver<bool>) {
    let _ = (state, shutdown);
}

pub fn spawn_runs(state: Arc<SimState>, runs: Vec<RunGenerator>, shutdown: watch::Receiver<bool>) {
    let _ = (state, runs, shutdown);
}
