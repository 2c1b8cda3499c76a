//! Making one name exist: create it, restore it, or adopt it, and never
//! take over a secret this resource does not own (see `ownership`).

use std::collections::{BTreeMap, BTreeSet};

use crate::provider::secrets::{ApiError, ErrorKind, SecretInfo, SecretsApi};
use crate::provider::tags::TRANSIENT;

use super::ownership::{decide, Decision, Owner, Refusal};

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
}

impl EnsureError {
    /// The AWS error behind it, if AWS (or the way to it) failed.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            EnsureError::Api { error, .. } => Some(error),
            EnsureError::Refused(_) => None,
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
/// GetResourcePolicy only for a secret that would be adopted or restored.
pub async fn judge(
    api: &dyn SecretsApi,
    existing: Option<SecretInfo>,
    claim: &Claim<'_>,
) -> Result<Action, EnsureError> {
    let decide_with = |policy| {
        decide(
            existing.as_ref(),
            claim.owner,
            claim.default_tag_keys,
            policy,
        )
    };
    let mut decision = decide_with(None);
    if decision == Decision::CheckPolicy {
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
    match api.create(name, claim.tags).await {
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
    let existing = match action {
        Action::Create => {
            return api
                .create(name, claim.tags)
                .await
                .map_err(api_error("CreateSecret"))
        }
        Action::Restore(info) => {
            api.restore(&info.arn)
                .await
                .map_err(api_error("RestoreSecret"))?;
            info
        }
        Action::Adopt(info) => info,
    };
    // Restored or adopted: make its tags this resource's, no longer
    // released nor marked for a handover.
    if claim
        .tags
        .iter()
        .any(|(k, v)| existing.tags.get(k) != Some(v))
    {
        api.tag(&existing.arn, claim.tags)
            .await
            .map_err(api_error("TagResource"))?;
    }
    let transient: Vec<String> = TRANSIENT
        .iter()
        .filter(|k| existing.tags.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    if !transient.is_empty() {
        api.untag(&existing.arn, &transient)
            .await
            .map_err(api_error("UntagResource"))?;
    }
    Ok(existing.arn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::tags::{ownership_tags, RELEASED};

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
