//! The resource id: 128 random bits from the operating system's RNG, minted
//! once per create or import. Nobody can compute it in advance from names
//! or region, so tagging a secret with it proves this instance made (or
//! deliberately took over) that secret.
//!
//! Release 0.1.0 derived the id from the region and the names (`asm-` and
//! 16 hex digits); such "legacy" ids still appear in old state and tags.

use rustls::crypto::aws_lc_rs::default_provider;

const PREFIX: &str = "asm-";
const RANDOM_BYTES: usize = 16;

/// `asm-` and 32 lowercase hex digits of fresh randomness.
pub fn new_id() -> Result<String, String> {
    let mut bytes = [0u8; RANDOM_BYTES];
    // aws-lc's RNG (already linked for TLS) reads the OS entropy source; it
    // fails only when the OS offers none.
    default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| "the operating system's random number generator is unavailable".to_owned())?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{PREFIX}{hex}"))
}

/// Whether `id` has the shape of an id this provider writes: `asm-` and
/// 32 lowercase hex digits, or 16 (release 0.1.0's derived ids).
pub fn is_well_formed(id: &str) -> bool {
    id.strip_prefix(PREFIX).is_some_and(|hex| {
        matches!(hex.len(), 16 | 32)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_ids_are_the_ones_written() {
        assert!(is_well_formed(&new_id().unwrap()));
        assert!(is_well_formed("asm-0123456789abcdef"));
        for bad in [
            "",
            "asm-",
            "asm-0123456789ABCDEF",
            "asm-0123456789abcdef0",
            "asn-0123456789abcdef",
            "asm-0123456789abcdeg",
            " asm-0123456789abcdef",
        ] {
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_prefixed_hex_and_never_repeat() {
        let ids: std::collections::BTreeSet<String> =
            (0..1000).map(|_| new_id().unwrap()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let hex = id.strip_prefix(PREFIX).unwrap();
            assert_eq!(hex.len(), 32);
            assert!(hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }
}
