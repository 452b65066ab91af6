//! PodDisruptionBudget arithmetic (k8s-semantics §6, golden case G23): how many pods must
//! stay healthy and how many may be disrupted, as the disruption controller's
//! `getExpectedPodCount` and `updatePdbStatus` compute them. Percentages round up for both
//! `minAvailable` and `maxUnavailable` (`GetScaledValueFromIntOrPercent(..., true)`).

use crate::objects::IntOrPercent;

/// `spec.minAvailable` or `spec.maxUnavailable` of a PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisruptionBudget {
    /// At least this many (or this share of) the expected pods stay healthy.
    MinAvailable(IntOrPercent),
    /// At most this many (or this share of) the expected pods may be unavailable.
    MaxUnavailable(IntOrPercent),
}

impl DisruptionBudget {
    /// `desiredHealthy` for `expected` pods (the controller's scale, or the number of
    /// selected pods for a bare integer `minAvailable`).
    pub fn desired_healthy(self, expected: u32) -> u32 {
        match self {
            DisruptionBudget::MinAvailable(v) => v.resolve(expected, true),
            DisruptionBudget::MaxUnavailable(v) => {
                expected.saturating_sub(v.resolve(expected, true))
            }
        }
    }

    /// `status.disruptionsAllowed`: healthy pods beyond the desired count.
    pub fn disruptions_allowed(self, expected: u32, current_healthy: u32) -> u32 {
        current_healthy.saturating_sub(self.desired_healthy(expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::IntOrPercent::{Int, Percent};
    use DisruptionBudget::{MaxUnavailable, MinAvailable};

    /// G23: a Deployment of 7, all Ready.
    #[test]
    fn g23_pdb_arithmetic() {
        let allowed = |budget: DisruptionBudget, healthy| budget.disruptions_allowed(7, healthy);
        assert_eq!(allowed(MinAvailable(Int(5)), 7), 2);
        // ceil(3.5) = 4 must stay.
        assert_eq!(allowed(MinAvailable(Percent(50)), 7), 3);
        // ceil(3.5) = 4 may be unavailable, so 3 must stay.
        assert_eq!(allowed(MaxUnavailable(Percent(50)), 7), 4);
        assert_eq!(allowed(MaxUnavailable(Int(1)), 7), 1);
        assert_eq!(allowed(MinAvailable(Percent(100)), 7), 0);
        // One of the 7 not Ready.
        assert_eq!(allowed(MinAvailable(Int(5)), 6), 1);
    }

    #[test]
    fn more_than_expected_never_underflows() {
        assert_eq!(MaxUnavailable(Int(9)).desired_healthy(7), 0);
        assert_eq!(MinAvailable(Int(9)).disruptions_allowed(7, 7), 0);
    }
}
