//! Making one name exist: create it, restore it, or adopt it, and never
//! take over a secret this resource does not own.

use std::collections::BTreeMap;

use crate::provider::secrets::{ApiError, ErrorKind, SecretsApi};
use crate::provider::tags::{is_planton_owned, OWNERSHIP_ID};

/// Why a name could not be made to exist.
#[derive(Debug)]
pub enum EnsureError {
    /// AWS refused or failed a call.
    Api {
        operation: &'static str,
        error: ApiError,
    },
    /// A secret of that name exists and belongs to someone else.
    Foreign {
        scheduled_for_deletion: bool,
        owner: Option<String>,
    },
}

impl EnsureError {
    /// The AWS error behind it, if AWS (or the way to it) failed.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            EnsureError::Api { error, .. } => Some(error),
            EnsureError::Foreign { .. } => None,
        }
    }
}

/// Makes `name` exist as a secret of resource `id` with `tags`, and
/// returns its ARN:
/// - a new name is created (no value, AWS-managed key);
/// - a name scheduled for deletion that carries planton ownership tags is
///   restored, keeping its ARN;
/// - a live secret already tagged with this resource's id is adopted (a
///   create interrupted before its state was saved left it behind);
/// - anything else is left untouched and reported.
pub async fn ensure_secret(
    api: &dyn SecretsApi,
    name: &str,
    id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, EnsureError> {
    let api_error = |operation| move |error| EnsureError::Api { operation, error };
    match api.create(name, tags).await {
        Ok(arn) => return Ok(arn),
        Err(error)
            if matches!(
                error.kind,
                ErrorKind::AlreadyExists | ErrorKind::ScheduledForDeletion
            ) => {}
        Err(error) => {
            return Err(EnsureError::Api {
                operation: "CreateSecret",
                error,
            })
        }
    }
    let Some(existing) = api
        .describe(name)
        .await
        .map_err(api_error("DescribeSecret"))?
    else {
        // Deleted for good between the two calls: the name is free again.
        return api
            .create(name, tags)
            .await
            .map_err(api_error("CreateSecret"));
    };
    let owner = existing.tags.get(OWNERSHIP_ID).cloned();
    if existing.scheduled_for_deletion && is_planton_owned(&existing.tags) {
        api.restore(&existing.arn)
            .await
            .map_err(api_error("RestoreSecret"))?;
    } else if existing.scheduled_for_deletion || owner.as_deref() != Some(id) {
        return Err(EnsureError::Foreign {
            scheduled_for_deletion: existing.scheduled_for_deletion,
            owner,
        });
    }
    // Restored or adopted: make its tags this resource's.
    if tags.iter().any(|(k, v)| existing.tags.get(k) != Some(v)) {
        api.tag(&existing.arn, tags)
            .await
            .map_err(api_error("TagResource"))?;
    }
    Ok(existing.arn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::tags::ownership_tags;

    fn tags(id: &str) -> BTreeMap<String, String> {
        ownership_tags(&BTreeMap::new(), id)
    }

    #[tokio::test]
    async fn creates_a_new_name_with_its_tags() {
        let api = FakeSecrets::new();
        let arn = ensure_secret(&api, "a", "asm-1", &tags("asm-1"))
            .await
            .unwrap();
        let secret = api.get("a").unwrap();
        assert_eq!(secret.arn, arn);
        assert_eq!(secret.tags, tags("asm-1"));
        assert_eq!(api.calls(), vec!["CreateSecret a"]);
    }

    #[tokio::test]
    async fn restores_a_planton_secret_scheduled_for_deletion() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", tags("asm-old"), true);
        let got = ensure_secret(&api, "a", "asm-1", &tags("asm-1"))
            .await
            .unwrap();
        assert_eq!(got, arn, "restore keeps the ARN");
        let secret = api.get("a").unwrap();
        assert!(!secret.scheduled_for_deletion);
        assert_eq!(secret.tags[OWNERSHIP_ID], "asm-1");
    }

    #[tokio::test]
    async fn adopts_a_live_secret_with_this_id() {
        let api = FakeSecrets::new();
        let arn = api.insert("a", tags("asm-1"), false);
        assert_eq!(
            ensure_secret(&api, "a", "asm-1", &tags("asm-1"))
                .await
                .unwrap(),
            arn
        );
        assert!(
            !api.calls().iter().any(|c| c.starts_with("TagResource")),
            "tags already right"
        );
    }

    #[tokio::test]
    async fn never_takes_over_foreign_secrets() {
        let api = FakeSecrets::new();
        api.insert("live", BTreeMap::new(), false);
        api.insert("other", tags("asm-2"), false);
        api.insert("gone", BTreeMap::new(), true);
        for name in ["live", "other", "gone"] {
            let before = api.get(name).unwrap();
            let error = ensure_secret(&api, name, "asm-1", &tags("asm-1"))
                .await
                .unwrap_err();
            assert!(
                matches!(error, EnsureError::Foreign { .. }),
                "{name}: {error:?}"
            );
            assert_eq!(api.get(name).unwrap(), before, "{name} must be untouched");
        }
    }

    #[tokio::test]
    async fn api_failures_name_the_operation() {
        let api = FakeSecrets::new();
        api.deny("a");
        match ensure_secret(&api, "a", "asm-1", &tags("asm-1")).await {
            Err(EnsureError::Api { operation, error }) => {
                assert_eq!(operation, "CreateSecret");
                assert_eq!(error.code, "AccessDeniedException");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
