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
//!   through STS clients built like the provider's own ([`sts::sts_client`]).
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
//!
//! By concern: [`connection`] builds the clients, [`credentials`] finds the
//! base credentials, [`files`] reads the shared AWS files, [`sts`] builds
//! STS clients and explains their failures, [`connect_error`] is the error
//! all of them return. The typed settings come from
//! [`crate::provider::settings`]; nothing here reads the provider block.

mod call_log;
mod connect_error;
mod connection;
mod credentials;
mod files;
mod sts;

pub use connect_error::ConnectError;
pub use connection::AwsConnection;

/// Kept at its old path for `provider::secrets`, which reports SDK errors
/// with it; it lives in [`crate::provider::errors`].
pub(crate) use crate::provider::errors::error_chain;

#[cfg(test)]
mod chain_tests;
#[cfg(test)]
mod tests;
