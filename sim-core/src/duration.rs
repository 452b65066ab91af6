//! Go's `time.ParseDuration`, for the simulator's millisecond clock.
//!
//! Kubernetes writes durations the Go way (`300ms`, `1.5h`, `2h45m`, `1m30s`), so scenario
//! files do too. The grammar is Go's: one or more decimal numbers, each with an optional
//! fraction and a unit among `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`; a unit is required
//! except for a lone `0`.
//!
//! The arithmetic is exact, in integers. Each number is first converted to whole
//! nanoseconds, dropping sub-nanosecond fractions exactly as Go does (a Go `Duration` cannot
//! hold them either), so we read the value the real component would read. The total is then
//! rounded *up* to the next millisecond, because a timer must never fire early: a probe with
//! a `1500us` period fires after 2 ms of virtual time, never after 1 ms.
//!
//! Two deliberate differences from Go: a negative duration is an error (virtual time only
//! moves forward), and the maximum is the largest [`SimDuration`] (`u64::MAX` milliseconds,
//! about 584 million years) instead of Go's 2⁶³−1 nanoseconds.

use crate::time::{format_go_duration, SimDuration};

/// The units Go accepts, for error messages.
const VALID_UNITS: &str = "ns, us (or µs), ms, s, m, h";

const NANOS_PER_MILLI: u128 = 1_000_000;

/// A duration that could not be read, with the text and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {text:?}: {reason}")]
pub struct DurationParseError {
    /// The text as written.
    pub text: String,
    /// Why it was rejected, in words a scenario author understands.
    pub reason: String,
}

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`, `1m30s`, `0`) into virtual milliseconds,
/// rounding sub-millisecond amounts up.
///
/// ```
/// use sim_core::duration::parse_go_duration;
/// use sim_core::time::SimDuration;
///
/// assert_eq!(parse_go_duration("1m30s"), Ok(SimDuration::from_secs(90)));
/// assert_eq!(parse_go_duration("1500us"), Ok(SimDuration::from_millis(2)));
/// assert!(parse_go_duration("-5s").is_err());
/// ```
pub fn parse_go_duration(text: &str) -> Result<SimDuration, DurationParseError> {
    let fail = |reason: String| DurationParseError {
        text: text.to_string(),
        reason,
    };
    let overflow = || {
        fail(format!(
            "too long: the maximum is {} ({}ms)",
            format_go_duration(u64::MAX),
            u64::MAX
        ))
    };

    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(SimDuration::ZERO);
    }
    if text.is_empty() {
        return Err(fail(
            "empty; write a number with a unit such as \"30s\", or \"0\"".to_string(),
        ));
    }
    if rest.is_empty() {
        return Err(fail(
            "a sign must be followed by a number with a unit such as \"30s\"".to_string(),
        ));
    }

    let mut total_nanos: u128 = 0;
    let mut non_zero = false;
    while !rest.is_empty() {
        let (whole_digits, after_whole) = split_digits(rest);
        let (fraction_digits, after_number) = match after_whole.strip_prefix('.') {
            Some(after_point) => split_digits(after_point),
            None => ("", after_whole),
        };
        if whole_digits.is_empty() && fraction_digits.is_empty() {
            return Err(fail(format!(
                "expected a number at {after_whole:?}; write a number with a unit such as \
                 \"30s\" or \"1.5h\""
            )));
        }
        // Like Go, the unit is everything up to the next number.
        let unit_len = after_number
            .bytes()
            .position(|b| b == b'.' || b.is_ascii_digit())
            .unwrap_or(after_number.len());
        if unit_len == 0 {
            return Err(fail(format!(
                "missing unit after a number; valid units are {VALID_UNITS} \
                 (only \"0\" may be written without one)"
            )));
        }
        // The unit ends before an ASCII byte or at the end, so this is a character boundary.
        let (unit, after_unit) = after_number.split_at(unit_len);
        let nanos_per_unit = unit_nanos(unit).ok_or_else(|| {
            fail(format!(
                "unknown unit {unit:?}; valid units are {VALID_UNITS}"
            ))
        })?;

        let whole = parse_digits(whole_digits).ok_or_else(overflow)?;
        let component = whole
            .checked_mul(nanos_per_unit)
            .and_then(|n| n.checked_add(fraction_nanos(fraction_digits, nanos_per_unit)))
            .ok_or_else(overflow)?;
        total_nanos = total_nanos.checked_add(component).ok_or_else(overflow)?;
        non_zero |= has_non_zero_digit(whole_digits) || has_non_zero_digit(fraction_digits);
        rest = after_unit;
    }

    if negative && non_zero {
        return Err(fail(
            "a simulated duration cannot be negative; remove the minus sign".to_string(),
        ));
    }
    let millis = total_nanos.div_ceil(NANOS_PER_MILLI);
    u64::try_from(millis)
        .map(SimDuration)
        .map_err(|_| overflow())
}

fn unit_nanos(unit: &str) -> Option<u128> {
    match unit {
        "ns" => Some(1),
        // Go accepts both the micro sign (U+00B5) and the Greek small letter mu (U+03BC).
        "us" | "\u{b5}s" | "\u{3bc}s" => Some(1_000),
        "ms" => Some(1_000_000),
        "s" => Some(1_000_000_000),
        "m" => Some(60_000_000_000),
        "h" => Some(3_600_000_000_000),
        _ => None,
    }
}

/// Splits off the leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    text.split_at(len)
}

fn has_non_zero_digit(digits: &str) -> bool {
    digits.bytes().any(|b| b != b'0')
}

/// The decimal digits as a number, or `None` if it does not fit in `u128`.
fn parse_digits(digits: &str) -> Option<u128> {
    digits.bytes().try_fold(0u128, |acc, b| {
        acc.checked_mul(10)?.checked_add(u128::from(b - b'0'))
    })
}

/// `floor(0.<digits> × nanos_per_unit)`, exactly, for any number of digits.
///
/// Works from the last digit to the first, carrying the whole part of each partial sum:
/// `floor((n + x) / 10) = floor((n + floor(x)) / 10)` for an integer `n`, so the carry never
/// needs the dropped fractional parts. Every intermediate value stays below
/// `10 × nanos_per_unit`.
fn fraction_nanos(digits: &str, nanos_per_unit: u128) -> u128 {
    digits.bytes().rev().fold(0u128, |carry, b| {
        (u128::from(b - b'0') * nanos_per_unit + carry) / 10
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn millis(text: &str) -> u64 {
        parse_go_duration(text).unwrap().as_millis()
    }

    fn reason(text: &str) -> String {
        let error = parse_go_duration(text).unwrap_err();
        assert_eq!(error.text, text);
        error.reason
    }

    #[test]
    fn single_units() {
        assert_eq!(millis("300ms"), 300);
        assert_eq!(millis("1s"), 1_000);
        assert_eq!(millis("2m"), 120_000);
        assert_eq!(millis("1h"), 3_600_000);
        assert_eq!(millis("5000000ns"), 5);
        assert_eq!(millis("7000us"), 7);
    }

    #[test]
    fn fractions() {
        assert_eq!(millis("1.5h"), 5_400_000);
        assert_eq!(millis("1.5s"), 1_500);
        assert_eq!(millis(".5s"), 500);
        assert_eq!(millis("5.s"), 5_000);
        assert_eq!(millis("0.001s"), 1);
        assert_eq!(millis("0.25m"), 15_000);
        assert_eq!(millis("1.000000000000000000000000000001h"), 3_600_000);
    }

    #[test]
    fn sequences() {
        assert_eq!(millis("2h45m"), 9_900_000);
        assert_eq!(millis("1m30s"), 90_000);
        assert_eq!(millis("1h1m1s1ms"), 3_661_001);
        assert_eq!(millis("1h1h"), 7_200_000, "Go allows a unit twice");
        assert_eq!(millis("1.5m30s"), 120_000);
    }

    #[test]
    fn zero() {
        assert_eq!(millis("0"), 0);
        assert_eq!(millis("+0"), 0);
        assert_eq!(millis("-0"), 0, "negative zero is not negative");
        assert_eq!(millis("0s"), 0);
        assert_eq!(millis("0.0h"), 0);
        assert_eq!(millis("-0s"), 0);
    }

    #[test]
    fn plus_sign() {
        assert_eq!(millis("+5s"), 5_000);
    }

    #[test]
    fn sub_millisecond_rounds_up_so_timers_never_fire_early() {
        assert_eq!(millis("1ns"), 1);
        assert_eq!(millis("1us"), 1);
        assert_eq!(millis("999us"), 1);
        assert_eq!(millis("1000us"), 1);
        assert_eq!(millis("1001us"), 2);
        assert_eq!(millis("1500us"), 2);
        assert_eq!(millis("1.0001ms"), 2);
        assert_eq!(millis("1s1ns"), 1_001);
    }

    #[test]
    fn sub_nanosecond_fractions_are_dropped_like_go() {
        assert_eq!(millis("0.5ns"), 0);
        assert_eq!(millis("1s0.9ns"), 1_000);
        assert_eq!(millis("1.0000000001s"), 1_000);
        assert_eq!(millis("1.000000001s"), 1_001);
    }

    #[test]
    fn both_micro_signs() {
        assert_eq!(millis("1\u{b5}s"), 1);
        assert_eq!(millis("2000\u{3bc}s"), 2);
    }

    #[test]
    fn negative_is_rejected() {
        let reason = reason("-1s");
        assert!(reason.contains("cannot be negative"), "{reason}");
        let error = parse_go_duration("-1.5h").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid duration \"-1.5h\": a simulated duration cannot be negative; \
             remove the minus sign"
        );
        assert!(parse_go_duration("-0.001ns").is_err());
    }

    #[test]
    fn empty_is_rejected() {
        assert!(reason("").contains("empty"));
        assert!(reason("-").contains("sign must be followed"));
        assert!(reason("+").contains("sign must be followed"));
    }

    #[test]
    fn missing_unit_is_rejected() {
        for text in ["5", "00", "1h30", "1.5", "1.5.5s", "-5"] {
            let reason = reason(text);
            assert!(reason.contains("missing unit"), "{text}: {reason}");
            assert!(reason.contains(VALID_UNITS), "{text}: {reason}");
        }
    }

    #[test]
    fn unknown_unit_lists_the_valid_ones() {
        let message = reason("1d");
        assert_eq!(
            message,
            "unknown unit \"d\"; valid units are ns, us (or µs), ms, s, m, h"
        );
        for text in ["1 s", "1S", "1sec", "1h-5m", "1H", "1mS", "1µ", "1e3s"] {
            assert!(reason(text).contains("unknown unit"), "{text}");
        }
    }

    #[test]
    fn missing_number_is_rejected() {
        for text in ["s", ".s", "-.s", "h1s", " 1s", "1s "] {
            let error = parse_go_duration(text).unwrap_err();
            assert!(!error.reason.is_empty(), "{text}");
        }
        assert!(reason("s").contains("expected a number"));
        assert!(reason(".s").contains("expected a number"));
    }

    #[test]
    fn overflow_names_the_maximum() {
        assert_eq!(millis("18446744073709551615ms"), u64::MAX);
        assert_eq!(millis("5124095576030h25m51.615s"), u64::MAX);
        for text in [
            "18446744073709551616ms",
            "18446744073709551615.000001ms",
            "5124095576030h25m51.616s",
            "99999999999999999999999999999999999999999999h",
            "9999999999999999999999999999999999999999999999999ns",
            "5124095576030h5124095576030h",
        ] {
            let reason = reason(text);
            assert_eq!(
                reason,
                "too long: the maximum is 5124095576030h25m51.615s \
                 (18446744073709551615ms)",
                "{text}"
            );
        }
    }

    #[test]
    fn long_digit_strings_do_not_overflow_needlessly() {
        let padded = format!("{}1s", "0".repeat(1_000));
        assert_eq!(millis(&padded), 1_000);
        let fraction = format!("0.{}1h", "0".repeat(1_000));
        assert_eq!(millis(&fraction), 0, "far below a nanosecond");
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = parse_go_duration(&text);
        }

        #[test]
        fn never_panics_on_duration_like_strings(
            text in "[-+]?([0-9]{0,22}\\.?[0-9]{0,22}(ns|us|µs|ms|s|m|h|x)?){0,4}",
        ) {
            let _ = parse_go_duration(&text);
        }

        #[test]
        fn reads_back_what_time_formats(ms in any::<u64>()) {
            prop_assert_eq!(
                parse_go_duration(&format_go_duration(ms)),
                Ok(SimDuration::from_millis(ms))
            );
        }

        #[test]
        fn microseconds_round_up(us in 0u64..1_000_000_000_000) {
            prop_assert_eq!(
                parse_go_duration(&format!("{us}us")),
                Ok(SimDuration::from_millis(us.div_ceil(1000)))
            );
        }
    }
}
