//! Where the base credentials come from before any role: the provider
//! block's keys, or the role chain of the selected shared-config profile.

use std::borrow::Cow;

use aws_config::provider_config::ProviderConfig;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use super::connect_error::ConnectError;
use crate::provider::auth;
use crate::provider::settings::{non_empty, AwsSettings};

/// Recorded as the source of credentials from the provider block.
const STATIC_CREDENTIALS_SOURCE: &str = "provider configuration";

/// Credentials from the provider block, if any. Half a key pair is an error
/// naming the missing half; a token alone is an error too.
pub(super) fn static_credentials(
    settings: &AwsSettings,
) -> Result<Option<Credentials>, ConnectError> {
    let access_key = non_empty(&settings.access_key);
    let secret_key = non_empty(&settings.secret_key);
    let token = non_empty(&settings.token);
    match (access_key, secret_key) {
        (Some(access_key), Some(secret_key)) => Ok(Some(Credentials::new(
            access_key,
            secret_key,
            token.map(str::to_owned),
            None,
            STATIC_CREDENTIALS_SOURCE,
        ))),
        (Some(_), None) => Err(ConnectError::new(
            Some("secret_key"),
            "Incomplete AWS credentials",
            "access_key is set but secret_key is not. Set both, or neither to use the \
             standard AWS credential chain (environment, profile, instance role).",
        )),
        (None, Some(_)) => Err(ConnectError::new(
            Some("access_key"),
            "Incomplete AWS credentials",
            "secret_key is set but access_key is not. Set both, or neither to use the \
             standard AWS credential chain (environment, profile, instance role).",
        )),
        (None, None) if token.is_some() => Err(ConnectError::new(
            Some("access_key"),
            "Incomplete AWS credentials",
            "token is set but access_key and secret_key are not. A session token is only \
             used together with the access_key and secret_key it was issued with.",
        )),
        (None, None) => Ok(None),
    }
}

/// The role chain of the profile the SDK would take credentials from
/// (`profile`, else `AWS_PROFILE`, else `default`), with what its base
/// needs from `config`; `None` when that profile assumes no role. Files the
/// SDK cannot read are left for it to report.
pub(super) async fn profile_role_chain(
    profile: Option<&str>,
    files: EnvConfigFiles,
    config: &SdkConfig,
) -> Result<Option<auth::profile::ProfileSource>, ConnectError> {
    let Ok(profiles) = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &files,
        profile.map(|name| Cow::Owned(name.to_owned())),
    )
    .await
    else {
        return Ok(None);
    };
    let chain = auth::profile::role_chain(&profiles).map_err(|problem| {
        ConnectError::new(
            Some("profile"),
            "Invalid AWS profile",
            format!(
                "{}. Check profile (or AWS_PROFILE) and the shared AWS files.",
                problem.0
            ),
        )
    })?;
    Ok(chain.map(|chain| {
        let mut base_config =
            ProviderConfig::without_region().with_region(config.region().cloned());
        if let Some(client) = config.http_client() {
            base_config = base_config.with_http_client(client);
        }
        auth::profile::ProfileSource {
            chain,
            files,
            config: base_config,
        }
    }))
}
