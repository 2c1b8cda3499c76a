//! The credentials every client signs with: web identity or a profile's
//! role chain as the start, the `assume_role` blocks on top.

use aws_credential_types::provider::SharedCredentialsProvider;

use super::profile::ProfileSource;
use super::role::{self, StsFactory};
use super::web_identity::{WebIdentity, WebIdentityProvider};
use super::AuthSettings;

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
    profile: Option<ProfileSource>,
    base_is_explicit: bool,
    sts: &StsFactory<'_>,
) -> Option<SharedCredentialsProvider> {
    let web_identity = |identity| {
        SharedCredentialsProvider::new(WebIdentityProvider::new(
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
