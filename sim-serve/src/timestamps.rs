//! Instants as the server hands them to clients.
//!
//! The simulation renders an instant `t` from its fixed epoch (`2026-01-01T00:00:00Z` + t,
//! [`sim_scenarios::view::rfc3339`]), which keeps `kubesim run` deterministic. kubectl,
//! though, computes some ages itself from its own clock (`describe`'s event ages and
//! `Start Time`, `top`, `rollout history`), so fixed-epoch instants would read as months
//! old. Served instants are therefore anchored to the wall clock at the moment of the
//! response: `t` is served as `wall_now − (sim_now − t)`, and every age kubectl works out
//! equals the simulated age, whether the clock runs, is paused or runs faster than real
//! time. Ages the server prints itself (Table `AGE` columns) come from simulated time
//! directly and agree.
//!
//! Nothing inbound needs the inverse shift: the instants a client could send (metadata
//! timestamps, status) are dropped before a body is decoded and recorded, as the API server
//! ignores them, so a recorded session carries no wall time.

use serde_json::Value;
use sim_core::time::{civil_from_days, days_from_civil, SimTime, EPOCH_UNIX_SECONDS};

/// The keys whose string values are `metav1.Time` / `MicroTime` instants in the objects
/// kubesim serves.
const INSTANT_KEYS: &[&str] = &[
    "acquireTime",
    "completionTime",
    "creationTimestamp",
    "deletionTimestamp",
    "eventTime",
    "finishedAt",
    "firstTimestamp",
    "lastHeartbeatTime",
    "lastProbeTime",
    "lastScaleTime",
    "lastScheduleTime",
    "lastSuccessfulTime",
    "lastTimestamp",
    "lastTransitionTime",
    "lastUpdateTime",
    "renewTime",
    "startTime",
    "startedAt",
    "timeAdded",
    "timestamp",
];

/// Maps whose values are all instants (`PodDisruptionBudget.status.disruptedPods`).
const INSTANT_MAP_KEYS: &[&str] = &["disruptedPods"];

/// Lists of `managedFields` entries, each with its instant at `time`.
const MANAGED_FIELDS_KEY: &str = "managedFields";

/// User-owned string maps: a value there that looks like an instant is the user's text.
const OPAQUE_KEYS: &[&str] = &["annotations", "labels", "data", "stringData", "binaryData"];

/// How far served instants are moved from the simulation's fixed epoch, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    shift_secs: i64,
}

impl Anchor {
    /// Instants as the simulation renders them, from the fixed epoch (`--fixed-epoch`).
    pub const FIXED: Anchor = Anchor { shift_secs: 0 };

    /// The anchor that makes simulated `now` read as the wall instant `wall_unix_secs`.
    pub fn at(now: SimTime, wall_unix_secs: u64) -> Anchor {
        let sim_unix = i128::from(EPOCH_UNIX_SECONDS) + i128::from(now.as_secs());
        let shift = i128::from(wall_unix_secs) - sim_unix;
        Anchor {
            shift_secs: i64::try_from(shift).unwrap_or(0),
        }
    }

    /// Moves every instant in `v` (an object, a list, a Table, a watch event) by the
    /// anchor's shift.
    pub fn apply(&self, v: &mut Value) {
        if self.shift_secs != 0 {
            self.walk(v);
        }
    }

    fn walk(&self, v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    let key = key.as_str();
                    if OPAQUE_KEYS.contains(&key) {
                        continue;
                    }
                    if INSTANT_KEYS.contains(&key) {
                        self.shift_string(value);
                    } else if key == MANAGED_FIELDS_KEY {
                        self.shift_managed_fields(value);
                    } else if INSTANT_MAP_KEYS.contains(&key) {
                        if let Value::Object(instants) = value {
                            instants.values_mut().for_each(|i| self.shift_string(i));
                        }
                    } else {
                        self.walk(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.walk(i)),
            _ => {}
        }
    }

    /// Takes the instants of `metadata.managedFields` entries a client sent (served, so
    /// anchored) back to the simulation's epoch: the server stores them.
    pub fn restore_managed_fields(&self, managed_fields: &mut Value) {
        let inverse = Anchor {
            shift_secs: self.shift_secs.saturating_neg(),
        };
        inverse.shift_managed_fields(managed_fields);
    }

    fn shift_managed_fields(&self, entries: &mut Value) {
        if let Value::Array(entries) = entries {
            for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(time) = entry.get_mut("time") {
                    self.shift_string(time);
                }
            }
        }
    }

    fn shift_string(&self, value: &mut Value) {
        let Some(text) = value.as_str() else {
            return;
        };
        let Some((secs, fraction)) = parse_rfc3339(text) else {
            return;
        };
        let shifted = i128::from(secs) + i128::from(self.shift_secs);
        if let Ok(shifted) = u64::try_from(shifted) {
            let rendered = format_rfc3339(shifted, fraction);
            *value = Value::String(rendered);
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` as Unix seconds and the fraction's digits (empty when
/// there are none); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<(u64, &str)> {
    let body = text.strip_suffix('Z')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (w, f),
        Some(_) => return None,
        None => (body, ""),
    };
    let bytes = whole.as_bytes();
    if bytes.len() != 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = whole.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(number(0..4)?, number(5..7)?, number(8..10)?)?;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second, fraction))
}

/// Unix seconds (and fraction digits) as `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
pub fn format_rfc3339(unix_secs: u64, fraction: &str) -> String {
    let (year, month, day) = civil_from_days(unix_secs / 86_400);
    let in_day = unix_secs % 86_400;
    let dot = if fraction.is_empty() { "" } else { "." };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{dot}{fraction}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sim_scenarios::view::rfc3339;

    #[test]
    fn parse_and_format_round_trip() {
        for text in [
            "2026-01-01T00:00:00Z",
            "2026-02-28T23:59:59Z",
            "2028-02-29T12:00:00Z",
            "2026-01-01T00:00:05.250000Z",
        ] {
            let (secs, fraction) = parse_rfc3339(text).expect(text);
            assert_eq!(format_rfc3339(secs, fraction), text);
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00Z"),
            Some((EPOCH_UNIX_SECONDS, ""))
        );
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01 00:00:00Z",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    /// A pod created at 10 s, served at simulated 70 s when the wall clock reads
    /// 2026-11-30T12:00:00Z, was created at 11:59:00 by the wall clock: kubectl's own age
    /// computation says 60s, the simulated age.
    #[test]
    fn served_instants_keep_simulated_ages() {
        let wall = parse_rfc3339("2026-11-30T12:00:00Z").expect("instant").0;
        let anchor = Anchor::at(SimTime(70_000), wall);
        let mut pod = json!({
            "metadata": {
                "creationTimestamp": rfc3339(SimTime(10_000)),
                "annotations": {"note": rfc3339(SimTime(10_000))},
                "labels": {"x": "y"},
            },
            "status": {
                "conditions": [{"type": "Ready", "lastTransitionTime": rfc3339(SimTime(15_000))}],
                "containerStatuses": [{"state": {"running": {"startedAt": rfc3339(SimTime(12_000))}}}],
            },
        });
        anchor.apply(&mut pod);
        assert_eq!(pod["metadata"]["creationTimestamp"], "2026-11-30T11:59:00Z");
        assert_eq!(
            pod["status"]["conditions"][0]["lastTransitionTime"],
            "2026-11-30T11:59:05Z"
        );
        assert_eq!(
            pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"],
            "2026-11-30T11:59:02Z"
        );
        // The user's annotation is left as written.
        assert_eq!(
            pod["metadata"]["annotations"]["note"],
            rfc3339(SimTime(10_000))
        );
    }

    #[test]
    fn micro_times_and_instant_maps_shift_too() {
        let anchor = Anchor::at(SimTime::ZERO, EPOCH_UNIX_SECONDS + 3600);
        let mut v = json!({
            "spec": {"renewTime": "2026-01-01T00:00:00.500000Z"},
            "status": {"disruptedPods": {"web-1": "2026-01-01T00:00:01Z"}},
        });
        anchor.apply(&mut v);
        assert_eq!(v["spec"]["renewTime"], "2026-01-01T01:00:00.500000Z");
        assert_eq!(
            v["status"]["disruptedPods"]["web-1"],
            "2026-01-01T01:00:01Z"
        );
    }

    #[test]
    fn managed_fields_times_shift_and_restore() {
        let anchor = Anchor::at(SimTime::ZERO, EPOCH_UNIX_SECONDS + 60);
        let mut v = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "time": "2026-01-01T00:00:05Z"},
            {"manager": "kube-controller-manager"},
        ]}});
        anchor.apply(&mut v);
        let served = &mut v["metadata"]["managedFields"];
        assert_eq!(served[0]["time"], "2026-01-01T00:01:05Z");
        assert!(served[1].get("time").is_none());
        anchor.restore_managed_fields(served);
        assert_eq!(served[0]["time"], "2026-01-01T00:00:05Z");
    }

    #[test]
    fn the_fixed_anchor_changes_nothing() {
        let mut v = json!({"metadata": {"creationTimestamp": "2026-01-01T00:00:01Z"}});
        let before = v.clone();
        Anchor::FIXED.apply(&mut v);
        assert_eq!(v, before);
        assert_eq!(
            Anchor::at(SimTime(5_000), EPOCH_UNIX_SECONDS + 5),
            Anchor::FIXED
        );
    }
}
