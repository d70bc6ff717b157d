//! The Deployment controller's arithmetic, as Kubernetes does it
//! (kubernetes `pkg/controller/deployment/{rolling,recreate}.go`, `util/deployment_util.go`):
//! how far the new ReplicaSet scales up within `maxSurge`, how far the old ones scale down
//! without going under `replicas - maxUnavailable` available pods, and `Recreate`'s old-first
//! order. Pure, so a rollout whose new pods never become ready is seen to keep the old ones.

use serde_json::Value;

/// A Deployment's `spec.strategy`, resolved against its replica count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    RollingUpdate {
        max_surge: i64,
        max_unavailable: i64,
    },
    Recreate,
}

impl Strategy {
    /// The strategy of `deployment` for `replicas` pods: surge rounds up, unavailable rounds
    /// down, 25% each by default; both zero would never progress, so unavailable becomes 1
    /// (Kubernetes' `ResolveFenceposts`).
    pub fn of(deployment: &Value, replicas: i64) -> Strategy {
        let strategy = &deployment["spec"]["strategy"];
        if strategy["type"] == "Recreate" {
            return Strategy::Recreate;
        }
        let rolling = &strategy["rollingUpdate"];
        let max_surge = resolve(&rolling["maxSurge"], replicas, true);
        let mut max_unavailable = resolve(&rolling["maxUnavailable"], replicas, false);
        if max_surge == 0 && max_unavailable == 0 {
            max_unavailable = 1;
        }
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        }
    }

    /// Pods that may be unavailable while the Deployment still counts as available.
    pub fn max_unavailable(self) -> i64 {
        match self {
            Strategy::RollingUpdate {
                max_unavailable, ..
            } => max_unavailable,
            Strategy::Recreate => 0,
        }
    }

    pub fn max_surge(self) -> i64 {
        match self {
            Strategy::RollingUpdate { max_surge, .. } => max_surge,
            Strategy::Recreate => 0,
        }
    }
}

/// An int-or-percent (`2`, `"25%"`) of `total`; absent means 25%.
fn resolve(value: &Value, total: i64, round_up: bool) -> i64 {
    if let Some(n) = value.as_i64() {
        return n.max(0);
    }
    let percent = value
        .as_str()
        .and_then(|s| s.strip_suffix('%'))
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(25)
        .max(0);
    let scaled = percent * total;
    if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    }
}

/// One ReplicaSet as the controller counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaCounts {
    /// `spec.replicas`: the pods it is asked for.
    pub wanted: i64,
    /// `status.replicas`: the pods it has.
    pub pods: i64,
    /// `status.availableReplicas`.
    pub available: i64,
}

/// The next `spec.replicas` of the new ReplicaSet and of each old one (in the order given,
/// oldest first) for a Deployment of `replicas` pods.
pub fn next_step(
    strategy: Strategy,
    replicas: i64,
    new: ReplicaCounts,
    old: &[ReplicaCounts],
) -> (i64, Vec<i64>) {
    match strategy {
        Strategy::Recreate => {
            // Every old pod goes first; the new ReplicaSet scales up once none is left.
            let old_running = old.iter().any(|rs| rs.wanted > 0 || rs.pods > 0);
            let new_wanted = if old_running { new.wanted } else { replicas };
            (new_wanted, vec![0; old.len()])
        }
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => rolling_step(replicas, max_surge, max_unavailable, new, old),
    }
}

fn rolling_step(
    replicas: i64,
    max_surge: i64,
    max_unavailable: i64,
    new: ReplicaCounts,
    old: &[ReplicaCounts],
) -> (i64, Vec<i64>) {
    let mut old_wanted: Vec<i64> = old.iter().map(|rs| rs.wanted).collect();
    // Scale the new ReplicaSet up while all pods stay within replicas + maxSurge.
    let new_wanted = if new.wanted >= replicas {
        replicas
    } else {
        let all: i64 = new.wanted + old_wanted.iter().sum::<i64>();
        let room = (replicas + max_surge - all).max(0);
        new.wanted + room.min(replicas - new.wanted)
    };
    if old_wanted.iter().all(|w| *w == 0) {
        return (new_wanted, old_wanted);
    }
    // Old pods go only as far as keeps replicas - maxUnavailable available, counting the new
    // ReplicaSet's not-yet-available pods as the ones already missing.
    let min_available = replicas - max_unavailable;
    let all: i64 = new_wanted + old_wanted.iter().sum::<i64>();
    let new_unavailable = (new_wanted - new.available).max(0);
    let max_scaled_down = all - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return (new_wanted, old_wanted);
    }
    // First the old pods that are not available anyway.
    let mut cleaned = 0;
    for (wanted, rs) in old_wanted.iter_mut().zip(old) {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = (*wanted - rs.available).max(0);
        let down = unhealthy.min(max_scaled_down - cleaned);
        *wanted -= down;
        cleaned += down;
    }
    // Then available ones, as long as enough stay available.
    let available: i64 = new.available + old.iter().map(|rs| rs.available).sum::<i64>();
    let mut budget = available - min_available;
    for wanted in old_wanted.iter_mut() {
        if budget <= 0 {
            break;
        }
        let down = (*wanted).min(budget);
        *wanted -= down;
        budget -= down;
    }
    (new_wanted, old_wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs(wanted: i64, available: i64) -> ReplicaCounts {
        ReplicaCounts {
            wanted,
            pods: wanted,
            available,
        }
    }

    #[test]
    fn defaults_are_a_quarter_surge_up_and_unavailable_down() {
        let d = json!({"spec": {}});
        assert_eq!(
            Strategy::of(&d, 1),
            Strategy::RollingUpdate {
                max_surge: 1,
                max_unavailable: 0
            }
        );
        assert_eq!(
            Strategy::of(&d, 10),
            Strategy::RollingUpdate {
                max_surge: 3,
                max_unavailable: 2
            }
        );
        let fixed = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(
            Strategy::of(&fixed, 4),
            Strategy::RollingUpdate {
                max_surge: 0,
                max_unavailable: 1
            }
        );
        let recreate = json!({"spec": {"strategy": {"type": "Recreate"}}});
        assert_eq!(Strategy::of(&recreate, 3), Strategy::Recreate);
    }

    #[test]
    fn a_new_revision_that_never_becomes_ready_leaves_the_old_pod_serving() {
        let strategy = Strategy::of(&json!({}), 1);
        // The new ReplicaSet surges to 1; the old one keeps its pod.
        assert_eq!(next_step(strategy, 1, rs(0, 0), &[rs(1, 1)]), (1, vec![1]));
        // Still not available: nothing more happens.
        assert_eq!(next_step(strategy, 1, rs(1, 0), &[rs(1, 1)]), (1, vec![1]));
        // Available: the old pod goes.
        assert_eq!(next_step(strategy, 1, rs(1, 1), &[rs(1, 1)]), (1, vec![0]));
    }

    #[test]
    fn a_rolling_update_of_ten_moves_within_surge_and_unavailable() {
        let strategy = Strategy::of(&json!({}), 10);
        // Surge 3 up front; 2 old pods may go at once (8 stay available).
        assert_eq!(
            next_step(strategy, 10, rs(0, 0), &[rs(10, 10)]),
            (3, vec![8])
        );
        // Three new pods available: two more surge, the old ones go down to keep 8 available.
        assert_eq!(next_step(strategy, 10, rs(3, 3), &[rs(8, 8)]), (5, vec![5]));
        // Old pods that are not available go first, whatever the budget.
        assert_eq!(
            next_step(strategy, 10, rs(3, 0), &[rs(10, 7)]),
            (3, vec![8])
        );
    }

    #[test]
    fn recreate_scales_the_old_pods_to_zero_first() {
        let pods = |wanted, pods| ReplicaCounts {
            wanted,
            pods,
            available: wanted,
        };
        assert_eq!(
            next_step(Strategy::Recreate, 2, rs(0, 0), &[pods(2, 2)]),
            (0, vec![0])
        );
        // Scaled to zero, a pod still terminating: the new ones wait.
        assert_eq!(
            next_step(Strategy::Recreate, 2, rs(0, 0), &[pods(0, 1)]),
            (0, vec![0])
        );
        assert_eq!(
            next_step(Strategy::Recreate, 2, rs(0, 0), &[rs(0, 0)]),
            (2, vec![0])
        );
    }
}
