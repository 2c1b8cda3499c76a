//! Making one name exist: create it, restore it, or adopt it, and never
//! take over a secret this resource does not own (see `ownership`).
//!
//! A secret scheduled for deletion answers nothing on AWS but DescribeSecret
//! and RestoreSecret (and listings), so a restore is decided from
//! DescribeSecret alone; what only a live secret can tell (its resource
//! policy) is checked right after RestoreSecret. If that check refuses the
//! secret, or it cannot be made this resource's, the secret is scheduled
//! again with the resource's recovery window: the one case where recovery
//! schedules, and only for what this apply restored.

use std::collections::{BTreeMap, BTreeSet};

use crate::provider::ignore_tags::IgnoreTags;
use crate::provider::keys::{is_aws_managed, KeysApi};
use crate::provider::secrets::{ApiError, ErrorKind, SecretInfo, SecretsApi};
use crate::provider::tags::RELEASED;

use super::guard::{check_after, After};
use super::ownership::{decide, Decision, KeyCheck, Owner, Refusal};

/// Why a name could not be made to exist.
#[derive(Debug)]
pub enum EnsureError {
    /// AWS refused or failed a call.
    Api {
        operation: &'static str,
        error: ApiError,
    },
    /// A secret of that name exists and is not this resource's to take.
    Refused(Refusal),
    /// This apply restored the secret, then `operation` failed; the secret
    /// was scheduled for deletion again, `window` days from now.
    Rescheduled {
        operation: &'static str,
        error: ApiError,
        window: i64,
    },
    /// This apply restored the secret, could not take it (`cause`), and
    /// scheduling it again failed too: it is live and no state records it.
    LiveUnrecorded {
        arn: String,
        cause: String,
        error: ApiError,
    },
}

impl EnsureError {
    /// The AWS error behind it, if AWS (or the way to it) failed.
    /// (A secret this apply restored is never filed under a shared cause:
    /// its own diagnostic says where it was left.)
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            EnsureError::Api { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl std::fmt::Display for EnsureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnsureError::Api { operation, error }
            | EnsureError::Rescheduled {
                operation, error, ..
            } => write!(f, "{operation} failed: {error}"),
            EnsureError::Refused(refusal) => write!(f, "{refusal}"),
            EnsureError::LiveUnrecorded { cause, .. } => f.write_str(cause),
        }
    }
}

/// Who claims names, and with which tags.
pub struct Claim<'a> {
    pub owner: &'a Owner,
    /// The provider's `default_tags` keys: allowed on a secret it restores.
    pub default_tag_keys: &'a BTreeSet<String>,
    /// Every tag the secrets must carry.
    pub tags: &'a BTreeMap<String, String>,
    /// The key the secrets must be on.
    pub key: &'a KeyWanted,
    /// For telling whether a key ARN is the AWS-managed key.
    pub keys: &'a dyn KeysApi,
    /// Tags other tools set, which never make a secret differ.
    pub ignore: &'a IgnoreTags,
    /// The recovery window of this resource's deletions: a secret this
    /// apply restored and then could not take is scheduled again with it.
    pub recovery_window_in_days: i64,
}

/// A resource's `kms_key_id` (`None`: the AWS-managed key) and the key ARN
/// it resolved to, when known.
#[derive(Clone, Debug, Default)]
pub struct KeyWanted {
    pub kms_key_id: Option<String>,
    pub key_arn: Option<String>,
}

/// Whether `info` is on the claimed key. A resource without a key takes a
/// secret whose key ARN DescribeKey (when permitted) says is AWS-managed.
async fn check_key(info: &SecretInfo, claim: &Claim<'_>) -> KeyCheck {
    let wanted = claim.key.kms_key_id.as_deref();
    let mut check = KeyCheck::new(info, wanted, claim.key.key_arn.as_deref());
    if !check.matches && wanted.is_none() {
        check.matches = is_aws_managed(claim.keys, info.kms_key_id.as_deref()).await;
    }
    check
}

/// What will be done for a name whose current state is known.
#[derive(Clone, Debug)]
pub enum Action {
    Create,
    Adopt(SecretInfo),
    Restore(SecretInfo),
}

fn api_error(operation: &'static str) -> impl FnOnce(ApiError) -> EnsureError {
    move |error| EnsureError::Api { operation, error }
}

/// Decides what to do with what exists under a name, asking
/// GetResourcePolicy only for a live secret that would be adopted (a
/// scheduled one answers it only once restored: see [`carry_out`]).
pub async fn judge(
    api: &dyn SecretsApi,
    existing: Option<SecretInfo>,
    claim: &Claim<'_>,
) -> Result<Action, EnsureError> {
    // Ignored tags are neither checked nor written (the ownership tags are
    // never ignored).
    let existing = existing.map(|info| SecretInfo {
        tags: claim.ignore.without_ignored(&info.tags),
        ..info
    });
    let key = match &existing {
        Some(info) => check_key(info, claim).await,
        None => KeyCheck {
            wanted: None,
            matches: true,
        },
    };
    let decide_with = |policy| {
        decide(
            existing.as_ref(),
            claim.owner,
            claim.default_tag_keys,
            &key,
            policy,
        )
    };
    let mut decision = decide_with(None);
    let scheduled = existing
        .as_ref()
        .is_some_and(|info| info.scheduled_for_deletion);
    if decision == Decision::CheckPolicy && scheduled {
        // Restored first, its policy checked then.
        decision = decide_with(Some(false));
    } else if decision == Decision::CheckPolicy {
        let arn = existing.as_ref().map_or("", |info| info.arn.as_str());
        let has_policy = api
            .has_resource_policy(arn)
            .await
            .map_err(api_error("GetResourcePolicy"))?;
        decision = decide_with(Some(has_policy));
    }
    match (decision, existing) {
        (Decision::Adopt, Some(info)) => Ok(Action::Adopt(info)),
        (Decision::Restore, Some(info)) => Ok(Action::Restore(info)),
        (Decision::Refuse(refusal), _) => Err(EnsureError::Refused(refusal)),
        // Nothing exists (or, impossibly, the policy answer was not used).
        _ => Ok(Action::Create),
    }
}

/// Makes `name` exist as a secret of `claim.owner` and returns its ARN:
/// CreateSecret first (the fast path); when the name is taken, what exists
/// is judged and adopted, restored or refused.
pub async fn ensure_secret(
    api: &dyn SecretsApi,
    name: &str,
    claim: &Claim<'_>,
) -> Result<String, EnsureError> {
    match api
        .create(name, claim.tags, claim.key.kms_key_id.as_deref())
        .await
    {
        Ok(arn) => return Ok(arn),
        Err(error)
            if matches!(
                error.kind,
                ErrorKind::AlreadyExists | ErrorKind::ScheduledForDeletion
            ) => {}
        Err(error) => return Err(api_error("CreateSecret")(error)),
    }
    let existing = api
        .describe(name)
        .await
        .map_err(api_error("DescribeSecret"))?;
    let action = judge(api, existing, claim).await?;
    carry_out(api, name, action, claim).await
}

/// Does what was decided for `name`; returns its ARN.
pub async fn carry_out(
    api: &dyn SecretsApi,
    name: &str,
    action: Action,
    claim: &Claim<'_>,
) -> Result<String, EnsureError> {
    match action {
        Action::Create => api
            .create(name, claim.tags, claim.key.kms_key_id.as_deref())
            .await
            .map_err(api_error("CreateSecret")),
        Action::Adopt(info) => take(api, info, claim, false).await,
        Action::Restore(info) => {
            api.restore(&info.arn)
                .await
                .map_err(api_error("RestoreSecret"))?;
            let arn = info.arn.clone();
            match check_restored(api, &info).await {
                Ok(()) => match take(api, info, claim, true).await {
                    Ok(arn) => Ok(arn),
                    // Another resource took it once live: its own now.
                    Err(error @ EnsureError::Refused(Refusal::OwnedByAnother { .. })) => Err(error),
                    Err(error) => Err(schedule_again(api, &arn, claim, error).await),
                },
                Err(error) => Err(schedule_again(api, &arn, claim, error).await),
            }
        }
    }
}

/// What DescribeSecret could not tell of a scheduled secret, asked now that
/// it is live: a resource policy means someone other than this provider
/// changed it.
async fn check_restored(api: &dyn SecretsApi, info: &SecretInfo) -> Result<(), EnsureError> {
    let has_policy = api
        .has_resource_policy(&info.arn)
        .await
        .map_err(api_error("GetResourcePolicy"))?;
    if has_policy {
        return Err(EnsureError::Refused(Refusal::Altered {
            scheduled_for_deletion: true,
            differences: vec!["it has a resource policy".to_owned()],
        }));
    }
    Ok(())
}

/// Makes a live secret's tags this resource's, and no longer released;
/// `restored` when this apply just restored it. After any write, checks the
/// secret carries this resource's id (another may have taken it meanwhile).
async fn take(
    api: &dyn SecretsApi,
    existing: SecretInfo,
    claim: &Claim<'_>,
    restored: bool,
) -> Result<String, EnsureError> {
    let retag = claim
        .tags
        .iter()
        .any(|(k, v)| existing.tags.get(k) != Some(v));
    if !(restored || retag || existing.tags.contains_key(RELEASED)) {
        return Ok(existing.arn);
    }
    if retag {
        api.tag(&existing.arn, claim.tags)
            .await
            .map_err(api_error("TagResource"))?;
    }
    if existing.tags.contains_key(RELEASED) {
        api.untag(&existing.arn, &[RELEASED.to_owned()])
            .await
            .map_err(api_error("UntagResource"))?;
    }
    // Checked after writing: another resource may have taken it meanwhile.
    match check_after(api, &existing.arn, &claim.owner.id)
        .await
        .map_err(api_error("DescribeSecret"))?
    {
        After::Ours => Ok(existing.arn),
        After::OwnedBy(owner) if !owner.is_empty() => {
            Err(EnsureError::Refused(Refusal::OwnedByAnother { owner }))
        }
        After::OwnedBy(_) => Err(EnsureError::Refused(Refusal::NotPlanton)),
        After::Gone => Err(EnsureError::Refused(Refusal::Altered {
            scheduled_for_deletion: true,
            differences: vec!["it was scheduled for deletion again during this apply".to_owned()],
        })),
    }
}

/// Puts a secret this apply restored back where it was found, scheduled for
/// deletion (with this resource's window, so its deletion date moves), and
/// says so in the error; if that fails too, the error says the secret is
/// live and unrecorded.
async fn schedule_again(
    api: &dyn SecretsApi,
    arn: &str,
    claim: &Claim<'_>,
    failure: EnsureError,
) -> EnsureError {
    let window = claim.recovery_window_in_days;
    if let Err(error) = api.delete(arn, window).await {
        return EnsureError::LiveUnrecorded {
            arn: arn.to_owned(),
            cause: failure.to_string(),
            error,
        };
    }
    let again = format!(
        "found once this apply restored it, so it was scheduled for deletion again ({window}-day \
         recovery window: its deletion date moved)"
    );
    match failure {
        EnsureError::Refused(Refusal::Altered { differences, .. }) => {
            EnsureError::Refused(Refusal::Altered {
                scheduled_for_deletion: true,
                differences: differences
                    .into_iter()
                    .map(|d| format!("{d}, {again}"))
                    .collect(),
            })
        }
        EnsureError::Api { operation, error } => EnsureError::Rescheduled {
            operation,
            error,
            window,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::keys::tests::FakeKeys;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::tags::ownership_tags;

    fn tags(id: &str) -> BTreeMap<String, String> {
        ownership_tags(&BTreeMap::new(), id)
    }

    async fn ensure(api: &FakeSecrets, name: &str, id: &str) -> Result<String, EnsureError> {
        let owner = Owner::new(id);
        let tags = tags(id);
        let keys = BTreeSet::new();
        let claim = Claim {
            owner: &owner,
            default_tag_keys: &keys,
            tags: &tags,
            key: &KeyWanted::default(),
            keys: &FakeKeys::default(),
            ignore: &IgnoreTags::default(),
            recovery_window_in_days: 9,
        };
        ensure_secret(api, name, &claim).await
    }

    #[tokio::test]
    async fn creates_a_new_name_with_its_tags() {
        let api = FakeSecrets::new();
        let arn = ensure(&api, "a", "asm-1").await.unwrap();
        let secret = api.get("a").unwrap();
        assert_eq!(secret.arn, arn);
        assert_eq!(secret.tags, tags("asm-1"));
        assert_eq!(api.calls(), vec!["CreateSecret a"]);
    }

    #[tokio::test]
    async fn restores_a_clean_released_planton_secret_scheduled_for_deletion() {
        let api = FakeSecrets::new();
        let mut released = tags("asm-old");
        released.insert(RELEASED.into(), "true".into());
        let arn = api.insert("a", released, true);
        let got = ensure(&api, "a", "asm-1").await.unwrap();
        assert_eq!(got, arn, "restore keeps the ARN");
        let secret = api.get("a").unwrap();
        assert!(!secret.scheduled_for_deletion);
        assert_eq!(secret.tags, tags("asm-1"), "ours, and no longer released");
        assert!(api.calls().contains(&format!("GetResourcePolicy {arn}")));
    }

    #[tokio::test]
    async fn ignored_tags_never_make_a_restore_refused_and_are_left_alone() {
        let api = FakeSecrets::new();
        let mut released = tags("asm-old");
        released.insert(RELEASED.into(), "true".into());
        released.insert("team:owner".into(), "payments".into());
        api.insert("a", released.clone(), true);
        assert!(
            matches!(
                ensure(&api, "a", "asm-1").await,
                Err(EnsureError::Refused(_))
            ),
            "not ignored: a tag this provider does not set"
        );
        let api = FakeSecrets::new();
        api.insert("a", released, true);
        let (owner, tags, keys) = (Owner::new("asm-1"), tags("asm-1"), BTreeSet::new());
        let ignore = IgnoreTags {
            key_prefixes: BTreeSet::from(["team:".to_owned()]),
            ..IgnoreTags::default()
        };
        let claim = Claim {
            owner: &owner,
            default_tag_keys: &keys,
            tags: &tags,
            key: &KeyWanted::default(),
            keys: &FakeKeys::default(),
            ignore: &ignore,
            recovery_window_in_days: 9,
        };
        ensure_secret(&api, "a", &claim).await.unwrap();
        let secret = api.get("a").unwrap();
        assert!(!secret.scheduled_for_deletion);
        assert_eq!(secret.tags["team:owner"], "payments", "left alone");
    }

    #[tokio::test]
    async fn only_the_owner_restores_what_it_did_not_release() {
        let api = FakeSecrets::new();
        api.insert("a", tags("asm-owner"), true);
        let error = ensure(&api, "a", "asm-1").await.unwrap_err();
        assert!(matches!(
            error,
            EnsureError::Refused(Refusal::ScheduledOwnedByAnother { .. })
        ));
        assert!(api.get("a").unwrap().scheduled_for_deletion);
        ensure(&api, "a", "asm-owner").await.unwrap();
        assert!(!api.get("a").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn adopts_a_live_secret_with_this_id() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", tags("asm-1"), false);
        assert_eq!(ensure(&api, "a", "asm-1").await.unwrap(), arn);
        assert!(
            !api.calls().iter().any(|c| c.starts_with("TagResource")),
            "tags already right"
        );
    }

    #[tokio::test]
    async fn never_takes_over_foreign_planted_or_altered_secrets() {
        let api = FakeSecrets::new();
        api.insert("live", BTreeMap::new(), false);
        api.insert("other", tags("asm-2"), false);
        api.insert("gone", BTreeMap::new(), true);
        api.insert("planted", tags("asm-2"), true);
        api.attach_policy("planted");
        api.insert("keyed", tags("asm-2"), true);
        api.alter("keyed", |s| s.kms_key_id = Some("key/mine".into()));
        for name in ["live", "other", "gone", "planted", "keyed"] {
            let before = api.get(name).unwrap();
            let error = ensure(&api, name, "asm-1").await.unwrap_err();
            assert!(
                matches!(error, EnsureError::Refused(_)),
                "{name}: {error:?}"
            );
            assert_eq!(api.get(name).unwrap(), before, "{name} must be untouched");
        }
        let writes = api
            .calls()
            .into_iter()
            .filter(|c| c.starts_with("Restore") || c.starts_with("Tag"))
            .count();
        assert_eq!(writes, 0);
    }

    fn released(id: &str) -> BTreeMap<String, String> {
        let mut tags = tags(id);
        tags.insert(RELEASED.into(), "true".into());
        tags
    }

    #[tokio::test]
    async fn a_scheduled_secret_is_only_described_and_restored_before_it_is_live() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", released("asm-old"), true);
        ensure(&api, "a", "asm-1").await.unwrap();
        assert_eq!(
            api.calls(),
            [
                "CreateSecret a".to_owned(),
                "DescribeSecret a".to_owned(),
                format!("RestoreSecret {arn}"),
                format!("GetResourcePolicy {arn}"),
                format!("TagResource {arn}"),
                format!("UntagResource {arn}"),
                format!("DescribeSecret {arn}"),
            ]
        );
    }

    #[tokio::test]
    async fn a_restored_secret_the_live_check_refuses_is_scheduled_again_with_the_window() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", released("asm-old"), true);
        api.attach_policy("a");
        let error = ensure(&api, "a", "asm-1").await.unwrap_err();
        let EnsureError::Refused(refusal) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            refusal.to_string(),
            "it is scheduled for deletion and carries planton tags, but it differs from what \
             this provider makes: it has a resource policy, found once this apply restored it, \
             so it was scheduled for deletion again (9-day recovery window: its deletion date \
             moved)"
        );
        let secret = api.get("a").unwrap();
        assert!(secret.scheduled_for_deletion);
        assert_eq!(secret.arn, arn);
        assert_eq!(secret.tags, released("asm-old"), "never tagged");
        assert_eq!(api.deletion_window("a"), Some(9));
    }

    #[tokio::test]
    async fn a_restored_secret_that_cannot_be_taken_is_scheduled_again() {
        let api = FakeSecrets::new();
        api.insert("a", released("asm-old"), true);
        api.deny_call("TagResource", "a");
        match ensure(&api, "a", "asm-1").await.unwrap_err() {
            EnsureError::Rescheduled {
                operation, window, ..
            } => assert_eq!((operation, window), ("TagResource", 9)),
            other => panic!("{other:?}"),
        }
        assert!(api.get("a").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn a_restored_secret_that_cannot_be_scheduled_again_is_reported_live() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", released("asm-old"), true);
        api.attach_policy("a");
        api.deny_call("DeleteSecret", "a");
        match ensure(&api, "a", "asm-1").await.unwrap_err() {
            EnsureError::LiveUnrecorded {
                arn: live, cause, ..
            } => {
                assert_eq!(live, arn);
                assert!(cause.contains("it has a resource policy"), "{cause}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!api.get("a").unwrap().scheduled_for_deletion);
    }

    #[tokio::test]
    async fn api_failures_name_the_operation() {
        let api = FakeSecrets::new();
        api.deny("a");
        match ensure(&api, "a", "asm-1").await {
            Err(EnsureError::Api { operation, error }) => {
                assert_eq!(operation, "CreateSecret");
                assert_eq!(error.code, "AccessDeniedException");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
