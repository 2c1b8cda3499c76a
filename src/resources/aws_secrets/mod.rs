//! `planton_aws_secrets`: a set of Secrets Manager secret containers named
//! by the user. Each capability lives in its own file: schema, validation,
//! plan, apply (create/update/delete), read and import.

mod advice;
mod apply;
mod claims;
mod ensure;
mod groups;
mod guard;
mod handover;
mod id;
mod identity;
mod imports;
mod lease;
mod list;
mod model;
mod ownership;
mod plan;
mod read;
mod refusal;
mod report;
mod schema;
mod taken;
mod upgrade;
mod validate;

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::provider::{place, Configured};
use crate::tf::diag::Diagnostics;
use crate::tf::provider::{Context, PlanRequest, Planned, Resource};
use crate::tf::schema::{IdentitySchema, Schema};
use crate::tf::value::{AttributePath, Value};

use claims::NameClaims;
use handover::{CreatePlan, Handovers};
use imports::ImportClaims;
use model::{known_names, SecretsState};
use schema::SECRET_NAMES;

pub use list::AwsSecretsList;

pub const TYPE_NAME: &str = "planton_aws_secrets";

/// One per provider instance, so the names its plans claim are shared by
/// every `planton_aws_secrets` of one provider configuration.
#[derive(Default)]
pub struct AwsSecrets {
    claims: NameClaims,
    /// Objects being replaced, waiting for their replacement's create.
    handovers: Handovers,
    /// Groups the plans of this provider configuration import.
    imports: ImportClaims,
}

impl Drop for AwsSecrets {
    fn drop(&mut self) {
        for id in self.handovers.unclaimed() {
            tracing::warn!(
                resource_id = %id,
                "a replaced planton_aws_secrets object was handed over but no create took it; its secrets stay live and tagged with its id"
            );
        }
    }
}

impl AwsSecrets {
    /// Reports names another resource of this provider configuration
    /// already listed in this plan (rule: a secret has one owner).
    fn claim_names(&self, request: &PlanRequest<'_>, diags: &mut Diagnostics) {
        let Some(names) = known_names(request.config.get_attribute(SECRET_NAMES)) else {
            return;
        };
        let owner = SecretsState::from_value(request.prior).ok().map(|s| s.id);
        let names: BTreeSet<String> = names.into_iter().collect();
        let taken = self.claims.claim(owner.as_deref(), names);
        if taken.is_empty() {
            return;
        }
        diags.error_at(
            AttributePath::root(SECRET_NAMES),
            format!("{} secret name(s) listed by two resources", taken.len()),
            format!(
                "These names are also listed by another planton_aws_secrets resource of this \
                 provider configuration: {}. A secret has one owner; remove each name from one of \
                 the two resources.",
                report::brief_listing(&taken)
            ),
        );
    }
}

impl AwsSecrets {
    /// A state imported and not applied yet moves its group whole, into
    /// this one resource (see `imports`).
    fn check_imports(&self, request: &PlanRequest<'_>, diags: &mut Diagnostics) {
        let Ok(prior) = SecretsState::from_value(request.prior) else {
            return;
        };
        let pending = imports::pending_imports(&prior);
        if pending.is_empty() {
            return;
        }
        let names: Vec<&String> = prior.arns.keys().collect();
        self.imports.claim(&prior.id, &pending, &names, diags);
        if let Some(names) = known_names(request.config.get_attribute(SECRET_NAMES)) {
            imports::check_whole(&prior, &pending, &names, diags);
        }
    }
}

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
        let client = ctx.client_if_configured();
        if let (Some(client), Ok(prior)) = (client, SecretsState::from_value(request.prior)) {
            if !in_place(client, &prior, diags) {
                return None;
            }
        }
        let default_tags = client.map(|c| &c.default_tags);
        self.claim_names(&request, diags);
        self.check_imports(&request, diags);
        match plan::plan(
            request.prior,
            request.config,
            default_tags,
            client.map(Configured::place),
        ) {
            Ok(mut planned) => {
                if request.prior.is_null() {
                    let names = known_names(request.config.get_attribute(SECRET_NAMES));
                    planned.private = CreatePlan::for_names(names.as_deref()).into_private();
                }
                let removed = plan::removed_names(request.prior, &planned.state);
                let window = plan::planned_window(&planned.state)
                    .or(client.map(|c| c.recovery_window_in_days));
                plan::warn_deletions(&removed, window, diags);
                advice::warn(&planned.state, client.map(Configured::place), diags);
                validate::warn_arn_like_suffixes(request.config, request.prior, diags);
                Some(planned)
            }
            Err(problem) => {
                diags.error(
                    "Unreadable planton_aws_secrets state",
                    format!("{problem}. Remove the resource from state (terraform state rm) and import its secrets again."),
                );
                None
            }
        }
    }

    async fn plan_destroy(
        &self,
        ctx: &Context<'_, Configured>,
        prior: &Value,
        diags: &mut Diagnostics,
    ) {
        if let Ok(state) = SecretsState::from_value(prior) {
            let window = state.recovery_window_in_days.or(ctx
                .client_if_configured()
                .map(|c| c.recovery_window_in_days));
            let names: Vec<String> = state.arns.into_keys().collect();
            plan::warn_deletions(&names, window, diags);
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
        let handed_over = known_names(planned.get_attribute(SECRET_NAMES))
            .and_then(|names| self.handovers.take(&names));
        match handed_over {
            Some(old) => apply::replace(client, &ctx.stop, old, planned, diags).await,
            None => apply::create(client, &ctx.stop, planned, diags).await,
        }
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
        planned_private: &[u8],
        diags: &mut Diagnostics,
    ) -> Value {
        let (Some(client), Some(recorded)) = (ctx.client(diags), recorded(prior, diags)) else {
            return prior.clone();
        };
        if !in_place(client, &recorded, diags) {
            return prior.clone();
        }
        // The destroy half of a replacement: the create half continues this
        // object, so nothing is deleted (see `handover`).
        if let Some(plan) = CreatePlan::from_private(planned_private) {
            self.handovers.offer(plan, recorded);
            return Value::Null;
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
        stored: Option<Value>,
        _raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        upgrade::upgrade(version, stored, diags)
    }

    // Resource identity (identity.rs): account, region and ownership id.

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity::identity_schema())
    }

    fn identity(&self, ctx: &Context<'_, Configured>, state: &Value, held: &Value) -> Value {
        identity::identity_of(ctx.client_if_configured(), state, held)
    }

    async fn import_by_identity(
        &self,
        ctx: &Context<'_, Configured>,
        identity: &Value,
        diags: &mut Diagnostics,
    ) -> Value {
        let Some(client) = ctx.client(diags) else {
            return Value::Null;
        };
        identity::import(client, &ctx.stop, identity, diags).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::tf::stop::StopSignal;
    use apply::tests::{configured, planned};

    fn plan_private(resource: &AwsSecrets, client: &Configured, names: &[&str]) -> Vec<u8> {
        let config = planned(names);
        let request = PlanRequest {
            prior: &Value::Null,
            proposed: &config,
            config: &config,
        };
        let ctx = Context::new(Some(client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let planned = futures::executor::block_on(resource.plan(&ctx, request, &mut diags));
        planned.expect("a create plan").private
    }

    #[tokio::test]
    async fn the_destroy_half_of_a_replacement_hands_over_and_a_plain_destroy_deletes() {
        let fake = Arc::new(FakeSecrets::new());
        let client = configured(&fake, &[]);
        let resource = AwsSecrets::default();
        let ctx = Context::new(Some(&client), StopSignal::never());
        let mut diags = Diagnostics::new();
        let names = ["a", "b"];
        let first = resource
            .create(&ctx, &planned(&names), &planned(&names), &mut diags)
            .await;
        assert!(!diags.has_errors(), "{diags:?}");

        // Replacement: the destroy half carries the create plan's private
        // data and writes nothing; the create half continues the object.
        let private = plan_private(&resource, &client, &names);
        let calls = fake.calls().len();
        let gone = resource.delete(&ctx, &first, &private, &mut diags).await;
        assert!(gone.is_null());
        assert_eq!(fake.calls().len(), calls, "no AWS call: {:?}", fake.calls());
        let second = resource
            .create(&ctx, &planned(&names), &planned(&names), &mut diags)
            .await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(second, first, "same id, same ARNs");
        assert!(fake.calls()[calls..]
            .iter()
            .all(|c| c.starts_with("Describe")));

        // A plain destroy carries the object's own (empty) private data.
        assert!(resource
            .delete(&ctx, &second, &[], &mut diags)
            .await
            .is_null());
        assert!(fake.get("a").unwrap().scheduled_for_deletion);
        assert!(resource.handovers.unclaimed().is_empty());
    }
}
