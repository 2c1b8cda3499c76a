//! Where the provider's final AWS credentials come from beyond the SDK's
//! own chain, and what it checks about them:
//!
//! - [`role`]: `assume_role` blocks, each assumed with the credentials of
//!   the one before (a chain), refreshed before they expire.
//! - [`web_identity`]: `assume_role_with_web_identity`, or the
//!   `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE` environment, as the
//!   source the chain starts from.
//! - [`profile`]: a shared-config profile with `role_arn`, whose roles are
//!   assumed here rather than by the SDK, so they go through the same STS
//!   clients.
//! - [`guard`]: `allowed_account_ids` / `forbidden_account_ids`.
//! - [`http`]: `custom_ca_bundle` (or `AWS_CA_BUNDLE`) and the proxy
//!   arguments, for every AWS client.
//! - [`duration`]: the Go duration strings `duration` takes.
//! - [`chain`]: all of the above stacked into the credentials every
//!   client signs with.
//!
//! Every STS client here comes from a factory the caller passes in, so the
//! endpoint override, `sts_region`, retries and timeouts of the provider's
//! own STS client apply to role assumption too.

pub mod chain;
pub mod duration;
pub mod guard;
pub mod http;
pub mod profile;
pub mod read;
pub mod role;
pub mod schema;
pub mod web_identity;

use std::fmt;

pub use guard::AccountGuard;
pub use http::HttpOptions;
pub use role::AssumeRole;
pub use web_identity::WebIdentity;

/// The authentication arguments of the provider block (typed, shape
/// already checked).
#[derive(Clone, Default)]
pub struct AuthSettings {
    /// Assumed in order, each with the credentials of the one before.
    pub assume_role: Vec<AssumeRole>,
    pub web_identity: Option<WebIdentity>,
    pub guard: AccountGuard,
    /// Region of every STS call; the provider's region when unset.
    pub sts_region: Option<String>,
    pub http: HttpOptions,
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("assume_role", &self.assume_role)
            .field("web_identity", &self.web_identity)
            .field("guard", &self.guard)
            .field("sts_region", &self.sts_region)
            .field("http", &self.http)
            .finish()
    }
}
