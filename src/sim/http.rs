//! The HTTP front of the simulator.

use std::sync::Arc;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::SimError;

pub struct SimState {}

impl SimState {
    pub fn new() -> Self {
        SimState {}
    }
    pub fn seed(&self, obj: Value) -> Result<(), SimError> {
        let _ = obj;
        Ok(())
    }
}

impl Default for SimState {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn serve(listener: TcpListener, state: Arc<SimState>, shutdown: watch::Receiver<bool>) {
    let _ = (listener, state, shutdown);
}
