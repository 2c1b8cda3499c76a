//! Exact numbers.
//!
//! cty numbers are arbitrary-precision. On the msgpack wire Terraform sends
//! an integer that fits in 64 bits as a msgpack integer, a non-integral value
//! that a float64 holds exactly as a float64, and anything else (large
//! integers, fractions such as 0.1 that binary floating point cannot hold)
//! as a decimal string. [`Number`] keeps every such value exactly, so a
//! value decoded from Terraform encodes back to the same number.
//!
//! Each number has a single internal form, so equality is numeric: 1 parsed
//! from "1.0", read from a msgpack integer or built with
//! [`Number::from_f64`]`(1.0)` are equal. A float64 is taken at its exact
//! binary value: `from_f64(0.1)` is 0.1000000000000000055511151231257827...,
//! which is not the decimal 0.1 that `"0.1".parse()` gives.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The largest decimal exponent a parsed number may have (in either
/// direction), counted at its most significant digit. Far beyond anything
/// cty can hold; it keeps arithmetic on exponents free of overflow.
const MAX_DECIMAL_EXPONENT: i64 = 1_000_000_000;

/// Digits of padding zeros up to which [`fmt::Display`] writes plain decimal
/// notation; beyond, it writes scientific notation (`1e400`) so that a short
/// input cannot turn into an enormous string. Covers every float64 magnitude
/// in the integer direction.
const MAX_PLAIN_PADDING: i64 = 320;

/// An exact number. See the module documentation.
#[derive(Clone)]
pub struct Number {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// Every integer in the i64 range.
    Int(i64),
    /// Integers above i64::MAX up to u64::MAX.
    UInt(u64),
    /// Every other value a float64 holds exactly, the infinities, and NaN
    /// (only ever from [`Number::from_f64`]; the codecs refuse to encode it
    /// and never decode it).
    Float(f64),
    /// Everything else.
    Decimal(Decimal),
}

/// `digits` × 10^`exponent`, `digits` without leading or trailing zeros.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// A string that is not a decimal number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseNumberError {
    message: String,
}

impl fmt::Display for ParseNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseNumberError {}

fn parse_error(message: impl Into<String>) -> ParseNumberError {
    ParseNumberError {
        message: message.into(),
    }
}

impl Number {
    pub fn from_i64(v: i64) -> Number {
        Number { repr: Repr::Int(v) }
    }

    pub fn from_u64(v: u64) -> Number {
        match i64::try_from(v) {
            Ok(i) => Number::from_i64(i),
            Err(_) => Number {
                repr: Repr::UInt(v),
            },
        }
    }

    /// The exact value of `v`. Infinities are numbers in cty; NaN is not, so
    /// a NaN built here is kept only to be reported: both codecs refuse to
    /// encode it.
    pub fn from_f64(v: f64) -> Number {
        if v.is_nan() {
            return Number {
                repr: Repr::Float(f64::NAN),
            };
        }
        if v.is_infinite() {
            return Number {
                repr: Repr::Float(v),
            };
        }
        if v.fract() == 0.0 {
            // 2^63 and 2^64 are exact in f64, so these bounds are exact.
            if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
                return Number::from_i64(v as i64);
            }
            if (0.0..18_446_744_073_709_551_616.0).contains(&v) {
                return Number::from_u64(v as u64);
            }
        }
        Number {
            repr: Repr::Float(v),
        }
    }

    /// Parses a decimal number: an optional sign, digits with an optional
    /// fraction (`12`, `-0.5`, `.5`, `5.`) and an optional exponent
    /// (`1e400`, `2.5E-3`), or `Inf` / `inf` with an optional sign, which is
    /// what cty accepts. The value is kept exactly.
    pub fn parse(s: &str) -> Result<Number, ParseNumberError> {
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
            negative = sign == b'-';
            i = 1;
        }
        if matches!(&s[i..], "Inf" | "inf") {
            let v = if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            return Ok(Number {
                repr: Repr::Float(v),
            });
        }
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &s[int_start..i];
        let mut frac_digits = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &s[frac_start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(parse_error(format!("{s:?} is not a number")));
        }
        // Exponents are accumulated saturating: anything beyond the limit is
        // out of range anyway (unless the number is zero).
        let mut exponent: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let mut exp_negative = false;
            if let Some(&sign @ (b'+' | b'-')) = bytes.get(i) {
                exp_negative = sign == b'-';
                i += 1;
            }
            let exp_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(bytes[i] - b'0'))
                    .min(4 * MAX_DECIMAL_EXPONENT);
                i += 1;
            }
            if i == exp_start {
                return Err(parse_error(format!(
                    "{s:?} is not a number (exponent without digits)"
                )));
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return Err(parse_error(format!("{s:?} is not a number")));
        }
        let mut digits = String::with_capacity(int_digits.len() + frac_digits.len());
        digits.push_str(int_digits);
        digits.push_str(frac_digits);
        let frac_len = i64::try_from(frac_digits.len()).unwrap_or(i64::MAX);
        Number::from_decimal_parts(negative, &digits, exponent.saturating_sub(frac_len)).ok_or_else(
            || {
                parse_error(format!(
                    "{s:?} is out of the range of numbers this provider handles"
                ))
            },
        )
    }

    /// The number `digits` × 10^`exponent` (with sign), in canonical form;
    /// `None` when it is out of range.
    fn from_decimal_parts(negative: bool, digits: &str, exponent: i64) -> Option<Number> {
        let trimmed = digits.trim_start_matches('0');
        let significant = trimmed.trim_end_matches('0');
        if significant.is_empty() {
            return Some(Number::from_i64(0));
        }
        let trailing = (trimmed.len() - significant.len()) as i64;
        let exponent = exponent.checked_add(trailing)?;
        let magnitude = exponent.checked_add(significant.len() as i64)?;
        if !(-MAX_DECIMAL_EXPONENT..=MAX_DECIMAL_EXPONENT).contains(&magnitude) {
            return None;
        }

        // Integers that fit in 64 bits.
        if exponent >= 0 && magnitude <= 20 {
            let mut v: u128 = 0;
            for d in significant.bytes() {
                v = v * 10 + u128::from(d - b'0');
            }
            for _ in 0..exponent {
                v *= 10;
            }
            if negative {
                if v <= 1u128 << 63 {
                    return Some(Number::from_i64((v as i64).wrapping_neg()));
                }
            } else if let Ok(u) = u64::try_from(v) {
                return Some(Number::from_u64(u));
            }
        }

        // Values a float64 holds exactly. A non-integral decimal whose last
        // digit is not 5 is never a binary fraction, and no float64 has more
        // than 767 significant decimal digits: skip the test for those.
        let plausible = (exponent >= 0 || significant.ends_with('5')) && significant.len() <= 767;
        if plausible {
            let text = format!("{significant}e{exponent}");
            if let Ok(f) = text.parse::<f64>() {
                if f.is_finite() && f != 0.0 {
                    let (exact_digits, exact_exponent) = exact_decimal(f);
                    if exact_digits == significant && exact_exponent == exponent {
                        return Some(Number {
                            repr: Repr::Float(if negative { -f } else { f }),
                        });
                    }
                }
            }
        }

        Some(Number {
            repr: Repr::Decimal(Decimal {
                negative,
                digits: significant.to_owned(),
                exponent,
            }),
        })
    }

    /// The value as an i64, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.repr {
            Repr::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The value as a u64, when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self.repr {
            Repr::Int(i) => u64::try_from(i).ok(),
            Repr::UInt(u) => Some(u),
            _ => None,
        }
    }

    /// The value as an f64, when an f64 holds it exactly (infinities
    /// included). See [`Number::to_f64_lossy`] for the nearest f64.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.repr {
            Repr::Int(i) => {
                let f = *i as f64;
                // f is at most 2^63; the comparison keeps the cast back exact.
                (f < 9_223_372_036_854_775_808.0 && f as i64 == *i).then_some(f)
            }
            Repr::UInt(u) => {
                let f = *u as f64;
                (f < 18_446_744_073_709_551_616.0 && f as u64 == *u).then_some(f)
            }
            Repr::Float(f) => (!f.is_nan()).then_some(*f),
            // By construction no Decimal is exactly an f64.
            Repr::Decimal(_) => None,
        }
    }

    /// The nearest f64 (an infinity or zero when out of its range).
    pub fn to_f64_lossy(&self) -> f64 {
        match &self.repr {
            Repr::Int(i) => *i as f64,
            Repr::UInt(u) => *u as f64,
            Repr::Float(f) => *f,
            Repr::Decimal(d) => {
                let sign = if d.negative { "-" } else { "" };
                format!("{sign}{}e{}", d.digits, d.exponent)
                    .parse()
                    .unwrap_or(f64::NAN)
            }
        }
    }

    pub fn is_integer(&self) -> bool {
        match &self.repr {
            Repr::Int(_) | Repr::UInt(_) => true,
            Repr::Float(f) => f.is_finite() && f.fract() == 0.0,
            Repr::Decimal(d) => d.exponent >= 0,
        }
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.repr, Repr::Float(f) if f.is_infinite())
    }

    /// True only for a NaN built with [`Number::from_f64`].
    pub fn is_nan(&self) -> bool {
        matches!(self.repr, Repr::Float(f) if f.is_nan())
    }

    pub fn is_negative(&self) -> bool {
        match &self.repr {
            Repr::Int(i) => *i < 0,
            Repr::UInt(_) => false,
            Repr::Float(f) => *f < 0.0,
            Repr::Decimal(d) => d.negative,
        }
    }

    /// How the msgpack codec writes this number, following cty.
    pub(crate) fn wire_form(&self) -> WireNumber {
        match &self.repr {
            Repr::Int(i) => WireNumber::Int(*i),
            Repr::Float(f) if f.is_nan() => WireNumber::NaN,
            // Non-integral finite values and the infinities travel as
            // float64; integral ones outside the i64 range as decimal text
            // (cty never writes a float64 for an integer).
            Repr::Float(f) if !f.is_finite() || f.fract() != 0.0 => WireNumber::Float(*f),
            _ => WireNumber::Text(self.to_string()),
        }
    }
}

/// The msgpack form of a number.
pub(crate) enum WireNumber {
    Int(i64),
    Float(f64),
    Text(String),
    NaN,
}

/// The exact decimal expansion of a finite, non-zero `f` as significant
/// digits (no leading or trailing zeros, sign dropped) and exponent.
fn exact_decimal(f: f64) -> (String, i64) {
    // With 1100 fractional digits requested, Rust's formatting is exact and
    // pads with zeros: no f64 has more than 767 significant digits.
    let text = format!("{:.1100e}", f.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let fraction_len = digits.len() as i64 - 1;
    let kept = digits.trim_end_matches('0').len();
    let trailing = (digits.len() - kept) as i64;
    digits.truncate(kept);
    (digits, exp - fraction_len + trailing)
}

/// Writes ±`digits`×10^`exponent` in plain notation, or scientific notation
/// when plain notation would need more than [`MAX_PLAIN_PADDING`] zeros.
fn write_decimal(
    f: &mut fmt::Formatter<'_>,
    negative: bool,
    digits: &str,
    exponent: i64,
) -> fmt::Result {
    if negative {
        f.write_str("-")?;
    }
    let len = digits.len() as i64;
    // Digits before the decimal point.
    let point = len + exponent;
    if exponent >= 0 {
        if exponent <= MAX_PLAIN_PADDING {
            f.write_str(digits)?;
            for _ in 0..exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
    } else if point > 0 {
        let (int, frac) = digits.split_at(point as usize);
        return write!(f, "{int}.{frac}");
    } else if -point <= MAX_PLAIN_PADDING {
        f.write_str("0.")?;
        for _ in 0..-point {
            f.write_str("0")?;
        }
        return f.write_str(digits);
    }
    let (first, rest) = digits.split_at(1);
    f.write_str(first)?;
    if !rest.is_empty() {
        write!(f, ".{rest}")?;
    }
    write!(f, "e{}", point - 1)
}

impl fmt::Display for Number {
    /// Canonical decimal text that [`Number::parse`] reads back as the same
    /// number: integers plainly, fractions with every digit (a float64 at its
    /// exact binary value), scientific notation only for extreme exponents,
    /// `+Inf` / `-Inf` for the infinities.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::UInt(u) => write!(f, "{u}"),
            Repr::Float(v) if v.is_nan() => f.write_str("NaN"),
            Repr::Float(v) if v.is_infinite() => {
                f.write_str(if *v > 0.0 { "+Inf" } else { "-Inf" })
            }
            Repr::Float(v) => {
                let (digits, exponent) = exact_decimal(*v);
                write_decimal(f, *v < 0.0, &digits, exponent)
            }
            Repr::Decimal(d) => write_decimal(f, d.negative, &d.digits, d.exponent),
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Int(a), Repr::Int(b)) => a == b,
            (Repr::UInt(a), Repr::UInt(b)) => a == b,
            // Bitwise: zero is never a Float and NaN is kept canonical, so
            // this is numeric equality and still reflexive.
            (Repr::Float(a), Repr::Float(b)) => a.to_bits() == b.to_bits(),
            (Repr::Decimal(a), Repr::Decimal(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.repr {
            Repr::Int(i) => (0u8, i).hash(state),
            Repr::UInt(u) => (1u8, u).hash(state),
            Repr::Float(f) => (2u8, f.to_bits()).hash(state),
            Repr::Decimal(d) => (3u8, d).hash(state),
        }
    }
}

impl FromStr for Number {
    type Err = ParseNumberError;

    fn from_str(s: &str) -> Result<Number, ParseNumberError> {
        Number::parse(s)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i64(v)
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Number {
        Number::from_i64(v.into())
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Number {
        Number::from_i64(v.into())
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        Number::from_u64(v)
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Number {
        Number::from_f64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn integers_are_canonical_whatever_their_source() {
        assert_eq!(n("1"), Number::from_i64(1));
        assert_eq!(n("1.0"), Number::from_i64(1));
        assert_eq!(n("+1e0"), Number::from_i64(1));
        assert_eq!(n("0.01e2"), Number::from_i64(1));
        assert_eq!(n("100e-2"), Number::from_i64(1));
        assert_eq!(Number::from_f64(1.0), Number::from_i64(1));
        assert_eq!(Number::from_u64(7), Number::from_i64(7));
        assert_eq!(n("-0"), Number::from_i64(0));
        assert_eq!(n("0e999999999999999999"), Number::from_i64(0));
        assert_eq!(Number::from_f64(-0.0), Number::from_i64(0));
        assert_eq!(n("-9223372036854775808"), Number::from_i64(i64::MIN));
        assert_eq!(n("9223372036854775807"), Number::from_i64(i64::MAX));
        assert_eq!(n("18446744073709551615"), Number::from_u64(u64::MAX));
        assert_eq!(
            Number::from_f64(9_223_372_036_854_775_808.0),
            Number::from_u64(1 << 63)
        );
        assert_eq!(
            Number::from_f64(-9_223_372_036_854_775_808.0),
            Number::from_i64(i64::MIN)
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(n("42").as_i64(), Some(42));
        assert_eq!(n("42").as_u64(), Some(42));
        assert_eq!(n("-42").as_u64(), None);
        assert_eq!(n("42.5").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_u64(), Some(1 << 63));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("1.5").as_f64(), Some(1.5));
        assert_eq!(n("0.1").as_f64(), None);
        assert_eq!(n("0.1").to_f64_lossy(), 0.1);
        assert_eq!(n("9007199254740993").as_f64(), None);
        assert_eq!(n("9007199254740992").as_f64(), Some(9007199254740992.0));
        assert_eq!(n("9223372036854775807").as_f64(), None);
        assert_eq!(n("1e400").to_f64_lossy(), f64::INFINITY);
        assert_eq!(n("-1e-400").to_f64_lossy(), -0.0);
        assert!(n("1e400").is_integer());
        assert!(!n("1e-400").is_integer());
        assert!(n("-Inf").is_infinite() && n("-Inf").is_negative());
        assert_eq!(Number::from(3i32), Number::from_i64(3));
        assert_eq!(Number::from(u64::MAX).as_u64(), Some(u64::MAX));
    }

    #[test]
    fn display_is_exact_and_parses_back() {
        let cases = [
            ("0", "0"),
            ("-7", "-7"),
            ("1.5", "1.5"),
            ("0.1", "0.1"),
            ("-0.25", "-0.25"),
            ("18446744073709551617", "18446744073709551617"),
            ("1.000", "1"),
            ("12.3400", "12.34"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1E3", "1000"),
            ("1e-3", "0.001"),
            ("1e400", "1e400"),
            ("-1.5e-400", "-1.5e-400"),
            ("123e321", "1.23e323"),
            ("-1e-322", "-1e-322"),
            ("Inf", "+Inf"),
            ("-inf", "-Inf"),
        ];
        for (input, want) in cases {
            let got = n(input).to_string();
            assert_eq!(got, want, "display of {input}");
            assert_eq!(n(&got), n(input), "re-parse of {got}");
        }
        // Up to 320 zeros of padding stay in plain notation.
        assert_eq!(n("123e320").to_string(), format!("123{}", "0".repeat(320)));
        assert_eq!(n("1e-321").to_string(), format!("0.{}1", "0".repeat(320)));
        assert_eq!(
            Number::from_f64(0.1).to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(
            n("0.1000000000000000055511151231257827021181583404541015625"),
            Number::from_f64(0.1)
        );
        assert_ne!(n("0.1"), Number::from_f64(0.1));
        assert_eq!(Number::from_f64(f64::NAN).to_string(), "NaN");
        let tiny = Number::from_f64(5e-324);
        assert_eq!(n(&tiny.to_string()), tiny);
        assert!(tiny
            .to_string()
            .starts_with("4.940656458412465441765687928682213723650598"));
        assert!(tiny.to_string().ends_with("265625e-324"));
        let huge = Number::from_f64(1e300);
        assert_eq!(n(&huge.to_string()), huge);
        assert!(huge
            .to_string()
            .starts_with("1000000000000000052504760255204420248704"));
    }

    #[test]
    fn exactness_of_float_detection() {
        // 2^64 is an f64; 2^64 + 1 is not.
        assert_eq!(
            n("18446744073709551616").as_f64(),
            Some(18446744073709551616.0)
        );
        assert_eq!(n("18446744073709551617").as_f64(), None);
        assert_eq!(n("0.5").as_f64(), Some(0.5));
        assert_eq!(n("0.15").as_f64(), None);
        assert_eq!(n("1e308").as_f64(), None);
        assert_eq!(n("-1.25e-5").as_f64(), None);
        assert_eq!(n("-0.0000152587890625").as_f64(), Some(-0.0000152587890625));
    }

    #[test]
    fn parse_rejects_junk() {
        for bad in [
            "", "+", "-", ".", "e5", "1e", "1e+", "1x", " 1", "1 ", "0x10", "1_000", "NaN",
            "infinity", "--1", "1..2", "1e5e5", "١",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert!(Number::parse("1e2000000000").is_err());
        assert!(Number::parse("1e-2000000000").is_err());
        assert!(Number::parse(&format!("1e{}", "9".repeat(100))).is_err());
    }

    #[test]
    fn equality_and_hash_follow_value() {
        use std::collections::HashSet;
        let set: HashSet<Number> = ["1", "1.0", "10e-1", "0.1", "1e-1", "2"]
            .iter()
            .map(|s| n(s))
            .collect();
        assert_eq!(set.len(), 3);
        assert_eq!(Number::from_f64(f64::NAN), Number::from_f64(-f64::NAN));
        assert_ne!(n("1e400"), n("1e399"));
        assert_ne!(n("-1.5"), n("1.5"));
    }
}
