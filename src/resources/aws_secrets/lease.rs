//! One importer per group. Secrets Manager has no conditional write, so two
//! applies that each imported the group of id P could both re-tag its
//! secrets and split it. CreateSecret is the API's one atomic step (a name
//! is made once), so the first apply that moves P's secrets creates the
//! lease secret `planton.ai/lease/P` (no value, tagged with its holder) and
//! the other finds it taken. The holder schedules it for deletion (7 days,
//! never forced) once the move is complete; a scheduled lease means the
//! move is done, and what still carries P is then judged secret by secret.
//! docs/development/decisions.md has the reasoning and the costs.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::provider::secrets::{ApiError, ErrorKind, SecretsApi};

/// Names of lease secrets start with this, then the id being moved.
pub const LEASE_PREFIX: &str = "planton.ai/lease/";
/// Tags of a lease secret: the id it moves and the id moving it.
pub const LEASE_OF: &str = "planton.ai/lease-of";
pub const LEASE_HOLDER: &str = "planton.ai/lease-holder";
/// A finished lease is scheduled with the shortest window AWS allows.
pub const LEASE_RECOVERY_DAYS: i64 = 7;

pub fn lease_name(previous: &str) -> String {
    format!("{LEASE_PREFIX}{previous}")
}

/// What taking the lease on a previous owner's id found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lease {
    /// This resource holds it (made now, or by an earlier attempt of it).
    Held { arn: String },
    /// Scheduled for deletion: `holder` finished moving the group.
    Finished { holder: String },
    /// Live and held by another resource: it is moving the group now, or
    /// its apply was interrupted before it finished.
    Taken {
        holder: String,
        since: Option<SystemTime>,
    },
}

/// Takes the lease on `previous` for `me`: CreateSecret, and when the name
/// exists, DescribeSecret to learn its holder.
pub async fn take(
    api: &dyn SecretsApi,
    previous: &str,
    me: &str,
) -> Result<Lease, (&'static str, ApiError)> {
    let name = lease_name(previous);
    let tags = BTreeMap::from([
        (LEASE_OF.to_owned(), previous.to_owned()),
        (LEASE_HOLDER.to_owned(), me.to_owned()),
    ]);
    match api.create(&name, &tags, None).await {
        Ok(arn) => return Ok(Lease::Held { arn }),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::AlreadyExists | ErrorKind::ScheduledForDeletion
            ) => {}
        Err(e) => return Err(("CreateSecret", e)),
    }
    let Some(info) = api
        .describe(&name)
        .await
        .map_err(|e| ("DescribeSecret", e))?
    else {
        // Made and purged between the two calls: only a retry can tell.
        return Err((
            "DescribeSecret",
            ApiError {
                kind: ErrorKind::Other,
                code: "LeaseVanished".to_owned(),
                message: format!("the lease secret {name} existed and then did not; apply again"),
            },
        ));
    };
    let holder = info.tags.get(LEASE_HOLDER).cloned().unwrap_or_default();
    Ok(if info.scheduled_for_deletion {
        Lease::Finished { holder }
    } else if holder == me {
        Lease::Held { arn: info.arn }
    } else {
        Lease::Taken {
            holder,
            since: info.created,
        }
    })
}

/// Schedules a held lease for deletion: the move it guarded is complete.
pub async fn release(api: &dyn SecretsApi, arn: &str) -> Result<(), ApiError> {
    api.delete(arn, LEASE_RECOVERY_DAYS).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;

    const P: &str = "asm-0123456789abcdef0123456789abcdef";

    #[tokio::test]
    async fn one_holder_then_the_other_learns_who_and_a_release_finishes_it() {
        let api = FakeSecrets::new();
        let Lease::Held { arn } = take(&api, P, "asm-c").await.unwrap() else {
            panic!("the first taker holds it");
        };
        assert_eq!(
            take(&api, P, "asm-c").await.unwrap(),
            Lease::Held { arn: arn.clone() }
        );
        let Lease::Taken { holder, .. } = take(&api, P, "asm-d").await.unwrap() else {
            panic!("the second taker does not");
        };
        assert_eq!(holder, "asm-c");
        release(&api, &arn).await.unwrap();
        let lease = api.get(&lease_name(P)).unwrap();
        assert!(lease.scheduled_for_deletion);
        assert_eq!(lease.tags[LEASE_OF], P);
        assert_eq!(
            take(&api, P, "asm-d").await.unwrap(),
            Lease::Finished {
                holder: "asm-c".into()
            }
        );
        assert!(!api.calls().iter().any(|c| c.contains("Force")));
    }

    #[tokio::test]
    async fn a_denied_create_names_the_operation() {
        let api = FakeSecrets::new();
        api.deny(&lease_name(P));
        let (operation, error) = take(&api, P, "asm-c").await.unwrap_err();
        assert_eq!(operation, "CreateSecret");
        assert_eq!(error.code, "AccessDeniedException");
    }
}
