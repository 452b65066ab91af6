//! Probe timing in closed form: when does a probe's published result flip?
//!
//! A probe worker in the kubelet ticks every `periodSeconds` for as long as its container
//! lives. Simulating each tick would make a healthy pod cost work every period forever, so
//! the engine instead asks this module one question per transition: "given how the
//! container behaves, at which tick does the published result next change?" The answer is
//! computed in O(1) from the tick grid and the behaviour window, so the cost of a probe
//! grows with the number of transitions, not with simulated time.
//!
//! The tick model is the simulator's canonical choice (k8s-semantics 1.8):
//!
//! * regular ticks fall at `container_start + k × period` for `k = 0, 1, 2, …`;
//! * `initialDelaySeconds` is a filter, not a timer: a tick is skipped (neither probed nor
//!   counted) while `floor((tick − container_start) in seconds) < initialDelaySeconds`;
//! * an optional manual tick models the kubelet's immediate readiness probe when a started
//!   container has no readiness result yet; it obeys the same initial-delay filter and is
//!   merged with the regular ticks in time order (a manual tick on a regular tick counts
//!   once);
//! * ticks before [`TickPlan::not_before`] are not considered, because the worker was gated
//!   (liveness and readiness before startup succeeded, k8s-semantics 1.7) or because a
//!   previous flip already consumed them.
//!
//! The published result follows the worker's counters (k8s-semantics 1.6, `worker.go`): it
//! flips to a target outcome after `threshold` consecutive outcomes equal to the target.
//! The outcome at each tick comes from an [`OutcomeWindow`]: Success inside
//! `[pass_from, fail_from)`, Failure outside.
//!
//! [`ticks`] and [`next_flip_eager`] are the obviously-correct reference model that walks
//! every tick; the tests prove [`next_flip`] agrees with it.

use crate::objects::Probe;
use crate::time::{SimDuration, SimTime};

/// Milliseconds per second, for the whole-second initial-delay filter.
const MILLIS_PER_SEC: u128 = 1000;

/// Kubernetes' default `periodSeconds`, used when a probe says zero (k8s-semantics 1.1).
const DEFAULT_PERIOD: SimDuration = SimDuration::from_secs(10);

/// When a probe succeeds, relative to container start: Success iff
/// `pass_from <= elapsed < fail_from`, Failure otherwise.
///
/// `fail_from: None` means the probe never starts failing again; a `fail_from` at or
/// before `pass_from` means the probe never succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeWindow {
    /// First elapsed time at which the probe succeeds (may be zero).
    pub pass_from: SimDuration,
    /// First elapsed time at which the probe fails again, or `None` for never.
    pub fail_from: Option<SimDuration>,
}

impl OutcomeWindow {
    /// A probe that succeeds from container start on.
    pub const ALWAYS: OutcomeWindow = OutcomeWindow {
        pass_from: SimDuration::ZERO,
        fail_from: None,
    };

    /// A probe that never succeeds.
    pub const NEVER: OutcomeWindow = OutcomeWindow {
        pass_from: SimDuration::ZERO,
        fail_from: Some(SimDuration::ZERO),
    };

    /// The probe outcome `elapsed` after container start: `true` for Success.
    pub fn outcome_at(&self, elapsed: SimDuration) -> bool {
        elapsed >= self.pass_from && self.fail_from.is_none_or(|fail| elapsed < fail)
    }
}

/// Which ticks of one probe worker count, for one question to [`next_flip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickPlan {
    /// When the container instance started; regular ticks are `container_start + k × period`.
    pub container_start: SimTime,
    /// The probe period. A zero period is read as one millisecond (the clock's resolution) so
    /// the tick sequence always advances; [`TickPlan::for_probe`] never produces it.
    pub period: SimDuration,
    /// `initialDelaySeconds`. The filter compares whole elapsed seconds, so a delay that is
    /// not a whole number of seconds acts as if rounded up to the next second.
    pub initial_delay: SimDuration,
    /// An extra probe at this instant (the kubelet's immediate readiness probe once a
    /// container is started). It counts if it is at or after `not_before`, whatever
    /// `inclusive` says, and passes the initial-delay filter. When re-planning after a flip,
    /// drop a manual tick that is not after the flip (see [`TickPlan::after_flip`]).
    pub manual_tick: Option<SimTime>,
    /// Ticks before this instant are not considered; the caller guarantees that the run
    /// count starts fresh here.
    pub not_before: SimTime,
    /// Whether a regular tick at exactly `not_before` counts.
    pub inclusive: bool,
}

impl TickPlan {
    /// The plan of a fresh worker for `probe` on a container that started at
    /// `container_start`: every tick from the start counts, no manual tick.
    ///
    /// A zero `period_seconds` is read as Kubernetes' default of 10 s (k8s-semantics 1.1:
    /// zero in the spec means "use default").
    pub fn for_probe(probe: &Probe, container_start: SimTime) -> TickPlan {
        let period = match probe.period_seconds {
            0 => DEFAULT_PERIOD,
            secs => SimDuration::from_secs(u64::from(secs)),
        };
        TickPlan {
            container_start,
            period,
            initial_delay: SimDuration::from_secs(u64::from(probe.initial_delay_seconds)),
            manual_tick: None,
            not_before: container_start,
            inclusive: true,
        }
    }

    /// The plan for the next question after `flip`: only ticks strictly after the flip tick
    /// count (the counters of the opposite outcome start fresh there), and the manual tick
    /// is kept only if it is still to come.
    pub fn after_flip(&self, flip: &Flip) -> TickPlan {
        TickPlan {
            manual_tick: self.manual_tick.filter(|&at| at > flip.at),
            not_before: flip.at,
            inclusive: false,
            ..*self
        }
    }

    fn period_millis(&self) -> u64 {
        self.period.as_millis().max(1)
    }

    /// `floor(elapsed seconds) >= initialDelaySeconds`, written as in `worker.go`.
    fn passes_initial_delay(&self, tick: SimTime) -> bool {
        let elapsed = tick.saturating_since(self.container_start).as_millis();
        (elapsed / 1000) * 1000 >= self.initial_delay.as_millis()
    }
}

/// A flip of the published result, as found by [`next_flip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flip {
    /// The tick whose outcome completed the run: the published result changes here.
    pub at: SimTime,
    /// The tick where the run of target outcomes began.
    pub first_of_run: SimTime,
    /// The number of consecutive target outcomes in the run (the effective threshold).
    pub run_length: u32,
}

/// The first instant at which `threshold` consecutive outcomes equal `target`, or `None` if
/// that never happens.
///
/// `target` is `true` for Success (pass `successThreshold`) and `false` for Failure (pass
/// `failureThreshold`). A `threshold` of zero is treated as 1: Kubernetes replaces a zero
/// threshold by its default when the pod is created, so callers normally pass at least 1.
///
/// Runs in constant time: the window splits elapsed time into at most three segments
/// (fail, success, fail), each segment boundary becomes a tick index by integer ceiling
/// division, and the manual tick is slotted into the resulting runs. All arithmetic is in
/// integers and cannot overflow; ticks beyond [`SimTime::MAX`] do not exist.
pub fn next_flip(
    plan: &TickPlan,
    window: &OutcomeWindow,
    target: bool,
    threshold: u32,
) -> Option<Flip> {
    let threshold = threshold.max(1);
    let grid = Grid::new(plan, window);

    // Runs of target outcomes among the counted ticks, as half-open ranges of positions in
    // the merged sequence. At most two regular runs, each split in two by the manual tick,
    // plus the manual tick itself.
    let mut runs = [(0u128, 0u128); 5];
    let mut len = 0;
    for (lo, hi) in grid.regular_target_runs(window, target) {
        for piece in grid.positions(lo, hi) {
            if piece.0 < piece.1 {
                runs[len] = piece;
                len += 1;
            }
        }
    }
    if let Some(manual) = grid.manual.filter(|manual| manual.outcome == target) {
        runs[len] = (manual.position, manual.position + 1);
        len += 1;
    }
    let runs = &mut runs[..len];
    runs.sort_unstable();

    // Runs whose positions touch have no counted tick between them, so they are one run.
    let mut current: Option<(u128, u128)> = None;
    for &(lo, hi) in runs.iter() {
        let start = match current {
            Some((start, end)) if end == lo => start,
            _ => lo,
        };
        current = Some((start, hi));
        if hi - start >= u128::from(threshold) {
            return Some(Flip {
                at: grid.time_at(start + u128::from(threshold) - 1),
                first_of_run: grid.time_at(start),
                run_length: threshold,
            });
        }
    }
    None
}

/// The manual tick, when it counts and is not a regular tick already.
#[derive(Debug, Clone, Copy)]
struct Manual {
    at: u128,
    /// Its position in the merged sequence of counted ticks.
    position: u128,
    outcome: bool,
}

/// The counted ticks of a plan: regular indices `first..end`, plus maybe the manual tick.
///
/// Positions number the counted ticks in time order from 0; a regular index maps to a
/// position by subtracting `first` and adding one if the manual tick comes before it.
/// Everything is `u128` so that `index × period` and `+ 1` never overflow.
struct Grid {
    start: u128,
    period: u128,
    first: u128,
    end: u128,
    manual: Option<Manual>,
}

impl Grid {
    fn new(plan: &TickPlan, window: &OutcomeWindow) -> Grid {
        let start = u128::from(plan.container_start.as_millis());
        let period = u128::from(plan.period_millis());
        // Regular ticks that fit on the clock: `start + k × period <= u64::MAX`.
        let end = (u128::from(u64::MAX) - start) / period + 1;
        // The filter `floor(elapsed s) >= delay s` is `elapsed >= delay rounded up to seconds`.
        let delay =
            u128::from(plan.initial_delay.as_millis()).div_ceil(MILLIS_PER_SEC) * MILLIS_PER_SEC;
        let first_after_delay = delay.div_ceil(period);
        let not_before = u128::from(plan.not_before.as_millis());
        let first_after_gate = match not_before.checked_sub(start) {
            None => 0,
            Some(gap) if plan.inclusive => gap.div_ceil(period),
            Some(gap) => gap / period + 1,
        };
        let first = first_after_delay.max(first_after_gate).min(end);

        let manual = plan
            .manual_tick
            .filter(|&at| at >= plan.not_before && plan.passes_initial_delay(at))
            .and_then(|at| {
                let at_millis = u128::from(at.as_millis());
                // Regular ticks with an index below `split` come before the manual tick.
                let split = match at_millis.checked_sub(start) {
                    None => 0,
                    Some(elapsed) if elapsed % period == 0 && elapsed / period >= first => {
                        return None; // the same instant as a counted regular tick
                    }
                    Some(elapsed) => elapsed / period + 1,
                };
                Some(Manual {
                    at: at_millis,
                    position: split.max(first) - first,
                    outcome: window.outcome_at(at.saturating_since(plan.container_start)),
                })
            });
        Grid {
            start,
            period,
            first,
            end,
            manual,
        }
    }

    /// Regular indices in `first..end` whose outcome is `target`, as at most two maximal
    /// half-open ranges in time order.
    fn regular_target_runs(
        &self,
        window: &OutcomeWindow,
        target: bool,
    ) -> impl Iterator<Item = (u128, u128)> {
        // Regular tick `k` has elapsed time `k × period`, so elapsed `>= t` iff `k >= ceil(t / period)`.
        let index_of = |d: SimDuration| u128::from(d.as_millis()).div_ceil(self.period);
        let pass = index_of(window.pass_from);
        let fail = window.fail_from.map_or(self.end, index_of);
        let ranges = if target {
            [(pass, fail), (0, 0)]
        } else if fail <= pass {
            [(0, self.end), (0, 0)]
        } else {
            [(0, pass), (fail, self.end)]
        };
        let (first, end) = (self.first, self.end);
        ranges
            .into_iter()
            .map(move |(lo, hi)| (lo.max(first), hi.min(end)))
            .filter(|(lo, hi)| lo < hi)
    }

    /// The positions of the regular indices `lo..hi` (within `first..end`): one range, or
    /// two when the manual tick falls inside (either may be empty).
    fn positions(&self, lo: u128, hi: u128) -> [(u128, u128); 2] {
        let (lo, hi) = (lo - self.first, hi - self.first);
        match self.manual {
            Some(manual) => {
                // The manual tick sits at `manual.position`: indices before it keep their
                // offset, indices after it move up by one.
                let split = manual.position;
                [(lo, hi.min(split)), (lo.max(split) + 1, hi.max(split) + 1)]
            }
            None => [(lo, hi), (0, 0)],
        }
    }

    fn time_at(&self, position: u128) -> SimTime {
        let index = match self.manual {
            Some(manual) if position == manual.position => return millis_to_time(manual.at),
            Some(manual) if position > manual.position => self.first + position - 1,
            _ => self.first + position,
        };
        millis_to_time(self.start + index * self.period)
    }
}

/// Every tick this module returns fits on the clock by construction; saturate to be safe.
fn millis_to_time(millis: u128) -> SimTime {
    SimTime(u64::try_from(millis).unwrap_or(u64::MAX))
}

/// Reference model: the counted ticks of `plan` in time order, up to and including `until`.
///
/// Walks the regular ticks one by one, applies the gate and the initial-delay filter
/// literally, and merges the manual tick; used by tests and by an eager mode.
pub fn ticks(plan: &TickPlan, until: SimTime) -> Vec<SimTime> {
    let start = plan.container_start.as_millis();
    let period = plan.period_millis();
    let mut manual = plan
        .manual_tick
        .filter(|&at| at <= until && at >= plan.not_before && plan.passes_initial_delay(at));
    let mut out = Vec::new();
    // Ticks before the gate never count, so the walk may begin just before it.
    let mut k = plan.not_before.as_millis().saturating_sub(start) / period;
    while let Some(tick) = k
        .checked_mul(period)
        .and_then(|offset| start.checked_add(offset))
        .map(SimTime)
    {
        if tick > until {
            break;
        }
        let gate_open = tick > plan.not_before || (tick == plan.not_before && plan.inclusive);
        if gate_open && plan.passes_initial_delay(tick) {
            if let Some(at) = manual.filter(|&at| at <= tick) {
                if at < tick {
                    out.push(at);
                }
                manual = None;
            }
            out.push(tick);
        }
        match k.checked_add(1) {
            Some(next) => k = next,
            None => break,
        }
    }
    out.extend(manual);
    out
}

/// Reference model of [`next_flip`]: walks [`ticks`] up to `until` with the worker's
/// counter logic (`worker.go`: a differing outcome restarts the run at 1). A `threshold` of
/// zero is treated as 1.
pub fn next_flip_eager(
    plan: &TickPlan,
    window: &OutcomeWindow,
    target: bool,
    threshold: u32,
    until: SimTime,
) -> Option<Flip> {
    let threshold = threshold.max(1);
    let mut run: u32 = 0;
    let mut first_of_run = plan.not_before;
    for tick in ticks(plan, until) {
        if window.outcome_at(tick.saturating_since(plan.container_start)) != target {
            run = 0;
            continue;
        }
        if run == 0 {
            first_of_run = tick;
        }
        run += 1;
        if run >= threshold {
            return Some(Flip {
                at: tick,
                first_of_run,
                run_length: run,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::ProbeHandler;
    use proptest::prelude::*;

    fn secs(s: u64) -> SimDuration {
        SimDuration::from_secs(s)
    }

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + secs(s)
    }

    fn probe(initial_delay_seconds: u32, period_seconds: u32) -> Probe {
        Probe {
            handler: ProbeHandler::Exec(vec!["true".to_string()]),
            initial_delay_seconds,
            period_seconds,
            timeout_seconds: 1,
            success_threshold: 1,
            failure_threshold: 3,
            termination_grace_period_seconds: None,
        }
    }

    /// Both models, so that every hand-written case also checks the closed form against
    /// the walk.
    fn flip(plan: &TickPlan, window: &OutcomeWindow, target: bool, threshold: u32) -> Option<Flip> {
        let lazy = next_flip(plan, window, target, threshold);
        let horizon = plan.container_start.max(plan.not_before) + secs(100_000);
        assert_eq!(
            lazy,
            next_flip_eager(plan, window, target, threshold, horizon),
            "closed form and walk disagree for {plan:?} {window:?} target={target} threshold={threshold}"
        );
        lazy
    }

    fn healthy_until(s: u64) -> OutcomeWindow {
        OutcomeWindow {
            pass_from: SimDuration::ZERO,
            fail_from: Some(secs(s)),
        }
    }

    fn healthy_from(s: u64) -> OutcomeWindow {
        OutcomeWindow {
            pass_from: secs(s),
            fail_from: None,
        }
    }

    // G1: readiness {initialDelaySeconds: 5, periodSeconds: 10} always succeeding, start at
    // t=0: ticks 0 is skipped by the delay filter, Ready at the first tick >= 5, i.e. t=10.
    #[test]
    fn g1_readiness_starts_false_until_first_tick_after_delay() {
        let plan = TickPlan::for_probe(&probe(5, 10), SimTime::ZERO);
        assert_eq!(ticks(&plan, at(30)), vec![at(10), at(20), at(30)]);
        let ready = flip(&plan, &OutcomeWindow::ALWAYS, true, 1);
        assert_eq!(
            ready,
            Some(Flip {
                at: at(10),
                first_of_run: at(10),
                run_length: 1
            })
        );
    }

    // G3: liveness {periodSeconds: 10, failureThreshold: 3}, healthy until t=30: failures at
    // 30, 40, 50 kill the container at t=50.
    #[test]
    fn g3_liveness_kill_after_three_failures() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let kill = flip(&plan, &healthy_until(30), false, 3);
        assert_eq!(
            kill,
            Some(Flip {
                at: at(50),
                first_of_run: at(30),
                run_length: 3
            })
        );
    }

    // G10 A: startup {periodSeconds: 10, failureThreshold: 30}, app healthy at t=120:
    // started=true at 120, no kill before; liveness then probes only after 120.
    #[test]
    fn g10a_startup_succeeds_at_120_and_gates_liveness() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let window = healthy_from(120);
        let started = flip(&plan, &window, true, 1);
        assert_eq!(started.map(|f| f.at), Some(at(120)));
        assert_eq!(flip(&plan, &window, false, 30), None);

        let Some(started) = started else {
            panic!("startup never succeeded")
        };
        let liveness = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO).after_flip(&started);
        assert_eq!(ticks(&liveness, at(140)), vec![at(130), at(140)]);
        assert_eq!(flip(&liveness, &window, false, 3), None);
    }

    // G10 B: the app never starts: startup failures at 0, 10, …, 290 are 30 ticks, so the
    // 30th failure kills the container at t=290.
    #[test]
    fn g10b_startup_never_succeeds_kill_at_290() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        assert_eq!(ticks(&plan, at(290)).len(), 30);
        let kill = flip(&plan, &OutcomeWindow::NEVER, false, 30);
        assert_eq!(
            kill,
            Some(Flip {
                at: at(290),
                first_of_run: at(0),
                run_length: 30
            })
        );
        assert_eq!(flip(&plan, &OutcomeWindow::NEVER, true, 1), None);
    }

    // k8s-semantics 1.8: a started container without a readiness result gets an immediate
    // readiness probe. Startup succeeds at t=21 (off the readiness grid): Ready at 21, not 30.
    #[test]
    fn manual_tick_when_started_probes_readiness_at_once() {
        let plan = TickPlan {
            manual_tick: Some(at(21)),
            not_before: at(21),
            inclusive: false,
            ..TickPlan::for_probe(&probe(0, 10), SimTime::ZERO)
        };
        assert_eq!(ticks(&plan, at(40)), vec![at(21), at(30), at(40)]);
        let one = flip(&plan, &OutcomeWindow::ALWAYS, true, 1);
        assert_eq!(one.map(|f| (f.first_of_run, f.at)), Some((at(21), at(21))));
        // With successThreshold 2 the manual tick starts the run and the next regular tick
        // completes it.
        let two = flip(&plan, &OutcomeWindow::ALWAYS, true, 2);
        assert_eq!(two.map(|f| (f.first_of_run, f.at)), Some((at(21), at(30))));
        // A failing manual tick breaks nothing before it and starts no run.
        let late = flip(&plan, &healthy_from(25), true, 2);
        assert_eq!(late.map(|f| (f.first_of_run, f.at)), Some((at(30), at(40))));
    }

    // The manual tick on the regular grid is one probe, not two, and it counts even when the
    // regular tick at the gate does not (`inclusive: false`).
    #[test]
    fn manual_tick_on_a_regular_tick_counts_once() {
        let plan = TickPlan {
            manual_tick: Some(at(30)),
            not_before: at(30),
            inclusive: false,
            ..TickPlan::for_probe(&probe(0, 10), SimTime::ZERO)
        };
        assert_eq!(ticks(&plan, at(40)), vec![at(30), at(40)]);
        let inclusive = TickPlan {
            inclusive: true,
            ..plan
        };
        assert_eq!(ticks(&inclusive, at(40)), vec![at(30), at(40)]);
        let flip_two = flip(&inclusive, &OutcomeWindow::ALWAYS, true, 2);
        assert_eq!(flip_two.map(|f| f.at), Some(at(40)));
    }

    // A manual tick between two regular ticks of a run lengthens the run by one; one with
    // the other outcome splits the run in two.
    #[test]
    fn manual_tick_inside_a_run() {
        let plan = TickPlan {
            manual_tick: Some(at(5)),
            ..TickPlan::for_probe(&probe(0, 10), SimTime::ZERO)
        };
        assert_eq!(ticks(&plan, at(20)), vec![at(0), at(5), at(10), at(20)]);
        let window = healthy_until(25);
        let four = flip(&plan, &window, true, 4);
        assert_eq!(four.map(|f| (f.first_of_run, f.at)), Some((at(0), at(20))));
        assert_eq!(flip(&plan, &window, true, 5), None);

        let only_the_manual_tick_passes = OutcomeWindow {
            pass_from: secs(5),
            fail_from: Some(secs(6)),
        };
        let split = flip(&plan, &only_the_manual_tick_passes, false, 2);
        assert_eq!(
            split.map(|f| (f.first_of_run, f.at)),
            Some((at(10), at(20)))
        );
    }

    // The manual tick obeys the initial-delay filter (k8s-semantics 1.8).
    #[test]
    fn manual_tick_before_initial_delay_is_skipped() {
        let plan = TickPlan {
            manual_tick: Some(at(21)),
            not_before: at(21),
            inclusive: false,
            ..TickPlan::for_probe(&probe(25, 10), SimTime::ZERO)
        };
        assert_eq!(ticks(&plan, at(40)), vec![at(30), at(40)]);
        assert_eq!(
            flip(&plan, &OutcomeWindow::ALWAYS, true, 1).map(|f| f.at),
            Some(at(30))
        );
    }

    // k8s-semantics 1.8: the first effective probe is the first tick at or after
    // `startedAt + initialDelaySeconds`, within one period after it.
    #[test]
    fn initial_delay_not_a_multiple_of_the_period() {
        let plan = TickPlan::for_probe(&probe(15, 10), at(7));
        assert_eq!(ticks(&plan, at(47)), vec![at(27), at(37), at(47)]);
        assert_eq!(
            flip(&plan, &OutcomeWindow::ALWAYS, true, 1).map(|f| f.at),
            Some(at(27))
        );
    }

    // The filter compares whole seconds: with a 1.5 s delay the tick at 1 s is skipped
    // (floor(1) < 1.5) and so is nothing at 2 s.
    #[test]
    fn initial_delay_filter_floors_elapsed_seconds() {
        let plan = TickPlan {
            period: SimDuration::from_millis(500),
            initial_delay: SimDuration::from_millis(1500),
            ..TickPlan::for_probe(&probe(0, 1), SimTime::ZERO)
        };
        assert_eq!(
            ticks(&plan, SimTime(3000)),
            vec![SimTime(2000), SimTime(2500), SimTime(3000)]
        );
        assert_eq!(
            flip(&plan, &OutcomeWindow::ALWAYS, true, 1).map(|f| f.at),
            Some(SimTime(2000))
        );
    }

    // A run interrupted by the other outcome restarts at 1 (k8s-semantics 1.6).
    #[test]
    fn success_window_shorter_than_threshold_never_flips() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let window = OutcomeWindow {
            pass_from: secs(10),
            fail_from: Some(secs(30)),
        };
        assert_eq!(flip(&plan, &window, true, 3), None);
        // The failures on both sides of the success window are separate runs.
        assert_eq!(flip(&plan, &window, false, 2).map(|f| f.at), Some(at(40)));
    }

    #[test]
    fn zero_threshold_is_treated_as_one() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let zero = flip(&plan, &OutcomeWindow::ALWAYS, true, 0);
        assert_eq!(zero, flip(&plan, &OutcomeWindow::ALWAYS, true, 1));
        assert_eq!(zero.map(|f| f.run_length), Some(1));
    }

    #[test]
    fn zero_period_seconds_uses_the_default() {
        let plan = TickPlan::for_probe(&probe(0, 0), SimTime::ZERO);
        assert_eq!(plan.period, secs(10));
    }

    #[test]
    fn huge_values_saturate_without_panicking() {
        // Six ticks fit on the clock before SimTime::MAX.
        let late = TickPlan::for_probe(&probe(0, 1), SimTime(u64::MAX - 5000));
        assert_eq!(
            next_flip(&late, &OutcomeWindow::ALWAYS, true, u32::MAX),
            None
        );
        assert_eq!(
            next_flip(&late, &OutcomeWindow::ALWAYS, true, 6).map(|f| f.at),
            Some(SimTime::MAX)
        );
        assert_eq!(ticks(&late, SimTime::MAX).len(), 6);
        assert_eq!(
            next_flip_eager(&late, &OutcomeWindow::ALWAYS, true, 6, SimTime::MAX).map(|f| f.at),
            Some(SimTime::MAX)
        );

        // A millisecond period and the largest threshold.
        let fast = TickPlan {
            period: SimDuration::from_millis(1),
            ..TickPlan::for_probe(&probe(0, 1), SimTime::ZERO)
        };
        let flip = next_flip(&fast, &OutcomeWindow::ALWAYS, false, u32::MAX);
        assert_eq!(flip, None);
        let flip = next_flip(&fast, &OutcomeWindow::NEVER, false, u32::MAX);
        assert_eq!(flip.map(|f| f.at), Some(SimTime(u64::from(u32::MAX) - 1)));

        // An initial delay or a gate beyond the end of time leaves no tick at all.
        let delayed = TickPlan {
            initial_delay: SimDuration(u64::MAX),
            ..fast
        };
        assert_eq!(next_flip(&delayed, &OutcomeWindow::ALWAYS, true, 1), None);
        let gated = TickPlan {
            not_before: SimTime::MAX,
            inclusive: false,
            manual_tick: Some(SimTime::MAX),
            ..fast
        };
        assert_eq!(
            next_flip(&gated, &OutcomeWindow::ALWAYS, true, 1).map(|f| f.at),
            Some(SimTime::MAX)
        );
        assert_eq!(next_flip(&gated, &OutcomeWindow::ALWAYS, true, 2), None);
        let window = OutcomeWindow {
            pass_from: SimDuration(u64::MAX),
            fail_from: Some(SimDuration(u64::MAX)),
        };
        assert_eq!(next_flip(&late, &window, true, 1), None);
        assert_eq!(
            next_flip(&late, &window, false, 6).map(|f| f.at),
            Some(SimTime::MAX)
        );
    }

    fn duration_strategy(max_secs: u64) -> impl Strategy<Value = SimDuration> {
        prop_oneof![
            (0..=max_secs).prop_map(SimDuration::from_secs),
            (0..=max_secs * 1000).prop_map(SimDuration::from_millis),
        ]
    }

    /// An offset from container start in milliseconds; half the time a whole number of
    /// seconds, so that gates and manual ticks often land on regular ticks.
    fn offset_strategy() -> impl Strategy<Value = i64> {
        prop_oneof![-50_000i64..=300_000, (-50i64..=300).prop_map(|s| s * 1000),]
    }

    fn plan_strategy() -> impl Strategy<Value = TickPlan> {
        let period = prop_oneof![
            (1u64..=20).prop_map(SimDuration::from_secs),
            (500u64..=20_000).prop_map(SimDuration::from_millis),
        ];
        (
            (0u64..=1_000_000).prop_map(SimTime),
            period,
            duration_strategy(30),
            proptest::option::of(offset_strategy()),
            offset_strategy(),
            any::<bool>(),
        )
            .prop_map(
                |(container_start, period, initial_delay, manual, gate, inclusive)| {
                    let shift =
                        |offset: i64| SimTime(container_start.0.saturating_add_signed(offset));
                    TickPlan {
                        container_start,
                        period,
                        initial_delay,
                        manual_tick: manual.map(shift),
                        not_before: shift(gate),
                        inclusive,
                    }
                },
            )
    }

    fn window_strategy() -> impl Strategy<Value = OutcomeWindow> {
        (
            duration_strategy(200),
            proptest::option::of(duration_strategy(200)),
        )
            .prop_map(|(pass_from, fail_from)| OutcomeWindow {
                pass_from,
                fail_from,
            })
    }

    /// Past this instant every outcome is constant and any run has completed: windows end by
    /// 200 s, delays by 30 s, and five periods of at most 20 s follow.
    fn horizon(plan: &TickPlan) -> SimTime {
        let latest = plan
            .container_start
            .max(plan.not_before)
            .max(plan.manual_tick.unwrap_or(SimTime::ZERO));
        latest + secs(1_000)
    }

    proptest! {
        // Cheap cases; more of them reach the rarer shapes (a manual tick inside a run of
        // exactly `threshold` outcomes).
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn closed_form_agrees_with_the_walk(
            plan in plan_strategy(),
            window in window_strategy(),
            target in any::<bool>(),
            threshold in 1u32..=5,
        ) {
            let until = horizon(&plan);
            prop_assert_eq!(
                next_flip(&plan, &window, target, threshold),
                next_flip_eager(&plan, &window, target, threshold, until)
            );
        }

        /// Chaining `next_flip` with `after_flip` reproduces the published result of a
        /// worker that keeps `lastResult` and a run count across flips (worker.go `doProbe`).
        #[test]
        fn chained_flips_agree_with_the_worker(
            plan in plan_strategy(),
            window in window_strategy(),
            initially in any::<bool>(),
            success_threshold in 1u32..=5,
            failure_threshold in 1u32..=5,
        ) {
            let until = horizon(&plan);
            let threshold = |target: bool| if target { success_threshold } else { failure_threshold };

            let mut eager = Vec::new();
            let mut published = initially;
            let mut last: Option<bool> = None;
            let mut run = 0u32;
            for tick in ticks(&plan, until) {
                let outcome = window.outcome_at(tick.saturating_since(plan.container_start));
                if last == Some(outcome) {
                    run += 1;
                } else {
                    last = Some(outcome);
                    run = 1;
                }
                if run >= threshold(outcome) && outcome != published {
                    published = outcome;
                    eager.push((tick, outcome));
                }
            }

            let mut lazy = Vec::new();
            let mut current = plan;
            let mut target = !initially;
            // Windows change at most twice, so three flips is the most there can be.
            for _ in 0..4 {
                let Some(flip) = next_flip(&current, &window, target, threshold(target)) else {
                    break;
                };
                lazy.push((flip.at, target));
                current = current.after_flip(&flip);
                target = !target;
            }
            prop_assert_eq!(lazy, eager);
        }
    }
}
