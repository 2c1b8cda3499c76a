//! `planton_aws_secrets`: a set of Secrets Manager secret containers named
//! by the user. Each capability lives in its own file: schema, validation,
//! plan, apply (create/update/delete), read and import.

mod apply;
mod ensure;
mod id;
mod model;
mod names;
mod plan;
mod policy;
mod read;
mod report;
mod schema;
mod validate;

use async_trait::async_trait;

use crate::provider::{place, Configured};
use crate::tf::diag::Diagnostics;
use crate::tf::provider::{Context, PlanRequest, Planned, Resource};
use crate::tf::schema::Schema;
use crate::tf::value::Value;

use model::SecretsState;
use schema::{ID, READ_POLICY_JSON, SECRET_ARN_MAP, SECRET_NAMES, TAGS_ALL};

pub const TYPE_NAME: &str = "planton_aws_secrets";

pub struct AwsSecrets;

/// Reads recorded state, or explains why it cannot be used.
fn recorded(state: &Value, diags: &mut Diagnostics) -> Option<SecretsState> {
    match SecretsState::from_value(state) {
        Ok(state) => Some(state),
        Err(problem) => {
            diags.error(
                "Unreadable planton_aws_secrets state",
                format!(
                    "The recorded state cannot be used: {problem}. Remove the resource from state \
                     (terraform state rm) and import its secrets again."
                ),
            );
            None
        }
    }
}

/// The recorded secrets are in the provider's region and account; else an
/// error, so one resource never spans two places.
fn in_place(client: &Configured, recorded: &SecretsState, diags: &mut Diagnostics) -> bool {
    place::ensure(
        recorded.arns.values().map(String::as_str),
        client.place(),
        diags,
    )
}

#[async_trait]
impl Resource<Configured> for AwsSecrets {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::resource_schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate_config(config, diags);
    }

    async fn plan(
        &self,
        ctx: &Context<'_, Configured>,
        request: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned> {
        // Terraform validates the configuration (ValidateResourceConfig)
        // right before every plan, so names are already checked here.
        if let (Some(client), Ok(prior)) = (
            ctx.client_if_configured(),
            SecretsState::from_value(request.prior),
        ) {
            if !in_place(client, &prior, diags) {
                return None;
            }
        }
        let default_tags = ctx.client_if_configured().map(|c| &c.default_tags);
        match plan::plan(request.prior, request.config, default_tags) {
            Ok(planned) => Some(planned),
            Err(problem) => {
                diags.error(
                    "Unreadable planton_aws_secrets state",
                    format!("{problem}. Remove the resource from state (terraform state rm) and import its secrets again."),
                );
                None
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context<'_, Configured>,
        planned: &Value,
        _config: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client(diags) else {
            return Value::Null;
        };
        apply::create(client, &ctx.stop, planned, diags).await
    }

    async fn update(
        &self,
        ctx: &Context<'_, Configured>,
        prior: &Value,
        planned: &Value,
        _config: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let (Some(client), Some(recorded)) = (ctx.client(diags), recorded(prior, diags)) else {
            return prior.clone();
        };
        if !in_place(client, &recorded, diags) {
            return prior.clone();
        }
        apply::update(client, &ctx.stop, recorded, planned, diags).await
    }

    async fn delete(
        &self,
        ctx: &Context<'_, Configured>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let (Some(client), Some(recorded)) = (ctx.client(diags), recorded(prior, diags)) else {
            return prior.clone();
        };
        if !in_place(client, &recorded, diags) {
            return prior.clone();
        }
        apply::delete(client, &ctx.stop, recorded, diags).await
    }

    async fn read(
        &self,
        ctx: &Context<'_, Configured>,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let (Some(client), Some(recorded)) = (ctx.client(diags), recorded(state, diags)) else {
            return state.clone();
        };
        if !in_place(client, &recorded, diags) {
            return state.clone();
        }
        read::read(client, &ctx.stop, recorded, diags).await
    }

    async fn import(
        &self,
        ctx: &Context<'_, Configured>,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client(diags) else {
            return Value::Null;
        };
        read::import(client, &ctx.stop, id, diags).await
    }

    fn upgrade_state(
        &self,
        version: i64,
        _raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        // Version 0 is the first; the engine decodes current-version state
        // itself, so reaching here means a version no release wrote.
        diags.error(
            "Unknown planton_aws_secrets state version",
            format!("State schema version {version} was never written by this provider. Remove the resource from state and import it again."),
        );
        None
    }

    fn generate_config(&self, state: &Value, _diags: &mut Diagnostics) -> Value {
        let names = state
            .get_attribute(SECRET_NAMES)
            .cloned()
            .unwrap_or(Value::Null);
        Value::Object(
            [
                (SECRET_NAMES, names),
                (ID, Value::Null),
                (SECRET_ARN_MAP, Value::Null),
                (READ_POLICY_JSON, Value::Null),
                (TAGS_ALL, Value::Null),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        )
    }
}
