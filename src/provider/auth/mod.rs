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
//!
//! Every STS client here comes from a factory the caller passes in, so the
//! endpoint override, `sts_region`, retries and timeouts of the provider's
//! own STS client apply to role assumption too.

pub mod duration;
pub mod guard;
pub mod http;
pub mod profile;
pub mod read;
pub mod role;
pub mod schema;
pub mod web_identity;

use std::fmt;

use aws_credential_types::provider::SharedCredentialsProvider;

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

/// Builds an STS client that signs with the given credentials (`None`: the
/// provider's base credentials).
pub type StsFactory<'a> = dyn Fn(Option<SharedCredentialsProvider>) -> aws_sdk_sts::Client + 'a;

/// The credentials every client should use when the provider block, the
/// selected profile or the environment asks for web identity or role
/// assumption; `None` keeps the base credentials. The chain starts from the
/// `assume_role_with_web_identity` block, else the selected profile's role
/// chain (`profile`), else the web identity environment variables unless
/// `base_is_explicit` (static keys or a named profile were configured, which
/// take precedence over them, as in the AWS SDKs). The `assume_role` blocks
/// go on top.
pub fn credentials_chain(
    settings: &AuthSettings,
    profile: Option<profile::ProfileSource>,
    base_is_explicit: bool,
    sts: &StsFactory<'_>,
) -> Option<SharedCredentialsProvider> {
    let web_identity = |identity| {
        SharedCredentialsProvider::new(web_identity::WebIdentityProvider::new(
            sts(None),
            identity,
            "assume_role_with_web_identity",
        ))
    };
    let start = if let Some(identity) = settings.web_identity.clone() {
        Some(web_identity(identity))
    } else if let Some(source) = profile {
        Some(source.provider(sts))
    } else if base_is_explicit {
        None
    } else {
        WebIdentity::from_environment(|name| std::env::var(name).ok()).map(web_identity)
    };
    role::stack(
        start,
        settings.assume_role.iter().cloned(),
        "assume_role",
        sts,
    )
}

/// Whether an error from anywhere in a credentials chain (`err`'s sources
/// included) is a refused role assumption.
pub fn role_refusal<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a role::RoleRefused> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<role::RoleRefused>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests;
