//! The AWS provider layer: the provider block and the AWS clients it
//! builds. Resources, data sources and functions import from here; what the
//! provider offers is listed in `crate::registry`, which imports them.

pub mod arn;
pub mod auth;
pub mod aws;
pub mod batch;
pub mod bounds;
pub mod config;
pub mod endpoints;
pub mod errors;
pub mod ignore_tags;
pub mod key_names;
pub mod keys;
pub mod lookup;
pub mod names;
pub mod outage;
pub mod place;
pub mod policy;
pub mod rate;
pub mod region;
pub mod retry;
pub mod schema;
pub mod secrets;
pub mod settings;
pub mod tags;
#[cfg(test)]
pub mod test_endpoints;
#[cfg(test)]
pub mod test_env;

use std::collections::BTreeMap;
use std::sync::Arc;

use tracing::debug;

use crate::provider::aws::AwsConnection;
use crate::provider::config::Reading;
use crate::provider::ignore_tags::IgnoreTags;
use crate::provider::keys::{KeysApi, SdkKeys};
use crate::provider::retry::RetryPolicy;
use crate::provider::secrets::{SdkSecrets, SecretsApi};
use crate::tf::diag::Diagnostics;
use crate::tf::provider::ConfigureRequest;
use crate::tf::value::Value;

/// What every resource call receives once the provider is configured.
pub struct Configured {
    pub secrets: Arc<dyn SecretsApi>,
    /// KMS DescribeKey, for `kms_key_id` and the keys secrets name.
    pub keys: Arc<dyn KeysApi>,
    pub region: String,
    /// The account the credentials act in; `None` with
    /// `skip_requesting_account_id`.
    pub account_id: Option<String>,
    /// The caller's ARN (STS GetCallerIdentity), learned with the account;
    /// `None` with `skip_requesting_account_id`.
    pub caller_arn: Option<String>,
    /// `default_tags` without the ignored keys.
    pub default_tags: BTreeMap<String, String>,
    pub ignore_tags: IgnoreTags,
    pub recovery_window_in_days: i64,
}

/// Static checks of the provider block; no network access.
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let _ = config::read(config, diags);
}

/// Builds the AWS client from the provider block; `None` when it is not
/// known yet or invalid (the latter with error diagnostics).
pub async fn configure(
    request: ConfigureRequest<'_>,
    diags: &mut Diagnostics,
) -> Option<Configured> {
    let config = match config::read(request.config, diags) {
        Reading::Ready(config) => config,
        Reading::NotYetKnown => {
            debug!("provider configuration has values not known until apply; deferring AWS setup");
            return None;
        }
        Reading::Invalid => return None,
    };
    let connected = match AwsConnection::connect(&config.aws).await {
        Ok(aws) => aws.account_id().await.map(|account| (aws, account)),
        Err(error) => Err(error),
    };
    match connected {
        Ok((aws, account_id)) => {
            debug!(region = aws.region(), "provider configured");
            Some(Configured {
                region: aws.region().to_owned(),
                account_id,
                caller_arn: aws.caller_arn().map(str::to_owned),
                secrets: Arc::new(
                    SdkSecrets::new(
                        aws.secrets_manager().clone(),
                        aws.secrets_manager_endpoint(),
                        RetryPolicy::new(config.aws.max_retries),
                        request.stop.clone(),
                    )
                    .paced(!config.aws.standard_retries),
                ),
                keys: Arc::new(SdkKeys::new(aws.kms().clone())),
                default_tags: config.ignore_tags.without_ignored(&config.default_tags),
                ignore_tags: config.ignore_tags,
                recovery_window_in_days: config.recovery_window_in_days,
            })
        }
        Err(error) => {
            let crate::provider::aws::ConnectError {
                attribute,
                summary,
                detail,
            } = error;
            match attribute {
                Some(name) => {
                    diags.error_at(crate::tf::value::AttributePath::root(name), summary, detail)
                }
                None => diags.error(summary, detail),
            }
            None
        }
    }
}

impl Configured {
    /// Where this provider acts, for [`place::check`].
    pub fn place(&self) -> place::Place<'_> {
        place::Place {
            region: &self.region,
            account: self.account_id.as_deref(),
        }
    }
}
