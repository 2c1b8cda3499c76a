//! The AWS provider layer: the provider block, the AWS clients it builds,
//! and the resources it offers.

pub mod auth;
pub mod aws;
pub mod batch;
pub mod config;
#[cfg(test)]
pub(crate) mod fake_http;
pub mod place;
pub mod rate;
pub mod retry;
pub mod schema;
pub mod secrets;
pub mod tags;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tracing::debug;

use crate::provider::aws::AwsConnection;
use crate::provider::config::Reading;
use crate::provider::retry::RetryPolicy;
use crate::provider::secrets::{SdkSecrets, SecretsApi};
use crate::tf::diag::Diagnostics;
use crate::tf::provider::{ConfigureRequest, Provider, Resource};
use crate::tf::schema::Schema;
use crate::tf::value::Value;

/// What every resource call receives once the provider is configured.
pub struct Configured {
    pub secrets: Arc<dyn SecretsApi>,
    pub region: String,
    /// The account the credentials act in; `None` with
    /// `skip_requesting_account_id`.
    pub account_id: Option<String>,
    pub default_tags: BTreeMap<String, String>,
    pub recovery_window_in_days: i64,
}

/// The `planton` provider.
#[derive(Default)]
pub struct PlantonProvider;

#[async_trait]
impl Provider for PlantonProvider {
    type Client = Configured;

    fn name(&self) -> &'static str {
        "planton"
    }

    fn schema(&self) -> Schema {
        schema::provider_schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        let _ = config::read(config, diags);
    }

    async fn configure(
        &self,
        request: ConfigureRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Configured> {
        let config = match config::read(request.config, diags) {
            Reading::Ready(config) => config,
            Reading::NotYetKnown => {
                debug!(
                    "provider configuration has values not known until apply; deferring AWS setup"
                );
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
                    secrets: Arc::new(SdkSecrets::new(
                        aws.secrets_manager().clone(),
                        RetryPolicy::new(config.aws.max_retries),
                        request.stop.clone(),
                    )),
                    default_tags: config.default_tags,
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

    fn resources(&self) -> Vec<Arc<dyn Resource<Configured>>> {
        vec![Arc::new(crate::resources::aws_secrets::AwsSecrets)]
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
