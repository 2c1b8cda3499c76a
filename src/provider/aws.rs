//! Building the AWS clients from the provider block.
//!
//! Resolution follows the hashicorp/aws provider's conventions on top of the
//! AWS SDK's own chains:
//!
//! - **Region**: the `region` argument, else the SDK chain (`AWS_REGION`,
//!   `AWS_DEFAULT_REGION`, the selected profile, then EC2 instance metadata).
//!   No region at all is an error on `region`.
//! - **Credentials**: `access_key` + `secret_key` (+ `token`) when given,
//!   else the SDK's default chain (environment, profile files, web identity,
//!   container and instance metadata) using `profile` and the given shared
//!   config/credentials files. Credentials are resolved lazily by the SDK.
//!   Web identity and the `assume_role` chain go on top ([`crate::provider::auth`]),
//!   through STS clients built like the provider's own ([`sts_client`]).
//! - **Endpoints**: `endpoints.secretsmanager` / `endpoints.sts` override one
//!   service each. Otherwise the SDK applies `AWS_ENDPOINT_URL_SECRETS_MANAGER`
//!   / `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then `endpoint_url`
//!   in the profile (all ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
//!   is true).
//! - **Retries**: `max_retries` retries on top of the first attempt in the
//!   SDK's standard mode; unset leaves the SDK default (which honours
//!   `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`).
//! - **Timeouts**: every client has a connect and a per-attempt timeout, and
//!   STS a bound on the whole operation (`provider::bounds`), so a dead
//!   endpoint fails the configure step instead of hanging it.
//!
//! With `skip_credentials_validation`, [`AwsConnection::connect`] sends no
//! request to AWS. (If no region is configured anywhere, the SDK's region
//! chain still asks EC2 instance metadata, as the AWS provider does; set
//! `AWS_EC2_METADATA_DISABLED=true` to stop that.)
//!
//! Credentials never reach a log line, an error message or a `Debug` output.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::provider::bounds::{
    ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, STS_ATTEMPT_TIMEOUT, STS_OPERATION_TIMEOUT,
};
use aws_config::provider_config::ProviderConfig;
use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::os_shim_internal::{Env, Fs};
use tokio::sync::OnceCell;

use crate::provider::auth::{self, AuthSettings};

/// Everything the provider block can say about reaching AWS (typed; already
/// validated for shape). Empty strings count as unset, as in the AWS provider.
#[derive(Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub secretsmanager_endpoint: Option<String>,
    pub sts_endpoint: Option<String>,
    pub skip_credentials_validation: bool,
    pub skip_requesting_account_id: bool,
    pub max_retries: Option<u32>,
    /// Role assumption, web identity, account guards, STS region, CA
    /// bundle and proxies.
    pub auth: AuthSettings,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only whether a credential is present, never any part of it.
        fn redacted(value: &Option<String>) -> &'static str {
            match value {
                Some(_) => "(sensitive)",
                None => "(unset)",
            }
        }
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("access_key", &redacted(&self.access_key))
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("secretsmanager_endpoint", &self.secretsmanager_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field(
                "skip_credentials_validation",
                &self.skip_credentials_validation,
            )
            .field(
                "skip_requesting_account_id",
                &self.skip_requesting_account_id,
            )
            .field("max_retries", &self.max_retries)
            .field("auth", &self.auth)
            .finish()
    }
}

/// Why the provider cannot talk to AWS, phrased for a Terraform diagnostic.
///
/// `attribute` names the provider-block argument at fault, when one is
/// (`"region"`, `"access_key"`, `"secret_key"`, `"profile"`,
/// `"shared_config_files"`, `"shared_credentials_files"`, `"endpoints"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct ConnectError {
    pub attribute: Option<&'static str>,
    pub summary: String,
    pub detail: String,
}

impl ConnectError {
    fn new(
        attribute: Option<&'static str>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        ConnectError {
            attribute,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Configured AWS clients for the provider's lifetime.
pub struct AwsConnection {
    secrets_manager: aws_sdk_secretsmanager::Client,
    /// Where Secrets Manager requests go, for diagnostics.
    secrets_manager_endpoint: String,
    sts: aws_sdk_sts::Client,
    region: String,
    skip_requesting_account_id: bool,
    /// Whether `access_key`/`secret_key` came from the provider block, so a
    /// rejection can point at them.
    static_credentials: bool,
    account_id: OnceCell<String>,
}

impl fmt::Debug for AwsConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsConnection")
            .field("region", &self.region)
            .field("account_id", &self.account_id.get())
            .finish_non_exhaustive()
    }
}

/// Recorded as the source of credentials from the provider block.
const STATIC_CREDENTIALS_SOURCE: &str = "provider configuration";

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
        let profile = non_empty(&settings.profile);
        let home = std::env::var("HOME").ok();
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
        let chain = auth::credentials_chain(
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
        check_region_shape(&region)?;

        // Secrets Manager calls are retried by `provider::secrets` itself,
        // which paces each operation by its own quota; SDK retries on top
        // would multiply attempts and hide throttling from that pacing.
        let mut sm_config = aws_sdk_secretsmanager::config::Builder::from(&sdk_config)
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
            sts: sts_for(&sdk_config, None),
            region,
            skip_requesting_account_id: settings.skip_requesting_account_id,
            static_credentials: static_credentials.is_some(),
            account_id: OnceCell::new(),
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

    async fn caller_account(&self) -> Result<String, ConnectError> {
        let output = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| self.sts_error(err))?;
        match output.account() {
            Some(account) if !account.is_empty() => {
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

    fn sts_error<E, R>(&self, err: SdkError<E, R>) -> ConnectError
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        const ADVICE: &str = "check access_key/secret_key, profile or the environment \
            (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE), or set \
            skip_credentials_validation = true to skip this check";
        let attribute = self.static_credentials.then_some("access_key");
        if let Some(refused) = auth::role_refusal(&err) {
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
    if crate::provider::config::is_region_name(region) {
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

/// AWS's endpoint for `service` in `region`, or the one the environment
/// names for it (the SDK reads the same variables): only for naming the
/// endpoint in diagnostics.
fn default_endpoint(env_suffix: &str, service: &str, region: &str) -> String {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let from_env = [
        format!("AWS_ENDPOINT_URL_{env_suffix}"),
        "AWS_ENDPOINT_URL".to_owned(),
    ]
    .into_iter()
    .filter(|_| !ignored)
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    from_env.unwrap_or_else(|| format!("https://{service}.{region}.amazonaws.com"))
}

/// The role chain of the profile the SDK would take credentials from
/// (`profile`, else `AWS_PROFILE`, else `default`), with what its base
/// needs from `config`; `None` when that profile assumes no role. Files the
/// SDK cannot read are left for it to report.
async fn profile_role_chain(
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

/// An STS client for `config` (the provider's region, retries and timeouts)
/// with the `endpoints.sts` override and `sts_region`; it signs with
/// `credentials` when given, else with `config`'s. Every STS call the
/// provider makes, role assumption included, goes through one of these.
fn sts_client(
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
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// The first error of type `T` in `err`'s source chain, `err` included.
fn find_source<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// `err` and its sources joined with ": ", skipping repeats. Display text
/// only: `Debug` output of SDK errors is long and not meant for users.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = without_request_dump(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Some SDK errors put a `Debug` dump of the whole request (headers and
/// body) in their `Display` text ("... to request `Request { body: ... }`:
/// ..."); a diagnostic says "the request" instead.
fn without_request_dump(text: &str) -> String {
    const OPEN: &str = "`Request {";
    const CLOSE: &str = "}`";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].rfind(CLOSE) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str("the request");
        rest = &rest[start + len + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Credentials from the provider block, if any. Half a key pair is an error
/// naming the missing half; a token alone is an error too.
fn static_credentials(settings: &AwsSettings) -> Result<Option<Credentials>, ConnectError> {
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

/// What is wrong with an endpoint URL, if anything: it must be an absolute
/// http(s) URL with a host and no whitespace (URL parsing would quietly trim
/// a trailing space that the SDK then refuses at the first request).
pub(crate) fn endpoint_problem(value: &str) -> Option<String> {
    if value.contains(char::is_whitespace) {
        return Some("it contains whitespace".to_owned());
    }
    match url::Url::parse(value) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            Some(format!("its scheme is {:?}", url.scheme()))
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => Some("it has no host".to_owned()),
        Ok(_) => None,
        Err(err) => Some(err.to_string()),
    }
}

/// Checks an endpoint override (see [`endpoint_problem`]).
fn endpoint(service: &str, value: Option<&str>) -> Result<Option<String>, ConnectError> {
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

/// `~/` at the start of a path means the home directory, as in the AWS CLI.
fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ if path == "~" && home.is_some() => PathBuf::from(home.unwrap_or_default()),
        _ => PathBuf::from(path),
    }
}

/// The listed files that exist, with `~` expanded. Missing ones are skipped
/// with a warning, as the AWS provider does (the SDK would otherwise fail to
/// load every profile because of one missing file); any other read problem
/// is an error on the attribute.
fn existing_files(
    paths: &[String],
    attribute: &'static str,
    home: Option<&str>,
) -> Result<Vec<PathBuf>, ConnectError> {
    let mut found = Vec::new();
    for path in paths.iter().filter(|p| !p.is_empty()) {
        let expanded = expand_home(path, home);
        match std::fs::metadata(&expanded) {
            Ok(meta) if meta.is_file() => found.push(expanded),
            Ok(_) => {
                return Err(ConnectError::new(
                    Some(attribute),
                    "Invalid shared AWS file",
                    format!("{attribute} lists {path:?}, which is not a regular file."),
                ))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %expanded.display(), attribute, "shared AWS file not found; skipped");
            }
            Err(err) => {
                return Err(ConnectError::new(
                    Some(attribute),
                    "Cannot read shared AWS file",
                    format!("{attribute} lists {path:?}, which cannot be read: {err}."),
                ))
            }
        }
    }
    Ok(found)
}

/// The profile file set for the SDK, or `None` to keep its defaults
/// (`AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/...`).
/// Listing files of one kind replaces the default file of that kind only.
fn profile_files(
    settings: &AwsSettings,
    config_files: &[PathBuf],
    credentials_files: &[PathBuf],
) -> Option<EnvConfigFiles> {
    use aws_runtime::env_config::file::EnvConfigFileKind as ProfileFileKind;

    let custom_config = settings.shared_config_files.iter().any(|p| !p.is_empty());
    let custom_credentials = settings
        .shared_credentials_files
        .iter()
        .any(|p| !p.is_empty());
    if !custom_config && !custom_credentials {
        return None;
    }
    let mut builder = EnvConfigFiles::builder()
        .include_default_config_file(!custom_config)
        .include_default_credentials_file(!custom_credentials);
    for file in config_files {
        builder = builder.with_file(ProfileFileKind::Config, file);
    }
    for file in credentials_files {
        builder = builder.with_file(ProfileFileKind::Credentials, file);
    }
    // The SDK refuses an empty set; every listed file may have been missing.
    builder = builder.with_contents(ProfileFileKind::Config, "");
    Some(builder.build())
}

/// Errors unless `name` has a section in one of the profile files the SDK
/// will read. The scan is deliberately lenient (any `[name]` or
/// `[profile name]` header counts): it only exists to catch a profile that
/// is certainly absent.
fn check_profile_exists(
    name: &str,
    settings: &AwsSettings,
    config_files: &[PathBuf],
    credentials_files: &[PathBuf],
    home: Option<&str>,
) -> Result<(), ConnectError> {
    let default_file = |env: &str, default: &str| -> PathBuf {
        let path = std::env::var(env)
            .ok()
            .filter(|p| !p.is_empty())
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(default));
        expand_home(&path, home)
    };
    let mut files: Vec<PathBuf> = Vec::new();
    if settings.shared_config_files.iter().any(|p| !p.is_empty()) {
        files.extend_from_slice(config_files);
    } else {
        files.push(default_file("AWS_CONFIG_FILE", "~/.aws/config"));
    }
    if settings
        .shared_credentials_files
        .iter()
        .any(|p| !p.is_empty())
    {
        files.extend_from_slice(credentials_files);
    } else {
        files.push(default_file(
            "AWS_SHARED_CREDENTIALS_FILE",
            "~/.aws/credentials",
        ));
    }

    let found = files.iter().any(|file| {
        std::fs::read_to_string(file)
            .map(|text| section_names(&text).any(|section| section == name))
            .unwrap_or(false)
    });
    if found {
        return Ok(());
    }
    let searched = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(ConnectError::new(
        Some("profile"),
        "AWS profile not found",
        format!(
            "The profile {name:?} is not defined in any shared AWS file read ({}). Check \
             profile (or AWS_PROFILE), shared_config_files and shared_credentials_files.",
            if searched.is_empty() {
                "none"
            } else {
                &searched
            }
        ),
    ))
}

/// Profile names declared in an ini-style AWS file: `[name]` or
/// `[profile name]`.
fn section_names(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let line = line.trim_start();
        let inner = line.strip_prefix('[')?;
        let inner = inner[..inner.find(']')?].trim();
        Some(match inner.strip_prefix("profile") {
            Some(rest) if rest.starts_with(char::is_whitespace) => rest.trim(),
            _ => inner,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::test_endpoints::{answering, closed_port_url};
    use std::sync::atomic::Ordering;

    async fn fake_sts(
        status: &'static str,
        body: &'static str,
    ) -> (
        String,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
        std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    ) {
        answering(status, "text/xml", body).await
    }

    const ACCESS_KEY: &str = "AKIAEXAMPLEACCESSKEY";
    const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

    fn static_settings(endpoint: &str) -> AwsSettings {
        AwsSettings {
            region: Some("eu-west-1".into()),
            access_key: Some(ACCESS_KEY.into()),
            secret_key: Some(SECRET_KEY.into()),
            token: Some(TOKEN.into()),
            secretsmanager_endpoint: Some(endpoint.into()),
            sts_endpoint: Some(endpoint.into()),
            max_retries: Some(0),
            ..AwsSettings::default()
        }
    }

    const IDENTITY_OK: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/tester</Arn>
    <UserId>AIDAEXAMPLEUSERID</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

    const IDENTITY_REJECTED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
</ErrorResponse>"#;

    fn assert_no_secret(text: &str) {
        for secret in [ACCESS_KEY, SECRET_KEY, TOKEN] {
            assert!(!text.contains(secret), "credential leaked into: {text}");
        }
    }

    #[test]
    fn half_a_key_pair_names_the_missing_half() {
        let only_access = AwsSettings {
            access_key: Some(ACCESS_KEY.into()),
            ..AwsSettings::default()
        };
        let err = static_credentials(&only_access).unwrap_err();
        assert_eq!(err.attribute, Some("secret_key"));
        assert_no_secret(&err.to_string());

        let only_secret = AwsSettings {
            secret_key: Some(SECRET_KEY.into()),
            ..AwsSettings::default()
        };
        let err = static_credentials(&only_secret).unwrap_err();
        assert_eq!(err.attribute, Some("access_key"));
        assert_no_secret(&err.to_string());

        let only_token = AwsSettings {
            token: Some(TOKEN.into()),
            ..AwsSettings::default()
        };
        assert_eq!(
            static_credentials(&only_token).unwrap_err().attribute,
            Some("access_key")
        );

        // Empty strings count as unset.
        let empty = AwsSettings {
            access_key: Some(String::new()),
            secret_key: Some(String::new()),
            ..AwsSettings::default()
        };
        assert!(static_credentials(&empty).unwrap().is_none());
    }

    #[tokio::test]
    async fn connect_rejects_half_a_key_pair_before_anything_else() {
        let mut settings = static_settings("http://127.0.0.1:1");
        settings.secret_key = None;
        let err = AwsConnection::connect(&settings).await.unwrap_err();
        assert_eq!(err.attribute, Some("secret_key"));
    }

    #[test]
    fn debug_redacts_credentials() {
        let settings = static_settings("http://localhost:4566");
        let text = format!("{settings:?}");
        assert_no_secret(&text);
        assert!(text.contains("access_key: \"(sensitive)\""), "{text}");
        assert!(text.contains("secret_key: \"(sensitive)\""), "{text}");
        assert!(text.contains("token: \"(sensitive)\""), "{text}");
        assert!(text.contains("eu-west-1"), "{text}");
        let text = format!("{:#?}", AwsSettings::default());
        assert!(text.contains("(unset)"), "{text}");
    }

    #[tokio::test]
    async fn skip_validation_makes_no_network_call() {
        // Nothing listens on the endpoint: any request would fail.
        let url = closed_port_url().await;
        let mut settings = static_settings(&url);
        settings.skip_credentials_validation = true;
        settings.skip_requesting_account_id = true;
        let connection = AwsConnection::connect(&settings).await.unwrap();
        assert_eq!(connection.region(), "eu-west-1");
        assert_eq!(connection.account_id().await.unwrap(), None);
        assert_no_secret(&format!("{connection:?}"));
    }

    #[tokio::test]
    async fn validation_fetches_account_id_once() {
        let (url, count, seen) = fake_sts("200 OK", IDENTITY_OK).await;
        let connection = AwsConnection::connect(&static_settings(&url))
            .await
            .unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            assert_eq!(
                connection.account_id().await.unwrap().as_deref(),
                Some("123456789012")
            );
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let request = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
        assert!(request.contains("Action=GetCallerIdentity"), "{request}");
        // The secret key signs; it is never sent.
        assert!(!request.contains(SECRET_KEY));
    }

    #[tokio::test]
    async fn account_id_is_fetched_lazily_once_when_validation_is_skipped() {
        let (url, count, _) = fake_sts("200 OK", IDENTITY_OK).await;
        let mut settings = static_settings(&url);
        settings.skip_credentials_validation = true;
        let connection = AwsConnection::connect(&settings).await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert_eq!(
            connection.account_id().await.unwrap().as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            connection.account_id().await.unwrap().as_deref(),
            Some("123456789012")
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn skip_requesting_account_id_hides_a_validated_account() {
        let (url, count, _) = fake_sts("200 OK", IDENTITY_OK).await;
        let mut settings = static_settings(&url);
        settings.skip_requesting_account_id = true;
        let connection = AwsConnection::connect(&settings).await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(connection.account_id().await.unwrap(), None);
    }

    #[tokio::test]
    async fn rejected_credentials_are_reported_clearly() {
        let (url, _, _) = fake_sts("403 Forbidden", IDENTITY_REJECTED).await;
        let err = AwsConnection::connect(&static_settings(&url))
            .await
            .unwrap_err();
        assert_eq!(err.attribute, Some("access_key"));
        assert!(
            err.detail
                .starts_with("AWS rejected the provider's credentials: InvalidClientTokenId"),
            "{err:?}"
        );
        assert!(
            err.detail.contains("skip_credentials_validation"),
            "{err:?}"
        );
        assert_no_secret(&err.to_string());
    }

    #[tokio::test]
    async fn unreachable_sts_is_not_called_a_credential_problem() {
        let url = closed_port_url().await;
        let err = AwsConnection::connect(&static_settings(&url))
            .await
            .unwrap_err();
        assert_eq!(err.summary, "Cannot reach AWS STS", "{err:?}");
        assert_eq!(err.attribute, None);
        assert_no_secret(&err.to_string());
    }

    #[tokio::test]
    async fn bad_endpoint_is_an_error_on_endpoints() {
        let mut settings = static_settings("http://localhost:4566");
        settings.sts_endpoint = Some("localhost:4566".into());
        let err = AwsConnection::connect(&settings).await.unwrap_err();
        assert_eq!(err.attribute, Some("endpoints"));
        assert!(err.detail.contains("endpoints.sts"), "{err:?}");
        assert!(endpoint("sts", Some("ftp://example.com")).is_err());
        assert!(endpoint("sts", Some("https://sts.example.com/")).is_ok());
        assert_eq!(endpoint("sts", None).unwrap(), None);
    }

    #[test]
    fn home_expansion() {
        assert_eq!(
            expand_home("~/.aws/config", Some("/home/u")),
            PathBuf::from("/home/u/.aws/config")
        );
        assert_eq!(expand_home("~", Some("/home/u")), PathBuf::from("/home/u"));
        assert_eq!(
            expand_home("/etc/aws", Some("/home/u")),
            PathBuf::from("/etc/aws")
        );
        assert_eq!(expand_home("~/x", None), PathBuf::from("~/x"));
        assert_eq!(
            expand_home("~other/x", Some("/home/u")),
            PathBuf::from("~other/x")
        );
    }

    #[test]
    fn profile_sections_are_recognised() {
        let text = "[default]\nregion = x\n[profile dev]\n  [ profile  ops ] # note\n[prod]\n\
                    [sso-session corp]\nkey = [not a section]\n";
        let names: Vec<_> = section_names(text).collect();
        assert_eq!(names, ["default", "dev", "ops", "prod", "sso-session corp"]);
    }

    #[test]
    fn missing_shared_files_are_skipped_and_profiles_checked() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "[profile dev]\nregion = eu-central-1\n").unwrap();
        let missing = dir.path().join("missing");
        let settings = AwsSettings {
            shared_config_files: vec![config.display().to_string(), missing.display().to_string()],
            shared_credentials_files: vec![missing.display().to_string()],
            ..AwsSettings::default()
        };
        let config_files =
            existing_files(&settings.shared_config_files, "shared_config_files", None).unwrap();
        assert_eq!(config_files, vec![config.clone()]);
        let credentials_files = existing_files(
            &settings.shared_credentials_files,
            "shared_credentials_files",
            None,
        )
        .unwrap();
        assert!(credentials_files.is_empty());
        assert!(profile_files(&settings, &config_files, &credentials_files).is_some());

        check_profile_exists("dev", &settings, &config_files, &credentials_files, None).unwrap();
        let err = check_profile_exists("typo", &settings, &config_files, &credentials_files, None)
            .unwrap_err();
        assert_eq!(err.attribute, Some("profile"));
        assert!(err.detail.contains("\"typo\""), "{err:?}");

        let err = existing_files(
            &[dir.path().display().to_string()],
            "shared_config_files",
            None,
        )
        .unwrap_err();
        assert_eq!(err.attribute, Some("shared_config_files"));
    }

    // The environment is process-global, so cases that depend on it run in
    // a child copy of this test binary with a scrubbed environment instead
    // of editing variables that other tests may be reading.

    /// Names the case a child process runs.
    const CHILD_CASE: &str = "PLANTON_TEST_AWS_CHILD_CASE";

    /// Entry point of the child processes; a no-op in a normal run.
    #[test]
    fn child_process_entry() {
        let Ok(case) = std::env::var(CHILD_CASE) else {
            return;
        };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(child_case(&case));
    }

    async fn child_case(case: &str) {
        let mut settings = static_settings("http://127.0.0.1:1");
        settings.skip_credentials_validation = true;
        match case {
            "no-region" => {
                settings.region = None;
                let err = AwsConnection::connect(&settings).await.unwrap_err();
                assert_eq!(err.attribute, Some("region"));
                assert!(err.detail.contains("AWS_REGION"), "{err:?}");
            }
            "region-from-env" => {
                settings.region = None;
                let connection = AwsConnection::connect(&settings).await.unwrap();
                assert_eq!(connection.region(), "ap-south-1");
            }
            "no-credentials" => {
                settings.access_key = None;
                settings.secret_key = None;
                settings.token = None;
                settings.skip_credentials_validation = false;
                let err = AwsConnection::connect(&settings).await.unwrap_err();
                assert_eq!(err.summary, "No AWS credentials found", "{err:?}");
                assert_eq!(err.attribute, None);
                assert!(err.detail.contains("no credentials found"), "{err:?}");
            }
            "endpoints-from-env" | "endpoint-setting-wins" => {
                settings.sts_endpoint = None;
                settings.secretsmanager_endpoint = std::env::var("PLANTON_TEST_SM_ENDPOINT").ok();
                let connection = AwsConnection::connect(&settings).await.unwrap();
                assert_eq!(
                    connection.account_id().await.unwrap().as_deref(),
                    Some("123456789012")
                );
                // The answer is STS XML, not Secrets Manager JSON; only
                // where the request went matters.
                let _ = connection.secrets_manager().list_secrets().send().await;
            }
            other => panic!("unknown child case {other}"),
        }
    }

    async fn run_child(case: &str, envs: &[(&str, &str)]) {
        let home = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "provider::aws::tests::child_process_entry",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env_clear()
            .env(CHILD_CASE, case)
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(envs.iter().copied());
        let output = tokio::process::Command::from(command)
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child case {case} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[tokio::test]
    async fn missing_region_is_reported() {
        run_child("no-region", &[]).await;
    }

    #[tokio::test]
    async fn region_comes_from_the_environment_when_not_set() {
        run_child("region-from-env", &[("AWS_REGION", "ap-south-1")]).await;
        run_child("region-from-env", &[("AWS_DEFAULT_REGION", "ap-south-1")]).await;
    }

    #[tokio::test]
    async fn missing_credentials_are_not_called_a_network_problem() {
        run_child("no-credentials", &[]).await;
    }

    #[tokio::test]
    async fn endpoint_environment_variables_are_honoured() {
        let (global, global_count, _) = fake_sts("200 OK", IDENTITY_OK).await;
        let (sm, sm_count, sm_seen) = fake_sts("200 OK", IDENTITY_OK).await;
        run_child(
            "endpoints-from-env",
            &[
                ("AWS_ENDPOINT_URL", &global),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &sm),
            ],
        )
        .await;
        // STS used the global variable, Secrets Manager its own one.
        assert_eq!(global_count.load(Ordering::SeqCst), 1);
        assert_eq!(sm_count.load(Ordering::SeqCst), 1);
        let request = String::from_utf8_lossy(&sm_seen.lock().unwrap()).into_owned();
        assert!(request.contains("secretsmanager.ListSecrets"), "{request}");

        // An endpoint in the provider block beats both variables.
        let (setting, setting_count, _) = fake_sts("200 OK", IDENTITY_OK).await;
        run_child(
            "endpoint-setting-wins",
            &[
                ("AWS_ENDPOINT_URL", &global),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &sm),
                ("PLANTON_TEST_SM_ENDPOINT", &setting),
            ],
        )
        .await;
        assert_eq!(setting_count.load(Ordering::SeqCst), 1);
        assert_eq!(sm_count.load(Ordering::SeqCst), 1);
        assert_eq!(global_count.load(Ordering::SeqCst), 2);
    }
}
