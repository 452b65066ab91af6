//! Probe timing without ticking: when does a probe's published result flip?
//!
//! A probe worker in the kubelet ticks every `periodSeconds` for as long as its container
//! lives. Simulating each tick would make a healthy pod cost work every period forever, so
//! the engine asks this module one question per transition: "given how the container
//! behaves, at which tick does the published result next change?" Stretches of time in
//! which the probe answers the same thing are skipped arithmetically, so the cost of a
//! question grows with the number of changes in the probe's answers, not with simulated
//! time. Only answers that change from one tick to the next (a [`FailureRatio`]) have to be
//! looked at tick by tick, and those walks are bounded by [`WALK_LIMIT`].
//!
//! The tick model is the simulator's canonical choice (k8s-semantics 1.8):
//!
//! * regular ticks fall at `container_start + phase + k × period` for `k = 0, 1, 2, …`; the
//!   canonical phase is zero, and tests may pick any phase in `[0, period)`;
//! * `initialDelaySeconds` is a filter, not a timer: a tick is skipped (neither probed nor
//!   counted) while `floor((tick − container_start) in seconds) < initialDelaySeconds`;
//! * an optional manual tick models the kubelet's immediate readiness probe when a started
//!   container has no readiness result yet; it obeys the same initial-delay filter and is
//!   merged with the regular ticks in time order (a manual tick on a regular tick counts
//!   once);
//! * ticks before [`TickPlan::not_before`] are not considered, because the worker was gated
//!   (liveness and readiness before startup succeeded, k8s-semantics 1.7) or because a
//!   previous question already consumed them.
//!
//! The published result follows the worker's counters (k8s-semantics 1.6, `worker.go`): it
//! flips to a target outcome after `threshold` consecutive outcomes equal to the target.
//! The outcome at each tick comes from a [`ProbeScript`], a pure function of the tick
//! instant, so a lazy worker (one event per flip, [`next_flip`]) and an eager one (one event
//! per tick, [`ticks`] and [`next_flip_eager`]) see the same answers whatever order they ask
//! in. The eager functions are the obviously-correct reference model; the tests prove the
//! lazy ones agree with it.

use std::ops::ControlFlow;

use crate::objects::Probe;
use crate::time::{SimDuration, SimTime};

/// Milliseconds per second, for the whole-second initial-delay filter.
const MILLIS_PER_SEC: u128 = 1000;

/// Kubernetes' default `periodSeconds`, used when a probe says zero (k8s-semantics 1.1).
const DEFAULT_PERIOD: SimDuration = SimDuration::from_secs(10);

/// The denominator of [`FailureRatio::per_million`].
const MILLION: u64 = 1_000_000;

/// How many units of work one call to [`next_flip`] or [`next_outcome`] spends looking at
/// ticks one by one before it gives up with [`Search::Undecided`].
///
/// A unit is a tick whose outcome is drawn by a [`FailureRatio`], or one cycle of a
/// [`Flap`] that holds a tick. Stretches of constant outcome are skipped in O(1) and do not
/// count. Because [`Search::Undecided`] must stop on a tick with the non-target outcome,
/// a call that runs out of budget in the middle of a run of target outcomes finishes that
/// run first; the run is shorter than the threshold, so a call examines at most
/// `WALK_LIMIT + threshold` ticks.
pub const WALK_LIMIT: u64 = 65_536;

/// What a probe answers, as a function of the tick instant (relative to container start).
///
/// Elapsed time since container start splits into a failing prefix `[0, pass_from)`, a
/// passing part `[pass_from, fail_from)` and a failing suffix from `fail_from` on. Inside
/// the passing part a [`Flap`] can make the probe fail periodically, and a
/// [`FailureRatio`] can make any tick that would pass fail at random (but reproducibly).
/// A tick before container start reads as elapsed time zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeScript {
    /// Failure before this elapsed time.
    pub pass_from: SimDuration,
    /// Failure from this elapsed time on (`None` = never). A `fail_from` at or before
    /// `pass_from` means the probe never succeeds.
    pub fail_from: Option<SimDuration>,
    /// Inside `[pass_from, fail_from)`: periodic failures.
    pub flap: Option<Flap>,
    /// Inside the passing part (after the flap is applied): each tick fails with this
    /// probability.
    pub failure_ratio: Option<FailureRatio>,
}

/// Periodic failures inside the passing part of a [`ProbeScript`].
///
/// Cycles start at `pass_from`: in each cycle
/// `[pass_from + n × period, pass_from + (n + 1) × period)` the first `period − fail_for`
/// passes and the last `fail_for` fails. `fail_for >= period` means the probe always
/// fails; `fail_for == 0` or `period == 0` means there is no flapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flap {
    /// The length of one pass-then-fail cycle.
    pub period: SimDuration,
    /// How long the probe fails at the end of each cycle.
    pub fail_for: SimDuration,
}

/// Random failures inside the passing part of a [`ProbeScript`], reproducible from `key`.
///
/// A tick at instant `t` that would otherwise pass fails iff
/// `mix(key, t in milliseconds) % 1_000_000 < per_million`, where `mix(key, t)` is the
/// splitmix64 output at position `t` of the stream seeded with `key`: the splitmix64
/// finalizer (`z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
/// z ^= z >> 31`, all wrapping) applied to `key + (t + 1) × 0x9E3779B97F4A7C15`. Keying by
/// the tick instant, rather than drawing from a stream, is what lets a lazy and an eager
/// probe worker see the same outcome whatever order they evaluate ticks in.
/// `per_million` 0 means never, 1 000 000 or more means always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRatio {
    /// The failure probability of a tick, in millionths.
    pub per_million: u32,
    /// Selects the reproducible pseudo-random sequence; derive it from the scenario seed.
    pub key: u64,
}

impl FailureRatio {
    /// Whether a tick at `tick` that would otherwise pass fails.
    fn fails_at(&self, tick_millis: u64) -> bool {
        mix(self.key, tick_millis) % MILLION < u64::from(self.per_million)
    }
}

/// splitmix64 at position `position` of the stream seeded with `key`: the golden-gamma
/// increment spreads neighbouring instants apart and the finalizer avalanches the bits.
fn mix(key: u64, position: u64) -> u64 {
    let mut z = key.wrapping_add(position.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl ProbeScript {
    /// A probe that succeeds from container start on.
    pub const ALWAYS: ProbeScript = ProbeScript {
        pass_from: SimDuration::ZERO,
        fail_from: None,
        flap: None,
        failure_ratio: None,
    };

    /// A probe that never succeeds.
    pub const NEVER: ProbeScript = ProbeScript {
        pass_from: SimDuration::ZERO,
        fail_from: Some(SimDuration::ZERO),
        flap: None,
        failure_ratio: None,
    };

    /// The outcome of a probe at instant `tick` for a container that started at
    /// `container_start`: `true` for Success.
    ///
    /// This is the definition the lazy searches must agree with, so it reads the fields
    /// literally.
    pub fn outcome_at(&self, container_start: SimTime, tick: SimTime) -> bool {
        let elapsed = tick.saturating_since(container_start);
        if elapsed < self.pass_from || self.fail_from.is_some_and(|fail| elapsed >= fail) {
            return false;
        }
        if let Some(flap) = self.flap {
            let (period, fail_for) = (flap.period.as_millis(), flap.fail_for.as_millis());
            if period > 0 && fail_for > 0 {
                if fail_for >= period {
                    return false;
                }
                let in_cycle = (elapsed.as_millis() - self.pass_from.as_millis()) % period;
                if in_cycle >= period - fail_for {
                    return false;
                }
            }
        }
        self.failure_ratio
            .is_none_or(|ratio| !ratio.fails_at(tick.as_millis()))
    }

    /// The script with its degenerate cases resolved, in milliseconds; `None` when the
    /// probe can never succeed.
    fn shape(&self) -> Option<Shape> {
        let pass_from = u128::from(self.pass_from.as_millis());
        let fail_from = self.fail_from.map(|fail| u128::from(fail.as_millis()));
        if fail_from.is_some_and(|fail| fail <= pass_from) {
            return None;
        }
        let flap = match self.flap {
            Some(flap) if flap.period.as_millis() > 0 && flap.fail_for.as_millis() > 0 => {
                if flap.fail_for >= flap.period {
                    return None;
                }
                Some((
                    u128::from(flap.period.as_millis()),
                    u128::from(flap.fail_for.as_millis()),
                ))
            }
            _ => None,
        };
        let pass = match self.failure_ratio {
            Some(ratio) if u64::from(ratio.per_million) >= MILLION => return None,
            Some(ratio) if ratio.per_million > 0 => Kind::Random(ratio),
            _ => Kind::Pass,
        };
        Some(Shape {
            pass_from,
            fail_from,
            flap,
            pass,
        })
    }
}

/// A [`ProbeScript`] that can succeed, in milliseconds of elapsed time.
struct Shape {
    pass_from: u128,
    fail_from: Option<u128>,
    /// `(period, fail_for)` with `0 < fail_for < period`.
    flap: Option<(u128, u128)>,
    /// What the passing part answers: [`Kind::Pass`] or [`Kind::Random`].
    pass: Kind,
}

/// How the outcome behaves over a stretch of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Every tick succeeds.
    Pass,
    /// Every tick fails.
    Fail,
    /// Every tick is drawn by the ratio.
    Random(FailureRatio),
}

/// Which ticks of one probe worker count, for one question to [`next_flip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickPlan {
    /// When the container instance started; the initial delay is measured from here.
    pub container_start: SimTime,
    /// Regular ticks fall at `container_start + phase + k × period` (`k >= 0`). Zero is the
    /// canonical choice (k8s-semantics 1.8); the caller keeps `phase < period`
    /// ([`TickPlan::with_phase`] does).
    pub phase: SimDuration,
    /// The probe period. A zero period is read as one millisecond (the clock's resolution) so
    /// the tick sequence always advances; [`TickPlan::for_probe`] never produces it.
    pub period: SimDuration,
    /// `initialDelaySeconds`. The filter compares whole elapsed seconds, so a delay that is
    /// not a whole number of seconds acts as if rounded up to the next second.
    pub initial_delay: SimDuration,
    /// An extra probe at this instant (the kubelet's immediate readiness probe once a
    /// container is started). It counts if it is at or after `not_before`, whatever
    /// `inclusive` says, and passes the initial-delay filter; at the instant of a counted
    /// regular tick it is the same probe, counted once.
    pub manual_tick: Option<SimTime>,
    /// Ticks before this instant are not considered; the caller guarantees that the run
    /// count starts fresh here.
    pub not_before: SimTime,
    /// Whether a regular tick at exactly `not_before` counts.
    pub inclusive: bool,
}

impl TickPlan {
    /// The plan of a fresh worker for `probe` on a container that started at
    /// `container_start`: phase zero, every tick from the start counts, no manual tick.
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
            phase: SimDuration::ZERO,
            period,
            initial_delay: SimDuration::from_secs(u64::from(probe.initial_delay_seconds)),
            manual_tick: None,
            not_before: container_start,
            inclusive: true,
        }
    }

    /// The same plan with its regular ticks shifted by `phase`, reduced modulo the period
    /// so that the first regular tick stays within one period of container start.
    pub fn with_phase(self, phase: SimDuration) -> TickPlan {
        TickPlan {
            phase: SimDuration::from_millis(phase.as_millis() % self.period_millis()),
            ..self
        }
    }

    /// Only ticks strictly after `t` count from now on (manual tick kept only if after t).
    ///
    /// The counted ticks of the result are exactly the counted ticks of `self` that are
    /// after `t`; this is how a question resumes after a [`Flip`] (pass `flip.at`) or after
    /// [`Search::Undecided`] (pass `walked_to`).
    pub fn after(&self, t: SimTime) -> TickPlan {
        // A gate already past `t` is the stricter condition and stays as it is.
        let (not_before, inclusive) = if t >= self.not_before {
            (t, false)
        } else {
            (self.not_before, self.inclusive)
        };
        TickPlan {
            manual_tick: self.manual_tick.filter(|&at| at > t),
            not_before,
            inclusive,
            ..*self
        }
    }

    /// The first counted tick of the plan (manual tick merged), or None if none fits on the
    /// clock.
    pub fn first_tick(&self) -> Option<SimTime> {
        Grid::new(self).next_tick_at_or_after(0).map(millis_to_time)
    }

    /// The first counted tick strictly after `t` (t need not be a tick), i.e.
    /// `self.after(t).first_tick()`.
    pub fn tick_after(&self, t: SimTime) -> Option<SimTime> {
        self.after(t).first_tick()
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

/// Result of a bounded search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search<T> {
    /// The answer.
    Found(T),
    /// Provably never (e.g. the script is constant and not the target from here on, or the
    /// clock ends).
    Never,
    /// The search examined [`WALK_LIMIT`] ticks (only possible with a failure_ratio, or with
    /// flapping over very many cycles) without an answer.
    ///
    /// Every counted tick up to and including `walked_to` was examined and the tick at
    /// `walked_to` had the NON-target outcome, so continuing with `plan.after(walked_to)` is
    /// exact (the run count is zero there).
    Undecided {
        /// The last tick examined.
        walked_to: SimTime,
    },
}

/// First counted tick whose outcome equals `target`.
///
/// Same cost and [`Search::Undecided`] contract as [`next_flip`] with a threshold of 1.
pub fn next_outcome(plan: &TickPlan, script: &ProbeScript, target: bool) -> Search<SimTime> {
    match next_flip(plan, script, target, 1) {
        Search::Found(flip) => Search::Found(flip.at),
        Search::Never => Search::Never,
        Search::Undecided { walked_to } => Search::Undecided { walked_to },
    }
}

/// First counted tick at which `threshold` consecutive counted ticks (threshold 0 = 1) have
/// outcome `target`.
///
/// `target` is `true` for Success (pass `successThreshold`) and `false` for Failure (pass
/// `failureThreshold`). A `threshold` of zero is treated as 1: Kubernetes replaces a zero
/// threshold by its default when the pod is created, so callers normally pass at least 1.
///
/// The script splits time into stretches of constant outcome (the failing prefix, the
/// passing part, the halves of each flap cycle, the failing suffix); each stretch becomes a
/// range of tick indices by integer ceiling division and moves the run count in O(1).
/// Flap cycles are visited only when they hold a tick, and once the pattern of ticks
/// against cycles has repeated (after `lcm(period, flap period)`), whole repetitions are
/// skipped at once. Only ticks drawn by a [`FailureRatio`] are looked at one by one, at most
/// about [`WALK_LIMIT`] per call. All arithmetic is in integers and cannot overflow; ticks
/// beyond [`SimTime::MAX`] do not exist.
pub fn next_flip(
    plan: &TickPlan,
    script: &ProbeScript,
    target: bool,
    threshold: u32,
) -> Search<Flip> {
    search(plan, script, target, threshold, WALK_LIMIT).0
}

/// What one search cost, so that tests can check the cost rule without a clock.
// Only the tests read the counts; counting is cheap enough to leave in.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    /// Stretches, flap cycles and single ticks visited.
    work: u64,
    /// Whole repetitions of a flap pattern skipped at once.
    skipped: u128,
    /// Flapping stretches finished in O(1) because their outcome turned out constant.
    constant: u64,
}

/// [`next_flip`] with an explicit budget, also returning what the search cost.
fn search(
    plan: &TickPlan,
    script: &ProbeScript,
    target: bool,
    threshold: u32,
    limit: u64,
) -> (Search<Flip>, Cost) {
    let grid = Grid::new(plan);
    let threshold = threshold.max(1);
    let mut walk = Walk {
        grid,
        manual: grid.manual.map(|at| {
            (
                at,
                script.outcome_at(plan.container_start, millis_to_time(at)),
            )
        }),
        target,
        threshold,
        run: 0,
        first_of_run: 0,
        last_non_target: None,
        spent: 0,
        limit,
        cost: Cost::default(),
    };
    let result = match walk.script(script) {
        ControlFlow::Break(found) => found,
        ControlFlow::Continue(()) => Search::Never,
    };
    (result, walk.cost)
}

/// The counted ticks of a plan: regular indices `first..end`, plus maybe the manual tick.
///
/// Regular index `k` is the instant `base + k × period`. Everything is `u128` (milliseconds)
/// so that products and sums of clock values never overflow.
#[derive(Debug, Clone, Copy)]
struct Grid {
    /// Container start: elapsed time in the script is measured from here.
    start: u128,
    base: u128,
    period: u128,
    first: u128,
    /// One past the last regular index that fits on the clock.
    end: u128,
    /// The manual tick, when it counts and is not a counted regular tick already.
    manual: Option<u128>,
}

impl Grid {
    fn new(plan: &TickPlan) -> Grid {
        let start = u128::from(plan.container_start.as_millis());
        let base = start + u128::from(plan.phase.as_millis());
        let period = u128::from(plan.period_millis());
        let clock_end = u128::from(u64::MAX);
        let end = match clock_end.checked_sub(base) {
            Some(room) => room / period + 1,
            None => 0,
        };
        let mut grid = Grid {
            start,
            base,
            period,
            first: 0,
            end,
            manual: None,
        };
        // The filter `floor(elapsed s) >= delay s` is `elapsed >= delay rounded up to seconds`.
        let delay =
            u128::from(plan.initial_delay.as_millis()).div_ceil(MILLIS_PER_SEC) * MILLIS_PER_SEC;
        let first_after_delay = grid.index_at_or_after(start + delay);
        let not_before = u128::from(plan.not_before.as_millis());
        let first_after_gate = if plan.inclusive {
            grid.index_at_or_after(not_before)
        } else {
            grid.index_at_or_after(not_before + 1)
        };
        grid.first = first_after_delay.max(first_after_gate).min(end);
        grid.manual = plan
            .manual_tick
            .filter(|&at| at >= plan.not_before && plan.passes_initial_delay(at))
            .map(|at| u128::from(at.as_millis()))
            .filter(|&at| {
                let on_grid = at >= base && (at - base) % period == 0;
                !(on_grid && (at - base) / period >= grid.first)
            });
        grid
    }

    /// The first regular index at or after instant `t`.
    fn index_at_or_after(&self, t: u128) -> u128 {
        t.saturating_sub(self.base).div_ceil(self.period)
    }

    fn time_of(&self, index: u128) -> u128 {
        self.base.saturating_add(index.saturating_mul(self.period))
    }

    /// An instant after every tick of the plan.
    fn time_end(&self) -> u128 {
        self.time_of(self.end)
    }

    /// The first counted regular tick at or after `t`, merged with the manual tick.
    fn next_tick_at_or_after(&self, t: u128) -> Option<u128> {
        let index = self.first.max(self.index_at_or_after(t));
        let regular = (index < self.end).then(|| self.time_of(index));
        let manual = self.manual.filter(|&at| at >= t);
        match (regular, manual) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Every tick this module returns fits on the clock by construction; saturate to be safe.
fn millis_to_time(millis: u128) -> SimTime {
    SimTime(u64::try_from(millis).unwrap_or(u64::MAX))
}

/// A step of the walk: `Break` carries the final answer.
type Step<T = ()> = ControlFlow<Search<Flip>, T>;

/// Where the periodicity check of a flapping stretch stands (see [`Walk::flapping`]).
#[derive(Debug, Clone, Copy)]
enum Repeat {
    /// The manual tick or the gate still make the ticks irregular.
    Waiting,
    /// Watching the first whole repetition, which starts at cycle `from`.
    First {
        from: u128,
        pass_ticks: u128,
        fail_ticks: u128,
    },
    /// Watching the second whole repetition, which starts at cycle `from`.
    Second { from: u128 },
    /// Nothing more to learn: walk the rest.
    Done,
}

/// The worker's counters, fed with the counted ticks in time order.
struct Walk {
    grid: Grid,
    /// The manual tick and its outcome, until it has been fed.
    manual: Option<(u128, bool)>,
    target: bool,
    threshold: u32,
    /// Consecutive target outcomes so far; always below `threshold`.
    run: u128,
    first_of_run: u128,
    /// The last tick fed with the non-target outcome.
    last_non_target: Option<u128>,
    /// Budget units spent (random ticks and flap cycles).
    spent: u64,
    limit: u64,
    cost: Cost,
}

impl Walk {
    /// Feeds every counted tick in time order, stretch by stretch.
    fn script(&mut self, script: &ProbeScript) -> Step {
        let Some(shape) = script.shape() else {
            self.stretch(0, u128::MAX, Kind::Fail)?;
            return ControlFlow::Continue(());
        };
        let pass_from = self.grid.start + shape.pass_from;
        let fail_from = shape
            .fail_from
            .map_or(u128::MAX, |fail| self.grid.start + fail);
        self.stretch(0, pass_from, Kind::Fail)?;
        match shape.flap {
            None => {
                self.stretch(pass_from, fail_from, shape.pass)?;
            }
            Some(flap) => self.flapping(pass_from, fail_from, flap, shape.pass)?,
        }
        self.stretch(fail_from, u128::MAX, Kind::Fail)?;
        ControlFlow::Continue(())
    }

    /// Feeds the counted ticks in the instants `[from, to)`, where the outcome behaves as
    /// `kind` says, and returns how many regular ticks that was.
    ///
    /// The manual tick is fed in its place if it falls inside; its outcome was computed
    /// from the script directly, so it is right whatever `kind` says.
    fn stretch(&mut self, from: u128, to: u128, kind: Kind) -> Step<u128> {
        if from >= to {
            return ControlFlow::Continue(0);
        }
        self.cost.work += 1;
        let grid = self.grid;
        let lo = grid.first.max(grid.index_at_or_after(from));
        let hi = grid.end.min(grid.index_at_or_after(to)).max(lo);
        match self.manual.filter(|&(at, _)| at < to) {
            Some((at, outcome)) => {
                let split = grid.index_at_or_after(at).clamp(lo, hi);
                self.regular(lo, split, kind)?;
                self.manual = None;
                self.single(at, outcome)?;
                self.regular(split, hi, kind)?;
            }
            None => self.regular(lo, hi, kind)?,
        }
        ControlFlow::Continue(hi - lo)
    }

    /// Feeds the regular ticks `lo..hi`: in O(1) when their outcome is constant, one by one
    /// (against the budget) when it is drawn.
    fn regular(&mut self, lo: u128, hi: u128, kind: Kind) -> Step {
        match kind {
            Kind::Pass => self.constant(lo, hi, true),
            Kind::Fail => self.constant(lo, hi, false),
            Kind::Random(ratio) => {
                for index in lo..hi {
                    let at = self.grid.time_of(index);
                    self.cost.work += 1;
                    self.single(at, !ratio.fails_at(millis_to_time(at).as_millis()))?;
                    self.spent += 1;
                    self.check_budget()?;
                }
                ControlFlow::Continue(())
            }
        }
    }

    /// Feeds the regular ticks `lo..hi`, which all have `outcome`.
    fn constant(&mut self, lo: u128, hi: u128, outcome: bool) -> Step {
        if lo >= hi {
            return ControlFlow::Continue(());
        }
        if outcome != self.target {
            self.run = 0;
            self.last_non_target = Some(self.grid.time_of(hi - 1));
            return ControlFlow::Continue(());
        }
        if self.run == 0 {
            self.first_of_run = self.grid.time_of(lo);
        }
        let needed = u128::from(self.threshold) - self.run;
        if hi - lo >= needed {
            return ControlFlow::Break(self.found(self.grid.time_of(lo + needed - 1)));
        }
        self.run += hi - lo;
        ControlFlow::Continue(())
    }

    /// Feeds one tick.
    fn single(&mut self, at: u128, outcome: bool) -> Step {
        if outcome != self.target {
            self.run = 0;
            self.last_non_target = Some(at);
            return ControlFlow::Continue(());
        }
        if self.run == 0 {
            self.first_of_run = at;
        }
        self.run += 1;
        if self.run >= u128::from(self.threshold) {
            return ControlFlow::Break(self.found(at));
        }
        ControlFlow::Continue(())
    }

    fn found(&self, at: u128) -> Search<Flip> {
        Search::Found(Flip {
            at: millis_to_time(at),
            first_of_run: millis_to_time(self.first_of_run),
            run_length: self.threshold,
        })
    }

    /// Stops once the budget is spent, but only right after a non-target tick, so that the
    /// caller can resume with a fresh run count.
    fn check_budget(&self) -> Step {
        match self.last_non_target {
            Some(at) if self.spent >= self.limit && self.run == 0 => {
                ControlFlow::Break(Search::Undecided {
                    walked_to: millis_to_time(at),
                })
            }
            _ => ControlFlow::Continue(()),
        }
    }

    /// Feeds the counted ticks in the passing part `[from, to)` of a flapping script, cycle
    /// by cycle.
    ///
    /// Cycles without a tick are jumped over. Once the ticks are regular (no manual tick to
    /// come before `to`, the gate behind), the pattern of ticks against cycles repeats every
    /// `lcm(period, flap period)`, that is every `repeat_cycles` cycles:
    ///
    /// * if a whole repetition holds no passing tick (or, without a failure ratio, no
    ///   failing tick), every tick up to `to` has the same outcome, fed in O(1);
    /// * otherwise, without a ratio, every repetition holds both outcomes, so the run count
    ///   at the start of a repetition depends only on the previous one. After a second
    ///   repetition without a flip, no later repetition can flip either, and all whole
    ///   repetitions before `to` are skipped by shifting the counters' instants (a run that
    ///   is still open then may carry on into the failing suffix, so its start moves too).
    fn flapping(&mut self, from: u128, to: u128, flap: (u128, u128), pass: Kind) -> Step {
        let (cycle, fail_for) = flap;
        let to = to.min(self.grid.time_end());
        let repeat_cycles = self.grid.period / gcd(self.grid.period, cycle);
        let repeat = repeat_cycles.saturating_mul(cycle);
        let Some(next) = self.next_tick_at_or_after(from) else {
            return ControlFlow::Continue(());
        };
        let mut n = (next - from) / cycle;
        let mut state = Repeat::Waiting;
        loop {
            let cycle_start = from.saturating_add(n.saturating_mul(cycle));
            if cycle_start >= to {
                return ControlFlow::Continue(());
            }
            match state {
                Repeat::Waiting
                    if self.manual.is_none_or(|(at, _)| at >= to)
                        && self.grid.index_at_or_after(cycle_start) >= self.grid.first =>
                {
                    state = Repeat::First {
                        from: n,
                        pass_ticks: 0,
                        fail_ticks: 0,
                    };
                }
                Repeat::First {
                    from: first,
                    pass_ticks,
                    fail_ticks,
                } if n - first >= repeat_cycles => {
                    if pass_ticks == 0 {
                        self.cost.constant += 1;
                        self.stretch(cycle_start, to, Kind::Fail)?;
                        return ControlFlow::Continue(());
                    }
                    if pass == Kind::Pass && fail_ticks == 0 {
                        self.cost.constant += 1;
                        self.stretch(cycle_start, to, Kind::Pass)?;
                        return ControlFlow::Continue(());
                    }
                    state = match pass {
                        Kind::Pass => Repeat::Second {
                            from: first + repeat_cycles,
                        },
                        Kind::Fail | Kind::Random(_) => Repeat::Done,
                    };
                }
                Repeat::Second { from: second } if n - second >= repeat_cycles => {
                    // Every whole repetition before `to`; the walk finishes the rest.
                    let skipped = (to - cycle_start) / repeat;
                    state = Repeat::Done;
                    if skipped > 0 {
                        self.cost.skipped += skipped;
                        let shift = skipped * repeat;
                        n += skipped * repeat_cycles;
                        if self.run > 0 {
                            self.first_of_run += shift;
                        }
                        self.last_non_target = self.last_non_target.map(|at| at + shift);
                        continue;
                    }
                }
                _ => {}
            }
            let pass_end = cycle_start.saturating_add(cycle - fail_for).min(to);
            let cycle_end = cycle_start.saturating_add(cycle).min(to);
            let passes = self.stretch(cycle_start, pass_end, pass)?;
            let fails = self.stretch(pass_end, cycle_end, Kind::Fail)?;
            if let Repeat::First {
                pass_ticks,
                fail_ticks,
                ..
            } = &mut state
            {
                *pass_ticks += passes;
                *fail_ticks += fails;
            }
            self.cost.work += 1;
            self.spent += 1;
            self.check_budget()?;
            let Some(next) = self.next_tick_at_or_after(cycle_end) else {
                return ControlFlow::Continue(());
            };
            n = (n + 1).max((next - from) / cycle);
        }
    }

    /// The next counted tick not fed yet, at or after `t`.
    fn next_tick_at_or_after(&self, t: u128) -> Option<u128> {
        let grid = Grid {
            manual: self.manual.map(|(at, _)| at),
            ..self.grid
        };
        grid.next_tick_at_or_after(t)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
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
    if let Some(base) = start.checked_add(plan.phase.as_millis()) {
        // Ticks before the gate never count, so the walk may begin just before it.
        let mut k = plan.not_before.as_millis().saturating_sub(base) / period;
        while let Some(tick) = k
            .checked_mul(period)
            .and_then(|offset| base.checked_add(offset))
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
    }
    out.extend(manual);
    out
}

/// Reference model of [`next_flip`]: walks [`ticks`] up to `until` with the worker's
/// counter logic (`worker.go`: a differing outcome restarts the run at 1), asking
/// [`ProbeScript::outcome_at`] at every tick. A `threshold` of zero is treated as 1.
pub fn next_flip_eager(
    plan: &TickPlan,
    script: &ProbeScript,
    target: bool,
    threshold: u32,
    until: SimTime,
) -> Option<Flip> {
    let threshold = threshold.max(1);
    let mut run: u32 = 0;
    let mut first_of_run = plan.not_before;
    for tick in ticks(plan, until) {
        if script.outcome_at(plan.container_start, tick) != target {
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
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

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

    /// Both models, so that every hand-written case also checks the lazy search against
    /// the walk.
    fn flip(plan: &TickPlan, script: &ProbeScript, target: bool, threshold: u32) -> Option<Flip> {
        let horizon = plan.container_start.max(plan.not_before) + secs(100_000);
        let eager = next_flip_eager(plan, script, target, threshold, horizon);
        match next_flip(plan, script, target, threshold) {
            Search::Found(flip) => {
                assert_eq!(
                    Some(flip),
                    eager,
                    "{plan:?} {script:?} {target} {threshold}"
                );
                Some(flip)
            }
            Search::Never => {
                assert_eq!(eager, None, "{plan:?} {script:?} {target} {threshold}");
                None
            }
            Search::Undecided { walked_to } => {
                panic!("undecided at {walked_to:?} for a script without a failure ratio")
            }
        }
    }

    fn window(pass_from: SimDuration, fail_from: Option<SimDuration>) -> ProbeScript {
        ProbeScript {
            pass_from,
            fail_from,
            ..ProbeScript::ALWAYS
        }
    }

    fn healthy_until(s: u64) -> ProbeScript {
        window(SimDuration::ZERO, Some(secs(s)))
    }

    fn healthy_from(s: u64) -> ProbeScript {
        window(secs(s), None)
    }

    fn flapping(period: SimDuration, fail_for: SimDuration) -> ProbeScript {
        ProbeScript {
            flap: Some(Flap { period, fail_for }),
            ..ProbeScript::ALWAYS
        }
    }

    fn ratio(per_million: u32, key: u64) -> ProbeScript {
        ProbeScript {
            failure_ratio: Some(FailureRatio { per_million, key }),
            ..ProbeScript::ALWAYS
        }
    }

    // G1: readiness {initialDelaySeconds: 5, periodSeconds: 10} always succeeding, start at
    // t=0: ticks 0 is skipped by the delay filter, Ready at the first tick >= 5, i.e. t=10.
    #[test]
    fn g1_readiness_starts_false_until_first_tick_after_delay() {
        let plan = TickPlan::for_probe(&probe(5, 10), SimTime::ZERO);
        assert_eq!(ticks(&plan, at(30)), vec![at(10), at(20), at(30)]);
        let ready = flip(&plan, &ProbeScript::ALWAYS, true, 1);
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
        let script = healthy_from(120);
        let started = flip(&plan, &script, true, 1);
        assert_eq!(started.map(|f| f.at), Some(at(120)));
        assert_eq!(flip(&plan, &script, false, 30), None);

        let Some(started) = started else {
            panic!("startup never succeeded")
        };
        let liveness = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO).after(started.at);
        assert_eq!(ticks(&liveness, at(140)), vec![at(130), at(140)]);
        assert_eq!(flip(&liveness, &script, false, 3), None);
    }

    // G10 B: the app never starts: startup failures at 0, 10, …, 290 are 30 ticks, so the
    // 30th failure kills the container at t=290.
    #[test]
    fn g10b_startup_never_succeeds_kill_at_290() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        assert_eq!(ticks(&plan, at(290)).len(), 30);
        let kill = flip(&plan, &ProbeScript::NEVER, false, 30);
        assert_eq!(
            kill,
            Some(Flip {
                at: at(290),
                first_of_run: at(0),
                run_length: 30
            })
        );
        assert_eq!(flip(&plan, &ProbeScript::NEVER, true, 1), None);
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
        let one = flip(&plan, &ProbeScript::ALWAYS, true, 1);
        assert_eq!(one.map(|f| (f.first_of_run, f.at)), Some((at(21), at(21))));
        // With successThreshold 2 the manual tick starts the run and the next regular tick
        // completes it.
        let two = flip(&plan, &ProbeScript::ALWAYS, true, 2);
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
        let flip_one = flip(&plan, &ProbeScript::ALWAYS, true, 1);
        assert_eq!(flip_one.map(|f| f.at), Some(at(30)));
        let inclusive = TickPlan {
            inclusive: true,
            ..plan
        };
        assert_eq!(ticks(&inclusive, at(40)), vec![at(30), at(40)]);
        let flip_two = flip(&inclusive, &ProbeScript::ALWAYS, true, 2);
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
        let script = healthy_until(25);
        let four = flip(&plan, &script, true, 4);
        assert_eq!(four.map(|f| (f.first_of_run, f.at)), Some((at(0), at(20))));
        assert_eq!(flip(&plan, &script, true, 5), None);

        let only_the_manual_tick_passes = window(secs(5), Some(secs(6)));
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
        assert_eq!(plan.first_tick(), Some(at(30)));
        assert_eq!(
            flip(&plan, &ProbeScript::ALWAYS, true, 1).map(|f| f.at),
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
            flip(&plan, &ProbeScript::ALWAYS, true, 1).map(|f| f.at),
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
            flip(&plan, &ProbeScript::ALWAYS, true, 1).map(|f| f.at),
            Some(SimTime(2000))
        );
    }

    // k8s-semantics 1.8: tests must accept any phase of the ticker; the initial delay still
    // counts from container start, so the first tick is the first phased tick after it.
    #[test]
    fn phase_shifts_the_regular_ticks() {
        let plan = TickPlan::for_probe(&probe(5, 10), at(100)).with_phase(secs(3));
        assert_eq!(plan.phase, secs(3));
        assert_eq!(ticks(&plan, at(133)), vec![at(113), at(123), at(133)]);
        assert_eq!(plan.first_tick(), Some(at(113)));
        assert_eq!(plan.tick_after(at(113)), Some(at(123)));
        assert_eq!(plan.tick_after(at(114)), Some(at(123)));
        assert_eq!(
            flip(&plan, &healthy_until(30), false, 2),
            Some(Flip {
                at: at(143),
                first_of_run: at(133),
                run_length: 2
            })
        );
        // Reduced modulo the period; a zero period is one millisecond, so no phase at all.
        assert_eq!(plan.with_phase(secs(23)).phase, secs(3));
        let zero = TickPlan {
            period: SimDuration::ZERO,
            ..plan
        };
        assert_eq!(zero.with_phase(secs(7)).phase, SimDuration::ZERO);
    }

    // `after` narrows the plan: a gate already past `t` stays, a manual tick not after `t`
    // goes.
    #[test]
    fn after_keeps_only_later_ticks() {
        let plan = TickPlan {
            manual_tick: Some(at(21)),
            not_before: at(21),
            inclusive: false,
            ..TickPlan::for_probe(&probe(0, 10), SimTime::ZERO)
        };
        assert_eq!(plan.after(at(5)), plan);
        assert_eq!(plan.tick_after(at(5)), Some(at(21)));
        let later = plan.after(at(21));
        assert_eq!(later.manual_tick, None);
        assert_eq!(ticks(&later, at(40)), vec![at(30), at(40)]);
        assert_eq!(plan.tick_after(at(30)), Some(at(40)));
        assert_eq!(plan.tick_after(at(35)), Some(at(40)));
    }

    // A run interrupted by the other outcome restarts at 1 (k8s-semantics 1.6).
    #[test]
    fn success_window_shorter_than_threshold_never_flips() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let script = window(secs(10), Some(secs(30)));
        assert_eq!(flip(&plan, &script, true, 3), None);
        // The failures on both sides of the success window are separate runs.
        assert_eq!(flip(&plan, &script, false, 2).map(|f| f.at), Some(at(40)));
    }

    #[test]
    fn zero_threshold_is_treated_as_one() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let zero = flip(&plan, &ProbeScript::ALWAYS, true, 0);
        assert_eq!(zero, flip(&plan, &ProbeScript::ALWAYS, true, 1));
        assert_eq!(zero.map(|f| f.run_length), Some(1));
    }

    #[test]
    fn zero_period_seconds_uses_the_default() {
        let plan = TickPlan::for_probe(&probe(0, 0), SimTime::ZERO);
        assert_eq!(plan.period, secs(10));
    }

    // The flap cycle starts at `pass_from`, fails at its end, and stops at `fail_from`.
    #[test]
    fn flap_fails_at_the_end_of_each_cycle() {
        let script = ProbeScript {
            pass_from: secs(5),
            fail_from: Some(secs(60)),
            flap: Some(Flap {
                period: secs(10),
                fail_for: secs(3),
            }),
            failure_ratio: None,
        };
        let outcome = |millis: u64| script.outcome_at(at(100), at(100) + SimDuration(millis));
        let expected = [
            (4_999, false),
            (5_000, true),
            (11_999, true),
            (12_000, false),
            (14_999, false),
            (15_000, true),
            (59_999, true),
            (60_000, false),
        ];
        for (millis, pass) in expected {
            assert_eq!(outcome(millis), pass, "at {millis} ms");
        }
        // A tick before container start reads as elapsed zero.
        assert!(!script.outcome_at(at(100), at(99)));

        let plan = TickPlan::for_probe(&probe(0, 1), at(100));
        let always_failing = flapping(secs(10), secs(10));
        assert!(!always_failing.outcome_at(at(100), at(101)));
        assert_eq!(flip(&plan, &always_failing, true, 1), None);
        // A zero period or a zero failing part is no flapping.
        for no_flap in [
            flapping(SimDuration::ZERO, secs(3)),
            flapping(secs(10), SimDuration::ZERO),
        ] {
            assert!(no_flap.outcome_at(at(100), at(109)));
            assert_eq!(flip(&plan, &no_flap, false, 1), None);
        }
    }

    // The mixing function is splitmix64, pinned so that a scenario's random failures never
    // change silently; the outcome depends only on the key and the instant.
    #[test]
    fn failure_ratio_is_deterministic_and_near_the_requested_fraction() {
        assert_eq!(mix(0, 0), 0xE220_A839_7B1D_CDAF);
        let script = ratio(250_000, 0x5EED);
        let failures = |script: &ProbeScript| {
            (0..10_000u64)
                .filter(|k| !script.outcome_at(SimTime::ZERO, SimTime(k * 10_000)))
                .count()
        };
        let first = failures(&script);
        assert!(
            (2_250..=2_750).contains(&first),
            "{first} failures of 10000"
        );
        assert_eq!(failures(&script), first);
        let other_key = failures(&ratio(250_000, 0x5EEE));
        assert!((2_250..=2_750).contains(&other_key), "{other_key}");
        assert_eq!(failures(&ratio(0, 1)), 0);
        assert_eq!(failures(&ratio(1_000_000, 1)), 10_000);
        assert_eq!(failures(&ratio(u32::MAX, 1)), 10_000);

        // The lazy and the eager model agree tick for tick.
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let mut lazy = Vec::new();
        let mut current = plan;
        while let Search::Found(tick) = next_outcome(&current, &script, false) {
            if tick > SimTime(100_000_000) {
                break;
            }
            lazy.push(tick);
            current = current.after(tick);
        }
        let eager: Vec<SimTime> = ticks(&plan, SimTime(100_000_000))
            .into_iter()
            .filter(|&tick| !script.outcome_at(plan.container_start, tick))
            .collect();
        assert_eq!(lazy, eager);
    }

    // Cost rule: a healthy probe costs nothing per period, even with a 1 ms period over the
    // whole clock.
    #[test]
    fn healthy_probe_is_never_in_constant_time() {
        let fast = TickPlan {
            period: SimDuration::from_millis(1),
            ..TickPlan::for_probe(&probe(0, 1), SimTime::ZERO)
        };
        let (result, cost) = search(&fast, &ProbeScript::ALWAYS, false, 3, WALK_LIMIT);
        assert_eq!(result, Search::Never);
        assert!(cost.work <= 3, "{cost:?}");
        let (result, cost) = search(&fast, &ProbeScript::NEVER, true, 1, WALK_LIMIT);
        assert_eq!(result, Search::Never);
        assert!(cost.work <= 3, "{cost:?}");
        let (result, cost) = search(&fast, &healthy_until(86_400), false, u32::MAX, WALK_LIMIT);
        assert_eq!(
            result.clone_found().map(|f| (f.first_of_run, f.at)),
            Some((at(86_400), SimTime(86_400_000 + u64::from(u32::MAX) - 1)))
        );
        assert!(cost.work <= 3, "{cost:?}");
    }

    // Cost rule for flapping: the pattern of ticks against cycles repeats, so a probe that
    // flaps forever is decided after a few repetitions, not one event per cycle.
    #[test]
    fn flapping_with_a_huge_horizon_returns_promptly() {
        // Ticks every 10 s against a 7 s cycle failing in its last second: elapsed mod 7 s
        // visits 0, 3, 6, 2, 5, 1, 4, so failures never come two in a row.
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let script = flapping(secs(7), secs(1));
        let (result, cost) = search(&plan, &script, false, 2, WALK_LIMIT);
        assert_eq!(result, Search::Never);
        assert!(cost.work < 200, "{cost:?}");
        assert!(cost.skipped > 0, "{cost:?}");
        let (result, cost) = search(&plan, &script, false, 1, WALK_LIMIT);
        assert_eq!(result.clone_found().map(|f| f.at), Some(at(20)));
        assert!(cost.work < 20, "{cost:?}");

        // The flapping stops failing the probe for good at 10^15 ms. The tick 10 s before is
        // a flap failure (elapsed mod 7 s = 6 s), so the run of failures starts there.
        let ends = ProbeScript {
            fail_from: Some(SimDuration(1_000_000_000_050_000)),
            ..script
        };
        let (result, cost) = search(&plan, &ends, false, 2, WALK_LIMIT);
        assert_eq!(
            result,
            Search::Found(Flip {
                at: SimTime(1_000_000_000_050_000),
                first_of_run: SimTime(1_000_000_000_040_000),
                run_length: 2
            })
        );
        assert!(cost.work < 200, "{cost:?}");
        // A manual tick after the flapping ends does not keep the ticks from repeating.
        let manual_later = TickPlan {
            manual_tick: Some(SimTime(1_000_000_000_060_500)),
            ..plan
        };
        let (result, cost) = search(&manual_later, &ends, false, 3, WALK_LIMIT);
        assert_eq!(
            result,
            Search::Found(Flip {
                at: SimTime(1_000_000_000_060_000),
                first_of_run: SimTime(1_000_000_000_040_000),
                run_length: 3
            })
        );
        assert!(cost.work < 200, "{cost:?}");

        // A 1 ms probe against a 10 s cycle: 9000 passes then 1000 failures, forever.
        let fast = TickPlan {
            period: SimDuration::from_millis(1),
            ..plan
        };
        let script = flapping(secs(10), secs(1));
        let (result, cost) = search(&fast, &script, true, 9_000, WALK_LIMIT);
        assert_eq!(
            result.clone_found().map(|f| (f.first_of_run, f.at)),
            Some((SimTime(0), SimTime(8_999)))
        );
        assert!(cost.work < 20, "{cost:?}");
        let (result, cost) = search(&fast, &script, true, 9_001, WALK_LIMIT);
        assert_eq!(result, Search::Never);
        assert!(cost.work < 50, "{cost:?}");
        // Ticks that always land in the passing part: the outcome is constant.
        let aligned = flapping(secs(10), secs(1));
        let (result, cost) = search(&plan, &aligned, true, u32::MAX, WALK_LIMIT);
        assert_eq!(
            result.clone_found().map(|f| f.at),
            Some(SimTime(10_000 * (u64::from(u32::MAX) - 1)))
        );
        assert_eq!(cost.constant, 1, "{cost:?}");
    }

    // After whole repetitions of a flap pattern are skipped, a run still open carries on into
    // the failing suffix, so its first tick must move with the skip. 1 s ticks against a 2 s
    // cycle failing in its second half: odd seconds fail, and from 100 s on everything
    // fails, so the run that flips begins at 99 s.
    #[test]
    fn skipped_flap_repetitions_keep_the_open_run() {
        let plan = TickPlan::for_probe(&probe(0, 1), SimTime::ZERO);
        let script = ProbeScript {
            fail_from: Some(secs(100)),
            ..flapping(secs(2), secs(1))
        };
        for (threshold, flip_at) in [(2, 100), (3, 101)] {
            assert_eq!(
                flip(&plan, &script, false, threshold),
                Some(Flip {
                    at: at(flip_at),
                    first_of_run: at(99),
                    run_length: threshold
                })
            );
            let (_, cost) = search(&plan, &script, false, threshold, WALK_LIMIT);
            assert!(cost.skipped > 0, "{cost:?}");
        }
    }

    // Regression: the shortcut that skips repetitions of a flap pattern must wait for the
    // manual tick, or it would jump over it. Ticks every 10 s against a 7 s cycle failing in
    // its last second never fail twice in a row, except around the manual tick: the regular
    // tick at 1420 s and the manual tick at 1420.5 s both fall in a failing second.
    #[test]
    fn manual_tick_long_after_flapping_starts() {
        let plan = TickPlan {
            manual_tick: Some(SimTime(1_420_500)),
            ..TickPlan::for_probe(&probe(0, 10), SimTime::ZERO)
        };
        let script = flapping(secs(7), secs(1));
        assert_eq!(
            flip(&plan, &script, false, 2),
            Some(Flip {
                at: SimTime(1_420_500),
                first_of_run: at(1_420),
                run_length: 2
            })
        );
        assert_eq!(flip(&plan, &script, false, 3), None);
    }

    // Undecided is only for drawn outcomes: it stops on a non-target tick, and resuming
    // after it is exact.
    #[test]
    fn undecided_stops_on_a_non_target_tick() {
        let plan = TickPlan::for_probe(&probe(0, 10), SimTime::ZERO);
        let coin = ratio(500_000, 7);
        let (result, _) = search(&plan, &coin, true, 1_000, 10);
        let Search::Undecided { walked_to } = result else {
            panic!("a run of 1000 heads decided after 10 tosses: {result:?}")
        };
        assert!(!coin.outcome_at(plan.container_start, walked_to));
        assert!(ticks(&plan, walked_to).len() >= 10);
        assert_eq!(ticks(&plan, walked_to).last(), Some(&walked_to));

        let Search::Undecided { walked_to } = next_flip(&plan, &coin, true, 1_000) else {
            panic!("a run of 1000 heads in a fair coin")
        };
        assert!(!coin.outcome_at(plan.container_start, walked_to));
        assert!(walked_to >= SimTime(10_000 * (WALK_LIMIT - 1)));
    }

    #[test]
    fn huge_values_saturate_without_panicking() {
        let found = |plan: &TickPlan, script: &ProbeScript, target: bool, threshold: u32| {
            next_flip(plan, script, target, threshold).clone_found()
        };
        // Six ticks fit on the clock before SimTime::MAX.
        let late = TickPlan::for_probe(&probe(0, 1), SimTime(u64::MAX - 5000));
        assert_eq!(found(&late, &ProbeScript::ALWAYS, true, u32::MAX), None);
        assert_eq!(
            found(&late, &ProbeScript::ALWAYS, true, 6).map(|f| f.at),
            Some(SimTime::MAX)
        );
        assert_eq!(ticks(&late, SimTime::MAX).len(), 6);
        assert_eq!(late.tick_after(SimTime(u64::MAX - 1)), Some(SimTime::MAX));
        assert_eq!(late.tick_after(SimTime::MAX), None);
        assert_eq!(
            next_flip_eager(&late, &ProbeScript::ALWAYS, true, 6, SimTime::MAX).map(|f| f.at),
            Some(SimTime::MAX)
        );
        // A phase past the end of the clock leaves no regular tick.
        let phased = TickPlan {
            phase: SimDuration(u64::MAX),
            ..late
        };
        assert_eq!(phased.first_tick(), None);
        assert!(ticks(&phased, SimTime::MAX).is_empty());
        assert_eq!(
            next_flip(&phased, &ProbeScript::NEVER, false, 1),
            Search::Never
        );

        // A millisecond period and the largest threshold.
        let fast = TickPlan {
            period: SimDuration::from_millis(1),
            ..TickPlan::for_probe(&probe(0, 1), SimTime::ZERO)
        };
        assert_eq!(
            next_flip(&fast, &ProbeScript::ALWAYS, false, u32::MAX),
            Search::Never
        );
        assert_eq!(
            found(&fast, &ProbeScript::NEVER, false, u32::MAX).map(|f| f.at),
            Some(SimTime(u64::from(u32::MAX) - 1))
        );

        // An initial delay or a gate beyond the end of time leaves no tick at all.
        let delayed = TickPlan {
            initial_delay: SimDuration(u64::MAX),
            ..fast
        };
        assert_eq!(
            next_flip(&delayed, &ProbeScript::ALWAYS, true, 1),
            Search::Never
        );
        assert_eq!(delayed.first_tick(), None);
        let gated = TickPlan {
            not_before: SimTime::MAX,
            inclusive: false,
            manual_tick: Some(SimTime::MAX),
            ..fast
        };
        assert_eq!(
            found(&gated, &ProbeScript::ALWAYS, true, 1).map(|f| f.at),
            Some(SimTime::MAX)
        );
        assert_eq!(
            next_flip(&gated, &ProbeScript::ALWAYS, true, 2),
            Search::Never
        );
        let script = window(SimDuration(u64::MAX), Some(SimDuration(u64::MAX)));
        assert_eq!(next_flip(&late, &script, true, 1), Search::Never);
        assert_eq!(
            found(&late, &script, false, 6).map(|f| f.at),
            Some(SimTime::MAX)
        );
        // Absurd flap and ratio values.
        let absurd = ProbeScript {
            pass_from: SimDuration(u64::MAX - 1),
            fail_from: None,
            flap: Some(Flap {
                period: SimDuration(u64::MAX),
                fail_for: SimDuration(u64::MAX - 1),
            }),
            failure_ratio: Some(FailureRatio {
                per_million: 999_999,
                key: u64::MAX,
            }),
        };
        assert_eq!(
            found(&late, &absurd, false, 6).map(|f| f.at),
            Some(SimTime::MAX)
        );
        // Only the tick at `u64::MAX - 1` falls in the 1 ms passing part of the one cycle.
        assert_eq!(search(&fast, &absurd, true, 2, 16).0, Search::Never);
        assert!(!absurd.outcome_at(SimTime::ZERO, SimTime::MAX));
        let (result, _) = search(&fast, &ratio(999_999, u64::MAX), true, u32::MAX, 16);
        assert!(matches!(result, Search::Undecided { .. }), "{result:?}");
    }

    impl Search<Flip> {
        /// The flip, if found; panics on Undecided, which these tests do not expect.
        fn clone_found(self) -> Option<Flip> {
            match self {
                Search::Found(flip) => Some(flip),
                Search::Never => None,
                Search::Undecided { walked_to } => panic!("undecided at {walked_to:?}"),
            }
        }
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
        // Half the time the canonical phase, otherwise any phase, often whole seconds.
        let phase = prop_oneof![
            2 => Just(SimDuration::ZERO),
            1 => (0u64..20).prop_map(SimDuration::from_secs),
            1 => (0u64..20_000).prop_map(SimDuration::from_millis),
        ];
        (
            (0u64..=1_000_000).prop_map(SimTime),
            period,
            phase,
            duration_strategy(30),
            proptest::option::of(offset_strategy()),
            offset_strategy(),
            any::<bool>(),
        )
            .prop_map(
                |(container_start, period, phase, initial_delay, manual, gate, inclusive)| {
                    let shift =
                        |offset: i64| SimTime(container_start.0.saturating_add_signed(offset));
                    TickPlan {
                        container_start,
                        phase: SimDuration::ZERO,
                        period,
                        initial_delay,
                        manual_tick: manual.map(shift),
                        not_before: shift(gate),
                        inclusive,
                    }
                    .with_phase(phase)
                },
            )
    }

    fn flap_strategy() -> impl Strategy<Value = Flap> {
        let period = prop_oneof![
            4 => (1u64..=12).prop_map(SimDuration::from_secs),
            2 => (1u64..=60_000).prop_map(SimDuration::from_millis),
            1 => Just(SimDuration::ZERO),
        ];
        // Mostly a failing part shorter than the cycle; sometimes all of it or more.
        (period, 0u64..=110).prop_map(|(period, percent)| Flap {
            period,
            fail_for: SimDuration(period.as_millis() * percent / 100),
        })
    }

    fn ratio_strategy() -> impl Strategy<Value = FailureRatio> {
        let per_million = prop_oneof![
            1 => Just(0u32),
            1 => Just(1_000_000u32),
            1 => 1_000_000u32..=u32::MAX,
            2 => 1u32..50_000,
            6 => 50_000u32..950_000,
            2 => 950_000u32..1_000_000,
        ];
        (per_million, any::<u64>()).prop_map(|(per_million, key)| FailureRatio { per_million, key })
    }

    fn script_strategy() -> impl Strategy<Value = ProbeScript> {
        // Long windows let flapping repeat many times before it ends.
        let instant = prop_oneof![3 => duration_strategy(200), 1 => duration_strategy(3_000)];
        (
            instant.clone(),
            proptest::option::of(instant),
            proptest::option::weighted(0.5, flap_strategy()),
            proptest::option::weighted(0.3, ratio_strategy()),
        )
            .prop_map(|(pass_from, fail_from, flap, failure_ratio)| ProbeScript {
                pass_from,
                fail_from,
                flap,
                failure_ratio,
            })
    }

    /// A question: plan, script, target and threshold.
    fn question_strategy() -> impl Strategy<Value = (TickPlan, ProbeScript, bool, u32)> {
        (plan_strategy(), script_strategy(), any::<bool>(), 1u32..=5)
    }

    /// Past this instant the eager walk has seen everything that can happen: every change
    /// of the plan and the script is behind (`settle`), then three repetitions of the tick
    /// pattern against the flap cycle and a run of `threshold` follow (capped, to keep the
    /// walk short; never less than 2000 periods). A flip exists iff one happens by then,
    /// except for drawn outcomes, which the lazy search may only find later.
    fn horizon(plan: &TickPlan, script: &ProbeScript, threshold: u32) -> SimTime {
        let start = plan.container_start;
        let settle = [
            start + plan.phase,
            plan.not_before,
            plan.manual_tick.unwrap_or(SimTime::ZERO),
            start + plan.initial_delay + secs(1),
            start + script.pass_from,
            start + script.fail_from.unwrap_or(SimDuration::ZERO),
        ]
        .into_iter()
        .max()
        .unwrap_or(SimTime::ZERO);
        let period = u128::from(plan.period.as_millis().max(1));
        let cycle = script
            .flap
            .map_or(1, |flap| u128::from(flap.period.as_millis().max(1)));
        let repeat = period / gcd(period, cycle) * cycle;
        let span = (3 * repeat + (u128::from(threshold) + 2) * period)
            .max(2_000 * period)
            .min(400_000 * period);
        settle + SimDuration(u64::try_from(span).unwrap_or(u64::MAX))
    }

    /// How far the eager walk may go to check an answer at `t`: to `t` itself when that is
    /// at most half a million ticks away, else only to the horizon (an answer past a
    /// skipped repetition of a flap pattern can be near the end of the clock).
    fn reach(plan: &TickPlan, until: SimTime, t: SimTime) -> SimTime {
        let from = plan.container_start.max(plan.not_before);
        let ticks = t.saturating_since(from).as_millis() / plan.period.as_millis().max(1);
        if ticks <= 500_000 {
            until.max(t)
        } else {
            until
        }
    }

    /// Checks one lazy answer against the eager walk.
    fn check_flip(
        plan: &TickPlan,
        script: &ProbeScript,
        target: bool,
        threshold: u32,
        lazy: Search<Flip>,
    ) -> Result<(), TestCaseError> {
        let until = horizon(plan, script, threshold);
        match lazy {
            Search::Found(flip) => {
                let reach = reach(plan, until, flip.at);
                let eager = next_flip_eager(plan, script, target, threshold, reach);
                if flip.at <= reach {
                    prop_assert_eq!(eager, Some(flip));
                } else {
                    prop_assert_eq!(eager, None);
                }
            }
            Search::Never => {
                prop_assert_eq!(
                    next_flip_eager(plan, script, target, threshold, until),
                    None
                )
            }
            Search::Undecided { walked_to } => {
                prop_assert_ne!(script.outcome_at(plan.container_start, walked_to), target);
                let reach = reach(plan, until, walked_to);
                if walked_to <= reach {
                    let walked = ticks(plan, walked_to);
                    prop_assert_eq!(walked.last(), Some(&walked_to), "not a tick");
                }
                let eager = next_flip_eager(plan, script, target, threshold, walked_to.min(reach));
                prop_assert_eq!(eager, None, "a flip before {:?}", walked_to);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn lazy_flip_agrees_with_eager(
            (plan, script, target, threshold) in question_strategy(),
        ) {
            let lazy = next_flip(&plan, &script, target, threshold);
            check_flip(&plan, &script, target, threshold, lazy)?;
        }

        #[test]
        fn lazy_outcome_agrees_with_the_walk(
            (plan, script, target, _) in question_strategy(),
        ) {
            let until = horizon(&plan, &script, 1);
            let first = |until: SimTime| {
                ticks(&plan, until)
                    .into_iter()
                    .find(|&tick| script.outcome_at(plan.container_start, tick) == target)
            };
            match next_outcome(&plan, &script, target) {
                Search::Found(tick) => {
                    let reach = reach(&plan, until, tick);
                    prop_assert_eq!(first(reach), Some(tick).filter(|&tick| tick <= reach));
                }
                Search::Never => prop_assert_eq!(first(until), None),
                Search::Undecided { walked_to } => {
                    prop_assert_ne!(script.outcome_at(plan.container_start, walked_to), target);
                    let reach = reach(&plan, until, walked_to);
                    if walked_to <= reach {
                        prop_assert_eq!(ticks(&plan, walked_to).last().copied(), Some(walked_to));
                    }
                    prop_assert_eq!(first(walked_to.min(reach)), None);
                }
            }
        }

        #[test]
        fn first_tick_and_tick_after_agree_with_ticks(
            plan in plan_strategy(),
            offset in offset_strategy(),
        ) {
            let t = SimTime(plan.container_start.0.saturating_add_signed(offset));
            let until = plan.container_start.max(plan.not_before).max(t) + secs(100);
            let all = ticks(&plan, until);
            prop_assert_eq!(plan.first_tick(), all.first().copied());
            prop_assert_eq!(
                plan.tick_after(t),
                all.iter().copied().find(|&tick| tick > t)
            );
            prop_assert_eq!(ticks(&plan.after(t), until), all.iter().copied().filter(|&tick| tick > t).collect::<Vec<_>>());
        }

        /// With a tiny budget most questions end Undecided; resuming after `walked_to` again
        /// and again must reach exactly the eager answer, each stop on a counted tick with
        /// the non-target outcome.
        #[test]
        fn undecided_resumes_exactly(
            (plan, script, target, threshold) in question_strategy(),
            limit in 1u64..=32,
        ) {
            let until = horizon(&plan, &script, threshold);
            let mut current = plan;
            let mut stops = Vec::new();
            let mut answer = None;
            for _ in 0..3_000 {
                let (lazy, _) = search(&current, &script, target, threshold, limit);
                let Search::Undecided { walked_to } = lazy else {
                    answer = Some(lazy);
                    break;
                };
                prop_assert!(stops.last() < Some(&walked_to), "no progress after {:?}", stops.last());
                prop_assert_ne!(script.outcome_at(plan.container_start, walked_to), target);
                stops.push(walked_to);
                if walked_to > until {
                    break;
                }
                current = current.after(walked_to);
            }
            let last = stops.last().copied().unwrap_or(SimTime::ZERO);
            let reach = reach(&plan, until, last);
            let all = ticks(&plan, reach);
            for stop in stops.iter().filter(|&&stop| stop <= reach) {
                prop_assert!(all.binary_search(stop).is_ok(), "{:?} is not a tick", stop);
            }
            match answer {
                Some(answer) => check_flip(&plan, &script, target, threshold, answer)?,
                None => prop_assert_eq!(
                    next_flip_eager(&plan, &script, target, threshold, last.min(reach)),
                    None
                ),
            }
        }

        /// Chaining `next_flip` with `after` reproduces the published result of a worker
        /// that keeps `lastResult` and a run count across flips (worker.go `doProbe`).
        #[test]
        fn chained_flips_agree_with_the_worker(
            plan in plan_strategy(),
            script in script_strategy(),
            initially in any::<bool>(),
            success_threshold in 1u32..=5,
            failure_threshold in 1u32..=5,
        ) {
            let until = horizon(&plan, &script, success_threshold.max(failure_threshold));
            let threshold = |target: bool| if target { success_threshold } else { failure_threshold };

            let mut eager = Vec::new();
            let mut published = initially;
            let mut last: Option<bool> = None;
            let mut run = 0u32;
            for tick in ticks(&plan, until) {
                let outcome = script.outcome_at(plan.container_start, tick);
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
            // Each step either flips or walks on; neither can happen more often than there
            // are ticks before the horizon.
            for _ in 0..=ticks(&plan, until).len() {
                match next_flip(&current, &script, target, threshold(target)) {
                    Search::Found(flip) if flip.at <= until => {
                        lazy.push((flip.at, target));
                        current = current.after(flip.at);
                        target = !target;
                    }
                    Search::Undecided { walked_to } if walked_to < until => {
                        current = current.after(walked_to);
                    }
                    _ => break,
                }
            }
            prop_assert_eq!(lazy, eager);
        }
    }

    /// The agreement properties compare only what the horizon lets the eager walk see. This
    /// samples the same questions and requires every kind of answer, and the shortcuts of
    /// the flapping search, to be common, so that the properties cannot pass vacuously.
    #[test]
    fn agreement_cases_are_not_vacuous() {
        let mut runner = TestRunner::deterministic();
        let questions = question_strategy();
        let mut found_in_horizon = 0;
        let mut never = 0;
        let mut flap_found = 0;
        let mut flap_never = 0;
        let mut ratio_found = 0;
        let mut skipped = 0;
        let mut constant = 0;
        let mut undecided = 0;
        for _ in 0..2_000 {
            let Ok(tree) = questions.new_tree(&mut runner) else {
                panic!("the strategy rejects nothing")
            };
            let (plan, script, target, threshold) = tree.current();
            let (lazy, cost) = search(&plan, &script, target, threshold, WALK_LIMIT);
            let flaps = script.shape().is_some_and(|shape| shape.flap.is_some());
            let ratio = script
                .shape()
                .is_some_and(|shape| matches!(shape.pass, Kind::Random(_)));
            match lazy {
                Search::Found(flip) if flip.at <= horizon(&plan, &script, threshold) => {
                    found_in_horizon += 1;
                    flap_found += usize::from(flaps);
                    ratio_found += usize::from(ratio);
                }
                Search::Found(_) => {}
                Search::Never => {
                    never += 1;
                    flap_never += usize::from(flaps);
                }
                Search::Undecided { .. } => undecided += 1,
            }
            skipped += usize::from(cost.skipped > 0);
            constant += usize::from(cost.constant > 0);
        }
        let counts = format!(
            "found {found_in_horizon} never {never} flap found {flap_found} flap never \
             {flap_never} ratio found {ratio_found} skipped {skipped} constant {constant} \
             undecided {undecided}"
        );
        assert!(found_in_horizon >= 600, "{counts}");
        assert!(never >= 300, "{counts}");
        assert!(flap_found >= 150, "{counts}");
        assert!(flap_never >= 70, "{counts}");
        assert!(ratio_found >= 130, "{counts}");
        assert!(skipped >= 40, "{counts}");
        assert!(constant >= 10, "{counts}");
        assert!(undecided >= 10, "{counts}");
    }
}
