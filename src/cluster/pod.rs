//! What a row's status means for an operator, for colour: the theme colours by this, not by
//! the word (kubectl's STATUS is computed once, by the shared printers).

/// What the STATUS word means for an operator; the theme colours by this, not by the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodHealth {
    /// Running with every container ready.
    Running,
    /// Ran to completion.
    Completed,
    /// Scheduling, pulling, initializing: not wrong yet.
    Pending,
    /// Running but not all containers ready.
    Degraded,
    /// Crashing, failed, evicted, cannot pull: needs someone.
    Failed,
    Terminating,
    Unknown,
}

impl PodHealth {
    /// Classifies a kubectl STATUS word.
    pub fn of_status(status: &str, ready: u32, total: u32) -> PodHealth {
        match status {
            "Running" if ready == total => PodHealth::Running,
            "Running" | "NotReady" => PodHealth::Degraded,
            "Completed" | "Succeeded" => PodHealth::Completed,
            "Terminating" => PodHealth::Terminating,
            "Unknown" | "" => PodHealth::Unknown,
            "Pending" | "ContainerCreating" | "PodInitializing" | "SchedulingGated" => {
                PodHealth::Pending
            }
            // `Init:1/3` is progress; `Init:CrashLoopBackOff` or `Init:Error` is not.
            init if init
                .strip_prefix("Init:")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                PodHealth::Pending
            }
            _ => PodHealth::Failed,
        }
    }
}
