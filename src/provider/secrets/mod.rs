//! The Secrets Manager operations the provider uses, behind a trait so that
//! resource logic can be unit-tested against a fake. The operations carry
//! names, ARNs and tags only: none reads or writes a secret value, and
//! deletion always keeps a recovery window.

#[cfg(test)]
pub mod fake;
mod listing;
mod sdk;

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;

use crate::provider::key_names::is_aws_managed_alias;

pub use listing::{list_all, list_at_most, TOO_MANY_PAGES};
pub use sdk::SdkSecrets;

pub use crate::provider::key_names::AWS_MANAGED_KEY_ALIAS;

/// What DescribeSecret tells about a secret (never its value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    pub name: String,
    pub arn: String,
    /// True while the secret is scheduled for deletion.
    pub scheduled_for_deletion: bool,
    pub tags: BTreeMap<String, String>,
    /// The KMS key, when DescribeSecret names one (absent means the
    /// AWS-managed key).
    pub kms_key_id: Option<String>,
    /// True when the secret is replicated to other regions.
    pub replicated: bool,
    pub rotation_enabled: bool,
    /// A version carries the AWSCURRENT label: someone wrote a value
    /// (VersionIdsToStages lists version ids and labels, never contents).
    pub has_current_version: bool,
    pub created: Option<SystemTime>,
    pub last_changed: Option<SystemTime>,
    /// AWS keeps only the day (midnight UTC); `None` when never read.
    pub last_accessed: Option<SystemTime>,
}

impl SecretInfo {
    /// A secret as this provider creates it: no custom key, no replicas,
    /// no rotation.
    pub fn plain(
        name: &str,
        arn: &str,
        scheduled_for_deletion: bool,
        tags: BTreeMap<String, String>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            arn: arn.to_owned(),
            scheduled_for_deletion,
            tags,
            kms_key_id: None,
            replicated: false,
            rotation_enabled: false,
            has_current_version: false,
            created: None,
            last_changed: None,
            last_accessed: None,
        }
    }

    /// The KMS key unless DescribeSecret omits it or names the AWS-managed
    /// key by its alias (exactly, see [`is_aws_managed_alias`]): any other
    /// name, a key ARN included, may be a customer's key.
    pub fn customer_kms_key(&self) -> Option<&str> {
        self.kms_key_id
            .as_deref()
            .filter(|key| !is_aws_managed_alias(key))
    }
}

/// How many name prefixes one ListSecrets filter may carry (AWS's limit).
pub const NAME_PREFIXES_PER_QUERY: usize = 10;

/// Which secrets ListSecrets returns. Every filter is a prefix match, as
/// AWS's are; callers still check what they need exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Secrets with a tag whose key starts with this.
    pub tag_key: Option<String>,
    /// Secrets with a tag whose value starts with this (any tag's).
    pub tag_value: Option<String>,
    /// Secrets whose name starts with any of these (AWS takes at most
    /// [`NAME_PREFIXES_PER_QUERY`]); none = any name.
    pub name_prefixes: Vec<String>,
    /// Secrets scheduled for deletion too.
    pub include_scheduled: bool,
}

/// One page of ListSecrets: metadata only (ListSecrets never returns a
/// value). `replicated` is always false: ListSecrets does not tell it, so
/// a listed secret is described before anything is decided about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    pub secrets: Vec<SecretInfo>,
    /// Where the next page starts; `None` on the last page.
    pub next_token: Option<String>,
}

/// Secrets per ListSecrets page, AWS's maximum.
pub const LIST_PAGE_SIZE: i32 = 100;

/// How a failed call failed, as far as the resource logic cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    /// CreateSecret on a name that already has a live secret.
    AlreadyExists,
    /// The secret is scheduled for deletion (CreateSecret on its name, or
    /// DeleteSecret on it again).
    ScheduledForDeletion,
    /// The endpoint did not answer (refused, reset, DNS, timeout), or the
    /// request was not sent because the endpoint counts as unreachable. The
    /// message names the endpoint and the cause.
    Unreachable,
    /// Sent, then abandoned unanswered after Terraform asked the provider
    /// to stop: whether it took effect is unknown.
    Abandoned,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// AWS's error code, e.g. `AccessDeniedException`, or the transport failure.
    pub code: String,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // AWS messages end with a full stop; callers add their own.
        let message = self.message.trim_end_matches('.');
        if message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {message}", self.code)
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The code of an [`ErrorKind::Unreachable`] error for a request that was
/// held back, never sent, because the endpoint counts as unreachable.
pub const NOT_SENT: &str = "NotSent";

/// The Secrets Manager API surface of this provider.
#[async_trait]
pub trait SecretsApi: Send + Sync {
    /// CreateSecret with no value, on `kms_key_id` (`None`: the AWS-managed
    /// key); returns the ARN.
    async fn create(
        &self,
        name: &str,
        tags: &BTreeMap<String, String>,
        kms_key_id: Option<&str>,
    ) -> ApiResult<String>;
    /// UpdateSecret with KmsKeyId only (never a value): the key new
    /// versions are encrypted with.
    async fn set_kms_key(&self, arn: &str, kms_key_id: &str) -> ApiResult<()>;
    /// DescribeSecret; `Ok(None)` when no secret has that name or ARN.
    async fn describe(&self, name_or_arn: &str) -> ApiResult<Option<SecretInfo>>;
    /// RestoreSecret: cancels a scheduled deletion.
    async fn restore(&self, arn: &str) -> ApiResult<()>;
    /// DeleteSecret with a recovery window (never a force delete). A secret
    /// that is already gone counts as deleted.
    async fn delete(&self, arn: &str, recovery_window_in_days: i64) -> ApiResult<()>;
    async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> ApiResult<()>;
    async fn untag(&self, arn: &str, keys: &[String]) -> ApiResult<()>;
    /// GetResourcePolicy: whether the secret has a resource policy. (The
    /// answer carries the policy, never the value.)
    async fn has_resource_policy(&self, arn: &str) -> ApiResult<bool>;
    /// ListSecrets: one page of at most [`LIST_PAGE_SIZE`] secrets matching
    /// `filter`, from `next_token` (`None` for the first page).
    async fn list_page(&self, filter: &ListFilter, next_token: Option<&str>)
        -> ApiResult<ListPage>;
}
