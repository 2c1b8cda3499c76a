//! Who owns a secret, decided from what DescribeSecret (and, for secrets
//! this resource would take, GetResourcePolicy) says. Pure: no AWS calls,
//! so every case is a table row in the tests.
//!
//! A secret belongs to the resource whose random id is in its
//! `planton.ai/resource-id` tag. Only what carries this instance's id is
//! adopted; a secret scheduled for deletion with planton tags is restored
//! only when it looks exactly like what this provider makes, so nothing
//! planted (a resource policy, a key, replicas, rotation, extra tags) is
//! brought back.

use std::collections::BTreeSet;
use std::fmt;

use crate::provider::key_names::same_key;
use crate::provider::secrets::SecretInfo;
use crate::provider::tags::{is_planton_owned, is_provider_tag, is_released, OWNERSHIP_ID};

/// Who "we" are: this instance's id, plus the ids recorded in its state's
/// `tags_all` when they differ (state upgraded from a release with derived
/// ids, or just imported from other owners): secrets still tagged with
/// those are ours until the next apply re-tags them.
#[derive(Clone, Debug)]
pub struct Owner {
    pub id: String,
    pub recorded: BTreeSet<String>,
    /// Every id its state records, kept by [`Owner::for_adoption`]: an
    /// import took those secrets deliberately, so their scheduled ones are
    /// this instance's to restore even though their owner never released
    /// them.
    pub restores: BTreeSet<String>,
}

/// How `tags_all` records the previous owners of secrets imported from
/// several: their ids, sorted, comma-separated (ids never hold a comma).
pub fn recorded_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let ids: BTreeSet<&str> = ids.into_iter().collect();
    ids.into_iter().collect::<Vec<_>>().join(",")
}

impl Owner {
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            recorded: BTreeSet::new(),
            restores: BTreeSet::new(),
        }
    }

    /// `recorded` is the `planton.ai/resource-id` in state's `tags_all`.
    pub fn with_recorded(id: &str, recorded: Option<&String>) -> Self {
        let recorded: BTreeSet<String> = recorded
            .into_iter()
            .flat_map(|ids| ids.split(','))
            .map(str::trim)
            .filter(|r| !r.is_empty() && *r != id)
            .map(str::to_owned)
            .collect();
        Self {
            id: id.to_owned(),
            restores: recorded.clone(),
            recorded,
        }
    }

    /// For taking secrets in: an id recorded from an import names another
    /// instance, whose other secrets must not be adopted; a derived
    /// (0.1.0) id recorded by an upgrade is this instance's own.
    pub fn for_adoption(&self) -> Self {
        Self {
            id: self.id.clone(),
            recorded: self
                .recorded
                .iter()
                .filter(|r| is_legacy_id(r))
                .cloned()
                .collect(),
            restores: self.restores.clone(),
        }
    }

    pub fn owns(&self, tag: &str) -> bool {
        tag == self.id || self.recorded.contains(tag)
    }

    /// The owner id on a secret when it is another instance's.
    pub fn foreign_owner<'a>(&self, info: &'a SecretInfo) -> Option<&'a str> {
        info.tags
            .get(OWNERSHIP_ID)
            .map(String::as_str)
            .filter(|tag| !self.owns(tag))
    }
}

/// The `asm-` + 16 hex ids release 0.1.0 derived from region and names.
pub fn is_legacy_id(id: &str) -> bool {
    id.strip_prefix("asm-")
        .is_some_and(|hex| hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// What to do with one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No secret has the name.
    Create,
    /// Live, carrying this instance's id, and clean: an earlier attempt of
    /// this instance made it.
    Adopt,
    /// Scheduled for deletion, planton-tagged and clean: bring it back.
    Restore,
    /// Adopt or restore, once GetResourcePolicy says there is no policy.
    CheckPolicy,
    Refuse(Refusal),
}

/// Why a name is not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Live and owned by another planton resource instance.
    OwnedByAnother { owner: String },
    /// Live and not made by this provider.
    NotPlanton,
    /// Planton-tagged but changed since: what differs.
    Altered {
        scheduled_for_deletion: bool,
        differences: Vec<String>,
    },
    /// Scheduled for deletion and not made by this provider.
    ScheduledNotPlanton,
    /// Scheduled for deletion, yet its owner never released it (scheduled
    /// outside Terraform): only that owner restores it.
    ScheduledOwnedByAnother { owner: String },
}

impl Refusal {
    /// The planton owner id a refused secret carries, if any.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Refusal::OwnedByAnother { owner } | Refusal::ScheduledOwnedByAnother { owner } => {
                Some(owner)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::OwnedByAnother { owner } => write!(
                f,
                "it exists and belongs to another planton_aws_secrets resource (id {owner})"
            ),
            Refusal::NotPlanton => write!(f, "it exists and was not created by this provider"),
            Refusal::Altered {
                scheduled_for_deletion,
                differences,
            } => write!(
                f,
                "it {} and carries planton tags, but it differs from what this provider makes: {}",
                if *scheduled_for_deletion {
                    "is scheduled for deletion"
                } else {
                    "exists"
                },
                differences.join("; ")
            ),
            Refusal::ScheduledNotPlanton => write!(
                f,
                "it is scheduled for deletion and carries no planton ownership tags"
            ),
            Refusal::ScheduledOwnedByAnother { owner } => write!(
                f,
                "it is scheduled for deletion but still belongs to planton_aws_secrets resource \
                 {owner}, which did not release it (it was scheduled outside Terraform)"
            ),
        }
    }
}

/// Whether a secret is on the key a resource asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCheck {
    /// The resource's `kms_key_id` (`None`: the AWS-managed key).
    pub wanted: Option<String>,
    pub matches: bool,
}

impl KeyCheck {
    /// Judged from the names alone ([`same_key`]); `wanted_arn` is the key
    /// ARN `wanted` resolved to, when known.
    pub fn new(info: &SecretInfo, wanted: Option<&str>, wanted_arn: Option<&str>) -> Self {
        Self {
            wanted: wanted.map(str::to_owned),
            matches: same_key(info.kms_key_id.as_deref(), wanted, wanted_arn),
        }
    }
}

/// Decides what to do with a name given what exists under it.
/// `has_resource_policy` is `None` until GetResourcePolicy was asked; the
/// answer is [`Decision::CheckPolicy`] when it is needed.
pub fn decide(
    existing: Option<&SecretInfo>,
    owner: &Owner,
    default_tag_keys: &BTreeSet<String>,
    key: &KeyCheck,
    has_resource_policy: Option<bool>,
) -> Decision {
    let Some(info) = existing else {
        return Decision::Create;
    };
    if !is_planton_owned(&info.tags) {
        return Decision::Refuse(if info.scheduled_for_deletion {
            Refusal::ScheduledNotPlanton
        } else {
            Refusal::NotPlanton
        });
    }
    if !info.scheduled_for_deletion {
        if let Some(other) = owner.foreign_owner(info) {
            return Decision::Refuse(Refusal::OwnedByAnother {
                owner: other.to_owned(),
            });
        }
        if !info.tags.contains_key(OWNERSHIP_ID) {
            return Decision::Refuse(Refusal::NotPlanton);
        }
    } else if let Some(other) = owner.foreign_owner(info) {
        // Only the owner comes back for what it did not let go of. Ids of
        // 0.1.0 were derived from names, so anyone could claim them anyway.
        if !is_released(&info.tags) && !is_legacy_id(other) && !owner.restores.contains(other) {
            return Decision::Refuse(Refusal::ScheduledOwnedByAnother {
                owner: other.to_owned(),
            });
        }
    }
    let mut differences = differences(info, default_tag_keys, key);
    match has_resource_policy {
        None if differences.is_empty() => return Decision::CheckPolicy,
        Some(true) => differences.push("it has a resource policy".to_owned()),
        _ => {}
    }
    if !differences.is_empty() {
        return Decision::Refuse(Refusal::Altered {
            scheduled_for_deletion: info.scheduled_for_deletion,
            differences,
        });
    }
    if info.scheduled_for_deletion {
        Decision::Restore
    } else {
        Decision::Adopt
    }
}

/// How a secret differs from one this provider made (policy aside).
fn differences(
    info: &SecretInfo,
    default_tag_keys: &BTreeSet<String>,
    key: &KeyCheck,
) -> Vec<String> {
    let mut found = Vec::new();
    if !key.matches {
        let actual = match info.customer_kms_key() {
            Some(actual) => format!("KMS key {actual:?}"),
            None => "the AWS-managed key".to_owned(),
        };
        let wanted = match &key.wanted {
            Some(wanted) => format!("this resource's kms_key_id {wanted:?}"),
            None => "the AWS-managed key".to_owned(),
        };
        found.push(format!("it is encrypted with {actual} instead of {wanted}"));
    }
    if info.replicated {
        found.push("it is replicated to other regions".to_owned());
    }
    if info.rotation_enabled {
        found.push("rotation is enabled".to_owned());
    }
    let extra: Vec<&str> = info
        .tags
        .keys()
        // A clean secret has only the provider's own tags and default_tags.
        .filter(|k| !is_provider_tag(k) && !default_tag_keys.contains(*k))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        found.push(format!(
            "it has tags this provider does not set ({})",
            extra.join(", ")
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tags::{ownership_tags, RELEASED};
    use std::collections::BTreeMap;

    const OURS: &str = "asm-0123456789abcdef0123456789abcdef";
    const THEIRS: &str = "asm-fedcba9876543210fedcba9876543210";

    fn secret(scheduled: bool, tags: BTreeMap<String, String>) -> SecretInfo {
        SecretInfo::plain("n", "arn:n", scheduled, tags)
    }

    fn planton(id: &str) -> BTreeMap<String, String> {
        ownership_tags(&BTreeMap::from([("team".into(), "x".into())]), id)
    }

    fn keys() -> BTreeSet<String> {
        BTreeSet::from(["team".to_owned()])
    }

    fn decide_with(info: Option<&SecretInfo>, policy: Option<bool>) -> Decision {
        let key = info.map_or(
            KeyCheck {
                wanted: None,
                matches: true,
            },
            |i| KeyCheck::new(i, None, None),
        );
        decide(info, &Owner::new(OURS), &keys(), &key, policy)
    }

    #[test]
    fn absent_is_created() {
        assert_eq!(decide_with(None, None), Decision::Create);
    }

    #[test]
    fn live_and_ours_is_adopted_once_it_has_no_policy() {
        let info = secret(false, planton(OURS));
        assert_eq!(decide_with(Some(&info), None), Decision::CheckPolicy);
        assert_eq!(decide_with(Some(&info), Some(false)), Decision::Adopt);
        assert!(matches!(
            decide_with(Some(&info), Some(true)),
            Decision::Refuse(Refusal::Altered { .. })
        ));
    }

    #[test]
    fn live_and_another_s_names_the_owner() {
        let info = secret(false, planton(THEIRS));
        assert_eq!(
            decide_with(Some(&info), None),
            Decision::Refuse(Refusal::OwnedByAnother {
                owner: THEIRS.into()
            })
        );
    }

    #[test]
    fn live_and_untagged_is_refused() {
        let info = secret(false, BTreeMap::new());
        assert_eq!(
            decide_with(Some(&info), None),
            Decision::Refuse(Refusal::NotPlanton)
        );
        // planton.ai/resource alone proves nothing either.
        let mut tags = planton(OURS);
        tags.remove(OWNERSHIP_ID);
        assert_eq!(
            decide_with(Some(&secret(false, tags)), None),
            Decision::Refuse(Refusal::NotPlanton)
        );
    }

    #[test]
    fn scheduled_and_ours_is_restored() {
        let info = secret(true, planton(OURS));
        assert_eq!(decide_with(Some(&info), None), Decision::CheckPolicy);
        assert_eq!(decide_with(Some(&info), Some(false)), Decision::Restore);
    }

    fn released(id: &str) -> BTreeMap<String, String> {
        let mut tags = planton(id);
        tags.insert(RELEASED.into(), "true".into());
        tags
    }

    #[test]
    fn scheduled_and_released_by_any_planton_owner_is_restored() {
        let info = secret(true, released(THEIRS));
        assert_eq!(decide_with(Some(&info), None), Decision::CheckPolicy);
        assert_eq!(decide_with(Some(&info), Some(false)), Decision::Restore);
        let ours = secret(true, released(OURS));
        assert_eq!(decide_with(Some(&ours), Some(false)), Decision::Restore);
    }

    #[test]
    fn scheduled_and_not_released_is_restored_by_its_owner_only() {
        let info = secret(true, planton(THEIRS));
        let refused = Decision::Refuse(Refusal::ScheduledOwnedByAnother {
            owner: THEIRS.into(),
        });
        assert_eq!(decide_with(Some(&info), None), refused);
        assert_eq!(decide_with(Some(&info), Some(false)), refused);
        let Decision::Refuse(refusal) = refused else {
            unreachable!()
        };
        assert_eq!(refusal.owner(), Some(THEIRS));
        assert!(refusal.to_string().contains(THEIRS));
        let owner = Owner::new(THEIRS);
        assert_eq!(
            decide(
                Some(&info),
                &owner,
                &keys(),
                &KeyCheck::new(&info, None, None),
                Some(false)
            ),
            Decision::Restore
        );
        // An import of that owner's secrets takes its scheduled ones too.
        let importer = Owner::with_recorded(OURS, Some(&THEIRS.to_owned())).for_adoption();
        assert_eq!(
            decide(
                Some(&info),
                &importer,
                &keys(),
                &KeyCheck::new(&info, None, None),
                Some(false)
            ),
            Decision::Restore
        );
        // 0.1.0's ids were derived from names: anyone could compute them.
        let legacy = secret(true, planton("asm-0011223344556677"));
        assert_eq!(decide_with(Some(&legacy), Some(false)), Decision::Restore);
    }

    #[test]
    fn unknown_planton_keys_are_differences() {
        let mut tags = released(THEIRS);
        tags.insert("planton.ai/anything".into(), "x".into());
        let Decision::Refuse(refusal) = decide_with(Some(&secret(true, tags)), None) else {
            panic!("a planton.ai/ key this provider never writes is refused");
        };
        assert!(refusal.to_string().contains("planton.ai/anything"));
    }

    #[test]
    fn scheduled_and_altered_says_what_differs() {
        let mut tags = released(THEIRS);
        tags.insert("planted".into(), "yes".into());
        let mut info = secret(true, tags);
        info.kms_key_id = Some("arn:aws:kms:us-east-1:1:key/abc".into());
        info.replicated = true;
        info.rotation_enabled = true;
        // Differences already known: no need to ask for the policy.
        let Decision::Refuse(refusal) = decide_with(Some(&info), None) else {
            panic!("altered secrets are refused");
        };
        let text = refusal.to_string();
        for expected in ["KMS key", "replicated", "rotation", "planted"] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
        let policy_only = secret(true, released(THEIRS));
        let Decision::Refuse(refusal) = decide_with(Some(&policy_only), Some(true)) else {
            panic!("a secret with a policy is refused");
        };
        assert!(refusal.to_string().contains("resource policy"));
    }

    #[test]
    fn the_aws_managed_key_is_clean() {
        let mut info = secret(true, planton(OURS));
        info.kms_key_id = Some("alias/aws/secretsmanager".into());
        assert_eq!(decide_with(Some(&info), Some(false)), Decision::Restore);
    }

    #[test]
    fn a_secret_on_the_resource_s_own_key_is_clean_and_on_another_is_not() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let mut info = secret(true, planton(OURS));
        info.kms_key_id = Some(key.into());
        let ours = KeyCheck::new(&info, Some(key), None);
        assert_eq!(
            decide(Some(&info), &Owner::new(OURS), &keys(), &ours, Some(false)),
            Decision::Restore
        );
        let by_alias = KeyCheck::new(&info, Some("alias/app"), Some(key));
        assert!(by_alias.matches, "the alias resolved to this key");
        let other = KeyCheck::new(&info, Some("alias/other"), None);
        let Decision::Refuse(refusal) =
            decide(Some(&info), &Owner::new(OURS), &keys(), &other, Some(false))
        else {
            panic!("another key is refused");
        };
        assert!(
            refusal.to_string().contains("kms_key_id \"alias/other\""),
            "{refusal}"
        );
        // A resource with a key refuses a secret on the AWS-managed key.
        let plain = secret(true, planton(OURS));
        let wants_key = KeyCheck::new(&plain, Some(key), None);
        let Decision::Refuse(refusal) = decide(
            Some(&plain),
            &Owner::new(OURS),
            &keys(),
            &wants_key,
            Some(false),
        ) else {
            panic!("the AWS-managed key is not the resource's key");
        };
        assert!(
            refusal
                .to_string()
                .contains("with the AWS-managed key instead"),
            "{refusal}"
        );
    }

    #[test]
    fn scheduled_and_untagged_is_refused() {
        let info = secret(true, BTreeMap::new());
        assert_eq!(
            decide_with(Some(&info), None),
            Decision::Refuse(Refusal::ScheduledNotPlanton)
        );
    }

    #[test]
    fn the_recorded_legacy_id_counts_as_ours_for_adoption_and_an_imported_one_does_not() {
        let legacy = "asm-0011223344556677";
        let upgraded = Owner::with_recorded(OURS, Some(&legacy.to_owned()));
        let info = secret(false, planton(legacy));
        assert_eq!(
            decide(
                Some(&info),
                &upgraded.for_adoption(),
                &keys(),
                &KeyCheck::new(&info, None, None),
                Some(false)
            ),
            Decision::Adopt
        );
        let imported = Owner::with_recorded(OURS, Some(&THEIRS.to_owned()));
        assert!(imported.owns(THEIRS), "refresh keeps what was imported");
        assert_eq!(
            decide(
                Some(&secret(false, planton(THEIRS))),
                &imported.for_adoption(),
                &keys(),
                &KeyCheck {
                    wanted: None,
                    matches: true
                },
                None
            ),
            Decision::Refuse(Refusal::OwnedByAnother {
                owner: THEIRS.into()
            })
        );
    }

    #[test]
    fn legacy_ids_are_recognised() {
        assert!(is_legacy_id("asm-0011223344556677"));
        assert!(!is_legacy_id(OURS));
        assert!(!is_legacy_id("asm-xyz"));
    }
}
