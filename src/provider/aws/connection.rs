//! The provider's AWS clients: region, credentials, endpoints, retries and
//! timeouts resolved once at configure time, and the caller's account.

use std::fmt;

use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use tokio::sync::OnceCell;

use super::call_log::CallLog;
use super::connect_error::ConnectError;
use super::credentials::{profile_role_chain, static_credentials};
use super::files::{self, check_profile_exists, existing_files, profile_files};
use super::sts::{sts_client, validation_error};
use crate::provider::auth;
use crate::provider::bounds::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT};
use crate::provider::endpoints::{default_endpoint, endpoint_problem};
use crate::provider::region::is_region_name;
use crate::provider::settings::{non_empty, AwsSettings};

/// Configured AWS clients for the provider's lifetime.
pub struct AwsConnection {
    secrets_manager: aws_sdk_secretsmanager::Client,
    /// Where Secrets Manager requests go, for diagnostics.
    secrets_manager_endpoint: String,
    kms: aws_sdk_kms::Client,
    sts: aws_sdk_sts::Client,
    region: String,
    skip_requesting_account_id: bool,
    /// Whether `access_key`/`secret_key` came from the provider block, so a
    /// rejection can point at them.
    static_credentials: bool,
    account_id: OnceCell<String>,
    /// The caller's ARN, seen with the account ID.
    caller_arn: std::sync::OnceLock<String>,
}

impl fmt::Debug for AwsConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsConnection")
            .field("region", &self.region)
            .field("account_id", &self.account_id.get())
            .finish_non_exhaustive()
    }
}

impl AwsConnection {
    /// Resolves region, credentials, endpoints and retries, builds the
    /// clients and, unless `skip_credentials_validation`, checks the
    /// credentials with one STS GetCallerIdentity call (whose account ID is
    /// then kept for [`AwsConnection::account_id`]).
    pub async fn connect(settings: &AwsSettings) -> Result<AwsConnection, ConnectError> {
        let static_credentials = static_credentials(settings)?;
        let secretsmanager_endpoint = endpoint(
            "secretsmanager",
            non_empty(&settings.secretsmanager_endpoint),
        )?;
        let sts_endpoint = endpoint("sts", non_empty(&settings.sts_endpoint))?;
        let kms_endpoint = endpoint("kms", non_empty(&settings.kms_endpoint))?;
        let profile = non_empty(&settings.profile);
        let home = files::home_dir();
        let config_files = existing_files(
            &settings.shared_config_files,
            "shared_config_files",
            home.as_deref(),
        )?;
        let credentials_files = existing_files(
            &settings.shared_credentials_files,
            "shared_credentials_files",
            home.as_deref(),
        )?;

        // A profile named in the provider block (or in AWS_PROFILE when the
        // chain is in use) must exist: the SDK would otherwise quietly move
        // on to container or instance credentials.
        let env_profile = std::env::var("AWS_PROFILE")
            .ok()
            .filter(|p| !p.is_empty() && static_credentials.is_none());
        if let Some(name) = profile.or(env_profile.as_deref()) {
            check_profile_exists(
                name,
                settings,
                &config_files,
                &credentials_files,
                home.as_deref(),
            )?;
        }

        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Ok(app_name) = AppName::new("terraform-provider-planton") {
            loader = loader.app_name(app_name);
        }
        if let Some(region) = non_empty(&settings.region) {
            loader = loader.region(Region::new(region.to_owned()));
        }
        if let Some(name) = profile {
            loader = loader.profile_name(name);
        }
        // As the SDK resolves them (the environment and profile still
        // count when these are false).
        if settings.use_fips_endpoint {
            loader = loader.use_fips(true);
        }
        if settings.use_dualstack_endpoint {
            loader = loader.use_dual_stack(true);
        }
        let files = profile_files(settings, &config_files, &credentials_files);
        if let Some(files) = files.clone() {
            loader = loader.profile_files(files);
        }
        if let Some(credentials) = static_credentials.clone() {
            loader = loader.credentials_provider(credentials);
        }
        let http_client =
            auth::http::http_client(&settings.auth.http, std::env::var("AWS_CA_BUNDLE").ok())
                .map_err(|problem| {
                    ConnectError::new(Some(problem.attribute), problem.summary, problem.detail)
                })?;
        if let Some(client) = http_client {
            loader = loader.http_client(client);
        }
        if let Some(retries) = settings.max_retries {
            loader = loader
                .retry_config(RetryConfig::standard().with_max_attempts(retries.saturating_add(1)));
        }
        let sdk_config = loader.load().await;
        let sts_region = non_empty(&settings.auth.sts_region).map(|r| Region::new(r.to_owned()));
        let sts_for = |config: &SdkConfig, credentials: Option<SharedCredentialsProvider>| {
            sts_client(
                config,
                sts_endpoint.as_deref(),
                sts_region.as_ref(),
                credentials,
            )
        };

        // Static keys, access keys in the environment and a named profile
        // come before the web identity environment variables, as in the
        // AWS SDKs; the assume_role chain goes on top of whatever is found.
        let env_access_key = std::env::var("AWS_ACCESS_KEY_ID").is_ok_and(|k| !k.is_empty());
        let base_is_explicit = static_credentials.is_some()
            || env_access_key
            || profile.is_some()
            || env_profile.is_some();
        let profile_chain = if static_credentials.is_none() && !env_access_key {
            profile_role_chain(profile, files.unwrap_or_default(), &sdk_config).await?
        } else {
            None
        };
        let chain = auth::chain::credentials_chain(
            &settings.auth,
            profile_chain,
            base_is_explicit,
            &|credentials| sts_for(&sdk_config, credentials),
        );
        let sdk_config = match chain {
            Some(credentials) => sdk_config
                .into_builder()
                .credentials_provider(credentials)
                .build(),
            None => sdk_config,
        };

        let Some(region) = sdk_config.region().map(|r| r.as_ref().to_owned()) else {
            return Err(no_region());
        };
        if !settings.skip_region_validation {
            check_region_shape(&region)?;
        }

        // Secrets Manager calls are retried by `provider::secrets` itself,
        // which paces each operation by its own quota; SDK retries on top
        // would multiply attempts and hide throttling from that pacing.
        let mut sm_config = aws_sdk_secretsmanager::config::Builder::from(&sdk_config)
            .interceptor(CallLog)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(url) = &secretsmanager_endpoint {
            sm_config = sm_config.endpoint_url(url.clone());
        }
        // KMS answers DescribeKey for a handful of keys: the SDK's own
        // retries suffice there.
        let mut kms_config = aws_sdk_kms::config::Builder::from(&sdk_config)
            .interceptor(CallLog)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(url) = &kms_endpoint {
            kms_config = kms_config.endpoint_url(url.clone());
        }

        tracing::debug!(
            region = %region,
            static_credentials = static_credentials.is_some(),
            profile = profile.unwrap_or(""),
            secretsmanager_endpoint = secretsmanager_endpoint.as_deref().unwrap_or(""),
            sts_endpoint = sts_endpoint.as_deref().unwrap_or(""),
            max_retries = ?settings.max_retries,
            assume_role = settings.auth.assume_role.len(),
            "AWS clients configured"
        );

        let connection = AwsConnection {
            secrets_manager: aws_sdk_secretsmanager::Client::from_conf(sm_config.build()),
            secrets_manager_endpoint: secretsmanager_endpoint
                .clone()
                .unwrap_or_else(|| default_endpoint("SECRETS_MANAGER", "secretsmanager", &region)),
            kms: aws_sdk_kms::Client::from_conf(kms_config.build()),
            sts: sts_for(&sdk_config, None),
            region,
            skip_requesting_account_id: settings.skip_requesting_account_id,
            static_credentials: static_credentials.is_some(),
            account_id: OnceCell::new(),
            caller_arn: std::sync::OnceLock::new(),
        };

        // A guard needs the account even when validation is skipped.
        let guard = &settings.auth.guard;
        if !settings.skip_credentials_validation || guard.is_set() {
            let account = connection.caller_account().await?;
            guard.check(&account).map_err(|refused| {
                ConnectError::new(
                    Some(refused.attribute),
                    "AWS account not allowed",
                    refused.detail,
                )
            })?;
            // Cached even when skip_requesting_account_id is set, but then
            // never handed out: account_id() must not depend on whether
            // validation happened to run.
            let _ = connection.account_id.set(account);
        }
        Ok(connection)
    }

    /// The Secrets Manager client.
    pub fn secrets_manager(&self) -> &aws_sdk_secretsmanager::Client {
        &self.secrets_manager
    }

    /// The KMS client (DescribeKey only).
    pub fn kms(&self) -> &aws_sdk_kms::Client {
        &self.kms
    }

    /// Where Secrets Manager requests go: the override, else the endpoint
    /// the environment names, else AWS's regional endpoint.
    pub fn secrets_manager_endpoint(&self) -> &str {
        &self.secrets_manager_endpoint
    }

    /// The region every client uses.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The AWS account ID of the caller: the one seen while validating
    /// credentials, else fetched once with STS GetCallerIdentity and cached.
    /// `None` when `skip_requesting_account_id` is set. A failed fetch is
    /// not cached, so the next call tries again.
    pub async fn account_id(&self) -> Result<Option<String>, ConnectError> {
        if self.skip_requesting_account_id {
            return Ok(None);
        }
        let account = self
            .account_id
            .get_or_try_init(|| self.caller_account())
            .await?;
        Ok(Some(account.clone()))
    }

    /// The caller's ARN, once [`AwsConnection::account_id`] learned the
    /// account; `None` with `skip_requesting_account_id`.
    pub fn caller_arn(&self) -> Option<&str> {
        if self.skip_requesting_account_id {
            return None;
        }
        self.caller_arn.get().map(String::as_str)
    }

    async fn caller_account(&self) -> Result<String, ConnectError> {
        let output = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| validation_error(err, self.static_credentials))?;
        match output.account() {
            Some(account) if !account.is_empty() => {
                if let Some(arn) = output.arn().filter(|a| !a.is_empty()) {
                    let _ = self.caller_arn.set(arn.to_owned());
                }
                tracing::info!(
                    account = %account,
                    caller = output.arn().unwrap_or(""),
                    "AWS caller identity resolved"
                );
                Ok(account.to_owned())
            }
            _ => Err(ConnectError::new(
                None,
                "Unexpected answer from AWS STS",
                "GetCallerIdentity answered without an account ID. If endpoints.sts or \
                 AWS_ENDPOINT_URL_STS points at an emulator, check that it implements STS; \
                 otherwise set skip_requesting_account_id = true.",
            )),
        }
    }
}

fn no_region() -> ConnectError {
    ConnectError::new(
        Some("region"),
        "No AWS region configured",
        "The provider needs an AWS region. Set `region` in the provider block, or the \
         AWS_REGION (or AWS_DEFAULT_REGION) environment variable, or `region` in the \
         selected profile of the shared config file.",
    )
}

/// A region from the environment or a profile gets the check the provider
/// block's `region` gets at validate time, so a stray space fails here,
/// while planning, instead of at the first Secrets Manager call.
fn check_region_shape(region: &str) -> Result<(), ConnectError> {
    if is_region_name(region) {
        return Ok(());
    }
    Err(ConnectError::new(
        Some("region"),
        "Invalid AWS region",
        format!(
            "The region {region:?} (from the provider block, AWS_REGION, AWS_DEFAULT_REGION or \
             the selected profile) is not an AWS region name. Use a name like \"us-east-1\", \
             without spaces."
        ),
    ))
}

/// Checks an endpoint override (see [`endpoint_problem`]).
pub(super) fn endpoint(service: &str, value: Option<&str>) -> Result<Option<String>, ConnectError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match endpoint_problem(value) {
        None => Ok(Some(value.to_owned())),
        Some(problem) => Err(ConnectError::new(
            Some("endpoints"),
            "Invalid endpoint URL",
            format!(
                "endpoints.{service} = {value:?} is not usable: {problem}. Give an absolute \
                 http:// or https:// URL, for example \"http://localhost:4566\"."
            ),
        )),
    }
}
