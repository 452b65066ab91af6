//! The serve clock: simulated time from wall time at a speed factor, or paused and advanced
//! by request. Wall time is read here and nowhere else (sim-core never sees it).

// The edge reads the wall clock by design; clippy.toml forbids it for the engine.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use sim_core::time::{SimDuration, SimTime};

/// Simulated time as `kubesim serve` runs it.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Simulated time at `wall_base`.
    sim_base: SimTime,
    wall_base: Instant,
    /// Simulated seconds per wall second; 0 when paused.
    speed: f64,
    /// The clock never reads below this (an action may land just ahead of it).
    floor: SimTime,
}

impl Clock {
    /// A clock at t=0 running at `speed` (paused when `paused` or `speed` is 0).
    pub fn new(speed: f64, paused: bool) -> Clock {
        let speed = if paused || !speed.is_finite() || speed < 0.0 {
            0.0
        } else {
            speed
        };
        Clock {
            sim_base: SimTime::ZERO,
            wall_base: Instant::now(),
            speed,
            floor: SimTime::ZERO,
        }
    }

    /// Whether the clock only moves when advanced.
    pub fn paused(&self) -> bool {
        self.speed == 0.0
    }

    /// The speed factor (0 when paused).
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated now.
    pub fn now(&self) -> SimTime {
        let elapsed = self.wall_base.elapsed().as_secs_f64() * self.speed * 1000.0;
        // Saturating float-to-int conversion; a clock running for centuries just stops.
        let millis = elapsed as u64;
        (self.sim_base + SimDuration::from_millis(millis)).max(self.floor)
    }

    /// Moves simulated time forward by `by` (whether paused or running).
    pub fn advance(&mut self, by: SimDuration) {
        let now = self.now();
        self.sim_base = now + by;
        self.wall_base = Instant::now();
        self.floor = self.sim_base;
    }

    /// Makes sure the clock never reads below `at`.
    pub fn raise_floor(&mut self, at: SimTime) {
        if at > self.floor {
            self.floor = at;
        }
        if self.now() < at {
            self.sim_base = at;
            self.wall_base = Instant::now();
        }
    }

    /// Wall time until the clock reaches `at` (None when paused or already there).
    pub fn wall_until(&self, at: SimTime) -> Option<Duration> {
        if self.paused() {
            return None;
        }
        let now = self.now();
        if at <= now {
            return Some(Duration::ZERO);
        }
        let millis = (at.as_millis() - now.as_millis()) as f64 / self.speed;
        Some(Duration::from_secs_f64(millis / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_moves_only_when_advanced_and_never_below_its_floor() {
        let mut c = Clock::new(5.0, true);
        assert!(c.paused());
        assert_eq!(c.now(), SimTime::ZERO);
        c.advance(SimDuration::from_secs(30));
        assert_eq!(c.now(), SimTime::ZERO + SimDuration::from_secs(30));
        c.raise_floor(SimTime::ZERO + SimDuration::from_millis(30_001));
        assert_eq!(c.now().as_millis(), 30_001);
        c.raise_floor(SimTime::ZERO);
        assert_eq!(c.now().as_millis(), 30_001);
        assert_eq!(
            c.wall_until(SimTime::ZERO + SimDuration::from_secs(60)),
            None
        );
    }

    #[test]
    fn a_negative_or_infinite_speed_is_a_paused_clock() {
        assert!(Clock::new(-1.0, false).paused());
        assert!(Clock::new(f64::INFINITY, false).paused());
        assert!(!Clock::new(2.0, false).paused());
    }
}
