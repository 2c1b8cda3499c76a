//! Go duration strings ("1h", "15m", "1h30m", "90s"), the form the AWS
//! provider's `duration` arguments take.

use std::time::Duration;

/// Parses a Go duration string made of whole or fractional amounts of
/// `h`, `m`, `s`, `ms` (`us`, `µs` and `ns` too, for completeness). A sign
/// or a bare number is refused: a role session cannot be negative, and a
/// unitless "3600" is ambiguous.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("it is empty".into());
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("{:?} is not a number", &rest[..number_len]))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            "" => return Err(format!("{number} has no unit (use h, m or s)")),
            other => return Err(format!("{other:?} is not a unit (use h, m or s)")),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    if !total.is_finite() || total > 1e12 {
        return Err("it is too long".into());
    }
    Ok(Duration::from_secs_f64(total))
}

/// A role session's length: a Go duration from 15 minutes to 12 hours,
/// in whole seconds as STS takes it.
pub fn session_seconds(text: &str) -> Result<i32, String> {
    let duration = parse_go_duration(text).map_err(|problem| {
        format!("{text:?} is not a duration ({problem}); write it like \"1h\" or \"15m\"")
    })?;
    let seconds = duration.as_secs();
    if !(15 * 60..=12 * 3600).contains(&seconds) {
        return Err(format!(
            "{text:?} is outside what STS accepts; use a duration from 15m to 12h"
        ));
    }
    Ok(seconds as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_go_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(
            parse_go_duration("1h30m15s").unwrap(),
            Duration::from_secs(5415)
        );
        assert_eq!(
            parse_go_duration("1.5h").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_go_duration("250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "3600", "1x", "h", "-1h", "1h-", "1..2h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn session_length_is_bounded_like_sts() {
        assert_eq!(session_seconds("15m"), Ok(900));
        assert_eq!(session_seconds("12h"), Ok(43200));
        assert_eq!(session_seconds("1h"), Ok(3600));
        let short = session_seconds("14m59s").unwrap_err();
        assert!(short.contains("15m to 12h"), "{short}");
        assert!(session_seconds("13h").unwrap_err().contains("15m to 12h"));
        let bad = session_seconds("an hour").unwrap_err();
        assert!(bad.contains("\"1h\""), "{bad}");
    }
}
