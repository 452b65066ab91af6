//! Cron schedules as Kubernetes' CronJob controller reads them: `robfig/cron/v3`'s
//! `ParseStandard` (five fields, `*`, `?`, lists, ranges, steps, month and weekday names,
//! the `@yearly` … `@hourly` descriptors) and `SpecSchedule.Next`, including its rule for
//! days: when both day-of-month and day-of-week are restricted (neither starts with `*` or
//! `?`), a day matches if **either** does; otherwise both must match (k8s-semantics §8.10).
//!
//! Pure: no clock, no I/O. Instants are Unix seconds; a schedule is evaluated in a fixed
//! UTC offset (kubesim knows `UTC`, `Etc/UTC` and the `Etc/GMT±N` zones, which have no
//! daylight saving time, so every answer is exact).

use std::fmt;

use crate::time::civil_from_days;

/// Set by a field written as `*` or `?` (or `*/1`): robfig's `starBit`, which switches the
/// day-of-month / day-of-week rule from OR to AND.
const STAR_BIT: u64 = 1 << 63;

/// A parsed five-field schedule: one bit per allowed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
}

/// Why a schedule does not parse, worded as robfig/cron words it (the API server puts this
/// text after `spec.schedule: Invalid value: "...": `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError(pub String);

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CronError {}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DAYS_OF_MONTH: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
/// Month names map to 1..=12 (index + 1).
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// Weekday names map to 0..=6 (Sunday is 0; robfig v3 refuses 7).
const DAYS_OF_WEEK: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

fn err<T>(message: String) -> Result<T, CronError> {
    Err(CronError(message))
}

/// Parses a schedule as `cron.ParseStandard` does.
pub fn parse(spec: &str) -> Result<Schedule, CronError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return err("empty spec string".to_string());
    }
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        // robfig accepts a zone prefix; kubesim evaluates zones through `spec.timeZone`
        // only (the API server refuses `TZ` in new schedules, see the CronJob validation).
        return err("a TZ= or CRON_TZ= prefix is not supported, use spec.timeZone".to_string());
    }
    if let Some(descriptor) = spec.strip_prefix('@') {
        let expanded = match descriptor {
            "yearly" | "annually" => "0 0 1 1 *",
            "monthly" => "0 0 1 * *",
            "weekly" => "0 0 * * 0",
            "daily" | "midnight" => "0 0 * * *",
            "hourly" => "0 * * * *",
            other if other.starts_with("every") => {
                return err(format!(
                    "kubesim does not model the @every descriptor: {spec}"
                ))
            }
            _ => return err(format!("unrecognized descriptor: {spec}")),
        };
        return parse(expanded);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    Ok(Schedule {
        minutes: field(fields[0], &MINUTES)?,
        hours: field(fields[1], &HOURS)?,
        days_of_month: field(fields[2], &DAYS_OF_MONTH)?,
        months: field(fields[3], &MONTHS)?,
        days_of_week: field(fields[4], &DAYS_OF_WEEK)?,
    })
}

/// A comma-separated list of ranges (robfig's `getField`).
fn field(text: &str, bounds: &Bounds) -> Result<u64, CronError> {
    let mut bits = 0;
    for expr in text.split(',') {
        bits |= range(expr, bounds)?;
    }
    Ok(bits)
}

/// One `start-end/step` range (robfig's `getRange`).
fn range(expr: &str, bounds: &Bounds) -> Result<u64, CronError> {
    let (range_part, step_part) = match expr.split_once('/') {
        Some((r, s)) => {
            if s.contains('/') {
                return err(format!("too many slashes: {expr}"));
            }
            (r, Some(s))
        }
        None => (expr, None),
    };
    let low_high: Vec<&str> = range_part.split('-').collect();
    let single = low_high.len() == 1;
    let mut extra = 0;
    let (start, mut end);
    if low_high[0] == "*" || low_high[0] == "?" {
        start = bounds.min;
        end = bounds.max;
        extra = STAR_BIT;
    } else {
        start = int_or_name(low_high[0], bounds, expr)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], bounds, expr)?,
            _ => return err(format!("too many hyphens: {expr}")),
        };
    }
    let step = match step_part {
        None => 1,
        Some(text) => {
            let step = positive_int(text, expr)?;
            // "N/step" means "N-max/step".
            if single {
                end = bounds.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
    };
    if start < bounds.min {
        return err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            bounds.min
        ));
    }
    if end > bounds.max {
        return err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            bounds.max
        ));
    }
    if start > end {
        return err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        v += step;
    }
    Ok(bits | extra)
}

fn int_or_name(text: &str, bounds: &Bounds, expr: &str) -> Result<u32, CronError> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = bounds.names.iter().position(|n| *n == lower) {
        // Weekdays count from 0, months from 1.
        let i = u32::try_from(i).unwrap_or(0);
        return Ok(i + bounds.min);
    }
    positive_int(text, expr)
}

fn positive_int(text: &str, expr: &str) -> Result<u32, CronError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return err(format!("failed to parse int from {text}: {expr}"));
    }
    text.parse::<u32>()
        .or_else(|_| err(format!("failed to parse int from {text}: {expr}")))
}

/// Civil fields of a local minute.
fn day_parts(local_days: i64) -> (u32, u32, u32) {
    // Days before 1970 do not occur (the simulated epoch is 2026).
    let days = u64::try_from(local_days.max(0)).unwrap_or(0);
    let (_, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday (4).
    let weekday = ((days + 4) % 7) as u32;
    (month as u32, day as u32, weekday)
}

impl Schedule {
    /// robfig's `dayMatches`: AND when either day field is a star, OR otherwise.
    fn day_matches(&self, month_day: u32, weekday: u32) -> bool {
        let dom = self.days_of_month & (1 << month_day) != 0;
        let dow = self.days_of_week & (1 << weekday) != 0;
        if self.days_of_month & STAR_BIT != 0 || self.days_of_week & STAR_BIT != 0 {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Whether the minute starting at local Unix second `local` (a multiple of 60) fires.
    pub fn matches_local_minute(&self, local: i64) -> bool {
        let minute_of_day = local.rem_euclid(86_400) / 60;
        let (month, day, weekday) = day_parts(local.div_euclid(86_400));
        self.months & (1 << month) != 0
            && self.day_matches(day, weekday)
            && self.hours & (1 << (minute_of_day / 60)) != 0
            && self.minutes & (1 << (minute_of_day % 60)) != 0
    }

    /// The first firing instant strictly after Unix second `after`, in a zone `offset`
    /// seconds east of UTC; `None` if there is none within five years (robfig gives up
    /// there too, and Kubernetes then never schedules).
    pub fn next_after(&self, after: i64, offset: i32) -> Option<i64> {
        let offset = i64::from(offset);
        // The first whole local minute strictly after `after`.
        let local_after = after + offset;
        let mut minute = local_after.div_euclid(60) + 1;
        let limit_days = local_after.div_euclid(86_400) + 5 * 366;
        loop {
            let day = minute.div_euclid(1440);
            if day > limit_days {
                return None;
            }
            let (month, month_day, weekday) = day_parts(day);
            if self.months & (1 << month) == 0 || !self.day_matches(month_day, weekday) {
                minute = (day + 1) * 1440;
                continue;
            }
            let mut in_day = minute.rem_euclid(1440);
            while in_day < 1440 {
                let hour = in_day / 60;
                if self.hours & (1 << hour) == 0 {
                    in_day = (hour + 1) * 60;
                    continue;
                }
                if self.minutes & (1 << (in_day % 60)) != 0 {
                    return Some((day * 1440 + in_day) * 60 - offset);
                }
                in_day += 1;
            }
            minute = (day + 1) * 1440;
        }
    }
}

/// `spec.timeZone` of a CronJob as a fixed offset east of UTC, in seconds: `UTC`,
/// `Etc/UTC`, `Etc/GMT`, `Etc/GMT+N` (N hours **west**, as in the IANA database) and
/// `Etc/GMT-N` (N hours east). `None` for other names, which need the IANA database.
pub fn fixed_zone_offset(name: &str) -> Option<i32> {
    match name {
        "UTC" | "Etc/UTC" | "Etc/GMT" | "Etc/UCT" | "Etc/Universal" | "Etc/Zulu" | "Etc/GMT0"
        | "Etc/GMT+0" | "Etc/GMT-0" | "Etc/Greenwich" => return Some(0),
        _ => {}
    }
    let rest = name.strip_prefix("Etc/GMT")?;
    let (sign, hours) = match rest.split_at_checked(1)? {
        ("+", h) => (-1, h),
        ("-", h) => (1, h),
        _ => return None,
    };
    if hours.is_empty() || hours.len() > 2 || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if hours.starts_with('0') {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    // The database has Etc/GMT-14 … Etc/GMT+12.
    let valid = if sign < 0 { hours <= 12 } else { hours <= 14 };
    valid.then_some(sign * hours * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::EPOCH_UNIX_SECONDS;
    use proptest::prelude::*;

    const EPOCH: i64 = EPOCH_UNIX_SECONDS as i64;

    fn next(spec: &str, after: i64) -> i64 {
        parse(spec)
            .expect("parses")
            .next_after(after, 0)
            .expect("fires")
    }

    #[test]
    fn every_minute_and_steps() {
        assert_eq!(next("*/1 * * * *", EPOCH), EPOCH + 60);
        assert_eq!(next("* * * * *", EPOCH + 59), EPOCH + 60);
        assert_eq!(next("*/15 * * * *", EPOCH + 60), EPOCH + 900);
        assert_eq!(next("5/20 * * * *", EPOCH), EPOCH + 300);
        assert_eq!(next("5/20 * * * *", EPOCH + 300), EPOCH + 1500);
        assert_eq!(next("0 9-17/4 * * *", EPOCH), EPOCH + 9 * 3600);
        assert_eq!(next("0 9-17/4 * * *", EPOCH + 9 * 3600), EPOCH + 13 * 3600);
        assert_eq!(next("@hourly", EPOCH), EPOCH + 3600);
        assert_eq!(next("@daily", EPOCH), EPOCH + 86_400);
        assert_eq!(next("@midnight", EPOCH + 1), EPOCH + 86_400);
    }

    #[test]
    fn names_lists_and_descriptors() {
        // 2026-01-01 is a Thursday; the next Monday is the 5th.
        assert_eq!(next("0 0 * * MON", EPOCH), EPOCH + 4 * 86_400);
        assert_eq!(next("0 0 * * mon,fri", EPOCH), EPOCH + 86_400);
        // @weekly fires on Sundays: 2026-01-04.
        assert_eq!(next("@weekly", EPOCH), EPOCH + 3 * 86_400);
        // @monthly: 2026-02-01.
        assert_eq!(next("@monthly", EPOCH), EPOCH + 31 * 86_400);
        // @yearly from the epoch itself: 2027-01-01.
        assert_eq!(next("@yearly", EPOCH), EPOCH + 365 * 86_400);
        assert_eq!(next("@annually", EPOCH), EPOCH + 365 * 86_400);
        assert_eq!(next("0 0 1 MAR ?", EPOCH), EPOCH + (31 + 28) * 86_400);
    }

    /// robfig's rule: both day fields restricted ⇒ either matches.
    #[test]
    fn day_of_month_or_day_of_week() {
        // The 15th or any Monday: Monday 5 January comes first.
        assert_eq!(next("0 0 15 * 1", EPOCH), EPOCH + 4 * 86_400);
        // With `*` in day-of-week only the 15th matches.
        assert_eq!(next("0 0 15 * *", EPOCH), EPOCH + 14 * 86_400);
        // `*/1` keeps the star, so AND applies: only Mondays.
        assert_eq!(next("0 0 */1 * 1", EPOCH), EPOCH + 4 * 86_400);
        // `*/2` drops it (robfig): days 1, 3, 5, … OR Mondays; the 3rd comes first.
        assert_eq!(next("0 0 */2 * 1", EPOCH), EPOCH + 2 * 86_400);
    }

    #[test]
    fn errors_read_like_robfig() {
        let e = |s: &str| parse(s).expect_err("invalid").0;
        assert_eq!(
            e("* * * *"),
            "expected exactly 5 fields, found 4: [* * * *]"
        );
        assert_eq!(e("60 * * * *"), "end of range (60) above maximum (59): 60");
        assert_eq!(
            e("* * 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(e("* * * * 7"), "end of range (7) above maximum (6): 7");
        assert_eq!(
            e("5-1 * * * *"),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            e("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(e("x * * * *"), "failed to parse int from x: x");
        assert_eq!(e("@fortnightly"), "unrecognized descriptor: @fortnightly");
        assert_eq!(e(""), "empty spec string");
        assert!(e("TZ=UTC * * * * *").contains("spec.timeZone"));
    }

    #[test]
    fn fixed_zones() {
        assert_eq!(fixed_zone_offset("UTC"), Some(0));
        assert_eq!(fixed_zone_offset("Etc/UTC"), Some(0));
        assert_eq!(fixed_zone_offset("Etc/GMT+5"), Some(-5 * 3600));
        assert_eq!(fixed_zone_offset("Etc/GMT-14"), Some(14 * 3600));
        assert_eq!(fixed_zone_offset("Etc/GMT-15"), None);
        assert_eq!(fixed_zone_offset("Etc/GMT+13"), None);
        assert_eq!(fixed_zone_offset("Etc/GMT+05"), None);
        assert_eq!(fixed_zone_offset("Europe/Paris"), None);
        // 09:00 in Etc/GMT-2 (UTC+2) is 07:00 UTC.
        let s = parse("0 9 * * *").expect("parses");
        assert_eq!(s.next_after(EPOCH, 2 * 3600), Some(EPOCH + 7 * 3600));
        // 01:00 in Etc/GMT+5 (UTC−5) is 06:00 UTC.
        let s = parse("0 1 * * *").expect("parses");
        assert_eq!(s.next_after(EPOCH, -5 * 3600), Some(EPOCH + 6 * 3600));
    }

    #[test]
    fn impossible_dates_never_fire() {
        assert_eq!(
            parse("0 0 30 2 *").expect("parses").next_after(EPOCH, 0),
            None
        );
        // February 29th: 2028 is the next leap year.
        let leap = parse("0 0 29 2 *").expect("parses").next_after(EPOCH, 0);
        assert_eq!(leap, Some(EPOCH + (365 + 365 + 31 + 28) * 86_400));
    }

    /// Brute force: walk minute by minute.
    fn reference(s: &Schedule, after: i64, offset: i32, limit_minutes: i64) -> Option<i64> {
        let first = (after + i64::from(offset)).div_euclid(60) + 1;
        (first..first + limit_minutes)
            .find(|minute| s.matches_local_minute(minute * 60))
            .map(|minute| minute * 60 - i64::from(offset))
    }

    fn field_text(min: u32, max: u32) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_string()),
            (min..=max).prop_map(|v| v.to_string()),
            (min..=max, min..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (1u32..=7).prop_map(|s| format!("*/{s}")),
            (min..=max, 1u32..=5).prop_map(|(a, s)| format!("{a}/{s}")),
            prop::collection::vec(min..=max, 1..4).prop_map(|vs| vs
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn next_agrees_with_a_minute_by_minute_walk(
            minute in field_text(0, 59),
            hour in field_text(0, 23),
            dom in field_text(1, 31),
            month in field_text(1, 12),
            dow in field_text(0, 6),
            after_minutes in 0i64..(2 * 366 * 1440),
            extra_seconds in 0i64..60,
            offset_hours in -12i32..=14,
        ) {
            let spec = format!("{minute} {hour} {dom} {month} {dow}");
            let schedule = parse(&spec).expect("generated specs are valid");
            let after = EPOCH + after_minutes * 60 + extra_seconds;
            let offset = offset_hours * 3600;
            // A year and a bit covers every schedule that fires at all, except rare dates
            // (Feb 29 or the 31st of few months) which the fast walk must find later.
            let walk = reference(&schedule, after, offset, 400 * 1440);
            let fast = schedule.next_after(after, offset);
            match walk {
                Some(t) => prop_assert_eq!(fast, Some(t), "{}", spec),
                None => prop_assert!(fast.is_none_or(|t| t > after + 400 * 86_400 - 86_400), "{}", spec),
            }
        }
    }
}
