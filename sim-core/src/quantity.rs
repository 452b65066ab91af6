//! Kubernetes resource quantities (`500m`, `1.5`, `128Mi`, `129e6`), parsed as
//! `k8s.io/apimachinery/pkg/api/resource.Quantity` parses them and turned into the integers
//! the engine works in (`cpu_millis`, `memory_bytes`) exactly once, at the edge.
//!
//! The arithmetic is exact: no floats anywhere. Like Kubernetes, a quantity is kept to a
//! precision of one nano-unit, and anything finer is rounded *up* in magnitude (Kubernetes'
//! theory: if you asked for some resources you should get some, however tiny the amount).
//! The conversions to milli-units (CPU) and whole units (bytes, pods, storage) round up
//! again, so `1.0005` CPU is `1001m` and `400m` of memory is one byte (semantics 9.9, G38).
//!
//! Where we differ from Kubernetes, we are stricter, never looser:
//! * a bare sign or dot (`-`, `+`, `.`) is an error, not zero;
//! * a value whose whole units do not fit in `u64` is [`QuantityError::TooLarge`] instead of
//!   being silently capped at 2⁶³−1 as Kubernetes caps it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// One unit in nano-units: quantities are kept to nano precision, as Kubernetes keeps them.
const NANOS_PER_UNIT: u128 = 1_000_000_000;
/// One milli-unit in nano-units.
const NANOS_PER_MILLI: u128 = 1_000_000;
/// The largest magnitude accepted: its whole units must fit in `u64` after rounding up.
const MAX_NANOS: u128 = u64::MAX as u128 * NANOS_PER_UNIT;
/// `u128::MAX` has 39 decimal digits; a number with more cannot be held.
const U128_MAX_DIGITS: i128 = 39;

/// A resource quantity with its exact value (to the nano-unit, as in Kubernetes) and the text
/// it was written as.
///
/// Two quantities are equal when their values are equal: `1Gi == 1073741824`,
/// `1 == 1000m`, whatever the spelling.
#[derive(Debug, Clone)]
pub struct Quantity {
    text: String,
    negative: bool,
    /// Magnitude in nano-units, never above [`MAX_NANOS`].
    nanos: u128,
}

/// Why a quantity was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text was empty.
    #[error("quantity is empty: write a number such as \"500m\", \"2\" or \"1Gi\"")]
    Empty,
    /// The text is not a quantity: bad characters, stray spaces, an unknown suffix.
    #[error(
        "invalid quantity {text:?}: quantities must match the regular expression \
         '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', with a suffix among \
         Ki Mi Gi Ti Pi Ei (powers of 1024), n u m k M G T P E (powers of 1000) \
         or an exponent such as e3 (suffixes are case-sensitive: 1Gi, not 1gi or 1GB)"
    )]
    InvalidFormat {
        /// The text as written.
        text: String,
    },
    /// A negative amount where only zero or more makes sense (requests, limits, capacity).
    #[error("invalid quantity {text:?}: must be greater than or equal to 0")]
    Negative {
        /// The text as written.
        text: String,
    },
    /// The amount does not fit in 64 bits once converted to the unit used.
    #[error(
        "quantity {text:?} is too large: it must fit in 64 bits once converted, \
         at most 18446744073709551615 bytes (about 16Ei) or 18446744073709551615m of CPU"
    )]
    TooLarge {
        /// The text as written.
        text: String,
    },
}

/// Parses a quantity exactly as Kubernetes does: an optional sign, decimal digits with an
/// optional point (`.5`, `5.`, `1.0005`), then an optional suffix: binary `Ki Mi Gi Ti Pi Ei`,
/// decimal `n u m k M G T P E`, or a decimal exponent `e<int>` / `E<int>` (`129e6`, `1E3`).
pub fn parse_quantity(text: &str) -> Result<Quantity, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Empty);
    }
    let invalid = || QuantityError::InvalidFormat {
        text: text.to_string(),
    };
    let too_large = || QuantityError::TooLarge {
        text: text.to_string(),
    };

    let bytes = text.as_bytes();
    let mut pos = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            pos += 1;
            true
        }
        Some(b'+') => {
            pos += 1;
            false
        }
        _ => false,
    };
    let int_start = pos;
    pos += count_digits(&bytes[pos..]);
    let int_digits = &bytes[int_start..pos];
    let mut frac_digits: &[u8] = &[];
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let frac_start = pos;
        pos += count_digits(&bytes[pos..]);
        frac_digits = &bytes[frac_start..pos];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(invalid());
    }
    // Everything consumed so far is ASCII, so `pos` is a character boundary.
    let suffix = text.get(pos..).ok_or_else(invalid)?;
    let (exponent10, times_1024) = interpret_suffix(suffix).ok_or_else(invalid)?;

    // The value is `digits × 1024^times_1024 × 10^scale`, with `digits` in decimal.
    let mut digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .map(|b| b - b'0')
        .skip_while(|&d| d == 0)
        .collect();
    let scale = i128::from(exponent10) - frac_digits.len() as i128;
    for _ in 0..times_1024 {
        multiply_digits(&mut digits, 1024);
    }
    let nanos = nanos_rounded_up(&digits, scale + 9).ok_or_else(too_large)?;
    if nanos > MAX_NANOS {
        return Err(too_large());
    }
    Ok(Quantity {
        text: text.to_string(),
        negative: negative && nanos != 0,
        nanos,
    })
}

/// Parses a CPU quantity into millicores, rounding finer amounts up (`1.0005` → 1001).
pub fn parse_cpu_millis(text: &str) -> Result<u64, QuantityError> {
    let quantity = parse_non_negative(text)?;
    quantity
        .checked_milli_value_ceil()
        .ok_or_else(|| QuantityError::TooLarge {
            text: text.to_string(),
        })
}

/// Parses a quantity of whole units (bytes, pods, storage), rounding fractions up
/// (`400m` → 1).
pub fn parse_bytes(text: &str) -> Result<u64, QuantityError> {
    Ok(parse_non_negative(text)?.value_ceil())
}

/// Formats millicores as kubectl prints them: whole cores without a suffix (`2`), anything
/// else in millicores (`500m`, `1500m`).
pub fn format_cpu_millis(m: u64) -> String {
    if m % 1000 == 0 {
        format!("{}", m / 1000)
    } else {
        format!("{m}m")
    }
}

/// Formats bytes as kubectl prints them: with the largest binary suffix that divides the
/// amount exactly (`1Gi`, `500Mi`, `1536Mi`), otherwise as plain bytes (`1500`).
pub fn format_bytes(b: u64) -> String {
    const SUFFIXES: [(&str, u32); 6] = [
        ("Ei", 60),
        ("Pi", 50),
        ("Ti", 40),
        ("Gi", 30),
        ("Mi", 20),
        ("Ki", 10),
    ];
    if b != 0 {
        for (suffix, shift) in SUFFIXES {
            if b.trailing_zeros() >= shift {
                return format!("{}{suffix}", b >> shift);
            }
        }
    }
    b.to_string()
}

impl Quantity {
    /// The value in milli-units, rounded up (`1.0005` → 1001, `100m` → 100, `0.5` → 500).
    ///
    /// Zero for a negative quantity (check [`Quantity::is_negative`] first), and saturates at
    /// `u64::MAX` when the milli-units do not fit; [`Quantity::checked_milli_value_ceil`]
    /// reports that instead.
    pub fn milli_value_ceil(&self) -> u64 {
        if self.negative {
            return 0;
        }
        self.checked_milli_value_ceil().unwrap_or(u64::MAX)
    }

    /// The value in milli-units, rounded up, or `None` if it does not fit in `u64`. Zero for a
    /// negative quantity.
    pub fn checked_milli_value_ceil(&self) -> Option<u64> {
        if self.negative {
            return Some(0);
        }
        u64::try_from(self.nanos.div_ceil(NANOS_PER_MILLI)).ok()
    }

    /// The value in whole units, rounded up (`400m` → 1, `1Gi` → 1073741824). Always fits,
    /// since larger quantities are rejected when parsed. Zero for a negative quantity.
    pub fn value_ceil(&self) -> u64 {
        if self.negative {
            return 0;
        }
        u64::try_from(self.nanos.div_ceil(NANOS_PER_UNIT)).unwrap_or(u64::MAX)
    }

    /// Whether the value is below zero (`-0` is not).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The value as a signed count of nano-units, for comparisons.
    fn signed_nanos(&self) -> i128 {
        // MAX_NANOS is far below i128::MAX, so the conversion cannot fail.
        let magnitude = i128::try_from(self.nanos).unwrap_or(i128::MAX);
        if self.negative {
            -magnitude
        } else {
            magnitude
        }
    }
}

impl fmt::Display for Quantity {
    /// The quantity as it was written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Quantity, QuantityError> {
        parse_quantity(text)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.signed_nanos() == other.signed_nanos()
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.signed_nanos().cmp(&other.signed_nanos())
    }
}

fn parse_non_negative(text: &str) -> Result<Quantity, QuantityError> {
    let quantity = parse_quantity(text)?;
    if quantity.is_negative() {
        return Err(QuantityError::Negative {
            text: text.to_string(),
        });
    }
    Ok(quantity)
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The suffix as `(power of ten, power of 1024)`, or `None` if Kubernetes does not know it.
fn interpret_suffix(suffix: &str) -> Option<(i64, u32)> {
    let decimal = |exponent| Some((exponent, 0));
    let binary = |times_1024| Some((0, times_1024));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        _ => {
            // A decimal exponent, read like Go's strconv.ParseInt(rest, 10, 64): an optional
            // sign and at least one digit, in range for i64.
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            rest.parse::<i64>().ok().map(|exponent| (exponent, 0))
        }
    }
}

/// Multiplies a decimal number (most significant digit first) by a small factor, in place.
fn multiply_digits(digits: &mut Vec<u8>, factor: u32) {
    let mut carry = 0u32;
    for digit in digits.iter_mut().rev() {
        let product = u32::from(*digit) * factor + carry;
        *digit = (product % 10) as u8;
        carry = product / 10;
    }
    while carry > 0 {
        digits.insert(0, (carry % 10) as u8);
        carry /= 10;
    }
}

/// `ceil(digits × 10^power)` for a decimal number without leading zeros, or `None` if it does
/// not fit in `u128`.
fn nanos_rounded_up(digits: &[u8], power: i128) -> Option<u128> {
    if digits.is_empty() {
        return Some(0);
    }
    let len = digits.len() as i128;
    if power >= 0 {
        if len + power > U128_MAX_DIGITS {
            return None;
        }
        let shift = u32::try_from(power).ok()?;
        return digits_to_u128(digits)?.checked_mul(10u128.checked_pow(shift)?);
    }
    let dropped = power.unsigned_abs();
    if dropped >= len as u128 {
        // All digits lie below the nano-unit and at least one is non-zero.
        return Some(1);
    }
    let kept_len = usize::try_from(len as u128 - dropped).ok()?;
    let (kept, below) = digits.split_at(kept_len);
    if kept.len() as i128 > U128_MAX_DIGITS {
        return None;
    }
    let whole = digits_to_u128(kept)?;
    if below.iter().any(|&d| d != 0) {
        whole.checked_add(1)
    } else {
        Some(whole)
    }
}

fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn millis(text: &str) -> u64 {
        parse_quantity(text).unwrap().milli_value_ceil()
    }

    fn units(text: &str) -> u64 {
        parse_quantity(text).unwrap().value_ceil()
    }

    fn invalid(text: &str) -> QuantityError {
        QuantityError::InvalidFormat {
            text: text.to_string(),
        }
    }

    #[test]
    fn g38_cpu_half_core_is_500_millis() {
        assert_eq!(millis("0.5"), 500);
        assert_eq!(parse_cpu_millis("0.5").unwrap(), 500);
        assert_eq!(format_cpu_millis(500), "500m");
    }

    #[test]
    fn g38_cpu_100m_is_a_tenth_of_a_core() {
        assert_eq!(parse_cpu_millis("100m").unwrap(), 100);
        assert_eq!(
            parse_quantity("100m").unwrap(),
            parse_quantity("0.1").unwrap()
        );
    }

    #[test]
    fn g38_cpu_finer_than_a_milli_rounds_up() {
        assert_eq!(parse_cpu_millis("1.0005").unwrap(), 1001);
        assert_eq!(format_cpu_millis(1001), "1001m");
    }

    #[test]
    fn g38_binary_and_decimal_giga() {
        assert_eq!(parse_bytes("1Gi").unwrap(), 1_073_741_824);
        assert_eq!(parse_bytes("1G").unwrap(), 1_000_000_000);
    }

    #[test]
    fn g38_four_spellings_of_about_129_megabytes() {
        assert_eq!(parse_bytes("128974848").unwrap(), 128_974_848);
        assert_eq!(parse_bytes("129e6").unwrap(), 129_000_000);
        assert_eq!(parse_bytes("129M").unwrap(), 129_000_000);
        assert_eq!(parse_bytes("123Mi").unwrap(), 128_974_848);
    }

    #[test]
    fn g38_400m_of_memory_is_a_fraction_of_a_byte_rounded_up() {
        let quantity = parse_quantity("400m").unwrap();
        assert_eq!(quantity.milli_value_ceil(), 400);
        assert_eq!(quantity.value_ceil(), 1);
        assert_eq!(parse_bytes("400m").unwrap(), 1);
    }

    #[test]
    fn every_decimal_suffix() {
        assert_eq!(millis("1n"), 1, "one nano-core still needs a milli");
        assert_eq!(millis("1000000u"), 1000);
        assert_eq!(millis("1500m"), 1500);
        assert_eq!(units("1k"), 1_000);
        assert_eq!(units("1M"), 1_000_000);
        assert_eq!(units("1G"), 1_000_000_000);
        assert_eq!(units("1T"), 1_000_000_000_000);
        assert_eq!(units("1P"), 1_000_000_000_000_000);
        assert_eq!(units("1E"), 1_000_000_000_000_000_000);
        assert_eq!(units("2"), 2);
    }

    #[test]
    fn every_binary_suffix() {
        assert_eq!(units("1Ki"), 1 << 10);
        assert_eq!(units("1Mi"), 1 << 20);
        assert_eq!(units("1Gi"), 1 << 30);
        assert_eq!(units("1Ti"), 1 << 40);
        assert_eq!(units("1Pi"), 1 << 50);
        assert_eq!(units("1Ei"), 1 << 60);
        assert_eq!(units("1.5Gi"), 1_610_612_736);
        assert_eq!(units("0.5Ki"), 512);
        assert_eq!(units("15Ei"), 15 << 60);
    }

    #[test]
    fn decimal_exponents() {
        assert_eq!(units("1E3"), 1000);
        assert_eq!(units("1e3"), 1000);
        assert_eq!(units("1e+3"), 1000);
        assert_eq!(millis("1e-3"), 1);
        assert_eq!(units("1.5e3"), 1500);
        assert_eq!(units("12e0"), 12);
        assert_eq!(units("0e999999"), 0);
    }

    #[test]
    fn decimal_points_on_either_side() {
        assert_eq!(millis(".5"), 500);
        assert_eq!(millis("5."), 5000);
        assert_eq!(millis("0.000"), 0);
        assert_eq!(millis("007.25"), 7250);
        // Kubernetes accepts a point right before a suffix ("we may not want to in the future").
        assert_eq!(units("1.G"), 1_000_000_000);
    }

    #[test]
    fn signs() {
        let minus = parse_quantity("-1").unwrap();
        assert!(minus.is_negative());
        assert_eq!(minus.milli_value_ceil(), 0);
        assert_eq!(minus.value_ceil(), 0);
        assert_eq!(units("+1"), 1);
        assert!(!parse_quantity("-0").unwrap().is_negative());
        assert!(parse_quantity("-1e-400").unwrap().is_negative());
        assert_eq!(parse_cpu_millis("-0").unwrap(), 0);
    }

    #[test]
    fn negatives_are_rejected_by_the_helpers() {
        let negative = |text: &str| QuantityError::Negative {
            text: text.to_string(),
        };
        assert_eq!(parse_cpu_millis("-100m"), Err(negative("-100m")));
        assert_eq!(parse_bytes("-1Gi"), Err(negative("-1Gi")));
        assert_eq!(parse_bytes("-1n"), Err(negative("-1n")));
    }

    #[test]
    fn malformed_text_is_rejected() {
        assert_eq!(parse_quantity(""), Err(QuantityError::Empty));
        for text in [
            " 1",
            "1 ",
            "1 Gi",
            "1\t",
            "+-1",
            "--1",
            "++1",
            "1..2",
            "1.2.3",
            "..5",
            "1GB",
            "1gi",
            "1K",
            "1KI",
            "1e",
            "1e+",
            "1e-",
            "1e3.5",
            "1ee3",
            "1e3e3",
            "1Ki1",
            "1me3",
            "e3",
            "Gi",
            ".",
            "-",
            "+",
            "-.",
            "0x10",
            "1_000",
            "1,5",
            "\u{ff11}",
            "1µ",
            "1Mib",
            "1e99999999999999999999",
            "1i",
            "1mi",
        ] {
            assert_eq!(parse_quantity(text), Err(invalid(text)), "{text:?}");
        }
    }

    #[test]
    fn too_large_values_are_errors_not_panics() {
        let too_large = |text: &str| QuantityError::TooLarge {
            text: text.to_string(),
        };
        for text in [
            "1e400",
            "99999999999999999999999Ei",
            "18446744073709551616",
            "18446744073709551615.1",
            "16Ei",
            "-16Ei",
            "1e9223372036854775807",
            "18446744073709551616000m",
        ] {
            assert_eq!(parse_quantity(text), Err(too_large(text)), "{text:?}");
        }
        let long = "9".repeat(10_000);
        assert_eq!(parse_quantity(&long), Err(too_large(&long)));
    }

    #[test]
    fn the_largest_values_that_fit() {
        assert_eq!(parse_bytes("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(parse_bytes("18446744073709551614.5").unwrap(), u64::MAX);
        assert_eq!(parse_cpu_millis("18446744073709551615m").unwrap(), u64::MAX);
        // Fits as a quantity, but not once counted in millicores.
        let cores = "18446744073709551615";
        assert_eq!(
            parse_cpu_millis(cores),
            Err(QuantityError::TooLarge {
                text: cores.to_string()
            })
        );
        let quantity = parse_quantity(cores).unwrap();
        assert_eq!(quantity.milli_value_ceil(), u64::MAX);
        assert_eq!(quantity.checked_milli_value_ceil(), None);
    }

    #[test]
    fn tiny_and_long_values_stay_exact() {
        assert_eq!(millis("1e-400"), 1);
        assert_eq!(units("1e-9223372036854775808"), 1);
        assert_eq!(
            millis("1.000000000000000000000000000000000000000000000001"),
            1001
        );
        assert_eq!(
            millis("1.000000000000000000000000000000000000000000000000"),
            1000
        );
        // 10⁻¹² × 2⁶⁰ = 1152921.504606846976
        assert_eq!(millis("0.000000000001Ei"), 1_152_921_505);
        assert_eq!(units("0.000000000001Ei"), 1_152_922);
        let zeros = format!("0.{}1", "0".repeat(10_000));
        assert_eq!(millis(&zeros), 1);
        let padded = format!("{}5", "0".repeat(10_000));
        assert_eq!(units(&padded), 5);
    }

    #[test]
    fn equality_is_by_value_and_display_by_text() {
        assert_eq!(
            parse_quantity("1Gi").unwrap(),
            parse_quantity("1073741824").unwrap()
        );
        assert_eq!(
            parse_quantity("1").unwrap(),
            parse_quantity("1000m").unwrap()
        );
        assert!(parse_quantity("-1").unwrap() < parse_quantity("1m").unwrap());
        assert_eq!(parse_quantity("1.50Gi").unwrap().to_string(), "1.50Gi");
        assert_eq!("250m".parse::<Quantity>().unwrap().milli_value_ceil(), 250);
    }

    #[test]
    fn formats_like_kubectl() {
        assert_eq!(format_cpu_millis(0), "0");
        assert_eq!(format_cpu_millis(2000), "2");
        assert_eq!(format_cpu_millis(1500), "1500m");
        assert_eq!(format_bytes(0), "0");
        assert_eq!(format_bytes(1023), "1023");
        assert_eq!(format_bytes(1024), "1Ki");
        assert_eq!(format_bytes(1536), "1536");
        assert_eq!(format_bytes(500 << 20), "500Mi");
        assert_eq!(format_bytes(1536 << 20), "1536Mi");
        assert_eq!(format_bytes(1 << 30), "1Gi");
        assert_eq!(format_bytes(1 << 60), "1Ei");
        assert_eq!(format_bytes(u64::MAX), "18446744073709551615");
    }

    #[test]
    fn error_messages_explain_the_rule() {
        let message = parse_quantity("1GB").unwrap_err().to_string();
        assert!(
            message.contains("'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
            "{message}"
        );
        assert!(message.contains("\"1GB\""), "{message}");
        let message = parse_bytes("-1").unwrap_err().to_string();
        assert!(message.contains("greater than or equal to 0"), "{message}");
        let message = parse_bytes("1e400").unwrap_err().to_string();
        assert!(message.contains("too large"), "{message}");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(text in "\\PC*") {
            let _ = parse_quantity(&text);
        }

        #[test]
        fn never_panics_on_quantity_like_strings(
            text in "[-+]{0,2}[0-9.]{0,30}[eEinumkKMGTP]{0,3}[-+]?[0-9]{0,25}",
        ) {
            if let Ok(quantity) = parse_quantity(&text) {
                let _ = (quantity.milli_value_ceil(), quantity.value_ceil());
            }
        }

        #[test]
        fn bytes_round_trip_u32(n in any::<u32>()) {
            let n = u64::from(n);
            prop_assert_eq!(parse_bytes(&format_bytes(n)), Ok(n));
        }

        #[test]
        fn cpu_millis_round_trip_u32(m in any::<u32>()) {
            let m = u64::from(m);
            prop_assert_eq!(parse_cpu_millis(&format_cpu_millis(m)), Ok(m));
        }

        #[test]
        fn bytes_round_trip_u64(n in any::<u64>()) {
            prop_assert_eq!(parse_bytes(&format_bytes(n)), Ok(n));
        }

        #[test]
        fn cpu_millis_round_trip_u64(m in any::<u64>()) {
            prop_assert_eq!(parse_cpu_millis(&format_cpu_millis(m)), Ok(m));
        }

        #[test]
        fn fractions_round_up_to_the_milli(whole in 0u64..1_000_000, frac in "[0-9]{1,12}") {
            // whole.frac cores in millicores, computed independently of the parser.
            let digits: Vec<u64> = frac.bytes().map(|b| u64::from(b - b'0')).collect();
            let first_three = digits.iter().chain([0, 0, 0].iter()).take(3)
                .fold(0, |acc, d| acc * 10 + d);
            let rest_non_zero = digits.iter().skip(3).any(|&d| d != 0);
            let expected = whole * 1000 + first_three + u64::from(rest_non_zero);
            prop_assert_eq!(parse_cpu_millis(&format!("{whole}.{frac}")), Ok(expected));
        }
    }
}
