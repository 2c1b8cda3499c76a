//! What an AWS region name looks like, checked alike for the provider
//! block's `region` and `sts_region` (`config`) and for a region that comes
//! from the environment or a profile (`aws`).

/// Region names are lower-case letters, digits and dashes ("us-east-1",
/// "us-gov-west-1", "eu-isoe-west-1").
pub fn is_region_name(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}
