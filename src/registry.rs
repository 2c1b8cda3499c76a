//! The `planton` provider: its block and the lists of what it offers.
//!
//! Adding a resource, data source, function or list resource is its own
//! module plus one line in a list here. This module imports the offerings; they import
//! only `crate::provider` (the AWS layer), never this registry.

use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::{schema, Configured};
use crate::tf::data_source::DataSource;
use crate::tf::diag::Diagnostics;
use crate::tf::function::Function;
use crate::tf::list_resource::ListResource;
use crate::tf::provider::{ConfigureRequest, Provider, Resource};
use crate::tf::schema::Schema;
use crate::tf::value::Value;

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
        crate::provider::validate_config(config, diags);
    }

    async fn configure(
        &self,
        request: ConfigureRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Configured> {
        crate::provider::configure(request, diags).await
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Configured>>> {
        vec![Arc::new(
            crate::resources::aws_secrets::AwsSecrets::default(),
        )]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Configured>>> {
        vec![Arc::new(crate::data_sources::aws_secrets::AwsSecretsData)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(crate::functions::read_policy_json::ReadPolicyJson)]
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Configured>>> {
        vec![Arc::new(crate::resources::aws_secrets::AwsSecretsList)]
    }
}
