//! How a simulated container behaves: how its image pull goes, when its probes pass or fail,
//! when it exits and with which code, how it reacts to TERM.
//!
//! Behaviour comes from scenario rules (label selector + optional container name) and from
//! pod annotations (`kubesim.io/<key>` for every container, `kubesim.io/<key>.<container>`
//! for one), the annotation being the more specific. A container with no behaviour at all
//! is a well-behaved server: pulled and started at once, healthy forever, exits promptly on
//! TERM.

use std::collections::BTreeMap;

use crate::duration::parse_go_duration;
use crate::quantity::{parse_bytes, parse_cpu_millis};
use crate::selector::LabelSelector;
use crate::time::SimDuration;

/// Prefix of behaviour annotations.
pub const ANNOTATION_PREFIX: &str = "kubesim.io/";

/// How the image pull goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImagePull {
    /// The pull succeeds.
    #[default]
    Ok,
    /// Every pull fails (e.g. the tag does not exist).
    Fail,
}

/// A probe that fails periodically while the app is otherwise healthy: in every cycle of
/// `every` (counted from the moment the probe first passes) it fails for the last `fail_for`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlapSpec {
    /// How long each failure lasts.
    pub fail_for: SimDuration,
    /// The cycle length.
    pub every: SimDuration,
}

/// Exit code of a process ended by SIGTERM's default action (128 + 15).
pub const EXIT_ON_TERM: i32 = 143;

/// Parts per million: the unit of failure ratios, so the model needs no floats.
pub const PER_MILLION: u32 = 1_000_000;

/// A container's behaviour with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerBehaviour {
    /// Outcome of image pulls.
    pub image_pull: ImagePull,
    /// How long a pull takes.
    pub pull_duration: SimDuration,
    /// App start-up time: every probe fails until this long after the process started.
    pub start_after: SimDuration,
    /// The process exits on its own this long after it started.
    pub exit_after: Option<SimDuration>,
    /// Exit code of that exit.
    pub exit_code: i32,
    /// The process ignores TERM (it is killed at the end of the grace period).
    pub ignore_term: bool,
    /// How long the process takes to exit after TERM (when it does not ignore it).
    pub term_exit_after: SimDuration,
    /// The exit code of that exit: 143 (the default action of SIGTERM) unless the app
    /// handles TERM and exits with its own code, often 0.
    pub term_exit_code: i32,
    /// Readiness passes from this long after start (default: `start_after`).
    pub ready_after: Option<SimDuration>,
    /// Readiness fails from this long after start.
    pub readiness_fails_after: Option<SimDuration>,
    /// Liveness fails from this long after start.
    pub liveness_fails_after: Option<SimDuration>,
    /// The startup probe passes from this long after start (default: `start_after`).
    pub startup_succeeds_after: Option<SimDuration>,
    /// Readiness fails periodically.
    pub readiness_flap: Option<FlapSpec>,
    /// Liveness fails periodically.
    pub liveness_flap: Option<FlapSpec>,
    /// Each readiness probe that would pass fails with this probability (per million),
    /// drawn from the seed.
    pub readiness_failure_ratio: u32,
    /// The same for liveness.
    pub liveness_failure_ratio: u32,
    /// How long an `exec` or `httpGet` preStop hook runs (a `sleep` hook takes its own
    /// seconds).
    pub pre_stop_takes: SimDuration,
    /// Memory in use when the process starts, in bytes.
    pub memory: u64,
    /// CPU the process uses when idle, in millicores (load models add to it; see
    /// [`crate::metrics`]).
    pub cpu_millis: u64,
    /// Memory growth per second, in bytes: past the container's memory limit the kernel
    /// kills it (OOMKilled, exit code 137).
    pub memory_growth_per_second: u64,
}

impl Default for ContainerBehaviour {
    /// A well-behaved server: what an empty patch resolves to.
    fn default() -> ContainerBehaviour {
        BehaviourPatch::default().resolve()
    }
}

impl ContainerBehaviour {
    /// When the process's memory reaches `limit` bytes, counted from its start: `None` if it
    /// never does. The kernel OOM-kills a process whose usage reaches its cgroup limit.
    pub fn oom_after(&self, limit: u64) -> Option<SimDuration> {
        if limit == 0 {
            return None; // no memory limit
        }
        if self.memory >= limit {
            return Some(SimDuration::ZERO);
        }
        if self.memory_growth_per_second == 0 {
            return None;
        }
        // Integer milliseconds: ceil((limit - memory) × 1000 / growth).
        let missing = u128::from(limit - self.memory) * 1000;
        let millis = missing.div_ceil(u128::from(self.memory_growth_per_second));
        Some(SimDuration::from_millis(
            u64::try_from(millis).unwrap_or(u64::MAX),
        ))
    }
}

/// A partial behaviour: the fields a rule or an annotation sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BehaviourPatch {
    /// See [`ContainerBehaviour::image_pull`].
    pub image_pull: Option<ImagePull>,
    /// See [`ContainerBehaviour::pull_duration`].
    pub pull_duration: Option<SimDuration>,
    /// See [`ContainerBehaviour::start_after`].
    pub start_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::exit_after`].
    pub exit_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::exit_code`].
    pub exit_code: Option<i32>,
    /// See [`ContainerBehaviour::ignore_term`].
    pub ignore_term: Option<bool>,
    /// See [`ContainerBehaviour::term_exit_after`].
    pub term_exit_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::term_exit_code`].
    pub term_exit_code: Option<i32>,
    /// See [`ContainerBehaviour::ready_after`].
    pub ready_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::readiness_fails_after`].
    pub readiness_fails_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::liveness_fails_after`].
    pub liveness_fails_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::startup_succeeds_after`].
    pub startup_succeeds_after: Option<SimDuration>,
    /// See [`ContainerBehaviour::readiness_flap`].
    pub readiness_flap: Option<FlapSpec>,
    /// See [`ContainerBehaviour::liveness_flap`].
    pub liveness_flap: Option<FlapSpec>,
    /// See [`ContainerBehaviour::readiness_failure_ratio`].
    pub readiness_failure_ratio: Option<u32>,
    /// See [`ContainerBehaviour::liveness_failure_ratio`].
    pub liveness_failure_ratio: Option<u32>,
    /// See [`ContainerBehaviour::pre_stop_takes`].
    pub pre_stop_takes: Option<SimDuration>,
    /// See [`ContainerBehaviour::memory`].
    pub memory: Option<u64>,
    /// See [`ContainerBehaviour::cpu_millis`].
    pub cpu_millis: Option<u64>,
    /// See [`ContainerBehaviour::memory_growth_per_second`].
    pub memory_growth_per_second: Option<u64>,
}

impl BehaviourPatch {
    /// Overlays `other` on `self`: every field `other` sets wins.
    pub fn overlay(&mut self, other: &BehaviourPatch) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            image_pull,
            pull_duration,
            start_after,
            exit_after,
            exit_code,
            ignore_term,
            term_exit_after,
            term_exit_code,
            ready_after,
            readiness_fails_after,
            liveness_fails_after,
            startup_succeeds_after,
            readiness_flap,
            liveness_flap,
            readiness_failure_ratio,
            liveness_failure_ratio,
            pre_stop_takes,
            memory,
            memory_growth_per_second,
            cpu_millis
        );
    }

    /// The complete behaviour. An exit code without an exit time means "exits at once".
    pub fn resolve(&self) -> ContainerBehaviour {
        let exit_after = self
            .exit_after
            .or(self.exit_code.map(|_| SimDuration::ZERO));
        ContainerBehaviour {
            image_pull: self.image_pull.unwrap_or_default(),
            pull_duration: self.pull_duration.unwrap_or_default(),
            start_after: self.start_after.unwrap_or_default(),
            exit_after,
            exit_code: self.exit_code.unwrap_or(0),
            ignore_term: self.ignore_term.unwrap_or(false),
            term_exit_after: self.term_exit_after.unwrap_or_default(),
            term_exit_code: self.term_exit_code.unwrap_or(EXIT_ON_TERM),
            ready_after: self.ready_after,
            readiness_fails_after: self.readiness_fails_after,
            liveness_fails_after: self.liveness_fails_after,
            startup_succeeds_after: self.startup_succeeds_after,
            readiness_flap: self.readiness_flap,
            liveness_flap: self.liveness_flap,
            readiness_failure_ratio: self.readiness_failure_ratio.unwrap_or(0),
            liveness_failure_ratio: self.liveness_failure_ratio.unwrap_or(0),
            pre_stop_takes: self.pre_stop_takes.unwrap_or_default(),
            memory: self.memory.unwrap_or(0),
            memory_growth_per_second: self.memory_growth_per_second.unwrap_or(0),
            cpu_millis: self.cpu_millis.unwrap_or(0),
        }
    }
}

/// The behaviour keys, as written in annotations (and, camel-cased, in scenario files).
pub const BEHAVIOUR_KEYS: &[&str] = &[
    "image-pull",
    "pull-after",
    "start-after",
    "exit-after",
    "exit-code",
    "ignore-term",
    "term-exit-after",
    "term-exit-code",
    "ready-after",
    "readiness-fails-after",
    "liveness-fails-after",
    "startup-succeeds-after",
    "readiness-flap",
    "liveness-flap",
    "readiness-failure-ratio",
    "liveness-failure-ratio",
    "pre-stop-takes",
    "memory",
    "memory-growth-per-second",
    "cpu",
];

fn parse_exit_code(value: &str) -> Result<i32, String> {
    let code: i32 = value
        .parse()
        .map_err(|_| format!("expected an integer exit code, found {value:?}"))?;
    if !(0..=255).contains(&code) {
        return Err(format!("exit codes are 0 to 255, found {code}"));
    }
    Ok(code)
}

/// Reads a flap as `FAIL/EVERY`, e.g. `20s/1m`: fails for 20 s in every minute.
fn parse_flap(value: &str) -> Result<FlapSpec, String> {
    let Some((fail_for, every)) = value.split_once('/') else {
        return Err(format!(
            "expected FAIL/EVERY such as `20s/1m` (fails for 20s in every minute), found {value:?}"
        ));
    };
    let fail_for = parse_go_duration(fail_for.trim()).map_err(|e| e.to_string())?;
    let every = parse_go_duration(every.trim()).map_err(|e| e.to_string())?;
    if every == SimDuration::ZERO || fail_for >= every {
        return Err(format!(
            "the failure must be shorter than the cycle and the cycle longer than 0, found {value:?}"
        ));
    }
    Ok(FlapSpec { fail_for, every })
}

/// Reads a probability as a decimal fraction (`0.25`) or a percentage (`25%`), exactly,
/// into parts per million.
fn parse_ratio(value: &str) -> Result<u32, String> {
    let bad = || format!("expected a fraction from 0 to 1 such as `0.2` or `20%`, found {value:?}");
    let (number, scale_digits) = match value.strip_suffix('%') {
        Some(percent) => (percent.trim(), 4), // 1% = 10,000 per million
        None => (value.trim(), 6),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > scale_digits
    {
        return Err(bad());
    }
    let digits = format!("{whole}{fraction:0<scale_digits$}");
    let per_million: u64 = digits.parse().map_err(|_| bad())?;
    if per_million > u64::from(PER_MILLION) {
        return Err(bad());
    }
    u32::try_from(per_million).map_err(|_| bad())
}

/// A behaviour annotation that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("annotation {annotation:?}: {reason}")]
pub struct BehaviourError {
    /// The annotation key.
    pub annotation: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Sets the field named by annotation key `key` (e.g. `exit-after`) from `value`.
pub fn set_field(patch: &mut BehaviourPatch, key: &str, value: &str) -> Result<(), String> {
    let duration = || parse_go_duration(value).map_err(|e| e.to_string());
    match key {
        "image-pull" => {
            patch.image_pull = Some(match value {
                "ok" => ImagePull::Ok,
                "fail" => ImagePull::Fail,
                _ => return Err(format!("expected `ok` or `fail`, found {value:?}")),
            })
        }
        "pull-after" => patch.pull_duration = Some(duration()?),
        "start-after" => patch.start_after = Some(duration()?),
        "exit-after" => patch.exit_after = Some(duration()?),
        "exit-code" => patch.exit_code = Some(parse_exit_code(value)?),
        "term-exit-code" => patch.term_exit_code = Some(parse_exit_code(value)?),
        "ignore-term" => {
            patch.ignore_term = Some(match value {
                "true" => true,
                "false" => false,
                _ => return Err(format!("expected `true` or `false`, found {value:?}")),
            })
        }
        "term-exit-after" => patch.term_exit_after = Some(duration()?),
        "ready-after" => patch.ready_after = Some(duration()?),
        "readiness-fails-after" => patch.readiness_fails_after = Some(duration()?),
        "liveness-fails-after" => patch.liveness_fails_after = Some(duration()?),
        "startup-succeeds-after" => patch.startup_succeeds_after = Some(duration()?),
        "readiness-flap" => patch.readiness_flap = Some(parse_flap(value)?),
        "liveness-flap" => patch.liveness_flap = Some(parse_flap(value)?),
        "readiness-failure-ratio" => patch.readiness_failure_ratio = Some(parse_ratio(value)?),
        "liveness-failure-ratio" => patch.liveness_failure_ratio = Some(parse_ratio(value)?),
        "pre-stop-takes" => patch.pre_stop_takes = Some(duration()?),
        "memory" => patch.memory = Some(parse_bytes(value).map_err(|e| e.to_string())?),
        "memory-growth-per-second" => {
            patch.memory_growth_per_second = Some(parse_bytes(value).map_err(|e| e.to_string())?)
        }
        "cpu" => patch.cpu_millis = Some(parse_cpu_millis(value).map_err(|e| e.to_string())?),
        _ => {
            return Err(format!(
                "unknown behaviour key {key:?}; known keys: {}",
                BEHAVIOUR_KEYS.join(", ")
            ))
        }
    }
    Ok(())
}

/// Splits a behaviour annotation name into (key, target container): `kubesim.io/exit-code`
/// → (`exit-code`, None), `kubesim.io/exit-code.web` → (`exit-code`, Some(`web`)); `None`
/// for annotations of other prefixes.
pub fn split_annotation(name: &str) -> Option<(&str, Option<&str>)> {
    let rest = name.strip_prefix(ANNOTATION_PREFIX)?;
    Some(match rest.split_once('.') {
        Some((key, target)) => (key, Some(target)),
        None => (rest, None),
    })
}

/// Reads the behaviour annotations of a pod for `container`: `kubesim.io/<key>` first, then
/// `kubesim.io/<key>.<container>` on top. Annotations of other prefixes are ignored.
pub fn patch_from_annotations(
    annotations: &BTreeMap<String, String>,
    container: &str,
) -> Result<BehaviourPatch, BehaviourError> {
    let mut general = BehaviourPatch::default();
    let mut specific = BehaviourPatch::default();
    for (name, value) in annotations {
        let Some((key, target)) = split_annotation(name) else {
            continue;
        };
        let fail = |reason: String| BehaviourError {
            annotation: name.clone(),
            reason,
        };
        match target {
            None => set_field(&mut general, key, value).map_err(fail)?,
            Some(t) if t == container => set_field(&mut specific, key, value).map_err(fail)?,
            // Validate keys meant for other containers too, so a typo is never silent.
            Some(_) => set_field(&mut BehaviourPatch::default(), key, value).map_err(fail)?,
        }
    }
    general.overlay(&specific);
    Ok(general)
}

/// A scenario rule: applies `patch` to matching containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BehaviourRule {
    /// Only pods in this namespace (any if `None`).
    pub namespace: Option<String>,
    /// Pods whose labels match.
    pub selector: LabelSelector,
    /// Only the container with this name (every container if `None`).
    pub container: Option<String>,
    /// What to set.
    pub patch: BehaviourPatch,
}

/// All rules of a scenario, applied in order (later rules win), then annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BehaviourBook {
    /// The rules.
    pub rules: Vec<BehaviourRule>,
}

impl BehaviourBook {
    /// The behaviour of `container` in a pod with these namespace, labels and annotations.
    /// Annotations were validated when the manifest was loaded; one that still fails to
    /// read here is reported as an error by the caller.
    pub fn resolve(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
        container: &str,
    ) -> Result<ContainerBehaviour, BehaviourError> {
        let mut patch = BehaviourPatch::default();
        for rule in &self.rules {
            let ns_ok = rule.namespace.as_deref().is_none_or(|ns| ns == namespace);
            let container_ok = rule.container.as_deref().is_none_or(|c| c == container);
            if ns_ok && container_ok && rule.selector.matches(labels) {
                patch.overlay(&rule.patch);
            }
        }
        patch.overlay(&patch_from_annotations(annotations, container)?);
        Ok(patch.resolve())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn exit_code_alone_means_crash_at_once() {
        let a = annotations(&[("kubesim.io/exit-code", "1")]);
        let b = patch_from_annotations(&a, "app").expect("valid").resolve();
        assert_eq!(b.exit_after, Some(SimDuration::ZERO));
        assert_eq!(b.exit_code, 1);
    }

    #[test]
    fn container_specific_annotation_wins() {
        let a = annotations(&[
            ("kubesim.io/start-after", "10s"),
            ("kubesim.io/start-after.sidecar", "2s"),
        ]);
        let app = patch_from_annotations(&a, "app").expect("valid").resolve();
        let sidecar = patch_from_annotations(&a, "sidecar")
            .expect("valid")
            .resolve();
        assert_eq!(app.start_after, SimDuration::from_secs(10));
        assert_eq!(sidecar.start_after, SimDuration::from_secs(2));
    }

    #[test]
    fn typos_are_errors_not_silence() {
        let a = annotations(&[("kubesim.io/exit-afterr", "3s")]);
        let err = patch_from_annotations(&a, "app").expect_err("unknown key");
        assert!(err.reason.contains("unknown behaviour key"), "{err}");
        let a = annotations(&[("kubesim.io/exit-after.other", "soon")]);
        assert!(patch_from_annotations(&a, "app").is_err());
        let a = annotations(&[("kubesim.io/exit-code", "300")]);
        assert!(patch_from_annotations(&a, "app").is_err());
    }

    #[test]
    fn ratios_flaps_and_memory_read_exactly() {
        assert_eq!(parse_ratio("0.25"), Ok(250_000));
        assert_eq!(parse_ratio("25%"), Ok(250_000));
        assert_eq!(parse_ratio("0.000001"), Ok(1));
        assert_eq!(parse_ratio("1"), Ok(PER_MILLION));
        assert_eq!(parse_ratio("100%"), Ok(PER_MILLION));
        for bad in ["", ".", "1.5", "-0.1", "0.0000001", "abc", "150%", "0,5"] {
            assert!(parse_ratio(bad).is_err(), "{bad:?} must be refused");
        }
        let flap = parse_flap("20s/1m").expect("valid");
        assert_eq!(flap.fail_for, SimDuration::from_secs(20));
        assert_eq!(flap.every, SimDuration::from_secs(60));
        assert!(parse_flap("1m/20s").is_err());
        assert!(parse_flap("20s").is_err());
        let a = annotations(&[
            ("kubesim.io/memory", "100Mi"),
            ("kubesim.io/memory-growth-per-second", "1Mi"),
        ]);
        let b = patch_from_annotations(&a, "app").expect("valid").resolve();
        // 256Mi limit: 156 MiB to grow at 1 MiB/s.
        assert_eq!(b.oom_after(256 << 20), Some(SimDuration::from_secs(156)));
        assert_eq!(b.oom_after(0), None, "no limit, no OOM kill");
        assert_eq!(b.oom_after(50 << 20), Some(SimDuration::ZERO));
    }

    #[test]
    fn rules_then_annotations() {
        let rule_patch = BehaviourPatch {
            start_after: Some(SimDuration::from_secs(5)),
            exit_code: Some(2),
            ..BehaviourPatch::default()
        };
        let book = BehaviourBook {
            rules: vec![BehaviourRule {
                namespace: None,
                selector: LabelSelector::parse("app=web").expect("valid"),
                container: None,
                patch: rule_patch,
            }],
        };
        let labels = annotations(&[("app", "web")]);
        let notes = annotations(&[("kubesim.io/exit-code", "3")]);
        let b = book
            .resolve("default", &labels, &notes, "c")
            .expect("valid");
        assert_eq!(b.start_after, SimDuration::from_secs(5));
        assert_eq!(b.exit_code, 3);
        let other = book
            .resolve(
                "default",
                &annotations(&[("app", "db")]),
                &BTreeMap::new(),
                "c",
            )
            .expect("valid");
        assert_eq!(other, ContainerBehaviour::default());
    }
}
