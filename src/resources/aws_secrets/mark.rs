//! The durable handover mark: what lets a replacement survive a skipped
//! create half (see `handover` and docs/development/decisions.md).
//!
//! The destroy half of a replacement tags one secret it hands over with
//! `planton.ai/handover = <expiry>:<digest>`, the digest binding the old
//! object's id, the replacement's planned names (or "unknown" when the
//! plan did not know them) and the caller's principal. A later create of
//! exactly those names, by the same principal, before the expiry, may then
//! continue the old object instead of refusing its secrets, provided every
//! existing name carries the old id. The create removes the mark before any
//! other write, so it serves once. Pure: no AWS calls, no clock.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::provider::tags::{HANDOVER, OWNERSHIP_ID};

use super::handover::names_digest;

/// How long a mark may be used. A CI retry of a red apply comes within
/// minutes or hours; after this the next apply falls back to the refusal
/// with the import route, which still converges.
pub const MARK_TTL_SECS: u64 = 24 * 60 * 60;

/// Clock difference between the machine that wrote a mark and the one that
/// reads it that is tolerated on an expiry further away than the TTL.
const SKEW_SECS: u64 = 5 * 60;

/// Stands for the names when the plan did not know them yet.
const UNKNOWN_NAMES: &str = "names unknown at plan";
/// Stands for the principal when the provider does not learn it
/// (`skip_requesting_account_id`).
const UNKNOWN_PRINCIPAL: &str = "principal unknown";

/// The principal a mark is bound to: the caller's ARN, with an assumed
/// role's session name left out (a CI job's retry assumes the same role
/// under another session name).
pub fn principal_of(caller_arn: &str) -> String {
    match caller_arn.split_once(":assumed-role/") {
        Some((head, role_and_session)) => {
            let role = role_and_session
                .split_once('/')
                .map_or(role_and_session, |(role, _)| role);
            format!("{head}:assumed-role/{role}")
        }
        None => caller_arn.to_owned(),
    }
}

/// What a mark binds, besides its expiry.
pub struct Binding<'a> {
    pub id: &'a str,
    /// The replacement's planned names; `None` when unknown at plan time.
    pub names: Option<&'a [String]>,
    /// See [`principal_of`]; `None` when the provider does not learn it.
    pub principal: Option<&'a str>,
}

fn digest(binding: &Binding<'_>, names_key: &str, expiry: u64) -> String {
    let mut hasher = Sha256::new();
    for part in [
        "planton-handover-v1",
        binding.id,
        names_key,
        binding.principal.unwrap_or(UNKNOWN_PRINCIPAL),
        &expiry.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn names_key(binding: &Binding<'_>) -> String {
    binding
        .names
        .map_or_else(|| UNKNOWN_NAMES.to_owned(), names_digest)
}

/// The value of the mark for `binding`, valid until `now` + the TTL.
pub fn mark_value(binding: &Binding<'_>, now: u64) -> String {
    let expiry = now + MARK_TTL_SECS;
    format!("{expiry}:{}", digest(binding, &names_key(binding), expiry))
}

/// The expiry and digest of a mark value.
fn parse(value: &str) -> Option<(u64, &str)> {
    let (expiry, found) = value.split_once(':')?;
    Some((expiry.parse().ok()?, found))
}

/// Whether `tags` already carry the mark `binding` would get, with more
/// than half its life left: a replacement retried while its cause remains
/// then writes nothing.
pub fn is_fresh(tags: &BTreeMap<String, String>, binding: &Binding<'_>, now: u64) -> bool {
    let Some((expiry, found)) = tags.get(HANDOVER).and_then(|v| parse(v)) else {
        return false;
    };
    tags.get(OWNERSHIP_ID).map(String::as_str) == Some(binding.id)
        && expiry > now + MARK_TTL_SECS / 2
        && expiry <= now + MARK_TTL_SECS + SKEW_SECS
        && digest(binding, &names_key(binding), expiry) == found
}

/// The mark tag for `binding`, as TagResource takes it.
pub fn mark_tags(binding: &Binding<'_>, now: u64) -> BTreeMap<String, String> {
    BTreeMap::from([(HANDOVER.to_owned(), mark_value(binding, now))])
}

/// Whether `tags` carry a mark that hands their object over to a create of
/// `names` by `principal` at `now`: unexpired, not dated further ahead than
/// a mark written now could be, and bound to the id the tags carry, these
/// names (or names unknown at plan) and this principal.
pub fn hands_over(
    tags: &BTreeMap<String, String>,
    names: &[String],
    principal: Option<&str>,
    now: u64,
) -> bool {
    let (Some(id), Some(value)) = (tags.get(OWNERSHIP_ID), tags.get(HANDOVER)) else {
        return false;
    };
    let Some((expiry, found)) = parse(value) else {
        return false;
    };
    if expiry <= now || expiry > now + MARK_TTL_SECS + SKEW_SECS {
        return false;
    }
    let binding = Binding {
        id,
        names: Some(names),
        principal,
    };
    [names_digest(names), UNKNOWN_NAMES.to_owned()]
        .iter()
        .any(|key| digest(&binding, key, expiry) == found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tags::ownership_tags;

    const NOW: u64 = 1_800_000_000;
    const ROLE: &str = "arn:aws:iam::111122223333:role/ci";

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    fn marked(
        id: &str,
        planned: Option<&[String]>,
        principal: Option<&str>,
    ) -> BTreeMap<String, String> {
        let mut tags = ownership_tags(&BTreeMap::new(), id);
        tags.extend(mark_tags(
            &Binding {
                id,
                names: planned,
                principal,
            },
            NOW,
        ));
        tags
    }

    #[test]
    fn a_mark_hands_over_to_the_same_names_and_principal_until_it_expires() {
        let planned = names(&["a", "b"]);
        let tags = marked("asm-1", Some(&planned), Some(ROLE));
        assert!(hands_over(&tags, &names(&["b", "a"]), Some(ROLE), NOW + 1));
        assert!(hands_over(
            &tags,
            &planned,
            Some(ROLE),
            NOW + MARK_TTL_SECS - 1
        ));
        assert!(!hands_over(
            &tags,
            &planned,
            Some(ROLE),
            NOW + MARK_TTL_SECS
        ));
        assert!(
            !hands_over(&tags, &names(&["a"]), Some(ROLE), NOW),
            "other names"
        );
        assert!(!hands_over(
            &tags,
            &planned,
            Some("arn:aws:iam::1:user/x"),
            NOW
        ));
        assert!(!hands_over(&tags, &planned, None, NOW), "principal unknown");
        let value = &tags[HANDOVER];
        assert!(value.len() < 256, "a tag value holds 255 characters");
        assert!(value
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c.is_ascii_digit() || c == ':'));
    }

    #[test]
    fn the_mark_binds_the_id_it_is_found_with() {
        let planned = names(&["a"]);
        let mut tags = marked("asm-1", Some(&planned), Some(ROLE));
        assert!(hands_over(&tags, &planned, Some(ROLE), NOW));
        tags.insert(OWNERSHIP_ID.into(), "asm-2".into());
        assert!(!hands_over(&tags, &planned, Some(ROLE), NOW));
        tags.remove(OWNERSHIP_ID);
        assert!(!hands_over(&tags, &planned, Some(ROLE), NOW));
    }

    #[test]
    fn names_unknown_at_plan_match_any_names_and_an_unknown_principal_only_itself() {
        let tags = marked("asm-1", None, None);
        assert!(hands_over(&tags, &names(&["x", "y"]), None, NOW));
        assert!(!hands_over(&tags, &names(&["x"]), Some(ROLE), NOW));
    }

    #[test]
    fn malformed_forged_or_far_future_marks_hand_nothing_over() {
        let planned = names(&["a"]);
        let base = ownership_tags(&BTreeMap::new(), "asm-1");
        let far = NOW + 10 * MARK_TTL_SECS;
        let binding = Binding {
            id: "asm-1",
            names: Some(&planned),
            principal: Some(ROLE),
        };
        let far_value = format!("{far}:{}", digest(&binding, &names_digest(&planned), far));
        for value in ["", "garbage", "12:zz", "x:y", &far_value] {
            let mut tags = base.clone();
            tags.insert(HANDOVER.into(), value.to_owned());
            assert!(!hands_over(&tags, &planned, Some(ROLE), NOW), "{value:?}");
        }
        assert!(!hands_over(&base, &planned, Some(ROLE), NOW), "no mark");
    }

    #[test]
    fn a_mark_is_fresh_for_the_same_binding_until_half_its_life_is_gone() {
        let planned = names(&["a"]);
        let binding = Binding {
            id: "asm-1",
            names: Some(&planned),
            principal: Some(ROLE),
        };
        let tags = marked("asm-1", Some(&planned), Some(ROLE));
        assert!(is_fresh(&tags, &binding, NOW));
        assert!(!is_fresh(&tags, &binding, NOW + MARK_TTL_SECS / 2));
        let other = names(&["a", "b"]);
        let rebound = Binding {
            names: Some(&other),
            ..binding
        };
        assert!(!is_fresh(&tags, &rebound, NOW));
        assert!(!is_fresh(
            &ownership_tags(&BTreeMap::new(), "asm-1"),
            &binding,
            NOW
        ));
    }

    #[test]
    fn an_assumed_role_is_one_principal_whatever_its_session() {
        assert_eq!(
            principal_of("arn:aws:sts::111122223333:assumed-role/ci/run-17"),
            "arn:aws:sts::111122223333:assumed-role/ci"
        );
        assert_eq!(
            principal_of("arn:aws:sts::111122223333:assumed-role/ci/run-18"),
            principal_of("arn:aws:sts::111122223333:assumed-role/ci/run-17")
        );
        assert_eq!(principal_of(ROLE), ROLE);
        assert_eq!(
            principal_of("arn:aws:iam::1:user/alice"),
            "arn:aws:iam::1:user/alice"
        );
    }
}
