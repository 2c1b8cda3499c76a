//! The boundary between the generic protocol layer and a concrete provider.
//!
//! A provider describes its own configuration and hands out resources; each
//! resource owns its schema and its lifecycle. Both see only decoded
//! [`Value`]s and [`Diagnostics`], never protobuf messages.

use std::sync::Arc;

use async_trait::async_trait;

use crate::tf::diag::Diagnostics;
use crate::tf::schema::Schema;
use crate::tf::stop::StopSignal;
use crate::tf::value::{AttributePath, Value};

/// A Terraform provider: its configuration and the resources it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` builds and every resource call receives.
    type Client: Send + Sync + 'static;

    /// The provider's local name, the prefix of its resource type names.
    fn name(&self) -> &'static str;

    /// The provider block's schema.
    fn schema(&self) -> Schema;

    /// Static checks of the provider block; no network access.
    fn validate_config(&self, config: &Value, diags: &mut Diagnostics);

    /// Builds the client from the provider block. `None` with no error
    /// diagnostics means the configuration is not known yet (plan time).
    async fn configure(
        &self,
        request: ConfigureRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Self::Client>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Client>>>;
}

pub struct ConfigureRequest<'a> {
    pub config: &'a Value,
    pub terraform_version: &'a str,
    /// Raised by StopProvider; clients keep it to abandon waits and retries.
    pub stop: StopSignal,
}

/// What a resource call may use besides its own input: the configured
/// client, if any, and the signal that Terraform asked the provider to stop.
pub struct Context<'a, C> {
    client: Option<&'a C>,
    pub stop: StopSignal,
}

impl<'a, C> Context<'a, C> {
    pub fn new(client: Option<&'a C>, stop: StopSignal) -> Self {
        Self { client, stop }
    }

    /// The configured client, or an error diagnostic saying why there is none.
    pub fn client(&self, diags: &mut Diagnostics) -> Option<&'a C> {
        if self.client.is_none() {
            diags.error(
                "Provider not configured",
                "This operation needs the provider's AWS client, but the provider block could \
                 not be configured (its values may not be known until apply, or configuring it \
                 failed with an error shown above). Make the provider's arguments known and valid.",
            );
        }
        self.client
    }

    /// The client when configured; plan uses this to enrich, never to require.
    pub fn client_if_configured(&self) -> Option<&'a C> {
        self.client
    }
}

/// A plan request for a resource that is created or updated (destroy plans
/// reach the resource as `plan_destroy`).
pub struct PlanRequest<'a> {
    /// `Value::Null` when the resource is being created.
    pub prior: &'a Value,
    /// Terraform's merge of config and prior state.
    pub proposed: &'a Value,
    pub config: &'a Value,
}

/// The planned new state and which attribute changes force replacement.
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// A managed resource type. Every method that changes or reads remote
/// objects returns the state to record, which must describe what really
/// exists even when it also reports errors (`Value::Null` = nothing exists).
#[async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    /// Full type name, e.g. `planton_aws_secrets`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Static checks of the resource block; no network access.
    fn validate_config(&self, config: &Value, diags: &mut Diagnostics);

    async fn plan(
        &self,
        ctx: &Context<'_, C>,
        request: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned>;

    /// A destroy is being planned (Terraform 1.3 and later, which honour
    /// the `plan_destroy` capability): the resource may warn about what the
    /// destroy will do. Nothing to decide, so by default nothing is said.
    async fn plan_destroy(&self, _ctx: &Context<'_, C>, _prior: &Value, _diags: &mut Diagnostics) {}

    async fn create(
        &self,
        ctx: &Context<'_, C>,
        planned: &Value,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value;

    async fn update(
        &self,
        ctx: &Context<'_, C>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Value;

    /// Returns `Value::Null` when everything is gone, or what still exists.
    async fn delete(&self, ctx: &Context<'_, C>, prior: &Value, diags: &mut Diagnostics) -> Value;

    /// Refreshes state; `Value::Null` means the remote object is gone.
    async fn read(&self, ctx: &Context<'_, C>, state: &Value, diags: &mut Diagnostics) -> Value;

    /// Builds state from an import ID.
    async fn import(&self, ctx: &Context<'_, C>, id: &str, diags: &mut Diagnostics) -> Value;

    /// Turns state stored under an older schema version into the current
    /// one. `stored` was decoded with the current schema's type when that
    /// succeeded (an older version of the same shape); `raw_json` is always
    /// the stored JSON.
    fn upgrade_state(
        &self,
        version: i64,
        stored: Option<Value>,
        raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value>;

    /// The configuration that would produce this state
    /// (`terraform plan -generate-config-out`).
    fn generate_config(&self, state: &Value, diags: &mut Diagnostics) -> Value;
}
