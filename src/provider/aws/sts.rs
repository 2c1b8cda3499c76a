//! STS as the provider uses it: how its clients are built, and what a
//! failed credential check (GetCallerIdentity) tells the user.

use std::fmt;

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::timeout::TimeoutConfig;

use super::connect_error::ConnectError;
use crate::provider::auth;
use crate::provider::bounds::{CONNECT_TIMEOUT, STS_ATTEMPT_TIMEOUT, STS_OPERATION_TIMEOUT};
use crate::provider::errors::{error_chain, find_source};

/// An STS client for `config` (the provider's region, retries and timeouts)
/// with the `endpoints.sts` override and `sts_region`; it signs with
/// `credentials` when given, else with `config`'s. Every STS call the
/// provider makes, role assumption included, goes through one of these.
pub(super) fn sts_client(
    config: &SdkConfig,
    endpoint: Option<&str>,
    region: Option<&Region>,
    credentials: Option<SharedCredentialsProvider>,
) -> aws_sdk_sts::Client {
    let mut builder = aws_sdk_sts::config::Builder::from(config).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(STS_ATTEMPT_TIMEOUT)
            .operation_timeout(STS_OPERATION_TIMEOUT)
            .build(),
    );
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    if let Some(region) = region {
        builder = builder.region(region.clone());
    }
    if let Some(credentials) = credentials {
        builder = builder.credentials_provider(credentials);
    }
    builder = builder.interceptor(super::call_log::CallLog);
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// Why validating credentials with STS failed, blaming `access_key` when
/// `static_credentials` says the provider block gave them.
pub(super) fn validation_error<E, R>(err: SdkError<E, R>, static_credentials: bool) -> ConnectError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    const ADVICE: &str = "check access_key/secret_key, profile or the environment \
        (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE), or set \
        skip_credentials_validation = true to skip this check";
    let attribute = static_credentials.then_some("access_key");
    if let Some(refused) = auth::role::refusal(&err) {
        return ConnectError::new(
            Some(refused.block),
            "Cannot assume AWS role",
            refused.to_string(),
        );
    }
    if let SdkError::ServiceError(service) = &err {
        let service = service.err();
        let code = service.code().unwrap_or("unknown error");
        let message = service.message().unwrap_or("no message");
        return ConnectError::new(
            attribute,
            "Invalid AWS credentials",
            format!("AWS rejected the provider's credentials: {code}: {message}; {ADVICE}."),
        );
    }
    // Credential resolution happens while the request is dispatched, so
    // "no credentials anywhere" arrives as a dispatch failure: look for
    // the credentials error in the chain before blaming the network.
    if let Some(credentials) = find_source::<CredentialsError>(&err) {
        let summary = match credentials {
            CredentialsError::CredentialsNotLoaded(_) => "No AWS credentials found",
            _ => "Cannot obtain AWS credentials",
        };
        return ConnectError::new(
            attribute,
            summary,
            format!("{}; {ADVICE}.", error_chain(credentials)),
        );
    }
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => ConnectError::new(
            None,
            "Cannot reach AWS STS",
            format!(
                "Validating credentials with STS GetCallerIdentity failed: {}. Check the \
                 network, endpoints.sts / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL and \
                 proxy settings, or set skip_credentials_validation = true.",
                error_chain(&err)
            ),
        ),
        _ => ConnectError::new(
            None,
            "Unexpected answer from AWS STS",
            format!(
                "Validating credentials with STS GetCallerIdentity failed: {}. If \
                 endpoints.sts or AWS_ENDPOINT_URL_STS points at an emulator, check that it \
                 implements STS; otherwise set skip_credentials_validation = true.",
                error_chain(&err)
            ),
        ),
    }
}
